package report_test

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/msgsim/msgsim/report"
)

// An interrupted invocation judges no assertion and no baseline metric:
// every format shows what was measured, and none says held, failed,
// regressed or ok of a comparison that was not made. ci() has an
// assertion that fails, some that hold and a throughput regression.
func TestInterruptedJudgesNoAssertionOrBaseline(t *testing.T) {
	doc := ci()
	doc.Interrupted = true
	doc.Judged, doc.Problems = true, []string{"interrupted; the report is partial"} // as invoke stamps it
	for _, f := range []report.Format{report.Table, report.Markdown, report.HTML} {
		t.Run(string(f), func(t *testing.T) {
			var buf bytes.Buffer
			if err := report.WriteDocument(&buf, doc, f); err != nil {
				t.Fatal(err)
			}
			out := buf.String()
			if f == report.HTML { // the page's own json is checked below
				out, _, _ = strings.Cut(out, `<script type="application/json"`)
			}
			for _, verdict := range []string{"REGRESSED", "FAIL", "better", "no significant change", "assertions passed"} {
				if strings.Contains(out, verdict) {
					t.Errorf("an interrupted report says %q:\n%s", verdict, out)
				}
			}
			if !strings.Contains(out, "baseline testdata/baseline.json (max regression 10%; not judged: the invocation was interrupted)") {
				t.Errorf("the baseline table does not say it was not judged:\n%s", out)
			}
		})
	}
	t.Run("json", func(t *testing.T) {
		var buf bytes.Buffer
		if err := report.WriteDocument(&buf, doc, report.JSON); err != nil {
			t.Fatal(err)
		}
		checkNothingJudged(t, buf.Bytes())
	})
	t.Run("csv", func(t *testing.T) {
		var buf bytes.Buffer
		if err := report.WriteDocument(&buf, doc, report.CSV); err != nil {
			t.Fatal(err)
		}
		_, rest, _ := strings.Cut(buf.String(), "assertion,metric,op,want,actual,unit,ok,no_samples\n")
		for _, line := range strings.Split(strings.TrimSpace(rest), "\n") {
			if strings.Contains(line, ",true,") {
				t.Errorf("an interrupted csv says an assertion held or a metric regressed: %q", line)
			}
		}
	})
	t.Run("sweep json", func(t *testing.T) {
		res := fixedSweep()
		res.Points = res.Points[:1]
		res.Points[0].Assertions, res.Points[0].Baseline, res.Points[0].Interrupted = doc.Assertions, doc.Baseline, true
		res.Interrupted = true
		var buf bytes.Buffer
		if err := report.WriteSweep(&buf, res, report.JSON, 0); err != nil {
			t.Fatal(err)
		}
		var sw struct{ Points []json.RawMessage }
		if err := json.Unmarshal(buf.Bytes(), &sw); err != nil || len(sw.Points) != 1 {
			t.Fatalf("%v: %s", err, buf.Bytes())
		}
		checkNothingJudged(t, sw.Points[0])
	})
}

// checkNothingJudged fails unless every assertion's ok and every
// baseline regressed is false in a json report or sweep point.
func checkNothingJudged(t *testing.T, data []byte) {
	t.Helper()
	var doc struct {
		Assertions []struct {
			Expr string
			OK   bool
		}
		Baseline struct {
			Regressed bool
			Metrics   []struct {
				Metric    string
				Regressed bool
			}
		}
	}
	if err := json.Unmarshal(data, &doc); err != nil || len(doc.Assertions) == 0 || len(doc.Baseline.Metrics) == 0 {
		t.Fatalf("%v: %s", err, data)
	}
	for _, a := range doc.Assertions {
		if a.OK {
			t.Errorf("assertion %s: ok, yet it was not judged", a.Expr)
		}
	}
	if doc.Baseline.Regressed {
		t.Error("baseline: regressed, yet it was not judged")
	}
	for _, m := range doc.Baseline.Metrics {
		if m.Regressed {
			t.Errorf("baseline %s: regressed, yet it was not judged", m.Metric)
		}
	}
}
