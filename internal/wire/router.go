package wire

import (
	"context"
	"net/url"
	"strings"
)

// Operation is one row of a service's generated operation table.
type Operation struct {
	Name   string
	Method string
	Path   string // URI template path, e.g. /restapis/{restapi_id}
	Query  string // fixed query of the template, e.g. mode=import
	Code   int    // success status
	Handle func(ctx context.Context, svc any, r *Request) error

	segs    []tmplSeg
	nlabels int // labels in segs
	fixedQ  [][2]string
}

type tmplSeg struct {
	lit    string
	label  string
	greedy bool
}

// Router finds the operation for a request: method, escaped path and the
// fixed query some templates carry (POST /restapis?mode=import is
// ImportRestApi, POST /restapis is CreateRestApi). Literal segments win
// over labels, labels over greedy labels, with backtracking.
type Router struct{ root *node }

type node struct {
	lit    map[string]*node
	label  *node
	greedy *node
	ops    []*Operation
}

// NewRouter indexes ops.
func NewRouter(ops []*Operation) *Router {
	rt := &Router{root: &node{}}
	for _, shared := range ops {
		// Work on a copy: the generated tables are shared by every router
		// built in the process (tests build many nodes at once).
		op := new(Operation)
		*op = *shared
		op.segs = parseTemplate(op.Path)
		for _, s := range op.segs {
			if s.label != "" {
				op.nlabels++
			}
		}
		if op.Query != "" {
			for _, kv := range strings.Split(op.Query, "&") {
				k, v, _ := strings.Cut(kv, "=")
				op.fixedQ = append(op.fixedQ, [2]string{k, v})
			}
		}
		n := rt.root
		for _, s := range op.segs {
			switch {
			case s.greedy:
				if n.greedy == nil {
					n.greedy = &node{}
				}
				n = n.greedy
			case s.label != "":
				if n.label == nil {
					n.label = &node{}
				}
				n = n.label
			default:
				if n.lit == nil {
					n.lit = map[string]*node{}
				}
				c := n.lit[s.lit]
				if c == nil {
					c = &node{}
					n.lit[s.lit] = c
				}
				n = c
			}
		}
		n.ops = append(n.ops, op)
	}
	return rt
}

func splitPath(p string) []string {
	p = strings.TrimPrefix(p, "/")
	p = strings.TrimSuffix(p, "/")
	if p == "" {
		return nil
	}
	return strings.Split(p, "/")
}

func parseTemplate(path string) []tmplSeg {
	var out []tmplSeg
	for _, s := range splitPath(path) {
		if strings.HasPrefix(s, "{") && strings.HasSuffix(s, "}") {
			name := s[1 : len(s)-1]
			greedy := strings.HasSuffix(name, "+")
			out = append(out, tmplSeg{label: strings.TrimSuffix(name, "+"), greedy: greedy})
		} else {
			out = append(out, tmplSeg{lit: s})
		}
	}
	return out
}

// Route returns the operation for method and escapedPath, with its labels
// unescaped. pathKnown reports whether some operation has this path with
// another method.
func (rt *Router) Route(method, escapedPath string, query url.Values) (op *Operation, labels map[string]string, pathKnown bool) {
	op, ls, pathKnown := rt.route(method, escapedPath, query)
	if op == nil {
		return nil, nil, pathKnown
	}
	labels = make(map[string]string, len(ls))
	for _, l := range ls {
		labels[l.name] = l.value
	}
	return op, labels, true
}

// label is one bound path label.
type label struct{ name, value string }

// maxStackSegs is how many path segments route handles without allocating
// its working slices (the deepest API Gateway template has 9).
const maxStackSegs = 16

// routeWalk is the state of one route call's backtracking search.
type routeWalk struct {
	segs, dec []string
	method    string
	query     url.Values
	pathKnown bool
}

func (w *routeWalk) walk(n *node, i int) *Operation {
	if i == len(w.segs) {
		if len(n.ops) > 0 {
			w.pathKnown = true
			return pick(n.ops, w.method, w.query)
		}
		return nil
	}
	if c := n.lit[w.dec[i]]; c != nil {
		if o := w.walk(c, i+1); o != nil {
			return o
		}
	}
	if n.label != nil && w.dec[i] != "" {
		if o := w.walk(n.label, i+1); o != nil {
			return o
		}
	}
	if n.greedy != nil {
		return w.walk(n.greedy, len(w.segs))
	}
	return nil
}

// route is Route with the labels as a slice (in template order), which is
// what Request keeps.
func (rt *Router) route(method, escapedPath string, query url.Values) (*Operation, []label, bool) {
	var segArr, decArr [maxStackSegs]string
	segs := appendSplitPath(segArr[:0], escapedPath)
	var dec []string
	if len(segs) <= maxStackSegs {
		dec = decArr[:len(segs)]
	} else {
		dec = make([]string, len(segs))
	}
	for i, s := range segs {
		dec[i] = s
		if strings.IndexByte(s, '%') >= 0 {
			if u, err := url.PathUnescape(s); err == nil {
				dec[i] = u
			}
		}
	}
	w := routeWalk{segs: segs, dec: dec, method: method, query: query}
	found := w.walk(rt.root, 0)
	if found == nil {
		return nil, nil, w.pathKnown
	}
	var labels []label
	for i, s := range found.segs {
		if i >= len(dec) {
			break
		}
		if s.greedy {
			rest := strings.Join(segs[i:], "/")
			if u, err := url.PathUnescape(rest); err == nil {
				rest = u
			}
			labels = append(labels, label{s.label, rest})
			break
		}
		if s.label != "" {
			if labels == nil {
				labels = make([]label, 0, found.nlabels)
			}
			labels = append(labels, label{s.label, dec[i]})
		}
	}
	return found, labels, true
}

// appendSplitPath is splitPath appending to dst.
func appendSplitPath(dst []string, p string) []string {
	p = strings.TrimPrefix(p, "/")
	p = strings.TrimSuffix(p, "/")
	if p == "" {
		return dst
	}
	for {
		i := strings.IndexByte(p, '/')
		if i < 0 {
			return append(dst, p)
		}
		dst = append(dst, p[:i])
		p = p[i+1:]
	}
}

func pick(ops []*Operation, method string, q url.Values) *Operation {
	var best *Operation
	for _, op := range ops {
		if op.Method != method {
			continue
		}
		ok := true
		for _, kv := range op.fixedQ {
			vals, has := q[kv[0]]
			if !has || (kv[1] != "" && !contains(vals, kv[1])) {
				ok = false
				break
			}
		}
		if ok && (best == nil || len(op.fixedQ) > len(best.fixedQ)) {
			best = op
		}
	}
	return best
}

func contains(l []string, s string) bool {
	for _, e := range l {
		if e == s {
			return true
		}
	}
	return false
}

// Len is the number of operations routed.
func (rt *Router) Len() int {
	n := 0
	var walk func(*node)
	walk = func(nd *node) {
		if nd == nil {
			return
		}
		n += len(nd.ops)
		for _, c := range nd.lit {
			walk(c)
		}
		walk(nd.label)
		walk(nd.greedy)
	}
	walk(rt.root)
	return n
}
