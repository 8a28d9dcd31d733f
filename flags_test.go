package main

// In-process tests of the flag layer: every flag of every command either
// changes what would run or is refused, and every bad value says where it
// came from.

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/urfave/cli/v2"

	"github.com/msgsim/msgsim/sim"
	"github.com/msgsim/msgsim/sweep"
)

// sample is how a test sets one flag: ctx are flags it needs to apply
// (--keys needs --dispatch key), args set the flag itself.
type sample struct{ ctx, args []string }

// flagSamples gives every flag of every command a value that differs from
// its default. A new flag without a sample fails TestEveryFlagHasAnEffect.
func flagSamples(t *testing.T) map[string]sample {
	dir := t.TempDir()
	f := func(name string) string { return filepath.Join(dir, name) }
	nats := []string{"--transport", "nats"}
	js := []string{"--transport", "jetstream"}
	kafka := []string{"--transport", "kafka"}
	runBase := writeJSON(t, f("run-base.json"), runBaseline(1, 1))
	runOther := writeJSON(t, f("run-other.json"), runBaseline(2, 1))
	sweepBase := writeJSON(t, f("sweep-base.json"), sweepBaseline(1))
	sweepOther := writeJSON(t, f("sweep-other.json"), sweepBaseline(2))
	return map[string]sample{
		"messages":            {nil, []string{"-n", "5k"}},
		"producers":           {nil, []string{"-p", "2"}},
		"queues":              {nil, []string{"-q", "4"}},
		"consumers":           {nil, []string{"-c", "3"}},
		"dispatch":            {nil, []string{"--dispatch", "roundrobin"}},
		"keys":                {[]string{"--dispatch", "key"}, []string{"--keys", "10"}},
		"buffer":              {nil, []string{"-b", "64"}},
		"batch":               {nil, []string{"--batch", "8"}},
		"size":                {nil, []string{"--size", "1k"}},
		"rate":                {nil, []string{"--rate", "5k"}},
		"arrival":             {[]string{"--rate", "5k"}, []string{"--arrival", "poisson"}},
		"work":                {nil, []string{"--work", "10us"}},
		"work-dist":           {[]string{"--work", "10us"}, []string{"--work-dist", "exp"}},
		"work-kind":           {[]string{"--work", "10us"}, []string{"--work-kind", "sleep"}},
		"duration":            {nil, []string{"-d", "1s"}},
		"warmup":              {nil, []string{"--warmup", "10ms"}},
		"interval":            {nil, []string{"--interval", "500ms"}},
		"transport":           {nil, nats},
		"nats-url":            {nats, []string{"--nats-url", "nats://127.0.0.1:4222"}},
		"nats-token":          {nats, []string{"--nats-token", "s3cret"}},
		"nats-creds":          {nats, []string{"--nats-creds", f("user.creds")}},
		"drain-timeout":       {nats, []string{"--drain-timeout", "1s"}},
		"nats-pending":        {nats, []string{"--nats-pending", "1GiB"}},
		"role":                {[]string{"--transport", "nats", "--run-id", "demo", "--seed", "5"}, []string{"--role", "consumer"}},
		"run-id":              {nats, []string{"--run-id", "demo"}},
		"delivery":            {js, []string{"--delivery", "exactly-once"}},
		"storage":             {js, []string{"--storage", "file"}},
		"ack-policy":          {js, []string{"--ack-policy", "all"}},
		"ack-wait":            {js, []string{"--ack-wait", "500ms"}},
		"max-deliver":         {js, []string{"--max-deliver", "3"}},
		"msg-id":              {js, []string{"--msg-id"}},
		"dedup-window":        {append(js, "--msg-id"), []string{"--dedup-window", "1m"}},
		"fault":               {js, []string{"--fault", "crash@1s"}},
		"kafka-brokers":       {kafka, []string{"--kafka-brokers", "127.0.0.1:9092"}},
		"kafka-sasl":          {append(kafka, "--kafka-brokers", "127.0.0.1:9092", "--kafka-user", "u", "--kafka-password", "p"), []string{"--kafka-sasl", "plain"}},
		"kafka-user":          {append(kafka, "--kafka-brokers", "127.0.0.1:9092", "--kafka-sasl", "plain", "--kafka-password", "p"), []string{"--kafka-user", "u"}},
		"kafka-password":      {append(kafka, "--kafka-brokers", "127.0.0.1:9092", "--kafka-sasl", "plain", "--kafka-user", "u"), []string{"--kafka-password", "p"}},
		"kafka-tls":           {append(kafka, "--kafka-brokers", "127.0.0.1:9092"), []string{"--kafka-tls"}},
		"kafka-ca":            {append(kafka, "--kafka-brokers", "127.0.0.1:9092", "--kafka-tls"), []string{"--kafka-ca", f("ca.pem")}},
		"session-timeout":     {kafka, []string{"--session-timeout", "10s"}},
		"seed":                {nil, []string{"--seed", "42"}},
		"procs":               {nil, []string{"--procs", "1"}},
		"max-memory":          {nil, []string{"--max-memory", "8GiB"}},
		"prefault":            {nil, []string{"--prefault=false"}},
		"trace":               {nil, []string{"--trace", "5"}},
		"format":              {nil, []string{"--format", "json"}},
		"output":              {nil, []string{"-o", f("out.txt")}},
		"progress":            {nil, []string{"--progress", "never"}},
		"assert":              {nil, []string{"--assert", "lost==0"}},
		"repeat":              {nil, []string{"--repeat", "2"}},
		"save-baseline":       {nil, []string{"--save-baseline", f("saved.json")}},
		"baseline":            {nil, []string{"--baseline", runBase, "--baseline", sweepBase}}, // the command keeps the last; see below
		"max-regression":      {[]string{"--baseline", runBase}, []string{"--max-regression", "5%"}},
		"baseline-any-config": {[]string{"--baseline", runOther}, []string{"--baseline-any-config"}},
		"quiet":               {nil, []string{"--quiet"}},
		"cpuprofile":          {nil, []string{"--cpuprofile", f("cpu.out")}},
		"memprofile":          {nil, []string{"--memprofile", f("mem.out")}},
		"exectrace":           {nil, []string{"--exectrace", f("trace.out")}},
		"vary":                {nil, []string{"--vary", "queues=1,2"}},
		"plot":                {nil, []string{"--plot", f("sweep.png")}},
		"hdr-log":             {nil, []string{"--hdr-log", f("run.hlog")}},
		"hgrm":                {nil, []string{"--hgrm", f("run.hgrm")}},
		"dry-run":             {nil, []string{"--dry-run"}},
		"record":              {nil, []string{"--record", f("class.cast")}},
		// A sweep's baseline is a saved sweep, and its config permission
		// is tested against one measured with another config.
		"sweep baseline":            {nil, []string{"--baseline", sweepBase}},
		"sweep max-regression":      {[]string{"--baseline", sweepBase}, []string{"--max-regression", "5%"}},
		"run max-regression":        {[]string{"--baseline", runBase, "--baseline-any-config"}, []string{"--max-regression", "5%"}},
		"sweep baseline-any-config": {[]string{"--baseline", sweepOther}, []string{"--baseline-any-config"}},
	}
}

// The base of every command in these tests: a small run of 2,000 messages
// to one queue of one consumer; a sweep varies its consumers.
var baseArgs = map[string][]string{
	"msgsim":  {"-n", "2000", "-q", "1", "-c", "1"},
	"sweep":   {"sweep", "-n", "2000", "-q", "1", "--vary", "consumers=1,2"},
	"explain": {"explain", "-n", "2000", "-q", "1", "-c", "1"},
	"run":     {"run", "examples/ci-smoke.yaml"},
	"watch":   {"watch", "-n", "2000", "-q", "1", "-c", "1"},
}

// planFor parses args as the app would and returns what the command would
// run (options and a sweep's extras), or the usage error.
func planFor(t *testing.T, args []string) (any, error) {
	t.Helper()
	var got any
	planned = func(cmd string, o options, extra ...any) { got = append([]any{cmd, normalize(o, extra)}, extra...) }
	defer func() { planned = nil }()
	var out, errb bytes.Buffer
	err := runApp(append([]string{"msgsim"}, args...), &out, &errb)
	if err == nil && got == nil {
		got = out.String() // explain --dry-run: what it printed is its effect
	}
	return got, err
}

// normalize clears what a run would not use, so that a flag whose value
// is kept but never read shows up as having no effect.
func normalize(o options, extra []any) options {
	c := &o.plan.Config
	if c.Dispatch != sim.Key {
		c.Keys = 0
	}
	if c.Rate == 0 {
		c.Arrival = ""
	}
	if c.Work == 0 {
		c.WorkDist, c.WorkKind = "", ""
	}
	if c.Transport != "nats" {
		c.NATSURL, c.NATSToken, c.NATSCreds, c.DrainTimeout, c.Role, c.RunID = "", "", "", 0, "", ""
	} else {
		c.Buffer, c.NoPrefault = 0, false
	}
	if axes, ok := firstAxes(extra); ok {
		for _, a := range axes {
			*c = sweep.Apply(*c, []sweep.Axis{a}, sweep.Point{0}) // the axis decides
		}
	}
	return o
}

// firstAxes is a sweep's axes, planned's first extra (watch's is its
// --record file).
func firstAxes(extra []any) ([]sweep.Axis, bool) {
	if len(extra) == 0 {
		return nil, false
	}
	axes, ok := extra[0].([]sweep.Axis)
	return axes, ok
}

// skipUnderRace skips a test that parses flags and nothing else, a few
// thousand times: the race detector finds nothing in one goroutine's
// parsing and slows urfave/cli's flag lookups (a regexp per flag) sixteen
// times. .ci/run runs these tests without it.
func skipUnderRace(t *testing.T) {
	if raceEnabled {
		t.Skip("parses flags in one goroutine only; run without -race (as .ci/run does)")
	}
}

func TestEveryFlagHasAnEffect(t *testing.T) {
	skipUnderRace(t)
	samples := flagSamples(t)
	app := newApp(os.Stdout, os.Stderr)
	commands := map[string][]cli.Flag{"msgsim": app.Flags}
	for _, cmd := range app.Commands {
		commands[cmd.Name] = cmd.Flags
	}
	for name, flags := range commands {
		if name == "compare" {
			continue // it runs nothing to plan: compare_cmd_test.go tests its flags
		}
		modes := [][]string{nil}
		if name == "explain" {
			modes = append(modes, []string{"--dry-run"})
		}
		for _, mode := range modes {
			for _, fl := range flags {
				flag := fl.Names()[0]
				if fl == cli.HelpFlag || flag == "dry-run" && mode != nil { // help's effect: TestCLIHelp
					continue
				}
				t.Run(strings.Join(append([]string{name}, mode...), " ")+"/"+flag, func(t *testing.T) {
					s, ok := samples[flag]
					if sw, isSweep := samples["sweep "+flag]; isSweep && name == "sweep" {
						s = sw
					} else if rs, isRun := samples["run "+flag]; isRun && (name == "run" || name == "watch") {
						s = rs
					} else if flag == "baseline" {
						s.args = s.args[:2] // a run's or explain's baseline is a run's
					}
					if !ok {
						t.Fatalf("no sample for --%s: add one to flagSamples", flag)
					}
					base := append(append(append([]string{}, baseArgs[name]...), mode...), s.ctx...)
					without, errWithout := planFor(t, base)
					with, errWith := planFor(t, append(base, s.args...))
					if errWith != nil {
						var u usageError
						if !errors.As(errWith, &u) || !strings.Contains(u.msg, "--"+flag) {
							t.Fatalf("refused, but not as a usage error naming --%s: %v", flag, errWith)
						}
						return // refused: fine, as long as it says so
					}
					if errWithout == nil && reflect.DeepEqual(with, without) {
						t.Fatalf("--%s %v was accepted and changed nothing", flag, s.args)
					}
				})
			}
		}
	}
}

func writeJSON(t *testing.T, path string, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// runBaseline is a saved run of the base config (-n 2000 -q 1 -c 1) with
// the given queues and consumers.
func runBaseline(queues, consumers int) map[string]any {
	return map[string]any{
		"schema_version": 1, "kind": "run", "ok": true,
		"config": map[string]any{"messages": 2000, "producers": 1, "queues": queues, "consumers": consumers, "dispatch": "fanout",
			"keys": 1024, "buffer": 0, "batch": 1, "size": 16},
		"runs": []map[string]any{{"throughput_msgs_per_s": 1e6, "p50_ns": 1000, "p99_ns": 5000, "delivered": 2000, "elapsed_ns": 2_000_000}},
	}
}

// sweepBaseline is a saved sweep of consumers=1,2 over -n 2000 -q queues.
func sweepBaseline(queues int) map[string]any {
	run := []map[string]any{{"throughput_msgs_per_s": 1e6, "p50_ns": 1000, "p99_ns": 5000, "delivered": 2000, "elapsed_ns": 2_000_000}}
	return map[string]any{
		"schema_version": 1, "kind": "sweep",
		"config": map[string]any{"messages": 2000, "producers": 1, "queues": queues, "consumers": 2, "dispatch": "fanout",
			"keys": 1024, "buffer": 0, "batch": 1, "size": 16},
		"vary":   []map[string]any{{"param": "consumers", "values": []float64{1, 2}}},
		"points": []map[string]any{{"values": []float64{1}, "runs": run}, {"values": []float64{2}, "runs": run}},
	}
}

// Every flag's bad value, given through the environment, is refused with
// a line that says it came from there.
func TestBadValuesFromTheEnvironmentSaySo(t *testing.T) {
	skipUnderRace(t)
	missing := filepath.Join(t.TempDir(), "no", "such", "dir", "f")
	bad := map[string]sample{
		"messages": {nil, []string{"lots"}}, "producers": {nil, []string{"0"}}, "queues": {nil, []string{"0"}},
		"consumers": {nil, []string{"2.5"}}, "dispatch": {nil, []string{"broadcast"}}, "keys": {[]string{"--dispatch", "key"}, []string{"0"}},
		"buffer": {nil, []string{"-1"}}, "batch": {nil, []string{"0"}}, "size": {nil, []string{"2M"}}, "rate": {nil, []string{"1e-300"}},
		"arrival": {[]string{"--rate", "1k"}, []string{"bursty"}}, "work": {nil, []string{"50"}},
		"work-dist": {[]string{"--work", "1us"}, []string{"normal"}}, "work-kind": {[]string{"--work", "1us"}, []string{"io"}},
		"duration": {nil, []string{"soon"}}, "warmup": {nil, []string{"-1s"}}, "interval": {nil, []string{"0"}},
		"transport": {nil, []string{"pigeon"}}, "nats-url": {nil, []string{"nats://127.0.0.1:4222"}},
		"nats-token": {nil, []string{"s3cret"}}, "nats-creds": {nil, []string{"user.creds"}},
		"drain-timeout": {[]string{"--transport", "nats"}, []string{"0"}}, "nats-pending": {[]string{"--transport", "nats"}, []string{"lots"}}, "role": {[]string{"--transport", "nats"}, []string{"boss"}},
		"delivery": {nil, []string{"twice"}}, "storage": {[]string{"--transport", "jetstream"}, []string{"tape"}},
		"ack-policy": {[]string{"--transport", "jetstream"}, []string{"some"}}, "ack-wait": {[]string{"--transport", "jetstream"}, []string{"0"}},
		"max-deliver": {[]string{"--transport", "jetstream"}, []string{"-1"}}, "msg-id": {[]string{"--transport", "jetstream"}, []string{"maybe"}},
		"dedup-window": {[]string{"--transport", "jetstream", "--msg-id"}, []string{"soon"}}, "fault": {[]string{"--transport", "jetstream"}, []string{"boom@1s"}},
		"kafka-brokers": {[]string{"--transport", "kafka"}, []string{"nohost"}}, "kafka-sasl": {[]string{"--transport", "kafka", "--kafka-brokers", "h:1"}, []string{"gssapi"}},
		"kafka-user": {[]string{"--transport", "kafka"}, []string{"u"}}, "kafka-password": {[]string{"--transport", "kafka"}, []string{"s3cret"}},
		"kafka-tls": {[]string{"--transport", "kafka"}, []string{"maybe"}}, "kafka-ca": {[]string{"--transport", "kafka", "--kafka-brokers", "h:1", "--kafka-tls"}, []string{missing}},
		"session-timeout": {[]string{"--transport", "kafka"}, []string{"soon"}},
		"run-id":          {nil, []string{"demo"}}, "seed": {nil, []string{"-1"}}, "procs": {nil, []string{"1M"}}, "max-memory": {nil, []string{"lots"}},
		"prefault": {nil, []string{"maybe"}}, "trace": {nil, []string{"some"}}, "format": {nil, []string{"xml"}},
		"output": {nil, []string{missing}}, "progress": {nil, []string{"sometimes"}}, "assert": {nil, []string{"p99"}},
		"repeat": {nil, []string{"0"}}, "save-baseline": {nil, []string{missing}}, "baseline": {nil, []string{missing}},
		"max-regression": {nil, []string{"5%"}}, "baseline-any-config": {nil, []string{"maybe"}}, "any-config": {nil, []string{"maybe"}}, "compare max-regression": {nil, []string{"-5%"}}, "quiet": {nil, []string{"maybe"}},
		"cpuprofile": {nil, []string{missing}}, "memprofile": {nil, []string{missing}}, "exectrace": {nil, []string{missing}},
		"vary": {nil, []string{"cores=1,2"}}, "plot": {nil, []string{missing + ".png"}}, "dry-run": {nil, []string{"maybe"}},
		"hdr-log": {nil, []string{missing}}, "hgrm": {nil, []string{missing}},
		"record": {nil, []string{missing + ".cast"}},
	}
	app := newApp(os.Stdout, os.Stderr)
	commands := map[string][]cli.Flag{"msgsim": app.Flags}
	for _, cmd := range app.Commands {
		commands[cmd.Name] = cmd.Flags
	}
	for name, flags := range commands {
		for _, fl := range flags {
			flag := fl.Names()[0]
			if fl == cli.HelpFlag {
				continue // the library's, read from no environment variable
			}
			t.Run(name+"/"+flag, func(t *testing.T) {
				s, ok := bad[flag]
				if cs, isCompare := bad["compare "+flag]; isCompare && name == "compare" {
					s = cs // compare's own meaning of a shared name
				}
				if !ok {
					t.Fatalf("no bad value for --%s: add one", flag)
				}
				env := envName(flag)
				t.Setenv(env, s.args[0])
				args := map[string][]string{"msgsim": nil, "sweep": {"sweep"}, "explain": {"explain"}, "run": {"run", "examples/ci-smoke.yaml"},
					"watch": {"watch", "examples/watch-little.yaml"}, "compare": {"compare", "old.json", "new.json"}}[name]
				if name == "sweep" && flag != "vary" {
					args = append(args, "--vary", "consumers=1,2")
				}
				args = append(args, s.ctx...)
				planned = func(string, options, ...any) {} // never run a bad value that got through
				defer func() { planned = nil }()
				var out, errb bytes.Buffer
				err := runApp(append([]string{"msgsim"}, args...), &out, &errb)
				var u usageError
				if !errors.As(err, &u) || !strings.Contains(u.msg, "(from $"+env+")") || !strings.Contains(u.msg, "--"+flag) {
					t.Fatalf("$%s=%q: got %v, want a usage error naming --%s and saying (from $%s)", env, s.args[0], err, flag, env)
				}
				if out.Len() != 0 {
					t.Fatalf("stdout must stay empty: %q", out.String())
				}
			})
		}
	}
}
