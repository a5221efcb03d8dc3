package httpapi_test

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	sdk "github.com/aws/aws-sdk-go-v2/service/apigatewayv2"
	"github.com/aws/aws-sdk-go-v2/service/apigatewayv2/types"
)

func TestCORS(t *testing.T) {
	hs := newHarness(t)
	up := echoServer(t)
	id := hs.api("cors", &types.Cors{AllowOrigins: []string{"https://app.example", "http://*"}, AllowMethods: []string{"GET", "POST"},
		AllowHeaders: []string{"Content-Type", "Authorization"}, ExposeHeaders: []string{"X-Upstream"}, MaxAge: aws.Int32(300), AllowCredentials: aws.Bool(true)})
	integ := hs.proxy(id, up.URL+"/", nil)
	hs.route(id, "GET /open", integ, nil)
	// Preflights are answered before authorization: this route refuses
	// unsigned requests, its preflight is still answered.
	hs.route(id, "POST /iam", integ, func(in *sdk.CreateRouteInput) { in.AuthorizationType = types.AuthorizationTypeAwsIam })
	hs.stage(id, "$default", nil)

	pre := map[string]string{"Origin": "https://app.example", "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type"}
	r := hs.do("OPTIONS", id, "/iam", pre, "")
	expect(t, r, 204, "")
	for k, want := range map[string]string{
		"Access-Control-Allow-Origin":      "https://app.example",
		"Access-Control-Allow-Methods":     "GET,POST",
		"Access-Control-Allow-Headers":     "content-type,authorization",
		"Access-Control-Max-Age":           "300",
		"Access-Control-Allow-Credentials": "true",
	} {
		if got := r.header.Get(k); got != want {
			t.Errorf("preflight %s = %q, want %q", k, got, want)
		}
	}
	// A preflight even where no route exists.
	expect(t, hs.do("OPTIONS", id, "/nowhere", pre, ""), 204, "")
	// Scheme wildcard.
	r = hs.do("OPTIONS", id, "/open", map[string]string{"Origin": "http://localhost:3000", "Access-Control-Request-Method": "GET"}, "")
	if r.status != 204 || r.header.Get("Access-Control-Allow-Origin") != "http://localhost:3000" {
		t.Errorf("scheme wildcard: %d %v", r.status, r.header)
	}
	// An origin not allowed gets no CORS headers.
	r = hs.do("OPTIONS", id, "/open", map[string]string{"Origin": "https://evil.example", "Access-Control-Request-Method": "GET"}, "")
	if r.status != 204 || r.header.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("foreign origin: %d %v", r.status, r.header)
	}
	// OPTIONS that is not a preflight is routed like any request.
	expect(t, hs.do("OPTIONS", id, "/open", map[string]string{"Origin": "https://app.example"}, ""), 404, `{"message":"Not Found"}`)
	expect(t, hs.do("POST", id, "/iam", nil, ""), 403, `{"message":"Forbidden"}`)

	// Actual requests: configured headers replace the backend's.
	r = hs.do("GET", id, "/open", map[string]string{"Origin": "https://app.example"}, "")
	expect(t, r, 200, "")
	if r.header.Get("Access-Control-Allow-Origin") != "https://app.example" || r.header.Get("Access-Control-Expose-Headers") != "x-upstream" ||
		r.header.Get("Access-Control-Allow-Credentials") != "true" {
		t.Errorf("actual response headers %v", r.header)
	}
	r = hs.do("GET", id, "/open", nil, "")
	if r.header.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("backend CORS header passed through: %v", r.header)
	}

	// allowOrigins/allowHeaders "*".
	id2 := hs.api("cors-star", &types.Cors{AllowOrigins: []string{"*"}, AllowMethods: []string{"*"}, AllowHeaders: []string{"*"}})
	hs.route(id2, "GET /x", hs.proxy(id2, up.URL+"/", nil), nil)
	hs.stage(id2, "$default", nil)
	r = hs.do("OPTIONS", id2, "/x", map[string]string{"Origin": "https://a.example", "Access-Control-Request-Method": "PUT", "Access-Control-Request-Headers": "X-One, X-Two"}, "")
	if r.status != 204 || r.header.Get("Access-Control-Allow-Origin") != "*" || r.header.Get("Access-Control-Allow-Methods") != "PUT" ||
		r.header.Get("Access-Control-Allow-Headers") != "x-one, x-two" {
		t.Errorf("wildcard preflight: %d %v", r.status, r.header)
	}
	// Without a CORS configuration, preflights are ordinary requests.
	id3 := hs.api("no-cors", nil)
	hs.route(id3, "GET /x", hs.proxy(id3, up.URL+"/", nil), nil)
	hs.stage(id3, "$default", nil)
	expect(t, hs.do("OPTIONS", id3, "/x", pre, ""), 404, `{"message":"Not Found"}`)
}
