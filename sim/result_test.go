package sim_test

import (
	"testing"
	"time"

	"github.com/msgsim/msgsim/sim"
)

// Throughput has one definition, for the total and for each queue alike:
// deliveries after the warm-up per second of the window after it.
func TestThroughputLeavesTheWarmupOut(t *testing.T) {
	r := sim.Result{Elapsed: 3 * time.Second, Measured: 2 * time.Second, Delivered: 5000, WarmupDeliveries: 1000, Bytes: 5000 * 16}
	r.Config.Warmup = time.Second
	r.Queues = []sim.QueueResult{
		{Delivered: 3000, WarmupDeliveries: 600, Bytes: 3000 * 16},
		{Delivered: 2000, WarmupDeliveries: 400, Bytes: 2000 * 16},
	}
	cold := r
	cold.Config.Warmup, cold.WarmupDeliveries, cold.Measured = 0, 0, 0
	cold.Queues = []sim.QueueResult{{Delivered: 3000, Bytes: 3000 * 16}, {Delivered: 2000, Bytes: 2000 * 16}}
	tests := []struct {
		name string
		got  float64
		want float64
	}{
		{"total", r.Throughput(), 2000},
		{"queue 0", r.QueueThroughput(0), 1200},
		{"queue 1", r.QueueThroughput(1), 800},
		{"bytes", r.BytesPerSecond(), 32000},
		{"queue bytes", r.QueueBytesPerSecond(0), 1200 * 16},
		{"measured deliveries", float64(r.MeasuredDeliveries()), 4000},
		{"without a warm-up, over all of Elapsed", cold.Throughput(), 5000.0 / 3},
		{"a queue without a warm-up", cold.QueueThroughput(1), 2000.0 / 3},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s: %v, want %v", tt.name, tt.got, tt.want)
		}
	}
	allWarm := sim.Result{Elapsed: time.Second, Delivered: 10, WarmupDeliveries: 10}
	allWarm.Config.Warmup = time.Hour
	if allWarm.Throughput() != 0 || allWarm.MeasuredDeliveries() != 0 {
		t.Errorf("nothing after the warm-up: throughput %v", allWarm.Throughput())
	}
}
