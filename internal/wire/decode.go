package wire

import (
	"encoding/base64"
	"encoding/json"
	"reflect"
	"strconv"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

// JSONDecoder is implemented by every structure type internal/codegen
// generates: DecodeJSON decodes b, the form AppendJSON writes, into v
// (which it zeroes first) without reflection and reports whether it did so
// exactly as json.Unmarshal into a zero value would. It reports false, and
// leaves v zero, for anything it does not handle exactly like
// encoding/json (unknown or case-variant keys, duplicate keys, documents,
// numbers out of range, type mismatches, syntax errors, trailing data…);
// Unmarshal then falls back to json.Unmarshal.
type JSONDecoder interface {
	DecodeJSON(b []byte) bool
}

// Unmarshal is json.Unmarshal into a zeroed v: v is zeroed first (unlike
// json.Unmarshal, which merges into what v holds), then decoded by v's
// DecodeJSON method when it has one, else (or when DecodeJSON declines)
// by json.Unmarshal.
func Unmarshal(b []byte, v any) error {
	if dj, ok := v.(JSONDecoder); ok && !embeds(reflect.TypeOf(v)) {
		if dj.DecodeJSON(b) { // zeroes v, and leaves it zero on false
			return nil
		}
		return json.Unmarshal(b, v)
	}
	if rv := reflect.ValueOf(v); rv.Kind() == reflect.Pointer && !rv.IsNil() {
		rv.Elem().SetZero()
	}
	return json.Unmarshal(b, v)
}

// maxDecodeDepth bounds the nesting DecodeJSON methods follow; deeper
// input is left to json.Unmarshal.
const maxDecodeDepth = 1000

// Decoder is the scanner generated DecodeJSON methods are built on. It
// reads compact or spaced JSON from B; any helper that meets something it
// does not accept sets the decoder failed and returns a zero value, after
// which every helper fails too (so that generated loops end).
type Decoder struct {
	b       []byte
	i       int
	depth   int
	failed  bool
	scratch []byte
}

// NewDecoder returns a decoder reading b.
func NewDecoder(b []byte) Decoder { return Decoder{b: b} }

// Fail marks d failed.
func (d *Decoder) Fail() { d.failed = true }

// OK reports whether nothing has failed.
func (d *Decoder) OK() bool { return !d.failed }

// End reports whether d has not failed and only whitespace remains.
func (d *Decoder) End() bool {
	d.ws()
	return !d.failed && d.i == len(d.b)
}

func (d *Decoder) ws() {
	for d.i < len(d.b) {
		switch d.b[d.i] {
		case ' ', '\t', '\n', '\r':
			d.i++
		default:
			return
		}
	}
}

// Null consumes a null literal if one comes next.
func (d *Decoder) Null() bool {
	if d.failed {
		return false
	}
	d.ws()
	if d.i+4 <= len(d.b) && string(d.b[d.i:d.i+4]) == "null" {
		d.i += 4
		return true
	}
	return false
}

// ObjectStart consumes '{'.
func (d *Decoder) ObjectStart() bool {
	return d.open('{')
}

// ArrayStart consumes '['.
func (d *Decoder) ArrayStart() bool {
	return d.open('[')
}

func (d *Decoder) open(c byte) bool {
	if d.failed {
		return false
	}
	d.ws()
	if d.i >= len(d.b) || d.b[d.i] != c || d.depth >= maxDecodeDepth {
		d.failed = true
		return false
	}
	d.i++
	d.depth++
	return true
}

// more consumes what comes before the n-th member of an object or array
// (a comma unless n is 0) or its closing bracket, and reports which.
func (d *Decoder) more(n *int, close byte) bool {
	if d.failed {
		return false
	}
	d.ws()
	if d.i >= len(d.b) {
		d.failed = true
		return false
	}
	if d.b[d.i] == close {
		d.i++
		d.depth--
		return false
	}
	if *n > 0 {
		if d.b[d.i] != ',' {
			d.failed = true
			return false
		}
		d.i++
	}
	*n++
	return true
}

// More reports whether another element of an array follows (consuming the
// comma before it), or consumes the closing ']'.
func (d *Decoder) More(n *int) bool { return d.more(n, ']') }

// Key returns the next key of an object (with the colon after it
// consumed), or ok false at the closing '}' (consumed) or on failure. The
// key is only valid until the next call on d.
func (d *Decoder) Key(n *int) (key []byte, ok bool) {
	if !d.more(n, '}') {
		return nil, false
	}
	d.ws()
	key, ok = d.str(true)
	if !ok {
		return nil, false
	}
	d.ws()
	if d.i >= len(d.b) || d.b[d.i] != ':' {
		d.failed = true
		return nil, false
	}
	d.i++
	return key, true
}

// str reads a JSON string and returns its contents unquoted as
// encoding/json unquotes them: every escape JSON allows, \uXXXX surrogate
// pairs combined, lone surrogates and invalid UTF-8 bytes each replaced
// with U+FFFD. When scratch is set the result may live in d's scratch
// buffer; else it may alias the input.
func (d *Decoder) str(scratch bool) ([]byte, bool) {
	if d.failed || d.i >= len(d.b) || d.b[d.i] != '"' {
		d.failed = true
		return nil, false
	}
	s := d.b[d.i+1:]
	// The common case: printable ASCII without escapes.
	r := 0
	for r < len(s) {
		c := s[r]
		if c == '"' {
			d.i += r + 2
			return s[:r], true
		}
		if c < ' ' || c == '\\' || c >= utf8.RuneSelf {
			break
		}
		r++
	}
	var b []byte
	if scratch {
		b = d.scratch[:0]
	}
	b = append(b, s[:r]...)
	for {
		if r >= len(s) {
			d.failed = true
			return nil, false
		}
		c := s[r]
		switch {
		case c == '"':
			d.i += r + 2
			if scratch {
				d.scratch = b
			}
			return b, true
		case c < ' ':
			d.failed = true
			return nil, false
		case c == '\\':
			if r+1 >= len(s) {
				d.failed = true
				return nil, false
			}
			switch s[r+1] {
			case '"', '\\', '/':
				b = append(b, s[r+1])
			case 'b':
				b = append(b, '\b')
			case 'f':
				b = append(b, '\f')
			case 'n':
				b = append(b, '\n')
			case 'r':
				b = append(b, '\r')
			case 't':
				b = append(b, '\t')
			case 'u':
				rr := getu4(s[r:])
				if rr < 0 {
					d.failed = true
					return nil, false
				}
				r += 6
				if utf16.IsSurrogate(rr) {
					rr1 := getu4(s[r:])
					if dec := utf16.DecodeRune(rr, rr1); dec != unicode.ReplacementChar {
						r += 6
						b = utf8.AppendRune(b, dec)
						continue
					}
					rr = unicode.ReplacementChar
				}
				b = utf8.AppendRune(b, rr)
				continue
			default:
				d.failed = true
				return nil, false
			}
			r += 2
		case c < utf8.RuneSelf:
			b = append(b, c)
			r++
		default:
			rr, size := utf8.DecodeRune(s[r:])
			r += size
			b = utf8.AppendRune(b, rr)
		}
	}
}

// getu4 decodes \uXXXX from the beginning of s, returning the hex value,
// or -1 (as encoding/json's getu4).
func getu4(s []byte) rune {
	if len(s) < 6 || s[0] != '\\' || s[1] != 'u' {
		return -1
	}
	var r rune
	for _, c := range s[2:6] {
		switch {
		case '0' <= c && c <= '9':
			c = c - '0'
		case 'a' <= c && c <= 'f':
			c = c - 'a' + 10
		case 'A' <= c && c <= 'F':
			c = c - 'A' + 10
		default:
			return -1
		}
		r = r*16 + rune(c)
	}
	return r
}

// String reads a JSON string.
func (d *Decoder) String() string {
	d.ws()
	s, ok := d.str(true)
	if !ok {
		return ""
	}
	return string(s)
}

// Bytes reads a blob as encoding/json decodes a []byte: a string holding
// standard base64 (a non-nil slice, also when empty).
func (d *Decoder) Bytes() []byte {
	d.ws()
	s, ok := d.str(true)
	if !ok {
		return nil
	}
	b := make([]byte, base64.StdEncoding.DecodedLen(len(s)))
	n, err := base64.StdEncoding.Decode(b, s)
	if err != nil {
		d.failed = true
		return nil
	}
	return b[:n]
}

// Bool reads true or false.
func (d *Decoder) Bool() bool {
	if d.failed {
		return false
	}
	d.ws()
	switch {
	case d.i+4 <= len(d.b) && string(d.b[d.i:d.i+4]) == "true":
		d.i += 4
		return true
	case d.i+5 <= len(d.b) && string(d.b[d.i:d.i+5]) == "false":
		d.i += 5
		return false
	}
	d.failed = true
	return false
}

// number reads a JSON number (its grammar checked as encoding/json's
// scanner checks it) and returns its text; integer says whether it has
// neither fraction nor exponent.
func (d *Decoder) number() (num []byte, integer bool) {
	if d.failed {
		return nil, false
	}
	d.ws()
	b, i := d.b, d.i
	start := i
	integer = true
	if i < len(b) && b[i] == '-' {
		i++
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case i < len(b) && '1' <= b[i] && b[i] <= '9':
		for i < len(b) && '0' <= b[i] && b[i] <= '9' {
			i++
		}
	default:
		d.failed = true
		return nil, false
	}
	if i < len(b) && b[i] == '.' {
		integer = false
		i++
		j := i
		for i < len(b) && '0' <= b[i] && b[i] <= '9' {
			i++
		}
		if i == j {
			d.failed = true
			return nil, false
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		integer = false
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		j := i
		for i < len(b) && '0' <= b[i] && b[i] <= '9' {
			i++
		}
		if i == j {
			d.failed = true
			return nil, false
		}
	}
	d.i = i
	return b[start:i], integer
}

// integer reads a number as encoding/json decodes one into a signed
// integer of the given size (strconv.ParseInt, so no fraction or exponent).
func (d *Decoder) integer(bits int) int64 {
	num, integer := d.number()
	if d.failed {
		return 0
	}
	if !integer {
		d.failed = true
		return 0
	}
	if len(num) <= 18 { // cannot overflow an int64
		neg := num[0] == '-'
		if neg {
			num = num[1:]
		}
		var n int64
		for _, c := range num {
			n = n*10 + int64(c-'0')
		}
		if neg {
			n = -n
		}
		if bits == 32 && int64(int32(n)) != n {
			d.failed = true
			return 0
		}
		return n
	}
	n, err := strconv.ParseInt(string(num), 10, bits)
	if err != nil {
		d.failed = true
		return 0
	}
	return n
}

// Int32 reads a number into an int32.
func (d *Decoder) Int32() int32 { return int32(d.integer(32)) }

// Int64 reads a number into an int64.
func (d *Decoder) Int64() int64 { return d.integer(64) }

func (d *Decoder) float(bits int) float64 {
	num, _ := d.number()
	if d.failed {
		return 0
	}
	f, err := strconv.ParseFloat(string(num), bits)
	if err != nil {
		d.failed = true
		return 0
	}
	return f
}

// Float32 reads a number into a float32 (strconv.ParseFloat, 32 bits).
func (d *Decoder) Float32() float32 { return float32(d.float(32)) }

// Float64 reads a number into a float64.
func (d *Decoder) Float64() float64 { return d.float(64) }

// Raw reads a string, number or literal and returns its JSON text, what
// encoding/json hands an UnmarshalJSON method; objects and arrays fail.
func (d *Decoder) Raw() []byte {
	if d.failed {
		return nil
	}
	d.ws()
	start := d.i
	if d.i >= len(d.b) {
		d.failed = true
		return nil
	}
	switch c := d.b[d.i]; {
	case c == '"':
		d.str(false)
	case c == '-' || '0' <= c && c <= '9':
		d.number()
	case c == 't' || c == 'f':
		d.Bool()
	case c == 'n':
		if !d.Null() {
			d.failed = true
		}
	default:
		d.failed = true
	}
	if d.failed {
		return nil
	}
	return d.b[start:d.i]
}

// Unmarshaler reads a scalar value into u through its UnmarshalJSON (the
// time types), failing when that does.
func (d *Decoder) Unmarshaler(u json.Unmarshaler) {
	raw := d.Raw()
	if d.failed {
		return
	}
	if u.UnmarshalJSON(raw) != nil {
		d.failed = true
	}
}
