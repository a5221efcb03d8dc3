package apigatewayv2

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
)

// A small YAML reader and writer for OpenAPI documents (ImportApi,
// ReimportApi, ExportApi with outputType YAML). The module set has no YAML
// library, and OpenAPI documents use a small part of YAML: block mappings
// and sequences, plain and quoted scalars, literal and folded block
// scalars, one-line flow collections, comments. Anchors, aliases, tags and
// multi-line flow collections are not supported and are reported as
// errors.

type yamlLine struct {
	n      int // 1-based line number
	indent int
	text   string // without indentation and trailing comment
}

type yamlParser struct {
	lines []yamlLine
	raw   []string
	pos   int
}

// parseYAML decodes one YAML document into map[string]any / []any /
// string / float64 / bool / nil values, the shapes encoding/json gives.
func parseYAML(src string) (any, error) {
	p := &yamlParser{raw: strings.Split(strings.ReplaceAll(src, "\r\n", "\n"), "\n")}
	for i, l := range p.raw {
		if strings.HasPrefix(l, "---") || strings.HasPrefix(l, "...") {
			if i == 0 || strings.TrimSpace(strings.Join(p.raw[:i], "")) == "" {
				continue
			}
			return nil, fmt.Errorf("line %d: multiple YAML documents are not supported", i+1)
		}
		if strings.Contains(l, "\t") && strings.TrimLeft(l, " ") != strings.TrimLeft(l, " \t") {
			return nil, fmt.Errorf("line %d: tabs are not allowed for indentation", i+1)
		}
		t := strings.TrimRight(stripComment(l), " ")
		if strings.TrimSpace(t) == "" {
			continue
		}
		ind := len(t) - len(strings.TrimLeft(t, " "))
		p.lines = append(p.lines, yamlLine{n: i + 1, indent: ind, text: t[ind:]})
	}
	if len(p.lines) == 0 {
		return nil, nil
	}
	v, err := p.block(p.lines[0].indent)
	if err != nil {
		return nil, err
	}
	if p.pos < len(p.lines) {
		return nil, fmt.Errorf("line %d: unexpected content", p.lines[p.pos].n)
	}
	return v, nil
}

// stripComment removes a # comment that is not inside quotes.
func stripComment(l string) string {
	inS, inD := false, false
	for i := 0; i < len(l); i++ {
		switch c := l[i]; {
		case c == '\'' && !inD:
			inS = !inS
		case c == '"' && !inS && (i == 0 || l[i-1] != '\\'):
			inD = !inD
		case c == '#' && !inS && !inD && (i == 0 || l[i-1] == ' '):
			return l[:i]
		}
	}
	return l
}

func (p *yamlParser) block(indent int) (any, error) {
	l := p.lines[p.pos]
	if l.text == "-" || strings.HasPrefix(l.text, "- ") {
		return p.sequence(indent)
	}
	if _, _, ok := splitKey(l.text); ok {
		return p.mapping(indent)
	}
	p.pos++
	return scalar(l.text, l.n)
}

func (p *yamlParser) sequence(indent int) (any, error) {
	out := []any{}
	for p.pos < len(p.lines) {
		l := p.lines[p.pos]
		if l.indent < indent {
			break
		}
		if l.indent > indent {
			return nil, fmt.Errorf("line %d: bad indentation of a sequence entry", l.n)
		}
		if !(l.text == "-" || strings.HasPrefix(l.text, "- ")) {
			break // a sequence that is a mapping's value may share its indentation
		}
		rest := strings.TrimSpace(strings.TrimPrefix(l.text, "-"))
		if rest == "" {
			p.pos++
			if p.pos < len(p.lines) && p.lines[p.pos].indent > indent {
				v, err := p.block(p.lines[p.pos].indent)
				if err != nil {
					return nil, err
				}
				out = append(out, v)
			} else {
				out = append(out, nil)
			}
			continue
		}
		// "- key: value" starts a mapping whose keys sit at the column
		// after "- ".
		col := indent + len(l.text) - len(rest)
		if _, _, ok := splitKey(rest); ok && !strings.HasPrefix(rest, "[") && !strings.HasPrefix(rest, "{") && !isQuoted(rest) {
			p.lines[p.pos] = yamlLine{n: l.n, indent: col, text: rest}
			v, err := p.mapping(col)
			if err != nil {
				return nil, err
			}
			out = append(out, v)
			continue
		}
		p.pos++
		v, err := p.inline(rest, l.n, indent)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

func (p *yamlParser) mapping(indent int) (any, error) {
	out := map[string]any{}
	for p.pos < len(p.lines) {
		l := p.lines[p.pos]
		if l.indent < indent {
			break
		}
		if l.indent > indent {
			return nil, fmt.Errorf("line %d: bad indentation of a mapping entry", l.n)
		}
		k, rest, ok := splitKey(l.text)
		if !ok {
			return nil, fmt.Errorf("line %d: expected a key: value pair", l.n)
		}
		if k == "<<" {
			return nil, fmt.Errorf("line %d: merge keys are not supported", l.n)
		}
		if _, dup := out[k]; dup {
			return nil, fmt.Errorf("line %d: duplicate key %q", l.n, k)
		}
		p.pos++
		if rest == "" {
			if p.pos < len(p.lines) && (p.lines[p.pos].indent > indent ||
				(p.lines[p.pos].indent == indent && strings.HasPrefix(p.lines[p.pos].text, "- "))) {
				v, err := p.block(p.lines[p.pos].indent)
				if err != nil {
					return nil, err
				}
				out[k] = v
			} else {
				out[k] = nil
			}
			continue
		}
		v, err := p.inline(rest, l.n, indent)
		if err != nil {
			return nil, err
		}
		out[k] = v
	}
	return out, nil
}

// inline reads the value after "key:" or "- ": a block scalar, a flow
// collection or a scalar (possibly continued on more indented lines).
func (p *yamlParser) inline(rest string, n, indent int) (any, error) {
	switch {
	case strings.HasPrefix(rest, "&") || strings.HasPrefix(rest, "*") || strings.HasPrefix(rest, "!"):
		return nil, fmt.Errorf("line %d: anchors, aliases and tags are not supported", n)
	case rest[0] == '|' || rest[0] == '>':
		return p.blockScalar(rest, n, indent)
	case rest[0] == '[' || rest[0] == '{':
		f := &flow{s: rest, n: n}
		v, err := f.value()
		if err != nil {
			return nil, err
		}
		f.space()
		if f.i != len(f.s) {
			return nil, fmt.Errorf("line %d: unexpected text after a flow collection (multi-line flow collections are not supported)", n)
		}
		return v, nil
	}
	// Plain multi-line scalars: more indented lines fold into one.
	for !isQuoted(rest) && p.pos < len(p.lines) && p.lines[p.pos].indent > indent {
		if _, _, ok := splitKey(p.lines[p.pos].text); ok {
			break
		}
		rest += " " + p.lines[p.pos].text
		p.pos++
	}
	return scalar(rest, n)
}

// blockScalar reads a | or > scalar from the raw lines (comments and
// blank lines inside it belong to the text).
func (p *yamlParser) blockScalar(head string, n, indent int) (any, error) {
	literal := head[0] == '|'
	chomp := byte(0)
	for _, c := range head[1:] {
		switch c {
		case '-', '+':
			chomp = byte(c)
		case ' ':
		default:
			if c < '1' || c > '9' {
				return nil, fmt.Errorf("line %d: bad block scalar header %q", n, head)
			}
		}
	}
	// Consume raw lines after the header line until one is indented at
	// most as far as the parent.
	var body []string
	i := n // raw index of the next line
	blockIndent := -1
	for ; i < len(p.raw); i++ {
		l := p.raw[i]
		if strings.TrimSpace(l) == "" {
			body = append(body, "")
			continue
		}
		ind := len(l) - len(strings.TrimLeft(l, " "))
		if ind <= indent {
			break
		}
		if blockIndent < 0 {
			blockIndent = ind
		}
		if ind < blockIndent {
			break
		}
		body = append(body, l[blockIndent:])
	}
	// Skip the parsed lines the block consumed.
	for p.pos < len(p.lines) && p.lines[p.pos].n <= i {
		p.pos++
	}
	// Trailing blank lines.
	trail := 0
	for len(body) > 0 && body[len(body)-1] == "" {
		body = body[:len(body)-1]
		trail++
	}
	var text string
	if literal {
		text = strings.Join(body, "\n")
	} else {
		var b strings.Builder
		for j, l := range body {
			switch {
			case j == 0:
			case l == "" || body[j-1] == "":
				b.WriteString("\n")
			case strings.HasPrefix(l, " ") || strings.HasPrefix(body[j-1], " "):
				b.WriteString("\n")
			default:
				b.WriteString(" ")
			}
			b.WriteString(l)
		}
		text = b.String()
	}
	switch chomp {
	case '-':
	case '+':
		text += "\n" + strings.Repeat("\n", trail)
	default:
		if len(body) > 0 {
			text += "\n"
		}
	}
	return text, nil
}

// splitKey splits "key: value" (the key plain or quoted).
func splitKey(s string) (k, rest string, ok bool) {
	if isQuoted(s) {
		q := s[0]
		end := 1
		for end < len(s) && (s[end] != q || (q == '"' && s[end-1] == '\\')) {
			end++
		}
		if end >= len(s) || end+1 >= len(s) || s[end+1] != ':' {
			return "", "", false
		}
		key, err := scalar(s[:end+1], 0)
		if err != nil {
			return "", "", false
		}
		rest = strings.TrimSpace(s[end+2:])
		return fmt.Sprint(key), rest, end+2 == len(s) || s[end+2] == ' '
	}
	if strings.HasPrefix(s, "[") || strings.HasPrefix(s, "{") {
		return "", "", false
	}
	for i := 0; i < len(s); i++ {
		if s[i] == ':' && (i == len(s)-1 || s[i+1] == ' ') {
			return strings.TrimSpace(s[:i]), strings.TrimSpace(s[i+1:]), true
		}
	}
	return "", "", false
}

func isQuoted(s string) bool { return len(s) > 0 && (s[0] == '"' || s[0] == '\'') }

// scalar resolves a plain or quoted scalar (YAML 1.2 core schema).
func scalar(s string, n int) (any, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, nil
	}
	switch s[0] {
	case '\'':
		if len(s) < 2 || s[len(s)-1] != '\'' {
			return nil, fmt.Errorf("line %d: unterminated single-quoted string", n)
		}
		return strings.ReplaceAll(s[1:len(s)-1], "''", "'"), nil
	case '"':
		if len(s) < 2 || s[len(s)-1] != '"' {
			return nil, fmt.Errorf("line %d: unterminated double-quoted string", n)
		}
		v, err := strconv.Unquote(s)
		if err != nil {
			// YAML escapes JSON does not know (\/ is the usual one).
			v, err = strconv.Unquote(strings.ReplaceAll(s, `\/`, "/"))
			if err != nil {
				return nil, fmt.Errorf("line %d: bad double-quoted string", n)
			}
		}
		return v, nil
	}
	switch s {
	case "~", "null", "Null", "NULL":
		return nil, nil
	case "true", "True", "TRUE":
		return true, nil
	case "false", "False", "FALSE":
		return false, nil
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil && !strings.HasPrefix(s, "0x") && !strings.ContainsAny(s, "_") &&
		!math.IsInf(f, 0) && !math.IsNaN(f) && (s[0] == '-' || s[0] == '+' || s[0] == '.' || (s[0] >= '0' && s[0] <= '9')) {
		// Keep version-looking values such as 1.0 as numbers, as YAML does;
		// callers that want strings convert.
		return f, nil
	}
	return s, nil
}

// flow parses one-line flow collections.
type flow struct {
	s string
	i int
	n int
}

func (f *flow) space() {
	for f.i < len(f.s) && f.s[f.i] == ' ' {
		f.i++
	}
}

func (f *flow) value() (any, error) {
	f.space()
	if f.i >= len(f.s) {
		return nil, fmt.Errorf("line %d: unexpected end of a flow collection", f.n)
	}
	switch f.s[f.i] {
	case '[':
		f.i++
		out := []any{}
		for {
			f.space()
			if f.i < len(f.s) && f.s[f.i] == ']' {
				f.i++
				return out, nil
			}
			v, err := f.value()
			if err != nil {
				return nil, err
			}
			out = append(out, v)
			f.space()
			if f.i < len(f.s) && f.s[f.i] == ',' {
				f.i++
			}
		}
	case '{':
		f.i++
		out := map[string]any{}
		for {
			f.space()
			if f.i < len(f.s) && f.s[f.i] == '}' {
				f.i++
				return out, nil
			}
			k, err := f.value()
			if err != nil {
				return nil, err
			}
			f.space()
			if f.i >= len(f.s) || f.s[f.i] != ':' {
				return nil, fmt.Errorf("line %d: expected : in a flow mapping", f.n)
			}
			f.i++
			v, err := f.value()
			if err != nil {
				return nil, err
			}
			out[fmt.Sprint(k)] = v
			f.space()
			if f.i < len(f.s) && f.s[f.i] == ',' {
				f.i++
			}
		}
	case '"', '\'':
		q := f.s[f.i]
		j := f.i + 1
		for j < len(f.s) && (f.s[j] != q || (q == '"' && f.s[j-1] == '\\')) {
			j++
		}
		if j >= len(f.s) {
			return nil, fmt.Errorf("line %d: unterminated string", f.n)
		}
		v, err := scalar(f.s[f.i:j+1], f.n)
		f.i = j + 1
		return v, err
	}
	j := f.i
	for j < len(f.s) && !strings.ContainsRune(",]}", rune(f.s[j])) && !(f.s[j] == ':' && (j+1 == len(f.s) || f.s[j+1] == ' ')) {
		j++
	}
	v, err := scalar(f.s[f.i:j], f.n)
	f.i = j
	return v, err
}

// writeYAML renders map[string]any / []any / scalar trees as block YAML
// with sorted keys.
func writeYAML(v any) string {
	var b strings.Builder
	yamlNode(&b, v, 0, false)
	return b.String()
}

func yamlNode(b *strings.Builder, v any, indent int, inSeq bool) {
	pad := strings.Repeat("  ", indent)
	switch t := v.(type) {
	case map[string]any:
		if len(t) == 0 {
			b.WriteString(" {}\n")
			return
		}
		keys := make([]string, 0, len(t))
		for k := range t {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		if indent > 0 || inSeq {
			b.WriteString("\n")
		}
		for _, k := range keys {
			b.WriteString(pad + yamlScalar(k) + ":")
			yamlChild(b, t[k], indent+1)
		}
	case []any:
		if len(t) == 0 {
			b.WriteString(" []\n")
			return
		}
		b.WriteString("\n")
		for _, e := range t {
			b.WriteString(pad + "-")
			yamlChild(b, e, indent+1)
		}
	default:
		b.WriteString(" " + yamlScalar(t) + "\n")
	}
}

func yamlChild(b *strings.Builder, v any, indent int) {
	switch v.(type) {
	case map[string]any, []any:
		yamlNode(b, v, indent, false)
	default:
		b.WriteString(" " + yamlScalar(v) + "\n")
	}
}

func yamlScalar(v any) string {
	switch t := v.(type) {
	case nil:
		return "null"
	case bool:
		return strconv.FormatBool(t)
	case float64:
		return strconv.FormatFloat(t, 'f', -1, 64)
	case int:
		return strconv.Itoa(t)
	case int32:
		return strconv.Itoa(int(t))
	case string:
		if needsQuotes(t) {
			return strconv.Quote(t)
		}
		return t
	}
	return strconv.Quote(fmt.Sprint(v))
}

func needsQuotes(s string) bool {
	if s == "" || strings.TrimSpace(s) != s {
		return true
	}
	if v, _ := scalar(s, 0); v != s {
		return true // would read back as a number, bool or null
	}
	if strings.ContainsAny(s[:1], "-?:,[]{}#&*!|>'\"%@`$") || strings.Contains(s, ": ") || strings.Contains(s, " #") ||
		strings.ContainsAny(s, "\n\t\\") || strings.HasSuffix(s, ":") {
		return true
	}
	return false
}
