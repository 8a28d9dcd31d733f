package plot

import (
	"io"

	"github.com/msgsim/msgsim/outfile"
)

// writeTo writes the picture whole or not at all: a sweep that fails to
// draw leaves no half-written file behind.
func writeTo(path string, w io.WriterTo) error {
	f, err := outfile.Create(path)
	if err != nil {
		return err
	}
	if _, err := w.WriteTo(f); err != nil {
		f.Abort()
		return err
	}
	return f.Commit()
}
