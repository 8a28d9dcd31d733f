package sim

import (
	"sync/atomic"
	"time"
)

// Progress lets another goroutine watch a run without slowing it: consumers
// publish their delivery counts every thousand or so messages, and a
// Snapshot sums them. The zero value is ready to use; pass a pointer in
// Config.Progress.
type Progress struct {
	run  atomic.Pointer[run]
	last atomic.Pointer[ProgressSnapshot] // a finished run's final counts
}

// ProgressSnapshot is how far a run has got.
type ProgressSnapshot struct {
	Sent      int64 // deliveries handed to queues so far, slightly behind the truth while running
	Delivered int64 // deliveries so far, slightly behind the truth while running
	Expected  int64 // deliveries a complete run makes; 0 before the run starts
	// Waiting says what a split NATS role waits for ("consumers of run
	// demo"), "" when it is not waiting.
	Waiting string
}

// Queued is about how many deliveries were sent and not yet received.
func (s ProgressSnapshot) Queued() int64 { return max(s.Sent-s.Delivered, 0) }

func (p *Progress) attach(r *run) { p.run.Store(r) }

// detach keeps the finished run's final counts and lets go of the run, so
// its consumers, histograms and bitsets (a GiB at a million consumers) can
// be collected before the next run of a --repeat starts.
func (p *Progress) detach() {
	s := p.Snapshot()
	p.last.Store(&s)
	p.run.Store(nil)
}

// Snapshot reads the current counts. It is safe to call at any time from any
// goroutine; it costs one atomic load per consumer.
func (p *Progress) Snapshot() ProgressSnapshot {
	r := p.run.Load()
	if r == nil {
		if last := p.last.Load(); last != nil {
			return *last
		}
		return ProgressSnapshot{}
	}
	s := ProgressSnapshot{Expected: r.cfg.Expected()}
	for i := range r.consumers {
		s.Delivered += r.consumers[i].progress.Load()
	}
	for i := range r.producers {
		s.Sent += r.producers[i].published.Load()
	}
	if r.cfg.Dispatch == Fanout {
		s.Sent *= int64(r.cfg.Queues) // a message is a delivery to every queue
	}
	if w := r.waiting.Load(); w != nil {
		s.Waiting = *w
	}
	return s
}

// Live is a running run's state per queue, for a live view.
type Live struct {
	Elapsed time.Duration // since the run started
	// Depth is each queue's waiting messages, counted as the depth
	// sampler counts them (arrived, not yet taken; nil when depth cannot
	// be measured); Delivered its deliveries so far.
	Depth, Delivered []int64
	// P99 and Mean are the 99th percentile and mean latency of the last
	// whole series interval (0 with no series), Timed how many deliveries
	// it timed, and P99At its start since the run started.
	P99, Mean, P99At time.Duration
	Timed            int64
	// Crashed counts the messages lost so far with a crashed consumer.
	Crashed int
	// Arrived counts the messages that have arrived: those the producers
	// handed over and, in open loop, their backlog (due, not handed over).
	Arrived int64
}

// Live reads the run's state now; ok is false when no run is going on. It
// costs a depth sample: one atomic load per consumer and producer, and a
// lock for the series' last interval.
func (p *Progress) Live() (l Live, ok bool) {
	r := p.run.Load()
	if r == nil || !r.begun.Load() {
		return Live{}, false
	}
	l.Elapsed = time.Duration(r.now())
	l.Delivered = make([]int64, r.cfg.Queues)
	for i := range r.consumers {
		l.Delivered[r.consumers[i].queue] += r.consumers[i].progress.Load()
	}
	if r.depthMeasured() {
		l.Depth = r.depths()
	}
	for i := range r.producers {
		l.Arrived += r.producers[i].published.Load()
	}
	l.Arrived += r.backlogs()
	if s := r.series; s != nil {
		idx := int64(l.Elapsed/s.every) - 1 // the last interval that has ended
		s.mu.Lock()
		if idx >= 0 && idx < int64(len(s.hists)) && s.hists[idx] != nil {
			h := s.hists[idx]
			l.P99, l.Mean, l.P99At = time.Duration(h.ValueAtQuantile(99)), time.Duration(h.Mean()), time.Duration(idx)*s.every
			l.Timed = h.TotalCount()
		}
		s.mu.Unlock()
	}
	r.crashMu.Lock()
	l.Crashed = len(r.crashes)
	r.crashMu.Unlock()
	return l, true
}
