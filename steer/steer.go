// Package steer drives a running simulation along a timeline: phases one
// after another, each with its arrival rate over time (constant, ramp,
// steps, spike), its consumer work and counts, and events at given times
// (a consumer paused, slowed, crashed). It turns a plan into calls on a
// sim.Control and nothing else: the engine runs, steer only says when.
package steer

import (
	"context"
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
	// Work is the consumers' mean work per message in the phase.
	Work time.Duration
	// Consumers sets queue counts as the phase starts: queue → count, or
	// AllQueues → count for every queue.
	Consumers map[int]int
	Events    []Event
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

// Drive steers ctl's run through phases, then ends it. It waits for the
// run to start, and returns when the last phase ended, the run ended by
// itself (a signal), or ctx was cancelled. An event the Control refuses
// (a consumer that does not exist) is returned as an error after the run
// is ended, so a scenario never goes on half applied.
func Drive(ctx context.Context, ctl *sim.Control, queues int, phases []Phase) error {
	select {
	case <-ctl.Started():
	case <-ctl.Done():
		return nil
	case <-ctx.Done():
		return nil
	}
	t := time.NewTicker(tick)
	defer t.Stop()
	for _, ph := range phases {
		if err := startPhase(ctl, queues, ph); err != nil {
			ctl.End()
			return err
		}
		start, sent := time.Now(), ctl.Sent()
		events := ph.Events
		for {
			d := time.Since(start)
			for len(events) > 0 && events[0].At <= d {
				if err := events[0].Do(ctl); err != nil {
					ctl.End()
					return fmt.Errorf("phase %s, %s at %s: %w", ph.Name, events[0].What, events[0].At, err)
				}
				events = events[1:]
			}
			if ph.Duration > 0 && d >= ph.Duration || ph.Messages > 0 && ctl.Sent()-sent >= ph.Messages {
				break
			}
			if ph.Rate != nil {
				_ = ctl.SetRate(max(ph.Rate(d, ph.Duration), 0)) // the rate functions never return a bad one
			}
			select {
			case <-t.C:
			case <-ctl.Done():
				return nil
			case <-ctx.Done():
				return nil
			}
		}
	}
	ctl.End()
	return nil
}

// startPhase applies what a phase sets as it begins.
func startPhase(ctl *sim.Control, queues int, ph Phase) error {
	if err := ctl.StartPhase(ph.Name); err != nil {
		return err
	}
	rate := 0.0
	if ph.Rate != nil {
		rate = ph.Rate(0, ph.Duration)
	}
	if err := ctl.SetRate(max(rate, 0)); err != nil {
		return err
	}
	if err := ctl.SetWork(ph.Work); err != nil {
		return err
	}
	for q, n := range ph.Consumers {
		if q == AllQueues {
			for i := range queues {
				if err := ctl.SetConsumers(i, n); err != nil {
					return fmt.Errorf("phase %s: %w", ph.Name, err)
				}
			}
			continue
		}
		if err := ctl.SetConsumers(q, n); err != nil {
			return fmt.Errorf("phase %s: %w", ph.Name, err)
		}
	}
	return nil
}

// closedLoopRate bounds how fast a producer sends in a closed loop, for
// Messages: the engine's fastest unbatched runs make about 12M/s.
const closedLoopRate = 15e6

// Messages is how many messages each of producers may send over the whole
// timeline, at most: a run steered through phases needs a bound for its
// exactly-once bits, and the engine stops a producer there. A phase of
// messages counts its messages; a timed phase its highest rate (sampled) ×
// its length, with a margin; a timed closed-loop phase what a closed loop
// can send in that time.
func Messages(phases []Phase, producers int) int64 {
	var total float64
	for _, ph := range phases {
		switch {
		case ph.Messages > 0:
			total += float64(ph.Messages)
		case ph.Rate == nil:
			total += closedLoopRate * float64(producers) * ph.Duration.Seconds()
		default:
			peak := 0.0
			for i := range 1001 {
				peak = max(peak, ph.Rate(ph.Duration*time.Duration(i)/1000, ph.Duration))
			}
			if peak == 0 {
				peak = closedLoopRate * float64(producers)
			}
			total += peak*ph.Duration.Seconds()*1.2 + 1000
		}
	}
	per := total/float64(max(producers, 1)) + 1
	return int64(min(per, 1e12))
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
