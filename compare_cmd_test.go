package main

import (
	"errors"
	"os"
	"os/exec"
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
	// The slowdown is the config's, so --any-config; a slower build would
	// not need it.
	r = msgsim(t, nil, "compare", "--any-config", "--max-regression", "20%", old, slow)
	if r.code != 1 || !strings.Contains(r.stdout, "REGRESSED") || !strings.Contains(r.stdout, "p=0.008 n=5") ||
		!strings.Contains(r.stderr, "regressed: run throughput") {
		t.Fatalf("twice the work: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	// The same judgement over gobench files, and as json.
	gOld, gSlow := run("old.bench", "500us", "gobench"), run("slow.bench", "1ms", "gobench")
	r = msgsim(t, nil, "compare", "--any-config", "--format", "json", gOld, gSlow)
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
	run1, run3 := writeJSON(t, filepath.Join(dir, "q1.json"), runBaseline(1, 1)), writeJSON(t, filepath.Join(dir, "q3.json"), runBaseline(3, 2))
	swp := writeJSON(t, filepath.Join(dir, "sweep.json"), sweepBaseline(1))
	other := sweepBaseline(1)
	other["vary"] = []map[string]any{{"param": "consumers", "values": []float64{3, 4}}}
	for i, p := range other["points"].([]map[string]any) {
		p["values"] = []float64{float64(3 + i)}
	}
	otherPoints := writeJSON(t, filepath.Join(dir, "other.json"), other)
	// One point each, or one benchmark each, of another config: no name
	// in common, so nothing is compared, whatever the counts.
	onePoint := func(name string, c float64) string {
		s := sweepBaseline(1)
		s["vary"] = []map[string]any{{"param": "consumers", "values": []float64{c}}}
		s["points"] = s["points"].([]map[string]any)[:1]
		s["points"].([]map[string]any)[0]["values"] = []float64{c}
		return writeJSON(t, filepath.Join(dir, name), s)
	}
	c1, c8 := onePoint("c1.json", 1), onePoint("c8.json", 8)
	bench := func(name, c string) string {
		path := filepath.Join(dir, name)
		line := "BenchmarkMsgsim/p=1/q=1/c=" + c + "/dispatch=fanout/buf=0/batch=1/size=16-2\t2000\t500 ns/op\t1e+06 msgs/s\t1000 p50-ns\t5000 p99-ns\n"
		if err := os.WriteFile(path, []byte("pkg: msgsim\n"+line), 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	}
	b1, b8 := bench("c1.bench", "1"), bench("c8.bench", "8")
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
		// Nothing compared is not a pass, and runs of other configs are not
		// a regression: both are the wrong files.
		{"other configs", []string{"compare", run1, run3}, "were measured with other configs (queues: baseline 1, now 3; consumers: baseline 1, now 2); pass --any-config"},
		{"a run and a sweep", []string{"compare", run1, swp}, `is a run and "` + swp + `" a sweep of consumers`},
		{"no point in common", []string{"compare", swp, otherPoints}, "nothing compared"},
		{"a directory", []string{"compare", run1, dir}, "cannot be read: is a directory"},
		{"one point of other sweeps", []string{"compare", c1, c8}, "nothing compared"},
		{"one benchmark of other configs", []string{"compare", b1, b8}, "nothing compared"},
		{"a json run and a gobench file", []string{"compare", run1, b1}, "nothing compared"},
		{"a gobench file and a json run", []string{"compare", b8, run1}, "nothing compared"},
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

// --any-config compares runs of other configs all the same.
func TestCompareAnyConfig(t *testing.T) {
	dir := t.TempDir()
	run1, run3 := writeJSON(t, filepath.Join(dir, "q1.json"), runBaseline(1, 1)), writeJSON(t, filepath.Join(dir, "q3.json"), runBaseline(3, 2))
	r := msgsim(t, nil, "compare", "--any-config", run1, run3)
	if r.code != 0 || !strings.Contains(r.stdout, "throughput") {
		t.Fatalf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	// So are two gobench files of one benchmark each, whatever the names.
	b1 := filepath.Join(dir, "c1.bench")
	line := "BenchmarkMsgsim/p=1/q=1/c=1/dispatch=fanout/buf=0/batch=1/size=16-2\t2000\t500 ns/op\t1e+06 msgs/s\t1000 p50-ns\t5000 p99-ns\n"
	if err := os.WriteFile(b1, []byte(line), 0o644); err != nil {
		t.Fatal(err)
	}
	b8 := filepath.Join(dir, "c8.bench")
	if err := os.WriteFile(b8, []byte(strings.Replace(line, "c=1", "c=8", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	if r := msgsim(t, nil, "compare", "--any-config", b1, b8); r.code != 0 || !strings.Contains(r.stdout, "c=8") {
		t.Fatalf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}

// A file with no end (a device, a log still growing) is refused after its
// first line rather than read into memory whole. The binary runs with its
// address space limited, so a regression fails here instead of taking the
// machine's memory.
func TestCompareEndlessInput(t *testing.T) {
	if _, err := os.Stat("/dev/zero"); err != nil {
		t.Skip("no /dev/zero")
	}
	run1 := writeJSON(t, filepath.Join(t.TempDir(), "q1.json"), runBaseline(1, 1))
	cmd := exec.Command("sh", "-c", `ulimit -v 4000000 && exec "$@"`, "sh", binary, "compare", run1, "/dev/zero")
	var out, errb strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 2 || out.Len() > 0 || strings.Count(strings.TrimSpace(errb.String()), "\n") > 0 ||
		!strings.Contains(errb.String(), "a line longer than 64 KiB") {
		t.Fatalf("%v, stdout %q, stderr %.500q; want exit 2 and one line", err, out.String(), errb.String())
	}
}
