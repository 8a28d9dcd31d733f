package watch_test

import (
	"context"
	"io"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/creack/pty"

	"github.com/msgsim/msgsim/invoke"
	"github.com/msgsim/msgsim/sim"
	"github.com/msgsim/msgsim/steer"
	"github.com/msgsim/msgsim/watch"
)

// BenchmarkViewCost runs the same steered closed-loop run, alternately
// drawn into a pseudo-terminal at the view's frame rate and not drawn, in
// one benchmark, and reports both rates and drawn ÷ plain: the view's
// cost to the run (classroom mode promises at most 5%, a ratio ≥ 0.95).
//
//	go test ./watch -run '^$' -bench ViewCost -benchtime 10x
func BenchmarkViewCost(b *testing.B) {
	ptmx, tty, err := pty.Open()
	if err != nil {
		b.Skipf("no pseudo-terminal: %v", err)
	}
	defer ptmx.Close()
	defer tty.Close()
	_ = pty.Setsize(ptmx, &pty.Winsize{Rows: 40, Cols: 120})
	go func() { _, _ = io.Copy(io.Discard, ptmx) }() // the terminal reads what is drawn
	var plain, drawn float64
	for i := 0; i < b.N; i++ {
		// Alternate which goes first: the second run of a pair finds a
		// warm heap, which would otherwise favour one side.
		if i%2 == 0 {
			plain += benchRun(b, nil)
			drawn += benchRun(b, tty)
		} else {
			drawn += benchRun(b, tty)
			plain += benchRun(b, nil)
		}
	}
	b.ReportMetric(plain/float64(b.N), "plain-msgs/s")
	b.ReportMetric(drawn/float64(b.N), "drawn-msgs/s")
	b.ReportMetric(drawn/plain, "drawn/plain")
}

// benchRun runs 2M messages in fan-out to 2 queues of 2 consumers, steered
// as a watched run is, drawn into tty when it is not nil, and returns
// deliveries per second.
func benchRun(b *testing.B, tty *os.File) float64 {
	cfg := sim.DefaultConfig()
	cfg.Queues, cfg.Consumers, cfg.Buffer = 2, 6, 64
	phases := []steer.Phase{{Name: "watch", Messages: 2_000_000, Consumers: map[int]int{steer.AllQueues: 2}}}
	cfg.Messages = steer.Messages(phases, 1) // with the room a watched run has: the phase, not the bound, ends it
	cfg.Interval = time.Second
	var progress atomic.Pointer[sim.Progress]
	var wg sync.WaitGroup
	s := invoke.New(invoke.Plan{Config: cfg, Repeat: 1, Steer: &invoke.Steering{Phases: phases, Active: 2}}, invoke.Hooks{
		Start: func(st invoke.Step) { progress.Store(st.Progress) },
		Steered: func(_ invoke.Step, c *sim.Control) {
			if tty == nil {
				return
			}
			setup := watch.Setup{Title: "bench", Producers: 1, Queues: 2, Slots: 6, Dispatch: sim.Fanout, Cores: 2}
			m := watch.New(setup, c, watch.Live(2, 6, progress.Load, func() *sim.Control { return c }), nil)
			p := tea.NewProgram(m, tea.WithInput(nil), tea.WithOutput(tty), tea.WithAltScreen(), tea.WithoutSignalHandler())
			wg.Go(func() { _, _ = p.Run() })
			wg.Go(func() {
				<-c.Done()
				p.Send(watch.Ended{})
			})
		},
	})
	doc, _, err := s.Run(context.Background())
	wg.Wait()
	if err != nil {
		b.Fatal(err)
	}
	return doc.Result.Throughput()
}
