package watch

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"

	"github.com/msgsim/msgsim/explain"
	"github.com/msgsim/msgsim/queueing"
	"github.com/msgsim/msgsim/sim"
	"github.com/msgsim/msgsim/units"
)

var (
	bold   = lipgloss.NewStyle().Bold(true)
	dim    = lipgloss.NewStyle().Faint(true)
	states = map[string]lipgloss.Style{
		sim.Busy:    lipgloss.NewStyle().Foreground(lipgloss.Color("2")),
		sim.Idle:    lipgloss.NewStyle().Faint(true),
		sim.Paused:  lipgloss.NewStyle().Foreground(lipgloss.Color("3")),
		sim.Crashed: lipgloss.NewStyle().Foreground(lipgloss.Color("1")).Bold(true),
	}
)

// maxQueuesDrawn and maxLanes bound what one frame draws.
const (
	maxQueuesDrawn = 8
	maxLanes       = 8
	barWidth       = 30
	littleWindow   = 10 // seconds the Little's-law panel and the model's measured side average over
)

// View draws the frame: the frozen one while frozen, with the status and
// the keys below.
func (m *Model) View() string {
	body := m.frozenView
	if !m.frozen {
		body = m.body()
	}
	var b strings.Builder
	if m.frozen {
		b.WriteString(bold.Render("FROZEN") + dim.Render(" — the run goes on; space to follow it") + "\n")
	}
	if m.status != "" {
		b.WriteString("› " + m.status + "\n")
	}
	m.help.Width = m.width
	b.WriteString(m.help.View(m.keys))
	top, foot := m.fit(body), m.fit(b.String())
	// A frame taller than the terminal would lose its top (the title, the
	// queues) off the screen: blank lines go first, then the lower panels,
	// and the status and the keys stay.
	if m.height > 0 && len(top)+len(foot) > m.height {
		top = slices.DeleteFunc(top, func(l string) bool { return strings.TrimSpace(ansi.Strip(l)) == "" })
	}
	if m.height > 0 && len(top)+len(foot) > m.height {
		foot = foot[max(len(foot)-m.height+1, 0):]
		keep := max(m.height-len(foot)-1, 0)
		top = append(top[:min(keep, len(top))], dim.Render(ansi.Truncate("… a taller terminal shows the rest", m.width, "…")))
	}
	return strings.Join(append(top, foot...), "\n")
}

// fit wraps prose at the terminal's width; a line that cannot wrap (a
// bar, a sparkline on a narrow terminal) is cut.
func (m *Model) fit(s string) []string {
	var out []string
	for _, l := range strings.Split(strings.TrimSuffix(s, "\n"), "\n") {
		for _, w := range strings.Split(ansi.Wordwrap(l, m.width, ""), "\n") {
			out = append(out, ansi.Truncate(w, m.width, "…"))
		}
	}
	return out
}

// body is the frame above the status line.
func (m *Model) body() string {
	var b strings.Builder
	s := m.snap
	fmt.Fprintf(&b, "%s  %s\n", bold.Render("msgsim watch"), m.setup.Title)
	if !m.have {
		b.WriteString("\nstarting the run…\n\n")
		return b.String()
	}
	prod := fmt.Sprintf("sending at %s msgs/s (%s arrivals)", units.Rate(s.Rate), m.setup.Arrival)
	if s.Rate == 0 {
		prod = "sending as fast as the queues take (closed loop)"
	}
	if s.Paused {
		prod = states[sim.Paused].Render("paused")
	}
	work := "no work"
	if s.Work > 0 {
		work = fmt.Sprintf("%s %s %s per message", units.Duration(s.Work), m.setup.WorkDist, m.setup.WorkKind)
	}
	fmt.Fprintf(&b, "%s  %s  %s · consumers: %s\n\n", dim.Render(units.Duration(s.Elapsed.Round(100*time.Millisecond))),
		bold.Render(fmt.Sprintf("%d producer%s", m.setup.Producers, plural(m.setup.Producers))), prod, work)
	m.queues(&b)
	b.WriteString("\n")
	m.sparklines(&b)
	b.WriteString("\n")
	m.little(&b)
	m.model(&b)
	m.counters(&b)
	return b.String()
}

// queues draws each queue's depth bar and its consumers' lanes.
func (m *Model) queues(b *strings.Builder) {
	s := m.snap
	scale := max(m.peak, 10) // the bar is full at the most seen waiting, and at 10 at least
	for q := range min(m.setup.Queues, maxQueuesDrawn) {
		mark := "  "
		if q == m.selected {
			mark = bold.Render("▸ ")
		}
		depth := "depth not measured"
		if s.Depth != nil {
			d := s.Depth[q]
			cells := int(math.Ceil(float64(d) * barWidth / float64(scale)))
			depth = "│" + strings.Repeat("█", cells) + strings.Repeat(" ", barWidth-cells) + "│ " + fmt.Sprintf("%s waiting", units.Int(d))
		}
		fmt.Fprintf(b, "%sq%-2d %s  %s delivered\n", mark, q, depth, units.Int(at(s.Delivered, q)))
		fmt.Fprintf(b, "      %s\n", m.lanes(q))
	}
	if s.Depth != nil {
		fmt.Fprintf(b, "%s\n", dim.Render(fmt.Sprintf("      (full bar: %s waiting, the most seen; waiting = arrived, not yet taken, wherever)", units.Int(scale))))
	}
	if m.setup.Queues > maxQueuesDrawn {
		fmt.Fprintf(b, "  … %d more queues (→ selects them; the frame draws the first %d)\n", m.setup.Queues-maxQueuesDrawn, maxQueuesDrawn)
	}
}

// lanes is a queue's consumers: each in force with its state, then how
// many more slots the run has for adding.
func (m *Model) lanes(q int) string {
	if q >= len(m.snap.States) {
		return ""
	}
	var parts []string
	count := map[string]int{}
	for i, st := range m.snap.States[q] {
		count[st]++
		if st == sim.Removed || st == "" {
			continue
		}
		if len(parts) < maxLanes {
			parts = append(parts, fmt.Sprintf("c%d.%d %s", q, i, states[st].Render(st)))
		}
	}
	shown := len(parts)
	inForce := len(m.snap.States[q]) - count[sim.Removed] - count[""]
	out := strings.Join(parts, "  ")
	if inForce > shown {
		out += fmt.Sprintf("  … +%d (%d busy, %d idle, %d paused, %d crashed)", inForce-shown, count[sim.Busy], count[sim.Idle], count[sim.Paused], count[sim.Crashed])
	}
	if inForce == 0 {
		out = states[sim.Crashed].Render("no consumer") + ": messages wait"
	}
	return out + dim.Render(fmt.Sprintf("  (%d more can be added)", count[sim.Removed]))
}

func at(v []int64, i int) int64 {
	if i < len(v) {
		return v[i]
	}
	return 0
}

// sparklines draw the last minute, one cell a second.
func (m *Model) sparklines(b *strings.Builder) {
	width := min(history, max(m.width-28, 10)) // name, line and value on one line
	ps := m.window(width)
	line := func(name string, f func(point) float64, unit func(float64) string) {
		vals := make([]float64, len(ps))
		for i, p := range ps {
			vals[i] = f(p)
		}
		now := "–"
		if len(vals) > 0 {
			now = unit(vals[len(vals)-1])
		}
		fmt.Fprintf(b, "%-13s %s %s\n", name, sparkline(vals, width), now)
	}
	rate := func(v float64) string { return units.Rate(v) + "/s" }
	line("arrivals", func(p point) float64 { return p.arrival }, rate)
	line("throughput", func(p point) float64 { return p.tput }, rate)
	if m.setup.Untimed {
		fmt.Fprintf(b, "%-13s %s\n", "p99 latency", dim.Render("not measured on this run (no per-second latency)"))
	} else {
		line("p99 latency", func(p point) float64 { return p.p99 }, func(v float64) string { return units.Duration(time.Duration(v)) })
	}
	fmt.Fprintf(b, "%-13s %s\n", "", dim.Render(fmt.Sprintf("%-*s%s", width-3, fmt.Sprintf("−%ds", width), "now")))
}

var ticks = []rune("▁▂▃▄▅▆▇█")

// sparkline draws vals, right-aligned in width cells, scaled to their
// largest.
func sparkline(vals []float64, width int) string {
	top := 0.0
	for _, v := range vals {
		top = math.Max(top, v)
	}
	var b strings.Builder
	b.WriteString(strings.Repeat(" ", max(width-len(vals), 0)))
	for _, v := range vals[max(len(vals)-width, 0):] {
		i := 0
		if top > 0 {
			i = int(math.Round(v / top * float64(len(ticks)-1)))
		}
		b.WriteRune(ticks[min(max(i, 0), len(ticks)-1)])
	}
	return b.String()
}

// little sets the selected queue's mean waiting (sampled every frame)
// beside λ × W over the last seconds.
func (m *Model) little(b *strings.Builder) {
	q := m.selected
	ps := m.window(littleWindow)
	head := fmt.Sprintf("Little's law, q%d, last %ds:", q, len(ps))
	if len(ps) == 0 || m.snap.Depth == nil {
		why := "a second of the run first"
		if m.snap.Depth == nil && m.have {
			why = "depth cannot be measured on this run"
		}
		fmt.Fprintf(b, "%s %s\n", bold.Render("Little's law:"), why)
		return
	}
	if m.setup.Untimed {
		fmt.Fprintf(b, "%s W is not measured on this run: a per-second latency is kept for up to %d consumer slots in all\n", bold.Render(head), sim.OwnHistogramsUpTo)
		return
	}
	l := mean(ps, func(p point) float64 { return p.depth[q] })
	lambda := mean(ps, func(p point) float64 { return p.qtput[q] })
	w := time.Duration(mean(ps, func(p point) float64 { return p.mean }))
	lw := queueing.Little(lambda, w)
	says := littleSays(l, lw)
	if first, last := ps[0].depth[q], ps[len(ps)-1].depth[q]; last > 2*first && last-first > 5 {
		// W is measured as messages leave, L as they wait: while the
		// queue grows they describe different messages.
		says += fmt.Sprintf("; the queue is growing (%.0f → %.0f waiting), and the law holds for a steady state", first, last)
	}
	fmt.Fprintf(b, "%s L = %.2f waiting  vs  λ × W = %s/s × %s = %.2f  (%s)\n", bold.Render(head), l, units.Rate(lambda), units.Duration(w), lw, says)
}

func littleSays(l, lw float64) string {
	switch r := l / lw; {
	case math.Max(l, lw) < 0.05:
		return "both near zero"
	case r > 0.8 && r < 1.25:
		return "holds within 25%"
	}
	return "off by more than 25%"
}

// model sets the queueing model's prediction for the selected queue, at
// the rate, work and consumers now in force, beside what was measured, and
// judges the fit as explain does.
func (m *Model) model(b *strings.Builder) {
	q := m.selected
	s := m.snap
	if m.ctl.Consumers(q) == 0 {
		fmt.Fprintf(b, "%s no consumer takes messages from q%d: it only grows (+ adds one)\n", bold.Render("model:"), q)
		return
	}
	cfg := sim.Config{Queues: m.setup.Queues, Consumers: m.ctl.Consumers(q), Dispatch: m.setup.Dispatch, Keys: m.setup.Keys, Rate: s.Rate,
		Arrival: m.setup.Arrival, Work: s.Work, WorkDist: m.setup.WorkDist}
	mod, why := explain.Model(cfg)
	if why != "" {
		fmt.Fprintf(b, "%s %s\n", bold.Render("model:"), why)
		return
	}
	p, _ := queueing.Predict(mod)
	name := fmt.Sprintf("M/M/%d", mod.C)
	if mod.Deterministic {
		name = fmt.Sprintf("M/D/%d", mod.C)
	}
	head := bold.Render(fmt.Sprintf("model %s, q%d:", name, q))
	if p.Unstable {
		fmt.Fprintf(b, "%s ρ = %.2f ≥ 1: the queue grows without bound while this lasts\n", head, p.Rho)
		return
	}
	ps := m.window(littleWindow)
	wq := time.Duration(mean(ps, func(p point) float64 { return p.mean }))
	measured := "–"
	if m.setup.Untimed {
		measured = "not measured (no per-second latency on this run)"
		ps = nil
	}
	if len(ps) > 0 {
		measured = units.Duration(wq)
	}
	fmt.Fprintf(b, "%s ρ = %.2f  P(wait) = %.2f (Erlang C)  mean wait predicted %s, measured %s\n", head, p.Rho, p.PWait, units.Duration(p.Wq), measured)
	if len(ps) == 0 {
		return
	}
	var timed int64
	for _, p := range ps {
		timed += p.timed
	}
	unsettled := ""
	if m.changed >= 0 && s.Elapsed-m.changed < littleWindow*time.Second {
		unsettled = fmt.Sprintf("the run was changed %s ago, so the last %ds mix before and after and the queue has not settled", units.Duration((s.Elapsed - m.changed).Round(100*time.Millisecond)), littleWindow)
	}
	f := explain.JudgeFit(explain.Evidence{Unsettled: unsettled, Model: mod, Work: s.Work, WorkKind: m.setup.WorkKind, Wq: wq, Samples: timed,
		Asked: s.Rate, Sent: mean(ps, func(p point) float64 { return p.sent }), Busy: mean(ps, func(p point) float64 { return p.busy }),
		Cores: m.setup.Cores, Coupled: explain.Coupled(sim.Config{Dispatch: m.setup.Dispatch, Queues: m.setup.Queues, Buffer: m.setup.Buffer})})
	if f.Applies {
		fmt.Fprintf(b, "  %s\n", f.Sentence())
	}
}

// counters are the exactly-once counts so far.
func (m *Model) counters(b *strings.Builder) {
	s := m.snap
	var delivered, waiting int64
	for q := range s.Delivered {
		delivered += s.Delivered[q]
		waiting += at(s.Depth, q)
	}
	fmt.Fprintf(b, "%s sent %s  delivered %s  waiting %s  lost with crashed consumers %d  (duplicates and order are checked when the run ends)\n",
		bold.Render("exactly once:"), units.Int(s.Sent), units.Int(delivered), units.Int(waiting), s.Crashed)
}
