//go:build msgsimfault

package sim

import (
	"fmt"
	"os"
	"strconv"
)

// With the msgsimfault tag the binary reads a fault for queue 0 from the
// environment, so tests of the command can see a failed check end to end.
// Normal builds do not contain this file. For N > 0, every message of
// queue 0 whose sequence number is a multiple of N is
//
//	MSGSIM_FAULT_DROP_EVERY=N     lost
//	MSGSIM_FAULT_DUP_EVERY=N      sent twice, the copy AFTER messages later
//	                              (with -c > 1 it may reach another consumer)
//	MSGSIM_FAULT_REORDER_EVERY=N  held back until AFTER later messages were sent
//	MSGSIM_FAULT_CORRUPT_EVERY=N  garbled (a duplicate of nothing; its original lost)
//
// where MSGSIM_FAULT_AFTER=K sets AFTER (default 100: past the message's
// 64-bit word of the seen set). Faults that pick the same message combine.
// Over NATS in fan-out a fault on queue 0 hits every queue (one publish
// feeds them all). An unset or empty variable is off; anything else that is
// not a positive integer stops the program, so a typo cannot pass a test.
func init() {
	drop, dup, reorder, corrupt := faultEnv("DROP_EVERY"), faultEnv("DUP_EVERY"), faultEnv("REORDER_EVERY"), faultEnv("CORRUPT_EVERY")
	after := faultEnv("AFTER")
	if after == 0 {
		after = 100
	}
	if drop+dup+reorder+corrupt == 0 {
		return
	}
	every := func(n, seq int64) bool { return n > 0 && seq%n == 0 }
	injectedFault = func(q, _ int, seq int64) faultAction {
		var f faultAction
		if q != 0 {
			return f
		}
		f.Drop = every(drop, seq)
		if every(dup, seq) {
			f.Dup, f.DupAfter = 1, int(after)
		}
		if every(reorder, seq) {
			f.Delay = int(after)
		}
		f.Corrupt = every(corrupt, seq)
		return f
	}
}

func faultEnv(name string) int64 {
	s := os.Getenv("MSGSIM_FAULT_" + name)
	if s == "" {
		return 0
	}
	n, err := strconv.ParseInt(s, 10, 32)
	if err != nil || n <= 0 {
		panic(fmt.Sprintf("msgsimfault: MSGSIM_FAULT_%s=%q: want a positive integer", name, s))
	}
	return n
}
