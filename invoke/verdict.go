package invoke

import (
	"fmt"
	"strings"

	"github.com/msgsim/msgsim/check"
	"github.com/msgsim/msgsim/report"
	"github.com/msgsim/msgsim/sim"
)

// Status is the outcome of an invocation, most serious last; each maps to
// one exit code, the same in every command.
type Status int

// The statuses, in order of precedence.
const (
	Passed      Status = iota // every check, assertion and comparison held: exit 0
	Failed                    // a delivery check, an assertion or a baseline failed: exit 1
	Broken                    // the broker or an output failed during the invocation: exit 3
	Interrupted               // a signal cut it short; the report is partial: exit 130
)

func (s Status) String() string {
	return [...]string{"passed", "failed", "broken", "interrupted"}[s]
}

// Verdict is what the measurements say about an invocation. Every
// problem it names was measured: nothing passes that was not shown to hold.
type Verdict struct {
	Status   Status
	Problems []string // one line each; empty when passed
}

// String joins the problems into the one line msgsim prints on stderr.
func (v Verdict) String() string { return strings.Join(v.Problems, "; ") }

// raise records a problem of status s.
func (v *Verdict) raise(s Status, problem string) {
	v.Status = max(v.Status, s)
	v.Problems = append(v.Problems, problem)
}

// Judge gives a document its verdict: interrupted, a broker that failed
// mid-run, a failed exactly-once or order check in any run, a failed
// assertion (one with no samples included), a regression beyond the
// allowed one.
func Judge(d report.Document) Verdict {
	var v Verdict
	runs := d.Runs
	if len(runs) == 0 {
		runs = []sim.Result{d.Result}
	}
	interrupted := d.Interrupted
	for _, r := range runs {
		interrupted = interrupted || r.Interrupted
	}
	if interrupted {
		v.raise(Interrupted, "interrupted; the report is partial")
	}
	for _, r := range runs {
		if r.TransportError != "" {
			v.raise(Broken, "the transport failed mid-run: "+r.TransportError)
			break
		}
	}
	for _, r := range runs {
		if r.Unjudged != "" && !interrupted {
			// Nothing can be called delivered or lost: not a pass, not a
			// finding about the system, a run that could not be judged.
			v.raise(Broken, "check not made: "+r.Unjudged)
			break
		}
	}
	if interrupted {
		return v // what a cut-short run missed is not a finding
	}
	for i, r := range runs {
		if !r.OK() && r.Unjudged == "" {
			line := report.Verdict(r)
			if len(runs) > 1 {
				line = fmt.Sprintf("run %d: %s", i+1, line)
			}
			v.raise(Failed, line)
		}
	}
	if bad := check.Failed(d.Assertions); len(bad) > 0 {
		parts := make([]string, len(bad))
		for i, o := range bad {
			parts[i] = fmt.Sprintf("%s (actual %s)", o.Expr, o.Describe())
			if o.NoSamples {
				parts[i] = o.Expr + " (no samples)"
			}
		}
		v.raise(Failed, fmt.Sprintf("%d of %d assertions failed: %s", len(bad), len(d.Assertions), strings.Join(parts, ", ")))
	}
	if c := d.Baseline; c != nil && c.Regressed() {
		var parts []string
		for _, m := range c.Deltas {
			switch {
			case m.NoSamples:
				parts = append(parts, m.Metric+" has no samples")
			case m.Regressed:
				parts = append(parts, m.Metric+" "+m.ChangeString(c.MaxRegression))
			}
		}
		v.raise(Failed, fmt.Sprintf("regression against %s beyond %.4g%%: %s", c.File, 100*c.MaxRegression, strings.Join(parts, ", ")))
	}
	return v
}

// Stamp writes v into d, so every format can say what the exit code says.
func Stamp(d *report.Document, v Verdict) {
	d.Judged, d.Passed, d.Problems = true, v.Status == Passed, v.Problems
}
