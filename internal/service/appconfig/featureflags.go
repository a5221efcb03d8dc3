package appconfig

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/big"
	"regexp"
	"sort"
	"strconv"
	"unicode/utf8"

	"github.com/stagecraft/stagecraft/internal/jsonschema"
)

// Feature flags (AWS.AppConfig.FeatureFlags): the stored ("deployment
// time") document is checked against AWS's published feature-flag schema
// when a hosted version is created and again at StartDeployment, and
// rendered to the flat retrieval format the data plane serves.
//
// The checks follow the schema in AWS's "Type reference for
// AWS.AppConfig.FeatureFlags": version "1"; flags and values keyed by
// ^[a-z][a-zA-Z\d_-]{0,63}$; no members beyond the documented ones at any
// level; attribute definitions with number/string/array/boolean
// constraints. The published schema states three limits in ways a
// standards-compliant validator ignores (≤100 enum items and ≤32 variants
// as "maxLength" on arrays, ≤25 attributes on a flag value as
// "maxProperties" on each attribute value); they are enforced as intended.
// Beyond the schema, attribute values are checked against their flag's
// constraints, and a required attribute must be present when the flag is
// enabled. Values without a flag definition (and the reverse) are
// accepted.

var flagKeyRE = regexp.MustCompile(`^[a-z][a-zA-Z\d_-]{0,63}$`)

// ffErrors collects feature-flag validation failures.
type ffErrors []configError

func (e *ffErrors) add(loc, constraint string, val any, format string, args ...any) {
	if loc == "" {
		loc = "/"
	}
	*e = append(*e, configError{Location: loc, Keyword: constraint, Message: fmt.Sprintf(format, args...), Value: short(val)})
}

func ptrPath(base, k string) string { return base + "/" + k }

// onlyKeys reports members of o that are not allowed.
func (e *ffErrors) onlyKeys(o map[string]any, loc string, allowed ...string) {
	for k := range o {
		ok := false
		for _, a := range allowed {
			if k == a {
				ok = true
				break
			}
		}
		if !ok {
			e.add(ptrPath(loc, k), "additionalProperties", o[k], "property %s is not allowed", k)
		}
	}
}

func asObject(e *ffErrors, v any, loc string) (map[string]any, bool) {
	o, ok := v.(map[string]any)
	if !ok {
		e.add(loc, "type", v, "expected type object")
	}
	return o, ok
}

func isNumber(v any) bool { _, ok := v.(json.Number); return ok }

func numberRat(v any) (*big.Rat, bool) {
	n, ok := v.(json.Number)
	if !ok {
		return nil, false
	}
	return new(big.Rat).SetString(string(n))
}

func isIntNumber(v any) bool {
	r, ok := numberRat(v)
	return ok && r.IsInt()
}

func (e *ffErrors) str(v any, loc string, max int) (string, bool) {
	s, ok := v.(string)
	if !ok {
		e.add(loc, "type", v, "expected type string")
		return "", false
	}
	if max >= 0 && utf8.RuneCountInString(s) > max {
		e.add(loc, "maxLength", v, "string is longer than the maximum length %d", max)
	}
	return s, true
}

// validateFeatureFlags checks a stored feature-flag document.
func validateFeatureFlags(content []byte) []configError {
	var e ffErrors
	doc, err := jsonschema.Parse(content)
	if err != nil {
		e.add("/", "type", nil, "configuration data is not valid JSON: %v", err)
		return e
	}
	root, ok := asObject(&e, doc, "")
	if !ok {
		return e
	}
	e.onlyKeys(root, "", "version", "flags", "values")
	if v, ok := root["version"]; !ok {
		e.add("/", "required", root, "required property version is missing")
	} else if s, ok := v.(string); !ok || s != "1" {
		e.add("/version", "enum", v, `version must be "1"`)
	}
	defs := map[string]map[string]any{} // flag → attribute definitions
	if f, ok := root["flags"]; ok {
		if flags, ok := asObject(&e, f, "/flags"); ok {
			for k, fv := range flags {
				loc := "/flags/" + k
				if !flagKeyRE.MatchString(k) {
					e.add(loc, "pattern", k, "flag key %s does not match %s", k, flagKeyRE.String())
				}
				if attrs := e.flagDefinition(fv, loc); attrs != nil {
					defs[k] = attrs
				}
			}
		}
	}
	if vs, ok := root["values"]; ok {
		if values, ok := asObject(&e, vs, "/values"); ok {
			for k, vv := range values {
				loc := "/values/" + k
				if !flagKeyRE.MatchString(k) {
					e.add(loc, "pattern", k, "flag key %s does not match %s", k, flagKeyRE.String())
				}
				e.flagValue(vv, loc, defs[k])
			}
		}
	}
	sort.SliceStable(e, func(i, j int) bool {
		if e[i].Location != e[j].Location {
			return e[i].Location < e[j].Location
		}
		return e[i].Message < e[j].Message
	})
	return e
}

// flagDefinition checks one entry of "flags" and returns its attribute
// definitions (attribute name → definition object).
func (e *ffErrors) flagDefinition(v any, loc string) map[string]any {
	o, ok := asObject(e, v, loc)
	if !ok {
		return nil
	}
	e.onlyKeys(o, loc, "name", "description", "_createdAt", "_updatedAt", "_deprecation", "attributes")
	if n, ok := o["name"]; !ok {
		e.add(loc, "required", o, "required property name is missing")
	} else if s, ok := e.str(n, loc+"/name", 64); ok {
		if s == "" {
			e.add(loc+"/name", "minLength", n, "string is shorter than the minimum length 1")
		}
		if bytes.ContainsAny([]byte(s), "\n") {
			e.add(loc+"/name", "pattern", n, "name must not contain a newline")
		}
	}
	if d, ok := o["description"]; ok {
		e.str(d, loc+"/description", 1024)
	}
	for _, k := range []string{"_createdAt", "_updatedAt"} {
		if d, ok := o[k]; ok {
			e.str(d, loc+"/"+k, -1)
		}
	}
	if d, ok := o["_deprecation"]; ok {
		if dep, ok := asObject(e, d, loc+"/_deprecation"); ok {
			e.onlyKeys(dep, loc+"/_deprecation", "status", "date")
			if st, ok := dep["status"]; !ok {
				e.add(loc+"/_deprecation", "required", dep, "required property status is missing")
			} else if s, ok := st.(string); !ok || s != "planned" {
				e.add(loc+"/_deprecation/status", "enum", st, `status must be "planned"`)
			}
			if dt, ok := dep["date"]; ok {
				e.str(dt, loc+"/_deprecation/date", -1)
			}
		}
	}
	a, ok := o["attributes"]
	if !ok {
		return nil
	}
	attrs, ok := asObject(e, a, loc+"/attributes")
	if !ok {
		return nil
	}
	if len(attrs) > 25 {
		e.add(loc+"/attributes", "maxProperties", nil, "a flag has at most 25 attributes")
	}
	for k, ad := range attrs {
		al := loc + "/attributes/" + k
		if !flagKeyRE.MatchString(k) {
			e.add(al, "pattern", k, "attribute key %s does not match %s", k, flagKeyRE.String())
		}
		def, ok := asObject(e, ad, al)
		if !ok {
			continue
		}
		e.onlyKeys(def, al, "description", "constraints")
		if d, ok := def["description"]; ok {
			e.str(d, al+"/description", 1024)
		}
		if c, ok := def["constraints"]; ok {
			e.constraint(c, al+"/constraints", false)
		}
	}
	return attrs
}

// constraint checks an attribute constraint definition.
func (e *ffErrors) constraint(v any, loc string, element bool) {
	c, ok := asObject(e, v, loc)
	if !ok {
		return
	}
	t, _ := c["type"].(string)
	allowed := map[string][]string{
		"number":  {"type", "required", "minimum", "maximum"},
		"string":  {"type", "required", "pattern", "enum"},
		"array":   {"type", "required", "elements"},
		"boolean": {"type", "required"},
	}
	keys, known := allowed[t]
	if !known || (element && (t == "array" || t == "boolean")) {
		e.add(loc+"/type", "enum", c["type"], "constraint type must be one of number, string, array, boolean")
		return
	}
	if element {
		keys = slicesWithout(keys, "required")
	}
	e.onlyKeys(c, loc, keys...)
	if r, ok := c["required"]; ok {
		if _, ok := r.(bool); !ok {
			e.add(loc+"/required", "type", r, "expected type boolean")
		}
	}
	switch t {
	case "number":
		for _, k := range []string{"minimum", "maximum"} {
			if b, ok := c[k]; ok && !isIntNumber(b) {
				e.add(loc+"/"+k, "type", b, "expected type integer")
			}
		}
	case "string":
		_, hasP := c["pattern"]
		_, hasE := c["enum"]
		if hasP && hasE {
			e.add(loc, "oneOf", nil, "pattern and enum are mutually exclusive")
		}
		if p, ok := c["pattern"]; ok {
			if s, ok := e.str(p, loc+"/pattern", 1024); ok {
				if _, err := regexp.Compile(s); err != nil {
					e.add(loc+"/pattern", "format", p, "pattern is not a valid regular expression")
				}
			}
		}
		if en, ok := c["enum"]; ok {
			list, ok := en.([]any)
			if !ok {
				e.add(loc+"/enum", "type", en, "expected type array")
			} else {
				if len(list) == 0 || len(list) > 100 {
					e.add(loc+"/enum", "maxItems", nil, "enum must have 1 to 100 items")
				}
				for i, x := range list {
					il := loc + "/enum/" + strconv.Itoa(i)
					if s, ok := x.(string); ok {
						if utf8.RuneCountInString(s) > 1024 {
							e.add(il, "maxLength", x, "string is longer than the maximum length 1024")
						}
					} else if !isIntNumber(x) {
						e.add(il, "type", x, "expected type string or integer")
					}
				}
			}
		}
	case "array":
		if el, ok := c["elements"]; ok {
			e.constraint(el, loc+"/elements", true)
		}
	}
}

func slicesWithout(l []string, x string) []string {
	var out []string
	for _, s := range l {
		if s != x {
			out = append(out, s)
		}
	}
	return out
}

// flagValue checks one entry of "values" against the schema and, when the
// flag defines attributes, against their constraints.
func (e *ffErrors) flagValue(v any, loc string, defs map[string]any) {
	o, ok := asObject(e, v, loc)
	if !ok {
		return
	}
	enabled := false
	if en, ok := o["enabled"]; !ok {
		e.add(loc, "required", o, "required property enabled is missing")
	} else if b, ok := en.(bool); !ok {
		e.add(loc+"/enabled", "type", en, "expected type boolean")
	} else {
		enabled = b
	}
	attrCount := 0
	for k, x := range o {
		kl := loc + "/" + k
		switch k {
		case "enabled":
		case "_createdAt", "_updatedAt":
			e.str(x, kl, -1)
		case "_variants":
			e.variants(x, kl)
		default:
			if !flagKeyRE.MatchString(k) {
				e.add(kl, "additionalProperties", x, "property %s is not allowed", k)
				continue
			}
			attrCount++
			e.attributeValue(x, kl)
		}
	}
	if attrCount > 25 {
		e.add(loc, "maxProperties", nil, "a flag value has at most 25 attributes")
	}
	for name, d := range defs {
		def, _ := d.(map[string]any)
		c, _ := def["constraints"].(map[string]any)
		if c == nil {
			continue
		}
		val, present := o[name]
		if !present {
			if req, _ := c["required"].(bool); req && enabled {
				e.add(loc, "required", o, "required attribute %s is missing", name)
			}
			continue
		}
		e.satisfies(val, c, loc+"/"+name)
	}
}

// attributeValue checks the schema's shape of an attribute value.
func (e *ffErrors) attributeValue(x any, loc string) {
	switch v := x.(type) {
	case string:
		e.str(v, loc, 1024)
	case bool, json.Number:
	case []any:
		kind := ""
		for i, el := range v {
			il := loc + "/" + strconv.Itoa(i)
			k := ""
			switch el.(type) {
			case string:
				k = "string"
				e.str(el, il, 1024)
			case json.Number:
				k = "number"
			default:
				e.add(il, "type", el, "array elements must be strings or numbers")
				continue
			}
			if kind == "" {
				kind = k
			} else if k != kind {
				e.add(il, "type", el, "array elements must all be of one type")
			}
		}
	default:
		e.add(loc, "type", x, "attribute values must be a string, number, boolean or array")
	}
}

func (e *ffErrors) variants(x any, loc string) {
	list, ok := x.([]any)
	if !ok {
		e.add(loc, "type", x, "expected type array")
		return
	}
	if len(list) > 32 {
		e.add(loc, "maxItems", nil, "a flag has at most 32 variants")
	}
	for i, it := range list {
		il := loc + "/" + strconv.Itoa(i)
		v, ok := asObject(e, it, il)
		if !ok {
			continue
		}
		e.onlyKeys(v, il, "name", "enabled", "rule", "attributeValues")
		if n, ok := v["name"]; !ok {
			e.add(il, "required", v, "required property name is missing")
		} else {
			e.str(n, il+"/name", 64)
		}
		if en, ok := v["enabled"]; !ok {
			e.add(il, "required", v, "required property enabled is missing")
		} else if _, ok := en.(bool); !ok {
			e.add(il+"/enabled", "type", en, "expected type boolean")
		}
		if r, ok := v["rule"]; ok {
			e.str(r, il+"/rule", 16384)
		}
		if av, ok := v["attributeValues"]; ok {
			if avs, ok := asObject(e, av, il+"/attributeValues"); ok {
				if len(avs) > 25 {
					e.add(il+"/attributeValues", "maxProperties", nil, "a variant has at most 25 attribute values")
				}
				for k, a := range avs {
					e.attributeValue(a, il+"/attributeValues/"+k)
				}
			}
		}
	}
}

// satisfies checks an attribute value against its constraint.
func (e *ffErrors) satisfies(val any, c map[string]any, loc string) {
	switch t, _ := c["type"].(string); t {
	case "number":
		r, ok := numberRat(val)
		if !ok {
			e.add(loc, "type", val, "expected type number")
			return
		}
		if m, ok := numberRat(c["minimum"]); ok && r.Cmp(m) < 0 {
			e.add(loc, "minimum", val, "value is less than the minimum %s", c["minimum"])
		}
		if m, ok := numberRat(c["maximum"]); ok && r.Cmp(m) > 0 {
			e.add(loc, "maximum", val, "value is greater than the maximum %s", c["maximum"])
		}
	case "string":
		s, ok := val.(string)
		if !ok {
			e.add(loc, "type", val, "expected type string")
			return
		}
		if p, ok := c["pattern"].(string); ok {
			if re, err := regexp.Compile(p); err == nil && !re.MatchString(s) {
				e.add(loc, "pattern", val, "string does not match the pattern %s", p)
			}
		}
		if en, ok := c["enum"].([]any); ok {
			found := false
			for _, x := range en {
				if xs, ok := x.(string); ok && xs == s {
					found = true
				} else if n, ok := x.(json.Number); ok && string(n) == s {
					found = true
				}
			}
			if !found {
				e.add(loc, "enum", val, "value is not one of the allowed values")
			}
		}
	case "boolean":
		if _, ok := val.(bool); !ok {
			e.add(loc, "type", val, "expected type boolean")
		}
	case "array":
		list, ok := val.([]any)
		if !ok {
			e.add(loc, "type", val, "expected type array")
			return
		}
		if el, ok := c["elements"].(map[string]any); ok {
			for i, x := range list {
				e.satisfies(x, el, loc+"/"+strconv.Itoa(i))
			}
		}
	}
}

// renderFeatureFlags turns a (valid) stored feature-flag document into the
// retrieval format: one flat object, flag key → {"enabled": …} plus the
// attribute values when enabled (and _variants, passed through for agents
// that evaluate multi-variant flags). Bookkeeping members are dropped; a
// flag defined without a value is {"enabled": false}. Keys follow "flags"
// order, then any extra "values" keys, in document order.
func renderFeatureFlags(content []byte) ([]byte, error) {
	var root map[string]json.RawMessage
	if err := json.Unmarshal(content, &root); err != nil {
		return nil, err
	}
	flagOrder := objectKeys(root["flags"])
	var values map[string]json.RawMessage
	if len(root["values"]) > 0 {
		if err := json.Unmarshal(root["values"], &values); err != nil {
			return nil, err
		}
	}
	order := append([]string(nil), flagOrder...)
	seen := map[string]bool{}
	for _, k := range flagOrder {
		seen[k] = true
	}
	for _, k := range objectKeys(root["values"]) {
		if !seen[k] {
			order = append(order, k)
			seen[k] = true
		}
	}
	var b bytes.Buffer
	b.WriteByte('{')
	for i, k := range order {
		if i > 0 {
			b.WriteByte(',')
		}
		writeKey(&b, k)
		raw, ok := values[k]
		if !ok {
			b.WriteString(`{"enabled":false}`)
			continue
		}
		var v map[string]json.RawMessage
		if err := json.Unmarshal(raw, &v); err != nil {
			return nil, err
		}
		enabled := string(bytes.TrimSpace(v["enabled"])) == "true"
		b.WriteString(`{"enabled":`)
		b.WriteString(strconv.FormatBool(enabled))
		if enabled {
			for _, ak := range objectKeys(raw) {
				switch ak {
				case "enabled", "_createdAt", "_updatedAt":
					continue
				}
				b.WriteByte(',')
				writeKey(&b, ak)
				var c bytes.Buffer
				if err := json.Compact(&c, v[ak]); err != nil {
					return nil, err
				}
				b.Write(c.Bytes())
			}
		}
		b.WriteByte('}')
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

func writeKey(b *bytes.Buffer, k string) {
	kb, _ := json.Marshal(k)
	b.Write(kb)
	b.WriteByte(':')
}

// objectKeys returns the member names of a JSON object in document order.
func objectKeys(raw json.RawMessage) []string {
	if len(raw) == 0 {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil
	}
	var keys []string
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return keys
		}
		k, _ := t.(string)
		keys = append(keys, k)
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return keys
		}
	}
	return keys
}
