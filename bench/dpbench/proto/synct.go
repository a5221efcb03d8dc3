// synct is a minimal synchronous HTTP/1.1 client transport: the
// calling goroutine writes the request on a pooled keep-alive connection
// and reads the response itself (no readLoop/writeLoop goroutines, no
// channels, no per-request context plumbing).
package main

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"net"
	"net/textproto"
	"strconv"
	"sync"
	"time"
)

type Pool struct {
	Addr    string
	Timeout time.Duration
	mu      sync.Mutex
	idle    []*conn
}

type conn struct {
	c  net.Conn
	br *bufio.Reader
	bw *bufio.Writer
}

func (p *Pool) get() (*conn, error) {
	p.mu.Lock()
	if n := len(p.idle); n > 0 {
		c := p.idle[n-1]
		p.idle = p.idle[:n-1]
		p.mu.Unlock()
		return c, nil
	}
	p.mu.Unlock()
	c, err := net.DialTimeout("tcp", p.Addr, 10*time.Second)
	if err != nil {
		return nil, err
	}
	return &conn{c: c, br: bufio.NewReaderSize(c, 4096), bw: bufio.NewWriterSize(c, 4096)}, nil
}

func (p *Pool) put(c *conn) {
	p.mu.Lock()
	if len(p.idle) < 1024 {
		p.idle = append(p.idle, c)
		p.mu.Unlock()
		return
	}
	p.mu.Unlock()
	c.c.Close()
}

// Header is an ordered list of name/value pairs.
type Header []KV
type KV struct{ K, V string }

type Response struct {
	Status int
	Header Header
	Body   []byte
}

var errMalformed = errors.New("malformed response")

// Do sends one request; it retries once on a fresh connection when a
// reused one turns out to be closed before anything was read.
func (p *Pool) Do(method, uri string, h Header, body []byte, resp *Response) error {
	for attempt := 0; ; attempt++ {
		c, err := p.get()
		if err != nil {
			return err
		}
		err = p.do(c, method, uri, h, body, resp)
		if err == nil {
			return nil
		}
		c.c.Close()
		if attempt > 0 || !errors.Is(err, io.EOF) {
			return err
		}
	}
}

func (p *Pool) do(c *conn, method, uri string, h Header, body []byte, resp *Response) error {
	if p.Timeout > 0 {
		c.c.SetDeadline(time.Now().Add(p.Timeout))
	}
	w := c.bw
	w.WriteString(method)
	w.WriteByte(' ')
	w.WriteString(uri)
	w.WriteString(" HTTP/1.1\r\nHost: ")
	w.WriteString(p.Addr)
	w.WriteString("\r\n")
	for _, kv := range h {
		w.WriteString(kv.K)
		w.WriteString(": ")
		w.WriteString(kv.V)
		w.WriteString("\r\n")
	}
	if len(body) > 0 || method == "POST" || method == "PUT" || method == "PATCH" {
		w.WriteString("Content-Length: ")
		w.WriteString(strconv.Itoa(len(body)))
		w.WriteString("\r\n")
	}
	w.WriteString("\r\n")
	w.Write(body)
	if err := w.Flush(); err != nil {
		return err
	}
	line, err := c.br.ReadSlice('\n')
	if err != nil {
		return err
	}
	// HTTP/1.1 200 OK
	if len(line) < 12 || !bytes.HasPrefix(line, []byte("HTTP/1.")) {
		return errMalformed
	}
	st, err := strconv.Atoi(string(line[9:12]))
	if err != nil {
		return errMalformed
	}
	resp.Status = st
	resp.Header = resp.Header[:0]
	clen, closeConn, chunked := -1, false, false
	for {
		l, err := c.br.ReadSlice('\n')
		if err != nil {
			return err
		}
		l = bytes.TrimRight(l, "\r\n")
		if len(l) == 0 {
			break
		}
		i := bytes.IndexByte(l, ':')
		if i <= 0 {
			return errMalformed
		}
		k := textproto.CanonicalMIMEHeaderKey(string(l[:i]))
		v := string(bytes.TrimSpace(l[i+1:]))
		switch k {
		case "Content-Length":
			clen, _ = strconv.Atoi(v)
		case "Connection":
			closeConn = v == "close"
		case "Transfer-Encoding":
			chunked = true
		}
		resp.Header = append(resp.Header, KV{k, v})
	}
	if chunked {
		return errors.New("chunked: not in this prototype")
	}
	if clen < 0 {
		return errors.New("no Content-Length: not in this prototype")
	}
	resp.Body = make([]byte, clen)
	if _, err := io.ReadFull(c.br, resp.Body); err != nil {
		return err
	}
	if closeConn {
		c.c.Close()
	} else {
		p.put(c)
	}
	return nil
}
