package main

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/msgsim/msgsim/invoke"
	"github.com/msgsim/msgsim/outfile"
	"github.com/msgsim/msgsim/plot"
	"github.com/msgsim/msgsim/report"
	"github.com/msgsim/msgsim/sweep"
)

// sweepCommand runs one config over ranges of one or two parameters; every
// point goes through the invocation layer like a run of its own.
func sweepCommand(stdout, stderr io.Writer) *cli.Command {
	flags := append(runFlags(),
		&cli.StringSliceFlag{Name: "vary", EnvVars: []string{envName("vary")}, Usage: "`NAME=VALUES` to vary: consumers, queues, producers, buffer, batch, rate, work; " +
			"values 1,2,4,8 or 1..16x2 (doubling; counts are rounded to distinct whole numbers) or 1..8 (step 1) or 100us..500us+100us; twice for a grid"},
		fileFlag("plot", "", "also draw throughput and p99 to `FILE`.png or .svg"),
	)
	for _, f := range flags {
		if sf, ok := f.(*cli.StringFlag); ok && sf.Name == "repeat" {
			sf.Value = "3"
		}
	}
	return &cli.Command{
		Name:        "sweep",
		Usage:       "run one config over a range of values and show how throughput and latency scale",
		UsageText:   "msgsim sweep --vary consumers=1,2,4,8,16 [flags]",
		Description: "Example: msgsim sweep --vary consumers=1..16x2 -q 1 --rate 20k --arrival poisson --work 200us -d 3s --plot sweep.png",
		Flags:       flags,
		Action: func(c *cli.Context) error {
			if err := checkArgs(c, "msgsim sweep"); err != nil {
				return err
			}
			axes, err := parseAxes(c)
			if err != nil {
				return err
			}
			o, err := parseOptions(c, "msgsim sweep", axes)
			if err != nil {
				return err
			}
			if err := sweep.Validate(o.plan.Config, axes); err != nil {
				return usageError{"--vary" + fromEnv(c, "vary") + ": " + err.Error()}
			}
			plotPath := c.String("plot")
			if plotPath != "" {
				if err := plot.CheckPath(plotPath); err != nil {
					return usageError{"--plot" + fromEnv(c, "plot") + ": " + err.Error()}
				}
				if err := outfile.Check(plotPath); err != nil {
					return usageError{fmt.Sprintf("--plot: %q%s cannot be written: %v", plotPath, fromEnv(c, "plot"), unwrapPath(err))}
				}
			}
			if planned != nil {
				planned("sweep", o, axes, plotPath)
				return nil
			}
			return sweepRun(c, o, axes, plotPath, stdout, stderr)
		},
	}
}

func sweepRun(c *cli.Context, o options, axes []sweep.Axis, plotPath string, stdout, stderr io.Writer) error {
	con := newConsole(o, stdout, stderr)
	session := invoke.New(o.plan, con.hooks(o.plan.Config.Dispatch))
	ctx, stop := interruptible(c.Context, con, session.Notice)
	defer stop()
	res, v, err := session.Sweep(ctx, axes)
	if err != nil {
		return invocationError(err)
	}
	if ctx.Err() != nil && !res.Interrupted {
		res.Interrupted = true
		v.Status = invoke.Interrupted
		v.Problems = append([]string{"interrupted after the last point; the report is partial"}, v.Problems...)
	}
	render := func(w io.Writer) error { return report.WriteSweep(w, res, o.format, terminalWidth(stdout)) }
	return finish(ctx, o, con, session, v, render, func() error {
		if plotPath == "" || len(res.Points) == 0 {
			return nil
		}
		// No point to draw is no output failure: the table says why.
		if err := plot.Save(res, plotPath); errors.Is(err, plot.ErrNothing) {
			fmt.Fprintf(stderr, "msgsim: --plot: %s not written: %v\n", plotPath, err)
			return nil
		} else if err != nil {
			return fmt.Errorf("--plot: %w", err)
		}
		return nil
	})
}

// parseAxes reads --vary: one axis (a line) or two (a grid).
func parseAxes(c *cli.Context) ([]sweep.Axis, error) {
	specs := c.StringSlice("vary")
	src := fromEnv(c, "vary")
	if len(specs) == 0 || len(specs) > 2 {
		return nil, usageError{"--vary" + src + ": give one (a line) or two (a grid), e.g. --vary consumers=1,2,4,8"}
	}
	var axes []sweep.Axis
	for _, s := range specs {
		ax, err := sweep.ParseVary(s)
		if err != nil {
			return nil, usageError{"--vary" + src + ": " + strings.TrimPrefix(err.Error(), sweep.ErrSpec.Error()+" ")}
		}
		axes = append(axes, ax)
	}
	if len(axes) == 2 && axes[0].Param == axes[1].Param {
		return nil, usageError{fmt.Sprintf("--vary%s: %s is varied twice", src, axes[0].Param)}
	}
	return axes, nil
}
