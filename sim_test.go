package main

// End-to-end tests of the msgsim binary: exit codes, the shape of stderr,
// and that every format parses. The binary is built once per test run.

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"
)

var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "msgsim-cli")
	if err != nil {
		panic(err)
	}
	binary = filepath.Join(dir, "msgsim")
	// The msgsimfault tag adds MSGSIM_FAULT_DROP_EVERY, so exit code 1 can be
	// provoked; it changes nothing else.
	out, err := exec.Command("go", "build", "-tags", "msgsimfault", "-o", binary, ".").CombinedOutput()
	if err != nil {
		os.Stderr.Write(out)
		os.Exit(2)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

type result struct {
	stdout, stderr string
	code           int
}

func msgsim(t *testing.T, env []string, args ...string) result {
	t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Env = append(os.Environ(), env...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return result{out.String(), errb.String(), code}
}

func TestCLIUsageErrors(t *testing.T) {
	tests := []struct {
		name string
		env  []string
		args []string
		want string // substring of the one stderr line
	}{
		{"not a number", nil, []string{"-q", "abc"}, `--queues: "abc" is not a number`},
		{"zero queues", nil, []string{"-q", "0"}, "--queues: 0 is out of range (want 1..1,000,000)"},
		{"negative count", nil, []string{"-n", "-5"}, `--messages: "-5" is out of range`},
		{"fraction", nil, []string{"-n", "1.5"}, `--messages: "1.5" is not a whole number`},
		{"overflow", nil, []string{"-n", "99999999999999999999"}, `--messages: "99999999999999999999" is out of range`},
		{"typo in flag name", nil, []string{"--qeues", "3"}, "unknown flag --qeues (did you mean --queues?)"},
		{"missing value", nil, []string{"-q"}, "--queues needs a value"},
		{"unknown format", nil, []string{"--format", "xml"}, `--format: unknown format "xml" (want table, json, csv, markdown)`},
		{"unknown dispatch", nil, []string{"--dispatch", "broadcast"}, `--dispatch: unknown dispatch mode "broadcast"`},
		{"unknown progress", nil, []string{"--progress", "sometimes"}, `--progress: "sometimes" is not a mode`},
		{"extra argument", nil, []string{"run"}, `unexpected argument "run"`},
		{"too many consumers", nil, []string{"-q", "10000", "-c", "10000"}, "--consumers: 10000 is out of range (want queues × consumers ≤ 10,000,000"},
		{"too many messages", nil, []string{"-n", "1T", "-q", "3"}, "--messages: 1000000000000 is out of range (want at most 1,000,000,000,000 deliveries"},
		{"buffer too large", nil, []string{"-b", "1G"}, "--buffer: 1000000000 is out of range (want 0..16,777,216)"},
		{"output directory missing", nil, []string{"-o", "/nonexistent/dir/out.json"}, `--output: "/nonexistent/dir/out.json" cannot be written`},
		{"bad environment value", []string{"MSGSIM_QUEUES=lots"}, nil, `--queues: "lots" (from $MSGSIM_QUEUES) is not a number`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := msgsim(t, tt.env, tt.args...)
			if r.code != 2 {
				t.Fatalf("exit code %d, want 2; stderr %q", r.code, r.stderr)
			}
			if r.stdout != "" {
				t.Errorf("stdout must be empty on a usage error, got %q", r.stdout)
			}
			if strings.Count(r.stderr, "\n") != 1 || !strings.HasPrefix(r.stderr, "msgsim: ") {
				t.Errorf("want one line starting with msgsim:, got %q", r.stderr)
			}
			if !strings.Contains(r.stderr, tt.want) {
				t.Errorf("stderr %q does not contain %q", r.stderr, tt.want)
			}
		})
	}
}

func TestCLIJSON(t *testing.T) {
	r := msgsim(t, []string{"MSGSIM_CONSUMERS=3"}, "-n", "20k", "-q", "2", "-b", "64", "--format", "json", "--seed", "5")
	if r.code != 0 || r.stderr != "" {
		t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
	}
	var doc struct {
		SchemaVersion int `json:"schema_version"`
		Config        struct {
			Messages, Consumers int64
			Seed                uint64
		}
		Expected, Delivered, Lost, Duplicated int64
		Throughput                            float64 `json:"throughput_msgs_per_s"`
		Latency                               struct {
			P50 int64 `json:"p50_ns"`
			Max int64 `json:"max_ns"`
		}
		Queues    []json.RawMessage
		Consumers []json.RawMessage
		OK        bool
	}
	if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil {
		t.Fatalf("%v in %s", err, r.stdout)
	}
	if doc.SchemaVersion != 1 || doc.Config.Messages != 20_000 || doc.Config.Consumers != 3 || doc.Config.Seed != 5 {
		t.Fatalf("config not as given (env MSGSIM_CONSUMERS=3): %+v", doc)
	}
	if doc.Expected != 40_000 || doc.Delivered != 40_000 || doc.Lost != 0 || doc.Duplicated != 0 || !doc.OK {
		t.Fatalf("counts: %+v", doc)
	}
	if doc.Throughput <= 0 || doc.Latency.P50 <= 0 || doc.Latency.Max < doc.Latency.P50 || len(doc.Queues) != 2 || len(doc.Consumers) != 6 {
		t.Fatalf("measurements: %+v", doc)
	}
}

func TestCLICSVAndOutputFile(t *testing.T) {
	out := filepath.Join(t.TempDir(), "r.csv")
	r := msgsim(t, nil, "-n", "5000", "--dispatch", "roundrobin", "--format", "csv", "-o", out)
	if r.code != 0 || r.stdout != "" {
		t.Fatalf("exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	f, err := os.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 5 || recs[0][0] != "queue" || recs[4][0] != "total" || recs[4][3] != "5000" {
		t.Fatalf("csv: %q", recs)
	}
}

func TestCLITableAndMarkdown(t *testing.T) {
	r := msgsim(t, nil, "-n", "3000")
	for _, want := range []string{"check passed", "summary", "deliveries by queue", "latency (send → receive)", "p99.9", "consumers", "3,000"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("table output lacks %q:\n%s", want, r.stdout)
		}
	}
	md := msgsim(t, nil, "-n", "3000", "--format", "markdown")
	if md.code != 0 || !strings.Contains(md.stdout, "|:------|") || !strings.Contains(md.stdout, "#### latency") {
		t.Errorf("markdown:\n%s", md.stdout)
	}
}

func TestCLIZeroMessages(t *testing.T) {
	r := msgsim(t, nil, "-n", "0")
	if r.code != 0 || !strings.Contains(r.stdout, "check passed") {
		t.Fatalf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}

func TestCLITrace(t *testing.T) {
	r := msgsim(t, nil, "-n", "100", "-q", "1", "-c", "1", "--trace", "3")
	want := "queue 0 consumer 0: received message 0 (producer 0)\nqueue 0 consumer 0: received message 1 (producer 0)\nqueue 0 consumer 0: received message 2 (producer 0)\n"
	if r.code != 0 || r.stderr != want {
		t.Fatalf("exit %d, stderr %q, want %q", r.code, r.stderr, want)
	}
}

func TestCLIFailedCheckExitsOne(t *testing.T) {
	r := msgsim(t, []string{"MSGSIM_FAULT_DROP_EVERY=100"}, "-n", "1000", "--format", "json")
	if r.code != 1 {
		t.Fatalf("exit %d, want 1; stderr %q", r.code, r.stderr)
	}
	if !strings.Contains(r.stderr, "check FAILED: 10 lost, 0 duplicated") {
		t.Errorf("stderr %q", r.stderr)
	}
	var doc struct{ Lost int64 }
	if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil || doc.Lost != 10 {
		t.Errorf("report must still be written in full: %v %+v", err, doc)
	}
}

func TestCLIWriteFailureExitsThree(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("needs /dev/full")
	}
	r := msgsim(t, nil, "-n", "100", "-o", "/dev/full")
	if r.code != 3 || !strings.Contains(r.stderr, "no space left") {
		t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
	}
}

func TestCLIHelpListsEveryFlag(t *testing.T) {
	r := msgsim(t, nil, "--help")
	if r.code != 0 {
		t.Fatalf("exit %d", r.code)
	}
	for _, f := range []string{"--messages", "-n", "--producers", "--queues", "--consumers", "--dispatch", "--buffer", "--size",
		"--format", "--output", "--progress", "--trace", "--seed", "--procs", "$MSGSIM_QUEUES", "Exit codes"} {
		if !strings.Contains(r.stdout, f) {
			t.Errorf("help lacks %q", f)
		}
	}
}

// SIGINT stops producing, drains what is in flight, writes a partial report
// marked interrupted and exits 130. The signal is sent once the first
// delivery has been traced, so the test does not depend on timing.
func TestCLIInterruptExits130(t *testing.T) {
	cmd := exec.Command(binary, "-n", "1G", "-b", "1024", "--format", "json", "--trace", "1")
	var out bytes.Buffer
	cmd.Stdout = &out
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(stderr)
	if !sc.Scan() || !strings.Contains(sc.Text(), "received message") {
		t.Fatalf("no trace line: %q", sc.Text())
	}
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	var rest strings.Builder
	for sc.Scan() {
		rest.WriteString(sc.Text() + "\n")
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err = <-done:
	case <-time.After(30 * time.Second): // a hang guard, not a timing assertion
		_ = cmd.Process.Kill()
		t.Fatal("msgsim did not exit after SIGINT")
	}
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 130 {
		t.Fatalf("exit: %v, want code 130; stderr %q", err, rest.String())
	}
	var doc struct {
		Interrupted                     bool
		Expected, Sent, Delivered, Lost int64
		NotSent                         int64 `json:"not_sent"`
	}
	if err := json.Unmarshal(out.Bytes(), &doc); err != nil {
		t.Fatalf("partial report: %v", err)
	}
	if !doc.Interrupted || doc.NotSent <= 0 || doc.Lost != 0 || doc.Delivered != doc.Sent || doc.Sent+doc.NotSent != doc.Expected {
		t.Fatalf("partial report: %+v", doc)
	}
}
