package websocket

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/stagecraft/stagecraft/internal/authz"
	"github.com/stagecraft/stagecraft/internal/dataplane/v2core"
	"github.com/stagecraft/stagecraft/internal/service/apigatewayv2"
	"github.com/stagecraft/stagecraft/internal/vtl"
)

// deployment is a compiled WebSocket API deployment snapshot.
type deployment struct {
	id     string
	loc    v2core.Location
	rse    *v2core.Expr // routeSelectionExpression
	routes map[string]*route
	// apiKeySel is the apiKeySelectionExpression, evaluated against the
	// $connect request; keyFromAuthorizer is its
	// $context.authorizer.usageIdentifierKey form, the key a Lambda
	// authorizer returned [D: the two values AWS accepts].
	apiKeySel         *v2core.Expr
	keyFromAuthorizer bool
}

type route struct {
	key      string
	auth     string // NONE, AWS_IAM, CUSTOM ($connect only)
	authz    *authorizer
	apiKey   bool
	integ    *integration
	twoWay   bool // a route response will carry the integration's answer back
	operName string
	required []string // required $connect request parameters (route.request.header.X, route.request.querystring.X)
}

type integration struct {
	id          string
	typ         string // MOCK, HTTP, HTTP_PROXY, AWS, AWS_PROXY
	uri         string
	method      string
	timeout     time.Duration
	tse         *v2core.Expr // templateSelectionExpression
	templates   map[string]*tmpl
	passthrough string // WHEN_NO_MATCH (default), WHEN_NO_TEMPLATES, NEVER
	responses   []*intResponse
	reqParams   []reqParam
}

type intResponse struct {
	key       string
	re        *regexp.Regexp // nil for $default
	tse       *v2core.Expr
	templates map[string]*tmpl
}

// tmpl is a parsed mapping template; one without references or
// directives renders as its source, without running the engine.
type tmpl struct {
	t      *vtl.Template
	static bool
	src    string
}

func (t *tmpl) render(ctx func() *vtl.Context) (string, error) {
	if t.static {
		return t.src, nil
	}
	return t.t.Render(ctx())
}

// reqParam is one WebSocket integration request parameter
// (integration.request.header.X / querystring.X ← route.request.header.Y,
// route.request.querystring.Y, context.Z, stageVariables.Z or 'static').
type reqParam struct {
	target string // header, querystring
	name   string
	source string
}

type authorizer struct {
	id  string
	uri string
	lam *authz.LambdaAuthorizer
	err error
}

// WebSocket integration timeouts: 50..29000 ms, default 29 s [M doc].
const defaultTimeout = 29 * time.Second

func compile(loc v2core.Location, snap *apigatewayv2.Snapshot) (*deployment, error) {
	d := &deployment{id: snap.DeploymentID, loc: loc, routes: map[string]*route{},
		rse: v2core.ParseExpr(str(snap.Api.RouteSelectionExpression))}
	sel := str(snap.Api.ApiKeySelectionExpression)
	if sel == "" {
		sel = "$request.header.x-api-key" // the default [M doc]
	}
	d.apiKeySel = v2core.ParseExpr(sel)
	if k, name, ok := d.apiKeySel.Single(); ok && k == v2core.KindContext && name == "authorizer.usageIdentifierKey" {
		d.keyFromAuthorizer = true
	}
	integs := map[string]*integration{}
	auths := map[string]*authorizer{}
	for i := range snap.Routes {
		sr := &snap.Routes[i]
		rt := &sr.Route
		r := &route{key: str(rt.RouteKey), auth: strings.ToUpper(str(rt.AuthorizationType)),
			apiKey: rt.ApiKeyRequired != nil && *rt.ApiKeyRequired, operName: str(rt.OperationName)}
		// Two-way: routeResponseSelectionExpression set and a route
		// response to select [D: apigateway-websocket-api-route-response].
		r.twoWay = str(rt.RouteResponseSelectionExpression) != "" && len(sr.Responses) > 0
		for k, pc := range rt.RequestParameters {
			if pc.Required != nil && *pc.Required {
				r.required = append(r.required, k)
			}
		}
		sort.Strings(r.required)
		if si := snap.Target(sr); si != nil {
			id := str(si.Integration.IntegrationId)
			in := integs[id]
			if in == nil {
				var err error
				if in, err = compileIntegration(si); err != nil {
					return nil, fmt.Errorf("integration %s: %w", id, err)
				}
				integs[id] = in
			}
			r.integ = in
		}
		if au := snap.Authorizer(sr); au != nil && r.auth == "CUSTOM" {
			id := str(au.AuthorizerId)
			a := auths[id]
			if a == nil {
				a = &authorizer{id: id, uri: str(au.AuthorizerUri)}
				ttl := 0
				if au.AuthorizerResultTtlInSeconds != nil {
					ttl = int(*au.AuthorizerResultTtlInSeconds)
				}
				a.lam, a.err = authz.NewHTTPLambda(id, au.IdentitySource, "", false, ttl)
				auths[id] = a
			}
			r.authz = a
		}
		d.routes[r.key] = r
	}
	return d, nil
}

func compileIntegration(si *apigatewayv2.SnapshotIntegration) (*integration, error) {
	in := &si.Integration
	it := &integration{id: str(in.IntegrationId), typ: str(in.IntegrationType), uri: str(in.IntegrationUri),
		method: strings.ToUpper(str(in.IntegrationMethod)), timeout: defaultTimeout,
		passthrough: strings.ToUpper(str(in.PassthroughBehavior))}
	if it.passthrough == "" {
		it.passthrough = "WHEN_NO_MATCH"
	}
	if in.TimeoutInMillis != nil && *in.TimeoutInMillis > 0 {
		it.timeout = time.Duration(*in.TimeoutInMillis) * time.Millisecond
	}
	if e := str(in.TemplateSelectionExpression); e != "" {
		it.tse = v2core.ParseExpr(e)
	}
	var err error
	if it.templates, err = parseTemplates("request", in.RequestTemplates); err != nil {
		return nil, err
	}
	for k, v := range in.RequestParameters {
		p, ok := parseReqParam(k, v)
		if !ok {
			return nil, fmt.Errorf("request parameter %q", k)
		}
		it.reqParams = append(it.reqParams, p)
	}
	sort.Slice(it.reqParams, func(i, j int) bool { return it.reqParams[i].name < it.reqParams[j].name })
	for i := range si.Responses {
		ir := &si.Responses[i]
		r := &intResponse{key: str(ir.IntegrationResponseKey)}
		if r.key != "$default" {
			pat := r.key
			if len(pat) >= 2 && pat[0] == '/' && pat[len(pat)-1] == '/' {
				pat = pat[1 : len(pat)-1]
			}
			if r.re, err = regexp.Compile("^(?:" + pat + ")$"); err != nil {
				return nil, fmt.Errorf("integration response key %q: %w", r.key, err)
			}
		}
		if e := str(ir.TemplateSelectionExpression); e != "" {
			r.tse = v2core.ParseExpr(e)
		}
		if r.templates, err = parseTemplates("response", ir.ResponseTemplates); err != nil {
			return nil, err
		}
		it.responses = append(it.responses, r)
	}
	// Pattern keys are tried before $default.
	sort.SliceStable(it.responses, func(i, j int) bool { return it.responses[i].re != nil && it.responses[j].re == nil })
	return it, nil
}

func parseTemplates(kind string, m map[string]string) (map[string]*tmpl, error) {
	if len(m) == 0 {
		return nil, nil
	}
	out := make(map[string]*tmpl, len(m))
	for k, src := range m {
		t, err := vtl.Parse(kind+" template "+k, src)
		if err != nil {
			return nil, err
		}
		out[k] = &tmpl{t: t, src: src, static: !strings.ContainsAny(src, "$#\\")}
	}
	return out, nil
}

func parseReqParam(k, v string) (reqParam, bool) {
	var p reqParam
	switch {
	case strings.HasPrefix(k, "integration.request.header."):
		p.target, p.name = "header", k[len("integration.request.header."):]
	case strings.HasPrefix(k, "integration.request.querystring."):
		p.target, p.name = "querystring", k[len("integration.request.querystring."):]
	default:
		return p, false
	}
	p.source = v
	return p, p.name != ""
}

// selectTemplate picks a mapping template by a template selection
// expression's value, falling back to $default [D: websocket-api-
// selection-expressions "templateSelectionExpression"].
func selectTemplate(ts map[string]*tmpl, value string) (*tmpl, bool) {
	if t := ts[value]; t != nil {
		return t, true
	}
	if t := ts["$default"]; t != nil {
		return t, true
	}
	return nil, false
}

// selectResponse picks the integration response for a status code: the
// first /pattern/ key that matches, else $default.
func (in *integration) selectResponse(status string) *intResponse {
	for _, r := range in.responses {
		if r.re == nil || r.re.MatchString(status) {
			return r
		}
	}
	return nil
}

func str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}
