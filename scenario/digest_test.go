package scenario

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The digest names a version of the file's text: the same lines with other
// line endings (a checkout with core.autocrlf) are the same version, which
// a baseline must still match; any other edit is another version.
func TestLoadDigestIsTheText(t *testing.T) {
	const body = "name: d\n# a comment\nphases:\n  - {name: a, messages: 100}\n"
	dir := t.TempDir()
	load := func(name, text string) string {
		t.Helper()
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		s, err := Load(path)
		if err != nil {
			t.Fatal(err)
		}
		if len(s.SHA256) != 64 {
			t.Fatalf("%s: digest %q", name, s.SHA256)
		}
		return s.SHA256
	}
	lf := load("lf.yaml", body)
	tests := []struct {
		name, text string
		same       bool
	}{
		{"crlf", strings.ReplaceAll(body, "\n", "\r\n"), true},
		{"cr", strings.ReplaceAll(body, "\n", "\r"), true},
		{"edited", strings.Replace(body, "100", "101", 1), false},
		{"another comment", strings.Replace(body, "a comment", "b comment", 1), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := load(tt.name+".yaml", tt.text); (got == lf) != tt.same {
				t.Fatalf("digest %s, LF file's %s; want the same: %v", got, lf, tt.same)
			}
		})
	}
}
