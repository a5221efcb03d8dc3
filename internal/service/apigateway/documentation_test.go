package apigateway_test

import (
	"context"
	"encoding/json"
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	sdk "github.com/aws/aws-sdk-go-v2/service/apigateway"
	"github.com/aws/aws-sdk-go-v2/service/apigateway/types"

	"github.com/stagecraft/stagecraft/internal/store"
	"github.com/stagecraft/stagecraft/internal/testenv"
)

func docPart(t *testing.T, c *sdk.Client, api string, loc types.DocumentationPartLocation, props string) *sdk.CreateDocumentationPartOutput {
	t.Helper()
	out, err := c.CreateDocumentationPart(context.Background(), &sdk.CreateDocumentationPartInput{RestApiId: aws.String(api), Location: &loc, Properties: aws.String(props)})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// docLoc renders a location as type|path|method|statusCode|name.
func docLoc(l *types.DocumentationPartLocation) string {
	return string(l.Type) + "|" + aws.ToString(l.Path) + "|" + aws.ToString(l.Method) + "|" + aws.ToString(l.StatusCode) + "|" + aws.ToString(l.Name)
}

func TestDocumentationPartLifecycle(t *testing.T) {
	env := testenv.Start(t)
	c := env.APIGateway()
	ctx := context.Background()
	api, _ := mdlNewAPI(t, c)

	apiPart := docPart(t, c, api, types.DocumentationPartLocation{Type: types.DocumentationPartTypeApi}, `{ "description": "Sample API description" }`)
	if !rvIDRE.MatchString(aws.ToString(apiPart.Id)) || docLoc(apiPart.Location) != "API||||" ||
		aws.ToString(apiPart.Properties) != `{ "description": "Sample API description" }` {
		t.Fatalf("API part: %+v %s", apiPart, docLoc(apiPart.Location))
	}
	// Defaults of the fields a type takes are filled in [D: path "/"].
	for _, tc := range []struct {
		loc  types.DocumentationPartLocation
		want string
	}{
		{types.DocumentationPartLocation{Type: types.DocumentationPartTypeResource}, "RESOURCE|/|||"},
		{types.DocumentationPartLocation{Type: types.DocumentationPartTypeMethod, Path: aws.String("/pets"), Method: aws.String("GET")}, "METHOD|/pets|GET||"},
		{types.DocumentationPartLocation{Type: types.DocumentationPartTypeMethod, Path: aws.String("/pets")}, "METHOD|/pets|*||"},
		{types.DocumentationPartLocation{Type: types.DocumentationPartTypeResponse, StatusCode: aws.String("200")}, "RESPONSE|/|*|200|"},
		{types.DocumentationPartLocation{Type: types.DocumentationPartTypeQueryParameter, Path: aws.String("/pets"), Method: aws.String("GET"), Name: aws.String("page")},
			"QUERY_PARAMETER|/pets|GET||page"},
		{types.DocumentationPartLocation{Type: types.DocumentationPartTypeModel, Name: aws.String("Pet")}, "MODEL||||Pet"},
	} {
		if got := docLoc(docPart(t, c, api, tc.loc, `{}`).Location); got != tc.want {
			t.Fatalf("location %s, want %s", got, tc.want)
		}
	}

	// One part per location; an omitted field equals its default.
	for _, tc := range []struct {
		loc types.DocumentationPartLocation
		msg string
	}{
		{types.DocumentationPartLocation{Type: types.DocumentationPartTypeApi},
			"Documentation part already exists for the specified location: type 'API'."}, // [D]
		{types.DocumentationPartLocation{Type: types.DocumentationPartTypeResource, Path: aws.String("/")},
			"Documentation part already exists for the specified location: type 'RESOURCE', path '/'."},
		{types.DocumentationPartLocation{Type: types.DocumentationPartTypeMethod, Path: aws.String("/pets"), Method: aws.String("*")},
			"Documentation part already exists for the specified location: type 'METHOD', path '/pets', method '*'."},
	} {
		_, err := c.CreateDocumentationPart(ctx, &sdk.CreateDocumentationPartInput{RestApiId: aws.String(api), Location: &tc.loc, Properties: aws.String(`{"a":1}`)})
		apiErr(t, err, "ConflictException", tc.msg)
	}

	got, err := c.GetDocumentationPart(ctx, &sdk.GetDocumentationPartInput{RestApiId: aws.String(api), DocumentationPartId: apiPart.Id})
	if err != nil || aws.ToString(got.Properties) != aws.ToString(apiPart.Properties) {
		t.Fatalf("get: %v %+v", err, got)
	}
	up, err := c.UpdateDocumentationPart(ctx, &sdk.UpdateDocumentationPartInput{RestApiId: aws.String(api), DocumentationPartId: apiPart.Id,
		PatchOperations: []types.PatchOperation{mdlOp(types.OpReplace, "/properties", `{ "description": "Updated Sample API description" }`)}})
	if err != nil || aws.ToString(up.Properties) != `{ "description": "Updated Sample API description" }` || docLoc(up.Location) != "API||||" {
		t.Fatalf("update: %v %+v", err, up)
	}

	list := func(in sdk.GetDocumentationPartsInput) []string {
		t.Helper()
		in.RestApiId = aws.String(api)
		out, err := c.GetDocumentationParts(ctx, &in)
		if err != nil {
			t.Fatal(err)
		}
		var locs []string
		for _, p := range out.Items {
			locs = append(locs, docLoc(p.Location))
		}
		return locs
	}
	// Listed by location: type first [V].
	all := list(sdk.GetDocumentationPartsInput{})
	want := []string{"API||||", "METHOD|/pets|*||", "METHOD|/pets|GET||", "MODEL||||Pet", "QUERY_PARAMETER|/pets|GET||page", "RESOURCE|/|||", "RESPONSE|/|*|200|"}
	if !slices.Equal(all, want) {
		t.Fatalf("listed %v\nwant  %v", all, want)
	}
	for _, tc := range []struct {
		name string
		in   sdk.GetDocumentationPartsInput
		want []string
	}{
		{"type", sdk.GetDocumentationPartsInput{Type: types.DocumentationPartTypeMethod}, want[1:3]},
		{"path", sdk.GetDocumentationPartsInput{Path: aws.String("/pets")}, []string{"METHOD|/pets|*||", "METHOD|/pets|GET||", "QUERY_PARAMETER|/pets|GET||page"}},
		{"name prefix", sdk.GetDocumentationPartsInput{NameQuery: aws.String("pa")}, []string{"QUERY_PARAMETER|/pets|GET||page"}},
		{"documented", sdk.GetDocumentationPartsInput{LocationStatus: types.LocationStatusTypeDocumented}, []string{"API||||"}},
		{"undocumented", sdk.GetDocumentationPartsInput{LocationStatus: types.LocationStatusTypeUndocumented}, want[1:]},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := list(tc.in); !slices.Equal(got, tc.want) {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
		})
	}
	var paged []string
	var pos *string
	for {
		out, err := c.GetDocumentationParts(ctx, &sdk.GetDocumentationPartsInput{RestApiId: aws.String(api), Limit: aws.Int32(3), Position: pos})
		if err != nil {
			t.Fatal(err)
		}
		if len(out.Items) > 3 {
			t.Fatalf("page of %d", len(out.Items))
		}
		for _, it := range out.Items {
			paged = append(paged, docLoc(it.Location))
		}
		if pos = out.Position; pos == nil {
			break
		}
	}
	if !slices.Equal(paged, want) {
		t.Fatalf("paged %v", paged)
	}

	if _, err := c.DeleteDocumentationPart(ctx, &sdk.DeleteDocumentationPartInput{RestApiId: aws.String(api), DocumentationPartId: apiPart.Id}); err != nil {
		t.Fatal(err)
	}
	_, err = c.GetDocumentationPart(ctx, &sdk.GetDocumentationPartInput{RestApiId: aws.String(api), DocumentationPartId: apiPart.Id})
	apiErr(t, err, "NotFoundException", "Invalid Documentation part identifier specified")
	_, err = c.DeleteDocumentationPart(ctx, &sdk.DeleteDocumentationPartInput{RestApiId: aws.String(api), DocumentationPartId: apiPart.Id})
	apiErr(t, err, "NotFoundException", "Invalid Documentation part identifier specified")
}

func TestDocumentationPartErrors(t *testing.T) {
	env := testenv.Start(t)
	c := env.APIGateway()
	ctx := context.Background()
	api, _ := mdlNewAPI(t, c)
	part := docPart(t, c, api, types.DocumentationPartLocation{Type: types.DocumentationPartTypeApi}, `{"description":"x"}`)
	ghost := aws.String("api_id")
	noAPI := "Invalid API identifier specified 000000000000:api_id"

	create := func(loc types.DocumentationPartLocation, props string) error {
		_, err := c.CreateDocumentationPart(ctx, &sdk.CreateDocumentationPartInput{RestApiId: aws.String(api), Location: &loc, Properties: aws.String(props)})
		return err
	}
	update := func(api, id *string, ops ...types.PatchOperation) error {
		_, err := c.UpdateDocumentationPart(ctx, &sdk.UpdateDocumentationPartInput{RestApiId: api, DocumentationPartId: id, PatchOperations: ops})
		return err
	}
	for _, tc := range []struct {
		name string
		err  error
		code string
		msg  string
	}{
		{"create unknown api", func() error {
			_, err := c.CreateDocumentationPart(ctx, &sdk.CreateDocumentationPartInput{RestApiId: ghost,
				Location: &types.DocumentationPartLocation{Type: types.DocumentationPartTypeApi}, Properties: aws.String(`{}`)})
			return err
		}(), "NotFoundException", noAPI},
		{"list unknown api", func() error {
			_, err := c.GetDocumentationParts(ctx, &sdk.GetDocumentationPartsInput{RestApiId: ghost})
			return err
		}(), "NotFoundException", noAPI},
		// [V] get and update answer an unknown API like an unknown part; delete does not.
		{"get unknown api", func() error {
			_, err := c.GetDocumentationPart(ctx, &sdk.GetDocumentationPartInput{RestApiId: ghost, DocumentationPartId: part.Id})
			return err
		}(), "NotFoundException", "Invalid Documentation part identifier specified"},
		{"update unknown api", update(ghost, part.Id, mdlOp(types.OpReplace, "/properties", `{}`)),
			"NotFoundException", "Invalid Documentation part identifier specified"},
		{"delete unknown api", func() error {
			_, err := c.DeleteDocumentationPart(ctx, &sdk.DeleteDocumentationPartInput{RestApiId: ghost, DocumentationPartId: part.Id})
			return err
		}(), "NotFoundException", noAPI},
		{"update add", update(aws.String(api), part.Id, mdlOp(types.OpAdd, "/properties", `{}`)),
			"BadRequestException", "Invalid patch path  '/properties' specified for op 'add'. Please choose supported operations"},
		{"update bad path", update(aws.String(api), part.Id, mdlOp(types.OpReplace, "/invalidPath", `{}`)),
			"BadRequestException", "Invalid patch path  '/invalidPath' specified for op 'replace'. Must be one of: [/properties]"},
		{"update empty", update(aws.String(api), part.Id, mdlOp(types.OpReplace, "/properties", "")),
			"BadRequestException", "Documentation part properties must be non-empty"},
		// AWS lists the set in another order [V]; the generated check uses model order.
		{"bad type", create(types.DocumentationPartLocation{Type: "INVALID"}, `{}`), "ValidationException", ""},
		{"field not for type", create(types.DocumentationPartLocation{Type: types.DocumentationPartTypeApi, Method: aws.String("GET")}, `{}`),
			"BadRequestException", "Invalid documentation part location: 'method' is not a valid field for type 'API'"},
		{"name required", create(types.DocumentationPartLocation{Type: types.DocumentationPartTypeModel}, `{}`),
			"BadRequestException", "Invalid documentation part location: 'name' is required for type 'MODEL'"},
		{"properties not json", create(types.DocumentationPartLocation{Type: types.DocumentationPartTypeResource, Path: aws.String("/x")}, `description`),
			"BadRequestException", "Invalid documentation part properties: properties must be a JSON object"},
	} {
		t.Run(tc.name, func(t *testing.T) { apiErr(t, tc.err, tc.code, tc.msg) })
	}
}

const docSpec = `{
  "swagger": "2.0",
  "info": {"title": "docs", "version": "1"},
  "paths": {},
  "x-amazon-apigateway-documentation": {
    "version": "1.0.3",
    "documentationParts": [
      {"location": {"type": "API"}, "properties": {"description": "API description", "info": {"version": "3"}}},
      {"location": {"type": "METHOD", "path": "/", "method": "GET"}, "properties": {"description": "Method description."}},
      {"location": {"type": "MODEL", "name": "Pet"}, "properties": {"title": "Pet Schema"}},
      {"location": {"type": "RESPONSE", "path": "/", "method": "GET", "statusCode": "200"}, "properties": {"description": "200 response"}}
    ]
  }
}`

func TestImportDocumentationParts(t *testing.T) {
	env := testenv.Start(t)
	c := env.APIGateway()
	ctx := context.Background()
	api, _ := mdlNewAPI(t, c)
	imp := func(mode types.PutMode, fail bool, body string) (*sdk.ImportDocumentationPartsOutput, error) {
		return c.ImportDocumentationParts(ctx, &sdk.ImportDocumentationPartsInput{RestApiId: aws.String(api), Mode: mode, FailOnWarnings: fail, Body: []byte(body)})
	}
	parts := func() map[string]string {
		out, err := c.GetDocumentationParts(ctx, &sdk.GetDocumentationPartsInput{RestApiId: aws.String(api)})
		if err != nil {
			t.Fatal(err)
		}
		m := map[string]string{}
		for _, p := range out.Items {
			m[docLoc(p.Location)] = aws.ToString(p.Id) + " " + aws.ToString(p.Properties)
		}
		return m
	}

	out, err := imp(types.PutModeOverwrite, true, docSpec)
	if err != nil || len(out.Ids) != 4 || out.Warnings != nil {
		t.Fatalf("import: %v %+v", err, out)
	}
	got := parts()
	if len(got) != 4 || got["API||||"] != out.Ids[0]+` {"description":"API description","info":{"version":"3"}}` ||
		got["RESPONSE|/|GET|200|"] != out.Ids[3]+` {"description":"200 response"}` {
		t.Fatalf("after import: %v", got)
	}

	// merge (the default): a part at a known location keeps its id.
	var doc map[string]any
	json.Unmarshal([]byte(docSpec), &doc)
	ext := doc["x-amazon-apigateway-documentation"].(map[string]any)
	ext["documentationParts"] = []any{
		map[string]any{"location": map[string]any{"type": "API"}, "properties": map[string]any{"description": "new"}},
		map[string]any{"location": map[string]any{"type": "RESOURCE", "path": "/pets"}, "properties": map[string]any{"description": "pets"}},
	}
	body, _ := json.Marshal(doc)
	merged, err := imp("", false, string(body))
	if err != nil || len(merged.Ids) != 2 || merged.Ids[0] != out.Ids[0] {
		t.Fatalf("merge: %v %+v", err, merged)
	}
	if got := parts(); len(got) != 5 || got["API||||"] != out.Ids[0]+` {"description":"new"}` {
		t.Fatalf("after merge: %v", got)
	}

	// An invalid entry is a warning; with failonwarnings it fails the import.
	ext["documentationParts"] = []any{
		map[string]any{"location": map[string]any{"type": "MODEL"}, "properties": map[string]any{"title": "x"}},
		map[string]any{"location": map[string]any{"type": "AUTHORIZER", "name": "auth"}, "properties": map[string]any{"description": "a"}},
	}
	body, _ = json.Marshal(doc)
	_, err = imp(types.PutModeOverwrite, true, string(body))
	apiErr(t, err, "BadRequestException",
		"Warnings found during import:\n\tInvalid documentation part at index 0: Invalid documentation part location: 'name' is required for type 'MODEL'")
	if got := parts(); len(got) != 5 {
		t.Fatalf("a failed import changed the parts: %v", got)
	}
	// overwrite replaces every part.
	warned, err := imp(types.PutModeOverwrite, false, string(body))
	if err != nil || len(warned.Ids) != 1 || len(warned.Warnings) != 1 {
		t.Fatalf("overwrite with a warning: %v %+v", err, warned)
	}
	if got := parts(); len(got) != 1 || got["AUTHORIZER||||auth"] == "" {
		t.Fatalf("after overwrite: %v", got)
	}

	_, err = imp(types.PutModeMerge, false, "not json")
	apiErr(t, err, "BadRequestException", "Invalid OpenAPI input")
	_, err = c.ImportDocumentationParts(ctx, &sdk.ImportDocumentationPartsInput{RestApiId: aws.String("api_id"), Body: []byte(docSpec)})
	apiErr(t, err, "NotFoundException", "Invalid API identifier specified 000000000000:api_id")
}

func TestDocumentationVersions(t *testing.T) {
	env := testenv.Start(t)
	c := env.APIGateway()
	ctx := context.Background()
	api, root := mdlNewAPI(t, c)
	docPart(t, c, api, types.DocumentationPartLocation{Type: types.DocumentationPartTypeApi}, `{"description":"v1 docs"}`)

	// A stage to attach a version to.
	if _, err := c.PutMethod(ctx, &sdk.PutMethodInput{RestApiId: aws.String(api), ResourceId: aws.String(root), HttpMethod: aws.String("GET"),
		AuthorizationType: aws.String("NONE")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.PutIntegration(ctx, &sdk.PutIntegrationInput{RestApiId: aws.String(api), ResourceId: aws.String(root), HttpMethod: aws.String("GET"),
		Type: types.IntegrationTypeMock}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateDeployment(ctx, &sdk.CreateDeploymentInput{RestApiId: aws.String(api), StageName: aws.String("dev")}); err != nil {
		t.Fatal(err)
	}

	v, err := c.CreateDocumentationVersion(ctx, &sdk.CreateDocumentationVersionInput{RestApiId: aws.String(api),
		DocumentationVersion: aws.String("1.0"), StageName: aws.String("dev"), Description: aws.String("first")})
	if err != nil || aws.ToString(v.Version) != "1.0" || aws.ToString(v.Description) != "first" || v.CreatedDate == nil {
		t.Fatalf("create: %v %+v", err, v)
	}
	st, err := c.GetStage(ctx, &sdk.GetStageInput{RestApiId: aws.String(api), StageName: aws.String("dev")})
	if err != nil || aws.ToString(st.DocumentationVersion) != "1.0" {
		t.Fatalf("stage documentationVersion: %v %+v", err, st)
	}
	// The version froze the parts as they were.
	docPart(t, c, api, types.DocumentationPartLocation{Type: types.DocumentationPartTypeResource}, `{"description":"later"}`)
	var frozen []types.DocumentationPart
	if err := env.Node.Store.View(ctx, func(tx store.Tx) error {
		v, err := store.GetJSON[[]types.DocumentationPart](tx, "apigw.docversionparts", store.Key("000000000000", "us-east-1", api, "1.0"))
		if err == nil {
			frozen = *v
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if len(frozen) != 1 || aws.ToString(frozen[0].Properties) != `{"description":"v1 docs"}` {
		t.Fatalf("frozen parts: %+v", frozen)
	}

	if _, err := c.CreateDocumentationVersion(ctx, &sdk.CreateDocumentationVersionInput{RestApiId: aws.String(api), DocumentationVersion: aws.String("2.0")}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		in   sdk.CreateDocumentationVersionInput
		code string
		msg  string
	}{
		{"duplicate", sdk.CreateDocumentationVersionInput{DocumentationVersion: aws.String("1.0")}, "ConflictException", "Documentation version already exists"},
		{"unknown stage", sdk.CreateDocumentationVersionInput{DocumentationVersion: aws.String("3.0"), StageName: aws.String("prod")},
			"NotFoundException", "Invalid Stage identifier specified"},
		{"unknown api", sdk.CreateDocumentationVersionInput{RestApiId: aws.String("api_id"), DocumentationVersion: aws.String("3.0")},
			"NotFoundException", "Invalid API identifier specified 000000000000:api_id"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := tc.in
			if in.RestApiId == nil {
				in.RestApiId = aws.String(api)
			}
			_, err := c.CreateDocumentationVersion(ctx, &in)
			apiErr(t, err, tc.code, tc.msg)
		})
	}

	first, err := c.GetDocumentationVersions(ctx, &sdk.GetDocumentationVersionsInput{RestApiId: aws.String(api), Limit: aws.Int32(1)})
	if err != nil || len(first.Items) != 1 || aws.ToString(first.Items[0].Version) != "1.0" || first.Position == nil {
		t.Fatalf("page 1: %v %+v", err, first)
	}
	second, err := c.GetDocumentationVersions(ctx, &sdk.GetDocumentationVersionsInput{RestApiId: aws.String(api), Limit: aws.Int32(1), Position: first.Position})
	if err != nil || len(second.Items) != 1 || aws.ToString(second.Items[0].Version) != "2.0" || second.Position != nil {
		t.Fatalf("page 2: %v %+v", err, second)
	}

	up, err := c.UpdateDocumentationVersion(ctx, &sdk.UpdateDocumentationVersionInput{RestApiId: aws.String(api), DocumentationVersion: aws.String("2.0"),
		PatchOperations: []types.PatchOperation{mdlOp(types.OpReplace, "/description", "second")}})
	if err != nil || aws.ToString(up.Description) != "second" {
		t.Fatalf("update: %v %+v", err, up)
	}
	_, err = c.UpdateDocumentationVersion(ctx, &sdk.UpdateDocumentationVersionInput{RestApiId: aws.String(api), DocumentationVersion: aws.String("2.0"),
		PatchOperations: []types.PatchOperation{mdlOp(types.OpReplace, "/version", "x")}})
	apiErr(t, err, "BadRequestException", "Invalid patch path  '/version' specified for op 'replace'. Must be one of: [/description]")
	got, err := c.GetDocumentationVersion(ctx, &sdk.GetDocumentationVersionInput{RestApiId: aws.String(api), DocumentationVersion: aws.String("2.0")})
	if err != nil || aws.ToString(got.Description) != "second" {
		t.Fatalf("get: %v %+v", err, got)
	}

	if _, err := c.DeleteDocumentationVersion(ctx, &sdk.DeleteDocumentationVersionInput{RestApiId: aws.String(api), DocumentationVersion: aws.String("2.0")}); err != nil {
		t.Fatal(err)
	}
	// [C] the text the serverless-aws-documentation plugin matches on.
	_, err = c.GetDocumentationVersion(ctx, &sdk.GetDocumentationVersionInput{RestApiId: aws.String(api), DocumentationVersion: aws.String("2.0")})
	apiErr(t, err, "NotFoundException", "Invalid Documentation version specified")
	_, err = c.DeleteDocumentationVersion(ctx, &sdk.DeleteDocumentationVersionInput{RestApiId: aws.String(api), DocumentationVersion: aws.String("2.0")})
	apiErr(t, err, "NotFoundException", "Invalid Documentation version specified")
}
