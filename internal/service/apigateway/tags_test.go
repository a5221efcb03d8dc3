package apigateway_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	sdk "github.com/aws/aws-sdk-go-v2/service/apigateway"

	"github.com/stagecraft/stagecraft/internal/testenv"
)

// TestTagsOnEveryTaggableResource tags, reads and untags each v1 resource
// kind by its ARN, and checks the tags show in the resource itself.
func TestTagsOnEveryTaggableResource(t *testing.T) {
	env := testenv.Start(t)
	c := env.APIGateway()
	ctx := context.Background()
	arn := func(path string) *string { return aws.String("arn:aws:apigateway:us-east-1::" + path) }

	apiID := acctStage(t, c, "prod")
	key, err := c.CreateApiKey(ctx, &sdk.CreateApiKeyInput{Name: aws.String("k"), Tags: map[string]string{"a": "1"}})
	if err != nil {
		t.Fatal(err)
	}
	plan, err := c.CreateUsagePlan(ctx, &sdk.CreateUsagePlanInput{Name: aws.String("p")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateDomainName(ctx, &sdk.CreateDomainNameInput{DomainName: aws.String("api.example.com")}); err != nil {
		t.Fatal(err)
	}
	cert, err := c.GenerateClientCertificate(ctx, &sdk.GenerateClientCertificateInput{})
	if err != nil {
		t.Fatal(err)
	}
	link, err := c.CreateVpcLink(ctx, &sdk.CreateVpcLinkInput{Name: aws.String("l"),
		TargetArns: []string{"arn:aws:elasticloadbalancing:us-east-1:000000000000:loadbalancer/net/nlb/1"}})
	if err != nil {
		t.Fatal(err)
	}

	resources := []struct {
		name string
		arn  *string
		read func() (map[string]string, error) // the resource's own tags
		had  map[string]string
	}{
		{"rest api", arn("/restapis/" + apiID), func() (map[string]string, error) {
			r, err := c.GetRestApi(ctx, &sdk.GetRestApiInput{RestApiId: aws.String(apiID)})
			return acctTagsOf(r, err, func() map[string]string { return r.Tags })
		}, nil},
		{"stage", arn("/restapis/" + apiID + "/stages/prod"), func() (map[string]string, error) {
			r, err := c.GetStage(ctx, &sdk.GetStageInput{RestApiId: aws.String(apiID), StageName: aws.String("prod")})
			return acctTagsOf(r, err, func() map[string]string { return r.Tags })
		}, nil},
		{"api key", arn("/apikeys/" + *key.Id), func() (map[string]string, error) {
			r, err := c.GetApiKey(ctx, &sdk.GetApiKeyInput{ApiKey: key.Id})
			return acctTagsOf(r, err, func() map[string]string { return r.Tags })
		}, map[string]string{"a": "1"}},
		{"usage plan", arn("/usageplans/" + *plan.Id), func() (map[string]string, error) {
			r, err := c.GetUsagePlan(ctx, &sdk.GetUsagePlanInput{UsagePlanId: plan.Id})
			return acctTagsOf(r, err, func() map[string]string { return r.Tags })
		}, nil},
		{"domain name", arn("/domainnames/api.example.com"), func() (map[string]string, error) {
			r, err := c.GetDomainName(ctx, &sdk.GetDomainNameInput{DomainName: aws.String("api.example.com")})
			return acctTagsOf(r, err, func() map[string]string { return r.Tags })
		}, nil},
		{"client certificate", arn("/clientcertificates/" + *cert.ClientCertificateId), func() (map[string]string, error) {
			r, err := c.GetClientCertificate(ctx, &sdk.GetClientCertificateInput{ClientCertificateId: cert.ClientCertificateId})
			return acctTagsOf(r, err, func() map[string]string { return r.Tags })
		}, nil},
		{"vpc link", arn("/vpclinks/" + *link.Id), func() (map[string]string, error) {
			r, err := c.GetVpcLink(ctx, &sdk.GetVpcLinkInput{VpcLinkId: link.Id})
			return acctTagsOf(r, err, func() map[string]string { return r.Tags })
		}, nil},
	}
	for _, rc := range resources {
		t.Run(rc.name, func(t *testing.T) {
			if _, err := c.TagResource(ctx, &sdk.TagResourceInput{ResourceArn: rc.arn, Tags: map[string]string{"env": "prod", "team": "x"}}); err != nil {
				t.Fatal(err)
			}
			want := map[string]string{"env": "prod", "team": "x"}
			for k, v := range rc.had {
				want[k] = v
			}
			got, err := c.GetTags(ctx, &sdk.GetTagsInput{ResourceArn: rc.arn})
			if err != nil || fmt.Sprint(got.Tags) != fmt.Sprint(want) {
				t.Fatalf("GetTags: %v %v, want %v", err, got, want)
			}
			own, err := rc.read()
			if err != nil || fmt.Sprint(own) != fmt.Sprint(want) {
				t.Fatalf("resource tags: %v %v, want %v", err, own, want)
			}
			// Untagging every key leaves `tags` out of the resource again.
			keys := []string{"env", "team", "not-there"}
			for k := range rc.had {
				keys = append(keys, k)
			}
			if _, err := c.UntagResource(ctx, &sdk.UntagResourceInput{ResourceArn: rc.arn, TagKeys: keys}); err != nil {
				t.Fatal(err)
			}
			got, err = c.GetTags(ctx, &sdk.GetTagsInput{ResourceArn: rc.arn})
			if err != nil || got.Tags == nil || len(got.Tags) != 0 {
				t.Fatalf("GetTags after untag: %v %+v", err, got)
			}
			if own, err := rc.read(); err != nil || own != nil {
				t.Fatalf("resource tags after untag: %v %v", err, own)
			}
		})
	}

	for _, bad := range []string{
		"arn:aws:apigateway:us-east-1::/restapis/nope",
		"arn:aws:apigateway:us-east-1::/restapis/" + apiID + "/stages/nope",
		"arn:aws:apigateway:us-west-2::/restapis/" + apiID, // another region
		"arn:aws:apigateway:us-east-1:000000000000:/restapis/" + apiID,
		"arn:aws:apigateway:us-east-1::/restapis/" + apiID + "/resources/x",
		"arn:aws:apigateway:us-east-1::/apikeys/nope",
		"arn:aws:apigateway:us-east-1::/usageplans/nope",
		"arn:aws:apigateway:us-east-1::/domainnames/nope.example.com",
		"arn:aws:apigateway:us-east-1::/clientcertificates/nope",
		"arn:aws:apigateway:us-east-1::/vpclinks/nope",
		"arn:aws:s3:::bucket",
		"not-an-arn",
	} {
		_, err := c.GetTags(ctx, &sdk.GetTagsInput{ResourceArn: aws.String(bad)})
		apiErr(t, err, "NotFoundException", "Invalid resource identifier specified")
		_, err = c.TagResource(ctx, &sdk.TagResourceInput{ResourceArn: aws.String(bad), Tags: map[string]string{"a": "b"}})
		apiErr(t, err, "NotFoundException", "Invalid resource identifier specified")
		_, err = c.UntagResource(ctx, &sdk.UntagResourceInput{ResourceArn: aws.String(bad), TagKeys: []string{"a"}})
		apiErr(t, err, "NotFoundException", "Invalid resource identifier specified")
	}
	_, err = c.TagResource(ctx, &sdk.TagResourceInput{ResourceArn: arn("/restapis/" + apiID), Tags: map[string]string{"aws:reserved": "x"}})
	apiErr(t, err, "BadRequestException", "Tag keys cannot start with 'aws:': aws:reserved")
}

func acctTagsOf(r any, err error, tags func() map[string]string) (map[string]string, error) {
	if err != nil {
		return nil, err
	}
	return tags(), nil
}

// TestTagsThroughCLI tags a REST API by ARN with AWS CLI v1. The ARN is one
// path label, so the CLI sends /tags/arn%3Aaws%3Aapigateway%3A...%2Frestapis%2F{id}.
func TestTagsThroughCLI(t *testing.T) {
	env := testenv.Start(t)
	apiID := acctStage(t, env.APIGateway())
	arn := "arn:aws:apigateway:us-east-1::/restapis/" + apiID
	env.MustCLI(t, "apigateway", "tag-resource", "--resource-arn", arn, "--tags", "env=prod,team=platform")
	got := env.MustCLI(t, "apigateway", "get-tags", "--resource-arn", arn)
	if b, _ := json.Marshal(got); string(b) != `{"tags":{"env":"prod","team":"platform"}}` {
		t.Fatalf("get-tags: %s", b)
	}
	env.MustCLI(t, "apigateway", "untag-resource", "--resource-arn", arn, "--tag-keys", "env")
	api := env.MustCLI(t, "apigateway", "get-rest-api", "--rest-api-id", apiID)
	if b, _ := json.Marshal(api["tags"]); string(b) != `{"team":"platform"}` {
		t.Fatalf("rest api tags: %s", b)
	}
	_, stderr, code := env.CLI(t, "apigateway", "get-tags", "--resource-arn", "arn:aws:apigateway:us-east-1::/restapis/nope")
	if code == 0 || !strings.Contains(stderr, "(NotFoundException)") || !strings.Contains(stderr, "Invalid resource identifier specified") {
		t.Fatalf("unknown arn: exit %d\n%s", code, stderr)
	}
}
