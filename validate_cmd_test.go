package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Every example validates: one line each on stdout, nothing on stderr.
func TestCLIValidateExamples(t *testing.T) {
	files, _ := filepath.Glob("examples/*.yaml")
	r := msgsim(t, nil, append([]string{"validate"}, files...)...)
	if r.code != 0 || r.stderr != "" {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	lines := strings.Split(strings.TrimSuffix(r.stdout, "\n"), "\n")
	if len(lines) != len(files) {
		t.Fatalf("%d lines for %d files:\n%s", len(lines), len(files), r.stdout)
	}
	for _, want := range []string{
		"examples/ci-smoke.yaml: ok (2 phases, planned length 2s plus burst's 50,000 messages per producer)",
		"examples/ramp-knee.yaml: ok (2 phases, planned length 6s)",
		"examples/tutorial-basic.yaml: ok (1 phase, planned length: broadcast's 20,000 messages per producer)",
	} {
		if !strings.Contains(r.stdout, want+"\n") {
			t.Errorf("no line %q in\n%s", want, r.stdout)
		}
	}
}

// A file with problems: one line per problem on stderr, FILE:LINE:COLUMN
// first, and exit 2; the valid file beside it is still reported ok.
func TestCLIValidateReportsEachProblem(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.yaml")
	body := `topology: {queues: 2}
phases:
  - name: warm
    duraton: 5s
  - name: ramp
    duration: 5s
    arrival: {pattern: ramp, from: 1k}
    faults:
      - {at: 6s, kind: crash, queue: 2, consumer: 0}
`
	json := filepath.Join(dir, "bad.json")
	if err := os.WriteFile(bad, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(json, []byte(`{"phases": [{"name": "a", "duration": -1}]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	r := msgsim(t, nil, "validate", bad, "examples/ci-smoke.yaml", json)
	want := []string{
		bad + `:4:5: unknown key "duraton" in phases[0] (did you mean duration?)`,
		bad + `:7:14: phases[1].arrival: pattern: ramp needs from (the rate at the phase's start) and to (the rate at its end)`,
		bad + `:9:14: phases[1].faults[0].at: 6s is after phase "ramp" ends (it lasts 5s)`,
		bad + `:9:38: phases[1].faults[0].queue: 2 is not a queue of this scenario (want 0..1)`,
		json + `:1:39: phases[0].duration: -1 is negative (want a duration such as 500ms, 5s or 1m30s)`,
	}
	if r.code != 2 || r.stderr != strings.Join(want, "\n")+"\n" {
		t.Fatalf("exit %d, stderr\n%s\nwant\n%s", r.code, r.stderr, strings.Join(want, "\n"))
	}
	if r.stdout != "examples/ci-smoke.yaml: ok (2 phases, planned length 2s plus burst's 50,000 messages per producer)\n" {
		t.Fatalf("stdout %q", r.stdout)
	}
}

func TestCLIValidateUsage(t *testing.T) {
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"validate"}, "msgsim: msgsim validate needs a scenario FILE (e.g. msgsim validate examples/ci-smoke.yaml)\n"},
		{[]string{"validate", "no/such.yaml"}, "no/such.yaml: no such file or directory\n"},
		{[]string{"validate", "examples"}, "examples: is a directory\n"},
		{[]string{"validate", "-q", "3", "examples/ci-smoke.yaml"}, "msgsim: unknown flag -q (it belongs to msgsim; see msgsim --help)\n"},
		{[]string{"validat", "x.yaml"}, "msgsim: unknown command \"validat\" (did you mean validate?); see msgsim --help\n"},
	} {
		r := msgsim(t, nil, tt.args...)
		if r.code != 2 || r.stdout != "" || r.stderr != tt.want {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want %q", tt.args, r.code, r.stdout, r.stderr, tt.want)
		}
	}
}
