package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"
	"sync/atomic"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/urfave/cli/v2"
	"golang.org/x/term"

	"github.com/msgsim/msgsim/invoke"
	"github.com/msgsim/msgsim/outfile"
	"github.com/msgsim/msgsim/report"
	"github.com/msgsim/msgsim/sim"
	"github.com/msgsim/msgsim/steer"
	"github.com/msgsim/msgsim/units"
	"github.com/msgsim/msgsim/watch"
)

// Classroom mode's bounds: how long a run of flags lasts unless -d or -n
// says, how far the rate keys may raise the rate (the exactly-once bits
// are sized for it), and how many consumers a queue may gain.
const (
	watchLength   = 10 * time.Minute
	watchRateRoom = 4
	watchRoom     = 4 // at least this many more consumer slots per queue, and at least as many as -c
)

// watchCommand is classroom mode: the run of flags or of a scenario file,
// drawn live and steered with keys; the normal report once it ends.
func watchCommand(stdout, stderr io.Writer) *cli.Command {
	flags := append(runFlags(), fileFlag("record", "", "record what the screen showed as an asciinema v2 cast in `FILE`, to replay with asciinema play (e.g. --record class.cast)"))
	return &cli.Command{
		Name:      "watch",
		Usage:     "classroom mode: draw the run live in the terminal, steer it with keys, then print the normal report",
		UsageText: "msgsim watch [FILE] [flags]",
		Description: "Example: msgsim watch -q 1 -c 2 --rate 1500 --arrival poisson --work 1ms --work-dist exp --work-kind sleep\n\n" +
			"The topology, depth bars, consumer lanes, the last minute's rates and p99, Little's law and the\n" +
			"queueing model beside what is measured. Keys: ←/→ queue, +/- consumers, ↑/↓ rate, </> work,\n" +
			"p pause producers, c crash a consumer, space freeze the view, ? keys, q end the run. Without -n or\n" +
			"-d a run lasts 10m; the rate keys go up to 4× the starting rate. A FILE is a scenario, as for\n" +
			"msgsim run. Refused when stdout is not a terminal, CI is set or TERM=dumb. docs/teaching.md.",
		Flags: flags,
		Action: func(c *cli.Context) error {
			if c.NArg() > 1 {
				return usageError{fmt.Sprintf("msgsim watch takes at most one scenario FILE, not %d arguments", c.NArg())}
			}
			var o options
			var err error
			path, overrides := c.Args().First(), []string(nil)
			if path != "" {
				o, _, overrides, err = scenarioOptions(c, "msgsim watch", path, stderr)
				if err == nil {
					err = watchScenario(c, &o)
				}
				// Keys steer a watched run: its report names the file (below),
				// but no version of it a later run's baseline could match.
				o.plan.Scenario = nil
			} else {
				o, err = watchOptions(c)
			}
			if err != nil {
				return err
			}
			if err := watchApplies(c, o); err != nil {
				return err
			}
			record := c.String("record")
			if record != "" {
				if err := outfile.Check(record); err != nil {
					return usageError{fmt.Sprintf("--record: %q%s cannot be written: %v", record, fromEnv(c, "record"), unwrapPath(err))}
				}
				// The cast and the report in one file would overwrite each
				// other; the cast on stdout would draw over the view.
				what, report := "-o's file, where the report goes", o.output
				if report == "" || report == "-" {
					what, report = "stdout, where the view draws and the report goes", "/dev/stdout"
				}
				if outfile.Same(record, report) {
					return usageError{fmt.Sprintf("--record: %q%s is also %s; give the cast its own file", record, fromEnv(c, "record"), what)}
				}
			}
			if planned != nil {
				planned("watch", o, record)
				return nil
			}
			if why := watchRefusal(stdout); why != "" {
				return usageError{why}
			}
			return watchRun(c.Context, o, record, stdout, stderr, func(doc *report.Document) {
				if path != "" {
					doc.Scenario, doc.Overrides = path, overrides
				}
			})
		},
	}
}

// watchApplies refuses what cannot work, or have an effect, under the view.
func watchApplies(c *cli.Context, o options) error {
	switch {
	case o.plan.Repeat > 1:
		return usageError{fmt.Sprintf("--repeat %d%s: msgsim watch shows one run (msgsim run or msgsim --repeat for medians)", o.plan.Repeat, fromEnv(c, "repeat"))}
	case c.IsSet("progress"):
		return usageError{fmt.Sprintf("--progress%s: msgsim watch draws its own view, and no progress bar", fromEnv(c, "progress"))}
	case o.plan.SaveBaseline != "":
		// Keys steer the run, so it follows neither the flags nor the
		// file as written: a later run compared with it would compare
		// with what someone did by hand.
		return usageError{fmt.Sprintf("--save-baseline%s: msgsim watch is steered by hand, so its run is no baseline: save one with msgsim run FILE or msgsim", fromEnv(c, "save-baseline"))}
	case o.plan.Config.TraceN > 0:
		return usageError{fmt.Sprintf("--trace%s: deliveries printed on stderr would tear the view; msgsim --trace prints them", fromEnv(c, "trace"))}
	}
	return nil
}

// watchRefusal says why this terminal cannot show the view, "" when it can.
func watchRefusal(stdout io.Writer) string {
	switch {
	case os.Getenv("CI") != "":
		return "msgsim watch draws a live view for people watching, and CI is set: run the same flags with msgsim (or msgsim run FILE) for the report"
	case os.Getenv("TERM") == "dumb":
		return "msgsim watch needs a terminal that can draw a full-screen view, and TERM=dumb cannot: run the same flags with msgsim for the report"
	case !isTerminal(stdout):
		return "msgsim watch draws on a terminal, and stdout is not one (a pipe or a file): run the same flags with msgsim for the report"
	}
	return ""
}

// watchOptions is the plan of a watched run of flags: one phase at the
// flags' rate and work, for -n messages or -d (10 minutes by default),
// with consumer slots to add to and a message bound that leaves the rate
// keys room.
func watchOptions(c *cli.Context) (options, error) {
	var phase steer.Phase
	start := 0
	o, err := parseOptionsWith(c, "msgsim watch", nil, func(cfg *sim.Config) error {
		if cfg.Remote() || cfg.Batch > 1 {
			var set []string
			for _, name := range steerRefused {
				if c.IsSet(name) {
					set = append(set, "--"+name+fromEnv(c, name))
				}
			}
			return usageError{strings.Join(set, ", ") + ": msgsim watch steers runs over Go channels one message at a time (--transport chan, --batch 1)"}
		}
		if c.IsSet("messages") && cfg.Duration > 0 {
			return usageError{fmt.Sprintf("--duration %s%s: msgsim watch runs for -n messages or for -d, not both", cfg.Duration, fromEnv(c, "duration"))}
		}
		phase = steer.Phase{Name: "watch", Work: cfg.Work, WorkDist: cfg.WorkDist, WorkKind: cfg.WorkKind, Arrival: cfg.Arrival,
			Consumers: map[int]int{steer.AllQueues: cfg.Consumers}}
		switch {
		case c.IsSet("messages"):
			phase.Messages = cfg.Messages * int64(cfg.Producers)
		case cfg.Duration > 0:
			phase.Duration = cfg.Duration
		case cfg.Rate == 0:
			return usageError{"--rate 0: a closed loop in msgsim watch needs -n or -d to bound its run (or give a --rate)"}
		default:
			phase.Duration = watchLength
		}
		bound := phase
		if cfg.Rate > 0 {
			phase.Rate, bound.Rate = steer.Constant(cfg.Rate), steer.Constant(cfg.Rate*watchRateRoom)
		}
		start = cfg.Consumers
		cfg.Consumers += max(watchRoom, cfg.Consumers)
		cfg.Messages = steer.Messages([]steer.Phase{bound}, cfg.Producers)
		watchInterval(cfg)
		cfg.Control = sim.NewControl(start) // for Validate; the run gets its own
		if cfg.Rate > 0 && !c.IsSet("messages") {
			// The bound is the view's, not the user's: say so, naming what
			// they gave, rather than a --messages they never set.
			trial := *cfg
			var fe *sim.FieldError
			var me *sim.MemoryError
			err := trial.Validate()
			why := ""
			switch {
			case errors.As(err, &fe) && fe.Field == "messages":
				why = fmt.Sprintf("more deliveries than the %s one run checks", units.Int(sim.MaxExpected))
			case errors.As(err, &me):
				why = fmt.Sprintf("about %s of memory, over its %s budget (--max-memory)", units.Bytes(float64(me.Estimate.Total)), units.Bytes(float64(me.Budget.Bytes)))
			}
			if why != "" {
				return usageError{fmt.Sprintf("--rate %s%s: msgsim watch checks every message a run of %s at up to %d× this rate could bring (the rate keys' room): %s; give -n, a shorter -d or a lower --rate",
					units.Rate(cfg.Rate), fromEnv(c, "rate"), units.Duration(bound.Duration), watchRateRoom, why)}
			}
		}
		return nil
	}, nil)
	if err != nil {
		return o, err
	}
	// The phase decides rate and length from here, as a scenario's do;
	// the flags' were left for the checks of what applies with what.
	o.plan.Config.Rate, o.plan.Config.Duration = 0, 0
	o.plan.Steer = &invoke.Steering{Phases: []steer.Phase{phase}, Active: start}
	o.plan.Config.Control = nil
	if err := o.plan.Check(); err != nil {
		return o, usageError{strings.TrimPrefix(err.Error(), invoke.ErrPlan.Error()+": ")}
	}
	return o, nil
}

// watchScenario makes a scenario's plan one a view can steer: a second
// series for the sparklines' p99, and a message bound with room for the
// rate keys.
func watchScenario(c *cli.Context, o *options) error {
	cfg := &o.plan.Config
	watchInterval(cfg)
	roomy := make([]steer.Phase, len(o.plan.Steer.Phases))
	for i, p := range o.plan.Steer.Phases {
		roomy[i] = p
		if rate := p.Rate; rate != nil {
			roomy[i].Rate = func(d, l time.Duration) float64 { return watchRateRoom * rate(d, l) }
		}
	}
	cfg.Messages = steer.Messages(roomy, cfg.Producers)
	if err := o.plan.Check(); err != nil {
		return usageError{strings.TrimPrefix(err.Error(), invoke.ErrPlan.Error()+": ")}
	}
	return nil
}

// watchInterval gives the sparklines' p99 and the live latency a series,
// a second at a time, unless --interval (or the scenario) gave one or the
// run has more consumer slots than a series is kept for (the view then
// says its latency is not measured, rather than refuse an --interval
// never given).
func watchInterval(cfg *sim.Config) {
	if cfg.Interval == 0 && int64(cfg.Queues)*int64(cfg.Consumers) <= sim.OwnHistogramsUpTo {
		cfg.Interval = time.Second
	}
}

// watchRun runs the plan through the invocation layer, as msgsim run does,
// while the view draws it and steers it; once the run has ended and the
// view closed, the report is rendered as msgsim run renders it.
func watchRun(ctx context.Context, o options, record string, stdout, stderr io.Writer, annotate func(*report.Document)) error {
	con := newConsole(o, stdout, stderr)
	con.bar = false // the view shows progress
	var progress atomic.Pointer[sim.Progress]
	var control atomic.Pointer[sim.Control]
	session := invoke.New(o.plan, invoke.Hooks{
		Start:   func(s invoke.Step) { progress.Store(s.Progress) },
		Steered: func(_ invoke.Step, c *sim.Control) { control.Store(c) },
	})
	ctx, stop := interruptible(ctx, con, session.Notice)
	defer stop()
	ctx, interrupt := context.WithCancel(ctx) // ctrl+c in the view: the terminal is raw, so no SIGINT
	defer interrupt()

	cfg := o.plan.Config
	setup := watch.Setup{Title: watchTitle(o), Producers: cfg.Producers, Queues: cfg.Queues, Slots: cfg.Consumers,
		Dispatch: cfg.Dispatch, Keys: cfg.Keys, Buffer: cfg.Buffer, Arrival: cfg.Arrival, WorkDist: cfg.WorkDist, WorkKind: cfg.WorkKind, Cores: runtime.GOMAXPROCS(0), Untimed: cfg.Interval == 0}
	if len(o.plan.Steer.Phases) == 1 && o.plan.Steer.Phases[0].Rate != nil {
		setup.MaxRate = watchRateRoom * o.plan.Steer.Phases[0].Rate(0, 0)
	}
	m := watch.New(setup, watch.Pending(control.Load), watch.Live(cfg.Queues, cfg.Consumers, progress.Load, control.Load), interrupt)
	out := stdout
	var cast *watch.Cast
	if record != "" {
		f, err := os.Create(record)
		if err != nil {
			return runtimeError{fmt.Errorf("--record %q: %v", record, err)}
		}
		defer f.Close()
		w, h := 80, 24
		if fd, ok := stdout.(interface{ Fd() uintptr }); ok {
			if tw, th, err := term.GetSize(int(fd.Fd())); err == nil {
				w, h = tw, th
			}
		}
		if cast, err = watch.NewCast(stdout, f, w, h, nil); err != nil {
			return runtimeError{fmt.Errorf("--record %q: %v", record, err)}
		}
		m.Record(cast)
		out = cast
	}
	p := tea.NewProgram(m, tea.WithAltScreen(), tea.WithOutput(out), tea.WithoutSignalHandler())
	type outcome struct {
		doc report.Document
		v   invoke.Verdict
		err error
	}
	done := make(chan outcome, 1)
	go func() {
		doc, v, err := session.Run(ctx)
		p.Send(watch.Ended{}) // after the view has quit, Send does nothing
		done <- outcome{doc, v, err}
	}()
	_, uerr := p.Run()
	if uerr != nil {
		interrupt() // no view, no run
	}
	res := <-done
	if uerr != nil {
		return runtimeError{fmt.Errorf("the live view failed: %v", uerr)}
	}
	if cast != nil && cast.Err() != nil {
		return runtimeError{fmt.Errorf("--record %q: %v", record, cast.Err())}
	}
	if res.err != nil {
		return invocationError(res.err)
	}
	doc, v := res.doc, res.v
	if ctx.Err() != nil && !doc.Interrupted {
		doc.Interrupted = true
		v = invoke.Judge(doc)
		invoke.Stamp(&doc, v)
	}
	annotate(&doc)
	return finish(ctx, o, con, session, v, func(w io.Writer) error { return report.WriteDocument(w, doc, o.format) }, nil)
}

// watchTitle is the view's first line: what runs.
func watchTitle(o options) string {
	c := o.plan.Config
	return fmt.Sprintf("%d producer%s → %d queue%s × %d consumers (room for %d), %s, buffer %d",
		c.Producers, plural(c.Producers), c.Queues, plural(c.Queues), o.plan.Steer.Active, c.Consumers, c.Dispatch, c.Buffer)
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}
