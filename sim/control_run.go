package sim

import (
	"math"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
)

// The engine's side of a Control: the loops a steered run uses instead of
// the ordinary ones, and the accounting of phases and crashes.
//
// A message belongs to the phase its producer sent it in. Each producer
// marks, when it first sends in a new phase, where that phase begins in
// its slots; consumers find a message's phase from its slot, so sent,
// delivered, lost, duplicated and latency of a phase all count the same
// messages, whenever they arrive.

// phaseStart is where a phase begins in one producer's slots: the offset
// (from the producer's base) of its first slot in each queue.
type phaseStart struct {
	phase int32
	from  []int64 // per queue; fan-out and key dispatch: the message index, the same for all
}

// phaseBook is the run's per-phase accounting.
type phaseBook struct {
	starts []atomic.Pointer[[]phaseStart] // per producer, copied on write
	mu     sync.Mutex
	acc    []phaseAcc // by phase, merged from consumers
	depth  []int64    // by phase: the largest depth sampled, over all queues
}

// phaseAcc is what consumers delivered of one phase's messages.
type phaseAcc struct {
	delivered, dups int64
	first, last     int64 // receive times, ns since base; first -1 if none
	h               *hdrhistogram.Histogram
}

func newPhaseBook(producers int) *phaseBook {
	return &phaseBook{starts: make([]atomic.Pointer[[]phaseStart], producers)}
}

// phaseOf returns the phase of a message of producer k with slot offset
// off in queue q: the last phase that began at or before it.
func (b *phaseBook) phaseOf(k int32, q int, off int64) int32 {
	ss := b.starts[k].Load()
	if ss == nil {
		return 0
	}
	for i := len(*ss) - 1; i >= 0; i-- {
		if s := &(*ss)[i]; s.from[q] <= off {
			return s.phase
		}
	}
	return 0
}

// mark records that producer k's next slots begin phase ph. Written before
// the producer sends the phase's first message, so a consumer that
// receives it sees the mark.
func (b *phaseBook) mark(k int32, ph int32, from []int64) {
	old := b.starts[k].Load()
	var next []phaseStart
	if old != nil {
		next = slices.Clone(*old)
	}
	next = append(next, phaseStart{phase: ph, from: slices.Clone(from)})
	b.starts[k].Store(&next)
}

// consumerPhases is a consumer's share of the phases, merged into the book
// when the phase of its messages changes and at the end.
type consumerPhases struct {
	b     *phaseBook
	cur   int32
	acc   phaseAcc
	local *hdrhistogram.Histogram
}

func (b *phaseBook) newConsumer() *consumerPhases {
	return &consumerPhases{b: b, cur: -1, acc: phaseAcc{first: -1}}
}

func (cp *consumerPhases) record(ph int32, now, lat, dups int64, timed bool) {
	if ph != cp.cur {
		cp.flush()
		cp.cur = ph
		if cp.local == nil {
			cp.local = newIntervalHistogram()
		}
	}
	a := &cp.acc
	a.delivered++
	a.dups += dups
	if a.first < 0 {
		a.first = now
	}
	a.last = now
	if timed {
		_ = cp.local.RecordValue(lat)
	}
}

func (cp *consumerPhases) flush() {
	if cp.cur < 0 || cp.acc.delivered == 0 {
		return
	}
	b := cp.b
	b.mu.Lock()
	for int32(len(b.acc)) <= cp.cur {
		b.acc = append(b.acc, phaseAcc{first: -1})
	}
	a := &b.acc[cp.cur]
	a.delivered += cp.acc.delivered
	a.dups += cp.acc.dups
	if a.first < 0 || cp.acc.first < a.first {
		a.first = cp.acc.first
	}
	a.last = max(a.last, cp.acc.last)
	if a.h == nil {
		a.h = newIntervalHistogram()
	}
	a.h.Merge(cp.local)
	b.mu.Unlock()
	cp.local.Reset()
	cp.acc = phaseAcc{first: -1}
}

// sampleDepth notes the deepest queue of a sample under the current phase.
func (b *phaseBook) sampleDepth(ph int32, d int64) {
	for int32(len(b.depth)) <= ph {
		b.depth = append(b.depth, 0)
	}
	b.depth[ph] = max(b.depth[ph], d)
}

// Crash is a consumer the Control crashed, and the message it held.
type Crash struct {
	Queue, Consumer int
	At              time.Duration // since the first send
	Producer        int
	Seq             int64  // the producer's sequence number of the message lost
	By              string // who ordered it: CrashedByScenario, or what CrashBy was given
}

// CrashedByScenario is Crash.By for a crash a scenario ordered.
const CrashedByScenario = "the scenario"

// consumeControlled is the consume loop of a steered run: between two
// messages it looks at its slot's state, parks while removed or paused,
// and dies holding a message when crashed. When the producers are done,
// parked consumers join the drain, so no queue is left with messages and
// no one to take them.
func (r *run) consumeControlled(c *consumer, rec *recorder, s *consumerCtl, index int) {
	var t tally
	r.initTally(&t, c)
	w := r.newControlledWorker(index)
	ivl := r.series.newConsumer()
	cp := r.phases.newConsumer()
	q := r.queues[c.queue]
	var now int64
	draining := false
	defer func() {
		ivl.flush()
		cp.flush()
		r.finish(c, &t, now)
	}()
	for {
		st := s.state.Load()
		if (st == stPaused || st == stRemoved) && !draining {
			select {
			case <-s.wake:
			case <-r.draining:
				draining = true
			case <-r.halted: // a signal or the scenario's end: producers may wait on this queue
				draining = true
			}
			continue
		}
		var m message
		var ok bool
		select {
		case m, ok = <-q:
		case <-s.wake:
			continue
		case <-r.draining:
			draining = true
			m, ok = <-q
		}
		if !ok {
			return
		}
		now = r.now()
		if s.state.CompareAndSwap(stCrashing, stCrashed) {
			r.crashed(c, &m, now, s.by.Load()) // never accounted: lost, and named
			r.afterCrash(c, q)
			return
		}
		lat := t.latency(now-m.sent, 1)
		dups := t.dups
		r.deliverSlow(c, rec, &t, ivl, &m, now, lat)
		t.flushBits() // this message's duplicate, if it is one, counts now
		// Every delivery counts in its phase, so phases add up to the run;
		// latency only after the warm-up, as for the run.
		off := m.slot - int64(m.producer)*r.perQueue
		cp.record(r.phases.phaseOf(m.producer, int(c.queue), off), now, lat, t.dups-dups, now >= int64(r.cfg.Warmup))
		if r.cfg.Sizes != nil {
			c.bytes += r.cfg.Sizes.size(r.cfg.Seed, m.producer, m.slot)
		}
		c.progress.Store(t.n)
		if !r.intr.Load() {
			if sh := r.ctl.shape.Load(); sh != nil {
				w.dist, w.kind = sh.dist, sh.kind
			}
			if d := w.drawScaled(r.ctl.work.Load(), s.factor()); d > 0 {
				s.busy.Store(true)
				w.do(d, r.now, r.interrupted)
				c.busy += r.now() - now
				s.busy.Store(false)
			}
		}
	}
}

// newControlledWorker always returns a worker: work can be set while the
// run goes, even if it started with none.
func (r *run) newControlledWorker(index int) *worker {
	cfg := r.cfg
	if cfg.Work <= 0 {
		cfg.Work = 1 // the mean comes from the Control per message
	}
	return newWorker(&cfg, index)
}

// drawScaled draws a service time for mean ns, times factor.
func (w *worker) drawScaled(mean int64, factor float64) time.Duration {
	if mean <= 0 {
		return 0
	}
	w.mean = float64(mean)
	return time.Duration(float64(w.draw()) * factor)
}

// afterCrash keeps a crashed consumer's goroutine until the producers
// stop. Then, if its queue has no consumer left that could take what is
// queued (every one crashed), it takes it for nobody, so no producer waits
// on the queue forever: those messages count as lost.
func (r *run) afterCrash(c *consumer, q chan message) {
	select {
	case <-r.halted:
	case <-r.draining:
	}
	if r.ctl.anyLive(int(c.queue)) {
		return
	}
	for range q {
	}
}

func (r *run) crashed(c *consumer, m *message, now int64, by *string) {
	who := CrashedByScenario
	if by != nil {
		who = *by
	}
	r.crashMu.Lock()
	r.crashes = append(r.crashes, Crash{Queue: int(c.queue), Consumer: int(c.id), At: time.Duration(now),
		Producer: int(m.producer), Seq: r.seq(int(c.queue), m), By: who})
	r.crashSlots = append(r.crashSlots, [2]int64{int64(c.queue), m.slot})
	r.crashMu.Unlock()
}

// produceControlled is the produce loop of a steered run: every message
// reads the target rate (0: closed loop) and the producers' pause, and
// marks where a new phase begins.
func (r *run) produceControlled(k int) {
	st := r.newProducerState(k)
	st.sched = nil
	p := st.p
	ctl := r.ctl
	n := r.cfg.Messages
	phase := int32(-1)
	from := make([]int64, r.cfg.Queues)
	var rate float64
	var arrival Arrival
	var i int64
	for ; i < n && r.halt.Load() == 0; i++ {
		if ctl.paused.Load() {
			ctl.mu.Lock()
			resume := ctl.resume
			ctl.mu.Unlock()
			select {
			case <-resume:
			case <-r.halted:
			}
			st.sched = nil // no catching up on what the pause skipped
			i--
			continue
		}
		if ok, wait := ctl.reserve(); !ok {
			if wait != nil {
				select {
				case <-wait:
				case <-r.halted:
				}
				st.sched = nil // a phase of messages ended: the next starts its schedule afresh
			}
			i--
			continue
		}
		if ph := ctl.phase.Load(); ph != phase {
			phase = ph
			for q := range from {
				from[q] = i
				if r.cfg.Dispatch == RoundRobin {
					from[q] = p.sent[q]
				}
			}
			r.phases.mark(st.k, ph, from)
		}
		m := message{producer: st.k}
		if want := ctl.Rate(); want <= 0 {
			st.sched = nil
			m.sent = r.now()
		} else {
			a := r.cfg.Arrival
			if p := ctl.arrival.Load(); p != nil {
				a = *p
			}
			if st.sched == nil || want != rate || a != arrival {
				st.sched = r.retune(st.sched, want, k, a)
				rate, arrival = want, a
			}
			m.sent = st.sched.Next()
			if !r.pace(&st, m.sent) {
				ctl.made.Add(-1) // reserved, never made
				break
			}
			p.due.Store(dueMark(m.sent, i))
		}
		q := r.route(&st, &m, i)
		if p.first < 0 {
			p.first = m.sent
		}
		if q < 0 {
			for _, ch := range r.queues {
				ch <- m
			}
		} else {
			r.queues[q] <- m
		}
		ctl.sent.Add(1)
		r.publish(p, i+1)
	}
	r.producerDone(p, i)
}

// retune returns producer k's schedule at a new rate: the next message is
// due one new spacing after the last one was (now, if it had none), so a
// ramp changes pace smoothly and a producer behind schedule stays behind.
func (r *run) retune(s *schedule, rate float64, k int, a Arrival) *schedule {
	ns := newSchedule(rate, r.cfg.Producers, k, a, r.cfg.Seed^math.Float64bits(rate))
	now := float64(r.now())
	if s == nil {
		ns.next += now
		return ns
	}
	// A producer behind schedule stays behind: its late messages go out
	// back to back and count as latency, at any rate.
	ns.next = max(s.next-s.spacing+ns.spacing, 0)
	return ns
}
