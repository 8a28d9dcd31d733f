// Package sweep runs one config over a range of values of one or two
// parameters (msgsim sweep --vary consumers=1..16x2) and summarises each
// point by the median of its repeats: the scaling study that shows when more
// consumers help and when they stop helping. It owns parsing of --vary
// specs, the grid and the runs; rendering belongs to report and plot.
package sweep

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/msgsim/msgsim/check"
	"github.com/msgsim/msgsim/sim"
	"github.com/msgsim/msgsim/units"
)

// Params lists what --vary accepts, with whether a value is a count of
// resources (so parallel efficiency = speedup ÷ resource ratio applies).
var Params = []struct {
	Name     string
	Resource bool
}{
	{"consumers", true}, {"queues", true}, {"producers", true},
	{"buffer", false}, {"batch", false}, {"rate", false}, {"work", false},
}

// ErrSpec wraps every --vary parse error.
var ErrSpec = errors.New("bad --vary")

// Axis is one varied parameter and its values, in order.
type Axis struct {
	Param    string
	Values   []float64 // counts, msgs/s, or ns for work
	Resource bool
}

// Label prints value i of the axis the way the user wrote units.
func (a Axis) Label(i int) string { return FormatValue(a.Param, a.Values[i]) }

// FormatValue prints a value of param.
func FormatValue(param string, v float64) string {
	switch param {
	case "work":
		return units.Duration(time.Duration(v))
	case "rate":
		return units.Rate(v)
	}
	return units.Int(int64(v))
}

// maxPoints bounds one axis, so a typo like 1..1000000 fails at once.
const maxPoints = 64

// ParseVary reads NAME=LIST: a comma list (1,2,4,8), an arithmetic range
// (1..8, step 1; 10..50+10) or a geometric one (1..16x2). Counts take human
// numbers (10k), rate takes msgs/s (50k), work takes durations (100us).
func ParseVary(spec string) (Axis, error) {
	fail := func(format string, args ...any) (Axis, error) {
		return Axis{}, fmt.Errorf("%w %q: %s", ErrSpec, spec, fmt.Sprintf(format, args...))
	}
	name, list, ok := strings.Cut(strings.TrimSpace(spec), "=")
	if !ok || list == "" {
		return fail("want NAME=VALUES, e.g. consumers=1,2,4,8 or consumers=1..16x2")
	}
	ax := Axis{Param: strings.TrimSpace(name)}
	known := false
	for _, p := range Params {
		if p.Name == ax.Param {
			known, ax.Resource = true, p.Resource
		}
	}
	if !known {
		names := make([]string, len(Params))
		for i, p := range Params {
			names[i] = p.Name
		}
		return fail("cannot vary %q (want one of %s)", ax.Param, strings.Join(names, ", "))
	}
	parse := func(s string) (float64, error) { return parseValue(ax.Param, strings.TrimSpace(s)) }
	lo, rest, isRange := strings.Cut(list, "..")
	if isRange {
		hiStr, factor, step := rest, 0.0, 0.0
		if h, f, ok := strings.Cut(rest, "x"); ok {
			v, err := strconv.ParseFloat(f, 64)
			if err != nil || !(v > 1) || math.IsInf(v, 0) {
				return fail("the factor after x must be a number above 1, e.g. 1..16x2")
			}
			hiStr, factor = h, v
		} else if h, st, ok := strings.Cut(rest, "+"); ok {
			v, err := parse(st)
			if err != nil || v <= 0 {
				return fail("the step after + must be %s, e.g. %s", map[bool]string{true: "positive", false: "a positive whole number"}[ax.real()],
					map[string]string{"work": "100us..500us+100us", "rate": "10k..50k+10k"}[ax.Param]+map[bool]string{true: "", false: "10..50+10"}[ax.real()])
			}
			hiStr, step = h, v
		}
		a, err := parse(lo)
		if err != nil {
			return fail("%v", err)
		}
		b, err := parse(hiStr)
		if err != nil {
			return fail("%v", err)
		}
		if b < a {
			return fail("the range goes down (%s > %s)", FormatValue(ax.Param, a), FormatValue(ax.Param, b))
		}
		if factor == 0 && step == 0 {
			step = 1
			if ax.real() {
				return fail("a %s range needs a step (%s) or a factor (x2)", ax.Param, map[string]string{"work": "+100us", "rate": "+10k"}[ax.Param])
			}
		}
		if factor > 0 && a <= 0 {
			return fail("a geometric range must start above 0")
		}
		for v := a; v <= b*(1+1e-9); {
			ax.Values = append(ax.Values, v)
			if len(ax.Values) > maxPoints {
				return fail("more than %d values", maxPoints)
			}
			if factor > 0 {
				v *= factor
			} else {
				v += step
			}
		}
	} else {
		for _, s := range strings.Split(list, ",") {
			v, err := parse(s)
			if err != nil {
				return fail("%v", err)
			}
			ax.Values = append(ax.Values, v)
		}
		if len(ax.Values) > maxPoints {
			return fail("more than %d values", maxPoints)
		}
	}
	// A count is what runs: 1..4x1.5 runs 1, 2 and 3 (1.5 and 2.25
	// rounded), each once, and efficiency is computed from those. A value
	// listed twice is a typo, of a count or a rate alike.
	{
		seen := map[float64]bool{}
		var vs []float64
		for _, v := range ax.Values {
			if !ax.real() {
				v = math.Round(v)
			}
			if seen[v] {
				if !isRange {
					return fail("%s is given twice", FormatValue(ax.Param, v))
				}
				continue
			}
			seen[v] = true
			vs = append(vs, v)
		}
		ax.Values = vs
	}
	// Two values that print alike would make two rows no reader can tell
	// apart (1000 and 1000.4 both read 1.00k).
	labels := map[string]float64{}
	for _, v := range ax.Values {
		l := FormatValue(ax.Param, v)
		if prev, dup := labels[l]; dup {
			return fail("%v and %v both print as %s; give values that differ in their first three digits", prev, v, l)
		}
		labels[l] = v
	}
	return ax, nil
}

// real reports whether the axis takes real values (a rate, a duration)
// rather than whole counts.
func (a Axis) real() bool { return a.Param == "rate" || a.Param == "work" }

func parseValue(param, s string) (float64, error) {
	switch param {
	case "work":
		d, err := time.ParseDuration(s)
		if err != nil || d < 0 {
			return 0, fmt.Errorf("%q is not a duration (want e.g. 100us, 2ms)", s)
		}
		return float64(d), nil
	case "rate":
		v, err := units.ParseFloat(strings.TrimSuffix(s, "/s"))
		if err != nil || v <= 0 {
			return 0, fmt.Errorf("%q is not a rate (want msgs/s such as 10k)", s)
		}
		return v, nil
	}
	n, err := units.ParseCount(s)
	if err != nil {
		return 0, fmt.Errorf("%q is not a whole number", s)
	}
	return float64(n), nil
}

// Point is one combination of axis values (one per axis).
type Point []float64

// Grid returns every combination, the last axis varying fastest.
func Grid(axes []Axis) []Point {
	points := []Point{{}}
	for _, ax := range axes {
		var next []Point
		for _, p := range points {
			for _, v := range ax.Values {
				q := append(append(Point{}, p...), v)
				next = append(next, q)
			}
		}
		points = next
	}
	return points
}

// Apply sets a point's values into a copy of cfg. A run that --duration
// alone decides stays one at every point (its message bound depends on
// producers and queues).
func Apply(cfg sim.Config, axes []Axis, p Point) sim.Config {
	untilDuration := cfg.UntilDuration()
	for i, ax := range axes {
		v := p[i]
		switch ax.Param {
		case "consumers":
			cfg.Consumers = int(v)
		case "queues":
			cfg.Queues = int(v)
		case "producers":
			cfg.Producers = int(v)
		case "buffer":
			cfg.Buffer = int(v)
		case "batch":
			cfg.Batch = int(v)
		case "rate":
			cfg.Rate = v
		case "work":
			cfg.Work = time.Duration(v)
		}
	}
	if untilDuration {
		cfg.Messages = cfg.UnlimitedMessages()
	}
	return cfg
}

// PointResult is a point's repeats, their medians and how they were
// judged.
type PointResult struct {
	Point      Point
	Config     sim.Config // as run: the point's values and the sweep's seed
	Runs       []sim.Result
	Throughput float64       // median deliveries/s
	Spread     float64       // largest deviation from the median throughput, fraction
	P50, P99   time.Duration // medians
	Lost, Dup  int64         // totals over the repeats
	Reordered  int64

	Assertions []check.Outcome   // --assert, judged at this point
	Baseline   *check.Comparison // against the saved sweep's same point; nil without one
	// Problems says, a line each, why the point failed its verdict (lost
	// messages, failed assertions, a regression); empty when it passed.
	Problems []string
	// Notes say what was not judged: no point of the baseline to compare.
	Notes []string
	// Interrupted: a signal cut the point short, so it was not judged.
	Interrupted bool
	Series      []sim.Interval // the reported run's series, with --interval
}

// Result is a whole sweep.
type Result struct {
	Base   sim.Config // Seed is the one seed every point ran with
	Axes   []Axis
	Repeat int
	Points []PointResult
	// Interrupted is set when a signal stopped the sweep; Points holds the
	// points that ran (the last one possibly cut short).
	Interrupted bool
}

// Speedup returns point i's throughput over the first point's.
func (r Result) Speedup(i int) float64 {
	if len(r.Points) == 0 || r.Points[0].Throughput == 0 {
		return 0
	}
	return r.Points[i].Throughput / r.Points[0].Throughput
}

// Efficiency returns speedup ÷ resource ratio (1 = perfect scaling), or NaN
// when no varied parameter is a resource count.
func (r Result) Efficiency(i int) float64 {
	ratio, any := 1.0, false
	for a, ax := range r.Axes {
		if ax.Resource && r.Points[0].Point[a] > 0 {
			ratio *= r.Points[i].Point[a] / r.Points[0].Point[a]
			any = true
		}
	}
	if !any {
		return math.NaN()
	}
	return r.Speedup(i) / ratio
}

// Validate checks that every point of the grid is a valid config, before
// anything runs.
func Validate(base sim.Config, axes []Axis) error {
	for _, p := range Grid(axes) {
		if err := Apply(base, axes, p).Validate(); err != nil {
			return fmt.Errorf("point %s: %w", describe(axes, p), err)
		}
	}
	return nil
}

func describe(axes []Axis, p Point) string {
	parts := make([]string, len(axes))
	for i, ax := range axes {
		parts[i] = ax.Param + "=" + FormatValue(ax.Param, p[i])
	}
	return strings.Join(parts, " ")
}

// NewPoint summarises point p's runs of cfg by their medians. Invoking
// the runs, and judging them, belongs to the invocation layer.
func NewPoint(p Point, cfg sim.Config, runs []sim.Result) PointResult {
	pr := PointResult{Point: p, Config: cfg, Runs: runs}
	var tp, p50, p99 []float64
	for _, r := range runs {
		tp = append(tp, r.Throughput())
		p50 = append(p50, float64(r.Latency.P50))
		p99 = append(p99, float64(r.Latency.P99))
		pr.Lost += r.Lost
		pr.Dup += r.Duplicated
		pr.Reordered += r.Reordered
	}
	pr.Throughput = check.Median(tp)
	pr.P50, pr.P99 = time.Duration(check.Median(p50)), time.Duration(check.Median(p99))
	for _, v := range tp {
		if pr.Throughput > 0 {
			pr.Spread = math.Max(pr.Spread, math.Abs(v-pr.Throughput)/pr.Throughput)
		}
	}
	return pr
}
