package sim_test

import (
	"context"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/msgsim/msgsim/sim"
)

func kafkaConfig(d sim.Dispatch, producers, queues, consumers int) sim.Config {
	cfg := sim.DefaultConfig()
	cfg.Transport, cfg.Dispatch = "kafka", d
	cfg.Messages, cfg.Producers, cfg.Queues, cfg.Consumers, cfg.Seed = 1000, producers, queues, consumers, 9
	return cfg
}

// Over the in-process Kafka cluster every dispatch mode delivers exactly
// once when nothing goes wrong.
func TestKafkaExactlyOnce(t *testing.T) {
	for _, tc := range []struct {
		d        sim.Dispatch
		delivery sim.Semantics
		c        int
	}{
		{sim.Fanout, sim.AtLeastOnce, 2},
		{sim.RoundRobin, sim.AtMostOnce, 1},
		{sim.Key, sim.AtLeastOnce, 2},
	} {
		t.Run(fmt.Sprintf("%s/%s", tc.d, tc.delivery), func(t *testing.T) {
			cfg := kafkaConfig(tc.d, 2, 2, tc.c)
			cfg.Delivery = tc.delivery
			res, err := sim.Run(context.Background(), cfg)
			if err != nil {
				t.Fatal(err)
			}
			checkExact(t, cfg, res)
			if res.TransportError != "" || res.Unconfirmed != 0 {
				t.Fatalf("unconfirmed %d, transport error %q", res.Unconfirmed, res.TransportError)
			}
		})
	}
}

// A consumer that crashes before committing: the batch it worked on comes
// back to the group once its session times out, and the checker finds
// exactly those messages duplicated, which at least once allows.
func TestKafkaCrashBeforeCommit(t *testing.T) {
	cfg := kafkaConfig(sim.RoundRobin, 1, 1, 2)
	cfg.Messages, cfg.Rate, cfg.SessionTimeout = 600, 2000, 500*time.Millisecond
	cfg.Faults = []sim.BrokerFault{{Kind: sim.FaultCrash, At: 80 * time.Millisecond, Queue: 0, Consumer: 1}}
	_, read := traceCounts(&cfg)
	res, err := sim.Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	f := res.Faults[0]
	twice := map[sim.MessageRef]bool{}
	for m, n := range read() {
		if n > 1 {
			twice[m] = true
		}
	}
	held := map[sim.MessageRef]bool{}
	for _, m := range f.HeldMessages {
		held[m] = true
	}
	t.Logf("held %d, redelivered %d, recovery %v, duplicated %d", f.Held, f.Redelivered, f.Recovery, res.Duplicated)
	if !f.Happened || f.Held < 1 || res.Duplicated != f.Held || f.Redelivered != f.Held || f.Recovery < 0 || res.Lost != 0 || !res.OK() {
		t.Fatalf("happened %v, held %d, redelivered %d, recovery %v; duplicated %d, lost %d, ok %v", f.Happened, f.Held, f.Redelivered, f.Recovery, res.Duplicated, res.Lost, res.OK())
	}
	if int64(len(held)) == f.Held && !reflect.DeepEqual(twice, held) {
		t.Fatalf("delivered twice %v, held by the crashed consumer %v", twice, held)
	}
}

// A rebalance (a member leaves and joins again) moves partitions twice;
// with every batch committed before the group may rebalance, nothing is
// delivered twice and nothing is lost.
func TestKafkaRebalance(t *testing.T) {
	cfg := kafkaConfig(sim.Fanout, 1, 1, 2)
	cfg.Messages, cfg.Rate, cfg.SessionTimeout = 600, 2000, 500*time.Millisecond
	cfg.Faults = []sim.BrokerFault{{Kind: sim.FaultRebalance, At: 80 * time.Millisecond}}
	res, err := sim.Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	f := res.Faults[0]
	if !f.Happened || res.Duplicated != 0 || res.Lost != 0 || f.Recovery < 0 {
		t.Fatalf("happened %v, recovery %v, duplicated %d, lost %d", f.Happened, f.Recovery, res.Duplicated, res.Lost)
	}
}
