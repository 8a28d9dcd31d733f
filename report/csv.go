package report

import (
	"encoding/csv"
	"io"
	"strconv"

	"github.com/msgsim/msgsim/sim"
)

var csvHeader = []string{"queue", "consumers", "sent", "delivered", "lost", "duplicated", "reordered", "bytes", "elapsed_ns",
	"throughput_msgs_per_s", "min_ns", "mean_ns", "stddev_ns", "p50_ns", "p90_ns", "p99_ns", "p999_ns", "max_ns"}

// writeCSV writes a header, one row per queue and a last row whose queue
// column is "total".
func writeCSV(w io.Writer, res sim.Result) error {
	cw := csv.NewWriter(w)
	i64 := func(v int64) string { return strconv.FormatInt(v, 10) }
	row := func(name string, consumers int, sent, delivered, lost, dup, reord, bytes int64, l sim.Latency) []string {
		return []string{name, strconv.Itoa(consumers), i64(sent), i64(delivered), i64(lost), i64(dup), i64(reord), i64(bytes),
			i64(int64(res.Elapsed)), strconv.FormatFloat(perSecond(delivered, res), 'f', 1, 64),
			i64(int64(l.Min)), i64(int64(l.Mean)), i64(int64(l.StdDev)), i64(int64(l.P50)), i64(int64(l.P90)),
			i64(int64(l.P99)), i64(int64(l.P999)), i64(int64(l.Max))}
	}
	records := [][]string{csvHeader}
	for _, q := range res.Queues {
		records = append(records, row(strconv.Itoa(q.Queue), q.Consumers, q.Sent, q.Delivered, q.Lost, q.Duplicated, q.Reordered, q.Bytes, q.Latency))
	}
	records = append(records, row("total", len(res.Consumers), res.Sent, res.Delivered, res.Lost, res.Duplicated, res.Reordered, res.Bytes, res.Latency))
	return cw.WriteAll(records)
}
