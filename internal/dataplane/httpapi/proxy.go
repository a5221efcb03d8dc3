package httpapi

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"

	"github.com/stagecraft/stagecraft/internal/dataplane/upstream"
	"github.com/stagecraft/stagecraft/internal/dataplane/v2core"
)

// hopHeaders are not forwarded in either direction (RFC 9110 §7.6.1).
var hopHeaders = []string{"Connection", "Keep-Alive", "Proxy-Connection", "Proxy-Authenticate",
	"Proxy-Authorization", "Te", "Trailer", "Transfer-Encoding", "Upgrade"}

// httpProxy runs an HTTP_PROXY integration [D: http-api-develop-
// integrations-http]:
//   - The URL is integrationUri with {name} route variables ({proxy} for
//     {proxy+}) and stage variables substituted. For the $default route
//     the full request path (below the stage) is appended to it; other
//     routes use the URI as it is [D: "When the $default route receives a
//     request, API Gateway sends the full request path to the
//     integration"; not appending elsewhere is the documented examples'
//     behaviour].
//   - The method is integrationMethod, or the client's for ANY.
//   - The query string, headers (not Host or hop-by-hop) and body pass
//     through, edited by the integration's requestParameters; status,
//     headers and body come back, edited by responseParameters.
//   - A backend that does not answer within timeoutInMillis gives 503
//     {"message":"Service Unavailable"}, what HTTP APIs are reported to
//     answer on integration timeouts [?, spec §9.3]; a backend that cannot
//     be reached gives 500 {"message":"Internal Server Error"}.
func (c *call) httpProxy(in *integration) {
	var target string
	var u *url.URL
	if in.uriTmpl.static != nil {
		c.url = *in.uriTmpl.static
		u = &c.url
		target = in.uriTmpl.raw
	} else {
		target = in.uriTmpl.expand(c.params, c.vars)
		var err error
		if u, err = url.Parse(target); err != nil {
			c.h.log.Error("integration URI is not a URL after substitution", "uri", target, "error", err, "request_id", c.reqID)
			c.fail(http.StatusInternalServerError, msgInternal)
			return
		}
	}
	if u.Scheme != "http" && u.Scheme != "https" || u.Host == "" {
		c.h.log.Error("integration URI is not an absolute http(s) URL", "uri", target, "request_id", c.reqID)
		c.fail(http.StatusInternalServerError, msgInternal)
		return
	}
	if c.route.key == "$default" {
		esc := strings.TrimSuffix(u.EscapedPath(), "/") + c.routePath
		u.RawPath = esc
		if p, err := url.PathUnescape(esc); err == nil {
			u.Path = p
		}
		if u.RawPath == u.Path {
			u.RawPath = ""
		}
	}
	edits := evalOps(in.reqMap, c)
	if p, ok := edits.path(); ok {
		if !strings.HasPrefix(p, "/") {
			p = "/" + p
		}
		u.Path, u.RawPath = p, ""
	}
	if edits.has("querystring") {
		q := u.Query()
		for k, vs := range c.queryValues() {
			q[k] = append(q[k], vs...)
		}
		edits.applyQuery(q)
		u.RawQuery = q.Encode()
	} else if rq := c.r.URL.RawQuery; rq != "" {
		if u.RawQuery != "" {
			u.RawQuery += "&" + rq
		} else {
			u.RawQuery = rq
		}
	}
	method := in.method
	if method == "" || method == "ANY" {
		method = c.r.Method
	}

	rt := c.h.client.Transport
	ctx, cancel := upstream.Timeout(&c.dctx, c.r.Context(), rt, in.timeout)
	defer cancel()
	// The request as http.NewRequestWithContext would make it from the
	// printed URL (with http.NoBody for no body), without printing and
	// parsing it again.
	req, ok := upstream.NewRequest(ctx, method, u, nil, c.body)
	if !ok {
		c.h.log.Error("building the integration request failed", "error", "invalid method "+method, "request_id", c.reqID)
		c.fail(http.StatusInternalServerError, msgInternal)
		return
	}
	if len(c.body) == 0 {
		req.Body = http.NoBody
	}
	hdr := make(http.Header, len(c.r.Header)+4)
	for k, vs := range c.r.Header {
		hdr[k] = vs
	}
	for _, k := range hopHeaders {
		delete(hdr, k)
	}
	delete(hdr, "Host")
	// One backing array for the values the gateway sets.
	vals := c.hvals[:]
	set := func(k, v string) {
		vals[0] = v
		hdr[k] = vals[0:1:1]
		vals = vals[1:]
	}
	ip := v2core.ClientIP(c.r)
	if prior := hdr.Get("X-Forwarded-For"); prior != "" {
		ip = prior + ", " + ip
	}
	set("X-Forwarded-For", ip)
	proto := "http"
	if c.r.TLS != nil {
		proto = "https"
	}
	set("X-Forwarded-Proto", proto)
	if _, port, ok := strings.Cut(c.r.Host, ":"); ok {
		set("X-Forwarded-Port", port)
	} else if proto == "https" {
		set("X-Forwarded-Port", "443")
	} else {
		set("X-Forwarded-Port", "80")
	}
	set("X-Amzn-Trace-Id", v2core.TraceID(c.now))
	edits.applyHeader(hdr)
	req.Header = hdr

	start := c.h.clk.Now()
	// The transport directly: the client would only copy headers for
	// redirects it does not follow; errors read as the client's.
	resp, err := upstream.RoundTrip(rt, req)
	c.trail.IntegRan, c.trail.IntegLatency = true, c.h.clk.Now().Sub(start).Milliseconds()
	if err != nil {
		c.trail.IntegErr = v2core.ErrorMessage(err)
		if errors.Is(err, context.DeadlineExceeded) || ctx.Err() == context.DeadlineExceeded {
			c.h.log.Warn("integration timed out", "uri", u.Redacted(), "timeout", in.timeout, "request_id", c.reqID)
			c.fail(http.StatusServiceUnavailable, msgUnavailable)
			return
		}
		if c.r.Context().Err() != nil {
			return // the client went away
		}
		c.h.log.Warn("integration request failed", "uri", u.Redacted(), "error", err, "request_id", c.reqID)
		c.fail(http.StatusInternalServerError, msgInternal)
		return
	}
	defer resp.Body.Close()
	c.trail.IntegStatus = upstream.StatusString(resp.StatusCode)
	c.trail.IntegRespSt = c.trail.IntegStatus
	c.writeBackend(in, resp)
}

// writeBackend copies an HTTP integration's response to the client,
// applying response parameter mappings and CORS.
func (c *call) writeBackend(in *integration, resp *http.Response) {
	out := c.w.Header()
	for k, vs := range resp.Header {
		if k == "Apigw-Requestid" {
			continue
		}
		out[k] = vs
	}
	for _, k := range hopHeaders {
		delete(out, k)
	}
	status := resp.StatusCode
	var body []byte
	buffered := false
	if ops := in.respMap[upstream.StatusString(status)]; len(ops) > 0 {
		rs := &respSource{call: c, status: status, header: resp.Header}
		if needsBody(ops) {
			b, err := io.ReadAll(io.LimitReader(resp.Body, maxPayload+1))
			if err != nil {
				c.h.log.Warn("reading the integration response failed", "error", err, "request_id", c.reqID)
				clearHeader(out)
				c.fail(http.StatusInternalServerError, msgInternal)
				return
			}
			body, buffered = b, true
			rs.body = b
		}
		edits := evalOps(ops, rs)
		edits.applyHeader(out)
		if code, ok := edits.statusCode(); ok {
			status = code
		}
	}
	if c.dep.cors != nil {
		c.dep.cors.actual(out, c.r)
	}
	out["Apigw-Requestid"] = []string{c.reqID}
	if buffered {
		out["Content-Length"] = []string{strconv.Itoa(len(body))}
		c.w.WriteHeader(status)
		c.w.Write(body)
		return
	}
	c.w.WriteHeader(status)
	bp := copyBufs.Get().(*[]byte)
	io.CopyBuffer(c.w, resp.Body, *bp)
	copyBufs.Put(bp)
}

// copyBufs are the buffers response bodies are copied through when
// neither side can do without one.
var copyBufs = sync.Pool{New: func() any { b := make([]byte, 16<<10); return &b }}

func clearHeader(h http.Header) {
	for k := range h {
		if k != "Apigw-Requestid" {
			delete(h, k)
		}
	}
}

func needsBody(ops []paramOp) bool {
	for _, op := range ops {
		need := false
		op.value.Vars(func(k v2core.Kind, _ string) {
			if k == v2core.KindRespBody {
				need = true
			}
		})
		if need {
			return true
		}
	}
	return false
}

// respSource answers $response.* on top of the request's variables.
type respSource struct {
	*call
	status   int
	header   http.Header
	body     []byte
	bodyJSON any
	parsed   bool
}

func (s *respSource) Lookup(kind v2core.Kind, name string) (string, bool) {
	switch kind {
	case v2core.KindRespHeader:
		vs := s.header.Values(name)
		if len(vs) == 0 {
			return "", false
		}
		return strings.Join(vs, ","), true
	case v2core.KindRespBody:
		if name == "" {
			return string(s.body), true
		}
		if !s.parsed {
			s.bodyJSON, _ = v2core.ParseJSON(s.body)
			s.parsed = true
		}
		if s.bodyJSON == nil {
			return "", false
		}
		return v2core.JSONPath(s.bodyJSON, name)
	case v2core.KindRespStatus:
		return strconv.Itoa(s.status), true
	}
	return s.call.Lookup(kind, name)
}
