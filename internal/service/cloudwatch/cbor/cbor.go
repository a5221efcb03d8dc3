// Package cbor is the small CBOR (RFC 8949) codec that the Smithy RPC v2
// CBOR protocol needs: maps with text keys, arrays, text and byte strings,
// integers, floats (half, single, double), booleans, null/undefined and
// tag 1 epoch timestamps. Nothing else (bignums, decimal fractions, other
// tags, simple values) is accepted, because no CloudWatch shape uses it.
//
// Decoded values are plain Go values:
//
//	map (text keys)      map[string]any
//	array                []any
//	text string          string (valid UTF-8)
//	byte string          []byte
//	unsigned integer     int64, or uint64 above math.MaxInt64
//	negative integer     int64
//	float                float64
//	true / false         bool
//	null / undefined     nil
//	tag 1 (epoch time)   time.Time (UTC)
//
// Both definite and indefinite lengths are read. Marshal writes definite
// lengths only, floats in the smallest of single/double precision that
// keeps the value, and timestamps as tag 1 over a double of epoch seconds.
package cbor

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"sort"
	"time"
	"unicode/utf8"
)

// Major types.
const (
	majUnsigned = 0
	majNegative = 1
	majBytes    = 2
	majText     = 3
	majArray    = 4
	majMap      = 5
	majTag      = 6
	majSimple   = 7
)

// Map is a CBOR map with text keys whose order Marshal keeps (structure
// members in model order).
type Map []Pair

// Pair is one key/value of a Map.
type Pair struct {
	Key   string
	Value any
}

// Get returns the value under key and whether it is present.
func (m Map) Get(key string) (any, bool) {
	for _, p := range m {
		if p.Key == key {
			return p.Value, true
		}
	}
	return nil, false
}

// ---------------------------------------------------------------------------
// Encoding

// Marshal encodes v. It supports nil, bool, the integer and float kinds,
// string, []byte, time.Time, []any, []string, Map and map[string]any (keys
// sorted so the output is deterministic).
func Marshal(v any) ([]byte, error) {
	var e encoder
	if err := e.value(v, 0); err != nil {
		return nil, err
	}
	return e.b, nil
}

type encoder struct{ b []byte }

func (e *encoder) head(major byte, n uint64) {
	m := major << 5
	switch {
	case n < 24:
		e.b = append(e.b, m|byte(n))
	case n <= math.MaxUint8:
		e.b = append(e.b, m|24, byte(n))
	case n <= math.MaxUint16:
		e.b = binary.BigEndian.AppendUint16(append(e.b, m|25), uint16(n))
	case n <= math.MaxUint32:
		e.b = binary.BigEndian.AppendUint32(append(e.b, m|26), uint32(n))
	default:
		e.b = binary.BigEndian.AppendUint64(append(e.b, m|27), n)
	}
}

func (e *encoder) int(i int64) {
	if i >= 0 {
		e.head(majUnsigned, uint64(i))
	} else {
		e.head(majNegative, uint64(-(i + 1)))
	}
}

func (e *encoder) float(f float64) {
	if f32 := float32(f); float64(f32) == f || math.IsNaN(f) {
		e.b = binary.BigEndian.AppendUint32(append(e.b, majSimple<<5|26), math.Float32bits(f32))
		return
	}
	e.double(f)
}

func (e *encoder) double(f float64) {
	e.b = binary.BigEndian.AppendUint64(append(e.b, majSimple<<5|27), math.Float64bits(f))
}

const maxDepth = 100

func (e *encoder) value(v any, depth int) error {
	if depth > maxDepth {
		return errors.New("cbor: value nested too deeply")
	}
	switch x := v.(type) {
	case nil:
		e.b = append(e.b, 0xf6)
	case bool:
		if x {
			e.b = append(e.b, 0xf5)
		} else {
			e.b = append(e.b, 0xf4)
		}
	case int:
		e.int(int64(x))
	case int8:
		e.int(int64(x))
	case int16:
		e.int(int64(x))
	case int32:
		e.int(int64(x))
	case int64:
		e.int(x)
	case uint:
		e.head(majUnsigned, uint64(x))
	case uint8:
		e.head(majUnsigned, uint64(x))
	case uint16:
		e.head(majUnsigned, uint64(x))
	case uint32:
		e.head(majUnsigned, uint64(x))
	case uint64:
		e.head(majUnsigned, x)
	case float32:
		e.b = binary.BigEndian.AppendUint32(append(e.b, majSimple<<5|26), math.Float32bits(x))
	case float64:
		e.float(x)
	case string:
		e.head(majText, uint64(len(x)))
		e.b = append(e.b, x...)
	case []byte:
		e.head(majBytes, uint64(len(x)))
		e.b = append(e.b, x...)
	case time.Time:
		// Epoch seconds with millisecond resolution, always as a double so
		// the milliseconds survive.
		e.head(majTag, 1)
		e.double(float64(x.UnixMilli()) / 1000)
	case []any:
		e.head(majArray, uint64(len(x)))
		for _, it := range x {
			if err := e.value(it, depth+1); err != nil {
				return err
			}
		}
	case []string:
		e.head(majArray, uint64(len(x)))
		for _, it := range x {
			e.head(majText, uint64(len(it)))
			e.b = append(e.b, it...)
		}
	case Map:
		e.head(majMap, uint64(len(x)))
		for _, p := range x {
			e.head(majText, uint64(len(p.Key)))
			e.b = append(e.b, p.Key...)
			if err := e.value(p.Value, depth+1); err != nil {
				return err
			}
		}
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		e.head(majMap, uint64(len(x)))
		for _, k := range keys {
			e.head(majText, uint64(len(k)))
			e.b = append(e.b, k...)
			if err := e.value(x[k], depth+1); err != nil {
				return err
			}
		}
	default:
		return fmt.Errorf("cbor: cannot encode %T", v)
	}
	return nil
}

// ---------------------------------------------------------------------------
// Decoding

// SyntaxError describes malformed or unsupported input.
type SyntaxError struct {
	Offset int
	Msg    string
}

func (e *SyntaxError) Error() string { return fmt.Sprintf("cbor: %s at byte %d", e.Msg, e.Offset) }

// Unmarshal decodes exactly one data item from b.
func Unmarshal(b []byte) (any, error) {
	d := decoder{b: b}
	v, err := d.item(0)
	if err == errBreak {
		return nil, &SyntaxError{Offset: 0, Msg: "unexpected break code"}
	}
	if err != nil {
		return nil, err
	}
	if d.off != len(b) {
		return nil, d.errf("%d trailing bytes after the data item", len(b)-d.off)
	}
	return v, nil
}

type decoder struct {
	b   []byte
	off int
}

var errBreak = errors.New("break")

func (d *decoder) errf(format string, args ...any) error {
	return &SyntaxError{Offset: d.off, Msg: fmt.Sprintf(format, args...)}
}

func (d *decoder) remaining() int { return len(d.b) - d.off }

func (d *decoder) byte() (byte, error) {
	if d.off >= len(d.b) {
		return 0, d.errf("unexpected end of data")
	}
	c := d.b[d.off]
	d.off++
	return c, nil
}

func (d *decoder) take(n uint64) ([]byte, error) {
	if n > uint64(d.remaining()) {
		return nil, d.errf("length %d exceeds the %d bytes left", n, d.remaining())
	}
	s := d.b[d.off : d.off+int(n)]
	d.off += int(n)
	return s, nil
}

// arg reads the argument of a head whose additional information is ai.
// indefinite reports ai == 31.
func (d *decoder) arg(ai byte) (n uint64, indefinite bool, err error) {
	switch {
	case ai < 24:
		return uint64(ai), false, nil
	case ai == 24:
		b, err := d.take(1)
		if err != nil {
			return 0, false, err
		}
		return uint64(b[0]), false, nil
	case ai == 25:
		b, err := d.take(2)
		if err != nil {
			return 0, false, err
		}
		return uint64(binary.BigEndian.Uint16(b)), false, nil
	case ai == 26:
		b, err := d.take(4)
		if err != nil {
			return 0, false, err
		}
		return uint64(binary.BigEndian.Uint32(b)), false, nil
	case ai == 27:
		b, err := d.take(8)
		if err != nil {
			return 0, false, err
		}
		return binary.BigEndian.Uint64(b), false, nil
	case ai == 31:
		return 0, true, nil
	}
	return 0, false, d.errf("reserved additional information %d", ai)
}

func (d *decoder) item(depth int) (any, error) {
	if depth > maxDepth {
		return nil, d.errf("data nested deeper than %d levels", maxDepth)
	}
	start := d.off
	ib, err := d.byte()
	if err != nil {
		return nil, err
	}
	major, ai := ib>>5, ib&0x1f
	if ib == 0xff {
		return nil, errBreak
	}
	switch major {
	case majUnsigned, majNegative:
		n, indef, err := d.arg(ai)
		if err != nil {
			return nil, err
		}
		if indef {
			d.off = start
			return nil, d.errf("indefinite length integer")
		}
		if major == majUnsigned {
			if n > math.MaxInt64 {
				return n, nil
			}
			return int64(n), nil
		}
		if n > math.MaxInt64 {
			d.off = start
			return nil, d.errf("negative integer below the 64-bit range")
		}
		return -1 - int64(n), nil
	case majBytes, majText:
		s, err := d.str(major, ai)
		if err != nil {
			return nil, err
		}
		if major == majBytes {
			return s, nil
		}
		if !utf8.Valid(s) {
			d.off = start
			return nil, d.errf("text string is not valid UTF-8")
		}
		return string(s), nil
	case majArray:
		n, indef, err := d.arg(ai)
		if err != nil {
			return nil, err
		}
		if indef {
			out := []any{}
			for {
				v, err := d.item(depth + 1)
				if err == errBreak {
					return out, nil
				}
				if err != nil {
					return nil, err
				}
				out = append(out, v)
			}
		}
		if n > uint64(d.remaining()) { // every item takes at least one byte
			return nil, d.errf("array of %d items exceeds the %d bytes left", n, d.remaining())
		}
		out := make([]any, 0, n)
		for i := uint64(0); i < n; i++ {
			v, err := d.item(depth + 1)
			if err == errBreak {
				return nil, d.errf("unexpected break in a definite-length array")
			}
			if err != nil {
				return nil, err
			}
			out = append(out, v)
		}
		return out, nil
	case majMap:
		n, indef, err := d.arg(ai)
		if err != nil {
			return nil, err
		}
		if !indef && n > uint64(d.remaining())/2 {
			return nil, d.errf("map of %d pairs exceeds the %d bytes left", n, d.remaining())
		}
		out := map[string]any{}
		for i := uint64(0); indef || i < n; i++ {
			keyAt := d.off
			k, err := d.item(depth + 1)
			if err == errBreak && indef {
				return out, nil
			}
			if err == errBreak {
				return nil, d.errf("unexpected break in a definite-length map")
			}
			if err != nil {
				return nil, err
			}
			ks, ok := k.(string)
			if !ok {
				d.off = keyAt
				return nil, d.errf("map key is %T, not a text string", k)
			}
			v, err := d.item(depth + 1)
			if err == errBreak {
				return nil, d.errf("map key %q has no value", ks)
			}
			if err != nil {
				return nil, err
			}
			if _, dup := out[ks]; dup {
				d.off = keyAt
				return nil, d.errf("duplicate map key %q", ks)
			}
			out[ks] = v
		}
		return out, nil
	case majTag:
		tag, indef, err := d.arg(ai)
		if err != nil {
			return nil, err
		}
		if indef || tag != 1 {
			d.off = start
			return nil, d.errf("unsupported tag %d", tag)
		}
		v, err := d.item(depth + 1)
		if err == errBreak {
			return nil, d.errf("tag 1 without a value")
		}
		if err != nil {
			return nil, err
		}
		var secs float64
		switch x := v.(type) {
		case int64:
			secs = float64(x)
		case uint64:
			secs = float64(x)
		case float64:
			secs = x
		default:
			d.off = start
			return nil, d.errf("tag 1 over %T, not a number", v)
		}
		// time.Time holds about ±292 years of nanoseconds around 1970 in
		// UnixMilli arithmetic; stay well inside what it represents.
		if math.IsNaN(secs) || math.IsInf(secs, 0) || math.Abs(secs) > 1e15 {
			d.off = start
			return nil, d.errf("timestamp %v out of range", secs)
		}
		whole, frac := math.Modf(secs)
		return time.Unix(int64(whole), int64(math.Round(frac*1e3))*1e6).UTC(), nil
	case majSimple:
		switch ai {
		case 20:
			return false, nil
		case 21:
			return true, nil
		case 22, 23:
			return nil, nil
		case 25:
			b, err := d.take(2)
			if err != nil {
				return nil, err
			}
			return halfToFloat(binary.BigEndian.Uint16(b)), nil
		case 26:
			b, err := d.take(4)
			if err != nil {
				return nil, err
			}
			return float64(math.Float32frombits(binary.BigEndian.Uint32(b))), nil
		case 27:
			b, err := d.take(8)
			if err != nil {
				return nil, err
			}
			return math.Float64frombits(binary.BigEndian.Uint64(b)), nil
		}
		d.off = start
		return nil, d.errf("unsupported simple value %d", ai)
	}
	return nil, d.errf("unknown major type %d", major) // unreachable: 3 bits
}

// str reads a (possibly indefinite, chunked) byte or text string.
func (d *decoder) str(major, ai byte) ([]byte, error) {
	n, indef, err := d.arg(ai)
	if err != nil {
		return nil, err
	}
	if !indef {
		return d.take(n)
	}
	var out []byte
	for {
		at := d.off
		ib, err := d.byte()
		if err != nil {
			return nil, err
		}
		if ib == 0xff {
			if out == nil {
				out = []byte{}
			}
			return out, nil
		}
		if ib>>5 != major || ib&0x1f == 31 {
			d.off = at
			return nil, d.errf("chunk of an indefinite string is not a definite string of the same type")
		}
		n, _, err := d.arg(ib & 0x1f)
		if err != nil {
			return nil, err
		}
		chunk, err := d.take(n)
		if err != nil {
			return nil, err
		}
		out = append(out, chunk...)
	}
}

// halfToFloat widens an IEEE 754 half-precision value.
func halfToFloat(h uint16) float64 {
	sign := 1.0
	if h&0x8000 != 0 {
		sign = -1
	}
	exp := int(h>>10) & 0x1f
	mant := float64(h & 0x3ff)
	switch exp {
	case 0:
		return sign * math.Ldexp(mant, -24)
	case 31:
		if mant == 0 {
			return math.Inf(int(sign))
		}
		return math.NaN()
	}
	return sign * math.Ldexp(mant+1024, exp-25)
}
