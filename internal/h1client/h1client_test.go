package h1client

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// countingServer is an httptest server that counts accepted connections.
func countingServer(t *testing.T, h http.HandlerFunc) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var n atomic.Int32
	s := httptest.NewUnstartedServer(h)
	s.Config.ConnState = func(_ net.Conn, st http.ConnState) {
		if st == http.StateNew {
			n.Add(1)
		}
	}
	s.Start()
	t.Cleanup(s.Close)
	return s, &n
}

// rawServer accepts connections and hands each to serve; it counts them.
func rawServer(t *testing.T, serve func(net.Conn)) (string, *atomic.Int32) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var n atomic.Int32
	var wg sync.WaitGroup
	t.Cleanup(func() { ln.Close(); wg.Wait() })
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			n.Add(1)
			wg.Add(1)
			go func() { defer wg.Done(); defer c.Close(); serve(c) }()
		}
	}()
	return "http://" + ln.Addr().String(), &n
}

// readReq reads one request head (and a Content-Length body) from br.
func readReq(br *bufio.Reader) (*http.Request, []byte, error) {
	req, err := http.ReadRequest(br)
	if err != nil {
		return nil, nil, err
	}
	b, err := io.ReadAll(req.Body)
	return req, b, err
}

func newT(t *testing.T) *Transport {
	tr := New(Options{Fallback: &http.Transport{}})
	t.Cleanup(tr.CloseIdleConnections)
	return tr
}

func get(t *testing.T, c *http.Client, u string) (*http.Response, string) {
	t.Helper()
	resp, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	return resp, string(b)
}

func TestKeepAliveReuse(t *testing.T) {
	s, conns := countingServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Host", r.Host)
		w.Header().Set("X-UA", r.Header.Get("User-Agent"))
		fmt.Fprintf(w, "%s %s", r.Method, r.URL.RequestURI())
	})
	c := &http.Client{Transport: newT(t)}
	for i := range 10 {
		resp, body := get(t, c, fmt.Sprintf("%s/a%%2Fb/%d?x=1&y=%%20", s.URL, i))
		if want := fmt.Sprintf("GET /a%%2Fb/%d?x=1&y=%%20", i); body != want {
			t.Fatalf("body %q, want %q", body, want)
		}
		if resp.Header.Get("x-ua") != "Go-http-client/1.1" || resp.Header.Get("Content-Type") == "" {
			t.Fatalf("headers %v", resp.Header)
		}
	}
	if n := conns.Load(); n != 1 {
		t.Fatalf("%d connections for 10 sequential requests, want 1", n)
	}
	// Host comes from req.Host.
	req, _ := http.NewRequest("GET", s.URL, nil)
	req.Host = "api.example.com"
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if got := resp.Header.Get("X-Host"); got != "api.example.com" {
		t.Fatalf("Host %q", got)
	}
}

// oneShot serves one request per connection with a keep-alive response,
// then closes the connection: the keep-alive race on every reuse.
func oneShot(closed chan<- struct{}) func(net.Conn) {
	return func(c net.Conn) {
		br := bufio.NewReader(c)
		req, body, err := readReq(br)
		if err != nil {
			return
		}
		msg := req.Method + " " + string(body)
		fmt.Fprintf(c, "HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s", len(msg), msg)
		c.Close()
		if closed != nil {
			closed <- struct{}{}
		}
	}
}

func TestRetryWhenReusedConnClosed(t *testing.T) {
	closed := make(chan struct{}, 10)
	u, conns := rawServer(t, oneShot(closed))
	c := &http.Client{Transport: newT(t)}
	for i := range 3 {
		_, body := get(t, c, u)
		if body != "GET " {
			t.Fatalf("body %q", body)
		}
		<-closed // the server has closed the idle connection
		_ = i
	}
	if n := conns.Load(); n != 3 {
		t.Fatalf("%d connections, want 3", n)
	}
	// A POST with an idempotency key and GetBody is replayed with its body.
	req, _ := http.NewRequest("POST", u, strings.NewReader("payload"))
	req.Header.Set("Idempotency-Key", "k1")
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(b) != "POST payload" {
		t.Fatalf("body %q", b)
	}
	<-closed
	// A plain POST is not replayed, but the liveness check before reuse
	// finds the closed connection: no error either.
	resp, err = c.Post(u, "text/plain", strings.NewReader("p2"))
	if err != nil {
		t.Fatal(err)
	}
	b, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(b) != "POST p2" {
		t.Fatalf("body %q", b)
	}
}

func TestNoRetryOnFreshConn(t *testing.T) {
	u, conns := rawServer(t, func(c net.Conn) {
		readReq(bufio.NewReader(c))
	})
	c := &http.Client{Transport: newT(t)}
	_, err := c.Get(u)
	if !errors.Is(err, io.EOF) { // as net/http: Get "...": EOF
		t.Fatalf("err %v, want EOF", err)
	}
	if n := conns.Load(); n != 1 {
		t.Fatalf("%d connections, want 1 (no retry on a fresh connection)", n)
	}
}

func TestChunkedResponse(t *testing.T) {
	s, conns := countingServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Trailer", "X-Sum")
		for i := range 5 {
			fmt.Fprintf(w, "part%d;", i)
			w.(http.Flusher).Flush()
		}
		w.Header().Set("X-Sum", "done")
	})
	c := &http.Client{Transport: newT(t)}
	for range 3 {
		resp, body := get(t, c, s.URL)
		if body != "part0;part1;part2;part3;part4;" {
			t.Fatalf("body %q", body)
		}
		if resp.ContentLength != -1 || resp.Header.Get("Transfer-Encoding") != "" || len(resp.TransferEncoding) != 1 {
			t.Fatalf("framing: %d %v %v", resp.ContentLength, resp.Header, resp.TransferEncoding)
		}
	}
	if n := conns.Load(); n != 1 {
		t.Fatalf("%d connections, want 1", n)
	}
}

func TestCloseDelimitedResponse(t *testing.T) {
	u, conns := rawServer(t, func(c net.Conn) {
		if _, _, err := readReq(bufio.NewReader(c)); err != nil {
			return
		}
		io.WriteString(c, "HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\nx-multi: a\r\nX-MULTI: b\r\n\r\nuntil the end")
	})
	c := &http.Client{Transport: newT(t)}
	for range 2 {
		resp, body := get(t, c, u)
		if body != "until the end" || !resp.Close || resp.ContentLength != -1 {
			t.Fatalf("body %q close %v len %d", body, resp.Close, resp.ContentLength)
		}
		if resp.Header.Get("Content-Type") != "text/plain" || strings.Join(resp.Header.Values("X-Multi"), ",") != "a,b" {
			t.Fatalf("header %v", resp.Header)
		}
	}
	if n := conns.Load(); n != 2 {
		t.Fatalf("%d connections, want 2", n)
	}
}

func TestLargeBodies(t *testing.T) {
	s, conns := countingServer(t, func(w http.ResponseWriter, r *http.Request) {
		h := sha256.New()
		n, _ := io.Copy(h, r.Body)
		w.Header().Set("X-Got", fmt.Sprintf("%d %x %v", n, h.Sum(nil), r.TransferEncoding))
		big := bytes.Repeat([]byte("0123456789abcdef"), 5<<20/16)
		w.Write(big)
	})
	c := &http.Client{Transport: newT(t)}
	payload := bytes.Repeat([]byte("xyz"), 1<<20)
	sum := fmt.Sprintf("%x", sha256.Sum256(payload))
	// Content-Length body.
	resp, err := c.Post(s.URL, "application/octet-stream", bytes.NewReader(payload))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if got := resp.Header.Get("X-Got"); got != fmt.Sprintf("%d %s []", len(payload), sum) || len(b) != 5<<20 {
		t.Fatalf("got %q, %d bytes back", got, len(b))
	}
	// Unknown length: chunked.
	req, _ := http.NewRequest("PUT", s.URL, io.MultiReader(bytes.NewReader(payload[:1000]), bytes.NewReader(payload[1000:])))
	if req.ContentLength != 0 {
		t.Fatal("expected unknown length")
	}
	resp, err = c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if got := resp.Header.Get("X-Got"); got != fmt.Sprintf("%d %s [chunked]", len(payload), sum) || len(b) != 5<<20 {
		t.Fatalf("got %q", got)
	}
	if n := conns.Load(); n != 1 {
		t.Fatalf("%d connections, want 1", n)
	}
}

func TestNoBodyResponses(t *testing.T) {
	s, conns := countingServer(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/204":
			w.WriteHeader(204)
		case "/304":
			w.WriteHeader(304)
		default:
			w.Header().Set("Content-Length", "100")
			if r.Method != "HEAD" {
				w.Write(make([]byte, 100))
			}
		}
	})
	c := &http.Client{Transport: newT(t)}
	resp, err := c.Head(s.URL)
	if err != nil {
		t.Fatal(err)
	}
	if resp.ContentLength != 100 || resp.Body != http.NoBody {
		t.Fatalf("HEAD: len %d body %T", resp.ContentLength, resp.Body)
	}
	resp.Body.Close()
	for _, p := range []string{"/204", "/304", "/"} {
		resp, body := get(t, c, s.URL+p)
		if p != "/" && (body != "" || resp.ContentLength != 0) {
			t.Fatalf("%s: %q", p, body)
		}
	}
	if n := conns.Load(); n != 1 {
		t.Fatalf("%d connections, want 1", n)
	}
}

func TestInterimResponsesSkipped(t *testing.T) {
	u, _ := rawServer(t, func(c net.Conn) {
		if _, _, err := readReq(bufio.NewReader(c)); err != nil {
			return
		}
		io.WriteString(c, "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </s.css>\r\n\r\n"+
			"HTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok")
	})
	c := &http.Client{Transport: newT(t)}
	resp, body := get(t, c, u)
	if resp.StatusCode != 201 || resp.Status != "201 Created" || body != "ok" || resp.Header.Get("Link") != "" {
		t.Fatalf("%d %q %q %v", resp.StatusCode, resp.Status, body, resp.Header)
	}
}

func TestHeaderLimit(t *testing.T) {
	s, _ := countingServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Big", strings.Repeat("v", 3000))
	})
	tr := New(Options{MaxResponseHeaderBytes: 2048})
	defer tr.CloseIdleConnections()
	_, err := (&http.Client{Transport: tr}).Get(s.URL)
	if err == nil || !strings.Contains(err.Error(), "exceeded 2048 bytes") {
		t.Fatalf("err %v", err)
	}
	// Under the limit (and over bufio's 4 KiB line buffer) it works.
	tr = New(Options{})
	defer tr.CloseIdleConnections()
	resp, _ := get(t, &http.Client{Transport: tr}, s.URL)
	if len(resp.Header.Get("X-Big")) != 3000 {
		t.Fatal("X-Big lost")
	}
}

// blockingServer's handler tells started, then blocks until release is
// closed (or the client goes away).
func blockingServer(t *testing.T, headFirst bool) (*httptest.Server, chan struct{}, chan struct{}) {
	started, release := make(chan struct{}, 10), make(chan struct{})
	s, _ := countingServer(t, func(w http.ResponseWriter, r *http.Request) {
		if headFirst {
			w.Header().Set("Content-Length", "10")
			w.Write([]byte("12345"))
			w.(http.Flusher).Flush()
		}
		started <- struct{}{}
		select {
		case <-release:
		case <-r.Context().Done():
		}
	})
	t.Cleanup(func() {
		select {
		case <-release:
		default:
			close(release)
		}
	})
	return s, started, release
}

func TestTimeout(t *testing.T) {
	for _, headFirst := range []bool{false, true} {
		s, _, release := blockingServer(t, headFirst)
		c := &http.Client{Transport: newT(t)}
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		req, _ := http.NewRequestWithContext(ctx, "GET", s.URL, nil)
		resp, err := c.Do(req)
		if headFirst {
			if err != nil {
				t.Fatal(err)
			}
			_, err = io.ReadAll(resp.Body)
			resp.Body.Close()
		}
		cancel()
		close(release)
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("headFirst=%v: err %v, want DeadlineExceeded", headFirst, err)
		}
		var ne net.Error
		if !headFirst && (!errors.As(err, &ne) || !ne.Timeout()) {
			t.Fatalf("err %v is not a net.Error timeout", err)
		}
	}
}

func TestCancel(t *testing.T) {
	for _, headFirst := range []bool{false, true} {
		s, started, _ := blockingServer(t, headFirst)
		c := &http.Client{Transport: newT(t)}
		ctx, cancel := context.WithCancel(context.Background())
		go func() { <-started; cancel() }()
		req, _ := http.NewRequestWithContext(ctx, "GET", s.URL, nil)
		resp, err := c.Do(req)
		if headFirst && err == nil {
			_, err = io.ReadAll(resp.Body)
			resp.Body.Close()
		}
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("headFirst=%v: err %v, want Canceled", headFirst, err)
		}
	}
}

func TestDialError(t *testing.T) {
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := ln.Addr().String()
	ln.Close()
	_, err := (&http.Client{Transport: newT(t)}).Get("http://" + addr + "/")
	var op *net.OpError
	if !errors.As(err, &op) || op.Op != "dial" {
		t.Fatalf("err %v, want a dial OpError", err)
	}
}

func TestConcurrent(t *testing.T) {
	s, conns := countingServer(t, func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		w.Write(b)
	})
	c := &http.Client{Transport: newT(t)}
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for g := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 40 {
				msg := fmt.Sprintf("g%d-i%d", g, i)
				resp, err := c.Post(s.URL, "text/plain", strings.NewReader(msg))
				if err != nil {
					errs <- err
					return
				}
				b, err := io.ReadAll(resp.Body)
				resp.Body.Close()
				if err != nil || string(b) != msg {
					errs <- fmt.Errorf("%q %v", b, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if n := conns.Load(); n > 16 {
		t.Fatalf("%d connections for 16 goroutines", n)
	}
}

func TestBodyNotFullyRead(t *testing.T) {
	s, conns := countingServer(t, func(w http.ResponseWriter, r *http.Request) {
		n := 100
		if r.URL.Path == "/big" {
			n = 1 << 20
		}
		w.Write(make([]byte, n))
	})
	c := &http.Client{Transport: newT(t)}
	read := func(p string) {
		resp, err := c.Get(s.URL + p)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Read(make([]byte, 10))
		resp.Body.Close()
		if _, err := resp.Body.Read(make([]byte, 1)); err == nil {
			t.Fatal("read after close")
		}
	}
	read("/small")
	read("/small") // drained on Close: reused
	if n := conns.Load(); n != 1 {
		t.Fatalf("%d connections, want 1", n)
	}
	read("/big") // too much left: closed
	read("/small")
	if n := conns.Load(); n != 2 {
		t.Fatalf("%d connections, want 2", n)
	}
}

func TestConnectionClose(t *testing.T) {
	s, conns := countingServer(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/close" {
			w.Header().Set("Connection", "close")
		}
		io.WriteString(w, "x")
	})
	c := &http.Client{Transport: newT(t)}
	get(t, c, s.URL+"/close") // server side
	get(t, c, s.URL)
	req, _ := http.NewRequest("GET", s.URL, nil)
	req.Close = true // client side
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.ReadAll(resp.Body)
	resp.Body.Close()
	get(t, c, s.URL)
	if n := conns.Load(); n != 3 {
		t.Fatalf("%d connections, want 3", n)
	}
}

func TestInvalidHeaderRejected(t *testing.T) {
	req, _ := http.NewRequest("GET", "http://127.0.0.1:1/", nil)
	req.Header["X-Evil"] = []string{"a\r\nX-Injected: 1"}
	if _, err := newT(t).RoundTrip(req); err == nil || !strings.Contains(err.Error(), "invalid header field value") {
		t.Fatalf("err %v", err)
	}
}

func TestFallbackHTTPS(t *testing.T) {
	s := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "tls") }))
	defer s.Close()
	tr := New(Options{Fallback: s.Client().Transport})
	_, body := get(t, &http.Client{Transport: tr}, s.URL)
	if body != "tls" {
		t.Fatalf("body %q", body)
	}
	// WithFallback shares the pool and swaps the fallback.
	plain := New(Options{})
	if d := plain.WithFallback(s.Client().Transport); d.p != plain.p {
		t.Fatal("pool not shared")
	} else if _, body := get(t, &http.Client{Transport: d}, s.URL); body != "tls" {
		t.Fatalf("body %q", body)
	}
}

func TestProxyFromFallback(t *testing.T) {
	proxied := false
	px := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		proxied = r.URL.IsAbs()
		io.WriteString(w, "via proxy")
	}))
	defer px.Close()
	pu, _ := url.Parse(px.URL)
	tr := New(Options{Fallback: &http.Transport{Proxy: http.ProxyURL(pu)}})
	_, body := get(t, &http.Client{Transport: tr}, "http://upstream.invalid/x")
	if body != "via proxy" || !proxied {
		t.Fatalf("body %q proxied %v", body, proxied)
	}
}

func TestIdleTimeout(t *testing.T) {
	s, conns := countingServer(t, func(w http.ResponseWriter, r *http.Request) {})
	tr := New(Options{IdleTimeout: time.Nanosecond})
	c := &http.Client{Transport: tr}
	get(t, c, s.URL)
	get(t, c, s.URL)
	if n := conns.Load(); n != 2 {
		t.Fatalf("%d connections, want 2 (idle timeout)", n)
	}
	tr.CloseIdleConnections()
}

// timerless has a deadline but no timer: Done never closes on its own,
// like the data planes' upstream.Deadline. A transport that says it
// HonoursContextDeadline must still stop at the deadline, on its own
// connections and through the fallback.
type timerless struct {
	context.Context
	d time.Time
}

func (c timerless) Deadline() (time.Time, bool) { return c.d, true }
func (c timerless) Err() error {
	if !time.Now().Before(c.d) {
		return context.DeadlineExceeded
	}
	return nil
}

func TestTimerlessDeadline(t *testing.T) {
	block := make(chan struct{})
	slow := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-block:
		case <-r.Context().Done():
		}
	})
	plain := httptest.NewServer(slow)
	defer plain.Close()
	tlsSrv := httptest.NewTLSServer(slow)
	defer tlsSrv.Close()
	defer close(block) // first, so the servers' Close does not wait for a blocked handler
	tr := New(Options{Fallback: tlsSrv.Client().Transport})
	if !tr.HonoursContextDeadline() {
		t.Fatal("HonoursContextDeadline = false")
	}
	for _, u := range []string{plain.URL, tlsSrv.URL} {
		ctx := timerless{context.Background(), time.Now().Add(50 * time.Millisecond)}
		req, _ := http.NewRequestWithContext(ctx, "GET", u, nil)
		done := make(chan error, 1)
		go func() {
			resp, err := tr.RoundTrip(req)
			if err == nil {
				resp.Body.Close()
			}
			done <- err
		}()
		select {
		case err := <-done:
			if !errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("%s: err %v, want DeadlineExceeded", u, err)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("%s: the request outlived its deadline (a hang guard, not a timing assertion)", u)
		}
	}
}
