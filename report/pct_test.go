package report

import "testing"

// A limit prints as it was given: --max-regression 7% is a fraction
// 0.07 whose hundredfold is 7.000000000000001 in floating point.
func TestPctOfPrintsTheGivenPercent(t *testing.T) {
	for _, tt := range []struct {
		in   string
		frac float64
		want string
	}{
		{"7%", 7.0 / 100, "7%"}, {"29%", 29.0 / 100, "29%"}, {"10%", 10.0 / 100, "10%"},
		{"2.5%", 2.5 / 100, "2.5%"}, {"0.001%", 0.001 / 100, "0.001%"}, {"1000000%", 1000000.0 / 100, "1000000%"}, {"0%", 0, "0%"},
	} {
		if got := pctOf(tt.frac); got != tt.want {
			t.Errorf("--max-regression %s prints as %q, want %q", tt.in, got, tt.want)
		}
	}
}
