package h1client

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// BenchmarkRoundTrip compares h1client with net/http's Transport against
// an httptest upstream: a GET through http.Client with a context deadline
// (as the data planes send it) and the 32-byte body read to EOF.
// go test -bench RoundTrip -benchmem ./internal/h1client/
func BenchmarkRoundTrip(b *testing.B) {
	body := []byte(`{"id":1,"name":"item","ok":true}`)
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write(body)
	}))
	defer s.Close()
	std := &http.Transport{
		DialContext:         (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConnsPerHost: 256,
		IdleConnTimeout:     90 * time.Second,
		DisableCompression:  true,
	}
	for _, tc := range []struct {
		name string
		rt   http.RoundTripper
	}{
		{"h1client", New(Options{Fallback: std})},
		{"http.Transport", std},
	} {
		b.Run(tc.name, func(b *testing.B) {
			c := &http.Client{Transport: tc.rt}
			hdr := http.Header{"Accept": {"application/json"}, "X-Amzn-Trace-Id": {"Root=1-5f84c7a1-0123456789abcdef01234567"}}
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					ctx, cancel := contextWithTimeout()
					req, _ := http.NewRequestWithContext(ctx, "GET", s.URL+"/items/1", nil)
					req.Header = hdr
					resp, err := c.Do(req)
					if err != nil {
						b.Fatal(err)
					}
					if _, err := io.ReadAll(resp.Body); err != nil {
						b.Fatal(err)
					}
					resp.Body.Close()
					cancel()
				}
			})
		})
	}
}

func contextWithTimeout() (ctx context.Context, cancel context.CancelFunc) {
	return context.WithTimeout(context.Background(), 29*time.Second)
}
