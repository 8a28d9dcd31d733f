//go:build !linux

package sim

// peakRSS is unknown off Linux (rusage units differ by system); 0 says so.
func peakRSS() uint64 { return 0 }
