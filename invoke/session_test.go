package invoke_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"go.uber.org/goleak"

	"github.com/msgsim/msgsim/check"
	"github.com/msgsim/msgsim/invoke"
	"github.com/msgsim/msgsim/report"
	"github.com/msgsim/msgsim/sim"
	"github.com/msgsim/msgsim/sweep"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// small is a plan of 2,000 messages to q queues of one consumer each.
func small(q, repeat int, asserts string) invoke.Plan {
	cfg := sim.DefaultConfig()
	cfg.Messages, cfg.Queues, cfg.Consumers = 2000, q, 1
	var as []check.Assertion
	if asserts != "" {
		var err error
		if as, err = check.Parse(asserts); err != nil {
			panic(err)
		}
	}
	return invoke.Plan{Config: cfg, Repeat: repeat, Assertions: as}
}

func TestRunRepeatsWithOneSeedAndJudgesTheMedians(t *testing.T) {
	doc, v, err := invoke.New(small(1, 3, "delivered==2000,lost==0"), invoke.Hooks{}).Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(doc.Runs) != 3 || doc.Planned != 3 || doc.Interrupted || v.Status != invoke.Passed {
		t.Fatalf("%d runs of %d, interrupted %v, verdict %v %s", len(doc.Runs), doc.Planned, doc.Interrupted, v.Status, v)
	}
	for _, r := range doc.Runs {
		if r.Config.Seed != doc.Runs[0].Config.Seed || r.Config.Seed == 0 {
			t.Fatalf("seeds %d and %d: every repeat makes the same random choices", r.Config.Seed, doc.Runs[0].Config.Seed)
		}
	}
	if len(doc.Assertions) != 2 || !doc.Assertions[0].OK || doc.Assertions[0].Actual != 2000 {
		t.Fatalf("assertions %+v", doc.Assertions)
	}
}

func TestRunRefusesAPlanThatCannotRun(t *testing.T) {
	for name, p := range map[string]invoke.Plan{
		"no repeat":       small(1, 0, ""),
		"a missing queue": small(1, 1, "q3.p99<=1ms"),
		"zero messages":   func() invoke.Plan { p := small(1, 1, ""); p.Config.Messages = 0; return p }(),
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			p.Profiles.CPU = filepath.Join(dir, "cpu.out")
			if _, _, err := invoke.New(p, invoke.Hooks{}).Run(context.Background()); !errors.Is(err, invoke.ErrPlan) {
				t.Fatalf("got %v, want ErrPlan", err)
			}
			if _, err := os.Stat(p.Profiles.CPU); !os.IsNotExist(err) {
				t.Fatalf("a refused plan left a profile behind: %v", err)
			}
		})
	}
}

// A signal between repeats keeps the runs that finished, whole, and the
// invocation is interrupted: exit 130, not a pass on fewer runs.
func TestRunInterruptedBetweenRepeats(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var s *invoke.Session
	var notices []string
	s = invoke.New(small(1, 3, "lost==0"), invoke.Hooks{Done: func(step invoke.Step) {
		if step.Run == 1 {
			cancel()
			notices = append(notices, s.Notice())
		}
	}})
	doc, v, err := s.Run(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(doc.Runs) != 1 || doc.Planned != 3 || !doc.Interrupted || doc.Runs[0].Interrupted || v.Status != invoke.Interrupted {
		t.Fatalf("%d runs of %d, interrupted %v (run: %v), verdict %v", len(doc.Runs), doc.Planned, doc.Interrupted, doc.Runs[0].Interrupted, v.Status)
	}
	if !strings.Contains(notices[0], "interrupted") || !strings.Contains(notices[0], "Ctrl-C again") {
		t.Fatalf("notice %q", notices[0])
	}
	if got := report.DocumentVerdict(doc); !strings.Contains(got, "interrupted: 1 of 3 runs ran") {
		t.Fatalf("verdict line %q", got)
	}
}

func TestNoticeSaysWhatHappensNow(t *testing.T) {
	p := small(1, 2, "")
	p.Config.Messages, p.Config.Buffer = 1_000_000, 1000
	var s *invoke.Session
	var mu sync.Mutex
	var running string
	p.Config.TraceN = 1
	s = invoke.New(p, invoke.Hooks{Trace: func(invoke.Step, sim.Delivery) {
		mu.Lock()
		defer mu.Unlock()
		if running == "" {
			running = s.Notice()
		}
	}})
	if got := s.Notice(); !strings.Contains(got, "stopping before the first run") {
		t.Fatalf("before: %q", got)
	}
	if _, _, err := s.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(running, "stopping the producers") || !strings.Contains(running, "run 1 of 2 is the last") {
		t.Fatalf("while running: %q", running)
	}
	if got := s.Notice(); !strings.Contains(got, "the runs are over") {
		t.Fatalf("after: %q", got)
	}
}

func vary(t *testing.T, spec string) []sweep.Axis {
	t.Helper()
	ax, err := sweep.ParseVary(spec)
	if err != nil {
		t.Fatal(err)
	}
	return []sweep.Axis{ax}
}

// Every point is judged as a run: here the assertion holds with one queue
// and fails with two, and the sweep's verdict says which point failed.
func TestSweepJudgesEveryPoint(t *testing.T) {
	var mu sync.Mutex
	traced := map[string]int{}
	p := small(1, 2, "delivered==2000")
	p.Config.TraceN = 3
	s := invoke.New(p, invoke.Hooks{Trace: func(st invoke.Step, _ sim.Delivery) {
		mu.Lock()
		traced[st.Point]++
		mu.Unlock()
	}})
	res, v, err := s.Sweep(context.Background(), vary(t, "queues=1,2"))
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Points) != 2 || res.Interrupted || v.Status != invoke.Failed {
		t.Fatalf("%d points, interrupted %v, verdict %v", len(res.Points), res.Interrupted, v.Status)
	}
	ok, bad := res.Points[0], res.Points[1]
	if len(ok.Problems) != 0 || len(bad.Problems) != 1 || !strings.Contains(v.String(), "queues=2: 1 of 1 assertions failed: delivered==2000 (actual 4,000)") {
		t.Fatalf("problems %q / %q, verdict %q", ok.Problems, bad.Problems, v)
	}
	if ok.Config.Seed == 0 || ok.Config.Seed != bad.Config.Seed || ok.Config.Seed != res.Base.Seed || bad.Config.Queues != 2 || len(bad.Runs) != 2 {
		t.Fatalf("point configs: seeds %d %d (base %d), queues %d, %d runs", ok.Config.Seed, bad.Config.Seed, res.Base.Seed, bad.Config.Queues, len(bad.Runs))
	}
	if traced["queues=1"] != 3 || traced["queues=2"] != 3 {
		t.Fatalf("traces per point %v, want the first 3 deliveries of each point's first run", traced)
	}
}

func TestSweepInterruptedBetweenPoints(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var s *invoke.Session
	var notice string
	s = invoke.New(small(1, 1, ""), invoke.Hooks{Done: func(st invoke.Step) {
		if st.Index == 1 {
			cancel()
			notice = s.Notice()
		}
	}})
	res, v, err := s.Sweep(ctx, vary(t, "consumers=1,2,3"))
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Points) != 1 || !res.Interrupted || v.Status != invoke.Interrupted || !strings.Contains(v.String(), "after 1 of 3 points") {
		t.Fatalf("%d points, interrupted %v, verdict %v %q", len(res.Points), res.Interrupted, v.Status, v)
	}
	if !strings.Contains(notice, "the sweep ends at point 1 of 3") {
		t.Fatalf("notice %q", notice)
	}
}

// A sweep refuses a bad point before running any, as its flag would be.
func TestSweepRefusesABadPointFirst(t *testing.T) {
	ran := false
	s := invoke.New(small(1, 1, ""), invoke.Hooks{Start: func(invoke.Step) { ran = true }})
	_, _, err := s.Sweep(context.Background(), vary(t, "batch=1,0"))
	if !errors.Is(err, invoke.ErrPlan) || !strings.Contains(err.Error(), "point batch=0: --batch") || ran {
		t.Fatalf("got %v (ran %v)", err, ran)
	}
}

// --save-baseline writes a baseline only for an invocation that passed,
// and what it writes reads back as a baseline of its kind.
func TestSaveBaselineOnlyWhenPassed(t *testing.T) {
	dir := t.TempDir()
	for _, tt := range []struct {
		name, asserts string
		sweep, saved  bool
	}{
		{"run passed", "lost==0", false, true},
		{"run failed", "p99<=1ns", false, false},
		{"sweep passed", "lost==0", true, true},
		{"sweep failed", "p99<=1ns", true, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p := small(1, 1, tt.asserts)
			p.SaveBaseline = filepath.Join(dir, strings.ReplaceAll(tt.name, " ", "-")+".json")
			var v invoke.Verdict
			var err error
			s := invoke.New(p, invoke.Hooks{})
			if tt.sweep {
				_, v, err = s.Sweep(context.Background(), vary(t, "consumers=1,2"))
			} else {
				_, v, err = s.Run(context.Background())
			}
			if err != nil {
				t.Fatal(err)
			}
			if _, err := os.Stat(p.SaveBaseline); !os.IsNotExist(err) {
				t.Fatal("the baseline must wait for the report to be written")
			}
			s.Commit(&v, true)
			f, err := os.Open(p.SaveBaseline)
			if !tt.saved {
				if err == nil {
					f.Close()
					t.Fatal("a failed invocation saved a baseline")
				}
				if !strings.Contains(v.String(), "--save-baseline") {
					t.Fatalf("the verdict does not say the baseline was not written: %q", v)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			b, err := report.ReadBaseline(f)
			want := map[bool]string{false: "run", true: "sweep"}[tt.sweep]
			if err != nil || b.Kind != want {
				t.Fatalf("saved baseline: kind %q, %v; want a %s", b.Kind, err, want)
			}
		})
	}
}

// Profiles cover the whole invocation, a sweep's every point included,
// and are written once the report is; a report that could not be written
// takes them (and the baseline) with it.
func TestProfilesAreWritten(t *testing.T) {
	for _, isSweep := range []bool{false, true} {
		for _, written := range []bool{true, false} {
			dir := t.TempDir()
			p := small(1, 1, "")
			p.Profiles = invoke.Profiles{CPU: filepath.Join(dir, "cpu"), Mem: filepath.Join(dir, "mem"), Exec: filepath.Join(dir, "trace")}
			p.SaveBaseline = filepath.Join(dir, "base.json")
			s := invoke.New(p, invoke.Hooks{})
			var v invoke.Verdict
			var err error
			if isSweep {
				_, v, err = s.Sweep(context.Background(), vary(t, "consumers=1,2"))
			} else {
				_, v, err = s.Run(context.Background())
			}
			if err != nil {
				t.Fatal(err)
			}
			s.Commit(&v, written)
			entries, _ := os.ReadDir(dir)
			if !written {
				if len(entries) != 0 {
					t.Errorf("sweep %v: a report that was not written left %v", isSweep, entries)
				}
				continue
			}
			for _, f := range []string{p.Profiles.CPU, p.Profiles.Mem, p.Profiles.Exec, p.SaveBaseline} {
				if st, err := os.Stat(f); err != nil || st.Size() == 0 {
					t.Errorf("sweep %v: %s: %v", isSweep, f, err)
				}
			}
		}
	}
}
