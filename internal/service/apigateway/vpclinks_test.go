package apigateway_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	sdk "github.com/aws/aws-sdk-go-v2/service/apigateway"
	"github.com/aws/aws-sdk-go-v2/service/apigateway/types"

	"github.com/stagecraft/stagecraft/internal/testenv"
)

func TestVpcLinks(t *testing.T) {
	env := testenv.Start(t)
	c := env.APIGateway()
	ctx := context.Background()
	nlb := "arn:aws:elasticloadbalancing:us-east-1:000000000000:loadbalancer/net/my-nlb/50dc6c495c0c9188"

	l, err := c.CreateVpcLink(ctx, &sdk.CreateVpcLinkInput{Name: aws.String("link"), Description: aws.String("to the nlb"),
		TargetArns: []string{nlb}, Tags: map[string]string{"env": "prod"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(*l.Id) != 6 || *l.Name != "link" || *l.Description != "to the nlb" || l.Status != types.VpcLinkStatusAvailable ||
		len(l.TargetArns) != 1 || l.TargetArns[0] != nlb || l.Tags["env"] != "prod" {
		t.Fatalf("%+v", l)
	}
	got, err := c.GetVpcLink(ctx, &sdk.GetVpcLinkInput{VpcLinkId: l.Id})
	if err != nil || *got.Name != "link" || got.Status != types.VpcLinkStatusAvailable {
		t.Fatalf("%v %+v", err, got)
	}
	if _, err := c.CreateVpcLink(ctx, &sdk.CreateVpcLinkInput{Name: aws.String("second"), TargetArns: []string{nlb}}); err != nil {
		t.Fatal(err)
	}
	list, err := c.GetVpcLinks(ctx, &sdk.GetVpcLinksInput{})
	if err != nil || len(list.Items) != 2 {
		t.Fatalf("%v %+v", err, list)
	}
	p := sdk.NewGetVpcLinksPaginator(c, &sdk.GetVpcLinksInput{Limit: aws.Int32(1)})
	pages := 0
	for p.HasMorePages() {
		if _, err := p.NextPage(ctx); err != nil {
			t.Fatal(err)
		}
		pages++
	}
	if pages != 2 {
		t.Fatalf("%d pages", pages)
	}
	upd, err := c.UpdateVpcLink(ctx, &sdk.UpdateVpcLinkInput{VpcLinkId: l.Id, PatchOperations: []types.PatchOperation{
		acctOp(types.OpReplace, "/name", "renamed"),
		acctOp(types.OpReplace, "/description", "new"),
	}})
	if err != nil || *upd.Name != "renamed" || *upd.Description != "new" || upd.TargetArns[0] != nlb {
		t.Fatalf("%v %+v", err, upd)
	}
	_, err = c.UpdateVpcLink(ctx, &sdk.UpdateVpcLinkInput{VpcLinkId: l.Id, PatchOperations: []types.PatchOperation{
		acctOp(types.OpReplace, "/status", "FAILED")}})
	apiErr(t, err, "BadRequestException", "Invalid patch path  '/status' specified for op 'replace'. Please choose supported operations")

	if _, err := c.DeleteVpcLink(ctx, &sdk.DeleteVpcLinkInput{VpcLinkId: l.Id}); err != nil {
		t.Fatal(err)
	}
	for _, call := range []func() error{
		func() error { _, err := c.GetVpcLink(ctx, &sdk.GetVpcLinkInput{VpcLinkId: l.Id}); return err },
		func() error { _, err := c.DeleteVpcLink(ctx, &sdk.DeleteVpcLinkInput{VpcLinkId: l.Id}); return err },
	} {
		apiErr(t, call(), "NotFoundException", "Invalid VPC link identifier specified")
	}
}
