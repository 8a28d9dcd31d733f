package suggest_test

import (
	"fmt"
	"testing"

	"github.com/msgsim/msgsim/suggest"
)

func TestDistance(t *testing.T) {
	for _, tt := range []struct {
		a, b string
		want int
	}{
		{"", "", 0}, {"vary", "vary", 0}, {"vray", "vary", 1}, {"qeues", "queues", 1},
		{"dur", "duration", 5}, {"vv", "version", 6}, {"duraiton", "duration", 1}, {"", "abc", 3},
	} {
		if got := suggest.Distance(tt.a, tt.b); got != tt.want {
			t.Errorf("Distance(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
	}
}

func ExampleDistance() {
	fmt.Println(suggest.Distance("swep", "sweep"), suggest.Distance("vray", "vary"))
	// Output: 1 1
}
