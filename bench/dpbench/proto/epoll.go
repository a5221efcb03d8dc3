//go:build linux

// The epoll engine: nginx's shape in Go. One event loop per GOMAXPROCS (-loops),
// each a goroutine locked to its OS thread with its own epoll instance and
// listening socket (SO_REUSEPORT when there are several). Client and
// upstream sockets are non-blocking and registered edge-triggered; a
// readiness event gets one read when that read returns less than the
// buffer; requests and responses are parsed in place from per-connection
// buffers, the upstream request and the client response are each built in
// a reused buffer and sent with one write. No goroutine per connection, no
// Go netpoller, no allocation per request in steady state.
//
// The per-request header work is the raw engine's (raw.go, synct.go,
// awsish.go): request id, apigw id and trace id, hop-by-hop removal,
// X-Forwarded-For/Proto/Port, x-amzn-* headers, response header remapping
// and Date.
//
// Supported: HTTP/1.0 and 1.1 requests with Content-Length bodies,
// pipelining (answered in order, one upstream request at a time per
// client connection), Connection: close; upstream responses with
// Content-Length, chunked or close-delimited bodies, HEAD, 204 and 304.
// Anything else from a client gets a 400 and the connection is closed
// (chunked request bodies included); a failing upstream gets a 502 (one
// retry on a fresh connection when a reused one was closed before
// answering), a slow one a 504 after the integration timeout.
package main

import (
	"bytes"
	"fmt"
	"net/netip"
	"os"
	"runtime"
	"strconv"
	"sync/atomic"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

const (
	maxHeader    = 64 << 10 // request or response header block
	maxReqBody   = 10 << 20
	maxResponse  = 16 << 20 // whole upstream response, buffered
	maxIdleUp    = 1024     // idle upstream connections per loop
	outHighWater = 64 << 10 // unsent client output before pipelined requests wait
	bufSize      = 4096

	evConn = unix.EPOLLIN | unix.EPOLLOUT | unix.EPOLLRDHUP | unix.EPOLLET
	evIn   = unix.EPOLLIN | unix.EPOLLRDHUP | unix.EPOLLHUP | unix.EPOLLERR
)

// Options of the epoll engine (flags in main.go).
var (
	// epollRawSyscalls makes every system call of the loops raw (no
	// entersyscall/exitsyscall), the blocking epoll_wait included: the
	// runtime then sees the loop as running (sysmon does not retake its P
	// while it waits, and preempts it every 10 ms with a signal that makes
	// epoll_wait return EINTR).
	epollRawSyscalls bool
	// epollLoops is the number of event loops (0: GOMAXPROCS).
	epollLoops int
	// epollProcs, when > 0, sets GOMAXPROCS after the loops are counted:
	// with one loop and GOMAXPROCS 2 there is an idle P, so sysmon does not
	// take the loop's P away while it blocks in epoll_wait (and backs off),
	// instead of doing so at every wait as with GOMAXPROCS 1.
	epollProcs int
	// epollStats prints allocations per request at this interval.
	epollStats time.Duration
)

func serveEpoll(listen string, pool *Pool) error {
	lap, err := netip.ParseAddrPort(listen)
	if err != nil {
		return err
	}
	uap, err := netip.ParseAddrPort(pool.Addr)
	if err != nil {
		return err
	}
	n := runtime.GOMAXPROCS(0)
	if epollLoops > 0 {
		n = epollLoops
	}
	if epollProcs > 0 {
		runtime.GOMAXPROCS(epollProcs)
	}
	loops := make([]*loop, n)
	for i := range loops {
		if loops[i], err = newLoop(lap, n > 1, uap, pool.Addr, pool.Timeout); err != nil {
			return err
		}
		lap = netip.AddrPortFrom(lap.Addr(), loops[i].lport) // port 0: the others share the first one's
	}
	errc := make(chan error, n)
	for _, l := range loops {
		go func() {
			runtime.LockOSThread()
			errc <- l.run()
		}()
	}
	if epollStats > 0 {
		go printStats(loops)
	}
	return <-errc
}

func printStats(loops []*loop) {
	var ms runtime.MemStats
	var lastReqs, lastMallocs uint64
	for range time.Tick(epollStats) {
		runtime.ReadMemStats(&ms)
		var reqs uint64
		for _, l := range loops {
			reqs += l.reqs.Load()
		}
		if d := reqs - lastReqs; d > 0 {
			fmt.Fprintf(os.Stderr, "proto: %d requests, %.3f mallocs/request, %d GCs\n", d, float64(ms.Mallocs-lastMallocs)/float64(d), ms.NumGC)
		}
		lastReqs, lastMallocs = reqs, ms.Mallocs
	}
}

// loop is one event loop: an epoll instance, a listening socket, the
// client connections it accepted and its upstream connection pool.
type loop struct {
	epfd, lfd int
	lport     uint16
	port      []byte // the listening port, for X-Forwarded-Port
	upSA      unix.Sockaddr
	upFamily  int
	upHost    []byte // Host of upstream requests
	timeout   time.Duration
	ids       *IDs

	clients []*cconn // by fd
	ups     []*uconn // by fd
	gen     int32    // registration counter: tells stale events from the next user of a fd
	idle    []*uconn // LIFO
	head    *uconn   // requests in flight, oldest (earliest deadline) first
	tail    *uconn

	events  []unix.EpollEvent
	ctl     unix.EpollEvent
	now     time.Time
	dateSec int64
	date    []byte
	reqs    atomic.Uint64
}

// cconn is a client connection.
type cconn struct {
	fd       int
	gen      int32
	rbuf     []byte // unparsed input: rbuf[rs:re]
	rs, re   int
	wbuf     []byte // unsent output: wbuf[ws:]
	ws       int
	ip       []byte
	ureq     []byte // the upstream request being served (kept for a retry)
	up       *uconn // the upstream connection serving it
	reqID    [36]byte
	gwID     [16]byte
	head     bool // the request in flight is a HEAD
	retried  bool
	readable bool // the socket may hold unread input
	rdhup    bool // the peer has shut down its side: read on to EOF
	eof      bool
	closing  bool // close once the request in flight is answered
	busy     bool // inside process
	closed   bool
}

// uconn is an upstream connection.
type uconn struct {
	fd         int
	gen        int32
	connecting bool
	closed     bool
	reused     bool // has answered a request before
	got        bool // has sent bytes of the current response
	rbuf       []byte
	re         int
	wpos       int    // bytes of client.ureq written
	client     *cconn // nil when idle
	idleIdx    int    // in loop.idle, or -1
	deadline   time.Time
	prev, next *uconn // in flight list
	inFlight   bool

	// the response being read
	hdrDone  bool
	hdrEnd   int
	status   int
	clen     int
	framing  int
	closeUp  bool
	hdrs     []span
	chunkLen int
}

type span struct{ ks, ke, vs, ve int }

const (
	frameNone = iota
	frameLength
	frameChunked
	frameEOF
)

func sockaddr(ap netip.AddrPort) (unix.Sockaddr, int) {
	if a := ap.Addr(); a.Is4() || a.Is4In6() {
		return &unix.SockaddrInet4{Port: int(ap.Port()), Addr: a.Unmap().As4()}, unix.AF_INET
	}
	return &unix.SockaddrInet6{Port: int(ap.Port()), Addr: ap.Addr().As16()}, unix.AF_INET6
}

func newLoop(listen netip.AddrPort, reusePort bool, upstream netip.AddrPort, upHost string, timeout time.Duration) (*loop, error) {
	sa, family := sockaddr(listen)
	fd, err := unix.Socket(family, unix.SOCK_STREAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, err
	}
	fail := func(err error) (*loop, error) {
		unix.Close(fd)
		return nil, err
	}
	if err := unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_REUSEADDR, 1); err != nil {
		return fail(err)
	}
	if reusePort {
		if err := unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_REUSEPORT, 1); err != nil {
			return fail(err)
		}
	}
	if err := unix.Bind(fd, sa); err != nil {
		return fail(fmt.Errorf("bind %s: %w", listen, err))
	}
	if err := unix.Listen(fd, 4096); err != nil {
		return fail(err)
	}
	bound, err := unix.Getsockname(fd)
	if err != nil {
		return fail(err)
	}
	var port int
	switch a := bound.(type) {
	case *unix.SockaddrInet4:
		port = a.Port
	case *unix.SockaddrInet6:
		port = a.Port
	}
	epfd, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		return fail(err)
	}
	l := &loop{
		epfd: epfd, lfd: fd, lport: uint16(port), port: strconv.AppendInt(nil, int64(port), 10),
		upHost: []byte(upHost), timeout: timeout, ids: NewIDs(),
		events: make([]unix.EpollEvent, 512), date: make([]byte, 0, 64),
	}
	l.upSA, l.upFamily = sockaddr(upstream)
	l.ctl = unix.EpollEvent{Events: unix.EPOLLIN, Fd: int32(fd)}
	if err := unix.EpollCtl(epfd, unix.EPOLL_CTL_ADD, fd, &l.ctl); err != nil {
		unix.Close(epfd)
		return fail(err)
	}
	return l, nil
}

// System calls. The non-blocking ones may be raw (-rawsys): they never
// block, so the scheduler need not know about them.

func sysRead(fd int, p []byte) (int, unix.Errno) {
	var r uintptr
	var e unix.Errno
	if epollRawSyscalls {
		r, _, e = unix.RawSyscall(unix.SYS_READ, uintptr(fd), uintptr(unsafe.Pointer(&p[0])), uintptr(len(p)))
	} else {
		r, _, e = unix.Syscall(unix.SYS_READ, uintptr(fd), uintptr(unsafe.Pointer(&p[0])), uintptr(len(p)))
	}
	if e != 0 {
		return 0, e
	}
	return int(r), 0
}

func sysWrite(fd int, p []byte) (int, unix.Errno) {
	var r uintptr
	var e unix.Errno
	if epollRawSyscalls {
		r, _, e = unix.RawSyscall(unix.SYS_WRITE, uintptr(fd), uintptr(unsafe.Pointer(&p[0])), uintptr(len(p)))
	} else {
		r, _, e = unix.Syscall(unix.SYS_WRITE, uintptr(fd), uintptr(unsafe.Pointer(&p[0])), uintptr(len(p)))
	}
	if e != 0 {
		return 0, e
	}
	return int(r), 0
}

func (l *loop) wait(msec int) (int, unix.Errno) {
	// epoll_pwait with no signal mask is epoll_wait (which arm64 lacks).
	p := uintptr(unsafe.Pointer(&l.events[0]))
	if epollRawSyscalls {
		r, _, e := unix.RawSyscall6(unix.SYS_EPOLL_PWAIT, uintptr(l.epfd), p, uintptr(len(l.events)), uintptr(msec), 0, 0)
		return int(r), e
	}
	r, _, e := unix.Syscall6(unix.SYS_EPOLL_PWAIT, uintptr(l.epfd), p, uintptr(len(l.events)), uintptr(msec), 0, 0)
	return int(r), e
}

func (l *loop) run() error {
	for {
		msec := -1
		if l.head != nil {
			msec = int(l.head.deadline.Sub(l.now)/time.Millisecond) + 1
			if msec < 0 {
				msec = 0
			}
		}
		n, e := l.wait(msec)
		if e != 0 {
			if e == unix.EINTR {
				continue
			}
			return fmt.Errorf("epoll_wait: %w", e)
		}
		l.now = time.Now()
		for i := range n {
			ev := &l.events[i]
			fd := int(ev.Fd)
			if fd == l.lfd {
				l.accept()
			} else if fd < len(l.clients) && l.clients[fd] != nil && l.clients[fd].gen == ev.Pad {
				l.clientEvent(l.clients[fd], ev.Events)
			} else if fd < len(l.ups) && l.ups[fd] != nil && l.ups[fd].gen == ev.Pad {
				l.upEvent(l.ups[fd], ev.Events)
			}
		}
		l.expire()
	}
}

func (l *loop) register(fd int) (int32, error) {
	l.gen++
	l.ctl = unix.EpollEvent{Events: evConn, Fd: int32(fd), Pad: l.gen}
	return l.gen, unix.EpollCtl(l.epfd, unix.EPOLL_CTL_ADD, fd, &l.ctl)
}

func (l *loop) accept() {
	for {
		fd, sa, err := unix.Accept4(l.lfd, unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC)
		if err != nil {
			switch err {
			case unix.EAGAIN:
				return
			case unix.EINTR, unix.ECONNABORTED:
				continue
			}
			fmt.Fprintln(os.Stderr, "proto: accept:", err)
			return
		}
		unix.SetsockoptInt(fd, unix.IPPROTO_TCP, unix.TCP_NODELAY, 1)
		c := &cconn{fd: fd, rbuf: make([]byte, bufSize), wbuf: make([]byte, 0, bufSize), ureq: make([]byte, 0, bufSize)}
		switch a := sa.(type) {
		case *unix.SockaddrInet4:
			c.ip = netip.AddrFrom4(a.Addr).AppendTo(nil)
		case *unix.SockaddrInet6:
			c.ip = netip.AddrFrom16(a.Addr).Unmap().AppendTo(nil)
		}
		gen, err := l.register(fd)
		if err != nil {
			unix.Close(fd)
			continue
		}
		c.gen = gen
		for fd >= len(l.clients) {
			l.clients = append(l.clients, nil)
		}
		l.clients[fd] = c
	}
}

// ---- client side ----

func (l *loop) clientEvent(c *cconn, ev uint32) {
	if ev&evIn != 0 {
		c.readable = true
		c.rdhup = c.rdhup || ev&unix.EPOLLRDHUP != 0
		if ev&(unix.EPOLLHUP|unix.EPOLLERR) != 0 {
			l.closeClient(c)
			return
		}
	}
	if c.up == nil && (c.readable || c.ws < len(c.wbuf)) {
		l.process(c)
	} else if c.ws < len(c.wbuf) {
		l.flush(c)
	}
}

// process serves what the client has sent, in order, until a request is
// in flight upstream or more input is needed; then it writes what is
// ready (one write) and closes the connection when it is done.
func (l *loop) process(c *cconn) {
	if c.busy || c.closed {
		return
	}
	c.busy = true
	for !c.closed && c.up == nil && !c.closing {
		if len(c.wbuf)-c.ws > outHighWater {
			if !l.flush(c) || len(c.wbuf)-c.ws > outHighWater {
				break
			}
		}
		n := l.parseRequest(c)
		if n > 0 {
			c.rs += n
			if c.rs == c.re {
				c.rs, c.re = 0, 0
			}
			l.dispatch(c, false)
			continue
		}
		if n < 0 {
			l.errorResponse(c, 400)
			c.closing = true
			break
		}
		if c.readable && !c.eof && l.fill(c) {
			continue
		}
		break
	}
	c.busy = false
	if c.closed || !l.flush(c) {
		return
	}
	if c.up == nil && c.ws == len(c.wbuf) && (c.closing || c.eof) {
		l.closeClient(c)
	}
}

// fill reads once more into the client's buffer (on while reads fill it,
// and on to EOF after EPOLLRDHUP); it reports whether anything changed.
func (l *loop) fill(c *cconn) bool {
	c.readable = false
	got := false
	for {
		if c.re == len(c.rbuf) {
			if c.rs > 0 {
				c.re = copy(c.rbuf, c.rbuf[c.rs:c.re])
				c.rs = 0
			} else if len(c.rbuf) >= maxHeader+maxReqBody {
				c.readable = true
				return got
			} else {
				c.rbuf = append(c.rbuf, make([]byte, len(c.rbuf))...)
			}
		}
		space := len(c.rbuf) - c.re
		n, e := sysRead(c.fd, c.rbuf[c.re:])
		switch {
		case e == unix.EAGAIN:
			return got
		case e == unix.EINTR:
			continue
		case e != 0:
			l.closeClient(c)
			return false
		case n == 0:
			c.eof = true
			return true
		}
		c.re += n
		got = true
		if n < space && !c.rdhup {
			return true
		}
	}
}

// flush writes the pending output; false when the connection is gone.
func (l *loop) flush(c *cconn) bool {
	for c.ws < len(c.wbuf) {
		n, e := sysWrite(c.fd, c.wbuf[c.ws:])
		switch {
		case e == unix.EAGAIN:
			return true
		case e == unix.EINTR:
			continue
		case e != 0:
			l.closeClient(c)
			return false
		}
		c.ws += n
	}
	if cap(c.wbuf) > 1<<20 {
		c.wbuf = make([]byte, 0, bufSize)
	}
	c.wbuf, c.ws = c.wbuf[:0], 0
	return true
}

func (l *loop) closeClient(c *cconn) {
	if c.closed {
		return
	}
	c.closed = true
	if u := c.up; u != nil {
		c.up, u.client = nil, nil
		l.closeUp(u)
	}
	l.clients[c.fd] = nil
	unix.Close(c.fd)
}

var (
	msg400 = []byte("HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\nContent-Length: 28\r\nConnection: close\r\n\r\n{\"message\": \"Bad Request\"}\r\n")
	msg502 = []byte("HTTP/1.1 502 Bad Gateway\r\nContent-Type: application/json\r\nContent-Length: 36\r\n\r\n{\"message\": \"Internal server error\"}")
	msg504 = []byte("HTTP/1.1 504 Gateway Timeout\r\nContent-Type: application/json\r\nContent-Length: 41\r\n\r\n{\"message\": \"Endpoint request timed out\"}")
)

func (l *loop) errorResponse(c *cconn, status int) {
	switch status {
	case 400:
		c.wbuf = append(c.wbuf, msg400...)
	case 504:
		c.wbuf = append(c.wbuf, msg504...)
	default:
		c.wbuf = append(c.wbuf, msg502...)
	}
}

var tokenChars = func() (t [256]bool) {
	for c := '0'; c <= '9'; c++ {
		t[c] = true
	}
	for c := 'a'; c <= 'z'; c++ {
		t[c], t[c-32] = true, true
	}
	for _, c := range "!#$%&'*+-.^_`|~" {
		t[c] = true
	}
	return
}()

// canonical rewrites a header name in place the way
// textproto.CanonicalMIMEHeaderKey spells it; false if it is not a token.
func canonical(k []byte) bool {
	upper := true
	for i, c := range k {
		if !tokenChars[c] {
			return false
		}
		if upper && 'a' <= c && c <= 'z' {
			k[i] = c - 32
		} else if !upper && 'A' <= c && c <= 'Z' {
			k[i] = c + 32
		}
		upper = c == '-'
	}
	return len(k) > 0
}

func trimCR(b []byte) []byte {
	if n := len(b); n > 0 && b[n-1] == '\r' {
		return b[:n-1]
	}
	return b
}

func trimOWS(b []byte) []byte {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\t') {
		b = b[1:]
	}
	for len(b) > 0 && (b[len(b)-1] == ' ' || b[len(b)-1] == '\t') {
		b = b[:len(b)-1]
	}
	return b
}

func parseLength(b []byte) int {
	if len(b) == 0 || len(b) > 15 {
		return -1
	}
	n := 0
	for _, c := range b {
		if c < '0' || c > '9' {
			return -1
		}
		n = n*10 + int(c-'0')
	}
	return n
}

// hasToken reports whether the comma-separated list v holds tok
// (ASCII case-insensitively).
func hasToken(v []byte, tok string) bool {
	for len(v) > 0 {
		var t []byte
		if i := bytes.IndexByte(v, ','); i >= 0 {
			t, v = v[:i], v[i+1:]
		} else {
			t, v = v, nil
		}
		if bytes.EqualFold(trimOWS(t), []byte(tok)) {
			return true
		}
	}
	return false
}

// parseRequest parses the request at the head of c's input and builds its
// upstream request in c.ureq: it returns the bytes the request took, 0 when
// more input is needed, -1 when it cannot be served.
func (l *loop) parseRequest(c *cconn) int {
	b := c.rbuf[c.rs:c.re]
	pos := 0
	var line []byte
	for { // request line, after at most a few empty lines (RFC 9112 2.2)
		i := bytes.IndexByte(b[pos:], '\n')
		if i < 0 {
			if len(b) >= maxHeader {
				return -1
			}
			return 0
		}
		line = trimCR(b[pos : pos+i])
		pos += i + 1
		if len(line) > 0 {
			break
		}
		if pos > 8 {
			return -1
		}
	}
	sp1 := bytes.IndexByte(line, ' ')
	sp2 := bytes.LastIndexByte(line, ' ')
	if sp1 <= 0 || sp2 <= sp1+1 {
		return -1
	}
	method, uri, proto := line[:sp1], line[sp1+1:sp2], line[sp2+1:]
	if bytes.IndexByte(uri, ' ') >= 0 || len(proto) != 8 || !bytes.HasPrefix(proto, []byte("HTTP/1.")) || (proto[7] != '0' && proto[7] != '1') {
		return -1
	}
	for _, ch := range method {
		if !tokenChars[ch] {
			return -1
		}
	}
	http10 := proto[7] == '0'
	w := c.ureq[:0]
	w = append(w, method...)
	w = append(w, ' ')
	w = append(w, uri...)
	w = append(w, " HTTP/1.1\r\nHost: "...)
	w = append(w, l.upHost...)
	w = append(w, "\r\n"...)
	clen := -1
	var xff []byte
	closing, keepAlive := false, false
	for {
		i := bytes.IndexByte(b[pos:], '\n')
		if i < 0 {
			if len(b) >= maxHeader {
				return -1
			}
			c.ureq = w
			return 0
		}
		line := trimCR(b[pos : pos+i])
		pos += i + 1
		if len(line) == 0 {
			break
		}
		colon := bytes.IndexByte(line, ':')
		if colon <= 0 {
			return -1 // also obs-fold and whitespace before the colon
		}
		k, v := line[:colon], trimOWS(line[colon+1:])
		if !canonical(k) {
			return -1
		}
		switch string(k) {
		case "Content-Length":
			n := parseLength(v)
			if n < 0 || (clen >= 0 && n != clen) {
				return -1
			}
			clen = n
			continue
		case "Transfer-Encoding":
			return -1 // chunked request bodies: not in this prototype
		case "Host":
			continue
		case "X-Forwarded-For":
			xff = v
			continue
		case "Connection":
			closing = closing || hasToken(v, "close")
			keepAlive = keepAlive || hasToken(v, "keep-alive")
			continue
		}
		if DroppedRequest[string(k)] {
			continue
		}
		w = append(w, k...)
		w = append(w, ": "...)
		w = append(w, v...)
		w = append(w, "\r\n"...)
	}
	if clen < 0 {
		clen = 0
	}
	if pos > maxHeader || clen > maxReqBody {
		return -1
	}
	if len(b) < pos+clen {
		c.ureq = w
		return 0
	}
	g := l.ids
	c.reqID = [36]byte(g.AppendUUID(c.reqID[:0]))
	c.gwID = [16]byte(g.AppendBase64ID(c.gwID[:0]))
	w = append(w, "X-Forwarded-For: "...)
	if len(xff) > 0 {
		w = append(w, xff...)
		w = append(w, ", "...)
	}
	w = append(w, c.ip...)
	w = append(w, "\r\nX-Forwarded-Proto: http\r\nX-Forwarded-Port: "...)
	w = append(w, l.port...)
	w = append(w, "\r\nX-Amzn-Apigateway-Api-Id: abcdef1234\r\nX-Amzn-Trace-Id: "...)
	w = g.AppendTraceID(w, l.now)
	w = append(w, "\r\n"...)
	if clen > 0 || string(method) == "POST" || string(method) == "PUT" || string(method) == "PATCH" {
		w = append(w, "Content-Length: "...)
		w = strconv.AppendInt(w, int64(clen), 10)
		w = append(w, "\r\n"...)
	}
	w = append(w, "\r\n"...)
	w = append(w, b[pos:pos+clen]...)
	c.ureq = w
	c.head = string(method) == "HEAD"
	c.closing = closing || (http10 && !keepAlive)
	return pos + clen
}

// ---- upstream side ----

// dispatch sends c.ureq upstream: on an idle connection, or a new one
// (always a new one when fresh).
func (l *loop) dispatch(c *cconn, fresh bool) {
	var u *uconn
	if n := len(l.idle); n > 0 && !fresh {
		u = l.idle[n-1]
		l.idle = l.idle[:n-1]
		u.idleIdx = -1
	} else if u = l.connect(); u == nil {
		l.errorResponse(c, 502)
		return
	}
	u.client, c.up = c, u
	u.wpos, u.re, u.got, u.hdrDone = 0, 0, false, false
	u.deadline = l.now.Add(l.timeout)
	u.inFlight, u.prev, u.next = true, l.tail, nil
	if l.tail != nil {
		l.tail.next = u
	} else {
		l.head = u
	}
	l.tail = u
	if l.reqs.Add(1); !u.connecting {
		l.upWrite(u)
	}
}

func (l *loop) connect() *uconn {
	fd, err := unix.Socket(l.upFamily, unix.SOCK_STREAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		fmt.Fprintln(os.Stderr, "proto: socket:", err)
		return nil
	}
	unix.SetsockoptInt(fd, unix.IPPROTO_TCP, unix.TCP_NODELAY, 1)
	u := &uconn{fd: fd, rbuf: make([]byte, bufSize), idleIdx: -1, hdrs: make([]span, 0, 16)}
	switch err := unix.Connect(fd, l.upSA); err {
	case nil:
	case unix.EINPROGRESS:
		u.connecting = true
	default:
		unix.Close(fd)
		return nil
	}
	gen, err := l.register(fd)
	if err != nil {
		unix.Close(fd)
		return nil
	}
	u.gen = gen
	for fd >= len(l.ups) {
		l.ups = append(l.ups, nil)
	}
	l.ups[fd] = u
	return u
}

func (l *loop) upEvent(u *uconn, ev uint32) {
	if u.connecting {
		if ev&(unix.EPOLLOUT|unix.EPOLLERR|unix.EPOLLHUP) == 0 {
			return
		}
		if soerr, err := unix.GetsockoptInt(u.fd, unix.SOL_SOCKET, unix.SO_ERROR); err != nil || soerr != 0 {
			l.upFail(u, false)
			return
		}
		u.connecting = false
		if u.client != nil {
			l.upWrite(u)
		}
	}
	if u.closed {
		return
	}
	if u.client == nil { // idle: anything but writability means it is done for
		if ev&evIn != 0 {
			l.closeUp(u)
		}
		return
	}
	if ev&unix.EPOLLOUT != 0 && u.wpos < len(u.client.ureq) {
		if l.upWrite(u); u.closed {
			return
		}
	}
	if ev&evIn != 0 {
		l.upRead(u, ev&unix.EPOLLRDHUP != 0)
	}
}

func (l *loop) upWrite(u *uconn) {
	req := u.client.ureq
	for u.wpos < len(req) {
		n, e := sysWrite(u.fd, req[u.wpos:])
		switch {
		case e == unix.EAGAIN:
			return
		case e == unix.EINTR:
			continue
		case e != 0:
			l.upFail(u, true)
			return
		}
		u.wpos += n
	}
}

// upRead reads what the upstream has sent: one read unless it fills the
// buffer, or on to EOF after EPOLLRDHUP (a FIN that came with the data
// raises no further edge).
func (l *loop) upRead(u *uconn, rdhup bool) {
	eof := false
	for {
		if u.re == len(u.rbuf) {
			if len(u.rbuf) >= maxResponse {
				l.upFail(u, false)
				return
			}
			u.rbuf = append(u.rbuf, make([]byte, len(u.rbuf))...)
		}
		space := len(u.rbuf) - u.re
		n, e := sysRead(u.fd, u.rbuf[u.re:])
		if e == unix.EAGAIN {
			break
		} else if e == unix.EINTR {
			continue
		} else if e != 0 {
			l.upFail(u, true)
			return
		}
		if n == 0 {
			eof = true
			break
		}
		u.re += n
		u.got = true
		if n < space && !rdhup {
			break
		}
	}
	l.upParse(u, eof)
}

// upFail drops the upstream connection and answers its client with a 502,
// or retries once on a fresh connection when a reused one failed before
// answering (retryable: the failure was a write error, a reset or EOF).
func (l *loop) upFail(u *uconn, retryable bool) {
	c := u.client
	retry := retryable && u.reused && !u.got
	if c != nil {
		c.up, u.client = nil, nil
	}
	l.closeUp(u)
	if c == nil {
		return
	}
	if retry && !c.retried {
		c.retried = true
		if l.dispatch(c, true); c.up != nil {
			return
		}
	} else {
		l.errorResponse(c, 502)
	}
	c.retried = false
	l.process(c)
}

func (l *loop) closeUp(u *uconn) {
	if u.closed {
		return
	}
	u.closed = true
	l.unlink(u)
	if i := u.idleIdx; i >= 0 {
		last := l.idle[len(l.idle)-1]
		l.idle[i], last.idleIdx = last, i
		l.idle = l.idle[:len(l.idle)-1]
		u.idleIdx = -1
	}
	l.ups[u.fd] = nil
	unix.Close(u.fd)
}

func (l *loop) unlink(u *uconn) {
	if !u.inFlight {
		return
	}
	if u.prev != nil {
		u.prev.next = u.next
	} else {
		l.head = u.next
	}
	if u.next != nil {
		u.next.prev = u.prev
	} else {
		l.tail = u.prev
	}
	u.prev, u.next, u.inFlight = nil, nil, false
}

// expire answers 504 for the requests past their deadline.
func (l *loop) expire() {
	for l.head != nil && !l.now.Before(l.head.deadline) {
		u := l.head
		c := u.client
		c.up, u.client = nil, nil
		l.closeUp(u)
		l.errorResponse(c, 504)
		c.retried = false
		l.process(c)
	}
}

// upParse looks at what the upstream has sent; once the response is
// complete it writes the client's and releases the connection.
func (l *loop) upParse(u *uconn, eof bool) {
	c := u.client
	if !u.hdrDone {
		switch l.parseResponseHead(u) {
		case -1:
			l.upFail(u, false)
			return
		case 0:
			if eof {
				l.upFail(u, true)
			}
			return
		}
	}
	var end int
	switch u.framing {
	case frameNone:
		end = u.hdrEnd
	case frameLength:
		end = u.hdrEnd + u.clen
		if u.re < end {
			end = 0
		}
	case frameChunked:
		var n int
		end, n, _ = chunks(u.rbuf[u.hdrEnd:u.re], nil, false)
		if end < 0 {
			l.upFail(u, false)
			return
		}
		if end > 0 {
			end += u.hdrEnd
			u.chunkLen = n
		}
	case frameEOF:
		if eof {
			end = u.re
		}
	}
	if end == 0 {
		if eof {
			l.upFail(u, false)
		}
		return
	}
	if end != u.re {
		u.closeUp = true // bytes after the response: do not reuse
	}
	l.respond(c, u, end)
	l.unlink(u)
	c.up, u.client = nil, nil
	if u.closeUp || eof {
		l.closeUp(u)
	} else {
		u.reused = true
		if len(l.idle) < maxIdleUp {
			u.idleIdx = len(l.idle)
			l.idle = append(l.idle, u)
		} else {
			l.closeUp(u)
		}
		if cap(u.rbuf) > 1<<20 {
			u.rbuf = make([]byte, bufSize)
		}
	}
	c.retried = false
	l.process(c)
}

// parseResponseHead parses the status line and headers (names made
// canonical in place): 1 when done, 0 when more is needed, -1 when bad.
func (l *loop) parseResponseHead(u *uconn) int {
	b := u.rbuf[:u.re]
	i := bytes.IndexByte(b, '\n')
	if i < 0 {
		if len(b) >= maxHeader {
			return -1
		}
		return 0
	}
	line := trimCR(b[:i])
	if len(line) < 12 || !bytes.HasPrefix(line, []byte("HTTP/1.")) || line[8] != ' ' || (len(line) > 12 && line[12] != ' ') {
		return -1
	}
	status := 0
	for _, ch := range line[9:12] {
		if ch < '0' || ch > '9' {
			return -1
		}
		status = status*10 + int(ch-'0')
	}
	if status < 200 { // no 1xx: we never send Expect or Upgrade
		return -1
	}
	u.status = status
	u.closeUp = line[7] != '1'
	u.hdrs = u.hdrs[:0]
	clen, chunked := -1, false
	pos := i + 1
	for {
		j := bytes.IndexByte(b[pos:], '\n')
		if j < 0 {
			if len(b) >= maxHeader {
				return -1
			}
			return 0
		}
		ls := pos
		line := trimCR(b[pos : pos+j])
		pos += j + 1
		if len(line) == 0 {
			break
		}
		colon := bytes.IndexByte(line, ':')
		if colon <= 0 {
			return -1
		}
		k, v := line[:colon], line[colon+1:]
		if !canonical(k) {
			return -1
		}
		vs := ls + colon + 1
		for len(v) > 0 && (v[0] == ' ' || v[0] == '\t') {
			v, vs = v[1:], vs+1
		}
		v = trimOWS(v)
		switch string(k) {
		case "Content-Length":
			n := parseLength(v)
			if n < 0 || (clen >= 0 && n != clen) || n > maxResponse {
				return -1
			}
			clen = n
		case "Transfer-Encoding":
			if !bytes.EqualFold(v, []byte("chunked")) {
				return -1
			}
			chunked = true
		case "Connection":
			if hasToken(v, "close") {
				u.closeUp = true
			}
		}
		u.hdrs = append(u.hdrs, span{ls, ls + colon, vs, vs + len(v)})
	}
	u.hdrEnd, u.clen, u.hdrDone = pos, clen, true
	switch {
	case u.client.head || status == 204 || status == 304:
		u.framing = frameNone
	case chunked:
		u.framing = frameChunked
	case clen >= 0:
		u.framing = frameLength
	default:
		u.framing, u.closeUp = frameEOF, true
	}
	return 1
}

// chunks walks a chunked body: the bytes it takes (0: incomplete, -1:
// malformed) and the decoded length; with emit, the data is appended to dst.
func chunks(b, dst []byte, emit bool) (end, n int, out []byte) {
	pos := 0
	for {
		i := bytes.IndexByte(b[pos:], '\n')
		if i < 0 {
			return 0, 0, dst
		}
		line := trimCR(b[pos : pos+i])
		pos += i + 1
		if j := bytes.IndexByte(line, ';'); j >= 0 {
			line = line[:j]
		}
		line = trimOWS(line)
		if len(line) == 0 || len(line) > 8 {
			return -1, 0, dst
		}
		size := 0
		for _, ch := range line {
			switch {
			case '0' <= ch && ch <= '9':
				size = size<<4 | int(ch-'0')
			case 'a' <= ch && ch <= 'f':
				size = size<<4 | int(ch-'a'+10)
			case 'A' <= ch && ch <= 'F':
				size = size<<4 | int(ch-'A'+10)
			default:
				return -1, 0, dst
			}
		}
		if size == 0 { // trailers, up to the empty line
			for {
				i := bytes.IndexByte(b[pos:], '\n')
				if i < 0 {
					return 0, 0, dst
				}
				line := trimCR(b[pos : pos+i])
				pos += i + 1
				if len(line) == 0 {
					return pos, n, dst
				}
			}
		}
		if n += size; n > maxResponse {
			return -1, 0, dst
		}
		if len(b)-pos < size+2 {
			return 0, 0, dst
		}
		if emit {
			dst = append(dst, b[pos:pos+size]...)
		}
		pos += size
		switch {
		case b[pos] == '\n':
			pos++
		case b[pos] == '\r' && b[pos+1] == '\n':
			pos += 2
		default:
			return -1, 0, dst
		}
	}
}

// respond appends the client's response, built from the upstream's
// (status, remapped headers, body) like the raw engine's.
func (l *loop) respond(c *cconn, u *uconn, end int) {
	if s := l.now.Unix(); s != l.dateSec || len(l.date) == 0 {
		l.date, l.dateSec = l.now.UTC().AppendFormat(l.date[:0], time.RFC1123), s
	}
	w := c.wbuf
	w = append(w, "HTTP/1.1 "...)
	w = strconv.AppendInt(w, int64(u.status), 10)
	w = append(w, " \r\nDate: "...)
	w = append(w, l.date...)
	w = append(w, "\r\nx-amzn-RequestId: "...)
	w = append(w, c.reqID[:]...)
	w = append(w, "\r\nx-amz-apigw-id: "...)
	w = append(w, c.gwID[:]...)
	w = append(w, "\r\n"...)
	for _, h := range u.hdrs {
		k := u.rbuf[h.ks:h.ke]
		if Dropped[string(k)] {
			continue
		}
		if n, ok := Remapped[string(k)]; ok {
			w = append(w, "X-Amzn-Remapped-"...)
			w = append(w, n...)
		} else {
			w = append(w, k...)
		}
		w = append(w, ": "...)
		w = append(w, u.rbuf[h.vs:h.ve]...)
		w = append(w, "\r\n"...)
	}
	if c.closing {
		w = append(w, "Connection: close\r\n"...)
	}
	switch {
	case u.status == 204 || u.status == 304:
		w = append(w, "\r\n"...)
	case u.framing == frameNone: // HEAD
		if u.clen >= 0 {
			w = append(w, "Content-Length: "...)
			w = strconv.AppendInt(w, int64(u.clen), 10)
			w = append(w, "\r\n"...)
		}
		w = append(w, "\r\n"...)
	case u.framing == frameChunked:
		w = append(w, "Content-Length: "...)
		w = strconv.AppendInt(w, int64(u.chunkLen), 10)
		w = append(w, "\r\n\r\n"...)
		_, _, w = chunks(u.rbuf[u.hdrEnd:end], w, true)
	default:
		w = append(w, "Content-Length: "...)
		w = strconv.AppendInt(w, int64(end-u.hdrEnd), 10)
		w = append(w, "\r\n\r\n"...)
		w = append(w, u.rbuf[u.hdrEnd:end]...)
	}
	c.wbuf = w
}
