package sim_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/msgsim/msgsim/sim"
)

// steered returns a small config steered by ctl.
func steered(d sim.Dispatch, queues, consumers int, ctl *sim.Control) sim.Config {
	cfg := sim.DefaultConfig()
	cfg.Dispatch, cfg.Queues, cfg.Consumers, cfg.Seed, cfg.Control = d, queues, consumers, 7, ctl
	cfg.Messages = 50_000
	return cfg
}

// runSteering runs cfg and calls steer (in its own goroutine) once the run
// is under way; steer returns when it is done steering.
func runSteering(t *testing.T, cfg sim.Config, steer func(ctx context.Context)) sim.Result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var wg sync.WaitGroup
	wg.Go(func() {
		select {
		case <-cfg.Control.Started():
			steer(ctx)
		case <-ctx.Done():
		}
	})
	res, err := sim.Run(ctx, cfg)
	wg.Wait()
	if err != nil {
		t.Fatal(err)
	}
	if ctx.Err() != nil {
		t.Fatal("the run hung until the guard cancelled it")
	}
	return res
}

// Consumers added and removed while messages flow take every message
// exactly once, in every dispatch mode, and the added ones take a share.
func TestControlConsumersComeAndGo(t *testing.T) {
	for _, d := range sim.Dispatches {
		t.Run(string(d), func(t *testing.T) {
			ctl := sim.NewControl(1)
			cfg := steered(d, 2, 4, ctl)
			cfg.Buffer = 16
			res := runSteering(t, cfg, func(ctx context.Context) {
				for i := 0; ctx.Err() == nil && i < 400; i++ {
					for q := range 2 {
						if err := ctl.SetConsumers(q, 1+(i+q)%4); err != nil {
							return // the run ended
						}
					}
					time.Sleep(100 * time.Microsecond)
				}
			})
			if res.Lost != 0 || res.Duplicated != 0 || res.Delivered != res.Expected {
				t.Fatalf("delivered %d of %d, lost %d, duplicated %d", res.Delivered, res.Expected, res.Lost, res.Duplicated)
			}
			busy := 0
			for _, c := range res.Consumers {
				if c.Delivered > 0 {
					busy++
				}
			}
			if busy < 5 { // 2 queues × up to 4: more than the one each started with
				t.Fatalf("only %d consumers delivered anything: %+v", busy, res.Consumers)
			}
		})
	}
}

// A crashed consumer loses the one message it held, and the result names
// it: lost is exactly the crashes' messages.
func TestControlCrashLosesWhatItHeld(t *testing.T) {
	ctl := sim.NewControl(0)
	cfg := steered(sim.Fanout, 2, 2, ctl)
	started := make(chan struct{})
	atDelivery(&cfg, 100, func() { close(started) })
	res := runSteering(t, cfg, func(ctx context.Context) {
		select {
		case <-started:
		case <-ctl.Done():
			t.Error("the run ended before the crash")
			return
		}
		if err := ctl.CrashBy(1, 0, "the c key"); err != nil {
			t.Error(err)
		}
		if err := ctl.Crash(1, 0); err == nil {
			t.Error("a consumer crashed twice")
		}
	})
	// The refused second crash leaves the first one's author alone.
	if len(res.Crashes) != 1 || res.Crashes[0].Queue != 1 || res.Crashes[0].Consumer != 0 || res.Crashes[0].By != "the c key" {
		t.Fatalf("crashes %+v", res.Crashes)
	}
	if res.Lost != 1 || res.CrashLost != 1 || res.Duplicated != 0 {
		t.Fatalf("lost %d (by crashes %d), duplicated %d; want exactly the crash's message", res.Lost, res.CrashLost, res.Duplicated)
	}
	if q := res.Queues[1]; q.Lost != 1 || res.Queues[0].Lost != 0 {
		t.Fatalf("queue losses %d and %d, want 0 and 1", res.Queues[0].Lost, q.Lost)
	}
	if res.Crashes[0].Seq < 0 || res.Crashes[0].Seq >= cfg.Messages {
		t.Fatalf("the lost message %d is not one that was sent", res.Crashes[0].Seq)
	}
}

// Phases at two rates deliver what their schedules promise: counts within
// a generous margin of rate × the phase's measured length, and the fast
// phase about four times the slow one.
func TestControlPhasesFollowTheirRates(t *testing.T) {
	ctl := sim.NewControl(0)
	cfg := steered(sim.Fanout, 2, 1, ctl)
	cfg.Messages = 1 << 40 / 4 // the phases, not a count, end the run
	cfg.Duration = 900 * time.Millisecond
	if err := ctl.StartPhase("slow"); err != nil {
		t.Fatal(err)
	}
	if err := ctl.SetRate(1000); err != nil {
		t.Fatal(err)
	}
	res := runSteering(t, cfg, func(ctx context.Context) {
		select {
		case <-time.After(400 * time.Millisecond):
		case <-ctx.Done():
			return
		}
		_ = ctl.StartPhase("fast")
		_ = ctl.SetRate(4000)
	})
	if res.Lost != 0 || res.Duplicated != 0 || len(res.Phases) != 2 {
		t.Fatalf("lost %d, duplicated %d, phases %+v", res.Lost, res.Duplicated, res.Phases)
	}
	var sent, delivered int64
	for i, p := range res.Phases {
		rate := []float64{1000, 4000}[i] * 2 // two queues
		want := rate * p.Length.Seconds()
		if float64(p.Sent) < 0.7*want || float64(p.Sent) > 1.3*want+20 {
			t.Errorf("phase %s: sent %d in %s, want about %.0f", p.Name, p.Sent, p.Length, want)
		}
		if p.Delivered != p.Sent || p.Lost != 0 {
			t.Errorf("phase %s: delivered %d of %d sent, lost %d", p.Name, p.Delivered, p.Sent, p.Lost)
		}
		sent, delivered = sent+p.Sent, delivered+p.Delivered
	}
	if sent != res.Sent || delivered != res.Delivered {
		t.Fatalf("phases add up to %d sent, %d delivered; the run %d, %d", sent, delivered, res.Sent, res.Delivered)
	}
	if ratio := res.Phases[1].Throughput / res.Phases[0].Throughput; ratio < 2.5 || ratio > 5.5 {
		t.Fatalf("fast/slow throughput %.2f, want about 4", ratio)
	}
}

// A paused consumer takes nothing until resumed; a slowed one takes a
// smaller share; paused producers send nothing.
func TestControlPauseSlowAndProducers(t *testing.T) {
	ctl := sim.NewControl(0)
	cfg := steered(sim.Fanout, 1, 3, ctl)
	cfg.Messages, cfg.Work, cfg.WorkKind = 3000, 200*time.Microsecond, sim.Sleep
	if err := ctl.StartPhase("steady"); err != nil {
		t.Fatal(err)
	}
	res := runSteering(t, cfg, func(ctx context.Context) {
		if err := ctl.Pause(0, 0); err != nil {
			t.Error(err)
		}
		if err := ctl.Slow(0, 1, 8); err != nil {
			t.Error(err)
		}
		time.Sleep(50 * time.Millisecond)
		if s := ctl.ConsumerState(0, 0); s != sim.Paused {
			t.Errorf("consumer 0 is %s, want paused", s)
		}
		ctl.PauseProducers()
		_ = ctl.StartPhase("held")
		time.Sleep(50 * time.Millisecond)
		_ = ctl.StartPhase("after")
		ctl.ResumeProducers()
	})
	if res.Lost != 0 || res.Duplicated != 0 || res.Delivered != 3000 {
		t.Fatalf("delivered %d, lost %d, duplicated %d", res.Delivered, res.Lost, res.Duplicated)
	}
	c := res.Consumers
	if c[0].Delivered >= c[2].Delivered/4 {
		t.Errorf("paused consumer 0 delivered %d against consumer 2's %d", c[0].Delivered, c[2].Delivered)
	}
	if c[1].Delivered*2 >= c[2].Delivered {
		t.Errorf("consumer 1, slowed 8×, delivered %d against consumer 2's %d", c[1].Delivered, c[2].Delivered)
	}
	for _, p := range res.Phases {
		if p.Name == "held" && p.Sent != 0 {
			t.Errorf("paused producers sent %d in phase held", p.Sent)
		}
	}
}

// What a Control cannot steer is refused before the run.
func TestControlRefusals(t *testing.T) {
	ctl := sim.NewControl(0)
	for _, tt := range []struct {
		name string
		edit func(*sim.Config)
	}{
		{"nats", func(c *sim.Config) { c.Transport = "nats" }},
		{"batch", func(c *sim.Config) { c.Batch = 8 }},
		{"more active than there are", func(c *sim.Config) { c.Control = sim.NewControl(5) }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			cfg := steered(sim.Fanout, 1, 2, ctl)
			tt.edit(&cfg)
			if _, err := sim.Run(context.Background(), cfg); err == nil {
				t.Fatal("accepted")
			}
		})
	}
	if err := ctl.SetConsumers(0, 1); err == nil {
		t.Fatal("a change to a run that is not running was accepted")
	}
	// A Control steers one run: a second is refused before it starts.
	used := sim.NewControl(0)
	if _, err := sim.Run(context.Background(), steered(sim.Fanout, 1, 1, used)); err != nil {
		t.Fatal(err)
	}
	if _, err := sim.Run(context.Background(), steered(sim.Fanout, 1, 1, used)); err == nil {
		t.Fatal("a Control that steered a run was accepted for another")
	}
	if err := ctl.SetRate(-1); err == nil {
		t.Fatal("a negative rate was accepted")
	}
}
