package websocket

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/stagecraft/stagecraft/internal/authz"
	"github.com/stagecraft/stagecraft/internal/dataplane/v2core"
	"github.com/stagecraft/stagecraft/internal/lambda"
)

// authorizerTimeout bounds an authorizer invocation [D: quotas, 10 s].
const authorizerTimeout = 10 * time.Second

// authorize runs the $connect route's authorization, the only one a
// WebSocket API has: it guards the whole connection [D]. It returns 0
// when the connection may proceed, else the status and message to refuse
// the handshake with.
func (s *session) authorize(ctx context.Context, e *event, epoch uint64) (int, string) {
	rt := e.route
	var missing []string
	for _, p := range rt.required {
		var ok bool
		switch {
		case strings.HasPrefix(p, "route.request.header."):
			ok = s.header.Get(p[len("route.request.header."):]) != ""
		case strings.HasPrefix(p, "route.request.querystring."):
			ok = s.query.Get(p[len("route.request.querystring."):]) != ""
		default:
			ok = true
		}
		if !ok {
			missing = append(missing, p[strings.LastIndexByte(p, '.')+1:])
		}
	}
	if len(missing) > 0 {
		// Required $connect parameters [D: websocket-api-data-mapping];
		// the wording is REST's request validation message [?].
		return http.StatusBadRequest, "Missing required request parameters: [" + strings.Join(missing, ", ") + "]"
	}
	switch rt.auth {
	case "", "NONE":
		return 0, ""
	case "AWS_IAM":
		// Signatures are not verified (no IAM here); an unsigned
		// handshake is refused.
		if !strings.HasPrefix(s.header.Get("Authorization"), "AWS4-HMAC-SHA256 ") && s.query.Get("X-Amz-Signature") == "" {
			return http.StatusForbidden, "Forbidden"
		}
		return 0, ""
	case "CUSTOM":
	default:
		return http.StatusInternalServerError, "Internal server error"
	}
	a := rt.authz
	if a == nil || a.err != nil {
		s.h.log.Error("$connect authorizer cannot run", "api", s.c.apiID, "error", a.errOrMissing(), "request_id", e.reqID)
		e.trail.AuthErr = v2core.ErrorMessage(a.errOrMissing())
		return http.StatusInternalServerError, "Internal server error"
	}
	req := &authz.Request{Header: s.header, Query: s.query, StageVariables: e.vars, Context: func(name string) (string, bool) {
		return e.Lookup(v2core.KindContext, name)
	}}
	id, err := a.lam.Identity(req)
	if err != nil {
		return e.denial(err)
	}
	c := s.c
	methodARN := "arn:" + authz.Partition(c.region) + ":execute-api:" + c.region + ":" + c.account + ":" + c.apiID + "/" + c.stage + "/$connect"
	scope := authz.Scope(c.account, c.region, c.apiID, c.stage+"#"+strconv.FormatUint(epoch, 10), a.id)
	invoke := func(ctx context.Context) (authz.Invocation, error) {
		return e.invokeAuthorizer(ctx, a, methodARN)
	}
	res, _, err := a.lam.Authorize(ctx, s.h.cache, scope, id, methodARN, invoke)
	if err != nil {
		return e.denial(err)
	}
	// The API key a Lambda authorizer hands over, for an API whose
	// apiKeySelectionExpression is $context.authorizer.usageIdentifierKey.
	s.usageKey = res.UsageIdentifierKey
	// Every later event carries the authorizer's output as
	// requestContext.authorizer: principalId and the context values
	// [D: websocket-api-lambda-auth].
	out := map[string]any{"principalId": res.PrincipalID, "integrationLatency": 0}
	for k, v := range res.StringContext() {
		out[k] = v
	}
	s.authorizer = out
	return 0, ""
}

func (a *authorizer) errOrMissing() error {
	if a == nil {
		return errors.New("the route names no authorizer")
	}
	return a.err
}

// denial is the refusal of an authorizer's error; the reason goes to
// $context.authorizer.error.
func (e *event) denial(err error) (int, string) {
	var d *authz.Denial
	if !errors.As(err, &d) {
		e.trail.AuthErr = v2core.ErrorMessage(err)
		return http.StatusInternalServerError, "Internal server error"
	}
	e.trail.AuthErr, e.trail.ErrType = d.Reason, d.GatewayType
	if d.Null || d.Message == "" {
		return d.Status, http.StatusText(d.Status)
	}
	return d.Status, d.Message
}

// invokeAuthorizer sends the REQUEST authorizer event: the CONNECT event
// plus type and methodArn [D: websocket-api-lambda-auth, input format].
func (e *event) invokeAuthorizer(ctx context.Context, a *authorizer, methodARN string) (authz.Invocation, error) {
	fn, err := e.function(a.uri)
	if err != nil {
		return authz.Invocation{}, err
	}
	r, w := e.lambdaRequest()
	r.Context.Authorizer = nil
	var m map[string]json.RawMessage
	if err := json.Unmarshal(lambda.WebSocketEvent(r, w), &m); err != nil {
		return authz.Invocation{}, err
	}
	m["type"], _ = json.Marshal("REQUEST")
	m["methodArn"], _ = json.Marshal(methodARN)
	event, err := json.Marshal(m)
	if err != nil {
		return authz.Invocation{}, err
	}
	ctx, cancel := context.WithTimeout(ctx, authorizerTimeout)
	defer cancel()
	res, err := e.s.h.cfg.Lambda.Invoke(ctx, fn, event)
	var fe *lambda.FunctionError
	if errors.As(err, &fe) {
		return authz.Invocation{Payload: fe.Payload, FunctionError: fe.Kind}, nil
	}
	if err != nil {
		return authz.Invocation{}, err
	}
	return authz.Invocation{Payload: res.Payload}, nil
}
