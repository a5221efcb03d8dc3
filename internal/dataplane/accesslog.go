package dataplane

import (
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
)

// Access logs: a stage with accessLogSettings.format gets one line per
// request in that format, with $context variables substituted. AWS sends
// the lines to the CloudWatch Logs group of destinationArn; Stagecraft
// writes them to Config.AccessLog (stdout, or the --access-log-file).

// accessLogFormat is a compiled format: literal text and $context
// variable paths, alternating.
type accessLogFormat struct {
	parts []logPart
}

type logPart struct {
	lit  string
	path []string // a $context variable, split on dots; nil for literal text
}

// compileAccessLog splits a format into text and $context.a.b variables.
// A variable is "$context." followed by identifier segments
// ([A-Za-z0-9_-]) joined by dots; "${context.x}" is accepted too.
func compileAccessLog(format string) *accessLogFormat {
	f := &accessLogFormat{}
	lit := func(s string) {
		if s == "" {
			return
		}
		if n := len(f.parts); n > 0 && f.parts[n-1].path == nil {
			f.parts[n-1].lit += s
			return
		}
		f.parts = append(f.parts, logPart{lit: s})
	}
	for format != "" {
		i := strings.IndexByte(format, '$')
		if i < 0 {
			lit(format)
			break
		}
		lit(format[:i])
		format = format[i:]
		braced := strings.HasPrefix(format, "${context.")
		var rest string
		switch {
		case braced:
			rest = format[len("${context."):]
		case strings.HasPrefix(format, "$context."):
			rest = format[len("$context."):]
		default:
			lit("$")
			format = format[1:]
			continue
		}
		n := 0
		for n < len(rest) {
			j := n
			for j < len(rest) && isIdentByte(rest[j]) {
				j++
			}
			if j == n {
				break
			}
			n = j
			if n+1 < len(rest) && rest[n] == '.' && isIdentByte(rest[n+1]) {
				n++
				continue
			}
			break
		}
		if n == 0 {
			lit(format[:1])
			format = format[1:]
			continue
		}
		name := rest[:n]
		rest = rest[n:]
		if braced {
			if !strings.HasPrefix(rest, "}") {
				lit(format[:1])
				format = format[1:]
				continue
			}
			rest = rest[1:]
		}
		f.parts = append(f.parts, logPart{path: strings.Split(name, ".")})
		format = rest
	}
	return f
}

func isIdentByte(b byte) bool {
	return b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9' || b == '_' || b == '-'
}

// render substitutes the variables from ctx. Variables without a value
// print "-", as in AWS's access logs.
func (f *accessLogFormat) render(ctx map[string]any) string {
	var b strings.Builder
	for _, p := range f.parts {
		if p.path == nil {
			b.WriteString(p.lit)
			continue
		}
		v, ok := contextValue(ctx, p.path)
		if !ok || v == "" {
			v = "-"
		}
		b.WriteString(v)
	}
	return b.String()
}

// accessLogger writes whole lines to one writer.
type accessLogger struct {
	mu sync.Mutex
	w  io.Writer
}

func newAccessLogger(w io.Writer) *accessLogger {
	if w == nil {
		w = os.Stdout
	}
	return &accessLogger{w: w}
}

func (l *accessLogger) write(line string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	io.WriteString(l.w, line+"\n")
}

// recorder captures the status and size of the response for the access
// log.
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

// finish writes the access log line of a request that reached a stage
// with access logging.
func (c *call) finish() {
	if c.se == nil || c.se.accessLog == nil {
		return
	}
	ctx := c.contextMap()
	ctx["status"] = strconv.Itoa(c.rec.status)
	ctx["responseLength"] = strconv.Itoa(c.rec.n)
	lat := c.h.clk.Now().Sub(c.now).Milliseconds()
	ctx["responseLatency"] = strconv.FormatInt(lat, 10)
	integ := map[string]any{"status": c.integStatus, "integrationStatus": c.integStatus}
	if !c.integStart.IsZero() {
		integ["latency"] = strconv.FormatInt(c.integLatency, 10)
		ctx["integrationLatency"] = integ["latency"]
	}
	ctx["integration"] = integ
	ctx["integrationStatus"] = c.integStatus
	if c.errInfo != nil {
		ctx["error"] = map[string]any{
			"message":               c.errInfo.message,
			"messageString":         messageString(c.errInfo.message),
			"responseType":          c.errInfo.typ,
			"validationErrorString": c.errInfo.validation,
		}
	}
	if c.m != nil && c.m.authType != "NONE" {
		st := c.authStatus
		if st == 0 && c.authOK {
			st = 200
		}
		if st != 0 {
			ctx["authorize"] = map[string]any{"status": strconv.Itoa(st)}
			if a, ok := ctx["authorizer"].(map[string]any); ok {
				a["status"] = strconv.Itoa(st)
			} else {
				ctx["authorizer"] = map[string]any{"status": strconv.Itoa(st)}
			}
		}
	}
	ctx["xrayTraceId"] = c.trace
	c.h.alog.write(c.se.accessLog.render(ctx))
}
