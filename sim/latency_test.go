package sim

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// hdrCounts must file every value exactly where hdrhistogram does, or its
// percentiles would be wrong after Import: compare the two counts arrays
// over every bucket boundary and a spread of random values.
func TestHDRCountsLayout(t *testing.T) {
	var values []int64
	for v := int64(0); v <= 5000; v++ {
		values = append(values, v)
	}
	for shift := 11; shift < 63; shift++ {
		for _, v := range []int64{1<<shift - 1, 1 << shift, 1<<shift + 1} {
			if v <= histHighest {
				values = append(values, v)
			}
		}
	}
	values = append(values, histHighest)
	rng := rand.New(rand.NewPCG(1, 2))
	for range 100_000 {
		values = append(values, rng.Int64N(histHighest+1))
	}

	fast, lib := newHDRCounts(), newHistogram()
	for _, v := range values {
		fast.record(v)
		if err := lib.RecordValue(v); err != nil {
			t.Fatal(err)
		}
	}
	fast.recordN(12_345, 7)
	if err := lib.RecordValues(12_345, 7); err != nil {
		t.Fatal(err)
	}
	if want := lib.Export().Counts; !slices.Equal(fast.counts, want) {
		for i := range want {
			if fast.counts[i] != want[i] {
				t.Fatalf("bucket %d: %d values, hdrhistogram has %d", i, fast.counts[i], want[i])
			}
		}
		t.Fatalf("%d buckets, hdrhistogram has %d", len(fast.counts), len(want))
	}
	got := fast.histogram()
	if got.TotalCount() != lib.TotalCount() || got.ValueAtQuantile(99) != lib.ValueAtQuantile(99) || got.Max() != lib.Max() {
		t.Fatalf("imported: %d values, p99 %d, max %d; hdrhistogram: %d, %d, %d",
			got.TotalCount(), got.ValueAtQuantile(99), got.Max(), lib.TotalCount(), lib.ValueAtQuantile(99), lib.Max())
	}
}
