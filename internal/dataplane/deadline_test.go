package dataplane_test

import (
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	sdk "github.com/aws/aws-sdk-go-v2/service/apigateway"

	"github.com/stagecraft/stagecraft/internal/dataplane"
	"github.com/stagecraft/stagecraft/internal/dataplane/upstream/upstreamtest"
	"github.com/stagecraft/stagecraft/internal/testenv"
)

// With a transport that enforces the context's deadline, the data plane
// passes the integration timeout as the deadline (no timer of its own)
// and still answers 504 when it passes, and 200 before.
func TestIntegrationTimeoutWithDeadlineTransport(t *testing.T) {
	up := newUpstream(t)
	env := testenv.Start(t)
	tr := upstreamtest.NewDeadlineTransport()
	t.Cleanup(tr.Base.CloseIdleConnections)
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
	if !<-tr.Saw {
		t.Error("the integration request carried no deadline")
	}
	r = call(t, env.URL, formHost, f.api, "live", "GET", "/fast", nil, "")
	if r.status != 201 {
		t.Errorf("fast: %d %q", r.status, r.body)
	}
	<-tr.Saw
}
