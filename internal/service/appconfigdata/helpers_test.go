package appconfigdata_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	ac "github.com/aws/aws-sdk-go-v2/service/appconfig"
	actypes "github.com/aws/aws-sdk-go-v2/service/appconfig/types"
	acd "github.com/aws/aws-sdk-go-v2/service/appconfigdata"
	"github.com/aws/aws-sdk-go-v2/service/appconfigdata/types"
	"github.com/aws/smithy-go"

	"github.com/stagecraft/stagecraft/internal/clock"
	"github.com/stagecraft/stagecraft/internal/testenv"
)

var ctx = context.Background()

var t0 = time.Date(2025, 3, 2, 10, 0, 0, 0, time.UTC)

// fixture is a node on a fake clock with an application, an environment
// and a hosted profile.
type fixture struct {
	e              *testenv.Env
	clk            *clock.Fake
	c              *ac.Client
	d              *acd.Client
	app, env, prof string
}

func start(t testing.TB, opts ...testenv.Option) *fixture {
	t.Helper()
	clk := clock.NewFake(t0)
	e := testenv.Start(t, append([]testenv.Option{testenv.WithFakeClock(clk)}, opts...)...)
	return &fixture{e: e, clk: clk, c: e.AppConfig(), d: e.AppConfigData()}
}

// basic creates application "app", environment "env" and a hosted
// profile "prof" of type typ ("" = freeform).
func (f *fixture) basic(t testing.TB, typ string) *fixture {
	t.Helper()
	a, err := f.c.CreateApplication(ctx, &ac.CreateApplicationInput{Name: aws.String("app")})
	if err != nil {
		t.Fatal(err)
	}
	f.app = *a.Id
	en, err := f.c.CreateEnvironment(ctx, &ac.CreateEnvironmentInput{ApplicationId: &f.app, Name: aws.String("env")})
	if err != nil {
		t.Fatal(err)
	}
	f.env = *en.Id
	in := &ac.CreateConfigurationProfileInput{ApplicationId: &f.app, Name: aws.String("prof"), LocationUri: aws.String("hosted")}
	if typ != "" {
		in.Type = &typ
	}
	p, err := f.c.CreateConfigurationProfile(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	f.prof = *p.Id
	return f
}

// version creates a hosted version of the profile (label "" = none).
func (f *fixture) version(t testing.TB, content, contentType, label string) string {
	t.Helper()
	in := &ac.CreateHostedConfigurationVersionInput{ApplicationId: &f.app, ConfigurationProfileId: &f.prof,
		Content: []byte(content), ContentType: &contentType}
	if label != "" {
		in.VersionLabel = &label
	}
	v, err := f.c.CreateHostedConfigurationVersion(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	return itoa(v.VersionNumber)
}

func itoa(n int32) string { return strconv.Itoa(int(n)) }

func (f *fixture) strategy(t testing.TB, minutes int32, growth float32, bake int32) string {
	t.Helper()
	s, err := f.c.CreateDeploymentStrategy(ctx, &ac.CreateDeploymentStrategyInput{Name: aws.String("linear"),
		DeploymentDurationInMinutes: aws.Int32(minutes), GrowthFactor: aws.Float32(growth),
		GrowthType: actypes.GrowthTypeLinear, FinalBakeTimeInMinutes: bake})
	if err != nil {
		t.Fatal(err)
	}
	return *s.Id
}

func (f *fixture) deploy(t testing.TB, version, strategy string) int32 {
	t.Helper()
	d, err := f.c.StartDeployment(ctx, &ac.StartDeploymentInput{ApplicationId: &f.app, EnvironmentId: &f.env,
		ConfigurationProfileId: &f.prof, ConfigurationVersion: &version, DeploymentStrategyId: &strategy})
	if err != nil {
		t.Fatal(err)
	}
	return d.DeploymentNumber
}

func (f *fixture) deployment(t testing.TB, n int32) *ac.GetDeploymentOutput {
	t.Helper()
	d, err := f.c.GetDeployment(ctx, &ac.GetDeploymentInput{ApplicationId: &f.app, EnvironmentId: &f.env, DeploymentNumber: &n})
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// session starts a session by the given identifiers (interval 0 = omitted).
func (f *fixture) session(t testing.TB, app, env, prof string, interval int32) string {
	t.Helper()
	in := &acd.StartConfigurationSessionInput{ApplicationIdentifier: &app, EnvironmentIdentifier: &env, ConfigurationProfileIdentifier: &prof}
	if interval != 0 {
		in.RequiredMinimumPollIntervalInSeconds = &interval
	}
	out, err := f.d.StartConfigurationSession(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	return *out.InitialConfigurationToken
}

func (f *fixture) poll(t testing.TB, tok string) *acd.GetLatestConfigurationOutput {
	t.Helper()
	out, err := f.d.GetLatestConfiguration(ctx, &acd.GetLatestConfigurationInput{ConfigurationToken: &tok})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// rawPoll calls GetLatestConfiguration over plain HTTP to see headers as
// sent.
func (f *fixture) rawPoll(t testing.TB, tok string) (*http.Response, []byte) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, f.e.URL+"/configuration?configuration_token="+url.QueryEscape(tok), nil)
	req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=test/20250302/us-east-1/appconfig/aws4_request, SignedHeaders=host, Signature=0")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b
}

// apiErr asserts err is an AWS error with the given code and message ("" =
// any message).
func apiErr(t *testing.T, err error, code, msg string) {
	t.Helper()
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("want %s error, got %v", code, err)
	}
	if ae.ErrorCode() != code || (msg != "" && ae.ErrorMessage() != msg) {
		t.Fatalf("want %s %q,\n got %s %q", code, msg, ae.ErrorCode(), ae.ErrorMessage())
	}
}

// tokenProblem asserts a BadRequestException about ConfigurationToken.
func tokenProblem(t *testing.T, err error, problem types.InvalidParameterProblem, msg string) {
	t.Helper()
	apiErr(t, err, "BadRequestException", msg)
	var br *types.BadRequestException
	if !errors.As(err, &br) {
		t.Fatalf("not a BadRequestException: %v", err)
	}
	if br.Reason != types.BadRequestReasonInvalidParameters {
		t.Fatalf("Reason = %q", br.Reason)
	}
	d, ok := br.Details.(*types.BadRequestDetailsMemberInvalidParameters)
	if !ok || len(d.Value) != 1 || d.Value["ConfigurationToken"].Problem != problem {
		t.Fatalf("Details = %#v, want ConfigurationToken %s", br.Details, problem)
	}
}
