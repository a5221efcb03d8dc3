package h1server

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"testing"
)

// BenchmarkServe compares the lean path with net/http for a small GET
// answered with a small body, one request at a time on a keep-alive
// connection (client and server in this process).
func BenchmarkServe(b *testing.B) {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"pong":true}`)
	})
	for _, engine := range []string{"lean", "nethttp"} {
		b.Run(engine, func(b *testing.B) {
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				b.Fatal(err)
			}
			fb := &http.Server{Handler: h}
			if engine == "lean" {
				s := &Server{Fallback: fb}
				go s.Serve(ln)
				defer s.Close()
			} else {
				go fb.Serve(ln)
				defer fb.Close()
			}
			c, err := net.Dial("tcp", ln.Addr().String())
			if err != nil {
				b.Fatal(err)
			}
			defer c.Close()
			br := bufio.NewReader(c)
			req := []byte("GET /ping HTTP/1.1\r\nHost: localhost\r\nUser-Agent: bench\r\nAccept: */*\r\n\r\n")
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				if _, err := c.Write(req); err != nil {
					b.Fatal(err)
				}
				resp, err := http.ReadResponse(br, nil)
				if err != nil {
					b.Fatal(err)
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
		})
	}
}
