package sim

import (
	"context"
	"testing"
)

func TestPrefaultOnlyForBigChannelRuns(t *testing.T) {
	defer func(free func() uint64) { residentFree = free }(residentFree)
	residentFree = func() uint64 { return 0 }
	big := DefaultConfig()
	big.Queues, big.Consumers = prefaultThreshold/64, 64 // exactly the threshold
	tests := []struct {
		name string
		edit func(*Config)
	}{
		{"below the threshold", func(c *Config) { c.Consumers = 63 }},
		{"turned off", func(c *Config) { c.NoPrefault = true }},
		{"over NATS", func(c *Config) { c.Transport = "nats" }},
		{"memory already resident", func(*Config) { residentFree = func() uint64 { return 1 << 40 } }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := big
			tt.edit(&cfg)
			if n := prefaultFor(cfg); n != 0 {
				t.Fatalf("prefaultFor pre-faulted %d bytes, want none", n)
			}
		})
	}
}

// A run at the threshold reports the pre-faulting it did, sized for its
// consumers, and still checks every delivery. The threshold is lowered so
// the race detector need not follow 65,536 goroutines.
func TestRunPrefaultsBigRuns(t *testing.T) {
	defer func(was int, free func() uint64) { prefaultThreshold, residentFree = was, free }(prefaultThreshold, residentFree)
	prefaultThreshold = 4096
	residentFree = func() uint64 { return 0 } // earlier tests' free heap would cover this small run
	cfg := DefaultConfig()
	cfg.Messages, cfg.Queues, cfg.Consumers, cfg.Buffer, cfg.Seed = 10, 64, 64, 1, 1
	res, err := Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if res.Delivered != res.Expected || res.Lost != 0 || res.Duplicated != 0 {
		t.Fatalf("delivered %d of %d, lost %d, duplicated %d", res.Delivered, res.Expected, res.Lost, res.Duplicated)
	}
	rt := res.Runtime
	if !thpAvailable() {
		if rt.PrefaultBytes != 0 {
			t.Fatalf("pre-faulted %d bytes without transparent huge pages", rt.PrefaultBytes)
		}
		t.Skip("transparent huge pages are off here")
	}
	want := uint64(cfg.Queues * cfg.Consumers * prefaultPerConsumer)
	if rt.PrefaultBytes != want {
		t.Errorf("pre-faulted %d bytes, want %d", rt.PrefaultBytes, want)
	}
	if rt.Prefault <= 0 || rt.Prefault > rt.Startup {
		t.Errorf("pre-faulting took %v of a %v start-up", rt.Prefault, rt.Startup)
	}
}
