package report

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/msgsim/msgsim/sim"
)

// writeGoBench writes one Go benchmark line per run, so benchstat compares
// two commits' msgsim runs unchanged (benchstat old.txt new.txt). The name
// carries the topology as key=value parts; the iteration count is the
// number of deliveries, so ns/op is the time per delivery.
func writeGoBench(w io.Writer, d Document) error {
	ew := &errWriter{w: w}
	fmt.Fprintf(ew, "goos: %s\ngoarch: %s\npkg: msgsim\n", goos, goarch)
	for _, r := range d.runs() {
		fmt.Fprintln(ew, goBenchLine(r))
	}
	return ew.err
}

// GoBenchName is the benchmark name of a config: BenchmarkMsgsim/… with the
// fields that shape the workload, then -GOMAXPROCS as go test prints it.
func GoBenchName(r sim.Result) string {
	c := r.Config
	parts := []string{"BenchmarkMsgsim",
		"p=" + strconv.Itoa(c.Producers), "q=" + strconv.Itoa(c.Queues), "c=" + strconv.Itoa(c.Consumers),
		"dispatch=" + string(c.Dispatch), "buf=" + strconv.Itoa(c.Buffer), "batch=" + strconv.Itoa(max(c.Batch, 1)),
		"size=" + strconv.Itoa(c.Size)}
	return strings.Join(parts, "/") + "-" + strconv.Itoa(r.GOMAXPROCS)
}

func goBenchLine(r sim.Result) string {
	n := max(r.Delivered, 1)
	nsPerOp := float64(r.Elapsed) / float64(n)
	return fmt.Sprintf("%s\t%d\t%s ns/op\t%s msgs/s\t%s B/s\t%d p50-ns\t%d p99-ns\t%d p999-ns\t%d lost\t%d duplicated",
		GoBenchName(r), n, g(nsPerOp), g(r.Throughput()), g(r.BytesPerSecond()),
		int64(r.Latency.P50), int64(r.Latency.P99), int64(r.Latency.P999), r.Lost, r.Duplicated)
}

func g(v float64) string { return strconv.FormatFloat(v, 'g', 4, 64) }
