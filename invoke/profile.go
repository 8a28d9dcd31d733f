package invoke

import (
	"fmt"
	"runtime"
	"runtime/pprof"
	"runtime/trace"

	"github.com/msgsim/msgsim/outfile"
)

// profiler runs the profiles a plan asks for. Its files stay pending until
// commit, so a command that fails after its runs (its report could not be
// written) leaves no profile behind either.
type profiler struct {
	mem     string
	stops   []func()
	pending []*outfile.File
}

// startProfiles starts the CPU profile and execution trace asked for.
func startProfiles(p Profiles) (*profiler, error) {
	pr := &profiler{mem: p.Mem}
	if p.CPU != "" {
		f, err := outfile.Create(p.CPU)
		if err != nil {
			return nil, fmt.Errorf("--cpuprofile: %w", err)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			f.Abort()
			return nil, fmt.Errorf("--cpuprofile: %w", err)
		}
		pr.pending, pr.stops = append(pr.pending, f), append(pr.stops, pprof.StopCPUProfile)
	}
	if p.Exec != "" {
		f, err := outfile.Create(p.Exec)
		if err == nil {
			if err = trace.Start(f); err != nil {
				f.Abort()
			}
		}
		if err != nil {
			pr.stop()
			pr.abort()
			return nil, fmt.Errorf("--exectrace: %w", err)
		}
		pr.pending, pr.stops = append(pr.pending, f), append(pr.stops, trace.Stop)
	}
	return pr, nil
}

// stop ends the profiles and takes the heap profile; the files stay
// pending.
func (pr *profiler) stop() error {
	for i := len(pr.stops) - 1; i >= 0; i-- {
		pr.stops[i]()
	}
	pr.stops = nil
	if pr.mem == "" {
		return nil
	}
	f, err := outfile.Create(pr.mem)
	if err != nil {
		return fmt.Errorf("--memprofile: %w", err)
	}
	runtime.GC() // up-to-date statistics, as go test -memprofile does
	if err := pprof.WriteHeapProfile(f); err != nil {
		f.Abort()
		return fmt.Errorf("--memprofile: %w", err)
	}
	pr.pending = append(pr.pending, f)
	return nil
}

// commit puts every profile in place.
func (pr *profiler) commit() error {
	var first error
	for _, f := range pr.pending {
		if err := f.Commit(); err != nil && first == nil {
			first = err
		}
	}
	pr.pending = nil
	return first
}

// abort drops every profile.
func (pr *profiler) abort() {
	for _, f := range pr.pending {
		f.Abort()
	}
	pr.pending = nil
}
