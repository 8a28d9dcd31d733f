package main

// The effects docs/teaching.md claims, one test each. Every check compares
// counts, or two runs made moments apart on the same machine, with a wide
// margin; none compares a time with a fixed threshold, because the machine
// running the tests may be slow or busy and a class's laptop will be too.
// Work is sleep of 2 ms or more: spinning work would let CPU scheduling
// decide, and sleeps under about 1.6 ms are spent wholly in nanosleep, which
// holds a thread and, on 2 cores, sometimes halved what 4 consumers did
// (docs/teaching.md, "Sleep work, and why 2 ms").

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/msgsim/msgsim/explain"
	"github.com/msgsim/msgsim/sim"
)

// teach runs one small config: 1 queue of 1 consumer unless edit says
// otherwise, a fixed seed so arrivals and service times repeat, and the
// exactly-once check required to pass, since no teaching claim rests on a
// broken run.
func teach(t *testing.T, edit func(*sim.Config)) sim.Result {
	t.Helper()
	cfg := sim.DefaultConfig()
	cfg.Queues, cfg.Consumers, cfg.Seed = 1, 1, 7
	edit(&cfg)
	res, err := sim.Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if !res.OK() || res.Delivered != res.Expected {
		t.Fatalf("exactly-once failed: expected %d delivered %d lost %d duplicated %d reordered %d",
			res.Expected, res.Delivered, res.Lost, res.Duplicated, res.Reordered)
	}
	return res
}

// sleepWork is --work D --work-kind sleep, fixed unless dist says otherwise.
func sleepWork(c *sim.Config, d time.Duration, dist sim.WorkDist) {
	c.Work, c.WorkKind, c.WorkDist = d, sim.Sleep, dist
}

// atLeast fails unless got ≥ factor × base, naming the claim.
func atLeast(t *testing.T, claim string, got, base, factor float64) {
	t.Helper()
	t.Logf("%s: ratio %.2f (want ≥ %.2f)", claim, got/base, factor)
	if got < factor*base {
		t.Errorf("%s: %.4g is %.2f× %.4g, want ≥ %.2f×", claim, got, got/base, base, factor)
	}
}

// within fails unless lo ≤ got/base ≤ hi.
func within(t *testing.T, claim string, got, base, lo, hi float64) {
	t.Helper()
	r := got / base
	t.Logf("%s: ratio %.2f (want %.2f..%.2f)", claim, r, lo, hi)
	if r < lo || r > hi {
		t.Errorf("%s: %.4g is %.2f× %.4g, want %.2f..%.2f×", claim, got, r, base, lo, hi)
	}
}

// atMost fails unless got ≤ factor × base.
func atMost(t *testing.T, claim string, got, base, factor float64) {
	t.Helper()
	t.Logf("%s: ratio %.2f (want ≤ %.2f)", claim, got/base, factor)
	if got > factor*base {
		t.Errorf("%s: %.4g is %.2f× %.4g, want ≤ %.2f×", claim, got, got/base, base, factor)
	}
}

// verdictSays checks that explain's verdict on a run says what the
// measurement beside it shows.
func verdictSays(t *testing.T, res sim.Result, prefix string, phrases ...string) {
	t.Helper()
	v := explain.Verdict(res)
	if !strings.HasPrefix(v, prefix) {
		t.Errorf("explain says %q, want %s", v, prefix)
	}
	for _, p := range phrases {
		if !strings.Contains(v, p) {
			t.Errorf("explain's verdict lacks %q: %s", p, v)
		}
	}
}

// Demo 1: fan-out gives every queue every message; within a queue the
// consumers compete, each message going to one of them, and all of them
// take a share. Round-robin gives each message to one queue.
func TestTeachFanoutAndCompetingConsumers(t *testing.T) {
	const n = 40
	for _, tt := range []struct {
		dispatch sim.Dispatch
		perQueue int64 // deliveries each queue should receive
		copies   int   // queues each message should reach
	}{
		{sim.Fanout, n, 2},
		{sim.RoundRobin, n / 2, 1},
	} {
		t.Run(string(tt.dispatch), func(t *testing.T) {
			var mu sync.Mutex
			seen := map[int64][]sim.Delivery{}
			res := teach(t, func(c *sim.Config) {
				c.Messages, c.Queues, c.Consumers, c.Dispatch = n, 2, 2, tt.dispatch
				sleepWork(c, 2*time.Millisecond, sim.FixedWork) // so one consumer cannot take everything
				c.TraceN = 2 * n
				c.Trace = func(d sim.Delivery) { mu.Lock(); seen[d.Seq] = append(seen[d.Seq], d); mu.Unlock() }
			})
			for seq := int64(0); seq < n; seq++ {
				queues := map[int]bool{}
				for _, d := range seen[seq] {
					queues[d.Queue] = true
				}
				if len(seen[seq]) != tt.copies || len(queues) != tt.copies {
					t.Fatalf("message %d: %d deliveries on %d queues, want %d on %d", seq, len(seen[seq]), len(queues), tt.copies, tt.copies)
				}
			}
			for _, q := range res.Queues {
				if q.Delivered != tt.perQueue {
					t.Errorf("queue %d received %d, want %d", q.Queue, q.Delivered, tt.perQueue)
				}
			}
			// Competing consumers share: each takes at least a quarter of
			// its queue's messages (half, give or take scheduling).
			for _, c := range res.Consumers {
				atLeast(t, "a consumer's share of its queue", float64(c.Delivered), float64(tt.perQueue), 0.25)
			}
		})
	}
}

// Demo 2 (what replaced "more consumers, less throughput"): with no work
// the cost is channel operations, and batching removes most of them. Two
// identical no-work runs differed by up to 1.6× here, so each side is the
// median of three.
func TestTeachBatchingBeatsTheChannelCost(t *testing.T) {
	median := func(batch int) sim.Result {
		var runs []sim.Result
		for range 3 {
			runs = append(runs, teach(t, func(c *sim.Config) { c.Messages, c.Buffer, c.Batch = 100_000, 64, batch }))
		}
		sort.Slice(runs, func(i, j int) bool { return runs[i].Throughput() < runs[j].Throughput() })
		return runs[1]
	}
	one, batched := median(1), median(64)
	// 9× to 35× here; under -race, whose per-message cost batching cannot
	// remove, 3.2× to 5×. Identical medians differ by up to 1.25×.
	atLeast(t, "batch 64 against batch 1, median msgs/s", batched.Throughput(), one.Throughput(), 2)
	verdictSays(t, one, "channel-bound", "--batch", "no steady direction")
}

// Demo 3, closed loop: sleeping consumers each add their 1/work, on 2
// cores or on 1 (a sleeping goroutine holds no P).
func TestTeachSleepingConsumersScale(t *testing.T) {
	for _, procs := range []int{0, 1} {
		run := func(consumers int) sim.Result {
			return teach(t, func(c *sim.Config) {
				c.Messages, c.Consumers, c.Procs = 100, consumers, procs
				sleepWork(c, 2*time.Millisecond, sim.FixedWork)
			})
		}
		one, four := run(1), run(4)
		// On one P the last ~1.5 ms of each sleep is a nanosleep, whose P
		// the runtime takes back only when sysmon looks: under a loaded
		// CI run (the race detector, other packages) 4 consumers managed
		// 1.95×, against ~4× on a quiet machine.
		want := map[int]float64{0: 2.5, 1: 1.5}[procs]
		atLeast(t, "4 sleeping consumers against 1, msgs/s (procs "+map[int]string{0: "all", 1: "1"}[procs]+")", four.Throughput(), one.Throughput(), want)
		verdictSays(t, one, "consumer-bound", "More consumers per queue raise throughput")
	}
}

// Demo 3, open loop: consumers add throughput until they can take the
// offered rate; past it they cut the waiting instead. 4 consumers would be
// exactly ρ = 1, where a short run's backlog makes the ratio wander, so the
// test steps from 2 to 8 and 16.
func TestTeachConsumersHelpUntilTheOfferedRate(t *testing.T) {
	const rate = 2000 // msgs/s; one 2 ms consumer takes 500
	runs := map[int]sim.Result{}
	for _, consumers := range []int{1, 2, 8, 16} {
		runs[consumers] = teach(t, func(c *sim.Config) {
			c.Messages, c.Consumers, c.Rate, c.Arrival = 200, consumers, rate, sim.Poisson
			sleepWork(c, 2*time.Millisecond, sim.FixedWork)
		})
	}
	// Theory: 2.0×, 3.9× (8 consumers are capped by the 2,000 offered),
	// 1.0× and a p50 ratio in the hundreds. Under -race on a busy machine
	// late sleeps and a lagging producer cut these to 1.5×, 2.9× and 6×.
	atLeast(t, "2 consumers against 1 below the offered rate, msgs/s", runs[2].Throughput(), runs[1].Throughput(), 1.4)
	atLeast(t, "8 consumers against 1, msgs/s", runs[8].Throughput(), runs[1].Throughput(), 2.5)
	within(t, "16 consumers against 8 past the offered rate, msgs/s", runs[16].Throughput(), runs[8].Throughput(), 0.8, 1.25)
	within(t, "8 consumers' msgs/s against the offered rate", runs[8].Throughput(), rate, 0.5, 1.05)
	atLeast(t, "p50 with 2 consumers (ρ = 2) against 8 (ρ = 0.5)", float64(runs[2].Latency.P50), float64(runs[8].Latency.P50), 3)
	verdictSays(t, runs[1], "consumer-bound", "raise throughput up to the offered")
	// A 0.1 s run on a busy machine sometimes falls 5% behind its schedule
	// (one stall of 14 ms was seen), and explain then calls it
	// producer-bound; either way it must not send the reader for consumers.
	if v := explain.Verdict(runs[8]); !strings.Contains(v, "more consumers cannot raise it") && !strings.Contains(v, "More consumers will not help") {
		t.Errorf("explain's verdict with consumers to spare: %s", v)
	}
}

// Demo 4: one M/M/1 queue (Poisson arrivals, exponential 2 ms sleeps) at
// ρ = 0.5 and at ρ = 1.5. Below 1 most messages do not wait; past 1 the
// backlog grows with every arrival and so does the wait.
func TestTeachQueueBuildsPastRhoOne(t *testing.T) {
	run := func(rate float64, n int64) sim.Result {
		return teach(t, func(c *sim.Config) {
			c.Messages, c.Rate, c.Arrival, c.Buffer = n, rate, sim.Poisson, 1000
			sleepWork(c, 2*time.Millisecond, sim.ExpWork)
		})
	}
	calm, over := run(250, 200), run(750, 200)
	// p50 at ρ = 0.5 sits where half the messages do not wait at all, so
	// it is small and touchy (ρ = 0.6 already gave 4.5×): hence 10×, not 5×.
	atLeast(t, "p50 at ρ = 1.5 against ρ = 0.5", float64(over.Latency.P50), float64(calm.Latency.P50), 10)
	atLeast(t, "mean wait at ρ = 1.5 against ρ = 0.5", float64(over.Latency.Mean), float64(calm.Latency.Mean), 5)
	within(t, "utilisation at ρ = 0.5", calm.Queues[0].Utilisation, 0.5, 0.6, 1.5)
	atLeast(t, "utilisation at ρ = 1.5", over.Queues[0].Utilisation, 1, 0.85)
	// 200 arrivals at 1.5× what one consumer takes leave about 200/3
	// waiting when the last arrives; the depth sampled every 10 ms sees it.
	atLeast(t, "max depth at ρ = 1.5 against the 200/3 theory says", float64(over.Queues[0].MaxDepth), 200.0/3, 0.5)
}

// Demo 5: one M/M/1 queue at ρ = 0.5 for 2 s: Little's law (L = λW) holds
// between the measured rate, the measured wait and the sampled depth, and
// Erlang C from the measured service time predicts the mean wait within a
// factor of 2. (The class runs ρ = 0.7 for 20 s and comes within 10%.) In
// 2 s the mean wait depends on the seed's sample path and on stalls, which
// ρ amplifies: at ρ = 0.7 seeds 1 to 12 gave 0.73× to 1.46× Erlang C, and
// seed 1 once 2.5× under -race; at ρ = 0.5 seeds 1 to 10 gave 0.83× to
// 1.70× (0.86× to 1.29× under -race), Little's law 0.80× to 1.14×. Seed
// 1's path is a typical one (1.03×), so the margin is left to the machine.
func TestTeachLittleAndErlangC(t *testing.T) {
	const service = 2 * time.Millisecond
	res := teach(t, func(c *sim.Config) {
		c.Rate, c.Arrival, c.Buffer, c.Duration, c.Seed = 250, sim.Poisson, 10_000, 2*time.Second, 1
		c.Messages = c.UnlimitedMessages()
		sleepWork(c, service, sim.ExpWork)
	})
	// Both laws are about the queue fed by Poisson arrivals. On a machine
	// too busy to pace (load average 5 on 2 cores: the producer fell up to
	// 390 ms behind and 2 ms sleeps took 4.5 ms) the arrivals come in
	// bursts and each message's wait includes its producer's lag, which the
	// sampled depth does not hold: Little's law read 0.53× and Erlang C
	// 2.4× to 8.9×. explain prints the lag for that reason; the test says
	// the premise failed instead of failing.
	// Lags of up to 35 ms still gave 0.9× to 1.6×; 65 ms gave 2.4×.
	if lag := res.MaxLag; lag > 20*service {
		t.Skipf("the producer fell %v behind its Poisson schedule (more than 20 service times): the machine is too busy for the arrivals to be Poisson", lag)
	}
	cmps, why := explain.Compare(res)
	if why != "" || len(cmps) != 1 {
		t.Fatalf("no comparison: %s", why)
	}
	cmp := cmps[0]
	if cmp.LittleLq < 0.3 {
		t.Fatalf("λW = %.2f: too little queueing to test Little's law", cmp.LittleLq)
	}
	t.Logf("max lag %v, mean service %v, ρ %.2f", res.MaxLag, res.Queues[0].MeanService, cmp.MeasuredRo)
	within(t, "sampled depth against λW (Little's law)", cmp.MeasuredLq, cmp.LittleLq, 0.6, 1.6)
	within(t, "measured mean wait against Erlang C from the measured service", float64(cmp.MeasuredWq), float64(cmp.Corrected.Wq), 0.5, 2)
}

// Demo 6: the same overloaded consumer, closed loop against open loop. A
// closed loop waits for the consumer before it stamps the next message
// (coordinated omission) and reports about one service time.
func TestTeachClosedLoopHidesTheQueue(t *testing.T) {
	run := func(rate float64) sim.Result {
		return teach(t, func(c *sim.Config) {
			c.Messages, c.Rate = 200, rate
			sleepWork(c, 2*time.Millisecond, sim.FixedWork)
		})
	}
	closed, open := run(0), run(750) // open: 150% of what the consumer takes
	atLeast(t, "open-loop p50 at 150% load against closed-loop p50", float64(open.Latency.P50), float64(closed.Latency.P50), 10)
	within(t, "closed-loop p50 against the 2 ms service time", float64(closed.Latency.P50), float64(2*time.Millisecond), 0.25, 2)
}

// Demo 7: fan-out multiplies the work (every queue serves every message);
// round-robin divides it. Same 3 queues of 1 sleeping consumer each.
func TestTeachFanoutMultipliesWork(t *testing.T) {
	// 150 messages: round-robin's 100 ms of work each way, long enough that
	// a loaded CI machine's late wake-ups (60 messages once gave 1.64×)
	// do not decide the ratio.
	const n = 150
	run := func(d sim.Dispatch) sim.Result {
		return teach(t, func(c *sim.Config) {
			c.Messages, c.Queues, c.Dispatch = n, 3, d
			sleepWork(c, 2*time.Millisecond, sim.FixedWork)
		})
	}
	fan, rr := run(sim.Fanout), run(sim.RoundRobin)
	perSecond := func(r sim.Result) float64 { return n / r.Elapsed.Seconds() }
	atLeast(t, "messages/s, round-robin against fan-out", perSecond(rr), perSecond(fan), 2)
	within(t, "deliveries/s, round-robin against fan-out", rr.Throughput(), fan.Throughput(), 0.6, 1.6)
}

// Demo 8: a buffer in front of a busy consumer cannot take throughput past
// what the consumer does (1 / service time); in a closed loop it fills, and
// every message waits behind it. Whether the unbuffered run keeps up with
// the buffered one depends on the machine: quiet, 0.99× to 1.00×; with the
// suite run twice at once, an unbuffered hand-off (both goroutines must run
// at once) waited for the scheduler and the buffered run did 1.3× to 1.5×
// as much. So the test bounds both runs by the consumer, not by each other.
func TestTeachBufferMovesTheWait(t *testing.T) {
	run := func(buffer int) sim.Result {
		return teach(t, func(c *sim.Config) {
			c.Messages, c.Buffer = 150, buffer
			sleepWork(c, 2*time.Millisecond, sim.FixedWork)
		})
	}
	none, some := run(0), run(32)
	for _, r := range []sim.Result{none, some} {
		capacity := 1 / r.Queues[0].MeanService.Seconds()
		atMost(t, fmt.Sprintf("msgs/s with buffer %d against 1 / measured service", r.Config.Buffer), r.Throughput(), capacity, 1.1)
	}
	atLeast(t, "p50, buffer 32 against none", float64(some.Latency.P50), float64(none.Latency.P50), 8)
}

// Demo 9: key dispatch sends a key always to the same queue, and with one
// consumer per queue each producer's messages of a key arrive in order.
func TestTeachKeysStayOnOneQueueInOrder(t *testing.T) {
	type pk struct {
		producer int
		key      uint32
	}
	var mu sync.Mutex
	queueOf, last := map[uint32]int{}, map[pk]int64{}
	var moved, outOfOrder int
	res := teach(t, func(c *sim.Config) {
		c.Messages, c.Producers, c.Queues, c.Dispatch, c.Keys, c.Buffer = 2000, 2, 4, sim.Key, 16, 16
		c.TraceN = 4000
		c.Trace = func(d sim.Delivery) {
			mu.Lock()
			defer mu.Unlock()
			if q, ok := queueOf[d.Key]; ok && q != d.Queue {
				moved++
			}
			queueOf[d.Key] = d.Queue
			k := pk{d.Producer, d.Key}
			if prev, ok := last[k]; ok && d.Seq <= prev {
				outOfOrder++
			}
			last[k] = d.Seq
		}
	})
	if moved != 0 || outOfOrder != 0 || !res.OrderChecked || res.Reordered != 0 || len(queueOf) != 16 {
		t.Fatalf("%d deliveries on another queue than their key's, %d out of order, order checked %v, reordered %d, %d keys",
			moved, outOfOrder, res.OrderChecked, res.Reordered, len(queueOf))
	}
}

// Demo 10: spin work is wall-clock time that yields: 4 spinning consumers
// on one core still deliver several times what 1 does. docs/teaching.md
// says so rather than claim a CPU ceiling msgsim cannot show, and explain
// agrees.
func TestTeachSpinShowsNoCoreCeiling(t *testing.T) {
	run := func(consumers int) sim.Result {
		return teach(t, func(c *sim.Config) {
			// A buffer spares the producer a rendezvous per message: on a
			// loaded machine one unbuffered run of 4 got so little of the
			// one P that it delivered only 1.1× what 1 did.
			c.Messages, c.Consumers, c.Procs, c.Work, c.Buffer = 200, consumers, 1, time.Millisecond, 64
		})
	}
	one, four := run(1), run(4)
	atLeast(t, "4 spinning consumers on 1 core against 1, msgs/s", four.Throughput(), one.Throughput(), 2)
	verdictSays(t, four, "consumer-bound", "even past the cores")
}
