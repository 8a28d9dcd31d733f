package sim

import (
	"errors"
	"fmt"
	"math"
	"sync"
	"sync/atomic"
	"time"
)

// Control steers a running simulation: the target rate, how many consumers
// each queue has, consumers paused, slowed or crashed, the producers paused,
// and phase boundaries. Scenario files drive it on a timeline; a live view
// drives it from keys. Set Config.Control to use one; its methods are safe
// from any goroutine while Run runs, and before it (they set the start).
//
// A controlled run keeps Config.Consumers goroutines per queue: the most the
// queue may have. Control.Active says how many of them take messages at the
// start; SetConsumers moves that number while messages flow. A consumer
// that is removed or paused stops between two messages, so nothing is lost
// or taken twice; one that crashes dies holding the next message it takes,
// which is lost, and the result names it (Result.Crashes).
//
// Only the chan transport with Batch 1 can be steered; Config.Validate
// refuses the rest. Runs without a Control use the engine's ordinary loops,
// which test nothing per message for it.
type Control struct {
	// Active is the number of consumers per queue taking messages at the
	// start; 0 means all of Config.Consumers.
	Active int

	mu       sync.Mutex
	r        *run // while Run runs
	rate     atomic.Uint64
	work     atomic.Int64 // ns; -1: Config.Work
	shape    atomic.Pointer[workShape]
	arrival  atomic.Pointer[Arrival]
	paused   atomic.Bool // the producers
	resume   chan struct{}
	phase    atomic.Int32
	phases   []phaseMark
	slots    []consumerCtl // queue-major, Config.Consumers per queue
	perQueue int
	// started is closed when Run starts steering, done when it stops.
	started, done chan struct{}
	first         func(*Control)
	// made counts the messages producers made; limit, when above 0, is
	// the count at which they wait (a phase of so many messages) until
	// SetLimit is called again, which closes limitMoved.
	made       atomic.Int64
	sent       atomic.Int64 // of them, handed to their queues
	limit      atomic.Int64
	limitMoved chan struct{}
}

// phaseMark is a phase boundary: its name and when it began (ns since the
// run's base; the first phase begins at the first send).
type phaseMark struct {
	name string
	at   int64
}

// Consumer states, as ConsumerState reports them.
const (
	Idle    = "idle"    // active, waiting for a message
	Busy    = "busy"    // active, working on a message
	Paused  = "paused"  // stopped by Pause until Resume
	Removed = "removed" // not among the queue's active consumers
	Crashed = "crashed" // dead; the message it held is lost
)

const (
	stActive int32 = iota
	stPaused
	stRemoved
	stCrashing // dies holding its next message
	stCrashed
)

// consumerCtl is one consumer slot's steering: its state, a wake-up for a
// consumer parked or waiting, and how much its work is slowed.
type consumerCtl struct {
	state atomic.Int32
	busy  atomic.Bool
	slow  atomic.Uint64          // float64 bits; 0 means 1
	by    atomic.Pointer[string] // who ordered the crash under way (CrashBy)
	wake  chan struct{}          // 1-buffered: a state change to look at
}

// NewControl returns a Control whose run starts with active consumers per
// queue (0: all of them) and the config's rate and work.
func NewControl(active int) *Control {
	c := &Control{Active: active, resume: make(chan struct{}), started: make(chan struct{}), done: make(chan struct{}),
		limitMoved: make(chan struct{})}
	c.rate.Store(math.Float64bits(-1))
	c.work.Store(-1)
	return c
}

// ErrNotRunning is returned by changes that need a running simulation.
var ErrNotRunning = errors.New("the simulation is not running")

// attach binds c to r as Run starts; it sets up one slot per consumer
// goroutine and applies what was asked before.
func (c *Control) attach(r *run) {
	c.mu.Lock()
	c.r = r
	c.perQueue = r.cfg.Consumers
	c.slots = make([]consumerCtl, len(r.consumers))
	active := c.Active
	if active <= 0 || active > c.perQueue {
		active = c.perQueue
	}
	for i := range c.slots {
		c.slots[i].wake = make(chan struct{}, 1)
		if i%c.perQueue >= active {
			c.slots[i].state.Store(stRemoved)
		}
	}
	if math.Float64frombits(c.rate.Load()) < 0 {
		c.rate.Store(math.Float64bits(r.cfg.Rate))
	}
	if c.work.Load() < 0 {
		c.work.Store(int64(r.cfg.Work))
	}
	if len(c.phases) == 0 {
		c.phases = []phaseMark{{name: "", at: -1}}
	}
	first := c.first
	c.mu.Unlock()
	if first != nil {
		first(c) // before any goroutine of the run starts: the first phase from the first message
	}
	close(c.started)
}

// OnStart sets f to be called as the run starts, before its producers and
// consumers do: what the first phase sets (its consumer counts among it)
// then holds from the first message. Call it before Run.
func (c *Control) OnStart(f func(*Control)) {
	c.mu.Lock()
	c.first = f
	c.mu.Unlock()
}

// detach unbinds c when Run returns; later changes return ErrNotRunning.
func (c *Control) detach() {
	c.mu.Lock()
	c.r = nil
	c.mu.Unlock()
	close(c.done)
}

// Started is closed when the run starts taking changes; Done when it
// ends. A Control steers one run.
func (c *Control) Started() <-chan struct{} { return c.started }

// steered reports whether c has steered a run (or is steering one): a
// Control steers one run.
func (c *Control) steered() bool {
	select {
	case <-c.started:
		return true
	default:
		return false
	}
}

// Done is closed when the run the Control steered has ended.
func (c *Control) Done() <-chan struct{} { return c.done }

// SetRate sets the total target arrival rate in msgs/s over all
// producers; 0 is a closed loop. It takes effect at the next message.
func (c *Control) SetRate(rate float64) error {
	if rate < 0 || math.IsNaN(rate) || math.IsInf(rate, 0) {
		return fmt.Errorf("rate %v: want 0 (closed loop) or a positive rate", rate)
	}
	c.rate.Store(math.Float64bits(rate))
	return nil
}

// Rate returns the target rate (0: closed loop).
func (c *Control) Rate() float64 { return max(math.Float64frombits(c.rate.Load()), 0) }

// SetWork sets the mean work per message of every consumer, drawn from the
// config's distribution and spent its way (WorkKind).
func (c *Control) SetWork(d time.Duration) error {
	if d < 0 || d > MaxDuration {
		return fmt.Errorf("work %s: want 0..%s", d, MaxDuration)
	}
	c.work.Store(int64(d))
	return nil
}

// workShape is how work is drawn and spent.
type workShape struct {
	dist WorkDist
	kind WorkKind
}

// SetWorkShape sets how every consumer's work is drawn (fixed, exp,
// uniform) and spent (spin, sleep) from the next message on.
func (c *Control) SetWorkShape(dist WorkDist, kind WorkKind) error {
	if _, err := ParseWorkDist(string(dist)); err != nil {
		return err
	}
	if _, err := ParseWorkKind(string(kind)); err != nil {
		return err
	}
	c.shape.Store(&workShape{dist: dist, kind: kind})
	return nil
}

// SetArrival sets how open-loop messages are spaced: Uniform or Poisson.
func (c *Control) SetArrival(a Arrival) error {
	if _, err := ParseArrival(string(a)); err != nil {
		return err
	}
	c.arrival.Store(&a)
	return nil
}

// Work returns the mean work per message.
func (c *Control) Work() time.Duration { return time.Duration(max(c.work.Load(), 0)) }

// PauseProducers stops the producers between two messages until
// ResumeProducers; a paused open-loop producer does not catch up later:
// its schedule restarts from the moment it resumes.
func (c *Control) PauseProducers() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.paused.CompareAndSwap(false, true) {
		c.resume = make(chan struct{})
	}
}

// ResumeProducers undoes PauseProducers.
func (c *Control) ResumeProducers() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.paused.CompareAndSwap(true, false) {
		close(c.resume)
	}
}

// Sent returns how many messages the producers have handed to their
// queues so far (each counted once, whatever the dispatch).
func (c *Control) Sent() int64 { return c.sent.Load() }

// Made returns how many messages the producers have begun: sent, or
// waiting for their time in an open loop. SetLimit counts these.
func (c *Control) Made() int64 { return c.made.Load() }

// SetLimit makes the producers wait once they have made n messages in all
// (0: no limit), exactly: a phase of n messages ends there, and the next
// phase's SetLimit lets them go on.
func (c *Control) SetLimit(n int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.limit.Store(max(n, 0))
	close(c.limitMoved)
	c.limitMoved = make(chan struct{})
}

// reserve takes the next message's place under the limit, or returns a
// channel to wait on until the limit moves.
func (c *Control) reserve() (ok bool, wait <-chan struct{}) {
	n := c.made.Add(1)
	if l := c.limit.Load(); l > 0 && n > l {
		c.made.Add(-1)
		c.mu.Lock()
		defer c.mu.Unlock()
		if l2 := c.limit.Load(); l2 > 0 && c.made.Load() >= l2 {
			return false, c.limitMoved
		}
		return false, nil // the limit moved meanwhile: try again
	}
	return true, nil
}

// End stops the producers, as the end of a scenario's last phase: the
// consumers drain what was sent, and the result says the scenario ended it.
func (c *Control) End() {
	c.mu.Lock()
	r := c.r
	c.mu.Unlock()
	if r != nil {
		r.stop(haltScenario)
	}
}

// ProducersPaused reports whether PauseProducers is in force.
func (c *Control) ProducersPaused() bool { return c.paused.Load() }

// StartPhase ends the current phase and starts one called name now; the
// result has a PhaseResult for each. Phases are counted from the first
// send: one started before it begins there.
func (c *Control) StartPhase(name string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.phases) >= maxPhases {
		return fmt.Errorf("phase %q: at most %d phases", name, maxPhases)
	}
	at := int64(-1)
	if c.r != nil {
		at = c.r.now()
	}
	if len(c.phases) == 0 {
		c.phases = []phaseMark{{name: "", at: -1}}
	}
	if len(c.phases) == 1 && c.phases[0].name == "" && (c.r == nil || !c.startedNow()) {
		c.phases[0].name = name // before the first message: the first phase is this one
		return nil
	}
	c.phases = append(c.phases, phaseMark{name: name, at: at})
	c.phase.Store(int32(len(c.phases) - 1))
	return nil
}

// startedNow reports whether the run has started taking changes (its
// goroutines run); called with mu held.
func (c *Control) startedNow() bool {
	select {
	case <-c.started:
		return true
	default:
		return false
	}
}

// maxPhases bounds the per-phase accounting a run keeps.
const maxPhases = 1024

// SetConsumers makes n of queue q's consumers take messages (the lowest
// numbered ones that have not crashed), removing or adding the others
// while messages flow. n may not exceed Config.Consumers.
func (c *Control) SetConsumers(q, n int) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, err := c.slot(q, 0); err != nil {
		return err
	}
	if n < 0 || n > c.perQueue {
		return fmt.Errorf("queue q%d: %d consumers is out of range (want 0..%d, the run's consumers per queue)", q, n, c.perQueue)
	}
	slots := c.slots[q*c.perQueue : (q+1)*c.perQueue]
	active := 0
	for i := range slots {
		switch s := &slots[i]; {
		case s.state.Load() >= stCrashing:
		case active < n:
			s.change(stActive, stRemoved)
			active++
		default:
			s.change(stRemoved, stActive)
		}
	}
	return nil
}

// Consumers returns how many of queue q's consumers are active (not
// removed, paused or crashed).
func (c *Control) Consumers(q int) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, err := c.slot(q, 0); err != nil {
		return 0
	}
	n := 0
	for i := q * c.perQueue; i < (q+1)*c.perQueue; i++ {
		if c.slots[i].state.Load() == stActive {
			n++
		}
	}
	return n
}
