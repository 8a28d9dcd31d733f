// Package invoke is msgsim's one invocation layer. It takes a Plan — the
// config, repeats, assertions, baseline and its allowed regression, trace,
// profiles and the baseline to save — runs it through sim.Run, and returns
// the report document and its Verdict. A run, every point of a sweep and
// explain's measured half all go through Session.Run or Session.Sweep, so
// a flag that works in one command works the same in all, and the same
// failure gives the same verdict everywhere. It never prints: the caller
// draws progress and traces from Hooks, renders the document and maps the
// verdict to an exit code.
package invoke

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/msgsim/msgsim/steer"

	"github.com/msgsim/msgsim/check"
	"github.com/msgsim/msgsim/report"
	"github.com/msgsim/msgsim/sim"
	"github.com/msgsim/msgsim/sweep"
	"github.com/msgsim/msgsim/units"
)

// Plan is one invocation: what to run and how to judge it.
type Plan struct {
	Config     sim.Config
	Repeat     int // runs of the config (of each point, in a sweep); 1 or more
	Assertions []check.Assertion
	Baseline   *Baseline // nil: no comparison
	Profiles   Profiles
	// SaveBaseline is a file to write the json report to, for a later
	// Baseline; it is written only when the verdict passed.
	SaveBaseline string
	// Steer, when set, steers every run along a timeline (a scenario's
	// phases): each run gets a sim.Control of its own. Config.Control
	// stays nil.
	Steer *Steering
	// Scenario names the scenario file the plan follows (msgsim run
	// FILE), for the report and the baseline it saves; nil for a run of
	// flags.
	Scenario *ScenarioRun
}

// ScenarioRun is the scenario file a plan follows: its path, its name and
// the digest of its bytes, and the command line's values over it as the
// report lists them ("--seed 5 (file: 7)").
type ScenarioRun struct {
	File, Name, SHA256 string
	Overrides          []string
}

// ID is what a baseline of the scenario must match; nil for nil.
func (s *ScenarioRun) ID() *check.ScenarioID {
	if s == nil {
		return nil
	}
	return check.NewScenarioID(s.Name, s.SHA256, s.Overrides)
}

// label names the scenario in a report.
func (s *ScenarioRun) label(d *report.Document) {
	if s != nil {
		d.Scenario, d.Overrides, d.ScenarioName, d.ScenarioSHA256 = s.File, s.Overrides, s.Name, s.SHA256
	}
}

// Steering is the timeline a plan's runs follow, and how many consumers per
// queue take messages at the start (Config.Consumers is the most a queue
// may have).
type Steering struct {
	Phases []steer.Phase
	Active int
}

// MaxRepeat bounds Plan.Repeat.
const MaxRepeat = 1000

// Baseline is a saved report to compare the runs with.
type Baseline struct {
	File          string
	MaxRegression float64 // fraction: 0.10 allows 10% worse
	Saved         report.Baseline
}

// Profiles are files for Go's profilers, covering the whole invocation;
// "" is off.
type Profiles struct {
	CPU, Mem, Exec string
}

// ErrPlan marks a plan that cannot run: a usage error, found before
// anything ran.
var ErrPlan = errors.New("invalid plan")

// Check refuses a plan that cannot work, before anything runs.
func (p Plan) Check() error {
	if p.Repeat < 1 || p.Repeat > MaxRepeat {
		return fmt.Errorf("%w: --repeat: %d is out of range (want 1..%d)", ErrPlan, p.Repeat, MaxRepeat)
	}
	cfg := p.Config
	if p.Steer != nil {
		cfg.Control = sim.NewControl(p.Steer.Active) // as each run will have
	}
	if err := cfg.Validate(); err != nil {
		return fmt.Errorf("%w: %v", ErrPlan, err)
	}
	if err := check.Validate(p.Assertions, cfg); err != nil {
		return fmt.Errorf("%w: --assert: %s", ErrPlan, strings.TrimPrefix(err.Error(), check.ErrSyntax.Error()+" "))
	}
	return checkKept(p.Config, []sim.Config{p.Config}, p.Repeat)
}

// checkKept refuses an invocation whose runs, each within the budget, keep
// more between them than it allows: every repeat of every point keeps its
// Result. peak is the config whose run needs the most.
func checkKept(peak sim.Config, points []sim.Config, repeat int) error {
	if len(points)*repeat <= 1 {
		return nil
	}
	var kept float64
	for _, c := range points {
		kept += float64(repeat) * c.ResultBytes()
	}
	est := peak.Memory()
	why := fmt.Sprintf("--repeat %d", repeat)
	if len(points) > 1 {
		why += fmt.Sprintf(" × %d points", len(points))
	}
	est.Add("results kept", kept, fmt.Sprintf("%d runs (%s) × about %s each", len(points)*repeat, why, units.Bytes(kept/float64(len(points)*repeat))))
	if err := peak.CheckMemory(est); err != nil {
		return fmt.Errorf("%w: %v", ErrPlan, err)
	}
	return nil
}

// ReadBaseline reads and checks --baseline FILE for a run of cfg, or for a
// sweep of cfg over axes (axes nil for a run). It refuses a file that
// cannot be compared: unreadable, not a baseline, of the other kind (a
// sweep for a run, or the reverse), measured with another config or
// another scenario unless anyConfig, or a sweep over other parameters or
// with no point in common. scen is the scenario the run follows (msgsim
// run FILE), nil for a run of flags.
func ReadBaseline(file string, maxRegression float64, anyConfig bool, cfg sim.Config, axes []sweep.Axis, scen *check.ScenarioID) (*Baseline, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, fmt.Errorf("%q cannot be read: %v", file, errors.Unwrap(err))
	}
	defer f.Close()
	saved, err := report.ReadBaseline(f)
	if err != nil {
		return nil, fmt.Errorf("%q: %v", file, err)
	}
	want := "run"
	if axes != nil {
		want = "sweep"
	}
	if saved.Kind != want {
		return nil, fmt.Errorf("%q is the report of a %s; a %s compares with a saved %s (--save-baseline in msgsim%s)",
			file, saved.Kind, want, want, map[string]string{"run": "", "sweep": " sweep"}[want])
	}
	ignore := map[string]bool{}
	if axes != nil {
		var names []string
		for _, a := range axes {
			names = append(names, a.Param)
			ignore[a.Param] = true
		}
		if strings.Join(names, ",") != strings.Join(saved.Axes, ",") {
			return nil, fmt.Errorf("%q is a sweep of %s; this one varies %s", file, strings.Join(saved.Axes, " × "), strings.Join(names, " × "))
		}
		common := 0
		for _, p := range sweep.Grid(axes) {
			if saved.PointSamples(p) != nil {
				common++
			}
		}
		if common == 0 {
			return nil, fmt.Errorf("%q has none of this sweep's points", file)
		}
	}
	if scen != nil {
		// As the report has it: the phases decide, and the bound the
		// plan sets for the exactly-once bits is no plan.
		cfg.Messages, cfg.Duration = 0, 0
	}
	diff := append(check.ScenarioDiff(saved.Scenario, scen), check.ConfigDiff(saved.Config, cfg)...)
	if len(diff) > 0 && !anyConfig {
		var kept []string
		for _, d := range diff {
			if name, _, _ := strings.Cut(d, ":"); !ignore[name] {
				kept = append(kept, d)
			}
		}
		if len(kept) > 0 {
			return nil, fmt.Errorf("%q was measured with another config (%s); pass --baseline-any-config to compare anyway",
				file, strings.Join(kept, "; "))
		}
	}
	return &Baseline{File: file, MaxRegression: maxRegression, Saved: saved}, nil
}
