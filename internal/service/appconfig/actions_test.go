package appconfig_test

import (
	"context"
	"encoding/json"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	sdk "github.com/aws/aws-sdk-go-v2/service/appconfig"
	"github.com/aws/aws-sdk-go-v2/service/appconfig/types"

	api "github.com/stagecraft/stagecraft/internal/api/appconfig"
	"github.com/stagecraft/stagecraft/internal/clock"
	"github.com/stagecraft/stagecraft/internal/lambda"
	"github.com/stagecraft/stagecraft/internal/lambdatest"
	"github.com/stagecraft/stagecraft/internal/service/appconfig"
)

// types of the events a function received, in order.
func eventTypes(t *testing.T, invs []lambdatest.Invocation) []string {
	t.Helper()
	var out []string
	for _, inv := range invs {
		var ev struct{ Type string }
		inv.Decode(t, &ev)
		out = append(out, ev.Type)
	}
	return out
}

// invoked lists "EVENT_TYPE:extension-action[:error code]" for every action
// invocation in a deployment's event log, oldest event first.
func invoked(d *sdk.GetDeploymentOutput, names map[string]string) []string {
	var out []string
	for i := len(d.EventLog) - 1; i >= 0; i-- {
		e := d.EventLog[i]
		for _, a := range e.ActionInvocations {
			s := string(e.EventType) + ":" + names[aws.ToString(a.ExtensionIdentifier)] + "-" + aws.ToString(a.ActionName)
			if a.ErrorCode != nil {
				s += ":" + *a.ErrorCode
			}
			out = append(out, s)
		}
	}
	return out
}

// The rollout driver invokes the ON_DEPLOYMENT_* Lambda actions of the
// applied extensions as the matching events happen, records each
// invocation under its event, and ignores their errors.
func TestOnDeploymentActions(t *testing.T) {
	n := startNode(t, true)
	f := n.fixture
	f.mkApp(t)
	f.env = f.mkEnv(t, "env")
	f.prof = f.mkProfile(t, "settings", "")
	f.mkVersion(t, f.prof, "x", "text/plain")
	n.fn.Register("notify", func(context.Context, []byte) ([]byte, error) { return []byte(`{}`), nil })
	n.fn.Register("flaky", func(context.Context, []byte) ([]byte, error) {
		return nil, &lambdatest.FunctionError{Type: "RuntimeError", Message: "pager down"}
	})
	notify, err := f.c.CreateExtension(ctx, &sdk.CreateExtensionInput{Name: aws.String("notify"),
		Parameters: map[string]types.Parameter{"channel": {Required: true}, "ticket": {Dynamic: true}},
		Actions: map[string][]types.Action{
			"ON_DEPLOYMENT_START":       {{Name: aws.String("start"), Uri: aws.String(fnARN("notify"))}},
			"ON_DEPLOYMENT_STEP":        {{Name: aws.String("step"), Uri: aws.String(fnARN("notify"))}},
			"ON_DEPLOYMENT_BAKING":      {{Name: aws.String("baking"), Uri: aws.String(fnARN("notify"))}},
			"ON_DEPLOYMENT_COMPLETE":    {{Name: aws.String("complete"), Uri: aws.String(fnARN("notify"))}},
			"ON_DEPLOYMENT_ROLLED_BACK": {{Name: aws.String("rolledback"), Uri: aws.String(fnARN("notify"))}},
		}})
	if err != nil {
		t.Fatal(err)
	}
	flaky, err := f.c.CreateExtension(ctx, &sdk.CreateExtensionInput{Name: aws.String("flaky"),
		Actions: map[string][]types.Action{
			"ON_DEPLOYMENT_STEP": {{Name: aws.String("page"), Uri: aws.String(fnARN("flaky"))}},
			// Not a Lambda function: stored, not invoked.
			"ON_DEPLOYMENT_COMPLETE": {{Name: aws.String("queue"), Uri: aws.String("arn:aws:sqs:us-east-1:000000000000:deployments")}},
		}})
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]string{*notify.Id: "notify", *flaky.Id: "flaky"}
	base := "arn:aws:appconfig:us-east-1:000000000000:application/" + f.app
	for _, a := range []sdk.CreateExtensionAssociationInput{
		{ExtensionIdentifier: notify.Id, ResourceIdentifier: &base, Parameters: map[string]string{"channel": "#deploys"}},
		{ExtensionIdentifier: flaky.Id, ResourceIdentifier: aws.String(base + "/configurationprofile/" + f.prof)},
	} {
		if _, err := f.c.CreateExtensionAssociation(ctx, &a); err != nil {
			t.Fatal(err)
		}
	}

	// Linear50PercentEvery30Seconds: 50 % at 30 s, 100 % and bake at 60 s,
	// complete at 120 s.
	if _, err := f.c.StartDeployment(ctx, &sdk.StartDeploymentInput{ApplicationId: &f.app, EnvironmentId: &f.env, ConfigurationProfileId: &f.prof,
		ConfigurationVersion: aws.String("1"), DeploymentStrategyId: aws.String("AppConfig.Linear50PercentEvery30Seconds"),
		DynamicExtensionParameters: map[string]string{"notify#ticket": "T-7"}}); err != nil {
		t.Fatal(err)
	}
	if len(n.fn.InvocationsOf("notify")) != 0 {
		t.Fatal("ON_* actions ran inside StartDeployment")
	}
	steps := []struct {
		advance time.Duration
		notify  []string
		flaky   int
	}{
		{0, []string{"OnDeploymentStart"}, 0},
		{30 * time.Second, []string{"OnDeploymentStart", "OnDeploymentStep"}, 1},
		{15 * time.Second, []string{"OnDeploymentStart", "OnDeploymentStep"}, 1},
		{15 * time.Second, []string{"OnDeploymentStart", "OnDeploymentStep", "OnDeploymentStep", "OnDeploymentBaking"}, 2},
		{60 * time.Second, []string{"OnDeploymentStart", "OnDeploymentStep", "OnDeploymentStep", "OnDeploymentBaking", "OnDeploymentComplete"}, 2},
		{60 * time.Second, []string{"OnDeploymentStart", "OnDeploymentStep", "OnDeploymentStep", "OnDeploymentBaking", "OnDeploymentComplete"}, 2},
	}
	for i, s := range steps {
		n.advance(t, s.advance)
		if got := eventTypes(t, n.fn.InvocationsOf("notify")); !slices.Equal(got, s.notify) {
			t.Fatalf("step %d: notify got %v, want %v", i, got, s.notify)
		}
		if got := len(n.fn.InvocationsOf("flaky")); got != s.flaky {
			t.Fatalf("step %d: flaky invoked %d times, want %d", i, got, s.flaky)
		}
	}
	// The event each action receives (no content for ON_* actions).
	first := n.fn.InvocationsOf("notify")[0]
	ev := decodeJSON(t, first.Payload)
	want := map[string]any{"InvocationId": ev["InvocationId"], "Parameters": map[string]any{"channel": "#deploys", "ticket": "T-7"},
		"Type": "OnDeploymentStart", "Application": map[string]any{"Id": f.app}, "Environment": map[string]any{"Id": f.env},
		"ConfigurationProfile": map[string]any{"Id": f.prof, "Name": "settings"}, "DeploymentNumber": 1.0, "ConfigurationVersion": "1"}
	if !reflect.DeepEqual(ev, want) {
		t.Fatalf("event %v\nwant  %v", ev, want)
	}
	// The event log says which actions ran for which event; the failed
	// page did not stop the deployment.
	d := f.getDeployment(t, 1)
	if d.State != types.DeploymentStateComplete {
		t.Fatal(d.State)
	}
	wantLog := []string{"DEPLOYMENT_STARTED:notify-start", "PERCENTAGE_UPDATED:notify-step", "PERCENTAGE_UPDATED:flaky-page:RuntimeError",
		"PERCENTAGE_UPDATED:notify-step", "PERCENTAGE_UPDATED:flaky-page:RuntimeError", "BAKE_TIME_STARTED:notify-baking", "DEPLOYMENT_COMPLETED:notify-complete"}
	if got := invoked(d, names); !slices.Equal(got, wantLog) {
		t.Fatalf("event log invocations %v\nwant %v", got, wantLog)
	}
	for _, e := range d.EventLog {
		for _, a := range e.ActionInvocations {
			if a.ErrorCode != nil && aws.ToString(a.ErrorMessage) != "pager down" {
				t.Fatalf("%+v", a)
			}
			if aws.ToString(a.Uri) == "" || len(aws.ToString(a.InvocationId)) != 7 {
				t.Fatalf("%+v", a)
			}
		}
	}

	// A stopped deployment: start, then rolled back.
	n.fn.Reset()
	if _, err := f.c.StartDeployment(ctx, &sdk.StartDeploymentInput{ApplicationId: &f.app, EnvironmentId: &f.env, ConfigurationProfileId: &f.prof,
		ConfigurationVersion: aws.String("1"), DeploymentStrategyId: aws.String("AppConfig.Linear50PercentEvery30Seconds")}); err != nil {
		t.Fatal(err)
	}
	f.stop(t, 2)
	n.tick(t)
	if got := eventTypes(t, n.fn.InvocationsOf("notify")); !slices.Equal(got, []string{"OnDeploymentStart", "OnDeploymentRolledBack"}) {
		t.Fatal(got)
	}
	if got := invoked(f.getDeployment(t, 2), names); !slices.Equal(got, []string{"DEPLOYMENT_STARTED:notify-start", "ROLLBACK_COMPLETED:notify-rolledback"}) {
		t.Fatal(got)
	}
	n.advance(t, time.Hour)
	if got := len(n.fn.Invocations()); got != 2 {
		t.Fatalf("%d invocations after the deployment finished", got)
	}
}

// Deliveries are tracked in the store: a node that takes over a
// deployment (after the first one stopped) continues with the events the
// first did not deliver and invokes nothing twice.
func TestActionDeliverySurvivesNodeChange(t *testing.T) {
	st, clk := openStore(t), clock.NewFake(t0)
	fn := lambdatest.Start(t, lambdatest.WithRegion("eu-west-1", "111122223333"))
	fn.Register("notify", func(context.Context, []byte) ([]byte, error) { return []byte(`null`), nil })
	lc, err := lambda.New(lambda.Config{Endpoint: fn.URL})
	if err != nil {
		t.Fatal(err)
	}
	a := appconfig.NewWithOptions(st, clk, appconfig.Options{NoDriver: true, Node: "a", Lambda: lc, Log: quiet})
	b := appconfig.NewWithOptions(st, clk, appconfig.Options{NoDriver: true, Node: "b", Lambda: lc, Log: quiet})
	d := setupDirect(t, a)
	uri := "arn:aws:lambda:eu-west-1:111122223333:function:notify"
	x, err := a.CreateExtension(scoped, &api.CreateExtensionRequest{Name: ptr("notify"), Actions: map[string][]api.Action{
		"ON_DEPLOYMENT_START": {{Name: ptr("s"), Uri: &uri}}, "ON_DEPLOYMENT_STEP": {{Name: ptr("p"), Uri: &uri}},
		"ON_DEPLOYMENT_BAKING": {{Name: ptr("b"), Uri: &uri}}, "ON_DEPLOYMENT_COMPLETE": {{Name: ptr("c"), Uri: &uri}}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.CreateExtensionAssociation(scoped, &api.CreateExtensionAssociationRequest{ExtensionIdentifier: x.Id,
		ResourceIdentifier: ptr("arn:aws:appconfig:eu-west-1:111122223333:application/" + d.app)}); err != nil {
		t.Fatal(err)
	}
	d.start(t, b, "AppConfig.Linear50PercentEvery30Seconds")
	if err := a.DriveOnce(scoped); err != nil { // node a delivers the start
		t.Fatal(err)
	}
	clk.Advance(30 * time.Second)
	if err := a.DriveOnce(scoped); err != nil { // the first step
		t.Fatal(err)
	}
	if err := b.DriveOnce(scoped); err != nil { // a holds the lease: b does nothing
		t.Fatal(err)
	}
	if got := eventTypes(t, fn.InvocationsOf("notify")); !slices.Equal(got, []string{"OnDeploymentStart", "OnDeploymentStep"}) {
		t.Fatal(got)
	}
	// a stops; once its lease has expired b delivers everything else, once.
	clk.Advance(5 * time.Minute)
	for range 3 {
		if err := b.DriveOnce(scoped); err != nil {
			t.Fatal(err)
		}
	}
	want := []string{"OnDeploymentStart", "OnDeploymentStep", "OnDeploymentStep", "OnDeploymentBaking", "OnDeploymentComplete"}
	if got := eventTypes(t, fn.InvocationsOf("notify")); !slices.Equal(got, want) {
		t.Fatalf("%v\nwant %v", got, want)
	}
	var ids []string
	for _, inv := range fn.InvocationsOf("notify") {
		var ev struct{ InvocationId string }
		if err := json.Unmarshal(inv.Payload, &ev); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, ev.InvocationId)
	}
	g, err := a.GetDeployment(scoped, &api.GetDeploymentRequest{ApplicationId: d.app, EnvironmentId: d.env, DeploymentNumber: 1})
	if err != nil {
		t.Fatal(err)
	}
	var logged []string
	for i := len(g.EventLog) - 1; i >= 0; i-- {
		for _, inv := range g.EventLog[i].ActionInvocations {
			logged = append(logged, *inv.InvocationId)
		}
	}
	if !slices.Equal(logged, ids) {
		t.Fatalf("logged invocations %v, made %v", logged, ids)
	}
}
