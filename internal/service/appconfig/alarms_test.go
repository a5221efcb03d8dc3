package appconfig_test

import (
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	sdk "github.com/aws/aws-sdk-go-v2/service/appconfig"
	"github.com/aws/aws-sdk-go-v2/service/appconfig/types"

	"github.com/stagecraft/stagecraft/internal/testenv"
)

// Alarm rollback end to end: the environment's monitor is a CloudWatch
// alarm created with boto3; a deployment is started with the Go SDK; a
// real client (boto3, or AWS CLI v2 over the query protocol) sets the
// alarm's state while the deployment is DEPLOYING or BAKING; on the
// driver's next pass the deployment is rolled back, with AWS's events
// naming the alarm, and the environment is RolledBack. An alarm that is
// OK lets the deployment complete.
func TestAlarmRollbackEndToEnd(t *testing.T) {
	const strategy = "AppConfig.Linear50PercentEvery30Seconds" // 50 % at 30 s, 100 % and bake at 60 s, complete at 120 s
	for _, tc := range []struct {
		name    string
		client  string        // what sets the alarm state: "boto3" or "cli2"
		state   string        // the state set
		at      time.Duration // when (the driver passes every 5 s until then)
		wantPct float32
		want    types.DeploymentState
	}{
		{"deploying/boto3", "boto3", "ALARM", 35 * time.Second, 50, types.DeploymentStateRolledBack},
		{"baking/boto3", "boto3", "ALARM", 80 * time.Second, 100, types.DeploymentStateRolledBack},
		{"deploying/cli2", "cli2", "ALARM", 35 * time.Second, 50, types.DeploymentStateRolledBack},
		{"baking/cli2", "cli2", "ALARM", 95 * time.Second, 100, types.DeploymentStateRolledBack},
		{"ok/boto3", "boto3", "OK", 35 * time.Second, 100, types.DeploymentStateComplete},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n := startNode(t, false)
			f := n.fixture
			if tc.client == "cli2" {
				testenv.CLIv2(t) // skips, visibly, without it
			}
			alarmArn := strings.TrimSpace(f.e.Python(t, `
import boto3, os
cw = boto3.client("cloudwatch", endpoint_url=os.environ["STAGECRAFT_URL"])
cw.put_metric_alarm(AlarmName="checkout-errors", MetricName="Errors", Namespace="Checkout", Statistic="Sum",
    Period=60, EvaluationPeriods=1, Threshold=1.0, ComparisonOperator="GreaterThanOrEqualToThreshold")
print(cw.describe_alarms(AlarmNames=["checkout-errors"])["MetricAlarms"][0]["AlarmArn"])
`))
			if alarmArn != "arn:aws:cloudwatch:us-east-1:000000000000:alarm:checkout-errors" {
				t.Fatalf("alarm ARN %q", alarmArn)
			}
			f.mkApp(t)
			e, err := f.c.CreateEnvironment(ctx, &sdk.CreateEnvironmentInput{ApplicationId: &f.app, Name: aws.String("prod"),
				Monitors: []types.Monitor{{AlarmArn: &alarmArn, AlarmRoleArn: aws.String("arn:aws:iam::000000000000:role/appconfig-alarms")}}})
			if err != nil {
				t.Fatal(err)
			}
			f.env = *e.Id
			f.prof = f.mkProfile(t, "settings", "")
			f.mkVersion(t, f.prof, "x", "text/plain")
			f.startDeployment(t, strategy, "1")
			for elapsed := time.Duration(0); elapsed < tc.at; elapsed += 5 * time.Second {
				n.advance(t, 5*time.Second)
				if d := f.getDeployment(t, 1); d.State != types.DeploymentStateDeploying && d.State != types.DeploymentStateBaking {
					t.Fatalf("at %v before any alarm: %s", elapsed, d.State)
				}
			}
			inProgress := f.getDeployment(t, 1).State
			switch tc.client {
			case "boto3":
				f.e.Python(t, `
import boto3, os
cw = boto3.client("cloudwatch", endpoint_url=os.environ["STAGECRAFT_URL"])
cw.set_alarm_state(AlarmName="checkout-errors", StateValue="`+tc.state+`", StateReason="errors above threshold")
`)
			case "cli2":
				if _, stderr, code := f.e.CLI2(t, "cloudwatch", "set-alarm-state", "--alarm-name", "checkout-errors",
					"--state-value", tc.state, "--state-reason", "errors above threshold"); code != 0 {
					t.Fatalf("aws cloudwatch set-alarm-state: exit %d\n%s", code, stderr)
				}
			}
			// Reads do not evaluate alarms; the driver's pass does.
			if d := f.getDeployment(t, 1); d.State != inProgress {
				t.Fatalf("state changed before the driver ran: %s", d.State)
			}
			n.tick(t)
			if tc.want == types.DeploymentStateComplete {
				n.advance(t, 120*time.Second-tc.at)
				d := f.getDeployment(t, 1)
				if d.State != types.DeploymentStateComplete || aws.ToFloat32(d.PercentageComplete) != 100 || f.envState(t) != types.EnvironmentStateReadyForDeployment {
					t.Fatalf("%s %v %s", d.State, aws.ToFloat32(d.PercentageComplete), f.envState(t))
				}
				return
			}
			d := f.getDeployment(t, 1)
			at := t0.Add(tc.at)
			if d.State != tc.want || aws.ToFloat32(d.PercentageComplete) != tc.wantPct || !aws.ToTime(d.CompletedAt).Equal(at) {
				t.Fatalf("%s %v %v", d.State, aws.ToFloat32(d.PercentageComplete), d.CompletedAt)
			}
			wantEvents := []types.DeploymentEvent{
				{EventType: types.DeploymentEventTypeRollbackCompleted, TriggeredBy: types.TriggeredByAppconfig, Description: aws.String("Rollback completed"), OccurredAt: &at},
				{EventType: types.DeploymentEventTypeRollbackStarted, TriggeredBy: types.TriggeredByCloudwatchAlarm,
					Description: aws.String("Rollback initiated by CloudWatch alarm " + alarmArn), OccurredAt: &at},
			}
			for i, w := range wantEvents {
				g := d.EventLog[i]
				if g.EventType != w.EventType || g.TriggeredBy != w.TriggeredBy || aws.ToString(g.Description) != *w.Description || !aws.ToTime(g.OccurredAt).Equal(at) {
					t.Fatalf("event %d: %s %s %q %v", i, g.EventType, g.TriggeredBy, aws.ToString(g.Description), g.OccurredAt)
				}
			}
			// What happened before the rollback stays in the log.
			prev := d.EventLog[2].EventType
			if (inProgress == types.DeploymentStateBaking) != (prev == types.DeploymentEventTypeBakeTimeStarted) {
				t.Fatalf("rolled back from %s, previous event %s", inProgress, prev)
			}
			if s := f.envState(t); s != types.EnvironmentStateRolledBack {
				t.Fatal(s)
			}
			// Nothing more happens to it.
			n.advance(t, time.Hour)
			if again := f.getDeployment(t, 1); again.State != tc.want || len(again.EventLog) != len(d.EventLog) {
				t.Fatalf("%s, %d events", again.State, len(again.EventLog))
			}
		})
	}
}
