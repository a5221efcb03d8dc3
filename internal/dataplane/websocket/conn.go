package websocket

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	ws "github.com/coder/websocket"

	"github.com/stagecraft/stagecraft/internal/dataplane/v2core"
	"github.com/stagecraft/stagecraft/internal/lambda"
	"github.com/stagecraft/stagecraft/internal/vtl"
)

// session is a connection's data-plane state: what its $connect request
// carried (headers and query string are visible to $connect and
// $disconnect), and the authorizer's output, which every later event
// carries.
type session struct {
	h          *Handler
	c          *Conn
	domain     string
	header     http.Header
	query      url.Values
	rawQuery   string
	authorizer map[string]any // requestContext.authorizer / $context.authorizer
	usageKey   string         // the authorizer's usageIdentifierKey

	paramsOnce sync.Once
	paramsV    vtl.Params
}

// event is one CONNECT, MESSAGE or DISCONNECT going through a route.
type event struct {
	s       *session
	typ     string // lambda.EventConnect, …
	reqID   string
	msgID   string
	now     time.Time
	route   *route
	vars    map[string]string
	body    []byte
	binary  bool
	discode int
	disreas string

	bodyJSON any
	parsed   bool
	ctxMap   *vtl.Map

	rk       string // the route key to report when route is nil ($connect without a route)
	apiKey   string // the API key value and id admitted by the usage plan check
	apiKeyID string
	trail    trail // for the access log (accesslog.go)
}

func (h *Handler) serveStage(w http.ResponseWriter, r *http.Request, v *v2core.View[*deployment], a *v2core.API[*deployment], stageName, host string) {
	st := a.Stages[stageName]
	if st == nil || stageName == "" {
		refuse(w, http.StatusForbidden, "Forbidden")
		return
	}
	if st.DeploymentID == "" {
		// Nothing deployed: nothing to connect to [?].
		refuse(w, http.StatusForbidden, "Forbidden")
		return
	}
	if !st.Deployed {
		h.log.Error("stage has no deployment snapshot to serve", "api", a.APIID, "stage", st.Name, "deployment", st.DeploymentID)
		refuse(w, http.StatusInternalServerError, "Internal server error")
		return
	}
	if !isUpgrade(r) {
		// A plain HTTP request to a WebSocket stage [?: AWS's exact
		// answer is undocumented]: 426 tells the client what is needed.
		w.Header().Set("Upgrade", "websocket")
		refuse(w, http.StatusUpgradeRequired, "Upgrade Required")
		return
	}
	dep := st.Deployment
	now := h.clk.Now()
	c := &Conn{id: v2core.ConnectionID(), account: a.Account, region: a.Region, apiID: a.APIID, stage: st.Name,
		sourceIP: v2core.ClientIP(r), userAgent: r.UserAgent(), connectedAt: now, owner: h, ready: make(chan struct{})}
	c.lastActive.Store(now.UnixNano())
	hdr := r.Header.Clone()
	hdr["Host"] = []string{r.Host}
	s := &session{h: h, c: c, domain: host, header: hdr, query: r.URL.Query(), rawQuery: r.URL.RawQuery}

	var subprotocols []string
	e := &event{s: s, typ: lambda.EventConnect, reqID: v2core.RequestID(), now: now, vars: st.Vars, rk: "$connect"}
	if rt := dep.routes["$connect"]; rt != nil {
		e.route = rt
		if status, msg := s.authorize(r.Context(), e, st.AuthEpoch); status != 0 {
			e.refuse(w, st, status, msg, "")
			return
		}
		// API key, throttling and quota, after the authorizer, which may
		// supply the key (usageIdentifierKey).
		if d := e.meter(v, st, dep); d != nil {
			e.refuse(w, st, d.Status, d.Message, d.GatewayType)
			return
		}
		if rt.integ != nil {
			res, err := e.runTimed(r.Context())
			if err != nil {
				h.log.Warn("$connect integration failed; refusing the connection", "api", a.APIID, "stage", st.Name, "error", err, "request_id", e.reqID)
				e.refuse(w, st, http.StatusInternalServerError, "Internal server error", "")
				return
			}
			if res.status < 200 || res.status > 299 {
				// A non-2xx $connect answer refuses the upgrade with that
				// status [D].
				for k, vs := range res.header {
					w.Header()[k] = vs
				}
				w.WriteHeader(res.status)
				w.Write(res.body)
				e.trail.status = res.status
				e.accessLog(st)
				return
			}
			if p := res.header.Get("Sec-WebSocket-Protocol"); p != "" {
				subprotocols = []string{strings.TrimSpace(strings.Split(p, ",")[0])}
			}
		}
	}
	// Registered before the handshake completes, so that a client that
	// has its 101 is already subject to Sweep, Close and @connections
	// (Send waits for the handshake to finish); during $connect the
	// connection does not exist yet [C: posting to a connection from its
	// own $connect handler answers GoneException].
	h.mu.Lock()
	if h.closed {
		h.mu.Unlock()
		refuse(w, http.StatusServiceUnavailable, "Service Unavailable")
		return
	}
	h.conns[c] = struct{}{}
	h.wg.Add(1)
	h.mu.Unlock()
	defer h.wg.Done()
	h.hub.add(c)
	ww := &watchWriter{ResponseWriter: w}
	conn, err := ws.Accept(ww, r, &ws.AcceptOptions{InsecureSkipVerify: true, Subprotocols: subprotocols})
	if err != nil {
		h.log.Warn("WebSocket handshake failed", "error", err)
		c.closing.Store(true)
		close(c.ready)
		h.hub.remove(c)
		h.mu.Lock()
		delete(h.conns, c)
		h.mu.Unlock()
		return
	}
	conn.SetReadLimit(MaxMessageSize)
	c.wsc.Store(conn)
	close(c.ready)
	e.trail.status = http.StatusOK
	e.accessLog(st)
	if c.closing.Load() {
		// Closed (Sweep, Close) while the handshake was finishing.
		go c.shutdown(conn)
	}
	s.readLoop(conn, ww.fw)
}

// readLoop reads the client's messages until the connection ends, then
// runs $disconnect.
func (s *session) readLoop(conn *ws.Conn, fw *frameWatch) {
	c, h := s.c, s.h
	ctx := context.Background()
	code, reason := ws.StatusNoStatusRcvd, ""
	for {
		typ, data, err := conn.Read(ctx)
		if err != nil {
			var ce ws.CloseError
			switch {
			case errors.As(err, &ce):
				code, reason = ce.Code, ce.Reason
			case strings.Contains(err.Error(), "read limited at"):
				code, reason = ws.StatusMessageTooBig, "Message too big"
			default:
				code = ws.StatusAbnormalClosure
			}
			break
		}
		if fw != nil && fw.oversize.Load() {
			code, reason = ws.StatusMessageTooBig, "Frame size exceeds the 32 KB quota"
			if c.markClosing(code, reason) {
				c.shutdown(conn)
			}
			break
		}
		c.lastActive.Store(h.clk.Now().UnixNano())
		s.message(typ, data)
	}
	c.closing.Store(true)
	conn.CloseNow()
	h.hub.remove(c)
	h.mu.Lock()
	delete(h.conns, c)
	h.mu.Unlock()
	if sc := c.closeCode.Load(); sc != 0 {
		code = ws.StatusCode(sc)
	}
	s.disconnect(int(code), reason)
}

// errorFrame is what API Gateway sends a client whose message found no
// route ("Forbidden") or whose integration failed ("Internal server
// error") [C: the frames AWS sends, spacing included].
func (s *session) errorFrame(msg, reqID string) {
	frame := `{"message": "` + msg + `", "connectionId":"` + s.c.id + `", "requestId":"` + reqID + `"}`
	if err := s.c.Send(context.Background(), []byte(frame)); err != nil && !errors.Is(err, ErrGone) {
		s.h.log.Debug("sending an error frame failed", "connection", s.c.id, "error", err)
	}
}

// current returns the connection's stage as deployed now: later
// deployments (and stage settings) apply to open connections.
func (s *session) current() (*v2core.View[*deployment], *v2core.Stage[*deployment], bool) {
	v := s.h.reg.Current(context.Background())
	a := v.APIIn(s.c.account, s.c.region, s.c.apiID)
	if a == nil {
		return nil, nil, false
	}
	st := a.Stages[s.c.stage]
	if st == nil || !st.Deployed {
		return nil, nil, false
	}
	return v, st, true
}

// message routes one client message [D: websocket-api-develop-routes]:
// the API's routeSelectionExpression is evaluated against the message;
// a route whose key equals the value serves it, else $default, else the
// client gets a Forbidden error frame.
func (s *session) message(typ ws.MessageType, data []byte) {
	h := s.h
	e := &event{s: s, typ: lambda.EventMessage, reqID: v2core.RequestID(), msgID: v2core.RequestID(), now: h.clk.Now(),
		body: data, binary: typ == ws.MessageBinary}
	v, st, ok := s.current()
	if !ok {
		// The stage or API went away under the connection.
		s.c.Close(ws.StatusGoingAway, "Going away")
		return
	}
	defer e.accessLog(st)
	dep := st.Deployment
	e.vars = st.Vars
	e.route = dep.selectRoute(e)
	if e.route == nil {
		// No route: the frame AWS sends is Forbidden; logged as REST's
		// answer to a request no method serves [?].
		e.frameError(http.StatusForbidden, "Forbidden", "MISSING_AUTHENTICATION_TOKEN")
		return
	}
	if d := e.meter(v, st, dep); d != nil {
		e.frameError(d.Status, d.Message, d.GatewayType)
		return
	}
	if e.route.integ == nil {
		h.log.Warn("route has no integration", "api", s.c.apiID, "route", e.route.key, "request_id", e.reqID)
		e.frameError(http.StatusInternalServerError, "Internal server error", "")
		return
	}
	res, err := e.runTimed(context.Background())
	if err != nil {
		h.log.Warn("integration failed", "api", s.c.apiID, "route", e.route.key, "error", err, "request_id", e.reqID)
		e.frameError(http.StatusInternalServerError, "Internal server error", "")
		return
	}
	e.trail.status = res.status
	if e.route.twoWay && len(res.body) > 0 {
		if err := s.c.Send(context.Background(), res.body); err != nil && !errors.Is(err, ErrGone) {
			h.log.Debug("sending the route response failed", "connection", s.c.id, "error", err)
		}
	}
}

// selectRoute evaluates the route selection expression. A message that
// is not JSON cannot be evaluated against $request.body and goes to
// $default, as does a value no route key equals; the reserved $connect
// and $disconnect routes are never selected by a message.
func (d *deployment) selectRoute(e *event) *route {
	usesBody := false
	d.rse.Vars(func(k v2core.Kind, _ string) {
		if k == v2core.KindBody {
			usesBody = true
		}
	})
	if !usesBody || e.json() != nil {
		v := d.rse.Eval(e)
		if v != "$connect" && v != "$disconnect" {
			if r := d.routes[v]; r != nil {
				return r
			}
		}
	}
	return d.routes["$default"]
}

// disconnect runs the $disconnect route, best effort [D]. The event is
// logged whether or not there is a route to run.
func (s *session) disconnect(code int, reason string) {
	_, st, ok := s.current()
	if !ok {
		return
	}
	rt := st.Deployment.routes["$disconnect"]
	e := &event{s: s, typ: lambda.EventDisconnect, reqID: v2core.RequestID(), now: s.h.clk.Now(), route: rt, vars: st.Vars,
		discode: code, disreas: reason, rk: "$disconnect"}
	e.trail.status = http.StatusOK
	defer e.accessLog(st)
	if rt == nil || rt.integ == nil {
		return
	}
	res, err := e.runTimed(context.Background())
	if err != nil {
		s.h.log.Warn("$disconnect integration failed", "api", s.c.apiID, "connection", s.c.id, "error", err, "request_id", e.reqID)
		e.trail.status, e.trail.ErrMsg = http.StatusInternalServerError, "Internal server error"
		return
	}
	e.trail.status = res.status
}

// json is the message body parsed as JSON, nil when it is not JSON.
func (e *event) json() any {
	if !e.parsed {
		e.bodyJSON, _ = v2core.ParseJSON(e.body)
		e.parsed = true
	}
	return e.bodyJSON
}

// Lookup implements v2core.Source for selection expressions.
func (e *event) Lookup(kind v2core.Kind, name string) (string, bool) {
	switch kind {
	case v2core.KindBody:
		if name == "" {
			return string(e.body), true
		}
		doc := e.json()
		if doc == nil {
			return "", false
		}
		return v2core.JSONPath(doc, name)
	case v2core.KindHeader:
		vs := e.s.header.Values(name)
		if len(vs) == 0 {
			return "", false
		}
		return strings.Join(vs, ","), true
	case v2core.KindQuery:
		vs, ok := e.s.query[name]
		if !ok {
			return "", false
		}
		return strings.Join(vs, ","), true
	case v2core.KindContext:
		var cur any = e.contextVTL()
		for _, p := range strings.Split(name, ".") {
			var ok bool
			switch m := cur.(type) {
			case *vtl.Map:
				cur, ok = m.Get(p)
			case map[string]any:
				cur, ok = m[p]
			}
			if !ok {
				return "", false
			}
		}
		return v2core.RenderJSONValue(cur), true
	case v2core.KindStageVar:
		v, ok := e.vars[name]
		return v, ok
	}
	return "", false
}

// contextVTL is $context for mapping templates and expressions
// [D: websocket-api-mapping-template-reference], built once per event.
func (e *event) contextVTL() *vtl.Map {
	if e.ctxMap != nil {
		return e.ctxMap
	}
	c := e.s.c
	m := vtl.NewMap()
	m.Put("apiId", c.apiID)
	if e.s.authorizer != nil {
		m.Put("authorizer", e.s.authorizer)
	}
	m.Put("connectedAt", c.connectedAt.UnixMilli())
	m.Put("connectionId", c.id)
	m.Put("domainName", e.s.domain)
	m.Put("eventType", e.typ)
	m.Put("extendedRequestId", e.reqID)
	id := map[string]any{"sourceIp": c.sourceIP, "userAgent": c.userAgent}
	if e.apiKey != "" {
		id["apiKey"], id["apiKeyId"] = e.apiKey, e.apiKeyID
	}
	m.Put("identity", id)
	m.Put("messageDirection", "IN")
	if e.msgID != "" {
		m.Put("messageId", e.msgID)
	}
	m.Put("requestId", e.reqID)
	m.Put("requestTime", e.now.UTC().Format(v2core.CLFLayout))
	m.Put("requestTimeEpoch", e.now.UnixMilli())
	m.Put("routeKey", e.routeKey())
	m.Put("stage", c.stage)
	e.ctxMap = m
	return m
}
