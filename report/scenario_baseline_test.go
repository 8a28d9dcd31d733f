package report_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/msgsim/msgsim/report"
)

const sha = "1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a6b7c8d9e0f1a2b"

// goodScenarioRun is a scenario run's report: messages 0, for the phases
// decided, and the scenario named by its digest.
var goodScenarioRun = strings.Replace(strings.Replace(goodRun, `"messages":2000`, `"messages":0`, 1),
	`"ok":true,`, `"ok":true,"scenario":"smoke.yaml","scenario_name":"smoke","scenario_sha256":"`+sha+`","overrides":["--consumers 3 (file: 1)","--seed 5 (file: 7)"],`, 1)

// A scenario run's messages are 0 (its phases decide), which is no config
// of a run of flags: the reader takes it only from a report that says
// which scenario, and which version of it, ran.
func TestReadBaselineScenario(t *testing.T) {
	b, err := report.ReadBaseline(strings.NewReader(goodScenarioRun))
	if err != nil || b.Scenario == nil || b.Scenario.String() != "smoke@1a2b3c4d" || b.Config.Messages != 0 || len(b.Samples) != 1 {
		t.Fatalf("%+v, %v", b, err)
	}
	if got := strings.Join(b.Scenario.Overrides, ","); got != "--consumers 3" {
		t.Fatalf("overrides %q, want the consumers' alone (the seed is never compared)", got)
	}
	if b, err := report.ReadBaseline(strings.NewReader(goodRun)); err != nil || b.Scenario != nil {
		t.Fatalf("a run of flags: %+v, %v", b, err)
	}
	tests := []struct{ name, doc, says string }{
		{"messages 0 with no scenario", strings.Replace(goodRun, `"messages":2000`, `"messages":0`, 1), "a run has at least one of each"},
		{"a scenario without its digest", strings.Replace(goodScenarioRun, `"scenario_sha256":"`+sha+`"`, `"x":""`, 1), "no scenario_sha256"},
		{"a digest that is none", strings.Replace(goodScenarioRun, sha, "1a2b", 1), "64 hex digits"},
		{"a digest without a name", strings.Replace(goodScenarioRun, `"scenario_name":"smoke"`, `"x":""`, 1), "has a name"},
		{"a scenario run with a message count", strings.Replace(goodScenarioRun, `"messages":0`, `"messages":5`, 1), "config messages 5"},
		{"a scenario run with a duration", strings.Replace(goodScenarioRun, `"messages":0`, `"messages":0,"duration_ns":5`, 1), "duration_ns 5"},
		{"a scenario sweep", strings.Replace(goodScenarioRun, `"kind":"run"`, `"kind":"sweep"`, 1), `kind "sweep"`},
		{"the rest still checked", strings.Replace(goodScenarioRun, `"ok":true,`, `"ok":false,`, 1), "failed its own check"},
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

// What msgsim writes of a scenario run reads back with its identity.
func TestScenarioJSONReadsBack(t *testing.T) {
	doc := ci()
	doc.Assertions, doc.Baseline = nil, nil
	doc.Result.Steered = true
	doc.Scenario, doc.ScenarioName, doc.ScenarioSHA256 = "smoke.yaml", "smoke", sha
	var buf bytes.Buffer
	if err := report.WriteDocument(&buf, doc, report.JSON); err != nil {
		t.Fatal(err)
	}
	b, err := report.ReadBaseline(&buf)
	if err != nil || b.Scenario.String() != "smoke@1a2b3c4d" {
		t.Fatalf("%+v, %v", b, err)
	}
	s, err := report.ReadSaved("s.json", strings.NewReader(goodScenarioRun))
	if err != nil || s.Scenario.String() != "smoke@1a2b3c4d" {
		t.Fatalf("msgsim compare's reader: %+v, %v", s, err)
	}
}
