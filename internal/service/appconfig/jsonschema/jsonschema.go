// Package jsonschema validates JSON documents against JSON Schema, for
// AppConfig's JSON_SCHEMA validators. AppConfig's documentation and
// examples use draft-04 ("$schema": "http://json-schema.org/draft-04/schema#");
// this validator implements the draft-04 vocabulary plus the compatible
// additions of drafts 06/07 (const, contains, propertyNames, if/then/else,
// numeric exclusiveMinimum/exclusiveMaximum), with local "$ref"s
// ("#", "#/definitions/…", any JSON pointer into the schema).
//
// Remote references are not fetched (a schema using one fails to compile).
// Patterns are Go (RE2) regular expressions, which accept the ECMA-262
// subset schemas use in practice (no backreferences or lookaround).
package jsonschema

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/big"
	"net"
	"net/mail"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
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

// Schema is a compiled schema.
type Schema struct {
	root     any
	patterns map[string]*regexp.Regexp
}

// Error is one validation failure.
type Error struct {
	// Location is the JSON pointer of the failing value in the document
	// ("" for the root).
	Location string
	// Keyword is the schema keyword that failed ("type", "required", …).
	Keyword string
	// Message says what is wrong.
	Message string
	// Value is the failing value, JSON-encoded (shortened when long).
	Value string
}

func (e Error) String() string {
	loc := e.Location
	if loc == "" {
		loc = "/"
	}
	return loc + ": " + e.Message
}

// Compile parses a schema document and checks that its keywords have the
// right shapes and its patterns compile.
func Compile(b []byte) (*Schema, error) {
	v, err := Parse(b)
	if err != nil {
		return nil, fmt.Errorf("invalid JSON: %v", err)
	}
	s := &Schema{root: v, patterns: map[string]*regexp.Regexp{}}
	if err := s.check(v, ""); err != nil {
		return nil, err
	}
	return s, nil
}

// MustCompile is Compile that panics, for built-in schemas.
func MustCompile(b []byte) *Schema {
	s, err := Compile(b)
	if err != nil {
		panic(err)
	}
	return s
}

var schemaKeywords = map[string]bool{
	"properties": true, "patternProperties": true, "definitions": true, "$defs": true, "dependencies": true,
}

func (s *Schema) check(v any, path string) error {
	switch n := v.(type) {
	case bool:
		return nil
	case map[string]any:
		for k, x := range n {
			p := path + "/" + k
			switch k {
			case "type":
				switch t := x.(type) {
				case string:
					if !knownType(t) {
						return fmt.Errorf("%s: unknown type %q", p, t)
					}
				case []any:
					for _, e := range t {
						if str, ok := e.(string); !ok || !knownType(str) {
							return fmt.Errorf("%s: invalid type list", p)
						}
					}
				default:
					return fmt.Errorf("%s: must be a string or an array", p)
				}
			case "pattern":
				str, ok := x.(string)
				if !ok {
					return fmt.Errorf("%s: must be a string", p)
				}
				if _, err := s.regexp(str); err != nil {
					return fmt.Errorf("%s: %v", p, err)
				}
			case "required", "enum":
				if _, ok := x.([]any); !ok {
					if k == "required" {
						if _, isBool := x.(bool); isBool { // draft-03 style
							continue
						}
					}
					return fmt.Errorf("%s: must be an array", p)
				}
			case "minimum", "maximum", "multipleOf", "minLength", "maxLength", "minItems", "maxItems", "minProperties", "maxProperties":
				if _, ok := x.(json.Number); !ok {
					return fmt.Errorf("%s: must be a number", p)
				}
			case "$ref":
				ref, ok := x.(string)
				if !ok {
					return fmt.Errorf("%s: must be a string", p)
				}
				if _, err := s.resolve(ref); err != nil {
					return fmt.Errorf("%s: %v", p, err)
				}
			case "not", "additionalProperties", "additionalItems", "contains", "propertyNames", "if", "then", "else":
				if err := s.check(x, p); err != nil {
					return err
				}
			case "items":
				if arr, ok := x.([]any); ok {
					for i, e := range arr {
						if err := s.check(e, p+"/"+strconv.Itoa(i)); err != nil {
							return err
						}
					}
				} else if err := s.check(x, p); err != nil {
					return err
				}
			case "allOf", "anyOf", "oneOf":
				arr, ok := x.([]any)
				if !ok || len(arr) == 0 {
					return fmt.Errorf("%s: must be a non-empty array", p)
				}
				for i, e := range arr {
					if err := s.check(e, p+"/"+strconv.Itoa(i)); err != nil {
						return err
					}
				}
			default:
				if schemaKeywords[k] {
					m, ok := x.(map[string]any)
					if !ok {
						return fmt.Errorf("%s: must be an object", p)
					}
					for name, sub := range m {
						if _, isList := sub.([]any); isList && k == "dependencies" {
							continue
						}
						if k == "patternProperties" {
							if _, err := s.regexp(name); err != nil {
								return fmt.Errorf("%s: %v", p, err)
							}
						}
						if err := s.check(sub, p+"/"+name); err != nil {
							return err
						}
					}
				}
			}
		}
		return nil
	}
	return fmt.Errorf("%s: a schema must be an object or a boolean", orRoot(path))
}

func orRoot(p string) string {
	if p == "" {
		return "/"
	}
	return p
}

func knownType(t string) bool {
	switch t {
	case "null", "boolean", "object", "array", "number", "integer", "string":
		return true
	}
	return false
}

func (s *Schema) regexp(p string) (*regexp.Regexp, error) {
	if re, ok := s.patterns[p]; ok {
		return re, nil
	}
	re, err := regexp.Compile(p)
	if err != nil {
		return nil, fmt.Errorf("invalid pattern %q", p)
	}
	s.patterns[p] = re
	return re, nil
}

// resolve follows a local reference.
func (s *Schema) resolve(ref string) (any, error) {
	if ref == "#" || ref == "" {
		return s.root, nil
	}
	if !strings.HasPrefix(ref, "#/") {
		return nil, fmt.Errorf("unsupported $ref %q (only local references are supported)", ref)
	}
	cur := s.root
	for _, tok := range strings.Split(ref[2:], "/") {
		tok, _ = url.PathUnescape(tok)
		tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
		switch n := cur.(type) {
		case map[string]any:
			next, ok := n[tok]
			if !ok {
				return nil, fmt.Errorf("unresolvable $ref %q", ref)
			}
			cur = next
		case []any:
			i, err := strconv.Atoi(tok)
			if err != nil || i < 0 || i >= len(n) {
				return nil, fmt.Errorf("unresolvable $ref %q", ref)
			}
			cur = n[i]
		default:
			return nil, fmt.Errorf("unresolvable $ref %q", ref)
		}
	}
	return cur, nil
}

// Validate checks doc (as returned by Parse) and returns every failure,
// ordered by location.
func (s *Schema) Validate(doc any) []Error {
	v := &validator{s: s}
	v.validate(s.root, doc, "", 0)
	sort.SliceStable(v.errs, func(i, j int) bool { return v.errs[i].Location < v.errs[j].Location })
	return v.errs
}

type validator struct {
	s    *Schema
	errs []Error
}

func (v *validator) fail(loc, kw string, val any, format string, args ...any) {
	v.errs = append(v.errs, Error{Location: loc, Keyword: kw, Message: fmt.Sprintf(format, args...), Value: short(val)})
}

func short(val any) string {
	b, _ := json.Marshal(val)
	s := string(b)
	if len(s) > 256 {
		s = s[:253] + "..."
	}
	return s
}

// valid reports whether doc passes schema, without recording errors.
func (v *validator) valid(schema, doc any, loc string, depth int) bool {
	sub := &validator{s: v.s}
	sub.validate(schema, doc, loc, depth)
	return len(sub.errs) == 0
}

const maxDepth = 64

func (v *validator) validate(schema, doc any, loc string, depth int) {
	if depth > maxDepth {
		v.fail(loc, "$ref", doc, "schema recursion is too deep")
		return
	}
	switch sc := schema.(type) {
	case bool:
		if !sc {
			v.fail(loc, "false", doc, "no value is allowed here")
		}
		return
	case map[string]any:
		if ref, ok := sc["$ref"].(string); ok {
			target, err := v.s.resolve(ref)
			if err != nil {
				v.fail(loc, "$ref", doc, "%v", err)
				return
			}
			// In draft-04/07 a $ref replaces its siblings.
			v.validate(target, doc, loc, depth+1)
			return
		}
		v.object(sc, doc, loc, depth)
	}
}

func typeOf(doc any) string {
	switch d := doc.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case json.Number:
		if isInteger(d) {
			return "integer"
		}
		return "number"
	case float64:
		if d == math.Trunc(d) {
			return "integer"
		}
		return "number"
	case string:
		return "string"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return "unknown"
}

func isInteger(n json.Number) bool {
	r, ok := new(big.Rat).SetString(string(n))
	return ok && r.IsInt()
}

func typeMatches(want, got string) bool {
	return want == got || (want == "number" && got == "integer")
}

func rat(x any) (*big.Rat, bool) {
	switch n := x.(type) {
	case json.Number:
		return new(big.Rat).SetString(string(n))
	case float64:
		r := new(big.Rat)
		if r.SetFloat64(n) == nil {
			return nil, false
		}
		return r, true
	}
	return nil, false
}

func num(x any) string {
	if n, ok := x.(json.Number); ok {
		return string(n)
	}
	return fmt.Sprint(x)
}

func (v *validator) object(sc map[string]any, doc any, loc string, depth int) {
	got := typeOf(doc)
	if t, ok := sc["type"]; ok {
		match := false
		var names []string
		switch t := t.(type) {
		case string:
			match, names = typeMatches(t, got), []string{t}
		case []any:
			for _, e := range t {
				s, _ := e.(string)
				names = append(names, s)
				match = match || typeMatches(s, got)
			}
		}
		if !match {
			v.fail(loc, "type", doc, "expected type %s but found %s", strings.Join(names, " or "), got)
			return
		}
	}
	if e, ok := sc["enum"].([]any); ok {
		found := false
		for _, x := range e {
			if equal(x, doc) {
				found = true
				break
			}
		}
		if !found {
			v.fail(loc, "enum", doc, "value is not one of the allowed values %s", short(e))
		}
	}
	if c, ok := sc["const"]; ok && !equal(c, doc) {
		v.fail(loc, "const", doc, "value must be %s", short(c))
	}
	switch got {
	case "integer", "number":
		v.number(sc, doc, loc)
	case "string":
		v.string(sc, doc.(string), loc)
	case "array":
		v.array(sc, doc.([]any), loc, depth)
	case "object":
		v.properties(sc, doc.(map[string]any), loc, depth)
	}
	if all, ok := sc["allOf"].([]any); ok {
		for _, s := range all {
			v.validate(s, doc, loc, depth+1)
		}
	}
	if anyOf, ok := sc["anyOf"].([]any); ok {
		okOne := false
		for _, s := range anyOf {
			if v.valid(s, doc, loc, depth+1) {
				okOne = true
				break
			}
		}
		if !okOne {
			v.fail(loc, "anyOf", doc, "value does not match any of the schemas in anyOf")
		}
	}
	if oneOf, ok := sc["oneOf"].([]any); ok {
		n := 0
		for _, s := range oneOf {
			if v.valid(s, doc, loc, depth+1) {
				n++
			}
		}
		if n != 1 {
			v.fail(loc, "oneOf", doc, "value matches %d of the schemas in oneOf, expected exactly 1", n)
		}
	}
	if not, ok := sc["not"]; ok && v.valid(not, doc, loc, depth+1) {
		v.fail(loc, "not", doc, "value must not match the schema in not")
	}
	if ifs, ok := sc["if"]; ok {
		if v.valid(ifs, doc, loc, depth+1) {
			if th, ok := sc["then"]; ok {
				v.validate(th, doc, loc, depth+1)
			}
		} else if el, ok := sc["else"]; ok {
			v.validate(el, doc, loc, depth+1)
		}
	}
}

func (v *validator) number(sc map[string]any, doc any, loc string) {
	x, ok := rat(doc)
	if !ok {
		return
	}
	bound := func(kw string) (*big.Rat, bool) {
		b, ok := sc[kw]
		if !ok {
			return nil, false
		}
		return rat(b)
	}
	if m, ok := bound("minimum"); ok {
		excl, _ := sc["exclusiveMinimum"].(bool)
		if c := x.Cmp(m); c < 0 || (excl && c == 0) {
			v.fail(loc, "minimum", doc, "value %s is less than the minimum %s%s", num(doc), num(sc["minimum"]), exclText(excl))
		}
	}
	if m, ok := bound("maximum"); ok {
		excl, _ := sc["exclusiveMaximum"].(bool)
		if c := x.Cmp(m); c > 0 || (excl && c == 0) {
			v.fail(loc, "maximum", doc, "value %s is greater than the maximum %s%s", num(doc), num(sc["maximum"]), exclText(excl))
		}
	}
	if m, ok := bound("exclusiveMinimum"); ok && x.Cmp(m) <= 0 {
		v.fail(loc, "exclusiveMinimum", doc, "value %s must be greater than %s", num(doc), num(sc["exclusiveMinimum"]))
	}
	if m, ok := bound("exclusiveMaximum"); ok && x.Cmp(m) >= 0 {
		v.fail(loc, "exclusiveMaximum", doc, "value %s must be less than %s", num(doc), num(sc["exclusiveMaximum"]))
	}
	if m, ok := bound("multipleOf"); ok && m.Sign() > 0 {
		if q := new(big.Rat).Quo(x, m); !q.IsInt() {
			v.fail(loc, "multipleOf", doc, "value %s is not a multiple of %s", num(doc), num(sc["multipleOf"]))
		}
	}
}

func exclText(excl bool) string {
	if excl {
		return " (exclusive)"
	}
	return ""
}

func intOf(x any) (int, bool) {
	r, ok := rat(x)
	if !ok || !r.IsInt() {
		return 0, false
	}
	if !r.Num().IsInt64() {
		return math.MaxInt, true
	}
	return int(r.Num().Int64()), true
}

func (v *validator) string(sc map[string]any, s, loc string) {
	n := utf8.RuneCountInString(s)
	if m, ok := intOf(sc["minLength"]); ok && n < m {
		v.fail(loc, "minLength", s, "string is shorter than the minimum length %d", m)
	}
	if m, ok := intOf(sc["maxLength"]); ok && n > m {
		v.fail(loc, "maxLength", s, "string is longer than the maximum length %d", m)
	}
	if p, ok := sc["pattern"].(string); ok {
		if re, err := v.s.regexp(p); err == nil && !re.MatchString(s) {
			v.fail(loc, "pattern", s, "string does not match the pattern %s", p)
		}
	}
	if f, ok := sc["format"].(string); ok && !formatOK(f, s) {
		v.fail(loc, "format", s, "string is not a valid %s", f)
	}
}

func formatOK(f, s string) bool {
	switch f {
	case "date-time":
		_, err := time.Parse(time.RFC3339Nano, s)
		return err == nil
	case "date":
		_, err := time.Parse("2006-01-02", s)
		return err == nil
	case "email":
		a, err := mail.ParseAddress(s)
		return err == nil && a.Address == s
	case "ipv4":
		ip := net.ParseIP(s)
		return ip != nil && ip.To4() != nil && strings.Count(s, ".") == 3
	case "ipv6":
		ip := net.ParseIP(s)
		return ip != nil && strings.Contains(s, ":")
	case "uri":
		u, err := url.Parse(s)
		return err == nil && u.Scheme != ""
	}
	return true // unknown formats are annotations
}

func (v *validator) array(sc map[string]any, a []any, loc string, depth int) {
	if m, ok := intOf(sc["minItems"]); ok && len(a) < m {
		v.fail(loc, "minItems", a, "array has fewer than %d items", m)
	}
	if m, ok := intOf(sc["maxItems"]); ok && len(a) > m {
		v.fail(loc, "maxItems", a, "array has more than %d items", m)
	}
	if u, _ := sc["uniqueItems"].(bool); u {
	outer:
		for i := range a {
			for j := i + 1; j < len(a); j++ {
				if equal(a[i], a[j]) {
					v.fail(loc, "uniqueItems", a, "array items %d and %d are equal", i, j)
					break outer
				}
			}
		}
	}
	switch items := sc["items"].(type) {
	case []any:
		for i, x := range a {
			if i < len(items) {
				v.validate(items[i], x, loc+"/"+strconv.Itoa(i), depth+1)
			} else if add, ok := sc["additionalItems"]; ok {
				v.validate(add, x, loc+"/"+strconv.Itoa(i), depth+1)
			}
		}
	case nil:
	default:
		for i, x := range a {
			v.validate(items, x, loc+"/"+strconv.Itoa(i), depth+1)
		}
	}
	if c, ok := sc["contains"]; ok {
		found := false
		for i, x := range a {
			if v.valid(c, x, loc+"/"+strconv.Itoa(i), depth+1) {
				found = true
				break
			}
		}
		if !found {
			v.fail(loc, "contains", a, "array does not contain a matching item")
		}
	}
}

func escape(k string) string {
	return strings.ReplaceAll(strings.ReplaceAll(k, "~", "~0"), "/", "~1")
}

func (v *validator) properties(sc map[string]any, o map[string]any, loc string, depth int) {
	if m, ok := intOf(sc["minProperties"]); ok && len(o) < m {
		v.fail(loc, "minProperties", o, "object has fewer than %d properties", m)
	}
	if m, ok := intOf(sc["maxProperties"]); ok && len(o) > m {
		v.fail(loc, "maxProperties", o, "object has more than %d properties", m)
	}
	if req, ok := sc["required"].([]any); ok {
		for _, r := range req {
			if name, ok := r.(string); ok {
				if _, present := o[name]; !present {
					v.fail(loc, "required", o, "required property %s is missing", name)
				}
			}
		}
	}
	keys := make([]string, 0, len(o))
	for k := range o {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	props, _ := sc["properties"].(map[string]any)
	pats, _ := sc["patternProperties"].(map[string]any)
	add, hasAdd := sc["additionalProperties"]
	for _, k := range keys {
		x := o[k]
		p := loc + "/" + escape(k)
		matched := false
		if s, ok := props[k]; ok {
			matched = true
			v.validate(s, x, p, depth+1)
		}
		for pat, s := range pats {
			if re, err := v.s.regexp(pat); err == nil && re.MatchString(k) {
				matched = true
				v.validate(s, x, p, depth+1)
			}
		}
		if !matched && hasAdd {
			if b, ok := add.(bool); ok {
				if !b {
					v.fail(p, "additionalProperties", x, "property %s is not allowed", k)
				}
			} else {
				v.validate(add, x, p, depth+1)
			}
		}
		if pn, ok := sc["propertyNames"]; ok {
			v.validate(pn, k, p, depth+1)
		}
	}
	if deps, ok := sc["dependencies"].(map[string]any); ok {
		for name, d := range deps {
			if _, present := o[name]; !present {
				continue
			}
			if list, ok := d.([]any); ok {
				for _, r := range list {
					if rn, ok := r.(string); ok {
						if _, present := o[rn]; !present {
							v.fail(loc, "dependencies", o, "property %s requires property %s", name, rn)
						}
					}
				}
			} else {
				v.validate(d, o, loc, depth+1)
			}
		}
	}
}

// equal is JSON equality (numbers by value).
func equal(a, b any) bool {
	if ra, ok := rat(a); ok {
		rb, ok := rat(b)
		return ok && ra.Cmp(rb) == 0
	}
	switch x := a.(type) {
	case nil:
		return b == nil
	case bool:
		y, ok := b.(bool)
		return ok && x == y
	case string:
		y, ok := b.(string)
		return ok && x == y
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !equal(x[i], y[i]) {
				return false
			}
		}
		return true
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for k, xv := range x {
			yv, ok := y[k]
			if !ok || !equal(xv, yv) {
				return false
			}
		}
		return true
	}
	return false
}
