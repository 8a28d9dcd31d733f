package main

import (
	"fmt"
	"io"

	"github.com/urfave/cli/v2"

	"github.com/msgsim/msgsim/explain"
	"github.com/msgsim/msgsim/report"
)

// explainCommand draws the topology, predicts it, runs it (unless
// --dry-run) and sets prediction beside measurement.
func explainCommand(stdout, stderr io.Writer) *cli.Command {
	flags := append(runFlags(), &cli.BoolFlag{Name: "dry-run", EnvVars: []string{envName("dry-run")}, Usage: "draw and predict only; do not run"})
	return &cli.Command{
		Name:         "explain",
		Usage:        "draw the topology, predict it with queueing theory, run it and say what bounded it",
		UsageText:    "msgsim explain [flags] [--dry-run]",
		Description:  "Example: msgsim explain -q 1 -c 2 --rate 2.8k --arrival poisson --work 500us --work-dist exp -d 10s",
		Flags:        flags,
		OnUsageError: usageHandler(flags),
		Action: func(c *cli.Context) error {
			if c.NArg() > 0 {
				return usageError{fmt.Sprintf("unexpected argument %q (msgsim explain takes only flags)", c.Args().First())}
			}
			o, err := parseOptions(c)
			if err != nil {
				return err
			}
			// explain is prose for a reader; say so rather than ignore the flags.
			if o.format != report.Table {
				return usageError{fmt.Sprintf("--format: %s does not apply to explain (it prints text; run msgsim --format %s for the data)", o.format, o.format)}
			}
			if o.output != "" && o.output != "-" {
				return usageError{"--output: does not apply to explain (it prints to stdout; redirect it instead)"}
			}
			fmt.Fprintln(stdout, explain.Diagram(o.cfg))
			explain.WritePrediction(stdout, o.cfg)
			if c.Bool("dry-run") {
				return nil
			}
			fmt.Fprintln(stdout)
			o.format = report.Table
			tail := func(doc report.Document) {
				fmt.Fprintln(stdout)
				explain.WriteComparison(stdout, doc.Result)
				fmt.Fprintf(stdout, "\nverdict: %s\n", explain.Verdict(doc.Result))
			}
			return executeWith(c.Context, o, stdout, stderr, tail)
		},
	}
}
