package report

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode"

	"github.com/msgsim/msgsim/sim"
)

// writeGoBench writes one Go benchmark line per run, so benchstat compares
// two commits' msgsim runs unchanged (benchstat old.txt new.txt). The name
// carries the topology as key=value parts; the iteration count is the
// number of deliveries, so ns/op is the time per delivery.
func writeGoBench(w io.Writer, d Document) error {
	return writeGoBenchRuns(w, d.runs(), d.interrupted(), goBenchScenario(d))
}

// goBenchScenario is the name part of a scenario run, scenario=NAME@SHA8
// (the first 8 hex digits of the file's digest), so that benchstat and
// msgsim compare set it beside runs of the same version of the same file
// only, as its json is compared; "" for any other run. Blanks, slashes and
// '=' in the name, which would split the benchmark name, become '_'.
func goBenchScenario(d Document) string {
	if d.ScenarioSHA256 == "" {
		return ""
	}
	name := strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) || !unicode.IsPrint(r) || r == '/' || r == '=' {
			return '_'
		}
		return r
	}, d.ScenarioName)
	return "scenario=" + name + "@" + d.ScenarioSHA256[:min(8, len(d.ScenarioSHA256))]
}

// writeGoBenchRuns writes one line per run; a sweep's points differ in
// their names, so benchstat sets each point's runs apart. A run cut short
// by a signal, or with nothing measured after its warm-up, is no sample:
// it is left out, and a configuration line at the end says so (benchstat
// shows it, and no result follows it to change).
func writeGoBenchRuns(w io.Writer, runs []sim.Result, interrupted bool, scenario string) error {
	ew := &errWriter{w: w}
	fmt.Fprintf(ew, "goos: %s\ngoarch: %s\npkg: msgsim\n", goos, goarch)
	var cut, empty int
	for _, r := range runs {
		switch {
		case r.Interrupted:
			cut++
		case r.MeasuredDeliveries() <= 0 || r.MeasuredTime() <= 0:
			empty++
		default:
			fmt.Fprintln(ew, goBenchLine(r, scenario))
			for _, l := range goBenchPhaseLines(r, scenario) {
				fmt.Fprintln(ew, l)
			}
		}
	}
	if cut > 0 || interrupted {
		fmt.Fprintf(ew, "msgsim-interrupted: the invocation was interrupted; %s left out\n", plural(int64(cut), "cut-short run"))
	}
	if empty > 0 {
		are := "are"
		if empty == 1 {
			are = "is"
		}
		fmt.Fprintf(ew, "msgsim-no-samples: %s measured nothing after the warm-up and %s left out\n", plural(int64(empty), "run"), are)
	}
	return ew.err
}

// GoBenchName is the benchmark name of a config: BenchmarkMsgsim/… with the
// fields that shape the workload, then -GOMAXPROCS as go test prints it.
// scenario is a scenario run's part (goBenchScenario), or "".
func GoBenchName(r sim.Result, scenario string) string {
	c := r.Config
	parts := []string{"BenchmarkMsgsim"}
	if scenario != "" {
		parts = append(parts, scenario)
	}
	parts = append(parts,
		"p="+strconv.Itoa(c.Producers), "q="+strconv.Itoa(c.Queues), "c="+strconv.Itoa(c.Consumers),
		"dispatch="+string(c.Dispatch), "buf="+strconv.Itoa(c.Buffer), "batch="+strconv.Itoa(max(c.Batch, 1)),
		"size="+strconv.Itoa(c.Size))
	// Open-loop and working runs differ in what they measure: say so in
	// the name, so benchstat never pools a 10k msgs/s run with a 20k one.
	if c.Rate > 0 {
		parts = append(parts, "rate="+strconv.FormatFloat(c.Rate, 'g', -1, 64))
	}
	if c.Work > 0 {
		parts = append(parts, "work="+strings.ReplaceAll(c.Work.String(), "µ", "u")) // ASCII, as go test names are
	}
	return strings.Join(parts, "/") + "-" + strconv.Itoa(r.GOMAXPROCS)
}

// goBenchLine counts the deliveries throughput counts (after the warm-up)
// as iterations, over the same time, so ns/op is 1/throughput.
func goBenchLine(r sim.Result, scenario string) string {
	n := r.MeasuredDeliveries()
	nsPerOp := float64(r.MeasuredTime()) / float64(n)
	return fmt.Sprintf("%s\t%d\t%s ns/op\t%s msgs/s\t%s B/s\t%d p50-ns\t%d p99-ns\t%d p999-ns\t%d lost\t%d duplicated",
		GoBenchName(r, scenario), n, g(nsPerOp), g(r.Throughput()), g(r.BytesPerSecond()),
		int64(r.Latency.P50), int64(r.Latency.P99), int64(r.Latency.P999), r.Lost, r.Duplicated)
}

func g(v float64) string { return strconv.FormatFloat(v, 'g', 4, 64) }
