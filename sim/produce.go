package sim

import "math/rand/v2"

// producerState is what a producer goroutine needs on its hot path.
type producerState struct {
	p    *producer
	k    int32
	rnd  *rand.Rand // Key dispatch only
	keys uint64
	rr   int // next round-robin queue
}

func (r *run) newProducerState(k int) producerState {
	st := producerState{p: &r.producers[k], k: int32(k), keys: uint64(r.cfg.Keys), rr: k % r.cfg.Queues}
	if r.cfg.Dispatch == Key {
		st.rnd = rand.New(rand.NewPCG(r.cfg.Seed, uint64(k)))
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

// produce sends Messages messages one channel operation each. The stop flag
// is checked between messages, so a fan-out message always reaches every
// queue. Fan-out, the default, has its own loop with nothing to route.
func (r *run) produce(k int) {
	st := r.newProducerState(k)
	p := st.p
	n := r.cfg.Messages
	p.first = r.now()
	var i int64
	if r.cfg.Dispatch == Fanout {
		base := int64(k) * r.perQueue
		for ; i < n && !r.stop.Load(); i++ {
			m := message{slot: base + i, producer: st.k, sent: r.now()}
			for _, ch := range r.queues {
				ch <- m
			}
		}
		for q := range p.sent {
			p.sent[q] = i
		}
	} else {
		for ; i < n && !r.stop.Load(); i++ {
			m := message{producer: st.k}
			q := r.route(&st, &m, i)
			m.sent = r.now()
			r.queues[q] <- m
		}
	}
	p.produced = i
}

// produceBatches fills a batch per destination and hands it over when it
// holds Config.Batch messages, stamping it with one clock read.
func (r *run) produceBatches(k int) {
	st := r.newProducerState(k)
	p := st.p
	n := r.cfg.Messages
	size := r.cfg.Batch
	pending := make([]*batch, len(r.batches)) // fan-out uses pending[0] for all queues
	p.first = r.now()
	var i int64
	if r.cfg.Dispatch == Fanout {
		base := int64(k) * r.perQueue
		for ; i < n && !r.stop.Load(); i++ {
			b := pending[0]
			if b == nil {
				b = r.pool.Get().(*batch)
				pending[0] = b
			}
			b.msgs = append(b.msgs, message{slot: base + i, producer: st.k})
			if len(b.msgs) == size {
				r.sendBatch(b, -1)
				pending[0] = nil
			}
		}
	}
	for ; i < n && !r.stop.Load(); i++ {
		m := message{producer: st.k}
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
	p.produced = i
	if r.cfg.Dispatch == Fanout {
		for q := range p.sent {
			p.sent[q] = i
		}
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
