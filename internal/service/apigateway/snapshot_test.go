package apigateway_test

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	sdk "github.com/aws/aws-sdk-go-v2/service/apigateway"
	"github.com/aws/aws-sdk-go-v2/service/apigateway/types"

	"github.com/stagecraft/stagecraft/internal/service/apigateway"
	"github.com/stagecraft/stagecraft/internal/store"
	"github.com/stagecraft/stagecraft/internal/testenv"
)

// snapLargeAPI fills a with a few resources and methods of every
// integration type, a model, a request validator and an authorizer.
func snapLargeAPI(t *testing.T, a *depAPI) {
	t.Helper()
	ctx, c, id := a.ctx, a.c, &a.id
	must := func(_ any, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(c.UpdateRestApi(ctx, &sdk.UpdateRestApiInput{RestApiId: id, PatchOperations: []types.PatchOperation{
		{Op: types.OpAdd, Path: aws.String("/binaryMediaTypes/image~1png")},
		{Op: types.OpReplace, Path: aws.String("/description"), Value: aws.String(`pets & users <v2>`)},
	}}))
	auth, err := c.CreateAuthorizer(ctx, &sdk.CreateAuthorizerInput{RestApiId: id, Name: aws.String("tok"), Type: types.AuthorizerTypeToken,
		IdentitySource: aws.String("method.request.header.Authorization"),
		AuthorizerUri:  aws.String("arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:000000000000:function:auth/invocations")})
	must(auth, err)
	val, err := c.CreateRequestValidator(ctx, &sdk.CreateRequestValidatorInput{RestApiId: id, Name: aws.String("body"), ValidateRequestBody: true})
	must(val, err)
	must(c.CreateModel(ctx, &sdk.CreateModelInput{RestApiId: id, Name: aws.String("Pet"), ContentType: aws.String("application/json"),
		Schema: aws.String(`{"type":"object","required":["name"],"properties":{"name":{"type":"string","pattern":"^[a-z<>&]+$"}}}`)}))

	a.mockMethod(t, a.root, "GET", "NONE", false)
	pets := a.resource(t, a.root, "pets")
	pet := a.resource(t, pets, "{id}")
	users := a.resource(t, a.root, "users")
	user := a.resource(t, users, "{userId}")
	orders := a.resource(t, user, "orders")
	proxy := a.resource(t, a.root, "{proxy+}")
	for _, m := range []struct{ res, verb string }{{pets, "GET"}, {pets, "POST"}, {pet, "GET"}, {pet, "DELETE"}} {
		must(c.PutMethod(ctx, &sdk.PutMethodInput{RestApiId: id, ResourceId: &m.res, HttpMethod: &m.verb, AuthorizationType: aws.String("CUSTOM"),
			AuthorizerId: auth.Id, RequestValidatorId: val.Id, RequestModels: map[string]string{"application/json": "Pet"},
			RequestParameters: map[string]bool{"method.request.header.X-Trace": false}}))
		must(c.PutIntegration(ctx, &sdk.PutIntegrationInput{RestApiId: id, ResourceId: &m.res, HttpMethod: &m.verb, Type: types.IntegrationTypeHttp,
			IntegrationHttpMethod: &m.verb, Uri: aws.String("https://example.com/pets/{id}?a=1&b=<2>"),
			RequestParameters: map[string]string{"integration.request.header.X-Trace": "method.request.header.X-Trace"},
			RequestTemplates: map[string]string{"application/json": `#set($b = $input.json('$'))
{"pet": $b, "stage": "$stageVariables.name"}`}}))
		must(c.PutMethodResponse(ctx, &sdk.PutMethodResponseInput{RestApiId: id, ResourceId: &m.res, HttpMethod: &m.verb, StatusCode: aws.String("200"),
			ResponseModels: map[string]string{"application/json": "Empty"}}))
		must(c.PutIntegrationResponse(ctx, &sdk.PutIntegrationResponseInput{RestApiId: id, ResourceId: &m.res, HttpMethod: &m.verb, StatusCode: aws.String("200"),
			ResponseTemplates: map[string]string{"application/json": `$input.json('$.items')`}}))
	}
	for _, res := range []string{user, orders, proxy} {
		a.method(t, res, "ANY", "AWS_IAM", true)
		must(c.PutIntegration(ctx, &sdk.PutIntegrationInput{RestApiId: id, ResourceId: &res, HttpMethod: aws.String("ANY"), Type: types.IntegrationTypeAwsProxy,
			IntegrationHttpMethod: aws.String("POST"),
			Uri:                   aws.String("arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:000000000000:function:users/invocations")}))
	}
}

// The snapshot CreateDeployment writes from the stored documents decodes
// to what decoding the API's documents builds (depBuildSnapshot), for a
// small API and a larger one, with and without customized gateway
// responses; the sizes are logged (go test -v -run SnapshotMatches).
func TestDeploymentSnapshotMatchesDecoded(t *testing.T) {
	env := testenv.Start(t)
	check := func(name string, a *depAPI) {
		t.Helper()
		dep := a.deploy(t, &sdk.CreateDeploymentInput{StageName: aws.String("prod")})
		if err := env.Node.Store.View(depScope(), func(tx store.Tx) error {
			raw, err := tx.Get("apigw.snapshots", "000000000000/us-east-1/"+a.id+"/"+dep)
			if err != nil {
				return err
			}
			t.Logf("%s: snapshot %d bytes", name, len(raw))
			if !json.Valid(raw) {
				t.Fatalf("%s: stored snapshot is not JSON: %s", name, raw)
			}
			stored, err := apigateway.LoadSnapshot(depScope(), tx, a.id, dep)
			if err != nil {
				return err
			}
			built, err := apigateway.BuildSnapshotForTest(depScope(), tx, a.id, dep, stored.CreatedDate)
			if err != nil {
				return err
			}
			got, _ := json.Marshal(stored)
			want, _ := json.Marshal(built)
			if !bytes.Equal(got, want) {
				t.Fatalf("%s: stored snapshot decodes to\n%s\ndecoding the API builds\n%s", name, got, want)
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	small := depNewAPI(t, env)
	bench := small.resource(t, small.root, "bench")
	small.method(t, bench, "GET", "NONE", false)
	if _, err := small.c.PutIntegration(small.ctx, &sdk.PutIntegrationInput{RestApiId: &small.id, ResourceId: &bench,
		HttpMethod: aws.String("GET"), Type: types.IntegrationTypeMock}); err != nil {
		t.Fatal(err)
	}
	check("cpbench API (one resource, GET, MOCK)", small)

	large := depNewAPI(t, env)
	snapLargeAPI(t, large)
	check("larger API (7 resources, 8 methods)", large)

	for _, gr := range []*sdk.PutGatewayResponseInput{
		{ResponseType: types.GatewayResponseTypeDefault4xx, StatusCode: aws.String("418"),
			ResponseParameters: map[string]string{"gatewayresponse.header.X-Four": "'4'"}},
		{ResponseType: types.GatewayResponseTypeUnauthorized, ResponseTemplates: map[string]string{"application/json": `{"why":"<denied>"}`}},
	} {
		gr.RestApiId = &large.id
		if _, err := large.c.PutGatewayResponse(large.ctx, gr); err != nil {
			t.Fatal(err)
		}
	}
	check("larger API, 2 gateway responses customized", large)

	// The export of the stage lists the customized responses only, as it
	// did when snapshots held all 21.
	ex, err := large.c.GetExport(large.ctx, &sdk.GetExportInput{RestApiId: &large.id, StageName: aws.String("prod"),
		ExportType: aws.String("oas30"), Parameters: map[string]string{"extensions": "apigateway"}})
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		GRs map[string]map[string]any `json:"x-amazon-apigateway-gateway-responses"`
	}
	if err := json.Unmarshal(ex.Body, &doc); err != nil {
		t.Fatal(err)
	}
	got, _ := json.Marshal(doc.GRs)
	const want = `{"DEFAULT_4XX":{"responseParameters":{"gatewayresponse.header.X-Four":"'4'"},"responseTemplates":{"application/json":"{\"message\":$context.error.messageString}"},"statusCode":"418"},"UNAUTHORIZED":{"responseTemplates":{"application/json":"{\"why\":\"\u003cdenied\u003e\"}"},"statusCode":"401"}}`
	if string(got) != want {
		t.Fatalf("exported gateway responses\n%s\nwant\n%s", got, want)
	}
}
