package sim

import (
	"sort"
	"sync"
	"sync/atomic"
	"time"
)

// faultRunner acts out a JetStream run's broker faults at their times and
// watches the consumers catch up after each. Its methods are safe on nil
// (a run without faults), so the handlers call them unconditionally.
type faultRunner struct {
	r      *run
	t      *jsTransport
	subs   []*jsSub
	faults []BrokerFault // in time order
	pub    *jsPublisher  // producer 0's, for resends

	mu       sync.Mutex // guards what follows
	reps     []FaultReport
	awaiting map[[2]int64]int // a held message (queue, slot) → its fault, until delivered again
	waitFor  []int            // per fault: held messages not yet delivered again
	target   []int64          // per fault: distinct deliveries that mean caught up
	snap     []int64          // per fault: redeliveries before it
	fired    []bool
	down     int // crashed consumers not yet restarted

	redeliveries atomic.Int64
	crashes      chan *jsSub
	quit         chan struct{}
	wg           sync.WaitGroup
}

// maxHeldListed bounds the held messages a fault report names.
const maxHeldListed = 100

// newFaultRunner starts acting out the run's faults; nil without any.
func (r *run) newFaultRunner(t *jsTransport, subs []*jsSub) *faultRunner {
	if len(r.cfg.Faults) == 0 {
		return nil
	}
	f := &faultRunner{r: r, t: t, subs: subs, faults: append([]BrokerFault(nil), r.cfg.Faults...),
		awaiting: map[[2]int64]int{}, crashes: make(chan *jsSub, len(r.cfg.Faults)+1), quit: make(chan struct{})}
	sort.SliceStable(f.faults, func(i, j int) bool { return f.faults[i].At < f.faults[j].At })
	n := len(f.faults)
	f.reps, f.waitFor, f.target, f.snap, f.fired = make([]FaultReport, n), make([]int, n), make([]int64, n), make([]int64, n), make([]bool, n)
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
			f.restart(sb)
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
	f.mu.Unlock()
	switch bf.Kind {
	case FaultCrash:
		// The consumer crashes when it next holds a message.
		sb := f.subs[bf.Queue*f.r.cfg.Consumers+bf.Consumer]
		sb.mu.Lock()
		sb.crashNext = i
		sb.mu.Unlock()
		f.mu.Lock()
		f.fired[i] = true
		f.mu.Unlock()
	case FaultRestart:
		f.happened(i)
		if err := f.t.restart(); err != nil {
			f.r.failTransport(err.Error())
		}
	case FaultResend:
		pub := f.pub
		if pub == nil {
			return
		}
		pub.resend.Store(int32(bf.Count))
		select {
		case n, ok := <-pub.resent:
			if ok {
				f.happened(i)
				f.mu.Lock()
				f.reps[i].Resent = int64(n)
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

// crashed is called by sb's handler, under sb.mu, as it crashes holding m:
// recorded (received, its acknowledgement never sent) or, at most once,
// acknowledged and not processed.
func (f *faultRunner) crashed(sb *jsSub, m message, ok, recorded bool) {
	i := sb.crashNext
	sb.crashNext, sb.crashed, sb.crashFault = -1, true, i
	f.happened(i)
	f.mu.Lock()
	rep := &f.reps[i]
	rep.Held++
	if ok {
		if len(rep.HeldMessages) < maxHeldListed {
			rep.HeldMessages = append(rep.HeldMessages, MessageRef{Queue: sb.q, Producer: int(m.producer), Seq: f.r.seq(sb.q, &m)})
		}
		if recorded {
			f.awaiting[[2]int64{int64(sb.q), m.slot}] = i
			f.waitFor[i]++
		}
	}
	if !recorded {
		rep.Lost++ // acknowledged: never delivered again
	}
	f.down++
	f.mu.Unlock()
	f.crashes <- sb
}

// restart brings a crashed consumer back: its old subscription gone, and
// with it what its client had fetched, it pulls again.
func (f *faultRunner) restart(sb *jsSub) {
	sb.stopConsume()
	sb.mu.Lock()
	sb.crashed = false
	sb.mu.Unlock()
	if err := sb.consume(f.r); err != nil {
		f.r.failTransport("restarting a crashed consumer: " + err.Error())
	}
	f.mu.Lock()
	f.down--
	f.mu.Unlock()
}

// abandoned counts a message a crashed consumer's client had fetched.
func (f *faultRunner) abandoned(i int) {
	if f == nil || i < 0 {
		return
	}
	f.mu.Lock()
	f.reps[i].Abandoned++
	if f.r.cfg.AckPolicy == "none" {
		f.reps[i].Lost++ // nobody acknowledges: the broker has forgotten it
	}
	f.mu.Unlock()
}

// redelivered notes a delivery the broker marked as redelivered.
func (f *faultRunner) redelivered(q int, slot int64) {
	if f == nil {
		return
	}
	f.redeliveries.Add(1)
	f.mu.Lock()
	k := [2]int64{int64(q), slot}
	if i, ok := f.awaiting[k]; ok {
		delete(f.awaiting, k)
		f.waitFor[i]--
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
	return f.down > 0
}

// checkRecovery finds the faults whose consumers caught up: as many
// distinct deliveries as were sent before the fault (less what it lost
// for sure), and every message it held delivered again where that is
// promised.
func (f *faultRunner) checkRecovery() {
	var got int64
	for _, sb := range f.subs {
		got += sb.arrived.Load()
	}
	now := time.Duration(f.r.now())
	f.mu.Lock()
	defer f.mu.Unlock()
	for i := range f.reps {
		rep := &f.reps[i]
		if !rep.Happened || rep.Recovery >= 0 {
			continue
		}
		if got >= f.target[i]-rep.Lost && f.waitFor[i] == 0 {
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
		if !f.fired[i] {
			continue
		}
		until := total
		if i+1 < len(f.reps) && f.fired[i+1] {
			until = f.snap[i+1]
		}
		f.reps[i].Redelivered = until - f.snap[i]
	}
	f.r.faultReports = f.reps
}

// finishFaults moves the fault reports' times to count from the first
// send, as the series' and failovers' do, and puts them in res.
func (r *run) finishFaults(res *Result, first int64) {
	shift := time.Duration(max(first, 0))
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
