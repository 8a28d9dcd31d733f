package main

// Tests of msgsim run FILE through the built binary: a scenario's phases,
// its overrides, its crash, and what it refuses.

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

type scenarioReport struct {
	OK, Passed bool
	Lost       int64
	CrashLost  int64  `json:"crash_lost"`
	EndedBy    string `json:"ended_by"`
	Overrides  []string
	Scenario   string
	Phases     []struct {
		Name                  string
		Sent, Delivered, Lost int64
	}
	Crashes []struct{ Queue, Consumer int }
}

func runScenario(t *testing.T, args ...string) (result, scenarioReport) {
	t.Helper()
	r := msgsim(t, nil, append([]string{"run", "--format", "json", "--progress", "never"}, args...)...)
	var doc scenarioReport
	if r.code != 2 {
		if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil {
			t.Fatalf("exit %d, no json report (%v); stderr:\n%s", r.code, err, r.stderr)
		}
	}
	return r, doc
}

// The CI smoke scenario runs its phases: an exact count, then a timed
// open-loop phase, each judged by its own assertions; a flag over the
// file is named in the report.
func TestCLIRunScenario(t *testing.T) {
	r, doc := runScenario(t, "examples/ci-smoke.yaml", "--seed", "5")
	if r.code != 0 || !doc.OK || !doc.Passed || doc.EndedBy != "scenario" {
		t.Fatalf("exit %d, ok %v, passed %v, ended by %q; stderr %s", r.code, doc.OK, doc.Passed, doc.EndedBy, r.stderr)
	}
	if len(doc.Phases) != 2 || doc.Phases[0].Name != "burst" || doc.Phases[1].Name != "steady" {
		t.Fatalf("phases %+v", doc.Phases)
	}
	// 50k messages per producer, two producers, round-robin: one delivery each.
	if b := doc.Phases[0]; b.Sent != 100_000 || b.Delivered != 100_000 {
		t.Fatalf("burst sent %d, delivered %d; want exactly 100,000", b.Sent, b.Delivered)
	}
	// 2s at 2k msgs/s: about 4,000, counted with a wide margin.
	if s := doc.Phases[1]; s.Sent < 3000 || s.Sent > 5000 || s.Delivered != s.Sent {
		t.Fatalf("steady sent %d, delivered %d; want about 4,000", s.Sent, s.Delivered)
	}
	if len(doc.Overrides) != 1 || doc.Overrides[0] != "--seed 5 (file: 42)" || doc.Scenario != "examples/ci-smoke.yaml" {
		t.Fatalf("scenario %q, overrides %q", doc.Scenario, doc.Overrides)
	}
}

// A crash loses what the crashed consumer held, the report names it, and
// the check fails: a loss is a loss, whoever caused it.
func TestCLIRunConsumerCrash(t *testing.T) {
	r, doc := runScenario(t, "examples/consumer-crash.yaml")
	if r.code != 1 || doc.OK {
		t.Fatalf("exit %d, ok %v: a crash's loss must fail the check", r.code, doc.OK)
	}
	if len(doc.Crashes) != 1 || doc.Crashes[0].Consumer != 2 || doc.Lost != 1 || doc.CrashLost != 1 {
		t.Fatalf("crashes %+v, lost %d (by crashes %d)", doc.Crashes, doc.Lost, doc.CrashLost)
	}
	var phaseLost int64
	for _, p := range doc.Phases {
		phaseLost += p.Lost
	}
	if phaseLost != 1 || len(doc.Phases) != 3 {
		t.Fatalf("phases %+v", doc.Phases)
	}
	if !strings.Contains(r.stderr, "held by consumers the scenario crashed") {
		t.Fatalf("stderr does not say why: %q", r.stderr)
	}
}

func TestCLIRunRefusals(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(bad, []byte("name: x\ntopology: {queues: 1}\nphases:\n  - name: a\n    duraton: 1s\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	// The file is read, never written: a report in its place would lose it.
	good := filepath.Join(dir, "good.yaml")
	if err := os.WriteFile(good, []byte(tinyScenario), 0o644); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link.yaml")
	if err := os.Symlink(good, link); err != nil {
		t.Fatal(err)
	}
	defer func() {
		if data, err := os.ReadFile(good); err != nil || string(data) != tinyScenario {
			t.Errorf("the scenario file was written over: %v\n%s", err, data)
		}
	}()
	for _, tt := range []struct {
		name string
		args []string
		want string
	}{
		{"the file as the baseline to save", []string{good, "--baseline", "", "--save-baseline", good}, `--save-baseline: "` + good + `" is the scenario file`},
		{"the file as the report", []string{good, "--baseline", "", "-o", link}, `--output: "` + link + `" is the scenario file`},
		{"the file as a histogram", []string{link, "--baseline", "", "--hgrm", good}, `--hgrm: "` + good + `" is the scenario file`},
		{"a flag the phases own", []string{"examples/ci-smoke.yaml", "--rate", "1k"}, "--rate: msgsim run takes it from the scenario's phases"},
		{"no file", nil, "msgsim run needs one scenario FILE"},
		{"two files", []string{"examples/ci-smoke.yaml", "examples/ramp-knee.yaml"}, "msgsim run needs one scenario FILE"},
		{"a phase that is not there", []string{"examples/ci-smoke.yaml", "--assert", "warm.p99<=1s"}, `phase "warm" does not exist (this run has burst, steady)`},
		{"a broken file", []string{bad}, "bad.yaml:5:5: unknown key"},
		{"an empty baseline over a file with none", []string{"examples/ci-smoke.yaml", "--baseline", ""}, `--baseline: "" sets aside a scenario file's baseline key, and examples/ci-smoke.yaml has none`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := msgsim(t, nil, append([]string{"run"}, tt.args...)...)
			if r.code != 2 || r.stdout != "" || !strings.Contains(r.stderr, tt.want) {
				t.Fatalf("exit %d, stdout %q, stderr %q; want exit 2 saying %q", r.code, r.stdout, r.stderr, tt.want)
			}
		})
	}
}

// --dry-run prints the timeline and runs nothing, with the file before or
// after the flags.
func TestCLIRunDryRun(t *testing.T) {
	for _, args := range [][]string{{"run", "examples/ramp-knee.yaml", "--dry-run"}, {"run", "--dry-run", "-q", "2", "examples/ramp-knee.yaml"}} {
		r := msgsim(t, nil, args...)
		if r.code != 0 || !strings.Contains(r.stdout, "ramp") || !strings.Contains(r.stdout, "would run 1 time(s)") {
			t.Fatalf("%q: exit %d, stdout %q, stderr %q", args, r.code, r.stdout, r.stderr)
		}
		if strings.Contains(r.stdout, "summary") {
			t.Fatalf("%q ran: %s", args, r.stdout)
		}
	}
}

// A payload distribution sizes each message: the bytes counted average
// the distribution's mean.
func TestCLIRunPayloadSizes(t *testing.T) {
	for _, tt := range []struct {
		payload string
		mean    float64
	}{
		{"{dist: histogram, histogram: [{size: 100, weight: 1}, {size: 300, weight: 1}]}", 200},
		{"{dist: uniform, min: 1000, max: 3000}", 2000},
		{"{dist: lognormal, size: 512, stddev: 256}", 512},
		{"{dist: normal, size: 4000, stddev: 500}", 4000},
	} {
		file := filepath.Join(t.TempDir(), "p.yaml")
		body := "name: p\nseed: 3\ntopology: {queues: 2, consumers: 1}\npayload: " + tt.payload + "\nphases:\n  - {name: all, messages: 20k}\n"
		if err := os.WriteFile(file, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		r := msgsim(t, nil, "run", file, "--format", "json", "--progress", "never")
		var doc struct{ Bytes, Delivered int64 }
		if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil || r.code != 0 {
			t.Fatalf("%s: exit %d (%v), stderr %s", tt.payload, r.code, err, r.stderr)
		}
		if got := float64(doc.Bytes) / float64(doc.Delivered); got < 0.95*tt.mean || got > 1.05*tt.mean {
			t.Errorf("%s: %.1f bytes a delivery, want about %.0f", tt.payload, got, tt.mean)
		}
		if float64(doc.Bytes) == tt.mean*float64(doc.Delivered) {
			t.Errorf("%s: every message counted the mean: the sizes were not drawn", tt.payload)
		}
	}
}

// Flags over the file reach the timeline: -p 4 makes a phase of N
// messages per producer 4N in all; a warm-up leaves latency, not counts,
// out of the phases, which still add up to the run.
func TestCLIRunOverridesReachThePhases(t *testing.T) {
	r, doc := runScenario(t, "examples/tutorial-basic.yaml", "-p", "4", "--warmup", "1ms")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	var sent, delivered int64
	for _, p := range doc.Phases {
		sent, delivered = sent+p.Sent, delivered+p.Delivered
	}
	var full struct{ Produced, Sent, Delivered int64 }
	if err := json.Unmarshal([]byte(r.stdout), &full); err != nil {
		t.Fatal(err)
	}
	if full.Produced != 4*20_000 || sent != full.Sent || delivered != full.Delivered {
		t.Fatalf("produced %d (want 80,000); phases sent %d, delivered %d; the run %d, %d", full.Produced, sent, delivered, full.Sent, full.Delivered)
	}
	if len(doc.Overrides) != 1 || doc.Overrides[0] != "--producers 4 (file: 1)" {
		t.Fatalf("overrides %q", doc.Overrides)
	}
}

// The command line's topology over the file's is checked against the
// file before the run, as validate checks the file's own: a consumer
// count that leaves a counted phase no consumer, or a fault a consumer
// that no longer exists, is refused with the file's line and the flag;
// -p reaches the planned lengths.
func TestCLIRunTopologyOverridesAreChecked(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	}
	crash := write("crash.yaml", "topology: {queues: 1, consumers: 2, buffer: 100}\nphases:\n  - name: a\n    messages: 200\n    faults: [{at: 0, kind: crash, queue: 0, consumer: 0}]\n")
	pause := write("pause.yaml", "topology: {queues: 1, consumers: 2}\nphases:\n  - name: a\n    duration: 300ms\n    arrival: {pattern: constant, rate: 1k}\n    faults: [{at: 100ms, kind: pause, queue: 0, consumer: 1, for: 100ms}]\n")
	queue := write("queue.yaml", "topology: {queues: 2, consumers: 1}\nphases:\n  - name: a\n    duration: 300ms\n    arrival: {pattern: constant, rate: 1k}\n    faults: [{at: 100ms, kind: pause, queue: 1, consumer: 0}]\n")
	slow := write("slow.yaml", "topology: {queues: 1, consumers: 1}\nphases:\n  - {name: a, messages: 3, arrival: {pattern: constant, rate: 1}}\n")
	for _, tt := range []struct {
		name string
		args []string
		code int
		want string // in stderr, or for exit 0 in stdout
	}{
		{"no consumer left for a count", []string{crash, "-c", "1"}, 2,
			crash + `:4:15: phases[0].messages: phase "a" ends when its 200 messages per producer are sent, but queue 0 has no consumer to take them (consumer 0 crashed in phase "a" (phases[0].faults[0])): the run would never end; give the pause a for: or a resume, add consumers, or give the phase a duration; with --consumers 1 (file: 2)` + "\n"},
		{"a fault on a consumer -c removed", []string{pause, "-c", "1"}, 2,
			pause + `:6:59: phases[0].faults[0].consumer: 1 is not a consumer of queue 0 in phase "a" (it has 0..0, set by --consumers); with --consumers 1 (file: 2)` + "\n"},
		{"a fault on a queue -q removed", []string{queue, "-q", "1"}, 2,
			queue + `:6:46: phases[0].faults[0].queue: 1 is not a queue of this scenario (want 0, the only queue); with --queues 1 (file: 2)` + "\n"},
		{"-p reaches the planned length", []string{slow, "-p", "2"}, 0, "planned length 6s"},
		{"--dispatch is the run's in the plan", []string{"examples/ci-smoke.yaml", "--dispatch", "fanout"}, 0, "2 × 2 × 2 fanout, 2 phases"},
		{"a closed-loop count has no known length", []string{"examples/tutorial-basic.yaml"}, 0, "1 × 3 × 2 fanout, 1 phase, as long as the consumers take"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := msgsim(t, nil, append([]string{"run", "--dry-run"}, tt.args...)...)
			out := r.stderr
			if tt.code == 0 {
				out = r.stdout
			}
			if r.code != tt.code || tt.code != 0 && r.stdout != "" || !strings.Contains(out, tt.want) {
				t.Fatalf("exit %d, stdout %q, stderr %q; want exit %d with %q", r.code, r.stdout, r.stderr, tt.code, tt.want)
			}
		})
	}
}

// --size over a file's payload distribution sizes every message, as the
// report's override says, rather than being named and left unused.
func TestCLIRunSizeOverridesAPayloadDistribution(t *testing.T) {
	file := filepath.Join(t.TempDir(), "p.yaml")
	body := "seed: 3\ntopology: {queues: 1, consumers: 1}\npayload: {dist: uniform, min: 100, max: 300}\nphases:\n  - {name: all, messages: 1k}\n"
	if err := os.WriteFile(file, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	r := msgsim(t, nil, "run", file, "--size", "10k", "--format", "json", "--progress", "never")
	var doc struct {
		Bytes, Delivered int64
		Overrides        []string
	}
	if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil || r.code != 0 {
		t.Fatalf("exit %d (%v), stderr %s", r.code, err, r.stderr)
	}
	if doc.Delivered == 0 || doc.Bytes != 10_000*doc.Delivered {
		t.Fatalf("%d bytes in %d deliveries; want 10,000 each", doc.Bytes, doc.Delivered)
	}
	if len(doc.Overrides) != 1 || doc.Overrides[0] != "--size 10k (file: 200)" {
		t.Fatalf("overrides %q", doc.Overrides)
	}
}

// --dispatch over a file's key dispatch leaves the file's keys out: they
// belong to the file's dispatch, and the user gave no --keys to refuse.
func TestCLIRunDispatchOverridesTheFilesKeys(t *testing.T) {
	file := filepath.Join(t.TempDir(), "k.yaml")
	if err := os.WriteFile(file, []byte("topology: {queues: 2, consumers: 1, dispatch: key, keys: 10}\nphases:\n  - {name: a, messages: 100}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	r, doc := runScenario(t, file, "--dispatch", "fanout")
	if r.code != 0 || len(doc.Overrides) != 1 || doc.Overrides[0] != "--dispatch fanout (file: key)" {
		t.Fatalf("exit %d, overrides %q, stderr %q", r.code, doc.Overrides, r.stderr)
	}
}
