package sim

import (
	"math/bits"
	"sync/atomic"
)

// seenSet remembers which deliveries arrived, one bit each, so a lost
// message and a duplicated one cannot cancel out in a count. Memory is
// allocated in chunks on first touch: a run that is interrupted early, or
// that is huge but short-lived, pays only for what it used, and the size of
// the plan never has to fit in memory up front. The last chunk is only as
// long as the set needs, so a set of a few bits costs a few words, not a
// whole chunk (a 100,000-queue run of one message each once took 12 GiB).
type seenSet struct {
	chunks []atomic.Pointer[[]uint64]
	n      uint64 // bits
	shared bool   // more than one goroutine sets bits: use atomic OR
}

const (
	chunkShift = 20 // 2^20 bits = 128 KiB per chunk
	chunkBits  = 1 << chunkShift
	chunkWords = chunkBits / 64
)

func newSeenSet(n int64, shared bool) *seenSet {
	return &seenSet{chunks: make([]atomic.Pointer[[]uint64], (n+chunkBits-1)/chunkBits), n: uint64(n), shared: shared}
}

// set marks bit i and reports whether it was already set (a duplicate).
// The caller checks 0 ≤ i < n. Consumers gather bits and use markBits.
func (s *seenSet) set(i int64) (dup bool) {
	bit := uint64(1) << (i & 63)
	return markBits(s.chunk(i), i, bit, s.shared) != 0
}

// chunk returns the chunk holding bit i, allocating it on first touch.
// Consumers keep the chunk they last used, so this runs once per 2^20
// slots, not per message.
func (s *seenSet) chunk(i int64) []uint64 {
	if c := s.chunks[i>>chunkShift].Load(); c != nil {
		return *c
	}
	return s.alloc(i)
}

// markBits sets mask in the word of c holding bit i and returns the bits of
// mask that were already set.
func markBits(c []uint64, i int64, mask uint64, shared bool) uint64 {
	w := &c[(i&(chunkBits-1))>>6]
	if shared {
		return atomic.OrUint64(w, mask) & mask
	}
	old := *w
	*w = old | mask
	return old & mask
}

// alloc installs the chunk holding bit i: chunkWords words, or what is left
// of the set for the last chunk. Two goroutines may race; the loser's chunk
// is dropped.
func (s *seenSet) alloc(i int64) []uint64 {
	k := i >> chunkShift
	words := uint64(chunkWords)
	if int(k) == len(s.chunks)-1 {
		words = (s.n - uint64(k)<<chunkShift + 63) / 64
	}
	c := make([]uint64, words)
	p := &s.chunks[k]
	if p.CompareAndSwap(nil, &c) {
		return c
	}
	return *p.Load()
}

// countRange returns how many bits of [from, to) are set. It reads plainly: call
// it only once every goroutine that sets bits has ended.
func (s *seenSet) countRange(from, to int64) int64 {
	var n int64
	for i := max(from, 0); i < min(to, int64(s.n)); {
		c := s.chunks[i>>chunkShift].Load()
		end := min((i>>chunkShift+1)<<chunkShift, to, int64(s.n))
		if c == nil {
			i = end
			continue
		}
		for ; i < end; i++ { // bit by bit at the edges, a word at a time within
			if i&63 == 0 && i+64 <= end {
				n += int64(bits.OnesCount64((*c)[(i&(chunkBits-1))>>6]))
				i += 63
				continue
			}
			n += int64((*c)[(i&(chunkBits-1))>>6] >> (i & 63) & 1)
		}
	}
	return n
}
