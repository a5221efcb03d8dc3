package authz_test

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"testing"

	"github.com/stagecraft/stagecraft/internal/authz"
)

func testRequest() *authz.Request {
	h := http.Header{}
	h.Set("Authorization", "Bearer abc")
	h.Add("X-Multi", "one")
	h.Add("X-Multi", "two")
	h.Set("X-Empty", "")
	return &authz.Request{
		Header:         h,
		Query:          url.Values{"name": {"ann"}, "multi": {"a", "b"}, "blank": {""}},
		StageVariables: map[string]string{"env": "prod"},
		Context: func(name string) (string, bool) {
			switch name {
			case "httpMethod":
				return "GET", true
			case "identity.sourceIp":
				return "10.0.0.1", true
			}
			return "", false
		},
	}
}

func TestIdentitySources(t *testing.T) {
	cases := []struct {
		name    string
		rest    bool
		rsrc    string
		hsrc    []string
		want    []string
		missing bool
	}{
		{name: "REST header, case-insensitive", rest: true, rsrc: "method.request.header.authorization", want: []string{"Bearer abc"}},
		{name: "REST several, spaces", rest: true,
			rsrc: "method.request.header.Authorization, method.request.querystring.name,stageVariables.env, context.httpMethod",
			want: []string{"Bearer abc", "ann", "prod", "GET"}},
		{name: "REST dotted context variable", rest: true, rsrc: "context.identity.sourceIp", want: []string{"10.0.0.1"}},
		{name: "REST repeated header: last value", rest: true, rsrc: "method.request.header.X-Multi", want: []string{"two"}},
		{name: "REST repeated query: last value", rest: true, rsrc: "method.request.querystring.multi", want: []string{"b"}},
		{name: "REST query names are case-sensitive", rest: true, rsrc: "method.request.querystring.Name", missing: true},
		{name: "REST missing header", rest: true, rsrc: "method.request.header.Authorization,method.request.header.X-Nope", missing: true},
		{name: "REST empty header", rest: true, rsrc: "method.request.header.X-Empty", missing: true},
		{name: "REST empty query", rest: true, rsrc: "method.request.querystring.blank", missing: true},
		{name: "REST missing stage variable", rest: true, rsrc: "stageVariables.nope", missing: true},
		{name: "REST unknown context variable", rest: true, rsrc: "context.nope", missing: true},
		{name: "REST no sources", rest: true, rsrc: "", want: []string{}},
		{name: "HTTP all kinds", hsrc: []string{"$request.header.Authorization", "$request.querystring.name", "$context.httpMethod", "$stageVariables.env"},
			want: []string{"Bearer abc", "ann", "GET", "prod"}},
		{name: "HTTP repeated header: comma-joined", hsrc: []string{"$request.header.x-multi"}, want: []string{"one,two"}},
		{name: "HTTP repeated query: comma-joined", hsrc: []string{"$request.querystring.multi"}, want: []string{"a,b"}},
		{name: "HTTP comma-separated entry", hsrc: []string{"$request.header.Authorization,$request.querystring.name"}, want: []string{"Bearer abc", "ann"}},
		{name: "WebSocket route.request", hsrc: []string{"route.request.header.Authorization", "route.request.querystring.name"}, want: []string{"Bearer abc", "ann"}},
		{name: "HTTP missing", hsrc: []string{"$request.header.Authorization", "$request.querystring.nope"}, missing: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var srcs authz.Sources
			var err error
			if tc.rest {
				srcs, err = authz.ParseRESTSources(tc.rsrc)
			} else {
				srcs, err = authz.ParseHTTPSources(tc.hsrc)
			}
			if err != nil {
				t.Fatalf("parse: %v", err)
			}
			got, err := srcs.Values(testRequest())
			if tc.missing {
				var d *authz.Denial
				if !errors.As(err, &d) || d.Status != 401 || d.Message != "Unauthorized" || d.GatewayType != "UNAUTHORIZED" {
					t.Fatalf("Values = %v, %v; want a 401 Unauthorized denial", got, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Values: %v", err)
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("Values = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestIdentitySourceSyntax(t *testing.T) {
	for _, bad := range []string{"header.Authorization", "method.request.header.", "method.request.path.id", "$request.header.X"} {
		if _, err := authz.ParseRESTSources(bad); err == nil {
			t.Errorf("ParseRESTSources(%q) accepted", bad)
		}
	}
	for _, bad := range []string{"$request.body.x", "$request.header.", "method.request.header.X", "Authorization"} {
		if _, err := authz.ParseHTTPSources([]string{bad}); err == nil {
			t.Errorf("ParseHTTPSources(%q) accepted", bad)
		}
	}
}

func TestTokenValidationExpression(t *testing.T) {
	a, err := authz.NewRESTLambda("auth1", "TOKEN", "method.request.header.Authorization", `Bearer [a-z]+`, 300)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		header string
		ok     bool
	}{
		{"Bearer abc", true},
		{"Bearer abc1", false}, // the whole token must match, not a prefix
		{"xBearer abc", false},
		{"", false},
	}
	for _, tc := range cases {
		r := &authz.Request{Header: http.Header{}}
		if tc.header != "" {
			r.Header.Set("Authorization", tc.header)
		}
		id, err := a.Identity(r)
		if tc.ok {
			if err != nil || id.Token != tc.header {
				t.Errorf("Identity(%q) = %+v, %v; want the token", tc.header, id, err)
			}
			continue
		}
		var d *authz.Denial
		if !errors.As(err, &d) || d.Status != 401 {
			t.Errorf("Identity(%q) = %+v, %v; want 401", tc.header, id, err)
		}
	}
	if _, err := authz.NewRESTLambda("a", "TOKEN", "method.request.querystring.t", "", 0); err == nil {
		t.Error("TOKEN authorizer on a query string accepted")
	}
	if _, err := authz.NewRESTLambda("a", "TOKEN", "method.request.header.A", "(", 0); err == nil {
		t.Error("invalid identityValidationExpression accepted")
	}
}
