package sim

import (
	"runtime"
	"runtime/metrics"
	"sync"
	"sync/atomic"
	"time"
)

// Runtime is what the Go runtime did during a run, for judging whether a
// figure measured the program or the garbage collector.
type Runtime struct {
	GOMAXPROCS     int
	NumCPU         int
	GoVersion      string
	PeakGoroutines int
	GCCycles       uint32
	GCPause        time.Duration // total stop-the-world pause
	PeakHeapBytes  uint64        // sampled at most every 50 ms while producers progress, and at the end
	PeakRSSBytes   uint64        // the process's peak resident set (0 where unknown)
	Startup        time.Duration // Run called → first message sent (allocation, goroutines)
	Shutdown       time.Duration // last message received → Run returns (drain, merge)
	// PrefaultBytes of heap were made resident as huge pages before the
	// consumers started, taking Prefault (part of Startup); 0 when the run
	// was too small, NoPrefault was set or the system has no huge pages.
	PrefaultBytes uint64
	Prefault      time.Duration
}

// runtimeMonitor samples goroutines and heap at the start, once every
// goroutine of the run exists, every monitorEvery while producers make
// progress, and at the end. It has no goroutine and no ticker: the
// producers call maybeSample as they publish their progress. While a
// timer is pending on a P, every scheduling decision there reads the clock
// (runtime.(*timers).check); a 50 ms ticker cost unbuffered fan-out 6-9 %.
// (Waiting in poll(2) instead was tried too: the syscall holds its P until
// sysmon retakes it, and --procs 1 runs went at half speed.)
type runtimeMonitor struct {
	start   runtime.MemStats
	base    time.Time
	next    atomic.Int64 // ns since base of the next sample
	samples []metrics.Sample
	mu      sync.Mutex
	peakG   int
	peakH   uint64
}

const monitorEvery = 50 * time.Millisecond

func startRuntimeMonitor() *runtimeMonitor {
	m := &runtimeMonitor{
		base:    time.Now(),
		samples: []metrics.Sample{{Name: "/sched/goroutines:goroutines"}, {Name: "/memory/classes/heap/objects:bytes"}},
	}
	runtime.ReadMemStats(&m.start)
	m.sample()
	m.next.Store(int64(monitorEvery))
	return m
}

// maybeSample samples if monitorEvery has passed since the last sample; one
// caller wins when several producers get there at once. It reads the
// clock, so producers call it every thousand messages or so.
func (m *runtimeMonitor) maybeSample() {
	now, next := int64(time.Since(m.base)), m.next.Load()
	if now >= next && m.next.CompareAndSwap(next, now+int64(monitorEvery)) {
		m.sample()
	}
}

func (m *runtimeMonitor) sample() {
	m.mu.Lock()
	defer m.mu.Unlock()
	metrics.Read(m.samples)
	if g := int(m.samples[0].Value.Uint64()); g > m.peakG {
		m.peakG = g
	}
	if h := m.samples[1].Value.Uint64(); h > m.peakH {
		m.peakH = h
	}
}

// sampleGoroutines records the goroutine count once every goroutine of the
// run has been started, the moment of the peak.
func (m *runtimeMonitor) sampleGoroutines() { m.sample() }

func (m *runtimeMonitor) stop() Runtime {
	m.sample()
	var end runtime.MemStats
	runtime.ReadMemStats(&end)
	return Runtime{
		GOMAXPROCS:     runtime.GOMAXPROCS(0),
		NumCPU:         runtime.NumCPU(),
		GoVersion:      runtime.Version(),
		PeakGoroutines: m.peakG,
		GCCycles:       end.NumGC - m.start.NumGC,
		GCPause:        time.Duration(end.PauseTotalNs - m.start.PauseTotalNs),
		PeakHeapBytes:  m.peakH,
		PeakRSSBytes:   peakRSS(),
	}
}
