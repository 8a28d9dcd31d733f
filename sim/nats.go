package sim

import (
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
)

// The NATS transport runs the same topology over a real broker. Its queue
// groups are msgsim's model: every queue group receives each message once
// (fan-out across groups) and its members share them (competing consumers).
// Fan-out publishes to one subject with Q queue groups; round-robin and key
// dispatch publish to one subject per queue with one group each. Core NATS
// is at-most-once, so loss is real here: after the producers flush,
// consumers wait until every delivery has arrived or DrainTimeout passes,
// then the same bitsets count lost and duplicated.

// Transports lists the accepted transports, default first.
var Transports = []string{"chan", "nats"}

// MaxNATSConsumers bounds consumers over NATS: each is a subscription with
// its own goroutine in the client.
const MaxNATSConsumers = 10_000

// DefaultDrainTimeout is how long NATS consumers wait for missing messages.
const DefaultDrainTimeout = 5 * time.Second

// ErrTransport wraps failures of the broker (unreachable, gone mid-run):
// a runtime error, not a usage error.
var ErrTransport = errors.New("transport")

// header is the wire prefix of a message: producer, key, slot, send time.
const header = 4 + 4 + 8 + 8

func encode(buf []byte, m message) {
	binary.LittleEndian.PutUint32(buf[0:], uint32(m.producer))
	binary.LittleEndian.PutUint32(buf[4:], m.key)
	binary.LittleEndian.PutUint64(buf[8:], uint64(m.slot))
	binary.LittleEndian.PutUint64(buf[16:], uint64(m.sent))
}

func decode(buf []byte) (message, bool) {
	if len(buf) < header {
		return message{}, false
	}
	return message{producer: int32(binary.LittleEndian.Uint32(buf[0:])), key: binary.LittleEndian.Uint32(buf[4:]),
		slot: int64(binary.LittleEndian.Uint64(buf[8:])), sent: int64(binary.LittleEndian.Uint64(buf[16:]))}, true
}

// natsTransport owns the server (when embedded) and the connections.
type natsTransport struct {
	server  *server.Server // nil with an external URL
	opts    []nats.Option
	url     string
	subject func(q int) string
	group   func(q int) string
	ready   string       // consumer-role processes announce themselves here
	slow    atomic.Int64 // slow-consumer events reported by the client
	mu      sync.Mutex
	conns   []*nats.Conn
}

func newNATSTransport(cfg Config) (*natsTransport, error) {
	t := &natsTransport{url: cfg.NATSURL}
	runID := cfg.RunID // set by Run: given, or unique to this process
	if cfg.Dispatch == Fanout {
		t.subject = func(int) string { return "msgsim." + runID + ".fanout" }
	} else {
		t.subject = func(q int) string { return "msgsim." + runID + ".q" + strconv.Itoa(q) }
	}
	t.group = func(q int) string { return "q" + strconv.Itoa(q) }
	t.ready = "msgsim." + runID + ".ready"
	t.opts = []nats.Option{
		nats.Name("msgsim"),
		nats.Timeout(2 * time.Second),
		nats.NoReconnect(), // a server that goes away ends the run; its losses are counted
		nats.ErrorHandler(func(_ *nats.Conn, _ *nats.Subscription, err error) {
			if errors.Is(err, nats.ErrSlowConsumer) {
				t.slow.Add(1)
			}
		}),
	}
	if cfg.NATSToken != "" {
		t.opts = append(t.opts, nats.Token(cfg.NATSToken))
	}
	if cfg.NATSCreds != "" {
		t.opts = append(t.opts, nats.UserCredentials(cfg.NATSCreds))
	}
	if t.url == "" {
		ns, err := server.NewServer(&server.Options{DontListen: true, NoSigs: true, NoLog: true, MaxPayload: 8 << 20})
		if err != nil {
			return nil, fmt.Errorf("%w: embedded nats-server: %v", ErrTransport, err)
		}
		go ns.Start()
		if !ns.ReadyForConnections(5 * time.Second) {
			ns.Shutdown()
			return nil, fmt.Errorf("%w: embedded nats-server did not start", ErrTransport)
		}
		t.server = ns
		t.opts = append(t.opts, nats.InProcessServer(ns))
	}
	return t, nil
}

func (t *natsTransport) connect() (*nats.Conn, error) {
	nc, err := nats.Connect(t.url, t.opts...)
	if err != nil {
		where := RedactURLs(t.url)
		if where == "" {
			where = "the embedded server"
		}
		return nil, fmt.Errorf("%w: cannot connect to %s: %v", ErrTransport, where, err)
	}
	t.mu.Lock()
	t.conns = append(t.conns, nc)
	t.mu.Unlock()
	return nc, nil
}

// close drains and closes every connection, then stops an embedded server.
func (t *natsTransport) close() {
	t.mu.Lock()
	conns := t.conns
	t.conns = nil
	t.mu.Unlock()
	for _, nc := range conns {
		nc.Close()
	}
	if t.server != nil {
		t.server.Shutdown()
		t.server.WaitForShutdown()
	}
}

// Roles split a NATS run over processes or machines: producers here,
// consumers there, sharing --run-id and --seed.
const (
	RoleAll      = "all"
	RoleProducer = "producer"
	RoleConsumer = "consumer"
)

// readyEvery is how often a consumer-role process announces it is
// subscribed, until its first message arrives; producers wait for it, so
// nothing is published into the void (core NATS keeps no messages).
const readyEvery = 100 * time.Millisecond

// runNATS is Run over NATS. It shares the channel engine's accounting:
// the same seen sets, tallies, recorders and collect.
func runNATS(r *run, mon *runtimeMonitor) error {
	t, err := newNATSTransport(r.cfg)
	if err != nil {
		return err
	}
	defer t.close()
	defer r.start()()
	role := r.cfg.Role
	if role == "" {
		role = RoleAll
	}
	var subs []*natsSub
	if role != RoleProducer {
		if subs, err = r.subscribeNATS(t); err != nil {
			return err
		}
	}
	mon.sampleGoroutines()
	if role == RoleConsumer {
		r.planNATS() // what the producers elsewhere will send, from the shared flags
		stopReady := r.announceReady(t, subs)
		r.awaitDeliveries(subs)
		stopReady()
	} else {
		if role == RoleProducer {
			if err := r.awaitConsumers(t); err != nil {
				return err
			}
		}
		r.publishNATS(t)
		r.halt.CompareAndSwap(running, haltDone)
		if role == RoleAll {
			r.awaitDeliveries(subs)
		}
	}
	for _, sb := range subs {
		_ = sb.s.Unsubscribe()
	}
	t.close() // stops the handlers; reading the tallies is safe after this
	r.firstRecv = -1
	for _, sb := range subs {
		r.finish(sb.c, &sb.t, sb.now)
		if sb.first >= 0 && (r.firstRecv < 0 || sb.first < r.firstRecv) {
			r.firstRecv = sb.first
		}
	}
	r.slowConsumers = t.slow.Load()
	return nil
}

// natsSub is one consumer: its subscription and its tally, written only by
// the client's goroutine for that subscription.
type natsSub struct {
	c     *consumer
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
}

func (r *run) subscribeNATS(t *natsTransport) ([]*natsSub, error) {
	subs := make([]*natsSub, len(r.consumers))
	baseWall := r.base.UnixNano()
	for i := range r.consumers {
		c := &r.consumers[i]
		nc, err := t.connect()
		if err != nil {
			return nil, err
		}
		sb := &natsSub{c: c, t: r.newTally(c), first: -1}
		q := int(c.queue)
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
			}
			sb.t.add(&m)
			sb.t.flushBits() // every duplicate found now, for arrived
			r.trace(c, &m, lat)
			sb.now = now
			sb.arrived.Store(sb.t.n - sb.t.dups + sb.garbled)
			c.progress.Store(sb.t.n)
			r.work(c, w, now)
		}
		s, err := nc.QueueSubscribe(t.subject(q), t.group(q), handler)
		if err != nil {
			return nil, fmt.Errorf("%w: subscribe: %v", ErrTransport, err)
		}
		// No pending limits: a fast publisher must not make the client drop
		// messages silently; if the server drops them, they count as lost.
		_ = s.SetPendingLimits(-1, -1)
		sb.s = s
		subs[i] = sb
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
	perr := make(chan error, len(r.producers))
	produce := r.produceNATS
	if r.fault != nil {
		produce = r.produceNATSFaulty // tests only
	}
	for k := range r.producers {
		nc, err := t.connect()
		if err != nil {
			perr <- err
			continue
		}
		pwg.Add(1)
		go func(k int, nc *nats.Conn) {
			defer pwg.Done()
			if err := produce(k, nc, t); err != nil {
				perr <- err
			}
		}(k, nc)
	}
	pwg.Wait()
	close(perr)
	for err := range perr {
		if r.transportErr == "" {
			r.transportErr = err.Error()
		}
	}
}

// planNATS fills in, for a consumer-only process, what its producers send:
// the same routing over the same seed, without sending.
func (r *run) planNATS() {
	for k := range r.producers {
		st := r.newProducerState(k)
		st.sched = nil
		for i := int64(0); i < r.cfg.Messages; i++ {
			var m message
			r.route(&st, &m, i)
		}
		r.producerDone(st.p, r.cfg.Messages)
		st.p.first = 0
	}
}

// expectedNATS is the deliveries the consumers wait for.
func (r *run) expectedNATS() int64 {
	var n int64
	for i := range r.producers {
		for _, s := range r.producers[i].sent {
			n += s
		}
	}
	return n
}

// awaitDeliveries waits, on a ticker rather than spinning, until every
// expected delivery arrived (copies aside), or nothing new arrived for
// DrainTimeout after the producers finished (here) or after the last
// message (consumer role), or a signal or --duration stopped the run.
func (r *run) awaitDeliveries(subs []*natsSub) {
	expected := r.expectedNATS()
	tk := time.NewTicker(5 * time.Millisecond)
	defer tk.Stop()
	last, lastChange := int64(-1), time.Now()
	for {
		var got int64
		for _, sb := range subs {
			got += sb.arrived.Load()
		}
		if got != last {
			last, lastChange = got, time.Now()
		}
		waitingForFirst := r.cfg.Role == RoleConsumer && got == 0
		if got >= expected || (!waitingForFirst && time.Since(lastChange) > r.cfg.DrainTimeout) ||
			(r.cfg.Role == RoleConsumer && r.halt.Load() != 0) {
			return
		}
		<-tk.C
	}
}

// announceReady publishes on the run's ready subject until the first
// message arrives, so producer-role processes know someone is listening.
func (r *run) announceReady(t *natsTransport, subs []*natsSub) (stop func()) {
	nc, err := t.connect()
	if err != nil {
		return func() {}
	}
	quit := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		tk := time.NewTicker(readyEvery)
		defer tk.Stop()
		for {
			_ = nc.Publish(t.ready, nil)
			_ = nc.Flush()
			select {
			case <-tk.C:
				for _, sb := range subs {
					if sb.got.Load() {
						return
					}
				}
			case <-quit:
				return
			}
		}
	}()
	return func() { close(quit); wg.Wait() }
}

// awaitConsumers blocks a producer-role process until a consumer-role one
// announces itself, or a signal stops the run.
func (r *run) awaitConsumers(t *natsTransport) error {
	nc, err := t.connect()
	if err != nil {
		return err
	}
	ready := make(chan *nats.Msg, 1)
	sub, err := nc.ChanSubscribe(t.ready, ready)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrTransport, err)
	}
	defer func() { _ = sub.Unsubscribe() }()
	select {
	case <-ready:
	case <-r.halted:
	}
	return nil
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
