package sim

import "golang.org/x/sys/unix"

// systemMemory returns the machine's physical memory (sysctl hw.memsize).
func systemMemory() (uint64, memoryKind) {
	if n, err := unix.SysctlUint64("hw.memsize"); err == nil && n > 0 {
		return n, physicalMemory
	}
	return 0, unknownMemory
}
