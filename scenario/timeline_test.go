package scenario_test

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/msgsim/msgsim/scenario"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/timeline")

// WriteTimeline is golden-tested on files that use every part of the
// format, and on every example, so a change to what --dry-run prints is
// reviewed as a diff:
//
//	go test ./scenario -run TestTimeline -update
func TestTimeline(t *testing.T) {
	inputs, _ := filepath.Glob("testdata/timeline/*.yaml")
	examples, _ := filepath.Glob("../examples/*.yaml")
	if len(inputs) == 0 || len(examples) == 0 {
		t.Fatal("no inputs")
	}
	for _, in := range append(inputs, examples...) {
		golden := strings.TrimSuffix(in, ".yaml") + ".golden"
		if strings.HasPrefix(in, "../examples/") {
			golden = filepath.Join("testdata/timeline", "example-"+strings.TrimSuffix(filepath.Base(in), ".yaml")+".golden")
		}
		t.Run(filepath.Base(in), func(t *testing.T) {
			s, err := scenario.Load(in)
			if err != nil {
				t.Fatal(err)
			}
			var buf bytes.Buffer
			if err := s.WriteTimeline(&buf); err != nil {
				t.Fatal(err)
			}
			if *update {
				if err := os.WriteFile(golden, buf.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatal(err)
			}
			if buf.String() != string(want) {
				t.Errorf("%s differs from %s (go test ./scenario -run TestTimeline -update, then review the diff):\n%s", in, golden, buf.String())
			}
		})
	}
}
