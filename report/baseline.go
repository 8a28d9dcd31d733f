package report

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"regexp"
	"time"

	"github.com/msgsim/msgsim/check"
	"github.com/msgsim/msgsim/sim"
	"github.com/msgsim/msgsim/units"
)

// Baseline is a saved json report read back for --baseline: a run's
// repeats, or a sweep's points with theirs.
type Baseline struct {
	Kind    string         // "run" or "sweep"
	Config  sim.Config     // the run's config; a sweep's base config
	Samples []check.Sample // a run: one per repeat
	Axes    []string       // a sweep: the varied parameters, in order
	Points  []BaselinePoint
	// Scenario is the scenario the run followed; nil for a run of flags.
	Scenario *check.ScenarioID
}

// BaselinePoint is one point of a saved sweep.
type BaselinePoint struct {
	Values  []float64
	Samples []check.Sample
}

// Samples of one point whose values equal vs, or nil.
func (b Baseline) PointSamples(vs []float64) []check.Sample {
	for _, p := range b.Points {
		if len(p.Values) == len(vs) && equal(p.Values, vs) {
			return p.Samples
		}
	}
	return nil
}

func equal(a, b []float64) bool {
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// baselineDoc is what ReadBaseline needs of a run's or a sweep's json.
type baselineDoc struct {
	SchemaVersion *int          `json:"schema_version"`
	Kind          string        `json:"kind"`
	Config        *JSONConfig   `json:"config"`
	OK            *bool         `json:"ok"`
	Lost          int64         `json:"lost"`
	Duplicated    int64         `json:"duplicated"`
	Reordered     int64         `json:"reordered"`
	Interrupted   bool          `json:"interrupted"`
	EndedBy       string        `json:"ended_by"`
	NotSent       int64         `json:"not_sent"`
	RunsPlanned   int           `json:"runs_planned"`
	Passed        *bool         `json:"passed"`
	Unjudged      string        `json:"unjudged"`
	Runs          []baselineRun `json:"runs"`
	Vary          []JSONAxis    `json:"vary"`
	Scenario      string        `json:"scenario"`
	Overrides     []string      `json:"overrides"`
	ScenarioName  string        `json:"scenario_name"`
	ScenarioSHA   string        `json:"scenario_sha256"`
	Points        []struct {
		Values     []float64     `json:"values"`
		Lost       int64         `json:"lost"`
		Duplicated int64         `json:"duplicated"`
		Reordered  int64         `json:"reordered"`
		Runs       []baselineRun `json:"runs"`
	} `json:"points"`
}

// baselineRun is a run of a saved report; ok is absent in older ones.
type baselineRun struct {
	ElapsedNs          int64   `json:"elapsed_ns"`
	Delivered          int64   `json:"delivered"`
	Lost               int64   `json:"lost"`
	Duplicated         int64   `json:"duplicated"`
	Reordered          int64   `json:"reordered"`
	OK                 *bool   `json:"ok"`
	Interrupted        bool    `json:"interrupted"`
	ThroughputMsgsPerS float64 `json:"throughput_msgs_per_s"`
	P50Ns              int64   `json:"p50_ns"`
	P99Ns              int64   `json:"p99_ns"`
}

// ReadBaseline reads a json report written by --save-baseline (or --format
// json) of a run or a sweep. It refuses, with one line saying why, what
// cannot serve as a baseline: not a msgsim report, anything after the
// document, no config, no runs, a run that failed its own check or was
// interrupted, and figures no real run produces (zero or negative
// throughput, latency of zero).
func ReadBaseline(r io.Reader) (Baseline, error) {
	dec := json.NewDecoder(r)
	var doc baselineDoc
	if err := dec.Decode(&doc); err != nil {
		return Baseline{}, fmt.Errorf("not a msgsim json report: %v", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return Baseline{}, errors.New("not a msgsim json report: there is more after the document")
	}
	switch {
	case doc.SchemaVersion == nil:
		return Baseline{}, errors.New("not a msgsim json report: no schema_version")
	case *doc.SchemaVersion != SchemaVersion:
		return Baseline{}, fmt.Errorf("schema_version %d, want %d", *doc.SchemaVersion, SchemaVersion)
	case doc.Config == nil:
		return Baseline{}, errors.New("has no config, so nothing says what it measured")
	}
	b := Baseline{Kind: "run", Config: configOf(*doc.Config)}
	topo := b.Config
	if doc.Scenario != "" || doc.ScenarioSHA != "" {
		id, err := scenarioOf(doc)
		if err != nil {
			return Baseline{}, err
		}
		b.Scenario = id
		topo.Messages = 1 // 0: the phases decided
	}
	for _, a := range doc.Vary { // a sweep's varied fields are 0 in its base config
		switch a.Param {
		case "producers":
			topo.Producers = 1
		case "queues":
			topo.Queues = 1
		case "consumers":
			topo.Consumers = 1
		}
	}
	if err := checkConfig(topo); err != nil {
		return Baseline{}, err
	}
	if doc.Interrupted || doc.EndedBy == "interrupted" || doc.NotSent > 0 || doc.RunsPlanned > len(doc.Runs) {
		return Baseline{}, errors.New("was interrupted, so its figures are partial")
	}
	if doc.Passed != nil && !*doc.Passed {
		return Baseline{}, errors.New("did not pass its own verdict (a check, an assertion or a comparison failed)")
	}
	if doc.Unjudged != "" {
		return Baseline{}, errors.New("was never judged: " + doc.Unjudged)
	}
	if doc.Kind == "sweep" {
		b.Kind = "sweep"
		for _, a := range doc.Vary {
			b.Axes = append(b.Axes, a.Param)
		}
		if len(b.Axes) == 0 || len(doc.Points) == 0 {
			return Baseline{}, errors.New("is a sweep with no points")
		}
		for _, p := range doc.Points {
			where := fmt.Sprintf("point %v", p.Values)
			if len(p.Values) != len(b.Axes) {
				return Baseline{}, fmt.Errorf("%s has %d values for %d varied parameters", where, len(p.Values), len(b.Axes))
			}
			if err := checkDelivery(where, p.Lost, p.Duplicated, p.Reordered); err != nil {
				return Baseline{}, err
			}
			samples, err := samplesOf(where, p.Runs)
			if err != nil {
				return Baseline{}, err
			}
			b.Points = append(b.Points, BaselinePoint{Values: p.Values, Samples: samples})
		}
		return b, nil
	}
	if doc.Kind != "" && doc.Kind != "run" {
		return Baseline{}, fmt.Errorf("is a report of kind %q, not of a run or a sweep", doc.Kind)
	}
	if doc.OK == nil {
		return Baseline{}, errors.New("has no check verdict (ok), so nothing shows its run delivered every message")
	}
	// The counts are checked whatever ok says: a file that contradicts
	// itself is no baseline either.
	if err := checkDelivery("its run", doc.Lost, doc.Duplicated, doc.Reordered); err != nil {
		return Baseline{}, err
	}
	if !*doc.OK {
		return Baseline{}, errors.New("its run failed its own check")
	}
	samples, err := samplesOf("its run", doc.Runs)
	if err != nil {
		return Baseline{}, err
	}
	b.Samples = samples
	return b, nil
}

// checkDelivery refuses a baseline measured while messages went missing:
// its speed is not the speed of a correct run.
func checkDelivery(where string, lost, dup, reordered int64) error {
	if lost != 0 || dup != 0 || reordered != 0 {
		return fmt.Errorf("%s failed its own check (%s lost, %s duplicated, %s out of order); a baseline must deliver every message exactly once",
			where, units.Int(lost), units.Int(dup), units.Int(reordered))
	}
	return nil
}

// samplesOf takes the compared figures from a report's runs, refusing
// figures no real run produces.
func samplesOf(where string, runs []baselineRun) ([]check.Sample, error) {
	if len(runs) == 0 {
		return nil, fmt.Errorf("%s has no runs", where)
	}
	var out []check.Sample
	for i, r := range runs {
		run := fmt.Sprintf("%s, run %d", where, i+1)
		if r.Interrupted {
			return nil, fmt.Errorf("%s was interrupted", run)
		}
		if r.OK != nil && !*r.OK {
			return nil, fmt.Errorf("%s failed its own check", run)
		}
		if r.Lost != 0 || r.Duplicated != 0 || r.Reordered != 0 {
			return nil, checkDelivery(run, r.Lost, r.Duplicated, r.Reordered)
		}
		tp := r.ThroughputMsgsPerS
		if !(tp > 0) || math.IsInf(tp, 0) {
			return nil, fmt.Errorf("%s has throughput %v msgs/s; a baseline needs a positive, finite one", run, tp)
		}
		if r.Delivered <= 0 || r.ElapsedNs <= 0 {
			return nil, fmt.Errorf("%s has %d deliveries in %s; a baseline needs a run that delivered something", run, r.Delivered, time.Duration(r.ElapsedNs))
		}
		if r.P50Ns <= 0 || r.P99Ns < r.P50Ns {
			return nil, fmt.Errorf("%s has p50 %s and p99 %s; a baseline needs 0 < p50 ≤ p99",
				run, time.Duration(r.P50Ns), time.Duration(r.P99Ns))
		}
		out = append(out, check.Sample{Throughput: tp, P50: float64(r.P50Ns), P99: float64(r.P99Ns)})
	}
	return out, nil
}

// scenarioOf is the scenario a report's run followed, refused when the
// report does not say which version of the file it was, or has a config no
// scenario run has.
func scenarioOf(doc baselineDoc) (*check.ScenarioID, error) {
	if doc.ScenarioSHA == "" {
		return nil, fmt.Errorf("is a run of scenario %s with no scenario_sha256 (one msgsim watch steered by hand, or one of an older msgsim), so nothing says it followed a version of the file; save one with msgsim run FILE", doc.Scenario)
	}
	if !sha256Hex.MatchString(doc.ScenarioSHA) || doc.ScenarioName == "" {
		return nil, fmt.Errorf("has scenario_name %q and scenario_sha256 %q; a scenario run has a name and 64 hex digits", doc.ScenarioName, doc.ScenarioSHA)
	}
	if doc.Kind != "" && doc.Kind != "run" || doc.Config.Messages != 0 || doc.Config.DurationNs != 0 {
		return nil, fmt.Errorf("names scenario %s but has kind %q, config messages %d and duration_ns %d; a scenario run's are run, 0 and 0 (its phases decide)",
			doc.ScenarioName, doc.Kind, doc.Config.Messages, doc.Config.DurationNs)
	}
	return check.NewScenarioID(doc.ScenarioName, doc.ScenarioSHA, doc.Overrides), nil
}

var sha256Hex = regexp.MustCompile(`^[0-9a-f]{64}$`)

// checkConfig refuses a config no run could have had.
func checkConfig(c sim.Config) error {
	if c.Messages < 1 || c.Producers < 1 || c.Queues < 1 || c.Consumers < 1 {
		return fmt.Errorf("has config messages %d, producers %d, queues %d, consumers %d; a run has at least one of each",
			c.Messages, c.Producers, c.Queues, c.Consumers)
	}
	if _, err := sim.ParseDispatch(string(c.Dispatch)); err != nil {
		return fmt.Errorf("has config %v", err)
	}
	return nil
}

// configOf turns the json config back into a sim.Config.
func configOf(c JSONConfig) sim.Config {
	cfg := sim.Config{Messages: c.Messages, Producers: c.Producers, Queues: c.Queues, Consumers: c.Consumers,
		Dispatch: sim.Dispatch(c.Dispatch), Keys: c.Keys, Buffer: c.Buffer, Batch: max(c.Batch, 1), Size: c.Size, Seed: c.Seed, Procs: c.Procs,
		Rate: c.Rate, Arrival: sim.Arrival(c.Arrival), Work: time.Duration(c.WorkNs), WorkDist: sim.WorkDist(c.WorkDist),
		WorkKind: sim.WorkKind(c.WorkKind), Duration: time.Duration(c.DurationNs), Warmup: time.Duration(c.WarmupNs),
		Transport: orChan(c.Transport)}
	if cfg.Messages == 0 && cfg.Duration > 0 {
		cfg.Messages = cfg.UnlimitedMessages() // messages 0: the duration decided
	}
	return cfg
}
