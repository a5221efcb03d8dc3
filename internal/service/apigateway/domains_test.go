package apigateway_test

import (
	"context"
	"regexp"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	sdk "github.com/aws/aws-sdk-go-v2/service/apigateway"
	"github.com/aws/aws-sdk-go-v2/service/apigateway/types"

	"github.com/stagecraft/stagecraft/internal/testenv"
)

var (
	acctCloudFrontHost = regexp.MustCompile(`^d[a-z0-9]{13}\.cloudfront\.net$`)
	acctRegionalHost   = regexp.MustCompile(`^d-[a-z0-9]{10}\.execute-api\.us-east-1\.amazonaws\.com$`)
)

func TestDomainNameLifecycle(t *testing.T) {
	env, fc := acctFakeEnv(t)
	c := env.APIGateway()
	ctx := context.Background()

	edge, err := c.CreateDomainName(ctx, &sdk.CreateDomainNameInput{
		DomainName:     aws.String("api.example.com"),
		CertificateArn: aws.String("arn:aws:acm:us-east-1:000000000000:certificate/abc"),
		Tags:           map[string]string{"env": "prod"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if *edge.DomainName != "api.example.com" || edge.DomainNameStatus != types.DomainNameStatusAvailable ||
		!acctCloudFrontHost.MatchString(aws.ToString(edge.DistributionDomainName)) || *edge.DistributionHostedZoneId != "Z2FDTNDATAQYW2" ||
		edge.RegionalDomainName != nil || edge.EndpointConfiguration.Types[0] != types.EndpointTypeEdge ||
		edge.EndpointConfiguration.IpAddressType != "ipv4" || edge.SecurityPolicy != types.SecurityPolicyTls12 ||
		*edge.CertificateArn != "arn:aws:acm:us-east-1:000000000000:certificate/abc" || !edge.CertificateUploadDate.Equal(fc.Now()) ||
		edge.Tags["env"] != "prod" || *edge.DomainNameArn != "arn:aws:apigateway:us-east-1::/domainnames/api.example.com" {
		t.Fatalf("edge domain: %+v", edge)
	}
	regional, err := c.CreateDomainName(ctx, &sdk.CreateDomainNameInput{
		DomainName:             aws.String("regional.example.com"),
		RegionalCertificateArn: aws.String("arn:aws:acm:us-east-1:000000000000:certificate/def"),
		EndpointConfiguration:  &types.EndpointConfiguration{Types: []types.EndpointType{types.EndpointTypeRegional}},
		SecurityPolicy:         types.SecurityPolicyTls10,
		MutualTlsAuthentication: &types.MutualTlsAuthenticationInput{TruststoreUri: aws.String("s3://bucket/truststore.pem"),
			TruststoreVersion: aws.String("v1")},
	})
	if err != nil {
		t.Fatal(err)
	}
	if !acctRegionalHost.MatchString(aws.ToString(regional.RegionalDomainName)) || *regional.RegionalHostedZoneId != "Z1UJRXOUMOOFQ8" ||
		regional.DistributionDomainName != nil || regional.SecurityPolicy != types.SecurityPolicyTls10 ||
		*regional.MutualTlsAuthentication.TruststoreUri != "s3://bucket/truststore.pem" || regional.CertificateUploadDate != nil {
		t.Fatalf("regional domain: %+v", regional)
	}

	got, err := c.GetDomainName(ctx, &sdk.GetDomainNameInput{DomainName: aws.String("regional.example.com")})
	if err != nil || *got.RegionalDomainName != *regional.RegionalDomainName {
		t.Fatalf("%v %+v", err, got)
	}
	list, err := c.GetDomainNames(ctx, &sdk.GetDomainNamesInput{})
	if err != nil || len(list.Items) != 2 || *list.Items[0].DomainName != "api.example.com" {
		t.Fatalf("%v %+v", err, list)
	}

	// Switching an edge domain to regional gives it a regional host name.
	upd, err := c.UpdateDomainName(ctx, &sdk.UpdateDomainNameInput{DomainName: edge.DomainName, PatchOperations: []types.PatchOperation{
		acctOp(types.OpReplace, "/endpointConfiguration/types/EDGE", "REGIONAL"),
		acctOp(types.OpReplace, "/regionalCertificateArn", "arn:aws:acm:us-east-1:000000000000:certificate/ghi"),
		acctOp(types.OpReplace, "/securityPolicy", "TLS_1_0"),
	}})
	if err != nil || upd.EndpointConfiguration.Types[0] != types.EndpointTypeRegional || !acctRegionalHost.MatchString(aws.ToString(upd.RegionalDomainName)) ||
		*upd.RegionalCertificateArn != "arn:aws:acm:us-east-1:000000000000:certificate/ghi" || upd.SecurityPolicy != types.SecurityPolicyTls10 {
		t.Fatalf("%v %+v", err, upd)
	}
	_, err = c.UpdateDomainName(ctx, &sdk.UpdateDomainNameInput{DomainName: edge.DomainName, PatchOperations: []types.PatchOperation{
		acctOp(types.OpReplace, "/domainName", "x.example.com")}})
	apiErr(t, err, "BadRequestException", "Invalid patch path  '/domainName' specified for op 'replace'. Please choose supported operations")

	_, err = c.CreateDomainName(ctx, &sdk.CreateDomainNameInput{DomainName: aws.String("api.example.com")})
	apiErr(t, err, "ConflictException", "The domain name you provided already exists.")
	_, err = c.CreateDomainName(ctx, &sdk.CreateDomainNameInput{DomainName: aws.String("")})
	apiErr(t, err, "BadRequestException", "No Domain Name specified")

	if _, err := c.DeleteDomainName(ctx, &sdk.DeleteDomainNameInput{DomainName: edge.DomainName}); err != nil {
		t.Fatal(err)
	}
	for _, call := range []func() error{
		func() error {
			_, err := c.GetDomainName(ctx, &sdk.GetDomainNameInput{DomainName: edge.DomainName})
			return err
		},
		func() error {
			_, err := c.DeleteDomainName(ctx, &sdk.DeleteDomainNameInput{DomainName: edge.DomainName})
			return err
		},
		func() error {
			_, err := c.UpdateDomainName(ctx, &sdk.UpdateDomainNameInput{DomainName: edge.DomainName,
				PatchOperations: []types.PatchOperation{acctOp(types.OpReplace, "/securityPolicy", "TLS_1_2")}})
			return err
		},
	} {
		apiErr(t, call(), "NotFoundException", "Invalid domain name identifier specified")
	}
}

func TestBasePathMappings(t *testing.T) {
	env := testenv.Start(t)
	c := env.APIGateway()
	ctx := context.Background()
	apiID := acctStage(t, c, "prod")
	other := acctStage(t, c, "v2")
	domain := aws.String("api.example.com")
	if _, err := c.CreateDomainName(ctx, &sdk.CreateDomainNameInput{DomainName: domain}); err != nil {
		t.Fatal(err)
	}

	root, err := c.CreateBasePathMapping(ctx, &sdk.CreateBasePathMappingInput{DomainName: domain, RestApiId: aws.String(apiID)})
	if err != nil || *root.BasePath != "(none)" || *root.RestApiId != apiID || root.Stage != nil {
		t.Fatalf("%v %+v", err, root)
	}
	v1, err := c.CreateBasePathMapping(ctx, &sdk.CreateBasePathMappingInput{DomainName: domain, RestApiId: aws.String(apiID),
		BasePath: aws.String("v1"), Stage: aws.String("prod")})
	if err != nil || *v1.BasePath != "v1" || *v1.Stage != "prod" {
		t.Fatalf("%v %+v", err, v1)
	}
	got, err := c.GetBasePathMapping(ctx, &sdk.GetBasePathMappingInput{DomainName: domain, BasePath: aws.String("(none)")})
	if err != nil || *got.RestApiId != apiID {
		t.Fatalf("%v %+v", err, got)
	}
	list, err := c.GetBasePathMappings(ctx, &sdk.GetBasePathMappingsInput{DomainName: domain})
	if err != nil || len(list.Items) != 2 || *list.Items[0].BasePath != "(none)" || *list.Items[1].BasePath != "v1" {
		t.Fatalf("%v %+v", err, list)
	}

	cases := []struct {
		name      string
		in        sdk.CreateBasePathMappingInput
		code, msg string
	}{
		{"duplicate", sdk.CreateBasePathMappingInput{DomainName: domain, RestApiId: aws.String(apiID), BasePath: aws.String("v1")},
			"ConflictException", "Base path already exists for this domain name"},
		{"duplicate empty", sdk.CreateBasePathMappingInput{DomainName: domain, RestApiId: aws.String(apiID)},
			"ConflictException", "Base path already exists for this domain name"},
		{"unknown domain", sdk.CreateBasePathMappingInput{DomainName: aws.String("nope.example.com"), RestApiId: aws.String(apiID)},
			"NotFoundException", "Invalid domain name identifier specified"},
		{"unknown api", sdk.CreateBasePathMappingInput{DomainName: domain, RestApiId: aws.String("nope"), BasePath: aws.String("x")},
			"BadRequestException", "Invalid REST API identifier specified"},
		{"unknown stage", sdk.CreateBasePathMappingInput{DomainName: domain, RestApiId: aws.String(apiID), BasePath: aws.String("x"), Stage: aws.String("dev")},
			"BadRequestException", "Invalid stage identifier specified"},
		{"multi-level", sdk.CreateBasePathMappingInput{DomainName: domain, RestApiId: aws.String(apiID), BasePath: aws.String("a/b")},
			"BadRequestException", "API Gateway V1 doesn't support the slash character (/) in base path mappings. To create a multi-level base path mapping, use API Gateway V2."},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := c.CreateBasePathMapping(ctx, &tc.in)
			apiErr(t, err, tc.code, tc.msg)
		})
	}

	// Terraform's patch paths: /basePath, /restapiId, /stage.
	upd, err := c.UpdateBasePathMapping(ctx, &sdk.UpdateBasePathMappingInput{DomainName: domain, BasePath: aws.String("v1"),
		PatchOperations: []types.PatchOperation{
			acctOp(types.OpReplace, "/basePath", "v2"),
			acctOp(types.OpReplace, "/restapiId", other),
			acctOp(types.OpReplace, "/stage", "v2"),
		}})
	if err != nil || *upd.BasePath != "v2" || *upd.RestApiId != other || *upd.Stage != "v2" {
		t.Fatalf("%v %+v", err, upd)
	}
	_, err = c.GetBasePathMapping(ctx, &sdk.GetBasePathMappingInput{DomainName: domain, BasePath: aws.String("v1")})
	apiErr(t, err, "NotFoundException", "Invalid base path mapping identifier specified")
	_, err = c.UpdateBasePathMapping(ctx, &sdk.UpdateBasePathMappingInput{DomainName: domain, BasePath: aws.String("v2"),
		PatchOperations: []types.PatchOperation{acctOp(types.OpReplace, "/stage", "prod")}})
	apiErr(t, err, "BadRequestException", "Invalid stage identifier specified")
	_, err = c.UpdateBasePathMapping(ctx, &sdk.UpdateBasePathMappingInput{DomainName: domain, BasePath: aws.String("v2"),
		PatchOperations: []types.PatchOperation{acctOp(types.OpReplace, "/basePath", "")}})
	apiErr(t, err, "ConflictException", "Base path already exists for this domain name")
	_, err = c.UpdateBasePathMapping(ctx, &sdk.UpdateBasePathMappingInput{DomainName: domain, BasePath: aws.String("v2"),
		PatchOperations: []types.PatchOperation{acctOp(types.OpAdd, "/stage", "v2")}})
	apiErr(t, err, "BadRequestException", "Invalid patch path  '/stage' specified for op 'add'. Please choose supported operations")

	if _, err := c.DeleteBasePathMapping(ctx, &sdk.DeleteBasePathMappingInput{DomainName: domain, BasePath: aws.String("(none)")}); err != nil {
		t.Fatal(err)
	}
	_, err = c.DeleteBasePathMapping(ctx, &sdk.DeleteBasePathMappingInput{DomainName: domain, BasePath: aws.String("(none)")})
	apiErr(t, err, "NotFoundException", "Invalid base path mapping identifier specified")
	_, err = c.GetBasePathMappings(ctx, &sdk.GetBasePathMappingsInput{DomainName: aws.String("nope.example.com")})
	apiErr(t, err, "NotFoundException", "Invalid domain name identifier specified")

	// Deleting the domain deletes its mappings.
	if _, err := c.DeleteDomainName(ctx, &sdk.DeleteDomainNameInput{DomainName: domain}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateDomainName(ctx, &sdk.CreateDomainNameInput{DomainName: domain}); err != nil {
		t.Fatal(err)
	}
	list, err = c.GetBasePathMappings(ctx, &sdk.GetBasePathMappingsInput{DomainName: domain})
	if err != nil || len(list.Items) != 0 {
		t.Fatalf("%v %+v", err, list)
	}
}

// A private custom domain name is addressed by its name and its
// domainNameId: every call without the id, or with another, is 404, and a
// public domain takes no id.
func TestPrivateDomainNameID(t *testing.T) {
	env := testenv.Start(t)
	c := env.APIGateway()
	ctx := context.Background()
	apiID := acctStage(t, c, "prod")
	priv, err := c.CreateDomainName(ctx, &sdk.CreateDomainNameInput{DomainName: aws.String("private.example.com"),
		CertificateArn:        aws.String("arn:aws:acm:us-east-1:000000000000:certificate/abc"),
		EndpointConfiguration: &types.EndpointConfiguration{Types: []types.EndpointType{types.EndpointTypePrivate}}})
	if err != nil {
		t.Fatal(err)
	}
	pub, err := c.CreateDomainName(ctx, &sdk.CreateDomainNameInput{DomainName: aws.String("public.example.com")})
	if err != nil {
		t.Fatal(err)
	}
	name, id := priv.DomainName, priv.DomainNameId

	if got, err := c.GetDomainName(ctx, &sdk.GetDomainNameInput{DomainName: name, DomainNameId: id}); err != nil || *got.DomainNameId != *id {
		t.Fatalf("get with its id: %v %+v", err, got)
	}
	m, err := c.CreateBasePathMapping(ctx, &sdk.CreateBasePathMappingInput{DomainName: name, DomainNameId: id,
		RestApiId: aws.String(apiID), BasePath: aws.String("v1"), Stage: aws.String("prod")})
	if err != nil || *m.BasePath != "v1" {
		t.Fatalf("mapping with the id: %v %+v", err, m)
	}
	if got, err := c.GetBasePathMappings(ctx, &sdk.GetBasePathMappingsInput{DomainName: name, DomainNameId: id}); err != nil || len(got.Items) != 1 {
		t.Fatalf("mappings with the id: %v %+v", err, got)
	}
	if _, err := c.GetBasePathMapping(ctx, &sdk.GetBasePathMappingInput{DomainName: name, DomainNameId: id, BasePath: aws.String("v1")}); err != nil {
		t.Fatal(err)
	}

	for _, wrong := range []*string{nil, aws.String("zzzzzzzzzz")} {
		for i, call := range []func() error{
			func() error {
				_, err := c.GetDomainName(ctx, &sdk.GetDomainNameInput{DomainName: name, DomainNameId: wrong})
				return err
			},
			func() error {
				_, err := c.UpdateDomainName(ctx, &sdk.UpdateDomainNameInput{DomainName: name, DomainNameId: wrong,
					PatchOperations: []types.PatchOperation{acctOp(types.OpReplace, "/securityPolicy", "TLS_1_2")}})
				return err
			},
			func() error {
				_, err := c.DeleteDomainName(ctx, &sdk.DeleteDomainNameInput{DomainName: name, DomainNameId: wrong})
				return err
			},
			func() error {
				_, err := c.CreateBasePathMapping(ctx, &sdk.CreateBasePathMappingInput{DomainName: name, DomainNameId: wrong, RestApiId: aws.String(apiID)})
				return err
			},
			func() error {
				_, err := c.GetBasePathMappings(ctx, &sdk.GetBasePathMappingsInput{DomainName: name, DomainNameId: wrong})
				return err
			},
			func() error {
				_, err := c.GetBasePathMapping(ctx, &sdk.GetBasePathMappingInput{DomainName: name, DomainNameId: wrong, BasePath: aws.String("v1")})
				return err
			},
			func() error {
				_, err := c.DeleteBasePathMapping(ctx, &sdk.DeleteBasePathMappingInput{DomainName: name, DomainNameId: wrong, BasePath: aws.String("v1")})
				return err
			},
		} {
			if err := call(); err == nil {
				t.Fatalf("call %d with domainNameId %q succeeded", i, aws.ToString(wrong))
			} else {
				apiErr(t, err, "NotFoundException", "Invalid domain name identifier specified")
			}
		}
	}
	if _, err := c.GetDomainName(ctx, &sdk.GetDomainNameInput{DomainName: pub.DomainName, DomainNameId: id}); err == nil {
		t.Fatal("a public domain name was found with a domainNameId")
	}
	if _, err := c.DeleteBasePathMapping(ctx, &sdk.DeleteBasePathMappingInput{DomainName: name, DomainNameId: id, BasePath: aws.String("v1")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DeleteDomainName(ctx, &sdk.DeleteDomainNameInput{DomainName: name, DomainNameId: id}); err != nil {
		t.Fatal(err)
	}
}
