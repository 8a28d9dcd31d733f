package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/schollz/progressbar/v3"
	"github.com/urfave/cli/v2"
	"golang.org/x/term"

	"github.com/msgsim/msgsim/plot"
	"github.com/msgsim/msgsim/report"
	"github.com/msgsim/msgsim/sweep"
	"github.com/msgsim/msgsim/units"
)

// sweepCommand runs one config over ranges of one or two parameters.
func sweepCommand(stdout, stderr io.Writer) *cli.Command {
	flags := append(runFlags(),
		&cli.StringSliceFlag{Name: "vary", EnvVars: []string{envName("vary")}, Usage: "`NAME=VALUES` to vary: consumers, queues, producers, buffer, batch, rate, work; " +
			"values 1,2,4,8 or 1..16x2 (doubling) or 1..8 (step 1) or 100us..500us+100us; twice for a grid"},
		fileFlag("plot", "", "also draw throughput and p99 to `FILE`.png or .svg"),
	)
	for _, f := range flags {
		if sf, ok := f.(*cli.StringFlag); ok && sf.Name == "repeat" {
			sf.Value = "3"
		}
	}
	return &cli.Command{
		Name:         "sweep",
		Usage:        "run one config over a range of values and show how throughput and latency scale",
		UsageText:    "msgsim sweep --vary consumers=1,2,4,8,16 [flags]",
		Description:  "Example: msgsim sweep --vary consumers=1..16x2 -q 1 --rate 20k --arrival poisson --work 200us -d 3s --plot sweep.png",
		Flags:        flags,
		OnUsageError: usageHandler(flags),
		Action: func(c *cli.Context) error {
			if c.NArg() > 0 {
				return usageError{fmt.Sprintf("unexpected argument %q (msgsim sweep takes only flags)", c.Args().First())}
			}
			specs := c.StringSlice("vary")
			if len(specs) == 0 || len(specs) > 2 {
				return usageError{"--vary: give one (a line) or two (a grid), e.g. --vary consumers=1,2,4,8"}
			}
			var axes []sweep.Axis
			for _, s := range specs {
				ax, err := sweep.ParseVary(s)
				if err != nil {
					return usageError{"--vary: " + strings.TrimPrefix(err.Error(), sweep.ErrSpec.Error()+" ")}
				}
				axes = append(axes, ax)
			}
			if len(axes) == 2 && axes[0].Param == axes[1].Param {
				return usageError{fmt.Sprintf("--vary: %s is varied twice", axes[0].Param)}
			}
			o, err := parseOptions(c)
			if err != nil {
				return err
			}
			if o.format == report.GoBench {
				return usageError{"--format: gobench does not apply to a sweep (want table, json, csv, markdown)"}
			}
			if err := sweep.Validate(o.cfg, axes); err != nil {
				return usageError{"--vary: " + err.Error()}
			}
			plotPath := c.String("plot")
			if plotPath != "" {
				if err := plot.CheckPath(plotPath); err != nil {
					return usageError{"--plot: " + err.Error()}
				}
				if err := checkWritable(plotPath); err != nil {
					return usageError{fmt.Sprintf("--plot: %q cannot be written: %v", plotPath, errors.Unwrap(err))}
				}
			}
			ctx, stopSignals := interruptible(c.Context, stderr)
			defer stopSignals()
			total := len(sweep.Grid(axes)) * o.ci.repeat
			var bar *progressbar.ProgressBar
			if o.progress == "always" || (o.progress == "auto" && isTerminal(stderr)) {
				bar = progressbar.NewOptions(total, progressbar.OptionSetWriter(stderr), progressbar.OptionSetDescription("sweep"),
					progressbar.OptionShowCount(), progressbar.OptionSetPredictTime(true), progressbar.OptionClearOnFinish())
			}
			res, err := sweep.Run(ctx, o.cfg, axes, o.ci.repeat, func(done, _ int) {
				if bar != nil {
					_ = bar.Set(done)
				}
			})
			if bar != nil {
				_ = bar.Clear()
			}
			if err != nil {
				return usageError{err.Error()}
			}
			var buf bytes.Buffer
			if err := report.WriteSweep(&buf, res, o.format, terminalWidth(stdout)); err != nil {
				return runtimeError{err}
			}
			if err := emit(buf.Bytes(), o, stdout); err != nil {
				return err
			}
			if plotPath != "" {
				if err := plot.Save(res, plotPath); err != nil {
					return runtimeError{fmt.Errorf("--plot: %w", err)}
				}
			}
			switch {
			case res.Interrupted:
				return interruptedError{}
			}
			for _, p := range res.Points {
				if p.Lost != 0 || p.Dup != 0 {
					return checkFailedError{fmt.Sprintf("check FAILED at %s: %s lost, %s duplicated",
						pointName(res, p.Point), units.Int(p.Lost), units.Int(p.Dup))}
				}
			}
			return nil
		},
	}
}

func pointName(res sweep.Result, p sweep.Point) string {
	parts := make([]string, len(res.Axes))
	for i, a := range res.Axes {
		parts[i] = a.Param + "=" + sweep.FormatValue(a.Param, p[i])
	}
	return strings.Join(parts, " ")
}

// terminalWidth is the width of stdout when it is a terminal, else 80.
func terminalWidth(w io.Writer) int {
	if f, ok := w.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		if width, _, err := term.GetSize(int(f.Fd())); err == nil && width > 20 {
			return width
		}
	}
	return 80
}
