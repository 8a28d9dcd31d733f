package report_test

import (
	"time"

	"github.com/msgsim/msgsim/check"
	"github.com/msgsim/msgsim/report"
	"github.com/msgsim/msgsim/sim"
)

// The fixed values every format is golden-tested from.

func lat(base time.Duration, n int64) sim.Latency {
	return sim.Latency{Count: n, Min: base / 4, Mean: base, StdDev: base / 2, P50: base * 9 / 10, P90: base * 2,
		P99: base * 5, P999: base * 12, Max: base * 40}
}

// spec is a short spectrum through l's percentiles.
func spec(l sim.Latency) []sim.Quantile {
	return []sim.Quantile{{Percentile: 0, Value: l.Min}, {Percentile: 50, Value: l.P50}, {Percentile: 90, Value: l.P90},
		{Percentile: 99, Value: l.P99}, {Percentile: 99.9, Value: l.P999}, {Percentile: 100, Value: l.Max}}
}

// healthy is a fixed, complete fan-out run: 1 producer, 3 queues × 2 consumers.
func healthy() sim.Result {
	cfg := sim.DefaultConfig()
	cfg.Seed = 42
	r := sim.Result{
		Config: cfg, GoVersion: "go1.26.8", GOMAXPROCS: 2, NumCPU: 2,
		Start:    time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC),
		Elapsed:  1234567890 * time.Nanosecond,
		Produced: 1_000_000, Expected: 3_000_000, Sent: 3_000_000, Delivered: 3_000_000, Bytes: 48_000_000,
		Latency: lat(12_345*time.Nanosecond, 3_000_000), QueueLatency: true, Histograms: sim.PerConsumer, EndedBy: "messages",
		Runtime: sim.Runtime{GOMAXPROCS: 2, NumCPU: 2, GoVersion: "go1.26.8", PeakGoroutines: 10, GCCycles: 1,
			GCPause: 85 * time.Microsecond, PeakHeapBytes: 3 << 20, PeakRSSBytes: 14 << 20,
			Startup: 412 * time.Microsecond, Shutdown: 1200 * time.Microsecond},
	}
	split := [][2]int64{{500_100, 499_900}, {612_000, 388_000}, {1_000_000, 0}}
	for q := 0; q < 3; q++ {
		r.Queues = append(r.Queues, sim.QueueResult{Queue: q, Consumers: 2, Sent: 1_000_000, Delivered: 1_000_000, Bytes: 16_000_000,
			Latency: lat(time.Duration(10_000+q*2_000), 1_000_000)})
		for c := 0; c < 2; c++ {
			r.Consumers = append(r.Consumers, sim.ConsumerResult{Queue: q, Consumer: c, Delivered: split[q][c]})
		}
	}
	return r
}

// broken is a fixed interrupted key-dispatch run with losses, duplicates and
// 2 queues × 20 consumers, enough to summarise consumers instead of listing them.
func broken() sim.Result {
	cfg := sim.DefaultConfig()
	cfg.Dispatch, cfg.Queues, cfg.Consumers, cfg.Producers, cfg.Buffer, cfg.Seed = sim.Key, 2, 20, 3, 1024, 7
	r := sim.Result{
		Config: cfg, GoVersion: "go1.26.8", GOMAXPROCS: 2, NumCPU: 4,
		Start:    time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC),
		Elapsed:  250 * time.Millisecond,
		Produced: 400_000, Expected: 3_000_000, Sent: 400_000, Delivered: 399_990, Lost: 12, Duplicated: 2, Bytes: 6_399_840,
		Latency: lat(3*time.Millisecond, 399_990), Interrupted: true, QueueLatency: true, Histograms: sim.PerConsumer, EndedBy: "interrupted",
		Runtime: sim.Runtime{GOMAXPROCS: 2, NumCPU: 4, GoVersion: "go1.26.8", PeakGoroutines: 45, GCCycles: 0,
			PeakHeapBytes: 17 << 20},
	}
	r.Queues = []sim.QueueResult{
		{Queue: 0, Consumers: 20, Sent: 210_000, Delivered: 209_990, Lost: 12, Duplicated: 2, Bytes: 3_359_840, Latency: lat(2*time.Millisecond, 209_990)},
		{Queue: 1, Consumers: 20, Sent: 190_000, Delivered: 190_000, Bytes: 3_040_000, Latency: lat(4*time.Millisecond, 190_000)},
	}
	for q := 0; q < 2; q++ {
		for c := 0; c < 20; c++ {
			r.Consumers = append(r.Consumers, sim.ConsumerResult{Queue: q, Consumer: c, Delivered: int64(9_000 + 100*c + 500*q)})
		}
	}
	return r
}

// huge is a fixed run too big to list: 1,100 queues × 2 consumers,
// histograms sharded, one queue with a loss.
func huge() sim.Result {
	cfg := sim.DefaultConfig()
	cfg.Messages, cfg.Queues, cfg.Consumers, cfg.Buffer, cfg.Batch, cfg.Seed = 1000, 1100, 64, 16, 64, 3
	r := sim.Result{
		Config: cfg, GoVersion: "go1.26.8", GOMAXPROCS: 2, NumCPU: 2,
		Start:    time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC),
		Elapsed:  3 * time.Second,
		Produced: 1000, Expected: 1_100_000, Sent: 1_100_000, Delivered: 1_099_999, Lost: 1, Bytes: 17_599_984,
		Latency: lat(900*time.Millisecond, 999_999), Histograms: sim.Sharded, EndedBy: "messages",
		Runtime: sim.Runtime{GOMAXPROCS: 2, NumCPU: 2, GoVersion: "go1.26.8", PeakGoroutines: 70_404, GCCycles: 9,
			GCPause: 12 * time.Millisecond, PeakHeapBytes: 900 << 20, PeakRSSBytes: 2900 << 20,
			Startup: 310 * time.Millisecond, Shutdown: 120 * time.Millisecond, PrefaultBytes: 216 << 20, Prefault: 95 * time.Millisecond},
	}
	r.DepthMeasured = true // buffered: sampled
	for q := 0; q < 1100; q++ {
		qr := sim.QueueResult{Queue: q, Consumers: 64, Sent: 1000, Delivered: 1000, Bytes: 16_000, MaxDepth: 16, MeanDepth: 3.5 + float64(q%4)}
		if q == 417 {
			qr.Delivered, qr.Lost, qr.Bytes = 999, 1, 15_984
		}
		r.Queues = append(r.Queues, qr)
		r.Consumers = append(r.Consumers, sim.ConsumerResult{Queue: q, Consumer: 0, Delivered: qr.Delivered - 63*15})
		for c := 1; c < 64; c++ {
			r.Consumers = append(r.Consumers, sim.ConsumerResult{Queue: q, Consumer: c, Delivered: 15})
		}
	}
	return r
}

// ci is a fixed CI invocation: three repeats of healthy(), two assertions
// (one failing), and a baseline comparison with a throughput regression.
func ci() report.Document {
	runs := []sim.Result{healthy(), healthy(), healthy()}
	runs[0].Elapsed, runs[0].Latency.P99 = 1_300_000_000, 70*time.Microsecond
	runs[2].Elapsed, runs[2].Latency.P99 = 1_200_000_000, 58*time.Microsecond
	as, err := check.Parse("p99<=60us,lost==0,q1.throughput>=1M")
	if err != nil {
		panic(err)
	}
	outcomes := check.Judge(as, runs)
	cur := []check.Sample{check.SampleOf(runs[0]), check.SampleOf(runs[1]), check.SampleOf(runs[2])}
	base := []check.Sample{{Throughput: 2.8e6, P50: 11_000, P99: 60_000}, {Throughput: 2.9e6, P50: 11_500, P99: 61_000}, {Throughput: 2.7e6, P50: 10_500, P99: 59_000}}
	cmp := check.Compare("testdata/baseline.json", base, cur, 0.10)
	return report.Document{Result: runs[1], Runs: runs, Assertions: outcomes, Baseline: &cmp}
}

// workload is a fixed open-loop run with work, a warm-up and a duration:
// Poisson arrivals at 50k msgs/s into 1 queue of 2 consumers doing 30µs of
// exponential work, stopped by --duration 3s after a 1s warm-up.
func workload() sim.Result {
	cfg := sim.DefaultConfig()
	cfg.Queues, cfg.Consumers, cfg.Rate, cfg.Arrival, cfg.Seed = 1, 2, 50_000, sim.Poisson, 11
	cfg.Work, cfg.WorkDist, cfg.Duration, cfg.Warmup = 30*time.Microsecond, sim.ExpWork, 3*time.Second, time.Second
	cfg.Messages = cfg.UnlimitedMessages()
	r := sim.Result{
		Config: cfg, GoVersion: "go1.26.8", GOMAXPROCS: 2, NumCPU: 2,
		Start:   time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC),
		Elapsed: 3_001_000_000, Measured: 2_001_000_000,
		Produced: 150_020, Expected: 150_020, Sent: 150_020, Delivered: 150_020, Bytes: 2_400_320,
		Latency: lat(40*time.Microsecond, 100_010), QueueLatency: true, Histograms: sim.PerConsumer,
		EndedBy: "duration", SendRate: 50_005, DepthMeasured: true, MaxLag: 2_300 * time.Microsecond, WarmupDeliveries: 50_010,
		Runtime: sim.Runtime{GOMAXPROCS: 2, NumCPU: 2, GoVersion: "go1.26.8", PeakGoroutines: 8, GCCycles: 2,
			GCPause: 150 * time.Microsecond, PeakHeapBytes: 5 << 20, PeakRSSBytes: 15 << 20},
		Series: []sim.Interval{
			{Start: time.Second, Deliveries: 50_100, Throughput: 50_100, P50: 21 * time.Microsecond, P99: 310 * time.Microsecond, MaxDepth: 9},
			{Start: 2 * time.Second, Deliveries: 49_910, Throughput: 49_910, P50: 22 * time.Microsecond, P99: 2 * time.Millisecond, MaxDepth: 41},
		},
	}
	r.Queues = []sim.QueueResult{{Queue: 0, Consumers: 2, Sent: 150_020, Delivered: 150_020, Bytes: 2_400_320, Latency: r.Latency, WarmupDeliveries: 50_010,
		MaxDepth: 41, MeanDepth: 1.7, Utilisation: 0.751, MeanService: 30_050 * time.Nanosecond, Spectrum: spec(r.Latency)}}
	r.Spectrum = spec(r.Latency)
	r.Consumers = []sim.ConsumerResult{{Queue: 0, Consumer: 0, Delivered: 75_100}, {Queue: 0, Consumer: 1, Delivered: 74_920}}
	return r
}

// failover is a fixed open-loop run over a three-server NATS cluster whose
// first server died 3s in: seven connections moved to the second one, and
// 271 messages sent around the failover were lost.
func failover() sim.Result {
	cfg := sim.DefaultConfig()
	cfg.Transport, cfg.NATSURL, cfg.RunID = "nats", "nats://127.0.0.1:4222,nats://u:secret@127.0.0.1:4223,nats://127.0.0.1:4224", "fo1"
	cfg.Queues, cfg.Consumers, cfg.Rate, cfg.Duration, cfg.Interval, cfg.Seed = 1, 2, 10_000, 6*time.Second, time.Second, 5
	cfg.Messages = cfg.UnlimitedMessages()
	r := sim.Result{
		Config: cfg, GoVersion: "go1.26.8", GOMAXPROCS: 2, NumCPU: 2,
		Start:    time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC),
		Elapsed:  6_001_000_000,
		Produced: 60_000, Expected: 60_000, Sent: 60_000, Delivered: 59_729, Lost: 271, Bytes: 955_664,
		Latency: lat(50*time.Microsecond, 59_729), QueueLatency: true, Histograms: sim.PerConsumer,
		EndedBy: "duration", SendRate: 10_000, Role: sim.RoleAll,
		Runtime: sim.Runtime{GOMAXPROCS: 2, NumCPU: 2, GoVersion: "go1.26.8", PeakGoroutines: 30, GCCycles: 2,
			GCPause: 150 * time.Microsecond, PeakHeapBytes: 5 << 20, PeakRSSBytes: 25 << 20},
		Failovers: []sim.Failover{
			{Conn: "producer 0", Down: 2_966_200 * time.Microsecond, Up: 2_970_400 * time.Microsecond, Server: sim.RedactURLs("nats://u:secret@127.0.0.1:4223")},
			{Conn: "consumer q0.0", Down: 2_967_000 * time.Microsecond, Up: 2_974_000 * time.Microsecond, Server: sim.RedactURLs("nats://u:secret@127.0.0.1:4223")},
			{Conn: "consumer q0.1", Down: 2_967_100 * time.Microsecond, Up: 2_976_400 * time.Microsecond, Server: sim.RedactURLs("nats://u:secret@127.0.0.1:4223")},
		},
		FailoverSummary: &sim.FailoverSummary{Down: 2_966_200 * time.Microsecond, Up: 2_976_400 * time.Microsecond, Lost: 271,
			LostFrom: 2_958 * time.Millisecond, LostTo: 2_976_800 * time.Microsecond, LostTimed: true,
			WorstP99: 13 * time.Millisecond, WorstAt: 2 * time.Second, MedianP99: 700 * time.Microsecond},
	}
	for i := range 6 {
		iv := sim.Interval{Start: time.Duration(i) * time.Second, Deliveries: 10_000, Throughput: 10_000, P50: 40 * time.Microsecond, P99: 700 * time.Microsecond}
		if i == 2 {
			iv.Deliveries, iv.Throughput, iv.P99 = 9_729, 9_729, 13*time.Millisecond
		}
		r.Series = append(r.Series, iv)
	}
	r.Queues = []sim.QueueResult{{Queue: 0, Consumers: 2, Sent: 60_000, Delivered: 59_729, Lost: 271, Bytes: 955_664, Latency: r.Latency}}
	r.Consumers = []sim.ConsumerResult{{Queue: 0, Consumer: 0, Delivered: 29_900}, {Queue: 0, Consumer: 1, Delivered: 29_829}}
	return r
}

// wide is a fixed healthy run of 40 queues × 1 consumer, buffered and
// working: more queues than the tables list, none failing.
func wide() sim.Result {
	cfg := sim.DefaultConfig()
	cfg.Messages, cfg.Queues, cfg.Consumers, cfg.Buffer, cfg.Seed = 10_000, 40, 1, 64, 9
	cfg.Work = 20 * time.Microsecond
	r := sim.Result{
		Config: cfg, GoVersion: "go1.26.8", GOMAXPROCS: 2, NumCPU: 2,
		Start:    time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC),
		Elapsed:  4 * time.Second,
		Produced: 10_000, Expected: 400_000, Sent: 400_000, Delivered: 400_000, Bytes: 6_400_000,
		Latency: lat(2*time.Millisecond, 400_000), QueueLatency: true, Histograms: sim.PerConsumer, EndedBy: "messages",
		OrderChecked: true, DepthMeasured: true,
		Runtime: sim.Runtime{GOMAXPROCS: 2, NumCPU: 2, GoVersion: "go1.26.8", PeakGoroutines: 44, GCCycles: 3,
			GCPause: 300 * time.Microsecond, PeakHeapBytes: 12 << 20, PeakRSSBytes: 30 << 20,
			Startup: 2 * time.Millisecond, Shutdown: 3 * time.Millisecond},
	}
	for q := range 40 {
		r.Queues = append(r.Queues, sim.QueueResult{Queue: q, Consumers: 1, Sent: 10_000, Delivered: 10_000, Bytes: 160_000,
			Latency: lat(time.Duration(1_500+25*q)*time.Microsecond, 10_000), MaxDepth: int64(60 + q%5), MeanDepth: 40 + float64(q%10)/4,
			Utilisation: 0.05 + float64(q%3)/100, MeanService: time.Duration(20_000+10*q) * time.Nanosecond})
		r.Consumers = append(r.Consumers, sim.ConsumerResult{Queue: q, Consumer: 0, Delivered: 10_000})
	}
	return r
}

// scenario is a fixed steered run of two phases, a steady one and a
// spike, in which consumer q0.1 was crashed and lost the message it held.
func scenario() sim.Result {
	r := workload()
	r.Config.Warmup, r.WarmupDeliveries, r.Measured = 0, 0, r.Elapsed
	r.Queues[0].WarmupDeliveries = 0
	r.Delivered, r.Lost, r.CrashLost, r.Steered = 150_019, 1, 1, true
	r.Queues[0].Delivered, r.Queues[0].Lost = 150_019, 1
	r.Phases = []sim.PhaseResult{
		{Name: "steady", Length: 2 * time.Second, Sent: 100_000, Delivered: 99_999, Lost: 1, Throughput: 49_999.5,
			Latency: lat(30*time.Microsecond, 99_999), MaxDepth: 12},
		{Name: "spike", Start: 2 * time.Second, Length: 1_001 * time.Millisecond, Sent: 50_020, Delivered: 50_020, Throughput: 49_970,
			Latency: lat(300*time.Microsecond, 50_020), MaxDepth: 41},
	}
	r.Crashes = []sim.Crash{{Queue: 0, Consumer: 1, At: 1_500 * time.Millisecond, Producer: 0, Seq: 74_321}}
	r.Series = []sim.Interval{
		{Start: 0, Deliveries: 50_000, Throughput: 50_000, P50: 20 * time.Microsecond, P99: 300 * time.Microsecond, MaxDepth: 12, Phase: "steady"},
		{Start: time.Second, Deliveries: 49_999, Throughput: 49_999, P50: 21 * time.Microsecond, P99: 310 * time.Microsecond, MaxDepth: 7, Phase: "steady"},
		{Start: 2 * time.Second, Deliveries: 50_020, Throughput: 49_970, P50: 220 * time.Microsecond, P99: 2 * time.Millisecond, MaxDepth: 41, Phase: "spike"},
	}
	return r
}
