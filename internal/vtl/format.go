package vtl

import (
	"fmt"
	"math"
	"math/big"
	"strconv"
	"unicode/utf8"
)

// maxValueDepth bounds recursion when rendering, comparing or serializing
// nested values, so cyclic structures built by a template cannot exhaust the
// stack.
const maxValueDepth = 100

const hexUpper = "0123456789ABCDEF"

// appendJSONString appends s as a JSON string literal escaped the way
// json-smart does (the serializer behind API Gateway's $input.json): the
// usual escapes plus "/" as "\/" and \uXXXX for C0/C1 controls and
// U+2000..U+20FF.
func appendJSONString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			var esc string
			switch c {
			case '"':
				esc = `\"`
			case '\\':
				esc = `\\`
			case '/':
				esc = `\/`
			case '\b':
				esc = `\b`
			case '\f':
				esc = `\f`
			case '\n':
				esc = `\n`
			case '\r':
				esc = `\r`
			case '\t':
				esc = `\t`
			default:
				if c < 0x20 || c == 0x7f {
					dst = append(dst, s[start:i]...)
					dst = appendU4(dst, rune(c))
					i++
					start = i
					continue
				}
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			dst = append(dst, esc...)
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if (r >= 0x80 && r <= 0x9f) || (r >= 0x2000 && r <= 0x20ff) {
			dst = append(dst, s[start:i]...)
			dst = appendU4(dst, r)
			i += size
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

func appendU4(dst []byte, r rune) []byte {
	return append(dst, '\\', 'u',
		hexUpper[(r>>12)&0xf], hexUpper[(r>>8)&0xf], hexUpper[(r>>4)&0xf], hexUpper[r&0xf])
}

// appendJSON serializes v compactly, as json-smart would.
func appendJSON(dst []byte, v any, limit, depth int) ([]byte, error) {
	if depth > maxValueDepth {
		return dst, errDepthLimit
	}
	if limit > 0 && len(dst) > limit {
		return dst, errOutputLimit
	}
	var err error
	switch x := normalize(v).(type) {
	case nil:
		return append(dst, "null"...), nil
	case bool:
		return strconv.AppendBool(dst, x), nil
	case int64:
		return strconv.AppendInt(dst, x, 10), nil
	case *big.Int:
		return x.Append(dst, 10), nil
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return append(dst, "null"...), nil
		}
		return append(dst, javaDouble(x)...), nil
	case string:
		return appendJSONString(dst, x), nil
	case entry:
		dst = append(dst, '{')
		dst = appendJSONString(dst, x.key)
		dst = append(dst, ':')
		dst, err = appendJSON(dst, x.val, limit, depth+1)
		return append(dst, '}'), err
	}
	if items, ok := listItems(v); ok {
		dst = append(dst, '[')
		for i, it := range items {
			if i > 0 {
				dst = append(dst, ',')
			}
			if dst, err = appendJSON(dst, it, limit, depth+1); err != nil {
				return dst, err
			}
		}
		return append(dst, ']'), nil
	}
	if keys, ok := mapKeys(v); ok {
		dst = append(dst, '{')
		for i, k := range keys {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendJSONString(dst, k)
			dst = append(dst, ':')
			val, _, _ := mapGet(v, k)
			if dst, err = appendJSON(dst, val, limit, depth+1); err != nil {
				return dst, err
			}
		}
		return append(dst, '}'), nil
	}
	if s, ok := v.(fmt.Stringer); ok {
		return appendJSONString(dst, s.String()), nil
	}
	return appendJSONString(dst, fmt.Sprint(v)), nil
}
