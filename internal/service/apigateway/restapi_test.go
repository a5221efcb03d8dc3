package apigateway_test

import (
	"context"
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	sdk "github.com/aws/aws-sdk-go-v2/service/apigateway"
	"github.com/aws/aws-sdk-go-v2/service/apigateway/types"
	"github.com/aws/smithy-go"

	"github.com/stagecraft/stagecraft/internal/testenv"
)

// apiErr asserts err is an AWS error with the given code and message.
func apiErr(t *testing.T, err error, code, msg string) {
	t.Helper()
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("want %s error, got %v", code, err)
	}
	if ae.ErrorCode() != code || (msg != "" && ae.ErrorMessage() != msg) {
		t.Fatalf("want %s %q, got %s %q", code, msg, ae.ErrorCode(), ae.ErrorMessage())
	}
}

func TestRestApiLifecycle(t *testing.T) {
	env := testenv.Start(t)
	c := env.APIGateway()
	ctx := context.Background()

	created, err := c.CreateRestApi(ctx, &sdk.CreateRestApiInput{Name: aws.String("example")})
	if err != nil {
		t.Fatal(err)
	}
	if len(*created.Id) != 10 || *created.Name != "example" || created.ApiKeySource != types.ApiKeySourceTypeHeader ||
		created.DisableExecuteApiEndpoint || created.EndpointConfiguration.Types[0] != types.EndpointTypeEdge ||
		created.RootResourceId == nil || created.CreatedDate == nil || created.Description != nil {
		t.Fatalf("unexpected defaults: %+v", created)
	}

	got, err := c.GetRestApi(ctx, &sdk.GetRestApiInput{RestApiId: created.Id})
	if err != nil || *got.Id != *created.Id || !got.CreatedDate.Equal(*created.CreatedDate) {
		t.Fatalf("get: %v %+v", err, got)
	}

	_, err = c.CreateRestApi(ctx, &sdk.CreateRestApiInput{Name: aws.String("x"), Description: aws.String("")})
	apiErr(t, err, "BadRequestException", "Description cannot be an empty string")

	_, err = c.GetRestApi(ctx, &sdk.GetRestApiInput{RestApiId: aws.String("NOPE")})
	apiErr(t, err, "NotFoundException", "Invalid API identifier specified 000000000000:NOPE")

	upd, err := c.UpdateRestApi(ctx, &sdk.UpdateRestApiInput{RestApiId: created.Id, PatchOperations: []types.PatchOperation{
		{Op: types.OpReplace, Path: aws.String("/description"), Value: aws.String("hello")},
		{Op: types.OpAdd, Path: aws.String("/binaryMediaTypes/image~1png")},
	}})
	if err != nil || *upd.Description != "hello" || len(upd.BinaryMediaTypes) != 1 || upd.BinaryMediaTypes[0] != "image/png" {
		t.Fatalf("update: %v %+v", err, upd)
	}
	// remove ops really remove (and an empty minimumCompressionSize turns compression off).
	if _, err := c.UpdateRestApi(ctx, &sdk.UpdateRestApiInput{RestApiId: created.Id, PatchOperations: []types.PatchOperation{
		{Op: types.OpReplace, Path: aws.String("/minimumCompressionSize"), Value: aws.String("1024")},
	}}); err != nil {
		t.Fatal(err)
	}
	upd, err = c.UpdateRestApi(ctx, &sdk.UpdateRestApiInput{RestApiId: created.Id, PatchOperations: []types.PatchOperation{
		{Op: types.OpRemove, Path: aws.String("/binaryMediaTypes/image~1png")},
		{Op: types.OpReplace, Path: aws.String("/minimumCompressionSize"), Value: aws.String("")},
	}})
	if err != nil || len(upd.BinaryMediaTypes) != 0 || upd.MinimumCompressionSize != nil {
		t.Fatalf("remove: %v %+v", err, upd)
	}
	_, err = c.UpdateRestApi(ctx, &sdk.UpdateRestApiInput{RestApiId: created.Id, PatchOperations: []types.PatchOperation{
		{Op: types.OpAdd, Path: aws.String("/name"), Value: aws.String("x")},
	}})
	apiErr(t, err, "BadRequestException", "Invalid patch path  '/name' specified for op 'add'. Please choose supported operations")

	// Pagination: three APIs, pages of two.
	for _, n := range []string{"b", "c"} {
		if _, err := c.CreateRestApi(ctx, &sdk.CreateRestApiInput{Name: aws.String(n)}); err != nil {
			t.Fatal(err)
		}
	}
	p := sdk.NewGetRestApisPaginator(c, &sdk.GetRestApisInput{Limit: aws.Int32(2)})
	seen, pages := map[string]bool{}, 0
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, it := range out.Items {
			if seen[*it.Id] {
				t.Fatalf("duplicate %s across pages", *it.Id)
			}
			seen[*it.Id] = true
		}
	}
	if len(seen) != 3 || pages != 2 {
		t.Fatalf("paginated %d apis in %d pages, want 3 in 2", len(seen), pages)
	}

	if _, err := c.DeleteRestApi(ctx, &sdk.DeleteRestApiInput{RestApiId: created.Id}); err != nil {
		t.Fatal(err)
	}
	_, err = c.GetRestApi(ctx, &sdk.GetRestApiInput{RestApiId: created.Id})
	apiErr(t, err, "NotFoundException", "")
}

func TestAccountsAndRegionsAreIsolated(t *testing.T) {
	env := testenv.Start(t)
	ctx := context.Background()
	a := sdk.NewFromConfig(env.AWSConfigFor("111111111111", "s"))
	b := sdk.NewFromConfig(env.AWSConfigFor("222222222222", "s"))
	created, err := a.CreateRestApi(ctx, &sdk.CreateRestApiInput{Name: aws.String("mine")})
	if err != nil {
		t.Fatal(err)
	}
	_, err = b.GetRestApi(ctx, &sdk.GetRestApiInput{RestApiId: created.Id})
	apiErr(t, err, "NotFoundException", "Invalid API identifier specified 222222222222:"+*created.Id)
	west := sdk.NewFromConfig(env.AWSConfigFor("111111111111", "s"), func(o *sdk.Options) { o.Region = "us-west-2" })
	_, err = west.GetRestApi(ctx, &sdk.GetRestApiInput{RestApiId: created.Id})
	apiErr(t, err, "NotFoundException", "")
}

func TestResourceTreeRules(t *testing.T) {
	env := testenv.Start(t)
	c := env.APIGateway()
	ctx := context.Background()
	ra, err := c.CreateRestApi(ctx, &sdk.CreateRestApiInput{Name: aws.String("tree")})
	if err != nil {
		t.Fatal(err)
	}
	mk := func(parent, part string) (*sdk.CreateResourceOutput, error) {
		return c.CreateResource(ctx, &sdk.CreateResourceInput{RestApiId: ra.Id, ParentId: aws.String(parent), PathPart: aws.String(part)})
	}
	pets, err := mk(*ra.RootResourceId, "pets")
	if err != nil || *pets.Path != "/pets" || len(*pets.Id) != 6 {
		t.Fatalf("%v %+v", err, pets)
	}
	_, err = mk(*ra.RootResourceId, "pets")
	apiErr(t, err, "ConflictException", "Another resource with the same parent already has this name: pets")
	id, err := mk(*pets.Id, "{id}")
	if err != nil || *id.Path != "/pets/{id}" {
		t.Fatalf("%v %+v", err, id)
	}
	_, err = mk(*pets.Id, "{proxy+}")
	apiErr(t, err, "BadRequestException", "A sibling ({id}) of this resource already has a variable path part -- only one is allowed")
	greedy, err := mk(*ra.RootResourceId, "{proxy+}")
	if err != nil {
		t.Fatal(err)
	}
	_, err = mk(*greedy.Id, "x")
	apiErr(t, err, "BadRequestException", "Cannot create a child of a resource with a greedy path variable: {proxy+}")
	_, err = mk(*ra.RootResourceId, "bad part")
	apiErr(t, err, "BadRequestException", "")
	_, err = mk("nope", "x")
	apiErr(t, err, "NotFoundException", "Invalid Resource identifier specified")

	// Moving /pets under a new parent moves its subtree's paths too.
	v1, err := mk(*ra.RootResourceId, "v1")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.UpdateResource(ctx, &sdk.UpdateResourceInput{RestApiId: ra.Id, ResourceId: pets.Id,
		PatchOperations: []types.PatchOperation{{Op: types.OpReplace, Path: aws.String("/parentId"), Value: v1.Id}}}); err != nil {
		t.Fatal(err)
	}
	got, err := c.GetResource(ctx, &sdk.GetResourceInput{RestApiId: ra.Id, ResourceId: id.Id})
	if err != nil || *got.Path != "/v1/pets/{id}" {
		t.Fatalf("after move: %v %+v", err, got)
	}
	_, err = c.UpdateResource(ctx, &sdk.UpdateResourceInput{RestApiId: ra.Id, ResourceId: v1.Id,
		PatchOperations: []types.PatchOperation{{Op: types.OpReplace, Path: aws.String("/parentId"), Value: id.Id}}})
	apiErr(t, err, "BadRequestException", "Resources cannot be cyclical.")
	_, err = c.UpdateResource(ctx, &sdk.UpdateResourceInput{RestApiId: ra.Id, ResourceId: ra.RootResourceId,
		PatchOperations: []types.PatchOperation{{Op: types.OpReplace, Path: aws.String("/pathPart"), Value: aws.String("x")}}})
	apiErr(t, err, "BadRequestException", "Root resource cannot update its pathPart.")

	// Deleting /v1 removes the whole subtree.
	if _, err := c.DeleteResource(ctx, &sdk.DeleteResourceInput{RestApiId: ra.Id, ResourceId: v1.Id}); err != nil {
		t.Fatal(err)
	}
	_, err = c.GetResource(ctx, &sdk.GetResourceInput{RestApiId: ra.Id, ResourceId: id.Id})
	apiErr(t, err, "NotFoundException", "Invalid Resource identifier specified")
	all, err := c.GetResources(ctx, &sdk.GetResourcesInput{RestApiId: ra.Id})
	if err != nil || len(all.Items) != 2 { // "/" and "/{proxy+}"
		t.Fatalf("%v %d items", err, len(all.Items))
	}
}
