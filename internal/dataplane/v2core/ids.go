package v2core

import (
	"bytes"
	"encoding/base64"
	"strconv"
	"time"

	"github.com/stagecraft/stagecraft/internal/ids"
)

// RequestID returns an id in the style of apigw-requestid and WebSocket
// connection ids ("WSg1ihmdliAEJXA="): 16 base64 characters ending in
// "=". '+' and '/' are avoided so the id can travel unescaped in a URL
// path (a connection id is a path label of @connections), which the ids
// AWS hands out seem to respect as well [?].
func RequestID() string {
	var b [11]byte
	var out [16]byte
	for {
		ids.Fill(b[:])
		base64.StdEncoding.Encode(out[:], b[:])
		if !bytes.ContainsAny(out[:], "+/") {
			return string(out[:])
		}
	}
}

// ConnectionID returns a new WebSocket connection id (16 characters,
// base64-like, ending in "=", e.g. "R0oXAdfD0kwCH6w=") [D].
func ConnectionID() string { return RequestID() }

// TraceID returns an X-Amzn-Trace-Id value "Root=1-{epoch hex}-{24 hex}".
func TraceID(now time.Time) string {
	var r [12]byte
	ids.Fill(r[:])
	var buf [64]byte
	b := append(buf[:0], "Root=1-"...)
	b = strconv.AppendInt(b, now.Unix(), 16)
	b = append(b, '-')
	b = ids.AppendHex(b, r[:])
	return string(b)
}

// CLFLayout is the request time layout of execute-api events and
// $context.requestTime ("12/Mar/2020:19:03:58 +0000").
const CLFLayout = "02/Jan/2006:15:04:05 -0700"
