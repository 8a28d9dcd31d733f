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

// A symbolic link is written through: its target gets the data, the link
// stays a link. A link into /dev (as /dev/stdout is) is written in place.
func TestSymlinksAreWrittenThrough(t *testing.T) {
	dir := t.TempDir()
	real, link, dangling := filepath.Join(dir, "real.json"), filepath.Join(dir, "link.json"), filepath.Join(dir, "dangling.json")
	if err := os.WriteFile(real, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("real.json", link); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("made.json", dangling); err != nil {
		t.Fatal(err)
	}
	if err := outfile.Check(link); err != nil {
		t.Fatal(err)
	}
	if err := outfile.Write(link, []byte("new")); err != nil {
		t.Fatal(err)
	}
	if st, err := os.Lstat(link); err != nil || st.Mode()&os.ModeSymlink == 0 || read(t, real) != "new" {
		t.Fatalf("the link was replaced, or its target not written: %v, %q", err, read(t, real))
	}
	if err := outfile.Write(dangling, []byte("made")); err != nil || read(t, filepath.Join(dir, "made.json")) != "made" {
		t.Fatalf("a dangling link must create what it names: %v", err)
	}
	if runtime.GOOS == "linux" {
		devnull := filepath.Join(dir, "null")
		if err := os.Symlink("/dev/null", devnull); err != nil {
			t.Fatal(err)
		}
		if err := outfile.Write(devnull, []byte("x")); err != nil {
			t.Fatal(err)
		}
		if st, err := os.Lstat(devnull); err != nil || st.Mode()&os.ModeSymlink == 0 {
			t.Fatalf("a link into /dev was replaced: %v", err)
		}
	}
}

// Checking a pipe must not wait for a reader.
func TestCheckDoesNotOpenAPipe(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "fifo")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Skip(err)
	}
	if err := outfile.Check(fifo); err != nil { // a hang here is the failure
		t.Fatal(err)
	}
}

func TestAbortAllDropsPendingFiles(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"cpu.out", "trace.out"} {
		f, err := outfile.Create(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.WriteString("partial"); err != nil {
			t.Fatal(err)
		}
	}
	outfile.AbortAll()
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Fatalf("left %v behind", entries)
	}
}
