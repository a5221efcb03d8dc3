package dataplane_test

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	sdk "github.com/aws/aws-sdk-go-v2/service/apigateway"

	"github.com/stagecraft/stagecraft/internal/app"
	"github.com/stagecraft/stagecraft/internal/clock"
	"github.com/stagecraft/stagecraft/internal/testenv"
)

var t0 = time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)

// authorizer creates an authorizer and returns its id.
func (f *fixture) authorizer(in *sdk.CreateAuthorizerInput) string {
	f.t.Helper()
	in.RestApiId = &f.api
	a, err := f.c.CreateAuthorizer(f.ctx, in)
	if err != nil {
		f.t.Fatalf("create authorizer: %v", err)
	}
	return *a.Id
}

// policy is an authorizer answer allowing or denying every method of api.
func policy(effect, api, principal string, ctx map[string]any) events.APIGatewayCustomAuthorizerResponse {
	return events.APIGatewayCustomAuthorizerResponse{
		PrincipalID: principal,
		PolicyDocument: events.APIGatewayCustomAuthorizerPolicy{Version: "2012-10-17", Statement: []events.IAMPolicyStatement{{
			Action: []string{"execute-api:Invoke"}, Effect: effect,
			Resource: []string{"arn:aws:execute-api:us-east-1:000000000000:" + api + "/*"},
		}}},
		Context: ctx,
	}
}

// TOKEN authorizer: policy evaluation, $context.authorizer.*, the
// answers AWS gives for each failure, and the result cache (TTL on the
// node's clock, FlushStageAuthorizersCache).
func TestTokenAuthorizer(t *testing.T) {
	clk := clock.NewFake(t0)
	env, srv := startWithLambda(t, testenv.WithFakeClock(clk))
	f := newFixture(t, env, "token")
	srv.RegisterTokenAuthorizer("auth", func(e events.APIGatewayCustomAuthorizerRequest) (events.APIGatewayCustomAuthorizerResponse, error) {
		switch e.AuthorizationToken {
		case "allow":
			return policy("Allow", f.api, "user-1", map[string]any{"user": "alice", "n": 7, "ok": true}), nil
		case "deny":
			return policy("Deny", f.api, "user-2", nil), nil
		case "other":
			// Allows another API only: an implicit deny here.
			return policy("Allow", "otherapi", "user-3", nil), nil
		case "unauthorized":
			return events.APIGatewayCustomAuthorizerResponse{}, errors.New("Unauthorized")
		case "garbage":
			return events.APIGatewayCustomAuthorizerResponse{PrincipalID: "x"}, nil
		}
		return events.APIGatewayCustomAuthorizerResponse{}, errors.New("boom")
	})
	srv.RegisterProxy("echo", func(e events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
		b, _ := json.Marshal(e.RequestContext.Authorizer)
		return events.APIGatewayProxyResponse{StatusCode: 200, Body: string(b)}, nil
	})
	auth := f.authorizer(&sdk.CreateAuthorizerInput{Name: aws.String("tok"), Type: "TOKEN", AuthorizerUri: aws.String(lambdaURI("auth")),
		IdentitySource: aws.String("method.request.header.Authorization"), IdentityValidationExpression: aws.String("^[a-z]+$")})
	f.method("/pets", "GET", &sdk.PutMethodInput{AuthorizationType: aws.String("CUSTOM"), AuthorizerId: &auth})
	f.integration("/pets", "GET", &sdk.PutIntegrationInput{Type: "MOCK", RequestTemplates: map[string]string{"application/json": `{"statusCode":200}`}})
	f.response("/pets", "GET", "200", "", map[string]string{"X-Principal": "context.authorizer.principalId"},
		map[string]string{"application/json": `{"p":"$context.authorizer.principalId","u":"$context.authorizer.user","n":"$context.authorizer.n","ok":"$context.authorizer.ok","none":"$context.authorizer.nope"}`})
	f.method("/echo", "GET", &sdk.PutMethodInput{AuthorizationType: aws.String("CUSTOM"), AuthorizerId: &auth})
	f.integration("/echo", "GET", &sdk.PutIntegrationInput{Type: "AWS_PROXY", IntegrationHttpMethod: aws.String("POST"), Uri: aws.String(lambdaURI("echo"))})
	f.deploy("s", nil)

	get := func(path, token string) result {
		var hdr map[string]string
		if token != "" {
			hdr = map[string]string{"Authorization": token}
		}
		return call(t, env.URL, formHost, f.api, "s", "GET", path, hdr, "")
	}
	invocations := func() int { return len(srv.InvocationsOf("auth")) }

	r := get("/pets", "allow")
	if r.status != 200 || r.body != `{"p":"user-1","u":"alice","n":"7","ok":"true","none":""}` || r.header.Get("X-Principal") != "user-1" {
		t.Fatalf("allow: %d %q %v", r.status, r.body, r.header)
	}
	var ev events.APIGatewayCustomAuthorizerRequest
	srv.Last(t, "auth").Decode(t, &ev)
	if ev.Type != "TOKEN" || ev.MethodArn != "arn:aws:execute-api:us-east-1:000000000000:"+f.api+"/s/GET/pets" {
		t.Errorf("authorizer event %+v", ev)
	}

	// Failures, each with AWS's status, body and error type.
	for _, tc := range []struct {
		name, token string
		status      int
		body, typ   string
		invoked     bool
	}{
		{"missing", "", 401, `{"message":"Unauthorized"}`, "UnauthorizedException", false},
		{"validation", "Not-Valid", 401, `{"message":"Unauthorized"}`, "UnauthorizedException", false},
		{"explicit deny", "deny", 403, `{"message":"User is not authorized to access this resource with an explicit deny"}`, "AccessDeniedException", true},
		{"implicit deny", "other", 403, `{"message":"User is not authorized to access this resource"}`, "AccessDeniedException", true},
		{"unauthorized", "unauthorized", 401, `{"message":"Unauthorized"}`, "UnauthorizedException", true},
		{"function error", "boom", 500, `{"message":null}`, "AuthorizerConfigurationException", true},
		{"no policy", "garbage", 500, `{"message":null}`, "AuthorizerConfigurationException", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := invocations()
			expect(t, get("/pets", tc.token), tc.status, tc.body, tc.typ)
			if got := invocations() - before; got != map[bool]int{true: 1, false: 0}[tc.invoked] {
				t.Errorf("authorizer invoked %d times", got)
			}
		})
	}

	// The cache: "allow" was cached by the first request (TTL 300 s by
	// default); the policy is evaluated again for the other method.
	before := invocations()
	r = get("/echo", "allow")
	var ctx map[string]any
	if err := json.Unmarshal([]byte(r.body), &ctx); err != nil || r.status != 200 {
		t.Fatalf("echo: %d %q", r.status, r.body)
	}
	if ctx["principalId"] != "user-1" || ctx["user"] != "alice" || ctx["n"] != "7" || ctx["integrationLatency"] != float64(0) {
		t.Errorf("requestContext.authorizer = %v", ctx)
	}
	if invocations() != before {
		t.Errorf("a cached token invoked the authorizer")
	}
	clk.Advance(301 * time.Second)
	get("/pets", "allow")
	if invocations() != before+1 {
		t.Errorf("an expired entry did not invoke the authorizer (%d)", invocations()-before)
	}
	get("/pets", "allow")
	if invocations() != before+1 {
		t.Errorf("the refreshed entry is not cached")
	}
	if _, err := f.c.FlushStageAuthorizersCache(f.ctx, &sdk.FlushStageAuthorizersCacheInput{RestApiId: &f.api, StageName: aws.String("s")}); err != nil {
		t.Fatal(err)
	}
	get("/pets", "allow")
	if invocations() != before+2 {
		t.Errorf("FlushStageAuthorizersCache did not empty the cache")
	}
}

// REQUEST authorizer: identity sources from headers, query and stage
// variables; the event is the request; no caching with TTL 0.
func TestRequestAuthorizer(t *testing.T) {
	env, srv := startWithLambda(t)
	f := newFixture(t, env, "request")
	srv.RegisterAuthorizer("auth", func(e events.APIGatewayCustomAuthorizerRequestTypeRequest) (events.APIGatewayCustomAuthorizerResponse, error) {
		if e.Headers["X-User"] == "bob" && e.QueryStringParameters["tenant"] == "t1" && e.StageVariables["env"] == "prod" {
			return policy("Allow", f.api, "bob", map[string]any{"tenant": "t1"}), nil
		}
		return policy("Deny", f.api, "anon", nil), nil
	})
	auth := f.authorizer(&sdk.CreateAuthorizerInput{Name: aws.String("req"), Type: "REQUEST", AuthorizerUri: aws.String(lambdaURI("auth")),
		IdentitySource:               aws.String("method.request.header.X-User, method.request.querystring.tenant, stageVariables.env"),
		AuthorizerResultTtlInSeconds: aws.Int32(0)})
	f.method("/r/{id}", "GET", &sdk.PutMethodInput{AuthorizationType: aws.String("CUSTOM"), AuthorizerId: &auth})
	f.integration("/r/{id}", "GET", &sdk.PutIntegrationInput{Type: "MOCK", RequestTemplates: map[string]string{"application/json": `{"statusCode":200}`}})
	f.response("/r/{id}", "GET", "200", "", nil, map[string]string{"application/json": `$context.authorizer.principalId/$context.authorizer.tenant`})
	f.deploy("s", map[string]string{"env": "prod"})

	for i := 0; i < 2; i++ {
		r := call(t, env.URL, formAWS, f.api, "s", "GET", "/r/7?tenant=t1", map[string]string{"X-User": "bob"}, "")
		if r.status != 200 || r.body != "bob/t1" {
			t.Fatalf("allowed: %d %q", r.status, r.body)
		}
	}
	if n := len(srv.InvocationsOf("auth")); n != 2 {
		t.Errorf("TTL 0 must not cache: %d invocations", n)
	}
	var ev events.APIGatewayCustomAuthorizerRequestTypeRequest
	srv.Last(t, "auth").Decode(t, &ev)
	if ev.Type != "REQUEST" || ev.MethodArn != "arn:aws:execute-api:us-east-1:000000000000:"+f.api+"/s/GET/r/7" ||
		ev.PathParameters["id"] != "7" || ev.Resource != "/r/{id}" || ev.RequestContext.Stage != "s" {
		t.Errorf("event %+v", ev)
	}
	expect(t, call(t, env.URL, formAWS, f.api, "s", "GET", "/r/7?tenant=t2", map[string]string{"X-User": "bob"}, ""), 403,
		`{"message":"User is not authorized to access this resource with an explicit deny"}`, "AccessDeniedException")
	n := len(srv.InvocationsOf("auth"))
	expect(t, call(t, env.URL, formAWS, f.api, "s", "GET", "/r/7", map[string]string{"X-User": "bob"}, ""), 401, `{"message":"Unauthorized"}`, "UnauthorizedException")
	if len(srv.InvocationsOf("auth")) != n {
		t.Error("a missing identity source invoked the authorizer")
	}
}

// An authorizer without a Lambda endpoint is an authorizer error.
func TestAuthorizerWithoutLambdaEndpoint(t *testing.T) {
	env := testenv.Start(t)
	f := newFixture(t, env, "noauthep")
	auth := f.authorizer(&sdk.CreateAuthorizerInput{Name: aws.String("tok"), Type: "TOKEN", AuthorizerUri: aws.String(lambdaURI("auth")),
		IdentitySource: aws.String("method.request.header.Authorization")})
	f.method("/", "GET", &sdk.PutMethodInput{AuthorizationType: aws.String("CUSTOM"), AuthorizerId: &auth})
	f.integration("/", "GET", &sdk.PutIntegrationInput{Type: "MOCK"})
	f.deploy("s", nil)
	expect(t, call(t, env.URL, formHost, f.api, "s", "GET", "/", map[string]string{"Authorization": "x"}, ""), 500, `{"message":null}`, "AuthorizerConfigurationException")
}

// ---- Cognito ----

type jwtSigner struct {
	key *rsa.PrivateKey
	kid string
}

func (s *jwtSigner) sign(t *testing.T, claims map[string]any) string {
	t.Helper()
	enc := func(v any) string {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		return base64.RawURLEncoding.EncodeToString(b)
	}
	in := enc(map[string]string{"alg": "RS256", "kid": s.kid, "typ": "JWT"}) + "." + enc(claims)
	h := sha256.Sum256([]byte(in))
	sig, err := rsa.SignPKCS1v15(rand.Reader, s.key, crypto.SHA256, h[:])
	if err != nil {
		t.Fatal(err)
	}
	return in + "." + base64.RawURLEncoding.EncodeToString(sig)
}

// jwksServer serves the public keys of signers as a JWKS document.
func jwksServer(t *testing.T, signers ...*jwtSigner) *httptest.Server {
	var keys []map[string]string
	for _, s := range signers {
		keys = append(keys, map[string]string{"kty": "RSA", "kid": s.kid, "alg": "RS256", "use": "sig",
			"n": base64.RawURLEncoding.EncodeToString(s.key.N.Bytes()),
			"e": base64.RawURLEncoding.EncodeToString(big.NewInt(int64(s.key.E)).Bytes())})
	}
	doc, _ := json.Marshal(map[string]any{"keys": keys})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write(doc)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func newSigner(t *testing.T, kid string) *jwtSigner {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	return &jwtSigner{key: k, kid: kid}
}

// COGNITO_USER_POOLS: ID tokens checked against the pool's JWKS (served
// by a real loopback server through --cognito-jwks-url), claims in
// $context.authorizer.claims and requestContext.authorizer.claims, access
// tokens for methods with scopes.
func TestCognitoAuthorizer(t *testing.T) {
	signer, stranger := newSigner(t, "k1"), newSigner(t, "k1")
	jwks := jwksServer(t, signer)
	clk := clock.NewFake(t0)
	env, srv := startWithLambda(t, testenv.WithFakeClock(clk), testenv.WithConfig(func(c *app.Config) {
		c.CognitoJWKSURL = jwks.URL + "/{region}/{poolId}/jwks.json"
	}))
	srv.RegisterProxy("echo", func(e events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
		b, _ := json.Marshal(e.RequestContext.Authorizer)
		return events.APIGatewayProxyResponse{StatusCode: 200, Body: string(b)}, nil
	})
	f := newFixture(t, env, "cognito")
	const pool = "us-east-1_Pool1"
	iss := "https://cognito-idp.us-east-1.amazonaws.com/" + pool
	auth := f.authorizer(&sdk.CreateAuthorizerInput{Name: aws.String("cog"), Type: "COGNITO_USER_POOLS",
		ProviderARNs:   []string{"arn:aws:cognito-idp:us-east-1:000000000000:userpool/" + pool},
		IdentitySource: aws.String("method.request.header.Authorization")})
	f.method("/me", "GET", &sdk.PutMethodInput{AuthorizationType: aws.String("COGNITO_USER_POOLS"), AuthorizerId: &auth})
	f.integration("/me", "GET", &sdk.PutIntegrationInput{Type: "MOCK", RequestTemplates: map[string]string{"application/json": `{"statusCode":200}`}})
	f.response("/me", "GET", "200", "", nil, map[string]string{"application/json": `$context.authorizer.claims.email $context.authorizer.claims.sub`})
	f.method("/echo", "GET", &sdk.PutMethodInput{AuthorizationType: aws.String("COGNITO_USER_POOLS"), AuthorizerId: &auth})
	f.integration("/echo", "GET", &sdk.PutIntegrationInput{Type: "AWS_PROXY", IntegrationHttpMethod: aws.String("POST"), Uri: aws.String(lambdaURI("echo"))})
	f.method("/scoped", "GET", &sdk.PutMethodInput{AuthorizationType: aws.String("COGNITO_USER_POOLS"), AuthorizerId: &auth, AuthorizationScopes: []string{"pets/read"}})
	f.integration("/scoped", "GET", &sdk.PutIntegrationInput{Type: "MOCK", RequestTemplates: map[string]string{"application/json": `{"statusCode":200}`}})
	f.response("/scoped", "GET", "200", "", nil, map[string]string{"application/json": `scoped`})
	f.deploy("s", nil)

	claims := func(extra map[string]any) map[string]any {
		c := map[string]any{"iss": iss, "sub": "abc-123", "email": "a@example.com", "token_use": "id", "aud": "client1",
			"exp": t0.Add(time.Hour).Unix(), "iat": t0.Unix(), "cognito:groups": []string{"admin", "dev"}}
		for k, v := range extra {
			c[k] = v
		}
		return c
	}
	get := func(path, token string) result {
		return call(t, env.URL, formHost, f.api, "s", "GET", path, map[string]string{"Authorization": token}, "")
	}
	r := get("/me", signer.sign(t, claims(nil)))
	if r.status != 200 || r.body != "a@example.com abc-123" {
		t.Fatalf("valid token: %d %q", r.status, r.body)
	}
	r = get("/echo", signer.sign(t, claims(nil)))
	var ev map[string]map[string]string
	if err := json.Unmarshal([]byte(r.body), &ev); err != nil || ev["claims"]["email"] != "a@example.com" || ev["claims"]["cognito:groups"] != "admin,dev" ||
		ev["claims"]["exp"] != "Tue Mar 10 13:00:00 UTC 2026" {
		t.Errorf("requestContext.authorizer: %d %q", r.status, r.body)
	}
	const unauthorized = `{"message":"Unauthorized"}`
	for _, tc := range []struct {
		name, path, token, body string
	}{
		{"expired", "/me", signer.sign(t, claims(map[string]any{"exp": t0.Add(-time.Minute).Unix()})), `{"message":"The incoming token has expired"}`},
		{"other key", "/me", stranger.sign(t, claims(nil)), unauthorized},
		{"other pool", "/me", signer.sign(t, claims(map[string]any{"iss": "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Other"})), unauthorized},
		{"access token without scopes", "/me", signer.sign(t, claims(map[string]any{"token_use": "access"})), unauthorized},
		{"not a jwt", "/me", "hello", unauthorized},
		{"id token on scoped method", "/scoped", signer.sign(t, claims(nil)), unauthorized},
		{"access token missing the scope", "/scoped", signer.sign(t, claims(map[string]any{"token_use": "access", "scope": "pets/write"})), unauthorized},
	} {
		t.Run(tc.name, func(t *testing.T) { expect(t, get(tc.path, tc.token), 401, tc.body, "UnauthorizedException") })
	}
	expect(t, call(t, env.URL, formHost, f.api, "s", "GET", "/me", nil, ""), 401, unauthorized, "UnauthorizedException")
	r = get("/scoped", "Bearer "+signer.sign(t, claims(map[string]any{"token_use": "access", "scope": "openid pets/read"})))
	if r.status != 200 || r.body != "scoped" {
		t.Errorf("scoped: %d %q", r.status, r.body)
	}
	// After the token's expiry on the node's clock, it is refused.
	clk.Advance(2 * time.Hour)
	expect(t, get("/me", signer.sign(t, claims(nil))), 401, `{"message":"The incoming token has expired"}`, "UnauthorizedException")
}

// ---- AWS_IAM ----

// signed builds a request to the data plane signed for execute-api.
func signed(t *testing.T, base, api, path, ak, sk string, at time.Time) *http.Request {
	t.Helper()
	req, err := http.NewRequest("GET", base+"/s"+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Host = api + ".execute-api.localhost"
	h := sha256.Sum256(nil)
	if err := v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: ak, SecretAccessKey: sk}, req,
		hex.EncodeToString(h[:]), "execute-api", "us-east-1", at); err != nil {
		t.Fatal(err)
	}
	return req
}

func send(t *testing.T, req *http.Request) result {
	t.Helper()
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return result{resp.StatusCode, resp.Header, string(b)}
}

func iamAPI(t *testing.T, env *testenv.Env) *fixture {
	f := newFixture(t, env, "iam")
	f.method("/iam", "GET", &sdk.PutMethodInput{AuthorizationType: aws.String("AWS_IAM")})
	f.integration("/iam", "GET", &sdk.PutIntegrationInput{Type: "MOCK", RequestTemplates: map[string]string{"application/json": `{"statusCode":200}`}})
	f.response("/iam", "GET", "200", "", nil, map[string]string{"application/json": `$context.identity.accessKey $context.identity.accountId`})
	f.deploy("s", nil)
	return f
}

// AWS_IAM without --auth strict: a request must be signed; the signature
// is not checked.
func TestIAMAuthorization(t *testing.T) {
	env := testenv.Start(t)
	f := iamAPI(t, env)
	expect(t, call(t, env.URL, formHost, f.api, "s", "GET", "/iam", nil, ""), 403, `{"message":"Missing Authentication Token"}`, "MissingAuthenticationTokenException")
	r := send(t, signed(t, env.URL, f.api, "/iam", "111122223333", "anything", time.Now()))
	if r.status != 200 || r.body != "111122223333 111122223333" {
		t.Errorf("signed: %d %q", r.status, r.body)
	}
	r = send(t, signed(t, env.URL, f.api, "/iam", "AKIDEXAMPLE", "anything", time.Now()))
	if r.status != 200 || r.body != "AKIDEXAMPLE 000000000000" {
		t.Errorf("signed: %d %q", r.status, r.body)
	}
	r = call(t, env.URL, formHost, f.api, "s", "GET", "/iam", map[string]string{"Authorization": "Bearer abc"}, "")
	if r.status != 403 || r.header.Get("x-amzn-ErrorType") != "IncompleteSignatureException" || !strings.Contains(r.body, "Invalid key=value pair (missing equal-sign) in Authorization header") {
		t.Errorf("bearer: %d %q %v", r.status, r.body, r.header)
	}
}

// AWS_IAM with --auth strict: signatures are verified against the node's
// keys, with AWS's answers.
func TestIAMAuthorizationStrict(t *testing.T) {
	env := testenv.Start(t, testenv.WithConfig(func(c *app.Config) {
		c.Auth, c.AuthKeys = "strict", map[string]string{"test": "test", "AKIDGOOD": "good-secret"}
	}))
	f := iamAPI(t, env)
	r := send(t, signed(t, env.URL, f.api, "/iam", "AKIDGOOD", "good-secret", time.Now()))
	if r.status != 200 || r.body != "AKIDGOOD 000000000000" {
		t.Errorf("good signature: %d %q", r.status, r.body)
	}
	expect(t, send(t, signed(t, env.URL, f.api, "/iam", "AKIDGOOD", "wrong", time.Now())), 403,
		`{"message":"The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details."}`,
		"InvalidSignatureException")
	expect(t, send(t, signed(t, env.URL, f.api, "/iam", "AKIDUNKNOWN", "x", time.Now())), 403,
		`{"message":"The security token included in the request is invalid."}`, "UnrecognizedClientException")
	r = send(t, signed(t, env.URL, f.api, "/iam", "AKIDGOOD", "good-secret", time.Now().Add(-time.Hour)))
	if r.status != 403 || r.header.Get("x-amzn-ErrorType") != "InvalidSignatureException" || !strings.Contains(r.body, "Signature expired") {
		t.Errorf("stale signature: %d %q", r.status, r.body)
	}
}
