package sim

import (
	"context"
	"math/rand/v2"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
)

// message is what travels through a queue. The payload is a read-only slice
// shared by all of a producer's messages: it is really carried (its length
// is counted on arrival) without an allocation per message.
type message struct {
	sent     int64 // ns since the run's base time
	seq      int64
	producer int32
	key      uint32
	payload  []byte
}

// progressEvery is how many deliveries a consumer makes between updates of
// its progress counter, so progress costs one atomic store per thousand
// messages rather than one per message.
const progressEvery = 1024

// consumer holds one consumer goroutine's counters. Each consumer writes only
// its own; the padding keeps neighbours off its cache line.
type consumer struct {
	progress atomic.Int64 // read by Progress while the run goes on
	_        [56]byte

	queue, id  int
	delivered  int64
	duplicated int64
	reordered  int64
	bytes      int64
	clamped    int64
	last       int64 // ns since base of the last receive
	hist       *hdrhistogram.Histogram
	_          [64]byte
}

// producer holds one producer goroutine's counters.
type producer struct {
	first    int64   // ns since base of the first send; -1 if none
	produced int64   // messages created
	sent     []int64 // deliveries handed to each queue
}

// run is one execution of a Config.
type run struct {
	cfg       Config
	base      time.Time
	queues    []chan message
	seen      []*seenSet // per queue; Key dispatch shares one set
	perQueue  int64      // bits per producer in each queue's set
	consumers []consumer
	producers []producer
	stop      atomic.Bool
	traceLeft atomic.Int64
	fault     func(q int, m *message) int // test hook: how many copies to send
}

// Run executes cfg and returns what it measured. It returns an error only
// when cfg is invalid. Cancelling ctx stops the producers; consumers drain
// what is already in the queues and the partial Result has Interrupted set.
// Every goroutine Run starts has ended when it returns.
func Run(ctx context.Context, cfg Config) (Result, error) {
	return runWith(ctx, cfg, injectedFault)
}

// injectedFault is nil in every normal build; the msgsimfault build tag sets
// it so the command's exit code for a failed check can be tested end to end.
var injectedFault func(q int, m *message) int

func runWith(ctx context.Context, cfg Config, fault func(int, *message) int) (Result, error) {
	if err := cfg.Validate(); err != nil {
		return Result{}, err
	}
	if cfg.Seed == 0 {
		cfg.Seed = rand.Uint64N(1<<53) + 1 // exact in JSON readers that use float64
	}
	if cfg.Procs > 0 {
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(cfg.Procs))
	}
	r := newRun(cfg, fault)
	if cfg.Progress != nil {
		cfg.Progress.attach(r)
	}
	res := Result{
		Config:     cfg,
		GoVersion:  runtime.Version(),
		GOMAXPROCS: runtime.GOMAXPROCS(0),
		NumCPU:     runtime.NumCPU(),
		Start:      time.Now(),
		Expected:   cfg.Expected(),
	}
	stopWatching := context.AfterFunc(ctx, func() { r.stop.Store(true) })
	r.execute()
	stopWatching()
	r.collect(&res)
	res.Interrupted = ctx.Err() != nil && res.Sent < res.Expected
	return res, nil
}

func newRun(cfg Config, fault func(int, *message) int) *run {
	r := &run{cfg: cfg, fault: fault}
	r.traceLeft.Store(cfg.TraceN)
	r.queues = make([]chan message, cfg.Queues)
	for i := range r.queues {
		r.queues[i] = make(chan message, cfg.Buffer)
	}
	// Bit layout: fan-out gives every queue every message, so each queue
	// has its own set indexed producer*n+seq. Round-robin gives queue q the
	// messages with (seq+producer) mod Q == q, so seq/Q is dense within a
	// queue. Key dispatch is random: one set shared by all queues.
	r.seen = make([]*seenSet, cfg.Queues)
	switch cfg.Dispatch {
	case Fanout:
		r.perQueue = cfg.Messages
		for i := range r.seen {
			r.seen[i] = newSeenSet(cfg.Messages*int64(cfg.Producers), cfg.Consumers > 1)
		}
	case RoundRobin:
		r.perQueue = (cfg.Messages + int64(cfg.Queues) - 1) / int64(cfg.Queues)
		for i := range r.seen {
			r.seen[i] = newSeenSet(r.perQueue*int64(cfg.Producers), cfg.Consumers > 1)
		}
	case Key:
		r.perQueue = cfg.Messages
		s := newSeenSet(cfg.Messages*int64(cfg.Producers), cfg.Queues*cfg.Consumers > 1)
		for i := range r.seen {
			r.seen[i] = s
		}
	}
	r.consumers = make([]consumer, cfg.Queues*cfg.Consumers)
	for i := range r.consumers {
		c := &r.consumers[i]
		c.queue, c.id = i/cfg.Consumers, i%cfg.Consumers
		c.hist = newHistogram()
	}
	r.producers = make([]producer, cfg.Producers)
	for i := range r.producers {
		r.producers[i] = producer{first: -1, sent: make([]int64, cfg.Queues)}
	}
	return r
}

// now returns nanoseconds since the run's base on the monotonic clock.
func (r *run) now() int64 { return int64(time.Since(r.base)) }

// execute starts consumers, then producers; when every producer is done it
// closes the queues (the one closer) and waits for consumers to drain them.
func (r *run) execute() {
	r.base = time.Now()
	var cwg, pwg sync.WaitGroup
	for i := range r.consumers {
		cwg.Add(1)
		go func(c *consumer) {
			defer cwg.Done()
			r.consume(c)
		}(&r.consumers[i])
	}
	for k := range r.producers {
		pwg.Add(1)
		go func(k int) {
			defer pwg.Done()
			r.produce(k)
		}(k)
	}
	pwg.Wait()
	for _, q := range r.queues {
		close(q)
	}
	cwg.Wait()
}

func (r *run) produce(k int) {
	p := &r.producers[k]
	n := r.cfg.Messages
	payload := make([]byte, r.cfg.Size)
	for i := range payload {
		payload[i] = byte(k + i)
	}
	var rnd *rand.Rand
	if r.cfg.Dispatch == Key {
		rnd = rand.New(rand.NewPCG(r.cfg.Seed, uint64(k)))
	}
	nq := int64(len(r.queues))
	keys := uint64(r.cfg.Keys)
	for i := int64(0); i < n; i++ {
		if r.stop.Load() {
			break
		}
		m := message{seq: i, producer: int32(k), payload: payload}
		if rnd != nil {
			m.key = uint32(rnd.Uint64N(keys))
		}
		m.sent = r.now()
		if p.first < 0 {
			p.first = m.sent
		}
		p.produced++
		switch r.cfg.Dispatch {
		case Fanout:
			for q, ch := range r.queues {
				r.send(p, q, ch, &m)
			}
		case RoundRobin:
			q := int((i + int64(k)) % nq)
			r.send(p, q, r.queues[q], &m)
		case Key:
			q := int(KeyQueue(m.key, len(r.queues)))
			r.send(p, q, r.queues[q], &m)
		}
	}
}

func (r *run) send(p *producer, q int, ch chan<- message, m *message) {
	copies := 1
	if r.fault != nil {
		copies = r.fault(q, m)
	}
	for ; copies > 0; copies-- {
		ch <- *m
	}
	p.sent[q]++
}

// KeyQueue returns the queue a key hashes to in Key dispatch. It is a fixed
// mix (splitmix64's finaliser), so the mapping is the same in every run.
func KeyQueue(key uint32, queues int) int {
	z := uint64(key) + 0x9e3779b97f4a7c15
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	z ^= z >> 31
	return int(z % uint64(queues))
}

func (r *run) consume(c *consumer) {
	seen := r.seen[c.queue]
	size := seen.bits()
	var lastSeq []int64
	if r.orderChecked() {
		lastSeq = make([]int64, r.cfg.Producers)
		for i := range lastSeq {
			lastSeq[i] = -1
		}
	}
	tracing := r.cfg.Trace != nil && r.cfg.TraceN > 0
	var n, dups, reord, bytes, clamped, now int64
	for m := range r.queues[c.queue] {
		now = r.now()
		lat := now - m.sent
		if lat > histHighest {
			lat = histHighest
			clamped++
		}
		_ = c.hist.RecordValue(lat) // in range by construction
		idx := r.index(c.queue, &m)
		if idx < 0 || idx >= size || seen.set(idx) {
			dups++
		}
		if lastSeq != nil && int(m.producer) < len(lastSeq) {
			if m.seq <= lastSeq[m.producer] {
				reord++
			} else {
				lastSeq[m.producer] = m.seq
			}
		}
		bytes += int64(len(m.payload))
		n++
		if n%progressEvery == 0 {
			c.progress.Store(n)
		}
		if tracing && r.traceLeft.Load() > 0 && r.traceLeft.Add(-1) >= 0 {
			r.cfg.Trace(Delivery{Queue: c.queue, Consumer: c.id, Producer: int(m.producer),
				Seq: m.seq, Key: m.key, Latency: time.Duration(lat)})
		}
	}
	c.progress.Store(n)
	c.delivered, c.duplicated, c.reordered, c.bytes, c.clamped, c.last = n, dups, reord, bytes, clamped, now
}

// index maps a message to its bit in queue q's seen set; see newRun.
func (r *run) index(q int, m *message) int64 {
	p := int64(m.producer)
	if r.cfg.Dispatch == RoundRobin {
		return p*r.perQueue + m.seq/int64(len(r.queues))
	}
	if m.seq >= r.perQueue {
		return -1
	}
	return p*r.perQueue + m.seq
}

// orderChecked says whether per-producer order is promised and affordable
// to check: one consumer per queue, and one int64 per producer per consumer.
func (r *run) orderChecked() bool {
	return r.cfg.Consumers == 1 && int64(r.cfg.Producers)*int64(len(r.consumers)) <= 1<<24
}

// collect merges the per-goroutine counters into res. It runs after every
// goroutine has ended, so it reads plain fields.
func (r *run) collect(res *Result) {
	cfg := r.cfg
	res.OrderChecked = r.orderChecked()
	first := int64(-1)
	for _, p := range r.producers {
		res.Produced += p.produced
		if p.first >= 0 && (first < 0 || p.first < first) {
			first = p.first
		}
	}
	total := newHistogram()
	var totalClamped, last int64
	res.Queues = make([]QueueResult, cfg.Queues)
	res.Consumers = make([]ConsumerResult, len(r.consumers))
	for q := range res.Queues {
		qr := &res.Queues[q]
		qr.Queue, qr.Consumers = q, cfg.Consumers
		for _, p := range r.producers {
			qr.Sent += p.sent[q]
		}
		h := newHistogram()
		var clamped int64
		for i := q * cfg.Consumers; i < (q+1)*cfg.Consumers; i++ {
			c := &r.consumers[i]
			qr.Delivered += c.delivered
			qr.Duplicated += c.duplicated
			qr.Reordered += c.reordered
			qr.Bytes += c.bytes
			clamped += c.clamped
			h.Merge(c.hist)
			if c.delivered > 0 && c.last > last {
				last = c.last
			}
			res.Consumers[i] = ConsumerResult{Queue: q, Consumer: c.id, Delivered: c.delivered}
		}
		// A duplicate is an extra delivery, so the first copies of what was
		// sent number Delivered − Duplicated; the rest of Sent never came.
		qr.Lost = qr.Sent - (qr.Delivered - qr.Duplicated)
		qr.Latency = summarize(h, clamped)
		total.Merge(h)
		totalClamped += clamped
		res.Sent += qr.Sent
		res.Delivered += qr.Delivered
		res.Duplicated += qr.Duplicated
		res.Reordered += qr.Reordered
		res.Lost += qr.Lost
		res.Bytes += qr.Bytes
	}
	res.Latency = summarize(total, totalClamped)
	if first >= 0 && last > first {
		res.Elapsed = time.Duration(last - first)
	}
}
