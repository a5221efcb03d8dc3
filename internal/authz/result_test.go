package authz_test

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/stagecraft/stagecraft/internal/authz"
)

// allowAll is a valid policy document, so that each invalid payload below
// fails for its own reason.
const allowAll = `{"Version":"2012-10-17","Statement":[{"Action":"execute-api:Invoke","Effect":"Allow","Resource":"*"}]}`

func TestParseResultPolicy(t *testing.T) {
	r, err := authz.ParseResult([]byte(`{"principalId":"u","policyDocument":`+allowAll+
		`,"context":{"s":"x","n":1.5,"b":true,"z":null},"usageIdentifierKey":"key-1"}`), authz.FormatREST)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"s": "x", "n": json.Number("1.5"), "b": true, "z": nil}
	if d := cmp.Diff(want, r.Context); d != "" || r.PrincipalID != "u" || r.UsageIdentifierKey != "key-1" || r.Simple {
		t.Errorf("result %+v, context (-want +got):\n%s", r, d)
	}

	bad := []struct{ name, payload string }{
		{"not JSON", `Allow`},
		{"not an object", `"Allow"`},
		{"no policyDocument", `{"principalId":"u"}`},
		{"null policyDocument", `{"principalId":"u","policyDocument":null}`},
		{"no Statement", `{"principalId":"u","policyDocument":{"Version":"2012-10-17"}}`},
		{"bad Effect", `{"principalId":"u","policyDocument":{"Statement":[{"Action":"*","Effect":"Maybe","Resource":"*"}]}}`},
		{"Resource number", `{"principalId":"u","policyDocument":{"Statement":[{"Action":"*","Effect":"Allow","Resource":5}]}}`},
		{"object context value", `{"principalId":"u","policyDocument":` + allowAll + `,"context":{"o":{"a":1}}}`},
		{"list context value", `{"principalId":"u","policyDocument":` + allowAll + `,"context":{"l":[1]}}`},
		{"principalId object", `{"principalId":{},"policyDocument":` + allowAll + `}`},
	}
	for _, c := range bad {
		if r, err := authz.ParseResult([]byte(c.payload), authz.FormatREST); err == nil {
			t.Errorf("%s: ParseResult = %+v, want an error", c.name, r)
		}
	}
}

func TestParseResultSimple(t *testing.T) {
	r, err := authz.ParseResult([]byte(`{"isAuthorized":true,"context":{"user":"alice","groups":["a","b"]}}`), authz.FormatHTTPSimple)
	if err != nil || !r.Simple || !r.Authorized || r.Policy != nil || r.Decide(authz.HTTP, "anything") != nil {
		t.Fatalf("%+v %v", r, err)
	}
	if d := cmp.Diff(map[string]any{"user": "alice", "groups": []any{"a", "b"}}, r.Context); d != "" {
		t.Errorf("context: %s", d)
	}
	r, err = authz.ParseResult([]byte(`{"isAuthorized":false}`), authz.FormatHTTPSimple)
	if err != nil || r.Authorized {
		t.Fatalf("%+v %v", r, err)
	}
	wantDenial(t, r.Decide(authz.HTTP, "x"), 403, "ACCESS_DENIED", "Forbidden", false)
	for _, p := range []string{`{"isAuthorized":"true"}`, `{}`, `true`, `nope`} {
		if r, err := authz.ParseResult([]byte(p), authz.FormatHTTPSimple); err == nil {
			t.Errorf("%s: ParseResult = %+v, want an error", p, r)
		}
	}
}
