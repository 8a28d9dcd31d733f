package scenario

// The reader walks goccy/go-yaml's AST itself rather than decoding into
// structs: a decoder stops at the first problem and knows nothing of
// msgsim's human numbers, while a file's author wants every problem at
// once, each at the line and column of the node at fault.

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/goccy/go-yaml/ast"

	"github.com/msgsim/msgsim/units"
)

// maxVisits bounds the values a file may expand to: aliases can make a
// small file name the same large subtree many times over.
const maxVisits = 100_000

// maxMergeDepth bounds chains of merge keys (<<: *base), which could
// otherwise name each other in a cycle.
const maxMergeDepth = 8

type reader struct {
	file    string
	over    Topology // a command line's counts over the file's
	errs    []*Error
	more    bool // problems past maxErrors were left out
	visits  int
	anchors map[string][]anchor
}

type anchor struct {
	offset int
	value  ast.Node
}

// maxErrors bounds what one file reports: past it, the first problems are
// what the author needs, not a wall of their consequences.
const maxErrors = 50

func (r *reader) errorf(n ast.Node, format string, args ...any) {
	if len(r.errs) >= maxErrors {
		r.more = true
		return
	}
	line, col := pos(n)
	r.errs = append(r.errs, &Error{File: r.file, Line: line, Column: col, Msg: fmt.Sprintf(format, args...)})
}

// pos is where a node starts, for messages: a block mapping's position is
// its first key's (goccy places it at the first colon).
func pos(n ast.Node) (int, int) {
	switch v := n.(type) {
	case nil:
		return 1, 1
	case *ast.MappingNode:
		if v == nil {
			return 1, 1
		}
		if !v.IsFlowStyle && len(v.Values) > 0 {
			return pos(v.Values[0].Key)
		}
	case *ast.MappingValueNode:
		if v == nil {
			return 1, 1
		}
		return pos(v.Key)
	case *ast.DocumentNode:
		if v == nil {
			return 1, 1
		}
		return pos(v.Body)
	}
	tk := n.GetToken()
	if tk == nil || tk.Position == nil || tk.Position.Line < 1 {
		return 1, 1
	}
	return tk.Position.Line, max(tk.Position.Column, 1)
}

func offset(n ast.Node) int {
	if tk := n.GetToken(); tk != nil && tk.Position != nil {
		return tk.Position.Offset
	}
	return 0
}

// collectAnchors records every anchor with its place, so an alias can name
// the latest anchor of its name before it, as YAML says. It walks with its
// own stack: a parsed file can nest deeper than is wise to recurse.
func (r *reader) collectAnchors(root ast.Node) {
	r.anchors = map[string][]anchor{}
	stack := []ast.Node{root}
	for len(stack) > 0 && len(stack) < 1_000_000 {
		n := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		switch v := n.(type) {
		case *ast.DocumentNode:
			stack = append(stack, v.Body)
		case *ast.MappingNode:
			for _, mv := range v.Values {
				stack = append(stack, mv)
			}
		case *ast.MappingValueNode:
			stack = append(stack, v.Key, v.Value)
		case *ast.MappingKeyNode:
			stack = append(stack, v.Value)
		case *ast.SequenceNode:
			stack = append(stack, v.Values...)
		case *ast.TagNode:
			stack = append(stack, v.Value)
		case *ast.AnchorNode:
			if name := scalarText(v.Name); name != "" && v.Value != nil {
				r.anchors[name] = append(r.anchors[name], anchor{offset(v), v.Value})
			}
			stack = append(stack, v.Value)
		}
	}
}

// resolve looks through anchors, aliases and tags to the value a node
// stands for; nil (with a message) for an alias to no anchor before it.
func (r *reader) resolve(n ast.Node) ast.Node {
	for i := 0; i < maxMergeDepth*4; i++ {
		switch v := n.(type) {
		case *ast.AnchorNode:
			n = v.Value
		case *ast.TagNode:
			n = v.Value
		case *ast.AliasNode:
			name := scalarText(v.Value)
			var target ast.Node
			for _, a := range r.anchors[name] {
				if a.offset < offset(v) {
					target = a.value
				}
			}
			if target == nil {
				r.errorf(v, "alias *%s names no anchor &%s before it", name, name)
				return nil
			}
			n = target
		default:
			return n
		}
	}
	r.errorf(n, "aliases nest too deep")
	return nil
}

func scalarText(n ast.Node) string {
	if _, ok := n.(ast.ScalarNode); ok && n.GetToken() != nil {
		return n.GetToken().Value
	}
	return ""
}

// object is a mapping being read: its fields by key, unknown keys already
// reported.
type object struct {
	node   ast.Node
	path   string
	keys   map[string]ast.Node // key nodes, for "here" in messages
	values map[string]ast.Node
	// misspelt are the known keys that unknown ones were taken for: a
	// missing key reported as a typo is not reported again as missing.
	misspelt map[string]bool
}

// object reads n as a mapping of the known keys. It reports unknown keys
// (suggesting the nearest known one) and reports and returns false when n
// is not a mapping. what says what the mapping is, for that message.
func (r *reader) object(n ast.Node, path, what string, known ...string) (*object, bool) {
	o := newObject(n, path)
	v := r.resolve(n)
	if v == nil {
		return o, false
	}
	m, ok := v.(*ast.MappingNode)
	if !ok || m == nil {
		r.errorf(n, "%s: got %s, not a mapping (want %s)", where(path), describe(v), what)
		return o, false
	}
	r.fields(o, m, known, 0)
	return o, true
}

func (r *reader) fields(o *object, m *ast.MappingNode, known []string, depth int) {
	var merges []ast.Node
	for _, mv := range m.Values {
		if r.visit(mv) {
			return
		}
		if mv.Key != nil && mv.Key.IsMergeKey() {
			merges = append(merges, mv.Value)
			continue
		}
		key, kn := r.key(mv.Key)
		if kn == nil {
			continue
		}
		// x-… keys at the top are the file's own, e.g. anchors for
		// phases to merge (<<: *base), as docker compose allows.
		if o.path == "" && strings.HasPrefix(key, "x-") {
			continue
		}
		if !slices.Contains(known, key) {
			near := nearestKey(key, known)
			r.errorf(kn, "unknown key %q in %s (%s)", key, what(o.path), near)
			if k, ok := strings.CutPrefix(near, "did you mean "); ok {
				o.misspelt[strings.TrimSuffix(k, "?")] = true
			}
			continue
		}
		o.keys[key], o.values[key] = kn, mv.Value
	}
	// Merged keys come after the mapping's own, which win.
	for _, mn := range merges {
		if depth >= maxMergeDepth {
			r.errorf(mn, "merge keys (<<) nest too deep")
			return
		}
		v := r.resolve(mn)
		var maps []*ast.MappingNode
		switch v := v.(type) {
		case *ast.MappingNode:
			maps = append(maps, v)
		case *ast.SequenceNode:
			for _, item := range v.Values {
				if im, ok := r.resolve(item).(*ast.MappingNode); ok {
					maps = append(maps, im)
				}
			}
		}
		if len(maps) == 0 && v != nil {
			r.errorf(mn, "%s: a merge key (<<) takes a mapping or a list of mappings, not %s", where(o.path), describe(v))
		}
		for _, mm := range maps {
			sub := newObject(nil, o.path)
			r.fields(sub, mm, known, depth+1)
			for k, val := range sub.values {
				if _, own := o.values[k]; !own {
					o.keys[k], o.values[k] = sub.keys[k], val
				}
			}
		}
	}
}

// key reads a mapping key, which must be a plain scalar.
func (r *reader) key(k ast.MapKeyNode) (string, ast.Node) {
	n := r.resolve(k)
	if n == nil {
		return "", nil
	}
	if mk, ok := n.(*ast.MappingKeyNode); ok {
		n = r.resolve(mk.Value)
	}
	s, ok := n.(ast.ScalarNode)
	if !ok || n.GetToken() == nil {
		r.errorf(k, "a key must be a plain name, not %s", describe(n))
		return "", nil
	}
	return s.GetToken().Value, k
}

// visit counts a node against maxVisits and reports, once, when a file
// has gone past it.
func (r *reader) visit(n ast.Node) bool {
	r.visits++
	if r.visits == maxVisits+1 {
		// Said past maxErrors too: it explains the problems before it.
		line, col := pos(n)
		r.errs = append(r.errs, &Error{File: r.file, Line: line, Column: col,
			Msg: fmt.Sprintf("the file expands to more than %s values (through aliases?); a scenario needs far fewer", units.Int(maxVisits))})
	}
	return r.visits > maxVisits
}

func newObject(n ast.Node, path string) *object {
	return &object{node: n, path: path, keys: map[string]ast.Node{}, values: map[string]ast.Node{}, misspelt: map[string]bool{}}
}

func (o *object) has(key string) bool { _, ok := o.values[key]; return ok }

// lacks reports a key that is neither given nor reported as misspelt.
func (o *object) lacks(key string) bool { return !o.has(key) && !o.misspelt[key] }

// at is the node to point at for a problem with key: its value when given,
// else the mapping itself.
func (o *object) at(key string) ast.Node {
	if v, ok := o.values[key]; ok && v != nil {
		return v
	}
	if k, ok := o.keys[key]; ok {
		return k
	}
	return o.node
}

func (o *object) sub(key string) string { return join(o.path, key) }

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func where(path string) string {
	if path == "" {
		return "the file"
	}
	return path
}

func what(path string) string {
	if path == "" {
		return "the scenario"
	}
	return path
}

// describe names a node's kind, for "… is a list, not a mapping".
func describe(n ast.Node) string {
	switch v := n.(type) {
	case nil:
		return "nothing"
	case *ast.MappingNode:
		return "a mapping"
	case *ast.SequenceNode:
		return "a list"
	case *ast.NullNode:
		return "empty"
	case *ast.BoolNode:
		return "the boolean " + v.GetToken().Value
	case *ast.LiteralNode:
		return "a block of text"
	case ast.ScalarNode:
		return strconv.Quote(scalarText(v))
	}
	return "a " + n.Type().String()
}
