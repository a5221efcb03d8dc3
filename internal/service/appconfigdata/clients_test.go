package appconfigdata_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stagecraft/stagecraft/internal/testenv"
)

// The seed-like flow through boto3 and both AWS CLIs, everything done by
// the client: application, environment, hosted profile and version,
// AllAtOnce deployment, session by names, content with its metadata, an
// empty answer when nothing changed, new content after the next
// deployment, and the error for a reused token. The test moves the fake
// clock between the client's steps.

func TestFlowBoto3(t *testing.T) {
	testenv.RequireBoto3(t)
	f := start(t)
	py := func(body string) map[string]any {
		t.Helper()
		out := f.e.Python(t, `
import boto3, json, os, sys
ac = boto3.client("appconfig", endpoint_url=os.environ["STAGECRAFT_URL"])
d = boto3.client("appconfigdata", endpoint_url=os.environ["STAGECRAFT_URL"])
def poll(tok):
    r = d.get_latest_configuration(ConfigurationToken=tok)
    return {"body": r["Configuration"].read().decode(), "next": r["NextPollConfigurationToken"],
            "interval": r["NextPollIntervalInSeconds"], "type": r.get("ContentType"), "label": r.get("VersionLabel")}
`+body)
		var m map[string]any
		if err := json.Unmarshal([]byte(strings.TrimSpace(out)), &m); err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
		return m
	}
	first := py(`
a = ac.create_application(Name="app")["Id"]
e = ac.create_environment(ApplicationId=a, Name="env")["Id"]
p = ac.create_configuration_profile(ApplicationId=a, Name="prof", LocationUri="hosted")["Id"]
v = ac.create_hosted_configuration_version(ApplicationId=a, ConfigurationProfileId=p, Content=b'{"feature": true}',
    ContentType="application/json", VersionLabel="v1")["VersionNumber"]
ac.start_deployment(ApplicationId=a, EnvironmentId=e, ConfigurationProfileId=p, ConfigurationVersion=str(v),
    DeploymentStrategyId="AppConfig.AllAtOnce")
tok = d.start_configuration_session(ApplicationIdentifier="app", EnvironmentIdentifier="env",
    ConfigurationProfileIdentifier="prof", RequiredMinimumPollIntervalInSeconds=15)["InitialConfigurationToken"]
r = poll(tok)
r.update(app=a, env=e, prof=p)
print(json.dumps(r))
`)
	if first["body"] != `{"feature": true}` || first["type"] != "application/json" || first["label"] != "v1" || first["interval"] != 15.0 {
		t.Fatalf("first poll: %v", first)
	}
	f.clk.Advance(11 * time.Minute)
	second := py(`
r = poll("` + first["next"].(string) + `")
v = ac.create_hosted_configuration_version(ApplicationId="` + first["app"].(string) + `", ConfigurationProfileId="` + first["prof"].(string) + `",
    Content=b'{"feature": false}', ContentType="application/json", VersionLabel="v2")["VersionNumber"]
ac.start_deployment(ApplicationId="` + first["app"].(string) + `", EnvironmentId="` + first["env"].(string) + `",
    ConfigurationProfileId="` + first["prof"].(string) + `", ConfigurationVersion=str(v), DeploymentStrategyId="AppConfig.AllAtOnce")
print(json.dumps(r))
`)
	if second["body"] != "" || second["label"] != nil || second["type"] != "application/json" {
		t.Fatalf("unchanged poll: %v", second)
	}
	f.clk.Advance(15 * time.Second)
	third := py(`
r = poll("` + second["next"].(string) + `")
try:
    poll("` + second["next"].(string) + `")
except d.exceptions.BadRequestException as e:
    r["error"] = {"code": e.response["Error"]["Code"], "message": e.response["Error"]["Message"],
                  "status": e.response["ResponseMetadata"]["HTTPStatusCode"],
                  "reason": e.response.get("Reason"), "details": e.response.get("Details")}
print(json.dumps(r))
`)
	if third["body"] != `{"feature": false}` || third["label"] != "v2" {
		t.Fatalf("after redeploy: %v", third)
	}
	b, _ := json.Marshal(third["error"])
	if string(b) != `{"code":"BadRequestException","details":{"InvalidParameters":{"ConfigurationToken":{"Problem":"Expired"}}},"message":"Token expired","reason":"InvalidParameters","status":400}` {
		t.Fatalf("reused token: %s", b)
	}
}

func TestFlowCLIv1(t *testing.T) {
	testenv.RequireCLIv1(t)
	f := start(t)
	cliFlow(t, f, f.e.CLI, true)
}

func TestFlowCLIv2(t *testing.T) {
	testenv.CLIv2(t)
	f := start(t)
	// Debian's CLI v2 carries a model from before version labels existed
	// (no --version-label, no VersionLabel in the output).
	cliFlow(t, f, f.e.CLI2, false)
}

func cliFlow(t *testing.T, f *fixture, cli func(t testing.TB, args ...string) (string, string, int), labels bool) {
	dir := t.TempDir()
	run := func(args ...string) map[string]any {
		t.Helper()
		so, se, code := cli(t, args...)
		if code != 0 {
			t.Fatalf("aws %s: exit %d\n%s", strings.Join(args, " "), code, se)
		}
		out := map[string]any{}
		if strings.TrimSpace(so) != "" {
			if err := json.Unmarshal([]byte(so), &out); err != nil {
				t.Fatalf("aws %s: %v\n%s", strings.Join(args, " "), err, so)
			}
		}
		return out
	}
	file := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	poll := func(tok, outfile string) (map[string]any, string) {
		t.Helper()
		p := filepath.Join(dir, outfile)
		out := run("appconfigdata", "get-latest-configuration", "--configuration-token", tok, p)
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		return out, string(b)
	}
	app := run("appconfig", "create-application", "--name", "app")["Id"].(string)
	env := run("appconfig", "create-environment", "--application-id", app, "--name", "env")["Id"].(string)
	prof := run("appconfig", "create-configuration-profile", "--application-id", app, "--name", "prof", "--location-uri", "hosted")["Id"].(string)
	label := func(l string) []string {
		if labels {
			return []string{"--version-label", l}
		}
		return nil
	}
	v := run(append(append([]string{"appconfig", "create-hosted-configuration-version", "--application-id", app, "--configuration-profile-id", prof,
		"--content", "fileb://" + file("v1.json", `{"feature": true}`), "--content-type", "application/json"}, label("v1")...),
		filepath.Join(dir, "created1"))...)
	if fmt.Sprint(v["VersionNumber"]) != "1" { // CLI v2 shows the header as a string
		t.Fatalf("create-hosted-configuration-version: %v", v)
	}
	run("appconfig", "start-deployment", "--application-id", app, "--environment-id", env, "--configuration-profile-id", prof,
		"--configuration-version", "1", "--deployment-strategy-id", "AppConfig.AllAtOnce")
	tok := run("appconfigdata", "start-configuration-session", "--application-identifier", "app", "--environment-identifier", "env",
		"--configuration-profile-identifier", "prof", "--required-minimum-poll-interval-in-seconds", "15")["InitialConfigurationToken"].(string)

	out, body := poll(tok, "body1")
	if body != `{"feature": true}` || out["ContentType"] != "application/json" || (labels && out["VersionLabel"] != "v1") || fmt.Sprint(out["NextPollIntervalInSeconds"]) != "15" { // CLI v2: "15"
		t.Fatalf("first poll: %v %q", out, body)
	}
	f.clk.Advance(11 * time.Minute)
	out, body = poll(out["NextPollConfigurationToken"].(string), "body2")
	if body != "" || out["VersionLabel"] != nil || out["ContentType"] != "application/json" {
		t.Fatalf("unchanged poll: %v %q", out, body)
	}
	run(append(append([]string{"appconfig", "create-hosted-configuration-version", "--application-id", app, "--configuration-profile-id", prof,
		"--content", "fileb://" + file("v2.json", `{"feature": false}`), "--content-type", "application/json"}, label("v2")...),
		filepath.Join(dir, "created2"))...)
	ref := "2"
	if labels {
		ref = "v2" // deploy by label
	}
	run("appconfig", "start-deployment", "--application-id", app, "--environment-id", env, "--configuration-profile-id", prof,
		"--configuration-version", ref, "--deployment-strategy-id", "AppConfig.AllAtOnce")
	f.clk.Advance(15 * time.Second)
	used := out["NextPollConfigurationToken"].(string)
	out, body = poll(used, "body3")
	if body != `{"feature": false}` || (labels && out["VersionLabel"] != "v2") {
		t.Fatalf("after redeploy: %v %q", out, body)
	}
	_, se, code := cli(t, "appconfigdata", "get-latest-configuration", "--configuration-token", used, filepath.Join(dir, "body4"))
	// (CLI v2 adds "(reached max retries: 0)" before the colon.)
	if code == 0 || !strings.Contains(se, "An error occurred (BadRequestException) when calling the GetLatestConfiguration operation") ||
		!strings.HasSuffix(strings.TrimSpace(se), ": Token expired") {
		t.Fatalf("reused token: exit %d\n%s", code, se)
	}
}
