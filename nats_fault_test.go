package main

// Tests against a real nats-server process, built from the module msgsim
// already depends on: killed, frozen (SIGSTOP, what a partition looks
// like) or left alone while each role waits, publishes or drains. Every
// case must end (a hang shows as the test's guard failing), with the exit
// code and report the README promises; none asserts how fast.

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

var (
	natsServerOnce sync.Once
	natsServerBin  string
	natsServerErr  error
)

// natsServer starts a nats-server process on a free loopback port, with
// extra arguments, and returns it and its URL; the test's cleanup kills it.
func natsServer(t *testing.T, extra ...string) (*exec.Cmd, string) {
	t.Helper()
	natsServerOnce.Do(func() {
		natsServerBin = filepath.Join(filepath.Dir(binary), "nats-server")
		out, err := exec.Command("go", "build", "-o", natsServerBin, "github.com/nats-io/nats-server/v2").CombinedOutput()
		if err != nil {
			natsServerErr = fmt.Errorf("building nats-server: %v\n%s", err, out)
		}
	})
	if natsServerErr != nil {
		t.Fatal(natsServerErr)
	}
	port := freePort(t)
	cmd := exec.Command(natsServerBin, append([]string{"-a", "127.0.0.1", "-p", port}, extra...)...)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGCONT)
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	awaitPort(t, "127.0.0.1:"+port)
	return cmd, "nats://127.0.0.1:" + port
}

// handedOut holds the ports freePort gave: a port is free again once its
// listener closes, so the kernel may hand it out twice before a server
// binds it (a cluster's route port, then a node's client port).
var handedOut = struct {
	sync.Mutex
	ports map[string]bool
}{ports: map[string]bool{}}

// freePort returns a loopback port nothing listens on just now, and none
// it returned before.
func freePort(t *testing.T) string {
	t.Helper()
	handedOut.Lock()
	defer handedOut.Unlock()
	for range 1000 {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		_, port, _ := net.SplitHostPort(l.Addr().String())
		l.Close()
		if !handedOut.ports[port] {
			handedOut.ports[port] = true
			return port
		}
	}
	t.Fatal("no loopback port left that was not handed out before")
	return ""
}

// awaitPort returns once something accepts connections at addr.
func awaitPort(t *testing.T, addr string) {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); ; {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("nothing listens at %s", addr)
		}
		time.Sleep(20 * time.Millisecond) // polling a port the server opens, not synchronising goroutines
	}
}

// started runs msgsim, returns once a line containing marker appeared on
// its stderr, and hands back a function that waits for its end, and the
// process.
func started(t *testing.T, marker string, args ...string) (func() result, *os.Process) {
	t.Helper()
	cmd := exec.Command(binary, args...)
	var out bytes.Buffer
	cmd.Stdout = &out
	pipe, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(pipe)
	var errb strings.Builder
	for sc.Scan() {
		errb.WriteString(sc.Text() + "\n")
		if strings.Contains(sc.Text(), marker) {
			break
		}
	}
	return func() result {
		for sc.Scan() {
			errb.WriteString(sc.Text() + "\n")
		}
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case err = <-done:
		case <-time.After(60 * time.Second): // a hang guard, not a timing assertion
			_ = cmd.Process.Kill()
			t.Fatalf("msgsim %v did not end; stderr so far:\n%s", args, errb.String())
		}
		code := 0
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			code = ee.ExitCode()
		}
		return result{out.String(), errb.String(), code}
	}, cmd.Process
}

type natsReport struct {
	EndedBy        string `json:"ended_by"`
	TransportError string `json:"transport_error"`
	Unjudged       string
	Interrupted    bool
	Lost, Sent     int64
	Delivered      int64
	OK             bool
	Processes      []struct{ Delivered int64 }
}

func readReport(t *testing.T, r result) natsReport {
	t.Helper()
	var doc natsReport
	if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil {
		t.Fatalf("no json report (%v); exit %d, stderr:\n%s", err, r.code, r.stderr)
	}
	return doc
}

// A lost server ends every role in every state with a partial report,
// transport_error set and exit 3.
func TestCLINATSLostServerEndsEveryState(t *testing.T) {
	split := func(role, id string) []string {
		return []string{"--role", role, "--run-id", id, "--seed", "7", "-n", "1G", "-q", "1", "-c", "1", "--drain-timeout", "2s"}
	}
	tests := []struct {
		name   string
		args   []string
		marker string // stderr line that says the state was reached
		freeze bool   // SIGSTOP instead of kill
	}{
		{"a consumer waiting for its producers, server killed", split("consumer", "w1"), "waiting for the producers", false},
		{"a producer waiting for consumers, server killed", split("producer", "w2"), "waiting for consumers", false},
		{"a consumer waiting, server frozen", split("consumer", "w3"), "waiting for the producers", true},
		{"a run publishing, server killed", []string{"-n", "1G", "-q", "1", "-c", "1", "--trace", "1"}, "received message", false},
		{"a run publishing, server frozen", []string{"-n", "1G", "-q", "1", "-c", "1", "--trace", "1", "--drain-timeout", "2s"}, "received message", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			server, url := natsServer(t)
			wait, _ := started(t, tt.marker, append([]string{"--transport", "nats", "--nats-url", url, "--format", "json", "--progress", "never"}, tt.args...)...)
			sig := syscall.SIGKILL
			if tt.freeze {
				sig = syscall.SIGSTOP
			}
			if err := server.Process.Signal(sig); err != nil {
				t.Fatal(err)
			}
			r := wait()
			if r.code != 3 {
				t.Fatalf("exit %d, want 3; stderr:\n%s", r.code, r.stderr)
			}
			doc := readReport(t, r)
			if doc.TransportError == "" || doc.EndedBy != "transport" || doc.OK {
				t.Fatalf("transport_error %q, ended_by %q, ok %v", doc.TransportError, doc.EndedBy, doc.OK)
			}
		})
	}
}

// A consumer-role process interrupted while it waits says what it waited
// for, exits 130 at once and calls nothing lost.
func TestCLINATSConsumerInterruptedWhileWaiting(t *testing.T) {
	_, url := natsServer(t)
	wait, proc := started(t, "waiting for the producers of run demo", "--transport", "nats", "--nats-url", url, "--role", "consumer",
		"--run-id", "demo", "--seed", "7", "-n", "1k", "--format", "json", "--progress", "never")
	if err := proc.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	r := wait()
	doc := readReport(t, r)
	if r.code != 130 || !doc.Interrupted || doc.Lost != 0 || doc.Unjudged == "" {
		t.Fatalf("exit %d, interrupted %v, lost %d, unjudged %q", r.code, doc.Interrupted, doc.Lost, doc.Unjudged)
	}
}

// Processes of one split run agree on one verdict: a producer process and
// two consumer processes, all reporting every message delivered once.
func TestCLINATSSplitRunOneVerdict(t *testing.T) {
	_, url := natsServer(t)
	common := []string{"--transport", "nats", "--nats-url", url, "--run-id", "trio", "--seed", "11", "-n", "20k", "-q", "2", "-c", "2",
		"--format", "json", "--progress", "never"}
	c1, _ := started(t, "waiting for the producers", append([]string{"--role", "consumer"}, common...)...)
	c2, _ := started(t, "waiting for the producers", append([]string{"--role", "consumer"}, common...)...)
	p, _ := started(t, "", append([]string{"--role", "producer"}, common...)...)
	for name, r := range map[string]result{"producer": p(), "consumer 1": c1(), "consumer 2": c2()} {
		doc := readReport(t, r)
		if r.code != 0 || !doc.OK || doc.Lost != 0 || doc.Sent != 40_000 || doc.Delivered != 40_000 || len(doc.Processes) != 2 {
			t.Errorf("%s: exit %d, %+v\n%s", name, r.code, doc, r.stderr)
		}
	}
}
