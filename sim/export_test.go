package sim

import "context"

// RunFaulty runs cfg with a faulty transport: copies(q, producer, seq) says
// how many times a message sent to queue q arrives (0 loses it, 2
// duplicates it), so tests can prove the accounting sees both.
func RunFaulty(ctx context.Context, cfg Config, copies func(q, producer int, seq int64) int) (Result, error) {
	return runWith(ctx, cfg, copies)
}
