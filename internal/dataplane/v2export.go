package dataplane

import (
	"io"
	"strings"

	"github.com/stagecraft/stagecraft/internal/quota"
	"github.com/stagecraft/stagecraft/internal/store"
)

// Exports for the HTTP API and WebSocket data planes
// (internal/dataplane/httpapi, internal/dataplane/websocket and their
// internal/dataplane/v2core), so that they format access logs, read API
// keys and usage plans, and throttle exactly as the REST plane does.

// AccessLogFormat is a compiled stage access log format
// (accessLogSettings.format): literal text and $context variables,
// compiled as REST stages' formats are ("$context.a.b" and
// "${context.a.b}").
type AccessLogFormat struct {
	f     *accessLogFormat
	names []string // per part: the variable's dotted name, "" for text
}

// CompileAccessLogFormat compiles an access log format.
func CompileAccessLogFormat(format string) *AccessLogFormat {
	f := compileAccessLog(format)
	names := make([]string, len(f.parts))
	for i, p := range f.parts {
		if p.path != nil {
			names[i] = strings.Join(p.path, ".")
		}
	}
	return &AccessLogFormat{f: f, names: names}
}

// Render substitutes every variable with lookup(name), name being the
// dotted path after "$context." ("identity.sourceIp"). A variable lookup
// does not answer, or answers "", prints "-", as in AWS's access logs and
// the REST plane's.
func (a *AccessLogFormat) Render(lookup func(name string) (string, bool)) string {
	var b strings.Builder
	for i, p := range a.f.parts {
		if p.path == nil {
			b.WriteString(p.lit)
			continue
		}
		v, ok := lookup(a.names[i])
		if !ok || v == "" {
			v = "-"
		}
		b.WriteString(v)
	}
	return b.String()
}

// AccessLogWriter writes whole access log lines to one writer (nil:
// os.Stdout), as the REST plane's Config.AccessLog.
type AccessLogWriter struct{ l *accessLogger }

// NewAccessLogWriter returns a line writer over w.
func NewAccessLogWriter(w io.Writer) *AccessLogWriter {
	return &AccessLogWriter{l: newAccessLogger(w)}
}

// WriteLine writes line and a newline in one Write.
func (a *AccessLogWriter) WriteLine(line string) { a.l.write(line) }

// Usage is the compiled form of every API key, usage plan and account
// throttle (apigw.apikeys, apigw.usageplans, apigw.usageplankeys,
// apigw.account), read as the REST plane reads them.
type Usage struct{ u *usageState }

// LoadUsage reads the tables; when their rows are what prev was built
// from, prev is returned as it is (a rebuild that changed nothing there
// costs a scan and a checksum). prev may be nil.
func LoadUsage(tx store.Tx, prev *Usage) (*Usage, error) {
	var p *usageState
	if prev != nil {
		p = prev.u
	}
	u, err := loadUsage(tx, p)
	if err != nil {
		return nil, err
	}
	if prev != nil && u == p {
		return prev, nil
	}
	return &Usage{u: u}, nil
}

// Keys is the API key index of an account and region (nil, which admits
// no key, when it has no keys).
func (u *Usage) Keys(account, region string) *quota.KeyIndex {
	if u == nil || u.u == nil {
		return nil
	}
	return u.u.keys[acctRegion{account, region}]
}

// AccountLimit is the account's throttle in the region: UpdateAccount's
// throttleSettings, else AWS's default of rate 10000 and burst 5000.
func (u *Usage) AccountLimit(account, region string) quota.Limit {
	if u != nil && u.u != nil {
		if l, ok := u.u.accounts[acctRegion{account, region}]; ok {
			return l
		}
	}
	return defaultAccountLimit
}

// Throttler is the REST plane's throttler, for the other planes to share
// (account buckets and usage plan buckets are per account and per API key
// across every API type [D: the account limit applies "across all APIs";
// plan throttles are "aggregated across all API stages within a usage
// plan"]).
func (h *Handler) Throttler() *quota.Throttler { return h.throttle }

// Counters are the REST plane's usage plan quota counters, for the other
// planes to share; the REST plane's Sync writes and reads them all.
func (h *Handler) Counters() *quota.Counters { return h.counters }
