package dataplane_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	sdk "github.com/aws/aws-sdk-go-v2/service/apigateway"

	"github.com/stagecraft/stagecraft/internal/dataplane"
	"github.com/stagecraft/stagecraft/internal/testenv"
)

// deadlineTransport enforces the request context's deadline itself, the
// way a synchronous transport does with SetDeadline: it does not watch
// the context's Done channel.
type deadlineTransport struct {
	t    *testing.T
	base *http.Transport
	saw  chan bool // whether a request carried a deadline
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
	// The body is read by the caller before the deadline matters here.
	go func() { time.Sleep(time.Until(dl) + time.Second); cancel() }()
	return resp, nil
}

var _ dataplane.DeadlineTransport = (*deadlineTransport)(nil)

// With a transport that enforces the context's deadline, the data plane
// passes the integration timeout as the deadline (no timer of its own)
// and still answers 504 when it passes, and 200 before.
func TestIntegrationTimeoutWithDeadlineTransport(t *testing.T) {
	up := newUpstream(t)
	env := testenv.Start(t)
	tr := &deadlineTransport{t: t, base: &http.Transport{}, saw: make(chan bool, 16)}
	t.Cleanup(tr.base.CloseIdleConnections)
	dataplane.SetTransport(env.Node.DataPlane, tr)
	f := newFixture(t, env, "deadline")
	f.method("/slow", "GET", nil)
	f.integration("/slow", "GET", &sdk.PutIntegrationInput{Type: "HTTP_PROXY", IntegrationHttpMethod: aws.String("GET"),
		Uri: aws.String(up.URL + "/slow"), TimeoutInMillis: aws.Int32(50)})
	f.method("/fast", "GET", nil)
	f.integration("/fast", "GET", &sdk.PutIntegrationInput{Type: "HTTP_PROXY", IntegrationHttpMethod: aws.String("GET"),
		Uri: aws.String(up.URL + "/fast"), TimeoutInMillis: aws.Int32(5000)})
	f.deploy("live", nil)

	start := time.Now()
	r := call(t, env.URL, formHost, f.api, "live", "GET", "/slow", nil, "")
	expect(t, r, 504, `{"message":"Endpoint request timed out"}`, "InternalServerErrorException")
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("took %v", d)
	}
	if !<-tr.saw {
		t.Error("the integration request carried no deadline")
	}
	r = call(t, env.URL, formHost, f.api, "live", "GET", "/fast", nil, "")
	if r.status != 201 {
		t.Errorf("fast: %d %q", r.status, r.body)
	}
	<-tr.saw
}
