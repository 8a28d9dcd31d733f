package explain

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/msgsim/msgsim/queueing"
	"github.com/msgsim/msgsim/sim"
	"github.com/msgsim/msgsim/units"
)

// The model fits a measured mean wait within FitMargin of its prediction,
// or within FitSlack of it: a goroutine's wake-up costs tens of
// microseconds, which the textbook does not count, so a tiny predicted
// wait is not called wrong for that alone.
const (
	FitMargin = 0.5
	FitSlack  = 100 * time.Microsecond
)

// Evidence is what judging the model's fit reads: the model and what was
// measured, from a finished run (EvidenceOf) or a live view's window.
type Evidence struct {
	Model    queueing.Model
	Work     time.Duration // the mean service time asked for
	WorkKind sim.WorkKind
	Wq       time.Duration // measured mean wait (send, as intended → taken)
	Samples  int64         // waits measured
	Asked    float64       // arrival rate asked for, all producers
	Sent     float64       // arrival rate the producers kept
	MaxLag   time.Duration // how far a producer fell behind its schedule, at most (0: unknown)
	Service  time.Duration // measured mean service time (0: unknown)
	Busy     float64       // consumer-seconds of work per second, all queues
	Cores    int           // GOMAXPROCS
	// Unsettled, when set, says why the window measured is no steady
	// state (a live view: the rate or the consumers changed within it).
	Unsettled string
	// Coupled is true for fan-out to several queues with no buffer: the
	// producer hands each message to every queue in turn.
	Coupled bool
}

// Fit is the judgement: whether the model fits, and the likely reasons
// when it does not, each one a fact the code has checked.
type Fit struct {
	Applies   bool // a finite prediction to compare with
	Predicted queueing.Prediction
	Measured  time.Duration
	Off       float64 // (measured − predicted) ÷ predicted
	Fits      bool
	Reasons   []string
}

// EvidenceOf gathers the evidence of a finished run for queue q.
func EvidenceOf(res sim.Result, q int) (Evidence, bool) {
	m, why := Model(res.Config)
	if why != "" || q >= len(res.Queues) {
		return Evidence{}, false
	}
	c := res.Config
	e := Evidence{Model: m, Work: c.Work, WorkKind: c.WorkKind, Asked: c.Rate, Sent: res.SendRate, MaxLag: res.MaxLag, Cores: res.GOMAXPROCS,
		Coupled: Coupled(c)}
	qr := res.Queues[q]
	e.Wq, e.Samples, e.Service = qr.Latency.Mean, qr.Latency.Count, qr.MeanService
	for _, r := range res.Queues {
		e.Busy += r.Utilisation * float64(r.Consumers)
	}
	return e, true
}

// Coupled says whether c's queues hold each other up: fan-out to several
// unbuffered queues.
func Coupled(c sim.Config) bool {
	return c.Dispatch == sim.Fanout && c.Queues > 1 && c.Buffer == 0
}

// JudgeFit sets the measured mean wait beside the model's and, when they
// differ by more than the margin, says why as far as the evidence shows.
func JudgeFit(e Evidence) Fit {
	p, err := queueing.Predict(e.Model)
	if err != nil || p.Unstable || e.Samples == 0 {
		return Fit{}
	}
	f := Fit{Applies: true, Predicted: p, Measured: e.Wq, Off: (float64(e.Wq) - float64(p.Wq)) / float64(max(p.Wq, 1))}
	gap := e.Wq - p.Wq
	f.Fits = math.Abs(f.Off) <= FitMargin || gap.Abs() <= FitSlack
	if f.Fits {
		return f
	}
	add := func(format string, args ...any) { f.Reasons = append(f.Reasons, fmt.Sprintf(format, args...)) }
	if e.Unsettled != "" {
		add("%s", e.Unsettled)
	}
	if e.Asked > 0 && e.Sent > 0 && e.Sent < 0.95*e.Asked {
		add("the producers sent %s of the %s msgs/s asked, so arrivals were not the Poisson stream the model assumes (behind schedule, an open loop turns into a closed one)",
			units.Rate(e.Sent), units.Rate(e.Asked))
	}
	if e.Coupled {
		add("unbuffered fan-out: the producer hands each message to every queue in turn, so one queue's wait holds up the others' arrivals, and the model takes the queues for independent (a buffer, -b, decouples them)")
	}
	if e.MaxLag > max(5*time.Millisecond, 5*e.Work) {
		add("a producer fell up to %s behind its schedule at times: the messages it then sent late count as waiting, and the model has no such stalls (a loaded machine, or too few cores for producers and consumers)",
			units.Duration(e.MaxLag))
	}
	if e.Service > 0 && e.Work > 0 && math.Abs(float64(e.Service)/float64(e.Work)-1) > 0.15 {
		mm := e.Model
		mm.Mu = 1 / e.Service.Seconds()
		s := fmt.Sprintf("consumers took %s per message, not the %s asked", units.Duration(e.Service), units.Duration(e.Work))
		if cp, err := queueing.Predict(mm); err == nil && !cp.Unstable {
			s += fmt.Sprintf("; with that service time the model predicts %s", units.Duration(cp.Wq))
		} else if err == nil {
			s += fmt.Sprintf("; with that service time ρ = %.2f and the queue has no steady state", cp.Rho)
		}
		add("%s", s)
	}
	if e.WorkKind == sim.Spin && e.Cores > 0 && e.Busy > 0.9*float64(e.Cores) {
		add("CPU-bound work on too few cores: spinning consumers kept %.1f of %d cores busy, so producers and hand-offs waited for a core, which the model does not count",
			e.Busy, e.Cores)
	}
	if e.Model.Deterministic && e.Model.C > 1 {
		add("fixed (deterministic) service: M/D/%d is approximated here as half the M/M/%d wait, exact only for one consumer", e.Model.C, e.Model.C)
	}
	if p.Rho >= 0.85 {
		steeper := e.Model
		steeper.Lambda *= 1.05
		if sp, err := queueing.Predict(steeper); err == nil {
			w := "unbounded"
			if !sp.Unstable {
				w = units.Duration(sp.Wq)
			}
			add("at ρ = %.2f the wait is steep: 5%% more load would make the predicted %s %s", p.Rho, units.Duration(p.Wq), w)
		}
	}
	if e.Samples < 2000 {
		add("only %s waits were measured, and a mean of exponential waits settles slowly", units.Int(e.Samples))
	}
	if len(f.Reasons) == 0 {
		// Only what was checked above is named: the lag only when it was
		// measured, the cores only for spinning work, where a busy
		// consumer is a busy core (a sleeping one uses none).
		var checked []string
		switch {
		case e.Sent > 0 && e.MaxLag > 0:
			checked = append(checked, fmt.Sprintf("the producers kept their schedule (at most %s behind)", units.Duration(e.MaxLag)))
		case e.Sent > 0:
			checked = append(checked, "the producers sent the rate asked")
		}
		if e.Service > 0 {
			checked = append(checked, "service took what was asked")
		}
		if e.WorkKind == sim.Spin && e.Cores > 0 && e.Busy > 0 {
			checked = append(checked, fmt.Sprintf("spinning consumers kept %.1f of %d cores busy", e.Busy, e.Cores))
		}
		s := "nothing msgsim checks explains it"
		if len(checked) > 0 {
			s += " (" + strings.Join(checked, ", ") + ")"
		}
		add("%s: look at the machine's other load", s)
	}
	return f
}

// Sentence says the judgement in one sentence.
func (f Fit) Sentence() string {
	if !f.Applies {
		return ""
	}
	if f.Fits {
		return fmt.Sprintf("the model fits: mean wait %s measured against %s predicted (%+.0f%%, within ±%.0f%% or %s)",
			units.Duration(f.Measured), units.Duration(f.Predicted.Wq), 100*f.Off, 100*FitMargin, units.Duration(FitSlack))
	}
	return fmt.Sprintf("the model does not fit: mean wait %s measured against %s predicted (%+.0f%%, beyond ±%.0f%% and %s); likely because %s",
		units.Duration(f.Measured), units.Duration(f.Predicted.Wq), 100*f.Off, 100*FitMargin, units.Duration(FitSlack), strings.Join(f.Reasons, "; "))
}
