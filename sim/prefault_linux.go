package sim

import (
	"errors"
	"os"
	"runtime"
	"strings"
	"sync"
	"unsafe"

	"golang.org/x/sys/unix"
)

const hugePage = 2 << 20

var errNoTHP = errors.New("transparent huge pages are not available")

// prefaultHeap allocates about n bytes and makes them resident as huge
// pages; the caller drops the buffer and collects it. It returns the bytes
// made resident.
func prefaultHeap(n int) (uint64, error) {
	if !thpAvailable() {
		return 0, errNoTHP
	}
	b := make([]byte, n+hugePage)
	done, err := populateHuge(b)
	runtime.KeepAlive(b)
	return uint64(done), err
}

// thpAvailable reports whether madvise(MADV_HUGEPAGE) can take effect:
// transparent huge pages are "always" or "madvise", not "never".
func thpAvailable() bool {
	mode, err := os.ReadFile("/sys/kernel/mm/transparent_hugepage/enabled")
	return err == nil && !strings.Contains(string(mode), "[never]")
}

// populateHuge asks for huge pages over the 2 MiB-aligned part of b and
// faults them in, one slice per P in parallel (the kernel zeroes them:
// that is the cost). Kernels before 5.14 lack MADV_POPULATE_WRITE; a write
// per huge page faults it in whole there.
func populateHuge(b []byte) (int, error) {
	p := uintptr(unsafe.Pointer(unsafe.SliceData(b)))
	off := int((hugePage - p%hugePage) % hugePage)
	if off >= len(b) {
		return 0, nil
	}
	r := b[off:]
	r = r[:len(r)/hugePage*hugePage]
	if len(r) == 0 {
		return 0, nil
	}
	if err := unix.Madvise(r, unix.MADV_HUGEPAGE); err != nil {
		return 0, err
	}
	parts := runtime.GOMAXPROCS(0)
	per := (len(r)/hugePage + parts - 1) / parts * hugePage
	var wg sync.WaitGroup
	for lo := 0; lo < len(r); lo += per {
		part := r[lo:min(lo+per, len(r))]
		wg.Go(func() {
			if unix.Madvise(part, unix.MADV_POPULATE_WRITE) != nil {
				for i := 0; i < len(part); i += hugePage {
					part[i] = 0
				}
			}
		})
	}
	wg.Wait()
	return len(r), nil
}
