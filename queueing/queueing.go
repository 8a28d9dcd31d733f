// Package queueing holds the textbook formulas msgsim compares its runs
// with: the M/M/c queue (Erlang C) and an approximation for M/D/c, plus
// Little's law, and For, which reads the model of a queue from a run's
// config. Everything is plain arithmetic on rates and times; nothing here
// runs or prints.
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

// SojournPercentile returns the time in system (wait plus service) that a
// fraction p (0 < p < 1) of arrivals stay within. For M/M/c it solves the
// exact distribution: no wait with probability 1 − C, else an exponential
// wait at rate cμ − λ, plus an exponential service at μ. For M/D/c it takes
// the service as fixed and the wait as exponential with half the M/M/c
// mean, the same approximation as Predict. Unstable models have none.
func SojournPercentile(m Model, p float64) (time.Duration, error) {
	if m.Lambda <= 0 || m.Mu <= 0 || m.C <= 0 || !(p > 0 && p < 1) {
		return 0, ErrBadModel
	}
	a := m.Lambda / m.Mu
	if a >= float64(m.C) {
		return 0, errors.New("queueing: unstable (ρ ≥ 1): the queue grows without bound")
	}
	pw := ErlangC(m.C, a)
	theta := float64(m.C)*m.Mu - m.Lambda // the wait's rate, when there is one
	if m.Deterministic {
		theta *= 2
		// P(T > t) = P(W > t − D): the wait's tail past the fixed service.
		w := 0.0
		if pw > 1-p {
			w = math.Log(pw/(1-p)) / theta
		}
		return seconds(w + 1/m.Mu), nil
	}
	tail := func(t float64) float64 { // P(T > t)
		service := math.Exp(-m.Mu * t)
		var both float64 // P(W + S > t) for an exponential W
		if math.Abs(theta-m.Mu) < 1e-9*m.Mu {
			both = (1 + m.Mu*t) * service
		} else {
			both = (theta*service - m.Mu*math.Exp(-theta*t)) / (theta - m.Mu)
		}
		return (1-pw)*service + pw*both
	}
	lo, hi := 0.0, 1/m.Mu
	for tail(hi) > 1-p {
		hi *= 2
	}
	for range 100 { // bisection: the tail falls monotonically
		mid := (lo + hi) / 2
		if tail(mid) > 1-p {
			lo = mid
		} else {
			hi = mid
		}
	}
	return seconds(hi), nil
}
