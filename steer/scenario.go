package steer

import (
	"cmp"
	"fmt"
	"slices"
	"time"

	"github.com/msgsim/msgsim/scenario"
	"github.com/msgsim/msgsim/sim"
)

// FromScenario is the timeline of a parsed scenario: its phases in order,
// each message count made the producers' total, and its faults as events
// (a pause or a slow-down ends after its length, and at the latest with
// its phase).
func FromScenario(s *scenario.Scenario) []Phase {
	out := make([]Phase, 0, len(s.Phases))
	for _, p := range s.Phases {
		ph := Phase{Name: p.Name, Duration: p.Duration, Messages: p.Messages * int64(max(s.Producers, 1)),
			Work: p.Work.Mean, WorkDist: sim.WorkDist(p.Work.Dist), WorkKind: sim.WorkKind(p.Work.Kind),
			Arrival: sim.Arrival(p.Arrival.Process)}
		if p.Work.Mean == 0 {
			ph.WorkDist, ph.WorkKind = "", ""
		}
		if a := p.Arrival; a.Pattern != scenario.Closed {
			planned := p.Planned
			ph.Rate = func(d, _ time.Duration) float64 { return a.RateAt(d, planned) }
		}
		if len(p.Consumers) > 0 {
			// In the file's order: a later count for a queue overrides an
			// earlier one, "every queue" (-1) included.
			ph.Consumers = map[int]int{}
			for _, cc := range p.Consumers {
				if cc.Queue == AllQueues {
					for q := range s.Queues {
						ph.Consumers[q] = cc.Count
					}
					continue
				}
				ph.Consumers[cc.Queue] = cc.Count
			}
		}
		for _, f := range p.Faults {
			ph.Events = append(ph.Events, faultEvents(f, &ph)...)
		}
		slices.SortStableFunc(ph.Events, func(a, b Event) int { return cmp.Compare(a.At, b.At) })
		out = append(out, ph)
	}
	return out
}

// faultEvents turns a fault into the events that apply it and, for a pause
// or a slow-down, end it: after its length, or (AtEnd) with its phase.
func faultEvents(f scenario.Fault, ph *Phase) []Event {
	q, n := f.Queue, f.Consumer
	who := fmt.Sprintf("q%d.%d", q, n)
	// The file numbers consumers by those in force when the fault comes
	// (a replacement takes a crashed one's number); the engine by slot.
	// The slot of a pause or slow-down is kept for its end.
	slot := -1
	on := func(act func(c *sim.Control, i int) error) func(c *sim.Control) error {
		return func(c *sim.Control) error {
			i, err := c.InForce(q, n)
			if err != nil {
				return err
			}
			slot = i
			return act(c, i)
		}
	}
	after := func(act func(c *sim.Control, i int) error) func(c *sim.Control) error {
		return func(c *sim.Control) error {
			if slot < 0 {
				return nil // it never began
			}
			return act(c, slot)
		}
	}
	var undo Event
	var do Event
	switch f.Kind {
	case scenario.Pause:
		do = Event{At: f.At, What: "pause " + who, Do: on(func(c *sim.Control, i int) error { return c.Pause(q, i) })}
		undo = Event{What: "the end of the pause of " + who, Do: after(func(c *sim.Control, i int) error { return resume(c, q, i) })}
	case scenario.Slow:
		factor := f.Factor
		do = Event{At: f.At, What: fmt.Sprintf("slow %s ×%g", who, factor), Do: on(func(c *sim.Control, i int) error { return c.Slow(q, i, factor) })}
		undo = Event{What: "the end of the slow-down of " + who, Do: after(func(c *sim.Control, i int) error { return c.Slow(q, i, 1) })}
	case scenario.Resume:
		return []Event{{At: f.At, What: "resume " + who, Do: on(func(c *sim.Control, i int) error { return resume(c, q, i) })}}
	case scenario.Crash:
		return []Event{{At: f.At, What: "crash " + who, Do: on(func(c *sim.Control, i int) error { return c.Crash(q, i) })}}
	default:
		return nil // the parser admits no other kind
	}
	ph.AtEnd = append(ph.AtEnd, undo) // whatever its length, it ends with its phase
	if f.For > 0 {
		undo.At = f.At + f.For
		return []Event{do, undo}
	}
	return []Event{do}
}

// resume ends whatever holds a consumer back: a pause and a slow-down. A
// consumer that crashed meanwhile stays down; that is no error.
func resume(c *sim.Control, q, i int) error {
	if c.ConsumerState(q, i) == sim.Paused {
		if err := c.Resume(q, i); err != nil {
			return err
		}
	}
	if c.ConsumerState(q, i) == sim.Crashed {
		return nil
	}
	return c.Slow(q, i, 1)
}
