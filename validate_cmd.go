package main

import (
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/msgsim/msgsim/check"
	"github.com/msgsim/msgsim/report"
	"github.com/msgsim/msgsim/scenario"
	"github.com/msgsim/msgsim/units"
)

// validateCommand checks scenario files without running them. Each problem
// is one line on stderr that starts FILE:LINE:COLUMN, as a compiler's do,
// so editors and CI annotations can jump to it; a valid file gets one line
// on stdout saying what it plans.
func validateCommand(stdout, stderr io.Writer) *cli.Command {
	return &cli.Command{
		Name:      "validate",
		Usage:     "check scenario files without running them: every problem with its line and column",
		UsageText: "msgsim validate FILE...",
		Description: "Example: msgsim validate examples/*.yaml\n\n" +
			"A valid file prints FILE: ok (N phases, planned length X); a file with problems prints\n" +
			"one line per problem on stderr, FILE:LINE:COLUMN: what is wrong, and msgsim exits 2.\n" +
			"The format: docs/scenarios.md; editors can check files against scenario/schema.json.",
		Action: func(c *cli.Context) error {
			if c.NArg() == 0 {
				return usageError{"msgsim validate needs a scenario FILE (e.g. msgsim validate examples/ci-smoke.yaml)"}
			}
			bad := 0
			for _, path := range c.Args().Slice() {
				s, err := scenario.Load(path)
				if err == nil {
					err = checkFileBaseline(path, s)
				}
				if err != nil {
					bad++
					if _, werr := fmt.Fprintln(stderr, err); werr != nil {
						return runtimeError{werr}
					}
					continue
				}
				if _, err := fmt.Fprintf(stdout, "%s: ok (%s)\n", path, plan(s)); err != nil {
					return runtimeError{err}
				}
			}
			if bad > 0 {
				return invalidFilesError{bad}
			}
			return nil
		},
	}
}

// checkFileBaseline refuses a file's baseline that msgsim run FILE would
// refuse before the run (flags over the file aside): one it cannot read,
// one that is no baseline, or one of another scenario or another version
// of this file, or measured with flags over it (--procs, --warmup).
func checkFileBaseline(path string, s *scenario.Scenario) error {
	if s.Baseline == "" {
		return nil
	}
	problem := func(format string, args ...any) error {
		return &scenario.Error{File: path, Msg: "baseline " + s.Baseline + ": " + fmt.Sprintf(format, args...)}
	}
	f, err := os.Open(s.Baseline)
	if err != nil {
		return problem("cannot be read: %v (msgsim run refuses a baseline it cannot read; save one with --save-baseline)", unwrapPath(err))
	}
	defer f.Close()
	b, err := report.ReadBaseline(f)
	if err != nil {
		return problem("%v", err)
	}
	if b.Kind != "run" {
		return problem("is the report of a %s; a scenario compares with a saved run of it (msgsim run FILE --save-baseline)", b.Kind)
	}
	// The digest and the overrides say the rest of the config but for
	// the flags no file sets: given no flags, they are their defaults.
	want := b.Config
	want.Procs, want.Warmup = 0, 0
	d := append(check.ScenarioDiff(b.Scenario, check.NewScenarioID(s.Name, s.SHA256, nil)), check.ConfigDiff(b.Config, want)...)
	if len(d) > 0 {
		return problem("is not a run of this file as it is (%s); save it again with msgsim run FILE --save-baseline", strings.Join(d, "; "))
	}
	return nil
}

// plan says how many phases a scenario has and how long it is planned to
// run; a closed-loop count adds its messages, whose time nobody knows.
func plan(s *scenario.Scenario) string {
	phases := "1 phase"
	if len(s.Phases) != 1 {
		phases = fmt.Sprintf("%d phases", len(s.Phases))
	}
	length, exact := s.Length()
	if exact {
		return phases + ", planned length " + length.String()
	}
	var open []string
	for _, p := range s.Phases {
		if p.Planned == 0 {
			open = append(open, fmt.Sprintf("%s's %s messages", p.Name, units.Int(p.Messages)))
		}
	}
	counts := strings.Join(open, " and ") + " per producer"
	if length == 0 {
		return phases + ", planned length: " + counts
	}
	return phases + ", planned length " + length.String() + " plus " + counts
}

// invalidFilesError means scenario files had problems, each printed
// already: main exits 2 without another line.
type invalidFilesError struct{ files int }

func (e invalidFilesError) Error() string {
	return fmt.Sprintf("%d scenario file(s) with problems", e.files)
}
