package main

import (
	"bufio"
	"bytes"
	"io"
	"net"
	"net/textproto"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

var date atomic.Value

// serveRaw is a minimal goroutine-per-connection HTTP/1.1 server (no
// net/http) with the synchronous client.
func serveRaw(listen string, pool *Pool) error {
	date.Store(time.Now().UTC().Format(time.RFC1123))
	go func() {
		for range time.Tick(time.Second) {
			date.Store(time.Now().UTC().Format(time.RFC1123))
		}
	}()
	ln, err := net.Listen("tcp", listen)
	if err != nil {
		return err
	}
	idsPool := sync.Pool{New: func() any { return NewIDs() }}
	for {
		c, err := ln.Accept()
		if err != nil {
			return err
		}
		go serve(c, pool, &idsPool)
	}
}

func serve(c net.Conn, pool *Pool, idsPool *sync.Pool) {
	defer c.Close()
	br := bufio.NewReaderSize(c, 4096)
	bw := bufio.NewWriterSize(c, 4096)
	_, port, _ := net.SplitHostPort(c.LocalAddr().String())
	ip, _, _ := net.SplitHostPort(c.RemoteAddr().String())
	hdr := make(Header, 0, 16)
	var resp Response
	for {
		line, err := br.ReadSlice('\n')
		if err != nil {
			return
		}
		sp1 := bytes.IndexByte(line, ' ')
		sp2 := bytes.LastIndexByte(line, ' ')
		if sp1 <= 0 || sp2 <= sp1 {
			return
		}
		method, uri := string(line[:sp1]), string(line[sp1+1:sp2])
		hdr = hdr[:0]
		clen := 0
		xff := ""
		for {
			l, err := br.ReadSlice('\n')
			if err != nil {
				return
			}
			l = bytes.TrimRight(l, "\r\n")
			if len(l) == 0 {
				break
			}
			i := bytes.IndexByte(l, ':')
			if i <= 0 {
				return
			}
			k := textproto.CanonicalMIMEHeaderKey(string(l[:i]))
			v := string(bytes.TrimSpace(l[i+1:]))
			switch k {
			case "Content-Length":
				clen, _ = strconv.Atoi(v)
				continue
			case "Host":
				continue
			case "X-Forwarded-For":
				xff = v
				continue
			}
			if DroppedRequest[k] {
				continue
			}
			hdr = append(hdr, KV{K: k, V: v})
		}
		var body []byte
		if clen > 0 {
			body = make([]byte, clen)
			if _, err := io.ReadFull(br, body); err != nil {
				return
			}
		}
		g := idsPool.Get().(*IDs)
		reqID, gwID, trace := g.UUID(), g.Base64ID(), g.TraceID(time.Now())
		idsPool.Put(g)
		fwd := ip
		if xff != "" {
			fwd = xff + ", " + ip
		}
		hdr = append(hdr, KV{K: "X-Forwarded-For", V: fwd}, KV{K: "X-Forwarded-Proto", V: "http"},
			KV{K: "X-Forwarded-Port", V: port}, KV{K: "X-Amzn-Apigateway-Api-Id", V: "abcdef1234"},
			KV{K: "X-Amzn-Trace-Id", V: trace})
		if err := pool.Do(method, uri, hdr, body, &resp); err != nil {
			bw.WriteString("HTTP/1.1 502 Bad Gateway\r\nContent-Type: application/json\r\nContent-Length: 36\r\n\r\n{\"message\": \"Internal server error\"}")
			bw.Flush()
			continue
		}
		bw.WriteString("HTTP/1.1 ")
		bw.WriteString(strconv.Itoa(resp.Status))
		bw.WriteString(" \r\nDate: ")
		bw.WriteString(date.Load().(string))
		bw.WriteString("\r\nx-amzn-RequestId: ")
		bw.WriteString(reqID)
		bw.WriteString("\r\nx-amz-apigw-id: ")
		bw.WriteString(gwID)
		bw.WriteString("\r\n")
		for _, kv := range resp.Header {
			if Dropped[kv.K] {
				continue
			}
			if n, ok := Remapped[kv.K]; ok {
				bw.WriteString("X-Amzn-Remapped-")
				bw.WriteString(n)
			} else {
				bw.WriteString(kv.K)
			}
			bw.WriteString(": ")
			bw.WriteString(kv.V)
			bw.WriteString("\r\n")
		}
		bw.WriteString("Content-Length: ")
		bw.WriteString(strconv.Itoa(len(resp.Body)))
		bw.WriteString("\r\n\r\n")
		bw.Write(resp.Body)
		if br.Buffered() == 0 {
			if bw.Flush() != nil {
				return
			}
		}
	}
}
