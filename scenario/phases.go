package scenario

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/goccy/go-yaml/ast"

	"github.com/msgsim/msgsim/check"
	"github.com/msgsim/msgsim/sim"
	"github.com/msgsim/msgsim/units"
)

var (
	phaseKeys   = []string{"name", "start", "duration", "messages", "arrival", "work", "consumers", "faults", "assert"}
	arrivalKeys = []string{"pattern", "process", "rate", "from", "to", "steps", "spike"}
	stepKeys    = []string{"at", "rate"}
	spikeKeys   = []string{"at", "for", "rate"}
	workKeys    = []string{"mean", "dist", "kind"}
	countKeys   = []string{"queue", "count"}
	patterns    = []string{Closed, Constant, Ramp, Steps, Spike}
)

// timeline is what the phases before the one being read left behind.
type timeline struct {
	start     time.Duration
	atLeast   bool // start is a lower bound (a closed-loop count came before)
	arrival   Arrival
	work      Work
	counts    []int    // consumers per queue
	countFrom []string // what set each count, for messages
	crashed   map[[2]int]string
	held      map[[2]int]string // paused until the current phase ends: by what
	names     map[string]int    // phase name → line
}

func (r *reader) phases(top *object, s *Scenario) {
	items, ok := r.list(top, "phases", "a list of phases, each starting with -")
	if !ok {
		if top.lacks("phases") {
			r.errorf(top.node, "the scenario has no phases (want phases: a list, each with a name and a duration or messages)")
		}
		return
	}
	if len(items) == 0 {
		r.errorf(top.at("phases"), "phases: empty (want at least one phase with a name and a duration or messages)")
		return
	}
	if len(items) > MaxPhases {
		r.errorf(items[MaxPhases], "phases: more than %s (a scenario has at most %s phases)", units.Int(MaxPhases), units.Int(MaxPhases))
		return
	}
	st := &timeline{arrival: Arrival{Pattern: Closed}, crashed: map[[2]int]string{}, held: map[[2]int]string{}, names: map[string]int{},
		counts: make([]int, s.Queues), countFrom: make([]string, s.Queues)}
	from := "topology.consumers"
	if r.over.Consumers > 0 {
		from = "--consumers"
	}
	for q := range st.counts {
		st.counts[q], st.countFrom[q] = s.Consumers, from
	}
	for i, it := range items {
		if r.visit(it) {
			return
		}
		s.Phases = append(s.Phases, r.phase(it, fmt.Sprintf("phases[%d]", i), s, st))
	}
	if total, _ := s.Length(); total > maxLength {
		r.errorf(top.at("phases"), "phases: the run is planned to last %s; a run lasts at most %s", total.Round(time.Second), maxLength)
	}
}

// phaseName keeps names usable as an assertion's prefix (steady.p99<=2ms).
var phaseName = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_-]{0,31}$`)
var queuePrefix = regexp.MustCompile(`^q[0-9]+$`)

func (r *reader) phase(it ast.Node, path string, s *Scenario, st *timeline) Phase {
	p := Phase{Arrival: st.arrival, Work: st.work, Start: st.start, StartAtLeast: st.atLeast}
	o, ok := r.object(it, path, "a phase: name, duration or messages, arrival, work, consumers, faults, assert", phaseKeys...)
	if !ok {
		return p
	}
	if name, ok := r.str(o, "name", "a name such as warm or steady"); ok {
		p.Name = strings.TrimSpace(name)
		line, _ := pos(o.at("name"))
		switch prev, dup := st.names[p.Name]; {
		case !phaseName.MatchString(p.Name):
			r.errorf(o.at("name"), "%s.name: %q is not a phase name (want a letter, then letters, digits, - or _, at most 32: assertions name phases as NAME.p99)", path, name)
		case queuePrefix.MatchString(p.Name) || slices.Contains(check.MetricNames(), p.Name):
			r.errorf(o.at("name"), "%s.name: %q is taken by assertions (a queue or a metric); choose another", path, p.Name)
		case dup:
			r.errorf(o.at("name"), "%s.name: %q names the phase at line %d too; each phase needs its own name", path, p.Name, prev)
		default:
			st.names[p.Name] = line
		}
	} else if o.lacks("name") {
		r.errorf(it, "%s: has no name (want name: warm, steady, …; reports and assertions refer to phases by it)", path)
	}
	r.length(o, path, &p)
	before := len(r.errs)
	var an arrivalNodes
	if o.has("arrival") {
		p.Arrival, an = r.arrival(o.values["arrival"], path+".arrival", s.Producers)
	}
	if p.Messages > 0 && p.Arrival.Pattern != Closed && len(r.errs) == before {
		t, ok := p.Arrival.timeFor(float64(p.Messages) * float64(s.Producers))
		if !ok || t > maxLength {
			r.errorf(o.at("messages"), "%s.messages: %s per producer would take longer than %s at this arrival rate", path, units.Int(p.Messages), maxLength)
		} else {
			p.Planned = t
		}
	}
	// A count's planned length comes from the arrival: judge its times
	// against it only when the arrival was read whole.
	if p.Duration > 0 || len(r.errs) == before && p.Planned > 0 {
		r.arrivalFits(path+".arrival", p, an)
	}
	if o.has("work") {
		p.Work = r.work(o.values["work"], path+".work")
	}
	if o.has("consumers") {
		p.Consumers = r.consumerCounts(o, path, p.Name, s, st)
	}
	clear(st.held)
	if o.has("faults") {
		p.Faults = r.faults(o, path, s, st, p)
	}
	if p.Messages > 0 && p.Duration == 0 {
		r.stalls(o, path, p, st)
	}
	p.Assert = r.assertions(o, "assert", s.Queues)
	r.start(o, path, p, st)
	st.start += p.Planned
	st.atLeast = st.atLeast || p.Messages > 0 && p.Arrival.Pattern == Closed
	st.arrival, st.work = p.Arrival, p.Work
	return p
}

// length reads duration or messages: exactly one.
func (r *reader) length(o *object, path string, p *Phase) {
	switch hasD, hasM := o.has("duration"), o.has("messages"); {
	case hasD && hasM:
		r.errorf(o.keys["messages"], "%s: give duration or messages, not both (a phase ends after one of them)", path)
	case !hasD && !hasM:
		if o.misspelt["duration"] || o.misspelt["messages"] {
			return
		}
		r.errorf(o.node, "%s: has no length (want duration: 10s, or messages: 10k per producer)", path)
	case hasD:
		if d, ok := r.duration(o, "duration"); ok && d == 0 {
			r.errorf(o.at("duration"), "%s.duration: 0 (want a length above 0, such as 5s)", path)
		} else {
			p.Duration, p.Planned = d, d
		}
	default:
		p.Messages, _ = r.count(o, "messages", 1, sim.MaxExpected)
	}
}

// start checks a phase's optional start against where it really starts:
// phases run back to back, so a start that differs overlaps or leaves a gap.
func (r *reader) start(o *object, path string, p Phase, st *timeline) {
	if !o.has("start") {
		return
	}
	d, ok := r.duration(o, "start")
	switch {
	case !ok:
	case st.atLeast:
		r.errorf(o.at("start"), "%s.start: %s cannot be promised: an earlier phase ends after a message count in a closed loop, whenever that is", path, d)
	case d < st.start:
		r.errorf(o.at("start"), "%s.start: %s overlaps the phase before, which runs until %s (phases run one after another)", path, d, st.start)
	case d > st.start:
		r.errorf(o.at("start"), "%s.start: %s leaves a gap of %s after the phase before, which ends at %s (phases run back to back)", path, d, d-st.start, st.start)
	}
}

// arrivalNodes are the nodes arrivalFits may need to point at.
type arrivalNodes struct {
	steps []ast.Node // each step's at
	spike ast.Node
}

func (r *reader) arrival(n ast.Node, path string, producers int) (Arrival, arrivalNodes) {
	var an arrivalNodes
	o, ok := r.object(n, path, "an arrival: pattern, rate, from, to, steps, spike, process", arrivalKeys...)
	if !ok {
		return Arrival{Pattern: Closed}, an
	}
	if o.lacks("pattern") {
		r.errorf(o.node, "%s: needs pattern (want %s)", path, strings.Join(patterns, ", "))
		return Arrival{Pattern: Closed}, an
	}
	a := Arrival{Pattern: r.enum(o, "pattern", "", patterns...)}
	uses := map[string][]string{Closed: nil, Constant: {"process", "rate"}, Ramp: {"process", "from", "to"},
		Steps: {"process", "steps"}, Spike: {"process", "rate", "spike"}}[a.Pattern]
	for _, k := range arrivalKeys[1:] {
		if o.has(k) && !slices.Contains(uses, k) && a.Pattern != "" {
			takes := "it takes " + strings.Join(uses, ", ")
			if a.Pattern == Closed {
				takes = "a closed loop has no rate: producers send as fast as consumers take"
			}
			r.errorf(o.keys[k], "%s.%s: does not apply to pattern: %s (%s)", path, k, a.Pattern, takes)
		}
	}
	if a.Pattern == "" || a.Pattern == Closed {
		a.Pattern = Closed
		return a, an
	}
	a.Process = r.enum(o, "process", "uniform", string(sim.Uniform), string(sim.Poisson))
	// Each producer sends at least a message an hour, as sim.Config asks.
	lo := float64(producers) / sim.MaxGap.Seconds()
	switch a.Pattern {
	case Constant:
		if o.lacks("rate") {
			r.errorf(o.node, "%s: pattern: constant needs rate (msgs/s over all producers)", path)
		}
		a.Rate, _ = r.rate(o, "rate", lo)
	case Ramp:
		if o.lacks("from") || o.lacks("to") {
			r.errorf(o.node, "%s: pattern: ramp needs from (the rate at the phase's start) and to (the rate at its end)", path)
		}
		a.From, _ = r.rate(o, "from", lo)
		a.To, _ = r.rate(o, "to", lo)
	case Steps:
		a.Steps, an.steps = r.steps(o, path, lo)
	case Spike:
		if o.lacks("rate") || o.lacks("spike") {
			r.errorf(o.node, "%s: pattern: spike needs rate (the base) and spike: {at, for, rate}", path)
		}
		a.Rate, _ = r.rate(o, "rate", lo)
		an.spike = o.at("spike")
		if o.has("spike") {
			r.spike(o, path, lo, &a)
		}
	}
	return a, an
}

func (r *reader) steps(o *object, path string, lo float64) ([]Step, []ast.Node) {
	items, ok := r.list(o, "steps", "a list of {at, rate}")
	if !ok {
		if o.lacks("steps") {
			r.errorf(o.node, "%s: pattern: steps needs steps (a list of {at: OFFSET, rate: MSGS/S}, the first at 0)", path)
		}
		return nil, nil
	}
	if len(items) == 0 {
		r.errorf(o.at("steps"), "%s.steps: empty (want at least one {at: 0, rate: MSGS/S})", path)
	}
	var out []Step
	var nodes []ast.Node
	for i, it := range items {
		if r.visit(it) {
			break
		}
		sp := fmt.Sprintf("%s.steps[%d]", path, i)
		so, ok := r.object(it, sp, "a step: {at, rate}", stepKeys...)
		if !ok {
			continue
		}
		if so.lacks("at") || so.lacks("rate") {
			r.errorf(it, "%s: needs at (since the phase's start) and rate", sp)
		}
		var st Step
		at, okAt := r.duration(so, "at")
		st.Rate, _ = r.rate(so, "rate", lo)
		switch {
		case !okAt:
		case i == 0 && at != 0:
			r.errorf(so.at("at"), "%s.at: %s: the first step starts the phase (want at: 0)", sp, at)
		case i > 0 && len(out) > 0 && at <= out[len(out)-1].At:
			r.errorf(so.at("at"), "%s.at: %s is not after the step before (%s); steps go forward in time", sp, at, out[len(out)-1].At)
		default:
			st.At = at
		}
		out, nodes = append(out, st), append(nodes, so.at("at"))
	}
	return out, nodes
}

func (r *reader) spike(o *object, path string, lo float64, a *Arrival) {
	sp := path + ".spike"
	so, ok := r.object(o.values["spike"], sp, "a spike: {at, for, rate}", spikeKeys...)
	if !ok {
		return
	}
	if so.lacks("at") || so.lacks("for") || so.lacks("rate") {
		r.errorf(so.node, "%s: needs at (since the phase's start), for (how long) and rate", sp)
	}
	a.SpikeAt, _ = r.duration(so, "at")
	if d, ok := r.duration(so, "for"); ok && d == 0 {
		r.errorf(so.at("for"), "%s.for: 0 (want how long the spike lasts, above 0)", sp)
	} else {
		a.SpikeFor = d
	}
	if v, ok := r.rate(so, "rate", lo); ok {
		a.SpikeRate = v
		if a.Rate > 0 && v <= a.Rate {
			r.errorf(so.at("rate"), "%s.rate: %s is not above the base rate %s (a spike rises; for a dip use steps)", sp, units.Rate(v), units.Rate(a.Rate))
		}
	}
}

// arrivalFits checks the arrival's times against the phase's length.
func (r *reader) arrivalFits(path string, p Phase, an arrivalNodes) {
	end := fmt.Sprintf("the phase lasts %s", p.Planned)
	if p.Messages > 0 {
		end = fmt.Sprintf("the phase's messages are all sent by %s", p.Planned.Round(time.Millisecond))
	}
	a := p.Arrival
	switch a.Pattern {
	case Steps:
		for i, s := range a.Steps {
			if i > 0 && s.At >= p.Planned && i < len(an.steps) {
				r.errorf(an.steps[i], "%s.steps[%d].at: %s is never reached: %s", path, i, s.At, end)
			}
		}
	case Spike:
		if a.SpikeFor > 0 && a.SpikeAt+a.SpikeFor > p.Planned {
			r.errorf(an.spike, "%s.spike: ends at %s, after the phase's end: %s", path, a.SpikeAt+a.SpikeFor, end)
		}
	}
}

func (r *reader) work(n ast.Node, path string) Work {
	o, ok := r.object(n, path, "work: mean, dist, kind", workKeys...)
	if !ok {
		return Work{}
	}
	if o.lacks("mean") {
		r.errorf(o.node, "%s: needs mean (a duration such as 200us; 0 for no work)", path)
	}
	w := Work{}
	w.Mean, _ = r.duration(o, "mean")
	w.Dist = r.enum(o, "dist", string(sim.FixedWork), string(sim.FixedWork), string(sim.ExpWork), string(sim.UniformWork))
	w.Kind = r.enum(o, "kind", string(sim.Spin), string(sim.Spin), string(sim.Sleep))
	if w.Mean == 0 {
		for _, k := range []string{"dist", "kind"} {
			if o.has(k) {
				r.errorf(o.keys[k], "%s.%s: does not apply without work (mean is 0)", path, k)
			}
		}
		return Work{}
	}
	return w
}

// consumerCounts reads a phase's consumer counts: one count for every
// queue, or a list of {queue, count} applied in order.
func (r *reader) consumerCounts(po *object, path, phase string, s *Scenario, st *timeline) []ConsumerCount {
	cp := path + ".consumers"
	hi := max(int64(sim.MaxConsumers/s.Queues), 1)
	var out []ConsumerCount
	if _, isList := r.resolve(po.values["consumers"]).(*ast.SequenceNode); !isList {
		if n, ok := r.count(po, "consumers", 1, hi); ok {
			out = append(out, ConsumerCount{Queue: -1, Count: int(n)})
		}
	} else {
		items, _ := r.list(po, "consumers", "")
		seen := map[int]int{}
		for i, it := range items {
			if r.visit(it) {
				break
			}
			ip := fmt.Sprintf("%s[%d]", cp, i)
			o, ok := r.object(it, ip, "{queue: INDEX or all, count: N}", countKeys...)
			if !ok {
				continue
			}
			if o.lacks("queue") || o.lacks("count") {
				var missing []string
				for _, k := range countKeys {
					if o.lacks(k) {
						missing = append(missing, k)
					}
				}
				r.errorf(it, "%s: needs %s (a count is {queue: INDEX or all, count: N})", ip, strings.Join(missing, " and "))
				continue
			}
			q, okQ := r.queue(o, "queue", s.Queues, true)
			n, okN := r.count(o, "count", 1, hi)
			if !okQ || !okN {
				continue
			}
			if j, dup := seen[q]; dup {
				r.errorf(o.at("queue"), "%s.queue: %s is set by %s[%d] already", ip, queueName(q), cp, j)
				continue
			}
			seen[q] = i
			out = append(out, ConsumerCount{Queue: q, Count: int(n)})
		}
	}
	for _, cc := range out {
		for q := range st.counts {
			if cc.Queue == -1 || cc.Queue == q {
				st.counts[q], st.countFrom[q] = cc.Count, fmt.Sprintf("phase %q", phase)
				// A count brings the queue to that many consumers up,
				// replacing crashed ones.
				for k := range st.crashed {
					if k[0] == q {
						delete(st.crashed, k)
					}
				}
			}
		}
	}
	return out
}

func queueName(q int) string {
	if q == -1 {
		return "all"
	}
	return fmt.Sprintf("queue %d", q)
}

// queue reads a queue index (or all, when allowed: -1).
func (r *reader) queue(o *object, key string, queues int, all bool) (int, bool) {
	s, ok := r.str(o, key, "a queue index")
	if !ok {
		return 0, false
	}
	if all && strings.EqualFold(strings.TrimSpace(s), "all") {
		return -1, true
	}
	v, err := units.ParseCount(strings.TrimSpace(s))
	if err != nil || v >= int64(queues) {
		want := fmt.Sprintf("0..%d", queues-1)
		if queues == 1 {
			want = "0, the only queue"
		}
		if all {
			want += ", or all"
		}
		r.errorf(o.at(key), "%s: %s is not a queue of this scenario (want %s)", o.sub(key), s, want)
		return 0, false
	}
	return int(v), true
}
