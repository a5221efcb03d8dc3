package apigatewayv2_test

import (
	"encoding/json"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	sdk "github.com/aws/aws-sdk-go-v2/service/apigatewayv2"
	"github.com/aws/aws-sdk-go-v2/service/apigatewayv2/types"
)

const petsJSON = `{
  "openapi": "3.0.1",
  "info": {"title": "pets", "version": "2024-01-01", "description": "Pet store"},
  "servers": [{"url": "https://example.execute-api.us-east-1.amazonaws.com/{basePath}", "variables": {"basePath": {"default": "v1/store"}}}],
  "x-amazon-apigateway-cors": {"allowOrigins": ["https://www.example.com"], "allowMethods": ["GET", "POST"], "maxAge": 300, "allowCredentials": true},
  "x-amazon-apigateway-importexport-version": "1.0",
  "components": {"securitySchemes": {
    "cognito": {"type": "oauth2", "flows": {}, "x-amazon-apigateway-authorizer": {"type": "jwt", "identitySource": "$request.header.Authorization",
      "jwtConfiguration": {"issuer": "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_abc", "audience": ["client"]}}},
    "lambda": {"type": "apiKey", "name": "Authorization", "in": "header", "x-amazon-apigateway-authorizer": {"type": "request",
      "identitySource": "$request.header.Authorization,$request.querystring.token", "authorizerPayloadFormatVersion": "2.0",
      "authorizerUri": "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:000000000000:function:auth/invocations",
      "authorizerResultTtlInSeconds": 300, "enableSimpleResponses": true}},
    "sigv4": {"type": "apiKey", "name": "Authorization", "in": "header", "x-amazon-apigateway-authtype": "awsSigv4"}
  }},
  "paths": {
    "/pets": {
      "get": {"operationId": "ListPets", "security": [{"cognito": ["pets/read"]}],
        "x-amazon-apigateway-integration": {"type": "http_proxy", "httpMethod": "GET", "uri": "https://petstore.example.com/pets",
          "payloadFormatVersion": "1.0", "timeoutInMillis": 5000, "connectionType": "INTERNET",
          "requestParameters": {"append:header.x-source": "apigw"}, "responseParameters": {"404": {"overwrite:statuscode": "410"}}}},
      "post": {"security": [{"sigv4": []}],
        "x-amazon-apigateway-integration": {"type": "aws_proxy", "uri": "arn:aws:lambda:us-east-1:000000000000:function:create", "payloadFormatVersion": "2.0"}}
    },
    "/pets/{petId}": {
      "parameters": [{"name": "petId", "in": "path", "required": true, "schema": {"type": "string"}}],
      "x-amazon-apigateway-any-method": {"security": [{"lambda": []}],
        "x-amazon-apigateway-integration": {"type": "aws_proxy", "httpMethod": "POST", "uri": "arn:aws:lambda:us-east-1:000000000000:function:pet", "payloadFormatVersion": "2.0"}}
    },
    "/$default": {
      "x-amazon-apigateway-any-method": {"isDefaultRoute": true,
        "x-amazon-apigateway-integration": {"type": "http_proxy", "httpMethod": "ANY", "uri": "https://fallback.example.com", "payloadFormatVersion": "1.0"}}
    },
    "/health": {"get": {"responses": {"200": {"description": "ok"}}}}
  }
}`

// routesOf returns an api's routes by key, with their integrations.
func routesOf(t *testing.T, c *sdk.Client, apiID *string) (map[string]types.Route, map[string]types.Integration) {
	t.Helper()
	rs := map[string]types.Route{}
	for _, r := range do(c.GetRoutes(ctx, &sdk.GetRoutesInput{ApiId: apiID})).must(t).Items {
		rs[*r.RouteKey] = r
	}
	is := map[string]types.Integration{}
	for _, i := range do(c.GetIntegrations(ctx, &sdk.GetIntegrationsInput{ApiId: apiID})).must(t).Items {
		is["integrations/"+*i.IntegrationId] = i
	}
	return rs, is
}

func checkPetsImport(t *testing.T, c *sdk.Client, apiID *string, prefix string) {
	t.Helper()
	rs, is := routesOf(t, c, apiID)
	keys := make([]string, 0, len(rs))
	for k := range rs {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	want := []string{"$default", "ANY " + prefix + "/pets/{petId}", "GET " + prefix + "/health", "GET " + prefix + "/pets", "POST " + prefix + "/pets"}
	sort.Strings(want)
	if strings.Join(keys, "|") != strings.Join(want, "|") {
		t.Fatalf("routes %v, want %v", keys, want)
	}
	auths := map[string]types.Authorizer{}
	for _, a := range do(c.GetAuthorizers(ctx, &sdk.GetAuthorizersInput{ApiId: apiID})).must(t).Items {
		auths[*a.AuthorizerId] = a
	}
	list := rs["GET "+prefix+"/pets"]
	if list.AuthorizationType != types.AuthorizationTypeJwt || *auths[*list.AuthorizerId].Name != "cognito" || list.AuthorizationScopes[0] != "pets/read" ||
		*list.OperationName != "ListPets" {
		t.Fatalf("GET /pets: %+v", list)
	}
	li := is[*list.Target]
	if li.IntegrationType != types.IntegrationTypeHttpProxy || *li.IntegrationUri != "https://petstore.example.com/pets" || *li.IntegrationMethod != "GET" ||
		*li.TimeoutInMillis != 5000 || li.RequestParameters["append:header.x-source"] != "apigw" || li.ResponseParameters["404"]["overwrite:statuscode"] != "410" {
		t.Fatalf("GET /pets integration: %+v", li)
	}
	if p := rs["POST "+prefix+"/pets"]; p.AuthorizationType != types.AuthorizationTypeAwsIam || is[*p.Target].IntegrationType != types.IntegrationTypeAwsProxy ||
		*is[*p.Target].PayloadFormatVersion != "2.0" || *is[*p.Target].IntegrationMethod != "POST" {
		t.Fatalf("POST /pets: %+v %+v", p, is[*p.Target])
	}
	pet := rs["ANY "+prefix+"/pets/{petId}"]
	la := auths[*pet.AuthorizerId]
	if pet.AuthorizationType != types.AuthorizationTypeCustom || la.AuthorizerType != types.AuthorizerTypeRequest || len(la.IdentitySource) != 2 ||
		*la.AuthorizerResultTtlInSeconds != 300 || !*la.EnableSimpleResponses || *la.AuthorizerPayloadFormatVersion != "2.0" {
		t.Fatalf("ANY /pets/{petId}: %+v %+v", pet, la)
	}
	if d := rs["$default"]; *is[*d.Target].IntegrationUri != "https://fallback.example.com" {
		t.Fatalf("$default: %+v", d)
	}
	if h := rs["GET "+prefix+"/health"]; h.Target != nil || h.AuthorizationType != types.AuthorizationTypeNone {
		t.Fatalf("GET /health: %+v", h)
	}
}

func TestImportApi(t *testing.T) {
	_, c := start(t)
	a := do(c.ImportApi(ctx, &sdk.ImportApiInput{Body: aws.String(petsJSON)})).must(t)
	if *a.Name != "pets" || *a.Version != "2024-01-01" || *a.Description != "Pet store" || a.ProtocolType != types.ProtocolTypeHttp ||
		a.CorsConfiguration == nil || *a.CorsConfiguration.MaxAge != 300 || !*a.CorsConfiguration.AllowCredentials || len(a.Warnings) != 0 ||
		*a.RouteSelectionExpression != "$request.method $request.path" || a.ApiEndpoint == nil {
		t.Fatalf("imported api: %+v", a)
	}
	checkPetsImport(t, c, a.ApiId, "")
	// No stage is made by an import.
	if st := do(c.GetStages(ctx, &sdk.GetStagesInput{ApiId: a.ApiId})).must(t); len(st.Items) != 0 {
		t.Fatalf("stages: %+v", st.Items)
	}

	// basepath modes over the server URL's base path v1/store.
	pre := do(c.ImportApi(ctx, &sdk.ImportApiInput{Body: aws.String(petsJSON), Basepath: aws.String("prepend")})).must(t)
	checkPetsImport(t, c, pre.ApiId, "/v1/store")
	split := do(c.ImportApi(ctx, &sdk.ImportApiInput{Body: aws.String(petsJSON), Basepath: aws.String("split")})).must(t)
	checkPetsImport(t, c, split.ApiId, "/store")
}

const petsYAML = `openapi: "3.0.1"
info:
  title: pets
  version: '2024-01-01'
  description: >-
    Pet
    store
x-amazon-apigateway-cors:
  allowOrigins:
    - https://www.example.com
  allowMethods: [GET, POST]
  maxAge: 300
  allowCredentials: true
components:
  securitySchemes:
    cognito:
      type: oauth2
      flows: {}
      x-amazon-apigateway-authorizer:
        type: jwt
        identitySource: $request.header.Authorization
        jwtConfiguration:
          issuer: https://cognito-idp.us-east-1.amazonaws.com/us-east-1_abc
          audience: [client]
    lambda:
      type: apiKey
      name: Authorization
      in: header
      x-amazon-apigateway-authorizer:
        type: request
        identitySource: "$request.header.Authorization,$request.querystring.token"
        authorizerPayloadFormatVersion: 2.0
        authorizerUri: arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:000000000000:function:auth/invocations
        authorizerResultTtlInSeconds: 300
        enableSimpleResponses: true
    sigv4:
      type: apiKey
      name: Authorization
      in: header
      x-amazon-apigateway-authtype: awsSigv4
paths:
  /pets:
    get:
      operationId: ListPets   # a comment
      security:
      - cognito:
        - pets/read
      x-amazon-apigateway-integration:
        type: http_proxy
        httpMethod: GET
        uri: https://petstore.example.com/pets
        payloadFormatVersion: "1.0"
        timeoutInMillis: 5000
        connectionType: INTERNET
        requestParameters:
          append:header.x-source: apigw
        responseParameters:
          "404":
            overwrite:statuscode: "410"
    post:
      security:
        - sigv4: []
      x-amazon-apigateway-integration:
        type: aws_proxy
        uri: arn:aws:lambda:us-east-1:000000000000:function:create
        payloadFormatVersion: "2.0"
  /pets/{petId}:
    x-amazon-apigateway-any-method:
      security:
        - lambda: []
      x-amazon-apigateway-integration:
        type: aws_proxy
        httpMethod: POST
        uri: arn:aws:lambda:us-east-1:000000000000:function:pet
        payloadFormatVersion: "2.0"
  /$default:
    x-amazon-apigateway-any-method:
      isDefaultRoute: true
      x-amazon-apigateway-integration:
        type: http_proxy
        httpMethod: ANY
        uri: https://fallback.example.com
        payloadFormatVersion: "1.0"
  /health:
    get:
      responses:
        "200":
          description: |
            ok
`

func TestImportApiYAML(t *testing.T) {
	_, c := start(t)
	a := do(c.ImportApi(ctx, &sdk.ImportApiInput{Body: aws.String(petsYAML)})).must(t)
	if *a.Name != "pets" || *a.Version != "2024-01-01" || *a.Description != "Pet store" || len(a.CorsConfiguration.AllowMethods) != 2 {
		t.Fatalf("imported api: %+v", a)
	}
	checkPetsImport(t, c, a.ApiId, "")
}

func TestImportApiErrors(t *testing.T) {
	_, c := start(t)
	cases := []struct {
		name, body, basepath string
		fail                 bool
		msg                  string
	}{
		{"not a document", "[1, 2]", "", false,
			"Invalid OpenAPI input. The body must be an OpenAPI 3.0 or Swagger 2.0 definition in JSON or YAML"},
		{"bad json", `{"openapi": `, "", false,
			"Invalid OpenAPI input. The body must be an OpenAPI 3.0 or Swagger 2.0 definition in JSON or YAML: unexpected end of JSON input"},
		{"old swagger", `{"swagger": "1.2", "info": {"title": "x"}}`, "", false,
			"Invalid OpenAPI input. Only OpenAPI 3.x and Swagger 2.0 definitions can be imported"},
		{"no title", `{"openapi": "3.0.1", "info": {}, "paths": {}}`, "", false,
			"Errors found during import:\n\tThe API title (info.title) is required"},
		{"mock integration", `{"openapi": "3.0.1", "info": {"title": "x"}, "paths": {"/a": {"get": {"x-amazon-apigateway-integration": {"type": "mock"}}}}}`, "", false,
			"Errors found during import:\n\tUnable to create integration for route GET /a: integration type \"mock\" is not supported for HTTP APIs"},
		{"undefined scheme", `{"openapi": "3.0.1", "info": {"title": "x"}, "paths": {"/a": {"get": {"security": [{"nope": []}]}}}}`, "", false,
			"Errors found during import:\n\tUnable to create route GET /a: security scheme nope is not defined or not supported"},
		{"invalid integration", `{"openapi": "3.0.1", "info": {"title": "x"}, "paths": {"/a": {"get": {"x-amazon-apigateway-integration": {"type": "http_proxy", "uri": "https://e.com", "payloadFormatVersion": "1.0"}}}}}`, "", false,
			"Errors found during import:\n\tUnable to create integration for route GET /a: integrationMethod is required for HTTP_PROXY integrations"},
		{"bad route path", `{"openapi": "3.0.1", "info": {"title": "x"}, "paths": {"/a/": {"get": {}}}}`, "", false,
			"Errors found during import:\n\tUnable to create route GET /a/: Invalid route key specified: GET /a/. The resource path must not contain empty segments or end with /"},
		{"warnings fail", `{"openapi": "3.0.1", "info": {"title": "x"}, "x-amazon-apigateway-gateway-responses": {}, "paths": {}}`, "", true,
			"Warnings found during import:\n\tUnsupported extension for HTTP APIs ignored: x-amazon-apigateway-gateway-responses"},
		{"basepath", `{"openapi": "3.0.1", "info": {"title": "x"}, "paths": {}}`, "shift", false,
			"Invalid basepath specified: shift. Must be one of ignore, prepend or split"},
		{"yaml error", "openapi: 3.0.1\ninfo:\n  title: &a x\n", "", false,
			"Invalid OpenAPI input. The body must be an OpenAPI 3.0 or Swagger 2.0 definition in JSON or YAML: line 3: anchors, aliases and tags are not supported"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			in := &sdk.ImportApiInput{Body: aws.String(tc.body), FailOnWarnings: aws.Bool(tc.fail)}
			if tc.basepath != "" {
				in.Basepath = aws.String(tc.basepath)
			}
			_, err := c.ImportApi(ctx, in)
			apiErr(t, err, "BadRequestException", tc.msg)
		})
	}
	if n := len(do(c.GetApis(ctx, &sdk.GetApisInput{})).must(t).Items); n != 0 {
		t.Fatalf("failed imports left %d apis", n)
	}
	// Without failOnWarnings the warnings come back on the api.
	a := do(c.ImportApi(ctx, &sdk.ImportApiInput{Body: aws.String(`{"openapi": "3.0.1", "info": {"title": "x"}, "x-amazon-apigateway-gateway-responses": {}, "paths": {}}`)})).must(t)
	if len(a.Warnings) != 1 || a.Warnings[0] != "Unsupported extension for HTTP APIs ignored: x-amazon-apigateway-gateway-responses" {
		t.Fatalf("warnings: %v", a.Warnings)
	}
}

func TestExportApiRoundTrip(t *testing.T) {
	_, c := start(t)
	a := do(c.ImportApi(ctx, &sdk.ImportApiInput{Body: aws.String(petsJSON)})).must(t)
	out := do(c.ExportApi(ctx, &sdk.ExportApiInput{ApiId: a.ApiId, Specification: aws.String("OAS30"), OutputType: aws.String("JSON")})).must(t)
	var doc map[string]any
	if err := json.Unmarshal(out.Body, &doc); err != nil {
		t.Fatalf("export is not JSON: %v\n%s", err, out.Body)
	}
	info := doc["info"].(map[string]any)
	if doc["openapi"] != "3.0.1" || info["title"] != "pets" || info["version"] != "2024-01-01" ||
		doc["x-amazon-apigateway-importexport-version"] != "1.0" || doc["x-amazon-apigateway-cors"] == nil {
		t.Fatalf("export: %s", out.Body)
	}
	paths := doc["paths"].(map[string]any)
	pet := paths["/pets/{petId}"].(map[string]any)
	param := pet["parameters"].([]any)[0].(map[string]any)
	anyOp := pet["x-amazon-apigateway-any-method"].(map[string]any)
	if param["name"] != "petId" || param["description"] != "Generated path parameter for petId" ||
		anyOp["responses"].(map[string]any)["default"].(map[string]any)["description"] != "Default response for ANY /pets/{petId}" {
		t.Fatalf("path item: %v", pet)
	}
	ix := paths["/pets"].(map[string]any)["get"].(map[string]any)["x-amazon-apigateway-integration"].(map[string]any)
	if ix["type"] != "http_proxy" || ix["uri"] != "https://petstore.example.com/pets" || ix["timeoutInMillis"] != float64(5000) {
		t.Fatalf("integration extension: %v", ix)
	}
	if def := paths["/$default"].(map[string]any)["x-amazon-apigateway-any-method"].(map[string]any); def["isDefaultRoute"] != true {
		t.Fatalf("$default: %v", def)
	}

	// Re-importing the export gives the same api.
	b := do(c.ImportApi(ctx, &sdk.ImportApiInput{Body: aws.String(string(out.Body))})).must(t)
	checkPetsImport(t, c, b.ApiId, "")
	// And through YAML.
	y := do(c.ExportApi(ctx, &sdk.ExportApiInput{ApiId: a.ApiId, Specification: aws.String("OAS30"), OutputType: aws.String("YAML")})).must(t)
	if !strings.HasPrefix(string(y.Body), "components:\n") || !strings.Contains(string(y.Body), "openapi: 3.0.1\n") {
		t.Fatalf("YAML export:\n%s", y.Body)
	}
	yb := do(c.ImportApi(ctx, &sdk.ImportApiInput{Body: aws.String(string(y.Body))})).must(t)
	checkPetsImport(t, c, yb.ApiId, "")

	// Without extensions: plain OpenAPI.
	plain := do(c.ExportApi(ctx, &sdk.ExportApiInput{ApiId: a.ApiId, Specification: aws.String("OAS30"), OutputType: aws.String("JSON"), IncludeExtensions: aws.Bool(false)})).must(t)
	if strings.Contains(string(plain.Body), "x-amazon-apigateway") {
		t.Fatalf("extensions left: %s", plain.Body)
	}

	// A stage exports what it serves; the version defaults to the creation time.
	h := httpAPI(t, c, "h")
	in := httpProxy(t, c, h.ApiId)
	do(c.CreateRoute(ctx, &sdk.CreateRouteInput{ApiId: h.ApiId, RouteKey: aws.String("GET /old"), Target: aws.String("integrations/" + *in.IntegrationId)})).must(t)
	d := do(c.CreateDeployment(ctx, &sdk.CreateDeploymentInput{ApiId: h.ApiId})).must(t)
	do(c.CreateStage(ctx, &sdk.CreateStageInput{ApiId: h.ApiId, StageName: aws.String("prod"), DeploymentId: d.DeploymentId})).must(t)
	do(c.CreateRoute(ctx, &sdk.CreateRouteInput{ApiId: h.ApiId, RouteKey: aws.String("GET /new")})).must(t)
	st := do(c.ExportApi(ctx, &sdk.ExportApiInput{ApiId: h.ApiId, Specification: aws.String("OAS30"), OutputType: aws.String("JSON"), StageName: aws.String("prod")})).must(t)
	var sd map[string]any
	json.Unmarshal(st.Body, &sd)
	sp := sd["paths"].(map[string]any)
	if sp["/old"] == nil || sp["/new"] != nil || sd["info"].(map[string]any)["version"] != "2024-05-06 07:08:09UTC" ||
		sd["servers"].([]any)[0].(map[string]any)["variables"].(map[string]any)["basePath"].(map[string]any)["default"] != "prod" {
		t.Fatalf("stage export: %s", st.Body)
	}
	_, err := c.ExportApi(ctx, &sdk.ExportApiInput{ApiId: h.ApiId, Specification: aws.String("OAS30"), OutputType: aws.String("JSON"), ExportVersion: aws.String("2.0")})
	apiErr(t, err, "BadRequestException", "Invalid export version specified: 2.0. Supported versions are [1.0]")
	w := wsAPI(t, c, "w")
	_, err = c.ExportApi(ctx, &sdk.ExportApiInput{ApiId: w.ApiId, Specification: aws.String("OAS30"), OutputType: aws.String("JSON")})
	apiErr(t, err, "BadRequestException", "Export is supported only for HTTP APIs")
}

// TestReimportApi follows Terraform's aws_apigatewayv2_api with a body:
// CreateApi, ReimportApi, then UpdateApi with the configured name.
func TestReimportApi(t *testing.T) {
	_, c := start(t)
	a := do(c.CreateApi(ctx, &sdk.CreateApiInput{Name: aws.String("configured"), ProtocolType: types.ProtocolTypeHttp})).must(t)
	old := do(c.CreateRoute(ctx, &sdk.CreateRouteInput{ApiId: a.ApiId, RouteKey: aws.String("GET /old")})).must(t)
	do(c.CreateStage(ctx, &sdk.CreateStageInput{ApiId: a.ApiId, StageName: aws.String("$default"), AutoDeploy: aws.Bool(true)})).must(t)
	before := *do(c.GetStage(ctx, &sdk.GetStageInput{ApiId: a.ApiId, StageName: aws.String("$default")})).must(t).DeploymentId

	re := do(c.ReimportApi(ctx, &sdk.ReimportApiInput{ApiId: a.ApiId, Body: aws.String(petsJSON)})).must(t)
	if *re.Name != "pets" || *re.ApiId != *a.ApiId {
		t.Fatalf("reimported: %+v", re)
	}
	checkPetsImport(t, c, a.ApiId, "")
	_, err := c.GetRoute(ctx, &sdk.GetRouteInput{ApiId: a.ApiId, RouteId: old.RouteId})
	apiErr(t, err, "NotFoundException", "Invalid Route identifier specified "+*old.RouteId)
	st := do(c.GetStage(ctx, &sdk.GetStageInput{ApiId: a.ApiId, StageName: aws.String("$default")})).must(t)
	if *st.DeploymentId == before || *st.LastDeploymentStatusMessage != autoOKPrefix+*st.DeploymentId+"'" {
		t.Fatalf("autoDeploy after reimport: %+v", st)
	}
	up := do(c.UpdateApi(ctx, &sdk.UpdateApiInput{ApiId: a.ApiId, Name: aws.String("configured")})).must(t)
	if *up.Name != "configured" {
		t.Fatalf("name after UpdateApi: %+v", up)
	}
	// A second reimport replaces the first one's resources, not adds.
	do(c.ReimportApi(ctx, &sdk.ReimportApiInput{ApiId: a.ApiId, Body: aws.String(petsYAML)})).must(t)
	checkPetsImport(t, c, a.ApiId, "")
	if n := len(do(c.GetAuthorizers(ctx, &sdk.GetAuthorizersInput{ApiId: a.ApiId})).must(t).Items); n != 2 {
		t.Fatalf("%d authorizers after two reimports", n)
	}
	w := wsAPI(t, c, "w")
	_, err = c.ReimportApi(ctx, &sdk.ReimportApiInput{ApiId: w.ApiId, Body: aws.String(petsJSON)})
	apiErr(t, err, "BadRequestException", "Import is supported only for HTTP APIs")
}
