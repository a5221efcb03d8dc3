package authz

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
)

// Format is how a Lambda authorizer's output is read.
type Format int

const (
	// FormatREST: REST API TOKEN and REQUEST authorizers, and HTTP API
	// authorizers with payload format 1.0: {principalId, policyDocument,
	// context, usageIdentifierKey}. Context values must be strings,
	// numbers or booleans.
	FormatREST Format = iota
	// FormatHTTPPolicy: HTTP API payload 2.0 without simple responses: the
	// same IAM policy shape, but context values may be any JSON (the AWS
	// guide's example returns arrays and maps).
	FormatHTTPPolicy
	// FormatHTTPSimple: HTTP API payload 2.0 with enableSimpleResponses:
	// {"isAuthorized": bool, "context": {...}}.
	FormatHTTPSimple
)

func (f Format) flavor() Flavor {
	if f == FormatREST {
		return REST
	}
	return HTTP
}

// Result is a Lambda authorizer's parsed output. Results are immutable once
// parsed and may be shared through the cache.
type Result struct {
	PrincipalID string
	// Policy is the returned policy document (nil for simple responses).
	Policy *Policy
	// Simple and Authorized are the simple-response answer.
	Simple     bool
	Authorized bool
	// Context is the returned context map with its JSON values decoded
	// (string, json.Number, bool, nil, and for HTTP payload 2.0 also
	// []any and map[string]any). Nil when none was returned.
	Context map[string]any
	// UsageIdentifierKey is the API key value an authorizer hands over
	// for usage plans when the API's apiKeySource is AUTHORIZER.
	UsageIdentifierKey string
}

// ParseResult reads a Lambda authorizer's output. An error means the
// output is unusable; API Gateway answers that as an authorizer
// configuration error (see AuthorizerError).
//
// Decisions, where AWS's exact validation is not documented:
//   - policyDocument is required for the policy formats; principalId is
//     not (an absent principalId reads as "") [?].
//   - REST and payload 1.0 context values must be string, number, boolean
//     or null; an object or a list makes the whole result invalid. AWS
//     accepts such a result at first and fails the request when it builds
//     the integration request ("Invalid JSON in response: Can not
//     deserialize instance of java.lang.String out of START_ARRAY token"
//     [C]); either way the client gets a 500, which is what this gives.
//   - A simple response must carry a boolean isAuthorized [?].
func ParseResult(payload []byte, f Format) (*Result, error) {
	payload = bytes.TrimSpace(payload)
	if len(payload) == 0 || payload[0] != '{' {
		return nil, errors.New("authorizer response is not a JSON object")
	}
	var out struct {
		PrincipalID        json.RawMessage `json:"principalId"`
		PolicyDocument     json.RawMessage `json:"policyDocument"`
		Context            json.RawMessage `json:"context"`
		UsageIdentifierKey json.RawMessage `json:"usageIdentifierKey"`
		IsAuthorized       json.RawMessage `json:"isAuthorized"`
	}
	if err := json.Unmarshal(payload, &out); err != nil {
		return nil, fmt.Errorf("authorizer response: %v", err)
	}
	r := &Result{}
	var err error
	if r.Context, err = parseContext(out.Context, f != FormatREST); err != nil {
		return nil, err
	}
	if f == FormatHTTPSimple {
		r.Simple = true
		if err := json.Unmarshal(out.IsAuthorized, &r.Authorized); err != nil || len(out.IsAuthorized) == 0 {
			return nil, errors.New("simple authorizer response needs a boolean isAuthorized")
		}
		return r, nil
	}
	if r.PrincipalID, err = scalarString(out.PrincipalID); err != nil {
		return nil, fmt.Errorf("principalId: %v", err)
	}
	if r.UsageIdentifierKey, err = scalarString(out.UsageIdentifierKey); err != nil {
		return nil, fmt.Errorf("usageIdentifierKey: %v", err)
	}
	doc := bytes.TrimSpace(out.PolicyDocument)
	if len(doc) == 0 || bytes.Equal(doc, []byte("null")) {
		return nil, errors.New("authorizer response has no policyDocument")
	}
	if r.Policy, err = ParsePolicy(doc); err != nil {
		return nil, err
	}
	return r, nil
}

// scalarString reads a JSON string, number or boolean as text; absent or
// null is "".
func scalarString(raw json.RawMessage) (string, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		return "", nil
	}
	var v any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		return "", err
	}
	switch v := v.(type) {
	case string:
		return v, nil
	case json.Number:
		return v.String(), nil
	case bool:
		return strconv.FormatBool(v), nil
	}
	return "", errors.New("must be a string")
}

func parseContext(raw json.RawMessage, anyValue bool) (map[string]any, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		return nil, nil
	}
	var m map[string]any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&m); err != nil {
		return nil, errors.New("authorizer response context must be an object")
	}
	if !anyValue {
		for k, v := range m {
			switch v.(type) {
			case string, json.Number, bool, nil:
			default:
				return nil, fmt.Errorf("authorizer response context value %q must be a string, number or boolean", k)
			}
		}
	}
	return m, nil
}

// StringContext is the context as REST APIs hand it on: every value as
// text ($context.authorizer.key, and the values of
// requestContext.authorizer in a Lambda proxy event [C]). Null values are
// left out.
func (r *Result) StringContext() map[string]string {
	if r == nil || r.Context == nil {
		return nil
	}
	out := make(map[string]string, len(r.Context))
	for k, v := range r.Context {
		switch v := v.(type) {
		case string:
			out[k] = v
		case json.Number:
			out[k] = v.String()
		case bool:
			out[k] = strconv.FormatBool(v)
		case nil:
		default:
			b, _ := json.Marshal(v)
			out[k] = string(b)
		}
	}
	return out
}

// Decide evaluates the result for one request: for a policy, the method
// ARN (f picks REST's or HTTP's wording; AWS caches the whole policy and re-evaluates it for every request
// served from the cache, which is why a policy written for one method can
// deny another; see the cache documentation). It returns nil when the
// request may proceed, else a *Denial.
func (r *Result) Decide(f Flavor, methodARN string) error {
	if r.Simple {
		if r.Authorized {
			return nil
		}
		return accessDenied(HTTP, false, "simple response isAuthorized false")
	}
	switch d := r.Policy.Invoke(methodARN); d {
	case Allow:
		return nil
	case ExplicitDeny:
		return accessDenied(f, true, "policy explicitly denies "+methodARN)
	default:
		return accessDenied(f, false, "policy does not allow "+methodARN)
	}
}
