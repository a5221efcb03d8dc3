package httpapi_test

import (
	"context"
	"encoding/json"
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
	sdk "github.com/aws/aws-sdk-go-v2/service/apigatewayv2"
	"github.com/aws/aws-sdk-go-v2/service/apigatewayv2/types"

	"github.com/stagecraft/stagecraft/internal/clock"
	"github.com/stagecraft/stagecraft/internal/dataplane/httpapi"
	"github.com/stagecraft/stagecraft/internal/dataplane/v2core"
	"github.com/stagecraft/stagecraft/internal/lambda"
	"github.com/stagecraft/stagecraft/internal/testenv"
)

// harness is a real node (control plane and store) plus the HTTP API data
// plane on its own loopback listener, fronted the way the lead's front
// door dispatches: execute-api requests for HTTP APIs and custom domains
// to the data plane, everything else to the node.
type harness struct {
	t   testing.TB
	env *testenv.Env
	h   *httpapi.Handler
	srv *httptest.Server
	c   *sdk.Client
	ctx context.Context
}

type harnessOpt func(*httpapi.Config)

func withLambda(endpoint string) harnessOpt {
	return func(cfg *httpapi.Config) {
		cl, err := lambda.New(lambda.Config{Endpoint: endpoint})
		if err != nil {
			panic(err)
		}
		cfg.Lambda = cl
	}
}

func withClock(c clock.Clock) harnessOpt { return func(cfg *httpapi.Config) { cfg.Clock = c } }

func withAccessLog(w io.Writer) harnessOpt { return func(cfg *httpapi.Config) { cfg.AccessLog = w } }

func withAccountThrottling() harnessOpt {
	return func(cfg *httpapi.Config) { cfg.AccountThrottling = true }
}

// logSink collects access log lines and lets a test wait for them.
type logSink struct {
	mu    sync.Mutex
	buf   strings.Builder
	lines chan struct{}
}

func newLogSink() *logSink { return &logSink{lines: make(chan struct{}, 1024)} }

func (s *logSink) Write(p []byte) (int, error) {
	s.mu.Lock()
	s.buf.Write(p)
	s.mu.Unlock()
	for range strings.Count(string(p), "\n") {
		s.lines <- struct{}{}
	}
	return len(p), nil
}

// wait returns the next n lines written since the last wait.
func (s *logSink) wait(t testing.TB, n int) []string {
	t.Helper()
	for range n {
		select {
		case <-s.lines:
		case <-time.After(10 * time.Second):
			t.Fatalf("waited for %d access log lines; have %q", n, s.buf.String())
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	all := strings.SplitAfter(s.buf.String(), "\n")
	s.buf.Reset()
	var out, rest []string
	for _, l := range all {
		if l == "" {
			continue
		}
		if len(out) < n && strings.HasSuffix(l, "\n") {
			out = append(out, strings.TrimSuffix(l, "\n"))
		} else {
			rest = append(rest, l)
		}
	}
	s.buf.WriteString(strings.Join(rest, ""))
	return out
}

func newHarness(t testing.TB, opts ...harnessOpt) *harness {
	t.Helper()
	var envOpts []testenv.Option
	cfg := httpapi.Config{Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	for _, o := range opts {
		o(&cfg)
	}
	if fc, ok := cfg.Clock.(*clock.Fake); ok {
		envOpts = append(envOpts, testenv.WithFakeClock(fc))
	}
	env := testenv.Start(t, envOpts...)
	h := httpapi.New(env.Node.Store, cfg)
	t.Cleanup(h.Close)
	front := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if tg, ok := v2core.ParseTarget(r); ok && h.Lookup(tg.APIID) {
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
	t.Cleanup(srv.Close)
	return &harness{t: t, env: env, h: h, srv: srv, c: env.APIGatewayV2(), ctx: context.Background()}
}

// port is the data plane listener's port.
func (hs *harness) port() string {
	_, p, _ := net.SplitHostPort(strings.TrimPrefix(hs.srv.URL, "http://"))
	return p
}

// api creates an HTTP API and returns its id.
func (hs *harness) api(name string, cors *types.Cors) string {
	hs.t.Helper()
	out, err := hs.c.CreateApi(hs.ctx, &sdk.CreateApiInput{Name: aws.String(name), ProtocolType: types.ProtocolTypeHttp, CorsConfiguration: cors})
	if err != nil {
		hs.t.Fatal(err)
	}
	return *out.ApiId
}

// proxy creates an HTTP_PROXY integration.
func (hs *harness) proxy(apiID, uri string, mod func(*sdk.CreateIntegrationInput)) string {
	hs.t.Helper()
	in := &sdk.CreateIntegrationInput{ApiId: &apiID, IntegrationType: types.IntegrationTypeHttpProxy,
		IntegrationUri: &uri, IntegrationMethod: aws.String("ANY"), PayloadFormatVersion: aws.String("1.0")}
	if mod != nil {
		mod(in)
	}
	out, err := hs.c.CreateIntegration(hs.ctx, in)
	if err != nil {
		hs.t.Fatalf("create integration: %v", err)
	}
	return *out.IntegrationId
}

// lambdaInteg creates an AWS_PROXY integration for function fn.
func (hs *harness) lambdaInteg(apiID, fn, version string) string {
	hs.t.Helper()
	uri := "arn:aws:lambda:us-east-1:000000000000:function:" + fn
	out, err := hs.c.CreateIntegration(hs.ctx, &sdk.CreateIntegrationInput{ApiId: &apiID, IntegrationType: types.IntegrationTypeAwsProxy,
		IntegrationUri: &uri, PayloadFormatVersion: &version})
	if err != nil {
		hs.t.Fatalf("create integration: %v", err)
	}
	return *out.IntegrationId
}

func (hs *harness) route(apiID, key, integ string, mod func(*sdk.CreateRouteInput)) string {
	hs.t.Helper()
	in := &sdk.CreateRouteInput{ApiId: &apiID, RouteKey: &key}
	if integ != "" {
		in.Target = aws.String("integrations/" + integ)
	}
	if mod != nil {
		mod(in)
	}
	out, err := hs.c.CreateRoute(hs.ctx, in)
	if err != nil {
		hs.t.Fatalf("create route %s: %v", key, err)
	}
	return *out.RouteId
}

// stage creates an auto-deployed stage.
func (hs *harness) stage(apiID, name string, vars map[string]string) {
	hs.t.Helper()
	if _, err := hs.c.CreateStage(hs.ctx, &sdk.CreateStageInput{ApiId: &apiID, StageName: &name, AutoDeploy: aws.Bool(true), StageVariables: vars}); err != nil {
		hs.t.Fatalf("create stage: %v", err)
	}
}

// resp is a data-plane answer.
type resp struct {
	status int
	header http.Header
	body   string
}

func (r resp) json(t testing.TB) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(r.body), &m); err != nil {
		t.Fatalf("body is not JSON: %v\n%s", err, r.body)
	}
	return m
}

// do sends a request to the data plane with Host {apiID}.execute-api.localhost.
func (hs *harness) do(method, apiID, path string, hdr map[string]string, body string) resp {
	hs.t.Helper()
	return hs.doHost(method, apiID+".execute-api.localhost:"+hs.port(), path, hdr, body)
}

func (hs *harness) doHost(method, host, path string, hdr map[string]string, body string) resp {
	hs.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, hs.srv.URL+path, rd)
	if err != nil {
		hs.t.Fatal(err)
	}
	req.Host = host
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	cl := &http.Client{Timeout: 30 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := cl.Do(req)
	if err != nil {
		hs.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return resp{status: res.StatusCode, header: res.Header, body: string(b)}
}

// expect checks status and (when want != "") the exact body.
func expect(t testing.TB, r resp, status int, want string) {
	t.Helper()
	if r.status != status || (want != "" && r.body != want) {
		t.Fatalf("got %d %s, want %d %s", r.status, r.body, status, want)
	}
	if id := r.header.Get("apigw-requestid"); len(id) != 16 || !strings.HasSuffix(id, "=") {
		t.Fatalf("apigw-requestid %q is not a 16-char id ending in '='", id)
	}
}

// echo is an upstream that answers with what it received.
type echoed struct {
	Method string              `json:"method"`
	Path   string              `json:"path"`
	Raw    string              `json:"raw"`
	Query  string              `json:"query"`
	Header map[string][]string `json:"header"`
	Body   string              `json:"body"`
	Host   string              `json:"host"`
}

func echoServer(t testing.TB) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		e := echoed{Method: r.Method, Path: r.URL.Path, Raw: r.URL.EscapedPath(), Query: r.URL.RawQuery, Header: r.Header, Body: string(b), Host: r.Host}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Upstream", "echo")
		w.Header().Set("Access-Control-Allow-Origin", "https://backend.example")
		if s := r.Header.Get("X-Want-Status"); s != "" {
			var code int
			json.Unmarshal([]byte(s), &code)
			w.WriteHeader(code)
		}
		json.NewEncoder(w).Encode(e)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func decodeEcho(t testing.TB, r resp) echoed {
	t.Helper()
	var e echoed
	if err := json.Unmarshal([]byte(r.body), &e); err != nil {
		t.Fatalf("upstream answer is not JSON: %v\n%s", err, r.body)
	}
	return e
}
