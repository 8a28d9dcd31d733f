package check_test

import (
	"testing"

	"github.com/msgsim/msgsim/check"
)

func runs(tps ...float64) []check.Sample {
	var out []check.Sample
	for _, tp := range tps {
		out = append(out, check.Sample{Throughput: tp, P50: 1e9 / tp, P99: 5e9 / tp})
	}
	return out
}

// A comparison with runs enough to test judges as benchstat does: a
// worse median that the runs cannot tell from chance is noise, not a
// regression; a real slowdown is one. With too few runs to test, the
// medians decide alone, as before.
func TestCompareJudgesSignificance(t *testing.T) {
	tests := []struct {
		name             string
		old, cur         []check.Sample
		tested, regress  bool
		significantDelta bool
	}{
		{"noise: medians 12% apart, runs interleaved", runs(100, 80, 118, 95, 104), runs(85, 120, 88, 79, 102), true, false, false},
		{"a 2x slowdown over 5 runs each", runs(100, 98, 103, 101, 99), runs(50, 49, 52, 51, 48), true, true, true},
		{"4 and 4 runs are enough", runs(100, 98, 103, 101), runs(50, 49, 52, 51), true, true, true},
		{"3 and 3 runs are too few: the medians decide", runs(100, 98, 103), runs(85, 120, 80), false, true, false},
		{"one run each: the medians decide", runs(100), runs(85), false, true, false},
		{"one run each within the limit", runs(100), runs(95), false, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := check.Compare("b.json", tt.old, tt.cur, 0.10)
			d := c.Deltas[0] // throughput
			if d.Metric != "throughput" || d.Tested != tt.tested || d.Regressed != tt.regress || d.Significant != tt.significantDelta {
				t.Fatalf("got tested %v, regressed %v, significant %v (p=%.3f, change %+.1f%%); want %v, %v, %v",
					d.Tested, d.Regressed, d.Significant, d.P, 100*d.Change, tt.tested, tt.regress, tt.significantDelta)
			}
			if c.Regressed() != tt.regress {
				t.Fatalf("comparison regressed %v, want %v", c.Regressed(), tt.regress)
			}
		})
	}
}

// A regression's change reads beyond the allowed one: rounded to one
// decimal, +10.04% against 10% would read "+10.0%", and +0.04% against 0%
// "+0.0%", as if no worse than allowed.
func TestChangeOfARegressionReadsBeyondTheAllowed(t *testing.T) {
	tests := []struct {
		name     string
		old, new float64
		higher   bool // higher is better: throughput
		max      float64
		want     string
	}{
		{"p99 just beyond 10%", 1000, 1100.4, false, 0.10, "+10.04%"},
		{"p99 just beyond 0%", 100_000, 100_040, false, 0, "+0.04%"},
		{"throughput just beyond 10%", 1_000_000, 899_600, true, 0.10, "-10.04%"},
		{"well beyond", 1000, 1500, false, 0.10, "+50.0%"},
		{"within", 1000, 1100, false, 0.10, "+10.0%"},
		{"better", 1000, 900.04, false, 0, "-10.0%"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			old, cur := check.Sample{Throughput: 1e6, P50: 1, P99: tt.old}, check.Sample{Throughput: 1e6, P50: 1, P99: tt.new}
			metric := "p99"
			if tt.higher {
				old, cur = check.Sample{Throughput: tt.old, P50: 1, P99: 1}, check.Sample{Throughput: tt.new, P50: 1, P99: 1}
				metric = "throughput"
			}
			c := check.Compare("b.json", []check.Sample{old}, []check.Sample{cur}, tt.max)
			for _, d := range c.Deltas {
				if d.Metric == metric {
					if got := d.ChangeString(tt.max); got != tt.want {
						t.Fatalf("%s: change %q, want %q (regressed %v)", metric, got, tt.want, d.Regressed)
					}
					return
				}
			}
			t.Fatalf("no %s in %+v", metric, c.Deltas)
		})
	}
}
