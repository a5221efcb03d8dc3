package lambda_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/google/go-cmp/cmp"

	"github.com/stagecraft/stagecraft/internal/lambda"
	"github.com/stagecraft/stagecraft/internal/lambdatest"
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

func TestPolicyResponses(t *testing.T) {
	const arn = "arn:aws:execute-api:us-east-1:123456789012:a1b2c3d4e5/dev/GET/pets/7"
	policy := func(stmts string) string {
		return `{"principalId":"user-1","policyDocument":{"Version":"2012-10-17","Statement":` + stmts + `}}`
	}
	cases := []struct {
		name    string
		payload string
		allowed bool
	}{
		{"exact allow", policy(`[{"Action":"execute-api:Invoke","Effect":"Allow","Resource":"` + arn + `"}]`), true},
		{"statement object, lists", policy(`{"Action":["execute-api:Invoke"],"Effect":"Allow","Resource":["x","` + arn + `"]}`), true},
		{"wildcard stage and path", policy(`[{"Action":"execute-api:Invoke","Effect":"Allow","Resource":"arn:aws:execute-api:us-east-1:123456789012:a1b2c3d4e5/*/GET/*"}]`), true},
		{"question mark", policy(`[{"Action":"execute-api:Invoke","Effect":"Allow","Resource":"arn:aws:execute-api:us-east-1:123456789012:a1b2c3d4e5/de?/GET/pets/?"}]`), true},
		{"action wildcard, any case", policy(`[{"Action":"Execute-API:*","Effect":"Allow","Resource":"*"}]`), true},
		{"other method", policy(`[{"Action":"execute-api:Invoke","Effect":"Allow","Resource":"arn:aws:execute-api:us-east-1:123456789012:a1b2c3d4e5/dev/POST/*"}]`), false},
		{"explicit deny wins", policy(`[{"Action":"*","Effect":"Allow","Resource":"*"},{"Action":"execute-api:Invoke","Effect":"Deny","Resource":"` + arn + `"}]`), false},
		{"deny", policy(`[{"Action":"execute-api:Invoke","Effect":"Deny","Resource":"*"}]`), false},
		{"other action", policy(`[{"Action":"execute-api:ManageConnections","Effect":"Allow","Resource":"*"}]`), false},
		{"NotResource", policy(`[{"Action":"execute-api:Invoke","Effect":"Allow","NotResource":"arn:aws:execute-api:*:*:*/*/POST/*"}]`), true},
		{"empty statement list", policy(`[]`), false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a, err := lambda.ParsePolicyResponse([]byte(c.payload))
			if err != nil {
				t.Fatal(err)
			}
			if a.PrincipalID != "user-1" || a.Allows(arn) != c.allowed {
				t.Errorf("principal %q allows %v, want %v", a.PrincipalID, a.Allows(arn), c.allowed)
			}
		})
	}

	a, err := lambda.ParsePolicyResponse([]byte(`{"principalId":"u","policyDocument":{"Statement":[]},"context":{"s":"x","n":1.5,"b":true,"z":null},"usageIdentifierKey":"key-1"}`))
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(map[string]any{"s": "x", "n": 1.5, "b": true, "z": nil}, a.Context); d != "" || a.UsageIdentifierKey != "key-1" {
		t.Errorf("context %s, key %q", d, a.UsageIdentifierKey)
	}
	if d := cmp.Diff(map[string]any{"s": "x", "n": 1.5, "b": true, "z": nil, "principalId": "u"}, a.RESTAuthorizerContext()); d != "" {
		t.Errorf("REST authorizer context: %s", d)
	}

	bad := []struct{ name, payload string }{
		{"not JSON", `Allow`},
		{"not an object", `"Allow"`},
		{"no policyDocument", `{"principalId":"u"}`},
		{"null policyDocument", `{"principalId":"u","policyDocument":null}`},
		{"no Statement", `{"principalId":"u","policyDocument":{"Version":"2012-10-17"}}`},
		{"bad Effect", policy(`[{"Action":"*","Effect":"Maybe","Resource":"*"}]`)},
		{"Resource number", policy(`[{"Action":"*","Effect":"Allow","Resource":5}]`)},
		{"object context value", `{"principalId":"u","policyDocument":{"Statement":[]},"context":{"o":{"a":1}}}`},
		{"list context value", `{"principalId":"u","policyDocument":{"Statement":[]},"context":{"l":[1]}}`},
		{"principalId object", `{"principalId":{},"policyDocument":{"Statement":[]}}`},
	}
	for _, c := range bad {
		if _, err := lambda.ParsePolicyResponse([]byte(c.payload)); !errors.Is(err, lambda.ErrMalformedAuthorizerResponse) {
			t.Errorf("%s: %v, want ErrMalformedAuthorizerResponse", c.name, err)
		}
	}
}

func TestSimpleResponses(t *testing.T) {
	a, err := lambda.ParseSimpleResponse([]byte(`{"isAuthorized":true,"context":{"user":"alice","groups":["a","b"]}}`))
	if err != nil || !a.Allows("anything") || a.Policy != nil {
		t.Fatalf("%+v %v", a, err)
	}
	if d := cmp.Diff(map[string]any{"user": "alice", "groups": []any{"a", "b"}}, a.Context); d != "" {
		t.Errorf("context: %s", d)
	}
	a, err = lambda.ParseSimpleResponse([]byte(`{"isAuthorized":false}`))
	if err != nil || a.Allows("x") {
		t.Errorf("%+v %v", a, err)
	}
	for _, p := range []string{`{"isAuthorized":"true"}`, `{}`, `true`, `nope`} {
		if _, err := lambda.ParseSimpleResponse([]byte(p)); !errors.Is(err, lambda.ErrMalformedAuthorizerResponse) {
			t.Errorf("%s: %v", p, err)
		}
	}
}

// TestAuthorizerThroughLambda: a TOKEN authorizer written with
// aws-lambda-go types, invoked through the client.
func TestAuthorizerThroughLambda(t *testing.T) {
	srv := lambdatest.Start(t)
	srv.RegisterTokenAuthorizer("auth", func(e events.APIGatewayCustomAuthorizerRequest) (events.APIGatewayCustomAuthorizerResponse, error) {
		switch e.AuthorizationToken {
		case "allow", "deny":
			effect := map[string]string{"allow": "Allow", "deny": "Deny"}[e.AuthorizationToken]
			return events.APIGatewayCustomAuthorizerResponse{PrincipalID: "user", PolicyDocument: events.APIGatewayCustomAuthorizerPolicy{
				Version:   "2012-10-17",
				Statement: []events.IAMPolicyStatement{{Action: []string{"execute-api:Invoke"}, Effect: effect, Resource: []string{e.MethodArn}}},
			}, Context: map[string]any{"tier": "gold", "n": 2}}, nil
		case "unauthorized":
			return events.APIGatewayCustomAuthorizerResponse{}, errors.New("Unauthorized")
		}
		return events.APIGatewayCustomAuthorizerResponse{}, errors.New("boom")
	})
	c := newClient(t, lambda.Config{Endpoint: srv.URL})
	fn := mustFunction(t, "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:auth/invocations")
	arn := lambda.ExecuteAPIARN("us-east-1", "123456789012", "a1b2c3d4e5", "dev", "GET", "/pets")
	call := func(token string) (*lambda.AuthorizerResponse, error) {
		res, err := c.Invoke(context.Background(), fn, lambda.TokenAuthorizerEvent(token, arn))
		if err != nil {
			return nil, err
		}
		return lambda.ParsePolicyResponse(res.Payload)
	}
	a, err := call("allow")
	if err != nil || !a.Allows(arn) || a.Allows(lambda.ExecuteAPIARN("us-east-1", "123456789012", "a1b2c3d4e5", "dev", "POST", "/pets")) ||
		a.Context["tier"] != "gold" || a.Context["n"] != float64(2) {
		t.Errorf("allow: %+v %v", a, err)
	}
	if a, err := call("deny"); err != nil || a.Allows(arn) {
		t.Errorf("deny: %+v %v", a, err)
	}
	if _, err := call("unauthorized"); !lambda.IsUnauthorized(err) {
		t.Errorf("unauthorized: %v", err)
	}
	if _, err := call("other"); err == nil || lambda.IsUnauthorized(err) {
		t.Errorf("failing authorizer: %v", err)
	}
}
