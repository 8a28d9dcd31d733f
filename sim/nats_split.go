package sim

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strconv"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
)

// A split run has one producer-role process and any number of
// consumer-role processes, sharing a server, a --run-id and the flags that
// shape the messages. They agree on one verdict this way:
//
//  1. Consumer processes subscribe, then say hello on m.ID.acct every
//     helloEvery: who they are, their config, how many messages arrived.
//  2. The producer process waits for a first hello (and refuses to start
//     if a config differs), says start on m.ID.ctl, publishes, then
//     says end: how many deliveries it sent to each queue and why it
//     stopped. Loss is judged against that, never against the plan.
//  3. When the hellos' arrivals add up to what was sent (or nothing new
//     arrives for the drain timeout), it says collect; each consumer
//     process stops receiving and sends its account: its seen bits (one bit
//     per delivery, in chunks) and counts and latency histograms per queue.
//  4. The producer process ORs the bits, counts each queue's distinct
//     deliveries (what arrived anywhere), merges counts and histograms, and
//     says verdict. Every process then reports the same numbers for the
//     run, with each process's share.
//
// A process that waits for another (a hello, end, collect, an account, the
// verdict) stops on a signal, a lost server or its timeout, and says what
// it did not get rather than guess.

// helloEvery is how often a consumer process says hello.
const helloEvery = 100 * time.Millisecond

// collectAgain is how often the producer process says collect while an
// account is missing.
const collectAgain = 250 * time.Millisecond

// ctlMsg is one message of the protocol, as JSON.
type ctlMsg struct {
	Kind      string        `json:"kind"` // hello, start, end, collect, bits, account, verdict
	From      string        `json:"from"`
	Config    *roleConfig   `json:"config,omitempty"`
	Arrived   int64         `json:"arrived,omitempty"`
	Sent      []int64       `json:"sent,omitempty"`
	Produced  int64         `json:"produced,omitempty"`
	EndedBy   string        `json:"ended_by,omitempty"`
	Queue     int           `json:"queue,omitempty"`
	Word      int64         `json:"word,omitempty"`
	Bits      []byte        `json:"bits,omitempty"`
	Account   *natsAccount  `json:"account,omitempty"`
	Verdict   *splitVerdict `json:"verdict,omitempty"`
	FirstWall int64         `json:"first_wall,omitempty"` // start: the producers' first send, wall clock ns
}

// roleConfig is what every process of a split run must agree on.
type roleConfig struct {
	Messages   int64    `json:"messages"`
	Producers  int      `json:"producers"`
	Queues     int      `json:"queues"`
	Dispatch   Dispatch `json:"dispatch"`
	Keys       int      `json:"keys"`
	Batch      int      `json:"batch"`
	Size       int      `json:"size"`
	Seed       uint64   `json:"seed"`
	Rate       float64  `json:"rate"`
	Arrival    Arrival  `json:"arrival"`
	DurationNs int64    `json:"duration_ns"`
}

func roleConfigOf(c Config) *roleConfig {
	return &roleConfig{Messages: c.Messages, Producers: c.Producers, Queues: c.Queues, Dispatch: c.Dispatch, Keys: c.Keys,
		Batch: max(c.Batch, 1), Size: c.Size, Seed: c.Seed, Rate: c.Rate, Arrival: c.Arrival, DurationNs: int64(c.Duration)}
}

// diff names the flags two processes disagree on: "-n: here 1,000, there 2,000".
func (a *roleConfig) diff(b *roleConfig) []string {
	var out []string
	add := func(flag string, x, y any) {
		if x != y {
			out = append(out, fmt.Sprintf("%s: here %v, there %v", flag, x, y))
		}
	}
	add("--messages", a.Messages, b.Messages)
	add("--producers", a.Producers, b.Producers)
	add("--queues", a.Queues, b.Queues)
	add("--dispatch", a.Dispatch, b.Dispatch)
	if a.Dispatch == Key || b.Dispatch == Key {
		add("--keys", a.Keys, b.Keys)
	}
	add("--batch", a.Batch, b.Batch)
	add("--size", a.Size, b.Size)
	add("--seed", a.Seed, b.Seed)
	add("--rate", a.Rate, b.Rate)
	add("--arrival", a.Arrival, b.Arrival)
	add("--duration", time.Duration(a.DurationNs), time.Duration(b.DurationNs))
	return out
}

// RoleMismatchError is a split run whose processes disagree on a flag
// that shapes the messages: none of them can judge the others' deliveries.
type RoleMismatchError struct {
	Other string   // the other process's role
	Diffs []string // "--messages: here 1,000, there 2,000"
}

func (e *RoleMismatchError) Error() string {
	return fmt.Sprintf("--role: this process and a %s-role process of the run disagree (%s); every process of a split run needs the same flags", e.Other, join(e.Diffs))
}

func join(s []string) string {
	out := ""
	for i, x := range s {
		if i > 0 {
			out += "; "
		}
		out += x
	}
	return out
}

func processID() string { return "p" + strconv.FormatUint(rand.Uint64()>>16, 36) }

func (t *natsTransport) ctlSubject() string  { return subjectPrefix + t.runID + ".ctl" }
func (t *natsTransport) acctSubject() string { return subjectPrefix + t.runID + ".acct" }

// ctlConn is one connection for the protocol, with every message it
// receives handed to handle on the client's goroutine, in order.
type ctlConn struct {
	nc *nats.Conn
	mu sync.Mutex // taken by handle's callers and by readers of their state
}

func (t *natsTransport) ctl(subject string, handle func(ctlMsg)) (*ctlConn, error) {
	nc, err := t.connect("control")
	if err != nil {
		return nil, err
	}
	c := &ctlConn{nc: nc}
	sub, err := nc.Subscribe(subject, func(m *nats.Msg) {
		var msg ctlMsg
		if json.Unmarshal(m.Data, &msg) != nil {
			return // not ours: a shared server carries anything
		}
		c.mu.Lock()
		handle(msg)
		c.mu.Unlock()
	})
	if err == nil {
		_ = sub.SetPendingLimits(-1, -1)
		err = nc.Flush()
	}
	if err != nil {
		return nil, fmt.Errorf("%w: subscribe: %v", ErrTransport, err)
	}
	return c, nil
}

// locked runs f holding the lock the handler runs under, to read what it
// wrote.
func (c *ctlConn) locked(f func()) {
	c.mu.Lock()
	defer c.mu.Unlock()
	f()
}

func (c *ctlConn) send(subject string, msg ctlMsg) {
	if b, err := json.Marshal(msg); err == nil {
		_ = c.nc.Publish(subject, b)
		_ = c.nc.Flush()
	}
}

// setWaiting says what a split role waits for, for Progress.
func (r *run) setWaiting(what string) {
	if what == "" {
		r.waiting.Store(nil)
		return
	}
	r.waiting.Store(&what)
}

// wait polls done every few milliseconds until it holds, the timeout
// passes (0: none), the server is lost or (unless ignoreSignal) the run is
// interrupted. It reports whether done held.
func (r *run) wait(t *natsTransport, timeout time.Duration, ignoreSignal bool, done func() bool) bool {
	tk := time.NewTicker(5 * time.Millisecond)
	defer tk.Stop()
	start, intr := time.Now(), r.interrupted
	if ignoreSignal {
		intr = nil
	}
	for !done() {
		if timeout > 0 && time.Since(start) > timeout {
			return false
		}
		select {
		case <-tk.C:
		case <-t.lost:
			return done()
		case <-intr:
			return done()
		}
	}
	return true
}

// splitOutcome is what a process of a split run takes into its Result.
type splitOutcome struct {
	self      string
	verdict   *splitVerdict // nil when none was agreed
	unjudged  string        // why there is no verdict
	peers     int           // other consumer processes seen
	producers string        // the producer process's id, in a consumer process
	endedBy   string        // what stopped the producers, as they said
}
