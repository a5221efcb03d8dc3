package h1server

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
)

type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuf) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuf) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

type testServer struct {
	s    *Server
	addr string
	log  *syncBuf
	done chan error
}

// start serves h on loopback with h1server in front of a net/http
// fallback serving the same handler.
func start(t *testing.T, h http.Handler, opts ...func(*http.Server)) *testServer {
	t.Helper()
	lb := &syncBuf{}
	fb := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second, ErrorLog: log.New(lb, "", 0)}
	for _, o := range opts {
		o(fb)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ts := &testServer{s: &Server{Fallback: fb}, addr: ln.Addr().String(), log: lb, done: make(chan error, 1)}
	go func() { ts.done <- ts.s.Serve(ln) }()
	t.Cleanup(func() {
		ts.s.Close()
		<-ts.done
	})
	return ts
}

// startNetHTTP serves h with net/http alone, for comparisons.
func startNetHTTP(t *testing.T, h http.Handler) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: h, ErrorLog: log.New(io.Discard, "", 0)}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return ln.Addr().String()
}

type client struct {
	t  *testing.T
	c  net.Conn
	br *bufio.Reader
}

func dial(t *testing.T, addr string) *client {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	c.SetDeadline(time.Now().Add(20 * time.Second))
	return &client{t: t, c: c, br: bufio.NewReader(c)}
}

func (c *client) send(raw string) {
	c.t.Helper()
	if _, err := io.WriteString(c.c, raw); err != nil {
		c.t.Fatal(err)
	}
}

// read reads one response and its body.
func (c *client) read(method string) (*http.Response, string) {
	c.t.Helper()
	resp, err := http.ReadResponse(c.br, &http.Request{Method: method})
	if err != nil {
		c.t.Fatalf("read response: %v", err)
	}
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		c.t.Fatalf("read body: %v", err)
	}
	return resp, string(b)
}

// expectEOF checks that the server closed the connection.
func (c *client) expectEOF() {
	c.t.Helper()
	c.c.SetReadDeadline(time.Now().Add(5 * time.Second))
	b, err := c.br.ReadByte()
	if err == nil {
		rest, _ := c.br.Peek(c.br.Buffered())
		c.t.Fatalf("connection still open, got %q", append([]byte{b}, rest...))
	}
	if errors.Is(err, io.EOF) {
		return
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		c.t.Fatalf("connection not closed")
	}
}

// echo answers with what it saw; X-Lean says which engine served it.
func echo() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		_, lean := w.(*response)
		w.Header().Set("X-Lean", strconv.FormatBool(lean))
		body, _ := io.ReadAll(r.Body)
		fmt.Fprintf(w, "%s %s %s host=%s body=%s", r.Method, r.RequestURI, r.Proto, r.Host, body)
	})
	mux.HandleFunc("/ignore", func(w http.ResponseWriter, r *http.Request) {
		_, lean := w.(*response)
		w.Header().Set("X-Lean", strconv.FormatBool(lean))
		io.WriteString(w, "ignored")
	})
	mux.HandleFunc("/big", func(w http.ResponseWriter, r *http.Request) {
		n, _ := strconv.Atoi(r.URL.Query().Get("n"))
		if r.URL.Query().Get("cl") != "" {
			w.Header().Set("Content-Length", strconv.Itoa(n))
		}
		w.Write(bytes.Repeat([]byte("x"), n))
	})
	mux.HandleFunc("/flush", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "first,")
		w.(http.Flusher).Flush()
		io.WriteString(w, "second")
	})
	mux.HandleFunc("/rc", func(w http.ResponseWriter, r *http.Request) {
		rc := http.NewResponseController(w)
		io.WriteString(w, "a")
		if err := rc.Flush(); err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		if err := rc.SetReadDeadline(time.Now().Add(time.Minute)); err != nil {
			io.WriteString(w, err.Error())
		}
		io.WriteString(w, "b")
	})
	mux.HandleFunc("/status/{code}", func(w http.ResponseWriter, r *http.Request) {
		code, _ := strconv.Atoi(r.PathValue("code"))
		w.WriteHeader(code)
		io.WriteString(w, "body")
	})
	mux.HandleFunc("/ws", func(w http.ResponseWriter, r *http.Request) {
		c, err := websocket.Accept(w, r, nil)
		if err != nil {
			return
		}
		defer c.CloseNow()
		ctx := context.Background()
		for {
			typ, msg, err := c.Read(ctx)
			if err != nil {
				return
			}
			if err := c.Write(ctx, typ, append([]byte("echo:"), msg...)); err != nil {
				return
			}
		}
	})
	return mux
}

func TestPipelining(t *testing.T) {
	ts := start(t, echo())
	c := dial(t, ts.addr)
	var raw strings.Builder
	for i := range 5 {
		fmt.Fprintf(&raw, "GET /p%d HTTP/1.1\r\nHost: x\r\n\r\n", i)
	}
	raw.WriteString("POST /post HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc")
	raw.WriteString("GET /last?q=1 HTTP/1.1\r\nHost: x\r\n\r\n")
	c.send(raw.String())
	for i := range 5 {
		resp, body := c.read("GET")
		if want := fmt.Sprintf("GET /p%d HTTP/1.1 host=x body=", i); body != want || resp.Header.Get("X-Lean") != "true" {
			t.Fatalf("response %d: %q (lean %s), want %q", i, body, resp.Header.Get("X-Lean"), want)
		}
		if resp.ContentLength != int64(len(body)) || resp.Header.Get("Date") == "" || resp.Header.Get("Content-Type") != "text/plain; charset=utf-8" {
			t.Fatalf("response %d headers: %v cl=%d", i, resp.Header, resp.ContentLength)
		}
	}
	if _, body := c.read("POST"); body != "POST /post HTTP/1.1 host=x body=abc" {
		t.Fatalf("post: %q", body)
	}
	if _, body := c.read("GET"); body != "GET /last?q=1 HTTP/1.1 host=x body=" {
		t.Fatalf("last: %q", body)
	}
	// Split across writes, in the middle of a request line and header.
	c.send("GET /sp")
	time.Sleep(20 * time.Millisecond)
	c.send("lit HTTP/1.1\r\nHo")
	time.Sleep(20 * time.Millisecond)
	c.send("st: y\r\n\r\n")
	if _, body := c.read("GET"); body != "GET /split HTTP/1.1 host=y body=" {
		t.Fatalf("split: %q", body)
	}
}

func TestKeepAliveClient(t *testing.T) {
	var mu sync.Mutex
	remotes := map[string]bool{}
	ts := start(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		remotes[r.RemoteAddr] = true
		mu.Unlock()
		if r.Context().Value(http.LocalAddrContextKey) == nil || r.Context().Value(http.ServerContextKey) == nil {
			t.Errorf("context lacks LocalAddrContextKey or ServerContextKey")
		}
		io.WriteString(w, "ok")
	}))
	cl := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 1}}
	defer cl.CloseIdleConnections()
	for range 20 {
		resp, err := cl.Post("http://"+ts.addr+"/", "text/plain", strings.NewReader("body"))
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if string(b) != "ok" {
			t.Fatalf("got %q", b)
		}
	}
	if len(remotes) != 1 {
		t.Fatalf("%d connections for 20 sequential requests, want 1", len(remotes))
	}
}

func TestHTTP10(t *testing.T) {
	ts := start(t, echo())
	c := dial(t, ts.addr)
	c.send("GET /a HTTP/1.0\r\n\r\n")
	resp, body := c.read("GET")
	if resp.Proto != "HTTP/1.0" || body != "GET /a HTTP/1.0 host= body=" || resp.Header.Get("X-Lean") != "true" {
		t.Fatalf("%s %q %v", resp.Proto, body, resp.Header)
	}
	c.expectEOF()

	c = dial(t, ts.addr)
	c.send("GET /b HTTP/1.0\r\nConnection: keep-alive\r\n\r\nGET /c HTTP/1.0\r\nConnection: Keep-Alive\r\nHost: h\r\n\r\n")
	resp, body = c.read("GET")
	if resp.Header.Get("Connection") != "keep-alive" || resp.ContentLength != int64(len(body)) || body != "GET /b HTTP/1.0 host= body=" {
		t.Fatalf("keep-alive: %v %q", resp.Header, body)
	}
	if _, body = c.read("GET"); body != "GET /c HTTP/1.0 host=h body=" {
		t.Fatalf("second: %q", body)
	}
	// An HTTP/1.0 keep-alive request with a streamed (no length) response:
	// the connection closes to end the body.
	c.send("GET /flush HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
	resp, body = c.read("GET")
	if body != "first,second" || len(resp.TransferEncoding) != 0 {
		t.Fatalf("flush over 1.0: %q %v", body, resp.TransferEncoding)
	}
	c.expectEOF()
}

func TestConnectionClose(t *testing.T) {
	ts := start(t, echo())
	c := dial(t, ts.addr)
	c.send("GET /a HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\nGET /never HTTP/1.1\r\nHost: x\r\n\r\n")
	resp, _ := c.read("GET")
	if !resp.Close {
		t.Fatalf("no Connection: close: %v", resp.Header)
	}
	c.expectEOF()
	// The handler asks to close.
	ts2 := start(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Connection", "close")
		io.WriteString(w, "bye")
	}))
	c = dial(t, ts2.addr)
	c.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	if resp, body := c.read("GET"); body != "bye" || !resp.Close {
		t.Fatalf("%q %v", body, resp.Header)
	}
	c.expectEOF()
}

func TestHEADAndNoBodyStatuses(t *testing.T) {
	ts := start(t, echo())
	c := dial(t, ts.addr)
	c.send("HEAD /x HTTP/1.1\r\nHost: x\r\n\r\n")
	resp, body := c.read("HEAD")
	if body != "" || resp.ContentLength != int64(len("HEAD /x HTTP/1.1 host=x body=")) {
		t.Fatalf("HEAD: %q cl=%d", body, resp.ContentLength)
	}
	c.send("HEAD /big?n=100000 HTTP/1.1\r\nHost: x\r\n\r\n")
	resp, _ = c.read("HEAD")
	if len(resp.TransferEncoding) != 0 {
		t.Fatalf("HEAD with a large body: %v", resp.TransferEncoding)
	}
	for _, code := range []int{204, 304, 103} {
		c.send(fmt.Sprintf("GET /status/%d HTTP/1.1\r\nHost: x\r\n\r\n", code))
		resp, body := c.read("GET")
		if code == 103 {
			// 103 Early Hints, then the implicit 200 with the body.
			if resp.StatusCode != 103 {
				t.Fatalf("103: %d", resp.StatusCode)
			}
			if resp, body = c.read("GET"); resp.StatusCode != 200 || body != "body" {
				t.Fatalf("103: %d %q", resp.StatusCode, body)
			}
			continue
		}
		if resp.StatusCode != code || body != "" || resp.Header.Get("Content-Length") != "" {
			t.Fatalf("%d: %d %q %v", code, resp.StatusCode, body, resp.Header)
		}
	}
	// The connection is still in sync.
	c.send("GET /end HTTP/1.1\r\nHost: x\r\n\r\n")
	if _, body := c.read("GET"); body != "GET /end HTTP/1.1 host=x body=" {
		t.Fatalf("after: %q", body)
	}
}

func TestLargeAndFlushedResponses(t *testing.T) {
	ts := start(t, echo())
	c := dial(t, ts.addr)
	c.send("GET /big?n=1000000 HTTP/1.1\r\nHost: x\r\n\r\n")
	resp, body := c.read("GET")
	if len(body) != 1000000 || len(resp.TransferEncoding) != 1 || resp.TransferEncoding[0] != "chunked" {
		t.Fatalf("big: %d bytes, %v", len(body), resp.TransferEncoding)
	}
	c.send("GET /big?n=1000000&cl=1 HTTP/1.1\r\nHost: x\r\n\r\n")
	resp, body = c.read("GET")
	if len(body) != 1000000 || resp.ContentLength != 1000000 || len(resp.TransferEncoding) != 0 {
		t.Fatalf("big with length: %d bytes, %v", len(body), resp.TransferEncoding)
	}
	c.send("GET /big?n=4096 HTTP/1.1\r\nHost: x\r\n\r\n")
	if resp, body = c.read("GET"); len(body) != 4096 || resp.ContentLength != 4096 {
		t.Fatalf("buffer-sized: %d %d", len(body), resp.ContentLength)
	}
	c.send("GET /flush HTTP/1.1\r\nHost: x\r\n\r\n")
	resp, body = c.read("GET")
	if body != "first,second" || len(resp.TransferEncoding) != 1 {
		t.Fatalf("flush: %q %v", body, resp.TransferEncoding)
	}
	c.send("GET /rc HTTP/1.1\r\nHost: x\r\n\r\n")
	if resp, body = c.read("GET"); body != "ab" {
		t.Fatalf("ResponseController: %q", body)
	}
	// Flushed headers are on the wire before the handler returns.
	release := make(chan struct{})
	ts2 := start(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "early")
		w.(http.Flusher).Flush()
		<-release
		io.WriteString(w, "late")
	}))
	c = dial(t, ts2.addr)
	c.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	resp, err := http.ReadResponse(c.br, nil)
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 5)
	if _, err := io.ReadFull(resp.Body, buf); err != nil || string(buf) != "early" {
		t.Fatalf("%q %v", buf, err)
	}
	close(release)
	if rest, _ := io.ReadAll(resp.Body); string(rest) != "late" {
		t.Fatalf("rest %q", rest)
	}
}

func TestRequestBody(t *testing.T) {
	ts := start(t, echo())
	c := dial(t, ts.addr)
	// Read by the handler, arriving after the header.
	c.send("POST /e HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n01234")
	time.Sleep(20 * time.Millisecond)
	c.send("56789")
	if _, body := c.read("POST"); body != "POST /e HTTP/1.1 host=x body=0123456789" {
		t.Fatalf("%q", body)
	}
	// Not read by the handler: discarded, the connection goes on.
	c.send("POST /ignore HTTP/1.1\r\nHost: x\r\nContent-Length: 20000\r\n\r\n" + strings.Repeat("z", 20000) + "GET /next HTTP/1.1\r\nHost: x\r\n\r\n")
	if resp, body := c.read("POST"); body != "ignored" || resp.Close {
		t.Fatalf("%q close=%v", body, resp.Close)
	}
	if _, body := c.read("GET"); body != "GET /next HTTP/1.1 host=x body=" {
		t.Fatalf("%q", body)
	}
	// Too large to discard: the connection closes after the response.
	c.send("POST /ignore HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000\r\n\r\n" + strings.Repeat("z", 1000))
	resp, body := c.read("POST")
	if body != "ignored" || !resp.Close {
		t.Fatalf("%q close=%v", body, resp.Close)
	}
	c.expectEOF()
}

// malformed requests, answered as net/http answers them.
var malformed = []string{
	"GET / HTTP/1.1\r\nHost: x\r\nBad Name: v\r\n\r\n",
	"GET / HTTP/1.1\r\nHost: x\r\nBad\x01: v\r\n\r\n",
	"GET / HTTP/1.1\r\nHost: x\r\n: v\r\n\r\n",
	"GET / HTTP/1.1\r\nHost: x\r\nNoColon\r\n\r\n",
	"GET / HTTP/1.1\r\nHost: x\r\nX: a\x00b\r\n\r\n",
	"GET / HTTP/1.1\r\nHost: x\r\nX: a\rb\r\n\r\n",
	"GET / HTTP/1.1\r\n\r\n",
	"GET / HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n",
	"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab",
	"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n",
	"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n",
	"POST / HTTP/1.1\r\nHost: x\r\nContent-Length:\r\n\r\n",
	"GET /%zz HTTP/1.1\r\nHost: x\r\n\r\n",
	"GET /a\x7fb HTTP/1.1\r\nHost: x\r\n\r\n",
	"GET / HTTP/1.1\r\n Host: x\r\n\r\n",
	"\x00\x01\x02\x03\r\n\r\n",
	"GET\r\n\r\n",
	"GET / HTTP/9.9\r\nHost: x\r\n\r\n",
	"GET / HTTP/1.1\r\nHost: a b\r\n\r\n",
	"G(T / HTTP/1.1\r\nHost: x\r\n\r\n",
}

// obs-fold is rejected on the lean path (RFC 9112 §5.2 allows either);
// net/http unfolds it.
var obsFold = "GET / HTTP/1.1\r\nHost: x\r\nX: a\r\n b\r\n\r\n"

func firstResponse(t *testing.T, addr, raw string) (status, body string) {
	c := dial(t, addr)
	c.send(raw)
	resp, err := http.ReadResponse(c.br, nil)
	if err != nil {
		t.Fatalf("%q: %v", raw, err)
	}
	b, _ := io.ReadAll(resp.Body)
	if !resp.Close && resp.StatusCode >= 400 {
		t.Errorf("%q: %s without Connection: close", raw, resp.Status)
	}
	return resp.Status, string(b)
}

func TestMalformedLikeNetHTTP(t *testing.T) {
	ts := start(t, echo())
	ref := startNetHTTP(t, echo())
	for _, raw := range malformed {
		gs, gb := firstResponse(t, ts.addr, raw)
		ws, wb := firstResponse(t, ref, raw)
		if gs != ws || gb != wb {
			t.Errorf("%q:\n got %s %q\nwant %s %q", raw, gs, gb, ws, wb)
		}
	}
	if s, _ := firstResponse(t, ts.addr, obsFold); s != "400 Bad Request" {
		t.Errorf("obs-fold: %s", s)
	}
}

func TestHeaderTooLarge(t *testing.T) {
	ts := start(t, echo())
	ref := startNetHTTP(t, echo())
	big := "GET / HTTP/1.1\r\nHost: x\r\n" + strings.Repeat("X-Filler: "+strings.Repeat("f", 1000)+"\r\n", 1100) + "\r\n"
	gs, gb := firstResponse(t, ts.addr, big)
	ws, wb := firstResponse(t, ref, big)
	if gs != ws || gb != wb || !strings.HasPrefix(gs, "431") {
		t.Errorf("got %s %q, want %s %q", gs, gb, ws, wb)
	}
	// Large but within the limit: served, on the lean path.
	ok := "GET / HTTP/1.1\r\nHost: x\r\n" + strings.Repeat("X-Filler: "+strings.Repeat("f", 1000)+"\r\n", 900) + "\r\n"
	c := dial(t, ts.addr)
	c.send(ok + ok)
	for range 2 {
		if resp, body := c.read("GET"); resp.StatusCode != 200 || resp.Header.Get("X-Lean") != "true" || body != "GET / HTTP/1.1 host=x body=" {
			t.Fatalf("%s %v %q", resp.Status, resp.Header, body)
		}
	}
}

func TestHandoffWebSocket(t *testing.T) {
	ts := start(t, echo())
	ctx := context.Background()
	// Straight away.
	ws, _, err := websocket.Dial(ctx, "ws://"+ts.addr+"/ws", nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := ws.Write(ctx, websocket.MessageText, []byte("hi")); err != nil {
		t.Fatal(err)
	}
	if _, msg, err := ws.Read(ctx); err != nil || string(msg) != "echo:hi" {
		t.Fatalf("%q %v", msg, err)
	}
	ws.Close(websocket.StatusNormalClosure, "")

	// After lean requests on the same connection.
	c := dial(t, ts.addr)
	c.send("GET /one HTTP/1.1\r\nHost: x\r\n\r\nGET /two HTTP/1.1\r\nHost: x\r\n\r\n")
	for range 2 {
		if resp, _ := c.read("GET"); resp.Header.Get("X-Lean") != "true" {
			t.Fatal("not lean")
		}
	}
	used := false
	hc := &http.Client{Transport: &http.Transport{DialContext: func(context.Context, string, string) (net.Conn, error) {
		if used {
			return nil, errors.New("second dial")
		}
		used = true
		return c.c, nil
	}}}
	ws, _, err = websocket.Dial(ctx, "ws://"+ts.addr+"/ws", &websocket.DialOptions{HTTPClient: hc})
	if err != nil {
		t.Fatal(err)
	}
	defer ws.CloseNow()
	for _, m := range []string{"a", strings.Repeat("b", 30000)} {
		if err := ws.Write(ctx, websocket.MessageText, []byte(m)); err != nil {
			t.Fatal(err)
		}
		if _, msg, err := ws.Read(ctx); err != nil || string(msg) != "echo:"+m {
			t.Fatalf("%d bytes %v", len(msg), err)
		}
	}
}

func TestHandoffExpectAndChunked(t *testing.T) {
	ts := start(t, echo())
	c := dial(t, ts.addr)
	c.send("GET /lean HTTP/1.1\r\nHost: x\r\n\r\n")
	if resp, _ := c.read("GET"); resp.Header.Get("X-Lean") != "true" {
		t.Fatal("not lean")
	}
	c.send("PUT /up HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n")
	line, err := c.br.ReadString('\n')
	if err != nil || line != "HTTP/1.1 100 Continue\r\n" {
		t.Fatalf("%q %v", line, err)
	}
	c.br.ReadString('\n')
	c.send("hello")
	resp, body := c.read("PUT")
	if body != "PUT /up HTTP/1.1 host=x body=hello" || resp.Header.Get("X-Lean") != "false" {
		t.Fatalf("%q %v", body, resp.Header)
	}
	// The connection now belongs to net/http.
	c.send("POST /chunked HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\nGET /after HTTP/1.1\r\nHost: x\r\n\r\n")
	if resp, body := c.read("POST"); body != "POST /chunked HTTP/1.1 host=x body=abcde" || resp.Header.Get("X-Lean") != "false" {
		t.Fatalf("%q %v", body, resp.Header)
	}
	if _, body := c.read("GET"); body != "GET /after HTTP/1.1 host=x body=" {
		t.Fatalf("%q", body)
	}

	// Chunked upload after pipelined lean requests in the same write.
	c = dial(t, ts.addr)
	c.send("GET /l1 HTTP/1.1\r\nHost: x\r\n\r\nPOST /c HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nz\r\n0\r\n\r\n")
	if resp, _ := c.read("GET"); resp.Header.Get("X-Lean") != "true" {
		t.Fatal("not lean")
	}
	if resp, body := c.read("POST"); body != "POST /c HTTP/1.1 host=x body=z" || resp.Header.Get("X-Lean") != "false" {
		t.Fatalf("%q", body)
	}
	// Through http.Client (aws-sdk style 100-continue).
	req, _ := http.NewRequest("PUT", "http://"+ts.addr+"/sdk", strings.NewReader("payload"))
	req.Header.Set("Expect", "100-continue")
	tr := &http.Transport{ExpectContinueTimeout: 5 * time.Second}
	defer tr.CloseIdleConnections()
	r2, err := (&http.Client{Transport: tr}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(r2.Body)
	r2.Body.Close()
	if string(b) != "PUT /sdk HTTP/1.1 host="+ts.addr+" body=payload" {
		t.Fatalf("%q", b)
	}
}

func TestHandoffHTTP2PrefaceAndTLS(t *testing.T) {
	ts := start(t, echo())
	ref := startNetHTTP(t, echo())
	for _, raw := range []string{
		"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n",
		"\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03\r\n\r\n",
	} {
		got := readAll(t, ts.addr, raw)
		want := readAll(t, ref, raw)
		if got != want {
			t.Errorf("%q: got %q want %q", raw, got, want)
		}
	}
}

func readAll(t *testing.T, addr, raw string) string {
	c := dial(t, addr)
	c.send(raw)
	b, _ := io.ReadAll(c.br)
	return string(b)
}

func TestShutdownWithInFlightRequest(t *testing.T) {
	entered := make(chan struct{})
	release := make(chan struct{})
	ts := start(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/slow" {
			close(entered)
			<-release
		}
		io.WriteString(w, "done")
	}))
	idle := dial(t, ts.addr)
	idle.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	idle.read("GET")

	busy := dial(t, ts.addr)
	busy.send("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n")
	<-entered
	shut := make(chan error, 1)
	go func() { shut <- ts.s.Shutdown(context.Background()) }()
	idle.expectEOF()
	select {
	case err := <-shut:
		t.Fatalf("Shutdown returned with a request in flight: %v", err)
	case <-time.After(100 * time.Millisecond):
	}
	if _, err := net.DialTimeout("tcp", ts.addr, time.Second); err == nil {
		t.Fatal("still accepting")
	}
	close(release)
	resp, body := busy.read("GET")
	if body != "done" || !resp.Close {
		t.Fatalf("%q close=%v", body, resp.Close)
	}
	busy.expectEOF()
	if err := <-shut; err != nil {
		t.Fatal(err)
	}
	if err := <-ts.done; !errors.Is(err, http.ErrServerClosed) {
		t.Fatalf("Serve: %v", err)
	}
	ts.done <- http.ErrServerClosed // for Cleanup
}

func TestShutdownDeadline(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	entered := make(chan struct{})
	ts := start(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(entered)
		<-release
	}))
	c := dial(t, ts.addr)
	c.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	<-entered
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if err := ts.s.Shutdown(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Shutdown: %v", err)
	}
	ts.s.Close()
	c.expectEOF()
}

func TestTimeouts(t *testing.T) {
	ts := start(t, echo(), func(s *http.Server) {
		s.IdleTimeout = 150 * time.Millisecond
		s.ReadHeaderTimeout = 150 * time.Millisecond
	})
	c := dial(t, ts.addr)
	c.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	c.read("GET")
	start := time.Now()
	c.expectEOF()
	if d := time.Since(start); d > 3*time.Second {
		t.Fatalf("idle connection closed after %v", d)
	}
	// A slow header.
	c = dial(t, ts.addr)
	c.send("GET / HTTP/1.1\r\nHo")
	c.expectEOF()
	// A connection that sends nothing.
	c = dial(t, ts.addr)
	c.expectEOF()
	// A body slower than the timeouts is fine: no deadline while the
	// handler reads it.
	c = dial(t, ts.addr)
	c.send("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\na")
	time.Sleep(400 * time.Millisecond)
	c.send("b")
	if _, body := c.read("POST"); body != "POST / HTTP/1.1 host=x body=ab" {
		t.Fatalf("%q", body)
	}
}

func TestPanics(t *testing.T) {
	ts := start(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "partial")
		switch r.URL.Path {
		case "/panic":
			panic("boom")
		case "/abort":
			panic(http.ErrAbortHandler)
		}
		io.WriteString(w, "ok")
	}))
	c := dial(t, ts.addr)
	// The first (pipelined) response still goes out.
	c.send("GET /fine HTTP/1.1\r\nHost: x\r\n\r\nGET /panic HTTP/1.1\r\nHost: x\r\n\r\n")
	if _, body := c.read("GET"); body != "partialok" {
		t.Fatalf("%q", body)
	}
	c.expectEOF()
	if !strings.Contains(ts.log.String(), "http: panic serving") || !strings.Contains(ts.log.String(), "boom") {
		t.Fatalf("log: %q", ts.log.String())
	}
	n := len(ts.log.String())
	c = dial(t, ts.addr)
	c.send("GET /abort HTTP/1.1\r\nHost: x\r\n\r\n")
	c.expectEOF()
	if len(ts.log.String()) != n {
		t.Fatalf("ErrAbortHandler logged: %q", ts.log.String()[n:])
	}
}

func TestRequestContextAndFields(t *testing.T) {
	var ctx context.Context
	var got *http.Request
	ts := start(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, got = r.Context(), r
		if r.Context().Err() != nil {
			t.Error("context canceled during the request")
		}
		w.Header().Set("A", "1")
		w.WriteHeader(201)
		w.Header().Set("B", "after WriteHeader: dropped")
	}))
	c := dial(t, ts.addr)
	c.send("GET /p%20q/r?x=1&y=%41 HTTP/1.1\r\nHost: example.com:80\r\nx-custom-thing: v1\r\nX-Custom-Thing: v2\r\nPragma: no-cache\r\n\r\n")
	resp, _ := c.read("GET")
	if resp.StatusCode != 201 || resp.Header.Get("A") != "1" || resp.Header.Get("B") != "" {
		t.Fatalf("%s %v", resp.Status, resp.Header)
	}
	if ctx.Err() == nil {
		t.Fatal("request context not canceled after the handler returned")
	}
	if got.URL.Path != "/p q/r" || got.URL.RawQuery != "x=1&y=%41" || got.Host != "example.com:80" ||
		strings.Join(got.Header["X-Custom-Thing"], ",") != "v1,v2" || got.Header.Get("Cache-Control") != "no-cache" ||
		got.RemoteAddr != c.c.LocalAddr().String() {
		t.Fatalf("%+v", got)
	}
	if la, ok := ctx.Value(http.LocalAddrContextKey).(net.Addr); !ok || la.String() != ts.addr {
		t.Fatalf("LocalAddrContextKey = %v", ctx.Value(http.LocalAddrContextKey))
	}
	if ctx.Value(http.ServerContextKey) != ts.s.Fallback {
		t.Fatal("ServerContextKey is not the fallback server")
	}
}

func TestHijackOnLeanPath(t *testing.T) {
	ts := start(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/hijack" {
			io.WriteString(w, "plain")
			return
		}
		if _, lean := w.(*response); !lean {
			t.Error("not on the lean path")
		}
		conn, brw, err := http.NewResponseController(w).Hijack()
		if err != nil {
			t.Error(err)
			return
		}
		defer conn.Close()
		// The bytes after the request are the hijacker's.
		line, _ := brw.ReadString('\n')
		brw.WriteString("HTTP/1.1 200 OK\r\nContent-Length: " + strconv.Itoa(len(line)) + "\r\n\r\n" + line)
		brw.Flush()
	}))
	c := dial(t, ts.addr)
	c.send("GET /first HTTP/1.1\r\nHost: x\r\n\r\nGET /hijack HTTP/1.1\r\nHost: x\r\n\r\nraw line\n")
	if _, body := c.read("GET"); body != "plain" {
		t.Fatalf("%q", body)
	}
	if _, body := c.read("GET"); body != "raw line\n" {
		t.Fatalf("%q", body)
	}
	c.expectEOF()
}

// A head larger than the read buffer is collected aside; handed off, it is
// replayed whole.
func TestLongHeadHandoff(t *testing.T) {
	ts := start(t, echo())
	filler := strings.Repeat("X-Filler: "+strings.Repeat("f", 100)+"\r\n", 100)
	c := dial(t, ts.addr)
	c.send("GET /lean HTTP/1.1\r\nHost: x\r\n" + filler + "\r\n" +
		"POST /chunked HTTP/1.1\r\nHost: x\r\n" + filler + "Transfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n")
	if resp, body := c.read("GET"); resp.Header.Get("X-Lean") != "true" || body != "GET /lean HTTP/1.1 host=x body=" {
		t.Fatalf("%q %v", body, resp.Header)
	}
	if resp, body := c.read("POST"); resp.Header.Get("X-Lean") != "false" || body != "POST /chunked HTTP/1.1 host=x body=ok" {
		t.Fatalf("%q %v", body, resp.Header)
	}
	// A bare LF line ending (net/http tolerates them) past the read buffer.
	c = dial(t, ts.addr)
	c.send("GET /lf HTTP/1.1\r\nHost: x\r\n" + filler + "X-Late: 1\n\r\n")
	if resp, body := c.read("GET"); resp.Header.Get("X-Lean") != "false" || body != "GET /lf HTTP/1.1 host=x body=" {
		t.Fatalf("%q %v", body, resp.Header)
	}
}

// A connection accepted before Shutdown whose first request has not
// arrived yet is not idle: as net/http does (StateNew, for up to 5s), the
// request is served (with Connection: close) instead of the connection
// being closed under a client that may already have sent it.
func TestShutdownServesNewConnection(t *testing.T) {
	ts := start(t, echo())
	c := dial(t, ts.addr)
	for {
		ts.s.mu.Lock()
		n := len(ts.s.conns)
		ts.s.mu.Unlock()
		if n == 1 {
			break
		}
		time.Sleep(time.Millisecond)
	}
	shut := make(chan error, 1)
	go func() { shut <- ts.s.Shutdown(context.Background()) }()
	returned := false
	select {
	case err := <-shut:
		t.Logf("Shutdown returned at once: %v", err)
		returned = true
	case <-time.After(100 * time.Millisecond):
	}
	c.send("GET /new HTTP/1.1\r\nHost: x\r\n\r\n")
	resp, err := http.ReadResponse(c.br, nil)
	if err != nil {
		t.Fatalf("request on a new connection during Shutdown: %v", err)
	}
	body, _ := io.ReadAll(resp.Body)
	if string(body) != "GET /new HTTP/1.1 host=x body=" || !resp.Close {
		t.Fatalf("%q close=%v", body, resp.Close)
	}
	c.expectEOF()
	if returned {
		t.Fatal("Shutdown returned with a connection waiting for its first request")
	}
	if err := <-shut; err != nil {
		t.Fatal(err)
	}
}
