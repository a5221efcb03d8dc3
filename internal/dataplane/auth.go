package dataplane

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	api "github.com/stagecraft/stagecraft/internal/api/apigateway"
	"github.com/stagecraft/stagecraft/internal/authz"
	"github.com/stagecraft/stagecraft/internal/lambda"
	"github.com/stagecraft/stagecraft/internal/sigv4"
)

// authorizer is a compiled api.Authorizer of a deployment snapshot.
type authorizer struct {
	id, name, typ string
	lambda        *authz.LambdaAuthorizer // TOKEN and REQUEST
	uri           string                  // authorizerUri, before stage-variable substitution
	cognito       *authz.CognitoAuthorizer
	err           error // configuration the authorizer cannot run with
}

// authorizerTimeout bounds a Lambda authorizer invocation. AWS documents
// no separate limit; the integration default (29 s) is used [?].
const authorizerTimeout = 29 * time.Second

func compileAuthorizer(id string, a *api.Authorizer, lg *slog.Logger) *authorizer {
	ca := &authorizer{id: id, name: str(a.Name), typ: str(a.Type), uri: str(a.AuthorizerUri)}
	switch ca.typ {
	case "TOKEN", "REQUEST":
		ttl := authz.DefaultTTLSeconds
		if a.AuthorizerResultTtlInSeconds != nil {
			ttl = int(*a.AuthorizerResultTtlInSeconds)
		}
		ca.lambda, ca.err = authz.NewRESTLambda(id, ca.typ, str(a.IdentitySource), str(a.IdentityValidationExpression), ttl)
	case "COGNITO_USER_POOLS":
		ca.cognito, ca.err = authz.NewCognitoAuthorizer(id, str(a.IdentitySource), a.ProviderARNs, str(a.IdentityValidationExpression))
	default:
		ca.err = fmt.Errorf("unsupported authorizer type %q", ca.typ)
	}
	if ca.err != nil {
		lg.Warn("authorizer cannot run; requests through it answer 500", "authorizer", id, "error", ca.err)
	}
	return ca
}

// newVerifier builds the Cognito token verifier from the configuration.
func newVerifier(cfg Config) *authz.Verifier {
	keys := authz.NewKeySource(cfg.Clock, cfg.JWKSClient, 0, 0)
	var opt authz.VerifierOptions
	expand := func(tpl, region, pool string) string {
		return strings.NewReplacer("{region}", region, "{poolId}", pool).Replace(tpl)
	}
	var jwks sync.Map // issuer → JWKS URL, learnt as issuers are computed
	if cfg.CognitoIssuer != "" || cfg.CognitoJWKSURL != "" {
		opt.CognitoIssuer = func(region, pool string) string {
			iss := "https://cognito-idp." + region + ".amazonaws.com/" + pool
			if cfg.CognitoIssuer != "" {
				iss = expand(cfg.CognitoIssuer, region, pool)
			}
			if cfg.CognitoJWKSURL != "" {
				jwks.Store(iss, expand(cfg.CognitoJWKSURL, region, pool))
			}
			return iss
		}
	}
	if cfg.CognitoJWKSURL != "" {
		opt.JWKSURL = func(issuer string) string {
			if u, ok := jwks.Load(issuer); ok {
				return u.(string)
			}
			return ""
		}
	}
	return authz.NewVerifier(cfg.Clock, keys, opt)
}

// authorize runs the method's authorization (spec §2 Authorizer): IAM,
// a Lambda authorizer or a Cognito user pool. It returns false when it
// has answered the request.
func (c *call) authorize() bool {
	m := c.m
	switch m.authType {
	case "NONE":
		return true
	case "AWS_IAM":
		return c.iamAuth()
	case "CUSTOM", "COGNITO_USER_POOLS":
	default:
		c.h.log.Warn("unknown authorization type; answering 500", "type", m.authType, "request_id", c.reqID)
		c.fail(errInternal)
		return false
	}
	a := m.authorizer
	if a == nil || a.err != nil {
		c.h.log.Warn("Execution failed due to configuration error: the method's authorizer cannot run",
			"api", c.t.apiID, "resource", c.res.path, "method", m.verb, "request_id", c.reqID)
		c.fail(gwErr{typ: "AUTHORIZER_CONFIGURATION_ERROR", status: 500, null: true})
		return false
	}
	if a.cognito != nil {
		return c.cognitoAuth(a)
	}
	return c.lambdaAuth(a)
}

// authzRequest is what identity sources read.
func (c *call) authzRequest() *authz.Request {
	return &authz.Request{
		Header:         c.r.Header,
		Query:          c.queryValues(),
		StageVariables: c.vars,
		Context: func(name string) (string, bool) {
			return contextValue(c.contextMap(), strings.Split(name, "."))
		},
	}
}

// methodARN is the execute-api ARN the authorizer decides on: the
// request's method and its path below the stage.
func (c *call) methodARN() string {
	return authz.MethodARN(c.region(), c.account(), c.t.apiID, c.t.stage, c.r.Method, c.t.rest)
}

func (c *call) lambdaAuth(a *authorizer) bool {
	la := a.lambda
	id, err := la.Identity(c.authzRequest())
	if err != nil {
		c.denied(a, err, nil)
		return false
	}
	arn := c.methodARN()
	start := c.h.clk.Now()
	scope := authz.Scope(c.account(), c.region(), c.t.apiID, c.t.stage, a.id)
	res, cached, err := la.Authorize(c.r.Context(), c.h.authCache, scope, id, arn, c.authorizerInvoke(a, id, arn, nil))
	latency := c.h.clk.Now().Sub(start).Milliseconds()
	if cached {
		latency = 0
	}
	if res != nil {
		c.setLambdaAuthorizer(res, latency)
	}
	if err != nil {
		c.denied(a, err, res)
		return false
	}
	return true
}

// authorizerInvoke is the invocation of Lambda authorizer a for identity
// id and method ARN arn; raw, when not nil, receives the function's
// output.
func (c *call) authorizerInvoke(a *authorizer, id *authz.Identity, arn string, raw *[]byte) authz.InvokeFunc {
	la := a.lambda
	return func(ctx context.Context) (authz.Invocation, error) {
		var payload []byte
		if la.Token {
			payload = lambda.TokenAuthorizerEvent(id.Token, arn)
		} else {
			payload = lambda.RequestAuthorizerEvent(c.lambdaRequest(nil, false), arn)
		}
		fn, err := lambda.ParseFunction(lambda.SubstituteStageVariables(a.uri, c.vars))
		if err != nil {
			return authz.Invocation{}, err
		}
		if c.h.cfg.Lambda == nil {
			return authz.Invocation{}, errNoLambda
		}
		ctx, cancel := context.WithTimeout(ctx, authorizerTimeout)
		defer cancel()
		res, err := c.h.cfg.Lambda.Invoke(ctx, fn, payload)
		var fe *lambda.FunctionError
		if errors.As(err, &fe) {
			return authz.Invocation{Payload: fe.Payload, FunctionError: fe.Kind}, nil
		}
		if err != nil {
			return authz.Invocation{}, err
		}
		if raw != nil {
			*raw = res.Payload
		}
		return authz.Invocation{Payload: res.Payload}, nil
	}
}

// setLambdaAuthorizer exposes a Lambda authorizer's result: as
// $context.authorizer.principalId and $context.authorizer.{key} (string
// values), and as requestContext.authorizer in Lambda proxy events, with
// integrationLatency [D].
func (c *call) setLambdaAuthorizer(res *authz.Result, latency int64) {
	sc := res.StringContext()
	ctx := make(map[string]any, len(sc)+1)
	ev := make(map[string]any, len(sc)+2)
	for k, v := range sc {
		ctx[k] = v
		ev[k] = v
	}
	ctx["principalId"] = res.PrincipalID
	ev["principalId"] = res.PrincipalID
	ev["integrationLatency"] = latency
	c.authCtx, c.authEvent = ctx, ev
	c.usageKey = res.UsageIdentifierKey
	c.contextMap()["authorizer"] = ctx
}

func (c *call) cognitoAuth(a *authorizer) bool {
	token, err := a.cognito.Token(c.authzRequest())
	if err == nil {
		var claims *authz.Claims
		if claims, err = c.h.verifier.VerifyCognito(c.r.Context(), a.cognito, token, c.m.scopes); err == nil {
			cl := claims.CognitoClaims()
			m := make(map[string]any, len(cl))
			for k, v := range cl {
				m[k] = v
			}
			c.authCtx = map[string]any{"claims": m}
			c.authEvent = map[string]any{"claims": m}
			if len(c.m.scopes) > 0 && claims.Scopes != nil {
				c.authEvent["scopes"] = claims.Scopes
			}
			c.contextMap()["authorizer"] = c.authCtx
			return true
		}
	}
	c.denied(a, err, nil)
	return false
}

// errNoLambda is an invocation without a configured Lambda endpoint.
var errNoLambda = errors.New("no Lambda endpoint is configured (--lambda-endpoint, STAGECRAFT_LAMBDA_ENDPOINT)")

// denied answers an authorization failure through its gateway response.
func (c *call) denied(a *authorizer, err error, _ *authz.Result) {
	var d *authz.Denial
	if !errors.As(err, &d) {
		d = &authz.Denial{Status: 500, GatewayType: authz.TypeAuthorizerConfig, ErrorType: "AuthorizerConfigurationException", Null: true, Reason: err.Error()}
	}
	lvl := slog.LevelDebug
	if d.Status >= 500 {
		lvl = slog.LevelWarn
	}
	c.h.log.Log(c.r.Context(), lvl, "authorization failed", "api", c.t.apiID, "stage", c.t.stage, "authorizer", a.id,
		"status", d.Status, "reason", d.Reason, "request_id", c.reqID)
	c.authStatus = d.Status
	c.fail(gwErr{typ: d.GatewayType, status: d.Status, message: d.Message, null: d.Null, errType: d.ErrorType})
}

// iamAuth is AWS_IAM authorization: the request must be SigV4-signed
// (service execute-api). Unsigned requests answer 403 Missing
// Authentication Token, as AWS does. With Config.IAMKeys the signature is
// verified (AWS's InvalidSignatureException, UnrecognizedClientException
// and IncompleteSignatureException answers); without, any well-formed
// signature passes. IAM policies are not evaluated: a valid signature is
// allowed to invoke.
func (c *call) iamAuth() bool {
	cred, signed := sigv4.Parse(c.r)
	if !signed && c.r.Header.Get("Authorization") == "" {
		c.fail(errMissingToken)
		return false
	}
	v := sigv4.Verifier{Now: c.h.clk.Now, Service: "execute-api"}
	check := c.h.cfg.IAMKeys != nil || !signed
	if c.h.cfg.IAMKeys != nil {
		v.Lookup = c.h.cfg.IAMKeys
	}
	if check {
		if err := v.Verify(c.r, c.body); err != nil {
			var se *sigv4.Error
			if !errors.As(err, &se) {
				c.fail(errInternal)
				return false
			}
			// The data plane answers every signature failure 403 with
			// the error code and message of AWS's front end (a malformed
			// Authorization header too: "Authorization header requires
			// 'Credential' parameter. ..." [C]).
			typ := "INVALID_SIGNATURE"
			if strings.Contains(se.Message, "expired") {
				typ = "EXPIRED_TOKEN"
			}
			c.fail(gwErr{typ: typ, status: http.StatusForbidden, message: se.Message, errType: se.Code})
			return false
		}
	}
	acct := c.account()
	if isAccountID(cred.AccessKeyID) {
		acct = cred.AccessKeyID
	}
	c.iam = &lambda.Identity{AccessKey: cred.AccessKeyID, AccountID: acct, Caller: cred.AccessKeyID, User: cred.AccessKeyID}
	id := c.contextMap()["identity"].(map[string]any)
	id["accessKey"], id["accountId"], id["caller"], id["user"] = cred.AccessKeyID, acct, cred.AccessKeyID, cred.AccessKeyID
	return true
}

func isAccountID(s string) bool {
	if len(s) != 12 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// headerClone copies a header map (names as received).
func headerClone(h http.Header) map[string][]string {
	out := make(map[string][]string, len(h)+6)
	for k, v := range h {
		out[k] = v
	}
	return out
}
