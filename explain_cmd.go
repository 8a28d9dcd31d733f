package main

import (
	"fmt"
	"io"

	"github.com/urfave/cli/v2"

	"github.com/msgsim/msgsim/explain"
	"github.com/msgsim/msgsim/invoke"
	"github.com/msgsim/msgsim/report"
)

// explainCommand draws the topology, predicts it, runs it through the
// invocation layer (unless --dry-run) and sets prediction beside
// measurement.
func explainCommand(stdout, stderr io.Writer) *cli.Command {
	flags := append(runFlags(), boolFlag("dry-run", "draw, predict and say what would run; run nothing"))
	return &cli.Command{
		Name:        "explain",
		Usage:       "draw the topology, predict it with queueing theory, run it and say what bounded it",
		UsageText:   "msgsim explain [flags] [--dry-run]",
		Description: "Example: msgsim explain -q 1 -c 2 --rate 2.8k --arrival poisson --work 500us --work-dist exp -d 10s",
		Flags:       flags,
		Action: func(c *cli.Context) error {
			if err := checkArgs(c, "msgsim explain"); err != nil {
				return err
			}
			o, err := parseOptions(c, "msgsim explain", nil)
			if err != nil {
				return err
			}
			// explain is prose for a reader; say so rather than ignore the flags.
			if o.format != report.Table {
				return usageError{fmt.Sprintf("--format%s: %s does not apply to msgsim explain (it prints text; run msgsim --format %s for the data)", fromEnv(c, "format"), o.format, o.format)}
			}
			if o.quiet {
				return usageError{fmt.Sprintf("--quiet%s: does not apply to msgsim explain, whose output is the explanation (msgsim --quiet runs silently)", fromEnv(c, "quiet"))}
			}
			con := newConsole(o, stdout, stderr)
			if c.Bool("dry-run") {
				return finish(c.Context, o, con, nil, invoke.Verdict{}, func(w io.Writer) error {
					fmt.Fprintln(w, explain.Diagram(o.plan.Config))
					explain.WritePrediction(w, o.plan.Config)
					fmt.Fprintln(w)
					return explain.WritePlan(w, o.plan, o.progress)
				}, nil)
			}
			if planned != nil {
				planned("explain", o)
				return nil
			}
			session := invoke.New(o.plan, con.hooks(o.plan.Config.Dispatch))
			ctx, stop := interruptible(c.Context, con, session.Notice)
			defer stop()
			doc, v, err := session.Run(ctx)
			if err != nil {
				return invocationError(err)
			}
			if ctx.Err() != nil && !doc.Interrupted {
				doc.Interrupted = true
				v = invoke.Judge(doc)
				invoke.Stamp(&doc, v)
			}
			return finish(ctx, o, con, session, v, func(w io.Writer) error {
				fmt.Fprintln(w, explain.Diagram(o.plan.Config))
				explain.WritePrediction(w, o.plan.Config)
				fmt.Fprintln(w)
				if err := report.WriteDocument(w, doc, report.Table); err != nil {
					return err
				}
				fmt.Fprintln(w)
				// Cut short anywhere (a run, or between repeats), the
				// figures are judged by none of explain's sentences.
				res := doc.Result
				res.Interrupted = res.Interrupted || doc.Interrupted
				explain.WriteComparison(w, res)
				_, err := fmt.Fprintf(w, "\nverdict: %s\n", explain.Verdict(res))
				return err
			}, nil)
		},
	}
}
