package apigatewaymanagementapi_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	mgmt "github.com/aws/aws-sdk-go-v2/service/apigatewaymanagementapi"
	mgmttypes "github.com/aws/aws-sdk-go-v2/service/apigatewaymanagementapi/types"
	sdk "github.com/aws/aws-sdk-go-v2/service/apigatewayv2"
	"github.com/aws/aws-sdk-go-v2/service/apigatewayv2/types"
	ws "github.com/coder/websocket"

	"github.com/stagecraft/stagecraft/internal/dataplane/v2core"
	"github.com/stagecraft/stagecraft/internal/dataplane/websocket"
	"github.com/stagecraft/stagecraft/internal/testenv"
)

// fixture: a node (which serves the @connections API itself, as wired in
// app) and the WebSocket data plane over the node's store on its own
// listener; a WebSocket API with a $default MOCK route; one client
// connected whose connection id the client learns from a two-way route.
type fixture struct {
	env   *testenv.Env
	h     *websocket.Handler
	wsSrv *httptest.Server
	apiID string
	conn  *ws.Conn
	id    string
}

func newFixture(t *testing.T) *fixture {
	env := testenv.Start(t)
	h := websocket.New(env.Node.Store, websocket.Config{Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if tg, ok := v2core.ParseTarget(r); ok && h.Lookup(tg.APIID) {
			h.ServeAPI(w, r, tg.APIID, tg.Rest)
			return
		}
		http.NotFound(w, r)
	}))
	t.Cleanup(func() { h.Close(); srv.Close() })
	ctx := context.Background()
	c := env.APIGatewayV2()
	a, err := c.CreateApi(ctx, &sdk.CreateApiInput{Name: aws.String("m"), ProtocolType: types.ProtocolTypeWebsocket, RouteSelectionExpression: aws.String("$request.body.action")})
	if err != nil {
		t.Fatal(err)
	}
	integ, err := c.CreateIntegration(ctx, &sdk.CreateIntegrationInput{ApiId: a.ApiId, IntegrationType: types.IntegrationTypeMock,
		RequestTemplates: map[string]string{"$default": `{"statusCode":200}`}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateIntegrationResponse(ctx, &sdk.CreateIntegrationResponseInput{ApiId: a.ApiId, IntegrationId: integ.IntegrationId,
		IntegrationResponseKey: aws.String("$default"), ResponseTemplates: map[string]string{"$default": "$context.connectionId"}}); err != nil {
		t.Fatal(err)
	}
	rt, err := c.CreateRoute(ctx, &sdk.CreateRouteInput{ApiId: a.ApiId, RouteKey: aws.String("$default"), Target: aws.String("integrations/" + *integ.IntegrationId),
		RouteResponseSelectionExpression: aws.String("$default")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateRouteResponse(ctx, &sdk.CreateRouteResponseInput{ApiId: a.ApiId, RouteId: rt.RouteId, RouteResponseKey: aws.String("$default")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateStage(ctx, &sdk.CreateStageInput{ApiId: a.ApiId, StageName: aws.String("prod"), AutoDeploy: aws.Bool(true)}); err != nil {
		t.Fatal(err)
	}
	_, port, _ := net.SplitHostPort(strings.TrimPrefix(srv.URL, "http://"))
	dctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	conn, _, err := ws.Dial(dctx, "ws"+strings.TrimPrefix(srv.URL, "http")+"/prod", &ws.DialOptions{Host: *a.ApiId + ".execute-api.localhost:" + port, HTTPHeader: http.Header{"User-Agent": {"fixture/1"}}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.CloseNow() })
	conn.SetReadLimit(1 << 20)
	f := &fixture{env: env, h: h, wsSrv: srv, apiID: *a.ApiId, conn: conn}
	f.write(t, "who am I")
	f.id = f.read(t)
	return f
}

func (f *fixture) write(t *testing.T, s string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := f.conn.Write(ctx, ws.MessageText, []byte(s)); err != nil {
		t.Fatal(err)
	}
}

func (f *fixture) read(t *testing.T) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, b, err := f.conn.Read(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// client is an @connections client with endpoint = the stage URL whose
// host is host, reaching the node whatever that host is.
func (f *fixture) client(host, stage string) *mgmt.Client {
	cfg := f.env.AWSConfig()
	addr := strings.TrimPrefix(f.env.URL, "http://")
	d := &net.Dialer{}
	cfg.HTTPClient = &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
		return d.DialContext(ctx, network, addr)
	}}}
	return mgmt.NewFromConfig(cfg, func(o *mgmt.Options) { o.BaseEndpoint = aws.String("http://" + host + "/" + stage) })
}

func TestConnectionsThroughTheNode(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	host := f.apiID + ".execute-api.localhost"
	c := f.client(host, "prod")

	if _, err := c.PostToConnection(ctx, &mgmt.PostToConnectionInput{ConnectionId: &f.id, Data: []byte(`{"hello":"there"}`)}); err != nil {
		t.Fatal(err)
	}
	if got := f.read(t); got != `{"hello":"there"}` {
		t.Fatalf("client got %q", got)
	}
	info, err := c.GetConnection(ctx, &mgmt.GetConnectionInput{ConnectionId: &f.id})
	if err != nil {
		t.Fatal(err)
	}
	if *info.Identity.SourceIp != "127.0.0.1" || *info.Identity.UserAgent != "fixture/1" || info.ConnectedAt.IsZero() || info.LastActiveAt.Before(*info.ConnectedAt) {
		t.Errorf("GetConnection %+v %+v", info, info.Identity)
	}

	gone := func(name string, err error) {
		t.Helper()
		var g *mgmttypes.GoneException
		if !errors.As(err, &g) {
			t.Fatalf("%s: want GoneException, got %v", name, err)
		}
	}
	_, err = c.GetConnection(ctx, &mgmt.GetConnectionInput{ConnectionId: aws.String("AAAAAAAAAAAAAAA=")})
	gone("unknown id", err)
	_, err = f.client("otherapi00.execute-api.localhost", "prod").GetConnection(ctx, &mgmt.GetConnectionInput{ConnectionId: &f.id})
	gone("another API's endpoint", err)
	_, err = f.client(host, "dev").GetConnection(ctx, &mgmt.GetConnectionInput{ConnectionId: &f.id})
	gone("another stage's endpoint", err)
	_, err = c.PostToConnection(ctx, &mgmt.PostToConnectionInput{ConnectionId: &f.id, Data: make([]byte, 131073)})
	var tl *mgmttypes.PayloadTooLargeException
	if !errors.As(err, &tl) || tl.ErrorMessage() != "Message too long" {
		t.Fatalf("oversized post: %v", err)
	}
	// Exactly 128 KB passes.
	if _, err := c.PostToConnection(ctx, &mgmt.PostToConnectionInput{ConnectionId: &f.id, Data: []byte(strings.Repeat("x", 131072))}); err != nil {
		t.Fatal(err)
	}
	if got := f.read(t); len(got) != 131072 {
		t.Fatalf("client got %d bytes", len(got))
	}

	// "@" escaped as %40 and the id's "=" as %3D, signed by hand.
	raw := signedRequest(t, f, "GET", "http://"+host+"/prod/%40connections/"+strings.ReplaceAll(f.id, "=", "%3D"))
	res, err := http.DefaultClient.Do(raw)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	var doc map[string]any
	if res.StatusCode != 200 || json.Unmarshal(body, &doc) != nil || doc["identity"] == nil {
		t.Fatalf("escaped path: %d %s", res.StatusCode, body)
	}
	if s, _ := doc["connectedAt"].(string); !strings.HasSuffix(s, "Z") {
		t.Errorf("connectedAt %q is not an ISO-8601 UTC time", s)
	}

	if _, err := c.DeleteConnection(ctx, &mgmt.DeleteConnectionInput{ConnectionId: &f.id}); err != nil {
		t.Fatal(err)
	}
	rctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if _, _, err := f.conn.Read(rctx); ws.CloseStatus(err) != ws.StatusNormalClosure {
		t.Fatalf("after DeleteConnection the client read %v", err)
	}
	_, err = c.PostToConnection(ctx, &mgmt.PostToConnectionInput{ConnectionId: &f.id, Data: []byte("x")})
	gone("closed connection", err)
	_, err = c.DeleteConnection(ctx, &mgmt.DeleteConnectionInput{ConnectionId: &f.id})
	gone("closed connection", err)
}

// signedRequest builds a request signed for execute-api, sent to the
// node's address with the given URL's Host.
func signedRequest(t *testing.T, f *fixture, method, rawURL string) *http.Request {
	t.Helper()
	req, err := http.NewRequest(method, rawURL, nil)
	if err != nil {
		t.Fatal(err)
	}
	creds, _ := f.env.AWSConfig().Credentials.Retrieve(context.Background())
	const emptySHA = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, req, emptySHA, "execute-api", "us-east-1", time.Now()); err != nil {
		t.Fatal(err)
	}
	host := req.Host
	if host == "" {
		host = req.URL.Host
	}
	req.URL.Host = strings.TrimPrefix(f.env.URL, "http://")
	req.Host = host
	return req
}

// TestBoto3 drives the @connections API with boto3, endpoint_url being
// the node's URL plus the stage.
func TestBoto3(t *testing.T) {
	f := newFixture(t)
	out := f.env.Python(t, fmt.Sprintf(`
import boto3, json, os
c = boto3.client("apigatewaymanagementapi", endpoint_url=os.environ["STAGECRAFT_URL"] + "/prod")
cid = %q
c.post_to_connection(ConnectionId=cid, Data=b"from boto3")
info = c.get_connection(ConnectionId=cid)
res = {"ip": info["Identity"]["SourceIp"], "ua": info["Identity"]["UserAgent"], "age": (__import__("datetime").datetime.now(__import__("datetime").timezone.utc) - info["ConnectedAt"]).total_seconds()}
try:
    c.post_to_connection(ConnectionId="AAAAAAAAAAAAAAA=", Data=b"x")
except c.exceptions.GoneException as e:
    res["gone"] = e.response["ResponseMetadata"]["HTTPStatusCode"]
try:
    c.post_to_connection(ConnectionId=cid, Data=b"x" * 131073)
except c.exceptions.PayloadTooLargeException as e:
    res["tooLarge"] = e.response["Error"]["Message"]
c.delete_connection(ConnectionId=cid)
print(json.dumps(res))
`, f.id))
	if got := f.read(t); got != "from boto3" {
		t.Fatalf("client got %q", got)
	}
	var res map[string]any
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if res["ip"] != "127.0.0.1" || res["ua"] != "fixture/1" || res["age"].(float64) > 60 || res["age"].(float64) < -5 || res["gone"] != float64(410) || res["tooLarge"] != "Message too long" {
		t.Fatalf("boto3 saw %v", res)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, _, err := f.conn.Read(ctx); ws.CloseStatus(err) != ws.StatusNormalClosure {
		t.Fatalf("after delete_connection the client read %v", err)
	}
}
