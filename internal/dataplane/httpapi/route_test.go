package httpapi_test

import (
	"net/http"
	"strings"
	"testing"

	sdk "github.com/aws/aws-sdk-go-v2/service/apigatewayv2"
)

// TestRouteSelection checks AWS's route priority through real requests:
// every route shares one HTTP_PROXY integration that tells the upstream
// which route matched ($context.routeKey) and the path variables.
func TestRouteSelection(t *testing.T) {
	hs := newHarness(t)
	up := echoServer(t)
	id := hs.api("routes", nil)
	integ := hs.proxy(id, up.URL+"/", func(in *sdk.CreateIntegrationInput) {
		in.RequestParameters = map[string]string{
			"overwrite:header.x-route":  "$context.routeKey",
			"overwrite:header.x-params": "${request.path.id}|${request.path.proxy}",
		}
	})
	for _, k := range []string{
		"GET /pets/dog/1", "GET /pets/dog/{id}", "GET /pets/{proxy+}", "ANY /{proxy+}", "$default", // the AWS guide's example
		"ANY /pets/dog", "GET /pets/{id}", "POST /items", "ANY /items", "GET /",
		"GET /metrics", "GET /metrics/{proxy+}",
	} {
		hs.route(id, k, integ, nil)
	}
	hs.stage(id, "$default", nil)

	for _, tc := range []struct {
		method, path, route, params string
	}{
		{"GET", "/pets/dog/1", "GET /pets/dog/1", "|"},
		{"GET", "/pets/dog/2", "GET /pets/dog/{id}", "2|"},
		{"GET", "/pets/cat/1", "GET /pets/{proxy+}", "|cat/1"},
		{"POST", "/test/5", "ANY /{proxy+}", "|test/5"},
		// A literal path beats a {param} path; on it ANY serves GET.
		{"GET", "/pets/dog", "ANY /pets/dog", "|"},
		{"POST", "/pets/dog", "ANY /pets/dog", "|"},
		{"GET", "/pets/cat", "GET /pets/{id}", "cat|"},
		// No DELETE on /pets/{id} nor /pets/{proxy+}: the root greedy ANY.
		{"DELETE", "/pets/cat", "ANY /{proxy+}", "|pets/cat"},
		{"POST", "/items", "POST /items", "|"},
		{"PUT", "/items", "ANY /items", "|"},
		{"GET", "/", "GET /", "|"},
		// "/" has no segment for {proxy+} to take.
		{"POST", "/", "$default", "|"},
		{"GET", "/metrics", "GET /metrics", "|"},
		// The trailing slash is significant: only a greedy route takes it.
		{"GET", "/metrics/", "GET /metrics/{proxy+}", "|"},
		// Path variables are decoded [D].
		{"GET", "/pets/a%20b", "GET /pets/{id}", "a b|"},
		{"GET", "/pets/x%2Fy/z", "GET /pets/{proxy+}", "|x/y/z"},
		{"HEAD", "/pets/dog/1", "ANY /{proxy+}", "|pets/dog/1"},
	} {
		t.Run(tc.method+" "+tc.path, func(t *testing.T) {
			r := hs.do(tc.method, id, tc.path, nil, "")
			expect(t, r, 200, "")
			got := r.header.Get("X-Upstream")
			if got != "echo" {
				t.Fatalf("not answered by the upstream: %d %s", r.status, r.body)
			}
			if tc.method == "HEAD" {
				return // no body to read the echo from
			}
			e := decodeEcho(t, r)
			if k := strings.Join(e.Header["X-Route"], ","); k != tc.route {
				t.Errorf("route %q, want %q", k, tc.route)
			}
			if p := strings.Join(e.Header["X-Params"], ","); p != tc.params {
				t.Errorf("params %q, want %q", p, tc.params)
			}
		})
	}

	// Without a $default route, what matches nothing is 404.
	id2 := hs.api("no-default", nil)
	integ2 := hs.proxy(id2, up.URL+"/", nil)
	hs.route(id2, "GET /only", integ2, nil)
	hs.stage(id2, "$default", nil)
	expect(t, hs.do("GET", id2, "/only", nil, ""), 200, "")
	expect(t, hs.do("POST", id2, "/only", nil, ""), 404, `{"message":"Not Found"}`)
	expect(t, hs.do("GET", id2, "/other", nil, ""), 404, `{"message":"Not Found"}`)
	expect(t, hs.do("GET", id2, "/only/", nil, ""), 404, `{"message":"Not Found"}`)
	if r := hs.do("GET", id2, "/other", nil, ""); r.header.Get("Content-Type") != "application/json" {
		t.Errorf("404 content type %q", r.header.Get("Content-Type"))
	}
	_ = http.MethodGet
}
