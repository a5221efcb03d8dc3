package jsonschema_test

import (
	"errors"
	"fmt"
	"iter"
	"regexp"
	"strings"
	"testing"

	"github.com/stagecraft/stagecraft/internal/jsonschema"
)

func mustParse(t testing.TB, s string) any {
	t.Helper()
	v, err := jsonschema.Parse([]byte(s))
	if err != nil {
		t.Fatalf("parse %s: %v", s, err)
	}
	return v
}

// describe renders errors as "instancePath keyword[details]", allOf causes
// in braces.
func describe(errs []jsonschema.Error) string {
	var out []string
	for _, e := range errs {
		s := e.InstancePath + " " + e.Keyword
		switch e.Keyword {
		case "required", "additionalProperties":
			s += fmt.Sprint(e.Names)
		case "dependencies":
			s += fmt.Sprintf("%s%v", e.Property, e.Names)
		case "type":
			s += "(" + e.Type + ")"
		case "allOf", "oneOf":
			s += fmt.Sprintf("(%d/%v)", e.Count, e.Limit)
		case "minimum", "maximum":
			if e.Exclusive {
				s += "(exclusive)"
			}
		case "additionalItems":
			s += fmt.Sprintf("(%v/%d)", e.Limit, e.Count)
		case "uniqueItems":
			s += fmt.Sprint(e.Items)
		}
		if len(e.Causes) > 0 {
			s += "{" + describe(e.Causes) + "}"
		}
		out = append(out, s)
	}
	return strings.Join(out, ",")
}

// AppConfig's workshop validator (draft-04).
const workshop = `{"$schema": "http://json-schema.org/draft-04/schema#", "type": "object", "minProperties": 2,
	"properties": {"boolEnableLimitResults": {"type": "boolean"}, "intResultLimit": {"type": "number"}},
	"required": ["intResultLimit", "boolEnableLimitResults"]}`

// pet and tag are the request models of the data plane's body validation
// test; tag is referenced the way API Gateway models reference each other.
const (
	tag = `{"type":"object","required":["key"],"properties":{"key":{"type":"string","pattern":"^[a-z]+$"}},"additionalProperties":false}`
	pet = `{"$schema":"http://json-schema.org/draft-04/schema#","type":"object","required":["name","price"],
		"properties":{"name":{"type":"string","minLength":1,"maxLength":5},"price":{"type":"number","minimum":0},
		"kind":{"enum":["dog","cat"]},"age":{"type":"integer"},
		"tags":{"type":"array","maxItems":2,"items":{"$ref":"https://apigateway.amazonaws.com/restapis/abc/models/Tag"}}}}`
)

var (
	exact  = jsonschema.Options{ExactNumbers: true}
	draft4 = jsonschema.Options{Draft4: true}
)

// The cases the three former implementations covered (AppConfig's
// validator, the data plane's body validation), run through the one
// implementation in both dialects.
func TestValidate(t *testing.T) {
	models := map[string]*jsonschema.Schema{}
	resolve := func(ref string) (*jsonschema.Schema, string) {
		i := strings.Index(ref, "/models/")
		if i < 0 {
			return nil, ""
		}
		name, frag, _ := strings.Cut(ref[i+len("/models/"):], "#")
		return models[name], frag
	}
	apigw := jsonschema.Options{Draft4: true, Resolve: resolve}
	models["Tag"] = jsonschema.Compile(mustParse(t, tag), apigw)
	models["Defs"] = jsonschema.Compile(mustParse(t, `{"definitions":{"pos":{"type":"integer","minimum":1}}}`), apigw)

	for _, tc := range []struct {
		opts        jsonschema.Options
		schema, doc string
		want        string
	}{
		// AppConfig's validator.
		{exact, workshop, `{"boolEnableLimitResults": true, "intResultLimit": 5}`, ""},
		{exact, workshop, `{"boolEnableLimitResults": "yes", "intResultLimit": 5}`, "/boolEnableLimitResults type(string)"},
		{exact, workshop, `{"intResultLimit": 5}`, " minProperties, required[boolEnableLimitResults]"},
		{exact, workshop, `[1]`, " type(array)"},
		{exact, `{"type":"integer","minimum":1,"maximum":10,"exclusiveMaximum":true}`, `10`, " maximum(exclusive)"},
		{exact, `{"type":"integer"}`, `1.0`, ""},
		{exact, `{"type":"integer"}`, `1.5`, " type(number)"},
		{exact, `{"type":"number","multipleOf":0.1}`, `0.3`, ""},
		{exact, `{"type":"number","exclusiveMinimum":0}`, `0`, " exclusiveMinimum"},
		{exact, `{"type":"string","pattern":"^v[0-9]+$","minLength":2,"maxLength":3}`, `"v1234"`, " maxLength"},
		{exact, `{"type":"string","pattern":"^v[0-9]+$"}`, `"x1"`, " pattern"},
		{exact, `{"type":"string","format":"date-time"}`, `"2021-09-17T21:43:54Z"`, ""},
		{exact, `{"type":"string","format":"email"}`, `"nope"`, " format"},
		{exact, `{"enum":["a",1,null]}`, `1.0`, ""},
		{exact, `{"enum":["a",1,null]}`, `"b"`, " enum"},
		{exact, `{"const":{"a":[1,2]}}`, `{"a":[1,2]}`, ""},
		{exact, `{"type":"array","items":{"type":"string"},"uniqueItems":true,"maxItems":2}`, `["a","a",3]`, " maxItems, uniqueItems[0 1],/2 type(integer)"},
		{exact, `{"type":"array","items":[{"type":"string"}],"additionalItems":false}`, `["a",1]`, " additionalItems(1/2)"},
		{exact, `{"type":"array","contains":{"const":3}}`, `[1,2]`, " contains"},
		{exact, `{"type":"object","properties":{"a":{}},"additionalProperties":false}`, `{"a":1,"b/c":2}`, " additionalProperties[b/c]"},
		{exact, `{"type":"object","patternProperties":{"^x-":{"type":"string"}},"additionalProperties":{"type":"number"}}`, `{"x-a":"s","y":"t"}`, "/y type(string)"},
		{exact, `{"dependencies":{"a":["b"]}}`, `{"a":1}`, " dependenciesa[b]"},
		{exact, `{"propertyNames":{"maxLength":2}}`, `{"abc":1}`, "/abc maxLength"},
		{exact, `{"anyOf":[{"type":"string"},{"type":"number"}]}`, `true`, " anyOf"},
		{exact, `{"oneOf":[{"type":"number"},{"type":"integer"}]}`, `1`, " oneOf(2/2)"},
		{exact, `{"not":{"type":"null"}}`, `null`, " not"},
		{exact, `{"allOf":[{"minimum":2},{"maximum":3}]}`, `4`, " allOf(1/2){ maximum}"},
		{exact, `{"if":{"properties":{"a":{"const":1}}},"then":{"required":["b"]},"else":{"required":["c"]}}`, `{"a":1}`, " required[b]"},
		{exact, `{"definitions":{"pos":{"type":"integer","minimum":1}},"type":"object","properties":{"n":{"$ref":"#/definitions/pos"}}}`, `{"n":0}`, "/n minimum"},
		{exact, `{"type":"object","properties":{"child":{"$ref":"#"}},"additionalProperties":false}`, `{"child":{"child":{"x":1}}}`, "/child/child additionalProperties[x]"},
		{exact, `true`, `{"any":"thing"}`, ""},
		{exact, `false`, `1`, " false"},
		{exact, `{"$ref":"#/definitions/nowhere"}`, `1`, " $ref"},
		{exact, `{"type":"number","multipleOf":0.01}`, `1e400`, ""},
		{exact, `{"type":"integer"}`, `1e2`, ""},

		// The data plane's request models (draft 4, API Gateway's dialect).
		{apigw, pet, `{"name":"rex","price":3.5,"kind":"dog","age":3,"tags":[{"key":"a"}]}`, ""},
		{apigw, pet, `{"kind":"cat"}`, " required[name price]"},
		{apigw, pet, `{"name":"rex","price":"free"}`, "/price type(string)"},
		{apigw, pet, `{"name":"rex","price":1,"age":2.5}`, "/age type(number)"},
		{apigw, pet, `{"name":"rex","price":1,"age":2.0}`, "/age type(number)"},
		{apigw, pet, `{"name":"rex","price":-1,"kind":"cow"}`, "/kind enum,/price minimum"},
		{apigw, pet, `{"name":"rexrex","price":1}`, "/name maxLength"},
		{apigw, pet, `{"name":"rex","price":1,"tags":[{"key":"A1","x":1}]}`, "/tags/0/key pattern,/tags/0 additionalProperties[x]"},
		{apigw, pet, `{"name":"rex","price":1,"tags":[{},{},{}]}`, "/tags maxItems,/tags/0 required[key],/tags/1 required[key],/tags/2 required[key]"},
		{apigw, `{"$ref":"https://apigateway.amazonaws.com/restapis/abc/models/Defs#/definitions/pos"}`, `0`, " minimum"},
		{apigw, `{"$ref":"https://apigateway.amazonaws.com/restapis/abc/models/Nope"}`, `0`, " $ref"},
		{draft4, `{"type":"integer","minimum":1,"exclusiveMinimum":true}`, `1`, " minimum(exclusive)"},
		{draft4, `{"type":"number","multipleOf":0.1}`, `0.3`, ""},
		{draft4, `{"type":"number","multipleOf":0.1}`, `0.35`, " multipleOf"},
		{draft4, `{"minLength":2,"maxLength":3}`, `"é"`, " minLength"},
		{draft4, `{"minItems":2}`, `[1]`, " minItems"},
		{draft4, `{"minProperties":1,"maxProperties":0}`, `{}`, " minProperties"},
		{draft4, `{"items":[{"type":"string"}],"additionalItems":false}`, `["a",1,2]`, " additionalItems(1/3)"},
		{draft4, `{"items":[{"type":"string"}],"additionalItems":{"type":"string"}}`, `["a",1]`, "/1 type(integer)"},
		{draft4, `{"allOf":[{"type":"string"},{"minimum":2}]}`, `3`, " allOf(1/2){ type(integer)}"},
		{draft4, `{"anyOf":[{"type":"string"},{"type":"boolean"}]}`, `3`, " anyOf"},
		{draft4, `{"oneOf":[{"type":"string"},{"type":"boolean"}]}`, `3`, " oneOf(0/2)"},
		{draft4, `{"not":{"type":"integer"}}`, `3`, " not"},
		{draft4, `{"uniqueItems":true}`, `[1,1.0]`, " uniqueItems[0 1]"},
		{draft4, `{"dependencies":{"a":["b","c"],"d":{"required":["e"]}}}`, `{"a":1,"d":2}`, " dependenciesa[b c], required[e]"},
		{draft4, `{"patternProperties":{"^x":{"type":"string"}},"additionalProperties":false}`, `{"xa":1,"b":2}`, "/xa type(integer), additionalProperties[b]"},
		// Draft 4 ignores the later keywords and boolean subschemas.
		{draft4, `{"const":1,"contains":{"const":2},"propertyNames":{"maxLength":1},"if":true,"then":false,"format":"email","exclusiveMinimum":5}`, `"x"`, ""},
		{draft4, `{"properties":{"a":false}}`, `{"a":1}`, ""},
		{draft4, `{"not":true}`, `1`, " not"},
	} {
		s := jsonschema.Compile(mustParse(t, tc.schema), tc.opts)
		errs := s.Validate(mustParse(t, tc.doc))
		var got []string
		for _, e := range strings.Split(describe(errs), ",") {
			got = append(got, e)
		}
		if g := strings.Join(got, ","); g != tc.want {
			t.Errorf("%s against %s (draft4 %v): got %q, want %q", tc.doc, tc.schema, tc.opts.Draft4, g, tc.want)
		}
	}
}

func TestErrorDetails(t *testing.T) {
	s := jsonschema.Compile(mustParse(t, `{"properties":{"a/b":{"items":{"maximum":3}}}}`), draft4)
	errs := s.Validate(mustParse(t, `{"a/b":[1,5]}`))
	if len(errs) != 1 {
		t.Fatalf("errors: %+v", errs)
	}
	e := errs[0]
	if e.InstancePath != "/a~1b/1" || e.SchemaPath() != "/properties/a~1b/items/maximum" || fmt.Sprint(e.Limit) != "3" || fmt.Sprint(e.Instance) != "5" {
		t.Errorf("error: %+v", e)
	}
}

func TestRecursionIsBounded(t *testing.T) {
	s := jsonschema.Compile(mustParse(t, `{"$ref":"#"}`), exact)
	if got := describe(s.Validate(mustParse(t, `1`))); got != " depth" {
		t.Errorf("got %q", got)
	}
	s = jsonschema.Compile(mustParse(t, `{"definitions":{"a":{"$ref":"#/definitions/b"},"b":{"$ref":"#/definitions/a"}},"$ref":"#/definitions/a"}`), draft4)
	if got := describe(s.Validate(mustParse(t, `1`))); got != " depth" {
		t.Errorf("got %q", got)
	}
}

func TestPatternOption(t *testing.T) {
	calls := 0
	s := jsonschema.Compile(mustParse(t, `{"pattern":"\\d","patternProperties":{"(":{}}}`), jsonschema.Options{Pattern: func(p string) (*regexp.Regexp, error) {
		calls++
		return regexp.Compile(p)
	}})
	if calls != 2 {
		t.Errorf("Pattern called %d times", calls)
	}
	if got := describe(s.Validate(mustParse(t, `"x"`))); got != " pattern" {
		t.Errorf("got %q", got)
	}
	if got := describe(s.Validate(mustParse(t, `{"(":1}`))); got != "" { // the bad pattern is not checked
		t.Errorf("got %q", got)
	}
}

// problems renders Check's answer as "kind path".
func problems(ps []jsonschema.Problem) string {
	var out []string
	for _, p := range ps {
		out = append(out, fmt.Sprintf("%d %s", p.Kind, p.Path))
	}
	return strings.Join(out, ",")
}

// The well-formedness cases of API Gateway's models (draft 4, strict) and
// AppConfig's validators (lenient).
func TestCheck(t *testing.T) {
	canonical := regexp.MustCompile(`^https://apigateway\.amazonaws\.com/restapis/([^/]+)/models/([^/]+)$`)
	strict := jsonschema.CheckOptions{Draft4: true, Ref: func(ref string) error {
		if !strings.HasPrefix(ref, "#") && !canonical.MatchString(ref) {
			return errors.New("not canonical")
		}
		return nil
	}}
	lenient := jsonschema.CheckOptions{Pattern: func(p string) error { _, err := regexp.Compile(p); return err }}
	const (
		U = jsonschema.Unsupported
		I = jsonschema.Invalid
		N = jsonschema.NotASchema
		P = jsonschema.BadPattern
		R = jsonschema.BadRef
	)
	for _, tc := range []struct {
		opts   jsonschema.CheckOptions
		schema string
		want   string
	}{
		{strict, `{"$schema":"http://json-schema.org/draft-04/schema#","title":"Pet","type":"object","required":["id"],` +
			`"properties":{"id":{"type":"integer","minimum":1},"tags":{"type":"array","items":{"type":"string"},"uniqueItems":true},` +
			`"kind":{"enum":["cat","dog"]},"owner":{"$ref":"https://apigateway.amazonaws.com/restapis/abc/models/Taken"},` +
			`"loc":{"$ref":"#/definitions/Loc"}},"definitions":{"Loc":{"type":"object"}},"additionalProperties":false}`, ""},
		{strict, `{"type":"object","properties":{"n":{"type":"string","example":"x"}}}`, fmt.Sprintf("%d /properties/n/example", U)},
		{strict, `{"type":"object","required":[],"properties":{"d":{"type":"string"}}}`, fmt.Sprintf("%d /required", I)},
		{strict, `{"properties":{"p":{"minLength":"1","maxLength":"35"}}}`, fmt.Sprintf("%d /properties/p/maxLength,%d /properties/p/minLength", I, I)},
		{strict, `{"type":"thing"}`, fmt.Sprintf("%d /type", I)},
		{strict, `{"properties":{"p":{"$ref":"Other"}}}`, fmt.Sprintf("%d /properties/p/$ref", R)},
		{strict, `{"type":["string","string"],"enum":[],"multipleOf":0,"minItems":-1,"uniqueItems":1,"title":2}`,
			fmt.Sprintf("%d /enum,%d /minItems,%d /multipleOf,%d /title,%d /type,%d /uniqueItems", I, I, I, I, I, I)},
		{strict, `{"properties":{"a":true},"items":[1],"not":false,"allOf":[],"additionalItems":1,"dependencies":{"a":[],"b":{"x":1}}}`,
			fmt.Sprintf("%d /additionalItems,%d /allOf,%d /dependencies,%d /dependencies/b/x,%d /items/0,%d /not,%d /properties/a", I, I, I, U, N, N, N)},
		{strict, `{"const":1,"$defs":{}}`, fmt.Sprintf("%d /$defs,%d /const", U, U)},
		{lenient, `{"type":"strnig"}`, fmt.Sprintf("%d /type", I)},
		{lenient, `{"type":5}`, fmt.Sprintf("%d /type", I)},
		{lenient, `{"pattern":"("}`, fmt.Sprintf("%d /pattern", P)},
		{lenient, `{"patternProperties":{"(":{}}}`, fmt.Sprintf("%d /patternProperties", P)},
		{lenient, `{"properties":{"a":5}}`, fmt.Sprintf("%d /properties/a", N)},
		{lenient, `{"required":"a"}`, fmt.Sprintf("%d /required", I)},
		{lenient, `{"required":true,"type":[],"enum":[],"example":1,"items":true,"not":false}`, ""},
		{lenient, `{"minimum":"1"}`, fmt.Sprintf("%d /minimum", I)},
		{lenient, `{"allOf":[]}`, fmt.Sprintf("%d /allOf", I)},
		{lenient, `{"dependencies":{"a":["b"],"c":5}}`, fmt.Sprintf("%d /dependencies/c", N)},
		{lenient, `[]`, fmt.Sprintf("%d ", N)},
		{lenient, `true`, ""},
	} {
		if got := problems(jsonschema.Check(mustParse(t, tc.schema), tc.opts)); got != tc.want {
			t.Errorf("Check(%s): got %q, want %q", tc.schema, got, tc.want)
		}
	}
}

// ordered is an Ordered object for TestCheckOrdered.
type ordered [][2]any

func (o ordered) Members() iter.Seq2[string, any] {
	return func(yield func(string, any) bool) {
		for _, kv := range o {
			if !yield(kv[0].(string), kv[1]) {
				return
			}
		}
	}
}

func TestCheckOrdered(t *testing.T) {
	doc := ordered{{"zeta", 1}, {"type", "object"}, {"alpha", 2}, {"properties", ordered{{"b", ordered{{"example", 1}}}, {"a", 5}}}}
	got := problems(jsonschema.Check(doc, jsonschema.CheckOptions{Draft4: true}))
	want := fmt.Sprintf("%d /zeta,%d /alpha,%d /properties/b/example,%d /properties/a", jsonschema.Unsupported, jsonschema.Unsupported, jsonschema.Unsupported, jsonschema.NotASchema)
	if got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

// FuzzValidate compiles, checks and validates arbitrary documents in both
// dialects: nothing may panic, and a valid verdict must not depend on the
// order errors are collected in.
func FuzzValidate(f *testing.F) {
	for _, seed := range [][2]string{
		{workshop, `{"intResultLimit": 5}`},
		{pet, `{"name":"rex","price":-1,"kind":"cow","tags":[{"key":"A1","x":1}]}`},
		{`{"$ref":"#"}`, `1`},
		{`{"allOf":[{"minimum":2},{"maximum":3}],"oneOf":[{},{}],"not":{"type":"null"}}`, `4`},
		{`{"items":[{"type":"string"}],"additionalItems":false,"uniqueItems":true}`, `["a",1,1]`},
		{`{"dependencies":{"a":["b"],"c":{"$ref":"#/definitions/x"}},"definitions":{"x":false}}`, `{"a":1,"c":2}`},
		{`{"patternProperties":{"^x":{"const":1}},"propertyNames":{"pattern":"^[a-z]"},"if":{"required":["a"]},"then":false}`, `{"xa":1,"a":2}`},
		{`{"type":["integer","string"],"multipleOf":0.5,"exclusiveMinimum":1e400}`, `1e-400`},
	} {
		f.Add(seed[0], seed[1])
	}
	f.Fuzz(func(t *testing.T, schema, doc string) {
		sv, err := jsonschema.Parse([]byte(schema))
		if err != nil {
			return
		}
		dv, err := jsonschema.Parse([]byte(doc))
		if err != nil {
			return
		}
		jsonschema.Check(sv, jsonschema.CheckOptions{Draft4: true})
		jsonschema.Check(sv, jsonschema.CheckOptions{})
		for _, opts := range []jsonschema.Options{exact, draft4} {
			s := jsonschema.Compile(sv, opts)
			a, b := s.Validate(dv), s.Validate(dv)
			if describe(a) != describe(b) {
				t.Fatalf("validation is not deterministic: %q then %q", describe(a), describe(b))
			}
		}
	})
}

// References to other documents are resolved and cached on first use,
// possibly by concurrent validations (the data plane's requests).
func TestConcurrentValidate(t *testing.T) {
	defs := jsonschema.Compile(mustParse(t, `{"definitions":{"pos":{"type":"integer","minimum":1},"list":{"items":{"$ref":"#/definitions/pos"}}}}`), draft4)
	opts := draft4
	opts.Resolve = func(ref string) (*jsonschema.Schema, string) {
		_, frag, _ := strings.Cut(ref, "#")
		return defs, frag
	}
	s := jsonschema.Compile(mustParse(t, `{"properties":{"a":{"$ref":"models/Defs#/definitions/list"},"b":{"$ref":"models/Defs#/definitions/pos"}}}`), opts)
	doc := mustParse(t, `{"a":[1,0,2],"b":0}`)
	done := make(chan string)
	for range 8 {
		go func() {
			got := ""
			for range 50 {
				got = describe(s.Validate(doc))
			}
			done <- got
		}()
	}
	for range 8 {
		if got := <-done; got != "/a/1 minimum,/b minimum" {
			t.Errorf("got %q", got)
		}
	}
}
