package apigatewayv2_test

import (
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	sdk "github.com/aws/aws-sdk-go-v2/service/apigatewayv2"
	"github.com/aws/aws-sdk-go-v2/service/apigatewayv2/types"
)

const lambdaARN = "arn:aws:lambda:us-east-1:000000000000:function:my-function"
const lambdaInvoke = "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/" + lambdaARN + "/invocations"

// TestIntegrationDefaults checks what each kind of integration reads back
// as, following AWS's CLI examples.
func TestIntegrationDefaults(t *testing.T) {
	_, c := start(t)
	h := httpAPI(t, c, "h")
	w := wsAPI(t, c, "w")

	// The seed's HTTP proxy integration, as Terraform sends it (defaults
	// connection_type INTERNET, passthrough WHEN_NO_MATCH, payload 1.0).
	hp := do(c.CreateIntegration(ctx, &sdk.CreateIntegrationInput{ApiId: h.ApiId, IntegrationType: types.IntegrationTypeHttpProxy,
		IntegrationMethod: aws.String("ANY"), IntegrationUri: aws.String("https://example.com/{proxy}"),
		ConnectionType: types.ConnectionTypeInternet, PassthroughBehavior: types.PassthroughBehaviorWhenNoMatch,
		PayloadFormatVersion: aws.String("1.0")})).must(t)
	if len(*hp.IntegrationId) != 7 || hp.IntegrationType != types.IntegrationTypeHttpProxy || *hp.IntegrationMethod != "ANY" ||
		*hp.IntegrationUri != "https://example.com/{proxy}" || hp.ConnectionType != types.ConnectionTypeInternet ||
		hp.PassthroughBehavior != "" || *hp.PayloadFormatVersion != "1.0" || *hp.TimeoutInMillis != 30000 ||
		hp.IntegrationResponseSelectionExpression != nil || hp.ApiGatewayManaged != nil {
		t.Fatalf("HTTP_PROXY: %+v", hp)
	}
	lp := do(c.CreateIntegration(ctx, &sdk.CreateIntegrationInput{ApiId: h.ApiId, IntegrationType: types.IntegrationTypeAwsProxy,
		IntegrationUri: aws.String(lambdaARN), PayloadFormatVersion: aws.String("2.0")})).must(t)
	if *lp.IntegrationMethod != "POST" || *lp.PayloadFormatVersion != "2.0" || *lp.TimeoutInMillis != 30000 || lp.ConnectionType != types.ConnectionTypeInternet {
		t.Fatalf("HTTP AWS_PROXY: %+v", lp)
	}
	wm := do(c.CreateIntegration(ctx, &sdk.CreateIntegrationInput{ApiId: w.ApiId, IntegrationType: types.IntegrationTypeMock,
		RequestTemplates: map[string]string{"200": `{"statusCode": 200}`}, TemplateSelectionExpression: aws.String("200"),
		ContentHandlingStrategy: types.ContentHandlingStrategyConvertToText})).must(t)
	if *wm.IntegrationResponseSelectionExpression != "${integration.response.statuscode}" || wm.PassthroughBehavior != types.PassthroughBehaviorWhenNoMatch ||
		*wm.PayloadFormatVersion != "1.0" || *wm.TimeoutInMillis != 29000 || wm.ConnectionType != types.ConnectionTypeInternet ||
		wm.IntegrationUri != nil || wm.IntegrationMethod != nil || wm.RequestTemplates["200"] != `{"statusCode": 200}` ||
		*wm.TemplateSelectionExpression != "200" || wm.ContentHandlingStrategy != types.ContentHandlingStrategyConvertToText {
		t.Fatalf("WebSocket MOCK: %+v", wm)
	}
	wa := do(c.CreateIntegration(ctx, &sdk.CreateIntegrationInput{ApiId: w.ApiId, IntegrationType: types.IntegrationTypeAws, IntegrationUri: aws.String(lambdaInvoke)})).must(t)
	if *wa.IntegrationMethod != "POST" || *wa.IntegrationResponseSelectionExpression != "${integration.response.body.errorMessage}" || *wa.TimeoutInMillis != 29000 {
		t.Fatalf("WebSocket AWS: %+v", wa)
	}
	wp := do(c.CreateIntegration(ctx, &sdk.CreateIntegrationInput{ApiId: w.ApiId, IntegrationType: types.IntegrationTypeAwsProxy, IntegrationUri: aws.String(lambdaInvoke)})).must(t)
	if *wp.IntegrationMethod != "POST" || wp.IntegrationResponseSelectionExpression != nil || *wp.PayloadFormatVersion != "1.0" ||
		wp.PassthroughBehavior != types.PassthroughBehaviorWhenNoMatch {
		t.Fatalf("WebSocket AWS_PROXY: %+v", wp)
	}
	wh := do(c.CreateIntegration(ctx, &sdk.CreateIntegrationInput{ApiId: w.ApiId, IntegrationType: types.IntegrationTypeHttp,
		IntegrationMethod: aws.String("post"), IntegrationUri: aws.String("https://backend.example.com/${stageVariables.path}"),
		RequestParameters: map[string]string{"integration.request.header.x-id": "route.request.header.id"}})).must(t)
	if *wh.IntegrationMethod != "POST" || *wh.IntegrationResponseSelectionExpression != "${integration.response.statuscode}" ||
		wh.RequestParameters["integration.request.header.x-id"] != "route.request.header.id" {
		t.Fatalf("WebSocket HTTP: %+v", wh)
	}

	got := do(c.GetIntegration(ctx, &sdk.GetIntegrationInput{ApiId: h.ApiId, IntegrationId: hp.IntegrationId})).must(t)
	if *got.IntegrationUri != "https://example.com/{proxy}" || got.PassthroughBehavior != "" {
		t.Fatalf("GetIntegration: %+v", got)
	}
	list := do(c.GetIntegrations(ctx, &sdk.GetIntegrationsInput{ApiId: w.ApiId})).must(t)
	if len(list.Items) != 4 {
		t.Fatalf("GetIntegrations: %d", len(list.Items))
	}
}

func TestIntegrationValidation(t *testing.T) {
	_, c := start(t)
	h := httpAPI(t, c, "h")
	w := wsAPI(t, c, "w")
	hc := func(in sdk.CreateIntegrationInput) sdk.CreateIntegrationInput { in.ApiId = h.ApiId; return in }
	wc := func(in sdk.CreateIntegrationInput) sdk.CreateIntegrationInput { in.ApiId = w.ApiId; return in }
	proxy := sdk.CreateIntegrationInput{IntegrationType: types.IntegrationTypeHttpProxy, IntegrationMethod: aws.String("GET"), IntegrationUri: aws.String("https://e.com")}
	with := func(base sdk.CreateIntegrationInput, f func(*sdk.CreateIntegrationInput)) sdk.CreateIntegrationInput {
		f(&base)
		return base
	}
	cases := []struct {
		name string
		in   sdk.CreateIntegrationInput
		msg  string
	}{
		{"http mock", hc(sdk.CreateIntegrationInput{IntegrationType: types.IntegrationTypeMock}),
			"Integration type MOCK is not supported for HTTP APIs. Supported values are AWS_PROXY and HTTP_PROXY"},
		{"http AWS", hc(sdk.CreateIntegrationInput{IntegrationType: types.IntegrationTypeAws, IntegrationUri: aws.String(lambdaInvoke)}),
			"Integration type AWS is not supported for HTTP APIs. Supported values are AWS_PROXY and HTTP_PROXY"},
		{"lambda proxy needs a payload version", hc(sdk.CreateIntegrationInput{IntegrationType: types.IntegrationTypeAwsProxy, IntegrationUri: aws.String(lambdaARN)}),
			"PayloadFormatVersion is required for AWS_PROXY integrations of HTTP APIs"},
		{"lambda proxy version", hc(sdk.CreateIntegrationInput{IntegrationType: types.IntegrationTypeAwsProxy, IntegrationUri: aws.String(lambdaARN), PayloadFormatVersion: aws.String("3.0")}),
			"Invalid payload format version specified: 3.0. Supported values for AWS_PROXY integrations are 1.0 and 2.0"},
		{"http proxy takes 1.0 only", hc(with(proxy, func(in *sdk.CreateIntegrationInput) { in.PayloadFormatVersion = aws.String("2.0") })),
			"Invalid payload format version specified: 2.0. Integrations of type HTTP_PROXY on HTTP APIs support only 1.0"},
		{"websocket takes 1.0 only", wc(sdk.CreateIntegrationInput{IntegrationType: types.IntegrationTypeAwsProxy, IntegrationUri: aws.String(lambdaInvoke), PayloadFormatVersion: aws.String("2.0")}),
			"Invalid payload format version specified: 2.0. Integrations of type AWS_PROXY on WEBSOCKET APIs support only 1.0"},
		{"websocket timeout", wc(sdk.CreateIntegrationInput{IntegrationType: types.IntegrationTypeMock, TimeoutInMillis: aws.Int32(29001)}),
			"Invalid timeout specified: 29001. The timeout must be between 50 and 29000 milliseconds for WEBSOCKET APIs"},
		{"http proxy needs a method", hc(sdk.CreateIntegrationInput{IntegrationType: types.IntegrationTypeHttpProxy, IntegrationUri: aws.String("https://e.com")}),
			"integrationMethod is required for HTTP_PROXY integrations"},
		{"http proxy needs a uri", hc(sdk.CreateIntegrationInput{IntegrationType: types.IntegrationTypeHttpProxy, IntegrationMethod: aws.String("GET")}),
			"integrationUri is required for HTTP_PROXY integrations"},
		{"http proxy uri is a URL", hc(with(proxy, func(in *sdk.CreateIntegrationInput) { in.IntegrationUri = aws.String("example.com") })),
			"Invalid integration URI specified: example.com. The URI must be a fully qualified URL"},
		{"method", hc(with(proxy, func(in *sdk.CreateIntegrationInput) { in.IntegrationMethod = aws.String("FETCH") })),
			"Invalid integration method specified: FETCH"},
		{"lambda uri", hc(sdk.CreateIntegrationInput{IntegrationType: types.IntegrationTypeAwsProxy, IntegrationUri: aws.String("https://x"), PayloadFormatVersion: aws.String("2.0")}),
			"Invalid integration URI specified: https://x. AWS_PROXY integrations require a Lambda function ARN or invocation URI"},
		{"vpc link needs an id", hc(with(proxy, func(in *sdk.CreateIntegrationInput) { in.ConnectionType = types.ConnectionTypeVpcLink })),
			"connectionId is required when connectionType is VPC_LINK"},
		{"connection id without vpc link", hc(with(proxy, func(in *sdk.CreateIntegrationInput) { in.ConnectionId = aws.String("abc") })),
			"connectionId can be specified only when connectionType is VPC_LINK"},
		{"http request templates", hc(with(proxy, func(in *sdk.CreateIntegrationInput) { in.RequestTemplates = map[string]string{"a": "b"} })),
			"requestTemplates are supported only for WebSocket APIs"},
		{"http template selection", hc(with(proxy, func(in *sdk.CreateIntegrationInput) { in.TemplateSelectionExpression = aws.String("x") })),
			"templateSelectionExpression is supported only for WebSocket APIs"},
		{"http content handling", hc(with(proxy, func(in *sdk.CreateIntegrationInput) {
			in.ContentHandlingStrategy = types.ContentHandlingStrategyConvertToText
		})),
			"contentHandlingStrategy is supported only for WebSocket APIs"},
		{"http request parameter mapping", hc(with(proxy, func(in *sdk.CreateIntegrationInput) { in.RequestParameters = map[string]string{"header.x": "y"} })),
			"Invalid mapping expression specified: header.x. Keys must be append|overwrite|remove:header.{name}, append|overwrite|remove:querystring.{name} or overwrite:path"},
		{"http response parameter status", hc(with(proxy, func(in *sdk.CreateIntegrationInput) {
			in.ResponseParameters = map[string]map[string]string{"600": {"overwrite:statuscode": "204"}}
		})), "Invalid response parameter selection key specified: 600. Must be an HTTP status code between 200 and 599"},
		{"http response parameter mapping", hc(with(proxy, func(in *sdk.CreateIntegrationInput) {
			in.ResponseParameters = map[string]map[string]string{"200": {"overwrite:body": "x"}}
		})), "Invalid mapping expression specified: overwrite:body. Keys must be append|overwrite|remove:header.{name} or overwrite:statuscode"},
		{"websocket response parameters", wc(sdk.CreateIntegrationInput{IntegrationType: types.IntegrationTypeMock,
			ResponseParameters: map[string]map[string]string{"200": {"overwrite:statuscode": "204"}}}),
			"responseParameters are supported only for HTTP APIs"},
		{"websocket request parameter", wc(sdk.CreateIntegrationInput{IntegrationType: types.IntegrationTypeMock, RequestParameters: map[string]string{"x": "y"}}),
			"Invalid mapping expression specified: x. Keys must match integration.request.{header|querystring|path}.{name}"},
		{"mock uri", wc(sdk.CreateIntegrationInput{IntegrationType: types.IntegrationTypeMock, IntegrationUri: aws.String("https://e.com")}),
			"integrationUri cannot be specified for MOCK integrations"},
		{"subtype on websocket", wc(sdk.CreateIntegrationInput{IntegrationType: types.IntegrationTypeAwsProxy, IntegrationSubtype: aws.String("SQS-SendMessage")}),
			"integrationSubtype is supported only for AWS_PROXY integrations of HTTP APIs"},
		{"subtype needs parameters", hc(sdk.CreateIntegrationInput{IntegrationType: types.IntegrationTypeAwsProxy, IntegrationSubtype: aws.String("SQS-SendMessage"), PayloadFormatVersion: aws.String("1.0")}),
			"requestParameters are required for integrations with an integrationSubtype"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			in := tc.in
			_, err := c.CreateIntegration(ctx, &in)
			apiErr(t, err, "BadRequestException", tc.msg)
		})
	}
	// The HTTP API limit comes from the model (30000 ms).
	_, err := c.CreateIntegration(ctx, &sdk.CreateIntegrationInput{ApiId: h.ApiId, IntegrationType: types.IntegrationTypeHttpProxy,
		IntegrationMethod: aws.String("GET"), IntegrationUri: aws.String("https://e.com"), TimeoutInMillis: aws.Int32(30001)})
	apiErrContains(t, err, "BadRequestException", "Member must have value less than or equal to 30000")
	_, err = c.CreateIntegration(ctx, &sdk.CreateIntegrationInput{ApiId: h.ApiId, IntegrationType: types.IntegrationTypeHttpProxy,
		IntegrationMethod: aws.String("GET"), IntegrationUri: aws.String("arn:aws:elasticloadbalancing:us-east-1:0:listener/x"),
		ConnectionType: types.ConnectionTypeVpcLink, ConnectionId: aws.String("nolink")})
	apiErr(t, err, "NotFoundException", "Invalid VpcLink identifier specified nolink")

	// AWS service integrations and private integrations that are right.
	do(c.CreateIntegration(ctx, &sdk.CreateIntegrationInput{ApiId: h.ApiId, IntegrationType: types.IntegrationTypeAwsProxy,
		IntegrationSubtype: aws.String("SQS-SendMessage"), PayloadFormatVersion: aws.String("1.0"),
		CredentialsArn:    aws.String("arn:aws:iam::000000000000:role/sqs"),
		RequestParameters: map[string]string{"QueueUrl": "$request.header.queueUrl", "MessageBody": "$request.body.message"}})).must(t)
	link := do(c.CreateVpcLink(ctx, &sdk.CreateVpcLinkInput{Name: aws.String("link"), SubnetIds: []string{"subnet-1"}})).must(t)
	priv := do(c.CreateIntegration(ctx, &sdk.CreateIntegrationInput{ApiId: h.ApiId, IntegrationType: types.IntegrationTypeHttpProxy,
		IntegrationMethod: aws.String("ANY"), IntegrationUri: aws.String("arn:aws:elasticloadbalancing:us-east-1:000000000000:listener/app/x/1/2"),
		ConnectionType: types.ConnectionTypeVpcLink, ConnectionId: link.VpcLinkId, PayloadFormatVersion: aws.String("1.0"),
		TlsConfig: &types.TlsConfigInput{ServerNameToVerify: aws.String("backend.internal")}})).must(t)
	if *priv.ConnectionId != *link.VpcLinkId || *priv.TlsConfig.ServerNameToVerify != "backend.internal" {
		t.Fatalf("private integration: %+v", priv)
	}
	_, err = c.DeleteVpcLink(ctx, &sdk.DeleteVpcLinkInput{VpcLinkId: link.VpcLinkId})
	apiErr(t, err, "ConflictException", "Unable to delete VPC link "+*link.VpcLinkId+" because integration "+*priv.IntegrationId+" uses it")
}

func TestUpdateIntegrationMerges(t *testing.T) {
	_, c := start(t)
	h := httpAPI(t, c, "h")
	in := do(c.CreateIntegration(ctx, &sdk.CreateIntegrationInput{ApiId: h.ApiId, IntegrationType: types.IntegrationTypeHttpProxy,
		IntegrationMethod: aws.String("ANY"), IntegrationUri: aws.String("https://example.com"), PayloadFormatVersion: aws.String("1.0"),
		Description:       aws.String("d"),
		RequestParameters: map[string]string{"append:header.a": "1", "overwrite:querystring.b": "$request.header.b"},
		ResponseParameters: map[string]map[string]string{
			"200": {"overwrite:header.x": "y"}, "404": {"overwrite:statuscode": "410"},
		}})).must(t)
	// Terraform's update: always the type; removed parameters as "" and
	// removed status codes as {}.
	up := do(c.UpdateIntegration(ctx, &sdk.UpdateIntegrationInput{ApiId: h.ApiId, IntegrationId: in.IntegrationId,
		IntegrationType: types.IntegrationTypeHttpProxy, Description: aws.String(""), TimeoutInMillis: aws.Int32(5000),
		RequestParameters:  map[string]string{"append:header.a": "", "overwrite:querystring.b": "$request.header.b", "remove:header.c": "''"},
		ResponseParameters: map[string]map[string]string{"404": {}}})).must(t)
	if up.Description != nil || *up.TimeoutInMillis != 5000 || len(up.RequestParameters) != 2 || up.RequestParameters["remove:header.c"] != "''" ||
		len(up.ResponseParameters) != 1 || up.ResponseParameters["200"]["overwrite:header.x"] != "y" || *up.IntegrationUri != "https://example.com" {
		t.Fatalf("merged update: %+v", up)
	}
	_, err := c.UpdateIntegration(ctx, &sdk.UpdateIntegrationInput{ApiId: h.ApiId, IntegrationId: in.IntegrationId, IntegrationType: types.IntegrationTypeMock})
	apiErr(t, err, "BadRequestException", "Integration type MOCK is not supported for HTTP APIs. Supported values are AWS_PROXY and HTTP_PROXY")
	_, err = c.UpdateIntegration(ctx, &sdk.UpdateIntegrationInput{ApiId: h.ApiId, IntegrationId: aws.String("nope")})
	apiErr(t, err, "NotFoundException", "Invalid Integration identifier specified nope")

	// A targeted integration cannot go away before its route.
	r := do(c.CreateRoute(ctx, &sdk.CreateRouteInput{ApiId: h.ApiId, RouteKey: aws.String("GET /"), Target: aws.String("integrations/" + *in.IntegrationId)})).must(t)
	_, err = c.DeleteIntegration(ctx, &sdk.DeleteIntegrationInput{ApiId: h.ApiId, IntegrationId: in.IntegrationId})
	apiErr(t, err, "ConflictException", "Unable to delete integration "+*in.IntegrationId+" because it is the target of route "+*r.RouteId+" (GET /)")
	do(c.DeleteRoute(ctx, &sdk.DeleteRouteInput{ApiId: h.ApiId, RouteId: r.RouteId})).must(t)
	do(c.DeleteIntegration(ctx, &sdk.DeleteIntegrationInput{ApiId: h.ApiId, IntegrationId: in.IntegrationId})).must(t)
	_, err = c.GetIntegration(ctx, &sdk.GetIntegrationInput{ApiId: h.ApiId, IntegrationId: in.IntegrationId})
	apiErr(t, err, "NotFoundException", "Invalid Integration identifier specified "+*in.IntegrationId)
}

func TestIntegrationResponses(t *testing.T) {
	_, c := start(t)
	w := wsAPI(t, c, "w")
	in := do(c.CreateIntegration(ctx, &sdk.CreateIntegrationInput{ApiId: w.ApiId, IntegrationType: types.IntegrationTypeMock})).must(t)
	ir := do(c.CreateIntegrationResponse(ctx, &sdk.CreateIntegrationResponseInput{ApiId: w.ApiId, IntegrationId: in.IntegrationId,
		IntegrationResponseKey: aws.String("/4\\d\\d/"), ContentHandlingStrategy: types.ContentHandlingStrategyConvertToText,
		ResponseTemplates: map[string]string{"application/json": `{"error": true}`}, TemplateSelectionExpression: aws.String("$integration.response.header.ct"),
		ResponseParameters: map[string]string{"method.response.header.x": "integration.response.header.y"}})).must(t)
	got := do(c.GetIntegrationResponse(ctx, &sdk.GetIntegrationResponseInput{ApiId: w.ApiId, IntegrationId: in.IntegrationId, IntegrationResponseId: ir.IntegrationResponseId})).must(t)
	if len(*got.IntegrationResponseId) != 6 || *got.IntegrationResponseKey != `/4\d\d/` || got.ContentHandlingStrategy != types.ContentHandlingStrategyConvertToText ||
		got.ResponseTemplates["application/json"] != `{"error": true}` || *got.TemplateSelectionExpression != "$integration.response.header.ct" ||
		got.ResponseParameters["method.response.header.x"] != "integration.response.header.y" {
		t.Fatalf("integration response: %+v", got)
	}
	do(c.CreateIntegrationResponse(ctx, &sdk.CreateIntegrationResponseInput{ApiId: w.ApiId, IntegrationId: in.IntegrationId, IntegrationResponseKey: aws.String("$default")})).must(t)
	for key, msg := range map[string]string{
		"$default": "", // duplicate
		"400":      "Invalid integration response key specified: 400. Must be $default or a regular expression enclosed in slashes, for example /4\\d\\d/",
		"/(/":      "Invalid integration response key specified: /(/. The regular expression is not valid",
	} {
		_, err := c.CreateIntegrationResponse(ctx, &sdk.CreateIntegrationResponseInput{ApiId: w.ApiId, IntegrationId: in.IntegrationId, IntegrationResponseKey: aws.String(key)})
		if msg == "" {
			apiErr(t, err, "ConflictException", "Integration response with key $default already exists for this integration")
		} else {
			apiErr(t, err, "BadRequestException", msg)
		}
	}
	up := do(c.UpdateIntegrationResponse(ctx, &sdk.UpdateIntegrationResponseInput{ApiId: w.ApiId, IntegrationId: in.IntegrationId, IntegrationResponseId: ir.IntegrationResponseId,
		IntegrationResponseKey: aws.String("/5\\d\\d/"), ResponseTemplates: map[string]string{}, TemplateSelectionExpression: aws.String("")})).must(t)
	if *up.IntegrationResponseKey != `/5\d\d/` || up.ResponseTemplates != nil || up.TemplateSelectionExpression != nil || len(up.ResponseParameters) != 1 {
		t.Fatalf("updated: %+v", up)
	}
	list := do(c.GetIntegrationResponses(ctx, &sdk.GetIntegrationResponsesInput{ApiId: w.ApiId, IntegrationId: in.IntegrationId})).must(t)
	if len(list.Items) != 2 {
		t.Fatalf("GetIntegrationResponses: %d", len(list.Items))
	}
	do(c.DeleteIntegrationResponse(ctx, &sdk.DeleteIntegrationResponseInput{ApiId: w.ApiId, IntegrationId: in.IntegrationId, IntegrationResponseId: ir.IntegrationResponseId})).must(t)
	_, err := c.GetIntegrationResponse(ctx, &sdk.GetIntegrationResponseInput{ApiId: w.ApiId, IntegrationId: in.IntegrationId, IntegrationResponseId: ir.IntegrationResponseId})
	apiErr(t, err, "NotFoundException", "Invalid IntegrationResponse identifier specified "+*ir.IntegrationResponseId)

	h := httpAPI(t, c, "h")
	hp := httpProxy(t, c, h.ApiId)
	_, err = c.CreateIntegrationResponse(ctx, &sdk.CreateIntegrationResponseInput{ApiId: h.ApiId, IntegrationId: hp.IntegrationId, IntegrationResponseKey: aws.String("$default")})
	apiErr(t, err, "BadRequestException", "Integration responses are supported only for WebSocket APIs")
}

func TestAuthorizers(t *testing.T) {
	_, c := start(t)
	h := httpAPI(t, c, "h")
	w := wsAPI(t, c, "w")
	jwt := do(c.CreateAuthorizer(ctx, &sdk.CreateAuthorizerInput{ApiId: h.ApiId, AuthorizerType: types.AuthorizerTypeJwt, Name: aws.String("cognito"),
		IdentitySource:   []string{"$request.header.Authorization"},
		JwtConfiguration: &types.JWTConfiguration{Issuer: aws.String("https://cognito-idp.us-east-1.amazonaws.com/us-east-1_abc"), Audience: []string{"client1", "client2"}}})).must(t)
	gj := do(c.GetAuthorizer(ctx, &sdk.GetAuthorizerInput{ApiId: h.ApiId, AuthorizerId: jwt.AuthorizerId})).must(t)
	if len(*gj.AuthorizerId) != 6 || gj.AuthorizerType != types.AuthorizerTypeJwt || *gj.Name != "cognito" || gj.IdentitySource[0] != "$request.header.Authorization" ||
		*gj.JwtConfiguration.Issuer != "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_abc" || len(gj.JwtConfiguration.Audience) != 2 ||
		gj.AuthorizerUri != nil || gj.AuthorizerResultTtlInSeconds != nil || gj.EnableSimpleResponses != nil {
		t.Fatalf("JWT authorizer: %+v", gj)
	}
	lam := do(c.CreateAuthorizer(ctx, &sdk.CreateAuthorizerInput{ApiId: h.ApiId, AuthorizerType: types.AuthorizerTypeRequest, Name: aws.String("lambda"),
		IdentitySource: []string{"$request.header.Authorization", "$request.querystring.token"}, AuthorizerUri: aws.String(lambdaInvoke),
		AuthorizerPayloadFormatVersion: aws.String("2.0"), EnableSimpleResponses: aws.Bool(true), AuthorizerResultTtlInSeconds: aws.Int32(300),
		AuthorizerCredentialsArn: aws.String("arn:aws:iam::000000000000:role/invoke")})).must(t)
	if *lam.AuthorizerPayloadFormatVersion != "2.0" || !*lam.EnableSimpleResponses || *lam.AuthorizerResultTtlInSeconds != 300 ||
		*lam.AuthorizerUri != lambdaInvoke || *lam.AuthorizerCredentialsArn != "arn:aws:iam::000000000000:role/invoke" || len(lam.IdentitySource) != 2 {
		t.Fatalf("REQUEST authorizer: %+v", lam)
	}
	// Terraform sends an empty identity source set for a Lambda authorizer
	// without caching.
	nc := do(c.CreateAuthorizer(ctx, &sdk.CreateAuthorizerInput{ApiId: h.ApiId, AuthorizerType: types.AuthorizerTypeRequest, Name: aws.String("nocache"),
		IdentitySource: []string{}, AuthorizerUri: aws.String(lambdaInvoke), AuthorizerPayloadFormatVersion: aws.String("1.0")})).must(t)
	if *nc.AuthorizerResultTtlInSeconds != 0 || *nc.EnableSimpleResponses || nc.IdentitySource != nil {
		t.Fatalf("uncached REQUEST authorizer: %+v", nc)
	}
	ws := do(c.CreateAuthorizer(ctx, &sdk.CreateAuthorizerInput{ApiId: w.ApiId, AuthorizerType: types.AuthorizerTypeRequest, Name: aws.String("ws"),
		IdentitySource: []string{"route.request.header.Auth", "route.request.querystring.Name"}, AuthorizerUri: aws.String(lambdaInvoke)})).must(t)
	if ws.AuthorizerPayloadFormatVersion != nil || ws.AuthorizerResultTtlInSeconds != nil {
		t.Fatalf("WebSocket authorizer: %+v", ws)
	}

	cases := []struct {
		name string
		in   sdk.CreateAuthorizerInput
		msg  string
	}{
		{"jwt on websocket", sdk.CreateAuthorizerInput{ApiId: w.ApiId, AuthorizerType: types.AuthorizerTypeJwt, Name: aws.String("x"), IdentitySource: []string{"route.request.header.A"},
			JwtConfiguration: &types.JWTConfiguration{Issuer: aws.String("https://i")}}, "JWT authorizers are supported only for HTTP APIs"},
		{"jwt without configuration", sdk.CreateAuthorizerInput{ApiId: h.ApiId, AuthorizerType: types.AuthorizerTypeJwt, Name: aws.String("x"), IdentitySource: []string{"$request.header.A"}},
			"JwtConfiguration with an issuer is required for JWT authorizers"},
		{"jwt two sources", sdk.CreateAuthorizerInput{ApiId: h.ApiId, AuthorizerType: types.AuthorizerTypeJwt, Name: aws.String("x"),
			IdentitySource: []string{"$request.header.A", "$request.header.B"}, JwtConfiguration: &types.JWTConfiguration{Issuer: aws.String("https://i")}},
			"JWT authorizers require exactly one identity source, for example $request.header.Authorization"},
		{"jwt with uri", sdk.CreateAuthorizerInput{ApiId: h.ApiId, AuthorizerType: types.AuthorizerTypeJwt, Name: aws.String("x"), IdentitySource: []string{"$request.header.A"},
			JwtConfiguration: &types.JWTConfiguration{Issuer: aws.String("https://i")}, AuthorizerUri: aws.String(lambdaInvoke)},
			"authorizerUri is not supported for JWT authorizers"},
		{"request without uri", sdk.CreateAuthorizerInput{ApiId: h.ApiId, AuthorizerType: types.AuthorizerTypeRequest, Name: aws.String("x"), IdentitySource: []string{},
			AuthorizerPayloadFormatVersion: aws.String("2.0")}, "authorizerUri is required for REQUEST authorizers"},
		{"request without payload version", sdk.CreateAuthorizerInput{ApiId: h.ApiId, AuthorizerType: types.AuthorizerTypeRequest, Name: aws.String("x"), IdentitySource: []string{},
			AuthorizerUri: aws.String(lambdaInvoke)}, "authorizerPayloadFormatVersion is required for REQUEST authorizers of HTTP APIs"},
		{"simple responses need 2.0", sdk.CreateAuthorizerInput{ApiId: h.ApiId, AuthorizerType: types.AuthorizerTypeRequest, Name: aws.String("x"), IdentitySource: []string{},
			AuthorizerUri: aws.String(lambdaInvoke), AuthorizerPayloadFormatVersion: aws.String("1.0"), EnableSimpleResponses: aws.Bool(true)},
			"enableSimpleResponses is supported only with authorizerPayloadFormatVersion 2.0"},
		{"caching needs a source", sdk.CreateAuthorizerInput{ApiId: h.ApiId, AuthorizerType: types.AuthorizerTypeRequest, Name: aws.String("x"), IdentitySource: []string{},
			AuthorizerUri: aws.String(lambdaInvoke), AuthorizerPayloadFormatVersion: aws.String("2.0"), AuthorizerResultTtlInSeconds: aws.Int32(60)},
			"identitySource is required when authorizer caching is enabled (authorizerResultTtlInSeconds greater than 0)"},
		{"http identity source", sdk.CreateAuthorizerInput{ApiId: h.ApiId, AuthorizerType: types.AuthorizerTypeRequest, Name: aws.String("x"),
			IdentitySource: []string{"route.request.header.Auth"}, AuthorizerUri: aws.String(lambdaInvoke), AuthorizerPayloadFormatVersion: aws.String("2.0")},
			"Invalid identity source specified: route.request.header.Auth. HTTP API identity sources look like $request.header.Authorization or $request.querystring.name"},
		{"websocket payload version", sdk.CreateAuthorizerInput{ApiId: w.ApiId, AuthorizerType: types.AuthorizerTypeRequest, Name: aws.String("x"),
			IdentitySource: []string{"route.request.header.Auth"}, AuthorizerUri: aws.String(lambdaInvoke), AuthorizerPayloadFormatVersion: aws.String("2.0")},
			"authorizerPayloadFormatVersion is supported only for HTTP APIs"},
		{"name too long", sdk.CreateAuthorizerInput{ApiId: h.ApiId, AuthorizerType: types.AuthorizerTypeJwt, Name: aws.String(strings.Repeat("n", 129)), IdentitySource: []string{"$request.header.A"}},
			"1 validation error detected: Value '" + strings.Repeat("n", 129) + "' at 'createAuthorizerInput.Name' failed to satisfy constraint: Member must have length less than or equal to 128"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			in := tc.in
			_, err := c.CreateAuthorizer(ctx, &in)
			apiErr(t, err, "BadRequestException", tc.msg)
		})
	}

	up := do(c.UpdateAuthorizer(ctx, &sdk.UpdateAuthorizerInput{ApiId: h.ApiId, AuthorizerId: jwt.AuthorizerId, Name: aws.String("renamed"),
		JwtConfiguration: &types.JWTConfiguration{Issuer: aws.String("https://other.example.com"), Audience: []string{"a"}}})).must(t)
	if *up.Name != "renamed" || *up.JwtConfiguration.Issuer != "https://other.example.com" || len(up.JwtConfiguration.Audience) != 1 {
		t.Fatalf("updated authorizer: %+v", up)
	}
	list := do(c.GetAuthorizers(ctx, &sdk.GetAuthorizersInput{ApiId: h.ApiId})).must(t)
	if len(list.Items) != 3 {
		t.Fatalf("GetAuthorizers: %d", len(list.Items))
	}
	r := do(c.CreateRoute(ctx, &sdk.CreateRouteInput{ApiId: h.ApiId, RouteKey: aws.String("GET /"), AuthorizationType: types.AuthorizationTypeJwt, AuthorizerId: jwt.AuthorizerId})).must(t)
	_, err := c.DeleteAuthorizer(ctx, &sdk.DeleteAuthorizerInput{ApiId: h.ApiId, AuthorizerId: jwt.AuthorizerId})
	apiErr(t, err, "ConflictException", "Unable to delete authorizer "+*jwt.AuthorizerId+" because it is used by route "+*r.RouteId+" (GET /)")
	do(c.DeleteRoute(ctx, &sdk.DeleteRouteInput{ApiId: h.ApiId, RouteId: r.RouteId})).must(t)
	do(c.DeleteAuthorizer(ctx, &sdk.DeleteAuthorizerInput{ApiId: h.ApiId, AuthorizerId: jwt.AuthorizerId})).must(t)
	_, err = c.GetAuthorizer(ctx, &sdk.GetAuthorizerInput{ApiId: h.ApiId, AuthorizerId: jwt.AuthorizerId})
	apiErr(t, err, "NotFoundException", "Invalid Authorizer identifier specified "+*jwt.AuthorizerId)
}

func TestModels(t *testing.T) {
	_, c := start(t)
	w := wsAPI(t, c, "w")
	schema := `{"$schema":"http://json-schema.org/draft-04/schema#","type":"object","definitions":{"tag":{"type":"object","properties":{"k":{"type":"string"}}}},` +
		`"properties":{"name":{"type":"string"},"age":{"type":"integer"},"tags":{"type":"array","items":{"$ref":"#/definitions/tag"}}}}`
	m := do(c.CreateModel(ctx, &sdk.CreateModelInput{ApiId: w.ApiId, Name: aws.String("Pet"), ContentType: aws.String("application/json"),
		Description: aws.String("a pet"), Schema: aws.String(schema)})).must(t)
	got := do(c.GetModel(ctx, &sdk.GetModelInput{ApiId: w.ApiId, ModelId: m.ModelId})).must(t)
	if len(*got.ModelId) != 6 || *got.Name != "Pet" || *got.ContentType != "application/json" || *got.Description != "a pet" || *got.Schema != schema {
		t.Fatalf("model: %+v", got)
	}
	tpl := do(c.GetModelTemplate(ctx, &sdk.GetModelTemplateInput{ApiId: w.ApiId, ModelId: m.ModelId})).must(t)
	want := "#set($inputRoot = $input.path('$'))\n{\n  \"age\" : $inputRoot.age,\n  \"name\" : \"$inputRoot.name\",\n" +
		"  \"tags\" : [\n  #foreach($elem1 in $inputRoot.tags)\n    {\n      \"k\" : \"$elem1.k\"\n    }#if($foreach.hasNext),#end\n  #end\n  ]\n}"
	if *tpl.Value != want {
		t.Fatalf("template:\n%s\nwant:\n%s", *tpl.Value, want)
	}
	_, err := c.CreateModel(ctx, &sdk.CreateModelInput{ApiId: w.ApiId, Name: aws.String("Pet"), Schema: aws.String("{}")})
	apiErr(t, err, "ConflictException", "Model name already exists for this API: Pet")
	_, err = c.CreateModel(ctx, &sdk.CreateModelInput{ApiId: w.ApiId, Name: aws.String("bad-name"), Schema: aws.String("{}")})
	apiErr(t, err, "BadRequestException", "Invalid model name specified: bad-name. Model names must be alphanumeric")
	_, err = c.CreateModel(ctx, &sdk.CreateModelInput{ApiId: w.ApiId, Name: aws.String("Bad"), ContentType: aws.String("application/json"), Schema: aws.String("[1")})
	apiErrContains(t, err, "BadRequestException", "Invalid model schema specified. The schema of a JSON model must be a JSON object")
	text := do(c.CreateModel(ctx, &sdk.CreateModelInput{ApiId: w.ApiId, Name: aws.String("Text"), ContentType: aws.String("text/plain"), Schema: aws.String("anything")})).must(t)

	r := do(c.CreateRoute(ctx, &sdk.CreateRouteInput{ApiId: w.ApiId, RouteKey: aws.String("send"), RequestModels: map[string]string{"$default": "Pet"}})).must(t)
	_, err = c.DeleteModel(ctx, &sdk.DeleteModelInput{ApiId: w.ApiId, ModelId: m.ModelId})
	apiErr(t, err, "ConflictException", "Cannot delete model Pet, it is referenced by route send")
	_, err = c.UpdateModel(ctx, &sdk.UpdateModelInput{ApiId: w.ApiId, ModelId: m.ModelId, Name: aws.String("Dog")})
	apiErr(t, err, "ConflictException", "Cannot rename model Pet, it is referenced by route send")
	up := do(c.UpdateModel(ctx, &sdk.UpdateModelInput{ApiId: w.ApiId, ModelId: m.ModelId, Description: aws.String(""), Schema: aws.String(`{"type":"string"}`)})).must(t)
	if up.Description != nil || *up.Schema != `{"type":"string"}` {
		t.Fatalf("updated model: %+v", up)
	}
	do(c.DeleteRoute(ctx, &sdk.DeleteRouteInput{ApiId: w.ApiId, RouteId: r.RouteId})).must(t)
	do(c.DeleteModel(ctx, &sdk.DeleteModelInput{ApiId: w.ApiId, ModelId: m.ModelId})).must(t)
	list := do(c.GetModels(ctx, &sdk.GetModelsInput{ApiId: w.ApiId})).must(t)
	if len(list.Items) != 1 || *list.Items[0].ModelId != *text.ModelId {
		t.Fatalf("GetModels: %+v", list.Items)
	}
	_, err = c.GetModel(ctx, &sdk.GetModelInput{ApiId: w.ApiId, ModelId: m.ModelId})
	apiErr(t, err, "NotFoundException", "Invalid Model identifier specified "+*m.ModelId)
}
