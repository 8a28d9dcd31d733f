package check_test

import (
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/msgsim/msgsim/check"
	"github.com/msgsim/msgsim/sim"
)

func TestParseOne(t *testing.T) {
	tests := []struct {
		expr   string
		metric string
		queue  int
		op     string
		want   float64
		kind   check.Kind
	}{
		{"throughput>=2M", "throughput", -1, ">=", 2e6, check.Rate},
		{" throughput >= 500k ", "throughput", -1, ">=", 5e5, check.Rate},
		{"throughput>2.5M/s", "throughput", -1, ">", 2.5e6, check.Rate},
		{"throughput>=1e6msgs/s", "throughput", -1, ">=", 1e6, check.Rate},
		{"bytes_per_s>=10MB/s", "bytes_per_s", -1, ">=", 10e6, check.ByteRate},
		{"bytes_per_s>=1.5GiB/s", "bytes_per_s", -1, ">=", 1.5 * (1 << 30), check.ByteRate},
		{"bytes_per_s>=500kB", "bytes_per_s", -1, ">=", 5e5, check.ByteRate},
		{"bytes_per_s>=1000", "bytes_per_s", -1, ">=", 1000, check.ByteRate},
		{"p99<=2ms", "p99", -1, "<=", 2e6, check.Duration},
		{"p50<1.5ms", "p50", -1, "<", 1.5e6, check.Duration},
		{"p999<=250us", "p999", -1, "<=", 250e3, check.Duration},
		{"max<250µs", "max", -1, "<", 250e3, check.Duration},
		{"elapsed<2s", "elapsed", -1, "<", 2e9, check.Duration},
		{"mean!=0s", "mean", -1, "!=", 0, check.Duration},
		{"lost==0", "lost", -1, "==", 0, check.Count},
		{"duplicated==0", "duplicated", -1, "==", 0, check.Count},
		{"delivered>=10k", "delivered", -1, ">=", 1e4, check.Count},
		{"q2.p99<=1ms", "p99", 2, "<=", 1e6, check.Duration},
		{"q0.lost==0", "lost", 0, "==", 0, check.Count},
	}
	for _, tt := range tests {
		a, err := check.ParseOne(tt.expr)
		if err != nil {
			t.Errorf("%q: %v", tt.expr, err)
			continue
		}
		if a.Name != tt.metric || a.Queue != tt.queue || a.Op != tt.op || math.Abs(a.Want-tt.want) > 1e-6*math.Max(1, tt.want) || a.Kind != tt.kind {
			t.Errorf("%q = %+v", tt.expr, a)
		}
	}
}

func TestParseRejects(t *testing.T) {
	tests := []struct{ expr, says string }{
		{"", "empty"},
		{"p99", "no operator"},
		{"p99 2ms", "no operator"},
		{"p99<=", "missing value"},
		{"latency<2ms", `unknown metric "latency"`},
		{"p99>=5M", "p99 is a duration"},
		{"p99<=2", "p99 is a duration"},
		{"throughput>=2ms", "throughput is a rate"},
		{"lost==0.5", "lost is a count"},
		{"lost==-1", "lost is a count"},
		{"bytes_per_s>10ms", "bytes_per_s is a byte rate"},
		{"x.2.p99<1ms", "unknown metric"},
		{"x+2.p99<1ms", "not a queue prefix"},
		{"steady.bytes_per_s>1MB/s", "not a phase's"},
		{"q-1.p99<1ms", "not a queue prefix"},
		{"q+1.lost==0", "not a queue prefix"},
		{"q.lost==0", "not a queue prefix"},
		{"q1x.lost==0", "not a queue prefix"},
		{"q1.elapsed<1h", "elapsed is the run's, not a queue's"},
		{"p99<=2ms<=3ms", "more than one operator"},
		{"p99=>2ms", "did you mean >=?"},
	}
	for _, tt := range tests {
		_, err := check.ParseOne(tt.expr)
		if err == nil || !errors.Is(err, check.ErrSyntax) || !strings.Contains(err.Error(), tt.says) {
			t.Errorf("%q: got %v, want an error saying %q", tt.expr, err, tt.says)
		}
	}
}

// A phase prefix judges one phase of a scenario, and only a run with
// phases takes one.
func TestPhaseAssertions(t *testing.T) {
	as, err := check.Parse("steady.p99<=2ms,ramp-up.lost==0,warm_1.throughput>=1k")
	if err != nil {
		t.Fatal(err)
	}
	if as[0].Phase != "steady" || as[0].Name != "p99" || as[0].Queue != -1 || as[1].Phase != "ramp-up" {
		t.Fatalf("%+v", as)
	}
	if err := check.Validate(as, sim.DefaultConfig()); err == nil || !strings.Contains(err.Error(), "this run has no phases") {
		t.Fatalf("a phase prefix in a run without phases: %v", err)
	}
	if err := check.ValidatePhases(as, []string{"steady", "ramp-up"}); err == nil || !strings.Contains(err.Error(), `phase "warm_1" does not exist`) {
		t.Fatalf("an unknown phase: %v", err)
	}
	res := sim.Result{Phases: []sim.PhaseResult{
		{Name: "steady", Delivered: 10, Length: time.Second, Throughput: 10, Latency: sim.Latency{Count: 10, P99: time.Millisecond}},
		{Name: "ramp-up", Delivered: 5, Lost: 2, Length: time.Second, Throughput: 5},
	}}
	out := check.Judge(as, []sim.Result{res})
	if !out[0].OK || out[1].OK || out[1].Actual != 2 || !out[2].NoSamples {
		t.Fatalf("steady p99 ok, ramp-up lost 2, warm_1 never ran: %+v", out)
	}
}

func TestParseList(t *testing.T) {
	as, err := check.Parse("p99<=2ms,lost==0")
	if err != nil || len(as) != 2 || as[1].Name != "lost" {
		t.Fatalf("%v %+v", err, as)
	}
	if _, err := check.Parse("p99<=2ms,"); err == nil {
		t.Fatal("trailing comma accepted")
	}
}

// FuzzParse checks that no expression panics and that whatever parses has a
// known metric, a known operator and a finite, non-negative value.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"p99<=2ms", "throughput>=2M", "q2.p99<1ms", "lost==0", "bytes_per_s>=10MB/s", "x<", "<=", "q.p99<1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		as, err := check.Parse(s)
		if err != nil {
			if !errors.Is(err, check.ErrSyntax) {
				t.Fatalf("%q: error %v does not wrap ErrSyntax", s, err)
			}
			return
		}
		for _, a := range as {
			if math.IsNaN(a.Want) || math.IsInf(a.Want, 0) || a.Want < 0 {
				t.Fatalf("%q: want %v", s, a.Want)
			}
			if !strings.Contains("< <= > >= == !=", a.Op) || a.Op == "" {
				t.Fatalf("%q: op %q", s, a.Op)
			}
			found := false
			for _, m := range check.MetricNames() {
				found = found || m == a.Name
			}
			if !found {
				t.Fatalf("%q: metric %q", s, a.Name)
			}
		}
	})
}

func TestValidate(t *testing.T) {
	cfg := sim.DefaultConfig()
	as, _ := check.Parse("q2.p99<1ms")
	if err := check.Validate(as, cfg); err != nil {
		t.Fatal(err)
	}
	as, _ = check.Parse("q3.p99<1ms")
	if err := check.Validate(as, cfg); err == nil || !strings.Contains(err.Error(), "q0..q2") {
		t.Fatalf("got %v", err)
	}
	cfg.Queues = 2000
	as, _ = check.Parse("q3.p99<1ms")
	if err := check.Validate(as, cfg); err == nil || !strings.Contains(err.Error(), "not kept") {
		t.Fatalf("got %v", err)
	}
}

func run(tp float64, p99 time.Duration, lost int64) sim.Result {
	r := sim.Result{Elapsed: time.Second, Delivered: int64(tp), Lost: lost, Bytes: int64(tp) * 16}
	r.Latency = sim.Latency{Count: int64(tp), P99: p99}
	r.Queues = []sim.QueueResult{{Delivered: int64(tp) / 2, Bytes: int64(tp) * 8, Latency: sim.Latency{Count: int64(tp) / 2, P99: p99 / 2}}}
	return r
}

// Throughput, total and per queue, is the Result's one definition: the
// warm-up's deliveries and time are left out of both. A metric nothing
// was measured for fails its assertion, whatever the operator.
func TestJudgeWarmupAndNoSamples(t *testing.T) {
	warm := sim.Result{Elapsed: 3 * time.Second, Measured: 2 * time.Second, Delivered: 5000, WarmupDeliveries: 1000, Bytes: 5000 * 16,
		Latency: sim.Latency{Count: 4000, P99: time.Millisecond}}
	warm.Config.Warmup = time.Second
	warm.Queues = []sim.QueueResult{{Delivered: 5000, WarmupDeliveries: 1000, Bytes: 5000 * 16, Latency: warm.Latency}}
	allWarm := sim.Result{Elapsed: 50 * time.Millisecond, Delivered: 1000, WarmupDeliveries: 1000}
	allWarm.Config.Warmup = 10 * time.Second
	allWarm.Queues = []sim.QueueResult{{Delivered: 1000, WarmupDeliveries: 1000}}
	tests := []struct {
		name      string
		res       sim.Result
		expr      string
		actual    float64
		ok        bool
		noSamples bool
	}{
		{"throughput leaves the warm-up out", warm, "throughput>=2k", 2000, true, false},
		{"a queue's throughput too", warm, "q0.throughput>=2k", 2000, true, false},
		{"byte rate too", warm, "q0.bytes_per_s>=32kB/s", 32000, true, false},
		{"p99 with samples", warm, "p99<=1ms", 1e6, true, false},
		{"p99 with no samples", allWarm, "p99<=1ns", 0, false, true},
		{"p99 with no samples, any operator", allWarm, "p99>=0ns", 0, false, true},
		{"a queue's p99 with no samples", allWarm, "q0.p99<=1h", 0, false, true},
		{"throughput with no samples", allWarm, "throughput>=0", 0, false, true},
		{"a queue's throughput with no samples", allWarm, "q0.throughput>=0", 0, false, true},
		{"counts are always measured", allWarm, "delivered==1000", 1000, true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			as, err := check.Parse(tt.expr)
			if err != nil {
				t.Fatal(err)
			}
			got := check.Judge(as, []sim.Result{tt.res})[0]
			if got.Actual != tt.actual || got.OK != tt.ok || got.NoSamples != tt.noSamples {
				t.Fatalf("actual %v ok %v no samples %v; want %v %v %v", got.Actual, got.OK, got.NoSamples, tt.actual, tt.ok, tt.noSamples)
			}
			if tt.noSamples && got.Describe() != "no samples" {
				t.Fatalf("described as %q", got.Describe())
			}
		})
	}
	if got := check.Judge([]check.Assertion{{Name: "p99", Op: "<=", Kind: check.Duration, Queue: -1}}, nil)[0]; got.OK || !got.NoSamples {
		t.Fatalf("no runs at all must not pass: %+v", got)
	}
}

func TestJudgeUsesTheMedian(t *testing.T) {
	runs := []sim.Result{run(1e6, 3*time.Millisecond, 0), run(3e6, time.Millisecond, 0), run(2e6, 9*time.Millisecond, 1)}
	as, _ := check.Parse("throughput>=2M,p99<=3ms,lost==0,q0.throughput>=1M,bytes_per_s>=32MB/s,q0.p99<1ms")
	got := check.Judge(as, runs)
	want := []struct {
		actual float64
		ok     bool
	}{{2e6, true}, {3e6, true}, {0, true}, {1e6, true}, {32e6, true}, {1.5e6, false}}
	for i, w := range want {
		if got[i].Actual != w.actual || got[i].OK != w.ok {
			t.Errorf("%s: actual %v ok %v, want %v %v", got[i].Expr, got[i].Actual, got[i].OK, w.actual, w.ok)
		}
	}
	if len(check.Failed(got)) != 1 {
		t.Fatalf("failed: %+v", check.Failed(got))
	}
}

func TestCompare(t *testing.T) {
	base := []check.Sample{{Throughput: 100, P50: 10, P99: 100}}
	tests := []struct {
		name      string
		cur       check.Sample
		regressed []string
	}{
		{"same", check.Sample{Throughput: 100, P50: 10, P99: 100}, nil},
		{"exactly at the limit", check.Sample{Throughput: 90, P50: 11, P99: 110}, nil},
		{"throughput fell", check.Sample{Throughput: 89, P50: 10, P99: 100}, []string{"throughput"}},
		{"latency rose", check.Sample{Throughput: 100, P50: 12, P99: 111}, []string{"p50", "p99"}},
		{"better everywhere", check.Sample{Throughput: 200, P50: 1, P99: 1}, nil},
	}
	for _, tt := range tests {
		c := check.Compare("b.json", base, []check.Sample{tt.cur}, 0.10)
		var got []string
		for _, d := range c.Deltas {
			if d.Regressed {
				got = append(got, d.Metric)
			}
		}
		if strings.Join(got, ",") != strings.Join(tt.regressed, ",") || c.Regressed() != (len(tt.regressed) > 0) {
			t.Errorf("%s: regressed %v, want %v", tt.name, got, tt.regressed)
		}
	}
}

func TestConfigDiff(t *testing.T) {
	a, b := sim.DefaultConfig(), sim.DefaultConfig()
	b.Seed = 99 // ignored
	if d := check.ConfigDiff(a, b); len(d) != 0 {
		t.Fatalf("%v", d)
	}
	b.Queues, b.Buffer = 4, 1024
	if d := check.ConfigDiff(a, b); len(d) != 2 || d[0] != "queues: baseline 3, now 4" {
		t.Fatalf("%v", d)
	}
}

// A split run whose processes' accounts did not come together measured
// nothing it can stand by: every metric but elapsed has no samples.
func TestUnjudgedRunHasNoSamples(t *testing.T) {
	r := run(1e6, time.Millisecond, 0)
	r.Unjudged = "no consumer-role process joined the run"
	got := judged(t, "lost==0,delivered==0,p99<=1h,elapsed<=1h", r)
	for i, want := range []bool{true, true, true, false} {
		if got[i].NoSamples != want || got[i].OK == want {
			t.Errorf("%s: no samples %v, ok %v", got[i].Expr, got[i].NoSamples, got[i].OK)
		}
	}
}

// A comparison with a run that measured nothing cannot pass.
func TestCompareWithNoSamplesRegresses(t *testing.T) {
	base := []check.Sample{{Throughput: 100, P50: 10, P99: 100}}
	c := check.Compare("b.json", base, []check.Sample{{Unmeasured: true}}, 1)
	for _, d := range c.Deltas {
		if !d.NoSamples || !d.Regressed {
			t.Errorf("%s: %+v", d.Metric, d)
		}
	}
	allWarm := sim.Result{Elapsed: time.Second, Delivered: 10, WarmupDeliveries: 10}
	allWarm.Config.Warmup = time.Hour
	if !check.SampleOf(allWarm).Unmeasured {
		t.Error("a run with every delivery in the warm-up measured something")
	}
}

func judged(t *testing.T, exprs string, runs ...sim.Result) []check.Outcome {
	t.Helper()
	as, err := check.Parse(exprs)
	if err != nil {
		t.Fatal(err)
	}
	return check.Judge(as, runs)
}

// An actual value just the wrong side of its threshold is described
// exactly: rounded, it would read as the threshold itself, and a failed
// "throughput>=4.19M (actual 4.19M msgs/s)" reads as if it held.
func TestDescribeTellsActualFromThreshold(t *testing.T) {
	tests := []struct {
		expr   string
		actual float64
		want   string
	}{
		{"throughput>=4.19M", 4_189_999.5, "4189999.5 msgs/s"},
		{"p99<=4.3us", 4_303, "4303ns"},
		{"p99<4.3us", 4_300, "4.30µs"}, // equal: the rounding hides nothing
		{"bytes_per_s>=10MB/s", 9_999_000, "9999000 B/s"},
		{"throughput>=4.19M", 4_100_000, "4.10M msgs/s"}, // apart: as the reports print it
	}
	for _, tt := range tests {
		t.Run(tt.expr, func(t *testing.T) {
			a, err := check.ParseOne(tt.expr)
			if err != nil {
				t.Fatal(err)
			}
			if got := (check.Outcome{Assertion: a, Actual: tt.actual}).Describe(); got != tt.want {
				t.Fatalf("described as %q, want %q", got, tt.want)
			}
		})
	}
}
