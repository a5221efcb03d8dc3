package vtl

// The AST produced by the parser. Nodes are immutable after Parse, which is
// what makes a *Template safe for concurrent Render calls. Every node keeps
// the byte offset where it starts so render errors can report line:col.

// node is a template-level statement.
type node interface{ pos() int }

// expr is an expression inside a directive, method argument or index.
type expr interface{ pos() int }

// textNode is literal output.
type textNode struct {
	p    int
	text string
}

// refNode is a reference: $a, ${a}, $!a, $a.b.c(1)[0] ... It is both a
// statement (rendered into the output) and an expression.
type refNode struct {
	p     int
	root  string
	segs  []segment
	quiet bool
	// lit is the source text of the reference without leading backslashes;
	// it is what a null reference renders as.
	lit string
	// backslashes is the number of '\' immediately before the '$'.
	backslashes int
	// slashbang, when non-empty, marks "$\!foo" style text that Velocity
	// treats as literal output rather than a reference.
	slashbang string
}

type segKind uint8

const (
	segProp segKind = iota
	segMethod
	segIndex
)

type segment struct {
	kind  segKind
	p     int
	name  string // property or method name
	args  []expr // method arguments
	index expr   // index expression
}

type setNode struct {
	p      int
	target *refNode
	value  expr
}

type ifNode struct {
	p       int
	conds   []expr
	blocks  [][]node
	elseBlk []node
	hasElse bool
}

type foreachNode struct {
	p       int
	varName string
	iter    expr
	body    []node
}

type breakNode struct{ p int }

type stopNode struct{ p int }

type defineNode struct {
	p    int
	name string
	body []node
}

type macroDef struct {
	p      int
	name   string
	params []string
	body   []node
}

// macroCallNode is #name(args) or #@name(args) body #end. Velocity resolves
// macros at render time, so a call to an undefined name renders its source
// text literally.
type macroCallNode struct {
	p       int
	name    string
	args    []expr
	literal string
	block   bool
	body    []node
}

type evaluateNode struct {
	p   int
	arg expr
}

func (n *textNode) pos() int      { return n.p }
func (n *refNode) pos() int       { return n.p }
func (n *setNode) pos() int       { return n.p }
func (n *ifNode) pos() int        { return n.p }
func (n *foreachNode) pos() int   { return n.p }
func (n *breakNode) pos() int     { return n.p }
func (n *stopNode) pos() int      { return n.p }
func (n *defineNode) pos() int    { return n.p }
func (n *macroCallNode) pos() int { return n.p }
func (n *evaluateNode) pos() int  { return n.p }

// ---- expressions ----

type opKind uint8

const (
	opAdd opKind = iota
	opSub
	opMul
	opDiv
	opMod
	opEq
	opNe
	opLt
	opLe
	opGt
	opGe
	opAnd
	opOr
)

var opNames = [...]string{"+", "-", "*", "/", "%", "==", "!=", "<", "<=", ">", ">=", "&&", "||"}

// litExpr is a constant: non-interpolated string, int64, float64, bool or
// nil (the null keyword).
type litExpr struct {
	p int
	v any
}

// interpExpr is a double-quoted string containing $ or #: it is parsed as a
// template and rendered to a string when evaluated.
type interpExpr struct {
	p     int
	nodes []node
}

type listExpr struct {
	p     int
	items []expr
}

type rangeExpr struct {
	p        int
	from, to expr
}

type mapExpr struct {
	p          int
	keys, vals []expr
}

type binExpr struct {
	p    int
	op   opKind
	l, r expr
	// litL and litR are the operands' source text, used when a string
	// concatenation meets a null operand (Velocity splices in the literal).
	litL, litR string
}

type notExpr struct {
	p int
	x expr
}

type negExpr struct {
	p int
	x expr
}

// wordExpr is a bare word, only meaningful as a macro-call argument (and
// rendered literally there).
type wordExpr struct {
	p    int
	word string
}

func (e *litExpr) pos() int    { return e.p }
func (e *interpExpr) pos() int { return e.p }
func (e *listExpr) pos() int   { return e.p }
func (e *rangeExpr) pos() int  { return e.p }
func (e *mapExpr) pos() int    { return e.p }
func (e *binExpr) pos() int    { return e.p }
func (e *notExpr) pos() int    { return e.p }
func (e *negExpr) pos() int    { return e.p }
func (e *wordExpr) pos() int   { return e.p }
