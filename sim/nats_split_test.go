package sim_test

import (
	"context"
	"errors"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/msgsim/msgsim/sim"
)

// splitRun runs one producer-role process and n consumer-role processes of
// one run (goroutines here, processes in use), and returns their results.
func splitRun(t *testing.T, prod sim.Config, cons []sim.Config) (prodRes sim.Result, consRes []sim.Result, errs []error, prodErr error) {
	t.Helper()
	results := make([]sim.Result, len(cons))
	errs = make([]error, len(cons))
	// A hang guard, not a timing assertion: a consumer that fails ends the
	// producer's wait for it, and nothing waits past a minute.
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var wg sync.WaitGroup
	for i := range cons {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			if results[i], errs[i] = sim.Run(ctx, cons[i]); errs[i] != nil {
				cancel()
			}
		}(i)
	}
	prodRes, prodErr = sim.Run(ctx, prod)
	wg.Wait()
	return prodRes, results, errs, prodErr
}

func splitConfigs(t *testing.T, url, id string, consumers int) (sim.Config, []sim.Config) {
	base := natsConfig(sim.Fanout, 1, 2, 2)
	base.NATSURL, base.RunID, base.Seed, base.Messages = url, id, 5, 20_000
	prod := base
	prod.Role = sim.RoleProducer
	cons := make([]sim.Config, consumers)
	for i := range cons {
		cons[i] = base
		cons[i].Role = sim.RoleConsumer
	}
	return prod, cons
}

// Two consumer processes share every queue: each receives about half, and
// the one verdict, which every process reports, counts every message once.
func TestSplitRunOneVerdictOverProcesses(t *testing.T) {
	ns := startServer(t)
	defer func() { ns.Shutdown(); ns.WaitForShutdown() }()
	prod, cons := splitConfigs(t, ns.ClientURL(), "two", 2)
	prodRes, consRes, errs, err := splitRun(t, prod, cons)
	if err != nil || errs[0] != nil || errs[1] != nil {
		t.Fatal(err, errs)
	}
	for _, r := range append([]sim.Result{prodRes}, consRes...) {
		want := prod.Expected()
		if r.Sent != want || r.Delivered != want || r.Lost != 0 || r.Duplicated != 0 || !r.OK() || r.Latency.Count != want {
			t.Fatalf("sent %d, delivered %d, lost %d, duplicated %d, latency samples %d; want %d each, none lost (%s)",
				r.Sent, r.Delivered, r.Lost, r.Duplicated, r.Latency.Count, want, r.Unjudged)
		}
		if len(r.Consumers) != 2*prod.Queues*prod.Consumers {
			t.Fatalf("%d consumer rows, want every process's", len(r.Consumers))
		}
		if len(r.Processes) != 2 {
			t.Fatalf("%d process shares, want 2", len(r.Processes))
		}
		var sum int64
		for _, p := range r.Processes {
			sum += p.Delivered
		}
		if sum != prod.Expected() {
			t.Fatalf("the shares add up to %d of %d", sum, prod.Expected())
		}
	}
}

// An interrupted producer says how many it sent: its consumers judge loss
// against that, not against the plan.
func TestSplitRunJudgesAgainstWhatWasSent(t *testing.T) {
	ns := startServer(t)
	defer func() { ns.Shutdown(); ns.WaitForShutdown() }()
	prod, cons := splitConfigs(t, ns.ClientURL(), "cut", 1)
	prod.Messages, cons[0].Messages = 1_000_000_000, 1_000_000_000
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var n atomic.Int64
	prod.TraceN = 0
	var progress sim.Progress
	prod.Progress = &progress
	var consRes sim.Result
	var consErr error
	done := make(chan struct{})
	go func() {
		defer close(done)
		consRes, consErr = sim.Run(context.Background(), cons[0])
	}()
	go func() {
		// Interrupt once the producer has sent something: no sleeps, a
		// poll of its progress.
		for progress.Snapshot().Sent < 10_000 {
			n.Add(1)
			select {
			case <-done:
				return
			default:
				runtime.Gosched()
			}
		}
		cancel()
	}()
	prodRes, err := sim.Run(ctx, prod)
	<-done
	if err != nil || consErr != nil {
		t.Fatal(err, consErr)
	}
	for name, r := range map[string]sim.Result{"producer": prodRes, "consumer": consRes} {
		if r.Sent == 0 || r.Sent >= prod.Expected() || r.Lost != 0 || r.Duplicated != 0 || !r.OK() || r.Delivered != r.Sent {
			t.Fatalf("%s: sent %d of %d planned, delivered %d, lost %d, duplicated %d (%s)", name, r.Sent, prod.Expected(), r.Delivered, r.Lost, r.Duplicated, r.Unjudged)
		}
	}
	if consRes.EndedBy != "producers: interrupted" || !prodRes.Interrupted {
		t.Fatalf("ended by %q; producer interrupted %v", consRes.EndedBy, prodRes.Interrupted)
	}
}

// A consumer process interrupted before its producers said anything
// cannot call any message lost.
func TestSplitConsumerInterruptedWhileWaiting(t *testing.T) {
	ns := startServer(t)
	defer func() { ns.Shutdown(); ns.WaitForShutdown() }()
	_, cons := splitConfigs(t, ns.ClientURL(), "alone", 1)
	var progress sim.Progress
	cons[0].Progress = &progress
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		for progress.Snapshot().Waiting == "" {
			runtime.Gosched()
		}
		cancel()
	}()
	res, err := sim.Run(ctx, cons[0])
	if err != nil {
		t.Fatal(err)
	}
	if !res.Interrupted || res.Lost != 0 || res.Unjudged == "" || res.OK() {
		t.Fatalf("interrupted %v, lost %d, unjudged %q", res.Interrupted, res.Lost, res.Unjudged)
	}
}

// Processes that disagree on a flag that shapes the messages say so, and
// run nothing.
func TestSplitRunRefusesAMismatch(t *testing.T) {
	ns := startServer(t)
	defer func() { ns.Shutdown(); ns.WaitForShutdown() }()
	prod, cons := splitConfigs(t, ns.ClientURL(), "mismatch", 1)
	cons[0].Messages = 10_000
	prodRes, _, _, err := splitRun(t, prod, cons)
	var mm *sim.RoleMismatchError
	if !errors.As(err, &mm) || mm.Other != "consumer" || prodRes.Sent != 0 {
		t.Fatalf("producer: %v, sent %d", err, prodRes.Sent)
	}
}

// Copies of a message that reach two consumer processes are duplicates of
// the run, found only by merging their bits: every hundredth message is
// sent again 150 messages later, so its copy can go to the other process.
func TestSplitRunCountsDuplicatesAcrossProcesses(t *testing.T) {
	ns := startServer(t)
	defer func() { ns.Shutdown(); ns.WaitForShutdown() }()
	prod, cons := splitConfigs(t, ns.ClientURL(), "dups", 2)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute) // a hang guard
	defer cancel()
	results := make([]sim.Result, len(cons))
	var wg sync.WaitGroup
	for i := range cons {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			var err error
			if results[i], err = sim.Run(ctx, cons[i]); err != nil {
				t.Error(err)
				cancel()
			}
		}(i)
	}
	copies := func(_, _ int, seq int64) sim.Fault {
		if seq%100 == 0 {
			return sim.Fault{Dup: 1, DupAfter: 150}
		}
		return sim.Fault{}
	}
	prodRes, err := sim.RunFaulty(ctx, prod, copies)
	wg.Wait()
	if err != nil {
		t.Fatal(err)
	}
	want := int64(prod.Messages/100) * int64(prod.Queues) // fan-out: each copy reaches every queue
	for _, r := range append([]sim.Result{prodRes}, results...) {
		if r.Duplicated != want || r.Lost != 0 || r.Sent != prod.Expected() || r.Delivered != prod.Expected()+want {
			t.Fatalf("sent %d, delivered %d, duplicated %d, lost %d; want %d duplicates and none lost (%s)",
				r.Sent, r.Delivered, r.Duplicated, r.Lost, want, r.Unjudged)
		}
	}
}
