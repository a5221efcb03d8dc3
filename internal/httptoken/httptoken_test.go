package httptoken

import (
	"net/http"
	"testing"
)

// Every byte is judged as net/http judges a one-byte method, and whole
// strings as tokens or not.
func TestTable(t *testing.T) {
	for c := 0; c < 256; c++ {
		_, err := http.NewRequest(string([]byte{byte(c)}), "http://x/", nil)
		if want := err == nil; Byte(byte(c)) != want {
			t.Errorf("byte %q: token %v, net/http accepts it as a method: %v", byte(c), Byte(byte(c)), want)
		}
	}
	for s, want := range map[string]bool{"GET": true, "X-Amz-Date": true, "": false, "a b": false, "a:b": false, "é": false} {
		if Is(s) != want || Is([]byte(s)) != want {
			t.Errorf("Is(%q) = %v, want %v", s, Is(s), want)
		}
	}
}
