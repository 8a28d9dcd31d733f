package watch

import (
	"time"

	"github.com/msgsim/msgsim/sim"
)

// Pending is a Controller for a run that has not started yet: it steers
// the Control get returns once there is one, and refuses (or reads zero)
// before.
type Pending func() *sim.Control

var _ Controller = Pending(nil)

func (p Pending) c() *sim.Control { return p() }

func (p Pending) SetRate(r float64) error {
	if c := p.c(); c != nil {
		return c.SetRate(r)
	}
	return sim.ErrNotRunning
}

func (p Pending) Rate() float64 {
	if c := p.c(); c != nil {
		return c.Rate()
	}
	return 0
}

func (p Pending) SetWork(d time.Duration) error {
	if c := p.c(); c != nil {
		return c.SetWork(d)
	}
	return sim.ErrNotRunning
}

func (p Pending) Work() time.Duration {
	if c := p.c(); c != nil {
		return c.Work()
	}
	return 0
}

func (p Pending) SetConsumers(q, n int) error {
	if c := p.c(); c != nil {
		return c.SetConsumers(q, n)
	}
	return sim.ErrNotRunning
}

func (p Pending) Consumers(q int) int {
	if c := p.c(); c != nil {
		return c.Consumers(q)
	}
	return 0
}

func (p Pending) PauseProducers() {
	if c := p.c(); c != nil {
		c.PauseProducers()
	}
}

func (p Pending) ResumeProducers() {
	if c := p.c(); c != nil {
		c.ResumeProducers()
	}
}

func (p Pending) ProducersPaused() bool {
	if c := p.c(); c != nil {
		return c.ProducersPaused()
	}
	return false
}

func (p Pending) CrashBy(q, i int, by string) error {
	if c := p.c(); c != nil {
		return c.CrashBy(q, i, by)
	}
	return sim.ErrNotRunning
}

func (p Pending) InForce(q, i int) (int, error) {
	if c := p.c(); c != nil {
		return c.InForce(q, i)
	}
	return 0, sim.ErrNotRunning
}

func (p Pending) ConsumerState(q, i int) string {
	if c := p.c(); c != nil {
		return c.ConsumerState(q, i)
	}
	return ""
}

func (p Pending) End() {
	if c := p.c(); c != nil {
		c.End()
	}
}
