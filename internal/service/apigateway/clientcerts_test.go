package apigateway_test

import (
	"context"
	"crypto/x509"
	"encoding/pem"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	sdk "github.com/aws/aws-sdk-go-v2/service/apigateway"
	"github.com/aws/aws-sdk-go-v2/service/apigateway/types"
)

func TestClientCertificates(t *testing.T) {
	env, fc := acctFakeEnv(t)
	c := env.APIGateway()
	ctx := context.Background()

	cert, err := c.GenerateClientCertificate(ctx, &sdk.GenerateClientCertificateInput{Description: aws.String("backend"),
		Tags: map[string]string{"env": "prod"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(*cert.ClientCertificateId) != 6 || *cert.Description != "backend" || cert.Tags["env"] != "prod" ||
		!cert.CreatedDate.Equal(fc.Now()) || !cert.ExpirationDate.Equal(fc.Now().Add(365*24*time.Hour)) {
		t.Fatalf("%+v", cert)
	}
	// The PEM is a real certificate valid for the advertised window.
	block, _ := pem.Decode([]byte(aws.ToString(cert.PemEncodedCertificate)))
	if block == nil || block.Type != "CERTIFICATE" {
		t.Fatalf("not PEM: %q", aws.ToString(cert.PemEncodedCertificate))
	}
	x, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	selfSigned := x.CheckSignature(x.SignatureAlgorithm, x.RawTBSCertificate, x.Signature)
	if !x.NotBefore.Equal(*cert.CreatedDate) || !x.NotAfter.Equal(*cert.ExpirationDate) || selfSigned != nil {
		t.Fatalf("certificate window %v..%v, self-signature %v", x.NotBefore, x.NotAfter, selfSigned)
	}

	got, err := c.GetClientCertificate(ctx, &sdk.GetClientCertificateInput{ClientCertificateId: cert.ClientCertificateId})
	if err != nil || *got.PemEncodedCertificate != *cert.PemEncodedCertificate {
		t.Fatalf("%v %+v", err, got)
	}
	second, err := c.GenerateClientCertificate(ctx, &sdk.GenerateClientCertificateInput{})
	if err != nil || second.Description != nil || second.Tags != nil {
		t.Fatalf("%v %+v", err, second)
	}
	list, err := c.GetClientCertificates(ctx, &sdk.GetClientCertificatesInput{})
	if err != nil || len(list.Items) != 2 {
		t.Fatalf("%v %+v", err, list)
	}
	upd, err := c.UpdateClientCertificate(ctx, &sdk.UpdateClientCertificateInput{ClientCertificateId: cert.ClientCertificateId,
		PatchOperations: []types.PatchOperation{acctOp(types.OpReplace, "/description", "renewed")}})
	if err != nil || *upd.Description != "renewed" || !upd.ExpirationDate.Equal(*cert.ExpirationDate) {
		t.Fatalf("%v %+v", err, upd)
	}
	_, err = c.UpdateClientCertificate(ctx, &sdk.UpdateClientCertificateInput{ClientCertificateId: cert.ClientCertificateId,
		PatchOperations: []types.PatchOperation{acctOp(types.OpReplace, "/pemEncodedCertificate", "x")}})
	apiErr(t, err, "BadRequestException", "Invalid patch path  '/pemEncodedCertificate' specified for op 'replace'. Please choose supported operations")

	if _, err := c.DeleteClientCertificate(ctx, &sdk.DeleteClientCertificateInput{ClientCertificateId: cert.ClientCertificateId}); err != nil {
		t.Fatal(err)
	}
	for _, call := range []func() error{
		func() error {
			_, err := c.GetClientCertificate(ctx, &sdk.GetClientCertificateInput{ClientCertificateId: cert.ClientCertificateId})
			return err
		},
		func() error {
			_, err := c.DeleteClientCertificate(ctx, &sdk.DeleteClientCertificateInput{ClientCertificateId: cert.ClientCertificateId})
			return err
		},
		func() error {
			_, err := c.UpdateClientCertificate(ctx, &sdk.UpdateClientCertificateInput{ClientCertificateId: cert.ClientCertificateId,
				PatchOperations: []types.PatchOperation{acctOp(types.OpReplace, "/description", "x")}})
			return err
		},
	} {
		apiErr(t, call(), "NotFoundException", "Invalid Client Certificate identifier specified")
	}
}
