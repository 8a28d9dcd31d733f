// Package units parses and formats the human numbers msgsim shows and accepts:
// counts such as 10k, 2.5M, 1e6 or 1_000_000 (SI, base 10, decimal only),
// thousands-separated integers, durations with µs/ms units and byte rates.
// Flags, reports and later checks share it so a number reads the same
// everywhere.
package units

import (
	"errors"
	"math"
	"strconv"
	"strings"
	"time"
)

// ErrSyntax means the text is not a number in any accepted spelling.
var ErrSyntax = errors.New("not a number")

// ErrNotInteger means the number is well formed but has a fraction (e.g. 1.5).
var ErrNotInteger = errors.New("not a whole number")

// ErrRange means the number is negative or does not fit in an int64.
var ErrRange = errors.New("out of range")

// suffix exponents, SI base 10. Upper and lower case k are both common; m is
// refused on purpose because it means milli in SI and mega to most users.
var suffixes = map[byte]int{'k': 3, 'K': 3, 'M': 6, 'G': 9, 'T': 12}

// ParseCount parses a non-negative whole number written the way people write
// counts: 1000, 10k, 1M, 2.5M, 1e6, 1_000_000, 1G. Leading zeros never mean
// octal (010 is ten) and no other base is accepted. The result is exact: no
// floating point is involved, so 9007199254740993 stays itself.
func ParseCount(s string) (int64, error) {
	mant, exp, err := scan(s)
	if err != nil {
		return 0, err
	}
	return scale(mant, exp)
}

// ParseFloat parses a non-negative number with an optional SI suffix, for
// rates and thresholds that need not be whole: 2M, 2.5k, 1e6, 0.5.
func ParseFloat(s string) (float64, error) {
	mant, exp, err := scan(s)
	if err != nil {
		return 0, err
	}
	if mant == "" {
		return 0, nil
	}
	v, err := strconv.ParseFloat(mant+"e"+strconv.Itoa(exp), 64)
	if err != nil || math.IsInf(v, 0) {
		return 0, ErrRange
	}
	return v, nil
}

// byteUnits maps byte-rate units to bytes: SI (kB, MB, GB) and binary
// (KiB, MiB, GiB), case-insensitive on the first letter.
var byteUnits = []struct {
	suffix string
	scale  float64
}{
	{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"TiB", 1 << 40},
	{"kB", 1e3}, {"KB", 1e3}, {"MB", 1e6}, {"GB", 1e9}, {"TB", 1e12}, {"B", 1},
}

// ParseByteRate parses a byte rate such as 10MB/s, 1.5GiB/s or 500kB/s
// (the /s is optional); a bare number is bytes per second.
func ParseByteRate(s string) (float64, error) {
	s = strings.TrimSpace(strings.TrimSuffix(s, "/s"))
	for _, u := range byteUnits {
		if strings.HasSuffix(s, u.suffix) {
			v, err := ParseFloat(strings.TrimSpace(strings.TrimSuffix(s, u.suffix)))
			return v * u.scale, err
		}
	}
	return ParseFloat(s)
}

// scan splits s into its significant decimal digits and a power of ten.
func scan(s string) (digits string, exp int, err error) {
	if s == "" {
		return "", 0, ErrSyntax
	}
	if s[0] == '-' {
		return "", 0, ErrRange
	}
	if s[0] == '+' {
		s = s[1:]
	}
	if n := len(s); n > 0 {
		if e, ok := suffixes[s[n-1]]; ok {
			exp = e
			s = s[:n-1]
		}
	}
	if s == "" {
		return "", 0, ErrSyntax
	}
	// Underscores are allowed only between two digits, as in Go literals.
	for i := 0; i < len(s); i++ {
		if s[i] == '_' && (i == 0 || i == len(s)-1 || !isDigit(s[i-1]) || !isDigit(s[i+1])) {
			return "", 0, ErrSyntax
		}
	}
	s = strings.ReplaceAll(s, "_", "")

	mantissa := s
	if i := strings.IndexAny(s, "eE"); i >= 0 {
		if exp != 0 {
			return "", 0, ErrSyntax // 1e3k is too clever to be intended
		}
		mantissa = s[:i]
		e := s[i+1:]
		if e != "" && (e[0] == '+' || e[0] == '-') {
			if len(e) == 1 {
				return "", 0, ErrSyntax
			}
			if !allDigits(e[1:]) {
				return "", 0, ErrSyntax
			}
		} else if !allDigits(e) {
			return "", 0, ErrSyntax
		}
		// Bounded before conversion: a 1e999999999 must not cost anything.
		if len(strings.TrimLeft(strings.TrimLeft(e, "+-"), "0")) > 4 {
			return "", 0, ErrRange
		}
		v, _ := strconv.Atoi(e)
		exp += v
	}
	intPart, frac, hasDot := strings.Cut(mantissa, ".")
	if intPart == "" && frac == "" {
		return "", 0, ErrSyntax
	}
	if (intPart != "" && !allDigits(intPart)) || (hasDot && frac != "" && !allDigits(frac)) {
		return "", 0, ErrSyntax
	}
	if hasDot && intPart == "" {
		return "", 0, ErrSyntax // ".5" reads like a typo
	}
	digits = intPart + frac
	exp -= len(frac)
	digits = strings.TrimLeft(digits, "0")
	for len(digits) > 0 && digits[len(digits)-1] == '0' {
		digits = digits[:len(digits)-1]
		exp++
	}
	return digits, exp, nil
}

// scale returns digits × 10^exp as an int64 when it is whole and fits.
func scale(digits string, exp int) (int64, error) {
	if digits == "" {
		return 0, nil
	}
	if exp < 0 {
		return 0, ErrNotInteger // trailing zeros were folded into exp already
	}
	if len(digits)+exp > 19 {
		return 0, ErrRange
	}
	v, err := strconv.ParseUint(digits, 10, 64)
	if err != nil {
		return 0, ErrRange
	}
	for ; exp > 0; exp-- {
		if v > math.MaxUint64/10 {
			return 0, ErrRange
		}
		v *= 10
	}
	if v > math.MaxInt64 {
		return 0, ErrRange
	}
	return int64(v), nil
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return true
}

// Int formats n with thousands separators: 1234567 → "1,234,567".
func Int(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := s[0] == '-'
	if neg {
		s = s[1:]
	}
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	head := len(s) % 3
	if head == 0 {
		head = 3
	}
	b.WriteString(s[:head])
	for i := head; i < len(s); i += 3 {
		b.WriteByte(',')
		b.WriteString(s[i : i+3])
	}
	return b.String()
}

// Rate formats a per-second figure with an SI prefix and three significant
// digits: 8123456 → "8.12M". The value is rounded before the prefix is
// chosen, so 999,960 reads "1.00M", never "1000k".
func Rate(v float64) string {
	return scaled(v, 1000, []string{"", "k", "M", "G", "T"})
}

// Bytes formats a byte count or rate in binary units: 1536 → "1.50 KiB".
// Like Rate it rounds first: 1,048,575 bytes read "1.00 MiB", not "1024 KiB".
func Bytes(v float64) string {
	if r := round3(v); math.Abs(r) < 1000 && math.Abs(v) < 1024 {
		return strconv.FormatFloat(v, 'f', 0, 64) + " B"
	}
	return scaled(v, 1024, []string{" B", " KiB", " MiB", " GiB", " TiB", " PiB", " EiB"})
}

// scaled divides v by base until its three-significant-digit rounding is
// below 1000, and prints it with the matching unit.
func scaled(v, base float64, names []string) string {
	i := 0
	for i < len(names)-1 && math.Abs(round3(v/math.Pow(base, float64(i)))) >= 1000 {
		i++
	}
	return sig3(v/math.Pow(base, float64(i))) + names[i]
}

// round3 rounds v to three significant digits, the precision sig3 prints.
func round3(v float64) float64 {
	if v == 0 || math.IsInf(v, 0) || math.IsNaN(v) {
		return v
	}
	scale := math.Pow(10, 2-math.Floor(math.Log10(math.Abs(v))))
	return math.Round(v*scale) / scale
}

// Duration formats a latency or elapsed time with three significant digits
// and the unit that keeps the number short: 0 → "0", 950ns, 12.3µs, 1.05ms,
// 2.50s; from ten minutes on, Go's 1h2m3s. The value is rounded before the
// unit is chosen, so 999.96µs reads "1.00ms".
func Duration(d time.Duration) string {
	v := float64(d)
	switch a := math.Abs(round3(v)); {
	case v == 0:
		return "0s"
	case math.Abs(v) < 1e3:
		return strconv.FormatInt(int64(d), 10) + "ns"
	case a < 1e6:
		return sig3(v/1e3) + "µs"
	case a < 1e9:
		return sig3(v/1e6) + "ms"
	case a < 600e9:
		return sig3(v/1e9) + "s"
	default:
		return d.Round(time.Second).String()
	}
}

// sig3 prints v with three significant digits, without exponent notation.
func sig3(v float64) string {
	a := math.Abs(v)
	switch {
	case a == 0:
		return "0"
	case a >= 99.95:
		return strconv.FormatFloat(v, 'f', 0, 64)
	case a >= 9.995:
		return strconv.FormatFloat(v, 'f', 1, 64)
	case a < 0.00995:
		return strconv.FormatFloat(v, 'g', 3, 64) // 0.000278, 1e-300: never "0.00"
	default:
		return strconv.FormatFloat(v, 'f', 2, 64)
	}
}
