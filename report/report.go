// Package report turns a sim.Result into bytes: tables for people, JSON and
// CSV for programs, Markdown for pull requests and CI summaries, Go benchmark
// lines for benchstat. Every format is a pure function of the Result, so each
// is golden-tested from one fixed value, and all of them name queues and
// leave out what was not measured the same way (docs/formats.md, which a
// test holds to the code); nothing here runs a simulation.
package report

import (
	"fmt"
	"io"
	"strings"

	"github.com/msgsim/msgsim/check"
	"github.com/msgsim/msgsim/sim"
	"github.com/msgsim/msgsim/units"
)

// Format names an output format.
type Format string

// The output formats.
const (
	Table    Format = "table"
	JSON     Format = "json"
	CSV      Format = "csv"
	Markdown Format = "markdown"
	GoBench  Format = "gobench"
	HTML     Format = "html"
)

// Formats lists the accepted formats, default first.
var Formats = []Format{Table, JSON, CSV, Markdown, GoBench, HTML}

// ParseFormat accepts a format name.
func ParseFormat(s string) (Format, error) {
	for _, f := range Formats {
		if strings.EqualFold(s, string(f)) {
			return f, nil
		}
	}
	names := make([]string, len(Formats))
	for i, f := range Formats {
		names[i] = string(f)
	}
	return "", fmt.Errorf("unknown format %q (want %s)", s, strings.Join(names, ", "))
}

// Document is everything one invocation reports: the run shown in full,
// every repeat, and the CI verdicts.
type Document struct {
	Result     sim.Result        // the run reported in full: the median-throughput one when repeated
	Runs       []sim.Result      // every run in order; empty means just Result
	Planned    int               // runs planned (--repeat); more than ran when a signal stopped the repeats
	Assertions []check.Outcome   // --assert, judged on medians
	Baseline   *check.Comparison // --baseline, nil without one
	// Interrupted is set when a signal cut the invocation short: during a
	// run, or between repeats (then every run shown is whole, but fewer
	// than planned ran).
	Interrupted bool
	// Judged is set once the invocation's verdict is known: Passed is what
	// exit code 0 means (every check, assertion and comparison held, on a
	// whole invocation), Problems why not, a line each.
	Judged   bool
	Passed   bool
	Problems []string
	// Scenario names the scenario file a run followed, and Overrides the
	// values the command line set over it ("--seed 5 (file: 7)").
	Scenario  string
	Overrides []string
	// ScenarioName and ScenarioSHA256 (of the file's text) say which
	// scenario, and which version of it: a baseline compares only with
	// runs of the same one.
	ScenarioName, ScenarioSHA256 string
}

// scenarioLine says which scenario the run followed and what the command
// line changed in it, or "".
func (d Document) scenarioLine() string {
	if d.Scenario == "" {
		return ""
	}
	line := "scenario " + d.Scenario
	if len(d.Overrides) > 0 {
		line += "; overridden by flags or the environment: " + strings.Join(d.Overrides, ", ")
	}
	return line
}

// AllRuns is every run in order: Runs, or just Result.
func (d Document) AllRuns() []sim.Result { return d.runs() }

func (d Document) runs() []sim.Result {
	if len(d.Runs) == 0 {
		return []sim.Result{d.Result}
	}
	return d.Runs
}

func (d Document) interrupted() bool {
	if d.Interrupted {
		return true
	}
	for _, r := range d.runs() {
		if r.Interrupted {
			return true
		}
	}
	return false
}

// Write renders one run in format f to w.
func Write(w io.Writer, res sim.Result, f Format) error {
	return WriteDocument(w, Document{Result: res}, f)
}

// WriteDocument renders d in format f to w.
func WriteDocument(w io.Writer, d Document, f Format) error {
	switch f {
	case Table:
		return writeTables(w, d, false)
	case Markdown:
		return writeTables(w, d, true)
	case JSON:
		return writeJSON(w, d)
	case CSV:
		return writeCSV(w, d)
	case GoBench:
		return writeGoBench(w, d)
	case HTML:
		return writeHTML(w, d)
	}
	return fmt.Errorf("unknown format %q", f)
}

// TraceLine formats one traced delivery the way the tutorial printed it.
func TraceLine(d sim.Delivery, dispatch sim.Dispatch) string {
	if dispatch == sim.Key {
		return fmt.Sprintf("queue %d consumer %d: received message %d (producer %d, key %d)", d.Queue, d.Consumer, d.Seq, d.Producer, d.Key)
	}
	return fmt.Sprintf("queue %d consumer %d: received message %d (producer %d)", d.Queue, d.Consumer, d.Seq, d.Producer)
}

// ConfigLine describes what ran in one line.
func ConfigLine(res sim.Result) string {
	c := res.Config
	var b strings.Builder
	msgs := plural(c.Messages, "message")
	if c.UntilDuration() {
		msgs = "messages until --duration"
	}
	consumers := plural(int64(c.Consumers), "consumer")
	if res.Steered { // the phases decide the count, the rate and the work
		msgs, consumers = "messages as the phases decide", "up to "+consumers
		c.Rate, c.Work = 0, 0
	}
	fmt.Fprintf(&b, "%s: %s × %s → %s × %s per queue, buffer %s, %s B payload",
		c.Dispatch, plural(int64(c.Producers), "producer"), msgs,
		plural(int64(c.Queues), "queue"), consumers, countStr(int64(c.Buffer)), countStr(int64(c.Size)))
	if c.Batch > 1 {
		fmt.Fprintf(&b, ", batches of %s", countStr(int64(c.Batch)))
	}
	if c.Dispatch == sim.Key {
		fmt.Fprintf(&b, ", %s keys", countStr(int64(c.Keys)))
	}
	if c.Rate > 0 {
		fmt.Fprintf(&b, ", open loop at %s msgs/s (%s)", units.Rate(c.Rate), c.Arrival)
	}
	if c.Work > 0 {
		fmt.Fprintf(&b, ", work %s %s (%s)", units.Duration(c.Work), c.WorkDist, c.WorkKind)
	}
	if c.Duration > 0 {
		fmt.Fprintf(&b, ", for %s", c.Duration)
	}
	if c.Warmup > 0 {
		fmt.Fprintf(&b, ", warm-up %s", c.Warmup)
	}
	fmt.Fprintf(&b, ", seed %d; GOMAXPROCS %d of %d CPUs, %s", c.Seed, res.GOMAXPROCS, res.NumCPU, res.GoVersion)
	return b.String()
}

// WorkloadLine says how the producers kept to their schedule and what ended
// the run; "" for a closed-loop run that sent every message.
func WorkloadLine(res sim.Result) string {
	var parts []string
	if c := res.Config; c.Rate > 0 && res.Role == sim.RoleConsumer {
		// Nothing was sent from here: the schedule was kept elsewhere.
		parts = append(parts, fmt.Sprintf("open loop: target %s msgs/s; how the producers kept to it is in their process's report", units.Rate(c.Rate)))
	} else if c.Rate > 0 {
		parts = append(parts, fmt.Sprintf("open loop: target %s msgs/s, sent %s msgs/s, max lag behind schedule %s",
			units.Rate(c.Rate), units.Rate(res.SendRate), units.Duration(res.MaxLag)))
	}
	if res.EndedBy == "duration" {
		parts = append(parts, fmt.Sprintf("ended by --duration %s after %s", res.Config.Duration, plural(res.Produced, "message")))
	}
	if sim.BrokerTransport(res.Config.Transport) {
		parts = append(parts, brokerLine(res))
		if line := failoverLine(res); line != "" {
			parts = append(parts, line)
		}
	}
	if res.Config.Transport == "nats" {
		where := "embedded nats-server"
		if res.Config.NATSURL != "" {
			where = "nats-server at " + sim.RedactURLs(res.Config.NATSURL)
		}
		parts = append(parts, fmt.Sprintf("transport: %s, %s slow-consumer events", where, countStr(res.SlowConsumers)))
		if line := failoverLine(res); line != "" {
			parts = append(parts, line)
		}
		if res.ClientDropped > 0 {
			parts = append(parts, fmt.Sprintf("%s messages dropped by the client: a slow consumer's buffer was full (--nats-pending); they count as lost", countStr(res.ClientDropped)))
		}
	}
	switch res.Role {
	case "producer":
		parts = append(parts, fmt.Sprintf("role producer (process %s): messages were sent from here; %s", res.Process, processesSay(res)))
	case "consumer":
		parts = append(parts, fmt.Sprintf("role consumer (process %s): messages came from a producer-role process; %s; latency assumes the processes' clocks agree (NTP or better)", res.Process, processesSay(res)))
	}
	if res.TransportError != "" {
		parts = append(parts, "transport FAILED mid-run: "+res.TransportError)
	}
	if line := crashLine(res); line != "" {
		parts = append(parts, line)
	}
	if res.WarmupDeliveries > 0 {
		parts = append(parts, fmt.Sprintf("%s deliveries in the %s warm-up left out of latency and throughput",
			countStr(res.WarmupDeliveries), res.Config.Warmup))
	}
	return strings.Join(parts, "; ")
}

// failoverLine says what a cluster run's failovers cost, or "".
func failoverLine(res sim.Result) string {
	s := res.FailoverSummary
	if s == nil {
		return ""
	}
	line := fmt.Sprintf("failover: %s connections lost their server at %s", countStr(int64(len(res.Failovers))), units.Duration(s.Down))
	if s.Up >= 0 {
		line += fmt.Sprintf(" and all were back within %s", units.Duration(s.Up-s.Down))
	} else {
		never := 0
		for _, f := range res.Failovers {
			if f.Up < 0 {
				never++
			}
		}
		line += fmt.Sprintf("; %d never came back", never)
	}
	line += fmt.Sprintf("; %s lost", countStr(s.Lost))
	if s.LostTimed {
		line += fmt.Sprintf(" (meant to be sent from %s to %s)", units.Duration(s.LostFrom), units.Duration(s.LostTo))
	}
	line += fmt.Sprintf(", %s duplicated", countStr(res.Duplicated))
	if s.WorstP99 > 0 {
		line += fmt.Sprintf("; p99 around it %s (the interval at %s) against %s for the median interval",
			units.Duration(s.WorstP99), units.Duration(s.WorstAt), units.Duration(s.MedianP99))
	}
	return line
}

// processesSay names the consumer processes behind a split run's counts.
func processesSay(res sim.Result) string {
	switch n := len(res.Processes); {
	case n == 0:
		return "no verdict was agreed, so the counts are this process's own"
	case n == 1:
		return "the counts are the run's, from its one consumer process"
	default:
		return fmt.Sprintf("the counts are the run's, merged over its %d consumer processes (shares below)", n)
	}
}

// Verdict is the one-line outcome of the delivery check.
func Verdict(res sim.Result) string {
	var b strings.Builder
	if res.Unjudged != "" {
		b.WriteString("check not made: " + res.Unjudged)
		if res.Interrupted {
			b.WriteString("; interrupted")
		}
		return b.String()
	}
	if res.Sent == 0 && !res.Interrupted { // nothing lost is no pass when nothing was sent
		if res.EndedBy == "duration" {
			return fmt.Sprintf("check not made: nothing was sent before --duration %s ended the run", res.Config.Duration)
		}
		return "check not made: nothing was sent"
	}
	if d := res.Config.Delivery; d != "" {
		semanticsVerdict(&b, res)
	} else if res.OK() {
		b.WriteString("check passed: every message sent was delivered exactly once")
		if res.OrderChecked {
			b.WriteString(", in order")
		}
	} else {
		fmt.Fprintf(&b, "check FAILED: %s lost", countStr(res.Lost))
		if res.CrashLost > 0 {
			fmt.Fprintf(&b, " (%s of them held by %s)", countStr(res.CrashLost), crashLostBy(res))
		}
		fmt.Fprintf(&b, ", %s duplicated", countStr(res.Duplicated))
		if res.OrderChecked {
			fmt.Fprintf(&b, ", %s out of order", countStr(res.Reordered))
		}
	}
	switch {
	case res.Interrupted && res.Sent == 0:
		return "interrupted before any message was sent: nothing was checked"
	case res.Interrupted && res.Config.Duration > 0 && res.EndedBy == "interrupted":
		fmt.Fprintf(&b, "; interrupted after %s of the planned --duration %s", units.Duration(res.Elapsed), res.Config.Duration)
	case res.Interrupted && res.Steered && res.EndedBy == "interrupted":
		fmt.Fprintf(&b, "; interrupted after %s, before the phases ended", units.Duration(res.Elapsed))
	case res.Interrupted && res.NotSent() > 0:
		fmt.Fprintf(&b, "; interrupted: %s of %s deliveries not sent (not counted as lost)", countStr(res.NotSent()), countStr(res.Expected))
	case res.Interrupted:
		b.WriteString("; interrupted while the consumers drained: every message was sent, and the last ones were received without their work")
	}
	return b.String()
}

// semanticsVerdict judges a broker run against its delivery semantics:
// the counts always, and whether they keep what the semantics promise.
func semanticsVerdict(b *strings.Builder, res sim.Result) {
	d := res.Config.Delivery
	word := "passed"
	if !res.OK() {
		word = "FAILED"
	}
	fmt.Fprintf(b, "check %s against %s (%s): %s lost, %s duplicated", word, d, d.Promise(), countStr(res.Lost), countStr(res.Duplicated))
	if res.Redelivered > 0 {
		what := countStr(res.Redelivered) + " deliveries"
		if res.Redelivered == 1 {
			what = "1 delivery"
		}
		fmt.Fprintf(b, " (%s redelivered by the broker)", what)
	}
	if res.OrderChecked {
		fmt.Fprintf(b, ", %s out of order", countStr(res.Reordered))
		if res.Reordered > 0 {
			b.WriteString(" (redeliveries reorder: shown, not judged)")
		}
	}
}

// DocumentVerdict is Verdict for the run shown, plus what a signal between
// repeats cut short.
func DocumentVerdict(d Document) string {
	v := Verdict(d.Result)
	if d.Interrupted && !d.Result.Interrupted {
		if ran := len(d.runs()); d.Planned > ran {
			v += fmt.Sprintf("; interrupted: %d of %d runs ran", ran, d.Planned)
		} else {
			v += "; interrupted after the last run ended"
		}
	}
	return v
}

// RuntimeLine describes what the Go runtime did during the run.
func RuntimeLine(res sim.Result) string {
	rt := res.Runtime
	var b strings.Builder
	fmt.Fprintf(&b, "runtime: %s, GOMAXPROCS %d of %d CPUs; peak %s goroutines; %s (%s pause); peak heap %s",
		rt.GoVersion, rt.GOMAXPROCS, rt.NumCPU, countStr(int64(rt.PeakGoroutines)), plural(int64(rt.GCCycles), "GC cycle"),
		units.Duration(rt.GCPause), units.Bytes(float64(rt.PeakHeapBytes)))
	if rt.PeakRSSBytes > 0 {
		fmt.Fprintf(&b, ", peak RSS %s", units.Bytes(float64(rt.PeakRSSBytes)))
	}
	fmt.Fprintf(&b, "; start-up %s", units.Duration(rt.Startup))
	if rt.PrefaultBytes > 0 {
		fmt.Fprintf(&b, " (%s of it pre-faulting %s as huge pages)", units.Duration(rt.Prefault), units.Bytes(float64(rt.PrefaultBytes)))
	}
	fmt.Fprintf(&b, ", shutdown %s; latency histograms %s", units.Duration(rt.Shutdown), res.Histograms)
	return b.String()
}

func plural(n int64, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return countStr(n) + " " + word + "s"
}
