// Package check judges runs for CI pipelines: threshold assertions such as
// p99<=2ms or throughput>=2M (--assert), and comparison with a saved
// baseline (--baseline, --max-regression). It reads sim.Results and returns
// plain outcomes; the report package prints them and main turns them into
// exit codes. Nothing here runs a simulation.
package check

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/msgsim/msgsim/sim"
	"github.com/msgsim/msgsim/units"
)

// Kind is what a metric measures, and so which units its values take.
type Kind int

// The metric kinds.
const (
	Count    Kind = iota // deliveries: 1000, 10k
	Rate                 // messages per second: 2M, 500k, 2M/s
	ByteRate             // bytes per second: 10MB/s, 1.5GiB/s
	Duration             // 1.5ms, 250us, 2s
)

var kindExample = map[Kind]string{
	Count:    "a count such as 0, 1000 or 10k",
	Rate:     "a rate in msgs/s such as 2M or 500k",
	ByteRate: "a byte rate such as 10MB/s or 1.5GiB/s",
	Duration: "a duration with a unit such as 2ms, 250us or 1.5s",
}

// metrics lists every metric an assertion can name.
var metrics = map[string]Kind{
	"throughput": Rate, "bytes_per_s": ByteRate, "elapsed": Duration,
	"p50": Duration, "p90": Duration, "p99": Duration, "p999": Duration,
	"max": Duration, "mean": Duration, "min": Duration, "stddev": Duration,
	"lost": Count, "duplicated": Count, "delivered": Count,
}

// MetricNames lists the metrics, sorted.
func MetricNames() []string {
	names := make([]string, 0, len(metrics))
	for n := range metrics {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// ops in the order they must be tried: two-character operators first.
var ops = []string{"<=", ">=", "==", "!=", "<", ">"}

// Assertion is one parsed threshold.
type Assertion struct {
	Expr   string  // as written, trimmed
	Metric string  // as written: "p99", "q2.p99" or "steady.p99"
	Name   string  // the metric without its queue or phase prefix
	Queue  int     // -1 for the whole run
	Phase  string  // a scenario phase's name, or ""
	Op     string  // one of < <= > >= == !=
	Want   float64 // in base units: msgs/s, bytes/s, ns or a count
	Kind   Kind
}

// ErrSyntax wraps every parse error, so callers can tell usage errors.
var ErrSyntax = errors.New("bad assertion")

// Parse reads a comma-separated list of assertions (the value of one
// --assert flag). Empty items are an error, so a stray comma is noticed.
func Parse(list string) ([]Assertion, error) {
	var out []Assertion
	for _, expr := range strings.Split(list, ",") {
		a, err := ParseOne(expr)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, nil
}

// ParseOne reads one assertion: metric, operator, value with units.
func ParseOne(expr string) (Assertion, error) {
	expr = strings.TrimSpace(expr)
	a := Assertion{Expr: expr, Queue: -1}
	fail := func(format string, args ...any) (Assertion, error) {
		return Assertion{}, fmt.Errorf("%w %q: %s", ErrSyntax, expr, fmt.Sprintf(format, args...))
	}
	if expr == "" {
		return fail("empty (want METRIC OP VALUE, e.g. p99<=2ms)")
	}
	for typo, op := range map[string]string{"=>": ">=", "=<": "<=", "<>": "!="} {
		if strings.Contains(expr, typo) {
			return fail("%q is not an operator (did you mean %s?)", typo, op)
		}
	}
	at, op := -1, ""
	for _, o := range ops {
		if i := strings.Index(expr, o); i >= 0 && (at < 0 || i < at) {
			at, op = i, o
		}
	}
	if at < 0 {
		return fail("no operator (want one of < <= > >= == !=, e.g. p99<=2ms)")
	}
	a.Op = op
	a.Metric = strings.TrimSpace(expr[:at])
	value := strings.TrimSpace(expr[at+len(op):])
	a.Name = a.Metric
	if q, name, ok := strings.Cut(a.Metric, "."); ok {
		digits := strings.TrimPrefix(q, "q")
		n, err := strconv.Atoi(digits)
		// Digits only: Atoi would read q+1 as q1.
		switch {
		case strings.HasPrefix(q, "q") && digits != "" && strings.Trim(digits, "0123456789") == "" && err == nil:
			a.Queue, a.Name = n, name
		case PhaseName(q):
			a.Phase, a.Name = q, name
		default:
			return fail("%q is not a queue prefix (want q0, q1, …, e.g. q2.p99<=1ms) or a phase's name (letters, digits, - and _, e.g. steady.p99<=2ms)", q)
		}
	}
	kind, ok := metrics[a.Name]
	if !ok {
		return fail("unknown metric %q (want one of %s)", a.Name, strings.Join(MetricNames(), ", "))
	}
	if a.Queue >= 0 && a.Name == "elapsed" {
		return fail("elapsed is the run's, not a queue's (want elapsed without a queue prefix)")
	}
	if a.Phase != "" && a.Name == "bytes_per_s" {
		return fail("bytes_per_s is the run's and its queues', not a phase's (want throughput for a phase)")
	}
	a.Kind = kind
	if value == "" {
		return fail("missing value after %s (want %s)", op, kindExample[kind])
	}
	if strings.ContainsAny(value, "<>=!") {
		return fail("more than one operator")
	}
	v, err := ParseValue(value, kind)
	if err != nil {
		return fail("%s is %s, so %q does not fit (want %s)", a.Name, kindNoun(kind), value, kindExample[kind])
	}
	a.Want = v
	return a, nil
}

func kindNoun(k Kind) string {
	return map[Kind]string{Count: "a count", Rate: "a rate", ByteRate: "a byte rate", Duration: "a duration"}[k]
}

// ParseValue reads a threshold value in the units its kind takes.
func ParseValue(s string, k Kind) (float64, error) {
	switch k {
	case Duration:
		d, err := time.ParseDuration(s)
		if err != nil || d < 0 {
			return 0, errors.New("not a duration")
		}
		return float64(d), nil
	case Count:
		n, err := units.ParseCount(s)
		return float64(n), err
	case Rate:
		s = strings.TrimSuffix(strings.TrimSuffix(s, "/s"), "msgs")
		return units.ParseFloat(strings.TrimSpace(s))
	case ByteRate:
		return units.ParseByteRate(s)
	}
	return 0, errors.New("unknown kind")
}

// PhaseName reports whether s can name a phase in an assertion: letters,
// digits, - and _, not starting with a digit, and nothing a queue's name
// could be mistyped as ("q", "q7", "q1x", "q-1": a q must be followed by a
// letter).
func PhaseName(s string) bool {
	if s == "" || len(s) > 64 || (s[0] >= '0' && s[0] <= '9') || s == "q" {
		return false
	}
	if s[0] == 'q' && !(s[1] >= 'a' && s[1] <= 'z' || s[1] >= 'A' && s[1] <= 'Z') {
		return false
	}
	return strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_") == ""
}

// Validate checks assertions against the config before anything runs: the
// queue a metric names must exist, and per-queue latency must be kept. A
// phase prefix needs a run with phases (a scenario), whose names
// ValidatePhases checks.
func Validate(as []Assertion, cfg sim.Config) error {
	for _, a := range as {
		if a.Phase != "" && cfg.Control == nil {
			return fmt.Errorf("%w %q: phase %q does not exist (this run has no phases; a scenario file gives them)", ErrSyntax, a.Expr, a.Phase)
		}
		if a.Queue < 0 {
			continue
		}
		if a.Queue >= cfg.Queues {
			return fmt.Errorf("%w %q: queue q%d does not exist (this run has q0..q%d)", ErrSyntax, a.Expr, a.Queue, cfg.Queues-1)
		}
		if a.Kind == Duration && a.Name != "elapsed" && cfg.Queues > sim.SharedQueuesUpTo && cfg.Queues*cfg.Consumers > sim.OwnHistogramsUpTo {
			return fmt.Errorf("%w %q: per-queue latency is not kept above %d queues", ErrSyntax, a.Expr, sim.SharedQueuesUpTo)
		}
	}
	return nil
}

// ValidatePhases checks that every phase an assertion names is one of names.
func ValidatePhases(as []Assertion, names []string) error {
	for _, a := range as {
		if a.Phase != "" && !slices.Contains(names, a.Phase) {
			return fmt.Errorf("%w %q: phase %q does not exist (this run has %s)", ErrSyntax, a.Expr, a.Phase, strings.Join(names, ", "))
		}
	}
	return nil
}

// Value returns the metric a names, measured in res, in base units, and
// whether it was measured at all: a latency with no sample, or a
// throughput with no delivery after the warm-up, has no value, and an
// assertion on it cannot be said to hold. Throughput is the Result's one
// definition (warm-up excluded), for the total and for a queue alike.
func Value(a Assertion, res sim.Result) (float64, bool) {
	if res.Unjudged != "" && a.Name != "elapsed" {
		return 0, false // a split run whose processes' accounts did not come together
	}
	lat, delivered, lost, dup := res.Latency, res.Delivered, res.Lost, res.Duplicated
	measured := res.MeasuredDeliveries()
	throughput, byteRate := res.Throughput, res.BytesPerSecond
	if a.Queue >= 0 && a.Queue < len(res.Queues) {
		q := res.Queues[a.Queue]
		lat, delivered, lost, dup = q.Latency, q.Delivered, q.Lost, q.Duplicated
		measured = q.Delivered - q.WarmupDeliveries
		throughput = func() float64 { return res.QueueThroughput(a.Queue) }
		byteRate = func() float64 { return res.QueueBytesPerSecond(a.Queue) }
	}
	if a.Phase != "" {
		return phaseValue(a, res)
	}
	switch a.Name {
	case "throughput":
		return throughput(), measured > 0 && res.MeasuredTime() > 0
	case "bytes_per_s":
		return byteRate(), measured > 0 && res.MeasuredTime() > 0
	case "elapsed":
		return float64(res.Elapsed), true
	case "lost":
		return float64(lost), true
	case "duplicated":
		return float64(dup), true
	case "delivered":
		return float64(delivered), true
	}
	if d, ok := latencyField(lat, a.Name); ok {
		return float64(d), lat.Count > 0
	}
	return math.NaN(), false
}

// phaseValue is Value for a metric of one phase: its messages, wherever
// they arrived, over its length.
func phaseValue(a Assertion, res sim.Result) (float64, bool) {
	i := slices.IndexFunc(res.Phases, func(p sim.PhaseResult) bool { return p.Name == a.Phase })
	if i < 0 {
		return 0, false // the run ended before the phase began
	}
	p := res.Phases[i]
	switch a.Name {
	case "throughput":
		return p.Throughput, p.Delivered > 0 && p.Length > 0
	case "elapsed":
		return float64(p.Length), true
	case "lost":
		return float64(p.Lost), true
	case "duplicated":
		return float64(p.Duplicated), true
	case "delivered":
		return float64(p.Delivered), true
	}
	if d, ok := latencyField(p.Latency, a.Name); ok {
		return float64(d), p.Latency.Count > 0
	}
	return math.NaN(), false
}

// latencyField picks a latency statistic by its metric name.
func latencyField(l sim.Latency, name string) (time.Duration, bool) {
	d, ok := map[string]time.Duration{"p50": l.P50, "p90": l.P90, "p99": l.P99, "p999": l.P999,
		"max": l.Max, "mean": l.Mean, "min": l.Min, "stddev": l.StdDev}[name]
	return d, ok
}

// Outcome is an assertion judged against a run (or the median of repeats).
type Outcome struct {
	Assertion
	Actual float64
	OK     bool
	// NoSamples is set when a run measured nothing for the metric (every
	// delivery fell in the warm-up, say): the assertion fails, since
	// nothing shows that it held.
	NoSamples bool
}

// Judge evaluates each assertion on the median of its metric over runs. An
// assertion fails when any run has no samples of its metric, or there are
// no runs at all.
func Judge(as []Assertion, runs []sim.Result) []Outcome {
	out := make([]Outcome, len(as))
	for i, a := range as {
		vals := make([]float64, len(runs))
		sampled := len(runs) > 0
		for j, r := range runs {
			var ok bool
			vals[j], ok = Value(a, r)
			sampled = sampled && ok
		}
		if !sampled {
			out[i] = Outcome{Assertion: a, NoSamples: true}
			continue
		}
		actual := Median(vals)
		out[i] = Outcome{Assertion: a, Actual: actual, OK: compare(actual, a.Op, a.Want)}
	}
	return out
}

// Describe says what an outcome measured: its value in the metric's units,
// or "no samples".
func (o Outcome) Describe() string {
	if o.NoSamples {
		return "no samples"
	}
	if s := Format(o.Actual, o.Kind); s != Format(o.Want, o.Kind) || o.Actual == o.Want {
		return s
	}
	// Rounded, the actual would read as the threshold, and a failure as a
	// pass: exact figures in base units show which side of it the value is.
	exact := strconv.FormatFloat(o.Actual, 'f', -1, 64)
	switch o.Kind {
	case Duration:
		return exact + "ns"
	case Rate:
		return exact + " msgs/s"
	case ByteRate:
		return exact + " B/s"
	}
	return exact
}

func compare(x float64, op string, y float64) bool {
	switch op {
	case "<":
		return x < y
	case "<=":
		return x <= y
	case ">":
		return x > y
	case ">=":
		return x >= y
	case "==":
		return x == y
	case "!=":
		return x != y
	}
	return false
}

// Failed returns the outcomes that did not pass.
func Failed(os []Outcome) []Outcome {
	var bad []Outcome
	for _, o := range os {
		if !o.OK {
			bad = append(bad, o)
		}
	}
	return bad
}

// Format prints a value of kind k the way the reports do.
func Format(v float64, k Kind) string {
	switch k {
	case Duration:
		return units.Duration(time.Duration(math.Round(v)))
	case Rate:
		return units.Rate(v) + " msgs/s"
	case ByteRate:
		return units.Rate(v) + "B/s"
	}
	return units.Int(int64(math.Round(v)))
}

// Median returns the median of vs (the mean of the middle two for an even
// count); 0 for none.
func Median(vs []float64) float64 {
	if len(vs) == 0 {
		return 0
	}
	s := append([]float64(nil), vs...)
	sort.Float64s(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}
