package dataplane

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	api "github.com/stagecraft/stagecraft/internal/api/apigateway"
	"github.com/stagecraft/stagecraft/internal/javaregex"
	"github.com/stagecraft/stagecraft/internal/jsonschema"
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
// parsed and compiled (internal/jsonschema, draft-4 dialect), references to
// other models of the API
// (https://apigateway.amazonaws.com/restapis/{id}/models/{name}) are
// resolved to those models, and patterns are compiled.

// model is one compiled model schema.
type model struct {
	name   string
	schema *jsonschema.Schema
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
	opts := jsonschema.Options{
		Draft4:  true,
		Pattern: ecmaPattern,
		// Another model of the API, by its URL.
		Resolve: func(ref string) (*jsonschema.Schema, string) {
			i := strings.Index(ref, "/models/")
			if i < 0 {
				return nil, ""
			}
			name, frag, _ := strings.Cut(ref[i+len("/models/"):], "#")
			if m := all[name]; m != nil && m.err == nil {
				return m.schema, frag
			}
			return nil, ""
		},
	}
	add := func(name, schema string) {
		m := &model{name: name}
		if v, err := jsonschema.Parse([]byte(schema)); err != nil {
			m.err = fmt.Errorf("model %s: schema is not JSON: %v", name, err)
		} else {
			m.schema = jsonschema.Compile(v, opts)
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

// ecmaPattern compiles an ECMA 262 pattern (searched, not anchored); one
// that does not translate or compile is not checked.
func ecmaPattern(p string) (*regexp.Regexp, error) {
	src, err := javaregex.Translate(p)
	if err != nil {
		src = p
	}
	re, err := regexp.Compile(src)
	if err != nil {
		return nil, nil
	}
	return re, nil
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
	errs := m.schema.Validate(doc)
	if len(errs) == 0 {
		return nil
	}
	out := make([]string, len(errs))
	for i, e := range errs {
		out[i] = validationMessage(e)
	}
	return out
}

// validationMessage words a failure as API Gateway's (Java) validator
// does.
func validationMessage(e jsonschema.Error) string {
	switch e.Keyword {
	case "depth":
		return "schema nesting too deep"
	case "$ref":
		return fmt.Sprintf("unresolvable reference %q", e.Limit)
	case "type":
		return fmt.Sprintf("instance type (%s) does not match any allowed primitive type (allowed: %s)", e.Type, jsonList(e.Limit))
	case "enum":
		return fmt.Sprintf("instance value (%s) not found in enum (possible values: %s)", compactJSON(e.Instance), compactJSON(e.Limit))
	case "minimum":
		if e.Exclusive {
			return fmt.Sprintf("numeric instance is not strictly greater than the required minimum %s", fmtNum(e.Limit))
		}
		return fmt.Sprintf("numeric instance is lower than the required minimum (minimum: %s, found: %v)", fmtNum(e.Limit), e.Instance)
	case "maximum":
		if e.Exclusive {
			return fmt.Sprintf("numeric instance is not strictly lower than the required maximum %s", fmtNum(e.Limit))
		}
		return fmt.Sprintf("numeric instance is greater than the required maximum (maximum: %s, found: %v)", fmtNum(e.Limit), e.Instance)
	case "multipleOf":
		return fmt.Sprintf("remainder of division is not zero (%v / %s)", e.Instance, fmtNum(e.Limit))
	case "minLength":
		return fmt.Sprintf("string %s is too short (length: %d, required minimum: %s)", compactJSON(e.Instance), e.Count, fmtNum(e.Limit))
	case "maxLength":
		return fmt.Sprintf("string %s is too long (length: %d, maximum allowed: %s)", compactJSON(e.Instance), e.Count, fmtNum(e.Limit))
	case "pattern":
		return fmt.Sprintf("ECMA 262 regex %s does not match input string %s", compactJSON(e.Limit), compactJSON(e.Instance))
	case "minItems":
		return fmt.Sprintf("array is too short: must have at least %s elements but instance has %d elements", fmtNum(e.Limit), e.Count)
	case "maxItems":
		return fmt.Sprintf("array is too long: must have at most %s elements but instance has %d elements", fmtNum(e.Limit), e.Count)
	case "uniqueItems":
		return "array must not contain duplicate elements"
	case "additionalItems":
		return fmt.Sprintf("array instance has more elements than the schema allows (found %d, maximum %v)", e.Count, e.Limit)
	case "required":
		return fmt.Sprintf("object has missing required properties (%s)", compactJSON(slices.Sorted(slices.Values(e.Names))))
	case "minProperties":
		return fmt.Sprintf("object has too few properties (found %d but schema requires at least %s)", e.Count, fmtNum(e.Limit))
	case "maxProperties":
		return fmt.Sprintf("object has too many properties (found %d but schema requires at most %s)", e.Count, fmtNum(e.Limit))
	case "additionalProperties":
		return fmt.Sprintf("object instance has properties which are not allowed by the schema: %s", compactJSON(e.Names))
	case "dependencies":
		return fmt.Sprintf("property %s requires properties %s which are missing", compactJSON(e.Property), compactJSON(e.Names))
	case "allOf":
		return fmt.Sprintf("instance failed to match all required schemas (matched only %d out of %v)", e.Count, e.Limit)
	case "anyOf":
		return fmt.Sprintf("instance failed to match at least one required schema among %v", e.Limit)
	case "oneOf":
		return fmt.Sprintf("instance failed to match exactly one schema (matched %d out of %v)", e.Count, e.Limit)
	case "not":
		return "instance matched a schema which it should not have"
	}
	return fmt.Sprintf("instance failed %s", e.Keyword)
}

// jsonList renders a type keyword as the validator lists it: ["integer"].
func jsonList(t any) string {
	if s, ok := t.(string); ok {
		return compactJSON([]string{s})
	}
	return compactJSON(t)
}

// fmtNum prints a bound the way the validator does (as a double, without
// exponent).
func fmtNum(v any) string {
	n, _ := v.(json.Number)
	f, err := n.Float64()
	if err != nil {
		return string(n)
	}
	return strconv.FormatFloat(f, 'f', -1, 64)
}

func compactJSON(v any) string {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return fmt.Sprint(v)
	}
	return strings.TrimSuffix(buf.String(), "\n")
}
