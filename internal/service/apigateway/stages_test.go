package apigateway_test

import (
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	sdk "github.com/aws/aws-sdk-go-v2/service/apigateway"
	"github.com/aws/aws-sdk-go-v2/service/apigateway/types"

	"github.com/stagecraft/stagecraft/internal/clock"
	"github.com/stagecraft/stagecraft/internal/testenv"
)

const stageInvalidPathList = ". Must be one of: [/deploymentId, /description, /cacheClusterEnabled, /cacheClusterSize, /clientCertificateId, /accessLogSettings, /accessLogSettings/destinationArn, /accessLogSettings/format, /{resourcePath}/{httpMethod}/metrics/enabled, /{resourcePath}/{httpMethod}/logging/dataTrace, /{resourcePath}/{httpMethod}/logging/loglevel, /{resourcePath}/{httpMethod}/throttling/burstLimit/{resourcePath}/{httpMethod}/throttling/rateLimit/{resourcePath}/{httpMethod}/caching/ttlInSeconds, /{resourcePath}/{httpMethod}/caching/enabled, /{resourcePath}/{httpMethod}/caching/dataEncrypted, /{resourcePath}/{httpMethod}/caching/requireAuthorizationForCacheControl, /{resourcePath}/{httpMethod}/caching/unauthorizedCacheControlHeaderStrategy, /*/*/metrics/enabled, /*/*/logging/dataTrace, /*/*/logging/loglevel, /*/*/throttling/burstLimit /*/*/throttling/rateLimit /*/*/caching/ttlInSeconds, /*/*/caching/enabled, /*/*/caching/dataEncrypted, /*/*/caching/requireAuthorizationForCacheControl, /*/*/caching/unauthorizedCacheControlHeaderStrategy, /variables/{variable_name}, /tracingEnabled]"

func stageInvalidPath(path string) string {
	return "Invalid method setting path: " + path + stageInvalidPathList
}

func stageCannotRemove(p string) string {
	return "Cannot remove method setting " + p + " because there is no method setting for this method "
}

func stageOp(o types.Op, path, value string) types.PatchOperation {
	po := types.PatchOperation{Op: o, Path: aws.String(path)}
	if value != "" {
		po.Value = aws.String(value)
	}
	return po
}

func stageCopy(from, path string) types.PatchOperation {
	return types.PatchOperation{Op: types.OpCopy, From: aws.String(from), Path: aws.String(path)}
}

func (a *depAPI) update(name string, ops ...types.PatchOperation) (*sdk.UpdateStageOutput, error) {
	return a.c.UpdateStage(a.ctx, &sdk.UpdateStageInput{RestApiId: &a.id, StageName: aws.String(name), PatchOperations: ops})
}

func (a *depAPI) mustUpdate(t *testing.T, name string, ops ...types.PatchOperation) *sdk.UpdateStageOutput {
	t.Helper()
	out, err := a.update(name, ops...)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// stageDefaultsOK checks the fields AWS always returns.
func stageDefaultsOK(t *testing.T, name, dep string, cacheEnabled, tracing bool, st *sdk.GetStageOutput) {
	t.Helper()
	status := "NOT_AVAILABLE"
	if cacheEnabled {
		status = "AVAILABLE"
	}
	if *st.StageName != name || *st.DeploymentId != dep || st.CacheClusterEnabled != cacheEnabled ||
		st.CacheClusterStatus != types.CacheClusterStatus(status) || st.MethodSettings == nil ||
		st.TracingEnabled != tracing || st.CreatedDate == nil || st.LastUpdatedDate == nil {
		t.Fatalf("stage fields: %+v", st)
	}
}

func TestCreateStage(t *testing.T) {
	fc := clock.NewFake(time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC))
	env := testenv.Start(t, testenv.WithFakeClock(fc))
	a := depDeployableAPI(t, env)
	d1 := a.deploy(t, nil)
	d2 := a.deploy(t, nil)

	// Minimal: the always-present fields, nothing else.
	min, err := a.c.CreateStage(a.ctx, &sdk.CreateStageInput{RestApiId: &a.id, StageName: aws.String("min"), DeploymentId: &d1})
	if err != nil {
		t.Fatal(err)
	}
	got := a.stage(t, "min")
	stageDefaultsOK(t, "min", d1, false, false, got)
	if len(got.MethodSettings) != 0 || got.Description != nil || got.Variables != nil || got.CanarySettings != nil ||
		got.DocumentationVersion != nil || got.AccessLogSettings != nil || got.Tags != nil || got.CacheClusterSize != "" ||
		!got.CreatedDate.Equal(fc.Now()) || !got.LastUpdatedDate.Equal(fc.Now()) || *min.StageName != "min" {
		t.Fatalf("minimal stage: %+v", got)
	}

	// Every field.
	full, err := a.c.CreateStage(a.ctx, &sdk.CreateStageInput{RestApiId: &a.id, StageName: aws.String("Full_stage-1"), DeploymentId: &d1,
		Description: aws.String("desc"), CacheClusterEnabled: true, CacheClusterSize: types.CacheClusterSizeSize6Point1Gb,
		Variables: map[string]string{"url": "https://example.com/a?b=c&d=e,f", "with_space": "normal value"}, DocumentationVersion: aws.String("v1"),
		TracingEnabled: true, Tags: map[string]string{"team": "core"},
		CanarySettings: &types.CanarySettings{PercentTraffic: 12.5, StageVariableOverrides: map[string]string{"url": "canary"}, UseStageCache: true, DeploymentId: &d2}})
	if err != nil {
		t.Fatal(err)
	}
	if *full.Description != "desc" || !full.CacheClusterEnabled || full.CacheClusterStatus != "AVAILABLE" || full.CacheClusterSize != "6.1" ||
		full.Variables["url"] != "https://example.com/a?b=c&d=e,f" || full.Variables["with_space"] != "normal value" ||
		*full.DocumentationVersion != "v1" || !full.TracingEnabled || full.Tags["team"] != "core" ||
		*full.CanarySettings.DeploymentId != d2 || full.CanarySettings.PercentTraffic != 12.5 ||
		full.CanarySettings.StageVariableOverrides["url"] != "canary" || !full.CanarySettings.UseStageCache {
		t.Fatalf("full stage: %+v", full)
	}

	// An enabled cache without a size gets 0.5; a canary without a
	// deployment gets the stage's, at 0% and without the stage cache.
	c, err := a.c.CreateStage(a.ctx, &sdk.CreateStageInput{RestApiId: &a.id, StageName: aws.String("cached"), DeploymentId: &d1,
		CacheClusterEnabled: true, CanarySettings: &types.CanarySettings{}})
	if err != nil {
		t.Fatal(err)
	}
	if c.CacheClusterSize != "0.5" || c.CacheClusterStatus != "AVAILABLE" || *c.CanarySettings.DeploymentId != d1 ||
		c.CanarySettings.PercentTraffic != 0 || c.CanarySettings.UseStageCache || c.CanarySettings.StageVariableOverrides != nil {
		t.Fatalf("defaults: %+v %+v", c, c.CanarySettings)
	}

	cases := []struct {
		name      string
		in        sdk.CreateStageInput
		code, msg string
	}{
		{"duplicate", sdk.CreateStageInput{StageName: aws.String("min"), DeploymentId: &d2}, "ConflictException", "Stage already exists"},
		{"unknown deployment", sdk.CreateStageInput{StageName: aws.String("x"), DeploymentId: aws.String("nope12")}, "BadRequestException", "Deployment id does not exist"},
		{"unknown canary deployment", sdk.CreateStageInput{StageName: aws.String("x"), DeploymentId: &d1,
			CanarySettings: &types.CanarySettings{DeploymentId: aws.String("deploy")}}, "BadRequestException", "Deployment id does not exist"},
		{"bad name", sdk.CreateStageInput{StageName: aws.String("a.b"), DeploymentId: &d1}, "BadRequestException", "Stage name only allows a-zA-Z0-9_-"},
		{"bad variable", sdk.CreateStageInput{StageName: aws.String("x"), DeploymentId: &d1, Variables: map[string]string{"v": "a|b"}},
			"BadRequestException", "Invalid stage variable value of key v.  Please use values with alphanumeric characters and the symbols ' ', -', '.', '_', ':', '/', '?', '&', '=', and ','."},
		{"bad tag", sdk.CreateStageInput{StageName: aws.String("x"), DeploymentId: &d1, Tags: map[string]string{"aws:x": "y"}}, "BadRequestException", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			in := tc.in
			in.RestApiId = &a.id
			_, err := a.c.CreateStage(a.ctx, &in)
			apiErr(t, err, tc.code, tc.msg)
		})
	}
	if st := a.stage(t, "min"); *st.DeploymentId != d1 {
		t.Fatalf("the duplicate create changed the stage: %+v", st)
	}
	_, err = a.c.CreateStage(a.ctx, &sdk.CreateStageInput{RestApiId: aws.String("nope123456"), StageName: aws.String("x"), DeploymentId: &d1})
	apiErr(t, err, "NotFoundException", "Invalid API identifier specified 000000000000:nope123456")
}

func TestGetStagesDeleteStageAndFlush(t *testing.T) {
	env := testenv.Start(t)
	a := depDeployableAPI(t, env)
	empty, err := a.c.GetStages(a.ctx, &sdk.GetStagesInput{RestApiId: &a.id})
	if err != nil || empty.Item == nil || len(empty.Item) != 0 {
		t.Fatalf("no stages: %v %+v", err, empty)
	}
	d1 := a.deploy(t, &sdk.CreateDeploymentInput{StageName: aws.String("a")})
	d2 := a.deploy(t, &sdk.CreateDeploymentInput{StageName: aws.String("b")})
	a.deploy(t, &sdk.CreateDeploymentInput{StageName: aws.String("c")})
	if _, err := a.c.CreateStage(a.ctx, &sdk.CreateStageInput{RestApiId: &a.id, StageName: aws.String("d"), DeploymentId: &d1}); err != nil {
		t.Fatal(err)
	}

	names := func(in *sdk.GetStagesInput) []string {
		t.Helper()
		in.RestApiId = &a.id
		out, err := a.c.GetStages(a.ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		var n []string
		for _, s := range out.Item {
			if s.MethodSettings == nil || s.CacheClusterStatus != "NOT_AVAILABLE" {
				t.Fatalf("listed stage lacks the always-present fields: %+v", s)
			}
			n = append(n, *s.StageName)
		}
		return n
	}
	if got := names(&sdk.GetStagesInput{}); len(got) != 4 {
		t.Fatalf("all stages: %v", got)
	}
	if got := names(&sdk.GetStagesInput{DeploymentId: &d1}); len(got) != 2 || got[0] != "a" || got[1] != "d" {
		t.Fatalf("stages of %s: %v", d1, got)
	}
	if got := names(&sdk.GetStagesInput{DeploymentId: &d2}); len(got) != 1 || got[0] != "b" {
		t.Fatalf("stages of %s: %v", d2, got)
	}

	if _, err := a.c.FlushStageCache(a.ctx, &sdk.FlushStageCacheInput{RestApiId: &a.id, StageName: aws.String("a")}); err != nil {
		t.Fatal(err)
	}
	if _, err := a.c.FlushStageAuthorizersCache(a.ctx, &sdk.FlushStageAuthorizersCacheInput{RestApiId: &a.id, StageName: aws.String("a")}); err != nil {
		t.Fatal(err)
	}
	_, err = a.c.FlushStageCache(a.ctx, &sdk.FlushStageCacheInput{RestApiId: &a.id, StageName: aws.String("zz")})
	apiErr(t, err, "NotFoundException", "Invalid Stage identifier specified")
	_, err = a.c.FlushStageAuthorizersCache(a.ctx, &sdk.FlushStageAuthorizersCacheInput{RestApiId: &a.id, StageName: aws.String("zz")})
	apiErr(t, err, "NotFoundException", "Invalid Stage identifier specified")

	if _, err := a.c.DeleteStage(a.ctx, &sdk.DeleteStageInput{RestApiId: &a.id, StageName: aws.String("b")}); err != nil {
		t.Fatal(err)
	}
	_, err = a.c.GetStage(a.ctx, &sdk.GetStageInput{RestApiId: &a.id, StageName: aws.String("b")})
	apiErr(t, err, "NotFoundException", "Invalid Stage identifier specified")
	_, err = a.c.DeleteStage(a.ctx, &sdk.DeleteStageInput{RestApiId: &a.id, StageName: aws.String("b")})
	apiErr(t, err, "NotFoundException", "Invalid Stage identifier specified")
	_, err = a.update("b", stageOp(types.OpReplace, "/description", "x"))
	apiErr(t, err, "NotFoundException", "Invalid Stage identifier specified")
	if got := names(&sdk.GetStagesInput{}); len(got) != 3 {
		t.Fatalf("after delete: %v", got)
	}
	// With its stage gone, b's deployment can be deleted.
	if _, err := a.c.DeleteDeployment(a.ctx, &sdk.DeleteDeploymentInput{RestApiId: &a.id, DeploymentId: &d2}); err != nil {
		t.Fatal(err)
	}
}

// TestCreateDeploymentStageSemantics covers what CreateDeployment does to
// the stage it names.
func TestCreateDeploymentStageSemantics(t *testing.T) {
	fc := clock.NewFake(time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC))
	env := testenv.Start(t, testenv.WithFakeClock(fc))
	a := depDeployableAPI(t, env)

	// A regular deployment to a new stage creates it.
	d1 := a.deploy(t, &sdk.CreateDeploymentInput{StageName: aws.String("dev"), StageDescription: aws.String("dev stage"),
		Variables: map[string]string{"a": "1", "b": "2"}, CacheClusterEnabled: aws.Bool(true), CacheClusterSize: types.CacheClusterSizeSize1Point6Gb,
		TracingEnabled: aws.Bool(true)})
	st := a.stage(t, "dev")
	stageDefaultsOK(t, "dev", d1, true, true, st)
	created := *st.CreatedDate
	if *st.Description != "dev stage" || st.Variables["a"] != "1" || st.Variables["b"] != "2" || st.CacheClusterSize != "1.6" ||
		st.CanarySettings != nil || !created.Equal(fc.Now()) {
		t.Fatalf("created stage: %+v", st)
	}
	// Without stage settings, a deployment to a new stage gives the defaults.
	a.deploy(t, &sdk.CreateDeploymentInput{StageName: aws.String("plain")})
	plain := a.stage(t, "plain")
	stageDefaultsOK(t, "plain", *plain.DeploymentId, false, false, plain)
	if plain.Description != nil || plain.Variables != nil || plain.CacheClusterSize != "" {
		t.Fatalf("plain stage: %+v", plain)
	}
	// An empty stage name means no stage.
	a.deploy(t, &sdk.CreateDeploymentInput{StageName: aws.String("")})
	if sts, _ := a.c.GetStages(a.ctx, &sdk.GetStagesInput{RestApiId: &a.id}); len(sts.Item) != 2 {
		t.Fatalf("stages: %+v", sts.Item)
	}

	// A canary deployment sets the canary and leaves deploymentId alone.
	fc.Advance(time.Minute)
	d2 := a.deploy(t, &sdk.CreateDeploymentInput{StageName: aws.String("dev"),
		CanarySettings: &types.DeploymentCanarySettings{PercentTraffic: 40, StageVariableOverrides: map[string]string{"a": "canary"}}})
	st = a.stage(t, "dev")
	if *st.DeploymentId != d1 || *st.CanarySettings.DeploymentId != d2 || st.CanarySettings.PercentTraffic != 40 ||
		st.CanarySettings.StageVariableOverrides["a"] != "canary" || st.CanarySettings.UseStageCache ||
		!st.LastUpdatedDate.Equal(fc.Now()) || !st.CreatedDate.Equal(created) || st.Variables["b"] != "2" {
		t.Fatalf("after canary deployment: %+v %+v", st, st.CanarySettings)
	}
	// A second canary deployment replaces the first canary entirely.
	d3 := a.deploy(t, &sdk.CreateDeploymentInput{StageName: aws.String("dev"),
		CanarySettings: &types.DeploymentCanarySettings{UseStageCache: true}})
	st = a.stage(t, "dev")
	if *st.DeploymentId != d1 || *st.CanarySettings.DeploymentId != d3 || st.CanarySettings.PercentTraffic != 0 ||
		st.CanarySettings.StageVariableOverrides != nil || !st.CanarySettings.UseStageCache {
		t.Fatalf("after second canary deployment: %+v", st.CanarySettings)
	}

	// A regular redeploy moves the stage, applies the given settings
	// (variables replaced wholesale) and keeps the canary.
	fc.Advance(time.Minute)
	d4 := a.deploy(t, &sdk.CreateDeploymentInput{StageName: aws.String("dev"), StageDescription: aws.String("v2"),
		Variables: map[string]string{"c": "3"}, CacheClusterEnabled: aws.Bool(false), TracingEnabled: aws.Bool(false)})
	st = a.stage(t, "dev")
	stageDefaultsOK(t, "dev", d4, false, false, st)
	if *st.Description != "v2" || len(st.Variables) != 1 || st.Variables["c"] != "3" || *st.CanarySettings.DeploymentId != d3 ||
		!st.LastUpdatedDate.Equal(fc.Now()) || !st.CreatedDate.Equal(created) {
		t.Fatalf("after redeploy: %+v", st)
	}
	// A redeploy without settings only moves the stage.
	d5 := a.deploy(t, &sdk.CreateDeploymentInput{StageName: aws.String("dev")})
	st = a.stage(t, "dev")
	if *st.DeploymentId != d5 || *st.Description != "v2" || st.Variables["c"] != "3" {
		t.Fatalf("after bare redeploy: %+v", st)
	}
}

func TestUpdateStageSettings(t *testing.T) {
	fc := clock.NewFake(time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC))
	env := testenv.Start(t, testenv.WithFakeClock(fc))
	a := depDeployableAPI(t, env)
	d1 := a.deploy(t, &sdk.CreateDeploymentInput{StageName: aws.String("s"), Variables: map[string]string{"keep": "1", "drop": "2"}})
	d2 := a.deploy(t, nil)
	created := *a.stage(t, "s").CreatedDate

	fc.Advance(time.Hour)
	out := a.mustUpdate(t, "s",
		stageOp(types.OpReplace, "/description", "new desc"),
		stageOp(types.OpReplace, "/cacheClusterEnabled", "true"),
		stageOp(types.OpReplace, "/cacheClusterSize", "13.5"),
		stageOp(types.OpReplace, "/clientCertificateId", "cert12"),
		stageOp(types.OpReplace, "/tracingEnabled", "true"),
		stageOp(types.OpReplace, "/documentationVersion", "1.0"),
		stageOp(types.OpReplace, "/deploymentId", d2),
		stageOp(types.OpReplace, "/variables/url", "https://x.example/p"),
		stageOp(types.OpAdd, "/variables/added", "v"),
		stageOp(types.OpRemove, "/variables/drop", ""),
	)
	if *out.Description != "new desc" || !out.CacheClusterEnabled || out.CacheClusterStatus != "AVAILABLE" || out.CacheClusterSize != "13.5" ||
		*out.ClientCertificateId != "cert12" || !out.TracingEnabled || *out.DocumentationVersion != "1.0" || *out.DeploymentId != d2 ||
		len(out.Variables) != 3 || out.Variables["url"] != "https://x.example/p" || out.Variables["keep"] != "1" || out.Variables["added"] != "v" ||
		!out.LastUpdatedDate.Equal(fc.Now()) || !out.CreatedDate.Equal(created) {
		t.Fatalf("update: %+v", out)
	}
	got := a.stage(t, "s")
	if *got.DeploymentId != d2 || got.CacheClusterStatus != "AVAILABLE" || got.Variables["url"] != "https://x.example/p" {
		t.Fatalf("get after update: %+v", got)
	}
	out = a.mustUpdate(t, "s", stageOp(types.OpReplace, "/cacheClusterEnabled", "false"), stageOp(types.OpReplace, "/description", ""),
		stageOp(types.OpRemove, "/variables", ""), stageOp(types.OpReplace, "/deploymentId", d1))
	if out.CacheClusterEnabled || out.CacheClusterStatus != "NOT_AVAILABLE" || out.Description != nil || out.Variables != nil || *out.DeploymentId != d1 {
		t.Fatalf("second update: %+v", out)
	}

	cases := []struct {
		name string
		ops  []types.PatchOperation
		msg  string
	}{
		{"unknown deployment", []types.PatchOperation{stageOp(types.OpReplace, "/deploymentId", "nope12")}, "Deployment id does not exist"},
		{"bad cache size", []types.PatchOperation{stageOp(types.OpReplace, "/cacheClusterSize", "2")}, ""},
		{"bad boolean", []types.PatchOperation{stageOp(types.OpReplace, "/tracingEnabled", "yes")}, ""},
		{"bad variable value", []types.PatchOperation{stageOp(types.OpReplace, "/variables/v", "a<b")},
			"Invalid stage variable value of key v.  Please use values with alphanumeric characters and the symbols ' ', -', '.', '_', ':', '/', '?', '&', '=', and ','."},
		{"bad variable name", []types.PatchOperation{stageOp(types.OpReplace, "/variables/a-b", "x")}, "Invalid stage variable name: a-b. Please use names with only word characters."},
		{"unknown path", []types.PatchOperation{stageOp(types.OpReplace, "/documentation_version", "x")}, stageInvalidPath("/documentation_version")},
		{"tags", []types.PatchOperation{stageOp(types.OpReplace, "/tags/x", "y")}, stageInvalidPath("/tags/x")},
		{"whole variables", []types.PatchOperation{stageOp(types.OpReplace, "/variables", "x")}, stageInvalidPath("/variables")},
		{"add a scalar", []types.PatchOperation{stageOp(types.OpAdd, "/description", "x")}, "Invalid add operation with path: /description"},
		{"move", []types.PatchOperation{{Op: types.OpMove, From: aws.String("/description"), Path: aws.String("/variables/x")}}, "Invalid move operation with path: /variables/x"},
		{"remove a scalar", []types.PatchOperation{stageOp(types.OpRemove, "/description", "")}, stageCannotRemove("description")},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := a.update("s", tc.ops...)
			apiErr(t, err, "BadRequestException", tc.msg)
		})
	}
}

func TestUpdateStageIsAtomic(t *testing.T) {
	env := testenv.Start(t)
	a := depDeployableAPI(t, env)
	a.deploy(t, &sdk.CreateDeploymentInput{StageName: aws.String("s"), StageDescription: aws.String("before")})
	before := a.stage(t, "s")
	_, err := a.update("s",
		stageOp(types.OpReplace, "/description", "after"),
		stageOp(types.OpReplace, "/*/*/metrics/enabled", "true"),
		stageOp(types.OpReplace, "/canarySettings/percentTraffic", "10"),
		stageOp(types.OpReplace, "/variables/x", "1"),
		stageOp(types.OpReplace, "/deploymentId", "nope12"))
	apiErr(t, err, "BadRequestException", "Deployment id does not exist")
	after := a.stage(t, "s")
	if *after.Description != "before" || len(after.MethodSettings) != 0 || after.CanarySettings != nil || after.Variables != nil ||
		!after.LastUpdatedDate.Equal(*before.LastUpdatedDate) {
		t.Fatalf("a failed update left changes behind: %+v", after)
	}
}

func TestUpdateStageMethodSettings(t *testing.T) {
	env := testenv.Start(t)
	a := depDeployableAPI(t, env)
	a.deploy(t, &sdk.CreateDeploymentInput{StageName: aws.String("s")})

	// A new */* entry starts from the defaults.
	out := a.mustUpdate(t, "s", stageOp(types.OpReplace, "/*/*/metrics/enabled", "true"))
	ms := out.MethodSettings["*/*"]
	if len(out.MethodSettings) != 1 || !ms.MetricsEnabled || ms.DataTraceEnabled || ms.ThrottlingBurstLimit != 5000 || ms.ThrottlingRateLimit != 10000 ||
		ms.CachingEnabled || ms.CacheTtlInSeconds != 300 || ms.CacheDataEncrypted || !ms.RequireAuthorizationForCacheControl ||
		ms.UnauthorizedCacheControlHeaderStrategy != "SUCCEED_WITH_RESPONSE_HEADER" || ms.LoggingLevel != nil {
		t.Fatalf("*/* defaults: %+v", ms)
	}

	// Every setting maps to its field.
	settings := []struct {
		path, value string
		check       func(types.MethodSetting) bool
	}{
		{"metrics/enabled", "false", func(m types.MethodSetting) bool { return !m.MetricsEnabled }},
		{"logging/dataTrace", "true", func(m types.MethodSetting) bool { return m.DataTraceEnabled }},
		{"logging/loglevel", "INFO", func(m types.MethodSetting) bool { return m.LoggingLevel != nil && *m.LoggingLevel == "INFO" }},
		{"throttling/burstLimit", "42", func(m types.MethodSetting) bool { return m.ThrottlingBurstLimit == 42 }},
		{"throttling/rateLimit", "12.5", func(m types.MethodSetting) bool { return m.ThrottlingRateLimit == 12.5 }},
		{"caching/enabled", "true", func(m types.MethodSetting) bool { return m.CachingEnabled }},
		{"caching/ttlInSeconds", "60", func(m types.MethodSetting) bool { return m.CacheTtlInSeconds == 60 }},
		{"caching/dataEncrypted", "true", func(m types.MethodSetting) bool { return m.CacheDataEncrypted }},
		{"caching/requireAuthorizationForCacheControl", "false", func(m types.MethodSetting) bool { return !m.RequireAuthorizationForCacheControl }},
		{"caching/unauthorizedCacheControlHeaderStrategy", "FAIL_WITH_403", func(m types.MethodSetting) bool {
			return m.UnauthorizedCacheControlHeaderStrategy == types.UnauthorizedCacheControlHeaderStrategyFailWith403
		}},
	}
	for _, s := range settings {
		out := a.mustUpdate(t, "s", stageOp(types.OpReplace, "/pets/GET/"+s.path, s.value))
		if !s.check(out.MethodSettings["pets/GET"]) {
			t.Fatalf("%s=%s: %+v", s.path, s.value, out.MethodSettings["pets/GET"])
		}
	}

	// A new per-method entry copies the current */* values; later */*
	// changes do not flow into it.
	a.mustUpdate(t, "s", stageOp(types.OpReplace, "/*/*/throttling/burstLimit", "77"), stageOp(types.OpReplace, "/*/*/logging/loglevel", "ERROR"))
	out = a.mustUpdate(t, "s", stageOp(types.OpReplace, "/orders/POST/caching/enabled", "true"))
	o := out.MethodSettings["orders/POST"]
	if !o.MetricsEnabled || o.ThrottlingBurstLimit != 77 || o.LoggingLevel == nil || *o.LoggingLevel != "ERROR" || !o.CachingEnabled {
		t.Fatalf("copied from */*: %+v", o)
	}
	out = a.mustUpdate(t, "s", stageOp(types.OpReplace, "/*/*/throttling/burstLimit", "1"))
	if out.MethodSettings["orders/POST"].ThrottlingBurstLimit != 77 || out.MethodSettings["*/*"].ThrottlingBurstLimit != 1 {
		t.Fatalf("*/* change flowed into an existing entry: %+v", out.MethodSettings)
	}

	// Nested resource paths, raw (Terraform) or ~1-escaped, give one key.
	a.mustUpdate(t, "s", stageOp(types.OpReplace, "/a/b/{id}/GET/metrics/enabled", "true"))
	out = a.mustUpdate(t, "s", stageOp(types.OpReplace, "/a~1b~1{id}/GET/throttling/rateLimit", "5"), stageOp(types.OpReplace, "/~1a~1b~1{id}/GET/caching/ttlInSeconds", "9"))
	n := out.MethodSettings["a/b/{id}/GET"]
	if len(out.MethodSettings) != 4 || !n.MetricsEnabled || n.ThrottlingRateLimit != 5 || n.CacheTtlInSeconds != 9 {
		t.Fatalf("nested key: %+v", out.MethodSettings)
	}

	// Removal.
	out = a.mustUpdate(t, "s", stageOp(types.OpRemove, "/a/b/{id}/GET", ""), stageOp(types.OpRemove, "/*/*", ""))
	if _, ok := out.MethodSettings["*/*"]; ok || len(out.MethodSettings) != 2 {
		t.Fatalf("after removal: %+v", out.MethodSettings)
	}

	cases := []struct {
		name string
		o    types.PatchOperation
		msg  string
	}{
		{"remove missing */*", stageOp(types.OpRemove, "/*/*", ""), stageCannotRemove("*/*")},
		{"remove missing method", stageOp(types.OpRemove, "/pets/DELETE", ""), stageCannotRemove("pets/DELETE")},
		{"remove a single setting", stageOp(types.OpRemove, "/pets/GET/metrics/enabled", ""), stageCannotRemove("pets/GET/metrics/enabled")},
		{"unknown setting", stageOp(types.OpReplace, "/*/*/metrics/foo", "true"), stageInvalidPath("/*/*/metrics/foo")},
		{"too short", stageOp(types.OpReplace, "/GET/metrics/enabled", "true"), stageInvalidPath("/GET/metrics/enabled")},
		{"bad integer", stageOp(types.OpReplace, "/*/*/throttling/burstLimit", "many"), ""},
		{"bad number", stageOp(types.OpReplace, "/*/*/throttling/rateLimit", "fast"), ""},
		{"bad boolean", stageOp(types.OpReplace, "/*/*/caching/enabled", "maybe"), ""},
		{"bad log level", stageOp(types.OpReplace, "/*/*/logging/loglevel", "DEBUG"), ""},
		{"bad strategy", stageOp(types.OpReplace, "/*/*/caching/unauthorizedCacheControlHeaderStrategy", "NOPE"), ""},
		{"add a setting", stageOp(types.OpAdd, "/*/*/metrics/enabled", "true"), "Invalid add operation with path: /*/*/metrics/enabled"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := a.update("s", tc.o)
			apiErr(t, err, "BadRequestException", tc.msg)
		})
	}
}

func TestUpdateStageAccessLogSettings(t *testing.T) {
	env := testenv.Start(t)
	a := depDeployableAPI(t, env)
	a.deploy(t, &sdk.CreateDeploymentInput{StageName: aws.String("s")})
	arn := "arn:aws:logs:us-east-1:000000000000:log-group:access"
	out := a.mustUpdate(t, "s", stageOp(types.OpAdd, "/accessLogSettings/destinationArn", arn),
		stageOp(types.OpReplace, "/accessLogSettings/format", "$context.requestId"))
	if out.AccessLogSettings == nil || *out.AccessLogSettings.DestinationArn != arn || *out.AccessLogSettings.Format != "$context.requestId" {
		t.Fatalf("access log: %+v", out.AccessLogSettings)
	}
	out = a.mustUpdate(t, "s", stageOp(types.OpReplace, "/accessLogSettings/format", "$context.status"))
	if *out.AccessLogSettings.Format != "$context.status" || *out.AccessLogSettings.DestinationArn != arn {
		t.Fatalf("access log replace: %+v", out.AccessLogSettings)
	}
	cases := []struct {
		name string
		o    types.PatchOperation
		msg  string
	}{
		{"empty value", stageOp(types.OpReplace, "/accessLogSettings/format", ""), "Access Log value must not be empty"},
		{"remove arn", stageOp(types.OpRemove, "/accessLogSettings/destinationArn", ""), stageCannotRemove("accessLogSettings/destinationArn")},
		{"remove format", stageOp(types.OpRemove, "/accessLogSettings/format", ""), stageCannotRemove("accessLogSettings/format")},
		{"other sub-path", stageOp(types.OpReplace, "/accessLogSettings/foo", "x"),
			"Invalid accessLogSettings path. Must be one of : [/accessLogSettings/destinationArn, /accessLogSettings/format]"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := a.update("s", tc.o)
			apiErr(t, err, "BadRequestException", tc.msg)
		})
	}
	out = a.mustUpdate(t, "s", stageOp(types.OpRemove, "/accessLogSettings", ""))
	if out.AccessLogSettings != nil {
		t.Fatalf("access log after remove: %+v", out.AccessLogSettings)
	}
	if st := a.stage(t, "s"); st.AccessLogSettings != nil {
		t.Fatalf("access log after remove: %+v", st.AccessLogSettings)
	}
}

func TestUpdateStageCanarySettings(t *testing.T) {
	env := testenv.Start(t)
	a := depDeployableAPI(t, env)
	d1 := a.deploy(t, &sdk.CreateDeploymentInput{StageName: aws.String("s")})
	d2 := a.deploy(t, nil)

	// A replace on a stage without a canary creates one with defaults.
	out := a.mustUpdate(t, "s", stageOp(types.OpReplace, "/canarySettings/percentTraffic", "50"))
	cs := out.CanarySettings
	if cs == nil || *cs.DeploymentId != d1 || cs.PercentTraffic != 50 || cs.UseStageCache || cs.StageVariableOverrides != nil {
		t.Fatalf("auto-created canary: %+v", cs)
	}
	out = a.mustUpdate(t, "s", stageOp(types.OpRemove, "/canarySettings", ""))
	if out.CanarySettings != nil {
		t.Fatalf("canary after remove: %+v", out.CanarySettings)
	}
	out = a.mustUpdate(t, "s", stageOp(types.OpReplace, "/canarySettings/deploymentId", d2))
	if cs := out.CanarySettings; *cs.DeploymentId != d2 || cs.PercentTraffic != 0 || cs.UseStageCache {
		t.Fatalf("canary by deploymentId: %+v", cs)
	}
	out = a.mustUpdate(t, "s", stageOp(types.OpReplace, "/canarySettings/useStageCache", "true"),
		stageOp(types.OpReplace, "/canarySettings/stageVariableOverrides/a", "1"),
		stageOp(types.OpReplace, "/canarySettings/stageVariableOverrides/b", "2"),
		stageOp(types.OpReplace, "/canarySettings/percentTraffic", "10.000000"))
	if cs := out.CanarySettings; !cs.UseStageCache || cs.StageVariableOverrides["a"] != "1" || cs.StageVariableOverrides["b"] != "2" || cs.PercentTraffic != 10 {
		t.Fatalf("canary settings: %+v", cs)
	}
	out = a.mustUpdate(t, "s", stageOp(types.OpRemove, "/canarySettings/stageVariableOverrides/a", ""))
	if cs := out.CanarySettings; len(cs.StageVariableOverrides) != 1 || cs.StageVariableOverrides["b"] != "2" {
		t.Fatalf("override removal: %+v", cs)
	}

	cases := []struct {
		name string
		o    types.PatchOperation
		msg  string
	}{
		{"add", stageOp(types.OpAdd, "/canarySettings/deploymentId", d2), "Invalid add operation with path: /canarySettings/deploymentId"},
		{"unknown deployment", stageOp(types.OpReplace, "/canarySettings/deploymentId", "deploy"), "Deployment id does not exist"},
		{"replace whole", stageOp(types.OpReplace, "/canarySettings", "test"), stageInvalidPath("/canarySettings")},
		{"replace bad path", stageOp(types.OpReplace, "/canarySettings/badPath", "badPath"), stageInvalidPath("/canarySettings/badPath")},
		{"remove overrides", stageOp(types.OpRemove, "/canarySettings/stageVariableOverrides", ""), stageCannotRemove("canarySettings/stageVariableOverrides")},
		{"remove bad path", stageOp(types.OpRemove, "/canarySettings/badPath", ""), stageCannotRemove("canarySettings/badPath")},
		{"percent above 100", stageOp(types.OpReplace, "/canarySettings/percentTraffic", "101"), "Canary traffic percentage must be between 0.0 and 100.0"},
		{"bad override value", stageOp(types.OpReplace, "/canarySettings/stageVariableOverrides/x", "a^b"),
			"Invalid stage variable value of key x.  Please use values with alphanumeric characters and the symbols ' ', -', '.', '_', ':', '/', '?', '&', '=', and ','."},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := a.update("s", tc.o)
			apiErr(t, err, "BadRequestException", tc.msg)
		})
	}
	// On a stage without a canary, an unknown canary deployment creates nothing.
	a.deploy(t, &sdk.CreateDeploymentInput{StageName: aws.String("plain")})
	_, err := a.update("plain", stageOp(types.OpReplace, "/canarySettings/deploymentId", "deploy"))
	apiErr(t, err, "BadRequestException", "Deployment id does not exist")
	if st := a.stage(t, "plain"); st.CanarySettings != nil {
		t.Fatalf("failed update created a canary: %+v", st.CanarySettings)
	}
}

func TestUpdateStagePromotion(t *testing.T) {
	env := testenv.Start(t)
	a := depDeployableAPI(t, env)
	d1 := a.deploy(t, &sdk.CreateDeploymentInput{StageName: aws.String("dev"), Variables: map[string]string{"testVar": "test", "testVar2": "test2"}})

	_, err := a.update("dev", stageCopy("/variables", "/canarySettings/stageVariableOverrides"), stageCopy("/deploymentId", "/canarySettings/deploymentId"))
	apiErr(t, err, "BadRequestException", "Invalid copy operation with path: /canarySettings/stageVariableOverrides and from /variables. Valid copy:path are [/deploymentId, /variables] and valid copy:from are [/canarySettings/deploymentId, /canarySettings/stageVariableOverrides]")
	// The fixed text whatever the paths, including a crossed pair.
	_, err = a.update("dev", stageCopy("/canarySettings/stageVariableOverrides", "/deploymentId"))
	apiErr(t, err, "BadRequestException", "Invalid copy operation with path: /canarySettings/stageVariableOverrides and from /variables. Valid copy:path are [/deploymentId, /variables] and valid copy:from are [/canarySettings/deploymentId, /canarySettings/stageVariableOverrides]")
	_, err = a.update("dev", stageCopy("/canarySettings/stageVariableOverrides", "/variables"), stageCopy("/canarySettings/deploymentId", "/deploymentId"))
	apiErr(t, err, "BadRequestException", "Promotion not available. Canary does not exist.")

	// A replace earlier in the same request creates the canary, so the
	// copies that follow succeed.
	out := a.mustUpdate(t, "dev", stageOp(types.OpReplace, "/canarySettings/percentTraffic", "0.0"),
		stageCopy("/canarySettings/deploymentId", "/deploymentId"), stageCopy("/canarySettings/stageVariableOverrides", "/variables"))
	if *out.DeploymentId != d1 || *out.CanarySettings.DeploymentId != d1 || out.CanarySettings.PercentTraffic != 0 ||
		len(out.Variables) != 2 || out.Variables["testVar"] != "test" {
		t.Fatalf("promotion of a fresh canary: %+v %+v", out, out.CanarySettings)
	}

	// The documented flow: canary deployment, then promote.
	d2 := a.deploy(t, &sdk.CreateDeploymentInput{StageName: aws.String("dev"),
		CanarySettings: &types.DeploymentCanarySettings{PercentTraffic: 50, StageVariableOverrides: map[string]string{"testVar": "override", "newVar": "n"}}})
	out = a.mustUpdate(t, "dev", stageOp(types.OpReplace, "/canarySettings/percentTraffic", "0.0"),
		stageCopy("/canarySettings/deploymentId", "/deploymentId"), stageCopy("/canarySettings/stageVariableOverrides", "/variables"))
	cs := out.CanarySettings
	if *out.DeploymentId != d2 || cs == nil || *cs.DeploymentId != d2 || cs.PercentTraffic != 0 || cs.StageVariableOverrides["testVar"] != "override" ||
		len(out.Variables) != 3 || out.Variables["testVar"] != "override" || out.Variables["testVar2"] != "test2" || out.Variables["newVar"] != "n" {
		t.Fatalf("promotion: %+v %+v", out, cs)
	}
	// Then the old deployment is free.
	if _, err := a.c.DeleteDeployment(a.ctx, &sdk.DeleteDeploymentInput{RestApiId: &a.id, DeploymentId: &d1}); err != nil {
		t.Fatal(err)
	}
}
