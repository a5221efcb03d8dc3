package wire_test

import (
	"bytes"
	"encoding/json"
	"math"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stagecraft/stagecraft/internal/wire"
)

// sameJSON fails unless got (and gotErr) are what json.Marshal answers for v.
func sameJSON(t *testing.T, what string, v any, got []byte, gotErr error) {
	t.Helper()
	want, wantErr := json.Marshal(v)
	switch {
	case wantErr != nil || gotErr != nil:
		if wantErr == nil || gotErr == nil || wantErr.Error() != gotErr.Error() {
			t.Fatalf("%s: %#v: error %v, json.Marshal's %v", what, v, gotErr, wantErr)
		}
	case !bytes.Equal(got, want):
		t.Fatalf("%s: %#v:\n got %s\nwant %s", what, v, got, want)
	}
}

// encode runs one appender the way generated code does, through the
// recovery of wire.AppendJSON, after a prefix that must stay intact.
func encode(f func([]byte) []byte) ([]byte, error) {
	prefix := []byte("prefix")
	b, err := wire.AppendJSON(prefix, appenderFunc(f))
	if !bytes.HasPrefix(b, prefix) {
		panic("prefix lost")
	}
	return b[len(prefix):], err
}

type appenderFunc func([]byte) []byte

func (f appenderFunc) AppendJSON(b []byte) []byte { return f(b) }

var trickyStrings = []string{
	"", "plain", `"quoted"`, `back\slash`, "<script>&amp;</script>", "\x00\x01\x1f\x7f",
	"\b\f\n\r\t", "\u2028\u2029", "é漢字🎉", "\xff", "a\xc3", "\xed\xa0\x80", "\xf4\x90\x80\x80",
	"\xe2\x80", "\xe2\x80\xa8x", "mixed \"<\u2028>\" \xfe\xfe é", strings.Repeat("ab<", 100),
	"\U0010ffff", "\ufffd", "\x80\x80\x80",
}

func TestAppendString(t *testing.T) {
	check := func(s string) {
		got, err := encode(func(b []byte) []byte { return wire.AppendString(b, s) })
		sameJSON(t, "AppendString", s, got, err)
	}
	for _, s := range trickyStrings {
		check(s)
	}
	// Every byte value in every position of a short string.
	for c := 0; c < 256; c++ {
		check(string([]byte{byte(c)}))
		check("a" + string([]byte{byte(c)}) + "b")
		check(string([]byte{0xe2, 0x80, byte(c)}))
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 20000 {
		check(randString(rng))
	}
}

func FuzzAppendString(f *testing.F) {
	for _, s := range trickyStrings {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := encode(func(b []byte) []byte { return wire.AppendString(b, s) })
		sameJSON(t, "AppendString", s, got, err)
	})
}

// randString draws from bytes and runes that each need different handling.
func randString(rng *rand.Rand) string {
	pieces := []string{"a", "Z", "0", " ", `"`, `\`, "<", ">", "&", "\n", "\t", "\x00", "\x1f", "\x7f",
		"é", "漢", "🎉", "\u2028", "\u2029", "\xff", "\xc3", "\xe2\x80", "\ufffd", "/"}
	var sb strings.Builder
	for n := rng.IntN(12); n > 0; n-- {
		if rng.IntN(4) == 0 {
			sb.WriteByte(byte(rng.IntN(256)))
		} else {
			sb.WriteString(pieces[rng.IntN(len(pieces))])
		}
	}
	return sb.String()
}

var trickyFloats = []float64{
	0, math.Copysign(0, -1), 1, -1, 0.1, 1.5, 1e-6, 9.999999e-7, 1e-7, 1e20, 1e21, 9.99999999999999e20,
	1e21 - 65536, 123456789012345678, 1e100, 1e-100, math.MaxFloat64, -math.MaxFloat64,
	math.SmallestNonzeroFloat64, math.MaxFloat32, math.SmallestNonzeroFloat32, 1e-9, 1.0000001e-6,
	float64(math.MaxInt64), float64(math.MinInt64), 5e-324, 2.5e-8, 3.4e38,
	math.NaN(), math.Inf(1), math.Inf(-1),
}

func TestAppendFloat(t *testing.T) {
	check := func(f float64) {
		got, err := encode(func(b []byte) []byte { return wire.AppendFloat64(b, f) })
		sameJSON(t, "AppendFloat64", f, got, err)
		f32 := float32(f)
		got, err = encode(func(b []byte) []byte { return wire.AppendFloat32(b, f32) })
		sameJSON(t, "AppendFloat32", f32, got, err)
	}
	for _, f := range trickyFloats {
		check(f)
		check(-f)
		check(math.Nextafter(f, 0))
		check(math.Nextafter(f, math.Inf(1)))
		f32 := float32(f)
		check(float64(math.Nextafter32(f32, 0)))
		check(float64(math.Nextafter32(f32, float32(math.Inf(1)))))
	}
	rng := rand.New(rand.NewPCG(3, 4))
	for range 50000 {
		check(math.Float64frombits(rng.Uint64()))
		check(float64(math.Float32frombits(rng.Uint32())))
		check(rng.NormFloat64() * math.Pow(10, float64(rng.IntN(60)-30)))
	}
}

func TestAppendBytes(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, p := range [][]byte{nil, {}, {0}, {0xff, 0xfe}, []byte("abc"), []byte("abcd")} {
		got, err := encode(func(b []byte) []byte { return wire.AppendBytes(b, p) })
		sameJSON(t, "AppendBytes", p, got, err)
	}
	for range 2000 {
		p := make([]byte, rng.IntN(40))
		for i := range p {
			p[i] = byte(rng.IntN(256))
		}
		got, err := encode(func(b []byte) []byte { return wire.AppendBytes(b, p) })
		sameJSON(t, "AppendBytes", p, got, err)
	}
}

// The time types' MarshalJSON now calls AppendJSON, so they are checked
// against the encodings they had before (and json.Marshal, for compaction).
func TestTimeAppendJSON(t *testing.T) {
	times := []time.Time{{}, time.Unix(0, 0), time.Unix(-1, 0), time.Unix(0, 1e6), time.Unix(-1, 5e8),
		time.Unix(1700000000, 123456789), time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC),
		time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(-5, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(2024, 2, 29, 12, 0, 0, 0, time.FixedZone("x", -7*3600)), time.Unix(1<<40, 999e6)}
	rng := rand.New(rand.NewPCG(7, 8))
	for range 5000 {
		times = append(times, time.Unix(rng.Int64N(1<<42)-1<<41, rng.Int64N(1e9)))
	}
	for _, tm := range times {
		ms := tm.UnixMilli()
		epoch := strconv.FormatInt(ms/1000, 10)
		if ms%1000 != 0 {
			epoch = strconv.FormatFloat(float64(ms)/1000, 'f', -1, 64)
		}
		for _, c := range []struct {
			v    any
			a    wire.JSONAppender
			want string
		}{
			{wire.EpochTime{Time: tm}, wire.EpochTime{Time: tm}, epoch},
			{wire.ISOTime{Time: tm}, wire.ISOTime{Time: tm}, strconv.Quote(wire.ISOTime{Time: tm}.String())},
			{wire.HTTPDate{Time: tm}, wire.HTTPDate{Time: tm}, strconv.Quote(tm.UTC().Format(http.TimeFormat))},
		} {
			got := c.a.AppendJSON([]byte("x"))
			if string(got) != "x"+c.want {
				t.Fatalf("%T %v: got %s, want %s", c.v, tm, got[1:], c.want)
			}
			sameJSON(t, "time", c.v, got[1:], nil)
		}
	}
}

func randDocument(rng *rand.Rand, depth int) any {
	n := 9
	if depth > 3 {
		n = 5
	}
	switch rng.IntN(n) {
	case 0:
		return nil
	case 1:
		return rng.IntN(2) == 0
	case 2:
		return randString(rng)
	case 3:
		return trickyFloats[rng.IntN(len(trickyFloats)-3)] * float64(rng.IntN(3)-1)
	case 4:
		return []any(nil)
	case 5:
		l := make([]any, rng.IntN(4))
		for i := range l {
			l[i] = randDocument(rng, depth+1)
		}
		return l
	case 6:
		m := map[string]any{}
		for range rng.IntN(6) {
			m[randString(rng)] = randDocument(rng, depth+1)
		}
		return m
	case 7:
		// Not what decoding produces: json.Marshal's way.
		return []any{json.Number("12.5"), int32(-7), map[string]int{"b": 1, "a": 2}, wire.EpochTime{Time: time.Unix(5, 0)}}
	default:
		return map[string]any(nil)
	}
}

func TestAppendAny(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	check := func(v any) {
		got, err := encode(func(b []byte) []byte { return wire.AppendAny(b, v) })
		sameJSON(t, "AppendAny", v, got, err)
	}
	for range 20000 {
		check(randDocument(rng, 0))
	}
	// What json.Marshal refuses is refused alike.
	for _, v := range []any{math.NaN(), []any{1.0, math.Inf(-1)}, map[string]any{"f": func() {}}, make(chan int), json.Number("x1")} {
		check(v)
	}
	// Deeper than AppendAny recurses, and a cycle json.Marshal detects.
	deep := any("leaf")
	for range 200 {
		deep = map[string]any{"k": []any{deep}}
	}
	check(deep)
	cyc := map[string]any{}
	cyc["self"] = cyc
	check(cyc)
}

func TestMarshalFallsBack(t *testing.T) {
	for _, v := range []any{struct{}{}, map[string]int{"b": 1, "a": 2}, nil, &wire.Error{Code: "X", Message: "<m>"}} {
		got, err := wire.Marshal(v)
		sameJSON(t, "Marshal", v, got, err)
	}
	// An appender's refusal comes back as json.Marshal's error, and the
	// buffer as it was.
	b, err := wire.AppendJSON([]byte("keep"), appenderFunc(func(b []byte) []byte {
		b = append(b, "partial"...)
		return wire.AppendFloat64(b, math.NaN())
	}))
	if string(b) != "keep" || err == nil || err.Error() != "json: unsupported value: NaN" {
		t.Fatalf("got %q, %v", b, err)
	}
	// Other panics are not swallowed.
	defer func() {
		if recover() == nil {
			t.Fatal("a foreign panic was swallowed")
		}
	}()
	wire.AppendJSON(nil, appenderFunc(func([]byte) []byte { panic("boom") }))
}

func TestErrorAppendJSON(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	for _, e := range []*wire.Error{nil, {}, {Code: "C", Status: 400, Message: "<&>\u2028"}} {
		got, err := wire.Marshal(e)
		sameJSON(t, "Error", e, got, err)
	}
	for range 2000 {
		e := &wire.Error{Code: randString(rng), Message: randString(rng)}
		got, err := wire.Marshal(e)
		sameJSON(t, "Error", e, got, err)
	}
}

// jsonValue is a JSONAppender that json.Marshal encodes the same way.
type jsonValue struct {
	F float64 `json:"f"`
}

func (v *jsonValue) AppendJSON(b []byte) []byte {
	b = append(b, `{"f":`...)
	b = wire.AppendFloat64(b, v.F)
	return append(b, '}')
}

func TestWriteJSON(t *testing.T) {
	write := func(v any) (*httptest.ResponseRecorder, error) {
		w := httptest.NewRecorder()
		r := &wire.Request{HTTP: httptest.NewRequest("GET", "/", nil), W: w}
		return w, r.WriteJSON(201, v)
	}
	// Large values (past what the buffer pool keeps) and small ones in
	// turn: each answer is whole, with its length.
	for i := range 40 {
		var v any = &jsonValue{F: float64(i)}
		if i%3 == 0 {
			v = map[string]string{"big": strings.Repeat("x", 100<<10+i)}
		}
		want, _ := json.Marshal(v)
		w, err := write(v)
		if err != nil || w.Code != 201 || !bytes.Equal(w.Body.Bytes(), want) ||
			w.Header().Get("Content-Length") != strconv.Itoa(len(want)) || w.Header().Get("Content-Type") != "application/json" {
			t.Fatalf("%d: %v %d %q %.40q", i, err, w.Code, w.Header(), w.Body.Bytes())
		}
	}
	// What json.Marshal refuses is an error, and nothing is written.
	w, err := write(&jsonValue{F: math.Inf(1)})
	if err == nil || err.Error() != "json: unsupported value: +Inf" || w.Body.Len() != 0 || w.Header().Get("Content-Length") != "" {
		t.Fatalf("Inf: %v %q %q", err, w.Header(), w.Body.Bytes())
	}
	w = httptest.NewRecorder()
	r := &wire.Request{HTTP: httptest.NewRequest("GET", "/", nil), W: w}
	if err := r.WriteEmptyObject(200); err != nil || w.Body.String() != "{}" || w.Header().Get("Content-Length") != "2" {
		t.Fatalf("WriteEmptyObject: %v %q %q", err, w.Header(), w.Body.String())
	}
}

// A struct embedding a JSONAppender has its AppendJSON promoted; Marshal
// and AppendJSON must not use it, or the outer struct's own fields are lost
// (store records are such structs).
func TestMarshalEmbeddingStruct(t *testing.T) {
	type record struct {
		jsonValue
		Domain string `json:"domain"`
	}
	r := &record{jsonValue: jsonValue{F: 1.5}, Domain: "example.com"}
	want, _ := json.Marshal(r)
	got, err := wire.Marshal(r)
	if err != nil || string(got) != string(want) || !strings.Contains(string(got), `"domain":"example.com"`) {
		t.Fatalf("Marshal = %s, %v; want %s", got, err, want)
	}
	got, err = wire.AppendJSON([]byte("x"), r)
	if err != nil || string(got) != "x"+string(want) {
		t.Fatalf("AppendJSON = %s, %v; want x%s", got, err, want)
	}
	// The embedded value alone still uses its own encoder.
	if got, err := wire.Marshal(&r.jsonValue); err != nil || string(got) != `{"f":1.5}` {
		t.Fatalf("Marshal(embedded) = %s, %v", got, err)
	}
}
