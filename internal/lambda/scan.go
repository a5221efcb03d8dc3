package lambda

import (
	"bytes"
	"unicode/utf16"
	"unicode/utf8"
)

// A minimal reader over JSON that json.Valid has already accepted: it
// walks objects and arrays by slicing the input, so reading a proxy
// response costs the strings it returns and little else. Every function
// here assumes valid JSON.

// members iterates over an object's members.
type members struct {
	b       []byte
	i       int
	started bool
}

// next returns the raw key (quotes included) and raw value of the next
// member.
func (m *members) next() (k, v []byte, ok bool) {
	b, i := m.b, m.i
	if !m.started {
		m.started = true
		i = skipWS(b, 0) + 1 // '{'
	}
	i = skipWS(b, i)
	if i < len(b) && b[i] == ',' {
		i = skipWS(b, i+1)
	}
	if i >= len(b) || b[i] == '}' {
		m.i = i
		return nil, nil, false
	}
	ks := i
	i = skipString(b, i)
	k = b[ks:i]
	i = skipWS(b, i) + 1 // ':'
	i = skipWS(b, i)
	vs := i
	i = skipValue(b, i)
	m.i = i
	return k, b[vs:i], true
}

// elements iterates over an array's elements.
type elements struct {
	b       []byte
	i       int
	started bool
}

func (e *elements) next() (v []byte, ok bool) {
	b, i := e.b, e.i
	if !e.started {
		e.started = true
		i = skipWS(b, 0) + 1 // '['
	}
	i = skipWS(b, i)
	if i < len(b) && b[i] == ',' {
		i = skipWS(b, i+1)
	}
	if i >= len(b) || b[i] == ']' {
		e.i = i
		return nil, false
	}
	vs := i
	i = skipValue(b, i)
	e.i = i
	return b[vs:i], true
}

func countMembers(obj []byte) int {
	n := 0
	it := members{b: obj}
	for {
		if _, _, ok := it.next(); !ok {
			return n
		}
		n++
	}
}

func countElements(arr []byte) int {
	n := 0
	it := elements{b: arr}
	for {
		if _, ok := it.next(); !ok {
			return n
		}
		n++
	}
}

// hasMember reports whether the object has a member named name.
func hasMember(obj []byte, name string) bool {
	it := members{b: obj}
	for {
		k, _, ok := it.next()
		if !ok {
			return false
		}
		if string(keyBytes(k)) == name {
			return true
		}
	}
}

func skipWS(b []byte, i int) int {
	for i < len(b) {
		switch b[i] {
		case ' ', '\t', '\n', '\r':
			i++
		default:
			return i
		}
	}
	return i
}

// skipString returns the index after the string starting at b[i] == '"'.
func skipString(b []byte, i int) int {
	for j := i + 1; j < len(b); j++ {
		switch b[j] {
		case '\\':
			j++
		case '"':
			return j + 1
		}
	}
	return len(b)
}

// skipValue returns the index after the value starting at b[i].
func skipValue(b []byte, i int) int {
	switch b[i] {
	case '"':
		return skipString(b, i)
	case '{', '[':
		depth := 0
		for j := i; j < len(b); j++ {
			switch b[j] {
			case '"':
				j = skipString(b, j) - 1
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return j + 1
				}
			}
		}
		return len(b)
	default: // number, true, false, null
		j := i
		for j < len(b) {
			switch b[j] {
			case ',', '}', ']', ' ', '\t', '\n', '\r':
				return j
			}
			j++
		}
		return j
	}
}

// keyBytes is a raw key's text, for comparisons: the bytes between the
// quotes, decoded only when the key has escapes.
func keyBytes(k []byte) []byte {
	if bytes.IndexByte(k, '\\') < 0 {
		return k[1 : len(k)-1]
	}
	return []byte(unquote(k))
}

// key is a raw key as a string.
func key(k []byte) string { return string(keyBytes(k)) }

// unquote decodes a raw JSON string (valid, quotes included) the way
// encoding/json does: escapes decoded, an unpaired surrogate and every
// byte of invalid UTF-8 turned into U+FFFD. One allocation.
func unquote(raw []byte) string {
	inner := raw[1 : len(raw)-1]
	if bytes.IndexByte(inner, '\\') < 0 && utf8.Valid(inner) {
		return string(inner)
	}
	out := make([]byte, 0, len(inner))
	for i := 0; i < len(inner); {
		c := inner[i]
		switch {
		case c == '\\':
			i++
			switch e := inner[i]; e {
			case 'b':
				out = append(out, '\b')
			case 'f':
				out = append(out, '\f')
			case 'n':
				out = append(out, '\n')
			case 'r':
				out = append(out, '\r')
			case 't':
				out = append(out, '\t')
			case 'u':
				r := hex4(inner[i+1:])
				i += 4
				if utf16.IsSurrogate(r) {
					if i+2 < len(inner) && inner[i+1] == '\\' && inner[i+2] == 'u' {
						if r2 := utf16.DecodeRune(r, hex4(inner[i+3:])); r2 != utf8.RuneError {
							r = r2
							i += 6
						} else {
							r = utf8.RuneError
						}
					} else {
						r = utf8.RuneError
					}
				}
				out = utf8.AppendRune(out, r)
			default: // " \ /
				out = append(out, e)
			}
			i++
		case c < utf8.RuneSelf:
			out = append(out, c)
			i++
		default:
			r, size := utf8.DecodeRune(inner[i:])
			if r == utf8.RuneError && size == 1 {
				out = utf8.AppendRune(out, utf8.RuneError)
			} else {
				out = append(out, inner[i:i+size]...)
			}
			i += size
		}
	}
	return string(out)
}

// hex4 reads the four hex digits of a \u escape (valid JSON: they are
// there).
func hex4(b []byte) rune {
	var r rune
	for _, c := range b[:4] {
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'a' && c <= 'f':
			c = c - 'a' + 10
		default:
			c = c - 'A' + 10
		}
		r = r<<4 | rune(c)
	}
	return r
}

// trimJSONSpace trims JSON whitespace (space, tab, CR, LF) — not the
// wider Unicode set bytes.TrimSpace removes.
func trimJSONSpace(b []byte) []byte {
	i, j := 0, len(b)
	for i < j && isJSONSpace(b[i]) {
		i++
	}
	for j > i && isJSONSpace(b[j-1]) {
		j--
	}
	return b[i:j]
}

func isJSONSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }
