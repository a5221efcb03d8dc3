package dataplane

import (
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/stagecraft/stagecraft/internal/ids"
	"github.com/stagecraft/stagecraft/internal/vtl"
)

// maxPayload is API Gateway's 10 MB payload limit.
const maxPayload = 10 << 20

// call is one request's state.
type call struct {
	h       *Handler
	w       http.ResponseWriter
	r       *http.Request
	reqID   string // x-amzn-RequestId, $context.requestId
	apigwID string // x-amz-apigw-id, $context.extendedRequestId
	now     time.Time
	t       target

	api       *apiEntry
	dep       *deployment
	vars      map[string]string
	hasCanary bool
	canary    bool

	res    *resource
	m      *method
	params []pathParam
	body   []byte

	query   url.Values // decoded query, parsed once
	vparams *vtl.Params
	ctxMap  map[string]any
}

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	c := &call{h: h, w: w, r: r, reqID: ids.UUID(), apigwID: ids.Base64ID(), now: h.clk.Now()}
	hdr := w.Header()
	// AWS's spelling; Go would canonicalise to X-Amzn-Requestid.
	hdr["x-amzn-RequestId"] = []string{c.reqID}
	hdr["x-amz-apigw-id"] = []string{c.apigwID}

	t, ok := parseTarget(r)
	if !ok {
		c.forbidden()
		return
	}
	c.t = t
	cp := h.current(r.Context())
	// An unknown API, a URL without a stage, and an unknown stage all
	// answer 403 {"message":"Forbidden"} (ForbiddenException), not
	// "Missing Authentication Token" (spec §9 open question 1). Evidence:
	// AWS's troubleshooting guidance for 403s names a non-existent stage
	// in the invoke URL as a cause of 403 Forbidden, and reports against
	// real endpoints show the bare URL without a stage answering
	// {"message":"Forbidden"}. "Missing Authentication Token" is the
	// answer for a stage that exists but has no matching resource/method.
	c.api = cp.lookup(t.apiID, t.hostRegion, h.cfg.DefaultAccount, h.cfg.DefaultRegion)
	if c.api == nil || t.stage == "" {
		c.forbidden()
		return
	}
	se := c.api.stages[t.stage]
	if se == nil {
		c.forbidden()
		return
	}
	c.hasCanary = se.hasCanary
	c.dep, c.vars, c.canary = h.pick(se)
	if c.dep == nil {
		h.log.Error("stage has no deployment snapshot to serve", "api", t.apiID, "stage", t.stage, "request_id", c.reqID)
		c.fail(errInternal)
		return
	}
	if c.dep.disableExecuteAPI {
		// disableExecuteApiEndpoint takes effect with the deployment:
		// REST APIs answer 403 Forbidden on the default endpoint [D].
		c.forbidden()
		return
	}
	res, m, params := c.dep.root.route(splitPath(t.rest), r.Method, nil)
	if m == nil {
		c.fail(errMissingToken)
		return
	}
	c.res, c.m, c.params = res, m, params

	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxPayload))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			c.fail(errTooLarge)
			return
		}
		h.log.Debug("reading request body failed", "error", err, "request_id", c.reqID)
		c.fail(gwErr{typ: "BAD_REQUEST_BODY", status: 400, message: "Invalid request body"})
		return
	}
	c.body = body

	switch {
	case m.authType != "NONE":
		c.notImplemented("authorization type " + m.authType + " (authorizers and IAM authorization)")
		return
	case m.apiKey:
		c.notImplemented("apiKeyRequired (API keys and usage plans)")
		return
	}
	if m.validate {
		if missing := c.missingParams(); len(missing) > 0 {
			c.fail(gwErr{typ: "BAD_REQUEST_PARAMETERS", status: 400, message: "Missing required request parameters: [" + strings.Join(missing, ", ") + "]"})
			return
		}
	}
	if md := c.bodyModel(); md != nil {
		if errs := md.validateBody(body); len(errs) > 0 {
			c.fail(gwErr{typ: "BAD_REQUEST_BODY", status: 400, message: "Invalid request body",
				validation: "[" + strings.Join(errs, ", ") + "]"})
			return
		}
	}
	if m.integ == nil {
		h.log.Error("method has no integration", "api", t.apiID, "resource", res.path, "method", m.verb, "request_id", c.reqID)
		c.fail(errConfig)
		return
	}
	switch m.integ.typ {
	case "MOCK":
		c.mock()
	case "HTTP":
		c.httpIntegration(false)
	case "HTTP_PROXY":
		c.httpIntegration(true)
	default:
		c.notImplemented("integration type " + m.integ.typ + " (Lambda and AWS service integrations)")
	}
}

// forbidden answers 403 {"message":"Forbidden"}: no API, stage or
// endpoint to take a gateway response from.
func (c *call) forbidden() {
	hdr := c.w.Header()
	hdr.Set("Content-Type", "application/json")
	hdr["x-amzn-ErrorType"] = []string{"ForbiddenException"}
	c.w.WriteHeader(http.StatusForbidden)
	io.WriteString(c.w, `{"message":"Forbidden"}`)
}

// notImplemented answers 500 Internal server error for a feature that is
// not implemented yet, and says so in the log.
func (c *call) notImplemented(what string) {
	c.h.log.Warn("not implemented yet in the data plane: "+what+"; answering 500",
		"api", c.t.apiID, "stage", c.t.stage, "resource", c.res.path, "method", c.m.verb, "request_id", c.reqID)
	c.fail(errInternal)
}

// missingParams lists the required request parameters the request lacks.
func (c *call) missingParams() []string {
	var out []string
	for _, p := range c.m.required {
		var ok bool
		switch p.loc {
		case "path":
			_, ok = c.pathParam(p.name)
		case "querystring":
			_, ok = c.queryValues()[p.name]
		case "header":
			ok = len(c.r.Header.Values(p.name)) > 0
		}
		if !ok {
			out = append(out, p.name)
		}
	}
	return out
}

// bodyModel is the request model body validation applies: the one for
// the request's content type, else $default; nil when there is none (or
// the method does not validate bodies).
func (c *call) bodyModel() *model {
	if len(c.m.bodyModels) == 0 {
		return nil
	}
	if md := c.m.bodyModels[c.contentType()]; md != nil {
		return md
	}
	return c.m.bodyModels["$default"]
}

// contentType is the request's media type, lower case without
// parameters; application/json when absent (AWS's default).
func (c *call) contentType() string {
	ct := c.r.Header.Get("Content-Type")
	if i := strings.IndexByte(ct, ';'); i >= 0 {
		ct = ct[:i]
	}
	ct = strings.ToLower(strings.TrimSpace(ct))
	if ct == "" {
		return "application/json"
	}
	return ct
}

func (c *call) pathParam(name string) (string, bool) {
	for i := len(c.params) - 1; i >= 0; i-- {
		if c.params[i].name == name {
			return c.params[i].value, true
		}
	}
	return "", false
}

func (c *call) queryValues() url.Values {
	if c.query == nil {
		c.query, _ = url.ParseQuery(c.r.URL.RawQuery)
		if c.query == nil {
			c.query = url.Values{}
		}
	}
	return c.query
}

// inputParams are $input.params(): path parameters (raw), query string
// and headers (the last value of repeated ones).
func (c *call) inputParams() vtl.Params {
	if c.vparams != nil {
		return *c.vparams
	}
	p := vtl.Params{
		Path:        make(map[string]string, len(c.params)),
		QueryString: map[string]string{},
		Header:      make(map[string]string, len(c.r.Header)),
	}
	for _, pp := range c.params {
		p.Path[pp.name] = pp.value
	}
	for k, v := range c.queryValues() {
		if len(v) > 0 {
			p.QueryString[k] = v[len(v)-1]
		}
	}
	for k, v := range c.r.Header {
		if len(v) > 0 && !droppedRequestHeader(k) {
			p.Header[k] = v[len(v)-1]
		}
	}
	c.vparams = &p
	return p
}

// contextMap is $context for templates and context.* mappings.
func (c *call) contextMap() map[string]any {
	if c.ctxMap != nil {
		return c.ctxMap
	}
	r := c.r
	ip := r.RemoteAddr
	if h, _, err := net.SplitHostPort(ip); err == nil {
		ip = h
	}
	domain := c.t.host
	if domain == "" {
		// The path forms have no execute-api host; use the one AWS would.
		domain = c.t.apiID + ".execute-api." + c.region() + ".amazonaws.com"
	}
	prefix, _, _ := strings.Cut(domain, ".")
	m := map[string]any{
		"accountId":         c.account(),
		"apiId":             c.t.apiID,
		"domainName":        domain,
		"domainPrefix":      prefix,
		"extendedRequestId": c.apigwID,
		"httpMethod":        r.Method,
		"identity": map[string]any{
			"accessKey": "", "accountId": "", "apiKey": "", "apiKeyId": "", "caller": "",
			"cognitoAuthenticationProvider": "", "cognitoAuthenticationType": "",
			"cognitoIdentityId": "", "cognitoIdentityPoolId": "", "principalOrgId": "",
			"sourceIp": ip, "user": "", "userAgent": r.UserAgent(), "userArn": "",
		},
		"path":             "/" + c.t.stage + c.t.rest,
		"protocol":         r.Proto,
		"requestId":        c.reqID,
		"requestTime":      c.now.UTC().Format("02/Jan/2006:15:04:05 -0700"),
		"requestTimeEpoch": c.now.UnixMilli(),
		"stage":            c.t.stage,
	}
	if c.dep != nil {
		m["deploymentId"] = c.dep.id
	}
	if c.res != nil {
		m["resourceId"] = c.res.id
		m["resourcePath"] = c.res.path
	}
	// Present only when the stage has a canary [D].
	if c.hasCanary {
		m["isCanaryRequest"] = c.canary
	}
	c.ctxMap = m
	return m
}

func (c *call) account() string {
	if c.api != nil {
		return c.api.account
	}
	return c.h.cfg.DefaultAccount
}

func (c *call) region() string {
	if c.api != nil {
		return c.api.region
	}
	return c.h.cfg.DefaultRegion
}

// stageVars returns a private copy of the stage variables for one
// template render: templates may #set into maps they are given.
func (c *call) stageVars() map[string]string {
	out := make(map[string]string, len(c.vars))
	for k, v := range c.vars {
		out[k] = v
	}
	return out
}

// render runs a template with $input over body and the method request
// parameters.
func (c *call) render(t *template, body []byte, ctx map[string]any) (string, *vtl.Context, error) {
	if t.err != nil {
		return "", nil, t.err
	}
	vc := &vtl.Context{Vars: vtl.NewVars(&vtl.Input{Body: body, Params: c.inputParams()}, ctx, c.stageVars())}
	out, err := t.t.Render(vc)
	return out, vc, err
}

// fail answers an error through the deployment's gateway response for its
// type (spec §8.6): status, headers from responseParameters, and the body
// from the template chosen by Accept, rendered with $context.error.*.
func (c *call) fail(e gwErr) {
	gws := defaultGateway
	if c.dep != nil {
		gws = c.dep.gateway
	}
	gr := gws[e.typ]
	if gr == nil {
		gr = defaultGateway["DEFAULT_5XX"]
	}
	status := gr.status
	if status == 0 {
		status = e.status
	}
	ctx := c.contextMap()
	// The error map is set on a copy so a later render (there is none
	// today) would not see it.
	ec := make(map[string]any, len(ctx)+1)
	for k, v := range ctx {
		ec[k] = v
	}
	ec["error"] = map[string]any{
		"message":               e.message,
		"messageString":         messageString(e.message),
		"responseType":          e.typ,
		"validationErrorString": e.validation,
	}
	hdr := c.w.Header()
	for i := range gr.params {
		mp := &gr.params[i]
		if vals, ok := c.sourceValues(&mp.src, nil, ec); ok {
			hdr.Set(mp.name, vals[len(vals)-1])
		}
	}
	var body string
	ct := "application/json"
	if t := selectByAccept(gr.templates, c.r.Header.Values("Accept")); t != nil {
		out, _, err := c.render(t, c.body, ec)
		if err != nil {
			c.h.log.Warn("gateway response template failed; answering the default body", "type", e.typ, "error", err, "request_id", c.reqID)
			out = `{"message":` + messageString(e.message) + `}`
		} else {
			ct = t.contentType
		}
		body = out
	}
	if hdr.Get("Content-Type") == "" {
		hdr.Set("Content-Type", ct)
	}
	hdr["x-amzn-ErrorType"] = []string{gatewayTypes[e.typ].errType}
	hdr.Set("Content-Length", strconv.Itoa(len(body)))
	c.w.WriteHeader(status)
	io.WriteString(c.w, body)
}
