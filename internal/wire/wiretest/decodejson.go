package wiretest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"

	"github.com/stagecraft/stagecraft/internal/wire"
)

// CheckDecodeJSON checks that DecodeJSON of every type in types (the table
// CheckAppendJSON takes) decodes what AppendJSON writes exactly as
// json.Unmarshal does, for many random values of each, and that it does so
// itself: the fast path may decline (leaving wire.Unmarshal to fall back)
// only for values holding a document. It then feeds both malformed and odd
// variants of those encodings (unknown, case-variant and duplicate keys,
// escapes, whitespace, trailing data, wrong types, huge numbers,
// truncations, random edits) to wire.Unmarshal and json.Unmarshal, which
// must agree on the value and the error; variants the fast path must
// decline (unknown and case-variant keys) or accept (indented) are held to
// that too.
func CheckDecodeJSON(t *testing.T, src string, types []any) {
	declared := structTypes(t, src)
	if len(types) < len(declared)-1 {
		t.Fatalf("the table lists %d types for %d declared", len(types), len(declared))
	}
	iters := 300
	if testing.Short() {
		iters = 40
	}
	totalFallbacks := 0
	for _, p := range types {
		rt := reflect.TypeOf(p)
		t.Run(rt.Elem().Name(), func(t *testing.T) {
			if _, ok := p.(wire.JSONDecoder); !ok {
				t.Fatalf("%s has no DecodeJSON", rt)
			}
			seed := uint64(len(rt.Elem().Name()))
			for _, c := range rt.Elem().Name() {
				seed = seed*31 + uint64(c)
			}
			g := &gen{rng: rand.New(rand.NewPCG(seed, 7))}
			hasDoc := holdsDocument(rt.Elem(), map[reflect.Type]bool{})
			decoded, fallbacks, unreadable := 0, 0, 0
			for i := range iters {
				g.mode = []int{modeFull, modeEmpty, modeRandom, modeRandom}[i%4]
				v := reflect.New(rt.Elem())
				g.fill(v.Elem(), 0)
				b, err := wire.Marshal(v.Interface())
				if err != nil {
					continue // NaN or ±Inf: nothing to decode
				}
				fast := reflect.New(rt.Elem())
				ok := fast.Interface().(wire.JSONDecoder).DecodeJSON(b)
				slow := reflect.New(rt.Elem())
				if err := json.Unmarshal(b, slow.Interface()); err != nil {
					// What encoding/json cannot read back (a time outside
					// years 0–9999 as an ISO string): the fast path must
					// decline it, and wire.Unmarshal fail the same way.
					w := reflect.New(rt.Elem())
					if werr := wire.Unmarshal(b, w.Interface()); ok || fmt.Sprint(werr) != err.Error() || !reflect.DeepEqual(w.Interface(), slow.Interface()) {
						t.Fatalf("json.Unmarshal of what AppendJSON wrote fails (%v), DecodeJSON %v, wire.Unmarshal %v\n%s", err, ok, werr, b)
					}
					unreadable++
					continue
				}
				if !ok {
					fallbacks++
					if !hasDoc {
						t.Fatalf("DecodeJSON declined what AppendJSON wrote:\n%s", b)
					}
					if !fast.Elem().IsZero() {
						t.Fatalf("DecodeJSON declined but left v set: %s", dump(fast.Interface()))
					}
				} else {
					decoded++
					if !reflect.DeepEqual(fast.Interface(), slow.Interface()) {
						t.Fatalf("DecodeJSON differs from json.Unmarshal:\n got %s\nwant %s\ninput %s", dump(fast.Interface()), dump(slow.Interface()), b)
					}
				}
				// With every member set, every member comes back set (the
				// comparison cannot pass by both sides dropping one).
				if ok && g.mode == modeFull {
					for i := range rt.Elem().NumField() {
						f := rt.Elem().Field(i)
						// (A zero time is written as a number and read back zero.)
						if f.IsExported() && f.Tag.Get("json") != "-" && f.Type.Kind() != reflect.Struct && fast.Elem().Field(i).IsZero() {
							t.Fatalf("with every member set, DecodeJSON left %s zero:\n%s", f.Name, b)
						}
					}
				}
				// Through wire.Unmarshal into a dirty value.
				w := reflect.New(rt.Elem())
				g.fill(w.Elem(), 0)
				if err := wire.Unmarshal(b, w.Interface()); err != nil || !reflect.DeepEqual(w.Interface(), slow.Interface()) {
					t.Fatalf("wire.Unmarshal into a used value: %v\n got %s\nwant %s", err, dump(w.Interface()), dump(slow.Interface()))
				}
				if i%8 < 2 {
					checkVariants(t, g.rng, rt.Elem(), b, !hasDoc)
				}
			}
			if decoded == 0 {
				t.Fatalf("DecodeJSON decoded none of %d values", iters)
			}
			if unreadable > 0 {
				t.Logf("%s: json.Unmarshal cannot read %d values back (both fail alike)", rt.Elem().Name(), unreadable)
			}
			if fallbacks > 0 {
				t.Logf("%s: %d of %d values fell back (documents)", rt.Elem().Name(), fallbacks, decoded+fallbacks)
				totalFallbacks += fallbacks
			}
		})
	}
	if totalFallbacks > 0 {
		t.Logf("%d values fell back to json.Unmarshal in all (types with documents)", totalFallbacks)
	}
}

// holdsDocument reports whether values of t can hold a member of type any.
func holdsDocument(t reflect.Type, seen map[reflect.Type]bool) bool {
	if seen[t] {
		return false
	}
	seen[t] = true
	switch t.Kind() {
	case reflect.Interface:
		return true
	case reflect.Pointer, reflect.Slice:
		return holdsDocument(t.Elem(), seen)
	case reflect.Map:
		return holdsDocument(t.Elem(), seen)
	case reflect.Struct:
		for i := range t.NumField() {
			if f := t.Field(i); f.IsExported() && f.Tag.Get("json") != "-" && holdsDocument(f.Type, seen) {
				return true
			}
		}
	}
	return false
}

// checkVariants compares wire.Unmarshal with json.Unmarshal on variants of
// b, a valid encoding of a value of type rt.
func checkVariants(t *testing.T, rng *rand.Rand, rt reflect.Type, b []byte, noDoc bool) {
	t.Helper()
	fastOK := func(in []byte) bool {
		return reflect.New(rt).Interface().(wire.JSONDecoder).DecodeJSON(in)
	}
	same := func(what string, in []byte) {
		t.Helper()
		fast := reflect.New(rt)
		errF := wire.Unmarshal(in, fast.Interface())
		slow := reflect.New(rt)
		errS := json.Unmarshal(in, slow.Interface())
		if fmt.Sprint(errF) != fmt.Sprint(errS) || !reflect.DeepEqual(fast.Interface(), slow.Interface()) {
			t.Fatalf("%s: wire.Unmarshal (fast path %v) differs from json.Unmarshal:\n got %v %s\nwant %v %s\ninput %q",
				what, fastOK(in), errF, dump(fast.Interface()), errS, dump(slow.Interface()), in)
		}
	}
	var ind bytes.Buffer
	if err := json.Indent(&ind, b, "", " \t"); err != nil {
		t.Fatal(err)
	}
	same("indented", ind.Bytes())
	if noDoc && !fastOK(ind.Bytes()) {
		t.Fatalf("DecodeJSON declined indented input %s", ind.Bytes())
	}
	for _, tail := range []string{" ", "\n", "x", "{}", "null", ",", "}", "]"} {
		same("trailing "+tail, append(slices.Clip(b), tail...))
	}
	same("null", []byte("null"))
	same("leading space", append([]byte(" \r\n"), b...))

	var top map[string]json.RawMessage
	if err := json.Unmarshal(b, &top); err != nil {
		t.Fatal(err)
	}
	keys := make([]string, 0, len(top))
	for k := range top {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	inner := b[1:] // after '{'
	prepend := func(member string) []byte {
		out := append([]byte("{"), member...)
		if len(top) > 0 {
			out = append(out, ',')
		}
		return append(out, inner...)
	}
	unknown := prepend(`"zzUnknownMember":[1,{"a":null}]`)
	same("unknown key", unknown)
	if fastOK(unknown) {
		t.Fatalf("DecodeJSON accepted an unknown key: %s", unknown)
	}
	if len(keys) > 0 {
		k := keys[rng.IntN(len(keys))]
		raw := top[k]
		q, _ := json.Marshal(k)
		same("duplicate key", prepend(string(q)+":"+string(raw)))
		// The same key with its letters' case flipped.
		fk := []byte(k)
		for i, c := range fk {
			switch {
			case 'a' <= c && c <= 'z':
				fk[i] = c - 32
			case 'A' <= c && c <= 'Z':
				fk[i] = c + 32
			}
		}
		if string(fk) != k {
			fq, _ := json.Marshal(string(fk))
			cv := bytes.Replace(b, append(q, ':'), append(fq, ':'), 1)
			same("case-variant key", cv)
			if fastOK(cv) {
				t.Fatalf("DecodeJSON accepted a case-variant key: %s", cv)
			}
			same("case-variant duplicate", prepend(string(fq)+":"+string(raw)))
		}
		// The key with a letter escaped as \u00XX.
		if i := bytes.Index(b, append(q, ':')); i >= 0 {
			e := slices.Clone(b)
			e = slices.Insert(e[:i+2], i+1, []byte(fmt.Sprintf(`\u%04x`, e[i+1]))...)
			e = append(e, b[i+2:]...)
			same("escaped key", e)
		}
		// Values of other types and out of range in its place.
		for _, val := range []string{`"x"`, `1`, `-1`, `1.5`, `1e3`, `-0`, `99999999999999999999999`, `1e400`, `-1e400`, `2147483648`, `-2147483649`,
			`9223372036854775808`, `true`, `null`, `{}`, `[]`, `[null]`, `{"a":null}`, `"\ud83d\ude00\ud800x\udc00\u00e9\/\b"`, `"QUJD"`, `"QUJ"`, `"\ufffd\u2028"`,
			`"2020-01-02T03:04:05Z"`, `"1577934245"`, `1577934245.123`, `"Thu, 02 Jan 2020 03:04:05 GMT"`, `01`, `1.`, `.5`, `+1`, `-`, `tru`, `"abc`, `[1,]`, `{"a"}`} {
			same("value "+val, prepend(string(q)+":"+val))
			same("only "+val, []byte("{"+string(q)+":"+val+"}"))
		}
	}
	// Random edits.
	const alphabet = "{}[]\",:\\ 0123456789.-+eEtrufalsn\x00\xff\u00e9"
	for range 6 {
		m := slices.Clone(b)
		switch rng.IntN(5) {
		case 0:
			m = m[:rng.IntN(len(m)+1)]
		case 1:
			i := rng.IntN(len(m))
			m = slices.Delete(m, i, i+1)
		case 2:
			m[rng.IntN(len(m))] = alphabet[rng.IntN(len(alphabet))]
		case 3:
			i := rng.IntN(len(m) + 1)
			m = slices.Insert(m, i, alphabet[rng.IntN(len(alphabet))])
		default:
			// An escape inserted anywhere (inside a string it is text).
			esc := []string{`\n`, `\u0041`, `\ud83d\ude00`, `\ud800`, `\udc00\ud800`, `\/`, `\'`, `\x`, `\u12`}[rng.IntN(9)]
			i := rng.IntN(len(m) + 1)
			m = slices.Insert(m, i, []byte(esc)...)
		}
		same("edited", m)
	}
}
