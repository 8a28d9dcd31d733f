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
	nums := &numbering{crashed: make([]map[int]bool, s.Queues)}
	for q := range nums.crashed {
		nums.crashed[q] = map[int]bool{}
	}
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
		if len(ph.Consumers) > 0 {
			// First of the phase's events: its counts replace the
			// consumers crashed before, which give up their numbers.
			ph.Events = append(ph.Events, Event{What: "the numbers of the consumers counted", Do: func(*sim.Control) error {
				for q := range ph.Consumers {
					if q < len(nums.crashed) {
						clear(nums.crashed[q])
					}
				}
				return nil
			}})
		}
		for _, f := range p.Faults {
			ph.Events = append(ph.Events, faultEvents(f, &ph, nums)...)
		}
		slices.SortStableFunc(ph.Events, func(a, b Event) int { return cmp.Compare(a.At, b.At) })
		out = append(out, ph)
	}
	return out
}

// numbering maps the file's consumer numbers to the engine's slots. The
// file numbers a queue's consumers 0 .. count-1 by the count in force, and
// a crashed one keeps its number until a count replaces it (the parser
// refuses a fault on it meanwhile), so the others keep theirs; the engine
// numbers slots, and a replacement takes a slot of its own.
type numbering struct {
	crashed []map[int]bool // per queue, the slots the scenario crashed since its last count
}

// slot is the slot of queue q's consumer numbered i: counting, in slot
// order, those in force (taking messages or paused) and those crashed
// since the queue's last count.
func (n *numbering) slot(c *sim.Control, q, i int) (int, error) {
	seen := 0
	for k := 0; ; k++ {
		switch st := c.ConsumerState(q, k); {
		case st == "":
			return 0, fmt.Errorf("queue q%d has %d consumers numbered since its last count, so none numbered %d", q, seen, i)
		case q < len(n.crashed) && n.crashed[q][k]:
		case st == sim.Removed || st == sim.Crashed:
			continue
		}
		if seen == i {
			return k, nil
		}
		seen++
	}
}

// faultEvents turns a fault into the events that apply it and, for a pause
// or a slow-down, end it: after its length, or (AtEnd) with its phase.
func faultEvents(f scenario.Fault, ph *Phase, nums *numbering) []Event {
	q, n := f.Queue, f.Consumer
	who := fmt.Sprintf("q%d.%d", q, n)
	// The slot of a pause or slow-down is kept for its end.
	slot := -1
	on := func(act func(c *sim.Control, i int) error) func(c *sim.Control) error {
		return func(c *sim.Control) error {
			i, err := nums.slot(c, q, n)
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
		return []Event{{At: f.At, What: "crash " + who, Do: on(func(c *sim.Control, i int) error {
			if err := c.Crash(q, i); err != nil {
				return err
			}
			nums.crashed[q][i] = true
			return nil
		})}}
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
