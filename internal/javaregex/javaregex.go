// Package javaregex runs Java regular expressions (java.util.regex, the
// dialect of API Gateway's JVM) on Go's RE2 engine. The data planes use it
// for integration response selection patterns (and, as the closest
// dialect, for the pattern keywords of request validation models);
// internal/vtl for String.matches, replaceAll, replaceFirst and split in
// mapping templates.
//
// Translate rewrites the Java-only syntax that has an RE2 equivalent:
//
//   - POSIX and java.lang.Character classes (\p{Alpha}, \p{Punct},
//     \p{javaLowerCase}, \P{Digit}, …) become explicit ranges, inside or
//     outside [...]; Unicode classes lose Java's "Is" prefix
//     (\p{IsLatin} -> \p{Latin});
//   - \Q...\E quoting becomes escaped literal text;
//   - \uXXXX, \0ooo (octal), \cX (control), \e, \h, \R become their
//     characters or classes; \Z becomes \z (a final line terminator is not
//     allowed for);
//   - atomic groups (?>X) become non-capturing groups and possessive
//     quantifiers (X*+, X++, X?+, X{n}+) greedy ones, so they backtrack
//     where Java would not;
//   - a ']' first in a class is a literal.
//
// It refuses, with an error, what RE2 cannot express (valid Java, which
// callers then handle as they would an invalid pattern): lookahead and
// lookbehind ((?=, (?!, (?<=, (?<!), backreferences (\1-\9, \k<name>),
// \G, \X, class intersection ([a-z&&[^b]]), nested classes, and a negated
// POSIX class \P{...} inside [...]. Everything else passes through to RE2
// unchanged, so a construct RE2 rejects fails in Compile.
//
// Compile and CompileWhole translate and compile; they do not cache, so
// callers compile once per deployment or keep their own cache.
package javaregex

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// Compile compiles a Java pattern for searching (Matcher.find, replaceAll,
// split): the match may be anywhere in the input.
func Compile(pattern string) (*regexp.Regexp, error) {
	return compile(pattern, false)
}

// CompileWhole compiles a Java pattern anchored at both ends, so it must
// match the whole input (String.matches, Pattern.matches).
func CompileWhole(pattern string) (*regexp.Regexp, error) {
	return compile(pattern, true)
}

func compile(pattern string, whole bool) (*regexp.Regexp, error) {
	src, err := Translate(pattern)
	if err != nil {
		return nil, err
	}
	if whole {
		src = `\A(?:` + src + `)\z`
	}
	re, err := regexp.Compile(src)
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

// Translate rewrites a Java pattern in RE2 syntax (see the package
// documentation). Errors read "invalid regular expression "<p>": <why>".
func Translate(p string) (string, error) {
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
