// Package outfile writes msgsim's output files (-o, --save-baseline, the
// profiles, --plot) whole or not at all: a file appears, or replaces the
// one at its path, only once it is complete, so a run that fails or is
// interrupted leaves nothing half-written and no empty file behind. Paths
// that are not regular files (/dev/stdout, /dev/full, a pipe) are written
// in place, since there is nothing to replace atomically.
package outfile

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/google/renameio/v2"
)

// Check reports whether path can be written, without creating it or
// changing it, so a typo in a path fails before a run rather than after.
func Check(path string) error {
	if special(path) {
		f, err := os.OpenFile(path, os.O_WRONLY, 0)
		if err != nil {
			return err
		}
		return f.Close()
	}
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		return &fs.PathError{Op: "write", Path: path, Err: errors.New("is a directory")}
	}
	// The file is written as a temporary file in its directory and renamed
	// over path: both need a writable directory.
	probe, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".msgsim-check-*")
	if err != nil {
		return err
	}
	name := probe.Name()
	probe.Close()
	return os.Remove(name)
}

// Write replaces path with data, atomically when path is (or will be) a
// regular file.
func Write(path string, data []byte) error {
	if special(path) {
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_TRUNC, 0)
		if err != nil {
			return err
		}
		if _, err := f.Write(data); err != nil {
			f.Close()
			return err
		}
		return f.Close()
	}
	return renameio.WriteFile(path, data, 0o644, renameio.WithTempDir(filepath.Dir(path)))
}

// File is an output file being written, such as a profile: it replaces
// path on Commit, and vanishes on Abort.
type File struct {
	*os.File
	pending *renameio.PendingFile
}

// Create starts writing path.
func Create(path string) (*File, error) {
	if special(path) {
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_TRUNC, 0)
		if err != nil {
			return nil, err
		}
		return &File{File: f}, nil
	}
	p, err := renameio.NewPendingFile(path, renameio.WithPermissions(0o644), renameio.WithTempDir(filepath.Dir(path)))
	if err != nil {
		return nil, err
	}
	return &File{File: p.File, pending: p}, nil
}

// Commit puts the written file in place.
func (f *File) Commit() error {
	if f.pending == nil {
		return f.File.Close()
	}
	return f.pending.CloseAtomicallyReplace()
}

// Abort drops the file; path is left as it was.
func (f *File) Abort() {
	if f.pending == nil {
		f.File.Close()
		return
	}
	_ = f.pending.Cleanup()
}

// special reports whether path exists and is not a regular file.
func special(path string) bool {
	st, err := os.Stat(path)
	return err == nil && !st.Mode().IsRegular() && !st.IsDir()
}
