package dataplane_test

import (
	"fmt"
	"math/rand/v2"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	sdk "github.com/aws/aws-sdk-go-v2/service/apigateway"
	"github.com/aws/aws-sdk-go-v2/service/apigateway/types"

	"github.com/stagecraft/stagecraft/internal/dataplane"
	"github.com/stagecraft/stagecraft/internal/testenv"
)

// markerTemplate names the deployment and the variables a request saw.
const markerTemplate = `$context.deploymentId|$stageVariables.color|$stageVariables.size|$!context.isCanaryRequest`

// The canary split: percentTraffic % of requests go to the canary
// deployment with stageVariableOverrides laid over the stage variables.
// A second data plane over the node's store, with a seeded random source,
// serves the requests so the split is deterministic.
func TestCanarySplit(t *testing.T) {
	env := testenv.Start(t)
	dp := dataplane.New(env.Node.Store, dataplane.Config{Rand: rand.New(rand.NewPCG(1, 2)).Float64})
	t.Cleanup(dp.Close)
	srv := httptest.NewServer(dp)
	t.Cleanup(srv.Close)

	f := newFixture(t, env, "canary")
	f.mock("/c", "GET", markerTemplate)
	base := f.deploy("prod", map[string]string{"color": "blue", "size": "L"})
	canary, err := f.c.CreateDeployment(f.ctx, &sdk.CreateDeploymentInput{RestApiId: &f.api, StageName: aws.String("prod"),
		CanarySettings: &types.DeploymentCanarySettings{PercentTraffic: 25, StageVariableOverrides: map[string]string{"color": "red"}}})
	if err != nil {
		t.Fatal(err)
	}
	wantBase := base + "|blue|L|false"
	wantCanary := *canary.Id + "|red|L|true"

	const n = 10000
	counts := map[string]int{}
	for i := 0; i < n; i++ {
		r := call(t, srv.URL, formAWS, f.api, "prod", "GET", "/c", nil, "")
		if r.status != 200 {
			t.Fatalf("request %d: %d %s", i, r.status, r.body)
		}
		counts[r.body]++
	}
	if len(counts) != 2 || counts[wantBase]+counts[wantCanary] != n {
		t.Fatalf("responses: %v", counts)
	}
	if pct := float64(counts[wantCanary]) * 100 / n; pct < 23 || pct > 27 {
		t.Fatalf("canary share %.2f%%, want 25 ± 2", pct)
	}
	t.Logf("canary share %d/%d", counts[wantCanary], n)

	// 0 % never and 100 % always go to the canary; promotion copies the
	// canary's deployment and overrides into the stage.
	patch := func(ops ...types.PatchOperation) {
		t.Helper()
		if _, err := f.c.UpdateStage(f.ctx, &sdk.UpdateStageInput{RestApiId: &f.api, StageName: aws.String("prod"), PatchOperations: ops}); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		pct  string
		want string
	}{{"0.0", wantBase}, {"100.0", wantCanary}} {
		patch(types.PatchOperation{Op: types.OpReplace, Path: aws.String("/canarySettings/percentTraffic"), Value: aws.String(tc.pct)})
		for i := 0; i < 20; i++ {
			if r := call(t, srv.URL, formAWS, f.api, "prod", "GET", "/c", nil, ""); r.body != tc.want {
				t.Fatalf("percentTraffic %s: got %q, want %q", tc.pct, r.body, tc.want)
			}
		}
	}
	patch(
		types.PatchOperation{Op: types.OpReplace, Path: aws.String("/canarySettings/percentTraffic"), Value: aws.String("0.0")},
		types.PatchOperation{Op: types.OpCopy, From: aws.String("/canarySettings/stageVariableOverrides"), Path: aws.String("/variables")},
		types.PatchOperation{Op: types.OpCopy, From: aws.String("/canarySettings/deploymentId"), Path: aws.String("/deploymentId")},
	)
	if r := call(t, srv.URL, formAWS, f.api, "prod", "GET", "/c", nil, ""); r.body != *canary.Id+"|red|L|false" {
		t.Fatalf("after promotion: %q", r.body)
	}
	// Removing the canary removes $context.isCanaryRequest.
	patch(types.PatchOperation{Op: types.OpRemove, Path: aws.String("/canarySettings")})
	if r := call(t, srv.URL, formAWS, f.api, "prod", "GET", "/c", nil, ""); r.body != *canary.Id+"|red|L|" {
		t.Fatalf("without canary: %q", r.body)
	}
}

// A request right after a CreateDeployment or UpdateStage sees it.
func TestReadYourWrites(t *testing.T) {
	env := testenv.Start(t)
	f := newFixture(t, env, "ryw")
	f.mock("/v", "GET", "v0")
	f.deploy("s", map[string]string{"n": "0"})
	res := f.resource("/v")
	for i := 1; i <= 50; i++ {
		if _, err := f.c.PutIntegrationResponse(f.ctx, &sdk.PutIntegrationResponseInput{RestApiId: &f.api, ResourceId: &res, HttpMethod: aws.String("GET"),
			StatusCode: aws.String("200"), ResponseTemplates: map[string]string{"application/json": fmt.Sprintf("v%d $stageVariables.n", i)}}); err != nil {
			t.Fatal(err)
		}
		f.deploy("s", nil)
		want := fmt.Sprintf("v%d %d", i, i-1)
		if r := call(t, env.URL, formHost, f.api, "s", "GET", "/v", nil, ""); r.body != want {
			t.Fatalf("iteration %d after CreateDeployment: got %q, want %q", i, r.body, want)
		}
		if _, err := f.c.UpdateStage(f.ctx, &sdk.UpdateStageInput{RestApiId: &f.api, StageName: aws.String("s"), PatchOperations: []types.PatchOperation{
			{Op: types.OpReplace, Path: aws.String("/variables/n"), Value: aws.String(fmt.Sprint(i))}}}); err != nil {
			t.Fatal(err)
		}
		want = fmt.Sprintf("v%d %d", i, i)
		if r := call(t, env.URL, formAWS, f.api, "s", "GET", "/v", nil, ""); r.body != want {
			t.Fatalf("iteration %d after UpdateStage: got %q, want %q", i, r.body, want)
		}
	}
	// Deleting the stage takes effect at once too.
	if _, err := f.c.DeleteStage(f.ctx, &sdk.DeleteStageInput{RestApiId: &f.api, StageName: aws.String("s")}); err != nil {
		t.Fatal(err)
	}
	expect(t, call(t, env.URL, formHost, f.api, "s", "GET", "/v", nil, ""), 403, `{"message":"Forbidden"}`, "ForbiddenException")
}

// Gateway responses are part of the deployment: a customization shows
// after a redeploy, with its status, headers and template.
func TestGatewayResponseCustomization(t *testing.T) {
	env := testenv.Start(t)
	f := newFixture(t, env, "gwr")
	f.mock("/ok", "GET", "ok")
	f.method("/bad", "GET", nil)
	f.integration("/bad", "GET", &sdk.PutIntegrationInput{Type: "MOCK", RequestTemplates: map[string]string{"application/json": `{"nope": 1}`}})
	f.deploy("s", map[string]string{"team": "blue"})

	if _, err := f.c.PutGatewayResponse(f.ctx, &sdk.PutGatewayResponseInput{RestApiId: &f.api, ResponseType: types.GatewayResponseTypeMissingAuthenticationToken,
		StatusCode:         aws.String("404"),
		ResponseParameters: map[string]string{"gatewayresponse.header.X-Why": "'custom'", "gatewayresponse.header.X-Team": "stageVariables.team", "gatewayresponse.header.X-Path": "context.path"},
		ResponseTemplates:  map[string]string{"application/json": `{"error":"not found","type":"$context.error.responseType","msg":$context.error.messageString,"path":"$context.path"}`},
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.c.PutGatewayResponse(f.ctx, &sdk.PutGatewayResponseInput{RestApiId: &f.api, ResponseType: types.GatewayResponseTypeDefault5xx,
		ResponseTemplates: map[string]string{"application/json": `{"oops":$context.error.messageString,"id":"$context.requestId"}`},
	}); err != nil {
		t.Fatal(err)
	}
	// Not deployed yet: the defaults still answer.
	expect(t, call(t, env.URL, formHost, f.api, "s", "GET", "/missing", nil, ""), 403,
		`{"message":"Missing Authentication Token"}`, "MissingAuthenticationTokenException")

	f.deploy("s", nil)
	r := call(t, env.URL, formHost, f.api, "s", "GET", "/missing", nil, "")
	expect(t, r, 404, `{"error":"not found","type":"MISSING_AUTHENTICATION_TOKEN","msg":"Missing Authentication Token","path":"/s/missing"}`, "MissingAuthenticationTokenException")
	for k, v := range map[string]string{"X-Why": "custom", "X-Team": "blue", "X-Path": "/s/missing", "Content-Type": "application/json"} {
		if g := r.header.Get(k); g != v {
			t.Errorf("%s = %q, want %q", k, g, v)
		}
	}
	// DEFAULT_5XX is inherited by API_CONFIGURATION_ERROR (a MOCK template
	// without statusCode), which keeps its own 500.
	r = call(t, env.URL, formHost, f.api, "s", "GET", "/bad", nil, "")
	expect(t, r, 500, `{"oops":"Internal server error","id":"`+r.header.Get("x-amzn-RequestId")+`"}`, "InternalServerErrorException")
	expect(t, call(t, env.URL, formHost, f.api, "s", "GET", "/ok", nil, ""), 200, "ok", "")
	// Unknown stage: there is no deployment to take responses from.
	expect(t, call(t, env.URL, formHost, f.api, "nostage", "GET", "/missing", nil, ""), 403, `{"message":"Forbidden"}`, "ForbiddenException")
	if strings.Contains(r.body, "$context") {
		t.Errorf("unrendered template: %s", r.body)
	}
}
