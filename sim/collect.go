package sim

import (
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
)

// The run's end: merging every goroutine's counters into a Result.

// collect merges the per-goroutine counters into res and returns the first
// send and last receive (ns since base; first is -1 if nothing was sent). It
// runs after every goroutine has ended, so it reads plain fields.
func (r *run) collect(res *Result) (first, last int64) {
	cfg := r.cfg
	res.OrderChecked = r.orderChecked()
	res.QueueLatency = r.layout != Sharded
	first = -1
	var lastSend int64
	for i := range r.producers {
		p := &r.producers[i]
		res.Produced += p.produced
		if p.first >= 0 && (first < 0 || p.first < first) {
			first = p.first
		}
		lastSend = max(lastSend, p.lastSend)
		res.MaxLag = max(res.MaxLag, time.Duration(p.maxLag))
	}
	if first >= 0 && lastSend > first {
		res.SendRate = float64(res.Produced) / time.Duration(lastSend-first).Seconds()
	}
	total := newHistogram()
	// Per-consumer layout: a queue's consumers are summed into its first
	// consumer's counts, and the queues into queue 0's once it is imported,
	// so no new 270 KB arrays are faulted in.
	var totalCounts *hdrCounts
	var totalClamped int64
	var scratch *hdrhistogram.Histogram
	res.Queues = make([]QueueResult, cfg.Queues)
	res.Consumers = make([]ConsumerResult, len(r.consumers))
	for q := range res.Queues {
		qr := &res.Queues[q]
		qr.Queue, qr.Consumers = q, cfg.Consumers
		for i := range r.producers {
			qr.Sent += r.producers[i].sent[q]
		}
		var clamped, busy int64
		var qCounts *hdrCounts
		for i := q * cfg.Consumers; i < (q+1)*cfg.Consumers; i++ {
			c := &r.consumers[i]
			busy += c.busy
			qr.WarmupDeliveries += c.warm
			qr.Delivered += c.delivered
			qr.Duplicated += c.duplicated
			qr.Reordered += c.reordered
			if cfg.Sizes != nil {
				qr.Bytes += c.bytes // each message its own size
			} else {
				qr.Bytes += c.delivered * int64(cfg.Size) // every payload is Size bytes
			}
			clamped += c.clamped
			if qCounts == nil {
				qCounts = c.rec.own
			} else if c.rec.own != nil {
				qCounts.add(c.rec.own)
			}
			if c.delivered > 0 && c.last > last {
				last = c.last
			}
			res.Consumers[i] = ConsumerResult{Queue: q, Consumer: int(c.id), Delivered: c.delivered}
		}

		// A duplicate is an extra delivery, so the first copies of what was
		// sent number Delivered − Duplicated; the rest of Sent never came.
		qr.Lost = qr.Sent - (qr.Delivered - qr.Duplicated)
		qr.MaxDepth, qr.MeanDepth = r.depth[q].max, r.depth[q].mean()
		if cfg.Work > 0 {
			qr.MeanService = time.Duration(busy / max(qr.Delivered, 1))
			qr.busy = time.Duration(busy)
		}
		switch r.layout {
		case PerConsumer:
			qh := qCounts.histogram()
			qr.Latency, qr.Spectrum = summarize(qh, clamped), spectrum(qh)
			if totalCounts == nil {
				totalCounts = qCounts
			} else {
				totalCounts.add(qCounts)
			}
		case PerQueue:
			if scratch == nil { // one for all queues: 270 KB each to fault in
				scratch = newHistogram()
			}
			scratch.Reset()
			r.shared[q].recordInto(scratch)
			qr.Latency, qr.Spectrum = summarize(scratch, clamped), spectrum(scratch)
			r.shared[q].recordInto(total)
		}
		totalClamped += clamped
		res.addQueue(qr)
	}
	switch r.layout {
	case PerConsumer:
		if totalCounts != nil {
			total = totalCounts.histogram()
		}
	case Sharded:
		for _, s := range r.shared {
			s.recordInto(total)
		}
	}
	res.Latency = summarize(total, totalClamped)
	if total.TotalCount() > 0 {
		res.Histogram, res.Spectrum = total, spectrum(total)
	}
	if first >= 0 && last > first {
		res.Elapsed = time.Duration(last - first)
	}
	for i := range res.Queues {
		if qr := &res.Queues[i]; qr.busy > 0 && res.Elapsed > 0 {
			qr.Utilisation = float64(qr.busy) / (float64(qr.Consumers) * float64(res.Elapsed))
		}
	}
	res.Series = r.series.result(first, last)
	res.DepthMeasured = r.depthMeasured()
	return first, last
}

// DropHistograms lets go of the run's histograms (Histogram and each
// interval's), keeping every summary: a repeat that is not the one shown
// in full need not hold them.
func (res *Result) DropHistograms() {
	res.Histogram = nil
	for i := range res.Series {
		res.Series[i].Histogram = nil
	}
}

// addQueue adds a queue's counts to the run's totals.
func (res *Result) addQueue(qr *QueueResult) {
	res.Sent += qr.Sent
	res.Delivered += qr.Delivered
	res.Duplicated += qr.Duplicated
	res.Reordered += qr.Reordered
	res.Lost += qr.Lost
	res.Bytes += qr.Bytes
	res.WarmupDeliveries += qr.WarmupDeliveries
}
