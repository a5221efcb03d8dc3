package apigateway_test

import (
	"context"
	"encoding/json"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	sdk "github.com/aws/aws-sdk-go-v2/service/apigateway"
	"github.com/aws/aws-sdk-go-v2/service/apigateway/types"

	"github.com/stagecraft/stagecraft/internal/testenv"
)

// mdlNewAPI creates a REST API and returns its id and root resource id.
func mdlNewAPI(t *testing.T, c *sdk.Client) (string, string) {
	t.Helper()
	out, err := c.CreateRestApi(context.Background(), &sdk.CreateRestApiInput{Name: aws.String("models")})
	if err != nil {
		t.Fatal(err)
	}
	return *out.Id, *out.RootResourceId
}

func mdlOp(op types.Op, path, value string) types.PatchOperation {
	return types.PatchOperation{Op: op, Path: aws.String(path), Value: aws.String(value)}
}

const (
	mdlEmptySchema = "{\n  \"$schema\": \"http://json-schema.org/draft-04/schema#\",\n  \"title\" : \"Empty Schema\",\n  \"type\" : \"object\"\n}"
	mdlErrorSchema = "{\n  \"$schema\" : \"http://json-schema.org/draft-04/schema#\",\n  \"title\" : \"Error Schema\",\n  \"type\" : \"object\",\n  \"properties\" : {\n    \"message\" : { \"type\" : \"string\" }\n  }\n}"
	mdlCalcSchema  = `{"title":"Calc output","type":"object","properties":{"a":{"type":"number"},"b":{"type":"number"},"op":{"description":"operation of +, -, * or /","type":"string"},"c":{"type":"number"}},"required":["a","b","op"]}`
)

func TestDefaultModels(t *testing.T) {
	env := testenv.Start(t)
	c := env.APIGateway()
	ctx := context.Background()
	api, _ := mdlNewAPI(t, c)

	got, err := c.GetModels(ctx, &sdk.GetModelsInput{RestApiId: aws.String(api)})
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Items) != 2 {
		t.Fatalf("want the Empty and Error models, got %d", len(got.Items))
	}
	want := map[string][2]string{
		"Empty": {"This is a default empty schema model", mdlEmptySchema},
		"Error": {"This is a default error schema model", mdlErrorSchema},
	}
	for _, m := range got.Items {
		w, ok := want[aws.ToString(m.Name)]
		if !ok || aws.ToString(m.Description) != w[0] || aws.ToString(m.Schema) != w[1] ||
			aws.ToString(m.ContentType) != "application/json" || len(aws.ToString(m.Id)) != 6 {
			t.Fatalf("unexpected default model %+v", m)
		}
	}
	// The defaults are stable across reads and count as existing models.
	again, err := c.GetModel(ctx, &sdk.GetModelInput{RestApiId: aws.String(api), ModelName: aws.String("Empty")})
	if err != nil {
		t.Fatal(err)
	}
	first := got.Items[0]
	if aws.ToString(first.Name) != "Empty" {
		first = got.Items[1]
	}
	if aws.ToString(again.Id) != aws.ToString(first.Id) {
		t.Fatalf("Empty changed id: %s then %s", aws.ToString(first.Id), aws.ToString(again.Id))
	}
	_, err = c.CreateModel(ctx, &sdk.CreateModelInput{RestApiId: aws.String(api), Name: aws.String("Error"),
		ContentType: aws.String("application/json"), Schema: aws.String(`{"type":"object"}`)})
	apiErr(t, err, "ConflictException", "Model name already exists for this REST API")

	// A deleted default model stays deleted.
	if _, err := c.DeleteModel(ctx, &sdk.DeleteModelInput{RestApiId: aws.String(api), ModelName: aws.String("Empty")}); err != nil {
		t.Fatal(err)
	}
	got, err = c.GetModels(ctx, &sdk.GetModelsInput{RestApiId: aws.String(api)})
	if err != nil || len(got.Items) != 1 || aws.ToString(got.Items[0].Name) != "Error" {
		t.Fatalf("after deleting Empty: %v %+v", err, got)
	}
}

func TestModelLifecycle(t *testing.T) {
	env := testenv.Start(t)
	c := env.APIGateway()
	ctx := context.Background()
	api, _ := mdlNewAPI(t, c)

	created, err := c.CreateModel(ctx, &sdk.CreateModelInput{
		RestApiId: aws.String(api), Name: aws.String("CalcOutput"), ContentType: aws.String("application/json"),
		Description: aws.String("Calc output model"), Schema: aws.String(mdlCalcSchema),
	})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(created.Name) != "CalcOutput" || aws.ToString(created.Schema) != mdlCalcSchema ||
		aws.ToString(created.Description) != "Calc output model" || len(aws.ToString(created.Id)) != 6 {
		t.Fatalf("create: %+v", created)
	}
	// No description: the member is omitted.
	bare, err := c.CreateModel(ctx, &sdk.CreateModelInput{RestApiId: aws.String(api), Name: aws.String("Bare"),
		ContentType: aws.String("application/json"), Schema: aws.String(`{"type":"object"}`)})
	if err != nil || bare.Description != nil {
		t.Fatalf("create without description: %v %+v", err, bare)
	}

	// Listing: all four models in id order, paginated.
	var ids []string
	p := sdk.NewGetModelsPaginator(c, &sdk.GetModelsInput{RestApiId: aws.String(api), Limit: aws.Int32(3)})
	pages := 0
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, m := range out.Items {
			ids = append(ids, aws.ToString(m.Id))
		}
	}
	if len(ids) != 4 || pages != 2 || !sort.StringsAreSorted(ids) {
		t.Fatalf("listed %v in %d pages", ids, pages)
	}

	up, err := c.UpdateModel(ctx, &sdk.UpdateModelInput{RestApiId: aws.String(api), ModelName: aws.String("CalcOutput"),
		PatchOperations: []types.PatchOperation{
			mdlOp(types.OpReplace, "/schema", `{"title":"Updated schema","type":"object"}`),
			mdlOp(types.OpReplace, "/description", "new"),
		}})
	if err != nil || aws.ToString(up.Schema) != `{"title":"Updated schema","type":"object"}` || aws.ToString(up.Description) != "new" {
		t.Fatalf("update: %v %+v", err, up)
	}
	got, err := c.GetModel(ctx, &sdk.GetModelInput{RestApiId: aws.String(api), ModelName: aws.String("CalcOutput")})
	if err != nil || aws.ToString(got.Description) != "new" || aws.ToString(got.Id) != aws.ToString(created.Id) {
		t.Fatalf("get after update: %v %+v", err, got)
	}

	upd := func(ops ...types.PatchOperation) error {
		_, err := c.UpdateModel(ctx, &sdk.UpdateModelInput{RestApiId: aws.String(api), ModelName: aws.String("CalcOutput"), PatchOperations: ops})
		return err
	}
	for _, tc := range []struct {
		name string
		err  error
		code string
		msg  string
	}{
		{"add op", upd(mdlOp(types.OpAdd, "/wrong-path", "x")), "BadRequestException",
			"Invalid patch path  '/wrong-path' specified for op 'add'. Please choose supported operations"},
		{"replace name", upd(mdlOp(types.OpReplace, "/name", "x")), "BadRequestException",
			"Invalid patch path  '/name' specified for op 'replace'. Must be one of: [/description, /schema]"},
		{"empty schema", upd(mdlOp(types.OpReplace, "/schema", "")), "BadRequestException",
			"Model schema must have at least 1 property or array items defined"},
		{"bad schema", upd(mdlOp(types.OpReplace, "/schema", "{nope")), "BadRequestException",
			"Invalid model specified: Validation Result: warnings : [], errors : [Invalid model schema specified]"},
		{"unknown model", func() error {
			_, err := c.UpdateModel(ctx, &sdk.UpdateModelInput{RestApiId: aws.String(api), ModelName: aws.String("mySchema")})
			return err
		}(), "NotFoundException", "Invalid model name specified: mySchema"},
	} {
		t.Run(tc.name, func(t *testing.T) { apiErr(t, tc.err, tc.code, tc.msg) })
	}

	if _, err := c.DeleteModel(ctx, &sdk.DeleteModelInput{RestApiId: aws.String(api), ModelName: aws.String("CalcOutput")}); err != nil {
		t.Fatal(err)
	}
	_, err = c.GetModel(ctx, &sdk.GetModelInput{RestApiId: aws.String(api), ModelName: aws.String("CalcOutput")})
	apiErr(t, err, "NotFoundException", "Invalid model name specified: CalcOutput")
	_, err = c.DeleteModel(ctx, &sdk.DeleteModelInput{RestApiId: aws.String(api), ModelName: aws.String("CalcOutput")})
	apiErr(t, err, "NotFoundException", "Invalid model name specified: CalcOutput")
}

func TestCreateModelValidation(t *testing.T) {
	env := testenv.Start(t)
	c := env.APIGateway()
	ctx := context.Background()
	api, _ := mdlNewAPI(t, c)
	if _, err := c.CreateModel(ctx, &sdk.CreateModelInput{RestApiId: aws.String(api), Name: aws.String("Taken"),
		ContentType: aws.String("application/json"), Schema: aws.String(`{"type":"object"}`)}); err != nil {
		t.Fatal(err)
	}
	invalid := func(errs string) string {
		return "Invalid model specified: Validation Result: warnings : [], errors : [" + errs + "]"
	}
	for _, tc := range []struct {
		name, api, model, contentType, schema string
		code, msg                             string
	}{
		{"unknown api", "abcde0", "MySchema", "application/json", `{"type":"object"}`,
			"NotFoundException", "Invalid API identifier specified 000000000000:abcde0"},
		{"duplicate", api, "Taken", "application/json", `{"type":"object"}`,
			"ConflictException", "Model name already exists for this REST API"},
		{"empty name", api, "", "application/json", `{"type":"object"}`,
			"BadRequestException", "Model name must be non-empty"},
		{"not alphanumeric", api, "my_model", "application/json", `{"type":"object"}`,
			"BadRequestException", "Model name must be alphanumeric: my_model"},
		{"empty schema", api, "A", "application/json", "",
			"BadRequestException", "Model schema must have at least 1 property or array items defined"},
		{"empty xml schema", api, "A", "application/xml", "",
			"BadRequestException", "Model schema must have at least 1 property or array items defined"},
		{"not json", api, "A", "application/json", "{'type': 'object'}",
			"BadRequestException", invalid("Invalid model schema specified")},
		{"not an object", api, "A", "application/json", `["object"]`,
			"BadRequestException", invalid("Invalid model schema specified")},
		{"unsupported keyword", api, "A", "application/json", `{"type":"object","properties":{"n":{"type":"string","example":"x"}}}`,
			"BadRequestException", invalid(`Invalid model schema specified. Unsupported keyword(s): ["example"]`)},
		{"empty required", api, "A", "application/json", `{"type":"object","required":[],"properties":{"d":{"type":"string"}}}`,
			"BadRequestException", invalid("Invalid model schema specified")},
		{"two bad lengths", api, "A", "application/json", `{"type":"object","properties":{"p":{"type":"string","minLength":"1","maxLength":"35"}}}`,
			"BadRequestException", invalid("Invalid model schema specified, Invalid model schema specified")},
		{"bad type", api, "A", "application/json", `{"type":"thing"}`,
			"BadRequestException", invalid("Invalid model schema specified")},
		{"non-canonical ref", api, "A", "application/json", `{"type":"object","properties":{"p":{"$ref":"Other"}}}`,
			"BadRequestException", invalid("Model reference must be in canonical form")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := c.CreateModel(ctx, &sdk.CreateModelInput{RestApiId: aws.String(tc.api), Name: aws.String(tc.model),
				ContentType: aws.String(tc.contentType), Schema: aws.String(tc.schema)})
			apiErr(t, err, tc.code, tc.msg)
		})
	}
	// Accepted: draft-4 keywords, canonical and internal references, and an
	// XML model's schema, which is not JSON Schema.
	for i, schema := range []string{
		`{"$schema":"http://json-schema.org/draft-04/schema#","title":"Pet","type":"object","required":["id"],` +
			`"properties":{"id":{"type":"integer","minimum":1},"tags":{"type":"array","items":{"type":"string"},"uniqueItems":true},` +
			`"kind":{"enum":["cat","dog"]},"owner":{"$ref":"https://apigateway.amazonaws.com/restapis/` + api + `/models/Taken"},` +
			`"loc":{"$ref":"#/definitions/Loc"}},"definitions":{"Loc":{"type":"object"}},"additionalProperties":false}`,
		`<xml/>`,
	} {
		ct := []string{"application/json", "application/xml"}[i]
		if _, err := c.CreateModel(ctx, &sdk.CreateModelInput{RestApiId: aws.String(api), Name: aws.String("Ok" + string(rune('A'+i))),
			ContentType: aws.String(ct), Schema: aws.String(schema)}); err != nil {
			t.Fatalf("schema %d refused: %v", i, err)
		}
	}

	_, err := c.GetModels(ctx, &sdk.GetModelsInput{RestApiId: aws.String("abcde0")})
	apiErr(t, err, "NotFoundException", "Invalid API identifier specified 000000000000:abcde0")
	// GetModel and DeleteModel answer an unknown API like an unknown model [V].
	_, err = c.GetModel(ctx, &sdk.GetModelInput{RestApiId: aws.String("abcde0"), ModelName: aws.String("MySchema")})
	apiErr(t, err, "NotFoundException", "Invalid model name specified: MySchema")
	_, err = c.DeleteModel(ctx, &sdk.DeleteModelInput{RestApiId: aws.String("abcde0"), ModelName: aws.String("MySchema")})
	apiErr(t, err, "NotFoundException", "Invalid model name specified: MySchema")
}

func TestDeleteModelInUse(t *testing.T) {
	env := testenv.Start(t)
	c := env.APIGateway()
	ctx := context.Background()
	api, root := mdlNewAPI(t, c)
	for _, n := range []string{"Pet", "Out"} {
		if _, err := c.CreateModel(ctx, &sdk.CreateModelInput{RestApiId: aws.String(api), Name: aws.String(n),
			ContentType: aws.String("application/json"), Schema: aws.String(`{"type":"object"}`)}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c.PutMethod(ctx, &sdk.PutMethodInput{RestApiId: aws.String(api), ResourceId: aws.String(root),
		HttpMethod: aws.String("ANY"), AuthorizationType: aws.String("NONE"),
		RequestModels: map[string]string{"application/json": "Pet"}}); err != nil {
		t.Fatal(err)
	}
	res, err := c.CreateResource(ctx, &sdk.CreateResourceInput{RestApiId: aws.String(api), ParentId: aws.String(root), PathPart: aws.String("test")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.PutMethod(ctx, &sdk.PutMethodInput{RestApiId: aws.String(api), ResourceId: res.Id,
		HttpMethod: aws.String("GET"), AuthorizationType: aws.String("NONE")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.PutMethodResponse(ctx, &sdk.PutMethodResponseInput{RestApiId: aws.String(api), ResourceId: res.Id,
		HttpMethod: aws.String("GET"), StatusCode: aws.String("200"),
		ResponseModels: map[string]string{"application/json": "Out"}}); err != nil {
		t.Fatal(err)
	}
	del := func(name string) error {
		_, err := c.DeleteModel(ctx, &sdk.DeleteModelInput{RestApiId: aws.String(api), ModelName: aws.String(name)})
		return err
	}
	// [V] the request form, root path "/" joined with "/ANY".
	apiErr(t, del("Pet"), "ConflictException", "Cannot delete model 'Pet', is referenced in method request: //ANY")
	apiErr(t, del("Out"), "ConflictException", "Cannot delete model 'Out', is referenced in method response: /test/GET/200")

	if _, err := c.DeleteMethod(ctx, &sdk.DeleteMethodInput{RestApiId: aws.String(api), ResourceId: aws.String(root), HttpMethod: aws.String("ANY")}); err != nil {
		t.Fatal(err)
	}
	if err := del("Pet"); err != nil {
		t.Fatalf("unused model: %v", err)
	}
	apiErr(t, del("Out"), "ConflictException", "")
}

func TestModelTemplateAndFlatten(t *testing.T) {
	env := testenv.Start(t)
	c := env.APIGateway()
	ctx := context.Background()
	api, _ := mdlNewAPI(t, c)
	mk := func(name, schema string) {
		t.Helper()
		if _, err := c.CreateModel(ctx, &sdk.CreateModelInput{RestApiId: aws.String(api), Name: aws.String(name),
			ContentType: aws.String("application/json"), Schema: aws.String(schema)}); err != nil {
			t.Fatal(err)
		}
	}
	mk("output", `{"type":"object","properties":{"a":{"type":"number"},"b":{"type":"number"},"op":{"type":"string"},"c":{"type":"number"}}}`)
	ref := "https://apigateway.amazonaws.com/restapis/" + api + "/models/output"
	mk("Order", `{"type":"object","properties":{"id":{"type":"integer"},"paid":{"type":"boolean"},`+
		`"lines":{"type":"array","items":{"type":"object","properties":{"sku":{"type":"string"}}}},`+
		`"tags":{"type":"array","items":{"type":"string"}},"calc":{"$ref":"`+ref+`"}}}`)

	for _, tc := range []struct{ model, want string }{
		// [D] the API reference's sample, byte for byte.
		{"output", "#set($inputRoot = $input.path('$'))\n{\n  \"a\" : 3.1415,\n  \"b\" : 3.1415,\n  \"op\" : \"foo\",\n  \"c\" : 3.1415\n}"},
		{"Empty", "#set($inputRoot = $input.path('$'))\n{ }"},
		{"Error", "#set($inputRoot = $input.path('$'))\n{\n  \"message\" : \"foo\"\n}"},
		{"Order", "#set($inputRoot = $input.path('$'))\n{\n  \"id\" : 42,\n  \"paid\" : true,\n  \"lines\" : [ {\n    \"sku\" : \"foo\"\n  } ],\n" +
			"  \"tags\" : [ \"foo\" ],\n  \"calc\" : {\n    \"a\" : 3.1415,\n    \"b\" : 3.1415,\n    \"op\" : \"foo\",\n    \"c\" : 3.1415\n  }\n}"},
	} {
		t.Run(tc.model, func(t *testing.T) {
			out, err := c.GetModelTemplate(ctx, &sdk.GetModelTemplateInput{RestApiId: aws.String(api), ModelName: aws.String(tc.model)})
			if err != nil || aws.ToString(out.Value) != tc.want {
				t.Fatalf("%v\ngot  %q\nwant %q", err, aws.ToString(out.Value), tc.want)
			}
		})
	}
	_, err := c.GetModelTemplate(ctx, &sdk.GetModelTemplateInput{RestApiId: aws.String(api), ModelName: aws.String("nope")})
	apiErr(t, err, "NotFoundException", "Invalid model name specified: nope")

	// flatten=true inlines the referenced model; without it the schema is
	// returned exactly as stored.
	plain, err := c.GetModel(ctx, &sdk.GetModelInput{RestApiId: aws.String(api), ModelName: aws.String("Order")})
	if err != nil || !strings.Contains(aws.ToString(plain.Schema), `"$ref":"`+ref+`"`) {
		t.Fatalf("plain: %v %s", err, aws.ToString(plain.Schema))
	}
	flat, err := c.GetModel(ctx, &sdk.GetModelInput{RestApiId: aws.String(api), ModelName: aws.String("Order"), Flatten: true})
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Properties struct {
			Calc struct {
				Type       string                     `json:"type"`
				Ref        string                     `json:"$ref"`
				Properties map[string]json.RawMessage `json:"properties"`
			} `json:"calc"`
		} `json:"properties"`
	}
	if err := json.Unmarshal([]byte(aws.ToString(flat.Schema)), &doc); err != nil {
		t.Fatalf("flattened schema is not JSON: %v\n%s", err, aws.ToString(flat.Schema))
	}
	if doc.Properties.Calc.Ref != "" || doc.Properties.Calc.Type != "object" || len(doc.Properties.Calc.Properties) != 4 {
		t.Fatalf("not flattened: %s", aws.ToString(flat.Schema))
	}
	same, err := c.GetModel(ctx, &sdk.GetModelInput{RestApiId: aws.String(api), ModelName: aws.String("output"), Flatten: true})
	if err != nil || !strings.HasPrefix(aws.ToString(same.Schema), `{"type":"object"`) {
		t.Fatalf("a model without references changed: %v %s", err, aws.ToString(same.Schema))
	}
}

// TestModelsValidatorsAuthorizerBoto3 drives models, request validators and
// an authorizer through boto3.
func TestModelsValidatorsAuthorizerBoto3(t *testing.T) {
	env := testenv.Start(t)
	out := env.Python(t, `
import json, boto3
from botocore.exceptions import ClientError
c = boto3.client('apigateway')
api = c.create_rest_api(name='py')['id']
names = sorted(m['name'] for m in c.get_models(restApiId=api)['items'])
m = c.create_model(restApiId=api, name='Pet', contentType='application/json',
                   schema=json.dumps({'type': 'object', 'properties': {'name': {'type': 'string'}}}))
assert m['ResponseMetadata']['HTTPStatusCode'] == 201
tmpl = c.get_model_template(restApiId=api, modelName='Pet')['value']
try:
    c.create_model(restApiId=api, name='Pet', contentType='application/json', schema='{}')
    dup = None
except ClientError as e:
    dup = [e.response['Error']['Code'], e.response['Error']['Message'], e.response['ResponseMetadata']['HTTPStatusCode']]
v = c.create_request_validator(restApiId=api, name='body', validateRequestBody=True)
v2 = c.update_request_validator(restApiId=api, requestValidatorId=v['id'],
    patchOperations=[{'op': 'replace', 'path': '/validateRequestParameters', 'value': 'true'}])
vs = c.get_request_validators(restApiId=api)['items']
a = c.create_authorizer(restApiId=api, name='tok', type='TOKEN',
    authorizerUri='arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:auth/invocations',
    identitySource='method.request.header.Authorization')
auths = c.get_authorizers(restApiId=api)['items']
d = c.delete_request_validator(restApiId=api, requestValidatorId=v['id'])
print(json.dumps({'defaults': names, 'template': tmpl, 'dup': dup,
  'validator': {k: v2[k] for k in ('name', 'validateRequestBody', 'validateRequestParameters')},
  'validators': len(vs), 'auth': {k: a[k] for k in ('name', 'type', 'identitySource', 'authorizerResultTtlInSeconds')},
  'auths': len(auths), 'deleteStatus': d['ResponseMetadata']['HTTPStatusCode']}))
`)
	var got struct {
		Defaults  []string
		Template  string
		Dup       []any
		Validator struct {
			Name                      string
			ValidateRequestBody       bool
			ValidateRequestParameters bool
		}
		Validators int
		Auth       struct {
			Name, Type, IdentitySource   string
			AuthorizerResultTtlInSeconds int
		}
		Auths        int
		DeleteStatus int
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if strings.Join(got.Defaults, ",") != "Empty,Error" ||
		got.Template != "#set($inputRoot = $input.path('$'))\n{\n  \"name\" : \"foo\"\n}" ||
		len(got.Dup) != 3 || got.Dup[0] != "ConflictException" || got.Dup[1] != "Model name already exists for this REST API" || got.Dup[2] != float64(409) ||
		got.Validator.Name != "body" || !got.Validator.ValidateRequestBody || !got.Validator.ValidateRequestParameters || got.Validators != 1 ||
		got.Auth.Name != "tok" || got.Auth.Type != "TOKEN" || got.Auth.AuthorizerResultTtlInSeconds != 300 || got.Auths != 1 ||
		got.DeleteStatus != 202 {
		t.Fatalf("boto3 saw %+v", got)
	}
}
