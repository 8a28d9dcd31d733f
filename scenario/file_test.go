package scenario_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/msgsim/msgsim/scenario"
)

// Problems with the file as a whole: what is not YAML at all, what is too
// much of it, and JSON, which goccy/go-yaml reads as YAML with positions.
func TestParseReportsBrokenFilesWhereTheyBreak(t *testing.T) {
	deep := strings.Repeat("[", 100) + strings.Repeat("]", 100)
	// Phases that merge one template whose faults are a thousand aliases
	// of one fault: a small file that names a great many values.
	bomb := "x-f: &f {at: 0s, kind: crash, queue: 0, consumer: 0}\nx-fs: &fs [" +
		strings.Repeat("*f, ", 999) + "*f]\nx-p: &p {duration: 1s, faults: *fs}\nphases:\n"
	for i := range 200 {
		bomb += fmt.Sprintf("  - {<<: *p, name: p%d}\n", i)
	}
	tests := []struct{ name, file, want string }{
		{"an empty file", "", `t.yaml:1:1: the file is empty (want a scenario: name, topology, phases, …; see docs/scenarios.md)`},
		{"a file of comments", "# nothing here\n", `t.yaml:1:1: the file is empty (want a scenario: name, topology, phases, …; see docs/scenarios.md)`},
		{"an unclosed bracket", "phases: [1, 2\n", `t.yaml:1:9: not valid YAML or JSON: sequence end token ']' not found`},
		{"a key given twice", "name: a\nname: b\n", `t.yaml:2:1: not valid YAML or JSON: key "name" is given twice (first at line 1, column 1)`},
		{"a tab for indentation", "phases:\n\t- name: a\n", `t.yaml:2:1: not valid YAML or JSON: a tab: YAML indents with spaces only`},
		{"an unclosed quote", "name: \"abc\n", `t.yaml:1:7: not valid YAML or JSON: could not find end character of double-quoted text`},
		{"two documents", "phases: [{name: a, duration: 1s}]\n---\nphases: []\n", `t.yaml:3:1: a second document: a scenario file holds one (remove the --- before it, or split the file)`},
		{"a list at the top", "- 1\n- 2\n", `t.yaml:1:1: the file: got a list, not a mapping (want a scenario: name, topology, payload, phases, …)`},
		{"an alias to nothing", "phases: *nope\n", `t.yaml:1:9: alias *nope names no anchor &nope before it`},
		{"a binary file", "phases: []\n\x00\x01", `t.yaml:2:1: the file has a NUL byte: it is binary, not YAML or JSON`},
		{"a file over the size limit", "name: " + strings.Repeat("a", scenario.MaxFileSize), `t.yaml:1:1: the file has 1,048,582 bytes; a scenario has at most 1,048,576 (is it the right file?)`},
		{"brackets nested absurdly deep", "phases: " + deep, `t.yaml:1:1: brackets nest 100 deep; a scenario needs at most 64`},
		{"JSON, with positions", `{"phases": [{"name": "a", "duration": "1s", "arival": {}}],
 "topology": {"queues": "three"}}`, `t.yaml:1:45: unknown key "arival" in phases[0] (did you mean arrival?)
t.yaml:2:25: topology.queues: "three" is not a number (want a whole number from 1 to 1,000,000, such as 100, 10k or 1e6)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := scenario.Parse("t.yaml", []byte(tt.file))
			if err == nil || err.Error() != tt.want {
				t.Errorf("got\n%v\nwant\n%s", err, tt.want)
			}
		})
	}
}

// A file that expands through aliases past what any scenario needs is cut
// short, and one file's problems are capped: the first ones are the news.
func TestParseBoundsWhatAFileCosts(t *testing.T) {
	many := "phases:\n"
	for i := range 100 {
		many += fmt.Sprintf("  - {name: p%d, duration: -1s}\n", i)
	}
	_, err := scenario.Parse("t.yaml", []byte(many))
	lines := strings.Split(fmt.Sprint(err), "\n")
	if len(lines) != 51 || lines[49] != "t.yaml:51:27: phases[49].duration: -1s is negative (want a duration such as 500ms, 5s or 1m30s)" ||
		lines[50] != "t.yaml: more problems follow; these are the first 50" {
		t.Fatalf("%d lines, ending %q", len(lines), lines[len(lines)-2:])
	}
	bomb := "x-f: &f {at: 0s, kind: crash, queue: 0, consumer: 0}\nx-fs: &fs [" +
		strings.Repeat("*f, ", 999) + "*f]\nx-p: &p {duration: 1s, faults: *fs}\nphases:\n"
	for i := range 200 {
		bomb += fmt.Sprintf("  - {<<: *p, name: p%d}\n", i)
	}
	_, err = scenario.Parse("t.yaml", []byte(bomb))
	if !strings.Contains(fmt.Sprint(err), "t.yaml:1:10: the file expands to more than 100,000 values (through aliases?); a scenario needs far fewer") {
		t.Fatalf("%v", err)
	}
}

// Each problem is an *Error with its position, in file order, so a caller
// (the validate command, an editor) can take them apart.
func TestParseReturnsErrorValuesInFileOrder(t *testing.T) {
	_, err := scenario.Parse("t.yaml", []byte("phases:\n  - {name: a, duration: -1s}\ntopology: {queues: 0}\n"))
	var lines []int
	for _, e := range err.(interface{ Unwrap() []error }).Unwrap() {
		var se *scenario.Error
		if !errors.As(e, &se) {
			t.Fatalf("%T is not a *scenario.Error", e)
		}
		lines = append(lines, se.Line)
	}
	if len(lines) != 2 || lines[0] != 2 || lines[1] != 3 {
		t.Fatalf("lines %v, want [2 3]", lines)
	}
}

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "s.yaml")
	body := "phases: [{name: a, duration: 1s}]\nbaseline: base.json\nmax_regression: 5%\n"
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := scenario.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	// A baseline beside the file is found wherever msgsim is started.
	if s.Baseline != filepath.Join(dir, "base.json") || s.Name != "s" || s.MaxRegression != "5%" {
		t.Errorf("baseline %q, name %q, max regression %q", s.Baseline, s.Name, s.MaxRegression)
	}
	_, err = scenario.Load(filepath.Join(dir, "missing.yaml"))
	var se *scenario.Error
	if !errors.As(err, &se) || err.Error() != filepath.Join(dir, "missing.yaml")+": no such file or directory" {
		t.Errorf("missing file: %v", err)
	}
	big := filepath.Join(dir, "big.yaml")
	if err := os.WriteFile(big, make([]byte, 3*scenario.MaxFileSize), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := scenario.Load(big); err == nil || !strings.Contains(err.Error(), "big.yaml:1:1: the file has 1,048,577 bytes") {
		t.Errorf("a big file is read no further than the limit: %v", err)
	}
}
