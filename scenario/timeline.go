package scenario

import (
	"fmt"
	"io"
	"math"
	"strings"
	"time"

	"github.com/msgsim/msgsim/units"
)

// PlannedMessages is how many messages all producers send in phase i by
// its schedule: its count, or the integral of its rate over its length. It
// is false for a closed loop of a given duration, whose consumers decide.
func (s *Scenario) PlannedMessages(i int) (float64, bool) {
	p := s.Phases[i]
	if p.Messages > 0 {
		return float64(p.Messages) * float64(s.Producers), true
	}
	if p.Arrival.Pattern == Closed {
		return 0, false
	}
	return p.Arrival.sent(p.Planned), true
}

// sent is the integral of the rate over [0, length]: messages in all.
func (a Arrival) sent(length time.Duration) float64 {
	T := length.Seconds()
	switch a.Pattern {
	case Constant:
		return a.Rate * T
	case Ramp:
		return (a.From + a.To) / 2 * T
	case Steps:
		n := 0.0
		for i, s := range a.Steps {
			end := T
			if i+1 < len(a.Steps) {
				end = math.Min(end, a.Steps[i+1].At.Seconds())
			}
			n += s.Rate * math.Max(end-s.At.Seconds(), 0)
		}
		return n
	case Spike:
		spiked := math.Max(math.Min((a.SpikeAt+a.SpikeFor).Seconds(), T)-a.SpikeAt.Seconds(), 0)
		return a.Rate*T + (a.SpikeRate-a.Rate)*spiked
	}
	return 0
}

// WriteTimeline renders the planned timeline for --dry-run: the run's
// shape, then each phase with its start, length, arrival (the rate over
// time for a ramp, steps or a spike), work, consumer counts, faults at
// their absolute times and assertions.
func (s *Scenario) WriteTimeline(w io.Writer) error {
	b := &strings.Builder{}
	title := "scenario " + s.Name
	if s.Description != "" {
		title += ": " + oneLine(s.Description)
	}
	fmt.Fprintln(b, title)
	fmt.Fprintf(b, "topology: %s → %s × %s, %s", plural(s.Producers, "producer"), plural(s.Queues, "queue"),
		plural(s.Consumers, "consumer"), s.Dispatch)
	if s.Dispatch == "key" {
		fmt.Fprintf(b, " (%s keys)", units.Int(int64(s.Keys)))
	}
	if s.Transport == "nats" {
		server := "an embedded server"
		if s.NATSURL != "" {
			server = s.NATSURL
		}
		fmt.Fprintf(b, ", over NATS (%s)", server)
	} else if s.Buffer == 0 {
		fmt.Fprintf(b, ", unbuffered")
	} else {
		fmt.Fprintf(b, ", buffer %s", units.Int(int64(s.Buffer)))
	}
	if s.Batch > 1 {
		fmt.Fprintf(b, ", batches of %s", units.Int(int64(s.Batch)))
	}
	fmt.Fprintf(b, "\npayload: %s\n", s.Payload.describe())
	length, exact := s.Length()
	seed := "picked at the start and reported"
	if s.Seed != 0 {
		seed = fmt.Sprint(s.Seed)
	}
	planned := "planned length " + length.String()
	var open []string
	for _, p := range s.Phases {
		if p.Planned == 0 {
			open = append(open, p.Name)
		}
	}
	if !exact {
		planned += " plus as long as the consumers take in " + strings.Join(open, ", ")
	}
	fmt.Fprintf(b, "seed: %s; %s, %s\n", seed, plural(len(s.Phases), "phase"), planned)
	counts := make([]int, s.Queues)
	for q := range counts {
		counts[q] = s.Consumers
	}
	var anchor *Phase // the latest phase whose length is not known before the run
	for i, p := range s.Phases {
		for _, cc := range p.Consumers {
			for q := range counts {
				if cc.Queue < 0 || cc.Queue == q {
					counts[q] = cc.Count
				}
			}
		}
		s.writePhase(b, i, counts, anchor)
		if p.Planned == 0 {
			anchor = &s.Phases[i]
		}
	}
	if len(s.Assert) > 0 || s.Baseline != "" {
		fmt.Fprintln(b)
	}
	if len(s.Assert) > 0 {
		fmt.Fprintf(b, "whole run: assert %s\n", strings.Join(s.Assert, " · "))
	}
	if s.Baseline != "" {
		reg := s.MaxRegression
		if reg == "" {
			reg = "10%"
		}
		fmt.Fprintf(b, "baseline: %s, at most %s worse\n", s.Baseline, strings.TrimSuffix(reg, "%")+"%")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// writePhase writes phase i. After a phase of unknown length (anchor),
// times are offsets from its end.
func (s *Scenario) writePhase(b *strings.Builder, i int, counts []int, anchor *Phase) {
	p := s.Phases[i]
	at := func(d time.Duration) string { return d.String() }
	if anchor != nil {
		at = func(d time.Duration) string {
			if d == anchor.Start {
				return anchor.Name + "'s end"
			}
			return fmt.Sprintf("%s's end + %s", anchor.Name, d-anchor.Start)
		}
	}
	start, end := at(p.Start), at(p.Start+p.Planned)
	var length string
	switch {
	case p.Duration > 0:
		length = p.Duration.String()
	case p.Planned > 0:
		length = fmt.Sprintf("%s messages per producer, about %s", units.Int(p.Messages), p.Planned.Round(time.Millisecond))
	default:
		end = "?"
		length = fmt.Sprintf("%s messages per producer, for as long as the consumers take", units.Int(p.Messages))
	}
	fmt.Fprintf(b, "\n%s → %s  %s (%s)\n", start, end, p.Name, length)
	row := func(label, format string, args ...any) {
		fmt.Fprintf(b, "  %-10s %s\n", label, fmt.Sprintf(format, args...))
	}
	row("arrival", "%s", p.Arrival.describe(p.Start, p.Planned, at))
	if n, ok := s.PlannedMessages(i); ok {
		about := "about "
		if p.Messages > 0 {
			about = ""
		}
		row("", "%s%s messages in all", about, units.Int(int64(math.Round(n))))
	}
	if p.Work.Mean > 0 {
		row("work", "%s %s, %s", p.Work.Mean, p.Work.Dist, p.Work.Kind)
	} else {
		row("work", "none")
	}
	set := ""
	if len(p.Consumers) > 0 {
		set = " (set here)"
	}
	row("consumers", "%s%s", describeCounts(counts), set)
	for _, f := range p.Faults {
		row("fault", "at %s (%s in): %s", at(p.Start+f.At), f.At, f.describe())
	}
	if len(p.Assert) > 0 {
		row("assert", "%s", strings.Join(p.Assert, " · "))
	}
}

func (a Arrival) describe(start, length time.Duration, at func(time.Duration) string) string {
	rate := func(v float64) string { return units.Rate(v) + " msgs/s" }
	switch a.Pattern {
	case Constant:
		return fmt.Sprintf("constant %s, %s", rate(a.Rate), a.Process)
	case Ramp:
		s := fmt.Sprintf("ramp %s → %s, %s", rate(a.From), rate(a.To), a.Process)
		if length <= 0 {
			return s
		}
		var pts []string
		for k := 0; k <= 4; k++ {
			d := length * time.Duration(k) / 4
			pts = append(pts, fmt.Sprintf("%s at %s", units.Rate(a.RateAt(d, length)), at((start+d).Round(time.Millisecond))))
		}
		return s + ": " + strings.Join(pts, " · ")
	case Steps:
		var pts []string
		for _, st := range a.Steps {
			pts = append(pts, fmt.Sprintf("%s from %s", rate(st.Rate), at(start+st.At)))
		}
		return fmt.Sprintf("steps, %s: %s", a.Process, strings.Join(pts, " · "))
	case Spike:
		return fmt.Sprintf("spike, %s: %s, %s from %s to %s, then %s", a.Process, rate(a.Rate), rate(a.SpikeRate),
			at(start+a.SpikeAt), at(start+a.SpikeAt+a.SpikeFor), rate(a.Rate))
	}
	return "closed loop: producers send as fast as the consumers take"
}

func (f Fault) describe() string {
	who := fmt.Sprintf("c%d.%d", f.Queue, f.Consumer)
	lasts := "until resumed or the phase ends"
	if f.For > 0 {
		lasts = "for " + f.For.String()
	}
	switch f.Kind {
	case Pause:
		return fmt.Sprintf("pause %s %s", who, lasts)
	case Slow:
		return fmt.Sprintf("slow %s: work ×%g %s", who, f.Factor, lasts)
	case Resume:
		return "resume " + who
	}
	return "crash " + who + " (the message it holds is lost)"
}

func (p Payload) describe() string {
	switch p.Dist {
	case "uniform":
		return fmt.Sprintf("uniform %s..%s B", units.Int(int64(p.Min)), units.Int(int64(p.Max)))
	case "normal", "lognormal":
		s := fmt.Sprintf("%s, mean %s B, stddev %s B", p.Dist, units.Int(int64(p.Size)), units.Rate(p.Stddev))
		if p.Min > 0 || p.Max > 0 {
			hi := "∞"
			if p.Max > 0 {
				hi = units.Int(int64(p.Max))
			}
			s += fmt.Sprintf(", kept within %s..%s B", units.Int(int64(p.Min)), hi)
		}
		return s
	case "histogram":
		var total float64
		for _, bk := range p.Histogram {
			total += bk.Weight
		}
		var parts []string
		for _, bk := range p.Histogram {
			parts = append(parts, fmt.Sprintf("%s B %.0f%%", units.Int(int64(bk.Size)), 100*bk.Weight/total))
		}
		return fmt.Sprintf("histogram %s (mean %s B)", strings.Join(parts, " · "), units.Rate(p.Mean()))
	}
	return fmt.Sprintf("fixed %s B", units.Int(int64(p.Size)))
}

// describeCounts says how many consumers each queue has: one figure when
// they agree, each queue's otherwise (a range past eight queues).
func describeCounts(counts []int) string {
	lo, hi := counts[0], counts[0]
	for _, n := range counts {
		lo, hi = min(lo, n), max(hi, n)
	}
	if lo == hi {
		return plural(lo, "consumer") + " per queue"
	}
	if len(counts) > 8 {
		return fmt.Sprintf("%s to %s per queue", units.Int(int64(lo)), units.Int(int64(hi)))
	}
	var parts []string
	for q, n := range counts {
		parts = append(parts, fmt.Sprintf("q%d %d", q, n))
	}
	return strings.Join(parts, ", ")
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return units.Int(int64(n)) + " " + word + "s"
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
