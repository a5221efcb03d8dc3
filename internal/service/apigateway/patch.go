package apigateway

import (
	"encoding/json"
	"reflect"
	"strconv"
	"strings"

	api "github.com/stagecraft/stagecraft/internal/api/apigateway"
)

// The PATCH engine of every Update* operation. API Gateway updates take
// RFC 6902-like operations whose values are always strings; each resource
// allows a fixed set of (op, path) pairs. A resource's update lists its
// patchRules; applyPatch turns the resource into a JSON tree, applies the
// operations in order and decodes it back, so a failure anywhere leaves
// the stored resource untouched.

type valueKind int

const (
	kString     valueKind = iota // "/description": the value as a string
	kBool                        // "true"/"false"
	kInt                         // an integer
	kFloat                       // a number
	kMapString                   // "/variables/{name}": map entry, string value
	kMapBool                     // "/requestParameters/{name}": map entry, boolean value
	kListInPath                  // "/binaryMediaTypes/{elem}": add/remove the element named in the path; replace swaps it for the value
	kListValue                   // "/authorizationScopes": add/remove the value as an element
	kStringList                  // "/x": replace with a comma-separated list
)

// patchRule allows ops on paths matching Path, whose segments are literal,
// "*" (one segment) or a trailing "**" (one or more).
type patchRule struct {
	Path string
	Ops  string // comma-separated: add,remove,replace,...
	Kind valueKind
}

// unescapePointer decodes one JSON-pointer segment (~1 is "/", ~0 is "~").
func unescapePointer(s string) string {
	if !strings.Contains(s, "~") {
		return s
	}
	return strings.ReplaceAll(strings.ReplaceAll(s, "~1", "/"), "~0", "~")
}

// splitPointer splits a patch path into unescaped segments.
func splitPointer(p string) []string {
	p = strings.TrimPrefix(p, "/")
	if p == "" {
		return nil
	}
	segs := strings.Split(p, "/")
	for i, s := range segs {
		segs[i] = unescapePointer(s)
	}
	return segs
}

func (r patchRule) match(op string, segs []string) bool {
	if !strings.Contains(","+r.Ops+",", ","+op+",") {
		return false
	}
	rs := strings.Split(strings.TrimPrefix(r.Path, "/"), "/")
	for i, want := range rs {
		if want == "**" {
			return len(segs) > i
		}
		if i >= len(segs) {
			return false
		}
		if want != "*" && want != segs[i] {
			return false
		}
	}
	return len(rs) == len(segs)
}

// errInvalidPatch is AWS's answer for an (op, path) a resource does not
// support. Note the two spaces after "path", as AWS sends it.
func errInvalidPatch(op, path string) error {
	return badRequest("Invalid patch path  '%s' specified for op '%s'. Please choose supported operations", path, op)
}

// applyPatch applies ops to v (a pointer to a resource struct) under rules.
// invalid builds the error for an op no rule allows (nil: errInvalidPatch).
func applyPatch(v any, ops []api.PatchOperation, rules []patchRule, invalid func(op, path string) error) error {
	if invalid == nil {
		invalid = errInvalidPatch
	}
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	var doc map[string]any
	if err := json.Unmarshal(b, &doc); err != nil {
		return err
	}
	for _, o := range ops {
		op, path := str(o.Op), str(o.Path)
		segs := splitPointer(path)
		var rule *patchRule
		for i := range rules {
			if rules[i].match(op, segs) {
				rule = &rules[i]
				break
			}
		}
		if rule == nil || len(segs) == 0 {
			return invalid(op, path)
		}
		if err := applyOne(doc, op, segs, o.Value, rule.Kind); err != nil {
			return err
		}
	}
	b, err = json.Marshal(doc)
	if err != nil {
		return err
	}
	// Decode into a fresh value: decoding into v itself would keep the
	// fields and map entries that the patch removed.
	rv := reflect.ValueOf(v).Elem()
	fresh := reflect.New(rv.Type())
	if err := json.Unmarshal(b, fresh.Interface()); err != nil {
		return err
	}
	rv.Set(fresh.Elem())
	return nil
}

func parseValue(kind valueKind, s *string) (any, error) {
	v := str(s)
	switch kind {
	case kBool, kMapBool:
		switch strings.ToLower(v) {
		case "true":
			return true, nil
		case "false":
			return false, nil
		}
		return nil, badRequest("Invalid boolean value: %s", v)
	case kInt:
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return nil, badRequest("Invalid integer value: %s", v)
		}
		return n, nil
	case kFloat:
		f, err := strconv.ParseFloat(v, 64)
		if err != nil {
			return nil, badRequest("Invalid number value: %s", v)
		}
		return f, nil
	case kStringList:
		if v == "" {
			return []any{}, nil
		}
		var out []any
		for _, e := range strings.Split(v, ",") {
			out = append(out, strings.TrimSpace(e))
		}
		return out, nil
	}
	return v, nil
}

// container walks to the map holding the last segment, creating maps on
// the way when create is set.
func container(doc map[string]any, segs []string, create bool) map[string]any {
	m := doc
	for _, s := range segs {
		next, ok := m[s].(map[string]any)
		if !ok {
			if !create {
				return nil
			}
			next = map[string]any{}
			m[s] = next
		}
		m = next
	}
	return m
}

func applyOne(doc map[string]any, op string, segs []string, value *string, kind valueKind) error {
	last := segs[len(segs)-1]
	parent := segs[:len(segs)-1]
	switch kind {
	case kListInPath:
		m := container(doc, parent[:len(parent)-1], op != "remove")
		field := parent[len(parent)-1]
		if m == nil {
			return nil
		}
		list, _ := m[field].([]any)
		idx := -1
		for i, e := range list {
			if e == last {
				idx = i
			}
		}
		switch op {
		case "add":
			if idx < 0 {
				list = append(list, last)
			}
		case "remove":
			if idx >= 0 {
				list = append(list[:idx], list[idx+1:]...)
			}
		case "replace":
			if idx < 0 {
				return badRequest("Invalid patch path: %s is not present", last)
			}
			list[idx] = str(value)
		}
		if len(list) == 0 {
			delete(m, field)
		} else {
			m[field] = list
		}
		return nil
	case kListValue:
		m := container(doc, parent, op != "remove")
		if m == nil {
			return nil
		}
		list, _ := m[last].([]any)
		v := str(value)
		idx := -1
		for i, e := range list {
			if e == v {
				idx = i
			}
		}
		switch op {
		case "add", "replace":
			if idx < 0 {
				list = append(list, v)
			}
		case "remove":
			if idx >= 0 {
				list = append(list[:idx], list[idx+1:]...)
			}
		}
		if len(list) == 0 {
			delete(m, last)
		} else {
			m[last] = list
		}
		return nil
	}
	if op == "remove" {
		if m := container(doc, parent, false); m != nil {
			delete(m, last)
		}
		return nil
	}
	v, err := parseValue(kind, value)
	if err != nil {
		return err
	}
	container(doc, parent, true)[last] = v
	return nil
}
