package check

import (
	"fmt"
	"slices"
	"strings"
)

// ScenarioID says which scenario a run followed (msgsim run FILE): nil for
// a run of flags. Two runs measured the same thing only if they followed
// the same bytes of the same file with the same command-line values over
// it, so a baseline compares only with a run of its own ScenarioID.
type ScenarioID struct {
	Name   string
	SHA256 string // of the file's bytes, in hex
	// Overrides are the command line's values over the file that change
	// what is measured, as "--consumers 3", in the order msgsim reports
	// them; the seed (as for a run of flags), the baseline and the
	// allowed regression are left out.
	Overrides []string
}

// NewScenarioID is the identity of a run of scenario name whose file has
// digest sha256, with overrides as a report lists them ("--consumers 3
// (file: 2)"); only the flag and its value are kept.
func NewScenarioID(name, sha256 string, overrides []string) *ScenarioID {
	id := &ScenarioID{Name: name, SHA256: sha256}
	for _, o := range overrides {
		flag, rest, _ := strings.Cut(o, " ")
		if slices.Contains([]string{"--seed", "--baseline", "--max-regression"}, flag) {
			continue
		}
		value, _, _ := strings.Cut(rest, " (") // "(file: …)", "(from $…)"
		id.Overrides = append(id.Overrides, flag+" "+value)
	}
	return id
}

// String is the name and the digest's first 8 hex digits: ci-smoke@1a2b3c4d.
func (s *ScenarioID) String() string {
	if s == nil {
		return "none (not a scenario run)"
	}
	return s.Name + "@" + s.SHA256[:min(8, len(s.SHA256))]
}

// ScenarioDiff says, as ConfigDiff does, how the scenarios two runs
// followed differ: one a scenario run and the other not, another file or
// another version of it, or other command-line values over it.
func ScenarioDiff(baseline, current *ScenarioID) []string {
	switch {
	case baseline == nil && current == nil:
		return nil
	case baseline == nil || current == nil:
		return []string{fmt.Sprintf("scenario: baseline %v, now %v", baseline, current)}
	case baseline.Name != current.Name && baseline.SHA256 != current.SHA256:
		return []string{fmt.Sprintf("scenario: baseline %v, now %v (another scenario)", baseline, current)}
	case baseline.SHA256 != current.SHA256:
		return []string{fmt.Sprintf("scenario: baseline %v, now %v (the file changed)", baseline, current)}
	}
	if b, c := strings.Join(baseline.Overrides, ", "), strings.Join(current.Overrides, ", "); b != c {
		return []string{fmt.Sprintf("scenario overrides: baseline %s, now %s", orNone(b), orNone(c))}
	}
	return nil
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}
