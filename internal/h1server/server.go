// Package h1server is a lean HTTP/1.1 server for http.Handler that hands
// everything it does not serve itself to a net/http server.
//
// net/http's server spends 13–21 µs of CPU per request on work a plain
// request/response exchange does not need (a background-read goroutine, a
// context tree per connection and request, chunking logic, a flush per
// response; docs/performance-dataplane-notes.md §3.1, §4.2 E2). This
// server has one goroutine per connection, pooled bufio buffers, one base
// context per connection, a Date header formatted once a second, and
// buffers each response (headers and body) so that it leaves in a single
// write — after the last of a pipelined batch.
//
// It serves HTTP/1.1 and HTTP/1.0 requests with no body or a
// Content-Length body and no Expect, Upgrade or Transfer-Encoding header.
// Anything else — WebSocket and h2c upgrades, Expect: 100-continue,
// chunked request bodies, the HTTP/2 preface, TLS, absolute-form or odd
// request lines, anything the parser is not sure about — is handed off:
// the connection, with the bytes of the current request replayed in front
// of the unread ones, goes to the fallback *http.Server (through an
// in-memory listener) and is served by net/http until it closes. Clear
// errors (a malformed header field, conflicting Content-Length, a missing
// Host, too large a header) are answered 400 or 431 and the connection
// closed, with the bytes net/http sends.
//
// Differences from net/http on the lean path: a request's context is not
// canceled when the client goes away while the handler runs (only when
// the handler returns); ReadTimeout and WriteTimeout are not supported
// (Serve refuses them); trailers are not sent; Fallback.ConnState is not
// called for connections on the lean path; a connection handed off stays
// with net/http until it closes.
package h1server

import (
	"context"
	"errors"
	"log"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// Server serves http.Handler over HTTP/1.1 on a listener, with Fallback
// serving the connections it hands off.
type Server struct {
	// Fallback serves handed-off connections, and its settings apply to
	// the lean path too: Handler (when Handler is nil), ReadHeaderTimeout
	// (also for a new connection's first request), IdleTimeout (0: none),
	// MaxHeaderBytes (0: http.DefaultMaxHeaderBytes), ErrorLog,
	// BaseContext and ConnContext. ReadTimeout and WriteTimeout must be 0:
	// the lean path has no per-request timers. Requests on the lean path
	// see Fallback as http.ServerContextKey. Required.
	Fallback *http.Server
	// Handler serves lean-path requests; nil: Fallback.Handler (nil there
	// too: http.DefaultServeMux).
	Handler http.Handler

	initOnce sync.Once
	initErr  error
	handler  http.Handler
	fbl      *chanListener
	fbDone   chan struct{}

	mu         sync.Mutex
	listeners  map[*net.Listener]struct{}
	conns      map[*conn]struct{}
	inShutdown atomic.Bool
}

func (s *Server) init() error {
	s.initOnce.Do(func() {
		fb := s.Fallback
		if fb == nil {
			s.initErr = errors.New("h1server: Server.Fallback is required")
			return
		}
		if fb.ReadTimeout != 0 || fb.WriteTimeout != 0 {
			s.initErr = errors.New("h1server: ReadTimeout and WriteTimeout are not supported; use ReadHeaderTimeout")
			return
		}
		s.handler = s.Handler
		if s.handler == nil {
			s.handler = fb.Handler
		}
		if s.handler == nil {
			s.handler = http.DefaultServeMux
		}
		s.listeners = map[*net.Listener]struct{}{}
		s.conns = map[*conn]struct{}{}
		s.fbl = newChanListener()
		s.fbDone = make(chan struct{})
		go func() {
			defer close(s.fbDone)
			fb.Serve(s.fbl)
		}()
	})
	return s.initErr
}

func (s *Server) maxHeaderBytes() int {
	if n := s.Fallback.MaxHeaderBytes; n > 0 {
		return n + 4096 // net/http's initialReadLimitSize
	}
	return http.DefaultMaxHeaderBytes + 4096
}

func (s *Server) logf(format string, args ...any) {
	if l := s.Fallback.ErrorLog; l != nil {
		l.Printf(format, args...)
	} else {
		log.Printf(format, args...)
	}
}

// Serve accepts connections on ln and serves them until ln fails or the
// server is shut down; then it returns http.ErrServerClosed. The listener
// is closed on return.
func (s *Server) Serve(ln net.Listener) error {
	if err := s.init(); err != nil {
		return err
	}
	l := &ln
	s.mu.Lock()
	if s.inShutdown.Load() {
		s.mu.Unlock()
		ln.Close()
		return http.ErrServerClosed
	}
	s.listeners[l] = struct{}{}
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.listeners, l)
		s.mu.Unlock()
		ln.Close()
	}()
	baseCtx := context.Background()
	if s.Fallback.BaseContext != nil {
		baseCtx = s.Fallback.BaseContext(ln)
		if baseCtx == nil {
			panic("BaseContext returned a nil context")
		}
	}
	baseCtx = context.WithValue(baseCtx, http.ServerContextKey, s.Fallback)
	var delay time.Duration
	for {
		rw, err := ln.Accept()
		if err != nil {
			if s.inShutdown.Load() {
				return http.ErrServerClosed
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				delay = min(max(2*delay, 5*time.Millisecond), time.Second)
				s.logf("http: Accept error: %v; retrying in %v", err, delay)
				time.Sleep(delay)
				continue
			}
			return err
		}
		delay = 0
		c := &conn{srv: s, rwc: rw, accepted: time.Now()}
		c.state.Store(stateNew)
		s.mu.Lock()
		if s.inShutdown.Load() {
			s.mu.Unlock()
			rw.Close()
			return http.ErrServerClosed
		}
		s.conns[c] = struct{}{}
		s.mu.Unlock()
		go c.serve(baseCtx)
	}
}

// untrack forgets c (closed, handed off or hijacked).
func (s *Server) untrack(c *conn) {
	s.mu.Lock()
	delete(s.conns, c)
	s.mu.Unlock()
}

// closeListeners closes the listeners Serve is accepting on.
func (s *Server) closeListeners() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for l := range s.listeners {
		(*l).Close()
	}
}

// closeIdle closes the connections waiting for a request (a new one only
// after newConnGrace, as net/http) and reports whether no connection is
// left.
func (s *Server) closeIdle() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for c := range s.conns {
		if c.state.CompareAndSwap(stateIdle, stateClosed) ||
			time.Since(c.accepted) > newConnGrace && c.state.CompareAndSwap(stateNew, stateClosed) {
			c.rwc.Close()
		}
	}
	return len(s.conns) == 0
}

// Shutdown stops accepting connections, closes idle ones, lets the
// requests being served finish (their responses carry Connection: close)
// and shuts the fallback server down, all within ctx. When ctx ends first
// it returns ctx's error and leaves the remaining connections open (call
// Close), as http.Server.Shutdown does.
func (s *Server) Shutdown(ctx context.Context) error {
	if err := s.init(); err != nil {
		return err
	}
	s.inShutdown.Store(true)
	s.closeListeners()
	fbErr := make(chan error, 1)
	go func() { fbErr <- s.Fallback.Shutdown(ctx) }()
	s.fbl.Close() // in case fallback.Serve has not registered it yet
	err := func() error {
		wait := time.Millisecond
		for {
			if s.closeIdle() {
				return nil
			}
			t := time.NewTimer(wait)
			select {
			case <-ctx.Done():
				t.Stop()
				return ctx.Err()
			case <-t.C:
			}
			wait = min(2*wait, 500*time.Millisecond)
		}
	}()
	if e := <-fbErr; err == nil {
		err = e
	}
	return err
}

// Close closes the listeners and every connection, and closes the
// fallback server.
func (s *Server) Close() error {
	if err := s.init(); err != nil {
		return err
	}
	s.inShutdown.Store(true)
	s.closeListeners()
	s.fbl.Close()
	s.mu.Lock()
	for c := range s.conns {
		c.state.Store(stateClosed)
		c.rwc.Close()
	}
	s.mu.Unlock()
	return s.Fallback.Close()
}

// chanListener is the in-memory listener the fallback server accepts
// handed-off connections on.
type chanListener struct {
	ch     chan net.Conn
	done   chan struct{}
	once   sync.Once
	addrMu sync.Mutex
	addr   net.Addr
}

func newChanListener() *chanListener {
	return &chanListener{ch: make(chan net.Conn), done: make(chan struct{})}
}

func (l *chanListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.ch:
		return c, nil
	case <-l.done:
		return nil, net.ErrClosed
	}
}

func (l *chanListener) Close() error {
	l.once.Do(func() { close(l.done) })
	return nil
}

func (l *chanListener) Addr() net.Addr {
	l.addrMu.Lock()
	defer l.addrMu.Unlock()
	if l.addr == nil {
		return pipeAddr{}
	}
	return l.addr
}

// deliver gives c to the fallback server, or closes it when the fallback
// server has stopped.
func (l *chanListener) deliver(c net.Conn) {
	l.addrMu.Lock()
	if l.addr == nil {
		l.addr = c.LocalAddr()
	}
	l.addrMu.Unlock()
	select {
	case l.ch <- c:
	case <-l.done:
		c.Close()
	}
}

type pipeAddr struct{}

func (pipeAddr) Network() string { return "h1server" }
func (pipeAddr) String() string  { return "h1server-handoff" }

// prefixConn replays the bytes already read from a connection before
// reading on.
type prefixConn struct {
	net.Conn
	prefix []byte
}

func (c *prefixConn) Read(p []byte) (int, error) {
	if len(c.prefix) > 0 {
		n := copy(p, c.prefix)
		c.prefix = c.prefix[n:]
		if len(c.prefix) == 0 {
			c.prefix = nil
		}
		return n, nil
	}
	return c.Conn.Read(p)
}

// CloseWrite lets net/http half-close the connection as it does on a
// *net.TCPConn.
func (c *prefixConn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return nil
}

// dateCache holds the Date header value for one second.
type dateCache struct {
	sec int64
	b   []byte
}

var date atomic.Pointer[dateCache]

func appendDate(b []byte, now time.Time) []byte {
	sec := now.Unix()
	d := date.Load()
	if d == nil || d.sec != sec {
		d = &dateCache{sec: sec, b: now.UTC().AppendFormat(nil, http.TimeFormat)}
		date.Store(d)
	}
	return append(b, d.b...)
}
