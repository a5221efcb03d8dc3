package apigateway

// OpenAPI / Swagger import: ImportRestApi (POST /restapis?mode=import) and
// PutRestApi (PUT /restapis/{id}?mode=merge|overwrite).
//
//	body ──► oaDecode (JSON or YAML into ordered generic values)
//	     ──► oaBuildPlan (OpenAPI 3.0 / Swagger 2.0 + x-amazon-apigateway-* → an oaPlan:
//	         API fields, resource paths with their methods, models, authorizers,
//	         validators, gateway responses, documentation parts; errors and warnings)
//	     ──► oaApply (one store Update: writes the plan into the API's tables in the
//	         shapes service.go lists, merging into or overwriting what is there)
//
// Nothing here depends on a third-party OpenAPI library: the documents are
// read as generic trees (the parts API Gateway uses are few and its own
// extensions are not part of any typed model anyway), with a small YAML
// reader below that covers the YAML people write for OpenAPI (block and flow
// collections, all scalar styles, anchors and aliases).
//
// Export (GetExport) is in openapi_export.go; it renders the deployed
// snapshot of a stage (snapshot.go), not the live API.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	api "github.com/stagecraft/stagecraft/internal/api/apigateway"
	"github.com/stagecraft/stagecraft/internal/ids"
	"github.com/stagecraft/stagecraft/internal/store"
)

// ---------------------------------------------------------------------------
// Generic document values
//
// A decoded document is made of *oaMap (objects, keys in document order),
// []any, string, json.Number, bool and nil.

// oaMap is a JSON object / YAML mapping that remembers key order.
type oaMap struct {
	keys []string
	vals map[string]any
}

func newOAMap() *oaMap { return &oaMap{vals: map[string]any{}} }

func (m *oaMap) set(k string, v any) {
	if _, ok := m.vals[k]; !ok {
		m.keys = append(m.keys, k)
	}
	m.vals[k] = v
}

func (m *oaMap) get(k string) any {
	if m == nil {
		return nil
	}
	return m.vals[k]
}

func (m *oaMap) has(k string) bool {
	if m == nil {
		return false
	}
	_, ok := m.vals[k]
	return ok
}

// ks returns the keys in order; nil for a nil mapping.
func (m *oaMap) ks() []string {
	if m == nil {
		return nil
	}
	return m.keys
}

func (m *oaMap) len() int {
	if m == nil {
		return 0
	}
	return len(m.keys)
}

// oaObj returns v as a mapping, or nil.
func oaObj(v any) *oaMap {
	m, _ := v.(*oaMap)
	return m
}

// oaList returns v as a sequence, or nil.
func oaList(v any) []any {
	l, _ := v.([]any)
	return l
}

// oaStr returns a scalar as text: strings as they are, numbers as written,
// booleans as true/false.
func oaStr(v any) (string, bool) {
	switch t := v.(type) {
	case string:
		return t, true
	case json.Number:
		return string(t), true
	case bool:
		return strconv.FormatBool(t), true
	}
	return "", false
}

// oaStrPtr is oaStr as an optional field.
func oaStrPtr(v any) *string {
	if s, ok := oaStr(v); ok {
		return &s
	}
	return nil
}

// oaBool reads a boolean written as a boolean or as "true"/"false".
func oaBool(v any) (bool, bool) {
	switch t := v.(type) {
	case bool:
		return t, true
	case string:
		switch strings.ToLower(t) {
		case "true":
			return true, true
		case "false":
			return false, true
		}
	}
	return false, false
}

// oaInt reads an integer written as a number or a numeric string.
func oaInt(v any) (int64, bool) {
	s, ok := oaStr(v)
	if !ok {
		return 0, false
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return n, true
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil && f == math.Trunc(f) && math.Abs(f) < 1<<53 {
		return int64(f), true
	}
	return 0, false
}

// oaStringMap reads a mapping of scalars (requestParameters, templates...).
// Non-scalar values (a template written as an object) are JSON-encoded.
func oaStringMap(v any) map[string]string {
	m := oaObj(v)
	if m.len() == 0 {
		return nil
	}
	out := make(map[string]string, m.len())
	for _, k := range m.keys {
		val := m.vals[k]
		if s, ok := oaStr(val); ok {
			out[k] = s
		} else if val == nil {
			out[k] = ""
		} else {
			out[k] = string(oaJSON(val, false))
		}
	}
	return out
}

// oaStringList reads a sequence of scalars; a lone scalar counts as a
// one-element list.
func oaStringList(v any) []string {
	if s, ok := oaStr(v); ok {
		return []string{s}
	}
	var out []string
	for _, e := range oaList(v) {
		if s, ok := oaStr(e); ok {
			out = append(out, s)
		}
	}
	return out
}

// oaJSON renders a generic value as JSON (keys of *oaMap in order, of plain
// maps sorted), compact or indented by two spaces.
func oaJSON(v any, indent bool) []byte {
	var b bytes.Buffer
	oaWriteJSON(&b, v, indent, 0)
	return b.Bytes()
}

func oaWriteJSON(b *bytes.Buffer, v any, indent bool, depth int) {
	nl := func(d int) {
		if indent {
			b.WriteByte('\n')
			for i := 0; i < d; i++ {
				b.WriteString("  ")
			}
		}
	}
	switch t := v.(type) {
	case nil:
		b.WriteString("null")
	case bool:
		b.WriteString(strconv.FormatBool(t))
	case json.Number:
		b.WriteString(string(t))
	case int:
		b.WriteString(strconv.Itoa(t))
	case int32:
		b.WriteString(strconv.FormatInt(int64(t), 10))
	case int64:
		b.WriteString(strconv.FormatInt(t, 10))
	case float64:
		b.WriteString(strconv.FormatFloat(t, 'g', -1, 64))
	case string:
		oaWriteJSONString(b, t)
	case []string:
		l := make([]any, len(t))
		for i, s := range t {
			l[i] = s
		}
		oaWriteJSON(b, l, indent, depth)
	case []any:
		if len(t) == 0 {
			b.WriteString("[]")
			return
		}
		b.WriteByte('[')
		for i, e := range t {
			if i > 0 {
				b.WriteByte(',')
			}
			nl(depth + 1)
			oaWriteJSON(b, e, indent, depth+1)
		}
		nl(depth)
		b.WriteByte(']')
	case *oaMap:
		if t.len() == 0 {
			b.WriteString("{}")
			return
		}
		b.WriteByte('{')
		for i, k := range t.keys {
			if i > 0 {
				b.WriteByte(',')
			}
			nl(depth + 1)
			oaWriteJSONString(b, k)
			if indent {
				b.WriteString(": ")
			} else {
				b.WriteByte(':')
			}
			oaWriteJSON(b, t.vals[k], indent, depth+1)
		}
		nl(depth)
		b.WriteByte('}')
	case map[string]string:
		m := newOAMap()
		for _, k := range sortedKeys(t) {
			m.set(k, t[k])
		}
		oaWriteJSON(b, m, indent, depth)
	case map[string]any:
		m := newOAMap()
		for _, k := range sortedKeys(t) {
			m.set(k, t[k])
		}
		oaWriteJSON(b, m, indent, depth)
	default:
		// Not produced by the decoders; render through encoding/json.
		enc, err := json.Marshal(t)
		if err != nil {
			b.WriteString("null")
			return
		}
		b.Write(enc)
	}
}

func oaWriteJSONString(b *bytes.Buffer, s string) {
	enc := json.NewEncoder(b)
	enc.SetEscapeHTML(false)
	enc.Encode(s)           // never fails for a string
	b.Truncate(b.Len() - 1) // Encode adds a newline
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// oaMaxDepth bounds nesting in both decoders, oaMaxNodes the number of
// values a YAML document may expand to through aliases.
const (
	oaMaxDepth = 256
	oaMaxNodes = 1 << 20
)

var errOAInput = errors.New("invalid OpenAPI input")

// oaDecode reads a JSON or YAML document into generic values. JSON is tried
// first when the body looks like an object; YAML 1.2 covers JSON too, so a
// JSON document the strict decoder refuses still gets a second chance.
func oaDecode(body []byte) (any, error) {
	body = bytes.TrimPrefix(body, []byte("\xef\xbb\xbf"))
	if !utf8.Valid(body) {
		return nil, errOAInput
	}
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) > 0 && trimmed[0] == '{' {
		if v, err := oaDecodeJSON(trimmed); err == nil {
			return v, nil
		}
	}
	return oaDecodeYAML(body)
}

func oaDecodeJSON(b []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	v, err := oaJSONValue(dec, 0)
	if err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errOAInput
	}
	return v, nil
}

func oaJSONValue(dec *json.Decoder, depth int) (any, error) {
	if depth > oaMaxDepth {
		return nil, errOAInput
	}
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	d, ok := tok.(json.Delim)
	if !ok {
		return tok, nil // string, json.Number, bool or nil
	}
	switch d {
	case '{':
		m := newOAMap()
		for dec.More() {
			kt, err := dec.Token()
			if err != nil {
				return nil, err
			}
			k, ok := kt.(string)
			if !ok {
				return nil, errOAInput
			}
			v, err := oaJSONValue(dec, depth+1)
			if err != nil {
				return nil, err
			}
			m.set(k, v)
		}
		if _, err := dec.Token(); err != nil {
			return nil, err
		}
		return m, nil
	case '[':
		l := []any{}
		for dec.More() {
			v, err := oaJSONValue(dec, depth+1)
			if err != nil {
				return nil, err
			}
			l = append(l, v)
		}
		if _, err := dec.Token(); err != nil {
			return nil, err
		}
		return l, nil
	}
	return nil, errOAInput
}

// ---------------------------------------------------------------------------
// YAML reader
//
// A recursive-descent reader over the raw bytes for the first document of a
// YAML stream: block mappings and sequences (including the "key:\n- item"
// form and compact "- key: value" entries), flow collections, plain, single-
// and double-quoted scalars (with line folding and escapes), literal and
// folded block scalars (chomping and indentation indicators), anchors,
// aliases, tags (ignored, except that !!str keeps a scalar a string) and
// comments. Complex keys ("? ") are not supported. Plain scalars resolve
// with the YAML 1.2 core schema; numbers become json.Number.

type oaYAML struct {
	src     []byte
	pos     int
	depth   int
	nodes   int
	anchors map[string]oaAnchor
}

type oaAnchor struct {
	v     any
	nodes int
}

type oaYAMLError struct{ msg string }

func (e *oaYAMLError) Error() string { return "yaml: " + e.msg }

func oaDecodeYAML(src []byte) (v any, err error) {
	p := &oaYAML{src: src, anchors: map[string]oaAnchor{}}
	defer func() {
		if r := recover(); r != nil {
			ye, ok := r.(*oaYAMLError)
			if !ok {
				panic(r)
			}
			v, err = nil, ye
		}
	}()
	p.documentStart()
	v = p.blockNode(-1)
	p.skipSpace()
	if !p.eof() && !p.atDocMarker("---") && !p.atDocMarker("...") {
		p.fail("unexpected content")
	}
	return v, nil
}

func (p *oaYAML) fail(msg string) {
	panic(&oaYAMLError{msg: fmt.Sprintf("%s at offset %d", msg, p.pos)})
}

func (p *oaYAML) eof() bool { return p.pos >= len(p.src) }

func (p *oaYAML) peek() byte {
	if p.pos < len(p.src) {
		return p.src[p.pos]
	}
	return 0
}

func (p *oaYAML) peekAt(i int) byte {
	if p.pos+i < len(p.src) && p.pos+i >= 0 {
		return p.src[p.pos+i]
	}
	return 0
}

// col is the column of pos (0-based).
func (p *oaYAML) col() int { return p.colOf(p.pos) }

func (p *oaYAML) colOf(pos int) int {
	return pos - (bytes.LastIndexByte(p.src[:pos], '\n') + 1)
}

func oaIsBlank(c byte) bool { return c == ' ' || c == '\t' }

// oaIsBreakOrEnd reports whether c ends a line (0 stands for end of input).
func oaIsBreakOrEnd(c byte) bool { return c == '\n' || c == '\r' || c == 0 }

func (p *oaYAML) count() {
	p.nodes++
	if p.nodes > oaMaxNodes {
		p.fail("document too large")
	}
}

func (p *oaYAML) enter() {
	p.depth++
	if p.depth > oaMaxDepth {
		p.fail("nesting too deep")
	}
}

func (p *oaYAML) leave() { p.depth-- }

// skipLineBreak consumes one line break (\n, \r\n or \r).
func (p *oaYAML) skipLineBreak() bool {
	switch p.peek() {
	case '\n':
		p.pos++
		return true
	case '\r':
		p.pos++
		if p.peek() == '\n' {
			p.pos++
		}
		return true
	}
	return false
}

// skipBlanks skips spaces and tabs on the current line.
func (p *oaYAML) skipBlanks() {
	for oaIsBlank(p.peek()) {
		p.pos++
	}
}

// skipComment skips a comment to the end of the line, if at one.
func (p *oaYAML) skipComment() {
	if p.peek() == '#' {
		for !oaIsBreakOrEnd(p.peek()) {
			p.pos++
		}
	}
}

// skipSpace skips blanks, comments and line breaks up to the next content.
// Tabs are not allowed as indentation before content at the start of a line.
func (p *oaYAML) skipSpace() {
	for !p.eof() {
		c := p.peek()
		switch {
		case c == ' ' || c == '\t':
			p.pos++
		case c == '#' && (p.pos == 0 || oaIsBlank(p.src[p.pos-1]) || p.src[p.pos-1] == '\n' || p.src[p.pos-1] == '\r'):
			p.skipComment()
		case c == '\n' || c == '\r':
			p.skipLineBreak()
		default:
			return
		}
	}
}

// restOfLineEmpty reports whether only blanks and a comment remain on the
// line; it does not move.
func (p *oaYAML) restOfLineEmpty() bool {
	i := p.pos
	for i < len(p.src) && oaIsBlank(p.src[i]) {
		i++
	}
	return i >= len(p.src) || p.src[i] == '\n' || p.src[i] == '\r' || (p.src[i] == '#' && (i == p.pos || oaIsBlank(p.src[i-1])))
}

// expectLineEnd requires that only blanks and a comment remain on the line.
func (p *oaYAML) expectLineEnd() {
	if !p.restOfLineEmpty() {
		p.fail("unexpected content after value")
	}
	p.skipBlanks()
	p.skipComment()
}

func (p *oaYAML) atDocMarker(m string) bool {
	if p.col() != 0 || !bytes.HasPrefix(p.src[p.pos:], []byte(m)) {
		return false
	}
	c := p.peekAt(3)
	return oaIsBlank(c) || oaIsBreakOrEnd(c)
}

// documentStart skips directives and the "---" marker of the first document.
func (p *oaYAML) documentStart() {
	p.skipSpace()
	for !p.eof() && p.col() == 0 && p.peek() == '%' {
		for !oaIsBreakOrEnd(p.peek()) {
			p.pos++
		}
		p.skipSpace()
	}
	if p.atDocMarker("---") {
		p.pos += 3
	}
}

// seqIndicator reports whether pos is at "- " (a block sequence entry).
func (p *oaYAML) seqIndicator() bool {
	if p.peek() != '-' {
		return false
	}
	c := p.peekAt(1)
	return oaIsBlank(c) || oaIsBreakOrEnd(c)
}

// blockNode reads the node starting at the next content, which belongs to
// the node only if it is indented more than parent. It returns nil (an
// empty node) when there is no such content.
func (p *oaYAML) blockNode(parent int) any {
	p.skipSpace()
	if p.eof() || p.col() <= parent || (p.col() == 0 && (p.atDocMarker("---") || p.atDocMarker("..."))) {
		return nil
	}
	p.enter()
	defer p.leave()
	start := p.nodes
	anchor, tag := p.properties()
	var v any
	if (anchor != "" || tag != "") && p.restOfLineEmpty() {
		// Properties alone on their line: the node follows below.
		p.skipBlanks()
		p.skipComment()
		p.skipSpace()
		if !p.eof() && p.col() > parent && p.seqIndicator() {
			v = p.blockSeq(p.col())
		} else {
			v = p.blockNode(parent)
		}
	} else {
		v = p.blockContent(parent, tag)
	}
	if anchor != "" {
		p.anchors[anchor] = oaAnchor{v: v, nodes: p.nodes - start}
	}
	return v
}

// blockContent reads a node whose first character is at pos.
func (p *oaYAML) blockContent(parent int, tag string) any {
	c := p.col()
	switch ch := p.peek(); {
	case p.seqIndicator():
		return p.blockSeq(c)
	case ch == '|' || ch == '>':
		return p.blockScalar(parent)
	case ch == '*':
		v := p.alias()
		p.skipBlanks()
		if p.peek() == ':' {
			p.fail("aliases as mapping keys are not supported")
		}
		p.expectLineEnd()
		return v
	case ch == '?' && (oaIsBlank(p.peekAt(1)) || oaIsBreakOrEnd(p.peekAt(1))):
		p.fail("complex mapping keys are not supported")
	case ch == '[' || ch == '{':
		if p.isMapKey() {
			p.fail("flow collections as mapping keys are not supported")
		}
		v := p.flowCollection()
		p.expectLineEnd()
		return v
	}
	if p.isMapKey() {
		return p.blockMap(c)
	}
	p.count()
	switch p.peek() {
	case '"', '\'':
		s := p.quoted(parent)
		p.expectLineEnd()
		return s
	}
	text := p.plainBlock(parent)
	if tag == "!!str" {
		return text
	}
	return oaResolvePlain(text)
}

// properties reads an anchor (&name) and a tag (!tag, !!str, !<...>) in
// either order, each followed by blanks.
func (p *oaYAML) properties() (anchor, tag string) {
	for i := 0; i < 2; i++ {
		switch p.peek() {
		case '&':
			if anchor != "" {
				p.fail("two anchors on one node")
			}
			p.pos++
			anchor = p.anchorName()
			if anchor == "" {
				p.fail("empty anchor name")
			}
		case '!':
			if tag != "" {
				p.fail("two tags on one node")
			}
			start := p.pos
			for !oaIsBlank(p.peek()) && !oaIsBreakOrEnd(p.peek()) {
				p.pos++
			}
			tag = string(p.src[start:p.pos])
		default:
			return
		}
		p.skipBlanks()
	}
	return
}

func (p *oaYAML) anchorName() string {
	start := p.pos
	for !p.eof() {
		c := p.peek()
		if oaIsBlank(c) || oaIsBreakOrEnd(c) || c == ',' || c == '[' || c == ']' || c == '{' || c == '}' {
			break
		}
		p.pos++
	}
	return string(p.src[start:p.pos])
}

func (p *oaYAML) alias() any {
	p.pos++ // '*'
	name := p.anchorName()
	a, ok := p.anchors[name]
	if !ok {
		p.fail("unknown alias " + strconv.Quote(name))
	}
	p.nodes += a.nodes
	p.count()
	return a.v
}

// isMapKey reports whether the line from pos holds "key:" followed by a
// blank or the end of the line, with the key a quoted or plain scalar.
func (p *oaYAML) isMapKey() bool {
	i := p.pos
	switch p.peek() {
	case '"', '\'':
		q := p.peek()
		i++
		for i < len(p.src) && p.src[i] != '\n' && p.src[i] != '\r' {
			if q == '"' && p.src[i] == '\\' {
				i += 2
				continue
			}
			if p.src[i] == q {
				if q == '\'' && i+1 < len(p.src) && p.src[i+1] == '\'' {
					i += 2
					continue
				}
				break
			}
			i++
		}
		if i >= len(p.src) || p.src[i] != q {
			return false
		}
		i++
		for i < len(p.src) && oaIsBlank(p.src[i]) {
			i++
		}
		return i < len(p.src) && p.src[i] == ':' && (i+1 >= len(p.src) || oaIsBlank(p.src[i+1]) || p.src[i+1] == '\n' || p.src[i+1] == '\r')
	case '[', '{', '|', '>', '#', '&', '*', '!', '%', '@', '`':
		return false
	}
	for ; i < len(p.src); i++ {
		c := p.src[i]
		if c == '\n' || c == '\r' {
			return false
		}
		if c == '#' && i > p.pos && oaIsBlank(p.src[i-1]) {
			return false
		}
		if c == ':' && (i+1 >= len(p.src) || oaIsBlank(p.src[i+1]) || p.src[i+1] == '\n' || p.src[i+1] == '\r') {
			return true
		}
	}
	return false
}

// blockMap reads a block mapping whose keys start at column indent.
func (p *oaYAML) blockMap(indent int) any {
	m := newOAMap()
	p.count()
	for {
		p.skipSpace()
		if p.eof() || p.col() < indent || p.atDocMarker("---") || p.atDocMarker("...") {
			break
		}
		if p.col() > indent {
			p.fail("bad indentation of a mapping entry")
		}
		if !p.isMapKey() {
			if p.seqIndicator() {
				break // a sequence at this indent belongs to an outer mapping key
			}
			p.fail("expected a mapping key")
		}
		key := p.keyScalar()
		p.skipBlanks()
		if p.peek() != ':' {
			p.fail("expected ':'")
		}
		p.pos++
		m.set(key, p.mapValue(indent))
	}
	return m
}

// keyScalar reads a quoted or plain key on the current line.
func (p *oaYAML) keyScalar() string {
	switch p.peek() {
	case '"', '\'':
		return p.quoted(-1)
	}
	start := p.pos
	for i := p.pos; i < len(p.src); i++ {
		if p.src[i] == ':' && (i+1 >= len(p.src) || oaIsBlank(p.src[i+1]) || p.src[i+1] == '\n' || p.src[i+1] == '\r') {
			p.pos = i
			break
		}
	}
	return strings.TrimRight(string(p.src[start:p.pos]), " \t")
}

// mapValue reads the value after "key:" of a mapping at indent.
func (p *oaYAML) mapValue(indent int) any {
	p.skipBlanks()
	if p.restOfLineEmpty() {
		p.skipComment()
		p.skipSpace()
		// "key:\n- a" puts the sequence at the key's own indent.
		if !p.eof() && p.col() == indent && p.seqIndicator() {
			p.enter()
			defer p.leave()
			return p.blockSeq(indent)
		}
		return p.blockNode(indent)
	}
	if p.seqIndicator() {
		p.fail("a block sequence cannot start on the line of its key")
	}
	if p.peek() != '&' && p.peek() != '!' && p.peek() != '|' && p.peek() != '>' &&
		p.peek() != '[' && p.peek() != '{' && p.peek() != '*' && p.isMapKey() {
		p.fail("mapping values are not allowed here")
	}
	return p.blockNode(indent)
}

// blockSeq reads a block sequence whose dashes are at column indent.
func (p *oaYAML) blockSeq(indent int) any {
	l := []any{}
	p.count()
	for {
		p.skipSpace()
		if p.eof() || p.col() != indent || !p.seqIndicator() || p.atDocMarker("---") {
			if !p.eof() && p.col() > indent {
				p.fail("bad indentation of a sequence entry")
			}
			break
		}
		p.pos++ // '-'
		l = append(l, p.blockNode(indent))
	}
	return l
}

// plainBlock reads a plain scalar in block context, folding continuation
// lines indented more than parent.
func (p *oaYAML) plainBlock(parent int) string {
	var b strings.Builder
	b.WriteString(p.plainLine())
	for {
		save := p.pos
		breaks := 0
		for {
			p.skipBlanks()
			if !p.skipLineBreak() {
				break
			}
			breaks++
		}
		if breaks == 0 || p.eof() || p.col() <= parent || p.peek() == '#' ||
			(p.col() == 0 && (p.atDocMarker("---") || p.atDocMarker("..."))) {
			p.pos = save
			break
		}
		line := p.plainLine()
		if line == "" {
			p.pos = save
			break
		}
		if breaks == 1 {
			b.WriteByte(' ')
		} else {
			b.WriteString(strings.Repeat("\n", breaks-1))
		}
		b.WriteString(line)
	}
	return b.String()
}

// plainLine reads plain scalar text to the end of the line or a comment.
func (p *oaYAML) plainLine() string {
	start := p.pos
	end := p.pos
	for !p.eof() {
		c := p.peek()
		if c == '\n' || c == '\r' {
			break
		}
		if c == '#' && p.pos > start && oaIsBlank(p.src[p.pos-1]) {
			break
		}
		p.pos++
		if !oaIsBlank(c) {
			end = p.pos
		}
	}
	s := string(p.src[start:end])
	p.skipComment()
	return s
}

// quoted reads a single- or double-quoted scalar, which may span lines.
func (p *oaYAML) quoted(parent int) string {
	q := p.peek()
	p.pos++
	var b strings.Builder
	for {
		if p.eof() {
			p.fail("unterminated quoted scalar")
		}
		c := p.peek()
		switch {
		case c == q && q == '\'' && p.peekAt(1) == '\'':
			b.WriteByte('\'')
			p.pos += 2
		case c == q:
			p.pos++
			return b.String()
		case c == '\\' && q == '"':
			p.pos++
			if p.peek() == '\n' || p.peek() == '\r' {
				// Escaped line break: join without a space.
				p.skipLineBreak()
				p.skipBlanks()
				continue
			}
			p.escape(&b)
		case c == '\n' || c == '\r':
			// Fold: trailing blanks were written; trim them.
			s := strings.TrimRight(b.String(), " \t")
			b.Reset()
			b.WriteString(s)
			breaks := 0
			for {
				p.skipBlanks()
				if !p.skipLineBreak() {
					break
				}
				breaks++
			}
			if p.col() == 0 && (p.atDocMarker("---") || p.atDocMarker("...")) {
				p.fail("document marker inside a quoted scalar")
			}
			if breaks == 1 {
				b.WriteByte(' ')
			} else {
				b.WriteString(strings.Repeat("\n", breaks-1))
			}
		default:
			b.WriteByte(c)
			p.pos++
		}
	}
}

var oaEscapes = map[byte]string{
	'0': "\x00", 'a': "\a", 'b': "\b", 't': "\t", '\t': "\t", 'n': "\n", 'v': "\v", 'f': "\f",
	'r': "\r", 'e': "\x1b", ' ': " ", '"': "\"", '/': "/", '\\': "\\", 'N': "\u0085",
	'_': "\u00a0", 'L': "\u2028", 'P': "\u2029",
}

func (p *oaYAML) escape(b *strings.Builder) {
	c := p.peek()
	if s, ok := oaEscapes[c]; ok {
		b.WriteString(s)
		p.pos++
		return
	}
	n := map[byte]int{'x': 2, 'u': 4, 'U': 8}[c]
	if n == 0 || p.pos+1+n > len(p.src) {
		p.fail("invalid escape in double-quoted scalar")
	}
	r, err := strconv.ParseUint(string(p.src[p.pos+1:p.pos+1+n]), 16, 32)
	if err != nil || r > utf8.MaxRune {
		p.fail("invalid escape in double-quoted scalar")
	}
	b.WriteRune(rune(r))
	p.pos += 1 + n
}

// blockScalar reads a literal (|) or folded (>) block scalar.
func (p *oaYAML) blockScalar(parent int) string {
	folded := p.peek() == '>'
	p.pos++
	chomp := byte(0)
	explicit := 0
	for i := 0; i < 2; i++ {
		c := p.peek()
		switch {
		case (c == '-' || c == '+') && chomp == 0:
			chomp = c
			p.pos++
		case c >= '1' && c <= '9' && explicit == 0:
			explicit = int(c - '0')
			p.pos++
		}
	}
	p.expectLineEnd()
	if !p.skipLineBreak() && !p.eof() {
		p.fail("expected a line break after a block scalar header")
	}
	base := parent
	if base < 0 {
		base = 0
	}
	indent := 0
	if explicit > 0 {
		indent = base + explicit
		if parent < 0 {
			indent = explicit
		}
	} else {
		// The first non-empty line sets the indentation.
		i := p.pos
		for i < len(p.src) {
			j := i
			for j < len(p.src) && p.src[j] == ' ' {
				j++
			}
			if j < len(p.src) && (p.src[j] == '\n' || p.src[j] == '\r') {
				i = j + 1
				continue
			}
			indent = j - i
			break
		}
		if indent <= parent {
			indent = parent + 1
		}
	}
	var lines []string
	for !p.eof() {
		lineStart := p.pos
		n := 0
		for p.peekAt(n) == ' ' {
			n++
		}
		end := p.pos + n
		for end < len(p.src) && p.src[end] != '\n' && p.src[end] != '\r' {
			end++
		}
		empty := end == p.pos+n
		if !empty && n < indent {
			break
		}
		if n == 0 && (bytes.HasPrefix(p.src[lineStart:], []byte("---")) || bytes.HasPrefix(p.src[lineStart:], []byte("..."))) {
			c := byte(0)
			if lineStart+3 < len(p.src) {
				c = p.src[lineStart+3]
			}
			if oaIsBlank(c) || oaIsBreakOrEnd(c) {
				break
			}
		}
		if empty {
			if n > indent {
				lines = append(lines, string(p.src[lineStart+indent:end]))
			} else {
				lines = append(lines, "")
			}
		} else {
			lines = append(lines, string(p.src[lineStart+indent:end]))
		}
		p.pos = end
		if !p.skipLineBreak() {
			break
		}
	}
	// Separate trailing empty lines for chomping.
	last := len(lines)
	for last > 0 && lines[last-1] == "" {
		last--
	}
	body, trailing := lines[:last], len(lines)-last
	var b strings.Builder
	if folded {
		prevMore, first, empties := false, true, 0
		for _, l := range body {
			if l == "" {
				empties++
				continue
			}
			more := l[0] == ' ' || l[0] == '\t'
			switch {
			case first:
				b.WriteString(strings.Repeat("\n", empties))
			case empties > 0 && !prevMore && !more:
				b.WriteString(strings.Repeat("\n", empties))
			case empties > 0:
				b.WriteString(strings.Repeat("\n", empties+1))
			case prevMore || more:
				b.WriteByte('\n')
			default:
				b.WriteByte(' ')
			}
			b.WriteString(l)
			first, prevMore, empties = false, more, 0
		}
	} else {
		b.WriteString(strings.Join(body, "\n"))
	}
	if len(body) > 0 {
		switch chomp {
		case 0:
			b.WriteByte('\n')
		case '+':
			b.WriteString(strings.Repeat("\n", trailing+1))
		}
	} else if chomp == '+' {
		b.WriteString(strings.Repeat("\n", trailing))
	}
	p.count()
	return b.String()
}

// skipFlowSpace skips blanks, line breaks and comments inside a flow collection.
func (p *oaYAML) skipFlowSpace() {
	p.skipSpace()
	if p.eof() {
		p.fail("unterminated flow collection")
	}
}

// flowCollection reads [ ... ] or { ... }.
func (p *oaYAML) flowCollection() any {
	p.enter()
	defer p.leave()
	p.count()
	open := p.peek()
	p.pos++
	if open == '[' {
		l := []any{}
		for {
			p.skipFlowSpace()
			if p.peek() == ']' {
				p.pos++
				return l
			}
			v, key, isScalar := p.flowNode()
			p.skipFlowSpace()
			if p.peek() == ':' {
				// A single-pair mapping inside a sequence: [a: b].
				if !isScalar {
					p.fail("unsupported mapping key")
				}
				p.pos++
				p.skipFlowSpace()
				m := newOAMap()
				var val any
				if p.peek() != ',' && p.peek() != ']' {
					val, _, _ = p.flowNode()
					p.skipFlowSpace()
				}
				m.set(key, val)
				v = m
			}
			l = append(l, v)
			switch p.peek() {
			case ',':
				p.pos++
			case ']':
			default:
				p.fail("expected ',' or ']'")
			}
		}
	}
	m := newOAMap()
	for {
		p.skipFlowSpace()
		if p.peek() == '}' {
			p.pos++
			return m
		}
		_, key, isScalar := p.flowNode()
		if !isScalar {
			p.fail("unsupported mapping key")
		}
		p.skipFlowSpace()
		var val any
		if p.peek() == ':' {
			p.pos++
			p.skipFlowSpace()
			if p.peek() != ',' && p.peek() != '}' {
				val, _, _ = p.flowNode()
				p.skipFlowSpace()
			}
		}
		m.set(key, val)
		switch p.peek() {
		case ',':
			p.pos++
		case '}':
		default:
			p.fail("expected ',' or '}'")
		}
	}
}

// flowNode reads one node inside a flow collection. For scalars it also
// returns the text usable as a mapping key.
func (p *oaYAML) flowNode() (v any, key string, scalar bool) {
	start := p.nodes
	anchor, tag := p.properties()
	if anchor != "" || tag != "" {
		p.skipFlowSpace()
	}
	switch c := p.peek(); {
	case c == '[' || c == '{':
		v = p.flowCollection()
	case c == '*':
		v = p.alias()
		key, scalar = fmt.Sprint(v), true
	case c == '"' || c == '\'':
		p.count()
		key = p.quoted(-1)
		v, scalar = key, true
	default:
		p.count()
		key = p.plainFlow()
		scalar = true
		if tag == "!!str" {
			v = key
		} else {
			v = oaResolvePlain(key)
		}
	}
	if anchor != "" {
		p.anchors[anchor] = oaAnchor{v: v, nodes: p.nodes - start}
	}
	return v, key, scalar
}

// plainFlow reads a plain scalar inside a flow collection.
func (p *oaYAML) plainFlow() string {
	var b strings.Builder
	for !p.eof() {
		c := p.peek()
		if c == ',' || c == '[' || c == ']' || c == '{' || c == '}' {
			break
		}
		if c == ':' {
			n := p.peekAt(1)
			if oaIsBlank(n) || oaIsBreakOrEnd(n) || n == ',' || n == '[' || n == ']' || n == '{' || n == '}' {
				break
			}
		}
		if c == '#' && p.pos > 0 && oaIsBlank(p.src[p.pos-1]) {
			break
		}
		if c == '\n' || c == '\r' {
			p.skipLineBreak()
			p.skipBlanks()
			s := strings.TrimRight(b.String(), " \t")
			b.Reset()
			b.WriteString(s)
			b.WriteByte(' ')
			continue
		}
		b.WriteByte(c)
		p.pos++
	}
	s := strings.TrimRight(b.String(), " \t")
	if s == "" && !p.eof() && p.peek() != ',' && p.peek() != ']' && p.peek() != '}' && p.peek() != ':' {
		p.fail("unexpected character in flow collection")
	}
	return s
}

var (
	oaIntRE       = regexp.MustCompile(`^[-+]?[0-9]+$`)
	oaFloatRE     = regexp.MustCompile(`^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`)
	oaJSONNumRE   = regexp.MustCompile(`^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?$`)
	oaOctHexRE    = regexp.MustCompile(`^0(o[0-7]+|x[0-9a-fA-F]+)$`)
	oaSpecialNums = map[string]bool{".inf": true, ".Inf": true, ".INF": true, "+.inf": true, "+.Inf": true,
		"+.INF": true, "-.inf": true, "-.Inf": true, "-.INF": true, ".nan": true, ".NaN": true, ".NAN": true}
)

// oaResolvePlain types a plain scalar with the YAML 1.2 core schema.
// Infinity and NaN, which JSON cannot hold, stay strings.
func oaResolvePlain(s string) any {
	switch s {
	case "", "~", "null", "Null", "NULL":
		return nil
	case "true", "True", "TRUE":
		return true
	case "false", "False", "FALSE":
		return false
	}
	if oaSpecialNums[s] {
		return s
	}
	if oaJSONNumRE.MatchString(s) {
		return json.Number(s)
	}
	if oaIntRE.MatchString(s) {
		t := strings.TrimLeft(strings.TrimPrefix(s, "+"), "")
		neg := strings.HasPrefix(t, "-")
		t = strings.TrimLeft(strings.TrimPrefix(t, "-"), "0")
		if t == "" {
			t = "0"
		}
		if neg && t != "0" {
			t = "-" + t
		}
		return json.Number(t)
	}
	if oaOctHexRE.MatchString(s) {
		base := 8
		if s[1] == 'x' {
			base = 16
		}
		if n, err := strconv.ParseUint(s[2:], base, 64); err == nil {
			return json.Number(strconv.FormatUint(n, 10))
		}
		return s
	}
	if oaFloatRE.MatchString(s) {
		if f, err := strconv.ParseFloat(s, 64); err == nil && !math.IsInf(f, 0) {
			return json.Number(strconv.FormatFloat(f, 'g', -1, 64))
		}
	}
	return s
}

// ---------------------------------------------------------------------------
// From document to plan

// oaPlan is everything an import writes, built from the document alone (no
// ids, no store). Methods refer to authorizers and validators by name; the
// names are resolved to ids when the plan is applied.
type oaPlan struct {
	name, description, version *string
	binaryMediaTypes           []string
	hasBinaryMediaTypes        bool
	minCompression             *int32
	apiKeySource               *string
	endpointTypes              []string
	vpcEndpointIDs             []string
	ipAddressType              *string
	disableExecuteAPI          *bool
	policy                     *string

	paths   []string                        // resource paths in document order
	methods map[string]map[string]*oaMethod // path → HTTP verb → method

	models           []oaModel
	authorizers      []api.Authorizer // Name set, Id not
	validators       []api.RequestValidator
	gatewayResponses []api.GatewayResponse
	hasDocumentation bool
	docParts         []api.DocumentationPart // Id not set

	warnings []string
}

type oaModel struct {
	name   string
	schema any // generic value; $refs to other models are rewritten on apply
}

type oaMethod struct {
	m          api.Method
	authorizer string // authorizer name, "" for none
	validator  string // request validator name, "" for none
}

// oaParams are the import options of the parameters map.
type oaParams struct {
	basePath      string // ignore, prepend or split
	ignoreDocs    bool
	endpointTypes []string
}

var oaEndpointTypes = map[string]bool{"EDGE": true, "REGIONAL": true, "PRIVATE": true}

func oaReadParams(in map[string]string) (oaParams, error) {
	p := oaParams{basePath: "ignore"}
	for _, k := range sortedKeys(in) {
		v := in[k]
		switch strings.ToLower(k) {
		case "basepath":
			v = strings.ToLower(v)
			if v != "ignore" && v != "prepend" && v != "split" {
				// [?] AWS's wording for a bad basepath value is not recorded.
				return p, badRequest("Invalid basepath parameter value %s. Valid values are ignore, prepend and split", v)
			}
			p.basePath = v
		case "ignore":
			for _, s := range strings.Split(v, ",") {
				if strings.TrimSpace(strings.ToLower(s)) == "documentation" {
					p.ignoreDocs = true
				}
			}
		case "endpointconfigurationtypes":
			for _, s := range strings.Split(v, ",") {
				t := strings.ToUpper(strings.TrimSpace(s))
				if !oaEndpointTypes[t] {
					// [?] wording unknown; the enum is [M].
					return p, badRequest("Invalid endpoint configuration type %s. Valid values are EDGE, REGIONAL and PRIVATE", s)
				}
				p.endpointTypes = append(p.endpointTypes, t)
			}
		}
	}
	return p, nil
}

// errInvalidOpenAPI is AWS's answer to a body that is not an OpenAPI 2.0 or
// 3.0 document at all [C: seen in CLI debug logs, Terraform and CDK
// reports, including for 3.1 documents].
func errInvalidOpenAPI() error { return badRequest("Invalid OpenAPI input.") }

// OpenAPIParseAndMap runs the import's parse and mapping stage on body with
// the given import parameters, without touching any store, and returns the
// warnings it would report. It exists for FuzzImportRestApi; errors are
// always API errors (400 BadRequestException), never panics.
func OpenAPIParseAndMap(body []byte, parameters map[string]string) ([]string, error) {
	params, err := oaReadParams(parameters)
	if err != nil {
		return nil, err
	}
	plan, err := oaBuildPlan(body, params)
	if err != nil {
		return nil, err
	}
	if _, err := oaPlaceScratch(plan); err != nil {
		return nil, err
	}
	for _, m := range plan.models {
		_ = oaRenderSchema(m.schema, "fuzz")
	}
	return plan.warnings, nil
}

// OpenAPIToJSON decodes a JSON or YAML body the way ImportRestApi reads it
// and returns it as compact JSON with keys in document order. It exists for
// the YAML reader's tests.
func OpenAPIToJSON(body []byte) (string, error) {
	v, err := oaDecode(body)
	if err != nil {
		return "", err
	}
	return string(oaJSON(v, false)), nil
}

type oaBuilder struct {
	doc      *oaMap
	swagger  bool
	params   oaParams
	plan     *oaPlan
	errs     []string
	models   map[string]bool
	schemes  *oaMap
	authz    map[string]*api.Authorizer // security scheme name → authorizer
	valids   map[string]bool
	defValid string
}

func (b *oaBuilder) warn(format string, args ...any) {
	b.plan.warnings = append(b.plan.warnings, fmt.Sprintf(format, args...))
}

func (b *oaBuilder) fail(format string, args ...any) {
	b.errs = append(b.errs, fmt.Sprintf(format, args...))
}

// oaBuildPlan parses body and maps it to a plan. Major problems are
// errors, collected and reported together as AWS does ("Errors found during
// import:" then one tab-indented line each [C: boto3 error output]); minor
// ones are warnings.
func oaBuildPlan(body []byte, params oaParams) (*oaPlan, error) {
	v, err := oaDecode(body)
	if err != nil {
		return nil, errInvalidOpenAPI()
	}
	doc := oaObj(v)
	if doc == nil {
		return nil, errInvalidOpenAPI()
	}
	b := &oaBuilder{doc: doc, params: params, plan: &oaPlan{methods: map[string]map[string]*oaMethod{}},
		models: map[string]bool{}, authz: map[string]*api.Authorizer{}, valids: map[string]bool{}}
	if sv, ok := oaStr(doc.get("swagger")); ok {
		if sv != "2.0" {
			return nil, errInvalidOpenAPI()
		}
		b.swagger = true
	} else if ov, ok := oaStr(doc.get("openapi")); ok {
		// API Gateway imports OpenAPI 3.0.x only; 3.1 documents are refused
		// with the generic message [C].
		if ov != "3.0" && !strings.HasPrefix(ov, "3.0.") {
			return nil, errInvalidOpenAPI()
		}
	} else {
		return nil, errInvalidOpenAPI()
	}
	if doc.has("info") && oaObj(doc.get("info")) == nil {
		return nil, errInvalidOpenAPI()
	}
	if doc.has("paths") && doc.get("paths") != nil && oaObj(doc.get("paths")) == nil {
		return nil, errInvalidOpenAPI()
	}
	b.info()
	b.apiExtensions()
	b.modelsFrom()
	b.securitySchemes()
	b.requestValidators()
	b.gatewayResponses()
	b.documentation()
	b.paths()
	if len(b.errs) > 0 {
		return nil, badRequest("%s", "Errors found during import:\n\t"+strings.Join(b.errs, "\n\t"))
	}
	return b.plan, nil
}

// resolve follows local "$ref"s ("#/a/b") to the value they point at. It
// returns nil for references it cannot follow.
func (b *oaBuilder) resolve(v any) any {
	for i := 0; i < 32; i++ {
		m := oaObj(v)
		ref, ok := oaStr(m.get("$ref"))
		if !ok {
			return v
		}
		target, ok := b.pointer(ref)
		if !ok {
			b.warn("Unable to resolve reference '%s'. Ignoring.", ref)
			return nil
		}
		v = target
	}
	return nil
}

// pointer follows a local JSON pointer reference.
func (b *oaBuilder) pointer(ref string) (any, bool) {
	if !strings.HasPrefix(ref, "#/") {
		return nil, false
	}
	var cur any = b.doc
	for _, seg := range strings.Split(ref[2:], "/") {
		if u, err := url.PathUnescape(seg); err == nil {
			seg = u
		}
		seg = unescapePointer(seg)
		switch t := cur.(type) {
		case *oaMap:
			if !t.has(seg) {
				return nil, false
			}
			cur = t.get(seg)
		case []any:
			n, err := strconv.Atoi(seg)
			if err != nil || n < 0 || n >= len(t) {
				return nil, false
			}
			cur = t[n]
		default:
			return nil, false
		}
	}
	return cur, true
}

func (b *oaBuilder) info() {
	info := oaObj(b.doc.get("info"))
	if t, ok := oaStr(info.get("title")); ok && t != "" {
		b.plan.name = &t
	}
	if d, ok := oaStr(info.get("description")); ok && d != "" {
		b.plan.description = &d
	}
	if v, ok := oaStr(info.get("version")); ok && v != "" {
		b.plan.version = &v
	}
}

const (
	xIntegration        = "x-amazon-apigateway-integration"
	xAnyMethod          = "x-amazon-apigateway-any-method"
	xAuthorizer         = "x-amazon-apigateway-authorizer"
	xAuthType           = "x-amazon-apigateway-authtype"
	xRequestValidators  = "x-amazon-apigateway-request-validators"
	xRequestValidator   = "x-amazon-apigateway-request-validator"
	xGatewayResponses   = "x-amazon-apigateway-gateway-responses"
	xBinaryMediaTypes   = "x-amazon-apigateway-binary-media-types"
	xAPIKeySource       = "x-amazon-apigateway-api-key-source"
	xPolicy             = "x-amazon-apigateway-policy"
	xEndpointConfig     = "x-amazon-apigateway-endpoint-configuration"
	xMinCompressionSize = "x-amazon-apigateway-minimum-compression-size"
	xDocumentation      = "x-amazon-apigateway-documentation"
)

// apiExtensions reads the API-level x-amazon-apigateway-* extensions.
func (b *oaBuilder) apiExtensions() {
	d, p := b.doc, b.plan
	if d.has(xBinaryMediaTypes) {
		p.hasBinaryMediaTypes = true
		p.binaryMediaTypes = oaStringList(d.get(xBinaryMediaTypes))
	}
	if d.has(xMinCompressionSize) {
		n, ok := oaInt(d.get(xMinCompressionSize))
		if !ok || n < 0 || n > maxCompression {
			b.fail("Invalid minimum compression size, must be between 0 and %d", maxCompression)
		} else {
			p.minCompression = ptr(int32(n))
		}
	}
	if d.has(xAPIKeySource) {
		s, _ := oaStr(d.get(xAPIKeySource))
		s = strings.ToUpper(s)
		if s != "HEADER" && s != "AUTHORIZER" {
			b.fail("Invalid API Key source %s. Valid values are HEADER and AUTHORIZER", s)
		} else {
			p.apiKeySource = &s
		}
	}
	if d.has(xPolicy) {
		switch pol := d.get(xPolicy).(type) {
		case string:
			p.policy = &pol
		case nil:
		default:
			s := string(oaJSON(pol, false))
			p.policy = &s
		}
	}
	if ec := oaObj(d.get(xEndpointConfig)); ec != nil {
		for _, t := range oaStringList(ec.get("types")) {
			t = strings.ToUpper(t)
			if !oaEndpointTypes[t] {
				b.fail("Invalid endpoint configuration type %s. Valid values are EDGE, REGIONAL and PRIVATE", t)
				continue
			}
			p.endpointTypes = append(p.endpointTypes, t)
		}
		p.vpcEndpointIDs = oaStringList(ec.get("vpcEndpointIds"))
		if len(p.vpcEndpointIDs) > 0 && len(p.endpointTypes) == 0 {
			p.endpointTypes = []string{"PRIVATE"}
		}
		if dis, ok := oaBool(ec.get("disableExecuteApiEndpoint")); ok {
			p.disableExecuteAPI = &dis
		}
		if ip, ok := oaStr(ec.get("ipAddressType")); ok && ip != "" {
			p.ipAddressType = &ip
		}
	}
	if len(b.params.endpointTypes) > 0 {
		p.endpointTypes = b.params.endpointTypes
	}
}

var oaModelNameRE = regexp.MustCompile(`^[a-zA-Z0-9]+$`)

// modelsFrom turns definitions (2.0) or components.schemas (3.0) into models.
func (b *oaBuilder) modelsFrom() {
	var schemas *oaMap
	if b.swagger {
		schemas = oaObj(b.doc.get("definitions"))
	} else {
		schemas = oaObj(oaObj(b.doc.get("components")).get("schemas"))
	}
	for _, name := range schemas.ks() {
		if !oaModelNameRE.MatchString(name) {
			// [C] wording seen in API Gateway console import reports.
			b.warn("Model name must be alphanumeric: %s", name)
			continue
		}
		b.models[name] = true
		b.plan.models = append(b.plan.models, oaModel{name: name, schema: schemas.vals[name]})
	}
}

var oaAuthorizerTypes = map[string]string{"TOKEN": "TOKEN", "REQUEST": "REQUEST", "COGNITO_USER_POOLS": "COGNITO_USER_POOLS"}

// securitySchemes creates an authorizer for every security scheme that
// carries x-amazon-apigateway-authorizer, used or not (as AWS does [V:
// LocalStack snapshot of an unused authorizer]).
func (b *oaBuilder) securitySchemes() {
	if b.swagger {
		b.schemes = oaObj(b.doc.get("securityDefinitions"))
	} else {
		b.schemes = oaObj(oaObj(b.doc.get("components")).get("securitySchemes"))
	}
	for _, name := range b.schemes.ks() {
		s := oaObj(b.resolve(b.schemes.vals[name]))
		ext := oaObj(s.get(xAuthorizer))
		if ext == nil {
			continue
		}
		raw, _ := oaStr(ext.get("type"))
		typ, ok := oaAuthorizerTypes[strings.ToUpper(raw)]
		if !ok {
			b.warn("Unsupported authorizer type '%s' for security scheme '%s'. Ignoring.", raw, name)
			continue
		}
		a := &api.Authorizer{Name: ptr(name), Type: ptr(typ)}
		a.AuthType = oaStrPtr(s.get(xAuthType))
		a.AuthorizerUri = oaStrPtr(ext.get("authorizerUri"))
		a.AuthorizerCredentials = oaStrPtr(ext.get("authorizerCredentials"))
		a.IdentityValidationExpression = oaStrPtr(ext.get("identityValidationExpression"))
		if ttl, ok := oaInt(ext.get("authorizerResultTtlInSeconds")); ok {
			a.AuthorizerResultTtlInSeconds = ptr(int32(ttl))
		}
		a.ProviderARNs = oaStringList(ext.get("providerARNs"))
		if src, ok := oaStr(ext.get("identitySource")); ok && src != "" {
			a.IdentitySource = &src
		} else if typ != "REQUEST" {
			// A TOKEN (or Cognito) authorizer reads the header the
			// security scheme names.
			if in, _ := oaStr(s.get("in")); strings.EqualFold(in, "header") {
				if hdr, ok := oaStr(s.get("name")); ok && hdr != "" {
					a.IdentitySource = ptr("method.request.header." + hdr)
				}
			}
		}
		b.authz[name] = a
		b.plan.authorizers = append(b.plan.authorizers, *a)
	}
}

func (b *oaBuilder) requestValidators() {
	vs := oaObj(b.doc.get(xRequestValidators))
	for _, name := range vs.ks() {
		v := oaObj(vs.vals[name])
		body, _ := oaBool(v.get("validateRequestBody"))
		params, _ := oaBool(v.get("validateRequestParameters"))
		b.valids[name] = true
		b.plan.validators = append(b.plan.validators, api.RequestValidator{
			Name: ptr(name), ValidateRequestBody: ptr(body), ValidateRequestParameters: ptr(params)})
	}
	if d, ok := oaStr(b.doc.get(xRequestValidator)); ok && d != "" {
		if !b.valids[d] {
			b.warn("Request validator '%s' is not defined. Ignoring.", d)
		} else {
			b.defValid = d
		}
	}
}

var oaGatewayResponseTypes = map[string]bool{}

func init() {
	for _, t := range strings.Split("DEFAULT_4XX DEFAULT_5XX RESOURCE_NOT_FOUND UNAUTHORIZED INVALID_API_KEY ACCESS_DENIED "+
		"AUTHORIZER_FAILURE AUTHORIZER_CONFIGURATION_ERROR INVALID_SIGNATURE EXPIRED_TOKEN MISSING_AUTHENTICATION_TOKEN "+
		"INTEGRATION_FAILURE INTEGRATION_TIMEOUT API_CONFIGURATION_ERROR UNSUPPORTED_MEDIA_TYPE BAD_REQUEST_PARAMETERS "+
		"BAD_REQUEST_BODY REQUEST_TOO_LARGE THROTTLED QUOTA_EXCEEDED WAF_FILTERED", " ") {
		oaGatewayResponseTypes[t] = true
	}
}

func (b *oaBuilder) gatewayResponses() {
	gr := oaObj(b.doc.get(xGatewayResponses))
	for _, typ := range gr.ks() {
		if !oaGatewayResponseTypes[typ] {
			b.warn("Invalid gateway response type '%s'. Ignoring.", typ)
			continue
		}
		r := oaObj(gr.vals[typ])
		b.plan.gatewayResponses = append(b.plan.gatewayResponses, api.GatewayResponse{
			ResponseType:       ptr(typ),
			StatusCode:         oaStrPtr(r.get("statusCode")),
			ResponseParameters: oaStringMap(r.get("responseParameters")),
			ResponseTemplates:  oaStringMap(r.get("responseTemplates")),
			DefaultResponse:    ptr(false),
		})
	}
}

var oaDocPartTypes = map[string]bool{"API": true, "AUTHORIZER": true, "MODEL": true, "RESOURCE": true, "METHOD": true,
	"PATH_PARAMETER": true, "QUERY_PARAMETER": true, "REQUEST_HEADER": true, "REQUEST_BODY": true, "RESPONSE": true,
	"RESPONSE_HEADER": true, "RESPONSE_BODY": true}

func (b *oaBuilder) documentation() {
	if b.params.ignoreDocs || !b.doc.has(xDocumentation) {
		return
	}
	b.plan.hasDocumentation = true
	for _, e := range oaList(oaObj(b.doc.get(xDocumentation)).get("documentationParts")) {
		part := oaObj(e)
		loc := oaObj(part.get("location"))
		typ, _ := oaStr(loc.get("type"))
		if !oaDocPartTypes[typ] {
			b.warn("Invalid documentation part location type '%s'. Ignoring.", typ)
			continue
		}
		l := &api.DocumentationPartLocation{Type: ptr(typ), Method: oaStrPtr(loc.get("method")),
			Name: oaStrPtr(loc.get("name")), Path: oaStrPtr(loc.get("path")), StatusCode: oaStrPtr(loc.get("statusCode"))}
		if l.Path == nil && typ != "API" && typ != "MODEL" && typ != "AUTHORIZER" {
			l.Path = ptr("/")
		}
		props := "{}"
		switch v := part.get("properties").(type) {
		case nil:
		case string:
			props = v
		default:
			props = string(oaJSON(v, false))
		}
		b.plan.docParts = append(b.plan.docParts, api.DocumentationPart{Location: l, Properties: &props})
	}
}

// basePath is the prefix that the basepath parameter adds to every path.
func (b *oaBuilder) basePath() string {
	if b.params.basePath == "ignore" {
		return ""
	}
	var bp string
	if b.swagger {
		bp, _ = oaStr(b.doc.get("basePath"))
	} else {
		for _, s := range oaList(b.doc.get("servers")) {
			srv := oaObj(s)
			vars := oaObj(srv.get("variables"))
			if def, ok := oaStr(oaObj(vars.get("basePath")).get("default")); ok {
				bp = def
				break
			}
			raw, _ := oaStr(srv.get("url"))
			for _, k := range vars.ks() {
				if def, ok := oaStr(oaObj(vars.vals[k]).get("default")); ok {
					raw = strings.ReplaceAll(raw, "{"+k+"}", def)
				}
			}
			if u, err := url.Parse(raw); err == nil && u.Path != "" && u.Path != "/" {
				bp = u.Path
				break
			}
		}
	}
	bp = "/" + strings.Trim(bp, "/")
	if b.params.basePath == "split" {
		_, rest, _ := strings.Cut(strings.TrimPrefix(bp, "/"), "/")
		bp = "/" + rest
	}
	if bp == "/" {
		return ""
	}
	return bp
}

var oaVerbs = map[string]string{"get": "GET", "put": "PUT", "post": "POST", "delete": "DELETE", "options": "OPTIONS",
	"head": "HEAD", "patch": "PATCH", xAnyMethod: "ANY"}

// oaCanonicalPath cleans an OpenAPI path into a resource path: leading
// "/", no empty segments, no trailing "/".
func oaCanonicalPath(p string) string {
	var segs []string
	for _, s := range strings.Split(p, "/") {
		if s != "" {
			segs = append(segs, s)
		}
	}
	return "/" + strings.Join(segs, "/")
}

func (b *oaBuilder) paths() {
	paths := oaObj(b.doc.get("paths"))
	base := b.basePath()
	for _, raw := range paths.ks() {
		if strings.HasPrefix(raw, "x-") {
			continue // extensions are allowed among paths
		}
		if !strings.HasPrefix(raw, "/") {
			b.fail("Unable to create resource at path '%s': Path must begin with '/'", raw)
			continue
		}
		path := oaCanonicalPath(base + raw)
		item := oaObj(b.resolve(paths.vals[raw]))
		if _, seen := b.plan.methods[path]; !seen {
			b.plan.paths = append(b.plan.paths, path)
			b.plan.methods[path] = map[string]*oaMethod{}
		}
		for _, k := range item.ks() {
			verb, ok := oaVerbs[strings.ToLower(k)]
			if !ok {
				if strings.EqualFold(k, "trace") {
					b.warn("Unsupported HTTP method 'TRACE' on path '%s'. Ignoring.", raw)
				}
				continue
			}
			op := oaObj(b.resolve(item.vals[k]))
			if op == nil {
				b.fail("Unable to put method '%s' on resource at path '%s': Invalid operation", verb, path)
				continue
			}
			b.plan.methods[path][verb] = b.method(path, verb, op, item.get("parameters"))
		}
	}
}

// modelRef returns the model a schema points at ("" for inline schemas).
func (b *oaBuilder) modelRef(schema any) string {
	ref, ok := oaStr(oaObj(schema).get("$ref"))
	if !ok {
		return ""
	}
	prefix := "#/components/schemas/"
	if b.swagger {
		prefix = "#/definitions/"
	}
	name := unescapePointer(strings.TrimPrefix(ref, prefix))
	if !strings.HasPrefix(ref, prefix) || !b.models[name] {
		// [C] wording of API Gateway's importer for a missing model.
		b.warn("Reference to model '%s' not found. Ignoring.", name)
		return ""
	}
	return name
}

// method maps one operation to a Method (with integration and responses).
func (b *oaBuilder) method(path, verb string, op *oaMap, pathParams any) *oaMethod {
	where := verb + " " + path
	m := api.Method{HttpMethod: ptr(verb), AuthorizationType: ptr("NONE"), ApiKeyRequired: ptr(false)}
	out := &oaMethod{}
	if id, ok := oaStr(op.get("operationId")); ok && id != "" {
		m.OperationName = &id
	}

	// Parameters: path-level ones, overridden by the operation's own.
	type pkey struct{ in, name string }
	var order []pkey
	params := map[pkey]*oaMap{}
	for _, list := range []any{pathParams, op.get("parameters")} {
		for _, e := range oaList(list) {
			prm := oaObj(b.resolve(e))
			name, _ := oaStr(prm.get("name"))
			in, _ := oaStr(prm.get("in"))
			if prm == nil || name == "" {
				continue
			}
			k := pkey{in, name}
			if _, ok := params[k]; !ok {
				order = append(order, k)
			}
			params[k] = prm
		}
	}
	reqParams := map[string]bool{}
	reqModels := map[string]string{}
	consumes := oaStringList(op.get("consumes"))
	if len(consumes) == 0 {
		consumes = oaStringList(b.doc.get("consumes"))
	}
	if len(consumes) == 0 {
		consumes = []string{"application/json"}
	}
	for _, k := range order {
		prm := params[k]
		required, _ := oaBool(prm.get("required"))
		switch k.in {
		case "path":
			if !prm.has("required") {
				required = true
			}
			reqParams["method.request.path."+k.name] = required
		case "query":
			reqParams["method.request.querystring."+k.name] = required
		case "header":
			reqParams["method.request.header."+k.name] = required
		case "body":
			if b.swagger {
				if model := b.modelRef(prm.get("schema")); model != "" {
					for _, ct := range consumes {
						reqModels[ct] = model
					}
				}
				continue
			}
			fallthrough
		default:
			b.warn("Unsupported parameter location '%s' for parameter '%s' on method '%s'. Ignoring.", k.in, k.name, where)
		}
	}
	// A path variable is a required request parameter even when the
	// operation does not declare it [L: LocalStack adds it to match AWS].
	last := path[strings.LastIndex(path, "/")+1:]
	if isVariable(last) && !isGreedy(last) {
		name := strings.TrimSuffix(strings.TrimPrefix(last, "{"), "}")
		if _, ok := reqParams["method.request.path."+name]; !ok {
			reqParams["method.request.path."+name] = true
		}
	}
	if rb := oaObj(b.resolve(op.get("requestBody"))); rb != nil && !b.swagger {
		content := oaObj(rb.get("content"))
		for _, ct := range content.ks() {
			if model := b.modelRef(oaObj(content.vals[ct]).get("schema")); model != "" {
				reqModels[ct] = model
			}
		}
	}
	if len(reqParams) > 0 {
		m.RequestParameters = reqParams
	}
	if len(reqModels) > 0 {
		m.RequestModels = reqModels
	}

	m.MethodResponses = b.methodResponses(op)

	// Authorization.
	security := b.doc.get("security")
	if op.has("security") {
		security = op.get("security")
	}
	for _, req := range oaList(security) {
		reqm := oaObj(req)
		for _, name := range reqm.ks() {
			if a := b.authz[name]; a != nil {
				if out.authorizer != "" {
					continue
				}
				out.authorizer = name
				if *a.Type == "COGNITO_USER_POOLS" {
					m.AuthorizationType = ptr("COGNITO_USER_POOLS")
					if scopes := oaStringList(reqm.vals[name]); len(scopes) > 0 {
						m.AuthorizationScopes = scopes
					}
				} else {
					m.AuthorizationType = ptr("CUSTOM")
				}
				continue
			}
			s := oaObj(b.resolve(b.schemes.get(name)))
			if s == nil {
				b.warn("Security scheme '%s' referenced by method '%s' is not defined. Ignoring.", name, where)
				continue
			}
			typ, _ := oaStr(s.get("type"))
			authType, _ := oaStr(s.get(xAuthType))
			hdr, _ := oaStr(s.get("name"))
			switch {
			case strings.EqualFold(authType, "awsSigv4"):
				if out.authorizer == "" {
					m.AuthorizationType = ptr("AWS_IAM")
				}
			case typ == "apiKey" && strings.EqualFold(hdr, "x-api-key"):
				m.ApiKeyRequired = ptr(true)
			}
		}
	}

	// Request validator.
	out.validator = b.defValid
	if op.has(xRequestValidator) {
		name, _ := oaStr(op.get(xRequestValidator))
		switch {
		case name == "":
			out.validator = ""
		case b.valids[name]:
			out.validator = name
		default:
			b.warn("Request validator '%s' referenced by method '%s' is not defined. Ignoring.", name, where)
			out.validator = ""
		}
	}

	if op.has(xIntegration) {
		m.MethodIntegration = b.integration(oaObj(b.resolve(op.get(xIntegration))), verb, path)
	}
	out.m = m
	return out
}

var oaStatusRE = regexp.MustCompile(`^[1-5]\d\d$`)

func (b *oaBuilder) methodResponses(op *oaMap) map[string]api.MethodResponse {
	responses := oaObj(op.get("responses"))
	produces := oaStringList(op.get("produces"))
	if len(produces) == 0 {
		produces = oaStringList(b.doc.get("produces"))
	}
	if len(produces) == 0 {
		produces = []string{"application/json"}
	}
	out := map[string]api.MethodResponse{}
	for _, code := range responses.ks() {
		if !oaStatusRE.MatchString(code) {
			continue // "default", "2XX" and extensions have no method response
		}
		r := oaObj(b.resolve(responses.vals[code]))
		mr := api.MethodResponse{StatusCode: ptr(code)}
		hdrs := oaObj(r.get("headers"))
		for _, h := range hdrs.ks() {
			if mr.ResponseParameters == nil {
				mr.ResponseParameters = map[string]bool{}
			}
			mr.ResponseParameters["method.response.header."+h] = false
		}
		models := map[string]string{}
		if b.swagger {
			if model := b.modelRef(r.get("schema")); model != "" {
				for _, ct := range produces {
					models[ct] = model
				}
			}
		} else {
			content := oaObj(r.get("content"))
			for _, ct := range content.ks() {
				if model := b.modelRef(oaObj(content.vals[ct]).get("schema")); model != "" {
					models[ct] = model
				}
			}
		}
		if len(models) > 0 {
			mr.ResponseModels = models
		}
		out[code] = mr
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

var (
	oaIntegrationTypes = map[string]bool{"HTTP": true, "HTTP_PROXY": true, "AWS": true, "AWS_PROXY": true, "MOCK": true}
	oaHTTPMethods      = map[string]bool{"GET": true, "PUT": true, "POST": true, "DELETE": true, "PATCH": true,
		"OPTIONS": true, "HEAD": true, "ANY": true}
	oaPassthrough     = map[string]bool{"WHEN_NO_MATCH": true, "WHEN_NO_TEMPLATES": true, "NEVER": true}
	oaContentHandling = map[string]bool{"CONVERT_TO_BINARY": true, "CONVERT_TO_TEXT": true}
)

// integration maps x-amazon-apigateway-integration. Validation messages are
// PutIntegration's [V], wrapped the way import errors are [C].
func (b *oaBuilder) integration(x *oaMap, verb, path string) *api.Integration {
	failf := func(format string, args ...any) {
		b.fail("Unable to put integration on '%s' for resource at path '%s': %s", verb, path, fmt.Sprintf(format, args...))
	}
	if x == nil {
		failf("Invalid integration specified")
		return nil
	}
	typ, _ := oaStr(x.get("type"))
	typ = strings.ToUpper(typ)
	if typ == "" {
		// [?] the model requires type; AWS's wording for it missing here is unknown.
		failf("Enumeration value for IntegrationType must be non-empty")
		return nil
	}
	if !oaIntegrationTypes[typ] {
		failf("Invalid integration type specified: %s", typ)
		return nil
	}
	in := &api.Integration{Type: ptr(typ), CacheKeyParameters: []string{}}
	if hm, ok := oaStr(x.get("httpMethod")); ok && hm != "" {
		hm = strings.ToUpper(hm)
		if !oaHTTPMethods[hm] {
			failf("Invalid HttpMethod specified. Valid options are GET,PUT,POST,DELETE,PATCH,OPTIONS,HEAD,ANY")
			return nil
		}
		in.HttpMethod = &hm
	}
	uri, _ := oaStr(x.get("uri"))
	switch typ {
	case "HTTP", "HTTP_PROXY":
		if in.HttpMethod == nil {
			failf("Enumeration value for HttpMethod must be non-empty")
			return nil
		}
		if !oaValidHTTPURI(uri) {
			failf("Invalid HTTP endpoint specified for URI")
			return nil
		}
		in.Uri = &uri
	case "AWS", "AWS_PROXY":
		if in.HttpMethod == nil {
			failf("Enumeration value for HttpMethod must be non-empty")
			return nil
		}
		if msg := oaCheckAWSURI(typ, uri); msg != "" {
			failf("%s", msg)
			return nil
		}
		in.Uri = &uri
	}
	if ct, ok := oaStr(x.get("connectionType")); ok && ct != "" {
		ct = strings.ToUpper(ct)
		if ct != "INTERNET" && ct != "VPC_LINK" {
			failf("Invalid connection type specified: %s", ct)
			return nil
		}
		in.ConnectionType = &ct
	} else if typ == "HTTP" || typ == "HTTP_PROXY" {
		in.ConnectionType = ptr("INTERNET")
	}
	in.ConnectionId = oaStrPtr(x.get("connectionId"))
	in.Credentials = oaStrPtr(x.get("credentials"))
	pb := "WHEN_NO_MATCH"
	if s, ok := oaStr(x.get("passthroughBehavior")); ok && s != "" {
		pb = strings.ToUpper(s)
		if !oaPassthrough[pb] {
			failf("Invalid passthrough behavior specified: %s", s)
			return nil
		}
	}
	in.PassthroughBehavior = &pb
	if s, ok := oaStr(x.get("contentHandling")); ok && s != "" {
		s = strings.ToUpper(s)
		if !oaContentHandling[s] {
			failf("Invalid content handling specified: %s", s)
			return nil
		}
		in.ContentHandling = &s
	}
	timeout := int64(29000)
	if x.has("timeoutInMillis") {
		t, ok := oaInt(x.get("timeoutInMillis"))
		if !ok || t < 50 || t > math.MaxInt32 {
			failf("Timeout should be between 50 ms and 29000 ms")
			return nil
		}
		timeout = t
	}
	in.TimeoutInMillis = ptr(int32(timeout))
	in.CacheNamespace = oaStrPtr(x.get("cacheNamespace"))
	if keys := oaStringList(x.get("cacheKeyParameters")); len(keys) > 0 {
		in.CacheKeyParameters = keys
	}
	in.RequestParameters = oaStringMap(x.get("requestParameters"))
	in.RequestTemplates = oaStringMap(x.get("requestTemplates"))
	if tls := oaObj(x.get("tlsConfig")); tls != nil {
		if skip, ok := oaBool(tls.get("insecureSkipVerification")); ok {
			in.TlsConfig = &api.TlsConfig{InsecureSkipVerification: &skip}
		}
	}
	in.IntegrationTarget = oaStrPtr(x.get("integrationTarget"))
	if s, ok := oaStr(x.get("responseTransferMode")); ok && s != "" {
		in.ResponseTransferMode = ptr(strings.ToUpper(s))
	}
	// payloadFormatVersion belongs to HTTP APIs; REST APIs ignore it.
	responses := oaObj(x.get("responses"))
	for _, pattern := range responses.ks() {
		r := oaObj(responses.vals[pattern])
		code, ok := oaStr(r.get("statusCode"))
		if !ok || !oaStatusRE.MatchString(code) {
			b.warn("Invalid status code for integration response '%s' on method '%s %s'. Ignoring.", pattern, verb, path)
			continue
		}
		ir := api.IntegrationResponse{StatusCode: ptr(code),
			ResponseParameters: oaStringMap(r.get("responseParameters")),
			ResponseTemplates:  oaStringMap(r.get("responseTemplates"))}
		if pattern != "default" {
			ir.SelectionPattern = ptr(pattern)
		}
		if s, ok := oaStr(r.get("contentHandling")); ok && s != "" {
			ir.ContentHandling = ptr(strings.ToUpper(s))
		}
		if in.IntegrationResponses == nil {
			in.IntegrationResponses = map[string]api.IntegrationResponse{}
		}
		in.IntegrationResponses[code] = ir
	}
	return in
}

// oaValidHTTPURI accepts absolute http(s) URLs; a host taken from a stage
// variable cannot be checked before deployment.
func oaValidHTTPURI(s string) bool {
	u, err := url.Parse(s)
	if err != nil && !strings.Contains(s, "${stageVariables.") {
		return false
	}
	if strings.Contains(s, "${stageVariables.") {
		return strings.HasPrefix(s, "http://") || strings.HasPrefix(s, "https://")
	}
	return (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

// oaCheckAWSURI validates an AWS service integration URI and returns
// PutIntegration's message for a bad one.
func oaCheckAWSURI(typ, uri string) string {
	parts := strings.SplitN(uri, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || parts[1] == "" || parts[2] != "apigateway" {
		return "Invalid ARN specified in the request"
	}
	if !strings.HasPrefix(parts[5], "path/") && !strings.HasPrefix(parts[5], "action/") {
		return "AWS ARN for integration must contain path or action"
	}
	if typ == "AWS_PROXY" && parts[4] != "lambda" && parts[4] != "firehose" {
		return "Integrations of type 'AWS_PROXY' currently only supports Lambda function and Firehose stream invocations."
	}
	return ""
}

// ---------------------------------------------------------------------------
// Applying a plan

// oaMessage is the message of an API error.
func oaMessage(err error) string {
	var br *api.BadRequestException
	if errors.As(err, &br) && br.Message != nil {
		return *br.Message
	}
	var ce *api.ConflictException
	if errors.As(err, &ce) && ce.Message != nil {
		return *ce.Message
	}
	return err.Error()
}

// oaPlace creates (or finds) the resources of every plan path in t, with
// the tree rules of resources.go. reuse maps paths to ids to keep; new
// resources get fresh ids. It returns the records it created or touched
// keyed by path, and import errors for paths that break the rules.
func oaPlace(t *tree, plan *oaPlan, reuse map[string]string) (map[string]*resourceRecord, error) {
	byPath := map[string]*resourceRecord{"/": t.root}
	for _, r := range t.byID {
		byPath[t.path(r)] = r
	}
	var errs []string
	for _, path := range plan.paths {
		cur := t.root
		sofar := ""
		for _, seg := range strings.Split(strings.TrimPrefix(path, "/"), "/") {
			if seg == "" {
				continue
			}
			sofar += "/" + seg
			if r := byPath[sofar]; r != nil {
				cur = r
				continue
			}
			if err := t.checkPlacement(cur, seg, ""); err != nil {
				errs = append(errs, fmt.Sprintf("Unable to create resource at path '%s': %s", sofar, oaMessage(err)))
				break
			}
			id := reuse[sofar]
			if id == "" || t.byID[id] != nil {
				id = ids.Lower(6)
			}
			r := &resourceRecord{ID: id, ParentID: cur.ID, PathPart: seg}
			t.byID[id] = r
			t.children[cur.ID] = append(t.children[cur.ID], r)
			byPath[sofar] = r
			cur = r
		}
	}
	if len(errs) > 0 {
		return nil, badRequest("%s", "Errors found during import:\n\t"+strings.Join(errs, "\n\t"))
	}
	return byPath, nil
}

// oaPlaceScratch checks the plan's paths against an empty tree.
func oaPlaceScratch(plan *oaPlan) (map[string]*resourceRecord, error) {
	root := &resourceRecord{ID: "root"}
	t := &tree{byID: map[string]*resourceRecord{root.ID: root}, children: map[string][]*resourceRecord{}, root: root}
	return oaPlace(t, plan, nil)
}

// oaModelBase is where API Gateway points model references inside model
// schemas [V: LocalStack snapshot of an AWS import].
const oaModelBase = "https://apigateway.amazonaws.com/restapis/"

// oaRenderSchema turns a model schema into the JSON string API Gateway
// stores, with references to other models rewritten to model URLs.
func oaRenderSchema(schema any, apiID string) string {
	return string(oaJSON(oaRewriteRefs(schema, func(ref string) string {
		for _, p := range []string{"#/components/schemas/", "#/definitions/"} {
			if strings.HasPrefix(ref, p) && !strings.Contains(ref[len(p):], "/") {
				return oaModelBase + apiID + "/models/" + unescapePointer(ref[len(p):])
			}
		}
		return ref
	}, 0), false))
}

// oaRewriteRefs copies v with every "$ref" string mapped through f.
func oaRewriteRefs(v any, f func(string) string, depth int) any {
	if depth > oaMaxDepth {
		return nil
	}
	switch t := v.(type) {
	case *oaMap:
		out := newOAMap()
		for _, k := range t.ks() {
			if s, ok := t.vals[k].(string); ok && k == "$ref" {
				out.set(k, f(s))
				continue
			}
			out.set(k, oaRewriteRefs(t.vals[k], f, depth+1))
		}
		return out
	case []any:
		out := make([]any, len(t))
		for i, e := range t {
			out[i] = oaRewriteRefs(e, f, depth+1)
		}
		return out
	}
	return v
}

// oaApply writes plan into the API ra (already loaded in tx). With
// overwrite the API's tree, models, authorizers, validators and gateway
// responses are replaced by the document's; otherwise (merge) the document
// adds to them and replaces what it redefines.
func oaApply(ctx context.Context, tx store.Tx, ra *api.RestApi, plan *oaPlan, overwrite bool) error {
	apiID := *ra.Id

	// API fields.
	if plan.name != nil {
		ra.Name = plan.name
	}
	if plan.description != nil {
		ra.Description = plan.description
	}
	if plan.version != nil {
		ra.Version = plan.version
	}
	// overwrite replaces the binary media types, which belong to the
	// definition (absent means none); the other API settings change only
	// when the document sets them [?].
	if plan.hasBinaryMediaTypes || overwrite {
		if overwrite {
			ra.BinaryMediaTypes = plan.binaryMediaTypes
		} else {
			for _, t := range plan.binaryMediaTypes {
				if !oaContains(ra.BinaryMediaTypes, t) {
					ra.BinaryMediaTypes = append(ra.BinaryMediaTypes, t)
				}
			}
		}
		if len(ra.BinaryMediaTypes) == 0 {
			ra.BinaryMediaTypes = nil
		}
	}
	if plan.minCompression != nil {
		ra.MinimumCompressionSize = plan.minCompression
	}
	if plan.apiKeySource != nil {
		ra.ApiKeySource = plan.apiKeySource
	}
	if plan.policy != nil {
		ra.Policy = plan.policy
	}
	if ra.EndpointConfiguration == nil {
		ra.EndpointConfiguration = &api.EndpointConfiguration{}
	}
	if len(plan.endpointTypes) > 0 {
		ra.EndpointConfiguration.Types = plan.endpointTypes
	}
	if len(plan.vpcEndpointIDs) > 0 {
		ra.EndpointConfiguration.VpcEndpointIds = plan.vpcEndpointIDs
	}
	if plan.ipAddressType != nil {
		ra.EndpointConfiguration.IpAddressType = plan.ipAddressType
	}
	if plan.disableExecuteAPI != nil {
		ra.DisableExecuteApiEndpoint = plan.disableExecuteAPI
	}

	// Authorizers, by name.
	oldAuth, err := store.ScanJSON[api.Authorizer](tx, tAuthorizers, prefix(ctx, apiID))
	if err != nil {
		return err
	}
	authIDs := map[string]string{}
	for _, a := range oldAuth {
		authIDs[str(a.Name)] = str(a.Id)
	}
	if overwrite {
		if _, err := tx.DeletePrefix(tAuthorizers, prefix(ctx, apiID)); err != nil {
			return err
		}
		keep := map[string]string{}
		for _, a := range plan.authorizers {
			if id, ok := authIDs[*a.Name]; ok {
				keep[*a.Name] = id
			}
		}
		authIDs = keep
	}
	for _, a := range plan.authorizers {
		id := authIDs[*a.Name]
		if id == "" {
			id = ids.Lower(6)
			authIDs[*a.Name] = id
		}
		a.Id = &id
		if err := store.PutJSON(tx, tAuthorizers, key(ctx, apiID, id), a); err != nil {
			return err
		}
	}

	// Request validators, by name.
	oldVal, err := store.ScanJSON[api.RequestValidator](tx, tValidators, prefix(ctx, apiID))
	if err != nil {
		return err
	}
	valIDs := map[string]string{}
	for _, v := range oldVal {
		valIDs[str(v.Name)] = str(v.Id)
	}
	if overwrite {
		if _, err := tx.DeletePrefix(tValidators, prefix(ctx, apiID)); err != nil {
			return err
		}
		keep := map[string]string{}
		for _, v := range plan.validators {
			if id, ok := valIDs[*v.Name]; ok {
				keep[*v.Name] = id
			}
		}
		valIDs = keep
	}
	for _, v := range plan.validators {
		id := valIDs[*v.Name]
		if id == "" {
			id = ids.Lower(6)
			valIDs[*v.Name] = id
		}
		v.Id = &id
		if err := store.PutJSON(tx, tValidators, key(ctx, apiID, id), v); err != nil {
			return err
		}
	}

	// Models, keyed by name.
	oldModels, err := store.ScanJSON[api.Model](tx, tModels, prefix(ctx, apiID))
	if err != nil {
		return err
	}
	modelIDs := map[string]string{}
	for _, m := range oldModels {
		modelIDs[str(m.Name)] = str(m.Id)
	}
	if overwrite {
		if _, err := tx.DeletePrefix(tModels, prefix(ctx, apiID)); err != nil {
			return err
		}
		// The document's models replace all of them, the default Empty and
		// Error included [?: AWS's overwrite is documented as replacing the
		// API definition; whether its default models survive is not recorded].
		if err := mdlSkipDefaults(ctx, tx, apiID); err != nil {
			return err
		}
	}
	for _, m := range plan.models {
		id := modelIDs[m.name]
		if id == "" {
			id = ids.Lower(6)
		}
		schema := oaRenderSchema(m.schema, apiID)
		rec := api.Model{Id: &id, Name: ptr(m.name), ContentType: ptr("application/json"), Schema: &schema}
		if err := store.PutJSON(tx, tModels, key(ctx, apiID, m.name), rec); err != nil {
			return err
		}
	}

	// Gateway responses, keyed by type.
	if overwrite {
		if _, err := tx.DeletePrefix(tGatewayResponses, prefix(ctx, apiID)); err != nil {
			return err
		}
	}
	for _, gr := range plan.gatewayResponses {
		if err := store.PutJSON(tx, tGatewayResponses, key(ctx, apiID, *gr.ResponseType), gr); err != nil {
			return err
		}
	}

	// Documentation parts: one per location; a merge updates the part
	// already at a location.
	if plan.hasDocumentation {
		partIDs := map[string]string{}
		if overwrite {
			if _, err := tx.DeletePrefix(tDocParts, prefix(ctx, apiID)); err != nil {
				return err
			}
		} else {
			old, err := store.ScanJSON[api.DocumentationPart](tx, tDocParts, prefix(ctx, apiID))
			if err != nil {
				return err
			}
			for _, p := range old {
				partIDs[oaDocLocKey(p.Location)] = str(p.Id)
			}
		}
		for _, dp := range plan.docParts {
			k := oaDocLocKey(dp.Location)
			if partIDs[k] == "" {
				partIDs[k] = ids.Lower(6)
			}
			dp.Id = ptr(partIDs[k])
			if err := store.PutJSON(tx, tDocParts, key(ctx, apiID, *dp.Id), dp); err != nil {
				return err
			}
		}
	}

	// Resources and methods.
	old, err := loadTree(ctx, tx, apiID)
	if err != nil {
		return err
	}
	if old.root == nil {
		return errNoAPI(ctx, apiID)
	}
	t := old
	var reuse map[string]string
	if overwrite {
		// A new tree under the same root; resources whose path survives keep
		// their ids, as AWS does [L: LocalStack notes it in its snapshots].
		reuse = map[string]string{}
		for _, r := range old.byID {
			reuse[old.path(r)] = r.ID
		}
		root := &resourceRecord{ID: old.root.ID}
		t = &tree{byID: map[string]*resourceRecord{root.ID: root}, children: map[string][]*resourceRecord{}, root: root}
	}
	byPath, err := oaPlace(t, plan, reuse)
	if err != nil {
		return err
	}
	for _, path := range plan.paths {
		r := byPath[path]
		for verb, pm := range plan.methods[path] {
			m := pm.m
			if pm.authorizer != "" {
				m.AuthorizerId = ptr(authIDs[pm.authorizer])
			}
			if pm.validator != "" {
				m.RequestValidatorId = ptr(valIDs[pm.validator])
			}
			if m.MethodIntegration != nil {
				in := *m.MethodIntegration
				if in.CacheNamespace == nil {
					in.CacheNamespace = ptr(r.ID)
				}
				m.MethodIntegration = &in
			}
			if r.Methods == nil {
				r.Methods = map[string]api.Method{}
			}
			r.Methods[verb] = m
		}
	}
	if overwrite {
		for id := range old.byID {
			if t.byID[id] == nil {
				if err := tx.Delete(tResources, key(ctx, apiID, id)); err != nil {
					return err
				}
			}
		}
	}
	for _, r := range t.byID {
		if err := putResource(ctx, tx, apiID, r); err != nil {
			return err
		}
	}
	return store.PutJSON(tx, tRestAPIs, key(ctx, apiID), ra)
}

// oaDocLocKey identifies a documentation part's location.
func oaDocLocKey(l *api.DocumentationPartLocation) string {
	if l == nil {
		return ""
	}
	return strings.Join([]string{str(l.Type), str(l.Path), str(l.Method), str(l.StatusCode), str(l.Name)}, "\x00")
}

func oaContains(list []string, s string) bool {
	for _, e := range list {
		if e == s {
			return true
		}
	}
	return false
}

// oaPrepare reads the parameters and builds the plan, applying
// failonwarnings: warnings then fail the request, listed the way import
// errors are [?: AWS says warnings are "returned as a message in the
// exception"; the exact text is not recorded].
func oaPrepare(body []byte, parameters map[string]string, failOnWarnings *bool) (*oaPlan, error) {
	params, err := oaReadParams(parameters)
	if err != nil {
		return nil, err
	}
	plan, err := oaBuildPlan(body, params)
	if err != nil {
		return nil, err
	}
	if boolv(failOnWarnings) && len(plan.warnings) > 0 {
		return nil, badRequest("%s", "Warnings found during import:\n\t"+strings.Join(plan.warnings, "\n\t"))
	}
	return plan, nil
}

// ImportRestApi creates a REST API from an OpenAPI 2.0 or 3.0 definition.
func (s *Service) ImportRestApi(ctx context.Context, in *api.ImportRestApiRequest) (*api.RestApi, error) {
	plan, err := oaPrepare(in.Body, in.Parameters, in.FailOnWarnings)
	if err != nil {
		return nil, err
	}
	if plan.name == nil {
		// [?] AWS needs info.title for the API name; its wording for a
		// missing title is not recorded, so the generic one is used.
		return nil, errInvalidOpenAPI()
	}
	var out *api.RestApi
	err = s.st.Update(ctx, func(tx store.Tx) error {
		ra := &api.RestApi{
			Id:                        ptr(ids.Lower(10)),
			CreatedDate:               s.now(),
			ApiKeySource:              ptr("HEADER"),
			DisableExecuteApiEndpoint: ptr(false),
			EndpointConfiguration:     &api.EndpointConfiguration{Types: []string{"EDGE"}, IpAddressType: ptr("ipv4")},
		}
		root := &resourceRecord{ID: ids.Lower(10)}
		ra.RootResourceId = &root.ID
		if err := putResource(ctx, tx, *ra.Id, root); err != nil {
			return err
		}
		// An imported API has only the document's models [L].
		if err := mdlSkipDefaults(ctx, tx, *ra.Id); err != nil {
			return err
		}
		if err := oaApply(ctx, tx, ra, plan, true); err != nil {
			return err
		}
		out = ra
		return nil
	})
	if err != nil {
		return nil, err
	}
	out.Warnings = plan.warnings
	return out, nil
}

// PutRestApi updates an API from an OpenAPI definition: mode=overwrite
// replaces the API's definition, mode=merge (the default [D]) merges the
// document into it.
func (s *Service) PutRestApi(ctx context.Context, in *api.PutRestApiRequest) (*api.RestApi, error) {
	var out *api.RestApi
	// An unknown API is reported before anything about the body.
	if err := s.st.View(ctx, func(tx store.Tx) error {
		_, err := restAPI(ctx, tx, in.RestApiId)
		return err
	}); err != nil {
		return nil, err
	}
	plan, err := oaPrepare(in.Body, in.Parameters, in.FailOnWarnings)
	if err != nil {
		return nil, err
	}
	overwrite := str(in.Mode) == "overwrite"
	err = s.st.Update(ctx, func(tx store.Tx) error {
		ra, err := restAPI(ctx, tx, in.RestApiId)
		if err != nil {
			return err
		}
		if err := oaApply(ctx, tx, ra, plan, overwrite); err != nil {
			return err
		}
		out = ra
		return nil
	})
	if err != nil {
		return nil, err
	}
	out.Warnings = plan.warnings
	return out, nil
}
