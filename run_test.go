package main

// Tests of the run command (msgsim [flags]) through the built binary: each
// format, the exit codes of the check, assertions and baselines, output files.

import (
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

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
	cr := csv.NewReader(f)
	cr.FieldsPerRecord = -1 // the sections differ in width
	recs, err := cr.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 7 || recs[0][0] != "queue" || recs[4][0] != "total" || recs[4][3] != "5000" || recs[6][0] != "true" {
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

func TestCLITrace(t *testing.T) {
	r := msgsim(t, nil, "-n", "100", "-q", "1", "-c", "1", "--trace", "3")
	want := "queue 0 consumer 0: received message 0 (producer 0)\nqueue 0 consumer 0: received message 1 (producer 0)\nqueue 0 consumer 0: received message 2 (producer 0)\n"
	if r.code != 0 || r.stderr != want {
		t.Fatalf("exit %d, stderr %q, want %q", r.code, r.stderr, want)
	}
}

// Every kind of delivery fault fails the check with exit 1, in every
// command: the fault-tagged binary drops, copies late, reorders or garbles
// every Nth message of queue 0 in the transport.
func TestCLIFailedCheckExitsOne(t *testing.T) {
	tests := []struct {
		name string
		env  string
		args []string
		says string
	}{
		{"a loss", "MSGSIM_FAULT_DROP_EVERY=100", []string{"-n", "1000"}, "check FAILED: 10 lost, 0 duplicated"},
		{"a late copy", "MSGSIM_FAULT_DUP_EVERY=100", []string{"-n", "1000", "-c", "2"}, "check FAILED: 0 lost, 10 duplicated"},
		{"reordering", "MSGSIM_FAULT_REORDER_EVERY=100", []string{"-n", "1000", "-q", "1", "-c", "1"}, "check FAILED: 0 lost, 0 duplicated, 10 out of order"},
		{"reordering in a sweep", "MSGSIM_FAULT_REORDER_EVERY=100", []string{"sweep", "--vary", "queues=1,2", "-n", "1000", "-c", "1", "--repeat", "1"}, "queues=1: check FAILED: 0 lost, 0 duplicated, 10 out of order"},
		{"reordering in explain", "MSGSIM_FAULT_REORDER_EVERY=100", []string{"explain", "-n", "1000", "-q", "1", "-c", "1"}, "10 out of order"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := msgsim(t, []string{tt.env}, tt.args...)
			if r.code != 1 || !strings.Contains(r.stderr, tt.says) {
				t.Fatalf("exit %d, want 1; stderr %q, want %q", r.code, r.stderr, tt.says)
			}
			if !strings.Contains(r.stdout, "FAIL") {
				t.Errorf("the report must still be written in full and say FAIL:\n%s", r.stdout)
			}
		})
	}
	r := msgsim(t, []string{"MSGSIM_FAULT_DROP_EVERY=100"}, "-n", "1000", "--format", "json")
	var doc struct{ Lost int64 }
	if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil || doc.Lost != 10 {
		t.Errorf("the json report must still be written in full: %v %+v", err, doc)
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

// writeBaseline writes a hand-made baseline for -n 2000 -q 1 -c 1 whose
// figures are far out of reach (or trivially beaten), so the verdict cannot
// depend on how fast this machine is today.
func writeBaseline(t *testing.T, throughput float64, p99ns int64, queues int) string {
	t.Helper()
	doc := map[string]any{
		"schema_version": 1, "kind": "run", "ok": true,
		"config": map[string]any{"messages": 2000, "producers": 1, "queues": queues, "consumers": 1, "dispatch": "fanout",
			"keys": 1024, "buffer": 0, "batch": 1, "size": 16, "seed": 1, "procs": 0},
		"runs": []map[string]any{{"throughput_msgs_per_s": throughput, "p50_ns": max(p99ns/2, 1), "p99_ns": p99ns, "delivered": 2000, "elapsed_ns": 1_000_000}},
	}
	b, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "baseline.json")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestCLIAssertAndBaselineExitCodes(t *testing.T) {
	run := []string{"-n", "2000", "-q", "1", "-c", "1", "--progress", "never"}
	unbeatable := writeBaseline(t, 1e15, 1, 1)     // 10^15 msgs/s, 1 ns p99: any real run regresses
	trivial := writeBaseline(t, 1, 3_600e9, 1)     // 1 msg/s, 1 h p99: any real run is better
	otherConfig := writeBaseline(t, 1, 3_600e9, 4) // measured with 4 queues
	tests := []struct {
		name   string
		args   []string
		code   int
		stderr string // substring; "" means stderr must be empty
	}{
		{"assertions pass", []string{"--assert", "lost==0,duplicated==0", "--assert", "throughput>=1", "--assert", "p99<=1h"}, 0, ""},
		{"assertion fails", []string{"--assert", "lost==0", "--assert", "p99<=1ns"}, 1, "1 of 2 assertions failed: p99<=1ns (actual"},
		{"per-queue assertion", []string{"--assert", "q0.delivered==2000"}, 0, ""},
		{"malformed: unit mismatch", []string{"--assert", "p99>=5M"}, 2, `--assert: "p99>=5M": p99 is a duration`},
		{"malformed: unknown metric", []string{"--assert", "latency<1ms"}, 2, `unknown metric "latency"`},
		{"malformed: missing value", []string{"--assert", "p99<="}, 2, "missing value after <="},
		{"malformed: no such queue", []string{"--assert", "q1.p99<1ms"}, 2, "queue q1 does not exist"},
		{"baseline beaten", []string{"--baseline", trivial}, 0, ""},
		{"baseline regression", []string{"--baseline", unbeatable, "--max-regression", "10%"}, 1, "regression against"},
		{"baseline regression with repeats", []string{"--baseline", unbeatable, "--repeat", "2"}, 1, "throughput -"},
		{"baseline of another config", []string{"--baseline", otherConfig}, 2, "(queues: baseline 4, now 1); pass --baseline-any-config"},
		{"baseline of another config, allowed", []string{"--baseline", otherConfig, "--baseline-any-config"}, 0, ""},
		{"baseline missing", []string{"--baseline", "/nonexistent.json"}, 2, `--baseline: "/nonexistent.json" cannot be read`},
		{"bad max regression", []string{"--baseline", trivial, "--max-regression", "ten"}, 2, "--max-regression"},
		{"bad repeat", []string{"--repeat", "0"}, 2, "--repeat"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := msgsim(t, nil, append(append([]string{}, run...), tt.args...)...)
			if r.code != tt.code {
				t.Fatalf("exit %d, want %d; stderr %q", r.code, tt.code, r.stderr)
			}
			if tt.stderr == "" && r.stderr != "" || !strings.Contains(r.stderr, tt.stderr) {
				t.Fatalf("stderr %q, want %q", r.stderr, tt.stderr)
			}
			if r.stderr != "" && (strings.Count(r.stderr, "\n") != 1 || !strings.HasPrefix(r.stderr, "msgsim: ")) {
				t.Fatalf("stderr must be one msgsim: line, got %q", r.stderr)
			}
			if tt.code == 2 && r.stdout != "" {
				t.Fatalf("usage error with output on stdout: %q", r.stdout)
			}
			if tt.code != 2 && !strings.Contains(r.stdout, "check passed") {
				t.Fatalf("report missing:\n%s", r.stdout)
			}
		})
	}
}

func TestCLIQuiet(t *testing.T) {
	ok := msgsim(t, nil, "-n", "1000", "--quiet", "--assert", "lost==0")
	if ok.code != 0 || ok.stdout != "" || ok.stderr != "" {
		t.Fatalf("passing --quiet run: exit %d, stdout %q, stderr %q", ok.code, ok.stdout, ok.stderr)
	}
	bad := msgsim(t, nil, "-n", "1000", "--quiet", "--assert", "p99<1ns")
	if bad.code != 1 || bad.stdout != "" || !strings.Contains(bad.stderr, "p99<1ns") {
		t.Fatalf("failing --quiet run: exit %d, stdout %q, stderr %q", bad.code, bad.stdout, bad.stderr)
	}
}

func TestCLISaveBaselineRoundTrip(t *testing.T) {
	base := filepath.Join(t.TempDir(), "base.json")
	first := msgsim(t, nil, "-n", "2000", "--repeat", "3", "--save-baseline", base, "--format", "csv")
	if first.code != 0 {
		t.Fatalf("exit %d: %s", first.code, first.stderr)
	}
	var doc struct {
		SchemaVersion int `json:"schema_version"`
		Runs          []struct {
			Throughput float64 `json:"throughput_msgs_per_s"`
		}
	}
	b, err := os.ReadFile(base)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &doc); err != nil || doc.SchemaVersion != 1 || len(doc.Runs) != 3 || doc.Runs[0].Throughput <= 0 {
		t.Fatalf("saved baseline: %v %+v", err, doc)
	}
	// An allowance no timing noise can exceed: the comparison itself is tested, not the machine.
	second := msgsim(t, nil, "-n", "2000", "--baseline", base, "--max-regression", "1000000000%", "--format", "json")
	var out struct {
		Baseline struct {
			Regressed bool
			Metrics   []struct {
				Metric       string
				BaselineRuns int `json:"baseline_runs"`
			}
		}
	}
	if second.code != 0 || json.Unmarshal([]byte(second.stdout), &out) != nil || len(out.Baseline.Metrics) != 3 || out.Baseline.Metrics[0].BaselineRuns != 3 {
		t.Fatalf("exit %d, stderr %q, baseline %+v", second.code, second.stderr, out.Baseline)
	}
}

func TestCLIGoBenchRepeats(t *testing.T) {
	r := msgsim(t, nil, "-n", "1000", "--repeat", "2", "--format", "gobench")
	if r.code != 0 || strings.Count(r.stdout, "BenchmarkMsgsim/p=1/q=3/c=2/dispatch=fanout/") != 2 {
		t.Fatalf("exit %d:\n%s", r.code, r.stdout)
	}
}

func TestCLIWorkloadFlags(t *testing.T) {
	bad := []struct {
		args []string
		want string
	}{
		{[]string{"--rate", "fast"}, `--rate: "fast" is not a rate`},
		{[]string{"--work", "50"}, `--work: "50" is not a duration`},
		{[]string{"--duration", "-1s"}, `--duration: "-1s" is not a duration`},
		{[]string{"--arrival", "bursty"}, `--arrival: "bursty" is not allowed (want uniform, poisson)`},
		{[]string{"--work-dist", "normal"}, `--work-dist: "normal" is not allowed (want fixed, exp, uniform)`},
		{[]string{"--work-kind", "io"}, `--work-kind: "io" is not allowed (want spin, sleep)`},
		{[]string{"-d", "1s", "--warmup", "2s"}, "--warmup: 2s is out of range (want less than --duration 1s)"},
		{[]string{"--interval", "1ms"}, "--interval: 1ms is out of range (want at least 10ms)"},
	}
	for _, tt := range bad {
		r := msgsim(t, nil, tt.args...)
		if r.code != 2 || r.stdout != "" || !strings.Contains(r.stderr, tt.want) {
			t.Errorf("%v: exit %d, stderr %q, want %q", tt.args, r.code, r.stderr, tt.want)
		}
	}
	r := msgsim(t, nil, "-d", "300ms", "--rate", "5k", "--arrival", "poisson", "--work", "20us", "--work-dist", "exp",
		"-q", "1", "--interval", "100ms", "--warmup", "50ms", "--format", "json")
	var doc struct {
		EndedBy  string `json:"ended_by"`
		OK       bool
		Produced int64
		Series   []struct{ Deliveries int64 }
		Queues   []struct {
			Utilisation float64
		}
		WarmupDeliveries int64 `json:"warmup_deliveries"`
	}
	if r.code != 0 || json.Unmarshal([]byte(r.stdout), &doc) != nil {
		t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
	}
	if doc.EndedBy != "duration" || !doc.OK || doc.Produced == 0 || len(doc.Series) == 0 || doc.Queues[0].Utilisation <= 0 || doc.WarmupDeliveries == 0 {
		t.Fatalf("%+v", doc)
	}
}

// A command that fails before its report leaves no -o file behind, not
// even an empty one: outputs are written whole, at the end, or not at all.
func TestCLIFailureLeavesNoOutputFile(t *testing.T) {
	dir := t.TempDir()
	for _, tt := range []struct {
		name string
		code int
		args []string
	}{
		{"a usage error after the path was checked", 2, []string{"--baseline", filepath.Join(dir, "missing.json")}},
		{"an unreachable broker", 3, []string{"--transport", "nats", "--nats-url", "nats://127.0.0.1:1"}},
	} {
		out, prof := filepath.Join(dir, "out.json"), filepath.Join(dir, "cpu.out")
		r := msgsim(t, nil, append(tt.args, "-n", "10", "-o", out, "--cpuprofile", prof, "--save-baseline", filepath.Join(dir, "b.json"))...)
		if r.code != tt.code {
			t.Fatalf("%s: exit %d, want %d: %s", tt.name, r.code, tt.code, r.stderr)
		}
		if entries, _ := os.ReadDir(dir); len(entries) != 0 {
			t.Fatalf("%s: left %v behind", tt.name, entries)
		}
	}
}

// One definition of throughput: the assertion, the total and the queues
// all leave the warm-up out, and a metric with nothing measured fails.
func TestCLIWarmupIsOneDefinition(t *testing.T) {
	r := msgsim(t, nil, "-n", "20k", "-q", "2", "-b", "64", "--warmup", "1ms", "--assert", "throughput>=1T", "--format", "json")
	var doc struct {
		Throughput float64 `json:"throughput_msgs_per_s"`
		Queues     []struct {
			Throughput float64 `json:"throughput_msgs_per_s"`
		}
		Assertions []struct{ Actual float64 }
	}
	if r.code != 1 || json.Unmarshal([]byte(r.stdout), &doc) != nil || len(doc.Assertions) != 1 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	if doc.Assertions[0].Actual != doc.Throughput || doc.Throughput <= 0 {
		t.Fatalf("the assertion saw %v msgs/s, the report says %v", doc.Assertions[0].Actual, doc.Throughput)
	}
	if sum := doc.Queues[0].Throughput + doc.Queues[1].Throughput; sum < 0.999*doc.Throughput || sum > 1.001*doc.Throughput {
		t.Fatalf("queues add up to %v msgs/s, the total is %v", sum, doc.Throughput)
	}
	none := msgsim(t, nil, "-n", "1k", "--warmup", "10s", "--assert", "p99<=1ns")
	if none.code != 1 || !strings.Contains(none.stderr, "p99<=1ns (no samples)") {
		t.Fatalf("exit %d, stderr %q", none.code, none.stderr)
	}
}
