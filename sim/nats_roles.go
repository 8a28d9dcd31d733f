package sim

import (
	"sync"
	"time"
)

// procState is what the producer process knows of one consumer process.
type procState struct {
	id      string
	arrived int64        // from its latest hello
	account *natsAccount // once it sent one
	chunks  int          // bit chunks received from it
}

// runNATSProducer is the producer role of a split run (see nats_split.go).
func (r *run) runNATSProducer(t *natsTransport, mon *runtimeMonitor) error {
	self, cfg := processID(), roleConfigOf(r.cfg)
	procs := map[string]*procState{}
	var mismatch *RoleMismatchError
	var order []string
	ctl, err := t.ctl(t.acctSubject(), func(m ctlMsg) {
		p := procs[m.From]
		if p == nil {
			if m.Kind != "hello" {
				return
			}
			p = &procState{id: m.From}
			procs[m.From], order = p, append(order, m.From)
		}
		switch m.Kind {
		case "hello":
			if d := cfg.diff(orEmpty(m.Config)); len(d) > 0 && mismatch == nil {
				mismatch = &RoleMismatchError{Other: "consumer", Diffs: d}
			}
			p.arrived = max(p.arrived, m.Arrived)
		case "bits":
			r.mergeBits(m.Queue, m.Word, m.Bits)
			p.chunks++
		case "account":
			p.account = m.Account
		}
	})
	if err != nil {
		return err
	}
	locked := ctl.locked
	r.setWaiting("consumers of run " + t.runID)
	joined := r.wait(t, 0, false, func() (ok bool) {
		locked(func() { ok = len(procs) > 0 || mismatch != nil })
		return ok
	})
	r.setWaiting("")
	var mm *RoleMismatchError
	locked(func() { mm = mismatch })
	if mm != nil {
		// Tell the consumer processes too, or they would wait for a start.
		ctl.send(t.ctlSubject(), ctlMsg{Kind: "refuse", From: self, Config: cfg})
		return mm
	}
	if !joined {
		r.split = &splitOutcome{self: self, unjudged: "no consumer-role process joined the run"}
		return nil
	}
	mon.sampleGoroutines()
	ctl.send(t.ctlSubject(), ctlMsg{Kind: "start", From: self, Config: cfg})
	r.publishNATS(t)
	r.halt.CompareAndSwap(running, haltDone)
	sent := r.sentPerQueue()
	var produced int64
	for i := range r.producers {
		produced += r.producers[i].produced
	}
	ctl.send(t.ctlSubject(), ctlMsg{Kind: "end", From: self, Sent: sent, Produced: produced, EndedBy: r.endedBy()})

	// Collect once the consumer processes' arrivals add up to what was
	// sent, or nothing new arrives for the drain timeout.
	total := r.expectedNATS()
	arrived := func() (n int64) {
		locked(func() {
			for _, p := range procs {
				n += p.arrived
			}
		})
		return n
	}
	r.awaitCount(t, arrived, total)
	// Core NATS delivers at most once: collect is said again until every
	// account is in (a consumer process takes the first and sends its
	// account once).
	collect := func() { ctl.send(t.ctlSubject(), ctlMsg{Kind: "collect", From: self}) }
	collect()
	said := time.Now()
	r.wait(t, r.cfg.DrainTimeout, true, func() (all bool) {
		locked(func() {
			all = true
			for _, p := range procs {
				all = all && p.account != nil
			}
		})
		if !all && time.Since(said) >= collectAgain {
			collect()
			said = time.Now()
		}
		return all
	})
	var v *splitVerdict
	locked(func() {
		list := make([]*procState, len(order))
		for i, id := range order {
			list[i] = procs[id]
		}
		v = r.buildVerdict(list, sent)
	})
	ctl.send(t.ctlSubject(), ctlMsg{Kind: "verdict", From: self, Verdict: v})
	r.split = &splitOutcome{self: self, verdict: v}
	return nil
}

// awaitCount waits until count reaches want, or it stops changing for the
// drain timeout (a moment after a signal), or the server is lost.
func (r *run) awaitCount(t *natsTransport, count func() int64, want int64) {
	tk := time.NewTicker(5 * time.Millisecond)
	defer tk.Stop()
	idle, intr := r.cfg.DrainTimeout, r.interrupted
	last, lastChange := int64(-1), time.Now()
	for {
		got := count()
		if got != last {
			last, lastChange = got, time.Now()
		}
		if got >= want || time.Since(lastChange) > idle {
			return
		}
		select {
		case <-tk.C:
		case <-t.lost:
			return
		case <-intr:
			idle, intr = min(idle, interruptGrace), nil
		}
	}
}

// sentPerQueue is what the producers here sent to each queue.
func (r *run) sentPerQueue() []int64 {
	sent := make([]int64, r.cfg.Queues)
	for i := range r.producers {
		for q, n := range r.producers[i].sent {
			sent[q] += n
		}
	}
	return sent
}

// endedBy says what stopped the producers, for the end message.
func (r *run) endedBy() string {
	switch r.halt.Load() {
	case haltInterrupted:
		return "interrupted"
	case haltDuration:
		return "duration"
	case haltTransport:
		return "transport"
	}
	return "messages"
}

func orEmpty(c *roleConfig) *roleConfig {
	if c == nil {
		return &roleConfig{}
	}
	return c
}

// consumerState is what a consumer process learns from the producer
// process, written by the control connection's handler.
type consumerState struct {
	start, end, collect, verdict *ctlMsg
	producers                    map[string]bool
	peers                        map[string]bool
	mismatch                     *RoleMismatchError
}

// runNATSConsumer is the consumer role of a split run (see nats_split.go).
func (r *run) runNATSConsumer(t *natsTransport, mon *runtimeMonitor) error {
	self, cfg := processID(), roleConfigOf(r.cfg)
	st := consumerState{producers: map[string]bool{}, peers: map[string]bool{}}
	subs, err := r.subscribeNATS(t)
	if err != nil {
		return err
	}
	ctl, err := t.ctl(t.ctlSubject(), func(m ctlMsg) {
		switch m.Kind {
		case "start":
			st.producers[m.From] = true
			if d := cfg.diff(orEmpty(m.Config)); len(d) > 0 && st.mismatch == nil {
				st.mismatch = &RoleMismatchError{Other: "producer", Diffs: d}
			}
			st.start = &m
		case "end":
			st.producers[m.From] = true
			st.end = &m
		case "refuse":
			if d := cfg.diff(orEmpty(m.Config)); st.mismatch == nil {
				st.mismatch = &RoleMismatchError{Other: "producer", Diffs: d}
			}
		case "collect":
			st.collect = &m
		case "verdict":
			st.verdict = &m
		}
	})
	if err != nil {
		return err
	}
	// Other consumer processes' hellos: a process alone can judge its
	// run without a verdict; one of several cannot.
	peers, err := t.ctl(t.acctSubject(), func(m ctlMsg) {
		if m.Kind == "hello" && m.From != self {
			st.peers[m.From] = true
		}
	})
	if err != nil {
		return err
	}
	locked := ctl.locked
	mon.sampleGoroutines()
	stopHello := r.sayHello(t, ctl, self, cfg, subs)
	r.setWaiting("the producers of run " + t.runID)
	var gotEnd, gotCollect bool
	r.wait(t, 0, false, func() (done bool) {
		var got int64
		for _, sb := range subs {
			got += sb.arrived.Load()
		}
		if got > 0 {
			r.setWaiting("")
		}
		locked(func() { gotEnd, done = st.end != nil, st.end != nil || st.mismatch != nil })
		return done
	})
	r.setWaiting("")
	out := &splitOutcome{self: self}
	r.split = out
	var mm *RoleMismatchError
	var end *ctlMsg
	locked(func() { mm, end = st.mismatch, st.end })
	if mm != nil {
		stopHello()
		r.closeSubs(t, subs, false)
		return mm
	}
	if !gotEnd {
		stopHello()
		r.closeSubs(t, subs, false)
		out.unjudged = "the producers never said how many messages they sent, so no message can be called lost"
		return nil
	}
	r.takeSent(end.Sent, end.Produced)
	out.endedBy = end.EndedBy
	// The producer process collects when every process's arrivals add up;
	// wait for it, a little longer than it waits itself.
	r.wait(t, 2*r.cfg.DrainTimeout+time.Second, false, func() bool {
		locked(func() { gotCollect = st.collect != nil })
		return gotCollect
	})
	stopHello()
	r.closeSubs(t, subs, false)
	acct := r.buildAccount(subs)
	r.sendAccount(ctl, t.acctSubject(), self, acct)
	r.wait(t, 2*r.cfg.DrainTimeout+time.Second, true, func() (got bool) {
		locked(func() { got = st.verdict != nil })
		return got
	})
	peers.mu.Lock()
	out.peers = len(st.peers)
	peers.mu.Unlock()
	locked(func() {
		for id := range st.producers {
			out.producers = id
		}
		if len(st.producers) > 1 {
			out.unjudged = "two producer-role processes sent to this run; each sends every message, so the run cannot be judged"
		}
		if st.verdict != nil && out.unjudged == "" {
			out.verdict = st.verdict.Verdict
		}
	})
	if out.verdict == nil && out.unjudged == "" && out.peers > 0 {
		out.unjudged = "the producer process sent no verdict, and this process shared the run with others: its own share cannot say what was lost"
	}
	return nil
}

// sayHello tells the producer process, every helloEvery, that this
// process is here, what it runs and how many messages arrived.
func (r *run) sayHello(t *natsTransport, ctl *ctlConn, self string, cfg *roleConfig, subs []*natsSub) (stop func()) {
	quit := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		tk := time.NewTicker(helloEvery)
		defer tk.Stop()
		for {
			var got int64
			for _, sb := range subs {
				got += sb.arrived.Load()
			}
			ctl.send(t.acctSubject(), ctlMsg{Kind: "hello", From: self, Config: cfg, Arrived: got})
			select {
			case <-tk.C:
			case <-quit:
				return
			}
		}
	})
	return func() { close(quit); wg.Wait() }
}

// takeSent makes what the producers said they sent this process's record
// of what was sent, so loss is judged against it, not against the plan.
func (r *run) takeSent(sent []int64, produced int64) {
	for i := range r.producers {
		p := &r.producers[i]
		p.produced = 0
		for q := range p.sent {
			p.sent[q] = 0
			if i == 0 && q < len(sent) {
				p.sent[q] = sent[q]
			}
		}
	}
	r.producers[0].produced = produced
}
