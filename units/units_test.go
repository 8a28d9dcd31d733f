package units

import (
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestParseCountAccepts(t *testing.T) {
	tests := []struct {
		in   string
		want int64
	}{
		{"0", 0},
		{"1000", 1000},
		{"10k", 10_000},
		{"10K", 10_000},
		{"1M", 1_000_000},
		{"2.5M", 2_500_000},
		{"1e6", 1_000_000},
		{"1E6", 1_000_000},
		{"1.5e3", 1500},
		{"1e+3", 1000},
		{"1_000_000", 1_000_000},
		{"1G", 1_000_000_000},
		{"1T", 1_000_000_000_000},
		{"010", 10}, // decimal, never octal
		{"+7", 7},
		{"0.001k", 1},
		{"1.", 1},
		{"120e-1", 12},
		{"9223372036854775807", 9223372036854775807},
		{"9007199254740993", 9007199254740993}, // exact, not rounded through float64
		{"0000000000000000000000001", 1},
		{"1000000000000000000000e-3", 1_000_000_000_000_000_000},
	}
	for _, tt := range tests {
		got, err := ParseCount(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("ParseCount(%q) = %d, %v; want %d", tt.in, got, err, tt.want)
		}
	}
}

func TestParseCountRejects(t *testing.T) {
	tests := []struct {
		in   string
		want error
	}{
		{"", ErrSyntax},
		{"abc", ErrSyntax},
		{"k", ErrSyntax},
		{"1x", ErrSyntax},
		{"0x10", ErrSyntax},
		{"1m", ErrSyntax}, // milli or mega? refuse rather than guess
		{"1_", ErrSyntax},
		{"_1", ErrSyntax},
		{"1__0", ErrSyntax},
		{"1._5", ErrSyntax},
		{".5", ErrSyntax},
		{"1e", ErrSyntax},
		{"1e+", ErrSyntax},
		{"1e3k", ErrSyntax},
		{"1 000", ErrSyntax},
		{"1,000", ErrSyntax},
		{"Inf", ErrSyntax},
		{"NaN", ErrSyntax},
		{"1.5", ErrNotInteger},
		{"2.5", ErrNotInteger},
		{"1e-3", ErrNotInteger},
		{"-1", ErrRange},
		{"9223372036854775808", ErrRange},
		{"10T000", ErrSyntax},
		{"1e19", ErrRange},
		{"1e999999999", ErrRange},
		{"10000000T", ErrRange},
	}
	for _, tt := range tests {
		got, err := ParseCount(tt.in)
		if !errors.Is(err, tt.want) {
			t.Errorf("ParseCount(%q) = %d, %v; want error %v", tt.in, got, err, tt.want)
		}
	}
}

// FuzzParseCount checks that no input panics, that accepted values are never
// negative, and that every plain decimal that fits round-trips exactly.
func FuzzParseCount(f *testing.F) {
	for _, s := range []string{"1M", "2.5k", "1e6", "1_000", "010", "-1", "1e999", "0.5", "9223372036854775807"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := ParseCount(s)
		if err != nil {
			if v != 0 {
				t.Fatalf("ParseCount(%q) returned %d with error %v", s, v, err)
			}
			return
		}
		if v < 0 {
			t.Fatalf("ParseCount(%q) = %d, negative", s, v)
		}
		// Whatever was accepted must print back to something that parses to itself.
		if back, err := ParseCount(strconv.FormatInt(v, 10)); err != nil || back != v {
			t.Fatalf("round trip of %d (from %q): %d, %v", v, s, back, err)
		}
		if strings.Trim(s, "0123456789") == "" {
			want, perr := strconv.ParseInt(strings.TrimLeft(s, "0")+"0", 10, 64)
			if perr == nil && want/10 != v {
				t.Fatalf("ParseCount(%q) = %d, want %d", s, v, want/10)
			}
		}
	})
}

func TestInt(t *testing.T) {
	for in, want := range map[int64]string{0: "0", 7: "7", 999: "999", 1000: "1,000", 1234567: "1,234,567", -1234: "-1,234", 100000: "100,000"} {
		if got := Int(in); got != want {
			t.Errorf("Int(%d) = %q, want %q", in, got, want)
		}
	}
}

// Each unit boundary, from just below to just above: the value is rounded
// to the three digits shown before the unit is chosen.
func TestDuration(t *testing.T) {
	tests := []struct {
		in   time.Duration
		want string
	}{
		{0, "0s"},
		{1, "1ns"},
		{950, "950ns"},
		{999, "999ns"},
		{1_000, "1.00µs"},
		{1_004, "1.00µs"},
		{1_006, "1.01µs"},
		{9_994, "9.99µs"},
		{9_995, "10.0µs"},
		{12_345, "12.3µs"},
		{99_949, "99.9µs"},
		{99_950, "100µs"},
		{999_499, "999µs"},
		{999_500, "1.00ms"},
		{999_960, "1.00ms"},
		{999_999, "1.00ms"},
		{1_000_000, "1.00ms"},
		{1_050_000, "1.05ms"},
		{999_499_999, "999ms"},
		{999_500_000, "1.00s"},
		{2_500_000_000, "2.50s"},
		{599_400_000_000, "599s"},
		{599_500_000_000, "10m0s"},
		{600 * time.Second, "10m0s"},
		{3600 * time.Second, "1h0m0s"},
		{-1_500_000, "-1.50ms"},
	}
	for _, tt := range tests {
		if got := Duration(tt.in); got != tt.want {
			t.Errorf("Duration(%d) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestRate(t *testing.T) {
	tests := []struct {
		in   float64
		want string
	}{
		{0, "0"},
		{0.5, "0.50"},
		{0.01, "0.01"},
		{0.000278, "0.000278"},
		{1e-300, "1e-300"},
		{512, "512"},
		{999.4, "999"},
		{999.5, "1.00k"},
		{1_000, "1.00k"},
		{9_994, "9.99k"},
		{9_995, "10.0k"},
		{999_499, "999k"},
		{999_960, "1.00M"},
		{1_000_000, "1.00M"},
		{8_123_456, "8.12M"},
		{999_500_000, "1.00G"},
		{999.6e9, "1.00T"},
		{2e15, "2000T"},
		{-999_960, "-1.00M"},
	}
	for _, tt := range tests {
		if got := Rate(tt.in); got != tt.want {
			t.Errorf("Rate(%g) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestBytes(t *testing.T) {
	tests := []struct {
		in   float64
		want string
	}{
		{0, "0 B"},
		{999, "999 B"},
		{1_000, "0.98 KiB"},
		{1_023, "1.00 KiB"},
		{1_024, "1.00 KiB"},
		{1_536, "1.50 KiB"},
		{1_023_487, "999 KiB"},
		{1_048_575, "1.00 MiB"},
		{1 << 20, "1.00 MiB"},
		{3 << 30, "3.00 GiB"},
		{(1 << 40) - 1, "1.00 TiB"},
	}
	for _, tt := range tests {
		if got := Bytes(tt.in); got != tt.want {
			t.Errorf("Bytes(%g) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
