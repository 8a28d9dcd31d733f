package sim

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"strings"
	"time"
)

// Arrival is how an open-loop producer spaces its messages.
type Arrival string

// The arrival processes.
const (
	Uniform Arrival = "uniform" // fixed spacing
	Poisson Arrival = "poisson" // exponential inter-arrival times (seeded)
)

// WorkDist is the distribution of a consumer's per-message work.
type WorkDist string

// The service-time distributions.
const (
	FixedWork   WorkDist = "fixed"   // exactly the mean
	ExpWork     WorkDist = "exp"     // exponential with the mean (M/M/c service)
	UniformWork WorkDist = "uniform" // uniform on [0, 2 × mean]
)

// WorkKind is how a consumer spends its work time.
type WorkKind string

// The kinds of work.
const (
	Spin WorkKind = "spin" // busy-wait on the clock for the time: CPU is used, but the
	// time is wall time, so on an oversubscribed machine it does not stretch
	// the way real processing would (calibrated loops were tried: this VM's
	// CPU speed varies too much between runs for them to mean anything).
	Sleep WorkKind = "sleep" // block, like waiting for I/O
)

func oneOf[T ~string](field, s string, allowed ...T) (T, error) {
	names := make([]string, len(allowed))
	for i, a := range allowed {
		if strings.EqualFold(s, string(a)) {
			return a, nil
		}
		names[i] = string(a)
	}
	return "", fmt.Errorf("--%s: unknown value %q (want %s)", field, s, strings.Join(names, ", "))
}

// ParseArrival, ParseWorkDist and ParseWorkKind accept the names above.
func ParseArrival(s string) (Arrival, error) { return oneOf("arrival", s, Uniform, Poisson) }

// ParseWorkDist accepts fixed, exp or uniform.
func ParseWorkDist(s string) (WorkDist, error) {
	return oneOf("work-dist", s, FixedWork, ExpWork, UniformWork)
}

// ParseWorkKind accepts spin or sleep.
func ParseWorkKind(s string) (WorkKind, error) { return oneOf("work-kind", s, Spin, Sleep) }

// schedule yields one producer's intended send times, in ns since the run's
// base. Rate is the total over all producers: producer k of P sends at
// rate/P, uniform schedules staggered by k/rate so the sum is evenly spaced;
// Poisson schedules superpose to a Poisson process of the total rate.
type schedule struct {
	next    float64 // ns
	spacing float64 // mean ns between this producer's messages
	rnd     *rand.Rand
}

func newSchedule(rate float64, producers, k int, arrival Arrival, seed uint64) *schedule {
	s := &schedule{spacing: float64(producers) * 1e9 / rate}
	if arrival == Poisson {
		s.rnd = rand.New(rand.NewPCG(seed, 0x5eed_a111^uint64(k)))
		s.next = s.rnd.ExpFloat64() * s.spacing
	} else {
		s.next = float64(k) * 1e9 / rate
	}
	return s
}

// Next returns the intended time of the next message and advances.
func (s *schedule) Next() int64 {
	t := s.next
	if s.rnd != nil {
		s.next += s.rnd.ExpFloat64() * s.spacing
	} else {
		s.next += s.spacing
	}
	return int64(t)
}

// maxLate bounds the sleep lateness a worker allows for.
const maxLate = 250 * time.Microsecond

// worker draws and performs a consumer's per-message work.
type worker struct {
	mean float64 // ns
	dist WorkDist
	kind WorkKind
	rnd  *rand.Rand
	late int64 // sleep: running estimate of how late nanosleep wakes, ns
}

// newWorker is not inlined on purpose: inlined, its worker and generator
// would live in every consumer's stack frame, and a million consumers whose
// first frame no longer fits the initial 2 KB stack cost a gigabyte more.
//
//go:noinline
func newWorker(cfg *Config, consumer int) *worker {
	if cfg.Work <= 0 {
		return nil
	}
	return &worker{mean: float64(cfg.Work), dist: cfg.WorkDist, kind: cfg.WorkKind,
		rnd: rand.New(rand.NewPCG(cfg.Seed, 0xc0_ffee^uint64(consumer))), late: int64(100 * time.Microsecond)}
}

// draw returns the next service time.
func (w *worker) draw() time.Duration {
	switch w.dist {
	case ExpWork:
		return time.Duration(w.rnd.ExpFloat64() * w.mean)
	case UniformWork:
		return time.Duration(w.rnd.Float64() * 2 * w.mean)
	}
	return time.Duration(w.mean)
}

// do spends d the chosen way, reading time from now, and gives up as soon
// as stop is closed (the run was interrupted). Spinning yields to the
// scheduler every few microseconds so a spinning consumer cannot starve the
// producers of a small GOMAXPROCS.
func (w *worker) do(d time.Duration, now func() int64, stop <-chan struct{}) {
	if d <= 0 {
		return
	}
	end := now() + int64(d)
	if w.kind == Sleep {
		// Sleeps wake late (Go timers by up to a millisecond here,
		// nanosleep by about 0.1 ms; see pace), which would inflate every
		// service time. Sleep on a timer while far from the end, then in
		// nanosleep cut short by how late it has been waking (a running
		// average), and spin only for what is left, if anything.
		if d > timerSlack+sleepSlack {
			t := time.NewTimer(d - timerSlack)
			select {
			case <-t.C:
			case <-stop:
				t.Stop()
				return
			}
		}
		if left := end - now(); left > w.late {
			want := left - w.late
			t0 := now()
			preciseSleep(time.Duration(want))
			// Clipped, so one wake-up delayed by a busy CPU cannot turn
			// the next sleeps into spins.
			over := min(max(now()-t0-want, 0), int64(maxLate))
			w.late += (over - w.late) / 16
		}
	}
	for i := 0; now() < end; i++ {
		if i%256 == 255 {
			select {
			case <-stop:
				return
			default:
			}
			runtime.Gosched()
		}
	}
}
