package appconfigdata_test

import (
	"log/slog"
	"net/http"
	"net/url"
	"runtime"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	acd "github.com/aws/aws-sdk-go-v2/service/appconfigdata"

	"github.com/stagecraft/stagecraft/internal/app"
	"github.com/stagecraft/stagecraft/internal/testenv"
)

// BenchmarkGetLatestConfiguration measures GetLatestConfiguration through
// the node's whole handler (front door routing and scope, the generated
// binding and encoding, the service) with 10,000 live sessions polled
// round-robin; after every round the fake clock moves by the 15-second
// poll interval. Requests are served in this goroutine, so the figure is
// the server's CPU per request without the HTTP connection layer; run
// with -cpu 1 for one core (the flusher and the rollout driver share it).
// The "logged" variant keeps the node's per-request log line (formatted,
// then discarded); "quiet" disables it.
//
//	go test -run - -bench GetLatestConfiguration -cpu 1 ./internal/service/appconfigdata
//
// bench/acdbench runs the real binary under taskset instead.
func BenchmarkGetLatestConfiguration(b *testing.B) {
	for _, c := range []struct {
		name string
		log  *slog.Logger
	}{
		{"quiet", slog.New(slog.DiscardHandler)},
		{"logged", nil}, // testenv's text handler into io.Discard
	} {
		b.Run(c.name, func(b *testing.B) {
			var opts []testenv.Option
			if c.log != nil {
				opts = append(opts, testenv.WithConfig(func(cfg *app.Config) { cfg.Log = c.log }))
			}
			f := start(b, opts...).basic(b, "")
			f.deploy(b, f.version(b, `{"feature":{"enabled":true,"limit":100}}`, "application/json", "v1"), "AppConfig.AllAtOnce")
			f.clk.Advance(11 * time.Minute)
			const sessions = 10000
			toks := make([]string, sessions)
			for i := range toks {
				out, err := f.d.StartConfigurationSession(ctx, &acd.StartConfigurationSessionInput{ApplicationIdentifier: aws.String("app"),
					EnvironmentIdentifier: aws.String("env"), ConfigurationProfileIdentifier: aws.String("prof"),
					RequiredMinimumPollIntervalInSeconds: aws.Int32(15)})
				if err != nil {
					b.Fatal(err)
				}
				toks[i] = *out.InitialConfigurationToken
			}
			h := f.e.Node.Handler
			w := &sink{h: http.Header{}}
			poll := func(i int) {
				req, _ := http.NewRequest(http.MethodGet, "/configuration?configuration_token="+url.QueryEscape(toks[i]), http.NoBody)
				clear(w.h)
				w.code = 0
				h.ServeHTTP(w, req)
				if w.code != 200 {
					b.Fatalf("status %d: %s", w.code, w.body)
				}
				toks[i] = w.h.Get("Next-Poll-Configuration-Token")
			}
			for i := range toks { // first polls: every session gets the content
				poll(i)
			}
			runtime.GC()
			b.ReportAllocs()
			b.ResetTimer()
			k := 0
			for b.Loop() {
				if k == 0 {
					f.clk.Advance(15 * time.Second)
				}
				poll(k)
				k = (k + 1) % sessions
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
		})
	}
}

// sink is a ResponseWriter that keeps headers and status and drops the
// body.
type sink struct {
	h    http.Header
	code int
	body []byte
}

func (s *sink) Header() http.Header { return s.h }
func (s *sink) WriteHeader(code int) {
	if s.code == 0 {
		s.code = code
	}
}
func (s *sink) Write(b []byte) (int, error) {
	if s.code == 0 {
		s.code = 200
	}
	if s.code != 200 {
		s.body = append(s.body[:0], b...)
	}
	return len(b), nil
}
