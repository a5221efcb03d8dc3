package vtl

import (
	"bytes"
	"math"
	"math/big"
	"reflect"
	"sort"
	"strconv"
)

// Map is an insertion-ordered, string-keyed map: the template-side
// equivalent of Java's LinkedHashMap. JSON objects, map literals ({"a":1})
// and $input.params() are Maps. It renders like Java's AbstractMap.toString:
// {a=1, b=2}.
//
// A Map is not safe for concurrent mutation; templates only mutate Maps
// created during their own Render.
type Map struct {
	ents []mapEnt
	idx  map[string]int // built once the map grows past mapIndexThreshold
}

type mapEnt struct {
	key string
	val any
}

const mapIndexThreshold = 16

// NewMap returns an empty Map.
func NewMap() *Map { return &Map{} }

// Len returns the number of entries.
func (m *Map) Len() int { return len(m.ents) }

func (m *Map) find(k string) int {
	if m.idx != nil {
		if i, ok := m.idx[k]; ok {
			return i
		}
		return -1
	}
	for i := range m.ents {
		if m.ents[i].key == k {
			return i
		}
	}
	return -1
}

// Get returns the value stored under k.
func (m *Map) Get(k string) (any, bool) {
	if i := m.find(k); i >= 0 {
		return m.ents[i].val, true
	}
	return nil, false
}

// Put stores v under k, keeping the original position of an existing key,
// and returns the previous value (nil when there was none).
func (m *Map) Put(k string, v any) any {
	if i := m.find(k); i >= 0 {
		prev := m.ents[i].val
		m.ents[i].val = v
		return prev
	}
	m.ents = append(m.ents, mapEnt{k, v})
	if m.idx != nil {
		m.idx[k] = len(m.ents) - 1
	} else if len(m.ents) > mapIndexThreshold {
		m.reindex()
	}
	return nil
}

func (m *Map) reindex() {
	m.idx = make(map[string]int, len(m.ents)*2)
	for i := range m.ents {
		m.idx[m.ents[i].key] = i
	}
}

// Remove deletes k and returns the value it held.
func (m *Map) Remove(k string) (any, bool) {
	i := m.find(k)
	if i < 0 {
		return nil, false
	}
	prev := m.ents[i].val
	m.ents = append(m.ents[:i], m.ents[i+1:]...)
	if m.idx != nil {
		m.reindex()
	}
	return prev, true
}

// Keys returns the keys in insertion order.
func (m *Map) Keys() []string {
	keys := make([]string, len(m.ents))
	for i := range m.ents {
		keys[i] = m.ents[i].key
	}
	return keys
}

// ValueForKey implements jp.Keyed so ojg JSONPath can walk a Map.
func (m *Map) ValueForKey(key string) (any, bool) { return m.Get(key) }

// SetValueForKey implements jp.Keyed.
func (m *Map) SetValueForKey(key string, value any) { m.Put(key, value) }

// RemoveValueForKey implements jp.Keyed.
func (m *Map) RemoveValueForKey(key string) { m.Remove(key) }

// List is a growable list: the template-side equivalent of a Java List.
// Lists parsed from JSON (request bodies, $util.parseJson, JSONPath results)
// render as compact JSON text, as json-smart's JSONArray does inside API
// Gateway; lists built by templates ([1, 2]) render like ArrayList: [1, 2].
type List struct {
	items []any
	json  bool
}

// NewList returns a List holding items. It renders like a Java ArrayList.
func NewList(items ...any) *List { return &List{items: items} }

// Items returns the underlying slice (not a copy).
func (l *List) Items() []any { return l.items }

// ValueAtIndex implements jp.Indexed.
func (l *List) ValueAtIndex(i int) any {
	if i < 0 || i >= len(l.items) {
		return nil
	}
	return l.items[i]
}

// SetValueAtIndex implements jp.Indexed.
func (l *List) SetValueAtIndex(i int, v any) {
	if i >= 0 && i < len(l.items) {
		l.items[i] = v
	}
}

// Size implements jp.Indexed.
func (l *List) Size() int { return len(l.items) }

// entry is an element of $map.entrySet(): it has key and value properties
// and renders as key=value.
type entry struct {
	key string
	val any
}

// normalize converts host numeric types to the engine's int64/float64.
func normalize(v any) any {
	switch x := v.(type) {
	case nil, string, int64, float64, bool, *Map, *List:
		return v
	case int:
		return int64(x)
	case int32:
		return int64(x)
	case int16:
		return int64(x)
	case int8:
		return int64(x)
	case uint:
		if uint64(x) > math.MaxInt64 {
			return new(big.Int).SetUint64(uint64(x))
		}
		return int64(x)
	case uint64:
		if x > math.MaxInt64 {
			return new(big.Int).SetUint64(x)
		}
		return int64(x)
	case uint32:
		return int64(x)
	case uint16:
		return int64(x)
	case uint8:
		return int64(x)
	case float32:
		return float64(x)
	case []byte:
		return string(x)
	}
	return v
}

// ---- generic collection access over engine and host types ----

// mapGet looks k up in any map-like value. isMap reports whether v is a map.
func mapGet(v any, k string) (val any, found, isMap bool) {
	switch m := v.(type) {
	case *Map:
		val, found = m.Get(k)
		return val, found, true
	case map[string]any:
		val, found = m[k]
		return normalize(val), found, true
	case map[string]string:
		s, ok := m[k]
		if !ok {
			return nil, false, true
		}
		return s, true, true
	}
	rv := reflect.ValueOf(v)
	if rv.Kind() == reflect.Map && rv.Type().Key().Kind() == reflect.String {
		e := rv.MapIndex(reflect.ValueOf(k).Convert(rv.Type().Key()))
		if !e.IsValid() {
			return nil, false, true
		}
		return normalize(e.Interface()), true, true
	}
	return nil, false, false
}

// mapKeys returns the keys of a map-like value in iteration order (insertion
// order for *Map, sorted for host maps, whose order is undefined).
func mapKeys(v any) ([]string, bool) {
	switch m := v.(type) {
	case *Map:
		return m.Keys(), true
	case map[string]any:
		ks := make([]string, 0, len(m))
		for k := range m {
			ks = append(ks, k)
		}
		sort.Strings(ks)
		return ks, true
	case map[string]string:
		ks := make([]string, 0, len(m))
		for k := range m {
			ks = append(ks, k)
		}
		sort.Strings(ks)
		return ks, true
	}
	rv := reflect.ValueOf(v)
	if rv.Kind() == reflect.Map && rv.Type().Key().Kind() == reflect.String {
		ks := make([]string, 0, rv.Len())
		for _, k := range rv.MapKeys() {
			ks = append(ks, k.String())
		}
		sort.Strings(ks)
		return ks, true
	}
	return nil, false
}

func isMapLike(v any) bool {
	switch v.(type) {
	case *Map, map[string]any, map[string]string:
		return true
	case nil, string, int64, float64, bool, *List, []any:
		return false
	}
	rv := reflect.ValueOf(v)
	return rv.Kind() == reflect.Map && rv.Type().Key().Kind() == reflect.String
}

// listItems returns the elements of a list-like value. The slice must not
// be modified by the caller unless v is a *List owned by the render.
func listItems(v any) ([]any, bool) {
	switch l := v.(type) {
	case *List:
		return l.items, true
	case []any:
		out := make([]any, len(l))
		for i, x := range l {
			out[i] = normalize(x)
		}
		return out, true
	case []string:
		out := make([]any, len(l))
		for i, x := range l {
			out[i] = x
		}
		return out, true
	case nil, string, int64, float64, bool, *Map:
		return nil, false
	}
	rv := reflect.ValueOf(v)
	if rv.Kind() == reflect.Slice || rv.Kind() == reflect.Array {
		out := make([]any, rv.Len())
		for i := range out {
			out[i] = normalize(rv.Index(i).Interface())
		}
		return out, true
	}
	return nil, false
}

func isListLike(v any) bool {
	switch v.(type) {
	case *List, []any, []string:
		return true
	case nil, string, int64, float64, bool, *Map, []byte:
		return false
	}
	k := reflect.ValueOf(v).Kind()
	return k == reflect.Slice || k == reflect.Array
}

// ---- numbers ----

func isNumber(v any) bool {
	switch v.(type) {
	case int64, float64, *big.Int:
		return true
	}
	return false
}

func toFloat(v any) float64 {
	switch x := v.(type) {
	case int64:
		return float64(x)
	case float64:
		return x
	case *big.Int:
		f, _ := new(big.Float).SetInt(x).Float64()
		return f
	}
	return 0
}

func toBig(v any) *big.Int {
	switch x := v.(type) {
	case int64:
		return big.NewInt(x)
	case *big.Int:
		return x
	}
	return new(big.Int)
}

// shrinkBig returns an int64 when b fits, else b (Java keeps BigInteger,
// but the rendering is identical and int64 is cheaper downstream).
func shrinkBig(b *big.Int) any {
	if b.IsInt64() {
		return b.Int64()
	}
	return b
}

// intArg converts an argument to a Java int parameter.
func intArg(v any) (int, bool) {
	switch x := v.(type) {
	case int64:
		if x < math.MinInt32 || x > math.MaxInt32 {
			return 0, false
		}
		return int(x), true
	}
	return 0, false
}

// arith performs + - * / % with Velocity 1.7 MathUtils semantics: integer
// math widens to BigInteger on overflow, any double operand makes the
// operation double, division or modulus by zero yields null.
func arith(op opKind, a, b any) any {
	if !isNumber(a) || !isNumber(b) {
		return nil
	}
	_, af := a.(float64)
	_, bf := b.(float64)
	if af || bf {
		x, y := toFloat(a), toFloat(b)
		switch op {
		case opAdd:
			return x + y
		case opSub:
			return x - y
		case opMul:
			return x * y
		case opDiv:
			if y == 0 {
				return nil
			}
			return x / y
		case opMod:
			if y == 0 {
				return nil
			}
			return math.Mod(x, y)
		}
		return nil
	}
	x, xok := a.(int64)
	y, yok := b.(int64)
	if xok && yok {
		switch op {
		case opAdd:
			r := x + y
			if (r^x) < 0 && (r^y) < 0 {
				return new(big.Int).Add(big.NewInt(x), big.NewInt(y))
			}
			return r
		case opSub:
			r := x - y
			if (x^y) < 0 && (r^x) < 0 {
				return new(big.Int).Sub(big.NewInt(x), big.NewInt(y))
			}
			return r
		case opMul:
			if x == 0 || y == 0 {
				return int64(0)
			}
			r := x * y
			if r/y != x || (x == -1 && y == math.MinInt64) || (y == -1 && x == math.MinInt64) {
				return new(big.Int).Mul(big.NewInt(x), big.NewInt(y))
			}
			return r
		case opDiv:
			if y == 0 {
				return nil
			}
			if x == math.MinInt64 && y == -1 {
				return new(big.Int).Neg(big.NewInt(x))
			}
			return x / y
		case opMod:
			if y == 0 {
				return nil
			}
			if y == -1 {
				return int64(0)
			}
			return x % y
		}
		return nil
	}
	bx, by := toBig(a), toBig(b)
	switch op {
	case opAdd:
		return shrinkBig(new(big.Int).Add(bx, by))
	case opSub:
		return shrinkBig(new(big.Int).Sub(bx, by))
	case opMul:
		return shrinkBig(new(big.Int).Mul(bx, by))
	case opDiv:
		if by.Sign() == 0 {
			return nil
		}
		return shrinkBig(new(big.Int).Quo(bx, by))
	case opMod:
		if by.Sign() == 0 {
			return nil
		}
		return shrinkBig(new(big.Int).Rem(bx, by))
	}
	return nil
}

// numCompare compares two numbers.
func numCompare(a, b any) int {
	_, af := a.(float64)
	_, bf := b.(float64)
	if af || bf {
		x, y := toFloat(a), toFloat(b)
		switch {
		case x < y:
			return -1
		case x > y:
			return 1
		}
		return 0
	}
	x, xok := a.(int64)
	y, yok := b.(int64)
	if xok && yok {
		switch {
		case x < y:
			return -1
		case x > y:
			return 1
		}
		return 0
	}
	return toBig(a).Cmp(toBig(b))
}

// ---- equality ----

// javaEquals mirrors Object.equals between engine values: numbers of the
// same kind (integral vs floating) compare by value, collections compare
// element-wise.
func javaEquals(a, b any) bool {
	return javaEqualsDepth(a, b, 0)
}

func javaEqualsDepth(a, b any, depth int) bool {
	if depth > maxValueDepth {
		return false
	}
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	switch x := a.(type) {
	case string:
		y, ok := b.(string)
		return ok && x == y
	case bool:
		y, ok := b.(bool)
		return ok && x == y
	case int64, *big.Int:
		switch b.(type) {
		case int64, *big.Int:
			return numCompare(a, b) == 0
		}
		return false
	case float64:
		y, ok := b.(float64)
		return ok && (x == y || (math.IsNaN(x) && math.IsNaN(y)))
	case entry:
		y, ok := b.(entry)
		return ok && x.key == y.key && javaEqualsDepth(x.val, y.val, depth+1)
	}
	if isListLike(a) {
		if !isListLike(b) {
			return false
		}
		xa, _ := listItems(a)
		xb, _ := listItems(b)
		if len(xa) != len(xb) {
			return false
		}
		for i := range xa {
			if !javaEqualsDepth(xa[i], xb[i], depth+1) {
				return false
			}
		}
		return true
	}
	if isMapLike(a) {
		if !isMapLike(b) {
			return false
		}
		ka, _ := mapKeys(a)
		kb, _ := mapKeys(b)
		if len(ka) != len(kb) {
			return false
		}
		for _, k := range ka {
			va, _, _ := mapGet(a, k)
			vb, ok, _ := mapGet(b, k)
			if !ok || !javaEqualsDepth(va, vb, depth+1) {
				return false
			}
		}
		return true
	}
	if reflect.TypeOf(a).Comparable() && reflect.TypeOf(b).Comparable() {
		return a == b
	}
	return false
}

// sameClass reports whether a and b would be assignment-compatible Java
// classes for the == operator (which otherwise compares toString()).
func sameClass(a, b any) bool {
	switch a.(type) {
	case string:
		_, ok := b.(string)
		return ok
	case bool:
		_, ok := b.(bool)
		return ok
	case entry:
		_, ok := b.(entry)
		return ok
	}
	if isListLike(a) {
		return isListLike(b)
	}
	if isMapLike(a) {
		return isMapLike(b)
	}
	return reflect.TypeOf(a) == reflect.TypeOf(b)
}

// ---- number formatting ----

// javaDouble formats f like Java's Double.toString.
func javaDouble(f float64) string { return string(appendJavaDouble(nil, f)) }

// appendJavaDouble appends f formatted like Java's Double.toString: plain
// decimal notation with at least one fractional digit for magnitudes in
// [1e-3, 1e7), otherwise computerized scientific notation ("1.0E7").
func appendJavaDouble(dst []byte, f float64) []byte {
	switch {
	case math.IsNaN(f):
		return append(dst, "NaN"...)
	case math.IsInf(f, 1):
		return append(dst, "Infinity"...)
	case math.IsInf(f, -1):
		return append(dst, "-Infinity"...)
	case f == 0:
		if math.Signbit(f) {
			return append(dst, "-0.0"...)
		}
		return append(dst, "0.0"...)
	}
	start := len(dst)
	if a := math.Abs(f); a >= 1e-3 && a < 1e7 {
		dst = strconv.AppendFloat(dst, f, 'f', -1, 64)
		if bytes.IndexByte(dst[start:], '.') < 0 {
			dst = append(dst, ".0"...)
		}
		return dst
	}
	var buf [32]byte
	s := strconv.AppendFloat(buf[:0], f, 'e', -1, 64) // 1.2345e+07, 1e-05
	i := bytes.IndexByte(s, 'e')
	mant, exp := s[:i], s[i+1:]
	dst = append(dst, mant...)
	if bytes.IndexByte(mant, '.') < 0 {
		dst = append(dst, ".0"...)
	}
	dst = append(dst, 'E')
	if exp[0] == '-' {
		dst = append(dst, '-')
	}
	exp = bytes.TrimLeft(exp[1:], "0")
	if len(exp) == 0 {
		exp = []byte{'0'}
	}
	return append(dst, exp...)
}
