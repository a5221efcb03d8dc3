package ids

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"regexp"
	"testing"
)

var (
	uuidRE   = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	base64RE = regexp.MustCompile(`^[A-Za-z0-9+/]{15}=$`)
)

// oldUUID is the previous implementation, the reference for the format.
func oldUUID(b [16]byte) string {
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

func TestUUIDFormat(t *testing.T) {
	seen := map[string]bool{}
	for range 10000 {
		u := UUID()
		if !uuidRE.MatchString(u) {
			t.Fatalf("UUID %q", u)
		}
		if seen[u] {
			t.Fatalf("UUID %q repeated", u)
		}
		seen[u] = true
	}
}

// The hand-rolled hex gives what fmt gave for the same bytes.
func TestUUIDMatchesFmt(t *testing.T) {
	for range 1000 {
		var b [16]byte
		rand.Read(b[:])
		want := oldUUID(b)
		b[6] = b[6]&0x0f | 0x40
		b[8] = b[8]&0x3f | 0x80
		var o []byte
		o = AppendHex(o, b[0:4])
		o = append(o, '-')
		o = AppendHex(o, b[4:6])
		o = append(o, '-')
		o = AppendHex(o, b[6:8])
		o = append(o, '-')
		o = AppendHex(o, b[8:10])
		o = append(o, '-')
		o = AppendHex(o, b[10:16])
		if string(o) != want {
			t.Fatalf("%q, want %q", o, want)
		}
	}
	if h := string(AppendUUIDHex(nil)); !regexp.MustCompile(`^[0-9a-f]{12}4[0-9a-f]{3}[89ab][0-9a-f]{15}$`).MatchString(h) {
		t.Fatalf("AppendUUIDHex %q", h)
	}
}

func TestBase64ID(t *testing.T) {
	seen := map[string]bool{}
	for range 10000 {
		s := Base64ID()
		if !base64RE.MatchString(s) {
			t.Fatalf("Base64ID %q", s)
		}
		if _, err := base64.StdEncoding.DecodeString(s); err != nil {
			t.Fatalf("Base64ID %q: %v", s, err)
		}
		if seen[s] {
			t.Fatalf("Base64ID %q repeated", s)
		}
		seen[s] = true
	}
}

// Fill covers every byte, whatever the length.
func TestFill(t *testing.T) {
	for n := range 40 {
		zero := 0
		for range 64 {
			b := make([]byte, n)
			Fill(b)
			for _, c := range b {
				if c == 0 {
					zero++
				}
			}
		}
		if n > 0 && zero > 64*n/20 {
			t.Fatalf("length %d: %d zero bytes of %d", n, zero, 64*n)
		}
	}
}

func TestLowerMixed(t *testing.T) {
	if s := Lower(10); !regexp.MustCompile(`^[a-z0-9]{10}$`).MatchString(s) {
		t.Fatal(s)
	}
	if s := Mixed(40); !regexp.MustCompile(`^[A-Za-z0-9]{40}$`).MatchString(s) {
		t.Fatal(s)
	}
}

func BenchmarkUUID(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		UUID()
	}
}

func BenchmarkBase64ID(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		Base64ID()
	}
}
