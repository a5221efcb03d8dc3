package authz_test

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stagecraft/stagecraft/internal/authz"
	"github.com/stagecraft/stagecraft/internal/clock"
)

// idp is an identity provider on loopback: OpenID discovery at
// /.well-known/openid-configuration pointing at /keys, and the key set at
// /keys and at /.well-known/jwks.json. Keys can be added while it runs.
type idp struct {
	srv       *httptest.Server
	mu        sync.Mutex
	jwks      []map[string]string
	jwksCalls atomic.Int32
	discCalls atomic.Int32
}

func newIDP(t *testing.T) *idp {
	p := &idp{}
	mux := http.NewServeMux()
	mux.HandleFunc("/.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		p.discCalls.Add(1)
		json.NewEncoder(w).Encode(map[string]string{"issuer": p.srv.URL, "jwks_uri": p.srv.URL + "/keys"})
	})
	keys := func(w http.ResponseWriter, r *http.Request) {
		p.jwksCalls.Add(1)
		p.mu.Lock()
		defer p.mu.Unlock()
		json.NewEncoder(w).Encode(map[string]any{"keys": p.jwks})
	}
	mux.HandleFunc("/keys", keys)
	mux.HandleFunc("/.well-known/jwks.json", keys)
	mux.HandleFunc("/pool-1/.well-known/jwks.json", keys)
	p.srv = httptest.NewServer(mux)
	t.Cleanup(p.srv.Close)
	return p
}

func (p *idp) publish(jwk map[string]string) {
	p.mu.Lock()
	p.jwks = append(p.jwks, jwk)
	p.mu.Unlock()
}

func b64u(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

type signer struct {
	kid string
	alg string
	rsa *rsa.PrivateKey
	ec  *ecdsa.PrivateKey
}

var (
	keyOnce sync.Once
	rsaKeys [2]*rsa.PrivateKey
	ecKey   *ecdsa.PrivateKey
)

func testKeys(t *testing.T) {
	keyOnce.Do(func() {
		for i := range rsaKeys {
			k, err := rsa.GenerateKey(rand.Reader, 2048)
			if err != nil {
				panic(err)
			}
			rsaKeys[i] = k
		}
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			panic(err)
		}
		ecKey = k
	})
}

func (s signer) jwk() map[string]string {
	if s.rsa != nil {
		return map[string]string{"kty": "RSA", "kid": s.kid, "use": "sig", "alg": s.alg,
			"n": b64u(s.rsa.N.Bytes()), "e": b64u(big.NewInt(int64(s.rsa.E)).Bytes())}
	}
	pub, _ := s.ec.PublicKey.Bytes() // 0x04 || X || Y
	return map[string]string{"kty": "EC", "kid": s.kid, "use": "sig", "crv": "P-256",
		"x": b64u(pub[1:33]), "y": b64u(pub[33:])}
}

func (s signer) sign(t *testing.T, claims map[string]any) string {
	t.Helper()
	hdr, _ := json.Marshal(map[string]string{"alg": s.alg, "kid": s.kid, "typ": "JWT"})
	pl, _ := json.Marshal(claims)
	input := b64u(hdr) + "." + b64u(pl)
	d := sha256.Sum256([]byte(input))
	var sig []byte
	var err error
	switch {
	case s.rsa != nil:
		sig, err = rsa.SignPKCS1v15(rand.Reader, s.rsa, crypto.SHA256, d[:])
	default:
		var r, ss *big.Int
		r, ss, err = ecdsa.Sign(rand.Reader, s.ec, d[:])
		sig = make([]byte, 64)
		r.FillBytes(sig[:32])
		ss.FillBytes(sig[32:])
	}
	if err != nil {
		t.Fatal(err)
	}
	return input + "." + b64u(sig)
}

type jwtEnv struct {
	idp   *idp
	clk   *clock.Fake
	v     *authz.Verifier
	a     *authz.JWTAuthorizer
	k1    signer
	k2    signer // published later, for the unknown-kid refresh
	ec    signer
	claim func(mod func(map[string]any)) map[string]any
}

func newJWTEnv(t *testing.T, opt authz.VerifierOptions) *jwtEnv {
	testKeys(t)
	e := &jwtEnv{idp: newIDP(t), clk: clock.NewFake(t0)}
	e.k1 = signer{kid: "k1", alg: "RS256", rsa: rsaKeys[0]}
	e.k2 = signer{kid: "k2", alg: "RS256", rsa: rsaKeys[1]}
	e.ec = signer{kid: "e1", alg: "ES256", ec: ecKey}
	e.idp.publish(e.k1.jwk())
	e.idp.publish(e.ec.jwk())
	ks := authz.NewKeySource(e.clk, e.idp.srv.Client(), time.Hour, time.Minute)
	e.v = authz.NewVerifier(e.clk, ks, opt)
	var err error
	e.a, err = authz.NewJWTAuthorizer("j1", []string{"$request.header.Authorization"}, e.idp.srv.URL, []string{"client-a", "client-b"})
	if err != nil {
		t.Fatal(err)
	}
	e.claim = func(mod func(map[string]any)) map[string]any {
		c := map[string]any{"iss": e.idp.srv.URL, "aud": "client-a", "sub": "u1",
			"exp": t0.Add(time.Hour).Unix(), "iat": t0.Add(-time.Minute).Unix(), "nbf": t0.Add(-time.Minute).Unix(),
			"scope": "read write", "email_verified": true, "groups": []string{"admin", "dev"}}
		if mod != nil {
			mod(c)
		}
		return c
	}
	return e
}

func TestJWTHTTP(t *testing.T) {
	e := newJWTEnv(t, authz.VerifierOptions{})
	cases := []struct {
		name   string
		signer func(e *jwtEnv) signer
		mod    func(map[string]any)
		token  func(string) string // post-processing of the signed token
		scopes []string
		status int    // 0: valid
		desc   string // error_description
	}{
		{name: "valid"},
		{name: "valid with route scopes", scopes: []string{"admin", "write"}},
		{name: "aud list", mod: func(c map[string]any) { c["aud"] = []string{"x", "client-b"} }},
		{name: "client_id when aud is absent", mod: func(c map[string]any) { delete(c, "aud"); c["client_id"] = "client-b" }},
		{name: "aud wins over client_id", mod: func(c map[string]any) { c["aud"] = "other"; c["client_id"] = "client-a" },
			status: 401, desc: "the token does not have a valid audience"},
		{name: "wrong audience", mod: func(c map[string]any) { c["aud"] = "client-z" }, status: 401, desc: "the token does not have a valid audience"},
		{name: "no audience", mod: func(c map[string]any) { delete(c, "aud") }, status: 401, desc: "the token does not have a valid audience"},
		{name: "wrong issuer", mod: func(c map[string]any) { c["iss"] = "https://evil.example.com" }, status: 401, desc: "the token does not have a valid issuer"},
		{name: "issuer with a trailing slash", mod: func(c map[string]any) { c["iss"] = e.idp.srv.URL + "/" }, status: 401, desc: "the token does not have a valid issuer"},
		{name: "expired", mod: func(c map[string]any) { c["exp"] = t0.Unix() }, status: 401, desc: "the token has expired"},
		{name: "no exp", mod: func(c map[string]any) { delete(c, "exp") }, status: 401, desc: "the token has no expiration time"},
		{name: "not yet valid", mod: func(c map[string]any) { c["nbf"] = t0.Add(time.Second).Unix() }, status: 401, desc: "the token is not valid yet"},
		{name: "issued in the future", mod: func(c map[string]any) { c["iat"] = t0.Add(time.Second).Unix() }, status: 401, desc: "the token was issued in the future"},
		{name: "exp not a number", mod: func(c map[string]any) { c["exp"] = "soon" }, status: 401, desc: "the token's exp is not a number"},
		{name: "bad signature", token: func(tok string) string {
			p := strings.Split(tok, ".")
			pl, _ := base64.RawURLEncoding.DecodeString(p[1])
			pl = []byte(strings.Replace(string(pl), `"u1"`, `"u2"`, 1))
			return p[0] + "." + b64u(pl) + "." + p[2]
		}, status: 401, desc: "the token signature is invalid"},
		{name: "signature from another key under k1", signer: func(e *jwtEnv) signer { return signer{kid: "k1", alg: "RS256", rsa: rsaKeys[1]} },
			status: 401, desc: "the token signature is invalid"},
		{name: "alg none", token: func(tok string) string {
			p := strings.Split(tok, ".")
			return b64u([]byte(`{"alg":"none","kid":"k1"}`)) + "." + p[1] + "."
		}, status: 401, desc: "signing method none is invalid"},
		{name: "HS256", token: func(tok string) string {
			p := strings.Split(tok, ".")
			return b64u([]byte(`{"alg":"HS256","kid":"k1"}`)) + "." + p[1] + "." + p[2]
		}, status: 401, desc: "signing method HS256 is invalid"},
		{name: "no kid", token: func(tok string) string {
			p := strings.Split(tok, ".")
			return b64u([]byte(`{"alg":"RS256"}`)) + "." + p[1] + "." + p[2]
		}, status: 401, desc: "the token has no kid"},
		{name: "ES256 not accepted by default", signer: func(e *jwtEnv) signer { return e.ec }, status: 401, desc: "signing method ES256 is invalid"},
		{name: "not a JWT", token: func(string) string { return "abc.def" }, status: 401, desc: "the token is not a valid JWT"},
		{name: "garbage base64", token: func(string) string { return "a!.b.c" }, status: 401, desc: "the token is not a valid JWT"},
		{name: "insufficient scopes", scopes: []string{"admin"}, status: 403, desc: "expected scopes: [admin]"},
		{name: "scp list", mod: func(c map[string]any) { delete(c, "scope"); c["scp"] = []string{"admin"} }, scopes: []string{"admin"}},
		{name: "no scopes at all", mod: func(c map[string]any) { delete(c, "scope") }, scopes: []string{"read"}, status: 403, desc: "expected scopes: [read]"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := e.k1
			if tc.signer != nil {
				s = tc.signer(e)
			}
			tok := s.sign(t, e.claim(tc.mod))
			if tc.token != nil {
				tok = tc.token(tok)
			}
			r := tokenRequest("Bearer " + tok)
			raw, err := e.a.Token(r)
			if err != nil {
				t.Fatal(err)
			}
			c, err := e.v.VerifyHTTP(context.Background(), e.a, raw, tc.scopes)
			if tc.status == 0 {
				if err != nil {
					t.Fatalf("VerifyHTTP: %v", err)
				}
				if c.Raw["sub"] != "u1" {
					t.Errorf("claims = %v", c.Raw)
				}
				return
			}
			var d *authz.Denial
			switch tc.status {
			case 401:
				d = wantDenial(t, err, 401, "UNAUTHORIZED", "Unauthorized", false)
				want := `Bearer scope="` + strings.Join(tc.scopes, " ") + `" error="invalid_token" error_description="` + tc.desc + `"`
				if d.WWWAuthenticate != want {
					t.Errorf("www-authenticate = %s\nwant %s", d.WWWAuthenticate, want)
				}
			case 403:
				d = wantDenial(t, err, 403, "ACCESS_DENIED", "Forbidden", false)
				if !strings.Contains(d.WWWAuthenticate, `error="insufficient_scope"`) || !strings.Contains(d.WWWAuthenticate, tc.desc) {
					t.Errorf("www-authenticate = %s", d.WWWAuthenticate)
				}
			}
		})
	}
	// Discovery ran once, the key set was fetched once: everything after
	// came from the cache (the unknown-kid cases excepted, none here).
	if n := e.idp.discCalls.Load(); n != 1 {
		t.Errorf("discovery fetched %d times, want 1", n)
	}
	if n := e.idp.jwksCalls.Load(); n != 1 {
		t.Errorf("key set fetched %d times, want 1", n)
	}
}

func TestJWTMissingToken(t *testing.T) {
	e := newJWTEnv(t, authz.VerifierOptions{})
	_, err := e.a.Token(&authz.Request{Header: http.Header{}})
	wantDenial(t, err, 401, "UNAUTHORIZED", "Unauthorized", false)
}

func TestJWTLeewayAndClaims(t *testing.T) {
	e := newJWTEnv(t, authz.VerifierOptions{Leeway: 30 * time.Second, Algorithms: []string{"RS256", "ES256"}})
	tok := e.k1.sign(t, e.claim(func(c map[string]any) { c["exp"] = t0.Add(-10 * time.Second).Unix() }))
	c, err := e.v.VerifyHTTP(context.Background(), e.a, tok, nil)
	if err != nil {
		t.Fatalf("token expired within the leeway rejected: %v", err)
	}
	hc := c.HTTPClaims()
	if hc["email_verified"] != "true" || hc["groups"] != "[admin dev]" || hc["exp"] != "1772618390" {
		t.Errorf("HTTPClaims = %v", hc)
	}
	e.clk.Advance(21 * time.Second)
	if _, err := e.v.VerifyHTTP(context.Background(), e.a, tok, nil); err == nil {
		t.Fatal("token accepted beyond the leeway")
	}
	// ES256 when allowed.
	etok := e.ec.sign(t, e.claim(nil))
	if _, err := e.v.VerifyHTTP(context.Background(), e.a, etok, nil); err != nil {
		t.Fatalf("ES256: %v", err)
	}
	// A key whose alg says RS256 does not verify an ES256 header.
	bad := strings.SplitN(etok, ".", 2)
	forged := b64u([]byte(`{"alg":"ES256","kid":"k1"}`)) + "." + bad[1]
	if _, err := e.v.VerifyHTTP(context.Background(), e.a, forged, nil); err == nil {
		t.Fatal("ES256 token accepted with an RS256 key")
	}
}

func TestJWTUnknownKidRefresh(t *testing.T) {
	e := newJWTEnv(t, authz.VerifierOptions{})
	ctx := context.Background()
	if _, err := e.v.VerifyHTTP(ctx, e.a, e.k1.sign(t, e.claim(nil)), nil); err != nil {
		t.Fatal(err)
	}
	if n := e.idp.jwksCalls.Load(); n != 1 {
		t.Fatalf("key set fetched %d times", n)
	}
	// The provider rotates in k2; the first k2 token makes the set be
	// fetched again and is accepted.
	e.idp.publish(e.k2.jwk())
	tok2 := e.k2.sign(t, e.claim(nil))
	if _, err := e.v.VerifyHTTP(ctx, e.a, tok2, nil); err != nil {
		t.Fatalf("token with the rotated-in kid: %v", err)
	}
	if n := e.idp.jwksCalls.Load(); n != 2 {
		t.Fatalf("key set fetched %d times, want 2", n)
	}
	// A kid nobody publishes: one refetch per MinRefresh at most.
	bogus := signer{kid: "nope", alg: "RS256", rsa: rsaKeys[0]}.sign(t, e.claim(nil))
	for range 5 {
		_, err := e.v.VerifyHTTP(ctx, e.a, bogus, nil)
		d := wantDenial(t, err, 401, "UNAUTHORIZED", "Unauthorized", false)
		if !strings.Contains(d.WWWAuthenticate, "no key in the issuer's key set matches") {
			t.Fatalf("www-authenticate = %s", d.WWWAuthenticate)
		}
	}
	if n := e.idp.jwksCalls.Load(); n != 2 {
		t.Fatalf("unknown kid refetched within MinRefresh: %d fetches, want 2", n)
	}
	e.clk.Advance(time.Minute)
	e.v.VerifyHTTP(ctx, e.a, bogus, nil)
	if n := e.idp.jwksCalls.Load(); n != 3 {
		t.Fatalf("after MinRefresh: %d fetches, want 3", n)
	}
	// Known keys go on working without fetches, until the TTL.
	for range 3 {
		if _, err := e.v.VerifyHTTP(ctx, e.a, tok2, nil); err != nil {
			t.Fatal(err)
		}
	}
	if n := e.idp.jwksCalls.Load(); n != 3 {
		t.Fatalf("known kid refetched: %d", n)
	}
	e.clk.Advance(time.Hour)
	tok2 = e.k2.sign(t, e.claim(func(c map[string]any) { c["exp"] = t0.Add(3 * time.Hour).Unix() }))
	if _, err := e.v.VerifyHTTP(ctx, e.a, tok2, nil); err != nil {
		t.Fatal(err)
	}
	if n := e.idp.jwksCalls.Load(); n != 4 {
		t.Fatalf("key set not refetched after its TTL: %d fetches, want 4", n)
	}
}

func TestJWTKeysUnreachable(t *testing.T) {
	e := newJWTEnv(t, authz.VerifierOptions{})
	tok := e.k1.sign(t, e.claim(nil))
	e.idp.srv.Close()
	_, err := e.v.VerifyHTTP(context.Background(), e.a, tok, nil)
	d := wantDenial(t, err, 401, "UNAUTHORIZED", "Unauthorized", false)
	if !strings.Contains(d.Reason, "could not be fetched") {
		t.Errorf("reason = %q", d.Reason)
	}
}

func TestJWTOverrideURLAndConcurrency(t *testing.T) {
	p := newIDP(t)
	testKeys(t)
	k := signer{kid: "k1", alg: "RS256", rsa: rsaKeys[0]}
	p.publish(k.jwk())
	clk := clock.NewFake(t0)
	const issuer = "https://login.example.com/tenant"
	v := authz.NewVerifier(clk, authz.NewKeySource(clk, p.srv.Client(), 0, 0), authz.VerifierOptions{
		JWKSURL: func(iss string) string {
			if iss == issuer {
				return p.srv.URL + "/keys"
			}
			return ""
		},
	})
	a, err := authz.NewJWTAuthorizer("j", []string{"$request.header.Authorization"}, issuer, []string{"aud1"})
	if err != nil {
		t.Fatal(err)
	}
	tok := k.sign(t, map[string]any{"iss": issuer, "aud": "aud1", "exp": t0.Add(time.Hour).Unix()})
	var wg sync.WaitGroup
	var failures atomic.Int32
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 20 {
				if _, err := v.VerifyHTTP(context.Background(), a, tok, nil); err != nil {
					failures.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	if failures.Load() != 0 {
		t.Fatalf("%d verifications failed", failures.Load())
	}
	if n := p.jwksCalls.Load(); n != 1 {
		t.Fatalf("key set fetched %d times by concurrent requests, want 1", n)
	}
	if n := p.discCalls.Load(); n != 0 {
		t.Fatalf("discovery used despite the JWKS URL override")
	}
}

func TestCognito(t *testing.T) {
	p := newIDP(t)
	testKeys(t)
	k := signer{kid: "k1", alg: "RS256", rsa: rsaKeys[0]}
	p.publish(k.jwk())
	clk := clock.NewFake(t0)
	v := authz.NewVerifier(clk, authz.NewKeySource(clk, p.srv.Client(), 0, 0), authz.VerifierOptions{
		CognitoIssuer: func(region, pool string) string { return p.srv.URL + "/" + pool },
	})
	a, err := authz.NewCognitoAuthorizer("c1", "method.request.header.Authorization",
		[]string{"arn:aws:cognito-idp:us-east-1:123456789012:userpool/pool-0", "arn:aws:cognito-idp:us-east-1:123456789012:userpool/pool-1"}, "")
	if err != nil {
		t.Fatal(err)
	}
	iss := p.srv.URL + "/pool-1"
	idToken := func(mod func(map[string]any)) string {
		c := map[string]any{"iss": iss, "aud": "app-client", "token_use": "id", "sub": "s",
			"exp": t0.Add(time.Hour).Unix(), "iat": t0.Unix(), "cognito:groups": []string{"a", "b"}, "auth_time": t0.Unix()}
		if mod != nil {
			mod(c)
		}
		return k.sign(t, c)
	}
	accessToken := func(scope string) string {
		return k.sign(t, map[string]any{"iss": iss, "client_id": "app-client", "token_use": "access",
			"scope": scope, "exp": t0.Add(time.Hour).Unix()})
	}
	cases := []struct {
		name    string
		token   string
		scopes  []string
		message string // "" valid
	}{
		{name: "ID token, no scopes", token: idToken(nil)},
		{name: "access token with a method scope", token: accessToken("openid api/read"), scopes: []string{"api/read"}},
		{name: "access token without scopes on the method", token: accessToken("api/read"), message: "Unauthorized"},
		{name: "ID token on a method with scopes", token: idToken(nil), scopes: []string{"api/read"}, message: "Unauthorized"},
		{name: "access token lacking the scope", token: accessToken("api/write"), scopes: []string{"api/read"}, message: "Unauthorized"},
		{name: "expired", token: idToken(func(c map[string]any) { c["exp"] = t0.Unix() }), message: "The incoming token has expired"},
		{name: "other pool", token: idToken(func(c map[string]any) { c["iss"] = p.srv.URL + "/pool-9" }), message: "Unauthorized"},
		{name: "real Cognito issuer not configured", token: idToken(func(c map[string]any) {
			c["iss"] = "https://cognito-idp.us-east-1.amazonaws.com/pool-1"
		}), message: "Unauthorized"},
		{name: "garbage", token: "x.y.z", message: "Unauthorized"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			raw, err := a.Token(tokenRequest(tc.token))
			if err != nil {
				t.Fatal(err)
			}
			c, err := v.VerifyCognito(context.Background(), a, raw, tc.scopes)
			if tc.message == "" {
				if err != nil {
					t.Fatalf("VerifyCognito: %v", err)
				}
				if tc.scopes == nil {
					cc := c.CognitoClaims()
					if cc["exp"] != "Wed Mar 04 11:00:00 UTC 2026" || cc["cognito:groups"] != "a,b" || cc["auth_time"] != "1772618400" {
						t.Errorf("CognitoClaims = %v", cc)
					}
				}
				return
			}
			wantDenial(t, err, 401, "UNAUTHORIZED", tc.message, false)
		})
	}

	// identityValidationExpression is matched against aud.
	b, err := authz.NewCognitoAuthorizer("c2", "method.request.header.Authorization",
		[]string{"arn:aws:cognito-idp:us-east-1:123456789012:userpool/pool-1"}, "app-.*")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := v.VerifyCognito(context.Background(), b, idToken(nil), nil); err != nil {
		t.Fatalf("aud matching the expression: %v", err)
	}
	if _, err := v.VerifyCognito(context.Background(), b, idToken(func(c map[string]any) { c["aud"] = "web" }), nil); err == nil {
		t.Fatal("aud not matching the expression accepted")
	}
	if _, err := authz.NewCognitoAuthorizer("c3", "method.request.header.A", []string{"arn:aws:iam::1:role/x"}, ""); err == nil {
		t.Fatal("non user pool ARN accepted")
	}
}

func TestCognitoDefaultIssuerAndJWKSPath(t *testing.T) {
	// Without overrides the issuer is the real Cognito URL; with a JWKS
	// override the keys come from the local server.
	p := newIDP(t)
	testKeys(t)
	k := signer{kid: "k1", alg: "RS256", rsa: rsaKeys[0]}
	p.publish(k.jwk())
	clk := clock.NewFake(t0)
	var asked atomic.Value
	v := authz.NewVerifier(clk, authz.NewKeySource(clk, p.srv.Client(), 0, 0), authz.VerifierOptions{
		JWKSURL: func(iss string) string { asked.Store(iss); return p.srv.URL + "/keys" },
	})
	a, _ := authz.NewCognitoAuthorizer("c", "method.request.header.Authorization",
		[]string{"arn:aws:cognito-idp:eu-west-1:123456789012:userpool/eu-west-1_AbC"}, "")
	tok := k.sign(t, map[string]any{"iss": "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC",
		"token_use": "id", "aud": "c", "exp": t0.Add(time.Minute).Unix()})
	if _, err := v.VerifyCognito(context.Background(), a, tok, nil); err != nil {
		t.Fatal(err)
	}
	if asked.Load() != "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC" {
		t.Fatalf("JWKS override asked for %v", asked.Load())
	}
}

func TestJWTDiscoveryFallback(t *testing.T) {
	// An issuer without a discovery document: its keys are looked up at
	// {issuer}/.well-known/jwks.json, and discovery is retried only after
	// MinRefresh.
	testKeys(t)
	k := signer{kid: "k1", alg: "RS256", rsa: rsaKeys[0]}
	var disc, keys atomic.Int32
	mux := http.NewServeMux()
	mux.HandleFunc("/.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		disc.Add(1)
		http.NotFound(w, r)
	})
	mux.HandleFunc("/.well-known/jwks.json", func(w http.ResponseWriter, r *http.Request) {
		keys.Add(1)
		json.NewEncoder(w).Encode(map[string]any{"keys": []map[string]string{k.jwk()}})
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	clk := clock.NewFake(t0)
	v := authz.NewVerifier(clk, authz.NewKeySource(clk, srv.Client(), 0, 0), authz.VerifierOptions{})
	a, _ := authz.NewJWTAuthorizer("j", []string{"$request.header.Authorization"}, srv.URL, []string{"x"})
	tok := k.sign(t, map[string]any{"iss": srv.URL, "aud": "x", "exp": t0.Add(time.Hour).Unix()})
	for range 3 {
		if _, err := v.VerifyHTTP(context.Background(), a, tok, nil); err != nil {
			t.Fatal(err)
		}
	}
	if disc.Load() != 1 || keys.Load() != 1 {
		t.Fatalf("discovery %d, keys %d fetches; want 1 and 1", disc.Load(), keys.Load())
	}
}
