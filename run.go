package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"github.com/msgsim/msgsim/invoke"
	"github.com/msgsim/msgsim/outfile"
	"github.com/msgsim/msgsim/report"
	"github.com/msgsim/msgsim/sim"
)

// console is where a command's output goes: stdout for the report,
// stderr (serialised) for progress, traces, what a split role waits for
// and the interrupt notice.
type console struct {
	stdout io.Writer
	stderr *lockedWriter
	bar    bool // draw progress bars
	quiet  bool
	sends  bool // a producer-role process: count sends, not deliveries
}

func newConsole(o options, stdout, stderr io.Writer) *console {
	return &console{stdout: stdout, stderr: &lockedWriter{w: stderr},
		bar:   o.progress == "always" || (o.progress == "auto" && isTerminal(stderr)),
		quiet: o.quiet, sends: o.plan.Config.Role == sim.RoleProducer}
}

// hooks watches each run: a progress bar, and one line whenever a split
// role starts waiting for its peers; and prints traces, prefixed with the
// sweep point when there is one.
func (con *console) hooks(dispatch sim.Dispatch) invoke.Hooks {
	var w *watcher
	return invoke.Hooks{
		Start: func(s invoke.Step) { w = con.watch(s) },
		Done:  func(invoke.Step) { w.stop(); w = nil },
		Trace: func(s invoke.Step, d sim.Delivery) {
			line := report.TraceLine(d, dispatch)
			if s.Point != "" {
				line = s.Point + ": " + line
			}
			con.stderr.line(line, con.bar)
		},
	}
}

func stepName(s invoke.Step) string {
	name := "delivering"
	if s.Point != "" {
		name = fmt.Sprintf("point %d/%d %s", s.Index, s.Points, s.Point)
	}
	if s.Runs > 1 {
		name += fmt.Sprintf(" run %d/%d", s.Run, s.Runs)
	}
	return name
}

// runCommand is msgsim's run: the plan through the invocation layer, the
// report rendered, the verdict mapped to an exit code.
func runCommand(ctx context.Context, o options, stdout, stderr io.Writer, annotate ...func(*report.Document)) error {
	con := newConsole(o, stdout, stderr)
	session := invoke.New(o.plan, con.hooks(o.plan.Config.Dispatch))
	ctx, stop := interruptible(ctx, con, session.Notice)
	defer stop()
	doc, v, err := session.Run(ctx)
	if err != nil {
		return invocationError(err)
	}
	if ctx.Err() != nil && !doc.Interrupted { // a signal after the last run, before the report
		doc.Interrupted = true
		v = invoke.Judge(doc)
		invoke.Stamp(&doc, v)
	}
	for _, a := range annotate {
		a(&doc)
	}
	return finish(ctx, o, con, session, v, func(w io.Writer) error { return report.WriteDocument(w, doc, o.format) },
		histogramFiles(o, doc.Result))
}

// histogramFiles writes --hdr-log and --hgrm of the run shown, each whole
// or not at all, once the report is out; nil when neither was asked for.
func histogramFiles(o options, res sim.Result) func() error {
	if o.hdrLog == "" && o.hgrm == "" {
		return nil
	}
	return func() error {
		for _, f := range []struct {
			flag, path string
			write      func(io.Writer, sim.Result) error
		}{{"hdr-log", o.hdrLog, report.WriteHDRLog}, {"hgrm", o.hgrm, report.WriteHGRM}} {
			if f.path == "" {
				continue
			}
			var buf bytes.Buffer
			if err := f.write(&buf, res); err != nil {
				return fmt.Errorf("--%s: %w", f.flag, err)
			}
			if err := outfile.Write(f.path, buf.Bytes()); err != nil {
				return fmt.Errorf("--%s: %w", f.flag, err)
			}
		}
		return nil
	}
}

// finish renders the report with render, puts it where it belongs, then
// writes what else the command makes (after: a sweep's plot) and lets the
// session write its files (profiles, --save-baseline), all only once the
// report is out; it turns the verdict into the error that carries the
// exit code. session is nil when nothing ran (explain --dry-run). A
// signal at any moment of this means exit 130; one that comes while a
// write waits (a pipe with no reader) ends the wait.
func finish(ctx context.Context, o options, con *console, session *invoke.Session, v invoke.Verdict, render func(io.Writer) error, after func() error) error {
	done := make(chan error, 1)
	go func() {
		var buf bytes.Buffer
		err := render(&buf)
		if err != nil {
			err = runtimeError{fmt.Errorf("rendering the report: %w", err)}
		} else {
			err = emit(buf.Bytes(), o, con.stdout)
		}
		if err == nil && after != nil {
			if aerr := after(); aerr != nil {
				err = runtimeError{aerr}
			}
		}
		if session != nil {
			session.Commit(&v, err == nil)
		}
		done <- err
	}()
	var err error
	select {
	case err = <-done:
	case <-ctx.Done():
		select {
		case err = <-done: // it finished anyway
		case <-time.After(interruptWriteGrace):
			outfile.AbortAll()
			return interruptedError{"interrupted while the report was written; it may be incomplete"}
		}
	}
	if ctx.Err() != nil && v.Status != invoke.Interrupted {
		// The signal came while the report went out: it is whole and says
		// what was measured, but the command was interrupted all the same.
		v.Status = invoke.Interrupted
		v.Problems = append([]string{"interrupted while the report was written; the report itself is complete"}, v.Problems...)
	}
	if err != nil {
		return err
	}
	return verdictError(v)
}

// interruptWriteGrace is how long a signal lets a report's writes finish
// before msgsim stops waiting for them (a pipe nobody reads).
const interruptWriteGrace = 500 * time.Millisecond

// emit writes a rendered report where it belongs: the --output file
// (whole, or not at all), or stdout unless --quiet.
func emit(data []byte, o options, stdout io.Writer) error {
	switch {
	case o.output != "" && o.output != "-":
		if err := outfile.Write(o.output, data); err != nil {
			return runtimeError{fmt.Errorf("--output: %w", err)}
		}
	case !o.quiet:
		if _, err := stdout.Write(data); err != nil {
			return runtimeError{fmt.Errorf("writing the report: %w", err)}
		}
	}
	return nil
}

// verdictError maps a verdict to the error of its exit code.
func verdictError(v invoke.Verdict) error {
	switch v.Status {
	case invoke.Interrupted:
		return interruptedError{v.String()}
	case invoke.Broken:
		return runtimeError{errors.New(v.String())}
	case invoke.Failed:
		return checkFailedError{v.String()}
	}
	return nil
}

// invocationError maps what stopped an invocation before it had a
// verdict: a plan that cannot run is a usage error, the rest (the broker,
// an output file) runtime errors.
func invocationError(err error) error {
	if errors.Is(err, invoke.ErrPlan) {
		return usageError{trimPlan(err)}
	}
	return runtimeError{err}
}

func trimPlan(err error) string {
	msg := err.Error()
	if p := invoke.ErrPlan.Error() + ": "; len(msg) > len(p) && msg[:len(p)] == p {
		return msg[len(p):]
	}
	return msg
}

// signals receives SIGINT and SIGTERM once main has called signal.Notify
// on it; watchSignals hands each to the current handler.
var signals = make(chan os.Signal, 2)

// onSignal is what a signal does now. Before a command starts its runs
// (while flags are read, a baseline opened) it is nil: nothing ran, so
// msgsim exits 130 at once.
var onSignal atomic.Pointer[func()]

// exit is os.Exit, replaced in tests of the signals.
var exit = os.Exit

// watchSignals serves signals from the moment main starts until it exits.
func watchSignals(stderr io.Writer) {
	go func() {
		for range signals {
			handleSignal(stderr)
		}
	}()
}

func handleSignal(stderr io.Writer) {
	if h := onSignal.Load(); h != nil {
		(*h)()
		return
	}
	fmt.Fprintln(stderr, "msgsim: interrupted before any run started; nothing ran")
	outfile.AbortAll()
	exit(130)
}

// interruptible returns a context cancelled by the first SIGINT or
// SIGTERM, after printing at once what happens now (notice); a second
// signal exits at once, for a user who does not want to wait for the
// drain, and drops the files being written.
func interruptible(parent context.Context, con *console, notice func() string) (context.Context, func()) {
	ctx, cancel := context.WithCancel(parent)
	var n atomic.Int32
	h := func() {
		if n.Add(1) == 1 {
			con.stderr.line("msgsim: "+notice(), con.bar)
			cancel()
			return
		}
		con.stderr.line("msgsim: second signal; exiting at once without a report", con.bar)
		outfile.AbortAll()
		exit(130)
	}
	onSignal.Store(&h)
	return ctx, cancel // the handler stays: a signal until exit still counts
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// terminalWidth is the width of stdout when it is a terminal, else 80.
func terminalWidth(w io.Writer) int {
	if f, ok := w.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		if width, _, err := term.GetSize(int(f.Fd())); err == nil && width > 20 {
			return width
		}
	}
	return 80
}

// watcher redraws a run's progress bar from its atomic counters ten
// times a second, and says once what a split role waits for; the engine
// never calls it.
type watcher struct {
	quit chan struct{}
	done sync.WaitGroup
}

func (con *console) watch(s invoke.Step) *watcher {
	var bar *progressbar.ProgressBar
	if con.bar && s.Expected > 0 {
		desc := stepName(s)
		if con.sends {
			desc = "sending " + desc
		}
		bar = progressbar.NewOptions64(s.Expected,
			progressbar.OptionSetWriter(con.stderr),
			progressbar.OptionSetDescription(desc),
			progressbar.OptionShowCount(),
			progressbar.OptionShowIts(),
			progressbar.OptionSetItsString("msg"),
			progressbar.OptionSetPredictTime(true),
			progressbar.OptionThrottle(100*time.Millisecond),
			progressbar.OptionClearOnFinish(),
		)
	}
	w := &watcher{quit: make(chan struct{})}
	w.done.Add(1)
	go func() {
		defer w.done.Done()
		tk := time.NewTicker(100 * time.Millisecond)
		defer tk.Stop()
		said := ""
		for {
			select {
			case <-tk.C:
				snap := s.Progress.Snapshot()
				if snap.Waiting != said && snap.Waiting != "" && !con.quiet {
					con.stderr.line("msgsim: waiting for "+snap.Waiting+"…", con.bar)
				}
				said = snap.Waiting
				if bar != nil {
					n := snap.Delivered
					if con.sends {
						n = snap.Sent
					}
					_ = bar.Set64(n)
				}
			case <-w.quit:
				if bar != nil {
					_ = bar.Clear() // the report starts on a clean line
				}
				return
			}
		}
	}()
	return w
}

func (w *watcher) stop() {
	if w == nil {
		return
	}
	close(w.quit)
	w.done.Wait()
}

// lockedWriter serialises trace lines, notices and progress redraws on
// stderr.
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
