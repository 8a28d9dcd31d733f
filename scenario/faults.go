package scenario

import (
	"errors"
	"fmt"
	"math"
	"sort"
	"strings"
	"time"

	"github.com/goccy/go-yaml/ast"

	"github.com/msgsim/msgsim/sim"
	"github.com/msgsim/msgsim/units"
)

var (
	faultKeys  = []string{"at", "kind", "queue", "consumer", "factor", "for"}
	faultKinds = []string{Pause, Resume, Slow, Crash}
)

// maxFactor bounds a slow-down: more than this is a pause by another name.
const maxFactor = 1000

// readFault is a fault with what messages about it need.
type readFault struct {
	Fault
	path string
	node ast.Node
	ok   bool
}

// faults reads a phase's faults, then replays them per consumer in time
// order: nothing happens to a crashed consumer, a pause or slow-down does
// not overlap another of its kind, and resume ends one that is in effect.
func (r *reader) faults(po *object, path string, s *Scenario, st *timeline, p Phase) []Fault {
	items, ok := r.list(po, "faults", "a list of faults, each {at, kind, queue, consumer}")
	if !ok {
		return nil
	}
	if len(items) > MaxFaults {
		r.errorf(items[MaxFaults], "%s.faults: more than %s in one phase", path, units.Int(MaxFaults))
		items = items[:MaxFaults]
	}
	// The phase's end, when it is known before the run.
	end := time.Duration(math.MaxInt64)
	if p.Duration > 0 || p.Arrival.Pattern != Closed && p.Planned > 0 {
		end = p.Planned
	}
	var fs []readFault
	for i, it := range items {
		if r.visit(it) {
			break
		}
		f := r.fault(it, fmt.Sprintf("%s.faults[%d]", path, i), s, st, p, end)
		if f.ok {
			fs = append(fs, f)
		}
	}
	sort.SliceStable(fs, func(i, j int) bool { return fs[i].At < fs[j].At })
	type state struct {
		crashed                string
		pausedUntil, slowUntil time.Duration
		pausedBy, slowedBy     string
		heldBy                 string // a pause with no for:, still in force
	}
	states := map[[2]int]*state{}
	var out []Fault
	for _, f := range fs {
		k := [2]int{f.Queue, f.Consumer}
		c := states[k]
		if c == nil {
			c = &state{crashed: st.crashed[k]}
			states[k] = c
		}
		who := fmt.Sprintf("consumer %d of queue %d", f.Consumer, f.Queue)
		until := end
		if f.For > 0 {
			until = f.At + f.For
		}
		switch {
		case c.crashed != "":
			r.errorf(f.node, "%s: %s is down: it crashed %s, and a crashed consumer stays down (a consumers count for its queue brings it back)", f.path, who, c.crashed)
			continue
		case f.Kind == Pause && f.At < c.pausedUntil:
			r.errorf(f.node, "%s: pause at %s overlaps %s, which pauses %s until %s", f.path, f.At, c.pausedBy, who, untilText(c.pausedUntil))
			continue
		case f.Kind == Slow && f.At < c.slowUntil:
			r.errorf(f.node, "%s: slow at %s overlaps %s, which slows %s until %s", f.path, f.At, c.slowedBy, who, untilText(c.slowUntil))
			continue
		case f.Kind == Resume && f.At >= c.pausedUntil && f.At >= c.slowUntil:
			r.errorf(f.node, "%s: resume at %s: %s is neither paused nor slowed then", f.path, f.At, who)
			continue
		}
		switch f.Kind {
		case Pause:
			c.pausedUntil, c.pausedBy = until, f.path
			if f.For == 0 {
				c.heldBy = f.path
			}
		case Slow:
			c.slowUntil, c.slowedBy = until, f.path
		case Resume:
			c.pausedUntil, c.slowUntil, c.heldBy = 0, 0, ""
		case Crash:
			c.crashed = fmt.Sprintf("at %s (%s)", f.At, f.path)
			st.crashed[k] = fmt.Sprintf("in phase %q (%s)", p.Name, f.path)
		}
		out = append(out, f.Fault)
	}
	for k, c := range states {
		if c.heldBy != "" && c.crashed == "" {
			st.held[k] = c.heldBy
		}
	}
	return out
}

// stalls refuses a phase that ends when its messages are sent while a
// queue has no consumer left to take them: every one crashed, or paused
// until the phase ends. Such a run would wait for a signal, never end.
func (r *reader) stalls(po *object, path string, p Phase, st *timeline) {
	for q, n := range st.counts {
		var why []string
		for i := range n {
			k := [2]int{q, i}
			switch {
			case st.crashed[k] != "":
				why = append(why, fmt.Sprintf("consumer %d crashed %s", i, st.crashed[k]))
			case st.held[k] != "":
				why = append(why, fmt.Sprintf("consumer %d is paused by %s", i, st.held[k]))
			default:
				why = nil
			}
			if why == nil {
				break
			}
		}
		if len(why) == n {
			r.errorf(po.at("messages"), "%s.messages: phase %q ends when its %s messages per producer are sent, but queue %d has no consumer to take them (%s): the run would never end; give the pause a for: or a resume, add consumers, or give the phase a duration",
				path, p.Name, units.Int(p.Messages), q, strings.Join(why, "; "))
			return
		}
	}
}

func untilText(d time.Duration) string {
	if d == math.MaxInt64 {
		return "the phase ends"
	}
	return d.String()
}

func (r *reader) fault(it ast.Node, fp string, s *Scenario, st *timeline, p Phase, end time.Duration) readFault {
	f := readFault{path: fp, node: it}
	o, ok := r.object(it, fp, "a fault: at, kind, queue, consumer, factor, for", faultKeys...)
	if !ok {
		return f
	}
	before := len(r.errs)
	var missing []string
	for _, k := range []string{"at", "kind", "queue", "consumer"} {
		if o.lacks(k) {
			missing = append(missing, k)
		}
	}
	if len(missing) > 0 {
		r.errorf(o.node, "%s: needs %s (a fault is {at, kind, queue, consumer})", fp, strings.Join(missing, ", "))
	}
	f.Kind = r.enum(o, "kind", "", faultKinds...)
	f.At, _ = r.duration(o, "at")
	if o.has("at") && f.At >= end {
		r.errorf(o.at("at"), "%s.at: %s is after phase %q ends (it lasts %s)", fp, f.At, p.Name, end)
	}
	switch {
	case o.has("factor") && f.Kind != Slow && f.Kind != "":
		r.errorf(o.keys["factor"], "%s.factor: only applies to kind: slow", fp)
	case f.Kind == Slow && o.lacks("factor"):
		r.errorf(o.node, "%s: kind: slow needs factor (how many times longer the work takes, above 1)", fp)
	case f.Kind == Slow:
		if v, ok := r.number(o, "factor", "a number above 1"); ok {
			if v <= 1 || v > maxFactor {
				r.errorf(o.at("factor"), "%s.factor: %g is out of range (want above 1, at most %d: the work takes that many times longer)", fp, v, maxFactor)
			}
			f.Factor = v
		}
		if p.Work.Mean == 0 {
			r.errorf(o.at("kind"), "%s: slow has nothing to slow: phase %q has no work (work.mean is 0)", fp, p.Name)
		}
	}
	if o.has("for") {
		if f.Kind != Pause && f.Kind != Slow && f.Kind != "" {
			r.errorf(o.keys["for"], "%s.for: only applies to kind: pause or slow (a %s is an instant)", fp, f.Kind)
		} else if d, ok := r.duration(o, "for"); ok {
			f.For = d
			if end != math.MaxInt64 && f.At < end && f.At+d > end {
				r.errorf(o.at("for"), "%s.for: %s runs past phase %q's end at %s (want at most %s, or 0 for until the phase ends)", fp, d, p.Name, end, end-f.At)
			}
		}
	}
	if q, ok := r.queue(o, "queue", s.Queues, false); ok {
		f.Queue = q
		if c, ok := r.index(o, "consumer"); ok {
			if n := st.counts[q]; c >= n {
				r.errorf(o.at("consumer"), "%s.consumer: %d is not a consumer of queue %d in phase %q (it has 0..%d, set by %s)", fp, c, q, p.Name, n-1, st.countFrom[q])
			}
			f.Consumer = c
		}
	}
	f.ok = len(r.errs) == before
	return f
}

// index reads a consumer's index, a whole number from 0.
func (r *reader) index(o *object, key string) (int, bool) {
	v, ok := r.count(o, key, 0, sim.MaxConsumers)
	return int(v), ok
}

// limits checks the run at its peak against the engine's own limits, so
// that a file that validates is one the engine accepts. Memory is left to
// the machine that runs it.
func (r *reader) limits(o *object, s *Scenario) {
	c := s.PeakConfig()
	c.MaxMemory = math.MaxUint64
	var expected int64
	per := int64(s.Producers)
	if sim.Dispatch(s.Dispatch) == sim.Fanout {
		per *= int64(s.Queues)
	}
	for _, p := range s.Phases {
		if p.Messages > sim.MaxExpected/per-expected/per {
			r.errorf(o.at("phases"), "phases: the message counts add up to more than %s deliveries in one run", units.Int(sim.MaxExpected))
			return
		}
		expected += p.Messages * per
	}
	if c.Messages > sim.MaxExpected/per {
		c.Messages = sim.MaxExpected / per
	}
	err := c.Validate()
	var fe *sim.FieldError
	if !errors.As(err, &fe) {
		if err != nil {
			r.errorf(o.node, "%v", err)
		}
		return
	}
	at, key := o.node, fe.Field
	switch fe.Field {
	case "producers", "queues", "consumers", "buffer", "batch", "keys":
		at, key = o.at("topology"), "topology."+fe.Field
	case "size":
		at, key = o.at("payload"), "payload"
	case "transport":
		at = o.at("transport")
	case "rate", "work", "messages", "duration":
		at, key = o.at("phases"), "phases ("+fe.Field+")"
	}
	r.errorf(at, "%s: at its peak the run is out of the engine's bounds: %v (want %s)", key, fe.Value, fe.Want)
}
