// Package explain is msgsim's teaching room: it draws a config's topology,
// predicts its queues with queueing theory when the workload allows, and
// after a run sets the prediction beside what was measured, checks Little's
// law and says in plain words what bounded the run. It reads sim.Config and
// sim.Result and writes text; it runs nothing.
package explain

import (
	"fmt"
	"io"
	"math"
	"strings"
	"time"

	"github.com/msgsim/msgsim/queueing"
	"github.com/msgsim/msgsim/sim"
	"github.com/msgsim/msgsim/units"
)

// maxDrawn is how many queues, and consumers per queue, are drawn one by
// one; larger topologies are summarised.
const maxDrawn = 4

// Diagram draws the topology: producers → queues → consumers, with the
// dispatch mode and buffers.
func Diagram(c sim.Config) string {
	var b strings.Builder
	prod := names("P", c.Producers)
	switch c.Transport {
	case "nats":
		fmt.Fprintf(&b, "dispatch: %s; every queue is a NATS queue group", describeDispatch(c))
	case "jetstream":
		fmt.Fprintf(&b, "dispatch: %s; every queue is a durable JetStream consumer its consumers pull from", describeDispatch(c))
	case "kafka":
		fmt.Fprintf(&b, "dispatch: %s; every queue is a Kafka consumer group whose members share its topic's partitions", describeDispatch(c))
	default:
		fmt.Fprintf(&b, "dispatch: %s; every queue is a Go channel with buffer %s", describeDispatch(c), units.Int(int64(c.Buffer)))
	}
	if c.Batch > 1 {
		fmt.Fprintf(&b, ", carrying batches of %s", units.Int(int64(c.Batch)))
	}
	b.WriteString("\n\n")
	left := fmt.Sprintf("[ %s ]", prod)
	pad := strings.Repeat(" ", len([]rune(left)))
	qs := drawnQueues(c.Queues)
	for i, q := range qs {
		branch := "├"
		switch {
		case len(qs) == 1:
			branch = "─"
		case i == 0:
			branch = "┬"
		case i == len(qs)-1:
			branch = "└"
		}
		head := pad + " "
		if i == 0 {
			head = left + "─"
		}
		if q < 0 {
			fmt.Fprintf(&b, "%s │    ⋮  (%s more queues)\n", pad, units.Int(int64(c.Queues-len(qs)+1)))
			continue
		}
		fmt.Fprintf(&b, "%s%s──► q%-4d ══► %s\n", head, branch, q, consumersOf(q, c.Consumers))
	}
	if c.UntilDuration() {
		fmt.Fprintf(&b, "\n%s producer%s sending until --duration %s", units.Int(int64(c.Producers)), plural(c.Producers), c.Duration)
		if c.Rate > 0 {
			fmt.Fprintf(&b, " at %s msgs/s: about %s deliveries", units.Rate(c.Rate), units.Int(int64(c.Rate*c.Duration.Seconds()*float64(perMessage(c)))))
		}
		fmt.Fprintf(&b, "; %s consumer goroutine%s in all\n", units.Int(int64(c.Queues*c.Consumers)), plural(c.Queues*c.Consumers))
		return b.String()
	}
	fmt.Fprintf(&b, "\n%s producer%s × %s messages", units.Int(int64(c.Producers)), plural(c.Producers), units.Int(c.Messages))
	if c.Dispatch == sim.Fanout {
		fmt.Fprintf(&b, " × %s queue%s", units.Int(int64(c.Queues)), plural(c.Queues))
	}
	fmt.Fprintf(&b, " = %s expected deliveries; %s consumer goroutine%s in all\n",
		units.Int(c.Expected()), units.Int(int64(c.Queues*c.Consumers)), plural(c.Queues*c.Consumers))
	return b.String()
}

// perMessage is the deliveries one message makes.
func perMessage(c sim.Config) int {
	if c.Dispatch == sim.Fanout {
		return c.Queues
	}
	return 1
}

func describeDispatch(c sim.Config) string {
	switch c.Dispatch {
	case sim.RoundRobin:
		return "roundrobin (each message to one queue, in turn)"
	case sim.Key:
		return fmt.Sprintf("key (each message to the queue its key hashes to; %s keys)", units.Int(int64(c.Keys)))
	}
	return "fanout (every message to every queue)"
}

func names(prefix string, n int) string {
	switch {
	case n == 1:
		return prefix + "0"
	case n <= maxDrawn:
		parts := make([]string, n)
		for i := range parts {
			parts[i] = fmt.Sprintf("%s%d", prefix, i)
		}
		return strings.Join(parts, " ")
	}
	return fmt.Sprintf("%s0 … %s%d", prefix, prefix, n-1)
}

// drawnQueues lists the queues drawn, -1 standing for the elided middle.
func drawnQueues(n int) []int {
	if n <= maxDrawn {
		out := make([]int, n)
		for i := range out {
			out[i] = i
		}
		return out
	}
	return []int{0, 1, -1, n - 1}
}

func consumersOf(q, n int) string {
	if n <= maxDrawn-1 {
		parts := make([]string, n)
		for i := range parts {
			parts[i] = fmt.Sprintf("c%d.%d", q, i)
		}
		s := strings.Join(parts, " ")
		if n > 1 {
			s += fmt.Sprintf("  (%d competing)", n)
		}
		return s
	}
	return fmt.Sprintf("c%d.0 … c%d.%d  (%s competing)", q, q, n-1, units.Int(int64(n)))
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// Model returns the queueing model of one queue of c, and why there is
// none when the workload is not one theory covers (queueing.For).
func Model(c sim.Config) (queueing.Model, string) { return queueing.For(c) }

func modelName(m queueing.Model) string {
	if m.Deterministic {
		return fmt.Sprintf("M/D/%d", m.C)
	}
	return fmt.Sprintf("M/M/%d", m.C)
}

// WritePrediction prints the model and its prediction for each queue (all
// queues are alike, so one line serves).
func WritePrediction(w io.Writer, c sim.Config) {
	m, why := Model(c)
	if why != "" {
		fmt.Fprintln(w, why)
		return
	}
	p, _ := queueing.Predict(m)
	fmt.Fprintf(w, "queueing theory, per queue (%s): λ = %s msgs/s, service 1/μ = %s, c = %d\n",
		modelName(m), units.Rate(m.Lambda), units.Duration(c.Work), m.C)
	switch lo, hi, _ := queueing.KeySplit(c.Keys, c.Queues); {
	case c.Dispatch == sim.Key && c.Queues > 1:
		// Each message draws its key at random: a random thinning of a
		// Poisson stream, which stays Poisson.
		fmt.Fprintf(w, "  (λ is the rate's even share over %d queues; the %s keys hash %.1f%% to %.1f%% of the messages to each)\n",
			c.Queues, units.Int(int64(c.Keys)), 100*lo, 100*hi)
	case c.Dispatch == sim.RoundRobin && c.Queues > 1:
		fmt.Fprintf(w, "  (λ is the rate split evenly over %d queues; roundrobin-split Poisson arrivals are only approximately Poisson)\n", c.Queues)
	}
	if p.Unstable {
		fmt.Fprintf(w, "  utilisation ρ = %.2f ≥ 1: WARNING, the queue grows without bound; latency will climb for as long as the run lasts\n", p.Rho)
		return
	}
	fmt.Fprintf(w, "  utilisation ρ = %.2f, P(wait) = %.3f (Erlang C), mean wait Wq = %s, mean waiting Lq = %.2f, mean time in system W = %s\n",
		p.Rho, p.PWait, units.Duration(p.Wq), p.Lq, units.Duration(p.W))
}

// notJudged stands for the comparison of an interrupted run: at the
// signal, consumers drain what is queued without its work, so its waits,
// depths and utilisation are no steady state of the model's.
const notJudged = "predicted vs measured: not judged: the run was interrupted, and what was queued at the signal was drained without its work, so the figures above are no steady state to set beside the model"

// Comparison is one queue's prediction beside its measurement.
type Comparison struct {
	Queue      int
	Predicted  queueing.Prediction // from the requested work
	Corrected  queueing.Prediction // from the measured service time
	MeasuredWq time.Duration       // mean latency: send (intended) → taken
	MeasuredRo float64             // utilisation
	MeasuredLq float64             // mean depth
	Lambda     float64             // measured arrival rate at this queue
	LittleLq   float64             // λ × measured Wq
}

// Compare sets the model beside the run's measurement, queue by queue.
func Compare(res sim.Result) ([]Comparison, string) {
	m, why := Model(res.Config)
	if why != "" {
		return nil, why
	}
	var out []Comparison
	window := res.Elapsed - res.Config.Warmup
	for _, q := range res.Queues {
		cmp := Comparison{Queue: q.Queue, MeasuredWq: q.Latency.Mean, MeasuredRo: q.Utilisation, MeasuredLq: q.MeanDepth}
		cmp.Predicted, _ = queueing.Predict(m)
		if q.MeanService > 0 {
			mm := m
			mm.Mu = 1 / q.MeanService.Seconds()
			cmp.Corrected, _ = queueing.Predict(mm)
		}
		if window > 0 {
			cmp.Lambda = float64(q.Latency.Count) / window.Seconds()
		}
		cmp.LittleLq = queueing.Little(cmp.Lambda, cmp.MeasuredWq)
		out = append(out, cmp)
	}
	return out, ""
}

// WriteComparison prints predicted against measured and the Little's law
// check, at most maxDrawn queues.
func WriteComparison(w io.Writer, res sim.Result) {
	if res.Interrupted {
		fmt.Fprintln(w, notJudged)
		return
	}
	cmps, why := Compare(res)
	if why != "" {
		fmt.Fprintln(w, why)
		return
	}
	fmt.Fprintln(w, "predicted vs measured (mean wait = send → taken by a consumer):")
	for i, c := range cmps {
		if i == maxDrawn {
			fmt.Fprintf(w, "  … %d more queues alike\n", len(cmps)-maxDrawn)
			break
		}
		fmt.Fprintf(w, "  q%d  utilisation: predicted %s, measured %s\n", c.Queue, rho(c.Predicted), pct(c.MeasuredRo))
		fmt.Fprintf(w, "      mean wait:   predicted %s, measured %s (%s)", wq(c.Predicted), units.Duration(c.MeasuredWq), diff(c.MeasuredWq, c.Predicted))
		if c.Corrected.Rho > 0 {
			fmt.Fprintf(w, "; from the measured service time %s", wq(c.Corrected))
		}
		fmt.Fprintln(w)
		fmt.Fprintf(w, "      waiting:     predicted Lq %s, measured mean depth %.2f\n", lq(c.Predicted), c.MeasuredLq)
		fmt.Fprintf(w, "      Little's law: λ × W = %s/s × %s = %.2f waiting, sampled depth %.2f (%s)\n",
			units.Rate(c.Lambda), units.Duration(c.MeasuredWq), c.LittleLq, c.MeasuredLq, littleVerdict(c.LittleLq, c.MeasuredLq))
	}
	if f := worstFit(res); f.Applies {
		fmt.Fprintf(w, "  %s\n", f.Sentence())
	}
}

func rho(p queueing.Prediction) string { return pct(p.Rho) }
func pct(f float64) string             { return fmt.Sprintf("%.1f%%", 100*f) }

func wq(p queueing.Prediction) string {
	if p.Unstable {
		return "unbounded"
	}
	return units.Duration(p.Wq)
}

func lq(p queueing.Prediction) string {
	if p.Unstable {
		return "unbounded"
	}
	return fmt.Sprintf("%.2f", p.Lq)
}

func diff(measured time.Duration, p queueing.Prediction) string {
	if p.Unstable || p.Wq <= 0 {
		return "no finite prediction"
	}
	return fmt.Sprintf("%+.0f%%", 100*(float64(measured)-float64(p.Wq))/float64(p.Wq))
}

func littleVerdict(little, sampled float64) string {
	if math.Max(little, sampled) < 0.05 {
		return "both near zero"
	}
	if r := sampled / little; r > 0.8 && r < 1.25 {
		return "holds within 25%"
	}
	// Depth counts every message that arrived and was not taken, the
	// producers' backlog too; what is left unexplained is said so.
	return "off by more than 25%, which msgsim cannot explain: depth counts every message that arrived and was not taken, wherever it waited"
}

// worstFit is the fit of the queue whose measured wait is furthest from
// the model's.
func worstFit(res sim.Result) Fit {
	var worst Fit
	for q := range res.Queues {
		e, ok := EvidenceOf(res, q)
		if !ok {
			break
		}
		if f := JudgeFit(e); f.Applies && (!worst.Applies || math.Abs(f.Off) > math.Abs(worst.Off)) {
			worst = f
		}
	}
	return worst
}

// Verdict says in plain words what bounded the run, with the evidence.
// Every sentence about what more consumers would do is one a sweep of the
// same config bears out on a 2-core machine (docs/teaching.md, backed by
// teaching_test.go): sleeping consumers scale until the offered rate is the
// limit; spinning ones, timed by the wall clock, scale even past the cores;
// with no work the consumer count moves throughput in no steady direction.
//
// When the measured mean wait is further from the model's than FitMargin
// (and FitSlack), the verdict says the model does not fit and why, as far
// as msgsim has checked; it never calls such latency queueing noise.
func Verdict(res sim.Result) string {
	if res.Interrupted {
		return "none: the run was interrupted, so nothing says what would have bounded it"
	}
	v := bound(res)
	if f := worstFit(res); f.Applies && !f.Fits {
		v = strings.TrimSuffix(v, ".") + ". But " + f.Sentence() + "."
	}
	return v
}

// bound says what bounded the run.
func bound(res sim.Result) string {
	c := res.Config
	var maxUtil, meanDepth float64
	for _, q := range res.Queues {
		maxUtil = math.Max(maxUtil, q.Utilisation)
		meanDepth += q.MeanDepth / float64(len(res.Queues))
	}
	behind := c.Rate > 0 && res.SendRate < 0.95*c.Rate
	growing := ""
	if n := len(res.Series); n >= 3 && res.Series[n-1].P50 > 2*res.Series[0].P50 && res.Series[n-1].P50 > time.Millisecond {
		growing = fmt.Sprintf("; p50 grew from %s to %s over the run", units.Duration(res.Series[0].P50), units.Duration(res.Series[n-1].P50))
	}
	switch {
	case c.Work > 0 && (maxUtil >= 0.85 || growing != ""):
		s := fmt.Sprintf("consumer-bound: consumers were busy %s of the time, %.1f messages waited on average per queue%s. ", pct(maxUtil), meanDepth, growing)
		if c.Rate > 0 {
			// An open loop cannot deliver faster than it offers: past that
			// point consumers buy latency, not throughput.
			s += fmt.Sprintf("More consumers per queue help: they cut the waiting and raise throughput up to the offered %s msgs/s, "+
				"which no number of consumers can exceed", units.Rate(c.Rate))
		} else {
			s += "More consumers per queue raise throughput"
		}
		if c.WorkKind == sim.Spin {
			s += spinNote(res)
		}
		return s + "."
	case behind:
		busy := ""
		if c.Work > 0 {
			busy = fmt.Sprintf(", while consumers were busy %s of the time", pct(maxUtil))
		}
		return fmt.Sprintf("producer-bound: the producers sent %s of the %s msgs/s asked for and fell up to %s behind schedule%s. "+
			"More consumers will not help; more producers (or cheaper sends: --batch) will.",
			units.Rate(res.SendRate), units.Rate(c.Rate), units.Duration(res.MaxLag), busy)
	case c.Rate > 0:
		// Only measured figures: consumers time their busy spells only
		// with --work, and depth is not sampled on every run.
		var seen []string
		if c.Work > 0 {
			seen = append(seen, fmt.Sprintf("busy %s of the time", pct(maxUtil)))
		}
		if res.DepthMeasured {
			seen = append(seen, fmt.Sprintf("%.2f waiting on average", meanDepth))
		}
		s := fmt.Sprintf("keeping up: the offered %s msgs/s is below what the consumers can take", units.Rate(c.Rate))
		if len(seen) > 0 {
			s += " (" + strings.Join(seen, ", ") + ")"
		}
		s += ". "
		// Noise only where the model was set beside the run and fitted:
		// without a model nothing says what the wait would be.
		if f := worstFit(res); f.Applies && f.Fits {
			s += "Latency here is queueing noise, not a bottleneck. "
		}
		return s + "Throughput is the offered rate: more consumers cannot raise it, only shorten what waiting is left."
	case c.Work > 0:
		s := fmt.Sprintf("producer-bound: in a closed loop the consumers were busy only %s of the time, so they waited for messages; "+
			"the producer(s) did not feed them faster", pct(maxUtil))
		if c.Dispatch == sim.Fanout && c.Queues > 1 && c.Buffer == 0 {
			// Measured over 4 queues: unbuffered, spinning consumers were
			// 71-83% busy (sleeping ones 36-59%); a buffer of 64 brought
			// both to 86-100%.
			s += " (unbuffered fan-out: the producer waits at each queue in turn for a free consumer while the other queues' consumers idle; a buffer, -b, lets it move on)"
		}
		return s + "."
	}
	depth := ""
	if res.DepthMeasured {
		depth = fmt.Sprintf(", %.1f messages waiting on average", meanDepth)
	}
	// Measured on 2 cores: 1 to 8 consumers moved this throughput by -56% to
	// +90% from run to run, in no steady direction, while --batch 16 raised
	// it 4× or more every time. So name the lever that works and do not
	// promise what consumers do.
	return fmt.Sprintf("channel-bound: there is no work per message, so the time goes into channel hand-offs and goroutine scheduling "+
		"(%s deliveries/s%s, GOMAXPROCS %d). The consumers are not what limits it: changing their number moves throughput in no steady "+
		"direction (the scheduler decides; a sweep with --repeat shows the spread). Fewer channel operations do: --batch N hands N "+
		"messages per operation.", units.Rate(res.Throughput()), depth, res.GOMAXPROCS)
}

// spinNote says what spinning consumers show about cores. msgsim's spin is
// timed by the wall clock and yields every few microseconds, so consumers
// beyond the cores take turns and still finish on time: a sweep of spinning
// consumers keeps scaling past GOMAXPROCS (8 consumers of 1 ms on 2 cores
// deliver about 5× what 1 does), where real CPU-bound code would stop.
func spinNote(res sim.Result) string {
	busy := 0.0 // consumer-seconds of spinning per second
	for _, q := range res.Queues {
		busy += q.Utilisation * float64(q.Consumers)
	}
	cores := res.GOMAXPROCS
	// A fifth over the cores, so one consumer measured 100.2% busy on one
	// core is not called proof of scaling past it.
	if busy > 1.2*float64(cores) {
		return fmt.Sprintf(", even past the cores: spin work is timed by the wall clock and yields, so %.1f consumers' worth of spinning "+
			"fitted on %d core%s. Real CPU-bound code would stop scaling at %d busy core%s; msgsim's spin cannot show that ceiling",
			busy, cores, plural(cores), cores, plural(cores))
	}
	return fmt.Sprintf("; spinning consumers kept %.1f of %d core%s busy. Real CPU-bound code would stop scaling at %d busy core%s; "+
		"msgsim's spin, timed by the wall clock, keeps scaling past that", busy, cores, plural(cores), cores, plural(cores))
}
