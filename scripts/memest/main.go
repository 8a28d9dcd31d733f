// Command memest prints sim.Config.Memory() for msgsim's topology flags:
// the estimate Validate holds against the budget, term by term, without
// running anything. It takes the subset of msgsim's flags the estimate
// depends on; scripts/memory.sh uses it for docs/memory.md's table.
//
//	go run ./scripts/memest -q 1000 -c 1000 -n 2k -b 16
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/msgsim/msgsim/sim"
	"github.com/msgsim/msgsim/units"
)

func main() {
	cfg := sim.DefaultConfig()
	counts := []struct {
		name, short string
		set         func(int64)
	}{
		{"messages", "n", func(v int64) { cfg.Messages = v }},
		{"producers", "p", func(v int64) { cfg.Producers = int(v) }},
		{"queues", "q", func(v int64) { cfg.Queues = int(v) }},
		{"consumers", "c", func(v int64) { cfg.Consumers = int(v) }},
		{"buffer", "b", func(v int64) { cfg.Buffer = int(v) }},
		{"batch", "", func(v int64) { cfg.Batch = int(v) }},
		{"size", "", func(v int64) { cfg.Size = int(v) }},
		{"procs", "", func(v int64) { cfg.Procs = int(v) }},
	}
	given := map[string]bool{}
	for _, c := range counts {
		f := func(s string) error {
			v, err := units.ParseCount(s)
			if err == nil {
				c.set(v)
				given[c.name] = true
			}
			return err
		}
		flag.Func(c.name, c.name+" as for msgsim", f)
		if c.short != "" {
			flag.Func(c.short, "--"+c.name, f)
		}
	}
	flag.Func("dispatch", "fanout, roundrobin or key", func(s string) (err error) {
		cfg.Dispatch, err = sim.ParseDispatch(s)
		return err
	})
	flag.Func("rate", "open-loop msgs/s", func(s string) (err error) {
		cfg.Rate, err = units.ParseFloat(s)
		return err
	})
	flag.Func("max-memory", "budget, e.g. 8GiB", func(s string) (err error) {
		cfg.MaxMemory, err = units.ParseBytes(s)
		return err
	})
	flag.DurationVar(&cfg.Duration, "duration", 0, "stop producing after this long")
	flag.DurationVar(&cfg.Duration, "d", 0, "--duration")
	flag.DurationVar(&cfg.Interval, "interval", 0, "series interval")
	flag.DurationVar(&cfg.Work, "work", 0, "work per message")
	flag.StringVar(&cfg.Transport, "transport", "chan", "chan or nats")
	flag.Bool("prefault", true, "accepted for msgsim's sake; the estimate is the same")
	summary := flag.Bool("summary", false, "print one line: total bytes, largest term, accepted or refused")
	flag.Parse()
	if cfg.Duration > 0 && !given["messages"] {
		cfg.Messages = cfg.UnlimitedMessages() // as msgsim does: the duration decides
	}

	e := cfg.Memory()
	err := cfg.Validate()
	if *summary {
		verdict := "accepted"
		if err != nil {
			verdict = "refused"
		}
		fmt.Printf("%d\t%s\t%s\n", e.Total, e.Largest().Name, verdict)
		return
	}
	budget := cfg.MemoryBudget()
	fmt.Printf("estimate %s (%d bytes); budget %s (%s)\n", units.Bytes(float64(e.Total)), e.Total,
		units.Bytes(float64(budget.Bytes)), budget.From)
	for _, t := range e.Terms {
		fmt.Printf("  %s\n", t)
	}
	if err != nil {
		fmt.Printf("refused: %v\n", err)
		os.Exit(1)
	}
}
