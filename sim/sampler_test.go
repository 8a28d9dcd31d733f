package sim

import (
	"context"
	"testing"
	"time"
)

// The backlog an open-loop producer holds: the message in hand (made, not
// yet published) and those whose time came since it arrived.
func TestBacklogCountsWhatArrivedAndWaits(t *testing.T) {
	const spacing = 1e6 // 1 ms between arrivals
	tests := []struct {
		name      string
		due       uint64
		published int64
		now       int64
		uniform   bool
		want      float64
	}{
		{"nothing made yet", 0, 0, 5e6, true, 0},
		{"holds nothing: waiting for its next time", dueMark(2e6, 9), 10, 3e6, true, 0},
		{"holds message 10 since 2ms, now 2.5ms", dueMark(2e6, 10), 10, 2.5e6, true, 1},
		{"holds message 10 since 2ms, now 5.5ms: 3 more arrived", dueMark(2e6, 10), 10, 5.5e6, true, 4},
		{"poisson: the expected arrivals since", dueMark(2e6, 10), 10, 5.5e6, false, 4.5},
		{"a batch of 8 gathered, none handed over", dueMark(2e6, 17), 10, 2e6, true, 8},
		{"index wraps past 16 bits", dueMark(2e6, 70_000), 70_000, 2e6, true, 1},
	}
	r := &run{}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var p producer
			p.due.Store(tt.due)
			p.published.Store(tt.published)
			if got := r.backlog(&p, tt.now, spacing, tt.uniform); got != tt.want {
				t.Fatalf("backlog = %v, want %v", got, tt.want)
			}
		})
	}
}

// On an unbuffered queue in open loop the waiting messages are the
// producer's backlog: a consumer taking 5 ms per message against arrivals
// every 0.5 ms leaves message j waiting from j × 0.5 ms until at least
// j × 5 ms. So from 15 ms on, 40 messages have arrived and at most 4 been
// taken, and depth — counted wherever messages wait — is over 30 until
// about 50 ms and falls by one per 5 ms after: its mean over the run is
// about 20, whatever the machine's speed (sleep never returns early).
// Counting only what is in the channel, it was 0 or 1.
func TestDepthCountsTheProducersBacklog(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Messages, cfg.Queues, cfg.Consumers, cfg.Buffer = 40, 1, 1, 0
	cfg.Work, cfg.WorkKind, cfg.Rate = 5*time.Millisecond, Sleep, 2000
	res, err := Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if !res.OK() || !res.DepthMeasured {
		t.Fatalf("ok %v, depth measured %v", res.OK(), res.DepthMeasured)
	}
	q := res.Queues[0]
	if q.MaxDepth < 25 || q.MeanDepth < 8 {
		t.Fatalf("depth max %d, mean %.1f: want at least 25 and 8 (the producer's backlog)", q.MaxDepth, q.MeanDepth)
	}
}

// Key dispatch sends unevenly (here every key to one queue), and the
// counts say how many were sent, not where: unbuffered, no queue's depth
// is known, so none is reported, rather than an even share of the total.
func TestUnbufferedKeyDispatchMeasuresNoDepth(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Messages, cfg.Queues, cfg.Consumers, cfg.Buffer = 40, 3, 1, 0
	cfg.Dispatch, cfg.Keys = Key, 1
	cfg.Work, cfg.WorkKind, cfg.Rate = time.Millisecond, Sleep, 2000
	res, err := Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if !res.OK() || res.DepthMeasured {
		t.Fatalf("ok %v, depth measured %v", res.OK(), res.DepthMeasured)
	}
	cfg.Buffer = 8 // buffered, each queue's length is its depth
	if res, err = Run(context.Background(), cfg); err != nil || !res.DepthMeasured {
		t.Fatalf("buffered: error %v, depth measured %v", err, res.DepthMeasured)
	}
}

// A live view reads a run while it goes, without races (go test -race),
// and sees the backlog as depth.
func TestLiveReadsARunningRun(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Messages, cfg.Queues, cfg.Consumers, cfg.Buffer = 40, 2, 1, 0
	cfg.Work, cfg.WorkKind, cfg.Rate, cfg.Interval = 5*time.Millisecond, Sleep, 4000, 10*time.Millisecond
	var p Progress
	cfg.Progress = &p
	if _, ok := p.Live(); ok {
		t.Fatal("Live before the run: want ok false")
	}
	seen := make(chan Live, 1)
	done := make(chan struct{})
	go func() {
		defer close(seen)
		var most Live
		tk := time.NewTicker(time.Millisecond)
		defer tk.Stop()
		for {
			select {
			case <-done:
				seen <- most
				return
			case <-tk.C:
			}
			if l, ok := p.Live(); ok && len(l.Depth) == 2 && l.Depth[0] >= depth0(most) {
				most = l
			}
		}
	}()
	res, err := Run(context.Background(), cfg)
	close(done)
	most := <-seen
	if err != nil || !res.OK() {
		t.Fatalf("err %v, ok %v", err, res.OK())
	}
	if depth0(most) < 10 || len(most.Delivered) != 2 || most.Elapsed <= 0 {
		t.Fatalf("deepest live view %+v: want a depth of at least 10 on q0 and two queues' deliveries", most)
	}
	if _, ok := p.Live(); ok {
		t.Fatal("Live after the run: want ok false")
	}
}

// depth0 is queue 0's depth, 0 when there is none.
func depth0(l Live) int64 {
	if len(l.Depth) == 0 {
		return 0
	}
	return l.Depth[0]
}
