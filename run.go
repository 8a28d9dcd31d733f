package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"runtime/pprof"
	"runtime/trace"
	"sync"
	"syscall"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"github.com/msgsim/msgsim/report"
	"github.com/msgsim/msgsim/sim"
)

// execute runs one simulation and writes its report. Its error says which
// exit code applies; the report is written in full or not at all.
func execute(parent context.Context, o options, stdout, stderr io.Writer) error {
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
	var progress sim.Progress
	o.cfg.Progress = &progress
	var bar *progressBar
	if showBar && o.cfg.Expected() > 0 {
		bar = startProgressBar(&progress, o.cfg.Expected(), errOut)
	}
	stopProfiles, err := startProfiles(o.profiles)
	if err != nil {
		bar.stop()
		return runtimeError{err}
	}
	res, err := sim.Run(ctx, o.cfg)
	bar.stop()
	if perr := stopProfiles(); perr != nil {
		return runtimeError{perr}
	}
	if err != nil {
		return usageError{err.Error()} // Run fails only on an invalid config
	}

	var buf bytes.Buffer
	if err := report.Write(&buf, res, o.format); err != nil {
		return runtimeError{fmt.Errorf("rendering the report: %w", err)}
	}
	if o.output == "" || o.output == "-" {
		if _, err := stdout.Write(buf.Bytes()); err != nil {
			return runtimeError{fmt.Errorf("writing the report: %w", err)}
		}
	} else if err := os.WriteFile(o.output, buf.Bytes(), 0o644); err != nil {
		return runtimeError{fmt.Errorf("--output: %w", err)}
	}

	switch {
	case res.Interrupted:
		return interruptedError{}
	case !res.OK():
		return checkFailedError{report.Verdict(res)}
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

func startProgressBar(p *sim.Progress, expected int64, w *lockedWriter) *progressBar {
	bar := progressbar.NewOptions64(expected,
		progressbar.OptionSetWriter(w),
		progressbar.OptionSetDescription("delivering"),
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
