// Package sigv4 is Stagecraft's server side of AWS Signature Version 4: it
// reads the credential scope of an incoming request (Parse, cheap enough to
// run on every request to pick the emulated service) and checks the
// signature against known secrets (Verifier.Verify), answering with the same
// error codes, HTTP statuses and messages that AWS services send.
//
// Both forms of SigV4 are handled: the Authorization header
// ("AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=...") and
// presigned URLs (X-Amz-Algorithm, X-Amz-Credential, X-Amz-Date,
// X-Amz-SignedHeaders, X-Amz-Signature and optionally X-Amz-Expires in the
// query string).
//
// The canonical request is rebuilt here from the request exactly as it was
// received (raw path and raw query, not the decoded forms), following the
// rules AWS services other than S3 use: the path is URI-encoded once more,
// query parameters are decoded, re-encoded and sorted, and the signed
// headers are lower-cased, trimmed and joined.
package sigv4

import (
	"net/http"
	"strings"
)

// Algorithm is the only signing algorithm AWS (and Stagecraft) accept.
const Algorithm = "AWS4-HMAC-SHA256"

// Terminator is the last element of every SigV4 credential scope.
const Terminator = "aws4_request"

// Credential is the parsed credential scope of a request:
// AccessKeyID/Date/Region/Service/aws4_request.
type Credential struct {
	AccessKeyID string
	Date        string // yyyymmdd as written in the scope; not validated by Parse
	Region      string
	Service     string
}

// Parse extracts the credential scope from the Authorization header, or,
// when there is none, from the X-Amz-Credential query parameter of a
// presigned URL.
//
// ok is false when the request carries no SigV4 credential at all, and also
// when the credential is not made of five slash-separated elements; Verify
// tells which AWS error such a request deserves. Parse checks nothing else:
// a request it accepts may still fail Verify.
//
// Parse does not allocate, except to unescape a presigned credential element
// that contains percent-escapes other than the "%2F" separators.
func Parse(r *http.Request) (Credential, bool) {
	if v := r.Header["Authorization"]; len(v) > 0 {
		return credentialFromAuthorization(v[0])
	}
	if r.URL == nil || r.URL.RawQuery == "" {
		return Credential{}, false
	}
	q := r.URL.RawQuery
	for q != "" {
		var k, v string
		k, v, q = nextQueryPair(q)
		if k == "X-Amz-Credential" {
			return parseEscapedScope(v)
		}
	}
	return Credential{}, false
}

// credentialFromAuthorization finds "Credential=" among the components of
// an Authorization header value and splits its scope.
func credentialFromAuthorization(h string) (Credential, bool) {
	const key = "Credential="
	for off := 0; ; {
		i := strings.Index(h[off:], key)
		if i < 0 {
			return Credential{}, false
		}
		i += off
		// Only at the start of a component, and never as the algorithm.
		if i == 0 || !isAuthSep(h[i-1]) {
			off = i + len(key)
			continue
		}
		v := h[i+len(key):]
		j := 0
		for j < len(v) && !isAuthSep(v[j]) {
			j++
		}
		return splitScope(v[:j])
	}
}

// splitScope splits keyid/date/region/service/term; a trailing slash is
// ignored as AWS does.
func splitScope(s string) (Credential, bool) {
	s = strings.TrimSuffix(s, "/")
	var parts [5]string
	for i := 0; i < 4; i++ {
		j := strings.IndexByte(s, '/')
		if j < 0 {
			return Credential{}, false
		}
		parts[i], s = s[:j], s[j+1:]
	}
	if strings.IndexByte(s, '/') >= 0 {
		return Credential{}, false
	}
	parts[4] = s
	return Credential{AccessKeyID: parts[0], Date: parts[1], Region: parts[2], Service: parts[3]}, true
}

// parseEscapedScope splits a still percent-encoded X-Amz-Credential value
// on "/" and "%2F" so that the usual case needs no allocation.
func parseEscapedScope(s string) (Credential, bool) {
	var parts [5]string
	n := 0
	start := 0
	for i := 0; i < len(s); i++ {
		sep := 0
		switch {
		case s[i] == '/':
			sep = 1
		case s[i] == '%' && i+2 < len(s) && s[i+1] == '2' && (s[i+2] == 'F' || s[i+2] == 'f'):
			sep = 3
		}
		if sep == 0 {
			continue
		}
		if n == 4 {
			if i+sep == len(s) { // trailing separator, ignored
				break
			}
			return Credential{}, false
		}
		parts[n] = s[start:i]
		n++
		start = i + sep
		i += sep - 1
	}
	if n != 4 {
		return Credential{}, false
	}
	end := len(s)
	if strings.HasSuffix(s, "/") {
		end--
	} else if len(s) >= 3 && strings.EqualFold(s[len(s)-3:], "%2F") {
		end -= 3
	}
	if start > end {
		return Credential{}, false
	}
	parts[4] = s[start:end]
	for i := 0; i < 4; i++ {
		parts[i] = queryUnescape(parts[i])
	}
	return Credential{AccessKeyID: parts[0], Date: parts[1], Region: parts[2], Service: parts[3]}, true
}

// cutAlgorithm splits an Authorization header value into the algorithm (the
// text before the first space) and the rest.
func cutAlgorithm(h string) (alg, rest string) {
	h = strings.TrimLeft(h, " \t")
	if i := strings.IndexAny(h, " \t"); i >= 0 {
		return h[:i], h[i+1:]
	}
	return h, ""
}

// nextAuthToken returns the next component of an Authorization header:
// AWS separates them with commas and/or whitespace.
func nextAuthToken(s string) (tok, rest string) {
	i := 0
	for i < len(s) && isAuthSep(s[i]) {
		i++
	}
	j := i
	for j < len(s) && !isAuthSep(s[j]) {
		j++
	}
	return s[i:j], s[j:]
}

func isAuthSep(c byte) bool { return c == ',' || c == ' ' || c == '\t' }

// nextQueryPair returns the raw (still escaped) key and value of the first
// parameter of q and the remainder. Empty parameters ("&&") are skipped.
func nextQueryPair(q string) (key, value, rest string) {
	for {
		var seg string
		if i := strings.IndexByte(q, '&'); i >= 0 {
			seg, q = q[:i], q[i+1:]
		} else {
			seg, q = q, ""
		}
		if seg == "" && q != "" {
			continue
		}
		k, v, _ := strings.Cut(seg, "=")
		return k, v, q
	}
}

// queryUnescape decodes %XX escapes and '+' (as a space) in a query
// component. Invalid escapes are kept literally. It returns s itself when
// there is nothing to decode.
func queryUnescape(s string) string {
	if strings.IndexByte(s, '%') < 0 && strings.IndexByte(s, '+') < 0 {
		return s
	}
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		c, n := decodeQueryByte(s, i)
		b = append(b, c)
		i += n - 1
	}
	return string(b)
}

// decodeQueryByte decodes the byte at s[i]: a valid %XX escape, '+' as a
// space, or the byte itself. n is how many input bytes were consumed.
func decodeQueryByte(s string, i int) (c byte, n int) {
	switch s[i] {
	case '+':
		return ' ', 1
	case '%':
		if i+2 < len(s) {
			h, ok1 := unhex(s[i+1])
			l, ok2 := unhex(s[i+2])
			if ok1 && ok2 {
				return h<<4 | l, 3
			}
		}
	}
	return s[i], 1
}

func unhex(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}
