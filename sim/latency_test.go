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
	if !slices.Equal(got.Export().Counts, lib.Export().Counts) {
		t.Fatal("the histogram rebuilt from the counts differs from hdrhistogram's")
	}
	if got.TotalCount() != lib.TotalCount() || got.ValueAtQuantile(99) != lib.ValueAtQuantile(99) || got.Max() != lib.Max() {
		t.Fatalf("imported: %d values, p99 %d, max %d; hdrhistogram: %d, %d, %d",
			got.TotalCount(), got.ValueAtQuantile(99), got.Max(), lib.TotalCount(), lib.ValueAtQuantile(99), lib.Max())
	}
}

// Summing counts is merging: a queue's consumers add up to what one
// histogram fed all their samples holds.
func TestHDRCountsAddIsMerge(t *testing.T) {
	a, b, sum, lib := newHDRCounts(), newHDRCounts(), newHDRCounts(), newHistogram()
	for v := int64(1); v < histHighest; v = v*3 + 1 {
		a.record(v)
		b.recordN(v/2, 2)
		_ = lib.RecordValue(v)
		_ = lib.RecordValues(v/2, 2)
	}
	sum.add(a)
	sum.add(b)
	if got, want := sum.histogram(), lib; got.TotalCount() != want.TotalCount() || got.Mean() != want.Mean() || got.ValueAtQuantile(90) != want.ValueAtQuantile(90) {
		t.Fatalf("summed: %d values, mean %g, p90 %d; one histogram: %d, %g, %d",
			got.TotalCount(), got.Mean(), got.ValueAtQuantile(90), want.TotalCount(), want.Mean(), want.ValueAtQuantile(90))
	}
}

// A shared histogram in blocks holds what the library's histogram would
// have recorded, and allocates only the blocks its values fall in.
func TestSharedHistogramMatchesLibrary(t *testing.T) {
	s, lib := newSharedHistogram(), newHistogram()
	rng := rand.New(rand.NewPCG(3, 4))
	for range 10_000 {
		v := 1000 + rng.Int64N(50_000) // 1 µs – 51 µs: a few blocks
		s.add(v, 1)
		_ = lib.RecordValue(v)
	}
	s.add(histHighest, 3)
	_ = lib.RecordValues(histHighest, 3)
	got := newHistogram()
	s.recordInto(got)
	if !slices.Equal(got.Export().Counts, lib.Export().Counts) {
		t.Fatal("the blocks hold other counts than hdrhistogram")
	}
	used := 0
	for _, b := range s.blocks {
		if b != nil {
			used++
		}
	}
	if used > 14 { // blocks 1–13 hold 1–51 µs
		t.Fatalf("%d of %d blocks allocated for values in 1–51 µs and one at the top", used, len(s.blocks))
	}
}
