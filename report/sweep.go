package report

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/msgsim/msgsim/sim"
	"github.com/msgsim/msgsim/sweep"
	"github.com/msgsim/msgsim/units"
)

// WriteSweep renders a sweep: a table and a bar chart (table, markdown),
// or one record per point (json, csv). width is the terminal width for the
// chart; 0 means 80.
func WriteSweep(w io.Writer, res sweep.Result, f Format, width int) error {
	switch f {
	case JSON:
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(newJSONSweep(res))
	case CSV:
		return writeSweepCSV(w, res)
	case HTML:
		return writeSweepHTML(w, res)
	case GoBench:
		var runs []sim.Result
		for _, p := range res.Points {
			runs = append(runs, p.Runs...)
		}
		return writeGoBenchRuns(w, runs, res.Interrupted, "")
	case Table, Markdown:
		ew := &errWriter{w: w}
		title := fmt.Sprintf("sweep of %s: %s", axisNames(res.Axes), SweepConfigLine(res))
		if f == Markdown {
			fmt.Fprintf(ew, "**msgsim sweep** %s\n\n", title)
		} else {
			fmt.Fprintf(ew, "%s\n\n", title)
		}
		t := sweepTable(res)
		if err := t.render(ew, f == Markdown); err != nil {
			return err
		}
		if t.note != "" && f == Markdown {
			fmt.Fprintf(ew, "\n%s\n", mdLines(t.note))
		} else if t.note != "" {
			fmt.Fprintf(ew, "\n%s\n", t.note)
		}
		if f == Markdown {
			fmt.Fprintf(ew, "\n```\n%s```\n", Chart(res, width))
		} else {
			fmt.Fprintf(ew, "\n%s", Chart(res, width))
		}
		if res.Interrupted {
			fmt.Fprintf(ew, "\ninterrupted: %d of %d points ran, the last one possibly cut short\n", len(res.Points), len(sweep.Grid(res.Axes)))
		}
		return ew.err
	}
	return fmt.Errorf("unknown format %q", f)
}

func axisNames(axes []sweep.Axis) string {
	names := make([]string, len(axes))
	for i, a := range axes {
		names[i] = a.Param
	}
	return strings.Join(names, " × ")
}

// SweepConfigLine describes the fixed part of a sweep's config.
func SweepConfigLine(res sweep.Result) string {
	c := res.Base
	varied := map[string]bool{}
	for _, a := range res.Axes {
		varied[a.Param] = true
	}
	var parts []string
	add := func(name, v string) {
		if !varied[name] {
			parts = append(parts, name+" "+v)
		}
	}
	parts = append(parts, string(c.Dispatch))
	add("producers", units.Int(int64(c.Producers)))
	add("queues", units.Int(int64(c.Queues)))
	add("consumers", units.Int(int64(c.Consumers)))
	add("buffer", units.Int(int64(c.Buffer)))
	if c.Batch > 1 || varied["batch"] {
		add("batch", units.Int(int64(c.Batch)))
	}
	if c.Rate > 0 || varied["rate"] {
		add("rate", units.Rate(c.Rate)+" msgs/s "+string(c.Arrival))
	}
	if c.Work > 0 || varied["work"] {
		add("work", units.Duration(c.Work)+" "+string(c.WorkDist)+" "+string(c.WorkKind))
	}
	if c.Duration > 0 {
		parts = append(parts, "for "+c.Duration.String())
	} else {
		parts = append(parts, units.Int(c.Messages)+" messages per producer")
	}
	per := "one run per point"
	if res.Repeat > 1 {
		per = fmt.Sprintf("median of %d runs per point", res.Repeat)
	}
	return strings.Join(parts, ", ") + fmt.Sprintf("; seed %d; %s", c.Seed, per)
}

func pointLabel(res sweep.Result, p sweep.Point) string {
	parts := make([]string, len(res.Axes))
	for i, a := range res.Axes {
		parts[i] = sweep.FormatValue(a.Param, p[i])
	}
	return strings.Join(parts, " × ")
}

// sweepTable has a row per point; its check column says whether the
// point passed its verdict (exactly once, assertions, baseline), and the
// note under the table says why each failing point failed.
func sweepTable(res sweep.Result) table {
	t := table{header: []string{axisNames(res.Axes), "msgs/s", "± spread", "speedup", "efficiency", "p50", "p99", "lost", "check"}}
	var notes []string
	var noTP, noLat, noEff bool
	for i, p := range res.Points {
		tp, timed := pointMeasured(p)
		speedup := speedupMeasured(res, i)
		noTP, noLat = noTP || !tp || !speedup, noLat || !timed
		eff := none
		if e := res.Efficiency(i); !math.IsNaN(e) && speedup {
			eff = fmt.Sprintf("%.0f%%", 100*e)
		} else if speedup {
			noEff = true
		}
		verdict := "ok"
		switch {
		case p.Interrupted:
			verdict = "cut short"
			notes = append(notes, fmt.Sprintf("%s: interrupted; not judged", pointName(res, p.Point)))
		case len(p.Problems) > 0:
			verdict = "FAIL"
			notes = append(notes, fmt.Sprintf("%s: %s", pointName(res, p.Point), strings.Join(p.Problems, "; ")))
		}
		for _, n := range p.Notes {
			notes = append(notes, fmt.Sprintf("%s: %s", pointName(res, p.Point), n))
		}
		t.rows = append(t.rows, []string{pointLabel(res, p.Point), orNone(tp, rateStr(p.Throughput)), orNone(tp, fmt.Sprintf("%.0f%%", 100*p.Spread)),
			orNone(speedup, fmt.Sprintf("%.2f×", res.Speedup(i))), eff, orNone(timed, durStr(p.P50)), orNone(timed, durStr(p.P99)), countStr(p.Lost), verdict})
	}
	if noTP {
		notes = append(notes, footnote("in a run of the point (or of the first point, for speedup), "+whyThroughput))
	}
	if noLat {
		notes = append(notes, footnote("in a run of the point, "+whyLatency))
	}
	if noEff {
		notes = append(notes, none+" no efficiency: no varied parameter counts producers, queues or consumers")
	}
	t.note = strings.Join(notes, "\n")
	return t
}

// pointName names a point with its parameters: "consumers=2 queues=4".
func pointName(res sweep.Result, p sweep.Point) string {
	parts := make([]string, len(res.Axes))
	for i, a := range res.Axes {
		parts[i] = a.Param + "=" + sweep.FormatValue(a.Param, p[i])
	}
	return strings.Join(parts, " ")
}

// Chart draws throughput per point as horizontal bars scaled to width
// columns. Plain characters only (no colour), so it reads the same in a
// terminal, a log file and a Markdown code block.
func Chart(res sweep.Result, width int) string {
	if width <= 0 {
		width = 80
	}
	var maxTP float64
	labelW, valueW := 0, 0
	for _, p := range res.Points {
		if tp, _ := pointMeasured(p); tp {
			maxTP = math.Max(maxTP, p.Throughput)
		}
		labelW = max(labelW, utf8.RuneCountInString(pointLabel(res, p.Point)))
		valueW = max(valueW, len(units.Rate(p.Throughput)))
	}
	barW := width - labelW - valueW - 14
	if barW < 10 {
		barW = 10
	}
	var b strings.Builder
	fmt.Fprintf(&b, "throughput (msgs/s) by %s\n", axisNames(res.Axes))
	eighths := []string{"", "▏", "▎", "▍", "▌", "▋", "▊", "▉"}
	for _, p := range res.Points {
		tp, _ := pointMeasured(p)
		n := 0.0
		if maxTP > 0 && tp {
			n = p.Throughput / maxTP * float64(barW)
		}
		full := int(n)
		bar := strings.Repeat("█", full) + eighths[int((n-float64(full))*8)]
		label := pointLabel(res, p.Point)
		fmt.Fprintf(&b, "%*s │%-*s %*s msgs/s\n", labelW, label, barW, bar, valueW, orNone(tp, units.Rate(p.Throughput)))
	}
	return b.String()
}

// JSONSweep is the json document of a sweep.
type JSONSweep struct {
	SchemaVersion int         `json:"schema_version"`
	Kind          string      `json:"kind"`
	Config        JSONConfig  `json:"config"`
	Vary          []JSONAxis  `json:"vary"`
	Repeat        int         `json:"repeat"`
	Points        []JSONPoint `json:"points"`
	Passed        bool        `json:"passed"` // every point passed and none was cut short: what exit code 0 means
	Interrupted   bool        `json:"interrupted"`
	GoVersion     string      `json:"go_version,omitempty"`
	GOMAXPROCS    int         `json:"gomaxprocs,omitempty"`
}

// JSONAxis is one --vary.
type JSONAxis struct {
	Param  string    `json:"param"`
	Values []float64 `json:"values"`
}

// JSONPoint is one point of the sweep; values follow vary's order.
type JSONPoint struct {
	Values             []float64       `json:"values"`
	Config             JSONConfig      `json:"config"` // as run: the point's values, the sweep's seed
	ThroughputMsgsPerS float64         `json:"throughput_msgs_per_s"`
	Spread             float64         `json:"spread"`
	Speedup            float64         `json:"speedup"`
	Efficiency         *float64        `json:"efficiency"`
	P50Ns              int64           `json:"p50_ns"`
	P99Ns              int64           `json:"p99_ns"`
	Lost               int64           `json:"lost"`
	Duplicated         int64           `json:"duplicated"`
	Reordered          int64           `json:"reordered"`
	OK                 bool            `json:"ok"`     // its runs delivered every message exactly once, whole
	Passed             bool            `json:"passed"` // the point's verdict: exactly once, assertions, baseline
	Interrupted        bool            `json:"interrupted"`
	Problems           []string        `json:"problems"` // why it did not, a line each
	Notes              []string        `json:"notes"`    // what was not judged, e.g. no point of the baseline
	Series             []JSONInterval  `json:"series"`   // the reported run's series (--interval)
	Runs               []JSONRun       `json:"runs"`
	Assertions         []JSONAssertion `json:"assertions,omitempty"`
	Baseline           *JSONBaseline   `json:"baseline,omitempty"`
}

func newJSONSweep(res sweep.Result) JSONSweep {
	out := JSONSweep{SchemaVersion: SchemaVersion, Kind: "sweep", Config: NewJSON(sim.Result{Config: res.Base}).Config,
		Repeat: res.Repeat, Interrupted: res.Interrupted}
	for _, a := range res.Axes {
		out.Vary = append(out.Vary, JSONAxis{Param: a.Param, Values: a.Values})
	}
	// The base config's varied fields never ran: 0 says so (each point's
	// config has what it ran with).
	for _, a := range res.Axes {
		switch c := &out.Config; a.Param {
		case "consumers":
			c.Consumers = 0
		case "queues":
			c.Queues = 0
		case "producers":
			c.Producers = 0
		case "buffer":
			c.Buffer = 0
		case "batch":
			c.Batch = 0
		case "rate":
			c.Rate = 0
		case "work":
			c.WorkNs = 0
		}
	}
	out.Passed = !res.Interrupted
	for i, p := range res.Points {
		out.Passed = out.Passed && len(p.Problems) == 0 && !p.Interrupted
		jp := JSONPoint{Values: p.Point, Config: NewJSON(sim.Result{Config: p.Config}).Config, ThroughputMsgsPerS: p.Throughput,
			Spread: p.Spread, Speedup: res.Speedup(i), P50Ns: int64(p.P50), P99Ns: int64(p.P99), Lost: p.Lost, Duplicated: p.Dup,
			Reordered: p.Reordered, OK: pointOK(p),
			Passed: len(p.Problems) == 0 && !p.Interrupted, Interrupted: p.Interrupted,
			Problems: append([]string{}, p.Problems...), Notes: append([]string{}, p.Notes...), Series: jsonSeries(p.Series),
			Assertions: jsonAssertions(p.Assertions, p.Interrupted), Baseline: jsonBaseline(p.Baseline, p.Interrupted)}
		if e := res.Efficiency(i); !math.IsNaN(e) {
			jp.Efficiency = &e
		}
		for _, r := range p.Runs {
			jp.Runs = append(jp.Runs, newJSONRun(r))
		}
		out.Points = append(out.Points, jp)
		if out.GoVersion == "" && len(p.Runs) > 0 {
			out.GoVersion, out.GOMAXPROCS = p.Runs[0].GoVersion, p.Runs[0].GOMAXPROCS
		}
	}
	return out
}

// csvSweepHeader is the sweep csv's header after one column per varied
// parameter.
var csvSweepHeader = []string{"throughput_msgs_per_s", "spread", "speedup", "efficiency", "p50_ns", "p99_ns", "lost", "duplicated",
	"reordered", "ok", "passed", "interrupted", "sweep_interrupted", "problems", "seed"}

// pointMeasured says whether a point's median throughput and latency rest
// on samples: a run that measured nothing would drag a 0 into the median.
func pointMeasured(p sweep.PointResult) (throughput, latency bool) { return PointMeasured(p) }

// PointMeasured says whether every run of a sweep point measured its
// throughput and its latency, for pictures drawn outside this package.
func PointMeasured(p sweep.PointResult) (throughput, latency bool) {
	throughput, latency = true, true
	for _, r := range p.Runs {
		throughput = throughput && throughputMeasured(r)
		latency = latency && latencyMeasured(r.Latency)
	}
	return throughput, latency
}

// speedupMeasured: point i and the first point have measured throughputs,
// and the first one is not 0.
func speedupMeasured(res sweep.Result, i int) bool {
	tp, _ := pointMeasured(res.Points[i])
	first, _ := pointMeasured(res.Points[0])
	return tp && first && res.Points[0].Throughput > 0
}

func writeSweepCSV(w io.Writer, res sweep.Result) error {
	cw := csv.NewWriter(w)
	var header []string
	for _, a := range res.Axes {
		header = append(header, a.Param)
	}
	header = append(header, csvSweepHeader...)
	records := [][]string{header}
	for i, p := range res.Points {
		var rec []string
		for _, v := range p.Point {
			rec = append(rec, exact(v))
		}
		tp, timed := pointMeasured(p)
		speedup := speedupMeasured(res, i)
		eff := ""
		if e := res.Efficiency(i); !math.IsNaN(e) && speedup {
			eff = strconv.FormatFloat(e, 'f', 4, 64)
		}
		rec = append(rec, cell(tp, f1(p.Throughput)), cell(tp, strconv.FormatFloat(p.Spread, 'f', 4, 64)),
			cell(speedup, strconv.FormatFloat(res.Speedup(i), 'f', 4, 64)), eff, ns(timed, p.P50), ns(timed, p.P99),
			i64(p.Lost), i64(p.Dup), i64(p.Reordered),
			strconv.FormatBool(pointOK(p)),
			strconv.FormatBool(len(p.Problems) == 0 && !p.Interrupted), strconv.FormatBool(p.Interrupted),
			strconv.FormatBool(res.Interrupted), strings.Join(p.Problems, "; "), strconv.FormatUint(p.Config.Seed, 10))
		records = append(records, rec)
	}
	return cw.WriteAll(records)
}

// pointOK says whether a point delivered every message exactly once,
// whole: its counts, and each run's own check, which a run that sent
// nothing did not pass.
func pointOK(p sweep.PointResult) bool {
	ok := !p.Interrupted && p.Lost == 0 && p.Dup == 0 && p.Reordered == 0
	for _, r := range p.Runs {
		ok = ok && r.OK()
	}
	return ok
}
