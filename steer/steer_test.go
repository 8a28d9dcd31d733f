package steer_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/msgsim/msgsim/report"
	"github.com/msgsim/msgsim/scenario"
	"github.com/msgsim/msgsim/sim"
	"github.com/msgsim/msgsim/steer"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// drive runs cfg steered through phases and returns the result.
func drive(t *testing.T, cfg sim.Config, phases []steer.Phase) sim.Result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	res, err, derr := steered(ctx, cancel, cfg, phases)
	if err != nil || derr != nil {
		t.Fatal(err, derr)
	}
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		t.Fatal("hung until the guard")
	}
	return res
}

// steered runs cfg through phases until they end or ctx does, with its
// message bound from the phases. stop ends the driver once the run is over
// (a run refused never starts: the driver must not wait for it).
func steered(ctx context.Context, stop context.CancelFunc, cfg sim.Config, phases []steer.Phase) (res sim.Result, err, derr error) {
	cfg.Messages = steer.Messages(phases, cfg.Producers)
	d := steer.New(cfg.Control, cfg.Queues, phases)
	var wg sync.WaitGroup
	wg.Go(func() { derr = d.Drive(ctx) })
	res, err = sim.Run(ctx, cfg)
	stop()
	wg.Wait()
	return res, err, derr
}

func config(queues, consumers int) sim.Config {
	cfg := sim.DefaultConfig()
	cfg.Queues, cfg.Consumers, cfg.Seed, cfg.Control = queues, consumers, 3, sim.NewControl(0)
	return cfg
}

// Each phase delivers what its schedule promises — a constant rate, a
// ramp (the mean of its ends), steps, a count of messages — counted, with
// generous margins, never timed; and the run ends with the last phase.
func TestPhasesFollowTheirSchedules(t *testing.T) {
	cfg := config(2, 1)
	phases := []steer.Phase{
		{Name: "steady", Duration: 300 * time.Millisecond, Rate: steer.Constant(1000)},
		{Name: "ramp", Duration: 400 * time.Millisecond, Rate: steer.Ramp(1000, 4000)},
		{Name: "steps", Duration: 400 * time.Millisecond, Rate: steer.Steps(500, []steer.Step{{At: 200 * time.Millisecond, Rate: 2500}})},
		{Name: "count", Messages: 300, Rate: steer.Constant(2000)},
	}
	res := drive(t, cfg, phases)
	if res.EndedBy != "scenario" || res.Lost != 0 || res.Duplicated != 0 {
		t.Fatalf("ended by %q, lost %d, duplicated %d", res.EndedBy, res.Lost, res.Duplicated)
	}
	if len(res.Phases) != 4 {
		t.Fatalf("phases %+v", res.Phases)
	}
	// Messages per phase, each counted twice (fan-out to two queues). A
	// phase can run past its length by the driver's tick (more on a loaded
	// machine), at its last rate: what it promises is counted over the
	// length it had.
	for i, p := range res.Phases {
		over := max(p.Length.Seconds()-[]float64{0.3, 0.4, 0.4, 0}[i], 0)
		want := []float64{1000 * (0.3 + over), (1000+4000)/2*0.4 + 4000*over, 500*0.2 + 2500*(0.2+over), 300}
		if got := float64(p.Sent) / 2; got < 0.75*want[i] || got > 1.25*want[i]+25 {
			t.Errorf("phase %s sent %.0f messages in %s, want about %.0f", p.Name, got, p.Length, want[i])
		}
		if p.Delivered != p.Sent || p.Lost != 0 {
			t.Errorf("phase %s delivered %d of %d", p.Name, p.Delivered, p.Sent)
		}
	}
	// A ramp's second half carries more than its first: the series shows it.
	if r := res.Phases[1]; r.Throughput < res.Phases[0].Throughput*1.5 {
		t.Errorf("the ramp to 4k ran at %.0f msgs/s, the steady 1k phase at %.0f", r.Throughput, res.Phases[0].Throughput)
	}
}

// Consumer counts change at phase boundaries and events fire at their
// offsets: a crash loses exactly what the crashed consumer held.
func TestPhaseConsumersAndEvents(t *testing.T) {
	cfg := config(1, 3)
	cfg.Control = sim.NewControl(1)
	phases := []steer.Phase{
		{Name: "one", Duration: 150 * time.Millisecond, Rate: steer.Constant(2000)},
		{Name: "three", Duration: 250 * time.Millisecond, Rate: steer.Constant(2000), Consumers: map[int]int{steer.AllQueues: 3},
			Events: []steer.Event{{At: 100 * time.Millisecond, What: "crash q0.2", Do: func(c *sim.Control) error { return c.Crash(0, 2) }}}},
	}
	res := drive(t, cfg, phases)
	if len(res.Crashes) != 1 || res.Crashes[0].Consumer != 2 || res.Lost != 1 || res.CrashLost != 1 {
		t.Fatalf("crashes %+v, lost %d (by crashes %d)", res.Crashes, res.Lost, res.CrashLost)
	}
	if res.Consumers[1].Delivered == 0 {
		t.Fatal("the consumer added in phase three took nothing")
	}
	if lost := res.Phases[0].Lost + res.Phases[1].Lost; lost != 1 {
		t.Fatalf("the phases lost %d, want the crash's 1", lost)
	}
}

// An event the run refuses ends the run and says which.
func TestABadEventEndsTheRun(t *testing.T) {
	cfg := config(1, 1)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var derr error
	var wg sync.WaitGroup
	d := steer.New(cfg.Control, 1, []steer.Phase{{Name: "p", Duration: time.Hour, Rate: steer.Constant(100),
		Events: []steer.Event{{At: 10 * time.Millisecond, What: "crash q0.5", Do: func(c *sim.Control) error { return c.Crash(0, 5) }}}}})
	wg.Go(func() { derr = d.Drive(ctx) })
	cfg.Messages = 1_000_000
	res, err := sim.Run(ctx, cfg)
	wg.Wait()
	if err != nil || ctx.Err() != nil {
		t.Fatal(err, ctx.Err())
	}
	if derr == nil || res.EndedBy != "scenario" {
		t.Fatalf("drive error %v, ended by %q", derr, res.EndedBy)
	}
}

func TestRateShapes(t *testing.T) {
	ms := time.Millisecond
	for _, tt := range []struct {
		name string
		f    func(d, l time.Duration) float64
		d, l time.Duration
		want float64
	}{
		{"ramp start", steer.Ramp(100, 300), 0, 100 * ms, 100},
		{"ramp middle", steer.Ramp(100, 300), 50 * ms, 100 * ms, 200},
		{"ramp past its end", steer.Ramp(100, 300), 200 * ms, 100 * ms, 300},
		{"ramp down", steer.Ramp(300, 100), 50 * ms, 100 * ms, 200},
		{"before a step", steer.Steps(5, []steer.Step{{At: 10 * ms, Rate: 7}}), 5 * ms, 0, 5},
		{"after a step", steer.Steps(5, []steer.Step{{At: 10 * ms, Rate: 7}}), 10 * ms, 0, 7},
		{"before a spike", steer.Spike(1, 10*ms, 5*ms, 9), 9 * ms, 0, 1},
		{"in a spike", steer.Spike(1, 10*ms, 5*ms, 9), 12 * ms, 0, 9},
		{"after a spike", steer.Spike(1, 10*ms, 5*ms, 9), 15 * ms, 0, 1},
	} {
		if got := tt.f(tt.d, tt.l); got != tt.want {
			t.Errorf("%s: %v, want %v", tt.name, got, tt.want)
		}
	}
}

// A run that runs out of messages before its timeline ends says so: the
// driver does not call a cut-short scenario followed.
func TestRunningOutIsAnError(t *testing.T) {
	cfg := config(1, 1)
	phases := []steer.Phase{{Name: "long", Duration: time.Hour, Rate: steer.Constant(5000)}}
	cfg.Messages = 200
	d := steer.New(cfg.Control, 1, phases)
	var derr error
	var wg sync.WaitGroup
	wg.Go(func() { derr = d.Drive(context.Background()) })
	res, err := sim.Run(context.Background(), cfg)
	wg.Wait()
	if err != nil || !errors.Is(derr, steer.ErrRanOut) || res.EndedBy != "messages" {
		t.Fatalf("run error %v, drive error %v, ended by %q", err, derr, res.EndedBy)
	}
}

// The first phase holds from the first message: no message is sent
// before it, in a phase of no name.
func TestTheFirstPhaseHoldsFromTheStart(t *testing.T) {
	cfg := config(2, 3)
	cfg.Control = sim.NewControl(3)
	phases := []steer.Phase{{Name: "only", Messages: 20_000, Consumers: map[int]int{steer.AllQueues: 1}}}
	res := drive(t, cfg, phases)
	if len(res.Phases) != 1 || res.Phases[0].Name != "only" || res.Phases[0].Sent != res.Sent {
		t.Fatalf("phases %+v, sent %d", res.Phases, res.Sent)
	}
	for _, c := range res.Consumers {
		if c.Consumer > 0 && c.Delivered > 0 {
			t.Fatalf("consumer q%d.%d took %d messages; the phase gave each queue one consumer from the start", c.Queue, c.Consumer, c.Delivered)
		}
	}
}

// A scenario numbers consumers by those in force: after a crash and a
// count that replaces it, "consumer 1" is the replacement, and pausing it
// pauses a consumer that takes messages, not the dead one.
func TestScenarioNumbersConsumersInForce(t *testing.T) {
	s, err := scenario.Parse("replace.yaml", []byte(`
name: replace
topology: {queues: 1, consumers: 2}
phases:
  - name: crash
    duration: 200ms
    arrival: {pattern: constant, rate: 2k}
    faults: [{at: 50ms, kind: crash, queue: 0, consumer: 1}]
  - name: replaced
    duration: 300ms
    consumers: [{queue: 0, count: 2}]
    faults: [{at: 100ms, kind: pause, queue: 0, consumer: 1, for: 100ms}]
`))
	if err != nil {
		t.Fatal(err)
	}
	cfg := config(1, 3) // two, and a slot for the replacement
	cfg.Control = sim.NewControl(2)
	res := drive(t, cfg, steer.FromScenario(s))
	if len(res.Crashes) != 1 || res.Crashes[0].Consumer != 1 || res.Lost != 1 {
		t.Fatalf("crashes %+v, lost %d", res.Crashes, res.Lost)
	}
	if res.Consumers[2].Delivered == 0 {
		t.Fatalf("the replacement (slot 2) took nothing: %+v", res.Consumers)
	}
}

// A crashed consumer keeps its number until a count replaces it, as the
// file numbers them: after consumer 0 crashed, "consumer 2" is still the
// third one, not a consumer that no longer exists.
func TestScenarioKeepsNumbersAfterACrash(t *testing.T) {
	s, err := scenario.Parse("crash.yaml", []byte(`
name: crash
topology: {queues: 1, consumers: 3}
phases:
  - name: crash
    duration: 200ms
    arrival: {pattern: constant, rate: 2k}
    faults: [{at: 20ms, kind: crash, queue: 0, consumer: 0}]
  - name: later
    duration: 300ms
    faults: [{at: 100ms, kind: pause, queue: 0, consumer: 2}]
`))
	if err != nil {
		t.Fatal(err)
	}
	cfg := config(1, 3)
	cfg.Control = sim.NewControl(3)
	phases := steer.FromScenario(s)
	var state string
	phases[1].Events = append(phases[1].Events, steer.Event{At: 200 * time.Millisecond, What: "look",
		Do: func(c *sim.Control) error { state = c.ConsumerState(0, 2); return nil }})
	res := drive(t, cfg, phases)
	if len(res.Crashes) != 1 || res.Crashes[0].Consumer != 0 {
		t.Fatalf("crashes %+v", res.Crashes)
	}
	if state != sim.Paused {
		t.Fatalf("slot 2 is %q during the pause of consumer 2; want %q", state, sim.Paused)
	}
}

// A queue whose only consumer crashed holds its producer in a closed loop;
// a signal still ends the run at once, and what no one took counts lost.
func TestASignalEndsARunWithNoConsumerLeft(t *testing.T) {
	cfg := config(1, 1)
	phases := []steer.Phase{
		{Name: "a", Duration: 200 * time.Millisecond, Rate: steer.Constant(1000),
			Events: []steer.Event{{At: 50 * time.Millisecond, What: "crash q0.0", Do: func(c *sim.Control) error { return c.Crash(0, 0) }}}},
		{Name: "b", Messages: 100},
	}
	ctx, cancel := context.WithTimeout(context.Background(), 600*time.Millisecond) // the "signal"
	defer cancel()
	start := time.Now()
	res, err, _ := steered(ctx, cancel, cfg, phases)
	if err != nil || !res.Interrupted {
		t.Fatalf("error %v, interrupted %v", err, res.Interrupted)
	}
	if took := time.Since(start); took > 20*time.Second {
		t.Fatalf("the run took %s after its signal", took)
	}
	if res.Lost < 1 || res.CrashLost != 1 || res.Sent != res.Delivered+res.Lost {
		t.Fatalf("sent %d, delivered %d, lost %d (by the crash %d)", res.Sent, res.Delivered, res.Lost, res.CrashLost)
	}
}

// A phase of messages sends exactly its count, even a count of one after
// another phase of messages, at any rate.
func TestPhasesOfOneMessage(t *testing.T) {
	cfg := config(1, 1)
	phases := []steer.Phase{
		{Name: "a", Messages: 1},
		{Name: "b", Messages: 1, Rate: steer.Constant(20)},
		{Name: "c", Messages: 3, Rate: steer.Constant(100)},
		{Name: "d", Messages: 2},
	}
	res := drive(t, cfg, phases)
	for i, want := range []int64{1, 1, 3, 2} {
		if p := res.Phases[i]; p.Sent != want || p.Delivered != want {
			t.Errorf("phase %s sent %d, delivered %d; want %d", p.Name, p.Sent, p.Delivered, want)
		}
	}
}

// A constant phase sets its rate once: a rate set from outside meanwhile
// (a live view's key) holds until the next phase, ticks notwithstanding.
func TestAConstantPhaseLeavesARateSetMeanwhile(t *testing.T) {
	cfg := config(1, 1)
	cfg.Messages = 1_000_000
	d := steer.New(cfg.Control, 1, []steer.Phase{{Name: "p", Duration: time.Hour, Rate: steer.Constant(5000)}})
	var wg sync.WaitGroup
	wg.Go(func() { _ = d.Drive(context.Background()) })
	var rate float64
	wg.Go(func() {
		ctl := cfg.Control
		<-ctl.Started()
		if err := ctl.SetRate(2000); err != nil {
			t.Error(err)
		}
		// 100 messages at 2,000/s take 50 ms: five of the driver's ticks.
		tk := time.NewTicker(time.Millisecond)
		defer tk.Stop()
		for from := ctl.Sent(); ctl.Sent() < from+100; <-tk.C {
		}
		rate = ctl.Rate()
		ctl.End()
	})
	if _, err := sim.Run(context.Background(), cfg); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	if rate != 2000 {
		t.Fatalf("rate %v after five ticks of a constant 5000 phase, want the 2000 set meanwhile", rate)
	}
}

// A steered run's message bound leaves room for its phases; it is no plan.
// A signal in the middle of a phase leaves nothing "not sent", and the
// verdict says the phases were cut short.
func TestASignalInAPhaseLeavesNothingNotSent(t *testing.T) {
	cfg := config(2, 1)
	phases := []steer.Phase{{Name: "steady", Duration: time.Hour, Rate: steer.Constant(2000)}}
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond) // the "signal"
	defer cancel()
	res, err, _ := steered(ctx, cancel, cfg, phases)
	if err != nil || !res.Interrupted || res.EndedBy != "interrupted" {
		t.Fatalf("error %v, interrupted %v, ended by %q", err, res.Interrupted, res.EndedBy)
	}
	if res.Sent == 0 || res.Expected != res.Sent || res.NotSent() != 0 || !res.OK() {
		t.Fatalf("sent %d, expected %d, not sent %d, ok %v", res.Sent, res.Expected, res.NotSent(), res.OK())
	}
	if v := report.Verdict(res); !strings.Contains(v, "before the phases ended") || strings.Contains(v, "not sent") {
		t.Fatalf("verdict: %s", v)
	}
}
