package h1client

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"strconv"
	"testing"
)

// A server that sends bytes after a response's body (here a whole second
// response, in the same write) must not have them read as the answer to
// the next request on the connection: the connection is not reused.
func TestExtraBytesAfterBodyNotReused(t *testing.T) {
	for _, tc := range []struct{ name, first string }{
		{"fixed", "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"},
		{"chunked", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n"},
		{"no body", "HTTP/1.1 204 No Content\r\n\r\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			u, conns := rawServer(t, func(c net.Conn) {
				br := bufio.NewReader(c)
				for {
					req, _, err := readReq(br)
					if err != nil {
						return
					}
					if req.URL.Path == "/first" {
						io.WriteString(c, tc.first+"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nSTALE")
					} else {
						io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nfresh")
					}
				}
			})
			c := &http.Client{Transport: newT(t)}
			get(t, c, u+"/first")
			if _, body := get(t, c, u+"/second"); body != "fresh" {
				t.Fatalf("second response %q (connections: %d)", body, conns.Load())
			}
		})
	}
}

// Host, method and URL are checked as net/http checks them (it answers
// "http: invalid Host header" and "net/http: invalid method"): neither can carry
// CR LF into the request head.
func TestHostAndMethodInjectionRejected(t *testing.T) {
	u, _ := rawServer(t, func(c net.Conn) {
		br := bufio.NewReader(c)
		for {
			req, _, err := readReq(br)
			if err != nil {
				return
			}
			io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: "+strconv.Itoa(len(req.Header.Get("X-Injected")))+"\r\n\r\n"+req.Header.Get("X-Injected"))
		}
	})
	tr := newT(t)
	for _, mod := range []func(*http.Request){
		func(r *http.Request) { r.Host = "example.com\r\nX-Injected:yes" },
		func(r *http.Request) { r.Method = "GET /x HTTP/1.1\r\nX-Injected: yes\r\nY:" },
		// net/http: "can't write control character in Request.URL"
		func(r *http.Request) { r.URL.RawQuery = "a HTTP/1.1\r\nX-Injected:yes\r\nY:" },
		func(r *http.Request) { r.URL.Opaque = "/a HTTP/1.1\r\nX-Injected:yes\r\nY:" },
	} {
		req, _ := http.NewRequestWithContext(context.Background(), "GET", u+"/", nil)
		mod(req)
		resp, err := tr.RoundTrip(req)
		if err == nil {
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			t.Fatalf("sent: %q %q, got %s %q", req.Method, req.Host, resp.Status, b)
		}
	}
}
