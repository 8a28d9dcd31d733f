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

// FuzzTallyMatchesModel feeds a consumer's tally any sequence of messages
// (slots in and out of range, repeats, several producers, out of order) and
// checks its counts against a plain model: a set of seen slots and the last
// slot per producer. add's inlined fast path must not change any count.
func FuzzTallyMatchesModel(f *testing.F) {
	f.Add([]byte{0, 1, 2, 3, 4, 5, 6, 7}, uint16(100), true)
	f.Add([]byte{0, 1, 1, 2, 0, 3, 200, 4, 64, 65, 63, 66}, uint16(130), true)
	f.Add([]byte{9, 8, 7, 70, 71, 72, 140, 141, 5, 6}, uint16(150), false)
	f.Fuzz(func(t *testing.T, data []byte, size uint16, checkOrder bool) {
		const producers = 3
		tl := tally{seen: newSeenSet(int64(size), false), size: uint64(size), chunkAt: -1, word: -1, prev: noRun}
		if checkOrder {
			tl.lastSlot = []int64{-1, -1, -1}
		}
		seen := map[int64]bool{}
		last := []int64{-1, -1, -1}
		var n, dups, reord int64
		for i := 0; i+1 < len(data); i += 2 {
			m := message{producer: int32(data[i] % producers), slot: int64(data[i+1]) * int64(1+data[i]/producers%3)}
			if data[i]&0x80 != 0 {
				m.slot = -m.slot - 1 // never a valid slot
			}
			tl.add(&m)
			n++
			if uint64(m.slot) >= uint64(size) {
				dups++
				continue
			}
			if seen[m.slot] {
				dups++
			}
			seen[m.slot] = true
			if checkOrder {
				if m.slot <= last[m.producer] {
					reord++
				} else {
					last[m.producer] = m.slot
				}
			}
		}
		tl.flushBits()
		if tl.n != n || tl.dups != dups || tl.reord != reord {
			t.Fatalf("tally n=%d dups=%d reordered=%d, model n=%d dups=%d reordered=%d", tl.n, tl.dups, tl.reord, n, dups, reord)
		}
	})
}

// A set is charged for the bits it holds: its last chunk is cut to the set's
// length, so a thousand one-message queues do not cost a thousand chunks.
func TestSeenSetLastChunkIsCutToTheSet(t *testing.T) {
	for _, tt := range []struct {
		n         int64
		lastWords int
	}{{1, 1}, {64, 1}, {65, 2}, {chunkBits, chunkWords}, {chunkBits + 1, 1}, {3*chunkBits + 130, 3}} {
		s := newSeenSet(tt.n, false)
		if s.set(tt.n - 1) {
			t.Fatalf("n=%d: first set of the last bit reported a duplicate", tt.n)
		}
		if !s.set(tt.n - 1) {
			t.Fatalf("n=%d: second set of the last bit not reported", tt.n)
		}
		if got := len(*s.chunks[len(s.chunks)-1].Load()); got != tt.lastWords {
			t.Errorf("n=%d: last chunk has %d words, want %d", tt.n, got, tt.lastWords)
		}
	}
}
