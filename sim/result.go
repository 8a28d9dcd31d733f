package sim

import (
	"math"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
)

// Result is what a run measured: plain data, so every report format is a
// function of it and can be tested from a fixed value.
type Result struct {
	Config     Config    // as run; Seed holds the seed actually used
	GoVersion  string    // runtime.Version()
	GOMAXPROCS int       // during the run
	NumCPU     int       // runtime.NumCPU()
	Start      time.Time // wall clock at the start, for the record

	Elapsed time.Duration // first send → last receive
	// Measured is the part of Elapsed that throughput is measured over:
	// from the end of the warm-up (or the first send, without one) to the
	// last receive. See MeasuredTime.
	Measured time.Duration

	Produced   int64 // messages created by producers
	Expected   int64 // deliveries a complete run makes (Config.Expected)
	Sent       int64 // deliveries handed to a queue; Expected − Sent were not sent (interrupted)
	Delivered  int64 // deliveries received by consumers, duplicates included
	Lost       int64 // sent but never received
	Duplicated int64 // received beyond the first time, or never sent at all
	Reordered  int64 // received after a later message of the same producer (checked only when OrderChecked)
	Bytes      int64 // payload bytes received

	// OrderChecked is true when each queue has one consumer, the only case
	// in which per-producer (and so per-key) order is promised.
	OrderChecked bool

	Latency Latency // all deliveries
	// Histogram is Latency's histogram (3 significant figures), for
	// HdrHistogram's percentile distribution; Spectrum is its percentile
	// spectrum. Nil for a run that timed nothing.
	Histogram *hdrhistogram.Histogram
	Spectrum  []Quantile
	// QueueLatency is false when there were too many queues to keep a
	// histogram each (see Histograms); Queues[i].Latency is then empty.
	QueueLatency bool
	Histograms   HistogramLayout  // how latency histograms were kept
	Runtime      Runtime          // what the Go runtime did during the run
	Queues       []QueueResult    // one per queue
	Consumers    []ConsumerResult // one per consumer, queue by queue

	// Interrupted is set when the context was cancelled at any moment of
	// the run: producers stopped (NotSent were never sent) and consumers
	// drained what was queued without doing its work.
	Interrupted bool

	// EndedBy says what stopped the producers: "messages" (all sent),
	// "duration" (Config.Duration passed) or "interrupted".
	EndedBy string
	// SendRate is messages produced per second, first intended send to last
	// send; MaxLag is how far behind its schedule an open-loop producer fell.
	SendRate float64
	MaxLag   time.Duration
	// WarmupDeliveries arrived during Config.Warmup: checked for exactly-once
	// but kept out of latency and throughput.
	WarmupDeliveries int64
	// Series is throughput and latency per interval (see Config.Interval).
	Series []Interval
	// SlowConsumers counts the NATS client's slow-consumer events (messages
	// it dropped); TransportError is why publishing ended early, if it did.
	SlowConsumers  int64
	TransportError string
	// ClientDropped counts messages the NATS client dropped because a slow
	// consumer's buffer was full (Config.NATSPending): part of Lost.
	ClientDropped int64
	// Failovers are a cluster run's connections losing their server and
	// reconnecting to another; FailoverSummary says what they cost.
	Failovers       []Failover
	FailoverSummary *FailoverSummary
	// Role is the NATS role this process played: "", "all", "producer"
	// (nothing received here; Lost is not judged) or "consumer" (sent
	// counts are the plan the producers elsewhere follow).
	Role string
	// Process is this process's id in a split NATS run; Processes are the
	// consumer processes' shares of the run, whose counts (and Lost,
	// Duplicated) are the whole run's, as the producer process merged them.
	Process   string
	Processes []ProcessShare
	// Unjudged says why the exactly-once check could not be made (a split
	// run whose producers never said what they sent, or whose accounts did
	// not all arrive); Lost and Duplicated are then not findings.
	Unjudged string
	// DepthMeasured is false when queue depth could not be sampled
	// (unbuffered queues in a closed loop); MaxDepth and MeanDepth are 0.
	DepthMeasured bool

	// Steered is set when a Control steered the run (Config.Control):
	// Config.Messages is then a bound, Config.Consumers the most a queue
	// could have, and rate and work are the phases'. Phases are its phases,
	// in order; a message counts in the phase its producer sent it in.
	Steered bool
	Phases  []PhaseResult
	// Crashes are the consumers a Control crashed, each with the message it
	// held; CrashLost is how many of those messages were lost (all of
	// them, unless a duplicate was delivered), part of Lost.
	Crashes   []Crash
	CrashLost int64

	// A durable broker's run (JetStream): Redelivered counts deliveries
	// the broker marked as delivered again (after a missing acknowledgement);
	// Unconfirmed publishes the broker did not acknowledge, Republished
	// those the producers published again (not at most once); Faults are
	// its broker faults and what each did.
	Redelivered int64
	Unconfirmed int64
	Republished int64
	Faults      []FaultReport
}

// PhaseResult is what one phase of a steered run sent and delivered.
type PhaseResult struct {
	Name          string
	Start, Length time.Duration // since the first send
	Sent          int64         // deliveries handed to a queue in the phase
	Delivered     int64         // of them, received (duplicates included)
	Lost          int64
	Duplicated    int64
	Throughput    float64 // Delivered per second of the phase's length
	Latency       Latency // within 1% (2 significant figures)
	MaxDepth      int64   // deepest queue sampled during the phase
}

// QueueResult is one queue's share of a Result.
type QueueResult struct {
	Queue      int
	Consumers  int
	Sent       int64
	Delivered  int64
	Lost       int64
	Duplicated int64
	Reordered  int64
	Bytes      int64
	Latency    Latency
	Spectrum   []Quantile // Latency's percentile spectrum; empty without per-queue latency
	// WarmupDeliveries arrived at this queue during Config.Warmup.
	WarmupDeliveries int64
	// Redelivered counts the deliveries a broker marked as redelivered.
	Redelivered int64

	MaxDepth    int64         // most messages waiting in the queue at a sample
	MeanDepth   float64       // average over the samples
	Utilisation float64       // time consumers spent working ÷ (consumers × elapsed); 0 without work
	MeanService time.Duration // measured work per message; 0 without work
	busy        time.Duration
}

// ConsumerResult is what one consumer received.
type ConsumerResult struct {
	Queue, Consumer int
	Delivered       int64
	Process         string `json:",omitempty"` // in a split run, the consumer process it ran in
}

// Latency summarises a latency distribution (send → receive).
type Latency struct {
	Count   int64
	Min     time.Duration
	Mean    time.Duration
	StdDev  time.Duration
	P50     time.Duration
	P90     time.Duration
	P99     time.Duration
	P999    time.Duration
	Max     time.Duration
	Clamped int64 // samples above the histogram's range, recorded as its maximum
}

// NotSent is the number of planned deliveries that were never handed to a
// queue because the run was interrupted. They are not counted as lost.
func (r Result) NotSent() int64 { return r.Expected - r.Sent }

// Throughput is msgsim's one definition of throughput, used by every
// report, assertion, baseline and sweep: deliveries after the warm-up per
// second of MeasuredTime. It is 0 when nothing was measured; see
// MeasuredDeliveries.
func (r Result) Throughput() float64 {
	return perSecond(r.MeasuredDeliveries(), r.MeasuredTime())
}

// QueueThroughput is Throughput for queue i alone, over the same time.
func (r Result) QueueThroughput(i int) float64 {
	q := r.Queues[i]
	return perSecond(q.Delivered-q.WarmupDeliveries, r.MeasuredTime())
}

// MeasuredDeliveries is how many deliveries throughput counts: all of
// them but the warm-up's.
func (r Result) MeasuredDeliveries() int64 { return r.Delivered - r.WarmupDeliveries }

// MeasuredTime is the time throughput is measured over: Elapsed without a
// warm-up, Measured with one.
func (r Result) MeasuredTime() time.Duration {
	if r.Config.Warmup == 0 {
		return r.Elapsed
	}
	return r.Measured
}

// BytesPerSecond returns payload bytes per second, like Throughput.
func (r Result) BytesPerSecond() float64 {
	per := 0.0
	if r.Delivered > 0 {
		per = float64(r.Bytes) / float64(r.Delivered)
	}
	return per * r.Throughput()
}

// QueueBytesPerSecond is BytesPerSecond for queue i alone.
func (r Result) QueueBytesPerSecond(i int) float64 {
	q, per := r.Queues[i], 0.0
	if q.Delivered > 0 {
		per = float64(q.Bytes) / float64(q.Delivered)
	}
	return per * r.QueueThroughput(i)
}

// OK reports whether the exactly-once check passed: something was sent
// (a run that sent nothing checked nothing), nothing lost, nothing
// duplicated, nothing out of order where order is promised.
//
// A durable broker's run is judged against its delivery semantics
// (Config.Delivery, see delivery.go): at least once allows duplicates, at
// most once allows loss, and none of them judges order.
func (r Result) OK() bool {
	d := r.Config.Delivery
	return r.Unjudged == "" && r.Sent > 0 && (r.Lost == 0 || !d.judgesLoss()) &&
		(r.Duplicated == 0 || !d.judgesDuplicates()) && (r.Reordered == 0 || !d.judgesOrder())
}

func perSecond(n int64, d time.Duration) float64 {
	if d <= 0 {
		return 0
	}
	return float64(n) / d.Seconds()
}

// Histogram settings: 1 ns resolution to one hour at 3 significant figures
// (±0.1%), 270 KB per histogram. An hour covers any closed-loop run; longer
// latencies are clamped and counted rather than dropped.
const (
	histLowest  = 1
	histHighest = int64(time.Hour)
	histSigFigs = 3
)

func newHistogram() *hdrhistogram.Histogram {
	return hdrhistogram.New(histLowest, histHighest, histSigFigs)
}

// Quantile is one point of a latency percentile spectrum.
type Quantile struct {
	Percentile float64 // 0–100
	Value      time.Duration
}

// SpectrumPercentiles are where a spectrum is read: ten points a decade of
// 1/(1−p), from 0% to 99.999% (as HdrHistogram's plotter draws them), then
// 100%, the maximum.
var SpectrumPercentiles = func() []float64 {
	var ps []float64
	for k := 0; k <= 50; k++ {
		ps = append(ps, 100*(1-math.Pow(10, -float64(k)/10)))
	}
	return append(ps, 100)
}()

// spectrum reads h at SpectrumPercentiles in one pass; nil when h is empty.
func spectrum(h *hdrhistogram.Histogram) []Quantile {
	if h == nil || h.TotalCount() == 0 {
		return nil
	}
	vs := h.ValueAtPercentilesSlice(SpectrumPercentiles)
	out := make([]Quantile, len(vs))
	for i, v := range vs {
		out[i] = Quantile{Percentile: SpectrumPercentiles[i], Value: time.Duration(v)}
	}
	return out
}

func summarize(h *hdrhistogram.Histogram, clamped int64) Latency {
	if h.TotalCount() == 0 {
		return Latency{}
	}
	d := func(v int64) time.Duration { return time.Duration(v) }
	// One pass for all percentiles: a thousand queues' summaries add up.
	p := h.ValueAtPercentilesSlice([]float64{50, 90, 99, 99.9})
	return Latency{
		Count:   h.TotalCount(),
		Min:     d(h.Min()),
		Mean:    time.Duration(h.Mean()),
		StdDev:  time.Duration(h.StdDev()),
		P50:     d(p[0]),
		P90:     d(p[1]),
		P99:     d(p[2]),
		P999:    d(p[3]),
		Max:     d(h.Max()),
		Clamped: clamped,
	}
}
