package check_test

import (
	"strings"
	"testing"

	"github.com/msgsim/msgsim/check"
	"github.com/msgsim/msgsim/sim"
)

// A baseline compares only with runs of the same scenario: the same bytes
// of the file, with the same values over it that change what is measured.
func TestScenarioDiff(t *testing.T) {
	const a, b = "1a2b3c4d00000000000000000000000000000000000000000000000000000000", "5e6f7a8b00000000000000000000000000000000000000000000000000000000"
	smoke := check.NewScenarioID("ci-smoke", a, nil)
	tests := []struct {
		name      string
		base, now *check.ScenarioID
		says      string // "" for no difference
	}{
		{"two runs of flags", nil, nil, ""},
		{"the same scenario", smoke, check.NewScenarioID("ci-smoke", a, nil), ""},
		{"the same bytes under another file name", smoke, check.NewScenarioID("copy", a, nil), ""},
		{"a seed, a baseline and a limit are not what is measured", smoke,
			check.NewScenarioID("ci-smoke", a, []string{"--seed 5 (file: 42)", "--baseline b.json (file: a.json)", "--max-regression 5% (from $MSGSIM_MAX_REGRESSION)"}), ""},
		{"the file changed", smoke, check.NewScenarioID("ci-smoke", b, nil), "scenario: baseline ci-smoke@1a2b3c4d, now ci-smoke@5e6f7a8b (the file changed)"},
		{"another scenario", smoke, check.NewScenarioID("burst", b, nil), "(another scenario)"},
		{"a scenario baseline, a run of flags", smoke, nil, "scenario: baseline ci-smoke@1a2b3c4d, now none (not a scenario run)"},
		{"a baseline of flags, a scenario run", nil, smoke, "scenario: baseline none (not a scenario run), now ci-smoke@1a2b3c4d"},
		{"an override of the topology", smoke, check.NewScenarioID("ci-smoke", a, []string{"--consumers 3 (file: 2)"}),
			"scenario overrides: baseline none, now --consumers 3"},
		{"the same override, from the environment", check.NewScenarioID("ci-smoke", a, []string{"--consumers 3 (file: 2)"}),
			check.NewScenarioID("ci-smoke", a, []string{"--consumers 3 (from $MSGSIM_CONSUMERS) (file: 2)"}), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := strings.Join(check.ScenarioDiff(tt.base, tt.now), "; ")
			if tt.says == "" && d != "" || !strings.Contains(d, tt.says) {
				t.Fatalf("got %q, want %q", d, tt.says)
			}
		})
	}
}

// A scenario run's messages are 0 in its report: the phases decide, and
// ConfigDiff says so rather than printing a count nobody planned.
func TestConfigDiffPhasesDecide(t *testing.T) {
	a, b := sim.DefaultConfig(), sim.DefaultConfig()
	a.Messages, b.Messages = 0, 0
	if d := check.ConfigDiff(a, b); len(d) != 0 {
		t.Fatalf("%v", d)
	}
	b.Messages = 1000
	if d := check.ConfigDiff(a, b); len(d) != 1 || d[0] != "messages: baseline as the phases decide, now 1000" {
		t.Fatalf("%v", d)
	}
}
