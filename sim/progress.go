package sim

import "sync/atomic"

// Progress lets another goroutine watch a run without slowing it: consumers
// publish their delivery counts every thousand or so messages, and a
// Snapshot sums them. The zero value is ready to use; pass a pointer in
// Config.Progress.
type Progress struct {
	run atomic.Pointer[run]
}

// ProgressSnapshot is how far a run has got.
type ProgressSnapshot struct {
	Delivered int64 // deliveries so far, slightly behind the truth while running
	Expected  int64 // deliveries a complete run makes; 0 before the run starts
}

func (p *Progress) attach(r *run) { p.run.Store(r) }

// Snapshot reads the current counts. It is safe to call at any time from any
// goroutine; it costs one atomic load per consumer.
func (p *Progress) Snapshot() ProgressSnapshot {
	r := p.run.Load()
	if r == nil {
		return ProgressSnapshot{}
	}
	s := ProgressSnapshot{Expected: r.cfg.Expected()}
	for i := range r.consumers {
		s.Delivered += r.consumers[i].progress.Load()
	}
	return s
}
