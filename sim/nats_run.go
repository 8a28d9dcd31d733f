package sim

import (
	"errors"
	"fmt"
	"os"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
)

// Roles split a NATS run over processes or machines: producers here,
// consumers there, sharing --run-id and --seed (see nats_split.go).
const (
	RoleAll      = "all"
	RoleProducer = "producer"
	RoleConsumer = "consumer"
)

// runNATS is Run over NATS. It shares the channel engine's accounting:
// the same seen sets, tallies, recorders and collect. The transport's
// watcher turns a lost server into a transport error that halts the run,
// so every state ends: connecting, waiting, publishing and draining.
func runNATS(r *run, mon *runtimeMonitor) error {
	// The client allocates a message for every delivery, so a small heap
	// collects dozens of times a second, pausing the publisher with it.
	// A run's heap is small and short-lived: collect a quarter as often.
	if os.Getenv("GOGC") == "" {
		defer debug.SetGCPercent(debug.SetGCPercent(natsGCPercent))
	}
	t, err := newNATSTransport(r.cfg, r.interrupted)
	if err != nil {
		return err
	}
	defer t.close()
	defer r.start()()
	defer r.watchNATS(t)()
	switch r.cfg.Role {
	case RoleProducer:
		err = r.runNATSProducer(t, mon)
	case RoleConsumer:
		err = r.runNATSConsumer(t, mon)
	default:
		err = r.runNATSAll(t, mon)
	}
	r.slowConsumers = t.slow.Load()
	return err
}

// watchNATS times t's failovers on the run's clock and turns a lost server
// into a transport error that halts the run, until the returned stop is
// called: so every state ends (connecting, waiting, publishing, draining).
func (r *run) watchNATS(t *natsTransport) (stop func()) {
	if t.failovers != nil {
		t.failovers.mu.Lock()
		t.failovers.now = func() time.Duration { return time.Duration(r.now()) }
		t.failovers.mu.Unlock()
	}
	quit := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		intr := r.interrupted
		for {
			select {
			case <-t.lost:
				r.failTransport(t.lostErr)
				return
			case <-intr:
				// A connection waiting for a server will not drain anything:
				// end its wait so the report comes now.
				t.abandonReconnects()
				intr = nil
			case <-quit:
				return
			}
		}
	})
	return func() {
		close(quit)
		wg.Wait()
		if t.failovers != nil {
			r.failovers = t.failovers.stop()
		}
	}
}

// natsPending is the client's buffer bound over all subscriptions.
func (r *run) natsPending() int64 {
	if r.cfg.NATSPending > 0 {
		return r.cfg.NATSPending
	}
	return DefaultNATSPending
}

// natsGCPercent is GOGC during a NATS run (see runNATS).
const natsGCPercent = 400

// failTransport records why the broker ended the run (the first reason
// wins) and halts the producers.
func (r *run) failTransport(why string) {
	r.terrOnce.Do(func() { r.transportErr = why })
	r.stop(haltTransport)
}

// runNATSAll runs producers and consumers in this process.
func (r *run) runNATSAll(t *natsTransport, mon *runtimeMonitor) error {
	subs, err := r.subscribeNATS(t)
	if err != nil {
		return err
	}
	mon.sampleGoroutines()
	r.publishNATS(t)
	r.halt.CompareAndSwap(running, haltDone)
	r.awaitArrivals(t, subs, r.expectedNATS(), false)
	r.closeSubs(t, subs, true)
	return nil
}

// closeSubs stops the subscriptions and their connections (all of them,
// with everything true), then makes the tallies the run's: the handlers
// have returned, so they are read safely.
func (r *run) closeSubs(t *natsTransport, subs []*natsSub, everything bool) {
	for _, sb := range subs {
		if n, err := sb.s.Dropped(); err == nil { // read before it closes
			r.clientDropped += int64(n)
		}
		_ = sb.s.Unsubscribe()
	}
	if everything {
		t.close()
	} else {
		for _, sb := range subs {
			t.closeConn(sb.nc)
		}
	}
	for _, sb := range subs {
		<-sb.exited // its handler has returned for the last time
		sb.ivl.flush()
	}
	r.firstRecv = -1
	for _, sb := range subs {
		r.finish(sb.c, &sb.t, sb.now)
		if sb.first >= 0 && (r.firstRecv < 0 || sb.first < r.firstRecv) {
			r.firstRecv = sb.first
		}
	}
}

// natsSub is one consumer: its subscription and its tally, written only by
// the client's goroutine for that subscription.
type natsSub struct {
	c     *consumer
	nc    *nats.Conn // its queue's connection
	t     tally
	s     *nats.Subscription
	now   int64
	first int64 // ns since base of the first message; -1 before it
	got   atomic.Bool
	// arrived counts the sent messages that arrived here, readable or not:
	// deliveries less duplicates of readable ones. The drain waits for it,
	// not for deliveries, so copies cannot end the wait before the last
	// original arrived (and count it lost).
	arrived atomic.Int64
	garbled int64 // undecodable deliveries
	// exited is closed when the subscription's delivery goroutine has
	// returned, after its last handler. Unsubscribe does not wait for a
	// running handler, nor does closing the connection, so this is what
	// makes the tally safe to read, without a lock taken per message.
	exited chan struct{}
	ivl    *intervalRecorder // the series' share, written by the handler
}

func (r *run) subscribeNATS(t *natsTransport) ([]*natsSub, error) {
	subs := make([]*natsSub, len(r.consumers))
	baseWall := r.base.UnixNano()
	// A connection per queue carries that queue's consumers in this
	// process. One per process (what NATS advises for an application) puts
	// every delivery of every queue through one socket and one reading
	// goroutine, which then bounds the run: in fan-out it parses q copies
	// of each message alone. A connection per consumer would reach
	// thousands with -c in the hundreds. Each subscription still has its
	// own goroutine and pending limit, so a slow consumer holds up no
	// other.
	conns := make(map[int]*nats.Conn)
	var nc *nats.Conn
	var err error
	for i := range r.consumers {
		c := &r.consumers[i]
		q := int(c.queue)
		if nc = conns[q]; nc == nil {
			if nc, err = t.connect(fmt.Sprintf("queue %d consumers", q)); err != nil {
				return nil, err
			}
			conns[q] = nc
		}
		sb := &natsSub{c: c, nc: nc, first: -1, exited: make(chan struct{}), ivl: r.series.newConsumer()}
		r.initTally(&sb.t, c)
		w := newWorker(&r.cfg, i)
		handler := func(msg *nats.Msg) {
			m, ok := decode(msg.Data)
			now := r.now()
			if sb.first < 0 {
				sb.first = now
				sb.got.Store(true)
			}
			if !ok {
				// Not a msgsim message: a delivery of nothing that was sent,
				// so a duplicate; Delivered counts it too, or Lost would
				// count its original twice.
				sb.t.n++
				sb.t.dups++
				sb.garbled++ // most likely a sent message, spoilt: it arrived
				sb.arrived.Store(sb.t.n - sb.t.dups + sb.garbled)
				c.progress.Store(sb.t.n)
				return
			}
			m.sent -= baseWall // wall clock on the wire, so other machines can send
			lat := sb.t.latency(now-m.sent, 1)
			if now < int64(r.cfg.Warmup) {
				c.warm++
			} else {
				c.rec.record(lat)
				sb.ivl.record(now, lat)
			}
			sb.t.add(&m)
			sb.t.flushBits() // every duplicate found now, for arrived
			r.trace(c, &m, lat)
			sb.now = now
			sb.arrived.Store(sb.t.n - sb.t.dups + sb.garbled)
			c.progress.Store(sb.t.n)
			r.work(c, w, now)
		}
		// A queue of one consumer, in a run of one process, needs no queue
		// group: a plain subscription gets the same messages and spares
		// the server choosing a member for every one.
		var s *nats.Subscription
		if r.cfg.Consumers == 1 && r.cfg.Role != RoleConsumer {
			s, err = nc.Subscribe(t.subject(q), handler)
		} else {
			s, err = nc.QueueSubscribe(t.subject(q), t.group(q), handler)
		}
		if err != nil {
			return nil, fmt.Errorf("%w: subscribe: %v", ErrTransport, err)
		}
		// The client calls this once, when the delivery goroutine ends:
		// after an unsubscribe or the connection's close. Neither can have
		// happened yet: a connection closed before the flush below makes
		// it fail, and these subscriptions are then never waited for.
		s.SetClosedHandler(func(string) { close(sb.exited) })
		// Bounded: what the client drops when a slow consumer's buffer is
		// full counts as lost, and the report says the client dropped it.
		_ = s.SetPendingLimits(-1, int(max(r.natsPending()/int64(len(r.consumers)), 64<<10)))
		sb.s = s
		subs[i] = sb
	}
	// One round trip each: the server has every subscription when they
	// have answered.
	for _, nc := range conns {
		if err := nc.Flush(); err != nil {
			return nil, fmt.Errorf("%w: %v", ErrTransport, err)
		}
	}
	return subs, nil
}

// publishNATS runs every producer on its own connection and records the
// first publish error, if any, as the run's transport error.
func (r *run) publishNATS(t *natsTransport) {
	var pwg sync.WaitGroup
	produce := r.produceNATS
	if r.fault != nil {
		produce = r.produceNATSFaulty // tests only
	}
	for k := range r.producers {
		nc, err := t.connect(fmt.Sprintf("producer %d", k))
		if err != nil {
			r.failTransport(err.Error())
			continue
		}
		pwg.Add(1)
		go func(k int, nc *nats.Conn) {
			defer pwg.Done()
			// A connection msgsim closed itself (an interrupt while it
			// waited for a server) failed nothing: the failover log says
			// it never came back.
			if err := produce(k, nc, t); err != nil && !t.isQuiet(nc) {
				r.failTransport(err.Error())
			}
		}(k, nc)
	}
	pwg.Wait()
}

// produceNATS publishes producer k's messages.
func (r *run) produceNATS(k int, nc *nats.Conn, t *natsTransport) error {
	st := r.newProducerState(k)
	p := st.p
	n := r.cfg.Messages
	buf := make([]byte, header+r.cfg.Size)
	baseWall := r.base.UnixNano()
	p.first = -1
	var i int64
	var err error
	for ; i < n && r.halt.Load() == 0; i++ {
		m, q, ok := r.next(&st, i)
		if !ok {
			break
		}
		wire := m
		wire.sent += baseWall
		encode(buf, wire)
		if err = nc.Publish(t.subject(max(q, 0)), buf); err != nil {
			break
		}
		if uint64(i)&r.pubMask == 0 {
			r.publish(p, i+1)
		}
	}
	if err == nil {
		err = flushThroughFailover(nc)
	}
	r.producerDone(p, i)
	if err != nil {
		return fmt.Errorf("%w: publish: %v", ErrTransport, err)
	}
	return nil
}

// flushThroughFailover flushes nc. A failover during the flush makes the
// client cancel it with ErrConnectionClosed although the connection is
// reconnecting, and will resend what it buffered: flush again, until the
// connection is back or really closed (given up on, or by an interrupt).
func flushThroughFailover(nc *nats.Conn) error {
	for {
		err := nc.Flush()
		if err == nil || !errors.Is(err, nats.ErrConnectionClosed) || nc.IsClosed() {
			return err
		}
		time.Sleep(10 * time.Millisecond) // the give-up timer bounds the retries
	}
}

// expectedNATS is the deliveries the consumers wait for: what the
// producers sent.
func (r *run) expectedNATS() int64 {
	var n int64
	for i := range r.producers {
		for _, s := range r.producers[i].sent {
			n += s
		}
	}
	return n
}

// interruptGrace is how long an interrupted run still waits for messages
// in flight once none arrive: the user asked to stop, not to wait out the
// drain timeout.
const interruptGrace = 200 * time.Millisecond

// awaitArrivals waits, on a ticker rather than spinning, until expected
// sent messages arrived here (copies aside), or nothing new arrived for
// the drain timeout (a moment after a signal), or the server was lost.
// With forFirst, the idle time counts only from the first arrival (a
// consumer-role process waiting for its producers); a signal then ends
// the wait at once.
func (r *run) awaitArrivals(t *natsTransport, subs []*natsSub, expected int64, forFirst bool) {
	tk := time.NewTicker(5 * time.Millisecond)
	defer tk.Stop()
	idle, intr := r.cfg.DrainTimeout, r.interrupted
	last, lastChange := int64(-1), time.Now()
	for {
		var got int64
		for _, sb := range subs {
			got += sb.arrived.Load()
		}
		if got != last {
			last, lastChange = got, time.Now()
		}
		waiting := forFirst && got == 0
		if got >= expected || (!waiting && time.Since(lastChange) > idle) {
			return
		}
		select {
		case <-tk.C:
		case <-t.lost:
			return // nothing more will arrive
		case <-intr:
			if waiting {
				return
			}
			idle, intr = min(idle, interruptGrace), nil
		}
	}
}
