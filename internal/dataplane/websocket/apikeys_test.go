package websocket_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v1 "github.com/aws/aws-sdk-go-v2/service/apigateway"
	v1types "github.com/aws/aws-sdk-go-v2/service/apigateway/types"
	sdk "github.com/aws/aws-sdk-go-v2/service/apigatewayv2"
	"github.com/aws/aws-sdk-go-v2/service/apigatewayv2/types"
	ws "github.com/coder/websocket"

	apigw "github.com/stagecraft/stagecraft/internal/api/apigateway"
	"github.com/stagecraft/stagecraft/internal/clock"
	"github.com/stagecraft/stagecraft/internal/lambdatest"
	"github.com/stagecraft/stagecraft/internal/store"
)

// refusal dials and expects the handshake refused with status and body.
func (hs *harness) refusal(t testing.TB, apiID, stage string, hdr http.Header, status int, body string) {
	t.Helper()
	c, res, err := hs.dial(apiID, stage, "", hdr)
	if err == nil {
		c.CloseNow()
		t.Fatalf("dial with %v: connected, want %d %s", hdr, status, body)
	}
	if res == nil {
		t.Fatalf("dial with %v: %v", hdr, err)
	}
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != status || string(b) != body {
		t.Fatalf("dial with %v: %d %s, want %d %s", hdr, res.StatusCode, b, status, body)
	}
}

// errorFrame reads the next frame and checks it is an error frame with msg.
func errorFrame(t testing.TB, c *ws.Conn, msg string) {
	t.Helper()
	got := read(t, c)
	var f map[string]string
	if err := json.Unmarshal([]byte(got), &f); err != nil || f["message"] != msg || len(f["connectionId"]) != 16 || len(f["requestId"]) != 16 {
		t.Fatalf("frame %s, want an error frame with message %q", got, msg)
	}
	if !strings.HasPrefix(got, `{"message": "`+msg+`", "connectionId":"`) {
		t.Fatalf("frame %s is not spelled as AWS's error frames", got)
	}
}

// usage is the REST control plane (API keys and usage plans) of the node.
type usage struct {
	hs *harness
	c  *v1.Client
}

func (hs *harness) usage() *usage { return &usage{hs: hs, c: v1.NewFromConfig(hs.env.AWSConfig())} }

func (u *usage) key(t testing.TB, value string, enabled bool) string {
	t.Helper()
	k, err := u.c.CreateApiKey(context.Background(), &v1.CreateApiKeyInput{Name: aws.String(value[:8]), Value: aws.String(value), Enabled: enabled})
	if err != nil {
		t.Fatal(err)
	}
	return *k.Id
}

// plan creates a usage plan for apiID's stage with the keys. A usage plan
// names WebSocket API stages as it names REST ones [D; C: "we can create
// the Usage Plan and assign to the Websocket Api + Stage without
// problems"]; where this node's REST control plane does not accept a
// WebSocket stage yet, the stage is added to the stored plan the way the
// control plane stores it.
func (u *usage) plan(t testing.TB, in *v1.CreateUsagePlanInput, apiID, stage string, keys ...string) string {
	t.Helper()
	ctx := context.Background()
	in.Name = aws.String("plan-" + stage)
	in.ApiStages = []v1types.ApiStage{{ApiId: &apiID, Stage: &stage}}
	p, err := u.c.CreateUsagePlan(ctx, in)
	if err != nil {
		in.ApiStages = nil
		if p, err = u.c.CreateUsagePlan(ctx, in); err != nil {
			t.Fatal(err)
		}
		err = u.hs.env.Node.Store.Update(ctx, func(tx store.Tx) error {
			k := store.Key("000000000000", "us-east-1", *p.Id)
			up, err := store.GetJSON[apigw.UsagePlan](tx, "apigw.usageplans", k)
			if err != nil {
				return err
			}
			up.ApiStages = append(up.ApiStages, apigw.ApiStage{ApiId: &apiID, Stage: &stage})
			return store.PutJSON(tx, "apigw.usageplans", k, up)
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	for _, k := range keys {
		if _, err := u.c.CreateUsagePlanKey(ctx, &v1.CreateUsagePlanKeyInput{UsagePlanId: p.Id, KeyId: aws.String(k), KeyType: aws.String("API_KEY")}); err != nil {
			t.Fatal(err)
		}
	}
	return *p.Id
}

func keyHeader(v string) http.Header { return http.Header{"X-Api-Key": {v}} }

const (
	forbidden     = `{"message":"Forbidden"}`
	tooMany       = `{"message":"Too Many Requests"}`
	limitExceeded = `{"message":"Limit Exceeded"}`
)

// TestAPIKeys: routes with apiKeyRequired admit the x-api-key of the
// $connect request when the key is enabled and in a usage plan of the
// stage; the plan's throttle and quota count $connect and messages.
func TestAPIKeys(t *testing.T) {
	fc := clock.NewFake(time.Date(2024, 5, 1, 23, 0, 0, 0, time.UTC))
	hs := newHarness(t, withClock(fc), withManualSync())
	u := hs.usage()
	id := hs.api("keyed", "$request.body.action")
	keyed := func(in *sdk.CreateRouteInput) { in.ApiKeyRequired = aws.Bool(true) }
	hs.route(id, "$connect", hs.mock(id, 200, ""), false, keyed)
	hs.route(id, "echo", hs.mock(id, 200, `key=$context.identity.apiKeyId`), true, keyed)
	hs.route(id, "free", hs.mock(id, 200, `free`), true, nil)
	hs.stage(id, "prod")
	hs.stage(id, "beta")

	good := u.key(t, "good-key-0123456789abcdef", true)
	disabled := u.key(t, "disabled-key-0123456789ab", false)
	u.key(t, "lonely-key-0123456789abcd", true) // in no plan
	other := u.key(t, "other-stage-key-0123456789", true)
	planID := u.plan(t, &v1.CreateUsagePlanInput{Throttle: &v1types.ThrottleSettings{BurstLimit: 2, RateLimit: 1},
		Quota: &v1types.QuotaSettings{Limit: 4, Period: v1types.QuotaPeriodTypeDay}}, id, "prod", good, disabled)
	u.plan(t, &v1.CreateUsagePlanInput{}, id, "beta", other)

	t.Run("refused handshakes", func(t *testing.T) {
		for name, hdr := range map[string]http.Header{
			"no key":              nil,
			"unknown key":         keyHeader("no-such-key-0123456789abc"),
			"disabled key":        keyHeader("disabled-key-0123456789ab"),
			"key in no plan":      keyHeader("lonely-key-0123456789abcd"),
			"key of another plan": keyHeader("other-stage-key-0123456789"),
		} {
			t.Run(name, func(t *testing.T) { hs.refusal(t, id, "prod", hdr, 403, forbidden) })
		}
	})

	// $connect takes a throttle token and a quota request: 1 of 2, 1 of 4.
	c := hs.mustDialHeader(id, "prod", "", keyHeader("good-key-0123456789abcdef"))
	send(t, c, `{"action":"echo"}`) // 2 of 2, 2 of 4
	if got := read(t, c); got != "key="+good {
		t.Fatalf("echo: %q", got)
	}
	send(t, c, `{"action":"echo"}`) // throttled, not counted
	errorFrame(t, c, "Too Many Requests")
	send(t, c, `{"action":"free"}`) // no key needed: no plan throttle or quota
	if got := read(t, c); got != "free" {
		t.Fatalf("free: %q", got)
	}
	fc.Advance(time.Second)
	send(t, c, `{"action":"echo"}`) // 3 of 4
	read(t, c)
	fc.Advance(time.Second)
	send(t, c, `{"action":"echo"}`) // 4 of 4
	read(t, c)
	fc.Advance(time.Second)
	send(t, c, `{"action":"echo"}`)
	errorFrame(t, c, "Limit Exceeded")
	fc.Advance(time.Second)
	hs.refusal(t, id, "prod", keyHeader("good-key-0123456789abcdef"), 429, limitExceeded)

	// The counts reach the store at Sync, where GetUsage reads them.
	if err := hs.h.Sync(context.Background()); err != nil {
		t.Fatal(err)
	}
	out, err := u.c.GetUsage(context.Background(), &v1.GetUsageInput{UsagePlanId: &planID, StartDate: aws.String("2024-05-01"), EndDate: aws.String("2024-05-01")})
	if err != nil {
		t.Fatal(err)
	}
	if got := out.Items[good]; len(got) != 1 || got[0][0] != 4 || got[0][1] != 0 {
		t.Fatalf("GetUsage items %v", out.Items)
	}

	// A new day (UTC) has a new quota.
	fc.Advance(time.Hour)
	c2 := hs.mustDialHeader(id, "prod", "", keyHeader("good-key-0123456789abcdef"))
	send(t, c2, `{"action":"echo"}`)
	if got := read(t, c2); got != "key="+good {
		t.Fatalf("echo on a new day: %q", got)
	}
	// A key may reach only the stages its plans name.
	hs.mustDialHeader(id, "beta", "", keyHeader("other-stage-key-0123456789"))
	hs.refusal(t, id, "beta", keyHeader("good-key-0123456789abcdef"), 403, forbidden)

	// Disabling a key refuses it from the next request on, mid-connection
	// too (the key is checked per message).
	if _, err := u.c.UpdateApiKey(context.Background(), &v1.UpdateApiKeyInput{ApiKey: &good,
		PatchOperations: []v1types.PatchOperation{{Op: v1types.OpReplace, Path: aws.String("/enabled"), Value: aws.String("false")}}}); err != nil {
		t.Fatal(err)
	}
	send(t, c2, `{"action":"echo"}`)
	errorFrame(t, c2, "Forbidden")
	hs.refusal(t, id, "prod", keyHeader("good-key-0123456789abcdef"), 403, forbidden)
}

// TestAPIKeyFromAuthorizer: with apiKeySelectionExpression
// $context.authorizer.usageIdentifierKey the key is the one the $connect
// Lambda authorizer returned, not a header.
func TestAPIKeyFromAuthorizer(t *testing.T) {
	lam := lambdatest.Start(t)
	hs := newHarness(t, withLambda(lam.URL), withManualSync())
	u := hs.usage()
	lam.Register("auth", func(ctx context.Context, payload []byte) ([]byte, error) {
		var e struct {
			MethodArn string            `json:"methodArn"`
			Query     map[string]string `json:"queryStringParameters"`
		}
		json.Unmarshal(payload, &e)
		out, _ := json.Marshal(map[string]any{"principalId": "p", "usageIdentifierKey": e.Query["tenant"] + "-key-0123456789abcdef",
			"policyDocument": map[string]any{"Version": "2012-10-17", "Statement": []map[string]any{{"Action": "execute-api:Invoke", "Effect": "Allow", "Resource": e.MethodArn}}}})
		return out, nil
	})
	out, err := hs.c.CreateApi(hs.ctx, &sdk.CreateApiInput{Name: aws.String("authkey"), ProtocolType: types.ProtocolTypeWebsocket,
		RouteSelectionExpression: aws.String("$request.body.action"), ApiKeySelectionExpression: aws.String("$context.authorizer.usageIdentifierKey")})
	if err != nil {
		t.Fatal(err)
	}
	id := *out.ApiId
	au, err := hs.c.CreateAuthorizer(hs.ctx, &sdk.CreateAuthorizerInput{ApiId: &id, Name: aws.String("auth"), AuthorizerType: types.AuthorizerTypeRequest,
		AuthorizerUri:  aws.String("arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:000000000000:function:auth/invocations"),
		IdentitySource: []string{"route.request.querystring.tenant"}})
	if err != nil {
		t.Fatal(err)
	}
	hs.route(id, "$connect", hs.mock(id, 200, ""), false, func(in *sdk.CreateRouteInput) {
		in.ApiKeyRequired, in.AuthorizationType, in.AuthorizerId = aws.Bool(true), types.AuthorizationTypeCustom, au.AuthorizerId
	})
	hs.route(id, "who", hs.mock(id, 200, `$context.identity.apiKey`), true, func(in *sdk.CreateRouteInput) { in.ApiKeyRequired = aws.Bool(true) })
	hs.stage(id, "prod")
	acme := u.key(t, "acme-key-0123456789abcdef", true)
	u.plan(t, &v1.CreateUsagePlanInput{}, id, "prod", acme)

	c := hs.mustDial(id, "prod", "?tenant=acme")
	send(t, c, `{"action":"who"}`)
	if got := read(t, c); got != "acme-key-0123456789abcdef" {
		t.Fatalf("$context.identity.apiKey %q", got)
	}
	// The x-api-key header does not count here; the authorizer's key does.
	c2, res, err := hs.dial(id, "prod", "?tenant=globex", keyHeader("acme-key-0123456789abcdef"))
	if err == nil {
		c2.CloseNow()
		t.Fatal("connected with a key the authorizer did not hand over")
	}
	if b, _ := io.ReadAll(res.Body); res.StatusCode != 403 || string(b) != forbidden {
		t.Fatalf("refusal %d %s", res.StatusCode, b)
	}
}

// TestRouteThrottling: the stage's defaultRouteSettings and
// routeSettings throttle $connect and messages per route.
func TestRouteThrottling(t *testing.T) {
	fc := clock.NewFake(time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC))
	hs := newHarness(t, withClock(fc))
	id := hs.api("throttled", "$request.body.action")
	hs.route(id, "$connect", hs.mock(id, 200, ""), false, nil)
	hs.route(id, "ping", hs.mock(id, 200, "pong"), true, nil)
	hs.route(id, "$default", hs.mock(id, 200, "default"), true, nil)
	_, err := hs.c.CreateStage(hs.ctx, &sdk.CreateStageInput{ApiId: &id, StageName: aws.String("prod"), AutoDeploy: aws.Bool(true),
		DefaultRouteSettings: &types.RouteSettings{ThrottlingBurstLimit: aws.Int32(3), ThrottlingRateLimit: aws.Float64(1)},
		RouteSettings: map[string]types.RouteSettings{
			"$connect": {ThrottlingBurstLimit: aws.Int32(2), ThrottlingRateLimit: aws.Float64(0.5)},
			"ping":     {ThrottlingBurstLimit: aws.Int32(1), ThrottlingRateLimit: aws.Float64(1)},
		}})
	if err != nil {
		t.Fatal(err)
	}
	c := hs.mustDial(id, "prod", "")
	hs.mustDial(id, "prod", "")
	hs.refusal(t, id, "prod", nil, 429, tooMany)

	send(t, c, `{"action":"ping"}`)
	if got := read(t, c); got != "pong" {
		t.Fatalf("ping: %q", got)
	}
	send(t, c, `{"action":"ping"}`)
	errorFrame(t, c, "Too Many Requests")
	for range 3 { // $default: the stage default, burst 3
		send(t, c, `nothing`)
		if got := read(t, c); got != "default" {
			t.Fatalf("$default: %q", got)
		}
	}
	send(t, c, `nothing`)
	errorFrame(t, c, "Too Many Requests")

	fc.Advance(time.Second)
	send(t, c, `{"action":"ping"}`)
	if got := read(t, c); got != "pong" {
		t.Fatalf("ping after a second: %q", got)
	}
	hs.refusal(t, id, "prod", nil, 429, tooMany) // $connect refills every 2 s
	fc.Advance(time.Second)
	hs.mustDial(id, "prod", "")
}
