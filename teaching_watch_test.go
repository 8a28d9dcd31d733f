package main

// Tests of the classroom-mode lessons' claims (docs/teaching.md, "Classroom
// mode"), on shorter runs than the lessons', with margins as wide as the
// other demos'.

import (
	"testing"
	"time"

	"github.com/msgsim/msgsim/explain"
	"github.com/msgsim/msgsim/sim"
)

// Lesson 1: on an unbuffered queue the waiting messages are the producer's
// backlog, and depth counts them: Little's law holds there too. (Counting
// only what the channel held, depth read 0.04 against λW = 2.2.)
func TestTeachLittleOnAnUnbufferedQueue(t *testing.T) {
	const service = 2 * time.Millisecond
	res := teach(t, func(c *sim.Config) {
		c.Rate, c.Arrival, c.Buffer, c.Consumers, c.Duration, c.Seed = 500, sim.Poisson, 0, 2, 2*time.Second, 1
		c.Messages = c.UnlimitedMessages()
		sleepWork(c, service, sim.ExpWork)
	})
	if lag := res.MaxLag; lag > 20*service {
		t.Skipf("the producer fell %v behind its Poisson schedule (more than 20 service times): the machine is too busy for the arrivals to be Poisson", lag)
	}
	cmps, why := explain.Compare(res)
	if why != "" || len(cmps) != 1 {
		t.Fatalf("no comparison: %s", why)
	}
	cmp := cmps[0]
	if cmp.LittleLq < 0.2 {
		t.Fatalf("λW = %.2f: too little queueing to test Little's law", cmp.LittleLq)
	}
	within(t, "sampled depth of an unbuffered queue against λW (Little's law)", cmp.MeasuredLq, cmp.LittleLq, 0.6, 1.6)
}

// Lesson 3: as ρ → 1 the wait grows far faster than the load. One 2 ms
// consumer at ρ = 0.5 and 0.9: the load is 1.8× and M/M/1 predicts 4.5×
// the wait; the test asks for at least 2×.
func TestTeachTheWaitIsSteepNearRhoOne(t *testing.T) {
	run := func(rate float64) sim.Result {
		return teach(t, func(c *sim.Config) {
			c.Rate, c.Arrival, c.Buffer, c.Duration, c.Seed = rate, sim.Poisson, 0, 2*time.Second, 1
			c.Messages = c.UnlimitedMessages()
			sleepWork(c, 2*time.Millisecond, sim.ExpWork)
		})
	}
	half, near := run(250), run(450)
	atLeast(t, "mean wait at ρ = 0.9 against ρ = 0.5", float64(near.Latency.Mean), float64(half.Latency.Mean), 2)
}
