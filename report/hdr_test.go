package report_test

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"

	"github.com/msgsim/msgsim/report"
	"github.com/msgsim/msgsim/sim"
)

// hdrRun is a run with real histograms: three intervals of a series and
// the whole run's histogram holding the same latencies.
func hdrRun(t *testing.T) (sim.Result, []int64) {
	t.Helper()
	var raw []int64
	r := workload()
	r.Histogram = hdrhistogram.New(1, int64(time.Hour), 3)
	r.Series = nil
	for i, n := range []int{1000, 0, 2500} {
		iv := sim.Interval{Start: time.Duration(i) * time.Second}
		if n > 0 {
			iv.Histogram = hdrhistogram.New(1, int64(time.Hour), 2)
		}
		for k := range n {
			v := int64(200 + (k*7919)%90_000) // 200 ns to 90 µs
			if k%500 == 0 {
				v = int64(3 * time.Millisecond)
			}
			_ = iv.Histogram.RecordValue(v)
			_ = r.Histogram.RecordValue(v)
			raw = append(raw, v)
			iv.Deliveries++
		}
		r.Series = append(r.Series, iv)
	}
	r.Elapsed = 3 * time.Second
	return r, raw
}

// The interval log reads back, with hdrhistogram-go's log reader, into
// the same intervals with the same counts; without a series it holds the
// whole run as one interval.
func TestHDRLogReadsBack(t *testing.T) {
	full, _ := hdrRun(t)
	whole := full
	whole.Series = nil
	tests := []struct {
		name   string
		res    sim.Result
		counts []int64
	}{
		{"series", full, []int64{1000, 2500}},
		{"no series", whole, []int64{3500}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := report.WriteHDRLog(&buf, tt.res); err != nil {
				t.Fatal(err)
			}
			rd := hdrhistogram.NewHistogramLogReader(&buf)
			var got []int64
			for {
				h, err := rd.NextIntervalHistogram()
				if errors.Is(err, io.EOF) || (h == nil && err == nil) {
					break
				}
				if err != nil {
					t.Fatalf("reading the log back: %v", err)
				}
				got = append(got, h.TotalCount())
				if h.Max() > tt.res.Histogram.Max()*101/100 {
					t.Fatalf("an interval's max %d beyond the run's %d", h.Max(), tt.res.Histogram.Max())
				}
			}
			if len(got) != len(tt.counts) {
				t.Fatalf("%d intervals %v, want %v", len(got), got, tt.counts)
			}
			for i := range got {
				if got[i] != tt.counts[i] {
					t.Fatalf("interval counts %v, want %v", got, tt.counts)
				}
			}
		})
	}
}

// hgrmLine is one line of outputPercentileDistribution's table.
type hgrmLine struct {
	value      float64
	percentile float64
	count      int64
}

// parseHGRM reads the .hgrm text without the library: its table, and the
// total count of its footer.
func parseHGRM(t *testing.T, text string) ([]hgrmLine, int64) {
	t.Helper()
	var lines []hgrmLine
	total := int64(-1)
	sc := bufio.NewScanner(strings.NewReader(text))
	for sc.Scan() {
		line := sc.Text()
		f := strings.Fields(line)
		switch {
		case line == "" || (len(f) > 0 && f[0] == "Value"):
		case strings.HasPrefix(line, "#[Max"):
			n, err := strconv.ParseInt(strings.TrimSuffix(f[len(f)-1], "]"), 10, 64)
			if err != nil {
				t.Fatalf("footer %q: %v", line, err)
			}
			total = n
		case strings.HasPrefix(line, "#"):
		case len(f) == 4 || len(f) == 3:
			v, e1 := strconv.ParseFloat(f[0], 64)
			p, e2 := strconv.ParseFloat(f[1], 64)
			n, e3 := strconv.ParseInt(f[2], 10, 64)
			if e1 != nil || e2 != nil || e3 != nil {
				t.Fatalf("line %q does not parse", line)
			}
			lines = append(lines, hgrmLine{v, p, n})
		default:
			t.Fatalf("unexpected line %q", line)
		}
	}
	return lines, total
}

// The .hgrm text, read by a parser of its own, holds the run's count, and
// every line's count is the number of latencies recorded up to its value
// (in µs), the maximum's being all of them.
func TestHGRMReadsBack(t *testing.T) {
	res, raw := hdrRun(t)
	var buf bytes.Buffer
	if err := report.WriteHGRM(&buf, res); err != nil {
		t.Fatal(err)
	}
	lines, total := parseHGRM(t, buf.String())
	h := res.Histogram
	if total != h.TotalCount() || len(lines) < 20 {
		t.Fatalf("footer count %d, %d lines; want %d:\n%s", total, len(lines), h.TotalCount(), buf.String())
	}
	last := lines[len(lines)-1]
	if last.percentile != 1 || last.count != h.TotalCount() {
		t.Fatalf("last line %+v, want percentile 1 with every sample", last)
	}
	for _, l := range lines {
		var n int64
		for _, v := range raw {
			if float64(v) <= l.value*1000+0.5 {
				n++
			}
		}
		if n != l.count {
			t.Fatalf("line %+v: %d latencies recorded up to %v µs", l, n, l.value)
		}
	}
	if mx := float64(h.Max()) / 1000; last.value != mx {
		t.Errorf("last value %v µs, want the max %v", last.value, mx)
	}
	for i := 1; i < len(lines); i++ {
		if lines[i].count < lines[i-1].count || lines[i].value < lines[i-1].value {
			t.Fatalf("the distribution falls at line %d: %+v after %+v", i, lines[i], lines[i-1])
		}
	}
}
