package sim

import (
	"math"
	"slices"
	"testing"
	"time"
)

func TestScheduleUniformIsEvenlySpacedOverProducers(t *testing.T) {
	const rate, producers = 1000, 4 // 1 ms apart overall, 4 ms per producer
	var all []int64
	for k := 0; k < producers; k++ {
		s := newSchedule(rate, producers, k, Uniform, 1)
		for i := 0; i < 100; i++ {
			all = append(all, s.Next())
		}
	}
	slices.Sort(all)
	for i, v := range all {
		if want := int64(i) * int64(time.Millisecond); v != want {
			t.Fatalf("message %d intended at %d ns, want %d", i, v, want)
		}
	}
}

func TestSchedulePoissonRateAndSpread(t *testing.T) {
	const rate, n = 10_000.0, 200_000
	s := newSchedule(rate, 1, 0, Poisson, 42)
	again := newSchedule(rate, 1, 0, Poisson, 42)
	other := newSchedule(rate, 2, 1, Poisson, 42)
	var prev int64
	var sum, sumSq float64
	for i := 0; i < n; i++ {
		v := s.Next()
		if w := again.Next(); w != v {
			t.Fatalf("same seed, different schedule at %d: %d vs %d", i, v, w)
		}
		gap := float64(v - prev)
		sum, sumSq, prev = sum+gap, sumSq+gap*gap, v
	}
	mean := sum / n
	sd := math.Sqrt(sumSq/n - mean*mean)
	// Mean gap 100 µs; the standard error over 200k draws is 0.22%.
	if math.Abs(mean-1e5)/1e5 > 0.01 {
		t.Fatalf("mean gap %.0f ns, want 100000 ± 1%%", mean)
	}
	// Exponential gaps have a coefficient of variation of 1.
	if cv := sd / mean; math.Abs(cv-1) > 0.02 {
		t.Fatalf("coefficient of variation %.3f, want 1 ± 0.02", cv)
	}
	if other.Next() == newSchedule(rate, 2, 0, Poisson, 42).Next() {
		t.Fatal("two producers drew the same arrivals")
	}
}

func TestWorkDistributionMeans(t *testing.T) {
	const mean, n = 50 * time.Microsecond, 200_000
	for _, tt := range []struct {
		dist WorkDist
		lo   time.Duration
		hi   time.Duration
		cv   float64 // coefficient of variation
	}{
		{FixedWork, mean, mean, 0},
		{ExpWork, 0, 1 << 62, 1},
		{UniformWork, 0, 2 * mean, 1 / math.Sqrt(3)},
	} {
		w := newWorker(&Config{Work: mean, WorkDist: tt.dist, WorkKind: Spin, Seed: 9}, 3)
		var sum, sumSq float64
		for i := 0; i < n; i++ {
			d := w.draw()
			if d < tt.lo || d > tt.hi {
				t.Fatalf("%s: draw %v outside [%v, %v]", tt.dist, d, tt.lo, tt.hi)
			}
			sum, sumSq = sum+float64(d), sumSq+float64(d)*float64(d)
		}
		m := sum / n
		cv := math.Sqrt(math.Max(sumSq/n-m*m, 0)) / m
		if math.Abs(m-float64(mean))/float64(mean) > 0.01 || math.Abs(cv-tt.cv) > 0.02 {
			t.Errorf("%s: mean %.0f ns (want %d ± 1%%), cv %.3f (want %.3f)", tt.dist, m, mean, cv, tt.cv)
		}
	}
}
