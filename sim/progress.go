package sim

import "sync/atomic"

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
