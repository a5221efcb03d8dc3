package websocket_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	sdk "github.com/aws/aws-sdk-go-v2/service/apigatewayv2"
	"github.com/aws/aws-sdk-go-v2/service/apigatewayv2/types"
	ws "github.com/coder/websocket"

	"github.com/stagecraft/stagecraft/internal/clock"
	"github.com/stagecraft/stagecraft/internal/lambdatest"
)

func TestRouting(t *testing.T) {
	hs := newHarness(t)
	id := hs.api("routing", "${request.body.service}/${request.body.action}")
	join := hs.integration(id, &sdk.CreateIntegrationInput{IntegrationType: types.IntegrationTypeMock,
		RequestTemplates: map[string]string{"$default": `{"statusCode":200,"room":$input.json('$.room')}`}, TemplateSelectionExpression: aws.String(`\$default`)})
	if _, err := hs.c.CreateIntegrationResponse(hs.ctx, &sdk.CreateIntegrationResponseInput{ApiId: &id, IntegrationId: &join,
		IntegrationResponseKey: aws.String("/200/"), ResponseTemplates: map[string]string{"$default": `{"joined":"$input.path('$.room')","by":"$context.connectionId"}`},
		TemplateSelectionExpression: aws.String(`\$default`)}); err != nil {
		t.Fatal(err)
	}
	hs.route(id, "chat/join", join, true, nil)
	hs.route(id, "chat/leave", hs.mock(id, 200, `left`), false, nil) // one-way: no answer
	hs.route(id, "chat/fail", hs.mock(id, 500, ``), true, nil)       // no integration response for 500: no answer
	bad := hs.integration(id, &sdk.CreateIntegrationInput{IntegrationType: types.IntegrationTypeMock,
		RequestTemplates: map[string]string{"$default": `not a status`}, TemplateSelectionExpression: aws.String(`\$default`)})
	hs.route(id, "chat/broken", bad, true, nil)
	hs.stage(id, "dev")
	c := hs.mustDial(id, "dev", "")

	send(t, c, `{"service":"chat","action":"join","room":"go"}`)
	if got := read(t, c); !strings.HasPrefix(got, `{"joined":"go","by":"`) || len(got) != len(`{"joined":"go","by":""}`)+16 {
		t.Fatalf("join answered %q", got)
	}
	send(t, c, `{"service":"chat","action":"leave"}`)
	send(t, c, `{"service":"chat","action":"fail"}`)
	// Nothing matches and there is no $default route: a Forbidden frame.
	send(t, c, `{"service":"chat","action":"nope"}`)
	var frame map[string]string
	if err := json.Unmarshal([]byte(read(t, c)), &frame); err != nil || frame["message"] != "Forbidden" || len(frame["connectionId"]) != 16 || len(frame["requestId"]) != 16 {
		t.Fatalf("error frame %v (%v)", frame, err)
	}
	// A broken integration: an Internal server error frame, AWS's text.
	send(t, c, `{"service":"chat","action":"broken"}`)
	got := read(t, c)
	if !strings.HasPrefix(got, `{"message": "Internal server error", "connectionId":"`) {
		t.Fatalf("error frame %q", got)
	}
	// Non-JSON cannot be evaluated: $default, which does not exist.
	send(t, c, `hello`)
	if got := read(t, c); !strings.HasPrefix(got, `{"message": "Forbidden"`) {
		t.Fatalf("non-JSON message answered %q", got)
	}

	// A later deployment applies to the open connection.
	hs.route(id, "$default", hs.mock(id, 200, `default:$context.routeKey`), true, nil)
	send(t, c, `hello`)
	if got := read(t, c); got != `default:$default` {
		t.Fatalf("after redeploy: %q", got)
	}
}

func TestConnectRoute(t *testing.T) {
	lam := lambdatest.Start(t)
	hs := newHarness(t, withLambda(lam.URL))
	id := hs.api("connect", "$request.body.action")
	// $connect through a MOCK: the request template picks the status.
	connect := hs.integration(id, &sdk.CreateIntegrationInput{IntegrationType: types.IntegrationTypeMock,
		RequestTemplates:            map[string]string{"$default": `#if($input.params('token') == "ok"){"statusCode":200}#else{"statusCode":401}#end`},
		TemplateSelectionExpression: aws.String(`\$default`)})
	hs.route(id, "$connect", connect, false, func(in *sdk.CreateRouteInput) {
		in.RequestParameters = map[string]types.ParameterConstraints{"route.request.querystring.token": {Required: aws.Bool(true)}}
	})
	hs.route(id, "who", hs.mock(id, 200, `$context.authorizer.principalId/$context.authorizer.tier`), true, nil)
	hs.stage(id, "v1")

	if _, res, err := hs.dial(id, "v1", "", nil); err == nil || res.StatusCode != 400 {
		t.Fatalf("dial without the required token: %v %v", err, res)
	}
	if _, res, err := hs.dial(id, "v1", "?token=bad", nil); err == nil || res.StatusCode != 401 {
		t.Fatalf("dial with a bad token: %v %v", err, res)
	}
	hs.mustDial(id, "v1", "?token=ok")
	// Unknown stage, unknown path, plain HTTP.
	if _, res, err := hs.dial(id, "v2", "", nil); err == nil || res.StatusCode != 403 {
		t.Fatalf("dial unknown stage: %v %v", err, res)
	}
	req, _ := http.NewRequest("GET", hs.srv.URL+"/v1", nil)
	req.Host = id + ".execute-api.localhost:" + hs.port()
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusUpgradeRequired {
		t.Fatalf("plain GET: %d", res.StatusCode)
	}

	// A Lambda REQUEST authorizer on $connect, with caching.
	lam.Register("auth", func(ctx context.Context, payload []byte) ([]byte, error) {
		var e struct {
			Type      string            `json:"type"`
			MethodArn string            `json:"methodArn"`
			Headers   map[string]string `json:"headers"`
		}
		json.Unmarshal(payload, &e)
		effect := "Deny"
		if e.Headers["Auth"] == "secret" {
			effect = "Allow"
		}
		out, _ := json.Marshal(map[string]any{"principalId": "user-7", "context": map[string]any{"tier": "gold"},
			"policyDocument": map[string]any{"Version": "2012-10-17", "Statement": []map[string]any{{"Action": "execute-api:Invoke", "Effect": effect, "Resource": e.MethodArn}}}})
		return out, nil
	})
	au, err := hs.c.CreateAuthorizer(hs.ctx, &sdk.CreateAuthorizerInput{ApiId: &id, Name: aws.String("auth"), AuthorizerType: types.AuthorizerTypeRequest,
		AuthorizerUri:  aws.String("arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:000000000000:function:auth/invocations"),
		IdentitySource: []string{"route.request.header.Auth"}, AuthorizerResultTtlInSeconds: aws.Int32(300)})
	if err != nil {
		t.Fatal(err)
	}
	routes, _ := hs.c.GetRoutes(hs.ctx, &sdk.GetRoutesInput{ApiId: &id})
	for _, r := range routes.Items {
		if *r.RouteKey == "$connect" {
			if _, err := hs.c.UpdateRoute(hs.ctx, &sdk.UpdateRouteInput{ApiId: &id, RouteId: r.RouteId, AuthorizationType: types.AuthorizationTypeCustom, AuthorizerId: au.AuthorizerId}); err != nil {
				t.Fatal(err)
			}
		}
	}
	if _, res, err := hs.dial(id, "v1", "?token=ok", nil); err == nil || res.StatusCode != 401 {
		t.Fatalf("dial without the identity source: %v %v", err, res)
	}
	if _, res, err := hs.dial(id, "v1", "?token=ok", http.Header{"Auth": {"wrong"}}); err == nil || res.StatusCode != 403 {
		t.Fatalf("dial denied by the authorizer: %v %v", err, res)
	}
	c := hs.mustDialHeader(id, "v1", "?token=ok", http.Header{"Auth": {"secret"}})
	send(t, c, `{"action":"who"}`)
	if got := read(t, c); got != "user-7/gold" {
		t.Fatalf("authorizer context: %q", got)
	}
	hs.mustDialHeader(id, "v1", "?token=ok", http.Header{"Auth": {"secret"}})
	if n := len(lam.InvocationsOf("auth")); n != 2 {
		t.Fatalf("authorizer invoked %d times, want 2 (one cached)", n)
	}
	var e map[string]any
	lam.Last(t, "auth").Decode(t, &e)
	if e["type"] != "REQUEST" || e["methodArn"] != "arn:aws:execute-api:us-east-1:000000000000:"+id+"/v1/$connect" {
		t.Errorf("authorizer event %v", e)
	}
}

func (hs *harness) mustDialHeader(apiID, stage, query string, hdr http.Header) *ws.Conn {
	hs.t.Helper()
	c, _, err := hs.dial(apiID, stage, query, hdr)
	if err != nil {
		hs.t.Fatalf("dial: %v", err)
	}
	hs.t.Cleanup(func() { c.CloseNow() })
	return c
}

func TestHTTPIntegrations(t *testing.T) {
	var got []string
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got = append(got, r.Method+" "+r.URL.Path+" "+r.URL.RawQuery+" "+r.Header.Get("X-Conn")+" "+string(b))
		if r.URL.Path == "/deny" {
			w.WriteHeader(403)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"upstream":"`+r.URL.Path+`","n":7}`)
	}))
	t.Cleanup(up.Close)
	hs := newHarness(t)
	id := hs.api("http", "$request.body.action")
	hs.route(id, "$connect", hs.integration(id, &sdk.CreateIntegrationInput{IntegrationType: types.IntegrationTypeHttpProxy,
		IntegrationUri: aws.String(up.URL + "/connect"), IntegrationMethod: aws.String("GET")}), false, nil)
	hs.route(id, "proxy", hs.integration(id, &sdk.CreateIntegrationInput{IntegrationType: types.IntegrationTypeHttpProxy,
		IntegrationUri: aws.String(up.URL + "/proxy"), IntegrationMethod: aws.String("POST"),
		RequestParameters: map[string]string{"integration.request.header.X-Conn": "context.connectionId"}}), true, nil)
	mapped := hs.integration(id, &sdk.CreateIntegrationInput{IntegrationType: types.IntegrationTypeHttp,
		IntegrationUri: aws.String(up.URL + "/mapped"), IntegrationMethod: aws.String("POST"),
		RequestTemplates:            map[string]string{"mapped": `{"wrapped":$input.json('$.data')}`},
		TemplateSelectionExpression: aws.String("$request.body.action")})
	if _, err := hs.c.CreateIntegrationResponse(hs.ctx, &sdk.CreateIntegrationResponseInput{ApiId: &id, IntegrationId: &mapped,
		IntegrationResponseKey: aws.String("/2\\d\\d/"), ResponseTemplates: map[string]string{"$default": `n=$input.path('$.n')`},
		TemplateSelectionExpression: aws.String(`\$default`)}); err != nil {
		t.Fatal(err)
	}
	hs.route(id, "mapped", mapped, true, nil)
	hs.stage(id, "s")

	c := hs.mustDial(id, "s", "?a=b")
	send(t, c, `{"action":"proxy","x":1}`)
	if m := read(t, c); m != `{"upstream":"/proxy","n":7}` {
		t.Fatalf("proxy answered %q", m)
	}
	send(t, c, `{"action":"mapped","data":{"k":"v"}}`)
	if m := read(t, c); m != `n=7` {
		t.Fatalf("mapped answered %q", m)
	}
	if len(got) != 3 || got[0] != "GET /connect a=b  " || !strings.HasPrefix(got[1], "POST /proxy  ") || !strings.HasSuffix(got[1], ` {"action":"proxy","x":1}`) ||
		got[2] != `POST /mapped   {"wrapped":{"k":"v"}}` {
		t.Fatalf("upstream saw %q", got)
	}
	if strings.Fields(got[1])[2] == "" {
		t.Fatalf("connection id header missing: %q", got[1])
	}
}

// TestTimeouts drives the idle timeout (10 minutes) and the maximum
// connection duration (2 hours) on a fake clock.
func TestTimeouts(t *testing.T) {
	fc := clock.NewFake(time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC))
	lam := lambdatest.Start(t)
	hs := newHarness(t, withClock(fc), withLambda(lam.URL))
	id := hs.api("timeouts", "$request.body.action")
	hs.route(id, "$default", hs.mock(id, 200, "pong"), true, nil)
	lambdatest.Handle(lam, "bye", func(ctx context.Context, e events.APIGatewayWebsocketProxyRequest) (events.APIGatewayProxyResponse, error) {
		return events.APIGatewayProxyResponse{StatusCode: 200}, nil
	})
	hs.route(id, "$disconnect", hs.lambdaInteg(id, "bye"), false, nil)
	hs.stage(id, "p")

	idle := hs.mustDial(id, "p", "")
	busy := hs.mustDial(id, "p", "")
	for i := 0; i < 13; i++ { // 13 × 9 min = 1 h 57 min
		fc.Advance(9 * time.Minute)
		send(t, busy, "ping")
		if got := read(t, busy); got != "pong" {
			t.Fatalf("busy got %q", got)
		}
		if i == 0 {
			if n := hs.h.Sweep(); n != 0 {
				t.Fatalf("swept %d connections after 9 minutes", n)
			}
			fc.Advance(time.Minute) // idle: 10 minutes without a message
			if n := hs.h.Sweep(); n != 1 {
				t.Fatalf("swept %d connections, want the idle one", n)
			}
			if code := closeStatus(t, idle); code != ws.StatusGoingAway {
				t.Fatalf("idle connection closed with %d", code)
			}
			continue
		}
		if n := hs.h.Sweep(); n != 0 {
			t.Fatalf("swept %d connections at step %d", n, i)
		}
	}
	// 1 h 58 min now; at 2 h the busy connection ends too.
	fc.Advance(2 * time.Minute)
	if n := hs.h.Sweep(); n != 1 {
		t.Fatalf("swept %d connections at 2 hours", n)
	}
	if code := closeStatus(t, busy); code != ws.StatusGoingAway {
		t.Fatalf("busy connection closed with %d", code)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	invs := lam.WaitInvocations(ctx, t, "bye", 2)
	var e map[string]any
	invs[0].Decode(t, &e)
	if rc := e["requestContext"].(map[string]any); rc["disconnectStatusCode"] != float64(1001) {
		t.Errorf("disconnect event %v", e)
	}
}

// TestSizeLimits: 128 KB per message, 32 KB per frame, closed with 1009.
func TestSizeLimits(t *testing.T) {
	hs := newHarness(t)
	id := hs.api("limits", "$request.body.action")
	hs.route(id, "$default", hs.mock(id, 200, "ok"), true, nil)
	hs.stage(id, "p")
	ctx := context.Background()

	// 100 KB in 32 KB frames is fine.
	c := hs.mustDial(id, "p", "")
	w, err := c.Writer(ctx, ws.MessageText)
	if err != nil {
		t.Fatal(err)
	}
	chunk := []byte(strings.Repeat("a", 32<<10))
	for i := 0; i < 3; i++ {
		if _, err := w.Write(chunk); err != nil {
			t.Fatal(err)
		}
	}
	w.Write([]byte(strings.Repeat("a", 4<<10)))
	w.Close()
	if got := read(t, c); got != "ok" {
		t.Fatalf("got %q", got)
	}
	// One 33 KB frame: closed.
	c2 := hs.mustDial(id, "p", "")
	send(t, c2, strings.Repeat("b", 33<<10))
	if code := closeStatus(t, c2); code != ws.StatusMessageTooBig {
		t.Fatalf("oversized frame closed with %d", code)
	}
	// A message over 128 KB in small frames: closed.
	c3 := hs.mustDial(id, "p", "")
	w, _ = c3.Writer(ctx, ws.MessageText)
	for i := 0; i < 5; i++ {
		if _, err := w.Write(chunk); err != nil {
			break
		}
	}
	w.Close()
	if code := closeStatus(t, c3); code != ws.StatusMessageTooBig {
		t.Fatalf("oversized message closed with %d", code)
	}
}

// TestCustomDomain connects through a custom domain name's API mapping.
func TestCustomDomain(t *testing.T) {
	hs := newHarness(t)
	id := hs.api("domain", "$request.body.action")
	hs.route(id, "$default", hs.mock(id, 200, `$context.stage:$context.domainName`), true, nil)
	hs.stage(id, "live")
	if _, err := hs.c.CreateDomainName(hs.ctx, &sdk.CreateDomainNameInput{DomainName: aws.String("ws.example.com"),
		DomainNameConfigurations: []types.DomainNameConfiguration{{CertificateArn: aws.String("arn:aws:acm:us-east-1:000000000000:certificate/x"), EndpointType: types.EndpointTypeRegional}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := hs.c.CreateApiMapping(hs.ctx, &sdk.CreateApiMappingInput{DomainName: aws.String("ws.example.com"), ApiId: &id, Stage: aws.String("live"), ApiMappingKey: aws.String("chat")}); err != nil {
		t.Fatal(err)
	}
	if !hs.h.LookupDomain("ws.example.com:443") {
		t.Fatal("LookupDomain")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, _, err := ws.Dial(ctx, "ws://"+hs.addr()+"/chat", &ws.DialOptions{Host: "ws.example.com"})
	if err != nil {
		t.Fatal(err)
	}
	defer c.CloseNow()
	send(t, c, "hi")
	if got := read(t, c); got != "live:ws.example.com" {
		t.Fatalf("got %q", got)
	}
	if _, res, err := ws.Dial(ctx, "ws://"+hs.addr()+"/other", &ws.DialOptions{Host: "ws.example.com"}); err == nil || res.StatusCode != 403 {
		t.Fatalf("unmapped path: %v %v", err, res)
	}
}
