package authz

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/rsa"
	_ "crypto/sha256" // hash implementations for crypto.Hash.New
	_ "crypto/sha512"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/big"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/stagecraft/stagecraft/internal/clock"
)

// Verifier validates JWTs for HTTP API JWT authorizers and REST
// COGNITO_USER_POOLS authorizers.
type Verifier struct {
	clk  clock.Clock
	keys *KeySource
	opt  VerifierOptions
}

// VerifierOptions configure a Verifier. The zero value is AWS's behaviour
// against the real identity providers.
type VerifierOptions struct {
	// Leeway is the clock skew allowed on exp, nbf and iat. AWS documents
	// the plain comparisons ("exp must be after the current time in UTC"),
	// so the default is 0 [D].
	Leeway time.Duration
	// Algorithms are the accepted "alg" values. Default: RS256, RS384 and
	// RS512 ("Currently, only RSA-based algorithms are supported" [D:
	// http-api-jwt-authorizer]); add ES256/ES384/ES512 and PS256/PS384/PS512
	// to accept them.
	Algorithms []string
	// JWKSURL, when set and returning a non-empty URL for an issuer,
	// replaces discovery for that issuer: tests and offline users point it
	// at a local key set.
	JWKSURL func(issuer string) string
	// CognitoIssuer maps a user pool to its issuer. Default:
	// https://cognito-idp.{region}.amazonaws.com/{poolId}. A local Cognito
	// emulator issues tokens under its own URL; its JWKS is then fetched
	// from {issuer}/.well-known/jwks.json (or JWKSURL).
	CognitoIssuer func(region, poolID string) string
}

var defaultAlgorithms = []string{"RS256", "RS384", "RS512"}

// NewVerifier returns a Verifier fetching keys through keys.
func NewVerifier(clk clock.Clock, keys *KeySource, opt VerifierOptions) *Verifier {
	if len(opt.Algorithms) == 0 {
		opt.Algorithms = defaultAlgorithms
	}
	return &Verifier{clk: clk, keys: keys, opt: opt}
}

// Claims are a validated token's claims.
type Claims struct {
	// Raw is the decoded payload (numbers as json.Number).
	Raw map[string]any
	// Scopes are the token's scopes ("scope", space-separated, or "scp",
	// a string or a list), nil when it has none.
	Scopes []string
}

// ---- HTTP API JWT authorizers ---------------------------------------------

// JWTAuthorizer is a compiled HTTP API JWT authorizer.
type JWTAuthorizer struct {
	ID       string
	Sources  Sources
	Issuer   string
	Audience []string
}

// NewJWTAuthorizer compiles an HTTP API JWT authorizer from identitySource
// and jwtConfiguration.
func NewJWTAuthorizer(id string, identitySource []string, issuer string, audience []string) (*JWTAuthorizer, error) {
	srcs, err := ParseHTTPSources(identitySource)
	if err != nil {
		return nil, err
	}
	if srcs.Len() != 1 {
		return nil, fmt.Errorf("a JWT authorizer takes exactly one identity source, not %d", srcs.Len())
	}
	if issuer == "" {
		return nil, errors.New("a JWT authorizer needs an issuer")
	}
	return &JWTAuthorizer{ID: id, Sources: srcs, Issuer: issuer, Audience: audience}, nil
}

// Token reads the token from the request; the value may carry a "Bearer "
// prefix [D]. A missing token is 401 Unauthorized.
func (a *JWTAuthorizer) Token(r *Request) (string, error) {
	v, err := a.Sources.Values(r)
	if err != nil {
		return "", err
	}
	return stripBearer(v[0]), nil
}

func stripBearer(v string) string {
	v = strings.TrimSpace(v)
	if len(v) > 7 && strings.EqualFold(v[:7], "bearer ") {
		return strings.TrimSpace(v[7:])
	}
	return v
}

// VerifyHTTP validates token for a route whose authorizationScopes are
// scopes, following AWS's documented steps [D: http-api-jwt-authorizer]:
// decode; check the algorithm and the signature with the issuer's key
// (kid); iss equal to the issuer; aud — or client_id when aud is absent —
// in the audience list; exp after now, nbf and iat not after now; and when
// the route has scopes, at least one of them in scope/scp.
//
// Failures are *Denial: 401 {"message":"Unauthorized"} with
// www-authenticate: Bearer scope="..." error="invalid_token"
// error_description="..." [D: http-api-troubleshooting-jwt shows "the
// token does not have a valid audience"; the other descriptions follow its
// wording [?]], and 403 {"message":"Forbidden"} with
// error="insufficient_scope" when the scopes do not match [?].
func (v *Verifier) VerifyHTTP(ctx context.Context, a *JWTAuthorizer, token string, scopes []string) (*Claims, error) {
	deny := func(desc string) error { return httpInvalidToken(scopes, desc) }
	tok, err := parseJWT(token)
	if err != nil {
		return nil, deny(err.Error())
	}
	// iss is compared before the signature is checked (AWS lists it
	// after): it costs nothing, and a foreign token then never makes the
	// issuer's key set be fetched again.
	if iss, _ := tok.claims["iss"].(string); iss != a.Issuer {
		return nil, deny("the token does not have a valid issuer")
	}
	if err := v.checkSignature(ctx, tok, a.Issuer, false); err != nil {
		return nil, deny(err.Error())
	}
	aud, hasAud := audiences(tok.claims["aud"])
	if !hasAud {
		if cid, ok := tok.claims["client_id"].(string); ok {
			aud = []string{cid}
		}
	}
	if !slices.ContainsFunc(aud, func(s string) bool { return slices.Contains(a.Audience, s) }) {
		return nil, deny("the token does not have a valid audience")
	}
	if err := v.checkTimes(tok.claims, true); err != nil {
		return nil, deny(err.Error())
	}
	c := &Claims{Raw: tok.claims, Scopes: tokenScopes(tok.claims)}
	if len(scopes) > 0 && !hasAnyScope(c.Scopes, scopes) {
		return c, &Denial{Status: 403, GatewayType: TypeAccessDenied, ErrorType: errorTypeAccessDenied,
			Message: messageForbidden, Reason: "the token has none of the route's scopes",
			WWWAuthenticate: wwwAuthenticate(scopes, "insufficient_scope",
				"expected scopes: ["+strings.Join(scopes, " ")+"]")}
	}
	return c, nil
}

func httpInvalidToken(scopes []string, desc string) *Denial {
	d := unauthorized(desc)
	d.WWWAuthenticate = wwwAuthenticate(scopes, "invalid_token", desc)
	return d
}

func wwwAuthenticate(scopes []string, code, desc string) string {
	return `Bearer scope="` + strings.Join(scopes, " ") + `" error="` + code +
		`" error_description="` + strings.ReplaceAll(desc, `"`, `'`) + `"`
}

// ---- REST COGNITO_USER_POOLS authorizers -----------------------------------

// CognitoAuthorizer is a compiled REST COGNITO_USER_POOLS authorizer.
type CognitoAuthorizer struct {
	ID      string
	Sources Sources
	Pools   []CognitoPool
	// AudPattern is the compiled identityValidationExpression, matched
	// against the token's aud [D: API reference, Authorizer
	// identityValidationExpression].
	AudPattern *regexp.Regexp
}

// CognitoPool is one user pool of providerARNs.
type CognitoPool struct {
	Region, Account, ID string
}

// NewCognitoAuthorizer compiles a REST COGNITO_USER_POOLS authorizer.
// providerARNs are arn:aws:cognito-idp:{region}:{account}:userpool/{poolId}.
func NewCognitoAuthorizer(id, identitySource string, providerARNs []string, validationExpression string) (*CognitoAuthorizer, error) {
	srcs, err := ParseRESTSources(identitySource)
	if err != nil {
		return nil, err
	}
	if srcs.Len() != 1 || srcs.List[0].Kind != FromHeader {
		return nil, fmt.Errorf("a COGNITO_USER_POOLS authorizer needs one method.request.header identity source, not %q", identitySource)
	}
	a := &CognitoAuthorizer{ID: id, Sources: srcs}
	for _, arn := range providerARNs {
		p := strings.SplitN(arn, ":", 6)
		if len(p) != 6 || p[0] != "arn" || p[2] != "cognito-idp" || !strings.HasPrefix(p[5], "userpool/") {
			return nil, fmt.Errorf("invalid user pool ARN %q", arn)
		}
		a.Pools = append(a.Pools, CognitoPool{Region: p[3], Account: p[4], ID: strings.TrimPrefix(p[5], "userpool/")})
	}
	if len(a.Pools) == 0 {
		return nil, errors.New("a COGNITO_USER_POOLS authorizer needs providerARNs")
	}
	if a.AudPattern, err = CompileValidation(validationExpression); err != nil {
		return nil, err
	}
	return a, nil
}

// Token reads the token from the identity source header. A "Bearer "
// prefix is tolerated [?: AWS documents the bare token].
func (a *CognitoAuthorizer) Token(r *Request) (string, error) {
	v, err := a.Sources.Values(r)
	if err != nil {
		return "", err
	}
	return stripBearer(v[0]), nil
}

func (v *Verifier) cognitoIssuer(p CognitoPool) string {
	if v.opt.CognitoIssuer != nil {
		return v.opt.CognitoIssuer(p.Region, p.ID)
	}
	return "https://cognito-idp." + p.Region + ".amazonaws.com/" + p.ID
}

// VerifyCognito validates a Cognito user pool token for a method whose
// authorizationScopes are scopes. Without scopes the method takes ID
// tokens (token_use "id"); with scopes, access tokens (token_use "access")
// holding at least one of them [D: knowledge-center "401 Unauthorized
// errors ... Amazon Cognito user pool": "If you didn't configure any
// scopes ... use a valid ID token. If you configure additional scopes ...
// use a valid access token"]. iss must be one of the pools, the signature
// must verify with that pool's keys, exp must be in the future, and when
// identityValidationExpression is set aud (client_id for access tokens)
// must match it.
//
// Every failure is 401 {"message":"Unauthorized"}, except an expired token:
// 401 {"message":"The incoming token has expired"} [C]. A token without the
// required scopes is 401 too [?].
func (v *Verifier) VerifyCognito(ctx context.Context, a *CognitoAuthorizer, token string, scopes []string) (*Claims, error) {
	tok, err := parseJWT(token)
	if err != nil {
		return nil, unauthorized(err.Error())
	}
	iss, _ := tok.claims["iss"].(string)
	issuer := ""
	for _, p := range a.Pools {
		if want := v.cognitoIssuer(p); iss == want {
			issuer = want
			break
		}
	}
	if issuer == "" {
		return nil, unauthorized("the token was not issued by the authorizer's user pools")
	}
	if err := v.checkSignature(ctx, tok, issuer, true); err != nil {
		return nil, unauthorized(err.Error())
	}
	if err := v.checkTimes(tok.claims, true); err != nil {
		d := unauthorized(err.Error())
		if errors.Is(err, errExpired) {
			d.Message = messageCognitoExpired
		}
		return nil, d
	}
	use, _ := tok.claims["token_use"].(string)
	c := &Claims{Raw: tok.claims, Scopes: tokenScopes(tok.claims)}
	if len(scopes) == 0 {
		if use != "id" {
			return nil, unauthorized("the method takes ID tokens, this is token_use " + strconv.Quote(use))
		}
	} else {
		if use != "access" {
			return nil, unauthorized("the method has scopes and takes access tokens, this is token_use " + strconv.Quote(use))
		}
		if !hasAnyScope(c.Scopes, scopes) {
			return nil, unauthorized("the token has none of the method's scopes")
		}
	}
	if a.AudPattern != nil {
		aud, ok := audiences(tok.claims["aud"])
		if !ok {
			if cid, ok := tok.claims["client_id"].(string); ok {
				aud = []string{cid}
			}
		}
		if !slices.ContainsFunc(aud, a.AudPattern.MatchString) {
			return nil, unauthorized("aud does not match identityValidationExpression")
		}
	}
	return c, nil
}

// ---- shared validation ------------------------------------------------------

type jwt struct {
	alg, kid     string
	signingInput []byte
	sig          []byte
	claims       map[string]any
}

func parseJWT(token string) (*jwt, error) {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return nil, errors.New("the token is not a valid JWT")
	}
	hb, err1 := b64(parts[0])
	pb, err2 := b64(parts[1])
	sig, err3 := b64(parts[2])
	if err1 != nil || err2 != nil || err3 != nil {
		return nil, errors.New("the token is not a valid JWT")
	}
	var hdr struct {
		Alg string `json:"alg"`
		Kid string `json:"kid"`
	}
	if json.Unmarshal(hb, &hdr) != nil {
		return nil, errors.New("the token header is not valid JSON")
	}
	var claims map[string]any
	dec := json.NewDecoder(bytes.NewReader(pb))
	dec.UseNumber()
	if dec.Decode(&claims) != nil || claims == nil {
		return nil, errors.New("the token payload is not a JSON object")
	}
	return &jwt{alg: hdr.Alg, kid: hdr.Kid, signingInput: []byte(parts[0] + "." + parts[1]), sig: sig, claims: claims}, nil
}

func (v *Verifier) jwksURL(ctx context.Context, issuer string, cognito bool) string {
	if v.opt.JWKSURL != nil {
		if u := v.opt.JWKSURL(issuer); u != "" {
			return u
		}
	}
	if cognito {
		return strings.TrimRight(issuer, "/") + "/.well-known/jwks.json"
	}
	return v.keys.JWKSURI(ctx, issuer)
}

// checkSignature verifies t with the key kid of issuer's key set. Cognito
// user pools publish theirs at {issuer}/.well-known/jwks.json [D]; other
// issuers are found through discovery.
func (v *Verifier) checkSignature(ctx context.Context, t *jwt, issuer string, cognito bool) error {
	if !slices.Contains(v.opt.Algorithms, t.alg) {
		return fmt.Errorf("signing method %s is invalid", t.alg)
	}
	if t.kid == "" {
		return errors.New("the token has no kid")
	}
	url := v.jwksURL(ctx, issuer, cognito)
	k, err := v.keys.Key(ctx, url, t.kid)
	if err != nil {
		if errors.Is(err, errUnknownKid) {
			return err
		}
		return fmt.Errorf("the issuer's keys could not be fetched: %v", err)
	}
	if k.Alg != "" && k.Alg != t.alg {
		return fmt.Errorf("the key %s is for %s, not %s", k.KeyID, k.Alg, t.alg)
	}
	if !verifySignature(t.alg, k.Key, t.signingInput, t.sig) {
		return errors.New("the token signature is invalid")
	}
	return nil
}

func verifySignature(alg string, key crypto.PublicKey, input, sig []byte) bool {
	var h crypto.Hash
	switch alg[2:] {
	case "256":
		h = crypto.SHA256
	case "384":
		h = crypto.SHA384
	case "512":
		h = crypto.SHA512
	default:
		return false
	}
	hh := h.New()
	hh.Write(input)
	digest := hh.Sum(nil)
	switch alg[:2] {
	case "RS":
		k, ok := key.(*rsa.PublicKey)
		return ok && rsa.VerifyPKCS1v15(k, h, digest, sig) == nil
	case "PS":
		k, ok := key.(*rsa.PublicKey)
		return ok && rsa.VerifyPSS(k, h, digest, sig, &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash}) == nil
	case "ES":
		k, ok := key.(*ecdsa.PublicKey)
		if !ok {
			return false
		}
		size := (k.Curve.Params().BitSize + 7) / 8
		if len(sig) != 2*size {
			return false
		}
		r := new(big.Int).SetBytes(sig[:size])
		s := new(big.Int).SetBytes(sig[size:])
		return ecdsa.Verify(k, digest, r, s)
	}
	return false
}

var (
	errExpired = errors.New("the token has expired")
	errNoExp   = errors.New("the token has no expiration time")
)

func (v *Verifier) checkTimes(claims map[string]any, requireExp bool) error {
	now := v.clk.Now()
	lee := v.opt.Leeway
	exp, ok, err := numericDate(claims, "exp")
	switch {
	case err != nil:
		return err
	case !ok && requireExp:
		return errNoExp
	case ok && !now.Before(exp.Add(lee)):
		return errExpired
	}
	if nbf, ok, err := numericDate(claims, "nbf"); err != nil {
		return err
	} else if ok && nbf.After(now.Add(lee)) {
		return errors.New("the token is not valid yet")
	}
	if iat, ok, err := numericDate(claims, "iat"); err != nil {
		return err
	} else if ok && iat.After(now.Add(lee)) {
		return errors.New("the token was issued in the future")
	}
	return nil
}

func numericDate(claims map[string]any, name string) (time.Time, bool, error) {
	v, ok := claims[name]
	if !ok || v == nil {
		return time.Time{}, false, nil
	}
	n, ok := v.(json.Number)
	if !ok {
		return time.Time{}, false, fmt.Errorf("the token's %s is not a number", name)
	}
	f, err := n.Float64()
	if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
		return time.Time{}, false, fmt.Errorf("the token's %s is not a number", name)
	}
	sec, frac := math.Modf(f)
	return time.Unix(int64(sec), int64(frac*1e9)).UTC(), true, nil
}

// audiences reads aud: a string or a list of strings.
func audiences(v any) ([]string, bool) {
	switch v := v.(type) {
	case string:
		return []string{v}, true
	case []any:
		out := make([]string, 0, len(v))
		for _, e := range v {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
		return out, true
	}
	return nil, false
}

// tokenScopes reads scope (space-separated) or scp (a string or a list).
func tokenScopes(claims map[string]any) []string {
	if s, ok := claims["scope"].(string); ok {
		return strings.Fields(s)
	}
	switch v := claims["scp"].(type) {
	case string:
		return strings.Fields(v)
	case []any:
		var out []string
		for _, e := range v {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

func hasAnyScope(have, want []string) bool {
	for _, w := range want {
		if slices.Contains(have, w) {
			return true
		}
	}
	return false
}

// HTTPClaims are the claims as HTTP APIs pass them on
// (requestContext.authorizer.jwt.claims): every value as text, numbers in
// their JSON form, lists as "[a b]" [C: values seen in HTTP API events, e.g.
// "email_verified": "true", "cognito:groups": "[admin]"].
func (c *Claims) HTTPClaims() map[string]string {
	out := make(map[string]string, len(c.Raw))
	for k, v := range c.Raw {
		out[k] = claimText(v, false)
	}
	return out
}

// CognitoClaims are the claims as REST Cognito authorizers pass them on
// ($context.authorizer.claims.*): text values, with exp and iat rendered as
// Java's Date.toString() in UTC ("Fri Jun 26 20:25:53 UTC 2020") [C: REST
// Lambda proxy events behind Cognito authorizers]. Lists are
// comma-separated [?].
func (c *Claims) CognitoClaims() map[string]string {
	out := make(map[string]string, len(c.Raw))
	for k, v := range c.Raw {
		if k == "exp" || k == "iat" {
			if t, ok, err := numericDate(c.Raw, k); ok && err == nil {
				out[k] = t.Format("Mon Jan 02 15:04:05 MST 2006")
				continue
			}
		}
		out[k] = claimText(v, true)
	}
	return out
}

func claimText(v any, commas bool) string {
	switch v := v.(type) {
	case string:
		return v
	case json.Number:
		return v.String()
	case bool:
		return strconv.FormatBool(v)
	case nil:
		return ""
	case []any:
		parts := make([]string, len(v))
		for i, e := range v {
			parts[i] = claimText(e, commas)
		}
		if commas {
			return strings.Join(parts, ",")
		}
		return "[" + strings.Join(parts, " ") + "]"
	}
	b, _ := json.Marshal(v)
	return string(b)
}
