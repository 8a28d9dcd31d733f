package report_test

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/msgsim/msgsim/report"
	"github.com/msgsim/msgsim/sim"
	"github.com/msgsim/msgsim/sweep"
)

// fixedSweep is a consumers sweep whose throughput rises, then falls:
// the shape a teacher wants to show.
func fixedSweep() sweep.Result {
	c, _ := sweep.ParseVary("consumers=1..8x2")
	cfg := sim.DefaultConfig()
	cfg.Queues, cfg.Rate, cfg.Arrival, cfg.Work, cfg.WorkDist, cfg.Duration = 1, 20_000, sim.Poisson, 200*time.Microsecond, sim.ExpWork, 3*time.Second
	cfg.Messages = cfg.UnlimitedMessages()
	tp := []float64{5_010, 9_950, 19_800, 19_750}
	p99 := []time.Duration{2 * time.Second, time.Second, 900 * time.Microsecond, 700 * time.Microsecond}
	r := sweep.Result{Base: cfg, Axes: []sweep.Axis{c}, Repeat: 3}
	for i, v := range c.Values {
		r.Points = append(r.Points, sweep.PointResult{Point: sweep.Point{v}, Throughput: tp[i], Spread: 0.02 * float64(i),
			P50: p99[i] / 4, P99: p99[i]})
	}
	return r
}

func gridSweep() sweep.Result {
	q, _ := sweep.ParseVary("queues=1,2")
	c, _ := sweep.ParseVary("consumers=1,2")
	r := sweep.Result{Base: sim.DefaultConfig(), Axes: []sweep.Axis{q, c}, Repeat: 1}
	for i, p := range sweep.Grid(r.Axes) {
		r.Points = append(r.Points, sweep.PointResult{Point: p, Throughput: float64(3_000_000 + 500_000*i), P50: time.Microsecond, P99: 9 * time.Microsecond})
	}
	return r
}

func TestSweepGolden(t *testing.T) {
	for name, res := range map[string]sweep.Result{"sweep": fixedSweep(), "grid": gridSweep()} {
		for _, f := range []report.Format{report.Table, report.Markdown, report.JSON, report.CSV} {
			t.Run(name+"/"+string(f), func(t *testing.T) {
				var buf bytes.Buffer
				if err := report.WriteSweep(&buf, res, f, 72); err != nil {
					t.Fatal(err)
				}
				checkGolden(t, filepath.Join("testdata", name+"."+ext[f]), buf.Bytes())
			})
		}
	}
}

// The chart fits the width it is given.
func TestChartIsWidthAware(t *testing.T) {
	for _, w := range []int{40, 80, 160} {
		for _, line := range bytes.Split([]byte(report.Chart(fixedSweep(), w)), []byte("\n")) {
			if n := len([]rune(string(line))); n > w {
				t.Errorf("width %d: line of %d runes: %s", w, n, line)
			}
		}
	}
}

// A point's ok is its runs' check: one that sent nothing (--duration
// shorter than start-up) checked nothing, though it lost nothing.
func TestSweepPointOKIsItsRunsCheck(t *testing.T) {
	res := fixedSweep()
	res.Points = res.Points[:2]
	sent := sim.Result{Expected: 10, Sent: 10, Delivered: 10}
	res.Points[0].Runs = []sim.Result{sent}
	res.Points[1].Runs = []sim.Result{sent, {EndedBy: "duration"}}
	res.Points[1].Problems = []string{"check not made: nothing was sent"}
	var js, csv bytes.Buffer
	if err := report.WriteSweep(&js, res, report.JSON, 0); err != nil {
		t.Fatal(err)
	}
	if err := report.WriteSweep(&csv, res, report.CSV, 0); err != nil {
		t.Fatal(err)
	}
	var doc struct{ Points []struct{ OK bool } }
	if err := json.Unmarshal(js.Bytes(), &doc); err != nil || len(doc.Points) != 2 {
		t.Fatalf("%v: %s", err, js.Bytes())
	}
	if !doc.Points[0].OK || doc.Points[1].OK {
		t.Errorf("json ok %v, %v; want true, then false for the point a run of which sent nothing", doc.Points[0].OK, doc.Points[1].OK)
	}
	rows := strings.Split(strings.TrimSpace(csv.String()), "\n")
	if len(rows) != 3 || !strings.Contains(rows[1], ",true,") || strings.Contains(rows[2], ",true,") {
		t.Errorf("csv: want ok true, then false:\n%s", csv.String())
	}
}

// A sweep stopped between points has no point cut short, yet is partial:
// its csv, which has no place for a headline, says so on every row.
func TestSweepCSVSaysTheSweepWasInterrupted(t *testing.T) {
	res := fixedSweep()
	res.Points, res.Interrupted = res.Points[:2], true
	var out bytes.Buffer
	if err := report.WriteSweep(&out, res, report.CSV, 0); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&out).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	col := slices.Index(rows[0], "sweep_interrupted")
	if col < 0 {
		t.Fatalf("no sweep_interrupted column: %q", rows[0])
	}
	for _, r := range rows[1:] {
		if r[col] != "true" {
			t.Errorf("row %q does not say the sweep was interrupted", r)
		}
	}
}
