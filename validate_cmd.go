package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/urfave/cli/v2"

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
