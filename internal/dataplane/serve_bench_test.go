package dataplane_test

import (
	"net/http/httptest"
	"testing"

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
