package sim_test

import (
	"context"
	"flag"
	"fmt"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/msgsim/msgsim/sim"
)

// benchTopologies are the shapes the performance targets are stated for.
var benchTopologies = []struct {
	name     string
	q, c     int
	buffer   int
	dispatch sim.Dispatch
}{
	{"q=1/c=1/buf=1024", 1, 1, 1024, sim.Fanout},
	{"q=3/c=2/buf=1024/fanout", 3, 2, 1024, sim.Fanout},
	{"q=3/c=2/buf=0/fanout", 3, 2, 0, sim.Fanout},
	{"q=1/c=8/buf=1024/roundrobin", 1, 8, 1024, sim.RoundRobin},
}

var benchRounds = flag.Int("rounds", 1, "BenchmarkRun: rounds in which the implementations take turns")

// BenchmarkRun runs the engine (unbatched, and with --batch 256) and a bare
// channel loop of the same topology side by side; b.N is messages per
// producer. msgs/s counts deliveries over the whole call, set-up and
// shutdown included, for both implementations.
//
// On a small VM the same loop's speed can double or halve from one second
// to the next (whether the hypervisor and Go's scheduler put producer and
// consumer on one core or two), which -count alone lands on one
// implementation at a time. With -rounds N the implementations take turns
// N times, in alternating order, so each round compares them under the
// same conditions; the round is a name key for benchstat to ignore:
//
//	go test -run '^$' -bench Run -benchtime 3000000x ./sim -rounds 10 | tee new.txt
//	benchstat -col /impl -ignore /round new.txt
func BenchmarkRun(b *testing.B) {
	impls := []int{0, 1, 256} // 0: the bare loop; otherwise the engine's batch size
	for round := range *benchRounds {
		for _, tp := range benchTopologies {
			for i := range impls {
				if round%2 == 1 {
					i = len(impls) - 1 - i
				}
				name := tp.name + "/impl=" + implName(impls[i])
				if *benchRounds > 1 {
					name += fmt.Sprintf("/round=%d", round)
				}
				b.Run(name, func(b *testing.B) { benchImpl(b, tp.q, tp.c, tp.buffer, tp.dispatch, impls[i]) })
			}
		}
	}
}

func implName(batch int) string {
	switch batch {
	case 0:
		return "bare"
	case 1:
		return "engine"
	}
	return fmt.Sprintf("engine-batch%d", batch)
}

// benchImpl runs b.N messages per producer through the bare loop (batch 0)
// or the engine.
func benchImpl(b *testing.B, q, c, buffer int, dispatch sim.Dispatch, batch int) {
	settle(b)
	b.ReportAllocs()
	if batch == 0 {
		delivered := bareLoop(int64(b.N), q, c, buffer, dispatch == sim.Fanout)
		b.ReportMetric(float64(delivered)/b.Elapsed().Seconds(), "msgs/s")
		return
	}
	cfg := sim.DefaultConfig()
	cfg.Messages, cfg.Queues, cfg.Consumers, cfg.Buffer, cfg.Dispatch = int64(b.N), q, c, buffer, dispatch
	cfg.Batch = batch
	res, err := sim.Run(context.Background(), cfg)
	if err != nil || !res.OK() {
		b.Fatalf("%v %+v", err, res)
	}
	b.ReportMetric(float64(res.Delivered)/b.Elapsed().Seconds(), "msgs/s")
}

// settle collects the garbage earlier sub-benchmarks left (the batched runs
// leave tens of MB of pooled batches), so no measurement pays for another's
// collection. Both implementations get the same treatment.
func settle(b *testing.B) {
	b.StopTimer()
	runtime.GC()
	runtime.GC() // a second cycle empties sync.Pool's victim cache too
	b.StartTimer()
}

type bareMsg struct {
	id   int64
	sent int64
}

// bareLoop is the reference: the same topology with nothing but channels,
// goroutines and a timestamp per message.
func bareLoop(n int64, q, c, buffer int, fanout bool) int64 {
	queues := make([]chan bareMsg, q)
	for i := range queues {
		queues[i] = make(chan bareMsg, buffer)
	}
	base := time.Now()
	counts := make([]int64, q*c)
	sums := make([]int64, q*c)
	var cwg sync.WaitGroup
	for i := 0; i < q*c; i++ {
		cwg.Add(1)
		go func(slot int, ch <-chan bareMsg) {
			defer cwg.Done()
			var cnt, sum int64
			for m := range ch {
				cnt++
				sum += int64(time.Since(base)) - m.sent
			}
			counts[slot], sums[slot] = cnt, sum
		}(i, queues[i/c])
	}
	for i := int64(0); i < n; i++ {
		m := bareMsg{id: i, sent: int64(time.Since(base))}
		if fanout {
			for _, ch := range queues {
				ch <- m
			}
		} else {
			queues[i%int64(q)] <- m
		}
	}
	for _, ch := range queues {
		close(ch)
	}
	cwg.Wait()
	var total int64
	for _, v := range counts {
		total += v
	}
	return total
}

// BenchmarkOpenLoopBehind runs an open loop whose producer is always behind
// its schedule (1e9 msgs/s asked), so it never sleeps and every message
// takes the paced path, the one that publishes its due time for the depth
// sampler (one atomic store a message): the worst case of that store's
// cost. Compare with the commit before it:
//
//	go test -run '^$' -bench OpenLoopBehind -benchtime 2000000x -count 10 ./sim | tee new.txt
func BenchmarkOpenLoopBehind(b *testing.B) {
	cfg := sim.DefaultConfig()
	cfg.Messages, cfg.Queues, cfg.Consumers, cfg.Buffer, cfg.Rate = int64(b.N), 1, 1, 1024, 1e9
	settle(b)
	b.ResetTimer()
	res, err := sim.Run(context.Background(), cfg)
	if err != nil || !res.OK() {
		b.Fatal(err, res.OK())
	}
	b.ReportMetric(res.Throughput(), "msgs/s")
}
