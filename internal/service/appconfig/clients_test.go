package appconfig_test

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/stagecraft/stagecraft/internal/testenv"
)

// Seed 003 (StartDeployment API reference) through boto3 and both AWS
// CLIs: the sample request as each client sends it, the sample response
// as each client shows it (ids substituted).

func TestSeed003Boto3(t *testing.T) {
	testenv.RequireBoto3(t)
	f := start(t)
	ids := seedSetup(t, f.c)
	out := f.e.Python(t, `
import boto3, json, os, botocore.exceptions
c = boto3.client("appconfig", endpoint_url=os.environ["STAGECRAFT_URL"])
r = c.start_deployment(ApplicationId="`+ids.app+`", EnvironmentId="`+ids.env+`",
    DeploymentStrategyId="`+ids.strat+`", ConfigurationProfileId="`+ids.prof+`", ConfigurationVersion="1")
r.pop("ResponseMetadata")
print(json.dumps(r, default=lambda d: d.isoformat()))
try:
    c.start_deployment(ApplicationId="`+ids.app+`", EnvironmentId="`+ids.env+`",
        DeploymentStrategyId="`+ids.strat+`", ConfigurationProfileId="`+ids.prof+`", ConfigurationVersion="1")
except c.exceptions.ConflictException as e:
    print(json.dumps({"code": e.response["Error"]["Code"], "status": e.response["ResponseMetadata"]["HTTPStatusCode"], "message": e.response["Error"]["Message"]}))
try:
    c.get_deployment(ApplicationId="`+ids.app+`", EnvironmentId="`+ids.env+`", DeploymentNumber=7)
except c.exceptions.ResourceNotFoundException as e:
    print(json.dumps({"code": e.response["Error"]["Code"], "status": e.response["ResponseMetadata"]["HTTPStatusCode"], "message": e.response["Error"]["Message"], "resource": e.response.get("ResourceName")}))
`)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 3 {
		t.Fatalf("output:\n%s", out)
	}
	var got map[string]any
	if err := json.Unmarshal([]byte(lines[0]), &got); err != nil {
		t.Fatal(err)
	}
	// boto3 renders timestamps exactly as the sample does.
	if want := ids.expectedSeed(t, "2021-09-17T21:43:54.205000+00:00"); !reflect.DeepEqual(got, want) {
		t.Fatalf("boto3 response\n got %s\nwant %v", lines[0], want)
	}
	var conflict, missing map[string]any
	json.Unmarshal([]byte(lines[1]), &conflict)
	json.Unmarshal([]byte(lines[2]), &missing)
	if conflict["code"] != "ConflictException" || conflict["status"] != 409.0 ||
		conflict["message"] != "Environment "+ids.env+" already has a deployment in progress (deployment number 1). Only one deployment at a time is allowed per environment." {
		t.Fatalf("%v", conflict)
	}
	if missing["code"] != "ResourceNotFoundException" || missing["status"] != 404.0 || missing["message"] != "Deployment with Id 7 could not be found." {
		t.Fatalf("%v", missing)
	}
}

func seedCLIArgs(ids seedIDs) []string {
	return []string{"appconfig", "start-deployment", "--application-id", ids.app, "--environment-id", ids.env,
		"--deployment-strategy-id", ids.strat, "--configuration-profile-id", ids.prof, "--configuration-version", "1"}
}

func TestSeed003CLIv1(t *testing.T) {
	testenv.RequireCLIv1(t)
	f := start(t)
	ids := seedSetup(t, f.c)
	got := f.e.MustCLI(t, seedCLIArgs(ids)...)
	// CLI v1 shows timestamps as the service sent them.
	if want := ids.expectedSeed(t, "2021-09-17T21:43:54.205Z"); !reflect.DeepEqual(got, want) {
		t.Fatalf("CLI v1 output\n got %v\nwant %v", got, want)
	}
	_, stderr, code := f.e.CLI(t, "appconfig", "get-deployment", "--application-id", ids.app, "--environment-id", ids.env, "--deployment-number", "2")
	if code == 0 || !strings.Contains(stderr, "An error occurred (ResourceNotFoundException) when calling the GetDeployment operation: Deployment with Id 2 could not be found.") {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	// Stop it (202) and read the rollback.
	stopped := f.e.MustCLI(t, "appconfig", "stop-deployment", "--application-id", ids.app, "--environment-id", ids.env, "--deployment-number", "1")
	if stopped["State"] != "ROLLED_BACK" || stopped["DeploymentNumber"] != 1.0 {
		t.Fatalf("%v", stopped)
	}
}

func TestSeed003CLIv2(t *testing.T) {
	testenv.CLIv2(t)
	f := start(t)
	ids := seedSetup(t, f.c)
	so, se, code := f.e.CLI2(t, seedCLIArgs(ids)...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, se)
	}
	var got map[string]any
	if err := json.Unmarshal([]byte(so), &got); err != nil {
		t.Fatalf("%v: %s", err, so)
	}
	// The sample was captured with CLI v2, whose default timestamp format
	// is this one.
	if want := ids.expectedSeed(t, "2021-09-17T21:43:54.205000+00:00"); !reflect.DeepEqual(got, want) {
		t.Fatalf("CLI v2 output\n got %s\nwant %v", so, want)
	}
	_, se, code = f.e.CLI2(t, "appconfig", "start-deployment", "--application-id", ids.app, "--environment-id", ids.env,
		"--deployment-strategy-id", "AppConfig.NoSuchStrategy", "--configuration-profile-id", ids.prof, "--configuration-version", "1")
	// CLI v2 adds "(reached max retries: 0)" after the operation name.
	if code == 0 || !strings.Contains(se, "An error occurred (ResourceNotFoundException) when calling the StartDeployment operation") ||
		!strings.HasSuffix(strings.TrimSpace(se), ": DeploymentStrategy with Id AppConfig.NoSuchStrategy could not be found.") {
		t.Fatalf("exit %d: %s", code, se)
	}
	_, se, code = f.e.CLI2(t, "appconfig", "start-deployment", "--application-id", ids.app, "--environment-id", ids.env,
		"--deployment-strategy-id", ids.strat, "--configuration-profile-id", "UPPER", "--configuration-version", "1")
	if code == 0 || !strings.Contains(se, "BadRequestException") || !strings.Contains(se, "Member must satisfy regular expression pattern: [a-z0-9]{4,7}") {
		t.Fatalf("exit %d: %s", code, se)
	}
}

// Hosted versions travel as a raw body with metadata in headers; boto3
// must see them all, and AppConfig's errors with their typed members.
func TestHostedVersionsBoto3(t *testing.T) {
	testenv.RequireBoto3(t)
	f := start(t)
	f.mkApp(t)
	prof := f.mkProfile(t, "flags", "AWS.AppConfig.FeatureFlags")
	out := f.e.Python(t, `
import boto3, json, os
c = boto3.client("appconfig", endpoint_url=os.environ["STAGECRAFT_URL"])
ids = dict(ApplicationId="`+f.app+`", ConfigurationProfileId="`+prof+`")
v = c.create_hosted_configuration_version(Content=b'{"version":"1","flags":{"on":{"name":"On"}},"values":{"on":{"enabled":true}}}',
    ContentType="application/json", Description="first flags", VersionLabel="v1.0.0", LatestVersionNumber=1, **ids)
print(json.dumps({k: v[k] for k in ("ApplicationId", "ConfigurationProfileId", "VersionNumber", "ContentType", "Description", "VersionLabel")}))
g = c.get_hosted_configuration_version(VersionNumber=1, **ids)
print(json.dumps({"content": g["Content"].read().decode(), "label": g["VersionLabel"], "description": g["Description"]}))
try:
    c.create_hosted_configuration_version(Content=b'{"version":"1","flags":{"on":{}}}', ContentType="application/json", **ids)
except c.exceptions.BadRequestException as e:
    print(json.dumps({"reason": e.response["Reason"], "details": e.response["Details"]["InvalidConfiguration"]}))
try:
    c.create_hosted_configuration_version(Content=b'{}', ContentType="application/json", LatestVersionNumber=5, **ids)
except c.exceptions.ConflictException as e:
    print(e.response["Error"]["Message"])
`)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 4 {
		t.Fatalf("output:\n%s", out)
	}
	var meta, got map[string]any
	json.Unmarshal([]byte(lines[0]), &meta)
	json.Unmarshal([]byte(lines[1]), &got)
	if meta["ApplicationId"] != f.app || meta["ConfigurationProfileId"] != prof || meta["VersionNumber"] != 1.0 || meta["ContentType"] != "application/json" ||
		meta["Description"] != "first flags" || meta["VersionLabel"] != "v1.0.0" {
		t.Fatalf("%v", meta)
	}
	if got["content"] != `{"version":"1","flags":{"on":{"name":"On"}},"values":{"on":{"enabled":true}}}` || got["label"] != "v1.0.0" || got["description"] != "first flags" {
		t.Fatalf("%v", got)
	}
	var bad struct {
		Reason  string
		Details []map[string]string
	}
	if err := json.Unmarshal([]byte(lines[2]), &bad); err != nil || bad.Reason != "InvalidConfiguration" || len(bad.Details) != 1 ||
		bad.Details[0]["Location"] != "/flags/on" || bad.Details[0]["Constraint"] != "required" || bad.Details[0]["Type"] != "JSON_SCHEMA" {
		t.Fatalf("%v %s", err, lines[2])
	}
	if lines[3] != "Latest version number 5 does not match the latest hosted configuration version 1 of configuration profile "+prof+"." {
		t.Fatal(lines[3])
	}
}
