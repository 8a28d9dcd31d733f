package sweep_test

import (
	"errors"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/msgsim/msgsim/sim"
	"github.com/msgsim/msgsim/sweep"
)

func TestParseVary(t *testing.T) {
	tests := []struct {
		spec     string
		param    string
		values   []float64
		resource bool
	}{
		{"consumers=1,2,4,8,16", "consumers", []float64{1, 2, 4, 8, 16}, true},
		{"consumers=1..16x2", "consumers", []float64{1, 2, 4, 8, 16}, true},
		{"consumers=1..20x2", "consumers", []float64{1, 2, 4, 8, 16}, true},
		{"queues=1..4", "queues", []float64{1, 2, 3, 4}, true},
		{"producers=2..10+4", "producers", []float64{2, 6, 10}, true},
		{"buffer=0,1k,10k", "buffer", []float64{0, 1000, 10000}, false},
		{"batch=1..256x4", "batch", []float64{1, 4, 16, 64, 256}, false},
		{"rate=10k,20k,40k", "rate", []float64{1e4, 2e4, 4e4}, false},
		{"rate=10k..40kx2", "rate", []float64{1e4, 2e4, 4e4}, false},
		{"work=100us..300us+100us", "work", []float64{1e5, 2e5, 3e5}, false},
		{" work = 1ms,2ms ", "work", []float64{1e6, 2e6}, false},
		// Counts are what runs: rounded to distinct whole numbers.
		{"consumers=1..4x1.5", "consumers", []float64{1, 2, 3}, true},
		{"consumers=1..8x1.2", "consumers", []float64{1, 2, 3, 4, 5, 6, 7}, true},
		{"batch=0,1", "batch", []float64{0, 1}, false}, // refused by the config's own validation, as --batch 0 is
	}
	for _, tt := range tests {
		ax, err := sweep.ParseVary(tt.spec)
		if err != nil {
			t.Errorf("%q: %v", tt.spec, err)
			continue
		}
		if ax.Param != tt.param || !reflect.DeepEqual(ax.Values, tt.values) || ax.Resource != tt.resource {
			t.Errorf("%q = %+v, want %s %v", tt.spec, ax, tt.param, tt.values)
		}
	}
}

func TestParseVaryRejects(t *testing.T) {
	tests := []struct{ spec, says string }{
		{"consumers", "want NAME=VALUES"},
		{"consumers=", "want NAME=VALUES"},
		{"cores=1,2", `cannot vary "cores"`},
		{"consumers=1,two", `"two" is not a whole number`},
		{"consumers=8..1", "the range goes down"},
		{"consumers=1..16x1", "factor after x must be a number above 1"},
		{"consumers=0..16x2", "must start above 0"},
		{"consumers=1..1000", "more than 64 values"},
		{"work=1ms..5ms", "needs a step"},
		{"work=fast", "not a duration"},
		{"rate=-5", "not a rate"},
		{"producers=1..9+0", "step after + must be a positive whole number"},
		{"consumers=2,2", "2 is given twice"},
		{"rate=1k,1k", "1.00k is given twice"},
		{"consumers=1..3xNaN", "factor after x must be a number above 1"},
		{"rate=1k..3k", "needs a step (+10k)"},
		{"consumers=1..4+0.5", "a positive whole number"},
	}
	for _, tt := range tests {
		_, err := sweep.ParseVary(tt.spec)
		if err == nil || !errors.Is(err, sweep.ErrSpec) || !strings.Contains(err.Error(), tt.says) {
			t.Errorf("%q: got %v, want an error saying %q", tt.spec, err, tt.says)
		}
	}
}

// FuzzParseVary: no spec panics, and what parses is finite, bounded and
// in order for ranges.
func FuzzParseVary(f *testing.F) {
	for _, s := range []string{"consumers=1..16x2", "rate=10k,20k", "work=1ms..3ms+1ms", "queues=1..8", "batch=1..256x1.5", "x=1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ax, err := sweep.ParseVary(s)
		if err != nil {
			return
		}
		if len(ax.Values) == 0 || len(ax.Values) > 64 {
			t.Fatalf("%q: %d values", s, len(ax.Values))
		}
		for _, v := range ax.Values {
			if math.IsNaN(v) || math.IsInf(v, 0) || v < 0 {
				t.Fatalf("%q: value %v", s, v)
			}
		}
	})
}

func TestGridAndApply(t *testing.T) {
	q, _ := sweep.ParseVary("queues=1,2")
	c, _ := sweep.ParseVary("consumers=1,2,4")
	axes := []sweep.Axis{q, c}
	g := sweep.Grid(axes)
	want := []sweep.Point{{1, 1}, {1, 2}, {1, 4}, {2, 1}, {2, 2}, {2, 4}}
	if !reflect.DeepEqual(g, want) {
		t.Fatalf("grid %v", g)
	}
	cfg := sweep.Apply(sim.DefaultConfig(), axes, g[5])
	if cfg.Queues != 2 || cfg.Consumers != 4 {
		t.Fatalf("%+v", cfg)
	}
	w, _ := sweep.ParseVary("work=2ms")
	if sweep.Apply(sim.DefaultConfig(), []sweep.Axis{w}, sweep.Point{2e6}).Work != 2*time.Millisecond {
		t.Fatal("work not applied")
	}
}

// A point is refused exactly as the same value given as a flag would be:
// one validation, the config's own.
func TestValidateFindsABadPointBeforeRunning(t *testing.T) {
	for spec, says := range map[string]string{
		"consumers=1,20000000": "point consumers=20,000,000: --consumers",
		"batch=0,1":            "point batch=0: --batch: 0 is out of range",
		"rate=10,1e-300":       "--rate: 1e-300 is out of range",
	} {
		c, err := sweep.ParseVary(spec)
		if err != nil {
			t.Fatal(err)
		}
		err = sweep.Validate(sim.DefaultConfig(), []sweep.Axis{c})
		if err == nil || !strings.Contains(err.Error(), says) {
			t.Errorf("%s: got %v, want %q", spec, err, says)
		}
	}
}

func TestSpeedupAndEfficiency(t *testing.T) {
	c, _ := sweep.ParseVary("consumers=1,2,4")
	r := sweep.Result{Axes: []sweep.Axis{c}, Points: []sweep.PointResult{
		{Point: sweep.Point{1}, Throughput: 100}, {Point: sweep.Point{2}, Throughput: 180}, {Point: sweep.Point{4}, Throughput: 200}}}
	if r.Speedup(1) != 1.8 || r.Efficiency(1) != 0.9 || r.Efficiency(2) != 0.5 {
		t.Fatalf("speedup %v efficiency %v %v", r.Speedup(1), r.Efficiency(1), r.Efficiency(2))
	}
	b, _ := sweep.ParseVary("buffer=0,64")
	if e := (sweep.Result{Axes: []sweep.Axis{b}, Points: r.Points[:2]}).Efficiency(1); !math.IsNaN(e) {
		t.Fatalf("buffer is not a resource, got efficiency %v", e)
	}
}

func TestNewPointTakesMedians(t *testing.T) {
	run := func(tp float64, p99 time.Duration, lost, reordered int64) sim.Result {
		r := sim.Result{Elapsed: time.Second, Delivered: int64(tp), Lost: lost, Reordered: reordered}
		r.Latency.P99, r.Latency.P50 = p99, p99/2
		return r
	}
	runs := []sim.Result{run(100, 3*time.Millisecond, 0, 0), run(300, time.Millisecond, 1, 0), run(200, 2*time.Millisecond, 0, 2)}
	p := sweep.NewPoint(sweep.Point{4}, sim.DefaultConfig(), runs)
	if p.Throughput != 200 || p.P99 != 2*time.Millisecond || p.P50 != time.Millisecond || p.Spread != 0.5 ||
		p.Lost != 1 || p.Reordered != 2 || len(p.Runs) != 3 || p.Point[0] != 4 {
		t.Fatalf("%+v", p)
	}
}
