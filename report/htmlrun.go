package report

import (
	"fmt"
	"io"
	"strings"

	"github.com/msgsim/msgsim/sim"
)

// maxDrawnQueues is how many queues get a spectrum line of their own;
// beyond it the spectrum shows the run's alone (the table has them all).
const maxDrawnQueues = 8

// maxDrawnConsumers is how many consumers get a bar each.
const maxDrawnConsumers = 64

func writeHTML(w io.Writer, d Document) error {
	j := NewJSONDocument(d)
	res := d.Result
	p := page{title: "msgsim report", heading: ConfigLine(res), verdict: DocumentVerdict(d), data: j,
		passed: res.OK() && !d.interrupted() && (!d.Judged || d.Passed), footer: RuntimeLine(res)}
	switch {
	case d.Judged && !d.Passed && d.interrupted(): // cut short, not failed: the problems say so
		p.lines = append(p.lines, strings.Join(d.Problems, "; "))
	case d.Judged && !d.Passed:
		p.lines = append(p.lines, "FAILED: "+strings.Join(d.Problems, "; "))
	}
	if sl := d.scenarioLine(); sl != "" {
		p.lines = append(p.lines, sl)
	}
	if wl := WorkloadLine(res); wl != "" {
		p.lines = append(p.lines, wl)
	}
	tables := documentTables(d)
	byTitle := func(prefix string) []table {
		var out []table
		for _, t := range tables {
			if strings.HasPrefix(t.title, prefix) {
				out = append(out, t)
			}
		}
		return out
	}
	p.sections = append(p.sections,
		pageSection{heading: "Summary", tables: append(byTitle("summary"), byTitle("deliveries by queue")...)},
		pageSection{heading: "Latency", charts: []svgChart{spectrumChart(j)}, tables: byTitle("latency")})
	if len(j.Series) > 0 {
		p.sections = append(p.sections, pageSection{heading: "Over time", charts: seriesCharts(j), tables: append(byTitle("phases"), byTitle("series")...)})
	} else if len(j.Phases) > 0 {
		p.sections = append(p.sections, pageSection{heading: "Phases", tables: byTitle("phases"),
			text: "no series was kept (a run planned under 2s without --interval): the phases are in the table"})
	}
	p.sections = append(p.sections, pageSection{heading: "Consumers", charts: []svgChart{consumerChart(j)},
		tables: append(append(byTitle("queue load"), byTitle("consumers")...), byTitle("consumer processes")...)})
	var judged []table
	for _, prefix := range []string{"repeats", "assertions", "baseline"} {
		judged = append(judged, byTitle(prefix)...)
	}
	if len(judged) > 0 {
		p.sections = append(p.sections, pageSection{heading: "Repeats, assertions and baseline", tables: judged})
	}
	return p.render(w)
}

// spectrumChart draws latency against percentile as HdrHistogram's
// plotter does: x is 1/(1−p) on a log axis, so 90%, 99%, 99.9% … are
// equally spaced and the tail gets the room.
func spectrumChart(j JSONResult) svgChart {
	c := svgChart{id: "spectrum", title: "latency by percentile (send → receive)", xLabel: "percentile", yLabel: "latency",
		xLog: true, yLog: true, xFmt: percentileLabel, yFmt: nsLabel, xTicks: spectrumTicks}
	add := func(name string, sp []JSONQuantile) {
		l := svgLine{name: name}
		for _, q := range sp {
			if q.Percentile < 100 && spectrumX(q.Percentile) <= spectrumTicks[len(spectrumTicks)-1]*1.0001 {
				l.pts = append(l.pts, svgPoint{x: spectrumX(q.Percentile), y: float64(q.ValueNs),
					label: fmt.Sprintf("%s p%s: %s", name, percentileLabel(spectrumX(q.Percentile)), nsLabel(float64(q.ValueNs)))})
			}
		}
		if len(l.pts) > 0 {
			c.lines = append(c.lines, l)
		}
	}
	add("all queues", j.Latency.Spectrum)
	if len(j.Queues) > 1 && len(j.Queues) <= maxDrawnQueues {
		for _, q := range j.Queues {
			add(fmt.Sprintf("q%d", q.Queue), q.Latency.Spectrum)
		}
	}
	switch {
	case len(c.lines) == 0 && j.Role == sim.RoleProducer && j.Latency.Count > 0:
		// The consumers sent their figures, not their histograms.
		c.note = "no spectrum here: the latencies were timed in the consumer process, whose report draws it"
	case len(c.lines) == 0:
		c.note = "no spectrum: " + whyLatency
	case len(j.Queues) > maxDrawnQueues:
		c.note = fmt.Sprintf("the run's spectrum; %d queues are too many to draw one by one (the table lists them)", len(j.Queues))
	}
	return c
}

// seriesCharts draw throughput, p50 and p99, and queue depth per interval,
// with a scenario's phases shaded.
func seriesCharts(j JSONResult) []svgChart {
	var bands []svgBand
	for _, ph := range j.Phases {
		bands = append(bands, svgBand{from: float64(ph.StartNs) / 1e9, to: float64(ph.StartNs+ph.LengthNs) / 1e9, name: ph.Name})
	}
	at := func(iv JSONInterval) float64 { return float64(iv.StartNs) / 1e9 }
	tp := svgChart{id: "throughput", title: "throughput per interval", xLabel: "time since the first send", yLabel: "msgs/s",
		xFmt: secondsLabel, yFmt: rateLabel, bands: bands}
	lat := svgChart{id: "latency-over-time", title: "p50 and p99 per interval", xLabel: "time since the first send", yLabel: "latency",
		yLog: true, xFmt: secondsLabel, yFmt: nsLabel, bands: bands}
	depth := svgChart{id: "depth", title: "deepest queue per interval", xLabel: "time since the first send", yLabel: "messages waiting",
		xFmt: secondsLabel, yFmt: countLabel, bands: bands}
	tpl, p50, p99, dl := svgLine{name: "msgs/s"}, svgLine{name: "p50"}, svgLine{name: "p99"}, svgLine{name: "max depth"}
	for _, iv := range j.Series {
		tpl.pts = append(tpl.pts, svgPoint{x: at(iv), y: iv.ThroughputMsgsPerS})
		if iv.Deliveries > 0 { // p50 and p99 were measured
			p50.pts = append(p50.pts, svgPoint{x: at(iv), y: float64(iv.P50Ns)})
			p99.pts = append(p99.pts, svgPoint{x: at(iv), y: float64(iv.P99Ns)})
		}
		dl.pts = append(dl.pts, svgPoint{x: at(iv), y: float64(iv.MaxDepth)})
	}
	tp.lines, lat.lines = []svgLine{tpl}, []svgLine{p50, p99}
	charts := []svgChart{tp, lat}
	if j.DepthMeasured {
		depth.lines = []svgLine{dl}
		charts = append(charts, depth)
	}
	return charts
}

// consumerChart draws each consumer's deliveries, queue by queue.
func consumerChart(j JSONResult) svgChart {
	c := svgChart{id: "consumers", title: "deliveries per consumer", xLabel: "consumer (queue.consumer)", yLabel: "delivered",
		bars: true, xFmt: func(float64) string { return "" }, yFmt: countLabel}
	if len(j.Consumers) > maxDrawnConsumers {
		c.note = fmt.Sprintf("%d consumers are too many to draw one by one: the table summarises them", len(j.Consumers))
		return c
	}
	perQueue := map[int]int64{}
	for _, cr := range j.Consumers {
		perQueue[cr.Queue] += cr.Delivered
	}
	l := svgLine{name: "delivered"}
	for i, cr := range j.Consumers {
		share := 0.0
		if n := perQueue[cr.Queue]; n > 0 {
			share = 100 * float64(cr.Delivered) / float64(n)
		}
		if len(j.Consumers) <= 24 {
			c.barLabels = append(c.barLabels, fmt.Sprintf("q%d.%d", cr.Queue, cr.Consumer))
		}
		l.pts = append(l.pts, svgPoint{x: float64(i), y: float64(cr.Delivered),
			label: fmt.Sprintf("q%d.%d: %s, %.1f%% of q%d", cr.Queue, cr.Consumer, countLabel(float64(cr.Delivered)), share, cr.Queue)})
	}
	c.lines = []svgLine{l}
	return c
}
