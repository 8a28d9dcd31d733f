package sim

import (
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

// sharedHistogram is a histogram written by several consumers.
type sharedHistogram struct {
	mu sync.Mutex
	h  *hdrhistogram.Histogram
}

// paddedHistogram keeps a histogram's header, whose count fields change on
// every sample, off the cache lines of its neighbours: hdrhistogram.New
// allocates headers back to back, and consumers on different cores writing
// adjacent headers cost more than the recording itself.
type paddedHistogram struct {
	_ [64]byte
	h hdrhistogram.Histogram
	_ [64]byte
}

func newPaddedHistogram() *hdrhistogram.Histogram {
	p := &paddedHistogram{h: *newHistogram()}
	return &p.h
}

// recorder is a consumer's handle for latency samples: its own histogram,
// or a buffer in front of a shared one.
type recorder struct {
	own    *hdrhistogram.Histogram
	shared *sharedHistogram
	n      int
	buf    [flushEvery]int64
}

func (r *recorder) record(v int64) {
	if r.own != nil {
		_ = r.own.RecordValue(v) // v is clamped into range by the caller
		return
	}
	r.buf[r.n] = v
	if r.n++; r.n == len(r.buf) {
		r.flush()
	}
}

// recordN records n samples of the same value (a batch received at once).
func (r *recorder) recordN(v, n int64) {
	if r.own != nil {
		_ = r.own.RecordValues(v, n)
		return
	}
	r.flush()
	r.shared.mu.Lock()
	_ = r.shared.h.RecordValues(v, n)
	r.shared.mu.Unlock()
}

func (r *recorder) flush() {
	if r.shared == nil || r.n == 0 {
		return
	}
	r.shared.mu.Lock()
	for _, v := range r.buf[:r.n] {
		_ = r.shared.h.RecordValue(v)
	}
	r.shared.mu.Unlock()
	r.n = 0
}

// setRecorders gives each consumer (numbered queue by queue) its recorder,
// and returns the shared histograms, if any, indexed by queue mod len.
func setRecorders(cs []consumer, layout HistogramLayout, queues, consumers int) []*sharedHistogram {
	if layout == PerConsumer {
		for i := range cs {
			cs[i].rec.own = newPaddedHistogram()
		}
		return nil
	}
	n := queues
	if layout == Sharded {
		n = latencyShards
	}
	shared := make([]*sharedHistogram, n)
	for i := range shared {
		shared[i] = &sharedHistogram{h: newPaddedHistogram()}
	}
	for i := range cs {
		cs[i].rec.shared = shared[(i/consumers)%n]
	}
	return shared
}
