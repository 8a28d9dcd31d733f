package sim

import (
	"sync"
	"testing"
)

func TestSeenSetFlagsSecondSetOnly(t *testing.T) {
	for _, shared := range []bool{false, true} {
		s := newSeenSet(3*chunkBits+5, shared)
		for _, i := range []int64{0, 63, 64, chunkBits - 1, chunkBits, 3*chunkBits + 4} {
			if s.set(i) {
				t.Fatalf("shared=%v: first set of bit %d reported a duplicate", shared, i)
			}
			if !s.set(i) {
				t.Fatalf("shared=%v: second set of bit %d not reported", shared, i)
			}
		}
		if s.chunks[2].Load() != nil {
			t.Fatal("an untouched chunk was allocated")
		}
	}
}

// Many goroutines racing on the same words must see each bit new exactly once.
func TestSeenSetSharedIsExact(t *testing.T) {
	const n, workers = 1 << 16, 4
	s := newSeenSet(n, true)
	var wg sync.WaitGroup
	firsts := make([]int, workers)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := int64(0); i < n; i++ {
				if !s.set(i) {
					firsts[w]++
				}
			}
		}(w)
	}
	wg.Wait()
	total := 0
	for _, f := range firsts {
		total += f
	}
	if total != n {
		t.Fatalf("%d first sets, want %d", total, n)
	}
}
