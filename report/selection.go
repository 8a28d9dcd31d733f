package report

import (
	"fmt"
	"slices"

	"github.com/msgsim/msgsim/sim"
)

// queueSelection is the queues the per-queue tables list: every one, or
// above maxQueueRows the ones that failed their check (else the first
// ones), with a note saying which and where the rest are.
type queueSelection struct {
	queues []sim.QueueResult
	all    bool   // every queue is listed
	note   string // under the deliveries table, when not all are listed
}

func selectQueues(res sim.Result) queueSelection {
	n := len(res.Queues)
	if n <= maxQueueRows {
		return queueSelection{queues: res.Queues, all: true}
	}
	var bad []sim.QueueResult
	for _, q := range res.Queues {
		if q.Lost != 0 || q.Duplicated != 0 || q.Reordered != 0 {
			bad = append(bad, q)
		}
	}
	var sel queueSelection
	switch {
	case len(bad) > maxQueueRows:
		sel.queues = bad[:maxQueueRows]
		sel.note = fmt.Sprintf("%d of %s queues listed: the first %d of the %s that lost, duplicated or reordered messages",
			maxQueueRows, countStr(int64(n)), maxQueueRows, countStr(int64(len(bad))))
	case len(bad) > 0:
		sel.queues = bad
		sel.note = fmt.Sprintf("%s of %s queues listed: those that lost, duplicated or reordered messages",
			countStr(int64(len(bad))), countStr(int64(n)))
	default:
		sel.queues = res.Queues[:maxQueueRows]
		sel.note = fmt.Sprintf("%d of %s queues listed: %s to %s (none lost, duplicated or reordered a message)",
			maxQueueRows, countStr(int64(n)), queueName(res.Queues[0].Queue), queueName(res.Queues[maxQueueRows-1].Queue))
	}
	d := make([]int64, n)
	for i, q := range res.Queues {
		d[i] = q.Delivered
	}
	slices.Sort(d)
	sel.note += fmt.Sprintf("; delivered per queue: min %s, median %s, max %s; --format csv or json lists every queue",
		countStr(d[0]), countStr(d[n/2]), countStr(d[n-1]))
	return sel
}

// sameQueues is the note under the later per-queue tables when not every
// queue is listed.
func (s queueSelection) sameQueues() string {
	if s.all {
		return ""
	}
	return "the queues listed above; total covers them all"
}
