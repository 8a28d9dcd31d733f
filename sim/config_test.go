package sim_test

import (
	"errors"
	"math"
	"testing"

	"github.com/msgsim/msgsim/sim"
)

func TestValidate(t *testing.T) {
	tests := []struct {
		name  string
		edit  func(*sim.Config)
		field string // "" means valid
	}{
		{"default is valid", func(*sim.Config) {}, ""},
		{"zero messages would check nothing", func(c *sim.Config) { c.Messages = 0 }, "messages"},
		{"one message is valid", func(c *sim.Config) { c.Messages = 1 }, ""},
		{"zero batch", func(c *sim.Config) { c.Batch = 0 }, "batch"},
		{"batch of one is valid", func(c *sim.Config) { c.Batch = 1 }, ""},
		{"a rate whose gap is centuries", func(c *sim.Config) { c.Rate = 1e-300 }, "rate"},
		{"a message an hour is the slowest rate", func(c *sim.Config) { c.Rate, c.MaxMemory = 1.0/3600, 1<<50 }, ""},
		{"just under a message an hour", func(c *sim.Config) { c.Rate = 0.99 / 3600 }, "rate"},
		{"the slowest rate is per producer", func(c *sim.Config) { c.Rate, c.Producers = 1.0/3600, 2 }, "rate"},
		{"NaN rate", func(c *sim.Config) { c.Rate = math.NaN() }, "rate"},
		{"a wildcard run-id", func(c *sim.Config) { c.Transport, c.RunID = "nats", "*" }, "run-id"},
		{"a run-id that splits subjects", func(c *sim.Config) { c.Transport, c.RunID = "nats", "a.b" }, "run-id"},
		{"a run-id with a space", func(c *sim.Config) { c.Transport, c.RunID = "nats", "a b" }, "run-id"},
		{"a plain run-id", func(c *sim.Config) { c.Transport, c.RunID = "nats", "ci-42_b" }, ""},
		{"a buffer over NATS", func(c *sim.Config) { c.Transport, c.Buffer = "nats", 16 }, "buffer"},
		{"negative messages", func(c *sim.Config) { c.Messages = -1 }, "messages"},
		{"zero queues", func(c *sim.Config) { c.Queues = 0 }, "queues"},
		{"zero consumers", func(c *sim.Config) { c.Consumers = 0 }, "consumers"},
		{"zero producers", func(c *sim.Config) { c.Producers = 0 }, "producers"},
		{"negative buffer", func(c *sim.Config) { c.Buffer = -1 }, "buffer"},
		{"huge buffer", func(c *sim.Config) { c.Buffer = 1<<24 + 1 }, "buffer"},
		{"buffer times queues", func(c *sim.Config) { c.Buffer, c.Queues = 1<<24, 8 }, "buffer"},
		{"too many consumer goroutines", func(c *sim.Config) { c.Queues, c.Consumers = 10_000, 1001 }, "consumers"},
		{"ten million consumers is the limit", func(c *sim.Config) { c.Queues, c.Consumers, c.Messages, c.MaxMemory = 10_000, 1000, 1, 1<<50 }, ""},
		{"more than 1e12 deliveries", func(c *sim.Config) { c.Messages = 400_000_000_000 }, "messages"},
		{"1e12 deliveries is the limit", func(c *sim.Config) { c.Messages, c.Queues, c.MaxMemory = 500_000_000_000, 2, 1<<50 }, ""},
		{"unknown dispatch", func(c *sim.Config) { c.Dispatch = "broadcast" }, "dispatch"},
		{"negative size", func(c *sim.Config) { c.Size = -1 }, "size"},
		{"zero keys", func(c *sim.Config) { c.Keys = 0 }, "keys"},
		{"negative trace", func(c *sim.Config) { c.TraceN = -1 }, "trace"},
		{"too many procs", func(c *sim.Config) { c.Procs = 1 << 20 }, "procs"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := sim.DefaultConfig()
			tt.edit(&cfg)
			err := cfg.Validate()
			if tt.field == "" {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			var fe *sim.FieldError
			if !errors.As(err, &fe) || fe.Field != tt.field {
				t.Fatalf("got %v, want an error about --%s", err, tt.field)
			}
		})
	}
}

func TestParseDispatch(t *testing.T) {
	for _, s := range []string{"fanout", "roundrobin", "key", "FanOut"} {
		if _, err := sim.ParseDispatch(s); err != nil {
			t.Errorf("%q: %v", s, err)
		}
	}
	if _, err := sim.ParseDispatch("broadcast"); err == nil {
		t.Error("broadcast accepted")
	}
}
