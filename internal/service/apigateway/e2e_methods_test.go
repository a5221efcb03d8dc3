package apigateway_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/stagecraft/stagecraft/internal/testenv"
)

// TestMethodsBoto3Seed001 builds the REST API of seed 001's Terraform
// example (resource /example, GET with authorization NONE, a MOCK
// integration) through boto3, then reads everything back and compares the
// JSON with what AWS answers.
func TestMethodsBoto3Seed001(t *testing.T) {
	env := testenv.Start(t)
	out := env.Python(t, `
import json, boto3
from botocore.exceptions import ClientError
c = boto3.client("apigateway")
api = c.create_rest_api(name="example")
a = api["id"]
res = c.create_resource(restApiId=a, parentId=api["rootResourceId"], pathPart="example")
r = res["id"]
def body(resp):
    status = resp.pop("ResponseMetadata")["HTTPStatusCode"]
    return {"status": status, "body": resp}
def err(fn, **kw):
    try:
        fn(**kw)
    except ClientError as e:
        return {"code": e.response["Error"]["Code"], "message": e.response["Error"]["Message"],
                "status": e.response["ResponseMetadata"]["HTTPStatusCode"]}
    return None
out = {"resource": r}
out["put_method"] = body(c.put_method(restApiId=a, resourceId=r, httpMethod="GET", authorizationType="NONE"))
out["put_method_again"] = err(c.put_method, restApiId=a, resourceId=r, httpMethod="GET", authorizationType="NONE")
out["get_integration_none"] = err(c.get_integration, restApiId=a, resourceId=r, httpMethod="GET")
out["put_integration"] = body(c.put_integration(restApiId=a, resourceId=r, httpMethod="GET", type="MOCK"))
out["get_integration"] = body(c.get_integration(restApiId=a, resourceId=r, httpMethod="GET"))
out["put_method_response"] = body(c.put_method_response(restApiId=a, resourceId=r, httpMethod="GET", statusCode="200",
    responseModels={}, responseParameters={}))
out["update_method_response"] = body(c.update_method_response(restApiId=a, resourceId=r, httpMethod="GET", statusCode="200",
    patchOperations=[{"op": "add", "path": "/responseModels/application~1json", "value": "Empty"}]))
out["get_method"] = body(c.get_method(restApiId=a, resourceId=r, httpMethod="GET"))
out["resources"] = body(c.get_resources(restApiId=a, embed=["methods"]))
out["delete_method_response"] = body(c.delete_method_response(restApiId=a, resourceId=r, httpMethod="GET", statusCode="200"))
out["delete_integration"] = body(c.delete_integration(restApiId=a, resourceId=r, httpMethod="GET"))
out["delete_method"] = body(c.delete_method(restApiId=a, resourceId=r, httpMethod="GET"))
out["get_method_gone"] = err(c.get_method, restApiId=a, resourceId=r, httpMethod="GET")
print(json.dumps(out))
`)
	var got map[string]any
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	res := got["resource"].(string)
	method := map[string]any{"apiKeyRequired": false, "authorizationType": "NONE", "httpMethod": "GET"}
	integration := map[string]any{
		"type": "MOCK", "passthroughBehavior": "WHEN_NO_MATCH", "timeoutInMillis": float64(29000),
		"cacheNamespace": res, "cacheKeyParameters": []any{},
	}
	full := map[string]any{
		"apiKeyRequired": false, "authorizationType": "NONE", "httpMethod": "GET",
		"methodIntegration": integration,
		"methodResponses": map[string]any{"200": map[string]any{
			"statusCode": "200", "responseModels": map[string]any{"application/json": "Empty"}, "responseParameters": map[string]any{},
		}},
	}
	empty := map[string]any{"status": float64(204), "body": map[string]any{}}
	want := map[string]any{
		"resource":   res,
		"put_method": map[string]any{"status": float64(201), "body": method},
		"put_method_again": map[string]any{"code": "ConflictException", "message": "Method already exists for this resource",
			"status": float64(409)},
		"get_integration_none": map[string]any{"code": "NotFoundException", "message": "Invalid Integration identifier specified",
			"status": float64(404)},
		"put_integration": map[string]any{"status": float64(201), "body": integration},
		"get_integration": map[string]any{"status": float64(200), "body": integration},
		"put_method_response": map[string]any{"status": float64(201), "body": map[string]any{
			"statusCode": "200", "responseModels": map[string]any{}, "responseParameters": map[string]any{}}},
		"update_method_response": map[string]any{"status": float64(201), "body": map[string]any{
			"statusCode": "200", "responseModels": map[string]any{"application/json": "Empty"}, "responseParameters": map[string]any{}}},
		"get_method":             map[string]any{"status": float64(200), "body": full},
		"delete_method_response": empty,
		"delete_integration":     empty,
		"delete_method":          empty,
		"get_method_gone": map[string]any{"code": "NotFoundException", "message": "Invalid Method identifier specified",
			"status": float64(404)},
	}
	// The resource listing embeds the same method under /example.
	resources := got["resources"].(map[string]any)["body"].(map[string]any)["items"].([]any)
	var embedded any
	for _, it := range resources {
		if m := it.(map[string]any); m["path"] == "/example" {
			embedded = m["resourceMethods"].(map[string]any)["GET"]
		}
	}
	if diff := cmp.Diff(full, embedded); diff != "" {
		t.Errorf("GetResources embed=methods (-want +got):\n%s", diff)
	}
	delete(got, "resources")
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("boto3 answers (-want +got):\n%s", diff)
	}
}

// TestMethodsCLI drives put-method, put-integration and get-method through
// AWS CLI v1 (integrationHttpMethod travels as JSON httpMethod).
func TestMethodsCLI(t *testing.T) {
	env := testenv.Start(t)
	api := env.MustCLI(t, "apigateway", "create-rest-api", "--name", "cli")
	apiID, root := api["id"].(string), api["rootResourceId"].(string)
	res := env.MustCLI(t, "apigateway", "create-resource", "--rest-api-id", apiID, "--parent-id", root, "--path-part", "items")
	resID := res["id"].(string)

	pm := env.MustCLI(t, "apigateway", "put-method", "--rest-api-id", apiID, "--resource-id", resID, "--http-method", "POST",
		"--authorization-type", "NONE", "--api-key-required", "--request-parameters", `{"method.request.querystring.q":true}`)
	wantMethod := map[string]any{"apiKeyRequired": true, "authorizationType": "NONE", "httpMethod": "POST",
		"requestParameters": map[string]any{"method.request.querystring.q": true}}
	if diff := cmp.Diff(wantMethod, pm); diff != "" {
		t.Errorf("put-method (-want +got):\n%s", diff)
	}

	pi := env.MustCLI(t, "apigateway", "put-integration", "--rest-api-id", apiID, "--resource-id", resID, "--http-method", "POST",
		"--type", "HTTP", "--integration-http-method", "PUT", "--uri", "https://example.com/items",
		"--request-parameters", `{"integration.request.querystring.q":"method.request.querystring.q"}`)
	wantIntegration := map[string]any{
		"type": "HTTP", "httpMethod": "PUT", "uri": "https://example.com/items", "connectionType": "INTERNET",
		"requestParameters":   map[string]any{"integration.request.querystring.q": "method.request.querystring.q"},
		"passthroughBehavior": "WHEN_NO_MATCH", "timeoutInMillis": float64(29000), "cacheNamespace": resID, "cacheKeyParameters": []any{},
	}
	if diff := cmp.Diff(wantIntegration, pi); diff != "" {
		t.Errorf("put-integration (-want +got):\n%s", diff)
	}

	gm := env.MustCLI(t, "apigateway", "get-method", "--rest-api-id", apiID, "--resource-id", resID, "--http-method", "POST")
	wantMethod["methodIntegration"] = wantIntegration
	if diff := cmp.Diff(wantMethod, gm); diff != "" {
		t.Errorf("get-method (-want +got):\n%s", diff)
	}

	_, stderr, code := env.CLI(t, "apigateway", "put-method", "--rest-api-id", apiID, "--resource-id", resID, "--http-method", "FETCH",
		"--authorization-type", "NONE")
	if code == 0 || !strings.Contains(stderr, "BadRequestException") ||
		!strings.Contains(stderr, "Invalid HttpMethod specified. Valid options are GET,PUT,POST,DELETE,PATCH,OPTIONS,HEAD,ANY") {
		t.Errorf("put-method FETCH: exit %d\n%s", code, stderr)
	}
}
