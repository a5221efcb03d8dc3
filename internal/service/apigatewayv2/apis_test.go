package apigatewayv2_test

import (
	"encoding/json"
	"net/url"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	sdk "github.com/aws/aws-sdk-go-v2/service/apigatewayv2"
	"github.com/aws/aws-sdk-go-v2/service/apigatewayv2/types"
)

func TestCreateApiDefaults(t *testing.T) {
	env, c := start(t)
	port := env.URL[strings.LastIndex(env.URL, ":")+1:]

	h := httpAPI(t, c, "example-http-api")
	if len(*h.ApiId) != 10 || *h.Name != "example-http-api" || h.ProtocolType != types.ProtocolTypeHttp ||
		*h.ApiEndpoint != "http://"+*h.ApiId+".execute-api.localhost:"+port ||
		*h.ApiKeySelectionExpression != "$request.header.x-api-key" ||
		*h.RouteSelectionExpression != "$request.method $request.path" ||
		*h.DisableExecuteApiEndpoint || h.IpAddressType != types.IpAddressTypeIpv4 ||
		!h.CreatedDate.Equal(t0) || h.Tags == nil || len(h.Tags) != 0 || h.Description != nil || h.CorsConfiguration != nil {
		t.Fatalf("HTTP api defaults: %+v", h)
	}
	w := wsAPI(t, c, "example-websocket-api")
	if *w.ApiEndpoint != "ws://"+*w.ApiId+".execute-api.localhost:"+port || *w.RouteSelectionExpression != "$request.body.action" ||
		*w.ApiKeySelectionExpression != "$request.header.x-api-key" || w.ProtocolType != types.ProtocolTypeWebsocket {
		t.Fatalf("WebSocket api defaults: %+v", w)
	}

	// On the wire: tags always present, ISO-8601 dates, 201.
	code, body := raw(t, env, "POST", "/v2/apis", `{"name":"x","protocolType":"HTTP"}`)
	if code != 201 || !strings.Contains(body, `"tags":{}`) || !strings.Contains(body, `"createdDate":"2024-05-06T07:08:09Z"`) {
		t.Fatalf("%d %s", code, body)
	}
	code, body = raw(t, env, "GET", "/v2/apis/"+*h.ApiId, "")
	if code != 200 || !strings.Contains(body, `"tags":{}`) {
		t.Fatalf("%d %s", code, body)
	}

	got := do(c.GetApi(ctx, &sdk.GetApiInput{ApiId: h.ApiId})).must(t)
	if *got.ApiId != *h.ApiId || *got.ApiEndpoint != *h.ApiEndpoint || !got.CreatedDate.Equal(t0) {
		t.Fatalf("get: %+v", got)
	}
	_, err := c.GetApi(ctx, &sdk.GetApiInput{ApiId: aws.String("nope123456")})
	apiErr(t, err, "NotFoundException", "Invalid API identifier specified 000000000000:nope123456")
}

func TestCreateApiValidation(t *testing.T) {
	_, c := start(t)
	long := strings.Repeat("d", 1025)
	cases := []struct {
		name string
		in   sdk.CreateApiInput
		code string
		msg  string
	}{
		{"websocket needs a route selection expression",
			sdk.CreateApiInput{Name: aws.String("w"), ProtocolType: types.ProtocolTypeWebsocket},
			"BadRequestException", "RouteSelectionExpression is required for WebSocket APIs"},
		{"http takes only the method/path expression",
			sdk.CreateApiInput{Name: aws.String("h"), ProtocolType: types.ProtocolTypeHttp, RouteSelectionExpression: aws.String("$request.body.action")},
			"BadRequestException", "Unsupported route selection expression for HTTP APIs: $request.body.action. Must be ${request.method} ${request.path}"},
		{"cors is http only",
			sdk.CreateApiInput{Name: aws.String("w"), ProtocolType: types.ProtocolTypeWebsocket, RouteSelectionExpression: aws.String("$request.body.a"),
				CorsConfiguration: &types.Cors{AllowOrigins: []string{"*"}}},
			"BadRequestException", "corsConfiguration is not supported for WebSocket APIs"},
		{"quick create is http only",
			sdk.CreateApiInput{Name: aws.String("w"), ProtocolType: types.ProtocolTypeWebsocket, RouteSelectionExpression: aws.String("$request.body.a"),
				Target: aws.String("https://example.com")},
			"BadRequestException", "target is not supported for WebSocket APIs"},
		{"api key selection expression",
			sdk.CreateApiInput{Name: aws.String("h"), ProtocolType: types.ProtocolTypeHttp, ApiKeySelectionExpression: aws.String("$request.header.key")},
			"BadRequestException", "Invalid API Key Selection Expression specified: $request.header.key. Must be one of [$request.header.x-api-key, $context.authorizer.usageIdentifierKey]"},
		{"description too long",
			sdk.CreateApiInput{Name: aws.String("h"), ProtocolType: types.ProtocolTypeHttp, Description: aws.String(long)},
			"BadRequestException", "1 validation error detected: Value '" + long + "' at 'createApiInput.Description' failed to satisfy constraint: Member must have length less than or equal to 1024"},
		{"empty name",
			sdk.CreateApiInput{Name: aws.String(""), ProtocolType: types.ProtocolTypeHttp},
			"BadRequestException", "1 validation error detected: Value '' at 'createApiInput.Name' failed to satisfy constraint: Member must have length greater than or equal to 1"},
		{"bad target",
			sdk.CreateApiInput{Name: aws.String("h"), ProtocolType: types.ProtocolTypeHttp, Target: aws.String("not a target")},
			"BadRequestException", "Invalid target specified: not a target. Target must be a fully qualified URL or a Lambda function ARN"},
		{"routeKey without target",
			sdk.CreateApiInput{Name: aws.String("h"), ProtocolType: types.ProtocolTypeHttp, RouteKey: aws.String("GET /")},
			"BadRequestException", "routeKey and credentialsArn can be specified only together with target (quick create)"},
		{"quick create route key grammar",
			sdk.CreateApiInput{Name: aws.String("h"), ProtocolType: types.ProtocolTypeHttp, Target: aws.String("https://example.com"), RouteKey: aws.String("FETCH /")},
			"BadRequestException", "Invalid route key specified: FETCH /. The HTTP method must be one of ANY, DELETE, GET, HEAD, OPTIONS, PATCH, POST or PUT"},
		{"credentials with wildcard origin",
			sdk.CreateApiInput{Name: aws.String("h"), ProtocolType: types.ProtocolTypeHttp,
				CorsConfiguration: &types.Cors{AllowCredentials: aws.Bool(true), AllowOrigins: []string{"*"}}},
			"BadRequestException", "CORS configuration is invalid: allowCredentials is not supported when allowOrigins contains '*'"},
		{"cors max age range (model)",
			sdk.CreateApiInput{Name: aws.String("h"), ProtocolType: types.ProtocolTypeHttp, CorsConfiguration: &types.Cors{MaxAge: aws.Int32(86401)}},
			"BadRequestException", ""},
		{"reserved tag key",
			sdk.CreateApiInput{Name: aws.String("h"), ProtocolType: types.ProtocolTypeHttp, Tags: map[string]string{"aws:x": "y"}},
			"BadRequestException", "Tag keys cannot start with 'aws:': aws:x"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			in := tc.in
			_, err := c.CreateApi(ctx, &in)
			apiErr(t, err, tc.code, tc.msg)
		})
	}
	// Nothing was created by the failures (quick create is atomic).
	out := do(c.GetApis(ctx, &sdk.GetApisInput{})).must(t)
	if len(out.Items) != 0 {
		t.Fatalf("failed creates left %d apis", len(out.Items))
	}
}

func TestGetApisPagination(t *testing.T) {
	_, c := start(t)
	for _, n := range []string{"a", "b", "c"} {
		httpAPI(t, c, n)
	}
	seen, pages := map[string]bool{}, 0
	var token *string
	for {
		out := do(c.GetApis(ctx, &sdk.GetApisInput{MaxResults: aws.String("2"), NextToken: token})).must(t)
		pages++
		for _, it := range out.Items {
			if seen[*it.ApiId] || it.Tags == nil || it.ApiEndpoint == nil {
				t.Fatalf("item %+v", it)
			}
			seen[*it.ApiId] = true
		}
		if token = out.NextToken; token == nil {
			break
		}
	}
	if len(seen) != 3 || pages != 2 {
		t.Fatalf("%d apis in %d pages, want 3 in 2", len(seen), pages)
	}
	all := do(c.GetApis(ctx, &sdk.GetApisInput{})).must(t)
	if len(all.Items) != 3 || all.NextToken != nil {
		t.Fatalf("unpaged: %d items, token %v", len(all.Items), all.NextToken)
	}
	for _, bad := range []string{"0", "x", "501"} {
		_, err := c.GetApis(ctx, &sdk.GetApisInput{MaxResults: aws.String(bad)})
		apiErr(t, err, "BadRequestException", "Invalid maxResults specified: "+bad+". Must be between 1 and 500")
	}
	_, err := c.GetApis(ctx, &sdk.GetApisInput{NextToken: aws.String("!!")})
	apiErr(t, err, "BadRequestException", "Invalid nextToken specified")
}

func TestUpdateApiAndCors(t *testing.T) {
	env, c := start(t)
	a := do(c.CreateApi(ctx, &sdk.CreateApiInput{Name: aws.String("h"), ProtocolType: types.ProtocolTypeHttp,
		Description: aws.String("first"), Version: aws.String("v1")})).must(t)
	env.Clock.Advance(60e9)
	up := do(c.UpdateApi(ctx, &sdk.UpdateApiInput{ApiId: a.ApiId, Name: aws.String("renamed"), Description: aws.String(""),
		DisableExecuteApiEndpoint: aws.Bool(true), IpAddressType: types.IpAddressTypeDualstack,
		CorsConfiguration: &types.Cors{AllowOrigins: []string{"https://www.example.com"}, AllowMethods: []string{"GET", "OPTIONS"},
			AllowHeaders: []string{"header1"}, MaxAge: aws.Int32(300), AllowCredentials: aws.Bool(true)}})).must(t)
	if *up.Name != "renamed" || up.Description != nil || *up.Version != "v1" || !*up.DisableExecuteApiEndpoint ||
		up.IpAddressType != types.IpAddressTypeDualstack || up.CorsConfiguration == nil ||
		up.CorsConfiguration.AllowOrigins[0] != "https://www.example.com" || *up.CorsConfiguration.MaxAge != 300 ||
		!*up.CorsConfiguration.AllowCredentials || !up.CreatedDate.Equal(t0) {
		t.Fatalf("update: %+v", up)
	}
	_, err := c.UpdateApi(ctx, &sdk.UpdateApiInput{ApiId: a.ApiId, RouteSelectionExpression: aws.String("$request.body.x")})
	apiErrContains(t, err, "BadRequestException", "Unsupported route selection expression for HTTP APIs")
	_, err = c.UpdateApi(ctx, &sdk.UpdateApiInput{ApiId: aws.String("missing"), Name: aws.String("x")})
	apiErr(t, err, "NotFoundException", "Invalid API identifier specified 000000000000:missing")

	if _, err := c.DeleteCorsConfiguration(ctx, &sdk.DeleteCorsConfigurationInput{ApiId: a.ApiId}); err != nil {
		t.Fatal(err)
	}
	got := do(c.GetApi(ctx, &sdk.GetApiInput{ApiId: a.ApiId})).must(t)
	if got.CorsConfiguration != nil || *got.Name != "renamed" {
		t.Fatalf("after DeleteCorsConfiguration: %+v", got)
	}
	code, _ := raw(t, env, "DELETE", "/v2/apis/"+*a.ApiId+"/cors", "")
	if code != 204 {
		t.Fatalf("DeleteCorsConfiguration status %d", code)
	}

	w := wsAPI(t, c, "w")
	_, err = c.UpdateApi(ctx, &sdk.UpdateApiInput{ApiId: w.ApiId, CorsConfiguration: &types.Cors{AllowOrigins: []string{"*"}}})
	apiErr(t, err, "BadRequestException", "corsConfiguration is not supported for WebSocket APIs")
	upw := do(c.UpdateApi(ctx, &sdk.UpdateApiInput{ApiId: w.ApiId, RouteSelectionExpression: aws.String("${request.body.service}/${request.body.action}"),
		DisableSchemaValidation: aws.Bool(true), ApiKeySelectionExpression: aws.String("$context.authorizer.usageIdentifierKey")})).must(t)
	if *upw.RouteSelectionExpression != "${request.body.service}/${request.body.action}" || !*upw.DisableSchemaValidation ||
		*upw.ApiKeySelectionExpression != "$context.authorizer.usageIdentifierKey" {
		t.Fatalf("websocket update: %+v", upw)
	}
}

func TestDeleteApiRemovesEverything(t *testing.T) {
	env, c := start(t)
	a := httpAPI(t, c, "h")
	in := httpProxy(t, c, a.ApiId)
	do(c.CreateRoute(ctx, &sdk.CreateRouteInput{ApiId: a.ApiId, RouteKey: aws.String("GET /"), Target: aws.String("integrations/" + *in.IntegrationId)})).must(t)
	do(c.CreateStage(ctx, &sdk.CreateStageInput{ApiId: a.ApiId, StageName: aws.String("$default"), AutoDeploy: aws.Bool(true)})).must(t)
	code, body := raw(t, env, "DELETE", "/v2/apis/"+*a.ApiId, "")
	if code != 204 || body != "" {
		t.Fatalf("DeleteApi: %d %q", code, body)
	}
	_, err := c.GetApi(ctx, &sdk.GetApiInput{ApiId: a.ApiId})
	apiErr(t, err, "NotFoundException", "Invalid API identifier specified 000000000000:"+*a.ApiId)
	_, err = c.GetRoutes(ctx, &sdk.GetRoutesInput{ApiId: a.ApiId})
	apiErr(t, err, "NotFoundException", "Invalid API identifier specified 000000000000:"+*a.ApiId)
	_, err = c.DeleteApi(ctx, &sdk.DeleteApiInput{ApiId: a.ApiId})
	apiErr(t, err, "NotFoundException", "")
}

func TestQuickCreate(t *testing.T) {
	_, c := start(t)
	cases := []struct {
		name, target, routeKey string
		typ                    types.IntegrationType
		pfv, method            string
	}{
		{"lambda", "arn:aws:lambda:us-east-1:000000000000:function:hello", "", types.IntegrationTypeAwsProxy, "2.0", "POST"},
		{"url", "https://example.com", "GET /pets", types.IntegrationTypeHttpProxy, "1.0", "ANY"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			in := &sdk.CreateApiInput{Name: aws.String("quick"), ProtocolType: types.ProtocolTypeHttp, Target: aws.String(tc.target),
				CredentialsArn: aws.String("arn:aws:iam::000000000000:role/apigw")}
			wantKey := "$default"
			if tc.routeKey != "" {
				in.RouteKey, wantKey = aws.String(tc.routeKey), tc.routeKey
			}
			a := do(c.CreateApi(ctx, in)).must(t)
			integs := do(c.GetIntegrations(ctx, &sdk.GetIntegrationsInput{ApiId: a.ApiId})).must(t)
			routes := do(c.GetRoutes(ctx, &sdk.GetRoutesInput{ApiId: a.ApiId})).must(t)
			stages := do(c.GetStages(ctx, &sdk.GetStagesInput{ApiId: a.ApiId})).must(t)
			deps := do(c.GetDeployments(ctx, &sdk.GetDeploymentsInput{ApiId: a.ApiId})).must(t)
			if len(integs.Items) != 1 || len(routes.Items) != 1 || len(stages.Items) != 1 || len(deps.Items) != 1 {
				t.Fatalf("quick create made %d integrations, %d routes, %d stages, %d deployments",
					len(integs.Items), len(routes.Items), len(stages.Items), len(deps.Items))
			}
			i, r, s, d := integs.Items[0], routes.Items[0], stages.Items[0], deps.Items[0]
			if i.IntegrationType != tc.typ || *i.IntegrationUri != tc.target || *i.PayloadFormatVersion != tc.pfv ||
				*i.IntegrationMethod != tc.method || !*i.ApiGatewayManaged || *i.CredentialsArn != *in.CredentialsArn ||
				i.ConnectionType != types.ConnectionTypeInternet || *i.TimeoutInMillis != 30000 {
				t.Fatalf("integration %+v", i)
			}
			if *r.RouteKey != wantKey || *r.Target != "integrations/"+*i.IntegrationId || !*r.ApiGatewayManaged ||
				r.AuthorizationType != types.AuthorizationTypeNone {
				t.Fatalf("route %+v", r)
			}
			if *s.StageName != "$default" || !*s.AutoDeploy || !*s.ApiGatewayManaged || *s.DeploymentId != *d.DeploymentId ||
				*s.LastDeploymentStatusMessage != "Successfully deployed stage with deployment ID '"+*d.DeploymentId+"'" {
				t.Fatalf("stage %+v", s)
			}
			if !*d.AutoDeployed || *d.Description != "Automatic deployment triggered by changes to the Api configuration" ||
				d.DeploymentStatus != types.DeploymentStatusDeployed || len(*d.DeploymentId) != 6 {
				t.Fatalf("deployment %+v", d)
			}
			// The managed route key changes only through UpdateApi.
			_, err := c.UpdateRoute(ctx, &sdk.UpdateRouteInput{ApiId: a.ApiId, RouteId: r.RouteId, RouteKey: aws.String("GET /x")})
			apiErr(t, err, "BadRequestException", "Cannot update the route key of a route managed by API Gateway. Use UpdateApi to change it")
			do(c.UpdateApi(ctx, &sdk.UpdateApiInput{ApiId: a.ApiId, RouteKey: aws.String("GET /x"), Target: aws.String("http://example.org/x")})).must(t)
			r2 := do(c.GetRoute(ctx, &sdk.GetRouteInput{ApiId: a.ApiId, RouteId: r.RouteId})).must(t)
			i2 := do(c.GetIntegration(ctx, &sdk.GetIntegrationInput{ApiId: a.ApiId, IntegrationId: i.IntegrationId})).must(t)
			if *r2.RouteKey != "GET /x" || i2.IntegrationType != types.IntegrationTypeHttpProxy || *i2.IntegrationUri != "http://example.org/x" {
				t.Fatalf("after UpdateApi quick create: %+v %+v", r2, i2)
			}
		})
	}
}

func TestTags(t *testing.T) {
	env, c := start(t)
	a := do(c.CreateApi(ctx, &sdk.CreateApiInput{Name: aws.String("h"), ProtocolType: types.ProtocolTypeHttp, Tags: map[string]string{"team": "x"}})).must(t)
	do(c.CreateStage(ctx, &sdk.CreateStageInput{ApiId: a.ApiId, StageName: aws.String("prod")})).must(t)
	apiArn := "arn:aws:apigateway:us-east-1::/apis/" + *a.ApiId
	stageArn := apiArn + "/stages/prod"

	// POST → 201 {} on the wire.
	code, body := raw(t, env, "POST", "/v2/tags/"+url.PathEscape(apiArn), `{"tags":{"env":"dev"}}`)
	if code != 201 || body != "{}" {
		t.Fatalf("TagResource: %d %q", code, body)
	}
	do(c.TagResource(ctx, &sdk.TagResourceInput{ResourceArn: aws.String(stageArn), Tags: map[string]string{"stage": "yes"}})).must(t)
	tags := do(c.GetTags(ctx, &sdk.GetTagsInput{ResourceArn: aws.String(apiArn)})).must(t)
	if len(tags.Tags) != 2 || tags.Tags["team"] != "x" || tags.Tags["env"] != "dev" {
		t.Fatalf("api tags %v", tags.Tags)
	}
	got := do(c.GetApi(ctx, &sdk.GetApiInput{ApiId: a.ApiId})).must(t)
	if len(got.Tags) != 2 {
		t.Fatalf("GetApi tags %v", got.Tags)
	}
	st := do(c.GetStage(ctx, &sdk.GetStageInput{ApiId: a.ApiId, StageName: aws.String("prod")})).must(t)
	if st.Tags["stage"] != "yes" {
		t.Fatalf("stage tags %v", st.Tags)
	}
	code, _ = raw(t, env, "DELETE", "/v2/tags/"+url.PathEscape(apiArn)+"?tagKeys=team&tagKeys=env", "")
	if code != 204 {
		t.Fatalf("UntagResource status %d", code)
	}
	tags = do(c.GetTags(ctx, &sdk.GetTagsInput{ResourceArn: aws.String(apiArn)})).must(t)
	if len(tags.Tags) != 0 {
		t.Fatalf("after untag %v", tags.Tags)
	}
	code, body = raw(t, env, "GET", "/v2/tags/"+url.PathEscape(apiArn), "")
	var m map[string]any
	if code != 200 || json.Unmarshal([]byte(body), &m) != nil || m["tags"] == nil {
		t.Fatalf("GetTags wire: %d %s", code, body)
	}
	bad := "arn:aws:apigateway:us-east-1::/apis/nope"
	_, err := c.GetTags(ctx, &sdk.GetTagsInput{ResourceArn: aws.String(bad)})
	apiErr(t, err, "NotFoundException", "Invalid resource identifier specified "+bad)
	_, err = c.TagResource(ctx, &sdk.TagResourceInput{ResourceArn: aws.String(apiArn), Tags: map[string]string{"aws:no": "x"}})
	apiErr(t, err, "BadRequestException", "Tag keys cannot start with 'aws:': aws:no")
}
