package sim

import (
	"fmt"
	"strings"
	"time"
)

// Delivery semantics: what a durable broker run promises, and so what its
// check judges. The checker counts the same things in every mode (lost,
// duplicated, reordered, from one bit per delivery); the mode decides which
// of them break the promise:
//
//   - at-most-once: the consumer acknowledges before its work. A crash
//     between the two loses the message; nothing is delivered twice.
//     Loss is shown and allowed; a duplicate breaks the promise.
//   - at-least-once: the consumer acknowledges after its work, and the
//     publisher retries what the broker did not confirm. A crash between
//     the two redelivers the message. Duplicates (redeliveries) are shown
//     and counted but keep the promise; a loss breaks it.
//   - exactly-once: at-least-once plus what the broker offers against the
//     duplicates (JetStream: publisher message ids within the stream's
//     duplicate window, and acknowledgements the server confirms). Loss
//     and duplicates both break it.
//
// None of them promises order: a message delivered again (even one a
// crashed consumer's client fetched and never handed over, at most once)
// comes after later ones. Reordering is shown, and judged only by the
// plain check.
//
// The channel and core NATS transports take no mode: their check is the
// exactly-once one, which an empty Delivery means.

// Semantics names a delivery semantics.
type Semantics string

// The delivery semantics.
const (
	AtMostOnce  Semantics = "at-most-once"
	AtLeastOnce Semantics = "at-least-once"
	ExactlyOnce Semantics = "exactly-once"
)

// Deliveries lists the accepted delivery semantics.
var Deliveries = []Semantics{AtMostOnce, AtLeastOnce, ExactlyOnce}

// ParseDelivery accepts the name of a delivery semantics.
func ParseDelivery(s string) (Semantics, error) {
	for _, d := range Deliveries {
		if strings.EqualFold(s, string(d)) {
			return d, nil
		}
	}
	return "", fmt.Errorf("unknown delivery semantics %q (want %s)", s, joinDeliveries())
}

func joinDeliveries() string {
	names := make([]string, len(Deliveries))
	for i, d := range Deliveries {
		names[i] = string(d)
	}
	return strings.Join(names, ", ")
}

// BrokerTransport reports whether transport is a durable broker, whose runs
// take a delivery semantics, acknowledgements and broker faults.
func BrokerTransport(transport string) bool {
	return transport == "jetstream" || transport == "kafka"
}

// DefaultDelivery is what a durable broker's run promises unless told:
// at least once, what JetStream and Kafka consumers give by default.
const DefaultDelivery Semantics = AtLeastOnce

// judgesLoss, judgesDuplicates and judgesOrder say what breaks the promise
// of d ("" is the plain exactly-once check of the other transports).
func (d Semantics) judgesLoss() bool       { return d != AtMostOnce }
func (d Semantics) judgesDuplicates() bool { return d != AtLeastOnce }
func (d Semantics) judgesOrder() bool      { return d == "" }

// Promise says in a few words what d promises, for the verdict.
func (d Semantics) Promise() string {
	switch d {
	case AtMostOnce:
		return "nothing delivered twice; loss allowed"
	case AtLeastOnce:
		return "nothing lost; duplicates allowed"
	}
	return "nothing lost, nothing delivered twice"
}

// Remote reports whether c's messages travel through a broker (NATS,
// JetStream, Kafka) rather than Go channels in this process.
func (c Config) Remote() bool { return c.Transport == "nats" || BrokerTransport(c.Transport) }

// DefaultAckWait is a broker run's wait before an unacknowledged message
// is delivered again. JetStream's own default, 30 s, would outlast the
// short runs msgsim makes; a crashed consumer's messages come back sooner.
const DefaultAckWait = 2 * time.Second

// MaxMaxDeliver bounds --max-deliver.
const MaxMaxDeliver = 1_000_000

// brokerDefaults fills in what a broker run leaves unsaid.
func (c *Config) brokerDefaults() {
	if !BrokerTransport(c.Transport) {
		return
	}
	if c.Delivery == "" {
		c.Delivery = DefaultDelivery
	}
	if c.Transport == "kafka" {
		if c.SessionTimeout == 0 {
			c.SessionTimeout = DefaultSessionTimeout
		}
		return
	}
	if c.Storage == "" {
		c.Storage = "memory"
	}
	if c.AckPolicy == "" {
		c.AckPolicy = "explicit"
	}
	if c.AckWait == 0 {
		c.AckWait = DefaultAckWait
	}
	if c.Delivery == ExactlyOnce {
		c.MsgID = true // the publisher's half of exactly once
	}
}

// validateBroker checks the delivery semantics and the broker's settings.
func (c Config) validateBroker() error {
	if !BrokerTransport(c.Transport) {
		if c.Delivery != "" {
			return &FieldError{"delivery", string(c.Delivery), "no --delivery over " + c.Transport + ": channels hand each message over once and core NATS is at most once, both checked exactly once; --transport jetstream offers " + joinDeliveries()}
		}
		return c.validateFaults()
	}
	if _, err := ParseDelivery(string(c.Delivery)); err != nil && c.Delivery != "" {
		return &FieldError{"delivery", fmt.Sprintf("%q", c.Delivery), joinDeliveries()}
	}
	if c.Transport == "kafka" {
		return c.validateKafka()
	}
	switch c.Storage {
	case "", "memory", "file":
	default:
		return &FieldError{"storage", fmt.Sprintf("%q", c.Storage), "memory, file"}
	}
	switch c.AckPolicy {
	case "", "explicit", "all":
	case "none":
		if c.Delivery != AtMostOnce {
			return &FieldError{"ack-policy", c.AckPolicy, "explicit or all, unless --delivery at-most-once: a message nobody acknowledges is never delivered again"}
		}
	default:
		return &FieldError{"ack-policy", fmt.Sprintf("%q", c.AckPolicy), "explicit, all, none"}
	}
	if c.AckWait < 0 || c.AckWait > time.Hour || c.AckWait > 0 && c.AckWait < 10*time.Millisecond {
		return &FieldError{"ack-wait", c.AckWait, "10ms..1h"}
	}
	if c.MaxDeliver < 0 || c.MaxDeliver > MaxMaxDeliver {
		return &FieldError{"max-deliver", c.MaxDeliver, fmt.Sprintf("0 (no bound) or 1..%d", MaxMaxDeliver)}
	}
	if c.DedupWindow < 0 || c.DedupWindow > MaxDuration {
		return &FieldError{"dedup-window", c.DedupWindow, "0.." + MaxDuration.String()}
	}
	if c.Role != "" && c.Role != RoleAll {
		return &FieldError{"role", c.Role, "all over " + c.Transport + " (split roles are for --transport nats)"}
	}
	return c.validateFaults()
}

// DefaultSessionTimeout is a Kafka run's group session timeout: the least
// a stock broker allows (group.min.session.timeout.ms). A member that
// crashes keeps its partitions until it passes.
const DefaultSessionTimeout = 6 * time.Second

// validateKafka checks a Kafka run's settings.
func (c Config) validateKafka() error {
	if c.Delivery == ExactlyOnce {
		return &FieldError{"delivery", string(c.Delivery), "at-most-once or at-least-once over kafka: Kafka's exactly once (transactions) covers reading, processing and writing back within Kafka, not a consumer's own work"}
	}
	switch c.KafkaSASL {
	case "":
		if c.KafkaUser != "" {
			return &FieldError{"kafka-user", c.KafkaUser, "with --kafka-sasl (" + strings.Join(KafkaSASLs, ", ") + ")"}
		}
		if c.KafkaPassword != "" {
			return &FieldError{"kafka-password", "REDACTED", "with --kafka-sasl (" + strings.Join(KafkaSASLs, ", ") + ")"} // never the password itself
		}
	case "plain", "scram-sha-256", "scram-sha-512":
		if c.KafkaUser == "" || c.KafkaPassword == "" {
			return &FieldError{"kafka-sasl", c.KafkaSASL, "--kafka-user and --kafka-password too"}
		}
	default:
		return &FieldError{"kafka-sasl", fmt.Sprintf("%q", c.KafkaSASL), strings.Join(KafkaSASLs, ", ")}
	}
	if (c.KafkaSASL != "" || c.KafkaTLS || c.KafkaCA != "") && c.KafkaBrokers == "" {
		return &FieldError{"kafka-brokers", `""`, "brokers to reach with SASL or TLS: the in-process cluster takes no credentials"}
	}
	if c.KafkaCA != "" && !c.KafkaTLS {
		return &FieldError{"kafka-ca", c.KafkaCA, "with --kafka-tls"}
	}
	if c.SessionTimeout < 0 || c.SessionTimeout > time.Hour || c.SessionTimeout > 0 && c.SessionTimeout < 100*time.Millisecond {
		return &FieldError{"session-timeout", c.SessionTimeout, "100ms..1h"}
	}
	for _, b := range strings.Split(c.KafkaBrokers, ",") {
		if c.KafkaBrokers != "" && !strings.Contains(strings.TrimSpace(b), ":") {
			return &FieldError{"kafka-brokers", "broker " + fmt.Sprintf("%q", RedactURLs(strings.TrimSpace(b))), "HOST:PORT, comma-separated"}
		}
	}
	if c.Role != "" && c.Role != RoleAll {
		return &FieldError{"role", c.Role, "all over " + c.Transport + " (split roles are for --transport nats)"}
	}
	return c.validateFaults()
}
