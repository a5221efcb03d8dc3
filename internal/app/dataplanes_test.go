package app_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	mgmt "github.com/aws/aws-sdk-go-v2/service/apigatewaymanagementapi"
	v2 "github.com/aws/aws-sdk-go-v2/service/apigatewayv2"
	v2types "github.com/aws/aws-sdk-go-v2/service/apigatewayv2/types"
	"github.com/coder/websocket"

	"github.com/stagecraft/stagecraft/internal/testenv"
)

// get sends a request to an API through its execute-api host name on the
// node's port (the host form users curl) and returns status and body.
func get(t *testing.T, env *testenv.Env, apiID, path string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", env.URL+path, nil)
	req.Host = apiID + ".execute-api.localhost"
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// The front sends each API id to the plane that owns it: an HTTP API and a
// WebSocket API deployed through the control plane are served on the same
// port as REST APIs, in the host form and the path form.
func TestDataPlaneFrontServesHTTPAndWebSocketAPIs(t *testing.T) {
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "upstream saw "+r.URL.Path)
	}))
	defer upstream.Close()
	env := testenv.Start(t)
	c := env.APIGatewayV2()
	ctx := context.Background()

	// HTTP API by quick create: $default stage with auto-deploy.
	httpAPI, err := c.CreateApi(ctx, &v2.CreateApiInput{Name: aws.String("h"), ProtocolType: v2types.ProtocolTypeHttp,
		Target: aws.String(upstream.URL + "/{proxy}"), RouteKey: aws.String("GET /{proxy+}")})
	if err != nil {
		t.Fatal(err)
	}
	st, body := get(t, env, *httpAPI.ApiId, "/pets/1")
	if st != 200 || body != "upstream saw /pets/1" {
		t.Fatalf("HTTP API via host form: %d %q", st, body)
	}
	resp, err := http.Get(env.URL + "/_aws/execute-api/" + *httpAPI.ApiId + "/pets/2")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(b) != "upstream saw /pets/2" {
		t.Fatalf("HTTP API via path form: %d %q", resp.StatusCode, b)
	}

	// WebSocket API with a MOCK $default route answering through a route response.
	ws, err := c.CreateApi(ctx, &v2.CreateApiInput{Name: aws.String("w"), ProtocolType: v2types.ProtocolTypeWebsocket,
		RouteSelectionExpression: aws.String("$request.body.action")})
	if err != nil {
		t.Fatal(err)
	}
	integ, err := c.CreateIntegration(ctx, &v2.CreateIntegrationInput{ApiId: ws.ApiId, IntegrationType: v2types.IntegrationTypeMock,
		RequestTemplates: map[string]string{"$default": `{"statusCode": 200}`}, TemplateSelectionExpression: aws.String("\\$default")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateIntegrationResponse(ctx, &v2.CreateIntegrationResponseInput{ApiId: ws.ApiId, IntegrationId: integ.IntegrationId,
		IntegrationResponseKey: aws.String("$default"), ResponseTemplates: map[string]string{"$default": `{"echo": "pong", "id": "$context.connectionId"}`},
		TemplateSelectionExpression: aws.String("\\$default")}); err != nil {
		t.Fatal(err)
	}
	route, err := c.CreateRoute(ctx, &v2.CreateRouteInput{ApiId: ws.ApiId, RouteKey: aws.String("$default"),
		Target: aws.String("integrations/" + *integ.IntegrationId), RouteResponseSelectionExpression: aws.String("$default")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateRouteResponse(ctx, &v2.CreateRouteResponseInput{ApiId: ws.ApiId, RouteId: route.RouteId,
		RouteResponseKey: aws.String("$default")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateStage(ctx, &v2.CreateStageInput{ApiId: ws.ApiId, StageName: aws.String("prod"), AutoDeploy: aws.Bool(true)}); err != nil {
		t.Fatal(err)
	}
	dctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	wsURL := "ws" + strings.TrimPrefix(env.URL, "http") + "/prod"
	conn, _, err := websocket.Dial(dctx, wsURL, &websocket.DialOptions{Host: *ws.ApiId + ".execute-api.localhost"})
	if err != nil {
		t.Fatalf("WebSocket dial through the node: %v", err)
	}
	defer conn.CloseNow()
	if err := conn.Write(dctx, websocket.MessageText, []byte(`{"action":"ping"}`)); err != nil {
		t.Fatal(err)
	}
	_, msg, err := conn.Read(dctx)
	if err != nil || !strings.Contains(string(msg), "pong") {
		t.Fatalf("WebSocket reply: %q %v", msg, err)
	}
	var reply struct{ ID string }
	if err := json.Unmarshal(msg, &reply); err != nil || reply.ID == "" {
		t.Fatalf("reply without connection id: %q %v", msg, err)
	}

	// The management API reaches the connection through the stage URL in
	// the path form, signed for execute-api, as SDK users configure it.
	mc := mgmt.NewFromConfig(env.AWSConfig(), func(o *mgmt.Options) {
		o.BaseEndpoint = aws.String(env.URL + "/_aws/execute-api/" + *ws.ApiId + "/prod")
	})
	if _, err := mc.PostToConnection(ctx, &mgmt.PostToConnectionInput{ConnectionId: aws.String(reply.ID), Data: []byte("pushed")}); err != nil {
		t.Fatalf("PostToConnection via path form: %v", err)
	}
	if _, msg, err := conn.Read(dctx); err != nil || string(msg) != "pushed" {
		t.Fatalf("pushed message: %q %v", msg, err)
	}
	info, err := mc.GetConnection(ctx, &mgmt.GetConnectionInput{ConnectionId: aws.String(reply.ID)})
	if err != nil || info.ConnectedAt == nil {
		t.Fatalf("GetConnection via path form: %v %+v", err, info)
	}
}
