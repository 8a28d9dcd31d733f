package explain_test

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/msgsim/msgsim/explain"
	"github.com/msgsim/msgsim/sim"
)

var update = flag.Bool("update", false, "rewrite the golden files")

func TestDiagramGolden(t *testing.T) {
	small := sim.DefaultConfig()
	big := sim.DefaultConfig()
	big.Producers, big.Queues, big.Consumers, big.Dispatch, big.Buffer, big.Messages = 8, 1000, 1000, sim.RoundRobin, 16, 10_000
	timed := sim.DefaultConfig()
	timed.Queues, timed.Consumers, timed.Rate, timed.Duration = 1, 2, 2800, 20*time.Second
	timed.Messages = timed.UnlimitedMessages()
	for name, cfg := range map[string]sim.Config{"small": small, "big": big, "timed": timed} {
		got := explain.Diagram(cfg)
		path := filepath.Join("testdata", "diagram-"+name+".txt")
		if *update {
			_ = os.MkdirAll("testdata", 0o755)
			_ = os.WriteFile(path, []byte(got), 0o644)
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (go test ./explain -update creates it)", err)
		}
		if got != string(want) {
			t.Errorf("%s:\n%s", name, got)
		}
		for _, line := range strings.Split(got, "\n") {
			if len([]rune(line)) > 120 {
				t.Errorf("%s: line too wide for a terminal: %q", name, line)
			}
		}
	}
}

func mm(c int, rate float64, work time.Duration) sim.Config {
	cfg := sim.DefaultConfig()
	cfg.Queues, cfg.Consumers, cfg.Rate, cfg.Arrival, cfg.Work, cfg.WorkDist = 1, c, rate, sim.Poisson, work, sim.ExpWork
	return cfg
}

func TestPrediction(t *testing.T) {
	var b bytes.Buffer
	explain.WritePrediction(&b, mm(2, 2800, 500*time.Microsecond))
	for _, want := range []string{"M/M/2", "ρ = 0.70", "P(wait) = 0.576", "Wq = 480µs", "Lq = 1.35"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("missing %q in %s", want, b.String())
		}
	}
	b.Reset()
	explain.WritePrediction(&b, mm(1, 3000, 500*time.Microsecond))
	if !strings.Contains(b.String(), "ρ = 1.50 ≥ 1: WARNING") {
		t.Errorf("no overload warning: %s", b.String())
	}
	b.Reset()
	fixed := mm(1, 1000, 500*time.Microsecond)
	fixed.WorkDist = sim.FixedWork
	explain.WritePrediction(&b, fixed)
	if !strings.Contains(b.String(), "M/D/1") || !strings.Contains(b.String(), "Wq = 250µs") {
		t.Errorf("M/D/1: %s", b.String())
	}
	for _, cfg := range []sim.Config{sim.DefaultConfig(), func() sim.Config { c := mm(1, 1000, time.Millisecond); c.Arrival = sim.Uniform; return c }()} {
		b.Reset()
		explain.WritePrediction(&b, cfg)
		if !strings.HasPrefix(b.String(), "no prediction") {
			t.Errorf("want no prediction, got %s", b.String())
		}
	}
}

// result builds a fixed measured run for the comparison and verdicts.
func result(cfg sim.Config, util, depth float64, wait time.Duration, sendRate float64) sim.Result {
	r := sim.Result{Config: cfg, Elapsed: 10 * time.Second, GOMAXPROCS: 2, SendRate: sendRate, Delivered: 28_000, DepthMeasured: true}
	r.Latency = sim.Latency{Count: 28_000, Mean: wait}
	r.Queues = []sim.QueueResult{{Consumers: cfg.Consumers, Utilisation: util, MeanDepth: depth, Latency: r.Latency,
		MeanService: cfg.Work, Delivered: 28_000}}
	return r
}

func TestComparisonAndLittle(t *testing.T) {
	cfg := mm(2, 2800, 500*time.Microsecond)
	var b bytes.Buffer
	explain.WriteComparison(&b, result(cfg, 0.70, 1.30, 490*time.Microsecond, 2800))
	out := b.String()
	for _, want := range []string{"predicted 480µs, measured 490µs (+2%)", "Little's law: λ × W = 2.80k/s × 490µs = 1.37 waiting, sampled depth 1.30 (holds within 25%)"} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q in:\n%s", want, out)
		}
	}
}

// spin builds a closed-loop run of spinning consumers, q queues of c.
func spin(q, c int, util float64) sim.Result {
	cfg := sim.DefaultConfig()
	cfg.Queues, cfg.Consumers, cfg.Work = q, c, time.Millisecond
	r := result(cfg, util, 0, 100*time.Microsecond, 0)
	r.Queues = nil
	for i := 0; i < q; i++ {
		r.Queues = append(r.Queues, sim.QueueResult{Queue: i, Consumers: c, Utilisation: util, MeanService: cfg.Work})
	}
	return r
}

func TestVerdicts(t *testing.T) {
	tests := []struct {
		name    string
		res     sim.Result
		want    string
		says    []string // phrases the verdict must contain
		notSays []string // claims a sweep of the same config refutes (docs/teaching.md)
	}{
		{"busy consumers", result(mm(2, 3800, 500*time.Microsecond), 0.95, 12, 5*time.Millisecond, 3800), "consumer-bound",
			[]string{"raise throughput up to the offered 3.80k msgs/s"}, nil},
		{"producers behind", result(mm(2, 100_000, 5*time.Microsecond), 0.3, 0, time.Millisecond, 60_000), "producer-bound", nil, nil},
		{"room to spare", result(mm(2, 1000, 500*time.Microsecond), 0.25, 0.1, 50*time.Microsecond, 1000), "keeping up",
			[]string{"more consumers cannot raise it"}, nil},
		// Measured: 1 to 8 consumers with no work move throughput either
		// way from run to run; batching raises it every time.
		{"no work, closed loop", result(sim.DefaultConfig(), 0, 0.5, time.Microsecond, 0), "channel-bound",
			[]string{"no steady direction", "--batch"}, []string{"contention"}},
		// Spin is wall-clock time: 8 spinning consumers on 2 cores deliver
		// about 5× what 1 does, so no verdict may say cores cap them.
		{"spinning past the cores", spin(1, 8, 0.99), "consumer-bound",
			[]string{"even past the cores", "7.9 consumers' worth"}, []string{"only while there are cores", "only adds contention"}},
		{"spinning within the cores", spin(1, 1, 0.99), "consumer-bound",
			[]string{"kept 1.0 of 2 cores busy"}, []string{"only while there are cores"}},
		// Once called CPU-bound ("adding consumers only adds contention"),
		// yet 4 consumers a queue delivered twice what 2 did.
		{"spinning fan-out, consumers waiting", spin(4, 2, 0.76), "producer-bound",
			[]string{"unbuffered fan-out"}, []string{"CPU-bound", "contention"}},
	}
	for _, tt := range tests {
		got := explain.Verdict(tt.res)
		if !strings.HasPrefix(got, tt.want) {
			t.Errorf("%s: %s", tt.name, got)
		}
		for _, s := range tt.says {
			if !strings.Contains(got, s) {
				t.Errorf("%s: lacks %q: %s", tt.name, s, got)
			}
		}
		for _, s := range tt.notSays {
			if strings.Contains(got, s) {
				t.Errorf("%s: says %q: %s", tt.name, s, got)
			}
		}
	}
}

// Without --work consumers time nothing: the report shows utilisation as
// not measured, and no verdict may call them busy 0% of the time.
func TestVerdictNamesNoUnmeasuredUtilisation(t *testing.T) {
	open := sim.DefaultConfig()
	open.Rate, open.Queues = 10_000, 1
	for name, res := range map[string]sim.Result{
		"keeping up":       result(open, 0, 0.06, 5*time.Microsecond, 10_000),
		"producers behind": result(open, 0, 0.06, 5*time.Microsecond, 6_000),
	} {
		if v := explain.Verdict(res); strings.Contains(v, "busy") {
			t.Errorf("%s: %s", name, v)
		}
	}
}
