package apigateway_test

import (
	"context"
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	sdk "github.com/aws/aws-sdk-go-v2/service/apigateway"
	"github.com/aws/aws-sdk-go-v2/service/apigateway/types"

	"github.com/stagecraft/stagecraft/internal/clock"
	"github.com/stagecraft/stagecraft/internal/service/apigateway"
	"github.com/stagecraft/stagecraft/internal/store"
	"github.com/stagecraft/stagecraft/internal/testenv"
	"github.com/stagecraft/stagecraft/internal/wire"
)

// depAPI is a REST API made for a deployment test.
type depAPI struct {
	env  *testenv.Env
	c    *sdk.Client
	ctx  context.Context
	id   string
	root string
}

// depNewAPI creates an empty REST API.
func depNewAPI(t *testing.T, env *testenv.Env) *depAPI {
	t.Helper()
	c := env.APIGateway()
	ctx := context.Background()
	ra, err := c.CreateRestApi(ctx, &sdk.CreateRestApiInput{Name: aws.String("dep-test")})
	if err != nil {
		t.Fatal(err)
	}
	return &depAPI{env: env, c: c, ctx: ctx, id: *ra.Id, root: *ra.RootResourceId}
}

// depDeployableAPI creates an API with GET / backed by a MOCK integration.
func depDeployableAPI(t *testing.T, env *testenv.Env) *depAPI {
	t.Helper()
	a := depNewAPI(t, env)
	a.mockMethod(t, a.root, "GET", "NONE", false)
	return a
}

func (a *depAPI) method(t *testing.T, resourceID, verb, auth string, keyRequired bool) {
	t.Helper()
	if _, err := a.c.PutMethod(a.ctx, &sdk.PutMethodInput{RestApiId: &a.id, ResourceId: &resourceID,
		HttpMethod: aws.String(verb), AuthorizationType: aws.String(auth), ApiKeyRequired: keyRequired}); err != nil {
		t.Fatal(err)
	}
}

func (a *depAPI) mockMethod(t *testing.T, resourceID, verb, auth string, keyRequired bool) {
	t.Helper()
	a.method(t, resourceID, verb, auth, keyRequired)
	if _, err := a.c.PutIntegration(a.ctx, &sdk.PutIntegrationInput{RestApiId: &a.id, ResourceId: &resourceID,
		HttpMethod: aws.String(verb), Type: types.IntegrationTypeMock,
		RequestTemplates: map[string]string{"application/json": `{"statusCode": 200}`}}); err != nil {
		t.Fatal(err)
	}
}

func (a *depAPI) resource(t *testing.T, parent, part string) string {
	t.Helper()
	r, err := a.c.CreateResource(a.ctx, &sdk.CreateResourceInput{RestApiId: &a.id, ParentId: &parent, PathPart: aws.String(part)})
	if err != nil {
		t.Fatal(err)
	}
	return *r.Id
}

func (a *depAPI) deploy(t *testing.T, in *sdk.CreateDeploymentInput) string {
	t.Helper()
	if in == nil {
		in = &sdk.CreateDeploymentInput{}
	}
	in.RestApiId = &a.id
	d, err := a.c.CreateDeployment(a.ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	return *d.Id
}

func (a *depAPI) stage(t *testing.T, name string) *sdk.GetStageOutput {
	t.Helper()
	st, err := a.c.GetStage(a.ctx, &sdk.GetStageInput{RestApiId: &a.id, StageName: &name})
	if err != nil {
		t.Fatal(err)
	}
	return st
}

var depIDRE = regexp.MustCompile(`^[a-z0-9]{6}$`)

func TestCreateDeploymentErrors(t *testing.T) {
	env := testenv.Start(t)
	empty := depNewAPI(t, env)
	noIntegration := depNewAPI(t, env)
	noIntegration.method(t, noIntegration.root, "GET", "NONE", false)
	ok := depDeployableAPI(t, env)
	ok.deploy(t, &sdk.CreateDeploymentInput{StageName: aws.String("existing")})
	canary := &types.DeploymentCanarySettings{PercentTraffic: 10}

	cases := []struct {
		name      string
		api       *depAPI
		in        sdk.CreateDeploymentInput
		code, msg string
	}{
		{"unknown api", nil, sdk.CreateDeploymentInput{}, "NotFoundException", "Invalid API identifier specified 000000000000:nope123456"},
		{"no methods", empty, sdk.CreateDeploymentInput{}, "BadRequestException", "The REST API doesn't contain any methods"},
		{"method without integration", noIntegration, sdk.CreateDeploymentInput{}, "BadRequestException", "No integration defined for method"},
		{"canary without stage name", ok, sdk.CreateDeploymentInput{CanarySettings: canary},
			"BadRequestException", "Invalid deployment content specified.Non null and non empty stageName must be provided for canary deployment. Provided value is null"},
		{"canary with empty stage name", ok, sdk.CreateDeploymentInput{CanarySettings: canary, StageName: aws.String("")},
			"BadRequestException", "Invalid deployment content specified.Non null and non empty stageName must be provided for canary deployment. Provided value is "},
		{"canary with missing stage", ok, sdk.CreateDeploymentInput{CanarySettings: canary, StageName: aws.String("nostage")},
			"BadRequestException", "Invalid deployment content specified.Stage nostage must already be created before making a canary release deployment"},
		// The canary checks come before the content checks.
		{"canary checked before content", empty, sdk.CreateDeploymentInput{CanarySettings: canary},
			"BadRequestException", "Invalid deployment content specified.Non null and non empty stageName must be provided for canary deployment. Provided value is null"},
		{"content checked before stage name", empty, sdk.CreateDeploymentInput{StageName: aws.String("bad name")},
			"BadRequestException", "The REST API doesn't contain any methods"},
		{"bad stage name", ok, sdk.CreateDeploymentInput{StageName: aws.String("bad name")}, "BadRequestException", "Stage name only allows a-zA-Z0-9_-"},
		{"stage name too long", ok, sdk.CreateDeploymentInput{StageName: aws.String(strings.Repeat("a", 129))}, "BadRequestException", "Stage name only allows a-zA-Z0-9_-"},
		{"bad variable name", ok, sdk.CreateDeploymentInput{StageName: aws.String("s"), Variables: map[string]string{"a-b": "x"}},
			"BadRequestException", "Invalid stage variable name: a-b. Please use names with only word characters."},
		{"bad variable value", ok, sdk.CreateDeploymentInput{StageName: aws.String("s"), Variables: map[string]string{"a": "x<y"}},
			"BadRequestException", "Invalid stage variable value of key a.  Please use values with alphanumeric characters and the symbols ' ', -', '.', '_', ':', '/', '?', '&', '=', and ','."},
		{"empty variable value", ok, sdk.CreateDeploymentInput{StageName: aws.String("s"), Variables: map[string]string{"a": ""}},
			"BadRequestException", "Invalid stage variable value of key a.  Please use values with alphanumeric characters and the symbols ' ', -', '.', '_', ':', '/', '?', '&', '=', and ','."},
		{"bad canary override", ok, sdk.CreateDeploymentInput{StageName: aws.String("existing"),
			CanarySettings: &types.DeploymentCanarySettings{StageVariableOverrides: map[string]string{"a b": "x"}}},
			"BadRequestException", "Invalid stage variable name: a b. Please use names with only word characters."},
		{"canary percent above 100", ok, sdk.CreateDeploymentInput{StageName: aws.String("existing"),
			CanarySettings: &types.DeploymentCanarySettings{PercentTraffic: 100.5}},
			"BadRequestException", "Canary traffic percentage must be between 0.0 and 100.0"},
		{"bad cache size", ok, sdk.CreateDeploymentInput{StageName: aws.String("s"), CacheClusterSize: "2.0"},
			"ValidationException", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			in := tc.in
			c := ok.c
			if tc.api == nil {
				in.RestApiId = aws.String("nope123456")
			} else {
				in.RestApiId = &tc.api.id
			}
			_, err := c.CreateDeployment(context.Background(), &in)
			apiErr(t, err, tc.code, tc.msg)
		})
	}

	// None of the failures left a deployment or a stage behind.
	for _, a := range []*depAPI{empty, noIntegration} {
		ds, err := a.c.GetDeployments(a.ctx, &sdk.GetDeploymentsInput{RestApiId: &a.id})
		if err != nil || len(ds.Items) != 0 {
			t.Fatalf("deployments after failures: %v %+v", err, ds)
		}
	}
	sts, err := ok.c.GetStages(ok.ctx, &sdk.GetStagesInput{RestApiId: &ok.id})
	if err != nil || len(sts.Item) != 1 || *sts.Item[0].StageName != "existing" {
		t.Fatalf("stages after failures: %v %+v", err, sts)
	}
	if st := ok.stage(t, "existing"); st.CanarySettings != nil {
		t.Fatalf("a failed canary deployment set a canary: %+v", st.CanarySettings)
	}
}

func TestCreateDeploymentResponseAndApiSummary(t *testing.T) {
	fc := clock.NewFake(time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC))
	env := testenv.Start(t, testenv.WithFakeClock(fc))
	a := depDeployableAPI(t, env)
	pets := a.resource(t, a.root, "pets")
	a.mockMethod(t, pets, "POST", "AWS_IAM", true)
	a.mockMethod(t, pets, "ANY", "NONE", false)

	d, err := a.c.CreateDeployment(a.ctx, &sdk.CreateDeploymentInput{RestApiId: &a.id, Description: aws.String("first")})
	if err != nil {
		t.Fatal(err)
	}
	if !depIDRE.MatchString(*d.Id) || *d.Description != "first" || !d.CreatedDate.Equal(fc.Now()) {
		t.Fatalf("create: %+v", d)
	}
	if d.ApiSummary != nil {
		t.Fatalf("CreateDeployment must not return apiSummary: %+v", d.ApiSummary)
	}

	// No description: the key is absent.
	d2, err := a.c.CreateDeployment(a.ctx, &sdk.CreateDeploymentInput{RestApiId: &a.id})
	if err != nil || d2.Description != nil || *d2.Id == *d.Id {
		t.Fatalf("create without description: %v %+v", err, d2)
	}

	want := map[string]map[string]types.MethodSnapshot{
		"/":     {"GET": {AuthorizationType: aws.String("NONE"), ApiKeyRequired: false}},
		"/pets": {"POST": {AuthorizationType: aws.String("AWS_IAM"), ApiKeyRequired: true}, "ANY": {AuthorizationType: aws.String("NONE")}},
	}
	for _, embed := range [][]string{{"apisummary"}, {"foo", "apisummary"}, {"foo,apisummary"}} {
		got, err := a.c.GetDeployment(a.ctx, &sdk.GetDeploymentInput{RestApiId: &a.id, DeploymentId: d.Id, Embed: embed})
		if err != nil {
			t.Fatal(err)
		}
		if len(got.ApiSummary) != len(want) {
			t.Fatalf("embed %v: summary %+v", embed, got.ApiSummary)
		}
		for p, methods := range want {
			if len(got.ApiSummary[p]) != len(methods) {
				t.Fatalf("embed %v: %s: %+v", embed, p, got.ApiSummary[p])
			}
			for verb, ms := range methods {
				g := got.ApiSummary[p][verb]
				if g.AuthorizationType == nil || *g.AuthorizationType != *ms.AuthorizationType || g.ApiKeyRequired != ms.ApiKeyRequired {
					t.Fatalf("embed %v: %s %s: %+v", embed, p, verb, g)
				}
			}
		}
	}
	plain, err := a.c.GetDeployment(a.ctx, &sdk.GetDeploymentInput{RestApiId: &a.id, DeploymentId: d.Id})
	if err != nil || plain.ApiSummary != nil || *plain.Description != "first" || !plain.CreatedDate.Equal(fc.Now()) {
		t.Fatalf("get without embed: %v %+v", err, plain)
	}

	// The summary is frozen: a method added later is not in it.
	a.mockMethod(t, pets, "DELETE", "NONE", false)
	got, err := a.c.GetDeployment(a.ctx, &sdk.GetDeploymentInput{RestApiId: &a.id, DeploymentId: d.Id, Embed: []string{"apisummary"}})
	if err != nil || len(got.ApiSummary["/pets"]) != 2 {
		t.Fatalf("summary changed after the deployment: %v %+v", err, got.ApiSummary)
	}

	_, err = a.c.GetDeployment(a.ctx, &sdk.GetDeploymentInput{RestApiId: &a.id, DeploymentId: aws.String("nope12")})
	apiErr(t, err, "NotFoundException", "Invalid Deployment identifier specified")
	_, err = a.c.GetDeployment(a.ctx, &sdk.GetDeploymentInput{RestApiId: aws.String("nope123456"), DeploymentId: d.Id})
	apiErr(t, err, "NotFoundException", "Invalid API identifier specified 000000000000:nope123456")
}

func TestGetDeploymentsPagination(t *testing.T) {
	env := testenv.Start(t)
	a := depDeployableAPI(t, env)
	want := map[string]bool{}
	for range 5 {
		want[a.deploy(t, &sdk.CreateDeploymentInput{Description: aws.String("d")})] = true
	}
	p := sdk.NewGetDeploymentsPaginator(a.c, &sdk.GetDeploymentsInput{RestApiId: &a.id, Limit: aws.Int32(2)})
	seen, pages := map[string]bool{}, 0
	for p.HasMorePages() {
		out, err := p.NextPage(a.ctx)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		if len(out.Items) > 2 {
			t.Fatalf("page of %d", len(out.Items))
		}
		for _, d := range out.Items {
			if seen[*d.Id] || !want[*d.Id] || d.ApiSummary != nil || *d.Description != "d" || d.CreatedDate == nil {
				t.Fatalf("item %+v", d)
			}
			seen[*d.Id] = true
		}
	}
	if len(seen) != 5 || pages != 3 {
		t.Fatalf("saw %d deployments in %d pages", len(seen), pages)
	}
	all, err := a.c.GetDeployments(a.ctx, &sdk.GetDeploymentsInput{RestApiId: &a.id})
	if err != nil || len(all.Items) != 5 || all.Position != nil {
		t.Fatalf("one page: %v %+v", err, all)
	}
	_, err = a.c.GetDeployments(a.ctx, &sdk.GetDeploymentsInput{RestApiId: &a.id, Limit: aws.Int32(501)})
	apiErr(t, err, "BadRequestException", "")
}

func TestUpdateDeployment(t *testing.T) {
	env := testenv.Start(t)
	a := depDeployableAPI(t, env)
	id := a.deploy(t, &sdk.CreateDeploymentInput{Description: aws.String("old")})

	up, err := a.c.UpdateDeployment(a.ctx, &sdk.UpdateDeploymentInput{RestApiId: &a.id, DeploymentId: &id,
		PatchOperations: []types.PatchOperation{{Op: types.OpReplace, Path: aws.String("/description"), Value: aws.String("new")}}})
	if err != nil || *up.Description != "new" || *up.Id != id || up.ApiSummary != nil {
		t.Fatalf("update: %v %+v", err, up)
	}

	cases := []struct {
		op   types.Op
		path string
		msg  string
	}{
		{types.OpAdd, "/description", "Invalid patch path  '/description' specified for op 'add'. Please choose supported operations"},
		{types.OpRemove, "/description", "Invalid patch path  '/description' specified for op 'remove'. Please choose supported operations"},
		{types.OpReplace, "/id", "Invalid patch path  '/id' specified for op 'replace'. Please choose supported operations"},
		{types.OpReplace, "/apiSummary", "Invalid patch path  '/apiSummary' specified for op 'replace'. Please choose supported operations"},
	}
	for _, tc := range cases {
		_, err := a.c.UpdateDeployment(a.ctx, &sdk.UpdateDeploymentInput{RestApiId: &a.id, DeploymentId: &id,
			PatchOperations: []types.PatchOperation{
				{Op: types.OpReplace, Path: aws.String("/description"), Value: aws.String("lost")},
				{Op: tc.op, Path: aws.String(tc.path), Value: aws.String("x")}}})
		apiErr(t, err, "BadRequestException", tc.msg)
	}
	got, err := a.c.GetDeployment(a.ctx, &sdk.GetDeploymentInput{RestApiId: &a.id, DeploymentId: &id})
	if err != nil || *got.Description != "new" {
		t.Fatalf("a failed update changed the deployment: %v %+v", err, got)
	}
	_, err = a.c.UpdateDeployment(a.ctx, &sdk.UpdateDeploymentInput{RestApiId: &a.id, DeploymentId: aws.String("nope12"),
		PatchOperations: []types.PatchOperation{{Op: types.OpReplace, Path: aws.String("/description"), Value: aws.String("x")}}})
	apiErr(t, err, "NotFoundException", "Invalid Deployment identifier specified")
}

func TestDeleteDeployment(t *testing.T) {
	env := testenv.Start(t)
	a := depDeployableAPI(t, env)
	d1 := a.deploy(t, &sdk.CreateDeploymentInput{StageName: aws.String("prod")})
	d2 := a.deploy(t, nil)
	d3 := a.deploy(t, nil)
	// d2 is only the canary of prod.
	if _, err := a.c.UpdateStage(a.ctx, &sdk.UpdateStageInput{RestApiId: &a.id, StageName: aws.String("prod"),
		PatchOperations: []types.PatchOperation{{Op: types.OpReplace, Path: aws.String("/canarySettings/deploymentId"), Value: &d2}}}); err != nil {
		t.Fatal(err)
	}

	for _, id := range []string{d1, d2} {
		_, err := a.c.DeleteDeployment(a.ctx, &sdk.DeleteDeploymentInput{RestApiId: &a.id, DeploymentId: aws.String(id)})
		apiErr(t, err, "BadRequestException", "Active stages pointing to this deployment must be moved or deleted")
	}
	if _, err := a.c.DeleteDeployment(a.ctx, &sdk.DeleteDeploymentInput{RestApiId: &a.id, DeploymentId: &d3}); err != nil {
		t.Fatal(err)
	}
	_, err := a.c.GetDeployment(a.ctx, &sdk.GetDeploymentInput{RestApiId: &a.id, DeploymentId: &d3})
	apiErr(t, err, "NotFoundException", "Invalid Deployment identifier specified")
	_, err = a.c.DeleteDeployment(a.ctx, &sdk.DeleteDeploymentInput{RestApiId: &a.id, DeploymentId: &d3})
	apiErr(t, err, "NotFoundException", "Invalid Deployment identifier specified")

	// Its snapshot went with it; the others' stay.
	snapErr := func(id string) error {
		return env.Node.Store.View(depScope(), func(tx store.Tx) error {
			_, err := apigateway.LoadSnapshot(depScope(), tx, a.id, id)
			return err
		})
	}
	if err := snapErr(d3); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("snapshot of a deleted deployment: %v", err)
	}
	if err := snapErr(d1); err != nil {
		t.Fatalf("snapshot of a live deployment: %v", err)
	}

	// Once the canary is removed and the stage deleted, both can go.
	if _, err := a.c.UpdateStage(a.ctx, &sdk.UpdateStageInput{RestApiId: &a.id, StageName: aws.String("prod"),
		PatchOperations: []types.PatchOperation{{Op: types.OpRemove, Path: aws.String("/canarySettings")}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := a.c.DeleteDeployment(a.ctx, &sdk.DeleteDeploymentInput{RestApiId: &a.id, DeploymentId: &d2}); err != nil {
		t.Fatal(err)
	}
	if _, err := a.c.DeleteStage(a.ctx, &sdk.DeleteStageInput{RestApiId: &a.id, StageName: aws.String("prod")}); err != nil {
		t.Fatal(err)
	}
	if _, err := a.c.DeleteDeployment(a.ctx, &sdk.DeleteDeploymentInput{RestApiId: &a.id, DeploymentId: &d1}); err != nil {
		t.Fatal(err)
	}
}

// depScope is the request scope the test clients act in.
func depScope() context.Context {
	return wire.WithScope(context.Background(), wire.Scope{Account: "000000000000", Region: "us-east-1"})
}

func TestDeploymentSnapshot(t *testing.T) {
	env := testenv.Start(t)
	a := depNewAPI(t, env)
	if _, err := a.c.UpdateRestApi(a.ctx, &sdk.UpdateRestApiInput{RestApiId: &a.id, PatchOperations: []types.PatchOperation{
		{Op: types.OpAdd, Path: aws.String("/binaryMediaTypes/image~1png")},
		{Op: types.OpReplace, Path: aws.String("/minimumCompressionSize"), Value: aws.String("1024")},
	}}); err != nil {
		t.Fatal(err)
	}
	pets := a.resource(t, a.root, "pets")
	id := a.resource(t, pets, "{id}")
	a.mockMethod(t, id, "GET", "NONE", true)
	if _, err := a.c.PutMethodResponse(a.ctx, &sdk.PutMethodResponseInput{RestApiId: &a.id, ResourceId: &id,
		HttpMethod: aws.String("GET"), StatusCode: aws.String("200")}); err != nil {
		t.Fatal(err)
	}
	if _, err := a.c.PutIntegrationResponse(a.ctx, &sdk.PutIntegrationResponseInput{RestApiId: &a.id, ResourceId: &id,
		HttpMethod: aws.String("GET"), StatusCode: aws.String("200"),
		ResponseTemplates: map[string]string{"application/json": `{"ok":true}`}}); err != nil {
		t.Fatal(err)
	}
	if _, err := a.c.PutGatewayResponse(a.ctx, &sdk.PutGatewayResponseInput{RestApiId: &a.id, ResponseType: types.GatewayResponseTypeUnauthorized,
		StatusCode: aws.String("401"), ResponseTemplates: map[string]string{"application/json": `{"error":"denied"}`}}); err != nil {
		t.Fatal(err)
	}
	dep := a.deploy(t, nil)

	// Change the live API afterwards: the snapshot must not follow.
	if _, err := a.c.UpdateRestApi(a.ctx, &sdk.UpdateRestApiInput{RestApiId: &a.id, PatchOperations: []types.PatchOperation{
		{Op: types.OpRemove, Path: aws.String("/binaryMediaTypes/image~1png")},
	}}); err != nil {
		t.Fatal(err)
	}
	a.mockMethod(t, pets, "POST", "NONE", false)

	var snap *apigateway.Snapshot
	if err := env.Node.Store.View(depScope(), func(tx store.Tx) (err error) {
		snap, err = apigateway.LoadSnapshot(depScope(), tx, a.id, dep)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if snap.DeploymentID != dep || snap.CreatedDate.IsZero() || *snap.RestApi.Id != a.id ||
		len(snap.RestApi.BinaryMediaTypes) != 1 || snap.RestApi.BinaryMediaTypes[0] != "image/png" ||
		snap.RestApi.MinimumCompressionSize == nil || *snap.RestApi.MinimumCompressionSize != 1024 {
		t.Fatalf("snapshot api: %+v", snap)
	}
	paths := []string{}
	for _, r := range snap.Resources {
		paths = append(paths, r.Path)
	}
	if strings.Join(paths, ",") != "/,/pets,/pets/{id}" {
		t.Fatalf("snapshot paths %v", paths)
	}
	if snap.Root() == nil || snap.Root().ID != a.root || len(snap.Children(a.root)) != 1 {
		t.Fatalf("root/children: %+v", snap.Resources)
	}
	r := snap.Resource(id)
	if r == nil || r.PathPart != "{id}" || r.ParentID != pets {
		t.Fatalf("resource %+v", r)
	}
	m, ok := r.Methods["GET"]
	if !ok || m.MethodIntegration == nil || *m.MethodIntegration.Type != "MOCK" ||
		m.MethodIntegration.IntegrationResponses["200"].ResponseTemplates["application/json"] != `{"ok":true}` ||
		m.MethodResponses["200"].StatusCode == nil || !*m.ApiKeyRequired {
		t.Fatalf("method %+v", m)
	}
	// Gateway responses: only the customized one is stored; the others
	// take effect as AWS's defaults.
	if g := snap.GatewayResponses["UNAUTHORIZED"]; g.StatusCode == nil || *g.StatusCode != "401" || *g.DefaultResponse ||
		g.ResponseTemplates["application/json"] != `{"error":"denied"}` {
		t.Fatalf("customized gateway response: %+v", g)
	}
	if len(snap.GatewayResponses) != 1 {
		t.Fatalf("snapshot gateway responses: %d, want the customized one only", len(snap.GatewayResponses))
	}
	if g := apigateway.EffectiveGatewayResponse("MISSING_AUTHENTICATION_TOKEN", snap.GatewayResponses); g.StatusCode == nil || *g.StatusCode != "403" || !*g.DefaultResponse {
		t.Fatalf("default gateway response: %+v", g)
	}
	if len(snap.Resource(pets).Methods) != 0 {
		t.Fatalf("a method added after the deployment is in the snapshot: %+v", snap.Resource(pets).Methods)
	}
}
