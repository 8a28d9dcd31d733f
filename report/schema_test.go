package report_test

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"golang.org/x/perf/benchfmt"

	"github.com/msgsim/msgsim/report"
	"github.com/msgsim/msgsim/sim"
)

func compileSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	f, err := os.Open("schema.json")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	if err := c.AddResource("schema.json", doc); err != nil {
		t.Fatal(err)
	}
	sch, err := c.Compile("schema.json")
	if err != nil {
		t.Fatal(err)
	}
	return sch
}

// The schema in the repository must accept what msgsim really writes: a
// real run of every dispatch mode, and the CI fixture with repeats,
// assertions and a baseline. additionalProperties is false throughout, so a
// new field fails here until the schema documents it.
func TestJSONMatchesSchema(t *testing.T) {
	sch := compileSchema(t)
	consumer := failover() // a split run's consumer process, whose producers hit a broker failure
	consumer.Role, consumer.Process, consumer.EndedBy, consumer.TransportError = sim.RoleConsumer, "c1", "producers: transport", "nats: connection closed"
	notTimed := workload() // nothing measured: every figure that says so is 0
	notTimed.Measured, notTimed.Latency, notTimed.Queues[0].Latency, notTimed.DepthMeasured = 0, sim.Latency{}, sim.Latency{}, false
	docs := map[string]report.Document{"ci fixture": ci(), "interrupted fixture": {Result: broken()},
		"failover fixture": {Result: failover()}, "scenario fixture": {Result: scenario()}, "split consumer": {Result: consumer}, "nothing measured": {Result: notTimed}}
	for _, d := range sim.Dispatches {
		cfg := sim.DefaultConfig()
		cfg.Messages, cfg.Dispatch, cfg.Consumers, cfg.Batch = 500, d, 1, 4
		res, err := sim.Run(context.Background(), cfg)
		if err != nil {
			t.Fatal(err)
		}
		docs["real "+string(d)] = report.Document{Result: res}
	}
	for name, d := range docs {
		var buf bytes.Buffer
		if err := report.WriteDocument(&buf, d, report.JSON); err != nil {
			t.Fatal(err)
		}
		v, err := jsonschema.UnmarshalJSON(&buf)
		if err != nil {
			t.Fatal(err)
		}
		if err := sch.Validate(v); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestSchemaRejectsWrongOutput(t *testing.T) {
	sch := compileSchema(t)
	for _, bad := range []string{`{"schema_version": 1}`, `{"schema_version": 2}`} {
		v, _ := jsonschema.UnmarshalJSON(strings.NewReader(bad))
		if sch.Validate(v) == nil {
			t.Errorf("schema accepts %s", bad)
		}
	}
}

// benchstat reads gobench output through benchfmt; parse it the same way.
func TestGoBenchParses(t *testing.T) {
	var buf bytes.Buffer
	if err := report.WriteDocument(&buf, ci(), report.GoBench); err != nil {
		t.Fatal(err)
	}
	r := benchfmt.NewReader(&buf, "ci.bench")
	n := 0
	for r.Scan() {
		res, ok := r.Result().(*benchfmt.Result)
		if !ok {
			continue // config lines
		}
		n++
		if string(res.Name.Base()) != "Msgsim" || res.Iters != 3_000_000 {
			t.Errorf("name %q iters %d", res.Name, res.Iters)
		}
		units := map[string]float64{}
		for _, v := range res.Values {
			// benchfmt normalises ns to sec and keeps the original beside it.
			if v.OrigUnit != "" {
				units[v.OrigUnit] = v.OrigValue
			} else {
				units[v.Unit] = v.Value
			}
		}
		for _, u := range []string{"ns/op", "msgs/s", "p99-ns", "lost"} {
			if _, ok := units[u]; !ok {
				t.Errorf("no %s in %v", u, res.Values)
			}
		}
		if units["msgs/s"] < 2e6 || units["p99-ns"] < 50_000 {
			t.Errorf("values %v", units)
		}
	}
	if err := r.Err(); err != nil {
		t.Fatal(err)
	}
	if n != 3 {
		t.Fatalf("%d results, want one per run (3)", n)
	}
}
