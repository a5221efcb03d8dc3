package v2core

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
)

// Kind is what a runtime variable of a selection or mapping expression
// refers to.
type Kind uint8

const (
	KindLiteral     Kind = iota
	KindHeader           // $request.header.{name}
	KindQuery            // $request.querystring.{name}
	KindPath             // $request.path.{name}; $request.path (name "") is the whole path
	KindBody             // $request.body.{jsonpath}; $request.body (name "") is the whole body
	KindMethod           // $request.method
	KindContext          // $context.{name}
	KindStageVar         // $stageVariables.{name}
	KindRespHeader       // $response.header.{name}
	KindRespBody         // $response.body.{jsonpath}
	KindRespStatus       // $response.statuscode
	KindIntegration      // $integration.response.statuscode (WebSocket route response selection)
)

// Source answers the variables an expression refers to for one request.
type Source interface {
	Lookup(kind Kind, name string) (string, bool)
}

// Expr is a parsed runtime expression: static text mixed with variables,
// in the API Gateway v2 syntax ($request.header.x, ${request.body.a},
// $context.x, $stageVariables.x, $response.header.x, \$ for a literal $).
type Expr struct {
	Src   string
	parts []part
}

type part struct {
	kind Kind
	text string // literal text, or the variable's name
}

// Static reports whether the expression has no variables; its value is
// then Text().
func (e *Expr) Static() bool {
	for _, p := range e.parts {
		if p.kind != KindLiteral {
			return false
		}
	}
	return true
}

// Text is the literal text of a static expression.
func (e *Expr) Text() string {
	var b strings.Builder
	for _, p := range e.parts {
		b.WriteString(p.text)
	}
	return b.String()
}

// Single returns the one variable an expression consists of, if it is
// exactly one variable.
func (e *Expr) Single() (Kind, string, bool) {
	if len(e.parts) == 1 && e.parts[0].kind != KindLiteral {
		return e.parts[0].kind, e.parts[0].text, true
	}
	return 0, "", false
}

// Vars calls fn for every variable of the expression.
func (e *Expr) Vars(fn func(Kind, string)) {
	for _, p := range e.parts {
		if p.kind != KindLiteral {
			fn(p.kind, p.text)
		}
	}
}

// Eval renders the expression; a variable without a value renders as "".
func (e *Expr) Eval(src Source) string {
	if len(e.parts) == 1 {
		p := e.parts[0]
		if p.kind == KindLiteral {
			return p.text
		}
		v, _ := src.Lookup(p.kind, p.text)
		return v
	}
	var b strings.Builder
	for _, p := range e.parts {
		if p.kind == KindLiteral {
			b.WriteString(p.text)
			continue
		}
		v, _ := src.Lookup(p.kind, p.text)
		b.WriteString(v)
	}
	return b.String()
}

// ParseExpr parses an expression. It never fails: anything that is not a
// known variable is kept as literal text.
func ParseExpr(s string) *Expr {
	e := &Expr{Src: s}
	var lit strings.Builder
	flush := func() {
		if lit.Len() > 0 {
			e.parts = append(e.parts, part{kind: KindLiteral, text: lit.String()})
			lit.Reset()
		}
	}
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == '\\' && i+1 < len(s) && s[i+1] == '$':
			lit.WriteByte('$')
			i += 2
		case c == '$' && i+1 < len(s) && s[i+1] == '{':
			end := strings.IndexByte(s[i+2:], '}')
			if end < 0 {
				lit.WriteString(s[i:])
				i = len(s)
				continue
			}
			name := s[i+2 : i+2+end]
			if k, n, ok := classify(name); ok {
				flush()
				e.parts = append(e.parts, part{kind: k, text: n})
			} else {
				lit.WriteString(s[i : i+3+end])
			}
			i += 3 + end
		case c == '$':
			j := i + 1
			for j < len(s) && !isTerminator(s[j]) {
				j++
			}
			if k, n, ok := classify(s[i+1 : j]); ok {
				flush()
				e.parts = append(e.parts, part{kind: k, text: n})
			} else {
				lit.WriteString(s[i:j])
			}
			i = j
		default:
			lit.WriteByte(c)
			i++
		}
	}
	flush()
	return e
}

func isTerminator(c byte) bool {
	switch c {
	case ' ', '\t', '\n', '\r', '$', '/', '{', '}', ',', ';', '"', '\'', '&', '?', '=':
		return true
	}
	return false
}

// classify maps a variable name without its "$" to its kind.
func classify(v string) (Kind, string, bool) {
	cut := func(prefix string) (string, bool) {
		if strings.HasPrefix(v, prefix) {
			return v[len(prefix):], true
		}
		return "", false
	}
	if n, ok := cut("request.header."); ok && n != "" {
		return KindHeader, n, true
	}
	if n, ok := cut("request.querystring."); ok && n != "" {
		return KindQuery, n, true
	}
	if n, ok := cut("request.path."); ok && n != "" {
		return KindPath, n, true
	}
	if v == "request.path" {
		return KindPath, "", true
	}
	if v == "request.body" {
		return KindBody, "", true
	}
	if n, ok := cut("request.body."); ok && n != "" {
		return KindBody, n, true
	}
	if n, ok := cut("request.body["); ok {
		return KindBody, "[" + n, true
	}
	if v == "request.method" {
		return KindMethod, "", true
	}
	if n, ok := cut("context."); ok && n != "" {
		return KindContext, n, true
	}
	if n, ok := cut("stageVariables."); ok && n != "" {
		return KindStageVar, n, true
	}
	if n, ok := cut("response.header."); ok && n != "" {
		return KindRespHeader, n, true
	}
	if v == "response.body" {
		return KindRespBody, "", true
	}
	if n, ok := cut("response.body."); ok && n != "" {
		return KindRespBody, n, true
	}
	if v == "response.statuscode" {
		return KindRespStatus, "", true
	}
	if v == "integration.response.statuscode" {
		return KindIntegration, "", true
	}
	return 0, "", false
}

// ParseJSON decodes a body for JSONPath lookups (numbers kept as
// json.Number); ok is false when the body is not JSON.
func ParseJSON(body []byte) (any, bool) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, false
	}
	if dec.More() {
		return nil, false
	}
	return v, true
}

// JSONPath evaluates a simple JSONPath relative to the document root
// ("action", "a.b[0]", "['x y'].z", with or without a leading "$." )
// and renders the value as text: strings as they are, other values as
// compact JSON. ok is false when the path selects nothing.
func JSONPath(doc any, path string) (string, bool) {
	v, ok := jsonSelect(doc, path)
	if !ok {
		return "", false
	}
	return RenderJSONValue(v), true
}

// RenderJSONValue renders a decoded JSON value as API Gateway substitutes
// it into text: strings without quotes, anything else as JSON.
func RenderJSONValue(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case json.Number:
		return x.String()
	case bool:
		return strconv.FormatBool(x)
	case nil:
		return ""
	}
	b, err := json.Marshal(v)
	if err != nil {
		return ""
	}
	return string(b)
}

func jsonSelect(doc any, path string) (any, bool) {
	path = strings.TrimPrefix(path, "$")
	cur := doc
	for len(path) > 0 {
		switch path[0] {
		case '.':
			path = path[1:]
			continue
		case '[':
			end := strings.IndexByte(path, ']')
			if end < 0 {
				return nil, false
			}
			sel := path[1:end]
			path = path[end+1:]
			if len(sel) >= 2 && (sel[0] == '\'' || sel[0] == '"') && sel[len(sel)-1] == sel[0] {
				m, ok := cur.(map[string]any)
				if !ok {
					return nil, false
				}
				if cur, ok = m[sel[1:len(sel)-1]]; !ok {
					return nil, false
				}
				continue
			}
			n, err := strconv.Atoi(sel)
			arr, ok := cur.([]any)
			if err != nil || !ok {
				return nil, false
			}
			if n < 0 {
				n += len(arr)
			}
			if n < 0 || n >= len(arr) {
				return nil, false
			}
			cur = arr[n]
		default:
			end := strings.IndexAny(path, ".[")
			if end < 0 {
				end = len(path)
			}
			name := path[:end]
			path = path[end:]
			m, ok := cur.(map[string]any)
			if !ok {
				return nil, false
			}
			if cur, ok = m[name]; !ok {
				return nil, false
			}
		}
	}
	return cur, true
}
