package sim_test

import (
	"context"
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"

	"github.com/msgsim/msgsim/sim"
)

func jsConfig(d sim.Dispatch, producers, queues, consumers int) sim.Config {
	cfg := sim.DefaultConfig()
	cfg.Transport, cfg.Dispatch = "jetstream", d
	cfg.Messages, cfg.Producers, cfg.Queues, cfg.Consumers, cfg.Seed = 1000, producers, queues, consumers, 5
	return cfg
}

// Over embedded JetStream every dispatch mode delivers exactly once when
// nothing goes wrong, in each delivery semantics and storage.
func TestJetStreamExactlyOnce(t *testing.T) {
	for _, tc := range []struct {
		d        sim.Dispatch
		delivery sim.Semantics
		storage  string
		c        int
	}{
		{sim.Fanout, sim.AtLeastOnce, "memory", 2},
		{sim.RoundRobin, sim.ExactlyOnce, "file", 2},
		{sim.Key, sim.AtMostOnce, "memory", 1},
	} {
		t.Run(fmt.Sprintf("%s/%s/%s", tc.d, tc.delivery, tc.storage), func(t *testing.T) {
			cfg := jsConfig(tc.d, 2, 3, tc.c)
			cfg.Delivery, cfg.Storage = tc.delivery, tc.storage
			res, err := sim.Run(context.Background(), cfg)
			if err != nil {
				t.Fatal(err)
			}
			checkExact(t, cfg, res)
			if res.Redelivered != 0 || res.TransportError != "" || res.Unconfirmed != 0 {
				t.Fatalf("redelivered %d, unconfirmed %d, transport error %q", res.Redelivered, res.Unconfirmed, res.TransportError)
			}
		})
	}
}

// traceCounts counts every delivery of every message, from the trace.
func traceCounts(cfg *sim.Config) (counts map[sim.MessageRef]int, read func() map[sim.MessageRef]int) {
	var mu sync.Mutex
	counts = map[sim.MessageRef]int{}
	cfg.TraceN = 1 << 40
	cfg.Trace = func(d sim.Delivery) {
		mu.Lock()
		counts[sim.MessageRef{Queue: d.Queue, Producer: d.Producer, Seq: d.Seq}]++
		mu.Unlock()
	}
	return counts, func() map[sim.MessageRef]int { mu.Lock(); defer mu.Unlock(); return counts }
}

// A consumer that crashes before acknowledging: the messages it held come
// back after the ack wait, and the checker finds exactly them duplicated,
// which at least once allows.
func TestJetStreamCrashBeforeAck(t *testing.T) {
	cfg := jsConfig(sim.RoundRobin, 1, 2, 2)
	cfg.Messages, cfg.Rate, cfg.AckWait = 600, 2000, 300*time.Millisecond
	cfg.Faults = []sim.BrokerFault{
		{Kind: sim.FaultCrash, At: 80 * time.Millisecond, Queue: 1, Consumer: 0},
		{Kind: sim.FaultCrash, At: 120 * time.Millisecond, Queue: 0, Consumer: 1},
	}
	_, read := traceCounts(&cfg)
	res, err := sim.Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	twice := map[sim.MessageRef]bool{}
	for m, n := range read() {
		if n > 1 {
			twice[m] = true
		}
	}
	held := map[sim.MessageRef]bool{}
	var nHeld int64
	for _, f := range res.Faults {
		if !f.Happened || f.Recovery < 0 {
			t.Fatalf("fault %s: happened %v, recovery %v", f.BrokerFault, f.Happened, f.Recovery)
		}
		nHeld += f.Held
		for _, m := range f.HeldMessages {
			held[m] = true
		}
	}
	if nHeld != 2 || len(held) != 2 || !reflect.DeepEqual(twice, held) {
		t.Fatalf("delivered twice %v, held by the crashed consumers %v (%d)", twice, held, nHeld)
	}
	if res.Duplicated != nHeld || res.Lost != 0 || res.Redelivered < nHeld || !res.OK() {
		t.Fatalf("duplicated %d lost %d redelivered %d ok %v, want %d duplicates", res.Duplicated, res.Lost, res.Redelivered, res.OK(), nHeld)
	}
}

// At most once acknowledges before the work: the crashed consumer's message
// is lost, never delivered twice, and the verdict allows it.
func TestJetStreamCrashAtMostOnce(t *testing.T) {
	cfg := jsConfig(sim.Fanout, 1, 1, 1)
	cfg.Messages, cfg.Rate, cfg.Delivery = 400, 2000, sim.AtMostOnce
	cfg.Faults = []sim.BrokerFault{{Kind: sim.FaultCrash, At: 50 * time.Millisecond}}
	res, err := sim.Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	f := res.Faults[0]
	if f.Held != 1 || f.Lost != 1 || res.Lost != 1 || res.Duplicated != 0 || !res.OK() {
		t.Fatalf("held %d, fault lost %d, lost %d, duplicated %d, ok %v", f.Held, f.Lost, res.Lost, res.Duplicated, res.OK())
	}
}

// A publisher that publishes again what it saw no acknowledgement for
// makes duplicates, unless message ids let the stream drop them.
func TestJetStreamDedup(t *testing.T) {
	for _, tc := range []struct {
		delivery sim.Semantics
		dups     int64
	}{{sim.AtLeastOnce, 2 * 30}, {sim.ExactlyOnce, 0}} {
		t.Run(string(tc.delivery), func(t *testing.T) {
			cfg := jsConfig(sim.Fanout, 1, 2, 1)
			cfg.Messages, cfg.Rate, cfg.Delivery = 400, 2000, tc.delivery
			cfg.Faults = []sim.BrokerFault{{Kind: sim.FaultResend, At: 50 * time.Millisecond, Count: 30}}
			res, err := sim.Run(context.Background(), cfg)
			if err != nil {
				t.Fatal(err)
			}
			if f := res.Faults[0]; !f.Happened || f.Resent != 30 {
				t.Fatalf("resend happened %v, resent %d", f.Happened, f.Resent)
			}
			if res.Duplicated != tc.dups || res.Lost != 0 || !res.OK() {
				t.Fatalf("duplicated %d (want %d), lost %d, ok %v", res.Duplicated, tc.dups, res.Lost, res.OK())
			}
		})
	}
}

// A broker restart: file storage keeps the stream, so nothing is lost;
// memory storage loses it, and the fault's report says so.
func TestJetStreamRestart(t *testing.T) {
	for _, storage := range []string{"file", "memory"} {
		t.Run(storage, func(t *testing.T) {
			cfg := jsConfig(sim.Fanout, 1, 1, 2)
			cfg.Messages, cfg.Rate, cfg.Storage, cfg.DrainTimeout, cfg.AckWait = 1200, 4000, storage, 500*time.Millisecond, 300*time.Millisecond
			cfg.Faults = []sim.BrokerFault{{Kind: sim.FaultRestart, At: 100 * time.Millisecond}}
			res, err := sim.Run(context.Background(), cfg)
			if err != nil {
				t.Fatal(err)
			}
			f := res.Faults[0]
			if !f.Happened || res.TransportError != "" || len(res.Failovers) == 0 {
				t.Fatalf("happened %v, transport error %q, failovers %v", f.Happened, res.TransportError, res.Failovers)
			}
			switch storage {
			case "file":
				if res.Lost != 0 || f.Lost != 0 || f.Recovery < 0 || !res.OK() {
					t.Fatalf("lost %d (fault %d), recovery %v, ok %v", res.Lost, f.Lost, f.Recovery, res.OK())
				}
			case "memory":
				if res.Lost == 0 || f.Lost != res.Lost || f.Recovery >= 0 || res.OK() {
					t.Fatalf("lost %d (fault %d), recovery %v, ok %v", res.Lost, f.Lost, f.Recovery, res.OK())
				}
			}
		})
	}
}

// startJetStreamServer runs a nats-server with JetStream on a random
// loopback port, as an external server would be.
func startJetStreamServer(t *testing.T) *server.Server {
	t.Helper()
	ns, err := server.NewServer(&server.Options{Host: "127.0.0.1", Port: -1, NoSigs: true, NoLog: true, JetStream: true, StoreDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	go ns.Start()
	if !ns.ReadyForConnections(5 * time.Second) {
		t.Fatal("server not ready")
	}
	return ns
}

// With --nats-url the run uses the server's JetStream and deletes its
// stream at the end; a server that dies mid-run ends the run with a
// transport error rather than a hang.
func TestJetStreamExternal(t *testing.T) {
	ns := startJetStreamServer(t)
	cfg := jsConfig(sim.RoundRobin, 1, 2, 2)
	cfg.NATSURL = ns.ClientURL()
	res, err := sim.Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	checkExact(t, cfg, res)
	if n := ns.GlobalAccount().JetStreamUsage().Streams; n != 0 {
		t.Fatalf("%d streams left on the server", n)
	}

	cfg.Messages, cfg.Rate, cfg.DrainTimeout = 1_000_000, 5000, 300*time.Millisecond
	atDelivery(&cfg, 300, ns.Shutdown)
	done := make(chan struct{})
	go func() {
		defer close(done)
		res, err = sim.Run(context.Background(), cfg)
	}()
	select {
	case <-done:
	case <-time.After(60 * time.Second): // a hang guard
		t.Fatal("run did not end after the server died")
	}
	ns.WaitForShutdown()
	if err != nil || res.TransportError == "" || res.EndedBy != "transport" {
		t.Fatalf("err %v, transport error %q, ended by %q", err, res.TransportError, res.EndedBy)
	}
}
