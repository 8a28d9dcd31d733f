// Package sim runs msgsim's producer → queues → consumers topology with
// goroutines and channels, checks that every delivery happened exactly once
// and measures throughput and latency. It owns the engine: topology,
// dispatch, accounting and per-consumer statistics. It never prints; callers
// observe a run through [Progress] and receive a plain [Result].
package sim

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/msgsim/msgsim/units"
)

// Dispatch says how a producer chooses the queues a message goes to.
type Dispatch string

const (
	// Fanout sends every message to every queue (the tutorial's broadcast).
	Fanout Dispatch = "fanout"
	// RoundRobin sends message i of producer k to queue (i+k) mod Q.
	RoundRobin Dispatch = "roundrobin"
	// Key draws a key per message from the seeded generator and hashes it
	// to one queue, so one key always lands on the same queue.
	Key Dispatch = "key"
)

// Dispatches lists the accepted dispatch modes, default first.
var Dispatches = []Dispatch{Fanout, RoundRobin, Key}

// ParseDispatch accepts the name of a dispatch mode.
func ParseDispatch(s string) (Dispatch, error) {
	for _, d := range Dispatches {
		if strings.EqualFold(s, string(d)) {
			return d, nil
		}
	}
	return "", fmt.Errorf("unknown dispatch mode %q (want %s)", s, joinDispatches())
}

func joinDispatches() string {
	names := make([]string, len(Dispatches))
	for i, d := range Dispatches {
		names[i] = string(d)
	}
	return strings.Join(names, ", ")
}

// Limits refused by Validate before anything is allocated. They keep a typo
// (an extra zero or two) from taking the machine down.
const (
	MaxExpected        = 1_000_000_000_000 // deliveries in one run
	MaxProducers       = 100_000
	MaxQueues          = 1_000_000
	MaxConsumers       = 10_000_000 // consumer goroutines in total
	MaxBuffer          = 1 << 24    // per queue
	MaxBufferedSlots   = 1 << 26    // buffer × queues: channel memory is allocated up front
	MaxSize            = 1 << 20    // payload bytes
	MaxKeys            = 1 << 30
	MaxBatch           = 1 << 16
	MaxProcs           = 4096
	DefaultKeys        = 1024
	DefaultMessages    = 1_000_000
	DefaultProducers   = 1
	DefaultQueues      = 3
	DefaultConsumers   = 2
	DefaultPayloadSize = 16
)

// Config is one run's topology and workload. The zero value is not valid;
// start from [DefaultConfig].
type Config struct {
	Messages  int64    // messages per producer
	Producers int      // producer goroutines
	Queues    int      // queues (channels)
	Consumers int      // competing consumers per queue
	Dispatch  Dispatch // how messages are spread over queues
	Keys      int      // distinct keys in Key dispatch
	Buffer    int      // channel capacity; 0 is unbuffered
	Batch     int      // messages per channel operation; 0 or 1 sends them one by one
	Size      int      // payload bytes carried by each message
	Seed      uint64   // seeds every random choice; 0 picks one and records it in the Result
	Procs     int      // GOMAXPROCS during the run; 0 keeps the current setting

	// TraceN deliveries are passed to Trace as they happen, then tracing
	// stops. Trace is called from consumer goroutines and must be safe for
	// concurrent use.
	TraceN int64
	Trace  func(Delivery)

	// Progress, when set, is updated by the run so another goroutine can
	// show how far it got.
	Progress *Progress
}

// Delivery describes one message received by one consumer, for tracing.
type Delivery struct {
	Queue, Consumer, Producer int
	Seq                       int64 // the producer's message number, from 0
	Key                       uint32
	Latency                   time.Duration
}

// DefaultConfig returns the tutorial's topology: 1 producer, 3 queues of 2
// consumers, fan-out, unbuffered, 1M messages of 16 bytes.
func DefaultConfig() Config {
	return Config{
		Messages:  DefaultMessages,
		Producers: DefaultProducers,
		Queues:    DefaultQueues,
		Consumers: DefaultConsumers,
		Dispatch:  Fanout,
		Batch:     1,
		Keys:      DefaultKeys,
		Size:      DefaultPayloadSize,
	}
}

// FieldError reports one invalid Config field. Field is the flag name, so
// the message reads the same on the command line and in code.
type FieldError struct {
	Field string // e.g. "queues"
	Value any
	Want  string // what is allowed
}

func (e *FieldError) Error() string {
	return fmt.Sprintf("--%s: %v is out of range (want %s)", e.Field, e.Value, e.Want)
}

// Expected returns the deliveries a complete run makes: messages × producers,
// times queues for fan-out.
func (c Config) Expected() int64 {
	n := c.Messages * int64(c.Producers)
	if c.Dispatch == Fanout {
		n *= int64(c.Queues)
	}
	return n
}

// Validate checks every field against its limits and returns the first
// problem as a *FieldError. It allocates nothing, so it is safe to call on
// absurd input.
func (c Config) Validate() error {
	type rng struct {
		field    string
		v, lo, h int64
	}
	for _, r := range []rng{
		{"messages", c.Messages, 0, MaxExpected},
		{"producers", int64(c.Producers), 1, MaxProducers},
		{"queues", int64(c.Queues), 1, MaxQueues},
		{"consumers", int64(c.Consumers), 1, MaxConsumers},
		{"buffer", int64(c.Buffer), 0, MaxBuffer},
		{"size", int64(c.Size), 0, MaxSize},
		{"keys", int64(c.Keys), 1, MaxKeys},
		{"batch", int64(c.Batch), 0, MaxBatch},
		{"procs", int64(c.Procs), 0, MaxProcs},
		{"trace", c.TraceN, 0, math.MaxInt64},
	} {
		if r.v < r.lo || r.v > r.h {
			return &FieldError{r.field, r.v, units.Int(r.lo) + ".." + units.Int(r.h)}
		}
	}
	switch c.Dispatch {
	case Fanout, RoundRobin, Key:
	default:
		return &FieldError{"dispatch", fmt.Sprintf("%q", c.Dispatch), joinDispatches()}
	}
	// Products are checked by division so they cannot overflow first.
	if int64(c.Consumers) > MaxConsumers/int64(c.Queues) {
		return &FieldError{"consumers", c.Consumers,
			fmt.Sprintf("queues × consumers ≤ %s consumer goroutines in total; %s × %s is too many", units.Int(MaxConsumers), units.Int(int64(c.Queues)), units.Int(int64(c.Consumers)))}
	}
	if c.Buffer > 0 && int64(c.Buffer)*int64(max(c.Batch, 1)) > MaxBufferedSlots/int64(c.Queues) {
		return &FieldError{"buffer", c.Buffer,
			fmt.Sprintf("buffer × batch × queues ≤ %s messages in flight; %s × %s × %s is too many", units.Int(MaxBufferedSlots), units.Int(int64(c.Buffer)), units.Int(int64(max(c.Batch, 1))), units.Int(int64(c.Queues)))}
	}
	perMsg := int64(c.Producers)
	if c.Dispatch == Fanout {
		perMsg *= int64(c.Queues)
	}
	if c.Messages > MaxExpected/perMsg {
		return &FieldError{"messages", c.Messages,
			"at most " + units.Int(MaxExpected) + " deliveries per run (messages × producers, × queues for fanout)"}
	}
	return nil
}
