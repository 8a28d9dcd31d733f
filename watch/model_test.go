package watch

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"

	"github.com/msgsim/msgsim/sim"
)

var update = flag.Bool("update", false, "rewrite the golden frames")

func TestMain(m *testing.M) {
	lipgloss.SetColorProfile(termenv.Ascii) // golden frames are plain text
	os.Exit(m.Run())
}

// fake is a Controller that records the calls made on it.
type fake struct {
	calls     []string
	rate      float64
	work      time.Duration
	consumers []int
	paused    bool
}

func (f *fake) log(format string, a ...any) { f.calls = append(f.calls, fmt.Sprintf(format, a...)) }
func (f *fake) SetRate(r float64) error     { f.log("SetRate(%g)", r); f.rate = r; return nil }
func (f *fake) Rate() float64               { return f.rate }
func (f *fake) SetWork(d time.Duration) error {
	f.log("SetWork(%s)", d)
	f.work = d
	return nil
}
func (f *fake) Work() time.Duration { return f.work }
func (f *fake) SetConsumers(q, n int) error {
	f.log("SetConsumers(%d, %d)", q, n)
	if n > 4 {
		return fmt.Errorf("queue q%d: %d consumers is out of range (want 0..4, the run's consumers per queue)", q, n)
	}
	f.consumers[q] = n
	return nil
}
func (f *fake) Consumers(q int) int   { return f.consumers[q] }
func (f *fake) PauseProducers()       { f.log("PauseProducers()"); f.paused = true }
func (f *fake) ResumeProducers()      { f.log("ResumeProducers()"); f.paused = false }
func (f *fake) ProducersPaused() bool { return f.paused }
func (f *fake) CrashBy(q, i int, by string) error {
	f.log("CrashBy(%d, %d, %s)", q, i, by)
	return nil
}
func (f *fake) InForce(q, i int) (int, error) { return i + 1, nil } // slot 0 crashed before
func (f *fake) ConsumerState(q, i int) string { return sim.Idle }
func (f *fake) End()                          { f.log("End()") }

func setup() Setup {
	return Setup{Title: "1 × 2 queues × 2 consumers, fanout", Producers: 1, Queues: 2, Slots: 4, Dispatch: sim.Fanout,
		Arrival: sim.Poisson, WorkDist: sim.ExpWork, WorkKind: sim.Sleep, Cores: 2, MaxRate: 4000}
}

func keyOf(s string) tea.KeyMsg {
	switch s {
	case "up":
		return tea.KeyMsg{Type: tea.KeyUp}
	case "down":
		return tea.KeyMsg{Type: tea.KeyDown}
	case "right":
		return tea.KeyMsg{Type: tea.KeyRight}
	case "left":
		return tea.KeyMsg{Type: tea.KeyLeft}
	case "tab":
		return tea.KeyMsg{Type: tea.KeyTab}
	case "space":
		return tea.KeyMsg{Type: tea.KeySpace, Runes: []rune{' '}}
	case "ctrl+c":
		return tea.KeyMsg{Type: tea.KeyCtrlC}
	}
	return tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(s)}
}

// Key presses in, control-plane calls out.
func TestKeysSteerTheRun(t *testing.T) {
	tests := []struct {
		name  string
		keys  []string
		calls []string
		says  string // in the status line
	}{
		{"+ adds a consumer to the selected queue", []string{"+"}, []string{"SetConsumers(0, 3)"}, "q0: 3 consumers"},
		{"- removes one", []string{"-"}, []string{"SetConsumers(0, 1)"}, "q0: 1 consumer taking"},
		{"→ selects the next queue, + acts there", []string{"right", "+"}, []string{"SetConsumers(1, 3)"}, "q1: 3 consumers"},
		{"← wraps round", []string{"left", "-"}, []string{"SetConsumers(1, 1)"}, "q1: 1 consumer"},
		{"past the slots: refused, said", []string{"+", "+", "+"}, []string{"SetConsumers(0, 3)", "SetConsumers(0, 4)", "SetConsumers(0, 5)"}, "refused: queue q0: 5 consumers"},
		{"↑ raises the rate a quarter", []string{"up"}, []string{"SetRate(2500)"}, "rate 2.50k msgs/s"},
		{"↓ lowers it", []string{"down"}, []string{"SetRate(1600)"}, "rate 1.60k msgs/s"},
		{"the rate stops at the run's ceiling", []string{"up", "up", "up", "up"}, []string{"SetRate(2500)", "SetRate(3125)", "SetRate(3906.25)", "SetRate(4000)"}, "the most this run allows"},
		{"> more work, < less", []string{">", "<"}, []string{"SetWork(1.25ms)", "SetWork(1ms)"}, "work 1.00ms"},
		{"p pauses, p again resumes", []string{"p", "p"}, []string{"PauseProducers()", "ResumeProducers()"}, "resumed"},
		{"c crashes the selected queue's first consumer in force", []string{"c"}, []string{"CrashBy(0, 1, the c key in msgsim watch)"}, "q0.1 crashes"},
		{"space freezes the view only", []string{"space"}, nil, "view frozen"},
		{"? shows the keys only", []string{"?"}, nil, ""},
		{"q ends the run", []string{"q"}, []string{"End()"}, "ending the run"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := &fake{rate: 2000, work: time.Millisecond, consumers: []int{2, 2}}
			m := New(setup(), f, func() (Snapshot, bool) { return Snapshot{}, false }, nil)
			for _, k := range tt.keys {
				m.Update(keyOf(k))
			}
			if strings.Join(f.calls, " ") != strings.Join(tt.calls, " ") {
				t.Fatalf("calls %q, want %q", f.calls, tt.calls)
			}
			if !strings.Contains(m.status, tt.says) {
				t.Fatalf("status %q, want %q in it", m.status, tt.says)
			}
		})
	}
}

func TestCtrlCInterrupts(t *testing.T) {
	f := &fake{consumers: []int{2, 2}}
	interrupted := false
	m := New(setup(), f, nil, func() { interrupted = true })
	m.Update(keyOf("ctrl+c"))
	if !interrupted || len(f.calls) != 0 {
		t.Fatalf("interrupted %v, calls %q", interrupted, f.calls)
	}
}

// snapshots is a fixed run: 2,000 msgs/s in fan-out to two queues, q0
// slower (its depth 3, q1's 1), a second of frames at a time.
func snapshots(seconds int) []Snapshot {
	var out []Snapshot
	for i := 0; i <= seconds*10; i++ {
		el := time.Duration(i) * 100 * time.Millisecond
		made := int64(2000 * el.Seconds())
		out = append(out, Snapshot{Elapsed: el, Arrived: made, Sent: 2 * made, Delivered: []int64{made - 3, made - 1}, Depth: []int64{3, 1},
			States: [][]string{{sim.Busy, sim.Idle, sim.Removed, sim.Removed}, {sim.Crashed, sim.Busy, sim.Paused, sim.Removed}},
			Rate:   2000, Work: 500 * time.Microsecond, P99: time.Duration(4+i%3) * time.Millisecond, Mean: 1500 * time.Microsecond,
			LatencyAt: el.Truncate(time.Second) - time.Second, Timed: 4000, Crashed: 1})
	}
	return out
}

// Fixed snapshots in, golden frames out.
func TestFrames(t *testing.T) {
	tests := []struct {
		name  string
		snaps []Snapshot
		keys  []string
		width int
	}{
		{"starting", nil, nil, 120},
		{"running", snapshots(8), nil, 120},
		{"running-narrow", snapshots(8), nil, 72},
		{"help", snapshots(2), []string{"?"}, 120},
		{"second-queue", snapshots(3), []string{"right"}, 120},
		{"after-a-key", snapshots(8), []string{"up"}, 120},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := &fake{rate: 2000, work: 500 * time.Microsecond, consumers: []int{2, 1}}
			m := New(setup(), f, nil, nil)
			m.Update(tea.WindowSizeMsg{Width: tt.width, Height: 40})
			for _, s := range tt.snaps {
				m.Observe(s)
			}
			for _, k := range tt.keys {
				m.Update(keyOf(k))
			}
			golden(t, tt.name, m.View())
		})
	}
}

// Space freezes what the frame shows, while snapshots keep coming.
func TestFreezeHoldsTheFrame(t *testing.T) {
	m := New(setup(), &fake{rate: 2000, consumers: []int{2, 1}}, nil, nil)
	snaps := snapshots(4)
	for _, s := range snaps[:20] {
		m.Observe(s)
	}
	m.Update(keyOf("space"))
	frozen := m.View()
	for _, s := range snaps[20:] {
		m.Observe(s)
	}
	if m.View() != frozen || !strings.Contains(frozen, "FROZEN") {
		t.Fatalf("the frozen frame changed:\n%s", m.View())
	}
	m.Update(keyOf("space"))
	if m.View() == frozen {
		t.Fatal("space again should follow the run")
	}
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name+".txt")
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (go test ./watch -update writes it)", err)
	}
	if !bytes.Equal(want, []byte(got)) {
		t.Fatalf("frame %s differs from %s:\n%s", name, path, got)
	}
}

// The model's reasons in the view are checked ones: producers that fall
// behind hand over fewer messages than arrive (the backlog counts as
// arrived), and the view says so rather than that they kept their rate.
func TestModelSaysTheProducersFellBehind(t *testing.T) {
	s := setup()
	s.Queues = 1
	m := New(s, &fake{rate: 2000, work: 300 * time.Microsecond, consumers: []int{1}}, nil, nil)
	for i := 0; i <= 80; i++ {
		el := time.Duration(i) * 100 * time.Millisecond
		arrived, sent := int64(2000*el.Seconds()), int64(1000*el.Seconds()) // half handed over
		m.Observe(Snapshot{Elapsed: el, Arrived: arrived, Sent: sent, Delivered: []int64{sent}, Depth: []int64{arrived - sent},
			States: [][]string{{sim.Busy}}, Rate: 2000, Work: 300 * time.Microsecond, Mean: 40 * time.Millisecond,
			LatencyAt: el.Truncate(time.Second) - time.Second, Timed: 1000})
	}
	v := m.View()
	if !strings.Contains(v, "the producers sent 1.00k of the 2.00k msgs/s asked") || strings.Contains(v, "sent the rate asked") {
		t.Fatalf("the view does not say the producers fell behind:\n%s", v)
	}
}

// A run with no per-second latency (too many consumer slots for a
// series) says W and p99 are not measured, rather than that Little's law
// is off against a W of 0.
func TestUntimedRunSaysLatencyIsNotMeasured(t *testing.T) {
	s := setup()
	s.Untimed = true
	m := New(s, &fake{rate: 2000, work: 500 * time.Microsecond, consumers: []int{2, 1}}, nil, nil)
	for _, sn := range snapshots(4) {
		sn.P99, sn.Mean, sn.Timed = 0, 0, 0
		m.Observe(sn)
	}
	v := m.View()
	if !strings.Contains(v, "W is not measured on this run") || strings.Contains(v, "off by more") || strings.Contains(v, "model does not fit") {
		t.Fatalf("an untimed run's view:\n%s", v)
	}
}

// The frame fits the terminal, however small: no more lines than it has
// (the title stays on top, the keys at the bottom), none wider, and no
// panic down to a single cell.
func TestFrameFitsTheTerminal(t *testing.T) {
	sizes := [][2]int{{80, 24}, {40, 10}, {20, 5}, {1, 1}, {0, 0}, {200, 3}}
	for _, help := range []bool{false, true} {
		for _, sz := range sizes {
			t.Run(fmt.Sprintf("%dx%d help %v", sz[0], sz[1], help), func(t *testing.T) {
				m := New(setup(), &fake{rate: 2000, work: 500 * time.Microsecond, consumers: []int{2, 1}}, nil, nil)
				for _, s := range snapshots(8) {
					m.Observe(s)
				}
				m.Update(keyOf("c"))
				if help {
					m.Update(keyOf("?"))
				}
				m.Update(tea.WindowSizeMsg{Width: sz[0], Height: sz[1]})
				lines := strings.Split(m.View(), "\n")
				if sz[1] > 0 && len(lines) > sz[1] {
					t.Fatalf("%d lines on a terminal of %d:\n%s", len(lines), sz[1], m.View())
				}
				for _, l := range lines {
					if w := lipgloss.Width(l); sz[0] > 0 && w > sz[0] {
						t.Fatalf("a line of %d cells on a terminal of %d: %q", w, sz[0], l)
					}
				}
				if sz[1] >= 10 && !strings.HasPrefix(lines[0], "msgsim watch") {
					t.Fatalf("the title is gone:\n%s", m.View())
				}
			})
		}
	}
}

// q before the run has started (its control plane not there yet, as
// Pending is then) still ends it once it starts, rather than being lost
// while the status says the run is ending.
func TestQuitBeforeTheRunStarts(t *testing.T) {
	started := false
	f := &lateEnd{fake: fake{rate: 2000, consumers: []int{2, 2}}, started: &started}
	m := New(setup(), f, func() (Snapshot, bool) { return snapshots(0)[0], started }, nil)
	m.Update(keyOf("q"))
	m.Update(tick(time.Now()))
	started = true
	m.Update(tick(time.Now()))
	if !slices.Contains(f.calls, "End()") {
		t.Fatalf("the run was never ended: calls %q, status %q", f.calls, m.status)
	}
}

// lateEnd is a fake whose End does nothing before the run has started.
type lateEnd struct {
	fake
	started *bool
}

func (f *lateEnd) End() {
	if *f.started {
		f.fake.End()
	}
}
