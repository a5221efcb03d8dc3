package h1server

import (
	"bufio"
	"bytes"
	"net/http"
	"slices"
	"testing"
)

// FuzzParseRequest checks that the request parser never panics, and that
// whatever it accepts net/http's parser accepts too, with the same method,
// target, URL, host, length and header fields.
func FuzzParseRequest(f *testing.F) {
	for _, s := range append(slices.Clone(malformed), obsFold,
		"GET / HTTP/1.1\r\nHost: x\r\n\r\n",
		"GET /a/b?c=d&e HTTP/1.0\r\nConnection: keep-alive\r\n\r\n",
		"POST /p%20q HTTP/1.1\r\nHost: h:1\r\nContent-Length: 3\r\nx-amz-date: 1\r\nX-AMZ-DATE: 2\r\n\r\nabc",
		"PUT /x? HTTP/1.1\r\nHost: [::1]:80\r\nPragma: no-cache\r\nExpect: 100-continue\r\n\r\n",
		"GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n",
		"DELETE /é HTTP/1.1\r\nHost: x\r\nX: \xff\t\r\n\r\n",
		"GET /a!b*(c)'?b={\"x\"}&c=%zz|^` HTTP/1.1\r\nHost: x\r\nBad Key: 1\r\n\r\n",
		"GET //x/../y/%2F?? HTTP/1.1\r\nHost: x\r\nConnection: keep-alive, close\r\n\r\n",
	) {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		n := scanHead(data, 0)
		if n <= 0 {
			return
		}
		var h head
		if parseHead(data[:n], &h) != parseOK {
			return
		}
		req, err := http.ReadRequest(bufio.NewReader(bytes.NewReader(data)))
		if err != nil {
			t.Fatalf("accepted %q, net/http: %v", data[:n], err)
		}
		delete(req.Header, "Host")
		if req.Method != h.method || req.RequestURI != h.target || req.URL.String() != h.url.String() ||
			req.URL.RawPath != h.url.RawPath || req.URL.Path != h.url.Path || req.URL.RawQuery != h.url.RawQuery ||
			req.Host != h.host || req.ProtoMinor != h.minor || req.Close != h.close {
			t.Fatalf("%q: net/http %s %q %#v host %q minor %d close %v; lean %s %q %#v host %q minor %d close %v",
				data[:n], req.Method, req.RequestURI, req.URL, req.Host, req.ProtoMinor, req.Close,
				h.method, h.target, h.url, h.host, h.minor, h.close)
		}
		if cl := max(h.clen, 0); req.ContentLength != cl {
			t.Fatalf("%q: Content-Length %d, lean %d", data[:n], req.ContentLength, cl)
		}
		if len(req.Header) != len(h.header) {
			t.Fatalf("%q: header %v, lean %v", data[:n], req.Header, h.header)
		}
		for k, v := range req.Header {
			if !slices.Equal(v, h.header[k]) {
				t.Fatalf("%q: %s = %q, lean %q", data[:n], k, v, h.header[k])
			}
		}
	})
}

// The differential checks of FuzzParseRequest also run on the seed corpus
// as a plain test; this one adds the framing: whatever scanHead finds is a
// prefix that ends in CRLF CRLF.
func TestScanHead(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int
	}{
		{"GET / HTTP/1.1\r\nHost: x\r\n\r\nrest", 27},
		{"GET / HTTP/1.1\r\nHost: x\r\n", 0},
		{"GET / HTTP/1.1\nHost: x\n\n", -1},
		{"\r\nGET / HTTP/1.1\r\n\r\n", -1},
		{"GET / HTTP/1.1\r\n\r\n", 18},
		{"", 0},
	} {
		if got := scanHead([]byte(tc.in), 0); got != tc.want {
			t.Errorf("scanHead(%q) = %d, want %d", tc.in, got, tc.want)
		}
	}
}
