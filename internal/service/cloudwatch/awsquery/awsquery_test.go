package awsquery_test

import (
	"errors"
	"net/url"
	"reflect"
	"strings"
	"testing"

	"github.com/stagecraft/stagecraft/internal/service/cloudwatch/awsquery"
)

func TestParse(t *testing.T) {
	// What AWS CLI v2 (botocore's query serializer) sends for
	// put-metric-alarm with two dimensions, one action and an empty list.
	body := "Action=PutMetricAlarm&Version=2010-08-01&AlarmName=cpu+high&MetricName=CPUUtilization" +
		"&Namespace=AWS%2FEC2&Statistic=Average&Period=300&Threshold=70.5&EvaluationPeriods=2" +
		"&ComparisonOperator=GreaterThanThreshold" +
		"&Dimensions.member.1.Name=InstanceId&Dimensions.member.1.Value=i-12345" +
		"&Dimensions.member.2.Name=AutoScalingGroupName&Dimensions.member.2.Value=asg" +
		"&AlarmActions.member.1=arn%3Aaws%3Asns%3Aus-east-1%3A111122223333%3Atopic&OKActions="
	form, err := url.ParseQuery(body)
	if err != nil {
		t.Fatal(err)
	}
	tree, err := awsquery.Parse(form)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"Action": "PutMetricAlarm", "Version": "2010-08-01", "AlarmName": "cpu high",
		"MetricName": "CPUUtilization", "Namespace": "AWS/EC2", "Statistic": "Average",
		"Period": "300", "Threshold": "70.5", "EvaluationPeriods": "2",
		"ComparisonOperator": "GreaterThanThreshold",
		"Dimensions": map[string]any{"member": map[string]any{
			"1": map[string]any{"Name": "InstanceId", "Value": "i-12345"},
			"2": map[string]any{"Name": "AutoScalingGroupName", "Value": "asg"},
		}},
		"AlarmActions": map[string]any{"member": map[string]any{"1": "arn:aws:sns:us-east-1:111122223333:topic"}},
		"OKActions":    "",
	}
	if !reflect.DeepEqual(tree, want) {
		t.Fatalf("got  %#v\nwant %#v", tree, want)
	}
	dims, ok := awsquery.List(tree["Dimensions"])
	if !ok || len(dims) != 2 || dims[0].(map[string]any)["Name"] != "InstanceId" || dims[1].(map[string]any)["Value"] != "asg" {
		t.Fatalf("Dimensions list: %v %#v", ok, dims)
	}
	if l, ok := awsquery.List(tree["OKActions"]); !ok || l == nil || len(l) != 0 {
		t.Fatalf("empty list: %v %#v", ok, l)
	}
}

func TestList(t *testing.T) {
	m := func(kv ...string) map[string]any {
		mem := map[string]any{}
		for i := 0; i < len(kv); i += 2 {
			mem[kv[i]] = kv[i+1]
		}
		return map[string]any{"member": mem}
	}
	cases := []struct {
		in   any
		want []any
		ok   bool
	}{
		{"", []any{}, true},
		{m("1", "a"), []any{"a"}, true},
		{m("2", "b", "10", "j", "1", "a"), []any{"a", "b", "j"}, true}, // numeric, not lexical, order
		{m("3", "c", "1", "a"), []any{"a", "c"}, true},                 // gaps allowed
		{m("0", "a"), nil, false},
		{m("-1", "a"), nil, false},
		{m("01", "a"), nil, false},
		{m("x", "a"), nil, false},
		{"a", nil, false},
		{map[string]any{"member": "a"}, nil, false},
		{map[string]any{"member": map[string]any{}, "other": "x"}, nil, false},
		{map[string]any{"Name": "x"}, nil, false},
		{nil, nil, false},
	}
	for _, c := range cases {
		got, ok := awsquery.List(c.in)
		if ok != c.ok || !reflect.DeepEqual(got, c.want) {
			t.Errorf("List(%#v) = %#v, %v; want %#v, %v", c.in, got, ok, c.want, c.ok)
		}
	}
}

func TestParseErrors(t *testing.T) {
	cases := []struct{ body, msg string }{
		{"A=1&A=2", "given 2 times"},
		{"A=1&A.B=2", "conflicts with A"},
		{"A.B=2&A=1", "conflicts with A"},
		{"A..B=1", "empty part"},
		{".A=1", "empty part"},
		{"A.=1", "empty part"},
		{strings.Repeat("a.", awsquery.MaxDepth) + "b=1", "more than 32 parts"},
	}
	for _, c := range cases {
		form, err := url.ParseQuery(c.body)
		if err != nil {
			t.Fatal(err)
		}
		_, err = awsquery.Parse(form)
		var qe *awsquery.Error
		if !errors.As(err, &qe) || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("%s: got %v, want error containing %q", c.body, err, c.msg)
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"Action=DescribeAlarms&Version=2010-08-01&AlarmNames.member.1=a&AlarmNames.member.2=b",
		"Dimensions.member.1.Name=x&Dimensions.member.1.Value=y&OKActions=",
		"A=1&A.B=2", "A..B", "%zz", "a.member.01=x",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		form, err := url.ParseQuery(body)
		if err != nil {
			return
		}
		tree, err := awsquery.Parse(form)
		if err != nil {
			var qe *awsquery.Error
			if !errors.As(err, &qe) {
				t.Fatalf("error of type %T", err)
			}
			return
		}
		// Every leaf is a string, and List never panics on any node.
		var walk func(v any, depth int)
		walk = func(v any, depth int) {
			if depth > awsquery.MaxDepth+1 {
				t.Fatalf("tree deeper than the name limit")
			}
			awsquery.List(v)
			switch x := v.(type) {
			case string:
			case map[string]any:
				for _, c := range x {
					walk(c, depth+1)
				}
			default:
				t.Fatalf("leaf of type %T", v)
			}
		}
		walk(tree, 0)
	})
}
