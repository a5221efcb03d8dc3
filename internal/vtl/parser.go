package vtl

import (
	"fmt"
	"math/big"
	"strconv"
	"strings"
)

// maxParseDepth bounds block, expression and string-literal nesting so a
// hostile template cannot exhaust the stack at deploy time.
const maxParseDepth = 200

type parser struct {
	scanner
	name   string
	macros map[string]*macroDef
	depth  int
}

type termKind uint8

const (
	termEOF termKind = iota
	termEnd
	termElse
	termElseIf
)

// terminator is the directive that ended a block.
type terminator struct {
	kind termKind
	p    int
	cond expr // for #elseif
}

// textBuf accumulates adjacent literal text into one node.
type textBuf struct {
	b []byte
	p int
}

func (t *textBuf) add(p int, s string) {
	if len(t.b) == 0 {
		t.p = p
	}
	t.b = append(t.b, s...)
}

func (p *parser) errAt(i int, format string, args ...any) error {
	return p.errAtPos(p.posOf(i), format, args...)
}

// errAtPos reports an error at an offset already mapped by posOf.
func (p *parser) errAtPos(pos int, format string, args ...any) error {
	line, col := lineCol(p.orig, pos)
	return &ParseError{Template: p.name, Line: line, Col: col, Msg: fmt.Sprintf(format, args...)}
}

// lineCol converts a byte offset to 1-based line and column (in runes).
func lineCol(src string, off int) (int, int) {
	if off > len(src) {
		off = len(src)
	}
	if off < 0 {
		off = 0
	}
	line := 1 + strings.Count(src[:off], "\n")
	start := strings.LastIndexByte(src[:off], '\n') + 1
	return line, 1 + len([]rune(src[start:off]))
}

// knownDirectives are the names a backslash can escape (Velocity prints
// "\#if" as "#if" but leaves "\#foo" alone).
var knownDirectives = map[string]bool{
	"if": true, "elseif": true, "else": true, "end": true, "set": true, "foreach": true,
	"break": true, "stop": true, "define": true, "macro": true, "evaluate": true,
	"include": true, "parse": true, "literal": true,
}

// parseBlock parses statements until end of input or a block terminator
// (#end, #else, #elseif), which it consumes and returns.
func (p *parser) parseBlock() ([]node, terminator, error) {
	p.depth++
	defer func() { p.depth-- }()
	if p.depth > maxParseDepth {
		return nil, terminator{}, p.errAt(p.pos, "template nesting exceeds %d levels", maxParseDepth)
	}
	var nodes []node
	var tb textBuf
	flush := func() {
		if len(tb.b) > 0 {
			nodes = append(nodes, &textNode{p: p.posOf(tb.p), text: string(tb.b)})
			tb.b = tb.b[:0]
		}
	}
	emit := func(n node) {
		flush()
		nodes = append(nodes, n)
	}
	for p.pos < p.end {
		c := p.src[p.pos]
		switch c {
		case '$':
			ref, err := p.tryRef(p.pos, 0)
			if err != nil {
				return nil, terminator{}, err
			}
			if ref != nil {
				emit(ref)
				continue
			}
			tb.add(p.pos, "$")
			p.pos++
		case '\\':
			n, err := p.backslashes(&tb)
			if err != nil {
				return nil, terminator{}, err
			}
			if n != nil {
				emit(n)
			}
		case '#':
			start := p.pos
			n, term, err := p.hash(&tb)
			if err != nil {
				return nil, terminator{}, err
			}
			if term != nil {
				flush()
				term.p = p.posOf(start)
				return nodes, *term, nil
			}
			if n != nil {
				emit(n)
			}
		default:
			// Velocity's #set token swallows the spaces and tabs before it
			// when they start a new text token (line start after a gobbled
			// newline, or right after another directive or reference).
			if c == ' ' || c == '\t' {
				j := p.pos
				for j < p.end && (p.src[j] == ' ' || p.src[j] == '\t') {
					j++
				}
				if p.isSetStart(j) {
					p.pos = j
					continue
				}
			}
			j := p.pos
			for j < p.end {
				if b := p.src[j]; b == '$' || b == '#' || b == '\\' {
					break
				}
				j++
			}
			tb.add(p.pos, p.src[p.pos:j])
			p.pos = j
		}
	}
	flush()
	return nodes, terminator{kind: termEOF, p: p.posOf(p.pos)}, nil
}

// isSetStart reports whether "#set" or "#{set}", optional spaces and "("
// start at i (Velocity's SET_DIRECTIVE token).
func (p *parser) isSetStart(i int) bool {
	var rest string
	if i < p.end {
		rest = p.src[i:p.end]
	}
	switch {
	case strings.HasPrefix(rest, "#set"):
		rest = rest[4:]
	case strings.HasPrefix(rest, "#{set}"):
		rest = rest[6:]
	default:
		return false
	}
	rest = strings.TrimLeft(rest, " ")
	return strings.HasPrefix(rest, "(")
}

// directiveWord reads a directive name after '#' at i: either a word or a
// {word}. It returns the name, the offset after it, and ok.
func (p *parser) directiveWord(i int) (string, int, bool) {
	braced := p.at(i) == '{'
	j := i
	if braced {
		j++
	}
	c := p.at(j)
	if !(isIdentStart(c) || c == '@') {
		return "", i, false
	}
	k := j + 1
	for k < p.end && isWordChar(p.src[k]) {
		k++
	}
	name := p.src[j:k]
	if braced {
		if p.at(k) != '}' {
			return "", i, false
		}
		k++
	}
	return name, k, true
}

// isLeftParen reports whether optional whitespace and '(' follow i.
func (p *parser) isLeftParen(i int) (int, bool) {
	j := p.skipSpace(i)
	return j, p.at(j) == '('
}

// hash handles everything that starts with '#'.
func (p *parser) hash(tb *textBuf) (node, *terminator, error) {
	i := p.pos
	switch p.at(i + 1) {
	case '#': // line comment, including its line break
		j := i + 2
		for j < p.end && p.src[j] != '\n' && p.src[j] != '\r' {
			j++
		}
		p.pos = p.gobbleNewline(j)
		return nil, nil, nil
	case '*': // block comment
		k := strings.Index(p.src[i+2:p.end], "*#")
		if k < 0 {
			return nil, nil, p.errAt(i, "unterminated #* comment")
		}
		p.pos = i + 2 + k + 2
		return nil, nil, nil
	case '[':
		if p.at(i+2) == '[' { // unparsed content
			k := strings.Index(p.src[i+3:p.end], "]]#")
			if k < 0 {
				return nil, nil, p.errAt(i, "unterminated #[[ block")
			}
			tb.add(i+3, p.src[i+3:i+3+k])
			p.pos = i + 3 + k + 3
			return nil, nil, nil
		}
	}
	name, after, ok := p.directiveWord(i + 1)
	if !ok {
		tb.add(i, "#")
		p.pos = i + 1
		return nil, nil, nil
	}
	switch name {
	case "set":
		if !p.isSetStart(i) {
			break
		}
		n, err := p.parseSet(i, after)
		return n, nil, err
	case "if":
		n, err := p.parseIf(i, after)
		return n, nil, err
	case "elseif":
		j, ok := p.isLeftParen(after)
		if !ok {
			return nil, nil, p.errAt(i, "#elseif requires a condition in parentheses")
		}
		cond, end, err := p.parenExpr(j)
		if err != nil {
			return nil, nil, err
		}
		p.pos = p.gobbleNewline(end)
		return nil, &terminator{kind: termElseIf, cond: cond}, nil
	case "else":
		p.pos = p.gobbleNewline(after)
		return nil, &terminator{kind: termElse}, nil
	case "end":
		p.pos = p.gobbleNewline(after)
		return nil, &terminator{kind: termEnd}, nil
	case "foreach":
		if j, ok := p.isLeftParen(after); ok {
			n, err := p.parseForeach(i, j)
			return n, nil, err
		}
	case "break":
		p.pos = after
		if j, ok := p.isLeftParen(after); ok {
			if _, end, err := p.args(j); err == nil {
				p.pos = p.gobbleNewline(end)
			} else {
				p.pos = after
			}
		}
		return &breakNode{p: p.posOf(i)}, nil, nil
	case "stop":
		p.pos = after
		return &stopNode{p: p.posOf(i)}, nil, nil
	case "define":
		if j, ok := p.isLeftParen(after); ok {
			n, err := p.parseDefine(i, j)
			return n, nil, err
		}
	case "macro":
		j, ok := p.isLeftParen(after)
		if !ok {
			return nil, nil, p.errAt(i, "#macro requires a name in parentheses")
		}
		err := p.parseMacro(i, j)
		return nil, nil, err
	case "evaluate":
		if j, ok := p.isLeftParen(after); ok {
			arg, end, err := p.parenExpr(j)
			if err != nil {
				return nil, nil, err
			}
			p.pos = p.gobbleNewline(end)
			return &evaluateNode{p: p.posOf(i), arg: arg}, nil, nil
		}
	case "include", "parse":
		if _, ok := p.isLeftParen(after); ok {
			return nil, nil, p.errAt(i, "#%s is not supported: mapping templates cannot load other resources", name)
		}
	default:
		if name[0] == '@' {
			n, err := p.parseMacroCall(i, after, name[1:], true)
			return n, nil, err
		}
		if j, ok := p.isLeftParen(after); ok {
			save := p.pos
			n, err := p.parseMacroCall(i, j, name, false)
			if err == nil {
				return n, nil, nil
			}
			if _, known := p.macros[name]; known {
				return nil, nil, err
			}
			p.pos = save // not a call after all: literal text
		}
	}
	tb.add(i, p.src[i:after])
	p.pos = after
	return nil, nil, nil
}

// backslashes handles a run of '\' characters: escaped references and
// directives, or plain text.
func (p *parser) backslashes(tb *textBuf) (node, error) {
	i := p.pos
	j := i
	for j < p.end && p.src[j] == '\\' {
		j++
	}
	n := j - i
	switch p.at(j) {
	case '$':
		ref, err := p.tryRef(j, n)
		if err != nil {
			return nil, err
		}
		if ref != nil {
			return ref, nil
		}
		tb.add(i, p.src[i:j+1])
		p.pos = j + 1
		return nil, nil
	case '#':
		name, after, ok := p.directiveWord(j + 1)
		if ok && (knownDirectives[name] || p.macros[name] != nil) {
			if n%2 == 1 {
				// \#if renders as #if; the rest of the directive is text.
				tb.add(i, strings.Repeat(`\`, n/2)+p.src[j:after])
				p.pos = after
				return nil, nil
			}
			// \\#if renders one '\' per pair, then the directive runs.
			tb.add(i, strings.Repeat(`\`, n/2))
			p.pos = j
			return nil, nil
		}
	}
	tb.add(i, p.src[i:j])
	p.pos = j
	return nil, nil
}

// tryRef parses a reference whose '$' is at at, preceded by bs backslashes.
// It returns nil (and consumes nothing) when the text is not a reference.
func (p *parser) tryRef(at int, bs int) (*refNode, error) {
	p.depth++
	defer func() { p.depth-- }()
	if p.depth > maxParseDepth {
		return nil, p.errAt(at, "reference nesting exceeds %d levels", maxParseDepth)
	}
	i := at + 1
	// "$\!foo": not a reference; printed with one backslash removed.
	if p.at(i) == '\\' {
		k := i
		for k < p.end && p.src[k] == '\\' {
			k++
		}
		if p.at(k) != '!' {
			return nil, nil
		}
		body, ok := p.refBody(k + 1)
		if !ok {
			return nil, nil
		}
		lit := "$" + strings.Repeat(`\`, k-i-1) + p.src[k:body.end]
		p.pos = body.end
		return &refNode{p: p.posOf(at - bs), slashbang: strings.Repeat(`\`, bs) + lit, lit: lit}, nil
	}
	quiet := false
	if p.at(i) == '!' {
		quiet = true
		i++
	}
	body, ok := p.refBody(i)
	if !ok {
		return nil, nil
	}
	p.pos = body.end
	return &refNode{
		p:           p.posOf(at - bs),
		root:        body.root,
		segs:        body.segs,
		quiet:       quiet,
		lit:         p.src[at:body.end],
		backslashes: bs,
	}, nil
}

type refParts struct {
	root string
	segs []segment
	end  int
}

// refBody parses "name(.seg|[idx])*" or "{name(.seg|[idx])*}" at i.
func (p *parser) refBody(i int) (refParts, bool) {
	formal := p.at(i) == '{'
	if formal {
		i++
	}
	if !isIdentStart(p.at(i)) {
		return refParts{}, false
	}
	j := i + 1
	for j < p.end && isIdentChar(p.src[j]) {
		j++
	}
	parts := refParts{root: p.src[i:j]}
	for {
		c := p.at(j)
		if c == '[' {
			save := p.pos
			p.pos = j + 1
			idx, err := p.parseExpr()
			if err == nil {
				if t := p.peekToken(); t.kind == tRBrack {
					parts.segs = append(parts.segs, segment{kind: segIndex, p: p.posOf(j), index: idx})
					j = t.end
					p.pos = save
					continue
				}
			}
			p.pos = save
			break
		}
		if c == '.' && isAlpha(p.at(j+1)) {
			k := j + 2
			for k < p.end && isIdentChar(p.src[k]) {
				k++
			}
			name := p.src[j+1 : k]
			if p.at(k) == '(' {
				save := p.pos
				args, end, err := p.args(k)
				p.pos = save
				if err != nil {
					break
				}
				parts.segs = append(parts.segs, segment{kind: segMethod, p: p.posOf(j + 1), name: name, args: args})
				j = end
				continue
			}
			parts.segs = append(parts.segs, segment{kind: segProp, p: p.posOf(j + 1), name: name})
			j = k
			continue
		}
		break
	}
	if formal {
		if p.at(j) != '}' {
			return refParts{}, false
		}
		j++
	}
	parts.end = j
	return parts, true
}

// args parses a parenthesised, comma-separated argument list whose '(' is
// at i. Whitespace-separated arguments are accepted too (macro calls).
func (p *parser) args(i int) ([]expr, int, error) {
	p.pos = i + 1
	var out []expr
	for {
		t := p.peekToken()
		switch t.kind {
		case tRParen:
			return out, t.end, nil
		case tComma:
			if len(out) == 0 {
				return nil, 0, p.errAt(t.p, "unexpected ','")
			}
			p.pos = t.end
			t = p.peekToken()
		case tEOF:
			return nil, 0, p.errAt(i, "unterminated argument list")
		}
		if t.kind == tWord {
			out = append(out, &wordExpr{p: p.posOf(t.p), word: p.src[t.p:t.end]})
			p.pos = t.end
			continue
		}
		e, err := p.parseExpr()
		if err != nil {
			return nil, 0, err
		}
		out = append(out, e)
	}
}

// parenExpr parses "( expr )" with '(' at i and returns the offset after ')'.
func (p *parser) parenExpr(i int) (expr, int, error) {
	p.pos = i + 1
	e, err := p.parseExpr()
	if err != nil {
		return nil, 0, err
	}
	t := p.peekToken()
	if t.kind != tRParen {
		return nil, 0, p.errAt(t.p, "expected ')' but found %s", tokNames[t.kind])
	}
	return e, t.end, nil
}

func (p *parser) parseSet(start, after int) (node, error) {
	j := p.skipSpace(after)
	if p.at(j) != '(' {
		return nil, p.errAt(start, "#set requires parentheses")
	}
	p.pos = j + 1
	t := p.peekToken()
	if t.kind != tDollar {
		return nil, p.errAt(t.p, "#set: left-hand side must be a reference")
	}
	target, err := p.tryRef(t.p, 0)
	if err != nil {
		return nil, err
	}
	if target == nil || target.slashbang != "" {
		return nil, p.errAt(t.p, "#set: invalid reference")
	}
	if n := len(target.segs); n > 0 && target.segs[n-1].kind == segMethod {
		return nil, p.errAt(t.p, "#set: cannot assign to a method call")
	}
	if t = p.peekToken(); t.kind != tAssign {
		return nil, p.errAt(t.p, "#set: expected '=' but found %s", tokNames[t.kind])
	}
	p.pos = t.end
	value, err := p.parseExpr()
	if err != nil {
		return nil, err
	}
	if t = p.peekToken(); t.kind != tRParen {
		return nil, p.errAt(t.p, "#set: expected ')' but found %s", tokNames[t.kind])
	}
	p.pos = p.gobbleNewline(t.end)
	return &setNode{p: p.posOf(start), target: target, value: value}, nil
}

func (p *parser) parseIf(start, after int) (node, error) {
	j, ok := p.isLeftParen(after)
	if !ok {
		return nil, p.errAt(start, "#if requires a condition in parentheses")
	}
	cond, end, err := p.parenExpr(j)
	if err != nil {
		return nil, err
	}
	p.pos = p.gobbleNewline(end)
	n := &ifNode{p: p.posOf(start)}
	for {
		body, term, err := p.parseBlock()
		if err != nil {
			return nil, err
		}
		n.conds = append(n.conds, cond)
		n.blocks = append(n.blocks, body)
		switch term.kind {
		case termEnd:
			return n, nil
		case termElseIf:
			cond = term.cond
		case termElse:
			body, term, err := p.parseBlock()
			if err != nil {
				return nil, err
			}
			if term.kind != termEnd {
				return nil, p.errAtPos(term.p, "#else must be followed by #end")
			}
			n.elseBlk, n.hasElse = body, true
			return n, nil
		default:
			return nil, p.errAt(start, "#if without matching #end")
		}
	}
}

// blockBody parses a directive body that must end with #end.
func (p *parser) blockBody(start int, what string) ([]node, error) {
	body, term, err := p.parseBlock()
	if err != nil {
		return nil, err
	}
	switch term.kind {
	case termEnd:
		return body, nil
	case termEOF:
		return nil, p.errAt(start, "%s without matching #end", what)
	}
	return nil, p.errAtPos(term.p, "unexpected #else/#elseif in %s", what)
}

// simpleVar reads "$name", "$!name" or "${name}" and returns the name.
func (p *parser) simpleVar(what string) (string, error) {
	t := p.peekToken()
	if t.kind != tDollar {
		return "", p.errAt(t.p, "%s: expected a $variable", what)
	}
	r, err := p.tryRef(t.p, 0)
	if err != nil {
		return "", err
	}
	if r == nil || r.slashbang != "" || len(r.segs) > 0 {
		return "", p.errAt(t.p, "%s: expected a plain $variable", what)
	}
	return r.root, nil
}

func (p *parser) parseForeach(start, paren int) (node, error) {
	p.pos = paren + 1
	name, err := p.simpleVar("#foreach")
	if err != nil {
		return nil, err
	}
	t := p.peekToken()
	if t.kind != tWord || p.src[t.p:t.end] != "in" {
		return nil, p.errAt(t.p, "#foreach: expected 'in'")
	}
	p.pos = t.end
	iter, err := p.parseExpr()
	if err != nil {
		return nil, err
	}
	if t = p.peekToken(); t.kind != tRParen {
		return nil, p.errAt(t.p, "#foreach: expected ')' but found %s", tokNames[t.kind])
	}
	p.pos = p.gobbleNewline(t.end)
	body, err := p.blockBody(start, "#foreach")
	if err != nil {
		return nil, err
	}
	return &foreachNode{p: p.posOf(start), varName: name, iter: iter, body: body}, nil
}

func (p *parser) parseDefine(start, paren int) (node, error) {
	p.pos = paren + 1
	name, err := p.simpleVar("#define")
	if err != nil {
		return nil, err
	}
	t := p.peekToken()
	if t.kind != tRParen {
		return nil, p.errAt(t.p, "#define: expected ')' but found %s", tokNames[t.kind])
	}
	p.pos = p.gobbleNewline(t.end)
	body, err := p.blockBody(start, "#define")
	if err != nil {
		return nil, err
	}
	return &defineNode{p: p.posOf(start), name: name, body: body}, nil
}

func (p *parser) parseMacro(start, paren int) error {
	p.pos = paren + 1
	t := p.peekToken()
	if t.kind != tWord {
		return p.errAt(t.p, "#macro: expected a macro name")
	}
	def := &macroDef{p: p.posOf(start), name: p.src[t.p:t.end]}
	p.pos = t.end
	for {
		t = p.peekToken()
		switch t.kind {
		case tComma:
			p.pos = t.end
			continue
		case tRParen:
			p.pos = p.gobbleNewline(t.end)
			// Register before parsing the body so the macro can recurse.
			p.macros[def.name] = def
			body, err := p.blockBody(start, "#macro")
			if err != nil {
				return err
			}
			def.body = body
			return nil
		case tDollar:
			name, err := p.simpleVar("#macro")
			if err != nil {
				return err
			}
			def.params = append(def.params, name)
		default:
			return p.errAt(t.p, "#macro: unexpected %s", tokNames[t.kind])
		}
	}
}

func (p *parser) parseMacroCall(start, paren int, name string, block bool) (node, error) {
	n := &macroCallNode{p: p.posOf(start), name: name, block: block}
	if block {
		j, ok := p.isLeftParen(paren)
		if !ok {
			return nil, p.errAt(start, "#@%s requires parentheses", name)
		}
		paren = j
	}
	args, end, err := p.args(paren)
	if err != nil {
		return nil, err
	}
	n.args = args
	p.pos = p.gobbleNewline(end)
	n.literal = p.src[start:p.pos]
	if block {
		body, err := p.blockBody(start, "#@"+name)
		if err != nil {
			return nil, err
		}
		n.body = body
	}
	return n, nil
}

// ---- expressions ----

func (p *parser) next() token {
	t := p.peekToken()
	p.pos = t.end
	return t
}

func (p *parser) parseExpr() (expr, error) {
	p.depth++
	defer func() { p.depth-- }()
	if p.depth > maxParseDepth {
		return nil, p.errAt(p.pos, "expression nesting exceeds %d levels", maxParseDepth)
	}
	return p.parseBinary(0)
}

// precedence levels, lowest first: || && (== !=) (< <= > >=) (+ -) (* / %)
var binLevels = [][]struct {
	tok tokKind
	op  opKind
}{
	{{tOr, opOr}},
	{{tAnd, opAnd}},
	{{tEq, opEq}, {tNe, opNe}},
	{{tLt, opLt}, {tLe, opLe}, {tGt, opGt}, {tGe, opGe}},
	{{tPlus, opAdd}, {tMinus, opSub}},
	{{tStar, opMul}, {tSlash, opDiv}, {tPercent, opMod}},
}

func (p *parser) parseBinary(level int) (expr, error) {
	if level == len(binLevels) {
		return p.parseUnary()
	}
	lstart := p.peekToken().p
	l, err := p.parseBinary(level + 1)
	if err != nil {
		return nil, err
	}
	lend := p.pos
	for {
		t := p.peekToken()
		var op opKind
		found := false
		for _, c := range binLevels[level] {
			if c.tok == t.kind {
				op, found = c.op, true
				break
			}
		}
		if !found {
			return l, nil
		}
		p.pos = t.end
		rstart := p.peekToken().p
		r, err := p.parseBinary(level + 1)
		if err != nil {
			return nil, err
		}
		b := &binExpr{p: p.posOf(lstart), op: op, l: l, r: r}
		if op == opAdd {
			b.litL = p.src[lstart:lend]
			b.litR = p.src[rstart:p.pos]
		}
		l, lend = b, p.pos
	}
}

func (p *parser) parseUnary() (expr, error) {
	t := p.peekToken()
	switch t.kind {
	case tNot:
		p.pos = t.end
		p.depth++
		defer func() { p.depth-- }()
		if p.depth > maxParseDepth {
			return nil, p.errAt(t.p, "expression nesting exceeds %d levels", maxParseDepth)
		}
		x, err := p.parseUnary()
		if err != nil {
			return nil, err
		}
		return &notExpr{p: p.posOf(t.p), x: x}, nil
	case tMinus:
		p.pos = t.end
		p.depth++
		defer func() { p.depth-- }()
		if p.depth > maxParseDepth {
			return nil, p.errAt(t.p, "expression nesting exceeds %d levels", maxParseDepth)
		}
		x, err := p.parseUnary()
		if err != nil {
			return nil, err
		}
		if l, ok := x.(*litExpr); ok {
			switch v := l.v.(type) {
			case int64:
				if v != -v || v == 0 {
					return &litExpr{p: p.posOf(t.p), v: -v}, nil
				}
			case float64:
				return &litExpr{p: p.posOf(t.p), v: -v}, nil
			}
		}
		return &negExpr{p: p.posOf(t.p), x: x}, nil
	}
	return p.parsePrimary()
}

func (p *parser) parsePrimary() (expr, error) {
	t := p.peekToken()
	pos := p.posOf(t.p)
	switch t.kind {
	case tStr:
		p.pos = t.end
		return p.stringLit(t)
	case tInt:
		p.pos = t.end
		text := p.src[t.p:t.end]
		if n, err := strconv.ParseInt(text, 10, 64); err == nil {
			return &litExpr{p: pos, v: n}, nil
		}
		// Like Velocity, integers too large for a long become BigIntegers.
		b, _ := new(big.Int).SetString(text, 10)
		return &litExpr{p: pos, v: b}, nil
	case tFloat:
		p.pos = t.end
		f, err := strconv.ParseFloat(p.src[t.p:t.end], 64)
		if err != nil {
			return nil, p.errAt(t.p, "invalid number %s", p.src[t.p:t.end])
		}
		return &litExpr{p: pos, v: f}, nil
	case tTrue:
		p.pos = t.end
		return &litExpr{p: pos, v: true}, nil
	case tFalse:
		p.pos = t.end
		return &litExpr{p: pos, v: false}, nil
	case tNull:
		p.pos = t.end
		return &litExpr{p: pos, v: nil}, nil
	case tDollar:
		r, err := p.tryRef(t.p, 0)
		if err != nil {
			return nil, err
		}
		if r == nil {
			return nil, p.errAt(t.p, "invalid reference")
		}
		return r, nil
	case tLParen:
		e, end, err := p.parenExpr(t.p)
		if err != nil {
			return nil, err
		}
		p.pos = end
		return e, nil
	case tLBrack:
		p.pos = t.end
		if n := p.peekToken(); n.kind == tRBrack {
			p.pos = n.end
			return &listExpr{p: pos}, nil
		}
		first, err := p.parseExpr()
		if err != nil {
			return nil, err
		}
		if n := p.peekToken(); n.kind == tDotDot {
			p.pos = n.end
			to, err := p.parseExpr()
			if err != nil {
				return nil, err
			}
			if n = p.next(); n.kind != tRBrack {
				return nil, p.errAt(n.p, "range: expected ']' but found %s", tokNames[n.kind])
			}
			return &rangeExpr{p: pos, from: first, to: to}, nil
		}
		l := &listExpr{p: pos, items: []expr{first}}
		for {
			n := p.next()
			switch n.kind {
			case tRBrack:
				return l, nil
			case tComma:
				e, err := p.parseExpr()
				if err != nil {
					return nil, err
				}
				l.items = append(l.items, e)
			default:
				return nil, p.errAt(n.p, "list: expected ',' or ']' but found %s", tokNames[n.kind])
			}
		}
	case tLBrace:
		p.pos = t.end
		m := &mapExpr{p: pos}
		if n := p.peekToken(); n.kind == tRBrace {
			p.pos = n.end
			return m, nil
		}
		for {
			k, err := p.parseExpr()
			if err != nil {
				return nil, err
			}
			if n := p.next(); n.kind != tColon {
				return nil, p.errAt(n.p, "map: expected ':' but found %s", tokNames[n.kind])
			}
			v, err := p.parseExpr()
			if err != nil {
				return nil, err
			}
			m.keys = append(m.keys, k)
			m.vals = append(m.vals, v)
			switch n := p.next(); n.kind {
			case tRBrace:
				return m, nil
			case tComma:
			default:
				return nil, p.errAt(n.p, "map: expected ',' or '}' but found %s", tokNames[n.kind])
			}
		}
	case tBad:
		if c := p.at(t.p); c == '"' || c == '\'' {
			return nil, p.errAt(t.p, "unterminated string literal")
		}
		return nil, p.errAt(t.p, "unexpected character %q", p.src[t.p:t.end])
	}
	return nil, p.errAt(t.p, "unexpected %s", tokNames[t.kind])
}

// stringLit builds the expression for a string literal token. Double-quoted
// strings containing '$' or '#' are templates of their own.
func (p *parser) stringLit(t token) (expr, error) {
	q := p.src[t.p]
	raw := p.src[t.p+1 : t.end-1]
	val := stringValue(raw, q)
	pos := p.posOf(t.p)
	if q == '\'' || !strings.ContainsAny(raw, "$#") {
		return &litExpr{p: pos, v: val}, nil
	}
	sub := &parser{name: p.name, macros: p.macros, depth: p.depth + 1}
	if val == raw {
		sub.scanner = scanner{src: p.src, orig: p.orig, pos: t.p + 1, end: t.end - 1, fixed: p.fixed}
	} else {
		sub.scanner = scanner{src: val, orig: p.orig, pos: 0, end: len(val), fixed: pos}
	}
	nodes, term, err := sub.parseBlock()
	if err != nil {
		return nil, err
	}
	if term.kind != termEOF {
		return nil, p.errAt(t.p, "unbalanced #end/#else inside string literal")
	}
	return &interpExpr{p: pos, nodes: nodes}, nil
}
