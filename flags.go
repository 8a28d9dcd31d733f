package main

import (
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"regexp"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/msgsim/msgsim/check"
	"github.com/msgsim/msgsim/report"
	"github.com/msgsim/msgsim/sim"
	"github.com/msgsim/msgsim/units"
)

// options is everything the command line decides: the simulation config and
// how to present it.
type options struct {
	cfg      sim.Config
	format   report.Format
	output   string // "" or "-" is stdout
	progress string // auto, always, never
	profiles profiles
	ci       ciOptions
}

// ciOptions are the flags for CI pipelines: thresholds, baselines, repeats.
type ciOptions struct {
	assertions    []check.Assertion
	repeat        int
	quiet         bool
	saveBaseline  string
	baseline      string // file; "" for none
	baseSamples   []check.Sample
	maxRegression float64 // fraction
}

// profiles are the files for Go's profilers; "" means off.
type profiles struct {
	cpu, mem, exec string
}

// stringFlag is a flag that MSGSIM_<NAME> can also set. Count flags are
// strings too, so that one parser (units.ParseCount) accepts 10k, 2.5M, 1e6
// and 1_000_000 everywhere, and 010 means ten.
func stringFlag(name, alias, def, usage string) *cli.StringFlag {
	f := &cli.StringFlag{Name: name, Value: def, Usage: usage, EnvVars: []string{envName(name)}}
	if alias != "" {
		f.Aliases = []string{alias}
	}
	return f
}

// fileFlag is a stringFlag naming a file, so shells complete paths.
func fileFlag(name, alias, usage string) *cli.StringFlag {
	f := stringFlag(name, alias, "", usage)
	f.TakesFile = true
	return f
}

func envName(flag string) string {
	return "MSGSIM_" + strings.ToUpper(strings.ReplaceAll(flag, "-", "_"))
}

// runFlags are the flags that describe a run.
func runFlags() []cli.Flag {
	return []cli.Flag{
		stringFlag("messages", "n", "1M", "`N` messages per producer; human numbers: 1000, 10k, 2.5M, 1e6, 1_000_000 (e.g. -n 500k)"),
		stringFlag("producers", "p", "1", "`N` producer goroutines (e.g. -p 4)"),
		stringFlag("queues", "q", "3", "`N` queues, one channel each (e.g. -q 3)"),
		stringFlag("consumers", "c", "2", "`N` competing consumers per queue (e.g. -c 2)"),
		stringFlag("dispatch", "", "fanout", "dispatch `MODE`: fanout: every message to every queue; roundrobin: each message to one queue in turn; key: a seeded random key per message hashed to one queue (e.g. --dispatch key)"),
		stringFlag("keys", "", "1024", "`N` distinct keys for --dispatch key (e.g. --keys 100)"),
		stringFlag("buffer", "b", "0", "channel capacity `N` per queue; 0 is unbuffered (e.g. -b 1024)"),
		stringFlag("batch", "", "1", "hand `K` messages per channel operation; every message is still checked and timed (e.g. --batch 256)"),
		stringFlag("size", "", "16", "payload `BYTES` per message (e.g. --size 1k)"),
		stringFlag("rate", "", "0", "open loop: total target arrival `RATE` in msgs/s over all producers; latency counts from each message's intended send time; 0 is closed loop (e.g. --rate 50k)"),
		stringFlag("arrival", "", "uniform", "open-loop arrivals `MODE`: uniform (fixed spacing) or poisson (exponential gaps, seeded)"),
		stringFlag("work", "", "0", "mean work per message in each consumer, a `DURATION` (e.g. --work 50us)"),
		stringFlag("work-dist", "", "fixed", "work `DIST`ribution: fixed, exp (exponential) or uniform (0 to 2× the mean)"),
		stringFlag("work-kind", "", "spin", "how work is spent, `KIND`: spin (burn CPU) or sleep (wait, like I/O)"),
		stringFlag("duration", "d", "0", "stop producing after `DURATION` (capped by -n when given) (e.g. -d 10s)"),
		stringFlag("warmup", "", "0", "leave the deliveries of the first `DURATION` out of latency and throughput (e.g. --warmup 2s)"),
		stringFlag("interval", "", "0", "report throughput, p50 and p99 every `DURATION`; default 1s for runs planned longer than 2s (e.g. --interval 500ms)"),
		stringFlag("transport", "", "chan", "`NAME`: chan (Go channels in this process) or nats (a NATS server: embedded unless --nats-url)"),
		stringFlag("nats-url", "", "", "external NATS server or cluster `URL`s, comma-separated (e.g. nats://host:4222)"),
		stringFlag("nats-token", "", "", "NATS auth `TOKEN` (never printed)"),
		fileFlag("nats-creds", "", "NATS credentials `FILE`"),
		stringFlag("drain-timeout", "", "5s", "over NATS, how long consumers wait for missing messages after the producers flush, a `DURATION`"),
		stringFlag("role", "", "all", "over NATS, what this process runs, `ROLE`: all, producer or consumer (split roles need the same --run-id, --seed and flags everywhere)"),
		stringFlag("run-id", "", "", "subject prefix `ID` for NATS, so runs sharing a server do not mix (default: from the seed)"),
		stringFlag("seed", "", "0", "`SEED` for every random choice; 0 picks one and reports it (e.g. --seed 42)"),
		stringFlag("procs", "", "0", "GOMAXPROCS `N` for the run; 0 uses all cores (e.g. --procs 1)"),
		&cli.BoolFlag{Name: "prefault", Value: true, EnvVars: []string{envName("prefault")},
			Usage: "before starting 65,536 or more consumers, make the memory their goroutines need resident as transparent huge pages (Linux; halves start-up where page faults are dear); --prefault=false to start without"},
		stringFlag("trace", "", "0", "print the first `N` deliveries to stderr, one line each (e.g. --trace 10)"),
		stringFlag("format", "", "table", "report `FORMAT`: table, json, csv, markdown (e.g. --format json)"),
		stringFlag("output", "o", "", "write the report to `FILE` instead of stdout (e.g. -o result.json)"),
		stringFlag("progress", "", "auto", "progress bar `MODE` on stderr: auto (when stderr is a terminal), always, never"),
		&cli.StringSliceFlag{Name: "assert", EnvVars: []string{envName("assert")},
			Usage: "fail (exit 1) unless `EXPR` holds, e.g. --assert 'throughput>=2M' --assert 'p99<=2ms,lost==0'; metrics: " +
				strings.Join(check.MetricNames(), " ") + "; q2.p99 for one queue; operators < <= > >= == !="},
		stringFlag("repeat", "", "1", "run the same config `N` times; assertions and --baseline use the medians (e.g. --repeat 5)"),
		fileFlag("save-baseline", "", "write the json result to `FILE` for a later --baseline (e.g. --save-baseline base.json)"),
		fileFlag("baseline", "", "compare throughput, p50 and p99 with a saved json result in `FILE`; exit 1 on a regression (e.g. --baseline base.json)"),
		stringFlag("max-regression", "", "10%", "how much worse than --baseline a metric may get, as a `PERCENT` (e.g. --max-regression 5%)"),
		&cli.BoolFlag{Name: "baseline-any-config", EnvVars: []string{envName("baseline-any-config")},
			Usage: "compare with --baseline even when its config differs"},
		&cli.BoolFlag{Name: "quiet", EnvVars: []string{envName("quiet")},
			Usage: "print no report; only failures on stderr and the exit code (-o still writes the file)"},
		fileFlag("cpuprofile", "", "write a CPU profile of the run to `FILE` for go tool pprof (e.g. --cpuprofile cpu.out)"),
		fileFlag("memprofile", "", "write a heap profile at the end of the run to `FILE` (e.g. --memprofile mem.out)"),
		fileFlag("exectrace", "", "write a runtime/trace execution trace to `FILE` for go tool trace (e.g. --exectrace trace.out)"),
	}
}

func newApp(stdout, stderr io.Writer) *cli.App {
	flags := runFlags()
	commands := []*cli.Command{explainCommand(stdout, stderr), sweepCommand(stdout, stderr)}
	return &cli.App{
		Name:            "msgsim",
		Usage:           "simulate producers → queues → consumers over Go channels and measure it",
		Version:         version(),
		Description:     description,
		Writer:          stdout,
		ErrWriter:       stderr,
		HideHelpCommand: true,
		// --vary consumers=1,2,4 and --assert 'p99<=2ms,lost==0' parse their
		// own commas; the library must not split them first.
		DisableSliceFlagSeparator: true,
		UsageText:                 "msgsim [flags]\nmsgsim explain [flags] [--dry-run]\nmsgsim sweep --vary consumers=1,2,4,8 [flags]",
		Flags:                     flags,
		Commands:                  commands,
		OnUsageError:              usageHandler(flags, commands...),
		ExitErrHandler:            func(*cli.Context, error) {}, // main decides exit codes
		Action: func(c *cli.Context) error {
			if c.NArg() > 0 {
				arg := c.Args().First()
				for _, cmd := range c.App.Commands {
					if editDistance(arg, cmd.Name) <= 2 {
						return usageError{fmt.Sprintf("unknown command %q (did you mean %s?); see msgsim --help", arg, cmd.Name)}
					}
				}
				return usageError{fmt.Sprintf("unexpected argument %q (want flags, or a command: explain, sweep; see msgsim --help)", arg)}
			}
			opts, err := parseOptions(c)
			if err != nil {
				return err
			}
			return execute(c.Context, opts, stdout, stderr)
		},
	}
}

const description = `Runs the tutorial topology done right: producers send every message to Q queues
(fan-out), each drained by C competing consumers; checks every delivery happened
exactly once and prints throughput and latency.

Examples:
  msgsim -n 1M -q 3 -c 2                    the tutorial's topology, a million messages
  msgsim -n 10M -b 1024 --format json       buffered channels, machine-readable
  msgsim --dispatch key -c 1 --trace 10     keyed dispatch, first ten deliveries shown
  MSGSIM_QUEUES=8 msgsim                    every flag also reads $MSGSIM_<FLAG>

Exit codes: 0 ok, 1 delivery check failed, 2 usage error, 3 runtime error, 130 interrupted.`

func version() string {
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" {
		return bi.Main.Version
	}
	return "(devel)"
}

// parseOptions turns flags and environment into options, or returns a
// usageError naming the first bad flag.
func parseOptions(c *cli.Context) (options, error) {
	o := options{cfg: sim.DefaultConfig()}
	var err error
	count := func(name string) int64 {
		if err != nil {
			return 0
		}
		raw := c.String(name)
		v, perr := units.ParseCount(raw)
		if perr != nil {
			err = usageError{fmt.Sprintf("--%s: %q%s %s", name, raw, fromEnv(c, name), countProblem(perr))}
		}
		return v
	}
	o.cfg.Messages = count("messages")
	o.cfg.Producers = int(count("producers"))
	o.cfg.Queues = int(count("queues"))
	o.cfg.Consumers = int(count("consumers"))
	o.cfg.Keys = int(count("keys"))
	o.cfg.Buffer = int(count("buffer"))
	o.cfg.Batch = int(count("batch"))
	o.cfg.Size = int(count("size"))
	o.cfg.Seed = uint64(count("seed"))
	o.cfg.Procs = int(count("procs"))
	o.cfg.NoPrefault = !c.Bool("prefault")
	o.cfg.TraceN = count("trace")
	if err != nil {
		return o, err
	}
	if o.cfg.Dispatch, err = sim.ParseDispatch(c.String("dispatch")); err != nil {
		return o, usageError{"--dispatch: " + err.Error()}
	}
	if err := parseWorkload(c, &o.cfg); err != nil {
		return o, err
	}
	if o.format, err = report.ParseFormat(c.String("format")); err != nil {
		return o, usageError{"--format: " + err.Error()}
	}
	switch o.progress = strings.ToLower(c.String("progress")); o.progress {
	case "auto", "always", "never":
	default:
		return o, usageError{fmt.Sprintf("--progress: %q is not a mode (want auto, always, never)", c.String("progress"))}
	}
	if err := o.cfg.Validate(); err != nil {
		return o, usageError{err.Error()}
	}
	if o.cfg.Batch == 0 {
		return o, usageError{"--batch: 0 is out of range (want 1..65,536; 1 sends messages one by one)"}
	}
	o.output = c.String("output")
	o.profiles = profiles{cpu: c.String("cpuprofile"), mem: c.String("memprofile"), exec: c.String("exectrace")}
	if o.ci, err = parseCIOptions(c, o.cfg); err != nil {
		return o, err
	}
	for _, f := range []struct{ flag, path string }{{"output", o.output}, {"cpuprofile", o.profiles.cpu},
		{"memprofile", o.profiles.mem}, {"exectrace", o.profiles.exec}, {"save-baseline", o.ci.saveBaseline}} {
		if err := checkWritable(f.path); err != nil {
			return o, usageError{fmt.Sprintf("--%s: %q cannot be written: %v", f.flag, f.path, errors.Unwrap(err))}
		}
	}
	return o, nil
}

// parseWorkload reads the open-loop, work and timing flags.
func parseWorkload(c *cli.Context, cfg *sim.Config) error {
	raw := c.String("rate")
	rate, err := units.ParseFloat(strings.TrimSuffix(raw, "/s"))
	if err != nil {
		return usageError{fmt.Sprintf("--rate: %q is not a rate (want msgs/s such as 50k, 1M or 2.5e5; 0 is closed loop)", raw)}
	}
	cfg.Rate = rate
	durations := []struct {
		flag string
		dst  *time.Duration
	}{{"work", &cfg.Work}, {"duration", &cfg.Duration}, {"warmup", &cfg.Warmup}, {"interval", &cfg.Interval}}
	for _, d := range durations {
		raw := c.String(d.flag)
		if raw == "0" {
			continue
		}
		v, err := time.ParseDuration(raw)
		if err != nil || v < 0 {
			return usageError{fmt.Sprintf("--%s: %q%s is not a duration (want e.g. 50us, 1.5ms, 10s, 2m)", d.flag, raw, fromEnv(c, d.flag))}
		}
		*d.dst = v
	}
	if cfg.Arrival, err = sim.ParseArrival(c.String("arrival")); err != nil {
		return usageError{err.Error()}
	}
	if cfg.WorkDist, err = sim.ParseWorkDist(c.String("work-dist")); err != nil {
		return usageError{err.Error()}
	}
	if cfg.WorkKind, err = sim.ParseWorkKind(c.String("work-kind")); err != nil {
		return usageError{err.Error()}
	}
	cfg.Transport = strings.ToLower(c.String("transport"))
	if cfg.Transport != "chan" && cfg.Transport != "nats" {
		return usageError{fmt.Sprintf("--transport: unknown transport %q (want chan, nats)", c.String("transport"))}
	}
	cfg.NATSURL, cfg.NATSToken, cfg.NATSCreds, cfg.RunID = c.String("nats-url"), c.String("nats-token"), c.String("nats-creds"), c.String("run-id")
	cfg.Role = strings.ToLower(c.String("role"))
	if cfg.NATSURL != "" && cfg.Transport != "nats" {
		return usageError{"--nats-url: needs --transport nats"}
	}
	dt, err := time.ParseDuration(c.String("drain-timeout"))
	if err != nil || dt < 0 {
		return usageError{fmt.Sprintf("--drain-timeout: %q is not a duration (want e.g. 5s)", c.String("drain-timeout"))}
	}
	cfg.DrainTimeout = dt
	if cfg.Duration > 0 && !c.IsSet("messages") {
		cfg.Messages = cfg.UnlimitedMessages() // the duration decides
	}
	return nil
}

// parseCIOptions reads the CI flags. Assertions and the baseline are
// checked here, before the run, so a typo fails in milliseconds.
func parseCIOptions(c *cli.Context, cfg sim.Config) (ciOptions, error) {
	o := ciOptions{quiet: c.Bool("quiet"), saveBaseline: c.String("save-baseline"), baseline: c.String("baseline")}
	for _, list := range c.StringSlice("assert") {
		as, err := check.Parse(list)
		if err != nil {
			return o, usageError{"--assert: " + strings.TrimPrefix(err.Error(), check.ErrSyntax.Error()+" ")}
		}
		o.assertions = append(o.assertions, as...)
	}
	if err := check.Validate(o.assertions, cfg); err != nil {
		return o, usageError{"--assert: " + strings.TrimPrefix(err.Error(), check.ErrSyntax.Error()+" ")}
	}
	raw := c.String("repeat")
	n, err := units.ParseCount(raw)
	if err != nil || n < 1 || n > 1000 {
		return o, usageError{fmt.Sprintf("--repeat: %q is out of range (want a whole number from 1 to 1,000)", raw)}
	}
	o.repeat = int(n)
	pct := strings.TrimSuffix(strings.TrimSpace(c.String("max-regression")), "%")
	f, err := strconv.ParseFloat(pct, 64)
	if err != nil || f < 0 || math.IsNaN(f) || math.IsInf(f, 0) {
		return o, usageError{fmt.Sprintf("--max-regression: %q is not a percentage (want e.g. 10%% or 2.5%%)", c.String("max-regression"))}
	}
	o.maxRegression = f / 100
	if o.baseline == "" {
		return o, nil
	}
	file, err := os.Open(o.baseline)
	if err != nil {
		return o, usageError{fmt.Sprintf("--baseline: %q cannot be read: %v", o.baseline, errors.Unwrap(err))}
	}
	defer file.Close()
	baseCfg, samples, err := report.ReadBaseline(file)
	if err != nil {
		return o, usageError{fmt.Sprintf("--baseline: %q: %v", o.baseline, err)}
	}
	if diff := check.ConfigDiff(baseCfg, cfg); len(diff) > 0 && !c.Bool("baseline-any-config") {
		return o, usageError{fmt.Sprintf("--baseline: %q was measured with another config (%s); pass --baseline-any-config to compare anyway",
			o.baseline, strings.Join(diff, "; "))}
	}
	o.baseSamples = samples
	return o, nil
}

func countProblem(err error) string {
	switch {
	case errors.Is(err, units.ErrNotInteger):
		return "is not a whole number"
	case errors.Is(err, units.ErrRange):
		return "is out of range (want a whole number from 0 to 9,223,372,036,854,775,807)"
	}
	return "is not a number (want a whole number such as 1000, 10k, 2.5M, 1e6 or 1_000_000)"
}

// fromEnv says where a bad value came from when it was not the command line.
func fromEnv(c *cli.Context, name string) string {
	env := envName(name)
	if v, ok := os.LookupEnv(env); ok && v == c.String(name) && !onCommandLine(name) {
		return " (from $" + env + ")"
	}
	return ""
}

func onCommandLine(name string) bool {
	for _, a := range os.Args[1:] {
		a = strings.TrimLeft(a, "-")
		if a == name || strings.HasPrefix(a, name+"=") {
			return true
		}
	}
	return false
}

// checkWritable makes sure the report can be written before the run starts,
// so a typo in a path costs nothing. It creates the file if needed; the
// report replaces its contents at the end.
func checkWritable(path string) error {
	if path == "" || path == "-" {
		return nil
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE, 0o644)
	if err != nil {
		return err
	}
	return f.Close()
}

// editDistance is the Levenshtein distance, for suggesting a command.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}

// usageHandler turns the flag library's parse errors into usage errors in
// msgsim's style. commands are the subcommands, so that a flag only one of
// them has is pointed to it rather than matched against a typo.
func usageHandler(flags []cli.Flag, commands ...*cli.Command) cli.OnUsageErrorFunc {
	return func(_ *cli.Context, err error, _ bool) error {
		return usageError{rewriteFlagError(err, flags, commands)}
	}
}

var (
	undefinedFlag = regexp.MustCompile(`^flag provided but not defined: -+(.+)$`)
	needsArg      = regexp.MustCompile(`^flag needs an argument: -+(.+)$`)
	badBool       = regexp.MustCompile(`^invalid boolean value (".*") for -+(\S+): parse error$`)
	badEnvBool    = regexp.MustCompile(`^could not parse (".*") as bool value from environment variable "(\S+)" for flag (\S+):`)
)

// rewriteFlagError turns the flag package's messages into msgsim's style:
// the flag spelled as the user typed it (--name), and a suggestion for typos.
func rewriteFlagError(err error, flags []cli.Flag, commands []*cli.Command) string {
	msg := err.Error()
	if m := undefinedFlag.FindStringSubmatch(msg); m != nil {
		s := fmt.Sprintf("unknown flag %s", dashed(m[1]))
		if cmd := commandWithFlag(commands, m[1]); cmd != "" {
			return fmt.Sprintf("%s (it belongs to msgsim %s; see msgsim %s --help)", s, cmd, cmd)
		}
		if cli.SuggestFlag != nil {
			if sug := cli.SuggestFlag(flags, m[1], true); sug != "" {
				s += fmt.Sprintf(" (did you mean %s?)", sug)
			}
		}
		return s + "; see msgsim --help"
	}
	if m := needsArg.FindStringSubmatch(msg); m != nil {
		return fmt.Sprintf("%s needs a value", dashed(longName(m[1], flags)))
	}
	if m := badBool.FindStringSubmatch(msg); m != nil {
		return fmt.Sprintf("%s: %s is not a boolean (want true or false, e.g. %s=false)", dashed(longName(m[2], flags)), m[1], dashed(longName(m[2], flags)))
	}
	if m := badEnvBool.FindStringSubmatch(msg); m != nil {
		return fmt.Sprintf("%s: %s (from $%s) is not a boolean (want true, false, 1 or 0)", dashed(longName(m[3], flags)), m[1], m[2])
	}
	return msg
}

// commandWithFlag names the first of commands that defines the flag name.
func commandWithFlag(commands []*cli.Command, name string) string {
	for _, cmd := range commands {
		for _, f := range cmd.Flags {
			if slices.Contains(f.Names(), name) {
				return cmd.Name
			}
		}
	}
	return ""
}

func dashed(name string) string {
	if len(name) == 1 {
		return "-" + name
	}
	return "--" + name
}

func longName(name string, flags []cli.Flag) string {
	for _, f := range flags {
		for _, n := range f.Names() {
			if n == name {
				return f.Names()[0]
			}
		}
	}
	return name
}
