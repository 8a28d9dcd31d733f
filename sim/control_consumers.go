package sim

import (
	"fmt"
	"math"
)

// A Control's consumers: finding one, and pausing, resuming, slowing and
// crashing it.

// slot returns the consumer slot of queue q, consumer i, or an error.
func (c *Control) slot(q, i int) (*consumerCtl, error) {
	if c.r == nil {
		return nil, ErrNotRunning
	}
	if q < 0 || q >= len(c.slots)/c.perQueue {
		return nil, fmt.Errorf("queue %d does not exist (want 0..%d)", q, len(c.slots)/c.perQueue-1)
	}
	if i < 0 || i >= c.perQueue {
		return nil, fmt.Errorf("consumer %d of queue q%d does not exist (want 0..%d)", i, q, c.perQueue-1)
	}
	return &c.slots[q*c.perQueue+i], nil
}

// change moves a slot from one of the states in from to state to and wakes
// its consumer; it reports whether it did.
func (s *consumerCtl) change(to int32, from ...int32) bool {
	for _, f := range from {
		if s.state.CompareAndSwap(f, to) {
			select {
			case s.wake <- struct{}{}:
			default:
			}
			return true
		}
	}
	return false
}

// Pause stops consumer i of queue q between two messages until Resume.
func (c *Control) Pause(q, i int) error { return c.set(q, i, stPaused, stActive) }

// Resume lets a paused consumer take messages again.
func (c *Control) Resume(q, i int) error { return c.set(q, i, stActive, stPaused) }

// Crash makes consumer i of queue q die holding the next message it takes:
// that message is lost, and Result.Crashes names it, crashed by the
// scenario.
func (c *Control) Crash(q, i int) error { return c.CrashBy(q, i, CrashedByScenario) }

// CrashBy is Crash ordered by someone else than the scenario (a key in a
// live view): the report names by, so a crash is never put down to a
// scenario that did not order it.
func (c *Control) CrashBy(q, i int, by string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	s, err := c.slot(q, i)
	if err != nil {
		return err
	}
	prev := s.by.Swap(&by)
	if !s.change(stCrashing, stActive, stPaused) {
		s.by.Store(prev)
		return fmt.Errorf("consumer q%d.%d is %s", q, i, stateName(s))
	}
	return nil
}

// Slow multiplies consumer i of queue q's work by factor (1 restores it).
func (c *Control) Slow(q, i int, factor float64) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	s, err := c.slot(q, i)
	if err != nil {
		return err
	}
	if !(factor > 0) || factor > 1e6 {
		return fmt.Errorf("slow q%d.%d by %v: want a factor above 0, at most 1e6", q, i, factor)
	}
	s.slow.Store(math.Float64bits(factor))
	return nil
}

func (c *Control) set(q, i int, to int32, from ...int32) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	s, err := c.slot(q, i)
	if err != nil {
		return err
	}
	if !s.change(to, from...) {
		return fmt.Errorf("consumer q%d.%d is %s", q, i, stateName(s))
	}
	return nil
}

// InForce returns the slot of queue q's i-th consumer in force: counting,
// in slot order, those that take messages or are paused (not removed, not
// crashed). A scenario numbers its consumers so: a replacement for a
// crashed consumer takes the crashed one's number, in another slot.
func (c *Control) InForce(q, i int) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, err := c.slot(q, 0); err != nil {
		return 0, err
	}
	n := 0
	for k := 0; k < c.perQueue; k++ {
		switch c.slots[q*c.perQueue+k].state.Load() {
		case stActive, stPaused, stCrashing:
			if n == i {
				return k, nil
			}
			n++
		}
	}
	return 0, fmt.Errorf("queue q%d has %d consumers in force, so none numbered %d", q, n, i)
}

// anyLive reports whether queue q has a consumer that has not crashed.
func (c *Control) anyLive(q int) bool {
	for k := q * c.perQueue; k < (q+1)*c.perQueue; k++ {
		if c.slots[k].state.Load() < stCrashing {
			return true
		}
	}
	return false
}

// ConsumerState reports what consumer i of queue q is doing: Idle, Busy,
// Paused, Removed or Crashed.
func (c *Control) ConsumerState(q, i int) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	s, err := c.slot(q, i)
	if err != nil {
		return ""
	}
	return stateName(s)
}

func stateName(s *consumerCtl) string {
	switch s.state.Load() {
	case stPaused:
		return Paused
	case stRemoved:
		return Removed
	case stCrashed:
		return Crashed
	}
	if s.busy.Load() {
		return Busy
	}
	return Idle
}

func (s *consumerCtl) factor() float64 {
	if f := math.Float64frombits(s.slow.Load()); f > 0 {
		return f
	}
	return 1
}
