package apigatewayv2_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	sdk "github.com/aws/aws-sdk-go-v2/service/apigatewayv2"
	"github.com/aws/aws-sdk-go-v2/service/apigatewayv2/types"

	v2 "github.com/stagecraft/stagecraft/internal/service/apigatewayv2"
	"github.com/stagecraft/stagecraft/internal/store"
	"github.com/stagecraft/stagecraft/internal/testenv"
	"github.com/stagecraft/stagecraft/internal/wire"
)

const (
	msgNoRoutes   = "Unable to deploy API because no routes exist in this API"
	autoDesc      = "Automatic deployment triggered by changes to the Api configuration"
	autoFailed    = "Deployment attempt failed: Unable to deploy API because no routes exist in this API"
	autoOKPrefix  = "Successfully deployed stage with deployment ID '"
	defaultScope  = "000000000000"
	defaultRegion = "us-east-1"
)

func TestCreateDeploymentRules(t *testing.T) {
	env, c := start(t)
	a := httpAPI(t, c, "h")
	_, err := c.CreateDeployment(ctx, &sdk.CreateDeploymentInput{ApiId: a.ApiId})
	apiErr(t, err, "BadRequestException", msgNoRoutes)
	// An integration alone is not enough: deployments need a route [S].
	in := httpProxy(t, c, a.ApiId)
	_, err = c.CreateDeployment(ctx, &sdk.CreateDeploymentInput{ApiId: a.ApiId, Description: aws.String("x")})
	apiErr(t, err, "BadRequestException", msgNoRoutes)
	do(c.CreateRoute(ctx, &sdk.CreateRouteInput{ApiId: a.ApiId, RouteKey: aws.String("ANY /example/{proxy+}"), Target: aws.String("integrations/" + *in.IntegrationId)})).must(t)

	long := strings.Repeat("d", 1025)
	_, err = c.CreateDeployment(ctx, &sdk.CreateDeploymentInput{ApiId: a.ApiId, Description: aws.String(long)})
	apiErr(t, err, "BadRequestException", "1 validation error detected: Value '"+long+"' at 'createDeploymentInput.Description' failed to satisfy constraint: Member must have length less than or equal to 1024")
	_, err = c.CreateDeployment(ctx, &sdk.CreateDeploymentInput{ApiId: aws.String("nope")})
	apiErr(t, err, "NotFoundException", "Invalid API identifier specified 000000000000:nope")
	_, err = c.CreateDeployment(ctx, &sdk.CreateDeploymentInput{ApiId: a.ApiId, StageName: aws.String("prod")})
	apiErr(t, err, "NotFoundException", "Invalid Stage identifier specified prod")

	// 1024 characters is fine, and the wire shape is AWS's.
	code, body := raw(t, env, "POST", "/v2/apis/"+*a.ApiId+"/deployments", `{"description":"`+long[:1024]+`"}`)
	var d map[string]any
	if code != 201 || json.Unmarshal([]byte(body), &d) != nil || d["autoDeployed"] != false || d["deploymentStatus"] != "DEPLOYED" ||
		d["createdDate"] != "2024-05-06T07:08:09Z" || len(d["deploymentId"].(string)) != 6 || d["description"] != long[:1024] || len(d) != 5 {
		t.Fatalf("%d %s", code, body)
	}
	code, body = raw(t, env, "POST", "/v2/apis/"+*a.ApiId+"/deployments", `{}`)
	if code != 201 || strings.Contains(body, "description") {
		t.Fatalf("deployment without description: %d %s", code, body)
	}
}

func TestDeploymentLifecycle(t *testing.T) {
	env, c := start(t)
	a := httpAPI(t, c, "h")
	in := httpProxy(t, c, a.ApiId)
	do(c.CreateRoute(ctx, &sdk.CreateRouteInput{ApiId: a.ApiId, RouteKey: aws.String("GET /"), Target: aws.String("integrations/" + *in.IntegrationId)})).must(t)
	st := do(c.CreateStage(ctx, &sdk.CreateStageInput{ApiId: a.ApiId, StageName: aws.String("prod")})).must(t)
	if st.DeploymentId != nil {
		t.Fatalf("a new stage has no deployment: %+v", st)
	}
	env.Clock.Advance(time.Minute)
	d1 := do(c.CreateDeployment(ctx, &sdk.CreateDeploymentInput{ApiId: a.ApiId, Description: aws.String("first"), StageName: aws.String("prod")})).must(t)
	got := do(c.GetStage(ctx, &sdk.GetStageInput{ApiId: a.ApiId, StageName: aws.String("prod")})).must(t)
	if *got.DeploymentId != *d1.DeploymentId || !got.LastUpdatedDate.Equal(t0.Add(time.Minute)) || !got.CreatedDate.Equal(t0) ||
		got.LastDeploymentStatusMessage != nil {
		t.Fatalf("stage after deploy: %+v", got)
	}
	gd := do(c.GetDeployment(ctx, &sdk.GetDeploymentInput{ApiId: a.ApiId, DeploymentId: d1.DeploymentId})).must(t)
	if *gd.Description != "first" || *gd.AutoDeployed || gd.DeploymentStatus != types.DeploymentStatusDeployed || !gd.CreatedDate.Equal(t0.Add(time.Minute)) {
		t.Fatalf("deployment: %+v", gd)
	}
	up := do(c.UpdateDeployment(ctx, &sdk.UpdateDeploymentInput{ApiId: a.ApiId, DeploymentId: d1.DeploymentId, Description: aws.String("renamed")})).must(t)
	if *up.Description != "renamed" || *up.DeploymentId != *d1.DeploymentId {
		t.Fatalf("updated deployment: %+v", up)
	}
	up = do(c.UpdateDeployment(ctx, &sdk.UpdateDeploymentInput{ApiId: a.ApiId, DeploymentId: d1.DeploymentId, Description: aws.String("")})).must(t)
	if up.Description != nil {
		t.Fatalf("cleared description: %+v", up)
	}

	// Terraform's create_before_destroy redeploy: new deployment, repoint
	// the stage, delete the old one [S].
	d2 := do(c.CreateDeployment(ctx, &sdk.CreateDeploymentInput{ApiId: a.ApiId})).must(t)
	_, err := c.DeleteDeployment(ctx, &sdk.DeleteDeploymentInput{ApiId: a.ApiId, DeploymentId: d1.DeploymentId})
	apiErr(t, err, "BadRequestException", "Active stages pointing to this deployment must be moved or deleted")
	do(c.UpdateStage(ctx, &sdk.UpdateStageInput{ApiId: a.ApiId, StageName: aws.String("prod"), DeploymentId: d2.DeploymentId})).must(t)
	code, _ := raw(t, env, "DELETE", "/v2/apis/"+*a.ApiId+"/deployments/"+*d1.DeploymentId, "")
	if code != 204 {
		t.Fatalf("DeleteDeployment %d", code)
	}
	_, err = c.GetDeployment(ctx, &sdk.GetDeploymentInput{ApiId: a.ApiId, DeploymentId: d1.DeploymentId})
	apiErr(t, err, "NotFoundException", "Invalid Deployment identifier specified "+*d1.DeploymentId)
	_, err = c.UpdateStage(ctx, &sdk.UpdateStageInput{ApiId: a.ApiId, StageName: aws.String("prod"), DeploymentId: d1.DeploymentId})
	apiErr(t, err, "NotFoundException", "Invalid Deployment identifier specified "+*d1.DeploymentId)
	list := do(c.GetDeployments(ctx, &sdk.GetDeploymentsInput{ApiId: a.ApiId})).must(t)
	if len(list.Items) != 1 || *list.Items[0].DeploymentId != *d2.DeploymentId {
		t.Fatalf("GetDeployments: %+v", list.Items)
	}
	// Its snapshot went with it.
	err = env.Node.Store.View(ctx, func(tx store.Tx) error {
		_, err := v2.LoadSnapshot(scoped(), tx, *a.ApiId, *d1.DeploymentId)
		return err
	})
	if !isNotFound(err) {
		t.Fatalf("snapshot of a deleted deployment: %v", err)
	}
}

func scoped() context.Context {
	return wire.WithScope(context.Background(), wire.Scope{Account: defaultScope, Region: defaultRegion})
}

func isNotFound(err error) bool { return errors.Is(err, store.ErrNotFound) }

func loadSnapshot(t *testing.T, env *testenv.Env, apiID, depID string) *v2.Snapshot {
	t.Helper()
	var snap *v2.Snapshot
	err := env.Node.Store.View(ctx, func(tx store.Tx) (err error) {
		loc, err := v2.LocateAPI(tx, apiID)
		if err != nil {
			return err
		}
		c := wire.WithScope(context.Background(), wire.Scope{Account: loc.Account, Region: loc.Region})
		snap, err = v2.LoadSnapshot(c, tx, apiID, depID)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return snap
}

// TestSnapshotIsFrozen: a deployment keeps the API as it was; later edits
// show only in later deployments.
func TestSnapshotIsFrozen(t *testing.T) {
	env, c := start(t)
	a := do(c.CreateApi(ctx, &sdk.CreateApiInput{Name: aws.String("h"), ProtocolType: types.ProtocolTypeHttp,
		CorsConfiguration: &types.Cors{AllowOrigins: []string{"https://a.example"}}})).must(t)
	in := httpProxy(t, c, a.ApiId)
	au := do(c.CreateAuthorizer(ctx, &sdk.CreateAuthorizerInput{ApiId: a.ApiId, AuthorizerType: types.AuthorizerTypeJwt, Name: aws.String("jwt"),
		IdentitySource: []string{"$request.header.Authorization"}, JwtConfiguration: &types.JWTConfiguration{Issuer: aws.String("https://i.example"), Audience: []string{"x"}}})).must(t)
	r := do(c.CreateRoute(ctx, &sdk.CreateRouteInput{ApiId: a.ApiId, RouteKey: aws.String("ANY /example/{proxy+}"),
		Target: aws.String("integrations/" + *in.IntegrationId), AuthorizationType: types.AuthorizationTypeJwt, AuthorizerId: au.AuthorizerId})).must(t)
	d1 := do(c.CreateDeployment(ctx, &sdk.CreateDeploymentInput{ApiId: a.ApiId})).must(t)

	do(c.UpdateRoute(ctx, &sdk.UpdateRouteInput{ApiId: a.ApiId, RouteId: r.RouteId, RouteKey: aws.String("GET /changed")})).must(t)
	do(c.DeleteCorsConfiguration(ctx, &sdk.DeleteCorsConfigurationInput{ApiId: a.ApiId})).must(t)
	d2 := do(c.CreateDeployment(ctx, &sdk.CreateDeploymentInput{ApiId: a.ApiId})).must(t)

	s1 := loadSnapshot(t, env, *a.ApiId, *d1.DeploymentId)
	if s1.DeploymentID != *d1.DeploymentId || len(s1.Routes) != 1 || s1.Route("ANY /example/{proxy+}") == nil ||
		s1.Api.CorsConfiguration == nil || s1.Api.CorsConfiguration.AllowOrigins[0] != "https://a.example" || *s1.Api.ProtocolType != "HTTP" {
		t.Fatalf("first snapshot: %+v", s1)
	}
	sr := s1.Route("ANY /example/{proxy+}")
	if tg := s1.Target(sr); tg == nil || *tg.Integration.IntegrationUri != "https://example.com/{proxy}" {
		t.Fatalf("route target in snapshot: %+v", tg)
	}
	if az := s1.Authorizer(sr); az == nil || *az.JwtConfiguration.Issuer != "https://i.example" {
		t.Fatalf("route authorizer in snapshot: %+v", az)
	}
	s2 := loadSnapshot(t, env, *a.ApiId, *d2.DeploymentId)
	if s2.Route("GET /changed") == nil || s2.Route("ANY /example/{proxy+}") != nil || s2.Api.CorsConfiguration != nil {
		t.Fatalf("second snapshot: %+v", s2)
	}

	// WebSocket snapshots carry route responses, integration responses and models.
	w := wsAPI(t, c, "w")
	wi := do(c.CreateIntegration(ctx, &sdk.CreateIntegrationInput{ApiId: w.ApiId, IntegrationType: types.IntegrationTypeMock})).must(t)
	do(c.CreateIntegrationResponse(ctx, &sdk.CreateIntegrationResponseInput{ApiId: w.ApiId, IntegrationId: wi.IntegrationId, IntegrationResponseKey: aws.String("$default")})).must(t)
	do(c.CreateModel(ctx, &sdk.CreateModelInput{ApiId: w.ApiId, Name: aws.String("M"), Schema: aws.String(`{"type":"object"}`)})).must(t)
	wr := do(c.CreateRoute(ctx, &sdk.CreateRouteInput{ApiId: w.ApiId, RouteKey: aws.String("$default"), Target: aws.String("integrations/" + *wi.IntegrationId),
		RouteResponseSelectionExpression: aws.String("$default"), RequestModels: map[string]string{"$default": "M"}})).must(t)
	do(c.CreateRouteResponse(ctx, &sdk.CreateRouteResponseInput{ApiId: w.ApiId, RouteId: wr.RouteId, RouteResponseKey: aws.String("$default")})).must(t)
	wd := do(c.CreateDeployment(ctx, &sdk.CreateDeploymentInput{ApiId: w.ApiId})).must(t)
	ws := loadSnapshot(t, env, *w.ApiId, *wd.DeploymentId)
	dr := ws.Route("$default")
	if dr == nil || len(dr.Responses) != 1 || len(ws.Target(dr).Responses) != 1 || ws.Models["M"].Name == nil ||
		*ws.Api.RouteSelectionExpression != "$request.body.action" {
		t.Fatalf("websocket snapshot: %+v", ws)
	}
}

// TestAutoDeploy: every configuration change makes a new deployment for
// each autoDeploy stage, with AWS's description, autoDeployed=true and
// the stage's status message; other stages are left alone.
func TestAutoDeploy(t *testing.T) {
	env, c := start(t)
	a := httpAPI(t, c, "h")
	id := a.ApiId
	// Created before any route: nothing to deploy yet.
	st := do(c.CreateStage(ctx, &sdk.CreateStageInput{ApiId: id, StageName: aws.String("$default"), AutoDeploy: aws.Bool(true)})).must(t)
	if st.DeploymentId != nil || *st.LastDeploymentStatusMessage != autoFailed || !*st.AutoDeploy {
		t.Fatalf("autoDeploy stage without routes: %+v", st)
	}
	do(c.CreateStage(ctx, &sdk.CreateStageInput{ApiId: id, StageName: aws.String("manual")})).must(t)

	stageOf := func(name string) *sdk.GetStageOutput {
		return do(c.GetStage(ctx, &sdk.GetStageInput{ApiId: id, StageName: aws.String(name)})).must(t)
	}
	deployments := func() int { return len(do(c.GetDeployments(ctx, &sdk.GetDeploymentsInput{ApiId: id})).must(t).Items) }

	in := httpProxy(t, c, id)
	if s := stageOf("$default"); s.DeploymentId != nil || *s.LastDeploymentStatusMessage != autoFailed || deployments() != 0 {
		t.Fatalf("after an integration alone: %+v", s)
	}

	var last string
	n := 0
	expectDeployed := func(what string) {
		t.Helper()
		n++
		s := stageOf("$default")
		if s.DeploymentId == nil || *s.DeploymentId == last {
			t.Fatalf("%s: no new deployment (%v)", what, s.DeploymentId)
		}
		last = *s.DeploymentId
		if *s.LastDeploymentStatusMessage != autoOKPrefix+last+"'" || !s.LastUpdatedDate.Equal(env.Clock.Now().UTC()) {
			t.Fatalf("%s: stage %+v", what, s)
		}
		d := do(c.GetDeployment(ctx, &sdk.GetDeploymentInput{ApiId: id, DeploymentId: &last})).must(t)
		if !*d.AutoDeployed || *d.Description != autoDesc || d.DeploymentStatus != types.DeploymentStatusDeployed {
			t.Fatalf("%s: deployment %+v", what, d)
		}
		if got := deployments(); got != n {
			t.Fatalf("%s: %d deployments, want %d", what, got, n)
		}
		if m := stageOf("manual"); m.DeploymentId != nil {
			t.Fatalf("%s: a stage without autoDeploy was deployed: %+v", what, m)
		}
		env.Clock.Advance(time.Second)
	}

	r := do(c.CreateRoute(ctx, &sdk.CreateRouteInput{ApiId: id, RouteKey: aws.String("GET /pets"), Target: aws.String("integrations/" + *in.IntegrationId)})).must(t)
	expectDeployed("CreateRoute")
	do(c.UpdateRoute(ctx, &sdk.UpdateRouteInput{ApiId: id, RouteId: r.RouteId, OperationName: aws.String("ListPets")})).must(t)
	expectDeployed("UpdateRoute")
	do(c.UpdateIntegration(ctx, &sdk.UpdateIntegrationInput{ApiId: id, IntegrationId: in.IntegrationId, TimeoutInMillis: aws.Int32(1000)})).must(t)
	expectDeployed("UpdateIntegration")
	au := do(c.CreateAuthorizer(ctx, &sdk.CreateAuthorizerInput{ApiId: id, AuthorizerType: types.AuthorizerTypeJwt, Name: aws.String("j"),
		IdentitySource: []string{"$request.header.Authorization"}, JwtConfiguration: &types.JWTConfiguration{Issuer: aws.String("https://i.example")}})).must(t)
	expectDeployed("CreateAuthorizer")
	do(c.UpdateAuthorizer(ctx, &sdk.UpdateAuthorizerInput{ApiId: id, AuthorizerId: au.AuthorizerId, Name: aws.String("k")})).must(t)
	expectDeployed("UpdateAuthorizer")
	do(c.DeleteAuthorizer(ctx, &sdk.DeleteAuthorizerInput{ApiId: id, AuthorizerId: au.AuthorizerId})).must(t)
	expectDeployed("DeleteAuthorizer")
	m := do(c.CreateModel(ctx, &sdk.CreateModelInput{ApiId: id, Name: aws.String("M"), Schema: aws.String("{}")})).must(t)
	expectDeployed("CreateModel")
	do(c.DeleteModel(ctx, &sdk.DeleteModelInput{ApiId: id, ModelId: m.ModelId})).must(t)
	expectDeployed("DeleteModel")
	do(c.UpdateApi(ctx, &sdk.UpdateApiInput{ApiId: id, CorsConfiguration: &types.Cors{AllowOrigins: []string{"*"}}})).must(t)
	expectDeployed("UpdateApi CORS")
	do(c.DeleteCorsConfiguration(ctx, &sdk.DeleteCorsConfigurationInput{ApiId: id})).must(t)
	expectDeployed("DeleteCorsConfiguration")
	r2 := do(c.CreateRoute(ctx, &sdk.CreateRouteInput{ApiId: id, RouteKey: aws.String("$default")})).must(t)
	expectDeployed("CreateRoute $default")
	do(c.DeleteRoute(ctx, &sdk.DeleteRouteInput{ApiId: id, RouteId: r2.RouteId})).must(t)
	expectDeployed("DeleteRoute")

	// Tags and stage edits are not API configuration.
	do(c.TagResource(ctx, &sdk.TagResourceInput{ResourceArn: aws.String("arn:aws:apigateway:us-east-1::/apis/" + *id), Tags: map[string]string{"a": "b"}})).must(t)
	do(c.UpdateStage(ctx, &sdk.UpdateStageInput{ApiId: id, StageName: aws.String("$default"), Description: aws.String("d")})).must(t)
	if got := deployments(); got != n {
		t.Fatalf("tags or stage edits deployed: %d deployments, want %d", got, n)
	}

	// A deployment cannot be set on an autoDeploy stage [C].
	_, err := c.UpdateStage(ctx, &sdk.UpdateStageInput{ApiId: id, StageName: aws.String("$default"), DeploymentId: &last})
	apiErr(t, err, "BadRequestException", "Deployment ID cannot be set on this stage 000000000000:"+*id+" because AutoDeploy is enabled.")
	_, err = c.CreateDeployment(ctx, &sdk.CreateDeploymentInput{ApiId: id, StageName: aws.String("$default")})
	apiErr(t, err, "BadRequestException", "Deployment ID cannot be set on this stage 000000000000:"+*id+" because AutoDeploy is enabled.")

	// Turning autoDeploy on deploys at once; each autoDeploy stage gets its
	// own deployment.
	do(c.UpdateStage(ctx, &sdk.UpdateStageInput{ApiId: id, StageName: aws.String("manual"), AutoDeploy: aws.Bool(true)})).must(t)
	man := stageOf("manual")
	if man.DeploymentId == nil || *man.DeploymentId == last || *man.LastDeploymentStatusMessage != autoOKPrefix+*man.DeploymentId+"'" {
		t.Fatalf("enabling autoDeploy: %+v", man)
	}
	before := deployments()
	do(c.UpdateRoute(ctx, &sdk.UpdateRouteInput{ApiId: id, RouteId: r.RouteId, OperationName: aws.String("Again")})).must(t)
	if got := deployments(); got != before+2 {
		t.Fatalf("two autoDeploy stages: %d new deployments, want 2", got-before)
	}
	if *stageOf("manual").DeploymentId == *stageOf("$default").DeploymentId {
		t.Fatal("autoDeploy stages share a deployment")
	}
	// Turning it off stops the automatic deployments; then a deployment
	// can be set again.
	do(c.UpdateStage(ctx, &sdk.UpdateStageInput{ApiId: id, StageName: aws.String("manual"), AutoDeploy: aws.Bool(false), DeploymentId: &last})).must(t)
	before = deployments()
	do(c.UpdateRoute(ctx, &sdk.UpdateRouteInput{ApiId: id, RouteId: r.RouteId, OperationName: aws.String("Third")})).must(t)
	if got := deployments(); got != before+1 || *stageOf("manual").DeploymentId != last {
		t.Fatalf("after disabling autoDeploy: %d new deployments, stage %v", got-before, *stageOf("manual").DeploymentId)
	}

	// Deleting the last route: the next automatic deployment fails and the
	// stage keeps serving its deployment.
	cur := *stageOf("$default").DeploymentId
	do(c.DeleteRoute(ctx, &sdk.DeleteRouteInput{ApiId: id, RouteId: r.RouteId})).must(t)
	if s := stageOf("$default"); *s.DeploymentId != cur || *s.LastDeploymentStatusMessage != autoFailed {
		t.Fatalf("after deleting every route: %+v", s)
	}
}

// TestAutoDeployWebSocketResponses: route and integration responses count
// as configuration changes too.
func TestAutoDeployWebSocketResponses(t *testing.T) {
	_, c := start(t)
	w := wsAPI(t, c, "w")
	in := do(c.CreateIntegration(ctx, &sdk.CreateIntegrationInput{ApiId: w.ApiId, IntegrationType: types.IntegrationTypeMock})).must(t)
	r := do(c.CreateRoute(ctx, &sdk.CreateRouteInput{ApiId: w.ApiId, RouteKey: aws.String("$default"), Target: aws.String("integrations/" + *in.IntegrationId)})).must(t)
	st := do(c.CreateStage(ctx, &sdk.CreateStageInput{ApiId: w.ApiId, StageName: aws.String("production"), AutoDeploy: aws.Bool(true)})).must(t)
	if st.DeploymentId == nil || *st.LastDeploymentStatusMessage != autoOKPrefix+*st.DeploymentId+"'" {
		t.Fatalf("new autoDeploy stage with routes: %+v", st)
	}
	prev := *st.DeploymentId
	for _, change := range []func(){
		func() {
			do(c.CreateRouteResponse(ctx, &sdk.CreateRouteResponseInput{ApiId: w.ApiId, RouteId: r.RouteId, RouteResponseKey: aws.String("$default")})).must(t)
		},
		func() {
			do(c.CreateIntegrationResponse(ctx, &sdk.CreateIntegrationResponseInput{ApiId: w.ApiId, IntegrationId: in.IntegrationId, IntegrationResponseKey: aws.String("$default")})).must(t)
		},
	} {
		change()
		s := do(c.GetStage(ctx, &sdk.GetStageInput{ApiId: w.ApiId, StageName: aws.String("production")})).must(t)
		if *s.DeploymentId == prev {
			t.Fatal("no automatic deployment")
		}
		prev = *s.DeploymentId
	}
}
