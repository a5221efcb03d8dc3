package dataplane

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"github.com/stagecraft/stagecraft/internal/dataplane/upstream"
	"github.com/stagecraft/stagecraft/internal/ids"
	"github.com/stagecraft/stagecraft/internal/vtl"
)

func insecureTLS() *tls.Config { return &tls.Config{InsecureSkipVerify: true} }

// ---- MOCK (spec §8.4) ----

func (c *call) mock() {
	ci := c.m.integ
	t, unsupported := c.selectRequestTemplate(ci)
	if unsupported {
		c.fail(errMediaType)
		return
	}
	status := 200
	if t != nil {
		out, _, err := c.render(t, c.body, nil)
		if err != nil {
			c.templateFailed("integration request", err)
			return
		}
		code, ok := mockStatusCode(out)
		if !ok {
			c.h.log.Warn("Execution failed due to configuration error: Unable to parse statusCode. It should be an integer that is defined in the request template.",
				"api", c.t.apiID, "resource", c.res.path, "method", c.m.verb, "request_id", c.reqID)
			c.fail(errConfig)
			return
		}
		status = code
	} else if code, ok := mockStatusCode(string(c.body)); ok {
		// No template: the body passes through as the mock's request
		// payload [?]; without a statusCode in it the default (200)
		// integration response applies [D].
		status = code
	}
	c.integrationResponse(strconv.Itoa(status), &backend{header: http.Header{}})
}

// mockStaticCode reads statusCode from output that is not strict JSON:
// AWS accepts what CDK emits, {statusCode: 200} (spec §9 question 9).
var mockLenientCode = regexp.MustCompile(`(?:^|[{,\s])["']?statusCode["']?\s*:\s*(-?\d+)\s*[,}\s]`)

// mockStatusCode extracts the integer statusCode a MOCK request template
// rendered.
func mockStatusCode(out string) (int, bool) {
	if code, ok := quickStatusCode(out); ok {
		return code, true
	}
	return decodeStatusCode(out)
}

// decodeStatusCode is mockStatusCode through the JSON decoder (and the
// lenient pattern).
func decodeStatusCode(out string) (int, bool) {
	dec := json.NewDecoder(strings.NewReader(out))
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
	if sm := mockLenientCode.FindStringSubmatch(out); sm != nil {
		code, err := strconv.Atoi(sm[1])
		return code, err == nil
	}
	return 0, false
}

// templateFailed answers a template render failure: a body that is not
// JSON for $input.json/$input.path is the client's 400, anything else is
// the API's configuration error (500).
func (c *call) templateFailed(what string, err error) {
	if errors.Is(err, vtl.ErrInvalidJSONBody) {
		msg := err.Error()
		if i := strings.Index(msg, "could not parse request body into json: "); i >= 0 {
			msg = msg[i+len("could not parse request body into json: "):]
		}
		c.fail(gwErr{typ: "BAD_REQUEST_BODY", status: 400, message: "Could not parse request body into json: " + msg})
		return
	}
	c.h.log.Warn("Execution failed due to configuration error: "+what+" mapping template failed",
		"api", c.t.apiID, "resource", c.res.path, "method", c.m.verb, "error", err, "request_id", c.reqID)
	c.fail(errConfig)
}

// ---- integration responses (spec §8.5) ----

// selectResponse picks the integration response for a selection value:
// the first (by status code) whose selectionPattern matches the whole
// value, else the default response (no pattern).
func (ci *integration) selectResponse(selection string) *intResponse {
	for _, ir := range ci.patterned {
		if ir.pattern.MatchString(selection) {
			return ir
		}
	}
	return ci.fallback
}

// integrationResponse maps a backend (or mock) response through the
// integration response its selection value selects.
func (c *call) integrationResponse(selection string, be *backend) {
	c.respond(c.m.integ.selectResponse(selection), selection, be)
}

// respond maps a backend response through integration response ir to the
// method response: header mappings, contentHandling (binary media types),
// the response template chosen by Accept, and
// $context.responseOverride.
func (c *call) respond(ir *intResponse, selection string, be *backend) {
	if ir == nil {
		// AWS requires a default integration response for non-proxy
		// integrations; without a match it fails like this [D, L].
		c.h.log.Warn("Execution failed due to configuration error: No match for output mapping and no default output mapping configured. Endpoint Response Status Code: "+selection,
			"api", c.t.apiID, "resource", c.res.path, "method", c.m.verb, "request_id", c.reqID)
		c.fail(errConfig)
		return
	}
	var hdr http.Header // made when something is mapped
	for i := range ir.params {
		mp := &ir.params[i]
		if vals, ok := c.sourceValues(&mp.src, be, nil); ok {
			if hdr == nil {
				hdr = http.Header{}
			}
			hdr.Set(mp.name, joinValues(&mp.src, vals))
		}
	}
	status := ir.status
	respBinary := c.dep.isBinary(mediaType(be.header.Get("Content-Type")))
	encode, decode := responseConversion(len(c.dep.binaryTypes) > 0, respBinary, c.acceptsBinary(), ir.contentConv)
	in := be.body
	if encode {
		in = b64encode(in)
	}
	body := in
	ct := "application/json"
	if t := selectByAccept(ir.templates, c.r.Header.Values("Accept")); t != nil {
		out, vc, err := c.render(t, in, nil)
		if err != nil {
			c.templateFailed("integration response", err)
			return
		}
		body, ct = []byte(out), t.contentType
		// $context.responseOverride.status counts when it is a valid
		// status code; AWS ignores anything else [L].
		if s := vc.ResponseOverride.Status; s >= 100 && s <= 599 {
			status = s
		}
		for k, vs := range vc.ResponseOverride.Header {
			if hdr == nil {
				hdr = http.Header{}
			}
			hdr.Del(k)
			for _, v := range vs {
				hdr.Add(k, v)
			}
		}
	}
	if decode {
		out, err := b64decode(body)
		if err != nil {
			c.h.log.Warn("Execution failed: the response body is not base64 and cannot be converted to binary",
				"api", c.t.apiID, "resource", c.res.path, "method", c.m.verb, "request_id", c.reqID)
			c.fail(errConfig)
			return
		}
		body = out
	}
	if hdr.Get("Content-Type") == "" {
		if hdr == nil {
			// Nothing mapped: the content type straight into the response.
			c.w.Header()["Content-Type"] = []string{ct}
			c.send(status, body)
			return
		}
		hdr.Set("Content-Type", ct)
	}
	c.write(status, hdr, body)
}

// joinValues folds a multi-valued source into one header value.
func joinValues(s *source, vals []string) string {
	switch s.kind {
	case srcMethodMultiHeader, srcMethodMultiQuery, srcIntMultiHeader:
		return strings.Join(vals, ",")
	}
	return vals[len(vals)-1]
}

// write sends a method response, compressed when the API enables
// compression and the client accepts it.
func (c *call) write(status int, hdr http.Header, body []byte) {
	out := c.w.Header()
	for k, v := range hdr {
		out[k] = v
	}
	c.send(status, body)
}

// send is write for headers already in the response.
func (c *call) send(status int, body []byte) {
	out := c.w.Header()
	if enc := c.compressEncoding(len(body)); enc != "" && hasHeader(out, "Content-Encoding") == "" {
		body = compress(body, enc)
		out.Set("Content-Encoding", enc)
	}
	c.clv[0] = strconv.Itoa(len(body))
	out["Content-Length"] = c.clv[:1:1]
	c.w.WriteHeader(status)
	c.w.Write(body)
}

// ---- HTTP and HTTP_PROXY (spec §8.7) ----

// Backend response headers that clash with the gateway's own are renamed
// x-amzn-Remapped-{Name}; a few are dropped (AWS's table of REST API
// header handling [D]; spec §8.7 [V]).
var (
	remappedResponse = map[string]bool{
		"Authorization": true, "Connection": true, "Content-Length": true, "Content-Md5": true,
		"Date": true, "Max-Forwards": true, "Server": true, "User-Agent": true,
		"Www-Authenticate": true, "X-Amzn-Requestid": true,
	}
	droppedResponse = map[string]bool{
		"Expect": true, "Host": true, "Keep-Alive": true, "Proxy-Authenticate": true,
		"Proxy-Connection": true, "Te": true, "Trailer": true, "Transfer-Encoding": true,
		"Upgrade": true,
	}
	// AWS's spelling of the remapped names.
	remapName = map[string]string{
		"Content-Md5": "Content-MD5", "Www-Authenticate": "WWW-Authenticate",
		"X-Amzn-Requestid": "x-amzn-RequestId",
	}
	// remappedHeader is the x-amzn-Remapped-{Name} header of each
	// remapped one, made once.
	remappedHeader = func() map[string]string {
		m := make(map[string]string, len(remappedResponse))
		for k := range remappedResponse {
			name := remapName[k]
			if name == "" {
				name = k
			}
			m[k] = "X-Amzn-Remapped-" + name
		}
		return m
	}()
)

// integrationRequest is what goes to the backend.
type integrationRequest struct {
	method string
	url    *url.URL
	header http.Header
	body   []byte
}

func (c *call) httpIntegration(proxy bool) {
	ci := c.m.integ
	var (
		reqBody  = c.body
		override vtl.RequestOverride
		tmplCT   string
	)
	if !proxy {
		var err error
		if reqBody, err = convertRequest(c.body, c.binaryRequest(), ci.contentConv); err != nil {
			c.h.log.Warn("Execution failed: the request body could not be converted to binary (contentHandling CONVERT_TO_BINARY)", "error", err, "request_id", c.reqID)
			c.fail(errConfig)
			return
		}
		t, unsupported := c.selectRequestTemplate(ci)
		if unsupported {
			c.fail(errMediaType)
			return
		}
		if t != nil {
			out, vc, err := c.render(t, reqBody, nil)
			if err != nil {
				c.templateFailed("integration request", err)
				return
			}
			reqBody, override, tmplCT = []byte(out), vc.RequestOverride, t.contentType
		}
	}
	ir, ok := c.buildIntegrationRequest(proxy, reqBody, override, tmplCT)
	if !ok {
		return
	}
	be, failed := c.roundTrip(ir)
	if failed {
		return
	}
	if !proxy {
		c.integrationResponse(upstream.StatusString(be.status), &backend{header: be.header, body: be.body})
		return
	}
	// HTTP_PROXY: status, headers and body pass through, the headers
	// straight into the response's.
	out := c.w.Header()
	for k, vs := range be.header {
		switch {
		case droppedResponse[k]:
		case remappedResponse[k]:
			out[remappedHeader[k]] = vs
		default:
			out[k] = vs
		}
	}
	if _, ok := out["Content-Type"]; !ok {
		out["Content-Type"] = []string{"application/json"}
	}
	c.send(be.status, be.body)
}

// buildIntegrationRequest assembles the backend request: the URI with
// {name} placeholders filled from integration.request.path.name mappings
// and ${stageVariables.x} substituted, plus mapped query string
// parameters and headers. HTTP_PROXY also forwards the client's method
// (for ANY), query string, headers and body.
func (c *call) buildIntegrationRequest(proxy bool, body []byte, ov vtl.RequestOverride, tmplCT string) (*integrationRequest, bool) {
	ci := c.m.integ
	// Path values: few, so a slice (overrides are looked up first, as
	// they replace mapped values).
	var pathBuf [4]pathValue
	pathVals := pathBuf[:0]
	var qMapped, hMapped map[string][]string
	for i := range ci.requestParams {
		mp := &ci.requestParams[i]
		if mp.loc == "path" {
			if v, ok := c.sourceString(&mp.src); ok {
				pathVals = append(pathVals, pathValue{mp.name, v})
			}
			continue
		}
		vals, ok := c.sourceValues(&mp.src, nil, nil)
		if !ok {
			continue
		}
		switch mp.loc {
		case "querystring":
			if qMapped == nil {
				qMapped = map[string][]string{}
			}
			if mp.multi {
				qMapped[mp.name] = vals
			} else {
				qMapped[mp.name] = []string{joinValues(&mp.src, vals)}
			}
		case "header":
			if hMapped == nil {
				hMapped = map[string][]string{}
			}
			if mp.multi {
				hMapped[mp.name] = vals
			} else {
				hMapped[mp.name] = []string{joinValues(&mp.src, vals)}
			}
		}
	}
	pathValue := func(name string) (string, bool) {
		if v, ok := ov.Path[name]; ok {
			return v, true
		}
		for i := len(pathVals) - 1; i >= 0; i-- {
			if pathVals[i].name == name {
				return pathVals[i].value, true
			}
		}
		return "", false
	}

	u := &c.url
	if ci.staticURL != nil {
		*u = *ci.staticURL
	} else {
		n := ci.uriLen
		for _, p := range ci.uri {
			switch {
			case p.stageVar != "":
				n += len(c.vars[p.stageVar])
			case p.pathVar != "":
				v, _ := pathValue(p.pathVar)
				n += len(v)
			}
		}
		var b strings.Builder
		b.Grow(n)
		for _, p := range ci.uri {
			switch {
			case p.stageVar != "":
				b.WriteString(c.vars[p.stageVar])
			case p.pathVar != "":
				if v, ok := pathValue(p.pathVar); ok {
					b.WriteString(v)
				} else {
					b.WriteString("{" + p.pathVar + "}")
				}
			default:
				b.WriteString(p.lit)
			}
		}
		pu, err := url.Parse(b.String())
		if err != nil || (pu.Scheme != "http" && pu.Scheme != "https") || pu.Host == "" {
			c.h.log.Warn("Execution failed due to configuration error: Invalid endpoint address",
				"api", c.t.apiID, "resource", c.res.path, "method", c.m.verb, "uri", b.String(), "request_id", c.reqID)
			c.fail(errConfig)
			return nil, false
		}
		u = pu
	}

	// Query string: the URI's own, then (HTTP_PROXY) the client's
	// unchanged, then mapped parameters and template overrides, which
	// replace parameters of the same name.
	raw := u.RawQuery
	if proxy && c.r.URL.RawQuery != "" {
		if raw != "" {
			raw += "&" + c.r.URL.RawQuery
		} else {
			raw = c.r.URL.RawQuery
		}
	}
	if len(qMapped) > 0 || len(ov.QueryString) > 0 {
		q, _ := url.ParseQuery(raw)
		for k, v := range qMapped {
			q[k] = v
		}
		for k, v := range ov.QueryString {
			q[k] = v
		}
		raw = q.Encode()
	}
	u.RawQuery = raw

	method := ci.httpMethod
	if method == "" || method == "ANY" {
		method = c.r.Method
	}

	// One backing array for the values the gateway sets.
	vals := make([]string, 5)
	set := func(hdr http.Header, k, v string) {
		if len(vals) == 0 {
			vals = make([]string, 4)
		}
		vals[0] = v
		hdr[k] = vals[0:1:1]
		vals = vals[1:]
	}
	var hdr http.Header
	if proxy {
		hdr = make(http.Header, len(c.r.Header)+5)
		// The client's values are shared, not copied: the gateway only
		// replaces whole entries.
		for k, vs := range c.r.Header {
			if droppedRequest[k] || k == "Host" {
				continue
			}
			hdr[k] = vs
		}
		ip := c.sourceIP()
		if prior := c.r.Header.Values("X-Forwarded-For"); len(prior) > 0 {
			set(hdr, "X-Forwarded-For", strings.Join(prior, ", ")+", "+ip)
		} else {
			set(hdr, "X-Forwarded-For", ip)
		}
		proto, port := c.forwardedProtoPort()
		set(hdr, "X-Forwarded-Proto", proto)
		set(hdr, "X-Forwarded-Port", port)
	} else {
		hdr = make(http.Header, 4+len(hMapped)+len(ov.Header))
		set(hdr, "User-Agent", "AmazonAPIGateway_"+c.t.apiID)
		if len(body) > 0 {
			ct := tmplCT
			if ct == "" {
				ct = c.r.Header.Get("Content-Type")
			}
			if ct == "" {
				ct = "application/json"
			}
			set(hdr, "Content-Type", ct)
		}
	}
	set(hdr, "X-Amzn-Apigateway-Api-Id", c.t.apiID)
	set(hdr, "X-Amzn-Trace-Id", traceID(c.now.Unix()))
	for k, v := range hMapped {
		hdr[http.CanonicalHeaderKey(k)] = v
	}
	for k, v := range ov.Header {
		hdr[http.CanonicalHeaderKey(k)] = v
	}
	c.ireq = integrationRequest{method: method, url: u, header: hdr, body: body}
	return &c.ireq, true
}

type pathValue struct{ name, value string }

// traceID makes an X-Ray style trace id: Root=1-{epoch hex}-{24 hex}.
// The 24 hex digits are the first 24 of a random UUID's (version and
// variant nibbles included, as before).
func traceID(epoch int64) string {
	var buf [72]byte
	b := append(buf[:0], "Root=1-"...)
	b = strconv.AppendInt(b, epoch, 16)
	b = append(b, '-')
	n := len(b)
	b = ids.AppendUUIDHex(b)
	return string(b[:n+24])
}

// backendResponse is what the backend answered.
type backendResponse struct {
	status int
	header http.Header
	body   []byte
}

// roundTrip sends the integration request with the integration's timeout.
// failed is true when an error response was already written (or the
// client went away).
func (c *call) roundTrip(ir *integrationRequest) (be *backendResponse, failed bool) {
	ci := c.m.integ
	client := c.h.http
	if ci.insecureTLS {
		client = c.h.ins
	}
	rt := client.Transport
	ctx, cancel := upstream.Timeout(&c.dctx, c.r.Context(), rt, ci.timeout)
	defer cancel()
	req, ok := upstream.NewRequest(ctx, ir.method, ir.url, ir.header, ir.body)
	if !ok {
		c.h.log.Warn("Execution failed due to configuration error: Invalid endpoint address", "uri", ir.url.String(), "error", "invalid method "+ir.method, "request_id", c.reqID)
		c.fail(errConfig)
		return nil, true
	}
	// The transport directly: the client would only clone headers for
	// redirects it does not follow (CheckRedirect keeps the 3xx).
	c.integStart = c.h.clk.Now()
	resp, err := upstream.RoundTrip(rt, req)
	c.integLatency = c.h.clk.Now().Sub(c.integStart).Milliseconds()
	if err == nil {
		c.integStatus = upstream.StatusString(resp.StatusCode)
	}
	var data []byte
	if err == nil {
		data, err = upstream.ReadResponseBody(resp, maxPayload)
		if err == nil && len(data) > maxPayload {
			c.h.log.Warn("Execution failed: integration response exceeds 10 MB", "request_id", c.reqID)
			c.fail(gwErr{typ: "INTEGRATION_FAILURE", status: 502, message: "Internal server error"})
			return nil, true
		}
	}
	if err != nil {
		c.upstreamFailed(ctx, err)
		return nil, true
	}
	c.bresp = backendResponse{status: resp.StatusCode, header: resp.Header, body: data}
	return &c.bresp, false
}

// upstreamFailed answers a failed backend exchange: the integration
// timeout gives 504 "Endpoint request timed out" [D]; an endpoint that
// cannot be reached (refused, unknown host) 500 and any other network
// error 502, both "Internal server error" through INTEGRATION_FAILURE
// (spec §8.6: 500 or 502 at runtime [V/L]).
func (c *call) upstreamFailed(ctx context.Context, err error) {
	lg := c.h.log.With("api", c.t.apiID, "resource", c.res.path, "method", c.m.verb, "error", err, "request_id", c.reqID)
	if c.r.Context().Err() != nil {
		lg.Debug("client went away during the integration request")
		return
	}
	if errors.Is(ctx.Err(), context.DeadlineExceeded) || errors.Is(err, context.DeadlineExceeded) {
		lg.Warn("Execution failed due to a timeout error")
		c.fail(errTimeout)
		return
	}
	var op *net.OpError
	var dns *net.DNSError
	if errors.As(err, &dns) || (errors.As(err, &op) && op.Op == "dial") {
		lg.Warn("Execution failed due to configuration error: the endpoint could not be reached")
		c.fail(gwErr{typ: "INTEGRATION_FAILURE", status: 500, message: "Internal server error"})
		return
	}
	lg.Warn("Execution failed due to a network error communicating with endpoint")
	c.fail(gwErr{typ: "INTEGRATION_FAILURE", status: 502, message: "Internal server error"})
}

// quickStatusCode reads exactly {"statusCode": N}, whitespace allowed
// around the tokens, N one to three digits: what nearly every MOCK
// request template renders. Anything else is left to the JSON decoder.
func quickStatusCode(s string) (int, bool) {
	i := 0
	ws := func() {
		for i < len(s) && (s[i] == ' ' || s[i] == '\n' || s[i] == '\t' || s[i] == '\r') {
			i++
		}
	}
	lit := func(l string) bool {
		if strings.HasPrefix(s[i:], l) {
			i += len(l)
			return true
		}
		return false
	}
	ws()
	if !lit("{") {
		return 0, false
	}
	ws()
	if !lit(`"statusCode"`) {
		return 0, false
	}
	ws()
	if !lit(":") {
		return 0, false
	}
	ws()
	code, j := 0, i
	for i < len(s) && s[i] >= '0' && s[i] <= '9' && i-j < 3 {
		code = code*10 + int(s[i]-'0')
		i++
	}
	if i == j || (s[j] == '0' && i-j > 1) {
		return 0, false // no digits, or a leading zero JSON does not allow
	}
	ws()
	if !lit("}") {
		return 0, false
	}
	ws()
	return code, i == len(s)
}

// DeadlineTransport is a transport that enforces the request context's
// deadline itself; the data plane then makes no timer per integration
// call (see package upstream).
type DeadlineTransport = upstream.DeadlineTransport
