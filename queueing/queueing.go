// Package queueing holds the textbook formulas msgsim compares its runs
// with: the M/M/c queue (Erlang C) and an approximation for M/D/c, plus
// Little's law. Everything is plain arithmetic on rates and times; nothing
// here runs or prints.
package queueing

import (
	"errors"
	"math"
	"time"
)

// Model is one queue: Poisson arrivals at Lambda per second, C servers,
// each serving at Mu per second (mean service time 1/Mu).
type Model struct {
	Lambda float64 // arrivals per second
	Mu     float64 // services per second per server
	C      int     // servers (competing consumers)
	// Deterministic service (M/D/c) instead of exponential (M/M/c).
	Deterministic bool
}

// Prediction is what queueing theory says about a Model in steady state.
type Prediction struct {
	Rho      float64       // utilisation λ / (c μ)
	PWait    float64       // probability an arrival waits (Erlang C)
	Wq       time.Duration // mean waiting time before service
	Lq       float64       // mean number waiting
	W        time.Duration // mean time in system (Wq + 1/μ)
	L        float64       // mean number in system
	Unstable bool          // ρ ≥ 1: the queue grows without bound
}

// ErrBadModel reports a model with non-positive rates or servers.
var ErrBadModel = errors.New("queueing: λ, μ and c must be positive")

// ErlangC returns the probability that an arrival has to wait in an M/M/c
// queue with offered load a = λ/μ (in Erlangs) and c servers. It uses the
// numerically stable Erlang B recursion, so large c does not overflow.
func ErlangC(c int, a float64) float64 {
	if c <= 0 || a <= 0 {
		return 0
	}
	if a >= float64(c) {
		return 1
	}
	b := 1.0 // Erlang B with 0 servers
	for k := 1; k <= c; k++ {
		b = a * b / (float64(k) + a*b)
	}
	rho := a / float64(c)
	return b / (1 - rho + rho*b)
}

// Predict returns the steady-state figures of m. For M/D/c it halves the
// M/M/c waiting time, the classical approximation (exact for c = 1, the
// Pollaczek–Khinchine result, and close for small c).
func Predict(m Model) (Prediction, error) {
	if m.Lambda <= 0 || m.Mu <= 0 || m.C <= 0 {
		return Prediction{}, ErrBadModel
	}
	a := m.Lambda / m.Mu
	p := Prediction{Rho: a / float64(m.C)}
	if p.Rho >= 1 {
		p.Unstable, p.PWait = true, 1
		p.Wq, p.W = time.Duration(math.MaxInt64), time.Duration(math.MaxInt64)
		p.Lq, p.L = math.Inf(1), math.Inf(1)
		return p, nil
	}
	p.PWait = ErlangC(m.C, a)
	wq := p.PWait / (float64(m.C)*m.Mu - m.Lambda) // seconds
	if m.Deterministic {
		wq /= 2
	}
	p.Wq = seconds(wq)
	p.Lq = m.Lambda * wq
	p.W = seconds(wq + 1/m.Mu)
	p.L = m.Lambda * (wq + 1/m.Mu)
	return p, nil
}

func seconds(s float64) time.Duration { return time.Duration(s * 1e9) }

// Little returns λW, the mean number in the system that Little's law
// predicts from an arrival rate (per second) and a mean time in it.
func Little(lambda float64, w time.Duration) float64 { return lambda * w.Seconds() }
