// Package plot draws a sweep as a picture: throughput and p99 against the
// varied parameter, one panel each, with gonum.org/v1/plot. It writes a
// file (PNG or SVG, by extension); it runs nothing.
package plot

import (
	"errors"
	"fmt"
	"math"
	"path/filepath"
	"strings"
	"time"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgsvg"

	"github.com/msgsim/msgsim/report"
	"github.com/msgsim/msgsim/sweep"
	"github.com/msgsim/msgsim/units"
)

// ErrNothing is Save's answer to a sweep with no point to draw: none
// finished, or none measured a figure.
var ErrNothing = errors.New("nothing to plot: no point finished with a measured figure")

// Formats says which file extensions Save writes.
var Formats = []string{".png", ".svg"}

// CheckPath refuses an extension Save cannot write, before a sweep runs.
func CheckPath(path string) error {
	ext := strings.ToLower(filepath.Ext(path))
	for _, f := range Formats {
		if ext == f {
			return nil
		}
	}
	return fmt.Errorf("%q: want a .png or .svg file", path)
}

// logScale says whether counts are drawn on a log axis: only for two or
// more values, all above 0 (gonum's log scale panics on a range that
// reaches 0, as a single point's padded range does).
func logScale(a sweep.Axis) bool {
	if len(a.Values) < 2 || !(a.Param == "consumers" || a.Param == "queues" || a.Param == "producers" || a.Param == "batch") {
		return false
	}
	for _, v := range a.Values {
		if v <= 0 {
			return false
		}
	}
	return true
}

// Save draws res into path. With two varied parameters, each value of the
// first is its own line over the second.
func Save(res sweep.Result, path string) (err error) {
	if err := CheckPath(path); err != nil {
		return err
	}
	// The plotting library panics on data it cannot scale; a picture that
	// cannot be drawn is an output failure, never a crash.
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("cannot draw the plot: %v", p)
		}
	}()
	order, lines := series(res)
	if len(order) == 0 {
		return ErrNothing
	}
	xAxis := res.Axes[len(res.Axes)-1]
	tp, p99 := plot.New(), plot.New()
	tp.Title.Text = "msgsim sweep\n" + wrap(report.SweepConfigLine(res), 80)
	if res.Interrupted {
		tp.Title.Text += fmt.Sprintf("\ninterrupted: %d of %d points finished; a point cut short is not drawn", finished(res), len(sweep.Grid(res.Axes)))
	}
	tp.Title.TextStyle.Font.Size = vg.Points(9)
	for _, p := range []*plot.Plot{tp, p99} {
		p.X.Label.Text = xAxis.Param
		p.X.Tick.Marker = valueTicks{param: xAxis.Param, values: xAxis.Values}
		if logScale(xAxis) {
			p.X.Scale = plot.LogScale{}
			p.X.Min, p.X.Max = xAxis.Values[0], xAxis.Values[len(xAxis.Values)-1]
		}
		p.Add(plotter.NewGrid())
	}
	tp.Y.Label.Text = "throughput (msgs/s)"
	tp.Y.Tick.Marker = humanTicks{unit: ""}
	p99.Y.Label.Text = "p99 latency"
	p99.Y.Tick.Marker = humanTicks{unit: "ns"}
	tp.Y.Min, p99.Y.Min = 0, 0

	var tpArgs, p99Args []any
	for _, k := range order {
		if len(lines[k][0]) > 0 {
			tpArgs = append(tpArgs, k, lines[k][0])
		}
		if len(lines[k][1]) > 0 {
			p99Args = append(p99Args, k, lines[k][1])
		}
	}
	if err := plotutil.AddLinePoints(tp, tpArgs...); err != nil {
		return err
	}
	if err := plotutil.AddLinePoints(p99, p99Args...); err != nil {
		return err
	}
	if len(res.Axes) == 1 {
		tp.Legend, p99.Legend = plot.NewLegend(), plot.NewLegend() // one line needs no legend
	} else {
		tp.Legend.Top, p99.Legend.Top = true, true
	}

	const w, h = 7 * vg.Inch, 7 * vg.Inch
	var c draw.Canvas
	var save func() error
	switch strings.ToLower(filepath.Ext(path)) {
	case ".svg":
		sc := vgsvg.New(w, h)
		c, save = draw.New(sc), func() error { return writeTo(path, sc) }
	default:
		ic := vgimg.New(w, h)
		c, save = draw.New(ic), func() error { return writeTo(path, vgimg.PngCanvas{Canvas: ic}) }
	}
	tiles := draw.Tiles{Rows: 2, Cols: 1, PadTop: vg.Points(4), PadBottom: vg.Points(4), PadY: vg.Points(12), PadLeft: vg.Points(4), PadRight: vg.Points(8)}
	canvases := plot.Align([][]*plot.Plot{{tp}, {p99}}, tiles, c)
	tp.Draw(canvases[0][0])
	p99.Draw(canvases[1][0])
	return save()
}

// series is each line's throughput and p99 points, in the order the
// lines first appear. A point a signal cut short is left out, as is a
// figure its runs did not measure: neither is drawn as if it were one.
func series(res sweep.Result) (order []string, lines map[string][2]plotter.XYs) {
	lines = map[string][2]plotter.XYs{}
	for _, pt := range res.Points {
		okTP, okLat := report.PointMeasured(pt)
		if pt.Interrupted || !okTP && !okLat {
			continue
		}
		key := "measured"
		if len(res.Axes) == 2 {
			key = res.Axes[0].Param + " " + sweep.FormatValue(res.Axes[0].Param, pt.Point[0])
		}
		if _, ok := lines[key]; !ok {
			order = append(order, key)
		}
		l := lines[key]
		x := pt.Point[len(pt.Point)-1]
		if okTP {
			l[0] = append(l[0], plotter.XY{X: x, Y: pt.Throughput})
		}
		if okLat {
			l[1] = append(l[1], plotter.XY{X: x, Y: float64(pt.P99)})
		}
		lines[key] = l
	}
	return order, lines
}

// finished counts the points that ran to their end.
func finished(res sweep.Result) int {
	n := 0
	for _, p := range res.Points {
		if !p.Interrupted {
			n++
		}
	}
	return n
}

// wrap breaks s after commas and semicolons into lines of at most width.
func wrap(s string, width int) string {
	var lines []string
	line := ""
	for _, word := range strings.SplitAfter(s, " ") {
		if len(line)+len(word) > width && line != "" {
			lines = append(lines, strings.TrimSpace(line))
			line = ""
		}
		line += word
	}
	return strings.Join(append(lines, strings.TrimSpace(line)), "\n")
}

// valueTicks labels exactly the swept values.
type valueTicks struct {
	param  string
	values []float64
}

func (t valueTicks) Ticks(min, max float64) []plot.Tick {
	var ts []plot.Tick
	for _, v := range t.values {
		if v >= min && v <= max {
			ts = append(ts, plot.Tick{Value: v, Label: sweep.FormatValue(t.param, v)})
		}
	}
	return ts
}

// humanTicks labels a linear axis with human numbers (7.5k, not 7500.00),
// or durations when unit is ns.
type humanTicks struct{ unit string }

func (t humanTicks) Ticks(min, max float64) []plot.Tick {
	ts := plot.DefaultTicks{}.Ticks(min, max)
	for i := range ts {
		if ts[i].Label == "" {
			continue
		}
		if t.unit == "ns" {
			ts[i].Label = units.Duration(time.Duration(math.Round(ts[i].Value)))
		} else {
			ts[i].Label = units.Rate(ts[i].Value)
		}
	}
	return ts
}
