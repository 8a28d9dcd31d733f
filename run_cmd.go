package main

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/msgsim/msgsim/check"
	"github.com/msgsim/msgsim/invoke"
	"github.com/msgsim/msgsim/scenario"
	"github.com/msgsim/msgsim/sim"
	"github.com/msgsim/msgsim/steer"
	"github.com/msgsim/msgsim/units"
)

// scenarioOwned are the flags a scenario's phases decide: given with
// msgsim run, they are refused rather than half obeyed.
var scenarioOwned = append([]string{"messages", "rate", "arrival", "work", "work-dist", "work-kind", "duration"}, steerRefused...)

// steerRefused are the flags of what a steered run (a scenario, a live
// view) cannot be: another transport than Go channels, or batches.
var steerRefused = []string{"transport", "nats-url", "nats-token", "nats-creds", "drain-timeout", "nats-pending", "role", "run-id", "batch",
	"delivery", "storage", "ack-policy", "ack-wait", "max-deliver", "msg-id", "dedup-window", "fault",
	"kafka-brokers", "kafka-sasl", "kafka-user", "kafka-password", "kafka-tls", "kafka-ca", "session-timeout"}

// runScenarioCommand runs a scenario file: its topology and phases, with the
// command line's flags over the file's values (the report names them).
func runScenarioCommand(stdout, stderr io.Writer) *cli.Command {
	flags := append(runFlags(), boolFlag("dry-run", "print the planned timeline and what would run; run nothing"))
	return &cli.Command{
		Name:      "run",
		Usage:     "run a scenario file: phases of rates, ramps, work, consumer counts and faults, checked exactly once",
		UsageText: "msgsim run FILE [flags] [--dry-run]",
		Description: "Example: msgsim run examples/ci-smoke.yaml --format markdown\n\n" +
			"Flags override the file's topology, seed, baseline and presentation, and the report says\n" +
			"which; what the phases decide (rate, work, duration, messages) is refused. The format:\n" +
			"docs/scenarios.md; msgsim validate FILE checks a file without running it.",
		Flags: flags,
		Action: func(c *cli.Context) error {
			if c.NArg() != 1 {
				return usageError{"msgsim run needs one scenario FILE (e.g. msgsim run examples/ci-smoke.yaml); flags go after it or before it"}
			}
			path := c.Args().First()
			o, s, overrides, err := scenarioOptions(c, "msgsim run", path, stderr)
			if err != nil {
				return err
			}
			if c.Bool("dry-run") {
				// The timeline names the baseline the run compares with:
				// the flags' over the file's, or none.
				s.Baseline, s.MaxRegression = "", ""
				s.Dispatch = string(o.plan.Config.Dispatch) // --dispatch over the file's, as the run will have it
				if b := o.plan.Baseline; b != nil {
					s.Baseline, s.MaxRegression = b.File, strings.TrimSpace(c.String("max-regression"))
				}
				con := newConsole(o, stdout, stderr)
				return finish(c.Context, o, con, nil, invoke.Verdict{}, func(w io.Writer) error {
					fmt.Fprintf(w, "scenario %s: %s\n", path, describe(s, overrides))
					if err := s.WriteTimeline(w); err != nil {
						return err
					}
					return explainPlan(w, o)
				}, nil)
			}
			if planned != nil {
				planned("run", o)
				return nil
			}
			return runCommand(c.Context, o, stdout, stderr) // the plan names the scenario, and the report it

		},
	}
}

// scenarioOptions reads the scenario file at path and the command line's
// flags over it into a plan that steers each run along its phases; it
// returns the scenario and what the flags overrode.
func scenarioOptions(c *cli.Context, cmd, path string, stderr io.Writer) (options, *scenario.Scenario, []string, error) {
	s, err := scenario.Load(path)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return options{}, nil, nil, invalidFilesError{1}
	}
	if c.IsSet("baseline") && c.String("baseline") == "" && s.Baseline == "" {
		return options{}, nil, nil, usageError{fmt.Sprintf("--baseline%s: \"\" sets aside a scenario file's baseline key, and %s has none", fromEnv(c, "baseline"), path)}
	}
	overrides, err := applyScenario(c, s)
	if err != nil {
		return options{}, nil, nil, err
	}
	var phases []steer.Phase
	start := 0 // consumers per queue at the start: the file's, or -c
	o, err := parseOptionsWith(c, cmd, nil, func(cfg *sim.Config) error {
		// The command line's topology over the file's: the file is read
		// again with it, so that its phases are checked and planned as
		// they will run, before the run.
		if cfg.Producers != s.Producers || cfg.Queues != s.Queues || cfg.Consumers != s.Consumers {
			over, err := scenario.LoadWith(path, scenario.Topology{Producers: cfg.Producers, Queues: cfg.Queues, Consumers: cfg.Consumers})
			if err != nil {
				printWithOverrides(stderr, err, overrides)
				return invalidFilesError{1}
			}
			s = over
		}
		// --size over a distribution: every message that size, as the
		// report's override says.
		if s.Payload.Dist != "fixed" && cfg.Size != int(s.Payload.Mean()+0.5) {
			s.Payload = scenario.Payload{Dist: "fixed", Size: cfg.Size}
		}
		start = cfg.Consumers
		phases = steer.FromScenario(s)
		return steeredConfig(cfg, s, phases, start)
	}, &invoke.ScenarioRun{File: path, Name: s.Name, SHA256: s.SHA256, Overrides: overrides})
	if err != nil {
		return options{}, nil, nil, err
	}
	// The file's assertions join the command line's; a phase's own
	// are judged on that phase.
	fileAsserts, err := scenarioAssertions(s)
	if err != nil {
		return options{}, nil, nil, err
	}
	o.plan.Assertions = append(o.plan.Assertions, fileAsserts...)
	if err := checkPhaseAssertions(o.plan.Assertions, s); err != nil {
		return options{}, nil, nil, err
	}
	o.plan.Steer = &invoke.Steering{Phases: phases, Active: start}
	o.plan.Config.Control = nil
	return o, s, overrides, nil
}

// printWithOverrides prints the problems the command line's topology makes
// in a file, one a line, each naming the flags that made it.
func printWithOverrides(w io.Writer, err error, overrides []string) {
	var topo []string
	for _, o := range overrides {
		for _, f := range []string{"--producers ", "--queues ", "--consumers "} {
			if strings.HasPrefix(o, f) {
				topo = append(topo, o)
			}
		}
	}
	errs := []error{err}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		errs = j.Unwrap()
	}
	for _, e := range errs {
		fmt.Fprintf(w, "%v; with %s\n", e, strings.Join(topo, ", "))
	}
}

// applyScenario sets every flag the scenario gives a value for, unless the
// command line (or the environment) set it: then it is an override, and the
// report names it. Flags the phases own are refused.
func applyScenario(c *cli.Context, s *scenario.Scenario) ([]string, error) {
	var owned []string
	for _, name := range scenarioOwned {
		if c.IsSet(name) {
			owned = append(owned, "--"+name+fromEnv(c, name))
		}
	}
	if len(owned) > 0 {
		return nil, usageError{fmt.Sprintf("%s: msgsim run takes %s from the scenario's phases (edit the file, or run msgsim without a scenario)",
			strings.Join(owned, ", "), map[bool]string{true: "it", false: "them"}[len(owned) == 1])}
	}
	if s.Transport == "nats" {
		return nil, usageError{"the scenario's transport nats cannot be steered yet: msgsim run follows phases over Go channels (transport: chan)"}
	}
	if s.Batch > 1 {
		return nil, usageError{fmt.Sprintf("the scenario's batch %d cannot be steered: msgsim run hands messages over one at a time (batch: 1)", s.Batch)}
	}
	values := []struct{ flag, value string }{
		{"producers", strconv.Itoa(s.Producers)}, {"queues", strconv.Itoa(s.Queues)}, {"consumers", strconv.Itoa(s.Consumers)},
		{"dispatch", s.Dispatch}, {"keys", strconv.Itoa(s.Keys)}, {"buffer", strconv.Itoa(s.Buffer)},
		{"size", strconv.Itoa(int(s.Payload.Mean() + 0.5))},
	}
	if s.Seed != 0 {
		values = append(values, struct{ flag, value string }{"seed", strconv.FormatUint(s.Seed, 10)})
	}
	if s.Baseline != "" {
		values = append(values, struct{ flag, value string }{"baseline", s.Baseline})
	}
	if s.MaxRegression != "" {
		values = append(values, struct{ flag, value string }{"max-regression", s.MaxRegression})
	}
	var overrides []string
	for _, v := range values {
		// The file's keys go with its dispatch: not with another one
		// the command line (set by now) gives; its max_regression goes
		// with a baseline, not with --baseline "" (a run that saves the
		// first one).
		if v.value == "" || v.flag == "keys" && (s.Dispatch != "key" || !strings.EqualFold(c.String("dispatch"), "key")) ||
			v.flag == "max-regression" && !c.IsSet("max-regression") && c.String("baseline") == "" {
			continue
		}
		if c.IsSet(v.flag) {
			if got := c.String(v.flag); check.CanonicalValue(v.flag, got) != v.value {
				overrides = append(overrides, fmt.Sprintf("--%s %s%s (file: %s)", v.flag, got, fromEnv(c, v.flag), v.value))
			}
			continue
		}
		if err := c.Set(v.flag, v.value); err != nil {
			return nil, usageError{fmt.Sprintf("the scenario's %s %q: %v", v.flag, v.value, err)}
		}
	}
	return overrides, nil
}

// steeredConfig makes the flags' config the one a steered run needs: room
// for the most consumers any phase gives a queue (and one more for each
// crash, whose slot is not reused), a message bound for the exactly-once
// bits from the phases' rates and lengths, and the phases, not the flags,
// deciding rate, work and length.
func steeredConfig(cfg *sim.Config, s *scenario.Scenario, phases []steer.Phase, start int) error {
	peak := s.PeakConfig()
	crashes, most := 0, start
	for i, p := range s.Phases {
		for _, f := range p.Faults {
			if f.Queue >= cfg.Queues {
				return usageError{fmt.Sprintf("--queues %d: phase %s has a %s on queue q%d", cfg.Queues, p.Name, f.Kind, f.Queue)}
			}
			if f.Kind == scenario.Crash {
				crashes++
			}
		}
		for q, n := range phases[i].Consumers {
			if q >= cfg.Queues {
				return usageError{fmt.Sprintf("--queues %d: phase %s sets the consumers of queue q%d", cfg.Queues, p.Name, q)}
			}
			most = max(most, n)
		}
	}
	slots := most + crashes
	if int64(slots)*int64(cfg.Queues) > sim.MaxConsumers {
		return usageError{fmt.Sprintf("the scenario needs %s consumer goroutines (%d per queue, crashed ones not reused) × %d queues: more than %s",
			units.Int(int64(slots)*int64(cfg.Queues)), slots, cfg.Queues, units.Int(sim.MaxConsumers))}
	}
	cfg.Consumers = slots
	cfg.Messages = steer.Messages(phases, cfg.Producers)
	cfg.Rate, cfg.Duration = 0, 0
	cfg.Work, cfg.WorkDist, cfg.WorkKind = peak.Work, peak.WorkDist, peak.WorkKind
	cfg.Control = sim.NewControl(min(start, slots)) // for Validate; every run gets its own
	if pl := s.Payload; pl.Dist != "" && pl.Dist != "fixed" {
		d := &sim.SizeDist{Kind: pl.Dist, Mean: float64(pl.Size), Stddev: pl.Stddev, Min: pl.Min, Max: pl.Max}
		for _, b := range pl.Histogram {
			d.Sizes, d.Weights = append(d.Sizes, b.Size), append(d.Weights, b.Weight)
		}
		cfg.Sizes = d
	}
	return nil
}

// scenarioAssertions are the file's whole-run assertions and each phase's,
// prefixed with its name.
func scenarioAssertions(s *scenario.Scenario) ([]check.Assertion, error) {
	lists := append([]string(nil), s.Assert...)
	for _, p := range s.Phases {
		for _, a := range p.Assert {
			for _, one := range strings.Split(a, ",") {
				lists = append(lists, p.Name+"."+strings.TrimSpace(one))
			}
		}
	}
	var out []check.Assertion
	for _, l := range lists {
		as, err := check.Parse(l)
		if err != nil {
			return nil, usageError{"the scenario's assert: " + strings.TrimPrefix(err.Error(), check.ErrSyntax.Error()+" ")}
		}
		out = append(out, as...)
	}
	return out, nil
}

// checkPhaseAssertions refuses an assertion on a phase the scenario does
// not have, or on a queue of a phase (phases are not kept per queue).
func checkPhaseAssertions(as []check.Assertion, s *scenario.Scenario) error {
	var names []string
	for _, p := range s.Phases {
		names = append(names, p.Name)
	}
	if err := check.ValidatePhases(as, names); err != nil {
		return usageError{"--assert: " + strings.TrimPrefix(err.Error(), check.ErrSyntax.Error()+" ")}
	}
	for _, a := range as {
		if a.Phase != "" && strings.Contains(a.Name, ".") {
			return usageError{fmt.Sprintf("--assert: %q: a phase's metric is the phase's, not a queue's (want e.g. %s.p99<=2ms)", a.Expr, a.Phase)}
		}
	}
	return nil
}

// describe is the dry run's first line: topology, length, overrides.
func describe(s *scenario.Scenario, overrides []string) string {
	length, exact := s.Length()
	l := units.Duration(length)
	switch {
	case !exact && length == 0:
		l = "as long as the consumers take" // closed-loop counts only
	case !exact:
		l = "at least " + l
	}
	phases := "1 phase"
	if len(s.Phases) != 1 {
		phases = fmt.Sprintf("%d phases", len(s.Phases))
	}
	d := fmt.Sprintf("%d × %d × %d %s, %s, %s", s.Producers, s.Queues, s.Consumers, s.Dispatch, phases, l)
	if len(overrides) > 0 {
		d += "; overridden by flags or the environment: " + strings.Join(overrides, ", ")
	}
	return d
}

// explainPlan is the dry run's last line: what one run would be.
func explainPlan(w io.Writer, o options) error {
	c := o.plan.Config
	_, err := fmt.Fprintf(w, "would run %d time(s): %d producers, %d queues, room for %d consumers per queue (%d at the start), at most %s messages per producer; %d assertions\n",
		o.plan.Repeat, c.Producers, c.Queues, c.Consumers, o.plan.Steer.Active, units.Int(c.Messages), len(o.plan.Assertions))
	return err
}
