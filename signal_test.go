package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"strings"
	"syscall"
	"testing"

	"github.com/msgsim/msgsim/invoke"
)

// A signal at any moment of a command gives a partial report marked
// interrupted and exit 130, and one stderr line at once saying what happens
// now. Each case signals once the first delivery has been traced, so no
// test depends on timing; every case would otherwise run for hours.
func TestCLISignalsAtEveryMoment(t *testing.T) {
	tests := []struct {
		name   string
		sig    syscall.Signal
		args   []string
		notice string // in the line printed at once
		check  func(t *testing.T, stdout []byte)
	}{
		{"closed loop", syscall.SIGINT, []string{"-n", "1G", "-b", "1024", "--format", "json"}, "stopping the producers", func(t *testing.T, out []byte) {
			doc := runDoc(t, out)
			if doc.NotSent <= 0 || doc.Lost != 0 || doc.Delivered != doc.Sent || doc.Sent+doc.NotSent != doc.Expected {
				t.Fatalf("partial report: %+v", doc)
			}
		}},
		{"a long open-loop gap", syscall.SIGINT, []string{"--rate", "0.1", "-n", "2", "-q", "1", "-c", "1", "--format", "json"}, "stopping the producers", func(t *testing.T, out []byte) {
			if doc := runDoc(t, out); doc.Sent != 1 || doc.NotSent != 1 || doc.EndedBy != "interrupted" {
				t.Fatalf("partial report: %+v", doc)
			}
		}},
		{"a timed open loop", syscall.SIGTERM, []string{"-d", "10m", "--rate", "2k", "--format", "json"}, "stopping the producers", func(t *testing.T, out []byte) {
			if doc := runDoc(t, out); doc.EndedBy != "interrupted" || doc.Lost != 0 {
				t.Fatalf("partial report: %+v", doc)
			}
		}},
		{"the drain of a full buffer with work", syscall.SIGINT, []string{"-n", "5000", "-b", "10000", "-q", "1", "-c", "1", "--work", "1h", "--work-kind", "sleep", "--format", "json"},
			"draining about", func(t *testing.T, out []byte) {
				// The consumer sleeps an hour on its first message: whatever
				// the producer had sent by the signal is drained, none lost.
				if doc := runDoc(t, out); doc.Sent < 1 || doc.Delivered != doc.Sent || doc.Lost != 0 || doc.Sent+doc.NotSent != 5000 {
					t.Fatalf("partial report: %+v", doc)
				}
			}},
		{"spinning work", syscall.SIGTERM, []string{"-n", "10", "-q", "1", "-c", "1", "--work", "1h", "--format", "json"}, "stopping the producers", func(t *testing.T, out []byte) {
			if doc := runDoc(t, out); doc.Lost != 0 {
				t.Fatalf("partial report: %+v", doc)
			}
		}},
		{"a sweep point", syscall.SIGINT, []string{"sweep", "--vary", "consumers=1,2", "-n", "1G", "-b", "1024", "-q", "1", "--format", "json"}, "the sweep ends at point 1 of 2", func(t *testing.T, out []byte) {
			var doc struct {
				Interrupted bool
				OK          bool
				Points      []json.RawMessage
			}
			if err := json.Unmarshal(out, &doc); err != nil || !doc.Interrupted || doc.OK || len(doc.Points) != 1 {
				t.Fatalf("%v: %+v", err, doc)
			}
		}},
		{"explain's run", syscall.SIGINT, []string{"explain", "-n", "1G", "-b", "1024", "-q", "1"}, "stopping the producers", func(t *testing.T, out []byte) {
			if !bytes.Contains(out, []byte("deliveries not sent")) || !bytes.Contains(out, []byte("verdict:")) {
				t.Fatalf("partial explanation:\n%s", out)
			}
		}},
		// Cut short, the queued messages drained without their work: no
		// sentence may judge the model from those figures.
		{"explain's open-loop run", syscall.SIGINT, []string{"explain", "-d", "10m", "--rate", "2k", "--arrival", "poisson", "--work", "200us", "--work-dist", "exp",
			"--work-kind", "sleep", "-q", "1"}, "stopping the producers", func(t *testing.T, out []byte) {
			for _, claim := range []string{"the model fits", "does not fit", "Little's law", "bound:"} {
				if bytes.Contains(out, []byte(claim)) {
					t.Errorf("an interrupted explanation says %q:\n%s", claim, out)
				}
			}
			if !bytes.Contains(out, []byte("not judged: the run was interrupted")) || !bytes.Contains(out, []byte("verdict: none: the run was interrupted")) {
				t.Fatalf("an interrupted explanation does not say it was not judged:\n%s", out)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, stderr := signalAfterFirstTrace(t, tt.sig, tt.args...)
			lines := strings.Split(strings.TrimSpace(stderr), "\n")
			if len(lines) != 2 || !strings.HasPrefix(lines[0], "msgsim: interrupted: ") || !strings.Contains(lines[0], tt.notice) ||
				!strings.Contains(lines[0], "Ctrl-C again") || !strings.HasPrefix(lines[1], "msgsim: interrupted") {
				t.Fatalf("want the notice (%q) at once, then the exit line; stderr:\n%s", tt.notice, stderr)
			}
			tt.check(t, out)
		})
	}
}

type partialRun struct {
	Interrupted                     bool
	Expected, Sent, Delivered, Lost int64
	NotSent                         int64  `json:"not_sent"`
	EndedBy                         string `json:"ended_by"`
}

func runDoc(t *testing.T, out []byte) partialRun {
	t.Helper()
	var doc partialRun
	if err := json.Unmarshal(out, &doc); err != nil || !doc.Interrupted {
		t.Fatalf("partial report: %v, %+v", err, doc)
	}
	return doc
}

// signalAfterFirstTrace runs msgsim with --trace 1, sends sig once the
// first delivery is traced, checks the exit code is 130 and returns stdout
// and the rest of stderr.
func signalAfterFirstTrace(t *testing.T, sig syscall.Signal, args ...string) ([]byte, string) {
	t.Helper()
	wait, proc := started(t, "received message", append(args, "--trace", "1", "--progress", "never")...)
	if err := proc.Signal(sig); err != nil {
		t.Fatal(err)
	}
	r := wait()
	if r.code != 130 {
		t.Fatalf("exit %d, want 130; stderr %q", r.code, r.stderr)
	}
	// The trace line came before the signal: what follows is the notice and
	// the exit line.
	_, rest, _ := strings.Cut(r.stderr, "received message")
	_, rest, _ = strings.Cut(rest, "\n")
	return []byte(r.stdout), rest
}

// The first signal prints what happens and cancels; a second exits at
// once with 130, whatever the run is doing, dropping files being written.
// Before a command starts its runs, a signal exits 130 at once.
func TestSignalHandlers(t *testing.T) {
	var codes []int
	exit = func(code int) { codes = append(codes, code) }
	defer func() { exit = os.Exit; onSignal.Store(nil) }()
	var errb bytes.Buffer
	onSignal.Store(nil)
	handleSignal(&errb)
	if len(codes) != 1 || codes[0] != 130 || errb.String() != "msgsim: interrupted before any run started; nothing ran\n" {
		t.Fatalf("before a run: exit codes %v, stderr %q", codes, errb.String())
	}
	codes, errb = nil, bytes.Buffer{}
	con := &console{stdout: io.Discard, stderr: &lockedWriter{w: &errb}}
	ctx, stop := interruptible(context.Background(), con, func() string { return "interrupted: draining" })
	defer stop()
	handleSignal(io.Discard)
	if ctx.Err() == nil || len(codes) != 0 {
		t.Fatalf("the first signal must cancel, not exit: %v, %v", ctx.Err(), codes)
	}
	handleSignal(io.Discard)
	if len(codes) != 1 || codes[0] != 130 || errb.String() != "msgsim: interrupted: draining\nmsgsim: second signal; exiting at once without a report\n" {
		t.Fatalf("exit codes %v, stderr %q", codes, errb.String())
	}
}

// A signal while the report goes out still means exit 130: the report is
// whole, and the exit line says it was interrupted all the same.
func TestSignalWhileTheReportIsWrittenExits130(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out bytes.Buffer
	con := &console{stdout: &out, stderr: &lockedWriter{w: io.Discard}}
	render := func(w io.Writer) error {
		cancel() // the signal arrives as the report is rendered
		_, err := io.WriteString(w, "report\n")
		return err
	}
	err := finish(ctx, options{}, con, nil, invoke.Verdict{}, render, nil)
	var ie interruptedError
	if !errors.As(err, &ie) || !strings.Contains(err.Error(), "interrupted while the report was written") || out.String() != "report\n" {
		t.Fatalf("got %v, stdout %q", err, out.String())
	}
}
