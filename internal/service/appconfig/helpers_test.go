package appconfig_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	sdk "github.com/aws/aws-sdk-go-v2/service/appconfig"
	"github.com/aws/aws-sdk-go-v2/service/appconfig/types"
	"github.com/aws/smithy-go"

	"github.com/stagecraft/stagecraft/internal/clock"
	"github.com/stagecraft/stagecraft/internal/testenv"
)

var ctx = context.Background()

// t0 is the instant of the StartDeployment API reference sample.
var t0 = time.Date(2021, 9, 17, 21, 43, 54, 205_000_000, time.UTC)

// apiErr asserts err is an AWS error with the given code and message ("" =
// any message) and returns it.
func apiErr(t *testing.T, err error, code, msg string) smithy.APIError {
	t.Helper()
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("want %s error, got %v", code, err)
	}
	if ae.ErrorCode() != code || (msg != "" && ae.ErrorMessage() != msg) {
		t.Fatalf("want %s %q,\n got %s %q", code, msg, ae.ErrorCode(), ae.ErrorMessage())
	}
	return ae
}

// notFound asserts a ResourceNotFoundException with message and ResourceName.
func notFound(t *testing.T, err error, msg, resource string) {
	t.Helper()
	apiErr(t, err, "ResourceNotFoundException", msg)
	var nf *types.ResourceNotFoundException
	if !errors.As(err, &nf) || aws.ToString(nf.ResourceName) != resource {
		t.Fatalf("ResourceName: want %q, got %+v", resource, nf)
	}
}

// fixture is an application with an environment, a hosted profile and a
// custom strategy.
type fixture struct {
	c                     *sdk.Client
	app, env, prof, strat string
	clk                   *clock.Fake
	e                     *testenv.Env
}

func start(t *testing.T) *fixture {
	t.Helper()
	clk := clock.NewFake(t0)
	e := testenv.Start(t, testenv.WithFakeClock(clk))
	return &fixture{c: e.AppConfig(), clk: clk, e: e}
}

func (f *fixture) mkApp(t *testing.T) string {
	t.Helper()
	a, err := f.c.CreateApplication(ctx, &sdk.CreateApplicationInput{Name: aws.String("app")})
	if err != nil {
		t.Fatal(err)
	}
	f.app = *a.Id
	return f.app
}

func (f *fixture) mkEnv(t *testing.T, name string) string {
	t.Helper()
	e, err := f.c.CreateEnvironment(ctx, &sdk.CreateEnvironmentInput{ApplicationId: &f.app, Name: aws.String(name)})
	if err != nil {
		t.Fatal(err)
	}
	return *e.Id
}

func (f *fixture) mkProfile(t *testing.T, name, typ string, validators ...types.Validator) string {
	t.Helper()
	in := &sdk.CreateConfigurationProfileInput{ApplicationId: &f.app, Name: aws.String(name), LocationUri: aws.String("hosted"), Validators: validators}
	if typ != "" {
		in.Type = &typ
	}
	p, err := f.c.CreateConfigurationProfile(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	return *p.Id
}

func (f *fixture) mkVersion(t *testing.T, prof, content, contentType string) int32 {
	t.Helper()
	v, err := f.c.CreateHostedConfigurationVersion(ctx, &sdk.CreateHostedConfigurationVersionInput{
		ApplicationId: &f.app, ConfigurationProfileId: &prof, Content: []byte(content), ContentType: &contentType})
	if err != nil {
		t.Fatal(err)
	}
	return v.VersionNumber
}

func (f *fixture) mkStrategy(t *testing.T, dur int32, growth float32, typ types.GrowthType, bake int32) string {
	t.Helper()
	s, err := f.c.CreateDeploymentStrategy(ctx, &sdk.CreateDeploymentStrategyInput{Name: aws.String("s"),
		DeploymentDurationInMinutes: aws.Int32(dur), GrowthFactor: aws.Float32(growth), GrowthType: typ,
		FinalBakeTimeInMinutes: bake})
	if err != nil {
		t.Fatal(err)
	}
	return *s.Id
}

// basic creates app, environment "env", hosted freeform profile with one
// version, and a custom strategy (15 min, linear 25 %, no bake).
func (f *fixture) basic(t *testing.T) *fixture {
	t.Helper()
	f.mkApp(t)
	f.env = f.mkEnv(t, "env")
	f.prof = f.mkProfile(t, "prof", "")
	f.mkVersion(t, f.prof, `{"a":1}`, "application/json")
	f.strat = f.mkStrategy(t, 15, 25, types.GrowthTypeLinear, 0)
	return f
}

func (f *fixture) startDeployment(t *testing.T, strat, version string) *sdk.StartDeploymentOutput {
	t.Helper()
	d, err := f.c.StartDeployment(ctx, &sdk.StartDeploymentInput{ApplicationId: &f.app, EnvironmentId: &f.env,
		ConfigurationProfileId: &f.prof, ConfigurationVersion: &version, DeploymentStrategyId: &strat})
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func (f *fixture) getDeployment(t *testing.T, n int32) *sdk.GetDeploymentOutput {
	t.Helper()
	d, err := f.c.GetDeployment(ctx, &sdk.GetDeploymentInput{ApplicationId: &f.app, EnvironmentId: &f.env, DeploymentNumber: &n})
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func (f *fixture) envState(t *testing.T) types.EnvironmentState {
	t.Helper()
	e, err := f.c.GetEnvironment(ctx, &sdk.GetEnvironmentInput{ApplicationId: &f.app, EnvironmentId: &f.env})
	if err != nil {
		t.Fatal(err)
	}
	return e.State
}
