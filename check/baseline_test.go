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
