package report

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"golang.org/x/perf/benchfmt"

	"github.com/msgsim/msgsim/check"
	"github.com/msgsim/msgsim/sim"
	"github.com/msgsim/msgsim/sweep"
)

// Saved is a report read back for msgsim compare: its runs' samples in
// named groups (a run's json is one group, a sweep's a group per point, a
// gobench file a group per benchmark name), in the order they came.
type Saved struct {
	File   string
	Groups []SavedGroup
	// Config is what a json report measured (a sweep's base config); nil
	// for a gobench file, whose names say it.
	Config *sim.Config
	// What the file is: "a run", "a sweep of consumers", "a gobench file".
	Kind string
	// Scenario is the scenario a json report's run followed; nil for a run
	// of flags, a sweep or a gobench file.
	Scenario *check.ScenarioID
}

// SavedGroup is one configuration's runs.
type SavedGroup struct {
	Name    string
	Samples []check.Sample
}

// ReadSaved reads a json report of a run or a sweep (refused as
// --baseline refuses it: a failed or interrupted run is no sample), or a
// gobench file (its msgs/s, p50-ns and p99-ns per line). It reads as it
// goes, so a file that is neither (a device, a log with no end) is refused
// after its first line, not read into memory whole.
func ReadSaved(file string, r io.Reader) (Saved, error) {
	s := Saved{File: file}
	br := bufio.NewReader(r)
	for { // a json report starts with '{' after any blank space
		c, err := br.ReadByte()
		if err != nil {
			break // empty, or unreadable: the gobench reader says which
		}
		if c == ' ' || c == '\t' || c == '\n' || c == '\r' {
			continue
		}
		br.UnreadByte()
		break
	}
	if first, err := br.Peek(1); err == nil && first[0] == '{' {
		b, err := ReadBaseline(br)
		if err != nil {
			return s, err
		}
		s.Config, s.Kind, s.Scenario = &b.Config, "a run", b.Scenario
		if b.Kind == "run" {
			s.Groups = []SavedGroup{{Name: "run", Samples: b.Samples}}
			return s, nil
		}
		s.Kind = "a sweep of " + strings.Join(b.Axes, " × ")
		for _, p := range b.Points {
			parts := make([]string, len(b.Axes))
			for i, a := range b.Axes {
				parts[i] = a + "=" + sweep.FormatValue(a, p.Values[i])
			}
			s.Groups = append(s.Groups, SavedGroup{Name: strings.Join(parts, " "), Samples: p.Samples})
		}
		return s, nil
	}
	s.Kind = "a gobench file"
	rd := benchfmt.NewReader(br, file)
	index := map[string]int{}
	for rd.Scan() {
		switch r := rd.Result().(type) {
		case *benchfmt.SyntaxError:
			return s, r
		case *benchfmt.Result:
			tp, ok1 := benchValue(r, "msgs/s")
			p50, ok2 := benchValue(r, "p50-ns")
			p99, ok3 := benchValue(r, "p99-ns")
			if !ok1 || !ok2 || !ok3 {
				continue // not a line of msgsim's: benchstat's business
			}
			name := string(r.Name.Full())
			i, seen := index[name]
			if !seen {
				i, index[name] = len(s.Groups), len(s.Groups)
				s.Groups = append(s.Groups, SavedGroup{Name: name})
			}
			s.Groups[i].Samples = append(s.Groups[i].Samples, check.Sample{Throughput: tp, P50: p50, P99: p99})
		}
	}
	if err := rd.Err(); errors.Is(err, bufio.ErrTooLong) {
		return s, errors.New("is neither a msgsim json report nor a gobench file: it has a line longer than 64 KiB")
	} else if err != nil {
		return s, err
	}
	if len(s.Groups) == 0 {
		return s, errors.New("is neither a msgsim json report nor a gobench file with msgs/s, p50-ns and p99-ns")
	}
	return s, nil
}

// benchValue is a result's value in the unit msgsim wrote it in (the
// reader tidies -ns units into seconds).
func benchValue(r *benchfmt.Result, unit string) (float64, bool) {
	for _, v := range r.Values {
		if v.OrigUnit == unit {
			return v.OrigValue, true
		}
		if v.Unit == unit && v.OrigUnit == "" {
			return v.Value, true
		}
	}
	return 0, false
}

// Compared is one group of a new report set against the old one's.
type Compared struct {
	Name       string
	Comparison check.Comparison
}

// CompareSaved sets each group of cur against old's group of the same
// name, as benchstat does; groups only one side has are named in missing.
// A name is a config (a sweep's point, a benchmark's topology), so groups
// of other names are compared only with anyConfig, and only one against
// one (each file a single group).
func CompareSaved(old, cur Saved, maxRegression float64, anyConfig bool) (out []Compared, missing []string) {
	single := anyConfig && len(old.Groups) == 1 && len(cur.Groups) == 1
	for _, g := range cur.Groups {
		var base *SavedGroup
		for i := range old.Groups {
			if old.Groups[i].Name == g.Name || single {
				base = &old.Groups[i]
				break
			}
		}
		if base == nil {
			missing = append(missing, fmt.Sprintf("%s: only in %s", g.Name, cur.File))
			continue
		}
		c := check.Compare(old.File, base.Samples, g.Samples, maxRegression)
		c.File = old.File + " → " + cur.File
		out = append(out, Compared{Name: g.Name, Comparison: c})
	}
	for _, g := range old.Groups {
		found := single
		for _, h := range cur.Groups {
			found = found || h.Name == g.Name
		}
		if !found {
			missing = append(missing, fmt.Sprintf("%s: only in %s", g.Name, old.File))
		}
	}
	return out, missing
}

// WriteCompared renders comparisons as tables (table, markdown) or json.
func WriteCompared(w io.Writer, cs []Compared, missing []string, f Format) error {
	switch f {
	case JSON:
		type group struct {
			Name     string        `json:"name"`
			Baseline *JSONBaseline `json:"comparison"`
		}
		doc := struct {
			SchemaVersion int      `json:"schema_version"`
			Kind          string   `json:"kind"`
			Regressed     bool     `json:"regressed"`
			Groups        []group  `json:"groups"`
			Unmatched     []string `json:"unmatched,omitempty"`
		}{SchemaVersion: SchemaVersion, Kind: "compare", Unmatched: missing}
		for _, c := range cs {
			doc.Regressed = doc.Regressed || c.Comparison.Regressed()
			doc.Groups = append(doc.Groups, group{Name: c.Name, Baseline: jsonBaseline(&c.Comparison, false)})
		}
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(doc)
	case Table, Markdown:
		ew := &errWriter{w: w}
		for i, c := range cs {
			t := baselineTable(c.Comparison, false)
			t.title = fmt.Sprintf("%s: %s (max regression %s)", c.Name, c.Comparison.File, pctOf(c.Comparison.MaxRegression))
			if i > 0 {
				fmt.Fprintln(ew)
			}
			if f == Markdown {
				fmt.Fprintf(ew, "#### %s\n\n", t.title)
			} else {
				fmt.Fprintln(ew, t.title)
			}
			if err := t.render(ew, f == Markdown); err != nil {
				return err
			}
			if t.note != "" {
				fmt.Fprintf(ew, "%s\n", t.note)
			}
		}
		for _, m := range missing {
			fmt.Fprintf(ew, "\nnot compared: %s\n", m)
		}
		return ew.err
	}
	return fmt.Errorf("msgsim compare writes table, markdown or json, not %s", f)
}
