package lambda

import (
	"encoding/base64"
	"encoding/json"
	"github.com/stagecraft/stagecraft/internal/wire"
	"slices"
	"strconv"
	"strings"
	"unsafe"
)

// A small append-only JSON writer: events are built straight into one
// byte slice, without reflection or intermediate maps.

// appendString appends s as a JSON string: encoding/json's escaping
// without the HTML escapes (API Gateway does not escape <, > and &).
func appendString(b []byte, s string) []byte { return wire.AppendStringNoHTML(b, s) }

func appendBytesString(b []byte, s []byte) []byte {
	// Converting is free of copies when the compiler can prove s does not
	// escape; appendString only reads it.
	return appendString(b, unsafeString(s))
}

// appendKey appends "key": (with a leading comma unless first).
func appendKey(b []byte, key string) []byte {
	if n := len(b); n > 0 && b[n-1] != '{' && b[n-1] != '[' {
		b = append(b, ',')
	}
	b = append(b, '"')
	b = append(b, key...) // keys are constants: plain ASCII
	return append(b, '"', ':')
}

func appendNull(b []byte) []byte { return append(b, "null"...) }

// appendStringOrNull appends s, or null when s is empty: AWS's proxy
// events send null for an absent value rather than "".
func appendStringOrNull(b []byte, s string) []byte {
	if s == "" {
		return appendNull(b)
	}
	return appendString(b, s)
}

func appendBool(b []byte, v bool) []byte { return strconv.AppendBool(b, v) }

func appendInt(b []byte, v int64) []byte { return strconv.AppendInt(b, v, 10) }

// appendBody appends the body as a JSON string: base64 when binary, or
// null when empty and nullWhenEmpty.
func appendBody(b []byte, body []byte, binary bool) []byte {
	if binary {
		b = append(b, '"')
		b = base64.StdEncoding.AppendEncode(b, body)
		return append(b, '"')
	}
	return appendBytesString(b, body)
}

// sortedKeys returns m's keys in order, so events are deterministic.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// appendStringMap appends {"k":"v",...} with sorted keys, or null when m
// is empty and nullWhenEmpty.
func appendStringMap(b []byte, m map[string]string) []byte {
	b = append(b, '{')
	for i, k := range sortedKeys(m) {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, k)
		b = append(b, ':')
		b = appendString(b, m[k])
	}
	return append(b, '}')
}

func appendStringMapOrNull(b []byte, m map[string]string) []byte {
	if len(m) == 0 {
		return appendNull(b)
	}
	return appendStringMap(b, m)
}

// appendAny appends an arbitrary value (authorizer contexts, JWT claims)
// through encoding/json; these are small and rare.
func appendAny(b []byte, v any) []byte {
	switch v := v.(type) {
	case nil:
		return appendNull(b)
	case string:
		return appendString(b, v)
	case bool:
		return appendBool(b, v)
	case int:
		return appendInt(b, int64(v))
	case int64:
		return appendInt(b, v)
	case map[string]any:
		b = append(b, '{')
		for i, k := range sortedKeys(v) {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendString(b, k)
			b = append(b, ':')
			b = appendAny(b, v[k])
		}
		return append(b, '}')
	case map[string]string:
		return appendStringMap(b, v)
	case []string:
		b = append(b, '[')
		for i, s := range v {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendString(b, s)
		}
		return append(b, ']')
	case json.RawMessage:
		if len(v) == 0 {
			return appendNull(b)
		}
		return append(b, v...)
	}
	enc, err := json.Marshal(v)
	if err != nil {
		return appendNull(b)
	}
	return append(b, enc...)
}

// clfTime is the Common Log Format API Gateway uses in requestTime and
// time: 02/Jan/2006:15:04:05 +0000, always UTC.
const clfLayout = "02/Jan/2006:15:04:05 -0700"

// lastValue is the single-value view of a multi-value field: the last
// value, as API Gateway sends in headers/queryStringParameters [V].
func lastValue(vs []string) string {
	if len(vs) == 0 {
		return ""
	}
	return vs[len(vs)-1]
}

func lowerASCII(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 'A' && c <= 'Z' {
			return strings.ToLower(s)
		}
	}
	return s
}

// unsafeString views b as a string without copying; only for reads that
// do not retain the string.
func unsafeString(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(unsafe.SliceData(b), len(b))
}
