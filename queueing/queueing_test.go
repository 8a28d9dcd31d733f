package queueing

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/msgsim/msgsim/sim"
)

// Textbook values: Erlang C for known c and offered load a = λ/μ (the
// classical tables, e.g. Kleinrock, Queueing Systems vol. 1); the last two
// were computed from the definition with factorial sums, a different method
// from ErlangC's Erlang B recursion.
func TestErlangC(t *testing.T) {
	tests := []struct {
		c    int
		a    float64
		want float64
	}{
		{1, 0.5, 0.5},                // M/M/1: P(wait) = ρ
		{1, 0.9, 0.9},                //
		{2, 1, 1.0 / 3},              // (a²/2)(2/(2−a)) / (1 + a + a²/(2−a))
		{2, 1.5, 0.6428571428571429}, // 9/14
		{3, 2, 0.4444444444444444},   // 4/9
		{5, 4, 0.5541},               // tables: 0.554
		{10, 8, 0.4092},              // tables: 0.409
		{100, 95, 0.5064568539},      // large c: direct factorial sum gives 0.50646
		{3, 3, 1},                    // ρ = 1
		{4, 0.001, 4.163542968e-14},  // light load
	}
	for _, tt := range tests {
		got := ErlangC(tt.c, tt.a)
		if math.Abs(got-tt.want) > 1e-3*math.Max(tt.want, 1e-12) && math.Abs(got-tt.want) > 5e-4 {
			t.Errorf("ErlangC(%d, %g) = %.10g, want %.10g", tt.c, tt.a, got, tt.want)
		}
	}
}

func TestPredictMM1(t *testing.T) {
	// λ = 700/s, μ = 1000/s: ρ = 0.7, Wq = ρ/(μ−λ) = 2.333 ms, Lq = ρ²/(1−ρ) = 1.633.
	p, err := Predict(Model{Lambda: 700, Mu: 1000, C: 1})
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(p.Rho-0.7) > 1e-12 || math.Abs(p.Wq.Seconds()-0.7/300) > 1e-9 || math.Abs(p.Lq-0.49/0.3) > 1e-9 {
		t.Fatalf("%+v", p)
	}
	// Little's law holds inside the model: Lq = λ Wq, L = λ W.
	if math.Abs(Little(700, p.Wq)-p.Lq) > 1e-6 || math.Abs(Little(700, p.W)-p.L) > 1e-6 {
		t.Fatalf("Little: %v vs %v, %v vs %v", Little(700, p.Wq), p.Lq, Little(700, p.W), p.L)
	}
	// M/D/1 waits half as long (Pollaczek–Khinchine).
	d, _ := Predict(Model{Lambda: 700, Mu: 1000, C: 1, Deterministic: true})
	if math.Abs(d.Wq.Seconds()-p.Wq.Seconds()/2) > 1e-9 {
		t.Fatalf("M/D/1 Wq %v, want %v", d.Wq, p.Wq/2)
	}
}

func TestPredictMM2(t *testing.T) {
	// λ = 1400/s, μ = 1000/s, c = 2: a = 1.4, ρ = 0.7,
	// C(2, 1.4) = 0.5765, Wq = C/(cμ−λ) = 0.5765/600 s = 0.961 ms.
	p, _ := Predict(Model{Lambda: 1400, Mu: 1000, C: 2})
	if math.Abs(p.PWait-0.57647) > 1e-4 || math.Abs(p.Wq.Seconds()*1e3-0.96078) > 1e-4 {
		t.Fatalf("%+v", p)
	}
}

func TestPredictUnstable(t *testing.T) {
	p, err := Predict(Model{Lambda: 2000, Mu: 1000, C: 2})
	if err != nil || !p.Unstable || p.Rho != 1 {
		t.Fatalf("%+v %v", p, err)
	}
	if _, err := Predict(Model{Lambda: 1, Mu: 0, C: 1}); err == nil {
		t.Fatal("μ = 0 accepted")
	}
	_ = time.Second
}

// The sojourn percentile matches closed forms where they exist: M/M/1's
// time in system is exponential at μ − λ, and with no load at all it is
// the service alone; a fixed service is never beaten.
func TestSojournPercentile(t *testing.T) {
	tests := []struct {
		name string
		m    Model
		p    float64
		want float64 // seconds
	}{
		{"M/M/1 at ρ 0.8", Model{Lambda: 800, Mu: 1000, C: 1}, 0.99, math.Log(100) / 200},
		{"M/M/1 at ρ 0.5, median", Model{Lambda: 500, Mu: 1000, C: 1}, 0.5, math.Log(2) / 500},
		{"M/M/8 nearly idle", Model{Lambda: 1e-6, Mu: 1000, C: 8}, 0.99, math.Log(100) / 1000},
		{"M/D/1 nearly idle", Model{Lambda: 1e-6, Mu: 1000, C: 1, Deterministic: true}, 0.99, 0.001},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := SojournPercentile(tt.m, tt.p)
			if err != nil {
				t.Fatal(err)
			}
			if math.Abs(got.Seconds()-tt.want) > 1e-6*tt.want+1e-9 {
				t.Fatalf("got %v, want %.9fs", got, tt.want)
			}
		})
	}
	if _, err := SojournPercentile(Model{Lambda: 2000, Mu: 1000, C: 2}, 0.99); err == nil {
		t.Fatal("ρ = 1 must have no percentile")
	}
}

// Key dispatch sends each message to the queue its key hashes to, so the
// split over queues is the keys' split: with fewer keys than queues, or
// keys that hash unevenly, the even share λ/q is no queue's rate and no
// prediction is made from it.
func TestForKeyDispatch(t *testing.T) {
	cfg := func(keys, queues int) sim.Config {
		c := sim.DefaultConfig()
		c.Rate, c.Arrival, c.Work, c.WorkDist, c.Dispatch, c.Keys, c.Queues = 1500, sim.Poisson, 500*time.Microsecond, sim.ExpWork, sim.Key, keys, queues
		return c
	}
	for _, tt := range []struct {
		keys, queues int
		why          string // "" when a model is made
	}{
		{1, 3, "no prediction: --keys 1"},
		{2, 3, "no prediction: --keys 2"},
		{1, 1, ""},
		{1024, 3, ""},
		{sim.MaxKeys, 3, "no prediction: --keys"},
	} {
		m, why := For(cfg(tt.keys, tt.queues))
		if tt.why == "" && (why != "" || math.Abs(m.Lambda-1500/float64(tt.queues)) > 1500*0.1/float64(tt.queues)) {
			t.Errorf("keys %d over %d queues: %q, λ %.0f", tt.keys, tt.queues, why, m.Lambda)
		}
		if tt.why != "" && !strings.HasPrefix(why, tt.why) {
			t.Errorf("keys %d over %d queues: %q, want %q", tt.keys, tt.queues, why, tt.why)
		}
	}
}

// With --batch a queue receives messages K at a time once a batch is full,
// and one consumer serves the whole batch: no M/M/c queue, so no model.
func TestForBatches(t *testing.T) {
	c := sim.DefaultConfig()
	c.Rate, c.Arrival, c.Work, c.WorkDist, c.Queues = 2800, sim.Poisson, 500*time.Microsecond, sim.ExpWork, 1
	if _, why := For(c); why != "" {
		t.Fatalf("batch 1: %s", why)
	}
	c.Batch = 16
	if _, why := For(c); !strings.HasPrefix(why, "no prediction: --batch 16") {
		t.Fatalf("batch 16: %q", why)
	}
}
