package report

import (
	"strconv"
	"time"

	"github.com/msgsim/msgsim/sim"
)

// A figure that was not measured is never shown as 0, in any format: a
// table prints none and a footnote saying why, csv leaves the cell empty,
// json keeps its 0 beside the field that says so (docs/formats.md has the
// list). The predicates below are the one definition every format uses.

// none fills a table cell whose figure was not measured.
const none = "–"

// queueName is how every format but json (which has the index) names a
// queue, and how --assert does: q0, q1, …
func queueName(q int) string { return "q" + strconv.Itoa(q) }

// latencyMeasured: at least one delivery was timed (after the warm-up).
func latencyMeasured(l sim.Latency) bool { return l.Count > 0 }

// throughputMeasured: there was time to measure over. A queue that received
// nothing in that time ran at a measured 0 msgs/s.
func throughputMeasured(res sim.Result) bool { return res.MeasuredTime() > 0 }

// workMeasured: consumers timed their work, which only --work gives them.
func workMeasured(res sim.Result) bool { return res.Config.Work > 0 }

// serviceMeasured: work was timed and at least one message was worked on.
func serviceMeasured(res sim.Result, q sim.QueueResult) bool {
	return workMeasured(res) && q.Delivered > 0
}

// Why each figure may be missing, for the footnotes under tables.
const (
	whyLatency    = "no delivery was timed (none arrived, or all in the warm-up)"
	whyThroughput = "there was no time to measure throughput over (nothing arrived after the warm-up)"
	whyWork       = "utilisation and mean service need --work"
	whyService    = "mean service needs a delivered message"
)

// whyDepth says why depth was not sampled.
func whyDepth(res sim.Result) string {
	if res.Config.Transport == "nats" {
		return "depth is not sampled over NATS (the messages wait in the server, out of sight)"
	}
	if res.Config.Buffer == 0 && res.Config.Dispatch == sim.Key {
		return "depth is not sampled for unbuffered queues under key dispatch (what was sent is counted, not to which queue)"
	}
	return "depth is not sampled for unbuffered queues in a closed loop"
}

// footnote is the line under a table that explains its dashes.
func footnote(why string) string { return none + " not measured: " + why }

// loadTotal is the load of all queues together, as every format's total
// row shows it: the largest max depth, the mean of the mean depths (so the
// mean never exceeds the max), the utilisation of all consumers together
// and the mean service time over all deliveries.
func loadTotal(qs []sim.QueueResult) sim.QueueResult {
	var t sim.QueueResult
	var busy, consumers, service float64
	for _, q := range qs {
		t.MaxDepth = max(t.MaxDepth, q.MaxDepth)
		t.MeanDepth += q.MeanDepth / float64(len(qs))
		busy += q.Utilisation * float64(q.Consumers)
		consumers += float64(q.Consumers)
		service += float64(q.MeanService) * float64(q.Delivered)
		t.Delivered += q.Delivered
		t.Consumers += q.Consumers
	}
	if consumers > 0 {
		t.Utilisation = busy / consumers
	}
	if t.Delivered > 0 {
		t.MeanService = time.Duration(service / float64(t.Delivered))
	}
	return t
}
