package authz

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
)

// SourceKind is where an identity source reads from.
type SourceKind int

const (
	FromHeader SourceKind = iota
	FromQuery
	FromStageVariable
	FromContext
)

// Source is one parsed identity source.
type Source struct {
	Kind SourceKind
	// Name is the header, query parameter, stage variable or context
	// variable name (e.g. "Authorization", "identity.sourceIp").
	Name string
	// Expr is the expression as configured.
	Expr string
}

// Sources is an authorizer's identity sources, in configuration order.
type Sources struct {
	List []Source
	// join picks how a repeated header or query parameter becomes one
	// value: HTTP APIs comma-join repeated values as they do in their
	// events [D: HTTP API payload 2.0]; REST APIs use the last value, as in
	// their proxy events' single-value maps [?].
	join bool
}

// ParseRESTSources parses a REST API authorizer's identitySource: a
// comma-separated list of method.request.header.X,
// method.request.querystring.X, stageVariables.X and context.X [D: API
// reference, Authorizer.identitySource]. An empty string gives no sources.
func ParseRESTSources(identitySource string) (Sources, error) {
	var s Sources
	for _, e := range strings.Split(identitySource, ",") {
		e = strings.TrimSpace(e)
		if e == "" {
			continue
		}
		src, ok := parseSource(e, restPrefixes)
		if !ok {
			return s, fmt.Errorf("invalid identity source %q", e)
		}
		s.List = append(s.List, src)
	}
	return s, nil
}

// ParseHTTPSources parses an HTTP API (or WebSocket API) authorizer's
// identitySource list: $request.header.X, $request.querystring.X,
// $context.X and $stageVariables.X [D: http-api-lambda-authorizer
// "Identity sources"], and WebSocket's route.request.header.X and
// route.request.querystring.X. An entry holding several comma-separated
// expressions (as the AWS CLI's shorthand can deliver them) is split.
func ParseHTTPSources(identitySource []string) (Sources, error) {
	s := Sources{join: true}
	for _, entry := range identitySource {
		for _, e := range strings.Split(entry, ",") {
			e = strings.TrimSpace(e)
			if e == "" {
				continue
			}
			src, ok := parseSource(e, httpPrefixes)
			if !ok {
				return s, fmt.Errorf("invalid identity source %q", e)
			}
			s.List = append(s.List, src)
		}
	}
	return s, nil
}

type prefix struct {
	p    string
	kind SourceKind
}

var restPrefixes = []prefix{
	{"method.request.header.", FromHeader},
	{"method.request.querystring.", FromQuery},
	{"stageVariables.", FromStageVariable},
	{"context.", FromContext},
}

var httpPrefixes = []prefix{
	{"$request.header.", FromHeader},
	{"$request.querystring.", FromQuery},
	{"$context.", FromContext},
	{"$stageVariables.", FromStageVariable},
	{"route.request.header.", FromHeader},
	{"route.request.querystring.", FromQuery},
	{"stageVariables.", FromStageVariable},
	{"context.", FromContext},
}

func parseSource(e string, prefixes []prefix) (Source, bool) {
	for _, p := range prefixes {
		if name, ok := strings.CutPrefix(e, p.p); ok && name != "" {
			return Source{Kind: p.kind, Name: name, Expr: e}, true
		}
	}
	return Source{}, false
}

// Request is what identity sources read from one data-plane request.
type Request struct {
	Header         http.Header // names are matched case-insensitively
	Query          url.Values  // names are case-sensitive
	StageVariables map[string]string
	// Context resolves a $context variable by name ("httpMethod",
	// "identity.sourceIp", "routeKey"); nil resolves nothing.
	Context func(name string) (string, bool)
}

// Value reads one source; ok is false when it is missing or empty.
func (s Sources) value(src Source, r *Request) (string, bool) {
	var vals []string
	switch src.Kind {
	case FromHeader:
		vals = headerValues(r.Header, src.Name)
	case FromQuery:
		vals = r.Query[src.Name]
	case FromStageVariable:
		v := r.StageVariables[src.Name]
		return v, v != ""
	case FromContext:
		if r.Context == nil {
			return "", false
		}
		v, ok := r.Context(src.Name)
		return v, ok && v != ""
	}
	if len(vals) == 0 {
		return "", false
	}
	var v string
	if s.join {
		v = strings.Join(vals, ",")
	} else {
		v = vals[len(vals)-1]
	}
	return v, v != ""
}

func headerValues(h http.Header, name string) []string {
	if v := h.Values(name); len(v) > 0 {
		return v
	}
	for k, v := range h { // a map filled with non-canonical keys
		if strings.EqualFold(k, name) {
			return v
		}
	}
	return nil
}

// Values reads every source in order. A missing or empty source is the
// documented 401 Unauthorized, answered without invoking the authorizer [D:
// REST API reference for identitySource; http-api-lambda-authorizer
// "Identity sources"].
func (s Sources) Values(r *Request) ([]string, error) {
	out := make([]string, len(s.List))
	for i, src := range s.List {
		v, ok := s.value(src, r)
		if !ok {
			return nil, unauthorized("identity source " + src.Expr + " is missing or empty")
		}
		out[i] = v
	}
	return out, nil
}

// Len is the number of sources.
func (s Sources) Len() int { return len(s.List) }

// CompileValidation compiles a TOKEN authorizer's
// identityValidationExpression. The token must match the whole expression
// (Java's String.matches, which API Gateway's JVM uses [?: AWS examples
// anchor their patterns with ^...$ anyway]). An empty expression gives nil:
// no check.
//
// The expression is compiled with Go's RE2 syntax, which shares the
// constructs authorizers use (character classes, quantifiers, anchors);
// Java-only constructs (possessive quantifiers, lookaround) are rejected.
func CompileValidation(expr string) (*regexp.Regexp, error) {
	if expr == "" {
		return nil, nil
	}
	re, err := regexp.Compile(`\A(?:` + expr + `)\z`)
	if err != nil {
		return nil, fmt.Errorf("invalid identityValidationExpression %q: %v", expr, err)
	}
	return re, nil
}
