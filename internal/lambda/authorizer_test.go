package lambda_test

import (
	"encoding/json"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/google/go-cmp/cmp"

	"github.com/stagecraft/stagecraft/internal/lambda"
)

func TestExecuteAPIARN(t *testing.T) {
	cases := []struct{ method, path, want string }{
		{"GET", "/pets/7", "arn:aws:execute-api:us-east-1:123456789012:a1b2c3d4e5/dev/GET/pets/7"},
		{"POST", "/", "arn:aws:execute-api:us-east-1:123456789012:a1b2c3d4e5/dev/POST/"},
		{"$connect", "", "arn:aws:execute-api:us-east-1:123456789012:a1b2c3d4e5/dev/$connect"},
	}
	for _, c := range cases {
		if got := lambda.ExecuteAPIARN("us-east-1", "123456789012", "a1b2c3d4e5", "dev", c.method, c.path); got != c.want {
			t.Errorf("ExecuteAPIARN(%s %s) = %s, want %s", c.method, c.path, got, c.want)
		}
	}
}

func TestAuthorizerEvents(t *testing.T) {
	methodArn := "arn:aws:execute-api:us-east-1:123456789012:a1b2c3d4e5/dev/GET/proxy-value"
	t.Run("token", func(t *testing.T) {
		var e events.APIGatewayCustomAuthorizerRequest
		if err := json.Unmarshal(lambda.TokenAuthorizerEvent("Bearer abc", methodArn), &e); err != nil {
			t.Fatal(err)
		}
		want := events.APIGatewayCustomAuthorizerRequest{Type: "TOKEN", AuthorizationToken: "Bearer abc", MethodArn: methodArn}
		if e != want {
			t.Errorf("%+v", e)
		}
	})
	t.Run("REST request", func(t *testing.T) {
		r := restRequest()
		r.StageVariables = map[string]string{"s": "v"}
		r.Body = []byte("not sent to authorizers")
		ev := lambda.RequestAuthorizerEvent(r, methodArn)
		var raw map[string]any
		json.Unmarshal(ev, &raw)
		for _, k := range []string{"body", "isBase64Encoded", "version"} {
			if _, ok := raw[k]; ok {
				t.Errorf("%s present in a REQUEST authorizer event", k)
			}
		}
		var e events.APIGatewayCustomAuthorizerRequestTypeRequest
		if err := json.Unmarshal(ev, &e); err != nil {
			t.Fatal(err)
		}
		want := events.APIGatewayCustomAuthorizerRequestTypeRequest{
			Type:       "REQUEST",
			MethodArn:  methodArn,
			Resource:   "/{proxy+}",
			Path:       "/proxy-value",
			HTTPMethod: "GET",
			Headers: map[string]string{"Accept": "*/*", "Host": "a1b2c3d4e5.execute-api.us-east-1.amazonaws.com",
				"User-Agent": "curl/8.5.0", "X-Multi": "v2"},
			MultiValueHeaders: map[string][]string{"Accept": {"*/*"}, "Host": {"a1b2c3d4e5.execute-api.us-east-1.amazonaws.com"},
				"User-Agent": {"curl/8.5.0"}, "X-Multi": {"v1", "v2"}},
			QueryStringParameters:           map[string]string{"k": "b", "one": "1"},
			MultiValueQueryStringParameters: map[string][]string{"k": {"a", "b"}, "one": {"1"}},
			PathParameters:                  map[string]string{"proxy": "proxy-value"},
			StageVariables:                  map[string]string{"s": "v"},
			RequestContext: events.APIGatewayCustomAuthorizerRequestTypeRequestContext{
				Path: "/dev/proxy-value", AccountID: "123456789012", ResourceID: "r1s2t3", Stage: "dev",
				RequestID:    "c6af9ac6-7b61-11e6-9a41-93e8deadbeef",
				Identity:     events.APIGatewayCustomAuthorizerRequestTypeRequestIdentity{SourceIP: "203.0.113.7"},
				ResourcePath: "/{proxy+}", HTTPMethod: "GET", APIID: "a1b2c3d4e5",
			},
		}
		if d := cmp.Diff(want, e); d != "" {
			t.Errorf("(-want +got):\n%s", d)
		}
	})
	t.Run("HTTP API 2.0", func(t *testing.T) {
		r := v2Request()
		routeArn := "arn:aws:execute-api:eu-west-1:123456789012:k2j3h4g5f6/prod/POST/pets/7"
		ev := lambda.HTTPAuthorizerEventV2(r, routeArn, []string{"tok", "c1=v1"})
		var raw map[string]any
		json.Unmarshal(ev, &raw)
		if _, ok := raw["body"]; ok {
			t.Error("body in an authorizer event")
		}
		var e events.APIGatewayV2CustomAuthorizerV2Request
		if err := json.Unmarshal(ev, &e); err != nil {
			t.Fatal(err)
		}
		if e.Version != "2.0" || e.Type != "REQUEST" || e.RouteArn != routeArn || !cmp.Equal(e.IdentitySource, []string{"tok", "c1=v1"}) ||
			e.RouteKey != "POST /pets/{id}" || e.RawPath != "/prod/pets/7" || e.RawQueryString != "a=1&a=2&b=x%20y" ||
			len(e.Cookies) != 3 || e.Headers["x-multi"] != "v1,v2" || e.QueryStringParameters["a"] != "1,2" ||
			e.PathParameters["id"] != "7" || e.StageVariables["k"] != "v" ||
			e.RequestContext.HTTP.SourceIP != "198.51.100.9" || e.RequestContext.TimeEpoch != 1583348638390 {
			t.Errorf("decoded: %+v", e)
		}
		// No identity values: an empty list, not null.
		json.Unmarshal(lambda.HTTPAuthorizerEventV2(r, routeArn, nil), &raw)
		if l, ok := raw["identitySource"].([]any); !ok || len(l) != 0 {
			t.Errorf("identitySource %v", raw["identitySource"])
		}
	})
	t.Run("HTTP API 1.0", func(t *testing.T) {
		r := v2Request()
		r.Resource = "/pets/{id}"
		var e events.APIGatewayV2CustomAuthorizerV1Request
		if err := json.Unmarshal(lambda.HTTPAuthorizerEventV1(r, "arn:x", []string{"tok", "other"}), &e); err != nil {
			t.Fatal(err)
		}
		if e.Version != "1.0" || e.Type != "REQUEST" || e.MethodArn != "arn:x" || e.IdentitySource != "tok,other" ||
			e.AuthorizationToken != "tok" || e.Resource != "/pets/{id}" || e.Path != "/prod/pets/7" || e.HTTPMethod != "POST" ||
			e.Headers["content-type"] != "text/plain" || e.RequestContext.Stage != "prod" || e.RequestContext.Identity.SourceIP != "198.51.100.9" {
			t.Errorf("decoded: %+v", e)
		}
	})
	t.Run("WebSocket", func(t *testing.T) {
		r := wsRequest("$connect")
		arn := lambda.ExecuteAPIARN("ap-northeast-1", "123456789012", "w1e2r3t4y5", "prod", "$connect", "")
		var e events.APIGatewayCustomAuthorizerRequestTypeRequest
		ev := lambda.WebSocketAuthorizerEvent(r, &lambda.WebSocket{EventType: lambda.EventConnect, ConnectionID: "c1="}, arn)
		if err := json.Unmarshal(ev, &e); err != nil {
			t.Fatal(err)
		}
		var raw map[string]any
		json.Unmarshal(ev, &raw)
		rc := raw["requestContext"].(map[string]any)
		if e.Type != "REQUEST" || e.MethodArn != arn || e.QueryStringParameters["token"] != "abc" || e.Headers["Sec-WebSocket-Version"] != "13" ||
			rc["connectionId"] != "c1=" || rc["eventType"] != "CONNECT" || rc["routeKey"] != "$connect" {
			t.Errorf("decoded: %+v\n%s", e, ev)
		}
		if _, ok := raw["isBase64Encoded"]; ok {
			t.Error("isBase64Encoded in an authorizer event")
		}
	})
}
