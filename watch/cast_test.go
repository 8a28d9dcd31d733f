package watch

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// A cast is asciinema v2: a header object, then [seconds, kind, data]
// events; what is written reaches the terminal too.
func TestCastRecordsWhatTheTerminalGot(t *testing.T) {
	var screen, rec bytes.Buffer
	now := time.Unix(1_700_000_000, 0)
	clock := func() time.Time { return now }
	c, err := NewCast(&screen, &rec, 100, 30, clock)
	if err != nil {
		t.Fatal(err)
	}
	now = now.Add(1500 * time.Millisecond)
	if _, err := c.Write([]byte("\x1b[2Jq0 │██│")); err != nil {
		t.Fatal(err)
	}
	now = now.Add(time.Second)
	c.Resize(80, 24)
	if screen.String() != "\x1b[2Jq0 │██│" {
		t.Fatalf("the terminal got %q", screen.String())
	}
	lines := strings.Split(strings.TrimSpace(rec.String()), "\n")
	if len(lines) != 3 {
		t.Fatalf("want a header and two events, got:\n%s", rec.String())
	}
	var head map[string]any
	if err := json.Unmarshal([]byte(lines[0]), &head); err != nil || head["version"] != 2.0 || head["width"] != 100.0 || head["height"] != 30.0 {
		t.Fatalf("header %s (%v)", lines[0], err)
	}
	want := []string{`[1.5,"o","\u001b[2Jq0 │██│"]`, `[2.5,"r","80x24"]`}
	for i, w := range want {
		if lines[i+1] != w {
			t.Errorf("event %d: %s, want %s", i, lines[i+1], w)
		}
	}
	if c.Fd() != ^uintptr(0) {
		t.Error("a cast over a buffer must not pass for a terminal")
	}
}
