package sim_test

import (
	"sync"

	"github.com/msgsim/msgsim/sim"
)

// atDelivery has the run call f once, in a goroutine of its own (so f may
// stop a server or steer the run), when a delivery with sequence number seq
// or later is traced. It traces enough deliveries that one surely is, in
// every queue of cfg.
func atDelivery(cfg *sim.Config, seq int64, f func()) {
	var once sync.Once
	cfg.TraceN = 2 * (seq + 1) * int64(max(cfg.Queues, 1))
	cfg.Trace = func(d sim.Delivery) {
		if d.Seq >= seq {
			once.Do(func() { go f() })
		}
	}
}
