package dataplane

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// Integration response selection patterns are Java regular expressions
// (API Gateway runs on the JVM). compileSelectionPattern translates the
// Java-only syntax that has an RE2 equivalent and anchors the result at both
// ends: AWS documents the pattern as matched against the whole selection
// value (spec §8.5 open question 5: we choose the full match, as
// String.matches does; LocalStack's prefix re.match is not AWS evidence).
//
// The translation below is the same as internal/vtl's (javaregex.go), which
// keeps it unexported; it is repeated here so that patterns are compiled
// once per deployment and never per request.
// TODO: share one exported translator with internal/vtl.
func compileSelectionPattern(pattern string) (*regexp.Regexp, error) {
	src, err := translateJavaRegex(pattern)
	if err != nil {
		return nil, err
	}
	re, err := regexp.Compile(`\A(?:` + src + `)\z`)
	if err != nil {
		return nil, fmt.Errorf("invalid regular expression %q: %v", pattern, err)
	}
	return re, nil
}

var posixClasses = map[string]string{
	"Lower": `a-z`, "Upper": `A-Z`, "ASCII": `\x00-\x7F`, "Alpha": `a-zA-Z`,
	"Digit": `0-9`, "Alnum": `a-zA-Z0-9`, "Punct": `!-/:-@\[-` + "`" + `{-~`,
	"Graph": `!-~`, "Print": ` -~`, "Blank": ` \t`, "Cntrl": `\x00-\x1F\x7F`,
	"XDigit": `0-9a-fA-F`, "Space": ` \t\n\x0B\f\r`,
	"javaLowerCase": `\p{Ll}`, "javaUpperCase": `\p{Lu}`, "javaWhitespace": `\s`,
	"IsAlphabetic": `\p{L}`, "IsDigit": `\p{Nd}`, "IsLetter": `\p{L}`,
	"IsUppercase": `\p{Lu}`, "IsLowercase": `\p{Ll}`, "IsWhite_Space": `\s`,
}

func translateJavaRegex(p string) (string, error) {
	var b strings.Builder
	inClass := 0
	for i := 0; i < len(p); i++ {
		c := p[i]
		switch c {
		case '\\':
			if i+1 >= len(p) {
				return "", fmt.Errorf("invalid regular expression %q: trailing backslash", p)
			}
			n := p[i+1]
			switch {
			case n == 'p' || n == 'P':
				if i+2 >= len(p) || p[i+2] != '{' {
					b.WriteString(p[i : i+2])
					i++
					continue
				}
				end := strings.IndexByte(p[i+3:], '}')
				if end < 0 {
					return "", fmt.Errorf("invalid regular expression %q: unclosed \\p{", p)
				}
				name := p[i+3 : i+3+end]
				i += 3 + end
				cls, posix := posixClasses[name]
				switch {
				case !posix:
					// Unicode categories/scripts: \p{Lu}, \p{IsLatin} -> \p{Latin}
					b.WriteString(`\` + string(n) + `{` + strings.TrimPrefix(name, "Is") + `}`)
				case inClass > 0 && n == 'P':
					return "", fmt.Errorf("invalid regular expression %q: negated class \\P{%s} inside [] is not supported", p, name)
				case inClass > 0:
					b.WriteString(cls)
				case n == 'P':
					b.WriteString(`[^` + cls + `]`)
				default:
					b.WriteString(`[` + cls + `]`)
				}
			case n == 'Q':
				end := strings.Index(p[i+2:], `\E`)
				lit := p[i+2:]
				if end >= 0 {
					lit = p[i+2 : i+2+end]
					i += 2 + end + 1
				} else {
					i = len(p)
				}
				b.WriteString(regexp.QuoteMeta(lit))
			case n == 'u':
				if i+6 > len(p) {
					return "", fmt.Errorf("invalid regular expression %q: bad \\u escape", p)
				}
				b.WriteString(`\x{` + p[i+2:i+6] + `}`)
				i += 5
			case n == 'e':
				b.WriteString(`\x1B`)
				i++
			case n == 'h':
				if inClass > 0 {
					b.WriteString(`\t \x{A0}\x{1680}\x{180e}\x{2000}-\x{200a}\x{202f}\x{205f}\x{3000}`)
				} else {
					b.WriteString(`[\t \x{A0}\x{1680}\x{180e}\x{2000}-\x{200a}\x{202f}\x{205f}\x{3000}]`)
				}
				i++
			case n == 'R':
				b.WriteString(`(?:\r\n|[\n\x0B\f\r\x{85}\x{2028}\x{2029}])`)
				i++
			case n == 'Z':
				b.WriteString(`\z`)
				i++
			case n == 'c':
				if i+2 >= len(p) {
					return "", fmt.Errorf("invalid regular expression %q: bad \\c escape", p)
				}
				fmt.Fprintf(&b, `\x{%X}`, p[i+2]^0x40)
				i += 2
			case n == '0':
				j := i + 2
				for j < len(p) && j < i+5 && p[j] >= '0' && p[j] <= '7' {
					j++
				}
				v, err := strconv.ParseUint(p[i+2:j], 8, 8)
				if err != nil || j == i+2 {
					return "", fmt.Errorf("invalid regular expression %q: bad octal escape", p)
				}
				fmt.Fprintf(&b, `\x{%X}`, v)
				i = j - 1
			case n >= '1' && n <= '9':
				return "", fmt.Errorf("invalid regular expression %q: backreferences are not supported", p)
			case n == 'G' || n == 'X' || n == 'k':
				return "", fmt.Errorf("invalid regular expression %q: \\%c is not supported", p, n)
			default:
				b.WriteString(p[i : i+2])
				i++
			}
		case '[':
			if inClass > 0 {
				return "", fmt.Errorf("invalid regular expression %q: nested character classes are not supported", p)
			}
			inClass++
			b.WriteByte('[')
			if i+1 < len(p) && p[i+1] == '^' {
				b.WriteByte('^')
				i++
			}
			if i+1 < len(p) && p[i+1] == ']' { // literal ']' first in class
				b.WriteString(`\]`)
				i++
			}
		case ']':
			if inClass > 0 {
				inClass--
			}
			b.WriteByte(']')
		case '&':
			if inClass > 0 && i+1 < len(p) && p[i+1] == '&' {
				return "", fmt.Errorf("invalid regular expression %q: class intersection is not supported", p)
			}
			b.WriteByte('&')
		case '(':
			if inClass == 0 && i+1 < len(p) && p[i+1] == '?' {
				rest := p[i+2:]
				switch {
				case strings.HasPrefix(rest, "="), strings.HasPrefix(rest, "!"),
					strings.HasPrefix(rest, "<="), strings.HasPrefix(rest, "<!"):
					return "", fmt.Errorf("invalid regular expression %q: lookaround is not supported", p)
				case strings.HasPrefix(rest, ">"):
					b.WriteString("(?:")
					i += 2
					continue
				}
			}
			b.WriteByte('(')
		case '*', '+', '?', '}':
			b.WriteByte(c)
			// Possessive quantifiers (x*+) behave like greedy ones here.
			if inClass == 0 && i+1 < len(p) && p[i+1] == '+' {
				i++
			}
		default:
			b.WriteByte(c)
		}
	}
	return b.String(), nil
}
