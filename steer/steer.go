// Package steer drives a running simulation along a timeline: phases one
// after another, each with its arrival rate over time (constant, ramp,
// steps, spike), its consumer work and counts, and events at given times
// (a consumer paused, slowed, crashed). It turns a plan into calls on a
// sim.Control and nothing else: the engine runs, steer only says when.
package steer

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/msgsim/msgsim/sim"
)

// Phase is one stretch of the timeline. Exactly one of Duration and
// Messages gives its length (Messages: made by the producers in all,
// counted once per message).
type Phase struct {
	Name     string
	Duration time.Duration
	Messages int64
	// Rate is the target arrival rate at offset d of the phase (length is
	// the phase's Duration, 0 for a phase of messages); nil or 0 is a
	// closed loop.
	Rate func(d, length time.Duration) float64
	// Work is the consumers' mean work per message in the phase, drawn
	// from WorkDist and spent as WorkKind ("" keeps the run's).
	Work     time.Duration
	WorkDist sim.WorkDist
	WorkKind sim.WorkKind
	// Arrival spaces an open loop's messages: uniform or poisson ("" keeps
	// the run's).
	Arrival sim.Arrival
	// Consumers sets queue counts as the phase starts: queue → count, or
	// AllQueues → count for every queue.
	Consumers map[int]int
	Events    []Event
	// AtEnd are done when the phase ends, before the next begins (a pause
	// or a slow-down that lasts as long as its phase ends with it).
	AtEnd []Event
}

// AllQueues in Phase.Consumers sets every queue's count.
const AllQueues = -1

// Event is something done to the run at an offset into its phase.
type Event struct {
	At   time.Duration
	What string // for errors: "crash q0.1"
	Do   func(*sim.Control) error
}

// tick is how often a changing rate (a ramp) is set, and a phase of
// messages looks at the count: 100 times a second, smooth enough for a
// ramp and no load on the run.
const tick = 10 * time.Millisecond

// Driver steers one run along a timeline.
type Driver struct {
	ctl         *sim.Control
	queues      int
	phases      []Phase
	firstErr    error // set as the run starts, read after Started
	firstTarget int64
}

// New returns a Driver for the run ctl will steer, and has ctl start that
// run in the first phase (its rate, work and consumer counts from the
// first message). Call it before sim.Run, then Drive.
func New(ctl *sim.Control, queues int, phases []Phase) *Driver {
	d := &Driver{ctl: ctl, queues: queues, phases: phases}
	if len(phases) > 0 {
		ctl.OnStart(func(c *sim.Control) { d.firstTarget, d.firstErr = startPhase(c, queues, phases[0]) })
	}
	return d
}

// ErrRanOut is returned when a run ended by itself before its timeline
// did: its producers reached the bound Messages set.
var ErrRanOut = errors.New("the run ended before its last phase")

// Drive steers the run through the phases, then ends it. It waits for the
// run to start, and returns when the last phase ended, the run ended (a
// signal cancels ctx), or ctx was cancelled. An event the Control refuses
// (a consumer that does not exist) ends the run and is returned, so a
// scenario never goes on half applied; so is a run that ended by itself
// before its last phase.
func (d *Driver) Drive(ctx context.Context) error {
	ctl := d.ctl
	select {
	case <-ctl.Started():
	case <-ctl.Done():
		return nil
	case <-ctx.Done():
		return nil
	}
	if d.firstErr != nil {
		ctl.End()
		return d.firstErr
	}
	t := time.NewTimer(tick)
	defer t.Stop()
	for i, ph := range d.phases {
		target := d.firstTarget
		if i > 0 {
			var err error
			if target, err = startPhase(ctl, d.queues, ph); err != nil {
				ctl.End()
				return err
			}
		}
		start := time.Now()
		events := ph.Events
		// The rate is set when the phase's shape moves it, not every
		// tick: between moves (all of a constant phase) a live view's
		// keys may change it, and the phase does not undo them.
		set := -1.0
		if ph.Rate != nil {
			set = max(ph.Rate(0, ph.Duration), 0)
		}
		for {
			d := time.Since(start)
			for len(events) > 0 && events[0].At <= d {
				if err := events[0].Do(ctl); err != nil {
					ctl.End()
					return fmt.Errorf("phase %s, %s at %s: %w", ph.Name, events[0].What, events[0].At, err)
				}
				events = events[1:]
			}
			if ph.Duration > 0 && d >= ph.Duration || ph.Messages > 0 && ctl.Sent() >= target {
				for _, e := range ph.AtEnd {
					if err := e.Do(ctl); err != nil {
						ctl.End()
						return fmt.Errorf("phase %s, %s at its end: %w", ph.Name, e.What, err)
					}
				}
				break
			}
			if ph.Rate != nil {
				if want := max(ph.Rate(d, ph.Duration), 0); want != set {
					_ = ctl.SetRate(want) // the rate functions never return a bad one
					set = want
				}
			}
			// Wake at the next tick, or sooner for the phase's end or its
			// next event: a 5 ms phase lasts 5 ms, not a tick.
			wait := tick
			if ph.Duration > 0 {
				wait = min(wait, ph.Duration-d)
			}
			if len(events) > 0 {
				wait = min(wait, events[0].At-d)
			}
			if ph.Messages > 0 {
				wait = min(wait, time.Millisecond) // the count is reached between ticks
			}
			t.Reset(max(wait, 0))
			select {
			case <-t.C:
			case <-ctl.Done():
				if ctx.Err() != nil {
					return nil // a signal ended it
				}
				return fmt.Errorf("%w: in phase %s", ErrRanOut, ph.Name)
			case <-ctx.Done():
				return nil
			}
		}
	}
	ctl.End()
	return nil
}

// startPhase applies what a phase sets as it begins, and returns, for a
// phase of messages, the count of messages made at which it ends.
func startPhase(ctl *sim.Control, queues int, ph Phase) (target int64, err error) {
	if err := ctl.StartPhase(ph.Name); err != nil {
		return 0, err
	}
	if ph.Messages > 0 {
		// The producers stop making messages exactly there (the limit
		// counts those begun); the phase ends once they are all sent.
		target = ctl.Made() + ph.Messages
	}
	ctl.SetLimit(target)
	rate := 0.0
	if ph.Rate != nil {
		rate = ph.Rate(0, ph.Duration)
	}
	if err := ctl.SetRate(max(rate, 0)); err != nil {
		return 0, err
	}
	if err := ctl.SetWork(ph.Work); err != nil {
		return 0, err
	}
	if ph.WorkDist != "" || ph.WorkKind != "" {
		if err := ctl.SetWorkShape(ph.WorkDist, ph.WorkKind); err != nil {
			return 0, fmt.Errorf("phase %s: %w", ph.Name, err)
		}
	}
	if ph.Arrival != "" {
		if err := ctl.SetArrival(ph.Arrival); err != nil {
			return 0, fmt.Errorf("phase %s: %w", ph.Name, err)
		}
	}
	for q, n := range ph.Consumers {
		if q == AllQueues {
			for i := range queues {
				if err := ctl.SetConsumers(i, n); err != nil {
					return 0, fmt.Errorf("phase %s: %w", ph.Name, err)
				}
			}
			continue
		}
		if err := ctl.SetConsumers(q, n); err != nil {
			return 0, fmt.Errorf("phase %s: %w", ph.Name, err)
		}
	}
	return target, nil
}

// closedLoopRate bounds how fast a producer sends in a closed loop, for
// Messages: the engine's fastest unbatched runs make about 12M/s.
const closedLoopRate = 15e6

// Messages is how many messages each of producers may send over the whole
// timeline, at most: a run steered through phases needs a bound for its
// exactly-once bits, and the engine stops a producer there. A phase of
// messages counts all its messages for each producer (in a closed loop one
// producer may make most of them); a timed phase its highest rate
// (sampled) × its length, with a margin, shared by the producers; a timed
// closed-loop phase what one producer can send in that time.
func Messages(phases []Phase, producers int) int64 {
	p := float64(max(producers, 1))
	var per float64
	for _, ph := range phases {
		switch {
		case ph.Messages > 0:
			per += float64(ph.Messages)
		case ph.Rate == nil:
			per += closedLoopRate * ph.Duration.Seconds()
		default:
			peak := 0.0
			for i := range 1001 {
				peak = max(peak, ph.Rate(ph.Duration*time.Duration(i)/1000, ph.Duration))
			}
			if peak == 0 {
				per += closedLoopRate * ph.Duration.Seconds()
				continue
			}
			per += peak/p*ph.Duration.Seconds()*1.2 + 1000
		}
	}
	return int64(min(per+1, 1e12))
}

// Ramp is a rate going linearly from from to to over the phase.
func Ramp(from, to float64) func(d, length time.Duration) float64 {
	return func(d, length time.Duration) float64 {
		if length <= 0 {
			return from
		}
		f := min(float64(d)/float64(length), 1)
		return from + (to-from)*f
	}
}

// Constant is a fixed rate.
func Constant(rate float64) func(d, length time.Duration) float64 {
	return func(time.Duration, time.Duration) float64 { return rate }
}

// Step is a rate from an offset on.
type Step struct {
	At   time.Duration
	Rate float64
}

// Steps is base until the first step, then each step's rate from its
// offset on (steps in increasing order).
func Steps(base float64, steps []Step) func(d, length time.Duration) float64 {
	return func(d, _ time.Duration) float64 {
		r := base
		for _, s := range steps {
			if d >= s.At {
				r = s.Rate
			}
		}
		return r
	}
}

// Spike is base, and rate from at for length for.
func Spike(base float64, at, dur time.Duration, rate float64) func(d, length time.Duration) float64 {
	return func(d, _ time.Duration) float64 {
		if d >= at && d < at+dur {
			return rate
		}
		return base
	}
}
