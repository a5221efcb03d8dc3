package apigateway_test

import (
	"context"
	"regexp"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	sdk "github.com/aws/aws-sdk-go-v2/service/apigateway"
	"github.com/aws/aws-sdk-go-v2/service/apigateway/types"
)

var privateDomainArn = regexp.MustCompile(`^arn:aws:apigateway:us-east-1:000000000000:/domainnames/private\.example\.com\+[a-z0-9]{10}$`)

func TestDomainNameAccessAssociations(t *testing.T) {
	env, _ := acctFakeEnv(t)
	c := env.APIGateway()
	other := sdk.NewFromConfig(env.AWSConfigFor("111111111111", "x"))
	ctx := context.Background()

	priv, err := c.CreateDomainName(ctx, &sdk.CreateDomainNameInput{DomainName: aws.String("private.example.com"),
		CertificateArn:        aws.String("arn:aws:acm:us-east-1:000000000000:certificate/abc"),
		EndpointConfiguration: &types.EndpointConfiguration{Types: []types.EndpointType{types.EndpointTypePrivate}}})
	if err != nil {
		t.Fatal(err)
	}
	if !privateDomainArn.MatchString(aws.ToString(priv.DomainNameArn)) || len(aws.ToString(priv.DomainNameId)) != 10 {
		t.Fatalf("private domain: arn %q id %q", aws.ToString(priv.DomainNameArn), aws.ToString(priv.DomainNameId))
	}
	// The private domain's ARN addresses it for tagging.
	if _, err := c.TagResource(ctx, &sdk.TagResourceInput{ResourceArn: priv.DomainNameArn, Tags: map[string]string{"k": "v"}}); err != nil {
		t.Fatal(err)
	}
	pub, err := c.CreateDomainName(ctx, &sdk.CreateDomainNameInput{DomainName: aws.String("public.example.com"),
		CertificateArn: aws.String("arn:aws:acm:us-east-1:000000000000:certificate/abc")})
	if err != nil {
		t.Fatal(err)
	}

	var arns []string
	for _, vpce := range []string{"vpce-0123456789abcdef0", "vpce-1", "vpce-2"} {
		a, err := c.CreateDomainNameAccessAssociation(ctx, &sdk.CreateDomainNameAccessAssociationInput{DomainNameArn: priv.DomainNameArn,
			AccessAssociationSourceType: types.AccessAssociationSourceTypeVpce, AccessAssociationSource: aws.String(vpce),
			Tags: map[string]string{"team": "a"}})
		if err != nil {
			t.Fatal(err)
		}
		want := "arn:aws:apigateway:us-east-1:000000000000:/domainnameaccessassociations/domainname/private.example.com+" +
			*priv.DomainNameId + "/vpcesource/" + vpce
		if aws.ToString(a.DomainNameAccessAssociationArn) != want || *a.DomainNameArn != *priv.DomainNameArn ||
			a.AccessAssociationSourceType != types.AccessAssociationSourceTypeVpce || *a.AccessAssociationSource != vpce || a.Tags["team"] != "a" {
			t.Fatalf("association: %+v", a)
		}
		arns = append(arns, want)
	}

	cases := []struct {
		name      string
		in        *sdk.CreateDomainNameAccessAssociationInput
		code, msg string
	}{
		{"public domain", &sdk.CreateDomainNameAccessAssociationInput{DomainNameArn: pub.DomainNameArn, AccessAssociationSource: aws.String("vpce-1")},
			"BadRequestException", "Domain name access associations can only be created for private custom domain names."},
		{"unknown domain", &sdk.CreateDomainNameAccessAssociationInput{DomainNameArn: aws.String("arn:aws:apigateway:us-east-1:000000000000:/domainnames/nope.example.com+abc"),
			AccessAssociationSource: aws.String("vpce-1")}, "NotFoundException", "Invalid domain name identifier specified"},
		{"wrong id", &sdk.CreateDomainNameAccessAssociationInput{DomainNameArn: aws.String("arn:aws:apigateway:us-east-1:000000000000:/domainnames/private.example.com+abc"),
			AccessAssociationSource: aws.String("vpce-1")}, "NotFoundException", "Invalid domain name identifier specified"},
		{"duplicate", &sdk.CreateDomainNameAccessAssociationInput{DomainNameArn: priv.DomainNameArn, AccessAssociationSource: aws.String("vpce-1")},
			"ConflictException", "Domain name access association already exists for this domain name and access association source"},
		{"not a vpce", &sdk.CreateDomainNameAccessAssociationInput{DomainNameArn: priv.DomainNameArn, AccessAssociationSource: aws.String("sg-1")},
			"BadRequestException", "Invalid VPC endpoint identifier specified: sg-1"},
	}
	for _, tc := range cases {
		tc.in.AccessAssociationSourceType = types.AccessAssociationSourceTypeVpce
		_, err := c.CreateDomainNameAccessAssociation(ctx, tc.in)
		apiErr(t, err, tc.code, tc.msg)
	}

	// Pagination in ARN order.
	var got []string
	var pos *string
	for {
		page, err := c.GetDomainNameAccessAssociations(ctx, &sdk.GetDomainNameAccessAssociationsInput{Limit: aws.Int32(2), Position: pos})
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range page.Items {
			got = append(got, *a.DomainNameAccessAssociationArn)
		}
		if pos = page.Position; pos == nil {
			break
		}
	}
	if len(got) != 3 || got[0] != arns[0] || got[1] != arns[1] || got[2] != arns[2] {
		t.Fatalf("listed %v", got)
	}

	// Another account associates its endpoint with the domain: it lists it
	// as SELF, the domain owner as OTHER_ACCOUNTS and rejects it.
	x, err := other.CreateDomainNameAccessAssociation(ctx, &sdk.CreateDomainNameAccessAssociationInput{DomainNameArn: priv.DomainNameArn,
		AccessAssociationSourceType: types.AccessAssociationSourceTypeVpce, AccessAssociationSource: aws.String("vpce-9")})
	if err != nil {
		t.Fatal(err)
	}
	if want := "arn:aws:apigateway:us-east-1:111111111111:/domainnameaccessassociations/domainname/private.example.com+" + *priv.DomainNameId + "/vpcesource/vpce-9"; *x.DomainNameAccessAssociationArn != want {
		t.Fatalf("cross-account ARN %s", *x.DomainNameAccessAssociationArn)
	}
	count := func(cl *sdk.Client, owner types.ResourceOwner) int {
		t.Helper()
		l, err := cl.GetDomainNameAccessAssociations(ctx, &sdk.GetDomainNameAccessAssociationsInput{ResourceOwner: owner})
		if err != nil {
			t.Fatal(err)
		}
		return len(l.Items)
	}
	if count(other, types.ResourceOwnerSelf) != 1 || count(other, types.ResourceOwnerOtherAccounts) != 0 ||
		count(c, types.ResourceOwnerSelf) != 3 || count(c, types.ResourceOwnerOtherAccounts) != 1 {
		t.Fatal("listing by resource owner")
	}
	// Rejecting needs the domain's ARN too; the own account's
	// associations are deleted, not rejected.
	_, err = c.RejectDomainNameAccessAssociation(ctx, &sdk.RejectDomainNameAccessAssociationInput{DomainNameAccessAssociationArn: x.DomainNameAccessAssociationArn, DomainNameArn: pub.DomainNameArn})
	apiErr(t, err, "NotFoundException", "Invalid domain name access association identifier specified")
	_, err = c.RejectDomainNameAccessAssociation(ctx, &sdk.RejectDomainNameAccessAssociationInput{DomainNameAccessAssociationArn: &arns[0], DomainNameArn: priv.DomainNameArn})
	apiErr(t, err, "NotFoundException", "Invalid domain name access association identifier specified")
	if _, err := c.RejectDomainNameAccessAssociation(ctx, &sdk.RejectDomainNameAccessAssociationInput{DomainNameAccessAssociationArn: x.DomainNameAccessAssociationArn, DomainNameArn: priv.DomainNameArn}); err != nil {
		t.Fatal(err)
	}
	if count(other, types.ResourceOwnerSelf) != 0 || count(c, types.ResourceOwnerOtherAccounts) != 0 {
		t.Fatal("rejected association still listed")
	}

	// Delete.
	if _, err := c.DeleteDomainNameAccessAssociation(ctx, &sdk.DeleteDomainNameAccessAssociationInput{DomainNameAccessAssociationArn: &arns[1]}); err != nil {
		t.Fatal(err)
	}
	_, err = c.DeleteDomainNameAccessAssociation(ctx, &sdk.DeleteDomainNameAccessAssociationInput{DomainNameAccessAssociationArn: &arns[1]})
	apiErr(t, err, "NotFoundException", "Invalid domain name access association identifier specified")
	if count(c, types.ResourceOwnerSelf) != 2 {
		t.Fatal("deleted association still listed")
	}
}
