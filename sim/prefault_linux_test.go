package sim

import (
	"os"
	"runtime"
	"testing"
	"unsafe"

	"golang.org/x/sys/unix"
)

// populateHuge makes the buffer resident before anything writes to it.
// Residency is read page by page with mincore(2) for the buffer itself:
// the process's resident set would also move with the garbage collector
// and the scavenger, which other tests and -race keep busy.
func TestPopulateHugeMakesMemoryResident(t *testing.T) {
	if !thpAvailable() {
		t.Skip("transparent huge pages are off here")
	}
	const size = 64 << 20
	b := make([]byte, size)
	if err := populateHuge(b); err != nil {
		t.Fatal(err)
	}
	resident, pages := residentPages(t, b)
	runtime.KeepAlive(b)
	if resident < pages*9/10 {
		t.Fatalf("%d of %d pages resident after populating", resident, pages)
	}
}

// residentPages counts the pages of b (whole pages inside it) that are in
// memory.
func residentPages(t *testing.T, b []byte) (resident, pages int) {
	t.Helper()
	ps := os.Getpagesize()
	start := (uintptr(unsafe.Pointer(&b[0])) + uintptr(ps) - 1) &^ uintptr(ps-1)
	end := (uintptr(unsafe.Pointer(&b[0])) + uintptr(len(b))) &^ uintptr(ps-1)
	pages = int(end-start) / ps
	vec := make([]byte, pages)
	if _, _, errno := unix.Syscall(unix.SYS_MINCORE, start, end-start, uintptr(unsafe.Pointer(&vec[0]))); errno != 0 {
		t.Skip("mincore:", errno)
	}
	for _, v := range vec {
		resident += int(v & 1)
	}
	return resident, pages
}
