package sim

import (
	"math/bits"
	"sync"

	"github.com/HdrHistogram/hdrhistogram-go"
)

// Latency histograms are 270 KB each (1 ns – 1 h at 3 significant figures),
// too big for one per consumer when there are a million consumers. So the
// layout depends on the topology:
//
//   - up to OwnHistogramsUpTo consumers: one histogram per consumer, no lock;
//   - up to SharedQueuesUpTo queues: one per queue, shared by its consumers;
//   - beyond that: latencyShards histograms, queue q using shard q mod
//     latencyShards, so per-queue latency is not kept.
//
// Shared histograms are fed through a small per-consumer buffer, so the lock
// is taken once per flushEvery samples, not per message.
const (
	OwnHistogramsUpTo = 256  // consumers; × 270 KB ≈ 69 MB at most
	SharedQueuesUpTo  = 1024 // queues; × 270 KB ≈ 276 MB at most
	latencyShards     = 64
	flushEvery        = 8 // inline in each consumer: 64 B × a million consumers
)

// HistogramLayout names how latency histograms were kept in a run.
type HistogramLayout string

// The histogram layouts; see Result.Histograms.
const (
	PerConsumer HistogramLayout = "per-consumer"
	PerQueue    HistogramLayout = "per-queue"
	Sharded     HistogramLayout = "sharded"
)

func histogramLayout(queues, consumers int) HistogramLayout {
	switch {
	case queues*consumers <= OwnHistogramsUpTo:
		return PerConsumer
	case queues <= SharedQueuesUpTo:
		return PerQueue
	}
	return Sharded
}

// sharedHistogram is a histogram written by several consumers, in
// hdrCounts' layout cut into page-sized blocks that are allocated when a
// latency first falls in them. Whole, a thousand queues' histograms are
// 270 MB; in blocks they cost the pages their latencies use, and reading
// them at the end skips the rest (hdrhistogram's own iterators read, and so
// make resident, every page up to the highest value). Exactly 64 bytes, so
// neighbours' locks never share a cache line.
type sharedHistogram struct {
	mu     sync.Mutex
	blocks []*[sharedBlockLen]int64
	_      [64 - 8 - 24]byte
}

// sharedBlockLen counts make one 4 KiB page.
const sharedBlockLen = 512

func newSharedHistogram() *sharedHistogram {
	return &sharedHistogram{blocks: make([]*[sharedBlockLen]int64, (hdrCountsLen+sharedBlockLen-1)/sharedBlockLen)}
}

// add files n samples of v, 0 ≤ v ≤ histHighest. The caller holds mu.
func (s *sharedHistogram) add(v, n int64) {
	i := hdrIndex(v)
	b := s.blocks[i/sharedBlockLen]
	if b == nil {
		b = new([sharedBlockLen]int64)
		s.blocks[i/sharedBlockLen] = b
	}
	b[i%sharedBlockLen] += n
}

// recordInto adds s's counts to h, reading only the blocks s allocated.
// It runs after every consumer has finished.
func (s *sharedHistogram) recordInto(h *hdrhistogram.Histogram) {
	for bi, b := range s.blocks {
		if b == nil {
			continue
		}
		for j, n := range b {
			if n > 0 {
				_ = h.RecordValues(hdrValue(bi*sharedBlockLen+j), n)
			}
		}
	}
}

// hdrCounts is a consumer's own latency histogram: the counts array of an
// hdrhistogram for [histLowest, histHighest] at histSigFigs, in the
// library's own bucket layout. Recording is a few inlined instructions; the
// library's RecordValue is a call of ~5 ns, a tenth of what a consumer
// spends per message. histogram() hands the counts back to the library.
// Only counts up to top are ever read: a page of the array nobody wrote is
// a page fault, and on this project's VMs a fault costs ~13 µs.
// TestHDRCountsLayout checks the layout against the library's.
type hdrCounts struct {
	counts []int64
	top    int // the highest index recorded
	// pending is where consume gathers latencies before filing them with
	// recordAll. Filing one sample per message put a likely cache miss on
	// every message (a consumer's counts live in the cache of whichever
	// core it last ran on); filing pendingLen in a row lets the misses
	// overlap. On the heap, not in consume's frame, so that goroutine
	// stacks stay small at a million consumers (who have no own counts).
	pending *[pendingLen]int64
}

// pendingLen is a power of two, so indexing pending needs no bounds check.
const pendingLen = 256

// The layout for histLowest = 1 (unit magnitude 0) and 3 significant
// figures: 2×10³ needs 2,048 sub-buckets, so each bucket past the first
// adds its top 1,024.
const (
	hdrHalfMagnitude = 10
	hdrSubBucketMask = 1<<(hdrHalfMagnitude+1) - 1
)

// hdrCountsLen is the library's counts length: a bucket per power of two up
// to histHighest's, plus one, of 1,024 sub-buckets each.
var hdrCountsLen = (hdrBucket(histHighest) + 2) << hdrHalfMagnitude

func newHDRCounts() *hdrCounts {
	return &hdrCounts{counts: make([]int64, hdrCountsLen), pending: new([pendingLen]int64)}
}

// hdrBucket is the power-of-two bucket v falls in (hdrhistogram's getBucketIndex).
func hdrBucket(v int64) int {
	return 64 - bits.LeadingZeros64(uint64(v)|hdrSubBucketMask) - (hdrHalfMagnitude + 1)
}

// hdrIndex is hdrhistogram's countsIndexFor, for 0 ≤ v ≤ histHighest.
func hdrIndex(v int64) int {
	bucket := hdrBucket(v)
	return (bucket+1)<<hdrHalfMagnitude + int(uint64(v)>>uint(bucket)) - 1<<hdrHalfMagnitude
}

// hdrValue is the lowest value filed at index i, hdrIndex's inverse.
func hdrValue(i int) int64 {
	bucket, sub := i>>hdrHalfMagnitude-1, i&(1<<hdrHalfMagnitude-1)+1<<hdrHalfMagnitude
	if bucket < 0 {
		bucket, sub = 0, sub-1<<hdrHalfMagnitude
	}
	return int64(sub) << bucket
}

func (c *hdrCounts) record(v int64) {
	i := hdrIndex(v)
	c.counts[i]++
	c.top = max(c.top, i)
}

// recordAll records every value in vs, as record does one.
func (c *hdrCounts) recordAll(vs []int64) {
	top := c.top
	for _, v := range vs {
		i := hdrIndex(v)
		c.counts[i]++
		top = max(top, i)
	}
	c.top = top
}

func (c *hdrCounts) recordN(v, n int64) {
	i := hdrIndex(v)
	c.counts[i] += n
	c.top = max(c.top, i)
}

// add sums o's counts into c's: merging histograms of one layout.
func (c *hdrCounts) add(o *hdrCounts) {
	for i, n := range o.counts[:o.top+1] {
		c.counts[i] += n
	}
	c.top = max(c.top, o.top)
}

// histogram records the counts into a library histogram, touching only the
// pages of its array that hold a count.
func (c *hdrCounts) histogram() *hdrhistogram.Histogram {
	h := newHistogram()
	for i, n := range c.counts[:c.top+1] {
		if n > 0 {
			_ = h.RecordValues(hdrValue(i), n)
		}
	}
	return h
}

// recorder is a consumer's handle for latency samples: its own histogram,
// or a buffer in front of a shared one.
type recorder struct {
	own    *hdrCounts
	shared *sharedHistogram
	n      int
	buf    [flushEvery]int64
}

func (r *recorder) record(v int64) {
	if r.own != nil {
		r.own.record(v) // v is clamped into range by the caller
		return
	}
	r.recordShared(v)
}

// recordShared buffers v for the shared histogram; consumeShared calls it
// directly, as it knows there is no own histogram.
func (r *recorder) recordShared(v int64) {
	r.buf[r.n] = v
	if r.n++; r.n == len(r.buf) {
		r.flush()
	}
}

// recordN records n samples of the same value (a batch received at once).
func (r *recorder) recordN(v, n int64) {
	if r.own != nil {
		r.own.recordN(v, n)
		return
	}
	r.flush()
	r.shared.mu.Lock()
	r.shared.add(v, n)
	r.shared.mu.Unlock()
}

func (r *recorder) flush() {
	if r.shared == nil || r.n == 0 {
		return
	}
	r.shared.mu.Lock()
	for _, v := range r.buf[:r.n] {
		r.shared.add(v, 1)
	}
	r.shared.mu.Unlock()
	r.n = 0
}

// setRecorders gives each consumer (numbered queue by queue) its recorder,
// and returns the shared histograms, if any, indexed by queue mod len.
func setRecorders(cs []consumer, layout HistogramLayout, queues, consumers int) []*sharedHistogram {
	if layout == PerConsumer {
		for i := range cs {
			cs[i].rec.own = newHDRCounts()
		}
		return nil
	}
	n := queues
	if layout == Sharded {
		n = latencyShards
	}
	shared := make([]*sharedHistogram, n)
	for i := range shared {
		shared[i] = newSharedHistogram()
	}
	for i := range cs {
		cs[i].rec.shared = shared[(i/consumers)%n]
	}
	return shared
}
