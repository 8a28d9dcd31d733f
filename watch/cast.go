package watch

import (
	"encoding/json"
	"fmt"
	"io"
	"sync"
	"time"
)

// Cast records what a terminal was sent as an asciinema v2 cast: a header
// line, then one [seconds, "o", text] line per write and [seconds, "r",
// "COLSxROWS"] per resize, so `asciinema play FILE` replays the screen.
// Its writes go on to the terminal too.
type Cast struct {
	mu    sync.Mutex
	term  io.Writer
	rec   io.Writer
	start time.Time
	now   func() time.Time
	err   error // the first failed write of the record
}

// NewCast writes the header to rec and returns a writer that passes
// everything on to term and records it.
func NewCast(term, rec io.Writer, width, height int, now func() time.Time) (*Cast, error) {
	if now == nil {
		now = time.Now
	}
	c := &Cast{term: term, rec: rec, start: now(), now: now}
	head, _ := json.Marshal(map[string]any{"version": 2, "width": width, "height": height, "timestamp": c.start.Unix(),
		"env": map[string]string{"TERM": "xterm-256color"}, "title": "msgsim watch"})
	if _, err := fmt.Fprintf(rec, "%s\n", head); err != nil {
		return nil, err
	}
	return c, nil
}

// Write sends p to the terminal and records it.
func (c *Cast) Write(p []byte) (int, error) {
	c.event("o", string(p))
	return c.term.Write(p)
}

// Resize records the terminal's new size.
func (c *Cast) Resize(width, height int) { c.event("r", fmt.Sprintf("%dx%d", width, height)) }

func (c *Cast) event(kind, data string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err != nil {
		return
	}
	line, _ := json.Marshal([]any{float64(c.now().Sub(c.start).Microseconds()) / 1e6, kind, data})
	_, c.err = fmt.Fprintf(c.rec, "%s\n", line)
}

// Err is the first error writing the record, if any.
func (c *Cast) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err
}

// Fd, Read and Close let a Cast over a terminal pass for that terminal
// (bubbletea looks for a file): the view still learns the terminal's size,
// redraws on resize and clears what it overwrites.
func (c *Cast) Fd() uintptr {
	if f, ok := c.term.(interface{ Fd() uintptr }); ok {
		return f.Fd()
	}
	return ^uintptr(0) // no terminal
}

// Read reads from the terminal, if it can be read.
func (c *Cast) Read(p []byte) (int, error) {
	if r, ok := c.term.(io.Reader); ok {
		return r.Read(p)
	}
	return 0, io.EOF
}

// Close leaves the terminal open: it is not the Cast's.
func (c *Cast) Close() error { return nil }
