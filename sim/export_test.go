package sim

import "context"

// RunFaulty runs cfg with a transport fault: copies(q, producer, seq) says
// how many copies of a message to put into queue q (0 drops it, 2
// duplicates it), so tests can prove the accounting sees both.
func RunFaulty(ctx context.Context, cfg Config, copies func(q, producer int, seq int64) int) (Result, error) {
	return runWith(ctx, cfg, func(q int, m *message) int { return copies(q, int(m.producer), m.seq) })
}
