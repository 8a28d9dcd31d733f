package sim

import (
	"math"
	"testing"
)

// Each distribution's draws have its mean and spread, stay within its
// bounds, and are the same for the same message.
func TestSizeDistDraws(t *testing.T) {
	for _, tt := range []struct {
		d            SizeDist
		mean, stddev float64
	}{
		{SizeDist{Kind: "uniform", Min: 100, Max: 300}, 200, 200 / math.Sqrt(12)},
		{SizeDist{Kind: "normal", Mean: 1000, Stddev: 100}, 1000, 100},
		{SizeDist{Kind: "lognormal", Mean: 512, Stddev: 256}, 512, 256},
		{SizeDist{Kind: "histogram", Sizes: []int{10, 30}, Weights: []float64{3, 1}}, 15, math.Sqrt(75)},
	} {
		if err := tt.d.validate(); err != nil {
			t.Fatal(err)
		}
		const n = 200_000
		var sum, sq float64
		for i := range int64(n) {
			v := float64(tt.d.size(7, int32(i%3), i))
			if tt.d.Max > 0 && (v < float64(tt.d.Min) || v > float64(tt.d.Max)) {
				t.Fatalf("%s: %v outside %d..%d", tt.d.Kind, v, tt.d.Min, tt.d.Max)
			}
			sum, sq = sum+v, sq+v*v
		}
		mean := sum / n
		sd := math.Sqrt(sq/n - mean*mean)
		if math.Abs(mean-tt.mean) > 0.02*tt.mean || math.Abs(sd-tt.stddev) > 0.05*tt.stddev {
			t.Errorf("%s: mean %.1f stddev %.1f, want %.1f and %.1f", tt.d.Kind, mean, sd, tt.mean, tt.stddev)
		}
		again := tt.d // a copy: the draw depends on the message, not on state
		if tt.d.size(7, 1, 99) != again.size(7, 1, 99) {
			t.Errorf("%s: one message, two sizes", tt.d.Kind)
		}
	}
	if err := (&SizeDist{Kind: "histogram", Sizes: []int{1}, Weights: []float64{0}}).validate(); err == nil {
		t.Error("weights of nothing accepted")
	}
}
