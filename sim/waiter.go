package sim

import "time"

// waiter paces a sampling goroutine: wait returns after d, or early and
// true once stop has been called. close releases it after the goroutine
// is done.
type waiter interface {
	wait(d time.Duration) (stopped bool)
	stop()
	close()
}

// timerWaiter is the portable waiter, on a runtime timer.
type timerWaiter struct{ quit chan struct{} }

func newTimerWaiter() *timerWaiter { return &timerWaiter{quit: make(chan struct{})} }

func (w *timerWaiter) wait(d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return false
	case <-w.quit:
		return true
	}
}

func (w *timerWaiter) stop()  { close(w.quit) }
func (w *timerWaiter) close() {}
