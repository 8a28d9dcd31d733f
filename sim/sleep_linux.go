package sim

import (
	"syscall"
	"time"
)

// preciseSleep blocks the thread in nanosleep, which wakes far closer to the
// deadline than Go's timers on Linux; the runtime hands the P to other
// goroutines meanwhile. The runtime's preemption signals interrupt it
// (EINTR), so it sleeps on for whatever remains.
func preciseSleep(d time.Duration) {
	ts := syscall.NsecToTimespec(int64(d))
	var rem syscall.Timespec
	for syscall.Nanosleep(&ts, &rem) == syscall.EINTR {
		ts = rem
	}
}
