package report

import (
	"encoding/csv"
	"io"
	"strconv"
	"time"

	"github.com/msgsim/msgsim/sim"
)

var csvHeader = []string{"queue", "consumers", "sent", "delivered", "lost", "duplicated", "reordered", "bytes", "elapsed_ns",
	"throughput_msgs_per_s", "min_ns", "mean_ns", "stddev_ns", "p50_ns", "p90_ns", "p99_ns", "p999_ns", "max_ns",
	"max_depth", "mean_depth", "utilisation", "mean_service_ns"}

// writeCSV writes a header, one row per queue and a last row whose queue
// column is "total"; then, each after an empty line and with its own
// header, the repeats, assertions and baseline sections when there are any
// (read them with csv.Reader.FieldsPerRecord = -1).
func writeCSV(w io.Writer, d Document) error {
	res := d.Result
	cw := csv.NewWriter(w)
	i64 := func(v int64) string { return strconv.FormatInt(v, 10) }
	row := func(name string, consumers int, q sim.QueueResult, tp float64) []string {
		l := q.Latency
		return []string{name, strconv.Itoa(consumers), i64(q.Sent), i64(q.Delivered), i64(q.Lost), i64(q.Duplicated), i64(q.Reordered), i64(q.Bytes),
			i64(int64(res.Elapsed)), strconv.FormatFloat(tp, 'f', 1, 64),
			i64(int64(l.Min)), i64(int64(l.Mean)), i64(int64(l.StdDev)), i64(int64(l.P50)), i64(int64(l.P90)),
			i64(int64(l.P99)), i64(int64(l.P999)), i64(int64(l.Max)),
			i64(q.MaxDepth), strconv.FormatFloat(q.MeanDepth, 'f', 2, 64), strconv.FormatFloat(q.Utilisation, 'f', 4, 64), i64(int64(q.MeanService))}
	}
	records := [][]string{csvHeader}
	total := sim.QueueResult{Sent: res.Sent, Delivered: res.Delivered, Lost: res.Lost, Duplicated: res.Duplicated,
		Reordered: res.Reordered, Bytes: res.Bytes, Latency: res.Latency}
	for i, q := range res.Queues {
		records = append(records, row(strconv.Itoa(q.Queue), q.Consumers, q, res.QueueThroughput(i)))
		total.MaxDepth = max(total.MaxDepth, q.MaxDepth)
		total.MeanDepth += q.MeanDepth
		total.Utilisation += q.Utilisation / float64(len(res.Queues))
		total.MeanService += q.MeanService / time.Duration(len(res.Queues))
	}
	records = append(records, row("total", len(res.Consumers), total, res.Throughput()))
	// The verdict of the run, so a partial or failed run never reads as a
	// whole one.
	passed := ""
	if d.Judged {
		passed = strconv.FormatBool(d.Passed)
	}
	records = append(records, nil, []string{"ok", "passed", "interrupted", "ended_by", "expected", "not_sent", "seed"},
		[]string{strconv.FormatBool(res.OK() && !d.interrupted()), passed, strconv.FormatBool(d.interrupted()), res.EndedBy,
			i64(res.Expected), i64(res.NotSent()), strconv.FormatUint(res.Config.Seed, 10)})
	if len(res.Series) > 0 {
		records = append(records, nil, []string{"interval_start_ns", "deliveries", "throughput_msgs_per_s", "p50_ns", "p99_ns"})
		for _, iv := range res.Series {
			records = append(records, []string{i64(int64(iv.Start)), i64(iv.Deliveries), strconv.FormatFloat(iv.Throughput, 'f', 1, 64),
				i64(int64(iv.P50)), i64(int64(iv.P99))})
		}
	}
	f := func(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
	if len(d.Runs) > 1 {
		records = append(records, nil, []string{"run", "elapsed_ns", "delivered", "lost", "duplicated", "throughput_msgs_per_s", "p50_ns", "p99_ns", "p999_ns", "ok", "interrupted"})
		for i, r := range d.Runs {
			records = append(records, []string{strconv.Itoa(i + 1), i64(int64(r.Elapsed)), i64(r.Delivered), i64(r.Lost), i64(r.Duplicated),
				strconv.FormatFloat(r.Throughput(), 'f', 1, 64), i64(int64(r.Latency.P50)), i64(int64(r.Latency.P99)), i64(int64(r.Latency.P999)),
				strconv.FormatBool(r.OK() && !r.Interrupted), strconv.FormatBool(r.Interrupted)})
		}
	}
	if len(d.Assertions) > 0 {
		records = append(records, nil, []string{"assertion", "metric", "op", "want", "actual", "unit", "ok", "no_samples"})
		for _, o := range d.Assertions {
			records = append(records, []string{o.Expr, o.Metric, o.Op, f(o.Want), f(o.Actual), unitOf[o.Kind], strconv.FormatBool(o.OK), strconv.FormatBool(o.NoSamples)})
		}
	}
	if c := d.Baseline; c != nil {
		records = append(records, nil, []string{"baseline_metric", "unit", "baseline", "current", "change", "regressed"})
		for _, m := range c.Deltas {
			records = append(records, []string{m.Metric, unitOf[m.Kind], f(m.Old), f(m.New), strconv.FormatFloat(m.Change, 'f', 4, 64), strconv.FormatBool(m.Regressed)})
		}
	}
	for _, rec := range records {
		if rec == nil {
			// encoding/csv cannot write an empty record; a bare newline
			// separates sections and is skipped by csv readers.
			cw.Flush()
			if _, err := io.WriteString(w, "\n"); err != nil {
				return err
			}
			continue
		}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}
