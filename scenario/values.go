package scenario

// Reading values: every scalar is read from its text as written, with
// msgsim's own parsers (units for counts and rates, time for durations),
// so a file spells numbers as the flags do.

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/msgsim/msgsim/suggest"

	"github.com/goccy/go-yaml/ast"

	"github.com/msgsim/msgsim/units"
)

// scalar returns a scalar's text as written, or reports what it is instead.
// Numbers keep their spelling (010 stays ten, 1_000 a thousand), because
// units parses them as it parses flags.
func (r *reader) scalar(n ast.Node, path, want string) (string, ast.Node, bool) {
	v := r.resolve(n)
	switch s := v.(type) {
	case nil:
		return "", n, false
	case *ast.NullNode:
		r.errorf(n, "%s has no value (want %s)", path, want)
		return "", n, false
	case *ast.LiteralNode:
		if s.Value != nil {
			return s.Value.Value, n, true
		}
	case *ast.MappingNode, *ast.SequenceNode:
		r.errorf(n, "%s: got %s, not a single value (want %s)", path, describe(v), want)
		return "", n, false
	case ast.ScalarNode:
		if tk := s.GetToken(); tk != nil {
			return tk.Value, n, true
		}
	}
	r.errorf(n, "%s: %s is not a value (want %s)", path, describe(v), want)
	return "", n, false
}

func (r *reader) str(o *object, key, want string) (string, bool) {
	if !o.has(key) {
		return "", false
	}
	s, _, ok := r.scalar(o.values[key], o.sub(key), want)
	return s, ok
}

// enum reads one of allowed (case-insensitive), or def when key is absent.
func (r *reader) enum(o *object, key, def string, allowed ...string) string {
	s, ok := r.str(o, key, "one of "+strings.Join(allowed, ", "))
	if !ok {
		return def
	}
	for _, a := range allowed {
		if strings.EqualFold(strings.TrimSpace(s), a) {
			return a
		}
	}
	r.errorf(o.at(key), "%s: %q is not allowed (want %s)", o.sub(key), s, strings.Join(allowed, ", "))
	return def
}

// count reads a whole number between lo and hi in msgsim's human spelling.
func (r *reader) count(o *object, key string, lo, hi int64) (int64, bool) {
	want := fmt.Sprintf("a whole number from %s to %s, such as 100, 10k or 1e6", units.Int(lo), units.Int(hi))
	s, ok := r.str(o, key, want)
	if !ok {
		return 0, false
	}
	v, err := units.ParseCount(strings.TrimSpace(s))
	switch {
	case errors.Is(err, units.ErrNotInteger):
		r.errorf(o.at(key), "%s: %s is not a whole number (want %s)", o.sub(key), s, want)
	case errors.Is(err, units.ErrRange) && strings.HasPrefix(strings.TrimSpace(s), "-"):
		r.errorf(o.at(key), "%s: %s is negative (want %s)", o.sub(key), s, want)
	case errors.Is(err, units.ErrRange) || err == nil && (v < lo || v > hi):
		r.errorf(o.at(key), "%s: %s is out of range (want %s)", o.sub(key), s, want)
	case err != nil:
		r.errorf(o.at(key), "%s: %q is not a number (want %s)", o.sub(key), s, want)
	default:
		return v, true
	}
	return 0, false
}

// rate reads msgs/s as flags do (50k, 2.5M, 1e6; /s allowed), at least lo.
func (r *reader) rate(o *object, key string, lo float64) (float64, bool) {
	want := "msgs/s such as 500, 10k or 2.5M"
	s, ok := r.str(o, key, want)
	if !ok {
		return 0, false
	}
	t := strings.TrimSpace(s)
	t = strings.TrimSuffix(strings.TrimSuffix(t, "msgs/s"), "/s")
	v, err := units.ParseFloat(strings.TrimSpace(t))
	switch {
	case errors.Is(err, units.ErrRange) && strings.HasPrefix(t, "-"):
		r.errorf(o.at(key), "%s: %s is negative (want %s)", o.sub(key), s, want)
	case err != nil:
		r.errorf(o.at(key), "%s: %q is not a rate (want %s)", o.sub(key), s, want)
	case v == 0:
		r.errorf(o.at(key), "%s: 0 sends nothing (want %s; for as fast as consumers take, pattern: closed)", o.sub(key), want)
	case v < lo || v > maxRate:
		r.errorf(o.at(key), "%s: %s is out of range (want %s to %s msgs/s: a message an hour from each producer at least)", o.sub(key), s, units.Rate(lo), units.Int(maxRate))
	default:
		return v, true
	}
	return 0, false
}

// number reads a plain non-negative decimal, for weights and factors.
func (r *reader) number(o *object, key, want string) (float64, bool) {
	s, ok := r.str(o, key, want)
	if !ok {
		return 0, false
	}
	v, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil || math.IsInf(v, 0) || math.IsNaN(v) || strings.ContainsAny(s, "xXpP_") {
		r.errorf(o.at(key), "%s: %q is not a number (want %s)", o.sub(key), s, want)
		return 0, false
	}
	return v, true
}

// duration reads a Go duration (500us, 1.5s, 1m30s); 0 needs no unit.
func (r *reader) duration(o *object, key string) (time.Duration, bool) {
	want := "a duration such as 500ms, 5s or 1m30s"
	s, ok := r.str(o, key, want)
	if !ok {
		return 0, false
	}
	t := strings.TrimSpace(s)
	d, err := time.ParseDuration(t)
	switch {
	case t == "0":
		return 0, true
	case strings.HasPrefix(t, "-") && (err == nil || strings.Trim(t, "-0123456789.") == ""):
		r.errorf(o.at(key), "%s: %s is negative (want %s)", o.sub(key), s, want)
	case err != nil && strings.Trim(t, "0123456789.") == "":
		r.errorf(o.at(key), "%s: %s has no unit (want %s)", o.sub(key), s, want)
	case err != nil:
		r.errorf(o.at(key), "%s: %q is not a duration (want %s)", o.sub(key), s, want)
	case d > maxLength:
		r.errorf(o.at(key), "%s: %s is too long (want at most %s)", o.sub(key), s, maxLength)
	default:
		return d, true
	}
	return 0, false
}

// list reads a sequence; a scalar or mapping where a list belongs is an error.
func (r *reader) list(o *object, key, want string) ([]ast.Node, bool) {
	if !o.has(key) {
		return nil, false
	}
	v := r.resolve(o.values[key])
	switch s := v.(type) {
	case nil:
		return nil, false
	case *ast.SequenceNode:
		return s.Values, true
	}
	r.errorf(o.at(key), "%s: got %s, not a list (want %s)", o.sub(key), describe(v), want)
	return nil, false
}

// strings reads a list of strings, or one string standing for a list of
// one, with the node of each.
func (r *reader) strings(o *object, key, want string) ([]string, []ast.Node) {
	if !o.has(key) {
		return nil, nil
	}
	if _, isList := r.resolve(o.values[key]).(*ast.SequenceNode); !isList {
		s, ok := r.str(o, key, want)
		if !ok {
			return nil, nil
		}
		return []string{strings.TrimSpace(s)}, []ast.Node{o.at(key)}
	}
	items, _ := r.list(o, key, want)
	var out []string
	var nodes []ast.Node
	for i, it := range items {
		if r.visit(it) {
			break
		}
		s, _, ok := r.scalar(it, fmt.Sprintf("%s[%d]", o.sub(key), i), want)
		if ok {
			out, nodes = append(out, strings.TrimSpace(s)), append(nodes, it)
		}
	}
	return out, nodes
}

// nearestKey names the known key nearest to an unknown one, or lists them.
func nearestKey(key string, known []string) string {
	best, bestD := "", 3
	for _, k := range known {
		d := suggest.Distance(strings.ToLower(key), k)
		if len(key) >= 3 && strings.HasPrefix(k, strings.ToLower(key)) {
			d = 1
		}
		if d < bestD && d <= max(1, len(k)/3) {
			best, bestD = k, d
		}
	}
	if best != "" {
		return "did you mean " + best + "?"
	}
	sorted := slices.Clone(known)
	sort.Strings(sorted)
	return "want " + strings.Join(sorted, ", ")
}
