package cloudwatch_test

import (
	"strings"
	"testing"

	"github.com/stagecraft/stagecraft/internal/rollout"
	"github.com/stagecraft/stagecraft/internal/service/cloudwatch"
	"github.com/stagecraft/stagecraft/internal/testenv"
)

// AlarmState and MonitorChecker read what the API wrote, in the ARN's
// account and region.
func TestAlarmStateForAppConfig(t *testing.T) {
	env, _ := start(t)
	st := env.Node.Store
	def := client{t: t, url: env.URL, proto: "cbor"}
	other := client{t: t, url: env.URL, proto: "cbor", key: "444455556666", region: "us-west-2"}
	def.do("PutMetricAlarm", alarm("guard")).ok(t)
	def.do("PutMetricAlarm", alarm("name:with:colons")).ok(t)
	other.do("PutMetricAlarm", alarm("guard")).ok(t)
	other.do("SetAlarmState", map[string]any{"AlarmName": "guard", "StateValue": "ALARM", "StateReason": "r"}).ok(t)

	guard := "arn:aws:cloudwatch:us-east-1:000000000000:alarm:guard"
	otherGuard := "arn:aws:cloudwatch:us-west-2:444455556666:alarm:guard"
	for _, tc := range []struct {
		arn   string
		state string
		found bool
	}{
		{guard, "INSUFFICIENT_DATA", true},
		{otherGuard, "ALARM", true}, // another account's alarm, as its ARN says
		{"arn:aws:cloudwatch:us-east-1:000000000000:alarm:name:with:colons", "INSUFFICIENT_DATA", true},
		{"guard", "INSUFFICIENT_DATA", true},                                 // a bare name: the caller's scope
		{"arn:aws:cloudwatch:::alarm:guard", "INSUFFICIENT_DATA", true},      // empty fields: the caller's scope
		{"arn:aws:cloudwatch:eu-west-1:000000000000:alarm:guard", "", false}, // no such alarm there
		{"arn:aws:cloudwatch:us-east-1:000000000000:alarm:nope", "", false},
		{"arn:aws:sns:us-east-1:000000000000:guard", "", false},
		{"arn:aws:cloudwatch:us-east-1:000000000000:dashboard/guard", "", false},
		{"", "", false},
	} {
		state, found, err := cloudwatch.AlarmState(ctx, st, "000000000000", "us-east-1", tc.arn)
		if err != nil || state != tc.state || found != tc.found {
			t.Errorf("AlarmState(%q) = %q, %v, %v; want %q, %v", tc.arn, state, found, err, tc.state, tc.found)
		}
	}

	check := cloudwatch.MonitorChecker(st)
	scope := rollout.MonitorScope{Account: "000000000000", Region: "us-east-1", AlarmArns: []string{"arn:aws:cloudwatch:us-east-1:000000000000:alarm:gone", guard}}
	if got, err := check(ctx, scope); err != nil || got != "" {
		t.Fatalf("no alarm firing: %q %v", got, err)
	}
	def.do("SetAlarmState", map[string]any{"AlarmName": "guard", "StateValue": "ALARM", "StateReason": "r"}).ok(t)
	if got, err := check(ctx, scope); err != nil || got != guard {
		t.Fatalf("firing: %q %v", got, err)
	}
	def.do("SetAlarmState", map[string]any{"AlarmName": "guard", "StateValue": "OK", "StateReason": "r"}).ok(t)
	if got, _ := check(ctx, scope); got != "" {
		t.Fatalf("back to OK: %q", got)
	}
	scope.AlarmArns = append(scope.AlarmArns, otherGuard)
	if got, _ := check(ctx, scope); got != otherGuard {
		t.Fatalf("other account's alarm: %q", got)
	}
}

// Alarms and their states survive a crash (SIGKILL) of the real binary:
// every write is durable when the request answers.
func TestAlarmsAreDurable(t *testing.T) {
	dir := t.TempDir()
	env := testenv.StartBinary(t, dir)
	c := client{t: t, url: env.URL, proto: "json"}
	c.do("PutMetricAlarm", alarm("kept")).ok(t)
	c.do("SetAlarmState", map[string]any{"AlarmName": "kept", "StateValue": "ALARM", "StateReason": "before the crash"}).ok(t)
	env.Kill()
	env2 := testenv.StartBinary(t, dir)
	c = client{t: t, url: env2.URL, proto: "query"}
	r := c.do("DescribeAlarms", map[string]any{"StateValue": "ALARM"}).ok(t)
	for _, frag := range []string{"<AlarmName>kept</AlarmName>", "<StateReason>before the crash</StateReason>"} {
		if !strings.Contains(string(r.raw), frag) {
			t.Fatalf("after restart, missing %s in %s", frag, r.raw)
		}
	}
}
