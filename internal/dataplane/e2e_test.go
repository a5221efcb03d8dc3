package dataplane_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	sdk "github.com/aws/aws-sdk-go-v2/service/apigateway"
	"github.com/aws/aws-sdk-go-v2/service/apigateway/types"

	"github.com/stagecraft/stagecraft/internal/testenv"
)

// Seed 001, second example (Terraform): GET /example with a MOCK
// integration, a deployment and stage "example".
func TestSeed001MockExample(t *testing.T) {
	env := testenv.Start(t)
	f := newFixture(t, env, "example")
	f.method("/example", "GET", nil)
	f.integration("/example", "GET", &sdk.PutIntegrationInput{Type: "MOCK"})
	dep, err := f.c.CreateDeployment(f.ctx, &sdk.CreateDeploymentInput{RestApiId: &f.api})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.c.CreateStage(f.ctx, &sdk.CreateStageInput{RestApiId: &f.api, DeploymentId: dep.Id, StageName: aws.String("example")}); err != nil {
		t.Fatal(err)
	}

	// Exactly as in the seed: no method or integration response. A
	// non-proxy integration needs a default integration response [D:
	// "you must set up at least one integration response, and make it the
	// default response"], so AWS fails with a configuration error.
	for _, form := range forms {
		r := call(t, env.URL, form, f.api, "example", "GET", "/example", nil, "")
		expect(t, r, 500, `{"message":"Internal server error"}`, "InternalServerErrorException")
	}

	// With the 200 method and integration responses Terraform users add
	// (aws_api_gateway_method_response / _integration_response), and a
	// redeploy, the MOCK answers 200.
	f.response("/example", "GET", "200", "", nil, nil)
	f.deploy("example", nil)
	for _, form := range forms {
		r := call(t, env.URL, form, f.api, "example", "GET", "/example", nil, "")
		expect(t, r, 200, "", "")
		if ct := r.header.Get("Content-Type"); ct != "application/json" {
			t.Errorf("%s: Content-Type %q", form, ct)
		}
	}
	// One trailing slash is ignored.
	expect(t, call(t, env.URL, formHost, f.api, "example", "GET", "/example/", nil, ""), 200, "", "")
	// Another method or path: 403 Missing Authentication Token.
	expect(t, call(t, env.URL, formHost, f.api, "example", "POST", "/example", nil, ""), 403,
		`{"message":"Missing Authentication Token"}`, "MissingAuthenticationTokenException")
	expect(t, call(t, env.URL, formAWS, f.api, "example", "GET", "/nothing", nil, ""), 403,
		`{"message":"Missing Authentication Token"}`, "MissingAuthenticationTokenException")
}

// Seed 001, first example: the OpenAPI body with an HTTP_PROXY GET /path1,
// pointed at a local upstream instead of the internet.
func TestSeed001OpenAPIHTTPProxy(t *testing.T) {
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"syncToken":"1","path":%q,"method":%q}`, r.URL.Path, r.Method)
	}))
	defer upstream.Close()
	env := testenv.Start(t)
	c := env.APIGateway()
	body := `{"openapi":"3.0.1","info":{"title":"example","version":"1.0"},"paths":{"/path1":{"get":{"x-amazon-apigateway-integration":{"httpMethod":"GET","payloadFormatVersion":"1.0","type":"HTTP_PROXY","uri":"` + upstream.URL + `/ip-ranges.json"}}}}}`
	ra, err := c.ImportRestApi(t.Context(), &sdk.ImportRestApiInput{Body: []byte(body)})
	if err != nil {
		t.Fatal(err)
	}
	dep, err := c.CreateDeployment(t.Context(), &sdk.CreateDeploymentInput{RestApiId: ra.Id})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateStage(t.Context(), &sdk.CreateStageInput{RestApiId: ra.Id, DeploymentId: dep.Id, StageName: aws.String("example")}); err != nil {
		t.Fatal(err)
	}
	for _, form := range forms {
		r := call(t, env.URL, form, *ra.Id, "example", "GET", "/path1", nil, "")
		expect(t, r, 200, `{"syncToken":"1","path":"/ip-ranges.json","method":"GET"}`, "")
	}
}

func TestForbidden(t *testing.T) {
	env := testenv.Start(t)
	f := newFixture(t, env, "forbidden")
	f.mock("/a", "GET", "ok")
	f.deploy("prod", nil)
	const forbidden = `{"message":"Forbidden"}`
	for _, tc := range []struct {
		name, api, stage, path string
	}{
		{"unknown api", "nosuchapi1", "prod", "/a"},
		{"unknown stage", f.api, "staging", "/a"},
		{"no stage", f.api, "", ""},
	} {
		for _, form := range forms {
			if form == formUser && tc.stage == "" {
				continue // /restapis/{id}//_user_request_ is not a data-plane URL
			}
			r := call(t, env.URL, form, tc.api, tc.stage, "GET", tc.path, nil, "")
			t.Run(tc.name+"/"+form, func(t *testing.T) { expect(t, r, 403, forbidden, "ForbiddenException") })
		}
	}
	expect(t, call(t, env.URL, formHost, f.api, "prod", "GET", "/a", nil, ""), 200, "ok", "")

	// disableExecuteApiEndpoint takes effect with the next deployment.
	if _, err := f.c.UpdateRestApi(f.ctx, &sdk.UpdateRestApiInput{RestApiId: &f.api, PatchOperations: []types.PatchOperation{
		{Op: types.OpReplace, Path: aws.String("/disableExecuteApiEndpoint"), Value: aws.String("true")}}}); err != nil {
		t.Fatal(err)
	}
	expect(t, call(t, env.URL, formHost, f.api, "prod", "GET", "/a", nil, ""), 200, "ok", "")
	f.deploy("prod", nil)
	expect(t, call(t, env.URL, formHost, f.api, "prod", "GET", "/a", nil, ""), 403, forbidden, "ForbiddenException")
}

// routeTemplate makes a MOCK echo where it was routed:
// {resourcePath} {httpMethod} name=value;...
const routeTemplate = `$context.resourcePath $context.httpMethod #foreach($k in $input.params().path.keySet())$k=$input.params().path.get($k);#end`

func TestRoutingPrecedence(t *testing.T) {
	env := testenv.Start(t)
	f := newFixture(t, env, "routes")
	for _, rm := range []struct{ path, verb string }{
		{"/", "GET"},
		{"/test", "POST"},
		{"/{proxy+}", "OPTIONS"},
		{"/{proxy+}", "GET"},
		{"/part1", "GET"},
		{"/pets", "GET"},
		{"/pets/mine", "GET"},
		{"/pets/{petId}", "GET"},
		{"/pets/{petId}", "ANY"},
		{"/pets/{petId}/toys", "DELETE"},
		{"/files/{key+}", "ANY"},
		{"/a/{b}/c", "GET"},
		{"/a/{b}/{rest+}", "PUT"},
		{"/users/{id}", "GET"},
	} {
		f.mock(rm.path, rm.verb, routeTemplate)
	}
	f.deploy("v1", nil)

	for _, tc := range []struct {
		method, path string
		want         string // "" = 403 Missing Authentication Token
	}{
		{"GET", "", "/ GET "},
		{"GET", "/", "/ GET "},
		{"POST", "/test", "/test POST "},
		{"POST", "/test/", "/test POST "},
		// /test has no OPTIONS: backtrack to /{proxy+} [V].
		{"OPTIONS", "/test", "/{proxy+} OPTIONS proxy=test;"},
		{"GET", "/test", "/{proxy+} GET proxy=test;"},
		// /part1 has no child: the greedy root resource takes it [V].
		{"GET", "/part1", "/part1 GET "},
		{"GET", "/part1/random-value", "/{proxy+} GET proxy=part1/random-value;"},
		{"GET", "/part1/a//b/", "/{proxy+} GET proxy=part1/a//b;"},
		// literal over {param}; exact verb over ANY.
		{"GET", "/pets/mine", "/pets/mine GET "},
		{"GET", "/pets/42", "/pets/{petId} GET petId=42;"},
		{"POST", "/pets/42", "/pets/{petId} POST petId=42;"},
		{"POST", "/pets/mine", "/pets/{petId} POST petId=mine;"},
		// raw, still percent-encoded values.
		{"GET", "/users/test%2Balias@gmail.com", "/users/{id} GET id=test%2Balias@gmail.com;"},
		{"GET", "/users/a%2Fb", "/users/{id} GET id=a%2Fb;"},
		{"DELETE", "/pets/7/toys", "/pets/{petId}/toys DELETE petId=7;"},
		{"GET", "/pets/7/toys", "/{proxy+} GET proxy=pets/7/toys;"},
		{"PATCH", "/files/a/b/c.txt", "/files/{key+} PATCH key=a/b/c.txt;"},
		{"GET", "/a/x/c", "/a/{b}/c GET b=x;"},
		{"PUT", "/a/x/c", "/a/{b}/{rest+} PUT b=x;rest=c;"},
		{"PUT", "/a/x/c/d", "/a/{b}/{rest+} PUT b=x;rest=c/d;"},
		// GET does not serve HEAD; /pets/mine has no HEAD or ANY, so
		// HEAD backtracks to /pets/{petId}'s ANY, and on /test to nothing.
		{"HEAD", "/pets/mine", ""},
		{"HEAD", "/test", ""},
		{"POST", "/", ""},
		{"DELETE", "/", ""},
		// A greedy variable needs at least one segment: /files alone has
		// no method.
		{"GET", "/files", "/{proxy+} GET proxy=files;"},
		{"PATCH", "/files", ""},
	} {
		r := call(t, env.URL, formHost, f.api, "v1", tc.method, tc.path, nil, "")
		t.Run(tc.method+" "+tc.path, func(t *testing.T) {
			if tc.method == "HEAD" && tc.path == "/pets/mine" {
				expect(t, r, 200, "", "") // a HEAD response has no body
				return
			}
			if tc.want == "" {
				if tc.method == "HEAD" {
					expect(t, r, 403, "", "MissingAuthenticationTokenException")
					return
				}
				expect(t, r, 403, `{"message":"Missing Authentication Token"}`, "MissingAuthenticationTokenException")
				return
			}
			expect(t, r, 200, tc.want, "")
		})
	}
}

// The $context variables every template sees.
func TestContextVariables(t *testing.T) {
	env := testenv.Start(t)
	f := newFixture(t, env, "ctx")
	tmpl := strings.Join([]string{
		"requestId=$context.requestId", "extendedRequestId=$context.extendedRequestId",
		"apiId=$context.apiId", "stage=$context.stage", "resourcePath=$context.resourcePath",
		"resourceId=$context.resourceId", "httpMethod=$context.httpMethod", "path=$context.path",
		"protocol=$context.protocol", "requestTimeEpoch=$context.requestTimeEpoch",
		"sourceIp=$context.identity.sourceIp", "userAgent=$context.identity.userAgent",
		"domainName=$context.domainName", "domainPrefix=$context.domainPrefix",
		"accountId=$context.accountId", "deploymentId=$context.deploymentId",
		"canary=$!context.isCanaryRequest", "var=$stageVariables.color",
	}, "\n")
	f.mock("/items/{id}", "GET", tmpl)
	dep := f.deploy("dev", map[string]string{"color": "blue"})
	r := call(t, env.URL, formHost, f.api, "dev", "GET", "/items/9", map[string]string{"User-Agent": "ua-test/1"}, "")
	checkIDs(t, r)
	got := map[string]string{}
	for _, line := range strings.Split(r.body, "\n") {
		k, v, _ := strings.Cut(line, "=")
		got[k] = v
	}
	want := map[string]string{
		"requestId": r.header.Get("x-amzn-RequestId"), "extendedRequestId": r.header.Get("x-amz-apigw-id"),
		"apiId": f.api, "stage": "dev", "resourcePath": "/items/{id}", "resourceId": f.ids["/items/{id}"],
		"httpMethod": "GET", "path": "/dev/items/9", "protocol": "HTTP/1.1", "sourceIp": "127.0.0.1",
		"userAgent": "ua-test/1", "domainName": f.api + ".execute-api.localhost", "domainPrefix": f.api,
		"accountId": "000000000000", "deploymentId": dep, "canary": "", "var": "blue",
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("$context %s = %q, want %q", k, got[k], v)
		}
	}
	if len(got["requestTimeEpoch"]) != 13 {
		t.Errorf("requestTimeEpoch %q", got["requestTimeEpoch"])
	}
}

// The path forms see the execute-api domain name AWS would have used, and
// the values cached on the compiled API are per API.
func TestContextVariablesPathForms(t *testing.T) {
	env := testenv.Start(t)
	tmpl := "$context.apiId|$context.domainName|$context.domainPrefix|$context.stage|$context.path|$context.accountId|$context.deploymentId|$context.resourceId|$context.resourcePath|$context.httpMethod|$context.protocol"
	for _, name := range []string{"a", "b"} {
		f := newFixture(t, env, "ctxpath-"+name)
		f.mock("/items/{id}", "POST", tmpl)
		dep := f.deploy("dev", nil)
		for _, form := range []string{formAWS, formUser, formHost} {
			r := call(t, env.URL, form, f.api, "dev", "POST", "/items/9", nil, "")
			domain := f.api + ".execute-api.us-east-1.amazonaws.com"
			if form == formHost {
				domain = f.api + ".execute-api.localhost"
			}
			want := strings.Join([]string{f.api, domain, f.api, "dev", "/dev/items/9", "000000000000", dep,
				f.ids["/items/{id}"], "/items/{id}", "POST", "HTTP/1.1"}, "|")
			if r.status != 200 || r.body != want {
				t.Errorf("%s %s: %d %q, want %q", name, form, r.status, r.body, want)
			}
		}
	}
}
