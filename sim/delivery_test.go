package sim_test

import (
	"fmt"
	"testing"

	"github.com/msgsim/msgsim/sim"
)

// Each delivery semantics is judged by what it promises: at most once
// allows loss, at least once duplicates, exactly once neither; none
// promises order (redeliveries reorder), which only the plain check of
// chan and nats judges.
func TestSemantics(t *testing.T) {
	type counts struct{ lost, dup, reord int64 }
	for _, tc := range []struct {
		d    sim.Semantics
		c    counts
		want bool
	}{
		{"", counts{}, true},
		{"", counts{lost: 1}, false},
		{"", counts{dup: 1}, false},
		{"", counts{reord: 1}, false},
		{sim.AtMostOnce, counts{lost: 5}, true},
		{sim.AtMostOnce, counts{dup: 1}, false},
		{sim.AtMostOnce, counts{reord: 1}, true},
		{sim.AtLeastOnce, counts{dup: 5, reord: 3}, true},
		{sim.AtLeastOnce, counts{lost: 1}, false},
		{sim.ExactlyOnce, counts{}, true},
		{sim.ExactlyOnce, counts{dup: 1}, false},
		{sim.ExactlyOnce, counts{lost: 1}, false},
		{sim.ExactlyOnce, counts{reord: 1}, true},
	} {
		t.Run(fmt.Sprintf("%s/%+v", tc.d, tc.c), func(t *testing.T) {
			res := sim.Result{Sent: 10, Lost: tc.c.lost, Duplicated: tc.c.dup, Reordered: tc.c.reord}
			res.Config.Delivery = tc.d
			if res.OK() != tc.want {
				t.Fatalf("OK() = %v, want %v", res.OK(), tc.want)
			}
		})
	}
}

func ExampleParseFault() {
	for _, s := range []string{"crash@1s", "crash@250ms:q1.c0", "restart@2s", "resend@500ms", "rebalance@1s:q0.c1", "boom@1s"} {
		f, err := sim.ParseFault(s)
		if err != nil {
			fmt.Println("error:", err)
			continue
		}
		fmt.Println(f)
	}
	// Output:
	// crash@1s:q0.c0
	// crash@250ms:q1.c0
	// restart@2s
	// resend@500ms:100
	// rebalance@1s:q0.c1
	// error: "boom" is not a fault kind: crash, restart, resend, rebalance (want KIND@TIME[:TARGET]: crash@1s, crash@1s:q1.c0, restart@2s, resend@500ms:20, rebalance@1s:q0.c1)
}
