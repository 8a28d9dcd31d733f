package sim

import (
	"fmt"
	"math"
)

// SizeDist draws each message's payload size from a distribution (a
// scenario's payload). The size is a pure function of the run's seed, the
// producer and the message's slot, so a message counts the same bytes in
// every queue and every repeat, and nothing travels with it. In-process
// nothing is copied either way: the size is what bytes/s counts.
type SizeDist struct {
	Kind     string  // uniform | normal | lognormal | histogram
	Mean     float64 // normal, lognormal
	Stddev   float64 // normal, lognormal
	Min, Max int     // uniform bounds; clamps for the others (0, 0: none)
	Sizes    []int   // histogram
	Weights  []float64
}

func (d *SizeDist) validate() error {
	switch d.Kind {
	case "uniform":
		if d.Min < 0 || d.Max < d.Min || d.Max > MaxSize {
			return fmt.Errorf("payload uniform %d..%d: want 0 ≤ min ≤ max ≤ %d", d.Min, d.Max, MaxSize)
		}
	case "normal", "lognormal":
		if !(d.Mean > 0) || d.Stddev < 0 || d.Mean > MaxSize {
			return fmt.Errorf("payload %s mean %v stddev %v: want a mean in 1..%d and a stddev ≥ 0", d.Kind, d.Mean, d.Stddev, MaxSize)
		}
	case "histogram":
		if len(d.Sizes) == 0 || len(d.Sizes) != len(d.Weights) {
			return fmt.Errorf("payload histogram: want sizes and weights, as many of each")
		}
		total := 0.0
		for i, w := range d.Weights {
			if w < 0 || d.Sizes[i] < 0 || d.Sizes[i] > MaxSize {
				return fmt.Errorf("payload histogram: size %d weight %v: want sizes 0..%d and weights ≥ 0", d.Sizes[i], w, MaxSize)
			}
			total += w
		}
		if !(total > 0) {
			return fmt.Errorf("payload histogram: the weights add up to nothing")
		}
	default:
		return fmt.Errorf("payload %q: want uniform, normal, lognormal or histogram", d.Kind)
	}
	return nil
}

// size is the payload size of producer p's message in slot.
func (d *SizeDist) size(seed uint64, p int32, slot int64) int64 {
	z := seed ^ uint64(p)<<48 ^ uint64(slot) + 0x9e3779b97f4a7c15
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	z ^= z >> 31
	u := (float64(z>>11) + 0.5) / (1 << 53) // in (0, 1)
	var v float64
	switch d.Kind {
	case "uniform":
		return int64(d.Min) + int64(u*float64(d.Max-d.Min+1))
	case "normal":
		v = d.Mean + d.Stddev*math.Sqrt2*math.Erfinv(2*u-1)
	case "lognormal":
		s2 := math.Log1p(d.Stddev * d.Stddev / (d.Mean * d.Mean))
		v = math.Exp(math.Log(d.Mean) - s2/2 + math.Sqrt(s2)*math.Sqrt2*math.Erfinv(2*u-1))
	case "histogram":
		total := 0.0
		for _, w := range d.Weights {
			total += w
		}
		at := u * total
		for i, w := range d.Weights {
			if at < w {
				return int64(d.Sizes[i])
			}
			at -= w
		}
		return int64(d.Sizes[len(d.Sizes)-1])
	}
	lo, hi := float64(max(d.Min, 0)), float64(MaxSize)
	if d.Max > 0 {
		hi = float64(d.Max)
	}
	return int64(math.Round(min(max(v, lo), hi)))
}

// MeanSize is the distribution's mean before clamping.
func (d *SizeDist) MeanSize() float64 {
	if d.Kind == "histogram" {
		var sum, w float64
		for i, s := range d.Sizes {
			sum += float64(s) * d.Weights[i]
			w += d.Weights[i]
		}
		return sum / w
	}
	if d.Kind == "uniform" {
		return float64(d.Min+d.Max) / 2
	}
	return d.Mean
}
