package vtl

import (
	"errors"
	"fmt"
	"math/big"
	"strconv"
	"strings"
)

// maxNesting bounds macro calls, #define block expansion and #evaluate
// (Velocity's own velocimacro.max.depth default is 20).
const maxNesting = 20

// renderer is the per-Render evaluation state. Templates are immutable; all
// mutable state lives here.
type renderer struct {
	t        *Template
	ctx      *Context
	base     map[string]any   // caller's Vars (read-only)
	vars     map[string]any   // template assignments
	frames   []map[string]any // macro argument scopes
	out      []byte
	steps    int
	maxSteps int
	maxOut   int
	stopped  bool
	breaking bool
	scopes   int // open #break-able scopes
	nest     int
	foreach  *foreachScope
	reqOv    *Map // $context.requestOverride; nil until used (ctxView)
	respOv   *Map // $context.responseOverride; nil until used (ctxView)
	cv       ctxView
	docs     map[*Input]parsedBody // parsed bodies, per Render
	params   map[*Input]*Map       // $input.params(), per Render
}

// foreachScope is $foreach inside a loop.
type foreachScope struct {
	index   int
	hasNext bool
	parent  *foreachScope
}

// block is the value of a #define'd reference or $bodyContent: it renders
// its body when printed.
type block struct {
	nodes []node
}

func newRenderer(t *Template, ctx *Context) *renderer {
	r := &renderer{
		t:        t,
		ctx:      ctx,
		base:     ctx.Vars,
		vars:     make(map[string]any, 8),
		maxSteps: ctx.MaxSteps,
		maxOut:   ctx.MaxOutput,
	}
	if r.maxSteps <= 0 {
		r.maxSteps = DefaultMaxSteps
	}
	if r.maxOut <= 0 {
		r.maxOut = DefaultMaxOutput
	}
	r.out = make([]byte, 0, min(len(t.src)+256, r.maxOut))
	r.setupContext()
	return r
}

// setupContext builds the template's $context: a shallow copy of the
// caller's context map plus fresh override maps, so assignments to
// $context.* never leak into the caller's map. A template that only reads
// $context.name... gets a view of the caller's map instead (ctxview.go).
func (r *renderer) setupContext() {
	c := r.base["context"]
	if r.t.ctxReadOnly {
		r.cv = ctxView{r: r, base: c}
		r.vars["context"] = &r.cv
		return
	}
	m := &Map{}
	if c != nil {
		if keys, ok := mapKeys(c); ok {
			for _, k := range keys {
				v, _, _ := mapGet(c, k)
				m.Put(k, v)
			}
		}
	}
	m.Put("requestOverride", r.requestOverride())
	m.Put("responseOverride", r.responseOverride())
	r.vars["context"] = m
}

func (r *renderer) collectOverrides() {
	ctx := r.ctx
	ctx.RequestOverride = RequestOverride{}
	ctx.ResponseOverride = ResponseOverride{}
	if r.reqOv == nil && r.respOv == nil {
		return
	}
	multi := func(v any) map[string][]string {
		keys, ok := mapKeys(v)
		if !ok || len(keys) == 0 {
			return nil
		}
		out := make(map[string][]string, len(keys))
		for _, k := range keys {
			val, _, _ := mapGet(v, k)
			if items, ok := listItems(val); ok {
				for _, it := range items {
					out[k] = append(out[k], r.plainString(it))
				}
			} else if val != nil {
				out[k] = []string{r.plainString(val)}
			}
		}
		return out
	}
	if r.reqOv == nil {
		r.reqOv = &Map{}
	}
	if r.respOv == nil {
		r.respOv = &Map{}
	}
	if h, ok := r.reqOv.Get("header"); ok {
		ctx.RequestOverride.Header = multi(h)
	}
	if q, ok := r.reqOv.Get("querystring"); ok {
		ctx.RequestOverride.QueryString = multi(q)
	}
	if pth, ok := r.reqOv.Get("path"); ok {
		if m := multi(pth); m != nil {
			ctx.RequestOverride.Path = make(map[string]string, len(m))
			for k, v := range m {
				if len(v) > 0 {
					ctx.RequestOverride.Path[k] = v[len(v)-1]
				}
			}
		}
	}
	if h, ok := r.respOv.Get("header"); ok {
		ctx.ResponseOverride.Header = multi(h)
	}
	if s, ok := r.respOv.Get("status"); ok && s != nil {
		switch v := s.(type) {
		case int64:
			ctx.ResponseOverride.Status = int(v)
		case float64:
			ctx.ResponseOverride.Status = int(v)
		default:
			if n, err := strconv.Atoi(strings.TrimSpace(r.plainString(v))); err == nil {
				ctx.ResponseOverride.Status = n
			}
		}
	}
}

// plainString renders a value for override maps; failures render "".
func (r *renderer) plainString(v any) string {
	b, err := r.appendValue(nil, v, 0)
	if err != nil {
		return ""
	}
	return string(b)
}

// ---- errors ----

func (r *renderer) wrap(pos int, err error) error {
	if err == nil {
		return nil
	}
	var re *RenderError
	if errors.As(err, &re) {
		return err
	}
	line, col := lineCol(r.t.src, pos)
	return &RenderError{Template: r.t.name, Line: line, Col: col, Err: err}
}

func (r *renderer) step() error {
	r.steps++
	if r.steps > r.maxSteps {
		return ErrStepLimit
	}
	return nil
}

func (r *renderer) write(s string) error {
	if len(r.out)+len(s) > r.maxOut {
		return errOutputLimit
	}
	r.out = append(r.out, s...)
	return nil
}

// checkLen guards strings produced by concatenation and string methods.
func (r *renderer) checkLen(n int) error {
	if n > r.maxOut {
		return errOutputLimit
	}
	return nil
}

// ---- variables ----

func (r *renderer) lookup(name string) (any, bool) {
	if r.foreach != nil && len(name) >= 7 {
		switch name {
		case "foreach":
			return r.foreach, true
		case "velocityCount":
			return int64(r.foreach.index + 1), true
		case "velocityHasNext":
			return r.foreach.hasNext, true
		}
	}
	if n := len(r.frames); n > 0 {
		if v, ok := r.frames[n-1][name]; ok {
			return v, v != nil
		}
	}
	if v, ok := r.vars[name]; ok {
		return v, true
	}
	if v, ok := r.base[name]; ok {
		return normalize(v), v != nil
	}
	if name == "util" {
		return Util{}, true
	}
	return nil, false
}

// setVar assigns a top-level name (macro arguments shadow globals).
func (r *renderer) setVar(name string, v any) {
	if n := len(r.frames); n > 0 {
		if _, ok := r.frames[n-1][name]; ok {
			r.frames[n-1][name] = v
			return
		}
	}
	r.vars[name] = v
}

// saveVar / restoreVar preserve a name around a loop.
type savedVar struct {
	name    string
	v       any
	had     bool
	inFrame bool
}

func (r *renderer) saveVar(name string) savedVar {
	if n := len(r.frames); n > 0 {
		if v, ok := r.frames[n-1][name]; ok {
			return savedVar{name: name, v: v, had: true, inFrame: true}
		}
	}
	v, ok := r.vars[name]
	return savedVar{name: name, v: v, had: ok}
}

func (r *renderer) restoreVar(s savedVar) {
	switch {
	case s.inFrame:
		r.frames[len(r.frames)-1][s.name] = s.v
	case s.had:
		r.vars[s.name] = s.v
	default:
		delete(r.vars, s.name)
	}
}

// ---- statements ----

func (r *renderer) renderNodes(nodes []node) error {
	for _, n := range nodes {
		if r.stopped || r.breaking {
			return nil
		}
		if err := r.step(); err != nil {
			return r.wrap(n.pos(), err)
		}
		var err error
		switch n := n.(type) {
		case *textNode:
			err = r.write(n.text)
		case *refNode:
			err = r.renderRef(n)
		case *setNode:
			err = r.execSet(n)
		case *ifNode:
			err = r.execIf(n)
		case *foreachNode:
			err = r.execForeach(n)
		case *breakNode:
			// #break leaves the innermost #foreach, macro, #define or
			// #evaluate; at the top level it ends the template.
			if r.scopes > 0 {
				r.breaking = true
			} else {
				r.stopped = true
			}
		case *stopNode:
			r.stopped = true
		case *defineNode:
			r.setVar(n.name, &block{nodes: n.body})
		case *macroCallNode:
			err = r.execMacro(n)
		case *evaluateNode:
			err = r.execEvaluate(n)
		}
		if err != nil {
			return r.wrap(n.pos(), err)
		}
	}
	return nil
}

func (r *renderer) renderRef(n *refNode) error {
	if n.slashbang != "" {
		return r.write(n.slashbang)
	}
	v, err := r.evalRef(n)
	if err != nil {
		return err
	}
	if n.backslashes > 0 {
		half := strings.Repeat(`\`, n.backslashes/2)
		escaped := n.backslashes%2 == 1
		switch {
		case v == nil:
			// An unresolved reference is plain text: every backslash stays.
			lit := n.lit
			if (n.quiet || r.quietRoot(n.root)) && !escaped {
				lit = ""
			}
			return r.write(strings.Repeat(`\`, n.backslashes) + lit)
		case escaped:
			return r.write(half + n.lit)
		}
		if err := r.write(half); err != nil {
			return err
		}
	}
	if v == nil {
		if n.quiet || r.quietRoot(n.root) {
			return nil
		}
		return r.write(n.lit)
	}
	return r.writeValue(v)
}

// quietRoot reports whether null references under root print as nothing
// (Context.QuietRoots).
func (r *renderer) quietRoot(root string) bool {
	for _, q := range r.ctx.QuietRoots {
		if q == root {
			return true
		}
	}
	return false
}

// writeValue prints a value at top level (strings fast-pathed).
func (r *renderer) writeValue(v any) error {
	switch x := v.(type) {
	case string:
		return r.write(x)
	case *block:
		return r.renderBlock(x)
	}
	var err error
	r.out, err = r.appendValue(r.out, v, 0)
	if err == nil && len(r.out) > r.maxOut {
		err = errOutputLimit
	}
	return err
}

func (r *renderer) renderBlock(b *block) error {
	r.nest++
	defer func() { r.nest-- }()
	if r.nest > maxNesting {
		return errDepthLimit
	}
	return r.renderScope(b.nodes)
}

// renderScope renders a #break-able body (macro, #define, #evaluate).
func (r *renderer) renderScope(nodes []node) error {
	r.scopes++
	err := r.renderNodes(nodes)
	r.scopes--
	r.breaking = false
	return err
}

func (r *renderer) execSet(n *setNode) error {
	v, err := r.eval(n.value)
	if err != nil {
		return err
	}
	if v == nil {
		// Velocity 1.7: a null right-hand side leaves the target unchanged.
		return nil
	}
	t := n.target
	if len(t.segs) == 0 {
		r.setVar(t.root, v)
		return nil
	}
	obj, ok := r.lookup(t.root)
	if !ok {
		return nil
	}
	for i := 0; i < len(t.segs)-1 && obj != nil; i++ {
		if obj, err = r.applySeg(obj, &t.segs[i]); err != nil {
			return err
		}
	}
	if obj == nil {
		return nil
	}
	last := &t.segs[len(t.segs)-1]
	switch last.kind {
	case segProp:
		return r.setProp(obj, last.name, v)
	case segIndex:
		idx, err := r.eval(last.index)
		if err != nil {
			return err
		}
		return r.setIndex(obj, idx, v)
	}
	return nil
}

func (r *renderer) execIf(n *ifNode) error {
	for i, c := range n.conds {
		ok, err := r.truthy(c)
		if err != nil {
			return err
		}
		if ok {
			return r.renderNodes(n.blocks[i])
		}
	}
	if n.hasElse {
		return r.renderNodes(n.elseBlk)
	}
	return nil
}

func (r *renderer) execForeach(n *foreachNode) error {
	coll, err := r.eval(n.iter)
	if err != nil {
		return err
	}
	var items []any
	switch {
	case coll == nil:
		return nil
	case isListLike(coll):
		items, _ = listItems(coll)
	case isMapLike(coll):
		keys, _ := mapKeys(coll)
		items = make([]any, len(keys))
		for i, k := range keys {
			items[i], _, _ = mapGet(coll, k)
		}
	default:
		return nil // not iterable: Velocity logs and skips the loop
	}
	if len(items) == 0 {
		return nil
	}
	// $foreach, $velocityCount and $velocityHasNext are answered by
	// lookup from r.foreach while the loop runs.
	saved := r.saveVar(n.varName)
	scope := &foreachScope{parent: r.foreach}
	r.foreach = scope
	r.scopes++
	defer func() {
		r.foreach = scope.parent
		r.scopes--
		r.restoreVar(saved)
	}()
	count := len(items)
	for i := 0; i < count; i++ {
		if err := r.step(); err != nil {
			return err
		}
		scope.index = i
		scope.hasNext = i < count-1
		if items[i] == nil {
			r.deleteVar(n.varName)
		} else {
			r.setVar(n.varName, items[i])
		}
		if err := r.renderNodes(n.body); err != nil {
			return err
		}
		if r.breaking {
			r.breaking = false
			break
		}
		if r.stopped {
			break
		}
	}
	return nil
}

func (r *renderer) deleteVar(name string) {
	if n := len(r.frames); n > 0 {
		if _, ok := r.frames[n-1][name]; ok {
			delete(r.frames[n-1], name)
			return
		}
	}
	delete(r.vars, name)
}

func (r *renderer) execMacro(n *macroCallNode) error {
	def := r.t.macros[n.name]
	if def == nil {
		// Unknown macro: Velocity prints the call as text.
		return r.write(n.literal)
	}
	r.nest++
	defer func() { r.nest-- }()
	if r.nest > maxNesting {
		return errDepthLimit
	}
	frame := make(map[string]any, len(def.params)+1)
	// Velocity 1.7 (non-strict) tolerates a wrong argument count: extra
	// arguments are ignored and missing parameters are simply not bound.
	for i, param := range def.params {
		if i >= len(n.args) {
			break
		}
		v, err := r.eval(n.args[i])
		if err != nil {
			return err
		}
		frame[param] = v
	}
	if n.block {
		frame["bodyContent"] = &block{nodes: n.body}
	}
	r.frames = append(r.frames, frame)
	defer func() { r.frames = r.frames[:len(r.frames)-1] }()
	return r.renderScope(def.body)
}

func (r *renderer) execEvaluate(n *evaluateNode) error {
	v, err := r.eval(n.arg)
	if err != nil || v == nil {
		return err
	}
	src, err := r.toString(v)
	if err != nil {
		return err
	}
	r.nest++
	defer func() { r.nest-- }()
	if r.nest > maxNesting {
		return errDepthLimit
	}
	p := &parser{
		scanner: scanner{src: src, orig: r.t.src, end: len(src), fixed: n.p},
		name:    r.t.name,
		macros:  map[string]*macroDef{},
	}
	nodes, term, err := p.parseBlock()
	if err != nil {
		return fmt.Errorf("#evaluate: %w", err)
	}
	if term.kind != termEOF {
		return errors.New("#evaluate: unbalanced #end/#else")
	}
	return r.renderScope(nodes)
}

// ---- expressions ----

func (r *renderer) eval(e expr) (any, error) {
	switch e := e.(type) {
	case *litExpr:
		return e.v, nil
	case *refNode:
		if e.slashbang != "" {
			return e.slashbang, nil
		}
		return r.evalRef(e)
	case *interpExpr:
		return r.renderToString(e.nodes)
	case *binExpr:
		return r.evalBinary(e)
	case *notExpr:
		b, err := r.truthy(e.x)
		return !b, err
	case *negExpr:
		v, err := r.eval(e.x)
		if err != nil || v == nil {
			return nil, err
		}
		return arith(opSub, int64(0), v), nil
	case *listExpr:
		l := &List{items: make([]any, 0, len(e.items))}
		for _, it := range e.items {
			if err := r.step(); err != nil {
				return nil, err
			}
			v, err := r.eval(it)
			if err != nil {
				return nil, err
			}
			l.items = append(l.items, v)
		}
		return l, nil
	case *rangeExpr:
		return r.evalRange(e)
	case *mapExpr:
		m := &Map{}
		for i := range e.keys {
			if err := r.step(); err != nil {
				return nil, err
			}
			k, err := r.eval(e.keys[i])
			if err != nil {
				return nil, err
			}
			v, err := r.eval(e.vals[i])
			if err != nil {
				return nil, err
			}
			ks, err := r.toString(k)
			if err != nil {
				return nil, err
			}
			m.Put(ks, v)
		}
		return m, nil
	case *wordExpr:
		return e.word, nil
	}
	return nil, fmt.Errorf("internal error: unknown expression %T", e)
}

func (r *renderer) evalRange(e *rangeExpr) (any, error) {
	a, err := r.eval(e.from)
	if err != nil {
		return nil, err
	}
	b, err := r.eval(e.to)
	if err != nil {
		return nil, err
	}
	from, ok1 := a.(int64)
	to, ok2 := b.(int64)
	if !ok1 || !ok2 {
		return nil, nil // Velocity logs and yields null
	}
	n := to - from
	if n < 0 {
		n = -n
	}
	// Each element costs a step, checked before anything is allocated.
	if n >= int64(r.maxSteps-r.steps) || n < 0 {
		return nil, ErrStepLimit
	}
	r.steps += int(n)
	items := make([]any, 0, n+1)
	if from <= to {
		for i := from; ; i++ {
			items = append(items, i)
			if i == to {
				break
			}
		}
	} else {
		for i := from; ; i-- {
			items = append(items, i)
			if i == to {
				break
			}
		}
	}
	return &List{items: items}, nil
}

func (r *renderer) evalBinary(e *binExpr) (any, error) {
	switch e.op {
	case opAnd, opOr, opEq, opNe, opLt, opLe, opGt, opGe:
		return r.truthy(e)
	}
	a, err := r.eval(e.l)
	if err != nil {
		return nil, err
	}
	b, err := r.eval(e.r)
	if err != nil {
		return nil, err
	}
	if e.op == opAdd {
		_, as := a.(string)
		_, bs := b.(string)
		if as || bs {
			var sa, sb string
			if a == nil {
				sa = e.litL
			} else if sa, err = r.toString(a); err != nil {
				return nil, err
			}
			if b == nil {
				sb = e.litR
			} else if sb, err = r.toString(b); err != nil {
				return nil, err
			}
			if err := r.checkLen(len(sa) + len(sb)); err != nil {
				return nil, err
			}
			return sa + sb, nil
		}
	}
	return arith(e.op, a, b), nil
}

// truthy evaluates an expression as a condition with Velocity 1.7 rules:
// references are true unless null or false; boolean literals and
// logical/comparison operators are what they say; any other expression
// (numbers, strings, lists, arithmetic) counts as false.
func (r *renderer) truthy(e expr) (bool, error) {
	switch e := e.(type) {
	case *refNode:
		v, err := r.eval(e)
		if err != nil || v == nil {
			return false, err
		}
		if b, ok := v.(bool); ok {
			return b, nil
		}
		return true, nil
	case *litExpr:
		b, ok := e.v.(bool)
		return ok && b, nil
	case *notExpr:
		b, err := r.truthy(e.x)
		return !b, err
	case *binExpr:
		switch e.op {
		case opAnd:
			l, err := r.truthy(e.l)
			if err != nil || !l {
				return false, err
			}
			return r.truthy(e.r)
		case opOr:
			l, err := r.truthy(e.l)
			if err != nil || l {
				return l, err
			}
			return r.truthy(e.r)
		case opEq, opNe:
			a, err := r.eval(e.l)
			if err != nil {
				return false, err
			}
			b, err := r.eval(e.r)
			if err != nil {
				return false, err
			}
			eq, err := r.velocityEquals(a, b)
			if err != nil {
				return false, err
			}
			return eq == (e.op == opEq), nil
		case opLt, opLe, opGt, opGe:
			a, err := r.eval(e.l)
			if err != nil {
				return false, err
			}
			b, err := r.eval(e.r)
			if err != nil {
				return false, err
			}
			if !isNumber(a) || !isNumber(b) {
				return false, nil
			}
			c := numCompare(a, b)
			switch e.op {
			case opLt:
				return c < 0, nil
			case opLe:
				return c <= 0, nil
			case opGt:
				return c > 0, nil
			}
			return c >= 0, nil
		}
	}
	return false, nil
}

// velocityEquals implements ==: numbers by value, same-class values with
// equals(), anything else by comparing toString().
func (r *renderer) velocityEquals(a, b any) (bool, error) {
	if a == nil || b == nil {
		return a == nil && b == nil, nil
	}
	if isNumber(a) && isNumber(b) {
		return numCompare(a, b) == 0, nil
	}
	if sameClass(a, b) {
		return javaEquals(a, b), nil
	}
	sa, err := r.toString(a)
	if err != nil {
		return false, err
	}
	sb, err := r.toString(b)
	if err != nil {
		return false, err
	}
	return sa == sb, nil
}

// ---- references ----

func (r *renderer) evalRef(n *refNode) (any, error) {
	v, ok := r.lookup(n.root)
	if !ok {
		return nil, nil
	}
	for i := range n.segs {
		if v == nil {
			return nil, nil
		}
		if err := r.step(); err != nil {
			return nil, err
		}
		var err error
		if v, err = r.applySeg(v, &n.segs[i]); err != nil {
			return nil, r.wrap(n.segs[i].p, err)
		}
	}
	return v, nil
}

func (r *renderer) applySeg(v any, s *segment) (any, error) {
	switch s.kind {
	case segProp:
		return r.getProp(v, s.name)
	case segMethod:
		args := make([]any, len(s.args))
		for i, a := range s.args {
			x, err := r.eval(a)
			if err != nil {
				return nil, err
			}
			args[i] = x
		}
		res, err := r.callMethod(v, s.name, args)
		if errors.Is(err, errNoMethod) {
			return nil, nil
		}
		return res, err
	case segIndex:
		idx, err := r.eval(s.index)
		if err != nil {
			return nil, err
		}
		return r.getIndex(v, idx)
	}
	return nil, nil
}

// renderToString renders nodes into a fresh buffer (string literals,
// #define blocks used as values).
func (r *renderer) renderToString(nodes []node) (string, error) {
	saved := r.out
	r.out = make([]byte, 0, 64)
	err := r.renderNodes(nodes)
	s := string(r.out)
	r.out = saved
	return s, err
}

// toString converts a value the way Java's String.valueOf would.
func (r *renderer) toString(v any) (string, error) {
	switch x := v.(type) {
	case string:
		return x, nil
	case int64:
		return strconv.FormatInt(x, 10), nil
	case *block:
		r.nest++
		defer func() { r.nest-- }()
		if r.nest > maxNesting {
			return "", errDepthLimit
		}
		saved := r.out
		r.out = make([]byte, 0, 64)
		err := r.renderScope(x.nodes)
		s := string(r.out)
		r.out = saved
		return s, err
	}
	b, err := r.appendValue(nil, v, 0)
	return string(b), err
}

// appendValue appends Java's toString() of v.
func (r *renderer) appendValue(dst []byte, v any, depth int) ([]byte, error) {
	if depth > maxValueDepth {
		return dst, errDepthLimit
	}
	if len(dst) > r.maxOut {
		return dst, errOutputLimit
	}
	var err error
	switch x := v.(type) {
	case nil:
		return append(dst, "null"...), nil
	case string:
		return append(dst, x...), nil
	case int64:
		return strconv.AppendInt(dst, x, 10), nil
	case float64:
		return appendJavaDouble(dst, x), nil
	case bool:
		return strconv.AppendBool(dst, x), nil
	case *big.Int:
		return x.Append(dst, 10), nil
	case *List:
		if x.json {
			return appendJSON(dst, x, r.maxOut, depth)
		}
		dst = append(dst, '[')
		for i, it := range x.items {
			if i > 0 {
				dst = append(dst, ", "...)
			}
			if it == any(x) {
				dst = append(dst, "(this Collection)"...)
				continue
			}
			if dst, err = r.appendValue(dst, it, depth+1); err != nil {
				return dst, err
			}
		}
		return append(dst, ']'), nil
	case *Map:
		dst = append(dst, '{')
		for i, e := range x.ents {
			if i > 0 {
				dst = append(dst, ", "...)
			}
			dst = append(dst, e.key...)
			dst = append(dst, '=')
			if e.val == any(x) {
				dst = append(dst, "(this Map)"...)
				continue
			}
			if dst, err = r.appendValue(dst, e.val, depth+1); err != nil {
				return dst, err
			}
		}
		return append(dst, '}'), nil
	case entry:
		dst = append(dst, x.key...)
		dst = append(dst, '=')
		return r.appendValue(dst, x.val, depth+1)
	case *block:
		s, err := r.toString(x)
		return append(dst, s...), err
	case *foreachScope:
		return append(dst, "$foreach"...), nil
	case fmt.Stringer:
		return append(dst, x.String()...), nil
	}
	v = normalize(v)
	switch v.(type) {
	case int64, float64, *big.Int, string:
		return r.appendValue(dst, v, depth)
	}
	if items, ok := listItems(v); ok {
		dst = append(dst, '[')
		for i, it := range items {
			if i > 0 {
				dst = append(dst, ", "...)
			}
			if dst, err = r.appendValue(dst, it, depth+1); err != nil {
				return dst, err
			}
		}
		return append(dst, ']'), nil
	}
	if keys, ok := mapKeys(v); ok {
		dst = append(dst, '{')
		for i, k := range keys {
			if i > 0 {
				dst = append(dst, ", "...)
			}
			dst = append(dst, k...)
			dst = append(dst, '=')
			val, _, _ := mapGet(v, k)
			if dst, err = r.appendValue(dst, val, depth+1); err != nil {
				return dst, err
			}
		}
		return append(dst, '}'), nil
	}
	return fmt.Append(dst, v), nil
}
