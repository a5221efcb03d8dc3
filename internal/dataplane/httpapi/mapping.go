package httpapi

import (
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/stagecraft/stagecraft/internal/dataplane/v2core"
)

// HTTP API parameter mapping [D: http-api-parameter-mapping]. Request
// keys are {action}:{target}: append|overwrite|remove on header.{name} or
// querystring.{name}, and overwrite:path. Response keys (per status code)
// are append|overwrite|remove:header.{name} and overwrite:statuscode.
// Values are expressions over $request.*, $context.*, $stageVariables.*
// (and $response.* on responses), possibly mixed with static text.
type paramOp struct {
	action string // append, overwrite, remove
	target string // header, querystring, path, statuscode
	name   string // header or query parameter name
	value  *v2core.Expr
}

// Order of application [?]: AWS evaluates every value against the
// original request first, then applies; among operations on the same
// parameter, remove runs first, then overwrite, then append, so a
// mapping that removes and appends one header leaves only the appended
// value.
var actionOrder = map[string]int{"remove": 0, "overwrite": 1, "append": 2}

func parseParamOps(m map[string]string, response bool) ([]paramOp, error) {
	if len(m) == 0 {
		return nil, nil
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	ops := make([]paramOp, 0, len(keys))
	for _, k := range keys {
		action, target, ok := strings.Cut(k, ":")
		if !ok {
			return nil, fmt.Errorf("parameter mapping key %q has no action", k)
		}
		action = strings.ToLower(action)
		if _, ok := actionOrder[action]; !ok {
			return nil, fmt.Errorf("parameter mapping key %q: unknown action %s", k, action)
		}
		op := paramOp{action: action, value: v2core.ParseExpr(m[k])}
		switch {
		case strings.HasPrefix(strings.ToLower(target), "header."):
			op.target, op.name = "header", target[len("header."):]
		case !response && strings.HasPrefix(strings.ToLower(target), "querystring."):
			op.target, op.name = "querystring", target[len("querystring."):]
		case !response && strings.EqualFold(target, "path"):
			op.target = "path"
		case response && strings.EqualFold(target, "statuscode"):
			op.target = "statuscode"
		default:
			return nil, fmt.Errorf("parameter mapping key %q: unknown target", k)
		}
		ops = append(ops, op)
	}
	sort.SliceStable(ops, func(i, j int) bool { return actionOrder[ops[i].action] < actionOrder[ops[j].action] })
	return ops, nil
}

// requestEdits are evaluated request mappings, ready to apply to the
// outgoing request.
type requestEdits struct {
	ops  []paramOp
	vals []string
}

func evalOps(ops []paramOp, src v2core.Source) requestEdits {
	e := requestEdits{ops: ops, vals: make([]string, len(ops))}
	for i := range ops {
		if ops[i].action != "remove" {
			e.vals[i] = ops[i].value.Eval(src)
		}
	}
	return e
}

// applyHeader applies the header operations to h.
func (e requestEdits) applyHeader(h http.Header) {
	for i, op := range e.ops {
		if op.target != "header" {
			continue
		}
		switch op.action {
		case "remove":
			h.Del(op.name)
		case "overwrite":
			h.Set(op.name, e.vals[i])
		case "append":
			if old := h.Get(op.name); old != "" {
				h.Set(op.name, old+","+e.vals[i])
			} else {
				h.Set(op.name, e.vals[i])
			}
		}
	}
}

// applyQuery applies the query string operations to q.
func (e requestEdits) applyQuery(q url.Values) {
	for i, op := range e.ops {
		if op.target != "querystring" {
			continue
		}
		switch op.action {
		case "remove":
			q.Del(op.name)
		case "overwrite":
			q.Set(op.name, e.vals[i])
		case "append":
			q.Add(op.name, e.vals[i])
		}
	}
}

// path returns the overwritten path, if a mapping sets it.
func (e requestEdits) path() (string, bool) {
	p, ok := "", false
	for i, op := range e.ops {
		if op.target == "path" && op.action == "overwrite" {
			p, ok = e.vals[i], true
		}
	}
	return p, ok
}

// statusCode returns the overwritten status code, if a mapping sets a
// valid one.
func (e requestEdits) statusCode() (int, bool) {
	code, ok := 0, false
	for i, op := range e.ops {
		if op.target == "statuscode" && op.action == "overwrite" {
			if n, err := strconv.Atoi(strings.TrimSpace(e.vals[i])); err == nil && n >= 100 && n <= 599 {
				code, ok = n, true
			}
		}
	}
	return code, ok
}

func (e requestEdits) has(target string) bool {
	for _, op := range e.ops {
		if op.target == target {
			return true
		}
	}
	return false
}
