package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// compare on two sets of repeats of one config calls the difference
// noise; on a config whose consumers work twice as long per message it
// finds a significant regression and exits 1. Consumers sleep their work,
// so the machine's load hardly moves the figures.
func TestCompareNoiseAndASlowdown(t *testing.T) {
	dir := t.TempDir()
	run := func(name, work string, format string) string {
		t.Helper()
		path := filepath.Join(dir, name)
		r := msgsim(t, nil, "-n", "300", "-q", "1", "-c", "1", "-b", "1k", "--work", work, "--work-kind", "sleep",
			"--repeat", "5", "--format", format, "-o", path, "--progress", "never")
		if r.code != 0 {
			t.Fatalf("%s: exit %d: %s", name, r.code, r.stderr)
		}
		return path
	}
	old, again, slow := run("old.json", "500us", "json"), run("again.json", "500us", "json"), run("slow.json", "1ms", "json")
	// Noise: nothing regressed (20% allowed, as the two sets ran minutes
	// apart on a shared machine; the judgement is the U-test's).
	r := msgsim(t, nil, "compare", "--max-regression", "20%", old, again)
	if r.code != 0 || strings.Contains(r.stdout, "REGRESSED") || !strings.Contains(r.stdout, "n=5") {
		t.Fatalf("identical configs: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	r = msgsim(t, nil, "compare", "--max-regression", "20%", old, slow)
	if r.code != 1 || !strings.Contains(r.stdout, "REGRESSED") || !strings.Contains(r.stdout, "p=0.008 n=5") ||
		!strings.Contains(r.stderr, "regressed: run throughput") {
		t.Fatalf("twice the work: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	// The same judgement over gobench files, and as json.
	gOld, gSlow := run("old.bench", "500us", "gobench"), run("slow.bench", "1ms", "gobench")
	r = msgsim(t, nil, "compare", "--format", "json", gOld, gSlow)
	if r.code != 1 || !strings.Contains(r.stdout, `"regressed": true`) || !strings.Contains(r.stdout, `"significant": true`) {
		t.Fatalf("gobench files: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}

// Bad input is one line naming what is wrong, exit 2, nothing on stdout.
func TestCompareRefusesBadInput(t *testing.T) {
	dir := t.TempDir()
	notReport := filepath.Join(dir, "notes.txt")
	if err := os.WriteFile(notReport, []byte("hello\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"one file", []string{"compare", notReport}, "needs an OLD report and at least one NEW"},
		{"missing file", []string{"compare", filepath.Join(dir, "nope.json"), notReport}, "cannot be read"},
		{"not a report", []string{"compare", notReport, notReport}, "neither a msgsim json report nor a gobench file"},
		{"flag after the files", []string{"compare", notReport, notReport, "--max-regression", "5%"}, "takes its flags before the files"},
		{"bad limit", []string{"compare", "--max-regression", "lots", notReport, notReport}, "--max-regression"},
		{"bad format", []string{"compare", "--format", "csv", notReport, notReport}, "is not a format of msgsim compare"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := msgsim(t, nil, tt.args...)
			if r.code != 2 || r.stdout != "" || !strings.Contains(r.stderr, tt.want) || strings.Count(strings.TrimSpace(r.stderr), "\n") > 0 {
				t.Fatalf("exit %d, stdout %q, stderr %q; want 2 and one line with %q", r.code, r.stdout, r.stderr, tt.want)
			}
		})
	}
}
