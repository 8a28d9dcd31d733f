package scenario_test

import (
	"math"
	"reflect"
	"testing"
	"time"

	"github.com/msgsim/msgsim/scenario"
	"github.com/msgsim/msgsim/sim"
)

const full = `
name: full
description: every key there is
topology: {producers: 2, queues: 3, consumers: 2, dispatch: key, keys: 100, buffer: 1k, batch: 1}
payload: {dist: lognormal, size: 512, stddev: 200, min: 64, max: 4k}
seed: 42
x-work: &work {mean: 200us, dist: exp, kind: sleep}
phases:
  - name: warm
    duration: 2s
    arrival: {pattern: ramp, from: 1k, to: 10k, process: poisson}
    work: *work
    consumers: [{queue: 0, count: 4}]
    faults:
      - {at: 1500ms, kind: slow, queue: 0, consumer: 3, factor: 2.5, for: 200ms}
      - {at: 1s, kind: crash, queue: 1, consumer: 1}
    assert: ["p99<=5ms"]
  - name: steps
    start: 2s
    duration: 3s
    arrival:
      pattern: steps
      steps: [{at: 0, rate: 2k}, {at: 1s, rate: 4k}]
    consumers: 3
  - name: spike
    messages: 10k
    arrival: {pattern: spike, rate: 1000/s, spike: {at: 1s, for: 500ms, rate: 5k}}
    work: {mean: 0}
    faults:
      - {at: 0s, kind: pause, queue: 2, consumer: 2}
      - {at: 2s, kind: resume, queue: 2, consumer: 2}
  - name: drain
    messages: 1_000
    arrival: {pattern: closed}
  - name: tail
    duration: 1s
    arrival: {pattern: constant, rate: 2.5e3}
assert: p50<=1ms,lost==0
baseline: base.json
max_regression: 5%
`

func TestParseReadsEveryKey(t *testing.T) {
	s, err := scenario.Parse("full.yaml", []byte(full))
	if err != nil {
		t.Fatal(err)
	}
	work := scenario.Work{Mean: 200 * time.Microsecond, Dist: "exp", Kind: "sleep"}
	want := &scenario.Scenario{
		Name: "full", Description: "every key there is",
		Producers: 2, Queues: 3, Consumers: 2, Dispatch: "key", Keys: 100, Buffer: 1000, Batch: 1,
		Payload: scenario.Payload{Dist: "lognormal", Size: 512, Stddev: 200, Min: 64, Max: 4000},
		Seed:    42, Transport: "chan",
		Phases: []scenario.Phase{
			{Name: "warm", Duration: 2 * time.Second, Planned: 2 * time.Second,
				Arrival:   scenario.Arrival{Pattern: "ramp", Process: "poisson", From: 1000, To: 10000},
				Work:      work,
				Consumers: []scenario.ConsumerCount{{Queue: 0, Count: 4}},
				// In time order, whatever the file's order.
				Faults: []scenario.Fault{{At: time.Second, Kind: "crash", Queue: 1, Consumer: 1},
					{At: 1500 * time.Millisecond, Kind: "slow", Queue: 0, Consumer: 3, Factor: 2.5, For: 200 * time.Millisecond}},
				Assert: []string{"p99<=5ms"}},
			{Name: "steps", Start: 2 * time.Second, Duration: 3 * time.Second, Planned: 3 * time.Second,
				Arrival:   scenario.Arrival{Pattern: "steps", Process: "uniform", Steps: []scenario.Step{{0, 2000}, {time.Second, 4000}}},
				Work:      work,
				Consumers: []scenario.ConsumerCount{{Queue: -1, Count: 3}}},
			// 20,000 messages: 1 s at 1k, 0.5 s at 5k (2,500), 16,500 at 1k.
			{Name: "spike", Start: 5 * time.Second, Messages: 10000, Planned: 18 * time.Second,
				Arrival: scenario.Arrival{Pattern: "spike", Process: "uniform", Rate: 1000,
					SpikeAt: time.Second, SpikeFor: 500 * time.Millisecond, SpikeRate: 5000},
				Faults: []scenario.Fault{{At: 0, Kind: "pause", Queue: 2, Consumer: 2}, {At: 2 * time.Second, Kind: "resume", Queue: 2, Consumer: 2}}},
			{Name: "drain", Start: 23 * time.Second, Messages: 1000, Arrival: scenario.Arrival{Pattern: "closed"}},
			{Name: "tail", Start: 23 * time.Second, StartAtLeast: true, Duration: time.Second, Planned: time.Second,
				Arrival: scenario.Arrival{Pattern: "constant", Process: "uniform", Rate: 2500}},
		},
		Assert:   []string{"p50<=1ms,lost==0"},
		Baseline: "base.json", MaxRegression: "5%",
	}
	if !reflect.DeepEqual(s, want) {
		t.Errorf("got\n%+v\nwant\n%+v", s, want)
	}
	if l, exact := s.Length(); l != 24*time.Second || exact {
		t.Errorf("length %s exact %v; want 24s, a lower bound", l, exact)
	}
}

// JSON is YAML to the parser: the same file in JSON is the same scenario.
func TestParseReadsJSON(t *testing.T) {
	yaml := "name: j\ntopology: {queues: 1}\nphases:\n  - {name: a, duration: 2s, arrival: {pattern: constant, rate: 1k}, assert: [lost==0]}\n"
	json := `{"$schema": "../scenario/schema.json", "name": "j", "topology": {"queues": 1},
	  "phases": [{"name": "a", "duration": "2s", "arrival": {"pattern": "constant", "rate": 1000}, "assert": ["lost==0"]}]}`
	a, err := scenario.Parse("a.yaml", []byte(yaml))
	if err != nil {
		t.Fatal(err)
	}
	b, err := scenario.Parse("b.json", []byte(json))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(a, b) {
		t.Errorf("yaml %+v\njson %+v", a, b)
	}
}

// Left out, a phase's arrival and work are the previous phase's; a
// phase merging a template (<<) takes its keys and overrides some.
func TestPhasesCarryOverAndMerge(t *testing.T) {
	s, err := scenario.Parse("t.yaml", []byte(`
x-base: &base {duration: 1s, arrival: {pattern: constant, rate: 2k}, work: {mean: 1ms, kind: sleep}}
phases:
  - {<<: *base, name: a}
  - {name: b, duration: 2s}
  - {<<: *base, name: c, duration: 3s}
`))
	if err != nil {
		t.Fatal(err)
	}
	for i, p := range s.Phases {
		if p.Arrival.Rate != 2000 || p.Work.Mean != time.Millisecond || p.Work.Kind != "sleep" || p.Work.Dist != "fixed" {
			t.Errorf("phase %d: arrival %+v work %+v", i, p.Arrival, p.Work)
		}
	}
	if d := []time.Duration{s.Phases[0].Duration, s.Phases[1].Duration, s.Phases[2].Duration}; d[0] != time.Second || d[1] != 2*time.Second || d[2] != 3*time.Second {
		t.Errorf("durations %v", d)
	}
}

func TestRateAt(t *testing.T) {
	ramp := scenario.Arrival{Pattern: "ramp", From: 1000, To: 3000}
	steps := scenario.Arrival{Pattern: "steps", Steps: []scenario.Step{{0, 100}, {time.Second, 200}}}
	spike := scenario.Arrival{Pattern: "spike", Rate: 10, SpikeAt: time.Second, SpikeFor: time.Second, SpikeRate: 50}
	const L = 4 * time.Second
	for _, tt := range []struct {
		a    scenario.Arrival
		d    time.Duration
		want float64
	}{
		{scenario.Arrival{Pattern: "closed"}, time.Second, 0},
		{scenario.Arrival{Pattern: "constant", Rate: 7}, time.Hour, 7},
		{ramp, 0, 1000}, {ramp, L / 2, 2000}, {ramp, L, 3000}, {ramp, 2 * L, 3000},
		{steps, 0, 100}, {steps, time.Second - 1, 100}, {steps, time.Second, 200}, {steps, L, 200},
		{spike, 0, 10}, {spike, time.Second, 50}, {spike, 2*time.Second - 1, 50}, {spike, 2 * time.Second, 10},
	} {
		if got := tt.a.RateAt(tt.d, L); got != tt.want {
			t.Errorf("%s at %s: %g, want %g", tt.a.Pattern, tt.d, got, tt.want)
		}
	}
}

// The planned messages of a phase are its schedule's integral: what a
// run's per-phase delivered counts are checked against.
func TestPlannedMessages(t *testing.T) {
	s, err := scenario.Parse("full.yaml", []byte(full))
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		n  float64
		ok bool
	}{
		{(1000 + 10000) / 2 * 2, true}, // a ramp: the mean rate × 2 s
		{2000 + 4000*2, true},          // 1 s at 2k, 2 s at 4k
		{20000, true},                  // a count: 10k × 2 producers
		{2000, true},                   // a closed loop by count
		{2500, true},                   // 1 s at 2.5k
	}
	for i, w := range want {
		n, ok := s.PlannedMessages(i)
		if math.Abs(n-w.n) > 1e-6 || ok != w.ok {
			t.Errorf("phase %d: %g %v, want %g %v", i, n, ok, w.n, w.ok)
		}
	}
	closed, _ := scenario.Parse("c.yaml", []byte("phases: [{name: a, duration: 1s}]"))
	if _, ok := closed.PlannedMessages(0); ok {
		t.Error("a closed loop by duration has a planned count")
	}
}

// Config is the start of the run in the engine's terms; PeakConfig its
// largest, which Parse checks against the engine's limits.
func TestConfig(t *testing.T) {
	s, err := scenario.Parse("full.yaml", []byte(full))
	if err != nil {
		t.Fatal(err)
	}
	c := s.Config()
	if c.Producers != 2 || c.Queues != 3 || c.Consumers != 2 || c.Dispatch != sim.Key || c.Keys != 100 || c.Buffer != 1000 ||
		c.Batch != 1 || c.Size != 512 || c.Seed != 42 || c.Rate != 1000 || c.Arrival != sim.Poisson ||
		c.Work != 200*time.Microsecond || c.WorkDist != sim.ExpWork || c.WorkKind != sim.Sleep ||
		c.Duration != 0 || c.Messages != c.UnlimitedMessages() {
		t.Errorf("%+v", c)
	}
	p := s.PeakConfig()
	if p.Consumers != 4 || p.Rate != 10000 || p.Work != 200*time.Microsecond {
		t.Errorf("peak %+v", p)
	}
	timed, _ := scenario.Parse("t.yaml", []byte("phases: [{name: a, duration: 2s}, {name: b, duration: 3s}]"))
	counted, _ := scenario.Parse("t.yaml", []byte("payload: {dist: uniform, min: 10, max: 30}\nphases: [{name: a, messages: 2k}, {name: b, messages: 3k}]"))
	if c := timed.Config(); c.Duration != 5*time.Second || !c.UntilDuration() {
		t.Errorf("durations alone: %s, until duration %v", c.Duration, c.UntilDuration())
	}
	if c := counted.Config(); c.Messages != 5000 || c.Duration != 0 || c.Size != 20 {
		t.Errorf("counts alone: %d messages, %s, size %d", c.Messages, c.Duration, c.Size)
	}
	mixed, _ := scenario.Parse("t.yaml", []byte("phases: [{name: a, duration: 2s}, {name: b, messages: 3k, arrival: {pattern: constant, rate: 1k}}]"))
	if c := mixed.Config(); c.Duration != 5*time.Second || c.Messages != c.UnlimitedMessages() {
		t.Errorf("mixed, of known length: %d messages, %s", c.Messages, c.Duration)
	}
	for _, sc := range []*scenario.Scenario{timed, counted, mixed} {
		if err := sc.Config().Validate(); err != nil {
			t.Errorf("%s: %v", sc.Name, err)
		}
	}
}
