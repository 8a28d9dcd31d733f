package invoke_test

import (
	"strings"
	"testing"
	"time"

	"github.com/msgsim/msgsim/check"
	"github.com/msgsim/msgsim/invoke"
	"github.com/msgsim/msgsim/report"
	"github.com/msgsim/msgsim/sim"
)

// good is a run that passed its check, with latency samples.
func good() sim.Result {
	r := sim.Result{Expected: 1000, Sent: 1000, Delivered: 1000, Elapsed: time.Millisecond, OrderChecked: true}
	r.Latency = sim.Latency{Count: 1000, P50: time.Microsecond, P99: 2 * time.Microsecond}
	r.Queues = []sim.QueueResult{{Sent: 1000, Delivered: 1000, Latency: r.Latency}}
	return r
}

func judged(t *testing.T, exprs string, runs ...sim.Result) []check.Outcome {
	t.Helper()
	as, err := check.Parse(exprs)
	if err != nil {
		t.Fatal(err)
	}
	return check.Judge(as, runs)
}

// Each rule of the verdict, and the precedence of its statuses: the same
// in every command, since every command is judged here.
func TestJudge(t *testing.T) {
	lost, dup, reordered, broken, cut := good(), good(), good(), good(), good()
	lost.Lost, lost.Delivered = 3, 997
	dup.Duplicated, dup.Delivered = 1, 1001
	reordered.Reordered = 2
	broken.TransportError = "nats: connection closed"
	cut.Interrupted, cut.Sent = true, 400
	// --duration 1ns: the timer fired before the first send.
	unsent := sim.Result{Config: sim.Config{Duration: time.Nanosecond}, EndedBy: "duration"}
	regressed := check.Compare("base.json", []check.Sample{{Throughput: 1e9, P50: 1, P99: 1}}, []check.Sample{check.SampleOf(good())}, 0.1)
	tests := []struct {
		name   string
		doc    report.Document
		status invoke.Status
		says   string // "" for no problem
	}{
		{"a clean run passes", report.Document{Result: good()}, invoke.Passed, ""},
		{"a loss fails", report.Document{Result: lost}, invoke.Failed, "3 lost"},
		{"a duplicate fails", report.Document{Result: dup}, invoke.Failed, "1 duplicated"},
		{"reordering fails where order is promised", report.Document{Result: reordered}, invoke.Failed, "2 out of order"},
		{"a failing repeat fails though the median passed", report.Document{Result: good(), Runs: []sim.Result{good(), lost, good()}}, invoke.Failed, "run 2: check FAILED"},
		{"a failed assertion fails", report.Document{Result: good(), Assertions: judged(t, "p99<=1ns", good())}, invoke.Failed, "p99<=1ns (actual 2.00µs)"},
		{"an assertion with no samples fails", report.Document{Result: good(), Assertions: judged(t, "p99<=1h", sim.Result{})}, invoke.Failed, "p99<=1h (no samples)"},
		{"a regression fails", report.Document{Result: good(), Baseline: &regressed}, invoke.Failed, "regression against base.json"},
		{"a run that sent nothing checked nothing", report.Document{Result: unsent}, invoke.Failed, "check not made: nothing was sent before --duration 1ns ended the run"},
		{"a broker that failed mid-run is broken", report.Document{Result: broken}, invoke.Broken, "the transport failed mid-run"},
		{"broken outranks failed", report.Document{Result: good(), Runs: []sim.Result{broken, lost}}, invoke.Broken, "run 2: check FAILED"},
		{"an interrupted run is interrupted", report.Document{Result: cut}, invoke.Interrupted, "interrupted"},
		{"interrupted between repeats", report.Document{Result: good(), Runs: []sim.Result{good()}, Planned: 3, Interrupted: true}, invoke.Interrupted, "interrupted"},
		{"interrupted outranks everything", report.Document{Result: cut, Runs: []sim.Result{broken, cut}}, invoke.Interrupted, "the transport failed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := invoke.Judge(tt.doc)
			if v.Status != tt.status {
				t.Fatalf("status %v, want %v (%s)", v.Status, tt.status, v)
			}
			if tt.says == "" && len(v.Problems) > 0 || !strings.Contains(v.String(), tt.says) {
				t.Fatalf("problems %q, want %q", v.String(), tt.says)
			}
		})
	}
}
