package httpapi

import (
	"context"
	"errors"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/stagecraft/stagecraft/internal/dataplane/v2core"
	"github.com/stagecraft/stagecraft/internal/lambda"
)

// Invoker invokes Lambda functions synchronously; *lambda.Client is one.
type Invoker interface {
	Invoke(ctx context.Context, fn lambda.Function, payload []byte) (*lambda.Result, error)
}

// lambdaRequest describes the request in the terms of the Lambda proxy
// events (payload 1.0 and 2.0) and of Lambda authorizer events.
func (c *call) lambdaRequest() *lambda.Request {
	hdr := make(map[string][]string, len(c.r.Header)+5)
	for k, vs := range c.r.Header {
		hdr[k] = vs
	}
	// API Gateway passes Host and adds the forwarding headers [D, C].
	hdr["Host"] = []string{c.r.Host}
	ip := v2core.ClientIP(c.r)
	if prior := c.r.Header.Get("X-Forwarded-For"); prior != "" {
		ip = prior + ", " + ip
	}
	hdr["X-Forwarded-For"] = []string{ip}
	proto, port := "http", "80"
	if c.r.TLS != nil {
		proto, port = "https", "443"
	}
	if _, p, ok := strings.Cut(c.r.Host, ":"); ok {
		port = p
	}
	hdr["X-Forwarded-Proto"] = []string{proto}
	hdr["X-Forwarded-Port"] = []string{port}
	if len(c.body) > 0 && c.r.Header.Get("Content-Length") == "" {
		hdr["Content-Length"] = []string{strconv.Itoa(len(c.body))}
	}
	hdr["X-Amzn-Trace-Id"] = []string{v2core.TraceID(c.now)}
	resource := c.route.path
	if c.route.key == "$default" {
		resource = "$default"
	}
	lr := &lambda.Request{
		Method:         c.r.Method,
		Path:           c.routePathDecoded(),
		RawPath:        c.rawPath,
		Resource:       resource,
		RouteKey:       c.route.key,
		Headers:        hdr,
		Query:          c.queryValues(),
		RawQuery:       c.r.URL.RawQuery,
		PathParams:     c.params,
		StageVariables: c.vars,
		Body:           c.body,
		Binary:         isBinary(c.r.Header, c.body),
		Context: lambda.RequestContext{
			AccountID:         c.api.Account,
			APIID:             c.api.APIID,
			Stage:             c.stage.Name,
			RequestID:         c.reqID,
			ExtendedRequestID: c.reqID,
			DomainName:        c.domainName(),
			DomainPrefix:      c.domainPrefix(),
			Protocol:          c.r.Proto,
			SourceIP:          v2core.ClientIP(c.r),
			UserAgent:         c.r.UserAgent(),
			Time:              c.now,
			OperationName:     c.route.operName,
		},
	}
	if c.authCtx != nil {
		lr.Context.Authorizer = c.authCtx.event(c.route.integVersion())
	}
	return lr
}

// integVersion is the payload format the route's integration uses ("2.0"
// when it has none, for authorizer-only decisions).
func (r *route) integVersion() string {
	if r.integ == nil {
		return "2.0"
	}
	return r.integ.version
}

// isBinary decides whether an HTTP API sends the body base64-encoded
// (isBase64Encoded): content that is not text [D: "API Gateway
// base64-encodes ... unless the content type is text"]. Text is text/*,
// JSON, XML, JavaScript, form data and the +json/+xml types, without a
// Content-Encoding; a request without Content-Type counts as text when
// the body is valid UTF-8 [?].
func isBinary(h http.Header, body []byte) bool {
	if len(body) == 0 {
		return false
	}
	if ce := h.Get("Content-Encoding"); ce != "" && !strings.EqualFold(ce, "identity") {
		return true
	}
	ct := h.Get("Content-Type")
	if ct == "" {
		return !utf8.Valid(body)
	}
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		mt = strings.ToLower(strings.TrimSpace(strings.Split(ct, ";")[0]))
	}
	switch {
	case strings.HasPrefix(mt, "text/"),
		mt == "application/json", mt == "application/xml", mt == "application/javascript",
		mt == "application/x-www-form-urlencoded", mt == "application/graphql",
		strings.HasSuffix(mt, "+json"), strings.HasSuffix(mt, "+xml"):
		return false
	}
	return true
}

// lambdaProxy runs an AWS_PROXY (Lambda) integration with the payload
// format the integration names [D: http-api-develop-integrations-lambda].
// Answers on failure (internal/lambda's table): a function error, a
// malformed response or an Invoke error → 500 Internal Server Error; a
// timeout → 503 Service Unavailable [?].
func (c *call) lambdaProxy(in *integration) {
	inv := c.h.cfg.Lambda
	if inv == nil {
		c.h.log.Warn("AWS_PROXY integration needs a Lambda endpoint (none configured); answering 500",
			"api", c.api.APIID, "route", c.route.key, "request_id", c.reqID)
		c.fail(http.StatusInternalServerError, msgInternal)
		return
	}
	fn, err := lambda.ParseFunction(lambda.SubstituteStageVariables(in.uri, c.vars))
	if err != nil {
		c.h.log.Error("integration URI does not name a Lambda function", "uri", in.uri, "error", err, "request_id", c.reqID)
		c.fail(http.StatusInternalServerError, msgInternal)
		return
	}
	lr := c.lambdaRequest()
	var event []byte
	if in.version == "2.0" {
		event = lambda.HTTPEventV2(lr)
	} else {
		event = lambda.HTTPEventV1(lr)
	}
	ctx, cancel := context.WithTimeout(c.r.Context(), in.timeout)
	defer cancel()
	start := c.h.clk.Now()
	res, err := inv.Invoke(ctx, fn, event)
	c.trail.IntegRan, c.trail.IntegLatency = true, c.h.clk.Now().Sub(start).Milliseconds()
	if err != nil {
		c.trail.IntegErr = v2core.ErrorMessage(err)
		var fe *lambda.FunctionError
		if errors.As(err, &fe) {
			// Lambda answered 200 with X-Amz-Function-Error [?: wording].
			c.trail.IntegStatus = "200"
			c.trail.IntegErr = "The Lambda function returned the following error: " + strings.ReplaceAll(fe.ErrorMessage, `"`, `'`)
		}
		if errors.Is(err, lambda.ErrTimeout) {
			c.h.log.Warn("Lambda integration timed out", "function", fn.ARN(), "timeout", in.timeout, "request_id", c.reqID)
			c.fail(http.StatusServiceUnavailable, msgUnavailable)
			return
		}
		if c.r.Context().Err() != nil {
			return
		}
		c.h.log.Warn("Lambda integration failed", "function", fn.ARN(), "error", err, "request_id", c.reqID)
		c.fail(http.StatusInternalServerError, msgInternal)
		return
	}
	var resp *lambda.Response
	if in.version == "2.0" {
		resp, err = lambda.ParseResponseV2(res.Payload)
	} else {
		resp, err = lambda.ParseResponseV1(res.Payload)
	}
	var body []byte
	if err == nil {
		body, err = resp.DecodeBody(true)
	}
	c.trail.IntegStatus = "200"
	if err != nil {
		// The wording of AWS's authorizer equivalent ("The response from
		// the Lambda Authorizer function doesn't match the format that API
		// Gateway expects. Simple response did not include
		// 'isAuthorized'") [C], for the integration [?].
		c.trail.IntegErr = "The response from the Lambda function doesn't match the format that API Gateway expects. " + v2core.ErrorMessage(err)
		c.h.log.Warn("Malformed Lambda proxy response", "function", fn.ARN(), "error", err, "request_id", c.reqID)
		c.fail(http.StatusInternalServerError, msgInternal)
		return
	}
	h := make(http.Header, len(resp.Headers)+len(resp.Cookies)+1)
	for k, vs := range resp.Headers {
		ck := http.CanonicalHeaderKey(k)
		h[ck] = append(h[ck], vs...)
	}
	for _, ck := range resp.Cookies {
		h.Add("Set-Cookie", ck)
	}
	c.trail.IntegRespSt = strconv.Itoa(resp.StatusCode)
	if h.Get("Content-Type") == "" {
		// HTTP APIs answer application/json when the function names no
		// content type [?; matches the 2.0 inferred response].
		h.Set("Content-Type", "application/json")
	}
	c.writeResponse(in, resp.StatusCode, h, body)
}

// writeResponse sends a buffered integration response, applying the
// integration's response parameter mappings and CORS.
func (c *call) writeResponse(in *integration, status int, h http.Header, body []byte) {
	out := c.w.Header()
	for k, vs := range h {
		if k == "Apigw-Requestid" {
			continue
		}
		out[k] = vs
	}
	for _, k := range hopHeaders {
		delete(out, k)
	}
	delete(out, "Content-Length")
	if ops := in.respMap[strconv.Itoa(status)]; len(ops) > 0 {
		rs := &respSource{call: c, status: status, header: h, body: body}
		edits := evalOps(ops, rs)
		edits.applyHeader(out)
		if code, ok := edits.statusCode(); ok {
			status = code
		}
	}
	if c.dep.cors != nil {
		c.dep.cors.actual(out, c.r)
	}
	out["Content-Length"] = []string{strconv.Itoa(len(body))}
	c.w.WriteHeader(status)
	if c.r.Method != http.MethodHead {
		c.w.Write(body)
	}
}
