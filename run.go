package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"runtime/pprof"
	"runtime/trace"
	"sort"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"github.com/msgsim/msgsim/check"
	"github.com/msgsim/msgsim/report"
	"github.com/msgsim/msgsim/sim"
)

// execute runs one simulation and writes its report. Its error says which
// exit code applies; the report is written in full or not at all.
func execute(parent context.Context, o options, stdout, stderr io.Writer) error {
	return executeWith(parent, o, stdout, stderr, nil)
}

// executeWith is execute with an optional section printed after the report
// (explain's comparison and verdict).
func executeWith(parent context.Context, o options, stdout, stderr io.Writer, after func(report.Document)) error {
	ctx, stopSignals := interruptible(parent, stderr)
	defer stopSignals()

	errOut := &lockedWriter{w: stderr}
	showBar := o.progress == "always" || (o.progress == "auto" && isTerminal(stderr))
	if o.cfg.TraceN > 0 {
		dispatch := o.cfg.Dispatch
		o.cfg.Trace = func(d sim.Delivery) {
			errOut.line(report.TraceLine(d, dispatch), showBar)
		}
	}
	stopProfiles, err := startProfiles(o.profiles)
	if err != nil {
		return runtimeError{err}
	}
	runs, err := runRepeats(ctx, o, showBar, errOut)
	if perr := stopProfiles(); perr != nil {
		return runtimeError{perr}
	}
	if errors.Is(err, sim.ErrTransport) {
		return runtimeError{err} // the broker: unreachable, refused
	}
	if err != nil {
		return usageError{err.Error()} // otherwise Run fails only on an invalid config
	}

	doc := report.Document{Result: runs[medianRun(runs)], Assertions: check.Judge(o.ci.assertions, runs)}
	if len(runs) > 1 {
		doc.Runs = runs
	}
	if o.ci.baseline != "" {
		current := make([]check.Sample, len(runs))
		for i, r := range runs {
			current[i] = check.SampleOf(r)
		}
		cmp := check.Compare(o.ci.baseline, o.ci.baseSamples, current, o.ci.maxRegression)
		doc.Baseline = &cmp
	}
	if err := writeOutputs(doc, o, stdout); err != nil {
		return err
	}
	if after != nil {
		after(doc)
	}
	return verdict(doc, runs)
}

// runRepeats runs the config --repeat times with the same seed, one
// progress bar per run, stopping early when interrupted.
func runRepeats(ctx context.Context, o options, showBar bool, errOut *lockedWriter) ([]sim.Result, error) {
	var runs []sim.Result
	for i := 0; i < o.ci.repeat; i++ {
		var progress sim.Progress
		o.cfg.Progress = &progress
		var bar *progressBar
		if showBar && o.cfg.Expected() > 0 {
			desc := "delivering"
			if o.ci.repeat > 1 {
				desc = fmt.Sprintf("run %d/%d", i+1, o.ci.repeat)
			}
			bar = startProgressBar(&progress, o.cfg.Expected(), desc, errOut)
		}
		res, err := sim.Run(ctx, o.cfg)
		bar.stop()
		if err != nil {
			return nil, err
		}
		runs = append(runs, res)
		o.cfg.Seed = res.Config.Seed // every repeat makes the same random choices
		o.cfg.TraceN = 0             // trace the first run only
		if res.Interrupted {
			break
		}
	}
	return runs, nil
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

// writeOutputs renders the report once, in full, then writes it where it
// belongs: stdout (unless --quiet), --output, and the json to --save-baseline.
func writeOutputs(doc report.Document, o options, stdout io.Writer) error {
	var buf bytes.Buffer
	if err := report.WriteDocument(&buf, doc, o.format); err != nil {
		return runtimeError{fmt.Errorf("rendering the report: %w", err)}
	}
	if err := emit(buf.Bytes(), o, stdout); err != nil {
		return err
	}
	if o.ci.saveBaseline != "" {
		var js bytes.Buffer
		if err := report.WriteDocument(&js, report.Document{Result: doc.Result, Runs: doc.Runs}, report.JSON); err != nil {
			return runtimeError{fmt.Errorf("--save-baseline: %w", err)}
		}
		if err := os.WriteFile(o.ci.saveBaseline, js.Bytes(), 0o644); err != nil {
			return runtimeError{fmt.Errorf("--save-baseline: %w", err)}
		}
	}
	return nil
}

// emit writes a rendered report where it belongs: the --output file, or
// stdout unless --quiet. The report is complete in memory first, so stdout
// gets all of it or nothing.
func emit(report []byte, o options, stdout io.Writer) error {
	switch {
	case o.output != "" && o.output != "-":
		if err := os.WriteFile(o.output, report, 0o644); err != nil {
			return runtimeError{fmt.Errorf("--output: %w", err)}
		}
	case !o.ci.quiet:
		if _, err := stdout.Write(report); err != nil {
			return runtimeError{fmt.Errorf("writing the report: %w", err)}
		}
	}
	return nil
}

// verdict turns the outcome into the exit code's error: interrupted, then
// failed delivery checks, failed assertions and regressions (all exit 1,
// named together on one line).
func verdict(doc report.Document, runs []sim.Result) error {
	for _, r := range runs {
		if r.Interrupted {
			return interruptedError{}
		}
	}
	var problems []string
	for _, r := range runs {
		if r.TransportError != "" {
			problems = append(problems, "the transport failed mid-run: "+r.TransportError)
			break
		}
	}
	for i, r := range runs {
		if !r.OK() {
			v := report.Verdict(r)
			if len(runs) > 1 {
				v = fmt.Sprintf("run %d: %s", i+1, v)
			}
			problems = append(problems, v)
		}
	}
	if bad := check.Failed(doc.Assertions); len(bad) > 0 {
		parts := make([]string, len(bad))
		for i, o := range bad {
			parts[i] = fmt.Sprintf("%s (actual %s)", o.Expr, check.Format(o.Actual, o.Kind))
		}
		problems = append(problems, fmt.Sprintf("%d of %d assertions failed: %s", len(bad), len(doc.Assertions), strings.Join(parts, ", ")))
	}
	if c := doc.Baseline; c != nil && c.Regressed() {
		var parts []string
		for _, d := range c.Deltas {
			if d.Regressed {
				parts = append(parts, fmt.Sprintf("%s %+.1f%%", d.Metric, 100*d.Change))
			}
		}
		problems = append(problems, fmt.Sprintf("regression against %s beyond %.4g%%: %s", c.File, 100*c.MaxRegression, strings.Join(parts, ", ")))
	}
	if len(problems) > 0 {
		return checkFailedError{strings.Join(problems, "; ")}
	}
	return nil
}

// startProfiles starts the CPU profile and execution trace that were asked
// for; the returned function stops them and writes the heap profile.
func startProfiles(p profiles) (stop func() error, err error) {
	var closers []func() error
	stop = func() error {
		var first error
		for i := len(closers) - 1; i >= 0; i-- {
			if err := closers[i](); err != nil && first == nil {
				first = err
			}
		}
		if p.mem != "" {
			f, err := os.Create(p.mem)
			if err != nil {
				return fmt.Errorf("--memprofile: %w", err)
			}
			runtime.GC() // up-to-date statistics, as go test -memprofile does
			if err := pprof.WriteHeapProfile(f); err != nil {
				f.Close()
				return fmt.Errorf("--memprofile: %w", err)
			}
			if err := f.Close(); err != nil && first == nil {
				first = fmt.Errorf("--memprofile: %w", err)
			}
		}
		return first
	}
	if p.cpu != "" {
		f, err := os.Create(p.cpu)
		if err != nil {
			return nil, fmt.Errorf("--cpuprofile: %w", err)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			f.Close()
			return nil, fmt.Errorf("--cpuprofile: %w", err)
		}
		closers = append(closers, func() error { pprof.StopCPUProfile(); return f.Close() })
	}
	if p.exec != "" {
		f, err := os.Create(p.exec)
		if err != nil {
			_ = stop()
			return nil, fmt.Errorf("--exectrace: %w", err)
		}
		if err := trace.Start(f); err != nil {
			f.Close()
			_ = stop()
			return nil, fmt.Errorf("--exectrace: %w", err)
		}
		closers = append(closers, func() error { trace.Stop(); return f.Close() })
	}
	return stop, nil
}

// interruptible returns a context cancelled by the first SIGINT or SIGTERM;
// a second signal exits at once, for a user who does not want to wait for
// consumers to drain.
func interruptible(parent context.Context, stderr io.Writer) (context.Context, func()) {
	ctx, cancel := context.WithCancel(parent)
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	done := make(chan struct{})
	go func() {
		select {
		case <-sigs:
			cancel()
		case <-done:
			return
		}
		select {
		case <-sigs:
			fmt.Fprintln(stderr, "msgsim: second signal; exiting without a report")
			os.Exit(130)
		case <-done:
		}
	}()
	return ctx, func() {
		signal.Stop(sigs)
		close(done)
		cancel()
	}
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// progressBar redraws from the run's atomic counters ten times a second;
// the engine never calls it.
type progressBar struct {
	quit chan struct{}
	done sync.WaitGroup
}

func startProgressBar(p *sim.Progress, expected int64, desc string, w *lockedWriter) *progressBar {
	bar := progressbar.NewOptions64(expected,
		progressbar.OptionSetWriter(w),
		progressbar.OptionSetDescription(desc),
		progressbar.OptionShowCount(),
		progressbar.OptionShowIts(),
		progressbar.OptionSetItsString("msg"),
		progressbar.OptionSetPredictTime(true),
		progressbar.OptionThrottle(100*time.Millisecond),
		progressbar.OptionClearOnFinish(),
	)
	pb := &progressBar{quit: make(chan struct{})}
	pb.done.Add(1)
	go func() {
		defer pb.done.Done()
		tk := time.NewTicker(100 * time.Millisecond)
		defer tk.Stop()
		for {
			select {
			case <-tk.C:
				_ = bar.Set64(p.Snapshot().Delivered)
			case <-pb.quit:
				_ = bar.Clear() // the report starts on a clean line
				return
			}
		}
	}()
	return pb
}

func (pb *progressBar) stop() {
	if pb == nil {
		return
	}
	close(pb.quit)
	pb.done.Wait()
}

// lockedWriter serialises trace lines and progress redraws on stderr.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// line writes s on a line of its own, first erasing a progress bar drawn on
// the current line.
func (l *lockedWriter) line(s string, clearBar bool) {
	if clearBar {
		s = "\r\x1b[K" + s
	}
	_, _ = l.Write([]byte(s + "\n"))
}
