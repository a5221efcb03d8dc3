package httpapi_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/stagecraft/stagecraft/internal/dataplane/httpapi"
	"github.com/stagecraft/stagecraft/internal/dataplane/v2core"
)

// discardWriter is a ResponseWriter that keeps only the status and reuses
// its header map, so the handler benchmarks count the data plane's own
// allocations.
type discardWriter struct {
	h      http.Header
	status int
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
	return len(p), nil
}

// cannedTransport answers every request 200 {"ok":true} from memory, the
// way a client transport hands a response over: 6 allocations of its own.
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

// benchProxyHandler drives the HTTP API handler in process (no front door,
// no client socket) for GET /prod/items/42 → HTTP_PROXY upstream.
func benchProxyHandler(b *testing.B, upstream string, opts ...harnessOpt) {
	hs := newHarness(b, opts...)
	id := hs.api("bench", nil)
	hs.route(id, "GET /items/{id}", hs.proxy(id, upstream+"/items/{id}", nil), nil)
	hs.stage(id, "prod", nil)
	host := id + ".execute-api.localhost"
	newReq := func() *http.Request {
		return &http.Request{Method: "GET", Host: host, RemoteAddr: "192.0.2.1:1234", URL: &url.URL{Path: "/prod/items/42"},
			Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1, Body: http.NoBody, RequestURI: "/prod/items/42",
			Header: http.Header{"User-Agent": {"bench/1.0"}, "Accept": {"*/*"}}}
	}
	w := &discardWriter{h: http.Header{}}
	run := func(h *httpapi.Handler) {
		clear(w.h)
		w.status = 0
		r := newReq()
		tg, ok := v2core.ParseTarget(r)
		if !ok {
			b.Fatal("no target")
		}
		h.ServeAPI(w, r, tg.APIID, tg.Rest)
		if w.status != 200 {
			b.Fatalf("status %d", w.status)
		}
	}
	for range 3 {
		run(hs.h)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		run(hs.h)
	}
}

// BenchmarkHTTPProxyHandler: HTTP_PROXY to a real loopback upstream,
// driving the handler directly.
func BenchmarkHTTPProxyHandler(b *testing.B) {
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"ok":true}`)
	}))
	b.Cleanup(up.Close)
	benchProxyHandler(b, up.URL)
}

// BenchmarkHTTPProxyLogic: the same with the transport answering from
// memory: the data plane's own per-request work.
func BenchmarkHTTPProxyLogic(b *testing.B) {
	benchProxyHandler(b, "http://upstream.invalid", func(cfg *httpapi.Config) { cfg.Transport = cannedTransport{} })
}

// deadlineCannedTransport is cannedTransport declaring that it enforces
// the request context's deadline itself (upstream.DeadlineTransport).
type deadlineCannedTransport struct{ cannedTransport }

func (deadlineCannedTransport) HonoursContextDeadline() bool { return true }

// BenchmarkHTTPProxyLogicDeadline: the logic benchmark without the data
// plane's per-call timer.
func BenchmarkHTTPProxyLogicDeadline(b *testing.B) {
	benchProxyHandler(b, "http://upstream.invalid", func(cfg *httpapi.Config) { cfg.Transport = deadlineCannedTransport{} })
}
