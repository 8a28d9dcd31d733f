package sim

import (
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
)

// populateHuge makes the buffer resident: the process's resident set grows
// by (nearly) all of it before anything writes to it, mostly as huge pages.
func TestPopulateHugeMakesMemoryResident(t *testing.T) {
	if !thpAvailable() {
		t.Skip("transparent huge pages are off here")
	}
	const size = 64 << 20
	before := residentBytes(t)
	b := make([]byte, size)
	if err := populateHuge(b); err != nil {
		t.Fatal(err)
	}
	grew := residentBytes(t) - before
	runtime.KeepAlive(b)
	if grew < size*9/10 {
		t.Fatalf("resident set grew %d bytes for %d populated", grew, size)
	}
}

func residentBytes(t *testing.T) int64 {
	t.Helper()
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Skip(err)
	}
	for _, line := range strings.Split(string(status), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kib, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			return kib << 10
		}
	}
	t.Fatal("no VmRSS in /proc/self/status")
	return 0
}
