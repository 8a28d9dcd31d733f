package report

import (
	"fmt"
	"html"
	"math"
	"strconv"
	"strings"
)

// Charts for the html format, drawn here as inline SVG: no script, no
// library, nothing fetched, and a page that looks the same offline, in a
// CI artifact viewer or printed. Every point carries the number it plots
// (data-x, data-y: the json's own values), so a test can hold a chart to
// the json.

// svgChart is one chart: lines of points (or bars) on a linear or log axis.
type svgChart struct {
	id, title      string
	xLabel, yLabel string
	xLog, yLog     bool
	xFmt, yFmt     func(float64) string // tick and tooltip labels
	xTicks         []float64            // fixed ticks; nil picks them
	bars           bool                 // one bar per point of the first line
	barLabels      []string             // under the bars
	lines          []svgLine
	bands          []svgBand // shaded spans of x (phases)
	marks          []svgMark // labelled vertical lines (the knee)
	note           string    // under the chart: what was not drawn and why
}

type svgLine struct {
	name   string
	dashed bool // a prediction rather than a measurement
	pts    []svgPoint
}

type svgPoint struct {
	x, y  float64
	label string // for the tooltip; "" uses the formatted values
}

type svgBand struct {
	from, to float64
	name     string
}

type svgMark struct {
	x    float64
	name string
}

const (
	svgW, svgH                   = 760, 300
	padL, padR, padTop, padBelow = 78, 150, 28, 46
)

// scale maps data to pixels over [lo, hi].
type scale struct {
	lo, hi   float64
	log      bool
	from, to float64 // pixels
}

func (s scale) at(v float64) float64 {
	a, b, x := s.lo, s.hi, v
	if s.log {
		a, b, x = math.Log10(a), math.Log10(b), math.Log10(v)
	}
	if b == a {
		return (s.from + s.to) / 2
	}
	return s.from + (x-a)/(b-a)*(s.to-s.from)
}

// drawable says whether v can be placed on an axis.
func drawable(v float64, log bool) bool {
	return !math.IsNaN(v) && !math.IsInf(v, 0) && (!log || v > 0)
}

// extent is the range of the drawable values, padded so that a flat line
// or a single point still has an axis; bars and linear axes start at 0.
func extent(vs []float64, log, fromZero bool) (lo, hi float64, ok bool) {
	lo, hi = math.Inf(1), math.Inf(-1)
	for _, v := range vs {
		if drawable(v, log) {
			lo, hi, ok = math.Min(lo, v), math.Max(hi, v), true
		}
	}
	if !ok {
		return 0, 1, false
	}
	if log {
		lo, hi = math.Pow(10, math.Floor(math.Log10(lo))), math.Pow(10, math.Ceil(math.Log10(hi)))
		if lo == hi {
			hi = lo * 10
		}
		return lo, hi, true
	}
	if fromZero && lo > 0 {
		lo = 0
	}
	if hi == lo {
		hi = lo + math.Max(1, math.Abs(lo))
	}
	return lo, hi + (hi-lo)*0.05, true
}

// ticks picks about five round values in [lo, hi]: powers of ten on a log
// axis, steps of 1, 2 or 5 × 10^k on a linear one.
func ticks(lo, hi float64, log bool) []float64 {
	var out []float64
	if log {
		for v := lo; v <= hi*1.0001; v *= 10 {
			out = append(out, v)
		}
		return out
	}
	raw := (hi - lo) / 5
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	step := mag
	for _, m := range []float64{1, 2, 5, 10} {
		if m*mag >= raw {
			step = m * mag
			break
		}
	}
	for v := math.Ceil(lo/step) * step; v <= hi+step*1e-9; v += step {
		out = append(out, v)
	}
	return out
}

func num(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }

func px(v float64) string { return strconv.FormatFloat(v, 'f', 1, 64) }

// svg renders the chart.
func (c svgChart) svg() string {
	var xs, ys []float64
	for _, l := range c.lines {
		for _, p := range l.pts {
			if drawable(p.x, c.xLog) && drawable(p.y, c.yLog) {
				xs, ys = append(xs, p.x), append(ys, p.y)
			}
		}
	}
	for _, b := range c.bands {
		xs = append(xs, b.from, b.to)
	}
	xlo, xhi, _ := extent(xs, c.xLog, false)
	if !c.xLog && len(xs) > 0 {
		xhi -= (xhi - xlo) * 0.05 / 1.05 // no headroom on x
	}
	ylo, yhi, _ := extent(ys, c.yLog, true)
	if c.xTicks != nil {
		xlo, xhi = c.xTicks[0], c.xTicks[len(c.xTicks)-1]
	}
	if c.bars {
		xlo, xhi = -0.5, float64(len(xs))-0.5
	}
	sx := scale{lo: xlo, hi: xhi, log: c.xLog, from: padL, to: svgW - padR}
	sy := scale{lo: ylo, hi: yhi, log: c.yLog, from: svgH - padBelow, to: padTop}
	var b strings.Builder
	e := html.EscapeString
	fmt.Fprintf(&b, `<svg class="chart" id="%s" viewBox="0 0 %d %d" role="img" aria-label="%s" xmlns="http://www.w3.org/2000/svg">`, e(c.id), svgW, svgH, e(c.title))
	fmt.Fprintf(&b, `<text class="title" x="%d" y="18">%s</text>`, padL, e(c.title))
	for _, band := range c.bands {
		x0, x1 := sx.at(math.Max(band.from, xlo)), sx.at(math.Min(band.to, xhi))
		name := band.name
		if x1-x0 < 7*float64(len(name))+6 {
			name = "" // too narrow to name: the table of phases does
		}
		fmt.Fprintf(&b, `<g class="band" data-from="%s" data-to="%s"><rect x="%s" y="%d" width="%s" height="%d"><title>%s</title></rect><text x="%s" y="%d">%s</text></g>`,
			num(band.from), num(band.to), px(x0), padTop, px(math.Max(x1-x0, 0)), svgH-padTop-padBelow, e(band.name), px(x0+3), padTop+12, e(name))
	}
	// Axes, grid and tick labels.
	fmt.Fprintf(&b, `<g class="axis">`)
	for _, v := range ticks(ylo, yhi, c.yLog) {
		y := sy.at(v)
		fmt.Fprintf(&b, `<line class="grid" x1="%d" x2="%d" y1="%s" y2="%s"/><text class="ytick" x="%d" y="%s">%s</text>`,
			padL, svgW-padR, px(y), px(y), padL-6, px(y+4), e(c.yFmt(v)))
	}
	xt := c.xTicks
	if xt == nil && !c.bars {
		xt = ticks(xlo, xhi, c.xLog)
	}
	for _, v := range xt {
		x := sx.at(v)
		fmt.Fprintf(&b, `<line class="grid" x1="%s" x2="%s" y1="%d" y2="%d"/><text class="xtick" x="%s" y="%d">%s</text>`,
			px(x), px(x), padTop, svgH-padBelow, px(x), svgH-padBelow+16, e(c.xFmt(v)))
	}
	for k, l := range c.barLabels {
		fmt.Fprintf(&b, `<text class="xtick" x="%s" y="%d">%s</text>`, px(sx.at(float64(k))), svgH-padBelow+16, e(l))
	}
	fmt.Fprintf(&b, `<text class="xlabel" x="%d" y="%d">%s</text>`, (padL+svgW-padR)/2, svgH-8, e(c.xLabel))
	fmt.Fprintf(&b, `<text class="ylabel" transform="translate(14 %d) rotate(-90)">%s</text></g>`, (padTop+svgH-padBelow)/2, e(c.yLabel))
	for i, l := range c.lines {
		c.drawLine(&b, i, l, sx, sy)
	}
	for _, m := range c.marks {
		if !drawable(m.x, c.xLog) {
			continue
		}
		x := sx.at(m.x)
		fmt.Fprintf(&b, `<g class="knee" data-x="%s"><line x1="%s" x2="%s" y1="%d" y2="%d"/><text x="%s" y="%d">%s</text></g>`,
			num(m.x), px(x), px(x), padTop, svgH-padBelow, px(x+4), svgH-padBelow-6, e(m.name))
	}
	// The legend, right of the plot.
	for i, l := range c.lines {
		y := padTop + 14 + 18*i
		dash := ""
		if l.dashed {
			dash = ` stroke-dasharray="5 3"`
		}
		fmt.Fprintf(&b, `<g class="legend s%d"><line x1="%d" x2="%d" y1="%d" y2="%d"%s/><text x="%d" y="%d">%s</text></g>`,
			i%8, svgW-padR+10, svgW-padR+30, y, y, dash, svgW-padR+35, y+4, e(l.name))
	}
	b.WriteString(`</svg>`)
	return b.String()
}

// drawLine draws one line's points (or bars), each carrying its values.
func (c svgChart) drawLine(b *strings.Builder, i int, l svgLine, sx, sy scale) {
	e := html.EscapeString
	kind := "measured"
	if l.dashed {
		kind = "predicted"
	}
	fmt.Fprintf(b, `<g class="series s%d %s" data-series="%s">`, i%8, kind, e(l.name))
	var path []string
	for k, p := range l.pts {
		if !drawable(p.x, c.xLog) || !drawable(p.y, c.yLog) {
			continue
		}
		label := p.label
		if label == "" {
			label = c.xFmt(p.x) + ": " + c.yFmt(p.y)
		}
		if c.bars {
			x0, x1 := sx.at(float64(k)-0.4), sx.at(float64(k)+0.4)
			y0, y1 := sy.at(sy.lo), sy.at(p.y)
			fmt.Fprintf(b, `<rect class="mark bar" x="%s" y="%s" width="%s" height="%s" data-x="%s" data-y="%s"><title>%s</title></rect>`,
				px(x0), px(y1), px(x1-x0), px(math.Max(y0-y1, 0.5)), num(p.x), num(p.y), e(label))
			continue
		}
		x, y := sx.at(p.x), sy.at(p.y)
		path = append(path, px(x)+","+px(y))
		fmt.Fprintf(b, `<circle class="mark point" cx="%s" cy="%s" r="2.6" data-x="%s" data-y="%s"><title>%s</title></circle>`,
			px(x), px(y), num(p.x), num(p.y), e(label))
	}
	if len(path) > 1 {
		fmt.Fprintf(b, `<polyline class="line" points="%s"/>`, strings.Join(path, " "))
	}
	b.WriteString(`</g>`)
}
