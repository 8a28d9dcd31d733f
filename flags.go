package main

import (
	"errors"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/msgsim/msgsim/check"
	"github.com/msgsim/msgsim/invoke"
	"github.com/msgsim/msgsim/report"
	"github.com/msgsim/msgsim/sim"
	"github.com/msgsim/msgsim/sweep"
	"github.com/msgsim/msgsim/units"
)

// options is everything the command line decides: the plan to invoke and
// how to present it. It holds no logic of its own.
type options struct {
	plan     invoke.Plan
	format   report.Format
	output   string // "" or "-" is stdout
	progress string // auto, always, never
	quiet    bool
	hdrLog   string // --hdr-log: an HdrHistogram interval log of the run shown
	hgrm     string // --hgrm: its percentile distribution text
}

// histogramFlags write HdrHistogram's files of a run; a run and a scenario
// use them (a sweep's many runs have no one histogram, and explain prints
// text: both refuse them).
func histogramFlags() []cli.Flag {
	return []cli.Flag{
		fileFlag("hdr-log", "", "also write the run's latency as an HdrHistogram interval log to `FILE`, one histogram per interval of the series (e.g. --hdr-log run.hlog)"),
		fileFlag("hgrm", "", "also write the run's latency percentile distribution, as HdrHistogram's outputPercentileDistribution prints it (values in µs), to `FILE` (e.g. --hgrm run.hgrm)"),
	}
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

func boolFlag(name, usage string) *cli.BoolFlag {
	return &cli.BoolFlag{Name: name, Usage: usage, EnvVars: []string{envName(name)}}
}

func envName(flag string) string {
	return "MSGSIM_" + strings.ToUpper(strings.ReplaceAll(flag, "-", "_"))
}

// runFlags are the flags that describe a run; every command takes them.
func runFlags() []cli.Flag {
	return append([]cli.Flag{
		stringFlag("messages", "n", "1M", "`N` messages per producer; human numbers: 1000, 10k, 2.5M, 1e6, 1_000_000 (e.g. -n 500k)"),
		stringFlag("producers", "p", "1", "`N` producer goroutines (e.g. -p 4)"),
		stringFlag("queues", "q", "3", "`N` queues, one channel each (e.g. -q 3)"),
		stringFlag("consumers", "c", "2", "`N` competing consumers per queue (e.g. -c 2)"),
		stringFlag("dispatch", "", "fanout", "dispatch `MODE`: fanout: every message to every queue; roundrobin: each message to one queue in turn; key: a seeded random key per message hashed to one queue (e.g. --dispatch key)"),
		stringFlag("keys", "", "1024", "`N` distinct keys, with --dispatch key (e.g. --keys 100)"),
		stringFlag("buffer", "b", "0", "channel capacity `N` per queue; 0 is unbuffered (e.g. -b 1024)"),
		stringFlag("batch", "", "1", "hand `K` messages per channel operation; every message is still checked and timed (e.g. --batch 256)"),
		stringFlag("size", "", "16", "payload `BYTES` per message (e.g. --size 1k)"),
		stringFlag("rate", "", "0", "open loop: total target arrival `RATE` in msgs/s over all producers; latency counts from each message's intended send time; 0 is closed loop (e.g. --rate 50k)"),
		stringFlag("arrival", "", "uniform", "open-loop arrivals `MODE`, with --rate: uniform (fixed spacing) or poisson (exponential gaps, seeded)"),
		stringFlag("work", "", "0", "mean work per message in each consumer, a `DURATION` (e.g. --work 50us)"),
		stringFlag("work-dist", "", "fixed", "work `DIST`ribution, with --work: fixed, exp (exponential) or uniform (0 to 2× the mean)"),
		stringFlag("work-kind", "", "spin", "how work is spent, with --work, `KIND`: spin (burn CPU) or sleep (wait, like I/O)"),
		stringFlag("duration", "d", "0", "stop producing after `DURATION` (capped by -n when given) (e.g. -d 10s)"),
		stringFlag("warmup", "", "0", "leave the deliveries of the first `DURATION` out of latency and throughput (e.g. --warmup 2s)"),
		stringFlag("interval", "", "auto", "report throughput, p50 and p99 every `DURATION`; auto is 1s for runs planned longer than 2s, none otherwise (e.g. --interval 500ms)"),
		stringFlag("transport", "", "chan", "`NAME`: chan (Go channels in this process), nats (a NATS server: embedded unless --nats-url) jetstream (NATS JetStream, durable: embedded unless --nats-url) or kafka (an in-process cluster unless --kafka-brokers)"),
		stringFlag("nats-url", "", "", "with --transport nats or jetstream: external NATS server or cluster `URL`s, comma-separated (e.g. nats://host:4222)"),
		stringFlag("nats-token", "", "", "with --transport nats or jetstream: auth `TOKEN` (never printed)"),
		fileFlag("nats-creds", "", "with --transport nats or jetstream: credentials `FILE`"),
		stringFlag("nats-pending", "", "256MiB", "with --transport nats or jetstream: what the client may buffer for consumers, over all of them, `BYTES`; over NATS what it drops when full counts as lost, over JetStream it pulls no more (e.g. --nats-pending 1GiB)"),
		stringFlag("drain-timeout", "", "5s", "with --transport nats, jetstream or kafka: how long consumers wait for missing messages after the producers flush (plus --ack-wait over JetStream, --session-timeout over Kafka), a `DURATION` above 0"),
		stringFlag("role", "", "all", "with --transport nats: what this process runs, `ROLE`: all, producer or consumer (split roles need the same --run-id, --seed and flags everywhere)"),
		stringFlag("run-id", "", "", "with --transport nats, jetstream or kafka: subject (stream, topic) prefix `ID` (letters, digits, - and _), so runs sharing a server do not mix (default: unique to this process; split roles must give one)"),
		stringFlag("delivery", "", "", "with --transport jetstream or kafka: the delivery `SEMANTICS` the run promises and is judged against: at-most-once (acknowledge before the work; loss allowed), at-least-once (after it; duplicates allowed) or exactly-once (jetstream: message ids and confirmed acknowledgements; neither allowed) (default at-least-once)"),
		stringFlag("storage", "", "memory", "with --transport jetstream: the stream's `STORAGE`, memory or file (what survives a broker restart)"),
		stringFlag("ack-policy", "", "explicit", "with --transport jetstream: the consumers' acknowledgement `POLICY`: explicit (each message), all (a message and every earlier one) or none (with --delivery at-most-once)"),
		stringFlag("ack-wait", "", "2s", "with --transport jetstream: how long the broker waits for an acknowledgement before delivering a message again, a `DURATION` (e.g. --ack-wait 500ms)"),
		stringFlag("max-deliver", "", "0", "with --transport jetstream: deliver one message at most `N` times; 0 is no bound"),
		&cli.BoolFlag{Name: "msg-id", EnvVars: []string{envName("msg-id")},
			Usage: "with --transport jetstream: put a message id on every publish, so the stream drops a second publish of it within --dedup-window (on with --delivery exactly-once, which needs it)"},
		stringFlag("dedup-window", "", "0", "with --transport jetstream and message ids: how long the stream remembers them, a `DURATION`; 0 is the server's default (2m)"),
		&cli.StringSliceFlag{Name: "fault", EnvVars: []string{envName("fault")},
			Usage: "with --transport jetstream or kafka: a broker fault `KIND@TIME[:TARGET]` into the run, repeatable: crash@1s (consumer c0 of q0 crashes before acknowledging or committing; crash@1s:q1.c0 for another), restart@2s (jetstream: the embedded broker restarts; use --storage file to keep the messages), resend@500ms:20 (jetstream: producer 0 publishes its latest 20 messages again), rebalance@1s:q0.c1 (kafka: a consumer leaves its group and joins again)"},
		stringFlag("kafka-brokers", "", "", "with --transport kafka: a real cluster's `BROKERS`, HOST:PORT comma-separated (default: an in-process cluster, kfake)"),
		stringFlag("kafka-sasl", "", "", "with --kafka-brokers: SASL `MECHANISM`: plain, scram-sha-256 or scram-sha-512, with --kafka-user and --kafka-password"),
		stringFlag("kafka-user", "", "", "with --kafka-sasl: SASL `USER`"),
		stringFlag("kafka-password", "", "", "with --kafka-sasl: SASL `PASSWORD` (never printed; MSGSIM_KAFKA_PASSWORD keeps it off the command line)"),
		boolFlag("kafka-tls", "with --kafka-brokers: dial the brokers with TLS"),
		fileFlag("kafka-ca", "", "with --kafka-tls: trust the CA certificates in PEM `FILE` (default: the system's)"),
		stringFlag("session-timeout", "", "6s", "with --transport kafka: the consumer groups' session timeout, a `DURATION`: how long a crashed member keeps its partitions"),
		stringFlag("seed", "", "0", "`SEED` for every random choice; 0 picks one and reports it (e.g. --seed 42)"),
		stringFlag("procs", "", "0", "GOMAXPROCS `N` for the run; 0 uses all cores (e.g. --procs 1)"),
		stringFlag("max-memory", "", "auto", "refuse, before allocating, a run whose estimated memory exceeds `BYTES`; auto is half of the machine's memory (or of its cgroup limit) (e.g. --max-memory 8GiB)"),
		&cli.BoolFlag{Name: "prefault", Value: true, EnvVars: []string{envName("prefault")},
			Usage: "before starting 65,536 or more consumers, make the memory their goroutines need resident as transparent huge pages (Linux; halves start-up where page faults are dear); --prefault=false to start without"},
		stringFlag("trace", "", "0", "print the first `N` deliveries to stderr, one line each (in a sweep: of each point's first run) (e.g. --trace 10)"),
		stringFlag("format", "", "table", "report `FORMAT`: table, json, csv, markdown, gobench, html (a page with charts, for -o report.html) (e.g. --format json)"),
		stringFlag("output", "o", "", "write the report to `FILE` instead of stdout, whole or not at all (e.g. -o result.json)"),
		stringFlag("progress", "", "auto", "progress bar `MODE` on stderr: auto (when stderr is a terminal), always, never"),
		&cli.StringSliceFlag{Name: "assert", EnvVars: []string{envName("assert")},
			Usage: "fail (exit 1) unless `EXPR` holds (in a sweep: at every point), e.g. --assert 'throughput>=2M' --assert 'p99<=2ms,lost==0'; metrics: " +
				strings.Join(check.MetricNames(), " ") + "; q2.p99 for one queue; operators < <= > >= == !=; a metric with no samples fails"},
		stringFlag("repeat", "", "1", "run the same config `N` times (in a sweep: at every point); assertions and --baseline use the medians (e.g. --repeat 5)"),
		fileFlag("save-baseline", "", "write the json result to `FILE` for a later --baseline, if every check passed (e.g. --save-baseline base.json)"),
		fileFlag("baseline", "", "compare throughput, p50 and p99 with a saved json result in `FILE` (a sweep's with msgsim sweep); exit 1 on a regression (e.g. --baseline base.json)"),
		stringFlag("max-regression", "", "10%", "with --baseline: how much worse a metric may get, as a `PERCENT` (e.g. --max-regression 5%)"),
		boolFlag("baseline-any-config", "with --baseline: compare even when its config differs"),
		boolFlag("quiet", "print no report; only failures on stderr and the exit code (-o still writes the file)"),
		fileFlag("cpuprofile", "", "write a CPU profile of the invocation to `FILE` for go tool pprof (e.g. --cpuprofile cpu.out)"),
		fileFlag("memprofile", "", "write a heap profile at the end to `FILE` (e.g. --memprofile mem.out)"),
		fileFlag("exectrace", "", "write a runtime/trace execution trace to `FILE` for go tool trace (e.g. --exectrace trace.out)"),
	}, histogramFlags()...)
}

// parser reads flags into options, keeping the first problem. Every
// problem names the flag, the value, where it came from when that was the
// environment, and what is allowed.
type parser struct {
	c    *cli.Context
	cmd  string       // "msgsim", "msgsim sweep", "msgsim explain"
	axes []sweep.Axis // what a sweep varies; nil otherwise
	err  error
}

func (p *parser) fail(format string, args ...any) {
	if p.err == nil {
		p.err = usageError{fmt.Sprintf(format, args...)}
	}
}

// bad reports flag name's value as not allowed.
func (p *parser) bad(name, problem string) {
	p.fail("--%s: %q%s %s", name, p.c.String(name), fromEnv(p.c, name), problem)
}

// countLimits are the ranges of the count flags, for messages about a
// value that is not even a number in range (a negative one, say).
var countLimits = map[string][2]int64{
	"messages": {1, sim.MaxExpected}, "producers": {1, sim.MaxProducers}, "queues": {1, sim.MaxQueues},
	"consumers": {1, sim.MaxConsumers}, "keys": {1, sim.MaxKeys}, "buffer": {0, sim.MaxBuffer},
	"batch": {1, sim.MaxBatch}, "size": {0, sim.MaxSize}, "procs": {0, sim.MaxProcs}, "trace": {0, math.MaxInt64},
	"max-deliver": {0, sim.MaxMaxDeliver},
}

func (p *parser) count(name string) int64 {
	raw := p.c.String(name)
	v, err := units.ParseCount(raw)
	if errors.Is(err, units.ErrRange) && name != "seed" {
		lim := countLimits[name]
		p.bad(name, fmt.Sprintf("is out of range (want %s..%s)", units.Int(lim[0]), units.Int(lim[1])))
	} else if err != nil {
		p.bad(name, countProblem(err))
	}
	return v
}

func (p *parser) duration(name string) time.Duration {
	raw := p.c.String(name)
	if raw == "0" {
		return 0
	}
	v, err := time.ParseDuration(raw)
	if err != nil || v < 0 {
		p.bad(name, "is not a duration (want e.g. 50us, 1.5ms, 10s, 2m)")
	}
	return v
}

// parseOptions turns flags and environment into options for command cmd,
// or returns a usageError naming the first bad flag. A sweep passes its
// axes, so that --baseline is read as a saved sweep of them.
func parseOptions(c *cli.Context, cmd string, axes []sweep.Axis) (options, error) {
	return parseOptionsWith(c, cmd, axes, nil, nil)
}

// parseOptionsWith is parseOptions with adjust applied to the config the
// flags make, before anything checks it: msgsim run's scenario sets what
// its phases decide there, and scen says which scenario file it follows.
func parseOptionsWith(c *cli.Context, cmd string, axes []sweep.Axis, adjust func(*sim.Config) error, scen *invoke.ScenarioRun) (options, error) {
	p := &parser{c: c, cmd: cmd, axes: axes}
	cfg := sim.DefaultConfig()
	cfg.Messages = p.count("messages")
	cfg.Producers = int(p.count("producers"))
	cfg.Queues = int(p.count("queues"))
	cfg.Consumers = int(p.count("consumers"))
	cfg.Keys = int(p.count("keys"))
	cfg.Buffer = int(p.count("buffer"))
	cfg.Batch = int(p.count("batch"))
	cfg.Size = int(p.count("size"))
	cfg.Seed = uint64(p.count("seed"))
	cfg.Procs = int(p.count("procs"))
	cfg.NoPrefault = !c.Bool("prefault")
	if raw := c.String("max-memory"); raw != "auto" {
		v, err := units.ParseBytes(raw)
		if err != nil || v < 1<<20 { // under a MiB is a typo: no run fits
			p.bad("max-memory", "is not an amount of memory of 1 MiB or more (want e.g. 8GiB, 512MiB or 16G; or auto)")
		}
		cfg.MaxMemory = v
	}
	cfg.TraceN = p.count("trace")
	p.workload(&cfg)
	if adjust != nil && p.err == nil {
		if err := adjust(&cfg); err != nil {
			return options{}, err
		}
	}
	o := options{plan: invoke.Plan{Config: cfg, Scenario: scen}}
	p.presentation(&o)
	p.ci(&o)
	if p.err != nil {
		return o, p.err
	}
	if err := o.plan.Config.Validate(); err != nil {
		return o, p.validation(err)
	}
	if o.plan.Config.NATSURL != "" {
		if err := sim.ParseURLs(o.plan.Config.NATSURL); err != nil {
			return o, p.validation(err)
		}
	}
	if err := check.Validate(o.plan.Assertions, o.plan.Config); err != nil {
		return o, usageError{"--assert" + fromEnv(c, "assert") + ": " + strings.TrimPrefix(err.Error(), check.ErrSyntax.Error()+" ")}
	}
	p.applies(&o)
	p.baseline(&o, axes)
	if p.err != nil {
		return o, p.err
	}
	if err := o.plan.Check(); err != nil {
		return o, usageError{strings.TrimPrefix(err.Error(), invoke.ErrPlan.Error()+": ")}
	}
	return o, nil
}

// workload reads the dispatch, open-loop, work, timing and transport flags.
func (p *parser) workload(cfg *sim.Config) {
	c := p.c
	var err error
	if cfg.Dispatch, err = sim.ParseDispatch(c.String("dispatch")); err != nil {
		p.bad("dispatch", fmt.Sprintf("is not a dispatch mode (want %s)", join(sim.Dispatches)))
	}
	rate, err := units.ParseFloat(strings.TrimSuffix(c.String("rate"), "/s"))
	if err != nil {
		p.bad("rate", "is not a rate (want msgs/s such as 50k, 1M or 2.5e5; 0 is closed loop)")
	}
	cfg.Rate = rate
	cfg.Work, cfg.Duration, cfg.Warmup = p.duration("work"), p.duration("duration"), p.duration("warmup")
	if raw := c.String("interval"); raw != "auto" {
		if cfg.Interval = p.duration("interval"); cfg.Interval == 0 && p.err == nil {
			p.bad("interval", "is not an interval (want a duration such as 500ms, or auto)")
		}
	}
	choose := func(name string, parse func(string) error) {
		if err := parse(c.String(name)); err != nil {
			_, want, _ := strings.Cut(err.Error(), "(want ")
			p.bad(name, "is not allowed (want "+want)
		}
	}
	choose("arrival", func(s string) (err error) { cfg.Arrival, err = sim.ParseArrival(s); return })
	choose("work-dist", func(s string) (err error) { cfg.WorkDist, err = sim.ParseWorkDist(s); return })
	choose("work-kind", func(s string) (err error) { cfg.WorkKind, err = sim.ParseWorkKind(s); return })
	cfg.Transport = strings.ToLower(c.String("transport"))
	if !slices.Contains(sim.Transports, cfg.Transport) {
		p.bad("transport", "is not a transport (want "+strings.Join(sim.Transports, ", ")+")")
	}
	cfg.NATSURL, cfg.NATSToken, cfg.NATSCreds, cfg.RunID = c.String("nats-url"), c.String("nats-token"), c.String("nats-creds"), c.String("run-id")
	cfg.Role = strings.ToLower(c.String("role"))
	if v, err := units.ParseBytes(c.String("nats-pending")); err != nil || v < 64<<10 {
		p.bad("nats-pending", "is not an amount of memory of 64 KiB or more (want e.g. 256MiB or 1GiB)")
	} else {
		cfg.NATSPending = int64(v)
	}
	if dt, err := time.ParseDuration(c.String("drain-timeout")); err != nil || dt <= 0 {
		p.bad("drain-timeout", "is not a duration above 0 (want e.g. 5s; consumers need some time to receive what is in flight)")
	} else {
		cfg.DrainTimeout = dt
	}
	p.broker(cfg)
	if cfg.Duration > 0 && !c.IsSet("messages") {
		cfg.Messages = cfg.UnlimitedMessages() // the duration decides
	}
}

// presentation reads how the report is shown and where it goes.
func (p *parser) presentation(o *options) {
	c := p.c
	var err error
	if o.format, err = report.ParseFormat(c.String("format")); err != nil {
		p.bad("format", "is not a format (want "+join(report.Formats)+")")
	}
	switch o.progress = strings.ToLower(c.String("progress")); o.progress {
	case "auto", "always", "never":
	default:
		p.bad("progress", "is not a mode (want auto, always, never)")
	}
	o.output, o.quiet = c.String("output"), c.Bool("quiet")
	o.hdrLog, o.hgrm = c.String("hdr-log"), c.String("hgrm")
	if p.cmd == "msgsim sweep" || p.cmd == "msgsim explain" {
		for _, name := range []string{"hdr-log", "hgrm"} {
			if c.String(name) != "" {
				p.fail("--%s%s: %s writes no histogram (a sweep's runs have one each; explain prints text): run one config with msgsim or msgsim run", name, fromEnv(c, name), p.cmd)
			}
		}
	}
}

// ci reads assertions, repeats, baselines and profiles into the plan.
func (p *parser) ci(o *options) {
	c := p.c
	for _, list := range c.StringSlice("assert") {
		as, err := check.Parse(list)
		if err != nil {
			p.fail("--assert%s: %s", fromEnv(c, "assert"), strings.TrimPrefix(err.Error(), check.ErrSyntax.Error()+" "))
			return
		}
		o.plan.Assertions = append(o.plan.Assertions, as...)
	}
	n, err := units.ParseCount(c.String("repeat"))
	if err != nil || n < 1 || n > invoke.MaxRepeat {
		p.bad("repeat", fmt.Sprintf("is out of range (want a whole number from 1 to %s)", units.Int(invoke.MaxRepeat)))
	}
	o.plan.Repeat = int(n)
	o.plan.SaveBaseline = c.String("save-baseline")
	o.plan.Profiles = invoke.Profiles{CPU: c.String("cpuprofile"), Mem: c.String("memprofile"), Exec: c.String("exectrace")}
}

// maxRegression reads --max-regression as a fraction.
func (p *parser) maxRegression() float64 {
	pct := strings.TrimSuffix(strings.TrimSpace(p.c.String("max-regression")), "%")
	f, err := strconv.ParseFloat(pct, 64)
	// Plain decimals only: ParseFloat also reads 0x1p-2 and 1_0.
	if err != nil || !percent.MatchString(pct) || math.IsInf(f, 0) {
		p.bad("max-regression", "is not a percentage (want e.g. 10% or 2.5%)")
	}
	return f / 100
}

// baseline reads --baseline, for a run or a sweep over axes.
func (p *parser) baseline(o *options, axes []sweep.Axis) {
	file := p.c.String("baseline")
	if file == "" || p.err != nil {
		return
	}
	maxReg := p.maxRegression()
	if p.err != nil {
		return
	}
	b, err := invoke.ReadBaseline(file, maxReg, p.c.Bool("baseline-any-config"), o.plan.Config, axes, o.plan.Scenario.ID())
	if err != nil {
		p.fail("--baseline%s: %v", fromEnv(p.c, "baseline"), err)
		return
	}
	o.plan.Baseline = b
}

var percent = regexp.MustCompile(`^[0-9]+(\.[0-9]+)?$`)

// broker reads the delivery semantics, the JetStream settings and the
// broker faults.
func (p *parser) broker(cfg *sim.Config) {
	c := p.c
	if raw := c.String("delivery"); raw != "" {
		d, err := sim.ParseDelivery(raw)
		if err != nil {
			p.bad("delivery", "is not a delivery semantics (want "+join(sim.Deliveries)+")")
		}
		cfg.Delivery = d
	}
	if cfg.Transport == "jetstream" { // elsewhere applies refuses them, and the config keeps no defaults it never used
		cfg.Storage, cfg.AckPolicy = strings.ToLower(c.String("storage")), strings.ToLower(c.String("ack-policy"))
		if cfg.AckWait = p.duration("ack-wait"); cfg.AckWait == 0 && p.err == nil {
			p.bad("ack-wait", "is not a wait above 0 (want e.g. 500ms or 2s)")
		}
		cfg.MaxDeliver = int(p.count("max-deliver"))
		cfg.MsgID = c.Bool("msg-id")
		cfg.DedupWindow = p.duration("dedup-window")
	}
	if cfg.Transport == "kafka" {
		cfg.KafkaBrokers, cfg.KafkaSASL = c.String("kafka-brokers"), strings.ToLower(c.String("kafka-sasl"))
		cfg.KafkaUser, cfg.KafkaPassword, cfg.KafkaTLS, cfg.KafkaCA = c.String("kafka-user"), c.String("kafka-password"), c.Bool("kafka-tls"), c.String("kafka-ca")
		if cfg.SessionTimeout = p.duration("session-timeout"); cfg.SessionTimeout == 0 && p.err == nil {
			p.bad("session-timeout", "is not a timeout above 0 (want e.g. 6s)")
		}
	}
	for _, raw := range c.StringSlice("fault") {
		f, err := sim.ParseFault(raw)
		if err != nil {
			p.fail("--fault: %q%s %v", raw, fromEnv(c, "fault"), err)
			return
		}
		cfg.Faults = append(cfg.Faults, f)
	}
	if c.IsSet("msg-id") && !cfg.MsgID && cfg.Delivery == sim.ExactlyOnce {
		p.fail("--msg-id=false%s: exactly once needs message ids (the publisher's half of it); drop one of --msg-id=false and --delivery exactly-once", fromEnv(c, "msg-id"))
	}
}
