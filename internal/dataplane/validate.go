package dataplane

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	api "github.com/stagecraft/stagecraft/internal/api/apigateway"
	"github.com/stagecraft/stagecraft/internal/javaregex"
)

// Request body validation: a method whose request validator has
// validateRequestBody checks the body against the model its requestModels
// name for the request's content type. Models are JSON Schema draft 4
// (API Gateway validates with a draft-4 validator). A failure answers 400
// {"message":"Invalid request body"} through BAD_REQUEST_BODY [D], with
// the details in $context.error.validationErrorString. The detail texts
// follow the wording of the Java validator API Gateway uses [?]; clients
// see them only through a customized gateway response.
//
// Everything is prepared when the deployment is compiled: schemas are
// parsed, references to other models of the API
// (https://apigateway.amazonaws.com/restapis/{id}/models/{name}) are
// resolved to those models, and patterns are compiled.

// model is one compiled model schema.
type model struct {
	name   string
	root   any
	models map[string]*model // the API's models, for $ref
	res    map[string]*regexp.Regexp
	err    error // the schema did not parse
}

// defaultModels are AWS's Empty and Error models, for APIs whose snapshot
// does not list them (the control plane materialises them lazily).
var defaultModels = map[string]string{
	"Empty": `{"$schema": "http://json-schema.org/draft-04/schema#", "title": "Empty Schema", "type": "object"}`,
	"Error": `{"$schema": "http://json-schema.org/draft-04/schema#", "title": "Error Schema", "type": "object", "properties": {"message": {"type": "string"}}}`,
}

// compileModels compiles every model of a snapshot.
func compileModels(src map[string]api.Model) map[string]*model {
	all := make(map[string]*model, len(src)+2)
	add := func(name, schema string) {
		m := &model{name: name, models: all, res: map[string]*regexp.Regexp{}}
		var v any
		dec := json.NewDecoder(strings.NewReader(schema))
		dec.UseNumber()
		if err := dec.Decode(&v); err != nil {
			m.err = fmt.Errorf("model %s: schema is not JSON: %v", name, err)
		} else {
			m.root = v
			m.collectPatterns(v, 0)
		}
		all[name] = m
	}
	for name, m := range src {
		add(name, str(m.Schema))
	}
	for name, schema := range defaultModels {
		if _, ok := all[name]; !ok {
			add(name, schema)
		}
	}
	return all
}

// collectPatterns compiles every "pattern" and "patternProperties" regular
// expression of a schema once.
func (m *model) collectPatterns(v any, depth int) {
	if depth > 64 {
		return
	}
	switch x := v.(type) {
	case map[string]any:
		if p, ok := x["pattern"].(string); ok {
			m.compilePattern(p)
		}
		if pp, ok := x["patternProperties"].(map[string]any); ok {
			for p := range pp {
				m.compilePattern(p)
			}
		}
		for _, c := range x {
			m.collectPatterns(c, depth+1)
		}
	case []any:
		for _, c := range x {
			m.collectPatterns(c, depth+1)
		}
	}
}

// compilePattern compiles an ECMA 262 pattern (searched, not anchored).
func (m *model) compilePattern(p string) {
	if _, ok := m.res[p]; ok {
		return
	}
	src, err := javaregex.Translate(p)
	if err != nil {
		src = p
	}
	re, err := regexp.Compile(src)
	if err != nil {
		re = nil
	}
	m.res[p] = re
}

// validateBody checks body against the model. It returns nil when the
// body is valid, else the validation messages.
func (m *model) validateBody(body []byte) []string {
	body = bytes.TrimSpace(body)
	if len(body) == 0 {
		body = []byte("{}") // an absent body is validated as {} [?]
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var doc any
	if err := dec.Decode(&doc); err != nil || dec.More() {
		return []string{"Invalid JSON in request body"}
	}
	v := &validator{m: m}
	v.check(doc, m.root, m, 0)
	return v.errs
}

type validator struct {
	m    *model
	errs []string
}

func (v *validator) fail(format string, args ...any) {
	v.errs = append(v.errs, fmt.Sprintf(format, args...))
}

// sub validates against a schema without recording errors, for anyOf,
// oneOf and not.
func (v *validator) sub(doc, schema any, owner *model, depth int) bool {
	s := &validator{m: v.m}
	s.check(doc, schema, owner, depth)
	return len(s.errs) == 0
}

// check validates doc against schema; owner is the model whose document
// the schema belongs to (for local "#/..." references).
func (v *validator) check(doc, schema any, owner *model, depth int) {
	if depth > 64 {
		v.fail("schema nesting too deep")
		return
	}
	s, ok := schema.(map[string]any)
	if !ok {
		return // true/anything else: no constraint
	}
	if ref, ok := s["$ref"].(string); ok {
		target, towner := v.resolve(ref, owner)
		if target == nil {
			v.fail("unresolvable reference %q", ref)
			return
		}
		v.check(doc, target, towner, depth+1)
		return
	}
	if t, ok := s["type"]; ok {
		if !typeMatches(doc, t) {
			v.fail("instance type (%s) does not match any allowed primitive type (allowed: %s)", jsonType(doc), jsonList(t))
			return
		}
	}
	if e, ok := s["enum"].([]any); ok {
		found := false
		for _, c := range e {
			if jsonEqual(doc, c) {
				found = true
				break
			}
		}
		if !found {
			v.fail("instance value (%s) not found in enum (possible values: %s)", compactJSON(doc), compactJSON(e))
		}
	}
	switch x := doc.(type) {
	case json.Number:
		v.checkNumber(x, s)
	case string:
		v.checkString(x, s, owner)
	case []any:
		v.checkArray(x, s, owner, depth)
	case map[string]any:
		v.checkObject(x, s, owner, depth)
	}
	if all, ok := s["allOf"].([]any); ok {
		n := 0
		for _, c := range all {
			if v.sub(doc, c, owner, depth+1) {
				n++
			}
		}
		if n != len(all) {
			v.fail("instance failed to match all required schemas (matched only %d out of %d)", n, len(all))
		}
	}
	if anyOf, ok := s["anyOf"].([]any); ok {
		matched := false
		for _, c := range anyOf {
			if v.sub(doc, c, owner, depth+1) {
				matched = true
				break
			}
		}
		if !matched {
			v.fail("instance failed to match at least one required schema among %d", len(anyOf))
		}
	}
	if oneOf, ok := s["oneOf"].([]any); ok {
		n := 0
		for _, c := range oneOf {
			if v.sub(doc, c, owner, depth+1) {
				n++
			}
		}
		if n != 1 {
			v.fail("instance failed to match exactly one schema (matched %d out of %d)", n, len(oneOf))
		}
	}
	if not, ok := s["not"]; ok {
		if v.sub(doc, not, owner, depth+1) {
			v.fail("instance matched a schema which it should not have")
		}
	}
}

// resolve follows a $ref: another model of the API by its URL, or a JSON
// pointer into the owner's document.
func (v *validator) resolve(ref string, owner *model) (any, *model) {
	if i := strings.Index(ref, "/models/"); i >= 0 && !strings.HasPrefix(ref, "#") {
		name, frag, _ := strings.Cut(ref[i+len("/models/"):], "#")
		m := owner.models[name]
		if m == nil || m.err != nil {
			return nil, nil
		}
		if frag == "" {
			return m.root, m
		}
		return pointer(m.root, frag), m
	}
	if strings.HasPrefix(ref, "#") {
		return pointer(owner.root, ref[1:]), owner
	}
	return nil, nil
}

// pointer evaluates a JSON pointer ("/definitions/x").
func pointer(doc any, p string) any {
	if p == "" {
		return doc
	}
	cur := doc
	for _, tok := range strings.Split(strings.TrimPrefix(p, "/"), "/") {
		tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
		switch x := cur.(type) {
		case map[string]any:
			cur = x[tok]
		case []any:
			i, err := strconv.Atoi(tok)
			if err != nil || i < 0 || i >= len(x) {
				return nil
			}
			cur = x[i]
		default:
			return nil
		}
	}
	return cur
}

func (v *validator) checkNumber(n json.Number, s map[string]any) {
	f, _ := n.Float64()
	if min, ok := num(s["minimum"]); ok {
		if excl, _ := s["exclusiveMinimum"].(bool); excl && f <= min {
			v.fail("numeric instance is not strictly greater than the required minimum %s", fmtNum(min))
		} else if f < min {
			v.fail("numeric instance is lower than the required minimum (minimum: %s, found: %s)", fmtNum(min), n)
		}
	}
	if max, ok := num(s["maximum"]); ok {
		if excl, _ := s["exclusiveMaximum"].(bool); excl && f >= max {
			v.fail("numeric instance is not strictly lower than the required maximum %s", fmtNum(max))
		} else if f > max {
			v.fail("numeric instance is greater than the required maximum (maximum: %s, found: %s)", fmtNum(max), n)
		}
	}
	if mo, ok := num(s["multipleOf"]); ok && mo > 0 {
		q := f / mo
		if math.Abs(q-math.Round(q)) > 1e-9 {
			v.fail("remainder of division is not zero (%s / %s)", n, fmtNum(mo))
		}
	}
}

func (v *validator) checkString(x string, s map[string]any, owner *model) {
	n := utf8.RuneCountInString(x)
	if min, ok := num(s["minLength"]); ok && float64(n) < min {
		v.fail("string %s is too short (length: %d, required minimum: %s)", compactJSON(x), n, fmtNum(min))
	}
	if max, ok := num(s["maxLength"]); ok && float64(n) > max {
		v.fail("string %s is too long (length: %d, maximum allowed: %s)", compactJSON(x), n, fmtNum(max))
	}
	if p, ok := s["pattern"].(string); ok {
		if re := owner.res[p]; re != nil && !re.MatchString(x) {
			v.fail("ECMA 262 regex %s does not match input string %s", compactJSON(p), compactJSON(x))
		}
	}
}

func (v *validator) checkArray(x []any, s map[string]any, owner *model, depth int) {
	if min, ok := num(s["minItems"]); ok && float64(len(x)) < min {
		v.fail("array is too short: must have at least %s elements but instance has %d elements", fmtNum(min), len(x))
	}
	if max, ok := num(s["maxItems"]); ok && float64(len(x)) > max {
		v.fail("array is too long: must have at most %s elements but instance has %d elements", fmtNum(max), len(x))
	}
	if u, _ := s["uniqueItems"].(bool); u {
	dup:
		for i := range x {
			for j := i + 1; j < len(x); j++ {
				if jsonEqual(x[i], x[j]) {
					v.fail("array must not contain duplicate elements")
					break dup
				}
			}
		}
	}
	switch items := s["items"].(type) {
	case map[string]any:
		for _, e := range x {
			v.check(e, items, owner, depth+1)
		}
	case []any:
		for i, e := range x {
			if i < len(items) {
				v.check(e, items[i], owner, depth+1)
				continue
			}
			switch add := s["additionalItems"].(type) {
			case bool:
				if !add {
					v.fail("array instance has more elements than the schema allows (found %d, maximum %d)", len(x), len(items))
					return
				}
			case map[string]any:
				v.check(e, add, owner, depth+1)
			}
		}
	}
}

func (v *validator) checkObject(x map[string]any, s map[string]any, owner *model, depth int) {
	if req, ok := s["required"].([]any); ok {
		var missing []string
		for _, r := range req {
			if name, ok := r.(string); ok {
				if _, has := x[name]; !has {
					missing = append(missing, name)
				}
			}
		}
		if len(missing) > 0 {
			sort.Strings(missing)
			v.fail("object has missing required properties (%s)", compactJSON(missing))
		}
	}
	if min, ok := num(s["minProperties"]); ok && float64(len(x)) < min {
		v.fail("object has too few properties (found %d but schema requires at least %s)", len(x), fmtNum(min))
	}
	if max, ok := num(s["maxProperties"]); ok && float64(len(x)) > max {
		v.fail("object has too many properties (found %d but schema requires at most %s)", len(x), fmtNum(max))
	}
	props, _ := s["properties"].(map[string]any)
	pats, _ := s["patternProperties"].(map[string]any)
	keys := make([]string, 0, len(x))
	for k := range x {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var extra []string
	for _, k := range keys {
		matched := false
		if ps, ok := props[k]; ok {
			matched = true
			v.check(x[k], ps, owner, depth+1)
		}
		for p, ps := range pats {
			if re := owner.res[p]; re != nil && re.MatchString(k) {
				matched = true
				v.check(x[k], ps, owner, depth+1)
			}
		}
		if !matched {
			switch add := s["additionalProperties"].(type) {
			case bool:
				if !add {
					extra = append(extra, k)
				}
			case map[string]any:
				v.check(x[k], add, owner, depth+1)
			}
		}
	}
	if len(extra) > 0 {
		v.fail("object instance has properties which are not allowed by the schema: %s", compactJSON(extra))
	}
	if deps, ok := s["dependencies"].(map[string]any); ok {
		for k, d := range deps {
			if _, has := x[k]; !has {
				continue
			}
			switch dd := d.(type) {
			case []any:
				var missing []string
				for _, r := range dd {
					if name, ok := r.(string); ok {
						if _, has := x[name]; !has {
							missing = append(missing, name)
						}
					}
				}
				if len(missing) > 0 {
					v.fail("property %s requires properties %s which are missing", compactJSON(k), compactJSON(missing))
				}
			case map[string]any:
				v.check(x, dd, owner, depth+1)
			}
		}
	}
}

// jsonType names a JSON value's type as draft 4 does.
func jsonType(doc any) string {
	switch x := doc.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case json.Number:
		if isInteger(x) {
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
	return !strings.ContainsAny(string(n), ".eE")
}

func typeMatches(doc, t any) bool {
	actual := jsonType(doc)
	match := func(name string) bool {
		return name == actual || (name == "number" && actual == "integer")
	}
	switch x := t.(type) {
	case string:
		return match(x)
	case []any:
		for _, e := range x {
			if s, ok := e.(string); ok && match(s) {
				return true
			}
		}
		return false
	}
	return true
}

// jsonList renders a type keyword as the validator lists it: ["integer"].
func jsonList(t any) string {
	if s, ok := t.(string); ok {
		return compactJSON([]string{s})
	}
	return compactJSON(t)
}

func jsonEqual(a, b any) bool {
	switch x := a.(type) {
	case json.Number:
		y, ok := b.(json.Number)
		if !ok {
			return false
		}
		fx, _ := x.Float64()
		fy, _ := y.Float64()
		return fx == fy
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !jsonEqual(x[i], y[i]) {
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
			if !ok || !jsonEqual(xv, yv) {
				return false
			}
		}
		return true
	}
	return a == b
}

func num(v any) (float64, bool) {
	n, ok := v.(json.Number)
	if !ok {
		return 0, false
	}
	f, err := n.Float64()
	return f, err == nil
}

func fmtNum(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

func compactJSON(v any) string {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return fmt.Sprint(v)
	}
	return strings.TrimSuffix(buf.String(), "\n")
}
