package h1client

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"github.com/stagecraft/stagecraft/internal/httptoken"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"
)

var (
	errMalformed  = errors.New("h1client: malformed HTTP response")
	errChunked    = errors.New("h1client: malformed chunked encoding")
	errBodyClosed = errors.New("http: read on closed response body")
)

// max1xx bounds the interim (1xx) responses skipped, as net/http does.
const max1xx = 5

func headerTooLarge(limit int) error {
	return fmt.Errorf("net/http: server response headers exceeded %d bytes; aborted", limit)
}

// appendLine appends the next line, without its CRLF or LF, to buf.
// The whole head must stay within limit bytes.
func appendLine(br *bufio.Reader, buf []byte, limit int) ([]byte, error) {
	start := len(buf)
	for {
		frag, err := br.ReadSlice('\n')
		if len(buf)+len(frag) > limit {
			return buf, headerTooLarge(limit)
		}
		buf = append(buf, frag...)
		if err == nil {
			break
		}
		if err != bufio.ErrBufferFull {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return buf, err
		}
	}
	buf = buf[:len(buf)-1]
	// Only this line's own CR: a bare LF line must not eat the CR that
	// ends the line before it (the fuzzer's "…\r\r\n\n" head).
	if n := len(buf); n > start && buf[n-1] == '\r' {
		buf = buf[:n-1]
	}
	return buf, nil
}

// readResponse reads a response head from br into resp and sets up b for
// its body. hbuf and offs are scratch space kept with the connection.
func readResponse(br *bufio.Reader, method string, limit int, hbuf *[]byte, offs *[]int, resp *http.Response, b *body) error {
	var (
		buf  []byte
		o    []int
		code int
		n1xx int
	)
	for {
		buf, o = (*hbuf)[:0], (*offs)[:0]
		for {
			start := len(buf)
			var err error
			buf, err = appendLine(br, buf, limit)
			if err != nil {
				*hbuf = buf[:0]
				return err
			}
			if len(buf) == start {
				if start == 0 {
					continue // a stray empty line before the status line
				}
				break
			}
			o = append(o, start, len(buf))
		}
		*hbuf, *offs = buf, o
		line := buf[o[0]:o[1]]
		// HTTP/1.x SP 3DIGIT [SP reason]
		if len(line) < 12 || string(line[:7]) != "HTTP/1." || line[7] < '0' || line[7] > '9' || line[8] != ' ' ||
			(len(line) > 12 && line[12] != ' ') {
			return fmt.Errorf("%w: status line %q", errMalformed, truncate(line))
		}
		code = 0
		for _, c := range line[9:12] {
			if c < '0' || c > '9' {
				return fmt.Errorf("%w: status line %q", errMalformed, truncate(line))
			}
			code = code*10 + int(c-'0')
		}
		if code < 100 {
			return fmt.Errorf("%w: status code %d", errMalformed, code)
		}
		if code >= 200 || code == 101 {
			break
		}
		// An interim response (100 Continue, 103 Early Hints): skip it.
		if n1xx++; n1xx > max1xx {
			return errors.New("net/http: too many 1xx informational responses")
		}
	}
	line := buf[o[0]:o[1]]
	minor := int(line[7] - '0')
	if minor > 1 {
		minor = 1
	}
	resp.StatusCode = code
	resp.ProtoMajor, resp.ProtoMinor = 1, minor
	resp.Proto = "HTTP/1.1"
	if minor == 0 {
		resp.Proto = "HTTP/1.0"
	}
	if s, ok := statusLines[string(line[9:])]; ok {
		resp.Status = s
	} else {
		resp.Status = string(line[9:])
	}

	// Validate the fields before making one string of the head.
	nh := len(o)/2 - 1
	for i := 2; i < len(o); i += 2 {
		l := buf[o[i]:o[i+1]]
		colon := -1
		for j, c := range l {
			if c == ':' {
				colon = j
				break
			}
			if !httptoken.Byte(c) {
				return fmt.Errorf("%w: header line %q", errMalformed, truncate(l))
			}
		}
		if colon <= 0 {
			return fmt.Errorf("%w: header line %q", errMalformed, truncate(l))
		}
		for _, c := range l[colon+1:] {
			if c < ' ' && c != '\t' || c == 0x7f {
				return fmt.Errorf("%w: header value in %q", errMalformed, truncate(l))
			}
		}
	}
	h := make(http.Header, nh)
	if nh > 0 {
		block := string(buf[o[2]:o[len(o)-1]])
		base := o[2]
		vals := make([]string, nh)
		for i := 2; i < len(o); i += 2 {
			l := block[o[i]-base : o[i+1]-base]
			colon := strings.IndexByte(l, ':')
			k := canonicalKey(l[:colon])
			v := strings.Trim(l[colon+1:], " \t")
			if old := h[k]; old == nil {
				j := i/2 - 1
				vals[j] = v
				h[k] = vals[j : j+1 : j+1]
			} else {
				h[k] = append(old, v)
			}
		}
	}
	resp.Header = h

	keep := minor == 1
	for _, v := range h["Connection"] {
		if hasToken(v, "close") {
			keep = false
		} else if minor == 0 && hasToken(v, "keep-alive") {
			keep = true
		}
	}
	clen := int64(-1)
	if cl := h["Content-Length"]; len(cl) > 0 {
		for _, v := range cl {
			n, ok := parseLength(v)
			if !ok || (clen >= 0 && n != clen) {
				return fmt.Errorf("%w: bad Content-Length %q", errMalformed, v)
			}
			clen = n
		}
	}
	chunked := false
	if te, ok := h["Transfer-Encoding"]; ok {
		if len(te) != 1 || !strings.EqualFold(te[0], "chunked") {
			return fmt.Errorf("%w: unsupported transfer encoding %q", errMalformed, te)
		}
		chunked = true
		delete(h, "Transfer-Encoding")
		delete(h, "Content-Length")
		resp.TransferEncoding = []string{"chunked"}
	}

	b.br = br
	b.limit = limit
	switch {
	case method == "HEAD":
		b.kind = bodyNone
		resp.ContentLength = clen
	case code == 204 || code == 304 || code < 200:
		b.kind = bodyNone
		resp.ContentLength = 0
	case chunked:
		b.kind = bodyChunked
		resp.ContentLength = -1
	case clen == 0:
		b.kind = bodyNone
		resp.ContentLength = 0
	case clen > 0:
		b.kind = bodyFixed
		b.n = clen
		resp.ContentLength = clen
	default:
		b.kind = bodyClose
		resp.ContentLength = -1
		keep = false
	}
	if code == 101 {
		keep = false
	}
	b.keep = keep
	resp.Close = !keep
	return nil
}

func truncate(b []byte) string {
	if len(b) > 64 {
		b = b[:64]
	}
	return string(b)
}

func parseLength(v string) (int64, bool) {
	v = strings.Trim(v, " \t")
	if v == "" || len(v) > 18 {
		return 0, false
	}
	var n int64
	for i := 0; i < len(v); i++ {
		c := v[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	return n, true
}

// canonicalKey is textproto.CanonicalMIMEHeaderKey for a valid token,
// without allocating when k is canonical already or a common header.
func canonicalKey(k string) string {
	upper := true
	canonical := true
	for i := 0; i < len(k); i++ {
		c := k[i]
		if upper && 'a' <= c && c <= 'z' || !upper && 'A' <= c && c <= 'Z' {
			canonical = false
			break
		}
		upper = c == '-'
	}
	if canonical {
		return k
	}
	var sb [64]byte
	var b []byte
	if len(k) <= len(sb) {
		b = sb[:len(k)]
	} else {
		b = make([]byte, len(k))
	}
	upper = true
	for i := 0; i < len(k); i++ {
		c := k[i]
		if upper && 'a' <= c && c <= 'z' {
			c -= 'a' - 'A'
		} else if !upper && 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		b[i] = c
		upper = c == '-'
	}
	if s, ok := commonHeaders[string(b)]; ok {
		return s
	}
	return string(b)
}

var commonHeaders = func() map[string]string {
	m := map[string]string{}
	for _, k := range []string{"Accept-Ranges", "Access-Control-Allow-Origin", "Age", "Cache-Control",
		"Connection", "Content-Encoding", "Content-Language", "Content-Length", "Content-Type", "Date",
		"Etag", "Expires", "Keep-Alive", "Last-Modified", "Location", "Server", "Set-Cookie",
		"Transfer-Encoding", "Vary", "Via", "X-Amzn-Requestid", "X-Amzn-Trace-Id", "X-Powered-By", "X-Request-Id"} {
		m[k] = k
	}
	return m
}()

var statusLines = func() map[string]string {
	m := map[string]string{}
	for code := 100; code < 600; code++ {
		if t := http.StatusText(code); t != "" {
			s := fmt.Sprintf("%d %s", code, t)
			m[s] = s
		}
	}
	return m
}()

// ---- the body ----

type bodyKind uint8

const (
	bodyNone bodyKind = iota
	bodyFixed
	bodyChunked
	bodyClose // delimited by the connection's close
)

// body is a response body read from the connection by the caller. At EOF
// the connection goes back to the pool (when keep allows).
type body struct {
	mu    sync.Mutex
	ctx   context.Context
	c     *conn // nil once released
	p     *pool
	stop  func() bool // stops the cancellation AfterFunc
	br    *bufio.Reader
	limit int
	kind  bodyKind
	n     int64 // left in the fixed body or the current chunk
	crlf  bool  // a chunk's data ended: its CRLF is next
	keep  bool
	err   error // sticky: io.EOF, errBodyClosed or a failure
}

func (b *body) Read(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.err != nil {
		return 0, b.err
	}
	n, err := b.read(p)
	if err != nil {
		if err == io.EOF {
			b.finish()
		} else {
			err = b.fail(err)
		}
		b.err = err
	}
	return n, err
}

func (b *body) read(p []byte) (int, error) {
	switch b.kind {
	case bodyFixed:
		if b.n <= 0 {
			return 0, io.EOF
		}
		if int64(len(p)) > b.n {
			p = p[:b.n]
		}
		n, err := b.br.Read(p)
		b.n -= int64(n)
		if b.n == 0 {
			return n, io.EOF
		}
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return n, err
	case bodyChunked:
		for b.n == 0 {
			if b.crlf {
				if err := b.readCRLF(); err != nil {
					return 0, err
				}
				b.crlf = false
			}
			size, err := b.chunkSize()
			if err != nil {
				return 0, err
			}
			if size == 0 {
				if err := b.skipTrailers(); err != nil {
					return 0, err
				}
				return 0, io.EOF
			}
			b.n = size
		}
		if int64(len(p)) > b.n {
			p = p[:b.n]
		}
		n, err := b.br.Read(p)
		b.n -= int64(n)
		if b.n == 0 {
			b.crlf = true
		}
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return n, err
	case bodyClose:
		return b.br.Read(p)
	}
	return 0, io.EOF
}

func (b *body) readCRLF() error {
	c, err := b.br.ReadByte()
	if err == nil && c == '\r' {
		c, err = b.br.ReadByte()
	}
	if err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return err
	}
	if c != '\n' {
		return errChunked
	}
	return nil
}

// chunkSize reads a chunk-size line (extensions ignored).
func (b *body) chunkSize() (int64, error) {
	line, err := b.br.ReadSlice('\n')
	if err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		} else if err == bufio.ErrBufferFull {
			err = errChunked
		}
		return 0, err
	}
	line = line[:len(line)-1]
	if i := indexByte(line, ';'); i >= 0 {
		line = line[:i]
	}
	for len(line) > 0 && (line[len(line)-1] == '\r' || line[len(line)-1] == ' ' || line[len(line)-1] == '\t') {
		line = line[:len(line)-1]
	}
	if len(line) == 0 || len(line) > 15 {
		return 0, errChunked
	}
	var n int64
	for _, c := range line {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c -= 'a' - 10
		case 'A' <= c && c <= 'F':
			c -= 'A' - 10
		default:
			return 0, errChunked
		}
		n = n<<4 | int64(c)
	}
	return n, nil
}

func indexByte(b []byte, c byte) int {
	for i, x := range b {
		if x == c {
			return i
		}
	}
	return -1
}

// skipTrailers reads (and ignores) the trailer fields up to the empty
// line, within the header size limit.
func (b *body) skipTrailers() error {
	total := 0
	for {
		line, err := b.br.ReadSlice('\n')
		total += len(line)
		if total > b.limit {
			return headerTooLarge(b.limit)
		}
		if err == bufio.ErrBufferFull {
			continue
		}
		if err != nil {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return err
		}
		if len(line) <= 2 && (len(line) == 1 || line[0] == '\r') {
			return nil
		}
	}
}

// finish releases the connection at EOF: back to the pool when it may be
// reused and the request was not cancelled meanwhile.
func (b *body) finish() {
	c := b.c
	if c == nil {
		return
	}
	b.c = nil
	keep := b.keep
	if c.br.Buffered() > 0 {
		keep = false // bytes past the response: the next one would start with them
	}
	if b.stop != nil && !b.stop() {
		keep = false // the cancellation fired: the deadline is in the past
	}
	if keep {
		b.p.put(c)
	} else {
		c.nc.Close()
	}
}

// fail discards the connection after a read error and maps the error to
// the context's when the deadline or a cancellation caused it.
func (b *body) fail(err error) error {
	if c := b.c; c != nil {
		b.c = nil
		if b.stop != nil {
			b.stop()
		}
		c.nc.Close()
	}
	if b.ctx != nil {
		return ctxErr(b.ctx, err)
	}
	return err
}

// ctxErr maps an I/O error to the context's error when the context is
// done, or to context.DeadlineExceeded for a timeout of the connection
// deadline that came from the context (its timer may not have fired yet).
// Callers test errors.Is(err, context.DeadlineExceeded), as with
// net/http.
func ctxErr(ctx context.Context, err error) error {
	if cerr := ctx.Err(); cerr != nil {
		return cerr
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		if d, ok := ctx.Deadline(); ok && !time.Now().Before(d) {
			return context.DeadlineExceeded
		}
	}
	return err
}

// Close releases the connection: back to the pool when the rest of the
// body is short enough to drain, otherwise closed. A concurrent Read is
// waited for (cancel the request's context to abort one).
func (b *body) Close() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.err != nil {
		if b.err == io.EOF {
			b.err = errBodyClosed
		}
		return nil
	}
	b.err = errBodyClosed
	if b.c == nil {
		return nil
	}
	if b.kind == bodyFixed && b.n <= drainLimit || b.kind == bodyChunked {
		var buf [2048]byte
		total := 0
		for total <= drainLimit {
			n, err := b.read(buf[:])
			total += n
			if err == io.EOF {
				b.finish()
				return nil
			}
			if err != nil {
				break
			}
		}
	}
	b.fail(nil)
	return nil
}
