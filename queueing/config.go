package queueing

import "github.com/msgsim/msgsim/sim"

// For returns the queueing model of one queue of a run's config, and why
// there is none when the workload is not one the formulas cover.
func For(c sim.Config) (Model, string) {
	switch {
	case c.Rate <= 0:
		return Model{}, "no prediction: a closed loop has no arrival rate (use --rate with --arrival poisson)"
	case c.Arrival != sim.Poisson:
		return Model{}, "no prediction: the M/M/c and M/D/c formulas need --arrival poisson"
	case c.Work <= 0:
		return Model{}, "no prediction: consumers do no work (use --work with --work-dist exp or fixed)"
	case c.WorkDist == sim.UniformWork:
		return Model{}, "no prediction: uniform service times have no closed form here (use --work-dist exp or fixed)"
	}
	lambda := c.Rate
	if c.Dispatch != sim.Fanout {
		lambda /= float64(c.Queues)
	}
	return Model{Lambda: lambda, Mu: 1 / c.Work.Seconds(), C: c.Consumers, Deterministic: c.WorkDist == sim.FixedWork}, ""
}
