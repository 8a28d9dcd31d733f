package report_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/msgsim/msgsim/report"
)

const goodRun = `{"schema_version":1,"kind":"run","ok":true,
 "config":{"messages":2000,"producers":1,"queues":1,"consumers":1,"dispatch":"fanout","keys":1024,"batch":1,"size":16},
 "runs":[{"throughput_msgs_per_s":1e6,"p50_ns":1000,"p99_ns":5000,"ok":true,"delivered":2000,"elapsed_ns":2000000}]}`

const goodSweep = `{"schema_version":1,"kind":"sweep",
 "config":{"messages":2000,"producers":1,"queues":1,"consumers":2,"dispatch":"fanout","keys":1024,"batch":1,"size":16},
 "vary":[{"param":"consumers","values":[1,2]}],
 "points":[{"values":[1],"runs":[{"throughput_msgs_per_s":1e6,"p50_ns":1000,"p99_ns":5000,"delivered":2000,"elapsed_ns":2000000}]},
           {"values":[2],"runs":[{"throughput_msgs_per_s":2e6,"p50_ns":900,"p99_ns":4000,"delivered":2000,"elapsed_ns":1000000}]}]}`

// A baseline is what a later run must not fall behind, so anything that
// could make that comparison meaningless is refused with a line saying why.
func TestReadBaselineRefuses(t *testing.T) {
	tests := []struct{ name, doc, says string }{
		{"not json", `hello`, "not a msgsim json report"},
		{"trailing garbage", goodRun + `garbage`, "more after the document"},
		{"a second document", goodRun + goodRun, "more after the document"},
		{"no schema version", `{"config":{}}`, "no schema_version"},
		{"another schema version", `{"schema_version":2}`, "schema_version 2, want 1"},
		{"nothing but a version", `{"schema_version":1}`, "has no config"},
		{"an empty config", `{"schema_version":1,"config":{},"ok":true,"runs":[{"throughput_msgs_per_s":1,"p50_ns":1,"p99_ns":1}]}`, "a run has at least one of each"},
		{"no verdict", strings.Replace(goodRun, `"ok":true,`, ``, 1), "has no check verdict"},
		{"a run that lost messages", strings.Replace(goodRun, `"ok":true,`, `"ok":false,"lost":999,`, 1), "999 lost"},
		{"a run that failed otherwise", strings.Replace(goodRun, `"ok":true,`, `"ok":false,`, 1), "failed its own check"},
		{"a repeat that lost messages", strings.Replace(goodRun, `"ok":true,"delivered"`, `"ok":true,"lost":1,"delivered"`, 1), "run 1 failed its own check (1 lost"},
		{"an interrupted run", strings.Replace(goodRun, `"ok":true,`, `"ok":true,"interrupted":true,`, 1), "was interrupted"},
		{"no runs", strings.Replace(goodRun, `"runs":[{"throughput_msgs_per_s":1e6,"p50_ns":1000,"p99_ns":5000,"ok":true,"delivered":2000,"elapsed_ns":2000000}]`, `"runs":[]`, 1), "has no runs"},
		{"ok, yet counts that say otherwise", strings.Replace(goodRun, `"ok":true,`, `"ok":true,"lost":3,`, 1), "3 lost"},
		{"a run that delivered nothing", strings.Replace(goodRun, `"delivered":2000`, `"delivered":0`, 1), "delivered something"},
		{"a run that took no time", strings.Replace(goodRun, `"elapsed_ns":2000000`, `"elapsed_ns":0`, 1), "delivered something"},
		{"ended by a signal", strings.Replace(goodRun, `"ok":true,`, `"ok":true,"ended_by":"interrupted",`, 1), "was interrupted"},
		{"zero throughput", strings.Replace(goodRun, `1e6`, `0`, 1), "throughput 0 msgs/s"},
		{"negative throughput", strings.Replace(goodRun, `1e6`, `-76273649`, 1), "throughput -7.6273649e+07"},
		{"zero latency", strings.Replace(strings.Replace(goodRun, `"p50_ns":1000`, `"p50_ns":0`, 1), `"p99_ns":5000`, `"p99_ns":0`, 1), "0 < p50 ≤ p99"},
		{"p99 below p50", strings.Replace(goodRun, `"p99_ns":5000`, `"p99_ns":10`, 1), "0 < p50 ≤ p99"},
		{"an unknown kind", strings.Replace(goodRun, `"kind":"run"`, `"kind":"plot"`, 1), `kind "plot"`},
		{"a sweep with no points", strings.Replace(goodSweep, `"points":[`, `"points":[],"x":[`, 1), "a sweep with no points"},
		{"a sweep point that lost", strings.Replace(goodSweep, `{"values":[2],`, `{"values":[2],"lost":5,`, 1), "point [2] failed its own check (5 lost"},
		{"a sweep point without runs", strings.Replace(goodSweep, `{"values":[2],"runs":[{"throughput_msgs_per_s":2e6,"p50_ns":900,"p99_ns":4000,"delivered":2000,"elapsed_ns":1000000}]}`, `{"values":[2],"runs":[]}`, 1), "point [2] has no runs"},
		{"an interrupted sweep", strings.Replace(goodSweep, `"kind":"sweep",`, `"kind":"sweep","interrupted":true,`, 1), "was interrupted"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := report.ReadBaseline(strings.NewReader(tt.doc))
			if err == nil || !strings.Contains(err.Error(), tt.says) {
				t.Fatalf("got %v, want an error saying %q", err, tt.says)
			}
		})
	}
}

func TestReadBaselineAccepts(t *testing.T) {
	b, err := report.ReadBaseline(strings.NewReader(goodRun + "\n"))
	if err != nil || b.Kind != "run" || len(b.Samples) != 1 || b.Samples[0].Throughput != 1e6 || b.Config.Queues != 1 {
		t.Fatalf("%+v, %v", b, err)
	}
	s, err := report.ReadBaseline(strings.NewReader(goodSweep))
	if err != nil || s.Kind != "sweep" || len(s.Points) != 2 || s.Axes[0] != "consumers" || s.PointSamples([]float64{2})[0].Throughput != 2e6 || s.PointSamples([]float64{3}) != nil {
		t.Fatalf("%+v, %v", s, err)
	}
	// What msgsim writes reads back: the CI fixture's json, repeats and all.
	var buf bytes.Buffer
	doc := ci()
	doc.Assertions, doc.Baseline = nil, nil
	if err := report.WriteDocument(&buf, doc, report.JSON); err != nil {
		t.Fatal(err)
	}
	if b, err := report.ReadBaseline(&buf); err != nil || len(b.Samples) != 3 {
		t.Fatalf("its own json: %+v, %v", b, err)
	}
}

// Hand-edited files that contradict themselves are no baseline either.
func TestReadBaselineRefusesContradictions(t *testing.T) {
	for name, doc := range map[string]string{
		"a run marked failed":         strings.Replace(goodRun, `"ok":true,"delivered"`, `"ok":false,"delivered"`, 1),
		"messages not sent":           strings.Replace(goodRun, `"ok":true,`, `"ok":true,"not_sent":5,`, 1),
		"fewer runs than planned":     strings.Replace(goodRun, `"ok":true,`, `"ok":true,"runs_planned":3,`, 1),
		"a verdict that did not pass": strings.Replace(goodRun, `"ok":true,`, `"ok":true,"passed":false,`, 1),
		"a split run never judged":    strings.Replace(goodRun, `"ok":true,`, `"ok":true,"unjudged":"no account",`, 1),
	} {
		if _, err := report.ReadBaseline(strings.NewReader(doc)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
