package authz

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/stagecraft/stagecraft/internal/clock"
)

// KeySource fetches and caches JSON Web Key Sets and OpenID discovery
// documents.
//
// A key set is kept for KeyTTL (AWS caches an issuer's public keys for up to
// two hours [D: http-api-jwt-authorizer]). A token whose kid is not in the
// cached set triggers a refetch, at most once per MinRefresh per URL, so a
// stream of tokens with made-up kids cannot hammer the identity provider;
// concurrent requests share one fetch. When a refetch fails the keys
// already known stay in use.
type KeySource struct {
	clk        clock.Clock
	client     *http.Client
	keyTTL     time.Duration
	minRefresh time.Duration

	mu    sync.Mutex
	sets  map[string]*keySet    // JWKS URL → keys
	discs map[string]*discovery // issuer → jwks_uri
}

// DefaultKeyTTL and DefaultMinRefresh are the KeySource defaults.
const (
	DefaultKeyTTL     = 2 * time.Hour
	DefaultMinRefresh = time.Minute
)

// NewKeySource returns a KeySource. A nil client uses one with a 10 second
// timeout; zero durations take the defaults.
func NewKeySource(clk clock.Clock, client *http.Client, keyTTL, minRefresh time.Duration) *KeySource {
	if client == nil {
		client = &http.Client{Timeout: 10 * time.Second}
	}
	if keyTTL <= 0 {
		keyTTL = DefaultKeyTTL
	}
	if minRefresh <= 0 {
		minRefresh = DefaultMinRefresh
	}
	return &KeySource{clk: clk, client: client, keyTTL: keyTTL, minRefresh: minRefresh,
		sets: map[string]*keySet{}, discs: map[string]*discovery{}}
}

// JWK is one usable public key of a key set.
type JWK struct {
	KeyID string
	Alg   string // the key's "alg", "" when it names none
	Key   crypto.PublicKey
}

type keySet struct {
	mu        sync.Mutex
	keys      map[string]*JWK
	fetched   time.Time // last successful fetch (zero: never)
	attempted time.Time // last fetch attempt (zero: never)
	refreshed time.Time // last refetch of a fresh set for an unknown kid
	lastErr   error
	inflight  chan struct{}
}

// mayFetch says whether a fetch may start now. A set that is missing or
// past its TTL is fetched unless the last attempt (which then failed) was
// less than minRefresh ago; a fresh set is refetched for an unknown kid at
// most once per minRefresh.
func (s *keySet) mayFetch(now time.Time, fresh bool, minRefresh time.Duration) bool {
	if !fresh {
		return s.attempted.IsZero() || now.Sub(s.attempted) >= minRefresh || s.attempted.Equal(s.fetched)
	}
	return s.refreshed.IsZero() || now.Sub(s.refreshed) >= minRefresh
}

type discovery struct {
	mu        sync.Mutex
	jwksURI   string
	fetched   time.Time
	attempted time.Time
}

// errUnknownKid is a kid that is not in the issuer's key set.
var errUnknownKid = errors.New("no key in the issuer's key set matches the token's kid")

// Key returns the key kid of the key set at url.
func (ks *KeySource) Key(ctx context.Context, url, kid string) (*JWK, error) {
	ks.mu.Lock()
	s := ks.sets[url]
	if s == nil {
		s = &keySet{}
		ks.sets[url] = s
	}
	ks.mu.Unlock()

	waited := false
	for {
		now := ks.clk.Now()
		s.mu.Lock()
		k := s.keys[kid]
		fresh := !s.fetched.IsZero() && now.Sub(s.fetched) < ks.keyTTL
		if k != nil && fresh {
			s.mu.Unlock()
			return k, nil
		}
		if s.inflight != nil && !waited {
			ch := s.inflight
			s.mu.Unlock()
			select {
			case <-ch:
			case <-ctx.Done():
				return nil, ctx.Err()
			}
			waited = true
			continue
		}
		if waited || !s.mayFetch(now, fresh, ks.minRefresh) {
			err := s.lastErr
			s.mu.Unlock()
			if k != nil {
				return k, nil // stale but the best there is
			}
			if err != nil {
				return nil, err
			}
			return nil, errUnknownKid
		}
		ch := make(chan struct{})
		s.inflight, s.attempted = ch, now
		if fresh {
			s.refreshed = now // a refetch for an unknown kid
		}
		s.mu.Unlock()

		keys, err := ks.fetchJWKS(ctx, url)

		s.mu.Lock()
		s.inflight = nil
		if err == nil {
			s.keys, s.fetched, s.lastErr = keys, now, nil
		} else {
			s.lastErr = err
		}
		k = s.keys[kid]
		s.mu.Unlock()
		close(ch)
		switch {
		case k != nil:
			return k, nil
		case err != nil:
			return nil, err
		}
		return nil, errUnknownKid
	}
}

// JWKSURI resolves an issuer's jwks_uri through OpenID discovery
// ({issuer}/.well-known/openid-configuration), as HTTP API JWT authorizers
// do [D: http-api-jwt-authorizer, "public key that API Gateway fetches from
// the issuer's jwks_uri"]. When discovery fails the conventional
// {issuer}/.well-known/jwks.json is used instead, and discovery is retried
// after MinRefresh.
func (ks *KeySource) JWKSURI(ctx context.Context, issuer string) string {
	fallback := strings.TrimRight(issuer, "/") + "/.well-known/jwks.json"
	ks.mu.Lock()
	d := ks.discs[issuer]
	if d == nil {
		d = &discovery{}
		ks.discs[issuer] = d
	}
	ks.mu.Unlock()

	d.mu.Lock()
	defer d.mu.Unlock()
	now := ks.clk.Now()
	if d.jwksURI != "" && now.Sub(d.fetched) < ks.keyTTL {
		return d.jwksURI
	}
	if !d.attempted.IsZero() && now.Sub(d.attempted) < ks.minRefresh {
		if d.jwksURI != "" {
			return d.jwksURI
		}
		return fallback
	}
	d.attempted = now
	var doc struct {
		JWKSURI string `json:"jwks_uri"`
	}
	if err := ks.getJSON(ctx, strings.TrimRight(issuer, "/")+"/.well-known/openid-configuration", &doc); err != nil || doc.JWKSURI == "" {
		if d.jwksURI != "" {
			return d.jwksURI
		}
		return fallback
	}
	d.jwksURI, d.fetched = doc.JWKSURI, now
	return d.jwksURI
}

func (ks *KeySource) getJSON(ctx context.Context, url string, v any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Accept", "application/json")
	resp, err := ks.client.Do(req)
	if err != nil {
		return fmt.Errorf("fetching %s: %v", url, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("fetching %s: status %d", url, resp.StatusCode)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return fmt.Errorf("fetching %s: %v", url, err)
	}
	if err := json.Unmarshal(body, v); err != nil {
		return fmt.Errorf("fetching %s: %v", url, err)
	}
	return nil
}

func (ks *KeySource) fetchJWKS(ctx context.Context, url string) (map[string]*JWK, error) {
	var set struct {
		Keys []json.RawMessage `json:"keys"`
	}
	if err := ks.getJSON(ctx, url, &set); err != nil {
		return nil, err
	}
	return ParseJWKS(set.Keys), nil
}

// ParseJWKS decodes the usable signature keys of a key set's "keys" list
// (RSA, and EC on P-256/P-384/P-521). Keys that are malformed, meant for
// encryption, or of another type are skipped.
func ParseJWKS(raw []json.RawMessage) map[string]*JWK {
	out := map[string]*JWK{}
	for _, r := range raw {
		var k struct {
			Kty string `json:"kty"`
			Kid string `json:"kid"`
			Use string `json:"use"`
			Alg string `json:"alg"`
			N   string `json:"n"`
			E   string `json:"e"`
			Crv string `json:"crv"`
			X   string `json:"x"`
			Y   string `json:"y"`
		}
		if json.Unmarshal(r, &k) != nil || (k.Use != "" && k.Use != "sig") {
			continue
		}
		var pub crypto.PublicKey
		switch k.Kty {
		case "RSA":
			n, err1 := b64(k.N)
			e, err2 := b64(k.E)
			if err1 != nil || err2 != nil || len(n) == 0 || len(e) == 0 || len(e) > 4 {
				continue
			}
			exp := 0
			for _, c := range e {
				exp = exp<<8 | int(c)
			}
			if exp < 3 {
				continue
			}
			pub = &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: exp}
		case "EC":
			var curve elliptic.Curve
			switch k.Crv {
			case "P-256":
				curve = elliptic.P256()
			case "P-384":
				curve = elliptic.P384()
			case "P-521":
				curve = elliptic.P521()
			default:
				continue
			}
			x, err1 := b64(k.X)
			y, err2 := b64(k.Y)
			size := (curve.Params().BitSize + 7) / 8
			if err1 != nil || err2 != nil || len(x) > size || len(y) > size {
				continue
			}
			pt := make([]byte, 1+2*size)
			pt[0] = 4
			copy(pt[1+size-len(x):1+size], x)
			copy(pt[1+2*size-len(y):], y)
			ek, err := ecdsa.ParseUncompressedPublicKey(curve, pt)
			if err != nil {
				continue
			}
			pub = ek
		default:
			continue
		}
		out[k.Kid] = &JWK{KeyID: k.Kid, Alg: k.Alg, Key: pub}
	}
	return out
}

// b64 decodes base64url, with or without padding.
func b64(s string) ([]byte, error) {
	return base64.RawURLEncoding.DecodeString(strings.TrimRight(s, "="))
}
