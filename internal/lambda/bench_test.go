package lambda_test

import (
	"context"
	"testing"

	"github.com/stagecraft/stagecraft/internal/lambda"
	"github.com/stagecraft/stagecraft/internal/lambdatest"
)

const benchResponse = `{"statusCode":200,"headers":{"Content-Type":"application/json","X-Request":"1"},"multiValueHeaders":{"Set-Cookie":["a=1","b=2"]},"body":"{\"ok\":true,\"items\":[1,2,3]}","isBase64Encoded":false}`

// BenchmarkProxyIntegration is one REST AWS_PROXY integration as the data
// plane runs it: build the event, invoke over loopback HTTP (keep-alive),
// parse the function's answer.
func BenchmarkProxyIntegration(b *testing.B) {
	srv := lambdatest.Start(b)
	srv.Register("hello", func(context.Context, []byte) ([]byte, error) { return []byte(benchResponse), nil })
	c := newClient(b, lambda.Config{Endpoint: srv.URL})
	fn := mustFunction(b, helloURI)
	req := restRequest()
	run := func(buf []byte) []byte {
		buf = lambda.AppendRESTEvent(buf[:0], req)
		res, err := c.Invoke(context.Background(), fn, buf)
		if err != nil {
			b.Fatal(err)
		}
		resp, err := lambda.ParseResponseV1(res.Payload)
		if err != nil || resp.StatusCode != 200 {
			b.Fatal(err)
		}
		return buf
	}
	b.Run("serial", func(b *testing.B) {
		b.ReportAllocs()
		var buf []byte
		for b.Loop() {
			buf = run(buf)
		}
	})
	b.Run("parallel", func(b *testing.B) {
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			var buf []byte
			for pb.Next() {
				buf = run(buf)
			}
		})
	})
	srv.Reset() // the recorder keeps every payload
}

func BenchmarkEvents(b *testing.B) {
	rest, v2 := restRequest(), v2Request()
	ws := &lambda.WebSocket{EventType: lambda.EventMessage, ConnectionID: "c", MessageID: "m"}
	msg := wsRequest("$default")
	msg.Body = []byte(`{"action":"send","data":"hello"}`)
	buf := make([]byte, 0, 4096)
	for _, c := range []struct {
		name string
		fn   func([]byte) []byte
	}{
		{"REST", func(b []byte) []byte { return lambda.AppendRESTEvent(b, rest) }},
		{"HTTPv1", func(b []byte) []byte { return lambda.AppendHTTPEventV1(b, rest) }},
		{"HTTPv2", func(b []byte) []byte { return lambda.AppendHTTPEventV2(b, v2) }},
		{"WebSocket", func(b []byte) []byte { return lambda.AppendWebSocketEvent(b, msg, ws) }},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				buf = c.fn(buf[:0])
			}
			b.SetBytes(int64(len(buf)))
		})
	}
}

func BenchmarkParseResponse(b *testing.B) {
	payload := []byte(benchResponse)
	b.Run("V1", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := lambda.ParseResponseV1(payload); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("V2", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := lambda.ParseResponseV2(payload); err != nil {
				b.Fatal(err)
			}
		}
	})
}
