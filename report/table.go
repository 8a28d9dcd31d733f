package report

import (
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/renderer"
	"github.com/olekukonko/tablewriter/tw"

	"github.com/msgsim/msgsim/sim"
	"github.com/msgsim/msgsim/units"
)

// maxConsumerRows is how many consumers get a row each; above it the
// consumers table shows min / median / max per queue and a fairness index.
const maxConsumerRows = 16

// maxQueueRows is how many queues get a row each in the per-queue tables;
// above it they list the queues that failed their check, or else the first
// maxQueueRows (see selectQueues).
const maxQueueRows = 32

// table is a titled grid, rendered as a box table or as Markdown. The first
// column is left-aligned, the rest (numbers) right-aligned.
type table struct {
	title  string
	header []string
	rows   [][]string
	footer []string
	note   string // printed under the table
}

// documentTables are the tables every human format shows of d, in order.
func documentTables(d Document) []table {
	res := d.Result
	sel := selectQueues(res)
	tables := []table{summaryTable(res), queueTable(res, sel), latencyTable(res, sel), loadTable(res, sel), consumerTable(res, sel)}
	if len(res.Processes) > 0 {
		tables = append(tables, processTable(res))
	}
	if len(res.Phases) > 0 {
		tables = append(tables, phaseTable(res))
	}
	if len(res.Faults) > 0 {
		tables = append(tables, faultTable(res))
	}
	if len(res.Series) > 0 {
		tables = append(tables, seriesTable(res))
	}
	if len(d.Runs) > 1 || d.Planned > 1 {
		tables = append(tables, repeatTable(d.runs(), d.Planned))
	}
	if len(d.Assertions) > 0 {
		tables = append(tables, assertionTable(d.Assertions, d.interrupted()))
	}
	if d.Baseline != nil {
		tables = append(tables, baselineTable(*d.Baseline, d.interrupted()))
	}
	return tables
}

func writeTables(w io.Writer, d Document, markdown bool) error {
	res, tables := d.Result, documentTables(d)
	ew := &errWriter{w: w}
	if markdown {
		fmt.Fprintf(ew, "**msgsim** %s\n\n%s\n", ConfigLine(res), DocumentVerdict(d))
	} else {
		fmt.Fprintf(ew, "%s\n%s\n", ConfigLine(res), DocumentVerdict(d))
	}
	if sl := d.scenarioLine(); sl != "" {
		fmt.Fprintf(ew, "%s\n", sl)
	}
	if wl := WorkloadLine(res); wl != "" {
		if markdown {
			fmt.Fprintln(ew)
		}
		fmt.Fprintf(ew, "%s\n", wl)
	}
	for _, t := range tables {
		if ew.err != nil {
			return ew.err
		}
		if t.header == nil && markdown { // nothing to tabulate: the title and why
			fmt.Fprintf(ew, "\n#### %s\n\n%s\n", t.title, t.note)
			continue
		} else if t.header == nil {
			fmt.Fprintf(ew, "\n%s: %s\n", t.title, t.note)
			continue
		}
		if markdown {
			fmt.Fprintf(ew, "\n#### %s\n\n", t.title)
		} else {
			fmt.Fprintf(ew, "\n%s\n", t.title)
		}
		if err := t.render(ew, markdown); err != nil {
			return err
		}
		if t.note != "" && markdown {
			fmt.Fprintf(ew, "\n%s\n", mdLines(t.note)) // a blank line ends a Markdown table
		} else if t.note != "" {
			fmt.Fprintf(ew, "%s\n", t.note)
		}
	}
	fmt.Fprintf(ew, "\n%s\n", RuntimeLine(res))
	return ew.err
}

func (t table) render(w io.Writer, markdown bool) error {
	align := make([]tw.Align, len(t.header))
	for i := range align {
		align[i] = tw.AlignRight
	}
	align[0] = tw.AlignLeft
	aligns := tw.CellAlignment{PerColumn: align}
	opts := []tablewriter.Option{
		tablewriter.WithHeaderAutoFormat(tw.Off), tablewriter.WithFooterAutoFormat(tw.Off),
		tablewriter.WithHeaderAlignmentConfig(aligns),
		tablewriter.WithRowAlignmentConfig(aligns), tablewriter.WithFooterAlignmentConfig(aligns),
	}
	if markdown {
		opts = append(opts, tablewriter.WithRenderer(renderer.NewMarkdown()))
	}
	tbl := tablewriter.NewTable(w, opts...)
	tbl.Header(anys(t.header)...)
	for _, r := range t.rows {
		if err := tbl.Append(anys(r)...); err != nil {
			return err
		}
	}
	if t.footer != nil {
		tbl.Footer(anys(t.footer)...)
	}
	return tbl.Render()
}

func anys(s []string) []any {
	a := make([]any, len(s))
	for i, v := range s {
		a[i] = v
	}
	return a
}

func summaryTable(res sim.Result) table {
	h := []string{"elapsed", "produced", "expected", "delivered", "lost", "duplicated"}
	r := []string{units.Duration(res.Elapsed), countStr(res.Produced), countStr(res.Expected), countStr(res.Delivered), countStr(res.Lost), countStr(res.Duplicated)}
	if res.OrderChecked {
		h, r = append(h, "out of order"), append(r, countStr(res.Reordered))
	}
	if res.Interrupted {
		h, r = append(h, "not sent"), append(r, countStr(res.NotSent()))
	}
	tp := throughputMeasured(res)
	h = append(h, "msgs/s", "MB/s")
	r = append(r, orNone(tp, rateStr(res.Throughput())), orNone(tp, mbStr(res.BytesPerSecond())))
	t := table{title: "summary", header: h, rows: [][]string{r}}
	if !tp {
		t.note = footnote(whyThroughput)
	}
	return t
}

func queueTable(res sim.Result, sel queueSelection) table {
	t := table{title: "deliveries by queue", header: []string{"queue", "consumers", "sent", "delivered", "lost", "duplicated", "msgs/s"}}
	tp := throughputMeasured(res)
	for _, q := range sel.queues {
		t.rows = append(t.rows, []string{queueName(q.Queue), countStr(int64(q.Consumers)), countStr(q.Sent), countStr(q.Delivered),
			countStr(q.Lost), countStr(q.Duplicated), orNone(tp, rateStr(res.QueueThroughput(q.Queue)))})
	}
	t.footer = []string{"total", countStr(int64(len(res.Consumers))), countStr(res.Sent), countStr(res.Delivered),
		countStr(res.Lost), countStr(res.Duplicated), orNone(tp, rateStr(res.Throughput()))}
	t.note = sel.note
	if !tp {
		t.note = joinLines(t.note, footnote(whyThroughput))
	}
	return t.footerIfRows()
}

func latencyTable(res sim.Result, sel queueSelection) table {
	t := table{title: "latency (send → receive)", header: []string{"queue", "min", "mean", "p50", "p90", "p99", "p99.9", "max"}}
	missing := false
	row := func(name string, l sim.Latency) []string {
		if !latencyMeasured(l) {
			missing = true
			return []string{name, none, none, none, none, none, none, none}
		}
		return []string{name, durStr(l.Min), durStr(l.Mean), durStr(l.P50), durStr(l.P90), durStr(l.P99), durStr(l.P999), durStr(l.Max)}
	}
	if res.QueueLatency {
		for _, q := range sel.queues {
			t.rows = append(t.rows, row(queueName(q.Queue), q.Latency))
		}
		t.note = sel.sameQueues()
	} else {
		t.note = "per-queue latency is not kept above 1,024 queues (histograms are sharded); the total covers every delivery"
	}
	t.footer = row("total", res.Latency)
	if res.Latency.Clamped > 0 {
		t.note = joinLines(t.note, fmt.Sprintf("%s samples above 1h were recorded as 1h", countStr(res.Latency.Clamped)))
	}
	if missing {
		t.note = joinLines(t.note, footnote(whyLatency))
	}
	return t.footerIfRows()
}

// loadTable shows how full each queue ran and, with --work, how busy its
// consumers were; what was not measured is a dash, and when nothing was,
// one line says so.
func loadTable(res sim.Result, sel queueSelection) table {
	depth, work := res.DepthMeasured, workMeasured(res)
	if !depth && !work {
		return table{title: "queue load", note: "not measured (" + whyDepth(res) + "; " + whyWork + ")"}
	}
	t := table{title: "queue load", header: []string{"queue", "max depth", "mean depth", "utilisation", "mean service"}}
	if depth {
		t.title = "queue load (depth sampled 100×/s)"
	}
	noService := false
	row := func(name string, q sim.QueueResult) []string {
		r := []string{name, none, none, none, none}
		if depth {
			r[1], r[2] = countStr(q.MaxDepth), strconv.FormatFloat(q.MeanDepth, 'f', 1, 64)
		}
		if work {
			r[3] = pctStr(int64(math.Round(q.Utilisation*1000)), 1000)
		}
		if serviceMeasured(res, q) {
			r[4] = durStr(q.MeanService)
		} else if work {
			noService = true
		}
		return r
	}
	for _, q := range sel.queues {
		t.rows = append(t.rows, row(queueName(q.Queue), q))
	}
	t.footer = row("total", loadTotal(res.Queues))
	covers := "total"
	if !sel.all {
		covers = fmt.Sprintf("total (all %s queues)", countStr(int64(len(res.Queues))))
	}
	t.note = covers + ": largest max depth, mean of the mean depths; utilisation and mean service over all consumers"
	if !depth {
		t.note = joinLines(t.note, footnote(whyDepth(res)))
	}
	if !work {
		t.note = joinLines(t.note, footnote(whyWork))
	}
	if noService {
		t.note = joinLines(t.note, footnote(whyService))
	}
	return t.footerIfRows()
}

// footerIfRows turns the footer into the only row of a table that has no
// other rows: a footer under an empty body renders as two rules.
func (t table) footerIfRows() table {
	if len(t.rows) == 0 && t.footer != nil {
		t.rows, t.footer = [][]string{t.footer}, nil
	}
	return t
}

// mdLines makes each line of a note its own Markdown paragraph, where a
// single newline would run them together.
func mdLines(note string) string { return strings.ReplaceAll(note, "\n", "\n\n") }

// joinLines joins the non-empty lines of a note.
func joinLines(lines ...string) string {
	var out []string
	for _, l := range lines {
		if l != "" {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

func orNone(measured bool, s string) string {
	if !measured {
		return none
	}
	return s
}

// maxSeriesRows bounds the series table; longer series are thinned evenly
// (the json has every interval).
const maxSeriesRows = 30

func seriesTable(res sim.Result) table {
	t := table{title: "series (per interval since the first send)", header: []string{"t", "msgs/s", "p50", "p99"}}
	phased := len(res.Phases) > 0
	if phased { // the boundaries: the phase each interval began in, where it changes
		t.header = append(t.header, "phase")
	}
	lastPhase := "\x00"
	step := (len(res.Series) + maxSeriesRows - 1) / maxSeriesRows
	missing := false
	for i := 0; i < len(res.Series); i += step {
		iv := res.Series[i]
		// An interval in which nothing arrived ran at 0 msgs/s, but has no
		// latency to show.
		timed := iv.Deliveries > 0
		missing = missing || !timed
		row := []string{units.Duration(iv.Start.Round(time.Millisecond)), rateStr(iv.Throughput),
			orNone(timed, durStr(iv.P50)), orNone(timed, durStr(iv.P99))}
		if phased {
			mark := ""
			if iv.Phase != lastPhase {
				mark, lastPhase = "▸ "+phaseName(iv.Phase), iv.Phase
			}
			row = append(row, mark)
		}
		t.rows = append(t.rows, row)
	}
	if step > 1 {
		t.note = fmt.Sprintf("every %d of %d intervals shown; --format csv or json has all", step, len(res.Series))
	}
	if missing {
		t.note = joinLines(t.note, footnote("nothing arrived in the interval, so it has no latency"))
	}
	return t
}

func consumerTable(res sim.Result, sel queueSelection) table {
	if len(res.Consumers) <= maxConsumerRows {
		t := table{title: "consumers", header: []string{"queue", "consumer", "delivered", "share of queue"}}
		for _, c := range res.Consumers {
			whole := res.Queues[c.Queue].Delivered
			if whole == 0 {
				t.note = none + " no share: the queue received nothing"
			}
			t.rows = append(t.rows, []string{queueName(c.Queue), strconv.Itoa(c.Consumer), countStr(c.Delivered), pctStr(c.Delivered, whole)})
		}
		return t
	}
	t := table{title: "consumers (per queue: spread of deliveries; fairness 1.00 = perfectly even)",
		header: []string{"queue", "consumers", "min", "median", "max", "fairness"}}
	groups := byQueue(res)
	for _, q := range sel.queues {
		group := groups[q.Queue]
		st := spread(group)
		t.rows = append(t.rows, []string{queueName(q.Queue), countStr(int64(len(group))), countStr(st.min), countStr(st.median), countStr(st.max), fmt.Sprintf("%.2f", st.fairness)})
	}
	st := spread(res.Consumers)
	t.footer = []string{"all", countStr(int64(len(res.Consumers))), countStr(st.min), countStr(st.median), countStr(st.max), fmt.Sprintf("%.2f", st.fairness)}
	if !sel.all {
		t.note = "the queues listed above; all covers every consumer"
	}
	return t.footerIfRows()
}

// byQueue groups consumer results by queue; Result lists them queue by queue.
func byQueue(res sim.Result) [][]sim.ConsumerResult {
	groups := make([][]sim.ConsumerResult, len(res.Queues))
	for i := 0; i < len(res.Consumers); {
		j := i
		for j < len(res.Consumers) && res.Consumers[j].Queue == res.Consumers[i].Queue {
			j++
		}
		groups[res.Consumers[i].Queue] = res.Consumers[i:j]
		i = j
	}
	return groups
}

type spreadStats struct {
	min, median, max int64
	fairness         float64 // Jain's index: 1 when all equal, 1/n when one does everything
}

func spread(cs []sim.ConsumerResult) spreadStats {
	if len(cs) == 0 {
		return spreadStats{}
	}
	v := make([]int64, len(cs))
	var sum, sumSq float64
	for i, c := range cs {
		v[i] = c.Delivered
		f := float64(c.Delivered)
		sum += f
		sumSq += f * f
	}
	slices.Sort(v)
	st := spreadStats{min: v[0], median: v[len(v)/2], max: v[len(v)-1], fairness: 1}
	if sumSq > 0 {
		st.fairness = sum * sum / (float64(len(v)) * sumSq)
	}
	return st
}

func countStr(n int64) string { return units.Int(n) }

func durStr(d time.Duration) string { return units.Duration(d) }

func rateStr(v float64) string {
	if v == 0 {
		return "0"
	}
	return units.Int(int64(math.Round(v)))
}

func mbStr(bytesPerSec float64) string { return strconv.FormatFloat(bytesPerSec/1e6, 'f', 2, 64) }

func pctStr(part, whole int64) string {
	if whole == 0 {
		return none
	}
	return strconv.FormatFloat(100*float64(part)/float64(whole), 'f', 1, 64) + "%"
}

// errWriter remembers the first write error so a sequence of Fprintf calls
// needs one check.
type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) Write(p []byte) (int, error) {
	if e.err != nil {
		return 0, e.err
	}
	n, err := e.w.Write(p)
	e.err = err
	return n, err
}

// processTable shows each consumer process's share of a split run.
func processTable(res sim.Result) table {
	t := table{title: "consumer processes (one verdict covers them all)", header: []string{"process", "consumers", "delivered", "share", "account"}}
	for _, p := range res.Processes {
		id, acct := p.ID, "merged"
		if p.ID == res.Process {
			id += " (this one)"
		}
		if !p.Accounted {
			acct = "MISSING"
		}
		t.rows = append(t.rows, []string{id, countStr(int64(p.Consumers)), countStr(p.Delivered), pctStr(p.Delivered, res.Delivered), acct})
	}
	return t
}
