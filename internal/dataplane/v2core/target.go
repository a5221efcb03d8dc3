package v2core

import (
	"net"
	"net/http"
	"strings"
)

// AWSPathPrefix is the path form of execute-api URLs:
// /_aws/execute-api/{apiId}/{stage}/{path}.
const AWSPathPrefix = "/_aws/execute-api/"

// Target is where an execute-api request is addressed.
type Target struct {
	APIID string
	// Rest is the escaped path after the API id: "/{stage}/…", or the
	// route path itself for an HTTP API's $default stage. "" or "/…".
	Rest string
	// Host is the Host header, lower case, without its port.
	Host string
	// HostRegion is the region label of an AWS-shaped host
	// ({id}.execute-api.{region}.amazonaws.com), "" otherwise.
	HostRegion string
	// PathForm is true for /_aws/execute-api/{id}/… requests.
	PathForm bool
}

// HostOnly returns the request's Host without port, lower case.
func HostOnly(r *http.Request) string {
	h := r.Host
	if strings.IndexByte(h, ':') >= 0 {
		if hh, _, err := net.SplitHostPort(h); err == nil {
			h = hh
		}
	}
	return strings.ToLower(h)
}

// ParseTarget reads the API id from the two execute-api forms: the path
// form /_aws/execute-api/{id}/… (taking precedence) and the host form
// {id}.execute-api.<anything>. ok is false for neither.
func ParseTarget(r *http.Request) (t Target, ok bool) {
	p := r.URL.EscapedPath()
	t.Host = HostOnly(r)
	if strings.HasPrefix(p, AWSPathPrefix) {
		rest := p[len(AWSPathPrefix):]
		i := strings.IndexByte(rest, '/')
		if i < 0 {
			t.APIID, t.Rest = rest, ""
		} else {
			t.APIID, t.Rest = rest[:i], rest[i:]
		}
		t.PathForm = true
		return t, t.APIID != ""
	}
	labels := strings.Split(t.Host, ".")
	if len(labels) < 3 || labels[1] != "execute-api" || labels[0] == "" {
		return t, false
	}
	t.APIID = labels[0]
	if len(labels) >= 5 && LooksLikeRegion(labels[2]) {
		t.HostRegion = labels[2]
	}
	t.Rest = p
	return t, true
}

// LooksLikeRegion accepts names such as us-east-1 or eu-central-2.
func LooksLikeRegion(s string) bool {
	return strings.Count(s, "-") >= 2 && s[len(s)-1] >= '0' && s[len(s)-1] <= '9'
}

// CutSegment splits an escaped path "/a/b/c" into "a" and "/b/c".
func CutSegment(p string) (seg, rest string) {
	p = strings.TrimPrefix(p, "/")
	if i := strings.IndexByte(p, '/'); i >= 0 {
		return p[:i], p[i:]
	}
	return p, ""
}

// ClientIP is the request's source address without port.
func ClientIP(r *http.Request) string {
	if h, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		return h
	}
	return r.RemoteAddr
}
