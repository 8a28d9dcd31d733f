package sim

import (
	"context"
	"math"
	"testing"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
)

// A consumer that takes 5 ms per message against arrivals every 0.5 ms
// falls further behind with every message. Open loop measures latency from
// each message's intended time, so the backlog shows: message j cannot be
// picked up before j × 5 ms (sleep never returns early), but was intended at
// j × 0.5 ms, so its latency is at least j × 4.5 ms. The bounds below follow
// from sleep's guarantee alone, whatever the machine's speed. A closed loop
// stamps each message when it is finally sent and hides the backlog
// (coordinated omission): its median latency is about one service time.
func TestOpenLoopMeasuresTheStall(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Messages, cfg.Queues, cfg.Consumers, cfg.Buffer = 40, 1, 1, 0
	cfg.Work, cfg.WorkKind = 5*time.Millisecond, Sleep
	closed, err := Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Rate = 2000
	open, err := Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range []Result{closed, open} {
		if !r.OK() || r.Delivered != 40 || r.Latency.Count != 40 {
			t.Fatalf("every message must be delivered and timed: %+v", r)
		}
	}
	if min := 39 * 4500 * time.Microsecond; open.Latency.Max < min {
		t.Fatalf("open-loop max latency %v, want at least %v", open.Latency.Max, min)
	}
	if min := 19 * 4500 * time.Microsecond; open.Latency.P50 < min { // the 20th of 40 is message 19
		t.Fatalf("open-loop median latency %v, want at least %v", open.Latency.P50, min)
	}
	if open.MaxLag < 150*time.Millisecond {
		t.Fatalf("the producer fell %v behind schedule, want at least 150ms", open.MaxLag)
	}
	if closed.MaxLag != 0 || closed.Latency.P50 >= open.Latency.P50 {
		t.Fatalf("closed loop: lag %v, median %v; open-loop median %v", closed.MaxLag, closed.Latency.P50, open.Latency.P50)
	}
}

func TestWorkloadsKeepExactlyOnce(t *testing.T) {
	tests := []struct {
		name  string
		edit  func(*Config)
		ended string
	}{
		{"open loop uniform", func(c *Config) { c.Rate, c.Messages = 20_000, 1000 }, "messages"},
		{"open loop poisson, 3 producers, batched", func(c *Config) {
			c.Rate, c.Arrival, c.Producers, c.Messages, c.Batch = 30_000, Poisson, 3, 500, 8
		}, "messages"},
		{"open loop roundrobin", func(c *Config) { c.Rate, c.Messages, c.Dispatch = 20_000, 900, RoundRobin }, "messages"},
		{"duration caps an unlimited count", func(c *Config) {
			c.Duration, c.Rate = 150*time.Millisecond, 5_000
			c.Messages = c.UnlimitedMessages()
		}, "duration"},
		{"duration in closed loop", func(c *Config) {
			c.Duration, c.Buffer = 50*time.Millisecond, 64
			c.Messages = c.UnlimitedMessages()
		}, "duration"},
		{"warm-up", func(c *Config) { c.Rate, c.Messages, c.Warmup = 10_000, 1000, 30*time.Millisecond }, "messages"},
		{"spin work, exp", func(c *Config) { c.Work, c.WorkDist, c.Messages = 20*time.Microsecond, ExpWork, 500 }, "messages"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := DefaultConfig()
			cfg.Seed = 5
			tt.edit(&cfg)
			res, err := Run(context.Background(), cfg)
			if err != nil {
				t.Fatal(err)
			}
			if !res.OK() || res.Interrupted || res.Lost != 0 || res.Delivered != res.Sent || res.Sent != res.Expected || res.Sent == 0 {
				t.Fatalf("exactly-once broken: sent %d expected %d delivered %d lost %d dup %d", res.Sent, res.Expected, res.Delivered, res.Lost, res.Duplicated)
			}
			if res.EndedBy != tt.ended {
				t.Fatalf("ended by %q, want %q", res.EndedBy, tt.ended)
			}
			if res.Latency.Count+res.WarmupDeliveries != res.Delivered {
				t.Fatalf("%d timed + %d warm-up != %d delivered", res.Latency.Count, res.WarmupDeliveries, res.Delivered)
			}
			if cfg.Work > 0 {
				for _, q := range res.Queues {
					if q.Utilisation <= 0 || q.Utilisation > 1.01 || q.MeanService < cfg.Work/2 {
						t.Fatalf("queue %d: utilisation %.3f, mean service %v", q.Queue, q.Utilisation, q.MeanService)
					}
				}
			}
		})
	}
}

// Deliveries in the series add up to the timed deliveries, over every
// transport: every sample lands in exactly one interval.
func TestSeriesCoversTheRun(t *testing.T) {
	for _, transport := range []string{"chan", "nats"} {
		t.Run(transport, func(t *testing.T) {
			cfg := DefaultConfig()
			cfg.Transport = transport
			cfg.Queues, cfg.Consumers, cfg.Rate, cfg.Messages, cfg.Interval = 1, 2, 4000, 1000, 50*time.Millisecond
			res, err := Run(context.Background(), cfg)
			if err != nil {
				t.Fatal(err)
			}
			var sum int64
			for _, iv := range res.Series {
				sum += iv.Deliveries
				if iv.Deliveries > 0 && (iv.P50 <= 0 || iv.P99 < iv.P50) {
					t.Fatalf("interval %+v", iv)
				}
				// The interval's histogram, kept for HdrHistogram logs, holds
				// exactly its deliveries.
				if iv.Deliveries > 0 && (iv.Histogram == nil || iv.Histogram.TotalCount() != iv.Deliveries) {
					t.Fatalf("interval at %v: %d deliveries, histogram %v", iv.Start, iv.Deliveries, iv.Histogram)
				}
			}
			// 1000 messages at 4000/s take 250 ms: at least four 50 ms intervals.
			if len(res.Series) < 4 || sum != res.Latency.Count || sum != res.Delivered {
				t.Fatalf("%d intervals with %d deliveries; want ≥ 4 covering all %d", len(res.Series), sum, res.Latency.Count)
			}
		})
	}
}

// A series starts at the first send, never before it: a closed loop's
// first send comes after the run's base time.
func TestSeriesStartsAtTheFirstSend(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Queues, cfg.Consumers, cfg.Buffer, cfg.Messages, cfg.Interval = 1, 1, 64, 200_000, 10*time.Millisecond
	res, err := Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	for i, iv := range res.Series {
		if iv.Start < 0 || (i > 0 && iv.Start <= res.Series[i-1].Start) || iv.Throughput < 0 {
			t.Fatalf("interval %d: %+v", i, iv)
		}
	}
}

// A full buffer in front of a slow consumer shows as depth: the producer
// fills 100 slots in microseconds and the consumer sleeps 1 ms per message.
func TestDepthSeesAFullBuffer(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Queues, cfg.Consumers, cfg.Buffer, cfg.Messages = 1, 1, 100, 150
	cfg.Work, cfg.WorkKind = time.Millisecond, Sleep
	res, err := Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if q := res.Queues[0]; q.MaxDepth < 50 || q.MeanDepth <= 0 || q.MaxDepth > 100 {
		t.Fatalf("max depth %d, mean %.1f; want a buffer of 100 seen well filled", q.MaxDepth, q.MeanDepth)
	}
}

// Depth over time: each interval of the series says the deepest queue
// sampled in it, never deeper than the run's deepest.
func TestSeriesSeesDepth(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Queues, cfg.Consumers, cfg.Buffer, cfg.Messages, cfg.Interval = 1, 1, 100, 150, 40*time.Millisecond
	cfg.Work, cfg.WorkKind = time.Millisecond, Sleep
	res, err := Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	var deepest int64
	for _, iv := range res.Series {
		deepest = max(deepest, iv.MaxDepth)
	}
	if deepest < 50 || deepest > res.Queues[0].MaxDepth {
		t.Fatalf("deepest interval %d, run's max depth %d; want a filled buffer seen over time", deepest, res.Queues[0].MaxDepth)
	}
	// The spectrum runs from the minimum to the maximum, never falling.
	sp := res.Spectrum
	if len(sp) != len(SpectrumPercentiles) || sp[0].Value != res.Latency.Min || sp[len(sp)-1].Value != res.Latency.Max {
		t.Fatalf("spectrum %v; latency %+v", sp, res.Latency)
	}
	for i := 1; i < len(sp); i++ {
		if sp[i].Value < sp[i-1].Value || sp[i].Percentile <= sp[i-1].Percentile {
			t.Fatalf("spectrum falls at %d: %v", i, sp)
		}
	}
	if res.Histogram == nil || res.Histogram.TotalCount() != res.Latency.Count {
		t.Fatalf("histogram %v for %d timed deliveries", res.Histogram, res.Latency.Count)
	}
}

// The drain after the producers stop leaves a sliver of an interval; it is
// folded into the interval before it, rate over the longer span, so the
// series still sums to every delivery.
func TestSeriesFoldsTheFinalSliver(t *testing.T) {
	const every = 50 * time.Millisecond
	hist := func(n int) *hdrhistogram.Histogram {
		h := newIntervalHistogram()
		for range n {
			_ = h.RecordValue(1000)
		}
		return h
	}
	tests := []struct {
		name       string
		last       time.Duration
		counts     []int
		wantCounts []int64
		wantRate   float64 // of the last interval
	}{
		{"sliver folded", 2*every + 2*time.Millisecond, []int{10, 10, 3}, []int64{10, 13}, 13 / 0.052},
		{"tenth kept", 2*every + 5*time.Millisecond, []int{10, 10, 3}, []int64{10, 10, 3}, 3 / 0.005},
		{"only a sliver", 2 * time.Millisecond, []int{4}, []int64{4}, 4 / 0.002},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &seriesRecorder{every: every}
			for _, n := range tt.counts {
				s.hists = append(s.hists, hist(n))
			}
			got := s.result(0, int64(tt.last))
			if len(got) != len(tt.wantCounts) {
				t.Fatalf("%d intervals, want %d: %+v", len(got), len(tt.wantCounts), got)
			}
			for i, iv := range got {
				if iv.Deliveries != tt.wantCounts[i] {
					t.Errorf("interval %d: %d deliveries, want %d", i, iv.Deliveries, tt.wantCounts[i])
				}
			}
			if r := got[len(got)-1].Throughput; math.Abs(r-tt.wantRate) > 1e-6*tt.wantRate {
				t.Errorf("last interval's rate %g, want %g", r, tt.wantRate)
			}
		})
	}
}
