package cbor_test

import (
	"bytes"
	"encoding/hex"
	"errors"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/stagecraft/stagecraft/internal/service/cloudwatch/cbor"
)

func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Decoding vectors from RFC 8949 Appendix A (the subset Smithy uses).
func TestDecodeRFCVectors(t *testing.T) {
	cases := []struct {
		hex  string
		want any
	}{
		{"00", int64(0)},
		{"01", int64(1)},
		{"0a", int64(10)},
		{"17", int64(23)},
		{"1818", int64(24)},
		{"1819", int64(25)},
		{"1864", int64(100)},
		{"1903e8", int64(1000)},
		{"1a000f4240", int64(1000000)},
		{"1b000000e8d4a51000", int64(1000000000000)},
		{"1bffffffffffffffff", uint64(18446744073709551615)},
		{"20", int64(-1)},
		{"29", int64(-10)},
		{"3863", int64(-100)},
		{"3903e7", int64(-1000)},
		{"3b7fffffffffffffff", int64(math.MinInt64)},
		{"f90000", 0.0},
		{"f93c00", 1.0},
		{"fb3ff199999999999a", 1.1},
		{"f93e00", 1.5},
		{"f97bff", 65504.0},
		{"fa47c35000", 100000.0},
		{"fa7f7fffff", 3.4028234663852886e+38},
		{"fb7e37e43c8800759c", 1.0e+300},
		{"f90001", 5.960464477539063e-8},
		{"f90400", 0.00006103515625},
		{"f9c400", -4.0},
		{"fbc010666666666666", -4.1},
		{"f97c00", math.Inf(1)},
		{"f9fc00", math.Inf(-1)},
		{"fa7f800000", math.Inf(1)},
		{"f4", false},
		{"f5", true},
		{"f6", nil},
		{"f7", nil}, // undefined reads as null (Smithy RPC v2 CBOR)
		{"c11a514b67b0", time.Unix(1363896240, 0).UTC()},
		{"c1fb41d452d9ec200000", time.Unix(1363896240, 500e6).UTC()},
		{"40", []byte{}},
		{"4401020304", []byte{1, 2, 3, 4}},
		{"60", ""},
		{"6161", "a"},
		{"6449455446", "IETF"},
		{"62225c", "\"\\"},
		{"62c3bc", "\u00fc"},
		{"63e6b0b4", "\u6c34"},
		{"64f0908591", "\U00010151"},
		{"80", []any{}},
		{"83010203", []any{int64(1), int64(2), int64(3)}},
		{"8301820203820405", []any{int64(1), []any{int64(2), int64(3)}, []any{int64(4), int64(5)}}},
		{"a0", map[string]any{}},
		{"a26161016162820203", map[string]any{"a": int64(1), "b": []any{int64(2), int64(3)}}},
		{"826161a161626163", []any{"a", map[string]any{"b": "c"}}},
		// Indefinite lengths.
		{"5f42010243030405ff", []byte{1, 2, 3, 4, 5}},
		{"7f657374726561646d696e67ff", "streaming"},
		{"7fff", ""},
		{"9fff", []any{}},
		{"9f018202039f0405ffff", []any{int64(1), []any{int64(2), int64(3)}, []any{int64(4), int64(5)}}},
		{"bf61610161629f0203ffff", map[string]any{"a": int64(1), "b": []any{int64(2), int64(3)}}},
		{"826161bf61626163ff", []any{"a", map[string]any{"b": "c"}}},
		{"bf6346756ef563416d7421ff", map[string]any{"Fun": true, "Amt": int64(-2)}},
	}
	for _, c := range cases {
		got, err := cbor.Unmarshal(unhex(t, c.hex))
		if err != nil {
			t.Errorf("%s: %v", c.hex, err)
			continue
		}
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s: got %#v, want %#v", c.hex, got, c.want)
		}
	}
	// NaN does not compare equal; check it separately.
	for _, h := range []string{"f97e00", "fa7fc00000", "fb7ff8000000000000"} {
		got, err := cbor.Unmarshal(unhex(t, h))
		if f, ok := got.(float64); err != nil || !ok || !math.IsNaN(f) {
			t.Errorf("%s: got %v, %v; want NaN", h, got, err)
		}
	}
}

func TestEncodeVectors(t *testing.T) {
	cases := []struct {
		v    any
		want string
	}{
		{0, "00"},
		{int32(23), "17"},
		{int64(24), "1818"},
		{1000, "1903e8"},
		{int64(1000000000000), "1b000000e8d4a51000"},
		{uint64(18446744073709551615), "1bffffffffffffffff"},
		{-1, "20"},
		{int64(-1000), "3903e7"},
		{int64(math.MinInt64), "3b7fffffffffffffff"},
		{1.5, "fa3fc00000"}, // single precision when it is exact
		{100000.0, "fa47c35000"},
		{1.1, "fb3ff199999999999a"}, // double when single would lose bits
		{-4.1, "fbc010666666666666"},
		{float32(1.5), "fa3fc00000"},
		{math.Inf(1), "fa7f800000"},
		{false, "f4"},
		{true, "f5"},
		{nil, "f6"},
		{"", "60"},
		{"IETF", "6449455446"},
		{"\u6c34", "63e6b0b4"},
		{[]byte{1, 2, 3, 4}, "4401020304"},
		{[]any{}, "80"},
		{[]string{"a", "b"}, "826161 6162"},
		{[]any{1, []any{2, 3}, []any{4, 5}}, "8301820203820405"},
		{cbor.Map{{Key: "b", Value: []any{2, 3}}, {Key: "a", Value: 1}}, "a2 6162 820203 6161 01"}, // order kept
		{map[string]any{"b": []any{2, 3}, "a": 1}, "a26161016162820203"},                           // keys sorted
		{time.Unix(1363896240, 0), "c1 fb41d452d9ec000000"},                                        // tag 1, double seconds
		{time.Unix(1363896240, 500e6), "c1 fb41d452d9ec200000"},
		{time.UnixMilli(1700000000123), "c1 fb41d954fc4007df3b"},
		{strings.Repeat("x", 24), "7818" + strings.Repeat("78", 24)},
		{strings.Repeat("x", 256), "790100" + strings.Repeat("78", 256)},
	}
	for _, c := range cases {
		got, err := cbor.Marshal(c.v)
		if err != nil {
			t.Errorf("%#v: %v", c.v, err)
			continue
		}
		if want := unhex(t, c.want); !bytes.Equal(got, want) {
			t.Errorf("%#v: got %x, want %x", c.v, got, want)
		}
	}
	if _, err := cbor.Marshal(struct{}{}); err == nil {
		t.Error("Marshal accepted a struct")
	}
	if _, err := cbor.Marshal([]any{make(chan int)}); err == nil {
		t.Error("Marshal accepted a channel inside an array")
	}
}

func TestRoundTrip(t *testing.T) {
	ts := time.Date(2025, 3, 4, 5, 6, 7, 891e6, time.UTC)
	in := cbor.Map{
		{Key: "AlarmName", Value: "cpu-high"},
		{Key: "Period", Value: 60},
		{Key: "Threshold", Value: 80.5},
		{Key: "Negative", Value: int64(-123456789012)},
		{Key: "Big", Value: uint64(math.MaxUint64)},
		{Key: "ActionsEnabled", Value: false},
		{Key: "Blob", Value: []byte("\x00\xff")},
		{Key: "Nothing", Value: nil},
		{Key: "When", Value: ts},
		{Key: "Dimensions", Value: []any{cbor.Map{{Key: "Name", Value: "InstanceId"}, {Key: "Value", Value: "i-1"}}}},
		{Key: "Empty", Value: []any{}},
		{Key: "Unicode", Value: "ü水𐅑"},
		{Key: "Long", Value: strings.Repeat("abc", 30000)},
	}
	b, err := cbor.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	got, err := cbor.Unmarshal(b)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"AlarmName": "cpu-high", "Period": int64(60), "Threshold": 80.5,
		"Negative": int64(-123456789012), "Big": uint64(math.MaxUint64), "ActionsEnabled": false,
		"Blob": []byte("\x00\xff"), "Nothing": nil, "When": ts,
		"Dimensions": []any{map[string]any{"Name": "InstanceId", "Value": "i-1"}},
		"Empty":      []any{}, "Unicode": "ü水𐅑", "Long": strings.Repeat("abc", 30000),
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("round trip:\n got %#v\nwant %#v", got, want)
	}
}

func TestDecodeErrors(t *testing.T) {
	deep := strings.Repeat("81", 200) + "00"
	cases := []struct{ hex, msg string }{
		{"", "unexpected end of data"},
		{"18", "exceeds"},
		{"1a0000", "exceeds"},
		{"0000", "trailing bytes"},
		{"1c", "reserved additional information"},
		{"1f", "indefinite length integer"},
		{"ff", "unexpected break"},
		{"3bffffffffffffffff", "below the 64-bit range"},
		{"6261", "exceeds"},
		{"62c328", "not valid UTF-8"},
		{"9b7fffffffffffffff", "exceeds"},
		{"bb7fffffffffffffff", "exceeds"},
		{"a10101", "not a text string"},
		{"a2616101616102", "duplicate map key"},
		{"a16161", "unexpected end of data"},
		{"bf6161ff", "has no value"},
		{"81ff", "unexpected break in a definite-length array"},
		{"a1ff00", "unexpected break in a definite-length map"},
		{"c0 6161", "unsupported tag 0"},
		{"c2 4101", "unsupported tag 2"},
		{"c1 6161", "not a number"},
		{"c1 fb7ff8000000000000", "out of range"},
		{"c1 ff", "without a value"},
		{"f0", "unsupported simple value"},
		{"f820", "unsupported simple value"},
		{"5f 6161 ff", "not a definite string of the same type"},
		{"5f 5f ff ff", "not a definite string of the same type"},
		{"9f 01", "unexpected end of data"},
		{deep, "nested deeper"},
	}
	for _, c := range cases {
		_, err := cbor.Unmarshal(unhex(t, c.hex))
		var se *cbor.SyntaxError
		if err == nil || !errors.As(err, &se) || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("%s: got %v, want a SyntaxError containing %q", c.hex, err, c.msg)
		}
	}
}

func FuzzUnmarshal(f *testing.F) {
	for _, s := range []string{
		"a26161016162820203", "bf6346756ef563416d7421ff", "c1fb41d452d9ec200000",
		"5f42010243030405ff", "9f018202039f0405ffff", "f97e00", "1bffffffffffffffff",
		"a2694d657472696341726d73806a4e657874546f6b656e6161",
	} {
		f.Add(unhex(f, s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		v, err := cbor.Unmarshal(b)
		if err != nil {
			var se *cbor.SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("error of type %T: %v", err, err)
			}
			return
		}
		// Whatever decodes re-encodes, and re-encoding is stable.
		once, err := cbor.Marshal(v)
		if err != nil {
			t.Fatalf("re-encode %#v: %v", v, err)
		}
		v2, err := cbor.Unmarshal(once)
		if err != nil {
			t.Fatalf("decode of own output %x: %v", once, err)
		}
		twice, err := cbor.Marshal(v2)
		if err != nil || !bytes.Equal(once, twice) {
			t.Fatalf("unstable: %x then %x (%v)", once, twice, err)
		}
	})
}
