package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestCLISweep(t *testing.T) {
	bad := []struct {
		args []string
		want string
	}{
		{[]string{"sweep"}, "--vary: give one (a line) or two (a grid)"},
		{[]string{"sweep", "--vary", "cores=1,2"}, `--vary: "cores=1,2": cannot vary "cores"`},
		{[]string{"sweep", "--vary", "consumers=8..1"}, "the range goes down"},
		{[]string{"sweep", "--vary", "consumers=1,2", "--vary", "consumers=4"}, "consumers is varied twice"},
		{[]string{"sweep", "--vary", "consumers=1,2", "--vary", "queues=1", "--vary", "buffer=0"}, "give one (a line) or two"},
		{[]string{"sweep", "--vary", "consumers=1,20000000"}, "point consumers=20,000,000"},
		{[]string{"sweep", "--vary", "consumers=1,2", "--plot", "out.jpg"}, `--plot: "out.jpg": want a .png or .svg file`},
	}
	for _, tt := range bad {
		r := msgsim(t, nil, tt.args...)
		if r.code != 2 || r.stdout != "" || !strings.Contains(r.stderr, tt.want) || strings.Count(r.stderr, "\n") != 1 {
			t.Errorf("%v: exit %d, stderr %q, want %q", tt.args, r.code, r.stderr, tt.want)
		}
	}
	png := filepath.Join(t.TempDir(), "s.png")
	r := msgsim(t, nil, "sweep", "--vary", "consumers=1..4x2", "-q", "1", "-n", "2000", "--repeat", "2", "--format", "json", "--plot", png)
	var doc struct {
		Kind   string
		Vary   []struct{ Param string }
		Points []struct {
			Values     []float64
			Throughput float64 `json:"throughput_msgs_per_s"`
			Speedup    float64
			Runs       []json.RawMessage
		}
	}
	if r.code != 0 || json.Unmarshal([]byte(r.stdout), &doc) != nil {
		t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
	}
	if doc.Kind != "sweep" || len(doc.Points) != 3 || doc.Points[2].Values[0] != 4 || len(doc.Points[1].Runs) != 2 || doc.Points[0].Speedup != 1 {
		t.Fatalf("%+v", doc)
	}
	if st, err := os.Stat(png); err != nil || st.Size() < 1000 {
		t.Fatalf("plot: %v", err)
	}
	table := msgsim(t, nil, "sweep", "--vary", "queues=1,2", "-n", "1000", "--repeat", "1")
	if table.code != 0 || !strings.Contains(table.stdout, "efficiency") || !strings.Contains(table.stdout, "throughput (msgs/s) by queues") {
		t.Fatalf("exit %d:\n%s", table.code, table.stdout)
	}
}

// Every point is judged like a run: an assertion that fails anywhere
// fails the sweep (exit 1), and the table marks the failing points.
func TestCLISweepAssertsAtEveryPoint(t *testing.T) {
	r := msgsim(t, nil, "sweep", "--vary", "queues=1,2", "-n", "1k", "-c", "1", "--repeat", "1", "--assert", "delivered==1000")
	if r.code != 1 || !strings.Contains(r.stderr, "queues=2: 1 of 1 assertions failed: delivered==1000 (actual 2,000)") || strings.Contains(r.stderr, "queues=1:") {
		t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
	}
	if !strings.Contains(r.stdout, "FAIL") || strings.Count(r.stdout, "FAIL") != 1 {
		t.Fatalf("the table must mark the one failing point:\n%s", r.stdout)
	}
	// The reproduction: an assertion no point can meet.
	r = msgsim(t, nil, "sweep", "--vary", "consumers=1,2", "-n", "1k", "-q", "1", "--assert", "p99<=1ns")
	if r.code != 1 || strings.Count(r.stdout, "FAIL") != 2 {
		t.Fatalf("exit %d:\n%s%s", r.code, r.stdout, r.stderr)
	}
}

// --repeat, --trace, --seed, profiles and baselines all work in a sweep.
func TestCLISweepTakesEveryRunFlag(t *testing.T) {
	dir := t.TempDir()
	cpu, saved := filepath.Join(dir, "cpu.out"), filepath.Join(dir, "sweep.json")
	r := msgsim(t, nil, "sweep", "--vary", "consumers=1..4x1.5", "-n", "1k", "-q", "1", "--repeat", "2", "--seed", "77",
		"--trace", "1", "--cpuprofile", cpu, "--save-baseline", saved, "--format", "json")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	var doc struct {
		Points []struct {
			Values []float64
			Config struct {
				Consumers int
				Seed      uint64
			}
			Runs []json.RawMessage
			OK   bool
		}
	}
	if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Points) != 3 {
		t.Fatalf("1..4x1.5 must run 1, 2 and 3 consumers once each, got %d points", len(doc.Points))
	}
	for i, p := range doc.Points {
		if p.Values[0] != float64(i+1) || p.Config.Consumers != i+1 || p.Config.Seed != 77 || len(p.Runs) != 2 || !p.OK {
			t.Fatalf("point %d: %+v", i, p)
		}
	}
	for _, point := range []string{"consumers=1: queue 0 consumer 0: received message 0", "consumers=2: queue 0", "consumers=3: queue 0"} {
		if !strings.Contains(r.stderr, point) {
			t.Errorf("no trace line %q in %q", point, r.stderr)
		}
	}
	if st, err := os.Stat(cpu); err != nil || st.Size() == 0 {
		t.Fatalf("--cpuprofile: %v", err)
	}
	// The saved sweep is a baseline for the same sweep: generous enough that
	// noise cannot fail it, strict enough that an unbeatable one does.
	again := msgsim(t, nil, "sweep", "--vary", "consumers=1..4x1.5", "-n", "1k", "-q", "1", "--repeat", "2", "--baseline", saved, "--max-regression", "1000000000%")
	if again.code != 0 || !strings.Contains(again.stdout, "ok") {
		t.Fatalf("exit %d: %s", again.code, again.stderr)
	}
	b, err := os.ReadFile(saved)
	if err != nil {
		t.Fatal(err)
	}
	unbeatable := filepath.Join(dir, "unbeatable.json")
	if err := os.WriteFile(unbeatable, []byte(strings.ReplaceAll(string(b), `"throughput_msgs_per_s": `, `"throughput_msgs_per_s": 1e15, "x": `)), 0o644); err != nil {
		t.Fatal(err)
	}
	slow := msgsim(t, nil, "sweep", "--vary", "consumers=1..4x1.5", "-n", "1k", "-q", "1", "--repeat", "1", "--baseline", unbeatable)
	if slow.code != 1 || !strings.Contains(slow.stderr, "consumers=1: regression against") {
		t.Fatalf("exit %d: %s", slow.code, slow.stderr)
	}
	run := msgsim(t, nil, "-n", "1k", "-q", "1", "--baseline", saved)
	if run.code != 2 || !strings.Contains(run.stderr, "is the report of a sweep; a run compares with a saved run") {
		t.Fatalf("a run given a sweep's baseline: exit %d, %s", run.code, run.stderr)
	}
}

func TestCLISweepRefusesWhatARunRefuses(t *testing.T) {
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"--vary", "batch=0,1"}, "point batch=0: --batch: 0 is out of range"},
		{[]string{"--vary", "rate=10,1e-300"}, "--rate: 1e-300 is out of range"},
		{[]string{"--vary", "consumers=1,2", "-c", "4"}, "--consumers: msgsim sweep varies consumers (--vary), so the flag would have no effect"},
		{[]string{"--vary", "consumers=1,1"}, "1 is given twice"},
	} {
		r := msgsim(t, nil, append([]string{"sweep", "-n", "1k"}, tt.args...)...)
		if r.code != 2 || r.stdout != "" || !strings.Contains(r.stderr, tt.want) {
			t.Errorf("%v: exit %d, stderr %q, want %q", tt.args, r.code, r.stderr, tt.want)
		}
	}
}
