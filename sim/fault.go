package sim

import (
	"fmt"

	"github.com/nats-io/nats.go"
)

// A faulty transport, for tests and the msgsimfault build only: it proves
// that the exactly-once and order checks see what a broken broker would do.
// Faults act where a broker would, between the producer and the queue,
// never at the consumer: the consumers run their ordinary loops, so the
// checker under test is the one every run uses. A run without a hook never
// reaches this file (execute and publishNATS pick the ordinary producers).

// faultAction is what the transport does to one message on one queue. The
// zero value delivers it normally; several fields combine.
type faultAction struct {
	Drop bool // the message is never delivered (its copies still are)
	// Dup extra copies are sent, each after DupAfter further messages from
	// the same producer to the queue (0: right behind the message). With
	// competing consumers a late copy can reach another consumer, and past
	// 64 messages its bit lies in another word of the seen set.
	Dup, DupAfter int
	// Delay holds the message until Delay later messages from the same
	// producer to the queue were sent: it arrives out of order.
	Delay int
	// Corrupt garbles the message: over NATS its bytes do not decode; over
	// channels its slot lies past the queue's seen set. Either way it is an
	// extra delivery of nothing that was sent, and its original is lost.
	Corrupt bool
}

// faultHook says what happens to producer's message seq on queue q. Over
// NATS in fan-out one publish reaches every queue, so the hook is asked for
// queue 0 only and its answer applies to all queues.
type faultHook func(q, producer int, seq int64) faultAction

// injector applies a hook to one producer's sends. Per queue it numbers the
// messages offered and holds delayed messages and late copies, in the order
// they fall due. Messages still held when the producer ends are sent then:
// only Drop and Corrupt lose a message.
type injector struct {
	hook    faultHook
	k       int
	offered []int64  // per queue
	held    [][]held // per queue, by due position, in insertion order among equals
	send    func(q int, m message, garbled bool) error
}

type held struct {
	due     int64 // sent after the queue's message number due
	m       message
	garbled bool
}

func newInjector(hook faultHook, k, queues int, send func(q int, m message, garbled bool) error) *injector {
	return &injector{hook: hook, k: k, offered: make([]int64, queues), held: make([][]held, queues), send: send}
}

// offer hands message seq to queue q through the faulty transport.
func (in *injector) offer(q int, m message, seq int64) error {
	f := in.hook(q, in.k, seq)
	pos := in.offered[q]
	in.offered[q]++
	if !f.Drop {
		if f.Delay > 0 {
			in.hold(q, held{pos + int64(f.Delay), m, f.Corrupt})
		} else if err := in.send(q, m, f.Corrupt); err != nil {
			return err
		}
	}
	for range f.Dup {
		in.hold(q, held{pos + int64(f.DupAfter), m, false})
	}
	// What fell due at pos goes after message pos itself, earliest held first.
	h := in.held[q]
	n := 0
	for ; n < len(h) && h[n].due <= pos; n++ {
		if err := in.send(q, h[n].m, h[n].garbled); err != nil {
			return err
		}
	}
	in.held[q] = h[n:]
	return nil
}

// hold inserts e after every held message due no later than it.
func (in *injector) hold(q int, e held) {
	h := in.held[q]
	i := len(h)
	for i > 0 && h[i-1].due > e.due {
		i--
	}
	h = append(h, held{})
	copy(h[i+1:], h[i:])
	h[i] = e
	in.held[q] = h
}

// flush sends every message still held, in the order they would have
// fallen due.
func (in *injector) flush() error {
	for q, h := range in.held {
		for _, e := range h {
			if err := in.send(q, e.m, e.garbled); err != nil {
				return err
			}
		}
		in.held[q] = nil
	}
	return nil
}

// garble gives m a slot past queue q's seen set: a message that was never
// sent, as a corrupted one would be.
func (r *run) garble(q int, m message) message {
	m.slot = int64(r.seen[q].n)
	return m
}

// produceFaulty is produce and produceBatches through the fault hook. It
// takes the general path for every message (route, stamp, pace), and in
// fan-out sends each queue its own copy (or batch) so each can be faulted
// on its own.
func (r *run) produceFaulty(k int) {
	st := r.newProducerState(k)
	p := st.p
	p.first = -1 // next sets it at the first send
	var pending []*batch
	send := func(q int, m message, garbled bool) error {
		if garbled {
			m = r.garble(q, m)
		}
		if r.batches == nil {
			r.queues[q] <- m
			return nil
		}
		b := pending[q]
		if b == nil {
			b = r.pool.Get().(*batch)
			pending[q] = b
		}
		if b.msgs = append(b.msgs, m); len(b.msgs) == r.cfg.Batch {
			r.sendBatch(b, q)
			pending[q] = nil
		}
		return nil
	}
	if r.batches != nil {
		pending = make([]*batch, len(r.batches))
	}
	in := newInjector(r.fault, k, r.cfg.Queues, send)
	n := r.cfg.Messages
	var i int64
	for ; i < n && r.halt.Load() == 0; i++ {
		m, q, ok := r.next(&st, i)
		if !ok {
			break
		}
		if q >= 0 {
			_ = in.offer(q, m, i) // channel sends do not fail
		} else {
			for q := range r.cfg.Queues {
				_ = in.offer(q, m, i)
			}
		}
		if uint64(i)&r.pubMask == 0 {
			r.publish(p, i+1)
		}
	}
	_ = in.flush()
	for q, b := range pending {
		if b != nil {
			r.sendBatch(b, q)
		}
	}
	r.producerDone(p, i)
}

// produceNATSFaulty is produceNATS through the fault hook. A garbled
// message is published too short to decode.
func (r *run) produceNATSFaulty(k int, nc *nats.Conn, t *natsTransport) error {
	st := r.newProducerState(k)
	p := st.p
	buf := make([]byte, header+r.cfg.Size)
	baseWall := r.base.UnixNano()
	p.first = -1
	send := func(q int, m message, garbled bool) error {
		if garbled {
			return nc.Publish(t.subject(q), buf[:header-1])
		}
		m.sent += baseWall // wall clock on the wire, as produceNATS sends it
		encode(buf, m)
		return nc.Publish(t.subject(q), buf)
	}
	subjects := r.cfg.Queues
	if r.cfg.Dispatch == Fanout {
		subjects = 1 // one publish reaches every queue
	}
	in := newInjector(r.fault, k, subjects, send)
	var i int64
	var err error
	for ; i < r.cfg.Messages && r.halt.Load() == 0; i++ {
		m, q, ok := r.next(&st, i)
		if !ok {
			break
		}
		if err = in.offer(max(q, 0), m, i); err != nil {
			break
		}
	}
	if err == nil {
		err = in.flush()
	}
	if err == nil {
		err = nc.Flush()
	}
	r.producerDone(p, i)
	if err != nil {
		return fmt.Errorf("%w: publish: %v", ErrTransport, err)
	}
	return nil
}
