package sim

import (
	"runtime"
	"runtime/metrics"
)

// A consumer goroutine costs one page fault per 4 KiB the first time its
// stack, g and sudog are touched. On this project's VMs a fault costs
// ~13 µs, so a million consumers spent 8-10 s of start-up in the kernel
// (669k faults for a bare 1M-goroutine program). From prefaultThreshold
// consumers on, Run first grows the heap by what those goroutines will
// need, backed by transparent huge pages (one fault per 2 MiB), and hands it
// back to the runtime, which then carves the stacks out of memory that is
// already resident — the JVM's AlwaysPreTouch, applied to goroutine stacks.
var prefaultThreshold = PrefaultFrom // a variable so tests can start fewer goroutines

// PrefaultFrom is how many consumers in all a run needs before it
// pre-faults their memory (Config.NoPrefault turns that off).
const PrefaultFrom = 1 << 16

// stackCalibration is how many consumers a big run starts before the GC
// that re-bases the runtime's starting stack size on theirs.
const stackCalibration = 1024

// Per consumer: what its goroutine needs (see goroutineBytes). Pre-faulting
// more only leaves resident memory nobody uses; less, and the rest faults
// in page by page as without pre-faulting.
const prefaultPerConsumer = goroutineBytes

// prefaultFor pre-faults heap memory for cfg's consumers when there are
// enough of them to pay for it, returning the bytes made resident.
func prefaultFor(cfg Config) uint64 {
	if cfg.NoPrefault || cfg.Remote() || cfg.Queues*cfg.Consumers < prefaultThreshold {
		return 0
	}
	// A repeated run finds the previous run's memory still resident in the
	// page heap; only the shortfall is worth faulting in.
	want := uint64(cfg.Queues * cfg.Consumers * prefaultPerConsumer)
	need := want - min(residentFree(), want)
	if need < uint64(prefaultThreshold*prefaultPerConsumer) {
		return 0
	}
	// Where it fails (no huge pages, a kernel before 5.14) the goroutines
	// fault their own pages, as without it; chunks populated before a
	// failure still count.
	n, _ := prefaultHeap(int(need))
	if n > 0 {
		// The chunks are garbage now; collect them so their pages go back
		// to the page heap, where stack allocation finds them resident.
		runtime.GC()
	}
	return n
}

// residentFree is heap memory the runtime holds free but not yet returned
// to the OS: resident, ready for stacks. A variable for tests.
var residentFree = func() uint64 {
	s := []metrics.Sample{{Name: "/memory/classes/heap/free:bytes"}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindUint64 {
		return 0
	}
	return s[0].Value.Uint64()
}

// bigHeap is the heap size from which a run starts with a collection.
const bigHeap = 64 << 20

// collectIfLarge collects before a run when the heap holds a lot, usually
// an earlier run's garbage (a --repeat, a sweep point): it is then neither
// collected inside this run's measurement nor left beside it, which doubled
// a repeated 1000×1000 run's RSS. A small heap is left alone: a forced GC
// costs a fresh process 3–6 ms of start-up.
func collectIfLarge() {
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(s)
	if s[0].Value.Kind() == metrics.KindUint64 && s[0].Value.Uint64() >= bigHeap {
		runtime.GC()
	}
}
