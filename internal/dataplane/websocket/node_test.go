package websocket_test

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v1 "github.com/aws/aws-sdk-go-v2/service/apigateway"
	v1types "github.com/aws/aws-sdk-go-v2/service/apigateway/types"
	sdk "github.com/aws/aws-sdk-go-v2/service/apigatewayv2"
	"github.com/aws/aws-sdk-go-v2/service/apigatewayv2/types"
	ws "github.com/coder/websocket"

	apigw "github.com/stagecraft/stagecraft/internal/api/apigateway"
	"github.com/stagecraft/stagecraft/internal/app"
	"github.com/stagecraft/stagecraft/internal/clock"
	"github.com/stagecraft/stagecraft/internal/store"
	"github.com/stagecraft/stagecraft/internal/testenv"
)

// TestNode: a real node started with --access-log-file serves a
// WebSocket API whose routes require an API key; the stage's access log
// lines go to the file, and the WebSocket plane shares the REST plane's
// usage plan counters, so the REST plane's Sync makes them GetUsage's.
func TestNode(t *testing.T) {
	path := filepath.Join(t.TempDir(), "access.log")
	fc := clock.NewFake(time.Date(2024, 6, 3, 8, 0, 0, 0, time.UTC))
	env := testenv.Start(t, testenv.WithFakeClock(fc), testenv.WithConfig(func(c *app.Config) { c.AccessLogFile = path }))
	ctx := context.Background()
	c2 := env.APIGatewayV2()
	out, err := c2.CreateApi(ctx, &sdk.CreateApiInput{Name: aws.String("node"), ProtocolType: types.ProtocolTypeWebsocket,
		RouteSelectionExpression: aws.String("$request.body.action")})
	if err != nil {
		t.Fatal(err)
	}
	id := *out.ApiId
	integ, err := c2.CreateIntegration(ctx, &sdk.CreateIntegrationInput{ApiId: &id, IntegrationType: types.IntegrationTypeMock,
		RequestTemplates: map[string]string{"$default": `{"statusCode": 200}`}, TemplateSelectionExpression: aws.String(`\$default`)})
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"$connect", "$default"} {
		if _, err := c2.CreateRoute(ctx, &sdk.CreateRouteInput{ApiId: &id, RouteKey: aws.String(k), ApiKeyRequired: aws.Bool(true),
			Target: aws.String("integrations/" + *integ.IntegrationId)}); err != nil {
			t.Fatal(err)
		}
	}
	arn := "arn:aws:logs:us-east-1:000000000000:log-group:g"
	if _, err := c2.CreateStage(ctx, &sdk.CreateStageInput{ApiId: &id, StageName: aws.String("live"), AutoDeploy: aws.Bool(true),
		AccessLogSettings: &types.AccessLogSettings{DestinationArn: &arn, Format: aws.String(`$context.eventType $context.routeKey $context.status $context.identity.apiKeyId`)}}); err != nil {
		t.Fatal(err)
	}

	c1 := v1.NewFromConfig(env.AWSConfig())
	key, err := c1.CreateApiKey(ctx, &v1.CreateApiKeyInput{Name: aws.String("k"), Value: aws.String("node-key-0123456789abcdef"), Enabled: true})
	if err != nil {
		t.Fatal(err)
	}
	plan, err := c1.CreateUsagePlan(ctx, &v1.CreateUsagePlanInput{Name: aws.String("p"),
		Quota: &v1types.QuotaSettings{Limit: 100, Period: v1types.QuotaPeriodTypeMonth}})
	if err != nil {
		t.Fatal(err)
	}
	// The plan names the WebSocket stage (see usage.plan in
	// apikeys_test.go for why this may go through the store).
	if _, err := c1.UpdateUsagePlan(ctx, &v1.UpdateUsagePlanInput{UsagePlanId: plan.Id, PatchOperations: []v1types.PatchOperation{
		{Op: v1types.OpAdd, Path: aws.String("/apiStages"), Value: aws.String(id + ":live")}}}); err != nil {
		err = env.Node.Store.Update(ctx, func(tx store.Tx) error {
			k := store.Key("000000000000", "us-east-1", *plan.Id)
			up, err := store.GetJSON[apigw.UsagePlan](tx, "apigw.usageplans", k)
			if err != nil {
				return err
			}
			up.ApiStages = append(up.ApiStages, apigw.ApiStage{ApiId: &id, Stage: aws.String("live")})
			return store.PutJSON(tx, "apigw.usageplans", k, up)
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c1.CreateUsagePlanKey(ctx, &v1.CreateUsagePlanKeyInput{UsagePlanId: plan.Id, KeyId: key.Id, KeyType: aws.String("API_KEY")}); err != nil {
		t.Fatal(err)
	}

	url := "ws" + strings.TrimPrefix(env.URL, "http") + "/_aws/execute-api/" + id + "/live"
	dctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if c, res, err := ws.Dial(dctx, url, nil); err == nil || res.StatusCode != 403 {
		if c != nil {
			c.CloseNow()
		}
		t.Fatalf("dial without a key: %v %v", res, err)
	}
	c, _, err := ws.Dial(dctx, url, &ws.DialOptions{HTTPHeader: http.Header{"X-Api-Key": {"node-key-0123456789abcdef"}}})
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if err := c.Write(dctx, ws.MessageText, []byte(`{"action":"x"}`)); err != nil {
			t.Fatal(err)
		}
	}
	c.Close(ws.StatusNormalClosure, "")

	want := "CONNECT $connect 403 -\nCONNECT $connect 200 " + *key.Id + "\n" + strings.Repeat("MESSAGE $default 200 "+*key.Id+"\n", 3) + "DISCONNECT $disconnect 200 -\n"
	waitFile(t, path, want)

	if err := env.Node.DataPlane.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	u, err := c1.GetUsage(ctx, &v1.GetUsageInput{UsagePlanId: plan.Id, StartDate: aws.String("2024-06-03"), EndDate: aws.String("2024-06-03")})
	if err != nil {
		t.Fatal(err)
	}
	if got := u.Items[*key.Id]; len(got) != 1 || got[0][0] != 4 || got[0][1] != 96 {
		b, _ := json.Marshal(u.Items)
		t.Fatalf("GetUsage %s, want [[4 96]] (the $connect and three messages)", b)
	}
}

// waitFile waits until the file holds want: the node writes it from the
// connection's goroutines.
func waitFile(t testing.TB, path, want string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		b, _ := os.ReadFile(path)
		if string(b) == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("access log file\n%s\nwant\n%s", b, want)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
