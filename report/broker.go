package report

import (
	"fmt"
	"strings"

	"github.com/msgsim/msgsim/sim"
	"github.com/msgsim/msgsim/units"
)

// A durable broker's run: what it was asked for, what it did, and what
// each of its faults did.

// brokerLine says what the broker was asked for and what it did:
// settings, redeliveries, unconfirmed publishes.
func brokerLine(res sim.Result) string {
	c := res.Config
	if c.Transport == "kafka" {
		return kafkaLine(res)
	}
	where := "embedded nats-server with JetStream"
	if c.NATSURL != "" {
		where = "JetStream at " + sim.RedactURLs(c.NATSURL)
	}
	line := fmt.Sprintf("transport: %s, %s storage, %s, ack %s, ack wait %s", where, c.Storage, c.Delivery, c.AckPolicy, units.Duration(c.AckWait))
	if c.MaxDeliver > 0 {
		line += fmt.Sprintf(", at most %s deliveries", countStr(int64(c.MaxDeliver)))
	}
	if c.MsgID {
		line += ", message ids"
		if c.DedupWindow > 0 {
			line += " (window " + c.DedupWindow.String() + ")"
		}
	}
	line += fmt.Sprintf("; %s redelivered", countStr(res.Redelivered))
	if res.Unconfirmed > 0 {
		line += fmt.Sprintf("; %s publishes unconfirmed, %s published again", countStr(res.Unconfirmed), countStr(res.Republished))
	}
	return line
}

// kafkaLine is brokerLine for Kafka.
func kafkaLine(res sim.Result) string {
	c := res.Config
	where := "in-process Kafka cluster (kfake)"
	if c.KafkaBrokers != "" {
		where = "Kafka at " + sim.RedactURLs(c.KafkaBrokers)
		if c.KafkaSASL != "" {
			where += ", SASL " + c.KafkaSASL
		}
		if c.KafkaTLS {
			where += ", TLS"
		}
	}
	line := fmt.Sprintf("transport: %s, %s, offsets committed per batch, session timeout %s", where, c.Delivery, units.Duration(c.SessionTimeout))
	if res.Unconfirmed > 0 {
		line += fmt.Sprintf("; %s records unacknowledged by the cluster", countStr(res.Unconfirmed))
	}
	return line
}

// faultTable says what each broker fault did: when, what it held or
// published again, what was redelivered after it and lost by it, and how
// long the consumers took to catch up.
func faultTable(res sim.Result) table {
	t := table{title: "broker faults (times since the first send)",
		header: []string{"fault", "at", "held", "dropped", "resent", "deduplicated", "redelivered", "lost", "caught up after"}}
	var held []string
	for _, f := range res.Faults {
		if !f.Happened {
			t.rows = append(t.rows, []string{f.BrokerFault.String(), "did not happen", "", "", "", "", "", "", ""})
			continue
		}
		caught := "never"
		if f.Recovery >= 0 {
			caught = units.Duration(f.Recovery)
		}
		t.rows = append(t.rows, []string{f.BrokerFault.String(), units.Duration(f.Time), countStr(f.Held), countStr(f.Abandoned),
			countStr(f.Resent), countStr(f.Deduplicated), countStr(f.Redelivered), countStr(f.Lost), caught})
		for _, m := range f.HeldMessages {
			held = append(held, fmt.Sprintf("q%d p%d #%d", m.Queue, m.Producer, m.Seq))
		}
	}
	notes := []string{"held: taken by a crashed consumer and not acknowledged (at most once: acknowledged, not processed); dropped: fetched by its client, never handed over; " +
		"deduplicated: publishes again the stream dropped by message id; redelivered: the crash's messages delivered again (a restart: every redelivery until the next fault); lost: lost for sure by the fault; caught up: every message sent before the fault delivered, held ones again where promised"}
	if len(held) > 0 {
		notes = append(notes, "held messages: "+strings.Join(held, ", "))
	}
	t.note = strings.Join(notes, "\n")
	return t
}
