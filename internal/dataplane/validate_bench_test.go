package dataplane

import (
	"testing"

	api "github.com/stagecraft/stagecraft/internal/api/apigateway"
)

// BenchmarkValidateBody measures request-body validation against a model
// with a reference to another model of the API: a valid body and an
// invalid one (the error messages are built).
func BenchmarkValidateBody(b *testing.B) {
	s := func(v string) *string { return &v }
	models := compileModels(map[string]api.Model{
		"Tag": {Schema: s(`{"type":"object","required":["key"],"properties":{"key":{"type":"string","pattern":"^[a-z]+$"}},"additionalProperties":false}`)},
		"Pet": {Schema: s(`{"$schema":"http://json-schema.org/draft-04/schema#","type":"object","required":["name","price"],
			"properties":{"name":{"type":"string","minLength":1,"maxLength":5},"price":{"type":"number","minimum":0},
			"kind":{"enum":["dog","cat"]},"age":{"type":"integer"},
			"tags":{"type":"array","maxItems":2,"items":{"$ref":"https://apigateway.amazonaws.com/restapis/abc/models/Tag"}}}}`)},
	})
	pet := models["Pet"]
	for _, bc := range []struct {
		name, body string
		errs       int
	}{
		{"valid", `{"name":"rex","price":3.5,"kind":"dog","age":3,"tags":[{"key":"a"},{"key":"b"}]}`, 0},
		{"invalid", `{"name":"rexrex","price":-1,"kind":"cow","tags":[{"key":"A1","x":1}]}`, 5},
	} {
		b.Run(bc.name, func(b *testing.B) {
			body := []byte(bc.body)
			b.ReportAllocs()
			for b.Loop() {
				if errs := pet.validateBody(body); len(errs) != bc.errs {
					b.Fatalf("%d errors: %q", len(errs), errs)
				}
			}
		})
	}
}
