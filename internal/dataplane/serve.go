package dataplane

import (
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/stagecraft/stagecraft/internal/dataplane/upstream"
	"github.com/stagecraft/stagecraft/internal/ids"
	"github.com/stagecraft/stagecraft/internal/lambda"
	"github.com/stagecraft/stagecraft/internal/quota"
	"github.com/stagecraft/stagecraft/internal/vtl"
)

// maxPayload is API Gateway's 10 MB payload limit.
const maxPayload = 10 << 20

// call is one request's state.
type call struct {
	h       *Handler
	w       http.ResponseWriter
	rec     *recorder
	r       *http.Request
	reqID   string // x-amzn-RequestId, $context.requestId
	apigwID string // x-amz-apigw-id, $context.extendedRequestId
	now     time.Time
	t       target
	cp      *compiled

	api       *apiEntry
	se        *stageEntry
	dep       *deployment
	vars      map[string]string
	hasCanary bool
	canary    bool
	test      bool // a TestInvokeMethod run: no authorization, API key or throttling

	res    *resource
	m      *method
	params []pathParam
	body   []byte

	query   url.Values // decoded query, parsed once
	vparams *vtl.Params
	ctxMap  map[string]any
	trace   string // X-Amzn-Trace-Id, made on first use

	// Authorization results.
	authCtx    map[string]any   // $context.authorizer
	authEvent  map[string]any   // requestContext.authorizer of Lambda events
	usageKey   string           // a Lambda authorizer's usageIdentifierKey
	iam        *lambda.Identity // the SigV4 caller of an AWS_IAM method
	authStatus int              // the authorizer's answer when it refused
	authOK     bool
	apiKey     string // the API key value and id a usage plan admitted
	apiKeyID   string

	// For access logs.
	errInfo      *gwErr
	integStart   time.Time
	integLatency int64
	integStatus  string

	// Storage that saves separate allocations per request.
	recv   recorder
	idv    [2]string // the id response headers' values
	clv    [1]string // the Content-Length value
	check  quota.Check
	mlimit quota.Limit
	dctx   upstream.Deadline
	url    url.URL
	ireq   integrationRequest
	bresp  backendResponse
}

func (h *Handler) newCall(w http.ResponseWriter, r *http.Request) *call {
	c := &call{h: h, r: r, reqID: ids.UUID(), apigwID: ids.Base64ID(), now: h.clk.Now()}
	c.recv.ResponseWriter = w
	c.w, c.rec = &c.recv, &c.recv
	c.idv = [2]string{c.reqID, c.apigwID}
	hdr := w.Header()
	// AWS's spelling; Go would canonicalise to X-Amzn-Requestid.
	hdr["x-amzn-RequestId"] = c.idv[0:1:1]
	hdr["x-amz-apigw-id"] = c.idv[1:2:2]
	return c
}

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	c := h.newCall(w, r)
	defer c.finish()

	t, ok := parseTarget(r)
	cp := h.current(r.Context())
	c.cp = cp
	if t.host != "" && !strings.Contains(t.host, ".execute-api.") {
		// A Host that is not execute-api may be a custom domain name.
		if d := cp.domains[t.host]; d != nil {
			c.serveDomain(cp, d)
			return
		}
	}
	if !ok {
		if d := cp.domains[hostOnly(r.Host)]; d != nil {
			c.serveDomain(cp, d)
			return
		}
		c.forbidden()
		return
	}
	c.t = t
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
	c.serveStage(se, false)
}

// serveStage answers a request addressed to a stage: pick the deployment
// (canary split), route, then authorization, API key, throttling and
// quota, request validation, and the integration.
func (c *call) serveStage(se *stageEntry, viaDomain bool) {
	h, t, r := c.h, c.t, c.r
	c.se = se
	c.hasCanary = se.hasCanary
	c.dep, c.vars, c.canary = h.pick(se)
	if c.dep == nil {
		h.log.Error("stage has no deployment snapshot to serve", "api", t.apiID, "stage", t.stage, "request_id", c.reqID)
		c.fail(errInternal)
		return
	}
	if c.dep.disableExecuteAPI && !viaDomain {
		// disableExecuteApiEndpoint takes effect with the deployment:
		// REST APIs answer 403 Forbidden on the default endpoint [D]; a
		// custom domain name still serves the API.
		c.forbidden()
		return
	}
	res, m, params := c.dep.root.route(splitPath(t.rest), r.Method, nil)
	if m == nil {
		c.fail(errMissingToken)
		return
	}
	c.res, c.m, c.params = res, m, params
	c.run()
}

// run answers a routed request (c.res, c.m, c.params set): the body, then
// authorization, API key, throttling and quota (not for TestInvokeMethod,
// which skips them as AWS does), request validation, and the integration.
func (c *call) run() {
	h, t, r, w, res, m := c.h, c.t, c.r, c.w, c.res, c.m
	body, err := upstream.ReadRequestBody(w, r, maxPayload)
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
	// Proxy integrations get the payload as it came; the others see it
	// decompressed (compression enabled, Content-Encoding gzip/deflate).
	if m.integ != nil && m.integ.typ != "HTTP_PROXY" && m.integ.typ != "AWS_PROXY" {
		body, err = c.decompressRequest(body)
	}
	if err != nil {
		if errors.Is(err, errTooLargeBody) {
			c.fail(errTooLarge)
			return
		}
		h.log.Debug("decompressing the request body failed", "error", err, "request_id", c.reqID)
		c.fail(gwErr{typ: "BAD_REQUEST_BODY", status: 400, message: "Invalid request body"})
		return
	}
	c.body = body

	if !c.test {
		if !c.authorize() {
			return
		}
		c.authOK = true
		if !c.meter() {
			return
		}
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
	case "AWS_PROXY":
		c.lambdaProxy()
	case "AWS":
		c.awsIntegration()
	default:
		c.notImplemented("integration type " + m.integ.typ)
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
// not implemented, and says so in the log.
func (c *call) notImplemented(what string) {
	c.h.log.Warn("not implemented in the data plane: "+what+"; answering 500",
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
	ip := c.sourceIP()
	// Values that do not change between requests are boxed once, on the
	// compiled API, stage, deployment and resource.
	var account, apiID, domain, prefix, stage any
	if a := c.api; a != nil && a.accountAny != nil {
		account = a.accountAny
		if a.id == c.t.apiID {
			apiID = a.idAny
			if c.t.host == "" {
				domain, prefix = a.domainAny, a.prefixAny
			}
		}
	} else {
		account = c.account()
	}
	if apiID == nil {
		apiID = c.t.apiID
	}
	if domain == nil {
		d := c.domainName()
		p, _, _ := strings.Cut(d, ".")
		domain, prefix = d, p
	}
	if c.se != nil && c.se.name == c.t.stage {
		stage = c.se.nameAny
	} else {
		stage = c.t.stage
	}
	m := make(map[string]any, 24)
	m["accountId"] = account
	m["apiId"] = apiID
	m["domainName"] = domain
	m["domainPrefix"] = prefix
	m["extendedRequestId"] = c.apigwID
	m["httpMethod"] = boxMethod(r.Method)
	m["identity"] = map[string]any{
		"accessKey": "", "accountId": "", "apiKey": "", "apiKeyId": "", "caller": "",
		"cognitoAuthenticationProvider": "", "cognitoAuthenticationType": "",
		"cognitoIdentityId": "", "cognitoIdentityPoolId": "", "principalOrgId": "",
		"sourceIp": ip, "user": "", "userAgent": r.UserAgent(), "userArn": "",
	}
	m["path"] = c.t.full
	m["protocol"] = boxProto(r.Proto)
	m["requestId"] = c.reqID
	m["requestTime"] = requestTime(c.now)
	m["requestTimeEpoch"] = c.now.UnixMilli()
	m["stage"] = stage
	if c.dep != nil {
		m["deploymentId"] = c.dep.idAny
		if m["deploymentId"] == nil {
			m["deploymentId"] = c.dep.id
		}
	}
	if c.res != nil {
		m["resourceId"], m["resourcePath"] = c.res.idAny, c.res.pathAny
		if c.res.idAny == nil {
			m["resourceId"], m["resourcePath"] = c.res.id, c.res.path
		}
	}
	// Present only when the stage has a canary [D].
	if c.hasCanary {
		m["isCanaryRequest"] = c.canary
	}
	if c.authCtx != nil {
		m["authorizer"] = c.authCtx
	}
	c.ctxMap = m
	return m
}

// lastRequestTime caches $context.requestTime for the last second seen,
// boxed.
var lastRequestTime atomic.Pointer[secondString]

type secondString struct {
	sec int64
	v   any
}

// requestTime is $context.requestTime ("02/Jan/2006:15:04:05 -0700" in
// UTC) for t.
func requestTime(t time.Time) any {
	sec := t.Unix()
	if s := lastRequestTime.Load(); s != nil && s.sec == sec {
		return s.v
	}
	s := &secondString{sec: sec, v: t.UTC().Format("02/Jan/2006:15:04:05 -0700")}
	lastRequestTime.Store(s)
	return s.v
}

// Boxed forms of the usual methods and protocols, so $context does not
// allocate for them.
var (
	boxedMethods = func() map[string]any {
		m := map[string]any{}
		for _, s := range []string{"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"} {
			m[s] = s
		}
		return m
	}()
	boxedProtos = map[string]any{"HTTP/1.0": "HTTP/1.0", "HTTP/1.1": "HTTP/1.1", "HTTP/2.0": "HTTP/2.0"}
)

func boxMethod(s string) any {
	if v, ok := boxedMethods[s]; ok {
		return v
	}
	return s
}

func boxProto(s string) any {
	if v, ok := boxedProtos[s]; ok {
		return v
	}
	return s
}

// domainName is the Host the client used ($context.domainName); the path
// forms have no execute-api host, so it is the one AWS would have.
func (c *call) domainName() string {
	if c.t.host != "" {
		return c.t.host
	}
	return c.t.apiID + ".execute-api." + c.region() + ".amazonaws.com"
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

// quietRoots: an undefined $stageVariables.x renders as "" in API
// Gateway (spec §8.5 [V]), and so does an absent $context variable
// ($context.authorizer.claims.x without an authorizer) [C].
var quietRoots = []string{"stageVariables", "context"}

// render runs a template with $input over body and the method request
// parameters.
// ctx nil means contextMap(). A template without references or
// directives is its own output: no variables are built for it.
func (c *call) render(t *template, body []byte, ctx map[string]any) (string, *vtl.Context, error) {
	if t.err != nil {
		return "", nil, t.err
	}
	if src, ok := t.t.Literal(); ok && len(src) <= vtl.DefaultMaxOutput {
		return src, &vtl.Context{}, nil
	}
	if ctx == nil {
		ctx = c.contextMap()
	}
	vc := &vtl.Context{Vars: vtl.NewVars(&vtl.Input{Body: body, ParamsFunc: c.inputParams}, ctx, c.stageVars()),
		QuietRoots: quietRoots}
	out, err := t.t.Render(vc)
	return out, vc, err
}

// fail answers an error through the deployment's gateway response for its
// type (spec §8.6): status, headers from responseParameters, and the body
// from the template chosen by Accept, rendered with $context.error.*.
func (c *call) fail(e gwErr) {
	c.errInfo = &e
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
	msgString := messageString(e.message)
	if e.null {
		msgString = "null"
	}
	ec["error"] = map[string]any{
		"message":               e.message,
		"messageString":         msgString,
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
			out = `{"message":` + msgString + `}`
		} else {
			ct = t.contentType
		}
		body = out
	}
	if hdr.Get("Content-Type") == "" {
		hdr.Set("Content-Type", ct)
	}
	errType := e.errType
	if errType == "" {
		errType = gatewayTypes[e.typ].errType
	}
	hdr["x-amzn-ErrorType"] = []string{errType}
	hdr.Set("Content-Length", strconv.Itoa(len(body)))
	c.w.WriteHeader(status)
	io.WriteString(c.w, body)
}
