package websocket

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"github.com/stagecraft/stagecraft/internal/dataplane/v2core"
	"github.com/stagecraft/stagecraft/internal/lambda"
	"github.com/stagecraft/stagecraft/internal/vtl"
)

// result is what an integration answered: the status decides whether
// $connect accepts the upgrade, the body is what a two-way route sends
// back.
type result struct {
	status int
	header http.Header
	body   []byte
}

// errNoLambda is an AWS/AWS_PROXY integration without a Lambda endpoint.
var errNoLambda = errors.New("no Lambda endpoint is configured")

// run executes the route's integration for the event [D: websocket-api-
// integrations]: MOCK, HTTP and AWS (Lambda) with request and response
// mapping templates, HTTP_PROXY and AWS_PROXY passing the message through.
func (e *event) run(ctx context.Context) (*result, error) {
	in := e.route.integ
	ctx, cancel := context.WithTimeout(ctx, in.timeout)
	defer cancel()
	switch in.typ {
	case "MOCK":
		return e.mock(in)
	case "HTTP_PROXY":
		return e.httpCall(ctx, in, true)
	case "HTTP":
		return e.httpCall(ctx, in, false)
	case "AWS_PROXY":
		return e.lambdaProxy(ctx, in)
	case "AWS":
		return e.lambdaAWS(ctx, in)
	}
	return nil, fmt.Errorf("integration type %s is not supported", in.typ)
}

// requestPayload applies the integration's request template, chosen by
// templateSelectionExpression, or passes the message through per
// passthroughBehavior. ok is false when the request must be refused
// (NEVER, or WHEN_NO_TEMPLATES with templates but no match).
func (e *event) requestPayload(in *integration) (out []byte, ok bool, err error) {
	if len(in.templates) == 0 {
		if in.passthrough == "NEVER" {
			return nil, false, nil
		}
		return e.body, true, nil
	}
	key := "$default"
	if in.tse != nil {
		key = in.tse.Eval(e)
	}
	t, found := selectTemplate(in.templates, key)
	if !found {
		if in.passthrough == "WHEN_NO_MATCH" {
			return e.body, true, nil
		}
		return nil, false, nil
	}
	s, err := t.render(func() *vtl.Context {
		return e.vtlContext(e.body)
	})
	if err != nil {
		return nil, false, err
	}
	return []byte(s), true, nil
}

// vtlContext is a template's variables: $input over body, $context,
// $stageVariables.
func (e *event) vtlContext(body []byte) *vtl.Context {
	vars := vtl.NewVars(&vtl.Input{Body: body, Params: e.s.params()}, nil, e.vars)
	vars["context"] = e.contextVTL()
	return &vtl.Context{Vars: vars}
}

// params are $input.params(): the $connect request's headers and query
// string (the same on every later message) [?], built once.
func (s *session) params() vtl.Params {
	s.paramsOnce.Do(func() {
		p := vtl.Params{Path: map[string]string{}, QueryString: map[string]string{}, Header: map[string]string{}}
		for k, vs := range s.header {
			p.Header[k] = strings.Join(vs, ",")
		}
		for k, vs := range s.query {
			if len(vs) > 0 {
				p.QueryString[k] = vs[len(vs)-1]
			}
		}
		s.paramsV = p
	})
	return s.paramsV
}

// respond selects the integration response for key (a status code, or a
// Lambda error message) and renders its template over the backend's
// body. Without a matching integration response the answer has no body.
func (e *event) respond(in *integration, key string, status int, header http.Header, backend []byte) (*result, error) {
	res := &result{status: status, header: header}
	ir := in.selectResponse(key)
	if ir == nil {
		return res, nil
	}
	if len(ir.templates) == 0 {
		res.body = backend
		return res, nil
	}
	k := "$default"
	if ir.tse != nil {
		k = ir.tse.Eval(&respSource{event: e, status: status, body: backend})
	}
	t, ok := selectTemplate(ir.templates, k)
	if !ok {
		res.body = backend
		return res, nil
	}
	s, err := t.render(func() *vtl.Context {
		return e.vtlContext(backend)
	})
	if err != nil {
		return nil, err
	}
	res.body = []byte(s)
	return res, nil
}

// respSource answers $integration.response.statuscode in integration
// response template selection expressions.
type respSource struct {
	*event
	status int
	body   []byte
}

func (s *respSource) Lookup(kind v2core.Kind, name string) (string, bool) {
	switch kind {
	case v2core.KindIntegration, v2core.KindRespStatus:
		return strconv.Itoa(s.status), true
	case v2core.KindRespBody:
		doc, ok := v2core.ParseJSON(s.body)
		if !ok {
			return "", false
		}
		if name == "" {
			return string(s.body), true
		}
		return v2core.JSONPath(doc, name)
	}
	return s.event.Lookup(kind, name)
}

// mock runs a MOCK integration: the request template's output names the
// status ({"statusCode": 200}; 200 without a template), which selects the
// integration response [D].
func (e *event) mock(in *integration) (*result, error) {
	out, ok, err := e.requestPayload(in)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, errors.New("no request template matches and passthrough is not allowed")
	}
	status := 200
	if len(in.templates) > 0 {
		code, ok := mockStatusCode(out)
		if !ok {
			return nil, errors.New("unable to parse statusCode from the MOCK request template output")
		}
		status = code
	}
	// The response templates see the request template's output as the
	// mock's answer ($input), so a MOCK route can echo what it was sent
	// [?: AWS documents no $input for MOCK responses].
	return e.respond(in, strconv.Itoa(status), status, http.Header{}, out)
}

var mockLenientCode = regexp.MustCompile(`(?:^|[{,\s])["']?statusCode["']?\s*:\s*(-?\d+)\s*[,}\s]`)

// mockStatusCode reads statusCode from a MOCK request template's output;
// JavaScript-style {statusCode: 200} is accepted too.
func mockStatusCode(out []byte) (int, bool) {
	dec := json.NewDecoder(bytes.NewReader(out))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err == nil {
		n, ok := m["statusCode"].(json.Number)
		if !ok {
			return 0, false
		}
		code, err := strconv.Atoi(n.String())
		return code, err == nil
	}
	if sm := mockLenientCode.FindSubmatch(out); sm != nil {
		code, err := strconv.Atoi(string(sm[1]))
		return code, err == nil
	}
	return 0, false
}

// hopHeaders and the handshake's own headers are not forwarded.
var dropHeaders = []string{"Connection", "Keep-Alive", "Proxy-Connection", "Te", "Trailer", "Transfer-Encoding", "Upgrade",
	"Host", "Sec-Websocket-Key", "Sec-Websocket-Version", "Sec-Websocket-Extensions", "Content-Length"}

// httpCall runs an HTTP or HTTP_PROXY integration. The message (or the
// request template's output) is the request body; on $connect the
// handshake's headers and query string go along.
func (e *event) httpCall(ctx context.Context, in *integration, proxy bool) (*result, error) {
	body := e.body
	if !proxy {
		out, ok, err := e.requestPayload(in)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, errors.New("no request template matches and passthrough is not allowed")
		}
		body = out
	}
	u, err := url.Parse(lambda.SubstituteStageVariables(in.uri, e.vars))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("integration URI %q is not an http(s) URL", in.uri)
	}
	method := in.method
	if method == "" || method == "ANY" {
		method = http.MethodPost
		if e.typ != lambda.EventMessage && len(body) == 0 {
			method = http.MethodGet
		}
	}
	hdr := http.Header{}
	if e.typ == lambda.EventConnect {
		for k, vs := range e.s.header {
			hdr[k] = vs
		}
		for _, k := range dropHeaders {
			delete(hdr, k)
		}
		if e.s.rawQuery != "" && u.RawQuery == "" {
			u.RawQuery = e.s.rawQuery
		}
	}
	q := u.Query()
	qChanged := false
	for _, p := range in.reqParams {
		v, ok := e.paramSource(p.source)
		if !ok {
			continue
		}
		if p.target == "header" {
			hdr.Set(p.name, v)
		} else {
			q.Set(p.name, v)
			qChanged = true
		}
	}
	if qChanged {
		u.RawQuery = q.Encode()
	}
	if hdr.Get("Content-Type") == "" && len(body) > 0 {
		hdr.Set("Content-Type", "application/json")
	}
	var rd io.Reader = http.NoBody
	if len(body) > 0 {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), rd)
	if err != nil {
		return nil, err
	}
	req.Header = hdr
	resp, err := e.s.h.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	rb, err := io.ReadAll(io.LimitReader(resp.Body, 10<<20))
	if err != nil {
		return nil, err
	}
	if proxy {
		return &result{status: resp.StatusCode, header: resp.Header, body: rb}, nil
	}
	return e.respond(in, strconv.Itoa(resp.StatusCode), resp.StatusCode, resp.Header, rb)
}

// paramSource evaluates a request parameter's source: 'static',
// route.request.header.X, route.request.querystring.X, context.X,
// stageVariables.X, route.request.body.X.
func (e *event) paramSource(src string) (string, bool) {
	switch {
	case len(src) >= 2 && src[0] == '\'' && src[len(src)-1] == '\'':
		return src[1 : len(src)-1], true
	case strings.HasPrefix(src, "route.request.header."):
		return e.Lookup(v2core.KindHeader, src[len("route.request.header."):])
	case strings.HasPrefix(src, "route.request.querystring."):
		return e.Lookup(v2core.KindQuery, src[len("route.request.querystring."):])
	case strings.HasPrefix(src, "route.request.body."):
		return e.Lookup(v2core.KindBody, src[len("route.request.body."):])
	case strings.HasPrefix(src, "context."):
		return e.Lookup(v2core.KindContext, src[len("context."):])
	case strings.HasPrefix(src, "stageVariables."):
		return e.Lookup(v2core.KindStageVar, src[len("stageVariables."):])
	}
	return "", false
}

// lambdaRequest describes the event in internal/lambda's terms.
func (e *event) lambdaRequest() (*lambda.Request, *lambda.WebSocket) {
	c := e.s.c
	r := &lambda.Request{RouteKey: e.route.key, StageVariables: e.vars,
		Context: lambda.RequestContext{AccountID: c.account, APIID: c.apiID, Stage: c.stage, RequestID: e.reqID, ExtendedRequestID: e.reqID,
			DomainName: e.s.domain, SourceIP: c.sourceIP, UserAgent: c.userAgent, Time: e.now, Authorizer: e.s.authorizer}}
	if e.typ == lambda.EventMessage {
		r.Body, r.Binary = e.body, e.binary
	} else {
		r.Headers, r.Query, r.RawQuery = e.s.header, e.s.query, e.s.rawQuery
	}
	w := &lambda.WebSocket{EventType: e.typ, ConnectionID: c.id, ConnectedAt: c.connectedAt, MessageID: e.msgID,
		DisconnectStatusCode: e.discode, DisconnectReason: e.disreas}
	return r, w
}

func (e *event) function(uri string) (lambda.Function, error) {
	if e.s.h.cfg.Lambda == nil {
		return lambda.Function{}, errNoLambda
	}
	return lambda.ParseFunction(lambda.SubstituteStageVariables(uri, e.vars))
}

// lambdaProxy runs an AWS_PROXY integration with the WebSocket event.
func (e *event) lambdaProxy(ctx context.Context, in *integration) (*result, error) {
	fn, err := e.function(in.uri)
	if err != nil {
		return nil, err
	}
	r, w := e.lambdaRequest()
	res, err := e.s.h.cfg.Lambda.Invoke(ctx, fn, lambda.WebSocketEvent(r, w))
	if err != nil {
		return nil, err
	}
	resp, err := lambda.ParseResponseWebSocket(res.Payload)
	if err != nil {
		return nil, err
	}
	body, err := resp.DecodeBody(true)
	if err != nil {
		return nil, err
	}
	hdr := http.Header{}
	for k, vs := range resp.Headers {
		for _, v := range vs {
			hdr.Add(k, v)
		}
	}
	return &result{status: resp.StatusCode, header: hdr, body: body}, nil
}

// lambdaAWS runs an AWS (non-proxy) integration with a Lambda function:
// the request template's output (or the message) is the payload; the
// function's output goes through the integration responses, selected by
// "200", or by the error message when the function failed [D: for Lambda
// integrations, integration response keys match the error message].
func (e *event) lambdaAWS(ctx context.Context, in *integration) (*result, error) {
	if !strings.Contains(in.uri, ":lambda:") {
		return nil, fmt.Errorf("AWS service integration %s is not supported (only Lambda functions)", in.uri)
	}
	fn, err := e.function(in.uri)
	if err != nil {
		return nil, err
	}
	payload, ok, err := e.requestPayload(in)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, errors.New("no request template matches and passthrough is not allowed")
	}
	res, err := e.s.h.cfg.Lambda.Invoke(ctx, fn, payload)
	var fe *lambda.FunctionError
	if errors.As(err, &fe) {
		if ir := in.selectErrorResponse(fe.ErrorMessage); ir != nil {
			return e.respond(in, fe.ErrorMessage, 200, http.Header{}, fe.Payload)
		}
		return nil, err
	}
	if err != nil {
		return nil, err
	}
	return e.respond(in, "200", 200, http.Header{}, res.Payload)
}

// selectErrorResponse picks the integration response whose pattern
// matches a Lambda error message ($default does not catch errors).
func (in *integration) selectErrorResponse(msg string) *intResponse {
	for _, r := range in.responses {
		if r.re != nil && r.re.MatchString(msg) {
			return r
		}
	}
	return nil
}
