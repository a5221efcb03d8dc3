package httpapi_test

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	sdk "github.com/aws/aws-sdk-go-v2/service/apigatewayv2"
	"github.com/aws/aws-sdk-go-v2/service/apigatewayv2/types"

	"github.com/stagecraft/stagecraft/internal/lambdatest"
)

// idp is an OpenID provider on loopback: discovery document and JWKS.
type idp struct {
	srv  *httptest.Server
	key  *rsa.PrivateKey
	kid  string
	hits int
}

func newIDP(t *testing.T) *idp {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	p := &idp{key: key, kid: "k1"}
	p.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/.well-known/openid-configuration":
			json.NewEncoder(w).Encode(map[string]string{"issuer": p.srv.URL, "jwks_uri": p.srv.URL + "/jwks"})
		case "/jwks":
			p.hits++
			b64 := base64.RawURLEncoding.EncodeToString
			json.NewEncoder(w).Encode(map[string]any{"keys": []map[string]string{{
				"kty": "RSA", "kid": p.kid, "use": "sig", "alg": "RS256",
				"n": b64(key.N.Bytes()), "e": b64(big.NewInt(int64(key.E)).Bytes()),
			}}})
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(p.srv.Close)
	return p
}

// token signs claims with the provider's key (or with other, to forge).
func (p *idp) token(t *testing.T, claims map[string]any, other *rsa.PrivateKey) string {
	key := p.key
	if other != nil {
		key = other
	}
	enc := func(v any) string {
		b, _ := json.Marshal(v)
		return base64.RawURLEncoding.EncodeToString(b)
	}
	input := enc(map[string]string{"alg": "RS256", "kid": p.kid, "typ": "JWT"}) + "." + enc(claims)
	sum := sha256.Sum256([]byte(input))
	sig, err := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, sum[:])
	if err != nil {
		t.Fatal(err)
	}
	return input + "." + base64.RawURLEncoding.EncodeToString(sig)
}

func TestJWTAuthorizer(t *testing.T) {
	p := newIDP(t)
	hs := newHarness(t)
	up := echoServer(t)
	id := hs.api("jwt", nil)
	au, err := hs.c.CreateAuthorizer(hs.ctx, &sdk.CreateAuthorizerInput{ApiId: &id, Name: aws.String("jwt"), AuthorizerType: types.AuthorizerTypeJwt,
		IdentitySource:   []string{"$request.header.Authorization"},
		JwtConfiguration: &types.JWTConfiguration{Issuer: aws.String(p.srv.URL), Audience: []string{"aud1", "aud2"}}})
	if err != nil {
		t.Fatal(err)
	}
	integ := hs.proxy(id, up.URL+"/", func(in *sdk.CreateIntegrationInput) {
		in.RequestParameters = map[string]string{"overwrite:header.x-sub": "$context.authorizer.claims.sub"}
	})
	jwtRoute := func(in *sdk.CreateRouteInput) {
		in.AuthorizationType, in.AuthorizerId = types.AuthorizationTypeJwt, au.AuthorizerId
	}
	hs.route(id, "GET /any", integ, jwtRoute)
	hs.route(id, "GET /scoped", integ, func(in *sdk.CreateRouteInput) {
		jwtRoute(in)
		in.AuthorizationScopes = []string{"admin", "read"}
	})
	hs.route(id, "GET /open", integ, nil)
	hs.stage(id, "$default", nil)

	now := time.Now()
	claims := func(mod func(map[string]any)) map[string]any {
		c := map[string]any{"iss": p.srv.URL, "sub": "user-1", "aud": "aud2", "exp": now.Add(time.Hour).Unix(), "iat": now.Add(-time.Minute).Unix(), "scope": "read write"}
		if mod != nil {
			mod(c)
		}
		return c
	}
	other, _ := rsa.GenerateKey(rand.Reader, 2048)
	good := p.token(t, claims(nil), nil)
	for _, tc := range []struct {
		name, path, auth string
		status           int
		body             string
	}{
		{"valid token", "/any", "Bearer " + good, 200, ""},
		{"without Bearer", "/any", good, 200, ""},
		{"scope matches", "/scoped", "Bearer " + good, 200, ""},
		{"no token", "/any", "", 401, `{"message":"Unauthorized"}`},
		{"garbage", "/any", "Bearer abc", 401, `{"message":"Unauthorized"}`},
		{"forged signature", "/any", "Bearer " + p.token(t, claims(nil), other), 401, `{"message":"Unauthorized"}`},
		{"wrong audience", "/any", "Bearer " + p.token(t, claims(func(c map[string]any) { c["aud"] = "nope" }), nil), 401, `{"message":"Unauthorized"}`},
		{"client_id instead of aud", "/any", "Bearer " + p.token(t, claims(func(c map[string]any) { delete(c, "aud"); c["client_id"] = "aud1" }), nil), 200, ""},
		{"wrong issuer", "/any", "Bearer " + p.token(t, claims(func(c map[string]any) { c["iss"] = "https://evil.example" }), nil), 401, `{"message":"Unauthorized"}`},
		{"expired", "/any", "Bearer " + p.token(t, claims(func(c map[string]any) { c["exp"] = now.Add(-time.Minute).Unix() }), nil), 401, `{"message":"Unauthorized"}`},
		{"missing scope", "/scoped", "Bearer " + p.token(t, claims(func(c map[string]any) { c["scope"] = "write" }), nil), 403, `{"message":"Forbidden"}`},
		{"open route", "/open", "", 200, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			hdr := map[string]string{}
			if tc.auth != "" {
				hdr["Authorization"] = tc.auth
			}
			r := hs.do("GET", id, tc.path, hdr, "")
			expect(t, r, tc.status, tc.body)
			switch {
			case tc.status == 200 && tc.path != "/open":
				if e := decodeEcho(t, r); strings.Join(e.Header["X-Sub"], ",") != "user-1" {
					t.Errorf("claims did not reach the integration: %v", e.Header)
				}
			case tc.status == 401 && tc.auth != "":
				if wa := r.header.Get("WWW-Authenticate"); !strings.Contains(wa, `error="invalid_token"`) {
					t.Errorf("www-authenticate %q", wa)
				}
			}
		})
	}
	if p.hits != 1 {
		t.Errorf("JWKS fetched %d times, want once (cached)", p.hits)
	}
}

func TestLambdaAuthorizer(t *testing.T) {
	lam := lambdatest.Start(t)
	hs := newHarness(t, withLambda(lam.URL))
	up := echoServer(t)
	id := hs.api("lambda-auth", nil)

	lambdatest.Handle(lam, "simple", func(ctx context.Context, e events.APIGatewayV2CustomAuthorizerV2Request) (events.APIGatewayV2CustomAuthorizerSimpleResponse, error) {
		return events.APIGatewayV2CustomAuthorizerSimpleResponse{IsAuthorized: e.Headers["authorization"] == "let-me-in",
			Context: map[string]any{"user": "ann", "n": 1}}, nil
	})
	lambdatest.Handle(lam, "policy", func(ctx context.Context, e events.APIGatewayV2CustomAuthorizerV2Request) (events.APIGatewayV2CustomAuthorizerIAMPolicyResponse, error) {
		effect := "Allow"
		if e.IdentitySource[0] == "deny" {
			effect = "Deny"
		}
		return events.APIGatewayV2CustomAuthorizerIAMPolicyResponse{PrincipalID: "p-1",
			PolicyDocument: events.APIGatewayCustomAuthorizerPolicy{Version: "2012-10-17", Statement: []events.IAMPolicyStatement{
				{Action: []string{"execute-api:Invoke"}, Effect: effect, Resource: []string{e.RouteArn}}}},
			Context: map[string]any{"role": "admin"}}, nil
	})
	lam.Register("v1", func(ctx context.Context, payload []byte) ([]byte, error) {
		return []byte(`{"principalId":"p-v1","policyDocument":{"Version":"2012-10-17","Statement":[{"Action":"execute-api:Invoke","Effect":"Allow","Resource":"*"}]},"context":{"k":"v"}}`), nil
	})
	authorizer := func(name, fn, version string, simple bool, ttl int32, sources ...string) string {
		out, err := hs.c.CreateAuthorizer(hs.ctx, &sdk.CreateAuthorizerInput{ApiId: &id, Name: aws.String(name), AuthorizerType: types.AuthorizerTypeRequest,
			AuthorizerUri:                  aws.String("arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:000000000000:function:" + fn + "/invocations"),
			AuthorizerPayloadFormatVersion: aws.String(version), EnableSimpleResponses: aws.Bool(simple),
			AuthorizerResultTtlInSeconds: aws.Int32(ttl), IdentitySource: sources})
		if err != nil {
			t.Fatal(err)
		}
		return *out.AuthorizerId
	}
	simpleID := authorizer("simple", "simple", "2.0", true, 300, "$request.header.Authorization")
	policyID := authorizer("policy", "policy", "2.0", false, 0, "$request.header.Authorization", "$request.querystring.q")
	v1ID := authorizer("v1", "v1", "1.0", false, 0, "$request.header.X-Token")
	integ := hs.proxy(id, up.URL+"/", func(in *sdk.CreateIntegrationInput) {
		in.RequestParameters = map[string]string{"overwrite:header.x-user": "${context.authorizer.user}${context.authorizer.role}${context.authorizer.k}",
			"overwrite:header.x-principal": "$context.authorizer.principalId"}
	})
	custom := func(authID string) func(*sdk.CreateRouteInput) {
		return func(in *sdk.CreateRouteInput) {
			in.AuthorizationType, in.AuthorizerId = types.AuthorizationTypeCustom, &authID
		}
	}
	hs.route(id, "GET /simple", integ, custom(simpleID))
	hs.route(id, "GET /policy", integ, custom(policyID))
	hs.route(id, "GET /v1/{x}", integ, custom(v1ID))
	hs.stage(id, "prod", nil)

	t.Run("simple responses with caching", func(t *testing.T) {
		expect(t, hs.do("GET", id, "/prod/simple", nil, ""), 401, `{"message":"Unauthorized"}`)
		if n := len(lam.InvocationsOf("simple")); n != 0 {
			t.Fatalf("authorizer invoked %d times without its identity source", n)
		}
		r := hs.do("GET", id, "/prod/simple", map[string]string{"Authorization": "let-me-in"}, "")
		expect(t, r, 200, "")
		if e := decodeEcho(t, r); e.Header["X-User"][0] != "ann" {
			t.Errorf("context did not reach the integration: %v", e.Header)
		}
		expect(t, hs.do("GET", id, "/prod/simple", map[string]string{"Authorization": "let-me-in"}, ""), 200, "")
		if n := len(lam.InvocationsOf("simple")); n != 1 {
			t.Fatalf("authorizer invoked %d times, want 1 (cached)", n)
		}
		expect(t, hs.do("GET", id, "/prod/simple", map[string]string{"Authorization": "wrong"}, ""), 403, `{"message":"Forbidden"}`)
		var e events.APIGatewayV2CustomAuthorizerV2Request
		lam.Last(t, "simple").Decode(t, &e)
		if e.Type != "REQUEST" || e.Version != "2.0" || e.RouteArn != "arn:aws:execute-api:us-east-1:000000000000:"+id+"/prod/GET/simple" ||
			len(e.IdentitySource) != 1 || e.IdentitySource[0] != "wrong" || e.RouteKey != "GET /simple" || e.RawPath != "/prod/simple" {
			t.Errorf("authorizer event %+v", e)
		}
		// ResetAuthorizersCache drops cached results.
		if _, err := hs.c.ResetAuthorizersCache(hs.ctx, &sdk.ResetAuthorizersCacheInput{ApiId: &id, StageName: aws.String("prod")}); err != nil {
			t.Fatal(err)
		}
		expect(t, hs.do("GET", id, "/prod/simple", map[string]string{"Authorization": "let-me-in"}, ""), 200, "")
		if n := len(lam.InvocationsOf("simple")); n != 3 {
			t.Fatalf("authorizer invoked %d times, want 3 after the cache reset", n)
		}
	})
	t.Run("IAM policy responses", func(t *testing.T) {
		expect(t, hs.do("GET", id, "/prod/policy", map[string]string{"Authorization": "x"}, ""), 401, `{"message":"Unauthorized"}`)
		r := hs.do("GET", id, "/prod/policy?q=1", map[string]string{"Authorization": "allow"}, "")
		expect(t, r, 200, "")
		if e := decodeEcho(t, r); e.Header["X-User"][0] != "admin" || e.Header["X-Principal"][0] != "p-1" {
			t.Errorf("context did not reach the integration: %v", e.Header)
		}
		expect(t, hs.do("GET", id, "/prod/policy?q=1", map[string]string{"Authorization": "deny"}, ""), 403, `{"message":"Forbidden"}`)
	})
	t.Run("payload 1.0", func(t *testing.T) {
		r := hs.do("GET", id, "/prod/v1/a", map[string]string{"X-Token": "t1"}, "")
		expect(t, r, 200, "")
		if e := decodeEcho(t, r); e.Header["X-User"][0] != "v" || e.Header["X-Principal"][0] != "p-v1" {
			t.Errorf("context did not reach the integration: %v", e.Header)
		}
		var e map[string]any
		lam.Last(t, "v1").Decode(t, &e)
		if e["type"] != "REQUEST" || e["version"] != "1.0" || e["identitySource"] != "t1" || e["authorizationToken"] != "t1" ||
			e["methodArn"] != "arn:aws:execute-api:us-east-1:000000000000:"+id+"/prod/GET/v1/a" {
			t.Errorf("1.0 authorizer event %v", e)
		}
	})
}
