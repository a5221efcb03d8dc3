package main

import (
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// serveNetHTTP is net/http's server with the synchronous client.
func serveNetHTTP(listen string, pool *Pool) error {
	idsPool := sync.Pool{New: func() any { return NewIDs() }}
	h := func(w http.ResponseWriter, r *http.Request) {
		g := idsPool.Get().(*IDs)
		defer idsPool.Put(g)
		reqID, gwID := g.UUID(), g.Base64ID()
		body, _ := io.ReadAll(r.Body)
		hdr := make(Header, 0, len(r.Header)+6)
		for k, vs := range r.Header {
			if DroppedRequest[k] {
				continue
			}
			for _, v := range vs {
				hdr = append(hdr, KV{K: k, V: v})
			}
		}
		ip, _, _ := net.SplitHostPort(r.RemoteAddr)
		if prior := r.Header.Values("X-Forwarded-For"); len(prior) > 0 {
			ip = strings.Join(prior, ", ") + ", " + ip
		}
		port := "80"
		if la, ok := r.Context().Value(http.LocalAddrContextKey).(net.Addr); ok {
			_, port, _ = net.SplitHostPort(la.String())
		}
		hdr = append(hdr, KV{K: "X-Forwarded-For", V: ip}, KV{K: "X-Forwarded-Proto", V: "http"},
			KV{K: "X-Forwarded-Port", V: port}, KV{K: "X-Amzn-Apigateway-Api-Id", V: "abcdef1234"},
			KV{K: "X-Amzn-Trace-Id", V: g.TraceID(time.Now())})
		var resp Response
		if err := pool.Do(r.Method, r.URL.RequestURI(), hdr, body, &resp); err != nil {
			http.Error(w, `{"message": "Internal server error"}`, 502)
			return
		}
		out := w.Header()
		out["x-amzn-RequestId"] = []string{reqID}
		out["x-amz-apigw-id"] = []string{gwID}
		for _, kv := range resp.Header {
			if Dropped[kv.K] {
				continue
			}
			if n, ok := Remapped[kv.K]; ok {
				out["X-Amzn-Remapped-"+n] = append(out["X-Amzn-Remapped-"+n], kv.V)
				continue
			}
			out[kv.K] = append(out[kv.K], kv.V)
		}
		out["Content-Length"] = []string{strconv.Itoa(len(resp.Body))}
		w.WriteHeader(resp.Status)
		w.Write(resp.Body)
	}
	return http.ListenAndServe(listen, http.HandlerFunc(h))
}
