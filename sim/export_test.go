package sim

import "context"

// Fault is what the faulty transport does to one message; see faultAction.
type Fault = faultAction

// RunFaulty runs cfg over a faulty transport: fault(q, producer, seq) says
// what happens to producer's message seq on its way to queue q, so tests
// can prove the checks see loss, duplication, reordering and garbage.
func RunFaulty(ctx context.Context, cfg Config, fault func(q, producer int, seq int64) Fault) (Result, error) {
	return runWith(ctx, cfg, fault)
}
