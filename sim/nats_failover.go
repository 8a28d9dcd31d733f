package sim

import (
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
)

// A --nats-url that lists several servers is a cluster: a connection that
// loses its server reconnects to another (a single server that goes away
// still ends the run). The failover log keeps when each connection went
// down and came back, so the report can say what a failover cost.

// Failover is one connection's loss of its server in a cluster run.
type Failover struct {
	Conn   string        // "producer 0", "consumer q1.0", "control"
	Down   time.Duration // since the first send, as the series counts
	Up     time.Duration // when it reconnected; negative if it never did
	Server string        // the server it came back to, user info redacted
}

// FailoverSummary is what the failovers of a run cost.
type FailoverSummary struct {
	Down, Up time.Duration // the earliest loss and the latest return (Up < 0: one never returned)
	// Lost counts the lost deliveries, and LostFrom and LostTo the intended
	// send times of the first and last of them (known for uniform
	// open-loop runs, where a message's send time follows from its number).
	Lost             int64
	LostFrom, LostTo time.Duration
	LostTimed        bool
	// WorstP99 is the highest p99 of the series' intervals around the
	// failovers, the one starting at WorstAt; MedianP99 the median over
	// all intervals, for scale. Times count from the first send.
	WorstP99, MedianP99 time.Duration
	WorstAt             time.Duration
}

// failoverLog records a cluster run's failovers.
type failoverLog struct {
	mu     sync.Mutex
	now    func() time.Duration
	events []Failover
	open   map[*nats.Conn]int         // the event a connection has not come back from
	giveUp map[*nats.Conn]*time.Timer // ends the run if it does not, within the drain timeout
	names  map[*nats.Conn]string
	// abandoned is set by an interrupt: no connection waits for a server.
	abandoned bool
}

func newFailoverLog() *failoverLog {
	return &failoverLog{open: map[*nats.Conn]int{}, giveUp: map[*nats.Conn]*time.Timer{}, names: map[*nats.Conn]string{}}
}

// clusterOptions are a cluster run's reconnect settings: try the other
// servers at once, in the order given, for as long as the drain timeout;
// publishes meanwhile are buffered by the client (8 MiB), and measured as
// latency when they go out.
func (t *natsTransport) clusterOptions(cfg Config) []nats.Option {
	t.failovers = newFailoverLog()
	return []nats.Option{
		nats.DontRandomize(),
		nats.MaxReconnects(-1), // bounded by the give-up timer instead
		nats.ReconnectWait(50 * time.Millisecond),
		nats.ReconnectJitter(0, 0),
		nats.DisconnectErrHandler(func(nc *nats.Conn, err error) {
			if err == nil || t.isQuiet(nc) {
				return
			}
			abandoned := t.failovers.down(nc, func() {
				t.fail(nc, fmt.Errorf("no server of the cluster took the connection back within %s (%v)", cfg.DrainTimeout, err))
				nc.Close() // a flush or publish waiting for the reconnect returns now
			}, cfg.DrainTimeout)
			if abandoned {
				go t.closeConn(nc) // not from its own callback
			}
		}),
		nats.ReconnectHandler(func(nc *nats.Conn) { t.failovers.up(nc, RedactURLs(nc.ConnectedUrl())) }),
		nats.ClosedHandler(func(nc *nats.Conn) {
			err := nc.LastError()
			if err == nil {
				err = errors.New("connection closed")
			}
			t.fail(nc, err)
		}),
	}
}

// abandonReconnects closes the connections still waiting for a server,
// quietly: an interrupted run does not wait for them, and their failovers
// stay in the log as never back.
func (t *natsTransport) abandonReconnects() {
	l := t.failovers
	if l == nil {
		return
	}
	l.mu.Lock()
	l.abandoned = true // and any connection that loses its server from now on
	var waiting []*nats.Conn
	for nc := range l.open {
		waiting = append(waiting, nc)
		l.giveUp[nc].Stop()
	}
	l.mu.Unlock()
	for _, nc := range waiting {
		t.closeConn(nc)
	}
}

// isQuiet reports whether msgsim itself closed nc (an interrupt while it
// waited for a server, or the end of the run): its errors failed nothing.
func (t *natsTransport) isQuiet(nc *nats.Conn) bool {
	if t.closing.Load() {
		return true
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.quiet[nc]
}

func (l *failoverLog) name(nc *nats.Conn, name string) {
	l.mu.Lock()
	l.names[nc] = name
	l.mu.Unlock()
}

// down logs nc's loss of its server and starts the wait for its return,
// unless the run was interrupted: then it reports that nc is not to wait.
func (l *failoverLog) down(nc *nats.Conn, giveUp func(), after time.Duration) (abandoned bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if _, already := l.open[nc]; already || l.now == nil {
		return false
	}
	l.events = append(l.events, Failover{Conn: l.names[nc], Down: l.now(), Up: -1})
	if l.abandoned {
		return true
	}
	l.open[nc] = len(l.events) - 1
	l.giveUp[nc] = time.AfterFunc(after, giveUp)
	return false
}

func (l *failoverLog) up(nc *nats.Conn, server string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	i, ok := l.open[nc]
	if !ok {
		return
	}
	l.events[i].Up, l.events[i].Server = l.now(), server
	delete(l.open, nc)
	if tm := l.giveUp[nc]; tm != nil {
		tm.Stop()
	}
}

// stop ends the give-up timers and returns the failovers, in order.
func (l *failoverLog) stop() []Failover {
	if l == nil {
		return nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, tm := range l.giveUp {
		tm.Stop()
	}
	out := append([]Failover(nil), l.events...)
	sort.SliceStable(out, func(a, b int) bool { return out[a].Down < out[b].Down })
	return out
}

// summarizeFailovers says what the failovers cost: the window, where the
// lost deliveries were meant to be sent, and the latency spike. Its times,
// and the log's, are moved to count from the first send, as the series'
// do, so the two line up.
func (r *run) summarizeFailovers(res *Result, first int64) {
	if len(res.Failovers) == 0 {
		return
	}
	shift := time.Duration(max(first, 0))
	for i := range res.Failovers {
		f := &res.Failovers[i]
		f.Down -= shift
		if f.Up >= 0 {
			f.Up = max(f.Up-shift, 0)
		}
	}
	s := FailoverSummary{Down: res.Failovers[0].Down, Lost: res.Lost}
	for _, f := range res.Failovers {
		s.Down = min(s.Down, f.Down)
		if f.Up < 0 || s.Up < 0 {
			s.Up = -1
		} else {
			s.Up = max(s.Up, f.Up)
		}
	}
	if r.cfg.Rate > 0 && r.cfg.Arrival == Uniform && res.Lost > 0 && r.cfg.Role != RoleConsumer {
		if from, to, ok := r.lostWhen(); ok {
			s.LostFrom, s.LostTo, s.LostTimed = from-shift, to-shift, true
		}
	}
	// The spike: the worst p99 of the intervals from the loss to one
	// interval after the return (what was held back arrives then).
	var p99s []time.Duration
	for _, iv := range res.Series {
		p99s = append(p99s, iv.P99)
		end := iv.Start + r.cfg.Interval
		if end > s.Down && (s.Up < 0 || iv.Start <= s.Up+r.cfg.Interval) && iv.P99 > s.WorstP99 {
			s.WorstP99, s.WorstAt = iv.P99, iv.Start
		}
	}
	if len(p99s) > 0 {
		slices.Sort(p99s)
		s.MedianP99 = p99s[len(p99s)/2]
	}
	res.FailoverSummary = &s
}

// lostWhen replays the producers' routing and uniform schedule and
// returns the intended send times of the first and last message that was
// sent and arrived nowhere.
func (r *run) lostWhen() (from, to time.Duration, ok bool) {
	first := true
	for k := range r.producers {
		st := r.newProducerState(k)
		sent := r.producers[k].produced
		st.p = &producer{sent: make([]int64, r.cfg.Queues)} // route counts; the run's are final
		for i := int64(0); i < sent; i++ {
			var m message
			q := r.route(&st, &m, i)
			at := time.Duration(st.sched.Next())
			missing := false
			if q >= 0 {
				missing = !r.seen[q].has(m.slot)
			} else {
				for _, s := range r.seen {
					missing = missing || !s.has(m.slot)
				}
			}
			if !missing {
				continue
			}
			if first || at < from {
				from = at
			}
			if first || at > to {
				to = at
			}
			first, ok = false, true
		}
	}
	return from, to, ok
}

// isCluster reports whether urls lists more than one server.
func isCluster(urls string) bool { return strings.Contains(urls, ",") }
