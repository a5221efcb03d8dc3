package apigatewayv2_test

import (
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	sdk "github.com/aws/aws-sdk-go-v2/service/apigatewayv2"
	"github.com/aws/aws-sdk-go-v2/service/apigatewayv2/types"

	v2 "github.com/stagecraft/stagecraft/internal/service/apigatewayv2"
	"github.com/stagecraft/stagecraft/internal/store"
)

func TestDomainNamesAndMappings(t *testing.T) {
	env, c := start(t)
	cert := "arn:aws:acm:us-east-1:000000000000:certificate/abc"
	d := do(c.CreateDomainName(ctx, &sdk.CreateDomainNameInput{DomainName: aws.String("api.example.com"),
		DomainNameConfigurations: []types.DomainNameConfiguration{{CertificateArn: aws.String(cert)}},
		Tags:                     map[string]string{"env": "prod"}})).must(t)
	if *d.DomainName != "api.example.com" || *d.DomainNameArn != "arn:aws:apigateway:us-east-1::/domainnames/api.example.com" ||
		*d.ApiMappingSelectionExpression != "$request.basepath" || d.RoutingMode != types.RoutingModeApiMappingOnly || d.Tags["env"] != "prod" ||
		len(d.DomainNameConfigurations) != 1 {
		t.Fatalf("domain name: %+v", d)
	}
	cfg := d.DomainNameConfigurations[0]
	if *cfg.CertificateArn != cert || cfg.EndpointType != types.EndpointTypeRegional || cfg.DomainNameStatus != types.DomainNameStatusAvailable ||
		cfg.SecurityPolicy != types.SecurityPolicyTls12 || *cfg.HostedZoneId != "Z1UJRXOUMOOFQ8" ||
		!strings.HasPrefix(*cfg.ApiGatewayDomainName, "d-") || !strings.HasSuffix(*cfg.ApiGatewayDomainName, ".execute-api.us-east-1.amazonaws.com") {
		t.Fatalf("domain configuration: %+v", cfg)
	}
	_, err := c.CreateDomainName(ctx, &sdk.CreateDomainNameInput{DomainName: aws.String("api.example.com")})
	apiErr(t, err, "ConflictException", "The domain name you provided already exists.")
	_, err = c.CreateDomainName(ctx, &sdk.CreateDomainNameInput{DomainName: aws.String("not a domain")})
	apiErr(t, err, "BadRequestException", "Invalid domain name specified: not a domain")
	_, err = c.CreateDomainName(ctx, &sdk.CreateDomainNameInput{DomainName: aws.String("edge.example.com"),
		DomainNameConfigurations: []types.DomainNameConfiguration{{EndpointType: types.EndpointTypeEdge}}})
	apiErr(t, err, "BadRequestException", "Only REGIONAL endpoint types are supported for custom domain names of HTTP and WebSocket APIs")
	_, err = c.GetDomainName(ctx, &sdk.GetDomainNameInput{DomainName: aws.String("nope.example.com")})
	apiErr(t, err, "NotFoundException", "Invalid DomainName identifier specified nope.example.com")

	up := do(c.UpdateDomainName(ctx, &sdk.UpdateDomainNameInput{DomainName: aws.String("api.example.com"),
		DomainNameConfigurations: []types.DomainNameConfiguration{{CertificateArn: aws.String(cert + "2")}}})).must(t)
	if *up.DomainNameConfigurations[0].CertificateArn != cert+"2" || *up.DomainNameConfigurations[0].ApiGatewayDomainName != *cfg.ApiGatewayDomainName {
		t.Fatalf("updated domain: %+v", up.DomainNameConfigurations[0])
	}
	do(c.TagResource(ctx, &sdk.TagResourceInput{ResourceArn: d.DomainNameArn, Tags: map[string]string{"team": "a"}})).must(t)
	if g := do(c.GetDomainName(ctx, &sdk.GetDomainNameInput{DomainName: aws.String("api.example.com")})).must(t); len(g.Tags) != 2 {
		t.Fatalf("domain tags: %v", g.Tags)
	}

	a := httpAPI(t, c, "h")
	do(c.CreateStage(ctx, &sdk.CreateStageInput{ApiId: a.ApiId, StageName: aws.String("$default")})).must(t)
	do(c.CreateStage(ctx, &sdk.CreateStageInput{ApiId: a.ApiId, StageName: aws.String("v2")})).must(t)
	root := do(c.CreateApiMapping(ctx, &sdk.CreateApiMappingInput{DomainName: aws.String("api.example.com"), ApiId: a.ApiId, Stage: aws.String("$default")})).must(t)
	if len(*root.ApiMappingId) != 6 || root.ApiMappingKey != nil || *root.Stage != "$default" || *root.ApiId != *a.ApiId {
		t.Fatalf("root mapping: %+v", root)
	}
	v2m := do(c.CreateApiMapping(ctx, &sdk.CreateApiMappingInput{DomainName: aws.String("api.example.com"), ApiId: a.ApiId, Stage: aws.String("v2"), ApiMappingKey: aws.String("orders/v2")})).must(t)
	_, err = c.CreateApiMapping(ctx, &sdk.CreateApiMappingInput{DomainName: aws.String("api.example.com"), ApiId: a.ApiId, Stage: aws.String("v2"), ApiMappingKey: aws.String("orders/v2")})
	apiErr(t, err, "ConflictException", "ApiMapping key already exists for this domain name: orders/v2")
	_, err = c.CreateApiMapping(ctx, &sdk.CreateApiMappingInput{DomainName: aws.String("api.example.com"), ApiId: a.ApiId, Stage: aws.String("nope")})
	apiErr(t, err, "BadRequestException", "Invalid stage identifier specified")
	_, err = c.CreateApiMapping(ctx, &sdk.CreateApiMappingInput{DomainName: aws.String("api.example.com"), ApiId: aws.String("zzz"), Stage: aws.String("v2")})
	apiErr(t, err, "NotFoundException", "Invalid API identifier specified 000000000000:zzz")
	_, err = c.CreateApiMapping(ctx, &sdk.CreateApiMappingInput{DomainName: aws.String("api.example.com"), ApiId: a.ApiId, Stage: aws.String("v2"), ApiMappingKey: aws.String("/lead")})
	apiErr(t, err, "BadRequestException", "Invalid API mapping key specified: /lead")
	um := do(c.UpdateApiMapping(ctx, &sdk.UpdateApiMappingInput{DomainName: aws.String("api.example.com"), ApiMappingId: v2m.ApiMappingId, ApiId: a.ApiId, ApiMappingKey: aws.String("v2")})).must(t)
	if *um.ApiMappingKey != "v2" || *um.Stage != "v2" {
		t.Fatalf("updated mapping: %+v", um)
	}
	gm := do(c.GetApiMapping(ctx, &sdk.GetApiMappingInput{DomainName: aws.String("api.example.com"), ApiMappingId: v2m.ApiMappingId})).must(t)
	if *gm.ApiMappingKey != "v2" {
		t.Fatalf("mapping: %+v", gm)
	}
	list := do(c.GetApiMappings(ctx, &sdk.GetApiMappingsInput{DomainName: aws.String("api.example.com")})).must(t)
	if len(list.Items) != 2 {
		t.Fatalf("mappings: %+v", list.Items)
	}
	// The data plane reads the same mappings from the store.
	err = env.Node.Store.View(ctx, func(tx store.Tx) error {
		ms, err := v2.LoadDomainMappings(scoped(), tx, "api.example.com")
		if err == nil && len(ms) != 2 {
			t.Errorf("LoadDomainMappings: %+v", ms)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	do(c.DeleteApiMapping(ctx, &sdk.DeleteApiMappingInput{DomainName: aws.String("api.example.com"), ApiMappingId: root.ApiMappingId})).must(t)
	_, err = c.GetApiMapping(ctx, &sdk.GetApiMappingInput{DomainName: aws.String("api.example.com"), ApiMappingId: root.ApiMappingId})
	apiErr(t, err, "NotFoundException", "Invalid ApiMapping identifier specified "+*root.ApiMappingId)

	// Deleting the api takes its mappings along; deleting the domain too.
	do(c.DeleteApi(ctx, &sdk.DeleteApiInput{ApiId: a.ApiId})).must(t)
	if l := do(c.GetApiMappings(ctx, &sdk.GetApiMappingsInput{DomainName: aws.String("api.example.com")})).must(t); len(l.Items) != 0 {
		t.Fatalf("mappings of a deleted api: %+v", l.Items)
	}
	all := do(c.GetDomainNames(ctx, &sdk.GetDomainNamesInput{})).must(t)
	if len(all.Items) != 1 || all.Items[0].Tags == nil {
		t.Fatalf("domain names: %+v", all.Items)
	}
	code, _ := raw(t, env, "DELETE", "/v2/domainnames/api.example.com", "")
	if code != 204 {
		t.Fatalf("DeleteDomainName %d", code)
	}
	_, err = c.GetApiMappings(ctx, &sdk.GetApiMappingsInput{DomainName: aws.String("api.example.com")})
	apiErr(t, err, "NotFoundException", "Invalid DomainName identifier specified api.example.com")
}

func TestVpcLinks(t *testing.T) {
	env, c := start(t)
	v := do(c.CreateVpcLink(ctx, &sdk.CreateVpcLinkInput{Name: aws.String("link"), SubnetIds: []string{"subnet-1", "subnet-2"},
		SecurityGroupIds: []string{"sg-1"}, Tags: map[string]string{"a": "b"}})).must(t)
	if len(*v.VpcLinkId) != 6 || *v.Name != "link" || len(v.SubnetIds) != 2 || v.SecurityGroupIds[0] != "sg-1" || v.VpcLinkStatus != types.VpcLinkStatusAvailable ||
		*v.VpcLinkStatusMessage != "VPC link is ready to route traffic" || v.VpcLinkVersion != types.VpcLinkVersionV2 || !v.CreatedDate.Equal(t0) || v.Tags["a"] != "b" {
		t.Fatalf("vpc link: %+v", v)
	}
	up := do(c.UpdateVpcLink(ctx, &sdk.UpdateVpcLinkInput{VpcLinkId: v.VpcLinkId, Name: aws.String("renamed")})).must(t)
	if *up.Name != "renamed" || len(up.SubnetIds) != 2 {
		t.Fatalf("updated vpc link: %+v", up)
	}
	arn := "arn:aws:apigateway:us-east-1::/vpclinks/" + *v.VpcLinkId
	do(c.UntagResource(ctx, &sdk.UntagResourceInput{ResourceArn: aws.String(arn), TagKeys: []string{"a"}})).must(t)
	if g := do(c.GetVpcLink(ctx, &sdk.GetVpcLinkInput{VpcLinkId: v.VpcLinkId})).must(t); len(g.Tags) != 0 || g.Tags == nil {
		t.Fatalf("vpc link tags: %v", g.Tags)
	}
	if l := do(c.GetVpcLinks(ctx, &sdk.GetVpcLinksInput{})).must(t); len(l.Items) != 1 {
		t.Fatalf("vpc links: %+v", l.Items)
	}
	code, body := raw(t, env, "DELETE", "/v2/vpclinks/"+*v.VpcLinkId, "")
	if code != 202 || body != "{}" {
		t.Fatalf("DeleteVpcLink %d %q", code, body)
	}
	_, err := c.GetVpcLink(ctx, &sdk.GetVpcLinkInput{VpcLinkId: v.VpcLinkId})
	apiErr(t, err, "NotFoundException", "Invalid VpcLink identifier specified "+*v.VpcLinkId)
	_, err = c.CreateVpcLink(ctx, &sdk.CreateVpcLinkInput{Name: aws.String("x"), SubnetIds: []string{}})
	apiErr(t, err, "BadRequestException", "At least one subnet ID must be specified")
}
