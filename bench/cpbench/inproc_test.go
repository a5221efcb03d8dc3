package main

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/stagecraft/stagecraft/internal/app"
)

// BenchmarkServerCalls measures the server side of cpbench's workload in
// process: the node's handler answers the three calls the SDK makes
// (CreateDeployment to stage prod, GetStage, GetDeployments), built as the
// SDK builds them (signed-looking headers, JSON body), with no socket and no
// client in the way, so allocs/op and CPU profiles are the server's alone:
//
//	go test ./bench/cpbench -run '^$' -bench ServerCalls -benchmem -cpuprofile /tmp/cpu.out
//
// Deployments pile up as in cpbench (one per iteration), so GetDeployments
// lists a full first page. Besides allocs/op each sub-benchmark reports
// cpu-µs/op: the process's CPU time (user+system, all threads: GC, the
// store's committer, background rebuilds) per call, the in-process twin of
// cpbench's "server CPU per call" without the HTTP server's share.
func BenchmarkServerCalls(b *testing.B) {
	n, err := app.Start(app.Config{Listen: "127.0.0.1:0", DataDir: b.TempDir(), Log: slog.New(slog.NewTextHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelError}))})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { n.Shutdown(context.Background()) })
	apiID, err := setup(context.Background(), client(n.URL()))
	if err != nil {
		b.Fatal(err)
	}
	// Warm up: a first page of deployments exists before the measured runs.
	for i := 0; i < 30; i++ {
		serve(b, n, createDeployment(apiID, i), http.StatusCreated)
	}
	b.Run("CreateDeployment", func(b *testing.B) {
		defer reportCPU(b)()
		for i := 0; i < b.N; i++ {
			serve(b, n, createDeployment(apiID, i), http.StatusCreated)
		}
	})
	b.Run("GetStage", func(b *testing.B) {
		defer reportCPU(b)()
		for i := 0; i < b.N; i++ {
			serve(b, n, sdkRequest(http.MethodGet, "/restapis/"+apiID+"/stages/prod", ""), http.StatusOK)
		}
	})
	b.Run("GetDeployments", func(b *testing.B) {
		defer reportCPU(b)()
		for i := 0; i < b.N; i++ {
			serve(b, n, sdkRequest(http.MethodGet, "/restapis/"+apiID+"/deployments", ""), http.StatusOK)
		}
	})
}

// reportCPU turns on allocation reporting and returns the function that
// reports the process CPU time per iteration as cpu-µs/op.
func reportCPU(b *testing.B) func() {
	b.ReportAllocs()
	cpu0 := selfCPU()
	return func() {
		b.ReportMetric(float64((selfCPU()-cpu0).Microseconds())/float64(b.N), "cpu-µs/op")
	}
}

func createDeployment(apiID string, i int) *http.Request {
	return sdkRequest(http.MethodPost, "/restapis/"+apiID+"/deployments", `{"description":"d`+strconv.Itoa(i)+`","stageName":"prod"}`)
}

// sdkRequest is a request with the headers aws-sdk-go-v2 sends.
func sdkRequest(method, path, body string) *http.Request {
	r := httptest.NewRequest(method, "http://127.0.0.1:4566"+path, strings.NewReader(body))
	h := r.Header
	h.Set("User-Agent", "m/E aws-sdk-go-v2/1.36.3 ua/2.1 os/linux lang/go#1.26 md/GOOS#linux md/GOARCH#amd64 api/apigateway#1.28.0")
	h.Set("X-Amz-User-Agent", "aws-sdk-go-v2/1.36.3 ua/2.1 os/linux lang/go#1.26 md/GOOS#linux md/GOARCH#amd64 api/apigateway#1.28.0")
	h.Set("Amz-Sdk-Invocation-Id", "b5d5ba8a-6a5a-4bd4-9d35-8f1bfbbd17b4")
	h.Set("Amz-Sdk-Request", "attempt=1; max=1")
	h.Set("Accept", "application/json")
	h.Set("Accept-Encoding", "gzip")
	h.Set("X-Amz-Date", "20261121T090000Z")
	h.Set("Authorization", "AWS4-HMAC-SHA256 Credential=test/20261121/us-east-1/apigateway/aws4_request, SignedHeaders=accept;amz-sdk-invocation-id;amz-sdk-request;content-length;content-type;host;x-amz-date, Signature=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef")
	if body != "" {
		h.Set("Content-Type", "application/json")
	}
	return r
}

func serve(b *testing.B, n *app.Node, r *http.Request, want int) {
	w := httptest.NewRecorder()
	n.Handler.ServeHTTP(w, r)
	if w.Code != want {
		b.Fatalf("%s %s: %d %s", r.Method, r.URL, w.Code, w.Body)
	}
}
