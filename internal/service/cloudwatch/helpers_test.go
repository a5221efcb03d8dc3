package cloudwatch_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/stagecraft/stagecraft/internal/clock"
	"github.com/stagecraft/stagecraft/internal/service/cloudwatch/cbor"
	"github.com/stagecraft/stagecraft/internal/testenv"
)

var ctx = context.Background()

// t0 is the fake clock's start; CloudWatch keeps milliseconds.
var t0 = time.Date(2025, 6, 7, 8, 9, 10, 123_000_000, time.UTC)

func start(t *testing.T) (*testenv.Env, *clock.Fake) {
	t.Helper()
	clk := clock.NewFake(t0)
	return testenv.Start(t, testenv.WithFakeClock(clk)), clk
}

// client sends hand-built CloudWatch requests in one protocol: "cbor"
// (Smithy RPC v2 CBOR), "json" (AWS JSON 1.0) or "query". With key set the
// request is SigV4-signed for "monitoring" in region; otherwise unsigned.
type client struct {
	t      *testing.T
	url    string
	proto  string
	key    string
	region string
	path   string // overrides the CBOR path
}

type response struct {
	status int
	header http.Header
	raw    []byte
	body   map[string]any // decoded CBOR/JSON body (nil when empty)
}

func (r response) errType() string { s, _ := r.body["__type"].(string); return s }
func (r response) message() string { s, _ := r.body["message"].(string); return s }

func (c client) do(op string, in map[string]any) response {
	c.t.Helper()
	var req *http.Request
	var body []byte
	switch c.proto {
	case "cbor":
		b, err := cbor.Marshal(in)
		if err != nil {
			c.t.Fatal(err)
		}
		body = b
		p := c.path
		if p == "" {
			p = "/service/GraniteServiceVersion20100801/operation/" + op
		}
		req, _ = http.NewRequest("POST", c.url+p, bytes.NewReader(body))
		req.Header.Set("smithy-protocol", "rpc-v2-cbor")
		req.Header.Set("Content-Type", "application/cbor")
		req.Header.Set("Accept", "application/cbor")
	case "json":
		b, err := json.Marshal(in)
		if err != nil {
			c.t.Fatal(err)
		}
		body = b
		req, _ = http.NewRequest("POST", c.url+"/", bytes.NewReader(body))
		req.Header.Set("X-Amz-Target", "GraniteServiceVersion20100801."+op)
		req.Header.Set("Content-Type", "application/x-amz-json-1.0")
	case "query":
		form := url.Values{"Action": {op}, "Version": {"2010-08-01"}}
		flatten(form, "", in)
		body = []byte(form.Encode())
		req, _ = http.NewRequest("POST", c.url+"/", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	}
	if c.key != "" {
		sum := sha256.Sum256(body)
		region := c.region
		if region == "" {
			region = "us-east-1"
		}
		err := v4.NewSigner().SignHTTP(ctx, aws.Credentials{AccessKeyID: c.key, SecretAccessKey: "test"}, req,
			hex.EncodeToString(sum[:]), "monitoring", region, time.Now())
		if err != nil {
			c.t.Fatal(err)
		}
	}
	return send(c.t, req, c.proto)
}

func send(t *testing.T, req *http.Request, proto string) response {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	r := response{status: resp.StatusCode, header: resp.Header, raw: raw}
	if len(raw) == 0 || proto == "query" {
		return r
	}
	var v any
	if proto == "cbor" {
		v, err = cbor.Unmarshal(raw)
	} else {
		err = json.Unmarshal(raw, &v)
	}
	if err != nil {
		t.Fatalf("%s body %x: %v", proto, raw, err)
	}
	r.body, _ = v.(map[string]any)
	return r
}

// flatten writes a request tree as query parameters: lists as
// Name.member.N, structures as Name.Member.
func flatten(form url.Values, prefix string, v any) {
	switch x := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			p := k
			if prefix != "" {
				p = prefix + "." + k
			}
			flatten(form, p, x[k])
		}
	case []any:
		if len(x) == 0 {
			form.Set(prefix, "")
		}
		for i, it := range x {
			flatten(form, fmt.Sprintf("%s.member.%d", prefix, i+1), it)
		}
	case []string:
		if len(x) == 0 {
			form.Set(prefix, "")
		}
		for i, it := range x {
			form.Set(fmt.Sprintf("%s.member.%d", prefix, i+1), it)
		}
	default:
		form.Set(prefix, fmt.Sprint(x))
	}
}

// ok asserts a 200.
func (r response) ok(t *testing.T) response {
	t.Helper()
	if r.status != http.StatusOK {
		t.Fatalf("status %d: %s", r.status, r.raw)
	}
	return r
}

// fails asserts a CBOR/JSON error answer.
func (r response) fails(t *testing.T, status int, typ, queryCode, msg string) {
	t.Helper()
	if r.status != status || r.errType() != typ || r.header.Get("x-amzn-query-error") != queryCode || (msg != "" && r.message() != msg) {
		t.Fatalf("want %d %s (%s) %q,\n got %d %s (%s) %q", status, typ, queryCode, msg,
			r.status, r.errType(), r.header.Get("x-amzn-query-error"), r.message())
	}
}

// alarm is a minimal valid PutMetricAlarm input.
func alarm(name string, extra ...any) map[string]any {
	in := map[string]any{
		"AlarmName": name, "MetricName": "CPUUtilization", "Namespace": "AWS/EC2", "Statistic": "Average",
		"Period": 300, "EvaluationPeriods": 2, "Threshold": 70.5, "ComparisonOperator": "GreaterThanThreshold",
	}
	for i := 0; i+1 < len(extra); i += 2 {
		k := extra[i].(string)
		if extra[i+1] == nil {
			delete(in, k)
		} else {
			in[k] = extra[i+1]
		}
	}
	return in
}

// names lists the AlarmName of each MetricAlarms entry of a CBOR/JSON
// DescribeAlarms answer.
func names(t *testing.T, r response) []string {
	t.Helper()
	r.ok(t)
	l, _ := r.body["MetricAlarms"].([]any)
	out := []string{}
	for _, a := range l {
		out = append(out, a.(map[string]any)["AlarmName"].(string))
	}
	return out
}

func first(t *testing.T, r response) map[string]any {
	t.Helper()
	r.ok(t)
	l, _ := r.body["MetricAlarms"].([]any)
	if len(l) == 0 {
		t.Fatalf("no alarms in %v", r.body)
	}
	return l[0].(map[string]any)
}

func join(l []string) string { return strings.Join(l, ",") }
