package dataplane_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	sdk "github.com/aws/aws-sdk-go-v2/service/apigateway"

	"github.com/stagecraft/stagecraft/internal/dataplane"
	"github.com/stagecraft/stagecraft/internal/testenv"
)

// BenchmarkServeMock measures the whole data-plane path in process (front
// door, revision check, routing, MOCK with request and response templates)
// without the socket.
func BenchmarkServeMock(b *testing.B) {
	env := testenv.Start(b)
	f := newFixture(b, env, "bench")
	f.mock("/items/{id}", "GET", `{"id":"$input.params('id')","stage":"$context.stage","req":"$context.requestId"}`)
	f.deploy("prod", nil)
	h := env.Node.Handler
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			req := httptest.NewRequest("GET", "/prod/items/42", nil)
			req.Host = f.api + ".execute-api.localhost"
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != 200 {
				b.Fatalf("status %d: %s", rec.Code, rec.Body)
			}
		}
	})
}

// discardWriter is a ResponseWriter that keeps only the status and reuses
// its header map, so the benchmarks below count the data plane's own
// allocations rather than the recorder's.
type discardWriter struct {
	h      http.Header
	status int
	n      int
}

func (w *discardWriter) Header() http.Header { return w.h }
func (w *discardWriter) WriteHeader(s int) {
	if w.status == 0 {
		w.status = s
	}
}
func (w *discardWriter) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.status = 200
	}
	w.n += len(p)
	return len(p), nil
}
func (w *discardWriter) reset() {
	clear(w.h)
	w.status, w.n = 0, 0
}

// benchHandler runs requests made by newReq through the REST data plane's
// handler (no front door, no socket) and checks the status.
func benchHandler(b *testing.B, h http.Handler, newReq func() *http.Request, want int) {
	b.Helper()
	w := &discardWriter{h: http.Header{}}
	// Warm up (connections, caches) and check once.
	for range 3 {
		w.reset()
		h.ServeHTTP(w, newReq())
		if w.status != want {
			b.Fatalf("status %d, want %d", w.status, want)
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		w.reset()
		h.ServeHTTP(w, newReq())
		if w.status != want {
			b.Fatalf("status %d, want %d", w.status, want)
		}
	}
}

// restRequest is a GET through the host form, with the headers a typical
// client sends.
func restRequest(api, path string) func() *http.Request {
	return func() *http.Request {
		req := &http.Request{Method: "GET", Host: api + ".execute-api.localhost", RemoteAddr: "192.0.2.1:1234",
			Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1, Body: http.NoBody,
			Header: http.Header{"User-Agent": {"bench/1.0"}, "Accept": {"*/*"}}}
		req.URL = &url.URL{Path: path}
		req.RequestURI = path
		return req
	}
}

// BenchmarkRESTMock: MOCK with request template {"statusCode": 200} and a
// response template that reads $context.requestId and $context.stage.
func BenchmarkRESTMock(b *testing.B) {
	env := testenv.Start(b)
	f := newFixture(b, env, "bench")
	f.mock("/items/{id}", "GET", `{"stage":"$context.stage","req":"$context.requestId"}`)
	f.deploy("prod", nil)
	benchHandler(b, env.Node.DataPlane, restRequest(f.api, "/prod/items/42"), 200)
}

// restProxy sets up GET /items/{id} → HTTP_PROXY upstream/items/{id}.
func restProxy(b *testing.B, upstream string) (*testenv.Env, string) {
	env := testenv.Start(b)
	f := newFixture(b, env, "bench")
	f.method("/items/{id}", "GET", &sdk.PutMethodInput{RequestParameters: map[string]bool{"method.request.path.id": true}})
	f.integration("/items/{id}", "GET", &sdk.PutIntegrationInput{Type: "HTTP_PROXY", IntegrationHttpMethod: aws.String("GET"),
		Uri: aws.String(upstream + "/items/{id}"), RequestParameters: map[string]string{"integration.request.path.id": "method.request.path.id"}})
	f.deploy("prod", nil)
	return env, f.api
}

// BenchmarkRESTProxy: HTTP_PROXY to a real loopback upstream (so it
// includes the HTTP client's work).
func BenchmarkRESTProxy(b *testing.B) {
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"ok":true}`)
	}))
	b.Cleanup(up.Close)
	env, api := restProxy(b, up.URL)
	benchHandler(b, env.Node.DataPlane, restRequest(api, "/prod/items/42"), 200)
}

// BenchmarkRESTProxyLogic: HTTP_PROXY with the transport replaced by one
// that answers from memory: the data plane's own per-request work.
func BenchmarkRESTProxyLogic(b *testing.B) {
	env, api := restProxy(b, "http://upstream.invalid")
	dataplane.SetTransport(env.Node.DataPlane, cannedTransport{})
	benchHandler(b, env.Node.DataPlane, restRequest(api, "/prod/items/42"), 200)
}

// cannedTransport answers every request 200 {"ok":true} from memory, the
// way a client transport hands a response over (fresh Header map and
// body): 6 allocations of its own.
type cannedTransport struct{}

func (cannedTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body != nil {
		io.Copy(io.Discard, req.Body)
		req.Body.Close()
	}
	return &http.Response{StatusCode: 200, Status: "200 OK", Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: http.Header{"Content-Type": {"application/json"}, "Date": {"Sat, 21 Nov 2026 08:00:00 GMT"}, "Content-Length": {"11"}},
		Body:   io.NopCloser(strings.NewReader(`{"ok":true}`)), ContentLength: 11, Request: req}, nil
}

// deadlineCannedTransport is cannedTransport declaring that it enforces
// the request context's deadline itself (dataplane.DeadlineTransport).
type deadlineCannedTransport struct{ cannedTransport }

func (deadlineCannedTransport) HonoursContextDeadline() bool { return true }

// BenchmarkRESTProxyLogicDeadline: the logic benchmark with a transport
// that takes the integration timeout from the context's deadline, so the
// data plane makes no timer per call.
func BenchmarkRESTProxyLogicDeadline(b *testing.B) {
	env, api := restProxy(b, "http://upstream.invalid")
	dataplane.SetTransport(env.Node.DataPlane, deadlineCannedTransport{})
	benchHandler(b, env.Node.DataPlane, restRequest(api, "/prod/items/42"), 200)
}
