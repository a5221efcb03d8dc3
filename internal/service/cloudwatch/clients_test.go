package cloudwatch_test

import (
	"encoding/json"
	"os/exec"
	"reflect"
	"strings"
	"testing"

	"github.com/stagecraft/stagecraft/internal/testenv"
)

// The AWS clients installed here pick CloudWatch protocols as follows
// (checked, not assumed): botocore 1.43 (boto3, AWS CLI v1) lists
// ["smithy-rpc-v2-cbor", "json", "query"] in the model but prefers "json"
// (AWS JSON 1.0) by its own priority order; Debian's AWS CLI v2 (botocore
// of 2023) speaks "query"; aws-sdk-go-v2 service/cloudwatch ≥ v1.53.0
// speaks RPC v2 CBOR. To drive botocore over CBOR as well, cborModel
// writes a copy of its model that lists only smithy-rpc-v2-cbor, for
// AWS_DATA_PATH.
func cborModel(t *testing.T) string {
	t.Helper()
	testenv.RequireBoto3(t)
	dir := t.TempDir()
	script := `
import botocore, gzip, json, os, sys
src = os.path.join(os.path.dirname(botocore.__file__), "data", "cloudwatch", "2010-08-01", "service-2.json")
m = json.load(gzip.open(src + ".gz") if os.path.exists(src + ".gz") else open(src))
m["metadata"]["protocols"] = ["smithy-rpc-v2-cbor"]
m["metadata"]["protocol"] = "smithy-rpc-v2-cbor"
out = os.path.join(sys.argv[1], "cloudwatch", "2010-08-01")
os.makedirs(out)
json.dump(m, open(os.path.join(out, "service-2.json"), "w"))
`
	if out, err := exec.Command("python3", "-c", script, dir).CombinedOutput(); err != nil {
		t.Fatalf("write CBOR-only model: %v\n%s", err, out)
	}
	return dir
}

const boto3Flow = `
import boto3, datetime, json, os
c = boto3.client("cloudwatch", endpoint_url=os.environ["STAGECRAFT_URL"])
out = {"protocol": c.meta.service_model.resolved_protocol}
c.put_metric_alarm(AlarmName="appconfig-guard", AlarmDescription="5xx on pets", MetricName="5XXError",
    Namespace="AWS/ApiGateway", Statistic="Sum", Period=60, EvaluationPeriods=1, Threshold=1.0,
    ComparisonOperator="GreaterThanOrEqualToThreshold", Dimensions=[{"Name": "ApiName", "Value": "pets"}],
    AlarmActions=["arn:aws:sns:us-east-1:000000000000:ops"], TreatMissingData="notBreaching",
    Tags=[{"Key": "team", "Value": "web"}])
out["created"] = c.describe_alarms(AlarmNames=["appconfig-guard"])["MetricAlarms"]
c.set_alarm_state(AlarmName="appconfig-guard", StateValue="ALARM",
    StateReason="Threshold Crossed: manual test", StateReasonData='{"version":"1.0"}')
out["alarming"] = c.describe_alarms(StateValue="ALARM")["MetricAlarms"]
try:
    c.set_alarm_state(AlarmName="missing", StateValue="OK", StateReason="x")
    out["missing"] = "no error"
except c.exceptions.ResourceNotFound as e:
    out["missing"] = [e.response["Error"]["Code"], e.response["Error"]["Message"], e.response["ResponseMetadata"]["HTTPStatusCode"]]
for n in ["p1", "p2", "p3"]:
    c.put_metric_alarm(AlarmName=n, MetricName="m", Namespace="ns", Statistic="Maximum", Period=60,
        EvaluationPeriods=1, Threshold=0.5, ComparisonOperator="LessThanThreshold")
pages = c.get_paginator("describe_alarms").paginate(AlarmNamePrefix="p", PaginationConfig={"PageSize": 2})
out["pages"] = [[a["AlarmName"] for a in p["MetricAlarms"]] for p in pages]
c.delete_alarms(AlarmNames=["appconfig-guard", "p1", "p2", "p3", "never-was"])
out["after"] = c.describe_alarms()
del out["after"]["ResponseMetadata"]
print(json.dumps(out, default=lambda o: o.astimezone(datetime.timezone.utc).isoformat()))
`

func TestBoto3(t *testing.T) {
	for _, tc := range []struct{ name, protocol string }{
		{"default protocol", "json"},
		{"rpc-v2-cbor", "smithy-rpc-v2-cbor"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			testenv.RequireBoto3(t)
			if tc.protocol == "smithy-rpc-v2-cbor" {
				t.Setenv("AWS_DATA_PATH", cborModel(t))
			}
			env, _ := start(t)
			var out struct {
				Protocol string
				Created  []map[string]any
				Alarming []map[string]any
				Missing  []any
				Pages    [][]string
				After    map[string]any
			}
			if err := json.Unmarshal([]byte(env.Python(t, boto3Flow)), &out); err != nil {
				t.Fatal(err)
			}
			if out.Protocol != tc.protocol {
				t.Fatalf("boto3 spoke %s, want %s", out.Protocol, tc.protocol)
			}
			ts := "2025-06-07T08:09:10.123000+00:00"
			want := map[string]any{
				"AlarmName": "appconfig-guard", "AlarmArn": "arn:aws:cloudwatch:us-east-1:000000000000:alarm:appconfig-guard",
				"AlarmDescription": "5xx on pets", "AlarmConfigurationUpdatedTimestamp": ts, "ActionsEnabled": true,
				"OKActions": []any{}, "AlarmActions": []any{"arn:aws:sns:us-east-1:000000000000:ops"}, "InsufficientDataActions": []any{},
				"StateValue": "INSUFFICIENT_DATA", "StateReason": "Unchecked: Initial alarm creation", "StateUpdatedTimestamp": ts,
				"MetricName": "5XXError", "Namespace": "AWS/ApiGateway", "Statistic": "Sum",
				"Dimensions": []any{map[string]any{"Name": "ApiName", "Value": "pets"}}, "Period": 60.0, "EvaluationPeriods": 1.0,
				"Threshold": 1.0, "ComparisonOperator": "GreaterThanOrEqualToThreshold", "TreatMissingData": "notBreaching",
				"StateTransitionedTimestamp": ts,
			}
			if len(out.Created) != 1 || !reflect.DeepEqual(out.Created[0], want) {
				t.Fatalf("created:\n got %v\nwant %v", out.Created, want)
			}
			if len(out.Alarming) != 1 || out.Alarming[0]["StateValue"] != "ALARM" ||
				out.Alarming[0]["StateReason"] != "Threshold Crossed: manual test" || out.Alarming[0]["StateReasonData"] != `{"version":"1.0"}` {
				t.Fatalf("alarming: %v", out.Alarming)
			}
			if !reflect.DeepEqual(out.Missing, []any{"ResourceNotFound", "Alarm missing does not exist", 404.0}) {
				t.Fatalf("missing alarm: %v", out.Missing)
			}
			if !reflect.DeepEqual(out.Pages, [][]string{{"p1", "p2"}, {"p3"}}) {
				t.Fatalf("pages: %v", out.Pages)
			}
			if !reflect.DeepEqual(out.After, map[string]any{"MetricAlarms": []any{}, "CompositeAlarms": []any{}}) {
				t.Fatalf("after delete: %v", out.After)
			}
		})
	}
}

// cliFlow runs put → describe → set-alarm-state ALARM → describe → delete
// with one AWS CLI and checks what it prints.
func cliFlow(t *testing.T, run func(args ...string) (string, string, int)) {
	t.Helper()
	must := func(args ...string) map[string]any {
		t.Helper()
		so, se, code := run(args...)
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
	must("cloudwatch", "put-metric-alarm", "--alarm-name", "cli-alarm", "--metric-name", "Latency",
		"--namespace", "AWS/ApiGateway", "--statistic", "Average", "--period", "60", "--evaluation-periods", "3",
		"--datapoints-to-alarm", "2", "--threshold", "250", "--comparison-operator", "GreaterThanThreshold",
		"--dimensions", "Name=ApiName,Value=pets", "Name=Stage,Value=prod",
		"--alarm-actions", "arn:aws:sns:us-east-1:000000000000:ops", "--unit", "Milliseconds")
	d := must("cloudwatch", "describe-alarms", "--alarm-names", "cli-alarm")
	alarms, _ := d["MetricAlarms"].([]any)
	if len(alarms) != 1 {
		t.Fatalf("describe-alarms: %v", d)
	}
	a := alarms[0].(map[string]any)
	if a["AlarmArn"] != "arn:aws:cloudwatch:us-east-1:000000000000:alarm:cli-alarm" || a["StateValue"] != "INSUFFICIENT_DATA" ||
		a["Threshold"] != 250.0 || a["DatapointsToAlarm"] != 2.0 || a["Unit"] != "Milliseconds" ||
		// CLI v2 prints ISO 8601; CLI v1 prints timestamps as they came
		// over the wire (epoch seconds over JSON/CBOR).
		(a["StateUpdatedTimestamp"] != "2025-06-07T08:09:10.123000+00:00" && a["StateUpdatedTimestamp"] != 1749283750.123) ||
		!reflect.DeepEqual(a["Dimensions"], []any{map[string]any{"Name": "ApiName", "Value": "pets"}, map[string]any{"Name": "Stage", "Value": "prod"}}) ||
		!reflect.DeepEqual(a["OKActions"], []any{}) || !reflect.DeepEqual(d["CompositeAlarms"], []any{}) {
		t.Fatalf("alarm: %v", d)
	}
	must("cloudwatch", "set-alarm-state", "--alarm-name", "cli-alarm", "--state-value", "ALARM", "--state-reason", "testing rollback")
	d = must("cloudwatch", "describe-alarms", "--state-value", "ALARM")
	alarms, _ = d["MetricAlarms"].([]any)
	if len(alarms) != 1 || alarms[0].(map[string]any)["StateReason"] != "testing rollback" {
		t.Fatalf("ALARM alarms: %v", d)
	}
	_, se, code := run("cloudwatch", "set-alarm-state", "--alarm-name", "nope", "--state-value", "OK", "--state-reason", "x")
	// (AWS_MAX_ATTEMPTS=1 makes CLI v2 add "(reached max retries: 0)".)
	if code == 0 || !strings.Contains(se, "An error occurred (ResourceNotFound) when calling the SetAlarmState operation") ||
		!strings.Contains(se, ": Alarm nope does not exist") {
		t.Fatalf("set-alarm-state on a missing alarm: %d %s", code, se)
	}
	_, se, code = run("cloudwatch", "put-metric-alarm", "--alarm-name", "bad", "--metric-name", "m", "--namespace", "n",
		"--statistic", "Sum", "--period", "45", "--evaluation-periods", "1", "--threshold", "1", "--comparison-operator", "LessThanThreshold")
	if code == 0 || !strings.Contains(se, "An error occurred (InvalidParameterValue) when calling the PutMetricAlarm operation") ||
		!strings.Contains(se, ": The parameter Period must be 10, 20, 30 or a multiple of 60.") {
		t.Fatalf("invalid period: %d %s", code, se)
	}
	must("cloudwatch", "delete-alarms", "--alarm-names", "cli-alarm")
	d = must("cloudwatch", "describe-alarms")
	if !reflect.DeepEqual(d["MetricAlarms"], []any{}) {
		t.Fatalf("after delete: %v", d)
	}
}

func TestCLIv1(t *testing.T) {
	for _, proto := range []string{"json", "rpc-v2-cbor"} {
		t.Run(proto, func(t *testing.T) {
			testenv.RequireCLIv1(t)
			wantCT := "application/x-amz-json-1.0"
			if proto == "rpc-v2-cbor" {
				t.Setenv("AWS_DATA_PATH", cborModel(t))
				wantCT = "application/cbor"
			}
			env, _ := start(t)
			cliFlow(t, func(args ...string) (string, string, int) { return env.CLI(t, args...) })
			// The CLI really spoke that protocol.
			_, se, code := env.CLI(t, "cloudwatch", "describe-alarms", "--debug")
			if code != 0 || !strings.Contains(se, "'Content-Type': '"+wantCT+"'") && !strings.Contains(se, "'Content-Type': b'"+wantCT+"'") {
				t.Fatalf("describe-alarms --debug did not show Content-Type %s (exit %d):\n%s", wantCT, code, tail(se))
			}
		})
	}
}

func TestCLIv2(t *testing.T) {
	testenv.CLIv2(t)
	env, _ := start(t)
	cliFlow(t, func(args ...string) (string, string, int) { return env.CLI2(t, args...) })
	_, se, _ := env.CLI2(t, "cloudwatch", "describe-alarms", "--debug")
	if !strings.Contains(se, "'Content-Type': b'application/x-www-form-urlencoded") || !strings.Contains(se, "<DescribeAlarmsResponse xmlns=") {
		t.Fatalf("AWS CLI v2 did not use the query protocol:\n%s", tail(se))
	}
}

func tail(s string) string {
	if len(s) > 3000 {
		return s[len(s)-3000:]
	}
	return s
}
