package dataplane_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	sdk "github.com/aws/aws-sdk-go-v2/service/apigateway"
	"github.com/aws/aws-sdk-go-v2/service/apigateway/types"

	"github.com/stagecraft/stagecraft/internal/app"
	"github.com/stagecraft/stagecraft/internal/lambdatest"
	"github.com/stagecraft/stagecraft/internal/testenv"
)

// lambdaURI is the integration URI that invokes function name.
func lambdaURI(name string) string {
	return "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:" + name + "/invocations"
}

// startWithLambda runs a node whose Lambda integrations call a lambdatest
// server.
func startWithLambda(t *testing.T, opts ...testenv.Option) (*testenv.Env, *lambdatest.Server) {
	t.Helper()
	srv := lambdatest.Start(t)
	opts = append(opts, testenv.WithConfig(func(c *app.Config) { c.LambdaEndpoint = srv.URL }))
	return testenv.Start(t, opts...), srv
}

// raw registers a function returning out, or failing with err.
func raw(srv *lambdatest.Server, name, out string, err error) {
	srv.Register(name, func(context.Context, []byte) ([]byte, error) {
		if err != nil {
			return nil, err
		}
		return []byte(out), nil
	})
}

func TestLambdaProxyEventAndResponse(t *testing.T) {
	env, srv := startWithLambda(t)
	srv.RegisterProxy("echo", func(e events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
		return events.APIGatewayProxyResponse{
			StatusCode:        201,
			Headers:           map[string]string{"X-Custom": "a", "Date": "backend-date"},
			MultiValueHeaders: map[string][]string{"X-Multi": {"1", "2"}},
			Body:              `{"path":"` + e.Path + `"}`,
		}, nil
	})
	f := newFixture(t, env, "proxy")
	f.method("/items/{id}", "POST", nil)
	f.integration("/items/{id}", "POST", &sdk.PutIntegrationInput{Type: "AWS_PROXY", IntegrationHttpMethod: aws.String("POST"),
		Uri: aws.String(lambdaURI("${stageVariables.fn}"))})
	dep := f.deploy("s", map[string]string{"fn": "echo", "color": "blue"})

	r := call(t, env.URL, formHost, f.api, "s", "POST", "/items/a%2Bb?q=1&q=2&one=x", map[string]string{"X-Hdr": "v", "Content-Type": "application/json"}, `{"k":1}`)
	if r.status != 201 || r.body != `{"path":"/items/a%2Bb"}` {
		t.Fatalf("got %d %q", r.status, r.body)
	}
	checkIDs(t, r)
	for h, want := range map[string]string{"X-Custom": "a", "X-Multi": "1, 2", "Content-Type": "application/json", "X-Amzn-Remapped-Date": "backend-date"} {
		if got := r.header.Get(h); got != want {
			t.Errorf("header %s = %q, want %q", h, got, want)
		}
	}
	if r.header.Get("Date") == "backend-date" || !strings.HasPrefix(r.header.Get("X-Amzn-Trace-Id"), "Root=1-") {
		t.Errorf("Date %q, X-Amzn-Trace-Id %q", r.header.Get("Date"), r.header.Get("X-Amzn-Trace-Id"))
	}

	var e events.APIGatewayProxyRequest
	inv := srv.Last(t, "echo")
	inv.Decode(t, &e)
	rc := e.RequestContext
	checks := []struct{ name, got, want string }{
		{"resource", e.Resource, "/items/{id}"},
		{"path", e.Path, "/items/a%2Bb"},
		{"httpMethod", e.HTTPMethod, "POST"},
		{"pathParameters.id", e.PathParameters["id"], "a%2Bb"},
		{"queryStringParameters.q", e.QueryStringParameters["q"], "2"},
		{"multiValueQueryStringParameters.q", strings.Join(e.MultiValueQueryStringParameters["q"], ","), "1,2"},
		{"headers.X-Hdr", e.Headers["X-Hdr"], "v"},
		{"stageVariables.color", e.StageVariables["color"], "blue"},
		{"body", e.Body, `{"k":1}`},
		{"requestContext.stage", rc.Stage, "s"},
		{"requestContext.apiId", rc.APIID, f.api},
		{"requestContext.resourcePath", rc.ResourcePath, "/items/{id}"},
		{"requestContext.path", rc.Path, "/s/items/a%2Bb"},
		{"requestContext.requestId", rc.RequestID, r.header.Get("x-amzn-RequestId")},
		{"requestContext.extendedRequestId", rc.ExtendedRequestID, r.header.Get("x-amz-apigw-id")},
		{"requestContext.accountId", rc.AccountID, "000000000000"},
		{"requestContext.domainName", rc.DomainName, f.api + ".execute-api.localhost"},
		{"requestContext.identity.sourceIp", rc.Identity.SourceIP, "127.0.0.1"},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %q, want %q", c.name, c.got, c.want)
		}
	}
	if e.IsBase64Encoded {
		t.Error("isBase64Encoded for a JSON body")
	}
	if !strings.Contains(string(inv.Payload), `"deploymentId":"`+dep+`"`) || rc.RequestTimeEpoch == 0 || strings.Contains(string(inv.Payload), `"authorizer"`) {
		t.Errorf("event: %s", inv.Payload)
	}
}

// The response contract: anything but the five keys with the right types
// is a 502; function errors and failed invocations too.
func TestLambdaProxyFailures(t *testing.T) {
	env, srv := startWithLambda(t)
	raw(srv, "nonjson", `hello`, nil)
	raw(srv, "extra", `{"statusCode":200,"body":"x","extra":1}`, nil)
	raw(srv, "bare", `"just a string"`, nil)
	raw(srv, "badstatus", `{"statusCode":"abc"}`, nil)
	raw(srv, "mvh", `{"statusCode":200,"multiValueHeaders":{"a":"b"}}`, nil)
	raw(srv, "fails", ``, errors.New("boom"))
	raw(srv, "strstatus", `{"statusCode":"202","headers":{"X-Bool":true},"body":"ok"}`, nil)
	raw(srv, "empty", `{}`, nil)
	f := newFixture(t, env, "proxyfail")
	for _, fn := range []string{"nonjson", "extra", "bare", "badstatus", "mvh", "fails", "missing", "strstatus", "empty"} {
		f.method("/"+fn, "GET", nil)
		f.integration("/"+fn, "GET", &sdk.PutIntegrationInput{Type: "AWS_PROXY", IntegrationHttpMethod: aws.String("POST"), Uri: aws.String(lambdaURI(fn))})
	}
	f.method("/getmethod", "GET", nil)
	f.integration("/getmethod", "GET", &sdk.PutIntegrationInput{Type: "AWS_PROXY", IntegrationHttpMethod: aws.String("GET"), Uri: aws.String(lambdaURI("strstatus"))})
	f.deploy("s", nil)

	const ise = `{"message":"Internal server error"}`
	for _, tc := range []struct {
		path   string
		status int
	}{
		{"/nonjson", 502}, {"/extra", 502}, {"/bare", 502}, {"/badstatus", 502}, {"/mvh", 502},
		{"/fails", 502}, {"/missing", 502}, {"/getmethod", 500},
	} {
		r := call(t, env.URL, formAWS, f.api, "s", "GET", tc.path, nil, "")
		t.Run(tc.path, func(t *testing.T) { expect(t, r, tc.status, ise, "InternalServerErrorException") })
	}
	r := call(t, env.URL, formAWS, f.api, "s", "GET", "/strstatus", nil, "")
	if r.status != 202 || r.body != "ok" || r.header.Get("X-Bool") != "true" {
		t.Errorf("strstatus: %d %q %v", r.status, r.body, r.header)
	}
	r = call(t, env.URL, formAWS, f.api, "s", "GET", "/empty", nil, "")
	if r.status != 200 || r.body != "" || r.header.Get("Content-Type") != "application/json" {
		t.Errorf("empty: %d %q %v", r.status, r.body, r.header)
	}
}

func TestLambdaTimeout(t *testing.T) {
	env, srv := startWithLambda(t)
	raw(srv, "slow", `{"statusCode":200}`, nil)
	gate := srv.Block("slow")
	defer gate.Release()
	f := newFixture(t, env, "timeout")
	f.method("/", "GET", nil)
	f.integration("/", "GET", &sdk.PutIntegrationInput{Type: "AWS_PROXY", IntegrationHttpMethod: aws.String("POST"),
		Uri: aws.String(lambdaURI("slow")), TimeoutInMillis: aws.Int32(50)})
	f.deploy("s", nil)
	expect(t, call(t, env.URL, formHost, f.api, "s", "GET", "/", nil, ""), 504, `{"message":"Endpoint request timed out"}`, "InternalServerErrorException")
}

// Without --lambda-endpoint, Lambda integrations answer 500.
func TestLambdaWithoutEndpoint(t *testing.T) {
	env := testenv.Start(t)
	f := newFixture(t, env, "noendpoint")
	f.method("/", "GET", nil)
	f.integration("/", "GET", &sdk.PutIntegrationInput{Type: "AWS_PROXY", IntegrationHttpMethod: aws.String("POST"), Uri: aws.String(lambdaURI("f"))})
	f.deploy("s", nil)
	expect(t, call(t, env.URL, formHost, f.api, "s", "GET", "/", nil, ""), 500, `{"message":"Internal server error"}`, "InternalServerErrorException")
}

// Binary payloads: a request whose Content-Type is a binary media type
// reaches the function base64-encoded; isBase64Encoded output is decoded
// only when Accept names a binary media type.
func TestLambdaProxyBinary(t *testing.T) {
	env, srv := startWithLambda(t)
	png := []byte{0x89, 'P', 'N', 'G', 0, 1, 2, 0xff}
	srv.RegisterProxy("img", func(e events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
		return events.APIGatewayProxyResponse{StatusCode: 200, Headers: map[string]string{"Content-Type": "image/png"},
			Body: base64.StdEncoding.EncodeToString(png), IsBase64Encoded: true}, nil
	})
	f := newFixture(t, env, "binary")
	if _, err := f.c.UpdateRestApi(f.ctx, &sdk.UpdateRestApiInput{RestApiId: &f.api, PatchOperations: []types.PatchOperation{
		{Op: types.OpAdd, Path: aws.String("/binaryMediaTypes/image~1png")}}}); err != nil {
		t.Fatal(err)
	}
	f.method("/img", "POST", nil)
	f.integration("/img", "POST", &sdk.PutIntegrationInput{Type: "AWS_PROXY", IntegrationHttpMethod: aws.String("POST"), Uri: aws.String(lambdaURI("img"))})
	f.deploy("s", nil)

	r := call(t, env.URL, formHost, f.api, "s", "POST", "/img", map[string]string{"Content-Type": "image/png", "Accept": "image/png"}, string(png))
	if r.status != 200 || r.body != string(png) || r.header.Get("Content-Type") != "image/png" {
		t.Errorf("binary response: %d %q", r.status, r.body)
	}
	var e events.APIGatewayProxyRequest
	srv.Last(t, "img").Decode(t, &e)
	if !e.IsBase64Encoded || e.Body != base64.StdEncoding.EncodeToString(png) {
		t.Errorf("event body %q isBase64Encoded %v", e.Body, e.IsBase64Encoded)
	}
	r = call(t, env.URL, formHost, f.api, "s", "POST", "/img", map[string]string{"Content-Type": "text/plain", "Accept": "application/json"}, "hi")
	if r.status != 200 || r.body != base64.StdEncoding.EncodeToString(png) {
		t.Errorf("text accept: %d %q", r.status, r.body)
	}
	srv.Last(t, "img").Decode(t, &e)
	if e.IsBase64Encoded || e.Body != "hi" {
		t.Errorf("text event body %q isBase64Encoded %v", e.Body, e.IsBase64Encoded)
	}
}

// AWS (non-proxy) Lambda integrations: the request template builds the
// payload, the default integration response maps success, and function
// errors select a response by errorMessage.
func TestLambdaCustomIntegration(t *testing.T) {
	env, srv := startWithLambda(t)
	srv.Register("calc", func(_ context.Context, p []byte) ([]byte, error) {
		var in struct {
			Name string `json:"name"`
		}
		json.Unmarshal(p, &in)
		switch in.Name {
		case "missing":
			return nil, &lambdatest.FunctionError{Type: "NotFound", Message: "NotFound: no such thing"}
		case "crash":
			return nil, errors.New("boom")
		}
		return p, nil
	})
	f := newFixture(t, env, "custom")
	f.method("/calc", "GET", nil)
	f.integration("/calc", "GET", &sdk.PutIntegrationInput{Type: "AWS", IntegrationHttpMethod: aws.String("POST"), Uri: aws.String(lambdaURI("calc")),
		RequestTemplates: map[string]string{"application/json": `{"name":"$input.params('name')","stage":"$context.stage","undefined":"$stageVariables.nope","v":"$stageVariables.v"}`}})
	f.response("/calc", "GET", "200", "", nil, map[string]string{"application/json": `{"echo":$input.json('$')}`})
	f.response("/calc", "GET", "404", "NotFound.*", map[string]string{"X-Error": "integration.response.body.errorType"},
		map[string]string{"application/json": `{"error":"$input.path('$.errorMessage')"}`})
	f.method("/plain", "POST", nil)
	f.integration("/plain", "POST", &sdk.PutIntegrationInput{Type: "AWS", IntegrationHttpMethod: aws.String("POST"), Uri: aws.String(lambdaURI("calc"))})
	f.response("/plain", "POST", "200", "", nil, nil)
	f.method("/sqs", "GET", nil)
	f.integration("/sqs", "GET", &sdk.PutIntegrationInput{Type: "AWS", IntegrationHttpMethod: aws.String("POST"),
		Uri: aws.String("arn:aws:apigateway:us-east-1:sqs:path/000000000000/queue")})
	f.response("/sqs", "GET", "200", "", nil, nil)
	f.deploy("s", map[string]string{"v": "x"})

	r := call(t, env.URL, formHost, f.api, "s", "GET", "/calc?name=pet", nil, "")
	want := `{"echo":{"name":"pet","stage":"s","undefined":"","v":"x"}}`
	if r.status != 200 || r.body != want || !strings.HasPrefix(r.header.Get("X-Amzn-Trace-Id"), "Root=1-") {
		t.Errorf("success: %d %q, want %q", r.status, r.body, want)
	}
	r = call(t, env.URL, formHost, f.api, "s", "GET", "/calc?name=missing", nil, "")
	if r.status != 404 || r.body != `{"error":"NotFound: no such thing"}` || r.header.Get("X-Error") != "NotFound" {
		t.Errorf("selected error: %d %q %v", r.status, r.body, r.header)
	}
	// No pattern matches "boom": the default response maps the error
	// document, with status 200.
	r = call(t, env.URL, formHost, f.api, "s", "GET", "/calc?name=crash", nil, "")
	if r.status != 200 || r.body != `{"echo":{"errorMessage":"boom","errorType":"errorString"}}` {
		t.Errorf("unmatched error: %d %q", r.status, r.body)
	}
	// No template and no body: the function gets {}; the body passes.
	r = call(t, env.URL, formHost, f.api, "s", "POST", "/plain", nil, "")
	if r.status != 200 || r.body != `{}` || string(srv.Last(t, "calc").Payload) != "{}" {
		t.Errorf("passthrough: %d %q", r.status, r.body)
	}
	expect(t, call(t, env.URL, formHost, f.api, "s", "GET", "/sqs", nil, ""), 500, `{"message":"Internal server error"}`, "InternalServerErrorException")
}
