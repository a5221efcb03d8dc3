package apigatewayv2_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	sdk "github.com/aws/aws-sdk-go-v2/service/apigatewayv2"
	"github.com/aws/aws-sdk-go-v2/service/apigatewayv2/types"

	"github.com/stagecraft/stagecraft/internal/testenv"
)

// The seed scenarios, run against the real binary. Terraform's provider
// uses aws-sdk-go-v2; the Go tests below make the calls it makes, in its
// order, with the members it sends (its schema defaults included), and
// read back what its Read functions read.

// tfCreateAPI is aws_apigatewayv2_api's create + read.
func tfCreateAPI(t *testing.T, c *sdk.Client, name string, proto types.ProtocolType, rse string) *sdk.GetApiOutput {
	t.Helper()
	a := do(c.CreateApi(ctx, &sdk.CreateApiInput{Name: aws.String(name), ProtocolType: proto,
		ApiKeySelectionExpression: aws.String("$request.header.x-api-key"), // schema default
		RouteSelectionExpression:  aws.String(rse),                         // schema default for HTTP
		Tags:                      map[string]string{}})).must(t)
	got := do(c.GetApi(ctx, &sdk.GetApiInput{ApiId: a.ApiId})).must(t)
	if *got.Name != name || got.ProtocolType != proto || *got.RouteSelectionExpression != rse ||
		*got.ApiKeySelectionExpression != "$request.header.x-api-key" || got.ApiEndpoint == nil || got.Tags == nil {
		t.Fatalf("api read: %+v", got)
	}
	return got
}

// tfCreateRoute is aws_apigatewayv2_route's create + read (route.go):
// api_key_required and authorization_type are always sent.
func tfCreateRoute(t *testing.T, c *sdk.Client, apiID *string, key string, target *string) *sdk.GetRouteOutput {
	t.Helper()
	r := do(c.CreateRoute(ctx, &sdk.CreateRouteInput{ApiId: apiID, ApiKeyRequired: aws.Bool(false),
		AuthorizationType: types.AuthorizationTypeNone, RouteKey: aws.String(key), Target: target})).must(t)
	got := do(c.GetRoute(ctx, &sdk.GetRouteInput{ApiId: apiID, RouteId: r.RouteId})).must(t)
	// Every attribute the resource reads.
	if *got.ApiKeyRequired || got.AuthorizationScopes != nil || got.AuthorizationType != types.AuthorizationTypeNone ||
		got.AuthorizerId != nil || got.ModelSelectionExpression != nil || got.OperationName != nil || got.RequestModels != nil ||
		got.RequestParameters != nil || *got.RouteKey != key || got.RouteResponseSelectionExpression != nil ||
		aws.ToString(got.Target) != aws.ToString(target) || aws.ToBool(got.ApiGatewayManaged) {
		t.Fatalf("route read: %+v", got)
	}
	return got
}

// tfCreateHTTPProxyIntegration is seed 004's aws_apigatewayv2_integration
// with the resource's schema defaults (connection_type INTERNET,
// passthrough_behavior WHEN_NO_MATCH, payload_format_version 1.0).
func tfCreateHTTPProxyIntegration(t *testing.T, c *sdk.Client, apiID *string) *sdk.GetIntegrationOutput {
	t.Helper()
	in := do(c.CreateIntegration(ctx, &sdk.CreateIntegrationInput{ApiId: apiID, IntegrationType: types.IntegrationTypeHttpProxy,
		ConnectionType: types.ConnectionTypeInternet, IntegrationMethod: aws.String("ANY"), IntegrationUri: aws.String("https://example.com/{proxy}"),
		PassthroughBehavior: types.PassthroughBehaviorWhenNoMatch, PayloadFormatVersion: aws.String("1.0")})).must(t)
	got := do(c.GetIntegration(ctx, &sdk.GetIntegrationInput{ApiId: apiID, IntegrationId: in.IntegrationId})).must(t)
	if got.IntegrationType != types.IntegrationTypeHttpProxy || *got.IntegrationMethod != "ANY" || *got.IntegrationUri != "https://example.com/{proxy}" ||
		got.ConnectionType != types.ConnectionTypeInternet || *got.PayloadFormatVersion != "1.0" || *got.TimeoutInMillis != 30000 ||
		got.PassthroughBehavior != "" { // HTTP APIs do not return it; Terraform suppresses the diff
		t.Fatalf("integration read: %+v", got)
	}
	return got
}

// tfCreateDeployment is aws_apigatewayv2_deployment's create: CreateDeployment,
// wait until DEPLOYED, read auto_deployed and description.
func tfCreateDeployment(t *testing.T, c *sdk.Client, apiID *string, description string) *sdk.GetDeploymentOutput {
	t.Helper()
	in := &sdk.CreateDeploymentInput{ApiId: apiID}
	if description != "" {
		in.Description = aws.String(description)
	}
	d := do(c.CreateDeployment(ctx, in)).must(t)
	got := do(c.GetDeployment(ctx, &sdk.GetDeploymentInput{ApiId: apiID, DeploymentId: d.DeploymentId})).must(t)
	if got.DeploymentStatus != types.DeploymentStatusDeployed || aws.ToBool(got.AutoDeployed) || aws.ToString(got.Description) != description ||
		*got.DeploymentId != *d.DeploymentId || got.CreatedDate == nil {
		t.Fatalf("deployment read: %+v", got)
	}
	return got
}

func TestSeed000DeploymentGoSDK(t *testing.T) {
	env := testenv.StartBinary(t, "")
	c := env.APIGatewayV2()
	for _, proto := range []types.ProtocolType{types.ProtocolTypeHttp, types.ProtocolTypeWebsocket} {
		t.Run(string(proto), func(t *testing.T) {
			rse, key := "$request.method $request.path", "ANY /example/{proxy+}"
			if proto == types.ProtocolTypeWebsocket {
				rse, key = "$request.body.action", "$default"
			}
			a := tfCreateAPI(t, c, "example", proto, rse)
			var target *string
			if proto == types.ProtocolTypeHttp {
				target = aws.String("integrations/" + *tfCreateHTTPProxyIntegration(t, c, a.ApiId).IntegrationId)
			} else {
				in := do(c.CreateIntegration(ctx, &sdk.CreateIntegrationInput{ApiId: a.ApiId, IntegrationType: types.IntegrationTypeMock,
					ConnectionType: types.ConnectionTypeInternet, PassthroughBehavior: types.PassthroughBehaviorWhenNoMatch, PayloadFormatVersion: aws.String("1.0")})).must(t)
				target = aws.String("integrations/" + *in.IntegrationId)
			}

			// Without depends_on/triggers, the deployment may race the route:
			// AWS refuses it [S, C].
			_, err := c.CreateDeployment(ctx, &sdk.CreateDeploymentInput{ApiId: a.ApiId, Description: aws.String("Example deployment")})
			apiErr(t, err, "BadRequestException", msgNoRoutes)

			r := tfCreateRoute(t, c, a.ApiId, key, target)
			d1 := tfCreateDeployment(t, c, a.ApiId, "Example deployment")
			// A stage serving it (an aws_apigatewayv2_stage with deployment_id).
			do(c.CreateStage(ctx, &sdk.CreateStageInput{ApiId: a.ApiId, StageName: aws.String("example"), AutoDeploy: aws.Bool(false), DeploymentId: d1.DeploymentId})).must(t)

			// triggers changed → create_before_destroy: new deployment, stage
			// updated to it, old deployment destroyed.
			d2 := tfCreateDeployment(t, c, a.ApiId, "Example deployment")
			do(c.UpdateStage(ctx, &sdk.UpdateStageInput{ApiId: a.ApiId, StageName: aws.String("example"), DeploymentId: d2.DeploymentId})).must(t)
			do(c.DeleteDeployment(ctx, &sdk.DeleteDeploymentInput{ApiId: a.ApiId, DeploymentId: d1.DeploymentId})).must(t)
			// Terraform treats NotFound on delete as done.
			_, err = c.DeleteDeployment(ctx, &sdk.DeleteDeploymentInput{ApiId: a.ApiId, DeploymentId: d1.DeploymentId})
			apiErr(t, err, "NotFoundException", "Invalid Deployment identifier specified "+*d1.DeploymentId)

			// Updating the description (in place).
			do(c.UpdateDeployment(ctx, &sdk.UpdateDeploymentInput{ApiId: a.ApiId, DeploymentId: d2.DeploymentId, Description: aws.String("Changed")})).must(t)
			// terraform import aabbccddee/1122334 reads the deployment by its two ids.
			imp := do(c.GetDeployment(ctx, &sdk.GetDeploymentInput{ApiId: a.ApiId, DeploymentId: d2.DeploymentId})).must(t)
			if *imp.Description != "Changed" || *imp.AutoDeployed {
				t.Fatalf("import read: %+v", imp)
			}

			// terraform destroy, dependents first.
			do(c.DeleteStage(ctx, &sdk.DeleteStageInput{ApiId: a.ApiId, StageName: aws.String("example")})).must(t)
			do(c.DeleteDeployment(ctx, &sdk.DeleteDeploymentInput{ApiId: a.ApiId, DeploymentId: d2.DeploymentId})).must(t)
			do(c.DeleteRoute(ctx, &sdk.DeleteRouteInput{ApiId: a.ApiId, RouteId: r.RouteId})).must(t)
			do(c.DeleteIntegration(ctx, &sdk.DeleteIntegrationInput{ApiId: a.ApiId, IntegrationId: aws.String(strings.TrimPrefix(*target, "integrations/"))})).must(t)
			do(c.DeleteApi(ctx, &sdk.DeleteApiInput{ApiId: a.ApiId})).must(t)
		})
	}
	// The auto_deployed attribute: an autoDeploy stage's deployments.
	a := tfCreateAPI(t, c, "auto", types.ProtocolTypeHttp, "$request.method $request.path")
	do(c.CreateStage(ctx, &sdk.CreateStageInput{ApiId: a.ApiId, StageName: aws.String("$default"), AutoDeploy: aws.Bool(true)})).must(t)
	in := tfCreateHTTPProxyIntegration(t, c, a.ApiId)
	tfCreateRoute(t, c, a.ApiId, "GET /", aws.String("integrations/"+*in.IntegrationId))
	st := do(c.GetStage(ctx, &sdk.GetStageInput{ApiId: a.ApiId, StageName: aws.String("$default")})).must(t)
	d := do(c.GetDeployment(ctx, &sdk.GetDeploymentInput{ApiId: a.ApiId, DeploymentId: st.DeploymentId})).must(t)
	if !*d.AutoDeployed || *d.Description != autoDesc {
		t.Fatalf("auto deployment: %+v", d)
	}
}

func TestSeed004RouteGoSDK(t *testing.T) {
	env := testenv.StartBinary(t, "")
	c := env.APIGatewayV2()

	// Basic: a WebSocket API and its $default route.
	ws := tfCreateAPI(t, c, "example-websocket-api", types.ProtocolTypeWebsocket, "$request.body.action")
	r := tfCreateRoute(t, c, ws.ApiId, "$default", nil)
	if !strings.HasPrefix(*ws.ApiEndpoint, "ws://"+*ws.ApiId+".execute-api.localhost:") {
		t.Fatalf("websocket endpoint %s", *ws.ApiEndpoint)
	}

	// HTTP Proxy Integration.
	h := tfCreateAPI(t, c, "example-http-api", types.ProtocolTypeHttp, "$request.method $request.path")
	in := tfCreateHTTPProxyIntegration(t, c, h.ApiId)
	hr := tfCreateRoute(t, c, h.ApiId, "ANY /example/{proxy+}", aws.String("integrations/"+*in.IntegrationId))

	// Update in place: Terraform sends only the changed members.
	up := do(c.UpdateRoute(ctx, &sdk.UpdateRouteInput{ApiId: h.ApiId, RouteId: hr.RouteId, OperationName: aws.String("Proxy"),
		RouteKey: aws.String("GET /example/{proxy+}")})).must(t)
	if *up.OperationName != "Proxy" || *up.RouteKey != "GET /example/{proxy+}" || *up.Target != "integrations/"+*in.IntegrationId {
		t.Fatalf("route update: %+v", up)
	}
	// WebSocket-only arguments on the WebSocket route.
	up = do(c.UpdateRoute(ctx, &sdk.UpdateRouteInput{ApiId: ws.ApiId, RouteId: r.RouteId, ApiKeyRequired: aws.Bool(true),
		RouteResponseSelectionExpression: aws.String("$default"), ModelSelectionExpression: aws.String("$request.body.type"),
		RequestParameters: map[string]types.ParameterConstraints{"route.request.querystring.token": {Required: aws.Bool(true)}}})).must(t)
	if !*up.ApiKeyRequired || *up.RouteResponseSelectionExpression != "$default" || !*up.RequestParameters["route.request.querystring.token"].Required {
		t.Fatalf("websocket route update: %+v", up)
	}
	// The same arguments are refused on HTTP APIs.
	_, err := c.UpdateRoute(ctx, &sdk.UpdateRouteInput{ApiId: h.ApiId, RouteId: hr.RouteId, ApiKeyRequired: aws.Bool(true)})
	apiErr(t, err, "BadRequestException", "apiKeyRequired is supported only for WebSocket APIs")

	// Import refuses quick-create routes; an ordinary route is not managed.
	q := do(c.CreateApi(ctx, &sdk.CreateApiInput{Name: aws.String("quick"), ProtocolType: types.ProtocolTypeHttp, Target: aws.String("https://example.com")})).must(t)
	qr := do(c.GetRoutes(ctx, &sdk.GetRoutesInput{ApiId: q.ApiId})).must(t)
	if len(qr.Items) != 1 || !*qr.Items[0].ApiGatewayManaged || *qr.Items[0].RouteKey != "$default" {
		t.Fatalf("quick create route: %+v", qr.Items)
	}

	// Destroy.
	do(c.DeleteRoute(ctx, &sdk.DeleteRouteInput{ApiId: h.ApiId, RouteId: hr.RouteId})).must(t)
	do(c.DeleteRoute(ctx, &sdk.DeleteRouteInput{ApiId: ws.ApiId, RouteId: r.RouteId})).must(t)
	_, err = c.GetRoute(ctx, &sdk.GetRouteInput{ApiId: ws.ApiId, RouteId: r.RouteId})
	apiErr(t, err, "NotFoundException", "Invalid Route identifier specified "+*r.RouteId)
}

// The same scenarios through boto3.
func TestSeedsBoto3(t *testing.T) {
	env := testenv.StartBinary(t, "")
	out := env.Python(t, `
import boto3, os, time
c = boto3.client("apigatewayv2", endpoint_url=os.environ["STAGECRAFT_URL"], region_name="us-east-1")

# seed 004: basic WebSocket route
ws = c.create_api(Name="example-websocket-api", ProtocolType="WEBSOCKET", RouteSelectionExpression="$request.body.action")
assert ws["ApiEndpoint"].startswith("ws://" + ws["ApiId"] + ".execute-api.localhost:"), ws
assert ws["Tags"] == {}, ws
r = c.create_route(ApiId=ws["ApiId"], RouteKey="$default", ApiKeyRequired=False, AuthorizationType="NONE")
g = c.get_route(ApiId=ws["ApiId"], RouteId=r["RouteId"])
assert g["RouteKey"] == "$default" and g["AuthorizationType"] == "NONE" and g["ApiKeyRequired"] is False, g
for k in ("Target", "AuthorizerId", "OperationName", "RequestModels", "RequestParameters", "ModelSelectionExpression", "RouteResponseSelectionExpression", "AuthorizationScopes"):
    assert k not in g, (k, g)

# seed 004: HTTP proxy integration
h = c.create_api(Name="example-http-api", ProtocolType="HTTP")
assert h["RouteSelectionExpression"] == "$request.method $request.path", h
i = c.create_integration(ApiId=h["ApiId"], IntegrationType="HTTP_PROXY", IntegrationMethod="ANY",
    IntegrationUri="https://example.com/{proxy}", PayloadFormatVersion="1.0", ConnectionType="INTERNET", PassthroughBehavior="WHEN_NO_MATCH")
assert i["TimeoutInMillis"] == 30000 and "PassthroughBehavior" not in i, i
hr = c.create_route(ApiId=h["ApiId"], RouteKey="ANY /example/{proxy+}", Target="integrations/" + i["IntegrationId"])
assert hr["Target"] == "integrations/" + i["IntegrationId"], hr
try:
    c.create_route(ApiId=h["ApiId"], RouteKey="ANY /example/{proxy+}")
    raise SystemExit("duplicate route key accepted")
except c.exceptions.ConflictException as e:
    assert e.response["Error"]["Message"] == "Route with key ANY /example/{proxy+} already exists for this API", e.response

# seed 000: deployment
empty = c.create_api(Name="empty", ProtocolType="HTTP")
try:
    c.create_deployment(ApiId=empty["ApiId"])
    raise SystemExit("deployment without routes accepted")
except c.exceptions.BadRequestException as e:
    assert e.response["Error"]["Message"] == "Unable to deploy API because no routes exist in this API", e.response
    assert e.response["ResponseMetadata"]["HTTPStatusCode"] == 400
d = c.create_deployment(ApiId=h["ApiId"], Description="Example deployment")
assert d["DeploymentStatus"] == "DEPLOYED" and d["AutoDeployed"] is False and d["Description"] == "Example deployment", d
assert d["ResponseMetadata"]["HTTPStatusCode"] == 201
gd = c.get_deployment(ApiId=h["ApiId"], DeploymentId=d["DeploymentId"])
assert gd["DeploymentId"] == d["DeploymentId"] and gd["CreatedDate"].tzinfo is not None, gd
items = [x["DeploymentId"] for x in c.get_paginator("get_deployments").paginate(ApiId=h["ApiId"], PaginationConfig={"PageSize": 1}).build_full_result()["Items"]]
assert items == [d["DeploymentId"]], items

# autoDeploy stage
s = c.create_stage(ApiId=h["ApiId"], StageName="$default", AutoDeploy=True)
assert s["DeploymentId"] != d["DeploymentId"] and s["LastDeploymentStatusMessage"] == "Successfully deployed stage with deployment ID '%s'" % s["DeploymentId"], s
c.update_route(ApiId=h["ApiId"], RouteId=hr["RouteId"], OperationName="Proxy")
s2 = c.get_stage(ApiId=h["ApiId"], StageName="$default")
ad = c.get_deployment(ApiId=h["ApiId"], DeploymentId=s2["DeploymentId"])
assert s2["DeploymentId"] != s["DeploymentId"] and ad["AutoDeployed"] is True and ad["Description"] == "Automatic deployment triggered by changes to the Api configuration", (s2, ad)
try:
    c.delete_deployment(ApiId=h["ApiId"], DeploymentId=s2["DeploymentId"])
    raise SystemExit("deleted a deployment a stage serves")
except c.exceptions.BadRequestException as e:
    pass
c.delete_stage(ApiId=h["ApiId"], StageName="$default")
c.delete_deployment(ApiId=h["ApiId"], DeploymentId=d["DeploymentId"])
c.delete_api(ApiId=h["ApiId"])
try:
    c.get_api(ApiId=h["ApiId"])
    raise SystemExit("api still there")
except c.exceptions.NotFoundException as e:
    assert e.response["Error"]["Message"] == "Invalid API identifier specified 000000000000:" + h["ApiId"], e.response
print("OK")
`)
	if strings.TrimSpace(out) != "OK" {
		t.Fatalf("boto3 scenario: %s", out)
	}
}

// cli runs one AWS CLI command (v1 or v2) and decodes its JSON output.
func cli(t *testing.T, env *testenv.Env, v2 bool, args ...string) map[string]any {
	t.Helper()
	var so, se string
	var code int
	if v2 {
		so, se, code = env.CLI2(t, args...)
	} else {
		so, se, code = env.CLI(t, args...)
	}
	if code != 0 {
		t.Fatalf("aws %s: exit %d\n%s", strings.Join(args, " "), code, se)
	}
	out := map[string]any{}
	if strings.TrimSpace(so) != "" {
		if err := json.Unmarshal([]byte(so), &out); err != nil {
			t.Fatalf("aws %s: %v\n%s", strings.Join(args, " "), err, so)
		}
	}
	return out
}

func TestSeedsCLI(t *testing.T) {
	for _, v2 := range []bool{false, true} {
		name := "v1"
		if v2 {
			name = "v2"
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel() // each CLI start costs seconds
			if v2 {
				testenv.CLIv2(t)
			} else {
				testenv.RequireCLIv1(t)
			}
			env := testenv.StartBinary(t, "")
			args := func(a ...string) []string { return append([]string{"apigatewayv2"}, a...) }
			run := func(a ...string) map[string]any { return cli(t, env, v2, args(a...)...) }
			fail := func(a ...string) string {
				var so, se string
				var code int
				if v2 {
					so, se, code = env.CLI2(t, args(a...)...)
				} else {
					so, se, code = env.CLI(t, args(a...)...)
				}
				if code == 0 {
					t.Fatalf("aws %s succeeded: %s", strings.Join(a, " "), so)
				}
				return se
			}

			a := run("create-api", "--name", "example-http-api", "--protocol-type", "HTTP")
			id := a["ApiId"].(string)
			if a["RouteSelectionExpression"] != "$request.method $request.path" || a["Tags"] == nil || a["ProtocolType"] != "HTTP" {
				t.Fatalf("create-api: %v", a)
			}
			in := run("create-integration", "--api-id", id, "--integration-type", "HTTP_PROXY", "--integration-method", "ANY",
				"--integration-uri", "https://example.com/{proxy}", "--payload-format-version", "1.0")
			// seed 000: no deployment before a route exists.
			if se := fail("create-deployment", "--api-id", id); !strings.Contains(se, "BadRequestException") || !strings.Contains(se, msgNoRoutes) {
				t.Fatalf("create-deployment without routes: %s", se)
			}
			// seed 004: the HTTP proxy route, read back.
			r := run("create-route", "--api-id", id, "--route-key", "ANY /example/{proxy+}", "--target", "integrations/"+in["IntegrationId"].(string))
			g := run("get-route", "--api-id", id, "--route-id", r["RouteId"].(string))
			want := map[string]any{"RouteId": r["RouteId"], "RouteKey": "ANY /example/{proxy+}", "AuthorizationType": "NONE", "ApiKeyRequired": false,
				"Target": "integrations/" + in["IntegrationId"].(string)}
			if len(g) != len(want) {
				t.Fatalf("get-route: %v", g)
			}
			for k, v := range want {
				if g[k] != v {
					t.Fatalf("get-route %s = %v, want %v", k, g[k], v)
				}
			}
			d := run("create-deployment", "--api-id", id, "--description", "Example deployment")
			if d["DeploymentStatus"] != "DEPLOYED" || d["AutoDeployed"] != false || d["Description"] != "Example deployment" {
				t.Fatalf("create-deployment: %v", d)
			}
			gd := run("get-deployment", "--api-id", id, "--deployment-id", d["DeploymentId"].(string))
			if gd["DeploymentId"] != d["DeploymentId"] || gd["Description"] != "Example deployment" {
				t.Fatalf("get-deployment: %v", gd)
			}
			// Timestamps parse (the CLI prints them back as ISO-8601).
			if ts, ok := gd["CreatedDate"].(string); !ok {
				t.Fatalf("CreatedDate %v", gd["CreatedDate"])
			} else if _, err := time.Parse(time.RFC3339, strings.Replace(ts, "+00:00", "Z", 1)); err != nil {
				t.Fatalf("CreatedDate %q: %v", ts, err)
			}
			run("delete-api", "--api-id", id)
		})
	}
}
