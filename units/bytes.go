package units

import (
	"math"
	"strings"
)

// memoryUnits are the suffixes ParseBytes accepts: binary (KiB…TiB) and
// SI (kB…TB, K/k/M/G/T alone as for counts). Longest first, so "GiB" is
// not read as "B".
var memoryUnits = []struct {
	suffix string
	scale  float64
}{
	{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"TiB", 1 << 40},
	{"kB", 1e3}, {"KB", 1e3}, {"MB", 1e6}, {"GB", 1e9}, {"TB", 1e12},
	{"B", 1},
}

// ParseBytes parses an amount of memory: 8GiB, 512MiB, 1.5GB, 2G,
// 1_000_000 (a bare number is bytes). Binary units are powers of 1024, SI
// units and the count suffixes (k, M, G, T) powers of 1000, as everywhere
// else in msgsim. Spaces between number and unit are allowed; fractions
// are rounded down to a whole byte.
func ParseBytes(s string) (uint64, error) {
	t := strings.TrimSpace(s)
	scale := 1.0
	for _, u := range memoryUnits {
		if rest, ok := strings.CutSuffix(t, u.suffix); ok {
			t, scale = strings.TrimSpace(rest), u.scale
			if n := len(t); n > 0 && !isDigit(t[n-1]) {
				return 0, ErrSyntax // 1kGiB: one unit is enough
			}
			break
		}
	}
	v, err := ParseFloat(t)
	if err != nil {
		return 0, err
	}
	b := v * scale
	if b >= math.MaxUint64 || math.IsInf(b, 0) || b != b {
		return 0, ErrRange
	}
	return uint64(b), nil
}
