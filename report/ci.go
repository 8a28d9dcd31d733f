package report

import (
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/msgsim/msgsim/check"
	"github.com/msgsim/msgsim/sim"
	"github.com/msgsim/msgsim/units"
)

// repeatTable lists every run of --repeat with the medians as footer. A
// median is a dash when a run measured nothing for it, as --assert then
// has no samples either.
func repeatTable(runs []sim.Result, planned int) table {
	count := fmt.Sprintf("%d runs", len(runs))
	if planned > len(runs) {
		count = fmt.Sprintf("%d of %d runs; interrupted", len(runs), planned)
	}
	t := table{title: fmt.Sprintf("repeats (%s; assertions and baseline use the medians)", count),
		header: []string{"run", "elapsed", "msgs/s", "p50", "p99", "lost", "duplicated"}}
	var el, tp, p50, p99, lost, dup []float64
	allTP, allTimed := true, true
	for i, r := range runs {
		name := strconv.Itoa(i + 1)
		if r.Interrupted {
			name += " (cut short)"
		}
		measured, timed := throughputMeasured(r), latencyMeasured(r.Latency)
		allTP, allTimed = allTP && measured, allTimed && timed
		t.rows = append(t.rows, []string{name, units.Duration(r.Elapsed), orNone(measured, rateStr(r.Throughput())),
			orNone(timed, durStr(r.Latency.P50)), orNone(timed, durStr(r.Latency.P99)), countStr(r.Lost), countStr(r.Duplicated)})
		el, tp = append(el, float64(r.Elapsed)), append(tp, r.Throughput())
		p50, p99 = append(p50, float64(r.Latency.P50)), append(p99, float64(r.Latency.P99))
		lost, dup = append(lost, float64(r.Lost)), append(dup, float64(r.Duplicated))
	}
	d := func(v []float64) string { return durStr(time.Duration(math.Round(check.Median(v)))) }
	c := func(v []float64) string { return countStr(int64(math.Round(check.Median(v)))) }
	t.footer = []string{"median", d(el), orNone(allTP, rateStr(check.Median(tp))), orNone(allTimed, d(p50)), orNone(allTimed, d(p99)), c(lost), c(dup)}
	if !allTP {
		t.note = footnote("in a run, " + whyThroughput)
	}
	if !allTimed {
		t.note = joinLines(t.note, footnote("in a run, "+whyLatency))
	}
	return t
}

func assertionTable(os []check.Outcome, interrupted bool) table {
	t := table{title: "assertions", header: []string{"assertion", "actual", "result"}}
	failed := 0
	for _, o := range os {
		verdict := "pass"
		switch {
		case interrupted:
			verdict = none
		case !o.OK:
			verdict, failed = "FAIL", failed+1
		}
		t.rows = append(t.rows, []string{o.Expr, o.Describe(), verdict})
	}
	t.note = fmt.Sprintf("%d of %d assertions passed", len(os)-failed, len(os))
	if interrupted {
		t.title, t.note = "assertions (not judged: the invocation was interrupted)", ""
	}
	return t
}

// baselineTable shows the comparison; an interrupted invocation's is
// measured, not judged: its partial figures are no regression, nor a pass.
func baselineTable(c check.Comparison, interrupted bool) table {
	t := table{title: fmt.Sprintf("baseline %s (max regression %s)", c.File, pctOf(c.MaxRegression)),
		header: []string{"metric", "baseline", "current", "delta", "verdict"}}
	if interrupted {
		t.title = fmt.Sprintf("baseline %s (max regression %s; not judged: the invocation was interrupted)", c.File, pctOf(c.MaxRegression))
	}
	for _, d := range c.Deltas {
		verdict := "ok"
		switch {
		case interrupted:
			verdict = none
		case d.NoSamples:
			verdict = "FAIL: no samples"
		case d.Regressed:
			verdict = "REGRESSED"
		case d.Tested && !d.Significant:
			verdict = "~ no significant change"
		case d.Change != 0 && (d.Change > 0) == d.HigherIsBetter:
			verdict = "better"
		}
		current, delta := withSpread(d.New, d.Kind, d.NewSpread, d.NewN), d.ChangeString(c.MaxRegression)+" "+significanceNote(d)
		if d.NoSamples {
			current, delta = none, none
			if !interrupted {
				t.note = footnote("a run had nothing to compare; the metric counts as regressed")
			}
		}
		t.rows = append(t.rows, []string{d.Metric, withSpread(d.Old, d.Kind, d.OldSpread, d.OldN), current, delta, verdict})
	}
	return t
}

// significanceNote says what the U-test found, as benchstat does
// ("p=0.008 n=5"), or that there were too few runs to test.
func significanceNote(d check.Delta) string {
	n := fmt.Sprintf("n=%d+%d", d.OldN, d.NewN)
	if d.OldN == d.NewN {
		n = fmt.Sprintf("n=%d", d.NewN)
	}
	if !d.Tested {
		return "(" + n + ": too few runs to test; medians decide)"
	}
	return fmt.Sprintf("(p=%.3f %s)", d.P, n)
}

func withSpread(v float64, k check.Kind, spread float64, n int) string {
	s := check.Format(v, k)
	if sp := check.Spread(spread, n); sp != "" {
		s += " " + sp
	}
	return s
}

// pctOf prints a fraction as the percentage it was given: rounded to 12
// significant digits, since 7% read as 0.07 is 7.000000000000001 times 100.
func pctOf(f float64) string {
	v, _ := strconv.ParseFloat(strconv.FormatFloat(100*f, 'g', 12, 64), 64)
	return strconv.FormatFloat(v, 'f', -1, 64) + "%"
}
