package apigateway_test

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	sdk "github.com/aws/aws-sdk-go-v2/service/apigateway"
	"github.com/aws/aws-sdk-go-v2/service/apigateway/types"

	"github.com/stagecraft/stagecraft/internal/clock"
	"github.com/stagecraft/stagecraft/internal/testenv"
)

// acctStage creates a REST API with GET / (MOCK) deployed to a stage and
// returns the API id.
func acctStage(t *testing.T, c *sdk.Client, stages ...string) string {
	t.Helper()
	ctx := context.Background()
	ra, err := c.CreateRestApi(ctx, &sdk.CreateRestApiInput{Name: aws.String("acct")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.PutMethod(ctx, &sdk.PutMethodInput{RestApiId: ra.Id, ResourceId: ra.RootResourceId,
		HttpMethod: aws.String("GET"), AuthorizationType: aws.String("NONE")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.PutIntegration(ctx, &sdk.PutIntegrationInput{RestApiId: ra.Id, ResourceId: ra.RootResourceId,
		HttpMethod: aws.String("GET"), Type: types.IntegrationTypeMock}); err != nil {
		t.Fatal(err)
	}
	for _, st := range stages {
		if _, err := c.CreateDeployment(ctx, &sdk.CreateDeploymentInput{RestApiId: ra.Id, StageName: aws.String(st)}); err != nil {
			t.Fatal(err)
		}
	}
	return *ra.Id
}

// acctFakeEnv starts a node on a fake clock.
func acctFakeEnv(t *testing.T) (*testenv.Env, *clock.Fake) {
	fc := clock.NewFake(time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC))
	return testenv.Start(t, testenv.WithFakeClock(fc)), fc
}

var acctGeneratedValue = regexp.MustCompile(`^[A-Za-z0-9]{40}$`)

func TestCreateApiKeyDefaults(t *testing.T) {
	env, fc := acctFakeEnv(t)
	c := env.APIGateway()
	ctx := context.Background()

	k, err := c.CreateApiKey(ctx, &sdk.CreateApiKeyInput{Name: aws.String("first")})
	if err != nil {
		t.Fatal(err)
	}
	if len(*k.Id) != 10 || *k.Name != "first" || k.Enabled || k.StageKeys == nil || len(k.StageKeys) != 0 ||
		k.Description != nil || k.Tags != nil || !acctGeneratedValue.MatchString(aws.ToString(k.Value)) ||
		!k.CreatedDate.Equal(fc.Now()) || !k.LastUpdatedDate.Equal(fc.Now()) {
		t.Fatalf("unexpected defaults: %+v", k)
	}

	// Get leaves the value out unless includeValue=true.
	got, err := c.GetApiKey(ctx, &sdk.GetApiKeyInput{ApiKey: k.Id})
	if err != nil || got.Value != nil || *got.Name != "first" {
		t.Fatalf("get: %v %+v", err, got)
	}
	got, err = c.GetApiKey(ctx, &sdk.GetApiKeyInput{ApiKey: k.Id, IncludeValue: aws.Bool(true)})
	if err != nil || aws.ToString(got.Value) != *k.Value {
		t.Fatalf("get with value: %v %+v", err, got)
	}

	// An empty value is generated too, and all fields are kept.
	k2, err := c.CreateApiKey(ctx, &sdk.CreateApiKeyInput{Value: aws.String(""), Enabled: true,
		Description: aws.String("d"), CustomerId: aws.String("cust"), Tags: map[string]string{"team": "a"}})
	if err != nil || !acctGeneratedValue.MatchString(*k2.Value) || !k2.Enabled || *k2.Description != "d" ||
		*k2.CustomerId != "cust" || k2.Tags["team"] != "a" || k2.Name != nil {
		t.Fatalf("%v %+v", err, k2)
	}
}

func TestCreateApiKeyErrors(t *testing.T) {
	env := testenv.Start(t)
	c := env.APIGateway()
	ctx := context.Background()
	apiID := acctStage(t, c, "prod")
	value := strings.Repeat("v", 20)
	if _, err := c.CreateApiKey(ctx, &sdk.CreateApiKeyInput{Value: aws.String(value)}); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name      string
		in        *sdk.CreateApiKeyInput
		code, msg string
	}{
		{"short value", &sdk.CreateApiKeyInput{Value: aws.String("short")},
			"BadRequestException", "API Key value should be at least 20 characters"},
		{"19 characters", &sdk.CreateApiKeyInput{Value: aws.String(strings.Repeat("a", 19))},
			"BadRequestException", "API Key value should be at least 20 characters"},
		{"long value", &sdk.CreateApiKeyInput{Value: aws.String(strings.Repeat("a", 129))},
			"BadRequestException", "API Key value exceeds maximum size of 128 characters"},
		{"duplicate value", &sdk.CreateApiKeyInput{Value: aws.String(value)},
			"ConflictException", "API Key already exists"},
		{"unknown stage", &sdk.CreateApiKeyInput{StageKeys: []types.StageKey{{RestApiId: aws.String(apiID), StageName: aws.String("nope")}}},
			"NotFoundException", "Invalid Stage identifier specified"},
		{"unknown api", &sdk.CreateApiKeyInput{StageKeys: []types.StageKey{{RestApiId: aws.String("nope"), StageName: aws.String("prod")}}},
			"NotFoundException", "Invalid Stage identifier specified"},
		{"aws tag", &sdk.CreateApiKeyInput{Tags: map[string]string{"aws:x": "y"}},
			"BadRequestException", "Tag keys cannot start with 'aws:': aws:x"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := c.CreateApiKey(ctx, tc.in)
			apiErr(t, err, tc.code, tc.msg)
		})
	}
	// The edges of the length rule are accepted.
	for _, n := range []int{20, 128} {
		if _, err := c.CreateApiKey(ctx, &sdk.CreateApiKeyInput{Value: aws.String(strings.Repeat("x", n-1) + "y")}); err != nil {
			t.Fatalf("length %d: %v", n, err)
		}
	}
	// Nothing failed half-way: only the three good keys exist.
	all, err := c.GetApiKeys(ctx, &sdk.GetApiKeysInput{})
	if err != nil || len(all.Items) != 3 {
		t.Fatalf("%v %d keys", err, len(all.Items))
	}
}

func TestApiKeyStageKeys(t *testing.T) {
	env := testenv.Start(t)
	c := env.APIGateway()
	ctx := context.Background()
	apiID := acctStage(t, c, "prod", "dev")

	k, err := c.CreateApiKey(ctx, &sdk.CreateApiKeyInput{StageKeys: []types.StageKey{
		{RestApiId: aws.String(apiID), StageName: aws.String("prod")},
		{RestApiId: aws.String(apiID), StageName: aws.String("prod")},
	}})
	if err != nil || len(k.StageKeys) != 1 || k.StageKeys[0] != apiID+"/prod" {
		t.Fatalf("%v %+v", err, k)
	}
	upd, err := c.UpdateApiKey(ctx, &sdk.UpdateApiKeyInput{ApiKey: k.Id, PatchOperations: []types.PatchOperation{
		{Op: types.OpAdd, Path: aws.String("/stages"), Value: aws.String(apiID + "/dev")},
		{Op: types.OpRemove, Path: aws.String("/stages"), Value: aws.String(apiID + "/prod")},
	}})
	if err != nil || len(upd.StageKeys) != 1 || upd.StageKeys[0] != apiID+"/dev" {
		t.Fatalf("%v %+v", err, upd)
	}
	_, err = c.UpdateApiKey(ctx, &sdk.UpdateApiKeyInput{ApiKey: k.Id, PatchOperations: []types.PatchOperation{
		{Op: types.OpAdd, Path: aws.String("/stages"), Value: aws.String(apiID + "/missing")},
	}})
	apiErr(t, err, "NotFoundException", "Invalid Stage identifier specified")
}

func TestGetApiKeysFiltersOrderAndPages(t *testing.T) {
	env, fc := acctFakeEnv(t)
	c := env.APIGateway()
	ctx := context.Background()
	var ids []string
	for _, n := range []string{"test-key-a", "test-key-b", "other"} {
		in := &sdk.CreateApiKeyInput{Name: aws.String(n)}
		if n == "other" {
			in.CustomerId = aws.String("cust-1")
		}
		k, err := c.CreateApiKey(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, *k.Id)
		fc.Advance(time.Second)
	}
	names := func(out *sdk.GetApiKeysOutput) string {
		var l []string
		for _, k := range out.Items {
			l = append(l, aws.ToString(k.Name))
		}
		return strings.Join(l, ",")
	}
	cases := []struct {
		name string
		in   sdk.GetApiKeysInput
		want string
	}{
		{"all, newest first", sdk.GetApiKeysInput{}, "other,test-key-b,test-key-a"},
		{"prefix", sdk.GetApiKeysInput{NameQuery: aws.String("test-")}, "test-key-b,test-key-a"},
		{"full name", sdk.GetApiKeysInput{NameQuery: aws.String("test-key-a")}, "test-key-a"},
		{"prefix is case-sensitive", sdk.GetApiKeysInput{NameQuery: aws.String("TEST-")}, ""},
		{"no infix match", sdk.GetApiKeysInput{NameQuery: aws.String("key")}, ""},
		{"customer", sdk.GetApiKeysInput{CustomerId: aws.String("cust-1")}, "other"},
		{"negative limit is the default page", sdk.GetApiKeysInput{Limit: aws.Int32(-1)}, "other,test-key-b,test-key-a"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			out, err := c.GetApiKeys(ctx, &tc.in)
			if err != nil {
				t.Fatal(err)
			}
			if got := names(out); got != tc.want {
				t.Fatalf("got %q, want %q", got, tc.want)
			}
			for _, k := range out.Items {
				if k.Value != nil {
					t.Fatalf("value listed without includeValues: %+v", k)
				}
			}
		})
	}
	withValues, err := c.GetApiKeys(ctx, &sdk.GetApiKeysInput{IncludeValues: aws.Bool(true)})
	if err != nil || len(withValues.Items) != 3 || withValues.Items[0].Value == nil {
		t.Fatalf("includeValues: %v %+v", err, withValues)
	}

	p := sdk.NewGetApiKeysPaginator(c, &sdk.GetApiKeysInput{Limit: aws.Int32(2)})
	var seen []string
	pages := 0
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, k := range out.Items {
			seen = append(seen, *k.Id)
		}
	}
	if pages != 2 || strings.Join(seen, ",") != strings.Join([]string{ids[2], ids[1], ids[0]}, ",") {
		t.Fatalf("pages %d, ids %v (created %v)", pages, seen, ids)
	}
}

func TestUpdateApiKey(t *testing.T) {
	env, fc := acctFakeEnv(t)
	c := env.APIGateway()
	ctx := context.Background()
	k, err := c.CreateApiKey(ctx, &sdk.CreateApiKeyInput{Name: aws.String("key-enabled-false")})
	if err != nil {
		t.Fatal(err)
	}
	fc.Advance(time.Minute)
	upd, err := c.UpdateApiKey(ctx, &sdk.UpdateApiKeyInput{ApiKey: k.Id, PatchOperations: []types.PatchOperation{
		{Op: types.OpReplace, Path: aws.String("/name"), Value: aws.String("new-name")},
		{Op: types.OpReplace, Path: aws.String("/description"), Value: aws.String("desc")},
		{Op: types.OpReplace, Path: aws.String("/enabled"), Value: aws.String("true")},
		{Op: types.OpReplace, Path: aws.String("/customerId"), Value: aws.String("c-9")},
	}})
	if err != nil {
		t.Fatal(err)
	}
	if *upd.Name != "new-name" || *upd.Description != "desc" || !upd.Enabled || *upd.CustomerId != "c-9" ||
		upd.Value != nil || upd.Tags == nil || len(upd.Tags) != 0 ||
		!upd.LastUpdatedDate.Equal(fc.Now()) || !upd.CreatedDate.Equal(*k.CreatedDate) {
		t.Fatalf("update: %+v", upd)
	}
	// AWS takes anything but "true" as false.
	upd, err = c.UpdateApiKey(ctx, &sdk.UpdateApiKeyInput{ApiKey: k.Id, PatchOperations: []types.PatchOperation{
		{Op: types.OpReplace, Path: aws.String("/enabled"), Value: aws.String("not-a-boolean")},
	}})
	if err != nil || upd.Enabled {
		t.Fatalf("%v %+v", err, upd)
	}
	for _, op := range []types.PatchOperation{
		{Op: types.OpReplace, Path: aws.String("/id"), Value: aws.String("new-id")},
		{Op: types.OpAdd, Path: aws.String("/name"), Value: aws.String("x")},
		{Op: types.OpReplace, Path: aws.String("/value"), Value: aws.String(strings.Repeat("z", 30))},
	} {
		_, err = c.UpdateApiKey(ctx, &sdk.UpdateApiKeyInput{ApiKey: k.Id, PatchOperations: []types.PatchOperation{op}})
		apiErr(t, err, "BadRequestException", "Invalid patch path  '"+*op.Path+"' specified for op '"+string(op.Op)+"'. Please choose supported operations")
	}
	got, err := c.GetApiKey(ctx, &sdk.GetApiKeyInput{ApiKey: k.Id, IncludeValue: aws.Bool(true)})
	if err != nil || *got.Name != "new-name" || *got.Value != *k.Value {
		t.Fatalf("%v %+v", err, got)
	}
	_, err = c.UpdateApiKey(ctx, &sdk.UpdateApiKeyInput{ApiKey: aws.String("nope"), PatchOperations: []types.PatchOperation{
		{Op: types.OpReplace, Path: aws.String("/name"), Value: aws.String("x")}}})
	apiErr(t, err, "NotFoundException", "Invalid API Key identifier specified")
}

func TestDeleteApiKey(t *testing.T) {
	env := testenv.Start(t)
	c := env.APIGateway()
	ctx := context.Background()
	k, err := c.CreateApiKey(ctx, &sdk.CreateApiKeyInput{Name: aws.String("gone")})
	if err != nil {
		t.Fatal(err)
	}
	plan, err := c.CreateUsagePlan(ctx, &sdk.CreateUsagePlanInput{Name: aws.String("p")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateUsagePlanKey(ctx, &sdk.CreateUsagePlanKeyInput{UsagePlanId: plan.Id, KeyId: k.Id, KeyType: aws.String("API_KEY")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DeleteApiKey(ctx, &sdk.DeleteApiKeyInput{ApiKey: k.Id}); err != nil {
		t.Fatal(err)
	}
	for _, call := range []func() error{
		func() error { _, err := c.GetApiKey(ctx, &sdk.GetApiKeyInput{ApiKey: k.Id}); return err },
		func() error { _, err := c.DeleteApiKey(ctx, &sdk.DeleteApiKeyInput{ApiKey: k.Id}); return err },
		func() error { _, err := c.GetApiKey(ctx, &sdk.GetApiKeyInput{ApiKey: aws.String("a/b")}); return err },
	} {
		apiErr(t, call(), "NotFoundException", "Invalid API Key identifier specified")
	}
	// The key left the usage plan with it.
	keys, err := c.GetUsagePlanKeys(ctx, &sdk.GetUsagePlanKeysInput{UsagePlanId: plan.Id})
	if err != nil || len(keys.Items) != 0 {
		t.Fatalf("%v %+v", err, keys)
	}
	plans, err := c.GetUsagePlans(ctx, &sdk.GetUsagePlansInput{KeyId: k.Id})
	if err != nil || len(plans.Items) != 0 {
		t.Fatalf("%v %+v", err, plans)
	}
}

func TestImportApiKeys(t *testing.T) {
	env := testenv.Start(t)
	c := env.APIGateway()
	ctx := context.Background()
	p1, err := c.CreateUsagePlan(ctx, &sdk.CreateUsagePlanInput{Name: aws.String("p1")})
	if err != nil {
		t.Fatal(err)
	}
	p2, err := c.CreateUsagePlan(ctx, &sdk.CreateUsagePlanInput{Name: aws.String("p2")})
	if err != nil {
		t.Fatal(err)
	}
	v1 := "apikey1234abcdefghij0123456789"
	v2 := "apikey1234abcdefghij9876543210"
	csv := "Name,key,description,Enabled,usageplanIds,extra\n" +
		"MyFirstApiKey," + v1 + ",An imported key,TRUE,\"" + *p1.Id + "," + *p2.Id + "\",ignored\r\n" +
		"\n" +
		"Second," + v2 + ",,false,'" + *p2.Id + "',\n"
	out, err := c.ImportApiKeys(ctx, &sdk.ImportApiKeysInput{Body: []byte(csv), Format: types.ApiKeysFormatCsv})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Ids) != 2 || len(out.Warnings) != 0 {
		t.Fatalf("%+v", out)
	}
	first, err := c.GetApiKey(ctx, &sdk.GetApiKeyInput{ApiKey: aws.String(out.Ids[0]), IncludeValue: aws.Bool(true)})
	if err != nil || *first.Name != "MyFirstApiKey" || *first.Value != v1 || *first.Description != "An imported key" || !first.Enabled {
		t.Fatalf("%v %+v", err, first)
	}
	second, err := c.GetApiKey(ctx, &sdk.GetApiKeyInput{ApiKey: aws.String(out.Ids[1]), IncludeValue: aws.Bool(true)})
	if err != nil || *second.Name != "Second" || second.Enabled {
		t.Fatalf("%v %+v", err, second)
	}
	for plan, want := range map[string]int{*p1.Id: 1, *p2.Id: 2} {
		keys, err := c.GetUsagePlanKeys(ctx, &sdk.GetUsagePlanKeysInput{UsagePlanId: aws.String(plan)})
		if err != nil || len(keys.Items) != want {
			t.Fatalf("plan %s: %v %+v", plan, err, keys)
		}
	}

	// Re-importing a value overwrites that key; Enabled defaults to true.
	out, err = c.ImportApiKeys(ctx, &sdk.ImportApiKeysInput{Body: []byte("key,name\n" + v2 + ",Renamed\n"), Format: types.ApiKeysFormatCsv})
	if err != nil || len(out.Ids) != 1 || out.Ids[0] != *second.Id {
		t.Fatalf("%v %+v", err, out)
	}
	second, err = c.GetApiKey(ctx, &sdk.GetApiKeyInput{ApiKey: second.Id})
	if err != nil || *second.Name != "Renamed" || !second.Enabled {
		t.Fatalf("%v %+v", err, second)
	}

	// Bad rows are warnings; failonwarnings turns them into a failed import
	// that writes nothing.
	bad := "key,name,usageplanids\nshort,TooShort,\n" + strings.Repeat("k", 25) + ",Good,nosuchplan\n"
	out, err = c.ImportApiKeys(ctx, &sdk.ImportApiKeysInput{Body: []byte(bad), Format: types.ApiKeysFormatCsv})
	if err != nil || len(out.Ids) != 1 || len(out.Warnings) != 2 ||
		out.Warnings[0] != "Line 2: API Key value should be at least 20 characters" ||
		out.Warnings[1] != "Line 3: Invalid Usage Plan ID specified: nosuchplan" {
		t.Fatalf("%v %+v", err, out)
	}
	before, _ := c.GetApiKeys(ctx, &sdk.GetApiKeysInput{})
	bad2 := "key,name\nshort,TooShort\n" + strings.Repeat("q", 25) + ",WouldBeNew\n"
	_, err = c.ImportApiKeys(ctx, &sdk.ImportApiKeysInput{Body: []byte(bad2), Format: types.ApiKeysFormatCsv, FailOnWarnings: true})
	apiErr(t, err, "BadRequestException", "Line 2: API Key value should be at least 20 characters")
	after, _ := c.GetApiKeys(ctx, &sdk.GetApiKeysInput{})
	if len(after.Items) != len(before.Items) {
		t.Fatalf("failed import wrote keys: %d -> %d", len(before.Items), len(after.Items))
	}

	_, err = c.ImportApiKeys(ctx, &sdk.ImportApiKeysInput{Body: []byte("value,description\nx,y\n"), Format: types.ApiKeysFormatCsv})
	apiErr(t, err, "BadRequestException", "Invalid API key file: the header must contain the Key and Name columns")
	_, err = c.ImportApiKeys(ctx, &sdk.ImportApiKeysInput{Body: []byte("key,name\n\"unterminated,x\n"), Format: types.ApiKeysFormatCsv})
	apiErr(t, err, "BadRequestException", "Invalid API key file: unterminated quoted field")
}
