package sim

import (
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// faultRunner acts out a broker run's faults at their times and watches
// the consumers catch up after each. Its methods are safe on nil (a run
// without faults), so the handlers call them unconditionally.
type faultRunner struct {
	r       *run
	subs    []faultSub
	restart func() error  // the broker's, for a restart fault
	faults  []BrokerFault // in time order
	pub     *jsPublisher  // producer 0's, for resends (JetStream)

	mu       sync.Mutex // guards what follows
	reps     []FaultReport
	awaiting map[[2]int64]awaited // a crashed consumer's message (queue, slot), until delivered again
	waitFor  []int                // per fault: held messages not yet delivered again
	target   []int64              // per fault: distinct deliveries that mean caught up
	snap     []int64              // per fault: redeliveries before it
	fired    []bool
	seqAt    [][]int64 // per fault: each producer's messages sent before it
	nDown    int       // crashed consumers not yet back

	redeliveries atomic.Int64
	crashes      chan faultSub
	pending      atomic.Int32 // len(awaiting), read without the lock
	quit         chan struct{}
	wg           sync.WaitGroup
}

// awaited is a message a crash left unacknowledged: fault i's, held
// (received) or only fetched by its client.
type awaited struct {
	fault int
	held  bool
}

// maxHeldListed bounds the held messages a fault report names.
const maxHeldListed = 100

// faultSub is one consumer as the fault runner acts on it.
type faultSub interface {
	askCrash(i int)    // crash for fault i when it next holds a message
	askRejoin(i int)   // leave and rejoin its group, for fault i (Kafka)
	comeBack() error   // after a crash: consume again
	arrivedNow() int64 // sent messages that arrived here, copies aside
}

// newFaultRunner starts acting out the run's faults; nil without any.
func (r *run) newFaultRunner(subs []faultSub, restart func() error) *faultRunner {
	if len(r.cfg.Faults) == 0 {
		return nil
	}
	f := &faultRunner{r: r, subs: subs, restart: restart, faults: append([]BrokerFault(nil), r.cfg.Faults...),
		awaiting: map[[2]int64]awaited{}, crashes: make(chan faultSub, len(r.cfg.Faults)+1), quit: make(chan struct{})}
	sort.SliceStable(f.faults, func(i, j int) bool { return f.faults[i].At < f.faults[j].At })
	n := len(f.faults)
	f.reps, f.waitFor, f.target, f.snap, f.fired = make([]FaultReport, n), make([]int, n), make([]int64, n), make([]int64, n), make([]bool, n)
	f.seqAt = make([][]int64, n)
	for i, bf := range f.faults {
		f.reps[i] = FaultReport{BrokerFault: bf, Recovery: -1}
	}
	r.faults = f
	f.wg.Go(f.loop)
	return f
}

// resends is how many messages producer 0 must remember for resend faults.
func (f *faultRunner) resends() int {
	n := 0
	for _, bf := range f.faults {
		if bf.Kind == FaultResend {
			n = max(n, bf.Count)
		}
	}
	return n
}

func (f *faultRunner) loop() {
	tk := time.NewTicker(5 * time.Millisecond)
	defer tk.Stop()
	next := 0
	for {
		select {
		case <-f.quit:
			return
		case sb := <-f.crashes:
			if err := sb.comeBack(); err != nil {
				f.r.failTransport("restarting a crashed consumer: " + err.Error())
			}
			f.mu.Lock()
			f.nDown--
			f.mu.Unlock()
		case <-tk.C:
		}
		now := f.r.now()
		for next < len(f.faults) && time.Duration(now) >= f.faults[next].At && !f.r.intr.Load() {
			f.fire(next)
			next++
		}
		f.checkRecovery()
	}
}

// sentNow is how many deliveries the producers have sent so far.
func (f *faultRunner) sentNow() int64 {
	var n int64
	for i := range f.r.producers {
		n += f.r.producers[i].published.Load()
	}
	if f.r.cfg.Dispatch == Fanout {
		n *= int64(f.r.cfg.Queues)
	}
	return n
}

// fire acts out fault i.
func (f *faultRunner) fire(i int) {
	bf := f.faults[i]
	f.mu.Lock()
	f.target[i] = f.sentNow()
	f.snap[i] = f.redeliveries.Load()
	f.seqAt[i] = make([]int64, len(f.r.producers))
	for k := range f.r.producers {
		f.seqAt[i][k] = f.r.producers[k].published.Load()
	}
	f.mu.Unlock()
	switch bf.Kind {
	case FaultCrash:
		// The consumer crashes when it next holds a message.
		f.mu.Lock()
		f.fired[i] = true
		f.mu.Unlock()
		f.subs[bf.Queue*f.r.cfg.Consumers+bf.Consumer].askCrash(i)
	case FaultRebalance:
		f.happened(i)
		f.subs[bf.Queue*f.r.cfg.Consumers+bf.Consumer].askRejoin(i)
	case FaultRestart:
		f.happened(i)
		if err := f.restart(); err != nil {
			f.r.failTransport(err.Error())
		}
		// Caught up means what was sent until the broker was back, and
		// then something sent to it, arrived.
		f.mu.Lock()
		f.target[i] = f.sentNow()
		f.mu.Unlock()
	case FaultResend:
		pub := f.pub
		if pub == nil {
			return
		}
		pub.resend.Store(int32(bf.Count))
		select {
		case futs, ok := <-pub.resent:
			if ok {
				f.happened(i)
				dropped := f.deduplicated(futs)
				f.mu.Lock()
				f.reps[i].Resent, f.reps[i].Deduplicated = int64(len(futs)), dropped
				f.mu.Unlock()
			}
		case <-f.quit:
		}
	}
}

// happened marks fault i as happening now.
func (f *faultRunner) happened(i int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.fired[i] = true
	f.reps[i].Happened, f.reps[i].Time = true, time.Duration(f.r.now())
}

// crashed is called by sb's handler as it crashes, for fault i, holding m
// of queue q: recorded (received, its acknowledgement never sent) or, at
// most once, acknowledged and not processed. The first message a crash
// holds makes it happen; the runner brings sb back once told with down.
func (f *faultRunner) crashed(i, q int, m message, ok, recorded bool) {
	f.mu.Lock()
	first := !f.reps[i].Happened
	f.mu.Unlock()
	if first {
		f.happened(i)
	}
	f.mu.Lock()
	rep := &f.reps[i]
	rep.Held++
	if ok {
		if len(rep.HeldMessages) < maxHeldListed {
			rep.HeldMessages = append(rep.HeldMessages, MessageRef{Queue: q, Producer: int(m.producer), Seq: f.r.seq(q, &m)})
		}
		if recorded {
			f.awaiting[[2]int64{int64(q), m.slot}] = awaited{fault: i, held: true}
			f.pending.Store(int32(len(f.awaiting)))
			f.waitFor[i]++
		}
	}
	if !recorded {
		rep.Lost++ // acknowledged: never delivered again
	}
	f.mu.Unlock()
}

// down tells the runner that sb crashed and must be brought back.
func (f *faultRunner) down(sb faultSub) {
	f.mu.Lock()
	f.nDown++
	f.mu.Unlock()
	f.crashes <- sb
}

// abandoned counts a message a crashed consumer's client had fetched.
func (f *faultRunner) abandoned(i int, q int, data []byte) {
	if f == nil || i < 0 {
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.reps[i].Abandoned++
	if f.r.cfg.AckPolicy == "none" {
		f.reps[i].Lost++ // nobody acknowledges: the broker has forgotten it
		return
	}
	if m, ok := decode(data); ok {
		k := [2]int64{int64(q), m.slot}
		if _, already := f.awaiting[k]; !already {
			f.awaiting[k] = awaited{fault: i}
			f.pending.Store(int32(len(f.awaiting)))
		}
	}
}

// redelivered notes a delivery the broker marked as redelivered.
func (f *faultRunner) redelivered(q int, slot int64) {
	if f == nil {
		return
	}
	f.redeliveries.Add(1)
	f.settle(q, slot)
}

// settle counts a crashed consumer's message delivered again.
func (f *faultRunner) settle(q int, slot int64) {
	f.mu.Lock()
	k := [2]int64{int64(q), slot}
	if a, ok := f.awaiting[k]; ok {
		delete(f.awaiting, k)
		f.pending.Store(int32(len(f.awaiting)))
		f.reps[a.fault].Redelivered++
		if a.held {
			f.waitFor[a.fault]--
		}
	}
	f.mu.Unlock()
}

// crashPending reports whether a crashed consumer is not back yet.
func (f *faultRunner) crashPending() bool {
	if f == nil {
		return false
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.nDown > 0
}

// checkRecovery finds the faults whose consumers caught up: as many
// distinct deliveries as were sent before the fault (less what it lost
// for sure), and every message it held delivered again where that is
// promised.
func (f *faultRunner) checkRecovery() {
	var got int64
	for _, sb := range f.subs {
		got += sb.arrivedNow()
	}
	now := time.Duration(f.r.now())
	f.mu.Lock()
	defer f.mu.Unlock()
	for i := range f.reps {
		rep := &f.reps[i]
		if !rep.Happened || rep.Recovery >= 0 {
			continue
		}
		need := f.target[i] - rep.Lost
		if rep.Kind == FaultRestart && f.sentNow() > f.target[i] {
			need++ // and something sent after it: a broker that lost its stream takes nothing new
		}
		if got >= need && f.waitFor[i] == 0 {
			rep.Recovery = now - rep.Time
		}
	}
}

// stop ends the runner and gives the run its fault reports.
func (f *faultRunner) stop() {
	if f == nil {
		return
	}
	close(f.quit)
	f.wg.Wait()
	f.checkRecovery()
	total := f.redeliveries.Load()
	for i := range f.reps {
		if !f.fired[i] || f.reps[i].Kind != FaultRestart {
			continue // a crash counts its own messages back; a resend makes new ones
		}
		until := total
		if i+1 < len(f.reps) && f.fired[i+1] {
			until = f.snap[i+1]
		}
		f.reps[i].Redelivered = until - f.snap[i]
	}
	f.r.faultReports = f.reps
	f.r.faultSeqs = f.seqAt
}

// finishFaults moves the fault reports' times to count from the first
// send, as the series' and failovers' do, and puts them in res.
func (r *run) finishFaults(res *Result, first int64) {
	shift := time.Duration(max(first, 0))
	for i := range r.faultReports {
		if r.faultReports[i].Kind != FaultRestart || r.faultSeqs[i] == nil {
			continue
		}
		// A restart's losses: what was sent from the fault before it (or
		// the start) to the fault after it (or the end) and arrived nowhere.
		from, to := make([]int64, len(r.producers)), make([]int64, len(r.producers))
		for k := range r.producers {
			to[k] = r.producers[k].produced
		}
		if i > 0 && r.faultSeqs[i-1] != nil {
			from = r.faultSeqs[i-1]
		}
		if i+1 < len(r.faultSeqs) && r.faultSeqs[i+1] != nil {
			to = r.faultSeqs[i+1]
		}
		r.faultReports[i].Lost = r.lostBetween(from, to)
	}
	for _, rep := range r.faultReports {
		if rep.Happened {
			rep.Time = max(rep.Time-shift, 0)
		}
		res.Faults = append(res.Faults, rep)
	}
	if r.jsRedelivered != nil {
		for q := range res.Queues {
			res.Queues[q].Redelivered = r.jsRedelivered[q]
			res.Redelivered += r.jsRedelivered[q]
		}
	}
	res.Unconfirmed, res.Republished = r.jsUnconfirmed.Load(), r.jsRepublished.Load()
}

// deduplicated waits for the acknowledgements of a resend's publishes and
// counts those the stream dropped as duplicates of a message id it had.
func (f *faultRunner) deduplicated(futs []jetstream.PubAckFuture) int64 {
	var n int64
	for _, fut := range futs {
		select {
		case ack := <-fut.Ok():
			if ack != nil && ack.Duplicate {
				n++
			}
		case <-fut.Err():
		case <-f.quit:
			return n
		}
	}
	return n
}

// lostBetween counts the deliveries of producer k's messages from[k] up to
// to[k] that arrived nowhere, replaying the producers' routing. It reads
// the seen sets plainly: every goroutine of the run has ended.
func (r *run) lostBetween(from, to []int64) int64 {
	var lost int64
	for k := range r.producers {
		st := r.newProducerState(k)
		st.p = &producer{sent: make([]int64, r.cfg.Queues)} // route counts; the run's are final
		for i := int64(0); i < min(to[k], r.producers[k].produced); i++ {
			var m message
			q := r.route(&st, &m, i)
			if i < from[k] {
				continue
			}
			if q >= 0 {
				if !r.seen[q].has(m.slot) {
					lost++
				}
				continue
			}
			for _, s := range r.seen {
				if !s.has(m.slot) {
					lost++
				}
			}
		}
	}
	return lost
}

// again notes a delivery that may be a crashed consumer's message coming
// back, for brokers that do not mark redeliveries (Kafka): a lock only
// while some are awaited.
func (f *faultRunner) again(q int, slot int64) {
	if f == nil || f.pending.Load() == 0 {
		return
	}
	f.settle(q, slot)
}

// settled reports whether no crashed consumer's held message is still
// awaited.
func (f *faultRunner) settled() bool { return f == nil || f.pending.Load() == 0 }
