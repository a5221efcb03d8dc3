package v2core_test

import (
	"net/http/httptest"
	"testing"

	"github.com/stagecraft/stagecraft/internal/dataplane/v2core"
)

type src map[v2core.Kind]map[string]string

func (s src) Lookup(k v2core.Kind, name string) (string, bool) {
	v, ok := s[k][name]
	return v, ok
}

func TestExpressions(t *testing.T) {
	body, _ := v2core.ParseJSON([]byte(`{"action":"join","n":7,"user":{"name":"ann","tags":["a","b"]},"x y":1}`))
	s := src{
		v2core.KindHeader:   {"x-id": "h1"},
		v2core.KindQuery:    {"q": "v"},
		v2core.KindContext:  {"requestId": "r1", "identity.sourceIp": "1.2.3.4"},
		v2core.KindStageVar: {"env": "prod"},
	}
	bodySrc := bodyLookup{src: s, doc: body}
	for _, tc := range []struct{ expr, want string }{
		{"$request.body.action", "join"},
		{"${request.body.user.name}/${request.body.action}", "ann/join"},
		{"$request.body.n", "7"},
		{"$request.body.user.tags[1]", "b"},
		{"${request.body['x y']}", "1"},
		{"$request.body.user", `{"name":"ann","tags":["a","b"]}`},
		{"$request.body.missing", ""},
		{`\$default`, "$default"},
		{"static text", "static text"},
		{"$request.header.x-id", "h1"},
		{"$request.querystring.q and $context.requestId", "v and r1"},
		{"${context.identity.sourceIp}", "1.2.3.4"},
		{"api-${stageVariables.env}", "api-prod"},
		{"$unknown.thing", "$unknown.thing"},
	} {
		if got := v2core.ParseExpr(tc.expr).Eval(bodySrc); got != tc.want {
			t.Errorf("%s = %q, want %q", tc.expr, got, tc.want)
		}
	}
	if !v2core.ParseExpr(`\$default`).Static() || v2core.ParseExpr("$request.body.a").Static() {
		t.Error("Static")
	}
	if _, ok := v2core.ParseJSON([]byte("not json")); ok {
		t.Error("ParseJSON accepted text")
	}
}

type bodyLookup struct {
	src src
	doc any
}

func (b bodyLookup) Lookup(k v2core.Kind, name string) (string, bool) {
	if k == v2core.KindBody {
		return v2core.JSONPath(b.doc, name)
	}
	return b.src.Lookup(k, name)
}

func TestParseTarget(t *testing.T) {
	for _, tc := range []struct {
		host, path, api, rest, region string
		ok                            bool
	}{
		{"abc123.execute-api.localhost:4566", "/prod/pets", "abc123", "/prod/pets", "", true},
		{"abc123.execute-api.us-west-2.amazonaws.com", "/", "abc123", "/", "us-west-2", true},
		{"localhost:4566", "/_aws/execute-api/abc123/prod/x", "abc123", "/prod/x", "", true},
		{"localhost:4566", "/_aws/execute-api/abc123", "abc123", "", "", true},
		{"api.example.com", "/x", "", "", "", false},
	} {
		r := httptest.NewRequest("GET", "http://"+tc.host+tc.path, nil)
		got, ok := v2core.ParseTarget(r)
		if ok != tc.ok || got.APIID != tc.api || got.Rest != tc.rest || got.HostRegion != tc.region {
			t.Errorf("%s%s: %+v %v", tc.host, tc.path, got, ok)
		}
	}
}

func TestDomainMatch(t *testing.T) {
	d := &v2core.Domain{Mappings: []v2core.Mapping{{Key: "v1/beta", Stage: "b"}, {Key: "v1", Stage: "a"}, {Key: "", Stage: "root"}}}
	for _, tc := range []struct{ path, stage, rest string }{
		{"/v1/beta/x", "b", "/x"},
		{"/v1/betax", "a", "/betax"},
		{"/v1", "a", ""},
		{"/other", "root", "/other"},
		{"/", "root", "/"},
	} {
		m, rest, ok := d.Match(tc.path)
		if !ok || m.Stage != tc.stage || rest != tc.rest {
			t.Errorf("%s: %+v %q %v", tc.path, m, rest, ok)
		}
	}
	if _, _, ok := (&v2core.Domain{Mappings: []v2core.Mapping{{Key: "v1"}}}).Match("/v2"); ok {
		t.Error("matched an unmapped path")
	}
}
