package server

import (
	"io"
	"net/http/httptest"
	"strings"
	"testing"
)

// Which requests reach CloudWatch, and that peeking at a form body leaves
// it intact for whoever answers.
func TestIsCloudWatch(t *testing.T) {
	sig := func(svc string) string {
		return "AWS4-HMAC-SHA256 Credential=test/20250101/us-east-1/" + svc + "/aws4_request, SignedHeaders=host, Signature=00"
	}
	const form = "application/x-www-form-urlencoded; charset=utf-8"
	cases := []struct {
		method, path, auth, ctype, target, body string
		want                                    bool
	}{
		{"POST", "/", sig("monitoring"), form, "", "Action=ListMetrics&Version=2010-08-01", true},
		{"POST", "/anything", sig("monitoring"), "", "", "", true},
		{"POST", "/", sig("apigateway"), form, "", "Action=PutMetricAlarm&Version=2010-08-01", false},
		{"POST", "/service/GraniteServiceVersion20100801/operation/DescribeAlarms", "", "application/cbor", "", "\xa0", true},
		{"POST", "/service/GraniteServiceVersion20100801/operation/DescribeAlarms", sig("appconfig"), "application/cbor", "", "\xa0", false},
		{"POST", "/", "", "application/x-amz-json-1.0", "GraniteServiceVersion20100801.DescribeAlarms", "{}", true},
		{"POST", "/", "", form, "", "Action=PutMetricAlarm&Version=2010-08-01&AlarmName=a", true},
		{"POST", "/", "", form, "", "Version=2010-08-01&Action=DescribeAlarms", true},
		{"POST", "/", "", form, "", "Action=SetAlarmState&Version=2010-08-01", true},
		{"POST", "/", "", form, "", "Action=DeleteAlarms&Version=2010-08-01", true},
		{"POST", "/", "", form, "", "Action=ListMetrics&Version=2010-08-01", false},
		{"POST", "/", "", form, "", "Action=DescribeAlarms&Version=2011-01-01", false},
		{"POST", "/", "", form, "", "Action=DescribeAlarms", false},
		{"POST", "/", "", "application/json", "", "Action=DescribeAlarms&Version=2010-08-01", false},
		{"POST", "/restapis", "", form, "", "Action=DescribeAlarms&Version=2010-08-01", false},
		{"GET", "/?Action=DescribeAlarms&Version=2010-08-01", "", "", "", "", true},
		{"GET", "/restapis", "", "", "", "", false},
		{"GET", "/?Action=GetMetricData&Version=2010-08-01", "", "", "", "", false},
	}
	for _, c := range cases {
		r := httptest.NewRequest(c.method, "http://localhost"+c.path, strings.NewReader(c.body))
		if c.auth != "" {
			r.Header.Set("Authorization", c.auth)
		}
		if c.ctype != "" {
			r.Header.Set("Content-Type", c.ctype)
		}
		if c.target != "" {
			r.Header.Set("X-Amz-Target", c.target)
		}
		cred, signed := parseCred(r)
		if got := isCloudWatch(r, cred, signed); got != c.want {
			t.Errorf("%s %s (auth %q, %q, %q): got %v, want %v", c.method, c.path, c.auth, c.target, c.body, got, c.want)
		}
		if b, _ := io.ReadAll(r.Body); string(b) != c.body {
			t.Errorf("%s %s: body after the peek is %q, want %q", c.method, c.path, b, c.body)
		}
	}
}
