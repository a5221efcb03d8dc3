package httpapi

import (
	"fmt"
	"net/url"
	"strings"
)

// router selects an HTTP API route the way API Gateway does [D:
// http-api-develop-routes "Routing API requests"]:
//
//  1. a route whose path fully matches (literal and {param} segments)
//     with the request's method, else the same path's ANY route;
//     literal segments beat {param} segments position by position
//     ("GET /pets/dog/1" beats "GET /pets/dog/{id}");
//  2. else a route with a greedy {name+} variable, the longest (most
//     specific) prefix first, again the method before ANY;
//  3. else the $default route;
//  4. else nothing (404 {"message":"Not Found"}).
//
// Decisions where AWS's documentation is silent [?]:
//   - Path specificity is decided before the method: for GET /pets/dog
//     with "ANY /pets/dog" and "GET /pets/{id}", the literal path wins and
//     its ANY route is taken. An explicit method only beats ANY on the
//     same path (the documented rule).
//   - HEAD does not fall back to GET.
//   - A trailing slash is significant, as on AWS (route keys cannot end
//     in "/", and "/metrics/" reaches "GET /metrics/{proxy+}" but not
//     "GET /metrics"): "/pets/" has an empty last segment that no literal
//     or {param} segment matches, while a greedy variable takes it (with
//     the value "").
type router struct {
	root *rnode
	def  *route // $default
}

type rnode struct {
	lit    map[string]*rnode
	param  *rnode
	exact  map[string]*route // method (or ANY) → route ending here
	greedy map[string]*route // method (or ANY) → route with {name+} after this node
}

// seg is one segment of a route path template.
type seg struct {
	lit    string
	param  string // {param} name
	greedy bool   // {param+}
}

func newRouter() *router { return &router{root: &rnode{}} }

// parsePath parses a route key's path ("/pets/{id}", "/{proxy+}", "/").
func parsePath(p string) ([]seg, error) {
	if !strings.HasPrefix(p, "/") {
		return nil, fmt.Errorf("route path %q does not start with /", p)
	}
	if p == "/" {
		return nil, nil
	}
	parts := strings.Split(p[1:], "/")
	out := make([]seg, 0, len(parts))
	for i, s := range parts {
		if len(s) >= 2 && s[0] == '{' && s[len(s)-1] == '}' {
			name := s[1 : len(s)-1]
			if strings.HasSuffix(name, "+") {
				if i != len(parts)-1 {
					return nil, fmt.Errorf("greedy variable %s is not the last segment of %q", s, p)
				}
				out = append(out, seg{param: name[:len(name)-1], greedy: true})
				continue
			}
			out = append(out, seg{param: name})
			continue
		}
		out = append(out, seg{lit: s})
	}
	return out, nil
}

func (rt *router) add(r *route) {
	n := rt.root
	for _, s := range r.segs {
		switch {
		case s.greedy:
			if n.greedy == nil {
				n.greedy = map[string]*route{}
			}
			n.greedy[r.method] = r
			return
		case s.param != "":
			if n.param == nil {
				n.param = &rnode{}
			}
			n = n.param
		default:
			if n.lit == nil {
				n.lit = map[string]*rnode{}
			}
			c := n.lit[s.lit]
			if c == nil {
				c = &rnode{}
				n.lit[s.lit] = c
			}
			n = c
		}
	}
	if n.exact == nil {
		n.exact = map[string]*route{}
	}
	n.exact[r.method] = r
}

func pickMethod(m map[string]*route, method string) *route {
	if r := m[method]; r != nil {
		return r
	}
	return m["ANY"]
}

// match selects the route for the decoded path segments (nil segs is
// "/") and method. The $default route is returned last; nil means 404.
func (rt *router) match(segs []string, method string) *route {
	if r := rt.exact(rt.root, segs, 0, method); r != nil {
		return r
	}
	if r := rt.greedy(rt.root, segs, 0, method); r != nil {
		return r
	}
	return rt.def
}

func (rt *router) exact(n *rnode, segs []string, i int, method string) *route {
	if i == len(segs) {
		if n.exact != nil {
			return pickMethod(n.exact, method)
		}
		return nil
	}
	s := segs[i]
	if s == "" {
		return nil
	}
	if c := n.lit[s]; c != nil {
		if r := rt.exact(c, segs, i+1, method); r != nil {
			return r
		}
	}
	if n.param != nil {
		return rt.exact(n.param, segs, i+1, method)
	}
	return nil
}

// greedy finds the most specific greedy route: deeper prefixes first,
// literal before {param} at each position.
func (rt *router) greedy(n *rnode, segs []string, i int, method string) *route {
	if i < len(segs) && segs[i] != "" {
		if c := n.lit[segs[i]]; c != nil {
			if r := rt.greedy(c, segs, i+1, method); r != nil {
				return r
			}
		}
		if n.param != nil {
			if r := rt.greedy(n.param, segs, i+1, method); r != nil {
				return r
			}
		}
	}
	if n.greedy != nil && i < len(segs) {
		return pickMethod(n.greedy, method)
	}
	return nil
}

// splitSegments turns the escaped route path ("/pets/7", "" or "/") into
// decoded segments. A trailing slash leaves an empty last segment.
func splitSegments(escaped string) (raw, dec []string) {
	p := strings.TrimPrefix(escaped, "/")
	if p == "" {
		return nil, nil
	}
	raw = strings.Split(p, "/")
	if strings.IndexByte(p, '%') < 0 {
		return raw, raw // nothing to decode
	}
	dec = make([]string, len(raw))
	for i, s := range raw {
		if strings.IndexByte(s, '%') < 0 {
			dec[i] = s
			continue
		}
		if u, err := url.PathUnescape(s); err == nil {
			dec[i] = u
		} else {
			dec[i] = s
		}
	}
	return raw, dec
}

// params extracts a matched route's path parameters (decoded [D]: HTTP
// APIs decode parameters before passing them on).
func (r *route) params(dec []string) map[string]string {
	if r.nparams == 0 {
		return nil
	}
	out := make(map[string]string, r.nparams)
	for i, s := range r.segs {
		switch {
		case s.greedy:
			if i < len(dec) {
				out[s.param] = strings.Join(dec[i:], "/")
			}
			return out
		case s.param != "":
			if i < len(dec) {
				out[s.param] = dec[i]
			}
		}
	}
	return out
}
