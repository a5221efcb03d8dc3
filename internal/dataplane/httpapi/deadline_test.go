package httpapi_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	sdk "github.com/aws/aws-sdk-go-v2/service/apigatewayv2"

	"github.com/stagecraft/stagecraft/internal/dataplane/httpapi"
	"github.com/stagecraft/stagecraft/internal/dataplane/upstream/upstreamtest"
)

// The integration timeout still answers 503 when the transport, not a
// timer of the data plane's, enforces it.
func TestHTTPProxyTimeoutWithDeadlineTransport(t *testing.T) {
	tr := upstreamtest.NewDeadlineTransport()
	t.Cleanup(tr.Base.CloseIdleConnections)
	hs := newHarness(t, func(cfg *httpapi.Config) { cfg.Transport = tr })
	release := make(chan struct{})
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/fast" {
			w.Write([]byte("fast"))
			return
		}
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(slow.Close)
	t.Cleanup(func() { close(release) })
	id := hs.api("deadline", nil)
	hs.route(id, "GET /slow", hs.proxy(id, slow.URL+"/slow", func(in *sdk.CreateIntegrationInput) { in.TimeoutInMillis = aws.Int32(50) }), nil)
	hs.route(id, "GET /fast", hs.proxy(id, slow.URL+"/fast", nil), nil)
	hs.stage(id, "$default", nil)

	expect(t, hs.do("GET", id, "/slow", nil, ""), 503, `{"message":"Service Unavailable"}`)
	if !<-tr.Saw {
		t.Error("the integration request carried no deadline")
	}
	expect(t, hs.do("GET", id, "/fast", nil, ""), 200, "fast")
	<-tr.Saw
}
