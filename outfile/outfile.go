// Package outfile writes msgsim's output files (-o, --save-baseline, the
// profiles, --plot) whole or not at all: a file appears, or replaces the
// one at its path, only once it is complete, so a run that fails or is
// interrupted leaves nothing half-written and no empty file behind.
//
// A symbolic link is written through, never replaced. Paths that are not
// regular files (/dev/stdout, /dev/full, a pipe), and links into /dev or
// /proc, are written in place, since there is nothing to replace
// atomically there.
package outfile

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/google/renameio/v2"
)

// target says where writing path really goes: the file to replace
// atomically, or (inPlace) a path to open and write as it is.
func target(path string) (dest string, inPlace bool, err error) {
	fi, err := os.Lstat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return path, false, nil
	}
	if err != nil {
		return "", false, err
	}
	if fi.Mode()&fs.ModeSymlink == 0 {
		return path, !fi.Mode().IsRegular() && !fi.IsDir(), nil
	}
	link, err := os.Readlink(path)
	if err != nil {
		return "", false, err
	}
	if strings.HasPrefix(link, "/proc/") || strings.HasPrefix(link, "/dev/") {
		return path, true, nil // /dev/stdout and its kin name a descriptor, not a file
	}
	st, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) { // a dangling link: create what it names
		if !filepath.IsAbs(link) {
			link = filepath.Join(filepath.Dir(path), link)
		}
		return target(link)
	}
	if err != nil {
		return "", false, err
	}
	if !st.Mode().IsRegular() {
		return path, !st.IsDir(), nil
	}
	real, err := filepath.EvalSymlinks(path)
	if err != nil {
		return "", false, err
	}
	return real, false, nil
}

// Check reports whether path can be written, without creating it or
// changing it, so a typo in a path fails before a run rather than after.
// It never opens a pipe (that would wait for a reader).
func Check(path string) error {
	dest, inPlace, err := target(path)
	if err != nil {
		return err
	}
	if st, err := os.Stat(dest); err == nil && st.IsDir() {
		return &fs.PathError{Op: "write", Path: path, Err: errors.New("is a directory")}
	}
	if inPlace {
		if st, err := os.Stat(dest); err == nil && st.Mode()&fs.ModeNamedPipe != 0 {
			return nil
		}
		f, err := os.OpenFile(dest, os.O_WRONLY, 0)
		if err != nil {
			return err
		}
		return f.Close()
	}
	// The file is written as a temporary file in its directory and renamed
	// over its path: both need a writable directory.
	probe, err := os.CreateTemp(filepath.Dir(dest), "."+filepath.Base(dest)+".msgsim-check-*")
	if err != nil {
		return err
	}
	name := probe.Name()
	probe.Close()
	return os.Remove(name)
}

// Write replaces path with data, atomically when path is (or will be) a
// regular file. Like Create's, its temporary file is dropped by AbortAll.
func Write(path string, data []byte) error {
	f, err := Create(path)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Abort()
		return err
	}
	return f.Commit()
}

// std says whether path is this process's own stdout or stderr (as
// /dev/stdout is): those are written through the descriptor msgsim
// already holds, so a shell's >> keeps appending and a pipe stays a pipe.
func std(path string) *os.File {
	st, err := os.Stat(path)
	if err != nil {
		return nil
	}
	for _, f := range []*os.File{os.Stdout, os.Stderr} {
		if fs, err := f.Stat(); err == nil && os.SameFile(st, fs) {
			return f
		}
	}
	return nil
}

// File is an output file being written, such as a profile: it replaces
// its path on Commit, and vanishes on Abort.
type File struct {
	*os.File
	pending *renameio.PendingFile
	shared  bool // os.Stdout or os.Stderr: written, never closed
}

// open lists the files being written, so AbortAll can drop them when
// msgsim exits at once on a second signal.
var open = struct {
	sync.Mutex
	files map[*File]bool
}{files: map[*File]bool{}}

// Create starts writing path.
func Create(path string) (*File, error) {
	dest, inPlace, err := target(path)
	if err != nil {
		return nil, err
	}
	f := &File{}
	if inPlace {
		if f.File = std(path); f.File != nil {
			f.shared = true
			return f, nil
		}
		flags := os.O_WRONLY
		if st, err := os.Stat(dest); err == nil && st.Mode().IsRegular() {
			flags |= os.O_TRUNC // a file reached through a descriptor's link
		}
		if f.File, err = os.OpenFile(dest, flags, 0); err != nil {
			return nil, err
		}
	} else {
		p, err := renameio.NewPendingFile(dest, renameio.WithPermissions(0o644), renameio.WithTempDir(filepath.Dir(dest)))
		if err != nil {
			return nil, err
		}
		f.File, f.pending = p.File, p
	}
	open.Lock()
	open.files[f] = true
	open.Unlock()
	return f, nil
}

func (f *File) forget() {
	open.Lock()
	delete(open.files, f)
	open.Unlock()
}

// Commit puts the written file in place.
func (f *File) Commit() error {
	defer f.forget()
	switch {
	case f.shared:
		return nil
	case f.pending == nil:
		return f.File.Close()
	}
	return f.pending.CloseAtomicallyReplace()
}

// Abort drops the file; its path is left as it was.
func (f *File) Abort() {
	defer f.forget()
	switch {
	case f.shared:
	case f.pending == nil:
		f.File.Close()
	default:
		_ = f.pending.Cleanup()
	}
}

// IsPipe reports whether path is a named pipe (or a link to one): fine
// for a report, which waits for its reader, but no place for a profile.
func IsPipe(path string) bool {
	st, err := os.Stat(path)
	return err == nil && st.Mode()&fs.ModeNamedPipe != 0
}

// Same reports whether two paths name one output: the same existing file
// (through links, directories' links, or a descriptor such as
// /dev/stdout), or the same new file once links are followed.
// /dev/null is never one output: anything may go there at once.
func Same(a, b string) bool {
	if isNull(a) || isNull(b) {
		return false
	}
	sa, ea := os.Stat(a)
	sb, eb := os.Stat(b)
	if ea == nil && eb == nil {
		return os.SameFile(sa, sb)
	}
	return resolved(a) == resolved(b)
}

func isNull(path string) bool {
	st, err := os.Stat(path)
	dn, derr := os.Stat(os.DevNull)
	return err == nil && derr == nil && os.SameFile(st, dn)
}

// resolved is where a path that does not exist yet would be created:
// links followed, its directory's too.
func resolved(path string) string {
	if dest, _, err := target(path); err == nil {
		path = dest
	}
	dir, base := filepath.Split(path)
	if real, err := filepath.EvalSymlinks(filepath.Clean(dir + ".")); err == nil {
		dir = real
	}
	if abs, err := filepath.Abs(filepath.Join(dir, base)); err == nil {
		return abs
	}
	return path
}

// AbortAll drops every file still being written: for an exit that cannot
// wait for them to finish.
func AbortAll() {
	open.Lock()
	files := make([]*File, 0, len(open.files))
	for f := range open.files {
		files = append(files, f)
	}
	open.Unlock()
	for _, f := range files {
		f.Abort()
	}
}
