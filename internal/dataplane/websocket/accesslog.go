package websocket

import (
	"context"
	"net/http"
	"strconv"

	"github.com/stagecraft/stagecraft/internal/dataplane/v2core"
)

// Access logs [D: websocket-api-logging]: a stage with
// accessLogSettings.format gets one line per event — CONNECT (accepted or
// refused), MESSAGE and DISCONNECT — in that format, with the WebSocket
// $context variables substituted ($context.connectionId, eventType,
// routeKey, messageId, status, integration*, error.*, authorizer.*, …).
// AWS sends the lines to the CloudWatch Logs group of destinationArn;
// Stagecraft writes them where the REST plane writes its own
// (Config.AccessLog: stdout or --access-log-file), formatted by the REST
// plane's compiler (through dataplane/v2export.go); a variable without a
// value prints "-".
//
// $context.status [?: AWS documents only "the response status"]: 200 for
// an accepted connection, a handled message or a disconnect; the refusal
// status of a refused handshake; for a message, the integration's status,
// or the status of the error frame the client got (403 no route or no
// valid API key, 429 throttled or over quota, 500 integration failure).

// trail is what an event went through: its status and the trail both
// planes log.
type trail struct {
	status int
	v2core.Trail
}

// refuse refuses the $connect handshake and logs the event.
func (e *event) refuse(w http.ResponseWriter, st *v2core.Stage[*deployment], status int, msg, responseType string) {
	e.trail.status, e.trail.ErrMsg = status, msg
	if responseType != "" {
		e.trail.ErrType = responseType
	}
	refuse(w, status, msg)
	e.accessLog(st)
}

// frameError sends the client an error frame for a message.
func (e *event) frameError(status int, msg, responseType string) {
	e.trail.status, e.trail.ErrMsg, e.trail.ErrType = status, msg, responseType
	e.s.errorFrame(msg, e.reqID)
}

// runTimed runs the route's integration, noting its status, latency (on
// the injected clock) and error.
func (e *event) runTimed(ctx context.Context) (*result, error) {
	clk := e.s.h.clk
	start := clk.Now()
	res, err := e.run(ctx)
	t := &e.trail
	t.IntegRan, t.IntegLatency = true, clk.Now().Sub(start).Milliseconds()
	if err != nil {
		t.IntegErr = v2core.ErrorMessage(err)
		return nil, err
	}
	t.IntegRespSt = strconv.Itoa(res.status)
	t.IntegStatus = t.IntegRespSt
	if typ := e.route.integ.typ; typ == "AWS_PROXY" || typ == "AWS" {
		t.IntegStatus = "200" // Lambda's own answer to the invocation
	}
	return res, nil
}

func (e *event) routeKey() string {
	if e.route != nil {
		return e.route.key
	}
	return e.rk
}

// accessLog writes the event's line when the stage logs access.
func (e *event) accessLog(st *v2core.Stage[*deployment]) {
	if st == nil || st.AccessLog == nil {
		return
	}
	e.s.h.alog.WriteLine(st.AccessLog.Render(e.logVar))
}

// logVar answers the access log variables: the event's $context and what
// it went through.
func (e *event) logVar(name string) (string, bool) {
	t := &e.trail
	switch name {
	case "status":
		st := t.status
		if st == 0 {
			st = http.StatusOK
		}
		return strconv.Itoa(st), true
	case "authorize.error":
		return t.AuthErr, t.AuthErr != ""
	case "responseLatency":
		return strconv.FormatInt(e.s.h.clk.Now().Sub(e.now).Milliseconds(), 10), true
	}
	if v, ok, handled := t.Var(name, e.responseType); handled {
		return v, ok
	}
	return e.Lookup(v2core.KindContext, name)
}

// responseType names an error answer the way REST gateway responses do
// [?: the types AWS logs for WebSocket APIs are not documented].
func (e *event) responseType() string {
	switch st := e.trail.status; {
	case st == http.StatusUnauthorized:
		return "UNAUTHORIZED"
	case st == http.StatusForbidden:
		return "ACCESS_DENIED"
	case st == http.StatusBadRequest:
		return "BAD_REQUEST_PARAMETERS"
	case st >= 500 && e.trail.IntegRan:
		return "INTEGRATION_FAILURE"
	case st >= 500:
		return "DEFAULT_5XX"
	default:
		return "DEFAULT_4XX"
	}
}
