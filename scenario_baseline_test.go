package main

// Tests of baselines of msgsim run FILE through the built binary: saved
// from a run of the file, compared by a later one and by msgsim compare,
// and refused for another version of the file, other values over it, or a
// run of flags.

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const tinyScenario = `name: tiny
topology: {producers: 1, queues: 1, consumers: 1}
phases:
  - {name: burst, messages: 50k, arrival: {pattern: closed}}
baseline: base.json
max_regression: 1000%
`

func TestCLIScenarioBaseline(t *testing.T) {
	dir := t.TempDir()
	file, base, second := filepath.Join(dir, "tiny.yaml"), filepath.Join(dir, "base.json"), filepath.Join(dir, "second.json")
	if err := os.WriteFile(file, []byte(tinyScenario), 0o644); err != nil {
		t.Fatal(err)
	}
	expect := func(r result, code int, says string) {
		t.Helper()
		if r.code != code || !strings.Contains(r.stderr, says) {
			t.Fatalf("exit %d, want %d with %q; stderr:\n%s", r.code, code, says, r.stderr)
		}
	}
	run := func(args ...string) result {
		t.Helper()
		return msgsim(t, nil, append([]string{"run", file, "--progress", "never"}, args...)...)
	}
	// The file's baseline does not exist yet: validate says so, as run
	// would refuse it; --baseline "" over the file saves the first.
	expect(msgsim(t, nil, "validate", file), 2, "baseline "+base+": cannot be read")
	expect(run("--baseline", "", "--save-baseline", base), 0, "")
	expect(msgsim(t, nil, "validate", file), 0, "")
	// A dry run says what the run would compare with, flags over the file.
	for _, tt := range []struct {
		args []string
		want string
	}{
		{nil, "baseline: " + base + ", at most 1000% worse\n"},
		{[]string{"--max-regression", "5%"}, "baseline: " + base + ", at most 5% worse\n"},
		{[]string{"--baseline", second, "--baseline-any-config"}, "baseline: " + second + ", at most 1000% worse\n"},
		{[]string{"--baseline", ""}, ""},
	} {
		if tt.args != nil && tt.args[1] == second {
			expect(run("--baseline", "", "--save-baseline", second), 0, "")
		}
		r := run(append(tt.args, "--dry-run")...)
		expect(r, 0, "")
		if tt.want == "" && strings.Contains(r.stdout, "baseline:") || !strings.Contains(r.stdout, tt.want) {
			t.Fatalf("%q: the dry run says\n%s\nwant %q", tt.args, r.stdout, tt.want)
		}
	}

	// The file's baseline, compared with a run of the same file.
	expect(run("--format", "json", "-o", second), 0, "")
	var doc struct {
		ScenarioName   string `json:"scenario_name"`
		ScenarioSHA256 string `json:"scenario_sha256"`
		Baseline       *struct{ File string }
	}
	data, err := os.ReadFile(second)
	if err != nil || json.Unmarshal(data, &doc) != nil {
		t.Fatalf("%v: %s", err, data)
	}
	if doc.Baseline == nil || doc.Baseline.File != base || doc.ScenarioName != "tiny" || len(doc.ScenarioSHA256) != 64 {
		t.Fatalf("no comparison with the file's baseline, or no scenario named: %s", data)
	}
	expect(msgsim(t, nil, "compare", "--max-regression", "1000%", base, second), 0, "")

	// Other values over the file measure something else; the file's
	// values written otherwise are the same values, and no override.
	expect(run("-c", "2"), 2, "scenario overrides: baseline none, now --consumers 2")
	// (A limit no load reaches: what is tested is that they compare.)
	for _, same := range [][]string{{"-c", "01"}, {"--dispatch", "FANOUT"}, {"-b", "0k"}, {"--size", "0.016k"}} {
		r := run(append(same, "--max-regression", "1000000%")...)
		expect(r, 0, "")
		if strings.Contains(r.stdout, " (file: "+map[string]string{"-c": "1", "--dispatch": "fanout", "-b": "0", "--size": "16"}[same[0]]+")") {
			t.Fatalf("%v: the file's own value reported as an override:\n%s", same, r.stdout)
		}
	}
	c2 := filepath.Join(dir, "c2.json")
	expect(run("-c", "02", "--baseline", "", "--save-baseline", c2), 0, "")
	expect(run("-c", "2", "--baseline", c2, "--max-regression", "1000000%"), 0, "")
	// A run of flags is no run of the scenario, nor the reverse.
	expect(msgsim(t, nil, "-n", "50k", "-q", "1", "-c", "1", "--progress", "never", "--baseline", base), 2,
		"scenario: baseline tiny@"+doc.ScenarioSHA256[:8]+", now none (not a scenario run)")
	flags := filepath.Join(dir, "flags.json")
	expect(msgsim(t, nil, "-n", "50k", "-q", "1", "-c", "1", "--progress", "never", "--save-baseline", flags), 0, "")
	expect(run("--baseline", flags), 2, "scenario: baseline none (not a scenario run), now tiny@")
	expect(msgsim(t, nil, "compare", base, flags), 2, "now none (not a scenario run)")

	// Another version of the file is another scenario: refused before
	// the run, by run, compare and validate alike.
	if err := os.WriteFile(file, []byte(strings.Replace(tinyScenario, "50k", "60k", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	changed := "scenario: baseline tiny@" + doc.ScenarioSHA256[:8] + ", now tiny@"
	expect(run(), 2, changed)
	expect(msgsim(t, nil, "validate", file), 2, "(the file changed)")
	edited := filepath.Join(dir, "edited.json")
	expect(run("--baseline", "", "--format", "json", "-o", edited), 0, "")
	expect(msgsim(t, nil, "compare", base, edited), 2, "(the file changed)")
}

// A scenario run's gobench lines name the scenario and the version of its
// file, as its json does: msgsim compare (and benchstat) never sets them
// beside a run of flags of the same topology, nor another scenario's.
func TestCLIScenarioGoBenchNamesTheScenario(t *testing.T) {
	dir := t.TempDir()
	file, other := filepath.Join(dir, "tiny.yaml"), filepath.Join(dir, "other.yaml")
	plain := strings.Replace(tinyScenario, "baseline: base.json\nmax_regression: 1000%\n", "", 1)
	if err := os.WriteFile(file, []byte(plain), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(other, []byte(strings.Replace(plain, "50k", "60k", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	bench := func(name string, args ...string) string {
		t.Helper()
		path := filepath.Join(dir, name)
		r := msgsim(t, nil, append(args, "--progress", "never", "--format", "gobench", "-o", path)...)
		if r.code != 0 {
			t.Fatalf("%s: exit %d: %s", name, r.code, r.stderr)
		}
		return path
	}
	scen := bench("tiny.bench", "run", file)
	data, err := os.ReadFile(scen)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), "/scenario=tiny@") {
		t.Fatalf("the gobench lines do not name the scenario:\n%s", data)
	}
	for _, tt := range []struct{ name, path string }{
		{"a run of flags", bench("flags.bench", "-n", "50k", "-p", "1", "-q", "1", "-c", "1", "--dispatch", "fanout")},
		{"another version of the file", bench("other.bench", "run", other)},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := msgsim(t, nil, "compare", "--max-regression", "1000%", scen, tt.path)
			if r.code != 2 || !strings.Contains(r.stderr, "nothing compared") {
				t.Fatalf("exit %d, want 2 (nothing compared)\n%s%s", r.code, r.stdout, r.stderr)
			}
		})
	}
}

// validate refuses a file's baseline that msgsim run FILE, given no flags,
// would refuse: one measured with flags a file cannot set (--procs,
// --warmup) is of another config, whatever the file's digest says.
func TestCLIValidateBaselineOfOtherFlags(t *testing.T) {
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"--procs", "1"}, "procs: baseline 1, now 0"},
		{[]string{"--warmup", "1ms"}, "warmup: baseline 1ms, now 0s"},
	} {
		t.Run(tt.args[0], func(t *testing.T) {
			dir := t.TempDir()
			file, base := filepath.Join(dir, "tiny.yaml"), filepath.Join(dir, "base.json")
			if err := os.WriteFile(file, []byte(tinyScenario), 0o644); err != nil {
				t.Fatal(err)
			}
			save := append([]string{"run", file, "--progress", "never", "--baseline", "", "--save-baseline", base}, tt.args...)
			if r := msgsim(t, nil, save...); r.code != 0 {
				t.Fatalf("saving: exit %d: %s", r.code, r.stderr)
			}
			run := msgsim(t, nil, "run", file, "--progress", "never")
			val := msgsim(t, nil, "validate", file)
			for _, r := range []result{run, val} {
				if r.code != 2 || !strings.Contains(r.stderr, tt.want) {
					t.Fatalf("run: exit %d, %q; validate: exit %d, %q; want both 2 with %q", run.code, run.stderr, val.code, val.stderr, tt.want)
				}
			}
		})
	}
}
