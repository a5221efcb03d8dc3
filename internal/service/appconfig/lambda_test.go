package appconfig_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	sdk "github.com/aws/aws-sdk-go-v2/service/appconfig"
	"github.com/aws/aws-sdk-go-v2/service/appconfig/types"

	"github.com/stagecraft/stagecraft/internal/lambdatest"
	"github.com/stagecraft/stagecraft/internal/service/appconfig"
	"github.com/stagecraft/stagecraft/internal/store"
)

// lambdaDetails asserts a BadRequestException with Reason
// InvalidConfiguration and returns its details.
func lambdaDetails(t *testing.T, err error) []types.InvalidConfigurationDetail {
	t.Helper()
	var br *types.BadRequestException
	if !errors.As(err, &br) || br.Reason != types.BadRequestReasonInvalidConfiguration {
		t.Fatalf("want BadRequestException InvalidConfiguration, got %v", err)
	}
	d, ok := br.Details.(*types.BadRequestDetailsMemberInvalidConfiguration)
	if !ok {
		t.Fatalf("details: %#v", br.Details)
	}
	return d.Value
}

func detail(typ, location, reason, value string) types.InvalidConfigurationDetail {
	opt := func(s string) *string {
		if s == "" {
			return nil
		}
		return &s
	}
	return types.InvalidConfigurationDetail{Type: opt(typ), Location: opt(location), Reason: opt(reason), Value: opt(value)}
}

func sameDetails(t *testing.T, got, want []types.InvalidConfigurationDetail) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("details %+v, want %+v", got, want)
	}
	for i := range got {
		g, w := got[i], want[i]
		if aws.ToString(g.Type) != aws.ToString(w.Type) || aws.ToString(g.Location) != aws.ToString(w.Location) ||
			aws.ToString(g.Reason) != aws.ToString(w.Reason) || aws.ToString(g.Value) != aws.ToString(w.Value) || g.Constraint != nil {
			t.Fatalf("detail %d: %s/%s/%s/%s, want %s/%s/%s/%s", i,
				aws.ToString(g.Type), aws.ToString(g.Location), aws.ToString(g.Reason), aws.ToString(g.Value),
				aws.ToString(w.Type), aws.ToString(w.Location), aws.ToString(w.Reason), aws.ToString(w.Value))
		}
	}
}

// decodeJSON decodes a payload into a generic value.
func decodeJSON(t *testing.T, b []byte) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("%v: %s", err, b)
	}
	return m
}

func (f *fixture) deploymentCount(t *testing.T) int {
	t.Helper()
	l, err := f.c.ListDeployments(ctx, &sdk.ListDeploymentsInput{ApplicationId: &f.app, EnvironmentId: &f.env})
	if err != nil {
		t.Fatal(err)
	}
	return len(l.Items)
}

func (f *fixture) deploy(prof, version string, params map[string]string) (*sdk.StartDeploymentOutput, error) {
	return f.c.StartDeployment(ctx, &sdk.StartDeploymentInput{ApplicationId: &f.app, EnvironmentId: &f.env, ConfigurationProfileId: &prof,
		ConfigurationVersion: &version, DeploymentStrategyId: aws.String("AppConfig.AllAtOnce"), Description: aws.String("d"),
		DynamicExtensionParameters: params})
}

func (f *fixture) stop(t *testing.T, number int32) {
	t.Helper()
	if _, err := f.c.StopDeployment(ctx, &sdk.StopDeploymentInput{ApplicationId: &f.app, EnvironmentId: &f.env, DeploymentNumber: &number}); err != nil {
		t.Fatal(err)
	}
}

// LAMBDA validators run at StartDeployment and ValidateConfiguration (not
// when a version is created) with AppConfig's validator event; a function
// error fails the call with InvalidConfiguration.
func TestLambdaValidator(t *testing.T) {
	n := startNode(t, true)
	f := n.fixture
	f.mkApp(t)
	f.env = f.mkEnv(t, "env")
	n.fn.Register("check", func(_ context.Context, payload []byte) ([]byte, error) {
		var ev struct{ Content string }
		json.Unmarshal(payload, &ev)
		if b, _ := base64.StdEncoding.DecodeString(ev.Content); string(b) == "limit=-1" {
			return nil, &lambdatest.FunctionError{Type: "ValidationError", Message: "limit must be positive"}
		}
		return []byte("null"), nil
	})
	check := fnARN("check")
	prof := f.mkProfile(t, "p", "", types.Validator{Type: types.ValidatorTypeLambda, Content: &check})
	f.mkVersion(t, prof, "limit=5", "text/plain")
	f.mkVersion(t, prof, "limit=-1", "text/plain")
	if got := n.fn.InvocationsOf("check"); len(got) != 0 {
		t.Fatalf("validator invoked at version creation: %d invocations", len(got))
	}

	// ValidateConfiguration: the exact event, then pass and fail.
	if _, err := f.c.ValidateConfiguration(ctx, &sdk.ValidateConfigurationInput{ApplicationId: &f.app, ConfigurationProfileId: &prof, ConfigurationVersion: aws.String("1")}); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"applicationId": f.app, "configurationProfileId": prof, "configurationVersion": "1",
		"content": base64.StdEncoding.EncodeToString([]byte("limit=5")), "uri": "hosted"}
	if got := decodeJSON(t, n.fn.Last(t, "check").Payload); !reflect.DeepEqual(got, want) {
		t.Fatalf("validator event %v\nwant %v", got, want)
	}
	failure := "The configuration data failed validation against the Lambda validator " + check + ": limit must be positive"
	wantDetails := []types.InvalidConfigurationDetail{detail("LAMBDA", "", "limit must be positive", `{"errorMessage":"limit must be positive","errorType":"ValidationError"}`)}
	_, err := f.c.ValidateConfiguration(ctx, &sdk.ValidateConfigurationInput{ApplicationId: &f.app, ConfigurationProfileId: &prof, ConfigurationVersion: aws.String("2")})
	apiErr(t, err, "BadRequestException", failure)
	sameDetails(t, lambdaDetails(t, err), wantDetails)

	// StartDeployment: the failing version is refused and leaves nothing
	// behind; the good one deploys (validated once more).
	_, err = f.deploy(prof, "2", nil)
	apiErr(t, err, "BadRequestException", failure)
	sameDetails(t, lambdaDetails(t, err), wantDetails)
	if f.deploymentCount(t) != 0 || f.envState(t) != types.EnvironmentStateReadyForDeployment {
		t.Fatalf("a refused deployment left %d deployments, environment %s", f.deploymentCount(t), f.envState(t))
	}
	before := len(n.fn.InvocationsOf("check"))
	d, err := f.deploy(prof, "1", nil)
	if err != nil || d.DeploymentNumber != 1 {
		t.Fatalf("%v %+v", err, d)
	}
	if got := n.fn.InvocationsOf("check"); len(got) != before+1 || decodeJSON(t, got[len(got)-1].Payload)["configurationVersion"] != "1" {
		t.Fatalf("StartDeployment invocations: %d (before %d)", len(got), before)
	}
	f.stop(t, 1)

	// boto3 sees the same error document.
	out := f.e.Python(t, `
import boto3, json, os
c = boto3.client("appconfig", endpoint_url=os.environ["STAGECRAFT_URL"])
try:
    c.validate_configuration(ApplicationId="`+f.app+`", ConfigurationProfileId="`+prof+`", ConfigurationVersion="2")
    print("accepted")
except c.exceptions.BadRequestException as e:
    r = e.response
    print(json.dumps({"code": r["Error"]["Code"], "message": r["Error"]["Message"], "reason": r.get("Reason"), "details": r.get("Details")}, sort_keys=True))
`)
	var got map[string]any
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	wantPy := map[string]any{"code": "BadRequestException", "message": failure, "reason": "InvalidConfiguration",
		"details": map[string]any{"InvalidConfiguration": []any{map[string]any{"Type": "LAMBDA", "Reason": "limit must be positive",
			"Value": `{"errorMessage":"limit must be positive","errorType":"ValidationError"}`}}}}
	if !reflect.DeepEqual(got, wantPy) {
		t.Fatalf("boto3: %v\nwant %v", got, wantPy)
	}

	// A function that cannot be invoked fails the validation too.
	missing := fnARN("missing")
	p2 := f.mkProfile(t, "p2", "", types.Validator{Type: types.ValidatorTypeLambda, Content: &missing})
	f.mkVersion(t, p2, "x", "text/plain")
	_, err = f.deploy(p2, "1", nil)
	why := "ResourceNotFoundException: Function not found: " + missing
	apiErr(t, err, "BadRequestException", "The Lambda validator "+missing+" could not be invoked: "+why)
	sameDetails(t, lambdaDetails(t, err), []types.InvalidConfigurationDetail{detail("LAMBDA", "", "The Lambda validator could not be invoked.", why)})

	// Feature flags: the flag schema first, then the Lambda validator on
	// the stored document.
	flags := f.mkProfile(t, "flags", "AWS.AppConfig.FeatureFlags", types.Validator{Type: types.ValidatorTypeLambda, Content: &check})
	doc := `{"version":"1","flags":{"f":{"name":"F"}},"values":{"f":{"enabled":true}}}`
	f.mkVersion(t, flags, doc, "application/json")
	if _, err := f.c.ValidateConfiguration(ctx, &sdk.ValidateConfigurationInput{ApplicationId: &f.app, ConfigurationProfileId: &flags, ConfigurationVersion: aws.String("1")}); err != nil {
		t.Fatal(err)
	}
	if got := decodeJSON(t, n.fn.Last(t, "check").Payload)["content"]; got != base64.StdEncoding.EncodeToString([]byte(doc)) {
		t.Fatalf("content %v", got)
	}
}

// Without a Lambda endpoint a LAMBDA validator or a Lambda
// PRE_START_DEPLOYMENT action cannot run: the call is refused, saying so.
func TestNoLambdaEndpoint(t *testing.T) {
	n := startNode(t, false)
	f := n.fixture
	f.mkApp(t)
	f.env = f.mkEnv(t, "env")
	check := fnARN("check")
	prof := f.mkProfile(t, "p", "", types.Validator{Type: types.ValidatorTypeLambda, Content: &check})
	f.mkVersion(t, prof, "x", "text/plain") // creating a version does not need it
	msg := "Configuration profile " + prof + " has a LAMBDA validator (" + check + "), but no Lambda endpoint is configured: " +
		"start Stagecraft with --lambda-endpoint (STAGECRAFT_LAMBDA_ENDPOINT) to invoke Lambda functions."
	_, err := f.c.ValidateConfiguration(ctx, &sdk.ValidateConfigurationInput{ApplicationId: &f.app, ConfigurationProfileId: &prof, ConfigurationVersion: aws.String("1")})
	apiErr(t, err, "BadRequestException", msg)
	_, err = f.deploy(prof, "1", nil)
	apiErr(t, err, "BadRequestException", msg)

	free := f.mkProfile(t, "free", "")
	f.mkVersion(t, free, "x", "text/plain")
	x, err := f.c.CreateExtension(ctx, &sdk.CreateExtensionInput{Name: aws.String("gate"),
		Actions: map[string][]types.Action{"PRE_START_DEPLOYMENT": {{Name: aws.String("approve"), Uri: aws.String(fnARN("gate"))}}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.c.CreateExtensionAssociation(ctx, &sdk.CreateExtensionAssociationInput{ExtensionIdentifier: x.Id,
		ResourceIdentifier: aws.String("arn:aws:appconfig:us-east-1:000000000000:application/" + f.app)}); err != nil {
		t.Fatal(err)
	}
	_, err = f.deploy(free, "1", nil)
	apiErr(t, err, "BadRequestException", "Extension "+*x.Id+" has a PRE_START_DEPLOYMENT action (approve) that invokes "+fnARN("gate")+
		", but no Lambda endpoint is configured: start Stagecraft with --lambda-endpoint (STAGECRAFT_LAMBDA_ENDPOINT) to invoke Lambda functions.")
	if f.deploymentCount(t) != 0 {
		t.Fatal("a refused deployment was recorded")
	}

	// ON_* actions do not stop anything: they are recorded as failed.
	watch, err := f.c.CreateExtension(ctx, &sdk.CreateExtensionInput{Name: aws.String("watch"),
		Actions: map[string][]types.Action{"ON_DEPLOYMENT_START": {{Name: aws.String("started"), Uri: aws.String(fnARN("watch"))}}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.c.DeleteExtensionAssociation(ctx, &sdk.DeleteExtensionAssociationInput{ExtensionAssociationId: firstAssociation(t, f)}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.c.CreateExtensionAssociation(ctx, &sdk.CreateExtensionAssociationInput{ExtensionIdentifier: watch.Id,
		ResourceIdentifier: aws.String("arn:aws:appconfig:us-east-1:000000000000:application/" + f.app)}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.deploy(free, "1", nil); err != nil {
		t.Fatal(err)
	}
	n.tick(t)
	log := f.getDeployment(t, 1).EventLog
	inv := log[len(log)-1].ActionInvocations // DEPLOYMENT_STARTED
	if len(inv) != 1 || aws.ToString(inv[0].ErrorCode) != "LambdaNotConfigured" ||
		aws.ToString(inv[0].ErrorMessage) != "No Lambda endpoint is configured; start Stagecraft with --lambda-endpoint." {
		t.Fatalf("%+v", inv)
	}
}

func firstAssociation(t *testing.T, f *fixture) *string {
	t.Helper()
	l, err := f.c.ListExtensionAssociations(ctx, &sdk.ListExtensionAssociationsInput{})
	if err != nil || len(l.Items) == 0 {
		t.Fatalf("%v %+v", err, l)
	}
	return l.Items[0].Id
}

// A PRE_START_DEPLOYMENT action receives the configuration with the
// association's and the deployment's dynamic parameters; it may let the
// deployment go, replace the content, or refuse (error document or
// function error), in which case no deployment is created.
func TestPreStartDeploymentAction(t *testing.T) {
	n := startNode(t, true)
	f := n.fixture
	f.mkApp(t)
	f.env = f.mkEnv(t, "env")
	f.prof = f.mkProfile(t, "settings", "")
	f.mkVersion(t, f.prof, "mode=blue", "text/plain")
	n.fn.Register("gate", func(_ context.Context, payload []byte) ([]byte, error) {
		var ev struct{ Parameters map[string]string }
		json.Unmarshal(payload, &ev)
		switch ev.Parameters["ticket"] {
		case "T-rewrite":
			return []byte(`{"statusCode":200,"Content":"` + base64.StdEncoding.EncodeToString([]byte("mode=green")) + `","ContentType":"text/x-mode"}`), nil
		case "T-freeze":
			return []byte(`{"Error":"BadRequestError","Message":"Change freeze in effect","Details":[{"Type":"Freeze","Name":"ticket","Reason":"no changes on Fridays"}]}`), nil
		case "T-crash":
			return nil, &lambdatest.FunctionError{Type: "RuntimeError", Message: "boom"}
		case "T-garbled":
			return []byte(`{"Content":{"message":"oops"}}`), nil
		}
		return []byte(`{}`), nil
	})
	role := "arn:aws:iam::000000000000:role/appconfig-extensions"
	x, err := f.c.CreateExtension(ctx, &sdk.CreateExtensionInput{Name: aws.String("gate"),
		Parameters: map[string]types.Parameter{"ticket": {Dynamic: true}, "team": {Required: true}},
		Actions:    map[string][]types.Action{"PRE_START_DEPLOYMENT": {{Name: aws.String("approve"), Uri: aws.String(fnARN("gate")), RoleArn: &role}}}})
	if err != nil {
		t.Fatal(err)
	}
	envArn := "arn:aws:appconfig:us-east-1:000000000000:application/" + f.app + "/environment/" + f.env
	if _, err := f.c.CreateExtensionAssociation(ctx, &sdk.CreateExtensionAssociationInput{ExtensionIdentifier: x.Id, ResourceIdentifier: &envArn,
		Parameters: map[string]string{"team": "core"}}); err != nil {
		t.Fatal(err)
	}
	refusal := "Extension " + *x.Id + " refused the deployment: "
	for _, tc := range []struct {
		ticket                   string
		number                   int32 // 0: refused
		msg                      string
		details                  []types.InvalidConfigurationDetail
		wantContent, contentType string
	}{
		{ticket: "T-ok", number: 1, wantContent: "mode=blue", contentType: "text/plain"},
		{ticket: "T-freeze", msg: refusal + "Change freeze in effect", details: []types.InvalidConfigurationDetail{detail("Freeze", "ticket", "no changes on Fridays", "")}},
		{ticket: "T-crash", msg: refusal + "action approve (PRE_START_DEPLOYMENT) failed: boom",
			details: []types.InvalidConfigurationDetail{detail("LAMBDA", "", "boom", `{"errorMessage":"boom","errorType":"RuntimeError"}`)}},
		{ticket: "T-garbled", msg: "Extension " + *x.Id + " returned an invalid response: Content must be a base64-encoded string.",
			details: []types.InvalidConfigurationDetail{detail("LAMBDA", "", "Content must be a base64-encoded string.", `{"message":"oops"}`)}},
		{ticket: "T-rewrite", number: 2, wantContent: "mode=green", contentType: "text/x-mode"},
	} {
		t.Run(tc.ticket, func(t *testing.T) {
			before := len(n.fn.InvocationsOf("gate"))
			d, err := f.deploy(f.prof, "1", map[string]string{"gate#ticket": tc.ticket})
			invs := n.fn.InvocationsOf("gate")
			if len(invs) != before+1 {
				t.Fatalf("%d invocations, want 1", len(invs)-before)
			}
			ev := decodeJSON(t, invs[len(invs)-1].Payload)
			id, _ := ev["InvocationId"].(string)
			if !regexp.MustCompile(`^[a-z0-9]{7}$`).MatchString(id) {
				t.Fatalf("InvocationId %q", id)
			}
			want := map[string]any{"InvocationId": id, "Parameters": map[string]any{"team": "core", "ticket": tc.ticket},
				"Type": "PreStartDeployment", "Application": map[string]any{"Id": f.app}, "Environment": map[string]any{"Id": f.env},
				"ConfigurationProfile": map[string]any{"Id": f.prof, "Name": "settings"}, "DeploymentNumber": float64(f.deploymentCount(t) + 1),
				"Description": "d", "ConfigurationVersion": "1",
				"Content": base64.StdEncoding.EncodeToString([]byte("mode=blue")), "ContentType": "text/plain"}
			if tc.number != 0 {
				want["DeploymentNumber"] = float64(tc.number)
			}
			if !reflect.DeepEqual(ev, want) {
				t.Fatalf("event %v\nwant  %v", ev, want)
			}
			if tc.number == 0 {
				apiErr(t, err, "BadRequestException", tc.msg)
				sameDetails(t, lambdaDetails(t, err), tc.details)
				return
			}
			if err != nil || d.DeploymentNumber != tc.number {
				t.Fatalf("%v %+v", err, d)
			}
			wantInv := types.ActionInvocation{ExtensionIdentifier: x.Id, ActionName: aws.String("approve"), Uri: aws.String(fnARN("gate")),
				RoleArn: &role, InvocationId: &id}
			if len(d.EventLog) != 1 || len(d.EventLog[0].ActionInvocations) != 1 || !reflect.DeepEqual(d.EventLog[0].ActionInvocations[0], wantInv) {
				t.Fatalf("event log %+v", d.EventLog)
			}
			if g := f.getDeployment(t, tc.number); !reflect.DeepEqual(g.EventLog[len(g.EventLog)-1].ActionInvocations, []types.ActionInvocation{wantInv}) {
				t.Fatalf("GetDeployment event log %+v", g.EventLog)
			}
			snap := snapshot(t, n.st, f.app, f.env, tc.number)
			if string(snap.Served) != tc.wantContent || snap.ContentType != tc.contentType {
				t.Fatalf("deployed %q (%s), want %q (%s)", snap.Served, snap.ContentType, tc.wantContent, tc.contentType)
			}
			f.stop(t, tc.number)
		})
	}
	if c := f.deploymentCount(t); c != 2 {
		t.Fatalf("%d deployments, want the 2 accepted ones", c)
	}
}

// snapshot reads what a deployment captured (what the data plane serves).
func snapshot(t *testing.T, st store.Store, app, env string, n int32) *appconfig.ContentSnapshot {
	t.Helper()
	var snap *appconfig.ContentSnapshot
	if err := st.View(ctx, func(tx store.Tx) (err error) {
		snap, err = store.GetJSON[appconfig.ContentSnapshot](tx, appconfig.TableDeploymentContent,
			store.Key("000000000000", "us-east-1", app, env, fmt.Sprintf("%010d", n)))
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return snap
}
