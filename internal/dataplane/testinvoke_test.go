package dataplane_test

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	sdk "github.com/aws/aws-sdk-go-v2/service/apigateway"
	"github.com/aws/aws-sdk-go-v2/service/apigateway/types"

	"github.com/stagecraft/stagecraft/internal/testenv"
)

// TestInvokeMethod runs undeployed methods through the data plane's
// engine: MOCK with templates, HTTP_PROXY to a real upstream with stage
// variables from the request, and AWS's errors.
func TestTestInvokeMethod(t *testing.T) {
	env := testenv.Start(t)
	f := newFixture(t, env, "testinvoke")

	// MOCK with request and response templates; the method wants SigV4
	// and an API key, which TestInvokeMethod skips.
	f.method("/pets/{id}", "POST", &sdk.PutMethodInput{AuthorizationType: aws.String("AWS_IAM"), ApiKeyRequired: true})
	f.integration("/pets/{id}", "POST", &sdk.PutIntegrationInput{Type: "MOCK", RequestTemplates: map[string]string{
		"application/json": `{"statusCode": $input.path('$.code')}`,
	}})
	f.response("/pets/{id}", "POST", "200", "", map[string]string{"X-Color": "stageVariables.color"}, map[string]string{
		"application/json": `{"id":"$input.params('id')","q":"$input.params('q')","stage":"$context.stage","color":"$stageVariables.color","ip":"$context.identity.sourceIp"}`,
	})
	f.response("/pets/{id}", "POST", "404", `4\d{2}`, nil, map[string]string{"application/json": `{"error":"nope"}`})

	// HTTP_PROXY to a real upstream, its host from a stage variable.
	var got struct{ method, uri, hdr, body string }
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got.method, got.uri, got.hdr, got.body = r.Method, r.URL.RequestURI(), r.Header.Get("X-Test"), string(b)
		w.Header().Set("X-Upstream", "yes")
		w.Header().Add("X-Multi", "a")
		w.Header().Add("X-Multi", "b")
		w.WriteHeader(201)
		io.WriteString(w, "made it")
	}))
	defer up.Close()
	f.method("/proxy/{proxy+}", "ANY", &sdk.PutMethodInput{RequestParameters: map[string]bool{"method.request.path.proxy": true}})
	f.integration("/proxy/{proxy+}", "ANY", &sdk.PutIntegrationInput{Type: "HTTP_PROXY", IntegrationHttpMethod: aws.String("ANY"),
		Uri:               aws.String("http://${stageVariables.upstream}/base/{proxy}"),
		RequestParameters: map[string]string{"integration.request.path.proxy": "method.request.path.proxy"}})

	// A method without an integration.
	f.method("/bare", "GET", nil)

	c, ctx := f.c, f.ctx
	run := func(path, verb string, in *sdk.TestInvokeMethodInput) *sdk.TestInvokeMethodOutput {
		t.Helper()
		in.RestApiId, in.ResourceId, in.HttpMethod = &f.api, aws.String(f.resource(path)), &verb
		out, err := c.TestInvokeMethod(ctx, in)
		if err != nil {
			t.Fatalf("TestInvokeMethod %s %s: %v", verb, path, err)
		}
		return out
	}

	t.Run("mock", func(t *testing.T) {
		out := run("/pets/{id}", "POST", &sdk.TestInvokeMethodInput{
			PathWithQueryString: aws.String("/pets/7?q=dog"),
			Body:                aws.String(`{"code": 200}`),
			Headers:             map[string]string{"Content-Type": "application/json"},
			StageVariables:      map[string]string{"color": "green"},
		})
		want := `{"id":"7","q":"dog","stage":"test-invoke-stage","color":"green","ip":"test-invoke-source-ip"}`
		if out.Status != 200 || aws.ToString(out.Body) != want {
			t.Fatalf("got %d %s, want 200 %s", out.Status, aws.ToString(out.Body), want)
		}
		if out.Headers["X-Color"] != "green" || out.Headers["Content-Type"] != "application/json" {
			t.Errorf("headers %v", out.Headers)
		}
		lg := aws.ToString(out.Log)
		for _, s := range []string{"Execution log for request ", "Starting execution for request: ", "Method request path: {id=7}",
			"Method request query string: {q=dog}", "Method completed with status: 200"} {
			if !strings.Contains(lg, s) {
				t.Errorf("log lacks %q:\n%s", s, lg)
			}
		}
		if !strings.HasPrefix(lg, "Execution log for request ") {
			t.Errorf("log starts %q", lg)
		}
		// The selection pattern picks the 404 integration response.
		out = run("/pets/{id}", "POST", &sdk.TestInvokeMethodInput{PathWithQueryString: aws.String("/pets/7"), Body: aws.String(`{"code": 404}`)})
		if out.Status != 404 || aws.ToString(out.Body) != `{"error":"nope"}` {
			t.Errorf("got %d %s", out.Status, aws.ToString(out.Body))
		}
	})

	t.Run("http proxy", func(t *testing.T) {
		out := run("/proxy/{proxy+}", "ANY", &sdk.TestInvokeMethodInput{
			PathWithQueryString: aws.String("/proxy/a/b?x=1&y=2"),
			Body:                aws.String("payload"),
			MultiValueHeaders:   map[string][]string{"X-Test": {"one"}},
			StageVariables:      map[string]string{"upstream": strings.TrimPrefix(up.URL, "http://")},
		})
		if out.Status != 201 || aws.ToString(out.Body) != "made it" {
			t.Fatalf("got %d %q\n%s", out.Status, aws.ToString(out.Body), aws.ToString(out.Log))
		}
		if got.uri != "/base/a/b?x=1&y=2" || got.hdr != "one" || got.body != "payload" {
			t.Errorf("upstream saw %+v", got)
		}
		if out.Headers["X-Upstream"] != "yes" {
			t.Errorf("headers %v", out.Headers)
		}
		if mv := out.MultiValueHeaders["X-Multi"]; len(mv) != 2 || mv[0] != "a" || mv[1] != "b" {
			t.Errorf("multiValueHeaders %v", out.MultiValueHeaders)
		}
		lg := aws.ToString(out.Log)
		for _, s := range []string{"Endpoint request URI: " + up.URL + "/base/a/b?x=1&y=2", "Method completed with status: 201"} {
			if !strings.Contains(lg, s) {
				t.Errorf("log lacks %q:\n%s", s, lg)
			}
		}
	})

	t.Run("live configuration", func(t *testing.T) {
		f := newFixture(t, env, "live")
		f.mock("/live", "GET", `"v1"`)
		f.deploy("prod", nil)
		f.response("/live", "GET", "200", "", nil, map[string]string{"application/json": `"v2"`})
		// The stage serves the deployment; TestInvokeMethod the edit.
		expect(t, call(t, env.URL, formAWS, f.api, "prod", "GET", "/live", nil, ""), 200, `"v1"`, "")
		out, err := c.TestInvokeMethod(ctx, &sdk.TestInvokeMethodInput{RestApiId: &f.api, ResourceId: aws.String(f.resource("/live")), HttpMethod: aws.String("GET")})
		if err != nil {
			t.Fatal(err)
		}
		if out.Status != 200 || aws.ToString(out.Body) != `"v2"` {
			t.Errorf("got %d %s", out.Status, aws.ToString(out.Body))
		}
	})

	t.Run("errors", func(t *testing.T) {
		for _, tc := range []struct {
			name, api, res, verb string
			code, msg            string
		}{
			{"missing resource", f.api, "nosuch", "GET", "NotFoundException", "Invalid Resource identifier specified"},
			{"missing api", "nosuchapi", f.ids["/"], "GET", "NotFoundException", "Invalid Resource identifier specified"},
			{"missing method", f.api, f.resource("/pets/{id}"), "DELETE", "NotFoundException", "Invalid Method identifier specified"},
			{"no integration", f.api, f.resource("/bare"), "GET", "BadRequestException", "No integration defined for method"},
		} {
			_, err := c.TestInvokeMethod(ctx, &sdk.TestInvokeMethodInput{RestApiId: aws.String(tc.api), ResourceId: aws.String(tc.res), HttpMethod: aws.String(tc.verb)})
			var nf *types.NotFoundException
			var br *types.BadRequestException
			switch {
			case tc.code == "NotFoundException" && errors.As(err, &nf):
				if aws.ToString(nf.Message) != tc.msg {
					t.Errorf("%s: message %q, want %q", tc.name, aws.ToString(nf.Message), tc.msg)
				}
			case tc.code == "BadRequestException" && errors.As(err, &br):
				if aws.ToString(br.Message) != tc.msg {
					t.Errorf("%s: message %q, want %q", tc.name, aws.ToString(br.Message), tc.msg)
				}
			default:
				t.Errorf("%s: got %v, want %s", tc.name, err, tc.code)
			}
		}
	})
}

// TestInvokeAuthorizer runs a TOKEN Lambda authorizer on a real
// Invoke-compatible server: allow (clientStatus 0 with principalId,
// policy and context), deny (403), unauthorized (401), a missing token
// (401 without invoking), and AWS's errors.
func TestTestInvokeAuthorizer(t *testing.T) {
	env, srv := startWithLambda(t)
	f := newFixture(t, env, "testauth")
	srv.RegisterTokenAuthorizer("auth", func(e events.APIGatewayCustomAuthorizerRequest) (events.APIGatewayCustomAuthorizerResponse, error) {
		switch e.AuthorizationToken {
		case "allow":
			return policy("Allow", f.api, "user-1", map[string]any{"user": "alice", "n": 7}), nil
		case "deny":
			return policy("Deny", f.api, "user-2", nil), nil
		}
		return events.APIGatewayCustomAuthorizerResponse{}, errors.New("Unauthorized")
	})
	auth := f.authorizer(&sdk.CreateAuthorizerInput{Name: aws.String("tok"), Type: "TOKEN", AuthorizerUri: aws.String(lambdaURI("auth")),
		IdentitySource: aws.String("method.request.header.Authorization")})

	run := func(token string) *sdk.TestInvokeAuthorizerOutput {
		t.Helper()
		in := &sdk.TestInvokeAuthorizerInput{RestApiId: &f.api, AuthorizerId: &auth, PathWithQueryString: aws.String("/pets/1")}
		if token != "" {
			in.Headers = map[string]string{"Authorization": token}
		}
		out, err := f.c.TestInvokeAuthorizer(f.ctx, in)
		if err != nil {
			t.Fatalf("TestInvokeAuthorizer %q: %v", token, err)
		}
		return out
	}

	out := run("allow")
	if out.ClientStatus != 0 || aws.ToString(out.PrincipalId) != "user-1" {
		t.Fatalf("allow: status %d principal %q\n%s", out.ClientStatus, aws.ToString(out.PrincipalId), aws.ToString(out.Log))
	}
	var pol events.APIGatewayCustomAuthorizerPolicy
	if err := json.Unmarshal([]byte(aws.ToString(out.Policy)), &pol); err != nil || len(pol.Statement) != 1 || pol.Statement[0].Effect != "Allow" {
		t.Errorf("policy %q (%v)", aws.ToString(out.Policy), err)
	}
	if a := out.Authorization; len(a["user"]) != 1 || a["user"][0] != "alice" || a["n"][0] != "7" {
		t.Errorf("authorization %v", a)
	}
	var ev events.APIGatewayCustomAuthorizerRequest
	srv.Last(t, "auth").Decode(t, &ev)
	if want := "arn:aws:execute-api:us-east-1:000000000000:" + f.api + "/ESTestInvoke-stage/GET/pets/1"; ev.MethodArn != want || ev.AuthorizationToken != "allow" {
		t.Errorf("event %+v, want method ARN %s", ev, want)
	}
	lg := aws.ToString(out.Log)
	if !strings.HasPrefix(lg, "Execution log for request ") || !strings.Contains(lg, "Authorizer completed with client status: 0") || strings.Contains(lg, "allow") {
		t.Errorf("log:\n%s", lg)
	}

	if out := run("deny"); out.ClientStatus != 403 || aws.ToString(out.PrincipalId) != "user-2" {
		t.Errorf("deny: status %d principal %q", out.ClientStatus, aws.ToString(out.PrincipalId))
	}
	if out := run("nope"); out.ClientStatus != 401 {
		t.Errorf("unauthorized: status %d", out.ClientStatus)
	}
	n := len(srv.InvocationsOf("auth"))
	if out := run(""); out.ClientStatus != 401 || len(srv.InvocationsOf("auth")) != n {
		t.Errorf("no token: status %d, %d invocations", out.ClientStatus, len(srv.InvocationsOf("auth"))-n)
	}

	for _, tc := range []struct{ api, id, msg string }{
		{f.api, "nosuch", "Invalid Authorizer identifier specified"},
		{"nosuchapi", auth, "Invalid API identifier specified"},
	} {
		_, err := f.c.TestInvokeAuthorizer(f.ctx, &sdk.TestInvokeAuthorizerInput{RestApiId: aws.String(tc.api), AuthorizerId: aws.String(tc.id)})
		var nf *types.NotFoundException
		if !errors.As(err, &nf) || !strings.Contains(aws.ToString(nf.Message), tc.msg) {
			t.Errorf("%s/%s: %v, want NotFoundException %q", tc.api, tc.id, err, tc.msg)
		}
	}
}
