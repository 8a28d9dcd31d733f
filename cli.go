package main

import (
	"fmt"
	"io"
	"regexp"
	"runtime/debug"
	"slices"
	"strings"

	"github.com/msgsim/msgsim/suggest"

	"github.com/urfave/cli/v2"
)

// planned, when a test sets it, receives each command's parsed options
// (and a sweep's axes and plot file) in place of running them: the seam
// that lets a test check every flag of every command has an effect.
var planned func(cmd string, o options, extra ...any)

// runApp runs msgsim with args (os.Args), writing to stdout and stderr.
func runApp(args []string, stdout, stderr io.Writer) error {
	app := newApp(stdout, stderr)
	args = fileLast(args, app)
	app.Metadata = map[string]any{"args": args} // to tell flags from environment
	return app.Run(args)
}

// fileLast lets msgsim run (and watch) take its FILE anywhere among its flags (msgsim
// run s.yaml --dry-run): the flag library stops at the first argument, so
// the FILE is moved after the flags. A flag's value is never taken for it.
func fileLast(args []string, app *cli.App) []string {
	if len(args) < 3 || args[1] != "run" && args[1] != "watch" {
		return args
	}
	cmd := app.Command(args[1])
	takesValue := map[string]bool{}
	for _, f := range cmd.Flags {
		_, isBool := f.(*cli.BoolFlag)
		for _, n := range f.Names() {
			takesValue[n] = !isBool
		}
	}
	for i := 2; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			return args
		}
		if strings.HasPrefix(a, "-") && a != "-" {
			name := strings.TrimLeft(a, "-")
			if !strings.Contains(name, "=") && takesValue[name] {
				i++ // its value
			}
			continue
		}
		out := append(slices.Clip(args[:i:i]), args[i+1:]...)
		return append(out, a)
	}
	return args
}

func newApp(stdout, stderr io.Writer) *cli.App {
	flags := runFlags()
	commands := []*cli.Command{explainCommand(stdout, stderr), sweepCommand(stdout, stderr), runScenarioCommand(stdout, stderr), watchCommand(stdout, stderr), validateCommand(stdout, stderr), compareCommand(stdout), versionCommand(stdout), helpCommand()}
	app := &cli.App{
		Name:        "msgsim",
		Usage:       "simulate producers → queues → consumers over Go channels and measure it",
		Version:     version(),
		Description: description,
		Writer:      stdout,
		ErrWriter:   stderr,
		// --vary consumers=1,2,4 and --assert 'p99<=2ms,lost==0' parse their
		// own commas; the library must not split them first.
		DisableSliceFlagSeparator: true,
		UsageText:                 "msgsim [flags]\nmsgsim explain [flags] [--dry-run]\nmsgsim sweep --vary consumers=1,2,4,8 [flags]\nmsgsim run FILE [flags]\nmsgsim watch [FILE] [flags]\nmsgsim validate FILE...\nmsgsim compare OLD NEW...\nmsgsim help [COMMAND]\nmsgsim version",
		// With a help command of msgsim's own, the library adds no --help.
		Flags:          append(slices.Clip(flags), cli.HelpFlag),
		Commands:       commands,
		ExitErrHandler: func(*cli.Context, error) {}, // main decides exit codes
		Action: func(c *cli.Context) error {
			if err := checkArgs(c, "msgsim"); err != nil {
				return err
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
	// Each command's parse errors are judged against its own flags, and
	// point to its own help; a flag only a sibling has is pointed there.
	app.OnUsageError = usageHandler("msgsim", flags, commands)
	for _, cmd := range commands {
		cmd.OnUsageError = usageHandler("msgsim "+cmd.Name, cmd.Flags, append([]*cli.Command{{Name: "", Flags: flags}}, commands...))
	}
	return app
}

// versionCommand prints what --version prints, and the commit and Go
// version the binary was built from, when the build recorded them.
func versionCommand(stdout io.Writer) *cli.Command {
	return &cli.Command{
		Name:      "version",
		Usage:     "print msgsim's version, commit and Go version",
		UsageText: "msgsim version",
		Action: func(c *cli.Context) error {
			if c.NArg() > 0 {
				return usageError{fmt.Sprintf("unexpected argument %q (msgsim version takes none)", c.Args().First())}
			}
			_, err := fmt.Fprintln(stdout, "msgsim version "+buildInfo())
			return err
		},
	}
}

// helpCommand is the library's help command with msgsim's errors: an
// unknown topic is a usage error (exit 2) with a suggestion.
func helpCommand() *cli.Command {
	return &cli.Command{
		Name:      "help",
		Aliases:   []string{"h"},
		Usage:     "show the flags of msgsim or of one command",
		UsageText: "msgsim help [COMMAND]",
		Action: func(c *cli.Context) error {
			switch c.NArg() {
			case 0:
				return cli.ShowAppHelp(c)
			case 1:
			default:
				return usageError{fmt.Sprintf("unexpected argument %q (msgsim help takes one command)", c.Args().Get(1))}
			}
			topic := c.Args().First()
			if c.App.Command(topic) == nil {
				msg := fmt.Sprintf("no command %q", topic)
				for _, sub := range c.App.Commands {
					if suggest.Distance(topic, sub.Name) <= 2 {
						msg += fmt.Sprintf(" (did you mean %s?)", sub.Name)
						break
					}
				}
				return usageError{msg + "; msgsim's commands are explain, sweep, run, validate, help and version"}
			}
			return cli.ShowCommandHelp(c.Lineage()[1], topic) // the app's context: topics are its commands
		},
	}
}

// checkArgs refuses what the flag library took for arguments: a flag whose
// value was itself a flag (msgsim -q -n 10 gives --queues the value "-n",
// and "10" is left over), and any argument (commands take only flags).
func checkArgs(c *cli.Context, cmd string) error {
	for _, f := range c.Command.Flags {
		if _, isBool := f.(*cli.BoolFlag); isBool {
			continue
		}
		name := f.Names()[0]
		if !c.IsSet(name) {
			continue
		}
		for _, v := range valuesOf(c, f) {
			if other := definedFlag(c.Command.Flags, v); other != "" {
				return usageError{fmt.Sprintf("%s needs a value (it was followed by %s, another flag); see %s --help", dashed(name), v, cmd)}
			}
		}
	}
	if c.NArg() == 0 {
		return nil
	}
	arg := c.Args().First()
	if cmd != "msgsim" {
		return usageError{fmt.Sprintf("unexpected argument %q (%s takes only flags; see %s --help)", arg, cmd, cmd)}
	}
	for _, sub := range c.App.Commands {
		if suggest.Distance(arg, sub.Name) <= 2 {
			return usageError{fmt.Sprintf("unknown command %q (did you mean %s?); see msgsim --help", arg, sub.Name)}
		}
	}
	return usageError{fmt.Sprintf("unexpected argument %q (want flags, or a command: explain, sweep, run, validate, help, version; see msgsim --help)", arg)}
}

func valuesOf(c *cli.Context, f cli.Flag) []string {
	if _, ok := f.(*cli.StringSliceFlag); ok {
		return c.StringSlice(f.Names()[0])
	}
	return []string{c.String(f.Names()[0])}
}

// definedFlag returns v if it spells one of flags (-n, --messages, -n=5).
func definedFlag(flags []cli.Flag, v string) string {
	if !strings.HasPrefix(v, "-") {
		return ""
	}
	name, _, _ := strings.Cut(strings.TrimLeft(v, "-"), "=")
	for _, f := range flags {
		if slices.Contains(f.Names(), name) {
			return v
		}
	}
	return ""
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

// buildInfo is the version with the commit (marked if the tree had
// uncommitted changes) and the Go version, as far as the build recorded them.
func buildInfo() string {
	s := version()
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return s
	}
	var rev, dirty string
	for _, kv := range bi.Settings {
		switch kv.Key {
		case "vcs.revision":
			rev = kv.Value
		case "vcs.modified":
			if kv.Value == "true" {
				dirty = "+changes"
			}
		}
	}
	if len(rev) > 12 {
		rev = rev[:12]
	}
	if rev != "" {
		s += ", commit " + rev + dirty
	}
	return s + ", " + bi.GoVersion
}

// usageHandler turns the flag library's parse errors for cmd ("msgsim",
// "msgsim sweep") into usage errors in msgsim's style. others are the
// other commands, so that a flag only one of them has is pointed to it
// rather than matched against a typo.
func usageHandler(cmd string, flags []cli.Flag, others []*cli.Command) cli.OnUsageErrorFunc {
	return func(_ *cli.Context, err error, _ bool) error {
		return usageError{rewriteFlagError(err, cmd, flags, others)}
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
func rewriteFlagError(err error, cmd string, flags []cli.Flag, others []*cli.Command) string {
	msg := err.Error()
	if m := undefinedFlag.FindStringSubmatch(msg); m != nil {
		s := fmt.Sprintf("unknown flag %s", dashed(m[1]))
		if sug := suggestFlag(flags, m[1]); sug != "" {
			return fmt.Sprintf("%s (did you mean %s?); see %s --help", s, sug, cmd)
		}
		if other, ok := commandWithFlag(others, m[1], cmd); ok {
			return fmt.Sprintf("%s (it belongs to %s; see %s --help)", s, other, other)
		}
		return fmt.Sprintf("%s; see %s --help", s, cmd)
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

// suggestFlag names the flag of flags that name is most likely a typo of:
// a long name within a small edit distance, or that name begins. Single
// letters are not guessed at: -vv is not a typo of anything.
func suggestFlag(flags []cli.Flag, name string) string {
	best, bestD := "", 0
	limit := 1
	if len(name) >= 5 {
		limit = 2
	}
	for _, f := range flags {
		for _, n := range f.Names() {
			if len(n) == 1 {
				continue
			}
			d := suggest.Distance(name, n)
			if len(name) >= 3 && strings.HasPrefix(n, name) {
				d = 1
			}
			if d <= limit && (best == "" || d < bestD) {
				best, bestD = n, d
			}
		}
	}
	if best == "" {
		return ""
	}
	return dashed(best)
}

// commandWithFlag names the first of commands, other than self, that
// defines the flag name ("msgsim sweep"; "msgsim" for the unnamed root).
func commandWithFlag(commands []*cli.Command, name, self string) (string, bool) {
	for _, c := range commands {
		full := strings.TrimSpace("msgsim " + c.Name)
		if full == self {
			continue
		}
		for _, f := range c.Flags {
			if slices.Contains(f.Names(), name) {
				return full, true
			}
		}
	}
	return "", false
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
