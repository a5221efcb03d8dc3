package websocket_test

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	sdk "github.com/aws/aws-sdk-go-v2/service/apigatewayv2"
	"github.com/aws/aws-sdk-go-v2/service/apigatewayv2/types"
	ws "github.com/coder/websocket"

	"github.com/stagecraft/stagecraft/internal/clock"
)

// wsFormat is a JSON access log format with the variables AWS documents
// for WebSocket APIs (websocket-api-logging).
const wsFormat = `{"requestId":"$context.requestId","extendedRequestId":"$context.extendedRequestId","connectionId":"$context.connectionId",` +
	`"eventType":"$context.eventType","routeKey":"$context.routeKey","status":"$context.status","messageId":"$context.messageId",` +
	`"integrationStatus":"$context.integrationStatus","integration.status":"$context.integration.status",` +
	`"integrationLatency":"$context.integrationLatency","integrationError":"$context.integrationErrorMessage",` +
	`"error":"$context.error.message","responseType":"$context.error.responseType","ip":"$context.identity.sourceIp",` +
	`"ua":"$context.identity.userAgent","requestTime":"$context.requestTime","epoch":"$context.requestTimeEpoch",` +
	`"connectedAt":"$context.connectedAt","stage":"$context.stage","apiId":"$context.apiId","domainName":"$context.domainName",` +
	`"direction":"$context.messageDirection","apiKeyId":"$context.identity.apiKeyId","authError":"$context.authorizer.error"}`

func TestAccessLogs(t *testing.T) {
	t0 := time.Date(2024, 5, 1, 12, 30, 45, 0, time.UTC)
	fc := clock.NewFake(t0)
	sink := newLogSink()
	hs := newHarness(t, withClock(fc), withAccessLog(sink))
	id := hs.api("logged", "$request.body.action")
	connect := hs.integration(id, &sdk.CreateIntegrationInput{IntegrationType: types.IntegrationTypeMock,
		RequestTemplates:            map[string]string{"$default": `#if($input.params('deny') == "1"){"statusCode":401}#else{"statusCode":200}#end`},
		TemplateSelectionExpression: aws.String(`\$default`)})
	hs.route(id, "$connect", connect, false, nil)
	hs.route(id, "whoami", hs.mock(id, 200, `$context.connectionId`), true, nil)
	hs.route(id, "broken", hs.integration(id, &sdk.CreateIntegrationInput{IntegrationType: types.IntegrationTypeHttpProxy,
		IntegrationMethod: aws.String("POST"), IntegrationUri: aws.String("http://127.0.0.1:1/nothing")}), false, nil)
	hs.route(id, "$disconnect", hs.mock(id, 200, ""), false, nil)
	arn := "arn:aws:logs:us-east-1:000000000000:log-group:ws-access"
	_, err := hs.c.CreateStage(hs.ctx, &sdk.CreateStageInput{ApiId: &id, StageName: aws.String("prod"), AutoDeploy: aws.Bool(true),
		AccessLogSettings: &types.AccessLogSettings{DestinationArn: &arn, Format: aws.String(wsFormat)}})
	if err != nil {
		t.Fatal(err)
	}
	hs.stage(id, "quiet")

	type entry map[string]string
	next := func() entry {
		t.Helper()
		line := hs.waitLine(t, sink)
		var e entry
		if err := json.Unmarshal([]byte(line), &e); err != nil {
			t.Fatalf("log line is not JSON: %v\n%s", err, line)
		}
		return e
	}
	check := func(e entry, want entry) {
		t.Helper()
		for k, v := range want {
			if e[k] != v {
				t.Errorf("%s = %q, want %q (line %v)", k, e[k], v, e)
			}
		}
	}
	common := entry{"ip": "127.0.0.1", "ua": "ws-test/2", "requestTime": "01/May/2024:12:30:45 +0000", "epoch": "1714566645000",
		"connectedAt": "1714566645000", "stage": "prod", "apiId": id, "domainName": id + ".execute-api.localhost",
		"direction": "IN", "apiKeyId": "-", "authError": "-"}
	ua := http.Header{"User-Agent": {"ws-test/2"}}

	// A refused handshake is logged with the refusal.
	hs.refusalQuery(t, id, "prod", "?deny=1", ua, 401)
	e := next()
	check(e, common)
	check(e, entry{"eventType": "CONNECT", "routeKey": "$connect", "status": "401", "integrationStatus": "401", "messageId": "-"})

	c, _, err := hs.dial(id, "prod", "", ua)
	if err != nil {
		t.Fatal(err)
	}
	defer c.CloseNow()
	e = next()
	check(e, common)
	check(e, entry{"eventType": "CONNECT", "routeKey": "$connect", "status": "200", "integrationStatus": "200",
		"integrationLatency": "0", "error": "-", "responseType": "-"})
	if e["requestId"] == "" || e["requestId"] != e["extendedRequestId"] {
		t.Errorf("requestId %q extendedRequestId %q", e["requestId"], e["extendedRequestId"])
	}
	connID := e["connectionId"]

	send(t, c, `{"action":"whoami"}`)
	if got := read(t, c); got != connID {
		t.Fatalf("$context.connectionId in the route %q, logged %q", got, connID)
	}
	e = next()
	check(e, common)
	check(e, entry{"eventType": "MESSAGE", "routeKey": "whoami", "status": "200", "connectionId": connID, "error": "-"})
	if len(e["messageId"]) != 16 {
		t.Errorf("messageId %q", e["messageId"])
	}

	// No route and no $default: the Forbidden frame.
	send(t, c, `{"action":"nothing"}`)
	frame := read(t, c)
	e = next()
	check(e, entry{"eventType": "MESSAGE", "routeKey": "-", "status": "403", "error": "Forbidden", "integrationStatus": "-"})
	if !strings.Contains(frame, `"requestId":"`+e["requestId"]+`"`) {
		t.Errorf("error frame %s does not carry the logged requestId %s", frame, e["requestId"])
	}

	// An integration that fails.
	send(t, c, `{"action":"broken"}`)
	read(t, c)
	e = next()
	check(e, entry{"eventType": "MESSAGE", "routeKey": "broken", "status": "500", "error": "Internal server error",
		"responseType": "INTEGRATION_FAILURE", "integrationStatus": "-"})
	if !strings.Contains(e["integrationError"], "127.0.0.1:1") {
		t.Errorf("integrationErrorMessage %q", e["integrationError"])
	}

	// The client closes: $disconnect is logged, at the clock's time.
	fc.Advance(90 * time.Second)
	c.Close(ws.StatusNormalClosure, "bye")
	e = next()
	check(e, entry{"eventType": "DISCONNECT", "routeKey": "$disconnect", "status": "200", "connectionId": connID,
		"requestTime": "01/May/2024:12:32:15 +0000", "epoch": strconv.FormatInt(t0.Add(90*time.Second).UnixMilli(), 10),
		"connectedAt": "1714566645000"})

	// A stage without access logging writes nothing: the next line is the
	// logged stage's.
	q := hs.mustDial(id, "quiet", "")
	send(t, q, `{"action":"whoami"}`)
	read(t, q)
	hs.mustDial(id, "prod", "")
	if e := next(); e["stage"] != "prod" || e["eventType"] != "CONNECT" {
		t.Fatalf("unexpected line %v", e)
	}
}

func (hs *harness) waitLine(t testing.TB, s *logSink) string {
	t.Helper()
	return s.next(t, 1)[0]
}

// refusalQuery dials with a query string and expects the status.
func (hs *harness) refusalQuery(t testing.TB, apiID, stage, query string, hdr http.Header, status int) {
	t.Helper()
	c, res, err := hs.dial(apiID, stage, query, hdr)
	if err == nil {
		c.CloseNow()
		t.Fatalf("dial %s: connected, want %d", query, status)
	}
	if res == nil || res.StatusCode != status {
		t.Fatalf("dial %s: %v %v, want %d", query, res, err, status)
	}
}
