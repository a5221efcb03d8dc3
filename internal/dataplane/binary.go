package dataplane

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"encoding/base64"
	"errors"
	"io"
	"strconv"
	"strings"
)

// Binary media types and content handling (AWS's "Content type
// conversions in API Gateway" tables), and payload compression
// (minimumCompressionSize).

// mediaType is a Content-Type or Accept entry reduced to "type/subtype",
// lower case.
func mediaType(s string) string {
	if i := strings.IndexByte(s, ';'); i >= 0 {
		s = s[:i]
	}
	return strings.ToLower(strings.TrimSpace(s))
}

// isBinary reports whether media type mt is one of the API's
// binaryMediaTypes, which may use wildcards ("image/*", "*/*").
func (d *deployment) isBinary(mt string) bool {
	if d == nil || mt == "" {
		return false
	}
	typ, sub, _ := strings.Cut(mt, "/")
	for _, b := range d.binaryTypes {
		if b == mt || b == "*/*" {
			return true
		}
		bt, bs, _ := strings.Cut(b, "/")
		if (bt == typ || bt == "*") && (bs == sub || bs == "*") {
			return true
		}
	}
	return false
}

// binaryRequest reports whether the request payload is binary: its
// Content-Type matches binaryMediaTypes.
func (c *call) binaryRequest() bool {
	ct := c.r.Header.Get("Content-Type")
	return ct != "" && c.dep.isBinary(mediaType(ct))
}

// acceptsBinary reports whether the client asks for binary: the first
// media type of its Accept header matches binaryMediaTypes ("API Gateway
// uses only the first Accept media type" [D]).
func (c *call) acceptsBinary() bool {
	acc := c.r.Header.Get("Accept")
	if acc == "" {
		return false
	}
	first, _, _ := strings.Cut(acc, ",")
	return c.dep.isBinary(mediaType(first))
}

// convertRequest applies the integration's contentHandling to the method
// request payload [D: request table]: CONVERT_TO_TEXT base64-encodes a
// binary payload, CONVERT_TO_BINARY base64-decodes a text one; anything
// else passes as it is.
func convertRequest(body []byte, binary bool, conv string) ([]byte, error) {
	switch {
	case conv == "CONVERT_TO_TEXT" && binary:
		return b64encode(body), nil
	case conv == "CONVERT_TO_BINARY" && !binary:
		return b64decode(body)
	}
	return body, nil
}

// responseConversion decides what happens to an integration response
// payload [D: response table]: encode base64-encodes it (before any
// response template), decode base64-decodes the method response body.
// respBinary says the integration response is binary (its Content-Type
// matches binaryMediaTypes), acceptBinary that the client asks for a
// binary type.
func responseConversion(hasBinaryTypes, respBinary, acceptBinary bool, conv string) (encode, decode bool) {
	switch conv {
	case "CONVERT_TO_TEXT":
		return respBinary, false
	case "CONVERT_TO_BINARY":
		return false, !respBinary
	}
	if !hasBinaryTypes {
		return false, false
	}
	switch {
	case !respBinary && acceptBinary:
		return false, true
	case respBinary && !acceptBinary:
		return true, false
	}
	return false, false
}

func b64encode(b []byte) []byte {
	out := make([]byte, base64.StdEncoding.EncodedLen(len(b)))
	base64.StdEncoding.Encode(out, b)
	return out
}

var errNotBase64 = errors.New("the payload is not valid base64")

func b64decode(b []byte) ([]byte, error) {
	s := strings.TrimRight(strings.TrimSpace(string(b)), "=")
	out, err := base64.RawStdEncoding.DecodeString(s)
	if err != nil {
		if out, err = base64.RawURLEncoding.DecodeString(s); err != nil {
			return nil, errNotBase64
		}
	}
	return out, nil
}

// ---- compression ----

// decompressRequest undoes a request Content-Encoding when the API has
// compression enabled: API Gateway then accepts gzip and deflate payloads
// and decompresses them before applying mapping templates [D: "Call an
// API method with a compressed payload"]. Without compression enabled the
// body passes as it is, and proxy integrations always get it as sent
// (the caller skips them) [?].
func (c *call) decompressRequest(body []byte) ([]byte, error) {
	if c.dep.minCompression < 0 || len(body) == 0 {
		return body, nil
	}
	var rd io.ReadCloser
	var err error
	switch strings.ToLower(strings.TrimSpace(c.r.Header.Get("Content-Encoding"))) {
	case "gzip":
		rd, err = gzip.NewReader(bytes.NewReader(body))
	case "deflate":
		rd = flate.NewReader(bytes.NewReader(body))
	default:
		return body, nil
	}
	if err != nil {
		return nil, err
	}
	defer rd.Close()
	out, err := io.ReadAll(io.LimitReader(rd, maxPayload+1))
	if err == nil && len(out) > maxPayload {
		return nil, errTooLargeBody
	}
	return out, err
}

var errTooLargeBody = errors.New("decompressed payload exceeds 10 MB")

// compressEncoding picks the response encoding for a body of n bytes:
// "gzip" or "deflate" when the API has compression enabled, the body is
// at least minimumCompressionSize and the client accepts the encoding
// [D: API Gateway supports gzip, deflate and identity and compresses when
// "the payload size is at or above" the minimum].
func (c *call) compressEncoding(n int) string {
	if c.dep == nil || c.dep.minCompression < 0 || n < c.dep.minCompression {
		return ""
	}
	best, bestQ := "", 0.0
	for _, v := range c.r.Header.Values("Accept-Encoding") {
		for _, part := range strings.Split(v, ",") {
			name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
			name = strings.ToLower(strings.TrimSpace(name))
			q := 1.0
			if p := strings.TrimSpace(params); strings.HasPrefix(p, "q=") {
				if f, err := strconv.ParseFloat(p[2:], 64); err == nil {
					q = f
				}
			}
			if name == "*" {
				name = "gzip"
			}
			if (name == "gzip" || name == "deflate") && q > bestQ {
				best, bestQ = name, q
			}
		}
	}
	return best
}

// compress encodes body with enc ("gzip" or "deflate").
func compress(body []byte, enc string) []byte {
	var buf bytes.Buffer
	var w io.WriteCloser
	if enc == "deflate" {
		w, _ = flate.NewWriter(&buf, flate.DefaultCompression)
	} else {
		w = gzip.NewWriter(&buf)
	}
	w.Write(body)
	w.Close()
	return buf.Bytes()
}
