package main

// Tests of msgsim watch through the built binary: what it refuses, and a
// watched run in a pseudo-terminal steered with keys, ended with q or
// interrupted with ctrl+c, then reported as msgsim run reports.

import (
	"bytes"
	"errors"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/creack/pty"
)

func TestCLIWatchRefusals(t *testing.T) {
	open := []string{"watch", "-q", "1", "-c", "2", "--rate", "500"}
	tests := []struct {
		name   string
		env    []string
		tty    bool
		args   []string
		stderr string
	}{
		{"stdout is a pipe", []string{"CI="}, false, open, "stdout is not one"},
		{"in CI", []string{"CI=true"}, true, open, "CI is set"},
		{"TERM=dumb", []string{"CI=", "TERM=dumb"}, true, open, "TERM=dumb cannot"},
		{"a closed loop without a bound", []string{"CI="}, true, []string{"watch", "-q", "1"}, "--rate 0: a closed loop in msgsim watch needs -n or -d"},
		{"repeats", []string{"CI="}, true, append(open, "--repeat", "3"), "--repeat 3: msgsim watch shows one run"},
		{"a run steered by hand saved as a baseline", []string{"CI="}, false, append(open, "--save-baseline", "b.json"), "--save-baseline: msgsim watch is steered by hand"},
		{"over NATS", []string{"CI="}, true, append(open, "--transport", "nats"), "--transport chan, --batch 1"},
		{"two files", []string{"CI="}, true, []string{"watch", "a.yaml", "b.yaml"}, "at most one scenario FILE"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var r result
			if tt.tty {
				r = inTerminal(t, tt.env, nil, tt.args...)
			} else {
				r = msgsim(t, tt.env, tt.args...)
			}
			lines := strings.Split(strings.TrimSpace(r.stderr), "\n")
			if r.code != 2 || len(lines) != 1 || !strings.Contains(r.stderr, tt.stderr) || strings.TrimSpace(r.stdout) != "" {
				t.Fatalf("exit %d, stdout %q, stderr %q; want exit 2 and one line with %q", r.code, r.stdout, r.stderr, tt.stderr)
			}
		})
	}
}

// A watched run in a terminal: the view draws, + adds a consumer, q ends
// the run, and the normal report follows, its check passed; ctrl+c
// interrupts it (exit 130) with the partial report.
func TestCLIWatchInATerminal(t *testing.T) {
	args := []string{"watch", "-q", "1", "-c", "1", "--rate", "2000", "--work", "100us", "--work-kind", "sleep", "--seed", "3", "--record"}
	t.Run("q ends it", func(t *testing.T) {
		cast := t.TempDir() + "/class.cast"
		r := inTerminal(t, []string{"CI="}, []key{{"+", "throughput"}, {"q", "consumers taking messages"}}, append(args, cast)...)
		if r.code != 0 || !strings.Contains(r.stdout, "check passed") || !strings.Contains(r.stdout, "Little's law") {
			t.Fatalf("exit %d; stderr %s; the terminal showed:\n%s", r.code, r.stderr, r.stdout)
		}
		if !strings.Contains(r.stdout, "q0: 2 consumers taking messages") {
			t.Errorf("+ did not add a consumer:\n%s", r.stdout)
		}
		rec, err := os.ReadFile(cast)
		if err != nil || !bytes.HasPrefix(rec, []byte(`{"`)) || !bytes.Contains(rec, []byte(`"version":2`)) || !bytes.Contains(rec, []byte("msgsim watch")) {
			t.Fatalf("the cast (%v):\n%.300s", err, rec)
		}
	})
	t.Run("ctrl+c interrupts it", func(t *testing.T) {
		r := inTerminal(t, []string{"CI="}, []key{{"\x03", "throughput"}}, append(args, t.TempDir()+"/c.cast")...)
		if r.code != 130 || !strings.Contains(r.stdout, "interrupted") {
			t.Fatalf("exit %d; stderr %s; the terminal showed:\n%s", r.code, r.stderr, r.stdout)
		}
	})
}

// key is typed once the terminal has shown after.
type key struct{ typed, after string }

// inTerminal runs the binary with stdin and stdout on a pseudo-terminal
// (stderr apart), types each key once the terminal shows what it waits
// for, and returns what the terminal showed.
func inTerminal(t *testing.T, env []string, keys []key, args ...string) result {
	t.Helper()
	ptmx, tty, err := pty.Open()
	if err != nil {
		t.Skipf("no pseudo-terminal: %v", err)
	}
	defer ptmx.Close()
	_ = pty.Setsize(ptmx, &pty.Winsize{Rows: 40, Cols: 120})
	cmd := exec.Command(binary, args...)
	cmd.Env = append(os.Environ(), append([]string{"TERM=xterm-256color"}, env...)...)
	var errb bytes.Buffer
	cmd.Stdin, cmd.Stdout, cmd.Stderr = tty, tty, &errb
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	tty.Close()
	var mu sync.Mutex
	var out bytes.Buffer
	copied := make(chan struct{})
	go func() {
		defer close(copied)
		buf := make([]byte, 4096)
		for {
			n, err := ptmx.Read(buf)
			mu.Lock()
			out.Write(buf[:n])
			mu.Unlock()
			if err != nil {
				return
			}
		}
	}()
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	shown := func(s string) bool {
		mu.Lock()
		defer mu.Unlock()
		return strings.Contains(out.String(), s)
	}
	deadline := time.After(time.Minute)
	for _, k := range keys {
		for !shown(k.after) {
			select {
			case <-deadline:
				t.Fatalf("no %q within a minute; the terminal showed:\n%s", k.after, out.String())
			case <-time.After(20 * time.Millisecond):
			}
		}
		if _, err := io.WriteString(ptmx, k.typed); err != nil {
			t.Fatal(err)
		}
	}
	var werr error
	select {
	case werr = <-exited:
	case <-deadline:
		_ = cmd.Process.Kill()
		t.Fatalf("still running after a minute; the terminal showed:\n%s", out.String())
	}
	ptmx.Close()
	<-copied
	code := 0
	var ee *exec.ExitError
	if errors.As(werr, &ee) {
		code = ee.ExitCode()
	}
	return result{out.String(), errb.String(), code}
}

// What msgsim watch plans for itself (the rate keys' message bound, the
// per-second series) is never refused as if the user had given it: an
// error names the flags given, and a run with more consumer slots than a
// series is kept for runs without one.
func TestWatchPlanOwnsItsChoices(t *testing.T) {
	tests := []struct {
		name     string
		args     []string
		err      string // "" for a plan
		interval time.Duration
	}{
		{"many queues: no series, no --interval refused", []string{"watch", "--rate", "1k", "-q", "64"}, "", 0},
		{"a few: a series a second", []string{"watch", "--rate", "1k", "-q", "2"}, "", time.Second},
		{"--interval kept", []string{"watch", "--rate", "1k", "--interval", "2s"}, "", 2 * time.Second},
		{"a rate beyond the check's bound names --rate", []string{"watch", "--rate", "4e8"}, "--rate 400M: msgsim watch checks every message a run of 10m0s", 0},
		{"a rate beyond the memory budget names --rate", []string{"watch", "--rate", "1e7", "--max-memory", "64MiB"}, "--rate 10.0M: msgsim watch checks every message", 0},
		{"the cast on the report's file", []string{"watch", "--rate", "1k", "--record", "same.json", "-o", "same.json"}, "--record: \"same.json\" is also -o's file", 0},
		{"the cast on stdout", []string{"watch", "--rate", "1k", "--record", "/dev/stdout"}, "is also stdout, where the view draws", 0},
	}
	t.Chdir(t.TempDir())
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := planFor(t, tt.args)
			if tt.err != "" {
				var u usageError
				if !errors.As(err, &u) || !strings.Contains(u.msg, tt.err) || strings.Contains(u.msg, "--messages") || strings.Contains(u.msg, "--interval") {
					t.Fatalf("got %v, want a usage error with %q naming only flags given", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if iv := got.([]any)[1].(options).plan.Config.Interval; iv != tt.interval {
				t.Fatalf("interval %s, want %s", iv, tt.interval)
			}
		})
	}
}
