//go:build unix

package sim

import (
	"syscall"
	"time"
)

// preciseSleep blocks the thread in nanosleep, which wakes far closer to the
// deadline than Go's timers on Linux; the runtime hands the P to other
// goroutines meanwhile.
func preciseSleep(d time.Duration) {
	ts := syscall.NsecToTimespec(int64(d))
	_ = syscall.Nanosleep(&ts, nil)
}
