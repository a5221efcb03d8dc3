package apigateway_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	sdk "github.com/aws/aws-sdk-go-v2/service/apigateway"
	"github.com/aws/aws-sdk-go-v2/service/apigateway/types"

	"github.com/stagecraft/stagecraft/internal/testenv"
)

func TestAccount(t *testing.T) {
	env := testenv.Start(t)
	c := env.APIGateway()
	ctx := context.Background()

	a, err := c.GetAccount(ctx, &sdk.GetAccountInput{})
	if err != nil {
		t.Fatal(err)
	}
	if a.CloudwatchRoleArn != nil || a.ThrottleSettings.BurstLimit != 5000 || a.ThrottleSettings.RateLimit != 10000 ||
		len(a.Features) != 1 || a.Features[0] != "UsagePlans" || *a.ApiKeyVersion != "4" {
		t.Fatalf("fresh account: %+v", a)
	}
	role := "arn:aws:iam::000000000000:role/apigw-logs"
	upd, err := c.UpdateAccount(ctx, &sdk.UpdateAccountInput{PatchOperations: []types.PatchOperation{
		acctOp(types.OpReplace, "/cloudwatchRoleArn", role),
		acctOp(types.OpAdd, "/features", "UsagePlans"),
	}})
	if err != nil || aws.ToString(upd.CloudwatchRoleArn) != role || len(upd.Features) != 1 || upd.ThrottleSettings.BurstLimit != 5000 {
		t.Fatalf("%v %+v", err, upd)
	}
	a, err = c.GetAccount(ctx, &sdk.GetAccountInput{})
	if err != nil || aws.ToString(a.CloudwatchRoleArn) != role {
		t.Fatalf("%v %+v", err, a)
	}
	// The account is per region.
	west := sdk.NewFromConfig(env.AWSConfig(), func(o *sdk.Options) { o.Region = "us-west-2" })
	if w, err := west.GetAccount(ctx, &sdk.GetAccountInput{}); err != nil || w.CloudwatchRoleArn != nil {
		t.Fatalf("us-west-2: %v %+v", err, w)
	}
	upd, err = c.UpdateAccount(ctx, &sdk.UpdateAccountInput{PatchOperations: []types.PatchOperation{
		acctOp(types.OpReplace, "/cloudwatchRoleArn", ""),
	}})
	if err != nil || upd.CloudwatchRoleArn != nil {
		t.Fatalf("%v %+v", err, upd)
	}
	for _, op := range []types.PatchOperation{
		acctOp(types.OpReplace, "/throttleSettings/burstLimit", "1"),
		acctOp(types.OpAdd, "/cloudwatchRoleArn", role),
		acctOp(types.OpReplace, "/apiKeyVersion", "5"),
	} {
		_, err := c.UpdateAccount(ctx, &sdk.UpdateAccountInput{PatchOperations: []types.PatchOperation{op}})
		apiErr(t, err, "BadRequestException", "Invalid patch path  '"+*op.Path+"' specified for op '"+string(op.Op)+"'. Please choose supported operations")
	}
}
