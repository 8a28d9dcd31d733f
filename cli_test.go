package main

// Tests of the command line itself through the built binary: usage errors,
// help and version.

import (
	"strings"
	"testing"
)

func TestCLIUsageErrors(t *testing.T) {
	tests := []struct {
		name string
		env  []string
		args []string
		want string // substring of the one stderr line
	}{
		{"not a number", nil, []string{"-q", "abc"}, `--queues: "abc" is not a number`},
		{"zero queues", nil, []string{"-q", "0"}, "--queues: 0 is out of range (want 1..1,000,000)"},
		{"negative count", nil, []string{"-n", "-5"}, `--messages: "-5" is out of range`},
		{"fraction", nil, []string{"-n", "1.5"}, `--messages: "1.5" is not a whole number`},
		{"overflow", nil, []string{"-n", "99999999999999999999"}, `--messages: "99999999999999999999" is out of range`},
		{"typo in flag name", nil, []string{"--qeues", "3"}, "unknown flag --qeues (did you mean --queues?)"},
		{"missing value", nil, []string{"-q"}, "--queues needs a value"},
		{"a subcommand's flag", nil, []string{"--plot", "x.png"}, "unknown flag --plot (it belongs to msgsim sweep; see msgsim sweep --help)"},
		{"a sibling's flag in explain", nil, []string{"explain", "--vary", "consumers=1,2"}, "unknown flag --vary (it belongs to msgsim sweep; see msgsim sweep --help)"},
		{"a sibling's flag in sweep", nil, []string{"sweep", "--dry-run"}, "unknown flag --dry-run (it belongs to msgsim explain; see msgsim explain --help)"},
		{"a typo in sweep", nil, []string{"sweep", "--vray", "consumers=1,2"}, "unknown flag --vray (did you mean --vary?); see msgsim sweep --help"},
		{"a prefix", nil, []string{"--dur", "1s"}, "unknown flag --dur (did you mean --duration?); see msgsim --help"},
		{"no wild guess", nil, []string{"-vv"}, "unknown flag --vv; see msgsim --help"},
		{"a flag as a value", nil, []string{"-q", "-n", "10"}, "--queues needs a value (it was followed by -n, another flag)"},
		{"a flag as a value in sweep", nil, []string{"sweep", "--vary", "--plot", "x.png"}, "--vary needs a value (it was followed by --plot, another flag); see msgsim sweep --help"},
		{"an argument to explain", nil, []string{"explain", "now"}, `unexpected argument "now" (msgsim explain takes only flags`},
		{"an unknown help topic", nil, []string{"help", "swep"}, `no command "swep" (did you mean sweep?)`},
		{"an argument to version", nil, []string{"version", "2"}, `unexpected argument "2" (msgsim version takes none)`},
		{"unknown format", nil, []string{"--format", "xml"}, `--format: "xml" is not a format (want table, json, csv, markdown, gobench, html)`},
		{"unknown dispatch", nil, []string{"--dispatch", "broadcast"}, `--dispatch: "broadcast" is not a dispatch mode (want fanout, roundrobin, key)`},
		{"unknown progress", nil, []string{"--progress", "sometimes"}, `--progress: "sometimes" is not a mode`},
		{"extra argument", nil, []string{"go"}, `unexpected argument "go"`},
		{"misspelt command", nil, []string{"swep"}, `unknown command "swep" (did you mean sweep?)`},
		{"too many consumers", nil, []string{"-q", "10000", "-c", "10000"}, "--consumers: 10000 is out of range (want queues × consumers ≤ 10,000,000"},
		{"too many messages", nil, []string{"-n", "1T", "-q", "3"}, "--messages: 1000000000000 is out of range (want at most 1,000,000,000,000 deliveries"},
		{"buffer too large", nil, []string{"-b", "1G"}, "--buffer: 1000000000 is out of range (want 0..16,777,216)"},
		{"output directory missing", nil, []string{"-o", "/nonexistent/dir/out.json"}, `--output: "/nonexistent/dir/out.json" cannot be written`},
		{"bad environment value", []string{"MSGSIM_QUEUES=lots"}, nil, `--queues: "lots" (from $MSGSIM_QUEUES) is not a number`},
		{"bad boolean", nil, []string{"--prefault=maybe"}, `--prefault: "maybe" is not a boolean (want true or false`},
		{"bad environment boolean", []string{"MSGSIM_QUIET=maybe"}, nil, `--quiet: "maybe" (from $MSGSIM_QUIET) is not a boolean`},
		{"a run that delivers nothing", nil, []string{"-n", "0"}, "--messages: 0 is out of range (want 1..1,000,000,000,000)"},
		{"a rate slower than any run", nil, []string{"--rate", "1e-300", "-n", "2"}, "--rate: 1e-300 is out of range (want 0 for a closed loop, or 0.000278 to"},
		{"a queue prefix with a sign", nil, []string{"--assert", "q+1.lost==0"}, `"q+1" is not a queue prefix`},
		{"no drain time", nil, []string{"--transport", "nats", "--drain-timeout", "0"}, `--drain-timeout: "0" is not a duration above 0`},
		{"keys without key dispatch", nil, []string{"--keys", "10"}, "--keys: only applies with --dispatch key (this run's dispatch is fanout)"},
		{"arrival without a rate", nil, []string{"--arrival", "poisson"}, "--arrival: only applies with --rate"},
		{"work kind without work", []string{"MSGSIM_WORK_KIND=sleep"}, nil, "--work-kind (from $MSGSIM_WORK_KIND): only applies with --work"},
		{"NATS flags without NATS", nil, []string{"--run-id", "demo"}, "--run-id: only applies with --transport nats"},
		{"a buffer over NATS", nil, []string{"--transport", "nats", "-b", "10"}, "--buffer: 10 is out of range (want 0 over NATS"},
		{"a series too big to keep", nil, []string{"-q", "300", "-c", "1", "--interval", "1s"}, "--interval: 1s is out of range (want no --interval: a series is kept up to 256 consumers"},
		{"max regression without a baseline", nil, []string{"--max-regression", "5%"}, "--max-regression: only applies with --baseline"},
		// "" sets a scenario file's baseline key aside; here it would
		// silently compare with nothing, as an unset CI variable does.
		{"an empty baseline", nil, []string{"--baseline", ""}, `--baseline: "" only sets aside a scenario file's baseline key`},
		{"an empty baseline from the environment", []string{"MSGSIM_BASELINE="}, nil, `--baseline (from $MSGSIM_BASELINE): "" only`},
		{"an empty baseline in a sweep", nil, []string{"sweep", "--vary", "consumers=1,2", "--baseline", ""}, `--baseline: "" only`},
		{"two outputs to one file", nil, []string{"-o", "same.json", "--save-baseline", "./same.json"}, `--save-baseline: "./same.json" is also --output's file`},
		{"quiet and a trace", nil, []string{"--quiet", "--trace", "5"}, "--quiet: --trace prints deliveries on stderr"},
		// A producer-role process holds no latency histogram: the file would be empty.
		{"a histogram log from a producer", nil, []string{"--transport", "nats", "--nats-url", "nats://127.0.0.1:1", "--role", "producer", "--run-id", "demo", "--seed", "5", "--hdr-log", "x.hlog"},
			"--hdr-log: only applies where consumers run (--role consumer or all)"},
		{"a distribution from a producer", []string{"MSGSIM_HGRM=x.hgrm"}, []string{"--transport", "nats", "--nats-url", "nats://127.0.0.1:1", "--role", "producer", "--run-id", "demo", "--seed", "5"},
			"--hgrm (from $MSGSIM_HGRM): only applies where consumers run"},
		{"a token for the embedded server", nil, []string{"--transport", "nats", "--nats-token", "s3cret"}, "--nats-token: only applies with --nats-url"},
		{"a wildcard run-id", nil, []string{"--transport", "nats", "--run-id", "*"}, `--run-id: "*" is not allowed here (want a plain subject token`},
		{"a hexadecimal percentage", nil, []string{"--baseline", "x.json", "--max-regression", "0x1p-2"}, `--max-regression: "0x1p-2" is not a percentage`},
		{"a count's real range", nil, []string{"-b", "-1"}, `--buffer: "-1" is out of range (want 0..16,777,216)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := msgsim(t, tt.env, tt.args...)
			if r.code != 2 {
				t.Fatalf("exit code %d, want 2; stderr %q", r.code, r.stderr)
			}
			if r.stdout != "" {
				t.Errorf("stdout must be empty on a usage error, got %q", r.stdout)
			}
			if strings.Count(r.stderr, "\n") != 1 || !strings.HasPrefix(r.stderr, "msgsim: ") {
				t.Errorf("want one line starting with msgsim:, got %q", r.stderr)
			}
			if !strings.Contains(r.stderr, tt.want) {
				t.Errorf("stderr %q does not contain %q", r.stderr, tt.want)
			}
		})
	}
}

func TestCLIHelpListsEveryFlag(t *testing.T) {
	r := msgsim(t, nil, "--help")
	if r.code != 0 {
		t.Fatalf("exit %d", r.code)
	}
	for _, f := range []string{"--messages", "-n", "--producers", "--queues", "--consumers", "--dispatch", "--buffer", "--size",
		"--format", "--output", "--progress", "--trace", "--seed", "--procs", "$MSGSIM_QUEUES", "Exit codes"} {
		if !strings.Contains(r.stdout, f) {
			t.Errorf("help lacks %q", f)
		}
	}
}

// Help and version, every way a newcomer asks for them, print to stdout
// and exit 0; each command's help lists its own flags.
func TestCLIHelpAndVersion(t *testing.T) {
	tests := []struct {
		args []string
		want []string
	}{
		{[]string{"help"}, []string{"msgsim [flags]", "COMMANDS:", "explain", "sweep", "version", "--queues"}},
		{[]string{"h"}, []string{"COMMANDS:"}},
		{[]string{"-h"}, []string{"COMMANDS:"}},
		{[]string{"help", "sweep"}, []string{"msgsim sweep --vary", "--vary", "--plot"}},
		{[]string{"sweep", "--help"}, []string{"--vary", "--plot"}},
		{[]string{"sweep", "-h"}, []string{"--vary"}},
		{[]string{"help", "explain"}, []string{"--dry-run"}},
		{[]string{"explain", "--help"}, []string{"--dry-run"}},
		{[]string{"help", "version"}, []string{"msgsim version"}},
		{[]string{"version"}, []string{"msgsim version ", "go1."}},
		{[]string{"--version"}, []string{"msgsim version "}},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			r := msgsim(t, nil, tt.args...)
			if r.code != 0 || r.stderr != "" {
				t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
			}
			for _, w := range tt.want {
				if !strings.Contains(r.stdout, w) {
					t.Errorf("stdout lacks %q:\n%s", w, r.stdout)
				}
			}
		})
	}
}
