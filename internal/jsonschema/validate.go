package jsonschema

import (
	"encoding/json"
	"math"
	"math/big"
	"net"
	"net/mail"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

// Error is one validation failure. Callers word the message from the
// keyword and the details.
type Error struct {
	// Keyword is the failing keyword ("type", "required", …); "false" for
	// the schema false, "depth" when references nest too deeply.
	Keyword string
	// InstancePath is the JSON pointer of the failing value ("" for the
	// root).
	InstancePath string
	// Instance is the failing value.
	Instance any

	// Limit is the keyword's value: the bound (json.Number) of a numeric
	// or length keyword, the "type" value, the enum values, the const
	// value, the pattern, the format, the "$ref"; for allOf, oneOf and
	// anyOf the number of subschemas, for additionalItems the number of
	// items the schema lists (int).
	Limit any
	// Exclusive: a draft-4 minimum or maximum with exclusiveMinimum or
	// exclusiveMaximum true.
	Exclusive bool
	// Type is the instance's type ("type").
	Type string
	// Count is the string's length in characters (minLength, maxLength),
	// the array's items (minItems, maxItems, additionalItems), the
	// object's properties (minProperties, maxProperties), the subschemas
	// matched (allOf, oneOf).
	Count int
	// Names lists the missing properties (required, in schema order;
	// dependencies) or those not allowed (additionalProperties, sorted).
	Names []string
	// Property is the property whose dependencies are missing.
	Property string
	// Items are the first two equal items (uniqueItems).
	Items [2]int
	// Causes are the failures of allOf's subschemas.
	Causes []Error

	schema *node
}

// SchemaPath is the JSON pointer of the failing keyword in its schema
// document (of the schema itself for "false" and "depth").
func (e Error) SchemaPath() string {
	if e.schema == nil {
		return ""
	}
	if e.Keyword == "false" || e.Keyword == "depth" {
		return e.schema.path
	}
	return e.schema.path + "/" + e.Keyword
}

// MaxDepth bounds how deeply subschemas and references nest while
// validating.
const MaxDepth = 64

// Validate checks a decoded JSON value (as returned by Parse; float64
// numbers are accepted too). It returns nil when the value is valid.
// Failures come in the order of a walk of the instance, object members
// by name.
func (s *Schema) Validate(doc any) []Error {
	v := validators.Get().(*validator)
	v.exact = s.opts.ExactNumbers
	v.validate(s.root, doc, 0)
	errs := v.errs
	v.errs, v.path = nil, v.path[:0]
	validators.Put(v)
	return errs
}

var validators = sync.Pool{New: func() any { return &validator{path: make([]pathTok, 0, 16)} }}

type validator struct {
	exact bool
	errs  []Error
	path  []pathTok
}

// pathTok is one step of the instance location, kept on a stack while
// walking and turned into a JSON pointer only for a failure.
type pathTok struct {
	key   string
	idx   int
	isIdx bool
}

func (v *validator) push(key string) { v.path = append(v.path, pathTok{key: key}) }
func (v *validator) pushIndex(i int) { v.path = append(v.path, pathTok{idx: i, isIdx: true}) }
func (v *validator) pop()            { v.path = v.path[:len(v.path)-1] }

func (v *validator) location() string {
	if len(v.path) == 0 {
		return ""
	}
	size := 0
	for _, t := range v.path {
		size += len(t.key) + 4
	}
	var b strings.Builder
	b.Grow(size)
	for _, t := range v.path {
		b.WriteByte('/')
		if t.isIdx {
			b.WriteString(strconv.Itoa(t.idx))
		} else {
			b.WriteString(escape(t.key))
		}
	}
	return b.String()
}

func (v *validator) fail(n *node, kw string, doc any, e Error) {
	e.Keyword, e.InstancePath, e.schema, e.Instance = kw, v.location(), n, doc
	if v.errs == nil {
		v.errs = make([]Error, 0, 4) // fewer reallocations for the usual few failures
	}
	v.errs = append(v.errs, e)
}

// valid reports whether doc passes n, recording nothing.
func (v *validator) valid(n *node, doc any, depth int) bool {
	mark := len(v.errs)
	v.validate(n, doc, depth)
	ok := len(v.errs) == mark
	v.errs = v.errs[:mark]
	return ok
}

func (v *validator) validate(n *node, doc any, depth int) {
	if depth > MaxDepth {
		v.fail(n, "depth", doc, Error{})
		return
	}
	if n.reject {
		v.errs = append(v.errs, Error{Keyword: "false", InstancePath: v.location(), schema: n, Instance: doc})
		return
	}
	if n.hasRef {
		t := n.target()
		if t == nil {
			v.fail(n, "$ref", doc, Error{Limit: n.refBox})
			return
		}
		v.validate(t, doc, depth+1)
		return
	}
	got := v.typeOf(doc)
	if n.types != nil {
		match := false
		for _, t := range n.types {
			if t == got || (t == "number" && got == "integer") {
				match = true
				break
			}
		}
		if !match {
			v.fail(n, "type", doc, Error{Limit: n.typeRaw, Type: got})
			return
		}
	}
	if n.hasEnum {
		found := false
		for _, x := range n.enum {
			if v.equal(x, doc) {
				found = true
				break
			}
		}
		if !found {
			v.fail(n, "enum", doc, Error{Limit: n.enumBox})
		}
	}
	if n.hasConst && !v.equal(n.constV, doc) {
		v.fail(n, "const", doc, Error{Limit: n.constV})
	}
	switch x := doc.(type) {
	case json.Number, float64:
		if n.hasNumber {
			v.number(n, x)
		}
	case string:
		v.string(n, x, doc)
	case []any:
		v.array(n, x, doc, depth)
	case map[string]any:
		if n.hasObject {
			v.object(n, x, depth)
		}
	}
	if len(n.allOf) > 0 {
		mark, matched := len(v.errs), 0
		for _, c := range n.allOf {
			before := len(v.errs)
			v.validate(c, doc, depth+1)
			if len(v.errs) == before {
				matched++
			}
		}
		if matched != len(n.allOf) {
			causes := append([]Error(nil), v.errs[mark:]...)
			v.errs = v.errs[:mark]
			v.fail(n, "allOf", doc, Error{Limit: len(n.allOf), Count: matched, Causes: causes})
		}
	}
	if len(n.anyOf) > 0 {
		ok := false
		for _, c := range n.anyOf {
			if v.valid(c, doc, depth+1) {
				ok = true
				break
			}
		}
		if !ok {
			v.fail(n, "anyOf", doc, Error{Limit: len(n.anyOf)})
		}
	}
	if len(n.oneOf) > 0 {
		matched := 0
		for _, c := range n.oneOf {
			if v.valid(c, doc, depth+1) {
				matched++
			}
		}
		if matched != 1 {
			v.fail(n, "oneOf", doc, Error{Limit: len(n.oneOf), Count: matched})
		}
	}
	if n.not != nil && v.valid(n.not, doc, depth+1) {
		v.fail(n, "not", doc, Error{})
	}
	if n.ifN != nil {
		if v.valid(n.ifN, doc, depth+1) {
			if n.thenN != nil {
				v.validate(n.thenN, doc, depth+1)
			}
		} else if n.elseN != nil {
			v.validate(n.elseN, doc, depth+1)
		}
	}
}

// typeOf names a value's JSON Schema type.
func (v *validator) typeOf(doc any) string {
	switch d := doc.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case json.Number:
		if v.exact {
			if r, ok := new(big.Rat).SetString(string(d)); ok && r.IsInt() {
				return "integer"
			}
			return "number"
		}
		if strings.ContainsAny(string(d), ".eE") {
			return "number"
		}
		return "integer"
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

func toFloat(x any) (float64, bool) {
	switch n := x.(type) {
	case json.Number:
		f, err := strconv.ParseFloat(string(n), 64)
		return f, err == nil || f != 0
	case float64:
		return n, true
	}
	return 0, false
}

func toRat(x any) (*big.Rat, bool) {
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

// cmp compares a number with a bound: -1, 0, +1.
func (v *validator) cmp(x any, xr *big.Rat, l *limit) int {
	if v.exact {
		return xr.Cmp(l.r)
	}
	f, _ := toFloat(x)
	switch {
	case f < l.f:
		return -1
	case f > l.f:
		return 1
	}
	return 0
}

func (v *validator) number(n *node, x any) {
	var xr *big.Rat
	if v.exact {
		var ok bool
		if xr, ok = toRat(x); !ok {
			return
		}
	}
	if n.minimum != nil {
		if c := v.cmp(x, xr, n.minimum); c < 0 || (n.exclMinB && c == 0) {
			v.fail(n, "minimum", x, Error{Limit: n.minimum.box, Exclusive: n.exclMinB})
		}
	}
	if n.maximum != nil {
		if c := v.cmp(x, xr, n.maximum); c > 0 || (n.exclMaxB && c == 0) {
			v.fail(n, "maximum", x, Error{Limit: n.maximum.box, Exclusive: n.exclMaxB})
		}
	}
	if n.exclMin != nil && v.cmp(x, xr, n.exclMin) <= 0 {
		v.fail(n, "exclusiveMinimum", x, Error{Limit: n.exclMin.box})
	}
	if n.exclMax != nil && v.cmp(x, xr, n.exclMax) >= 0 {
		v.fail(n, "exclusiveMaximum", x, Error{Limit: n.exclMax.box})
	}
	if m := n.multOf; m != nil {
		bad := false
		if v.exact {
			bad = m.r.Sign() > 0 && !new(big.Rat).Quo(xr, m.r).IsInt()
		} else if m.f > 0 {
			f, _ := toFloat(x)
			q := f / m.f
			bad = math.Abs(q-math.Round(q)) > 1e-9
		}
		if bad {
			v.fail(n, "multipleOf", x, Error{Limit: m.box})
		}
	}
}

func (v *validator) string(n *node, s string, doc any) {
	if n.minLength != nil || n.maxLength != nil {
		c := utf8.RuneCountInString(s)
		if n.minLength != nil && float64(c) < n.minLength.f {
			v.fail(n, "minLength", doc, Error{Limit: n.minLength.box, Count: c})
		}
		if n.maxLength != nil && float64(c) > n.maxLength.f {
			v.fail(n, "maxLength", doc, Error{Limit: n.maxLength.box, Count: c})
		}
	}
	if n.pattern != nil && !n.pattern.MatchString(s) {
		v.fail(n, "pattern", doc, Error{Limit: n.patBox})
	}
	if n.format != "" && !formatOK(n.format, s) {
		v.fail(n, "format", doc, Error{Limit: n.formatBox})
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

func (v *validator) array(n *node, a []any, doc any, depth int) {
	if n.minItems != nil && float64(len(a)) < n.minItems.f {
		v.fail(n, "minItems", doc, Error{Limit: n.minItems.box, Count: len(a)})
	}
	if n.maxItems != nil && float64(len(a)) > n.maxItems.f {
		v.fail(n, "maxItems", doc, Error{Limit: n.maxItems.box, Count: len(a)})
	}
	if n.uniqueItems {
	outer:
		for i := range a {
			for j := i + 1; j < len(a); j++ {
				if v.equal(a[i], a[j]) {
					v.fail(n, "uniqueItems", doc, Error{Items: [2]int{i, j}})
					break outer
				}
			}
		}
	}
	if n.items != nil {
		for i, x := range a {
			v.pushIndex(i)
			v.validate(n.items, x, depth+1)
			v.pop()
		}
	} else if n.itemsIsList {
		for i, x := range a {
			v.pushIndex(i)
			if i < len(n.itemList) {
				v.validate(n.itemList[i], x, depth+1)
			} else if n.additionalItems != nil {
				v.validate(n.additionalItems, x, depth+1)
			}
			v.pop()
		}
		if n.noAdditionalItems && len(a) > len(n.itemList) {
			v.fail(n, "additionalItems", doc, Error{Limit: len(n.itemList), Count: len(a)})
		}
	}
	if n.contains != nil {
		found := false
		for i, x := range a {
			v.pushIndex(i)
			ok := v.valid(n.contains, x, depth+1)
			v.pop()
			if ok {
				found = true
				break
			}
		}
		if !found {
			v.fail(n, "contains", doc, Error{})
		}
	}
}

func (v *validator) object(n *node, o map[string]any, depth int) {
	if n.minProps != nil && float64(len(o)) < n.minProps.f {
		v.fail(n, "minProperties", o, Error{Limit: n.minProps.box, Count: len(o)})
	}
	if n.maxProps != nil && float64(len(o)) > n.maxProps.f {
		v.fail(n, "maxProperties", o, Error{Limit: n.maxProps.box, Count: len(o)})
	}
	var missing []string
	for _, name := range n.required {
		if _, ok := o[name]; !ok {
			missing = append(missing, name)
		}
	}
	if missing != nil {
		v.fail(n, "required", o, Error{Names: missing})
	}
	if n.properties != nil || n.patternProps != nil || n.additional != nil || n.noAdditional || n.propertyNames != nil {
		keys := make([]string, 0, len(o))
		for k := range o {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		var extra []string
		for _, k := range keys {
			x := o[k]
			v.push(k)
			matched := false
			if pn, ok := n.properties[k]; ok {
				matched = true
				v.validate(pn, x, depth+1)
			}
			for _, pp := range n.patternProps {
				if pp.re != nil && pp.re.MatchString(k) {
					matched = true
					v.validate(pp.n, x, depth+1)
				}
			}
			if !matched {
				if n.noAdditional {
					extra = append(extra, k)
				} else if n.additional != nil {
					v.validate(n.additional, x, depth+1)
				}
			}
			if n.propertyNames != nil {
				v.validate(n.propertyNames, k, depth+1)
			}
			v.pop()
		}
		if extra != nil {
			v.fail(n, "additionalProperties", o, Error{Names: extra})
		}
	}
	for _, d := range n.dependencies {
		if _, ok := o[d.name]; !ok {
			continue
		}
		if d.n != nil {
			v.validate(d.n, o, depth+1)
			continue
		}
		var missing []string
		for _, r := range d.names {
			if _, ok := o[r]; !ok {
				missing = append(missing, r)
			}
		}
		if missing != nil {
			v.fail(n, "dependencies", o, Error{Property: d.name, Names: missing})
		}
	}
}

// equal is JSON equality, numbers by value.
func (v *validator) equal(a, b any) bool {
	switch x := a.(type) {
	case json.Number, float64:
		if v.exact {
			ra, ok := toRat(x)
			rb, ok2 := toRat(b)
			return ok && ok2 && ra.Cmp(rb) == 0
		}
		fa, ok := toFloat(x)
		fb, ok2 := toFloat(b)
		return ok && ok2 && fa == fb
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
			if !v.equal(x[i], y[i]) {
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
			if !ok || !v.equal(xv, yv) {
				return false
			}
		}
		return true
	}
	return false
}
