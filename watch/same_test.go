package watch_test

import (
	"context"
	"io"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/msgsim/msgsim/invoke"
	"github.com/msgsim/msgsim/report"
	"github.com/msgsim/msgsim/sim"
	"github.com/msgsim/msgsim/steer"
	"github.com/msgsim/msgsim/watch"
)

// press is a key pressed once the producers have handed over at so many
// messages, and the control-plane calls it stands for.
type press struct {
	at   int64
	keys []tea.KeyMsg
	do   func(*sim.Control) error
}

var presses = []press{
	{800, []tea.KeyMsg{{Type: tea.KeyRunes, Runes: []rune("+")}}, func(c *sim.Control) error { return c.SetConsumers(0, 3) }},
	{1600, []tea.KeyMsg{{Type: tea.KeyRunes, Runes: []rune("c")}}, func(c *sim.Control) error { return c.Crash(0, 0) }},
	{2400, []tea.KeyMsg{{Type: tea.KeyRight}, {Type: tea.KeyRunes, Runes: []rune("+")}}, func(c *sim.Control) error { return c.SetConsumers(1, 3) }},
	{3200, []tea.KeyMsg{{Type: tea.KeyUp}}, func(c *sim.Control) error { return c.SetRate(12_500) }},
}

// plan is a steered run of 4,000 messages at 10,000/s in fan-out to two
// queues of two consumers (room for six), with a fixed seed.
func plan() invoke.Plan {
	cfg := sim.DefaultConfig()
	cfg.Queues, cfg.Consumers, cfg.Seed = 2, 6, 42
	cfg.Work, cfg.WorkKind = 20*time.Microsecond, sim.Sleep
	phases := []steer.Phase{{Name: "watch", Messages: 4000, Rate: steer.Constant(10_000), Consumers: map[int]int{steer.AllQueues: 2}}}
	cfg.Messages = steer.Messages(phases, cfg.Producers) * 2
	return invoke.Plan{Config: cfg, Repeat: 1, Steer: &invoke.Steering{Phases: phases, Active: 2}}
}

// run runs the plan through the invocation layer; act is called with the
// run's Progress and Control while it goes.
func run(t *testing.T, act func(*sim.Progress, *sim.Control)) report.Document {
	t.Helper()
	var progress atomic.Pointer[sim.Progress]
	var wg sync.WaitGroup
	s := invoke.New(plan(), invoke.Hooks{
		Start: func(st invoke.Step) { progress.Store(st.Progress) },
		Steered: func(_ invoke.Step, c *sim.Control) {
			wg.Go(func() {
				select {
				case <-c.Started():
				case <-c.Done():
					return
				}
				act(progress.Load(), c)
			})
		},
	})
	doc, v, err := s.Run(context.Background())
	wg.Wait()
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("verdict %s", v.Status)
	return doc
}

// waitFor waits until the producers have handed over n messages, or the
// run has ended.
func waitFor(c *sim.Control, n int64) bool {
	tk := time.NewTicker(200 * time.Microsecond)
	defer tk.Stop()
	for c.Sent() < n {
		select {
		case <-c.Done():
			return false
		case <-tk.C:
		}
	}
	return true
}

// The view only observes and steers: a run drawn, steered by key presses,
// and one not drawn, steered by the same calls at the same message counts,
// with the same seed, deliver the same checked result.
func TestTheViewDoesNotChangeTheResult(t *testing.T) {
	plain := run(t, func(_ *sim.Progress, c *sim.Control) {
		for _, p := range presses {
			if !waitFor(c, p.at) {
				return
			}
			if err := p.do(c); err != nil {
				t.Error(err)
			}
		}
	})
	drawn := run(t, func(prog *sim.Progress, c *sim.Control) {
		setup := watch.Setup{Title: "test", Producers: 1, Queues: 2, Slots: 6, Dispatch: sim.Fanout, Arrival: sim.Uniform,
			WorkDist: sim.FixedWork, WorkKind: sim.Sleep, Cores: 2, MaxRate: 40_000}
		m := watch.New(setup, c, watch.Live(2, 6, func() *sim.Progress { return prog }, func() *sim.Control { return c }), nil)
		p := tea.NewProgram(m, tea.WithInput(nil), tea.WithOutput(io.Discard), tea.WithoutSignalHandler())
		var ui sync.WaitGroup
		ui.Go(func() {
			if _, err := p.Run(); err != nil {
				t.Error(err)
			}
		})
		for _, pr := range presses {
			if !waitFor(c, pr.at) {
				break
			}
			for _, k := range pr.keys {
				p.Send(k)
			}
		}
		<-c.Done()
		p.Send(watch.Ended{})
		ui.Wait()
		if v := m.View(); len(v) == 0 {
			t.Error("the view drew nothing")
		}
	})
	for _, d := range []report.Document{plain, drawn} {
		if d.Result.Lost != 1 || len(d.Result.Crashes) != 1 {
			t.Fatalf("lost %d, crashes %d: want the one crash's message", d.Result.Lost, len(d.Result.Crashes))
		}
	}
	a, b := plain.Result, drawn.Result
	if a.Sent != b.Sent || a.Delivered != b.Delivered || a.Lost != b.Lost || a.Duplicated != b.Duplicated || a.Reordered != b.Reordered || a.OK() != b.OK() {
		t.Fatalf("not drawn: sent %d delivered %d lost %d dup %d; drawn: sent %d delivered %d lost %d dup %d",
			a.Sent, a.Delivered, a.Lost, a.Duplicated, b.Sent, b.Delivered, b.Lost, b.Duplicated)
	}
	for q := range a.Queues {
		if a.Queues[q].Sent != b.Queues[q].Sent || a.Queues[q].Lost != b.Queues[q].Lost {
			t.Fatalf("queue q%d: not drawn %+v, drawn %+v", q, a.Queues[q], b.Queues[q])
		}
	}
	// Every press acted in both runs: q1 ended with three consumers taking
	// messages, q0 with three (one crashed, its slot not reused).
	for _, d := range []report.Document{plain, drawn} {
		took := map[int]int{}
		for _, c := range d.Result.Consumers {
			if c.Delivered > 0 {
				took[c.Queue]++
			}
		}
		if took[1] != 3 {
			t.Fatalf("q1's consumers that took messages: %d, want 3 (the + on q1 acted)", took[1])
		}
	}
}
