package lambda

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"math"
	"strconv"
	"strings"
)

// Response is a Lambda proxy integration's answer, parsed.
type Response struct {
	// StatusCode is the status to answer with (200 when the function did
	// not set one).
	StatusCode int
	// Headers are the response headers with the names the function used.
	// headers and multiValueHeaders are merged: for a name present in
	// both (compared case-insensitively) only the multiValueHeaders
	// values are kept [D, V]. API Gateway's REST front end sends a
	// multi-valued header as one line joined with ", " [V]; Set-Cookie
	// must stay one line per value.
	Headers map[string][]string
	// Cookies are the 2.0 response's cookies: each becomes one Set-Cookie
	// header [D].
	Cookies []string
	// Body is the body as the function returned it: still base64 text
	// when IsBase64Encoded. See DecodeBody.
	Body            string
	IsBase64Encoded bool
}

// ErrMalformedResponse is wrapped by every parse failure. A REST API
// answers it with 502 {"message":"Internal server error"} (the function's
// output "is of a different format", docs: "API Gateway returns a 502 Bad
// Gateway error response"); an HTTP API with 500 {"message":"Internal
// Server Error"}. AWS logs it as "Malformed Lambda proxy response".
var ErrMalformedResponse = errors.New("malformed Lambda proxy response")

// MalformedResponseError says what was wrong with the output.
type MalformedResponseError struct{ Reason string }

func (e *MalformedResponseError) Error() string {
	return "lambda: malformed Lambda proxy response: " + e.Reason
}
func (e *MalformedResponseError) Unwrap() error { return ErrMalformedResponse }

func malformed(reason string) error { return &MalformedResponseError{Reason: reason} }

// DecodeBody returns the body bytes. When IsBase64Encoded and decode, the
// body is base64-decoded; invalid base64 is a malformed response. REST
// APIs decode only when the request's Accept (or Content-Type) matches one
// of the API's binaryMediaTypes and otherwise return the base64 text as
// it is [V]; HTTP APIs always decode [D].
func (r *Response) DecodeBody(decode bool) ([]byte, error) {
	if !r.IsBase64Encoded || !decode {
		return []byte(r.Body), nil
	}
	s := strings.TrimRight(r.Body, "=")
	b, err := base64.RawStdEncoding.DecodeString(s)
	if err != nil {
		// Tolerate the URL-safe alphabet too; anything else is garbage.
		if b2, err2 := base64.RawURLEncoding.DecodeString(s); err2 == nil {
			return b2, nil
		}
		return nil, malformed("isBase64Encoded is true but body is not base64")
	}
	return b, nil
}

// ParseResponseV1 parses a payload format 1.0 proxy response: REST APIs
// (AWS_PROXY) and HTTP APIs with payloadFormatVersion 1.0. It is strict,
// as AWS is [V]: the output must be a JSON object whose only keys are
//
//	statusCode        int, or a string of digits; absent or null → 200
//	headers           object of string / bool / number values (bools
//	                  become "true"/"false"); null allowed
//	multiValueHeaders object of lists of the same; null allowed
//	body              string (a number or bool is taken as its text); null allowed
//	isBase64Encoded   bool (or "true"/"false")
//
// Anything else — non-JSON, a bare string or array, null, an unknown
// key (keys are case-sensitive), a non-integer statusCode, an object or
// list where a scalar belongs, a non-list multiValueHeaders entry — is a
// *MalformedResponseError. Scalars are coerced the way AWS's Jackson
// binding coerces them into strings; that numbers pass as header values
// and body is our inference from that, not a recorded fact [?].
// A statusCode outside 100..599 is malformed too [?].
func ParseResponseV1(payload []byte) (*Response, error) {
	obj, err := parseObject(payload)
	if err != nil {
		return nil, err
	}
	for k := range obj {
		switch k {
		case "statusCode", "headers", "multiValueHeaders", "body", "isBase64Encoded":
		default:
			return nil, malformed("unexpected key " + strconv.Quote(k))
		}
	}
	return decodeResponse(obj, false)
}

// ParseResponseV2 parses an HTTP API payload format 2.0 response [D]:
//
//   - valid JSON that is not an object with a statusCode key is taken as
//     the body of a 200 response with content-type application/json: a
//     JSON string gives its contents ("Hello" → Hello), anything else its
//     JSON text ({"message":"hi"} as it is);
//   - an object with statusCode is read like 1.0 (statusCode, headers,
//     multiValueHeaders, body, isBase64Encoded, with the same value
//     rules) plus cookies, a list of strings each sent as Set-Cookie;
//     other keys are ignored;
//   - output that is not JSON at all is malformed.
func ParseResponseV2(payload []byte) (*Response, error) {
	payload = bytes.TrimSpace(payload)
	if !json.Valid(payload) {
		return nil, malformed("output is not JSON")
	}
	if len(payload) > 0 && payload[0] == '{' {
		var obj map[string]json.RawMessage
		if err := json.Unmarshal(payload, &obj); err != nil {
			return nil, malformed("output is not a JSON object")
		}
		if _, ok := obj["statusCode"]; ok {
			return decodeResponse(obj, true)
		}
	}
	return inferredResponse(payload), nil
}

func inferredResponse(payload []byte) *Response {
	r := &Response{StatusCode: 200, Headers: map[string][]string{"content-type": {"application/json"}}}
	if payload[0] == '"' {
		var s string
		if json.Unmarshal(payload, &s) == nil {
			r.Body = s
			return r
		}
	}
	r.Body = string(payload)
	return r
}

// ParseResponseWebSocket parses a WebSocket route's Lambda proxy output.
// The statusCode decides whether $connect accepts the upgrade and the body
// is what a two-way route sends back. Lenient [?]: an object with
// statusCode or body is read like 1.0 (other keys ignored); null (a
// function that returned nothing) is 200 with no body; any other JSON
// value is 200 with that value as the body, as for HTTP APIs 2.0.
func ParseResponseWebSocket(payload []byte) (*Response, error) {
	payload = bytes.TrimSpace(payload)
	if len(payload) == 0 || string(payload) == "null" {
		return &Response{StatusCode: 200}, nil
	}
	if !json.Valid(payload) {
		return nil, malformed("output is not JSON")
	}
	if payload[0] == '{' {
		var obj map[string]json.RawMessage
		if err := json.Unmarshal(payload, &obj); err != nil {
			return nil, malformed("output is not a JSON object")
		}
		_, hasStatus := obj["statusCode"]
		_, hasBody := obj["body"]
		if hasStatus || hasBody {
			return decodeResponse(obj, false)
		}
	}
	r := inferredResponse(payload)
	r.Headers = nil
	return r, nil
}

func parseObject(payload []byte) (map[string]json.RawMessage, error) {
	payload = bytes.TrimSpace(payload)
	if len(payload) == 0 || payload[0] != '{' {
		if json.Valid(payload) {
			return nil, malformed("output is not a JSON object")
		}
		return nil, malformed("output is not JSON")
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(payload, &obj); err != nil {
		return nil, malformed("output is not JSON")
	}
	return obj, nil
}

func decodeResponse(obj map[string]json.RawMessage, cookies bool) (*Response, error) {
	r := &Response{StatusCode: 200}
	if raw, ok := obj["statusCode"]; ok {
		code, err := parseStatusCode(raw)
		if err != nil {
			return nil, err
		}
		r.StatusCode = code
	}
	if raw, ok := obj["body"]; ok {
		s, isNull, ok := scalarText(raw)
		if !ok {
			return nil, malformed("body is not a string")
		}
		if !isNull {
			r.Body = s
		}
	}
	if raw, ok := obj["isBase64Encoded"]; ok {
		v, ok := parseBool(raw)
		if !ok {
			return nil, malformed("isBase64Encoded is not a boolean")
		}
		r.IsBase64Encoded = v
	}
	var singles, multis map[string][]string
	if raw, ok := obj["headers"]; ok && !isNull(raw) {
		var m map[string]json.RawMessage
		if raw[0] != '{' || json.Unmarshal(raw, &m) != nil {
			return nil, malformed("headers is not an object")
		}
		singles = make(map[string][]string, len(m))
		for k, v := range m {
			s, null, ok := scalarText(v)
			if !ok {
				return nil, malformed("header " + strconv.Quote(k) + " is not a string")
			}
			if !null {
				singles[k] = []string{s}
			}
		}
	}
	if raw, ok := obj["multiValueHeaders"]; ok && !isNull(raw) {
		var m map[string]json.RawMessage
		if raw[0] != '{' || json.Unmarshal(raw, &m) != nil {
			return nil, malformed("multiValueHeaders is not an object")
		}
		multis = make(map[string][]string, len(m))
		for k, v := range m {
			if isNull(v) {
				continue
			}
			vals, ok := scalarList(v)
			if !ok {
				return nil, malformed("multiValueHeaders " + strconv.Quote(k) + " is not a list of strings")
			}
			multis[k] = vals
		}
	}
	if len(singles)+len(multis) > 0 {
		r.Headers = make(map[string][]string, len(singles)+len(multis))
		for k, v := range singles {
			if !hasFold(multis, k) {
				r.Headers[k] = v
			}
		}
		for k, v := range multis {
			r.Headers[k] = v
		}
	}
	if cookies {
		if raw, ok := obj["cookies"]; ok && !isNull(raw) {
			vals, ok := scalarList(raw)
			if !ok {
				return nil, malformed("cookies is not a list of strings")
			}
			r.Cookies = vals
		}
	}
	return r, nil
}

func hasFold(m map[string][]string, name string) bool {
	if _, ok := m[name]; ok {
		return true
	}
	for k := range m {
		if strings.EqualFold(k, name) {
			return true
		}
	}
	return false
}

func isNull(raw json.RawMessage) bool { return len(raw) == 0 || string(raw) == "null" }

// parseStatusCode accepts an integral JSON number or a string holding an
// integer; null means the default 200.
func parseStatusCode(raw json.RawMessage) (int, error) {
	if isNull(raw) {
		return 200, nil
	}
	var code int
	switch raw[0] {
	case '"':
		var s string
		if json.Unmarshal(raw, &s) != nil {
			return 0, malformed("statusCode is not an integer")
		}
		n, err := strconv.Atoi(s)
		if err != nil {
			return 0, malformed("statusCode " + strconv.Quote(s) + " is not an integer")
		}
		code = n
	case '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
		f, err := strconv.ParseFloat(string(raw), 64)
		if err != nil || f != math.Trunc(f) || math.Abs(f) > 1e9 {
			return 0, malformed("statusCode " + string(raw) + " is not an integer")
		}
		code = int(f)
	default:
		return 0, malformed("statusCode is not an integer")
	}
	if code < 100 || code > 599 {
		return 0, malformed("statusCode " + strconv.Itoa(code) + " is not an HTTP status")
	}
	return code, nil
}

// scalarText renders a string, number or bool as text. ok is false for
// objects and arrays.
func scalarText(raw json.RawMessage) (s string, null, ok bool) {
	if isNull(raw) {
		return "", true, true
	}
	switch raw[0] {
	case '"':
		if json.Unmarshal(raw, &s) != nil {
			return "", false, false
		}
		return s, false, true
	case 't', 'f':
		return string(raw), false, true // "true" / "false"
	case '{', '[':
		return "", false, false
	default:
		return string(raw), false, true // a number, as written
	}
}

func scalarList(raw json.RawMessage) ([]string, bool) {
	if raw[0] != '[' {
		return nil, false
	}
	var items []json.RawMessage
	if json.Unmarshal(raw, &items) != nil {
		return nil, false
	}
	out := make([]string, 0, len(items))
	for _, it := range items {
		s, null, ok := scalarText(it)
		if !ok {
			return nil, false
		}
		if !null {
			out = append(out, s)
		}
	}
	return out, true
}

func parseBool(raw json.RawMessage) (bool, bool) {
	switch string(raw) {
	case "true", `"true"`:
		return true, true
	case "false", `"false"`, "null":
		return false, true
	}
	return false, false
}
