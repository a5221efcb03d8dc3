//go:build linux

package main

import (
	"bufio"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"
)

// upstreamHandler answers by path: /plain (32-byte body), /echo (the
// request's method, headers and body as JSON), /chunked, /nobody (204),
// /slow (2 s), /close (Connection: close), /eof (close-delimited body),
// /big (1 MiB).
func upstreamHandler(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case "/plain":
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"ok":true,"from":"dpbench-up"}`+"\n")
	case "/echo":
		b, _ := io.ReadAll(r.Body)
		json.NewEncoder(w).Encode(map[string]any{"method": r.Method, "uri": r.RequestURI, "host": r.Host, "header": r.Header, "body": string(b)})
	case "/chunked":
		io.WriteString(w, "part one,")
		w.(http.Flusher).Flush()
		io.WriteString(w, "part two")
	case "/nobody":
		w.WriteHeader(204)
	case "/slow":
		time.Sleep(2 * time.Second)
	case "/close":
		w.Header().Set("Connection", "close")
		io.WriteString(w, "bye")
	case "/eof":
		c, bw, _ := w.(http.Hijacker).Hijack()
		bw.WriteString("HTTP/1.1 200 OK\r\nX-Eof: 1\r\n\r\nuntil the end")
		bw.Flush()
		c.Close()
	case "/big":
		w.Write([]byte(strings.Repeat("x", 1<<20)))
	default:
		http.NotFound(w, r)
	}
}

func startLoop(t *testing.T, upstream string, timeout time.Duration) string {
	t.Helper()
	uap := netip.MustParseAddrPort(upstream)
	l, err := newLoop(netip.MustParseAddrPort("127.0.0.1:0"), false, uap, upstream, timeout)
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		runtime.LockOSThread()
		if err := l.run(); err != nil {
			panic(err)
		}
	}()
	return "127.0.0.1:" + strconv.Itoa(int(l.lport))
}

func setup(t *testing.T, timeout time.Duration) (proxy string, up *httptest.Server) {
	up = httptest.NewServer(http.HandlerFunc(upstreamHandler))
	t.Cleanup(up.Close)
	return startLoop(t, up.Listener.Addr().String(), timeout), up
}

type client struct {
	t  *testing.T
	c  net.Conn
	br *bufio.Reader
}

func dial(t *testing.T, addr string) *client {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	c.SetDeadline(time.Now().Add(10 * time.Second))
	return &client{t, c, bufio.NewReader(c)}
}

func (c *client) send(s string) {
	if _, err := io.WriteString(c.c, s); err != nil {
		c.t.Fatal(err)
	}
}

func (c *client) read(method string) (*http.Response, string) {
	c.t.Helper()
	resp, err := http.ReadResponse(c.br, &http.Request{Method: method})
	if err != nil {
		c.t.Fatal(err)
	}
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		c.t.Fatal(err)
	}
	return resp, string(b)
}

func (c *client) expectEOF() {
	c.t.Helper()
	if b, err := c.br.ReadByte(); err != io.EOF {
		c.t.Fatalf("connection still open: %q %v", b, err)
	}
}

func TestEpollProxy(t *testing.T) {
	proxy, _ := setup(t, 29*time.Second)
	c := dial(t, proxy)

	c.send("GET /plain HTTP/1.1\r\nHost: x\r\n\r\n")
	resp, body := c.read("GET")
	if resp.StatusCode != 200 || body != `{"ok":true,"from":"dpbench-up"}`+"\n" {
		t.Fatalf("plain: %d %q", resp.StatusCode, body)
	}
	h := resp.Header
	if len(h.Get("X-Amzn-Requestid")) != 36 || len(h.Get("X-Amz-Apigw-Id")) != 16 || h.Get("Date") == "" ||
		h.Get("X-Amzn-Remapped-Content-Length") != "32" || h.Get("X-Amzn-Remapped-Date") == "" || h.Get("Content-Type") != "application/json" {
		t.Fatalf("plain headers: %v", h)
	}

	c.send("POST /echo?a=1 HTTP/1.1\r\nHost: x\r\nX-Forwarded-For: 10.0.0.1\r\nconnection: keep-alive\r\nfoo-bar:  baz \r\nProxy-Authorization: x\r\nContent-Length: 5\r\n\r\nhello")
	resp, body = c.read("POST")
	var echo struct {
		Method, URI, Host, Body string
		Header                  http.Header
	}
	if err := json.Unmarshal([]byte(body), &echo); err != nil || resp.StatusCode != 200 {
		t.Fatalf("echo: %d %q %v", resp.StatusCode, body, err)
	}
	eh := echo.Header
	_, port, _ := net.SplitHostPort(proxy)
	if echo.Method != "POST" || echo.URI != "/echo?a=1" || echo.Body != "hello" || eh.Get("Foo-Bar") != "baz" ||
		eh.Get("X-Forwarded-For") != "10.0.0.1, 127.0.0.1" || eh.Get("X-Forwarded-Proto") != "http" || eh.Get("X-Forwarded-Port") != port ||
		eh.Get("X-Amzn-Apigateway-Api-Id") != "abcdef1234" || !strings.HasPrefix(eh.Get("X-Amzn-Trace-Id"), "Root=1-") ||
		eh.Get("Connection") != "" || eh.Get("Proxy-Authorization") != "" || eh.Get("Content-Length") != "5" {
		t.Fatalf("echo: %+v", echo)
	}

	// Pipelined, answered in order.
	c.send("GET /echo?n=1 HTTP/1.1\r\nHost: x\r\n\r\nGET /plain HTTP/1.1\r\nHost: x\r\n\r\nPUT /echo?n=3 HTTP/1.1\r\nContent-Length: 2\r\n\r\nhi")
	for _, want := range []string{`"uri":"/echo?n=1"`, `dpbench-up`, `"body":"hi"`} {
		if _, body := c.read("GET"); !strings.Contains(body, want) {
			t.Fatalf("pipelined: %q lacks %q", body, want)
		}
	}

	c.send("GET /chunked HTTP/1.1\r\nHost: x\r\n\r\n")
	if resp, body := c.read("GET"); body != "part one,part two" || resp.ContentLength != 17 || resp.Header.Get("Transfer-Encoding") != "" {
		t.Fatalf("chunked: %v %q", resp.Header, body)
	}
	c.send("HEAD /plain HTTP/1.1\r\nHost: x\r\n\r\n")
	if resp, body := c.read("HEAD"); resp.StatusCode != 200 || resp.ContentLength != 32 || body != "" {
		t.Fatalf("head: %v %q", resp, body)
	}
	c.send("GET /nobody HTTP/1.1\r\nHost: x\r\n\r\n")
	if resp, _ := c.read("GET"); resp.StatusCode != 204 {
		t.Fatalf("204: %v", resp)
	}
	c.send("GET /eof HTTP/1.1\r\nHost: x\r\n\r\n")
	if resp, body := c.read("GET"); body != "until the end" || resp.Header.Get("X-Eof") != "1" {
		t.Fatalf("eof: %v %q", resp, body)
	}
	c.send("GET /close HTTP/1.1\r\nHost: x\r\n\r\n")
	if resp, body := c.read("GET"); body != "bye" || resp.Header.Get("X-Amzn-Remapped-Connection") != "close" || resp.Close {
		t.Fatalf("close: %v %q", resp, body)
	}
	c.send("GET /big HTTP/1.1\r\nHost: x\r\n\r\n")
	if _, body := c.read("GET"); len(body) != 1<<20 {
		t.Fatalf("big: %d bytes", len(body))
	}
	c.send("GET /plain HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
	if resp, _ := c.read("GET"); resp.StatusCode != 200 || !resp.Close {
		t.Fatalf("connection close: %v", resp)
	}
	c.expectEOF()

	// HTTP/1.0 without keep-alive: closed after the answer.
	c = dial(t, proxy)
	c.send("GET /plain HTTP/1.0\r\n\r\n")
	if resp, _ := c.read("GET"); resp.StatusCode != 200 {
		t.Fatalf("1.0: %v", resp)
	}
	c.expectEOF()
}

func TestEpollBadRequests(t *testing.T) {
	proxy, _ := setup(t, 29*time.Second)
	for _, req := range []string{
		"GARBAGE\r\n\r\n",
		"GET / HTTP/2.0\r\n\r\n",
		"POST /echo HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
		"GET / HTTP/1.1\r\nBad Header: x\r\n\r\n",
		"GET / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab",
		"GET / HTTP/1.1\r\nX: " + strings.Repeat("a", maxHeader) + "\r\n\r\n",
	} {
		c := dial(t, proxy)
		c.send(req)
		if resp, _ := c.read("GET"); resp.StatusCode != 400 {
			t.Fatalf("%.40q: %d", req, resp.StatusCode)
		}
		c.expectEOF()
	}
}

func TestEpollUpstreamFailures(t *testing.T) {
	// Timeout: 504, and the connection goes on.
	proxy, up := setup(t, 300*time.Millisecond)
	c := dial(t, proxy)
	c.send("GET /slow HTTP/1.1\r\n\r\n")
	if resp, _ := c.read("GET"); resp.StatusCode != 504 {
		t.Fatalf("slow: %d", resp.StatusCode)
	}
	c.send("GET /plain HTTP/1.1\r\n\r\n")
	if resp, _ := c.read("GET"); resp.StatusCode != 200 {
		t.Fatalf("after 504: %d", resp.StatusCode)
	}
	// The upstream closes its idle connections: the next request still works.
	up.CloseClientConnections()
	c.send("GET /plain HTTP/1.1\r\n\r\n")
	if resp, _ := c.read("GET"); resp.StatusCode != 200 {
		t.Fatalf("after the upstream closed: %d", resp.StatusCode)
	}
	// Upstream gone: 502, and the connection goes on.
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	dead := ln.Addr().String()
	ln.Close()
	c = dial(t, startLoop(t, dead, time.Second))
	for range 2 {
		c.send("GET /plain HTTP/1.1\r\n\r\n")
		if resp, body := c.read("GET"); resp.StatusCode != 502 || !strings.Contains(body, "Internal server error") {
			t.Fatalf("dead upstream: %d %q", resp.StatusCode, body)
		}
	}
}
