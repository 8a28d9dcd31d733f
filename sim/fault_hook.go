//go:build msgsimfault

package sim

import (
	"os"
	"strconv"
)

// With the msgsimfault tag, MSGSIM_FAULT_DROP_EVERY=N loses every Nth
// message of queue 0, so tests of the binary can see a failed check. Normal
// builds do not contain this file.
func init() {
	n, err := strconv.ParseInt(os.Getenv("MSGSIM_FAULT_DROP_EVERY"), 10, 64)
	if err != nil || n <= 0 {
		return
	}
	injectedFault = func(q, _ int, seq int64) int {
		if q == 0 && seq%n == 0 {
			return 0
		}
		return 1
	}
}
