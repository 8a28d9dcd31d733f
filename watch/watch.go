// Package watch is msgsim's classroom mode: a full-screen terminal view of
// a running simulation — producers, queues as depth bars, consumers as
// lanes, sparklines of the last minute, Little's law and the queueing
// model beside what is measured — and keys that steer the run through its
// control plane. It only observes and steers: it reads snapshots at frame
// rate (atomic counters, nothing per message) and calls a Controller; the
// run, its check and its report belong to the invocation layer.
package watch

import (
	"time"

	"github.com/msgsim/msgsim/sim"
)

// Controller is what the view steers: a running simulation's control
// plane. *sim.Control is one; tests use a fake that records calls.
type Controller interface {
	SetRate(float64) error
	Rate() float64
	SetWork(time.Duration) error
	Work() time.Duration
	SetConsumers(q, n int) error
	Consumers(q int) int
	PauseProducers()
	ResumeProducers()
	ProducersPaused() bool
	CrashBy(q, i int, by string) error
	InForce(q, i int) (int, error)
	ConsumerState(q, i int) string
	End()
}

var _ Controller = (*sim.Control)(nil)

// CrashedByKey is who the report says crashed a consumer the c key
// crashed (a scenario's own crashes are put down to the scenario).
const CrashedByKey = "the c key in msgsim watch"

// Setup is what stays fixed while a run is watched.
type Setup struct {
	Title     string // what runs, one line
	Producers int
	Queues    int
	Slots     int // consumer goroutines per queue: the most a queue may have
	Dispatch  sim.Dispatch
	Keys      int // with key dispatch: how the model splits the rate
	Buffer    int
	Arrival   sim.Arrival
	WorkDist  sim.WorkDist
	WorkKind  sim.WorkKind
	Cores     int     // GOMAXPROCS
	MaxRate   float64 // the rate keys stop here: the run's exactly-once bits are sized for it
	// Untimed says the run keeps no per-second latency (more consumer
	// slots than a series is kept for): p99 and W are not measured.
	Untimed bool
}

// Snapshot is one look at the run, taken at frame rate.
type Snapshot struct {
	Elapsed   time.Duration
	Sent      int64   // deliveries handed to queues (fan-out: × queues)
	Arrived   int64   // messages that arrived: handed to queues, or due and waiting for one
	Delivered []int64 // per queue
	Depth     []int64 // per queue: arrived and not taken, wherever waiting; nil when not measured
	States    [][]string
	Rate      float64 // target arrival rate, 0 closed loop
	Work      time.Duration
	Paused    bool
	Crashed   int
	// P99 and Mean are the latency of the engine's last ended series
	// interval, which began at LatencyAt; Timed is its count.
	P99, Mean, LatencyAt time.Duration
	Timed                int64
}

// Source takes a snapshot; ok is false before the run starts.
type Source func() (Snapshot, bool)

// Live is the Source of a run started by the invocation layer: progress
// and ctl return the run's Progress and Control once it has them (nil
// before).
func Live(queues, slots int, progress func() *sim.Progress, ctl func() *sim.Control) Source {
	return func() (Snapshot, bool) {
		p, c := progress(), ctl()
		if p == nil || c == nil {
			return Snapshot{}, false
		}
		l, ok := p.Live()
		if !ok {
			return Snapshot{}, false
		}
		s := Snapshot{Elapsed: l.Elapsed, Arrived: l.Arrived, Delivered: l.Delivered, Depth: l.Depth, Rate: c.Rate(), Work: c.Work(),
			Paused: c.ProducersPaused(), Crashed: l.Crashed, P99: l.P99, Mean: l.Mean, LatencyAt: l.P99At, Timed: l.Timed}
		s.Sent = p.Snapshot().Sent
		s.States = make([][]string, queues)
		for q := range s.States {
			s.States[q] = make([]string, slots)
			for i := range s.States[q] {
				s.States[q][i] = c.ConsumerState(q, i)
			}
		}
		return s, true
	}
}
