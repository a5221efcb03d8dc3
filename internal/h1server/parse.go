package h1server

import (
	"bytes"
	"github.com/stagecraft/stagecraft/internal/httptoken"
	"net/http"
	"net/url"
	"strings"
)

// What the parser decides about a request head.
type verdict uint8

const (
	parseOK      verdict = iota // served on the lean path
	parseHandoff                // given, bytes and all, to the fallback *http.Server
	parseBad                    // answered 400 and closed, the way net/http answers
)

// head is a parsed request line and header section.
type head struct {
	method     string
	target     string // request-target as sent (Request.RequestURI)
	url        *url.URL
	minor      int // HTTP/1.minor
	header     http.Header
	host       string
	clen       int64 // -1: no Content-Length header
	close      bool  // Request.Close (shouldClose)
	keepAlive  bool  // HTTP/1.0 with Connection: keep-alive
	wantsClose bool  // Connection: close token
	badMsg     string
}

// scanHead looks for the end of a request head (request line and header
// fields, CRLF line endings) in b, checking the line feeds from index from
// on. It returns the length of the head including the empty line, 0 when
// more bytes are needed, or -1 when the bytes are not what the lean path
// parses (a bare LF line ending, or an empty line before the request line,
// both of which net/http tolerates): the caller hands the connection off.
func scanHead(b []byte, from int) int {
	for i := from; i < len(b); {
		j := bytes.IndexByte(b[i:], '\n')
		if j < 0 {
			return 0
		}
		i += j
		if i == 0 || b[i-1] != '\r' || i == 1 {
			return -1
		}
		if i >= 3 && b[i-2] == '\n' && b[i-3] == '\r' {
			return i + 1
		}
		i++
	}
	return 0
}

// parseHead parses a complete request head as found by scanHead (it ends
// with CRLF CRLF). Strings in h are copied out of b, which may be reused
// afterwards. The rules are net/http's (request line, textproto header
// fields, Host, Content-Length, Connection); whatever the lean path does
// not serve itself, or is not sure about, is a parseHandoff, so that
// net/http answers it exactly as it would have.
func parseHead(b []byte, h *head) verdict {
	*h = head{clen: -1}
	if len(b) < 4 || !bytes.HasSuffix(b, crlfcrlf) {
		return parseHandoff
	}
	eol := bytes.IndexByte(b, '\n')
	if eol < 1 || b[eol-1] != '\r' {
		return parseHandoff
	}
	line := b[:eol-1]
	// Request line: method SP request-target SP HTTP-version.
	sp1 := bytes.IndexByte(line, ' ')
	if sp1 <= 0 {
		return parseHandoff
	}
	rest := line[sp1+1:]
	sp2 := bytes.IndexByte(rest, ' ')
	if sp2 <= 0 {
		return parseHandoff
	}
	method, target, proto := line[:sp1], rest[:sp2], rest[sp2+1:]
	switch string(proto) {
	case "HTTP/1.1":
		h.minor = 1
	case "HTTP/1.0":
		h.minor = 0
	default:
		return parseHandoff // HTTP/2 preface, HTTP/0.9, 1.2, garbage: net/http decides
	}
	if !httptoken.Is(method) || target[0] != '/' {
		return parseHandoff // CONNECT authority, OPTIONS *, absolute-form, odd methods
	}
	switch string(method) {
	case "CONNECT", "PRI":
		return parseHandoff
	}
	// One string for the request line and header values; the fields are
	// substrings of it.
	s := string(b[:len(b)-4])
	h.method = internMethod(method, s[:sp1])
	h.target = s[sp1+1 : sp1+1+sp2]
	u, v := parseTarget(h.target)
	if v != parseOK {
		return v
	}
	h.url = u

	// Header fields.
	nlines := bytes.Count(b[eol+1:], crlf) - 1
	if nlines > 0 {
		h.header = make(http.Header, nlines)
	} else {
		h.header = make(http.Header)
	}
	strs := make([]string, nlines) // one backing array, like textproto
	var kbuf [64]byte
	var hosts int
	var connection []string
	badName := false
	pos := eol + 1
	for n := 0; pos < len(b)-2; n++ {
		end := pos + bytes.IndexByte(b[pos:], '\n')
		if end-1 <= pos || b[end-1] != '\r' {
			return parseHandoff // empty line inside, or bare LF (fuzzed input)
		}
		l := b[pos : end-1]
		off := pos
		pos = end + 1
		if l[0] == ' ' || l[0] == '\t' {
			return h.bad("") // obs-fold or whitespace before the first field
		}
		colon := bytes.IndexByte(l, ':')
		if colon <= 0 {
			return h.bad("")
		}
		key, ok := canonicalKey(l[:colon], kbuf[:0], s[off:off+colon])
		if !ok {
			if bytes.IndexByte(l[:colon], ' ') < 0 || bytes.ContainsFunc(l[:colon], func(r rune) bool { return r != ' ' && (r >= 0x80 || !httptoken.Table[r]) }) {
				return h.bad("") // textproto: "malformed MIME header line"
			}
			// textproto accepts spaces in a name; the server then
			// rejects it after its other checks.
			badName = true
			key = s[off : off+colon]
		}
		vs, ve := colon+1, len(l)
		for vs < ve && (l[vs] == ' ' || l[vs] == '\t') {
			vs++
		}
		for ve > vs && (l[ve-1] == ' ' || l[ve-1] == '\t') {
			ve--
		}
		for _, c := range l[vs:ve] {
			if c < ' ' && c != '\t' || c == 0x7f {
				return h.bad("") // textproto: "malformed MIME header line"
			}
		}
		val := s[off+vs : off+ve]
		switch key {
		case "Host":
			hosts++
			if !validHost(val) {
				return parseHandoff // net/http's ValidHostHeader is wider than ours
			}
		case "Transfer-Encoding", "Expect", "Upgrade", "Http2-Settings", "Trailer", "Te":
			return parseHandoff
		case "Connection":
			connection = append(connection, val)
		}
		if vv, ok := h.header[key]; ok {
			h.header[key] = append(vv, val)
		} else if n < len(strs) {
			strs[n] = val
			h.header[key] = strs[n : n+1 : n+1]
		} else {
			h.header[key] = []string{val}
		}
	}
	if hosts > 1 {
		return h.bad("") // "too many Host headers"
	}
	if cls, ok := h.header["Content-Length"]; ok {
		first := cls[0]
		for _, c := range cls[1:] {
			if c != first {
				return h.bad("") // "cannot contain multiple Content-Length headers"
			}
		}
		if len(cls) > 1 {
			h.header["Content-Length"] = cls[:1]
		}
		if first == "" || len(first) > 18 {
			if first == "" {
				return h.bad("") // "invalid empty Content-Length"
			}
			return parseHandoff
		}
		var n int64
		for i := 0; i < len(first); i++ {
			c := first[i]
			if c < '0' || c > '9' {
				return h.bad("") // "bad Content-Length"
			}
			n = n*10 + int64(c-'0')
		}
		h.clen = n
	}
	if hosts == 1 {
		h.host = h.header["Host"][0]
		delete(h.header, "Host")
	} else if h.minor == 1 {
		return h.bad("missing required Host header")
	}
	if badName {
		return h.bad("invalid header name")
	}
	if hp, ok := h.header["Pragma"]; ok && len(hp) > 0 && hp[0] == "no-cache" {
		if _, ok := h.header["Cache-Control"]; !ok {
			h.header["Cache-Control"] = []string{"no-cache"}
		}
	}
	h.wantsClose = hasToken(connection, "close")
	if h.minor == 0 {
		h.keepAlive = hasToken(connection, "keep-alive")
		h.close = h.wantsClose || !h.keepAlive
	} else {
		h.close = h.wantsClose
	}
	return parseOK
}

func (h *head) bad(msg string) verdict {
	h.badMsg = msg
	return parseBad
}

var (
	crlf     = []byte("\r\n")
	crlfcrlf = []byte("\r\n\r\n")
)

// parseTarget parses an origin-form request-target. Paths made only of
// characters that url.ParseRequestURI keeps as they are take a short cut
// with the same result; anything else goes through url.ParseRequestURI, as
// in net/http.
func parseTarget(t string) (*url.URL, verdict) {
	path, query, hasQuery := strings.Cut(t, "?")
	simple := true
	for i := 0; i < len(path); i++ {
		if !plainPath[path[i]] {
			simple = false
			break
		}
	}
	if simple {
		for i := 0; i < len(query); i++ {
			if c := query[i]; c <= ' ' || c >= 0x7f || c == '#' {
				simple = false
				break
			}
		}
	}
	if simple {
		u := &url.URL{Path: path}
		if hasQuery {
			if query == "" {
				u.ForceQuery = true
			} else {
				u.RawQuery = query
			}
		}
		return u, parseOK
	}
	for i := 0; i < len(t); i++ {
		if t[i] >= 0x80 {
			return nil, parseHandoff
		}
	}
	u, err := url.ParseRequestURI(t)
	if err != nil {
		return nil, parseBad
	}
	return u, parseOK
}

// plainPath: bytes url.PathEscape-style encoding leaves alone in a path
// (shouldEscape(c, encodePath) is false), so Path == EscapedPath and RawPath
// stays empty.
var plainPath = func() (t [256]bool) {
	for c := 'a'; c <= 'z'; c++ {
		t[c] = true
	}
	for c := 'A'; c <= 'Z'; c++ {
		t[c] = true
	}
	for c := '0'; c <= '9'; c++ {
		t[c] = true
	}
	for _, c := range "-_.~$&+,/:;=@" {
		t[c] = true
	}
	return
}()

// validHost accepts the usual host[:port] and [v6]:port spellings; anything
// else is left to net/http.
func validHost(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '-' || c == ':' || c == '[' || c == ']' || c == '_') {
			return false
		}
	}
	return true
}

// canonicalKey is textproto.CanonicalMIMEHeaderKey for a header name that
// must be a token (ok is false otherwise). Common names come from a table
// and cost no allocation; a name already in canonical form is the
// substring raw of the request's string.
func canonicalKey(k, buf []byte, raw string) (string, bool) {
	upper := true
	canonical := true
	for _, c := range k {
		if !httptoken.Byte(c) {
			return "", false
		}
		if upper && 'a' <= c && c <= 'z' {
			c -= 'a' - 'A'
			canonical = false
		} else if !upper && 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
			canonical = false
		}
		buf = append(buf, c)
		upper = c == '-'
	}
	if s, ok := commonHeader[string(buf)]; ok {
		return s, true
	}
	if canonical {
		return raw, true
	}
	return string(buf), true
}

var commonHeader = func() map[string]string {
	m := map[string]string{}
	for _, v := range []string{
		"Accept", "Accept-Charset", "Accept-Encoding", "Accept-Language", "Accept-Ranges",
		"Authorization", "Cache-Control", "Cc", "Connection", "Content-Id", "Content-Language",
		"Content-Length", "Content-Transfer-Encoding", "Content-Type", "Cookie", "Date",
		"Dkim-Signature", "Etag", "Expires", "From", "Host", "If-Modified-Since", "If-None-Match",
		"In-Reply-To", "Last-Modified", "Location", "Message-Id", "Mime-Version", "Origin",
		"Pragma", "Received", "Referer", "Return-Path", "Server", "Set-Cookie", "Subject", "To",
		"User-Agent", "Via", "X-Forwarded-For", "X-Imforwards", "X-Powered-By", "Content-Encoding",
		"X-Amz-Date", "X-Amz-Security-Token", "X-Amz-Target", "X-Amz-Content-Sha256", "X-Api-Key",
		"Amz-Sdk-Invocation-Id", "Amz-Sdk-Request", "X-Amz-User-Agent", "X-Forwarded-Proto",
		"X-Forwarded-Port", "X-Amzn-Trace-Id", "Transfer-Encoding", "Expect", "Upgrade", "Keep-Alive",
	} {
		m[v] = v
	}
	return m
}()

func internMethod(b []byte, s string) string {
	switch string(b) {
	case "GET":
		return "GET"
	case "POST":
		return "POST"
	case "PUT":
		return "PUT"
	case "DELETE":
		return "DELETE"
	case "HEAD":
		return "HEAD"
	case "PATCH":
		return "PATCH"
	case "OPTIONS":
		return "OPTIONS"
	}
	return s
}

// hasToken reports whether any comma-separated element of vs equals tok,
// case-insensitively (httpguts.HeaderValuesContainsToken).
func hasToken(vs []string, tok string) bool {
	for _, v := range vs {
		for v != "" {
			var e string
			e, v, _ = strings.Cut(v, ",")
			if strings.EqualFold(strings.Trim(e, " \t"), tok) {
				return true
			}
		}
	}
	return false
}
