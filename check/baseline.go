package check

import (
	"fmt"
	"math"
	"strconv"

	"golang.org/x/perf/benchmath"

	"github.com/msgsim/msgsim/sim"
)

// Alpha is the significance level of a comparison: a difference counts
// only if the Mann–Whitney U-test puts its p-value below this, as
// benchstat does.
const Alpha = 0.05

// Sample is what a baseline comparison looks at in one run.
type Sample struct {
	Throughput float64 // msgs/s
	P50, P99   float64 // ns
	// Unmeasured is set when the run measured nothing to compare: no
	// delivery after the warm-up, no latency sample, or a split run whose
	// processes' accounts did not come together.
	Unmeasured bool
}

// SampleOf takes the compared metrics from a run.
func SampleOf(r sim.Result) Sample {
	return Sample{Throughput: r.Throughput(), P50: float64(r.Latency.P50), P99: float64(r.Latency.P99),
		Unmeasured: r.MeasuredDeliveries() <= 0 || r.MeasuredTime() <= 0 || r.Latency.Count == 0 || r.Unjudged != ""}
}

// Delta is one metric side by side, benchstat-like.
type Delta struct {
	Metric               string
	Kind                 Kind
	Old, New             float64 // medians
	OldSpread, NewSpread float64 // largest deviation from the median, as a fraction
	OldN, NewN           int     // runs behind each median
	Change               float64 // (New − Old) / Old
	HigherIsBetter       bool
	// P is the U-test's p-value that the runs of both sides come from one
	// distribution (benchmath.AssumeNothing, as benchstat); Tested says
	// whether the runs were enough for any difference to reach Alpha (4
	// and 4 are; 3 and 3 are not), and Significant whether this one did.
	P                   float64
	Tested, Significant bool
	// Regressed: worse than allowed and, where there were runs enough to
	// test it, significantly so; or not measured. With too few runs to
	// test, the medians alone decide, as they always did.
	Regressed bool
	// NoSamples: a current run measured nothing to compare, so nothing
	// shows the metric held; it counts as regressed.
	NoSamples bool
}

// Comparison is the current run(s) against a baseline.
type Comparison struct {
	File          string
	MaxRegression float64 // fraction, e.g. 0.10
	Deltas        []Delta
}

// Regressed reports whether any metric got worse by more than allowed.
func (c Comparison) Regressed() bool {
	for _, d := range c.Deltas {
		if d.Regressed {
			return true
		}
	}
	return false
}

// Compare sets the medians of current against those of baseline.
// Throughput regresses when it falls, latency when it rises, by more than
// maxRegression (a fraction).
func Compare(file string, baseline, current []Sample, maxRegression float64) Comparison {
	c := Comparison{File: file, MaxRegression: maxRegression}
	pick := []struct {
		name   string
		kind   Kind
		higher bool
		get    func(Sample) float64
	}{
		{"throughput", Rate, true, func(s Sample) float64 { return s.Throughput }},
		{"p50", Duration, false, func(s Sample) float64 { return s.P50 }},
		{"p99", Duration, false, func(s Sample) float64 { return s.P99 }},
	}
	for _, p := range pick {
		old, cur := values(baseline, p.get), values(current, p.get)
		d := Delta{Metric: p.name, Kind: p.kind, Old: Median(old), New: Median(cur), OldN: len(old), NewN: len(cur),
			OldSpread: spread(old), NewSpread: spread(cur), HigherIsBetter: p.higher}
		if d.Old != 0 {
			d.Change = (d.New - d.Old) / d.Old
		}
		worse := d.Change
		if p.higher {
			worse = -d.Change
		}
		d.P, d.Tested = significance(old, cur)
		d.Significant = d.Tested && d.P < Alpha
		// A tiny tolerance keeps 10.0% from failing a 10% limit through
		// rounding; noise, a difference the runs cannot tell from chance,
		// is no regression.
		d.Regressed = worse > maxRegression+1e-9 && (d.Significant || !d.Tested)
		for _, s := range current {
			d.NoSamples = d.NoSamples || s.Unmeasured
		}
		if d.NoSamples || len(current) == 0 {
			d.NoSamples, d.Regressed, d.Change = true, true, 0
		}
		c.Deltas = append(c.Deltas, d)
	}
	return c
}

// significance is the U-test's p-value for two sets of runs, and whether
// they were enough to test at all: with n1 and n2 runs and no ties, the
// smallest two-sided p-value is 2 / C(n1+n2, n1).
func significance(old, cur []float64) (p float64, tested bool) {
	if len(old) == 0 || len(cur) == 0 {
		return 1, false
	}
	t := benchmath.DefaultThresholds
	t.CompareAlpha = Alpha
	a := benchmath.NewSample(append([]float64(nil), old...), &t)
	b := benchmath.NewSample(append([]float64(nil), cur...), &t)
	c := benchmath.AssumeNothing.Compare(a, b)
	ways := 1.0 // C(n1+n2, n1)
	for i := 1; i <= len(old); i++ {
		ways = ways * float64(len(cur)+i) / float64(i)
	}
	return c.P, 2/ways < Alpha
}

func values(ss []Sample, get func(Sample) float64) []float64 {
	v := make([]float64, len(ss))
	for i, s := range ss {
		v[i] = get(s)
	}
	return v
}

// spread returns the largest deviation from the median as a fraction of
// it, like benchstat's ±.
func spread(vs []float64) float64 {
	m := Median(vs)
	if m == 0 {
		return 0
	}
	var dev float64
	for _, v := range vs {
		dev = math.Max(dev, math.Abs(v-m))
	}
	return dev / m
}

// ConfigDiff lists the fields in which two configs differ, as
// "queues: baseline 3, now 4". The seed is ignored: it only matters for key
// dispatch, and a baseline taken with a random seed must still compare. A
// scenario run's messages are 0, as its report has them: its phases decide
// (ScenarioDiff compares the phases).
func ConfigDiff(baseline, current sim.Config) []string {
	var diffs []string
	add := func(name string, a, b any) {
		if a != b {
			diffs = append(diffs, fmt.Sprintf("%s: baseline %v, now %v", name, a, b))
		}
	}
	msgs := func(c sim.Config) any {
		if c.UntilDuration() {
			return "until --duration"
		}
		if c.Messages == 0 {
			return "as the phases decide"
		}
		return c.Messages
	}
	add("messages", msgs(baseline), msgs(current))
	add("producers", baseline.Producers, current.Producers)
	add("queues", baseline.Queues, current.Queues)
	add("consumers", baseline.Consumers, current.Consumers)
	add("dispatch", baseline.Dispatch, current.Dispatch)
	add("keys", baseline.Keys, current.Keys)
	add("buffer", baseline.Buffer, current.Buffer)
	add("batch", max(baseline.Batch, 1), max(current.Batch, 1))
	add("size", baseline.Size, current.Size)
	add("procs", baseline.Procs, current.Procs)
	add("rate", baseline.Rate, current.Rate)
	if baseline.Rate > 0 || current.Rate > 0 {
		add("arrival", orDefault(baseline.Arrival, sim.Uniform), orDefault(current.Arrival, sim.Uniform))
	}
	add("work", baseline.Work, current.Work)
	if baseline.Work > 0 || current.Work > 0 {
		add("work-dist", orDefault(baseline.WorkDist, sim.FixedWork), orDefault(current.WorkDist, sim.FixedWork))
		add("work-kind", orDefault(baseline.WorkKind, sim.Spin), orDefault(current.WorkKind, sim.Spin))
	}
	add("duration", baseline.Duration, current.Duration)
	add("transport", orDefault(baseline.Transport, "chan"), orDefault(current.Transport, "chan"))
	add("warmup", baseline.Warmup, current.Warmup)
	return diffs
}

func orDefault[T ~string](v, def T) T {
	if v == "" {
		return def
	}
	return v
}

// Spread describes a set of runs' variation for a table cell: "± 3%" or ""
// for a single run.
func Spread(frac float64, n int) string {
	if n < 2 {
		return ""
	}
	return fmt.Sprintf("± %.0f%%", 100*frac)
}

// ChangeString prints the change as a signed percentage with one decimal,
// or as many more (up to six) as a regression needs to read beyond
// maxRegression: +10.04% against 10% must not print as "+10.0%".
func (d Delta) ChangeString(maxRegression float64) string {
	for prec := 1; ; prec++ {
		s := fmt.Sprintf("%+.*f", prec, 100*d.Change)
		worse, _ := strconv.ParseFloat(s, 64)
		if d.HigherIsBetter {
			worse = -worse
		}
		if !d.Regressed || d.NoSamples || worse > 100*maxRegression || prec == 6 {
			return s + "%"
		}
	}
}
