package sim

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
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
var Transports = []string{"chan", "nats", "jetstream", "kafka"}

// MaxNATSConsumers bounds consumers over NATS: each is a subscription with
// its own goroutine in the client.
const MaxNATSConsumers = 10_000

// DefaultNATSPending is what the client may buffer for slow consumers,
// over all subscriptions: enough for a burst, bounded so slow consumers of
// big messages cannot take the machine's memory (2,000 × 512 KB reached
// 2 GB without a bound).
const DefaultNATSPending = 256 << 20

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

// subjectPrefix begins every subject of a run: m.RUNID.0 (a queue),
// m.RUNID.f (fan-out), m.RUNID.ctl and m.RUNID.acct (a split run's
// protocol).
const subjectPrefix = "m."

// natsTransport owns the server (when embedded) and the connections, and
// notices when the server is lost: killed (the connection closes) or frozen
// (pings go unanswered, writes time out). Every wait of a NATS run selects
// on lost, so no state outlasts a dead server.
type natsTransport struct {
	server  *server.Server // nil with an external URL
	opts    []nats.Option
	url     string
	runID   string
	subject func(q int) string
	group   func(q int) string
	slow    atomic.Int64 // slow-consumer events reported by the client
	mu      sync.Mutex
	conns   []*nats.Conn
	closing atomic.Bool         // our own close: connections closing now are no loss
	quiet   map[*nats.Conn]bool // connections msgsim closed on purpose (under mu)

	lost     chan struct{} // closed when the server is lost
	lostOnce sync.Once
	lostErr  string // why, set before lost is closed

	failovers *failoverLog // a cluster run's reconnections; nil for one server
}

// Pinging every second with three pings outstanding finds a frozen server
// within a few seconds; a write blocked longer than the drain timeout
// (a frozen server whose socket buffer filled up) fails too.
const (
	natsPingEvery = time.Second
	natsMaxPings  = 3
)

// stopDialer dials the server unless stop is closed: a signal while
// msgsim connects (to an address that does not answer, say) ends the dial
// at once rather than after its timeout.
type stopDialer struct{ stop <-chan struct{} }

func (d stopDialer) Dial(network, address string) (net.Conn, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	go func() {
		select {
		case <-d.stop:
			cancel()
		case <-ctx.Done():
		}
	}()
	return (&net.Dialer{}).DialContext(ctx, network, address)
}

func newNATSTransport(cfg Config, stop <-chan struct{}) (*natsTransport, error) {
	t := &natsTransport{url: cfg.NATSURL, runID: cfg.RunID, lost: make(chan struct{}), quiet: map[*nats.Conn]bool{}}
	runID := cfg.RunID // set by Run: given, or unique to this process
	// Subjects are made once (a publish must not build a string) and kept
	// short: every message carries its subject through the server three
	// times or more, and a 27-byte one cost a fifth of the throughput of
	// 40-byte messages (nats bench on msgsim's old subject, measured).
	subjects := make([]string, cfg.Queues)
	for q := range subjects {
		subjects[q] = subjectPrefix + runID + "." + strconv.Itoa(q)
		if cfg.Dispatch == Fanout {
			subjects[q] = subjectPrefix + runID + ".f"
		}
	}
	t.subject = func(q int) string { return subjects[q] }
	t.group = func(q int) string { return "q" + strconv.Itoa(q) }
	t.opts = []nats.Option{
		nats.Name("msgsim"),
		nats.SetCustomDialer(stopDialer{stop}),
		nats.Timeout(2 * time.Second),
		nats.PingInterval(natsPingEvery),
		nats.MaxPingsOutstanding(natsMaxPings),
		nats.FlusherTimeout(max(cfg.DrainTimeout, 2*time.Second)),
		nats.ErrorHandler(func(_ *nats.Conn, _ *nats.Subscription, err error) {
			if errors.Is(err, nats.ErrSlowConsumer) {
				t.slow.Add(1)
			}
		}),
		nats.DisconnectErrHandler(func(nc *nats.Conn, err error) {
			if err == nil {
				err = errors.New("the server closed the connection")
			}
			t.fail(nc, err)
		}),
		nats.ClosedHandler(func(nc *nats.Conn) {
			err := nc.LastError()
			if err == nil {
				err = errors.New("connection closed")
			}
			t.fail(nc, err)
		}),
	}
	if isCluster(cfg.NATSURL) || cfg.Transport == "jetstream" {
		// JetStream keeps the messages: a connection that loses its server
		// waits for it (a restarted broker) for the drain timeout.
		t.opts = append(t.opts, t.clusterOptions(cfg)...) // later options win: reconnects instead
	} else {
		t.opts = append(t.opts, nats.NoReconnect()) // a server that goes away ends the run; its losses are counted
	}
	if cfg.NATSToken != "" {
		t.opts = append(t.opts, nats.Token(cfg.NATSToken))
	}
	if cfg.NATSCreds != "" {
		t.opts = append(t.opts, nats.UserCredentials(cfg.NATSCreds))
	}
	if t.url == "" && cfg.Transport == "nats" {
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

// fail records that the server was lost, unless msgsim is closing the
// connection itself.
func (t *natsTransport) fail(nc *nats.Conn, err error) {
	t.mu.Lock()
	quiet := t.quiet[nc]
	t.mu.Unlock()
	if t.closing.Load() || quiet {
		return
	}
	t.lostOnce.Do(func() {
		t.lostErr = "the server was lost: " + err.Error()
		close(t.lost)
	})
}

// connect opens a connection; name says whose, for the failover log.
func (t *natsTransport) connect(name string) (*nats.Conn, error) {
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
	if t.failovers != nil {
		t.failovers.name(nc, name)
	}
	return nc, nil
}

// closeConn closes one connection on purpose: no loss.
func (t *natsTransport) closeConn(nc *nats.Conn) {
	t.mu.Lock()
	t.quiet[nc] = true
	t.mu.Unlock()
	nc.Close()
}

// close closes every connection, then stops an embedded server.
func (t *natsTransport) close() {
	t.closing.Store(true)
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
