package sim

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Broker faults happen at a time of a durable broker's run (--fault): the
// run acts them out and reports, for each, when it happened, what it
// redelivered or lost, and how long the consumers took to catch up.

// The broker fault kinds.
const (
	// FaultCrash: a consumer crashes before acknowledging the message it
	// holds (at most once: after acknowledging, before its work), drops
	// what its client had fetched, and is restarted at once.
	FaultCrash = "crash"
	// FaultRestart: the embedded broker shuts down and starts again on the
	// same port and store; clients reconnect.
	FaultRestart = "restart"
	// FaultResend: producer 0 publishes its latest Count messages again,
	// as a client does that saw no acknowledgement for them.
	FaultResend = "resend"
	// FaultRebalance: a consumer leaves its group and joins again, so
	// the group's partitions are assigned anew, twice (Kafka).
	FaultRebalance = "rebalance"
)

// FaultKinds lists the broker fault kinds.
var FaultKinds = []string{FaultCrash, FaultRestart, FaultResend, FaultRebalance}

// BrokerFault is one fault planned for a broker run.
type BrokerFault struct {
	Kind            string
	At              time.Duration // since the run started
	Queue, Consumer int           // crash: whose
	Count           int           // resend: how many messages
}

// DefaultResend is how many messages a resend fault publishes again.
const DefaultResend = 100

// MaxBrokerFaults bounds the faults of one run.
const MaxBrokerFaults = 100

// String is the fault as --fault takes it.
func (f BrokerFault) String() string {
	s := f.Kind + "@" + f.At.String()
	switch f.Kind {
	case FaultCrash, FaultRebalance:
		s += fmt.Sprintf(":q%d.c%d", f.Queue, f.Consumer)
	case FaultResend:
		s += ":" + strconv.Itoa(f.Count)
	}
	return s
}

// ParseFault reads KIND@TIME[:TARGET]: crash@1s (consumer 0 of queue 0),
// crash@1s:q1.c0, restart@2s, resend@500ms (the latest 100 messages) or
// resend@500ms:20.
func ParseFault(s string) (BrokerFault, error) {
	bad := func(why string) (BrokerFault, error) {
		return BrokerFault{}, fmt.Errorf("%s (want KIND@TIME[:TARGET]: crash@1s, crash@1s:q1.c0, restart@2s, resend@500ms:20, rebalance@1s:q0.c1)", why)
	}
	kind, rest, ok := strings.Cut(strings.TrimSpace(s), "@")
	if !ok {
		return bad("no @TIME")
	}
	at, target, _ := strings.Cut(rest, ":")
	f := BrokerFault{Kind: strings.ToLower(kind)}
	d, err := time.ParseDuration(at)
	if err != nil || d < 0 || d > MaxDuration {
		return bad(fmt.Sprintf("%q is not a time into the run", at))
	}
	f.At = d
	switch f.Kind {
	case FaultCrash, FaultRebalance:
		if target != "" {
			q, c, ok := strings.Cut(strings.TrimPrefix(target, "q"), ".c")
			qi, err1 := strconv.Atoi(q)
			ci, err2 := strconv.Atoi(c)
			if !ok || err1 != nil || err2 != nil || qi < 0 || ci < 0 {
				return bad(fmt.Sprintf("%q is not a consumer such as q1.c0", target))
			}
			f.Queue, f.Consumer = qi, ci
		}
	case FaultResend:
		f.Count = DefaultResend
		if target != "" {
			n, err := strconv.Atoi(target)
			if err != nil || n < 1 || n > 1<<20 {
				return bad(fmt.Sprintf("%q is not a count of messages from 1 to 1,048,576", target))
			}
			f.Count = n
		}
	case FaultRestart:
		if target != "" {
			return bad("restart takes no target")
		}
	default:
		return bad(fmt.Sprintf("%q is not a fault kind: %s", kind, strings.Join(FaultKinds, ", ")))
	}
	return f, nil
}

// validateFaults checks c's faults against its topology and transport.
func (c Config) validateFaults() error {
	if len(c.Faults) == 0 {
		return nil
	}
	if !BrokerTransport(c.Transport) {
		return &FieldError{"fault", c.Faults[0].String(), "no --fault unless --transport jetstream (faults act on a durable broker)"}
	}
	if len(c.Faults) > MaxBrokerFaults {
		return &FieldError{"fault", len(c.Faults), fmt.Sprintf("at most %d faults", MaxBrokerFaults)}
	}
	for _, f := range c.Faults {
		switch f.Kind {
		case FaultCrash:
			if f.Queue >= c.Queues || f.Consumer >= c.Consumers {
				return &FieldError{"fault", f.String(), fmt.Sprintf("a consumer of this run: queues q0..q%d, consumers c0..c%d", c.Queues-1, c.Consumers-1)}
			}
		case FaultRestart:
			if c.Transport != "jetstream" {
				return &FieldError{"fault", f.String(), "restart only over --transport jetstream (its embedded server)"}
			}
			if c.NATSURL != "" {
				return &FieldError{"fault", f.String(), "restart only with the embedded server (msgsim cannot restart a server at --nats-url)"}
			}
		case FaultResend:
			if c.Transport != "jetstream" {
				return &FieldError{"fault", f.String(), "resend only over --transport jetstream"}
			}
		case FaultRebalance:
			if c.Transport != "kafka" {
				return &FieldError{"fault", f.String(), "rebalance only over --transport kafka (JetStream has no consumer groups to rebalance)"}
			}
			if f.Queue >= c.Queues || f.Consumer >= c.Consumers {
				return &FieldError{"fault", f.String(), fmt.Sprintf("a consumer of this run: queues q0..q%d, consumers c0..c%d", c.Queues-1, c.Consumers-1)}
			}
		default:
			return &FieldError{"fault", f.String(), strings.Join(FaultKinds, ", ")}
		}
	}
	return nil
}

// FaultReport is what one broker fault did.
type FaultReport struct {
	BrokerFault
	// Happened is false when the run ended before the fault's time.
	Happened bool
	// Time is when it happened, since the first send.
	Time time.Duration
	// Crash: Held counts the messages the consumer had taken and not
	// acknowledged (at most once: acknowledged, not yet processed);
	// HeldMessages names them. Abandoned counts what its client had
	// fetched and not yet handed over: redelivered, never seen here.
	Held         int64
	HeldMessages []MessageRef
	Abandoned    int64
	// Resend: how many messages were published again, and how many of
	// those the stream dropped as duplicates of a message id it had.
	Resent, Deduplicated int64
	// Redelivered counts deliveries the broker marked as redelivered:
	// for a crash, of the messages it held or dropped; for a restart, all
	// of them from the restart until the next fault (or the end). Lost is
	// what the fault lost for sure: at most once, the messages a crash
	// held; for a restart, what was sent from the fault before it (or the
	// start) to the fault after it (or the end) and arrived nowhere.
	Redelivered int64
	Lost        int64
	// Recovery is how long after the fault the consumers were caught up:
	// every message sent before it delivered (less what it lost), and
	// every held message delivered again where redelivery is promised.
	// Negative when they never caught up before the run ended.
	Recovery time.Duration
}

// MessageRef names one message: its queue, producer and number.
type MessageRef struct {
	Queue, Producer int
	Seq             int64
}
