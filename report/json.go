package report

import (
	"encoding/json"
	"io"
	"time"

	"github.com/msgsim/msgsim/check"
	"github.com/msgsim/msgsim/sim"
)

// SchemaVersion is bumped whenever a JSON field changes meaning or goes
// away; adding a field does not bump it.
const SchemaVersion = 1

// JSONResult is the json format's document. Field names are snake_case with
// units as suffixes; docs/formats.md documents each one (a test holds them
// together) and schema.json describes them. A figure that was not measured
// is 0 beside the field that says so: depth_measured, latency.count,
// measured_ns, config.work_ns.
type JSONResult struct {
	SchemaVersion       int              `json:"schema_version"`
	Kind                string           `json:"kind"`
	Config              JSONConfig       `json:"config"`
	Start               time.Time        `json:"start"`
	ElapsedNs           int64            `json:"elapsed_ns"`
	MeasuredNs          int64            `json:"measured_ns"` // what throughput is measured over; 0: throughput not measured
	Produced            int64            `json:"produced"`
	Expected            int64            `json:"expected"`
	Sent                int64            `json:"sent"`
	NotSent             int64            `json:"not_sent"`
	Delivered           int64            `json:"delivered"`
	Lost                int64            `json:"lost"`
	Duplicated          int64            `json:"duplicated"`
	OrderChecked        bool             `json:"order_checked"`
	Reordered           int64            `json:"reordered"`
	OK                  bool             `json:"ok"`
	Bytes               int64            `json:"bytes"`
	ThroughputMsgsPerS  float64          `json:"throughput_msgs_per_s"`
	ThroughputBytesPerS float64          `json:"throughput_bytes_per_s"`
	Latency             JSONLatency      `json:"latency"`
	Queues              []JSONQueue      `json:"queues"`
	Consumers           []JSONConsumer   `json:"consumers"`
	Interrupted         bool             `json:"interrupted"`
	GoVersion           string           `json:"go_version"`
	GOMAXPROCS          int              `json:"gomaxprocs"`
	NumCPU              int              `json:"num_cpu"`
	Histograms          string           `json:"histograms"`
	QueueLatency        bool             `json:"queue_latency"`
	Runtime             JSONRuntime      `json:"runtime"`
	EndedBy             string           `json:"ended_by"`
	SendRate            float64          `json:"send_rate_msgs_per_s"`
	MaxLagNs            int64            `json:"max_lag_ns"`
	WarmupDeliveries    int64            `json:"warmup_deliveries"`
	DepthMeasured       bool             `json:"depth_measured"`
	SlowConsumers       int64            `json:"slow_consumers"`
	ClientDropped       int64            `json:"client_dropped"`      // dropped by the NATS client for slow consumers; part of lost
	Role                string           `json:"role"`                // over NATS: all, producer or consumer
	Process             string           `json:"process,omitempty"`   // in a split run, this process's id
	Processes           []JSONProcess    `json:"processes,omitempty"` // in a split run, each consumer process's share
	Unjudged            string           `json:"unjudged,omitempty"`  // why the check could not be made`
	Failovers           []JSONFailover   `json:"failovers,omitempty"` // a cluster run's connections that lost their server
	Failover            *JSONFailoverSum `json:"failover,omitempty"`  // what the failovers cost
	TransportError      string           `json:"transport_error"`
	Series              []JSONInterval   `json:"series"`
	Phases              []JSONPhase      `json:"phases,omitempty"`      // a scenario's phases
	Crashes             []JSONCrash      `json:"crashes,omitempty"`     // consumers a scenario crashed
	CrashLost           int64            `json:"crash_lost"`            // messages the crashed consumers held: part of lost
	Redelivered         int64            `json:"redelivered,omitempty"` // a broker run: deliveries the broker marked as redelivered
	Unconfirmed         int64            `json:"unconfirmed,omitempty"` // a broker run: publishes the broker did not acknowledge
	Republished         int64            `json:"republished,omitempty"` // of them, published again
	BrokerFaults        []JSONFault      `json:"broker_faults,omitempty"`
	Runs                []JSONRun        `json:"runs"`
	RunsPlanned         int              `json:"runs_planned"`
	Passed              *bool            `json:"passed,omitempty"`   // the verdict: what exit code 0 means
	Problems            []string         `json:"problems,omitempty"` // why it did not pass, a line each
	Assertions          []JSONAssertion  `json:"assertions,omitempty"`
	Scenario            string           `json:"scenario,omitempty"`  // the scenario file the run followed
	Overrides           []string         `json:"overrides,omitempty"` // what the command line set over the file
	ScenarioName        string           `json:"scenario_name,omitempty"`
	ScenarioSHA256      string           `json:"scenario_sha256,omitempty"` // of the file's text: which version of it ran
	Baseline            *JSONBaseline    `json:"baseline,omitempty"`
}

// JSONRun is one run of --repeat (a single run has one).
type JSONRun struct {
	ElapsedNs          int64   `json:"elapsed_ns"`
	MeasuredNs         int64   `json:"measured_ns"`   // 0: throughput not measured
	LatencyCount       int64   `json:"latency_count"` // deliveries timed; 0: p50, p99 and p999 not measured
	Delivered          int64   `json:"delivered"`
	Lost               int64   `json:"lost"`
	Duplicated         int64   `json:"duplicated"`
	Reordered          int64   `json:"reordered"`
	OK                 bool    `json:"ok"`
	Interrupted        bool    `json:"interrupted"`
	ThroughputMsgsPerS float64 `json:"throughput_msgs_per_s"`
	P50Ns              int64   `json:"p50_ns"`
	P99Ns              int64   `json:"p99_ns"`
	P999Ns             int64   `json:"p999_ns"`
}

func newJSONRun(r sim.Result) JSONRun {
	return JSONRun{ElapsedNs: int64(r.Elapsed), MeasuredNs: int64(r.MeasuredTime()), LatencyCount: r.Latency.Count, Delivered: r.Delivered, Lost: r.Lost, Duplicated: r.Duplicated,
		Reordered: r.Reordered, OK: r.OK() && !r.Interrupted, Interrupted: r.Interrupted, ThroughputMsgsPerS: r.Throughput(),
		P50Ns: int64(r.Latency.P50), P99Ns: int64(r.Latency.P99), P999Ns: int64(r.Latency.P999)}
}

// JSONAssertion is one --assert judged; want and actual are in unit.
type JSONAssertion struct {
	Expr   string  `json:"expr"`
	Metric string  `json:"metric"`
	Op     string  `json:"op"`
	Want   float64 `json:"want"`
	Actual float64 `json:"actual"`
	Unit   string  `json:"unit"`
	OK     bool    `json:"ok"`
	// NoSamples: nothing was measured for the metric (actual is 0 and the
	// assertion failed).
	NoSamples bool `json:"no_samples"`
}

// JSONBaseline is the comparison with --baseline.
type JSONBaseline struct {
	File          string      `json:"file"`
	MaxRegression float64     `json:"max_regression"`
	Regressed     bool        `json:"regressed"`
	Metrics       []JSONDelta `json:"metrics"`
}

// JSONDelta is one metric against the baseline; values are medians in unit.
type JSONDelta struct {
	Metric    string  `json:"metric"`
	Unit      string  `json:"unit"`
	Baseline  float64 `json:"baseline"`
	Current   float64 `json:"current"`
	BaseRuns  int     `json:"baseline_runs"`
	Runs      int     `json:"current_runs"`
	Change    float64 `json:"change"`
	Regressed bool    `json:"regressed"`
	NoSamples bool    `json:"no_samples"` // nothing measured to compare: counts as regressed
	// P is the Mann–Whitney U-test's p-value over the runs; Tested says
	// whether there were runs enough for any difference to reach
	// significance (0.05), Significant whether this one did.
	P           float64 `json:"p_value"`
	Tested      bool    `json:"tested"`
	Significant bool    `json:"significant"`
}

var unitOf = map[check.Kind]string{check.Count: "count", check.Rate: "msgs/s", check.ByteRate: "B/s", check.Duration: "ns"}

// JSONRuntime is what the Go runtime did during the run.
type JSONRuntime struct {
	GOMAXPROCS     int    `json:"gomaxprocs"`
	NumCPU         int    `json:"num_cpu"`
	GoVersion      string `json:"go_version"`
	PeakGoroutines int    `json:"peak_goroutines"`
	GCCycles       uint32 `json:"gc_cycles"`
	GCPauseNs      int64  `json:"gc_pause_ns"`
	PeakHeapBytes  uint64 `json:"peak_heap_bytes"`
	PeakRSSBytes   uint64 `json:"peak_rss_bytes"`
	StartupNs      int64  `json:"startup_ns"`
	ShutdownNs     int64  `json:"shutdown_ns"`
	PrefaultBytes  uint64 `json:"prefault_bytes"`
	PrefaultNs     int64  `json:"prefault_ns"`
}

// JSONConfig is the run's configuration.
type JSONConfig struct {
	Messages   int64       `json:"messages"`
	Producers  int         `json:"producers"`
	Queues     int         `json:"queues"`
	Consumers  int         `json:"consumers"`
	Dispatch   string      `json:"dispatch"`
	Keys       int         `json:"keys"`
	Buffer     int         `json:"buffer"`
	Batch      int         `json:"batch"`
	Size       int         `json:"size"`
	Seed       uint64      `json:"seed"`
	Procs      int         `json:"procs"`
	Rate       float64     `json:"rate"`
	Arrival    string      `json:"arrival"`
	WorkNs     int64       `json:"work_ns"`
	WorkDist   string      `json:"work_dist"`
	WorkKind   string      `json:"work_kind"`
	DurationNs int64       `json:"duration_ns"`
	WarmupNs   int64       `json:"warmup_ns"`
	IntervalNs int64       `json:"interval_ns"`
	Transport  string      `json:"transport"`
	NATSURL    string      `json:"nats_url"`
	RunID      string      `json:"run_id"`             // over NATS, the subject prefix used
	Delivery   string      `json:"delivery,omitempty"` // a broker run's delivery semantics
	Broker     *JSONBroker `json:"broker,omitempty"`   // a broker run's settings
}

// JSONBroker is a durable broker's settings: JetStream's or Kafka's.
type JSONBroker struct {
	Storage          string   `json:"storage,omitempty"`
	AckPolicy        string   `json:"ack_policy,omitempty"`
	AckWaitNs        int64    `json:"ack_wait_ns,omitempty"`
	MaxDeliver       int      `json:"max_deliver,omitempty"` // 0: no bound
	MsgID            bool     `json:"msg_id,omitempty"`
	DedupWindowNs    int64    `json:"dedup_window_ns,omitempty"` // 0: the server's default
	KafkaBrokers     string   `json:"kafka_brokers,omitempty"`   // user info REDACTED; empty: in-process
	SASL             string   `json:"sasl,omitempty"`
	TLS              bool     `json:"tls,omitempty"`
	SessionTimeoutNs int64    `json:"session_timeout_ns,omitempty"`
	Faults           []string `json:"faults,omitempty"`
}

// JSONFault is what one broker fault did; times since the first send.
type JSONFault struct {
	Fault        string     `json:"fault"`
	Happened     bool       `json:"happened"`
	AtNs         int64      `json:"at_ns"`
	Held         int64      `json:"held"`
	HeldMessages []JSONHeld `json:"held_messages,omitempty"`
	Dropped      int64      `json:"dropped"`
	Resent       int64      `json:"resent"`
	Deduplicated int64      `json:"deduplicated"`
	Redelivered  int64      `json:"redelivered"`
	Lost         int64      `json:"lost"`
	RecoveryNs   int64      `json:"recovery_ns"` // −1: never caught up
}

// JSONHeld names a message a crashed consumer held.
type JSONHeld struct {
	Queue    int   `json:"queue"`
	Producer int   `json:"producer"`
	Seq      int64 `json:"seq"`
}

// JSONLatency is a latency distribution in nanoseconds.
type JSONLatency struct {
	Count    int64 `json:"count"`
	MinNs    int64 `json:"min_ns"`
	MeanNs   int64 `json:"mean_ns"`
	StdDevNs int64 `json:"stddev_ns"`
	P50Ns    int64 `json:"p50_ns"`
	P90Ns    int64 `json:"p90_ns"`
	P99Ns    int64 `json:"p99_ns"`
	P999Ns   int64 `json:"p999_ns"`
	MaxNs    int64 `json:"max_ns"`
	Clamped  int64 `json:"clamped"`
	// Spectrum is the percentile spectrum (the run's and each queue's):
	// ten points a decade of 1/(1−p) up to 99.999%, then the maximum.
	Spectrum []JSONQuantile `json:"spectrum,omitempty"`
}

// JSONQuantile is one point of a latency spectrum.
type JSONQuantile struct {
	Percentile float64 `json:"percentile"`
	ValueNs    int64   `json:"value_ns"`
}

func jsonSpectrum(sp []sim.Quantile) []JSONQuantile {
	var out []JSONQuantile
	for _, q := range sp {
		out = append(out, JSONQuantile{Percentile: q.Percentile, ValueNs: int64(q.Value)})
	}
	return out
}

// JSONQueue is one queue's counts and latency.
type JSONQueue struct {
	Queue              int         `json:"queue"`
	Consumers          int         `json:"consumers"`
	Sent               int64       `json:"sent"`
	Delivered          int64       `json:"delivered"`
	Lost               int64       `json:"lost"`
	Duplicated         int64       `json:"duplicated"`
	Reordered          int64       `json:"reordered"`
	Bytes              int64       `json:"bytes"`
	ThroughputMsgsPerS float64     `json:"throughput_msgs_per_s"`
	Latency            JSONLatency `json:"latency"`
	MaxDepth           int64       `json:"max_depth"`
	MeanDepth          float64     `json:"mean_depth"`
	Utilisation        float64     `json:"utilisation"`
	MeanServiceNs      int64       `json:"mean_service_ns"`
}

// JSONInterval is one interval of the series.
type JSONInterval struct {
	StartNs            int64   `json:"start_ns"`
	Deliveries         int64   `json:"deliveries"`
	ThroughputMsgsPerS float64 `json:"throughput_msgs_per_s"`
	P50Ns              int64   `json:"p50_ns"`
	P99Ns              int64   `json:"p99_ns"`
	MaxDepth           int64   `json:"max_depth"`       // deepest queue sampled in the interval; 0 unless depth_measured
	Phase              string  `json:"phase,omitempty"` // the scenario phase under way when the interval began
}

// JSONConsumer is what one consumer received.
type JSONConsumer struct {
	Queue     int    `json:"queue"`
	Consumer  int    `json:"consumer"`
	Delivered int64  `json:"delivered"`
	Process   string `json:"process,omitempty"` // in a split run, the consumer process it ran in
}

// JSONProcess is one consumer process's share of a split run.
type JSONProcess struct {
	ID        string `json:"id"`
	Consumers int    `json:"consumers"`
	Delivered int64  `json:"delivered"`
	Accounted bool   `json:"accounted"`
}

// JSONFailover is one connection losing its server in a cluster run; times
// are since the run's start, UpNs -1 if it never came back.
type JSONFailover struct {
	Conn   string `json:"conn"`
	DownNs int64  `json:"down_ns"`
	UpNs   int64  `json:"up_ns"`
	Server string `json:"server"`
}

// JSONFailoverSum is what a cluster run's failovers cost.
type JSONFailoverSum struct {
	DownNs      int64 `json:"down_ns"`
	UpNs        int64 `json:"up_ns"`
	Lost        int64 `json:"lost"`
	LostTimed   bool  `json:"lost_timed"`
	LostFromNs  int64 `json:"lost_from_ns"`
	LostToNs    int64 `json:"lost_to_ns"`
	WorstP99Ns  int64 `json:"worst_p99_ns"`
	WorstAtNs   int64 `json:"worst_at_ns"`
	MedianP99Ns int64 `json:"median_p99_ns"`
}

// NewJSON converts a Result to the json document.
func NewJSON(res sim.Result) JSONResult {
	c := res.Config
	messages := c.Messages
	if c.UntilDuration() || res.Steered {
		messages = 0 // the duration or the phases decide; the internal bound is no plan
	}
	out := JSONResult{
		SchemaVersion: SchemaVersion,
		Kind:          "run",
		Config: JSONConfig{Messages: messages, Producers: c.Producers, Queues: c.Queues, Consumers: c.Consumers,
			Dispatch: string(c.Dispatch), Keys: c.Keys, Buffer: c.Buffer, Batch: max(c.Batch, 1), Size: c.Size, Seed: c.Seed, Procs: c.Procs,
			Rate: c.Rate, Arrival: string(c.Arrival), WorkNs: int64(c.Work), WorkDist: string(c.WorkDist), WorkKind: string(c.WorkKind),
			DurationNs: int64(c.Duration), WarmupNs: int64(c.Warmup), IntervalNs: int64(c.Interval),
			Transport: orChan(c.Transport), NATSURL: sim.RedactURLs(c.NATSURL), RunID: c.RunID},
		Start:               res.Start.UTC(),
		ElapsedNs:           int64(res.Elapsed),
		MeasuredNs:          int64(res.MeasuredTime()),
		Produced:            res.Produced,
		Expected:            res.Expected,
		Sent:                res.Sent,
		NotSent:             res.NotSent(),
		Delivered:           res.Delivered,
		Lost:                res.Lost,
		Duplicated:          res.Duplicated,
		OrderChecked:        res.OrderChecked,
		Reordered:           res.Reordered,
		OK:                  res.OK() && !res.Interrupted,
		Bytes:               res.Bytes,
		ThroughputMsgsPerS:  res.Throughput(),
		ThroughputBytesPerS: res.BytesPerSecond(),
		Latency:             jsonLatency(res.Latency),
		Queues:              make([]JSONQueue, len(res.Queues)),
		Consumers:           make([]JSONConsumer, len(res.Consumers)),
		Interrupted:         res.Interrupted,
		GoVersion:           res.GoVersion,
		GOMAXPROCS:          res.GOMAXPROCS,
		NumCPU:              res.NumCPU,
		Histograms:          string(res.Histograms),
		QueueLatency:        res.QueueLatency,
		Runtime: JSONRuntime{GOMAXPROCS: res.Runtime.GOMAXPROCS, NumCPU: res.Runtime.NumCPU, GoVersion: res.Runtime.GoVersion,
			PeakGoroutines: res.Runtime.PeakGoroutines, GCCycles: res.Runtime.GCCycles, GCPauseNs: int64(res.Runtime.GCPause),
			PeakHeapBytes: res.Runtime.PeakHeapBytes, PeakRSSBytes: res.Runtime.PeakRSSBytes,
			StartupNs: int64(res.Runtime.Startup), ShutdownNs: int64(res.Runtime.Shutdown),
			PrefaultBytes: res.Runtime.PrefaultBytes, PrefaultNs: int64(res.Runtime.Prefault)},
	}
	for i, q := range res.Queues {
		out.Queues[i] = JSONQueue{Queue: q.Queue, Consumers: q.Consumers, Sent: q.Sent, Delivered: q.Delivered, Lost: q.Lost,
			Duplicated: q.Duplicated, Reordered: q.Reordered, Bytes: q.Bytes, ThroughputMsgsPerS: res.QueueThroughput(i),
			Latency: jsonLatency(q.Latency), MaxDepth: q.MaxDepth, MeanDepth: q.MeanDepth, Utilisation: q.Utilisation,
			MeanServiceNs: int64(q.MeanService)}
		out.Queues[i].Latency.Spectrum = jsonSpectrum(q.Spectrum)
	}
	out.Latency.Spectrum = jsonSpectrum(res.Spectrum)
	out.EndedBy, out.SendRate, out.MaxLagNs, out.WarmupDeliveries = res.EndedBy, res.SendRate, int64(res.MaxLag), res.WarmupDeliveries
	out.DepthMeasured = res.DepthMeasured
	out.SlowConsumers, out.TransportError, out.ClientDropped = res.SlowConsumers, res.TransportError, res.ClientDropped
	out.Redelivered, out.Unconfirmed, out.Republished = res.Redelivered, res.Unconfirmed, res.Republished
	if sim.BrokerTransport(res.Config.Transport) {
		c := res.Config
		out.Config.Delivery = string(c.Delivery)
		out.Config.Broker = &JSONBroker{Storage: c.Storage, AckPolicy: c.AckPolicy, AckWaitNs: int64(c.AckWait), MaxDeliver: c.MaxDeliver,
			MsgID: c.MsgID, DedupWindowNs: int64(c.DedupWindow), KafkaBrokers: sim.RedactURLs(c.KafkaBrokers), SASL: c.KafkaSASL, TLS: c.KafkaTLS,
			SessionTimeoutNs: int64(c.SessionTimeout)}
		for _, f := range c.Faults {
			out.Config.Broker.Faults = append(out.Config.Broker.Faults, f.String())
		}
	}
	for _, f := range res.Faults {
		jf := JSONFault{Fault: f.BrokerFault.String(), Happened: f.Happened, AtNs: int64(f.Time), Held: f.Held, Dropped: f.Abandoned,
			Resent: f.Resent, Deduplicated: f.Deduplicated, Redelivered: f.Redelivered, Lost: f.Lost, RecoveryNs: int64(f.Recovery)}
		if f.Recovery < 0 {
			jf.RecoveryNs = -1
		}
		for _, m := range f.HeldMessages {
			jf.HeldMessages = append(jf.HeldMessages, JSONHeld{Queue: m.Queue, Producer: m.Producer, Seq: m.Seq})
		}
		out.BrokerFaults = append(out.BrokerFaults, jf)
	}
	out.Role, out.Process, out.Unjudged = orAll(res.Role), res.Process, res.Unjudged
	for _, p := range res.Processes {
		out.Processes = append(out.Processes, JSONProcess{ID: p.ID, Consumers: p.Consumers, Delivered: p.Delivered, Accounted: p.Accounted})
	}
	for _, f := range res.Failovers {
		out.Failovers = append(out.Failovers, JSONFailover{Conn: f.Conn, DownNs: int64(f.Down), UpNs: int64(f.Up), Server: f.Server})
	}
	if s := res.FailoverSummary; s != nil {
		out.Failover = &JSONFailoverSum{DownNs: int64(s.Down), UpNs: int64(s.Up), Lost: s.Lost, LostTimed: s.LostTimed,
			LostFromNs: int64(s.LostFrom), LostToNs: int64(s.LostTo), WorstP99Ns: int64(s.WorstP99), WorstAtNs: int64(s.WorstAt),
			MedianP99Ns: int64(s.MedianP99)}
	}
	out.Series = jsonSeries(res.Series)
	out.Phases, out.Crashes = jsonPhases(res)
	out.CrashLost = res.CrashLost
	for i, cr := range res.Consumers {
		out.Consumers[i] = JSONConsumer{Queue: cr.Queue, Consumer: cr.Consumer, Delivered: cr.Delivered, Process: cr.Process}
	}
	return out
}

func jsonLatency(l sim.Latency) JSONLatency {
	return JSONLatency{Count: l.Count, MinNs: int64(l.Min), MeanNs: int64(l.Mean), StdDevNs: int64(l.StdDev), P50Ns: int64(l.P50),
		P90Ns: int64(l.P90), P99Ns: int64(l.P99), P999Ns: int64(l.P999), MaxNs: int64(l.Max), Clamped: l.Clamped}
}

// NewJSONDocument converts a Document to the json document: the reported
// run's fields, plus runs, assertions and baseline.
func NewJSONDocument(d Document) JSONResult {
	out := NewJSON(d.Result)
	out.Runs = nil
	for _, r := range d.runs() {
		out.Runs = append(out.Runs, newJSONRun(r))
	}
	out.RunsPlanned = max(d.Planned, len(out.Runs))
	out.Interrupted = d.interrupted()
	out.OK = out.OK && !out.Interrupted
	if d.Judged {
		passed := d.Passed
		out.Passed, out.Problems = &passed, d.Problems
	}
	out.Assertions = jsonAssertions(d.Assertions, out.Interrupted)
	out.Baseline = jsonBaseline(d.Baseline, out.Interrupted)
	out.Scenario, out.Overrides = d.Scenario, d.Overrides
	out.ScenarioName, out.ScenarioSHA256 = d.ScenarioName, d.ScenarioSHA256
	return out
}

// jsonAssertions converts the outcomes; an interrupted invocation judged
// none of them, so none is ok (as a run's ok needs a whole run).
func jsonAssertions(os []check.Outcome, interrupted bool) []JSONAssertion {
	var out []JSONAssertion
	for _, o := range os {
		out = append(out, JSONAssertion{Expr: o.Expr, Metric: o.Metric, Op: o.Op, Want: o.Want,
			Actual: o.Actual, Unit: unitOf[o.Kind], OK: o.OK && !interrupted, NoSamples: o.NoSamples})
	}
	return out
}

// jsonBaseline converts the comparison; an interrupted invocation's
// partial figures regress nothing: they were measured, not judged.
func jsonBaseline(c *check.Comparison, interrupted bool) *JSONBaseline {
	if c == nil {
		return nil
	}
	b := &JSONBaseline{File: c.File, MaxRegression: c.MaxRegression, Regressed: c.Regressed() && !interrupted}
	for _, m := range c.Deltas {
		b.Metrics = append(b.Metrics, JSONDelta{Metric: m.Metric, Unit: unitOf[m.Kind], Baseline: m.Old, Current: m.New,
			BaseRuns: m.OldN, Runs: m.NewN, Change: m.Change, Regressed: m.Regressed && !interrupted, NoSamples: m.NoSamples,
			P: m.P, Tested: m.Tested, Significant: m.Significant})
	}
	return b
}

func writeJSON(w io.Writer, d Document) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false) // assertions contain < and >
	return enc.Encode(NewJSONDocument(d))
}

func orChan(t string) string {
	if t == "" {
		return "chan"
	}
	return t
}

func jsonSeries(series []sim.Interval) []JSONInterval {
	out := []JSONInterval{}
	for _, iv := range series {
		out = append(out, JSONInterval{StartNs: int64(iv.Start), Deliveries: iv.Deliveries,
			ThroughputMsgsPerS: iv.Throughput, P50Ns: int64(iv.P50), P99Ns: int64(iv.P99), MaxDepth: iv.MaxDepth, Phase: iv.Phase})
	}
	return out
}

func orAll(role string) string {
	if role == "" {
		return "all"
	}
	return role
}
