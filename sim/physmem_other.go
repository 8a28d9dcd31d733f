//go:build !linux && !darwin

package sim

// systemMemory is not known here; the budget assumes assumedMemory.
func systemMemory() (uint64, memoryKind) { return 0, unknownMemory }
