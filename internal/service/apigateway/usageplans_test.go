package apigateway_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	sdk "github.com/aws/aws-sdk-go-v2/service/apigateway"
	"github.com/aws/aws-sdk-go-v2/service/apigateway/types"

	"github.com/stagecraft/stagecraft/internal/testenv"
)

func acctOp(op types.Op, path string, value ...string) types.PatchOperation {
	o := types.PatchOperation{Op: op, Path: aws.String(path)}
	if len(value) > 0 {
		o.Value = aws.String(value[0])
	}
	return o
}

func TestUsagePlanLifecycle(t *testing.T) {
	env := testenv.Start(t)
	c := env.APIGateway()
	ctx := context.Background()
	apiID := acctStage(t, c, "prod")

	bare, err := c.CreateUsagePlan(ctx, &sdk.CreateUsagePlanInput{Name: aws.String("bare")})
	if err != nil {
		t.Fatal(err)
	}
	if len(*bare.Id) != 6 || *bare.Name != "bare" || bare.ApiStages == nil || len(bare.ApiStages) != 0 ||
		bare.Throttle != nil || bare.Quota != nil || bare.Description != nil || bare.Tags != nil {
		t.Fatalf("bare plan: %+v", bare)
	}
	full, err := c.CreateUsagePlan(ctx, &sdk.CreateUsagePlanInput{
		Name:        aws.String("full"),
		Description: aws.String("gold"),
		ApiStages: []types.ApiStage{{ApiId: aws.String(apiID), Stage: aws.String("prod"),
			Throttle: map[string]types.ThrottleSettings{"/GET": {BurstLimit: 5, RateLimit: 2.5}}}},
		Throttle: &types.ThrottleSettings{BurstLimit: 20, RateLimit: 10},
		Quota:    &types.QuotaSettings{Limit: 1000, Period: types.QuotaPeriodTypeMonth},
		Tags:     map[string]string{"tier": "gold"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(full.ApiStages) != 1 || *full.ApiStages[0].ApiId != apiID || *full.ApiStages[0].Stage != "prod" ||
		full.ApiStages[0].Throttle["/GET"].RateLimit != 2.5 || full.Throttle.BurstLimit != 20 || full.Throttle.RateLimit != 10 ||
		full.Quota.Limit != 1000 || full.Quota.Offset != 0 || full.Quota.Period != types.QuotaPeriodTypeMonth ||
		full.Tags["tier"] != "gold" {
		t.Fatalf("full plan: %+v", full)
	}
	got, err := c.GetUsagePlan(ctx, &sdk.GetUsagePlanInput{UsagePlanId: full.Id})
	if err != nil || *got.Description != "gold" || got.Quota.Limit != 1000 {
		t.Fatalf("%v %+v", err, got)
	}

	k, err := c.CreateApiKey(ctx, &sdk.CreateApiKeyInput{Name: aws.String("k")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateUsagePlanKey(ctx, &sdk.CreateUsagePlanKeyInput{UsagePlanId: full.Id, KeyId: k.Id, KeyType: aws.String("API_KEY")}); err != nil {
		t.Fatal(err)
	}
	all, err := c.GetUsagePlans(ctx, &sdk.GetUsagePlansInput{})
	if err != nil || len(all.Items) != 2 {
		t.Fatalf("%v %+v", err, all)
	}
	byKey, err := c.GetUsagePlans(ctx, &sdk.GetUsagePlansInput{KeyId: k.Id})
	if err != nil || len(byKey.Items) != 1 || *byKey.Items[0].Id != *full.Id {
		t.Fatalf("%v %+v", err, byKey)
	}
	page, err := c.GetUsagePlans(ctx, &sdk.GetUsagePlansInput{Limit: aws.Int32(1)})
	if err != nil || len(page.Items) != 1 || page.Position == nil {
		t.Fatalf("%v %+v", err, page)
	}

	if _, err := c.DeleteUsagePlan(ctx, &sdk.DeleteUsagePlanInput{UsagePlanId: full.Id}); err != nil {
		t.Fatal(err)
	}
	for _, call := range []func() error{
		func() error { _, err := c.GetUsagePlan(ctx, &sdk.GetUsagePlanInput{UsagePlanId: full.Id}); return err },
		func() error {
			_, err := c.DeleteUsagePlan(ctx, &sdk.DeleteUsagePlanInput{UsagePlanId: full.Id})
			return err
		},
		func() error {
			_, err := c.UpdateUsagePlan(ctx, &sdk.UpdateUsagePlanInput{UsagePlanId: full.Id,
				PatchOperations: []types.PatchOperation{acctOp(types.OpReplace, "/name", "x")}})
			return err
		},
	} {
		apiErr(t, call(), "NotFoundException", "Invalid Usage Plan ID specified")
	}
	// The key survives its plan, and belongs to no plan any more.
	byKey, err = c.GetUsagePlans(ctx, &sdk.GetUsagePlansInput{KeyId: k.Id})
	if err != nil || len(byKey.Items) != 0 {
		t.Fatalf("%v %+v", err, byKey)
	}
}

func TestCreateUsagePlanStageErrors(t *testing.T) {
	env := testenv.Start(t)
	c := env.APIGateway()
	ctx := context.Background()
	apiID := acctStage(t, c, "prod")
	// AWS sends this message with its format verbs unfilled.
	const msg = "Invalid API Stage {api: %s, stage: %s} specified for usageplan %s"
	for name, st := range map[string]types.ApiStage{
		"unknown stage": {ApiId: aws.String(apiID), Stage: aws.String("dev")},
		"unknown api":   {ApiId: aws.String("nope"), Stage: aws.String("prod")},
		"no api":        {Stage: aws.String("prod")},
		"no stage":      {ApiId: aws.String(apiID)},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := c.CreateUsagePlan(ctx, &sdk.CreateUsagePlanInput{Name: aws.String("p"), ApiStages: []types.ApiStage{st}})
			apiErr(t, err, "BadRequestException", msg)
		})
	}
	plans, err := c.GetUsagePlans(ctx, &sdk.GetUsagePlansInput{})
	if err != nil || len(plans.Items) != 0 {
		t.Fatalf("%v %+v", err, plans)
	}
}

// TestUpdateUsagePlanLikeTerraform sends the patch operations Terraform's
// aws_api_gateway_usage_plan sends, then the removals.
func TestUpdateUsagePlanLikeTerraform(t *testing.T) {
	env := testenv.Start(t)
	c := env.APIGateway()
	ctx := context.Background()
	apiID := acctStage(t, c, "prod")
	plan, err := c.CreateUsagePlan(ctx, &sdk.CreateUsagePlanInput{Name: aws.String("tf")})
	if err != nil {
		t.Fatal(err)
	}
	update := func(ops ...types.PatchOperation) (*sdk.UpdateUsagePlanOutput, error) {
		return c.UpdateUsagePlan(ctx, &sdk.UpdateUsagePlanInput{UsagePlanId: plan.Id, PatchOperations: ops})
	}
	stage := apiID + ":prod"
	up, err := update(
		acctOp(types.OpReplace, "/name", "renamed"),
		acctOp(types.OpReplace, "/description", "desc"),
		acctOp(types.OpAdd, "/productCode", "prod-code"),
		acctOp(types.OpAdd, "/throttle/rateLimit", "10.5"),
		acctOp(types.OpAdd, "/throttle/burstLimit", "20"),
		acctOp(types.OpAdd, "/quota/limit", "100"),
		acctOp(types.OpAdd, "/quota/offset", "2"),
		acctOp(types.OpAdd, "/quota/period", "WEEK"),
		acctOp(types.OpAdd, "/apiStages", stage),
		acctOp(types.OpReplace, "/apiStages/"+stage+"/throttle//pets/GET/rateLimit", "3"),
		acctOp(types.OpReplace, "/apiStages/"+stage+"/throttle//pets/GET/burstLimit", "6"),
		acctOp(types.OpReplace, "/apiStages/"+stage+"/throttle/~1/POST/burstLimit", "7"),
	)
	if err != nil {
		t.Fatal(err)
	}
	if *up.Name != "renamed" || *up.Description != "desc" || *up.ProductCode != "prod-code" ||
		up.Throttle.RateLimit != 10.5 || up.Throttle.BurstLimit != 20 ||
		up.Quota.Limit != 100 || up.Quota.Offset != 2 || up.Quota.Period != types.QuotaPeriodTypeWeek ||
		len(up.ApiStages) != 1 || *up.ApiStages[0].Stage != "prod" {
		t.Fatalf("update: %+v", up)
	}
	th := up.ApiStages[0].Throttle
	if len(th) != 2 || th["/pets/GET"].RateLimit != 3 || th["/pets/GET"].BurstLimit != 6 || th["//POST"].BurstLimit != 7 {
		t.Fatalf("stage throttle: %+v", th)
	}
	got, err := c.GetUsagePlan(ctx, &sdk.GetUsagePlanInput{UsagePlanId: plan.Id})
	if err != nil || got.ApiStages[0].Throttle["/pets/GET"].BurstLimit != 6 {
		t.Fatalf("%v %+v", err, got)
	}

	up, err = update(
		acctOp(types.OpRemove, "/apiStages/"+stage+"/throttle//pets/GET"),
		acctOp(types.OpReplace, "/quota/limit", "50"),
		acctOp(types.OpReplace, "/throttle/burstLimit", "21"),
	)
	if err != nil || len(up.ApiStages[0].Throttle) != 1 || up.Quota.Limit != 50 || up.Throttle.BurstLimit != 21 {
		t.Fatalf("%v %+v", err, up)
	}
	up, err = update(
		acctOp(types.OpRemove, "/apiStages", stage),
		acctOp(types.OpRemove, "/throttle"),
		acctOp(types.OpRemove, "/quota"),
		acctOp(types.OpRemove, "/productCode"),
	)
	if err != nil || len(up.ApiStages) != 0 || up.ApiStages == nil || up.Throttle != nil || up.Quota != nil || up.ProductCode != nil {
		t.Fatalf("%v %+v", err, up)
	}

	cases := []struct {
		name      string
		op        types.PatchOperation
		code, msg string
	}{
		{"remove a stage the plan lacks", acctOp(types.OpRemove, "/apiStages", stage),
			"NotFoundException", "Invalid API Stage {api: " + apiID + ", stage: prod} specified for usageplan " + *plan.Id},
		{"add an unknown stage", acctOp(types.OpAdd, "/apiStages", apiID+":dev"),
			"BadRequestException", "Invalid API Stage {api: %s, stage: %s} specified for usageplan %s"},
		{"stage without colon", acctOp(types.OpAdd, "/apiStages", apiID),
			"BadRequestException", "Invalid API Stage specified"},
		{"throttle of a stage the plan lacks", acctOp(types.OpReplace, "/apiStages/"+stage+"/throttle//a/GET/rateLimit", "1"),
			"NotFoundException", "Invalid API Stage {api: " + apiID + ", stage: prod} specified for usageplan " + *plan.Id},
		{"not an integer", acctOp(types.OpReplace, "/quota/limit", "lots"),
			"BadRequestException", "Invalid integer value: lots"},
		{"not a number", acctOp(types.OpReplace, "/throttle/rateLimit", "fast"),
			"BadRequestException", "Invalid number value: fast"},
		{"bad period", acctOp(types.OpReplace, "/quota/period", "YEAR"),
			"BadRequestException", "Invalid quota period YEAR. Valid values are DAY, WEEK and MONTH"},
		{"unknown path", acctOp(types.OpReplace, "/id", "x"),
			"BadRequestException", "Invalid patch path  '/id' specified for op 'replace'. Please choose supported operations"},
		{"add name", acctOp(types.OpAdd, "/name", "x"),
			"BadRequestException", "Invalid patch path  '/name' specified for op 'add'. Please choose supported operations"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := update(acctOp(types.OpReplace, "/name", "half-applied"), tc.op)
			apiErr(t, err, tc.code, tc.msg)
		})
	}
	got, err = c.GetUsagePlan(ctx, &sdk.GetUsagePlanInput{UsagePlanId: plan.Id})
	if err != nil || *got.Name != "renamed" {
		t.Fatalf("a failed update changed the plan: %v %+v", err, got)
	}
}

func TestUsagePlanKeys(t *testing.T) {
	env, fc := acctFakeEnv(t)
	c := env.APIGateway()
	ctx := context.Background()
	plan, err := c.CreateUsagePlan(ctx, &sdk.CreateUsagePlanInput{Name: aws.String("plan")})
	if err != nil {
		t.Fatal(err)
	}
	var keys []*sdk.CreateApiKeyOutput
	for _, n := range []string{"test-key-1", "test-key-2", "other"} {
		k, err := c.CreateApiKey(ctx, &sdk.CreateApiKeyInput{Name: aws.String(n)})
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, k)
		fc.Advance(time.Second)
	}
	add := func(keyID *string) (*sdk.CreateUsagePlanKeyOutput, error) {
		return c.CreateUsagePlanKey(ctx, &sdk.CreateUsagePlanKeyInput{UsagePlanId: plan.Id, KeyId: keyID, KeyType: aws.String("API_KEY")})
	}
	for _, k := range keys {
		pk, err := add(k.Id)
		if err != nil {
			t.Fatal(err)
		}
		if *pk.Id != *k.Id || *pk.Type != "API_KEY" || *pk.Name != *k.Name || *pk.Value != *k.Value {
			t.Fatalf("plan key %+v for %+v", pk, k)
		}
	}
	_, err = add(keys[0].Id)
	apiErr(t, err, "ConflictException", "Usage Plan Key already exists")
	_, err = add(aws.String("nosuchkey1"))
	apiErr(t, err, "NotFoundException", "Invalid API Key identifier specified")
	_, err = c.CreateUsagePlanKey(ctx, &sdk.CreateUsagePlanKeyInput{UsagePlanId: aws.String("nope"), KeyId: keys[0].Id, KeyType: aws.String("API_KEY")})
	apiErr(t, err, "NotFoundException", "Invalid Usage Plan ID specified")
	_, err = c.CreateUsagePlanKey(ctx, &sdk.CreateUsagePlanKeyInput{UsagePlanId: plan.Id, KeyId: keys[0].Id, KeyType: aws.String("COGNITO")})
	apiErr(t, err, "BadRequestException", "Invalid key type specified: COGNITO. Valid values are: [API_KEY]")

	list := func(in *sdk.GetUsagePlanKeysInput) string {
		t.Helper()
		out, err := c.GetUsagePlanKeys(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		var l []string
		for _, k := range out.Items {
			if *k.Type != "API_KEY" || k.Value == nil {
				t.Fatalf("listed key %+v", k)
			}
			l = append(l, *k.Name)
		}
		return strings.Join(l, ",")
	}
	for _, tc := range []struct {
		in   sdk.GetUsagePlanKeysInput
		want string
	}{
		{sdk.GetUsagePlanKeysInput{UsagePlanId: plan.Id}, "other,test-key-2,test-key-1"},
		{sdk.GetUsagePlanKeysInput{UsagePlanId: plan.Id, NameQuery: aws.String("test-key")}, "test-key-2,test-key-1"},
		{sdk.GetUsagePlanKeysInput{UsagePlanId: plan.Id, NameQuery: aws.String("TEST-key")}, ""},
		{sdk.GetUsagePlanKeysInput{UsagePlanId: plan.Id, NameQuery: aws.String("nothing")}, ""},
		{sdk.GetUsagePlanKeysInput{UsagePlanId: aws.String("bad-id")}, ""}, // an unknown plan lists nothing
	} {
		if got := list(&tc.in); got != tc.want {
			t.Fatalf("%+v: got %q, want %q", tc.in, got, tc.want)
		}
	}

	// A plan key shows the key's current name.
	if _, err := c.UpdateApiKey(ctx, &sdk.UpdateApiKeyInput{ApiKey: keys[2].Id,
		PatchOperations: []types.PatchOperation{acctOp(types.OpReplace, "/name", "renamed")}}); err != nil {
		t.Fatal(err)
	}
	pk, err := c.GetUsagePlanKey(ctx, &sdk.GetUsagePlanKeyInput{UsagePlanId: plan.Id, KeyId: keys[2].Id})
	if err != nil || *pk.Name != "renamed" || *pk.Value != *keys[2].Value {
		t.Fatalf("%v %+v", err, pk)
	}

	if _, err := c.DeleteUsagePlanKey(ctx, &sdk.DeleteUsagePlanKeyInput{UsagePlanId: plan.Id, KeyId: keys[2].Id}); err != nil {
		t.Fatal(err)
	}
	if got := list(&sdk.GetUsagePlanKeysInput{UsagePlanId: plan.Id}); got != "test-key-2,test-key-1" {
		t.Fatalf("after delete: %q", got)
	}
	_, err = c.GetUsagePlanKey(ctx, &sdk.GetUsagePlanKeyInput{UsagePlanId: plan.Id, KeyId: keys[2].Id})
	apiErr(t, err, "NotFoundException", "Invalid Usage Plan ID specified")
	_, err = c.GetUsagePlanKey(ctx, &sdk.GetUsagePlanKeyInput{UsagePlanId: plan.Id, KeyId: aws.String("nosuchkey1")})
	apiErr(t, err, "NotFoundException", "Invalid API Key identifier specified")
	_, err = c.GetUsagePlanKey(ctx, &sdk.GetUsagePlanKeyInput{UsagePlanId: aws.String("nope"), KeyId: keys[0].Id})
	apiErr(t, err, "NotFoundException", "Invalid Usage Plan ID specified")
	_, err = c.DeleteUsagePlanKey(ctx, &sdk.DeleteUsagePlanKeyInput{UsagePlanId: plan.Id, KeyId: keys[2].Id})
	apiErr(t, err, "NotFoundException", "Invalid API Key identifier specified")
	_, err = c.DeleteUsagePlanKey(ctx, &sdk.DeleteUsagePlanKeyInput{UsagePlanId: aws.String("nope"), KeyId: keys[0].Id})
	apiErr(t, err, "NotFoundException", "Invalid Usage Plan ID specified")

	p := sdk.NewGetUsagePlanKeysPaginator(c, &sdk.GetUsagePlanKeysInput{UsagePlanId: plan.Id, Limit: aws.Int32(1)})
	pages := 0
	for p.HasMorePages() {
		if _, err := p.NextPage(ctx); err != nil {
			t.Fatal(err)
		}
		pages++
	}
	if pages != 2 {
		t.Fatalf("%d pages of one key for two keys", pages)
	}
}

func TestApiKeyInOnePlanPerStage(t *testing.T) {
	env := testenv.Start(t)
	c := env.APIGateway()
	ctx := context.Background()
	apiID := acctStage(t, c, "prod", "dev")
	mk := func(name string, stages ...string) string {
		var in []types.ApiStage
		for _, s := range stages {
			in = append(in, types.ApiStage{ApiId: aws.String(apiID), Stage: aws.String(s)})
		}
		p, err := c.CreateUsagePlan(ctx, &sdk.CreateUsagePlanInput{Name: aws.String(name), ApiStages: in})
		if err != nil {
			t.Fatal(err)
		}
		return *p.Id
	}
	gold, silver, devOnly := mk("gold", "prod"), mk("silver", "prod", "dev"), mk("dev", "dev")
	k, err := c.CreateApiKey(ctx, &sdk.CreateApiKeyInput{Name: aws.String("k")})
	if err != nil {
		t.Fatal(err)
	}
	add := func(plan string) error {
		_, err := c.CreateUsagePlanKey(ctx, &sdk.CreateUsagePlanKeyInput{UsagePlanId: aws.String(plan), KeyId: k.Id, KeyType: aws.String("API_KEY")})
		return err
	}
	if err := add(gold); err != nil {
		t.Fatal(err)
	}
	apiErr(t, add(silver), "BadRequestException", fmt.Sprintf(
		"Usage Plan %s cannot be added because API Key %s cannot reference multiple Usage Plans with the same API Stage: %s:prod", silver, *k.Id, apiID))
	if err := add(devOnly); err != nil {
		t.Fatal(err)
	}
}

func TestGetUsage(t *testing.T) {
	env := testenv.Start(t)
	c := env.APIGateway()
	ctx := context.Background()
	plan, err := c.CreateUsagePlan(ctx, &sdk.CreateUsagePlanInput{Name: aws.String("u")})
	if err != nil {
		t.Fatal(err)
	}
	u, err := c.GetUsage(ctx, &sdk.GetUsageInput{UsagePlanId: plan.Id, StartDate: aws.String("2026-03-01"), EndDate: aws.String("2026-03-05")})
	if err != nil || *u.UsagePlanId != *plan.Id || *u.StartDate != "2026-03-01" || *u.EndDate != "2026-03-05" || u.Items == nil || len(u.Items) != 0 {
		t.Fatalf("%v %+v", err, u)
	}
	_, err = c.GetUsage(ctx, &sdk.GetUsageInput{UsagePlanId: aws.String("nope"), StartDate: aws.String("2026-03-01"), EndDate: aws.String("2026-03-05")})
	apiErr(t, err, "NotFoundException", "Invalid Usage Plan ID specified")
	_, err = c.GetUsage(ctx, &sdk.GetUsageInput{UsagePlanId: plan.Id, StartDate: aws.String("03/01/2026"), EndDate: aws.String("2026-03-05")})
	apiErr(t, err, "BadRequestException", "Invalid date format: 03/01/2026. Expected yyyy-MM-dd")
	// UpdateUsage on a key that is not in the plan (counting and quota
	// extensions are tested with the data plane, internal/dataplane).
	_, err = c.UpdateUsage(ctx, &sdk.UpdateUsageInput{UsagePlanId: plan.Id, KeyId: aws.String("k"),
		PatchOperations: []types.PatchOperation{acctOp(types.OpReplace, "/remaining", "10")}})
	apiErr(t, err, "NotFoundException", "Invalid API Key identifier specified")
}

// TestUsagePlanFlowBoto3 runs the API key + usage plan + usage plan key flow
// through boto3, and tags the plan by its ARN.
func TestUsagePlanFlowBoto3(t *testing.T) {
	env := testenv.Start(t)
	apiID := acctStage(t, env.APIGateway(), "prod")
	out := env.Python(t, fmt.Sprintf(`
import boto3, json
c = boto3.client('apigateway')
key = c.create_api_key(name='boto-key', enabled=True, value='abcdefghij0123456789xyz')
assert key['ResponseMetadata']['HTTPStatusCode'] == 201, key
plan = c.create_usage_plan(name='boto-plan', apiStages=[{'apiId': %[1]q, 'stage': 'prod'}],
    throttle={'burstLimit': 10, 'rateLimit': 5.0}, quota={'limit': 100, 'period': 'DAY'})
assert plan['ResponseMetadata']['HTTPStatusCode'] == 201, plan
pk = c.create_usage_plan_key(usagePlanId=plan['id'], keyId=key['id'], keyType='API_KEY')
assert pk['ResponseMetadata']['HTTPStatusCode'] == 201, pk
try:
    c.create_usage_plan_key(usagePlanId=plan['id'], keyId=key['id'], keyType='API_KEY')
    raise SystemExit('duplicate plan key accepted')
except c.exceptions.ConflictException as e:
    assert e.response['Error']['Message'] == 'Usage Plan Key already exists', e.response
try:
    c.get_api_key(apiKey='nosuchkey0')
    raise SystemExit('unknown key found')
except c.exceptions.NotFoundException as e:
    assert e.response['Error']['Message'] == 'Invalid API Key identifier specified', e.response
keys = c.get_usage_plan_keys(usagePlanId=plan['id'])
plans = c.get_usage_plans(keyId=key['id'])
listed = c.get_api_keys(includeValues=True)
arn = 'arn:aws:apigateway:us-east-1::/usageplans/' + plan['id']
tagged = c.tag_resource(resourceArn=arn, tags={'tier': 'gold'})
assert tagged['ResponseMetadata']['HTTPStatusCode'] == 204, tagged
tags = c.get_tags(resourceArn=arn)['tags']
deleted = c.delete_usage_plan_key(usagePlanId=plan['id'], keyId=key['id'])
after = c.get_usage_plan_keys(usagePlanId=plan['id'])
print(json.dumps({
  'key': {k: key[k] for k in ('id', 'name', 'enabled', 'value', 'stageKeys')},
  'plan': {k: plan[k] for k in ('apiStages', 'throttle', 'quota')},
  'pk': {k: pk[k] for k in ('id', 'type', 'name', 'value')},
  'keys': keys['items'],
  'plans': [p['id'] for p in plans['items']],
  'listed': [(k['id'], k['value']) for k in listed['items']],
  'deleted': deleted['ResponseMetadata']['HTTPStatusCode'],
  'after': after['items'],
  'tags': tags,
  'planTags': c.get_usage_plan(usagePlanId=plan['id'])['tags'],
}))
`, apiID))
	var got struct {
		Key struct {
			ID, Name, Value string
			Enabled         bool
			StageKeys       []string
		}
		Plan struct {
			ApiStages []map[string]any
			Throttle  map[string]float64
			Quota     map[string]any
		}
		PK       map[string]string
		Keys     []map[string]string
		Plans    []string
		Listed   [][]string
		Deleted  int
		After    []any
		Tags     map[string]string
		PlanTags map[string]string
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if got.Key.Name != "boto-key" || !got.Key.Enabled || got.Key.Value != "abcdefghij0123456789xyz" || got.Key.StageKeys == nil {
		t.Fatalf("key: %+v", got.Key)
	}
	if len(got.Plan.ApiStages) != 1 || got.Plan.ApiStages[0]["apiId"] != apiID || got.Plan.Throttle["burstLimit"] != 10 ||
		got.Plan.Throttle["rateLimit"] != 5 || got.Plan.Quota["limit"] != 100.0 || got.Plan.Quota["offset"] != 0.0 || got.Plan.Quota["period"] != "DAY" {
		t.Fatalf("plan: %+v", got.Plan)
	}
	want := map[string]string{"id": got.Key.ID, "type": "API_KEY", "name": "boto-key", "value": "abcdefghij0123456789xyz"}
	if fmt.Sprint(got.PK) != fmt.Sprint(want) || len(got.Keys) != 1 || fmt.Sprint(got.Keys[0]) != fmt.Sprint(want) {
		t.Fatalf("plan key %v, listed %v, want %v", got.PK, got.Keys, want)
	}
	if got.Tags["tier"] != "gold" || len(got.Tags) != 1 || got.PlanTags["tier"] != "gold" {
		t.Fatalf("tags through boto3: %v, plan tags %v", got.Tags, got.PlanTags)
	}
	if len(got.Plans) != 1 || len(got.Listed) != 1 || got.Listed[0][1] != "abcdefghij0123456789xyz" || got.Deleted != 202 || got.After == nil || len(got.After) != 0 {
		t.Fatalf("%+v", got)
	}
}
