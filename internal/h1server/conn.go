package h1server

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

const (
	readBufSize  = 4 << 10
	writeBufSize = 8 << 10
	// bodyBufSize is how much of a response body is held back to send it
	// with a Content-Length; beyond it, or on Flush, the response is
	// chunked (net/http: 2 KiB).
	bodyBufSize = 4 << 10
	// maxPostHandlerReadBytes: an unread request body up to this size is
	// discarded to keep the connection; a larger one closes it (net/http's
	// rule and size).
	maxPostHandlerReadBytes = 256 << 10
	// rstAvoidanceDelay: how long a connection closed with unread input
	// lingers after its write side is shut, as in net/http.
	rstAvoidanceDelay = 500 * time.Millisecond
)

const (
	stateActive int32 = iota
	stateIdle
	stateClosed
	stateNew // accepted, first request not started (net/http's StateNew)
)

// newConnGrace: Shutdown leaves a connection still waiting for its first
// request this long before treating it as idle (net/http: 5s).
const newConnGrace = 5 * time.Second

// bufs is a connection's pooled buffers.
type bufs struct {
	br   *bufio.Reader
	bw   *bufio.Writer
	body []byte // response body buffer (bodyBufSize)
	keys []string
	hbuf []byte // a request head too large for br
	head head
}

var bufsPool = sync.Pool{New: func() any {
	return &bufs{
		br:   bufio.NewReaderSize(nil, readBufSize),
		bw:   bufio.NewWriterSize(nil, writeBufSize),
		body: make([]byte, 0, bodyBufSize),
	}
}}

type conn struct {
	srv      *Server
	rwc      net.Conn
	state    atomic.Int32
	accepted time.Time
	*bufs
	remote string
	// deadline: a read deadline is set (idle or header); cleared before a
	// handler may block reading a body.
	deadline bool
	// inHbuf: the current request head was accumulated in hbuf, not in br.
	inHbuf bool
	w      response
}

func (c *conn) serve(baseCtx context.Context) {
	s := c.srv
	c.remote = c.rwc.RemoteAddr().String()
	ctx := context.WithValue(baseCtx, http.LocalAddrContextKey, c.rwc.LocalAddr())
	if cc := s.Fallback.ConnContext; cc != nil {
		if ctx = cc(ctx, c.rwc); ctx == nil {
			panic("ConnContext returned nil")
		}
	}
	c.bufs = bufsPool.Get().(*bufs)
	c.br.Reset(c.rwc)
	c.bw.Reset(c.rwc)
	keep := false // the connection lives on (handed off or hijacked)
	defer func() {
		s.untrack(c)
		if keep {
			return
		}
		c.rwc.Close()
		c.release()
	}()
	first := true
	for {
		if c.br.Buffered() == 0 {
			if c.bw.Buffered() > 0 && c.bw.Flush() != nil {
				return
			}
			from := stateNew // the first request is awaited even in Shutdown
			if !first {
				from = stateIdle
				c.state.Store(stateIdle)
				if s.inShutdown.Load() {
					return
				}
			}
			timeout := s.Fallback.IdleTimeout
			if first {
				timeout = s.Fallback.ReadHeaderTimeout
			}
			if timeout > 0 {
				c.rwc.SetReadDeadline(time.Now().Add(timeout))
				c.deadline = true
			} else if c.deadline {
				c.rwc.SetReadDeadline(time.Time{})
				c.deadline = false
			}
			if _, err := c.br.Peek(1); err != nil {
				return
			}
			if !c.state.CompareAndSwap(from, stateActive) {
				return // closed by Shutdown
			}
		}
		first = false
		switch c.serveRequest(ctx) {
		case done:
		case closeConn:
			return
		case lingerClose:
			c.bw.Flush()
			c.closeWriteAndWait()
			return
		case handedOff, hijacked:
			keep = true
			return
		}
	}
}

func (c *conn) release() {
	b := c.bufs
	c.bufs = nil
	if b == nil {
		return
	}
	b.br.Reset(nil)
	b.bw.Reset(nil)
	b.body = b.body[:0]
	b.keys = b.keys[:0]
	if cap(b.hbuf) > 64<<10 {
		b.hbuf = nil
	}
	b.head = head{}
	bufsPool.Put(b)
}

func (c *conn) closeWriteAndWait() {
	if cw, ok := c.rwc.(interface{ CloseWrite() error }); ok {
		cw.CloseWrite()
	}
	time.Sleep(rstAvoidanceDelay)
}

type outcome uint8

const (
	done        outcome = iota // next request
	closeConn                  // flush and close
	lingerClose                // flush, shut the write side, wait, close
	handedOff
	hijacked
)

// readHead returns the next request head (without consuming it from br
// unless it was collected in hbuf), or a verdict: parseHandoff for bytes the
// lean path does not parse, parseBad with badMsg "431" for too large a
// head; ok false on a read error or timeout (the connection just closes,
// as net/http does).
func (c *conn) readHead() (b []byte, v verdict, ok bool) {
	c.inHbuf = false
	limit := c.srv.maxHeaderBytes()
	scanned := 0
	headerDeadline := false
	for {
		buf, _ := c.br.Peek(c.br.Buffered())
		switch n := scanHead(buf, scanned); {
		case n > 0:
			return buf[:n], parseOK, true
		case n < 0:
			return nil, parseHandoff, true
		}
		scanned = len(buf)
		if len(buf) >= limit {
			return nil, parseBad, true
		}
		if len(buf) == c.br.Size() {
			return c.readLongHead(limit, headerDeadline)
		}
		if !c.beforeBlocking(&headerDeadline) {
			return nil, 0, false
		}
		if _, err := c.br.Peek(len(buf) + 1); err != nil {
			return nil, 0, false
		}
	}
}

// beforeBlocking is called before a read for more of a request head:
// earlier pipelined responses go out, and the header timeout starts (once
// per head).
func (c *conn) beforeBlocking(armed *bool) bool {
	if c.bw.Buffered() > 0 && c.bw.Flush() != nil {
		return false
	}
	if !*armed {
		*armed = true
		if d := c.srv.Fallback.ReadHeaderTimeout; d > 0 {
			c.rwc.SetReadDeadline(time.Now().Add(d))
			c.deadline = true
		}
	}
	return true
}

// readLongHead collects a request head larger than br's buffer in hbuf.
func (c *conn) readLongHead(limit int, armed bool) ([]byte, verdict, bool) {
	c.inHbuf = true
	h := c.hbuf[:0]
	for {
		buf, _ := c.br.Peek(c.br.Buffered())
		old := len(h)
		h = append(h, buf...)
		from := max(old-3, 0)
		n := scanHead(h, from)
		if n < 0 {
			c.hbuf = h[:old]
			return nil, parseHandoff, true
		}
		if n > 0 {
			c.br.Discard(n - old)
			c.hbuf = h[:n]
			return c.hbuf, parseOK, true
		}
		c.br.Discard(len(buf))
		c.hbuf = h
		if len(h) >= limit {
			return nil, parseBad, true
		}
		if !c.beforeBlocking(&armed) {
			return nil, 0, false
		}
		if _, err := c.br.Peek(1); err != nil {
			return nil, 0, false
		}
	}
}

const errorHeaders = "\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n"

// serveRequest reads, parses and serves one request.
func (c *conn) serveRequest(connCtx context.Context) outcome {
	b, v, ok := c.readHead()
	if !ok {
		return closeConn
	}
	h := &c.head
	if v == parseOK {
		v = parseHead(b, h)
	} else if v == parseBad {
		c.bw.WriteString("HTTP/1.1 431 Request Header Fields Too Large" + errorHeaders + "431 Request Header Fields Too Large")
		return lingerClose
	}
	switch v {
	case parseHandoff:
		c.handoff()
		return handedOff
	case parseBad:
		msg := "400 Bad Request"
		if h.badMsg != "" {
			msg += ": " + h.badMsg
		}
		c.bw.WriteString("HTTP/1.1 " + msg + errorHeaders + msg)
		return lingerClose
	}
	if !c.inHbuf {
		c.br.Discard(len(b))
	}

	// The request.
	ctx, cancel := context.WithCancel(connCtx)
	defer cancel()
	req := http.Request{
		Method:        h.method,
		URL:           h.url,
		Proto:         "HTTP/1.1",
		ProtoMajor:    1,
		ProtoMinor:    h.minor,
		Header:        h.header,
		Body:          http.NoBody,
		ContentLength: 0,
		Close:         h.close,
		Host:          h.host,
		RemoteAddr:    c.remote,
		RequestURI:    h.target,
	}
	if h.minor == 0 {
		req.Proto = "HTTP/1.0"
	}
	var body *bodyReader
	if h.clen > 0 {
		req.ContentLength = h.clen
		body = &bodyReader{c: c, remaining: h.clen}
		req.Body = body
		if int64(c.br.Buffered()) < h.clen {
			// The handler may block reading the body: no deadline (as
			// net/http without ReadTimeout), and earlier pipelined
			// responses go out first.
			if c.deadline {
				c.rwc.SetReadDeadline(time.Time{})
				c.deadline = false
			}
			if c.bw.Buffered() > 0 && c.bw.Flush() != nil {
				return closeConn
			}
		}
	}
	r := req.WithContext(ctx)
	w := &c.w
	*w = response{c: c, req: r, body: body, header: make(http.Header), contentLength: -1,
		isHEAD: h.method == "HEAD", is11: h.minor == 1,
		wants10KeepAlive: h.minor == 0 && h.keepAlive, wantsClose: h.wantsClose, buf: c.bufs.body[:0]}
	*h = head{}

	if !c.runHandler(w, r) {
		// The handler panicked: what was already written goes out, the
		// rest is dropped with the connection (net/http does the same).
		if w.hijacked {
			return hijacked
		}
		if body != nil {
			body.kill()
		}
		c.bw.Flush()
		return closeConn
	}
	if w.hijacked {
		return hijacked
	}
	w.finish()
	if body != nil {
		body.kill()
	}
	if w.broken {
		return closeConn
	}
	if w.closeAfter {
		c.bw.Flush()
		if w.lingerOnClose {
			return lingerClose
		}
		return closeConn
	}
	return done
}

// bodyReader is a Content-Length request body read from the connection.
type bodyReader struct {
	mu        sync.Mutex
	c         *conn // nil once the request is over
	remaining int64
	closed    bool
	sawEOF    bool
	err       error // read error: the connection cannot be reused
}

func (b *bodyReader) Read(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed || b.c == nil {
		return 0, http.ErrBodyReadAfterClose
	}
	if b.err != nil {
		return 0, b.err
	}
	if b.remaining == 0 {
		b.sawEOF = true
		return 0, io.EOF
	}
	if len(p) == 0 {
		return 0, nil
	}
	if int64(len(p)) > b.remaining {
		p = p[:b.remaining]
	}
	n, err := b.c.br.Read(p)
	b.remaining -= int64(n)
	if err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		b.err = err
		return n, err
	}
	if b.remaining == 0 {
		b.sawEOF = true
		return n, io.EOF
	}
	return n, nil
}

func (b *bodyReader) Close() error {
	b.mu.Lock()
	b.closed = true
	b.mu.Unlock()
	return nil
}

// discardRest reads what the handler left of the body when that is small
// (net/http's rule); it reports whether the connection can be reused.
func (b *bodyReader) discardRest() (reuse, tooBig bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.err != nil || b.c == nil {
		return false, false
	}
	if b.remaining == 0 {
		return true, false
	}
	if b.remaining >= maxPostHandlerReadBytes {
		return false, true
	}
	n, err := b.c.br.Discard(int(b.remaining))
	b.remaining -= int64(n)
	if err != nil {
		b.err = err
		return false, false
	}
	b.sawEOF = true
	return true, false
}

// kill detaches the body from the connection once the request is over.
func (b *bodyReader) kill() {
	b.mu.Lock()
	b.c = nil
	b.closed = true
	b.mu.Unlock()
}

// runHandler calls the handler; false if it panicked.
func (c *conn) runHandler(w *response, r *http.Request) (ok bool) {
	defer func() {
		if !ok {
			if v := recover(); v != nil && v != http.ErrAbortHandler {
				const size = 64 << 10
				buf := make([]byte, size)
				buf = buf[:runtime.Stack(buf, false)]
				c.srv.logf("http: panic serving %v: %v\n%s", c.remote, v, buf)
			}
		}
	}()
	c.srv.handler.ServeHTTP(w, r)
	return true
}

// handoff gives the connection to the fallback server with the current
// request's bytes and whatever else was read put back in front.
func (c *conn) handoff() {
	var prefix []byte
	if c.inHbuf {
		prefix = append(prefix, c.hbuf...)
	}
	if n := c.br.Buffered(); n > 0 {
		b, _ := c.br.Peek(n)
		prefix = append(prefix, b...)
	}
	if c.bw.Buffered() > 0 && c.bw.Flush() != nil {
		c.rwc.Close()
		c.release()
		return
	}
	c.rwc.SetDeadline(time.Time{})
	c.release()
	var nc net.Conn = c.rwc
	if len(prefix) > 0 {
		nc = &prefixConn{Conn: c.rwc, prefix: prefix}
	}
	c.srv.fbl.deliver(nc)
}
