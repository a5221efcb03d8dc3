package websocket_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	ws "github.com/coder/websocket"
)

// BenchmarkMockMessages measures messages per second through a two-way
// MOCK route (request template, integration response template, route
// response) with 1,000 clients connected over loopback, each sending a
// message and waiting for its answer in a loop.
func BenchmarkMockMessages(b *testing.B) {
	const clients = 1000
	hs := newHarness(b)
	id := hs.api("bench", "$request.body.action")
	hs.route(id, "ping", hs.mock(id, 200, `{"pong":"$context.requestId"}`), true, nil)
	hs.stage(id, "p")
	conns := make([]*ws.Conn, clients)
	for i := range conns {
		c, _, err := hs.dial(id, "p", "", nil)
		if err != nil {
			b.Fatalf("dial %d: %v", i, err)
		}
		conns[i] = c
	}
	b.Cleanup(func() {
		for _, c := range conns {
			c.CloseNow()
		}
	})
	if n := hs.h.Hub().Len(); n != clients {
		b.Fatalf("%d connections registered", n)
	}
	msg := []byte(`{"action":"ping"}`)
	var next atomic.Int64
	var wg sync.WaitGroup
	b.ResetTimer()
	for _, c := range conns {
		wg.Add(1)
		go func(c *ws.Conn) {
			defer wg.Done()
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			for next.Add(1) <= int64(b.N) {
				if err := c.Write(ctx, ws.MessageText, msg); err != nil {
					b.Error(err)
					return
				}
				if _, _, err := c.Read(ctx); err != nil {
					b.Error(err)
					return
				}
			}
		}(c)
	}
	wg.Wait()
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msg/s")
}
