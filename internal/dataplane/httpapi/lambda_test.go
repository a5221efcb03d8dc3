package httpapi_test

import (
	"context"
	"encoding/base64"
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	sdk "github.com/aws/aws-sdk-go-v2/service/apigatewayv2"

	"github.com/stagecraft/stagecraft/internal/lambdatest"
)

func TestLambdaProxy(t *testing.T) {
	lam := lambdatest.Start(t)
	hs := newHarness(t, withLambda(lam.URL))
	id := hs.api("lambda", nil)

	lambdatest.Handle(lam, "v2", func(ctx context.Context, e events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
		return events.APIGatewayV2HTTPResponse{StatusCode: 201, Headers: map[string]string{"X-Fn": "v2", "Content-Type": "text/plain"},
			Cookies: []string{"a=1; Path=/", "b=2"}, Body: base64.StdEncoding.EncodeToString([]byte("bin\x00ary")), IsBase64Encoded: true}, nil
	})
	lam.Register("bare", func(ctx context.Context, payload []byte) ([]byte, error) { return []byte(`{"hello":"world"}`), nil })
	lambdatest.Handle(lam, "v1", func(ctx context.Context, e events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
		return events.APIGatewayProxyResponse{StatusCode: 202, MultiValueHeaders: map[string][]string{"X-Multi": {"a", "b"}}, Body: "v1:" + e.Path}, nil
	})
	lam.Register("fails", func(ctx context.Context, payload []byte) ([]byte, error) { return nil, errors.New("boom") })
	lam.Register("malformed", func(ctx context.Context, payload []byte) ([]byte, error) { return []byte(`{"statusCode":"x"`), nil })
	lam.Register("slow", func(ctx context.Context, payload []byte) ([]byte, error) { return []byte(`{}`), nil })
	gate := lam.Block("slow")
	t.Cleanup(gate.Release)

	hs.route(id, "POST /items/{id}", hs.lambdaInteg(id, "v2", "2.0"), nil)
	hs.route(id, "GET /bare", hs.lambdaInteg(id, "bare", "2.0"), nil)
	hs.route(id, "GET /old/{proxy+}", hs.lambdaInteg(id, "v1", "1.0"), nil)
	hs.route(id, "GET /fails", hs.lambdaInteg(id, "fails", "2.0"), nil)
	hs.route(id, "GET /malformed", hs.lambdaInteg(id, "malformed", "2.0"), nil)
	slowInteg := hs.lambdaInteg(id, "slow", "2.0")
	if _, err := hs.c.UpdateIntegration(hs.ctx, &sdk.UpdateIntegrationInput{ApiId: &id, IntegrationId: &slowInteg, TimeoutInMillis: aws.Int32(50)}); err != nil {
		t.Fatal(err)
	}
	hs.route(id, "GET /slow", slowInteg, nil)
	hs.route(id, "GET /missing", hs.lambdaInteg(id, "nosuchfunction", "2.0"), nil)
	hs.stage(id, "prod", map[string]string{"k": "v"})

	t.Run("payload 2.0", func(t *testing.T) {
		r := hs.do("POST", id, "/prod/items/7?a=1&a=2&b=x%20y", map[string]string{"Cookie": "c1=v1; c2=v2", "X-Multi": "m", "Content-Type": "application/json", "User-Agent": "ua/1"}, `{"k":1}`)
		expect(t, r, 201, "bin\x00ary")
		if r.header.Get("X-Fn") != "v2" || r.header.Get("Content-Type") != "text/plain" {
			t.Errorf("headers %v", r.header)
		}
		if c := r.header.Values("Set-Cookie"); len(c) != 2 || c[0] != "a=1; Path=/" || c[1] != "b=2" {
			t.Errorf("set-cookie %q", c)
		}
		var e events.APIGatewayV2HTTPRequest
		lam.Last(t, "v2").Decode(t, &e)
		rc := e.RequestContext
		switch {
		case e.Version != "2.0", e.RouteKey != "POST /items/{id}", e.RawPath != "/prod/items/7", e.RawQueryString != "a=1&a=2&b=x%20y":
			t.Errorf("event %+v", e)
		case e.QueryStringParameters["a"] != "1,2" || e.QueryStringParameters["b"] != "x y":
			t.Errorf("query %v", e.QueryStringParameters)
		case len(e.Cookies) != 2 || e.Cookies[0] != "c1=v1":
			t.Errorf("cookies %v", e.Cookies)
		case e.Headers["x-multi"] != "m" || e.Headers["user-agent"] != "ua/1" || e.Headers["cookie"] != "":
			t.Errorf("headers %v", e.Headers)
		case e.PathParameters["id"] != "7", e.StageVariables["k"] != "v", e.Body != `{"k":1}`, e.IsBase64Encoded:
			t.Errorf("event %+v", e)
		case rc.Stage != "prod", rc.APIID != id, rc.HTTP.Method != "POST", rc.HTTP.Path != "/prod/items/7", rc.HTTP.SourceIP != "127.0.0.1",
			rc.HTTP.UserAgent != "ua/1", rc.RequestID != r.header.Get("apigw-requestid"), rc.AccountID != "000000000000",
			rc.DomainName != id+".execute-api.localhost", rc.DomainPrefix != id, rc.TimeEpoch == 0:
			t.Errorf("requestContext %+v", rc)
		}
	})
	t.Run("2.0 output without statusCode", func(t *testing.T) {
		r := hs.do("GET", id, "/prod/bare", nil, "")
		expect(t, r, 200, `{"hello":"world"}`)
		if r.header.Get("Content-Type") != "application/json" {
			t.Errorf("content type %q", r.header.Get("Content-Type"))
		}
	})
	t.Run("payload 1.0", func(t *testing.T) {
		r := hs.do("GET", id, "/prod/old/a/b?x=1", nil, "")
		expect(t, r, 202, "v1:/prod/old/a/b")
		if v := r.header.Values("X-Multi"); len(v) != 2 {
			t.Errorf("x-multi %q", v)
		}
		var e events.APIGatewayProxyRequest
		inv := lam.Last(t, "v1")
		inv.Decode(t, &e)
		if e.Resource != "/old/{proxy+}" || e.HTTPMethod != "GET" || e.PathParameters["proxy"] != "a/b" || e.QueryStringParameters["x"] != "1" ||
			e.RequestContext.Stage != "prod" || !strings.Contains(string(inv.Payload), `"version":"1.0"`) {
			t.Errorf("event %+v", e)
		}
	})
	t.Run("failures", func(t *testing.T) {
		expect(t, hs.do("GET", id, "/prod/fails", nil, ""), 500, `{"message":"Internal Server Error"}`)
		expect(t, hs.do("GET", id, "/prod/malformed", nil, ""), 500, `{"message":"Internal Server Error"}`)
		expect(t, hs.do("GET", id, "/prod/missing", nil, ""), 500, `{"message":"Internal Server Error"}`)
		expect(t, hs.do("GET", id, "/prod/slow", nil, ""), 503, `{"message":"Service Unavailable"}`)
	})

	// Without a Lambda endpoint, AWS_PROXY routes answer 500.
	bare := newHarness(t)
	id2 := bare.api("nolambda", nil)
	bare.route(id2, "GET /x", bare.lambdaInteg(id2, "v2", "2.0"), nil)
	bare.stage(id2, "$default", nil)
	expect(t, bare.do("GET", id2, "/x", nil, ""), 500, `{"message":"Internal Server Error"}`)
}
