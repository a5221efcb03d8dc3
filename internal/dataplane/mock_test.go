package dataplane_test

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	sdk "github.com/aws/aws-sdk-go-v2/service/apigateway"

	"github.com/stagecraft/stagecraft/internal/testenv"
)

// MOCK: request template by Content-Type → statusCode; integration
// response by selection pattern; response parameters; templates by Accept;
// $context.responseOverride.
func TestMockIntegration(t *testing.T) {
	env := testenv.Start(t)
	f := newFixture(t, env, "mock")
	f.method("/m", "POST", nil)
	f.integration("/m", "POST", &sdk.PutIntegrationInput{Type: "MOCK", RequestTemplates: map[string]string{
		// ?code=N chooses the status; JSON bodies may carry it too.
		"application/json": `#if($input.params('code') != "")#set($c = $input.params('code'))#else#set($c = $input.path('$.code'))#end{"statusCode": $c}`,
		// CDK-style, not strict JSON: AWS tolerates it.
		"text/plain":      `{statusCode: 202}`,
		"application/xml": `{"nothing": 1}`,
	}})
	f.response("/m", "POST", "200", "", map[string]string{
		"X-Static": "'static-value'",
		"X-Stage":  "stageVariables.color",
		"X-Api":    "context.apiId",
		"X-Ip":     "context.identity.sourceIp",
	}, map[string]string{
		"application/json": `{"ok":true,"stage":"$context.stage","color":"$stageVariables.color"}`,
		"application/xml":  `<ok stage="$context.stage"/>`,
	})
	f.response("/m", "POST", "202", "", nil, nil) // no pattern, but not the only default: 200 sorts first
	f.response("/m", "POST", "400", `4\d{2}`, nil, map[string]string{"application/json": `{"error":"client"}`})
	f.response("/m", "POST", "500", `5\d{2}`, map[string]string{"X-Kind": "'server'"}, map[string]string{
		"application/json": `#set($context.responseOverride.status = 503)#set($context.responseOverride.header.Retry-After = "7"){"error":"server"}`,
	})
	// A pattern that matches only a prefix must not be chosen: patterns
	// match the whole value.
	f.response("/m", "POST", "418", `41`, nil, map[string]string{"application/json": `teapot`})
	f.deploy("test", map[string]string{"color": "green"})

	for _, tc := range []struct {
		name   string
		hdr    map[string]string
		query  string
		body   string
		status int
		want   string
		check  map[string]string
	}{
		{name: "default 200", query: "?code=200", status: 200,
			want:  `{"ok":true,"stage":"test","color":"green"}`,
			check: map[string]string{"X-Static": "static-value", "X-Stage": "green", "X-Api": f.api, "X-Ip": "127.0.0.1", "Content-Type": "application/json"}},
		{name: "status from body", body: `{"code": 200}`, status: 200, want: `{"ok":true,"stage":"test","color":"green"}`},
		{name: "unmatched status uses default", query: "?code=302", status: 200, want: `{"ok":true,"stage":"test","color":"green"}`},
		{name: "4xx pattern", query: "?code=404", status: 400, want: `{"error":"client"}`},
		{name: "whole-value match", query: "?code=4100", status: 200, want: `{"ok":true,"stage":"test","color":"green"}`},
		{name: "5xx with override", query: "?code=500", status: 503, want: `{"error":"server"}`,
			check: map[string]string{"X-Kind": "server", "Retry-After": "7"}},
		{name: "accept xml", query: "?code=200", hdr: map[string]string{"Accept": "application/xml"}, status: 200,
			want: `<ok stage="test"/>`, check: map[string]string{"Content-Type": "application/xml"}},
		{name: "accept unknown falls back to json", query: "?code=200", hdr: map[string]string{"Accept": "image/png"}, status: 200,
			want: `{"ok":true,"stage":"test","color":"green"}`},
		{name: "lenient statusCode", hdr: map[string]string{"Content-Type": "text/plain; charset=utf-8"}, status: 200,
			want: `{"ok":true,"stage":"test","color":"green"}`},
		{name: "no statusCode", hdr: map[string]string{"Content-Type": "application/xml"}, status: 500,
			want: `{"message":"Internal server error"}`, check: map[string]string{"x-amzn-ErrorType": "InternalServerErrorException"}},
		{name: "no template for content type passes through", hdr: map[string]string{"Content-Type": "text/csv"}, body: `{"statusCode": 404}`,
			status: 400, want: `{"error":"client"}`},
		{name: "body not json for $input.path", body: `not json`, status: 400,
			check: map[string]string{"x-amzn-ErrorType": "BadRequestException"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := call(t, env.URL, formHost, f.api, "test", "POST", "/m"+tc.query, tc.hdr, tc.body)
			checkIDs(t, r)
			if r.status != tc.status || (tc.want != "" && r.body != tc.want) {
				t.Fatalf("got %d %q, want %d %q", r.status, r.body, tc.status, tc.want)
			}
			for k, v := range tc.check {
				if got := r.header.Get(k); got != v {
					t.Errorf("%s = %q, want %q", k, got, v)
				}
			}
		})
	}
}

// passthroughBehavior decides what happens without a matching template.
func TestMockPassthroughBehavior(t *testing.T) {
	env := testenv.Start(t)
	f := newFixture(t, env, "passthrough")
	for _, pb := range []string{"WHEN_NO_MATCH", "WHEN_NO_TEMPLATES", "NEVER"} {
		path := "/" + pb
		f.method(path, "POST", nil)
		f.integration(path, "POST", &sdk.PutIntegrationInput{Type: "MOCK", PassthroughBehavior: aws.String(pb),
			RequestTemplates: map[string]string{"application/json": `{"statusCode": 200}`}})
		f.response(path, "POST", "200", "", nil, map[string]string{"application/json": pb})
	}
	f.method("/none", "POST", nil)
	f.integration("/none", "POST", &sdk.PutIntegrationInput{Type: "MOCK", PassthroughBehavior: aws.String("WHEN_NO_TEMPLATES")})
	f.response("/none", "POST", "200", "", nil, map[string]string{"application/json": "none"})
	f.deploy("s", nil)

	unsupported := `{"message":"Unsupported Media Type"}`
	for _, tc := range []struct {
		path, ct string
		status   int
		body     string
	}{
		{"/WHEN_NO_MATCH", "application/json", 200, "WHEN_NO_MATCH"},
		{"/WHEN_NO_MATCH", "text/plain", 200, "WHEN_NO_MATCH"},
		{"/WHEN_NO_TEMPLATES", "application/json", 200, "WHEN_NO_TEMPLATES"},
		{"/WHEN_NO_TEMPLATES", "text/plain", 415, unsupported},
		{"/NEVER", "application/json", 200, "NEVER"},
		{"/NEVER", "text/plain", 415, unsupported},
		{"/none", "text/plain", 200, "none"},
	} {
		r := call(t, env.URL, formHost, f.api, "s", "POST", tc.path, map[string]string{"Content-Type": tc.ct}, "x")
		errType := ""
		if tc.status == 415 {
			errType = "BadRequestException"
		}
		t.Run(tc.path+" "+tc.ct, func(t *testing.T) { expect(t, r, tc.status, tc.body, errType) })
	}
}
