package watch

import (
	"fmt"
	"math"
	"time"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/msgsim/msgsim/sim"
	"github.com/msgsim/msgsim/units"
)

// FrameEvery is how often the view takes a snapshot and redraws: 12.5
// frames a second.
const FrameEvery = 80 * time.Millisecond

// history is how many one-second points the sparklines show.
const history = 60

// Step is how far one key press moves the rate or the work: a quarter.
const Step = 1.25

// point is one second of the run.
type point struct {
	from, to      time.Duration // run time
	arrival, tput float64       // msgs/s: arrived (handed over, or due and waiting), delivered (all queues)
	sent          float64       // msgs/s handed to the queues: below arrival while the producers fall behind
	p99, mean     float64       // ns, the engine's last whole interval
	timed         int64         // deliveries that interval timed
	depth, qtput  []float64     // per queue: mean depth over the second's frames, deliveries/s
	busy          float64       // busy consumers, mean over the second's frames
}

// Model is the view's state: a bubbletea model. Update takes key presses
// and frame ticks; View draws the last snapshot.
type Model struct {
	setup     Setup
	ctl       Controller
	source    Source
	interrupt func() // ctrl+c: ends the run as a signal would
	cast      *Cast  // --record: told of resizes

	width, height int
	selected      int
	frozen        bool
	frozenView    string
	help          help.Model
	keys          keyMap
	status        string
	ended         bool
	ending        bool // q was pressed: End again each frame, for a q before the run had a control plane

	snap    Snapshot
	have    bool
	peak    int64         // the most waiting seen on a queue
	changed time.Duration // when a key last changed rate, work or consumers (run time; -1 never)
	last    Snapshot      // at the last point
	lastSet bool
	sums    []float64 // depth per queue, summed over this second's frames
	busySum float64
	frames  int
	points  []point
}

// New returns a view of a run with the given setup, reading src and
// steering ctl; interrupt (may be nil) is called on ctrl+c.
func New(setup Setup, ctl Controller, src Source, interrupt func()) *Model {
	h := help.New()
	h.ShowAll = false
	return &Model{setup: setup, ctl: ctl, source: src, interrupt: interrupt, help: h, keys: defaultKeys(), width: 100, height: 40,
		sums: make([]float64, setup.Queues), changed: -1}
}

// Record has the view tell c of the terminal's resizes.
func (m *Model) Record(c *Cast) { m.cast = c }

// Ended tells the view the run is over; it quits.
type Ended struct{}

type tick time.Time

func frame() tea.Cmd { return tea.Tick(FrameEvery, func(t time.Time) tea.Msg { return tick(t) }) }

// Init starts the frame clock.
func (m *Model) Init() tea.Cmd { return frame() }

// Update handles a key, a frame tick, a resize or the run's end.
func (m *Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.width, m.height = msg.Width, msg.Height
		if m.cast != nil {
			m.cast.Resize(msg.Width, msg.Height)
		}
	case tick:
		if m.ending {
			m.ctl.End() // idempotent; a q pressed before the run started takes effect once it has
		}
		if s, ok := m.source(); ok {
			m.Observe(s)
		}
		return m, frame()
	case Ended:
		m.ended = true
		return m, tea.Quit
	case tea.KeyMsg:
		return m, m.Press(msg)
	}
	return m, nil
}

// Observe takes one snapshot: the frame shows it (unless frozen), and the
// snapshots of each second of the run (the engine's series intervals) make
// a point of the sparklines; an interval's latency, which the engine gives
// once the interval has ended, is filed with its point, so the Little's-law
// panel sets the waiting and the wait of the same seconds side by side.
func (m *Model) Observe(s Snapshot) {
	m.snap, m.have = s, true
	defer m.fileLatency(s)
	for q := range min(len(s.Depth), len(m.sums)) {
		m.sums[q] += float64(s.Depth[q])
		m.peak = max(m.peak, s.Depth[q])
	}
	for _, lanes := range s.States {
		for _, st := range lanes {
			if st == "busy" {
				m.busySum++
			}
		}
	}
	m.frames++
	if !m.lastSet {
		m.last, m.lastSet = s, true
		m.resetSums()
		return
	}
	if s.Elapsed/time.Second == m.last.Elapsed/time.Second {
		return // the same second
	}
	dt := (s.Elapsed - m.last.Elapsed).Seconds()
	p := point{from: m.last.Elapsed, to: s.Elapsed, arrival: float64(s.Arrived-m.last.Arrived) / dt,
		depth: make([]float64, len(m.sums)), qtput: make([]float64, len(m.sums)), busy: m.busySum / float64(m.frames)}
	var total int64
	for q := range p.depth {
		p.depth[q] = m.sums[q] / float64(m.frames)
		if q < len(s.Delivered) && q < len(m.last.Delivered) {
			d := s.Delivered[q] - m.last.Delivered[q]
			p.qtput[q] = float64(d) / dt
			total += d
		}
	}
	p.tput = float64(total) / dt
	p.sent = float64(s.Sent-m.last.Sent) / dt
	if m.setup.Dispatch == sim.Fanout && m.setup.Queues > 0 {
		p.sent /= float64(m.setup.Queues) // Sent counts a delivery to every queue
	}
	m.points = append(m.points, p)
	if len(m.points) > history {
		m.points = m.points[len(m.points)-history:]
	}
	m.last = s
	m.resetSums()
}

// fileLatency gives the point whose seconds hold the interval s reports
// its latency (the later look, more complete, wins).
func (m *Model) fileLatency(s Snapshot) {
	if s.Timed == 0 {
		return
	}
	for i := len(m.points) - 1; i >= max(len(m.points)-3, 0); i-- {
		if p := &m.points[i]; s.LatencyAt >= p.from-time.Second/2 && s.LatencyAt < p.to-time.Second/2 {
			p.p99, p.mean, p.timed = float64(s.P99), float64(s.Mean), s.Timed
			return
		}
	}
}

func (m *Model) resetSums() {
	clear(m.sums)
	m.busySum, m.frames = 0, 0
}

// Press acts on a key: steers the run through the Controller, or changes
// the view. It returns tea.Quit for nothing: q ends the run, and the view
// quits when the run has ended (Ended).
func (m *Model) Press(k tea.KeyMsg) tea.Cmd {
	q := m.selected
	for _, b := range []key.Binding{m.keys.Add, m.keys.Remove, m.keys.Faster, m.keys.Slower, m.keys.MoreWork, m.keys.LessWork, m.keys.Pause, m.keys.Crash} {
		if key.Matches(k, b) {
			m.changed = m.snap.Elapsed // the model's window mixes before and after for a while
		}
	}
	switch {
	case key.Matches(k, m.keys.Interrupt):
		m.status = "interrupted: ending the run"
		if m.interrupt != nil {
			m.interrupt()
		}
	case key.Matches(k, m.keys.Quit):
		m.status = "ending the run: the consumers drain what was sent, then the report"
		m.ending = true
		m.ctl.End()
	case key.Matches(k, m.keys.Next):
		m.selected = (m.selected + 1) % m.setup.Queues
		m.status = fmt.Sprintf("queue q%d selected", m.selected)
	case key.Matches(k, m.keys.Prev):
		m.selected = (m.selected + m.setup.Queues - 1) % m.setup.Queues
		m.status = fmt.Sprintf("queue q%d selected", m.selected)
	case key.Matches(k, m.keys.Add), key.Matches(k, m.keys.Remove):
		n := m.ctl.Consumers(q) + 1
		if key.Matches(k, m.keys.Remove) {
			n -= 2
		}
		if n < 0 {
			m.status = fmt.Sprintf("q%d has no consumer taking messages to remove", q)
			break
		}
		if err := m.ctl.SetConsumers(q, n); err != nil {
			m.status = "refused: " + err.Error()
			break
		}
		m.status = fmt.Sprintf("q%d: %d consumer%s taking messages", q, n, plural(n))
	case key.Matches(k, m.keys.Faster), key.Matches(k, m.keys.Slower):
		r := m.ctl.Rate()
		if r == 0 {
			m.status = "closed loop: the producers send as fast as the consumers take; there is no rate to change"
			break
		}
		if key.Matches(k, m.keys.Faster) {
			r *= Step
		} else {
			r /= Step
		}
		if m.setup.MaxRate > 0 && r > m.setup.MaxRate {
			r = m.setup.MaxRate
			m.status = fmt.Sprintf("rate %s msgs/s: the most this run allows (its exactly-once bits are sized for it)", units.Rate(r))
		} else {
			m.status = fmt.Sprintf("rate %s msgs/s", units.Rate(r))
		}
		if err := m.ctl.SetRate(r); err != nil {
			m.status = "refused: " + err.Error()
		}
	case key.Matches(k, m.keys.MoreWork), key.Matches(k, m.keys.LessWork):
		w := m.ctl.Work()
		switch {
		case key.Matches(k, m.keys.LessWork):
			w = time.Duration(float64(w) / Step)
		case w == 0:
			w = 100 * time.Microsecond // from none to some
		default:
			w = time.Duration(float64(w) * Step)
		}
		if err := m.ctl.SetWork(w); err != nil {
			m.status = "refused: " + err.Error()
			break
		}
		m.status = fmt.Sprintf("work %s per message", units.Duration(w))
	case key.Matches(k, m.keys.Pause):
		if m.ctl.ProducersPaused() {
			m.ctl.ResumeProducers()
			m.status = "producers resumed"
		} else {
			m.ctl.PauseProducers()
			m.status = "producers paused: the consumers drain what waits"
		}
	case key.Matches(k, m.keys.Crash):
		i, err := m.ctl.InForce(q, 0)
		if err == nil {
			err = m.ctl.CrashBy(q, i, CrashedByKey)
		}
		if err != nil {
			m.status = "refused: " + err.Error()
			break
		}
		m.status = fmt.Sprintf("consumer q%d.%d crashes holding its next message: that one is lost", q, i)
	case key.Matches(k, m.keys.Freeze):
		m.frozen = !m.frozen
		m.frozenView = ""
		if m.frozen {
			m.frozenView = m.body()
			m.status = "view frozen; the run goes on (space to follow it again)"
		} else {
			m.status = "view follows the run"
		}
	case key.Matches(k, m.keys.Help):
		m.help.ShowAll = !m.help.ShowAll
	}
	return nil
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// window is the last n points (fewer at the start).
func (m *Model) window(n int) []point {
	return m.points[max(len(m.points)-n, 0):]
}

func mean(ps []point, f func(point) float64) float64 {
	if len(ps) == 0 {
		return math.NaN()
	}
	var s float64
	for _, p := range ps {
		s += f(p)
	}
	return s / float64(len(ps))
}
