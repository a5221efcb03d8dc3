package httpapi

import (
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/stagecraft/stagecraft/internal/dataplane/upstream"
	"github.com/stagecraft/stagecraft/internal/dataplane/v2core"
)

// HTTP API data-plane answers [D]: a bare {"message": …} body with the
// status; note "Internal Server Error" capitalised, unlike REST.
const (
	msgNotFound     = "Not Found"
	msgInternal     = "Internal Server Error"
	msgUnavailable  = "Service Unavailable"
	msgUnauthorized = "Unauthorized"
	msgForbidden    = "Forbidden"
	msgTooLarge     = "Request Entity Too Large"
)

// maxPayload is API Gateway's 10 MB payload limit.
const maxPayload = 10 << 20

// call is one request's state.
type call struct {
	h     *Handler
	w     http.ResponseWriter
	r     *http.Request
	reqID string // apigw-requestid, $context.requestId
	now   time.Time
	t     v2core.Target

	domain *v2core.Domain // custom domain the request came through
	view   *v2core.View[*deployment]
	api    *v2core.API[*deployment]
	stage  *v2core.Stage[*deployment]
	dep    *deployment
	vars   map[string]string

	route     *route
	routePath string   // escaped path below the stage ("/pets/7")
	rawPath   string   // escaped path as sent, stage segment included
	segs      []string // decoded route path segments
	params    map[string]string
	body      []byte

	query    url.Values // decoded query, parsed once
	bodyJSON any
	bodyDone bool

	authCtx *authContext // what the authorizer decided

	// Access log state (accesslog.go).
	rec   *recorder // the response as sent; nil without access logging
	trail v2core.Trail

	// Storage that saves separate allocations per request.
	idv   [1]string // the Apigw-Requestid value
	hvals [4]string // the values of the headers HTTP_PROXY sets
	url   url.URL
	dctx  upstream.Deadline
}

func (h *Handler) newCall(w http.ResponseWriter, r *http.Request) *call {
	c := &call{h: h, w: w, r: r, reqID: v2core.RequestID(), now: h.clk.Now()}
	c.idv[0] = c.reqID
	w.Header()["Apigw-Requestid"] = c.idv[:1:1]
	return c
}

// serve answers a request addressed through an execute-api form.
func (h *Handler) serve(w http.ResponseWriter, r *http.Request, t v2core.Target, _ any) {
	c := h.newCall(w, r)
	c.t = t
	v := h.reg.Current(r.Context())
	c.view = v
	a := v.API(t.APIID, t.HostRegion)
	if a == nil {
		c.fail(http.StatusNotFound, msgNotFound)
		return
	}
	// Stage selection [D: http-api-develop-routes]: a first segment that
	// names a stage selects it; otherwise the $default stage serves the
	// whole path; otherwise 404.
	seg, after := v2core.CutSegment(t.Rest)
	if seg != "" && seg != "$default" && seg != "%24default" {
		if st := a.Stages[seg]; st != nil {
			c.serveStage(a, st, after)
			return
		}
	}
	if st := a.Stages["$default"]; st != nil {
		c.serveStage(a, st, t.Rest)
		return
	}
	c.fail(http.StatusNotFound, msgNotFound)
}

// serveStage serves rest (the escaped path below the stage) from a stage.
func (c *call) serveStage(a *v2core.API[*deployment], st *v2core.Stage[*deployment], rest string) {
	c.api, c.stage, c.vars = a, st, st.Vars
	if st.AccessLog != nil {
		c.rec = &recorder{ResponseWriter: c.w}
		c.w = c.rec
		defer c.accessLog(st.AccessLog)
	}
	if rest == "" {
		rest = "/"
	}
	c.routePath = rest
	// rawPath is the path as the client sent it: the stage segment stays
	// for a named stage (/prod/pets), as in AWS's 2.0 events [C].
	if c.domain != nil {
		c.rawPath = c.r.URL.EscapedPath()
	} else {
		c.rawPath = c.t.Rest
	}
	if c.rawPath == "" {
		c.rawPath = "/"
	}
	if st.DeploymentID == "" {
		// A stage that was never deployed has nothing to route to [?].
		c.fail(http.StatusNotFound, msgNotFound)
		return
	}
	if !st.Deployed {
		c.h.log.Error("stage has no deployment snapshot to serve", "api", a.APIID, "stage", st.Name, "deployment", st.DeploymentID, "request_id", c.reqID)
		c.fail(http.StatusInternalServerError, msgInternal)
		return
	}
	c.dep = st.Deployment
	if c.dep.disableExecuteAPI && c.domain == nil {
		// disableExecuteApiEndpoint turns the default endpoint off [M
		// doc], as of the deployment that carries it: "you receive an
		// HTTP 403 Forbidden error for REST APIs or an HTTP 404 Not Found
		// error for HTTP APIs" [C: AWS knowledge center "deactivate the
		// API Gateway default endpoint", as quoted in floci-io/floci#2054].
		// Custom domain names keep serving.
		c.failType(http.StatusNotFound, msgNotFound, "")
		return
	}
	if c.dep.cors != nil && isPreflight(c.r) {
		h := c.w.Header()
		c.dep.cors.preflight(h, c.r)
		c.w.WriteHeader(http.StatusNoContent)
		return
	}
	_, c.segs = splitSegments(rest)
	c.route = c.dep.router.match(c.segs, c.r.Method)
	if c.route == nil {
		c.fail(http.StatusNotFound, msgNotFound)
		return
	}
	c.params = c.route.params(c.segs)
	if !c.throttled() {
		return
	}

	body, err := upstream.ReadRequestBody(c.w, c.r, maxPayload)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			c.fail(http.StatusRequestEntityTooLarge, msgTooLarge)
			return
		}
		c.h.log.Debug("reading request body failed", "error", err, "request_id", c.reqID)
		c.failType(http.StatusBadRequest, "Bad Request", "BAD_REQUEST_BODY")
		return
	}
	c.body = body

	if !c.authorize() {
		return
	}
	in := c.route.integ
	if in == nil {
		// A route without a target answers 404 on AWS [?]: there is
		// nothing to integrate with.
		c.fail(http.StatusNotFound, msgNotFound)
		return
	}
	switch {
	case in.typ == "HTTP_PROXY" && !in.private:
		c.httpProxy(in)
	case in.typ == "AWS_PROXY" && in.subtype == "":
		c.lambdaProxy(in)
	case in.typ == "HTTP_PROXY":
		c.notImplemented("private integrations (connectionType VPC_LINK)")
	case in.typ == "AWS_PROXY":
		c.notImplemented("AWS service integrations (integrationSubtype " + in.subtype + ")")
	default:
		c.notImplemented("integration type " + in.typ)
	}
}

// fail answers an HTTP API error: {"message": msg} with the status.
func (c *call) fail(status int, msg string) { c.failType(status, msg, "") }

// failType is fail with the error's $context.error.responseType ("":
// derived from the status).
func (c *call) failType(status int, msg, responseType string) {
	c.trail.ErrMsg, c.trail.ErrType = msg, responseType
	h := c.w.Header()
	h["Content-Type"] = []string{"application/json"}
	if c.dep != nil && c.dep.cors != nil {
		c.dep.cors.actual(h, c.r)
	}
	c.w.WriteHeader(status)
	io.WriteString(c.w, `{"message":"`+msg+`"}`)
}

// notImplemented answers 500 for a feature not implemented yet, and says
// so in the log.
func (c *call) notImplemented(what string) {
	c.h.log.Warn("not implemented in the HTTP API data plane: "+what+"; answering 500",
		"api", c.api.APIID, "stage", c.stage.Name, "route", c.route.key, "request_id", c.reqID)
	c.fail(http.StatusInternalServerError, msgInternal)
}

// queryValues is the decoded query string, parsed once.
func (c *call) queryValues() url.Values {
	if c.query == nil {
		c.query = c.r.URL.Query()
	}
	return c.query
}

func (c *call) domainName() string {
	if c.t.Host != "" {
		return c.t.Host
	}
	return v2core.HostOnly(c.r)
}

func (c *call) domainPrefix() string {
	d := c.domainName()
	if i := strings.IndexByte(d, '.'); i > 0 {
		return d[:i]
	}
	return d
}

func (c *call) routeKey() string { return c.route.key }

// Lookup implements v2core.Source over the request: $request.*,
// $context.*, $stageVariables.*.
func (c *call) Lookup(kind v2core.Kind, name string) (string, bool) {
	switch kind {
	case v2core.KindHeader:
		vs := c.r.Header.Values(name)
		if len(vs) == 0 {
			return "", false
		}
		return strings.Join(vs, ","), true
	case v2core.KindQuery:
		vs, ok := c.queryValues()[name]
		if !ok {
			return "", false
		}
		return strings.Join(vs, ","), true
	case v2core.KindPath:
		if name == "" {
			return c.routePathDecoded(), true
		}
		v, ok := c.params[name]
		return v, ok
	case v2core.KindBody:
		if name == "" {
			return string(c.body), true
		}
		if !c.bodyDone {
			c.bodyJSON, _ = v2core.ParseJSON(c.body)
			c.bodyDone = true
		}
		if c.bodyJSON == nil {
			return "", false
		}
		return v2core.JSONPath(c.bodyJSON, name)
	case v2core.KindMethod:
		return c.r.Method, true
	case v2core.KindContext:
		return c.contextVar(name)
	case v2core.KindStageVar:
		v, ok := c.vars[name]
		return v, ok
	}
	return "", false
}

func (c *call) routePathDecoded() string {
	if u, err := url.PathUnescape(c.routePath); err == nil {
		return u
	}
	return c.routePath
}

// contextVar answers $context.{name} for HTTP APIs [D: http-api-logging-
// variables, the subset that parameter mapping uses].
func (c *call) contextVar(name string) (string, bool) {
	switch name {
	case "accountId":
		return c.api.Account, true
	case "apiId":
		return c.api.APIID, true
	case "domainName":
		return c.domainName(), true
	case "domainPrefix":
		return c.domainPrefix(), true
	case "httpMethod":
		return c.r.Method, true
	case "path":
		return c.rawPathDecoded(), true
	case "protocol":
		return c.r.Proto, true
	case "requestId", "extendedRequestId":
		return c.reqID, true
	case "requestTime":
		return c.now.UTC().Format(v2core.CLFLayout), true
	case "requestTimeEpoch":
		return strconv.FormatInt(c.now.UnixMilli(), 10), true
	case "routeKey":
		if c.route == nil {
			return "", false
		}
		return c.route.key, true
	case "stage":
		if c.stage == nil {
			return "", false
		}
		return c.stage.Name, true
	case "identity.sourceIp":
		return v2core.ClientIP(c.r), true
	case "identity.userAgent":
		return c.r.UserAgent(), true
	}
	if c.authCtx != nil {
		return c.authCtx.contextVar(name)
	}
	return "", false
}

func (c *call) rawPathDecoded() string {
	if u, err := url.PathUnescape(c.rawPath); err == nil {
		return u
	}
	return c.rawPath
}
