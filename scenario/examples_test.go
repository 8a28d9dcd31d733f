package scenario_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/goccy/go-yaml"
	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/msgsim/msgsim/scenario"
)

// Every example parses without a problem, points editors at the schema,
// and is short enough for CI.
func TestExamplesParse(t *testing.T) {
	files, _ := filepath.Glob("../examples/*.yaml")
	if len(files) < 8 {
		t.Fatalf("%d examples, want the 8 of docs/scenarios.md", len(files))
	}
	for _, f := range files {
		s, err := scenario.Load(f)
		if err != nil {
			t.Errorf("%v", err)
			continue
		}
		b, _ := os.ReadFile(f)
		if !bytes.HasPrefix(b, []byte("# yaml-language-server: $schema=../scenario/schema.json\n")) {
			t.Errorf("%s: the first line does not point editors at the schema", f)
		}
		if l, _ := s.Length(); l > 10e9 {
			t.Errorf("%s: planned length %s; an example runs in CI in seconds", f, l)
		}
	}
}

func compileSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(scenario.Schema()))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	if err := c.AddResource("schema.json", doc); err != nil {
		t.Fatal(err)
	}
	sch, err := c.Compile("schema.json")
	if err != nil {
		t.Fatal(err)
	}
	return sch
}

// asJSON reads YAML as an editor's schema validator would: plain values.
func asJSON(t *testing.T, src []byte) any {
	t.Helper()
	j, err := yaml.YAMLToJSON(src)
	if err != nil {
		t.Fatal(err)
	}
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(j))
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// The schema in the repository accepts every file Parse accepts here (the
// examples, the golden inputs, the test with every key), and refuses what
// it can see is wrong, as Parse does.
func TestSchemaAgreesWithParse(t *testing.T) {
	sch := compileSchema(t)
	files, _ := filepath.Glob("../examples/*.yaml")
	more, _ := filepath.Glob("testdata/timeline/*.yaml")
	good := map[string][]byte{"full": []byte(full)}
	for _, f := range append(files, more...) {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		good[f] = b
	}
	for name, b := range good {
		if _, err := scenario.Parse(name, b); err != nil {
			t.Errorf("%s: %v", name, err)
		}
		if err := sch.Validate(asJSON(t, b)); err != nil {
			t.Errorf("%s: the schema refuses what Parse accepts: %v", name, err)
		}
	}
	for _, bad := range []string{
		"phases: [{name: a, duraton: 1s}]",
		"phases: [{name: a, duration: 1s, messages: 5}]",
		"phases: [{name: a}]",
		"phases: []",
		"topology: {queues: three}\nphases: [{name: a, duration: 1s}]",
		"phases: [{name: a, duration: 5}]",
		"phases: [{name: a, duration: 1s, arrival: {pattern: ramp, to: 1k}}]",
		"phases: [{name: a, duration: 1s, arrival: {pattern: closed, rate: 1k}}]",
		"phases: [{name: a, duration: 1s, arrival: {pattern: constant, rate: -1}}]",
		"phases: [{name: a, duration: 1s, faults: [{at: 1s, kind: slow, queue: 0, consumer: 0}]}]",
		"phases: [{name: a, duration: 1s, faults: [{at: 0s, kind: crash, queue: 0, consumer: 0, for: 1s}]}]",
		"phases: [{name: 9a, duration: 1s}]",
		"payload: {dist: uniform, size: 5}\nphases: [{name: a, duration: 1s}]",
		"payload: {dist: lognormal, size: 5}\nphases: [{name: a, duration: 1s}]",
		"transport: kafka\nphases: [{name: a, duration: 1s}]",
	} {
		if _, err := scenario.Parse("bad.yaml", []byte(bad)); err == nil {
			t.Errorf("Parse accepts %q", bad)
		}
		if sch.Validate(asJSON(t, []byte(bad))) == nil {
			t.Errorf("the schema accepts %q", strings.ReplaceAll(bad, "\n", `\n`))
		}
	}
}
