package apigateway_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	sdk "github.com/aws/aws-sdk-go-v2/service/apigateway"
	"github.com/aws/aws-sdk-go-v2/service/apigateway/types"
	"github.com/aws/smithy-go"

	api "github.com/stagecraft/stagecraft/internal/api/apigateway"
	"github.com/stagecraft/stagecraft/internal/service/apigateway"
	"github.com/stagecraft/stagecraft/internal/testenv"
)

// Tests of ImportRestApi, PutRestApi and GetExport (openapi.go,
// openapi_export.go). Fixtures are in testdata/openapi: the seed 001 body,
// the AWS PetStore sample as OpenAPI 3.0 JSON and Swagger 2.0 YAML, and an
// API using most x-amazon-apigateway-* extensions (secured.yaml).

func oaFixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "openapi", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// oaPending skips the test when an operation another part of the service
// provides is not implemented yet, and fails on any other error.
func oaPending(t *testing.T, err error, op string) {
	t.Helper()
	if err == nil {
		return
	}
	var ae smithy.APIError
	if errors.As(err, &ae) && ae.ErrorCode() == "NotImplementedException" {
		t.Skipf("SKIP-PENDING: %s is not implemented yet: %v", op, err)
	}
	t.Fatalf("%s: %v", op, err)
}

func oaImport(t *testing.T, c *sdk.Client, body []byte, params map[string]string) *sdk.ImportRestApiOutput {
	t.Helper()
	out, err := c.ImportRestApi(context.Background(), &sdk.ImportRestApiInput{Body: body, Parameters: params})
	if err != nil {
		t.Fatalf("import: %v", err)
	}
	return out
}

// oaTree returns an API's resources with their methods, keyed by path.
func oaTree(t *testing.T, c *sdk.Client, apiID string) map[string]types.Resource {
	t.Helper()
	out, err := c.GetResources(context.Background(), &sdk.GetResourcesInput{RestApiId: &apiID,
		Embed: []string{"methods"}, Limit: aws.Int32(500)})
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]types.Resource{}
	for _, r := range out.Items {
		m[*r.Path] = r
	}
	return m
}

func oaPaths(tree map[string]types.Resource) []string {
	var out []string
	for p := range tree {
		out = append(out, p)
	}
	sort.Strings(out)
	return out
}

func oaVerbs(r types.Resource) []string {
	var out []string
	for v := range r.ResourceMethods {
		out = append(out, v)
	}
	sort.Strings(out)
	return out
}

func oaEqual(t *testing.T, what string, got, want any) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("%s: got %#v, want %#v", what, got, want)
	}
}

func TestImportRestApiSeedBody(t *testing.T) {
	env := testenv.Start(t)
	c := env.APIGateway()
	ctx := context.Background()

	ra := oaImport(t, c, oaFixture(t, "seed001.json"), nil)
	if *ra.Name != "example" || aws.ToString(ra.Version) != "1.0" || len(*ra.Id) != 10 || ra.RootResourceId == nil ||
		ra.ApiKeySource != types.ApiKeySourceTypeHeader || ra.EndpointConfiguration.Types[0] != types.EndpointTypeEdge ||
		ra.Description != nil || len(ra.Warnings) != 0 {
		t.Fatalf("imported API: %+v", ra)
	}
	tree := oaTree(t, c, *ra.Id)
	oaEqual(t, "paths", oaPaths(tree), []string{"/", "/path1"})
	if *tree["/"].Id != *ra.RootResourceId {
		t.Fatalf("root %s, rootResourceId %s", *tree["/"].Id, *ra.RootResourceId)
	}
	get := tree["/path1"].ResourceMethods["GET"]
	if aws.ToString(get.AuthorizationType) != "NONE" || aws.ToBool(get.ApiKeyRequired) || get.MethodResponses != nil {
		t.Fatalf("method: %+v", get)
	}
	in, err := c.GetIntegration(ctx, &sdk.GetIntegrationInput{RestApiId: ra.Id, ResourceId: tree["/path1"].Id, HttpMethod: aws.String("GET")})
	if err != nil {
		t.Fatal(err)
	}
	if in.Type != types.IntegrationTypeHttpProxy || aws.ToString(in.HttpMethod) != "GET" ||
		aws.ToString(in.Uri) != "https://ip-ranges.amazonaws.com/ip-ranges.json" || in.ConnectionType != types.ConnectionTypeInternet ||
		aws.ToString(in.PassthroughBehavior) != "WHEN_NO_MATCH" || in.TimeoutInMillis != 29000 ||
		aws.ToString(in.CacheNamespace) != *tree["/path1"].Id || in.CacheKeyParameters == nil || len(in.CacheKeyParameters) != 0 ||
		in.IntegrationResponses != nil {
		t.Fatalf("integration: %+v", in)
	}

	// Terraform's aws_api_gateway_rest_api with a body: CreateRestApi, then
	// PutRestApi in overwrite mode. The root resource stays.
	created, err := c.CreateRestApi(ctx, &sdk.CreateRestApiInput{Name: aws.String("example")})
	if err != nil {
		t.Fatal(err)
	}
	put, err := c.PutRestApi(ctx, &sdk.PutRestApiInput{RestApiId: created.Id, Mode: types.PutModeOverwrite,
		Body: oaFixture(t, "seed001.json")})
	if err != nil {
		t.Fatal(err)
	}
	if *put.Id != *created.Id || *put.RootResourceId != *created.RootResourceId || *put.Name != "example" ||
		aws.ToString(put.Version) != "1.0" || !put.CreatedDate.Equal(*created.CreatedDate) {
		t.Fatalf("put: %+v", put)
	}
	tree = oaTree(t, c, *created.Id)
	oaEqual(t, "paths after put", oaPaths(tree), []string{"/", "/path1"})
	if *tree["/"].Id != *created.RootResourceId {
		t.Fatal("overwrite replaced the root resource")
	}

	// Deploy it and export the stage.
	_, err = c.CreateDeployment(ctx, &sdk.CreateDeploymentInput{RestApiId: created.Id, StageName: aws.String("example")})
	oaPending(t, err, "CreateDeployment")
	exp, err := c.GetExport(ctx, &sdk.GetExportInput{RestApiId: created.Id, StageName: aws.String("example"),
		ExportType: aws.String("oas30"), Parameters: map[string]string{"extensions": "integrations"}})
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		OpenAPI string `json:"openapi"`
		Info    struct {
			Title, Version string
		}
		Servers []struct {
			URL       string `json:"url"`
			Variables map[string]map[string]string
		}
		Paths map[string]map[string]map[string]any
	}
	if err := json.Unmarshal(exp.Body, &doc); err != nil {
		t.Fatalf("export is not JSON: %v\n%s", err, exp.Body)
	}
	if doc.OpenAPI != "3.0.1" || doc.Info.Title != "example" || doc.Info.Version != "1.0" ||
		doc.Servers[0].URL != "https://"+*created.Id+".execute-api.us-east-1.amazonaws.com/{basePath}" ||
		doc.Servers[0].Variables["basePath"]["default"] != "example" {
		t.Fatalf("export: %s", exp.Body)
	}
	x := doc.Paths["/path1"]["get"]["x-amazon-apigateway-integration"].(map[string]any)
	oaEqual(t, "exported integration", x, map[string]any{"type": "http_proxy", "httpMethod": "GET",
		"uri": "https://ip-ranges.amazonaws.com/ip-ranges.json", "passthroughBehavior": "when_no_match"})
	if aws.ToString(exp.ContentDisposition) != `attachment; filename="oas30_1.0.json"` {
		t.Fatalf("content disposition %q", aws.ToString(exp.ContentDisposition))
	}
}

// oaPetStoreChecks asserts what importing the PetStore sample creates; both
// flavours of the sample must give the same API.
func oaPetStoreChecks(t *testing.T, c *sdk.Client, ra *sdk.ImportRestApiOutput) {
	t.Helper()
	ctx := context.Background()
	if *ra.Name != "PetStore" || !strings.HasPrefix(aws.ToString(ra.Description), "Your first API with Amazon API Gateway.") ||
		ra.Version != nil || len(ra.Warnings) != 0 {
		t.Fatalf("imported API: %+v", ra)
	}
	tree := oaTree(t, c, *ra.Id)
	oaEqual(t, "paths", oaPaths(tree), []string{"/", "/pets", "/pets/{petId}"})
	oaEqual(t, "/ methods", oaVerbs(tree["/"]), []string{"GET"})
	oaEqual(t, "/pets methods", oaVerbs(tree["/pets"]), []string{"GET", "OPTIONS", "POST"})
	oaEqual(t, "/pets/{petId} methods", oaVerbs(tree["/pets/{petId}"]), []string{"GET", "OPTIONS"})
	if *tree["/pets/{petId}"].ParentId != *tree["/pets"].Id || *tree["/pets/{petId}"].PathPart != "{petId}" {
		t.Fatalf("tree: %+v", tree["/pets/{petId}"])
	}

	list := tree["/pets"].ResourceMethods["GET"]
	oaEqual(t, "GET /pets requestParameters", list.RequestParameters,
		map[string]bool{"method.request.querystring.page": false, "method.request.querystring.type": false})
	oaEqual(t, "GET /pets 200", list.MethodResponses["200"], types.MethodResponse{StatusCode: aws.String("200"),
		ResponseModels:     map[string]string{"application/json": "Pets"},
		ResponseParameters: map[string]bool{"method.response.header.Access-Control-Allow-Origin": false}})
	if list.MethodIntegration.Type != types.IntegrationTypeHttp || aws.ToString(list.MethodIntegration.HttpMethod) != "GET" ||
		list.MethodIntegration.IntegrationResponses["200"].SelectionPattern != nil ||
		list.MethodIntegration.IntegrationResponses["200"].ResponseParameters["method.response.header.Access-Control-Allow-Origin"] != "'*'" {
		t.Fatalf("GET /pets integration: %+v", list.MethodIntegration)
	}
	create := tree["/pets"].ResourceMethods["POST"]
	if aws.ToString(create.OperationName) != "CreatePet" || create.RequestModels["application/json"] != "NewPet" ||
		create.MethodResponses["200"].ResponseModels["application/json"] != "NewPetResponse" {
		t.Fatalf("POST /pets: %+v", create)
	}
	pet := tree["/pets/{petId}"].ResourceMethods["GET"]
	oaEqual(t, "GET /pets/{petId} requestParameters", pet.RequestParameters, map[string]bool{"method.request.path.petId": true})
	oaEqual(t, "GET /pets/{petId} integration requestParameters", pet.MethodIntegration.RequestParameters,
		map[string]string{"integration.request.path.petId": "method.request.path.petId"})

	rootIn, err := c.GetIntegration(ctx, &sdk.GetIntegrationInput{RestApiId: ra.Id, ResourceId: tree["/"].Id, HttpMethod: aws.String("GET")})
	if err != nil {
		t.Fatal(err)
	}
	if rootIn.Type != types.IntegrationTypeMock || rootIn.ConnectionType != "" ||
		rootIn.RequestTemplates["application/json"] != `{"statusCode": 200}` ||
		!strings.Contains(rootIn.IntegrationResponses["200"].ResponseTemplates["text/html"], "<h1>Welcome to your Pet Store API</h1>\n") {
		t.Fatalf("GET / integration: %+v", rootIn)
	}
	ir, err := c.GetIntegrationResponse(ctx, &sdk.GetIntegrationResponseInput{RestApiId: ra.Id, ResourceId: tree["/pets"].Id,
		HttpMethod: aws.String("OPTIONS"), StatusCode: aws.String("200")})
	oaPending(t, err, "GetIntegrationResponse")
	if ir.ResponseParameters["method.response.header.Access-Control-Allow-Methods"] != "'POST,GET,OPTIONS'" {
		t.Fatalf("OPTIONS /pets integration response: %+v", ir)
	}

	models, err := c.GetModels(ctx, &sdk.GetModelsInput{RestApiId: ra.Id, Limit: aws.Int32(500)})
	oaPending(t, err, "GetModels")
	byName := map[string]types.Model{}
	for _, m := range models.Items {
		byName[*m.Name] = m
	}
	var names []string
	for n := range byName {
		names = append(names, n)
	}
	sort.Strings(names)
	oaEqual(t, "models", names, []string{"Empty", "NewPet", "NewPetResponse", "Pet", "PetType", "Pets"})
	var pets map[string]any
	if err := json.Unmarshal([]byte(*byName["Pets"].Schema), &pets); err != nil {
		t.Fatalf("Pets schema %q: %v", *byName["Pets"].Schema, err)
	}
	oaEqual(t, "Pets schema", pets, map[string]any{"type": "array",
		"items": map[string]any{"$ref": "https://apigateway.amazonaws.com/restapis/" + *ra.Id + "/models/Pet"}})
	if aws.ToString(byName["Pet"].ContentType) != "application/json" {
		t.Fatalf("Pet model: %+v", byName["Pet"])
	}
}

func TestImportRestApiPetStore(t *testing.T) {
	env := testenv.Start(t)
	c := env.APIGateway()
	for _, f := range []string{"petstore-oas30.json", "petstore-swagger.yaml"} {
		t.Run(f, func(t *testing.T) {
			oaPetStoreChecks(t, c, oaImport(t, c, oaFixture(t, f), nil))
		})
	}
}

func TestImportRestApiExtensions(t *testing.T) {
	env := testenv.Start(t)
	c := env.APIGateway()
	ctx := context.Background()
	ra := oaImport(t, c, oaFixture(t, "secured.yaml"), nil)
	if *ra.Name != "Secured" || aws.ToString(ra.Version) != "2024-01-01" || ra.ApiKeySource != types.ApiKeySourceTypeAuthorizer ||
		aws.ToInt32(ra.MinimumCompressionSize) != 1024 || ra.EndpointConfiguration.Types[0] != types.EndpointTypeRegional ||
		len(ra.Warnings) != 0 {
		t.Fatalf("imported API: %+v", ra)
	}
	oaEqual(t, "binaryMediaTypes", ra.BinaryMediaTypes, []string{"image/png", "application/octet-stream"})
	oaEqual(t, "policy", aws.ToString(ra.Policy),
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/*"}]}`)

	auths, err := c.GetAuthorizers(ctx, &sdk.GetAuthorizersInput{RestApiId: ra.Id})
	oaPending(t, err, "GetAuthorizers")
	byName := map[string]types.Authorizer{}
	for _, a := range auths.Items {
		byName[*a.Name] = a
	}
	if len(byName) != 3 {
		t.Fatalf("authorizers: %+v", auths.Items)
	}
	tok, req, cog := byName["token-auth"], byName["request-auth"], byName["cognito"]
	if tok.Type != types.AuthorizerTypeToken || aws.ToString(tok.IdentitySource) != "method.request.header.Authorization" ||
		aws.ToInt32(tok.AuthorizerResultTtlInSeconds) != 60 || aws.ToString(tok.AuthType) != "custom" ||
		aws.ToString(tok.AuthorizerCredentials) != "arn:aws:iam::123456789012:role/auth-role" ||
		aws.ToString(tok.IdentityValidationExpression) != `^Bearer [-0-9a-zA-z\.]*$` ||
		!strings.HasSuffix(aws.ToString(tok.AuthorizerUri), ":function:auth/invocations") {
		t.Fatalf("token authorizer: %+v", tok)
	}
	if req.Type != types.AuthorizerTypeRequest || aws.ToInt32(req.AuthorizerResultTtlInSeconds) != 0 || req.AuthorizerResultTtlInSeconds == nil ||
		aws.ToString(req.IdentitySource) != "method.request.header.Auth, method.request.querystring.token" {
		t.Fatalf("request authorizer: %+v", req)
	}
	if cog.Type != types.AuthorizerTypeCognitoUserPools || aws.ToString(cog.IdentitySource) != "method.request.header.Authorization" ||
		len(cog.ProviderARNs) != 1 || aws.ToString(cog.AuthType) != "cognito_user_pools" {
		t.Fatalf("cognito authorizer: %+v", cog)
	}

	vals, err := c.GetRequestValidators(ctx, &sdk.GetRequestValidatorsInput{RestApiId: ra.Id})
	oaPending(t, err, "GetRequestValidators")
	valByName := map[string]types.RequestValidator{}
	for _, v := range vals.Items {
		valByName[*v.Name] = v
	}
	if len(valByName) != 2 || !valByName["all"].ValidateRequestBody || !valByName["all"].ValidateRequestParameters ||
		valByName["params-only"].ValidateRequestBody || !valByName["params-only"].ValidateRequestParameters {
		t.Fatalf("validators: %+v", vals.Items)
	}

	tree := oaTree(t, c, *ra.Id)
	oaEqual(t, "paths", oaPaths(tree), []string{"/", "/admin", "/admin/{proxy+}", "/orders", "/orders/{orderId}"})
	list := tree["/orders"].ResourceMethods["GET"]
	if aws.ToString(list.AuthorizationType) != "CUSTOM" || aws.ToString(list.AuthorizerId) != *tok.Id ||
		!aws.ToBool(list.ApiKeyRequired) || aws.ToString(list.RequestValidatorId) != *valByName["params-only"].Id {
		t.Fatalf("GET /orders: %+v", list)
	}
	oaEqual(t, "GET /orders requestParameters", list.RequestParameters,
		map[string]bool{"method.request.querystring.limit": true, "method.request.header.X-Trace": false})
	if list.MethodIntegration.Type != types.IntegrationTypeAwsProxy || list.MethodIntegration.TimeoutInMillis != 10000 ||
		list.MethodIntegration.ConnectionType != "" {
		t.Fatalf("GET /orders integration: %+v", list.MethodIntegration)
	}
	post := tree["/orders"].ResourceMethods["POST"]
	if aws.ToString(post.AuthorizationType) != "COGNITO_USER_POOLS" || aws.ToString(post.AuthorizerId) != *cog.Id ||
		aws.ToBool(post.ApiKeyRequired) || aws.ToString(post.RequestValidatorId) != *valByName["all"].Id ||
		post.RequestModels["application/json"] != "Order" || post.MethodResponses["201"].StatusCode == nil {
		t.Fatalf("POST /orders: %+v", post)
	}
	oaEqual(t, "scopes", post.AuthorizationScopes, []string{"orders/write", "orders/admin"})
	if aws.ToString(post.MethodIntegration.Uri) != aws.ToString(list.MethodIntegration.Uri) {
		t.Fatal("the aliased integration differs")
	}
	del := tree["/orders/{orderId}"].ResourceMethods["DELETE"]
	if aws.ToString(del.AuthorizationType) != "CUSTOM" || aws.ToString(del.AuthorizerId) != *req.Id ||
		!del.RequestParameters["method.request.path.orderId"] {
		t.Fatalf("DELETE /orders/{orderId}: %+v", del)
	}
	oaEqual(t, "integration responses", del.MethodIntegration.IntegrationResponses, map[string]types.IntegrationResponse{
		"204": {StatusCode: aws.String("204"), SelectionPattern: aws.String(`2\d{2}`)},
		"400": {StatusCode: aws.String("400"), SelectionPattern: aws.String(`4\d{2}`),
			ResponseTemplates: map[string]string{"application/json": `{"error": "bad"}`}},
	})
	anyM := tree["/admin/{proxy+}"].ResourceMethods["ANY"]
	if aws.ToString(anyM.AuthorizationType) != "AWS_IAM" || anyM.RequestValidatorId != nil || aws.ToBool(anyM.ApiKeyRequired) ||
		anyM.MethodIntegration.Type != types.IntegrationTypeHttpProxy || aws.ToString(anyM.MethodIntegration.CacheNamespace) != "adminns" {
		t.Fatalf("ANY /admin/{proxy+}: %+v", anyM)
	}
	oaEqual(t, "cacheKeyParameters", anyM.MethodIntegration.CacheKeyParameters, []string{"method.request.path.proxy"})
	if len(tree["/admin"].ResourceMethods) != 0 {
		t.Fatalf("/admin got methods: %+v", tree["/admin"])
	}

	grs, err := c.GetGatewayResponse(ctx, &sdk.GetGatewayResponseInput{RestApiId: ra.Id, ResponseType: types.GatewayResponseTypeMissingAuthenticationToken})
	oaPending(t, err, "GetGatewayResponse")
	if aws.ToString(grs.StatusCode) != "404" || grs.DefaultResponse || grs.ResponseTemplates["application/json"] != "{\"error\": \"not found\"}\n" {
		t.Fatalf("MISSING_AUTHENTICATION_TOKEN: %+v", grs)
	}
	d4, err := c.GetGatewayResponse(ctx, &sdk.GetGatewayResponseInput{RestApiId: ra.Id, ResponseType: types.GatewayResponseTypeDefault4xx})
	if err != nil {
		t.Fatal(err)
	}
	if d4.DefaultResponse || d4.ResponseParameters["gatewayresponse.header.Access-Control-Allow-Origin"] != "'*'" {
		t.Fatalf("DEFAULT_4XX: %+v", d4)
	}

	parts, err := c.GetDocumentationParts(ctx, &sdk.GetDocumentationPartsInput{RestApiId: ra.Id})
	oaPending(t, err, "GetDocumentationParts")
	if len(parts.Items) != 2 {
		t.Fatalf("documentation parts: %+v", parts.Items)
	}

	// A merge of the same document updates the parts in place.
	if _, err := c.PutRestApi(ctx, &sdk.PutRestApiInput{RestApiId: ra.Id, Body: oaFixture(t, "secured.yaml")}); err != nil {
		t.Fatal(err)
	}
	again, err := c.GetDocumentationParts(ctx, &sdk.GetDocumentationPartsInput{RestApiId: ra.Id})
	if err != nil || len(again.Items) != 2 {
		t.Fatalf("documentation parts after merge: %v %+v", err, again)
	}
	ids := map[string]bool{*parts.Items[0].Id: true, *parts.Items[1].Id: true}
	if !ids[*again.Items[0].Id] || !ids[*again.Items[1].Id] {
		t.Fatalf("merge replaced documentation part ids: %+v → %+v", parts.Items, again.Items)
	}

	// ignore=documentation skips them.
	ra2 := oaImport(t, c, oaFixture(t, "secured.yaml"), map[string]string{"ignore": "documentation"})
	parts, err = c.GetDocumentationParts(ctx, &sdk.GetDocumentationPartsInput{RestApiId: ra2.Id})
	if err != nil || len(parts.Items) != 0 {
		t.Fatalf("documentation parts with ignore=documentation: %v %+v", err, parts)
	}
}

func TestImportRestApiParameters(t *testing.T) {
	env := testenv.Start(t)
	c := env.APIGateway()
	swagger := []byte(`{"swagger":"2.0","info":{"title":"bp","version":"1"},"basePath":"/v1/api",
		"paths":{"/items":{"get":{"responses":{"200":{"description":"ok"}}}}}}`)
	oas := []byte(`openapi: 3.0.1
info: {title: bp, version: "1"}
servers:
  - url: https://example.com/{basePath}
    variables:
      basePath: {default: /v2/srv}
paths:
  /items:
    get:
      responses: {"200": {description: ok}}
`)
	cases := []struct {
		body   []byte
		params map[string]string
		want   []string
	}{
		{swagger, nil, []string{"/", "/items"}},
		{swagger, map[string]string{"basepath": "ignore"}, []string{"/", "/items"}},
		{swagger, map[string]string{"basepath": "prepend"}, []string{"/", "/v1", "/v1/api", "/v1/api/items"}},
		{swagger, map[string]string{"basepath": "split"}, []string{"/", "/api", "/api/items"}},
		{oas, map[string]string{"basepath": "prepend"}, []string{"/", "/v2", "/v2/srv", "/v2/srv/items"}},
		{oas, map[string]string{"basepath": "split"}, []string{"/", "/srv", "/srv/items"}},
	}
	for _, tc := range cases {
		ra := oaImport(t, c, tc.body, tc.params)
		oaEqual(t, "paths for "+tc.params["basepath"], oaPaths(oaTree(t, c, *ra.Id)), tc.want)
	}

	ra := oaImport(t, c, swagger, map[string]string{"endpointConfigurationTypes": "REGIONAL"})
	oaEqual(t, "endpoint types", ra.EndpointConfiguration.Types, []types.EndpointType{types.EndpointTypeRegional})

	_, err := c.ImportRestApi(context.Background(), &sdk.ImportRestApiInput{Body: swagger,
		Parameters: map[string]string{"endpointConfigurationTypes": "GLOBAL"}})
	apiErr(t, err, "BadRequestException", "Invalid endpoint configuration type GLOBAL. Valid values are EDGE, REGIONAL and PRIVATE")
}

func TestImportRestApiErrors(t *testing.T) {
	env := testenv.Start(t)
	c := env.APIGateway()
	ctx := context.Background()
	const invalid = "Invalid OpenAPI input."
	cases := []struct {
		name, body, msg string
	}{
		{"not a document", `this is not OpenAPI`, invalid},
		{"broken JSON", `{"openapi": "3.0.1", "info": {`, invalid},
		{"broken YAML", "openapi: 3.0.1\ninfo:\n  title: [x\n", invalid},
		{"a list", `[1, 2]`, invalid},
		{"no version field", `{"info":{"title":"x"},"paths":{}}`, invalid},
		{"OpenAPI 3.1", `{"openapi":"3.1.0","info":{"title":"x","version":"1"},"paths":{}}`, invalid},
		{"Swagger 1.2", `{"swagger":"1.2","info":{"title":"x"},"paths":{}}`, invalid},
		{"no title", `{"openapi":"3.0.1","info":{"version":"1"},"paths":{}}`, invalid},
		{"bad path part", `{"openapi":"3.0.1","info":{"title":"x"},"paths":{"/a b":{}}}`,
			"Errors found during import:\n\tUnable to create resource at path '/a b': Resource's path part only allow a-zA-Z0-9._- and curly braces at the beginning and the end and an optional plus sign before the closing brace."},
		{"two variable siblings", `{"openapi":"3.0.1","info":{"title":"x"},"paths":{"/p/{a}":{},"/p/{b}":{}}}`,
			"Errors found during import:\n\tUnable to create resource at path '/p/{b}': A sibling ({a}) of this resource already has a variable path part -- only one is allowed"},
		{"child of greedy", `{"openapi":"3.0.1","info":{"title":"x"},"paths":{"/{proxy+}/x":{}}}`,
			"Errors found during import:\n\tUnable to create resource at path '/{proxy+}/x': Cannot create a child of a resource with a greedy path variable: {proxy+}"},
		{"integrations", `{"openapi":"3.0.1","info":{"title":"x"},"paths":{"/":{
			"get":{"x-amazon-apigateway-integration":{"type":"http","uri":"https://example.com"}},
			"put":{"x-amazon-apigateway-integration":{"type":"http","httpMethod":"PUT","uri":"not a url"}},
			"post":{"x-amazon-apigateway-integration":{"type":"aws_proxy","httpMethod":"POST","uri":"arn:aws:apigateway:us-east-1:sqs:path/1/q"}},
			"delete":{"x-amazon-apigateway-integration":{"type":"aws","httpMethod":"POST","uri":"lambda"}}}}}`,
			"Errors found during import:" +
				"\n\tUnable to put integration on 'GET' for resource at path '/': Enumeration value for HttpMethod must be non-empty" +
				"\n\tUnable to put integration on 'PUT' for resource at path '/': Invalid HTTP endpoint specified for URI" +
				"\n\tUnable to put integration on 'POST' for resource at path '/': Integrations of type 'AWS_PROXY' currently only supports Lambda function and Firehose stream invocations." +
				"\n\tUnable to put integration on 'DELETE' for resource at path '/': Invalid ARN specified in the request"},
		{"compression size", `{"openapi":"3.0.1","info":{"title":"x"},"x-amazon-apigateway-minimum-compression-size":-1,"paths":{}}`,
			"Errors found during import:\n\tInvalid minimum compression size, must be between 0 and 10485760"},
	}
	before, err := c.GetRestApis(ctx, &sdk.GetRestApisInput{})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := c.ImportRestApi(ctx, &sdk.ImportRestApiInput{Body: []byte(tc.body)})
			apiErr(t, err, "BadRequestException", tc.msg)
		})
	}
	after, err := c.GetRestApis(ctx, &sdk.GetRestApisInput{})
	if err != nil {
		t.Fatal(err)
	}
	if len(after.Items) != len(before.Items) {
		t.Fatalf("a failed import left an API behind: %d → %d", len(before.Items), len(after.Items))
	}

	// Warnings: reported on the API, or as the error with failonwarnings.
	warned := []byte(`{"openapi":"3.0.1","info":{"title":"w"},"paths":{"/a":{"get":{
		"requestBody":{"content":{"application/json":{"schema":{"$ref":"#/components/schemas/Nope"}}}},
		"parameters":[{"name":"c","in":"cookie"}]}}}}`)
	const w1 = "Reference to model 'Nope' not found. Ignoring."
	const w2 = "Unsupported parameter location 'cookie' for parameter 'c' on method 'GET /a'. Ignoring."
	ra := oaImport(t, c, warned, nil)
	oaEqual(t, "warnings", ra.Warnings, []string{w2, w1})
	got, err := c.GetRestApi(ctx, &sdk.GetRestApiInput{RestApiId: ra.Id})
	if err != nil || got.Warnings != nil {
		t.Fatalf("warnings are kept on the API: %v %+v", err, got)
	}
	_, err = c.ImportRestApi(ctx, &sdk.ImportRestApiInput{Body: warned, FailOnWarnings: true})
	apiErr(t, err, "BadRequestException", "Warnings found during import:\n\t"+w2+"\n\t"+w1)
	_, err = c.PutRestApi(ctx, &sdk.PutRestApiInput{RestApiId: ra.Id, Body: warned, FailOnWarnings: true})
	apiErr(t, err, "BadRequestException", "Warnings found during import:\n\t"+w2+"\n\t"+w1)

	_, err = c.PutRestApi(ctx, &sdk.PutRestApiInput{RestApiId: aws.String("nope"), Body: warned})
	apiErr(t, err, "NotFoundException", "Invalid API identifier specified 000000000000:nope")
	_, err = c.PutRestApi(ctx, &sdk.PutRestApiInput{RestApiId: ra.Id, Body: warned, Mode: "replace"})
	apiErr(t, err, "ValidationException", "")
}

func TestPutRestApiMergeAndOverwrite(t *testing.T) {
	env := testenv.Start(t)
	c := env.APIGateway()
	ctx := context.Background()
	v1 := []byte(`openapi: 3.0.1
info: {title: shop, version: "1"}
x-amazon-apigateway-binary-media-types: [image/png]
paths:
  /a:
    get:
      security: [{auth: []}]
      responses: {"200": {description: ok, content: {application/json: {schema: {$ref: "#/components/schemas/M1"}}}}}
      x-amazon-apigateway-integration: {type: mock, requestTemplates: {application/json: '{"statusCode": 200}'}}
  /b:
    get:
      x-amazon-apigateway-integration: {type: mock}
components:
  schemas:
    M1: {type: object}
  securitySchemes:
    auth:
      type: apiKey
      name: Authorization
      in: header
      x-amazon-apigateway-authorizer: {type: token, authorizerUri: "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:a/invocations"}
`)
	v2 := []byte(`openapi: 3.0.1
info: {title: shop2, version: "2"}
x-amazon-apigateway-binary-media-types: [image/gif]
paths:
  /b:
    post:
      x-amazon-apigateway-integration: {type: mock}
  /c:
    get:
      x-amazon-apigateway-integration: {type: mock}
components:
  schemas:
    M2: {type: string}
`)
	v3 := []byte(`openapi: 3.0.1
info: {title: shop3}
paths:
  /c:
    put:
      x-amazon-apigateway-integration: {type: mock}
components:
  schemas:
    M3: {type: number}
`)
	ra := oaImport(t, c, v1, nil)
	before := oaTree(t, c, *ra.Id)

	// merge (the default mode) adds and replaces.
	put, err := c.PutRestApi(ctx, &sdk.PutRestApiInput{RestApiId: ra.Id, Body: v2})
	if err != nil {
		t.Fatal(err)
	}
	if *put.Name != "shop2" || aws.ToString(put.Version) != "2" || *put.RootResourceId != *ra.RootResourceId {
		t.Fatalf("merge result: %+v", put)
	}
	oaEqual(t, "binary types after merge", put.BinaryMediaTypes, []string{"image/png", "image/gif"})
	tree := oaTree(t, c, *ra.Id)
	oaEqual(t, "paths after merge", oaPaths(tree), []string{"/", "/a", "/b", "/c"})
	oaEqual(t, "/b after merge", oaVerbs(tree["/b"]), []string{"GET", "POST"})
	if *tree["/b"].Id != *before["/b"].Id || aws.ToString(tree["/a"].ResourceMethods["GET"].AuthorizationType) != "CUSTOM" {
		t.Fatalf("merge changed what the document did not mention: %+v", tree)
	}
	models, err := c.GetModels(ctx, &sdk.GetModelsInput{RestApiId: ra.Id})
	oaPending(t, err, "GetModels")
	var names []string
	for _, m := range models.Items {
		names = append(names, *m.Name)
	}
	sort.Strings(names)
	oaEqual(t, "models after merge", names, []string{"M1", "M2"})

	// overwrite replaces everything; surviving paths keep their ids.
	put, err = c.PutRestApi(ctx, &sdk.PutRestApiInput{RestApiId: ra.Id, Body: v3, Mode: types.PutModeOverwrite})
	if err != nil {
		t.Fatal(err)
	}
	if *put.Name != "shop3" || *put.RootResourceId != *ra.RootResourceId || len(put.BinaryMediaTypes) != 0 {
		t.Fatalf("overwrite result: %+v", put)
	}
	after := oaTree(t, c, *ra.Id)
	oaEqual(t, "paths after overwrite", oaPaths(after), []string{"/", "/c"})
	oaEqual(t, "/c after overwrite", oaVerbs(after["/c"]), []string{"PUT"})
	if *after["/c"].Id != *tree["/c"].Id || *after["/"].Id != *ra.RootResourceId {
		t.Fatal("overwrite changed the ids of resources it kept")
	}
	models, err = c.GetModels(ctx, &sdk.GetModelsInput{RestApiId: ra.Id})
	if err != nil || len(models.Items) != 1 || *models.Items[0].Name != "M3" {
		t.Fatalf("models after overwrite: %v %+v", err, models)
	}
	auths, err := c.GetAuthorizers(ctx, &sdk.GetAuthorizersInput{RestApiId: ra.Id})
	oaPending(t, err, "GetAuthorizers")
	if len(auths.Items) != 0 {
		t.Fatalf("authorizers after overwrite: %+v", auths.Items)
	}
	if _, err := c.GetResource(ctx, &sdk.GetResourceInput{RestApiId: ra.Id, ResourceId: tree["/a"].Id}); err == nil {
		t.Fatal("overwrite kept /a")
	}
}

// oaExportDoc fetches an export and decodes it (JSON, or YAML through the
// importer's own reader).
func oaExportDoc(t *testing.T, c *sdk.Client, apiID, stage, typ, accept, ext string) (map[string]any, *sdk.GetExportOutput) {
	t.Helper()
	in := &sdk.GetExportInput{RestApiId: &apiID, StageName: &stage, ExportType: &typ}
	if accept != "" {
		in.Accepts = &accept
	}
	if ext != "" {
		in.Parameters = map[string]string{"extensions": ext}
	}
	out, err := c.GetExport(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	body := out.Body
	if strings.Contains(accept, "yaml") {
		js, err := apigateway.OpenAPIToJSON(body)
		if err != nil {
			t.Fatalf("YAML export does not parse: %v\n%s", err, body)
		}
		body = []byte(js)
	}
	var doc map[string]any
	if err := json.Unmarshal(body, &doc); err != nil {
		t.Fatalf("export is not JSON: %v\n%s", err, out.Body)
	}
	return doc, out
}

// oaSameAPI asserts that two APIs have the same resources and methods.
// Resource ids and cache namespaces may differ; authorizers and request
// validators are compared by name.
func oaSameAPI(t *testing.T, c *sdk.Client, what, wantID, gotID string) {
	t.Helper()
	names := func(apiID string) map[string]string {
		n := map[string]string{}
		auths, err := c.GetAuthorizers(context.Background(), &sdk.GetAuthorizersInput{RestApiId: &apiID})
		oaPending(t, err, "GetAuthorizers")
		for _, a := range auths.Items {
			n[*a.Id] = "authorizer " + *a.Name
		}
		vals, err := c.GetRequestValidators(context.Background(), &sdk.GetRequestValidatorsInput{RestApiId: &apiID})
		oaPending(t, err, "GetRequestValidators")
		for _, v := range vals.Items {
			n[*v.Id] = "validator " + *v.Name
		}
		return n
	}
	wantNames, gotNames := names(wantID), names(gotID)
	want, got := oaTree(t, c, wantID), oaTree(t, c, gotID)
	oaEqual(t, what+": paths", oaPaths(got), oaPaths(want))
	for p, r := range want {
		oaEqual(t, what+": methods of "+p, oaVerbs(got[p]), oaVerbs(r))
		for verb, m := range r.ResourceMethods {
			g := got[p].ResourceMethods[verb]
			if g.MethodIntegration != nil && m.MethodIntegration != nil {
				g.MethodIntegration.CacheNamespace, m.MethodIntegration.CacheNamespace = nil, nil
			}
			for _, f := range []struct {
				p     **string
				names map[string]string
			}{{&g.AuthorizerId, gotNames}, {&g.RequestValidatorId, gotNames}, {&m.AuthorizerId, wantNames}, {&m.RequestValidatorId, wantNames}} {
				if *f.p != nil {
					*f.p = aws.String(f.names[**f.p])
				}
			}
			oaEqual(t, what+": "+verb+" "+p, g, m)
		}
	}
}

func TestGetExport(t *testing.T) {
	env := testenv.Start(t)
	c := env.APIGateway()
	ctx := context.Background()
	ra := oaImport(t, c, oaFixture(t, "petstore-oas30.json"), nil)
	dep, err := c.CreateDeployment(ctx, &sdk.CreateDeploymentInput{RestApiId: ra.Id, StageName: aws.String("local")})
	oaPending(t, err, "CreateDeployment")
	date := dep.CreatedDate.UTC().Format("2006-01-02T15:04:05Z")

	// Swagger, no extensions: the AWS shape.
	sw, out := oaExportDoc(t, c, *ra.Id, "local", "swagger", "application/json", "")
	if aws.ToString(out.ContentDisposition) != `attachment; filename="swagger_`+date+`.json"` ||
		aws.ToString(out.ContentType) != "application/octet-stream" {
		t.Fatalf("headers: %q %q", aws.ToString(out.ContentDisposition), aws.ToString(out.ContentType))
	}
	if sw["swagger"] != "2.0" || sw["host"] != *ra.Id+".execute-api.us-east-1.amazonaws.com" || sw["basePath"] != "/local" ||
		!reflect.DeepEqual(sw["schemes"], []any{"https"}) || sw["info"].(map[string]any)["version"] != date ||
		sw["info"].(map[string]any)["title"] != "PetStore" {
		t.Fatalf("swagger export: %v", sw)
	}
	paths := sw["paths"].(map[string]any)
	getPet := paths["/pets/{petId}"].(map[string]any)["get"].(map[string]any)
	oaEqual(t, "swagger GET /pets/{petId}", getPet, map[string]any{
		"operationId": "GetPet",
		"produces":    []any{"application/json"},
		"parameters":  []any{map[string]any{"name": "petId", "in": "path", "required": true, "type": "string"}},
		"responses": map[string]any{"200": map[string]any{"description": "200 response",
			"schema":  map[string]any{"$ref": "#/definitions/Pet"},
			"headers": map[string]any{"Access-Control-Allow-Origin": map[string]any{"type": "string"}}}},
	})
	root := paths["/"].(map[string]any)["get"].(map[string]any)
	oaEqual(t, "swagger GET / consumes", root["consumes"], []any{"application/json"})
	oaEqual(t, "swagger GET / produces", root["produces"], []any{"text/html"})
	oaEqual(t, "swagger definitions Pets", sw["definitions"].(map[string]any)["Pets"],
		map[string]any{"type": "array", "items": map[string]any{"$ref": "#/definitions/Pet"}})

	// OpenAPI 3 with the API Gateway extensions.
	oas, _ := oaExportDoc(t, c, *ra.Id, "local", "oas30", "", "apigateway")
	srv := oas["servers"].([]any)[0].(map[string]any)
	if oas["openapi"] != "3.0.1" || srv["url"] != "https://"+*ra.Id+".execute-api.us-east-1.amazonaws.com/{basePath}" ||
		srv["variables"].(map[string]any)["basePath"].(map[string]any)["default"] != "local" {
		t.Fatalf("oas30 export: %v", oas)
	}
	post := oas["paths"].(map[string]any)["/pets"].(map[string]any)["post"].(map[string]any)
	oaEqual(t, "oas30 POST /pets requestBody", post["requestBody"], map[string]any{"required": true,
		"content": map[string]any{"application/json": map[string]any{"schema": map[string]any{"$ref": "#/components/schemas/NewPet"}}}})
	oaEqual(t, "oas30 POST /pets integration", post["x-amazon-apigateway-integration"], map[string]any{
		"type": "http", "httpMethod": "POST", "uri": "http://petstore.execute-api.us-east-1.amazonaws.com/petstore/pets",
		"passthroughBehavior": "when_no_match",
		"responses": map[string]any{"default": map[string]any{"statusCode": "200",
			"responseParameters": map[string]any{"method.response.header.Access-Control-Allow-Origin": "'*'"}}},
	})
	rootOAS := oas["paths"].(map[string]any)["/"].(map[string]any)["get"].(map[string]any)
	oaEqual(t, "oas30 GET / responses", rootOAS["responses"], map[string]any{"200": map[string]any{
		"description": "200 response", "content": map[string]any{},
		"headers": map[string]any{"Content-Type": map[string]any{"schema": map[string]any{"type": "string"}}}}})

	// Round trip: the extended export imports back to the same API.
	for _, typ := range []string{"oas30", "swagger"} {
		_, o := oaExportDoc(t, c, *ra.Id, "local", typ, "", "apigateway")
		oaSameAPI(t, c, typ, *ra.Id, *oaImport(t, c, o.Body, nil).Id)
	}

	_, err = c.GetExport(ctx, &sdk.GetExportInput{RestApiId: ra.Id, StageName: aws.String("nope"), ExportType: aws.String("oas30")})
	apiErr(t, err, "NotFoundException", "Invalid Stage identifier specified")
	_, err = c.GetExport(ctx, &sdk.GetExportInput{RestApiId: aws.String("nope"), StageName: aws.String("local"), ExportType: aws.String("oas30")})
	apiErr(t, err, "NotFoundException", "Invalid API identifier specified 000000000000:nope")
	_, err = c.GetExport(ctx, &sdk.GetExportInput{RestApiId: ra.Id, StageName: aws.String("local"), ExportType: aws.String("raml")})
	apiErr(t, err, "BadRequestException", "Invalid export type specified: raml. Valid values are oas30 and swagger")
}

// Exporting with extensions=apigateway keeps everything the importer reads:
// authorizers, API keys, IAM, validators, gateway responses and API settings.
func TestGetExportRoundTripExtensions(t *testing.T) {
	env := testenv.Start(t)
	c := env.APIGateway()
	ctx := context.Background()
	ra := oaImport(t, c, oaFixture(t, "secured.yaml"), nil)
	_, err := c.CreateDeployment(ctx, &sdk.CreateDeploymentInput{RestApiId: ra.Id, StageName: aws.String("prod")})
	oaPending(t, err, "CreateDeployment")

	authorizers := func(apiID string) map[string]types.Authorizer {
		out, err := c.GetAuthorizers(ctx, &sdk.GetAuthorizersInput{RestApiId: &apiID})
		oaPending(t, err, "GetAuthorizers")
		m := map[string]types.Authorizer{}
		for _, a := range out.Items {
			a.Id = nil
			m[*a.Name] = a
		}
		return m
	}
	gatewayResponses := func(apiID string) map[types.GatewayResponseType]types.GatewayResponse {
		m := map[types.GatewayResponseType]types.GatewayResponse{}
		for _, typ := range []types.GatewayResponseType{types.GatewayResponseTypeDefault4xx, types.GatewayResponseTypeMissingAuthenticationToken} {
			g, err := c.GetGatewayResponse(ctx, &sdk.GetGatewayResponseInput{RestApiId: &apiID, ResponseType: typ})
			oaPending(t, err, "GetGatewayResponse")
			m[typ] = types.GatewayResponse{ResponseType: g.ResponseType, StatusCode: g.StatusCode,
				ResponseParameters: g.ResponseParameters, ResponseTemplates: g.ResponseTemplates, DefaultResponse: g.DefaultResponse}
		}
		return m
	}
	for _, typ := range []string{"oas30", "swagger"} {
		_, o := oaExportDoc(t, c, *ra.Id, "prod", typ, "", "apigateway")
		again := oaImport(t, c, o.Body, nil)
		if len(again.Warnings) != 0 {
			t.Fatalf("%s re-import warned: %v\n%s", typ, again.Warnings, o.Body)
		}
		oaSameAPI(t, c, typ, *ra.Id, *again.Id)
		oaEqual(t, typ+" authorizers", authorizers(*again.Id), authorizers(*ra.Id))
		oaEqual(t, typ+" gateway responses", gatewayResponses(*again.Id), gatewayResponses(*ra.Id))
		if again.ApiKeySource != ra.ApiKeySource || aws.ToInt32(again.MinimumCompressionSize) != 1024 ||
			aws.ToString(again.Policy) != aws.ToString(ra.Policy) || !reflect.DeepEqual(again.BinaryMediaTypes, ra.BinaryMediaTypes) ||
			aws.ToString(again.Version) != "2024-01-01" || aws.ToString(again.Description) != aws.ToString(ra.Description) {
			t.Fatalf("%s API settings: %+v", typ, again)
		}
	}

	// Without extensions the document has no x-amazon-apigateway-* at all.
	plain, out := oaExportDoc(t, c, *ra.Id, "prod", "oas30", "", "")
	if strings.Contains(string(out.Body), "x-amazon-apigateway-integration") || strings.Contains(string(out.Body), "x-amazon-apigateway-authorizer") ||
		strings.Contains(string(out.Body), "x-amazon-apigateway-request-validator") {
		t.Fatalf("plain export has extensions:\n%s", out.Body)
	}
	schemes := plain["components"].(map[string]any)["securitySchemes"].(map[string]any)
	oaEqual(t, "plain api_key scheme", schemes["api_key"], map[string]any{"type": "apiKey", "name": "x-api-key", "in": "header"})
	oaEqual(t, "plain token scheme", schemes["token-auth"], map[string]any{"type": "apiKey", "name": "Authorization", "in": "header",
		"x-amazon-apigateway-authtype": "custom"})
	get := plain["paths"].(map[string]any)["/orders"].(map[string]any)["get"].(map[string]any)
	oaEqual(t, "GET /orders security", get["security"], []any{map[string]any{"token-auth": []any{}}, map[string]any{"api_key": []any{}}})
	_, out = oaExportDoc(t, c, *ra.Id, "prod", "swagger", "", "authorizers")
	if !strings.Contains(string(out.Body), "x-amazon-apigateway-authorizer") || strings.Contains(string(out.Body), "x-amazon-apigateway-integration") {
		t.Fatalf("extensions=authorizers export:\n%s", out.Body)
	}
}

// The export comes from the deployment, not from the live API.
func TestGetExportServesTheDeployedSnapshot(t *testing.T) {
	env := testenv.Start(t)
	c := env.APIGateway()
	ctx := context.Background()
	ra := oaImport(t, c, oaFixture(t, "seed001.json"), nil)
	_, err := c.CreateDeployment(ctx, &sdk.CreateDeploymentInput{RestApiId: ra.Id, StageName: aws.String("prod")})
	oaPending(t, err, "CreateDeployment")
	if _, err := c.PutRestApi(ctx, &sdk.PutRestApiInput{RestApiId: ra.Id, Mode: types.PutModeOverwrite,
		Body: []byte(`{"openapi":"3.0.1","info":{"title":"changed"},"paths":{"/other":{"get":{"x-amazon-apigateway-integration":{"type":"mock"}}}}}`)}); err != nil {
		t.Fatal(err)
	}
	doc, _ := oaExportDoc(t, c, *ra.Id, "prod", "swagger", "", "")
	paths := doc["paths"].(map[string]any)
	if _, ok := paths["/path1"]; !ok || len(paths) != 1 || doc["info"].(map[string]any)["title"] != "example" {
		t.Fatalf("export does not show the deployed API: %v", doc)
	}
}

func TestImportRestApiBoto3(t *testing.T) {
	env := testenv.Start(t)
	path, err := filepath.Abs(filepath.Join("testdata", "openapi", "petstore-swagger.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	out := env.Python(t, `
import json, boto3
c = boto3.client('apigateway')
with open(`+"'"+path+"'"+`) as f:
    ra = c.import_rest_api(body=f.read(), parameters={'endpointConfigurationTypes': 'REGIONAL'})
res = c.get_resources(restApiId=ra['id'], embed=['methods'])
paths = sorted(r['path'] for r in res['items'])
pets = [r for r in res['items'] if r['path'] == '/pets'][0]
print(json.dumps({'status': ra['ResponseMetadata']['HTTPStatusCode'], 'name': ra['name'],
    'types': ra['endpointConfiguration']['types'], 'paths': paths,
    'post': pets['resourceMethods']['POST']['requestModels']}))
`)
	var got map[string]any
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	oaEqual(t, "boto3 import", got, map[string]any{"status": float64(201), "name": "PetStore", "types": []any{"REGIONAL"},
		"paths": []any{"/", "/pets", "/pets/{petId}"}, "post": map[string]any{"application/json": "NewPet"}})
}

// YAML exports, asked for with Accept (which the Go SDK cannot send: it
// forces Accept: application/json on every API Gateway call).
func TestGetExportYAMLBoto3(t *testing.T) {
	env := testenv.Start(t)
	c := env.APIGateway()
	ra := oaImport(t, c, oaFixture(t, "petstore-swagger.yaml"), nil)
	_, err := c.CreateDeployment(context.Background(), &sdk.CreateDeploymentInput{RestApiId: ra.Id, StageName: aws.String("v1")})
	oaPending(t, err, "CreateDeployment")
	out := env.Python(t, `
import json, boto3
c = boto3.client('apigateway')
res = {}
for typ in ('oas30', 'swagger'):
    r = c.get_export(restApiId='`+*ra.Id+`', stageName='v1', exportType=typ, accepts='application/yaml',
                     parameters={'extensions': 'apigateway'})
    res[typ] = {'body': r['body'].read().decode(), 'cd': r['contentDisposition']}
print(json.dumps(res))
`)
	var got map[string]struct{ Body, CD string }
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	for _, typ := range []string{"oas30", "swagger"} {
		e := got[typ]
		if !strings.HasPrefix(e.CD, `attachment; filename="`+typ+"_") || !strings.HasSuffix(e.CD, `.yaml"`) ||
			strings.HasPrefix(strings.TrimSpace(e.Body), "{") {
			t.Fatalf("%s YAML export: %q\n%s", typ, e.CD, e.Body)
		}
		js, err := apigateway.OpenAPIToJSON([]byte(e.Body))
		if err != nil {
			t.Fatalf("%s YAML export does not parse: %v\n%s", typ, err, e.Body)
		}
		var fromYAML map[string]any
		if err := json.Unmarshal([]byte(js), &fromYAML); err != nil {
			t.Fatal(err)
		}
		fromJSON, _ := oaExportDoc(t, c, *ra.Id, "v1", typ, "", "apigateway")
		oaEqual(t, typ+" YAML and JSON exports", fromYAML, fromJSON)
		oaSameAPI(t, c, typ+" YAML round trip", *ra.Id, *oaImport(t, c, []byte(e.Body), nil).Id)
	}
}

func TestImportRestApiCLI(t *testing.T) {
	env := testenv.Start(t)
	path, err := filepath.Abs(filepath.Join("testdata", "openapi", "secured.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	ra := env.MustCLI(t, "apigateway", "import-rest-api", "--body", "fileb://"+path, "--fail-on-warnings")
	if ra["name"] != "Secured" || ra["apiKeySource"] != "AUTHORIZER" {
		t.Fatalf("import-rest-api: %v", ra)
	}
	id := ra["id"].(string)
	res := env.MustCLI(t, "apigateway", "get-resources", "--rest-api-id", id)
	if n := len(res["items"].([]any)); n != 5 {
		t.Fatalf("get-resources: %d items: %v", n, res)
	}
	put := env.MustCLI(t, "apigateway", "put-rest-api", "--rest-api-id", id, "--mode", "overwrite",
		"--body", "fileb://"+filepath.Join(filepath.Dir(path), "seed001.json"))
	if put["name"] != "example" {
		t.Fatalf("put-rest-api: %v", put)
	}
	_, stderr, code := env.CLI(t, "apigateway", "import-rest-api", "--body", "fileb://"+filepath.Join(filepath.Dir(path), "..", "..", "openapi.go"))
	if code == 0 || !strings.Contains(stderr, "BadRequestException") || !strings.Contains(stderr, "Invalid OpenAPI input.") {
		t.Fatalf("importing Go source: exit %d, %s", code, stderr)
	}

	// get-export writes the document to a file.
	dep := env.MustCLI(t, "apigateway", "create-deployment", "--rest-api-id", id, "--stage-name", "dev")
	if dep["id"] == nil {
		t.Fatalf("create-deployment: %v", dep)
	}
	outFile := filepath.Join(t.TempDir(), "export.json")
	meta := env.MustCLI(t, "apigateway", "get-export", "--rest-api-id", id, "--stage-name", "dev",
		"--export-type", "swagger", "--parameters", "extensions=integrations", outFile)
	if !strings.HasPrefix(meta["contentDisposition"].(string), `attachment; filename="swagger_`) {
		t.Fatalf("get-export: %v", meta)
	}
	b, err := os.ReadFile(outFile)
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(b, &doc); err != nil || doc["basePath"] != "/dev" {
		t.Fatalf("exported file: %v\n%s", err, b)
	}
}

// TestOpenAPIYAMLReader covers the YAML forms the importer reads.
func TestOpenAPIYAMLReader(t *testing.T) {
	cases := []struct{ name, in, want string }{
		{"block map", "a: 1\nb: x\n", `{"a":1,"b":"x"}`},
		{"nested and comments", "# c\na:\n  b: c # trailing\n  d:\n    e: f\n", `{"a":{"b":"c","d":{"e":"f"}}}`},
		{"sequences", "a:\n- 1\n- two\nb:\n  - x: 1\n    y: 2\n  - - n\n", `{"a":[1,"two"],"b":[{"x":1,"y":2},["n"]]}`},
		{"flow", "a: {b: [1, 2, {c: d}], e: 'f'}\n", `{"a":{"b":[1,2,{"c":"d"}],"e":"f"}}`},
		{"multi-line flow", "a: [\n  x,\n  y\n]\n", `{"a":["x","y"]}`},
		{"scalars", "a: ~\nb: true\nc: False\nd: 1.0\ne: 0x1F\nf: 007\ng: .inf\nh: 2.0.1\ni: '1.0'\n",
			`{"a":null,"b":true,"c":false,"d":1.0,"e":31,"f":7,"g":".inf","h":"2.0.1","i":"1.0"}`},
		{"quoted", "a: \"x\\ty\\u00e9\\\"\"\nb: 'it''s'\n\"c d\": e\n", `{"a":"x\tyé\"","b":"it's","c d":"e"}`},
		{"multi-line quoted", "a: \"one\n  two\n\n  three\"\n", `{"a":"one two\nthree"}`},
		{"plain continuation", "a: one\n  two\nb: c\n", `{"a":"one two","b":"c"}`},
		{"literal", "a: |\n  l1\n   l2\n\nb: x\n", `{"a":"l1\n l2\n","b":"x"}`},
		{"literal strip keep", "a: |-\n  x\n\nb: |+\n  y\n\nc: 1\n", `{"a":"x","b":"y\n\n","c":1}`},
		{"folded", "a: >\n  one\n  two\n\n  three\n", `{"a":"one two\nthree\n"}`},
		{"explicit indent", "a: |2\n    x\n  y\n", `{"a":"  x\ny\n"}`},
		{"anchors", "a: &x {k: v}\nb: *x\nc: &y\n  - 1\nd: *y\n", `{"a":{"k":"v"},"b":{"k":"v"},"c":[1],"d":[1]}`},
		{"tags", "a: !!str 123\nb: !custom x\n", `{"a":"123","b":"x"}`},
		{"document markers", "%YAML 1.2\n---\na: 1\n...\n", `{"a":1}`},
		{"keys that are numbers", "200:\n  d: x\n", `{"200":{"d":"x"}}`},
		{"url values", "u: http://x/y:z\n", `{"u":"http://x/y:z"}`},
		{"json", `{"a": [1, {"b": null}], "c": "\u00e9"}`, `{"a":[1,{"b":null}],"c":"é"}`},
		{"crlf", "a: 1\r\nb:\r\n  - x\r\n", `{"a":1,"b":["x"]}`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := apigateway.OpenAPIToJSON([]byte(tc.in))
			if err != nil {
				t.Fatalf("%v\ninput:\n%s", err, tc.in)
			}
			if got != tc.want {
				t.Fatalf("got  %s\nwant %s", got, tc.want)
			}
		})
	}
	for _, bad := range []string{"a: [1, 2\n", "a: 'x\n", "a: *nope\n", "a:\n  b: 1\n c: 2\n", "? a\n: b\n", "a: b: c\n",
		"a: &x [*x]\n", "- a\nb: c\n"} {
		if got, err := apigateway.OpenAPIToJSON([]byte(bad)); err == nil {
			t.Errorf("%q parsed as %s", bad, got)
		}
	}
	// Alias expansion is bounded.
	bomb := "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
	prev := "a"
	for i := 0; i < 12; i++ {
		n := string(rune('b' + i))
		bomb += n + ": &" + n + " [*" + prev + ", *" + prev + ", *" + prev + ", *" + prev + ", *" + prev + ", *" + prev + ", *" + prev + ", *" + prev + ", *" + prev + ", *" + prev + "]\n"
		prev = n
	}
	if _, err := apigateway.OpenAPIToJSON([]byte(bomb)); err == nil {
		t.Fatal("alias bomb accepted")
	}
}

// FuzzImportRestApi feeds arbitrary bodies to the import's parse and map
// stage: it must never panic, and every failure must be a 400
// BadRequestException.
func FuzzImportRestApi(f *testing.F) {
	for _, name := range []string{"seed001.json", "petstore-oas30.json", "petstore-swagger.yaml", "secured.yaml"} {
		f.Add(oaFixture(f, name))
	}
	for _, s := range []string{"", "{}", "[]", "a: &a [*a]", "openapi: 3.0.1\ninfo: {title: t}\npaths:\n  /{a+}/b: {}\n",
		"swagger: '2.0'\ninfo: {title: x}\npaths: {/x: {get: {parameters: [{$ref: '#/parameters/p'}]}}}\n",
		"openapi: 3.0.1\npaths:\n  /a: {$ref: '#/paths/~1a'}\n", "a: |\n b\nc: >-\n  d\n", "\"\\U0010FFFF\": x"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		_, err := apigateway.OpenAPIParseAndMap(body, map[string]string{"basepath": "prepend"})
		if err != nil {
			var br *api.BadRequestException
			if !errors.As(err, &br) {
				t.Fatalf("error is not a BadRequestException: %T %v", err, err)
			}
		}
	})
}
