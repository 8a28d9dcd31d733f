package scenario_test

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/msgsim/msgsim/scenario"
)

// FuzzParse checks that no input panics, that every problem is an *Error
// with a position inside the file, and that whatever parses also renders
// a timeline. Seeded with the examples, the test files and fragments that
// once broke it:
//
//	go test ./scenario -run '^$' -fuzz FuzzParse -fuzztime 60s
func FuzzParse(f *testing.F) {
	seeds, _ := filepath.Glob("../examples/*.yaml")
	more, _ := filepath.Glob("testdata/timeline/*.yaml")
	for _, path := range append(seeds, more...) {
		b, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	for _, s := range []string{full, "", "{}", "[]", "phases: *a", "a: &a [*a]", "<<: {<<: {}}", "phases: [{<<: *x}]",
		`{"phases": [{"name": "a", "duration": "1s"}]}`, "phases:\n  - name: a\n    duration: 1s\n---\n", "? [a]\n: b\n",
		"phases: [{name: a, messages: 1, arrival: {pattern: steps, steps: [{at: 0, rate: 1}]}}]",
		"phases: [{name: a, messages: 1T, arrival: {pattern: ramp, from: 1e-300, to: 1e-300}}]",
		"x-a: !!binary aGVsbG8=\nphases: [{name: a, duration: !!str 1s}]"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := scenario.Parse("f.yaml", data)
		if err != nil {
			if s != nil {
				t.Fatal("a scenario with problems")
			}
			// YAML breaks lines at \n, \r\n and a lone \r.
			lines := 1
			for i, c := range data {
				if c == '\n' || c == '\r' && (i+1 == len(data) || data[i+1] != '\n') {
					lines++
				}
			}
			for _, e := range err.(interface{ Unwrap() []error }).Unwrap() {
				var se *scenario.Error
				if !errors.As(e, &se) {
					t.Fatalf("%T: %v", e, e)
				}
				if se.Line < 0 || se.Line > lines || se.Line > 0 && se.Column < 1 {
					t.Fatalf("position %d:%d outside a file of %d lines: %v", se.Line, se.Column, lines, se)
				}
			}
			return
		}
		if len(s.Phases) == 0 {
			t.Fatal("a scenario without phases")
		}
		if err := s.WriteTimeline(io.Discard); err != nil {
			t.Fatal(err)
		}
		_ = s.Config()
		_ = s.PeakConfig()
		for i := range s.Phases {
			s.PlannedMessages(i)
		}
	})
}
