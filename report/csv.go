package report

import (
	"encoding/csv"
	"io"
	"strconv"
	"time"

	"github.com/msgsim/msgsim/sim"
)

// The headers of the csv sections, in the order they are written.
var (
	csvHeader = []string{"queue", "consumers", "sent", "delivered", "lost", "duplicated", "reordered", "bytes", "elapsed_ns",
		"throughput_msgs_per_s", "min_ns", "mean_ns", "stddev_ns", "p50_ns", "p90_ns", "p99_ns", "p999_ns", "max_ns",
		"max_depth", "mean_depth", "utilisation", "mean_service_ns"}
	csvVerdictHeader    = []string{"ok", "passed", "interrupted", "ended_by", "expected", "not_sent", "seed"}
	csvSeriesHeader     = []string{"interval_start_ns", "deliveries", "throughput_msgs_per_s", "p50_ns", "p99_ns", "phase"}
	csvRunsHeader       = []string{"run", "elapsed_ns", "delivered", "lost", "duplicated", "throughput_msgs_per_s", "p50_ns", "p99_ns", "p999_ns", "ok", "interrupted"}
	csvAssertionsHeader = []string{"assertion", "metric", "op", "want", "actual", "unit", "ok", "no_samples"}
	csvBaselineHeader   = []string{"baseline_metric", "unit", "baseline", "current", "change", "regressed", "no_samples"}
)

// writeCSV writes a header, one row per queue (named q0, q1, … as in the
// tables) and a last row whose queue column is "total"; then, each after an
// empty line and with its own header, the verdict, and the series, repeats,
// assertions and baseline sections when there are any (read them with
// csv.Reader.FieldsPerRecord = -1). A figure that was not measured is an
// empty cell, never 0. docs/formats.md documents every column, and a test
// holds the two together.
func writeCSV(w io.Writer, d Document) error {
	res := d.Result
	tp, depth := throughputMeasured(res), res.DepthMeasured
	row := func(name string, consumers int, q sim.QueueResult, throughput float64) []string {
		l, timed := q.Latency, latencyMeasured(q.Latency)
		return []string{name, strconv.Itoa(consumers), i64(q.Sent), i64(q.Delivered), i64(q.Lost), i64(q.Duplicated), i64(q.Reordered), i64(q.Bytes),
			i64(int64(res.Elapsed)), cell(tp, f1(throughput)),
			ns(timed, l.Min), ns(timed, l.Mean), ns(timed, l.StdDev), ns(timed, l.P50), ns(timed, l.P90),
			ns(timed, l.P99), ns(timed, l.P999), ns(timed, l.Max),
			cell(depth, i64(q.MaxDepth)), cell(depth, strconv.FormatFloat(q.MeanDepth, 'f', 2, 64)),
			cell(workMeasured(res), strconv.FormatFloat(q.Utilisation, 'f', 4, 64)), ns(serviceMeasured(res, q), q.MeanService)}
	}
	records := [][]string{csvHeader}
	for i, q := range res.Queues {
		records = append(records, row(queueName(q.Queue), q.Consumers, q, res.QueueThroughput(i)))
	}
	total := loadTotal(res.Queues)
	total.Sent, total.Delivered, total.Lost, total.Duplicated = res.Sent, res.Delivered, res.Lost, res.Duplicated
	total.Reordered, total.Bytes, total.Latency = res.Reordered, res.Bytes, res.Latency
	records = append(records, row("total", len(res.Consumers), total, res.Throughput()))
	// The verdict of the run, so a partial or failed run never reads as a
	// whole one.
	passed := ""
	if d.Judged {
		passed = strconv.FormatBool(d.Passed)
	}
	records = append(records, nil, csvVerdictHeader,
		[]string{strconv.FormatBool(res.OK() && !d.interrupted()), passed, strconv.FormatBool(d.interrupted()), res.EndedBy,
			i64(res.Expected), i64(res.NotSent()), strconv.FormatUint(res.Config.Seed, 10)})
	if len(res.Series) > 0 {
		records = append(records, nil, csvSeriesHeader)
		for _, iv := range res.Series {
			timed := iv.Deliveries > 0
			records = append(records, []string{i64(int64(iv.Start)), i64(iv.Deliveries), f1(iv.Throughput), ns(timed, iv.P50), ns(timed, iv.P99), iv.Phase})
		}
	}
	records = append(records, csvPhases(res)...)
	if len(d.Runs) > 1 {
		records = append(records, nil, csvRunsHeader)
		for i, r := range d.Runs {
			timed := latencyMeasured(r.Latency)
			records = append(records, []string{strconv.Itoa(i + 1), i64(int64(r.Elapsed)), i64(r.Delivered), i64(r.Lost), i64(r.Duplicated),
				cell(throughputMeasured(r), f1(r.Throughput())), ns(timed, r.Latency.P50), ns(timed, r.Latency.P99), ns(timed, r.Latency.P999),
				strconv.FormatBool(r.OK() && !r.Interrupted), strconv.FormatBool(r.Interrupted)})
		}
	}
	if len(d.Assertions) > 0 {
		records = append(records, nil, csvAssertionsHeader)
		for _, o := range d.Assertions {
			records = append(records, []string{o.Expr, o.Metric, o.Op, exact(o.Want), cell(!o.NoSamples, exact(o.Actual)), unitOf[o.Kind],
				strconv.FormatBool(o.OK && !d.interrupted()), strconv.FormatBool(o.NoSamples)})
		}
	}
	if c := d.Baseline; c != nil {
		records = append(records, nil, csvBaselineHeader)
		for _, m := range c.Deltas {
			records = append(records, []string{m.Metric, unitOf[m.Kind], exact(m.Old), cell(!m.NoSamples, exact(m.New)),
				cell(!m.NoSamples, strconv.FormatFloat(m.Change, 'f', 4, 64)), strconv.FormatBool(m.Regressed && !d.interrupted()), strconv.FormatBool(m.NoSamples)})
		}
	}
	return writeRecords(w, records)
}

// writeRecords writes records as csv; a nil record is the empty line
// between sections.
func writeRecords(w io.Writer, records [][]string) error {
	cw := csv.NewWriter(w)
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

// cell is s, or empty when the figure was not measured.
func cell(measured bool, s string) string {
	if !measured {
		return ""
	}
	return s
}

// ns is a duration in nanoseconds, or empty when not measured.
func ns(measured bool, d time.Duration) string { return cell(measured, i64(int64(d))) }

func i64(v int64) string { return strconv.FormatInt(v, 10) }

func f1(v float64) string { return strconv.FormatFloat(v, 'f', 1, 64) }

// exact is a float in the fewest digits that read back as the same float.
func exact(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
