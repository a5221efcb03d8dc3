package vtl

import (
	"strings"
)

// The lexer works on two levels, mirroring the lexical states of Velocity
// 1.7's JavaCC grammar:
//
//   - template level (text, $references, #directives, comments): scanned
//     character by character by the parser in parser.go, because what a '$'
//     or '#' means depends on what follows it;
//   - expression level (inside directive parentheses, method arguments and
//     index brackets): tokenised here by nextToken.

type tokKind uint8

const (
	tEOF tokKind = iota
	tLParen
	tRParen
	tLBrack
	tRBrack
	tLBrace
	tRBrace
	tComma
	tDotDot
	tColon
	tAssign
	tPlus
	tMinus
	tStar
	tSlash
	tPercent
	tEq
	tNe
	tLt
	tLe
	tGt
	tGe
	tAnd
	tOr
	tNot
	tStr
	tInt
	tFloat
	tTrue
	tFalse
	tNull
	tWord
	tDollar
	tBad
)

var tokNames = [...]string{
	tEOF: "end of input", tLParen: "'('", tRParen: "')'", tLBrack: "'['", tRBrack: "']'",
	tLBrace: "'{'", tRBrace: "'}'", tComma: "','", tDotDot: "'..'", tColon: "':'", tAssign: "'='",
	tPlus: "'+'", tMinus: "'-'", tStar: "'*'", tSlash: "'/'", tPercent: "'%'",
	tEq: "'=='", tNe: "'!='", tLt: "'<'", tLe: "'<='", tGt: "'>'", tGe: "'>='",
	tAnd: "'&&'", tOr: "'||'", tNot: "'!'", tStr: "string", tInt: "integer", tFloat: "number",
	tTrue: "true", tFalse: "false", tNull: "null", tWord: "word", tDollar: "reference", tBad: "invalid character",
}

type token struct {
	kind   tokKind
	p, end int // byte offsets in the scanner's source
}

// scanner holds the source being parsed. end bounds the region (interpolated
// string literals are parsed in place as sub-regions). When fixed >= 0 the
// source is derived text (an unescaped string literal) and every position is
// reported as fixed, an offset in orig.
type scanner struct {
	src   string
	orig  string
	pos   int
	end   int
	fixed int
}

func (s *scanner) at(i int) byte {
	if i >= 0 && i < s.end {
		return s.src[i]
	}
	return 0
}

// posOf maps an offset in src to the offset reported in nodes and errors.
func (s *scanner) posOf(i int) int {
	if s.fixed >= 0 {
		return s.fixed
	}
	return i
}

func isIdentStart(c byte) bool {
	return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
}

func isAlpha(c byte) bool {
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// isIdentChar reports the characters allowed after the first one in a
// Velocity 1.7 identifier. Note the '-': "$foo-bar" is one reference.
func isIdentChar(c byte) bool {
	return isIdentStart(c) || isDigit(c) || c == '-'
}

// isWordChar reports characters of directive names and bare words.
func isWordChar(c byte) bool {
	return isIdentStart(c) || isDigit(c) || c == '@'
}

// skipSpace skips whitespace, newlines included, from i.
func (s *scanner) skipSpace(i int) int {
	for i < s.end {
		switch s.src[i] {
		case ' ', '\t', '\n', '\r':
			i++
		default:
			return i
		}
	}
	return i
}

// gobbleNewline implements Velocity 1.7's rule for a directive's closing
// parenthesis (and for #else/#end): trailing spaces/tabs followed by a line
// break are consumed. It returns the offset after what was consumed.
func (s *scanner) gobbleNewline(i int) int {
	j := i
	for j < s.end && (s.src[j] == ' ' || s.src[j] == '\t') {
		j++
	}
	switch s.at(j) {
	case '\n':
		return j + 1
	case '\r':
		if s.at(j+1) == '\n' {
			return j + 2
		}
		return j + 1
	}
	return i
}

// peekToken lexes the next expression token at s.pos without consuming it.
func (s *scanner) peekToken() token {
	i := s.skipSpace(s.pos)
	if i >= s.end {
		return token{kind: tEOF, p: i, end: i}
	}
	c := s.src[i]
	one := func(k tokKind) token { return token{kind: k, p: i, end: i + 1} }
	two := func(k tokKind) token { return token{kind: k, p: i, end: i + 2} }
	switch c {
	case '(':
		return one(tLParen)
	case ')':
		return one(tRParen)
	case '[':
		return one(tLBrack)
	case ']':
		return one(tRBrack)
	case '{':
		return one(tLBrace)
	case '}':
		return one(tRBrace)
	case ',':
		return one(tComma)
	case ':':
		return one(tColon)
	case '+':
		return one(tPlus)
	case '-':
		return one(tMinus)
	case '*':
		return one(tStar)
	case '/':
		return one(tSlash)
	case '%':
		return one(tPercent)
	case '$':
		return one(tDollar)
	case '.':
		if s.at(i+1) == '.' {
			return two(tDotDot)
		}
		if isDigit(s.at(i + 1)) {
			return s.lexNumber(i)
		}
		return one(tBad)
	case '=':
		if s.at(i+1) == '=' {
			return two(tEq)
		}
		return one(tAssign)
	case '!':
		if s.at(i+1) == '=' {
			return two(tNe)
		}
		return one(tNot)
	case '<':
		if s.at(i+1) == '=' {
			return two(tLe)
		}
		return one(tLt)
	case '>':
		if s.at(i+1) == '=' {
			return two(tGe)
		}
		return one(tGt)
	case '&':
		if s.at(i+1) == '&' {
			return two(tAnd)
		}
		return one(tBad)
	case '|':
		if s.at(i+1) == '|' {
			return two(tOr)
		}
		return one(tBad)
	case '"', '\'':
		return s.lexString(i)
	}
	if isDigit(c) {
		return s.lexNumber(i)
	}
	if isIdentStart(c) || c == '@' {
		j := i + 1
		for j < s.end && isWordChar(s.src[j]) {
			j++
		}
		t := token{kind: tWord, p: i, end: j}
		switch s.src[i:j] {
		case "true":
			t.kind = tTrue
		case "false":
			t.kind = tFalse
		case "null":
			t.kind = tNull
		case "and":
			t.kind = tAnd
		case "or":
			t.kind = tOr
		case "not":
			t.kind = tNot
		case "eq":
			t.kind = tEq
		case "ne":
			t.kind = tNe
		case "lt":
			t.kind = tLt
		case "le":
			t.kind = tLe
		case "gt":
			t.kind = tGt
		case "ge":
			t.kind = tGe
		}
		return t
	}
	return one(tBad)
}

// lexNumber scans an integer or floating point literal. "1..3" lexes as
// the integer 1 followed by "..", as in Velocity's grammar.
func (s *scanner) lexNumber(i int) token {
	j := i
	for j < s.end && isDigit(s.src[j]) {
		j++
	}
	kind := tInt
	if s.at(j) == '.' && s.at(j+1) != '.' {
		kind = tFloat
		j++
		for j < s.end && isDigit(s.src[j]) {
			j++
		}
	}
	if c := s.at(j); c == 'e' || c == 'E' {
		k := j + 1
		if s.at(k) == '+' || s.at(k) == '-' {
			k++
		}
		if isDigit(s.at(k)) {
			for k < s.end && isDigit(s.src[k]) {
				k++
			}
			kind = tFloat
			j = k
		}
	}
	return token{kind: kind, p: i, end: j}
}

// lexString scans a string literal. In double quotes a backslash protects
// the next character from ending the literal (the backslash itself stays in
// the value: Velocity 1.7 only decodes \uXXXX); a doubled quote stands for
// one quote character.
func (s *scanner) lexString(i int) token {
	q := s.src[i]
	j := i + 1
	for j < s.end {
		c := s.src[j]
		if c == q {
			if s.at(j+1) == q {
				j += 2
				continue
			}
			return token{kind: tStr, p: i, end: j + 1}
		}
		if c == '\\' && q == '"' && j+1 < s.end {
			switch s.src[j+1] {
			case 'n', 't', 'b', 'r', 'f', '\\', '\'', '"':
				j += 2
				continue
			}
		}
		j++
	}
	return token{kind: tBad, p: i, end: s.end}
}

// stringValue returns the value of a string literal token's body: doubled
// quotes collapse and, for double quotes, \uXXXX escapes are decoded.
func stringValue(raw string, q byte) string {
	if strings.IndexByte(raw, q) >= 0 {
		qq := string([]byte{q, q})
		raw = strings.ReplaceAll(raw, qq, string(q))
	}
	if q == '"' && strings.Contains(raw, `\u`) {
		raw = unescapeUnicode(raw)
	}
	return raw
}

func unescapeUnicode(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+6 <= len(s) && s[i+1] == 'u' {
			var r rune
			ok := true
			for k := 2; k < 6; k++ {
				c := s[i+k]
				switch {
				case c >= '0' && c <= '9':
					r = r<<4 | rune(c-'0')
				case c >= 'a' && c <= 'f':
					r = r<<4 | rune(c-'a'+10)
				case c >= 'A' && c <= 'F':
					r = r<<4 | rune(c-'A'+10)
				default:
					ok = false
				}
			}
			if ok {
				b.WriteRune(r)
				i += 5
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}
