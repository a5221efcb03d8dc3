package javaregex_test

import (
	"testing"

	"github.com/stagecraft/stagecraft/internal/javaregex"
)

func TestJavaRegexTranslation(t *testing.T) {
	for pat, ok := range map[string]bool{
		`\p{Alpha}+`: true, `\p{IsLatin}`: true, `a*+b`: true, `(?>ab)`: true, `\Qa.b\E`: true,
		`[\p{Digit}x]`: true, `\u00e9`: true, `(?<n>x)`: true,
		`(?=x)`: false, `(?<!x)`: false, `(a)\1`: false, `[a-z&&[^b]]`: false,
	} {
		_, err := javaregex.Compile(pat)
		if (err == nil) != ok {
			t.Errorf("Compile(%q) err = %v, want ok=%v", pat, err, ok)
		}
	}
	re, _ := javaregex.CompileWhole(`\Qa.b\E`)
	if !re.MatchString("a.b") || re.MatchString("axb") {
		t.Error(`\Q..\E not literal`)
	}
}
