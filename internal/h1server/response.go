package h1server

import (
	"bufio"
	"fmt"
	"github.com/stagecraft/stagecraft/internal/httptoken"
	"net"
	"net/http"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"
)

// response is the http.ResponseWriter of the lean path. The status, the
// headers and up to bodyBufSize of body are held back until the handler
// returns (then the response gets a Content-Length and is written to the
// connection's buffer, flushed when no further request is buffered), or
// until the handler flushes or writes more (then it is chunked).
type response struct {
	c      *conn
	req    *http.Request
	body   *bodyReader
	header http.Header // what the handler sees
	sent   http.Header // the header as of WriteHeader (net/http's snapshot)

	status        int
	wroteHeader   bool // status decided
	headerSent    bool // status line and header in c.bw
	headerCloned  bool
	chunking      bool
	handlerDone   bool
	hijacked      bool
	fullDuplex    bool
	isHEAD        bool
	is11          bool
	closeAfter    bool
	lingerOnClose bool
	broken        bool // a write failed

	wants10KeepAlive bool
	wantsClose       bool

	buf           []byte // body held back (c.bufs.body)
	sniff         []byte // a write too large for buf, sending the header
	written       int64  // body bytes the handler wrote
	contentLength int64  // declared by the handler, or -1
}

// Header implements http.ResponseWriter. Changes made after WriteHeader
// do not reach the response, as with net/http.
func (w *response) Header() http.Header {
	if w.wroteHeader && !w.headerCloned {
		w.header = w.sent.Clone()
		w.headerCloned = true
	}
	return w.header
}

// WriteHeader implements http.ResponseWriter.
func (w *response) WriteHeader(code int) {
	if w.hijacked {
		w.c.srv.logf("http: response.WriteHeader on hijacked connection from %s", caller())
		return
	}
	if w.wroteHeader {
		w.c.srv.logf("http: superfluous response.WriteHeader call from %s", caller())
		return
	}
	if code < 100 || code > 999 {
		panic(fmt.Sprintf("invalid WriteHeader code %v", code))
	}
	if code >= 100 && code <= 199 && code != http.StatusSwitchingProtocols {
		// Informational: written at once, the final status comes later.
		bw := w.c.bw
		writeStatusLine(bw, w.is11, code)
		w.writeHeaderFields(bw, w.header, exclCL|exclTE)
		bw.WriteString("\r\n")
		if bw.Flush() != nil {
			w.broken = true
		}
		return
	}
	w.wroteHeader = true
	w.status = code
	w.sent = w.header
	if cls, ok := w.sent["Content-Length"]; ok && len(cls) > 0 && cls[0] != "" {
		v, err := strconv.ParseInt(cls[0], 10, 64)
		if err == nil && v >= 0 {
			w.contentLength = v
		} else {
			w.c.srv.logf("http: invalid Content-Length of %q", cls[0])
			delete(w.sent, "Content-Length")
		}
	}
}

func caller() string {
	if _, file, line, ok := runtime.Caller(2); ok {
		return file + ":" + strconv.Itoa(line)
	}
	return "?"
}

// Write implements http.ResponseWriter.
func (w *response) Write(p []byte) (int, error) {
	if w.hijacked {
		return 0, http.ErrHijacked
	}
	if !w.wroteHeader {
		w.WriteHeader(http.StatusOK)
	}
	if len(p) == 0 {
		return 0, nil
	}
	if !bodyAllowedForStatus(w.status) {
		return 0, http.ErrBodyNotAllowed
	}
	w.written += int64(len(p))
	if w.contentLength != -1 && w.written > w.contentLength {
		return 0, http.ErrContentLength
	}
	if !w.headerSent {
		if len(w.buf)+len(p) <= bodyBufSize {
			w.buf = append(w.buf, p...)
			return len(p), nil
		}
		w.sniff = p
		w.sendHeader()
		w.sniff = nil
		if err := w.writeBody(w.buf); err != nil {
			return 0, err
		}
		w.buf = w.buf[:0]
	}
	if err := w.writeBody(p); err != nil {
		return 0, err
	}
	return len(p), nil
}

// WriteString lets io.WriteString skip a conversion.
func (w *response) WriteString(s string) (int, error) {
	if !w.wroteHeader && !w.hijacked {
		w.WriteHeader(http.StatusOK)
	}
	if !w.headerSent && !w.hijacked && w.wroteHeader && len(w.buf)+len(s) <= bodyBufSize &&
		bodyAllowedForStatus(w.status) && (w.contentLength == -1 || w.written+int64(len(s)) <= w.contentLength) {
		w.written += int64(len(s))
		w.buf = append(w.buf, s...)
		return len(s), nil
	}
	return w.Write([]byte(s))
}

// writeBody writes body bytes after the header, chunked or not; a HEAD
// response or a status without body drops them.
func (w *response) writeBody(p []byte) error {
	if len(p) == 0 || w.isHEAD || !bodyAllowedForStatus(w.status) {
		return nil
	}
	bw := w.c.bw
	if w.chunking {
		bw.Write(strconv.AppendInt(bw.AvailableBuffer(), int64(len(p)), 16))
		bw.WriteString("\r\n")
		bw.Write(p)
		_, err := bw.WriteString("\r\n")
		return w.fail(err)
	}
	_, err := bw.Write(p)
	return w.fail(err)
}

func (w *response) fail(err error) error {
	if err != nil {
		w.broken = true
	}
	return err
}

// Flush implements http.Flusher.
func (w *response) Flush() { w.FlushError() }

// FlushError is what http.ResponseController.Flush calls.
func (w *response) FlushError() error {
	if w.hijacked {
		return http.ErrHijacked
	}
	if !w.wroteHeader {
		w.WriteHeader(http.StatusOK)
	}
	if !w.headerSent {
		w.sendHeader()
		if err := w.writeBody(w.buf); err != nil {
			return err
		}
		w.buf = w.buf[:0]
	}
	return w.fail(w.c.bw.Flush())
}

// Hijack implements http.Hijacker (and ResponseController.Hijack).
func (w *response) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	if w.hijacked {
		return nil, nil, http.ErrHijacked
	}
	if w.wroteHeader && !w.headerSent {
		w.sendHeader()
		w.writeBody(w.buf)
		w.buf = w.buf[:0]
	}
	c := w.c
	if err := c.bw.Flush(); err != nil {
		return nil, nil, err
	}
	w.hijacked = true
	c.rwc.SetDeadline(time.Time{})
	return c.rwc, bufio.NewReadWriter(c.br, c.bw), nil
}

// SetReadDeadline is for http.ResponseController.
func (w *response) SetReadDeadline(t time.Time) error {
	w.c.deadline = true
	return w.c.rwc.SetReadDeadline(t)
}

// SetWriteDeadline is for http.ResponseController.
func (w *response) SetWriteDeadline(t time.Time) error { return w.c.rwc.SetWriteDeadline(t) }

// EnableFullDuplex is for http.ResponseController: the request body is
// then left alone when the response starts.
func (w *response) EnableFullDuplex() error {
	w.fullDuplex = true
	return nil
}

// finish completes the response after the handler returned.
func (w *response) finish() {
	w.handlerDone = true
	if !w.wroteHeader {
		w.WriteHeader(http.StatusOK)
	}
	if !w.headerSent {
		w.sendHeader()
		w.writeBody(w.buf)
		w.buf = w.buf[:0]
	}
	if w.chunking && !w.broken {
		_, err := w.c.bw.WriteString("0\r\n\r\n")
		w.fail(err)
	}
	if !w.isHEAD && w.contentLength != -1 && bodyAllowedForStatus(w.status) && w.contentLength != w.written {
		w.closeAfter = true // did not write enough: the client would wait
	}
	if w.body != nil && !w.closeAfter {
		if reuse, _ := w.body.discardRest(); !reuse {
			w.closeAfter = true
		}
	}
	if w.c.srv.inShutdown.Load() {
		w.closeAfter = true
	}
	if cap(w.buf) <= bodyBufSize {
		w.c.bufs.body = w.buf[:0]
	}
}

// sniffLen is how much http.DetectContentType looks at.
const sniffLen = 512

// Header fields sendHeader leaves out of the handler's map.
const (
	exclCL = 1 << iota
	exclTE
	exclConnection
	exclContentType
)

// sendHeader writes the status line and header to the connection's
// buffer, deciding framing and persistence with net/http's rules
// (chunkWriter.writeHeader).
func (w *response) sendHeader() {
	w.headerSent = true
	c := w.c
	h := w.sent
	keepAlives := !c.srv.inShutdown.Load()
	code := w.status
	bodyOK := bodyAllowedForStatus(code)
	var excl int
	var setCL, setConn, setType string
	setTE := false

	te := first(h, "Transfer-Encoding")
	hasTE := te != ""
	if w.handlerDone && !hasTE && bodyOK && !has(h, "Content-Length") && (!w.isHEAD || len(w.buf) > 0) {
		w.contentLength = int64(len(w.buf))
		setCL = strconv.Itoa(len(w.buf))
	}
	if w.wants10KeepAlive && keepAlives {
		if first(h, "Content-Length") != "" && first(h, "Connection") == "keep-alive" {
			w.closeAfter = false
		}
	}
	hasCL := w.contentLength != -1
	if w.wants10KeepAlive && (w.isHEAD || hasCL || !bodyOK) {
		if _, ok := h["Connection"]; !ok {
			setConn = "keep-alive"
		}
	} else if !w.is11 || w.wantsClose {
		w.closeAfter = true
	}
	if first(h, "Connection") == "close" || !keepAlives {
		w.closeAfter = true
	}
	if w.body != nil && !w.closeAfter && !w.fullDuplex {
		b := w.body
		b.mu.Lock()
		closedEarly := b.closed && !b.sawEOF && b.remaining > 0
		b.mu.Unlock()
		reuse, tooBig := b.discardRest()
		if tooBig {
			w.closeAfter = true
			w.lingerOnClose = true
			excl |= exclConnection
			setConn = "close"
		} else if !reuse {
			w.closeAfter = true
			w.lingerOnClose = closedEarly
		}
	}
	if bodyOK {
		_, haveType := h["Content-Type"]
		if first(h, "Content-Encoding") == "" && !haveType && !hasTE && len(w.buf)+len(w.sniff) > 0 {
			// net/http sniffs the first bytes written, however many.
			data := w.buf
			if len(data) < sniffLen && len(w.sniff) > 0 {
				data = append(data[:len(data):len(data)], w.sniff[:min(len(w.sniff), sniffLen-len(data))]...)
			}
			setType = http.DetectContentType(data)
		}
	} else {
		excl |= exclCL | exclTE
		if code == http.StatusNotModified {
			excl |= exclContentType
		}
	}
	if hasCL && hasTE && te != "identity" {
		c.srv.logf("http: WriteHeader called with both Transfer-Encoding of %q and a Content-Length of %d", te, w.contentLength)
		excl |= exclCL
		hasCL = false
	}
	switch {
	case w.isHEAD || !bodyOK || code == http.StatusNoContent:
		excl |= exclTE
	case hasCL:
		excl |= exclTE
	case w.is11:
		if hasTE && te == "identity" {
			w.chunking = false
			w.closeAfter = true
			excl |= exclTE
		} else {
			w.chunking = true
			setTE = true
			if hasTE && te == "chunked" {
				excl |= exclTE
			}
		}
	default:
		w.closeAfter = true
		excl |= exclTE
	}
	if w.chunking {
		excl |= exclCL
		setCL = ""
	}
	if w.closeAfter && (!keepAlives || !hasToken(h["Connection"], "close")) && code != http.StatusSwitchingProtocols {
		excl |= exclConnection
		setConn = ""
		if w.is11 {
			setConn = "close"
		}
	}

	bw := c.bw
	writeStatusLine(bw, w.is11, code)
	w.writeHeaderFields(bw, h, excl)
	if setType != "" {
		bw.WriteString("Content-Type: ")
		bw.WriteString(setType)
		bw.WriteString("\r\n")
	}
	if setConn != "" {
		bw.WriteString("Connection: ")
		bw.WriteString(setConn)
		bw.WriteString("\r\n")
	}
	if setTE {
		bw.WriteString("Transfer-Encoding: chunked\r\n")
	}
	if _, ok := h["Date"]; !ok {
		bw.WriteString("Date: ")
		bw.Write(appendDate(bw.AvailableBuffer(), time.Now()))
		bw.WriteString("\r\n")
	}
	if setCL != "" {
		bw.WriteString("Content-Length: ")
		bw.WriteString(setCL)
		bw.WriteString("\r\n")
	}
	bw.WriteString("\r\n")
}

// writeHeaderFields writes h sorted by key, as http.Header.Write does:
// fields with invalid names are dropped, CR and LF in values become
// spaces, values are trimmed.
func (w *response) writeHeaderFields(bw *bufio.Writer, h http.Header, excl int) {
	keys := w.c.keys[:0]
	for k := range h {
		switch k {
		case "Content-Length":
			if excl&exclCL != 0 {
				continue
			}
		case "Transfer-Encoding":
			if excl&exclTE != 0 {
				continue
			}
		case "Connection":
			if excl&exclConnection != 0 {
				continue
			}
		case "Content-Type":
			if excl&exclContentType != 0 {
				continue
			}
		}
		if strings.HasPrefix(k, http.TrailerPrefix) {
			continue
		}
		keys = append(keys, k)
	}
	if len(keys) > 1 {
		slices.Sort(keys)
	}
	for _, k := range keys {
		if !httptoken.Is(k) {
			continue
		}
		for _, v := range h[k] {
			if strings.ContainsAny(v, "\r\n") {
				v = strings.NewReplacer("\r\n", " ", "\r", " ", "\n", " ").Replace(v)
			}
			v = strings.Trim(v, " \t")
			bw.WriteString(k)
			bw.WriteString(": ")
			bw.WriteString(v)
			bw.WriteString("\r\n")
		}
	}
	clear(keys)
	w.c.keys = keys[:0]
}

func writeStatusLine(bw *bufio.Writer, is11 bool, code int) {
	if is11 {
		bw.WriteString("HTTP/1.1 ")
	} else {
		bw.WriteString("HTTP/1.0 ")
	}
	if text := http.StatusText(code); text != "" {
		bw.Write(strconv.AppendInt(bw.AvailableBuffer(), int64(code), 10))
		bw.WriteByte(' ')
		bw.WriteString(text)
		bw.WriteString("\r\n")
	} else {
		fmt.Fprintf(bw, "%03d status code %d\r\n", code, code)
	}
}

func bodyAllowedForStatus(status int) bool {
	switch {
	case status >= 100 && status <= 199:
		return false
	case status == 204:
		return false
	case status == 304:
		return false
	}
	return true
}

func first(h http.Header, k string) string {
	if v := h[k]; len(v) > 0 {
		return v[0]
	}
	return ""
}

func has(h http.Header, k string) bool {
	_, ok := h[k]
	return ok
}
