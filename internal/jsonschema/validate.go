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
	// SchemaPath is the JSON pointer of the keyword in its schema document.
	SchemaPath string
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
}

// MaxDepth bounds how deeply subschemas and references nest while
// validating.
const MaxDepth = 64

// Validate checks a decoded JSON value (as returned by Parse; float64
// numbers are accepted too). It returns nil when the value is valid.
// Failures come in the order of a walk of the instance, object members
// by name.
func (s *Schema) Validate(doc any) []Error {
	v := validator{exact: s.opts.ExactNumbers}
	v.validate(s.root, doc, nil, 0)
	return v.errs
}

type validator struct {
	exact bool
	errs  []Error
}

// ipath is an instance location, built on the stack while walking and
// turned into a JSON pointer only for a failure.
type ipath struct {
	parent *ipath
	key    string
	idx    int // when key == "" and isIdx
	isIdx  bool
}

func (p *ipath) String() string {
	if p == nil {
		return ""
	}
	var toks []string
	for q := p; q != nil; q = q.parent {
		if q.isIdx {
			toks = append(toks, strconv.Itoa(q.idx))
		} else {
			toks = append(toks, escape(q.key))
		}
	}
	var b strings.Builder
	for i := len(toks) - 1; i >= 0; i-- {
		b.WriteByte('/')
		b.WriteString(toks[i])
	}
	return b.String()
}

func (v *validator) fail(n *node, kw string, at *ipath, doc any, e Error) {
	e.Keyword, e.InstancePath, e.SchemaPath, e.Instance = kw, at.String(), n.path+"/"+kw, doc
	v.errs = append(v.errs, e)
}

// valid reports whether doc passes n, recording nothing.
func (v *validator) valid(n *node, doc any, at *ipath, depth int) bool {
	mark := len(v.errs)
	v.validate(n, doc, at, depth)
	ok := len(v.errs) == mark
	v.errs = v.errs[:mark]
	return ok
}

func (v *validator) validate(n *node, doc any, at *ipath, depth int) {
	if depth > MaxDepth {
		v.fail(n, "depth", at, doc, Error{})
		return
	}
	if n.reject {
		v.errs = append(v.errs, Error{Keyword: "false", InstancePath: at.String(), SchemaPath: n.path, Instance: doc})
		return
	}
	if n.hasRef {
		t := n.target()
		if t == nil {
			v.fail(n, "$ref", at, doc, Error{Limit: n.ref})
			return
		}
		v.validate(t, doc, at, depth+1)
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
			v.fail(n, "type", at, doc, Error{Limit: n.typeRaw, Type: got})
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
			v.fail(n, "enum", at, doc, Error{Limit: n.enum})
		}
	}
	if n.hasConst && !v.equal(n.constV, doc) {
		v.fail(n, "const", at, doc, Error{Limit: n.constV})
	}
	switch x := doc.(type) {
	case json.Number, float64:
		if n.hasNumber {
			v.number(n, x, at)
		}
	case string:
		v.string(n, x, at)
	case []any:
		v.array(n, x, at, depth)
	case map[string]any:
		if n.hasObject {
			v.object(n, x, at, depth)
		}
	}
	if len(n.allOf) > 0 {
		mark, matched := len(v.errs), 0
		for _, c := range n.allOf {
			before := len(v.errs)
			v.validate(c, doc, at, depth+1)
			if len(v.errs) == before {
				matched++
			}
		}
		if matched != len(n.allOf) {
			causes := append([]Error(nil), v.errs[mark:]...)
			v.errs = v.errs[:mark]
			v.fail(n, "allOf", at, doc, Error{Limit: len(n.allOf), Count: matched, Causes: causes})
		}
	}
	if len(n.anyOf) > 0 {
		ok := false
		for _, c := range n.anyOf {
			if v.valid(c, doc, at, depth+1) {
				ok = true
				break
			}
		}
		if !ok {
			v.fail(n, "anyOf", at, doc, Error{Limit: len(n.anyOf)})
		}
	}
	if len(n.oneOf) > 0 {
		matched := 0
		for _, c := range n.oneOf {
			if v.valid(c, doc, at, depth+1) {
				matched++
			}
		}
		if matched != 1 {
			v.fail(n, "oneOf", at, doc, Error{Limit: len(n.oneOf), Count: matched})
		}
	}
	if n.not != nil && v.valid(n.not, doc, at, depth+1) {
		v.fail(n, "not", at, doc, Error{})
	}
	if n.ifN != nil {
		if v.valid(n.ifN, doc, at, depth+1) {
			if n.thenN != nil {
				v.validate(n.thenN, doc, at, depth+1)
			}
		} else if n.elseN != nil {
			v.validate(n.elseN, doc, at, depth+1)
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

func (v *validator) number(n *node, x any, at *ipath) {
	var xr *big.Rat
	if v.exact {
		var ok bool
		if xr, ok = toRat(x); !ok {
			return
		}
	}
	if n.minimum != nil {
		if c := v.cmp(x, xr, n.minimum); c < 0 || (n.exclMinB && c == 0) {
			v.fail(n, "minimum", at, x, Error{Limit: n.minimum.raw, Exclusive: n.exclMinB})
		}
	}
	if n.maximum != nil {
		if c := v.cmp(x, xr, n.maximum); c > 0 || (n.exclMaxB && c == 0) {
			v.fail(n, "maximum", at, x, Error{Limit: n.maximum.raw, Exclusive: n.exclMaxB})
		}
	}
	if n.exclMin != nil && v.cmp(x, xr, n.exclMin) <= 0 {
		v.fail(n, "exclusiveMinimum", at, x, Error{Limit: n.exclMin.raw})
	}
	if n.exclMax != nil && v.cmp(x, xr, n.exclMax) >= 0 {
		v.fail(n, "exclusiveMaximum", at, x, Error{Limit: n.exclMax.raw})
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
			v.fail(n, "multipleOf", at, x, Error{Limit: m.raw})
		}
	}
}

func (v *validator) string(n *node, s string, at *ipath) {
	if n.minLength != nil || n.maxLength != nil {
		c := utf8.RuneCountInString(s)
		if n.minLength != nil && float64(c) < n.minLength.f {
			v.fail(n, "minLength", at, s, Error{Limit: n.minLength.raw, Count: c})
		}
		if n.maxLength != nil && float64(c) > n.maxLength.f {
			v.fail(n, "maxLength", at, s, Error{Limit: n.maxLength.raw, Count: c})
		}
	}
	if n.pattern != nil && !n.pattern.MatchString(s) {
		v.fail(n, "pattern", at, s, Error{Limit: n.patSrc})
	}
	if n.format != "" && !formatOK(n.format, s) {
		v.fail(n, "format", at, s, Error{Limit: n.format})
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

func (v *validator) array(n *node, a []any, at *ipath, depth int) {
	if n.minItems != nil && float64(len(a)) < n.minItems.f {
		v.fail(n, "minItems", at, a, Error{Limit: n.minItems.raw, Count: len(a)})
	}
	if n.maxItems != nil && float64(len(a)) > n.maxItems.f {
		v.fail(n, "maxItems", at, a, Error{Limit: n.maxItems.raw, Count: len(a)})
	}
	if n.uniqueItems {
	outer:
		for i := range a {
			for j := i + 1; j < len(a); j++ {
				if v.equal(a[i], a[j]) {
					v.fail(n, "uniqueItems", at, a, Error{Items: [2]int{i, j}})
					break outer
				}
			}
		}
	}
	if n.items != nil {
		for i, x := range a {
			child := ipath{parent: at, idx: i, isIdx: true}
			v.validate(n.items, x, &child, depth+1)
		}
	} else if n.itemsIsList {
		for i, x := range a {
			child := ipath{parent: at, idx: i, isIdx: true}
			if i < len(n.itemList) {
				v.validate(n.itemList[i], x, &child, depth+1)
			} else if n.additionalItems != nil {
				v.validate(n.additionalItems, x, &child, depth+1)
			}
		}
		if n.noAdditionalItems && len(a) > len(n.itemList) {
			v.fail(n, "additionalItems", at, a, Error{Limit: len(n.itemList), Count: len(a)})
		}
	}
	if n.contains != nil {
		found := false
		for i, x := range a {
			child := ipath{parent: at, idx: i, isIdx: true}
			if v.valid(n.contains, x, &child, depth+1) {
				found = true
				break
			}
		}
		if !found {
			v.fail(n, "contains", at, a, Error{})
		}
	}
}

func (v *validator) object(n *node, o map[string]any, at *ipath, depth int) {
	if n.minProps != nil && float64(len(o)) < n.minProps.f {
		v.fail(n, "minProperties", at, o, Error{Limit: n.minProps.raw, Count: len(o)})
	}
	if n.maxProps != nil && float64(len(o)) > n.maxProps.f {
		v.fail(n, "maxProperties", at, o, Error{Limit: n.maxProps.raw, Count: len(o)})
	}
	var missing []string
	for _, name := range n.required {
		if _, ok := o[name]; !ok {
			missing = append(missing, name)
		}
	}
	if missing != nil {
		v.fail(n, "required", at, o, Error{Names: missing})
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
			child := ipath{parent: at, key: k}
			matched := false
			if pn, ok := n.properties[k]; ok {
				matched = true
				v.validate(pn, x, &child, depth+1)
			}
			for _, pp := range n.patternProps {
				if pp.re != nil && pp.re.MatchString(k) {
					matched = true
					v.validate(pp.n, x, &child, depth+1)
				}
			}
			if !matched {
				if n.noAdditional {
					extra = append(extra, k)
				} else if n.additional != nil {
					v.validate(n.additional, x, &child, depth+1)
				}
			}
			if n.propertyNames != nil {
				v.validate(n.propertyNames, k, &child, depth+1)
			}
		}
		if extra != nil {
			v.fail(n, "additionalProperties", at, o, Error{Names: extra})
		}
	}
	for _, d := range n.dependencies {
		if _, ok := o[d.name]; !ok {
			continue
		}
		if d.n != nil {
			v.validate(d.n, o, at, depth+1)
			continue
		}
		var missing []string
		for _, r := range d.names {
			if _, ok := o[r]; !ok {
				missing = append(missing, r)
			}
		}
		if missing != nil {
			v.fail(n, "dependencies", at, o, Error{Property: d.name, Names: missing})
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
