package lambda

import (
	"slices"
	"strings"
	"time"
)

// Request describes one client request in the terms the Lambda proxy
// events use. The data plane fills it from what it matched; the event
// builders only format it. Nothing here is retained by a builder.
type Request struct {
	// Method is the client's HTTP method.
	Method string
	// Path is the REST event's "path": the request path after the stage
	// segment ("/pets/7"), percent-encoding as sent.
	Path string
	// RawPath is the path as the client sent it, stage segment included
	// when the URL had one ("/prod/pets/7"): REST's requestContext.path,
	// HTTP API's rawPath / requestContext.http.path, and both path fields
	// of the HTTP API 1.0 event.
	RawPath string
	// Resource is the matched resource path template ("/pets/{id}",
	// "/{proxy+}"): REST's resource / resourcePath, HTTP API 1.0's
	// resource / resourcePath (the route's path).
	Resource string
	// RouteKey is the matched route key of an HTTP or WebSocket API
	// ("GET /pets/{id}", "$default", "$connect").
	RouteKey string

	// Headers are the request headers, names as received. Host is among
	// them as API Gateway passes it.
	Headers map[string][]string
	// Query holds the decoded query parameters; RawQuery is the query
	// string as sent, without '?'.
	Query    map[string][]string
	RawQuery string
	// PathParams are the matched path parameters (REST: still
	// percent-encoded; HTTP APIs: decoded — the data plane decides).
	PathParams map[string]string
	// StageVariables of the stage (or canary) that served the request.
	StageVariables map[string]string

	// Body is the request body. Binary makes the event carry it base64
	// encoded with isBase64Encoded true (REST: the Content-Type matched
	// binaryMediaTypes; HTTP APIs: a non-text content type).
	Body   []byte
	Binary bool

	Context RequestContext
}

// RequestContext is the requestContext block shared by the events.
type RequestContext struct {
	AccountID string
	APIID     string
	Stage     string
	// DeploymentID is the deployment that served the request (REST).
	DeploymentID string
	// ResourceID is the matched resource's id (REST); HTTP APIs send null.
	ResourceID string
	// OperationName is the method's operationName (REST), sent when set.
	OperationName string

	// RequestID is requestContext.requestId: a UUID on REST (equal to the
	// x-amzn-RequestId response header), the apigw-requestid style id on
	// HTTP and WebSocket APIs. ExtendedRequestID is x-amz-apigw-id.
	RequestID         string
	ExtendedRequestID string

	// DomainName is the Host the client used; DomainPrefix defaults to
	// its first label.
	DomainName   string
	DomainPrefix string
	// Protocol defaults to HTTP/1.1.
	Protocol  string
	SourceIP  string
	UserAgent string
	// Time is when API Gateway received the request: requestTime /
	// requestTimeEpoch (REST, HTTP 1.0, WebSocket) and time / timeEpoch
	// (HTTP 2.0).
	Time time.Time

	// Identity carries the caller fields that IAM authorization, Cognito
	// or an API key fill in; nil sends them all as null.
	Identity *Identity

	// Authorizer is requestContext.authorizer, written as given (absent
	// when nil). REST and 1.0: the Lambda authorizer's context plus
	// principalId (and integrationLatency), or {"claims": …} for Cognito.
	// HTTP 2.0: {"jwt": {"claims": …, "scopes": …}}, {"lambda": {…}} or
	// {"iam": {…}} — see JWTAuthorizer and LambdaAuthorizer.
	Authorizer map[string]any
}

// Identity is requestContext.identity beyond sourceIp and userAgent.
type Identity struct {
	AccessKey                     string
	AccountID                     string
	Caller                        string
	CognitoAuthenticationProvider string
	CognitoAuthenticationType     string
	CognitoIdentityID             string
	CognitoIdentityPoolID         string
	PrincipalOrgID                string
	User                          string
	UserARN                       string
	// APIKey and APIKeyID are sent only when the method required an API
	// key.
	APIKey   string
	APIKeyID string
}

// JWTAuthorizer is the HTTP API 2.0 requestContext.authorizer of a JWT
// authorizer [D].
func JWTAuthorizer(claims map[string]any, scopes []string) map[string]any {
	jwt := map[string]any{"claims": claims}
	if scopes != nil {
		jwt["scopes"] = scopes
	} else {
		jwt["scopes"] = nil
	}
	return map[string]any{"jwt": jwt}
}

// LambdaAuthorizer is the HTTP API 2.0 requestContext.authorizer of a
// Lambda authorizer: its context under "lambda" [D].
func LambdaAuthorizer(context map[string]any) map[string]any {
	return map[string]any{"lambda": context}
}

func (c *RequestContext) domainPrefix() string {
	if c.DomainPrefix != "" {
		return c.DomainPrefix
	}
	p, _, _ := strings.Cut(c.DomainName, ".")
	return p
}

func (c *RequestContext) protocol() string {
	if c.Protocol == "" {
		return "HTTP/1.1"
	}
	return c.Protocol
}

// RESTEvent returns the REST API Lambda proxy event (payload format 1.0).
func RESTEvent(r *Request) []byte { return AppendRESTEvent(make([]byte, 0, eventSize(r)), r) }

// HTTPEventV1 returns the HTTP API Lambda proxy event, payload format 1.0.
func HTTPEventV1(r *Request) []byte { return AppendHTTPEventV1(make([]byte, 0, eventSize(r)), r) }

// HTTPEventV2 returns the HTTP API Lambda proxy event, payload format 2.0.
func HTTPEventV2(r *Request) []byte { return AppendHTTPEventV2(make([]byte, 0, eventSize(r)), r) }

// eventSize guesses an event's size so one allocation usually suffices.
func eventSize(r *Request) int {
	n := 1024 + len(r.Body)*4/3 + len(r.RawQuery)*2 + len(r.Path) + len(r.RawPath)
	for k, vs := range r.Headers {
		for _, v := range vs {
			n += 2 * (len(k) + len(v) + 8)
		}
	}
	return n
}

// AppendRESTEvent appends the REST API proxy event (payload 1.0) for r to
// b. Layout and nulls as recorded from AWS (spec apigateway-rest §8.8):
// headers, multiValueHeaders, queryStringParameters,
// multiValueQueryStringParameters, pathParameters and stageVariables are
// null when empty, body is null when empty, identity fields AWS has no
// value for are null.
func AppendRESTEvent(b []byte, r *Request) []byte {
	return appendV1Event(b, r, false)
}

// AppendHTTPEventV1 appends the HTTP API payload format 1.0 event: the REST
// layout plus "version":"1.0", header names lowercased [D: "All header
// names are lowercase"], resourceId null, no deploymentId, and both path
// fields the path as sent (the 1.0 path is the one that keeps a custom
// domain's API mapping, per the docs) [?].
func AppendHTTPEventV1(b []byte, r *Request) []byte {
	return appendV1Event(b, r, true)
}

func appendV1Event(b []byte, r *Request, httpAPI bool) []byte {
	b = append(b, '{')
	if httpAPI {
		b = appendKey(b, "version")
		b = append(b, `"1.0"`...)
	}
	return appendV1Fields(b, r, httpAPI, true)
}

// appendV1Fields writes the 1.0 event's fields from resource on into an
// object b has opened, and closes it. withBody adds body and
// isBase64Encoded (authorizer events have neither).
func appendV1Fields(b []byte, r *Request, httpAPI, withBody bool) []byte {
	c := &r.Context
	path := r.Path
	if httpAPI {
		path = r.RawPath
	}
	b = appendKey(b, "resource")
	b = appendString(b, r.Resource)
	b = appendKey(b, "path")
	b = appendString(b, path)
	b = appendKey(b, "httpMethod")
	b = appendString(b, r.Method)

	hs := headerList(r.Headers, httpAPI)
	b = appendKey(b, "headers")
	b = appendSingleValues(b, hs)
	b = appendKey(b, "multiValueHeaders")
	b = appendMultiValues(b, hs)
	qs := valueList(r.Query)
	b = appendKey(b, "queryStringParameters")
	b = appendSingleValues(b, qs)
	b = appendKey(b, "multiValueQueryStringParameters")
	b = appendMultiValues(b, qs)
	b = appendKey(b, "pathParameters")
	b = appendStringMapOrNull(b, r.PathParams)
	b = appendKey(b, "stageVariables")
	b = appendStringMapOrNull(b, r.StageVariables)

	b = appendKey(b, "requestContext")
	b = append(b, '{')
	if httpAPI {
		b = appendKey(b, "resourceId")
		b = appendNull(b)
	} else {
		b = appendKey(b, "resourceId")
		b = appendString(b, c.ResourceID)
	}
	b = appendKey(b, "resourcePath")
	b = appendString(b, r.Resource)
	if c.OperationName != "" {
		b = appendKey(b, "operationName")
		b = appendString(b, c.OperationName)
	}
	b = appendKey(b, "httpMethod")
	b = appendString(b, r.Method)
	b = appendKey(b, "extendedRequestId")
	b = appendString(b, c.ExtendedRequestID)
	b = appendKey(b, "requestTime")
	b = c.Time.UTC().AppendFormat(append(b, '"'), clfLayout)
	b = append(b, '"')
	b = appendKey(b, "path")
	b = appendString(b, r.RawPath)
	b = appendKey(b, "accountId")
	b = appendString(b, c.AccountID)
	b = appendKey(b, "protocol")
	b = appendString(b, c.protocol())
	b = appendKey(b, "stage")
	b = appendString(b, c.Stage)
	b = appendKey(b, "domainPrefix")
	b = appendString(b, c.domainPrefix())
	b = appendKey(b, "requestTimeEpoch")
	b = appendInt(b, c.Time.UnixMilli())
	b = appendKey(b, "requestId")
	b = appendString(b, c.RequestID)
	b = appendKey(b, "identity")
	b = appendIdentity(b, c, true)
	b = appendKey(b, "domainName")
	b = appendString(b, c.DomainName)
	if !httpAPI {
		b = appendKey(b, "deploymentId")
		b = appendString(b, c.DeploymentID)
	}
	b = appendKey(b, "apiId")
	b = appendString(b, c.APIID)
	if c.Authorizer != nil {
		b = appendKey(b, "authorizer")
		b = appendAny(b, c.Authorizer)
	}
	b = append(b, '}')

	if withBody {
		b = appendKey(b, "body")
		if len(r.Body) == 0 {
			b = appendNull(b)
		} else {
			b = appendBody(b, r.Body, r.Binary)
		}
		b = appendKey(b, "isBase64Encoded")
		b = appendBool(b, r.Binary && len(r.Body) > 0)
	}
	return append(b, '}')
}

// appendIdentity writes requestContext.identity. full writes every field
// AWS sends on REST and HTTP 1.0 (null when unknown); otherwise only the
// fields that have a value plus sourceIp and userAgent (WebSocket).
func appendIdentity(b []byte, c *RequestContext, full bool) []byte {
	id := c.Identity
	if id == nil {
		id = &Identity{}
	}
	field := func(b []byte, key, v string) []byte {
		if v == "" && !full {
			return b
		}
		b = appendKey(b, key)
		return appendStringOrNull(b, v)
	}
	b = append(b, '{')
	b = field(b, "cognitoIdentityPoolId", id.CognitoIdentityPoolID)
	if id.APIKey != "" {
		b = field(b, "apiKey", id.APIKey)
	}
	if id.APIKeyID != "" {
		b = field(b, "apiKeyId", id.APIKeyID)
	}
	b = field(b, "accountId", id.AccountID)
	b = field(b, "cognitoIdentityId", id.CognitoIdentityID)
	b = field(b, "caller", id.Caller)
	b = appendKey(b, "sourceIp")
	b = appendString(b, c.SourceIP)
	b = field(b, "principalOrgId", id.PrincipalOrgID)
	b = field(b, "accessKey", id.AccessKey)
	b = field(b, "cognitoAuthenticationType", id.CognitoAuthenticationType)
	b = field(b, "cognitoAuthenticationProvider", id.CognitoAuthenticationProvider)
	b = field(b, "userArn", id.UserARN)
	b = appendKey(b, "userAgent")
	b = appendString(b, c.UserAgent)
	b = field(b, "user", id.User)
	return append(b, '}')
}

// kv is one header or query parameter with all its values.
type kv struct {
	name string
	vals []string
}

// headerList orders the headers by name; lower lowercases the names
// (merging names that differ only in case, values in order).
func headerList(h map[string][]string, lower bool) []kv {
	if len(h) == 0 {
		return nil
	}
	out := make([]kv, 0, len(h))
	for k, vs := range h {
		if lower {
			k = lowerASCII(k)
		}
		out = append(out, kv{k, vs})
	}
	slices.SortFunc(out, func(a, b kv) int { return strings.Compare(a.name, b.name) })
	if lower {
		out = mergeSameNames(out)
	}
	return out
}

func mergeSameNames(in []kv) []kv {
	out := in[:0]
	for _, e := range in {
		if n := len(out); n > 0 && out[n-1].name == e.name {
			out[n-1].vals = append(slices.Clip(out[n-1].vals), e.vals...)
			continue
		}
		out = append(out, e)
	}
	return out
}

func valueList(q map[string][]string) []kv { return headerList(q, false) }

// appendSingleValues writes {"name":"last value",...} or null.
func appendSingleValues(b []byte, l []kv) []byte {
	if len(l) == 0 {
		return appendNull(b)
	}
	b = append(b, '{')
	for i, e := range l {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, e.name)
		b = append(b, ':')
		b = appendString(b, lastValue(e.vals))
	}
	return append(b, '}')
}

// appendMultiValues writes {"name":["v1","v2"],...} or null.
func appendMultiValues(b []byte, l []kv) []byte {
	if len(l) == 0 {
		return appendNull(b)
	}
	b = append(b, '{')
	for i, e := range l {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, e.name)
		b = append(b, ':', '[')
		for j, v := range e.vals {
			if j > 0 {
				b = append(b, ',')
			}
			b = appendString(b, v)
		}
		b = append(b, ']')
	}
	return append(b, '}')
}
