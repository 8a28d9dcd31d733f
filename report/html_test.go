package report_test

import (
	"bytes"
	"encoding/json"
	"html"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/msgsim/msgsim/report"
	"github.com/msgsim/msgsim/sim"
	"github.com/msgsim/msgsim/sweep"
)

// chartPoints are a page's plotted values: chart id → line name → the
// data-y of each point or bar, in order (and their data-x in xs).
type chartPoints map[string]map[string][]float64

var (
	chartRe  = regexp.MustCompile(`(?s)<svg class="chart" id="([^"]+)".*?</svg>`)
	seriesRe = regexp.MustCompile(`(?s)<g class="series s\d+ (measured|predicted)" data-series="([^"]*)">(.*?)</g>`)
	pointRe  = regexp.MustCompile(`data-x="([^"]+)" data-y="([^"]+)"`)
	islandRe = regexp.MustCompile(`(?s)<script type="application/json" id="msgsim-data">(.*?)</script>`)
)

// readPage takes a page apart: its embedded json and its measured lines.
func readPage(t *testing.T, page string) (island any, charts chartPoints) {
	t.Helper()
	m := islandRe.FindStringSubmatch(page)
	if m == nil {
		t.Fatal("no data island")
	}
	if err := json.Unmarshal([]byte(m[1]), &island); err != nil {
		t.Fatalf("data island: %v", err)
	}
	charts = chartPoints{}
	for _, c := range chartRe.FindAllStringSubmatch(page, -1) {
		lines := map[string][]float64{}
		for _, s := range seriesRe.FindAllStringSubmatch(c[0], -1) {
			if s[1] != "measured" {
				continue
			}
			name := html.UnescapeString(s[2])
			lines[name] = []float64{}
			for _, p := range pointRe.FindAllStringSubmatch(s[3], -1) {
				y, err := strconv.ParseFloat(p[2], 64)
				if err != nil {
					t.Fatalf("chart %s, %s: data-y %q", c[1], name, p[2])
				}
				lines[name] = append(lines[name], y)
			}
		}
		charts[c[1]] = lines
	}
	return island, charts
}

func asJSON(t *testing.T, render func(*bytes.Buffer) error) (string, any) {
	t.Helper()
	var buf bytes.Buffer
	if err := render(&buf); err != nil {
		t.Fatal(err)
	}
	var v any
	if err := json.Unmarshal(buf.Bytes(), &v); err != nil {
		t.Fatal(err)
	}
	return buf.String(), v
}

func equalLine(t *testing.T, what string, got, want []float64) {
	t.Helper()
	if len(want) == 0 {
		t.Fatalf("%s: the fixture has nothing to compare", what)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s: chart holds %v, json %v", what, got, want)
	}
}

// A run's page holds the json document the json format writes, and its
// charts hold the json's numbers: the spectrum, the series, depth, phases'
// consumers' deliveries.
func TestHTMLChartsHoldTheJSON(t *testing.T) {
	for name, doc := range map[string]report.Document{"workload": {Result: workload()}, "scenario": {Result: scenario()}, "ci": ci()} {
		t.Run(name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := report.WriteDocument(&buf, doc, report.HTML); err != nil {
				t.Fatal(err)
			}
			island, charts := readPage(t, buf.String())
			var j report.JSONResult
			_, want := asJSON(t, func(b *bytes.Buffer) error { return report.WriteDocument(b, doc, report.JSON) })
			if !reflect.DeepEqual(island, want) {
				t.Fatal("the page's data island is not the json report")
			}
			raw, _ := json.Marshal(want)
			if err := json.Unmarshal(raw, &j); err != nil {
				t.Fatal(err)
			}
			var spectrum []float64
			for _, q := range j.Latency.Spectrum {
				if q.Percentile < 100 {
					spectrum = append(spectrum, float64(q.ValueNs))
				}
			}
			if len(spectrum) > 0 {
				equalLine(t, "spectrum", charts["spectrum"]["all queues"], spectrum)
			}
			var tp, p50, p99, depth []float64
			for _, iv := range j.Series {
				tp, depth = append(tp, iv.ThroughputMsgsPerS), append(depth, float64(iv.MaxDepth))
				if iv.Deliveries > 0 {
					p50, p99 = append(p50, float64(iv.P50Ns)), append(p99, float64(iv.P99Ns))
				}
			}
			if len(j.Series) > 0 {
				equalLine(t, "throughput", charts["throughput"]["msgs/s"], tp)
				equalLine(t, "p50", charts["latency-over-time"]["p50"], p50)
				equalLine(t, "p99", charts["latency-over-time"]["p99"], p99)
				equalLine(t, "depth", charts["depth"]["max depth"], depth)
			}
			var delivered []float64
			for _, c := range j.Consumers {
				delivered = append(delivered, float64(c.Delivered))
			}
			equalLine(t, "consumers", charts["consumers"]["delivered"], delivered)
			for _, ph := range j.Phases { // every phase is shaded where it ran
				band := `data-from="` + strconv.FormatFloat(float64(ph.StartNs)/1e9, 'g', -1, 64) + `" data-to="` +
					strconv.FormatFloat(float64(ph.StartNs+ph.LengthNs)/1e9, 'g', -1, 64) + `"`
				if strings.Count(buf.String(), band) != 3 {
					t.Errorf("phase %s is not shaded on each of the three charts over time (%s)", ph.Name, band)
				}
			}
		})
	}
}

// A sweep's page holds its json, and its charts the measured throughput
// and p99 of every point, with the model's prediction beside them.
func TestSweepHTMLChartsHoldTheJSON(t *testing.T) {
	for name, res := range map[string]sweep.Result{"sweep": fixedSweep(), "grid": gridSweep()} {
		t.Run(name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := report.WriteSweep(&buf, res, report.HTML, 0); err != nil {
				t.Fatal(err)
			}
			island, charts := readPage(t, buf.String())
			_, want := asJSON(t, func(b *bytes.Buffer) error { return report.WriteSweep(b, res, report.JSON, 0) })
			if !reflect.DeepEqual(island, want) {
				t.Fatal("the page's data island is not the json report")
			}
			var j report.JSONSweep
			raw, _ := json.Marshal(want)
			if err := json.Unmarshal(raw, &j); err != nil {
				t.Fatal(err)
			}
			var tp, p99 []float64
			for _, lines := range []map[string][]float64{charts["sweep-throughput"], charts["sweep-p99"]} {
				if len(lines) == 0 {
					t.Fatalf("no measured line: %v", charts)
				}
			}
			for _, name := range sortedKeys(charts["sweep-throughput"]) {
				tp = append(tp, charts["sweep-throughput"][name]...)
				p99 = append(p99, charts["sweep-p99"][name]...)
			}
			var wantTP, wantP99 []float64
			for _, p := range j.Points {
				wantTP, wantP99 = append(wantTP, p.ThroughputMsgsPerS), append(wantP99, float64(p.P99Ns))
			}
			equalLine(t, "throughput", tp, wantTP)
			equalLine(t, "p99", p99, wantP99)
		})
	}
	// The consumers sweep is open loop with exponential work: the model
	// is drawn, and p99 breaks away from its floor at 2 consumers (1s
	// against 700µs).
	var buf bytes.Buffer
	if err := report.WriteSweep(&buf, fixedSweep(), report.HTML, 0); err != nil {
		t.Fatal(err)
	}
	page := buf.String()
	if !strings.Contains(page, `data-series="queueing model"`) || !strings.Contains(page, `<g class="knee" data-x="2">`) {
		t.Fatal("the sweep's page lacks the model's line or the knee at 2 consumers")
	}
}

func sortedKeys(m map[string][]float64) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	for i := range ks {
		for k := i + 1; k < len(ks); k++ {
			if ks[k] < ks[i] {
				ks[i], ks[k] = ks[k], ks[i]
			}
		}
	}
	return ks
}

// A producer-role process shows the latencies its consumer process timed
// but holds no histogram: its page says where the spectrum is, not that
// nothing was timed.
func TestHTMLProducerRoleSaysWhereTheSpectrumIs(t *testing.T) {
	res := workload()
	res.Config.Transport, res.Config.NATSURL, res.Role = "nats", "nats://127.0.0.1:4222", sim.RoleProducer
	res.Spectrum, res.Queues[0].Spectrum = nil, nil
	var buf bytes.Buffer
	if err := report.WriteDocument(&buf, report.Document{Result: res}, report.HTML); err != nil {
		t.Fatal(err)
	}
	page := buf.String()
	if strings.Contains(page, "no delivery was timed") || !strings.Contains(page, "timed in the consumer process") {
		t.Fatalf("the page does not say where the spectrum is:\n%s", page)
	}
}

// A point a signal cut short drained its queue without the work: its
// figures are drawn nowhere and place no knee.
func TestSweepHTMLLeavesOutACutShortPoint(t *testing.T) {
	res := fixedSweep()
	last := &res.Points[len(res.Points)-1]
	last.Interrupted, last.P99 = true, 10*time.Microsecond
	res.Interrupted = true
	var buf bytes.Buffer
	if err := report.WriteSweep(&buf, res, report.HTML, 0); err != nil {
		t.Fatal(err)
	}
	_, charts := readPage(t, buf.String())
	if tp, p99 := charts["sweep-throughput"]["measured"], charts["sweep-p99"]["measured"]; len(tp) != 3 || len(p99) != 3 {
		t.Errorf("measured lines hold %d and %d points, want the 3 that finished", len(tp), len(p99))
	}
	if page := buf.String(); !strings.Contains(page, `<g class="knee" data-x="2">`) {
		t.Error("the knee moved with the cut-short point's p99")
	}
}

// An interrupted sweep's headline still says which points failed before
// the signal: the interruption does not hide a failure.
func TestSweepHTMLInterruptedKeepsItsFailures(t *testing.T) {
	res := fixedSweep()
	res.Points = res.Points[:3]
	res.Points[0].Problems = []string{"1 of 1 assertions failed: p99<=1ns (actual 2s)"}
	res.Points[2].Interrupted, res.Interrupted = true, true
	var buf bytes.Buffer
	if err := report.WriteSweep(&buf, res, report.HTML, 0); err != nil {
		t.Fatal(err)
	}
	if page := buf.String(); !strings.Contains(page, "interrupted: 3 of 4 points ran") || !strings.Contains(page, "FAILED at 1 of the 2 points that finished") {
		m := regexp.MustCompile(`id="verdict">[^<]*`).FindString(page)
		t.Errorf("headline: %s", m)
	}
}
