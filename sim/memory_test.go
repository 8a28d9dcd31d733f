package sim

import (
	"context"
	"errors"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"strings"
	"testing"
	"time"
)

// machine24 is the default budget of a machine with 24 GiB, so that what
// is accepted does not depend on the machine running the tests.
var machine24 = budgetOf(24<<30, physicalMemory)

// Each example of issue 14 is refused, before anything is allocated, with
// the largest term named; ordinary and big-but-feasible runs are accepted.
func TestMemoryEstimateRefusesWhatCannotFit(t *testing.T) {
	unlimited := func(c *Config) { c.Messages = c.UnlimitedMessages() }
	tests := []struct {
		name    string
		edit    func(*Config)
		largest string // "" means accepted
	}{
		{"the defaults", func(*Config) {}, ""},
		{"a hundred million messages", func(c *Config) { c.Messages = 100_000_000 }, ""},
		{"a million consumers", func(c *Config) { c.Queues, c.Consumers, c.Messages, c.Buffer = 1000, 1000, 2000, 16 }, ""},
		{"a hundred thousand queues of one consumer", func(c *Config) { c.Queues, c.Consumers, c.Messages = 100_000, 1, 1 }, ""},
		{"an open-ended minute", func(c *Config) { c.Duration = time.Minute; unlimited(c) }, ""},
		{"an open-ended hour, batched", func(c *Config) { c.Duration, c.Batch, c.Buffer = time.Hour, 256, 16; unlimited(c) }, "exactly-once bits"},
		{"an open-ended day at 10k msgs/s", func(c *Config) { c.Duration, c.Rate = 24*time.Hour, 10_000; unlimited(c) }, ""},
		{"a hundred thousand producers of 1 MB payloads", func(c *Config) { c.Producers, c.Size, c.Messages = 100_000, 1_000_000, 1 }, "payloads"},
		{"a hundred thousand producers times a million queues", func(c *Config) { c.Producers, c.Queues, c.Messages = 100_000, 1_000_000, 1 }, "per-queue counters"},
		{"10 ms intervals for a week", func(c *Config) { c.Interval, c.Duration = 10*time.Millisecond, MaxDuration; unlimited(c) }, "series"},
		{"10 ms intervals over a trillion messages", func(c *Config) { c.Interval, c.Messages = 10*time.Millisecond, 300_000_000_000 }, "series"},
		{"ten million consumers", func(c *Config) { c.Queues, c.Consumers, c.Messages = 10_000, 1000, 1 }, "consumers"},
		{"a trillion deliveries", func(c *Config) { c.Messages, c.Batch = 300_000_000_000, 256 }, "exactly-once bits"},
		{"a thousand producers for a second in a hundred queues", func(c *Config) { c.Producers, c.Queues, c.Duration = 1000, 100, time.Second; unlimited(c) }, "exactly-once bits"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := DefaultConfig()
			tt.edit(&cfg)
			cfg.MaxMemory = machine24.Bytes
			var err error
			allocated := heapAllocated(func() { err = cfg.Validate() })
			if allocated > 1<<20 {
				t.Errorf("Validate allocated %d bytes", allocated)
			}
			if tt.largest == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			var me *MemoryError
			if !errors.As(err, &me) {
				t.Fatalf("got %v, want a *MemoryError", err)
			}
			if got := me.Estimate.Largest().Name; got != tt.largest {
				t.Fatalf("largest term %q, want %q: %v", got, tt.largest, err)
			}
		})
	}
}

func heapAllocated(f func()) uint64 {
	s := []metrics.Sample{{Name: "/gc/heap/allocs:bytes"}}
	metrics.Read(s)
	before := s[0].Value.Uint64()
	f()
	metrics.Read(s)
	return s[0].Value.Uint64() - before
}

// The refusal is one line that says how much, what most of it is (with
// the arithmetic), the budget and where it came from, and what to do.
func TestMemoryErrorSaysWhatToDo(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Producers, cfg.Size, cfg.Messages = 100_000, 1_000_000, 1
	cfg.MaxMemory = machine24.Bytes
	err := cfg.Validate()
	if err == nil {
		t.Fatal("accepted")
	}
	want := "the run needs about 93.4 GiB of memory, more than its 12.0 GiB budget (set by --max-memory); " +
		"the largest part is payloads: 100,000 producers × 977 KiB = 93.1 GiB; make the run smaller or raise the budget with --max-memory"
	if err.Error() != want {
		t.Fatalf("got  %s\nwant %s", err, want)
	}
	if d := DefaultConfig(); d.MemoryBudget() != defaultBudget() {
		t.Fatal("a zero MaxMemory is not the default budget")
	}
}

// Terms add up to the total; every term says how it was worked out.
func TestMemoryTermsAddUp(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Queues, cfg.Consumers, cfg.Batch, cfg.Buffer, cfg.Rate, cfg.Duration, cfg.Work = 4, 2, 16, 8, 1000, time.Minute, time.Millisecond
	cfg.Transport = "nats"
	e := cfg.Memory()
	var sum uint64
	for _, term := range e.Terms {
		sum += term.Bytes
		if term.Bytes == 0 || term.Detail == "" || !strings.Contains(term.String(), " = ") {
			t.Errorf("term %+v", term)
		}
	}
	if sum != e.Total {
		t.Fatalf("terms add up to %d, total %d", sum, e.Total)
	}
}

func TestIntervalHistogramBytes(t *testing.T) {
	if got := newIntervalHistogram().ByteSize(); got != intervalHistogramBytes {
		t.Fatalf("an interval histogram is %d bytes, the estimate says %d", got, intervalHistogramBytes)
	}
}

// The estimate is in the range of the heap a run uses: each config's peak
// heap growth lands between a fifth of the heap part of the estimate (what
// is not goroutine stacks or the program) and half as much again plus
// 4 MiB. Shared histograms are estimated whole but allocate only the pages
// latencies fall in, hence the fifth. The estimate counts live memory, so
// the GC runs often here: with the default GOGC the heap may hold as much
// garbage again (batches, which the race detector's sync.Pool drops on
// purpose), and the other tests' live heap would set how much.
func TestMemoryEstimateMatchesHeap(t *testing.T) {
	if testing.Short() {
		t.Skip("runs tens of thousands of goroutines")
	}
	// Hand the runs' memory back now: a scavenger returning it later
	// would shrink the resident set under TestPopulateHugeMakesMemoryResident.
	t.Cleanup(debug.FreeOSMemory)
	defer debug.SetGCPercent(debug.SetGCPercent(10))
	tests := []struct {
		name string
		edit func(*Config)
	}{
		{"payloads", func(c *Config) { c.Producers, c.Size, c.Messages = 100, 1_000_000, 10 }},
		{"per-queue counters and order checks", func(c *Config) {
			c.Producers, c.Queues, c.Consumers, c.Messages, c.Dispatch = 2000, 2000, 1, 1, Key
		}},
		{"forty thousand consumers", func(c *Config) { c.Queues, c.Consumers, c.Messages, c.Buffer = 2000, 20, 2, 4 }},
		{"exactly-once bits", func(c *Config) {
			c.Queues, c.Consumers, c.Messages, c.Batch, c.Buffer, c.Dispatch = 2, 1, 20_000_000, 1024, 4, RoundRobin
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := DefaultConfig()
			tt.edit(&cfg)
			cfg.Seed = 1
			e := cfg.Memory()
			goroutines := uint64(cfg.Producers + cfg.Queues*cfg.Consumers)
			heap := e.Total - programBytes - goroutines*2048
			runtime.GC()
			s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
			metrics.Read(s)
			before := s[0].Value.Uint64()
			res, err := Run(context.Background(), cfg)
			if err != nil {
				t.Fatal(err)
			}
			grew := res.Runtime.PeakHeapBytes - min(before, res.Runtime.PeakHeapBytes)
			t.Logf("estimate %d (heap %d), peak heap grew %d", e.Total, heap, grew)
			if grew < heap/5 || grew > heap+heap/2+4<<20 {
				t.Fatalf("peak heap grew %d bytes; the estimate's heap part is %d", grew, heap)
			}
		})
	}
}

// The default budget is half the machine, and says so.
func TestBudgetSaysWhereItCameFrom(t *testing.T) {
	for _, tt := range []struct {
		total uint64
		kind  memoryKind
		bytes uint64
		from  string
	}{
		{24 << 30, physicalMemory, 12 << 30, "half of the 24.0 GiB of physical memory"},
		{4 << 30, cgroupMemory, 2 << 30, "half of the 4.00 GiB cgroup memory limit"},
		{0, unknownMemory, 4 << 30, "half of an assumed 8.00 GiB: this system's memory is unknown"},
	} {
		if got := budgetOf(tt.total, tt.kind); got.Bytes != tt.bytes || got.From != tt.from {
			t.Errorf("budgetOf(%d, %v) = %+v, want %d %q", tt.total, tt.kind, got, tt.bytes, tt.from)
		}
	}
	if b := defaultBudget(); b.Bytes == 0 || b.From == "" {
		t.Fatalf("default budget %+v", b)
	}
}

// Memory is exported and may be called before Validate: nonsense in,
// no panic out.
func TestMemoryOfAnInvalidConfig(t *testing.T) {
	for _, c := range []Config{{}, {Queues: -1, Consumers: -5, Producers: -2, Messages: -1, Batch: -3, Dispatch: RoundRobin}} {
		_ = c.Memory()
	}
}
