package dataplane_test

import (
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	sdk "github.com/aws/aws-sdk-go-v2/service/apigateway"

	"github.com/stagecraft/stagecraft/internal/testenv"
)

// seen is what the upstream received.
type seen struct {
	Method, Path, RawQuery, Body, Host string
	Header                             http.Header
}

// echoUpstream records requests and answers per path.
type echoUpstream struct {
	*httptest.Server
	mu      sync.Mutex
	last    seen
	release chan struct{} // /slow blocks until closed
}

func newUpstream(t *testing.T) *echoUpstream {
	u := &echoUpstream{release: make(chan struct{})}
	u.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		u.mu.Lock()
		u.last = seen{r.Method, r.URL.EscapedPath(), r.URL.RawQuery, string(b), r.Host, r.Header.Clone()}
		u.mu.Unlock()
		switch {
		case strings.HasPrefix(r.URL.Path, "/slow"):
			<-u.release
			w.Write([]byte("late"))
		case strings.HasPrefix(r.URL.Path, "/backend/"):
			w.Header().Set("X-Up", "up-value")
			w.Header().Set("Content-Type", "application/json")
			status := 200
			switch r.URL.Query().Get("status") {
			case "404":
				status = 404
			case "400":
				status = 400
			}
			w.WriteHeader(status)
			json.NewEncoder(w).Encode(map[string]any{"name": "widget", "id": strings.TrimPrefix(r.URL.Path, "/backend/"),
				"nested": map[string]any{"n": 3}, "query": r.URL.RawQuery, "body": string(b)})
		default:
			w.Header().Set("Content-Type", "text/plain")
			w.Header().Set("X-Custom", "c1")
			w.Header().Set("Server", "upstream/1.0")
			w.Header().Set("x-amzn-RequestId", "upstream-id")
			w.Header().Set("WWW-Authenticate", "Basic")
			w.WriteHeader(201)
			w.Write([]byte("upstream:" + r.Method + ":" + string(b)))
		}
	}))
	t.Cleanup(func() {
		select {
		case <-u.release:
		default:
			close(u.release)
		}
		u.Close()
	})
	return u
}

func (u *echoUpstream) lastSeen() seen {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.last
}

func TestHTTPProxy(t *testing.T) {
	up := newUpstream(t)
	env := testenv.Start(t)
	f := newFixture(t, env, "proxy")
	f.method("/{proxy+}", "ANY", &sdk.PutMethodInput{RequestParameters: map[string]bool{"method.request.path.proxy": true}})
	f.integration("/{proxy+}", "ANY", &sdk.PutIntegrationInput{Type: "HTTP_PROXY", IntegrationHttpMethod: aws.String("ANY"),
		Uri:               aws.String("http://${stageVariables.upstream}/echo/{proxy}?fixed=1"),
		RequestParameters: map[string]string{"integration.request.path.proxy": "method.request.path.proxy", "integration.request.header.X-Mapped": "'mapped'"}})
	f.method("/slow", "GET", nil)
	f.integration("/slow", "GET", &sdk.PutIntegrationInput{Type: "HTTP_PROXY", IntegrationHttpMethod: aws.String("GET"),
		Uri: aws.String(up.URL + "/slow"), TimeoutInMillis: aws.Int32(50)})
	// A port nothing listens on.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	deadAddr := ln.Addr().String()
	ln.Close()
	f.method("/dead", "GET", nil)
	f.integration("/dead", "GET", &sdk.PutIntegrationInput{Type: "HTTP_PROXY", IntegrationHttpMethod: aws.String("GET"), Uri: aws.String("http://" + deadAddr + "/")})
	f.method("/badhost", "GET", nil)
	f.integration("/badhost", "GET", &sdk.PutIntegrationInput{Type: "HTTP_PROXY", IntegrationHttpMethod: aws.String("GET"), Uri: aws.String("http://${stageVariables.nohost}/x")})
	f.deploy("live", map[string]string{"upstream": strings.TrimPrefix(up.URL, "http://")})

	t.Run("passthrough", func(t *testing.T) {
		r := call(t, env.URL, formHost, f.api, "live", "PUT", "/a/b%20c/d?x=1&x=2&y=a%2Bb",
			map[string]string{"X-Test": "t1", "Content-Type": "text/plain", "X-Forwarded-For": "10.0.0.1"}, "hello body")
		expect(t, r, 201, "upstream:PUT:hello body", "")
		got := up.lastSeen()
		if got.Method != "PUT" || got.Path != "/echo/a/b%20c/d" || got.RawQuery != "fixed=1&x=1&x=2&y=a%2Bb" || got.Body != "hello body" {
			t.Errorf("upstream saw %+v", got)
		}
		if got.Host != strings.TrimPrefix(up.URL, "http://") {
			t.Errorf("upstream Host %q", got.Host)
		}
		for k, v := range map[string]string{
			"X-Test": "t1", "Content-Type": "text/plain", "X-Mapped": "mapped",
			"X-Forwarded-For": "10.0.0.1, 127.0.0.1", "X-Forwarded-Proto": "http",
			"X-Amzn-Apigateway-Api-Id": f.api,
		} {
			if g := got.Header.Get(k); g != v {
				t.Errorf("upstream header %s = %q, want %q", k, g, v)
			}
		}
		if !strings.HasPrefix(got.Header.Get("X-Amzn-Trace-Id"), "Root=1-") {
			t.Errorf("trace id %q", got.Header.Get("X-Amzn-Trace-Id"))
		}
		for k, v := range map[string]string{
			"X-Custom": "c1", "Content-Type": "text/plain",
			"X-Amzn-Remapped-Server":           "upstream/1.0",
			"X-Amzn-Remapped-X-Amzn-Requestid": "upstream-id",
			"X-Amzn-Remapped-Www-Authenticate": "Basic",
			"X-Amzn-Remapped-Content-Length":   "23",
			"Server":                           "",
			"WWW-Authenticate":                 "",
		} {
			if g := r.header.Get(k); g != v {
				t.Errorf("response header %s = %q, want %q", k, g, v)
			}
		}
		if r.header.Get("X-Amzn-Remapped-Date") == "" {
			t.Error("backend Date not remapped")
		}
		if id := r.header.Get("x-amzn-RequestId"); id == "upstream-id" {
			t.Error("backend request id leaked")
		}
	})

	t.Run("any forwards the client method", func(t *testing.T) {
		for _, m := range []string{"GET", "DELETE", "PATCH", "POST"} {
			r := call(t, env.URL, formAWS, f.api, "live", m, "/x", nil, "")
			expect(t, r, 201, "upstream:"+m+":", "")
		}
	})

	t.Run("timeout", func(t *testing.T) {
		r := call(t, env.URL, formHost, f.api, "live", "GET", "/slow", nil, "")
		expect(t, r, 504, `{"message":"Endpoint request timed out"}`, "InternalServerErrorException")
	})

	t.Run("unreachable", func(t *testing.T) {
		r := call(t, env.URL, formHost, f.api, "live", "GET", "/dead", nil, "")
		expect(t, r, 500, `{"message":"Internal server error"}`, "InternalServerErrorException")
	})

	t.Run("invalid endpoint", func(t *testing.T) {
		r := call(t, env.URL, formHost, f.api, "live", "GET", "/badhost", nil, "")
		expect(t, r, 500, `{"message":"Internal server error"}`, "InternalServerErrorException")
	})
}

func TestHTTPNonProxy(t *testing.T) {
	up := newUpstream(t)
	env := testenv.Start(t)
	f := newFixture(t, env, "http")
	f.method("/items/{id}", "POST", &sdk.PutMethodInput{RequestParameters: map[string]bool{
		"method.request.path.id": true, "method.request.querystring.status": false, "method.request.header.X-Client": false}})
	f.integration("/items/{id}", "POST", &sdk.PutIntegrationInput{Type: "HTTP", IntegrationHttpMethod: aws.String("POST"),
		Uri: aws.String(up.URL + "/backend/{id}"),
		RequestParameters: map[string]string{
			"integration.request.path.id":            "method.request.path.id",
			"integration.request.querystring.status": "method.request.querystring.status",
			"integration.request.header.X-From":      "method.request.header.X-Client",
			"integration.request.header.X-Stage":     "stageVariables.env",
		},
		RequestTemplates: map[string]string{"application/json": `{"wrapped":$input.json('$'),"id":"$input.params('id')"}`}})
	f.response("/items/{id}", "POST", "200", "", map[string]string{
		"X-Up":   "integration.response.header.X-Up",
		"X-Name": "integration.response.body.name",
		"X-N":    "integration.response.body.nested.n",
	}, map[string]string{"application/json": `{"name":$input.json('$.name'),"id":"$input.path('$.id')","sent":$input.json('$.body')}`})
	f.response("/items/{id}", "POST", "404", "404", nil, map[string]string{"application/json": `{"missing":"$input.path('$.id')"}`})
	f.deploy("v", map[string]string{"env": "qa"})

	r := call(t, env.URL, formHost, f.api, "v", "POST", "/items/7", map[string]string{"X-Client": "cli", "X-Not-Forwarded": "1"}, `{"a":1}`)
	expect(t, r, 200, `{"name":"widget","id":"7","sent":"{\"wrapped\":{\"a\":1},\"id\":\"7\"}"}`, "")
	for k, v := range map[string]string{"X-Up": "up-value", "X-Name": "widget", "X-N": "3", "Content-Type": "application/json"} {
		if g := r.header.Get(k); g != v {
			t.Errorf("response header %s = %q, want %q", k, g, v)
		}
	}
	got := up.lastSeen()
	if got.Path != "/backend/7" || got.RawQuery != "" || got.Method != "POST" {
		t.Errorf("upstream saw %+v", got)
	}
	for k, v := range map[string]string{"X-From": "cli", "X-Stage": "qa", "X-Not-Forwarded": "", "User-Agent": "AmazonAPIGateway_" + f.api, "Content-Type": "application/json"} {
		if g := got.Header.Get(k); g != v {
			t.Errorf("upstream header %s = %q, want %q", k, g, v)
		}
	}

	// A backend 404 selects the 404 response.
	r = call(t, env.URL, formHost, f.api, "v", "POST", "/items/8?status=404", nil, `{}`)
	expect(t, r, 404, `{"missing":"8"}`, "")
	if got := up.lastSeen(); got.RawQuery != "status=404" {
		t.Errorf("mapped query string: %q", got.RawQuery)
	}
	// A backend 400 with only a default 200 response answers 200 [V].
	r = call(t, env.URL, formHost, f.api, "v", "POST", "/items/9?status=400", nil, `{}`)
	if r.status != 200 {
		t.Errorf("backend 400: got %d %s", r.status, r.body)
	}
}

// Required request parameters are checked when the method has a validator
// that validates parameters.
func TestRequestParameterValidation(t *testing.T) {
	env := testenv.Start(t)
	f := newFixture(t, env, "validate")
	v, err := f.c.CreateRequestValidator(f.ctx, &sdk.CreateRequestValidatorInput{RestApiId: &f.api, Name: aws.String("params"), ValidateRequestParameters: true})
	if err != nil {
		t.Fatal(err)
	}
	f.method("/q", "GET", &sdk.PutMethodInput{RequestValidatorId: v.Id, RequestParameters: map[string]bool{
		"method.request.querystring.page": true, "method.request.header.X-Token": true, "method.request.querystring.opt": false}})
	f.integration("/q", "GET", &sdk.PutIntegrationInput{Type: "MOCK", RequestTemplates: map[string]string{"application/json": `{"statusCode":200}`}})
	f.response("/q", "GET", "200", "", nil, map[string]string{"application/json": "ok"})
	f.deploy("s", nil)

	expect(t, call(t, env.URL, formHost, f.api, "s", "GET", "/q", nil, ""), 400,
		`{"message":"Missing required request parameters: [X-Token, page]"}`, "BadRequestException")
	expect(t, call(t, env.URL, formHost, f.api, "s", "GET", "/q?page=1", nil, ""), 400,
		`{"message":"Missing required request parameters: [X-Token]"}`, "BadRequestException")
	expect(t, call(t, env.URL, formHost, f.api, "s", "GET", "/q?page=1", map[string]string{"X-Token": "t"}, ""), 200, "ok", "")
}

// Request body validation against the method's request model (JSON
// Schema draft 4), with references to other models of the API.
func TestRequestBodyValidation(t *testing.T) {
	env := testenv.Start(t)
	f := newFixture(t, env, "bodyval")
	for name, schema := range map[string]string{
		"Tag": `{"type":"object","required":["key"],"properties":{"key":{"type":"string","pattern":"^[a-z]+$"}},"additionalProperties":false}`,
		"Pet": `{"$schema":"http://json-schema.org/draft-04/schema#","type":"object","required":["name","price"],
			"properties":{"name":{"type":"string","minLength":1,"maxLength":5},"price":{"type":"number","minimum":0},
			"kind":{"enum":["dog","cat"]},"age":{"type":"integer"},
			"tags":{"type":"array","maxItems":2,"items":{"$ref":"https://apigateway.amazonaws.com/restapis/` + f.api + `/models/Tag"}}}}`,
	} {
		if _, err := f.c.CreateModel(f.ctx, &sdk.CreateModelInput{RestApiId: &f.api, Name: aws.String(name), ContentType: aws.String("application/json"), Schema: aws.String(schema)}); err != nil {
			t.Fatalf("create model %s: %v", name, err)
		}
	}
	v, err := f.c.CreateRequestValidator(f.ctx, &sdk.CreateRequestValidatorInput{RestApiId: &f.api, Name: aws.String("body"), ValidateRequestBody: true})
	if err != nil {
		t.Fatal(err)
	}
	f.method("/pets", "POST", &sdk.PutMethodInput{RequestValidatorId: v.Id, RequestModels: map[string]string{"application/json": "Pet"}})
	f.integration("/pets", "POST", &sdk.PutIntegrationInput{Type: "MOCK", RequestTemplates: map[string]string{"application/json": `{"statusCode":200}`}})
	f.response("/pets", "POST", "200", "", nil, map[string]string{"application/json": "created"})
	if _, err := f.c.PutGatewayResponse(f.ctx, &sdk.PutGatewayResponseInput{RestApiId: &f.api, ResponseType: "BAD_REQUEST_BODY",
		ResponseTemplates: map[string]string{"application/json": `{"message":$context.error.messageString,"details":"$context.error.validationErrorString"}`}}); err != nil {
		t.Fatal(err)
	}
	f.deploy("s", nil)

	for _, tc := range []struct {
		name, ct, body string
		status         int
		details        string
	}{
		{"valid", "application/json", `{"name":"rex","price":3.5,"kind":"dog","age":3,"tags":[{"key":"a"}]}`, 200, ""},
		{"missing required", "application/json", `{"kind":"cat"}`, 400, `[object has missing required properties (["name","price"])]`},
		{"wrong type", "application/json", `{"name":"rex","price":"free"}`, 400, `[instance type (string) does not match any allowed primitive type (allowed: ["number"])]`},
		{"integer", "application/json", `{"name":"rex","price":1,"age":2.5}`, 400, `[instance type (number) does not match any allowed primitive type (allowed: ["integer"])]`},
		{"minimum and enum", "application/json", `{"name":"rex","price":-1,"kind":"cow"}`, 400,
			`[instance value ("cow") not found in enum (possible values: ["dog","cat"]), numeric instance is lower than the required minimum (minimum: 0, found: -1)]`},
		{"maxLength", "application/json", `{"name":"rexrex","price":1}`, 400, `[string "rexrex" is too long (length: 6, maximum allowed: 5)]`},
		{"referenced model", "application/json", `{"name":"rex","price":1,"tags":[{"key":"A1","x":1}]}`, 400,
			`[ECMA 262 regex "^[a-z]+$" does not match input string "A1", object instance has properties which are not allowed by the schema: ["x"]]`},
		{"not json", "application/json", `{"name":`, 400, `[Invalid JSON in request body]`},
		{"no model for the content type", "text/plain", `anything`, 200, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := call(t, env.URL, formHost, f.api, "s", "POST", "/pets", map[string]string{"Content-Type": tc.ct}, tc.body)
			if tc.status == 200 {
				expect(t, r, 200, "created", "")
				return
			}
			expect(t, r, 400, `{"message":"Invalid request body","details":"`+tc.details+`"}`, "BadRequestException")
		})
	}
}
