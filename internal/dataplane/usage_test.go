package dataplane_test

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	sdk "github.com/aws/aws-sdk-go-v2/service/apigateway"
	"github.com/aws/aws-sdk-go-v2/service/apigateway/types"

	"github.com/stagecraft/stagecraft/internal/app"
	"github.com/stagecraft/stagecraft/internal/clock"
	"github.com/stagecraft/stagecraft/internal/testenv"
)

const (
	forbidden     = `{"message":"Forbidden"}`
	tooMany       = `{"message":"Too Many Requests"}`
	limitExceeded = `{"message":"Limit Exceeded"}`
)

// apiKey creates an API key with value and returns its id.
func (f *fixture) apiKey(value string, enabled bool) string {
	f.t.Helper()
	k, err := f.c.CreateApiKey(f.ctx, &sdk.CreateApiKeyInput{Name: aws.String(value[:8]), Value: aws.String(value), Enabled: enabled})
	if err != nil {
		f.t.Fatalf("create api key: %v", err)
	}
	return *k.Id
}

// plan creates a usage plan for the fixture's stage with the keys.
func (f *fixture) plan(in *sdk.CreateUsagePlanInput, stage string, keys ...string) string {
	f.t.Helper()
	in.Name = aws.String("plan")
	if len(in.ApiStages) == 0 {
		in.ApiStages = []types.ApiStage{{ApiId: &f.api, Stage: &stage}}
	}
	p, err := f.c.CreateUsagePlan(f.ctx, in)
	if err != nil {
		f.t.Fatalf("create usage plan: %v", err)
	}
	for _, k := range keys {
		if _, err := f.c.CreateUsagePlanKey(f.ctx, &sdk.CreateUsagePlanKeyInput{UsagePlanId: p.Id, KeyId: aws.String(k), KeyType: aws.String("API_KEY")}); err != nil {
			f.t.Fatalf("create usage plan key: %v", err)
		}
	}
	return *p.Id
}

// keyed adds a MOCK method that requires an API key and answers the
// caller's key id.
func (f *fixture) keyed(path string) {
	f.method(path, "GET", &sdk.PutMethodInput{ApiKeyRequired: true})
	f.integration(path, "GET", &sdk.PutIntegrationInput{Type: "MOCK", RequestTemplates: map[string]string{"application/json": `{"statusCode":200}`}})
	f.response(path, "GET", "200", "", nil, map[string]string{"application/json": `$context.identity.apiKeyId $context.identity.apiKey`})
}

func withKey(k string) map[string]string { return map[string]string{"x-api-key": k} }

const (
	keyA = "aaaaaaaaaaaaaaaaaaaaaaaa"
	keyB = "bbbbbbbbbbbbbbbbbbbbbbbb"
	keyC = "cccccccccccccccccccccccc"
	keyD = "dddddddddddddddddddddddd"
)

func TestAPIKeys(t *testing.T) {
	env, srv := startWithLambda(t)
	srv.RegisterProxy("echo", func(e events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
		return events.APIGatewayProxyResponse{StatusCode: 200, Body: e.RequestContext.Identity.APIKeyID + " " + e.RequestContext.Identity.APIKey}, nil
	})
	f := newFixture(t, env, "keys")
	f.keyed("/k")
	f.mock("/open", "GET", "open")
	f.method("/echo", "GET", &sdk.PutMethodInput{ApiKeyRequired: true})
	f.integration("/echo", "GET", &sdk.PutIntegrationInput{Type: "AWS_PROXY", IntegrationHttpMethod: aws.String("POST"), Uri: aws.String(lambdaURI("echo"))})
	f.deploy("s", nil)
	f.deploy("other", nil)
	good := f.apiKey(keyA, true)
	disabled := f.apiKey(keyB, true)
	f.apiKey(keyC, true) // in no plan
	otherStage := f.apiKey(keyD, true)
	f.plan(&sdk.CreateUsagePlanInput{}, "s", good, disabled)
	f.plan(&sdk.CreateUsagePlanInput{}, "other", otherStage)
	if _, err := f.c.UpdateApiKey(f.ctx, &sdk.UpdateApiKeyInput{ApiKey: &disabled, PatchOperations: []types.PatchOperation{
		{Op: types.OpReplace, Path: aws.String("/enabled"), Value: aws.String("false")}}}); err != nil {
		t.Fatal(err)
	}

	r := call(t, env.URL, formHost, f.api, "s", "GET", "/k", withKey(keyA), "")
	if r.status != 200 || r.body != good+" "+keyA {
		t.Fatalf("good key: %d %q", r.status, r.body)
	}
	r = call(t, env.URL, formHost, f.api, "s", "GET", "/echo", withKey(keyA), "")
	if r.status != 200 || r.body != good+" "+keyA {
		t.Errorf("proxy identity: %d %q", r.status, r.body)
	}
	for name, hdr := range map[string]map[string]string{
		"no key": nil, "unknown key": withKey("zzzzzzzzzzzzzzzzzzzzzzzzz"), "disabled": withKey(keyB),
		"in no plan": withKey(keyC), "plan of another stage": withKey(keyD),
	} {
		t.Run(name, func(t *testing.T) {
			expect(t, call(t, env.URL, formHost, f.api, "s", "GET", "/k", hdr, ""), 403, forbidden, "ForbiddenException")
		})
	}
	r = call(t, env.URL, formHost, f.api, "s", "GET", "/open", nil, "")
	if r.status != 200 || r.body != "open" {
		t.Errorf("method without apiKeyRequired: %d %q", r.status, r.body)
	}
	r = call(t, env.URL, formHost, f.api, "other", "GET", "/k", withKey(keyD), "")
	if r.status != 200 {
		t.Errorf("other stage: %d %q", r.status, r.body)
	}
}

// apiKeySource AUTHORIZER: the key is the Lambda authorizer's
// usageIdentifierKey; x-api-key is ignored.
func TestAPIKeyFromAuthorizer(t *testing.T) {
	env, srv := startWithLambda(t)
	f := newFixture(t, env, "authkey")
	srv.RegisterTokenAuthorizer("auth", func(e events.APIGatewayCustomAuthorizerRequest) (events.APIGatewayCustomAuthorizerResponse, error) {
		p := policy("Allow", f.api, "u", nil)
		p.UsageIdentifierKey = e.AuthorizationToken
		return p, nil
	})
	if _, err := f.c.UpdateRestApi(f.ctx, &sdk.UpdateRestApiInput{RestApiId: &f.api, PatchOperations: []types.PatchOperation{
		{Op: types.OpReplace, Path: aws.String("/apiKeySource"), Value: aws.String("AUTHORIZER")}}}); err != nil {
		t.Fatal(err)
	}
	auth := f.authorizer(&sdk.CreateAuthorizerInput{Name: aws.String("tok"), Type: "TOKEN", AuthorizerUri: aws.String(lambdaURI("auth")),
		IdentitySource: aws.String("method.request.header.Authorization"), AuthorizerResultTtlInSeconds: aws.Int32(0)})
	f.method("/k", "GET", &sdk.PutMethodInput{ApiKeyRequired: true, AuthorizationType: aws.String("CUSTOM"), AuthorizerId: &auth})
	f.integration("/k", "GET", &sdk.PutIntegrationInput{Type: "MOCK", RequestTemplates: map[string]string{"application/json": `{"statusCode":200}`}})
	f.response("/k", "GET", "200", "", nil, map[string]string{"application/json": `$context.identity.apiKeyId`})
	f.deploy("s", nil)
	id := f.apiKey(keyA, true)
	f.plan(&sdk.CreateUsagePlanInput{}, "s", id)

	r := call(t, env.URL, formHost, f.api, "s", "GET", "/k", map[string]string{"Authorization": keyA}, "")
	if r.status != 200 || r.body != id {
		t.Errorf("usageIdentifierKey: %d %q", r.status, r.body)
	}
	expect(t, call(t, env.URL, formHost, f.api, "s", "GET", "/k", map[string]string{"Authorization": "nope", "x-api-key": keyA}, ""),
		403, forbidden, "ForbiddenException")
}

// Usage plan throttling (per key, and per method of a stage) and quotas
// on the fake clock; GetUsage reports what was counted once the data
// plane has synced, and UpdateUsage extends the remaining quota.
func TestUsagePlanThrottleAndQuota(t *testing.T) {
	clk := clock.NewFake(t0)
	env := testenv.Start(t, testenv.WithFakeClock(clk))
	f := newFixture(t, env, "plans")
	f.keyed("/a")
	f.keyed("/b")
	f.deploy("s", nil)
	throttled := f.apiKey(keyA, true)
	quotaed := f.apiKey(keyB, true)
	methodThrottled := f.apiKey(keyC, true)
	f.plan(&sdk.CreateUsagePlanInput{Throttle: &types.ThrottleSettings{RateLimit: 1, BurstLimit: 2}}, "s", throttled)
	planID := f.plan(&sdk.CreateUsagePlanInput{Quota: &types.QuotaSettings{Limit: 5, Period: types.QuotaPeriodTypeDay}}, "s", quotaed)
	f.plan(&sdk.CreateUsagePlanInput{ApiStages: []types.ApiStage{{ApiId: &f.api, Stage: aws.String("s"),
		Throttle: map[string]types.ThrottleSettings{"/a/GET": {RateLimit: 1, BurstLimit: 1}}}}}, "s", methodThrottled)
	get := func(path, key string) result {
		return call(t, env.URL, formHost, f.api, "s", "GET", path, withKey(key), "")
	}

	// Burst 2, then throttled until a token comes back (rate 1/s).
	for i := 0; i < 2; i++ {
		if r := get("/a", keyA); r.status != 200 {
			t.Fatalf("request %d within the burst: %d %q", i, r.status, r.body)
		}
	}
	expect(t, get("/b", keyA), 429, tooMany, "TooManyRequestsException")
	clk.Advance(time.Second)
	if r := get("/a", keyA); r.status != 200 {
		t.Errorf("after a second: %d", r.status)
	}
	expect(t, get("/a", keyA), 429, tooMany, "TooManyRequestsException")

	// The plan's per-method throttle applies to /a only.
	if r := get("/a", keyC); r.status != 200 {
		t.Fatalf("method throttle, first: %d", r.status)
	}
	expect(t, get("/a", keyC), 429, tooMany, "TooManyRequestsException")
	for i := 0; i < 3; i++ {
		if r := get("/b", keyC); r.status != 200 {
			t.Errorf("/b is not throttled per method: %d", r.status)
		}
	}

	// Quota of 5 a day.
	for i := 0; i < 5; i++ {
		if r := get("/a", keyB); r.status != 200 {
			t.Fatalf("request %d within the quota: %d %q", i, r.status, r.body)
		}
	}
	expect(t, get("/b", keyB), 429, limitExceeded, "LimitExceededException")

	ctx := context.Background()
	if err := env.Node.DataPlane.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	today := t0.Format("2006-01-02")
	u, err := f.c.GetUsage(ctx, &sdk.GetUsageInput{UsagePlanId: &planID, StartDate: aws.String(t0.AddDate(0, 0, -1).Format("2006-01-02")), EndDate: &today})
	if err != nil {
		t.Fatal(err)
	}
	if got := u.Items[quotaed]; len(got) != 2 || got[0][0] != 0 || got[0][1] != 5 || got[1][0] != 5 || got[1][1] != 0 {
		t.Errorf("GetUsage values = %v", u.Items)
	}

	// UpdateUsage: three more requests today.
	up, err := f.c.UpdateUsage(ctx, &sdk.UpdateUsageInput{UsagePlanId: &planID, KeyId: &quotaed, PatchOperations: []types.PatchOperation{
		{Op: types.OpReplace, Path: aws.String("/remaining"), Value: aws.String("3")}}})
	if err != nil {
		t.Fatal(err)
	}
	if v := up.Items[quotaed]; len(v) != 1 || v[0][0] != 5 || v[0][1] != 3 || *up.StartDate != today || *up.EndDate != today {
		t.Errorf("UpdateUsage = %+v %v", up, up.Items)
	}
	if err := env.Node.DataPlane.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		if r := get("/a", keyB); r.status != 200 {
			t.Fatalf("extended request %d: %d %q", i, r.status, r.body)
		}
	}
	expect(t, get("/a", keyB), 429, limitExceeded, "LimitExceededException")

	// A new day, a new quota.
	clk.Advance(24 * time.Hour)
	if r := get("/a", keyB); r.status != 200 {
		t.Errorf("next day: %d %q", r.status, r.body)
	}
	if err := env.Node.DataPlane.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	tomorrow := clk.Now().Format("2006-01-02")
	u, err = f.c.GetUsage(ctx, &sdk.GetUsageInput{UsagePlanId: &planID, KeyId: &quotaed, StartDate: &today, EndDate: &tomorrow})
	if err != nil {
		t.Fatal(err)
	}
	if got := u.Items[quotaed]; len(got) != 2 || got[0][0] != 8 || got[0][1] != 0 || got[1][0] != 1 || got[1][1] != 4 {
		t.Errorf("GetUsage after a day = %v", u.Items)
	}

	// boto3 reads the same (its "items" is the wire's "values").
	out := env.Python(t, `
import json, boto3
c = boto3.client("apigateway")
u = c.get_usage(usagePlanId="`+planID+`", keyId="`+quotaed+`", startDate="`+today+`", endDate="`+tomorrow+`")
u.pop("ResponseMetadata")
print(json.dumps(u, sort_keys=True))
`)
	want := `{"endDate": "` + tomorrow + `", "items": {"` + quotaed + `": [[8, 0], [1, 4]]}, "startDate": "` + today + `", "usagePlanId": "` + planID + `"}`
	if strings.TrimSpace(out) != want {
		t.Errorf("boto3 get_usage:\n got %s\nwant %s", out, want)
	}
}

// Quota counts survive a restart: Shutdown writes what was counted, the
// next node loads it.
func TestQuotaSurvivesRestart(t *testing.T) {
	clk := clock.NewFake(t0)
	dir := t.TempDir()
	n, err := app.Start(app.Config{Listen: "127.0.0.1:0", DataDir: dir, Clock: clk, Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	env := &testenv.Env{URL: n.URL(), DataDir: dir, Node: n, Clock: clk, Region: "us-east-1"}
	f := newFixture(t, env, "restart")
	f.keyed("/a")
	f.deploy("s", nil)
	k := f.apiKey(keyA, true)
	f.plan(&sdk.CreateUsagePlanInput{Quota: &types.QuotaSettings{Limit: 3, Period: types.QuotaPeriodTypeMonth}}, "s", k)
	for i := 0; i < 2; i++ {
		if r := call(t, env.URL, formHost, f.api, "s", "GET", "/a", withKey(keyA), ""); r.status != 200 {
			t.Fatalf("%d: %d", i, r.status)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := n.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	env = testenv.Start(t, testenv.WithFakeClock(clk), testenv.WithConfig(func(c *app.Config) { c.DataDir = dir }))
	if r := call(t, env.URL, formHost, f.api, "s", "GET", "/a", withKey(keyA), ""); r.status != 200 {
		t.Fatalf("third: %d", r.status)
	}
	expect(t, call(t, env.URL, formHost, f.api, "s", "GET", "/a", withKey(keyA), ""), 429, limitExceeded, "LimitExceededException")
}

// Stage throttling: methodSettings */* applies to each method on its
// own; a method's own setting overrides it.
func TestStageMethodThrottling(t *testing.T) {
	clk := clock.NewFake(t0)
	env := testenv.Start(t, testenv.WithFakeClock(clk))
	f := newFixture(t, env, "stagethrottle")
	f.mock("/a", "GET", "a")
	f.mock("/b", "GET", "b")
	f.deploy("s", nil)
	op := func(path, v string) types.PatchOperation {
		return types.PatchOperation{Op: types.OpReplace, Path: aws.String(path), Value: aws.String(v)}
	}
	if _, err := f.c.UpdateStage(f.ctx, &sdk.UpdateStageInput{RestApiId: &f.api, StageName: aws.String("s"), PatchOperations: []types.PatchOperation{
		op("/*/*/throttling/burstLimit", "1"), op("/*/*/throttling/rateLimit", "1"),
		op("/b/GET/throttling/burstLimit", "3"), op("/b/GET/throttling/rateLimit", "1"),
	}}); err != nil {
		t.Fatal(err)
	}
	get := func(path string) result { return call(t, env.URL, formHost, f.api, "s", "GET", path, nil, "") }
	if r := get("/a"); r.status != 200 {
		t.Fatalf("/a first: %d", r.status)
	}
	expect(t, get("/a"), 429, tooMany, "TooManyRequestsException")
	for i := 0; i < 3; i++ {
		if r := get("/b"); r.status != 200 {
			t.Fatalf("/b %d: %d", i, r.status)
		}
	}
	expect(t, get("/b"), 429, tooMany, "TooManyRequestsException")
	clk.Advance(time.Second)
	if r := get("/a"); r.status != 200 {
		t.Errorf("/a after a second: %d", r.status)
	}
}
