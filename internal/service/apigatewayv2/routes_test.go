package apigatewayv2_test

import (
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	sdk "github.com/aws/aws-sdk-go-v2/service/apigatewayv2"
	"github.com/aws/aws-sdk-go-v2/service/apigatewayv2/types"
)

func TestRouteKeyGrammar(t *testing.T) {
	_, c := start(t)
	h := httpAPI(t, c, "h")
	w := wsAPI(t, c, "w")
	cases := []struct {
		api  *string
		key  string
		want string // "" = accepted, else the error message's reason
	}{
		{h.ApiId, "$default", ""},
		{h.ApiId, "GET /", ""},
		{h.ApiId, "GET /pets", ""},
		{h.ApiId, "GET /pets/{petId}", ""},
		{h.ApiId, "ANY /example/{proxy+}", ""},
		{h.ApiId, "DELETE /a/b.c/{x}/d-e_f~", ""},
		{h.ApiId, "OPTIONS /{proxy+}", ""},
		{h.ApiId, "GET", "Route keys for HTTP APIs must be $default or an HTTP method and a resource path separated by a space, for example GET /pets"},
		{h.ApiId, "FETCH /x", "The HTTP method must be one of ANY, DELETE, GET, HEAD, OPTIONS, PATCH, POST or PUT"},
		{h.ApiId, "get /x", "The HTTP method must be one of ANY, DELETE, GET, HEAD, OPTIONS, PATCH, POST or PUT"},
		{h.ApiId, "GET pets", "The resource path must start with /"},
		{h.ApiId, "GET /a//b", "The resource path must not contain empty segments or end with /"},
		{h.ApiId, "GET /a/", "The resource path must not contain empty segments or end with /"},
		{h.ApiId, "GET /{proxy+}/x", "A greedy path variable must be the last segment of the resource path"},
		{h.ApiId, "GET /{a}/x/{a}", "A path variable name can appear only once in the resource path"},
		{h.ApiId, "GET /a{b}", "Invalid path segment a{b}"},
		{h.ApiId, "$connect", "Route keys for HTTP APIs must be $default or an HTTP method and a resource path separated by a space, for example GET /pets"},
		{w.ApiId, "$connect", ""},
		{w.ApiId, "$disconnect", ""},
		{w.ApiId, "$default", ""},
		{w.ApiId, "sendmessage", ""},
		{w.ApiId, "chat/join", ""},
		{w.ApiId, "$custom", "Route keys starting with $ are reserved; the predefined route keys are $connect, $disconnect and $default"},
	}
	for _, tc := range cases {
		t.Run(tc.key, func(t *testing.T) {
			_, err := c.CreateRoute(ctx, &sdk.CreateRouteInput{ApiId: tc.api, RouteKey: aws.String(tc.key)})
			if tc.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			apiErr(t, err, "BadRequestException", "Invalid route key specified: "+tc.key+". "+tc.want)
		})
	}
	_, err := c.CreateRoute(ctx, &sdk.CreateRouteInput{ApiId: h.ApiId, RouteKey: aws.String("")})
	apiErr(t, err, "BadRequestException", "Route key is required")
}

func TestRouteConflicts(t *testing.T) {
	_, c := start(t)
	h := httpAPI(t, c, "h")
	do(c.CreateRoute(ctx, &sdk.CreateRouteInput{ApiId: h.ApiId, RouteKey: aws.String("ANY /{proxy+}")})).must(t)
	do(c.CreateRoute(ctx, &sdk.CreateRouteInput{ApiId: h.ApiId, RouteKey: aws.String("GET /orgs/{orgId}/stages/{stageId}")})).must(t)
	cases := []struct{ key, code, msg string }{
		{"ANY /{proxy+}", "ConflictException", "Route with key ANY /{proxy+} already exists for this API"},
		{"GET /orgs/{orgId}/stages/{stage_id}", "ConflictException",
			`The provided route key "GET /orgs/{orgId}/stages/{stage_id}" has a conflicting variable on the same hierarchical level as "GET /orgs/{orgId}/stages/{stageId}"`},
		{"POST /orgs/{id}", "ConflictException",
			`The provided route key "POST /orgs/{id}" has a conflicting variable on the same hierarchical level as "GET /orgs/{orgId}/stages/{stageId}"`},
		{"POST /orgs/{orgId}", "", ""},
		{"GET /orgs/{orgId}/stages/{stageId}/questions", "", ""},
		{"GET /other/{proxy+}", "", ""},
	}
	for _, tc := range cases {
		_, err := c.CreateRoute(ctx, &sdk.CreateRouteInput{ApiId: h.ApiId, RouteKey: aws.String(tc.key)})
		if tc.code == "" {
			if err != nil {
				t.Fatalf("%s: %v", tc.key, err)
			}
			continue
		}
		apiErr(t, err, tc.code, tc.msg)
	}
	// Renaming onto a taken key is refused too.
	r := do(c.CreateRoute(ctx, &sdk.CreateRouteInput{ApiId: h.ApiId, RouteKey: aws.String("GET /x")})).must(t)
	_, err := c.UpdateRoute(ctx, &sdk.UpdateRouteInput{ApiId: h.ApiId, RouteId: r.RouteId, RouteKey: aws.String("ANY /{proxy+}")})
	apiErr(t, err, "ConflictException", "Route with key ANY /{proxy+} already exists for this API")
}

// routeFixture is an api with an integration, authorizers and a model.
type routeFixture struct {
	api, integ, jwt, lambda, model string
}

func httpFixture(t *testing.T, c *sdk.Client) routeFixture {
	h := httpAPI(t, c, "h")
	in := httpProxy(t, c, h.ApiId)
	jwt := do(c.CreateAuthorizer(ctx, &sdk.CreateAuthorizerInput{ApiId: h.ApiId, AuthorizerType: types.AuthorizerTypeJwt, Name: aws.String("jwt"),
		IdentitySource:   []string{"$request.header.Authorization"},
		JwtConfiguration: &types.JWTConfiguration{Issuer: aws.String("https://issuer.example.com"), Audience: []string{"aud"}}})).must(t)
	lam := do(c.CreateAuthorizer(ctx, &sdk.CreateAuthorizerInput{ApiId: h.ApiId, AuthorizerType: types.AuthorizerTypeRequest, Name: aws.String("lambda"),
		IdentitySource: []string{"$request.header.Authorization"}, AuthorizerPayloadFormatVersion: aws.String("2.0"),
		AuthorizerUri: aws.String("arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:000000000000:function:auth/invocations")})).must(t)
	return routeFixture{api: *h.ApiId, integ: *in.IntegrationId, jwt: *jwt.AuthorizerId, lambda: *lam.AuthorizerId}
}

func wsFixture(t *testing.T, c *sdk.Client) routeFixture {
	w := wsAPI(t, c, "w")
	in := do(c.CreateIntegration(ctx, &sdk.CreateIntegrationInput{ApiId: w.ApiId, IntegrationType: types.IntegrationTypeMock})).must(t)
	lam := do(c.CreateAuthorizer(ctx, &sdk.CreateAuthorizerInput{ApiId: w.ApiId, AuthorizerType: types.AuthorizerTypeRequest, Name: aws.String("lambda"),
		IdentitySource: []string{"route.request.header.Auth"},
		AuthorizerUri:  aws.String("arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:000000000000:function:auth/invocations")})).must(t)
	m := do(c.CreateModel(ctx, &sdk.CreateModelInput{ApiId: w.ApiId, Name: aws.String("Message"), ContentType: aws.String("application/json"),
		Schema: aws.String(`{"type":"object","properties":{"action":{"type":"string"}}}`)})).must(t)
	return routeFixture{api: *w.ApiId, integ: *in.IntegrationId, lambda: *lam.AuthorizerId, model: *m.Name}
}

func TestRouteValidation(t *testing.T) {
	_, c := start(t)
	hf := httpFixture(t, c)
	wf := wsFixture(t, c)
	cases := []struct {
		name string
		in   sdk.CreateRouteInput
		code string
		msg  string
	}{
		{"http apiKeyRequired", sdk.CreateRouteInput{ApiId: &hf.api, RouteKey: aws.String("GET /a"), ApiKeyRequired: aws.Bool(true)},
			"BadRequestException", "apiKeyRequired is supported only for WebSocket APIs"},
		{"http requestModels", sdk.CreateRouteInput{ApiId: &hf.api, RouteKey: aws.String("GET /a"), RequestModels: map[string]string{"application/json": "M"}},
			"BadRequestException", "requestModels are supported only for WebSocket APIs"},
		{"http requestParameters", sdk.CreateRouteInput{ApiId: &hf.api, RouteKey: aws.String("GET /a"),
			RequestParameters: map[string]types.ParameterConstraints{"route.request.header.x": {Required: aws.Bool(true)}}},
			"BadRequestException", "requestParameters are supported only for WebSocket APIs"},
		{"http modelSelectionExpression", sdk.CreateRouteInput{ApiId: &hf.api, RouteKey: aws.String("GET /a"), ModelSelectionExpression: aws.String("$request.body.t")},
			"BadRequestException", "modelSelectionExpression is supported only for WebSocket APIs"},
		{"http routeResponseSelectionExpression", sdk.CreateRouteInput{ApiId: &hf.api, RouteKey: aws.String("GET /a"), RouteResponseSelectionExpression: aws.String("$default")},
			"BadRequestException", "routeResponseSelectionExpression is supported only for WebSocket APIs"},
		{"operationName too long", sdk.CreateRouteInput{ApiId: &hf.api, RouteKey: aws.String("GET /a"), OperationName: aws.String(strings.Repeat("o", 65))},
			"BadRequestException", "1 validation error detected: Value '" + strings.Repeat("o", 65) + "' at 'createRouteInput.OperationName' failed to satisfy constraint: Member must have length less than or equal to 64"},
		{"websocket JWT", sdk.CreateRouteInput{ApiId: &wf.api, RouteKey: aws.String("$connect"), AuthorizationType: types.AuthorizationTypeJwt},
			"BadRequestException", "Authorization type JWT is not supported for WebSocket APIs. Supported values are NONE, AWS_IAM and CUSTOM"},
		{"websocket auth off $connect", sdk.CreateRouteInput{ApiId: &wf.api, RouteKey: aws.String("send"), AuthorizationType: types.AuthorizationTypeAwsIam},
			"BadRequestException", "Currently, authorization is restricted to the $connect route only"},
		{"custom without authorizer", sdk.CreateRouteInput{ApiId: &hf.api, RouteKey: aws.String("GET /a"), AuthorizationType: types.AuthorizationTypeCustom},
			"BadRequestException", "Invalid authorizer ID specified. Setting the authorization type to CUSTOM or COGNITO_USER_POOLS requires a valid authorizer."},
		{"custom with a JWT authorizer", sdk.CreateRouteInput{ApiId: &hf.api, RouteKey: aws.String("GET /a"), AuthorizationType: types.AuthorizationTypeCustom, AuthorizerId: &hf.jwt},
			"BadRequestException", "Invalid authorizer ID specified. Setting the authorization type to CUSTOM or COGNITO_USER_POOLS requires a valid authorizer."},
		{"jwt with a lambda authorizer", sdk.CreateRouteInput{ApiId: &hf.api, RouteKey: aws.String("GET /a"), AuthorizationType: types.AuthorizationTypeJwt, AuthorizerId: &hf.lambda},
			"BadRequestException", "Invalid authorizer ID specified. Setting the authorization type to JWT requires a valid JWT authorizer."},
		{"jwt with unknown authorizer", sdk.CreateRouteInput{ApiId: &hf.api, RouteKey: aws.String("GET /a"), AuthorizationType: types.AuthorizationTypeJwt, AuthorizerId: aws.String("nope")},
			"BadRequestException", "Invalid authorizer ID specified. Setting the authorization type to JWT requires a valid JWT authorizer."},
		{"scopes without JWT", sdk.CreateRouteInput{ApiId: &hf.api, RouteKey: aws.String("GET /a"), AuthorizationScopes: []string{"read"}},
			"BadRequestException", "Authorization scopes are supported only for routes with authorization type JWT"},
		{"scope too long", sdk.CreateRouteInput{ApiId: &hf.api, RouteKey: aws.String("GET /a"), AuthorizationType: types.AuthorizationTypeJwt, AuthorizerId: &hf.jwt,
			AuthorizationScopes: []string{strings.Repeat("s", 65)}},
			"BadRequestException", "1 validation error detected: Value '" + strings.Repeat("s", 65) + "' at 'createRouteInput.AuthorizationScopes.member' failed to satisfy constraint: Member must have length less than or equal to 64"},
		{"malformed target", sdk.CreateRouteInput{ApiId: &hf.api, RouteKey: aws.String("GET /a"), Target: aws.String("lambda/x")},
			"BadRequestException", "Invalid target specified: lambda/x. Target must be of the form integrations/{integrationId}"},
		{"unknown integration", sdk.CreateRouteInput{ApiId: &hf.api, RouteKey: aws.String("GET /a"), Target: aws.String("integrations/zzzzzzz")},
			"NotFoundException", "Invalid Integration identifier specified zzzzzzz"},
		{"websocket parameter key", sdk.CreateRouteInput{ApiId: &wf.api, RouteKey: aws.String("$connect"),
			RequestParameters: map[string]types.ParameterConstraints{"header.x": {Required: aws.Bool(true)}}},
			"BadRequestException", "Invalid request parameter key specified: header.x. Must match route.request.{header|querystring}.{name}"},
		{"unknown model", sdk.CreateRouteInput{ApiId: &wf.api, RouteKey: aws.String("send"), RequestModels: map[string]string{"$default": "Nope"}},
			"BadRequestException", "Invalid model specified: Nope. No model with that name exists in this API"},
		{"unknown api", sdk.CreateRouteInput{ApiId: aws.String("zzzzzzzzzz"), RouteKey: aws.String("GET /a")},
			"NotFoundException", "Invalid API identifier specified 000000000000:zzzzzzzzzz"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			in := tc.in
			_, err := c.CreateRoute(ctx, &in)
			apiErr(t, err, tc.code, tc.msg)
		})
	}
	for _, f := range []routeFixture{hf, wf} {
		if n := len(do(c.GetRoutes(ctx, &sdk.GetRoutesInput{ApiId: &f.api})).must(t).Items); n != 0 {
			t.Fatalf("refused routes were stored: %d", n)
		}
	}
}

// TestRouteEveryField covers every argument of the aws_apigatewayv2_route
// seed on both protocols, read back through GetRoute and GetRoutes, then
// updated the way Terraform updates it.
func TestRouteEveryField(t *testing.T) {
	_, c := start(t)
	wf := wsFixture(t, c)
	target := "integrations/" + wf.integ
	// Terraform sends api_key_required and authorization_type always.
	r := do(c.CreateRoute(ctx, &sdk.CreateRouteInput{
		ApiId: &wf.api, RouteKey: aws.String("$connect"), ApiKeyRequired: aws.Bool(true),
		AuthorizationType: types.AuthorizationTypeCustom, AuthorizerId: &wf.lambda,
		ModelSelectionExpression: aws.String("$request.body.type"), OperationName: aws.String("Connect"),
		RequestModels: map[string]string{"$default": wf.model},
		RequestParameters: map[string]types.ParameterConstraints{
			"route.request.header.authorization": {Required: aws.Bool(true)},
			"route.request.querystring.token":    {Required: aws.Bool(false)},
		},
		RouteResponseSelectionExpression: aws.String("$default"), Target: &target,
	})).must(t)
	got := do(c.GetRoute(ctx, &sdk.GetRouteInput{ApiId: &wf.api, RouteId: r.RouteId})).must(t)
	if len(*got.RouteId) != 7 || *got.RouteKey != "$connect" || !*got.ApiKeyRequired || got.AuthorizationType != types.AuthorizationTypeCustom ||
		*got.AuthorizerId != wf.lambda || *got.ModelSelectionExpression != "$request.body.type" || *got.OperationName != "Connect" ||
		got.RequestModels["$default"] != wf.model || !*got.RequestParameters["route.request.header.authorization"].Required ||
		*got.RequestParameters["route.request.querystring.token"].Required || *got.RouteResponseSelectionExpression != "$default" ||
		*got.Target != target || got.ApiGatewayManaged != nil || got.AuthorizationScopes != nil {
		t.Fatalf("websocket route: %+v", got)
	}

	// Terraform's update: drop one parameter with DeleteRouteRequestParameter,
	// send the remaining ones and the changed members.
	do(c.DeleteRouteRequestParameter(ctx, &sdk.DeleteRouteRequestParameterInput{ApiId: &wf.api, RouteId: r.RouteId,
		RequestParameterKey: aws.String("route.request.querystring.token")})).must(t)
	_, err := c.DeleteRouteRequestParameter(ctx, &sdk.DeleteRouteRequestParameterInput{ApiId: &wf.api, RouteId: r.RouteId,
		RequestParameterKey: aws.String("route.request.querystring.token")})
	apiErr(t, err, "NotFoundException", "Invalid request parameter key specified route.request.querystring.token")
	up := do(c.UpdateRoute(ctx, &sdk.UpdateRouteInput{ApiId: &wf.api, RouteId: r.RouteId, AuthorizerId: aws.String(""),
		AuthorizationType: types.AuthorizationTypeNone, OperationName: aws.String(""), ModelSelectionExpression: aws.String(""),
		RequestModels: map[string]string{}, RouteResponseSelectionExpression: aws.String(""), ApiKeyRequired: aws.Bool(false)})).must(t)
	if up.AuthorizerId != nil || up.AuthorizationType != types.AuthorizationTypeNone || up.OperationName != nil || up.ModelSelectionExpression != nil ||
		up.RequestModels != nil || up.RouteResponseSelectionExpression != nil || *up.ApiKeyRequired || len(up.RequestParameters) != 1 ||
		*up.Target != target {
		t.Fatalf("after update: %+v", up)
	}
	up = do(c.UpdateRoute(ctx, &sdk.UpdateRouteInput{ApiId: &wf.api, RouteId: r.RouteId, Target: aws.String("")})).must(t)
	if up.Target != nil {
		t.Fatalf("target not cleared: %+v", up)
	}

	// HTTP: the JWT route with scopes, and the seed's HTTP proxy route.
	hf := httpFixture(t, c)
	jr := do(c.CreateRoute(ctx, &sdk.CreateRouteInput{ApiId: &hf.api, RouteKey: aws.String("GET /pets/{petId}"), ApiKeyRequired: aws.Bool(false),
		AuthorizationType: types.AuthorizationTypeJwt, AuthorizerId: &hf.jwt, AuthorizationScopes: []string{"user.id", "user.email"},
		OperationName: aws.String("GetPet"), Target: aws.String("integrations/" + hf.integ)})).must(t)
	gj := do(c.GetRoute(ctx, &sdk.GetRouteInput{ApiId: &hf.api, RouteId: jr.RouteId})).must(t)
	if gj.AuthorizationType != types.AuthorizationTypeJwt || *gj.AuthorizerId != hf.jwt || len(gj.AuthorizationScopes) != 2 ||
		gj.AuthorizationScopes[0] != "user.id" || *gj.ApiKeyRequired || *gj.OperationName != "GetPet" {
		t.Fatalf("jwt route: %+v", gj)
	}
	cr := do(c.CreateRoute(ctx, &sdk.CreateRouteInput{ApiId: &hf.api, RouteKey: aws.String("POST /pets"),
		AuthorizationType: types.AuthorizationTypeCustom, AuthorizerId: &hf.lambda})).must(t)
	if cr.AuthorizationType != types.AuthorizationTypeCustom || *cr.AuthorizerId != hf.lambda {
		t.Fatalf("custom route: %+v", cr)
	}
	// Switching to IAM drops the authorizer and needs the scopes gone.
	_, err = c.UpdateRoute(ctx, &sdk.UpdateRouteInput{ApiId: &hf.api, RouteId: jr.RouteId, AuthorizationType: types.AuthorizationTypeAwsIam})
	apiErr(t, err, "BadRequestException", "Authorization scopes are supported only for routes with authorization type JWT")
	iam := do(c.UpdateRoute(ctx, &sdk.UpdateRouteInput{ApiId: &hf.api, RouteId: jr.RouteId, AuthorizationType: types.AuthorizationTypeAwsIam,
		AuthorizationScopes: []string{}})).must(t)
	if iam.AuthorizationType != types.AuthorizationTypeAwsIam || iam.AuthorizerId != nil || iam.AuthorizationScopes != nil {
		t.Fatalf("iam route: %+v", iam)
	}

	list := do(c.GetRoutes(ctx, &sdk.GetRoutesInput{ApiId: &hf.api})).must(t)
	if len(list.Items) != 2 || list.NextToken != nil {
		t.Fatalf("GetRoutes: %+v", list)
	}
	p1 := do(c.GetRoutes(ctx, &sdk.GetRoutesInput{ApiId: &hf.api, MaxResults: aws.String("1")})).must(t)
	p2 := do(c.GetRoutes(ctx, &sdk.GetRoutesInput{ApiId: &hf.api, MaxResults: aws.String("1"), NextToken: p1.NextToken})).must(t)
	if len(p1.Items) != 1 || len(p2.Items) != 1 || p2.NextToken != nil || *p1.Items[0].RouteId == *p2.Items[0].RouteId {
		t.Fatalf("paged GetRoutes: %+v %+v", p1, p2)
	}

	do(c.DeleteRoute(ctx, &sdk.DeleteRouteInput{ApiId: &hf.api, RouteId: cr.RouteId})).must(t)
	_, err = c.GetRoute(ctx, &sdk.GetRouteInput{ApiId: &hf.api, RouteId: cr.RouteId})
	apiErr(t, err, "NotFoundException", "Invalid Route identifier specified "+*cr.RouteId)
	_, err = c.DeleteRoute(ctx, &sdk.DeleteRouteInput{ApiId: &hf.api, RouteId: cr.RouteId})
	apiErr(t, err, "NotFoundException", "Invalid Route identifier specified "+*cr.RouteId)
	// The authorizer is free again once no route uses it.
	_, err = c.DeleteAuthorizer(ctx, &sdk.DeleteAuthorizerInput{ApiId: &hf.api, AuthorizerId: &hf.lambda})
	if err != nil {
		t.Fatal(err)
	}
}

func TestRouteResponses(t *testing.T) {
	env, c := start(t)
	wf := wsFixture(t, c)
	r := do(c.CreateRoute(ctx, &sdk.CreateRouteInput{ApiId: &wf.api, RouteKey: aws.String("send"), RouteResponseSelectionExpression: aws.String("$default")})).must(t)
	rr := do(c.CreateRouteResponse(ctx, &sdk.CreateRouteResponseInput{ApiId: &wf.api, RouteId: r.RouteId, RouteResponseKey: aws.String("$default"),
		ModelSelectionExpression: aws.String("$request.body.type"), ResponseModels: map[string]string{"$default": wf.model},
		ResponseParameters: map[string]types.ParameterConstraints{"route.response.header.x": {Required: aws.Bool(true)}}})).must(t)
	got := do(c.GetRouteResponse(ctx, &sdk.GetRouteResponseInput{ApiId: &wf.api, RouteId: r.RouteId, RouteResponseId: rr.RouteResponseId})).must(t)
	if len(*got.RouteResponseId) != 6 || *got.RouteResponseKey != "$default" || *got.ModelSelectionExpression != "$request.body.type" ||
		got.ResponseModels["$default"] != wf.model || !*got.ResponseParameters["route.response.header.x"].Required {
		t.Fatalf("route response: %+v", got)
	}
	_, err := c.CreateRouteResponse(ctx, &sdk.CreateRouteResponseInput{ApiId: &wf.api, RouteId: r.RouteId, RouteResponseKey: aws.String("$default")})
	apiErr(t, err, "ConflictException", "Route response with key $default already exists for this route")
	_, err = c.CreateRouteResponse(ctx, &sdk.CreateRouteResponseInput{ApiId: &wf.api, RouteId: r.RouteId, RouteResponseKey: aws.String("$other")})
	apiErr(t, err, "BadRequestException", "Invalid route response key specified: $other. The only predefined route response key is $default")
	_, err = c.CreateRouteResponse(ctx, &sdk.CreateRouteResponseInput{ApiId: &wf.api, RouteId: aws.String("nope"), RouteResponseKey: aws.String("$default")})
	apiErr(t, err, "NotFoundException", "Invalid Route identifier specified nope")
	up := do(c.UpdateRouteResponse(ctx, &sdk.UpdateRouteResponseInput{ApiId: &wf.api, RouteId: r.RouteId, RouteResponseId: rr.RouteResponseId,
		ModelSelectionExpression: aws.String(""), ResponseModels: map[string]string{}})).must(t)
	if up.ModelSelectionExpression != nil || up.ResponseModels != nil || up.ResponseParameters == nil {
		t.Fatalf("updated route response: %+v", up)
	}
	list := do(c.GetRouteResponses(ctx, &sdk.GetRouteResponsesInput{ApiId: &wf.api, RouteId: r.RouteId})).must(t)
	if len(list.Items) != 1 {
		t.Fatalf("GetRouteResponses: %+v", list)
	}
	code, _ := raw(t, env, "DELETE", "/v2/apis/"+wf.api+"/routes/"+*r.RouteId+"/routeresponses/"+*rr.RouteResponseId, "")
	if code != 204 {
		t.Fatalf("DeleteRouteResponse %d", code)
	}
	_, err = c.GetRouteResponse(ctx, &sdk.GetRouteResponseInput{ApiId: &wf.api, RouteId: r.RouteId, RouteResponseId: rr.RouteResponseId})
	apiErr(t, err, "NotFoundException", "Invalid RouteResponse identifier specified "+*rr.RouteResponseId)

	// HTTP APIs have no route responses.
	h := httpAPI(t, c, "h")
	hr := do(c.CreateRoute(ctx, &sdk.CreateRouteInput{ApiId: h.ApiId, RouteKey: aws.String("GET /")})).must(t)
	_, err = c.CreateRouteResponse(ctx, &sdk.CreateRouteResponseInput{ApiId: h.ApiId, RouteId: hr.RouteId, RouteResponseKey: aws.String("$default")})
	apiErr(t, err, "BadRequestException", "Route responses are supported only for WebSocket APIs")
}
