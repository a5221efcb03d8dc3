package h1client

import (
	"bufio"
	"bytes"
	"io"
	"net/http"
	"net/textproto"
	"testing"
)

// FuzzReadResponse feeds arbitrary bytes to the response parser and body
// reader: no panic, canonical header keys, framing consistent with the
// head, and the same status and body as net/http's parser whenever both
// accept the input.
func FuzzReadResponse(f *testing.F) {
	for _, s := range []string{
		"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello",
		"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\n0\r\nX-T: 1\r\n\r\n",
		"HTTP/1.0 200 OK\r\n\r\nclose delimited",
		"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n",
		"HTTP/1.1 404 Not Found\r\ncontent-type: text/plain\r\nx-a: 1\r\nX-A: 2\r\nContent-Length: 0\r\n\r\n",
		"HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd",
		"HTTP/1.1 200\r\nContent-Length: 2\r\n\r\nok",
		"HTTP/1.1 200 OK\nContent-Length: 2\n\nok",
	} {
		f.Add([]byte(s), false)
		f.Add([]byte(s), true)
	}
	f.Fuzz(func(t *testing.T, data []byte, head bool) {
		method := "GET"
		if head {
			method = "HEAD"
		}
		var hbuf []byte
		var offs []int
		var resp http.Response
		var b body
		br := bufio.NewReaderSize(bytes.NewReader(data), 16)
		if err := readResponse(br, method, 4096, &hbuf, &offs, &resp, &b); err != nil {
			return
		}
		if resp.StatusCode < 100 || resp.StatusCode > 999 || resp.StatusCode < 200 && resp.StatusCode != 101 {
			t.Fatalf("status %d", resp.StatusCode)
		}
		for k := range resp.Header {
			if k != textproto.CanonicalMIMEHeaderKey(k) {
				t.Fatalf("key %q not canonical", k)
			}
		}
		got, err := io.ReadAll(io.LimitReader(&b, 1<<20))
		if b.kind == bodyFixed && err == nil && int64(len(got)) != resp.ContentLength {
			t.Fatalf("read %d bytes of a %d-byte body", len(got), resp.ContentLength)
		}
		if b.kind == bodyNone && len(got) != 0 {
			t.Fatal("body where none is expected")
		}
		// Compare with net/http where it accepts the same input (it
		// returns interim responses, which we skip).
		req := &http.Request{Method: method}
		want, werr := http.ReadResponse(bufio.NewReader(bytes.NewReader(data)), req)
		if werr != nil || want.StatusCode < 200 {
			return
		}
		wbody, werr := io.ReadAll(io.LimitReader(want.Body, 1<<20))
		if werr != nil || err != nil {
			return
		}
		if want.StatusCode != resp.StatusCode || !bytes.Equal(wbody, got) {
			t.Fatalf("net/http: %d %q; h1client: %d %q", want.StatusCode, wbody, resp.StatusCode, got)
		}
	})
}
