package vtl

import (
	"encoding/base64"
	"fmt"
	"sort"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// Params are a request's method parameters as API Gateway exposes them to
// $input.params().
type Params struct {
	Path        map[string]string
	QueryString map[string]string
	Header      map[string]string
}

// Input implements $input for one request or integration response.
//
// An Input is never modified by Render and may be shared: each Render
// parses the body on first use and keeps the parsed document to itself.
type Input struct {
	Body   []byte
	Params Params
	// ParamsFunc, when set, supplies the parameters instead of Params,
	// only if the template reads them (so a caller need not build them
	// for templates that do not). It may be called more than once and
	// must return the same parameters each time.
	ParamsFunc func() Params
}

// params are the input's parameters.
func (in *Input) params() Params {
	if in.ParamsFunc != nil {
		return in.ParamsFunc()
	}
	return in.Params
}

// NewVars returns the standard variables of an API Gateway mapping
// template: $input, $context, $stageVariables (and $util, which Render
// also supplies by default).
func NewVars(in *Input, context map[string]any, stageVariables map[string]string) map[string]any {
	vars := map[string]any{"util": Util{}}
	if in != nil {
		vars["input"] = in
	}
	if context != nil {
		vars["context"] = context
	}
	if stageVariables == nil {
		stageVariables = map[string]string{}
	}
	vars["stageVariables"] = stageVariables
	return vars
}

type parsedBody struct {
	v   any
	err error
}

// inputDoc returns the parsed JSON body, parsing it once per Render. An
// empty body is treated as "{}", as API Gateway does.
func (r *renderer) inputDoc(in *Input) (any, error) {
	if d, ok := r.docs[in]; ok {
		return d.v, d.err
	}
	body := strings.TrimSpace(string(in.Body))
	if body == "" {
		body = "{}"
	}
	v, err := parseJSON(body)
	if err != nil {
		err = fmt.Errorf("%w: %v", ErrInvalidJSONBody, err)
	}
	if r.docs == nil {
		r.docs = make(map[*Input]parsedBody, 1)
	}
	r.docs[in] = parsedBody{v, err}
	return v, err
}

func (r *renderer) inputParams(in *Input) *Map {
	if m, ok := r.params[in]; ok {
		return m
	}
	toMap := func(src map[string]string) *Map {
		keys := make([]string, 0, len(src))
		for k := range src {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		m := &Map{ents: make([]mapEnt, len(keys))}
		for i, k := range keys {
			m.ents[i] = mapEnt{k, src[k]}
		}
		if len(keys) > mapIndexThreshold {
			m.reindex()
		}
		return m
	}
	m := &Map{}
	p := in.params()
	m.Put("path", toMap(p.Path))
	m.Put("querystring", toMap(p.QueryString))
	m.Put("header", toMap(p.Header))
	if r.params == nil {
		r.params = make(map[*Input]*Map, 1)
	}
	r.params[in] = m
	return m
}

func (r *renderer) inputProp(in *Input, name string) any {
	if name == "body" {
		if len(strings.TrimSpace(string(in.Body))) == 0 {
			return "{}"
		}
		return string(in.Body)
	}
	return nil
}

func (r *renderer) inputMethod(in *Input, name string, args []any) (any, error) {
	switch {
	case name == "getBody" && len(args) == 0:
		return r.inputProp(in, "body"), nil
	case name == "params" && len(args) == 0:
		return r.inputParams(in), nil
	case name == "params" && len(args) == 1:
		key, ok := args[0].(string)
		if !ok {
			return nil, errNoMethod
		}
		p := in.params()
		if v, ok := p.Path[key]; ok {
			return v, nil
		}
		if v, ok := p.QueryString[key]; ok {
			return v, nil
		}
		if v, ok := p.Header[key]; ok {
			return v, nil
		}
		for k, v := range p.Header {
			if strings.EqualFold(k, key) {
				return v, nil
			}
		}
		return "", nil
	case (name == "path" || name == "json") && len(args) == 1:
		path, ok := args[0].(string)
		if !ok {
			return nil, errNoMethod
		}
		doc, err := r.inputDoc(in)
		if err != nil {
			return nil, err
		}
		v, _, err := evalPath(doc, path)
		if err != nil {
			return nil, err
		}
		if name == "path" {
			return v, nil
		}
		b, err := appendJSON(nil, v, r.maxOut, 0)
		if err != nil {
			return nil, err
		}
		return string(b), nil
	}
	return nil, errNoMethod
}

// Util implements $util. It is stateless; Render supplies one when Vars
// has no "util".
type Util struct{}

func (r *renderer) utilMethod(name string, args []any) (any, error) {
	if len(args) != 1 {
		return nil, errNoMethod
	}
	switch name {
	case "escapeJavaScript", "urlEncode", "urlDecode", "base64Encode", "base64Decode", "parseJson":
	default:
		return nil, errNoMethod
	}
	if args[0] == nil {
		return nil, nil // the Java helpers return null for null
	}
	// Non-strings reach the String-typed helpers through toString().
	s, err := r.toString(args[0])
	if err != nil {
		return nil, err
	}
	switch name {
	case "escapeJavaScript":
		return EscapeJavaScript(s), nil
	case "urlEncode":
		return URLEncode(s), nil
	case "urlDecode":
		return URLDecode(s)
	case "base64Encode":
		return base64.StdEncoding.EncodeToString([]byte(s)), nil
	case "base64Decode":
		return Base64Decode(s), nil
	}
	v, err := parseJSON(s)
	if err != nil {
		return nil, fmt.Errorf("$util.parseJson: %v", err)
	}
	return v, nil
}

// EscapeJavaScript escapes s like Apache Commons Lang's
// StringEscapeUtils.escapeJavaScript: quotes, backslash and '/' get a
// backslash, control characters use \b \t \n \f \r or \u00XX, and every
// non-ASCII UTF-16 unit becomes \uXXXX.
func EscapeJavaScript(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 8)
	for _, r := range s {
		if r >= 0x80 {
			var units []uint16
			if r >= 0x10000 {
				r1, r2 := utf16.EncodeRune(r)
				units = []uint16{uint16(r1), uint16(r2)}
			} else {
				units = []uint16{uint16(r)}
			}
			for _, u := range units {
				b.WriteString(`\u`)
				b.WriteByte(hexUpper[u>>12&0xf])
				b.WriteByte(hexUpper[u>>8&0xf])
				b.WriteByte(hexUpper[u>>4&0xf])
				b.WriteByte(hexUpper[u&0xf])
			}
			continue
		}
		switch r {
		case '\b':
			b.WriteString(`\b`)
		case '\n':
			b.WriteString(`\n`)
		case '\t':
			b.WriteString(`\t`)
		case '\f':
			b.WriteString(`\f`)
		case '\r':
			b.WriteString(`\r`)
		case '\'':
			b.WriteString(`\'`)
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '/':
			b.WriteString(`\/`)
		default:
			if r < 0x20 {
				b.WriteString(`\u00`)
				b.WriteByte(hexUpper[r>>4])
				b.WriteByte(hexUpper[r&0xf])
			} else {
				b.WriteRune(r)
			}
		}
	}
	return b.String()
}

// URLEncode encodes like java.net.URLEncoder with UTF-8: letters, digits
// and ".-*_" stay, space becomes '+', everything else %XX.
func URLEncode(s string) string {
	var b strings.Builder
	b.Grow(len(s) * 3 / 2)
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9',
			c == '.', c == '-', c == '*', c == '_':
			b.WriteByte(c)
		case c == ' ':
			b.WriteByte('+')
		default:
			b.WriteByte('%')
			b.WriteByte(hexUpper[c>>4])
			b.WriteByte(hexUpper[c&0xf])
		}
	}
	return b.String()
}

// URLDecode decodes like java.net.URLDecoder with UTF-8: '+' is a space
// and malformed %-escapes are an error.
func URLDecode(s string) (string, error) {
	if !strings.ContainsAny(s, "+%") {
		return s, nil
	}
	buf := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '+':
			buf = append(buf, ' ')
		case '%':
			if i+2 >= len(s) {
				return "", fmt.Errorf("URLDecoder: incomplete trailing escape (%%) pattern")
			}
			h, ok1 := unhex(s[i+1])
			l, ok2 := unhex(s[i+2])
			if !ok1 || !ok2 {
				return "", fmt.Errorf("URLDecoder: illegal hex characters in escape (%%) pattern")
			}
			buf = append(buf, h<<4|l)
			i += 2
		default:
			buf = append(buf, c)
		}
	}
	if !utf8.Valid(buf) {
		return strings.ToValidUTF8(string(buf), "\uFFFD"), nil
	}
	return string(buf), nil
}

func unhex(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// Base64Decode decodes leniently, like Apache Commons Codec: characters
// outside the standard and URL-safe alphabets are skipped and padding is
// optional. Invalid UTF-8 in the result is replaced with U+FFFD, as Java's
// new String(bytes, UTF_8) does.
func Base64Decode(s string) string {
	clean := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z', c >= '0' && c <= '9', c == '+', c == '/':
			clean = append(clean, c)
		case c == '-':
			clean = append(clean, '+')
		case c == '_':
			clean = append(clean, '/')
		case c == '=':
			i = len(s) // padding ends the data
		}
	}
	if len(clean)%4 == 1 {
		clean = clean[:len(clean)-1]
	}
	out, err := base64.RawStdEncoding.DecodeString(string(clean))
	if err != nil {
		return ""
	}
	return strings.ToValidUTF8(string(out), "\uFFFD")
}
