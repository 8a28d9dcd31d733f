package report_test

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/msgsim/msgsim/report"
	"github.com/msgsim/msgsim/sim"
)

var update = flag.Bool("update", false, "rewrite the golden files from the current output")

var ext = map[report.Format]string{report.Table: "txt", report.JSON: "json", report.CSV: "csv", report.Markdown: "md", report.GoBench: "bench", report.HTML: "html"}

func TestGolden(t *testing.T) {
	fixtures := map[string]report.Document{"healthy": {Result: healthy()}, "broken": {Result: broken()}, "huge": {Result: huge()}, "ci": ci(), "workload": {Result: workload()},
		"failover": {Result: failover()}, "wide": {Result: wide()}, "scenario": {Result: scenario()}}
	for name, doc := range fixtures {
		for _, f := range report.Formats {
			if (name == "huge" && f == report.CSV) || ((name == "huge" || name == "wide") && f == report.JSON) {
				continue // a row per queue: too long to review as a golden file
			}
			if f == report.HTML && name != "scenario" {
				continue // one page is enough to review; html_test.go holds every page to its json
			}
			t.Run(name+"/"+string(f), func(t *testing.T) {
				var buf bytes.Buffer
				if err := report.WriteDocument(&buf, doc, f); err != nil {
					t.Fatal(err)
				}
				checkGolden(t, filepath.Join("testdata", name+"."+ext[f]), buf.Bytes())
			})
		}
	}
}

// checkGolden compares got with the golden file at path, rewriting it
// first with -update.
func checkGolden(t *testing.T, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./report -update to create it)", err)
	}
	if string(got) != string(want) {
		t.Errorf("%s differs from the golden file; got:\n%s", path, got)
	}
}

func TestJSONRoundTrips(t *testing.T) {
	var buf bytes.Buffer
	if err := report.Write(&buf, broken(), report.JSON); err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"schema_version", "config", "elapsed_ns", "produced", "expected", "delivered", "lost", "duplicated",
		"throughput_msgs_per_s", "throughput_bytes_per_s", "latency", "queues", "consumers", "interrupted", "go_version", "gomaxprocs"} {
		if _, ok := doc[k]; !ok {
			t.Errorf("json lacks %q", k)
		}
	}
	if doc["lost"].(float64) != 12 || doc["interrupted"] != true || doc["not_sent"].(float64) != 2_600_000 {
		t.Errorf("wrong values: lost %v interrupted %v not_sent %v", doc["lost"], doc["interrupted"], doc["not_sent"])
	}
}

func TestCSVShape(t *testing.T) {
	var buf bytes.Buffer
	if err := report.Write(&buf, healthy(), report.CSV); err != nil {
		t.Fatal(err)
	}
	r := csv.NewReader(&buf)
	r.FieldsPerRecord = -1 // sections differ in width
	recs, err := r.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 1+3+1+2 || recs[1][0] != "q0" || recs[4][0] != "total" || recs[4][3] != "3000000" {
		t.Fatalf("want header, 3 queues named as in the tables (q0…), total, then the verdict section; got %q", recs)
	}
	if strings.Join(recs[5], ",") != "ok,passed,interrupted,ended_by,expected,not_sent,seed" || recs[6][0] != "true" || recs[6][2] != "false" {
		t.Fatalf("verdict section %q", recs[5:])
	}
}

func TestTableSummarisesManyConsumers(t *testing.T) {
	var buf bytes.Buffer
	if err := report.Write(&buf, broken(), report.Table); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	if !strings.Contains(out, "fairness") || strings.Contains(out, "share of queue") {
		t.Fatalf("40 consumers must be summarised per queue:\n%s", out)
	}
}

func TestParseFormat(t *testing.T) {
	for _, f := range report.Formats {
		if got, err := report.ParseFormat(string(f)); err != nil || got != f {
			t.Errorf("%s: %v %v", f, got, err)
		}
	}
	if _, err := report.ParseFormat("xml"); err == nil || !strings.Contains(err.Error(), "table, json, csv, markdown, gobench") {
		t.Errorf("xml: %v", err)
	}
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, os.ErrClosed }

func TestWriteReportsWriterErrors(t *testing.T) {
	for _, f := range report.Formats {
		if err := report.Write(failWriter{}, healthy(), f); err == nil {
			t.Errorf("%s: no error from a failing writer", f)
		}
	}
}

// A run cut short, or one that measured nothing after its warm-up, is no
// benchmark sample: gobench leaves it out and says so.
func TestGoBenchLeavesOutWhatIsNoSample(t *testing.T) {
	whole, cut, empty := healthy(), healthy(), healthy()
	cut.Interrupted = true
	empty.Config.Warmup, empty.WarmupDeliveries = time.Hour, empty.Delivered
	var buf bytes.Buffer
	if err := report.WriteDocument(&buf, report.Document{Result: whole, Runs: []sim.Result{whole, cut, empty}}, report.GoBench); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	if strings.Count(out, "BenchmarkMsgsim") != 1 || !strings.Contains(out, "msgsim-interrupted:") || !strings.Contains(out, "msgsim-no-samples: 1 run measured nothing after the warm-up and is left out") {
		t.Fatalf("%s", out)
	}
}

// A consumer-role process sent nothing: its report must not say the
// producers sent at 0 msgs/s, nor invent a lag.
func TestWorkloadLineOfAConsumerProcess(t *testing.T) {
	res := failover()
	res.Role = sim.RoleConsumer
	line := report.WorkloadLine(res)
	if strings.Contains(line, "sent 0") || strings.Contains(line, "lag") || !strings.Contains(line, "target 10.0k msgs/s") {
		t.Fatalf("consumer role: %s", line)
	}
	res.Role = sim.RoleAll
	if line := report.WorkloadLine(res); !strings.Contains(line, "sent 10.0k msgs/s") {
		t.Fatalf("role all: %s", line)
	}
}

// A crash is put down to whoever ordered it: the scenario, a key in
// msgsim watch, or both when both did.
func TestCrashesNameWhoCrashedThem(t *testing.T) {
	key := "the c key in msgsim watch"
	tests := []struct {
		name    string
		by      []string
		verdict string
		line    string
		absent  string
	}{
		{"the scenario", []string{""}, "held by consumers the scenario crashed", "1 consumer crashed by the scenario,", "watch"},
		{"the view's key", []string{key}, "held by consumers crashed by the c key in msgsim watch", "1 consumer crashed by the c key in msgsim watch,", "scenario"},
		{"both", []string{sim.CrashedByScenario, key}, "crashed by the scenario and the c key in msgsim watch",
			"q0.2 at 1.60s held message 9 of producer 0 (crashed by the c key in msgsim watch)", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := scenario()
			res.Crashes = nil
			for i, by := range tt.by {
				res.Crashes = append(res.Crashes, sim.Crash{Consumer: 1 + i, At: time.Duration(1500+100*i) * time.Millisecond, Seq: int64(74_321 - 74_312*i), By: by})
			}
			res.Lost, res.CrashLost = int64(len(tt.by)), int64(len(tt.by))
			v, line := report.Verdict(res), report.WorkloadLine(res)
			if !strings.Contains(v, tt.verdict) || !strings.Contains(line, tt.line) {
				t.Fatalf("verdict %q\nline %q\nwant %q and %q", v, line, tt.verdict, tt.line)
			}
			if tt.absent != "" && (strings.Contains(v, tt.absent) || strings.Contains(line, tt.absent)) {
				t.Fatalf("names %q, which crashed nothing:\n%s\n%s", tt.absent, v, line)
			}
		})
	}
}
