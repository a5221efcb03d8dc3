// Package awsquery reads the request side of the AWS query protocol
// (awsQuery): an application/x-www-form-urlencoded body (or URL query) of
// dotted member paths such as
//
//	Action=PutMetricAlarm&Version=2010-08-01&AlarmName=cpu
//	&Dimensions.member.1.Name=InstanceId&Dimensions.member.1.Value=i-1
//	&AlarmActions.member.1=arn:aws:sns:...&OKActions=
//
// into a tree of map[string]any with string leaves. Lists stay in their
// wire form — a map holding "member" whose keys are the 1-based indexes —
// and an empty list is the empty string, because only the operation's
// shape knows which members are lists; List turns both into a slice.
package awsquery

import (
	"fmt"
	"net/url"
	"sort"
	"strconv"
	"strings"
)

// Error is a malformed parameter name or a conflict between parameters.
type Error struct{ Msg string }

func (e *Error) Error() string { return e.Msg }

// MaxDepth bounds how many dotted segments one parameter name may have.
const MaxDepth = 32

// Parse builds the member tree of form. Every key must be a dotted path
// of non-empty segments; a key given twice, or a path that is both a value
// and a parent (A=1 and A.B=2), is an error.
func Parse(form url.Values) (map[string]any, error) {
	keys := make([]string, 0, len(form))
	for k := range form {
		keys = append(keys, k)
	}
	sort.Strings(keys) // deterministic errors
	root := map[string]any{}
	for _, k := range keys {
		vals := form[k]
		if len(vals) != 1 {
			return nil, &Error{fmt.Sprintf("Parameter %s is given %d times", k, len(vals))}
		}
		segs := strings.Split(k, ".")
		if len(segs) > MaxDepth {
			return nil, &Error{fmt.Sprintf("Parameter name %s has more than %d parts", k, MaxDepth)}
		}
		node := root
		for i, s := range segs {
			if s == "" {
				return nil, &Error{fmt.Sprintf("Parameter name %q has an empty part", k)}
			}
			if i == len(segs)-1 {
				if _, exists := node[s]; exists {
					return nil, &Error{fmt.Sprintf("Parameter %s conflicts with %s.*", k, k)}
				}
				node[s] = vals[0]
				break
			}
			switch child := node[s].(type) {
			case nil:
				m := map[string]any{}
				node[s] = m
				node = m
			case map[string]any:
				node = child
			default:
				p := strings.Join(segs[:i+1], ".")
				return nil, &Error{fmt.Sprintf("Parameter %s conflicts with %s", k, p)}
			}
		}
	}
	return root, nil
}

// List reads a list member of a Parse tree: "" (the empty list) or
// {"member": {"1": v1, "2": v2, ...}}. Indexes must be positive integers;
// elements come back in index order (gaps are allowed, as AWS allows them).
// ok is false when v is not a list in either form.
func List(v any) (items []any, ok bool) {
	switch x := v.(type) {
	case string:
		if x == "" {
			return []any{}, true
		}
		return nil, false
	case map[string]any:
		m, isMap := x["member"].(map[string]any)
		if !isMap || len(x) != 1 {
			return nil, false
		}
		type ix struct {
			n int
			v any
		}
		all := make([]ix, 0, len(m))
		for k, v := range m {
			n, err := strconv.Atoi(k)
			if err != nil || n < 1 || strconv.Itoa(n) != k {
				return nil, false
			}
			all = append(all, ix{n, v})
		}
		sort.Slice(all, func(i, j int) bool { return all[i].n < all[j].n })
		items = make([]any, len(all))
		for i, e := range all {
			items[i] = e.v
		}
		return items, true
	}
	return nil, false
}
