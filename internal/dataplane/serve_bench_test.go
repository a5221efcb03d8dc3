package dataplane_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	sdk "github.com/aws/aws-sdk-go-v2/service/apigateway"

	"github.com/stagecraft/stagecraft/internal/dataplane"
	"github.com/stagecraft/stagecraft/internal/dataplane/upstream/upstreamtest"
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

// benchHandler runs requests made by newReq through the REST data plane's
// handler (no front door, no socket) and checks the status.
func benchHandler(b *testing.B, h http.Handler, newReq func() *http.Request, want int) {
	b.Helper()
	w := upstreamtest.NewDiscardWriter()
	// Warm up (connections, caches) and check once.
	for range 3 {
		w.Reset()
		h.ServeHTTP(w, newReq())
		if w.Status != want {
			b.Fatalf("status %d, want %d", w.Status, want)
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		w.Reset()
		h.ServeHTTP(w, newReq())
		if w.Status != want {
			b.Fatalf("status %d, want %d", w.Status, want)
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
	dataplane.SetTransport(env.Node.DataPlane, upstreamtest.CannedTransport{})
	benchHandler(b, env.Node.DataPlane, restRequest(api, "/prod/items/42"), 200)
}

// BenchmarkRESTProxyLogicDeadline: the logic benchmark with a transport
// that takes the integration timeout from the context's deadline, so the
// data plane makes no timer per call.
func BenchmarkRESTProxyLogicDeadline(b *testing.B) {
	env, api := restProxy(b, "http://upstream.invalid")
	dataplane.SetTransport(env.Node.DataPlane, upstreamtest.DeadlineCannedTransport{})
	benchHandler(b, env.Node.DataPlane, restRequest(api, "/prod/items/42"), 200)
}
