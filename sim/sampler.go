package sim

import (
	"math"
	"sync"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
)

// depthStat accumulates one queue's sampled depth.
type depthStat struct {
	max, sum, n int64
}

func (d depthStat) mean() float64 {
	if d.n == 0 {
		return 0
	}
	return float64(d.sum) / float64(d.n)
}

// sampleEvery is how often queue depths are read: 100 times a second, less
// often when there are so many goroutines that reading their counters
// would itself be a load.
func (r *run) sampleEvery() time.Duration {
	work := len(r.consumers) + len(r.producers)*len(r.queues)
	return 10 * time.Millisecond * time.Duration(max(1, work/10_000))
}

// startSampler reads every queue's depth (see depths) every sampleEvery
// until the returned function is called.
//
// A run whose depth cannot be measured starts no sampler at all: while a
// timer is pending on a P, every scheduling decision there reads the clock
// (runtime.(*timers).check), and an unbuffered queue schedules on every
// message. (Pacing the samplers with poll(2) instead of timers was tried:
// the syscall holds its P until sysmon retakes it, and --procs 1 runs went
// at half speed.)
func (r *run) startSampler() (stop func()) {
	if !r.depthMeasured() {
		return func() {}
	}
	quit := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		tk := time.NewTicker(r.sampleEvery())
		defer tk.Stop()
		for {
			select {
			case <-tk.C:
				r.sampleDepth()
			case <-quit:
				return
			}
		}
	})
	return func() {
		close(quit)
		wg.Wait()
	}
}

// depthMeasured says whether depth can be sampled: always for buffered
// queues (len), and for unbuffered ones only when consumers and producers
// publish their counts per message (open-loop, timed or working runs); in a
// closed loop they publish every 1,024 messages, and sent − taken would be
// noise of that size. Over NATS the waiting messages are in the server and
// the client, out of msgsim's sight. Key dispatch sends unevenly, and the
// counts say how many were sent, not to which queue: unbuffered, its
// queues' depths are unknown (an even share would be made up).
func (r *run) depthMeasured() bool {
	return !r.cfg.Remote() && (r.cfg.Buffer > 0 || r.pubMask == 0 && r.cfg.Dispatch != Key)
}

func (r *run) sampleDepth() {
	var deepest int64
	for q, d := range r.depths() {
		st := &r.depth[q]
		st.max, st.sum, st.n = max(st.max, d), st.sum+d, st.n+1
		if r.phases != nil {
			r.phases.sampleDepth(r.ctl.phase.Load(), d)
		}
		deepest = max(deepest, d)
	}
	r.series.sampleDepth(r.now(), deepest)
}

// depths returns every queue's depth now: the messages that have arrived
// and that no consumer has taken yet, wherever they wait. A buffered queue
// holds them in its channel (len, exact); an unbuffered one holds nothing,
// so there it is sent − taken from the counters producers and consumers
// publish. To either is added, in open loop, the producers' backlog (see
// backlog): in a closed loop a message arrives when it is sent.
func (r *run) depths() []int64 {
	n := len(r.queues) + len(r.batches)
	out := make([]int64, n)
	wait := r.backlogs()
	share := wait // a fan-out message waits for every queue
	if r.cfg.Dispatch != Fanout {
		share /= int64(n)
	}
	var inflight []int64
	if r.cfg.Buffer == 0 {
		inflight = r.inflight(wait)
	}
	for q := range out {
		switch {
		case inflight != nil:
			out[q] = max(inflight[q], 0)
		case r.queues != nil:
			out[q] = int64(len(r.queues[q])) + share
		default:
			out[q] = int64(len(r.batches[q])*r.cfg.Batch) + share
		}
	}
	return out
}

// backlogs is every producer's backlog (see backlog), in all.
func (r *run) backlogs() int64 {
	if !r.openLoop() {
		return 0
	}
	var backlog float64
	now := r.now()
	spacing, uniform := r.spacing()
	for i := range r.producers {
		backlog += r.backlog(&r.producers[i], now, spacing, uniform)
	}
	return int64(math.Round(backlog))
}

// openLoop says whether producers follow an arrival schedule now.
func (r *run) openLoop() bool {
	if r.ctl != nil {
		return r.ctl.Rate() > 0
	}
	return r.cfg.Rate > 0
}

// spacing is one producer's mean time between arrivals (ns) now, and
// whether they are evenly spaced.
func (r *run) spacing() (float64, bool) {
	rate, a := r.cfg.Rate, r.cfg.Arrival
	if r.ctl != nil {
		rate = r.ctl.Rate()
		if p := r.ctl.arrival.Load(); p != nil {
			a = *p
		}
	}
	return float64(r.cfg.Producers) * 1e9 / rate, a != Poisson
}

// backlog is how many messages of an open-loop producer have arrived (their
// intended time has passed) and are in no queue yet: the one it holds while
// a queue is full or has no consumer ready, those it gathered into a batch
// not yet handed over, and those whose time came meanwhile. Depth alone
// misses them, and on an unbuffered queue they are nearly all the waiting.
// The last is counted from the held message's time: exactly for uniform
// arrivals; for Poisson ones it is the expected count (the producer has not
// drawn them yet), so a mean over samples is unbiased. A producer that holds
// nothing (it is waiting for its next message's time) has no backlog.
func (r *run) backlog(p *producer, now int64, spacing float64, uniform bool) float64 {
	d := p.due.Load()
	pub := p.published.Load()
	ahead := (d - uint64(pub)) & 0xffff // made but not handed over
	if d == 0 || ahead == 0 || ahead >= 0x8000 {
		return 0
	}
	t := int64(d>>16-1) * 1000
	later := max(float64(now-t), 0) / spacing
	if uniform {
		later = math.Floor(later)
	}
	return float64(ahead) + later
}

// inflight returns sent − received per queue from published counters, with
// the producers' backlog waiting added. Only fan-out sends each message to
// a known queue (and a held message waits for every queue: one that took it
// already has counted it received, which cancels); for round-robin and key
// dispatch the total waiting is spread evenly, which is what they aim for.
func (r *run) inflight(backlog int64) []int64 {
	var sent int64
	for i := range r.producers {
		sent += r.producers[i].published.Load()
	}
	out := make([]int64, len(r.queues)+len(r.batches))
	var recvTotal int64
	for i := range r.consumers {
		c := &r.consumers[i]
		n := c.progress.Load()
		out[c.queue] -= n
		recvTotal += n
	}
	if r.cfg.Dispatch == Fanout {
		for q := range out {
			out[q] += sent + backlog
		}
		return out
	}
	share := (sent + backlog - recvTotal) / int64(len(out))
	for q := range out {
		out[q] = share
	}
	return out
}

// Interval is one slice of a run's time series.
type Interval struct {
	Start      time.Duration // since the first send
	Deliveries int64         // received in this interval (after the warm-up)
	Throughput float64       // deliveries per second
	P50, P99   time.Duration
	// MaxDepth is the deepest queue sampled in the interval (0 when depth
	// is not measured: Result.DepthMeasured).
	MaxDepth int64
	// Histogram holds the interval's latencies (all queues, 2 significant
	// figures), for HdrHistogram interval logs; nil when none arrived.
	Histogram *hdrhistogram.Histogram
	// Phase is the phase of a steered run under way when the interval
	// began (Result.Phases), "" otherwise.
	Phase string
}

// seriesRecorder collects per-interval latency histograms from consumers.
// Each consumer records into a small histogram of its own and hands it over
// at each interval boundary, so the hot path takes no lock.
type seriesRecorder struct {
	every time.Duration
	mu    sync.Mutex
	hists []*hdrhistogram.Histogram // by interval index since base
	depth []int64                   // deepest queue sampled, by interval index
}

// sampleDepth notes a depth sample taken at now (ns since base). The
// sampler calls it a hundred times a second, off the consumers' path.
func (s *seriesRecorder) sampleDepth(now, d int64) {
	if s == nil || now < 0 {
		return
	}
	i := now / int64(s.every)
	s.mu.Lock()
	for int64(len(s.depth)) <= i {
		s.depth = append(s.depth, 0)
	}
	s.depth[i] = max(s.depth[i], d)
	s.mu.Unlock()
}

// seriesOn says whether a run keeps a series: when asked with Interval,
// and by default (every second) for runs planned to last more than 2 s.
func seriesOn(cfg Config) time.Duration {
	switch {
	case cfg.Interval > 0:
		return cfg.Interval
	case cfg.Duration > 2*time.Second:
		return time.Second
	case cfg.Rate > 0 && float64(cfg.Messages)*float64(cfg.Producers)/cfg.Rate > 2:
		return time.Second
	}
	return 0
}

// SeriesInterval is how often the run reports a series: Interval, or the
// automatic 1s for runs planned longer than 2s; 0 for none. Above
// OwnHistogramsUpTo consumers no series is kept.
func (c Config) SeriesInterval() time.Duration {
	if histogramLayout(c.Queues, c.Consumers) != PerConsumer {
		return 0
	}
	return seriesOn(c)
}

func newSeriesRecorder(cfg Config) *seriesRecorder {
	every := seriesOn(cfg)
	if every == 0 || histogramLayout(cfg.Queues, cfg.Consumers) != PerConsumer {
		return nil // a million consumers cannot each keep interval histograms
	}
	return &seriesRecorder{every: every}
}

// intervalRecorder is one consumer's current interval.
type intervalRecorder struct {
	s   *seriesRecorder
	idx int64
	end int64 // ns since base
	h   *hdrhistogram.Histogram
}

// Interval histograms: 1 ns to 1 h at 2 significant figures, 31 KB.
func newIntervalHistogram() *hdrhistogram.Histogram {
	return hdrhistogram.New(histLowest, histHighest, 2)
}

// newConsumer is not inlined, for the reason given at newWorker.
//
//go:noinline
func (s *seriesRecorder) newConsumer() *intervalRecorder {
	if s == nil {
		return nil
	}
	return &intervalRecorder{s: s, idx: -1}
}

func (ir *intervalRecorder) record(now, lat int64) {
	if ir == nil {
		return
	}
	if now >= ir.end || ir.idx < 0 {
		ir.flush()
		ir.idx = now / int64(ir.s.every)
		ir.end = (ir.idx + 1) * int64(ir.s.every)
		if ir.h == nil {
			ir.h = newIntervalHistogram()
		}
	}
	_ = ir.h.RecordValue(lat)
}

func (ir *intervalRecorder) flush() {
	if ir == nil || ir.h == nil || ir.h.TotalCount() == 0 {
		return
	}
	s := ir.s
	s.mu.Lock()
	for int64(len(s.hists)) <= ir.idx {
		s.hists = append(s.hists, nil)
	}
	if s.hists[ir.idx] == nil {
		s.hists[ir.idx] = newIntervalHistogram()
	}
	s.hists[ir.idx].Merge(ir.h)
	s.mu.Unlock()
	// Kept for the next interval: a new one per interval per consumer was
	// garbage that let the heap grow to twice the series it holds.
	ir.h.Reset()
}

// result turns the interval histograms into the series, with times since
// the first send. The last interval's rate is over the part of it the run
// covered (up to last, the last receive); a sliver under a tenth of an
// interval (the drain after the producers stopped) is folded into the
// interval before it rather than reported with a meaningless rate, so the
// series still adds up to every timed delivery.
func (s *seriesRecorder) result(first, last int64) []Interval {
	if s == nil {
		return nil
	}
	s.mu.Lock() // a live view may be reading the last interval
	defer s.mu.Unlock()
	every := int64(s.every)
	hists := s.hists
	if n := len(hists); n >= 2 && last-int64(n-1)*every < every/10 {
		if sliver := hists[n-1]; sliver != nil {
			if hists[n-2] == nil {
				hists[n-2] = newIntervalHistogram()
			}
			hists[n-2].Merge(sliver)
		}
		hists = hists[:n-1]
		if len(s.depth) >= n {
			s.depth[n-2] = max(s.depth[n-2], s.depth[n-1])
		}
	}
	var out []Interval
	for i, h := range hists {
		// An interval covers [start, end) since base, cut to the part the
		// run covered: from the first send (the first interval begins
		// before it) to the last receive.
		start, end := int64(i)*every, int64(i+1)*every
		if i == len(hists)-1 {
			end = last
		}
		start = max(start, first)
		span := max(end-start, 1)
		iv := Interval{Start: time.Duration(start - max(first, 0))}
		if i < len(s.depth) {
			iv.MaxDepth = s.depth[i]
		}
		if h != nil {
			iv.Histogram = h
			iv.Deliveries = h.TotalCount()
			p := h.ValueAtPercentilesSlice([]float64{50, 99})
			iv.P50, iv.P99 = time.Duration(p[0]), time.Duration(p[1])
		}
		iv.Throughput = float64(iv.Deliveries) / time.Duration(span).Seconds()
		out = append(out, iv)
	}
	// Intervals before the warm-up ended have no samples; drop the leading
	// empty ones so the series starts where measuring did.
	for len(out) > 0 && out[0].Deliveries == 0 {
		out = out[1:]
	}
	return out
}
