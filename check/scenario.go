package check

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/msgsim/msgsim/sim"
	"github.com/msgsim/msgsim/units"
)

// ScenarioID says which scenario a run followed (msgsim run FILE): nil for
// a run of flags. Two runs measured the same thing only if they followed
// the same bytes of the same file with the same command-line values over
// it, so a baseline compares only with a run of its own ScenarioID.
type ScenarioID struct {
	Name   string
	SHA256 string // of the file's text, in hex
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
		id.Overrides = append(id.Overrides, flag+" "+CanonicalValue(strings.TrimPrefix(flag, "--"), value))
	}
	return id
}

// CanonicalValue writes the value of a flag over a scenario as the file's
// values are written (-c 02, --size 1k and --dispatch FANOUT are 2, 1000 and
// fanout), so that the file's own value written otherwise is no override,
// and two runs with one value written two ways have one identity. A value
// that does not parse is left as it is, for the flag's parser to refuse.
func CanonicalValue(flag, value string) string {
	switch flag {
	case "producers", "queues", "consumers", "keys", "buffer", "size", "seed":
		if n, err := units.ParseCount(value); err == nil {
			return strconv.FormatInt(n, 10)
		}
	case "dispatch":
		if d, err := sim.ParseDispatch(value); err == nil {
			return string(d)
		}
	}
	return value
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
