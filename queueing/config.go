package queueing

import (
	"fmt"
	"slices"
	"sync"

	"github.com/msgsim/msgsim/sim"
	"github.com/msgsim/msgsim/units"
)

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
	case c.Batch > 1:
		return Model{}, fmt.Sprintf("no prediction: --batch %s hands messages over %s at a time once a batch is full, and one consumer serves the whole batch; the M/M/c and M/D/c formulas take messages one by one", units.Int(int64(c.Batch)), units.Int(int64(c.Batch)))
	case c.WorkDist == sim.UniformWork:
		return Model{}, "no prediction: uniform service times have no closed form here (use --work-dist exp or fixed)"
	}
	if c.Dispatch == sim.Key && c.Queues > 1 {
		lo, hi, ok := KeySplit(c.Keys, c.Queues)
		switch even := 1 / float64(c.Queues); {
		case !ok:
			return Model{}, fmt.Sprintf("no prediction: --keys %s are too many to count how they hash over the queues (at most %s), and the model needs each queue's share", units.Int(int64(c.Keys)), units.Int(MaxCountedKeys))
		case lo < (1-KeySplitMargin)*even || hi > (1+KeySplitMargin)*even:
			return Model{}, fmt.Sprintf("no prediction: --keys %s hash unevenly over %s queues (from %.1f%% to %.1f%% of the messages each, not %.1f%%), and the model takes every queue alike",
				units.Int(int64(c.Keys)), units.Int(int64(c.Queues)), 100*lo, 100*hi, 100*even)
		}
	}
	lambda := c.Rate
	if c.Dispatch != sim.Fanout {
		lambda /= float64(c.Queues)
	}
	return Model{Lambda: lambda, Mu: 1 / c.Work.Seconds(), C: c.Consumers, Deterministic: c.WorkDist == sim.FixedWork}, ""
}

// Key dispatch is modelled with the even share λ/q only when every queue's
// share of the keys is within KeySplitMargin of 1/q; the keys are counted
// one by one, up to MaxCountedKeys of them (a few milliseconds).
const (
	KeySplitMargin = 0.1
	MaxCountedKeys = 1 << 22
)

// KeySplit returns the smallest and largest share of keys keys that hash
// to one of queues queues (sim.KeyQueue); each message draws its key
// uniformly, so these are the queues' shares of the arrivals. ok is false
// when there are more keys than are counted.
func KeySplit(keys, queues int) (lo, hi float64, ok bool) {
	if keys > MaxCountedKeys || keys < 1 || queues < 1 {
		return 0, 0, false
	}
	splitMu.Lock()
	defer splitMu.Unlock()
	// The live view asks every frame: the last answer is kept.
	if last.keys == keys && last.queues == queues {
		return last.lo, last.hi, true
	}
	n := make([]int, queues)
	for k := 0; k < keys; k++ {
		n[sim.KeyQueue(uint32(k), queues)]++
	}
	least, most := slices.Min(n), slices.Max(n)
	last.keys, last.queues, last.lo, last.hi = keys, queues, float64(least)/float64(keys), float64(most)/float64(keys)
	return last.lo, last.hi, true
}

var (
	splitMu sync.Mutex
	last    struct {
		keys, queues int
		lo, hi       float64
	}
)
