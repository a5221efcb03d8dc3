package lambda

import (
	"strings"
	"time"
)

// AppendHTTPEventV2 appends the HTTP API payload format 2.0 event for r
// [D, and events captured from AWS as aws-lambda-go's testdata holds them]:
//
//   - header names lowercased, repeated headers joined with ",";
//   - Cookie headers leave headers and become "cookies", one element per
//     cookie;
//   - queryStringParameters decoded, repeated parameters joined with ",";
//   - cookies, queryStringParameters, pathParameters, stageVariables and
//     body are omitted when empty (the captured events omit them; spec
//     apigateway-v2 open question 7 decided that way);
//   - requestContext.http.path is the raw path, like rawPath.
func AppendHTTPEventV2(b []byte, r *Request) []byte {
	return appendV2Fields(append(b, '{'), r, true)
}

// appendV2Fields writes the 2.0 event's fields into an object b has
// opened, and closes it; withBody adds body and isBase64Encoded.
func appendV2Fields(b []byte, r *Request, withBody bool) []byte {
	c := &r.Context
	b = appendKey(b, "version")
	b = append(b, `"2.0"`...)
	b = appendKey(b, "routeKey")
	b = appendString(b, r.RouteKey)
	b = appendKey(b, "rawPath")
	b = appendString(b, r.RawPath)
	b = appendKey(b, "rawQueryString")
	b = appendString(b, r.RawQuery)

	hs := headerList(r.Headers, true)
	first := true
	for _, e := range hs {
		if e.name != "cookie" {
			continue
		}
		for _, v := range e.vals {
			for part := range strings.SplitSeq(v, ";") {
				part = strings.TrimSpace(part)
				if part == "" {
					continue
				}
				if first {
					b = appendKey(b, "cookies")
					b = append(b, '[')
				} else {
					b = append(b, ',')
				}
				first = false
				b = appendString(b, part)
			}
		}
	}
	if !first {
		b = append(b, ']')
	}
	b = appendKey(b, "headers")
	b = append(b, '{')
	first = true
	for _, e := range hs {
		if e.name == "cookie" {
			continue
		}
		if !first {
			b = append(b, ',')
		}
		first = false
		b = appendString(b, e.name)
		b = append(b, ':')
		b = appendJoined(b, e.vals)
	}
	b = append(b, '}')

	if qs := valueList(r.Query); len(qs) > 0 {
		b = appendKey(b, "queryStringParameters")
		b = append(b, '{')
		for i, e := range qs {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendString(b, e.name)
			b = append(b, ':')
			b = appendJoined(b, e.vals)
		}
		b = append(b, '}')
	}

	b = appendKey(b, "requestContext")
	b = append(b, '{')
	b = appendKey(b, "accountId")
	b = appendString(b, c.AccountID)
	b = appendKey(b, "apiId")
	b = appendString(b, c.APIID)
	if c.Authorizer != nil {
		b = appendKey(b, "authorizer")
		b = appendAny(b, c.Authorizer)
	}
	b = appendKey(b, "domainName")
	b = appendString(b, c.DomainName)
	b = appendKey(b, "domainPrefix")
	b = appendString(b, c.domainPrefix())
	b = appendKey(b, "http")
	b = append(b, '{')
	b = appendKey(b, "method")
	b = appendString(b, r.Method)
	b = appendKey(b, "path")
	b = appendString(b, r.RawPath)
	b = appendKey(b, "protocol")
	b = appendString(b, c.protocol())
	b = appendKey(b, "sourceIp")
	b = appendString(b, c.SourceIP)
	b = appendKey(b, "userAgent")
	b = appendString(b, c.UserAgent)
	b = append(b, '}')
	b = appendKey(b, "requestId")
	b = appendString(b, c.RequestID)
	b = appendKey(b, "routeKey")
	b = appendString(b, r.RouteKey)
	b = appendKey(b, "stage")
	b = appendString(b, c.Stage)
	b = appendKey(b, "time")
	b = appendCLF(b, c.Time)
	b = appendKey(b, "timeEpoch")
	b = appendInt(b, c.Time.UnixMilli())
	b = append(b, '}')

	if len(r.PathParams) > 0 {
		b = appendKey(b, "pathParameters")
		b = appendStringMap(b, r.PathParams)
	}
	if len(r.StageVariables) > 0 {
		b = appendKey(b, "stageVariables")
		b = appendStringMap(b, r.StageVariables)
	}
	if withBody {
		if len(r.Body) > 0 {
			b = appendKey(b, "body")
			b = appendBody(b, r.Body, r.Binary)
		}
		b = appendKey(b, "isBase64Encoded")
		b = appendBool(b, r.Binary && len(r.Body) > 0)
	}
	return append(b, '}')
}

// appendJoined writes the values joined with "," as one JSON string.
func appendJoined(b []byte, vals []string) []byte {
	if len(vals) == 1 {
		return appendString(b, vals[0])
	}
	return appendString(b, strings.Join(vals, ","))
}

func appendCLF(b []byte, t time.Time) []byte {
	b = t.UTC().AppendFormat(append(b, '"'), clfLayout)
	return append(b, '"')
}

// WebSocket event types (requestContext.eventType).
const (
	EventConnect    = "CONNECT"
	EventMessage    = "MESSAGE"
	EventDisconnect = "DISCONNECT"
)

// WebSocket is what a WebSocket event adds to a Request.
type WebSocket struct {
	// EventType is EventConnect, EventMessage or EventDisconnect.
	EventType    string
	ConnectionID string
	ConnectedAt  time.Time
	// MessageID identifies a MESSAGE event's frame.
	MessageID string
	// DisconnectStatusCode and DisconnectReason are the close frame's, on
	// DISCONNECT.
	DisconnectStatusCode int
	DisconnectReason     string
}

// WebSocketEvent returns the WebSocket API Lambda proxy event.
func WebSocketEvent(r *Request, ws *WebSocket) []byte {
	return AppendWebSocketEvent(make([]byte, 0, eventSize(r)), r, ws)
}

// AppendWebSocketEvent appends the WebSocket API proxy event [D, and
// events captured from AWS]. r.RouteKey is the route's key; r.Context
// supplies ids, stage, domain, source IP and times (requestTime is
// Context.Time, connectedAt ws.ConnectedAt, both epoch milliseconds).
//
// By event type:
//   - CONNECT carries the upgrade request's headers, multiValueHeaders,
//     queryStringParameters and multiValueQueryStringParameters;
//   - MESSAGE carries messageId and the frame as body (base64 with
//     isBase64Encoded for a binary frame: r.Binary);
//   - DISCONNECT carries the connect request's headers again, and
//     disconnectStatusCode / disconnectReason.
//
// Empty maps are omitted; requestContext.authorizer (the $connect
// authorizer's output) is sent on every event of the connection.
// requestId is Context.RequestID, extendedRequestId
// Context.ExtendedRequestID (AWS sends the same id in both).
func AppendWebSocketEvent(b []byte, r *Request, ws *WebSocket) []byte {
	return appendWebSocketFields(append(b, '{'), r, ws, true)
}

// appendWebSocketFields writes a WebSocket event's fields into an object b
// has opened, and closes it; withBody adds body (MESSAGE) and
// isBase64Encoded.
func appendWebSocketFields(b []byte, r *Request, ws *WebSocket, withBody bool) []byte {
	c := &r.Context
	if ws.EventType != EventMessage {
		if hs := headerList(r.Headers, false); len(hs) > 0 {
			b = appendKey(b, "headers")
			b = appendSingleValues(b, hs)
			b = appendKey(b, "multiValueHeaders")
			b = appendMultiValues(b, hs)
		}
	}
	if ws.EventType == EventConnect {
		if qs := valueList(r.Query); len(qs) > 0 {
			b = appendKey(b, "queryStringParameters")
			b = appendSingleValues(b, qs)
			b = appendKey(b, "multiValueQueryStringParameters")
			b = appendMultiValues(b, qs)
		}
	}
	if len(r.StageVariables) > 0 {
		b = appendKey(b, "stageVariables")
		b = appendStringMap(b, r.StageVariables)
	}
	b = appendKey(b, "requestContext")
	b = append(b, '{')
	b = appendKey(b, "routeKey")
	b = appendString(b, r.RouteKey)
	if ws.EventType == EventMessage {
		b = appendKey(b, "messageId")
		b = appendString(b, ws.MessageID)
	}
	if ws.EventType == EventDisconnect {
		b = appendKey(b, "disconnectStatusCode")
		b = appendInt(b, int64(ws.DisconnectStatusCode))
	}
	b = appendKey(b, "eventType")
	b = appendString(b, ws.EventType)
	b = appendKey(b, "extendedRequestId")
	b = appendString(b, c.ExtendedRequestID)
	b = appendKey(b, "requestTime")
	b = appendCLF(b, c.Time)
	b = appendKey(b, "messageDirection")
	b = append(b, `"IN"`...)
	if ws.EventType == EventDisconnect {
		b = appendKey(b, "disconnectReason")
		b = appendString(b, ws.DisconnectReason)
	}
	b = appendKey(b, "stage")
	b = appendString(b, c.Stage)
	b = appendKey(b, "connectedAt")
	b = appendInt(b, ws.ConnectedAt.UnixMilli())
	b = appendKey(b, "requestTimeEpoch")
	b = appendInt(b, c.Time.UnixMilli())
	b = appendKey(b, "identity")
	b = appendIdentity(b, c, false)
	b = appendKey(b, "requestId")
	b = appendString(b, c.RequestID)
	b = appendKey(b, "domainName")
	b = appendString(b, c.DomainName)
	b = appendKey(b, "connectionId")
	b = appendString(b, ws.ConnectionID)
	b = appendKey(b, "apiId")
	b = appendString(b, c.APIID)
	if c.Authorizer != nil {
		b = appendKey(b, "authorizer")
		b = appendAny(b, c.Authorizer)
	}
	b = append(b, '}')
	if !withBody {
		return append(b, '}')
	}
	if ws.EventType == EventMessage {
		b = appendKey(b, "body")
		b = appendBody(b, r.Body, r.Binary)
	}
	b = appendKey(b, "isBase64Encoded")
	b = appendBool(b, ws.EventType == EventMessage && r.Binary)
	return append(b, '}')
}
