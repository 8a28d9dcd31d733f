package invoke

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sort"
	"strings"
	"sync"

	"github.com/msgsim/msgsim/steer"

	"github.com/msgsim/msgsim/check"
	"github.com/msgsim/msgsim/outfile"
	"github.com/msgsim/msgsim/report"
	"github.com/msgsim/msgsim/sim"
	"github.com/msgsim/msgsim/sweep"
	"github.com/msgsim/msgsim/units"
)

// Hooks let the caller watch an invocation; any may be nil. They are
// called from the invoking goroutine, except Trace (from consumers).
type Hooks struct {
	Start func(Step)               // a run is about to start; Step.Progress will count it
	Done  func(Step)               // that run ended
	Trace func(Step, sim.Delivery) // the first Config.TraceN deliveries of each point's first run
	// Steered gives a steered run's Control (Plan.Steer) before the run
	// starts, for a live view to steer it too (and read its state).
	Steered func(Step, *sim.Control)
}

// Step says where an invocation is.
type Step struct {
	Point         string // "" outside a sweep; "consumers=2" in one
	Index, Points int    // 1-based point number and the number of points (1 and 1 outside a sweep)
	Run, Runs     int    // 1-based run number and the runs planned at this point
	Expected      int64  // deliveries the run plans
	Progress      *sim.Progress
}

// Session is one invocation of a plan. Notice may be called from any
// goroutine while Run or Sweep is going on.
type Session struct {
	plan  Plan
	hooks Hooks

	mu    sync.Mutex
	phase phase
	step  Step
	sweep bool
	prof  *profiler              // stopped; its files wait for Commit
	saved func() ([]byte, error) // the json --save-baseline writes on Commit
}

type phase int

const (
	starting phase = iota
	running
	between
	finishing
)

// New prepares a session; nothing runs until Run or Sweep.
func New(plan Plan, hooks Hooks) *Session {
	return &Session{plan: plan, hooks: hooks}
}

// Run runs the plan's config Repeat times and returns the document, with
// the median-throughput run in full, and its verdict. The error is
// ErrPlan for a plan that cannot run, sim.ErrTransport when the broker
// could not be reached, and an output error when a profile could not be
// started; otherwise every failure is in the verdict. The files the plan
// writes (profiles, --save-baseline) wait for Commit.
func (s *Session) Run(ctx context.Context) (report.Document, Verdict, error) {
	if err := s.plan.Check(); err != nil {
		return report.Document{}, Verdict{}, err
	}
	prof, err := startProfiles(s.plan.Profiles)
	if err != nil {
		return report.Document{}, Verdict{}, err
	}
	doc, err := s.runPlan(ctx, s.plan, Step{Index: 1, Points: 1})
	perr := prof.stop()
	if err != nil {
		prof.abort()
		return report.Document{}, Verdict{}, err
	}
	s.plan.Scenario.label(&doc)
	s.finished(prof, func() ([]byte, error) {
		var js bytes.Buffer
		saved := report.Document{Result: doc.Result, Runs: doc.Runs, Planned: doc.Planned}
		s.plan.Scenario.label(&saved)
		err := report.WriteDocument(&js, saved, report.JSON)
		return js.Bytes(), err
	})
	doc.Interrupted = doc.Interrupted || ctx.Err() != nil
	v := Judge(doc)
	if perr != nil {
		v.raise(Broken, perr.Error())
	}
	Stamp(&doc, v)
	return doc, v, nil
}

// runOne runs cfg once, steered along plan.Steer's timeline if it has one:
// the driver follows the run and ends it with the last phase.
func (s *Session) runOne(ctx context.Context, plan Plan, cfg sim.Config, step Step) (sim.Result, error) {
	if plan.Steer == nil {
		return sim.Run(ctx, cfg)
	}
	ctl := sim.NewControl(plan.Steer.Active)
	cfg.Control = ctl
	if s.hooks.Steered != nil {
		s.hooks.Steered(step, ctl)
	}
	dctx, cancel := context.WithCancel(ctx)
	var derr error
	done := make(chan struct{})
	d := steer.New(ctl, cfg.Queues, plan.Steer.Phases)
	go func() {
		defer close(done)
		derr = d.Drive(dctx)
	}()
	res, err := sim.Run(ctx, cfg)
	cancel() // a run refused before it started: the driver waits no longer
	<-done
	res.Config.Control = nil
	if errors.Is(derr, steer.ErrRanOut) && res.EndedBy == "scenario" {
		derr = nil // ended through its Control by someone else: a live view's q
	}
	if err == nil && derr != nil {
		err = fmt.Errorf("the scenario could not be followed: %v", derr)
	}
	return res, err
}

// runPlan runs one config plan.Repeat times, stopping early on a signal,
// and judges the runs' medians against the plan's assertions and baseline.
func (s *Session) runPlan(ctx context.Context, plan Plan, at Step) (report.Document, error) {
	cfg := plan.Config
	var runs []sim.Result
	for i := 0; i < plan.Repeat; i++ {
		if i > 0 && ctx.Err() != nil {
			break // between repeats: the runs so far stand
		}
		var progress sim.Progress
		cfg.Progress = &progress
		step := at
		step.Run, step.Runs, step.Expected, step.Progress = i+1, plan.Repeat, cfg.Expected(), &progress
		cfg.Trace = nil
		if i == 0 && cfg.TraceN > 0 && s.hooks.Trace != nil {
			cfg.Trace = func(d sim.Delivery) { s.hooks.Trace(step, d) }
		}
		s.enter(running, step)
		if s.hooks.Start != nil {
			s.hooks.Start(step)
		}
		res, err := s.runOne(ctx, plan, cfg, step)
		if s.hooks.Done != nil {
			s.hooks.Done(step)
		}
		s.enter(between, step)
		if err != nil {
			if errors.Is(err, sim.ErrTransport) {
				return report.Document{}, err
			}
			return report.Document{}, fmt.Errorf("%w: %v", ErrPlan, err)
		}
		res.Config.Progress, res.Config.Trace = nil, nil
		runs = append(runs, res)
		cfg.Seed = res.Config.Seed // every repeat makes the same random choices
		if res.Interrupted {
			break
		}
	}
	shown := medianRun(runs)
	for i := range runs {
		if i != shown { // only the run shown in full is written as histograms
			runs[i].DropHistograms()
		}
	}
	doc := report.Document{Result: runs[shown], Planned: plan.Repeat, Assertions: check.Judge(plan.Assertions, runs)}
	if len(runs) > 1 || plan.Repeat > 1 {
		doc.Runs = runs
	}
	doc.Interrupted = len(runs) < plan.Repeat || runs[len(runs)-1].Interrupted
	if b := plan.Baseline; b != nil && len(b.Saved.Samples) > 0 {
		current := make([]check.Sample, len(runs))
		for i, r := range runs {
			current[i] = check.SampleOf(r)
		}
		cmp := check.Compare(b.File, b.Saved.Samples, current, b.MaxRegression)
		doc.Baseline = &cmp
	}
	return doc, nil
}

// Sweep runs the plan at every point of the grid of axes, each point as a
// Run of its own (repeats, assertions, its point of the baseline), with
// one seed for the whole sweep. Errors are as for Run.
func (s *Session) Sweep(ctx context.Context, axes []sweep.Axis) (sweep.Result, Verdict, error) {
	base := s.plan.Config
	if base.Seed == 0 {
		base.Seed = rand.Uint64N(1<<53) + 1 // exact in JSON readers that use float64
	}
	points := sweep.Grid(axes)
	cfgs := make([]sim.Config, len(points))
	peak := base
	for i, p := range points {
		plan := s.plan
		plan.Config = sweep.Apply(base, axes, p)
		if err := plan.Check(); err != nil {
			return sweep.Result{}, Verdict{}, fmt.Errorf("%w: point %s: %s", ErrPlan, label(axes, p), strings.TrimPrefix(err.Error(), ErrPlan.Error()+": "))
		}
		if cfgs[i] = plan.Config; plan.Config.Memory().Total > peak.Memory().Total {
			peak = plan.Config
		}
	}
	if err := checkKept(peak, cfgs, s.plan.Repeat); err != nil {
		return sweep.Result{}, Verdict{}, err
	}
	s.mu.Lock()
	s.sweep = true
	s.mu.Unlock()
	prof, err := startProfiles(s.plan.Profiles)
	if err != nil {
		return sweep.Result{}, Verdict{}, err
	}
	res := sweep.Result{Base: base, Axes: axes, Repeat: s.plan.Repeat}
	var v Verdict
	for i, p := range points {
		if i > 0 && ctx.Err() != nil {
			res.Interrupted = true
			break
		}
		plan := s.plan
		plan.Config = sweep.Apply(base, axes, p)
		if b := s.plan.Baseline; b != nil {
			point := *b
			point.Saved = report.Baseline{Kind: "run", Config: b.Saved.Config, Samples: b.Saved.PointSamples(p)}
			plan.Baseline = &point
		}
		doc, err := s.runPlan(ctx, plan, Step{Point: label(axes, p), Index: i + 1, Points: len(points)})
		if err != nil {
			_ = prof.stop()
			prof.abort()
			return sweep.Result{}, Verdict{}, err
		}
		for i := range doc.Runs { // a sweep writes no histograms
			doc.Runs[i].DropHistograms()
		}
		doc.Result.DropHistograms()
		pr := sweep.NewPoint(p, doc.Result.Config, doc.AllRuns())
		pr.Assertions, pr.Baseline, pr.Interrupted, pr.Series = doc.Assertions, doc.Baseline, doc.Interrupted, doc.Result.Series
		// A point cut short is not judged: what it missed is not a finding.
		if pv := Judge(doc); pv.Status != Interrupted {
			pr.Problems = pv.Problems
			for _, problem := range pv.Problems {
				v.raise(pv.Status, label(axes, p)+": "+problem)
			}
		}
		if s.plan.Baseline != nil && doc.Baseline == nil {
			pr.Notes = append(pr.Notes, "no point of "+s.plan.Baseline.File+" to compare with")
		}
		res.Points = append(res.Points, pr)
		if doc.Interrupted {
			res.Interrupted = true
			break
		}
	}
	perr := prof.stop()
	s.finished(prof, func() ([]byte, error) {
		var js bytes.Buffer
		err := report.WriteSweep(&js, res, report.JSON, 0)
		return js.Bytes(), err
	})
	res.Interrupted = res.Interrupted || ctx.Err() != nil
	if res.Interrupted {
		whole := len(res.Points)
		if whole > 0 && res.Points[whole-1].Interrupted {
			whole--
		}
		v.Problems = append([]string{fmt.Sprintf("interrupted after %d of %d points; the report is partial", whole, len(points))}, v.Problems...)
		v.Status = Interrupted
	}
	if perr != nil {
		v.raise(Broken, perr.Error())
	}
	return res, v, nil
}

// finished keeps what Commit will write: the profiles, and the json
// render of the invocation for --save-baseline.
func (s *Session) finished(prof *profiler, saved func() ([]byte, error)) {
	s.mu.Lock()
	s.phase, s.step = finishing, Step{}
	s.prof, s.saved = prof, saved
	s.mu.Unlock()
}

// Commit writes the invocation's files once its report is out: the
// profiles, and --save-baseline when the verdict passed and the json
// reads back as a baseline. With written false (the report could not be
// written) it drops them all, so a failed command leaves no file. It adds
// to v what it could not write, and why.
func (s *Session) Commit(v *Verdict, written bool) {
	s.mu.Lock()
	prof, saved := s.prof, s.saved
	s.prof, s.saved = nil, nil
	s.mu.Unlock()
	path := s.plan.SaveBaseline
	if !written {
		if prof != nil {
			prof.abort()
		}
		if path != "" {
			v.Problems = append(v.Problems, fmt.Sprintf("--save-baseline: %s not written: the report could not be written", path))
		}
		return
	}
	if prof != nil {
		if err := prof.commit(); err != nil {
			v.raise(Broken, err.Error())
		}
	}
	if path == "" || saved == nil {
		return
	}
	if v.Status != Passed {
		why := map[Status]string{Failed: "a baseline must pass its own checks", Broken: "the broker or an output failed",
			Interrupted: "the invocation was interrupted"}[v.Status]
		v.Problems = append(v.Problems, fmt.Sprintf("--save-baseline: %s not written: %s", path, why))
		return
	}
	data, err := saved()
	if err == nil {
		// What is saved must read back as a baseline: one a later
		// --baseline would refuse is not written at all.
		if _, rerr := report.ReadBaseline(bytes.NewReader(data)); rerr != nil {
			v.raise(Failed, fmt.Sprintf("--save-baseline: %s not written: it could not serve as a baseline: %v", path, rerr))
			return
		}
		err = outfile.Write(path, data)
	}
	if err != nil {
		v.raise(Broken, fmt.Sprintf("--save-baseline: %v", err))
	}
}

// enter records where the session is, for Notice.
func (s *Session) enter(p phase, step Step) {
	s.mu.Lock()
	s.phase, s.step = p, step
	s.mu.Unlock()
}

// Notice says, in one line, what a first interrupt does at this moment.
func (s *Session) Notice() string {
	s.mu.Lock()
	p, step, inSweep := s.phase, s.step, s.sweep
	s.mu.Unlock()
	var now string
	switch p {
	case starting:
		now = "stopping before the first run"
	case running:
		snap := step.Progress.Snapshot()
		switch {
		case snap.Waiting != "":
			now = "no longer waiting for " + snap.Waiting
		case s.plan.Config.Role == sim.RoleConsumer:
			now = "taking what is still in flight, for a moment, then reporting"
		default:
			now = "stopping the producers"
			if q := snap.Queued(); q > 0 {
				now += fmt.Sprintf(" and draining about %s queued deliveries without their work", units.Int(q))
			}
		}
		if step.Runs > 1 {
			now += fmt.Sprintf("; run %d of %d is the last", step.Run, step.Runs)
		}
	case between:
		now = "stopping between runs"
	case finishing:
		now = "the runs are over; finishing the report, which says so unless it is already out; exit 130"
	}
	if inSweep && p != finishing {
		now += fmt.Sprintf("; the sweep ends at point %d of %d (%s)", step.Index, step.Points, step.Point)
	}
	if p == finishing {
		return "interrupted: " + now + ". Ctrl-C again to exit at once"
	}
	return "interrupted: " + now + "; the report will be partial. Ctrl-C again to exit at once without one"
}

// medianRun is the index of the run with the median throughput, the one
// reported in full.
func medianRun(runs []sim.Result) int {
	idx := make([]int, len(runs))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return runs[idx[a]].Throughput() < runs[idx[b]].Throughput() })
	return idx[(len(idx)-1)/2]
}

// label names a point: "consumers=2 queues=4".
func label(axes []sweep.Axis, p sweep.Point) string {
	s := ""
	for i, a := range axes {
		if i > 0 {
			s += " "
		}
		s += a.Param + "=" + sweep.FormatValue(a.Param, p[i])
	}
	return s
}
