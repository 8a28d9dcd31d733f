package sim_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

	"go.uber.org/goleak"

	"github.com/msgsim/msgsim/sim"
)

// Every test in the package must leave no goroutine behind.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestRunDeliversExactlyOnce(t *testing.T) {
	type topo struct{ q, c int }
	for _, d := range sim.Dispatches {
		for _, buf := range []int{0, 1, 1024} {
			for _, p := range []int{1, 3} {
				for _, tp := range []topo{{1, 1}, {3, 2}, {4, 1}, {2, 5}} {
					for _, batch := range []int{1, 64} {
						name := fmt.Sprintf("%s/buf=%d/p=%d/q=%d/c=%d/batch=%d", d, buf, p, tp.q, tp.c, batch)
						t.Run(name, func(t *testing.T) {
							cfg := sim.DefaultConfig()
							cfg.Messages, cfg.Producers, cfg.Queues, cfg.Consumers = 997, p, tp.q, tp.c
							cfg.Dispatch, cfg.Buffer, cfg.Batch, cfg.Seed = d, buf, batch, 7
							res, err := sim.Run(context.Background(), cfg)
							if err != nil {
								t.Fatal(err)
							}
							checkExact(t, cfg, res)
						})
					}
				}
			}
		}
	}
}

// checkExact asserts the counts of a complete, fault-free run.
func checkExact(t *testing.T, cfg sim.Config, res sim.Result) {
	t.Helper()
	want := cfg.Messages * int64(cfg.Producers)
	if cfg.Dispatch == sim.Fanout {
		want *= int64(cfg.Queues)
	}
	if res.Expected != want || res.Sent != want || res.Delivered != want {
		t.Fatalf("expected/sent/delivered = %d/%d/%d, want %d", res.Expected, res.Sent, res.Delivered, want)
	}
	if res.Lost != 0 || res.Duplicated != 0 || res.Reordered != 0 || !res.OK() || res.Interrupted {
		t.Fatalf("lost %d dup %d reordered %d interrupted %v", res.Lost, res.Duplicated, res.Reordered, res.Interrupted)
	}
	if res.Produced != cfg.Messages*int64(cfg.Producers) {
		t.Fatalf("produced %d", res.Produced)
	}
	if res.Bytes != want*int64(cfg.Size) {
		t.Fatalf("bytes %d, want %d", res.Bytes, want*int64(cfg.Size))
	}
	if res.Latency.Count != want {
		t.Fatalf("latency samples %d, want %d", res.Latency.Count, want)
	}
	if res.QueueLatency {
		for _, q := range res.Queues {
			if q.Latency.Count != q.Delivered {
				t.Fatalf("queue %d: %d latency samples for %d deliveries", q.Queue, q.Latency.Count, q.Delivered)
			}
		}
	}
	if len(res.Queues) != cfg.Queues || len(res.Consumers) != cfg.Queues*cfg.Consumers {
		t.Fatalf("%d queue rows, %d consumer rows", len(res.Queues), len(res.Consumers))
	}
	var sumQ, sumC int64
	for q, qr := range res.Queues {
		perQ := qr.Sent
		switch cfg.Dispatch {
		case sim.Fanout:
			if perQ != cfg.Messages*int64(cfg.Producers) {
				t.Errorf("queue %d sent %d, want every message", q, perQ)
			}
		case sim.RoundRobin:
			// Round-robin spreads evenly: a queue's share is within one unit
			// (a message, or a batch) per producer of an equal split.
			unit := int64(max(cfg.Batch, 1) * cfg.Producers)
			fair := cfg.Messages * int64(cfg.Producers) / int64(cfg.Queues)
			if perQ < fair-unit || perQ > fair+unit {
				t.Errorf("queue %d sent %d, want %d ± %d", q, perQ, fair, unit)
			}
		}
		if qr.Delivered != qr.Sent || qr.Lost != 0 || qr.Duplicated != 0 || (res.QueueLatency && qr.Latency.Count != qr.Delivered) {
			t.Errorf("queue %d: %+v", q, qr)
		}
		sumQ += qr.Delivered
	}
	for _, c := range res.Consumers {
		sumC += c.Delivered
	}
	if sumQ != want || sumC != want {
		t.Fatalf("per-queue sum %d, per-consumer sum %d, want %d", sumQ, sumC, want)
	}
	if want > 0 && (res.Elapsed <= 0 || res.Latency.Max < res.Latency.P50 || res.Latency.P50 < res.Latency.Min) {
		t.Fatalf("implausible timing: elapsed %v latency %+v", res.Elapsed, res.Latency)
	}
}

func TestRunRefusesZeroMessages(t *testing.T) {
	cfg := sim.DefaultConfig()
	cfg.Messages = 0
	var fe *sim.FieldError
	if _, err := sim.Run(context.Background(), cfg); !errors.As(err, &fe) || fe.Field != "messages" {
		t.Fatalf("a run that delivers nothing checks nothing and must be refused; got %v", err)
	}
}

func TestRunCancelledCountsNotSentSeparately(t *testing.T) {
	cfg := sim.DefaultConfig()
	cfg.Messages, cfg.Buffer = 1_000_000_000, 64
	var seen atomic.Int64
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	// Cancel from inside the run after some deliveries: deterministic, no sleeps.
	cfg.TraceN = 5000
	cfg.Trace = func(sim.Delivery) {
		if seen.Add(1) == 5000 {
			cancel()
		}
	}
	res, err := sim.Run(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Interrupted {
		t.Fatal("not marked interrupted")
	}
	if res.Sent >= res.Expected || res.NotSent() <= 0 {
		t.Fatalf("sent %d of %d", res.Sent, res.Expected)
	}
	if res.Lost != 0 || res.Duplicated != 0 || res.Delivered != res.Sent {
		t.Fatalf("in-flight messages must be drained, not lost: sent %d delivered %d lost %d", res.Sent, res.Delivered, res.Lost)
	}
}

func TestRunKeyDispatchIsSeededAndOrdered(t *testing.T) {
	cfg := sim.DefaultConfig()
	cfg.Messages, cfg.Producers, cfg.Queues, cfg.Consumers, cfg.Dispatch, cfg.Buffer = 2000, 2, 4, 1, sim.Key, 16
	cfg.Keys, cfg.Seed, cfg.TraceN = 50, 99, 1<<40
	keyQueue := map[uint32]int{}
	var mu sync.Mutex
	var keysSeen [][2]int64 // (producer<<32|key, seq) in arrival order, per run
	cfg.Trace = func(d sim.Delivery) {
		mu.Lock()
		defer mu.Unlock()
		if q, ok := keyQueue[d.Key]; ok && q != d.Queue {
			t.Errorf("key %d went to queues %d and %d", d.Key, q, d.Queue)
		}
		keyQueue[d.Key] = d.Queue
		if d.Queue != sim.KeyQueue(d.Key, cfg.Queues) {
			t.Errorf("key %d on queue %d, KeyQueue says %d", d.Key, d.Queue, sim.KeyQueue(d.Key, cfg.Queues))
		}
		keysSeen = append(keysSeen, [2]int64{int64(d.Producer)<<32 | int64(d.Key), d.Seq})
	}
	res, err := sim.Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	checkExact(t, cfg, res)
	if !res.OrderChecked {
		t.Fatal("order must be checked with one consumer per queue")
	}
	// Same key from the same producer arrives in sequence order.
	last := map[int64]int64{}
	for _, ks := range keysSeen {
		if prev, ok := last[ks[0]]; ok && ks[1] <= prev {
			t.Fatalf("key %x: seq %d after %d", ks[0], ks[1], prev)
		}
		last[ks[0]] = ks[1]
	}
	// Same seed, same assignment of messages to queues.
	again, err := sim.Run(context.Background(), withoutTrace(cfg))
	if err != nil {
		t.Fatal(err)
	}
	for q := range res.Queues {
		if res.Queues[q].Sent != again.Queues[q].Sent {
			t.Fatalf("queue %d got %d then %d messages with the same seed", q, res.Queues[q].Sent, again.Queues[q].Sent)
		}
	}
}

func withoutTrace(c sim.Config) sim.Config {
	c.Trace, c.TraceN = nil, 0
	return c
}

func TestRunTraceStopsAfterN(t *testing.T) {
	cfg := sim.DefaultConfig()
	cfg.Messages, cfg.TraceN = 500, 7
	var n atomic.Int64
	cfg.Trace = func(sim.Delivery) { n.Add(1) }
	if _, err := sim.Run(context.Background(), cfg); err != nil {
		t.Fatal(err)
	}
	if n.Load() != 7 {
		t.Fatalf("traced %d deliveries, want 7", n.Load())
	}
}

func TestProgressReachesExpected(t *testing.T) {
	var p sim.Progress
	if s := p.Snapshot(); s.Expected != 0 || s.Delivered != 0 {
		t.Fatalf("before run: %+v", s)
	}
	cfg := sim.DefaultConfig()
	cfg.Messages, cfg.Progress = 5000, &p
	if _, err := sim.Run(context.Background(), cfg); err != nil {
		t.Fatal(err)
	}
	if s := p.Snapshot(); s.Delivered != 15000 || s.Expected != 15000 {
		t.Fatalf("after run: %+v", s)
	}
}

// Above 256 consumers histograms are shared per queue, above 1,024 queues
// they are sharded; every delivery must still be timed exactly once.
func TestRunHistogramLayouts(t *testing.T) {
	tests := []struct {
		q, c   int
		layout sim.HistogramLayout
	}{
		{3, 2, sim.PerConsumer},
		{2, 200, sim.PerQueue},
		{1100, 1, sim.Sharded},
	}
	for _, tt := range tests {
		t.Run(string(tt.layout), func(t *testing.T) {
			cfg := sim.DefaultConfig()
			cfg.Messages, cfg.Queues, cfg.Consumers, cfg.Buffer = 300, tt.q, tt.c, 4
			res, err := sim.Run(context.Background(), cfg)
			if err != nil {
				t.Fatal(err)
			}
			checkExact(t, cfg, res)
			if res.Histograms != tt.layout {
				t.Fatalf("layout %s, want %s", res.Histograms, tt.layout)
			}
			if want := tt.layout != sim.Sharded; res.QueueLatency != want {
				t.Fatalf("QueueLatency %v, want %v", res.QueueLatency, want)
			}
			for _, q := range res.Queues {
				if res.QueueLatency && q.Latency.Count != q.Delivered {
					t.Fatalf("queue %d: %d latency samples for %d deliveries", q.Queue, q.Latency.Count, q.Delivered)
				}
			}
			if res.Runtime.PeakGoroutines < tt.q*tt.c {
				t.Fatalf("peak goroutines %d, want at least the %d consumers", res.Runtime.PeakGoroutines, tt.q*tt.c)
			}
		})
	}
}
