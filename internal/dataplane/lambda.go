package dataplane

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/stagecraft/stagecraft/internal/lambda"
)

// Lambda integrations: AWS_PROXY (spec §8.8) and AWS (non-proxy, with
// mapping templates and selection by errorMessage, §8.5).

// lambdaRequest describes the request in the terms of the Lambda proxy
// event (payload format 1.0) and of REQUEST authorizer events. body is
// the payload to send; binary makes the event carry it base64 encoded.
func (c *call) lambdaRequest(body []byte, binary bool) *lambda.Request {
	hdr := headerClone(c.r.Header)
	for k := range hdr {
		if droppedRequest[k] && k != "Content-Length" {
			delete(hdr, k)
		}
	}
	// API Gateway passes Host and adds the forwarding and trace headers
	// [V: spec §8.8, "plus CloudFront and X-Forwarded headers"].
	hdr["Host"] = []string{c.r.Host}
	ip := c.sourceIP()
	if prior := c.r.Header.Values("X-Forwarded-For"); len(prior) > 0 {
		hdr["X-Forwarded-For"] = []string{strings.Join(prior, ", ") + ", " + ip}
	} else {
		hdr["X-Forwarded-For"] = []string{ip}
	}
	proto, port := c.forwardedProtoPort()
	hdr["X-Forwarded-Proto"] = []string{proto}
	hdr["X-Forwarded-Port"] = []string{port}
	hdr["X-Amzn-Trace-Id"] = []string{c.traceID()}
	var pp map[string]string
	if len(c.params) > 0 {
		pp = make(map[string]string, len(c.params))
		for _, p := range c.params {
			pp[p.name] = p.value
		}
	}
	domain := c.domainName()
	lr := &lambda.Request{
		Method:         c.r.Method,
		Path:           c.eventPath(),
		RawPath:        c.t.full,
		Resource:       c.res.path,
		Headers:        hdr,
		Query:          c.queryValues(),
		RawQuery:       c.r.URL.RawQuery,
		PathParams:     pp,
		StageVariables: c.vars,
		Body:           body,
		Binary:         binary,
		Context: lambda.RequestContext{
			AccountID:         c.account(),
			APIID:             c.t.apiID,
			Stage:             c.t.stage,
			DeploymentID:      c.dep.id,
			ResourceID:        c.res.id,
			OperationName:     c.m.opName,
			RequestID:         c.reqID,
			ExtendedRequestID: c.apigwID,
			DomainName:        domain,
			Protocol:          c.r.Proto,
			SourceIP:          ip,
			UserAgent:         c.r.UserAgent(),
			Time:              c.now,
			Authorizer:        c.authEvent,
		},
	}
	if c.iam != nil || c.apiKeyID != "" {
		id := &lambda.Identity{}
		if c.iam != nil {
			*id = *c.iam
		}
		id.APIKey, id.APIKeyID = c.apiKey, c.apiKeyID
		lr.Context.Identity = id
	}
	return lr
}

// eventPath is the proxy event's "path": the request path after the
// stage segment, or for a custom domain name the path as requested (base
// path included) [C: events behind custom domains carry the base path in
// "path" and not in "resource"].
func (c *call) eventPath() string {
	if c.t.domain != "" {
		return c.t.full
	}
	if c.t.rest == "" {
		return "/"
	}
	return c.t.rest
}

func (c *call) sourceIP() string {
	ip := c.r.RemoteAddr
	if h, _, err := net.SplitHostPort(ip); err == nil {
		ip = h
	}
	return ip
}

func (c *call) forwardedProtoPort() (proto, port string) {
	proto, port = "http", "80"
	if c.r.TLS != nil {
		proto, port = "https", "443"
	}
	switch la := c.r.Context().Value(http.LocalAddrContextKey).(type) {
	case *net.TCPAddr:
		port = portString(la.Port)
	case net.Addr:
		if _, p, err := net.SplitHostPort(la.String()); err == nil {
			port = p
		}
	}
	return proto, port
}

// lastPort caches the decimal form of the last listening port seen: a
// node listens on one or two ports.
var lastPort atomic.Pointer[portName]

type portName struct {
	port int
	name string
}

func portString(p int) string {
	if pn := lastPort.Load(); pn != nil && pn.port == p {
		return pn.name
	}
	pn := &portName{p, strconv.Itoa(p)}
	lastPort.Store(pn)
	return pn.name
}

func (c *call) traceID() string {
	if c.trace == "" {
		c.trace = traceID(c.now.Unix())
	}
	return c.trace
}

// lambdaFunction resolves the integration URI to a Lambda function, with
// stage variables substituted. ok is false when it answered: a URI of
// another AWS service, or one that names no function.
func (c *call) lambdaFunction(proxy bool) (lambda.Function, bool) {
	ci := c.m.integ
	uri := lambda.SubstituteStageVariables(ci.rawURI, c.vars)
	if !isLambdaURI(uri) {
		what := "AWS service integrations (" + awsService(uri) + ")"
		if proxy {
			what = "AWS_PROXY integrations other than Lambda (" + awsService(uri) + ")"
		}
		c.notImplemented(what)
		return lambda.Function{}, false
	}
	if ci.httpMethod != http.MethodPost {
		// Lambda is invoked with POST; anything else fails at invoke time
		// [V: spec §8.8].
		c.h.log.Warn("Execution failed due to configuration error: Lambda integrations must use integration HTTP method POST",
			"api", c.t.apiID, "resource", c.res.path, "method", c.m.verb, "httpMethod", ci.httpMethod, "request_id", c.reqID)
		c.fail(errConfig)
		return lambda.Function{}, false
	}
	fn, err := lambda.ParseFunction(uri)
	if err != nil {
		c.h.log.Warn("Execution failed due to configuration error: Invalid function ARN or invalid uri",
			"api", c.t.apiID, "resource", c.res.path, "method", c.m.verb, "uri", uri, "error", err, "request_id", c.reqID)
		c.fail(errConfig)
		return lambda.Function{}, false
	}
	return fn, true
}

// isLambdaURI reports whether an AWS/AWS_PROXY integration URI invokes a
// Lambda function (arn:aws:apigateway:{region}:lambda:path/.../functions/...).
func isLambdaURI(uri string) bool {
	return strings.Contains(uri, ":lambda:path/") && strings.Contains(uri, "/functions/")
}

// awsService names the service of an arn:aws:apigateway:{region}:{service}:… URI.
func awsService(uri string) string {
	p := strings.SplitN(uri, ":", 6)
	if len(p) >= 5 && p[4] != "" {
		return p[4]
	}
	return uri
}

// invokeLambda invokes fn with the integration timeout. A function error
// is returned as fe (proxy integrations answer it 502, non-proxy ones map
// it through selection patterns); any other failure is answered here and
// ok is false.
func (c *call) invokeLambda(fn lambda.Function, payload []byte) (res *lambda.Result, fe *lambda.FunctionError, ok bool) {
	lg := c.h.log.With("api", c.t.apiID, "resource", c.res.path, "method", c.m.verb, "function", fn.ARN(), "request_id", c.reqID)
	if c.h.cfg.Lambda == nil {
		lg.Error("Execution failed: " + errNoLambda.Error() + "; answering 500")
		c.fail(errInternal)
		return nil, nil, false
	}
	ctx, cancel := context.WithTimeout(c.r.Context(), c.m.integ.timeout)
	defer cancel()
	c.integStart = c.h.clk.Now()
	res, err := c.h.cfg.Lambda.Invoke(ctx, fn, payload)
	c.integLatency = c.h.clk.Now().Sub(c.integStart).Milliseconds()
	if err == nil {
		c.integStatus = "200"
		return res, nil, true
	}
	if errors.As(err, &fe) {
		c.integStatus = "200"
		return nil, fe, true
	}
	var se *lambda.ServiceError
	switch {
	case c.r.Context().Err() != nil:
		lg.Debug("client went away during the Lambda invocation")
	case errors.Is(err, lambda.ErrTimeout) || errors.Is(err, context.DeadlineExceeded):
		lg.Warn("Execution failed due to a timeout error", "error", err)
		c.fail(errTimeout)
	case errors.As(err, &se):
		c.integStatus = strconv.Itoa(se.StatusCode)
		lg.Warn("Execution failed: Lambda invocation failed", "status", se.StatusCode, "code", se.Code, "message", se.Message)
		status := 502
		if se.StatusCode == 403 || strings.Contains(se.Code, "AccessDenied") {
			status = 500 // [L: spec §8.8]
		}
		c.fail(gwErr{typ: "INTEGRATION_FAILURE", status: status, message: "Internal server error"})
	default:
		lg.Warn("Execution failed due to a network error invoking Lambda", "error", err)
		c.fail(gwErr{typ: "INTEGRATION_FAILURE", status: 502, message: "Internal server error"})
	}
	return nil, nil, false
}

// lambdaProxy is the AWS_PROXY integration with Lambda (spec §8.8).
func (c *call) lambdaProxy() {
	fn, ok := c.lambdaFunction(true)
	if !ok {
		return
	}
	binary := c.binaryRequest()
	payload := lambda.RESTEvent(c.lambdaRequest(c.body, binary))
	res, fe, ok := c.invokeLambda(fn, payload)
	if !ok {
		return
	}
	lg := c.h.log.With("api", c.t.apiID, "resource", c.res.path, "method", c.m.verb, "function", fn.ARN(), "request_id", c.reqID)
	if fe != nil {
		lg.Warn("Lambda execution failed with status 200 due to customer function error: " + fe.ErrorMessage)
		c.fail(gwErr{typ: "INTEGRATION_FAILURE", status: 502, message: "Internal server error"})
		return
	}
	resp, err := lambda.ParseResponseV1(res.Payload)
	if err != nil {
		lg.Warn("Execution failed due to configuration error: Malformed Lambda proxy response", "error", err)
		c.fail(gwErr{typ: "INTEGRATION_FAILURE", status: 502, message: "Internal server error"})
		return
	}
	body, err := resp.DecodeBody(c.acceptsBinary())
	if err != nil {
		lg.Warn("Execution failed due to configuration error: Malformed Lambda proxy response", "error", err)
		c.fail(gwErr{typ: "INTEGRATION_FAILURE", status: 502, message: "Internal server error"})
		return
	}
	hdr := make(http.Header, len(resp.Headers)+2)
	for name, vals := range resp.Headers {
		canon := http.CanonicalHeaderKey(name)
		switch {
		case droppedResponse[canon]:
			continue
		case remappedResponse[canon]:
			rn := remapName[canon]
			if rn == "" {
				rn = canon
			}
			name = "X-Amzn-Remapped-" + rn
		}
		if canon == "Set-Cookie" {
			hdr[name] = vals
			continue
		}
		// AWS's REST front end sends a multi-valued header as one line
		// [V: spec §8.8].
		hdr[name] = []string{strings.Join(vals, ", ")}
	}
	if hasHeader(hdr, "Content-Type") == "" {
		hdr["Content-Type"] = []string{"application/json"}
	}
	hdr["X-Amzn-Trace-Id"] = []string{c.traceID()}
	c.write(resp.StatusCode, hdr, body)
}

// hasHeader returns the first value of name in h, matching the name case
// insensitively (h may hold names as a function wrote them).
func hasHeader(h http.Header, name string) string {
	if v := h.Get(name); v != "" {
		return v
	}
	for k, v := range h {
		if strings.EqualFold(k, name) && len(v) > 0 {
			return v[0]
		}
	}
	return ""
}

// awsIntegration is the AWS (non-proxy) integration type. Only Lambda
// functions are invoked; other AWS services answer 500 and log it.
func (c *call) awsIntegration() {
	ci := c.m.integ
	fn, ok := c.lambdaFunction(false)
	if !ok {
		return
	}
	body, err := convertRequest(c.body, c.binaryRequest(), ci.contentConv)
	if err != nil {
		c.h.log.Warn("Execution failed: the request body could not be converted to binary (contentHandling CONVERT_TO_BINARY)", "error", err, "request_id", c.reqID)
		c.fail(errConfig)
		return
	}
	t, unsupported := c.selectRequestTemplate(ci)
	if unsupported {
		c.fail(errMediaType)
		return
	}
	payload := body
	if t != nil {
		out, _, err := c.render(t, body, c.contextMap())
		if err != nil {
			c.templateFailed("integration request", err)
			return
		}
		payload = []byte(out)
	}
	if len(strings.TrimSpace(string(payload))) == 0 {
		// Lambda takes a JSON document: an empty passthrough body reaches
		// the function as {} [C: functions behind non-proxy integrations
		// see an empty object for GET requests without a template].
		payload = []byte("{}")
	}
	c.w.Header().Set("X-Amzn-Trace-Id", c.traceID())
	res, fe, ok := c.invokeLambda(fn, payload)
	if !ok {
		return
	}
	if fe != nil {
		// Function errors select an integration response by matching
		// errorMessage against the selection patterns; without a match
		// the default response maps the error document [D].
		c.integrationResponse(fe.ErrorMessage, &backend{header: http.Header{}, body: fe.Payload})
		return
	}
	// A successful invocation takes the default integration response
	// [D: selection patterns are matched against errorMessage only].
	c.respond(ci.fallback, "", &backend{header: http.Header{"Content-Type": {"application/json"}}, body: res.Payload})
}
