package appconfig

import (
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/stagecraft/stagecraft/internal/jsonschema"
)

// JSON_SCHEMA validators: AppConfig's documentation and examples use
// draft-04 ("$schema": "http://json-schema.org/draft-04/schema#"); the
// validator (internal/jsonschema) also accepts the compatible additions of
// drafts 06/07, compares numbers exactly and resolves local "$ref"s only.
// Patterns are Go (RE2) regular expressions. This file words the
// failures.

// configError is one problem found in configuration data.
type configError struct {
	// Location is the JSON pointer of the failing value ("" for the root).
	Location string
	// Keyword is the schema keyword that failed ("type", "required", …).
	Keyword string
	// Message says what is wrong.
	Message string
	// Value is the failing value, JSON-encoded (shortened when long).
	Value string
}

func (e configError) String() string { return orSlash(e.Location) + ": " + e.Message }

// compileValidator checks and compiles a JSON_SCHEMA validator's content.
func compileValidator(b []byte) (*jsonschema.Schema, error) {
	doc, err := jsonschema.Parse(b)
	if err != nil {
		return nil, fmt.Errorf("invalid JSON: %v", err)
	}
	probs := jsonschema.Check(doc, jsonschema.CheckOptions{
		Pattern: func(p string) error {
			if _, err := regexp.Compile(p); err != nil {
				return fmt.Errorf("invalid pattern %q", p)
			}
			return nil
		},
		Ref: func(ref string) error {
			if ref == "#" || ref == "" {
				return nil
			}
			if !strings.HasPrefix(ref, "#/") {
				return fmt.Errorf("unsupported $ref %q (only local references are supported)", ref)
			}
			if _, ok := jsonschema.Pointer(doc, ref[1:]); !ok {
				return fmt.Errorf("unresolvable $ref %q", ref)
			}
			return nil
		},
	})
	if len(probs) > 0 {
		return nil, schemaProblem(probs[0])
	}
	return jsonschema.Compile(doc, jsonschema.Options{ExactNumbers: true}), nil
}

func schemaProblem(p jsonschema.Problem) error {
	switch p.Kind {
	case jsonschema.NotASchema:
		return fmt.Errorf("%s: a schema must be an object or a boolean", orSlash(p.Path))
	case jsonschema.BadPattern, jsonschema.BadRef:
		return fmt.Errorf("%s: %v", p.Path, p.Err)
	}
	want := "must be an object"
	switch p.Keyword {
	case "type":
		switch t := p.Value.(type) {
		case string:
			return fmt.Errorf("%s: unknown type %q", p.Path, t)
		case []any:
			return fmt.Errorf("%s: invalid type list", p.Path)
		}
		want = "must be a string or an array"
	case "pattern", "$ref":
		want = "must be a string"
	case "required", "enum":
		want = "must be an array"
	case "allOf", "anyOf", "oneOf":
		want = "must be a non-empty array"
	case "minimum", "maximum", "multipleOf", "minLength", "maxLength", "minItems", "maxItems", "minProperties", "maxProperties":
		want = "must be a number"
	}
	return fmt.Errorf("%s: %s", p.Path, want)
}

// validateSchema checks doc (as returned by jsonschema.Parse) and returns
// every failure, ordered by location.
func validateSchema(s *jsonschema.Schema, doc any) []configError {
	var out []configError
	for _, e := range s.Validate(doc) {
		out = appendConfigErrors(out, e)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Location < out[j].Location })
	return out
}

func appendConfigErrors(out []configError, e jsonschema.Error) []configError {
	add := func(loc, kw string, val any, format string, args ...any) {
		out = append(out, configError{Location: loc, Keyword: kw, Message: fmt.Sprintf(format, args...), Value: short(val)})
	}
	loc, kw, doc := e.InstancePath, e.Keyword, e.Instance
	switch kw {
	case "allOf":
		for _, c := range e.Causes {
			out = appendConfigErrors(out, c)
		}
	case "depth":
		add(loc, "$ref", doc, "schema recursion is too deep")
	case "$ref":
		add(loc, kw, doc, "unresolvable $ref %q", e.Limit)
	case "false":
		add(loc, kw, doc, "no value is allowed here")
	case "type":
		var names []string
		switch t := e.Limit.(type) {
		case string:
			names = []string{t}
		case []any:
			for _, x := range t {
				s, _ := x.(string)
				names = append(names, s)
			}
		}
		add(loc, kw, doc, "expected type %s but found %s", strings.Join(names, " or "), e.Type)
	case "enum":
		add(loc, kw, doc, "value is not one of the allowed values %s", short(e.Limit))
	case "const":
		add(loc, kw, doc, "value must be %s", short(e.Limit))
	case "minimum", "maximum":
		excl := ""
		if e.Exclusive {
			excl = " (exclusive)"
		}
		what := map[string]string{"minimum": "less than the minimum", "maximum": "greater than the maximum"}[kw]
		add(loc, kw, doc, "value %s is %s %s%s", numText(doc), what, e.Limit, excl)
	case "exclusiveMinimum":
		add(loc, kw, doc, "value %s must be greater than %s", numText(doc), e.Limit)
	case "exclusiveMaximum":
		add(loc, kw, doc, "value %s must be less than %s", numText(doc), e.Limit)
	case "multipleOf":
		add(loc, kw, doc, "value %s is not a multiple of %s", numText(doc), e.Limit)
	case "uniqueItems":
		add(loc, kw, doc, "array items %d and %d are equal", e.Items[0], e.Items[1])
	case "additionalItems":
		a, _ := doc.([]any)
		n, _ := e.Limit.(int)
		for i := n; i < len(a); i++ {
			add(loc+"/"+strconv.Itoa(i), "false", a[i], "no value is allowed here")
		}
	case "required":
		for _, name := range e.Names {
			add(loc, kw, doc, "required property %s is missing", name)
		}
	case "additionalProperties":
		o, _ := doc.(map[string]any)
		for _, k := range e.Names {
			add(loc+"/"+pointerToken(k), kw, o[k], "property %s is not allowed", k)
		}
	case "dependencies":
		for _, name := range e.Names {
			add(loc, kw, doc, "property %s requires property %s", e.Property, name)
		}
	case "oneOf":
		add(loc, kw, doc, "value matches %d of the schemas in oneOf, expected exactly 1", e.Count)
	default:
		if f, ok := limitMessages[kw]; ok {
			add(loc, kw, doc, f, e.Limit)
		} else {
			add(loc, kw, doc, "%s", orDefault(plainMessages[kw], "value does not satisfy "+kw))
		}
	}
	return out
}

// limitMessages word the failures whose only detail is the keyword's
// value.
var limitMessages = map[string]string{
	"minLength":     "string is shorter than the minimum length %s",
	"maxLength":     "string is longer than the maximum length %s",
	"pattern":       "string does not match the pattern %s",
	"format":        "string is not a valid %s",
	"minItems":      "array has fewer than %s items",
	"maxItems":      "array has more than %s items",
	"minProperties": "object has fewer than %s properties",
	"maxProperties": "object has more than %s properties",
}

// plainMessages word the failures without details.
var plainMessages = map[string]string{
	"contains": "array does not contain a matching item",
	"anyOf":    "value does not match any of the schemas in anyOf",
	"not":      "value must not match the schema in not",
}

func pointerToken(k string) string {
	return strings.ReplaceAll(strings.ReplaceAll(k, "~", "~0"), "/", "~1")
}

// short JSON-encodes a failing value, shortened when long.
func short(val any) string {
	b, _ := json.Marshal(val)
	s := string(b)
	if len(s) > 256 {
		s = s[:253] + "..."
	}
	return s
}

func numText(x any) string {
	if n, ok := x.(json.Number); ok {
		return string(n)
	}
	return fmt.Sprint(x)
}
