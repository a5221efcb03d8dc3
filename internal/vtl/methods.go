package vtl

import (
	"errors"
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// errNoMethod means the receiver has no such method/signature. Velocity
// treats that as a null result (the reference prints literally), not as a
// failure.
var errNoMethod = errors.New("no such method")

// Object lets host values expose properties and methods to templates.
type Object interface {
	// Property returns the value of $obj.name and whether it exists.
	Property(name string) (any, bool)
	// Method invokes $obj.name(args...). It returns ok=false when there
	// is no such method; a non-nil error aborts the render (a Java
	// exception in Velocity).
	Method(name string, args []any) (v any, ok bool, err error)
}

// javaException is a failure Velocity would surface as a
// MethodInvocationException, aborting the render.
func javaException(format string, args ...any) error {
	return fmt.Errorf(format, args...)
}

// voidResult is what Velocity 1.7 yields for a void method: an empty
// string, so "$list.clear()" prints nothing.
const voidResult = ""

// ---- properties ----

func (r *renderer) getProp(v any, name string) (any, error) {
	switch x := v.(type) {
	case *ctxView:
		return x.prop(name), nil
	case *foreachScope:
		return foreachProp(x, name), nil
	case *Input:
		return r.inputProp(x, name), nil
	case Util:
		return nil, nil
	case Object:
		val, _ := x.Property(name)
		return normalize(val), nil
	case entry:
		switch name {
		case "key":
			return x.key, nil
		case "value":
			return x.val, nil
		}
		return nil, nil
	case string:
		// Java bean-style getters: isEmpty() -> .empty, isBlank() -> .blank
		switch name {
		case "empty":
			return len(x) == 0, nil
		case "blank":
			return strings.TrimSpace(x) == "", nil
		}
		return nil, nil
	case *Map:
		val, _ := x.Get(name)
		return val, nil
	}
	if isMapLike(v) {
		val, _, _ := mapGet(v, name)
		return val, nil
	}
	if items, ok := listItems(v); ok {
		if name == "empty" {
			return len(items) == 0, nil
		}
	}
	return nil, nil
}

func foreachProp(s *foreachScope, name string) any {
	switch name {
	case "index":
		return int64(s.index)
	case "count":
		return int64(s.index + 1)
	case "hasNext":
		return s.hasNext
	case "first":
		return s.index == 0
	case "last":
		return !s.hasNext
	case "parent":
		if s.parent == nil {
			return nil
		}
		return s.parent
	case "topmost":
		t := s
		for t.parent != nil {
			t = t.parent
		}
		return t
	}
	return nil
}

func (r *renderer) setProp(obj any, name string, v any) error {
	switch x := obj.(type) {
	case *Map:
		x.Put(name, v)
	case map[string]any:
		x[name] = v
	case map[string]string:
		if s, ok := v.(string); ok {
			x[name] = s
		}
	case interface{ SetProperty(string, any) }:
		x.SetProperty(name, v)
	}
	// Anything else has no setter: Velocity logs and carries on.
	return nil
}

// ---- index access: $a[0], $m["k"] ----

func (r *renderer) getIndex(v, idx any) (any, error) {
	if v == nil || idx == nil {
		return nil, nil
	}
	if items, ok := listItems(v); ok {
		i, ok := intArg(idx)
		if !ok {
			return nil, nil
		}
		if i < 0 {
			i += len(items)
		}
		if i < 0 || i >= len(items) {
			return nil, javaException("index %v out of bounds for length %d", idx, len(items))
		}
		return items[i], nil
	}
	if isMapLike(v) {
		k, err := r.toString(idx)
		if err != nil {
			return nil, err
		}
		val, _, _ := mapGet(v, k)
		return val, nil
	}
	if o, ok := v.(Object); ok {
		res, _, err := o.Method("get", []any{idx})
		return normalize(res), err
	}
	return nil, nil
}

func (r *renderer) setIndex(obj, idx, v any) error {
	switch x := obj.(type) {
	case *List:
		i, ok := intArg(idx)
		if !ok {
			return nil
		}
		if i < 0 {
			i += len(x.items)
		}
		if i < 0 || i >= len(x.items) {
			return javaException("index %v out of bounds for length %d", idx, len(x.items))
		}
		x.items[i] = v
		return nil
	}
	if isMapLike(obj) {
		k, err := r.toString(idx)
		if err != nil {
			return err
		}
		return r.setProp(obj, k, v)
	}
	return nil
}

// ---- methods ----

func (r *renderer) callMethod(recv any, name string, args []any) (any, error) {
	switch x := recv.(type) {
	case *Input:
		return r.inputMethod(x, name, args)
	case Util:
		return r.utilMethod(name, args)
	case Object:
		res, ok, err := x.Method(name, args)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, errNoMethod
		}
		return normalize(res), nil
	case *foreachScope:
		if len(args) == 0 {
			switch name {
			case "getIndex", "index":
				return foreachProp(x, "index"), nil
			case "getCount", "count":
				return foreachProp(x, "count"), nil
			case "hasNext":
				return x.hasNext, nil
			case "isFirst":
				return foreachProp(x, "first"), nil
			case "isLast":
				return foreachProp(x, "last"), nil
			case "getParent":
				return foreachProp(x, "parent"), nil
			case "getTopmost":
				return foreachProp(x, "topmost"), nil
			}
		}
		return nil, errNoMethod
	case string:
		return r.stringMethod(x, name, args)
	case int64, float64, *big.Int:
		return r.numberMethod(x, name, args)
	case bool:
		switch {
		case name == "toString" && len(args) == 0:
			return strconv.FormatBool(x), nil
		case name == "booleanValue" && len(args) == 0:
			return x, nil
		case name == "equals" && len(args) == 1:
			return javaEquals(x, args[0]), nil
		}
		return nil, errNoMethod
	case entry:
		switch {
		case name == "getKey" && len(args) == 0:
			return x.key, nil
		case name == "getValue" && len(args) == 0:
			return x.val, nil
		case name == "toString" && len(args) == 0:
			return r.toString(x)
		}
		return nil, errNoMethod
	}
	if isMapLike(recv) {
		return r.mapMethod(recv, name, args)
	}
	if isListLike(recv) {
		return r.listMethod(recv, name, args)
	}
	if name == "toString" && len(args) == 0 {
		return r.toString(recv)
	}
	return nil, errNoMethod
}

func (r *renderer) commonMethod(recv any, name string, args []any) (any, error) {
	switch {
	case name == "toString" && len(args) == 0:
		return r.toString(recv)
	case name == "equals" && len(args) == 1:
		return javaEquals(recv, args[0]), nil
	}
	return nil, errNoMethod
}

func (r *renderer) numberMethod(n any, name string, args []any) (any, error) {
	if len(args) == 0 {
		switch name {
		case "intValue":
			switch x := n.(type) {
			case int64:
				return int64(int32(x)), nil
			case float64:
				return int64(javaD2I(x)), nil
			}
			return int64(int32(toBig(n).Int64())), nil
		case "longValue":
			switch x := n.(type) {
			case int64:
				return x, nil
			case float64:
				return javaD2L(x), nil
			}
			return toBig(n).Int64(), nil
		case "doubleValue", "floatValue":
			return toFloat(n), nil
		case "isNaN":
			f, ok := n.(float64)
			return ok && math.IsNaN(f), nil
		}
	}
	if name == "compareTo" && len(args) == 1 && isNumber(args[0]) {
		return int64(numCompare(n, args[0])), nil
	}
	return r.commonMethod(n, name, args)
}

func javaD2I(f float64) int32 {
	switch {
	case math.IsNaN(f):
		return 0
	case f >= math.MaxInt32:
		return math.MaxInt32
	case f <= math.MinInt32:
		return math.MinInt32
	}
	return int32(f)
}

func javaD2L(f float64) int64 {
	switch {
	case math.IsNaN(f):
		return 0
	case f >= math.MaxInt64:
		return math.MaxInt64
	case f <= math.MinInt64:
		return math.MinInt64
	}
	return int64(f)
}

// ---- java.lang.String ----

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// jstr gives UTF-16 indexed access to a string, as Java strings are
// indexed; ASCII strings are indexed directly.
type jstr struct {
	s   string
	u16 []uint16 // nil when s is ASCII
}

func newJstr(s string) jstr {
	if isASCII(s) {
		return jstr{s: s}
	}
	return jstr{s: s, u16: utf16.Encode([]rune(s))}
}

func (j jstr) len() int {
	if j.u16 == nil {
		return len(j.s)
	}
	return len(j.u16)
}

func (j jstr) sub(b, e int) string {
	if j.u16 == nil {
		return j.s[b:e]
	}
	return string(utf16.Decode(j.u16[b:e]))
}

// index converts a byte offset in s to a UTF-16 index.
func (j jstr) index(byteOff int) int {
	if j.u16 == nil || byteOff < 0 {
		return byteOff
	}
	n := 0
	for _, r := range j.s[:byteOff] {
		if r >= 0x10000 {
			n += 2
		} else {
			n++
		}
	}
	return n
}

// byteOff converts a UTF-16 index to a byte offset (clamped).
func (j jstr) byteOff(idx int) int {
	if j.u16 == nil {
		return idx
	}
	return len(j.sub(0, idx))
}

func strArgs(args []any) ([]string, bool) {
	out := make([]string, len(args))
	for i, a := range args {
		s, ok := a.(string)
		if !ok {
			return nil, false
		}
		out[i] = s
	}
	return out, true
}

func (r *renderer) stringMethod(s string, name string, args []any) (any, error) {
	switch len(args) {
	case 0:
		switch name {
		case "length", "size":
			return int64(newJstr(s).len()), nil
		case "isEmpty":
			return len(s) == 0, nil
		case "isBlank":
			return strings.TrimSpace(s) == "", nil
		case "toLowerCase":
			return strings.ToLower(s), nil
		case "toUpperCase":
			return strings.ToUpper(s), nil
		case "trim":
			return strings.TrimFunc(s, func(r rune) bool { return r <= ' ' }), nil
		case "strip":
			return strings.TrimSpace(s), nil
		case "toString", "intern":
			return s, nil
		case "hashCode":
			var h int32
			for _, u := range utf16.Encode([]rune(s)) {
				h = 31*h + int32(u)
			}
			return int64(h), nil
		case "toCharArray", "chars":
			return nil, errNoMethod
		}
	case 1:
		switch name {
		case "equals":
			return javaEquals(s, args[0]), nil
		case "charAt":
			i, ok := intArg(args[0])
			if !ok {
				return nil, errNoMethod
			}
			j := newJstr(s)
			if i < 0 || i >= j.len() {
				return nil, javaException("String index out of range: %d", i)
			}
			if j.u16 == nil {
				return s[i : i+1], nil
			}
			return string(utf16.Decode(j.u16[i : i+1])), nil
		case "substring":
			i, ok := intArg(args[0])
			if !ok {
				return nil, errNoMethod
			}
			j := newJstr(s)
			if i < 0 || i > j.len() {
				return nil, javaException("begin %d, end %d, length %d", i, j.len(), j.len())
			}
			return j.sub(i, j.len()), nil
		case "repeat":
			n, ok := intArg(args[0])
			if !ok {
				return nil, errNoMethod
			}
			if n < 0 {
				return nil, javaException("count is negative: %d", n)
			}
			if err := r.checkLen(len(s) * n); err != nil {
				return nil, err
			}
			return strings.Repeat(s, n), nil
		}
	case 2:
		switch name {
		case "substring":
			b, ok1 := intArg(args[0])
			e, ok2 := intArg(args[1])
			if !ok1 || !ok2 {
				return nil, errNoMethod
			}
			j := newJstr(s)
			if b < 0 || e > j.len() || b > e {
				return nil, javaException("begin %d, end %d, length %d", b, e, j.len())
			}
			return j.sub(b, e), nil
		case "indexOf", "lastIndexOf", "startsWith":
			sub, ok1 := args[0].(string)
			from, ok2 := intArg(args[1])
			if !ok1 || !ok2 {
				return nil, errNoMethod
			}
			return stringIndexFrom(s, name, sub, from), nil
		case "split":
			re, ok1 := args[0].(string)
			limit, ok2 := intArg(args[1])
			if !ok1 || !ok2 {
				return nil, errNoMethod
			}
			return javaSplit(s, re, limit)
		}
	}
	sa, ok := strArgs(args)
	if !ok {
		return r.commonMethod(s, name, args)
	}
	switch {
	case len(sa) == 1:
		a := sa[0]
		switch name {
		case "contains":
			return strings.Contains(s, a), nil
		case "startsWith":
			return strings.HasPrefix(s, a), nil
		case "endsWith":
			return strings.HasSuffix(s, a), nil
		case "indexOf":
			return int64(newJstr(s).index(strings.Index(s, a))), nil
		case "lastIndexOf":
			return int64(newJstr(s).index(strings.LastIndex(s, a))), nil
		case "equalsIgnoreCase":
			return strings.EqualFold(s, a), nil
		case "concat":
			if err := r.checkLen(len(s) + len(a)); err != nil {
				return nil, err
			}
			return s + a, nil
		case "compareTo":
			return int64(javaCompare(s, a)), nil
		case "compareToIgnoreCase":
			return int64(javaCompare(strings.ToLower(strings.ToUpper(s)), strings.ToLower(strings.ToUpper(a)))), nil
		case "matches":
			re, err := compileJavaRegex(a, true)
			if err != nil {
				return nil, err
			}
			return re.MatchString(s), nil
		case "split":
			return javaSplit(s, a, 0)
		}
	case len(sa) == 2:
		a, b := sa[0], sa[1]
		switch name {
		case "replace":
			if a == "" {
				// Java inserts the replacement around every char.
				res := b + strings.Join(strings.Split(s, ""), b) + b
				if s == "" {
					res = b
				}
				if err := r.checkLen(len(res)); err != nil {
					return nil, err
				}
				return res, nil
			}
			if n := strings.Count(s, a); n > 0 {
				if err := r.checkLen(len(s) + n*(len(b)-len(a))); err != nil {
					return nil, err
				}
			}
			return strings.ReplaceAll(s, a, b), nil
		case "replaceAll", "replaceFirst":
			re, err := compileJavaRegex(a, false)
			if err != nil {
				return nil, err
			}
			repl, err := javaReplacement(b)
			if err != nil {
				return nil, err
			}
			n := -1
			if name == "replaceFirst" {
				n = 1
			}
			return replaceLimited(re, s, repl, n, r.maxOut)
		}
	}
	return r.commonMethod(s, name, args)
}

func stringIndexFrom(s, name, sub string, from int) any {
	j := newJstr(s)
	n := j.len()
	switch name {
	case "startsWith":
		if from < 0 || from > n {
			return false
		}
		return strings.HasPrefix(s[j.byteOff(from):], sub)
	case "indexOf":
		if from < 0 {
			from = 0
		}
		if from > n {
			return int64(-1)
		}
		off := j.byteOff(from)
		i := strings.Index(s[off:], sub)
		if i < 0 {
			return int64(-1)
		}
		return int64(j.index(off + i))
	default: // lastIndexOf
		if from < 0 {
			return int64(-1)
		}
		subLen := newJstr(sub).len()
		end := from + subLen
		if end > n {
			end = n
		}
		i := strings.LastIndex(s[:j.byteOff(end)], sub)
		if i < 0 {
			return int64(-1)
		}
		return int64(j.index(i))
	}
}

// javaCompare is String.compareTo: UTF-16 code unit order.
func javaCompare(a, b string) int {
	if isASCII(a) && isASCII(b) {
		return compareLex([]byte(a), []byte(b))
	}
	ua, ub := utf16.Encode([]rune(a)), utf16.Encode([]rune(b))
	for i := 0; i < len(ua) && i < len(ub); i++ {
		if ua[i] != ub[i] {
			return int(ua[i]) - int(ub[i])
		}
	}
	return len(ua) - len(ub)
}

func compareLex(a, b []byte) int {
	for i := 0; i < len(a) && i < len(b); i++ {
		if a[i] != b[i] {
			return int(a[i]) - int(b[i])
		}
	}
	return len(a) - len(b)
}

// ---- java.util.List ----

func (r *renderer) listMethod(recv any, name string, args []any) (any, error) {
	items, _ := listItems(recv)
	l, mutable := recv.(*List)
	switch len(args) {
	case 0:
		switch name {
		case "size", "count":
			return int64(len(items)), nil
		case "isEmpty":
			return len(items) == 0, nil
		case "clear":
			if mutable {
				l.items = l.items[:0]
				return voidResult, nil
			}
		case "toString":
			return r.toString(recv)
		case "hashCode":
			return nil, errNoMethod
		}
	case 1:
		a := args[0]
		switch name {
		case "get":
			i, ok := intArg(a)
			if !ok {
				return nil, errNoMethod
			}
			if i < 0 || i >= len(items) {
				return nil, javaException("Index %d out of bounds for length %d", i, len(items))
			}
			return items[i], nil
		case "contains":
			return listIndex(items, a) >= 0, nil
		case "indexOf":
			return int64(listIndex(items, a)), nil
		case "lastIndexOf":
			for i := len(items) - 1; i >= 0; i-- {
				if javaEquals(items[i], a) {
					return int64(i), nil
				}
			}
			return int64(-1), nil
		case "add":
			if mutable {
				l.items = append(l.items, a)
				return true, nil
			}
		case "addAll":
			if other, ok := listItems(a); ok && mutable {
				l.items = append(l.items, other...)
				return len(other) > 0, nil
			}
		case "remove":
			if !mutable {
				break
			}
			if i, ok := intArg(a); ok {
				if i < 0 || i >= len(l.items) {
					return nil, javaException("Index %d out of bounds for length %d", i, len(l.items))
				}
				old := l.items[i]
				l.items = append(l.items[:i], l.items[i+1:]...)
				return old, nil
			}
			if i := listIndex(l.items, a); i >= 0 {
				l.items = append(l.items[:i], l.items[i+1:]...)
				return true, nil
			}
			return false, nil
		case "containsAll":
			if other, ok := listItems(a); ok {
				for _, o := range other {
					if listIndex(items, o) < 0 {
						return false, nil
					}
				}
				return true, nil
			}
		case "equals":
			return javaEquals(recv, a), nil
		}
	case 2:
		switch name {
		case "add":
			i, ok := intArg(args[0])
			if !ok || !mutable {
				break
			}
			if i < 0 || i > len(l.items) {
				return nil, javaException("Index: %d, Size: %d", i, len(l.items))
			}
			l.items = append(l.items, nil)
			copy(l.items[i+1:], l.items[i:])
			l.items[i] = args[1]
			return voidResult, nil
		case "set":
			i, ok := intArg(args[0])
			if !ok || !mutable {
				break
			}
			if i < 0 || i >= len(l.items) {
				return nil, javaException("Index %d out of bounds for length %d", i, len(l.items))
			}
			old := l.items[i]
			l.items[i] = args[1]
			return old, nil
		case "subList":
			b, ok1 := intArg(args[0])
			e, ok2 := intArg(args[1])
			if !ok1 || !ok2 {
				break
			}
			if b < 0 || e > len(items) || b > e {
				return nil, javaException("subList(%d, %d) out of bounds for length %d", b, e, len(items))
			}
			json := mutable && l.json
			return &List{items: append([]any(nil), items[b:e]...), json: json}, nil
		}
	}
	return nil, errNoMethod
}

func listIndex(items []any, v any) int {
	for i, it := range items {
		if javaEquals(it, v) {
			return i
		}
	}
	return -1
}

// ---- java.util.Map ----

func (r *renderer) mapMethod(recv any, name string, args []any) (any, error) {
	m, mutable := recv.(*Map)
	key := func(v any) (string, error) { return r.toString(v) }
	switch len(args) {
	case 0:
		switch name {
		case "size":
			keys, _ := mapKeys(recv)
			return int64(len(keys)), nil
		case "isEmpty":
			keys, _ := mapKeys(recv)
			return len(keys) == 0, nil
		case "keySet":
			keys, _ := mapKeys(recv)
			out := make([]any, len(keys))
			for i, k := range keys {
				out[i] = k
			}
			return &List{items: out}, nil
		case "values":
			keys, _ := mapKeys(recv)
			out := make([]any, len(keys))
			for i, k := range keys {
				out[i], _, _ = mapGet(recv, k)
			}
			return &List{items: out}, nil
		case "entrySet":
			keys, _ := mapKeys(recv)
			out := make([]any, len(keys))
			for i, k := range keys {
				v, _, _ := mapGet(recv, k)
				out[i] = entry{key: k, val: v}
			}
			return &List{items: out}, nil
		case "clear":
			switch x := recv.(type) {
			case *Map:
				x.ents, x.idx = nil, nil
				return voidResult, nil
			case map[string]any:
				clear(x)
				return voidResult, nil
			}
		case "toString":
			return r.toString(recv)
		}
	case 1:
		switch name {
		case "get":
			if args[0] == nil {
				return nil, nil
			}
			k, err := key(args[0])
			if err != nil {
				return nil, err
			}
			v, _, _ := mapGet(recv, k)
			return v, nil
		case "containsKey":
			if args[0] == nil {
				return false, nil
			}
			k, err := key(args[0])
			if err != nil {
				return nil, err
			}
			_, found, _ := mapGet(recv, k)
			return found, nil
		case "containsValue":
			keys, _ := mapKeys(recv)
			for _, k := range keys {
				v, _, _ := mapGet(recv, k)
				if javaEquals(v, args[0]) {
					return true, nil
				}
			}
			return false, nil
		case "remove":
			if args[0] == nil {
				return nil, nil
			}
			k, err := key(args[0])
			if err != nil {
				return nil, err
			}
			switch x := recv.(type) {
			case *Map:
				v, _ := x.Remove(k)
				return v, nil
			case map[string]any:
				v := x[k]
				delete(x, k)
				return normalize(v), nil
			}
		case "putAll":
			if !isMapLike(args[0]) {
				break
			}
			keys, _ := mapKeys(args[0])
			for _, k := range keys {
				v, _, _ := mapGet(args[0], k)
				if err := r.setProp(recv, k, v); err != nil {
					return nil, err
				}
			}
			return voidResult, nil
		case "equals":
			return javaEquals(recv, args[0]), nil
		}
	case 2:
		if args[0] == nil {
			break
		}
		k, err := key(args[0])
		if err != nil {
			return nil, err
		}
		switch name {
		case "put":
			if mutable {
				return m.Put(k, args[1]), nil
			}
			if x, ok := recv.(map[string]any); ok {
				prev := x[k]
				x[k] = args[1]
				return normalize(prev), nil
			}
		case "getOrDefault":
			if v, found, _ := mapGet(recv, k); found {
				return v, nil
			}
			return args[1], nil
		case "putIfAbsent":
			if v, found, _ := mapGet(recv, k); found && v != nil {
				return v, nil
			}
			return nil, r.setProp(recv, k, args[1])
		}
	}
	return nil, errNoMethod
}
