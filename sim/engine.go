package sim

import (
	"context"
	"math/rand/v2"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"
)

// message is what travels through a queue: 24 bytes and no pointers, so a
// channel moves it with a plain copy and the garbage collector never scans a
// queue (a []byte field here cost 15–20% of throughput in the benchmarks).
// Its payload is its producer's read-only buffer of Size bytes, referred to
// by producer number the way a []byte in a channel refers to its array;
// nothing is allocated or copied per message.
type message struct {
	sent     int64 // ns since the run's base time; in a batch the batch carries it
	slot     int64 // the message's bit in its queue's seen set; see producer.route
	producer int32
	key      uint32
}

// batch is Config.Batch messages handed over in one channel operation. In
// fan-out the same batch goes to every queue; the last consumer to finish
// with it returns it to the pool.
type batch struct {
	sent int64
	refs atomic.Int32
	msgs []message
}

// progressEvery is how many deliveries a consumer makes between updates of
// its progress counter in a closed-loop run: one atomic store per thousand
// messages, not per message. Open-loop runs, runs with work and timed runs
// publish every message, so queue depth and series are exact; at their
// rates the store costs nothing measurable.
const progressEvery = 1024

// Why producers stopped early.
const (
	running int32 = iota
	haltInterrupted
	haltDuration
	haltDone      // every producer finished its messages; a later signal only cuts the drain short
	haltTransport // the broker was lost
	haltScenario  // a Control ended the run (the last phase of a scenario)
)

// consumer holds one consumer goroutine's counters. Each consumer writes only
// its own; the array of them is allocated page-aligned (it is large) and each
// element is exactly three cache lines, so neighbours never share a line.
// Kept small on purpose: at a million consumers every byte here is a MB.
type consumer struct {
	progress   atomic.Int64 // read by Progress while the run goes on
	rec        recorder     // written per message
	queue, id  int32
	delivered  int64
	duplicated int64
	reordered  int64
	clamped    int64
	last       int64 // ns since base of the last receive
	busy       int64 // ns spent on work
	warm       int64 // deliveries during the warm-up
	bytes      int64 // payload bytes received, when sizes vary (Config.Sizes)
	_          [consumerPad]byte
}

const consumerPad = 3*64 - (8 + unsafe.Sizeof(recorder{}) + 8 + 8*8)

// producer holds one producer goroutine's counters.
type producer struct {
	published atomic.Int64 // messages sent so far, for depth sampling
	// due marks, in open loop, the last message whose time has come: see
	// dueMark. With published it gives the producer's backlog.
	due      atomic.Uint64
	_        [48]byte
	first    int64   // ns since base of the first (intended) send; -1 if none
	lastSend int64   // ns since base after the last send
	maxLag   int64   // open loop: how far behind schedule a send was, at most
	produced int64   // messages created
	sent     []int64 // messages handed to each queue
	_        [64]byte
}

// run is one execution of a Config.
type run struct {
	cfg       Config
	base      time.Time
	begun     atomic.Bool    // base is set: a live view may read the clock
	queues    []chan message // Batch == 1
	batches   []chan *batch  // Batch > 1
	pool      sync.Pool      // of *batch
	seen      []*seenSet     // per queue; Key dispatch shares one set
	perQueue  int64          // bits per producer in each queue's set
	consumers []consumer
	shared    []*sharedHistogram
	layout    HistogramLayout
	producers []producer
	payloads  [][]byte     // per producer, read-only once the run starts
	halt      atomic.Int32 // running, or why producers must stop
	// halted is closed when halt leaves running, interrupted when the
	// context is cancelled (even after the producers finished): every
	// wait of the run selects on one of them, so no sleep outlasts a stop.
	halted, interrupted chan struct{}
	haltOnce, intrOnce  sync.Once
	intr                atomic.Bool // interrupted is closed: consumers skip their work
	pubMask             uint64      // publish progress when count&pubMask == 0
	series              *seriesRecorder
	mon                 *runtimeMonitor // sampled by producers as they publish
	depth               []depthStat     // per queue, written by the sampler only
	traceLeft           atomic.Int64
	// NATS only: slow-consumer events the client reported, and the error
	// that ended publishing early, if any.
	slowConsumers int64
	clientDropped int64 // messages the client dropped for slow consumers
	failovers     []Failover
	// JetStream only: publishes the server did not confirm, and of them
	// those published again; the broker faults and what they did.
	jsUnconfirmed, jsRepublished atomic.Int64
	jsRedelivered                []int64 // per queue
	faultReports                 []FaultReport
	faults                       *faultRunner // nil without broker faults
	faultSeqs                    [][]int64    // per fault: each producer's messages sent before it
	transportErr                 string
	terrOnce                     sync.Once              // transportErr is set once: the first reason stands
	firstRecv                    int64                  // consumer role: ns since base of the first message
	waiting                      atomic.Pointer[string] // what a split role waits for, for Progress
	split                        *splitOutcome          // what the processes of a split run agreed (nats_split.go)
	fault                        faultHook              // test hook: what the transport does to a message (fault.go)
	// A steered run only (control.go, control_run.go).
	ctl        *Control
	phases     *phaseBook
	draining   chan struct{} // closed when the producers are done: parked consumers drain
	crashMu    sync.Mutex
	crashes    []Crash
	crashSlots [][2]int64 // queue and slot of each message a crash lost
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
var injectedFault faultHook

func runWith(ctx context.Context, cfg Config, fault faultHook) (Result, error) {
	if err := cfg.Validate(); err != nil {
		return Result{}, err
	}
	called := time.Now()
	if cfg.Seed == 0 {
		cfg.Seed = rand.Uint64N(1<<53) + 1 // exact in JSON readers that use float64
	}
	if cfg.Batch == 0 {
		cfg.Batch = 1
	}
	if cfg.Arrival == "" {
		cfg.Arrival = Uniform
	}
	if cfg.WorkDist == "" {
		cfg.WorkDist = FixedWork
	}
	if cfg.WorkKind == "" {
		cfg.WorkKind = Spin
	}
	if cfg.Transport == "" {
		cfg.Transport = "chan"
	}
	if cfg.Remote() && cfg.DrainTimeout == 0 {
		cfg.DrainTimeout = DefaultDrainTimeout
	}
	cfg.brokerDefaults()
	if cfg.Remote() && cfg.RunID == "" {
		// Unique per process, so two runs sharing a server (CI jobs that
		// pin one seed) never share subjects; split roles must name theirs.
		cfg.RunID = strconv.FormatUint(1<<30+rand.Uint64N(1<<35), 36) // 7 characters, short on the wire
	}
	if cfg.Procs > 0 {
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(cfg.Procs))
	}
	collectIfLarge()
	// The run's state first, from fresh memory that stays unresident until
	// used; pre-faulted memory is left to the goroutines, which use it all.
	r := newRun(cfg, fault)
	prefaultStart := time.Now()
	prefaulted := prefaultFor(cfg)
	prefaultTook := time.Since(prefaultStart)
	// Watch the runtime from here: the pre-faulting buffer is not the run's
	// heap, and its GC not the run's.
	mon := startRuntimeMonitor()
	r.mon = mon
	if cfg.Progress != nil {
		cfg.Progress.attach(r)
		defer cfg.Progress.detach()
	}
	res := Result{
		Config:     cfg,
		GoVersion:  runtime.Version(),
		GOMAXPROCS: runtime.GOMAXPROCS(0),
		NumCPU:     runtime.NumCPU(),
		Start:      time.Now(),
		Expected:   cfg.Expected(),
		Histograms: r.layout,
	}
	stopWatching := context.AfterFunc(ctx, r.interrupt)
	if cfg.Remote() {
		run := map[string]func(*run, *runtimeMonitor) error{"nats": runNATS, "jetstream": runJetStream, "kafka": runKafka}[cfg.Transport]
		if err := run(r, mon); err != nil && !r.intr.Load() {
			stopWatching()
			mon.stop()
			return Result{}, err
		} // cut short by a signal (while connecting, say): an interrupted run
	} else {
		r.execute(mon)
	}
	stopWatching()
	first, last := r.collect(&res)
	res.SlowConsumers, res.TransportError, res.Role = r.slowConsumers, r.transportErr, cfg.Role
	res.ClientDropped, res.Failovers = r.clientDropped, r.failovers
	switch cfg.Role {
	case RoleProducer:
		// Nothing is received here: its clock runs from the first send to
		// the last.
		if first >= 0 {
			var lastSend int64
			for i := range r.producers {
				lastSend = max(lastSend, r.producers[i].lastSend)
			}
			res.Elapsed = time.Duration(max(lastSend-first, 0))
		}
	case RoleConsumer:
		// The producers' clocks started elsewhere: measure from the first
		// message received here.
		if r.firstRecv >= 0 && last > r.firstRecv {
			res.Elapsed = time.Duration(last - r.firstRecv)
		}
	}
	res.Measured = res.Elapsed
	if cfg.Warmup > 0 {
		from := first
		if cfg.Role == RoleConsumer {
			from = r.firstRecv
		}
		res.Measured = time.Duration(max(last-max(from, int64(cfg.Warmup)), 0))
	}
	switch r.halt.Load() {
	case haltInterrupted:
		res.EndedBy = "interrupted"
		if res.Produced == cfg.Messages*int64(cfg.Producers) {
			res.EndedBy = "messages" // the signal came in the drain, after the last send
		}
		if cfg.Duration > 0 || cfg.Control != nil {
			// The plan was a time (or a count or a time, whichever came
			// first), or phases and keys: the message bound is room for
			// them, no plan, so what a signal cut short is not "not sent".
			res.Expected = res.Sent
		}
	case haltTransport:
		res.EndedBy = "transport"
	case haltDuration:
		res.EndedBy = "duration"
		res.Expected = res.Sent // the duration, not a signal, cut the plan short
	case haltScenario:
		res.EndedBy = "scenario"
		res.Expected = res.Sent // the scenario's timeline was the plan
	default:
		res.EndedBy = "messages"
	}
	res.Runtime = mon.stop()
	if prefaulted > 0 {
		res.Runtime.PrefaultBytes, res.Runtime.Prefault = prefaulted, prefaultTook
	}
	if first >= 0 {
		res.Runtime.Startup = r.base.Add(time.Duration(first)).Sub(called)
		res.Runtime.Shutdown = time.Since(r.base.Add(time.Duration(max(last, first))))
	}
	// A signal at any moment of the run, even while the consumers drained
	// what was already sent, cuts it short: the report must say so.
	res.Interrupted = r.intr.Load()
	r.applySplit(&res)
	r.summarizeFailovers(&res, first)
	r.finishFaults(&res, first)
	r.phaseResults(&res, first, last)
	return res, nil
}

// interrupt stops the producers, wakes every wait and tells consumers to
// drain what is queued without doing its work: a user who pressed Ctrl-C
// wants the report now, not after the work of a full buffer.
func (r *run) interrupt() {
	r.stop(haltInterrupted)
	r.intrOnce.Do(func() {
		r.intr.Store(true)
		close(r.interrupted)
	})
}

// stop halts the producers for reason, unless they were halted already.
func (r *run) stop(reason int32) {
	if r.halt.CompareAndSwap(running, reason) {
		r.haltOnce.Do(func() { close(r.halted) })
	}
}

// sleep waits for d or until the producers are halted, whichever is first,
// and reports whether the whole d passed.
func (r *run) sleep(d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-r.halted:
		return false
	}
}

func newRun(cfg Config, fault faultHook) *run {
	r := &run{cfg: cfg, fault: fault, pubMask: progressEvery - 1, halted: make(chan struct{}), interrupted: make(chan struct{})}
	if cfg.Rate > 0 || cfg.Work > 0 || cfg.Duration > 0 || cfg.Interval > 0 {
		r.pubMask = 0
	}
	if cfg.Control != nil {
		// Steered: progress per message, so depth is measured and a live
		// view sees every change at once.
		r.ctl, r.phases, r.draining, r.pubMask = cfg.Control, newPhaseBook(cfg.Producers), make(chan struct{}), 0
	}
	r.series = newSeriesRecorder(cfg)
	r.depth = make([]depthStat, cfg.Queues)
	r.traceLeft.Store(cfg.TraceN)
	if cfg.Batch > 1 {
		r.batches = make([]chan *batch, cfg.Queues)
		for i := range r.batches {
			r.batches[i] = make(chan *batch, cfg.Buffer)
		}
		r.pool.New = func() any { return &batch{msgs: make([]message, 0, cfg.Batch)} }
	} else {
		r.queues = make([]chan message, cfg.Queues)
		for i := range r.queues {
			r.queues[i] = make(chan message, cfg.Buffer)
		}
	}
	// Each queue has a set with perQueue bits per producer. Fan-out gives
	// every queue every message; round-robin gives a queue at most
	// ceil(units/Q) units of Batch messages; key dispatch is random, so its
	// queues share one set indexed by producer and sequence.
	r.seen = make([]*seenSet, cfg.Queues)
	total := int64(cfg.Producers)
	switch cfg.Dispatch {
	case Fanout:
		r.perQueue = cfg.Messages
		for i := range r.seen {
			r.seen[i] = newSeenSet(r.perQueue*total, cfg.Consumers > 1)
		}
	case RoundRobin:
		k, q := int64(cfg.Batch), int64(cfg.Queues)
		units := (cfg.Messages + k - 1) / k
		r.perQueue = (units + q - 1) / q * k
		for i := range r.seen {
			r.seen[i] = newSeenSet(r.perQueue*total, cfg.Consumers > 1)
		}
	case Key:
		r.perQueue = cfg.Messages
		s := newSeenSet(r.perQueue*total, cfg.Queues*cfg.Consumers > 1)
		for i := range r.seen {
			r.seen[i] = s
		}
	}
	r.consumers = make([]consumer, cfg.Queues*cfg.Consumers)
	for i := range r.consumers {
		r.consumers[i].queue, r.consumers[i].id = int32(i/cfg.Consumers), int32(i%cfg.Consumers)
	}
	r.layout = histogramLayout(cfg.Queues, cfg.Consumers)
	r.shared = setRecorders(r.consumers, r.layout, cfg.Queues, cfg.Consumers)
	r.producers = make([]producer, cfg.Producers)
	r.payloads = make([][]byte, cfg.Producers)
	for k := range r.producers {
		r.producers[k] = producer{first: -1, sent: make([]int64, cfg.Queues)}
		r.payloads[k] = make([]byte, cfg.Size)
		for i := range r.payloads[k] {
			r.payloads[k][i] = byte(k + i)
		}
	}
	return r
}

// now returns nanoseconds since the run's base on the monotonic clock.
func (r *run) now() int64 { return int64(time.Since(r.base)) }

// start sets the run's base time and starts the duration timer and the
// depth sampler; the returned function stops both.
func (r *run) start() (stop func()) {
	r.base = time.Now()
	var timer *time.Timer
	if r.cfg.Duration > 0 {
		timer = time.AfterFunc(r.cfg.Duration, func() { r.stop(haltDuration) })
	}
	stopSampling := r.startSampler()
	r.begun.Store(true)
	return func() {
		if timer != nil {
			timer.Stop()
		}
		stopSampling()
	}
}

// execute starts consumers, then producers; when every producer is done it
// closes the queues (the one closer) and waits for consumers to drain them.
func (r *run) execute(mon *runtimeMonitor) {
	defer r.start()()
	if r.ctl != nil {
		r.ctl.attach(r) // after start: changes read the run's clock
		defer r.ctl.detach()
	}
	var cwg, pwg sync.WaitGroup
	cwg.Add(len(r.consumers))
	for i := range r.consumers {
		if i == stackCalibration && len(r.consumers) >= prefaultThreshold {
			// The runtime starts goroutines with the average stack its last
			// GC scanned (GODEBUG adaptivestackstart). Run's forced GCs saw
			// only main's deep stack and chose 4 KiB, which would double a
			// million consumers' stacks; a GC that sees consumers brings it
			// back to 2 KiB for the rest.
			runtime.GC()
		}
		go func(i int) {
			defer cwg.Done()
			c := &r.consumers[i]
			if r.ctl != nil {
				r.consumeControlled(c, &c.rec, &r.ctl.slots[i], i)
				c.rec.flush()
				return
			}
			if r.batches != nil {
				r.consumeBatches(c, &c.rec)
			} else {
				r.consume(c, &c.rec)
			}
			c.rec.flush()
		}(i)
	}
	pwg.Add(len(r.producers))
	for k := range r.producers {
		go func(k int) {
			defer pwg.Done()
			if r.fault != nil {
				r.produceFaulty(k) // tests only: the ordinary loops stay free of the hook
			} else if r.ctl != nil {
				r.produceControlled(k)
			} else if r.batches != nil {
				r.produceBatches(k)
			} else {
				r.produce(k)
			}
		}(k)
	}
	mon.sampleGoroutines() // every goroutine of the run exists now
	pwg.Wait()
	r.halt.CompareAndSwap(running, haltDone)
	if r.draining != nil {
		close(r.draining)
	}
	for _, q := range r.queues {
		close(q)
	}
	for _, q := range r.batches {
		close(q)
	}
	cwg.Wait()
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

// seq recovers a message's sequence number from its slot, for traces and
// test hooks (the hot path never needs it). Round-robin slots are dense per
// queue: the j-th message producer k sent to queue q is unit j/K of that
// queue's share, and the queue's units are every Q-th starting at (q−k) mod Q.
func (r *run) seq(q int, m *message) int64 {
	j := m.slot - int64(m.producer)*r.perQueue
	if r.cfg.Dispatch != RoundRobin {
		return j
	}
	k, nq := int64(r.cfg.Batch), int64(r.cfg.Queues)
	first := ((int64(q)-int64(m.producer))%nq + nq) % nq
	return ((j/k)*nq+first)*k + j%k
}

// orderChecked says whether per-producer order is promised and affordable
// to check: one consumer per queue, and one int64 per producer per consumer.
func (r *run) orderChecked() bool {
	return r.cfg.Consumers == 1 && int64(r.cfg.Producers)*int64(len(r.consumers)) <= 1<<24
}
