package dataplane

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/ohler55/ojg/oj"
)

// backend is an integration's response as the mappings see it.
type backend struct {
	header http.Header
	body   []byte
	doc    any // parsed JSON body, once
	docErr error
	parsed bool
}

// sourceValues evaluates a mapping source for this request (and, for
// integration.response.* sources, the backend response be). ctx is the
// $context map to read context.* from. ok is false when the source has no
// value, in which case the target is not set. A nil ctx is built
// (contextMap) only when a context.* source needs it.
func (c *call) sourceValues(s *source, be *backend, ctx map[string]any) (vals []string, ok bool) {
	one := func(v string, ok bool) ([]string, bool) {
		if !ok {
			return nil, false
		}
		return []string{v}, true
	}
	switch s.kind {
	case srcStatic:
		return []string{s.name}, true
	case srcStageVar:
		v, ok := c.vars[s.name]
		return one(v, ok)
	case srcContext:
		if ctx == nil {
			ctx = c.contextMap()
		}
		return one(contextValue(ctx, s.ctx))
	case srcMethodPath:
		return one(c.pathParam(s.name))
	case srcMethodQuery:
		v := c.queryValues()[s.name]
		if len(v) == 0 {
			return nil, false
		}
		return v[len(v)-1:], true
	case srcMethodMultiQuery:
		v := c.queryValues()[s.name]
		return v, len(v) > 0
	case srcMethodHeader:
		v := c.r.Header.Values(s.name)
		if len(v) == 0 {
			return nil, false
		}
		return v[len(v)-1:], true
	case srcMethodMultiHeader:
		v := c.r.Header.Values(s.name)
		return v, len(v) > 0
	case srcMethodBody:
		return []string{string(c.body)}, true
	case srcMethodBodyPath:
		return one(jsonPathValue(c.requestDoc(), s))
	case srcIntHeader, srcIntMultiHeader:
		if be == nil {
			return nil, false
		}
		v := be.header.Values(s.name)
		if len(v) == 0 {
			return nil, false
		}
		if s.kind == srcIntHeader {
			return v[len(v)-1:], true
		}
		return v, true
	case srcIntBody:
		if be == nil {
			return nil, false
		}
		return []string{string(be.body)}, true
	case srcIntBodyPath:
		if be == nil {
			return nil, false
		}
		if !be.parsed {
			be.doc, be.docErr = parseJSONDoc(be.body)
			be.parsed = true
		}
		if be.docErr != nil {
			return nil, false
		}
		return one(jsonPathValue(be.doc, s))
	}
	return nil, false
}

// sourceString is joinValues(sourceValues(s, nil, nil)) for a request
// source, without the slice for the single-valued kinds.
func (c *call) sourceString(s *source) (string, bool) {
	switch s.kind {
	case srcStatic:
		return s.name, true
	case srcStageVar:
		v, ok := c.vars[s.name]
		return v, ok
	case srcMethodPath:
		return c.pathParam(s.name)
	}
	vals, ok := c.sourceValues(s, nil, nil)
	if !ok {
		return "", false
	}
	return joinValues(s, vals), true
}

// requestDoc is the request body parsed as JSON (nil when it is not JSON).
func (c *call) requestDoc() any {
	doc, err := parseJSONDoc(c.body)
	if err != nil {
		return nil
	}
	return doc
}

func parseJSONDoc(b []byte) (any, error) {
	b = bytes.TrimSpace(b)
	if len(b) == 0 {
		return map[string]any{}, nil
	}
	return oj.Parse(b)
}

func jsonPathValue(doc any, s *source) (string, bool) {
	if doc == nil || s.path == nil {
		return "", false
	}
	v := s.path.First(doc)
	if v == nil {
		return "", false
	}
	return stringify(v), true
}

// stringify renders a value as a mapping puts it in a header: strings as
// they are, anything else as JSON.
func stringify(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case bool:
		return strconv.FormatBool(x)
	case int64:
		return strconv.FormatInt(x, 10)
	case int:
		return strconv.Itoa(x)
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return fmt.Sprint(v)
	}
	return strings.TrimSuffix(buf.String(), "\n")
}

// contextValue reads a dotted path (identity.sourceIp) from $context.
func contextValue(ctx map[string]any, path []string) (string, bool) {
	var cur any = ctx
	for _, p := range path {
		m, ok := cur.(map[string]any)
		if !ok {
			return "", false
		}
		if cur, ok = m[p]; !ok {
			return "", false
		}
	}
	if cur == nil {
		return "", false
	}
	return stringify(cur), true
}

// selectByAccept picks a response template (integration or gateway
// response) for the client's Accept header: the first listed media type
// that has a template, else application/json, else the first template by
// content type [D, L].
func selectByAccept(ts templates, accept []string) *template {
	if ts.first == nil {
		return nil
	}
	for _, a := range accept {
		for rest, more := a, true; more; {
			var part string
			part, rest, more = strings.Cut(rest, ",")
			if i := strings.IndexByte(part, ';'); i >= 0 {
				part = part[:i]
			}
			part = strings.ToLower(strings.TrimSpace(part))
			if t := ts.byType[part]; t != nil {
				return t
			}
		}
	}
	if t := ts.byType["application/json"]; t != nil {
		return t
	}
	return ts.first
}

// selectRequestTemplate picks the integration request template by the
// request Content-Type. With no template for it, passthroughBehavior
// decides: WHEN_NO_MATCH passes the body through, WHEN_NO_TEMPLATES only
// when no template is defined at all, NEVER never (415 Unsupported Media
// Type otherwise) [D].
func (c *call) selectRequestTemplate(ci *integration) (t *template, unsupported bool) {
	if t := ci.requestTemplates.byType[c.contentType()]; t != nil {
		return t, false
	}
	switch ci.passthrough {
	case "NEVER":
		return nil, true
	case "WHEN_NO_TEMPLATES":
		return nil, ci.requestTemplates.first != nil
	}
	return nil, false
}

// messageString is $context.error.messageString: the message as a quoted
// JSON string.
func messageString(msg string) string {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.Encode(msg)
	return strings.TrimSuffix(buf.String(), "\n")
}

// Request headers API Gateway drops before anything sees them (and never
// forwards), after AWS's table of REST API header handling [D].
var droppedRequest = map[string]bool{
	"Connection": true, "Content-Length": true, "Content-Md5": true, "Expect": true,
	"Keep-Alive": true, "Max-Forwards": true, "Proxy-Authenticate": true,
	"Proxy-Authorization": true, "Proxy-Connection": true, "Server": true, "Te": true,
	"Trailer": true, "Transfer-Encoding": true, "Upgrade": true, "Www-Authenticate": true,
}

func droppedRequestHeader(k string) bool { return droppedRequest[http.CanonicalHeaderKey(k)] }
