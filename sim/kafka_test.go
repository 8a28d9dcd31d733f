package sim_test

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"

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

// A cluster that goes away mid-run ends the run with a transport error
// rather than a hang.
func TestKafkaClusterDies(t *testing.T) {
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.GroupMinSessionTimeout(100*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	var once sync.Once
	stop := func() { once.Do(c.Close) }
	defer stop()
	cfg := kafkaConfig(sim.Fanout, 1, 1, 1)
	cfg.KafkaBrokers = strings.Join(c.ListenAddrs(), ",")
	cfg.Messages, cfg.Rate, cfg.DrainTimeout, cfg.SessionTimeout = 1_000_000, 5000, 500*time.Millisecond, 500*time.Millisecond
	atDelivery(&cfg, 300, stop)
	done := make(chan struct{})
	var res sim.Result
	go func() {
		defer close(done)
		res, err = sim.Run(context.Background(), cfg)
	}()
	select {
	case <-done:
	case <-time.After(60 * time.Second): // a hang guard
		t.Fatal("run did not end after the cluster died")
	}
	if err != nil || res.TransportError == "" || res.EndedBy != "transport" || res.Produced >= cfg.Messages {
		t.Fatalf("err %v, transport error %q, ended by %q, produced %d", err, res.TransportError, res.EndedBy, res.Produced)
	}
	t.Logf("transport error: %s", res.TransportError)
	if res.Delivered < 300 {
		t.Fatalf("delivered %d: the cluster died before it was meant to (%s)", res.Delivered, res.TransportError)
	}
}
