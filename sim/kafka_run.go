package sim

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
)

// runKafka is Run over Kafka, with the engine's accounting: the same seen
// sets, tallies, recorders and collect.
func runKafka(r *run, mon *runtimeMonitor) error {
	if os.Getenv("GOGC") == "" {
		defer debug.SetGCPercent(debug.SetGCPercent(natsGCPercent))
	}
	t, err := newKafkaTransport(r.cfg)
	if err != nil {
		return err
	}
	defer t.close()
	if err := t.setup(r.cfg.Consumers); err != nil {
		return err
	}
	r.pubMask = 0 // every publish counted: a fault's recovery needs what was sent before it
	// Producers stop at a signal; consumers drain until closeKafkaSubs.
	pctx, pcancel := context.WithCancel(context.Background())
	defer pcancel()
	var wg sync.WaitGroup
	wg.Go(func() {
		select {
		case <-r.interrupted:
			pcancel()
		case <-pctx.Done():
		}
	})
	defer func() { pcancel(); wg.Wait() }()
	cctx, ccancel := context.WithCancel(context.Background())
	defer ccancel()
	defer r.start()()
	subs, err := r.subscribeKafka(cctx, t)
	if err != nil {
		ccancel()
		r.closeKafkaSubs(subs)
		return err
	}
	mon.sampleGoroutines()
	fs := make([]faultSub, len(subs))
	for i, sb := range subs {
		fs[i] = sb
	}
	f := r.newFaultRunner(fs, nil)
	r.publishKafka(pctx, t)
	r.halt.CompareAndSwap(running, haltDone)
	r.awaitKafka(subs, r.expectedNATS())
	f.stop()
	ccancel()
	r.closeKafkaSubs(subs)
	return nil
}

// kafkaPoll is how many records a consumer takes per poll; the whole
// batch is committed at once (after its work, at least once).
const kafkaPoll = 256

// kafkaSub is one Kafka consumer: a group member with a client of its own,
// polled by its own goroutine, which alone writes its tally.
type kafkaSub struct {
	natsSub
	q         int
	r         *run
	kt        *kafkaTransport
	ctx       context.Context
	w         *worker
	crashNext atomic.Int32 // a crash asked for: its fault, or -1
	rejoin    atomic.Int32 // a rebalance asked for: its fault, or -1
	done      chan struct{}
}

func (r *run) subscribeKafka(ctx context.Context, t *kafkaTransport) ([]*kafkaSub, error) {
	subs := make([]*kafkaSub, 0, len(r.consumers))
	for i := range r.consumers {
		c := &r.consumers[i]
		sb := &kafkaSub{natsSub: natsSub{c: c, first: -1, ivl: r.series.newConsumer()}, q: int(c.queue), r: r, kt: t, ctx: ctx, w: newWorker(&r.cfg, i)}
		sb.crashNext.Store(-1)
		sb.rejoin.Store(-1)
		r.initTally(&sb.t, c)
		if err := sb.start(); err != nil {
			return subs, err
		}
		subs = append(subs, sb)
	}
	return subs, nil
}

// client makes a group member's client: offsets committed by hand, and
// no rebalance while a polled batch is being worked on, so a batch is
// committed (or, crashing, not) as a whole.
func (sb *kafkaSub) client() (*kgo.Client, error) {
	r := sb.r
	session := r.cfg.SessionTimeout
	opts := append(append([]kgo.Opt{}, sb.kt.opts...),
		kgo.ConsumerGroup(sb.kt.group(sb.q)), kgo.ConsumeTopics(sb.kt.topic(sb.q)), kgo.DisableAutoCommit(), kgo.BlockRebalanceOnPoll(),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()), kgo.SessionTimeout(session), kgo.HeartbeatInterval(max(session/10, 50*time.Millisecond)),
		kgo.RebalanceTimeout(max(session, 2*time.Second)), kgo.FetchMaxWait(100*time.Millisecond),
		kgo.FetchMaxBytes(int32(min(max(r.natsPending()/int64(len(r.consumers)), 64<<10), 64<<20))))
	cl, err := kgo.NewClient(opts...)
	if err != nil {
		return nil, fmt.Errorf("%w: kafka consumer: %v", ErrTransport, err)
	}
	return cl, nil
}

// start runs a new member for sb.
func (sb *kafkaSub) start() error {
	cl, err := sb.client()
	if err != nil {
		return err
	}
	sb.done = make(chan struct{})
	go sb.loop(cl)
	return nil
}

// loop polls, accounts, works and commits until the run's context ends or
// the consumer crashes.
func (sb *kafkaSub) loop(cl *kgo.Client) {
	r := sb.r
	defer close(sb.done)
	atMostOnce := r.cfg.Delivery == AtMostOnce
	baseWall := r.base.UnixNano()
	commit := func(recs []*kgo.Record) {
		if len(recs) > 0 {
			_ = cl.CommitRecords(sb.ctx, recs...)
		}
	}
	for {
		fetches := cl.PollRecords(sb.ctx, kafkaPoll)
		if sb.ctx.Err() != nil || fetches.IsClientClosed() {
			cl.CloseAllowingRebalance()
			return
		}
		for _, fe := range fetches.Errors() {
			// The client retries what can be retried; what it hands over
			// (a group it cannot join, a topic it cannot read) would
			// otherwise leave this consumer idle and the run waiting.
			if !errors.Is(fe.Err, context.Canceled) && !errors.Is(fe.Err, kgo.ErrClientClosed) {
				r.failTransport(fmt.Sprintf("kafka consumer of %s: %v", sb.kt.group(sb.q), fe.Err))
			}
		}
		recs := fetches.Records()
		crash := int(sb.crashNext.Load())
		if crash >= 0 && len(recs) > 0 {
			sb.crashNext.Store(-1)
			if atMostOnce {
				commit(recs) // acknowledged before the work: lost with the crash
			}
			for _, rec := range recs {
				if atMostOnce {
					m, ok := decode(rec.Value)
					r.faults.crashed(crash, sb.q, m, ok, false)
					continue
				}
				m, ok, _ := r.receive(&sb.natsSub, rec.Value, baseWall)
				r.faults.again(sb.q, m.slot)
				r.faults.crashed(crash, sb.q, m, ok, true) // worked on, never committed
			}
			// A crash leaves no group: the coordinator notices only when
			// the session times out, then hands the partitions on.
			// (AllowRebalance first: a client that polled under
			// BlockRebalanceOnPoll cannot even close until it does; it
			// commits nothing on the way out.)
			cl.AllowRebalance()
			dead, kill := context.WithCancel(context.Background())
			kill()
			_ = cl.LeaveGroupContext(dead)
			cl.Close()
			r.faults.down(sb)
			return
		}
		if atMostOnce {
			commit(recs)
		}
		for _, rec := range recs {
			m, ok, now := r.receive(&sb.natsSub, rec.Value, baseWall)
			if ok {
				r.faults.again(sb.q, m.slot)
			}
			r.work(sb.c, sb.w, now)
		}
		if !atMostOnce {
			commit(recs)
		}
		if sb.rejoin.Swap(-1) >= 0 {
			// Leave the group cleanly (everything worked on is committed)
			// and join again: two rebalances of the group.
			cl.CloseAllowingRebalance()
			next, err := sb.client()
			if err != nil {
				r.failTransport(err.Error())
				return
			}
			cl = next
			continue
		}
		cl.AllowRebalance()
	}
}

func (sb *kafkaSub) askCrash(i int)    { sb.crashNext.Store(int32(i)) }
func (sb *kafkaSub) askRejoin(i int)   { sb.rejoin.Store(int32(i)) }
func (sb *kafkaSub) arrivedNow() int64 { return sb.arrived.Load() }

// comeBack starts a new member once the crashed one's goroutine is gone.
func (sb *kafkaSub) comeBack() error { <-sb.done; return sb.start() }

// wait waits for the member's goroutine to end.
func (sb *kafkaSub) wait() {
	if sb.done != nil {
		<-sb.done
	}
}

// publishKafka runs every producer with a client of its own.
func (r *run) publishKafka(ctx context.Context, t *kafkaTransport) {
	var pwg sync.WaitGroup
	for k := range r.producers {
		pwg.Go(func() { r.produceKafka(ctx, k, t) })
	}
	pwg.Wait()
}

// produceKafka produces producer k's records without waiting for each
// acknowledgement, then flushes. A cluster that acknowledges nothing for
// the drain timeout ends the run as a transport failure.
func (r *run) produceKafka(parent context.Context, k int, t *kafkaTransport) {
	ctx, cancel := context.WithCancel(parent)
	defer cancel()
	part := kgo.RoundRobinPartitioner()
	if r.cfg.Dispatch == Key {
		part = kgo.StickyKeyPartitioner(nil) // the key picks the partition
	}
	bound := int(min(max(r.natsPending()/int64(len(r.producers)), 1<<20), 1<<30))
	cl, err := kgo.NewClient(append(append([]kgo.Opt{}, t.opts...), kgo.RecordPartitioner(part), kgo.MaxBufferedBytes(bound),
		kgo.ProducerLinger(time.Millisecond), kgo.RecordDeliveryTimeout(max(r.cfg.DrainTimeout, 2*time.Second)))...)
	if err != nil {
		r.failTransport(fmt.Sprintf("kafka producer: %v", err))
		return
	}
	defer cl.Close()
	var acked, failed atomic.Int64
	var started atomic.Int64
	quit := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() { r.watchAcks(ctx, cancel, &started, &acked, &failed, quit) })
	defer func() { close(quit); wg.Wait() }()

	st := r.newProducerState(k)
	p := st.p
	baseWall := r.base.UnixNano()
	p.first = -1
	var i int64
	for ; i < r.cfg.Messages && r.halt.Load() == 0; i++ {
		m, q, ok := r.next(&st, i)
		if !ok {
			break
		}
		wire := m
		wire.sent += baseWall
		value := make([]byte, header+r.cfg.Size) // the client keeps it until acknowledged
		encode(value, wire)
		rec := &kgo.Record{Topic: t.topic(max(q, 0)), Value: value}
		if r.cfg.Dispatch == Key {
			rec.Key = binary.BigEndian.AppendUint32(nil, m.key)
		}
		started.Add(1)
		cl.Produce(ctx, rec, func(_ *kgo.Record, err error) {
			if err != nil {
				failed.Add(1)
				return
			}
			acked.Add(1)
		})
		if ctx.Err() != nil {
			break
		}
		r.publish(p, i+1)
	}
	r.producerDone(p, i)
	fctx, fcancel := context.WithTimeout(ctx, 2*max(r.cfg.DrainTimeout, 2*time.Second))
	_ = cl.Flush(fctx)
	fcancel()
	r.jsUnconfirmed.Add(started.Load() - acked.Load())
}

// watchAcks cancels a producer whose cluster acknowledged nothing for the
// drain timeout while records waited or failed: the broker is gone or
// frozen.
func (r *run) watchAcks(ctx context.Context, cancel func(), started, acked, failed *atomic.Int64, quit chan struct{}) {
	tk := time.NewTicker(50 * time.Millisecond)
	defer tk.Stop()
	last, since := int64(-1), time.Now()
	for {
		select {
		case <-quit:
			return
		case <-ctx.Done():
			return
		case <-tk.C:
		}
		// Failures are no progress: a dead cluster fails every record
		// after the delivery timeout while the producer goes on.
		done := acked.Load()
		if done != last || done == started.Load() {
			last, since = done, time.Now()
			continue
		}
		if time.Since(since) > r.cfg.DrainTimeout {
			r.failTransport(fmt.Sprintf("the Kafka cluster acknowledged no record for %s", r.cfg.DrainTimeout))
			cancel()
			return
		}
	}
}

// awaitKafka waits until every message sent arrived and every message a
// crash held came back; or nothing arrived for the drain timeout plus a
// session timeout (a crashed member's partitions move only after it).
func (r *run) awaitKafka(subs []*kafkaSub, expected int64) {
	tk := time.NewTicker(5 * time.Millisecond)
	defer tk.Stop()
	idle, intr := r.cfg.DrainTimeout+r.cfg.SessionTimeout, r.interrupted
	last, lastChange := int64(-1), time.Now()
	for {
		var got int64
		for _, sb := range subs {
			got += sb.arrived.Load()
		}
		if got != last {
			last, lastChange = got, time.Now()
		}
		if time.Since(lastChange) > idle || got >= expected && !r.faults.crashPending() && r.faults.settled() {
			return
		}
		select {
		case <-tk.C:
		case <-intr:
			idle, intr = min(idle, interruptGrace), nil
		}
	}
}

// closeKafkaSubs ends the members (the run's context is cancelled by
// then, or is now) and makes their tallies the run's.
func (r *run) closeKafkaSubs(subs []*kafkaSub) {
	for _, sb := range subs {
		sb.wait()
	}
	for _, sb := range subs {
		sb.ivl.flush()
		r.finish(sb.c, &sb.t, sb.now)
	}
}
