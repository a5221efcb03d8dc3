package v2core

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"strconv"
	"strings"
	"time"
)

// RequestID returns an id in the style of apigw-requestid and WebSocket
// connection ids ("WSg1ihmdliAEJXA="): 16 base64 characters ending in
// "=". '+' and '/' are avoided so the id can travel unescaped in a URL
// path (a connection id is a path label of @connections), which the ids
// AWS hands out seem to respect as well [?].
func RequestID() string {
	var b [11]byte
	for {
		rand.Read(b[:])
		s := base64.StdEncoding.EncodeToString(b[:])
		if !strings.ContainsAny(s, "+/") {
			return s
		}
	}
}

// ConnectionID returns a new WebSocket connection id (16 characters,
// base64-like, ending in "=", e.g. "R0oXAdfD0kwCH6w=") [D].
func ConnectionID() string { return RequestID() }

// TraceID returns an X-Amzn-Trace-Id value "Root=1-{epoch hex}-{24 hex}".
func TraceID(now time.Time) string {
	var b [12]byte
	rand.Read(b[:])
	return "Root=1-" + strconv.FormatInt(now.Unix(), 16) + "-" + hex.EncodeToString(b[:])
}

// CLFLayout is the request time layout of execute-api events and
// $context.requestTime ("12/Mar/2020:19:03:58 +0000").
const CLFLayout = "02/Jan/2006:15:04:05 -0700"
