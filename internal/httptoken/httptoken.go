// Package httptoken is RFC 7230's token (tchar) test, shared by the HTTP
// server, the HTTP client and the data planes: methods and header field
// names must be tokens.
package httptoken

// Table says which bytes are tchar: ALPHA, DIGIT and !#$%&'*+-.^_`|~.
var Table = func() (t [256]bool) {
	for c := '0'; c <= '9'; c++ {
		t[c] = true
	}
	for c := 'a'; c <= 'z'; c++ {
		t[c] = true
		t[c-'a'+'A'] = true
	}
	for _, c := range "!#$%&'*+-.^_`|~" {
		t[c] = true
	}
	return
}()

// Byte reports whether c is a tchar.
func Byte(c byte) bool { return Table[c] }

// Is reports whether s is a token: one or more tchars.
func Is[S ~string | ~[]byte](s S) bool {
	if len(s) == 0 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !Table[s[i]] {
			return false
		}
	}
	return true
}
