package httpapi_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	sdk "github.com/aws/aws-sdk-go-v2/service/apigatewayv2"
	"github.com/aws/aws-sdk-go-v2/service/apigatewayv2/types"

	"github.com/stagecraft/stagecraft/internal/clock"
	"github.com/stagecraft/stagecraft/internal/lambdatest"
)

// jsonFormat is a JSON access log format with the variables AWS
// documents for HTTP APIs (http-api-logging-variables).
const jsonFormat = `{"requestId":"$context.requestId","ip":"$context.identity.sourceIp","ua":"$context.identity.userAgent",` +
	`"requestTime":"$context.requestTime","epoch":"$context.requestTimeEpoch","httpMethod":"$context.httpMethod",` +
	`"routeKey":"$context.routeKey","status":"$context.status","protocol":"$context.protocol",` +
	`"responseLength":"$context.responseLength","integrationError":"$context.integrationErrorMessage",` +
	`"integrationStatus":"$context.integrationStatus","integration.status":"$context.integration.status",` +
	`"integrationLatency":"$context.integrationLatency","responseLatency":"$context.responseLatency",` +
	`"error":"$context.error.message","responseType":"$context.error.responseType",` +
	`"path":"$context.path","stage":"$context.stage","apiId":"$context.apiId","domainName":"$context.domainName",` +
	`"domainPrefix":"$context.domainPrefix","account":"$context.accountId","authError":"$context.authorizer.error",` +
	`"unknown":"$context.nothing.here"}`

func TestAccessLogs(t *testing.T) {
	t0 := time.Date(2024, 5, 1, 12, 30, 45, 0, time.UTC)
	fc := clock.NewFake(t0)
	lam := lambdatest.Start(t)
	sink := newLogSink()
	hs := newHarness(t, withClock(fc), withAccessLog(sink), withLambda(lam.URL))
	up, _ := countingServer(t)
	lam.Register("fn", func(ctx context.Context, payload []byte) ([]byte, error) {
		return []byte(`{"statusCode":201,"body":"created"}`), nil
	})
	lam.Register("broken", func(ctx context.Context, payload []byte) ([]byte, error) {
		return []byte(`not json`), nil
	})
	lam.Register("fails", func(ctx context.Context, payload []byte) ([]byte, error) {
		return nil, errors.New("boom")
	})

	id := hs.api("logged", nil)
	hs.route(id, "GET /pets/{id}", hs.proxy(id, up.URL, nil), nil)
	hs.route(id, "POST /fn", hs.lambdaInteg(id, "fn", "2.0"), nil)
	hs.route(id, "GET /broken", hs.lambdaInteg(id, "broken", "2.0"), nil)
	hs.route(id, "GET /fails", hs.lambdaInteg(id, "fails", "2.0"), nil)
	hs.route(id, "GET /slow", hs.proxy(id, up.URL, nil), nil)
	arn := "arn:aws:logs:us-east-1:000000000000:log-group:http-api-access"
	_, err := hs.c.CreateStage(hs.ctx, &sdk.CreateStageInput{ApiId: &id, StageName: aws.String("prod"), AutoDeploy: aws.Bool(true),
		AccessLogSettings: &types.AccessLogSettings{DestinationArn: &arn, Format: aws.String(jsonFormat)},
		RouteSettings:     map[string]types.RouteSettings{"GET /slow": routeSettings(1, 1)}})
	if err != nil {
		t.Fatal(err)
	}
	// A CLF-style format on the $default stage; a stage without settings
	// logs nothing.
	clf := `$context.identity.sourceIp - - [$context.requestTime] "$context.httpMethod $context.routeKey $context.protocol" $context.status $context.responseLength $context.requestId $context.error.messageString`
	_, err = hs.c.CreateStage(hs.ctx, &sdk.CreateStageInput{ApiId: &id, StageName: aws.String("$default"), AutoDeploy: aws.Bool(true),
		AccessLogSettings: &types.AccessLogSettings{DestinationArn: &arn, Format: aws.String(clf)}})
	if err != nil {
		t.Fatal(err)
	}
	hs.stage(id, "quiet", nil)

	type entry map[string]any
	logged := func(r resp) entry {
		t.Helper()
		line := sink.wait(t, 1)[0]
		var e entry
		if err := json.Unmarshal([]byte(line), &e); err != nil {
			t.Fatalf("log line is not JSON: %v\n%s", err, line)
		}
		if e["requestId"] != r.header.Get("apigw-requestid") {
			t.Errorf("requestId %v, apigw-requestid %q", e["requestId"], r.header.Get("apigw-requestid"))
		}
		return e
	}
	check := func(e entry, want map[string]string) {
		t.Helper()
		for k, v := range want {
			if e[k] != v {
				t.Errorf("%s = %q, want %q (line %v)", k, e[k], v, e)
			}
		}
	}
	common := map[string]string{"ip": "127.0.0.1", "ua": "test-agent/1.0", "requestTime": "01/May/2024:12:30:45 +0000",
		"epoch": "1714566645000", "protocol": "HTTP/1.1", "stage": "prod", "apiId": id, "domainName": id + ".execute-api.localhost",
		"domainPrefix": id, "account": "000000000000", "unknown": "-", "authError": "-", "responseLatency": "0"}
	ua := map[string]string{"User-Agent": "test-agent/1.0"}

	t.Run("HTTP proxy", func(t *testing.T) {
		r := hs.do("GET", id, "/prod/pets/7", ua, "")
		expect(t, r, 200, "ok")
		e := logged(r)
		check(e, common)
		check(e, map[string]string{"httpMethod": "GET", "routeKey": "GET /pets/{id}", "status": "200", "responseLength": "2",
			"integrationStatus": "200", "integration.status": "200", "integrationLatency": "0", "integrationError": "-",
			"error": "-", "responseType": "-", "path": "/prod/pets/7"})
	})
	t.Run("Lambda", func(t *testing.T) {
		r := hs.do("POST", id, "/prod/fn", ua, "{}")
		expect(t, r, 201, "created")
		check(logged(r), map[string]string{"httpMethod": "POST", "routeKey": "POST /fn", "status": "201", "responseLength": "7",
			"integrationStatus": "200", "integration.status": "201", "integrationError": "-"})
	})
	t.Run("malformed Lambda answer", func(t *testing.T) {
		r := hs.do("GET", id, "/prod/broken", ua, "")
		expect(t, r, 500, `{"message":"Internal Server Error"}`)
		e := logged(r)
		check(e, map[string]string{"status": "500", "integrationStatus": "200", "error": "Internal Server Error",
			"responseType": "INTEGRATION_FAILURE"})
		if s, _ := e["integrationError"].(string); !strings.HasPrefix(s, "The response from the Lambda function doesn't match the format that API Gateway expects.") {
			t.Errorf("integrationError %q", s)
		}
	})
	t.Run("Lambda function error", func(t *testing.T) {
		r := hs.do("GET", id, "/prod/fails", ua, "")
		expect(t, r, 500, `{"message":"Internal Server Error"}`)
		e := logged(r)
		check(e, map[string]string{"status": "500", "integrationStatus": "200", "responseType": "INTEGRATION_FAILURE"})
		if s, _ := e["integrationError"].(string); !strings.HasPrefix(s, "The Lambda function returned the following error: ") || !strings.Contains(s, "boom") {
			t.Errorf("integrationError %q", s)
		}
	})
	t.Run("no route", func(t *testing.T) {
		r := hs.do("DELETE", id, "/prod/nowhere", ua, "")
		expect(t, r, 404, `{"message":"Not Found"}`)
		check(logged(r), map[string]string{"routeKey": "-", "status": "404", "error": "Not Found", "responseType": "RESOURCE_NOT_FOUND",
			"integrationStatus": "-", "integrationLatency": "-", "responseLength": "23", "path": "/prod/nowhere"})
	})
	t.Run("throttled", func(t *testing.T) {
		expect(t, hs.do("GET", id, "/prod/slow", ua, ""), 200, "ok")
		sink.wait(t, 1)
		r := hs.do("GET", id, "/prod/slow", ua, "")
		expect(t, r, 429, tooMany)
		check(logged(r), map[string]string{"routeKey": "GET /slow", "status": "429", "error": "Too Many Requests",
			"responseType": "THROTTLED", "integrationStatus": "-"})
	})
	t.Run("latency on the injected clock", func(t *testing.T) {
		// The upstream moves the fake clock while it answers.
		slow := countingHandler(t, func() { fc.Advance(1500 * time.Millisecond) })
		integ := hs.proxy(id, slow.URL, nil)
		hs.route(id, "GET /tick", integ, nil)
		r := hs.do("GET", id, "/prod/tick", ua, "")
		expect(t, r, 200, "ok")
		check(logged(r), map[string]string{"integrationLatency": "1500", "responseLatency": "1500", "requestTime": "01/May/2024:12:30:45 +0000"})
	})
	t.Run("CLF on the $default stage", func(t *testing.T) {
		r := hs.do("GET", id, "/pets/9", ua, "")
		expect(t, r, 200, "ok")
		line := sink.wait(t, 1)[0]
		now := fc.Now().UTC().Format("02/Jan/2006:15:04:05 -0700")
		want := `127.0.0.1 - - [` + now + `] "GET GET /pets/{id} HTTP/1.1" 200 2 ` + r.header.Get("apigw-requestid") + " -"
		if line != want {
			t.Fatalf("CLF line\n got %s\nwant %s", line, want)
		}
		// $context.error.messageString is the message quoted.
		r = hs.do("PUT", id, "/pets/9", ua, "")
		expect(t, r, 404, `{"message":"Not Found"}`)
		line = sink.wait(t, 1)[0]
		want = `127.0.0.1 - - [` + now + `] "PUT - HTTP/1.1" 404 23 ` + r.header.Get("apigw-requestid") + ` "Not Found"`
		if line != want {
			t.Fatalf("CLF line\n got %s\nwant %s", line, want)
		}
	})
	t.Run("custom domain", func(t *testing.T) {
		hs.domain(t, "api.example.test", id, "prod", "v1")
		r := hs.doHost("GET", "api.example.test:"+hs.port(), "/v1/pets/3", ua, "")
		expect(t, r, 200, "ok")
		check(logged(r), map[string]string{"domainName": "api.example.test", "domainPrefix": "api", "path": "/v1/pets/3", "routeKey": "GET /pets/{id}"})
	})
	t.Run("stage without access logging", func(t *testing.T) {
		expect(t, hs.do("GET", id, "/quiet/pets/1", ua, ""), 200, "ok")
		// The next line is the next logged request's, not the quiet one's.
		r := hs.do("GET", id, "/prod/pets/2", ua, "")
		if e := logged(r); e["path"] != "/prod/pets/2" {
			t.Fatalf("unexpected line %v", e)
		}
	})
}

// countingHandler is an upstream that runs before() and answers "ok".
func countingHandler(t testing.TB, before func()) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		before()
		w.Write([]byte("ok"))
	}))
	t.Cleanup(srv.Close)
	return srv
}

// domain maps a custom domain name's base path to an API stage.
func (hs *harness) domain(t testing.TB, name, apiID, stage, key string) {
	t.Helper()
	if _, err := hs.c.CreateDomainName(hs.ctx, &sdk.CreateDomainNameInput{DomainName: aws.String(name),
		DomainNameConfigurations: []types.DomainNameConfiguration{{CertificateArn: aws.String("arn:aws:acm:us-east-1:000000000000:certificate/x"), EndpointType: types.EndpointTypeRegional}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := hs.c.CreateApiMapping(hs.ctx, &sdk.CreateApiMappingInput{DomainName: aws.String(name), ApiId: &apiID, Stage: aws.String(stage), ApiMappingKey: aws.String(key)}); err != nil {
		t.Fatal(err)
	}
}

// get sends a plain GET.
func get(t testing.TB, url string) resp {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return resp{status: res.StatusCode, header: res.Header, body: string(b)}
}
