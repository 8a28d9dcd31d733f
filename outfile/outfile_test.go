package outfile_test

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"syscall"
	"testing"

	"github.com/msgsim/msgsim/outfile"
)

func read(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestWriteReplacesWhole(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "report.json")
	if err := outfile.Write(path, []byte("first")); err != nil {
		t.Fatal(err)
	}
	if err := outfile.Write(path, []byte("second")); err != nil || read(t, path) != "second" {
		t.Fatalf("%v, %q", err, read(t, path))
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Fatalf("left temporary files behind: %v", entries)
	}
}

// Check creates nothing: a command refused after its paths were checked
// leaves no empty file.
func TestCheckCreatesNothing(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name string
		path string
		ok   bool
	}{
		{"a new file", filepath.Join(dir, "new.json"), true},
		{"a missing directory", filepath.Join(dir, "no", "such", "f"), false},
		{"a directory", dir, false},
	}
	for _, tt := range tests {
		if err := outfile.Check(tt.path); (err == nil) != tt.ok {
			t.Errorf("%s: %v", tt.name, err)
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Fatalf("Check created %v", entries)
	}
}

// An aborted file leaves what was at the path untouched; a committed one
// replaces it.
func TestCreateCommitAbort(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "cpu.out")
	if err := os.WriteFile(path, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := outfile.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString("half"); err != nil {
		t.Fatal(err)
	}
	f.Abort()
	if got := read(t, path); got != "old" {
		t.Fatalf("aborted: %q", got)
	}
	f, err = outfile.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString("new"); err != nil {
		t.Fatal(err)
	}
	if err := f.Commit(); err != nil || read(t, path) != "new" {
		t.Fatalf("committed: %v, %q", err, read(t, path))
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Fatalf("left temporary files behind: %v", entries)
	}
}

// Paths that are not regular files are written in place, never replaced.
func TestSpecialFilesAreWrittenInPlace(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("needs /dev/full")
	}
	if err := outfile.Check("/dev/null"); err != nil {
		t.Fatal(err)
	}
	if err := outfile.Write("/dev/null", []byte("x")); err != nil {
		t.Fatal(err)
	}
	if err := outfile.Write("/dev/full", []byte("x")); err == nil || !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("/dev/full: %v", err)
	}
	if st, err := os.Stat("/dev/full"); err != nil || st.Mode().IsRegular() {
		t.Fatalf("/dev/full was replaced: %v %v", st.Mode(), err)
	}
}
