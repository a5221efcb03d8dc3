package httpapi_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
)

// BenchmarkHTTPProxy measures HTTP_PROXY throughput end to end over
// loopback: client → data plane listener (front dispatch, stage and route
// selection, path variables into the URI) → upstream → back.
func BenchmarkHTTPProxy(b *testing.B) {
	hs := newHarness(b)
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"ok":true}`)
	}))
	b.Cleanup(up.Close)
	id := hs.api("bench", nil)
	hs.route(id, "GET /items/{id}", hs.proxy(id, up.URL+"/items/{id}", nil), nil)
	hs.stage(id, "prod", nil)
	tr := &http.Transport{MaxIdleConns: 512, MaxIdleConnsPerHost: 512, DisableCompression: true}
	b.Cleanup(tr.CloseIdleConnections)
	cl := &http.Client{Transport: tr}
	host := id + ".execute-api.localhost:" + hs.port()
	url := hs.srv.URL + "/prod/items/42"
	b.SetParallelism(8)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			req, _ := http.NewRequest("GET", url, nil)
			req.Host = host
			res, err := cl.Do(req)
			if err != nil {
				b.Error(err)
				return
			}
			io.Copy(io.Discard, res.Body)
			res.Body.Close()
			if res.StatusCode != 200 {
				b.Errorf("status %d", res.StatusCode)
				return
			}
		}
	})
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
}
