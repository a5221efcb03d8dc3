package vtl

import (
	"fmt"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/ohler55/ojg/jp"
)

// JSONPath for $input.path / $input.json, evaluated with ojg over the
// engine's *Map/*List values (they implement jp.Keyed / jp.Indexed).
//
// ojg always returns a list of matches. Jayway JsonPath, which API Gateway
// uses, returns the element itself for a definite path (only names and
// indexes) and a list for anything else (wildcards, filters, slices,
// unions, recursive descent); compiledPath.definite records which one
// applies.

type compiledPath struct {
	expr     jp.Expr
	definite bool
}

var (
	pathCache     sync.Map // string -> *compiledPath
	pathCacheSize atomic.Int64
)

const pathCacheMax = 4096

func compilePath(path string) (*compiledPath, error) {
	if c, ok := pathCache.Load(path); ok {
		return c.(*compiledPath), nil
	}
	src := strings.TrimSpace(path)
	// Jayway prefixes "$." to paths that do not start at the root.
	if !strings.HasPrefix(src, "$") && !strings.HasPrefix(src, "@") {
		if strings.HasPrefix(src, "[") {
			src = "$" + src
		} else {
			src = "$." + src
		}
	}
	x, err := jp.ParseString(src)
	if err != nil {
		return nil, fmt.Errorf("invalid JSONPath %q: %v", path, err)
	}
	c := &compiledPath{expr: x, definite: true}
	for _, f := range x {
		switch f.(type) {
		case jp.Root, jp.At, jp.Child, jp.Nth, jp.Bracket:
		default:
			c.definite = false
		}
	}
	if pathCacheSize.Load() < pathCacheMax {
		if _, loaded := pathCache.LoadOrStore(path, c); !loaded {
			pathCacheSize.Add(1)
		}
	}
	return c, nil
}

// evalPath applies a JSONPath to parsed JSON. found is false when a
// definite path matched nothing.
func evalPath(data any, path string) (v any, found bool, err error) {
	c, err := compilePath(path)
	if err != nil {
		return nil, false, err
	}
	res := c.expr.Get(data)
	if c.definite {
		if len(res) == 0 {
			return nil, false, nil
		}
		return res[0], true, nil
	}
	if res == nil {
		res = []any{}
	}
	return &List{items: res, json: true}, true, nil
}
