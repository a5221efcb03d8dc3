package lambda

import (
	"encoding/json"
	"errors"
	"strconv"
	"strings"
)

// Lambda authorizers: the events API Gateway invokes them with, and their
// answers (an IAM policy, or an HTTP API "simple" response).

// ExecuteAPIARN is the execute-api ARN of a request, the methodArn of REST
// and WebSocket authorizer events and the routeArn of HTTP API ones:
// arn:aws:execute-api:{region}:{account}:{apiId}/{stage}/{method}/{path
// without its leading slash} [D]. For a WebSocket route, method is the
// route key ("$connect") and path is empty.
func ExecuteAPIARN(region, account, apiID, stage, method, path string) string {
	arn := "arn:aws:execute-api:" + region + ":" + account + ":" + apiID + "/" + stage + "/" + method
	if method != "" && strings.HasPrefix(method, "$") && path == "" {
		return arn
	}
	return arn + "/" + strings.TrimPrefix(path, "/")
}

// TokenAuthorizerEvent is a REST TOKEN authorizer's event [D]:
// {"type":"TOKEN","authorizationToken":…,"methodArn":…}.
func TokenAuthorizerEvent(token, methodArn string) []byte {
	b := make([]byte, 0, 64+len(token)+len(methodArn))
	b = append(b, '{')
	b = appendKey(b, "type")
	b = append(b, `"TOKEN"`...)
	b = appendKey(b, "authorizationToken")
	b = appendString(b, token)
	b = appendKey(b, "methodArn")
	b = appendString(b, methodArn)
	return append(b, '}')
}

// RequestAuthorizerEvent is a REST REQUEST authorizer's event: the proxy
// event of the request (RESTEvent's layout) without body and
// isBase64Encoded, with "type":"REQUEST" and methodArn first [D].
func RequestAuthorizerEvent(r *Request, methodArn string) []byte {
	b := make([]byte, 0, eventSize(r))
	b = append(b, '{')
	b = appendKey(b, "type")
	b = append(b, `"REQUEST"`...)
	b = appendKey(b, "methodArn")
	b = appendString(b, methodArn)
	return appendV1Fields(b, r, false, false)
}

// HTTPAuthorizerEventV1 is an HTTP API Lambda authorizer's event with
// authorizerPayloadFormatVersion 1.0 [D]: the 1.0 proxy layout without
// body, plus version, type, methodArn, identitySource (the identity
// values joined with ",") and authorizationToken (the first identity
// value).
func HTTPAuthorizerEventV1(r *Request, routeArn string, identity []string) []byte {
	b := make([]byte, 0, eventSize(r))
	b = append(b, '{')
	b = appendKey(b, "version")
	b = append(b, `"1.0"`...)
	b = appendKey(b, "type")
	b = append(b, `"REQUEST"`...)
	b = appendKey(b, "methodArn")
	b = appendString(b, routeArn)
	b = appendKey(b, "identitySource")
	b = appendString(b, strings.Join(identity, ","))
	b = appendKey(b, "authorizationToken")
	if len(identity) > 0 {
		b = appendString(b, identity[0])
	} else {
		b = appendString(b, "")
	}
	return appendV1Fields(b, r, true, false)
}

// HTTPAuthorizerEventV2 is an HTTP API Lambda authorizer's event with
// authorizerPayloadFormatVersion 2.0 [D]: the 2.0 proxy event without body
// and isBase64Encoded, plus type, routeArn and identitySource (a list).
func HTTPAuthorizerEventV2(r *Request, routeArn string, identity []string) []byte {
	b := make([]byte, 0, eventSize(r))
	b = append(b, '{')
	b = appendKey(b, "type")
	b = append(b, `"REQUEST"`...)
	b = appendKey(b, "routeArn")
	b = appendString(b, routeArn)
	b = appendKey(b, "identitySource")
	b = appendAny(b, identityList(identity))
	return appendV2Fields(b, r, false)
}

func identityList(identity []string) []string {
	if identity == nil {
		return []string{}
	}
	return identity
}

// WebSocketAuthorizerEvent is a WebSocket API REQUEST authorizer's event
// on $connect [D]: the CONNECT event's headers, query parameters, stage
// variables and requestContext, with type and methodArn.
func WebSocketAuthorizerEvent(r *Request, ws *WebSocket, methodArn string) []byte {
	b := make([]byte, 0, eventSize(r))
	b = append(b, '{')
	b = appendKey(b, "type")
	b = append(b, `"REQUEST"`...)
	b = appendKey(b, "methodArn")
	b = appendString(b, methodArn)
	return appendWebSocketFields(b, r, ws, false)
}

// ErrMalformedAuthorizerResponse is wrapped when an authorizer's output is
// not a valid policy (or simple) response. API Gateway answers 500
// {"message": null} on REST (AuthorizerConfigurationException) and 500
// Internal Server Error on HTTP APIs [D, L].
var ErrMalformedAuthorizerResponse = errors.New("malformed Lambda authorizer response")

type authorizerError struct{ reason string }

func (e *authorizerError) Error() string {
	return "lambda: malformed Lambda authorizer response: " + e.reason
}
func (e *authorizerError) Unwrap() error { return ErrMalformedAuthorizerResponse }

func badAuthorizer(reason string) error { return &authorizerError{reason} }

// IsUnauthorized reports whether err is the function error by which an
// authorizer asks for 401 Unauthorized: a failure whose errorMessage is
// exactly "Unauthorized" (callback("Unauthorized") in the docs'
// examples) [D]. Other function errors are 500s.
func IsUnauthorized(err error) bool {
	var fe *FunctionError
	return errors.As(err, &fe) && fe.ErrorMessage == "Unauthorized"
}

// AuthorizerResponse is an authorizer's answer, parsed once and cacheable
// (authorizerResultTtlInSeconds): Allows decides each request's ARN.
type AuthorizerResponse struct {
	PrincipalID string
	// Policy is the IAM policy of a policy response; nil for a simple
	// response.
	Policy *Policy
	// IsAuthorized is a simple response's decision.
	IsAuthorized bool
	// Context becomes requestContext.authorizer (REST and 1.0: merged with
	// principalId; 2.0: under "lambda").
	Context map[string]any
	// UsageIdentifierKey is the API key an authorizer supplies for usage
	// plans (REST, apiKeySource AUTHORIZER).
	UsageIdentifierKey string
}

// Allows reports whether the response authorizes a request to arn: a
// simple response's isAuthorized, or the policy's decision.
func (a *AuthorizerResponse) Allows(arn string) bool {
	if a.Policy == nil {
		return a.IsAuthorized
	}
	return a.Policy.Allows("execute-api:Invoke", arn)
}

// RESTAuthorizerContext is requestContext.authorizer for a REST (or
// payload 1.0) event: the context's keys plus principalId.
func (a *AuthorizerResponse) RESTAuthorizerContext() map[string]any {
	m := make(map[string]any, len(a.Context)+1)
	for k, v := range a.Context {
		m[k] = v
	}
	m["principalId"] = a.PrincipalID
	return m
}

// Policy is an IAM policy document as authorizers return it.
type Policy struct {
	Statements []Statement
}

// Statement is one policy statement. Action and Resource patterns may use
// the IAM wildcards * and ?.
type Statement struct {
	Effect   string // "Allow" or "Deny"
	Action   []string
	Resource []string
	// NotAction / NotResource statements apply to everything they do not
	// name.
	NotAction   []string
	NotResource []string
}

// Allows evaluates the policy the way IAM does for one action and
// resource: an explicit Deny wins, otherwise an Allow is needed.
func (p *Policy) Allows(action, resource string) bool {
	allowed := false
	for i := range p.Statements {
		s := &p.Statements[i]
		if !s.applies(action, resource) {
			continue
		}
		if strings.EqualFold(s.Effect, "Deny") {
			return false
		}
		if strings.EqualFold(s.Effect, "Allow") {
			allowed = true
		}
	}
	return allowed
}

func (s *Statement) applies(action, resource string) bool {
	actionOK := matchAny(s.Action, action, true)
	if s.NotAction != nil {
		actionOK = !matchAny(s.NotAction, action, true)
	}
	resourceOK := matchAny(s.Resource, resource, false)
	if s.NotResource != nil {
		resourceOK = !matchAny(s.NotResource, resource, false)
	}
	return actionOK && resourceOK
}

func matchAny(patterns []string, s string, fold bool) bool {
	for _, p := range patterns {
		if fold {
			if wildcardMatch(strings.ToLower(p), strings.ToLower(s)) {
				return true
			}
		} else if wildcardMatch(p, s) {
			return true
		}
	}
	return false
}

// wildcardMatch matches IAM-style patterns: * is any run of characters
// (slashes included), ? is one character.
func wildcardMatch(p, s string) bool {
	var px, sx, starP, starS = 0, 0, -1, 0
	for sx < len(s) {
		switch {
		case px < len(p) && (p[px] == '?' || p[px] == s[sx]):
			px++
			sx++
		case px < len(p) && p[px] == '*':
			starP, starS = px, sx
			px++
		case starP >= 0:
			starS++
			px, sx = starP+1, starS
		default:
			return false
		}
	}
	for px < len(p) && p[px] == '*' {
		px++
	}
	return px == len(p)
}

// ParsePolicyResponse parses an authorizer's IAM policy response [D]:
//
//	{"principalId": "user", "policyDocument": {"Version": "2012-10-17",
//	 "Statement": [{"Action": "execute-api:Invoke", "Effect": "Allow",
//	 "Resource": "arn:aws:execute-api:…"}]}, "context": {…},
//	 "usageIdentifierKey": "…"}
//
// Action and Resource may be a string or a list; Statement an object or a
// list. Context values must be strings, numbers or booleans (AWS rejects
// objects and arrays there) [D]. A missing policyDocument, a statement
// without Effect, or anything not JSON is an error wrapping
// ErrMalformedAuthorizerResponse.
func ParsePolicyResponse(payload []byte) (*AuthorizerResponse, error) {
	var doc struct {
		PrincipalID        json.RawMessage            `json:"principalId"`
		PolicyDocument     *json.RawMessage           `json:"policyDocument"`
		Context            map[string]json.RawMessage `json:"context"`
		UsageIdentifierKey string                     `json:"usageIdentifierKey"`
	}
	payload = trimJSONSpace(payload)
	if len(payload) == 0 || payload[0] != '{' || json.Unmarshal(payload, &doc) != nil {
		return nil, badAuthorizer("output is not a JSON object")
	}
	a := &AuthorizerResponse{UsageIdentifierKey: doc.UsageIdentifierKey}
	if s, null, ok := scalarText(doc.PrincipalID); ok && !null {
		a.PrincipalID = s
	} else if !ok {
		return nil, badAuthorizer("principalId is not a string")
	}
	if doc.PolicyDocument == nil || isNull(*doc.PolicyDocument) {
		return nil, badAuthorizer("no policyDocument")
	}
	pol, err := parsePolicy(*doc.PolicyDocument)
	if err != nil {
		return nil, err
	}
	a.Policy = pol
	if len(doc.Context) > 0 {
		a.Context = make(map[string]any, len(doc.Context))
		for k, raw := range doc.Context {
			if len(raw) > 0 && (raw[0] == '{' || raw[0] == '[') {
				return nil, badAuthorizer("context value " + strconv.Quote(k) + " is not a string, number or boolean")
			}
			var v any
			json.Unmarshal(raw, &v)
			a.Context[k] = v
		}
	}
	return a, nil
}

func parsePolicy(raw []byte) (*Policy, error) {
	var doc struct {
		Statement json.RawMessage `json:"Statement"`
	}
	if len(raw) == 0 || raw[0] != '{' || json.Unmarshal(raw, &doc) != nil {
		return nil, badAuthorizer("policyDocument is not an object")
	}
	var stmts []json.RawMessage
	switch {
	case isNull(doc.Statement):
		return nil, badAuthorizer("policyDocument has no Statement")
	case doc.Statement[0] == '[':
		if json.Unmarshal(doc.Statement, &stmts) != nil {
			return nil, badAuthorizer("Statement is not a list")
		}
	case doc.Statement[0] == '{':
		stmts = []json.RawMessage{doc.Statement}
	default:
		return nil, badAuthorizer("Statement is not a list")
	}
	p := &Policy{Statements: make([]Statement, 0, len(stmts))}
	for _, raw := range stmts {
		var st struct {
			Effect      string          `json:"Effect"`
			Action      json.RawMessage `json:"Action"`
			Resource    json.RawMessage `json:"Resource"`
			NotAction   json.RawMessage `json:"NotAction"`
			NotResource json.RawMessage `json:"NotResource"`
		}
		if json.Unmarshal(raw, &st) != nil {
			return nil, badAuthorizer("a Statement is not an object")
		}
		if st.Effect != "Allow" && st.Effect != "Deny" {
			return nil, badAuthorizer("Statement Effect " + strconv.Quote(st.Effect) + " is not Allow or Deny")
		}
		s := Statement{Effect: st.Effect}
		var ok bool
		if s.Action, ok = stringOrList(st.Action); !ok {
			return nil, badAuthorizer("Statement Action is not a string or list")
		}
		if s.Resource, ok = stringOrList(st.Resource); !ok {
			return nil, badAuthorizer("Statement Resource is not a string or list")
		}
		if s.NotAction, ok = stringOrList(st.NotAction); !ok {
			return nil, badAuthorizer("Statement NotAction is not a string or list")
		}
		if s.NotResource, ok = stringOrList(st.NotResource); !ok {
			return nil, badAuthorizer("Statement NotResource is not a string or list")
		}
		p.Statements = append(p.Statements, s)
	}
	return p, nil
}

// stringOrList reads an IAM element that is a string or a list of
// strings; absent is nil.
func stringOrList(raw json.RawMessage) ([]string, bool) {
	if isNull(raw) {
		return nil, true
	}
	if raw[0] == '"' {
		var s string
		if json.Unmarshal(raw, &s) != nil {
			return nil, false
		}
		return []string{s}, true
	}
	var l []string
	if json.Unmarshal(raw, &l) != nil {
		return nil, false
	}
	return l, true
}

// ParseSimpleResponse parses an HTTP API authorizer's simple response
// (enableSimpleResponses) [D]: {"isAuthorized": bool, "context": {…}}.
// isAuthorized must be a boolean; context values may be any JSON.
func ParseSimpleResponse(payload []byte) (*AuthorizerResponse, error) {
	var doc struct {
		IsAuthorized json.RawMessage `json:"isAuthorized"`
		Context      map[string]any  `json:"context"`
	}
	payload = trimJSONSpace(payload)
	if len(payload) == 0 || payload[0] != '{' || json.Unmarshal(payload, &doc) != nil {
		return nil, badAuthorizer("output is not a JSON object")
	}
	switch string(doc.IsAuthorized) {
	case "true":
		return &AuthorizerResponse{IsAuthorized: true, Context: doc.Context}, nil
	case "false":
		return &AuthorizerResponse{IsAuthorized: false, Context: doc.Context}, nil
	}
	return nil, badAuthorizer("isAuthorized is not a boolean")
}
