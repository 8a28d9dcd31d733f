package main

import (
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/msgsim/msgsim/outfile"
	"github.com/msgsim/msgsim/sim"
	"github.com/msgsim/msgsim/units"
	"github.com/urfave/cli/v2"
)

// Which flags apply together: refusing, before anything runs, a flag that
// was given but could not have an effect, and saying where a value came from.

// validation turns the config's refusal into a usage error that says
// where the value came from.
func (p *parser) validation(err error) error {
	var fe *sim.FieldError
	if !errors.As(err, &fe) {
		return usageError{err.Error()}
	}
	msg := fe.Error()
	if src := fromEnv(p.c, fe.Field); src != "" {
		prefix := fmt.Sprintf("--%s: %v", fe.Field, fe.Value)
		msg = prefix + src + strings.TrimPrefix(msg, prefix)
	}
	return usageError{msg}
}

// applies refuses flags that were given but cannot have an effect in this
// run, and reads the baseline and output paths, before anything runs.
func (p *parser) applies(o *options) {
	c, cfg := p.c, o.plan.Config
	only := func(name string, ok bool, with string) {
		if c.IsSet(name) && !ok {
			p.fail("--%s%s: only applies %s", name, fromEnv(c, name), with)
		}
	}
	// A varied parameter's flag would be overridden at every point.
	for _, a := range p.axes {
		if c.IsSet(a.Param) {
			p.fail("--%s%s: %s varies %s (--vary), so the flag would have no effect", a.Param, fromEnv(c, a.Param), p.cmd, a.Param)
		}
		if a.Param == "buffer" && cfg.Transport == "nats" {
			p.fail("--vary%s: buffer does not apply over NATS (the server buffers)", fromEnv(c, "vary"))
		}
		switch a.Param {
		case "rate":
			cfg.Rate = 1
		case "work":
			cfg.Work = 1
		}
	}
	only("keys", cfg.Dispatch == sim.Key, fmt.Sprintf("with --dispatch key (this run's dispatch is %s)", cfg.Dispatch))
	only("arrival", cfg.Rate > 0, "with --rate, in an open loop")
	only("work-dist", cfg.Work > 0, "with --work")
	only("work-kind", cfg.Work > 0, "with --work")
	only("buffer", cfg.Transport == "chan", "with --transport chan (over NATS the server buffers)")
	only("prefault", cfg.Transport == "chan", "with --transport chan")
	only("prefault", int64(cfg.Queues)*int64(cfg.Consumers) >= sim.PrefaultFrom,
		fmt.Sprintf("from %s consumers in all (this run has %s)", units.Int(sim.PrefaultFrom), units.Int(int64(cfg.Queues)*int64(cfg.Consumers))))
	for _, name := range []string{"nats-url", "nats-token", "nats-creds", "nats-pending"} {
		only(name, cfg.Transport == "nats" || cfg.Transport == "jetstream", "with --transport nats or jetstream")
	}
	for _, name := range []string{"drain-timeout", "run-id"} {
		only(name, cfg.Remote(), "with --transport nats, jetstream or kafka")
	}
	only("role", cfg.Transport == "nats", "with --transport nats")
	// --delivery and --fault say themselves why other transports refuse them.
	for _, name := range []string{"storage", "ack-policy", "ack-wait", "max-deliver", "msg-id", "dedup-window"} {
		only(name, cfg.Transport == "jetstream", "with --transport jetstream")
	}
	only("dedup-window", cfg.MsgID || cfg.Delivery == sim.ExactlyOnce, "with message ids (--msg-id, or --delivery exactly-once)")
	for _, name := range []string{"kafka-brokers", "kafka-sasl", "kafka-user", "kafka-password", "kafka-tls", "kafka-ca", "session-timeout"} {
		only(name, cfg.Transport == "kafka", "with --transport kafka")
	}
	if cfg.KafkaCA != "" && p.err == nil {
		if f, err := os.Open(cfg.KafkaCA); err != nil {
			p.fail("--kafka-ca: %q%s cannot be read: %v", cfg.KafkaCA, fromEnv(c, "kafka-ca"), unwrapPath(err))
		} else {
			f.Close()
		}
	}
	only("nats-token", cfg.NATSURL != "", "with --nats-url (the embedded server takes no credentials)")
	only("nats-creds", cfg.NATSURL != "", "with --nats-url (the embedded server takes no credentials)")
	if cfg.NATSCreds != "" && p.err == nil {
		if f, err := os.Open(cfg.NATSCreds); err != nil {
			p.fail("--nats-creds: %q%s cannot be read: %v", cfg.NATSCreds, fromEnv(c, "nats-creds"), unwrapPath(err))
		} else {
			f.Close()
		}
	}
	// A producer-role process receives nothing: what consumers do there
	// would be ignored.
	for _, name := range []string{"work", "work-dist", "work-kind", "warmup", "interval", "trace", "nats-pending", "hdr-log", "hgrm"} {
		only(name, cfg.Role != sim.RoleProducer, "where consumers run (--role consumer or all), not in a producer-role process")
	}
	// "" sets a scenario file's baseline key aside (msgsim run FILE
	// checks that); anywhere else it compares with nothing, as an unset
	// CI variable would, and the run would pass uncompared.
	if c.IsSet("baseline") && c.String("baseline") == "" && o.plan.Scenario == nil {
		p.fail("--baseline%s: \"\" only sets aside a scenario file's baseline key (msgsim run FILE --baseline \"\"); want the path of a saved json result, or no --baseline", fromEnv(c, "baseline"))
	}
	only("max-regression", c.String("baseline") != "", "with --baseline")
	only("baseline-any-config", c.String("baseline") != "", "with --baseline")
	var outputs []struct{ flag, path string } // what this command will write
	if (o.output == "" || o.output == "-") && !o.quiet {
		outputs = append(outputs, struct{ flag, path string }{"output", "/dev/stdout"}) // the report
	}
	for _, f := range []struct{ flag, path string }{{"output", o.output}, {"cpuprofile", o.plan.Profiles.CPU},
		{"memprofile", o.plan.Profiles.Mem}, {"exectrace", o.plan.Profiles.Exec}, {"save-baseline", o.plan.SaveBaseline},
		{"plot", c.String("plot")}, {"hdr-log", o.hdrLog}, {"hgrm", o.hgrm}} {
		if f.path == "" || (f.flag == "output" && f.path == "-") {
			continue
		}
		if err := outfile.Check(f.path); err != nil {
			p.fail("--%s: %q%s cannot be written: %v", f.flag, f.path, fromEnv(c, f.flag), unwrapPath(err))
		}
		if f.flag != "output" && f.flag != "save-baseline" && outfile.IsPipe(f.path) {
			p.fail("--%s: %q%s is a pipe; a %s is a file (want a file path)", f.flag, f.path, fromEnv(c, f.flag), map[string]string{
				"cpuprofile": "profile", "memprofile": "profile", "exectrace": "trace", "plot": "picture",
				"hdr-log": "histogram log", "hgrm": "percentile distribution"}[f.flag])
		}
		// Two outputs to one file: one would silently overwrite the other.
		for _, other := range outputs {
			if outfile.Same(f.path, other.path) {
				what := "--" + other.flag + "'s file"
				if other.path == "/dev/stdout" && other.flag == "output" && o.output != other.path {
					what = "stdout, where the report goes"
				}
				p.fail("--%s: %q%s is also %s; give each output its own", f.flag, f.path, fromEnv(c, f.flag), what)
			}
		}
		// The scenario file is read, never written: a report in its
		// place would lose it.
		if sc := o.plan.Scenario; sc != nil && outfile.Same(f.path, sc.File) {
			p.fail("--%s: %q%s is the scenario file this run reads; give the output a file of its own", f.flag, f.path, fromEnv(c, f.flag))
		}
		outputs = append(outputs, f)
	}
	if o.quiet {
		// --quiet promises only failures on stderr: refuse what it would hide
		// or contradict rather than pick a winner.
		switch {
		case o.output == "-":
			p.fail("--quiet%s: the report goes to stdout (-o -%s), which --quiet silences; drop one of them", fromEnv(c, "quiet"), fromEnv(c, "output"))
		case cfg.TraceN > 0:
			p.fail("--quiet%s: --trace%s prints deliveries on stderr, which --quiet keeps to failures; drop one of them", fromEnv(c, "quiet"), fromEnv(c, "trace"))
		case o.progress == "always":
			p.fail("--quiet%s: --progress always%s draws a bar on stderr, which --quiet keeps to failures; drop one of them", fromEnv(c, "quiet"), fromEnv(c, "progress"))
		}
		o.progress = "never"
	}
}

func unwrapPath(err error) error {
	if u := errors.Unwrap(err); u != nil {
		return u
	}
	return err
}

func countProblem(err error) string {
	switch {
	case errors.Is(err, units.ErrNotInteger):
		return "is not a whole number"
	case errors.Is(err, units.ErrRange):
		return "is out of range (want a whole number from 0 to 9,223,372,036,854,775,807)"
	}
	return "is not a number (want a whole number such as 1000, 10k, 2.5M, 1e6 or 1_000_000)"
}

// fromEnv says where a value came from when it was the environment, not
// the command line: " (from $MSGSIM_QUEUES)", or "".
func fromEnv(c *cli.Context, name string) string {
	env := envName(name)
	if _, ok := os.LookupEnv(env); !ok || !c.IsSet(name) || onCommandLine(c, name) {
		return ""
	}
	return " (from $" + env + ")"
}

// onCommandLine reports whether flag name (or an alias) was given as an
// argument, which overrides the environment.
func onCommandLine(c *cli.Context, name string) bool {
	names := []string{name}
	for _, cmd := range append([]*cli.Command{c.Command}, c.App.Commands...) {
		for _, f := range cmd.Flags {
			if slices.Contains(f.Names(), name) {
				names = f.Names()
			}
		}
	}
	for _, f := range c.App.Flags {
		if slices.Contains(f.Names(), name) {
			names = f.Names()
		}
	}
	args, _ := c.App.Metadata["args"].([]string)
	for _, a := range args {
		if !strings.HasPrefix(a, "-") {
			continue
		}
		a = strings.TrimLeft(a, "-")
		a, _, _ = strings.Cut(a, "=")
		if slices.Contains(names, a) {
			return true
		}
	}
	return false
}

func join[T ~string](vs []T) string {
	s := make([]string, len(vs))
	for i, v := range vs {
		s[i] = string(v)
	}
	return strings.Join(s, ", ")
}
