package wire

import (
	"encoding/base64"
	"encoding/json"
	"math"
	"reflect"
	"slices"
	"strconv"
	"sync"
	"unicode/utf8"
)

// JSONAppender is implemented by every structure type internal/codegen
// generates: AppendJSON appends the value encoded exactly as
// encoding/json.Marshal encodes it (same struct tags, same escaping, same
// number formatting, map keys sorted), without reflection.
//
// A value encoding/json refuses (a NaN or infinite float, a document it
// cannot encode) makes AppendJSON panic with an internal error value that
// AppendJSON (the function) and Marshal turn back into the error
// json.Marshal would have returned; call it through those.
type JSONAppender interface {
	AppendJSON(b []byte) []byte
}

// encodeError is the panic value of an AppendJSON method that meets a value
// encoding/json would refuse (encoding/json itself works the same way).
type encodeError struct{ err error }

func failEncode(err error) { panic(encodeError{err}) }

// AppendJSON appends v encoded as json.Marshal encodes it, through v's
// AppendJSON method when it has one, else through json.Marshal.
func AppendJSON(b []byte, v any) (out []byte, err error) {
	a, ok := appender(v)
	if !ok {
		j, err := json.Marshal(v)
		if err != nil {
			return b, err
		}
		return append(b, j...), nil
	}
	n := len(b)
	defer func() {
		if p := recover(); p != nil {
			ee, ok := p.(encodeError)
			if !ok {
				panic(p)
			}
			out, err = b[:n], ee.err
		}
	}()
	return a.AppendJSON(b), nil
}

// Marshal is json.Marshal, through v's AppendJSON method when it has one.
func Marshal(v any) ([]byte, error) {
	if _, ok := appender(v); !ok {
		return json.Marshal(v)
	}
	return AppendJSON(nil, v)
}

// appender returns v's AppendJSON method when that method encodes all of
// v. A struct that embeds a generated type (a store record such as
// struct{ api.RoutingRule; Domain string }) has the embedded type's
// AppendJSON promoted to it, and that method would leave out the outer
// struct's own fields; values of struct types with an embedded field
// therefore go through json.Marshal. Generated types embed nothing.
func appender(v any) (JSONAppender, bool) {
	a, ok := v.(JSONAppender)
	if !ok || embeds(reflect.TypeOf(v)) {
		return nil, false
	}
	return a, true
}

var embedsCache sync.Map // reflect.Type → bool

// embeds reports whether t (or what t points to) is a struct with an
// embedded field.
func embeds(t reflect.Type) bool {
	if e, ok := embedsCache.Load(t); ok {
		return e.(bool)
	}
	s := t
	for s.Kind() == reflect.Pointer {
		s = s.Elem()
	}
	e := false
	if s.Kind() == reflect.Struct {
		for i := range s.NumField() {
			if s.Field(i).Anonymous {
				e = true
				break
			}
		}
	}
	embedsCache.Store(t, e)
	return e
}

// The appenders below are what generated AppendJSON methods are made of;
// each matches what encoding/json writes for a value of its type.

// jsonSafe says which ASCII bytes encoding/json writes as they are in a
// string with HTML escaping on (json.Marshal's setting): everything but
// control characters, '"', '\\', '<', '>' and '&'.
var jsonSafe = func() (t [utf8.RuneSelf]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\' && c != '<' && c != '>' && c != '&'
	}
	return t
}()

const hexDigits = "0123456789abcdef"

// AppendString appends s as a JSON string the way json.Marshal writes it:
// '"' and '\\' backslash-escaped; \b \f \n \r \t short-escaped; other
// control characters and '<', '>', '&' as \u00XX; U+2028 and U+2029 as
// \u2028 and \u2029; each byte of invalid UTF-8 as \ufffd. (Follows
// encoding/json's appendString.)
func AppendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if jsonSafe[c] {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '\\', '"':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// AppendFloat64 appends f as json.Marshal writes a float64: the shortest
// representation that round-trips, in 'f' form unless |f| < 1e-6 or
// |f| >= 1e21 ('e' form, exponent without a leading zero). NaN and ±Inf,
// which json.Marshal refuses, abort the AppendJSON call with its error.
func AppendFloat64(b []byte, f float64) []byte {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		failEncode(&json.UnsupportedValueError{Value: reflect.ValueOf(f), Str: strconv.FormatFloat(f, 'g', -1, 64)})
	}
	abs := math.Abs(f)
	format := byte('f')
	if abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	return appendFloat(b, f, format, 64)
}

// AppendFloat32 is AppendFloat64 for a float32 (shortest float32
// representation, cut-offs compared in float32).
func AppendFloat32(b []byte, f float32) []byte {
	f64 := float64(f)
	if math.IsInf(f64, 0) || math.IsNaN(f64) {
		failEncode(&json.UnsupportedValueError{Value: reflect.ValueOf(f), Str: strconv.FormatFloat(f64, 'g', -1, 32)})
	}
	abs := float32(math.Abs(f64))
	format := byte('f')
	if abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	return appendFloat(b, f64, format, 32)
}

func appendFloat(b []byte, f float64, format byte, bits int) []byte {
	b = strconv.AppendFloat(b, f, format, -1, bits)
	if format == 'e' {
		// e-09 → e-9, as encoding/json does.
		n := len(b)
		if n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b
}

// AppendBytes appends a blob as json.Marshal writes a []byte: standard
// base64 with padding in a string, null for nil.
func AppendBytes(b []byte, p []byte) []byte {
	if p == nil {
		return append(b, "null"...)
	}
	b = append(b, '"')
	b = base64.StdEncoding.AppendEncode(b, p)
	return append(b, '"')
}

// SortedKeys appends m's keys to dst in the order json.Marshal writes them
// (byte-wise), so that a caller's stack array can hold a small map's keys.
func SortedKeys[V any](dst []string, m map[string]V) []string {
	for k := range m {
		dst = append(dst, k)
	}
	slices.Sort(dst)
	return dst
}

// maxAnyDepth bounds AppendAny's own recursion: deeper documents (and
// cyclic ones, which json.Marshal refuses) are left to json.Marshal.
const maxAnyDepth = 64

// AppendAny appends a document (a member of type any) as json.Marshal
// writes it. What JSON decoding produces (nil, bool, float64, string,
// []any, map[string]any) is written here; anything else goes through
// json.Marshal, whose error, if any, aborts the AppendJSON call.
func AppendAny(b []byte, v any) []byte { return appendAny(b, v, 0) }

func appendAny(b []byte, v any, depth int) []byte {
	if depth > maxAnyDepth {
		return appendMarshal(b, v)
	}
	switch x := v.(type) {
	case nil:
		return append(b, "null"...)
	case bool:
		return strconv.AppendBool(b, x)
	case string:
		return AppendString(b, x)
	case float64:
		return AppendFloat64(b, x)
	case []any:
		if x == nil {
			return append(b, "null"...)
		}
		b = append(b, '[')
		for i, e := range x {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendAny(b, e, depth+1)
		}
		return append(b, ']')
	case map[string]any:
		if x == nil {
			return append(b, "null"...)
		}
		var kb [16]string
		b = append(b, '{')
		for i, k := range SortedKeys(kb[:0], x) {
			if i > 0 {
				b = append(b, ',')
			}
			b = AppendString(b, k)
			b = append(b, ':')
			b = appendAny(b, x[k], depth+1)
		}
		return append(b, '}')
	}
	return appendMarshal(b, v)
}

func appendMarshal(b []byte, v any) []byte {
	j, err := json.Marshal(v)
	if err != nil {
		failEncode(err)
	}
	return append(b, j...)
}
