package httpapi_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	sdk "github.com/aws/aws-sdk-go-v2/service/apigatewayv2"
	"github.com/aws/aws-sdk-go-v2/service/apigatewayv2/types"

	"github.com/stagecraft/stagecraft/internal/app"
	"github.com/stagecraft/stagecraft/internal/testenv"
)

// TestAccessLogFile: a real node started with --access-log-file writes
// the HTTP API stage's lines to that file, the REST plane's destination.
func TestAccessLogFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "access.log")
	env := testenv.Start(t, testenv.WithConfig(func(c *app.Config) { c.AccessLogFile = path }))
	up, _ := countingServer(t)
	c := env.APIGatewayV2()
	ctx := context.Background()
	out, err := c.CreateApi(ctx, &sdk.CreateApiInput{Name: aws.String("file"), ProtocolType: types.ProtocolTypeHttp, Target: aws.String(up.URL)})
	if err != nil {
		t.Fatal(err)
	}
	id := *out.ApiId
	arn := "arn:aws:logs:us-east-1:000000000000:log-group:g"
	if _, err := c.UpdateStage(ctx, &sdk.UpdateStageInput{ApiId: &id, StageName: aws.String("$default"),
		AccessLogSettings: &types.AccessLogSettings{DestinationArn: &arn, Format: aws.String("$context.requestId $context.routeKey $context.status $context.stage")}}); err != nil {
		t.Fatal(err)
	}
	r := get(t, env.URL+"/_aws/execute-api/"+id+"/anything")
	if r.status != 200 || r.body != "ok" {
		t.Fatalf("got %d %s", r.status, r.body)
	}
	want := r.header.Get("apigw-requestid") + " $default 200 $default\n"
	deadline := time.Now().Add(10 * time.Second)
	for {
		b, _ := os.ReadFile(path)
		if string(b) == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("access log file %q, want %q", b, want)
		}
		time.Sleep(10 * time.Millisecond) // the file is written by another goroutine of the node
	}
}
