//go:build !linux

package sim

import "errors"

// prefaultHeap is Linux-only: elsewhere the goroutines fault their own pages.
func prefaultHeap(int) (uint64, error) {
	return 0, errors.New("pre-faulting is implemented on Linux only")
}

func thpAvailable() bool { return false }
