package main

import (
	"strings"
	"testing"
)

func TestCLIExplain(t *testing.T) {
	r := msgsim(t, nil, "explain", "--dry-run", "-q", "1", "-c", "2", "--rate", "2.8k", "--arrival", "poisson", "--work", "500us", "--work-dist", "exp")
	for _, want := range []string{"[ P0 ]", "c0.0 c0.1  (2 competing)", "M/M/2", "ρ = 0.70", "Wq = 480µs"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("dry run lacks %q:\n%s", want, r.stdout)
		}
	}
	if r.code != 0 || strings.Contains(r.stdout, "summary") {
		t.Fatalf("a dry run must not run: exit %d\n%s", r.code, r.stdout)
	}
	for _, args := range [][]string{{"explain", "--format", "json"}, {"explain", "--quiet"}} {
		if r := msgsim(t, nil, args...); r.code != 2 || r.stdout != "" || !strings.Contains(r.stderr, "does not apply to msgsim explain") {
			t.Errorf("%v: exit %d, stderr %q", args, r.code, r.stderr)
		}
	}
	run := msgsim(t, nil, "explain", "-n", "5000", "-b", "64")
	if run.code != 0 || !strings.Contains(run.stdout, "verdict: channel-bound") || !strings.Contains(run.stdout, "no prediction") {
		t.Fatalf("exit %d:\n%s", run.code, run.stdout)
	}
}

// explain's measured half is a run of the invocation layer: assertions,
// repeats and exit codes work there as in msgsim.
func TestCLIExplainJudgesItsRun(t *testing.T) {
	r := msgsim(t, nil, "explain", "-n", "2000", "-q", "1", "-c", "1", "--repeat", "2", "--assert", "p99<=1ns")
	if r.code != 1 || !strings.Contains(r.stdout, "repeats (2 runs") || !strings.Contains(r.stdout, "FAIL") || !strings.Contains(r.stdout, "verdict:") {
		t.Fatalf("exit %d:\n%s%s", r.code, r.stdout, r.stderr)
	}
	dry := msgsim(t, nil, "explain", "--dry-run", "-n", "2000", "--repeat", "3", "--assert", "lost==0", "--size", "1k")
	for _, want := range []string{"dry run: nothing ran", "run 3 times", "check lost==0", "carry 1,000 B payloads"} {
		if dry.code != 0 || !strings.Contains(dry.stdout, want) {
			t.Errorf("dry run lacks %q: exit %d\n%s", want, dry.code, dry.stdout)
		}
	}
}
