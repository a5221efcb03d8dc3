package wire

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/textproto"
	"net/url"
	"strconv"
	"strings"
	"sync"
)

// Request is one call to an operation, as the generated handlers see it.
type Request struct {
	HTTP   *http.Request
	W      http.ResponseWriter
	ID     string // x-amzn-RequestId
	Body   []byte
	Op     *Operation
	labels []label
	query  url.Values
	status int
}

// Label is the unescaped value of a path label.
func (r *Request) Label(name string) string {
	for _, l := range r.labels {
		if l.name == name {
			return l.value
		}
	}
	return ""
}

// Query returns the first value of a query parameter.
func (r *Request) Query(name string) (string, bool) {
	v, ok := r.query[name]
	if !ok || len(v) == 0 {
		return "", false
	}
	return v[0], true
}

// QueryAll returns every value of a repeated query parameter; values that
// contain commas are not split (restJson1 lists repeat the key).
func (r *Request) QueryAll(name string) []string { return r.query[name] }

// QueryRest returns the query parameters other than the bound ones, for
// members bound to the whole query string (a map); nil when there are none.
func (r *Request) QueryRest(bound ...string) map[string]string {
	var out map[string]string
	for k, v := range r.query {
		if contains(bound, k) || len(v) == 0 {
			continue
		}
		if out == nil {
			out = map[string]string{}
		}
		out[k] = v[0]
	}
	return out
}

// Header returns a request header's value (values of a repeated header
// joined with ", ").
func (r *Request) Header(name string) (string, bool) {
	v := r.HTTP.Header[textproto.CanonicalMIMEHeaderKey(name)]
	if len(v) == 0 {
		return "", false
	}
	if len(v) == 1 {
		return v[0], true
	}
	return strings.Join(v, ", "), true
}

// HeaderPrefix collects headers starting with prefix (prefix removed).
func (r *Request) HeaderPrefix(prefix string) map[string]string {
	var out map[string]string
	p := strings.ToLower(prefix)
	for k, v := range r.HTTP.Header {
		if strings.HasPrefix(strings.ToLower(k), p) && len(v) > 0 {
			if out == nil {
				out = map[string]string{}
			}
			out[k[len(p):]] = v[0]
		}
	}
	return out
}

// DecodeJSON decodes the body into v; an empty body leaves v as it is.
func (r *Request) DecodeJSON(v any) error {
	if len(bytes.TrimSpace(r.Body)) == 0 {
		return nil
	}
	if err := json.Unmarshal(r.Body, v); err != nil {
		return serializationError(err)
	}
	return nil
}

// SetHeader sets a response header.
func (r *Request) SetHeader(k, v string) { r.W.Header().Set(k, v) }

// SetStatus overrides the success status (members bound to the status code).
func (r *Request) SetStatus(code int) { r.status = code }

func (r *Request) code(c int) int {
	if r.status != 0 {
		return r.status
	}
	return c
}

// jsonBufs holds the buffers WriteJSON encodes into; a ResponseWriter
// does not keep what it is given to Write, so a buffer is free again once
// Write returns. Buffers that grew past maxPooledJSON are left to the GC.
var jsonBufs = sync.Pool{New: func() any { return new([]byte) }}

const maxPooledJSON = 64 << 10

// WriteJSON answers with v encoded as json.Marshal encodes it: through
// v's generated AppendJSON (no reflection) when it has one.
func (r *Request) WriteJSON(code int, v any) error {
	bp := jsonBufs.Get().(*[]byte)
	b, err := AppendJSON((*bp)[:0], v)
	if err == nil {
		err = r.writeJSON(code, b)
	}
	if cap(b) <= maxPooledJSON {
		*bp = b[:0]
		jsonBufs.Put(bp)
	}
	return err
}

func (r *Request) writeJSON(code int, b []byte) error {
	h := r.W.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(b)))
	r.W.WriteHeader(r.code(code))
	_, err := r.W.Write(b)
	return err
}

// WriteBlob answers with a raw payload; the Content-Type is whatever the
// output's header members set, else application/octet-stream.
func (r *Request) WriteBlob(code int, b []byte) error {
	h := r.W.Header()
	if h.Get("Content-Type") == "" {
		h.Set("Content-Type", "application/octet-stream")
	}
	h.Set("Content-Length", strconv.Itoa(len(b)))
	r.W.WriteHeader(r.code(code))
	_, err := r.W.Write(b)
	return err
}

// WriteEmpty answers with no body.
func (r *Request) WriteEmpty(code int) error {
	r.W.Header().Set("Content-Length", "0")
	r.W.WriteHeader(r.code(code))
	return nil
}

// WriteEmptyObject answers {} (or nothing for 204), for outputs without
// body members.
func (r *Request) WriteEmptyObject(code int) error {
	if r.code(code) == http.StatusNoContent {
		return r.WriteEmpty(code)
	}
	return r.writeJSON(code, []byte("{}")) // json.Marshal(struct{}{})
}

func badParam(name, v, what string) error {
	return &Error{Code: "SerializationException", Status: http.StatusBadRequest,
		Message: "Value '" + v + "' at '" + name + "' failed to satisfy constraint: Member must be " + what}
}

// ParseInt32 and friends bind non-string query, header and label values.
func ParseInt32(name, v string) (int32, error) {
	n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 32)
	if err != nil {
		return 0, badParam(name, v, "an integer")
	}
	return int32(n), nil
}

func ParseInt64(name, v string) (int64, error) {
	n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
	if err != nil {
		return 0, badParam(name, v, "an integer")
	}
	return n, nil
}

func ParseBool(name, v string) (bool, error) {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "true":
		return true, nil
	case "false":
		return false, nil
	}
	return false, badParam(name, v, "a boolean")
}

func ParseFloat64(name, v string) (float64, error) {
	f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
	if err != nil {
		return 0, badParam(name, v, "a number")
	}
	return f, nil
}

func ParseFloat32(name, v string) (float32, error) {
	f, err := strconv.ParseFloat(strings.TrimSpace(v), 32)
	if err != nil {
		return 0, badParam(name, v, "a number")
	}
	return float32(f), nil
}

func ParseISOTime(name, v string) (ISOTime, error) {
	t, err := parseAnyTime(v)
	if err != nil {
		return ISOTime{}, badParam(name, v, "a timestamp")
	}
	return ISOTime{t}, nil
}

func ParseHTTPDate(name, v string) (HTTPDate, error) {
	t, err := parseAnyTime(v)
	if err != nil {
		return HTTPDate{}, badParam(name, v, "a timestamp")
	}
	return HTTPDate{t}, nil
}

func ParseEpochTime(name, v string) (EpochTime, error) {
	t, err := parseAnyTime(v)
	if err != nil {
		return EpochTime{}, badParam(name, v, "a timestamp")
	}
	return EpochTime{t}, nil
}
