package vtl

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
)

// Templates call replaceAll/matches/split with Java regular expressions.
// translateJavaRegex rewrites the Java-only syntax that has an RE2
// equivalent; constructs RE2 cannot express (lookaround, backreferences,
// class intersection) are reported as errors, which abort the render the
// way a PatternSyntaxException would.

var (
	regexCache     sync.Map // regexKey -> *regexp.Regexp
	regexCacheSize atomic.Int64
)

const regexCacheMax = 1024

type regexKey struct {
	pattern string
	whole   bool
}

// compileJavaRegex compiles a Java pattern; whole anchors it at both ends
// (String.matches semantics).
func compileJavaRegex(pattern string, whole bool) (*regexp.Regexp, error) {
	k := regexKey{pattern, whole}
	if re, ok := regexCache.Load(k); ok {
		return re.(*regexp.Regexp), nil
	}
	src, err := translateJavaRegex(pattern)
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
	if regexCacheSize.Load() < regexCacheMax {
		if _, loaded := regexCache.LoadOrStore(k, re); !loaded {
			regexCacheSize.Add(1)
		}
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

// javaReplacement converts a Matcher.replaceAll replacement string ($1,
// ${name}, \x escapes) to regexp.Expand syntax.
func javaReplacement(s string) (string, error) {
	if !strings.ContainsAny(s, `$\`) {
		return s, nil
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch c {
		case '\\':
			i++
			if i >= len(s) {
				return "", fmt.Errorf("character to be escaped is missing in replacement %q", s)
			}
			if s[i] == '$' {
				b.WriteString("$$")
			} else {
				b.WriteByte(s[i])
			}
		case '$':
			i++
			if i >= len(s) {
				return "", fmt.Errorf("illegal group reference in replacement %q", s)
			}
			if s[i] == '{' {
				end := strings.IndexByte(s[i:], '}')
				if end < 0 {
					return "", fmt.Errorf("named capturing group is missing trailing '}' in %q", s)
				}
				b.WriteString("${" + s[i+1:i+end] + "}")
				i += end
				continue
			}
			if s[i] < '0' || s[i] > '9' {
				return "", fmt.Errorf("illegal group reference in replacement %q", s)
			}
			b.WriteString("${" + string(s[i]) + "}")
		default:
			b.WriteByte(c)
		}
	}
	return b.String(), nil
}

// replaceLimited replaces the first match (n == 1) or all matches, expanding
// repl, and fails with errOutputLimit when the result would exceed limit
// bytes. Output is built incrementally so an oversized result is never
// materialised.
func replaceLimited(re *regexp.Regexp, s, repl string, n, limit int) (string, error) {
	if n == 1 {
		m := re.FindStringSubmatchIndex(s)
		if m == nil {
			return s, nil
		}
		dst := append([]byte(nil), s[:m[0]]...)
		dst = re.ExpandString(dst, repl, s, m)
		if len(dst)+len(s)-m[1] > limit {
			return "", errOutputLimit
		}
		return string(append(dst, s[m[1]:]...)), nil
	}
	refs := strings.IndexByte(repl, '$') >= 0
	total, over := len(s), false
	res := re.ReplaceAllStringFunc(s, func(m string) string {
		if over {
			return ""
		}
		out := repl
		if refs {
			// Expand groups by re-matching the matched text on its own.
			if idx := re.FindStringSubmatchIndex(m); idx != nil {
				out = string(re.ExpandString(nil, repl, m, idx))
			}
		}
		total += len(out) - len(m)
		if total > limit {
			over = true
			return ""
		}
		return out
	})
	if over || len(res) > limit {
		return "", errOutputLimit
	}
	return res, nil
}

// javaSplit implements String.split(regex, limit).
func javaSplit(s, pattern string, limit int) (any, error) {
	re, err := compileJavaRegex(pattern, false)
	if err != nil {
		return nil, err
	}
	var parts []string
	index := 0
	limited := limit > 0
	for _, m := range re.FindAllStringIndex(s, -1) {
		if !limited || len(parts) < limit-1 {
			if index == 0 && m[0] == 0 && m[0] == m[1] {
				continue // no leading empty string for a zero-width match
			}
			parts = append(parts, s[index:m[0]])
			index = m[1]
		} else if len(parts) == limit-1 {
			parts = append(parts, s[index:])
			index = m[1]
			break
		}
	}
	if index == 0 {
		return &List{items: []any{s}}, nil
	}
	if !limited || len(parts) < limit {
		parts = append(parts, s[index:])
	}
	if limit == 0 {
		for len(parts) > 0 && parts[len(parts)-1] == "" {
			parts = parts[:len(parts)-1]
		}
	}
	out := make([]any, len(parts))
	for i, p := range parts {
		out[i] = p
	}
	return &List{items: out}, nil
}
