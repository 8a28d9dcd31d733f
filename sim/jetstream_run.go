package sim

import (
	"context"
	"os"
	"runtime/debug"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// runJetStream is Run over JetStream. It shares the NATS transport's
// connections and loss watcher and the engine's accounting: the same seen
// sets, tallies, recorders and collect.
func runJetStream(r *run, mon *runtimeMonitor) error {
	if os.Getenv("GOGC") == "" {
		defer debug.SetGCPercent(debug.SetGCPercent(natsGCPercent))
	}
	t, err := newJSTransport(r.cfg, r.interrupted)
	if err != nil {
		return err
	}
	defer t.close()
	if err := t.setup(); err != nil {
		return err
	}
	r.pubMask = 0 // every publish counted: a fault's recovery needs what was sent before it
	r.jsRedelivered = make([]int64, r.cfg.Queues)
	defer r.start()()
	defer r.watchNATS(t.natsTransport)()
	subs, err := r.subscribeJS(t)
	if err != nil {
		return err
	}
	mon.sampleGoroutines()
	fs := make([]faultSub, len(subs))
	for i, sb := range subs {
		fs[i] = sb
	}
	f := r.newFaultRunner(fs, t.restart)
	r.publishJS(t, f)
	r.halt.CompareAndSwap(running, haltDone)
	r.awaitJS(t, subs, r.expectedNATS())
	f.stop()
	r.closeJSSubs(subs)
	r.slowConsumers = t.slow.Load()
	return nil
}

// jsSub is one JetStream consumer: a pull subscription on its queue's
// durable consumer, and its tally, written under mu by the client's
// goroutine for it.
type jsSub struct {
	natsSub
	q       int
	r       *run
	cons    jetstream.Consumer
	cc      jetstream.ConsumeContext
	handler jetstream.MessageHandler
	// mu is held by the handler for each message; stopped, set under it,
	// ends handling: the client may still be inside a handler when a
	// consumer stops, so this is what makes the tally safe to read. (Core
	// NATS waits for its subscription's closed handler instead.)
	mu      sync.Mutex
	stopped bool
	// Under mu: a crash the fault runner asked for (the index of its
	// report, or -1), whether it happened and the consumer is down, and
	// the deliveries marked redelivered.
	crashNext   int
	crashed     bool
	crashFault  int
	redelivered int64
}

// subscribeJS starts every consumer's pull subscription, on one connection.
func (r *run) subscribeJS(t *jsTransport) ([]*jsSub, error) {
	nc, err := t.connect("consumers")
	if err != nil {
		return nil, err
	}
	js, err := jetstream.New(nc)
	if err != nil {
		return nil, err
	}
	subs := make([]*jsSub, len(r.consumers))
	baseWall := r.base.UnixNano()
	atMostOnce, ackNone, exactly := r.cfg.Delivery == AtMostOnce, r.cfg.AckPolicy == "none", r.cfg.Delivery == ExactlyOnce
	for i := range r.consumers {
		c := &r.consumers[i]
		q := int(c.queue)
		sb := &jsSub{natsSub: natsSub{c: c, nc: nc, first: -1, ivl: r.series.newConsumer()}, q: q, r: r, crashNext: -1, crashFault: -1}
		r.initTally(&sb.t, c)
		if sb.cons, err = js.Consumer(context.Background(), t.stream, t.cons[q].CachedInfo().Name); err != nil {
			return nil, err
		}
		w := newWorker(&r.cfg, i)
		sb.handler = func(msg jetstream.Msg) {
			sb.mu.Lock()
			defer sb.mu.Unlock()
			if sb.stopped {
				return
			}
			if sb.crashed {
				r.faults.abandoned(sb.crashFault, q, msg.Data()) // its client had it: delivered again, never seen here
				return
			}
			again := false
			if md, err := msg.Metadata(); err == nil && md.NumDelivered > 1 {
				again = true
			}
			crash := sb.crashNext >= 0
			if atMostOnce && !ackNone {
				_ = msg.Ack() // before the work: a crash from here on loses it
			}
			if crash && atMostOnce {
				m, ok := decode(msg.Data())
				sb.crash(r, m, ok, false)
				return
			}
			m, ok, now := r.receive(&sb.natsSub, msg.Data(), baseWall)
			if !ok {
				_ = msg.Ack()
				return
			}
			if again {
				sb.redelivered++
				r.faults.redelivered(q, m.slot)
			}
			if crash {
				sb.crash(r, m, true, true) // received, not acknowledged
				return
			}
			r.work(c, w, now)
			switch {
			case atMostOnce:
			case exactly:
				ctx, cancel := context.WithTimeout(context.Background(), r.cfg.AckWait)
				_ = msg.DoubleAck(ctx) // the server confirms it: no redelivery for a lost ack
				cancel()
			default:
				_ = msg.Ack()
			}
		}
		if err := sb.consume(r); err != nil {
			return nil, err
		}
		subs[i] = sb
	}
	return subs, nil
}

// crash is sb's crash, under sb.mu, holding m (see faultRunner.crashed).
func (sb *jsSub) crash(r *run, m message, ok, recorded bool) {
	i := sb.crashNext
	sb.crashNext, sb.crashed, sb.crashFault = -1, true, i
	r.faults.crashed(i, sb.q, m, ok, recorded)
	r.faults.down(sb)
}

func (sb *jsSub) askCrash(i int) {
	sb.mu.Lock()
	sb.crashNext = i
	sb.mu.Unlock()
}

func (sb *jsSub) askRejoin(int) {} // JetStream has no groups to rebalance: refused before the run

func (sb *jsSub) arrivedNow() int64 { return sb.arrived.Load() }

// comeBack brings a crashed consumer back: its old subscription gone, and
// with it what its client had fetched, it pulls again.
func (sb *jsSub) comeBack() error {
	sb.stopConsume()
	sb.mu.Lock()
	sb.crashed = false
	sb.mu.Unlock()
	return sb.consume(sb.r)
}

// consume starts (or, after a crash, restarts) sb's pull subscription.
// What its client may buffer is bounded: jsPullMessages messages, and a
// share of --nats-pending in bytes.
func (sb *jsSub) consume(r *run) error {
	bytes := int(max(r.natsPending()/int64(len(r.consumers)), 64<<10))
	cc, err := sb.cons.Consume(sb.handler, jetstream.PullMaxMessagesWithBytesLimit(jsPullMessages, bytes),
		jetstream.ConsumeErrHandler(func(jetstream.ConsumeContext, error) {}))
	if err != nil {
		return err
	}
	sb.cc = cc
	return nil
}

// stopConsume stops sb's subscription and waits until its handler is
// called no more, or a moment passes.
func (sb *jsSub) stopConsume() {
	cc := sb.cc
	if cc == nil {
		return
	}
	cc.Stop()
	select {
	case <-cc.Closed():
	case <-time.After(2 * time.Second):
	}
}

// awaitJS waits until every message sent arrived and the broker holds
// nothing more for the consumers (redeliveries included); or the broker
// holds nothing and nothing arrived for a moment (what is missing was
// lost); or nothing arrived for the drain timeout plus the ack wait (a
// redelivery comes only after it); or the server was lost.
func (r *run) awaitJS(t *jsTransport, subs []*jsSub, expected int64) {
	tk := time.NewTicker(5 * time.Millisecond)
	defer tk.Stop()
	idle, intr := r.cfg.DrainTimeout+r.cfg.AckWait, r.interrupted
	last, lastChange := int64(-1), time.Now()
	var asked time.Time
	for {
		var got int64
		for _, sb := range subs {
			got += sb.arrived.Load()
		}
		if got != last {
			last, lastChange = got, time.Now()
		}
		if time.Since(lastChange) > idle {
			return
		}
		if time.Since(asked) >= 50*time.Millisecond && (got >= expected || time.Since(lastChange) > 100*time.Millisecond) {
			asked = time.Now()
			if n, ok := t.pending(); ok && n == 0 && !r.faults.crashPending() {
				return
			}
		}
		select {
		case <-tk.C:
		case <-t.lost:
			return
		case <-intr:
			idle, intr = min(idle, interruptGrace), nil
		}
	}
}

// closeJSSubs stops the subscriptions and makes their tallies the run's.
func (r *run) closeJSSubs(subs []*jsSub) {
	for _, sb := range subs {
		sb.stopConsume()
	}
	for _, sb := range subs {
		sb.mu.Lock()
		sb.stopped = true
		sb.ivl.flush()
		r.jsRedelivered[sb.q] += sb.redelivered
		sb.mu.Unlock()
	}
	for _, sb := range subs {
		r.finish(sb.c, &sb.t, sb.now)
	}
}

// receive accounts for one delivery of data to sb's consumer: latency,
// the exactly-once bit, order, trace and progress. Undecodable data is a
// delivery of nothing that was sent (a duplicate), reported with ok false.
// The caller holds sb.mu, or is sb's only goroutine.
func (r *run) receive(sb *natsSub, data []byte, baseWall int64) (m message, ok bool, now int64) {
	c := sb.c
	m, ok = decode(data)
	now = r.now()
	if sb.first < 0 {
		sb.first = now
		sb.got.Store(true)
	}
	if !ok {
		sb.t.n++
		sb.t.dups++
		sb.garbled++
		sb.arrived.Store(sb.t.n - sb.t.dups + sb.garbled)
		c.progress.Store(sb.t.n)
		return m, false, now
	}
	m.sent -= baseWall
	lat := sb.t.latency(now-m.sent, 1)
	if now < int64(r.cfg.Warmup) {
		c.warm++
	} else {
		c.rec.record(lat)
		sb.ivl.record(now, lat)
	}
	sb.t.add(&m)
	sb.t.flushBits()
	r.trace(c, &m, lat)
	sb.now = now
	sb.arrived.Store(sb.t.n - sb.t.dups + sb.garbled)
	c.progress.Store(sb.t.n)
	return m, true, now
}
