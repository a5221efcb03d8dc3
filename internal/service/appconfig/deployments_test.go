package appconfig_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	sdk "github.com/aws/aws-sdk-go-v2/service/appconfig"
	"github.com/aws/aws-sdk-go-v2/service/appconfig/types"

	"github.com/stagecraft/stagecraft/internal/app"
	"github.com/stagecraft/stagecraft/internal/clock"
	"github.com/stagecraft/stagecraft/internal/rollout"
	"github.com/stagecraft/stagecraft/internal/testenv"
)

// seed003Response is the sample response of the StartDeployment API
// reference (shared/seeds/003), verbatim.
const seed003Response = `{
"ApplicationId": "abc1234",
"EnvironmentId": "54j1r29",
"DeploymentStrategyId": "1225qzk",
"ConfigurationProfileId": "ur8hx2f",
"DeploymentNumber": 1,
"ConfigurationName": "Example-Configuration-Profile",
"ConfigurationLocationUri": "ssm-parameter://Example-Parameter",
"ConfigurationVersion": "1",
"DeploymentDurationInMinutes": 15,
"GrowthType": "LINEAR",
"GrowthFactor": 25.0,
"FinalBakeTimeInMinutes": 0,
"State": "DEPLOYING",
"EventLog": [
{
"EventType": "DEPLOYMENT_STARTED",
"TriggeredBy": "USER",
"Description": "Deployment started",
"OccurredAt": "2021-09-17T21:43:54.205000+00:00"
}
],
"PercentageComplete": 0.0,
"StartedAt": "2021-09-17T21:43:54.205000+00:00"
}`

// seedIDs is the seed's setup: application, environment, the SSM-backed
// profile "Example-Configuration-Profile" and the 15-minute, 25 % linear
// strategy without bake time, on a clock at the sample's instant.
type seedIDs struct{ app, env, prof, strat string }

func seedSetup(t *testing.T, c *sdk.Client) seedIDs {
	t.Helper()
	a, err := c.CreateApplication(ctx, &sdk.CreateApplicationInput{Name: aws.String("Example-Application")})
	if err != nil {
		t.Fatal(err)
	}
	e, err := c.CreateEnvironment(ctx, &sdk.CreateEnvironmentInput{ApplicationId: a.Id, Name: aws.String("Example-Environment")})
	if err != nil {
		t.Fatal(err)
	}
	p, err := c.CreateConfigurationProfile(ctx, &sdk.CreateConfigurationProfileInput{ApplicationId: a.Id, Name: aws.String("Example-Configuration-Profile"),
		LocationUri: aws.String("ssm-parameter://Example-Parameter"), RetrievalRoleArn: aws.String("arn:aws:iam::111122223333:role/Example-Role")})
	if err != nil {
		t.Fatal(err)
	}
	s, err := c.CreateDeploymentStrategy(ctx, &sdk.CreateDeploymentStrategyInput{Name: aws.String("Example-Deployment"),
		DeploymentDurationInMinutes: aws.Int32(15), GrowthFactor: aws.Float32(25), ReplicateTo: types.ReplicateToNone})
	if err != nil {
		t.Fatal(err)
	}
	return seedIDs{*a.Id, *e.Id, *p.Id, *s.Id}
}

// expectedSeed is the sample response with the generated ids substituted
// and timestamps in the given rendering.
func (ids seedIDs) expectedSeed(t *testing.T, isoTime string) map[string]any {
	t.Helper()
	s := seed003Response
	for from, to := range map[string]string{"abc1234": ids.app, "54j1r29": ids.env, "ur8hx2f": ids.prof, "1225qzk": ids.strat} {
		s = strings.ReplaceAll(s, `"`+from+`"`, `"`+to+`"`)
	}
	s = strings.ReplaceAll(s, "2021-09-17T21:43:54.205000+00:00", isoTime)
	var m map[string]any
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// rawCall sends an unsigned JSON request to the node (auth is off in
// tests; the path selects AppConfig) and returns status and body.
func rawCall(t *testing.T, e *testenv.Env, method, path, body string, hdr ...string) (int, []byte, http.Header) {
	t.Helper()
	req, err := http.NewRequest(method, e.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b, resp.Header
}

func TestStartDeploymentSeed003(t *testing.T) {
	f := start(t)
	ids := seedSetup(t, f.c)
	// The seed's exact request body, on the wire.
	body := fmt.Sprintf(`{
"DeploymentStrategyId": "%s",
"ConfigurationProfileId": "%s",
"ConfigurationVersion": "1"
}`, ids.strat, ids.prof)
	status, raw, hdr := rawCall(t, f.e, "POST", "/applications/"+ids.app+"/environments/"+ids.env+"/deployments", body)
	if status != 201 || hdr.Get("Content-Type") != "application/json" {
		t.Fatalf("status %d %s: %s", status, hdr.Get("Content-Type"), raw)
	}
	var got map[string]any
	if err := json.Unmarshal(raw, &got); err != nil {
		t.Fatal(err)
	}
	// Same members, same values (our timestamps are RFC 3339 with
	// milliseconds; every SDK parses both renderings to the same instant).
	if want := ids.expectedSeed(t, "2021-09-17T21:43:54.205Z"); !reflect.DeepEqual(got, want) {
		t.Fatalf("response\n got %s\nwant %v", raw, want)
	}

	// The same through aws-sdk-go-v2, in a second environment.
	e2, err := f.c.CreateEnvironment(ctx, &sdk.CreateEnvironmentInput{ApplicationId: &ids.app, Name: aws.String("Second")})
	if err != nil {
		t.Fatal(err)
	}
	d, err := f.c.StartDeployment(ctx, &sdk.StartDeploymentInput{ApplicationId: &ids.app, EnvironmentId: e2.Id,
		DeploymentStrategyId: &ids.strat, ConfigurationProfileId: &ids.prof, ConfigurationVersion: aws.String("1")})
	if err != nil {
		t.Fatal(err)
	}
	if *d.ApplicationId != ids.app || *d.EnvironmentId != *e2.Id || *d.DeploymentStrategyId != ids.strat || *d.ConfigurationProfileId != ids.prof ||
		d.DeploymentNumber != 1 || *d.ConfigurationName != "Example-Configuration-Profile" || *d.ConfigurationLocationUri != "ssm-parameter://Example-Parameter" ||
		*d.ConfigurationVersion != "1" || d.DeploymentDurationInMinutes != 15 || d.GrowthType != types.GrowthTypeLinear || *d.GrowthFactor != 25 ||
		d.FinalBakeTimeInMinutes != 0 || d.State != types.DeploymentStateDeploying || *d.PercentageComplete != 0 || !d.StartedAt.Equal(t0) ||
		d.CompletedAt != nil || d.Description != nil || d.VersionLabel != nil || len(d.EventLog) != 1 || d.AppliedExtensions != nil {
		t.Fatalf("%+v", d)
	}
	ev := d.EventLog[0]
	if ev.EventType != types.DeploymentEventTypeDeploymentStarted || ev.TriggeredBy != types.TriggeredByUser || *ev.Description != "Deployment started" || !ev.OccurredAt.Equal(t0) {
		t.Fatalf("%+v", ev)
	}
	e, _ := f.c.GetEnvironment(ctx, &sdk.GetEnvironmentInput{ApplicationId: &ids.app, EnvironmentId: &ids.env})
	if e.State != types.EnvironmentStateDeploying {
		t.Fatalf("environment %s", e.State)
	}

	// AWS's GetDeployment example continues this deployment: 25 % steps,
	// bake start, completion, newest first.
	f.clk.Advance(20 * time.Minute)
	n := int32(1)
	g, err := f.c.GetDeployment(ctx, &sdk.GetDeploymentInput{ApplicationId: &ids.app, EnvironmentId: &ids.env, DeploymentNumber: &n})
	if err != nil {
		t.Fatal(err)
	}
	var types_ []string
	for _, e := range g.EventLog {
		types_ = append(types_, string(e.EventType)+" "+*e.Description)
	}
	want := []string{
		"DEPLOYMENT_COMPLETED Deployment completed",
		"BAKE_TIME_STARTED Deployment bake time started",
		"PERCENTAGE_UPDATED Configuration available to 100.00% of clients",
		"PERCENTAGE_UPDATED Configuration available to 75.00% of clients",
		"PERCENTAGE_UPDATED Configuration available to 50.00% of clients",
		"PERCENTAGE_UPDATED Configuration available to 25.00% of clients",
		"DEPLOYMENT_STARTED Deployment started",
	}
	if !slices.Equal(types_, want) || g.State != types.DeploymentStateComplete || *g.PercentageComplete != 100 || !g.CompletedAt.Equal(t0.Add(15*time.Minute)) {
		t.Fatalf("%v %s %v %v", types_, g.State, *g.PercentageComplete, g.CompletedAt)
	}
	if e, _ := f.c.GetEnvironment(ctx, &sdk.GetEnvironmentInput{ApplicationId: &ids.app, EnvironmentId: &ids.env}); e.State != types.EnvironmentStateReadyForDeployment {
		t.Fatalf("environment %s", e.State)
	}
}

func TestStartDeploymentValidation(t *testing.T) {
	f := start(t).basic(t)
	c := f.c
	path := func(app, env string) string { return "/applications/" + app + "/environments/" + env + "/deployments" }
	body := func(extra string) string {
		b := fmt.Sprintf(`{"ConfigurationProfileId":%q,"ConfigurationVersion":"1","DeploymentStrategyId":%q`, f.prof, f.strat)
		if extra != "" {
			b += "," + extra
		}
		return b + "}"
	}
	v := func(member, value, constraint string) string {
		return "1 validation error detected: Value " + value + " at 'startDeploymentInput." + member + "' failed to satisfy constraint: " + constraint
	}
	long := func(n int) string { return strings.Repeat("x", n) }
	eleven := map[string]string{}
	for i := range 11 {
		eleven[fmt.Sprintf("ext%d#p", i)] = "v"
	}
	elevenJSON, _ := json.Marshal(eleven)
	fiftyOne := map[string]string{}
	for i := range 51 {
		fiftyOne[fmt.Sprintf("k%d", i)] = "v"
	}
	fiftyOneJSON, _ := json.Marshal(fiftyOne)
	for _, tc := range []struct {
		name, path, body string
		status           int
		code, msg        string
	}{
		{"malformed JSON", path(f.app, f.env), `{"ConfigurationProfileId":`, 400, "SerializationException", ""},
		{"missing profile", path(f.app, f.env), fmt.Sprintf(`{"ConfigurationVersion":"1","DeploymentStrategyId":%q}`, f.strat), 400, "BadRequestException",
			v("ConfigurationProfileId", "null", "Member must not be null")},
		{"missing version", path(f.app, f.env), fmt.Sprintf(`{"ConfigurationProfileId":%q,"DeploymentStrategyId":%q}`, f.prof, f.strat), 400, "BadRequestException",
			v("ConfigurationVersion", "null", "Member must not be null")},
		{"missing strategy", path(f.app, f.env), fmt.Sprintf(`{"ConfigurationProfileId":%q,"ConfigurationVersion":"1"}`, f.prof), 400, "BadRequestException",
			v("DeploymentStrategyId", "null", "Member must not be null")},
		{"profile pattern", path(f.app, f.env), `{"ConfigurationProfileId":"UPPER","ConfigurationVersion":"1","DeploymentStrategyId":"` + f.strat + `"}`, 400, "BadRequestException",
			v("ConfigurationProfileId", "'UPPER'", "Member must satisfy regular expression pattern: [a-z0-9]{4,7}")},
		{"empty version", path(f.app, f.env), fmt.Sprintf(`{"ConfigurationProfileId":%q,"ConfigurationVersion":"","DeploymentStrategyId":%q}`, f.prof, f.strat), 400, "BadRequestException",
			v("ConfigurationVersion", "''", "Member must have length greater than or equal to 1")},
		{"version too long", path(f.app, f.env), fmt.Sprintf(`{"ConfigurationProfileId":%q,"ConfigurationVersion":%q,"DeploymentStrategyId":%q}`, f.prof, long(1025), f.strat), 400, "BadRequestException",
			v("ConfigurationVersion", "'"+long(1025)+"'", "Member must have length less than or equal to 1024")},
		{"strategy pattern", path(f.app, f.env), fmt.Sprintf(`{"ConfigurationProfileId":%q,"ConfigurationVersion":"1","DeploymentStrategyId":"AppConfig.Short"}`, f.prof), 400, "BadRequestException",
			v("DeploymentStrategyId", "'AppConfig.Short'", "Member must satisfy regular expression pattern: (^[a-z0-9]{4,7}$|^AppConfig\\.[A-Za-z0-9]{9,40}$)")},
		{"description too long", path(f.app, f.env), body(`"Description":"` + long(1025) + `"`), 400, "BadRequestException",
			v("Description", "'"+long(1025)+"'", "Member must have length less than or equal to 1024")},
		{"kms key empty", path(f.app, f.env), body(`"KmsKeyIdentifier":""`), 400, "BadRequestException",
			v("KmsKeyIdentifier", "''", "Member must have length greater than or equal to 1")},
		{"kms key too long", path(f.app, f.env), body(`"KmsKeyIdentifier":"` + long(2049) + `"`), 400, "BadRequestException",
			v("KmsKeyIdentifier", "'"+long(2049)+"'", "Member must have length less than or equal to 2048")},
		{"dynamic params: 11 entries", path(f.app, f.env), body(`"DynamicExtensionParameters":` + string(elevenJSON)), 400, "BadRequestException",
			v("DynamicExtensionParameters", "null", "Member must have length less than or equal to 10")},
		{"dynamic params: empty map", path(f.app, f.env), body(`"DynamicExtensionParameters":{}`), 400, "BadRequestException",
			v("DynamicExtensionParameters", "null", "Member must have length greater than or equal to 1")},
		{"dynamic params: key pattern", path(f.app, f.env), body(`"DynamicExtensionParameters":{"nohash":"v"}`), 400, "BadRequestException",
			"1 validation error detected: Value 'nohash' at 'startDeploymentInput.DynamicExtensionParameters.key' failed to satisfy constraint: Member must satisfy regular expression pattern: ^([^#\\n]{1,96})#([^\\/#\\n]{1,64})$"},
		{"dynamic params: empty value", path(f.app, f.env), body(`"DynamicExtensionParameters":{"ext#p":""}`), 400, "BadRequestException",
			"1 validation error detected: Value '' at 'startDeploymentInput.DynamicExtensionParameters.value' failed to satisfy constraint: Member must have length greater than or equal to 1"},
		{"tags: 51 entries", path(f.app, f.env), body(`"Tags":` + string(fiftyOneJSON)), 400, "BadRequestException",
			v("Tags", "null", "Member must have length less than or equal to 50")},
		{"tags: key too long", path(f.app, f.env), body(`"Tags":{"` + long(129) + `":"v"}`), 400, "BadRequestException",
			"1 validation error detected: Value '" + long(129) + "' at 'startDeploymentInput.Tags.key' failed to satisfy constraint: Member must have length less than or equal to 128"},
		{"tags: value too long", path(f.app, f.env), body(`"Tags":{"k":"` + long(257) + `"}`), 400, "BadRequestException",
			"1 validation error detected: Value '" + long(257) + "' at 'startDeploymentInput.Tags.value' failed to satisfy constraint: Member must have length less than or equal to 256"},
		{"tags: aws prefix", path(f.app, f.env), body(`"Tags":{"aws:k":"v"}`), 400, "BadRequestException", "Tag keys must not start with 'aws:'."},
		{"environment pattern", path(f.app, "E"), body(""), 400, "BadRequestException",
			"1 validation error detected: Value 'E' at 'startDeploymentInput.EnvironmentId' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-z0-9]{4,7}"},
		{"wrong JSON type", path(f.app, f.env), fmt.Sprintf(`{"ConfigurationProfileId":%q,"ConfigurationVersion":1,"DeploymentStrategyId":%q}`, f.prof, f.strat), 400, "SerializationException", ""},
		// Existence, in order: application, environment, profile, strategy, version.
		{"unknown application first", path("zzzz999", "yyyy999"), body(""), 404, "ResourceNotFoundException", "Application with Id zzzz999 could not be found."},
		{"unknown environment", path(f.app, "yyyy999"), fmt.Sprintf(`{"ConfigurationProfileId":"xxxx999","ConfigurationVersion":"1","DeploymentStrategyId":"wwww999"}`), 404, "ResourceNotFoundException", "Environment with Id yyyy999 could not be found."},
		{"unknown profile", path(f.app, f.env), `{"ConfigurationProfileId":"xxxx999","ConfigurationVersion":"9","DeploymentStrategyId":"wwww999"}`, 404, "ResourceNotFoundException", "ConfigurationProfile with Id xxxx999 could not be found."},
		{"unknown strategy", path(f.app, f.env), fmt.Sprintf(`{"ConfigurationProfileId":%q,"ConfigurationVersion":"9","DeploymentStrategyId":"wwww999"}`, f.prof), 404, "ResourceNotFoundException", "DeploymentStrategy with Id wwww999 could not be found."},
		{"unknown predefined strategy", path(f.app, f.env), fmt.Sprintf(`{"ConfigurationProfileId":%q,"ConfigurationVersion":"1","DeploymentStrategyId":"AppConfig.NoSuchStrategy"}`, f.prof), 404, "ResourceNotFoundException", "DeploymentStrategy with Id AppConfig.NoSuchStrategy could not be found."},
		{"unknown version number", path(f.app, f.env), fmt.Sprintf(`{"ConfigurationProfileId":%q,"ConfigurationVersion":"9","DeploymentStrategyId":%q}`, f.prof, f.strat), 404, "ResourceNotFoundException", "HostedConfigurationVersion with Id 9 could not be found."},
		{"unknown version label", path(f.app, f.env), fmt.Sprintf(`{"ConfigurationProfileId":%q,"ConfigurationVersion":"v9.9","DeploymentStrategyId":%q}`, f.prof, f.strat), 404, "ResourceNotFoundException", "HostedConfigurationVersion with Id v9.9 could not be found."},
		{"dynamic parameter of no associated extension", path(f.app, f.env), body(`"DynamicExtensionParameters":{"gate#ticket":"T-1"}`), 400, "BadRequestException",
			"Dynamic extension parameter gate#ticket does not refer to an extension associated with this deployment."},
	} {
		status, raw, hdr := rawCall(t, f.e, "POST", tc.path, tc.body)
		var e struct{ Message, message, ResourceName string }
		json.Unmarshal(raw, &e)
		msg := e.Message
		if msg == "" {
			var m map[string]string
			json.Unmarshal(raw, &m)
			msg = m["message"]
		}
		if status != tc.status || hdr.Get("X-Amzn-Errortype") != tc.code || (tc.msg != "" && msg != tc.msg) {
			t.Errorf("%s: got %d %s %q\nwant %d %s %q", tc.name, status, hdr.Get("X-Amzn-Errortype"), msg, tc.status, tc.code, tc.msg)
		}
		if tc.status == 404 && e.ResourceName == "" {
			t.Errorf("%s: no ResourceName in %s", tc.name, raw)
		}
	}
	// Nothing was allocated by the rejected calls.
	d := f.startDeployment(t, f.strat, "1")
	if d.DeploymentNumber != 1 {
		t.Fatalf("first accepted deployment is number %d", d.DeploymentNumber)
	}
	// 409 while the environment has a deployment in progress, whatever the profile.
	other := f.mkProfile(t, "other", "")
	f.mkVersion(t, other, "x", "text/plain")
	_, err := c.StartDeployment(ctx, &sdk.StartDeploymentInput{ApplicationId: &f.app, EnvironmentId: &f.env, ConfigurationProfileId: &other,
		ConfigurationVersion: aws.String("1"), DeploymentStrategyId: aws.String("AppConfig.AllAtOnce")})
	apiErr(t, err, "ConflictException", "Environment "+f.env+" already has a deployment in progress (deployment number 1). Only one deployment at a time is allowed per environment.")
	// 404 still wins over 409.
	_, err = c.StartDeployment(ctx, &sdk.StartDeploymentInput{ApplicationId: &f.app, EnvironmentId: &f.env, ConfigurationProfileId: &other,
		ConfigurationVersion: aws.String("7"), DeploymentStrategyId: aws.String("AppConfig.AllAtOnce")})
	notFound(t, err, "HostedConfigurationVersion with Id 7 could not be found.", "HostedConfigurationVersion")
	// Other environments deploy in parallel.
	env2 := f.mkEnv(t, "env2")
	d2, err := c.StartDeployment(ctx, &sdk.StartDeploymentInput{ApplicationId: &f.app, EnvironmentId: &env2, ConfigurationProfileId: &other,
		ConfigurationVersion: aws.String("1"), DeploymentStrategyId: aws.String("AppConfig.AllAtOnce")})
	if err != nil || d2.DeploymentNumber != 1 {
		t.Fatalf("%v %+v", err, d2)
	}
	// Once the first completes (15 min), the environment accepts the next:
	// number 2, counting per environment across profiles.
	f.clk.Advance(15 * time.Minute)
	d3, err := c.StartDeployment(ctx, &sdk.StartDeploymentInput{ApplicationId: &f.app, EnvironmentId: &f.env, ConfigurationProfileId: &other,
		ConfigurationVersion: aws.String("1"), DeploymentStrategyId: aws.String("AppConfig.AllAtOnce"), Description: aws.String("second")})
	if err != nil || d3.DeploymentNumber != 2 || *d3.Description != "second" || *d3.DeploymentStrategyId != "AppConfig.AllAtOnce" {
		t.Fatalf("%v %+v", err, d3)
	}
}

func TestStartDeploymentSemanticChecks(t *testing.T) {
	f := start(t).basic(t)
	c := f.c
	// A validator added after the version was created stops the deployment.
	schema := `{"type":"object","required":["b"]}`
	if _, err := c.UpdateConfigurationProfile(ctx, &sdk.UpdateConfigurationProfileInput{ApplicationId: &f.app, ConfigurationProfileId: &f.prof,
		Validators: []types.Validator{{Type: types.ValidatorTypeJsonSchema, Content: &schema}}}); err != nil {
		t.Fatal(err)
	}
	_, err := c.StartDeployment(ctx, &sdk.StartDeploymentInput{ApplicationId: &f.app, EnvironmentId: &f.env, ConfigurationProfileId: &f.prof,
		ConfigurationVersion: aws.String("1"), DeploymentStrategyId: &f.strat})
	apiErr(t, err, "BadRequestException", "The configuration data failed validation against the JSON Schema validator: 1 error found. First: /: required property b is missing")
	if got := invalidDetails(t, err); !slices.Equal(got, []string{"/ required"}) {
		t.Fatal(got)
	}
	if l, _ := c.ListDeployments(ctx, &sdk.ListDeploymentsInput{ApplicationId: &f.app, EnvironmentId: &f.env}); len(l.Items) != 0 {
		t.Fatalf("a rejected deployment was recorded: %+v", l.Items)
	}
	if f.envState(t) != types.EnvironmentStateReadyForDeployment {
		t.Fatal(f.envState(t))
	}

	// Extensions: dynamic parameters must name an associated extension's
	// dynamic parameter; associations show up as AppliedExtensions. (The
	// action targets a queue, which is not invoked; Lambda actions are
	// tested in lambda_test.go.)
	x, err := c.CreateExtension(ctx, &sdk.CreateExtensionInput{Name: aws.String("gate"), Parameters: map[string]types.Parameter{"ticket": {Dynamic: true}, "url": {}},
		Actions: map[string][]types.Action{"PRE_START_DEPLOYMENT": {{Name: aws.String("a"), Uri: aws.String("arn:aws:sqs:us-east-1:111122223333:gate")}}}})
	if err != nil {
		t.Fatal(err)
	}
	envArn := "arn:aws:appconfig:us-east-1:000000000000:application/" + f.app + "/environment/" + f.env
	assoc, err := c.CreateExtensionAssociation(ctx, &sdk.CreateExtensionAssociationInput{ExtensionIdentifier: x.Id, ResourceIdentifier: &envArn, Parameters: map[string]string{"url": "u"}})
	if err != nil {
		t.Fatal(err)
	}
	p2 := f.mkProfile(t, "free", "")
	f.mkVersion(t, p2, "plain", "text/plain")
	start := func(params map[string]string) (*sdk.StartDeploymentOutput, error) {
		return c.StartDeployment(ctx, &sdk.StartDeploymentInput{ApplicationId: &f.app, EnvironmentId: &f.env, ConfigurationProfileId: &p2,
			ConfigurationVersion: aws.String("1"), DeploymentStrategyId: aws.String("AppConfig.AllAtOnce"), DynamicExtensionParameters: params})
	}
	_, err = start(map[string]string{"gate#url": "x"})
	apiErr(t, err, "BadRequestException", "Parameter url is not a dynamic parameter of extension "+*x.Id+".")
	d, err := start(map[string]string{"gate#ticket": "T-1"})
	if err != nil || len(d.AppliedExtensions) != 1 || *d.AppliedExtensions[0].ExtensionId != *x.Id || *d.AppliedExtensions[0].ExtensionAssociationId != *assoc.Id ||
		d.AppliedExtensions[0].VersionNumber != 1 || d.AppliedExtensions[0].Parameters["url"] != "u" {
		t.Fatalf("%v %+v", err, d)
	}
}

// checkpoint is what GetDeployment must say at an offset from the start.
type checkpoint struct {
	at     time.Duration
	state  types.DeploymentState
	pct    float32
	events int
	env    types.EnvironmentState
}

func TestRolloutSchedulesThroughGetDeployment(t *testing.T) {
	s, m := time.Second, time.Minute
	const (
		dep  = types.DeploymentStateDeploying
		bak  = types.DeploymentStateBaking
		done = types.DeploymentStateComplete
		eDep = types.EnvironmentStateDeploying
		rdy  = types.EnvironmentStateReadyForDeployment
	)
	for _, tc := range []struct {
		name     string
		strategy string // predefined id, or "" for custom
		custom   [4]float64
		exp      bool
		points   []checkpoint
		log      []string // full event log at the end: "offset type description"
	}{
		{name: "AllAtOnce", strategy: "AppConfig.AllAtOnce", points: []checkpoint{
			{0, bak, 100, 3, eDep}, {599 * s, bak, 100, 3, eDep}, {600 * s, done, 100, 4, rdy}},
			log: []string{"10m0s DEPLOYMENT_COMPLETED Deployment completed", "0s BAKE_TIME_STARTED Deployment bake time started",
				"0s PERCENTAGE_UPDATED Configuration available to 100.00% of clients", "0s DEPLOYMENT_STARTED Deployment started"}},
		{name: "Linear50PercentEvery30Seconds", strategy: "AppConfig.Linear50PercentEvery30Seconds", points: []checkpoint{
			{0, dep, 0, 1, eDep}, {29 * s, dep, 0, 1, eDep}, {30 * s, dep, 50, 2, eDep}, {59 * s, dep, 50, 2, eDep},
			{60 * s, bak, 100, 4, eDep}, {119 * s, bak, 100, 4, eDep}, {120 * s, done, 100, 5, rdy}},
			log: []string{"2m0s DEPLOYMENT_COMPLETED Deployment completed", "1m0s BAKE_TIME_STARTED Deployment bake time started",
				"1m0s PERCENTAGE_UPDATED Configuration available to 100.00% of clients", "30s PERCENTAGE_UPDATED Configuration available to 50.00% of clients",
				"0s DEPLOYMENT_STARTED Deployment started"}},
		{name: "Canary10Percent20Minutes", strategy: "AppConfig.Canary10Percent20Minutes", points: []checkpoint{
			{0, dep, 0, 1, eDep}, {4 * m, dep, 10, 2, eDep}, {8*m - s, dep, 10, 2, eDep}, {8 * m, dep, 20, 3, eDep}, {12 * m, dep, 40, 4, eDep},
			{16 * m, dep, 80, 5, eDep}, {20 * m, bak, 100, 7, eDep}, {30*m - s, bak, 100, 7, eDep}, {30 * m, done, 100, 8, rdy}},
			log: []string{"30m0s DEPLOYMENT_COMPLETED Deployment completed", "20m0s BAKE_TIME_STARTED Deployment bake time started",
				"20m0s PERCENTAGE_UPDATED Configuration available to 100.00% of clients", "16m0s PERCENTAGE_UPDATED Configuration available to 80.00% of clients",
				"12m0s PERCENTAGE_UPDATED Configuration available to 40.00% of clients", "8m0s PERCENTAGE_UPDATED Configuration available to 20.00% of clients",
				"4m0s PERCENTAGE_UPDATED Configuration available to 10.00% of clients", "0s DEPLOYMENT_STARTED Deployment started"}},
		{name: "Linear20PercentEvery6Minutes", strategy: "AppConfig.Linear20PercentEvery6Minutes", points: []checkpoint{
			{0, dep, 0, 1, eDep}, {6 * m, dep, 20, 2, eDep}, {12 * m, dep, 40, 3, eDep}, {18 * m, dep, 60, 4, eDep}, {24 * m, dep, 80, 5, eDep},
			{30*m - s, dep, 80, 5, eDep}, {30 * m, bak, 100, 7, eDep}, {60*m - s, bak, 100, 7, eDep}, {60 * m, done, 100, 8, rdy}}},
		{name: "custom exponential 10min/25%/bake 5", custom: [4]float64{10, 25, 5}, exp: true, points: []checkpoint{
			// ladder 25, 50, 100 → steps at 200 s, 400 s, 600 s
			{199 * s, dep, 0, 1, eDep}, {200 * s, dep, 25, 2, eDep}, {400 * s, dep, 50, 3, eDep}, {600 * s, bak, 100, 5, eDep},
			{900 * s, done, 100, 6, rdy}},
			log: []string{"15m0s DEPLOYMENT_COMPLETED Deployment completed", "10m0s BAKE_TIME_STARTED Deployment bake time started",
				"10m0s PERCENTAGE_UPDATED Configuration available to 100.00% of clients", "6m40s PERCENTAGE_UPDATED Configuration available to 50.00% of clients",
				"3m20s PERCENTAGE_UPDATED Configuration available to 25.00% of clients", "0s DEPLOYMENT_STARTED Deployment started"}},
		{name: "custom linear 3min/33.3333%", custom: [4]float64{3, 33.3333, 0}, points: []checkpoint{
			{60 * s, dep, 33.3333, 2, eDep}, {120 * s, dep, 66.6666, 3, eDep}, {180 * s, done, 100, 6, rdy}},
			log: []string{"3m0s DEPLOYMENT_COMPLETED Deployment completed", "3m0s BAKE_TIME_STARTED Deployment bake time started",
				"3m0s PERCENTAGE_UPDATED Configuration available to 100.00% of clients", "2m0s PERCENTAGE_UPDATED Configuration available to 66.67% of clients",
				"1m0s PERCENTAGE_UPDATED Configuration available to 33.33% of clients", "0s DEPLOYMENT_STARTED Deployment started"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := start(t).basic(t)
			strat := tc.strategy
			if strat == "" {
				typ := types.GrowthTypeLinear
				if tc.exp {
					typ = types.GrowthTypeExponential
				}
				strat = f.mkStrategy(t, int32(tc.custom[0]), float32(tc.custom[1]), typ, int32(tc.custom[2]))
			}
			d := f.startDeployment(t, strat, "1")
			if d.State != dep || *d.PercentageComplete != 0 || len(d.EventLog) != 1 {
				t.Fatalf("start: %s %v %d", d.State, *d.PercentageComplete, len(d.EventLog))
			}
			var last *sdk.GetDeploymentOutput
			for _, p := range tc.points {
				f.clk.Set(t0.Add(p.at))
				g := f.getDeployment(t, d.DeploymentNumber)
				if g.State != p.state || fmt.Sprintf("%.4f", *g.PercentageComplete) != fmt.Sprintf("%.4f", p.pct) || len(g.EventLog) != p.events {
					t.Fatalf("at %v: %s %v %d events, want %s %v %d", p.at, g.State, *g.PercentageComplete, len(g.EventLog), p.state, p.pct, p.events)
				}
				if (p.state == done) != (g.CompletedAt != nil) {
					t.Fatalf("at %v: CompletedAt %v", p.at, g.CompletedAt)
				}
				if st := f.envState(t); st != p.env {
					t.Fatalf("at %v: environment %s, want %s", p.at, st, p.env)
				}
				l, err := f.c.ListDeployments(ctx, &sdk.ListDeploymentsInput{ApplicationId: &f.app, EnvironmentId: &f.env})
				if err != nil || len(l.Items) != 1 || l.Items[0].State != p.state || *l.Items[0].PercentageComplete != *g.PercentageComplete {
					t.Fatalf("at %v: list %v %+v", p.at, err, l)
				}
				last = g
			}
			if tc.log != nil {
				var got []string
				for _, e := range last.EventLog {
					got = append(got, e.OccurredAt.Sub(t0).String()+" "+string(e.EventType)+" "+*e.Description)
					if want := map[types.DeploymentEventType]types.TriggeredBy{types.DeploymentEventTypeDeploymentStarted: types.TriggeredByUser}[e.EventType]; want == "" && e.TriggeredBy != types.TriggeredByAppconfig {
						t.Fatalf("%s triggered by %s", e.EventType, e.TriggeredBy)
					}
				}
				if !slices.Equal(got, tc.log) {
					t.Fatalf("event log\n got %q\nwant %q", got, tc.log)
				}
				if !last.CompletedAt.Equal(*last.EventLog[0].OccurredAt) {
					t.Fatalf("CompletedAt %v, completion event %v", last.CompletedAt, last.EventLog[0].OccurredAt)
				}
			}
		})
	}
}

func TestStopDeploymentRollbackAndRevert(t *testing.T) {
	f := start(t).basic(t)
	c := f.c
	stop := func(n int32, revert *bool) (*sdk.StopDeploymentOutput, error) {
		return c.StopDeployment(ctx, &sdk.StopDeploymentInput{ApplicationId: &f.app, EnvironmentId: &f.env, DeploymentNumber: &n, AllowRevert: revert})
	}
	// 1: stopped while DEPLOYING (after the first 25 % step at 225 s).
	d1 := f.startDeployment(t, f.strat, "1")
	f.clk.Advance(300 * time.Second)
	s1, err := stop(d1.DeploymentNumber, nil)
	if err != nil || s1.State != types.DeploymentStateRolledBack || *s1.PercentageComplete != 25 || !s1.CompletedAt.Equal(t0.Add(300*time.Second)) {
		t.Fatalf("%v %+v", err, s1)
	}
	var got []string
	for _, e := range s1.EventLog {
		got = append(got, string(e.EventType)+" "+string(e.TriggeredBy)+" "+*e.Description)
	}
	want := []string{"ROLLBACK_COMPLETED APPCONFIG Rollback completed", "ROLLBACK_STARTED USER Rollback initiated by account 000000000000",
		"PERCENTAGE_UPDATED APPCONFIG Configuration available to 25.00% of clients", "DEPLOYMENT_STARTED USER Deployment started"}
	if !slices.Equal(got, want) {
		t.Fatalf("%q", got)
	}
	if st := f.envState(t); st != types.EnvironmentStateRolledBack {
		t.Fatal(st)
	}
	// The rollback is final: time passing changes nothing, stopping again is a 400.
	f.clk.Advance(time.Hour)
	if g := f.getDeployment(t, 1); g.State != types.DeploymentStateRolledBack || len(g.EventLog) != 4 {
		t.Fatalf("%s %d", g.State, len(g.EventLog))
	}
	_, err = stop(1, aws.Bool(true))
	apiErr(t, err, "BadRequestException", "Deployment 1 is ROLLED_BACK and cannot be stopped.")

	// 2: stopped while BAKING, with Allow-Revert (still a rollback).
	d2 := f.startDeployment(t, "AppConfig.Linear50PercentEvery30Seconds", "1")
	if d2.DeploymentNumber != 2 {
		t.Fatal(d2.DeploymentNumber)
	}
	f.clk.Advance(90 * time.Second)
	s2, err := stop(2, aws.Bool(true))
	if err != nil || s2.State != types.DeploymentStateRolledBack || *s2.PercentageComplete != 100 || s2.EventLog[2].EventType != types.DeploymentEventTypeBakeTimeStarted {
		t.Fatalf("%v %+v", err, s2)
	}

	// 3: completed; stop without Allow-Revert is a 400, with it a revert.
	f.startDeployment(t, "AppConfig.AllAtOnce", "1")
	f.clk.Advance(10 * time.Minute)
	_, err = stop(3, nil)
	apiErr(t, err, "BadRequestException", "Deployment 3 is already complete. To revert a completed deployment, set AllowRevert.")
	_, err = stop(3, aws.Bool(false))
	apiErr(t, err, "BadRequestException", "Deployment 3 is already complete. To revert a completed deployment, set AllowRevert.")
	// An older completed deployment cannot be reverted once a newer one exists.
	f.startDeployment(t, "AppConfig.AllAtOnce", "1")
	f.clk.Advance(10 * time.Minute)
	_, err = stop(3, aws.Bool(true))
	apiErr(t, err, "BadRequestException", "Only the most recent deployment of an environment can be reverted; deployment 4 is newer than deployment 3.")
	// The raw 202 with the Allow-Revert header.
	status, raw, _ := rawCall(t, f.e, "DELETE", fmt.Sprintf("/applications/%s/environments/%s/deployments/4", f.app, f.env), "", "Allow-Revert", "true")
	var rev map[string]any
	json.Unmarshal(raw, &rev)
	if status != 202 || rev["State"] != "REVERTED" || rev["CompletedAt"] == nil {
		t.Fatalf("%d %s", status, raw)
	}
	g := f.getDeployment(t, 4)
	if g.EventLog[0].EventType != types.DeploymentEventTypeRevertCompleted || g.EventLog[0].TriggeredBy != types.TriggeredByUser ||
		*g.EventLog[0].Description != "Deployment reverted" || g.EventLog[1].EventType != types.DeploymentEventTypeDeploymentCompleted {
		t.Fatalf("%+v", g.EventLog)
	}
	if st := f.envState(t); st != types.EnvironmentStateReverted {
		t.Fatal(st)
	}
	_, err = stop(4, aws.Bool(true))
	apiErr(t, err, "BadRequestException", "Deployment 4 is REVERTED and cannot be stopped.")

	// The revert window is 72 hours.
	f.startDeployment(t, "AppConfig.AllAtOnce", "1")
	f.clk.Advance(10*time.Minute + 72*time.Hour + time.Second)
	_, err = stop(5, aws.Bool(true))
	apiErr(t, err, "BadRequestException", "Deployment 5 completed more than 72 hours ago and can no longer be reverted.")
	_, err = stop(99, nil)
	notFound(t, err, "Deployment with Id 99 could not be found.", "Deployment")

	// ListDeployments: newest first, paginated.
	var nums []int32
	p := sdk.NewListDeploymentsPaginator(c, &sdk.ListDeploymentsInput{ApplicationId: &f.app, EnvironmentId: &f.env, MaxResults: aws.Int32(2)})
	var states []types.DeploymentState
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, it := range out.Items {
			nums = append(nums, it.DeploymentNumber)
			states = append(states, it.State)
		}
	}
	if !slices.Equal(nums, []int32{5, 4, 3, 2, 1}) || !slices.Equal(states, []types.DeploymentState{"COMPLETE", "REVERTED", "COMPLETE", "ROLLED_BACK", "ROLLED_BACK"}) {
		t.Fatalf("%v %v", nums, states)
	}
}

func TestDeploymentsAndEnvironmentLifecycle(t *testing.T) {
	f := start(t).basic(t)
	c := f.c
	// A hosted version deployed by label reports the number and the label.
	label := "v1.4.0"
	v, err := c.CreateHostedConfigurationVersion(ctx, &sdk.CreateHostedConfigurationVersionInput{ApplicationId: &f.app, ConfigurationProfileId: &f.prof,
		Content: []byte(`{"a":2}`), ContentType: aws.String("application/json"), VersionLabel: &label})
	if err != nil {
		t.Fatal(err)
	}
	d, err := c.StartDeployment(ctx, &sdk.StartDeploymentInput{ApplicationId: &f.app, EnvironmentId: &f.env, ConfigurationProfileId: &f.prof,
		ConfigurationVersion: &label, DeploymentStrategyId: aws.String("AppConfig.Linear50PercentEvery30Seconds"), Description: aws.String("enable search"),
		KmsKeyIdentifier: aws.String("alias/mine"), Tags: map[string]string{"release": "1.4"}})
	if err != nil || *d.ConfigurationVersion != fmt.Sprint(v.VersionNumber) || *d.VersionLabel != label || *d.Description != "enable search" ||
		*d.KmsKeyIdentifier != "alias/mine" || d.KmsKeyArn != nil || *d.ConfigurationName != "prof" || *d.ConfigurationLocationUri != "hosted" {
		t.Fatalf("%v %+v", err, d)
	}
	depArn := fmt.Sprintf("arn:aws:appconfig:us-east-1:000000000000:application/%s/environment/%s/deployment/1", f.app, f.env)
	tags, err := c.ListTagsForResource(ctx, &sdk.ListTagsForResourceInput{ResourceArn: &depArn})
	if err != nil || tags.Tags["release"] != "1.4" {
		t.Fatalf("%v %+v", err, tags)
	}
	l, err := c.ListDeployments(ctx, &sdk.ListDeploymentsInput{ApplicationId: &f.app, EnvironmentId: &f.env})
	if err != nil || len(l.Items) != 1 || *l.Items[0].VersionLabel != label || *l.Items[0].ConfigurationName != "prof" || l.Items[0].DeploymentDurationInMinutes != 1 ||
		*l.Items[0].GrowthFactor != 50 || l.Items[0].FinalBakeTimeInMinutes != 1 || !l.Items[0].StartedAt.Equal(t0) {
		t.Fatalf("%v %+v", err, l)
	}
	// A strategy change does not touch a running deployment.
	if _, err := c.UpdateDeploymentStrategy(ctx, &sdk.UpdateDeploymentStrategyInput{DeploymentStrategyId: &f.strat, DeploymentDurationInMinutes: aws.Int32(1)}); err != nil {
		t.Fatal(err)
	}
	// The environment cannot be deleted while deploying.
	_, err = c.DeleteEnvironment(ctx, &sdk.DeleteEnvironmentInput{ApplicationId: &f.app, EnvironmentId: &f.env})
	apiErr(t, err, "ConflictException", "Cannot delete environment "+f.env+" because deployment 1 is in progress.")
	f.clk.Advance(2 * time.Minute)
	if _, err := c.DeleteEnvironment(ctx, &sdk.DeleteEnvironmentInput{ApplicationId: &f.app, EnvironmentId: &f.env}); err != nil {
		t.Fatal(err)
	}
	n := int32(1)
	_, err = c.GetDeployment(ctx, &sdk.GetDeploymentInput{ApplicationId: &f.app, EnvironmentId: &f.env, DeploymentNumber: &n})
	notFound(t, err, "Environment with Id "+f.env+" could not be found.", "Environment")
	_, err = c.ListTagsForResource(ctx, &sdk.ListTagsForResourceInput{ResourceArn: &depArn})
	notFound(t, err, "Resource "+depArn+" could not be found.", "Environment")
	env2 := f.mkEnv(t, "again")
	_, err = c.GetDeployment(ctx, &sdk.GetDeploymentInput{ApplicationId: &f.app, EnvironmentId: &env2, DeploymentNumber: &n})
	notFound(t, err, "Deployment with Id 1 could not be found.", "Deployment")
	_, err = c.ListDeployments(ctx, &sdk.ListDeploymentsInput{ApplicationId: aws.String("zzzz999"), EnvironmentId: &env2})
	notFound(t, err, "Application with Id zzzz999 could not be found.", "Application")
}

// A node restarted in the middle of a rollout continues on schedule, with
// the event log an uninterrupted run would have.
func TestRestartMidRollout(t *testing.T) {
	clk := clock.NewFake(t0)
	dir := t.TempDir()
	opts := []testenv.Option{testenv.WithFakeClock(clk), testenv.WithConfig(func(c *app.Config) { c.DataDir = dir })}
	var (
		f      *fixture
		d      *sdk.StartDeploymentOutput
		before *sdk.GetDeploymentOutput
	)
	// The first node runs in a subtest, whose cleanup stops it.
	t.Run("first node", func(t *testing.T) {
		e1 := testenv.Start(t, opts...)
		f = &fixture{c: e1.AppConfig(), clk: clk, e: e1}
		f.basic(t)
		d = f.startDeployment(t, "AppConfig.Canary10Percent20Minutes", "1")
		clk.Set(t0.Add(9 * time.Minute))
		before = f.getDeployment(t, d.DeploymentNumber)
		if before.State != types.DeploymentStateDeploying || *before.PercentageComplete != 20 {
			t.Fatalf("%s %v", before.State, *before.PercentageComplete)
		}
	})
	if t.Failed() {
		return
	}

	// Time passes while no node runs; a new node opens the same data.
	clk.Set(t0.Add(21 * time.Minute))
	e2 := testenv.Start(t, opts...)
	f.c, f.e = e2.AppConfig(), e2
	after := f.getDeployment(t, d.DeploymentNumber)
	ref := rollout.Evaluate(rollout.Record{Strategy: rollout.Strategy{DurationMinutes: 20, GrowthFactor: 10, GrowthType: "EXPONENTIAL", FinalBakeMinutes: 10}, StartedAt: t0}, clk.Now())
	if after.State != types.DeploymentStateBaking || *after.PercentageComplete != 100 || len(after.EventLog) != len(ref.Events) {
		t.Fatalf("%s %v %d events", after.State, *after.PercentageComplete, len(after.EventLog))
	}
	for i, e := range after.EventLog {
		w := ref.Events[i]
		if string(e.EventType) != w.Type || *e.Description != w.Description || !e.OccurredAt.Equal(w.At) {
			t.Fatalf("event %d: %s %q %v, uninterrupted run: %s %q %v", i, e.EventType, *e.Description, e.OccurredAt, w.Type, w.Description, w.At)
		}
	}
	// The events seen before the restart are the tail of the log after it.
	for i := range before.EventLog {
		b, a := before.EventLog[len(before.EventLog)-1-i], after.EventLog[len(after.EventLog)-1-i]
		if b.EventType != a.EventType || !b.OccurredAt.Equal(*a.OccurredAt) || *b.Description != *a.Description {
			t.Fatalf("event %d changed across the restart: %+v → %+v", i, b, a)
		}
	}
	if st := f.envState(t); st != types.EnvironmentStateDeploying {
		t.Fatal(st)
	}
	clk.Set(t0.Add(30 * time.Minute))
	if g := f.getDeployment(t, d.DeploymentNumber); g.State != types.DeploymentStateComplete || !g.CompletedAt.Equal(t0.Add(30*time.Minute)) {
		t.Fatalf("%s %v", g.State, g.CompletedAt)
	}
	if st := f.envState(t); st != types.EnvironmentStateReadyForDeployment {
		t.Fatal(st)
	}
	// And the environment takes the next deployment, numbered on.
	if d2 := f.startDeployment(t, "AppConfig.AllAtOnce", "1"); d2.DeploymentNumber != 2 {
		t.Fatal(d2.DeploymentNumber)
	}
}
