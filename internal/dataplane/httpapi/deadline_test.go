package httpapi_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	sdk "github.com/aws/aws-sdk-go-v2/service/apigatewayv2"

	"github.com/stagecraft/stagecraft/internal/dataplane/httpapi"
	"github.com/stagecraft/stagecraft/internal/dataplane/upstream"
)

// deadlineTransport enforces the request context's deadline itself, the
// way a synchronous transport does with SetDeadline, and records whether
// requests carried one.
type deadlineTransport struct {
	base *http.Transport
	saw  chan bool
}

func (d *deadlineTransport) HonoursContextDeadline() bool { return true }

func (d *deadlineTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	dl, ok := req.Context().Deadline()
	d.saw <- ok
	if !ok {
		return d.base.RoundTrip(req)
	}
	ctx, cancel := context.WithDeadline(context.Background(), dl)
	resp, err := d.base.RoundTrip(req.WithContext(ctx))
	if err != nil {
		cancel()
		return nil, err
	}
	go func() { time.Sleep(time.Until(dl) + time.Second); cancel() }()
	return resp, nil
}

var _ upstream.DeadlineTransport = (*deadlineTransport)(nil)

// The integration timeout still answers 503 when the transport, not a
// timer of the data plane's, enforces it.
func TestHTTPProxyTimeoutWithDeadlineTransport(t *testing.T) {
	tr := &deadlineTransport{base: &http.Transport{}, saw: make(chan bool, 16)}
	t.Cleanup(tr.base.CloseIdleConnections)
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
	if !<-tr.saw {
		t.Error("the integration request carried no deadline")
	}
	expect(t, hs.do("GET", id, "/fast", nil, ""), 200, "fast")
	<-tr.saw
}
