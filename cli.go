package main

import (
	"fmt"
	"io"
	"regexp"
	"runtime/debug"
	"slices"

	"github.com/urfave/cli/v2"
)

// planned, when a test sets it, receives each command's parsed options
// (and a sweep's axes and plot file) in place of running them: the seam
// that lets a test check every flag of every command has an effect.
var planned func(cmd string, o options, extra ...any)

// runApp runs msgsim with args (os.Args), writing to stdout and stderr.
func runApp(args []string, stdout, stderr io.Writer) error {
	app := newApp(stdout, stderr)
	app.Metadata = map[string]any{"args": args} // to tell flags from environment
	return app.Run(args)
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
			o, err := parseOptions(c, "msgsim", nil)
			if err != nil {
				return err
			}
			if planned != nil {
				planned("msgsim", o)
				return nil
			}
			return runCommand(c.Context, o, stdout, stderr)
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

Exit codes: 0 ok, 1 delivery check, assertion or baseline failed, 2 usage error,
3 the broker or an output failed, 130 interrupted (the report is partial).`

func version() string {
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" {
		return bi.Main.Version
	}
	return "(devel)"
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
