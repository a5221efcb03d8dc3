package vtl

// $context without a copy.
//
// A render's $context is the caller's context map plus fresh
// requestOverride / responseOverride maps, and assignments to $context.x
// must not leak into the caller's map. setupContext makes that true by
// copying the caller's map into a *Map, which costs a sorted key list and
// a rebuilt index on every Render. Most templates only ever read
// $context.name...: for those, Parse decides (contextReadOnly) that the
// renderer may read the caller's map in place through a ctxView, whose
// only operation is property access. Any other use of $context (bare
// $context, a method or index directly on it, #set($context.x = …),
// #evaluate, which could do anything) keeps the copy.
//
// The one observable difference: a template that writes into the
// caller's context map through another name bound to the same map
// ($other.put('stage', …) where Vars["other"] is that very map) would see
// the new value through $context.stage instead of the copy's old one. No
// caller of this package passes the context map under two names.

// ctxView is $context for a template that only reads $context.name...
type ctxView struct {
	r    *renderer
	base any // the caller's context value (may be nil)
}

// prop is $context.name.
func (c *ctxView) prop(name string) any {
	switch name {
	case "requestOverride":
		return c.r.requestOverride()
	case "responseOverride":
		return c.r.responseOverride()
	}
	if c.base == nil {
		return nil
	}
	v, _, _ := mapGet(c.base, name)
	return v
}

// requestOverride is $context.requestOverride, made on first use.
func (r *renderer) requestOverride() *Map {
	if r.reqOv == nil {
		r.reqOv = &Map{}
		r.reqOv.Put("header", &Map{})
		r.reqOv.Put("path", &Map{})
		r.reqOv.Put("querystring", &Map{})
	}
	return r.reqOv
}

// responseOverride is $context.responseOverride, made on first use.
func (r *renderer) responseOverride() *Map {
	if r.respOv == nil {
		r.respOv = &Map{}
		r.respOv.Put("header", &Map{})
	}
	return r.respOv
}

// contextReadOnly reports whether every use of $context in the template
// is a property read ($context.name followed by anything), so that the
// top-level context map can neither be changed nor escape.
func contextReadOnly(nodes []node, macros map[string]*macroDef) bool {
	a := ctxAnalysis{ok: true}
	a.nodes(nodes)
	for _, m := range macros {
		a.nodes(m.body)
	}
	return a.ok
}

type ctxAnalysis struct{ ok bool }

func (a *ctxAnalysis) nodes(ns []node) {
	for _, n := range ns {
		if !a.ok {
			return
		}
		switch n := n.(type) {
		case *refNode:
			a.ref(n)
		case *setNode:
			if n.target.root == "context" && len(n.target.segs) == 1 {
				a.ok = false // #set($context.x = …) writes the top-level map
				return
			}
			if len(n.target.segs) > 0 {
				a.ref(n.target)
			}
			a.expr(n.value)
		case *ifNode:
			for _, c := range n.conds {
				a.expr(c)
			}
			for _, b := range n.blocks {
				a.nodes(b)
			}
			a.nodes(n.elseBlk)
		case *foreachNode:
			a.expr(n.iter)
			a.nodes(n.body)
		case *defineNode:
			a.nodes(n.body)
		case *macroCallNode:
			for _, x := range n.args {
				a.expr(x)
			}
			a.nodes(n.body)
		case *evaluateNode:
			a.ok = false
		case *textNode, *breakNode, *stopNode:
		default:
			a.ok = false // a node this analysis does not know
		}
	}
}

func (a *ctxAnalysis) ref(n *refNode) {
	if n.root == "context" && (len(n.segs) == 0 || n.segs[0].kind != segProp) {
		a.ok = false
		return
	}
	a.segs(n.segs)
}

func (a *ctxAnalysis) segs(ss []segment) {
	for i := range ss {
		for _, x := range ss[i].args {
			a.expr(x)
		}
		if ss[i].index != nil {
			a.expr(ss[i].index)
		}
	}
}

func (a *ctxAnalysis) expr(e expr) {
	if !a.ok || e == nil {
		return
	}
	switch e := e.(type) {
	case *refNode:
		a.ref(e)
	case *interpExpr:
		a.nodes(e.nodes)
	case *listExpr:
		for _, x := range e.items {
			a.expr(x)
		}
	case *rangeExpr:
		a.expr(e.from)
		a.expr(e.to)
	case *mapExpr:
		for _, x := range e.keys {
			a.expr(x)
		}
		for _, x := range e.vals {
			a.expr(x)
		}
	case *binExpr:
		a.expr(e.l)
		a.expr(e.r)
	case *notExpr:
		a.expr(e.x)
	case *negExpr:
		a.expr(e.x)
	case *litExpr, *wordExpr:
	default:
		a.ok = false
	}
}
