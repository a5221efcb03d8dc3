// Package h1client is a synchronous HTTP/1.1 http.RoundTripper for
// plain-HTTP upstreams (the data planes' HTTP and HTTP_PROXY
// integrations).
//
// The calling goroutine writes the request on a pooled keep-alive TCP
// connection and reads the response itself: there is no read or write
// goroutine per connection, no channel hand-off and no timer per request.
// The request context's deadline becomes the connection's deadline, and
// cancelling the context sets a deadline in the past (context.AfterFunc),
// which aborts a blocked read or write. A connection goes back to its
// host's pool when the response body has been read to EOF (or drained on
// Close, up to a small limit).
//
// https:// URLs, requests that go through an HTTP proxy (the fallback
// transport's Proxy setting) and protocol upgrades are handed to the
// fallback RoundTripper, so TLS behaviour is the fallback's.
package h1client

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"sync"
	"time"
)

// Options configure a Transport. Zero values mean the defaults.
type Options struct {
	// Fallback carries what this transport does not: https, proxied
	// requests and upgrades. nil: a copy of http.DefaultTransport.
	Fallback http.RoundTripper
	// Proxy, when it returns a URL for an http:// request, sends the
	// request through Fallback. nil: Fallback's Proxy when Fallback is an
	// *http.Transport (so HTTP_PROXY/NO_PROXY keep working as before).
	Proxy func(*http.Request) (*url.URL, error)
	// MaxIdlePerHost bounds the idle connections kept per host:port (256).
	MaxIdlePerHost int
	// IdleTimeout closes connections idle this long (90 s).
	IdleTimeout time.Duration
	// DialTimeout bounds connecting (10 s); KeepAlive is the TCP
	// keep-alive period (30 s).
	DialTimeout time.Duration
	KeepAlive   time.Duration
	// MaxResponseHeaderBytes bounds the status line plus headers (1 MiB).
	MaxResponseHeaderBytes int
}

const (
	defaultMaxIdlePerHost = 256
	defaultIdleTimeout    = 90 * time.Second
	defaultDialTimeout    = 10 * time.Second
	defaultKeepAlive      = 30 * time.Second
	defaultMaxHeaderBytes = 1 << 20
	// drainLimit is how much of an unread response body Close reads to
	// keep the connection; a longer rest closes the connection instead.
	drainLimit = 64 << 10
	// checkIdleAfter: a connection idle at least this long is checked
	// for a close by the server (one non-blocking peek) before reuse.
	checkIdleAfter = 100 * time.Millisecond
	bufSize        = 4096
)

// Transport is the synchronous HTTP/1.1 RoundTripper. Use New; a
// Transport is safe for concurrent use.
type Transport struct {
	p        *pool
	fallback http.RoundTripper
	proxy    func(*http.Request) (*url.URL, error)
}

// pool is the connection pool, shared by the Transports WithFallback
// derives from one New.
type pool struct {
	maxIdle     int
	idleTimeout time.Duration
	maxHeader   int
	dialer      net.Dialer

	mu      sync.Mutex
	idle    map[string][]*conn // per host:port, most recently used last
	nIdle   int
	sweeper *time.Timer
}

// New returns a Transport.
func New(o Options) *Transport {
	p := &pool{
		maxIdle:     o.MaxIdlePerHost,
		idleTimeout: o.IdleTimeout,
		maxHeader:   o.MaxResponseHeaderBytes,
		idle:        map[string][]*conn{},
	}
	if p.maxIdle <= 0 {
		p.maxIdle = defaultMaxIdlePerHost
	}
	if p.idleTimeout <= 0 {
		p.idleTimeout = defaultIdleTimeout
	}
	if p.maxHeader <= 0 {
		p.maxHeader = defaultMaxHeaderBytes
	}
	p.dialer.Timeout = o.DialTimeout
	if p.dialer.Timeout <= 0 {
		p.dialer.Timeout = defaultDialTimeout
	}
	p.dialer.KeepAlive = o.KeepAlive
	if p.dialer.KeepAlive == 0 {
		p.dialer.KeepAlive = defaultKeepAlive
	}
	t := &Transport{p: p}
	t.setFallback(o.Fallback, o.Proxy)
	return t
}

func (t *Transport) setFallback(rt http.RoundTripper, proxy func(*http.Request) (*url.URL, error)) {
	if rt == nil {
		// A copy, so CloseIdleConnections stays local to this transport.
		rt = http.DefaultTransport.(*http.Transport).Clone()
	}
	t.fallback = rt
	t.proxy = proxy
	if proxy == nil {
		if ht, ok := rt.(*http.Transport); ok {
			t.proxy = ht.Proxy
		}
	}
}

// WithFallback returns a Transport sharing t's connection pool with
// another fallback (e.g. one with different TLS settings) and that
// fallback's proxy setting.
func (t *Transport) WithFallback(rt http.RoundTripper) *Transport {
	n := &Transport{p: t.p}
	n.setFallback(rt, nil)
	return n
}

// Fallback is the RoundTripper for what t does not carry itself.
func (t *Transport) Fallback() http.RoundTripper { return t.fallback }

// CloseIdleConnections closes the pooled connections (all Transports
// sharing the pool) and the fallback's.
func (t *Transport) CloseIdleConnections() {
	t.p.closeIdle(nil)
	if ci, ok := t.fallback.(interface{ CloseIdleConnections() }); ok {
		ci.CloseIdleConnections()
	}
}

// RoundTrip implements http.RoundTripper.
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.URL == nil {
		closeBody(req)
		return nil, errors.New("http: nil Request.URL")
	}
	if req.URL.Scheme != "http" || req.Header.Get("Upgrade") != "" {
		return t.viaFallback(req)
	}
	if t.proxy != nil {
		if pu, err := t.proxy(req); err != nil || pu != nil {
			return t.viaFallback(req)
		}
	}
	if req.URL.Host == "" {
		closeBody(req)
		return nil, errors.New("http: no Host in request URL")
	}
	if req.Method != "" && !validFieldName(req.Method) {
		closeBody(req)
		return nil, fmt.Errorf("net/http: invalid method %q", req.Method)
	}
	if h := req.Host; h != "" && !validHost(cleanHost(h)) || h == "" && !validHost(req.URL.Host) {
		closeBody(req)
		return nil, errors.New("http: invalid Host header")
	}
	if hasCTL(req.URL.RawQuery) || hasCTL(req.URL.Opaque) {
		closeBody(req)
		return nil, errors.New("net/http: can't write control character in Request.URL")
	}
	if err := validateHeader(req.Header); err != nil {
		closeBody(req)
		return nil, err
	}
	return t.p.roundTrip(req, hostPort(req.URL))
}

// HonoursContextDeadline says that t enforces a request context's
// Deadline itself, also when the context's Done channel never closes (the
// data planes' timer-free deadline contexts, see dataplane/upstream): on
// its own connections with SetDeadline and the dialer's deadline, and on
// the fallback by deriving a context with a real timer.
func (t *Transport) HonoursContextDeadline() bool { return true }

// viaFallback sends req through the fallback. A context deadline becomes a
// real timer there (the fallback only watches Done), cancelled when the
// response body is closed or the exchange fails.
func (t *Transport) viaFallback(req *http.Request) (*http.Response, error) {
	d, ok := req.Context().Deadline()
	if !ok {
		return t.fallback.RoundTrip(req)
	}
	ctx, cancel := context.WithDeadline(req.Context(), d)
	resp, err := t.fallback.RoundTrip(req.WithContext(ctx))
	if err != nil {
		cancel()
		if ctx.Err() != nil && req.Context().Err() == nil {
			err = ctxErr(ctx, err)
		}
		return nil, err
	}
	resp.Body = &cancelBody{ReadCloser: resp.Body, cancel: cancel}
	return resp, nil
}

// cancelBody releases the fallback exchange's deadline timer on Close.
type cancelBody struct {
	io.ReadCloser
	cancel context.CancelFunc
}

func (b *cancelBody) Close() error {
	err := b.ReadCloser.Close()
	b.cancel()
	return err
}

func hostPort(u *url.URL) string {
	h := u.Host
	// A port is present when the host ends in ":digits" (outside an IPv6
	// literal's brackets).
	for i := len(h) - 1; i >= 0; i-- {
		c := h[i]
		if c == ':' {
			if i < len(h)-1 {
				return h
			}
			return h + "80"
		}
		if c < '0' || c > '9' {
			break
		}
	}
	return net.JoinHostPort(u.Hostname(), "80")
}

func closeBody(req *http.Request) {
	if req.Body != nil {
		req.Body.Close()
	}
}

// ---- the pool ----

type conn struct {
	nc     net.Conn
	br     *bufio.Reader
	bw     *bufio.Writer
	key    string
	idleAt time.Time
	hbuf   []byte // header block scratch
	offs   []int  // header line offsets scratch
	werr   error  // a write error seen by the body writer
	nwrite int64  // bytes written to nc
}

// Write counts what reaches the socket (to tell "nothing written").
func (c *conn) Write(p []byte) (int, error) {
	n, err := c.nc.Write(p)
	c.nwrite += int64(n)
	if err != nil {
		c.werr = err
	}
	return n, err
}

// get returns an idle connection for key or dials one. check asks for the
// liveness peek even on a connection idle only briefly (requests that must
// not be replayed after a keep-alive race).
func (p *pool) get(ctx context.Context, key string, check bool) (c *conn, reused bool, err error) {
	for {
		p.mu.Lock()
		l := p.idle[key]
		if len(l) == 0 {
			p.mu.Unlock()
			break
		}
		c = l[len(l)-1]
		l[len(l)-1] = nil
		p.idle[key] = l[:len(l)-1]
		p.nIdle--
		p.mu.Unlock()
		idle := time.Since(c.idleAt)
		if idle >= p.idleTimeout || ((check || idle >= checkIdleAfter) && !alive(c)) {
			c.nc.Close()
			continue
		}
		return c, true, nil
	}
	nc, err := p.dialer.DialContext(ctx, "tcp", key)
	if err != nil {
		return nil, false, err
	}
	c = &conn{nc: nc, key: key}
	c.br = bufio.NewReaderSize(nc, bufSize)
	c.bw = bufio.NewWriterSize(c, bufSize)
	return c, false, nil
}

// alive reports whether an idle connection may be reused: nothing is
// buffered and the server has neither closed it nor sent anything.
func alive(c *conn) bool {
	if c.br.Buffered() > 0 {
		return false
	}
	return peekAlive(c.nc)
}

func (p *pool) put(c *conn) {
	c.idleAt = time.Now()
	p.mu.Lock()
	l := p.idle[c.key]
	if len(l) >= p.maxIdle {
		p.mu.Unlock()
		c.nc.Close()
		return
	}
	p.idle[c.key] = append(l, c)
	p.nIdle++
	if p.sweeper == nil {
		p.sweeper = time.AfterFunc(p.idleTimeout, p.sweep)
	}
	p.mu.Unlock()
}

// sweep closes the connections idle longer than the idle timeout; one
// timer per pool, running only while connections are idle.
func (p *pool) sweep() {
	cutoff := time.Now().Add(-p.idleTimeout)
	p.closeIdle(func(c *conn) bool { return c.idleAt.Before(cutoff) })
	p.mu.Lock()
	p.sweeper = nil
	if p.nIdle > 0 {
		p.sweeper = time.AfterFunc(p.idleTimeout/2, p.sweep)
	}
	p.mu.Unlock()
}

// closeIdle closes the idle connections old says to (all when nil).
func (p *pool) closeIdle(old func(*conn) bool) {
	var doomed []*conn
	p.mu.Lock()
	for k, l := range p.idle {
		keep := l[:0]
		for _, c := range l {
			if old == nil || old(c) {
				doomed = append(doomed, c)
			} else {
				keep = append(keep, c)
			}
		}
		clear(l[len(keep):])
		p.nIdle -= len(l) - len(keep)
		if len(keep) == 0 {
			delete(p.idle, k)
		} else {
			p.idle[k] = keep
		}
	}
	p.mu.Unlock()
	for _, c := range doomed {
		c.nc.Close()
	}
}

// ---- one exchange ----

// aLongTimeAgo is a deadline in the past: it aborts blocked I/O.
var aLongTimeAgo = time.Unix(1, 0)

// retryableError marks a reused connection that turned out closed before
// any response byte (the keep-alive race): the request may be retried.
type retryableError struct{ err error }

func (e retryableError) Error() string { return e.err.Error() }
func (e retryableError) Unwrap() error { return e.err }

func (p *pool) roundTrip(req *http.Request, key string) (*http.Response, error) {
	ctx := req.Context()
	if err := ctx.Err(); err != nil {
		closeBody(req)
		return nil, err
	}
	body := req.Body
	if body == http.NoBody {
		body = nil
	}
	for attempt := 0; ; attempt++ {
		c, reused, err := p.get(ctx, key, !idempotent(req))
		if err != nil {
			if body != nil {
				body.Close()
			}
			return nil, ctxErr(ctx, err)
		}
		resp, err := p.exchange(ctx, c, req, body)
		if err == nil {
			return resp, nil
		}
		c.nc.Close()
		var re retryableError
		if attempt == 0 && reused && errors.As(err, &re) && ctx.Err() == nil {
			if body == nil {
				continue
			}
			if req.GetBody != nil {
				nb, gerr := req.GetBody()
				if gerr == nil {
					body = nb
					if body == http.NoBody {
						body = nil
					}
					continue
				}
			}
			err = re.err
		} else if errors.As(err, &re) {
			err = re.err
		}
		return nil, ctxErr(ctx, err)
	}
}

// exchange writes req on c and reads the response head. On error the
// caller closes c; the request body is closed in every case.
func (p *pool) exchange(ctx context.Context, c *conn, req *http.Request, body io.ReadCloser) (*http.Response, error) {
	if d, ok := ctx.Deadline(); ok {
		c.nc.SetDeadline(d)
	} else {
		c.nc.SetDeadline(time.Time{})
	}
	var stop func() bool
	if ctx.Done() != nil {
		nc := c.nc
		stop = context.AfterFunc(ctx, func() { nc.SetDeadline(aLongTimeAgo) })
	}
	fail := func(err error) (*http.Response, error) {
		if stop != nil {
			stop()
		}
		return nil, err
	}
	startWritten := c.nwrite
	closeReq, err := writeRequest(c, req, body)
	if err != nil {
		// A reused connection the server closed fails here (EPIPE,
		// ECONNRESET) or, more often, on the first read below.
		if c.werr != nil && c.nwrite == startWritten && isConnGone(c.werr) {
			return fail(retryableError{err})
		}
		return fail(err)
	}
	// The first response byte: an EOF or reset here on a reused
	// connection is the keep-alive race. As in net/http, the request is
	// then replayed only when it is idempotent (a server may have acted
	// on it before closing).
	if _, err := c.br.Peek(1); err != nil {
		if isConnGone(err) && idempotent(req) {
			return fail(retryableError{err})
		}
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return fail(err)
	}
	rb := &respBody{}
	rb.b.ctx, rb.b.c, rb.b.p, rb.b.stop = ctx, c, p, stop
	resp := &rb.resp
	if err := readResponse(c.br, req.Method, p.maxHeader, &c.hbuf, &c.offs, resp, &rb.b); err != nil {
		return fail(err)
	}
	resp.Request = req
	if closeReq {
		rb.b.keep = false
		resp.Close = true
	}
	if rb.b.kind == bodyNone {
		resp.Body = http.NoBody
		rb.b.finish()
	} else {
		resp.Body = &rb.b
	}
	return resp, nil
}

func isConnGone(err error) bool {
	if err == io.EOF || errors.Is(err, io.EOF) {
		return true
	}
	return isResetOrPipe(err)
}

func idempotent(req *http.Request) bool {
	switch req.Method {
	case "GET", "HEAD", "OPTIONS", "TRACE", "":
		return true
	}
	_, a := req.Header["Idempotency-Key"]
	_, b := req.Header["X-Idempotency-Key"]
	return a || b
}

// respBody puts the response and its body in one allocation.
type respBody struct {
	resp http.Response
	b    body
}
