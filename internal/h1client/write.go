package h1client

import (
	"fmt"
	"github.com/stagecraft/stagecraft/internal/httptoken"
	"io"
	"net/http"
	"strconv"
	"strings"
)

const defaultUserAgent = "Go-http-client/1.1" // what net/http sends

// writeRequest writes req's head and body (body, already without
// http.NoBody) to c and flushes. It closes body. closeConn reports that
// the request asked for the connection to be closed.
func writeRequest(c *conn, req *http.Request, body io.ReadCloser) (closeConn bool, err error) {
	if body != nil {
		defer body.Close()
	}
	w := c.bw
	method := req.Method
	if method == "" {
		method = "GET"
	}
	u := req.URL
	w.WriteString(method)
	w.WriteByte(' ')
	if u.Opaque != "" || u.ForceQuery {
		w.WriteString(u.RequestURI())
	} else {
		p := u.EscapedPath()
		if p == "" {
			p = "/"
		}
		w.WriteString(p)
		if u.RawQuery != "" {
			w.WriteByte('?')
			w.WriteString(u.RawQuery)
		}
	}
	w.WriteString(" HTTP/1.1\r\nHost: ")
	host := req.Host
	if host == "" {
		host = u.Host
	}
	w.WriteString(cleanHost(host))
	w.WriteString("\r\n")

	// Body framing, as net/http decides it.
	var length int64
	if body != nil {
		length = req.ContentLength
		if length == 0 {
			length = -1 // a body of unknown length
		}
	}
	chunked := length < 0
	if chunked {
		w.WriteString("Transfer-Encoding: chunked\r\n")
	} else if length > 0 || (method != "GET" && method != "HEAD") {
		w.WriteString("Content-Length: ")
		var nb [20]byte
		w.Write(strconv.AppendInt(nb[:0], length, 10))
		w.WriteString("\r\n")
	}
	if req.Close {
		w.WriteString("Connection: close\r\n")
		closeConn = true
	}
	if _, ok := req.Header["User-Agent"]; !ok {
		w.WriteString("User-Agent: " + defaultUserAgent + "\r\n")
	}
	for k, vs := range req.Header {
		switch k {
		case "Host", "Content-Length", "Transfer-Encoding", "Trailer":
			continue
		case "Connection":
			if req.Close {
				continue
			}
			for _, v := range vs {
				if hasToken(v, "close") {
					closeConn = true
				}
			}
		}
		for _, v := range vs {
			if k == "User-Agent" && v == "" {
				continue
			}
			w.WriteString(k)
			w.WriteString(": ")
			w.WriteString(strings.TrimSpace(v))
			w.WriteString("\r\n")
		}
	}
	w.WriteString("\r\n")

	if body != nil {
		if chunked {
			err = writeChunked(w, body)
		} else {
			var n int64
			n, err = io.CopyN(w, body, length)
			if err == io.EOF {
				err = fmt.Errorf("http: ContentLength=%d with Body length %d", length, n)
			}
		}
		if err != nil {
			if c.werr != nil {
				return closeConn, c.werr // the connection failed, not the body
			}
			return closeConn, err
		}
	}
	return closeConn, w.Flush()
}

func writeChunked(w interface {
	io.Writer
	io.StringWriter
}, body io.Reader) error {
	var buf [bufSize]byte
	for {
		n, err := body.Read(buf[:])
		if n > 0 {
			var hb [18]byte
			h := strconv.AppendInt(hb[:0], int64(n), 16)
			h = append(h, '\r', '\n')
			w.Write(h)
			w.Write(buf[:n])
			if _, werr := w.WriteString("\r\n"); werr != nil {
				return werr
			}
		}
		if err == io.EOF {
			_, err := w.WriteString("0\r\n\r\n")
			return err
		}
		if err != nil {
			return err
		}
	}
}

// cleanHost is net/http's: the host up to a '/' or ' ' (Host headers
// cannot carry them).
func cleanHost(h string) string {
	if i := strings.IndexAny(h, " /"); i >= 0 {
		return h[:i]
	}
	return h
}

// hasCTL reports whether s has a control byte (the request line would
// carry it; the path is escaped, the query and opaque part are not).
func hasCTL(s string) bool {
	for i := 0; i < len(s); i++ {
		if b := s[i]; b < ' ' || b == 0x7f {
			return true
		}
	}
	return false
}

// validHost is httpguts.ValidHostHeader: the bytes a Host header may
// carry (no CR, LF, space or other controls).
func validHost(h string) bool {
	for i := 0; i < len(h); i++ {
		if !validHostByte[h[i]] {
			return false
		}
	}
	return true
}

var validHostByte = func() (t [256]bool) {
	for c := '0'; c <= '9'; c++ {
		t[c] = true
	}
	for c := 'a'; c <= 'z'; c++ {
		t[c] = true
		t[c-32] = true
	}
	for _, c := range "!$%&'()*+,-.:;=[]_~" {
		t[c] = true
	}
	return
}()

func hasToken(v, tok string) bool {
	for v != "" {
		var t string
		t, v, _ = strings.Cut(v, ",")
		if strings.EqualFold(strings.TrimSpace(t), tok) {
			return true
		}
	}
	return false
}

// validateHeader rejects what net/http's transport rejects: invalid field
// names and values (CR, LF, NUL and other controls but tab), so a header
// cannot smuggle another one.
func validateHeader(h http.Header) error {
	for k, vs := range h {
		if !validFieldName(k) {
			return fmt.Errorf("net/http: invalid header field name %q", k)
		}
		for _, v := range vs {
			for i := 0; i < len(v); i++ {
				if b := v[i]; b < ' ' && b != '\t' || b == 0x7f {
					return fmt.Errorf("net/http: invalid header field value for %q", k)
				}
			}
		}
	}
	return nil
}

func validFieldName(k string) bool { return httptoken.Is(k) }
