package apigateway

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"time"

	api "github.com/stagecraft/stagecraft/internal/api/apigateway"
	"github.com/stagecraft/stagecraft/internal/ids"
	"github.com/stagecraft/stagecraft/internal/store"
	"github.com/stagecraft/stagecraft/internal/wire"
)

// Client certificates: the certificate API Gateway presents to an HTTP
// backend so the backend can check calls come from API Gateway. Generate
// makes a real self-signed RSA certificate, valid for 365 days as AWS's are
// [D: "Generate and configure an SSL certificate for backend
// authentication"]. Only the certificate is kept; the private key is
// discarded here, since nothing in Stagecraft calls backends with it yet.

const acctCertValidity = 365 * 24 * time.Hour

func acctErrNoCert() error { return notFound("Invalid Client Certificate identifier specified") } // [?] wording

func acctCert(ctx context.Context, tx store.Tx, id string) (*api.ClientCertificate, error) {
	if !acctPlain(id) {
		return nil, acctErrNoCert()
	}
	return get[api.ClientCertificate](tx, tClientCerts, key(ctx, id), acctErrNoCert())
}

// acctSelfSigned returns a PEM self-signed certificate for id valid in
// [from, to].
func acctSelfSigned(id string, from, to time.Time) (string, error) {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return "", err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return "", err
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject: pkix.Name{
			CommonName:   "ApiGateway_" + id,
			Organization: []string{"Stagecraft"},
		},
		NotBefore:             from,
		NotAfter:              to,
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
		BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	if err != nil {
		return "", err
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})), nil
}

func (s *Service) GenerateClientCertificate(ctx context.Context, in *api.GenerateClientCertificateRequest) (*api.ClientCertificate, error) {
	if err := validateTags(in.Tags); err != nil {
		return nil, err
	}
	id := ids.Lower(6)
	now := s.now()
	expires := wire.Epoch(now.Add(acctCertValidity))
	pemText, err := acctSelfSigned(id, now.Time, expires.Time)
	if err != nil {
		return nil, err
	}
	c := &api.ClientCertificate{
		ClientCertificateId:   ptr(id),
		Description:           in.Description,
		PemEncodedCertificate: ptr(pemText),
		CreatedDate:           now,
		ExpirationDate:        expires,
		Tags:                  acctTags(in.Tags),
	}
	err = s.st.Update(ctx, func(tx store.Tx) error {
		return store.PutJSON(tx, tClientCerts, key(ctx, id), c)
	})
	if err != nil {
		return nil, err
	}
	return c, nil
}

func (s *Service) GetClientCertificate(ctx context.Context, in *api.GetClientCertificateRequest) (*api.ClientCertificate, error) {
	var out *api.ClientCertificate
	err := s.st.View(ctx, func(tx store.Tx) (err error) {
		out, err = acctCert(ctx, tx, in.ClientCertificateId)
		return err
	})
	return out, err
}

func (s *Service) GetClientCertificates(ctx context.Context, in *api.GetClientCertificatesRequest) (*api.ClientCertificates, error) {
	var all []*api.ClientCertificate
	err := s.st.View(ctx, func(tx store.Tx) (err error) {
		all, err = store.ScanJSON[api.ClientCertificate](tx, tClientCerts, prefix(ctx))
		return err
	})
	if err != nil {
		return nil, err
	}
	items, next, err := acctPage(all, func(c *api.ClientCertificate) string { return str(c.ClientCertificateId) }, in.Position, in.Limit)
	if err != nil {
		return nil, err
	}
	out := &api.ClientCertificates{Items: []api.ClientCertificate{}, Position: next}
	for _, c := range items {
		out.Items = append(out.Items, *c)
	}
	return out, nil
}

// UpdateClientCertificate supports replace on /description [D].
func (s *Service) UpdateClientCertificate(ctx context.Context, in *api.UpdateClientCertificateRequest) (*api.ClientCertificate, error) {
	var out *api.ClientCertificate
	err := s.st.Update(ctx, func(tx store.Tx) error {
		c, err := acctCert(ctx, tx, in.ClientCertificateId)
		if err != nil {
			return err
		}
		if err := applyPatch(c, in.PatchOperations, []patchRule{{"/description", "replace", kString}}, nil); err != nil {
			return err
		}
		out = c
		return store.PutJSON(tx, tClientCerts, key(ctx, in.ClientCertificateId), c)
	})
	return out, err
}

func (s *Service) DeleteClientCertificate(ctx context.Context, in *api.DeleteClientCertificateRequest) error {
	return s.st.Update(ctx, func(tx store.Tx) error {
		if _, err := acctCert(ctx, tx, in.ClientCertificateId); err != nil {
			return err
		}
		return tx.Delete(tClientCerts, key(ctx, in.ClientCertificateId))
	})
}
