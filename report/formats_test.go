package report_test

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"os"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/msgsim/msgsim/report"
)

// docTable is one Markdown table of docs/formats.md: the label of its first
// header cell, and per row the names in backticks in its first cell and the
// whole row's text.
type docTable struct {
	label string
	names [][]string
	rows  []string
}

var backticked = regexp.MustCompile("`([^`]+)`")

// readDocTables reads every table of docs/formats.md whose header starts
// with one of labels.
func readDocTables(t *testing.T, labels ...string) []docTable {
	t.Helper()
	f, err := os.Open("../docs/formats.md")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []docTable
	var cur *docTable
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, "|") {
			cur = nil
			continue
		}
		cells := strings.Split(strings.Trim(line, "|"), "|")
		first := strings.TrimSpace(cells[0])
		switch {
		case cur == nil:
			if slices.Contains(labels, first) {
				out = append(out, docTable{label: first})
				cur = &out[len(out)-1]
			} else {
				cur = &docTable{} // another table: read and dropped
			}
		case strings.Trim(first, "-:") == "": // the delimiter row
		default:
			var names []string
			for _, m := range backticked.FindAllStringSubmatch(first, -1) {
				names = append(names, m[1])
			}
			cur.names = append(cur.names, names)
			cur.rows = append(cur.rows, line)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// csvSections splits csv output at its empty lines and returns each
// section's header.
func csvSections(t *testing.T, out []byte) [][]string {
	t.Helper()
	var headers [][]string
	for _, sec := range bytes.Split(out, []byte("\n\n")) {
		recs, err := csv.NewReader(bytes.NewReader(sec)).ReadAll()
		if err != nil {
			t.Fatalf("%v in section:\n%s", err, sec)
		}
		headers = append(headers, recs[0])
	}
	return headers
}

// The csv columns docs/formats.md lists are the ones msgsim writes, in the
// same order, section by section: a column added, renamed or dropped on
// either side fails here.
func TestDocsListEveryCSVColumn(t *testing.T) {
	doc := ci() // repeats, assertions and a baseline
	sc := scenario()
	doc.Result.Series, doc.Result.Phases, doc.Result.Crashes = sc.Series, sc.Phases, sc.Crashes
	var out bytes.Buffer
	if err := report.WriteDocument(&out, doc, report.CSV); err != nil {
		t.Fatal(err)
	}
	sections := csvSections(t, out.Bytes())
	if len(sections) != 8 {
		t.Fatalf("want 8 sections (queues, verdict, series, phases, crashes, repeats, assertions, baseline), got %d: %q", len(sections), sections)
	}
	var sweepOut bytes.Buffer
	sw := gridSweep()
	if err := report.WriteSweep(&sweepOut, sw, report.CSV, 80); err != nil {
		t.Fatal(err)
	}
	sweepHeader := csvSections(t, sweepOut.Bytes())[0]
	for i, a := range sw.Axes {
		if sweepHeader[i] != a.Param {
			t.Fatalf("sweep csv column %d is %q, want the varied parameter %q", i, sweepHeader[i], a.Param)
		}
	}
	written := map[string][]string{"sweep column": sweepHeader[len(sw.Axes):]}
	for _, h := range sections {
		written["column "+h[0]] = h
	}

	documented := map[string][]string{}
	for _, tbl := range readDocTables(t, "column", "sweep column") {
		var cols []string
		for i, names := range tbl.names {
			if len(names) != 1 {
				t.Errorf("docs/formats.md, %s table: row %q should name one column in backticks", tbl.label, tbl.rows[i])
				continue
			}
			cols = append(cols, names[0])
		}
		key := tbl.label
		if key == "column" && len(cols) > 0 {
			key += " " + cols[0]
		}
		documented[key] = cols
	}
	for key, cols := range written {
		if !slices.Equal(documented[key], cols) {
			t.Errorf("csv section %q:\nwritten    %q\ndocumented %q", key, cols, documented[key])
		}
	}
	for key, cols := range documented {
		if _, ok := written[key]; !ok {
			t.Errorf("docs/formats.md documents a csv section msgsim does not write: %q", cols)
		}
	}
}

// The top-level json fields docs/formats.md lists are the fields of the
// json documents, in order; a field holding an object or a list of objects
// names each of its fields in its row.
func TestDocsListEveryJSONField(t *testing.T) {
	for _, tt := range []struct {
		label  string
		doc    any
		nested bool
	}{
		{"field", report.JSONResult{}, true},
		{"sweep field", report.JSONSweep{}, false},
		{"point field", report.JSONPoint{}, false},
	} {
		t.Run(tt.label, func(t *testing.T) {
			tables := readDocTables(t, tt.label)
			if len(tables) != 1 {
				t.Fatalf("docs/formats.md has %d tables labelled %q, want 1", len(tables), tt.label)
			}
			var documented []string
			row := map[string]string{}
			for i, names := range tables[0].names {
				documented = append(documented, names...)
				for _, n := range names {
					row[n] = tables[0].rows[i]
				}
			}
			typ := reflect.TypeOf(tt.doc)
			written := jsonNames(typ)
			if !slices.Equal(written, documented) {
				t.Errorf("json fields:\nwritten    %q\ndocumented %q", written, documented)
			}
			if !tt.nested {
				return
			}
			for i := range typ.NumField() {
				f := typ.Field(i)
				inner := f.Type
				for inner.Kind() == reflect.Pointer || inner.Kind() == reflect.Slice {
					inner = inner.Elem()
				}
				if inner.Kind() != reflect.Struct || inner.PkgPath() != typ.PkgPath() {
					continue
				}
				name := jsonName(f)
				for _, sub := range jsonNames(inner) {
					if !strings.Contains(row[name], "`"+sub+"`") {
						t.Errorf("docs/formats.md: the row of %q does not name its field %q", name, sub)
					}
				}
			}
		})
	}
}

func jsonNames(typ reflect.Type) []string {
	var names []string
	for i := range typ.NumField() {
		names = append(names, jsonName(typ.Field(i)))
	}
	return names
}

func jsonName(f reflect.StructField) string {
	name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
	return name
}
