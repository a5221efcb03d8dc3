package h1client

import (
	"bufio"
	"io"
	"net"
	"net/http"
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
