package sim_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/msgsim/msgsim/sim"
)

// The checker's tests: a faulty transport drops, copies, holds back and
// garbles chosen messages, and each run must report exactly what was done.
// scripts/mutants.sh breaks the checker one rule at a time and expects one
// of these tests to fail each time; a rule without a failing test here is a
// rule nothing defends.

// hook is what RunFaulty asks of the transport for each message and queue.
type hook func(q, producer int, seq int64) sim.Fault

// at does f to message seq of every producer on queue q (q < 0: any queue).
func at(q int, seq int64, f sim.Fault) hook {
	return func(qq, _ int, s int64) sim.Fault {
		if (q < 0 || qq == q) && s == seq {
			return f
		}
		return sim.Fault{}
	}
}

// every does f to each nth message of every producer on queue q (q < 0:
// any queue).
func every(q int, n int64, f sim.Fault) hook {
	return func(qq, _ int, s int64) sim.Fault {
		if (q < 0 || qq == q) && s%n == 0 {
			return f
		}
		return sim.Fault{}
	}
}

// first combines hooks that pick different messages: the first fault found.
func first(hs ...hook) hook {
	return func(q, p int, s int64) sim.Fault {
		for _, h := range hs {
			if f := h(q, p, s); f != (sim.Fault{}) {
				return f
			}
		}
		return sim.Fault{}
	}
}

// counts is what the checker must report.
type counts struct{ lost, dup, reord int64 }

func (c counts) String() string {
	return fmt.Sprintf("lost %d dup %d reordered %d", c.lost, c.dup, c.reord)
}

// topo is the part of a Config a table row chooses.
type topo struct {
	d                 sim.Dispatch
	p, q, c, batch    int
	messages, buffer  int64
	traced, timedWarm bool
	rate              float64
}

func (tp topo) config() sim.Config {
	cfg := sim.DefaultConfig()
	cfg.Dispatch, cfg.Producers, cfg.Queues, cfg.Consumers, cfg.Batch = tp.d, tp.p, tp.q, tp.c, tp.batch
	cfg.Messages, cfg.Buffer, cfg.Seed = 200, 8, 7
	if tp.messages > 0 {
		cfg.Messages = tp.messages
	}
	if tp.buffer > 0 {
		cfg.Buffer = int(tp.buffer)
	}
	if tp.traced { // a trace takes the consumers' slow loop
		cfg.TraceN, cfg.Trace = 1, func(sim.Delivery) {}
	}
	if tp.timedWarm { // every delivery falls in the warm-up
		cfg.Warmup = time.Hour
	}
	cfg.Rate = tp.rate
	return cfg
}

// A mix on queue 0: a copy right behind message 5, message 10 garbled,
// message 20 held back past another word.
var mixed = first(at(0, 5, sim.Fault{Dup: 1}), at(0, 10, sim.Fault{Corrupt: true}), at(0, 20, sim.Fault{Delay: 100}))

func TestFaultsAreCountedExactly(t *testing.T) {
	fanout1 := topo{d: sim.Fanout, p: 1, q: 1, c: 1, batch: 1}
	late := sim.Fault{Dup: 1, DupAfter: 100}
	tests := []struct {
		name string
		topo topo
		hook hook
		want counts
		perQ []counts // when given, each queue's counts
	}{
		{"a dropped message is lost on its queue", topo{d: sim.Fanout, p: 1, q: 3, c: 2, batch: 1},
			at(1, 10, sim.Fault{Drop: true}), counts{1, 0, 0}, []counts{{}, {1, 0, 0}, {}}},
		{"a dropped message is lost on its queue in a batch", topo{d: sim.Fanout, p: 1, q: 3, c: 2, batch: 16},
			at(1, 10, sim.Fault{Drop: true}), counts{1, 0, 0}, []counts{{}, {1, 0, 0}, {}}},
		{"a loss and a duplicate do not cancel out", topo{d: sim.Fanout, p: 1, q: 3, c: 2, batch: 1},
			first(at(0, 3, sim.Fault{Drop: true}), at(0, 4, sim.Fault{Dup: 1})), counts{1, 1, 0}, []counts{{1, 1, 0}, {}, {}}},
		// With order checked a copy also counts as out of order: order
		// treats a slot equal to its producer's last as not later.
		{"a copy right behind its original is caught in the consumer's gathered word", fanout1,
			at(0, 5, sim.Fault{Dup: 1}), counts{0, 1, 1}, nil},
		{"a copy from another word is caught in the seen set", fanout1,
			at(0, 5, late), counts{0, 1, 1}, nil},
		{"copies that reach other consumers are caught in the shared set", topo{d: sim.Fanout, p: 2, q: 2, c: 3, batch: 1},
			every(1, 10, late), counts{0, 40, 0}, []counts{{}, {0, 40, 0}}},
		{"copies that reach other consumers are caught in the shared set in a batch", topo{d: sim.Fanout, p: 2, q: 2, c: 3, batch: 16},
			every(1, 10, late), counts{0, 40, 0}, []counts{{}, {0, 40, 0}}},
		{"a copy sent after the last message is caught by the final flush", fanout1,
			at(0, 10, sim.Fault{Dup: 1, DupAfter: 1000}), counts{0, 1, 1}, nil},
		{"a message held back within its word is out of order", fanout1,
			at(0, 10, sim.Fault{Delay: 5}), counts{0, 0, 1}, nil},
		{"messages held back into another word are out of order, per producer", topo{d: sim.Fanout, p: 2, q: 1, c: 1, batch: 1},
			at(0, 10, sim.Fault{Delay: 100}), counts{0, 0, 2}, nil},
		{"a message held back past the last one is out of order", fanout1,
			at(0, 10, sim.Fault{Delay: 1000}), counts{0, 0, 1}, nil},
		{"order is not judged with competing consumers", topo{d: sim.Fanout, p: 1, q: 1, c: 2, batch: 1},
			every(0, 10, sim.Fault{Delay: 20}), counts{}, nil},
		{"a garbled message is a duplicate and its original lost", fanout1,
			at(0, 10, sim.Fault{Corrupt: true}), counts{1, 1, 0}, nil},
		{"a garbled last message, in the seen set's last partial word, is a duplicate", fanout1,
			at(0, 199, sim.Fault{Corrupt: true}), counts{1, 1, 0}, nil},
		{"a garbled message in a batch is a duplicate and its original lost", topo{d: sim.Fanout, p: 1, q: 2, c: 2, batch: 16},
			at(1, 10, sim.Fault{Corrupt: true}), counts{1, 1, 0}, []counts{{}, {1, 1, 0}}},
		// Producer k's message i goes to queue (k+i) mod 3, so every tenth
		// from two producers is 7+6, 7+7, 6+7 per queue.
		{"round robin: losses from every producer land on their queues", topo{d: sim.RoundRobin, p: 2, q: 3, c: 2, batch: 1},
			every(-1, 10, sim.Fault{Drop: true}), counts{40, 0, 0}, []counts{{13, 0, 0}, {14, 0, 0}, {13, 0, 0}}},
		// Each of a producer's late copies arrives after its producer's
		// later messages, wherever the key sent it.
		{"key dispatch: late copies are caught through the one shared set", topo{d: sim.Key, p: 2, q: 3, c: 1, batch: 1},
			every(-1, 20, late), counts{0, 20, 20}, nil},
		{"key dispatch: two copies at competing consumers", topo{d: sim.Key, p: 1, q: 3, c: 3, batch: 1},
			at(-1, 42, sim.Fault{Dup: 2}), counts{0, 2, 0}, nil},
		{"the batch path counts a mix of faults", topo{d: sim.Fanout, p: 1, q: 2, c: 1, batch: 16},
			mixed, counts{1, 2, 2}, []counts{{1, 2, 2}, {}}},
		{"the slow loop (tracing) counts a mix of faults", topo{d: sim.Fanout, p: 1, q: 1, c: 1, batch: 1, traced: true},
			mixed, counts{1, 2, 2}, nil},
		{"deliveries during the warm-up are checked all the same", topo{d: sim.Fanout, p: 1, q: 1, c: 1, batch: 1, timedWarm: true},
			mixed, counts{1, 2, 2}, nil},
		{"an open-loop run counts a mix of faults", topo{d: sim.Fanout, p: 1, q: 1, c: 1, batch: 1, rate: 1e6},
			mixed, counts{1, 2, 2}, nil},
		{"consumers sharing histograms count copies", topo{d: sim.Fanout, p: 1, q: 2, c: 200, batch: 1},
			every(0, 10, late), counts{0, 20, 0}, []counts{{0, 20, 0}, {}}},
		// A copy from the seen set's first chunk, arriving when the
		// consumer writes the second.
		{"a copy from another chunk of the seen set is caught", topo{d: sim.Fanout, p: 1, q: 1, c: 1, batch: 256, messages: 1<<20 + 64, buffer: 64},
			at(0, 3, sim.Fault{Dup: 1, DupAfter: 1 << 20}), counts{0, 1, 1}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := tt.topo.config()
			res, err := sim.RunFaulty(context.Background(), cfg, tt.hook)
			if err != nil {
				t.Fatal(err)
			}
			checkCounts(t, cfg, res, tt.want, tt.perQ)
			if tt.topo.timedWarm && res.WarmupDeliveries != res.Delivered {
				t.Errorf("%d of %d deliveries in the warm-up, want all", res.WarmupDeliveries, res.Delivered)
			}
		})
	}
}

// checkCounts asserts a faulty run's verdict: exact counts in total and per
// queue, deliveries that add up, and OK only when nothing was found.
func checkCounts(t *testing.T, cfg sim.Config, res sim.Result, want counts, perQ []counts) {
	t.Helper()
	if got := (counts{res.Lost, res.Duplicated, res.Reordered}); got != want {
		t.Errorf("%v, want %v", got, want)
	}
	if res.OK() != (want == counts{}) {
		t.Errorf("OK() = %v with %v", res.OK(), want)
	}
	if res.OrderChecked != (cfg.Consumers == 1) {
		t.Errorf("OrderChecked = %v with %d consumers per queue", res.OrderChecked, cfg.Consumers)
	}
	// Faults happen after sending: every planned delivery was sent, and
	// what arrived is what was sent, less the lost, plus the extras.
	if res.Sent != cfg.Expected() || res.Delivered != res.Sent-want.lost+want.dup {
		t.Errorf("sent %d of %d, delivered %d", res.Sent, cfg.Expected(), res.Delivered)
	}
	for q, w := range perQ {
		qr := res.Queues[q]
		if got := (counts{qr.Lost, qr.Duplicated, qr.Reordered}); got != w {
			t.Errorf("queue %d: %v, want %v", q, got, w)
		}
	}
}

// Over NATS the faults happen on the publish path; in fan-out one publish
// feeds every queue, so a fault asked for queue 0 hits them all. No message
// is dropped (the consumers would wait out the drain timeout for it), and
// every second copy of a message arrives before the last message of its
// queue: the wait ends when every message sent has arrived once, so a copy
// after that could be missed.
func TestNATSFaultsAreCountedExactly(t *testing.T) {
	tests := []struct {
		name     string
		d        sim.Dispatch
		p, q, c  int
		messages int64
		hook     hook
		want     counts
		perQ     []counts
	}{
		{"an undecodable message is a duplicate on every queue of a fan-out and its original lost", sim.Fanout, 1, 2, 2, 200,
			at(0, 10, sim.Fault{Corrupt: true}), counts{2, 2, 0}, []counts{{1, 1, 0}, {1, 1, 0}}},
		// Message 10 of producer k goes to queue (k+10) mod 2.
		{"undecodable messages are duplicates on their queues and their originals lost", sim.RoundRobin, 2, 2, 1, 200,
			at(-1, 10, sim.Fault{Corrupt: true}), counts{2, 2, 0}, []counts{{1, 1, 0}, {1, 1, 0}}},
		{"a message held back is out of order", sim.RoundRobin, 1, 1, 1, 200,
			at(0, 10, sim.Fault{Delay: 100}), counts{0, 0, 1}, nil},
		{"a copy from another word is a duplicate", sim.Fanout, 1, 1, 1, 200,
			at(0, 10, sim.Fault{Dup: 1, DupAfter: 100}), counts{0, 1, 1}, nil},
		// A thousand deliveries too many must not end the wait for the
		// last thousand messages: they would be counted lost.
		{"copies do not cut the wait for the last messages short", sim.Key, 2, 3, 1, 2000,
			func(_, _ int, s int64) sim.Fault {
				if s < 1000 && s%2 == 0 {
					return sim.Fault{Dup: 1, Delay: 50}
				}
				return sim.Fault{}
			}, counts{0, 1000, 1000}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := natsConfig(tt.d, tt.p, tt.q, tt.c)
			cfg.Messages = tt.messages
			cfg.DrainTimeout = time.Second // waited for only if a delivery is missing
			res, err := sim.RunFaulty(context.Background(), cfg, tt.hook)
			if err != nil {
				t.Fatal(err)
			}
			checkCounts(t, cfg, res, tt.want, tt.perQ)
			if res.SlowConsumers != 0 || res.TransportError != "" {
				t.Fatalf("slow consumers %d, transport error %q", res.SlowConsumers, res.TransportError)
			}
		})
	}
}
