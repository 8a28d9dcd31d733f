package report_test

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/msgsim/msgsim/report"
	"github.com/msgsim/msgsim/sim"
)

// csvQueues reads the queues section of csv output into one map per row,
// keyed by column.
func csvQueues(t *testing.T, res sim.Result) map[string]map[string]string {
	t.Helper()
	var buf bytes.Buffer
	if err := report.Write(&buf, res, report.CSV); err != nil {
		t.Fatal(err)
	}
	first, _, _ := bytes.Cut(buf.Bytes(), []byte("\n\n"))
	recs, err := csv.NewReader(bytes.NewReader(first)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	rows := map[string]map[string]string{}
	for _, rec := range recs[1:] {
		row := map[string]string{}
		for i, col := range recs[0] {
			row[col] = rec[i]
		}
		rows[rec[0]] = row
	}
	return rows
}

func table(t *testing.T, res sim.Result) string {
	t.Helper()
	var buf bytes.Buffer
	if err := report.Write(&buf, res, report.Table); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

// tableRow is the cells of the first table row that starts with name
// after the line holding title.
func tableRow(out, title, name string) []string {
	_, rest, ok := strings.Cut(out, "\n"+title)
	if !ok {
		return nil
	}
	for _, line := range strings.Split(rest, "\n") {
		cells := strings.Split(line, "│")
		if len(cells) > 2 && strings.TrimSpace(cells[1]) == name {
			for i := range cells {
				cells[i] = strings.TrimSpace(cells[i])
			}
			return cells[1 : len(cells)-1]
		}
	}
	return nil
}

// A figure that was not measured is an empty csv cell and a dash with a
// footnote in the table; the same figure, measured, is a number in both.
func TestNotMeasuredIsNeverZero(t *testing.T) {
	latency := []string{"min_ns", "mean_ns", "stddev_ns", "p50_ns", "p90_ns", "p99_ns", "p999_ns", "max_ns"}
	for _, tt := range []struct {
		name     string
		res      func() sim.Result
		row      string   // csv row and table row
		title    string   // the table holding the row
		columns  []string // csv columns that must be empty
		cells    []int    // table cells (after the name) that must be a dash
		footnote string
	}{
		{"a queue that received nothing has no latency", func() sim.Result {
			r := healthy()
			r.Queues[2].Delivered, r.Queues[2].Lost, r.Queues[2].Latency = 0, 1_000_000, sim.Latency{}
			return r
		}, "q2", "latency", latency, []int{1, 2, 3, 4, 5, 6, 7}, "– not measured: no delivery was timed"},
		{"unsampled depth is not 0", func() sim.Result {
			r := workload()
			r.DepthMeasured = false
			return r
		}, "q0", "queue load", []string{"max_depth", "mean_depth"}, []int{1, 2}, "– not measured: depth is not sampled"},
		{"no utilisation without --work", func() sim.Result {
			r := workload()
			r.Config.Work = 0
			return r
		}, "total", "queue load", []string{"utilisation", "mean_service_ns"}, []int{3, 4}, "– not measured: utilisation and mean service need --work"},
		{"no throughput without time to measure over", func() sim.Result {
			r := workload()
			r.Measured = 0
			return r
		}, "total", "deliveries by queue", []string{"throughput_msgs_per_s"}, []int{6}, "– not measured: there was no time to measure throughput over"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			res := tt.res()
			row := csvQueues(t, res)[tt.row]
			for _, col := range tt.columns {
				if row[col] != "" {
					t.Errorf("csv %s.%s = %q, want empty", tt.row, col, row[col])
				}
			}
			out := table(t, res)
			cells := tableRow(out, tt.title, tt.row)
			if cells == nil {
				t.Fatalf("no %s row in the %s table:\n%s", tt.row, tt.title, out)
			}
			for _, i := range tt.cells {
				if cells[i] != "–" {
					t.Errorf("table %s cell %d = %q, want –", tt.row, i, cells[i])
				}
			}
			if !strings.Contains(out, tt.footnote) {
				t.Errorf("no footnote %q:\n%s", tt.footnote, out)
			}
		})
	}
	// Measured, the same cells hold numbers.
	row := csvQueues(t, workload())["q0"]
	for _, col := range append(latency, "throughput_msgs_per_s", "max_depth", "mean_depth", "utilisation", "mean_service_ns") {
		if row[col] == "" {
			t.Errorf("workload csv q0.%s is empty, but was measured", col)
		}
	}
	if out := table(t, workload()); strings.Contains(out, "–") {
		t.Errorf("a dash in the table of a run that measured everything:\n%s", out)
	}
}

// An interval in which nothing arrived ran at 0 msgs/s, but has no latency.
func TestEmptyIntervalHasNoLatency(t *testing.T) {
	res := workload()
	res.Series[1] = sim.Interval{Start: 2 * time.Second}
	var buf bytes.Buffer
	if err := report.Write(&buf, res, report.CSV); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "\n2000000000,0,0.0,,,\n") {
		t.Errorf("csv series:\n%s", buf.String())
	}
	if cells := tableRow(table(t, res), "series", "2.00s"); !slices.Equal(cells, []string{"2.00s", "0", "–", "–"}) {
		t.Errorf("table series row %q", cells)
	}
}

// many is a run of n queues, the ones in failing each losing a message.
func many(n int, failing ...int) sim.Result {
	r := wide()
	r.Config.Queues = n
	r.Queues, r.Consumers = nil, nil
	for q := range n {
		qr := sim.QueueResult{Queue: q, Consumers: 1, Sent: 100, Delivered: 100, Latency: lat(time.Millisecond, 100), MaxDepth: 3, MeanDepth: 1}
		if slices.Contains(failing, q) {
			qr.Delivered, qr.Lost = 99, 1
		}
		r.Queues = append(r.Queues, qr)
		r.Consumers = append(r.Consumers, sim.ConsumerResult{Queue: q, Delivered: qr.Delivered})
	}
	return r
}

// Above 32 queues the per-queue tables list failing queues, or else the
// first ones; never an empty body between two rules.
func TestManyQueuesNeverEmptyTables(t *testing.T) {
	for _, tt := range []struct {
		n       int
		failing []int
		listed  []string
		note    string
	}{
		{33, nil, []string{"q0", "q31"}, "32 of 33 queues listed: q0 to q31"},
		{40, []int{7, 39}, []string{"q7", "q39"}, "2 of 40 queues listed: those that lost"},
		{1000, nil, []string{"q0", "q31"}, "32 of 1,000 queues listed"},
		{1000, []int{3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67, 71, 73, 79, 83, 89, 97, 101, 103, 107, 109, 113, 127, 131, 137, 139},
			[]string{"q3", "q131"}, "32 of 1,000 queues listed: the first 32 of the 33 that lost"},
	} {
		t.Run(fmt.Sprintf("%d queues, %d failing", tt.n, len(tt.failing)), func(t *testing.T) {
			out := table(t, many(tt.n, tt.failing...))
			lines := strings.Split(out, "\n")
			for i := 1; i < len(lines); i++ {
				if strings.HasPrefix(lines[i], "├") && strings.HasPrefix(lines[i-1], "├") {
					t.Fatalf("an empty table body at line %d:\n%s", i, out)
				}
			}
			for _, title := range []string{"deliveries by queue", "latency", "queue load", "consumers"} {
				for _, q := range tt.listed {
					if tableRow(out, title, q) == nil {
						t.Errorf("%s: no row for %s", title, q)
					}
				}
			}
			if tableRow(out, "deliveries by queue", "q139") != nil || !strings.Contains(out, tt.note) {
				t.Errorf("want only the listed queues and the note %q:\n%s", tt.note, out)
			}
		})
	}
}

// A sweep point whose run measured nothing shows no medians, and no
// speedup or efficiency built on them.
func TestSweepPointNotMeasured(t *testing.T) {
	sw := fixedSweep()
	sw.Points[1].Runs = []sim.Result{{Config: sw.Base}} // no time, no latency
	var buf bytes.Buffer
	if err := report.WriteSweep(&buf, sw, report.CSV, 80); err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	for i, col := range recs[0] {
		if col == "problems" {
			continue // empty when the point passed
		}
		empty := recs[2][i] == ""
		want := slices.Contains([]string{"throughput_msgs_per_s", "spread", "speedup", "efficiency", "p50_ns", "p99_ns"}, col)
		if empty != want || recs[1][i] == "" {
			t.Errorf("column %s: measured point %q, unmeasured point %q", col, recs[1][i], recs[2][i])
		}
	}
	buf.Reset()
	if err := report.WriteSweep(&buf, sw, report.Table, 80); err != nil {
		t.Fatal(err)
	}
	cells := tableRow("\n"+buf.String(), "sweep", "2")
	if cells == nil || strings.Count(strings.Join(cells, " "), "–") != 6 || !strings.Contains(buf.String(), "– not measured") {
		t.Errorf("table row %q:\n%s", cells, buf.String())
	}
}
