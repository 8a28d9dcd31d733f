package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/msgsim/msgsim/check"
	"github.com/msgsim/msgsim/report"
)

// compareCommand sets saved reports side by side the way benchstat sets
// benchmarks: per metric both medians with their spread, the change, and
// whether the runs show it is more than noise (benchmath's U-test). It
// runs nothing; exit 1 means a significant regression beyond the limit.
func compareCommand(stdout io.Writer) *cli.Command {
	return &cli.Command{
		Name:      "compare",
		Usage:     "compare saved json reports or gobench files, benchstat-like: medians, spread, change and its significance",
		UsageText: "msgsim compare OLD NEW... [flags]",
		Description: "Example: msgsim compare --max-regression 5% base.json new.json   (flags before the files)\n\n" +
			"OLD and each NEW are json reports of runs or sweeps (--format json, --save-baseline) or --format gobench\n" +
			"files; their repeats (--repeat) are the samples. A metric regresses when it is worse than\n" +
			"--max-regression and, with 4 or more runs a side, significantly so (Mann-Whitney U, p < 0.05);\n" +
			"with fewer runs the medians decide. msgsim exits 1 when any metric of any NEW regressed.",
		Flags: []cli.Flag{
			stringFlag("max-regression", "", "10%", "how much worse a metric may get, as a `PERCENT` (e.g. --max-regression 5%)"),
			stringFlag("format", "", "table", "`FORMAT`: table, markdown or json"),
			boolFlag("any-config", "compare json reports even when their configs differ (the seed is never compared), and two files of one configuration each whatever their names"),
		},
		Action: func(c *cli.Context) error {
			p := &parser{c: c, cmd: "msgsim compare"}
			maxReg := p.maxRegression()
			format, err := report.ParseFormat(c.String("format"))
			if err != nil || (format != report.Table && format != report.Markdown && format != report.JSON) {
				p.bad("format", "is not a format of msgsim compare (want table, markdown, json)")
			}
			if p.err != nil {
				return p.err
			}
			if c.NArg() < 2 {
				return usageError{"msgsim compare needs an OLD report and at least one NEW (e.g. msgsim compare base.json new.json)"}
			}
			for _, path := range c.Args().Slice() {
				if strings.HasPrefix(path, "-") {
					return usageError{fmt.Sprintf("%q: msgsim compare takes its flags before the files (e.g. msgsim compare --max-regression 5%% OLD NEW)", path)}
				}
			}
			var saved []report.Saved
			for _, path := range c.Args().Slice() {
				s, err := readSaved(path)
				if err != nil {
					return err
				}
				saved = append(saved, s)
			}
			for _, cur := range saved[1:] {
				if old := saved[0]; old.Config != nil && cur.Config != nil && old.Kind != cur.Kind {
					return usageError{fmt.Sprintf("%q is %s and %q %s: msgsim compare sets like beside like", old.File, old.Kind, cur.File, cur.Kind)}
				}
			}
			if !c.Bool("any-config") {
				for _, cur := range saved[1:] {
					if diff := configDiff(saved[0], cur); len(diff) > 0 {
						return usageError{fmt.Sprintf("%q and %q were measured with other configs (%s); pass --any-config to compare anyway",
							saved[0].File, cur.File, strings.Join(diff, "; "))}
					}
				}
			}
			var all []report.Compared
			var missing []string
			for _, cur := range saved[1:] {
				cs, m := report.CompareSaved(saved[0], cur, maxReg, c.Bool("any-config"))
				all, missing = append(all, cs...), append(missing, m...)
			}
			if len(all) == 0 { // nothing was judged, so nothing may pass
				return usageError{"nothing compared: no configuration is in both OLD and NEW (" + strings.Join(missing, "; ") + ")"}
			}
			var buf bytes.Buffer
			if err := report.WriteCompared(&buf, all, missing, format); err != nil {
				return runtimeError{err}
			}
			if _, err := stdout.Write(buf.Bytes()); err != nil {
				return runtimeError{fmt.Errorf("writing the comparison: %w", err)}
			}
			var regressed []string
			for _, cmp := range all {
				for _, d := range cmp.Comparison.Deltas {
					if d.Regressed {
						regressed = append(regressed, fmt.Sprintf("%s %s %s", cmp.Name, d.Metric, d.ChangeString(cmp.Comparison.MaxRegression)))
					}
				}
			}
			if len(regressed) > 0 {
				return checkFailedError{"regressed: " + strings.Join(regressed, ", ")}
			}
			return nil
		},
	}
}

// readSaved reads one file of msgsim compare, or says in one line why not.
func readSaved(path string) (report.Saved, error) {
	f, err := os.Open(path)
	if err != nil {
		return report.Saved{}, usageError{fmt.Sprintf("%q cannot be read: %v", path, unwrapPath(err))}
	}
	defer f.Close()
	s, err := report.ReadSaved(path, f)
	var pe *fs.PathError
	if errors.As(err, &pe) { // a directory, an I/O error
		return s, usageError{fmt.Sprintf("%q cannot be read: %v", path, pe.Err)}
	}
	if err != nil {
		return s, usageError{fmt.Sprintf("%q: %s", path, strings.TrimPrefix(err.Error(), path+":"))}
	}
	return s, nil
}

// configDiff is how two json reports' configs and scenarios differ, as
// --baseline refuses them (a sweep's varied parameters aside); nothing
// when either is a gobench file, whose benchmark names already say the
// config.
func configDiff(old, cur report.Saved) []string {
	if old.Config == nil || cur.Config == nil {
		return nil
	}
	return append(check.ScenarioDiff(old.Scenario, cur.Scenario), check.ConfigDiff(*old.Config, *cur.Config)...)
}
