package sim

import (
	"sync/atomic"
)

// seenSet remembers which deliveries arrived, one bit each, so a lost
// message and a duplicated one cannot cancel out in a count. Memory is
// allocated in chunks on first touch: a run that is interrupted early, or
// that is huge but short-lived, pays only for what it used, and the size of
// the plan never has to fit in memory up front.
type seenSet struct {
	chunks []atomic.Pointer[[chunkWords]uint64]
	n      int64 // bits
	shared bool  // more than one goroutine sets bits: use atomic OR
}

const (
	chunkBits  = 1 << 20 // 128 KiB per chunk
	chunkWords = chunkBits / 64
)

func newSeenSet(n int64, shared bool) *seenSet {
	return &seenSet{chunks: make([]atomic.Pointer[[chunkWords]uint64], (n+chunkBits-1)/chunkBits), n: n, shared: shared}
}

// bits returns the number of bits the set holds.
func (s *seenSet) bits() int64 { return s.n }

// chunk returns the chunk holding bit i, allocating it if needed. Two
// goroutines may race to allocate; the loser's chunk is dropped.
func (s *seenSet) chunk(i int64) *[chunkWords]uint64 {
	p := &s.chunks[i/chunkBits]
	if c := p.Load(); c != nil {
		return c
	}
	c := new([chunkWords]uint64)
	if p.CompareAndSwap(nil, c) {
		return c
	}
	return p.Load()
}

// set marks bit i and reports whether it was already set (a duplicate).
func (s *seenSet) set(i int64) (dup bool) {
	c := s.chunk(i)
	w := &c[(i%chunkBits)/64]
	mask := uint64(1) << (uint(i) % 64)
	if s.shared {
		return atomic.OrUint64(w, mask)&mask != 0
	}
	old := *w
	*w = old | mask
	return old&mask != 0
}
