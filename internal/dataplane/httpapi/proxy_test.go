package httpapi_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	sdk "github.com/aws/aws-sdk-go-v2/service/apigatewayv2"
	"github.com/aws/aws-sdk-go-v2/service/apigatewayv2/types"
)

func TestHTTPProxy(t *testing.T) {
	hs := newHarness(t)
	up := echoServer(t)
	upHost := strings.TrimPrefix(up.URL, "http://")
	id := hs.api("proxy", nil)
	greedy := hs.proxy(id, up.URL+"/base/{proxy}", nil)
	hs.route(id, "ANY /example/{proxy+}", greedy, nil)
	vars := hs.proxy(id, "http://${stageVariables.up}/v/{id}", func(in *sdk.CreateIntegrationInput) { in.IntegrationMethod = aws.String("PUT") })
	hs.route(id, "GET /vars/{id}", vars, nil)
	def := hs.proxy(id, up.URL+"/root", nil)
	hs.route(id, "$default", def, nil)
	fixed := hs.proxy(id, up.URL+"/fixed", nil)
	hs.route(id, "GET /fixed/{x}", fixed, nil)
	mapped := hs.proxy(id, up.URL+"/m", func(in *sdk.CreateIntegrationInput) {
		in.RequestParameters = map[string]string{
			"append:header.x-a":           "static",
			"overwrite:header.x-b":        "${request.querystring.q}-${stageVariables.env}",
			"remove:header.x-remove":      "''",
			"overwrite:querystring.q":     "$request.header.x-src",
			"append:querystring.extra":    "${context.stage}",
			"remove:querystring.drop":     "''",
			"overwrite:path":              "/mapped/${request.path.id}",
			"overwrite:header.x-body":     "$request.body.user.name",
			"overwrite:header.x-clientip": "$context.identity.sourceIp",
		}
		in.ResponseParameters = map[string]map[string]string{"200": {
			"overwrite:statuscode":     "201",
			"append:header.x-resp":     "$response.header.x-upstream",
			"remove:header.x-upstream": "''",
			"overwrite:header.x-json":  "$response.body.method",
		}}
	})
	hs.route(id, "POST /map/{id}", mapped, nil)
	hs.stage(id, "prod", map[string]string{"up": upHost, "env": "p"})

	t.Run("greedy variable into the URI", func(t *testing.T) {
		r := hs.do("POST", id, "/prod/example/a/b%20c?x=1&x=2", map[string]string{"X-Custom": "v", "Content-Type": "text/plain"}, "hello")
		expect(t, r, 200, "")
		e := decodeEcho(t, r)
		if e.Method != "POST" || e.Raw != "/base/a/b%20c" || e.Query != "x=1&x=2" || e.Body != "hello" {
			t.Fatalf("upstream saw %+v", e)
		}
		if e.Header["X-Custom"][0] != "v" || e.Header["X-Forwarded-For"][0] != "127.0.0.1" || e.Header["X-Forwarded-Proto"][0] != "http" ||
			!strings.HasPrefix(e.Header["X-Amzn-Trace-Id"][0], "Root=1-") {
			t.Fatalf("upstream headers %v", e.Header)
		}
		if e.Host != upHost {
			t.Errorf("upstream Host %q, want %q", e.Host, upHost)
		}
		if r.header.Get("X-Upstream") != "echo" || r.header.Get("Content-Type") != "application/json" {
			t.Errorf("response headers %v", r.header)
		}
	})
	t.Run("stage variables and integrationMethod", func(t *testing.T) {
		e := decodeEcho(t, hs.do("GET", id, "/prod/vars/42", nil, ""))
		if e.Method != "PUT" || e.Path != "/v/42" {
			t.Fatalf("upstream saw %+v", e)
		}
	})
	t.Run("$default route appends the path", func(t *testing.T) {
		e := decodeEcho(t, hs.do("GET", id, "/prod/store/checkout?a=b", nil, ""))
		if e.Path != "/root/store/checkout" || e.Query != "a=b" {
			t.Fatalf("upstream saw %+v", e)
		}
	})
	t.Run("other routes use the URI as it is", func(t *testing.T) {
		e := decodeEcho(t, hs.do("GET", id, "/prod/fixed/1", nil, ""))
		if e.Path != "/fixed" {
			t.Fatalf("upstream saw %+v", e)
		}
	})
	t.Run("parameter mapping", func(t *testing.T) {
		r := hs.do("POST", id, "/prod/map/7?q=orig&drop=1&keep=k", map[string]string{"X-Remove": "gone", "X-Src": "from-header", "X-A": "first", "Content-Type": "application/json"}, `{"user":{"name":"ann"}}`)
		expect(t, r, 201, "")
		e := decodeEcho(t, r)
		if e.Path != "/mapped/7" {
			t.Errorf("path %q", e.Path)
		}
		if got := e.Header["X-A"]; len(got) != 1 || got[0] != "first,static" {
			t.Errorf("x-a %q", got)
		}
		if got := e.Header["X-B"]; len(got) != 1 || got[0] != "orig-p" {
			t.Errorf("x-b %q", got)
		}
		if _, ok := e.Header["X-Remove"]; ok {
			t.Errorf("x-remove was not removed")
		}
		if got := e.Header["X-Body"]; len(got) != 1 || got[0] != "ann" {
			t.Errorf("x-body %q", got)
		}
		if got := e.Header["X-Clientip"]; len(got) != 1 || got[0] != "127.0.0.1" {
			t.Errorf("x-clientip %q", got)
		}
		for _, want := range []string{"q=from-header", "keep=k", "extra=prod"} {
			if !strings.Contains(e.Query, want) {
				t.Errorf("query %q lacks %s", e.Query, want)
			}
		}
		if strings.Contains(e.Query, "drop") {
			t.Errorf("query %q still has drop", e.Query)
		}
		if r.header.Get("X-Resp") != "echo" || r.header.Get("X-Upstream") != "" || r.header.Get("X-Json") != "POST" {
			t.Errorf("response headers %v", r.header)
		}
	})
	t.Run("path form", func(t *testing.T) {
		r := hs.doHost("GET", "127.0.0.1:"+hs.port(), "/_aws/execute-api/"+id+"/prod/example/z", nil, "")
		expect(t, r, 200, "")
		if e := decodeEcho(t, r); e.Path != "/base/z" {
			t.Fatalf("upstream saw %+v", e)
		}
	})
	t.Run("stage selection", func(t *testing.T) {
		// No $default stage: a path without a stage segment finds nothing.
		expect(t, hs.do("GET", id, "/example/z", nil, ""), 404, `{"message":"Not Found"}`)
		expect(t, hs.do("GET", id, "/", nil, ""), 404, `{"message":"Not Found"}`)
		rec := httptest.NewRecorder()
		req := httptest.NewRequest("GET", "http://nosuchapi0.execute-api.localhost/prod/example/z", nil)
		hs.h.ServeHTTP(rec, req)
		if rec.Code != 404 || rec.Body.String() != `{"message":"Not Found"}` {
			t.Fatalf("unknown API: %d %s", rec.Code, rec.Body)
		}
	})
}

func TestHTTPProxyFailures(t *testing.T) {
	hs := newHarness(t)
	release := make(chan struct{})
	entered := make(chan struct{}, 1)
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		entered <- struct{}{}
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(slow.Close)
	t.Cleanup(func() { close(release) })
	id := hs.api("failures", nil)
	s := hs.proxy(id, slow.URL, func(in *sdk.CreateIntegrationInput) { in.TimeoutInMillis = aws.Int32(50) })
	hs.route(id, "GET /slow", s, nil)
	dead := hs.proxy(id, "http://127.0.0.1:1/", nil)
	hs.route(id, "GET /dead", dead, nil)
	hs.route(id, "GET /notarget", "", nil)
	hs.route(id, "POST /upload", dead, nil)
	hs.stage(id, "$default", nil)

	expect(t, hs.do("GET", id, "/slow", nil, ""), 503, `{"message":"Service Unavailable"}`)
	<-entered
	expect(t, hs.do("GET", id, "/dead", nil, ""), 500, `{"message":"Internal Server Error"}`)
	expect(t, hs.do("GET", id, "/notarget", nil, ""), 404, `{"message":"Not Found"}`)
	expect(t, hs.do("POST", id, "/upload", nil, strings.Repeat("x", 10<<20+1)), 413, `{"message":"Request Entity Too Large"}`)
}

// TestStagesAndRedeploys: a stage serves what its deployment froze, a
// change is visible on the very next request once deployed (read your
// writes), and a stage without a deployment has nothing to serve.
func TestStagesAndRedeploys(t *testing.T) {
	hs := newHarness(t)
	up := echoServer(t)
	id := hs.api("stages", nil)
	integ := hs.proxy(id, up.URL+"/one", nil)
	hs.route(id, "GET /x", integ, nil)
	hs.stage(id, "auto", nil)
	if _, err := hs.c.CreateStage(hs.ctx, &sdk.CreateStageInput{ApiId: &id, StageName: aws.String("manual")}); err != nil {
		t.Fatal(err)
	}
	expect(t, hs.do("GET", id, "/manual/x", nil, ""), 404, `{"message":"Not Found"}`)
	if e := decodeEcho(t, hs.do("GET", id, "/auto/x", nil, "")); e.Path != "/one" {
		t.Fatalf("upstream saw %+v", e)
	}
	dep, err := hs.c.CreateDeployment(hs.ctx, &sdk.CreateDeploymentInput{ApiId: &id, StageName: aws.String("manual")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := hs.c.UpdateIntegration(hs.ctx, &sdk.UpdateIntegrationInput{ApiId: &id, IntegrationId: &integ, IntegrationUri: aws.String(up.URL + "/two")}); err != nil {
		t.Fatal(err)
	}
	// auto redeployed at once; manual still serves its deployment.
	if e := decodeEcho(t, hs.do("GET", id, "/auto/x", nil, "")); e.Path != "/two" {
		t.Fatalf("auto stage: upstream saw %+v", e)
	}
	if e := decodeEcho(t, hs.do("GET", id, "/manual/x", nil, "")); e.Path != "/one" {
		t.Fatalf("manual stage: upstream saw %+v", e)
	}
	_ = dep
	if _, err := hs.c.DeleteStage(hs.ctx, &sdk.DeleteStageInput{ApiId: &id, StageName: aws.String("auto")}); err != nil {
		t.Fatal(err)
	}
	expect(t, hs.do("GET", id, "/auto/x", nil, ""), 404, `{"message":"Not Found"}`)
	if !hs.h.Lookup(id) || hs.h.Lookup("zzzzzzzzzz") {
		t.Fatal("Lookup")
	}
	if _, err := hs.c.DeleteApi(context.Background(), &sdk.DeleteApiInput{ApiId: &id}); err != nil {
		t.Fatal(err)
	}
	if hs.h.Lookup(id) {
		t.Fatal("Lookup of a deleted API")
	}
	// WebSocket APIs are not HTTP APIs.
	ws, err := hs.c.CreateApi(hs.ctx, &sdk.CreateApiInput{Name: aws.String("ws"), ProtocolType: types.ProtocolTypeWebsocket, RouteSelectionExpression: aws.String("$request.body.action")})
	if err != nil {
		t.Fatal(err)
	}
	if hs.h.Lookup(*ws.ApiId) {
		t.Fatal("Lookup of a WebSocket API")
	}
}

// TestCustomDomain routes a custom domain name through its API mappings.
func TestCustomDomain(t *testing.T) {
	hs := newHarness(t)
	up := echoServer(t)
	id := hs.api("domain", nil)
	integ := hs.proxy(id, up.URL+"/d", func(in *sdk.CreateIntegrationInput) {
		in.RequestParameters = map[string]string{"overwrite:header.x-route": "$context.routeKey", "overwrite:header.x-stage": "$context.stage"}
	})
	hs.route(id, "ANY /{proxy+}", integ, nil)
	hs.stage(id, "v1", nil)
	hs.stage(id, "v2", nil)
	if _, err := hs.c.CreateDomainName(hs.ctx, &sdk.CreateDomainNameInput{DomainName: aws.String("api.example.com"),
		DomainNameConfigurations: []types.DomainNameConfiguration{{CertificateArn: aws.String("arn:aws:acm:us-east-1:000000000000:certificate/x"), EndpointType: types.EndpointTypeRegional}}}); err != nil {
		t.Fatal(err)
	}
	for key, stage := range map[string]string{"": "v1", "beta/two": "v2"} {
		in := &sdk.CreateApiMappingInput{DomainName: aws.String("api.example.com"), ApiId: &id, Stage: aws.String(stage)}
		if key != "" {
			in.ApiMappingKey = aws.String(key)
		}
		if _, err := hs.c.CreateApiMapping(hs.ctx, in); err != nil {
			t.Fatal(err)
		}
	}
	if !hs.h.LookupDomain("API.example.com:443") || hs.h.LookupDomain("other.example.com") {
		t.Fatal("LookupDomain")
	}
	r := hs.doHost("GET", "api.example.com", "/a/b", nil, "")
	expect(t, r, 200, "")
	if e := decodeEcho(t, r); e.Header["X-Route"][0] != "ANY /{proxy+}" || e.Header["X-Stage"][0] != "v1" || e.Path != "/d" {
		t.Fatalf("upstream saw %+v", e)
	}
	r = hs.doHost("GET", "api.example.com", "/beta/two/c", nil, "")
	expect(t, r, 200, "")
	if e := decodeEcho(t, r); e.Header["X-Stage"][0] != "v2" {
		t.Fatalf("upstream saw %+v", e)
	}
	expect(t, hs.doHost("GET", "api.example.com", "/", nil, ""), 404, `{"message":"Not Found"}`)
}
