package apigatewayv2_test

import (
	"encoding/json"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	sdk "github.com/aws/aws-sdk-go-v2/service/apigatewayv2"
	"github.com/aws/aws-sdk-go-v2/service/apigatewayv2/types"

	v2 "github.com/stagecraft/stagecraft/internal/service/apigatewayv2"
	"github.com/stagecraft/stagecraft/internal/store"
)

func TestStageDefaultsOnTheWire(t *testing.T) {
	env, c := start(t)
	a := httpAPI(t, c, "h")
	code, body := raw(t, env, "POST", "/v2/apis/"+*a.ApiId+"/stages", `{"stageName":"prod"}`)
	var m map[string]any
	if code != 201 || json.Unmarshal([]byte(body), &m) != nil {
		t.Fatalf("%d %s", code, body)
	}
	// AWS's answer for a plain stage [C]: the maps are present, no deploymentId.
	want := map[string]string{
		"autoDeploy": "false", "createdDate": `"2024-05-06T07:08:09Z"`, "lastUpdatedDate": `"2024-05-06T07:08:09Z"`,
		"defaultRouteSettings": `{"detailedMetricsEnabled":false}`, "routeSettings": "{}", "stageName": `"prod"`,
		"stageVariables": "{}", "tags": "{}",
	}
	for k, v := range want {
		b, _ := json.Marshal(m[k])
		if string(b) != v {
			t.Errorf("%s = %s, want %s", k, b, v)
		}
	}
	if len(m) != len(want) {
		t.Errorf("unexpected members in %s", body)
	}
	// $default travels escaped in the path.
	do(c.CreateStage(ctx, &sdk.CreateStageInput{ApiId: a.ApiId, StageName: aws.String("$default")})).must(t)
	code, body = raw(t, env, "GET", "/v2/apis/"+*a.ApiId+"/stages/%24default", "")
	if code != 200 || !strings.Contains(body, `"stageName":"$default"`) {
		t.Fatalf("%d %s", code, body)
	}
}

func TestStageValidation(t *testing.T) {
	_, c := start(t)
	h := httpAPI(t, c, "h")
	w := wsAPI(t, c, "w")
	in := httpProxy(t, c, h.ApiId)
	do(c.CreateRoute(ctx, &sdk.CreateRouteInput{ApiId: h.ApiId, RouteKey: aws.String("GET /pets"), Target: aws.String("integrations/" + *in.IntegrationId)})).must(t)
	do(c.CreateStage(ctx, &sdk.CreateStageInput{ApiId: h.ApiId, StageName: aws.String("prod")})).must(t)
	cases := []struct {
		name      string
		in        sdk.CreateStageInput
		code, msg string
	}{
		{"duplicate", sdk.CreateStageInput{ApiId: h.ApiId, StageName: aws.String("prod")}, "ConflictException", "Stage already exists"},
		{"bad name", sdk.CreateStageInput{ApiId: h.ApiId, StageName: aws.String("my stage")}, "BadRequestException", "Stage name only allows a-zA-Z0-9_-"},
		{"$default on websocket", sdk.CreateStageInput{ApiId: w.ApiId, StageName: aws.String("$default")}, "BadRequestException", "The $default stage is supported only for HTTP APIs"},
		{"unknown deployment", sdk.CreateStageInput{ApiId: h.ApiId, StageName: aws.String("s1"), DeploymentId: aws.String("abcdef")},
			"NotFoundException", "Invalid Deployment identifier specified abcdef"},
		{"route settings for a missing route", sdk.CreateStageInput{ApiId: h.ApiId, StageName: aws.String("s2"),
			RouteSettings: map[string]types.RouteSettings{"GET /some-route": {ThrottlingBurstLimit: aws.Int32(1)}}},
			"NotFoundException", "Unable to find Route by key GET /some-route within the provided RouteSettings"},
		{"execution logs on http", sdk.CreateStageInput{ApiId: h.ApiId, StageName: aws.String("s3"), DefaultRouteSettings: &types.RouteSettings{LoggingLevel: types.LoggingLevelInfo}},
			"BadRequestException", "Execution logs are not supported on protocolType HTTP"},
		{"data trace on http", sdk.CreateStageInput{ApiId: h.ApiId, StageName: aws.String("s4"),
			RouteSettings: map[string]types.RouteSettings{"GET /pets": {DataTraceEnabled: aws.Bool(true)}}},
			"BadRequestException", "Execution logs are not supported on protocolType HTTP"},
		{"stage variable name", sdk.CreateStageInput{ApiId: h.ApiId, StageName: aws.String("s5"), StageVariables: map[string]string{"bad-name": "x"}},
			"BadRequestException", "Invalid stage variable name specified: bad-name. Stage variable names can contain only alphanumeric and underscore characters"},
		{"stage variable value", sdk.CreateStageInput{ApiId: h.ApiId, StageName: aws.String("s6"), StageVariables: map[string]string{"v": "a b"}},
			"BadRequestException", "Invalid stage variable value specified for v: a b. Values must match [A-Za-z0-9-._~:/?#&=,]+ and be at most 2048 characters"},
		{"access log destination", sdk.CreateStageInput{ApiId: h.ApiId, StageName: aws.String("s7"), AccessLogSettings: &types.AccessLogSettings{DestinationArn: aws.String("logs"), Format: aws.String("$context.requestId")}},
			"BadRequestException", "Invalid destination ARN specified for access logs: logs"},
		{"access log format", sdk.CreateStageInput{ApiId: h.ApiId, StageName: aws.String("s8"), AccessLogSettings: &types.AccessLogSettings{DestinationArn: aws.String("arn:aws:logs:us-east-1:0:log-group:x")}},
			"BadRequestException", "Access log format must be specified along with the destination ARN"},
		{"client certificate on http", sdk.CreateStageInput{ApiId: h.ApiId, StageName: aws.String("s9"), ClientCertificateId: aws.String("abc")},
			"BadRequestException", "Client certificates are supported only for WebSocket APIs"},
		{"description", sdk.CreateStageInput{ApiId: h.ApiId, StageName: aws.String("s10"), Description: aws.String(strings.Repeat("d", 1025))},
			"BadRequestException", "1 validation error detected: Value '" + strings.Repeat("d", 1025) + "' at 'createStageInput.Description' failed to satisfy constraint: Member must have length less than or equal to 1024"},
		{"unknown api", sdk.CreateStageInput{ApiId: aws.String("nope"), StageName: aws.String("s")}, "NotFoundException", "Invalid API identifier specified 000000000000:nope"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			in := tc.in
			_, err := c.CreateStage(ctx, &in)
			apiErr(t, err, tc.code, tc.msg)
		})
	}
	_, err := c.GetStage(ctx, &sdk.GetStageInput{ApiId: h.ApiId, StageName: aws.String("nope")})
	apiErr(t, err, "NotFoundException", "Invalid Stage identifier specified nope")
}

func TestStageSettings(t *testing.T) {
	env, c := start(t)
	w := wsAPI(t, c, "w")
	in := do(c.CreateIntegration(ctx, &sdk.CreateIntegrationInput{ApiId: w.ApiId, IntegrationType: types.IntegrationTypeMock})).must(t)
	for _, k := range []string{"$connect", "sendmessage"} {
		do(c.CreateRoute(ctx, &sdk.CreateRouteInput{ApiId: w.ApiId, RouteKey: aws.String(k), Target: aws.String("integrations/" + *in.IntegrationId)})).must(t)
	}
	dep := do(c.CreateDeployment(ctx, &sdk.CreateDeploymentInput{ApiId: w.ApiId})).must(t)
	logs := "arn:aws:logs:us-east-1:000000000000:log-group:access"
	st := do(c.CreateStage(ctx, &sdk.CreateStageInput{ApiId: w.ApiId, StageName: aws.String("production"), DeploymentId: dep.DeploymentId,
		Description: aws.String("prod"), ClientCertificateId: aws.String("cert12"),
		StageVariables:       map[string]string{"backend": "https://api.example.com/v1", "mode": "live"},
		DefaultRouteSettings: &types.RouteSettings{DataTraceEnabled: aws.Bool(true), LoggingLevel: types.LoggingLevelError, ThrottlingBurstLimit: aws.Int32(50), ThrottlingRateLimit: aws.Float64(100)},
		RouteSettings:        map[string]types.RouteSettings{"sendmessage": {ThrottlingBurstLimit: aws.Int32(5), ThrottlingRateLimit: aws.Float64(10), LoggingLevel: types.LoggingLevelInfo}},
		AccessLogSettings:    &types.AccessLogSettings{DestinationArn: aws.String(logs), Format: aws.String("$context.requestId")},
		Tags:                 map[string]string{"env": "prod"}})).must(t)
	if *st.DeploymentId != *dep.DeploymentId || *st.Description != "prod" || *st.ClientCertificateId != "cert12" ||
		st.StageVariables["backend"] != "https://api.example.com/v1" || !*st.DefaultRouteSettings.DataTraceEnabled ||
		st.DefaultRouteSettings.LoggingLevel != types.LoggingLevelError || *st.DefaultRouteSettings.ThrottlingBurstLimit != 50 ||
		*st.DefaultRouteSettings.DetailedMetricsEnabled || *st.RouteSettings["sendmessage"].ThrottlingRateLimit != 10 ||
		*st.AccessLogSettings.DestinationArn != logs || st.Tags["env"] != "prod" || *st.AutoDeploy {
		t.Fatalf("websocket stage: %+v", st)
	}

	env.Clock.Advance(time.Hour)
	// Terraform's update: removed variables as "", changed route settings
	// by key, the whole default settings block.
	up := do(c.UpdateStage(ctx, &sdk.UpdateStageInput{ApiId: w.ApiId, StageName: aws.String("production"),
		StageVariables:       map[string]string{"mode": "", "extra": "1"},
		DefaultRouteSettings: &types.RouteSettings{ThrottlingBurstLimit: aws.Int32(0), DetailedMetricsEnabled: aws.Bool(true)},
		RouteSettings:        map[string]types.RouteSettings{"$connect": {DetailedMetricsEnabled: aws.Bool(true)}},
		Description:          aws.String(""), ClientCertificateId: aws.String("")})).must(t)
	if len(up.StageVariables) != 2 || up.StageVariables["extra"] != "1" || up.StageVariables["backend"] == "" ||
		*up.DefaultRouteSettings.ThrottlingBurstLimit != 0 || !*up.DefaultRouteSettings.DetailedMetricsEnabled ||
		up.DefaultRouteSettings.LoggingLevel != types.LoggingLevelError || len(up.RouteSettings) != 2 ||
		up.Description != nil || up.ClientCertificateId != nil || !up.LastUpdatedDate.Equal(t0.Add(time.Hour)) || !up.CreatedDate.Equal(t0) {
		t.Fatalf("updated stage: %+v", up)
	}
	_, err := c.UpdateStage(ctx, &sdk.UpdateStageInput{ApiId: w.ApiId, StageName: aws.String("production"),
		RouteSettings: map[string]types.RouteSettings{"nope": {}}})
	apiErr(t, err, "NotFoundException", "Unable to find Route by key nope within the provided RouteSettings")

	// DeleteRouteSettings takes the route key URL-encoded in the path.
	code, _ := raw(t, env, "DELETE", "/v2/apis/"+*w.ApiId+"/stages/production/routesettings/"+url.PathEscape("$connect"), "")
	if code != 204 {
		t.Fatalf("DeleteRouteSettings %d", code)
	}
	_, err = c.DeleteRouteSettings(ctx, &sdk.DeleteRouteSettingsInput{ApiId: w.ApiId, StageName: aws.String("production"), RouteKey: aws.String("$connect")})
	apiErr(t, err, "NotFoundException", "Unable to find route settings for route key $connect in stage production")
	do(c.DeleteAccessLogSettings(ctx, &sdk.DeleteAccessLogSettingsInput{ApiId: w.ApiId, StageName: aws.String("production")})).must(t)
	got := do(c.GetStage(ctx, &sdk.GetStageInput{ApiId: w.ApiId, StageName: aws.String("production")})).must(t)
	if len(got.RouteSettings) != 1 || got.AccessLogSettings != nil {
		t.Fatalf("after deletes: %+v", got)
	}
	// Empty access log settings (Terraform removing the block) clear them too.
	do(c.UpdateStage(ctx, &sdk.UpdateStageInput{ApiId: w.ApiId, StageName: aws.String("production"),
		AccessLogSettings: &types.AccessLogSettings{DestinationArn: aws.String(logs), Format: aws.String("f")}})).must(t)
	up = do(c.UpdateStage(ctx, &sdk.UpdateStageInput{ApiId: w.ApiId, StageName: aws.String("production"), AccessLogSettings: &types.AccessLogSettings{}})).must(t)
	if up.AccessLogSettings != nil {
		t.Fatalf("empty access log settings: %+v", up.AccessLogSettings)
	}

	// Authorizer cache reset bumps the stage's epoch for the data plane.
	epoch := func() uint64 {
		var e uint64
		err := env.Node.Store.View(ctx, func(tx store.Tx) (err error) {
			e, err = v2.AuthorizersCacheEpoch(scoped(), tx, *w.ApiId, "production")
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		return e
	}
	if epoch() != 0 {
		t.Fatal("epoch before any reset")
	}
	code, _ = raw(t, env, "DELETE", "/v2/apis/"+*w.ApiId+"/stages/production/cache/authorizers", "")
	if code != 204 || epoch() != 1 {
		t.Fatalf("ResetAuthorizersCache %d, epoch %d", code, epoch())
	}
	_, err = c.ResetAuthorizersCache(ctx, &sdk.ResetAuthorizersCacheInput{ApiId: w.ApiId, StageName: aws.String("nope")})
	apiErr(t, err, "NotFoundException", "Invalid Stage identifier specified nope")

	for _, n := range []string{"a", "b"} {
		do(c.CreateStage(ctx, &sdk.CreateStageInput{ApiId: w.ApiId, StageName: aws.String(n)})).must(t)
	}
	p1 := do(c.GetStages(ctx, &sdk.GetStagesInput{ApiId: w.ApiId, MaxResults: aws.String("2")})).must(t)
	p2 := do(c.GetStages(ctx, &sdk.GetStagesInput{ApiId: w.ApiId, MaxResults: aws.String("2"), NextToken: p1.NextToken})).must(t)
	if len(p1.Items) != 2 || len(p2.Items) != 1 || p2.NextToken != nil || *p1.Items[0].StageName != "a" || p1.Items[0].StageVariables == nil {
		t.Fatalf("GetStages pages: %+v / %+v", p1.Items, p2.Items)
	}
	code, _ = raw(t, env, "DELETE", "/v2/apis/"+*w.ApiId+"/stages/a", "")
	if code != 204 {
		t.Fatalf("DeleteStage %d", code)
	}
	_, err = c.DeleteStage(ctx, &sdk.DeleteStageInput{ApiId: w.ApiId, StageName: aws.String("a")})
	apiErr(t, err, "NotFoundException", "Invalid Stage identifier specified a")
}

// TestRouteSettingsForHTTPRouteKeys: an HTTP route key travels escaped
// (GET%20%2Fpets%2F%7Bid%7D) in DeleteRouteSettings' path.
func TestRouteSettingsForHTTPRouteKeys(t *testing.T) {
	_, c := start(t)
	a := httpAPI(t, c, "h")
	do(c.CreateRoute(ctx, &sdk.CreateRouteInput{ApiId: a.ApiId, RouteKey: aws.String("GET /pets/{id}")})).must(t)
	st := do(c.CreateStage(ctx, &sdk.CreateStageInput{ApiId: a.ApiId, StageName: aws.String("$default"),
		RouteSettings: map[string]types.RouteSettings{"GET /pets/{id}": {ThrottlingBurstLimit: aws.Int32(100), ThrottlingRateLimit: aws.Float64(2000)}}})).must(t)
	if rs := st.RouteSettings["GET /pets/{id}"]; *rs.ThrottlingBurstLimit != 100 || *rs.ThrottlingRateLimit != 2000 {
		t.Fatalf("route settings: %+v", st.RouteSettings)
	}
	do(c.DeleteRouteSettings(ctx, &sdk.DeleteRouteSettingsInput{ApiId: a.ApiId, StageName: aws.String("$default"), RouteKey: aws.String("GET /pets/{id}")})).must(t)
	if got := do(c.GetStage(ctx, &sdk.GetStageInput{ApiId: a.ApiId, StageName: aws.String("$default")})).must(t); len(got.RouteSettings) != 0 {
		t.Fatalf("after DeleteRouteSettings: %+v", got.RouteSettings)
	}
}
