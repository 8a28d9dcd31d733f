package sim_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"

	"github.com/msgsim/msgsim/sim"
)

// startCluster runs n routed nats-servers on loopback ports, as a cluster
// of machines would be, and returns them with the comma-separated URL list.
func startCluster(t *testing.T, n int) ([]*server.Server, string) {
	t.Helper()
	var nodes []*server.Server
	var urls []string
	for i := range n {
		opts := &server.Options{Host: "127.0.0.1", Port: -1, NoSigs: true, NoLog: true, ServerName: fmt.Sprintf("n%d", i+1),
			Cluster: server.ClusterOpts{Name: "msgsim", Host: "127.0.0.1", Port: -1}}
		if i > 0 {
			opts.Routes = server.RoutesFromStr(fmt.Sprintf("nats://127.0.0.1:%d", nodes[0].ClusterAddr().Port))
		}
		ns, err := server.NewServer(opts)
		if err != nil {
			t.Fatal(err)
		}
		go ns.Start()
		if !ns.ReadyForConnections(5 * time.Second) {
			t.Fatal("server not ready")
		}
		nodes = append(nodes, ns)
		urls = append(urls, ns.ClientURL())
	}
	deadline := time.Now().Add(5 * time.Second)
	for _, ns := range nodes {
		for ns.NumRoutes() < 1 && n > 1 {
			if time.Now().After(deadline) {
				t.Fatal("cluster routes not up")
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	t.Cleanup(func() {
		for _, ns := range nodes {
			ns.Shutdown()
			ns.WaitForShutdown()
		}
	})
	return nodes, strings.Join(urls, ",")
}

// runGuarded runs cfg with a hang guard.
func runGuarded(t *testing.T, cfg sim.Config) sim.Result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	res, err := sim.Run(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if ctx.Err() != nil {
		t.Fatal("the run hung until the guard cancelled it")
	}
	return res
}

// When the server every connection uses dies, each connection moves to
// the next server of the list; the run goes on, the failovers are logged
// with where they went, and the accounting still adds up.
func TestNATSFailover(t *testing.T) {
	nodes, urls := startCluster(t, 2)
	cfg := natsConfig(sim.RoundRobin, 1, 2, 2)
	cfg.NATSURL, cfg.Messages, cfg.Rate, cfg.Interval, cfg.DrainTimeout = urls, 6000, 6000, 100*time.Millisecond, time.Second
	atDelivery(&cfg, 1500, nodes[0].Shutdown)
	res := runGuarded(t, cfg)
	t.Logf("elapsed %s lost %d dup %d failovers %+v summary %+v", res.Elapsed, res.Lost, res.Duplicated, res.Failovers, res.FailoverSummary)
	if res.TransportError != "" || res.Interrupted {
		t.Fatalf("the run did not survive the failover: %q", res.TransportError)
	}
	if res.Produced != cfg.Messages {
		t.Fatalf("produced %d of %d", res.Produced, cfg.Messages)
	}
	// One producer's connection and one per queue for its consumers;
	// nothing else connects in one process.
	if want := cfg.Producers + cfg.Queues; len(res.Failovers) != want {
		t.Fatalf("got %d failovers, want %d: %+v", len(res.Failovers), want, res.Failovers)
	}
	for _, f := range res.Failovers {
		if f.Up < f.Down || f.Server != nodes[1].ClientURL() || f.Conn == "" {
			t.Fatalf("failover %+v: want a return to %s after the loss", f, nodes[1].ClientURL())
		}
	}
	s := res.FailoverSummary
	// The worst interval around the failover is one that overlaps it or
	// the interval after (where what was buffered went out); it need not be
	// worse than the median one (a failover of 2 ms can hide in a loaded
	// machine's noise).
	if s == nil || s.Up < s.Down || s.Lost != res.Lost || s.MedianP99 <= 0 || s.WorstP99 <= 0 || s.WorstAt > s.Up+res.Config.SeriesInterval() {
		t.Fatalf("summary %+v", s)
	}
	if res.Sent != res.Delivered+res.Lost-res.Duplicated {
		t.Fatalf("accounting: sent %d delivered %d lost %d duplicated %d", res.Sent, res.Delivered, res.Lost, res.Duplicated)
	}
	// The lost messages were meant to go out around the failover, not at
	// either end of the run.
	if res.Lost > 0 {
		if !s.LostTimed || s.LostFrom > s.LostTo || s.LostTo > s.Up+time.Second {
			t.Fatalf("lost %d meant to be sent from %s to %s; failover %s to %s", res.Lost, s.LostFrom, s.LostTo, s.Down, s.Up)
		}
	}
	if res.OK() != (res.Lost == 0 && res.Duplicated == 0) {
		t.Fatalf("ok() %v with %d lost and %d duplicated", res.OK(), res.Lost, res.Duplicated)
	}
}

// When every server of the cluster is gone the run still ends, within the
// drain timeout of the loss, with the transport error said.
func TestNATSClusterAllGone(t *testing.T) {
	nodes, urls := startCluster(t, 2)
	cfg := natsConfig(sim.Fanout, 1, 1, 1)
	cfg.NATSURL, cfg.Messages, cfg.Rate, cfg.DrainTimeout = urls, 1_000_000, 20_000, 300*time.Millisecond
	atDelivery(&cfg, 500, func() {
		for _, ns := range nodes {
			ns.Shutdown()
		}
	})
	start := time.Now()
	res := runGuarded(t, cfg)
	t.Logf("took %s: %q failovers %+v", time.Since(start), res.TransportError, res.Failovers)
	if !strings.Contains(res.TransportError, "no server of the cluster") || res.Produced >= cfg.Messages {
		t.Fatalf("transport error %q, produced %d", res.TransportError, res.Produced)
	}
	if res.OK() {
		t.Fatal("a run that lost its cluster passed its check")
	}
	// The nodes go one after another, so a connection may come back to the
	// second before it goes too; each connection's last drop never ends.
	last := map[string]sim.Failover{}
	for _, f := range res.Failovers {
		if l, ok := last[f.Conn]; !ok || f.Down >= l.Down {
			last[f.Conn] = f
		}
	}
	for _, f := range last {
		if f.Up >= 0 {
			t.Fatalf("failover %+v came back to a cluster that was gone", f)
		}
	}
	if res.FailoverSummary == nil || res.FailoverSummary.Up >= 0 {
		t.Fatalf("summary %+v: want never back", res.FailoverSummary)
	}
}

// An interrupt while connections wait for a server ends the wait: the run
// reports at once, interrupted, not after the drain timeout, and what never
// came back is logged so, not as a transport failure.
func TestNATSClusterInterruptedWhileReconnecting(t *testing.T) {
	nodes, urls := startCluster(t, 2)
	cfg := natsConfig(sim.Fanout, 1, 1, 2)
	cfg.NATSURL, cfg.Messages, cfg.Rate = urls, 1_000_000, 20_000
	cfg.DrainTimeout = 10 * time.Minute // past the guard: only the interrupt can end the wait
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	atDelivery(&cfg, 500, func() {
		for _, ns := range nodes {
			ns.Shutdown()
		}
		cancel()
	})
	done := make(chan struct{})
	var res sim.Result
	var err error
	go func() {
		defer close(done)
		res, err = sim.Run(ctx, cfg)
	}()
	select {
	case <-done:
	case <-time.After(time.Minute): // a hang guard
		t.Fatal("an interrupted run waited for a cluster that was gone")
	}
	if err != nil {
		t.Fatal(err)
	}
	if !res.Interrupted || res.TransportError != "" || len(res.Failovers) == 0 {
		t.Fatalf("interrupted %v, transport error %q, failovers %+v", res.Interrupted, res.TransportError, res.Failovers)
	}
	// The nodes go one after another, so a connection may come back to the
	// second before it goes too; each connection's last drop never ends.
	last := map[string]sim.Failover{}
	for _, f := range res.Failovers {
		if l, ok := last[f.Conn]; !ok || f.Down >= l.Down {
			last[f.Conn] = f
		}
	}
	for _, f := range last {
		if f.Up >= 0 {
			t.Fatalf("failover %+v came back to a cluster that was gone", f)
		}
	}
}
