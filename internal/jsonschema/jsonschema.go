// Package jsonschema is Stagecraft's one JSON Schema implementation: the
// draft-04 vocabulary plus the compatible additions of drafts 06/07
// (const, contains, propertyNames, if/then/else, numeric
// exclusiveMinimum/exclusiveMaximum, format).
//
//   - Compile prepares a decoded schema document once: subschemas become a
//     tree, patterns are compiled, local references ("#", "#/definitions/…",
//     any JSON pointer) are linked, and other references (API Gateway's
//     https://apigateway.amazonaws.com/restapis/{api}/models/{name}) are
//     resolved through Options.Resolve.
//   - Schema.Validate checks a decoded JSON value and returns structured
//     errors (keyword, instance path, schema path, details); callers word
//     the messages (API Gateway's data plane, AppConfig).
//   - Check reports whether a schema document is well formed (API
//     Gateway's CreateModel, AppConfig's validators).
//
// Options select the dialect: API Gateway validates request bodies with a
// draft-4 validator (Options.Draft4, float arithmetic); AppConfig accepts
// the later keywords and compares numbers exactly.
package jsonschema

import (
	"bytes"
	"encoding/json"
	"errors"
	"math/big"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
)

// Parse decodes one JSON document, keeping numbers exact (json.Number).
// Trailing data after the document is an error.
func Parse(b []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if len(bytes.TrimSpace(b[dec.InputOffset():])) != 0 {
		return nil, errors.New("invalid character after top-level value")
	}
	return v, nil
}

// Options select how a schema is compiled and validated.
type Options struct {
	// Draft4 keeps to the draft-4 vocabulary, as API Gateway's validator
	// does: the later keywords are ignored, and a subschema that is not an
	// object (true, false) places no constraint, except false as
	// additionalProperties or additionalItems.
	Draft4 bool
	// ExactNumbers compares numbers exactly (math/big) and types a number
	// by its value (1.0 is an integer). Without it numbers are float64, a
	// number is an integer when written without fraction or exponent, and
	// multipleOf allows a 1e-9 rounding error (API Gateway's validator).
	ExactNumbers bool
	// Pattern compiles a "pattern" or "patternProperties" expression (nil:
	// regexp.Compile). A pattern that does not compile is not checked.
	Pattern func(string) (*regexp.Regexp, error)
	// Resolve finds the schema a non-local "$ref" names and the JSON
	// pointer into it ("" for its root); nil when there is none. Results
	// are cached per reference, so Resolve must answer the same for the
	// schema's lifetime.
	Resolve func(ref string) (target *Schema, pointer string)
}

// Schema is a compiled schema document. It is safe for concurrent use.
type Schema struct {
	root *node
	doc  any
	opts Options

	mu    sync.Mutex
	nodes map[string]*node // by JSON pointer, for references
}

// Root returns the document the schema was compiled from.
func (s *Schema) Root() any { return s.doc }

// limit is a numeric keyword value.
type limit struct {
	raw json.Number
	box any // raw, boxed once for Error.Limit
	f   float64
	r   *big.Rat // ExactNumbers only
}

type patternNode struct {
	src string
	re  *regexp.Regexp
	n   *node
}

type dependency struct {
	name  string
	names []string // property dependency
	n     *node    // schema dependency
}

// node is one compiled (sub)schema.
type node struct {
	s      *Schema
	path   string // JSON pointer of the schema in its document
	reject bool   // the schema false

	hasRef   bool
	ref      string
	refLocal *node                // linked at compile time
	refExt   atomic.Pointer[node] // resolved on first use

	types     []string
	typeRaw   any
	enum      []any
	hasEnum   bool
	constV    any
	hasConst  bool
	minimum   *limit
	maximum   *limit
	exclMinB  bool
	exclMaxB  bool
	exclMin   *limit
	exclMax   *limit
	multOf    *limit
	minLength *limit
	maxLength *limit
	pattern   *regexp.Regexp
	patSrc    string
	format    string

	// keyword values boxed once for Error.Limit
	refBox, enumBox, patBox, formatBox any

	minItems, maxItems   *limit
	uniqueItems          bool
	items                *node
	itemList             []*node
	itemsIsList          bool
	additionalItems      *node
	noAdditionalItems    bool
	contains             *node
	minProps, maxProps   *limit
	required             []string
	properties           map[string]*node
	patternProps         []patternNode
	additional           *node
	noAdditional         bool
	propertyNames        *node
	dependencies         []dependency
	allOf, anyOf, oneOf  []*node
	not                  *node
	ifN, thenN, elseN    *node
	hasObject, hasNumber bool
}

// Compile prepares a decoded schema document (as returned by Parse) for
// validation. Shapes it does not understand are ignored; use Check to
// reject them.
func Compile(doc any, opts Options) *Schema {
	if opts.Pattern == nil {
		opts.Pattern = regexp.Compile
	}
	s := &Schema{doc: doc, opts: opts, nodes: map[string]*node{}}
	s.mu.Lock()
	defer s.mu.Unlock()
	var pending []*node
	s.root = s.compile(doc, "", &pending)
	s.link(pending)
	return s
}

// link resolves the local references of newly compiled nodes. s.mu is
// held.
func (s *Schema) link(pending []*node) {
	for len(pending) > 0 {
		n := pending[len(pending)-1]
		pending = pending[:len(pending)-1]
		n.refLocal = s.pointerNode(strings.TrimPrefix(n.ref, "#"), &pending)
	}
}

// pointerNode returns the node of the subschema at a JSON pointer,
// compiling it when needed; nil when the pointer leads nowhere. s.mu is
// held.
func (s *Schema) pointerNode(p string, pending *[]*node) *node {
	if n, ok := s.nodes[p]; ok {
		return n
	}
	target, ok := pointer(s.doc, p)
	if !ok {
		return nil
	}
	return s.compile(target, p, pending)
}

// pointer evaluates a JSON pointer ("/definitions/x"), whose tokens may be
// URL-escaped as in a URI fragment.
func pointer(doc any, p string) (any, bool) {
	if p == "" {
		return doc, true
	}
	if p[0] != '/' {
		return nil, false
	}
	cur := doc
	for _, tok := range strings.Split(p[1:], "/") {
		if strings.Contains(tok, "%") {
			tok, _ = url.PathUnescape(tok)
		}
		tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
		switch n := cur.(type) {
		case map[string]any:
			next, ok := n[tok]
			if !ok {
				return nil, false
			}
			cur = next
		case []any:
			i, err := strconv.Atoi(tok)
			if err != nil || i < 0 || i >= len(n) {
				return nil, false
			}
			cur = n[i]
		default:
			return nil, false
		}
	}
	return cur, true
}

func escape(k string) string {
	if !strings.ContainsAny(k, "~/") {
		return k
	}
	return strings.ReplaceAll(strings.ReplaceAll(k, "~", "~0"), "/", "~1")
}

func (s *Schema) numLimit(v any) *limit {
	var raw json.Number
	switch n := v.(type) {
	case json.Number:
		raw = n
	case float64:
		raw = json.Number(strconv.FormatFloat(n, 'g', -1, 64))
	default:
		return nil
	}
	f, err := raw.Float64()
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		return nil
	}
	l := &limit{raw: raw, box: raw, f: f}
	if s.opts.ExactNumbers {
		r, ok := new(big.Rat).SetString(string(raw))
		if !ok {
			return nil
		}
		l.r = r
	}
	return l
}

// compile builds the node of the subschema v found at path. s.mu is held.
func (s *Schema) compile(v any, path string, pending *[]*node) *node {
	n := &node{s: s, path: path}
	s.nodes[path] = n
	sc, ok := v.(map[string]any)
	if !ok {
		if b, isBool := v.(bool); isBool && !b && !s.opts.Draft4 {
			n.reject = true
		}
		return n
	}
	if ref, ok := sc["$ref"].(string); ok {
		// In draft-04/07 a $ref replaces its siblings.
		n.hasRef, n.ref, n.refBox = true, ref, ref
		if ref == "" || ref[0] == '#' {
			*pending = append(*pending, n)
		}
		return n
	}
	sub := func(kw string) *node {
		x, ok := sc[kw]
		if !ok {
			return nil
		}
		return s.compile(x, path+"/"+kw, pending)
	}
	list := func(kw string) []*node {
		arr, _ := sc[kw].([]any)
		var out []*node
		for i, x := range arr {
			out = append(out, s.compile(x, path+"/"+kw+"/"+strconv.Itoa(i), pending))
		}
		return out
	}
	draft4 := s.opts.Draft4

	switch t := sc["type"].(type) {
	case string:
		n.types, n.typeRaw = []string{t}, t
	case []any:
		n.types, n.typeRaw = []string{}, t
		for _, e := range t {
			if name, ok := e.(string); ok {
				n.types = append(n.types, name)
			}
		}
	}
	n.enum, n.hasEnum = sc["enum"].([]any)
	n.enumBox = n.enum
	if !draft4 {
		n.constV, n.hasConst = sc["const"]
	}

	n.minimum, n.maximum, n.multOf = s.numLimit(sc["minimum"]), s.numLimit(sc["maximum"]), s.numLimit(sc["multipleOf"])
	n.exclMinB, _ = sc["exclusiveMinimum"].(bool)
	n.exclMaxB, _ = sc["exclusiveMaximum"].(bool)
	if !draft4 {
		n.exclMin, n.exclMax = s.numLimit(sc["exclusiveMinimum"]), s.numLimit(sc["exclusiveMaximum"])
	}
	n.hasNumber = n.minimum != nil || n.maximum != nil || n.multOf != nil || n.exclMin != nil || n.exclMax != nil

	n.minLength, n.maxLength = s.numLimit(sc["minLength"]), s.numLimit(sc["maxLength"])
	if p, ok := sc["pattern"].(string); ok {
		n.patSrc, n.patBox = p, p
		n.pattern, _ = s.opts.Pattern(p)
	}
	if f, ok := sc["format"].(string); ok && !draft4 {
		n.format, n.formatBox = f, f
	}

	n.minItems, n.maxItems = s.numLimit(sc["minItems"]), s.numLimit(sc["maxItems"])
	n.uniqueItems, _ = sc["uniqueItems"].(bool)
	switch sc["items"].(type) {
	case nil:
	case []any:
		n.itemsIsList, n.itemList = true, list("items")
		if b, ok := sc["additionalItems"].(bool); ok && !b {
			n.noAdditionalItems = true
		} else if _, ok := sc["additionalItems"]; ok {
			n.additionalItems = sub("additionalItems")
		}
	default:
		n.items = sub("items")
	}
	if !draft4 {
		n.contains = sub("contains")
	}

	n.minProps, n.maxProps = s.numLimit(sc["minProperties"]), s.numLimit(sc["maxProperties"])
	if req, ok := sc["required"].([]any); ok {
		for _, r := range req {
			if name, ok := r.(string); ok {
				n.required = append(n.required, name)
			}
		}
	}
	if props, ok := sc["properties"].(map[string]any); ok {
		n.properties = make(map[string]*node, len(props))
		for k, x := range props {
			n.properties[k] = s.compile(x, path+"/properties/"+escape(k), pending)
		}
	}
	if pats, ok := sc["patternProperties"].(map[string]any); ok {
		for p, x := range pats {
			re, _ := s.opts.Pattern(p)
			n.patternProps = append(n.patternProps, patternNode{src: p, re: re, n: s.compile(x, path+"/patternProperties/"+escape(p), pending)})
		}
		sort.Slice(n.patternProps, func(i, j int) bool { return n.patternProps[i].src < n.patternProps[j].src })
	}
	switch add := sc["additionalProperties"].(type) {
	case nil:
	case bool:
		n.noAdditional = !add
	default:
		n.additional = sub("additionalProperties")
	}
	if !draft4 {
		n.propertyNames = sub("propertyNames")
	}
	if deps, ok := sc["dependencies"].(map[string]any); ok {
		for name, d := range deps {
			dep := dependency{name: name}
			if arr, ok := d.([]any); ok {
				dep.names = []string{}
				for _, r := range arr {
					if rn, ok := r.(string); ok {
						dep.names = append(dep.names, rn)
					}
				}
			} else {
				dep.n = s.compile(d, path+"/dependencies/"+escape(name), pending)
			}
			n.dependencies = append(n.dependencies, dep)
		}
		sort.Slice(n.dependencies, func(i, j int) bool { return n.dependencies[i].name < n.dependencies[j].name })
	}
	n.hasObject = n.minProps != nil || n.maxProps != nil || n.required != nil || n.properties != nil || n.patternProps != nil ||
		n.additional != nil || n.noAdditional || n.propertyNames != nil || n.dependencies != nil

	n.allOf, n.anyOf, n.oneOf = list("allOf"), list("anyOf"), list("oneOf")
	n.not = sub("not")
	if !draft4 {
		n.ifN, n.thenN, n.elseN = sub("if"), sub("then"), sub("else")
	}
	return n
}

// target follows the node's reference; nil when it leads nowhere.
func (n *node) target() *node {
	if n.ref == "" || n.ref[0] == '#' {
		return n.refLocal
	}
	if t := n.refExt.Load(); t != nil {
		return t
	}
	if n.s.opts.Resolve == nil {
		return nil
	}
	ts, p := n.s.opts.Resolve(n.ref)
	if ts == nil {
		return nil
	}
	var t *node
	if p == "" {
		t = ts.root
	} else {
		t = ts.lookup(p)
	}
	if t != nil {
		n.refExt.Store(t)
	}
	return t
}

// lookup returns the node at a JSON pointer of the document, compiling it
// (and what it references) on first use.
func (s *Schema) lookup(p string) *node {
	s.mu.Lock()
	defer s.mu.Unlock()
	var pending []*node
	n := s.pointerNode(p, &pending)
	s.link(pending)
	return n
}

// Pointer evaluates a JSON pointer ("/definitions/x", tokens possibly
// URL-escaped as in a URI fragment) in a decoded document.
func Pointer(doc any, p string) (any, bool) { return pointer(doc, p) }
