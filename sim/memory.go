package sim

import (
	"fmt"
	"math"
	"runtime"
	"strings"
	"time"
	"unsafe"

	"github.com/msgsim/msgsim/units"
)

// MemoryEstimate is what a run is expected to hold in memory at its peak,
// worked out from its Config alone, before anything is allocated. Validate
// refuses a run whose Total exceeds its budget (see MemoryBudget).
// docs/memory.md sets it beside measured peak RSS.
type MemoryEstimate struct {
	Total uint64
	Terms []MemoryTerm // in a fixed order, empty ones left out
}

// MemoryTerm is one part of an estimate, with the arithmetic behind it.
type MemoryTerm struct {
	Name   string // e.g. "payloads"
	Bytes  uint64
	Detail string // e.g. "100,000 producers × 977 KiB"
}

func (t MemoryTerm) String() string {
	return t.Name + ": " + t.Detail + " = " + units.Bytes(float64(t.Bytes))
}

// Largest returns the biggest term: what to shrink first.
func (e MemoryEstimate) Largest() MemoryTerm {
	var big MemoryTerm
	for _, t := range e.Terms {
		if t.Bytes > big.Bytes {
			big = t
		}
	}
	return big
}

// What the estimate is built from: sizes of the engine's own structures
// and costs measured on linux/amd64 with Go 1.26 (docs/memory.md says how).
const (
	// goroutineBytes is a blocked goroutine's memory: its 2 KiB starting
	// stack, its g, a sudog and the closure that started it. Measured as
	// (heap objects + stacks) ÷ goroutines with a million consumers
	// started: 2,740 B, of which the stacks 2,078 B.
	goroutineBytes = 2048 + 692
	// programBytes is msgsim itself, runtime and report included: the
	// peak RSS of a run of a thousand messages is 17–25 MiB.
	programBytes = 24 << 20
	// consumerBytes is a consumer's counters (the consumer struct, three
	// cache lines) plus its rows in the Result and the report's copy.
	consumerBytes = 192 + 2*24
	producerBytes = 184 + 64 // the producer struct and its state
	workerBytes   = 112      // a consumer's work generator, with --work
	queueBytes    = 96 + 24 + 2*184
	batchBytes    = 48 // a batch without its messages
	messageBytes  = 24
	// intervalHistogramBytes is one series interval's histogram
	// (1 ns – 1 h at 2 significant figures).
	intervalHistogramBytes = 36_932
	// NATS: an embedded server, and each connection's client and server
	// side (one per consumer and per producer), from the peak RSS of
	// 100 and 1,000 consumers over NATS against the same over channels.
	natsServerBytes = 12 << 20
	natsConnBytes   = 78 << 10
)

// What a timed closed-loop run can deliver, from the fastest runs measured
// here with some headroom (README, Performance): unbatched, every delivery
// is a channel send by a producer, and one producer alone on a P made 12M
// a second; batched, one producer filled 68M messages a second into
// batches shared by three queues (204M deliveries/s on two Ps). The
// slowest rate bounds how long a closed-loop run of a given count lasts,
// for sizing its series: the default topology measured 3–6M/s here.
const (
	sendsPerProducer      = 15e6  // deliveries/s, unbatched
	batchedPerProducer    = 100e6 // messages/s, batched
	batchedDeliveriesPerP = 150e6 // deliveries/s the consumers of one P check
	slowestRate           = 1e6   // deliveries/s
)

// Memory estimates the run's peak memory. Every term is an upper bound of
// what newRun and the goroutines allocate in proportion to the config,
// except the exactly-once bits of a timed run, which grow as it goes and
// are bounded by what its rate can deliver in its Duration (see reach).
func (c Config) Memory() MemoryEstimate {
	var e MemoryEstimate
	p, q, cpq := float64(c.Producers), float64(c.Queues), float64(c.Consumers)
	n := q * cpq // consumer goroutines
	batch := float64(max(c.Batch, 1))
	size := units.Bytes

	e.add("program", programBytes, "Go runtime, binary and report")
	e.add("payloads", p*float64(c.Size), many(p, "producer")+" × "+size(float64(c.Size)))
	e.add("producers", p*(producerBytes+goroutineBytes), many(p, "producer")+" × "+size(producerBytes+goroutineBytes)+" (goroutine, counters)")
	perPair, what := 8.0, "8 B (sent count)"
	if batch > 1 {
		perPair, what = 16, "16 B (sent count, pending batch)"
	}
	e.add("per-queue counters", p*q*perPair, many(p, "producer")+" × "+many(q, "queue")+" × "+what)

	each := float64(consumerBytes + goroutineBytes)
	if c.Work > 0 {
		each += workerBytes
	}
	e.add("consumers", n*each, many(n, "consumer")+" × "+size(each)+" (goroutine, counters, results)")

	bits, detail := c.seenBytes()
	e.add("exactly-once bits", bits, detail)
	if c.Consumers == 1 && p*n <= 1<<24 { // run.orderChecked
		e.add("order checks", q*p*8, many(q, "consumer")+" × "+many(p, "producer")+" × 8 B")
	}

	hist := float64(hdrCountsLen * 8)
	switch histogramLayout(c.Queues, c.Consumers) {
	case PerConsumer:
		// Each consumer's own, then a summary per queue and the total.
		e.add("latency histograms", (n+q+2)*hist+n*pendingLen*8,
			"("+many(n, "consumer")+" + "+many(q, "queue summary")+" + 2) × "+size(hist))
	case PerQueue:
		// At most: a shared histogram allocates only the pages its
		// latencies fall in.
		e.add("latency histograms", (q+2)*hist, "("+many(q, "queue")+" + 2) × "+size(hist)+" at most")
	default:
		e.add("latency histograms", (latencyShards+2)*hist, "("+many(latencyShards, "shard")+" + 2) × "+size(hist)+" at most")
	}
	if b, d := c.seriesBytes(); b > 0 {
		e.add("series", b, d)
	}

	slot := float64(messageBytes)
	if batch > 1 {
		slot = 8 // a pointer to a batch
	}
	e.add("queues", q*(queueBytes+float64(c.Buffer)*slot), many(q, "queue")+" × ("+size(queueBytes)+" + buffer "+units.Int(int64(c.Buffer))+" × "+size(slot)+")")
	if batch > 1 {
		alive := c.batchesAlive()
		e.add("batches", alive*(batchBytes+batch*messageBytes), many(alive, "batch")+" in flight × "+size(batchBytes+batch*messageBytes))
	}
	if c.Remote() {
		conns := n + p
		if c.Transport == "nats" {
			conns = q + p // a connection per queue for its consumers, one per producer
		}
		e.add("NATS connections", natsServerBytes+conns*natsConnBytes, many(conns, "connection")+" × "+size(natsConnBytes)+" + server "+size(natsServerBytes))
		pending := float64(c.NATSPending)
		if pending == 0 {
			pending = DefaultNATSPending
		}
		e.add("NATS client buffers", pending, "--nats-pending, over all subscriptions, at most")
	}
	return e
}

// many counts things: "1 producer", "100,000 producers".
func many(v float64, noun string) string {
	n := int64(math.Min(v, math.MaxInt64))
	switch {
	case n == 1:
		return "1 " + noun
	case strings.HasSuffix(noun, "y"):
		return units.Int(n) + " " + noun[:len(noun)-1] + "ies"
	case strings.HasSuffix(noun, "ch"):
		return units.Int(n) + " " + noun + "es"
	}
	return units.Int(n) + " " + noun + "s"
}

func (e *MemoryEstimate) add(name string, bytes float64, detail string) {
	if bytes <= 0 {
		return
	}
	b := uint64(math.MaxUint64)
	if bytes < math.MaxUint64 {
		b = uint64(bytes)
	}
	e.Terms = append(e.Terms, MemoryTerm{Name: name, Bytes: b, Detail: detail})
	if e.Total > math.MaxUint64-b {
		e.Total = math.MaxUint64
	} else {
		e.Total += b
	}
}

// procs is the parallelism the run will have.
func (c Config) procs() float64 {
	if c.Procs > 0 {
		return float64(c.Procs)
	}
	return float64(runtime.GOMAXPROCS(0))
}

// reach returns the deliveries a run can make and, for a timed run, the
// delivery rate that bounds them. A run without Duration makes all it
// plans. A timed run stops at Duration, so an open-ended one (--duration
// without -n, whose Messages is a count it will never send) makes at most
// its rate × Duration: the open-loop rate, or closed loop what its
// producers can send (as many at once as there are Ps); consumers with
// work deliver at most one message per Work each (spinning ones only as
// many at once as there are Ps).
func (c Config) reach() (deliveries, rate float64) {
	planned := float64(c.Expected())
	if c.Duration <= 0 {
		return planned, 0
	}
	fan := 1.0
	if c.Dispatch == Fanout {
		fan = float64(c.Queues)
	}
	senders := math.Min(float64(c.Producers), c.procs())
	switch {
	case c.Rate > 0:
		rate = c.Rate * fan
	case c.Batch > 1:
		rate = math.Min(senders*batchedPerProducer*fan, c.procs()*batchedDeliveriesPerP)
	default:
		rate = senders * sendsPerProducer
	}
	if c.Work > 0 {
		rate = math.Min(rate, c.workers()/c.Work.Seconds())
	}
	return math.Min(planned, rate*c.Duration.Seconds()), rate
}

// workers is how many consumers can work at once.
func (c Config) workers() float64 {
	n := float64(c.Queues) * float64(c.Consumers)
	if c.WorkKind == Sleep {
		return n
	}
	return math.Min(n, c.procs())
}

// seenBytes estimates the exactly-once sets (see newRun and seenSet): one
// bit per delivery reached, allocated in 128 KiB chunks as slots are first
// touched. Each producer fills its own range of every set from the start,
// so early on (a short timed run of many producers) every producer's
// range costs a chunk of its own; a set never costs more than its length.
func (c Config) seenBytes() (float64, string) {
	reach, rate := c.reach()
	p, q := float64(c.Producers), float64(c.Queues)
	m, k := float64(c.Messages), float64(max(c.Batch, 1))
	sets, perProducer := q, m
	switch c.Dispatch {
	case RoundRobin:
		perProducer = math.Ceil(math.Ceil(m/k)/q) * k
	case Key:
		sets = 1
	}
	setBits := perProducer * p
	chunks := math.Ceil(setBits / chunkBits)
	perSet := reach / sets // fan-out gives every queue every message; the others spread them
	touched := math.Min(chunks, math.Ceil(perSet/chunkBits)+math.Min(p, chunks))
	used := math.Min(math.Ceil(setBits/64)*8, touched*chunkBits/8)
	// The set, its chunk pointers, and a slice header per chunk used.
	total := sets * (used + 40 + 8*chunks + 32*touched)

	var detail string
	switch {
	case rate > 0 && reach < float64(c.Expected()):
		detail = fmt.Sprintf("%s deliveries (%s at ≤ %s/s) × 1 bit", units.Int(int64(reach)), c.Duration, units.Rate(rate))
	default:
		detail = units.Int(int64(reach)) + " deliveries × 1 bit"
	}
	if used*sets > 2*reach/8 {
		detail += ", in " + many(sets, "set") + " of up to " + many(touched, "128 KiB chunk")
	}
	return total, detail
}

// seriesBytes estimates a run's time series: a slot for every interval the
// run lasts (a pointer; its slice grows by doubling), an interval
// histogram for each interval that had deliveries, and each consumer's own
// current one. Only runs with per-consumer histograms keep a series
// (newSeriesRecorder). A timed run lasts its Duration; an open-loop run
// its plan, or longer if its consumers cannot keep up; a closed-loop run
// of a count, however long its slowest plausible rate takes.
func (c Config) seriesBytes() (float64, string) {
	every := seriesOn(c)
	if every == 0 || histogramLayout(c.Queues, c.Consumers) != PerConsumer {
		return 0, ""
	}
	reach, _ := c.reach()
	capacity := math.Inf(1)
	if c.Work > 0 {
		capacity = c.workers() / c.Work.Seconds()
	}
	var span float64 // seconds
	switch {
	case c.Duration > 0:
		span = c.Duration.Seconds()
	case c.Rate > 0:
		span = math.Max(float64(c.Messages)*float64(c.Producers)/c.Rate, reach/capacity)
	default:
		span = reach / math.Min(slowestRate, capacity)
	}
	intervals := math.Ceil(span/every.Seconds()) + 1
	fan := 1.0
	if c.Dispatch == Fanout {
		fan = float64(c.Queues) // a message reaches every queue in the same interval
	}
	kept := math.Min(intervals, math.Ceil(reach/fan))
	n := float64(c.Queues) * float64(c.Consumers)
	bytes := 16*intervals + (kept+n)*intervalHistogramBytes
	over := units.Int(int64(span/3600)) + "h"
	if span < 1e6 {
		over = time.Duration(span * 1e9).Round(time.Millisecond).String()
	}
	detail := fmt.Sprintf("%s intervals of %s over %s, × %s", units.Int(int64(intervals)), every, over, units.Bytes(intervalHistogramBytes))
	if kept < intervals {
		detail = fmt.Sprintf("%s intervals of %s over %s, %s with deliveries, × %s", units.Int(int64(intervals)), every, over,
			units.Int(int64(kept)), units.Bytes(intervalHistogramBytes))
	}
	return bytes, detail
}

// batchesAlive bounds the batches in use at once (Batch > 1): each
// producer's partly filled ones (one, or one per queue), those waiting in
// the queues and those consumers hold. A fan-out batch is one object in
// every queue, and no queue can fall more than its buffer behind, so those
// number a buffer's worth, not a buffer per queue. Never more than the run
// sends.
func (c Config) batchesAlive() float64 {
	p, q := float64(c.Producers), float64(c.Queues)
	buf, cpq := float64(c.Buffer), float64(c.Consumers)
	var alive float64
	if c.Dispatch == Fanout {
		alive = p + 2*(buf+cpq)
	} else {
		alive = p*q + q*(buf+cpq)
	}
	sent := p * (math.Ceil(float64(c.Messages)/float64(max(c.Batch, 1))) + q)
	return math.Min(alive, sent)
}

// Add puts a term the caller knows of (the results an invocation keeps
// from run to run) into the estimate.
func (e *MemoryEstimate) Add(name string, bytes float64, detail string) { e.add(name, bytes, detail) }

// ResultBytes is about what one run's Result keeps once the run is over:
// a row per queue and per consumer, and its series. An invocation that
// repeats a run, or sweeps over points, keeps one per run.
func (c Config) ResultBytes() float64 {
	q, n := float64(c.Queues), float64(c.Queues)*float64(c.Consumers)
	intervals := 0.0
	if every := seriesOn(c); every > 0 && c.Duration > 0 {
		intervals = float64(c.Duration/every) + 1
	}
	return resultBytes + q*float64(unsafe.Sizeof(QueueResult{})) + n*float64(unsafe.Sizeof(ConsumerResult{})) +
		intervals*float64(unsafe.Sizeof(Interval{}))
}

// resultBytes is a Result's own fields and its runtime figures.
const resultBytes = 4 << 10

// CheckMemory refuses est if it exceeds c's budget, as Validate does for
// one run: for an invocation that adds what it keeps between runs.
func (c Config) CheckMemory(est MemoryEstimate) error {
	if budget := c.MemoryBudget(); est.Total > budget.Bytes {
		return &MemoryError{Estimate: est, Budget: budget}
	}
	return nil
}
