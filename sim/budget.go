package sim

import (
	"fmt"
	"sync"

	"github.com/msgsim/msgsim/units"
)

// MemoryBudget is how much memory a run may be estimated to need, and
// where that figure came from.
type MemoryBudget struct {
	Bytes uint64
	From  string // e.g. "half of the 23.5 GiB of physical memory"
}

// DefaultMemoryShare is the part of the machine's memory a run gets unless
// Config.MaxMemory says otherwise. Half, because the estimate is an
// estimate (docs/memory.md puts it within ±15% of measured peak RSS for the
// big runs), the Go heap holds garbage as well as live data between
// collections, and the machine runs other things: a run that needs more
// than half of it should be asked for explicitly.
const DefaultMemoryShare = 0.5

// assumedMemory stands in for the machine's memory where it cannot be read
// (neither Linux nor macOS): small enough for a laptop.
const assumedMemory = 8 << 30

// MemoryBudget returns the run's budget: MaxMemory when set, otherwise
// DefaultMemoryShare of the machine's memory (physical memory, or the
// cgroup's limit when that is lower).
func (c Config) MemoryBudget() MemoryBudget {
	if c.MaxMemory > 0 {
		return MemoryBudget{Bytes: c.MaxMemory, From: "set by --max-memory"}
	}
	return defaultBudget()
}

// defaultBudget reads the machine's memory once: Validate runs for every
// point of a sweep.
var defaultBudget = sync.OnceValue(func() MemoryBudget {
	return budgetOf(systemMemory())
})

// memoryKind says what a figure of the machine's memory is.
type memoryKind int

const (
	unknownMemory memoryKind = iota
	physicalMemory
	cgroupMemory
)

func budgetOf(total uint64, kind memoryKind) MemoryBudget {
	var of string
	switch kind {
	case physicalMemory:
		of = "the " + units.Bytes(float64(total)) + " of physical memory"
	case cgroupMemory:
		of = "the " + units.Bytes(float64(total)) + " cgroup memory limit"
	default:
		total = assumedMemory
		of = "an assumed " + units.Bytes(assumedMemory) + ": this system's memory is unknown"
	}
	return MemoryBudget{Bytes: uint64(float64(total) * DefaultMemoryShare), From: "half of " + of}
}

// MemoryError refuses a run whose estimated memory exceeds its budget.
// Validate returns it before anything is allocated.
type MemoryError struct {
	Estimate MemoryEstimate
	Budget   MemoryBudget
}

func (e *MemoryError) Error() string {
	return fmt.Sprintf("the run needs about %s of memory, more than its %s budget (%s); the largest part is %s; make the run smaller or raise the budget with --max-memory",
		units.Bytes(float64(e.Estimate.Total)), units.Bytes(float64(e.Budget.Bytes)), e.Budget.From, e.Estimate.Largest())
}

// checkMemory refuses c if its estimate exceeds its budget. Validate calls
// it last, once every field is known to be in range.
func (c Config) checkMemory() error {
	est, budget := c.Memory(), c.MemoryBudget()
	if est.Total > budget.Bytes {
		return &MemoryError{Estimate: est, Budget: budget}
	}
	return nil
}
