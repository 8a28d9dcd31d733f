package sim_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"

	"github.com/msgsim/msgsim/sim"
)

func natsConfig(d sim.Dispatch, producers, queues, consumers int) sim.Config {
	cfg := sim.DefaultConfig()
	cfg.Transport, cfg.Dispatch = "nats", d
	cfg.Messages, cfg.Producers, cfg.Queues, cfg.Consumers, cfg.Seed = 2000, producers, queues, consumers, 3
	return cfg
}

// Over an embedded server every dispatch mode delivers exactly once.
func TestNATSExactlyOnce(t *testing.T) {
	for _, d := range sim.Dispatches {
		for _, p := range []int{1, 3} {
			t.Run(fmt.Sprintf("%s/p=%d", d, p), func(t *testing.T) {
				cfg := natsConfig(d, p, 3, 2)
				res, err := sim.Run(context.Background(), cfg)
				if err != nil {
					t.Fatal(err)
				}
				checkExact(t, cfg, res)
				if res.SlowConsumers != 0 || res.TransportError != "" {
					t.Fatalf("slow consumers %d, transport error %q", res.SlowConsumers, res.TransportError)
				}
			})
		}
	}
}

// startServer runs a nats-server on a random loopback port, as an external
// server would be.
func startServer(t *testing.T) *server.Server {
	t.Helper()
	ns, err := server.NewServer(&server.Options{Host: "127.0.0.1", Port: -1, NoSigs: true, NoLog: true})
	if err != nil {
		t.Fatal(err)
	}
	go ns.Start()
	if !ns.ReadyForConnections(5 * time.Second) {
		t.Fatal("server not ready")
	}
	return ns
}

func TestNATSExternalURL(t *testing.T) {
	ns := startServer(t)
	defer func() { ns.Shutdown(); ns.WaitForShutdown() }()
	cfg := natsConfig(sim.RoundRobin, 2, 2, 2)
	cfg.NATSURL = ns.ClientURL()
	res, err := sim.Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	checkExact(t, cfg, res)
}

func TestNATSUnreachable(t *testing.T) {
	cfg := natsConfig(sim.Fanout, 1, 1, 1)
	cfg.NATSURL = "nats://127.0.0.1:1"
	_, err := sim.Run(context.Background(), cfg)
	if !errors.Is(err, sim.ErrTransport) {
		t.Fatalf("got %v, want a transport error", err)
	}
}

// A server that dies mid-run ends the run: no hang, a partial result with
// the transport error, the losses counted, and no goroutine left behind.
func TestNATSServerDiesMidRun(t *testing.T) {
	ns := startServer(t)
	cfg := natsConfig(sim.Fanout, 1, 1, 1)
	cfg.NATSURL, cfg.Messages, cfg.Rate, cfg.DrainTimeout = ns.ClientURL(), 1_000_000, 20_000, 200*time.Millisecond
	atDelivery(&cfg, 500, ns.Shutdown)
	done := make(chan struct{})
	var res sim.Result
	var err error
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
	if err != nil {
		t.Fatal(err)
	}
	if res.TransportError == "" || res.Produced >= cfg.Messages || res.Delivered < 500 {
		t.Fatalf("transport error %q, produced %d, delivered %d", res.TransportError, res.Produced, res.Delivered)
	}
	if res.Sent != res.Delivered+res.Lost-res.Duplicated {
		t.Fatalf("accounting: sent %d delivered %d lost %d", res.Sent, res.Delivered, res.Lost)
	}
}

// A producer-role run and a consumer-role run, as on two machines, share a
// server, a run id and a seed; the consumer side checks exactly-once.
func TestNATSRoles(t *testing.T) {
	ns := startServer(t)
	defer func() { ns.Shutdown(); ns.WaitForShutdown() }()
	for _, d := range sim.Dispatches {
		t.Run(string(d), func(t *testing.T) {
			base := natsConfig(d, 2, 3, 2)
			base.NATSURL, base.RunID, base.Seed = ns.ClientURL(), "roles-"+string(d), 77
			cons, prod := base, base
			cons.Role, prod.Role = sim.RoleConsumer, sim.RoleProducer
			var consRes sim.Result
			var consErr error
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute) // a hang guard
			defer cancel()
			done := make(chan struct{})
			go func() {
				defer close(done)
				if consRes, consErr = sim.Run(ctx, cons); consErr != nil {
					cancel()
				}
			}()
			// The producer waits for the consumer's hello.
			prodRes, err := sim.Run(ctx, prod)
			if err != nil {
				t.Fatal(err)
			}
			<-done
			if consErr != nil {
				t.Fatal(consErr)
			}
			// Both processes report the run the producer process merged.
			checkExact(t, base, prodRes)
			checkExact(t, base, consRes)
			if len(prodRes.Processes) != 1 || prodRes.Processes[0].Delivered != base.Expected() || consRes.Process != prodRes.Processes[0].ID {
				t.Fatalf("processes %+v; consumer process %q", prodRes.Processes, consRes.Process)
			}
		})
	}
}

// Two runs sharing a server with one seed (CI jobs pin seeds) never mix:
// each process picks its own run-id.
func TestNATSRunsSharingAServerDoNotMix(t *testing.T) {
	ns := startServer(t)
	defer func() { ns.Shutdown(); ns.WaitForShutdown() }()
	cfg := natsConfig(sim.Fanout, 1, 2, 1)
	cfg.NATSURL, cfg.Messages = ns.ClientURL(), 20_000
	var wg sync.WaitGroup
	results := make([]sim.Result, 2)
	errs := make([]error, 2)
	for i := range results {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			results[i], errs[i] = sim.Run(context.Background(), cfg)
		}(i)
	}
	wg.Wait()
	for i, res := range results {
		if errs[i] != nil {
			t.Fatal(errs[i])
		}
		checkExact(t, cfg, res)
	}
	if results[0].Config.RunID == results[1].Config.RunID || results[0].Config.RunID == "" {
		t.Fatalf("run-ids %q and %q", results[0].Config.RunID, results[1].Config.RunID)
	}
}

// A slow consumer of big messages fills the client's bounded buffer: what
// the client drops counts as lost, and the result says the client dropped
// it, instead of the buffer taking the machine's memory.
func TestNATSPendingIsBounded(t *testing.T) {
	cfg := natsConfig(sim.Fanout, 1, 1, 1)
	cfg.Messages, cfg.Size, cfg.NATSPending = 200, 256<<10, 1<<20
	cfg.Work, cfg.WorkKind, cfg.DrainTimeout = 5*time.Millisecond, sim.Sleep, time.Second
	res, err := sim.Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if res.ClientDropped == 0 || res.Lost != res.ClientDropped || res.OK() {
		t.Fatalf("dropped %d, lost %d, ok %v: a full buffer must drop, and its drops be the losses", res.ClientDropped, res.Lost, res.OK())
	}
}
