package explain_test

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/msgsim/msgsim/explain"
	"github.com/msgsim/msgsim/queueing"
	"github.com/msgsim/msgsim/sim"
)

func TestJudgeFit(t *testing.T) {
	// M/M/1 at λ = 350/s, 1 ms service: ρ = 0.35, Wq = 538µs.
	base := explain.Evidence{Model: queueing.Model{Lambda: 350, Mu: 1000, C: 1}, Work: time.Millisecond, WorkKind: sim.Sleep,
		Wq: 560 * time.Microsecond, Samples: 20_000, Asked: 350, Sent: 350, Service: time.Millisecond, Busy: 0.35, Cores: 2}
	tests := []struct {
		name    string
		edit    func(*explain.Evidence)
		fits    bool
		reasons []string // phrases the reasons must hold
		absent  []string // phrases they must not: claims of what was not checked
	}{
		{"as predicted", func(*explain.Evidence) {}, true, nil, nil},
		{"a tiny wait, far off in percent, within the slack", func(e *explain.Evidence) {
			e.Model.Lambda, e.Asked, e.Sent, e.Wq = 10, 10, 10, 60*time.Microsecond
		}, true, nil, nil},
		{"twelve times the prediction, nothing checked explains it", func(e *explain.Evidence) { e.Wq = 6540 * time.Microsecond }, false,
			[]string{"nothing msgsim checks explains it", "the producers sent the rate asked", "service took what was asked"},
			[]string{"schedule", "cores"}}, // no lag measured (a live view); sleeping consumers use no core
		{"nothing explains it, the lag measured, spinning work", func(e *explain.Evidence) {
			e.Wq, e.MaxLag, e.WorkKind, e.Busy = 6540*time.Microsecond, 2*time.Millisecond, sim.Spin, 0.4
		}, false, []string{"kept their schedule (at most 2.00ms behind)", "spinning consumers kept 0.4 of 2 cores busy"}, nil},
		{"producers behind: not the modelled arrivals", func(e *explain.Evidence) { e.Wq, e.Sent = 3*time.Millisecond, 200 }, false,
			[]string{"sent 200 of the 350 msgs/s", "closed one"}, nil},
		{"a producer stalled", func(e *explain.Evidence) { e.Wq, e.MaxLag = 3*time.Millisecond, 40*time.Millisecond }, false,
			[]string{"fell up to 40.0ms behind"}, nil},
		{"service slower than asked", func(e *explain.Evidence) { e.Wq, e.Service = 3*time.Millisecond, 1300*time.Microsecond }, false,
			[]string{"took 1.30ms per message, not the 1.00ms asked", "the model predicts 1.09ms"}, nil},
		{"spinning on too few cores", func(e *explain.Evidence) {
			e.Wq, e.WorkKind, e.Busy, e.Model.C = 3*time.Millisecond, sim.Spin, 1.9, 4
		}, false, []string{"CPU-bound work on too few cores", "1.9 of 2 cores"}, nil},
		{"fixed service on two consumers", func(e *explain.Evidence) {
			e.Wq, e.Model.Deterministic, e.Model.C = 3*time.Millisecond, true, 2
		}, false, []string{"M/D/2 is approximated"}, nil},
		{"unbuffered fan-out couples the queues", func(e *explain.Evidence) { e.Wq, e.Coupled = 3*time.Millisecond, true }, false,
			[]string{"unbuffered fan-out"}, nil},
		{"near saturation, few samples", func(e *explain.Evidence) {
			e.Model.Lambda, e.Samples = 950, 500
			e.Wq = 60 * time.Millisecond
		}, false, []string{"ρ = 0.95", "only 500 waits"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := base
			tt.edit(&e)
			f := explain.JudgeFit(e)
			if !f.Applies || f.Fits != tt.fits {
				t.Fatalf("applies %v, fits %v, want fits %v: %s", f.Applies, f.Fits, tt.fits, f.Sentence())
			}
			s := f.Sentence()
			for _, r := range tt.reasons {
				if !strings.Contains(s, r) {
					t.Errorf("lacks %q: %s", r, s)
				}
			}
			for _, r := range tt.absent {
				if strings.Contains(s, r) {
					t.Errorf("claims %q, which was not checked: %s", r, s)
				}
			}
		})
	}
}

// The case that once read "keeping up … latency here is queueing noise":
// 6.54ms measured against a prediction a tenth of that.
func TestVerdictSaysWhenTheModelDoesNotFit(t *testing.T) {
	res := result(mm(1, 350, time.Millisecond), 0.36, 2.3, 6540*time.Microsecond, 350)
	got := explain.Verdict(res)
	if strings.Contains(got, "queueing noise") || !strings.Contains(got, "the model does not fit: mean wait 6.54ms measured against 538µs predicted (+1115%") {
		t.Fatalf("verdict: %s", got)
	}
	fits := explain.Verdict(result(mm(1, 350, time.Millisecond), 0.36, 0.2, 540*time.Microsecond, 350))
	if !strings.Contains(fits, "queueing noise") || strings.Contains(fits, "does not fit") {
		t.Fatalf("verdict of a fitting run: %s", fits)
	}
}

// A run cut short by a signal drains what was queued without its work, so
// its figures are no steady state: neither the fit nor Little's law nor
// what bounded it may be judged from them, whichever way they point.
func TestInterruptedRunIsNotJudged(t *testing.T) {
	for _, tt := range []struct {
		name string
		res  sim.Result
	}{
		{"would not fit", result(mm(1, 350, time.Millisecond), 0.36, 2.3, 6540*time.Microsecond, 350)},
		{"would fit", result(mm(2, 2800, 500*time.Microsecond), 0.70, 1.30, 490*time.Microsecond, 2800)},
	} {
		t.Run(tt.name, func(t *testing.T) {
			tt.res.Interrupted = true
			var b bytes.Buffer
			explain.WriteComparison(&b, tt.res)
			out := b.String()
			for _, claim := range []string{"the model fits", "does not fit", "holds within", "off by more than"} {
				if strings.Contains(out, claim) {
					t.Errorf("comparison of an interrupted run says %q:\n%s", claim, out)
				}
			}
			if !strings.Contains(out, "not judged") {
				t.Errorf("comparison of an interrupted run does not say it was not judged:\n%s", out)
			}
			v := explain.Verdict(tt.res)
			if !strings.HasPrefix(v, "none: the run was interrupted") || strings.Contains(v, "fit") {
				t.Errorf("verdict of an interrupted run: %s", v)
			}
		})
	}
}

// "Queueing noise" is the model's word: said only when a model was set
// beside the run and fitted it. Batches, uniform arrivals or keys that
// hash unevenly have no model, and their wait is no noise of one.
func TestNoiseOnlyWhereTheModelFits(t *testing.T) {
	batched := mm(2, 2800, 500*time.Microsecond)
	batched.Batch = 16
	uniform := mm(2, 2800, 500*time.Microsecond)
	uniform.Arrival = sim.Uniform
	for name, cfg := range map[string]sim.Config{"batch 16": batched, "uniform arrivals": uniform} {
		v := explain.Verdict(result(cfg, 0.77, 20, 7*time.Millisecond, 2800))
		if !strings.HasPrefix(v, "keeping up") || strings.Contains(v, "noise") {
			t.Errorf("%s: %s", name, v)
		}
	}
}
