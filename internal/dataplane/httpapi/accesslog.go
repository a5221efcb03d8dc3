package httpapi

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/stagecraft/stagecraft/internal/dataplane"
)

// Access logs [D: http-api-logging, http-api-logging-variables]: a stage
// with accessLogSettings.format gets one line per request that reached
// it, in that format, with the $context variables substituted. AWS sends
// the lines to the CloudWatch Logs group of destinationArn; Stagecraft
// writes them where the REST plane writes its own (Config.AccessLog:
// stdout or --access-log-file). The format is compiled as the REST
// plane's (internal/dataplane accesslog.go, through v2export.go), and a
// variable without a value prints "-".
//
// Requests that reach no stage (an unknown API or stage) are not logged:
// there are no settings to log them with.

// recorder captures the status and size of the response.
type recorder struct {
	http.ResponseWriter
	status int
	n      int
}

func (r *recorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	n, err := r.ResponseWriter.Write(b)
	r.n += n
	return n, err
}

// Unwrap lets http.ResponseController reach the connection.
func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

func (c *call) accessLog(f *dataplane.AccessLogFormat) {
	c.h.alog.WriteLine(f.Render(c.logVar))
}

// logVar answers the access log variables: those of parameter mapping
// (contextVar) and the ones known once the response is sent.
func (c *call) logVar(name string) (string, bool) {
	switch name {
	case "status":
		st := c.rec.status
		if st == 0 {
			st = http.StatusOK
		}
		return strconv.Itoa(st), true
	case "responseLength":
		return strconv.Itoa(c.rec.n), true
	case "responseLatency":
		return strconv.FormatInt(c.h.clk.Now().Sub(c.now).Milliseconds(), 10), true
	case "dataProcessed":
		// Bytes of the request body and the response body [?: AWS says
		// only "the amount of data processed in bytes"].
		return strconv.Itoa(len(c.body) + c.rec.n), true
	}
	if v, ok, handled := c.trail.Var(name, c.responseType); handled {
		return v, ok
	}
	if strings.HasPrefix(name, "identity.") {
		switch name {
		case "identity.sourceIp", "identity.userAgent":
		default:
			return "", false // IAM and Cognito identities are not known here
		}
	}
	return c.contextVar(name)
}

// responseType names an error answer the way REST gateway responses do
// (HTTP APIs have no gateway responses, but their access logs carry
// $context.error.responseType) [?: the types AWS logs for HTTP APIs are
// not documented; these are the REST types of the same answers].
func (c *call) responseType() string {
	switch st := c.rec.status; {
	case st == http.StatusUnauthorized:
		return "UNAUTHORIZED"
	case st == http.StatusForbidden:
		return "ACCESS_DENIED"
	case st == http.StatusNotFound:
		return "RESOURCE_NOT_FOUND"
	case st == http.StatusRequestEntityTooLarge:
		return "REQUEST_TOO_LARGE"
	case st == http.StatusServiceUnavailable && c.trail.IntegRan:
		return "INTEGRATION_TIMEOUT"
	case st >= 500 && c.trail.IntegRan:
		return "INTEGRATION_FAILURE"
	case st >= 500:
		return "DEFAULT_5XX"
	default:
		return "DEFAULT_4XX"
	}
}
