// Package wiretest checks generated wire code in the generated packages'
// own tests.
package wiretest

import (
	"bytes"
	"encoding"
	"encoding/json"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"math"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stagecraft/stagecraft/internal/wire"
)

// CheckAppendJSON checks that AppendJSON of every type in types (nil
// pointers to each generated structure, the table the generator writes
// next to src) writes what json.Marshal writes, for many random values of
// each. The table itself is checked against the struct types src declares,
// so that a type the table leaves out fails too.
//
// Values are built by reflection: every field set, every pointer nil, and
// random mixes; strings with characters encoding/json escapes, invalid
// UTF-8 and U+2028; extreme and boundary floats and integers (NaN and ±Inf
// among them, which both must refuse); nil, empty and several-key maps;
// nil and empty lists and blobs; zero and fractional times; documents.
func CheckAppendJSON(t *testing.T, src string, types []any) {
	declared := structTypes(t, src)
	listed := map[string]bool{}
	for _, p := range types {
		rt := reflect.TypeOf(p)
		if rt.Kind() != reflect.Pointer || rt.Elem().Kind() != reflect.Struct {
			t.Fatalf("%T: want a pointer to a struct", p)
		}
		listed[rt.Elem().Name()] = true
	}
	for _, n := range declared {
		if !listed[n] && n != "Unimplemented" {
			t.Errorf("%s declares %s, which the AppendJSON table leaves out", src, n)
		}
	}
	if len(listed) != len(types) || len(types) < len(declared)-1 {
		t.Fatalf("the table lists %d types (%d distinct) for %d declared", len(types), len(listed), len(declared))
	}

	iters := 300
	if testing.Short() {
		iters = 40
	}
	for _, p := range types {
		rt := reflect.TypeOf(p)
		t.Run(rt.Elem().Name(), func(t *testing.T) {
			// The comparison means nothing if json.Marshal itself ends up
			// calling AppendJSON.
			if rt.Implements(reflect.TypeFor[json.Marshaler]()) || rt.Implements(reflect.TypeFor[encoding.TextMarshaler]()) {
				t.Fatalf("%s has its own MarshalJSON/MarshalText", rt)
			}
			if _, ok := p.(wire.JSONAppender); !ok {
				t.Fatalf("%s has no AppendJSON", rt)
			}
			compare(t, p) // nil pointer: null
			seed := uint64(len(rt.Elem().Name()))
			for _, c := range rt.Elem().Name() {
				seed = seed*31 + uint64(c)
			}
			g := &gen{rng: rand.New(rand.NewPCG(seed, 42))}
			for i := range iters {
				// Not left to chance: the first value has everything set,
				// the second nothing.
				g.mode = []int{modeFull, modeEmpty, modeRandom, modeRandom}[i%4]
				v := reflect.New(rt.Elem())
				g.fill(v.Elem(), 0)
				out := compare(t, v.Interface())
				if g.mode == modeFull {
					// Every body member is set, so every one is written.
					var keys map[string]json.RawMessage
					if err := json.Unmarshal(out, &keys); err != nil || len(keys) != bodyFields(rt.Elem()) {
						t.Fatalf("with every member set, json.Marshal wrote %d members (%v), not %d: %s", len(keys), err, bodyFields(rt.Elem()), out)
					}
				}
			}
		})
	}
}

// bodyFields counts the fields of a struct that json.Marshal may write.
func bodyFields(rt reflect.Type) int {
	n := 0
	for i := range rt.NumField() {
		if f := rt.Field(i); f.IsExported() && f.Tag.Get("json") != "-" {
			n++
		}
	}
	return n
}

// compare fails unless AppendJSON of v writes what json.Marshal writes (or
// fails as it does), and returns that.
func compare(t *testing.T, v any) []byte {
	t.Helper()
	want, wantErr := json.Marshal(v)
	prefix := []byte("[prefix]")
	got, gotErr := wire.AppendJSON(slices.Clip(prefix), v)
	if !bytes.HasPrefix(got, prefix) {
		t.Fatalf("%T: AppendJSON lost what b held: %.80q", v, got)
	}
	got = got[len(prefix):]
	if wantErr != nil || gotErr != nil {
		if wantErr == nil || gotErr == nil || wantErr.Error() != gotErr.Error() {
			t.Fatalf("%T: AppendJSON error %v, json.Marshal error %v\nvalue: %s", v, gotErr, wantErr, dump(v))
		}
		return nil
	}
	if !bytes.Equal(got, want) {
		i := 0
		for i < len(got) && i < len(want) && got[i] == want[i] {
			i++
		}
		t.Fatalf("%T: AppendJSON differs from json.Marshal at byte %d:\n got %s\nwant %s", v, i, got, want)
	}
	// And again into a buffer with room to spare (no reallocation).
	b := make([]byte, 0, len(want)+64)
	if got2, _ := wire.AppendJSON(b, v); !bytes.Equal(got2, want) {
		t.Fatalf("%T: AppendJSON into a roomy buffer: %s", v, got2)
	}
	return want
}

func dump(v any) string {
	s := fmt.Sprintf("%+v", v)
	if len(s) > 2000 {
		s = s[:2000] + "…"
	}
	return s
}

// structTypes lists the struct types a Go file declares.
func structTypes(t *testing.T, src string) []string {
	f, err := parser.ParseFile(token.NewFileSet(), src, nil, parser.SkipObjectResolution)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, d := range f.Decls {
		gd, ok := d.(*ast.GenDecl)
		if !ok || gd.Tok != token.TYPE {
			continue
		}
		for _, sp := range gd.Specs {
			ts := sp.(*ast.TypeSpec)
			if _, ok := ts.Type.(*ast.StructType); ok {
				names = append(names, ts.Name.Name)
			}
		}
	}
	if len(names) == 0 {
		t.Fatalf("%s declares no struct types", src)
	}
	return names
}

const (
	modeFull   = iota // every pointer, list, map set; maps with several keys
	modeEmpty         // every pointer nil, lists and maps nil
	modeRandom        // a mix, including empty lists and maps, NaN and ±Inf now and then
)

// maxDepth bounds recursive types: deeper, pointers, lists and maps stay nil.
const maxDepth = 4

type gen struct {
	rng  *rand.Rand
	mode int
}

var (
	timeType = reflect.TypeFor[time.Time]()
	anyType  = reflect.TypeFor[any]()
)

func (g *gen) chance(n int) bool { return g.rng.IntN(n) == 0 }

func (g *gen) fill(v reflect.Value, depth int) {
	switch v.Kind() {
	case reflect.Pointer:
		if g.mode == modeEmpty || depth > maxDepth || (g.mode != modeFull && g.chance(4)) {
			return
		}
		v.Set(reflect.New(v.Type().Elem()))
		g.fill(v.Elem(), depth+1)
	case reflect.String:
		v.SetString(g.str())
	case reflect.Bool:
		v.SetBool(g.chance(2))
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		bits := v.Type().Bits()
		lo, hi := int64(-1)<<(bits-1), int64(uint64(1)<<(bits-1)-1)
		v.SetInt([]int64{0, 1, -1, lo, hi, lo + 1, hi - 1, g.rng.Int64N(hi/2+1) - hi/4, int64(g.rng.IntN(1000))}[g.rng.IntN(9)])
	case reflect.Float32, reflect.Float64:
		v.SetFloat(g.float(v.Type().Bits()))
	case reflect.Slice:
		if v.Type().Elem().Kind() == reflect.Uint8 {
			if g.mode == modeEmpty || (g.mode == modeRandom && g.chance(5)) {
				return
			}
			p := make([]byte, g.rng.IntN(20))
			for i := range p {
				p[i] = byte(g.rng.IntN(256))
			}
			v.SetBytes(p)
			return
		}
		if g.mode == modeEmpty || depth > maxDepth || (g.mode == modeRandom && g.chance(5)) {
			return
		}
		n := 1 + g.rng.IntN(3)
		if g.mode == modeRandom && g.chance(4) {
			n = 0
		}
		s := reflect.MakeSlice(v.Type(), n, n)
		for i := range n {
			g.fill(s.Index(i), depth+1)
		}
		v.Set(s)
	case reflect.Map:
		if g.mode == modeEmpty || depth > maxDepth || (g.mode == modeRandom && g.chance(5)) {
			return
		}
		n := 2 + g.rng.IntN(4)
		if g.mode == modeRandom && g.chance(4) {
			n = g.rng.IntN(2)
		}
		m := reflect.MakeMap(v.Type())
		for try := 0; m.Len() < n && try < 4*n; try++ {
			e := reflect.New(v.Type().Elem()).Elem()
			g.fill(e, depth+1)
			m.SetMapIndex(reflect.ValueOf(g.str()).Convert(v.Type().Key()), e)
		}
		v.Set(m)
	case reflect.Interface:
		if v.Type() != anyType {
			panic("interface type " + v.Type().String())
		}
		if g.mode == modeEmpty || (g.mode == modeRandom && g.chance(5)) {
			return
		}
		if d := g.document(depth); d != nil {
			v.Set(reflect.ValueOf(d))
		}
	case reflect.Struct:
		if v.NumField() == 1 && v.Type().Field(0).Anonymous && v.Field(0).Type() == timeType {
			v.Field(0).Set(reflect.ValueOf(g.time()))
			return
		}
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				g.fill(v.Field(i), depth)
			}
		}
	default:
		panic("no random values of kind " + v.Kind().String())
	}
}

var pieces = []string{"a", "Z", "0", " ", `"`, `\`, "/", "<", ">", "&", "\n", "\r", "\t", "\b", "\f",
	"\x00", "\x1f", "\x7f", "é", "漢", "🎉", "\u2028", "\u2029", "\ufffd", "\xff", "\xc3", "\xe2\x80", "\xed\xa0\x80", "key", "Key"}

func (g *gen) str() string {
	if g.chance(8) {
		return ""
	}
	var sb strings.Builder
	for n := 1 + g.rng.IntN(8); n > 0; n-- {
		sb.WriteString(pieces[g.rng.IntN(len(pieces))])
	}
	return sb.String()
}

var floats = []float64{0, 1, 0.1, 1.5, 1e-6, 9.999999e-7, 1e-7, 1e20, 1e21, 9.99999999999999e20, 123456789012345678,
	1e100, 1e-300, 5e-324, math.MaxFloat64, math.MaxFloat32, math.SmallestNonzeroFloat32, 3.4028234e38, 1.0000001e-6, 2.5e-8, 1e15 + 0.3}

func (g *gen) float(bits int) float64 {
	if g.mode == modeRandom && g.chance(60) {
		return []float64{math.NaN(), math.Inf(1), math.Inf(-1)}[g.rng.IntN(3)]
	}
	var f float64
	switch g.rng.IntN(3) {
	case 0:
		f = floats[g.rng.IntN(len(floats))]
	case 1:
		f = g.rng.NormFloat64() * math.Pow(10, float64(g.rng.IntN(50)-25))
	default:
		if bits == 32 {
			f = float64(math.Float32frombits(g.rng.Uint32()))
		} else {
			f = math.Float64frombits(g.rng.Uint64())
		}
		if math.IsNaN(f) || math.IsInf(f, 0) {
			f = 0.5
		}
	}
	if bits == 32 {
		if math.Abs(f) > math.MaxFloat32 {
			f = math.MaxFloat32
		}
		f = float64(float32(f))
	}
	if g.chance(2) {
		f = -f
	}
	return f
}

func (g *gen) time() time.Time {
	if g.mode == modeEmpty {
		return time.Time{}
	}
	switch g.rng.IntN(6) {
	case 0:
		if g.mode == modeFull {
			return time.Unix(1, 0)
		}
		return time.Time{} // zero: left out as a member, -62135596800 in a list
	case 1:
		return time.Unix(g.rng.Int64N(4e9), 0).UTC()
	case 2:
		return time.UnixMilli(g.rng.Int64N(4e12) - 1e12)
	case 3:
		return time.Unix(g.rng.Int64N(1<<40)-1<<39, g.rng.Int64N(1e9)).In(time.FixedZone("z", 3600*(g.rng.IntN(25)-12)))
	case 4:
		return time.Date(g.rng.IntN(12000)-1000, time.Month(1+g.rng.IntN(12)), 1+g.rng.IntN(28), g.rng.IntN(24), 0, 0, g.rng.IntN(1e9), time.UTC)
	}
	return time.Time{}.Add(time.Duration(g.rng.Int64N(1e6)))
}

// document is a random value for a member of type any: what JSON decoding
// produces, mostly.
func (g *gen) document(depth int) any {
	n := 7
	if depth > maxDepth {
		n = 4
	}
	switch g.rng.IntN(n) {
	case 0:
		return g.str()
	case 1:
		return g.float(64)
	case 2:
		return g.chance(2)
	case 3:
		return nil
	case 4:
		l := make([]any, g.rng.IntN(4))
		for i := range l {
			l[i] = g.document(depth + 1)
		}
		return l
	case 5:
		m := map[string]any{}
		for range g.rng.IntN(5) {
			m[g.str()] = g.document(depth + 1)
		}
		return m
	}
	return []any{int64(-3), map[string]int{"b": 1, "a": 2}, json.Number("1e3")}
}
