package sim

import (
	"runtime"
	"runtime/metrics"
	"sync"
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
	PeakHeapBytes  uint64        // sampled every 50 ms and at the end
	PeakRSSBytes   uint64        // the process's peak resident set (0 where unknown)
	Startup        time.Duration // Run called → first message sent (allocation, goroutines)
	Shutdown       time.Duration // last message received → Run returns (drain, merge)
	// PrefaultBytes of heap were made resident as huge pages before the
	// consumers started, taking Prefault (part of Startup); 0 when the run
	// was too small, NoPrefault was set or the system has no huge pages.
	PrefaultBytes uint64
	Prefault      time.Duration
}

// runtimeMonitor samples goroutines and heap on a ticker in its own
// goroutine; it never touches the run's hot path.
type runtimeMonitor struct {
	start   runtime.MemStats
	samples []metrics.Sample
	mu      sync.Mutex
	peakG   int
	peakH   uint64
	quit    chan struct{}
	done    sync.WaitGroup
}

func startRuntimeMonitor() *runtimeMonitor {
	m := &runtimeMonitor{
		samples: []metrics.Sample{{Name: "/sched/goroutines:goroutines"}, {Name: "/memory/classes/heap/objects:bytes"}},
		quit:    make(chan struct{}),
	}
	runtime.ReadMemStats(&m.start)
	m.sample()
	m.done.Add(1)
	go func() {
		defer m.done.Done()
		tk := time.NewTicker(50 * time.Millisecond)
		defer tk.Stop()
		for {
			select {
			case <-tk.C:
				m.sample()
			case <-m.quit:
				return
			}
		}
	}()
	return m
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
	close(m.quit)
	m.done.Wait()
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
