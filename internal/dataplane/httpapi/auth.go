package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	api "github.com/stagecraft/stagecraft/internal/api/apigatewayv2"
	"github.com/stagecraft/stagecraft/internal/authz"
	"github.com/stagecraft/stagecraft/internal/dataplane/v2core"
	"github.com/stagecraft/stagecraft/internal/lambda"
)

// authState is the handler's authorization machinery: the JWKS key
// source and JWT verifier, and the Lambda authorizer result cache.
type authState struct {
	verifier *authz.Verifier
	cache    *authz.Cache
}

func newAuthState(h *Handler) *authState {
	keys := authz.NewKeySource(h.clk, h.cfg.JWKSClient, 0, 0)
	return &authState{
		verifier: authz.NewVerifier(h.clk, keys, authz.VerifierOptions{}),
		cache:    authz.NewCache(h.clk, 0),
	}
}

// authorizer is a compiled authorizer of a deployment.
type authorizer struct {
	id      string
	typ     string // JWT, REQUEST
	jwt     *authz.JWTAuthorizer
	lam     *authz.LambdaAuthorizer
	uri     string
	version string // authorizerPayloadFormatVersion
	err     error  // a configuration the authorizer cannot run with
}

func compileAuthorizer(au *api.Authorizer) *authorizer {
	a := &authorizer{id: str(au.AuthorizerId), typ: strings.ToUpper(str(au.AuthorizerType)),
		uri: str(au.AuthorizerUri), version: str(au.AuthorizerPayloadFormatVersion)}
	switch a.typ {
	case "JWT":
		var issuer string
		var audience []string
		if jc := au.JwtConfiguration; jc != nil {
			issuer, audience = str(jc.Issuer), jc.Audience
		}
		a.jwt, a.err = authz.NewJWTAuthorizer(a.id, au.IdentitySource, issuer, audience)
	case "REQUEST":
		ttl := 0
		if au.AuthorizerResultTtlInSeconds != nil {
			ttl = int(*au.AuthorizerResultTtlInSeconds)
		}
		simple := au.EnableSimpleResponses != nil && *au.EnableSimpleResponses
		a.lam, a.err = authz.NewHTTPLambda(a.id, au.IdentitySource, a.version, simple, ttl)
	default:
		a.err = errors.New("unknown authorizer type " + a.typ)
	}
	return a
}

// authContext is what an authorizer established for one request: JWT
// claims and scopes, or a Lambda authorizer's result.
type authContext struct {
	claims map[string]string
	scopes []string
	raw    map[string]any // JWT claims as decoded
	lam    *authz.Result
}

// event is requestContext.authorizer of the Lambda proxy event, by the
// integration's payload format [D: http-api-develop-integrations-lambda].
func (a *authContext) event(version string) map[string]any {
	if a.lam != nil {
		ctxMap := a.lam.Context
		if version == "2.0" {
			m := map[string]any{}
			for k, v := range ctxMap {
				m[k] = v
			}
			return lambda.LambdaAuthorizer(m)
		}
		out := map[string]any{}
		for k, v := range a.lam.StringContext() {
			out[k] = v
		}
		if !a.lam.Simple {
			out["principalId"] = a.lam.PrincipalID
		}
		out["integrationLatency"] = 0
		return out
	}
	claims := make(map[string]any, len(a.claims))
	for k, v := range a.claims {
		claims[k] = v
	}
	if version == "2.0" {
		return lambda.JWTAuthorizer(claims, a.scopes)
	}
	var scopes any
	if a.scopes != nil {
		scopes = a.scopes
	}
	return map[string]any{"claims": claims, "scopes": scopes}
}

// contextVar answers $context.authorizer.*: claims.{name} for JWT,
// {key} and principalId for Lambda authorizers.
func (a *authContext) contextVar(name string) (string, bool) {
	rest, ok := strings.CutPrefix(name, "authorizer.")
	if !ok {
		return "", false
	}
	if a.lam != nil {
		if rest == "principalId" {
			return a.lam.PrincipalID, a.lam.PrincipalID != ""
		}
		v, ok := a.lam.StringContext()[rest]
		return v, ok
	}
	if c, ok := strings.CutPrefix(rest, "claims."); ok {
		v, ok := a.claims[c]
		return v, ok
	}
	if rest == "scopes" {
		return strings.Join(a.scopes, " "), a.scopes != nil
	}
	return "", false
}

// authorize runs the route's authorization [D: http-api-access-control].
// It answers the request itself and returns false when it may not go on.
func (c *call) authorize() bool {
	rt := c.route
	switch rt.auth {
	case "NONE", "":
		return true
	case "AWS_IAM":
		// IAM authorization needs a SigV4-signed request. The signature
		// itself is not verified (Stagecraft has no IAM); an unsigned
		// request is refused as AWS refuses it, 403 Forbidden [?].
		if !strings.HasPrefix(c.r.Header.Get("Authorization"), "AWS4-HMAC-SHA256 ") && c.r.URL.Query().Get("X-Amz-Signature") == "" {
			c.fail(http.StatusForbidden, msgForbidden)
			return false
		}
		return true
	}
	a := rt.authz
	if a == nil || a.err != nil {
		c.h.log.Error("route authorizer cannot run", "route", rt.key, "auth", rt.auth, "error", errOf(a), "request_id", c.reqID)
		c.fail(http.StatusInternalServerError, msgInternal)
		return false
	}
	req := &authz.Request{Header: c.r.Header, Query: c.queryValues(), StageVariables: c.vars,
		Context: c.contextVar}
	switch {
	case rt.auth == "JWT" && a.jwt != nil:
		tok, err := a.jwt.Token(req)
		if err != nil {
			return c.deny(err, rt.scopes)
		}
		claims, err := c.h.auth.verifier.VerifyHTTP(c.r.Context(), a.jwt, tok, rt.scopes)
		if err != nil {
			return c.deny(err, rt.scopes)
		}
		c.authCtx = &authContext{claims: claims.HTTPClaims(), scopes: claims.Scopes, raw: claims.Raw}
		return true
	case rt.auth == "CUSTOM" && a.lam != nil:
		return c.lambdaAuthorize(a, req)
	}
	c.h.log.Error("route authorization type does not match its authorizer", "route", rt.key, "auth", rt.auth, "authorizer", a.typ, "request_id", c.reqID)
	c.fail(http.StatusInternalServerError, msgInternal)
	return false
}

func errOf(a *authorizer) error {
	if a == nil {
		return errors.New("the route names no authorizer")
	}
	return a.err
}

// deny answers an authorization failure.
func (c *call) deny(err error, scopes []string) bool {
	var d *authz.Denial
	if !errors.As(err, &d) {
		c.trail.AuthErr = v2core.ErrorMessage(err)
		c.h.log.Error("authorization failed", "error", err, "request_id", c.reqID)
		c.fail(http.StatusInternalServerError, msgInternal)
		return false
	}
	c.trail.AuthErr = d.Reason
	c.h.log.Info("request not authorized", "status", d.Status, "reason", d.Reason, "route", c.route.key, "request_id", c.reqID)
	if d.WWWAuthenticate != "" {
		c.w.Header().Set("Www-Authenticate", d.WWWAuthenticate)
	}
	msg := d.Message
	switch {
	case d.Null || msg == "":
		msg = http.StatusText(d.Status)
		if d.Status == http.StatusInternalServerError {
			msg = msgInternal
		}
	}
	c.failType(d.Status, msg, d.GatewayType)
	return false
}

// lambdaAuthorize runs a Lambda REQUEST authorizer [D: http-api-lambda-
// authorizer]: identity sources first (missing → 401 without invoking),
// then the cached result or an invocation with the payload format's
// event, then simple or IAM policy evaluation against the route ARN.
func (c *call) lambdaAuthorize(a *authorizer, req *authz.Request) bool {
	id, err := a.lam.Identity(req)
	if err != nil {
		return c.deny(err, nil)
	}
	routeARN := authz.MethodARN(c.api.Region, c.api.Account, c.api.APIID, c.stage.Name, c.r.Method, c.routePathDecoded())
	scope := authz.Scope(c.api.Account, c.api.Region, c.api.APIID, c.stage.Name+"#"+strconv.FormatUint(c.stage.AuthEpoch, 10), a.id)
	invoke := func(ctx context.Context) (authz.Invocation, error) {
		return c.invokeAuthorizer(ctx, a, id, routeARN)
	}
	res, _, err := a.lam.Authorize(c.r.Context(), c.h.auth.cache, scope, id, routeARN, invoke)
	if err != nil {
		return c.deny(err, nil)
	}
	c.authCtx = &authContext{lam: res}
	return true
}

// authorizerTimeout bounds an authorizer invocation: the 10 s AWS allows
// Lambda authorizers of HTTP APIs [D: quotas].
const authorizerTimeout = 10 * time.Second

// invokeAuthorizer builds the authorizer event and invokes the function.
func (c *call) invokeAuthorizer(ctx context.Context, a *authorizer, id *authz.Identity, routeARN string) (authz.Invocation, error) {
	inv := c.h.cfg.Lambda
	if inv == nil {
		return authz.Invocation{}, errors.New("no Lambda endpoint is configured")
	}
	fn, err := lambda.ParseFunction(lambda.SubstituteStageVariables(a.uri, c.vars))
	if err != nil {
		return authz.Invocation{}, err
	}
	event, err := c.authorizerEvent(a, id, routeARN)
	if err != nil {
		return authz.Invocation{}, err
	}
	ctx, cancel := context.WithTimeout(ctx, authorizerTimeout)
	defer cancel()
	res, err := inv.Invoke(ctx, fn, event)
	var fe *lambda.FunctionError
	if errors.As(err, &fe) {
		return authz.Invocation{Payload: fe.Payload, FunctionError: fe.Kind}, nil
	}
	if err != nil {
		return authz.Invocation{}, err
	}
	return authz.Invocation{Payload: res.Payload}, nil
}

// authorizerEvent is the REQUEST authorizer input [D: http-api-lambda-
// authorizer "Payload format version"]: for 2.0 the request event
// without body plus type, routeArn and identitySource (a list); for 1.0
// the 1.0 request event plus type, methodArn, identitySource and
// authorizationToken (the values joined with ",").
func (c *call) authorizerEvent(a *authorizer, id *authz.Identity, routeARN string) ([]byte, error) {
	lr := c.lambdaRequest()
	lr.Context.Authorizer = nil
	lr.Body, lr.Binary = nil, false
	var base []byte
	if a.version == "2.0" {
		base = lambda.HTTPEventV2(lr)
	} else {
		base = lambda.HTTPEventV1(lr)
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(base, &m); err != nil {
		return nil, err
	}
	set := func(k string, v any) {
		b, _ := json.Marshal(v)
		m[k] = b
	}
	set("type", "REQUEST")
	if a.version == "2.0" {
		delete(m, "body")
		delete(m, "isBase64Encoded")
		set("routeArn", routeARN)
		set("identitySource", id.Values)
	} else {
		joined := strings.Join(id.Values, ",")
		set("methodArn", routeARN)
		set("identitySource", joined)
		set("authorizationToken", joined)
	}
	return json.Marshal(m)
}
