package lambdatest_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/google/go-cmp/cmp"

	"github.com/stagecraft/stagecraft/internal/lambdatest"
)

type answer struct {
	status int
	header http.Header
	body   string
}

// invoke posts payload the way an SDK does, with a plain HTTP client (not
// internal/lambda), so the server's wire behaviour is checked on its own.
func invoke(t *testing.T, srv *lambdatest.Server, functionName, query, payload string) answer {
	t.Helper()
	u := srv.URL + "/2015-03-31/functions/" + url.PathEscape(functionName) + "/invocations"
	if query != "" {
		u += "?" + query
	}
	resp, err := http.Post(u, "application/json", strings.NewReader(payload))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return answer{resp.StatusCode, resp.Header, string(b)}
}

func TestServerAnswersLikeLambda(t *testing.T) {
	srv := lambdatest.Start(t, lambdatest.WithRegion("eu-west-1", "210987654321"))
	srv.Register("echo", func(_ context.Context, p []byte) ([]byte, error) { return p, nil })
	srv.Register("fails", func(context.Context, []byte) ([]byte, error) { return nil, errors.New("it broke") })
	srv.Register("typed", func(context.Context, []byte) ([]byte, error) {
		return nil, &lambdatest.FunctionError{Type: "MyError", Message: "custom"}
	})

	cases := []struct {
		name, fn, query, payload string
		status                   int
		headers                  map[string]string
		body                     string
	}{
		{"success", "echo", "", `{"a":1}`, 200,
			map[string]string{"X-Amz-Executed-Version": "$LATEST", "X-Amz-Function-Error": ""}, `{"a":1}`},
		{"raw output passes through", "echo", "", `not json at all`, 200, nil, `not json at all`},
		{"function error", "fails", "", `{}`, 200,
			map[string]string{"X-Amz-Function-Error": "Unhandled", "Content-Type": "application/json"},
			`{"errorMessage":"it broke","errorType":"errorString"}`},
		{"typed function error", "typed", "", `{}`, 200,
			map[string]string{"X-Amz-Function-Error": "Unhandled"}, `{"errorMessage":"custom","errorType":"MyError"}`},
		{"unknown function", "nope", "", `{}`, 404,
			map[string]string{"X-Amzn-ErrorType": "ResourceNotFoundException", "Content-Type": "application/json"},
			`{"Type":"User","Message":"Function not found: arn:aws:lambda:eu-west-1:210987654321:function:nope"}`},
		{"unknown function by ARN with qualifier", "arn:aws:lambda:us-east-2:123456789012:function:nope:live", "", `{}`, 404,
			map[string]string{"X-Amzn-ErrorType": "ResourceNotFoundException"},
			`{"Type":"User","Message":"Function not found: arn:aws:lambda:us-east-2:123456789012:function:nope:live"}`},
		{"version from Qualifier", "echo", "Qualifier=5", `{}`, 200, map[string]string{"X-Amz-Executed-Version": "5"}, `{}`},
		{"full ARN", "arn:aws:lambda:eu-west-1:210987654321:function:echo", "", `"x"`, 200, nil, `"x"`},
		{"partial ARN", "210987654321:function:echo:3", "", `"y"`, 200, map[string]string{"X-Amz-Executed-Version": "3"}, `"y"`},
		{"qualifier mismatch", "echo:live", "Qualifier=prod", `{}`, 400,
			map[string]string{"X-Amzn-ErrorType": "InvalidParameterValueException"},
			`{"Type":"User","Message":"The derived qualifier from the function name does not match the specified qualifier."}`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a := invoke(t, srv, c.fn, c.query, c.payload)
			if a.status != c.status || a.body != c.body {
				t.Errorf("got %d %s, want %d %s", a.status, a.body, c.status, c.body)
			}
			for h, v := range c.headers {
				if got := a.header.Get(h); got != v {
					t.Errorf("header %s = %q, want %q", h, got, v)
				}
			}
			if a.header.Get("X-Amzn-RequestId") == "" {
				t.Error("no x-amzn-RequestId")
			}
		})
	}

	calls := srv.InvocationsOf("echo")
	if len(calls) != 5 {
		t.Fatalf("%d invocations of echo recorded, want 5", len(calls))
	}
	if calls[0].Header.Get("Content-Type") != "application/json" || string(calls[0].Payload) != `{"a":1}` {
		t.Errorf("first invocation %+v", calls[0])
	}
	if calls[2].Qualifier != "5" || calls[4].Qualifier != "3" || calls[4].FunctionName != "210987654321:function:echo:3" {
		t.Errorf("qualifiers: %q %q (%q)", calls[2].Qualifier, calls[4].Qualifier, calls[4].FunctionName)
	}

	// Only the Invoke route exists.
	resp, err := http.Get(srv.URL + "/2015-03-31/functions/echo")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 404 || resp.Header.Get("X-Amzn-ErrorType") != "UnknownOperationException" {
		t.Errorf("GET function: %d %s", resp.StatusCode, resp.Header.Get("X-Amzn-ErrorType"))
	}
}

func TestTypedHelpers(t *testing.T) {
	srv := lambdatest.Start(t)
	srv.RegisterProxy("rest", func(e events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
		return events.APIGatewayProxyResponse{StatusCode: 200, Body: e.HTTPMethod + " " + e.Path}, nil
	})
	srv.RegisterV2("v2", func(e events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
		return events.APIGatewayV2HTTPResponse{StatusCode: 201, Body: e.RawPath, Cookies: []string{"a=b"}}, nil
	})
	srv.RegisterWebsocket("ws", func(e events.APIGatewayWebsocketProxyRequest) (events.APIGatewayProxyResponse, error) {
		if e.RequestContext.EventType == "CONNECT" && e.QueryStringParameters["token"] != "ok" {
			return events.APIGatewayProxyResponse{StatusCode: 403}, nil
		}
		return events.APIGatewayProxyResponse{StatusCode: 200, Body: e.RequestContext.ConnectionID}, nil
	})
	srv.RegisterTokenAuthorizer("token", func(e events.APIGatewayCustomAuthorizerRequest) (events.APIGatewayCustomAuthorizerResponse, error) {
		if e.AuthorizationToken != "allow" {
			return events.APIGatewayCustomAuthorizerResponse{}, errors.New("Unauthorized")
		}
		return events.APIGatewayCustomAuthorizerResponse{PrincipalID: "user", PolicyDocument: events.APIGatewayCustomAuthorizerPolicy{
			Version:   "2012-10-17",
			Statement: []events.IAMPolicyStatement{{Action: []string{"execute-api:Invoke"}, Effect: "Allow", Resource: []string{e.MethodArn}}},
		}, Context: map[string]any{"tier": "gold"}}, nil
	})
	srv.RegisterAuthorizer("request", func(e events.APIGatewayCustomAuthorizerRequestTypeRequest) (events.APIGatewayCustomAuthorizerResponse, error) {
		effect := "Deny"
		if e.Headers["X-Key"] == "k" {
			effect = "Allow"
		}
		return events.APIGatewayCustomAuthorizerResponse{PrincipalID: "p", PolicyDocument: events.APIGatewayCustomAuthorizerPolicy{
			Version: "2012-10-17", Statement: []events.IAMPolicyStatement{{Action: []string{"execute-api:Invoke"}, Effect: effect, Resource: []string{e.MethodArn}}},
		}}, nil
	})
	srv.RegisterSimpleAuthorizer("simple", func(e events.APIGatewayV2CustomAuthorizerV2Request) (events.APIGatewayV2CustomAuthorizerSimpleResponse, error) {
		return events.APIGatewayV2CustomAuthorizerSimpleResponse{IsAuthorized: e.Headers["authorization"] == "secret", Context: map[string]any{"route": e.RouteKey}}, nil
	})
	srv.RegisterV2PolicyAuthorizer("v2policy", func(e events.APIGatewayV2CustomAuthorizerV2Request) (events.APIGatewayV2CustomAuthorizerIAMPolicyResponse, error) {
		return events.APIGatewayV2CustomAuthorizerIAMPolicyResponse{PrincipalID: "x", PolicyDocument: events.APIGatewayCustomAuthorizerPolicy{Version: "2012-10-17"}}, nil
	})

	cases := []struct {
		fn, payload, want string
		fnErr             bool
	}{
		{"rest", `{"httpMethod":"GET","path":"/pets"}`, `{"statusCode":200,"headers":null,"multiValueHeaders":null,"body":"GET /pets"}`, false},
		{"v2", `{"version":"2.0","rawPath":"/prod/x"}`, `{"statusCode":201,"headers":null,"multiValueHeaders":null,"body":"/prod/x","cookies":["a=b"]}`, false},
		{"ws", `{"requestContext":{"eventType":"CONNECT","connectionId":"c1"},"queryStringParameters":{"token":"bad"}}`, `{"statusCode":403,"headers":null,"multiValueHeaders":null,"body":""}`, false},
		{"ws", `{"requestContext":{"eventType":"MESSAGE","connectionId":"c1"},"body":"hi"}`, `{"statusCode":200,"headers":null,"multiValueHeaders":null,"body":"c1"}`, false},
		{"token", `{"type":"TOKEN","authorizationToken":"allow","methodArn":"arn:aws:execute-api:us-east-1:123456789012:abc/dev/GET/pets"}`,
			`{"principalId":"user","policyDocument":{"Version":"2012-10-17","Statement":[{"Action":["execute-api:Invoke"],"Effect":"Allow","Resource":["arn:aws:execute-api:us-east-1:123456789012:abc/dev/GET/pets"]}]},"context":{"tier":"gold"}}`, false},
		{"token", `{"type":"TOKEN","authorizationToken":"deny"}`, `{"errorMessage":"Unauthorized","errorType":"errorString"}`, true},
		{"request", `{"type":"REQUEST","methodArn":"m","headers":{"X-Key":"k"}}`,
			`{"principalId":"p","policyDocument":{"Version":"2012-10-17","Statement":[{"Action":["execute-api:Invoke"],"Effect":"Allow","Resource":["m"]}]}}`, false},
		{"simple", `{"version":"2.0","type":"REQUEST","routeKey":"GET /x","headers":{"authorization":"secret"}}`, `{"isAuthorized":true,"context":{"route":"GET /x"}}`, false},
		{"v2policy", `{"version":"2.0","type":"REQUEST"}`, `{"principalId":"x","policyDocument":{"Version":"2012-10-17","Statement":null}}`, false},
		// A payload that does not decode into the event type is a function
		// error, as in the Go runtime.
		{"rest", `[1,2]`, "", true},
	}
	for _, c := range cases {
		a := invoke(t, srv, c.fn, "", c.payload)
		if a.status != 200 || (a.header.Get("X-Amz-Function-Error") != "") != c.fnErr {
			t.Errorf("%s: %d function error %q", c.fn, a.status, a.header.Get("X-Amz-Function-Error"))
			continue
		}
		if c.want == "" {
			continue
		}
		var got, want any
		json.Unmarshal([]byte(a.body), &got)
		json.Unmarshal([]byte(c.want), &want)
		if d := cmp.Diff(want, got); d != "" {
			t.Errorf("%s %s (-want +got):\n%s", c.fn, c.payload, d)
		}
	}

	var e events.APIGatewayV2HTTPRequest
	srv.Last(t, "v2").Decode(t, &e)
	if e.RawPath != "/prod/x" {
		t.Errorf("decoded recorded payload: %+v", e)
	}
}

func TestBlockAndRelease(t *testing.T) {
	srv := lambdatest.Start(t)
	srv.Register("held", func(_ context.Context, p []byte) ([]byte, error) { return p, nil })
	gate := srv.Block("held")

	type result struct {
		a   answer
		err error
	}
	results := make(chan result, 2)
	for i := 0; i < 2; i++ {
		go func() {
			resp, err := http.Post(srv.URL+"/2015-03-31/functions/held/invocations", "application/json", strings.NewReader(`"p"`))
			if err != nil {
				results <- result{err: err}
				return
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			results <- result{a: answer{resp.StatusCode, resp.Header, string(b)}}
		}()
	}
	<-gate.Entered()
	// Both invocations are recorded while they wait.
	calls := srv.WaitInvocations(context.Background(), t, "held", 2)
	if len(calls) != 2 {
		t.Fatalf("%d recorded", len(calls))
	}
	select {
	case r := <-results:
		t.Fatalf("an invocation finished before release: %+v", r)
	default:
	}
	gate.Release()
	for i := 0; i < 2; i++ {
		r := <-results
		if r.err != nil || r.a.status != 200 || r.a.body != `"p"` {
			t.Errorf("released invocation: %+v", r)
		}
	}

	// A client that gives up leaves the server free (cleanup must not hang
	// either: a gate still closed at the end is released by Start's cleanup).
	srv.Block("held")
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "POST", srv.URL+"/2015-03-31/functions/held/invocations", strings.NewReader(`{}`))
	if _, err := http.DefaultClient.Do(req); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("blocked invocation with a deadline: %v", err)
	}

	// WaitInvocations gives up with its context.
	ft := &fakeT{TB: t}
	ctx2, cancel2 := context.WithCancel(context.Background())
	cancel2()
	srv.WaitInvocations(ctx2, ft, "held", 10)
	if !ft.failed {
		t.Error("WaitInvocations did not fail when its context ended")
	}
}

// fakeT records a Fatalf instead of stopping the test.
type fakeT struct {
	testing.TB
	failed bool
}

func (f *fakeT) Helper()               {}
func (f *fakeT) Fatalf(string, ...any) { f.failed = true }

func TestUnregisterAndReset(t *testing.T) {
	srv := lambdatest.Start(t)
	srv.Register("f", func(context.Context, []byte) ([]byte, error) { return []byte(`1`), nil })
	if a := invoke(t, srv, "f", "", "{}"); a.status != 200 {
		t.Fatal(a)
	}
	srv.Reset()
	if n := len(srv.Invocations()); n != 0 {
		t.Errorf("%d invocations after Reset", n)
	}
	srv.Unregister("f")
	if a := invoke(t, srv, "f", "", "{}"); a.status != 404 {
		t.Errorf("unregistered function answered %d", a.status)
	}
}

func TestSigV4Required(t *testing.T) {
	srv := lambdatest.Start(t, lambdatest.WithSigV4("AKID", "secret"))
	srv.Register("f", func(context.Context, []byte) ([]byte, error) { return []byte(`1`), nil })
	a := invoke(t, srv, "f", "", "{}")
	if a.status != 403 || a.header.Get("X-Amzn-ErrorType") != "MissingAuthenticationTokenException" {
		t.Errorf("unsigned: %d %s %s", a.status, a.header.Get("X-Amzn-ErrorType"), a.body)
	}
	if n := len(srv.Invocations()); n != 0 {
		t.Errorf("rejected request recorded")
	}
}
