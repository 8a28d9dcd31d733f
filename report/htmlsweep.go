package report

import (
	"fmt"
	"io"
	"math"
	"strings"

	"github.com/msgsim/msgsim/queueing"
	"github.com/msgsim/msgsim/sim"
	"github.com/msgsim/msgsim/sweep"
)

// kneeFactor is how far above its floor a line's p99 must rise for the
// point to count as where latency broke away.
const kneeFactor = 2

func writeSweepHTML(w io.Writer, res sweep.Result) error {
	j := newJSONSweep(res)
	p := page{title: "msgsim sweep of " + axisNames(res.Axes), heading: SweepConfigLine(res), data: j, passed: j.Passed}
	failed, whole, failedWhole := 0, 0, 0
	for _, pt := range res.Points {
		if len(pt.Problems) > 0 || pt.Interrupted {
			failed++
		}
		if !pt.Interrupted {
			whole++
			if len(pt.Problems) > 0 {
				failedWhole++
			}
		}
	}
	switch {
	case res.Interrupted:
		p.verdict = fmt.Sprintf("interrupted: %d of %d points ran, the last one possibly cut short", len(res.Points), len(sweep.Grid(res.Axes)))
		// The signal hides no failure found before it.
		if failedWhole > 0 {
			p.verdict += fmt.Sprintf("; FAILED at %d of the %d points that finished (the table says why)", failedWhole, whole)
		}
	case failed > 0:
		p.verdict = fmt.Sprintf("FAILED at %d of %d points (the table says why)", failed, len(res.Points))
	default:
		p.verdict = fmt.Sprintf("every one of %d points passed its checks", len(res.Points))
	}
	if len(res.Points) > 0 {
		if r := res.Points[0].Runs; len(r) > 0 {
			p.footer = fmt.Sprintf("%s, GOMAXPROCS %d of %d CPUs", r[0].GoVersion, r[0].GOMAXPROCS, r[0].NumCPU)
		}
	}
	tp, p99, note := sweepCharts(res, j)
	p.sections = []pageSection{
		{heading: "Throughput and latency", charts: []svgChart{tp, p99}, text: note},
		{heading: "Points", tables: []table{sweepTable(res)}},
	}
	return p.render(w)
}

// sweepCharts draw throughput and p99 against the last varied parameter,
// one line per value of the first in a grid, each beside the queueing
// model's prediction where the workload has one, with the knee marked.
func sweepCharts(res sweep.Result, j JSONSweep) (tp, p99 svgChart, note string) {
	axis := res.Axes[len(res.Axes)-1]
	xf := func(v float64) string { return sweep.FormatValue(axis.Param, v) }
	tp = svgChart{id: "sweep-throughput", title: "throughput by " + axis.Param, xLabel: axis.Param, yLabel: "msgs/s",
		xLog: sweepLogX(axis), xFmt: xf, yFmt: rateLabel, xTicks: nil}
	p99 = svgChart{id: "sweep-p99", title: "p99 latency by " + axis.Param, xLabel: axis.Param, yLabel: "p99",
		xLog: sweepLogX(axis), yLog: true, xFmt: xf, yFmt: nsLabel}
	type line struct {
		name   string
		points []int
	}
	var lines []line
	for i := range res.Points {
		name := "measured"
		if len(res.Axes) == 2 {
			name = res.Axes[0].Param + "=" + sweep.FormatValue(res.Axes[0].Param, res.Points[i].Point[0])
		}
		if len(lines) == 0 || lines[len(lines)-1].name != name {
			lines = append(lines, line{name: name})
		}
		lines[len(lines)-1].points = append(lines[len(lines)-1].points, i)
	}
	var why []string
	cut := false
	for _, l := range lines {
		mt, mp := svgLine{name: l.name}, svgLine{name: l.name}
		pt, pp := svgLine{name: "model " + l.name, dashed: true}, svgLine{name: "model " + l.name, dashed: true}
		if len(lines) == 1 {
			pt.name, pp.name = "queueing model", "queueing model"
		}
		var xs, p99s []float64
		for _, i := range l.points {
			jp, x := j.Points[i], res.Points[i].Point[len(res.Axes)-1]
			okTP, okLat := pointMeasured(res.Points[i])
			if res.Points[i].Interrupted {
				// Drained without its work: no figure of the model's run.
				okTP, okLat, cut = false, false, true
			}
			if okTP {
				mt.pts = append(mt.pts, svgPoint{x: x, y: jp.ThroughputMsgsPerS})
			}
			if okLat {
				mp.pts = append(mp.pts, svgPoint{x: x, y: float64(jp.P99Ns)})
				xs, p99s = append(xs, x), append(p99s, float64(jp.P99Ns))
			}
			if t, lat, reason := predictPoint(sweep.Apply(res.Base, res.Axes, res.Points[i].Point)); reason == "" {
				pt.pts = append(pt.pts, svgPoint{x: x, y: t})
				if lat > 0 {
					pp.pts = append(pp.pts, svgPoint{x: x, y: lat})
				}
			} else if !contains(why, reason) {
				why = append(why, reason)
			}
		}
		tp.lines, p99.lines = append(tp.lines, mt), append(p99.lines, mp)
		if len(pt.pts) > 0 {
			tp.lines = append(tp.lines, pt)
		}
		if len(pp.pts) > 0 {
			p99.lines = append(p99.lines, pp)
		}
		if k := knee(xs, p99s); k >= 0 {
			name := "knee"
			if len(lines) > 1 {
				name += " " + l.name
			}
			tp.marks = append(tp.marks, svgMark{x: xs[k], name: name})
			p99.marks = append(p99.marks, svgMark{x: xs[k], name: name})
		}
	}
	note = fmt.Sprintf("solid: measured (medians of the repeats); dashed: the queueing model (M/M/c or M/D/c per queue; throughput min(λ, cμ) × queues, p99 the model's time in system); knee: the first point whose p99 is more than %d× the lowest p99 of its line.", kneeFactor)
	if cut {
		note += " The point a signal cut short is not drawn."
	}
	if len(why) > 0 {
		note += " The model is not drawn where it has nothing to say: " + strings.Join(why, "; ") + "."
	}
	return tp, p99, note
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

// sweepLogX: counts that double are drawn on a log axis, as plot/ does.
func sweepLogX(a sweep.Axis) bool {
	if len(a.Values) < 2 || !(a.Resource || a.Param == "batch") {
		return false
	}
	for _, v := range a.Values {
		if v <= 0 {
			return false
		}
	}
	return true
}

// predictPoint is the queueing model's throughput (deliveries per second
// over every queue) and p99 time in system (ns; 0 when the queue is
// unstable) for one point, or why there is none.
func predictPoint(c sim.Config) (throughput, p99 float64, why string) {
	m, why := queueing.For(c)
	if why != "" {
		return 0, 0, strings.TrimPrefix(why, "no prediction: ")
	}
	served := math.Min(m.Lambda, float64(m.C)*m.Mu)
	if d, err := queueing.SojournPercentile(m, 0.99); err == nil {
		p99 = float64(d)
	}
	return served * float64(c.Queues), p99, ""
}

// knee is the index of the first point, walking from the lowest p99 of a
// line towards its higher end, whose p99 exceeds kneeFactor × that lowest;
// -1 when latency never breaks away.
func knee(xs, p99s []float64) int {
	if len(p99s) < 2 {
		return -1
	}
	low := 0
	for i, v := range p99s {
		if v < p99s[low] {
			low = i
		}
	}
	step := 1
	if p99s[0] > p99s[len(p99s)-1] {
		step = -1 // latency falls as x grows: it broke away on the left
	}
	for i := low; i >= 0 && i < len(p99s); i += step {
		if p99s[i] > kneeFactor*p99s[low] {
			return i
		}
	}
	return -1
}
