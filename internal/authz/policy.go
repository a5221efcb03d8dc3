package authz

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// Policy is the IAM policy document a Lambda authorizer returns
// (policyDocument). Only what decides execute-api:Invoke is kept.
//
// The JSON forms accepted are IAM's: Statement is an object or a list;
// Action, NotAction, Resource and NotResource are a string or a list of
// strings. Effect must be exactly "Allow" or "Deny" (IAM is case-sensitive
// here). Anything else makes the policy invalid, which API Gateway answers
// as an authorizer configuration error (500).
type Policy struct {
	Version    string
	Statements []Statement
}

// Statement is one policy statement.
type Statement struct {
	Sid          string
	Allow        bool // Effect: true for "Allow", false for "Deny"
	Actions      []string
	NotActions   []string
	Resources    []string
	NotResources []string
	// Conditional is set when the statement has a Condition block. API
	// Gateway evaluates conditions against the request context; this
	// package does not, and fails closed instead: a conditional Allow never
	// allows and a conditional Deny always applies [?: a documented
	// simplification].
	Conditional bool
}

// Decision is the outcome of evaluating a policy for one action on one
// resource.
type Decision int

const (
	// ImplicitDeny: no statement allows the request (and none denies it).
	ImplicitDeny Decision = iota
	// Allow: some Allow statement matches and no Deny statement does.
	Allow
	// ExplicitDeny: a Deny statement matches; it wins over any Allow.
	ExplicitDeny
)

func (d Decision) String() string {
	switch d {
	case Allow:
		return "Allow"
	case ExplicitDeny:
		return "ExplicitDeny"
	}
	return "ImplicitDeny"
}

// InvokeAction is the action API Gateway checks for every request.
const InvokeAction = "execute-api:Invoke"

// ParsePolicy parses a policy document.
func ParsePolicy(raw []byte) (*Policy, error) {
	var doc struct {
		Version   string          `json:"Version"`
		Statement json.RawMessage `json:"Statement"`
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("policy document: %v", err)
	}
	raws, err := objectOrList(doc.Statement)
	if err != nil {
		return nil, fmt.Errorf("policy document Statement: %v", err)
	}
	if len(raws) == 0 {
		return nil, errors.New("policy document has no Statement")
	}
	p := &Policy{Version: doc.Version}
	for i, r := range raws {
		st, err := parseStatement(r)
		if err != nil {
			return nil, fmt.Errorf("policy document Statement[%d]: %v", i, err)
		}
		p.Statements = append(p.Statements, st)
	}
	return p, nil
}

func parseStatement(raw json.RawMessage) (Statement, error) {
	var s struct {
		Sid         string          `json:"Sid"`
		Effect      *string         `json:"Effect"`
		Action      json.RawMessage `json:"Action"`
		NotAction   json.RawMessage `json:"NotAction"`
		Resource    json.RawMessage `json:"Resource"`
		NotResource json.RawMessage `json:"NotResource"`
		Condition   json.RawMessage `json:"Condition"`
	}
	if err := json.Unmarshal(raw, &s); err != nil {
		return Statement{}, err
	}
	var st Statement
	st.Sid = s.Sid
	switch {
	case s.Effect == nil:
		return st, errors.New("missing Effect")
	case *s.Effect == "Allow":
		st.Allow = true
	case *s.Effect == "Deny":
	default:
		return st, fmt.Errorf("invalid Effect %q", *s.Effect)
	}
	var err error
	if st.Actions, err = stringOrList(s.Action); err != nil {
		return st, fmt.Errorf("Action: %v", err)
	}
	if st.NotActions, err = stringOrList(s.NotAction); err != nil {
		return st, fmt.Errorf("NotAction: %v", err)
	}
	if st.Resources, err = stringOrList(s.Resource); err != nil {
		return st, fmt.Errorf("Resource: %v", err)
	}
	if st.NotResources, err = stringOrList(s.NotResource); err != nil {
		return st, fmt.Errorf("NotResource: %v", err)
	}
	if (st.Actions == nil) == (st.NotActions == nil) {
		return st, errors.New("exactly one of Action and NotAction is required")
	}
	if (st.Resources == nil) == (st.NotResources == nil) {
		return st, errors.New("exactly one of Resource and NotResource is required")
	}
	c := bytes.TrimSpace(s.Condition)
	st.Conditional = len(c) > 0 && !bytes.Equal(c, []byte("null")) && !bytes.Equal(c, []byte("{}"))
	return st, nil
}

// objectOrList returns the elements of a JSON list, or the value itself
// when it is an object.
func objectOrList(raw json.RawMessage) ([]json.RawMessage, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		return nil, nil
	}
	switch raw[0] {
	case '{':
		return []json.RawMessage{raw}, nil
	case '[':
		var l []json.RawMessage
		if err := json.Unmarshal(raw, &l); err != nil {
			return nil, err
		}
		for _, e := range l {
			if e = bytes.TrimSpace(e); len(e) == 0 || e[0] != '{' {
				return nil, errors.New("list elements must be objects")
			}
		}
		return l, nil
	}
	return nil, errors.New("must be an object or a list of objects")
}

// stringOrList decodes a string or a list of strings; absent gives nil, and
// an empty list gives a non-nil empty slice (it matches nothing).
func stringOrList(raw json.RawMessage) ([]string, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		return nil, nil
	}
	if raw[0] == '"' {
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return nil, err
		}
		return []string{s}, nil
	}
	var l []string
	if err := json.Unmarshal(raw, &l); err != nil {
		return nil, errors.New("must be a string or a list of strings")
	}
	if l == nil {
		l = []string{}
	}
	return l, nil
}

// Evaluate decides action on resource: an explicit Deny wins, else any
// Allow, else implicit deny.
func (p *Policy) Evaluate(action, resource string) Decision {
	if p == nil {
		return ImplicitDeny
	}
	allowed := false
	for i := range p.Statements {
		st := &p.Statements[i]
		if !st.matches(action, resource) {
			continue
		}
		if !st.Allow {
			return ExplicitDeny
		}
		if !st.Conditional {
			allowed = true
		}
	}
	if allowed {
		return Allow
	}
	return ImplicitDeny
}

// Invoke decides execute-api:Invoke on methodARN.
func (p *Policy) Invoke(methodARN string) Decision { return p.Evaluate(InvokeAction, methodARN) }

func (st *Statement) matches(action, resource string) bool {
	if st.Actions != nil {
		if !anyMatch(st.Actions, action, matchAction) {
			return false
		}
	} else if anyMatch(st.NotActions, action, matchAction) {
		return false
	}
	if st.Resources != nil {
		return anyMatch(st.Resources, resource, MatchARN)
	}
	return !anyMatch(st.NotResources, resource, MatchARN)
}

func anyMatch(patterns []string, s string, match func(p, s string) bool) bool {
	for _, p := range patterns {
		if match(p, s) {
			return true
		}
	}
	return false
}

// matchAction matches an IAM action pattern; action names are not
// case-sensitive in IAM ("execute-api:invoke" grants execute-api:Invoke).
func matchAction(pattern, action string) bool {
	return glob(strings.ToLower(pattern), strings.ToLower(action))
}

// MatchARN matches an IAM resource pattern against an ARN the way IAM
// does: "*" alone matches everything; otherwise the pattern and the ARN are
// compared field by field (arn:partition:service:region:account:resource),
// each field with * (any run of characters, "/" and ":" included inside the
// resource field) and ? (any one character). Matching is case-sensitive.
// A pattern with fewer than six fields (e.g. "arn:aws:execute-api:*") is
// matched as a whole string, so its last * spans the remaining fields.
func MatchARN(pattern, arn string) bool {
	if pattern == "*" {
		return true
	}
	pp := strings.SplitN(pattern, ":", 6)
	ap := strings.SplitN(arn, ":", 6)
	if len(pp) < 6 || len(ap) < 6 {
		return glob(pattern, arn)
	}
	for i := range pp {
		if !glob(pp[i], ap[i]) {
			return false
		}
	}
	return true
}

// glob reports whether s matches pattern, where * matches any sequence
// (including none) and ? any single byte. Linear-time greedy matching with
// backtracking to the last star.
func glob(pattern, s string) bool {
	p, i := 0, 0
	star, mark := -1, 0
	for i < len(s) {
		switch {
		case p < len(pattern) && (pattern[p] == '?' || pattern[p] == s[i]):
			p++
			i++
		case p < len(pattern) && pattern[p] == '*':
			star, mark = p, i
			p++
		case star >= 0:
			p = star + 1
			mark++
			i = mark
		default:
			return false
		}
	}
	for p < len(pattern) && pattern[p] == '*' {
		p++
	}
	return p == len(pattern)
}
