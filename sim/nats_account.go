package sim

import (
	"encoding/binary"
	"math/bits"
	"math/rand/v2"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
)

// natsAccount is one consumer process's accounting, sent to the producer
// process when it collects. Its seen bits go ahead of it in chunks.
type natsAccount struct {
	Queues    []accountQueue `json:"queues"`
	Consumers []int64        `json:"consumers"` // deliveries per consumer, queue by queue
	Total     []byte         `json:"total,omitempty"`
	Chunks    int            `json:"chunks"`
	FirstWall int64          `json:"first_wall"` // first and last receive, wall clock ns
	LastWall  int64          `json:"last_wall"`
	Dropped   int64          `json:"dropped"` // by the client, for slow consumers
}

// accountQueue is one queue's counts in one process.
type accountQueue struct {
	Delivered int64  `json:"delivered"`
	Reordered int64  `json:"reordered"`
	Warm      int64  `json:"warm"`
	Bytes     int64  `json:"bytes"`
	Clamped   int64  `json:"clamped"`
	Busy      int64  `json:"busy_ns"`
	Hist      []byte `json:"hist,omitempty"` // hdrhistogram V2, compressed
}

// splitVerdict is the run's accounting over every process, as the
// producer process merged it.
type splitVerdict struct {
	Queues    []verdictQueue   `json:"queues"`
	Latency   Latency          `json:"latency"`
	ElapsedNs int64            `json:"elapsed_ns"`
	Processes []ProcessShare   `json:"processes"`
	Consumers []ConsumerResult `json:"consumers"`
	Missing   []string         `json:"missing,omitempty"` // processes that said hello and sent no account
	Dropped   int64            `json:"dropped"`           // by the consumer processes' clients
}

type verdictQueue struct {
	Sent, Delivered, Duplicated, Reordered, Lost, Warm, Bytes int64
	Latency                                                   Latency
}

// ProcessShare is one consumer process's part in a split run.
type ProcessShare struct {
	ID        string `json:"id"`
	Delivered int64  `json:"delivered"`
	Consumers int    `json:"consumers"`
	Accounted bool   `json:"accounted"` // its account reached the producer process
}

// bitsChunk is how many bytes of seen bits one message carries: well
// under the 1 MiB a server accepts by default, with JSON's base64 on top.
const bitsChunk = 256 << 10

// buildAccount sums this process's consumers per queue, after closeSubs.
func (r *run) buildAccount(subs []*natsSub) *natsAccount {
	a := &natsAccount{Queues: make([]accountQueue, r.cfg.Queues), Consumers: make([]int64, len(r.consumers)), FirstWall: -1, Dropped: r.clientDropped}
	baseWall := r.base.UnixNano()
	for i := range r.consumers {
		c := &r.consumers[i]
		q := &a.Queues[c.queue]
		q.Delivered += c.delivered
		q.Reordered += c.reordered
		q.Warm += c.warm
		q.Bytes += c.delivered * int64(r.cfg.Size)
		q.Clamped += c.clamped
		q.Busy += c.busy
		a.Consumers[i] = c.delivered
	}
	for _, sb := range subs {
		if sb.first >= 0 && (a.FirstWall < 0 || baseWall+sb.first < a.FirstWall) {
			a.FirstWall = baseWall + sb.first
		}
		a.LastWall = max(a.LastWall, baseWall+sb.now)
	}
	switch r.layout {
	case Sharded:
		h := newHistogram()
		for _, s := range r.shared {
			s.recordInto(h)
		}
		a.Total, _ = h.Encode(hdrhistogram.V2CompressedEncodingCookieBase)
	default:
		for q := range a.Queues {
			a.Queues[q].Hist, _ = r.queueHistogram(q).Encode(hdrhistogram.V2CompressedEncodingCookieBase)
		}
	}
	return a
}

// queueHistogram is queue q's latency here, without changing the
// consumers' own counts (collect adds them up later).
func (r *run) queueHistogram(q int) *hdrhistogram.Histogram {
	if r.layout == PerQueue {
		h := newHistogram()
		r.shared[q].recordInto(h)
		return h
	}
	h := newHistogram()
	for i := q * r.cfg.Consumers; i < (q+1)*r.cfg.Consumers; i++ {
		if own := r.consumers[i].rec.own; own != nil {
			h.Merge(own.histogram())
		}
	}
	return h
}

// sendAccount sends the seen bits in chunks, then the account.
func (r *run) sendAccount(ctl *ctlConn, subject, self string, a *natsAccount) {
	sets := r.seen
	if r.cfg.Dispatch == Key {
		sets = r.seen[:1] // one set serves every queue
	}
	for q, s := range sets {
		for ci := range s.chunks {
			c := s.chunks[ci].Load()
			if c == nil {
				continue
			}
			words := *c
			for off := 0; off < len(words); off += bitsChunk / 8 {
				part := words[off:min(off+bitsChunk/8, len(words))]
				if allZero(part) {
					continue
				}
				buf := make([]byte, 8*len(part))
				for i, w := range part {
					binary.LittleEndian.PutUint64(buf[8*i:], w)
				}
				ctl.send(subject, ctlMsg{Kind: "bits", From: self, Queue: q, Word: int64(ci)*chunkWords + int64(off), Bits: buf})
				a.Chunks++
			}
		}
	}
	ctl.send(subject, ctlMsg{Kind: "account", From: self, Account: a})
}

func allZero(ws []uint64) bool {
	for _, w := range ws {
		if w != 0 {
			return false
		}
	}
	return true
}

// mergeBits ORs a chunk of a consumer process's seen bits into this
// process's set for queue q (only the control handler writes them).
func (r *run) mergeBits(q int, word int64, b []byte) {
	if q < 0 || q >= len(r.seen) || word < 0 {
		return
	}
	s := r.seen[q]
	for i := 0; i+8 <= len(b); i += 8 {
		w := binary.LittleEndian.Uint64(b[i:])
		slot := (word + int64(i/8)) << 6
		if w == 0 || uint64(slot) >= s.n {
			continue
		}
		markBits(s.chunk(slot), slot, w, false)
	}
}

// distinct counts, per queue, the deliveries that arrived somewhere: the
// set bits of its (merged) seen set. Key dispatch shares one set over the
// queues; which queue a message went to is replayed from the seed.
func (r *run) distinct() []int64 {
	out := make([]int64, r.cfg.Queues)
	if r.cfg.Dispatch != Key {
		for q, s := range r.seen {
			out[q] = s.count()
		}
		return out
	}
	s := r.seen[0]
	for k := range r.producers {
		rnd := rand.New(rand.NewPCG(r.cfg.Seed, uint64(k)))
		for i := int64(0); i < r.cfg.Messages; i++ {
			q := KeyQueue(uint32(rnd.Uint64N(uint64(r.cfg.Keys))), r.cfg.Queues)
			if s.has(int64(k)*r.perQueue + i) {
				out[q]++
			}
		}
	}
	return out
}

// count is how many bits are set.
func (s *seenSet) count() int64 {
	var n int64
	for i := range s.chunks {
		if c := s.chunks[i].Load(); c != nil {
			for _, w := range *c {
				n += int64(bits.OnesCount64(w))
			}
		}
	}
	return n
}

// has reports whether bit i is set.
func (s *seenSet) has(i int64) bool {
	if uint64(i) >= s.n {
		return false
	}
	c := s.chunks[i>>chunkShift].Load()
	return c != nil && (*c)[(i&(chunkBits-1))>>6]&(1<<(i&63)) != 0
}

// buildVerdict merges the processes' accounts: a queue's distinct
// deliveries are its merged bits, its duplicates every delivery beyond
// those, its losses what was sent and arrived nowhere.
func (r *run) buildVerdict(procs []*procState, sent []int64) *splitVerdict {
	v := &splitVerdict{Queues: make([]verdictQueue, r.cfg.Queues)}
	hists := make([]*hdrhistogram.Histogram, r.cfg.Queues)
	for q := range hists {
		hists[q] = newHistogram()
	}
	total := newHistogram()
	var firstWall, lastWall int64 = -1, 0
	var clamped int64
	for _, p := range procs {
		share := ProcessShare{ID: p.id, Consumers: r.cfg.Queues * r.cfg.Consumers, Accounted: p.account != nil}
		if p.account == nil {
			v.Missing = append(v.Missing, p.id)
			v.Processes = append(v.Processes, share)
			continue
		}
		a := p.account
		v.Dropped += a.Dropped
		for q := range v.Queues {
			if q >= len(a.Queues) {
				break
			}
			aq := a.Queues[q]
			vq := &v.Queues[q]
			vq.Delivered += aq.Delivered
			vq.Reordered += aq.Reordered
			vq.Warm += aq.Warm
			vq.Bytes += aq.Bytes
			clamped += aq.Clamped
			share.Delivered += aq.Delivered
			if h, err := hdrhistogram.Decode(aq.Hist); err == nil && len(aq.Hist) > 0 {
				hists[q].Merge(h)
				total.Merge(h)
			}
		}
		if h, err := hdrhistogram.Decode(a.Total); err == nil && len(a.Total) > 0 {
			total.Merge(h)
		}
		for i, n := range a.Consumers {
			v.Consumers = append(v.Consumers, ConsumerResult{Queue: i / r.cfg.Consumers, Consumer: i % r.cfg.Consumers, Delivered: n, Process: p.id})
		}
		if a.FirstWall >= 0 && (firstWall < 0 || a.FirstWall < firstWall) {
			firstWall = a.FirstWall
		}
		lastWall = max(lastWall, a.LastWall)
		v.Processes = append(v.Processes, share)
	}
	distinct := r.distinct()
	for q := range v.Queues {
		vq := &v.Queues[q]
		vq.Sent = sent[q]
		vq.Duplicated = vq.Delivered - distinct[q]
		vq.Lost = vq.Sent - distinct[q]
		if r.layout != Sharded {
			vq.Latency = summarize(hists[q], 0)
		}
	}
	v.Latency = summarize(total, clamped)
	if first := r.firstSendWall(); first > 0 && lastWall > first {
		v.ElapsedNs = lastWall - first
	} else if firstWall >= 0 && lastWall > firstWall {
		v.ElapsedNs = lastWall - firstWall
	}
	return v
}

// firstSendWall is the producers' first (intended) send here, wall clock
// ns; 0 when nothing was sent.
func (r *run) firstSendWall() int64 {
	first := int64(-1)
	for i := range r.producers {
		if f := r.producers[i].first; f >= 0 && (first < 0 || f < first) {
			first = f
		}
	}
	if first < 0 {
		return 0
	}
	return r.base.UnixNano() + first
}

// applySplit makes a split run's Result say what the processes agreed:
// the run's counts and latency over every process, with each process's
// share; or, without a verdict, why the run is not judged.
func (r *run) applySplit(res *Result) {
	o := r.split
	if o == nil {
		return
	}
	res.Process = o.self
	if o.endedBy != "" && o.endedBy != "messages" {
		res.EndedBy = "producers: " + o.endedBy
	}
	v := o.verdict
	if v == nil {
		res.Unjudged = o.unjudged
		if r.cfg.Role == RoleProducer || o.unjudged != "" {
			res.Lost, res.Duplicated = 0, 0
			for i := range res.Queues {
				res.Queues[i].Lost, res.Queues[i].Duplicated = 0, 0
			}
		}
		return
	}
	if len(v.Missing) > 0 {
		res.Unjudged = "consumer process " + join(v.Missing) + " said hello but sent no account: its deliveries are unknown"
	}
	res.Processes = v.Processes
	res.Delivered, res.Duplicated, res.Reordered, res.Lost, res.Bytes, res.WarmupDeliveries, res.Sent = 0, 0, 0, 0, 0, 0, 0
	for q := range res.Queues {
		if q >= len(v.Queues) {
			break
		}
		vq, qr := v.Queues[q], &res.Queues[q]
		qr.Sent, qr.Delivered, qr.Duplicated, qr.Reordered, qr.Lost, qr.Bytes, qr.WarmupDeliveries =
			vq.Sent, vq.Delivered, vq.Duplicated, vq.Reordered, vq.Lost, vq.Bytes, vq.Warm
		qr.Latency = vq.Latency
		res.addQueue(qr)
	}
	res.Latency = v.Latency
	res.Consumers = v.Consumers
	res.ClientDropped = v.Dropped
	if v.ElapsedNs > 0 {
		res.Elapsed = time.Duration(v.ElapsedNs)
		res.Measured = max(res.Elapsed-r.cfg.Warmup, 0)
		if r.cfg.Warmup == 0 {
			res.Measured = res.Elapsed
		}
	}
}
