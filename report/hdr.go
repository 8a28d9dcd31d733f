package report

import (
	"fmt"
	"io"
	"math"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"

	"github.com/msgsim/msgsim/sim"
)

// HdrHistogram's own file formats, for its tools (HistogramLogProcessor,
// the percentile plotter, wrk2-style comparisons).

// HGRMUnit is what a value in the .hgrm text is in: microseconds, so that
// sub-microsecond channel latencies keep three decimals (HdrHistogram's
// tools print milliseconds by default, which would round them to 0).
const HGRMUnit = time.Microsecond

// hgrmTicks is outputPercentileDistribution's default percentile ticks per
// half distance.
const hgrmTicks = 5

// WriteHGRM writes the run's latency histogram as HdrHistogram's
// outputPercentileDistribution prints it (Java's format, to the space),
// values in HGRMUnit. A run that timed nothing writes the header and a
// footer of zeros.
func WriteHGRM(w io.Writer, res sim.Result) error {
	ew := &errWriter{w: w}
	h := res.Histogram
	if h == nil {
		h = hdrhistogram.New(1, int64(time.Hour), 3)
	}
	sig := int(h.SignificantFigures())
	scale := float64(HGRMUnit)
	fmt.Fprintf(ew, "%12s %14s %10s %14s\n\n", "Value", "Percentile", "TotalCount", "1/(1-Percentile)")
	if h.TotalCount() > 0 {
		for _, b := range h.CumulativeDistributionWithTicks(hgrmTicks) {
			v, p := float64(b.ValueAt)/scale, b.Quantile/100
			if b.Quantile == 100 {
				fmt.Fprintf(ew, "%12.*f %2.12f %10d\n", sig, v, p, b.Count)
			} else {
				fmt.Fprintf(ew, "%12.*f %2.12f %10d %14.2f\n", sig, v, p, b.Count, 1/(1-p))
			}
		}
	}
	sub := 1 << uint(math.Ceil(math.Log2(2*math.Pow10(sig))))
	buckets := len(h.Export().Counts)/(sub/2) - 1
	mean, sd, mx := 0.0, 0.0, 0.0
	if h.TotalCount() > 0 {
		mean, sd, mx = h.Mean()/scale, h.StdDev()/scale, float64(h.Max())/scale
	}
	fmt.Fprintf(ew, "#[Mean    = %12.*f, StdDeviation   = %12.*f]\n", sig, mean, sig, sd)
	fmt.Fprintf(ew, "#[Max     = %12.*f, Total count    = %12d]\n", sig, mx, h.TotalCount())
	fmt.Fprintf(ew, "#[Buckets = %12d, SubBuckets     = %12d]\n", buckets, sub)
	return ew.err
}

// WriteHDRLog writes the run's series as an HdrHistogram interval log
// (format 1.3, as HistogramLogWriter writes it): one compressed histogram
// per interval of the series, values in nanoseconds, times in seconds since
// the run's start. A run without a series (too short, or too many
// consumers to keep one) writes its whole histogram as a single interval.
func WriteHDRLog(w io.Writer, res sim.Result) error {
	lw := hdrhistogram.NewHistogramLogWriter(w)
	start := res.Start.UnixMilli()
	lw.SetBaseTime(start)
	ew := &errWriter{w: w}
	for _, write := range []func() error{
		lw.OutputLogFormatVersion,
		func() error { return lw.OutputStartTime(start) },
		func() error { return lw.OutputBaseTime(start) },
		func() error {
			return lw.OutputComment("[msgsim: latency send -> receive in nanoseconds; " + ConfigLine(res) + "]")
		},
		lw.OutputLegend,
	} {
		if ew.err == nil {
			ew.err = write()
		}
	}
	for _, iv := range logIntervals(res) {
		if ew.err != nil {
			break
		}
		// A copy, stamped with its times: the result's histogram is not ours to change.
		h := iv.h.Clone()
		h.SetStartTimeMs(start + iv.from.Milliseconds())
		h.SetEndTimeMs(start + iv.to.Milliseconds())
		ew.err = lw.OutputIntervalHistogram(h)
	}
	return ew.err
}

type logInterval struct {
	from, to time.Duration
	h        *hdrhistogram.Histogram
}

// logIntervals are the histograms an interval log holds: the series', each
// lasting until the next begins (the last as long as the one before it,
// or to the end of the run), or the whole run's.
func logIntervals(res sim.Result) []logInterval {
	var out []logInterval
	for i, iv := range res.Series {
		if iv.Histogram == nil {
			continue
		}
		to := res.Elapsed
		if i+1 < len(res.Series) {
			to = res.Series[i+1].Start
		}
		out = append(out, logInterval{from: iv.Start, to: max(to, iv.Start), h: iv.Histogram})
	}
	if len(out) == 0 && res.Histogram != nil {
		out = append(out, logInterval{from: 0, to: res.Elapsed, h: res.Histogram})
	}
	return out
}
