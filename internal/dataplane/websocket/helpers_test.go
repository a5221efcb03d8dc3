package websocket_test

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	mgmt "github.com/aws/aws-sdk-go-v2/service/apigatewaymanagementapi"
	sdk "github.com/aws/aws-sdk-go-v2/service/apigatewayv2"
	"github.com/aws/aws-sdk-go-v2/service/apigatewayv2/types"
	ws "github.com/coder/websocket"

	"github.com/stagecraft/stagecraft/internal/clock"
	"github.com/stagecraft/stagecraft/internal/dataplane/v2core"
	"github.com/stagecraft/stagecraft/internal/dataplane/websocket"
	"github.com/stagecraft/stagecraft/internal/lambda"
	"github.com/stagecraft/stagecraft/internal/sigv4"
	"github.com/stagecraft/stagecraft/internal/testenv"
)

// harness is a real node (control plane, store and the @connections
// API) plus the WebSocket data plane on its own loopback listener,
// fronted as the front door dispatches: signed execute-api @connections
// requests and everything that is not a WebSocket API go to the node.
type harness struct {
	t   testing.TB
	env *testenv.Env
	h   *websocket.Handler
	srv *httptest.Server
	c   *sdk.Client
	ctx context.Context
}

type harnessOpt func(*websocket.Config)

func withLambda(endpoint string) harnessOpt {
	return func(cfg *websocket.Config) {
		cl, err := lambda.New(lambda.Config{Endpoint: endpoint})
		if err != nil {
			panic(err)
		}
		cfg.Lambda = cl
	}
}

func withClock(c *clock.Fake) harnessOpt {
	return func(cfg *websocket.Config) { cfg.Clock, cfg.SweepInterval = c, -1 }
}

func withAccessLog(w io.Writer) harnessOpt { return func(cfg *websocket.Config) { cfg.AccessLog = w } }

// withManualSync leaves usage plan counter syncs to the test (Sync).
func withManualSync() harnessOpt { return func(cfg *websocket.Config) { cfg.SyncInterval = -1 } }

func withAccountThrottling() harnessOpt {
	return func(cfg *websocket.Config) { cfg.AccountThrottling = true }
}

// logSink collects access log lines and lets a test wait for them.
type logSink struct {
	mu    sync.Mutex
	lines []string
	part  string
	ch    chan struct{}
}

func newLogSink() *logSink { return &logSink{ch: make(chan struct{}, 4096)} }

func (s *logSink) Write(p []byte) (int, error) {
	s.mu.Lock()
	s.part += string(p)
	n := 0
	for {
		i := strings.IndexByte(s.part, '\n')
		if i < 0 {
			break
		}
		s.lines = append(s.lines, s.part[:i])
		s.part = s.part[i+1:]
		n++
	}
	s.mu.Unlock()
	for range n {
		s.ch <- struct{}{}
	}
	return len(p), nil
}

// next returns the next n lines, waiting for them.
func (s *logSink) next(t testing.TB, n int) []string {
	t.Helper()
	for range n {
		select {
		case <-s.ch:
		case <-time.After(10 * time.Second):
			s.mu.Lock()
			defer s.mu.Unlock()
			t.Fatalf("waited for %d access log lines; have %q", n, s.lines)
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	out := append([]string(nil), s.lines[:n]...)
	s.lines = s.lines[n:]
	return out
}

func newHarness(t testing.TB, opts ...harnessOpt) *harness {
	t.Helper()
	cfg := websocket.Config{Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	for _, o := range opts {
		o(&cfg)
	}
	var envOpts []testenv.Option
	if fc, ok := cfg.Clock.(*clock.Fake); ok {
		envOpts = append(envOpts, testenv.WithFakeClock(fc))
	}
	env := testenv.Start(t, envOpts...)
	h := websocket.New(env.Node.Store, cfg)
	front := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		cred, signed := sigv4.Parse(r)
		mgmtReq := strings.Contains(r.URL.EscapedPath(), "@connections") || strings.Contains(r.URL.EscapedPath(), "%40connections")
		if tg, ok := v2core.ParseTarget(r); ok && !(mgmtReq && signed && cred.Service == "execute-api") && h.Lookup(tg.APIID) {
			h.ServeAPI(w, r, tg.APIID, tg.Rest)
			return
		}
		if h.LookupDomain(r.Host) {
			h.ServeHTTP(w, r)
			return
		}
		env.Node.Handler.ServeHTTP(w, r)
	})
	srv := httptest.NewServer(front)
	t.Cleanup(func() {
		h.Close()
		srv.Close()
	})
	return &harness{t: t, env: env, h: h, srv: srv, c: env.APIGatewayV2(), ctx: context.Background()}
}

func (hs *harness) addr() string { return strings.TrimPrefix(hs.srv.URL, "http://") }

func (hs *harness) port() string {
	_, p, _ := net.SplitHostPort(hs.addr())
	return p
}

// api creates a WebSocket API.
func (hs *harness) api(name, rse string) string {
	hs.t.Helper()
	out, err := hs.c.CreateApi(hs.ctx, &sdk.CreateApiInput{Name: aws.String(name), ProtocolType: types.ProtocolTypeWebsocket, RouteSelectionExpression: aws.String(rse)})
	if err != nil {
		hs.t.Fatal(err)
	}
	return *out.ApiId
}

func (hs *harness) integration(apiID string, in *sdk.CreateIntegrationInput) string {
	hs.t.Helper()
	in.ApiId = &apiID
	out, err := hs.c.CreateIntegration(hs.ctx, in)
	if err != nil {
		hs.t.Fatalf("create integration: %v", err)
	}
	return *out.IntegrationId
}

func (hs *harness) lambdaInteg(apiID, fn string) string {
	return hs.integration(apiID, &sdk.CreateIntegrationInput{IntegrationType: types.IntegrationTypeAwsProxy,
		IntegrationUri: aws.String("arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:000000000000:function:" + fn + "/invocations")})
}

// mock creates a MOCK integration answering status with an integration
// response that renders body.
func (hs *harness) mock(apiID string, status int, body string) string {
	hs.t.Helper()
	id := hs.integration(apiID, &sdk.CreateIntegrationInput{IntegrationType: types.IntegrationTypeMock,
		RequestTemplates: map[string]string{"$default": `{"statusCode": ` + itoa(status) + `}`}, TemplateSelectionExpression: aws.String(`\$default`)})
	if body != "" {
		if _, err := hs.c.CreateIntegrationResponse(hs.ctx, &sdk.CreateIntegrationResponseInput{ApiId: &apiID, IntegrationId: &id,
			IntegrationResponseKey: aws.String("$default"), ResponseTemplates: map[string]string{"$default": body},
			TemplateSelectionExpression: aws.String(`\$default`)}); err != nil {
			hs.t.Fatal(err)
		}
	}
	return id
}

// route creates a route; twoWay adds the $default route response.
func (hs *harness) route(apiID, key, integ string, twoWay bool, mod func(*sdk.CreateRouteInput)) string {
	hs.t.Helper()
	in := &sdk.CreateRouteInput{ApiId: &apiID, RouteKey: &key}
	if integ != "" {
		in.Target = aws.String("integrations/" + integ)
	}
	if twoWay {
		in.RouteResponseSelectionExpression = aws.String("$default")
	}
	if mod != nil {
		mod(in)
	}
	out, err := hs.c.CreateRoute(hs.ctx, in)
	if err != nil {
		hs.t.Fatalf("create route %s: %v", key, err)
	}
	if twoWay {
		if _, err := hs.c.CreateRouteResponse(hs.ctx, &sdk.CreateRouteResponseInput{ApiId: &apiID, RouteId: out.RouteId, RouteResponseKey: aws.String("$default")}); err != nil {
			hs.t.Fatal(err)
		}
	}
	return *out.RouteId
}

func (hs *harness) stage(apiID, name string) {
	hs.t.Helper()
	if _, err := hs.c.CreateStage(hs.ctx, &sdk.CreateStageInput{ApiId: &apiID, StageName: &name, AutoDeploy: aws.Bool(true)}); err != nil {
		hs.t.Fatalf("create stage: %v", err)
	}
}

// dial opens a client connection to ws://{apiID}.execute-api.localhost:{port}/{stage}{query}.
func (hs *harness) dial(apiID, stage, query string, hdr http.Header) (*ws.Conn, *http.Response, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return ws.Dial(ctx, "ws://"+hs.addr()+"/"+stage+query, &ws.DialOptions{Host: apiID + ".execute-api.localhost:" + hs.port(), HTTPHeader: hdr})
}

func (hs *harness) mustDial(apiID, stage, query string) *ws.Conn {
	hs.t.Helper()
	c, _, err := hs.dial(apiID, stage, query, nil)
	if err != nil {
		hs.t.Fatalf("dial: %v", err)
	}
	hs.t.Cleanup(func() { c.CloseNow() })
	return c
}

// mgmt is an @connections client for the stage URL, as SDK users build
// it (BaseEndpoint = the stage URL, signed for execute-api), reaching the
// listener whatever host the URL names.
func (hs *harness) mgmt(apiID, stage string) *mgmt.Client {
	cfg := hs.env.AWSConfig()
	addr := hs.addr()
	d := &net.Dialer{}
	cfg.HTTPClient = &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
		return d.DialContext(ctx, network, addr)
	}}}
	return mgmt.NewFromConfig(cfg, func(o *mgmt.Options) {
		o.BaseEndpoint = aws.String("http://" + apiID + ".execute-api.localhost:" + hs.port() + "/" + stage)
	})
}

func itoa(n int) string {
	b := []byte{}
	if n == 0 {
		return "0"
	}
	for n > 0 {
		b = append([]byte{byte('0' + n%10)}, b...)
		n /= 10
	}
	return string(b)
}

// read reads one message with a deadline.
func read(t testing.TB, c *ws.Conn) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, b, err := c.Read(ctx)
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	return string(b)
}

func send(t testing.TB, c *ws.Conn, msg string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := c.Write(ctx, ws.MessageText, []byte(msg)); err != nil {
		t.Fatalf("write: %v", err)
	}
}

// closeStatus reads until the connection closes and returns the code.
func closeStatus(t testing.TB, c *ws.Conn) ws.StatusCode {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for {
		_, _, err := c.Read(ctx)
		if err != nil {
			return ws.CloseStatus(err)
		}
	}
}
