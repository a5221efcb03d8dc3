package sigv4

import (
	"bytes"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// noEscape marks the bytes SigV4 leaves unencoded: the RFC 3986 unreserved
// set A-Z a-z 0-9 - _ . ~ and nothing else.
var noEscape = func() (t [256]bool) {
	for c := 0; c < 256; c++ {
		t[c] = 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' ||
			c == '-' || c == '_' || c == '.' || c == '~'
	}
	return t
}()

const upperHex = "0123456789ABCDEF"

func appendEscapedByte(dst []byte, c byte) []byte {
	if noEscape[c] {
		return append(dst, c)
	}
	return append(dst, '%', upperHex[c>>4], upperHex[c&15])
}

// rawPath returns the path of r exactly as the client sent it, still
// percent-encoded. A server request has it in RequestURI; a request built
// in-process (tests, proxies) has it in URL.
func rawPath(r *http.Request) string {
	if u := r.RequestURI; u != "" && u[0] == '/' {
		if i := strings.IndexByte(u, '?'); i >= 0 {
			u = u[:i]
		}
		return u
	}
	if r.URL == nil {
		return "/"
	}
	if o := r.URL.Opaque; o != "" { // "//host/path", as the SDK signer reads it
		if i := strings.IndexByte(o, '?'); i >= 0 {
			o = o[:i]
		}
		o = strings.TrimPrefix(o, "//")
		if i := strings.IndexByte(o, '/'); i >= 0 {
			return o[i:]
		}
		return "/"
	}
	return r.URL.EscapedPath()
}

// appendCanonicalURI appends the canonical URI of an already-escaped path:
// every byte outside the unreserved set except '/' is encoded (again), so
// "%3A" becomes "%253A". This is the double encoding every AWS service but
// S3 expects.
func appendCanonicalURI(dst []byte, path string) []byte {
	if path == "" {
		return append(dst, '/')
	}
	for i := 0; i < len(path); i++ {
		if c := path[i]; c == '/' {
			dst = append(dst, c)
		} else {
			dst = appendEscapedByte(dst, c)
		}
	}
	return dst
}

// needsNormalizing reports whether path has empty, "." or ".." segments,
// which botocore removes before signing while other SDKs keep them.
func needsNormalizing(path string) bool {
	return strings.Contains(path, "//") || strings.Contains(path, "/./") || strings.Contains(path, "/../") ||
		strings.HasSuffix(path, "/.") || strings.HasSuffix(path, "/..")
}

// normalizePath removes empty, "." and ".." segments the way botocore's
// remove_dot_segments does (RFC 3986 5.2.4 plus collapsing "//").
func normalizePath(path string) string {
	if path == "" {
		return "/"
	}
	var out []string
	for _, seg := range strings.Split(path, "/") {
		switch seg {
		case "", ".":
		case "..":
			if len(out) > 0 {
				out = out[:len(out)-1]
			}
		default:
			out = append(out, seg)
		}
	}
	s := strings.Join(out, "/")
	if path[0] == '/' {
		s = "/" + s
	}
	if path[len(path)-1] == '/' && len(out) > 0 {
		s += "/"
	}
	return s
}

// span is a [start,end) range of scratch.qbuf.
type span struct{ start, end int }

// qparam is one canonical query parameter: its key and value, both already
// URI-encoded, as ranges of scratch.qbuf.
type qparam struct{ k, v span }

// appendRecoded decodes a raw query component (%XX escapes and '+' as a
// space, the way url.ParseQuery reads them) and appends it re-encoded the
// SigV4 way (space as %20, unreserved bytes kept, everything else %XX).
func appendRecoded(dst []byte, raw string) []byte {
	for i := 0; i < len(raw); i++ {
		c, n := decodeQueryByte(raw, i)
		dst = appendEscapedByte(dst, c)
		i += n - 1
	}
	return dst
}

// appendCanonicalQuery appends the canonical query string of rawQuery:
// every parameter decoded and re-encoded, sorted by encoded key and then
// encoded value (AWS sorts after encoding), joined by '&'. With presigned
// set, X-Amz-Signature is left out.
func (s *scratch) appendCanonicalQuery(dst []byte, rawQuery string, presigned bool) []byte {
	s.qbuf = s.qbuf[:0]
	s.params = s.params[:0]
	for q := rawQuery; q != ""; {
		var seg string
		seg, q, _ = strings.Cut(q, "&")
		if seg == "" {
			continue // "a=1&&b=2": url.ParseQuery skips empty parameters too
		}
		k, v, _ := strings.Cut(seg, "=")
		var p qparam
		p.k.start = len(s.qbuf)
		s.qbuf = appendRecoded(s.qbuf, k)
		p.k.end = len(s.qbuf)
		if presigned && string(s.qbuf[p.k.start:p.k.end]) == "X-Amz-Signature" {
			s.qbuf = s.qbuf[:p.k.start]
			continue
		}
		p.v.start = len(s.qbuf)
		s.qbuf = appendRecoded(s.qbuf, v)
		p.v.end = len(s.qbuf)
		s.params = append(s.params, p)
	}
	buf := s.qbuf
	slices.SortFunc(s.params, func(a, b qparam) int {
		if c := bytes.Compare(buf[a.k.start:a.k.end], buf[b.k.start:b.k.end]); c != 0 {
			return c
		}
		return bytes.Compare(buf[a.v.start:a.v.end], buf[b.v.start:b.v.end])
	})
	for i, p := range s.params {
		if i > 0 {
			dst = append(dst, '&')
		}
		dst = append(dst, buf[p.k.start:p.k.end]...)
		dst = append(dst, '=')
		dst = append(dst, buf[p.v.start:p.v.end]...)
	}
	return dst
}

// signedHeaderNames returns the SignedHeaders list as the canonical request
// needs it: lower-case, sorted, without duplicates or empty names. The
// list clients send is already in that form and is then returned as is.
func signedHeaderNames(list string) (canonical string, names []string, rebuilt bool) {
	prev := ""
	ok := true
	for rest := list; rest != "" && ok; {
		name, r, _ := strings.Cut(rest, ";")
		rest = r
		if name == "" || name <= prev || hasUpper(name) {
			ok = false
		}
		prev = name
	}
	if ok && !strings.HasSuffix(list, ";") {
		return list, nil, false
	}
	for _, n := range strings.Split(list, ";") {
		if n = strings.ToLower(strings.TrimSpace(n)); n != "" {
			names = append(names, n)
		}
	}
	slices.Sort(names)
	names = slices.Compact(names)
	return strings.Join(names, ";"), names, true
}

func hasUpper(s string) bool {
	for i := 0; i < len(s); i++ {
		if 'A' <= s[i] && s[i] <= 'Z' {
			return true
		}
	}
	return false
}

// appendCanonicalHeaders appends "name:value\n" for every signed header.
func appendCanonicalHeaders(dst []byte, r *http.Request, signedList string, names []string) []byte {
	if names != nil {
		for _, n := range names {
			dst = appendCanonicalHeader(dst, r, n)
		}
		return dst
	}
	for rest := signedList; rest != ""; {
		n, r2, _ := strings.Cut(rest, ";")
		rest = r2
		dst = appendCanonicalHeader(dst, r, n)
	}
	return dst
}

func appendCanonicalHeader(dst []byte, r *http.Request, name string) []byte {
	dst = append(dst, name...)
	dst = append(dst, ':')
	switch name {
	case "host":
		host := r.Host
		if host == "" && r.URL != nil {
			host = r.URL.Host
		}
		dst = appendTrimmed(dst, host)
		return append(dst, '\n')
	case "transfer-encoding": // net/http moves it out of Header
		if len(r.TransferEncoding) > 0 {
			dst = appendValues(dst, r.TransferEncoding)
			return append(dst, '\n')
		}
	}
	vals := headerValues(r.Header, name)
	if vals == nil && name == "content-length" && r.ContentLength > 0 {
		dst = strconv.AppendInt(dst, r.ContentLength, 10)
		return append(dst, '\n')
	}
	dst = appendValues(dst, vals)
	return append(dst, '\n')
}

// headerValues finds the values of a lower-case header name without
// allocating: first under its canonical MIME key, as net/http stores
// received headers, then by a case-insensitive scan for keys set by hand.
func headerValues(h http.Header, name string) []string {
	var kb [96]byte
	if len(name) <= len(kb) {
		k := kb[:len(name)]
		upper := true
		for i := 0; i < len(name); i++ {
			c := name[i]
			if upper && 'a' <= c && c <= 'z' {
				c -= 'a' - 'A'
			}
			k[i] = c
			upper = c == '-'
		}
		if v, ok := h[string(k)]; ok {
			return v
		}
	}
	for k, v := range h {
		if strings.EqualFold(k, name) {
			return v
		}
	}
	return nil
}

// appendValues joins the trimmed values with commas.
func appendValues(dst []byte, vals []string) []byte {
	for i, v := range vals {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendTrimmed(dst, v)
	}
	return dst
}

// appendTrimmed appends v without leading or trailing whitespace and with
// every run of spaces collapsed into one (SigV4's Trimall).
func appendTrimmed(dst []byte, v string) []byte {
	v = strings.Trim(v, " \t")
	space := false
	for i := 0; i < len(v); i++ {
		c := v[i]
		if c == ' ' {
			if space {
				continue
			}
			space = true
		} else {
			space = false
		}
		dst = append(dst, c)
	}
	return dst
}
