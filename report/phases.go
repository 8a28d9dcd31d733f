package report

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/msgsim/msgsim/sim"
	"github.com/msgsim/msgsim/units"
)

// A steered run's phases and crashes (sim.Result.Phases, .Crashes), in
// every format. A message counts in the phase it was sent in.

var (
	csvPhasesHeader = []string{"phase", "start_ns", "length_ns", "sent", "delivered", "lost", "duplicated",
		"throughput_msgs_per_s", "p50_ns", "p99_ns", "p999_ns", "max_ns", "max_depth"}
	csvCrashesHeader = []string{"crash_queue", "consumer", "at_ns", "producer", "seq"}
)

// JSONPhase is one phase of a scenario.
type JSONPhase struct {
	Name               string      `json:"name"`
	StartNs            int64       `json:"start_ns"`
	LengthNs           int64       `json:"length_ns"`
	Sent               int64       `json:"sent"`
	Delivered          int64       `json:"delivered"`
	Lost               int64       `json:"lost"`
	Duplicated         int64       `json:"duplicated"`
	ThroughputMsgsPerS float64     `json:"throughput_msgs_per_s"`
	Latency            JSONLatency `json:"latency"`
	MaxDepth           int64       `json:"max_depth"`
}

// JSONCrash is a consumer crashed (by a scenario, or a key in msgsim
// watch) and the message it held.
type JSONCrash struct {
	Queue    int    `json:"queue"`
	Consumer int    `json:"consumer"`
	AtNs     int64  `json:"at_ns"`
	Producer int    `json:"producer"`
	Seq      int64  `json:"seq"`
	By       string `json:"by"` // who ordered it: "the scenario", or a key in msgsim watch
}

func jsonPhases(res sim.Result) ([]JSONPhase, []JSONCrash) {
	var ps []JSONPhase
	for _, p := range res.Phases {
		ps = append(ps, JSONPhase{Name: p.Name, StartNs: int64(p.Start), LengthNs: int64(p.Length), Sent: p.Sent,
			Delivered: p.Delivered, Lost: p.Lost, Duplicated: p.Duplicated, ThroughputMsgsPerS: p.Throughput,
			Latency: jsonLatency(p.Latency), MaxDepth: p.MaxDepth})
	}
	var cs []JSONCrash
	for _, c := range res.Crashes {
		cs = append(cs, JSONCrash{Queue: c.Queue, Consumer: c.Consumer, AtNs: int64(c.At), Producer: c.Producer, Seq: c.Seq, By: crashedBy(c)})
	}
	return ps, cs
}

// phaseTable sets the phases side by side.
func phaseTable(res sim.Result) table {
	t := table{title: "phases (each message counts in the phase it was sent in)",
		header: []string{"phase", "start", "length", "sent", "delivered", "lost", "duplicated", "msgs/s", "p50", "p99", "max depth"}}
	missing := false
	for _, p := range res.Phases {
		timed := p.Latency.Count > 0
		missing = missing || !timed
		t.rows = append(t.rows, []string{phaseName(p.Name), units.Duration(p.Start.Round(time.Millisecond)), units.Duration(p.Length.Round(time.Millisecond)),
			countStr(p.Sent), countStr(p.Delivered), countStr(p.Lost), countStr(p.Duplicated), rateStr(p.Throughput),
			orNone(timed, durStr(p.Latency.P50)), orNone(timed, durStr(p.Latency.P99)), orNone(res.DepthMeasured, countStr(p.MaxDepth))})
	}
	if missing {
		t.note = footnote("nothing of the phase was timed (it sent nothing, or only in the warm-up)")
	}
	return t
}

func phaseName(n string) string {
	if n == "" {
		return "(start)"
	}
	return n
}

// crashLine names what each crashed consumer held, or "".
func crashLine(res sim.Result) string {
	if len(res.Crashes) == 0 {
		return ""
	}
	who := crashers(res)
	var held []string
	for _, c := range res.Crashes {
		h := fmt.Sprintf("q%d.%d at %s held message %d of producer %d", c.Queue, c.Consumer,
			units.Duration(c.At.Round(time.Millisecond)), c.Seq, c.Producer)
		if len(who) > 1 {
			h += " (crashed by " + crashedBy(c) + ")"
		}
		held = append(held, h)
	}
	return fmt.Sprintf("%s crashed by %s, each losing the message it held (%s of the %s lost): %s",
		plural(int64(len(res.Crashes)), "consumer"), strings.Join(who, " and "), countStr(res.CrashLost), countStr(res.Lost), strings.Join(held, "; "))
}

// crashers are who ordered the run's crashes (the scenario, a key in
// msgsim watch), each once, in the order of their first crash.
func crashers(res sim.Result) []string {
	var who []string
	for _, c := range res.Crashes {
		if by := crashedBy(c); !slices.Contains(who, by) {
			who = append(who, by)
		}
	}
	return who
}

func crashedBy(c sim.Crash) string {
	if c.By == "" {
		return sim.CrashedByScenario
	}
	return c.By
}

// crashLostBy says whose crashes held the lost messages, for the verdict.
func crashLostBy(res sim.Result) string {
	who := crashers(res)
	if len(who) == 1 && who[0] == sim.CrashedByScenario {
		return "consumers the scenario crashed"
	}
	return "consumers crashed by " + strings.Join(who, " and ")
}

// csvPhases is the csv's phases and crashes sections, each after an
// empty line, or nothing.
func csvPhases(res sim.Result) [][]string {
	var records [][]string
	if len(res.Phases) > 0 {
		records = append(records, nil, csvPhasesHeader)
		for _, p := range res.Phases {
			timed := p.Latency.Count > 0
			records = append(records, []string{p.Name, i64(int64(p.Start)), i64(int64(p.Length)), i64(p.Sent), i64(p.Delivered),
				i64(p.Lost), i64(p.Duplicated), cell(p.Length > 0, f1(p.Throughput)), ns(timed, p.Latency.P50), ns(timed, p.Latency.P99),
				ns(timed, p.Latency.P999), ns(timed, p.Latency.Max), cell(res.DepthMeasured, i64(p.MaxDepth))})
		}
	}
	if len(res.Crashes) > 0 {
		records = append(records, nil, csvCrashesHeader)
		for _, c := range res.Crashes {
			records = append(records, []string{queueName(c.Queue), strconv.Itoa(c.Consumer), i64(int64(c.At)), strconv.Itoa(c.Producer), i64(c.Seq)})
		}
	}
	return records
}

// goBenchPhaseLines is a gobench line per phase that measured something,
// named by the run's name and /phase=NAME, so benchstat compares a phase
// with the same phase of another run.
func goBenchPhaseLines(r sim.Result, scenario string) []string {
	var out []string
	name := GoBenchName(r, scenario)
	cut := strings.LastIndex(name, "-")
	for _, p := range r.Phases {
		if p.Delivered <= 0 || p.Length <= 0 {
			continue
		}
		pn := name[:cut] + "/phase=" + phaseName(p.Name) + name[cut:]
		out = append(out, fmt.Sprintf("%s\t%d\t%s ns/op\t%s msgs/s\t%d p50-ns\t%d p99-ns\t%d p999-ns\t%d lost\t%d duplicated",
			pn, p.Delivered, g(float64(p.Length)/float64(p.Delivered)), g(p.Throughput),
			int64(p.Latency.P50), int64(p.Latency.P99), int64(p.Latency.P999), p.Lost, p.Duplicated))
	}
	return out
}
