package lambda

import (
	"bytes"
	"encoding/json"
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

// unquote decodes a raw JSON string. The common case (no escapes, valid
// UTF-8) is one copy; anything else goes through encoding/json, which
// also turns invalid UTF-8 into U+FFFD.
func unquote(raw []byte) string {
	inner := raw[1 : len(raw)-1]
	if bytes.IndexByte(inner, '\\') < 0 && utf8.Valid(inner) {
		return string(inner)
	}
	var s string
	json.Unmarshal(raw, &s)
	return s
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
