package explain

import (
	"fmt"
	"io"
	"strings"

	"github.com/msgsim/msgsim/invoke"
	"github.com/msgsim/msgsim/sim"
	"github.com/msgsim/msgsim/units"
)

// WritePlan says what running plan would do beyond what the diagram and
// the prediction show, for explain --dry-run: every setting of the plan
// appears, so a dry run shows the effect of every flag it was given.
// Secrets (tokens, credentials, URLs) are named, never printed.
func WritePlan(w io.Writer, p invoke.Plan, progress string) error {
	c := p.Config
	var lines []string
	add := func(format string, args ...any) { lines = append(lines, fmt.Sprintf(format, args...)) }
	runs := "run once"
	if p.Repeat > 1 {
		runs = fmt.Sprintf("run %d times and report the median run", p.Repeat)
	}
	seed := "a random seed, reported"
	if c.Seed != 0 {
		seed = fmt.Sprintf("seed %d", c.Seed)
	}
	add("%s, with %s", runs, seed)
	add("carry %s B payloads", units.Int(int64(c.Size)))
	procs := "GOMAXPROCS = all cores"
	if c.Procs > 0 {
		procs = fmt.Sprintf("GOMAXPROCS %d", c.Procs)
	}
	add("run on %s", procs)
	if c.Work > 0 {
		how := map[sim.WorkKind]string{sim.Spin: "spinning on the CPU", sim.Sleep: "sleeping, like I/O"}[c.WorkKind]
		dist := map[sim.WorkDist]string{sim.FixedWork: "exactly", sim.ExpWork: "exponentially distributed, with a mean of",
			sim.UniformWork: "uniformly distributed from 0 to twice"}[c.WorkDist]
		add("have each consumer work %s %s per message, %s", dist, units.Duration(c.Work), how)
	}
	if c.Duration > 0 {
		add("stop producing after %s", c.Duration)
	}
	if c.Warmup > 0 {
		add("leave the first %s out of latency and throughput", c.Warmup)
	}
	switch every := c.SeriesInterval(); {
	case c.Interval > 0:
		add("report a series every %s", c.Interval)
	case every > 0:
		add("report a series every %s (--interval auto: the run is planned longer than 2s)", every)
	default:
		add("report no series (--interval auto: the run is planned shorter than 2s, or has over %d consumers)", sim.OwnHistogramsUpTo)
	}
	budget := c.MemoryBudget()
	add("need about %s of memory, within a budget of %s (%s)", units.Bytes(float64(c.Memory().Total)), units.Bytes(float64(budget.Bytes)), budget.From)
	if c.NoPrefault {
		add("start big runs' consumers without pre-faulting their memory")
	}
	if c.Transport == "nats" {
		where := "an embedded nats-server"
		if c.NATSURL != "" {
			where = "the NATS server(s) of --nats-url"
		}
		auth := ""
		switch {
		case c.NATSToken != "" && c.NATSCreds != "":
			auth = ", authenticated with --nats-token and --nats-creds"
		case c.NATSToken != "":
			auth = ", authenticated with --nats-token"
		case c.NATSCreds != "":
			auth = ", authenticated with --nats-creds"
		}
		add("go through %s%s, as role %s, waiting up to %s for missing messages", where, auth, orAll(c.Role), c.DrainTimeout)
		if c.RunID != "" {
			add("use run-id %q for its subjects", c.RunID)
		}
	}
	if c.Transport == "jetstream" {
		where := "an embedded nats-server with JetStream"
		if c.NATSURL != "" {
			where = "the JetStream of --nats-url"
		}
		delivery := c.Delivery
		if delivery == "" {
			delivery = sim.DefaultDelivery
		}
		add("go through %s, %s storage, judged %s: ack %s, ack wait %s, at most %d deliveries (0: no bound), message ids %v, dedup window %s, waiting up to %s for missing messages",
			where, c.Storage, delivery, c.AckPolicy, c.AckWait, c.MaxDeliver, c.MsgID || delivery == sim.ExactlyOnce, c.DedupWindow, c.DrainTimeout)
		for _, f := range c.Faults {
			add("act out the broker fault %s", f)
		}
	}
	if c.Transport == "kafka" {
		where := "an in-process Kafka cluster"
		if c.KafkaBrokers != "" {
			where = "the Kafka cluster of --kafka-brokers"
			if c.KafkaSASL != "" {
				where += " with SASL " + c.KafkaSASL
			}
			if c.KafkaTLS {
				where += " over TLS"
			}
		}
		delivery := c.Delivery
		if delivery == "" {
			delivery = sim.DefaultDelivery
		}
		add("go through %s, judged %s, with a session timeout of %s, waiting up to %s for missing messages", where, delivery, c.SessionTimeout, c.DrainTimeout)
		for _, f := range c.Faults {
			add("act out the broker fault %s", f)
		}
	}
	if c.TraceN > 0 {
		add("print the first %s deliveries on stderr", units.Int(c.TraceN))
	}
	if len(p.Assertions) > 0 {
		exprs := make([]string, len(p.Assertions))
		for i, a := range p.Assertions {
			exprs[i] = a.Expr
		}
		add("check %s", strings.Join(exprs, ", "))
	}
	if b := p.Baseline; b != nil {
		add("compare throughput, p50 and p99 with %s, failing beyond %s worse", b.File, pct(b.MaxRegression))
	}
	if p.SaveBaseline != "" {
		add("save its json to %s if every check passes", p.SaveBaseline)
	}
	for _, f := range []struct{ what, path string }{{"a CPU profile", p.Profiles.CPU}, {"a heap profile", p.Profiles.Mem}, {"an execution trace", p.Profiles.Exec}} {
		if f.path != "" {
			add("write %s to %s", f.what, f.path)
		}
	}
	add("draw a progress bar: %s", progress)
	_, err := fmt.Fprintf(w, "dry run: nothing ran. The run would:\n  - %s\n", strings.Join(lines, "\n  - "))
	return err
}

func orAll(role string) string {
	if role == "" {
		return "all"
	}
	return role
}
