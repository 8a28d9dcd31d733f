package sim

import "time"

// phaseResults fills res.Phases and res.Crashes of a steered run, once
// every goroutine has ended. first and last are the first send and the
// last receive, ns since base.
func (r *run) phaseResults(res *Result, first, last int64) {
	if r.ctl == nil {
		return
	}
	res.Steered = true
	r.ctl.mu.Lock()
	marks := append([]phaseMark(nil), r.ctl.phases...)
	r.ctl.mu.Unlock()
	b := r.phases
	sent, lost := r.phaseSentLost(len(marks))
	for ph, mk := range marks {
		start := max(mk.at, first)
		if ph == 0 {
			start = first
		}
		end := last
		if ph+1 < len(marks) {
			end = max(marks[ph+1].at, start)
		}
		p := PhaseResult{Name: mk.name, Start: time.Duration(max(start-first, 0)), Length: time.Duration(max(end-start, 0)),
			Sent: sent[ph], Lost: lost[ph]}
		if ph < len(b.acc) {
			a := b.acc[ph]
			p.Delivered, p.Duplicated = a.delivered, a.dups
			if a.h != nil {
				p.Latency = summarize(a.h, 0)
			}
		}
		if ph < len(b.depth) {
			p.MaxDepth = b.depth[ph]
		}
		if p.Length > 0 {
			p.Throughput = float64(p.Delivered) / p.Length.Seconds()
		}
		if ph == 0 && mk.name == "" && p.Sent == 0 && p.Delivered == 0 && len(marks) > 1 {
			continue // the unnamed start before the first named phase, empty
		}
		res.Phases = append(res.Phases, p)
	}
	// The series marks phases: each interval says which one it began in.
	for i := range res.Series {
		at := int64(res.Series[i].Start) + first
		for ph, mk := range marks {
			if ph == 0 || mk.at <= at {
				res.Series[i].Phase = mk.name
			}
		}
	}
	r.crashMu.Lock()
	defer r.crashMu.Unlock()
	for i, c := range r.crashes {
		c.At = time.Duration(max(int64(c.At)-first, 0))
		res.Crashes = append(res.Crashes, c)
		q, slot := r.crashSlots[i][0], r.crashSlots[i][1]
		if r.seen[q].countRange(slot, slot+1) == 0 {
			res.CrashLost++
		}
	}
}

// phaseSentLost counts, per phase, the deliveries handed to a queue and
// those of them never received, from each producer's phase marks and the
// queues' bits.
func (r *run) phaseSentLost(phases int) (sent, lost []int64) {
	sent, lost = make([]int64, phases), make([]int64, phases)
	queues := r.cfg.Queues
	if r.cfg.Dispatch == Key {
		queues = 1 // one set for all queues, indexed by message
	}
	for k := range r.producers {
		p := &r.producers[k]
		ss := r.phases.starts[k].Load()
		if ss == nil {
			continue
		}
		base := int64(k) * r.perQueue
		for i, s := range *ss {
			for q := range queues {
				to := p.produced
				if r.cfg.Dispatch == RoundRobin {
					to = p.sent[q]
				}
				if i+1 < len(*ss) {
					to = (*ss)[i+1].from[q]
				}
				n := to - s.from[q]
				got := r.seen[q].countRange(base+s.from[q], base+to)
				sent[s.phase] += n
				lost[s.phase] += n - got
			}
		}
	}
	return sent, lost
}
