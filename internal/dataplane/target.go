package dataplane

import (
	"net"
	"net/http"
	"strings"
)

// target is where a data-plane request is addressed: which API, which
// stage, and the (still percent-encoded) path below the stage.
type target struct {
	apiID string
	stage string // "" when the URL has no stage segment
	// rest is the escaped path after the stage segment: "" or "/…".
	rest string
	// host is the Host header without its port, for the host form; ""
	// for the path forms.
	host string
	// hostRegion is the region label of an AWS-shaped host
	// ({id}.execute-api.{region}.amazonaws.com), "" otherwise.
	hostRegion string
	// full is the escaped request path as API Gateway sees it:
	// "/{stage}{rest}" on the execute-api endpoint, the path as requested
	// on a custom domain name ($context.path, requestContext.path).
	full string
	// domain is the custom domain name the request came through, "" for
	// the execute-api endpoint.
	domain string
}

const (
	awsPathPrefix  = "/_aws/execute-api/"
	userRequestSeg = "/_user_request_"
)

// parseTarget reads the API id, stage and path from whichever addressing
// form arrived (internal/server routes all three here):
//
//	/_aws/execute-api/{id}/{stage}/{path}          (LocalStack's path form)
//	/restapis/{id}/{stage}/_user_request_/{path}   (LocalStack's legacy form)
//	Host {id}.execute-api.<anything>, /{stage}/{path}  (the AWS form)
//
// The path forms take precedence, as in internal/server. ok is false when
// no API id can be read.
func parseTarget(r *http.Request) (t target, ok bool) {
	p := r.URL.EscapedPath()
	switch {
	case strings.HasPrefix(p, awsPathPrefix):
		rest := p[len(awsPathPrefix):]
		t.apiID, rest = cutSeg(rest)
		t.stage, t.rest = cutSeg(strings.TrimPrefix(rest, "/"))
	case strings.HasPrefix(p, "/restapis/"):
		rest := p[len("/restapis/"):]
		t.apiID, rest = cutSeg(rest)
		t.stage, rest = cutSeg(strings.TrimPrefix(rest, "/"))
		if !strings.HasPrefix(rest, userRequestSeg) {
			return t, false
		}
		t.rest = rest[len(userRequestSeg):]
	default:
		host := r.Host
		if strings.IndexByte(host, ':') >= 0 {
			if h, _, err := net.SplitHostPort(host); err == nil {
				host = h
			}
		}
		dot := strings.IndexByte(host, '.')
		if dot <= 0 {
			return t, false
		}
		t.host = strings.ToLower(host)
		t.apiID = t.host[:dot]
		// {id}.execute-api.{region}.amazonaws.com[.cn]
		if l1, rest, ok := strings.Cut(t.host[dot+1:], "."); ok && l1 == "execute-api" {
			if l2, _, ok := strings.Cut(rest, "."); ok && looksLikeRegion(l2) {
				t.hostRegion = l2
			}
		}
		t.stage, t.rest = cutSeg(strings.TrimPrefix(p, "/"))
	}
	if t.rest != "" && t.rest[0] != '/' {
		t.rest = "/" + t.rest
	}
	// full is "/{stage}{rest}", usually the end of the path as it came.
	if n := len(t.stage) + 1 + len(t.rest); len(p) >= n && p[len(p)-n] == '/' &&
		p[len(p)-n+1:len(p)-len(t.rest)] == t.stage && strings.HasSuffix(p, t.rest) {
		t.full = p[len(p)-n:]
	} else {
		t.full = "/" + t.stage + t.rest
	}
	return t, t.apiID != ""
}

// cutSeg splits "a/b/c" into "a" and "/b/c".
func cutSeg(s string) (seg, rest string) {
	if i := strings.IndexByte(s, '/'); i >= 0 {
		return s[:i], s[i:]
	}
	return s, ""
}

// looksLikeRegion accepts names such as us-east-1 or eu-central-2.
func looksLikeRegion(s string) bool {
	return strings.Count(s, "-") >= 2 && s[len(s)-1] >= '0' && s[len(s)-1] <= '9'
}

// splitPath turns the escaped path below the stage into segments: one
// trailing slash is ignored ("/pets/" is "/pets") and empty inner segments
// are kept, so a greedy value can contain "//" (spec §8.3).
func splitPath(rest string) []string {
	rest = strings.TrimPrefix(rest, "/")
	rest = strings.TrimSuffix(rest, "/")
	if rest == "" {
		return nil
	}
	return strings.Split(rest, "/")
}
