package cloudwatch_test

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/stagecraft/stagecraft/internal/service/cloudwatch/cbor"
	"github.com/stagecraft/stagecraft/internal/testenv"
)

// The RPC v2 CBOR protocol, end to end over the socket, unsigned (routed
// by its path).
func TestCBORProtocol(t *testing.T) {
	env, _ := start(t)
	c := client{t: t, url: env.URL, proto: "cbor"}

	// Nothing yet: the exact bytes of {"CompositeAlarms": [], "MetricAlarms": []}.
	r := c.do("DescribeAlarms", map[string]any{}).ok(t)
	want, _ := hex.DecodeString("a2" + "6f" + hex.EncodeToString([]byte("CompositeAlarms")) + "80" + "6c" + hex.EncodeToString([]byte("MetricAlarms")) + "80")
	if !bytes.Equal(r.raw, want) || r.header.Get("Content-Type") != "application/cbor" || r.header.Get("smithy-protocol") != "rpc-v2-cbor" {
		t.Fatalf("empty DescribeAlarms: %x %v", r.raw, r.header)
	}

	// Unit output: 200, smithy-protocol, no body, no Content-Type.
	r = c.do("PutMetricAlarm", alarm("cpu-high",
		"AlarmDescription", "CPU over 70.5",
		"Dimensions", []any{map[string]any{"Name": "InstanceId", "Value": "i-0123"}},
		"AlarmActions", []any{"arn:aws:sns:us-east-1:000000000000:ops"},
		"DatapointsToAlarm", 1, "TreatMissingData", "notBreaching", "Unit", "Percent",
		"Tags", []any{map[string]any{"Key": "team", "Value": "web"}})).ok(t)
	if len(r.raw) != 0 || r.header.Get("Content-Type") != "" || r.header.Get("smithy-protocol") != "rpc-v2-cbor" || r.header.Get("x-amzn-RequestId") == "" {
		t.Fatalf("unit output: %x %v", r.raw, r.header)
	}

	got := first(t, c.do("DescribeAlarms", map[string]any{"AlarmNames": []any{"cpu-high"}}))
	wantAlarm := map[string]any{
		"AlarmName": "cpu-high", "AlarmArn": "arn:aws:cloudwatch:us-east-1:000000000000:alarm:cpu-high",
		"AlarmDescription": "CPU over 70.5", "AlarmConfigurationUpdatedTimestamp": t0, "ActionsEnabled": true,
		"OKActions": []any{}, "AlarmActions": []any{"arn:aws:sns:us-east-1:000000000000:ops"}, "InsufficientDataActions": []any{},
		"StateValue": "INSUFFICIENT_DATA", "StateReason": "Unchecked: Initial alarm creation", "StateUpdatedTimestamp": t0,
		"MetricName": "CPUUtilization", "Namespace": "AWS/EC2", "Statistic": "Average",
		"Dimensions": []any{map[string]any{"Name": "InstanceId", "Value": "i-0123"}},
		"Period":     int64(300), "Unit": "Percent", "EvaluationPeriods": int64(2), "Threshold": 70.5,
		"ComparisonOperator": "GreaterThanThreshold", "TreatMissingData": "notBreaching", "DatapointsToAlarm": int64(1),
		"StateTransitionedTimestamp": t0,
	}
	if !reflect.DeepEqual(got, wantAlarm) {
		t.Fatalf("MetricAlarm:\n got %#v\nwant %#v", got, wantAlarm)
	}

	c.do("SetAlarmState", map[string]any{"AlarmName": "cpu-high", "StateValue": "ALARM", "StateReason": "Threshold crossed", "StateReasonData": `{"version":"1.0"}`}).ok(t)
	got = first(t, c.do("DescribeAlarms", map[string]any{"StateValue": "ALARM"}))
	if got["StateValue"] != "ALARM" || got["StateReason"] != "Threshold crossed" || got["StateReasonData"] != `{"version":"1.0"}` {
		t.Fatalf("after SetAlarmState: %v", got)
	}

	// A modeled error: __type is the shape id, x-amzn-query-error the query code.
	r = c.do("SetAlarmState", map[string]any{"AlarmName": "nope", "StateValue": "ALARM", "StateReason": "x"})
	r.fails(t, 404, "com.amazonaws.cloudwatch#ResourceNotFound", "ResourceNotFound;Sender", "Alarm nope does not exist")
	if r.header.Get("smithy-protocol") != "rpc-v2-cbor" || r.header.Get("Content-Type") != "application/cbor" {
		t.Fatalf("error headers: %v", r.header)
	}

	c.do("DeleteAlarms", map[string]any{"AlarmNames": []any{"cpu-high", "never-existed"}}).ok(t)
	if n := names(t, c.do("DescribeAlarms", map[string]any{})); len(n) != 0 {
		t.Fatalf("after delete: %v", n)
	}
}

func TestCBORProtocolErrors(t *testing.T) {
	env, _ := start(t)
	post := func(path string, body []byte, hdr ...string) response {
		req, _ := http.NewRequest("POST", env.URL+path, bytes.NewReader(body))
		req.Header.Set("smithy-protocol", "rpc-v2-cbor")
		for i := 0; i+1 < len(hdr); i += 2 {
			req.Header.Set(hdr[i], hdr[i+1])
		}
		return send(t, req, "cbor")
	}
	op := "/service/GraniteServiceVersion20100801/operation/"
	post(op+"DescribeAlarms", []byte{0xa1, 0x61}).fails(t, 400, "com.amazonaws.cloudwatch#SerializationException", "SerializationException;Sender", "")
	post(op+"DescribeAlarms", []byte{0x80}).fails(t, 400, "com.amazonaws.cloudwatch#SerializationException", "SerializationException;Sender",
		"The request body is a CBOR array, not a map")
	post(op+"DescribeAlarms", []byte{0xa1, 0x6a, 'M', 'a', 'x', 'R', 'e', 'c', 'o', 'r', 'd', 's', 0x61, 'x'}).fails(t, 400,
		"com.amazonaws.cloudwatch#SerializationException", "SerializationException;Sender", "Expected an integer for MaxRecords, got text string")
	post(op+"DescribeAlarms", nil).ok(t) // an empty body is an empty input
	post(op+"DescribeAlarms", []byte{0xa0}, "X-Amz-Target", "GraniteServiceVersion20100801.DescribeAlarms").fails(t, 400,
		"com.amazonaws.cloudwatch#SerializationException", "SerializationException;Sender", "An rpc-v2-cbor request must not carry an X-Amz-Target header")
	post(op+"Frobnicate", []byte{0xa0}).fails(t, 404, "com.amazonaws.cloudwatch#UnknownOperationException", "UnknownOperationException;Sender",
		"CloudWatch has no operation Frobnicate")
	post(op+"PutMetricData", []byte{0xa0}).fails(t, 501, "com.amazonaws.cloudwatch#NotImplementedException", "NotImplementedException;Receiver",
		"Stagecraft does not implement cloudwatch:PutMetricData yet; see docs/compatibility.md")

	req, _ := http.NewRequest("GET", env.URL+op+"DescribeAlarms", nil)
	send(t, req, "cbor").fails(t, 405, "com.amazonaws.cloudwatch#UnsupportedOperation", "UnsupportedOperation;Sender", "")

	// Signed for monitoring, the service segment may be the absolute shape
	// id and a path prefix is allowed (Smithy RPC v2).
	c := client{t: t, url: env.URL, proto: "cbor", key: "test", path: "/v1/service/com.amazonaws.cloudwatch.GraniteServiceVersion20100801/operation/DescribeAlarms"}
	c.do("DescribeAlarms", map[string]any{}).ok(t)
	c.path = "/service/Other/operation/DescribeAlarms"
	c.do("DescribeAlarms", map[string]any{}).fails(t, 404, "com.amazonaws.cloudwatch#UnknownOperationException", "UnknownOperationException;Sender", "")
}

// The query protocol: form bodies in, XML out, unsigned (routed by Action
// and Version) and signed.
func TestQueryProtocol(t *testing.T) {
	env, _ := start(t)
	c := client{t: t, url: env.URL, proto: "query"}
	const ns = `xmlns="http://monitoring.amazonaws.com/doc/2010-08-01/"`
	check := func(r response, status int, want string) {
		t.Helper()
		want = strings.ReplaceAll(want, "{id}", r.header.Get("x-amzn-RequestId"))
		if r.status != status || string(r.raw) != want || r.header.Get("Content-Type") != "text/xml" {
			t.Fatalf("want %d\n%s\ngot %d %s\n%s", status, want, r.status, r.header.Get("Content-Type"), r.raw)
		}
	}
	check(c.do("PutMetricAlarm", alarm("b-alarm",
		"Dimensions", []any{map[string]any{"Name": "InstanceId", "Value": "i-1"}, map[string]any{"Name": "Az", "Value": "a<b"}},
		"OKActions", []string{}, "AlarmActions", []string{"arn:aws:sns:us-east-1:000000000000:t1", "arn:aws:sns:us-east-1:000000000000:t2"},
		"ActionsEnabled", false, "Threshold", 80)), 200,
		`<PutMetricAlarmResponse `+ns+`><ResponseMetadata><RequestId>{id}</RequestId></ResponseMetadata></PutMetricAlarmResponse>`)
	c.do("PutMetricAlarm", alarm("a-alarm", "Statistic", nil, "ExtendedStatistic", "p99")).ok(t)

	check(c.do("DescribeAlarms", map[string]any{"AlarmNames": []string{"b-alarm", "missing", "a-alarm"}, "MaxRecords": 1}), 200,
		`<DescribeAlarmsResponse `+ns+`><DescribeAlarmsResult><CompositeAlarms/><MetricAlarms><member>`+
			`<AlarmName>a-alarm</AlarmName><AlarmArn>arn:aws:cloudwatch:us-east-1:000000000000:alarm:a-alarm</AlarmArn>`+
			`<AlarmConfigurationUpdatedTimestamp>2025-06-07T08:09:10.123Z</AlarmConfigurationUpdatedTimestamp><ActionsEnabled>true</ActionsEnabled>`+
			`<OKActions/><AlarmActions/><InsufficientDataActions/><StateValue>INSUFFICIENT_DATA</StateValue>`+
			`<StateReason>Unchecked: Initial alarm creation</StateReason><StateUpdatedTimestamp>2025-06-07T08:09:10.123Z</StateUpdatedTimestamp>`+
			`<MetricName>CPUUtilization</MetricName><Namespace>AWS/EC2</Namespace><Dimensions/><Period>300</Period>`+
			`<EvaluationPeriods>2</EvaluationPeriods><Threshold>70.5</Threshold><ComparisonOperator>GreaterThanThreshold</ComparisonOperator>`+
			`<ExtendedStatistic>p99</ExtendedStatistic><StateTransitionedTimestamp>2025-06-07T08:09:10.123Z</StateTransitionedTimestamp>`+
			`</member></MetricAlarms><NextToken>YWEtYWxhcm0</NextToken></DescribeAlarmsResult>`+
			`<ResponseMetadata><RequestId>{id}</RequestId></ResponseMetadata></DescribeAlarmsResponse>`)

	r := c.do("DescribeAlarms", map[string]any{"AlarmNamePrefix": "b-"}).ok(t)
	for _, frag := range []string{
		`<ActionsEnabled>false</ActionsEnabled><OKActions/><AlarmActions><member>arn:aws:sns:us-east-1:000000000000:t1</member><member>arn:aws:sns:us-east-1:000000000000:t2</member></AlarmActions>`,
		`<Dimensions><member><Name>InstanceId</Name><Value>i-1</Value></member><member><Name>Az</Name><Value>a&lt;b</Value></member></Dimensions>`,
		`<Statistic>Average</Statistic>`, `<Threshold>80.0</Threshold>`,
	} {
		if !strings.Contains(string(r.raw), frag) {
			t.Errorf("DescribeAlarms XML lacks %s:\n%s", frag, r.raw)
		}
	}

	check(c.do("SetAlarmState", map[string]any{"AlarmName": "nope", "StateValue": "OK", "StateReason": "r"}), 404,
		`<ErrorResponse `+ns+`><Error><Type>Sender</Type><Code>ResourceNotFound</Code><Message>Alarm nope does not exist</Message></Error><RequestId>{id}</RequestId></ErrorResponse>`)
	check(c.do("PutMetricAlarm", alarm("x", "Statistic", "Median")), 400,
		`<ErrorResponse `+ns+`><Error><Type>Sender</Type><Code>ValidationError</Code><Message>1 validation error detected: Value &apos;Median&apos; at &apos;statistic&apos; failed to satisfy constraint: Member must satisfy enum value set: [SampleCount, Average, Sum, Minimum, Maximum]</Message></Error><RequestId>{id}</RequestId></ErrorResponse>`)
	check(c.do("PutMetricAlarm", alarm("x", "Period", "sixty")), 400,
		`<ErrorResponse `+ns+`><Error><Type>Sender</Type><Code>InvalidParameterValue</Code><Message>Value &apos;sixty&apos; for parameter Period is invalid: expected an integer.</Message></Error><RequestId>{id}</RequestId></ErrorResponse>`)
	check(c.do("DeleteAlarms", map[string]any{"AlarmNames": []string{"a-alarm", "b-alarm"}}), 200,
		`<DeleteAlarmsResponse `+ns+`><ResponseMetadata><RequestId>{id}</RequestId></ResponseMetadata></DeleteAlarmsResponse>`)

	// GET with the parameters in the URL works too.
	resp, err := http.Get(env.URL + "/?Action=DescribeAlarms&Version=2010-08-01")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("GET DescribeAlarms: %v %v", err, resp)
	}
	resp.Body.Close()

	// Signed requests reach CloudWatch whatever the Action says.
	s := client{t: t, url: env.URL, proto: "query", key: "test"}
	check(s.do("Frobnicate", nil), 400,
		`<ErrorResponse `+ns+`><Error><Type>Sender</Type><Code>InvalidAction</Code><Message>Could not find operation Frobnicate for version 2010-08-01</Message></Error><RequestId>{id}</RequestId></ErrorResponse>`)
	check(s.do("ListMetrics", nil), 501,
		`<ErrorResponse `+ns+`><Error><Type>Receiver</Type><Code>NotImplementedException</Code><Message>Stagecraft does not implement cloudwatch:ListMetrics yet; see docs/compatibility.md</Message></Error><RequestId>{id}</RequestId></ErrorResponse>`)
	form := "Action=DescribeAlarms&Version=2010-08-01&AlarmNames.member.1=a&AlarmNames.member.1.X=b"
	req, _ := http.NewRequest("POST", env.URL+"/", strings.NewReader(form))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r = send(t, req, "query")
	if r.status != 400 || !strings.Contains(string(r.raw), "<Code>MalformedQueryString</Code>") {
		t.Fatalf("conflicting parameters: %d %s", r.status, r.raw)
	}
}

// AWS JSON 1.0 (what current botocore picks first): doubles keep their
// fraction, timestamps are epoch seconds.
func TestJSONProtocol(t *testing.T) {
	env, _ := start(t)
	c := client{t: t, url: env.URL, proto: "json"}
	r := c.do("PutMetricAlarm", alarm("j", "Threshold", 70)).ok(t)
	if string(r.raw) != "{}" || r.header.Get("Content-Type") != "application/x-amz-json-1.0" {
		t.Fatalf("PutMetricAlarm: %s %v", r.raw, r.header)
	}
	r = c.do("DescribeAlarms", map[string]any{}).ok(t)
	for _, frag := range []string{`"Threshold":70.0,`, `"StateUpdatedTimestamp":1749283750.123,`, `"Period":300,`, `"OKActions":[],`} {
		if !strings.Contains(string(r.raw), frag) {
			t.Errorf("JSON lacks %s: %s", frag, r.raw)
		}
	}
	c.do("SetAlarmState", map[string]any{"AlarmName": "j", "StateValue": "ALARM", "StateReason": "x", "StateReasonData": "{"}).fails(t, 400,
		"com.amazonaws.cloudwatch#InvalidFormatFault", "InvalidFormat;Sender", "Data was not syntactically valid JSON")
	req, _ := http.NewRequest("POST", env.URL+"/", strings.NewReader("{"))
	req.Header.Set("X-Amz-Target", "GraniteServiceVersion20100801.DescribeAlarms")
	send(t, req, "json").fails(t, 400, "com.amazonaws.cloudwatch#SerializationException", "SerializationException;Sender", "")
}

func TestPutMetricAlarmValidation(t *testing.T) {
	env, _ := start(t)
	c := client{t: t, url: env.URL, proto: "cbor"}
	const v = "com.amazon.coral.validate#ValidationException"
	cases := []struct {
		in             map[string]any
		status         int
		typ, code, msg string
	}{
		{alarm("", "AlarmName", nil), 400, v, "ValidationError",
			"1 validation error detected: Value null at 'alarmName' failed to satisfy constraint: Member must not be null"},
		{alarm(strings.Repeat("n", 256)), 400, v, "ValidationError",
			"1 validation error detected: Value '" + strings.Repeat("n", 256) + "' at 'alarmName' failed to satisfy constraint: Member must have length less than or equal to 255"},
		{alarm("x", "Statistic", "Median", "ComparisonOperator", "Above"), 400, v, "ValidationError",
			"2 validation errors detected: Value 'Median' at 'statistic' failed to satisfy constraint: Member must satisfy enum value set: [SampleCount, Average, Sum, Minimum, Maximum]; " +
				"Value 'Above' at 'comparisonOperator' failed to satisfy constraint: Member must satisfy enum value set: [GreaterThanOrEqualToThreshold, GreaterThanThreshold, LessThanThreshold, LessThanOrEqualToThreshold, LessThanLowerOrGreaterThanUpperThreshold, LessThanLowerThreshold, GreaterThanUpperThreshold]"},
		{alarm("x", "Period", 0), 400, v, "ValidationError",
			"1 validation error detected: Value '0' at 'period' failed to satisfy constraint: Member must have value greater than or equal to 1"},
		{alarm("x", "Namespace", ":bad"), 400, v, "ValidationError",
			"1 validation error detected: Value ':bad' at 'namespace' failed to satisfy constraint: Member must satisfy regular expression pattern: [^:].*"},
		{alarm("x", "AlarmActions", []any{"a", "b", "c", "d", "e", "f"}), 400, v, "ValidationError",
			"1 validation error detected: Value null at 'alarmActions' failed to satisfy constraint: Member must have length less than or equal to 5"},
		{alarm("x", "Dimensions", []any{map[string]any{"Name": "n"}}), 400, v, "ValidationError",
			"1 validation error detected: Value null at 'dimensions.1.value' failed to satisfy constraint: Member must not be null"},
		{alarm("x", "MetricName", nil), 400, v, "ValidationError", "MetricName must not be null"},
		{alarm("x", "Period", nil), 400, v, "ValidationError", "Period must not be null"},
		{alarm("x", "EvaluationPeriods", nil), 400, v, "ValidationError", "EvaluationPeriods must not be null"},
		{alarm("x", "ComparisonOperator", nil), 400, v, "ValidationError", "ComparisonOperator must not be null"},
		{alarm("x", "Threshold", nil), 400, v, "ValidationError", "Threshold must not be null"},
		{alarm("x", "Statistic", nil), 400, v, "ValidationError", "Either Statistic or ExtendedStatistic must be specified."},
		{alarm("x", "ExtendedStatistic", "p90"), 400, "com.amazonaws.cloudwatch#InvalidParameterCombinationException", "InvalidParameterCombination",
			"Statistic and ExtendedStatistic cannot both be specified."},
		{alarm("x", "Metrics", []any{map[string]any{"Id": "m1", "Expression": "SUM(METRICS())"}}), 400, v, "ValidationError",
			"MetricName should not be set if list of Metrics is set."},
		{alarm("x", "Period", 45), 400, "com.amazonaws.cloudwatch#InvalidParameterValueException", "InvalidParameterValue",
			"The parameter Period must be 10, 20, 30 or a multiple of 60."},
		{alarm("x", "DatapointsToAlarm", 3), 400, v, "ValidationError", "DatapointsToAlarm must be less than or equal to EvaluationPeriods"},
		{alarm("x", "TreatMissingData", "zero"), 400, v, "ValidationError", "TreatMissingData must be one of breaching, notBreaching, ignore, missing"},
		{alarm("x", "Threshold", "high"), 400, "com.amazonaws.cloudwatch#SerializationException", "SerializationException", "Expected a number for Threshold, got text string"},
	}
	for i, tc := range cases {
		r := c.do("PutMetricAlarm", tc.in)
		if r.status != tc.status || r.errType() != tc.typ || r.header.Get("x-amzn-query-error") != tc.code+";Sender" || r.message() != tc.msg {
			t.Errorf("case %d: want %d %s %s %q\n got %d %s %s %q", i, tc.status, tc.typ, tc.code, tc.msg,
				r.status, r.errType(), r.header.Get("x-amzn-query-error"), r.message())
		}
	}
	// None of them created anything; the valid forms do.
	if n := names(t, c.do("DescribeAlarms", map[string]any{})); len(n) != 0 {
		t.Fatalf("failed puts created %v", n)
	}
	math := alarm("math", "MetricName", nil, "Namespace", nil, "Statistic", nil, "Period", nil, "Metrics", []any{
		map[string]any{"Id": "e1", "Expression": "m1 * 2", "Label": "double", "ReturnData": true},
		map[string]any{"Id": "m1", "ReturnData": false, "MetricStat": map[string]any{
			"Metric": map[string]any{"Namespace": "AWS/EC2", "MetricName": "CPUUtilization",
				"Dimensions": []any{map[string]any{"Name": "InstanceId", "Value": "i-1"}}},
			"Period": 60, "Stat": "Average"}},
	})
	c.do("PutMetricAlarm", math).ok(t)
	c.do("PutMetricAlarm", alarm("p10", "Period", 10)).ok(t)
	got := first(t, c.do("DescribeAlarms", map[string]any{"AlarmNames": []any{"math"}}))
	if !reflect.DeepEqual(got["Metrics"], []any{
		map[string]any{"Id": "e1", "Expression": "m1 * 2", "Label": "double", "ReturnData": true},
		map[string]any{"Id": "m1", "ReturnData": false, "MetricStat": map[string]any{
			"Metric": map[string]any{"Namespace": "AWS/EC2", "MetricName": "CPUUtilization",
				"Dimensions": []any{map[string]any{"Name": "InstanceId", "Value": "i-1"}}},
			"Period": int64(60), "Stat": "Average"}},
	}) || got["MetricName"] != nil || got["Period"] != nil {
		t.Fatalf("metric math alarm: %#v", got)
	}
}

func TestDescribeAlarmsFilters(t *testing.T) {
	env, _ := start(t)
	c := client{t: t, url: env.URL, proto: "cbor"}
	for _, n := range []string{"web-5xx", "web-latency", "db-cpu", "db-disk", "queue-depth", "web/slash"} {
		extra := []any{}
		if strings.HasPrefix(n, "db-") {
			extra = []any{"OKActions", []any{"arn:aws:sns:us-east-1:000000000000:db-team"}}
		}
		c.do("PutMetricAlarm", alarm(n, extra...)).ok(t)
	}
	c.do("SetAlarmState", map[string]any{"AlarmName": "db-cpu", "StateValue": "ALARM", "StateReason": "r"}).ok(t)
	c.do("SetAlarmState", map[string]any{"AlarmName": "web-5xx", "StateValue": "OK", "StateReason": "r"}).ok(t)

	desc := func(in map[string]any) string { t.Helper(); return join(names(t, c.do("DescribeAlarms", in))) }
	for _, tc := range []struct {
		in   map[string]any
		want string
	}{
		{map[string]any{}, "db-cpu,db-disk,queue-depth,web-5xx,web-latency,web/slash"},
		{map[string]any{"AlarmNamePrefix": "web"}, "web-5xx,web-latency,web/slash"},
		{map[string]any{"AlarmNamePrefix": "web/"}, "web/slash"},
		{map[string]any{"AlarmNames": []any{"web-latency", "nope", "db-cpu", "db-cpu"}}, "db-cpu,web-latency"},
		{map[string]any{"StateValue": "ALARM"}, "db-cpu"},
		{map[string]any{"StateValue": "INSUFFICIENT_DATA", "AlarmNamePrefix": "db"}, "db-disk"},
		{map[string]any{"ActionPrefix": "arn:aws:sns:us-east-1:000000000000:db"}, "db-cpu,db-disk"},
		{map[string]any{"AlarmTypes": []any{"MetricAlarm", "CompositeAlarm"}, "AlarmNamePrefix": "queue"}, "queue-depth"},
		{map[string]any{"AlarmTypes": []any{"CompositeAlarm"}}, ""},
		{map[string]any{"ParentsOfAlarmName": "db-cpu"}, ""},
	} {
		if got := desc(tc.in); got != tc.want {
			t.Errorf("%v: got %s, want %s", tc.in, got, tc.want)
		}
	}

	// Pagination: MaxRecords at a time, NextToken resumes after the last.
	var all []string
	in := map[string]any{"MaxRecords": 4}
	for pages := 0; ; pages++ {
		r := c.do("DescribeAlarms", in)
		all = append(all, names(t, r)...)
		tok, ok := r.body["NextToken"].(string)
		if !ok {
			if pages != 1 {
				t.Fatalf("want 2 pages, got %d", pages+1)
			}
			break
		}
		in["NextToken"] = tok
	}
	if join(all) != "db-cpu,db-disk,queue-depth,web-5xx,web-latency,web/slash" {
		t.Fatalf("paged: %v", all)
	}
	// A page that ends exactly at the last alarm has no NextToken.
	r := c.do("DescribeAlarms", map[string]any{"AlarmNamePrefix": "db", "MaxRecords": 2})
	if _, has := r.body["NextToken"]; has || join(names(t, r)) != "db-cpu,db-disk" {
		t.Fatalf("exact page: %v", r.body)
	}

	c.do("DescribeAlarms", map[string]any{"NextToken": "!!"}).fails(t, 400, "com.amazonaws.cloudwatch#InvalidNextToken", "InvalidNextToken;Sender", "The NextToken is not valid.")
	c.do("DescribeAlarms", map[string]any{"AlarmNames": []any{"a"}, "AlarmNamePrefix": "a"}).fails(t, 400,
		"com.amazonaws.cloudwatch#InvalidParameterCombinationException", "InvalidParameterCombination;Sender",
		"AlarmNames and AlarmNamePrefix cannot be specified together.")
	c.do("DescribeAlarms", map[string]any{"MaxRecords": 101, "StateValue": "BAD"}).fails(t, 400,
		"com.amazon.coral.validate#ValidationException", "ValidationError;Sender",
		"2 validation errors detected: Value 'BAD' at 'stateValue' failed to satisfy constraint: Member must satisfy enum value set: [OK, ALARM, INSUFFICIENT_DATA]; "+
			"Value '101' at 'maxRecords' failed to satisfy constraint: Member must have value less than or equal to 100")
}

// PutMetricAlarm on an existing alarm replaces its configuration and
// keeps its state; SetAlarmState moves StateTransitionedTimestamp only
// when the value changes.
func TestUpdateAndStateTimestamps(t *testing.T) {
	env, clk := start(t)
	c := client{t: t, url: env.URL, proto: "cbor"}
	c.do("PutMetricAlarm", alarm("a", "AlarmDescription", "first")).ok(t)
	clk.Advance(time.Minute)
	t1 := t0.Add(time.Minute)
	c.do("SetAlarmState", map[string]any{"AlarmName": "a", "StateValue": "ALARM", "StateReason": "boom", "StateReasonData": "{}"}).ok(t)
	clk.Advance(time.Minute)
	t2 := t1.Add(time.Minute)
	c.do("PutMetricAlarm", alarm("a", "Threshold", 99.25)).ok(t)
	got := first(t, c.do("DescribeAlarms", map[string]any{}))
	if got["StateValue"] != "ALARM" || got["StateReason"] != "boom" || got["Threshold"] != 99.25 || got["AlarmDescription"] != nil ||
		got["AlarmConfigurationUpdatedTimestamp"] != t2 || got["StateUpdatedTimestamp"] != t1 || got["StateTransitionedTimestamp"] != t1 {
		t.Fatalf("after update: %#v", got)
	}
	clk.Advance(time.Minute)
	t3 := t2.Add(time.Minute)
	c.do("SetAlarmState", map[string]any{"AlarmName": "a", "StateValue": "ALARM", "StateReason": "still"}).ok(t)
	got = first(t, c.do("DescribeAlarms", map[string]any{}))
	if got["StateUpdatedTimestamp"] != t3 || got["StateTransitionedTimestamp"] != t1 || got["StateReasonData"] != nil {
		t.Fatalf("same-state set: %#v", got)
	}

	c.do("SetAlarmState", map[string]any{"AlarmName": "a", "StateValue": "RED", "StateReason": "x"}).fails(t, 400,
		"com.amazon.coral.validate#ValidationException", "ValidationError;Sender",
		"1 validation error detected: Value 'RED' at 'stateValue' failed to satisfy constraint: Member must satisfy enum value set: [OK, ALARM, INSUFFICIENT_DATA]")
	c.do("SetAlarmState", map[string]any{"AlarmName": "a", "StateValue": "OK"}).fails(t, 400,
		"com.amazon.coral.validate#ValidationException", "ValidationError;Sender",
		"1 validation error detected: Value null at 'stateReason' failed to satisfy constraint: Member must not be null")
	c.do("DeleteAlarms", map[string]any{}).fails(t, 400, "com.amazon.coral.validate#ValidationException", "ValidationError;Sender",
		"1 validation error detected: Value null at 'alarmNames' failed to satisfy constraint: Member must not be null")
	many := make([]any, 101)
	for i := range many {
		many[i] = "x"
	}
	c.do("DeleteAlarms", map[string]any{"AlarmNames": many}).fails(t, 400, "com.amazon.coral.validate#ValidationException", "ValidationError;Sender",
		"1 validation error detected: Value null at 'alarmNames' failed to satisfy constraint: Member must have length less than or equal to 100")
}

// Alarms are scoped by account (a 12-digit access key) and region (the
// signing region), and their ARNs say so.
func TestScope(t *testing.T) {
	env, _ := start(t)
	west := client{t: t, url: env.URL, proto: "cbor", key: "111122223333", region: "eu-west-1"}
	def := client{t: t, url: env.URL, proto: "json", key: "test"}
	west.do("PutMetricAlarm", alarm("shared-name")).ok(t)
	def.do("PutMetricAlarm", alarm("shared-name", "Threshold", 1)).ok(t)
	a := first(t, west.do("DescribeAlarms", map[string]any{}))
	if a["AlarmArn"] != "arn:aws:cloudwatch:eu-west-1:111122223333:alarm:shared-name" || a["Threshold"] != 70.5 {
		t.Fatalf("eu-west-1 alarm: %v", a)
	}
	west.do("SetAlarmState", map[string]any{"AlarmName": "shared-name", "StateValue": "ALARM", "StateReason": "r"}).ok(t)
	d := first(t, def.do("DescribeAlarms", map[string]any{}))
	if d["AlarmArn"] != "arn:aws:cloudwatch:us-east-1:000000000000:alarm:shared-name" || d["StateValue"] != "INSUFFICIENT_DATA" {
		t.Fatalf("default-scope alarm: %v", d)
	}
	cn := client{t: t, url: env.URL, proto: "cbor", key: "test", region: "cn-north-1"}
	cn.do("PutMetricAlarm", alarm("c")).ok(t)
	if arn := first(t, cn.do("DescribeAlarms", map[string]any{}))["AlarmArn"]; arn != "arn:aws-cn:cloudwatch:cn-north-1:000000000000:alarm:c" {
		t.Fatalf("China ARN: %v", arn)
	}
}

func TestCBORTimestampsAreTag1(t *testing.T) {
	env, _ := start(t)
	c := client{t: t, url: env.URL, proto: "cbor"}
	c.do("PutMetricAlarm", alarm("ts")).ok(t)
	r := c.do("DescribeAlarms", map[string]any{}).ok(t)
	// tag 1 (0xc1) over a double (0xfb) of epoch seconds with milliseconds.
	want := append([]byte{0xc1}, must(cbor.Marshal(1749283750.123))...)
	if want[1] != 0xfb || !bytes.Contains(r.raw, want) {
		t.Fatalf("timestamp encoding %x not in %x", want, r.raw)
	}
}

func must(b []byte, err error) []byte {
	if err != nil {
		panic(err)
	}
	return b
}

// FuzzRequests sends arbitrary bodies to every implemented operation in
// each protocol: whatever arrives, the answer is a well-formed success or
// client error of that protocol, never a 500 (a panic or an unexpected
// failure inside decoding, binding or the handlers).
func FuzzRequests(f *testing.F) {
	env := testenv.Start(f)
	ops := []string{"PutMetricAlarm", "DescribeAlarms", "SetAlarmState", "DeleteAlarms"}
	seed := func(op byte, proto byte, body []byte) { f.Add(op, proto, body) }
	seed(0, 0, must(cbor.Marshal(alarm("fuzz"))))
	seed(1, 0, must(cbor.Marshal(map[string]any{"AlarmNames": []any{"fuzz"}, "MaxRecords": 1})))
	seed(2, 0, must(cbor.Marshal(map[string]any{"AlarmName": "fuzz", "StateValue": "ALARM", "StateReason": "r"})))
	seed(3, 1, []byte(`{"AlarmNames":["fuzz"]}`))
	seed(0, 1, []byte(`{"AlarmName":"j","Threshold":"NaN","Metrics":[{"Id":"m","MetricStat":{"Metric":{}}}]}`))
	seed(0, 2, []byte("AlarmName=q&Dimensions.member.1.Name=a&Period=60&Threshold=1e400"))
	seed(1, 2, []byte("AlarmNames.member.2=a&NextToken=YWE"))
	f.Fuzz(func(t *testing.T, op, proto byte, body []byte) {
		name := ops[int(op)%len(ops)]
		var req *http.Request
		p := []string{"cbor", "json", "query"}[int(proto)%3]
		switch p {
		case "cbor":
			req, _ = http.NewRequest("POST", env.URL+"/service/GraniteServiceVersion20100801/operation/"+name, bytes.NewReader(body))
			req.Header.Set("smithy-protocol", "rpc-v2-cbor")
		case "json":
			req, _ = http.NewRequest("POST", env.URL+"/", bytes.NewReader(body))
			req.Header.Set("X-Amz-Target", "GraniteServiceVersion20100801."+name)
		case "query":
			b := append([]byte("Action="+name+"&Version=2010-08-01&"), body...)
			req, _ = http.NewRequest("POST", env.URL+"/", bytes.NewReader(b))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode >= 500 {
			t.Fatalf("%s %s %q: %d %s", p, name, body, resp.StatusCode, raw)
		}
		switch {
		case p == "query" && !bytes.HasPrefix(raw, []byte("<")):
			t.Fatalf("query answer is not XML: %q", raw)
		case p == "cbor" && len(raw) > 0:
			if _, err := cbor.Unmarshal(raw); err != nil {
				t.Fatalf("CBOR answer does not decode: %v", err)
			}
		case p == "json" && !json.Valid(raw):
			t.Fatalf("JSON answer is not JSON: %q", raw)
		}
	})
}
