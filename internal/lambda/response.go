package lambda

import (
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
	payload = trimJSONSpace(payload)
	if !json.Valid(payload) {
		return nil, malformed("output is not JSON")
	}
	if payload[0] != '{' {
		return nil, malformed("output is not a JSON object")
	}
	return decodeResponse(payload, true, false)
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
	payload = trimJSONSpace(payload)
	if !json.Valid(payload) {
		return nil, malformed("output is not JSON")
	}
	if payload[0] == '{' && hasMember(payload, "statusCode") {
		return decodeResponse(payload, false, true)
	}
	r := inferredResponse(payload)
	r.Headers = map[string][]string{"content-type": {"application/json"}}
	return r, nil
}

// inferredResponse is a 200 whose body is the output: a JSON string's
// contents, any other value's JSON text.
func inferredResponse(payload []byte) *Response {
	r := &Response{StatusCode: 200}
	if payload[0] == '"' {
		r.Body = unquote(payload)
	} else {
		r.Body = string(payload)
	}
	return r
}

// ParseResponseWebSocket parses a WebSocket route's Lambda proxy output.
// The statusCode decides whether $connect accepts the upgrade and the body
// is what a two-way route sends back. Lenient [?]: an object with
// statusCode or body is read like 1.0 (other keys ignored); null (a
// function that returned nothing) is 200 with no body; any other JSON
// value is 200 with that value as the body, as for HTTP APIs 2.0.
func ParseResponseWebSocket(payload []byte) (*Response, error) {
	payload = trimJSONSpace(payload)
	if len(payload) == 0 || string(payload) == "null" {
		return &Response{StatusCode: 200}, nil
	}
	if !json.Valid(payload) {
		return nil, malformed("output is not JSON")
	}
	if payload[0] == '{' && (hasMember(payload, "statusCode") || hasMember(payload, "body")) {
		return decodeResponse(payload, false, false)
	}
	return inferredResponse(payload), nil
}

// decodeResponse reads a proxy response object (valid JSON, checked by
// the caller). strict rejects keys other than the five of 1.0; cookies
// reads the 2.0 cookies list. Duplicate keys: the last one counts.
func decodeResponse(obj []byte, strict, cookies bool) (*Response, error) {
	r := &Response{StatusCode: 200}
	var headersRaw, multiRaw, cookiesRaw []byte
	it := members{b: obj}
	for {
		k, v, ok := it.next()
		if !ok {
			break
		}
		var err error
		switch key(k) {
		case "statusCode":
			r.StatusCode, err = parseStatusCode(v)
		case "body":
			s, null, ok := scalarText(v)
			if !ok {
				return nil, malformed("body is not a string")
			}
			r.Body = ""
			if !null {
				r.Body = s
			}
		case "isBase64Encoded":
			b, ok := parseBool(v)
			if !ok {
				return nil, malformed("isBase64Encoded is not a boolean")
			}
			r.IsBase64Encoded = b
		case "headers":
			headersRaw = v
		case "multiValueHeaders":
			multiRaw = v
		case "cookies":
			if strict {
				return nil, malformed("unexpected key " + strconv.Quote(key(k)))
			}
			cookiesRaw = v
		default:
			if strict {
				return nil, malformed("unexpected key " + strconv.Quote(key(k)))
			}
		}
		if err != nil {
			return nil, err
		}
	}
	if err := r.readHeaders(headersRaw, multiRaw); err != nil {
		return nil, err
	}
	if cookies && !isNull(cookiesRaw) {
		vals, ok := scalarList(cookiesRaw)
		if !ok {
			return nil, malformed("cookies is not a list of strings")
		}
		r.Cookies = vals
	}
	return r, nil
}

// readHeaders merges headers and multiValueHeaders: a name in both
// (case-insensitively) keeps only its multiValueHeaders values.
func (r *Response) readHeaders(headersRaw, multiRaw []byte) error {
	var nSingle, nMulti int
	if !isNull(headersRaw) {
		if headersRaw[0] != '{' {
			return malformed("headers is not an object")
		}
		nSingle = countMembers(headersRaw)
	}
	if !isNull(multiRaw) {
		if multiRaw[0] != '{' {
			return malformed("multiValueHeaders is not an object")
		}
		nMulti = countMembers(multiRaw)
	}
	if nSingle+nMulti == 0 {
		return nil
	}
	h := make(map[string][]string, nSingle+nMulti)
	if nMulti > 0 {
		it := members{b: multiRaw}
		for {
			k, v, ok := it.next()
			if !ok {
				break
			}
			if isNull(v) {
				continue
			}
			vals, ok := scalarList(v)
			if !ok {
				return malformed("multiValueHeaders " + strconv.Quote(key(k)) + " is not a list of strings")
			}
			h[key(k)] = vals
		}
	}
	if nSingle > 0 {
		backing := make([]string, 0, nSingle)
		it := members{b: headersRaw}
		for {
			k, v, ok := it.next()
			if !ok {
				break
			}
			s, null, ok := scalarText(v)
			if !ok {
				return malformed("header " + strconv.Quote(key(k)) + " is not a string")
			}
			if null {
				continue
			}
			name := key(k)
			if nMulti > 0 && hasFold(h, name) {
				continue
			}
			backing = append(backing, s)
			h[name] = backing[len(backing)-1 : len(backing) : len(backing)]
		}
	}
	if len(h) > 0 {
		r.Headers = h
	}
	return nil
}

// hasFold reports whether m has name, compared case-insensitively.
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

func isNull(raw []byte) bool { return len(raw) == 0 || string(raw) == "null" }

// parseStatusCode accepts an integral JSON number or a string holding an
// integer; null means the default 200.
func parseStatusCode(raw []byte) (int, error) {
	if isNull(raw) {
		return 200, nil
	}
	var code int
	switch c := raw[0]; {
	case c == '"':
		s := unquote(raw)
		n, err := strconv.Atoi(s)
		if err != nil {
			return 0, malformed("statusCode " + strconv.Quote(s) + " is not an integer")
		}
		code = n
	case c == '-' || c >= '0' && c <= '9':
		if n, ok := smallInt(raw); ok {
			code = n
			break
		}
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

// smallInt parses a plain run of up to 9 digits.
func smallInt(b []byte) (int, bool) {
	if len(b) == 0 || len(b) > 9 {
		return 0, false
	}
	n := 0
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

// scalarText renders a string, number or bool as text. ok is false for
// objects and arrays.
func scalarText(raw []byte) (s string, null, ok bool) {
	if isNull(raw) {
		return "", true, true
	}
	switch raw[0] {
	case '"':
		return unquote(raw), false, true
	case 't':
		return "true", false, true
	case 'f':
		return "false", false, true
	case '{', '[':
		return "", false, false
	default:
		return string(raw), false, true // a number, as written
	}
}

func scalarList(raw []byte) ([]string, bool) {
	if raw[0] != '[' {
		return nil, false
	}
	out := make([]string, 0, countElements(raw))
	it := elements{b: raw}
	for {
		v, ok := it.next()
		if !ok {
			break
		}
		s, null, ok := scalarText(v)
		if !ok {
			return nil, false
		}
		if !null {
			out = append(out, s)
		}
	}
	return out, true
}

func parseBool(raw []byte) (bool, bool) {
	switch string(raw) {
	case "true", `"true"`:
		return true, true
	case "false", `"false"`, "null":
		return false, true
	}
	return false, false
}
