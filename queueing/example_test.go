package queueing_test

import (
	"fmt"

	"github.com/msgsim/msgsim/queueing"
)

// Two consumers sharing a queue, each taking 500 µs per message on average
// (μ = 2000/s), offered 2800 msgs/s of Poisson traffic: 70% busy, and more
// than half of the messages wait.
func ExamplePredict() {
	p, _ := queueing.Predict(queueing.Model{Lambda: 2800, Mu: 2000, C: 2})
	fmt.Printf("ρ = %.2f, P(wait) = %.3f, mean wait %v, mean queue %.2f\n", p.Rho, p.PWait, p.Wq.Round(1000), p.Lq)
	// Output: ρ = 0.70, P(wait) = 0.576, mean wait 480µs, mean queue 1.35
}

// At 120% load there is no steady state: the queue grows for as long as the
// traffic lasts.
func ExamplePredict_overload() {
	p, _ := queueing.Predict(queueing.Model{Lambda: 1200, Mu: 1000, C: 1})
	fmt.Println("unstable:", p.Unstable)
	// Output: unstable: true
}
