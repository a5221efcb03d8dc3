package agent_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	ac "github.com/aws/aws-sdk-go-v2/service/appconfig"
	actypes "github.com/aws/aws-sdk-go-v2/service/appconfig/types"

	"github.com/stagecraft/stagecraft/internal/app"
	"github.com/stagecraft/stagecraft/internal/clock"
	"github.com/stagecraft/stagecraft/internal/testenv"
)

var ctx = context.Background()

var t0 = time.Date(2025, 3, 2, 10, 0, 0, 0, time.UTC)

type fixture struct {
	e              *testenv.Env
	clk            *clock.Fake
	c              *ac.Client
	agent          string // base URL of the agent endpoint
	app, env, prof string
}

// start runs a node with the agent endpoint on a loopback port and
// creates application "app", environment "env" and hosted profile "prof"
// of type typ ("" = freeform).
func start(t *testing.T, typ string) *fixture {
	t.Helper()
	clk := clock.NewFake(t0)
	e := testenv.Start(t, testenv.WithFakeClock(clk), testenv.WithConfig(func(c *app.Config) { c.AgentListen = "127.0.0.1:0" }))
	f := &fixture{e: e, clk: clk, c: e.AppConfig(), agent: "http://" + e.Node.AgentAddr}
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

func (f *fixture) deploy(t *testing.T, content, contentType, label, strategy string) int32 {
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
	ver := fmt.Sprint(v.VersionNumber)
	d, err := f.c.StartDeployment(ctx, &ac.StartDeploymentInput{ApplicationId: &f.app, EnvironmentId: &f.env,
		ConfigurationProfileId: &f.prof, ConfigurationVersion: &ver, DeploymentStrategyId: &strategy})
	if err != nil {
		t.Fatal(err)
	}
	return d.DeploymentNumber
}

// get fetches path from the agent with optional headers (name, value, …).
func (f *fixture) get(t *testing.T, method, path string, hdr ...string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(method, f.agent+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func (f *fixture) path() string {
	return "/applications/app/environments/env/configurations/prof"
}

func TestFreeformConfiguration(t *testing.T) {
	f := start(t, "")
	f.deploy(t, `{"db":"primary"}`, "application/json", "v1", "AppConfig.AllAtOnce")
	for _, p := range []string{
		f.path(),
		"/applications/" + f.app + "/environments/" + f.env + "/configurations/" + f.prof,
		"/applications/app/environments/" + f.env + "/configurations/prof",
	} {
		resp, body := f.get(t, http.MethodGet, p)
		if resp.StatusCode != 200 || body != `{"db":"primary"}` || resp.Header.Get("Content-Type") != "application/json" ||
			resp.Header.Get("Configuration-Version") != "1" || resp.Header.Get("Version-Label") != "v1" {
			t.Fatalf("%s: %d %q %v", p, resp.StatusCode, body, resp.Header)
		}
	}
	// The agent always answers in full (it is not a session).
	if resp, body := f.get(t, http.MethodGet, f.path()); body != `{"db":"primary"}` {
		t.Fatalf("second read: %d %q", resp.StatusCode, body)
	}
	if resp, body := f.get(t, http.MethodHead, f.path()); resp.StatusCode != 200 || body != "" || resp.Header.Get("Content-Length") != "16" {
		t.Fatalf("HEAD: %d %q %v", resp.StatusCode, body, resp.Header)
	}
	// A new deployment is visible to the next request.
	f.clk.Advance(11 * time.Minute)
	f.deploy(t, "db: replica\n", "application/x-yaml", "", "AppConfig.AllAtOnce")
	resp, body := f.get(t, http.MethodGet, f.path())
	if body != "db: replica\n" || resp.Header.Get("Content-Type") != "application/x-yaml" || resp.Header.Get("Configuration-Version") != "2" ||
		len(resp.Header.Values("Version-Label")) != 0 {
		t.Fatalf("after redeploy: %q %v", body, resp.Header)
	}
	// Reads through the agent count for deletion protection.
	if _, err := f.c.DeleteEnvironment(ctx, &ac.DeleteEnvironmentInput{ApplicationId: &f.app, EnvironmentId: &f.env,
		DeletionProtectionCheck: actypes.DeletionProtectionCheckApply}); err == nil {
		t.Fatal("an environment read through the agent a moment ago was deleted")
	}
}

func TestErrors(t *testing.T) {
	f := start(t, "")
	for _, c := range []struct {
		name, method, path string
		hdr                []string
		code               int
		msg                string
	}{
		{"unknown application", "GET", "/applications/nope/environments/env/configurations/prof", nil, 404, "Application nope could not be found."},
		{"unknown environment", "GET", "/applications/app/environments/nope/configurations/prof", nil, 404, "Environment nope could not be found."},
		{"unknown profile", "GET", "/applications/app/environments/env/configurations/nope", nil, 404, "ConfigurationProfile nope could not be found."},
		{"other path", "GET", "/applications/app", nil, 404, "Not found"},
		{"post", "POST", f.path(), nil, 405, "Method not allowed"},
		{"entity id too long", "GET", f.path(), []string{"Entity-Id", strings.Repeat("e", 2049)}, 400, "Entity-Id"},
		{"flag on a freeform profile", "GET", f.path() + "?flag=x", nil, 400, "AWS.AppConfig.FeatureFlags"},
	} {
		t.Run(c.name, func(t *testing.T) {
			resp, body := f.get(t, c.method, c.path, c.hdr...)
			if resp.StatusCode != c.code || !strings.Contains(body, c.msg) || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain") {
				t.Fatalf("%d %q", resp.StatusCode, body)
			}
		})
	}
	// Nothing deployed yet: an empty configuration.
	if resp, body := f.get(t, "GET", f.path()); resp.StatusCode != 200 || body != "" {
		t.Fatalf("nothing deployed: %d %q", resp.StatusCode, body)
	}
	// Exactly 2 KB is accepted.
	if resp, _ := f.get(t, "GET", f.path(), "Entity-Id", strings.Repeat("e", 2048)); resp.StatusCode != 200 {
		t.Fatalf("2048-byte Entity-Id: %d", resp.StatusCode)
	}
}

const flagsDoc = `{
  "version": "1",
  "flags": {
    "dark_mode": {"name": "Dark mode", "attributes": {"theme": {"constraints": {"type": "string", "enum": ["night", "dusk"]}}}},
    "beta": {"name": "Beta"},
    "limits": {"name": "Limits", "attributes": {"max": {"constraints": {"type": "number"}}}}
  },
  "values": {
    "dark_mode": {"enabled": true, "theme": "night", "_createdAt": "2025-01-01T00:00:00Z"},
    "beta": {"enabled": false},
    "limits": {"enabled": true, "max": 10}
  }
}`

func TestFeatureFlags(t *testing.T) {
	f := start(t, "AWS.AppConfig.FeatureFlags")
	f.deploy(t, flagsDoc, "application/json", "", "AppConfig.AllAtOnce")
	for _, c := range []struct {
		name, query string
		code        int
		want        string
	}{
		{"all flags", "", 200, `{"dark_mode":{"enabled":true,"theme":"night"},"beta":{"enabled":false},"limits":{"enabled":true,"max":10}}`},
		{"one flag", "?flag=dark_mode", 200, `{"enabled":true,"theme":"night"}`},
		{"disabled flag", "?flag=beta", 200, `{"enabled":false}`},
		{"two flags in the order asked", "?flag=limits&flag=beta", 200, `{"limits":{"enabled":true,"max":10},"beta":{"enabled":false}}`},
		{"a flag twice", "?flag=beta&flag=beta", 200, `{"enabled":false}`},
		{"unknown flag", "?flag=nope", 404, "Flag not found: nope\n"},
		{"one unknown among known", "?flag=beta&flag=nope", 404, "Flag not found: nope\n"},
	} {
		t.Run(c.name, func(t *testing.T) {
			resp, body := f.get(t, "GET", f.path()+c.query)
			if resp.StatusCode != c.code {
				t.Fatalf("%d %q", resp.StatusCode, body)
			}
			if c.code == 200 && resp.Header.Get("Content-Type") != "application/json" {
				t.Fatalf("Content-Type %q", resp.Header.Get("Content-Type"))
			}
			if body != c.want {
				t.Fatalf("%q", body)
			}
		})
	}
}

// Entity-based gradual rollout: 1,000 entities through a LINEAR rollout;
// the share on the new version follows PercentageComplete, an entity that
// got the new version keeps it, requests without Entity-Id all see one
// version, a rollback sends everyone back.
func TestEntityRollout(t *testing.T) {
	f := start(t, "")
	f.deploy(t, `{"V":1}`, "application/json", "", "AppConfig.AllAtOnce")
	f.clk.Advance(11 * time.Minute)
	s, err := f.c.CreateDeploymentStrategy(ctx, &ac.CreateDeploymentStrategyInput{Name: aws.String("linear"),
		DeploymentDurationInMinutes: aws.Int32(20), GrowthFactor: aws.Float32(25), GrowthType: actypes.GrowthTypeLinear})
	if err != nil {
		t.Fatal(err)
	}
	num := f.deploy(t, `{"V":2}`, "application/json", "", *s.Id)
	version := func(hdr ...string) int {
		_, body := f.get(t, "GET", f.path(), hdr...)
		var v struct{ V int }
		if err := json.Unmarshal([]byte(body), &v); err != nil {
			t.Fatalf("%q: %v", body, err)
		}
		return v.V
	}
	const n = 1000
	had := make([]bool, n)
	for minute := 0; minute <= 20; minute += 5 {
		f.clk.Set(t0.Add(11*time.Minute + time.Duration(minute)*time.Minute))
		d, err := f.c.GetDeployment(ctx, &ac.GetDeploymentInput{ApplicationId: &f.app, EnvironmentId: &f.env, DeploymentNumber: &num})
		if err != nil {
			t.Fatal(err)
		}
		pct := float64(*d.PercentageComplete)
		on := 0
		for i := 0; i < n; i++ {
			id := fmt.Sprintf("user-%d", i)
			v := version("Entity-Id", id)
			if v == 2 {
				on++
				had[i] = true
			} else if had[i] {
				t.Fatalf("minute %d: %s lost the new version", minute, id)
			}
			if v2 := version("Entity-Id", id); v2 != v {
				t.Fatalf("minute %d: %s got %d then %d", minute, id, v, v2)
			}
		}
		got := 100 * float64(on) / n
		t.Logf("minute %2d: %5.1f%% complete, %5.1f%% of entities on v2", minute, pct, got)
		// Entity buckets mix in the random resource IDs, so the sample
		// differs per run: ±8 points is five standard deviations at 50 %.
		if math.Abs(got-pct) > 8 {
			t.Fatalf("minute %d: %.1f%% of entities on v2, PercentageComplete %.0f", minute, got, pct)
		}
		first := version()
		for i := 0; i < 20; i++ {
			if version() != first {
				t.Fatalf("minute %d: requests without Entity-Id disagree", minute)
			}
		}
	}
	// A rollback halfway through the next deployment sends everyone back.
	f.clk.Advance(time.Minute)
	num = f.deploy(t, `{"V":3}`, "application/json", "", *s.Id)
	f.clk.Advance(10 * time.Minute)
	on3 := 0
	for i := 0; i < n; i++ {
		if version("Entity-Id", fmt.Sprintf("user-%d", i)) == 3 {
			on3++
		}
	}
	if on3 < 400 || on3 > 600 {
		t.Fatalf("halfway: %d entities on v3", on3)
	}
	if _, err := f.c.StopDeployment(ctx, &ac.StopDeploymentInput{ApplicationId: &f.app, EnvironmentId: &f.env, DeploymentNumber: &num}); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < n; i++ {
		if v := version("Entity-Id", fmt.Sprintf("user-%d", i)); v != 2 {
			t.Fatalf("after rollback user-%d has v%d", i, v)
		}
	}
}
