package appconfig

import (
	"strings"
	"testing"

	"github.com/stagecraft/stagecraft/internal/jsonschema"
)

// The AppConfig workshop's validator (draft-04), and documents around it.
const workshop = `{
  "$schema": "http://json-schema.org/draft-04/schema#",
  "description": "AppConfig Lab JSON Schema Validator example",
  "type": "object",
  "properties": {
    "boolEnableLimitResults": {"type": "boolean"},
    "intResultLimit": {"type": "number"}
  },
  "minProperties": 2,
  "required": ["intResultLimit", "boolEnableLimitResults"]
}`

func TestSchemaValidator(t *testing.T) {
	for _, tc := range []struct {
		schema, doc string
		want        []string // "location keyword"
	}{
		{workshop, `{"boolEnableLimitResults": true, "intResultLimit": 5}`, nil},
		{workshop, `{"boolEnableLimitResults": "yes", "intResultLimit": 5}`, []string{"/boolEnableLimitResults type"}},
		{workshop, `{"intResultLimit": 5}`, []string{" minProperties", " required"}},
		{workshop, `[1]`, []string{" type"}},
		{`{"type":"integer","minimum":1,"maximum":10,"exclusiveMaximum":true}`, `10`, []string{" maximum"}},
		{`{"type":"integer"}`, `1.0`, nil},
		{`{"type":"integer"}`, `1.5`, []string{" type"}},
		{`{"type":"number","multipleOf":0.1}`, `0.3`, nil},
		{`{"type":"number","exclusiveMinimum":0}`, `0`, []string{" exclusiveMinimum"}},
		{`{"type":"string","pattern":"^v[0-9]+$","minLength":2,"maxLength":3}`, `"v1234"`, []string{" maxLength"}},
		{`{"type":"string","pattern":"^v[0-9]+$"}`, `"x1"`, []string{" pattern"}},
		{`{"type":"string","format":"date-time"}`, `"2021-09-17T21:43:54Z"`, nil},
		{`{"type":"string","format":"email"}`, `"nope"`, []string{" format"}},
		{`{"enum":["a",1,null]}`, `1.0`, nil},
		{`{"enum":["a",1,null]}`, `"b"`, []string{" enum"}},
		{`{"const":{"a":[1,2]}}`, `{"a":[1,2]}`, nil},
		{`{"type":"array","items":{"type":"string"},"uniqueItems":true,"maxItems":2}`, `["a","a",3]`, []string{" maxItems", " uniqueItems", "/2 type"}},
		{`{"type":"array","items":[{"type":"string"}],"additionalItems":false}`, `["a",1]`, []string{"/1 false"}},
		{`{"type":"array","contains":{"const":3}}`, `[1,2]`, []string{" contains"}},
		{`{"type":"object","properties":{"a":{}},"additionalProperties":false}`, `{"a":1,"b/c":2}`, []string{"/b~1c additionalProperties"}},
		{`{"type":"object","patternProperties":{"^x-":{"type":"string"}},"additionalProperties":{"type":"number"}}`, `{"x-a":"s","y":"t"}`, []string{"/y type"}},
		{`{"dependencies":{"a":["b"]}}`, `{"a":1}`, []string{" dependencies"}},
		{`{"propertyNames":{"maxLength":2}}`, `{"abc":1}`, []string{"/abc maxLength"}},
		{`{"anyOf":[{"type":"string"},{"type":"number"}]}`, `true`, []string{" anyOf"}},
		{`{"oneOf":[{"type":"number"},{"type":"integer"}]}`, `1`, []string{" oneOf"}},
		{`{"not":{"type":"null"}}`, `null`, []string{" not"}},
		{`{"allOf":[{"minimum":2},{"maximum":3}]}`, `4`, []string{" maximum"}},
		{`{"if":{"properties":{"a":{"const":1}}},"then":{"required":["b"]},"else":{"required":["c"]}}`, `{"a":1}`, []string{" required"}},
		{`{"definitions":{"pos":{"type":"integer","minimum":1}},"type":"object","properties":{"n":{"$ref":"#/definitions/pos"}}}`, `{"n":0}`, []string{"/n minimum"}},
		{`{"type":"object","properties":{"child":{"$ref":"#"}},"additionalProperties":false}`, `{"child":{"child":{"x":1}}}`, []string{"/child/child/x additionalProperties"}},
		{`true`, `{"any":"thing"}`, nil},
		{`false`, `1`, []string{" false"}},
	} {
		s, err := compileValidator([]byte(tc.schema))
		if err != nil {
			t.Fatalf("compile %s: %v", tc.schema, err)
		}
		doc, err := jsonschema.Parse([]byte(tc.doc))
		if err != nil {
			t.Fatalf("parse %s: %v", tc.doc, err)
		}
		var got []string
		for _, e := range validateSchema(s, doc) {
			got = append(got, e.Location+" "+e.Keyword)
		}
		if strings.Join(got, ",") != strings.Join(tc.want, ",") {
			t.Errorf("%s against %s: got %q, want %q", tc.doc, tc.schema, got, tc.want)
		}
	}
}

func TestSchemaValidatorRejectsBadSchemas(t *testing.T) {
	for _, s := range []string{
		`not json`, `[]`, `"str"`, `{"type":"strnig"}`, `{"type":5}`, `{"pattern":"("}`,
		`{"$ref":"http://example.com/s.json"}`, `{"$ref":"#/definitions/missing"}`, `{"properties":{"a":5}}`,
		`{"required":"a"}`, `{"minimum":"1"}`, `{"allOf":[]}`, `{"a":1} trailing`,
	} {
		if _, err := compileValidator([]byte(s)); err == nil {
			t.Errorf("Compile(%s) succeeded", s)
		}
	}
}
