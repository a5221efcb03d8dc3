package apigateway_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	sdk "github.com/aws/aws-sdk-go-v2/service/apigateway"
	"github.com/aws/aws-sdk-go-v2/service/apigateway/types"
	v2 "github.com/aws/aws-sdk-go-v2/service/apigatewayv2"
	v2types "github.com/aws/aws-sdk-go-v2/service/apigatewayv2/types"

	"github.com/stagecraft/stagecraft/internal/testenv"
)

// Usage plans bind WebSocket API stages as well as REST stages; an HTTP
// API stage or a missing one is refused.
func TestUsagePlanAcceptsWebSocketStages(t *testing.T) {
	env := testenv.Start(t)
	ctx := context.Background()
	c, c2 := env.APIGateway(), env.APIGatewayV2()
	ws, err := c2.CreateApi(ctx, &v2.CreateApiInput{Name: aws.String("ws"), ProtocolType: v2types.ProtocolTypeWebsocket,
		RouteSelectionExpression: aws.String("$request.body.action")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c2.CreateStage(ctx, &v2.CreateStageInput{ApiId: ws.ApiId, StageName: aws.String("prod")}); err != nil {
		t.Fatal(err)
	}
	h, err := c2.CreateApi(ctx, &v2.CreateApiInput{Name: aws.String("h"), ProtocolType: v2types.ProtocolTypeHttp})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c2.CreateStage(ctx, &v2.CreateStageInput{ApiId: h.ApiId, StageName: aws.String("prod")}); err != nil {
		t.Fatal(err)
	}
	plan, err := c.CreateUsagePlan(ctx, &sdk.CreateUsagePlanInput{Name: aws.String("p"),
		ApiStages: []types.ApiStage{{ApiId: ws.ApiId, Stage: aws.String("prod")}}})
	if err != nil {
		t.Fatalf("WebSocket stage refused: %v", err)
	}
	if len(plan.ApiStages) != 1 || *plan.ApiStages[0].ApiId != *ws.ApiId {
		t.Fatalf("%+v", plan.ApiStages)
	}
	for _, bad := range []types.ApiStage{{ApiId: h.ApiId, Stage: aws.String("prod")}, {ApiId: ws.ApiId, Stage: aws.String("nope")}} {
		if _, err := c.CreateUsagePlan(ctx, &sdk.CreateUsagePlanInput{Name: aws.String("q"), ApiStages: []types.ApiStage{bad}}); err == nil {
			t.Fatalf("stage %s/%s accepted", *bad.ApiId, *bad.Stage)
		}
	}
}
