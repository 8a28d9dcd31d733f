package sim

import (
	"testing"
	"time"
)

// Both waiters sleep at least the interval asked for, and stop ends a wait
// in progress, however long, and every wait after it.
func TestWaiters(t *testing.T) {
	for _, tt := range []struct {
		name string
		new  func() waiter
	}{
		{"platform", newWaiter},
		{"timer", func() waiter { return newTimerWaiter() }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			w := tt.new()
			defer w.close()
			const d = 20 * time.Millisecond
			start := time.Now()
			if w.wait(d) {
				t.Fatal("wait reported stop before stop was called")
			}
			if slept := time.Since(start); slept < d {
				t.Fatalf("wait(%v) returned after %v", d, slept)
			}
			done := make(chan bool)
			go func() { done <- w.wait(time.Hour) }()
			w.stop()
			select {
			case stopped := <-done:
				if !stopped {
					t.Fatal("a wait ended by stop did not say so")
				}
			case <-time.After(10 * time.Second): // liveness only: stop must end the wait at all
				t.Fatal("stop did not end a wait in progress")
			}
			if !w.wait(time.Hour) {
				t.Fatal("a wait after stop did not return at once")
			}
		})
	}
}
