package httpapi_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	sdk "github.com/aws/aws-sdk-go-v2/service/apigatewayv2"
	"github.com/aws/aws-sdk-go-v2/service/apigatewayv2/types"

	"github.com/stagecraft/stagecraft/internal/lambdatest"
)

// TestDisableExecuteAPIEndpoint: with disableExecuteApiEndpoint the
// execute-api endpoint (host and path forms) answers 404 Not Found, as
// AWS does for HTTP APIs, from the deployment that carries the setting on;
// custom domain names keep serving.
func TestDisableExecuteAPIEndpoint(t *testing.T) {
	hs := newHarness(t)
	up, _ := countingServer(t)
	id := hs.api("private", nil)
	hs.route(id, "GET /x", hs.proxy(id, up.URL, nil), nil)
	hs.stage(id, "$default", nil)
	if _, err := hs.c.CreateStage(hs.ctx, &sdk.CreateStageInput{ApiId: &id, StageName: aws.String("manual")}); err != nil {
		t.Fatal(err)
	}
	dep, err := hs.c.CreateDeployment(hs.ctx, &sdk.CreateDeploymentInput{ApiId: &id, StageName: aws.String("manual")})
	if err != nil {
		t.Fatal(err)
	}
	hs.domain(t, "private.example.test", id, "$default", "")
	pathForm := func() resp { return hs.doHost("GET", "127.0.0.1:"+hs.port(), "/_aws/execute-api/"+id+"/x", nil, "") }

	expect(t, hs.do("GET", id, "/x", nil, ""), 200, "ok")
	expect(t, pathForm(), 200, "ok")

	if _, err := hs.c.UpdateApi(hs.ctx, &sdk.UpdateApiInput{ApiId: &id, DisableExecuteApiEndpoint: aws.Bool(true)}); err != nil {
		t.Fatal(err)
	}
	// The auto-deployed $default stage has the change; the manually
	// deployed stage serves its deployment until the next one.
	expect(t, hs.do("GET", id, "/x", nil, ""), 404, `{"message":"Not Found"}`)
	expect(t, pathForm(), 404, `{"message":"Not Found"}`)
	expect(t, hs.do("GET", id, "/manual/x", nil, ""), 200, "ok")
	expect(t, hs.doHost("GET", "private.example.test:"+hs.port(), "/x", nil, ""), 200, "ok")
	if _, err := hs.c.CreateDeployment(hs.ctx, &sdk.CreateDeploymentInput{ApiId: &id, StageName: aws.String("manual")}); err != nil {
		t.Fatal(err)
	}
	expect(t, hs.do("GET", id, "/manual/x", nil, ""), 404, `{"message":"Not Found"}`)
	// Back to the old deployment: the endpoint serves again.
	if _, err := hs.c.UpdateStage(hs.ctx, &sdk.UpdateStageInput{ApiId: &id, StageName: aws.String("manual"), DeploymentId: dep.DeploymentId}); err != nil {
		t.Fatal(err)
	}
	expect(t, hs.do("GET", id, "/manual/x", nil, ""), 200, "ok")
	if _, err := hs.c.UpdateApi(hs.ctx, &sdk.UpdateApiInput{ApiId: &id, DisableExecuteApiEndpoint: aws.Bool(false)}); err != nil {
		t.Fatal(err)
	}
	expect(t, hs.do("GET", id, "/x", nil, ""), 200, "ok")
}

// TestStageVariables: ${stageVariables.x} in a Lambda function ARN, an
// HTTP_PROXY URI and parameter mapping values takes each stage's value,
// and a stage variable edit applies to the next request without a
// deployment.
func TestStageVariables(t *testing.T) {
	lam := lambdatest.Start(t)
	hs := newHarness(t, withLambda(lam.URL))
	up := echoServer(t)
	for _, fn := range []string{"blue", "green"} {
		lam.Register("fn-"+fn, func(ctx context.Context, payload []byte) ([]byte, error) {
			var e struct {
				StageVariables map[string]string `json:"stageVariables"`
			}
			json.Unmarshal(payload, &e)
			return json.Marshal(map[string]any{"statusCode": 200, "body": fn + ":" + e.StageVariables["color"]})
		})
	}
	id := hs.api("vars", nil)
	lamInteg, err := hs.c.CreateIntegration(hs.ctx, &sdk.CreateIntegrationInput{ApiId: &id, IntegrationType: types.IntegrationTypeAwsProxy,
		IntegrationUri: aws.String("arn:aws:lambda:us-east-1:000000000000:function:fn-${stageVariables.color}"), PayloadFormatVersion: aws.String("2.0")})
	if err != nil {
		t.Fatal(err)
	}
	hs.route(id, "GET /fn", *lamInteg.IntegrationId, nil)
	proxy := hs.proxy(id, up.URL+"/${stageVariables.color}/{rest}", func(in *sdk.CreateIntegrationInput) {
		in.RequestParameters = map[string]string{
			"overwrite:header.x-color":   "${stageVariables.color}",
			"append:querystring.tier":    "$stageVariables.tier",
			"overwrite:header.x-missing": "[${stageVariables.none}]",
		}
		in.ResponseParameters = map[string]map[string]string{"200": {"overwrite:header.x-served-by": "${stageVariables.color}-${context.stage}"}}
	})
	hs.route(id, "GET /p/{rest+}", proxy, nil)
	hs.stage(id, "blue", map[string]string{"color": "blue", "tier": "gold"})
	hs.stage(id, "green", map[string]string{"color": "green"})

	expect(t, hs.do("GET", id, "/blue/fn", nil, ""), 200, "blue:blue")
	expect(t, hs.do("GET", id, "/green/fn", nil, ""), 200, "green:green")
	for stage, want := range map[string]struct{ path, query string }{
		"blue":  {"/blue/a/b", "tier=gold"},
		"green": {"/green/a/b", ""}, // an undefined variable renders "" [?: what AWS appends then]
	} {
		r := hs.do("GET", id, "/"+stage+"/p/a/b", nil, "")
		expect(t, r, 200, "")
		e := decodeEcho(t, r)
		if e.Path != want.path || (want.query != "" && e.Query != want.query) || e.Header["X-Color"][0] != stage || e.Header["X-Missing"][0] != "[]" {
			t.Errorf("%s: upstream saw %+v", stage, e)
		}
		if got := r.header.Get("X-Served-By"); got != stage+"-"+stage {
			t.Errorf("%s: x-served-by %q", stage, got)
		}
	}
	// Stage variables are live: no deployment needed.
	if _, err := hs.c.UpdateStage(hs.ctx, &sdk.UpdateStageInput{ApiId: &id, StageName: aws.String("green"),
		StageVariables: map[string]string{"color": "blue"}}); err != nil {
		t.Fatal(err)
	}
	expect(t, hs.do("GET", id, "/green/fn", nil, ""), 200, "blue:blue")
	if e := decodeEcho(t, hs.do("GET", id, "/green/p/z", nil, "")); e.Path != "/blue/z" {
		t.Errorf("after the edit the upstream saw %+v", e)
	}
	// A variable naming no function is the integration's failure.
	if _, err := hs.c.UpdateStage(hs.ctx, &sdk.UpdateStageInput{ApiId: &id, StageName: aws.String("green"),
		StageVariables: map[string]string{"color": "red"}}); err != nil {
		t.Fatal(err)
	}
	expect(t, hs.do("GET", id, "/green/fn", nil, ""), 500, `{"message":"Internal Server Error"}`)
}

// TestResponseStatusMapping: responseParameters keyed by the integration's
// status code overwrite the status (statically or from $response.*) and
// headers before the client sees them.
func TestResponseStatusMapping(t *testing.T) {
	lam := lambdatest.Start(t)
	hs := newHarness(t, withLambda(lam.URL))
	lam.Register("coded", func(ctx context.Context, payload []byte) ([]byte, error) {
		var e struct {
			Query map[string]string `json:"queryStringParameters"`
		}
		json.Unmarshal(payload, &e)
		return json.Marshal(map[string]any{"statusCode": json.Number(e.Query["code"]), "body": "code " + e.Query["code"],
			"headers": map[string]string{"x-want": e.Query["want"], "x-fn": "coded"}})
	})
	id := hs.api("mapped", nil)
	integ, err := hs.c.CreateIntegration(hs.ctx, &sdk.CreateIntegrationInput{ApiId: &id, IntegrationType: types.IntegrationTypeAwsProxy,
		IntegrationUri: aws.String("arn:aws:lambda:us-east-1:000000000000:function:coded"), PayloadFormatVersion: aws.String("2.0"),
		ResponseParameters: map[string]map[string]string{
			"404": {"overwrite:statuscode": "200", "overwrite:header.x-was": "$response.statuscode", "remove:header.x-fn": "''"},
			"500": {"overwrite:statuscode": "$response.header.x-want", "append:header.x-fn": "mapped"},
			"418": {"overwrite:statuscode": "$response.header.x-want"},
		}})
	if err != nil {
		t.Fatal(err)
	}
	hs.route(id, "GET /c", *integ.IntegrationId, nil)
	hs.stage(id, "$default", nil)

	for _, tc := range []struct {
		query        string
		status       int
		body, was    string
		fn           string
		wantFnHeader bool
	}{
		{"code=404", 200, "code 404", "404", "", false},
		{"code=500&want=503", 503, "code 500", "", "coded,mapped", true},
		{"code=201", 201, "code 201", "", "coded", true},
		// A mapped value that is not a status code leaves the status
		// as the integration answered [?].
		{"code=418&want=teapot", 418, "code 418", "", "coded", true},
	} {
		r := hs.do("GET", id, "/c?"+tc.query, nil, "")
		expect(t, r, tc.status, tc.body)
		if got := r.header.Get("X-Was"); got != tc.was {
			t.Errorf("%s: x-was %q", tc.query, got)
		}
		if got, ok := r.header["X-Fn"]; ok != tc.wantFnHeader || (ok && got[0] != tc.fn) {
			t.Errorf("%s: x-fn %q", tc.query, got)
		}
	}
}
