package sim

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// The JetStream transport keeps a run's messages in one stream, MSGSIM_RUNID,
// on the subjects of the NATS transport (m.RUNID.f for fan-out, m.RUNID.Q
// per queue otherwise). Every queue is a durable pull consumer, qQ, filtered
// to its subject: fan-out's queues are several consumers of one subject, so
// each gets every message; a queue's competing consumers pull from its one
// durable consumer, which hands each message to one of them and delivers
// it again when no acknowledgement comes within the ack wait. The embedded
// server listens on loopback (a restarted broker takes its clients back) and
// stores in a temporary directory removed at the end; with --nats-url the
// stream is deleted at the end instead.

// jsTransport is a JetStream run's broker and connections.
type jsTransport struct {
	*natsTransport
	cfg     Config
	srvOpts *server.Options // the embedded server's, kept for a restart
	dir     string          // its store, removed at the end
	stream  string
	cons    []jetstream.Consumer // per queue
	admin   jetstream.JetStream
}

// jsPullMessages is how many messages one consumer's client asks for at a
// time; with jsPullBytes it bounds what the client buffers.
const jsPullMessages = 256

// jsMaxPending bounds a producer's publishes awaiting the server's
// acknowledgement; --nats-pending bounds their bytes too.
const jsMaxPending = 4096

func newJSTransport(cfg Config, stop <-chan struct{}) (*jsTransport, error) {
	t := &jsTransport{cfg: cfg, stream: "MSGSIM_" + cfg.RunID}
	var ns *server.Server
	if cfg.NATSURL == "" {
		dir, err := os.MkdirTemp("", "msgsim-js-")
		if err != nil {
			return nil, fmt.Errorf("%w: embedded JetStream store: %v", ErrTransport, err)
		}
		t.dir = dir
		t.srvOpts = &server.Options{Host: "127.0.0.1", Port: -1, NoSigs: true, NoLog: true, MaxPayload: 8 << 20,
			JetStream: true, StoreDir: dir}
		if ns, err = t.startServer(); err != nil {
			os.RemoveAll(dir)
			return nil, err
		}
		if a, ok := ns.Addr().(*net.TCPAddr); ok {
			t.srvOpts.Port = a.Port // a restart comes back where the clients look
		}
		cfg.NATSURL = ns.ClientURL()
	}
	nt, err := newNATSTransport(cfg, stop)
	if err != nil {
		if ns != nil {
			ns.Shutdown()
			ns.WaitForShutdown()
			os.RemoveAll(t.dir)
		}
		return nil, err
	}
	nt.server = ns
	t.natsTransport = nt
	return t, nil
}

// startServer starts the embedded server from srvOpts.
func (t *jsTransport) startServer() (*server.Server, error) {
	ns, err := server.NewServer(t.srvOpts)
	if err != nil {
		return nil, fmt.Errorf("%w: embedded nats-server with JetStream: %v", ErrTransport, err)
	}
	go ns.Start()
	if !ns.ReadyForConnections(10 * time.Second) {
		ns.Shutdown()
		ns.WaitForShutdown()
		return nil, fmt.Errorf("%w: embedded nats-server with JetStream did not start", ErrTransport)
	}
	return ns, nil
}

// restart shuts the embedded server down and starts it again on the same
// port and store. The caller keeps it from racing with close.
func (t *jsTransport) restart() error {
	t.server.Shutdown()
	t.server.WaitForShutdown()
	ns, err := t.startServer()
	if err != nil {
		return err
	}
	t.server = ns
	return nil
}

// setup creates the stream and one durable consumer per queue.
func (t *jsTransport) setup() error {
	nc, err := t.connect("admin")
	if err != nil {
		return err
	}
	js, err := jetstream.New(nc)
	if err != nil {
		return fmt.Errorf("%w: jetstream: %v", ErrTransport, err)
	}
	t.admin = js
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	storage := jetstream.MemoryStorage
	if t.cfg.Storage == "file" {
		storage = jetstream.FileStorage
	}
	sc := jetstream.StreamConfig{Name: t.stream, Subjects: []string{subjectPrefix + t.runID + ".*"}, Storage: storage,
		Duplicates: t.cfg.DedupWindow}
	if _, err := js.CreateStream(ctx, sc); err != nil {
		return fmt.Errorf("%w: create stream %s: %v", ErrTransport, t.stream, err)
	}
	ack := map[string]jetstream.AckPolicy{"explicit": jetstream.AckExplicitPolicy, "all": jetstream.AckAllPolicy, "none": jetstream.AckNonePolicy}[t.cfg.AckPolicy]
	maxDeliver := t.cfg.MaxDeliver
	if maxDeliver == 0 {
		maxDeliver = -1
	}
	for q := range t.cfg.Queues {
		cc := jetstream.ConsumerConfig{Durable: "q" + strconv.Itoa(q), FilterSubject: t.subject(q), AckPolicy: ack,
			AckWait: t.cfg.AckWait, MaxDeliver: maxDeliver, MaxAckPending: max(1024, 2*jsPullMessages*t.cfg.Consumers)}
		c, err := js.CreateOrUpdateConsumer(ctx, t.stream, cc)
		if err != nil {
			return fmt.Errorf("%w: create consumer %s: %v", ErrTransport, cc.Durable, err)
		}
		t.cons = append(t.cons, c)
	}
	return nil
}

// pending is what the broker still holds for the consumers: messages not
// yet delivered and delivered ones not yet acknowledged; ok is false when
// it could not be asked.
func (t *jsTransport) pending() (n int64, ok bool) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	for _, c := range t.cons {
		info, err := c.Info(ctx)
		if err != nil {
			return 0, false
		}
		n += int64(info.NumPending) + int64(info.NumAckPending)
	}
	return n, true
}

// close deletes the stream from an external server, closes the
// connections, stops an embedded server and removes its store.
func (t *jsTransport) close() {
	if t.dir == "" && t.admin != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		_ = t.admin.DeleteStream(ctx, t.stream)
		cancel()
	}
	t.natsTransport.close()
	if t.dir != "" {
		os.RemoveAll(t.dir)
	}
}

// jsPublisher is what one producer's publishes need.
type jsPublisher struct {
	js     jetstream.JetStream
	mu     sync.Mutex
	failed []*nats.Msg // the server did not confirm these
	ring   []*nats.Msg // the latest messages, for a resend fault
	next   int
	resend atomic.Int32                  // messages to publish again, set by a resend fault
	resent chan []jetstream.PubAckFuture // what was, answered to the fault
}

// publishJS runs every producer on its own connection.
func (r *run) publishJS(t *jsTransport, f *faultRunner) {
	var pwg sync.WaitGroup
	for k := range r.producers {
		nc, err := t.connect(fmt.Sprintf("producer %d", k))
		if err != nil {
			r.failTransport(err.Error())
			continue
		}
		pub := &jsPublisher{resent: make(chan []jetstream.PubAckFuture, 1)}
		// Unconfirmed publishes stay in the client: bounded by --nats-pending
		// over all producers, as consumers' fetches are.
		pending := int(min(max(r.natsPending()/int64(header+r.cfg.Size)/int64(len(r.producers)), 16), jsMaxPending))
		pub.js, err = jetstream.New(nc, jetstream.WithPublishAsyncMaxPending(pending),
			jetstream.WithPublishAsyncTimeout(max(r.cfg.DrainTimeout, 2*time.Second)),
			jetstream.WithPublishAsyncErrHandler(func(_ jetstream.JetStream, m *nats.Msg, _ error) {
				pub.mu.Lock()
				pub.failed = append(pub.failed, m)
				pub.mu.Unlock()
			}))
		if err != nil {
			r.failTransport(err.Error())
			continue
		}
		if k == 0 && f != nil && f.resends() > 0 {
			pub.ring = make([]*nats.Msg, f.resends())
			f.pub = pub
		}
		pwg.Add(1)
		go func(k int, nc *nats.Conn) {
			defer pwg.Done()
			if err := r.produceJS(k, pub, t); err != nil && !t.isQuiet(nc) {
				r.failTransport(err.Error())
			}
		}(k, nc)
	}
	pwg.Wait()
}

// produceJS publishes producer k's messages without waiting for each
// acknowledgement, then waits for them all and publishes again, once at a
// time, what the server did not confirm: unless at most once was asked for.
func (r *run) produceJS(k int, pub *jsPublisher, t *jsTransport) error {
	st := r.newProducerState(k)
	p := st.p
	n := r.cfg.Messages
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
		buf := make([]byte, header+r.cfg.Size) // the client keeps it until acknowledged
		encode(buf, wire)
		msg := &nats.Msg{Subject: t.subject(max(q, 0)), Data: buf}
		if r.cfg.MsgID {
			msg.Header = nats.Header{jetstream.MsgIDHeader: []string{strconv.Itoa(k) + "." + strconv.FormatInt(i, 10)}}
		}
		if err = r.publishAsync(pub, msg); err != nil {
			break
		}
		if pub.ring != nil {
			pub.remember(msg)
		}
		r.publish(p, i+1)
	}
	r.producerDone(p, i)
	if pub.ring != nil {
		close(pub.resent) // a resend fault after the last publish finds nothing to resend
	}
	if err != nil {
		return fmt.Errorf("%w: publish: %v", ErrTransport, err)
	}
	return r.confirmJS(pub, t)
}

// publishAsync publishes msg, waiting while too many are unconfirmed, and
// answers a resend fault between two messages.
func (r *run) publishAsync(pub *jsPublisher, msg *nats.Msg) error {
	for {
		_, err := pub.js.PublishMsgAsync(msg)
		if !errors.Is(err, jetstream.ErrTooManyStalledMsgs) {
			if err == nil && pub.ring != nil {
				if c := pub.resend.Swap(0); c > 0 {
					pub.resent <- pub.again(int(c))
				}
			}
			return err
		}
		if !r.sleep(time.Millisecond) {
			return err
		}
	}
}

// remember keeps msg among the latest, for a resend fault.
func (pub *jsPublisher) remember(msg *nats.Msg) {
	pub.ring[pub.next%len(pub.ring)] = msg
	pub.next++
}

// again publishes the latest c messages again, as a client does that saw
// no acknowledgement for them, and returns the publishes.
func (pub *jsPublisher) again(c int) []jetstream.PubAckFuture {
	c = min(c, pub.next, len(pub.ring))
	var futs []jetstream.PubAckFuture
	for j := pub.next - c; j < pub.next; j++ {
		if fut, err := pub.js.PublishMsgAsync(pub.ring[j%len(pub.ring)]); err == nil {
			futs = append(futs, fut)
		}
	}
	return futs
}

// confirmJS waits for the server's acknowledgements, then, unless at most
// once, publishes again what it did not confirm, until it does or the
// drain timeout passes. Under exactly once the message ids make the second
// publish of a message the server stored after all a duplicate it drops.
func (r *run) confirmJS(pub *jsPublisher, t *jsTransport) error {
	select {
	case <-pub.js.PublishAsyncComplete():
	case <-t.lost:
		return nil
	case <-r.interrupted:
		return nil
	case <-time.After(r.cfg.DrainTimeout + max(r.cfg.DrainTimeout, 2*time.Second)):
	}
	pub.mu.Lock()
	failed := pub.failed
	pub.failed = nil
	pub.mu.Unlock()
	if len(failed) == 0 {
		return nil
	}
	r.jsUnconfirmed.Add(int64(len(failed)))
	if r.cfg.Delivery == AtMostOnce {
		return nil
	}
	deadline := time.Now().Add(r.cfg.DrainTimeout)
	for _, m := range failed {
		for {
			ctx, cancel := context.WithTimeout(context.Background(), time.Second)
			_, err := pub.js.PublishMsg(ctx, m)
			cancel()
			if err == nil {
				r.jsRepublished.Add(1)
				break
			}
			if time.Now().After(deadline) || r.intr.Load() {
				return nil // what never got stored counts as lost
			}
			if !r.sleepUnlessInterrupted(50 * time.Millisecond) {
				return nil
			}
		}
	}
	return nil
}

// sleepUnlessInterrupted waits d, or less if the run is interrupted, and
// reports whether the whole d passed.
func (r *run) sleepUnlessInterrupted(d time.Duration) bool {
	tm := time.NewTimer(d)
	defer tm.Stop()
	select {
	case <-tm.C:
		return true
	case <-r.interrupted:
		return false
	}
}
