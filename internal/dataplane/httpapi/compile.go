package httpapi

import (
	"fmt"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"time"

	api "github.com/stagecraft/stagecraft/internal/api/apigatewayv2"
	"github.com/stagecraft/stagecraft/internal/dataplane/v2core"
	"github.com/stagecraft/stagecraft/internal/service/apigatewayv2"
)

// deployment is a compiled HTTP API deployment snapshot: immutable, shared
// by every stage that points at it.
type deployment struct {
	id                string
	loc               v2core.Location
	router            *router
	cors              *corsConfig // nil: CORS not configured
	disableExecuteAPI bool
}

// route is one compiled route.
type route struct {
	key      string // "GET /pets/{id}" or "$default"
	method   string // GET, …, ANY; "" for $default
	path     string // "/pets/{id}"; "" for $default
	segs     []seg
	nparams  int
	auth     string // NONE, JWT, CUSTOM, AWS_IAM
	authz    *authorizer
	scopes   []string
	integ    *integration
	operName string
}

// integration is one compiled integration.
type integration struct {
	id       string
	typ      string // HTTP_PROXY, AWS_PROXY
	subtype  string // AWS service integrations (not served)
	uri      string
	uriTmpl  *uriTemplate
	method   string
	version  string // payloadFormatVersion
	timeout  time.Duration
	private  bool // connectionType VPC_LINK
	tlsName  string
	reqMap   []paramOp
	respMap  map[string][]paramOp // by status code
	respKeys []string             // status codes with a mapping
	credsARN string
}

// Integration timeouts of HTTP APIs: 50..30000 ms, default 30 s [M doc].
const defaultTimeout = 30 * time.Second

func compile(loc v2core.Location, snap *apigatewayv2.Snapshot) (*deployment, error) {
	d := &deployment{id: snap.DeploymentID, loc: loc, router: newRouter(),
		disableExecuteAPI: snap.Api.DisableExecuteApiEndpoint != nil && *snap.Api.DisableExecuteApiEndpoint}
	if c := snap.Api.CorsConfiguration; c != nil {
		d.cors = compileCORS(c)
	}
	integs := map[string]*integration{}
	auths := map[string]*authorizer{}
	for i := range snap.Routes {
		sr := &snap.Routes[i]
		rt := &sr.Route
		r := &route{key: str(rt.RouteKey), auth: strings.ToUpper(str(rt.AuthorizationType)), scopes: rt.AuthorizationScopes, operName: str(rt.OperationName)}
		if r.auth == "" {
			r.auth = "NONE"
		}
		if r.key == "$default" {
			d.router.def = r
		} else {
			m, p, ok := strings.Cut(r.key, " ")
			if !ok {
				return nil, fmt.Errorf("route key %q is not METHOD /path", r.key)
			}
			segs, err := parsePath(p)
			if err != nil {
				return nil, err
			}
			r.method, r.path, r.segs = strings.ToUpper(m), p, segs
			for _, s := range segs {
				if s.param != "" {
					r.nparams++
				}
			}
			d.router.add(r)
		}
		if si := snap.Target(sr); si != nil {
			id := str(si.Integration.IntegrationId)
			in := integs[id]
			if in == nil {
				var err error
				if in, err = compileIntegration(&si.Integration); err != nil {
					return nil, fmt.Errorf("integration %s: %w", id, err)
				}
				integs[id] = in
			}
			r.integ = in
		}
		if au := snap.Authorizer(sr); au != nil && (r.auth == "JWT" || r.auth == "CUSTOM") {
			id := str(au.AuthorizerId)
			a := auths[id]
			if a == nil {
				a = compileAuthorizer(au)
				auths[id] = a
			}
			r.authz = a
		}
	}
	return d, nil
}

func compileIntegration(in *api.Integration) (*integration, error) {
	it := &integration{id: str(in.IntegrationId), typ: str(in.IntegrationType), subtype: str(in.IntegrationSubtype),
		uri: str(in.IntegrationUri), method: strings.ToUpper(str(in.IntegrationMethod)), version: str(in.PayloadFormatVersion),
		timeout: defaultTimeout, private: str(in.ConnectionType) == "VPC_LINK", credsARN: str(in.CredentialsArn)}
	if it.version == "" {
		it.version = "1.0"
	}
	if in.TimeoutInMillis != nil && *in.TimeoutInMillis > 0 {
		it.timeout = time.Duration(*in.TimeoutInMillis) * time.Millisecond
	}
	if in.TlsConfig != nil {
		it.tlsName = str(in.TlsConfig.ServerNameToVerify)
	}
	if it.typ == "HTTP_PROXY" && !it.private {
		t, err := parseURITemplate(it.uri)
		if err != nil {
			return nil, err
		}
		it.uriTmpl = t
	}
	var err error
	if it.reqMap, err = parseParamOps(in.RequestParameters, false); err != nil {
		return nil, err
	}
	for status, m := range in.ResponseParameters {
		ops, err := parseParamOps(m, true)
		if err != nil {
			return nil, err
		}
		if it.respMap == nil {
			it.respMap = map[string][]paramOp{}
		}
		it.respMap[status] = ops
		it.respKeys = append(it.respKeys, status)
	}
	sort.Strings(it.respKeys)
	return it, nil
}

// uriTemplate is an HTTP_PROXY integration URI with its variables:
// {name} (route path variables, {proxy} for {proxy+}) and
// ${stageVariables.name} / $stageVariables.name [D].
type uriTemplate struct {
	parts   []uriPart
	raw     string   // the URI as configured
	static  *url.URL // the parsed URL when there are no variables
	hasPath bool     // the URI names a path beyond "/"
}

type uriPart struct {
	lit      string
	pathVar  string
	stageVar string
}

var uriVarRE = regexp.MustCompile(`\$\{stageVariables\.([A-Za-z0-9_]+)\}|\$stageVariables\.([A-Za-z0-9_]+)|\{([A-Za-z0-9._-]+)\+?\}`)

func parseURITemplate(s string) (*uriTemplate, error) {
	t := &uriTemplate{raw: s}
	last := 0
	for _, m := range uriVarRE.FindAllStringSubmatchIndex(s, -1) {
		if m[0] > last {
			t.parts = append(t.parts, uriPart{lit: s[last:m[0]]})
		}
		switch {
		case m[2] >= 0:
			t.parts = append(t.parts, uriPart{stageVar: s[m[2]:m[3]]})
		case m[4] >= 0:
			t.parts = append(t.parts, uriPart{stageVar: s[m[4]:m[5]]})
		default:
			t.parts = append(t.parts, uriPart{pathVar: s[m[6]:m[7]]})
		}
		last = m[1]
	}
	if last < len(s) {
		t.parts = append(t.parts, uriPart{lit: s[last:]})
	}
	if len(t.parts) <= 1 && (len(t.parts) == 0 || t.parts[0].lit != "") {
		u, err := url.Parse(s)
		if err != nil {
			return nil, fmt.Errorf("integration URI %q: %w", s, err)
		}
		t.static = u
	}
	return t, nil
}

// expand renders the URI for one request: path variables are inserted
// percent-encoded segment by segment (a greedy value keeps its "/").
func (t *uriTemplate) expand(params, vars map[string]string) string {
	n := 0
	for _, p := range t.parts {
		switch {
		case p.stageVar != "":
			n += len(vars[p.stageVar])
		case p.pathVar != "":
			n += len(params[p.pathVar])
		default:
			n += len(p.lit)
		}
	}
	var b strings.Builder
	b.Grow(n)
	for _, p := range t.parts {
		switch {
		case p.stageVar != "":
			b.WriteString(vars[p.stageVar])
		case p.pathVar != "":
			// Each /-separated segment escaped on its own.
			v := params[p.pathVar]
			for {
				s, rest, more := strings.Cut(v, "/")
				b.WriteString(url.PathEscape(s))
				if !more {
					break
				}
				b.WriteByte('/')
				v = rest
			}
		default:
			b.WriteString(p.lit)
		}
	}
	return b.String()
}

func str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}
