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
	MaxRate            = 1_000_000_000
	MaxDuration        = 7 * 24 * time.Hour
	MaxGap             = time.Hour // between one producer's messages in open loop
	MinInterval        = 10 * time.Millisecond
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
	// NoPrefault turns off pre-faulting the memory of big runs' consumer
	// goroutines with huge pages before they start (see Runtime.Prefault).
	NoPrefault bool
	// MaxMemory is the run's memory budget in bytes: Validate refuses a
	// run whose estimate (Memory) exceeds it. 0 means DefaultMemoryShare of
	// the machine's memory; see MemoryBudget.
	MaxMemory uint64

	// Open loop: Rate > 0 is the total target arrival rate (msgs/s over all
	// producers). Each message has an intended send time from the schedule
	// and latency is measured from it, so a producer held up by a full queue
	// shows up as latency instead of as messages never sent.
	Rate    float64
	Arrival Arrival

	// Work is each consumer's mean service time per message.
	Work     time.Duration
	WorkDist WorkDist
	WorkKind WorkKind

	// Duration > 0 stops producing after that long (or after Messages,
	// whichever comes first). Warmup excludes the deliveries of the first
	// Warmup from latency and throughput (they are still checked).
	Duration time.Duration
	Warmup   time.Duration
	// Interval > 0 reports throughput and latency per interval (Result.Series).
	Interval time.Duration

	// Transport is "chan" (default: Go channels in this process) or "nats".
	// Over NATS, an empty NATSURL starts an embedded server; DrainTimeout
	// bounds the wait for messages still missing after the producers flush.
	Transport    string
	NATSURL      string
	NATSToken    string
	NATSCreds    string
	DrainTimeout time.Duration
	RunID        string // subject prefix, so runs sharing a server do not mix
	// NATSPending bounds what the client buffers for slow consumers, over
	// all of this process's subscriptions (0: DefaultNATSPending). What it
	// drops when full never reaches a consumer: it counts as lost, and
	// Result.ClientDropped says why.
	NATSPending int64
	// Role splits a NATS run over processes: "all" (default), "producer"
	// or "consumer"; split roles need the same RunID, Seed and flags.
	Role string

	// Delivery is what a durable broker's run promises and is judged
	// against (delivery.go); "" is the exactly-once check of chan and
	// nats, and a broker run's default is DefaultDelivery.
	Delivery Semantics
	// JetStream (jetstream.go): Storage "memory" or "file"; AckPolicy
	// "explicit", "all" or "none"; AckWait before an unacknowledged
	// message is delivered again; MaxDeliver bounds the deliveries of one
	// message (0: no bound); MsgID puts a message id on every publish, and
	// DedupWindow is how long the stream remembers ids (0: the server's
	// default, 2 minutes).
	Storage     string
	AckPolicy   string
	AckWait     time.Duration
	MaxDeliver  int
	MsgID       bool
	DedupWindow time.Duration
	// Faults are broker faults at times of the run (brokerfault.go).
	Faults []BrokerFault
	// Kafka (kafka.go): KafkaBrokers lists a real cluster's brokers ("":
	// an in-process cluster); KafkaSASL is "", "plain", "scram-sha-256" or
	// "scram-sha-512" with KafkaUser and KafkaPassword (never printed);
	// KafkaTLS dials with TLS, trusting KafkaCA's certificates when given.
	// SessionTimeout is the consumer groups' (0: DefaultSessionTimeout).
	KafkaBrokers   string
	KafkaSASL      string
	KafkaUser      string
	KafkaPassword  string
	KafkaTLS       bool
	KafkaCA        string
	SessionTimeout time.Duration

	// TraceN deliveries are passed to Trace as they happen, then tracing
	// stops. Trace is called from consumer goroutines and must be safe for
	// concurrent use.
	TraceN int64
	Trace  func(Delivery)

	// Progress, when set, is updated by the run so another goroutine can
	// show how far it got.
	Progress *Progress

	// Sizes, when set, draws each message's payload size (a scenario's
	// payload); Size is then its mean, for estimates. Steered runs only.
	Sizes *SizeDist

	// Control, when set, steers the run while it goes (control.go):
	// Consumers is then the most each queue may have, Control.Active how
	// many take messages at the start. The chan transport with Batch 1 only.
	Control *Control
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
		Messages:     DefaultMessages,
		Producers:    DefaultProducers,
		Queues:       DefaultQueues,
		Consumers:    DefaultConsumers,
		Dispatch:     Fanout,
		Batch:        1,
		Keys:         DefaultKeys,
		Arrival:      Uniform,
		Transport:    "chan",
		DrainTimeout: DefaultDrainTimeout,
		WorkDist:     FixedWork,
		WorkKind:     Spin,
		Size:         DefaultPayloadSize,
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
	if _, word := e.Value.(string); word {
		return fmt.Sprintf("--%s: %v is not allowed here (want %s)", e.Field, e.Value, e.Want)
	}
	return fmt.Sprintf("--%s: %v is out of range (want %s)", e.Field, e.Value, e.Want)
}

// UnlimitedMessages returns the message count a --duration run uses when no
// count was given: as many as the delivery limit allows.
func (c Config) UnlimitedMessages() int64 {
	per := int64(c.Producers)
	if c.Dispatch == Fanout {
		per *= int64(c.Queues)
	}
	return MaxExpected / max(per, 1)
}

// UntilDuration reports whether the duration alone decides how many
// messages are sent (--duration without -n): Messages is then a bound no
// run reaches, not a plan.
func (c Config) UntilDuration() bool {
	return c.Duration > 0 && c.Messages >= c.UnlimitedMessages()
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
// problem as a *FieldError, then the run's estimated memory against its
// budget (a *MemoryError). It allocates nothing in proportion to the
// config, so it is safe to call on absurd input.
func (c Config) Validate() error {
	type rng struct {
		field    string
		v, lo, h int64
	}
	for _, r := range []rng{
		{"messages", c.Messages, 1, MaxExpected}, // a run that delivers nothing checks nothing
		{"producers", int64(c.Producers), 1, MaxProducers},
		{"queues", int64(c.Queues), 1, MaxQueues},
		{"consumers", int64(c.Consumers), 1, MaxConsumers},
		{"buffer", int64(c.Buffer), 0, MaxBuffer},
		{"size", int64(c.Size), 0, MaxSize},
		{"keys", int64(c.Keys), 1, MaxKeys},
		{"batch", int64(c.Batch), 1, MaxBatch}, // 1 sends messages one by one
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
	// A producer sends every Producers/Rate seconds; a gap longer than any
	// sane run is a typo (1e-300 would sleep 292 years per message).
	if c.Rate < 0 || c.Rate > MaxRate || c.Rate != c.Rate || (c.Rate > 0 && float64(c.Producers)/c.Rate > MaxGap.Seconds()) {
		return &FieldError{"rate", c.Rate, fmt.Sprintf("0 for a closed loop, or %.3g to %s msgs/s: at least a message an hour from each of %s",
			float64(c.Producers)/MaxGap.Seconds(), units.Int(MaxRate), plural(c.Producers, "producer"))}
	}
	for _, d := range []struct {
		field string
		v     time.Duration
	}{{"work", c.Work}, {"duration", c.Duration}, {"warmup", c.Warmup}, {"interval", c.Interval}} {
		if d.v < 0 || d.v > MaxDuration {
			return &FieldError{d.field, d.v, "0.." + MaxDuration.String()}
		}
	}
	if c.Interval > 0 && c.Interval < MinInterval {
		return &FieldError{"interval", c.Interval, "at least " + MinInterval.String()}
	}
	if c.Interval > 0 && int64(c.Queues)*int64(c.Consumers) > OwnHistogramsUpTo {
		return &FieldError{"interval", c.Interval, fmt.Sprintf("no --interval: a series is kept up to %d consumers in all, and this run has %s",
			OwnHistogramsUpTo, units.Int(int64(c.Queues)*int64(c.Consumers)))}
	}
	if c.Duration > 0 && c.Warmup >= c.Duration {
		return &FieldError{"warmup", c.Warmup, "less than --duration " + c.Duration.String()}
	}
	switch c.Transport {
	case "", "chan":
	case "nats", "jetstream", "kafka":
		if c.Queues*c.Consumers > MaxNATSConsumers {
			return &FieldError{"consumers", c.Consumers, fmt.Sprintf("queues × consumers ≤ %s subscriptions over NATS", units.Int(MaxNATSConsumers))}
		}
		if c.Batch > 1 {
			return &FieldError{"batch", c.Batch, "1 over NATS (every message is its own publish)"}
		}
		if c.Buffer > 0 {
			return &FieldError{"buffer", c.Buffer, "0 over NATS (the server buffers, not a channel)"}
		}
		if c.Size > MaxSize {
			return &FieldError{"size", c.Size, "at most " + units.Int(MaxSize)}
		}
	default:
		return &FieldError{"transport", fmt.Sprintf("%q", c.Transport), strings.Join(Transports, ", ")}
	}
	if err := c.validateBroker(); err != nil {
		return err
	}
	if c.Sizes != nil {
		if c.Control == nil {
			return &FieldError{"size", c.Size, "one size for every message outside a scenario (its payload may be a distribution)"}
		}
		if err := c.Sizes.validate(); err != nil {
			return &FieldError{"size", c.Sizes.Kind, err.Error()}
		}
	}
	if c.Control != nil {
		if c.Transport != "" && c.Transport != "chan" {
			return &FieldError{"transport", c.Transport, "chan in a steered run (a scenario or a live view)"}
		}
		if c.Batch > 1 {
			return &FieldError{"batch", c.Batch, "1 in a steered run (a scenario or a live view)"}
		}
		if c.Control.steered() {
			return &FieldError{"control", "a Control that steered a run", "a new Control for every run"}
		}
		if c.Control.Active < 0 || c.Control.Active > c.Consumers {
			return &FieldError{"consumers", c.Control.Active, fmt.Sprintf("0..%d active at the start (the run's consumers per queue)", c.Consumers)}
		}
	}
	if c.RunID != "" && !plainToken(c.RunID) {
		return &FieldError{"run-id", fmt.Sprintf("%q", c.RunID), "a plain subject token: letters, digits, - and _, at most 64 (no ., * or >, which would join other runs' subjects)"}
	}
	switch c.Role {
	case "", "all":
	case "producer", "consumer":
		if c.Transport != "nats" {
			return &FieldError{"role", c.Role, "all, unless --transport nats"}
		}
		if c.RunID == "" || c.Seed == 0 {
			return &FieldError{"role", c.Role, "--run-id and --seed set, the same in every process of the run"}
		}
		if c.NATSURL == "" {
			return &FieldError{"role", c.Role, "--nats-url too: a split run's processes meet on a server they can all reach, not one embedded in a single process"}
		}
	default:
		return &FieldError{"role", fmt.Sprintf("%q", c.Role), "all, producer, consumer"}
	}
	if c.DrainTimeout < 0 || c.DrainTimeout > MaxDuration {
		return &FieldError{"drain-timeout", c.DrainTimeout, "0.." + MaxDuration.String()}
	}
	if _, err := ParseArrival(string(c.Arrival)); err != nil && c.Arrival != "" {
		return &FieldError{"arrival", fmt.Sprintf("%q", c.Arrival), "uniform, poisson"}
	}
	if _, err := ParseWorkDist(string(c.WorkDist)); err != nil && c.WorkDist != "" {
		return &FieldError{"work-dist", fmt.Sprintf("%q", c.WorkDist), "fixed, exp, uniform"}
	}
	if _, err := ParseWorkKind(string(c.WorkKind)); err != nil && c.WorkKind != "" {
		return &FieldError{"work-kind", fmt.Sprintf("%q", c.WorkKind), "spin, sleep"}
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
	return c.checkMemory() // last: it relies on every field being in range
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return units.Int(int64(n)) + " " + word + "s"
}

// plainToken reports whether s can stand as one token of a NATS subject
// without matching or splitting others.
func plainToken(s string) bool {
	if len(s) > 64 {
		return false
	}
	for _, r := range s {
		if !(r == '-' || r == '_' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			return false
		}
	}
	return true
}
