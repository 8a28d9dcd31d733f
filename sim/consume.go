package sim

import (
	"math"
	"math/bits"
	"time"
)

// tally is a consumer's running account, kept in locals of its goroutine.
type tally struct {
	seen     *seenSet
	size     uint64
	chunk    []uint64 // the seen set's chunk for slots chunkAt<<chunkShift…
	chunkAt  int64
	word     int64   // slot>>6 of the bits gathered in mask
	mask     uint64  // bits of word received but not yet written to the set
	prev     int64   // the current run's last slot (noRun: none); see add
	runProd  int32   // the current run's producer
	lastSlot []int64 // per producer, when order is checked
	n, dups  int64
	reord    int64
	clamped  int64
}

// initTally sets up t in place. Not inlined, so that a consumer's first
// frame holds one tally rather than a tally and a copy of it.
//
//go:noinline
func (r *run) initTally(t *tally, c *consumer) {
	*t = tally{seen: r.seen[c.queue], chunkAt: -1, word: -1, prev: noRun}
	t.size = t.seen.n
	if r.orderChecked() {
		t.lastSlot = make([]int64, r.cfg.Producers)
		for i := range t.lastSlot {
			t.lastSlot[i] = -1
		}
	}
}

// add accounts for one delivery: exactly-once bit and order.
func (t *tally) add(m *message) {
	if !t.addFast(m) {
		t.addSlow(m)
	}
}

// addFast accounts for m when it continues the current run (the same
// 64-slot word as the previous message, from the same producer, a later
// slot: in order by construction) and reports whether it did. It is small
// enough to be inlined, so the consumer loops call it directly and fall
// back to addSlow.
func (t *tally) addFast(m *message) bool {
	if m.slot>>6 != t.word || m.slot <= t.prev || m.producer != t.runProd {
		return false
	}
	t.n++
	t.prev = m.slot
	bit := uint64(1) << (m.slot & 63)
	t.dups += int64((t.mask & bit) >> (m.slot & 63)) // a second copy within the word
	t.mask |= bit
	return true
}

// noRun makes add's fast path fail: no message is later than it.
const noRun = math.MaxInt64

// addSlow accounts for m, ending the current run and starting one at m.
func (t *tally) addSlow(m *message) {
	t.n++
	if t.lastSlot != nil && t.prev != noRun {
		t.lastSlot[t.runProd] = t.prev // the run's messages were in order
	}
	t.prev = noRun
	if uint64(m.slot) >= t.size {
		t.dups++ // a message that was never sent
		return
	}
	// Consecutive slots usually share a 64-bit word: gather them and write
	// the word once, so competing consumers do one atomic OR per run of
	// messages instead of one per message.
	if w := m.slot >> 6; w != t.word {
		t.flushBits()
		t.word = w
	}
	bit := uint64(1) << (m.slot & 63)
	t.dups += int64((t.mask & bit) >> (m.slot & 63))
	t.mask |= bit
	if t.lastSlot != nil && !t.order(m) {
		return // out of order: the next message starts afresh
	}
	if uint64(t.word+1)<<6 <= t.size { // a word that ends past the last slot stays on this path
		t.prev, t.runProd = m.slot, m.producer
	}
}

// order counts m as out of order when its producer already delivered a
// later message here: slots grow with sequence within a producer and a queue.
func (t *tally) order(m *message) (inOrder bool) {
	if p := m.producer; int(p) < len(t.lastSlot) {
		if m.slot <= t.lastSlot[p] {
			t.reord++
			return false
		}
		t.lastSlot[p] = m.slot
		return true
	}
	return false
}

// flushBits writes the gathered bits to the seen set; any that were
// already there are duplicates.
func (t *tally) flushBits() {
	if t.mask == 0 {
		return
	}
	slot := t.word << 6
	if at := slot >> chunkShift; at != t.chunkAt {
		t.chunk, t.chunkAt = t.seen.chunk(slot), at
	}
	t.dups += int64(bits.OnesCount64(markBits(t.chunk, slot, t.mask, t.seen.shared)))
	t.mask = 0
}

// latency clamps a send → receive interval of n messages into the
// histogram's range, counting the samples it had to clamp.
func (t *tally) latency(v, n int64) int64 {
	if v < 0 {
		return 0 // cannot happen on a monotonic clock; never record garbage
	}
	if v > histHighest {
		t.clamped += n
		return histHighest
	}
	return v
}

func (r *run) finish(c *consumer, t *tally, last int64) {
	t.flushBits()
	c.progress.Store(t.n)
	c.delivered, c.duplicated, c.reordered, c.clamped, c.last = t.n, t.dups, t.reord, t.clamped, last
}

func (r *run) trace(c *consumer, m *message, lat int64) {
	if r.cfg.Trace != nil && r.cfg.TraceN > 0 && r.traceLeft.Load() > 0 && r.traceLeft.Add(-1) >= 0 {
		r.cfg.Trace(Delivery{Queue: int(c.queue), Consumer: int(c.id), Producer: int(m.producer),
			Seq: r.seq(int(c.queue), m), Key: m.key, Latency: time.Duration(lat)})
	}
}

// consume receives single messages until its queue is closed and drained.
// The loops are the engine's hottest code, so each case has its own and
// none tests per message what is fixed for the run: tracing, warm-up, work
// and interval series take the slow loop; otherwise a consumer's own
// histogram (up to OwnHistogramsUpTo consumers) or a shared one decides
// between the other two.
func (r *run) consume(c *consumer, rec *recorder) {
	var t tally
	r.initTally(&t, c)
	var now int64
	switch {
	case (r.cfg.Trace != nil && r.cfg.TraceN > 0) || r.cfg.Warmup > 0 || r.cfg.Work > 0 || r.series != nil:
		now = r.consumeSlow(c, rec, &t)
	case rec.own != nil:
		now = r.consumeOwn(c, rec.own, &t)
	default:
		now = r.consumeShared(c, rec, &t)
	}
	r.finish(c, &t, now)
}

// consumeOwn is consume's loop for a consumer with its own histogram. It
// gathers latencies in the histogram's pending buffer and files them
// pendingLen at a time (see hdrCounts.pending).
func (r *run) consumeOwn(c *consumer, own *hdrCounts, t *tally) (now int64) {
	base, mask := r.base, r.pubMask
	pend, np := own.pending, 0
	for m := range r.queues[c.queue] {
		now = int64(time.Since(base))
		lat := now - m.sent
		if uint64(lat) > uint64(histHighest) {
			lat = t.latency(lat, 1)
		}
		pend[np&(pendingLen-1)] = lat // the mask spares a bounds check: np < pendingLen
		if np++; np == pendingLen {
			own.recordAll(pend[:])
			np = 0
		}
		if !t.addFast(&m) {
			t.addSlow(&m)
		}
		if uint64(t.n)&mask == 0 {
			c.progress.Store(t.n)
		}
	}
	own.recordAll(pend[:np])
	return now
}

// consumeShared is consume's loop for a consumer writing a shared histogram
// through its recorder's small buffer.
func (r *run) consumeShared(c *consumer, rec *recorder, t *tally) (now int64) {
	base, mask := r.base, r.pubMask
	for m := range r.queues[c.queue] {
		now = int64(time.Since(base))
		lat := now - m.sent
		if uint64(lat) > uint64(histHighest) {
			lat = t.latency(lat, 1)
		}
		rec.recordShared(lat)
		if !t.addFast(&m) {
			t.addSlow(&m)
		}
		if uint64(t.n)&mask == 0 {
			c.progress.Store(t.n)
		}
	}
	return now // the caller flushes rec
}

// consumeSlow is consume's loop with everything optional switched on.
func (r *run) consumeSlow(c *consumer, rec *recorder, t *tally) (now int64) {
	w := newWorker(&r.cfg, int(c.queue)*r.cfg.Consumers+int(c.id))
	ivl := r.series.newConsumer()
	for m := range r.queues[c.queue] {
		now = r.now()
		lat := t.latency(now-m.sent, 1)
		r.deliverSlow(c, rec, t, ivl, &m, now, lat)
		if uint64(t.n)&r.pubMask == 0 {
			c.progress.Store(t.n) // before the work: depth counts waiting messages only
		}
		r.work(c, w, now)
	}
	ivl.flush()
	return now
}

// deliverSlow is one delivery with everything optional switched on.
func (r *run) deliverSlow(c *consumer, rec *recorder, t *tally, ivl *intervalRecorder, m *message, now, lat int64) {
	if now < int64(r.cfg.Warmup) {
		c.warm++ // checked for exactly-once, kept out of latency and throughput
	} else {
		rec.record(lat)
		ivl.record(now, lat)
	}
	t.add(m)
	r.trace(c, m, lat)
}

// work performs one message's service time, after the consumer has
// published that it took the message (so depth counts only waiting ones).
func (r *run) work(c *consumer, w *worker, start int64) {
	if w != nil && !r.intr.Load() { // interrupted: drain without the work
		w.do(w.draw(), r.now, r.interrupted)
		c.busy += r.now() - start
	}
}

// consumeBatches receives batches: one clock read per batch, then every
// message is accounted for and its latency recorded (from its own intended
// time in open loop, from the batch's send time otherwise).
func (r *run) consumeBatches(c *consumer, rec *recorder) {
	var t tally
	r.initTally(&t, c)
	slow := (r.cfg.Trace != nil && r.cfg.TraceN > 0) || r.cfg.Warmup > 0 || r.cfg.Work > 0 || r.series != nil || r.cfg.Rate > 0
	w := newWorker(&r.cfg, int(c.queue)*r.cfg.Consumers+int(c.id))
	ivl := r.series.newConsumer()
	var now int64
	for b := range r.batches[c.queue] {
		now = r.now()
		before := t.n
		if slow {
			for i := range b.msgs {
				m := &b.msgs[i]
				sent := b.sent
				if r.cfg.Rate > 0 {
					sent = m.sent
				}
				r.deliverSlow(c, rec, &t, ivl, m, now, t.latency(now-sent, 1))
				if w != nil {
					c.progress.Store(t.n)
					r.work(c, w, now)
					now = r.now() // the next message waited for this one's work
				}
			}
		} else {
			lat := t.latency(now-b.sent, int64(len(b.msgs)))
			for i := range b.msgs {
				if m := &b.msgs[i]; !t.addFast(m) {
					t.addSlow(m)
				}
			}
			rec.recordN(lat, t.n-before)
		}
		if t.n/progressEvery != before/progressEvery || r.pubMask == 0 {
			c.progress.Store(t.n)
		}
		if b.refs.Add(-1) == 0 {
			b.msgs = b.msgs[:0]
			r.pool.Put(b)
		}
	}
	ivl.flush()
	r.finish(c, &t, now)
}
