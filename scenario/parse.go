package scenario

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"

	"github.com/msgsim/msgsim/check"
	"github.com/msgsim/msgsim/sim"
	"github.com/msgsim/msgsim/units"
)

// Limits. A scenario is a page or two of YAML; these keep a wrong file
// (a log, a binary, a typo with extra zeros) from costing anything.
const (
	MaxFileSize = 1 << 20 // bytes
	MaxPhases   = 1000
	MaxFaults   = 1000 // per phase
	maxRate     = sim.MaxRate
	maxLength   = sim.MaxDuration // of a phase, and of the whole run
)

// Error is one problem with a file, at the line and column (from 1) of the
// node at fault. Line 0 means the file as a whole (it cannot be read).
type Error struct {
	File         string
	Line, Column int
	Msg          string
}

func (e *Error) Error() string {
	if e.Line == 0 {
		return e.File + ": " + e.Msg
	}
	return fmt.Sprintf("%s:%d:%d: %s", e.File, e.Line, e.Column, e.Msg)
}

// The keys of each mapping, in the order the docs give them.
var (
	topKeys      = []string{"$schema", "name", "description", "topology", "payload", "seed", "transport", "nats_url", "phases", "assert", "baseline", "max_regression"}
	topologyKeys = []string{"producers", "queues", "consumers", "dispatch", "keys", "buffer", "batch"}
	payloadKeys  = []string{"dist", "size", "min", "max", "stddev", "histogram"}
	bucketKeys   = []string{"size", "weight"}
)

// Load reads and parses the scenario file at path. A relative baseline is
// taken relative to the file's directory.
func Load(path string) (*Scenario, error) { return LoadWith(path, Topology{}) }

// Topology is what a command line sets over a file's topology; 0 keeps
// the file's.
type Topology struct{ Producers, Queues, Consumers int }

// LoadWith is Load with over's counts in place of the file's: the phases
// are checked and planned against them, as they will run (a consumer a
// fault names, a queue left without one, a count of messages per
// producer), and a problem they cause is one with the file.
func LoadWith(path string, over Topology) (*Scenario, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, &Error{File: path, Msg: unwrapPath(err).Error()}
	}
	defer f.Close()
	var buf bytes.Buffer
	// One byte more than the limit says whether the file is over it
	// without reading all of a huge one.
	if _, err := buf.ReadFrom(io.LimitReader(f, MaxFileSize+1)); err != nil {
		return nil, &Error{File: path, Msg: unwrapPath(err).Error()}
	}
	s, err := parse(path, buf.Bytes(), over)
	if s != nil {
		// Of the text as parse reads it: a checkout that writes \r\n
		// (core.autocrlf) holds the same version of the file.
		s.SHA256 = fmt.Sprintf("%x", sha256.Sum256(lf(buf.Bytes())))
	}
	if s != nil && s.Baseline != "" && !filepath.IsAbs(s.Baseline) {
		s.Baseline = filepath.Join(filepath.Dir(path), s.Baseline)
	}
	return s, err
}

// Parse reads a scenario in YAML or JSON; name is the file name for
// messages. Every problem is an *Error; Parse returns all of them
// (errors.Join) in file order, and a nil Scenario when there are any.
func Parse(name string, data []byte) (s *Scenario, err error) {
	return parse(name, data, Topology{})
}

// lf is data with every line ending \n: \r\n and \r become \n.
func lf(data []byte) []byte {
	return bytes.ReplaceAll(bytes.ReplaceAll(data, []byte("\r\n"), []byte("\n")), []byte("\r"), []byte("\n"))
}

func parse(name string, data []byte, over Topology) (s *Scenario, err error) {
	r := &reader{file: name, over: over}
	if len(data) > MaxFileSize {
		r.errs = append(r.errs, &Error{File: name, Line: 1, Column: 1,
			Msg: fmt.Sprintf("the file has %s bytes; a scenario has at most %s (is it the right file?)", units.Int(int64(len(data))), units.Int(MaxFileSize))})
		return nil, r.result()
	}
	// YAML breaks lines at \r\n, \r and \n, and reads each as \n; the
	// parser miscounts a \r\n after a comment, so it gets \n only.
	data = lf(data)
	if bytes.IndexByte(data, 0) >= 0 {
		line := bytes.Count(data[:bytes.IndexByte(data, 0)], []byte("\n")) + 1
		r.errs = append(r.errs, &Error{File: name, Line: line, Column: 1, Msg: "the file has a NUL byte: it is binary, not YAML or JSON"})
		return nil, r.result()
	}
	if depth := nesting(data); depth > maxNesting {
		r.errs = append(r.errs, &Error{File: name, Line: 1, Column: 1, Msg: fmt.Sprintf("brackets nest %d deep; a scenario needs at most %d", depth, maxNesting)})
		return nil, r.result()
	}
	root, perr := parseYAML(data)
	if perr != nil {
		r.errs = append(r.errs, syntaxError(name, perr))
		return nil, r.result()
	}
	if root == nil {
		r.errs = append(r.errs, &Error{File: name, Line: 1, Column: 1, Msg: "the file is empty (want a scenario: name, topology, phases, …; see docs/scenarios.md)"})
		return nil, r.result()
	}
	r.collectAnchors(root)
	s = r.scenario(root, name)
	if len(r.errs) > 0 {
		return nil, r.result()
	}
	return s, nil
}

// maxNesting bounds how deep brackets nest before the YAML parser sees the
// file: it recurses once per level, and a scenario needs about five.
const maxNesting = 64

// nesting is the deepest nesting of [ and { outside quotes and comments.
// It need not be exact for YAML: it only stops absurd files early.
func nesting(data []byte) int {
	depth, deepest := 0, 0
	var quote byte
	comment := false
	for i, c := range data {
		switch {
		case comment:
			comment = c != '\n'
		case quote != 0:
			if c == quote && (quote == '\'' || i == 0 || data[i-1] != '\\') {
				quote = 0
			}
		case c == '"' || c == '\'':
			if i == 0 || strings.ContainsRune(" \t\n[{,:", rune(data[i-1])) {
				quote = c
			}
		case c == '#' && (i == 0 || data[i-1] == ' ' || data[i-1] == '\n' || data[i-1] == '\t'):
			comment = true
		case c == '[' || c == '{':
			depth++
			deepest = max(deepest, depth)
		case c == ']' || c == '}':
			depth = max(depth-1, 0)
		case c == '\n':
			quote = 0
		}
	}
	return deepest
}

// parseYAML parses one document. goccy/go-yaml is fuzzed upstream but is
// not ours: a panic inside it becomes a problem with the file, not a crash.
func parseYAML(data []byte) (root ast.Node, err error) {
	defer func() {
		if p := recover(); p != nil {
			root, err = nil, fmt.Errorf("the YAML parser failed on this file (%v)", p)
		}
	}()
	f, err := parser.ParseBytes(data, 0)
	if err != nil {
		return nil, err
	}
	var docs []*ast.DocumentNode
	for _, d := range f.Docs {
		if d != nil && d.Body != nil {
			docs = append(docs, d)
		}
	}
	switch len(docs) {
	case 0:
		return nil, nil
	case 1:
		return docs[0].Body, nil
	}
	return nil, &docError{docs[1]}
}

type docError struct{ doc *ast.DocumentNode }

func (e *docError) Error() string { return "" }

// syntaxError places a parser error at its token.
func syntaxError(name string, err error) *Error {
	var de *docError
	if errors.As(err, &de) {
		line, col := pos(de.doc)
		return &Error{File: name, Line: line, Column: col, Msg: "a second document: a scenario file holds one (remove the --- before it, or split the file)"}
	}
	var ye yaml.Error
	if errors.As(err, &ye) {
		line, col := 1, 1
		if tk := ye.GetToken(); tk != nil && tk.Position != nil && tk.Position.Line > 0 {
			line, col = tk.Position.Line, max(tk.Position.Column, 1)
		}
		return &Error{File: name, Line: line, Column: col, Msg: "not valid YAML or JSON: " + rewordSyntax(ye.GetMessage())}
	}
	return &Error{File: name, Line: 1, Column: 1, Msg: err.Error()}
}

var (
	duplicateKey = regexp.MustCompile(`^mapping key "(.*)" already defined at \[(\d+):(\d+)\]$`)
	tabChar      = regexp.MustCompile("found character '\t' that cannot start any token")
)

// rewordSyntax says the parser's commonest complaints in a reader's words.
func rewordSyntax(msg string) string {
	if m := duplicateKey.FindStringSubmatch(msg); m != nil {
		return fmt.Sprintf("key %q is given twice (first at line %s, column %s)", m[1], m[2], m[3])
	}
	if tabChar.MatchString(msg) {
		return "a tab: YAML indents with spaces only"
	}
	return msg
}

// result is every problem in file order, one *Error each.
func (r *reader) result() error {
	sort.SliceStable(r.errs, func(i, j int) bool {
		a, b := r.errs[i], r.errs[j]
		return a.Line < b.Line || a.Line == b.Line && a.Column < b.Column
	})
	var errs []error
	for i, e := range r.errs {
		// A node merged or aliased into several places says so once.
		if i > 0 && *e == *r.errs[i-1] {
			continue
		}
		errs = append(errs, e)
	}
	if r.more {
		errs = append(errs, &Error{File: r.file, Msg: fmt.Sprintf("more problems follow; these are the first %d", maxErrors)})
	}
	return errors.Join(errs...)
}

func (r *reader) scenario(root ast.Node, file string) *Scenario {
	s := &Scenario{}
	o, ok := r.object(root, "", "a scenario: name, topology, payload, phases, …", topKeys...)
	if !ok {
		return s
	}
	s.Name = strings.TrimSuffix(filepath.Base(file), filepath.Ext(file))
	if v, ok := r.str(o, "name", "a name"); ok {
		s.Name = strings.TrimSpace(v)
	}
	if v, ok := r.str(o, "description", "a sentence"); ok {
		s.Description = strings.TrimSpace(v)
	}
	topo := r.topology(o, s)
	for _, v := range []struct {
		over int
		dst  *int
	}{{r.over.Producers, &s.Producers}, {r.over.Queues, &s.Queues}, {r.over.Consumers, &s.Consumers}} {
		if v.over > 0 {
			*v.dst = v.over
		}
	}
	s.Payload = r.payload(o)
	if o.has("seed") {
		if v, ok := r.count(o, "seed", 0, 1<<63-1); ok {
			s.Seed = uint64(v)
		}
	}
	s.Transport = r.enum(o, "transport", "chan", "chan", "nats") // brokers are not steered (yet): see docs/delivery.md
	if v, ok := r.str(o, "nats_url", "a NATS server URL such as nats://host:4222"); ok {
		s.NATSURL = strings.TrimSpace(v)
		if s.Transport != "nats" {
			r.errorf(o.at("nats_url"), "nats_url: only applies with transport: nats (this scenario's transport is %s)", s.Transport)
		} else if err := sim.ParseURLs(s.NATSURL); err != nil {
			r.errorf(o.at("nats_url"), "nats_url: %v", err)
		}
	}
	if s.Transport == "nats" {
		r.errorf(o.at("transport"), "transport: nats cannot be steered yet (want chan: msgsim run follows phases over Go channels)")
	}
	if s.Transport == "nats" && s.Buffer > 0 {
		r.errorf(topo.at("buffer"), "topology.buffer: only applies with transport: chan (over NATS the server buffers)")
	}
	if v, ok := r.str(o, "baseline", "the path of a saved json result"); ok {
		if s.Baseline = strings.TrimSpace(v); s.Baseline == "" {
			r.errorf(o.at("baseline"), "baseline: empty (want the path of a saved json result, e.g. base.json)")
		}
	}
	if v, ok := r.str(o, "max_regression", "a percentage such as 10%"); ok {
		s.MaxRegression = strings.TrimSpace(v)
		if !percent.MatchString(s.MaxRegression) {
			r.errorf(o.at("max_regression"), "max_regression: %q is not a percentage (want e.g. 10%% or 2.5%%)", v)
		} else if s.Baseline == "" {
			r.errorf(o.at("max_regression"), "max_regression: only applies with a baseline")
		}
	}
	r.phases(o, s)
	// After the phases: a whole-run assertion may name one.
	names := make([]string, 0, len(s.Phases))
	for _, p := range s.Phases {
		if p.Name != "" {
			names = append(names, p.Name)
		}
	}
	s.Assert = r.assertions(o, "assert", s.Queues, names...)
	if len(r.errs) == 0 {
		r.limits(o, s)
	}
	return s
}

var percent = regexp.MustCompile(`^[0-9]+(\.[0-9]+)?%?$`)

// topology reads the topology into s and returns its mapping, for later
// messages about its keys.
func (r *reader) topology(top *object, s *Scenario) *object {
	s.Producers, s.Queues, s.Consumers = sim.DefaultProducers, sim.DefaultQueues, sim.DefaultConsumers
	s.Dispatch, s.Keys, s.Batch = string(sim.Fanout), sim.DefaultKeys, 1
	if !top.has("topology") {
		return newObject(top.node, "topology")
	}
	o, ok := r.object(top.values["topology"], "topology", "the topology: "+strings.Join(topologyKeys, ", "), topologyKeys...)
	if !ok {
		return o
	}
	num := func(key string, lo, hi int64, dst *int) {
		if v, ok := r.count(o, key, lo, hi); ok {
			*dst = int(v)
		}
	}
	num("producers", 1, sim.MaxProducers, &s.Producers)
	num("queues", 1, sim.MaxQueues, &s.Queues)
	num("consumers", 1, sim.MaxConsumers, &s.Consumers)
	var names []string
	for _, d := range sim.Dispatches {
		names = append(names, string(d))
	}
	s.Dispatch = r.enum(o, "dispatch", string(sim.Fanout), names...)
	num("keys", 1, sim.MaxKeys, &s.Keys)
	if o.has("keys") && s.Dispatch != string(sim.Key) {
		r.errorf(o.at("keys"), "topology.keys: only applies with dispatch: key (this scenario's dispatch is %s)", s.Dispatch)
	}
	num("buffer", 0, sim.MaxBuffer, &s.Buffer)
	num("batch", 1, sim.MaxBatch, &s.Batch)
	if o.has("batch") && s.Batch > 1 {
		// A scenario is steered message by message (its control plane
		// counts phases and consumers between two messages).
		r.errorf(o.at("batch"), "topology.batch: %d cannot be steered (want 1: msgsim run hands messages over one at a time)", s.Batch)
	}
	return o
}

// The payload size distributions.
var dists = []string{"fixed", "uniform", "normal", "lognormal", "histogram"}

func (r *reader) payload(top *object) Payload {
	p := Payload{Dist: "fixed", Size: sim.DefaultPayloadSize}
	if !top.has("payload") {
		return p
	}
	o, ok := r.object(top.values["payload"], "payload", "the payload: "+strings.Join(payloadKeys, ", "), payloadKeys...)
	if !ok {
		return p
	}
	p.Dist = r.enum(o, "dist", "fixed", dists...)
	// Which keys each distribution takes: given but unused is refused, as
	// a flag that cannot have an effect is.
	uses := map[string][]string{
		"fixed": {"size"}, "uniform": {"min", "max"}, "normal": {"size", "stddev", "min", "max"},
		"lognormal": {"size", "stddev", "min", "max"}, "histogram": {"histogram"},
	}[p.Dist]
	for _, k := range payloadKeys[1:] {
		if o.has(k) && !slices.Contains(uses, k) {
			r.errorf(o.keys[k], "payload.%s: does not apply to dist: %s (it takes %s)", k, p.Dist, strings.Join(uses, ", "))
		}
	}
	size := func(key string, dst *int) {
		if v, ok := r.count(o, key, 0, sim.MaxSize); ok {
			*dst = int(v)
		}
	}
	size("size", &p.Size)
	size("min", &p.Min)
	size("max", &p.Max)
	if o.has("stddev") {
		if v, ok := r.number(o, "stddev", "bytes, a number above 0"); ok {
			if v <= 0 || v > sim.MaxSize {
				r.errorf(o.at("stddev"), "payload.stddev: %g is out of range (want bytes above 0, at most %s)", v, units.Int(sim.MaxSize))
			}
			p.Stddev = v
		}
	}
	switch p.Dist {
	case "uniform":
		for _, k := range []string{"min", "max"} {
			if o.lacks(k) {
				r.errorf(o.node, "payload: dist: uniform needs %s (want min and max in bytes)", k)
			}
		}
		if o.has("min") && o.has("max") && p.Min > p.Max {
			r.errorf(o.at("max"), "payload.max: %d is below min %d", p.Max, p.Min)
		}
		p.Size = 0
	case "normal", "lognormal":
		if o.lacks("size") || o.lacks("stddev") {
			r.errorf(o.node, "payload: dist: %s needs size (the mean, in bytes) and stddev", p.Dist)
		}
		if p.Dist == "lognormal" && o.has("size") && p.Size == 0 {
			r.errorf(o.at("size"), "payload.size: a log-normal mean must be above 0")
		}
		if o.has("min") && p.Min > p.Size {
			r.errorf(o.at("min"), "payload.min: %d is above the mean size %d", p.Min, p.Size)
		}
		if o.has("max") && p.Max < p.Size {
			r.errorf(o.at("max"), "payload.max: %d is below the mean size %d", p.Max, p.Size)
		}
	case "histogram":
		p.Size = 0
		p.Histogram = r.histogram(o)
	}
	return p
}

func (r *reader) histogram(o *object) []Bucket {
	items, ok := r.list(o, "histogram", "a list of {size, weight}")
	if !ok {
		if o.lacks("histogram") {
			r.errorf(o.node, "payload: dist: histogram needs histogram (a list of {size: BYTES, weight: W})")
		}
		return nil
	}
	if len(items) == 0 {
		r.errorf(o.at("histogram"), "payload.histogram: empty (want at least one {size: BYTES, weight: W})")
	}
	var out []Bucket
	var total float64
	for i, it := range items {
		if r.visit(it) {
			break
		}
		path := fmt.Sprintf("payload.histogram[%d]", i)
		bo, ok := r.object(it, path, "{size: BYTES, weight: W}", bucketKeys...)
		if !ok {
			continue
		}
		var b Bucket
		if v, ok := r.count(bo, "size", 0, sim.MaxSize); ok {
			b.Size = int(v)
		} else if bo.lacks("size") {
			r.errorf(it, "%s: needs size (bytes)", path)
		}
		if v, ok := r.number(bo, "weight", "a number above 0"); ok {
			if v <= 0 || v > 1e12 {
				r.errorf(bo.at("weight"), "%s.weight: %g is out of range (want a number above 0)", path, v)
			}
			b.Weight = v
		} else if bo.lacks("weight") {
			r.errorf(it, "%s: needs weight (how often this size occurs, relative to the others)", path)
		}
		for j, prev := range out {
			if prev.Size == b.Size && bo.has("size") {
				r.errorf(bo.at("size"), "%s.size: %d is listed already (payload.histogram[%d]); give each size once", path, b.Size, j)
			}
		}
		total += b.Weight
		out = append(out, b)
	}
	return out
}

// assertions reads key as a list of --assert expressions and checks each
// as the flag would be.
// assertions reads a list of assertions. Those of a whole run (given the
// phases' names, phases non-nil) may name a phase, one of them; those of a
// phase (phases nil) are about that phase and name none.
func (r *reader) assertions(o *object, key string, queues int, phases ...string) []string {
	list, nodes := r.strings(o, key, `assertions such as "p99<=5ms"`)
	var out []string
	for i, expr := range list {
		at := nodes[i]
		as, err := check.Parse(expr)
		if err == nil {
			cfg := sim.DefaultConfig()
			cfg.Queues = queues
			cfg.Control = sim.NewControl(0) // a scenario has phases: msgsim run checks their names
			err = check.Validate(as, cfg)
			if err == nil && phases != nil {
				err = check.ValidatePhases(as, phases)
			}
			if i := slices.IndexFunc(as, func(a check.Assertion) bool { return a.Phase != "" }); err == nil && phases == nil && i >= 0 {
				err = fmt.Errorf("%q names phase %q: a phase's assertions are about that phase (the whole run's assert can name any phase)", as[i].Expr, as[i].Phase)
			}
			// msgsim run judges a phase's assertions on the phase as a
			// whole: a run keeps no phase per queue.
			if i := slices.IndexFunc(as, func(a check.Assertion) bool { return a.Queue >= 0 }); err == nil && phases == nil && i >= 0 {
				err = fmt.Errorf("%q names queue q%d: a phase's metrics are over all its queues (msgsim keeps no phase per queue)", as[i].Expr, as[i].Queue)
			}
		}
		if err != nil {
			r.errorf(at, "%s: %s", o.sub(key), strings.TrimPrefix(err.Error(), check.ErrSyntax.Error()+" "))
			continue
		}
		out = append(out, expr)
	}
	return out
}

func unwrapPath(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
