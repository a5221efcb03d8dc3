package appconfigdata_test

import (
	"errors"
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
)

func (f *fixture) getConfig(t *testing.T, app, env, prof, client, have string) *ac.GetConfigurationOutput {
	t.Helper()
	in := &ac.GetConfigurationInput{Application: &app, Environment: &env, Configuration: &prof, ClientId: &client}
	if have != "" {
		in.ClientConfigurationVersion = &have
	}
	out, err := f.c.GetConfiguration(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// The deprecated GetConfiguration serves what is deployed, by IDs or
// names, and no content when the client already holds the version.
func TestGetConfiguration(t *testing.T) {
	f := start(t).basic(t, "")

	// Nothing deployed yet: no content, no version.
	out := f.getConfig(t, "app", "env", "prof", "c1", "")
	if len(out.Content) != 0 || out.ConfigurationVersion != nil {
		t.Fatalf("before any deployment: %q version %v", out.Content, aws.ToString(out.ConfigurationVersion))
	}

	v1 := f.version(t, `{"V":1}`, "application/json", "one")
	f.deploy(t, v1, "AppConfig.AllAtOnce")
	for _, ids := range [][3]string{{"app", "env", "prof"}, {f.app, f.env, f.prof}, {f.app, "env", f.prof}} {
		out = f.getConfig(t, ids[0], ids[1], ids[2], "c1", "")
		if string(out.Content) != `{"V":1}` || aws.ToString(out.ConfigurationVersion) != v1 || aws.ToString(out.ContentType) != "application/json" {
			t.Fatalf("%v: %q version %q type %q", ids, out.Content, aws.ToString(out.ConfigurationVersion), aws.ToString(out.ContentType))
		}
	}
	// The client holds the current version: empty body, version still sent.
	out = f.getConfig(t, "app", "env", "prof", "c1", v1)
	if len(out.Content) != 0 || aws.ToString(out.ConfigurationVersion) != v1 {
		t.Fatalf("same version: %q version %q", out.Content, aws.ToString(out.ConfigurationVersion))
	}
	// An older version: content again.
	v2 := f.version(t, `{"V":2}`, "application/json", "two")
	f.clk.Advance(11 * time.Minute) // AllAtOnce bakes 10 minutes
	f.deploy(t, v2, "AppConfig.AllAtOnce")
	out = f.getConfig(t, "app", "env", "prof", "c1", v1)
	if string(out.Content) != `{"V":2}` || aws.ToString(out.ConfigurationVersion) != v2 {
		t.Fatalf("new version: %q version %q", out.Content, aws.ToString(out.ConfigurationVersion))
	}

	// Errors: AWS's types and messages.
	for _, tc := range []struct{ app, env, prof, msg string }{
		{"nope", "env", "prof", "Application with Id nope could not be found."},
		{"app", "nope", "prof", "Environment with Id nope could not be found."},
		{"app", "env", "nope", "ConfigurationProfile with Id nope could not be found."},
	} {
		_, err := f.c.GetConfiguration(ctx, &ac.GetConfigurationInput{Application: &tc.app, Environment: &tc.env, Configuration: &tc.prof, ClientId: aws.String("c1")})
		apiErr(t, err, "ResourceNotFoundException", tc.msg)
		var nf *actypes.ResourceNotFoundException
		if !asErr(err, &nf) || aws.ToString(nf.ResourceName) == "" {
			t.Fatalf("ResourceName missing: %v", err)
		}
	}
	// ClientId is required (the SDK checks it too; send the request raw).
	req, _ := http.NewRequest(http.MethodGet, f.e.URL+"/applications/app/environments/env/configurations/prof", nil)
	req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=test/20250302/us-east-1/appconfig/aws4_request, SignedHeaders=host, Signature=0")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 400 || !strings.Contains(resp.Header.Get("X-Amzn-ErrorType")+string(b), "BadRequestException") {
		t.Fatalf("no client_id: %d %s %s", resp.StatusCode, resp.Header.Get("X-Amzn-ErrorType"), b)
	}
}

// During a gradual rollout a client ID gets the new version once its
// bucket is below PercentageComplete, deterministically, and keeps it.
func TestGetConfigurationRollout(t *testing.T) {
	f := start(t).basic(t, "")
	v1 := f.version(t, `{"V":1}`, "application/json", "")
	v2 := f.version(t, `{"V":2}`, "application/json", "")
	f.deploy(t, v1, "AppConfig.AllAtOnce")
	f.clk.Advance(11 * time.Minute)
	num := f.deploy(t, v2, f.strategy(t, 20, 25, 10))
	f.clk.Advance(10*time.Minute + time.Second) // 50 %
	if pct := aws.ToFloat32(f.deployment(t, num).PercentageComplete); pct != 50 {
		t.Fatalf("PercentageComplete %v", pct)
	}
	const n = 400
	got := map[int]bool{}
	for i := range n {
		out := f.getConfig(t, "app", "env", "prof", fmt.Sprintf("client-%d", i), v1)
		if string(out.Content) == `{"V":2}` {
			got[i] = true
		} else if len(out.Content) != 0 || aws.ToString(out.ConfigurationVersion) != v1 {
			t.Fatalf("client %d: %q %q", i, out.Content, aws.ToString(out.ConfigurationVersion))
		}
	}
	if share := 100 * float64(len(got)) / n; math.Abs(share-50) > 8 {
		t.Fatalf("%.1f%% of clients on v2 at 50%%", share)
	}
	// Same answer for the same client ID; the ones on v2 keep it (and get
	// no content as they send v2).
	for i := range n {
		have := v1
		if got[i] {
			have = v2
		}
		out := f.getConfig(t, "app", "env", "prof", fmt.Sprintf("client-%d", i), have)
		if len(out.Content) != 0 || aws.ToString(out.ConfigurationVersion) != have {
			t.Fatalf("client %d changed: %q %q (had %s)", i, out.Content, aws.ToString(out.ConfigurationVersion), have)
		}
	}
	// Rollout done: everybody on v2.
	f.clk.Advance(11 * time.Minute)
	if out := f.getConfig(t, "app", "env", "prof", "client-x", v1); string(out.Content) != `{"V":2}` {
		t.Fatalf("after the rollout: %q", out.Content)
	}
}

func asErr[T error](err error, target *T) bool { return errors.As(err, target) }
