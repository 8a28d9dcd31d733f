package sim_test

import (
	"context"
	"fmt"

	"github.com/msgsim/msgsim/sim"
)

// The tutorial's topology, done right: one producer broadcasts every message
// to three queues, each drained by two competing consumers. Run returns when
// every goroutine has ended, with every delivery accounted for.
func ExampleRun() {
	cfg := sim.DefaultConfig() // fan-out, 1 producer, 3 queues × 2 consumers
	cfg.Messages = 1000
	res, err := sim.Run(context.Background(), cfg)
	if err != nil {
		panic(err)
	}
	fmt.Printf("expected %d, delivered %d, lost %d, duplicated %d\n", res.Expected, res.Delivered, res.Lost, res.Duplicated)
	for _, q := range res.Queues {
		fmt.Printf("queue %d: %d messages\n", q.Queue, q.Delivered)
	}
	// Output:
	// expected 3000, delivered 3000, lost 0, duplicated 0
	// queue 0: 1000 messages
	// queue 1: 1000 messages
	// queue 2: 1000 messages
}

// Round-robin dispatch sends each message to one queue instead of all, so
// the same 1000 messages make a third of the deliveries, spread evenly.
func ExampleRun_roundRobin() {
	cfg := sim.DefaultConfig()
	cfg.Messages, cfg.Dispatch = 1000, sim.RoundRobin
	res, _ := sim.Run(context.Background(), cfg)
	fmt.Println("delivered", res.Delivered, "ok", res.OK())
	for _, q := range res.Queues {
		fmt.Printf("queue %d: %d messages\n", q.Queue, q.Delivered)
	}
	// Output:
	// delivered 1000 ok true
	// queue 0: 334 messages
	// queue 1: 333 messages
	// queue 2: 333 messages
}

// Tracing shows deliveries the way the tutorial printed them. With one
// queue, one consumer and one producer the order is fixed.
func ExampleConfig_trace() {
	cfg := sim.DefaultConfig()
	cfg.Messages, cfg.Queues, cfg.Consumers, cfg.TraceN = 3, 1, 1, 3
	cfg.Trace = func(d sim.Delivery) {
		fmt.Printf("queue %d consumer %d: received message %d (producer %d)\n", d.Queue, d.Consumer, d.Seq, d.Producer)
	}
	_, _ = sim.Run(context.Background(), cfg)
	// Output:
	// queue 0 consumer 0: received message 0 (producer 0)
	// queue 0 consumer 0: received message 1 (producer 0)
	// queue 0 consumer 0: received message 2 (producer 0)
}

// Round-robin with more consumers than there is work: the exactly-once
// check still holds, and the consumers of a queue share its messages.
func ExampleRun_competingConsumers() {
	cfg := sim.DefaultConfig()
	cfg.Messages, cfg.Queues, cfg.Consumers, cfg.Dispatch, cfg.Buffer = 10_000, 1, 4, sim.RoundRobin, 64
	res, _ := sim.Run(context.Background(), cfg)
	var sum int64
	for _, c := range res.Consumers {
		sum += c.Delivered
	}
	fmt.Println("consumers:", len(res.Consumers), "delivered between them:", sum, "ok:", res.OK())
	// Output: consumers: 4 delivered between them: 10000 ok: true
}
