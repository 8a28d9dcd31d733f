// Package scenario owns msgsim's scenario files: a run described as a
// topology, a payload and a list of phases (each with its length, arrival
// pattern, consumer work, consumer counts, faults and assertions), written
// in YAML or JSON and described by the JSON Schema in schema.json.
//
// Parse reads and validates a file into a [Scenario], reporting every
// problem with the line and column of the node at fault; WriteTimeline
// renders the planned timeline. The package runs nothing: the engine's
// control plane reads a Scenario and applies its phases while a run goes.
// docs/scenarios.md describes the format for people.
package scenario

import (
	"math"
	"time"

	"github.com/msgsim/msgsim/sim"
)

// Scenario is a parsed, validated file. Durations are time.Duration, rates
// msgs/s (float64) over all producers.
type Scenario struct {
	Name, Description string
	// Topology. Consumers is per queue at the start; phases change it.
	Producers, Queues, Consumers int
	Dispatch                     string // fanout | roundrobin | key (as sim.Config)
	Keys, Buffer, Batch          int
	Payload                      Payload
	Seed                         uint64 // 0: the run picks one and reports it
	Transport                    string // chan (default) | nats
	NATSURL                      string // with nats: an external server; "" starts an embedded one
	Phases                       []Phase
	Assert                       []string // whole-run --assert expressions, each valid for check.Parse
	// Baseline is a saved json result to compare with; Load makes a
	// relative path relative to the scenario file's directory, so a file
	// means the same wherever msgsim is started.
	Baseline      string
	MaxRegression string // e.g. "10%"; only with Baseline
	// SHA256 is the digest of the file's text (line endings read as \n), in hex (Load sets it): a
	// saved report of a run names it, so that a baseline compares only
	// with runs of the same version of the file.
	SHA256 string
}

// Payload is the distribution of message sizes, in bytes.
type Payload struct {
	Dist      string   // fixed | uniform | normal | lognormal | histogram
	Size      int      // fixed: bytes; also the mean for normal/lognormal
	Min, Max  int      // uniform bounds; clamps for the others (0, 0: none)
	Stddev    float64  // normal/lognormal (in bytes)
	Histogram []Bucket // empirical: sizes with weights
}

// Bucket is one size of an empirical distribution with its relative weight.
type Bucket struct {
	Size   int
	Weight float64
}

// Phase is one stretch of a run with its own load. Phases run back to back.
type Phase struct {
	Name string
	// Start is the offset since the run's start: the sum of the earlier
	// phases' planned lengths. StartAtLeast marks it a lower bound, when an
	// earlier phase ends after a message count in a closed loop, whose time
	// nothing can know before the run.
	Start        time.Duration
	StartAtLeast bool
	// Exactly one of Duration and Messages is set. Messages is a length in
	// messages per producer.
	Duration time.Duration
	Messages int64
	// Planned is the phase's planned length: Duration, or for a message
	// count the time its arrival schedule takes to send them; 0 for a
	// message count in a closed loop.
	Planned time.Duration
	// Arrival and Work are the phase's own, or the previous phase's when
	// the file leaves them out (the first phase: a closed loop, no work).
	Arrival   Arrival
	Work      Work            // zero Mean: no work
	Consumers []ConsumerCount // consumer counts set when the phase starts
	Faults    []Fault         // in time order
	Assert    []string        // this phase's assertions (check.Parse-valid)
}

// Arrival is when producers send: a closed loop (as fast as consumers take
// messages) or an open loop following a rate schedule.
type Arrival struct {
	Pattern   string  // closed | constant | ramp | steps | spike
	Process   string  // uniform | poisson (for every pattern but closed)
	Rate      float64 // constant; spike: the base rate
	From, To  float64 // ramp: linear over the phase's length
	Steps     []Step  // steps: rate from each offset (since phase start) on
	SpikeAt   time.Duration
	SpikeFor  time.Duration
	SpikeRate float64
}

// Step is a rate that holds from At (since the phase's start) until the
// next step or the phase's end.
type Step struct {
	At   time.Duration
	Rate float64
}

// Work is what each consumer spends on a message: as sim.Config's Work,
// WorkDist (fixed | exp | uniform) and WorkKind (spin | sleep).
type Work struct {
	Mean       time.Duration
	Dist, Kind string
}

// ConsumerCount sets how many consumers a queue has; Queue -1 is every queue.
type ConsumerCount struct{ Queue, Count int }

// Fault is something done to one consumer during a phase.
type Fault struct {
	At              time.Duration // since the phase's start
	Kind            string        // pause | resume | slow | crash
	Queue, Consumer int
	Factor          float64       // slow: work multiplied by Factor (> 1)
	For             time.Duration // pause/slow: how long (0: until resumed or the phase ends)
}

// The arrival patterns.
const (
	Closed   = "closed"
	Constant = "constant"
	Ramp     = "ramp"
	Steps    = "steps"
	Spike    = "spike"
)

// The fault kinds.
const (
	Pause  = "pause"
	Resume = "resume"
	Slow   = "slow"
	Crash  = "crash"
)

// RateAt is the target arrival rate at offset d since the phase's start,
// for a phase of length phaseLen (0 for a closed loop).
func (a Arrival) RateAt(d, phaseLen time.Duration) float64 {
	switch a.Pattern {
	case Constant:
		return a.Rate
	case Ramp:
		if phaseLen <= 0 || d <= 0 {
			return a.From
		}
		if d >= phaseLen {
			return a.To
		}
		return a.From + (a.To-a.From)*float64(d)/float64(phaseLen)
	case Steps:
		r := 0.0
		for i, s := range a.Steps {
			if i == 0 || s.At <= d {
				r = s.Rate
			}
		}
		return r
	case Spike:
		if d >= a.SpikeAt && d < a.SpikeAt+a.SpikeFor {
			return a.SpikeRate
		}
		return a.Rate
	}
	return 0
}

// Peak is the highest rate the arrival reaches (0 for a closed loop).
func (a Arrival) Peak() float64 {
	switch a.Pattern {
	case Constant:
		return a.Rate
	case Ramp:
		return math.Max(a.From, a.To)
	case Steps:
		p := 0.0
		for _, s := range a.Steps {
			p = math.Max(p, s.Rate)
		}
		return p
	case Spike:
		return math.Max(a.Rate, a.SpikeRate)
	}
	return 0
}

// timeFor is how long the schedule takes to send n messages in all; ok is
// false for a closed loop (the consumers decide) or a schedule that never
// gets there. A ramp's length is the phase's, so a counted ramp lasts
// whatever sends n messages at its mean rate.
func (a Arrival) timeFor(n float64) (time.Duration, bool) {
	secs := math.Inf(1)
	switch a.Pattern {
	case Constant:
		secs = n / a.Rate
	case Ramp:
		secs = 2 * n / (a.From + a.To)
	case Steps:
		secs = piecewise(n, a.Steps)
	case Spike:
		secs = piecewise(n, []Step{{0, a.Rate}, {a.SpikeAt, a.SpikeRate}, {a.SpikeAt + a.SpikeFor, a.Rate}})
	}
	if math.IsNaN(secs) || secs < 0 || secs > sim.MaxDuration.Seconds()*2 {
		return 0, false
	}
	return time.Duration(secs * 1e9), true
}

// piecewise is the seconds a piecewise-constant schedule takes to send n.
func piecewise(n float64, steps []Step) float64 {
	t, left := 0.0, n
	for i, s := range steps {
		if s.Rate <= 0 {
			continue
		}
		start := math.Max(s.At.Seconds(), t)
		if i+1 < len(steps) {
			span := steps[i+1].At.Seconds() - start
			if span > 0 && s.Rate*span < left {
				left -= s.Rate * span
				t = steps[i+1].At.Seconds()
				continue
			}
		}
		return start + left/s.Rate
	}
	return math.Inf(1)
}

// Length is the run's planned length, and whether it is exact: false when
// a phase ends after a message count in a closed loop, so the length is a
// lower bound.
func (s *Scenario) Length() (time.Duration, bool) {
	var total time.Duration
	exact := true
	for _, p := range s.Phases {
		total += p.Planned
		exact = exact && (p.Duration > 0 || p.Arrival.Pattern != Closed)
	}
	return total, exact
}

// Config returns the sim.Config of the run's start, for the parts the
// engine already understands: the topology, the payload's mean size, the
// first phase's rate (at its start), arrival process and work. A run of
// message counts alone has Messages set to their sum; any other run whose
// length is known has Duration set to it (Messages unlimited). A run with
// a closed-loop count among other phases leaves its length to the control
// plane: Duration 0, Messages unlimited.
func (s *Scenario) Config() sim.Config {
	c := sim.DefaultConfig()
	c.Producers, c.Queues, c.Consumers = s.Producers, s.Queues, s.Consumers
	c.Dispatch = sim.Dispatch(s.Dispatch)
	c.Keys, c.Buffer, c.Batch = s.Keys, s.Buffer, s.Batch
	c.Size = int(math.Round(s.Payload.Mean()))
	c.Seed = s.Seed
	c.Transport, c.NATSURL = s.Transport, s.NATSURL
	if len(s.Phases) == 0 {
		return c
	}
	first := s.Phases[0]
	c.Rate = first.Arrival.RateAt(0, first.Planned)
	if first.Arrival.Process != "" {
		c.Arrival = sim.Arrival(first.Arrival.Process)
	}
	c.Work = first.Work.Mean
	if first.Work.Mean > 0 {
		c.WorkDist, c.WorkKind = sim.WorkDist(first.Work.Dist), sim.WorkKind(first.Work.Kind)
	}
	var timed int
	var msgs int64
	for _, p := range s.Phases {
		if p.Messages > 0 {
			msgs += p.Messages
		} else {
			timed++
		}
	}
	c.Messages = c.UnlimitedMessages()
	if length, exact := s.Length(); timed == 0 {
		c.Messages = msgs
	} else if exact {
		c.Duration = length
	}
	return c
}

// PeakConfig is Config at the run's largest: the most consumers any queue
// gets in any phase, the highest rate and the longest work, so that limits
// and memory can be judged before the run starts.
func (s *Scenario) PeakConfig() sim.Config {
	c := s.Config()
	counts := make([]int, s.Queues)
	for i := range counts {
		counts[i] = s.Consumers
	}
	for _, p := range s.Phases {
		for _, cc := range p.Consumers {
			for q := range counts {
				if cc.Queue == -1 || cc.Queue == q {
					counts[q] = cc.Count
				}
			}
		}
		for _, n := range counts {
			c.Consumers = max(c.Consumers, n)
		}
		c.Rate = math.Max(c.Rate, p.Arrival.Peak())
		if p.Work.Mean > c.Work {
			c.Work, c.WorkDist, c.WorkKind = p.Work.Mean, sim.WorkDist(p.Work.Dist), sim.WorkKind(p.Work.Kind)
		}
	}
	return c
}

// Mean is the payload's mean size in bytes.
func (p Payload) Mean() float64 {
	switch p.Dist {
	case "uniform":
		return float64(p.Min+p.Max) / 2
	case "histogram":
		var sum, w float64
		for _, b := range p.Histogram {
			sum += float64(b.Size) * b.Weight
			w += b.Weight
		}
		if w == 0 {
			return 0
		}
		return sum / w
	}
	return float64(p.Size)
}
