package units

import (
	"errors"
	"strconv"
	"testing"
)

func TestParseBytes(t *testing.T) {
	for in, want := range map[string]any{
		"8GiB":      uint64(8 << 30),
		"8 GiB":     uint64(8 << 30),
		"512MiB":    uint64(512 << 20),
		"1.5KiB":    uint64(1536),
		"2TiB":      uint64(2 << 40),
		"1.5GB":     uint64(1_500_000_000),
		"10kB":      uint64(10_000),
		"10KB":      uint64(10_000),
		"2G":        uint64(2_000_000_000),
		"1_000_000": uint64(1_000_000),
		"4096":      uint64(4096),
		"0":         uint64(0),
		"7B":        uint64(7),
		"1.9B":      uint64(1),
		"":          ErrSyntax,
		"GiB":       ErrSyntax,
		"8 gib":     ErrSyntax,
		"-1GiB":     ErrRange,
		"1e30TiB":   ErrRange,
		"eight GiB": ErrSyntax,
		"8GiBs":     ErrSyntax,
		"1kGiB":     ErrSyntax,
		"1.GiB":     ErrSyntax,
	} {
		got, err := ParseBytes(in)
		if w, ok := want.(error); ok {
			if !errors.Is(err, w) {
				t.Errorf("ParseBytes(%q) = %d, %v; want %v", in, got, err, w)
			}
			continue
		}
		if err != nil || got != want {
			t.Errorf("ParseBytes(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
}

// FuzzParseBytes: anything either parses or fails with one of the package's
// errors, never panics; a bare whole number is itself.
func FuzzParseBytes(f *testing.F) {
	for _, s := range []string{"8GiB", "512 MiB", "1.5GB", "2G", "1_000", "1e3KiB", "-1", "GiB", "0.5B", "18446744073709551615"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := ParseBytes(s)
		if err != nil {
			if !errors.Is(err, ErrSyntax) && !errors.Is(err, ErrRange) {
				t.Fatalf("ParseBytes(%q): unexpected error %v", s, err)
			}
			return
		}
		if n, perr := strconv.ParseUint(s, 10, 64); perr == nil && n < 1<<53 && v != n {
			t.Fatalf("ParseBytes(%q) = %d, want %d", s, v, n)
		}
	})
}
