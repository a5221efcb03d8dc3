package dataplane

import (
	"net/url"
	"strings"
)

// node is one resource of a deployment's resource tree, arranged for
// matching: children are split by kind so that a lookup per segment is a
// map access (literal) or a field read ({param}, {param+}), whatever the
// number of resources.
type node struct {
	res *resource

	literal    map[string]*node // children by their literal pathPart
	param      *node            // the {name} child
	paramName  string
	greedy     *node // the {name+} child
	greedyName string
}

// resource is a compiled SnapshotResource.
type resource struct {
	id      string
	path    string // "/pets/{id}"
	methods map[string]*method
	any     *method // methods["ANY"], read first-class

	idAny, pathAny any // id and path boxed once for $context
}

// pathParam is one matched path variable.
type pathParam struct{ name, value string }

// method returns the resource's method for verb: the exact verb first,
// then ANY (spec §8.3). GET does not serve HEAD.
func (r *resource) method(verb string) *method {
	if r == nil {
		return nil
	}
	if m := r.methods[verb]; m != nil {
		return m
	}
	return r.any
}

// route matches segs (the escaped path below the stage) and verb against the
// tree. Candidates are tried most specific first (a literal child, then
// {param}, then {param+}); a candidate that has neither the verb nor ANY
// makes matching backtrack to the next alternative (spec §8.3: /test with
// POST only and /{proxy+} with OPTIONS serves OPTIONS /test from
// /{proxy+}). params receives the path variables, raw (still
// percent-encoded), as AWS passes them on.
func (n *node) route(segs []string, verb string, params []pathParam) (*resource, *method, []pathParam) {
	if len(segs) == 0 {
		if m := n.res.method(verb); m != nil {
			return n.res, m, params
		}
		return nil, nil, params
	}
	seg := segs[0]
	if c := n.literal[seg]; c != nil {
		if r, m, p := c.route(segs[1:], verb, params); m != nil {
			return r, m, p
		}
	} else if strings.IndexByte(seg, '%') >= 0 && len(n.literal) > 0 {
		// A literal resource named with a character the client escaped.
		if u, err := url.PathUnescape(seg); err == nil && u != seg {
			if c := n.literal[u]; c != nil {
				if r, m, p := c.route(segs[1:], verb, params); m != nil {
					return r, m, p
				}
			}
		}
	}
	// A {param} never matches an empty segment ("/a//b"): spec §9 open
	// question 6. AWS's router treats "//" as an empty label, which no
	// path variable takes [?]; only a greedy variable swallows it.
	if n.param != nil && seg != "" {
		if r, m, p := n.param.route(segs[1:], verb, append(params, pathParam{n.paramName, seg})); m != nil {
			return r, m, p
		}
	}
	if n.greedy != nil {
		if m := n.greedy.res.method(verb); m != nil {
			return n.greedy.res, m, append(params, pathParam{n.greedyName, strings.Join(segs, "/")})
		}
	}
	return nil, nil, params
}
