package vtl

import (
	"fmt"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/stagecraft/stagecraft/internal/javaregex"
)

// Templates call replaceAll/matches/split with Java regular expressions;
// internal/javaregex translates them to RE2 and reports the constructs RE2
// cannot express (lookaround, backreferences, class intersection) as
// errors, which abort the render the way a PatternSyntaxException would.
// Compiled patterns are cached here, since templates compile them per
// render.

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
	compile := javaregex.Compile
	if whole {
		compile = javaregex.CompileWhole
	}
	re, err := compile(pattern)
	if err != nil {
		return nil, err
	}
	if regexCacheSize.Load() < regexCacheMax {
		if _, loaded := regexCache.LoadOrStore(k, re); !loaded {
			regexCacheSize.Add(1)
		}
	}
	return re, nil
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
