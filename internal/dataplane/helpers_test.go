package dataplane_test

import (
	"context"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	sdk "github.com/aws/aws-sdk-go-v2/service/apigateway"

	"github.com/stagecraft/stagecraft/internal/testenv"
)

// fixture builds a REST API through aws-sdk-go-v2 against a real node.
type fixture struct {
	t   testing.TB
	env *testenv.Env
	c   *sdk.Client
	ctx context.Context
	api string
	ids map[string]string // resource path → id
}

func newFixture(t testing.TB, env *testenv.Env, name string) *fixture {
	t.Helper()
	ctx := context.Background()
	c := env.APIGateway()
	ra, err := c.CreateRestApi(ctx, &sdk.CreateRestApiInput{Name: aws.String(name)})
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{t: t, env: env, c: c, ctx: ctx, api: *ra.Id, ids: map[string]string{"/": *ra.RootResourceId}}
}

// resource returns the id of path, creating missing resources on the way.
func (f *fixture) resource(path string) string {
	f.t.Helper()
	if id, ok := f.ids[path]; ok {
		return id
	}
	i := strings.LastIndexByte(path, '/')
	parentPath := path[:i]
	if parentPath == "" {
		parentPath = "/"
	}
	parent := f.resource(parentPath)
	r, err := f.c.CreateResource(f.ctx, &sdk.CreateResourceInput{RestApiId: &f.api, ParentId: &parent, PathPart: aws.String(path[i+1:])})
	if err != nil {
		f.t.Fatalf("create resource %s: %v", path, err)
	}
	f.ids[path] = *r.Id
	return *r.Id
}

// method creates a method with authorization NONE.
func (f *fixture) method(path, verb string, in *sdk.PutMethodInput) {
	f.t.Helper()
	if in == nil {
		in = &sdk.PutMethodInput{}
	}
	in.RestApiId, in.ResourceId, in.HttpMethod = &f.api, aws.String(f.resource(path)), &verb
	if in.AuthorizationType == nil {
		in.AuthorizationType = aws.String("NONE")
	}
	if _, err := f.c.PutMethod(f.ctx, in); err != nil {
		f.t.Fatalf("put method %s %s: %v", verb, path, err)
	}
}

func (f *fixture) integration(path, verb string, in *sdk.PutIntegrationInput) {
	f.t.Helper()
	in.RestApiId, in.ResourceId, in.HttpMethod = &f.api, aws.String(f.resource(path)), &verb
	if _, err := f.c.PutIntegration(f.ctx, in); err != nil {
		f.t.Fatalf("put integration %s %s: %v", verb, path, err)
	}
}

// response declares a method response and its integration response.
// headers are the method response headers the integration response maps
// (name → source expression).
func (f *fixture) response(path, verb, status, pattern string, headers map[string]string, templates map[string]string) {
	f.t.Helper()
	declared := map[string]bool{}
	params := map[string]string{}
	for h, src := range headers {
		declared["method.response.header."+h] = false
		params["method.response.header."+h] = src
	}
	res := f.resource(path)
	if _, err := f.c.PutMethodResponse(f.ctx, &sdk.PutMethodResponseInput{RestApiId: &f.api, ResourceId: &res, HttpMethod: &verb,
		StatusCode: &status, ResponseParameters: declared}); err != nil {
		f.t.Fatalf("put method response: %v", err)
	}
	in := &sdk.PutIntegrationResponseInput{RestApiId: &f.api, ResourceId: &res, HttpMethod: &verb, StatusCode: &status,
		ResponseParameters: params, ResponseTemplates: templates}
	if pattern != "" {
		in.SelectionPattern = &pattern
	}
	if _, err := f.c.PutIntegrationResponse(f.ctx, in); err != nil {
		f.t.Fatalf("put integration response: %v", err)
	}
}

// mock adds verb on path with a MOCK integration answering 200 with body.
func (f *fixture) mock(path, verb, body string) {
	f.t.Helper()
	f.method(path, verb, nil)
	f.integration(path, verb, &sdk.PutIntegrationInput{Type: "MOCK",
		RequestTemplates: map[string]string{"application/json": `{"statusCode": 200}`}})
	f.response(path, verb, "200", "", nil, map[string]string{"application/json": body})
}

// deploy creates a deployment onto stage (creating the stage if needed).
func (f *fixture) deploy(stage string, vars map[string]string) string {
	f.t.Helper()
	d, err := f.c.CreateDeployment(f.ctx, &sdk.CreateDeploymentInput{RestApiId: &f.api, StageName: &stage, Variables: vars})
	if err != nil {
		f.t.Fatalf("create deployment: %v", err)
	}
	return *d.Id
}

// Addressing forms of the data plane.
const (
	formHost = "host" // Host: {id}.execute-api.localhost, /{stage}/{path}
	formAWS  = "aws"  // /_aws/execute-api/{id}/{stage}/{path}
	formUser = "user" // /restapis/{id}/{stage}/_user_request_/{path}
)

var forms = []string{formHost, formAWS, formUser}

// result is a data-plane response.
type result struct {
	status int
	header http.Header
	body   string
}

// client is shared so tests reuse connections.
var client = &http.Client{}

// call sends one request to the data plane of base (a node URL).
func call(t testing.TB, base, form, api, stage, method, path string, hdr map[string]string, body string) result {
	t.Helper()
	var url, host string
	switch form {
	case formHost:
		url, host = base+"/"+stage+path, api+".execute-api.localhost"
	case formAWS:
		url = base + "/_aws/execute-api/" + api + "/" + stage + path
	case formUser:
		url = base + "/restapis/" + api + "/" + stage + "/_user_request_" + path
	}
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	if host != "" {
		req.Host = host
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return result{resp.StatusCode, resp.Header, string(b)}
}

var (
	uuidRE    = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	apigwIDRE = regexp.MustCompile(`^[A-Za-z0-9+/]{15}=$`)
)

// checkIDs asserts the headers every data-plane response carries.
func checkIDs(t testing.TB, r result) {
	t.Helper()
	if id := r.header.Get("x-amzn-RequestId"); !uuidRE.MatchString(id) {
		t.Errorf("x-amzn-RequestId %q is not a UUID", id)
	}
	if id := r.header.Get("x-amz-apigw-id"); !apigwIDRE.MatchString(id) {
		t.Errorf("x-amz-apigw-id %q", id)
	}
}

// expect checks status, body and (optionally) x-amzn-ErrorType.
func expect(t testing.TB, r result, status int, body, errType string) {
	t.Helper()
	checkIDs(t, r)
	if r.status != status || r.body != body {
		t.Errorf("got %d %q, want %d %q", r.status, r.body, status, body)
	}
	if got := r.header.Get("x-amzn-ErrorType"); got != errType {
		t.Errorf("x-amzn-ErrorType %q, want %q", got, errType)
	}
}
