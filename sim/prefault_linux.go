package sim

import (
	"errors"
	"os"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"

	"golang.org/x/sys/unix"
)

// prefaultChunk is the size of each buffer prefaultHeap allocates. The
// runtime zeroes a large allocation with ordinary stores (one page fault per
// 4 KiB, the very cost being avoided) when it overlaps memory the heap used
// before, such as garbage a GC just freed at the top of the heap. Chunks
// bound that to the chunk overlapping the used memory; the rest is fresh,
// untouched until the kernel populates it.
const prefaultChunk = 64 << 20

var errNoTHP = errors.New("transparent huge pages are not available")

// prefaultHeap allocates about n bytes and makes them resident, as huge
// pages where the kernel has them; the caller drops the buffers and
// collects them. It returns the bytes made resident.
func prefaultHeap(n int) (uint64, error) {
	if !thpAvailable() {
		return 0, errNoTHP
	}
	chunks := make([][]byte, 0, n/prefaultChunk+1)
	for left := n; left > 0; left -= prefaultChunk {
		chunks = append(chunks, make([]byte, min(left, prefaultChunk)))
	}
	// The kernel zeroes the pages it populates: that is the cost, spread
	// over every P.
	var (
		done atomic.Uint64
		errs = make([]error, len(chunks))
		next atomic.Int64
		wg   sync.WaitGroup
	)
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for i := int(next.Add(1) - 1); i < len(chunks); i = int(next.Add(1) - 1) {
				if errs[i] = populateHuge(chunks[i]); errs[i] == nil {
					done.Add(uint64(len(chunks[i])))
				}
			}
		})
	}
	wg.Wait()
	runtime.KeepAlive(chunks)
	return done.Load(), errors.Join(errs...)
}

// thpAvailable reports whether madvise(MADV_HUGEPAGE) can take effect:
// transparent huge pages are "always" or "madvise", not "never".
func thpAvailable() bool {
	mode, err := os.ReadFile("/sys/kernel/mm/transparent_hugepage/enabled")
	return err == nil && !strings.Contains(string(mode), "[never]")
}

// populateHuge asks for huge pages over b and has the kernel fault all of
// it in at once (MADV_POPULATE_WRITE, Linux 5.14+): the 2 MiB-aligned part
// as huge pages, the ends as 4 KiB pages, either way without a trap per
// page.
func populateHuge(b []byte) error {
	if len(b) == 0 {
		return nil
	}
	if err := unix.Madvise(b, unix.MADV_HUGEPAGE); err != nil {
		return err
	}
	for {
		err := unix.Madvise(b, unix.MADV_POPULATE_WRITE)
		if err != unix.EINTR { // a signal cut it short; what is done stays done
			return err
		}
	}
}
