package invoke

import (
	"fmt"
	"runtime"
	"runtime/pprof"
	"runtime/trace"

	"github.com/msgsim/msgsim/outfile"
)

// startProfiles starts the CPU profile and execution trace asked for. The
// returned stop ends them and writes the heap profile; with commit false
// (the invocation failed) it drops every file instead, so a failed command
// leaves none half-written.
func startProfiles(p Profiles) (stop func(commit bool) error, err error) {
	var open []*outfile.File
	var stops []func()
	stop = func(commit bool) error {
		for i := len(stops) - 1; i >= 0; i-- {
			stops[i]()
		}
		var first error
		for _, f := range open {
			if !commit {
				f.Abort()
			} else if err := f.Commit(); err != nil && first == nil {
				first = err
			}
		}
		if commit && p.Mem != "" {
			if err := writeHeapProfile(p.Mem); err != nil && first == nil {
				first = err
			}
		}
		return first
	}
	if p.CPU != "" {
		f, err := outfile.Create(p.CPU)
		if err != nil {
			return nil, fmt.Errorf("--cpuprofile: %w", err)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			f.Abort()
			return nil, fmt.Errorf("--cpuprofile: %w", err)
		}
		open, stops = append(open, f), append(stops, pprof.StopCPUProfile)
	}
	if p.Exec != "" {
		f, err := outfile.Create(p.Exec)
		if err == nil {
			if err = trace.Start(f); err != nil {
				f.Abort()
			}
		}
		if err != nil {
			_ = stop(false)
			return nil, fmt.Errorf("--exectrace: %w", err)
		}
		open, stops = append(open, f), append(stops, trace.Stop)
	}
	return stop, nil
}

func writeHeapProfile(path string) error {
	f, err := outfile.Create(path)
	if err != nil {
		return fmt.Errorf("--memprofile: %w", err)
	}
	runtime.GC() // up-to-date statistics, as go test -memprofile does
	if err := pprof.WriteHeapProfile(f); err != nil {
		f.Abort()
		return fmt.Errorf("--memprofile: %w", err)
	}
	if err := f.Commit(); err != nil {
		return fmt.Errorf("--memprofile: %w", err)
	}
	return nil
}
