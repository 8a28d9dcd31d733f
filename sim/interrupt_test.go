package sim_test

import (
	"context"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/msgsim/msgsim/sim"
)

// Each case cancels the run from inside it, at the first traced delivery,
// at a moment where an uninterruptible wait would hold the run for an hour:
// the test finishes only if every wait honours cancellation. (No timing is
// asserted; a regression shows up as the test binary's timeout.)
func TestInterruptEndsEveryWait(t *testing.T) {
	hour := time.Hour
	tests := []struct {
		name string
		edit func(*sim.Config)
		// what the partial result must say
		sent, notSent int64
		endedBy       string
	}{
		{"an open-loop gap of an hour", func(c *sim.Config) {
			c.Messages, c.Rate = 3, 1.0/3600 // the second message is due in an hour
		}, 1, 2, "interrupted"},
		{"cancelled before the run starts", func(c *sim.Config) {
			c.Messages, c.Rate, c.Arrival = 3, 1.0/3600, sim.Poisson
			c.TraceN = -1 // see below: the context is cancelled up front
		}, 0, 3, "interrupted"},
		{"an hour of sleeping work while draining", func(c *sim.Config) {
			c.Messages, c.Buffer, c.Work, c.WorkKind = 500, 1000, hour, sim.Sleep
		}, 500, 0, "messages"},
		{"an hour of spinning work while draining", func(c *sim.Config) {
			c.Messages, c.Buffer, c.Work, c.WorkKind = 500, 1000, hour, sim.Spin
		}, 500, 0, "messages"},
		{"sleeping work in batches", func(c *sim.Config) {
			c.Messages, c.Buffer, c.Batch, c.Work, c.WorkKind = 512, 64, 8, hour, sim.Sleep
		}, 512, 0, "messages"},
		// A timed run's plan is a time: what a signal cut short is not
		// "not sent".
		{"a --duration run's gap", func(c *sim.Config) {
			c.Messages, c.Rate, c.Duration = 3, 1.0/3600, 2*hour
		}, 1, 0, "interrupted"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := sim.DefaultConfig()
			cfg.Queues, cfg.Consumers, cfg.Seed = 1, 1, 3
			tt.edit(&cfg)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			var once atomic.Bool
			if cfg.TraceN < 0 {
				cancel()
			}
			var progress sim.Progress
			cfg.Progress = &progress
			cfg.TraceN = 1
			cfg.Trace = func(sim.Delivery) {
				if !once.CompareAndSwap(false, true) {
					return
				}
				// Cases that interrupt the drain wait until the producers
				// have sent everything (they publish every send when
				// consumers work), so the signal lands in the drain.
				for tt.endedBy == "messages" && progress.Snapshot().Sent < tt.sent {
					runtime.Gosched()
				}
				cancel()
			}
			res, err := sim.Run(ctx, cfg)
			if err != nil {
				t.Fatal(err)
			}
			if !res.Interrupted || res.EndedBy != tt.endedBy {
				t.Fatalf("interrupted %v, ended by %q; want interrupted, ended by %q", res.Interrupted, res.EndedBy, tt.endedBy)
			}
			if res.Sent != tt.sent || res.NotSent() != tt.notSent || res.Delivered != res.Sent || res.Lost != 0 || res.Duplicated != 0 {
				t.Fatalf("sent %d, not sent %d, delivered %d, lost %d, duplicated %d; want sent %d, not sent %d, all delivered",
					res.Sent, res.NotSent(), res.Delivered, res.Lost, res.Duplicated, tt.sent, tt.notSent)
			}
		})
	}
}

// A halt while a producer waits for its send time must not send that
// message: it was not sent before the halt, and counting it as sent would
// make the run's plan and its result disagree.
func TestDurationHaltSendsNothingLate(t *testing.T) {
	cfg := sim.DefaultConfig()
	cfg.Queues, cfg.Consumers, cfg.Dispatch = 2, 1, sim.RoundRobin
	cfg.Messages, cfg.Rate, cfg.Duration = 10, 1.0/3600, 50*time.Millisecond
	res, err := sim.Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if res.Interrupted || res.EndedBy != "duration" || res.Sent != 1 || res.Produced != 1 || res.Expected != 1 || !res.OK() {
		t.Fatalf("interrupted %v, ended by %q, sent %d, produced %d, expected %d, ok %v; want one message, ended by the duration",
			res.Interrupted, res.EndedBy, res.Sent, res.Produced, res.Expected, res.OK())
	}
}
