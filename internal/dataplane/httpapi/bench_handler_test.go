package httpapi_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/stagecraft/stagecraft/internal/dataplane/httpapi"
	"github.com/stagecraft/stagecraft/internal/dataplane/upstream/upstreamtest"
	"github.com/stagecraft/stagecraft/internal/dataplane/v2core"
)

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
	w := upstreamtest.NewDiscardWriter()
	run := func(h *httpapi.Handler) {
		w.Reset()
		r := newReq()
		tg, ok := v2core.ParseTarget(r)
		if !ok {
			b.Fatal("no target")
		}
		h.ServeAPI(w, r, tg.APIID, tg.Rest)
		if w.Status != 200 {
			b.Fatalf("status %d", w.Status)
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
	benchProxyHandler(b, "http://upstream.invalid", func(cfg *httpapi.Config) { cfg.Transport = upstreamtest.CannedTransport{} })
}

// BenchmarkHTTPProxyLogicDeadline: the logic benchmark without the data
// plane's per-call timer.
func BenchmarkHTTPProxyLogicDeadline(b *testing.B) {
	benchProxyHandler(b, "http://upstream.invalid", func(cfg *httpapi.Config) { cfg.Transport = upstreamtest.DeadlineCannedTransport{} })
}
