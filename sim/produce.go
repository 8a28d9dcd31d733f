package sim

import (
	"math/rand/v2"
	"runtime"
	"time"
)

// producerState is what a producer goroutine needs on its hot path.
type producerState struct {
	p     *producer
	k     int32
	rnd   *rand.Rand // Key dispatch only
	keys  uint64
	rr    int       // next round-robin queue
	sched *schedule // open loop only
	late  int64     // running estimate of how late nanosleep wakes, ns
}

func (r *run) newProducerState(k int) producerState {
	st := producerState{p: &r.producers[k], k: int32(k), keys: uint64(r.cfg.Keys), rr: k % r.cfg.Queues, late: int64(sleepSlack)}
	if r.cfg.Dispatch == Key {
		st.rnd = rand.New(rand.NewPCG(r.cfg.Seed, uint64(k)))
	}
	if r.cfg.Rate > 0 {
		st.sched = newSchedule(r.cfg.Rate, r.cfg.Producers, k, r.cfg.Arrival, r.cfg.Seed)
	}
	return st
}

// route picks the queue for message i and fills in its slot (its bit in
// that queue's seen set). Round-robin advances one queue per unit of
// Config.Batch messages.
func (r *run) route(st *producerState, m *message, i int64) int {
	base := int64(st.k) * r.perQueue
	switch r.cfg.Dispatch {
	case RoundRobin:
		q := st.rr
		m.slot = base + st.p.sent[q]
		st.p.sent[q]++
		if st.p.sent[q]%int64(r.cfg.Batch) == 0 {
			if st.rr++; st.rr == r.cfg.Queues {
				st.rr = 0
			}
		}
		return q
	case Key:
		m.key = uint32(st.rnd.Uint64N(st.keys))
		q := KeyQueue(m.key, r.cfg.Queues)
		m.slot = base + i
		st.p.sent[q]++
		return q
	}
	m.slot = base + i
	return -1 // every queue
}

// How early a producer stops each kind of waiting. Measured on the
// project's Linux VM: Go timers (time.Sleep) wake up to 1.1 ms late,
// nanosleep 0.1–0.15 ms late. Lateness counts as latency in open loop, so a
// producer sleeps on a timer while far from its send time, then in
// nanosleep (cut short by how late it has been waking), and yields for the rest: accurate to microseconds, and
// at 1k msgs/s it spends a fifth of a core rather than all of it.
const (
	timerSlack = 1500 * time.Microsecond
	sleepSlack = 150 * time.Microsecond // first guess at nanosleep's lateness
	minSpin    = 20 * time.Microsecond  // never nanosleep for less
)

// pace waits until the intended time t (ns since base) and reports whether
// it got there: false means the producers were halted while it waited, and
// the message must not be sent. A producer behind schedule does not wait:
// it sends the late messages back to back, and their lateness is measured
// as latency.
func (r *run) pace(st *producerState, t int64) bool {
	now := r.now()
	for wait := t - now; wait > 0; wait = t - now {
		if r.halt.Load() != 0 {
			return false
		}
		switch {
		case wait > int64(timerSlack+sleepSlack):
			// The long gaps of a slow rate: a timer that a halt (signal
			// or --duration) cuts short.
			if !r.sleep(time.Duration(wait) - timerSlack) {
				return false
			}
		case wait > st.late+int64(minSpin):
			// Let goroutines this send readied (a consumer) run first:
			// nanosleep holds the P, and the runtime may not take it
			// back for milliseconds. Then sleep short of the send time by
			// how late nanosleep has been waking (a clipped running
			// average), so the yielding below stays brief.
			runtime.Gosched()
			if wait = t - r.now(); wait > st.late+int64(minSpin) {
				want := wait - st.late
				t0 := r.now()
				preciseSleep(time.Duration(want))
				over := min(max(r.now()-t0-want, 0), int64(maxLate))
				st.late += (over - st.late) / 16
			}
		default:
			runtime.Gosched() // the last 150 µs: yield, and look again
		}
		now = r.now()
	}
	if lag := now - t; lag > st.p.maxLag {
		st.p.maxLag = lag
	}
	return true
}

// stamp returns the send time of the next message: the schedule's intended
// time in open loop (after waiting for it), the clock otherwise. ok is
// false when the producers were halted during the wait.
func (r *run) stamp(st *producerState, i int64) (t int64, ok bool) {
	if st.sched == nil {
		return r.now(), true
	}
	t = st.sched.Next()
	if ok = r.pace(st, t); ok {
		st.p.due.Store(dueMark(t, i))
	}
	return t, ok
}

// dueMark packs an open-loop message's intended time t (ns since base) and
// its index i, for the depth sampler: the time in microseconds above, the
// low 16 bits of i+1 below, so one store per paced message says both when
// the message in hand arrived and which one it is (see run.backlog).
func dueMark(t, i int64) uint64 {
	return uint64(t/1000+1)<<16 | uint64(i+1)&0xffff
}

// next makes message i: stamped (paced in open loop), routed, and noted as
// the producer's first send if it is. q < 0 means every queue. It is
// stamped before it is routed, so a message a halt stopped in its wait is
// not counted as sent to any queue (it would be reported lost).
func (r *run) next(st *producerState, i int64) (m message, q int, ok bool) {
	m = message{producer: st.k}
	if m.sent, ok = r.stamp(st, i); !ok {
		return m, 0, false
	}
	q = r.route(st, &m, i)
	if st.p.first < 0 {
		st.p.first = m.sent
	}
	return m, q, true
}

// produce sends Messages messages one channel operation each. The halt flag
// is checked between messages, so a fan-out message always reaches every
// queue. Closed-loop fan-out, the default, has its own loop with nothing to
// route or pace.
func (r *run) produce(k int) {
	st := r.newProducerState(k)
	p := st.p
	n := r.cfg.Messages
	p.first = r.now()
	var i int64
	if r.cfg.Dispatch == Fanout && st.sched == nil {
		base := int64(k) * r.perQueue
		for ; i < n && r.halt.Load() == 0; i++ {
			m := message{slot: base + i, producer: st.k, sent: r.now()}
			for _, ch := range r.queues {
				ch <- m
			}
			if uint64(i)&r.pubMask == 0 {
				r.publish(p, i+1)
			}
		}
	} else {
		if st.sched != nil {
			p.first = -1
		}
		for ; i < n && r.halt.Load() == 0; i++ {
			m, q, ok := r.next(&st, i)
			if !ok {
				break
			}
			if q < 0 {
				for _, ch := range r.queues {
					ch <- m
				}
			} else {
				r.queues[q] <- m
			}
			if uint64(i)&r.pubMask == 0 {
				r.publish(p, i+1)
			}
		}
	}
	r.producerDone(p, i)
}

// produceBatches fills a batch per destination and hands it over when it
// holds Config.Batch messages, stamping it with one clock read. In open
// loop every message carries its own intended time.
func (r *run) produceBatches(k int) {
	st := r.newProducerState(k)
	p := st.p
	n := r.cfg.Messages
	size := r.cfg.Batch
	pending := make([]*batch, len(r.batches)) // fan-out uses pending[0] for all queues
	p.first = r.now()
	var i int64
	if r.cfg.Dispatch == Fanout && st.sched == nil {
		base := int64(k) * r.perQueue
		for ; i < n && r.halt.Load() == 0; i++ {
			b := pending[0]
			if b == nil {
				b = r.pool.Get().(*batch)
				pending[0] = b
			}
			b.msgs = append(b.msgs, message{slot: base + i, producer: st.k})
			if len(b.msgs) == size {
				r.sendBatch(b, -1)
				pending[0] = nil
				r.publish(p, i+1)
			}
		}
	}
	if st.sched != nil {
		p.first = -1
	}
	for ; i < n && r.halt.Load() == 0; i++ {
		m := message{producer: st.k}
		if st.sched != nil {
			var ok bool
			if m.sent, ok = r.stamp(&st, i); !ok {
				break
			}
			if p.first < 0 {
				p.first = m.sent
			}
		}
		q := r.route(&st, &m, i)
		slot := max(q, 0)
		b := pending[slot]
		if b == nil {
			b = r.pool.Get().(*batch)
			pending[slot] = b
		}
		b.msgs = append(b.msgs, m)
		if len(b.msgs) == size {
			r.sendBatch(b, q)
			pending[slot] = nil
			r.publish(p, i+1)
		}
	}
	for q, b := range pending {
		if b != nil {
			if r.cfg.Dispatch == Fanout {
				q = -1
			}
			r.sendBatch(b, q)
		}
	}
	r.producerDone(p, i)
}

// publish makes a producer's count of messages sent visible (to the depth
// sampler and progress), and lets the runtime monitor sample about every
// thousand messages: with a batch, or every 1,024th call.
func (r *run) publish(p *producer, n int64) {
	p.published.Store(n)
	if r.mon != nil && (r.batches != nil || (n-1)&(progressEvery-1) == 0) {
		r.mon.maybeSample()
	}
}

// sendBatch hands b to queue q, or to every queue when q < 0.
func (r *run) sendBatch(b *batch, q int) {
	b.sent = r.now()
	if q >= 0 {
		b.refs.Store(1)
		r.batches[q] <- b
		return
	}
	b.refs.Store(int32(len(r.batches)))
	for _, ch := range r.batches {
		ch <- b
	}
}

// producerDone records a producer's totals after it sent n messages; in
// fan-out every one of them went to every queue.
func (r *run) producerDone(p *producer, n int64) {
	p.lastSend = r.now()
	p.published.Store(n)
	p.produced = n
	if r.cfg.Dispatch == Fanout {
		for q := range p.sent {
			p.sent[q] = n
		}
	}
}
