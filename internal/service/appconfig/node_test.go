package appconfig_test

import (
	"io"
	"log/slog"
	"net/http/httptest"
	"testing"
	"time"

	appconfigapi "github.com/stagecraft/stagecraft/internal/api/appconfig"
	"github.com/stagecraft/stagecraft/internal/clock"
	"github.com/stagecraft/stagecraft/internal/lambda"
	"github.com/stagecraft/stagecraft/internal/lambdatest"
	"github.com/stagecraft/stagecraft/internal/server"
	"github.com/stagecraft/stagecraft/internal/service/appconfig"
	"github.com/stagecraft/stagecraft/internal/service/cloudwatch"
	"github.com/stagecraft/stagecraft/internal/store"
	"github.com/stagecraft/stagecraft/internal/testenv"
	"github.com/stagecraft/stagecraft/internal/wire"
)

// node is a Stagecraft node assembled here rather than by app.Build, so
// that the test controls the AppConfig options: a Lambda endpoint (a real
// Invoke server, lambdatest), the CloudWatch alarm states as monitors
// (as app.Build wires them) and the driver ticking on demand
// (Options.Ticks) instead of on wall time. Requests still cross a real
// socket into the real server, CloudWatch service and store, so the SDKs,
// boto3 and the AWS CLIs talk to it as to any node.
type node struct {
	*fixture
	st    store.Store
	fn    *lambdatest.Server // the Lambda endpoint
	ticks chan chan<- error
}

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// fnARN is the ARN of a function of the lambdatest server.
func fnARN(name string) string { return "arn:aws:lambda:us-east-1:000000000000:function:" + name }

// startNode starts a node on a fake clock at t0; withLambda configures
// the Lambda endpoint (else there is none, as without --lambda-endpoint).
func startNode(t *testing.T, withLambda bool) *node {
	t.Helper()
	clk := clock.NewFake(t0)
	st := openStore(t)
	fn := lambdatest.Start(t, lambdatest.WithRegion("us-east-1", "000000000000"))
	log := quiet
	o := appconfig.Options{Alarms: cloudwatch.MonitorChecker(st), Log: log}
	if withLambda {
		lc, err := lambda.New(lambda.Config{Endpoint: fn.URL, Region: "us-east-1", Clock: clk})
		if err != nil {
			t.Fatal(err)
		}
		o.Lambda = lc
	}
	ticks := make(chan chan<- error)
	o.Ticks = ticks
	svc := appconfig.NewWithOptions(st, clk, o)
	srv := server.New(server.Config{Now: clk.Now, CloudWatch: cloudwatch.New(st, clk).WithLogger(log)}, st,
		map[string]*wire.Service{server.AppConfig: wire.NewService(server.AppConfig, appconfigapi.Operations, svc, log)}, nil, log)
	hs := httptest.NewServer(srv)
	t.Cleanup(hs.Close)
	e := &testenv.Env{URL: hs.URL, Region: "us-east-1", Clock: clk}
	return &node{fixture: &fixture{c: e.AppConfig(), clk: clk, e: e}, st: st, fn: fn, ticks: ticks}
}

// tick makes the node's driver run one pass (and the extension actions
// it starts) and waits for it.
func (n *node) tick(t *testing.T) {
	t.Helper()
	reply := make(chan error, 1)
	n.ticks <- reply
	if err := <-reply; err != nil {
		t.Fatalf("driver pass: %v", err)
	}
}

// advance moves the clock and lets the driver run.
func (n *node) advance(t *testing.T, d time.Duration) {
	t.Helper()
	n.clk.Advance(d)
	n.tick(t)
}
