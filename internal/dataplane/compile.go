package dataplane

import (
	"fmt"
	"log/slog"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/ohler55/ojg/jp"

	api "github.com/stagecraft/stagecraft/internal/api/apigateway"
	"github.com/stagecraft/stagecraft/internal/javaregex"
	"github.com/stagecraft/stagecraft/internal/service/apigateway"
	"github.com/stagecraft/stagecraft/internal/vtl"
)

// deployment is a compiled snapshot: everything a request needs, parsed
// and indexed once. It is immutable after compileDeployment returns and is
// shared by every stage (and canary) that points at the deployment, across
// rebuilds.
type deployment struct {
	account, region, apiID, id string
	idAny                      any // id as $context.deploymentId, boxed once

	root      *node
	resources int

	gateway           map[string]*gatewayResponse // by response type
	disableExecuteAPI bool

	binaryTypes    []string // binaryMediaTypes, lower case
	minCompression int      // minimumCompressionSize; -1 when compression is off
	apiKeySource   string   // HEADER or AUTHORIZER
	authorizers    map[string]*authorizer
}

// method is a compiled api.Method.
type method struct {
	verb       string
	authType   string // NONE, AWS_IAM, CUSTOM, COGNITO_USER_POOLS
	authorizer *authorizer
	scopes     []string // authorizationScopes
	opName     string   // operationName
	apiKey     bool
	integ      *integration
	required   []paramRef        // required method.request.* parameters
	validate   bool              // a validator with validateRequestParameters
	validBody  bool              // a validator with validateRequestBody
	bodyModels map[string]*model // by lower-case content type, when validBody
	// settingsKey is the stage's methodSettings key, {path}/{verb}
	// without the leading slash.
	settingsKey string
}

// paramRef names one method request parameter: loc is "path",
// "querystring" or "header".
type paramRef struct{ loc, name string }

// integration is a compiled api.Integration.
type integration struct {
	typ         string // MOCK, HTTP, HTTP_PROXY, AWS, AWS_PROXY
	httpMethod  string
	uri         []uriPart
	rawURI      string
	uriLen      int      // the length of the URI's literal parts
	staticURL   *url.URL // the URI parsed, when it has no placeholders
	passthrough string   // WHEN_NO_MATCH, WHEN_NO_TEMPLATES, NEVER
	timeout     time.Duration
	insecureTLS bool
	contentConv string // contentHandling: "", CONVERT_TO_TEXT, CONVERT_TO_BINARY

	requestTemplates templates
	requestParams    []mapping // integration.request.{path,querystring,header}.X

	patterned []*intResponse // responses with a selectionPattern, by status code
	fallback  *intResponse   // the response without one
}

// intResponse is a compiled api.IntegrationResponse.
type intResponse struct {
	status      int
	contentConv string // contentHandling
	pattern     *regexp.Regexp
	params      []mapping // method.response.header.X
	templates   templates
}

// templates are mapping templates by content type.
type templates struct {
	byType map[string]*template
	first  *template // the first by content type, for "no match"
}

type template struct {
	contentType string
	t           *vtl.Template
	err         error // a template that does not parse fails when used
}

// uriPart is a piece of an integration URI: literal text, a {name}
// placeholder filled from integration.request.path.name, or
// ${stageVariables.name}.
type uriPart struct {
	lit      string
	pathVar  string
	stageVar string
}

// mapping is one compiled parameter mapping "target": "source".
type mapping struct {
	loc    string // target location: path, querystring, header (multivalue* folded in)
	name   string // target name
	multi  bool
	src    source
	target string // as written, for logs
}

type srcKind int

const (
	srcStatic srcKind = iota
	srcMethodPath
	srcMethodQuery
	srcMethodMultiQuery
	srcMethodHeader
	srcMethodMultiHeader
	srcMethodBody
	srcMethodBodyPath
	srcContext
	srcStageVar
	srcIntHeader
	srcIntMultiHeader
	srcIntBody
	srcIntBodyPath
	srcInvalid
)

type source struct {
	kind srcKind
	name string   // parameter, stage variable, or dotted context path
	path jp.Expr  // JSONPath for body sources
	ctx  []string // context path split on dots
}

// gatewayResponse is a compiled api.GatewayResponse.
type gatewayResponse struct {
	typ string
	// status is the configured status; 0 means "the status of the error
	// that occurred" (AWS's own default for types whose CRUD default
	// differs from what the runtime sends, e.g. INTEGRATION_FAILURE).
	status    int
	params    []mapping // gatewayresponse.header.X
	templates templates
}

func str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// compileDeployment turns a snapshot into a deployment. It never fails:
// parts that do not compile (a template with a syntax error, a selection
// pattern RE2 cannot express) are kept as failures that answer 500 when a
// request reaches them, and are logged here once.
func compileDeployment(account, region, apiID string, snap *apigateway.Snapshot, log *slog.Logger) *deployment {
	d := &deployment{account: account, region: region, apiID: apiID, id: snap.DeploymentID}
	d.idAny = d.id
	if snap.RestApi.DisableExecuteApiEndpoint != nil {
		d.disableExecuteAPI = *snap.RestApi.DisableExecuteApiEndpoint
	}
	lg := log.With("api", apiID, "deployment", snap.DeploymentID)
	ra := &snap.RestApi
	d.minCompression = -1
	if ra.MinimumCompressionSize != nil && *ra.MinimumCompressionSize >= 0 {
		d.minCompression = int(*ra.MinimumCompressionSize)
	}
	for _, t := range ra.BinaryMediaTypes {
		// Patch paths escape "/" as "~1"; the stored value may keep it.
		t = strings.ToLower(strings.TrimSpace(strings.ReplaceAll(t, "~1", "/")))
		if t != "" {
			d.binaryTypes = append(d.binaryTypes, t)
		}
	}
	d.apiKeySource = "HEADER"
	if str(ra.ApiKeySource) == "AUTHORIZER" {
		d.apiKeySource = "AUTHORIZER"
	}
	d.authorizers = make(map[string]*authorizer, len(snap.Authorizers))
	for id, a := range snap.Authorizers {
		d.authorizers[id] = compileAuthorizer(id, &a, lg)
	}
	cc := &compileCtx{snap: snap, lg: lg, authorizers: d.authorizers}

	nodes := make(map[string]*node, len(snap.Resources))
	for i := range snap.Resources {
		sr := &snap.Resources[i]
		nodes[sr.ID] = &node{res: compileResource(sr, cc)}
	}
	for i := range snap.Resources {
		sr := &snap.Resources[i]
		n := nodes[sr.ID]
		if sr.ParentID == "" {
			d.root = n
			continue
		}
		parent := nodes[sr.ParentID]
		if parent == nil {
			lg.Warn("snapshot resource without parent", "resource", sr.ID, "path", sr.Path)
			continue
		}
		pp := sr.PathPart
		switch {
		case strings.HasPrefix(pp, "{") && strings.HasSuffix(pp, "+}"):
			parent.greedy, parent.greedyName = n, pp[1:len(pp)-2]
		case strings.HasPrefix(pp, "{") && strings.HasSuffix(pp, "}"):
			parent.param, parent.paramName = n, pp[1:len(pp)-1]
		default:
			if parent.literal == nil {
				parent.literal = map[string]*node{}
			}
			parent.literal[pp] = n
		}
	}
	if d.root == nil {
		d.root = &node{res: &resource{path: "/"}}
	}
	d.resources = len(snap.Resources)

	// The snapshot holds the customized responses (every type, resolved,
	// in snapshots of earlier versions); the others are AWS's defaults.
	d.gateway = make(map[string]*gatewayResponse, len(gatewayTypes))
	for _, typ := range apigateway.GatewayResponseTypes() {
		d.gateway[typ] = compileGatewayResponse(typ, apigateway.EffectiveGatewayResponse(typ, snap.GatewayResponses), lg)
	}
	return d
}

// compileCtx is what compiling one snapshot shares across methods.
type compileCtx struct {
	snap        *apigateway.Snapshot
	lg          *slog.Logger
	models      map[string]*model // compiled on first use
	authorizers map[string]*authorizer
}

func compileResource(sr *apigateway.SnapshotResource, cc *compileCtx) *resource {
	r := &resource{id: sr.ID, path: sr.Path, methods: make(map[string]*method, len(sr.Methods))}
	r.idAny, r.pathAny = r.id, r.path
	for verb, m := range sr.Methods {
		cm := compileMethod(verb, &m, cc, cc.lg.With("resource", sr.Path, "method", verb))
		cm.settingsKey = strings.TrimPrefix(sr.Path, "/") + "/" + verb
		r.methods[verb] = cm
		if verb == "ANY" {
			r.any = cm
		}
	}
	return r
}

func compileMethod(verb string, m *api.Method, cc *compileCtx, lg *slog.Logger) *method {
	snap := cc.snap
	cm := &method{verb: verb, authType: str(m.AuthorizationType)}
	if cm.authType == "" {
		cm.authType = "NONE"
	}
	if m.ApiKeyRequired != nil {
		cm.apiKey = *m.ApiKeyRequired
	}
	cm.scopes = m.AuthorizationScopes
	cm.opName = str(m.OperationName)
	if cm.authType == "CUSTOM" || cm.authType == "COGNITO_USER_POOLS" {
		cm.authorizer = cc.authorizers[str(m.AuthorizerId)]
		if cm.authorizer == nil {
			lg.Warn("method names an authorizer that is not in the deployment; requests answer 500", "authorizer", str(m.AuthorizerId))
		}
	}
	if id := str(m.RequestValidatorId); id != "" {
		if v, ok := snap.RequestValidators[id]; ok {
			cm.validate = v.ValidateRequestParameters != nil && *v.ValidateRequestParameters
			cm.validBody = v.ValidateRequestBody != nil && *v.ValidateRequestBody
		}
	}
	if cm.validBody && len(m.RequestModels) > 0 {
		if cc.models == nil {
			cc.models = compileModels(snap.Models)
		}
		cm.bodyModels = make(map[string]*model, len(m.RequestModels))
		for ct, name := range m.RequestModels {
			md := cc.models[name]
			if md == nil {
				lg.Warn("request model not in the deployment; the body is not validated", "model", name)
				continue
			}
			if md.err != nil {
				lg.Warn("request model does not parse; the body is not validated", "model", name, "error", md.err)
				continue
			}
			cm.bodyModels[strings.ToLower(ct)] = md
		}
	}
	for p, req := range m.RequestParameters {
		if !req {
			continue
		}
		rest, ok := strings.CutPrefix(p, "method.request.")
		if !ok {
			continue
		}
		loc, name, ok := strings.Cut(rest, ".")
		if !ok {
			continue
		}
		switch loc {
		case "multivaluequerystring":
			loc = "querystring"
		case "multivalueheader":
			loc = "header"
		}
		cm.required = append(cm.required, paramRef{loc, name})
	}
	sort.Slice(cm.required, func(i, j int) bool {
		a, b := cm.required[i], cm.required[j]
		if a.loc != b.loc {
			return a.loc < b.loc
		}
		return a.name < b.name
	})
	if m.MethodIntegration != nil {
		cm.integ = compileIntegration(m.MethodIntegration, lg)
	}
	return cm
}

func compileIntegration(in *api.Integration, lg *slog.Logger) *integration {
	ci := &integration{
		typ:         str(in.Type),
		httpMethod:  str(in.HttpMethod),
		rawURI:      str(in.Uri),
		passthrough: str(in.PassthroughBehavior),
		timeout:     29 * time.Second, // AWS's default timeoutInMillis [V]
	}
	if ci.passthrough == "" {
		ci.passthrough = "WHEN_NO_MATCH"
	}
	if in.TimeoutInMillis != nil && *in.TimeoutInMillis > 0 {
		ci.timeout = time.Duration(*in.TimeoutInMillis) * time.Millisecond
	}
	if in.TlsConfig != nil && in.TlsConfig.InsecureSkipVerification != nil {
		ci.insecureTLS = *in.TlsConfig.InsecureSkipVerification
	}
	ci.contentConv = str(in.ContentHandling)
	ci.uri = compileURI(ci.rawURI)
	static := true
	var lits strings.Builder
	for _, p := range ci.uri {
		if p.stageVar != "" || p.pathVar != "" {
			static = false
		} else {
			ci.uriLen += len(p.lit)
			lits.WriteString(p.lit)
		}
	}
	if u, err := url.Parse(lits.String()); static && err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" {
		ci.staticURL = u
	}
	ci.requestTemplates = compileTemplates("integration request", in.RequestTemplates, lg)
	for target, src := range in.RequestParameters {
		rest, ok := strings.CutPrefix(target, "integration.request.")
		if !ok {
			lg.Warn("ignoring request parameter mapping with an unknown target", "target", target)
			continue
		}
		loc, name, ok := strings.Cut(rest, ".")
		if !ok {
			continue
		}
		mp := mapping{loc: loc, name: name, target: target, src: compileSource(src)}
		switch loc {
		case "multivaluequerystring":
			mp.loc, mp.multi = "querystring", true
		case "multivalueheader":
			mp.loc, mp.multi = "header", true
		case "path", "querystring", "header":
		default:
			lg.Warn("ignoring request parameter mapping with an unknown target", "target", target)
			continue
		}
		ci.requestParams = append(ci.requestParams, mp)
	}
	sortMappings(ci.requestParams)

	keys := make([]string, 0, len(in.IntegrationResponses))
	for k := range in.IntegrationResponses {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		ir := in.IntegrationResponses[k]
		code, err := strconv.Atoi(str(ir.StatusCode))
		if err != nil {
			code, _ = strconv.Atoi(k)
		}
		cr := &intResponse{status: code, contentConv: str(ir.ContentHandling), templates: compileTemplates("integration response "+k, ir.ResponseTemplates, lg)}
		for target, src := range ir.ResponseParameters {
			name, ok := strings.CutPrefix(target, "method.response.header.")
			if !ok {
				lg.Warn("ignoring response parameter mapping with an unknown target", "target", target)
				continue
			}
			cr.params = append(cr.params, mapping{loc: "header", name: name, target: target, src: compileSource(src)})
		}
		sortMappings(cr.params)
		if p := str(ir.SelectionPattern); p != "" {
			// Selection patterns are Java regular expressions (API Gateway
			// runs on the JVM), compiled once per deployment and anchored
			// at both ends: AWS documents the pattern as matched against
			// the whole selection value (spec §8.5 open question 5: we
			// choose the full match, as String.matches does; LocalStack's
			// prefix re.match is not AWS evidence).
			re, err := javaregex.CompileWhole(p)
			if err != nil {
				lg.Warn("selection pattern does not compile; the response is never selected", "status", k, "pattern", p, "error", err)
				continue
			}
			cr.pattern = re
			ci.patterned = append(ci.patterned, cr)
			continue
		}
		if ci.fallback == nil {
			ci.fallback = cr
		}
	}
	return ci
}

// compileURI splits an integration URI into literal text and placeholders.
func compileURI(uri string) []uriPart {
	var parts []uriPart
	lit := func(s string) {
		if s == "" {
			return
		}
		if n := len(parts); n > 0 && parts[n-1].pathVar == "" && parts[n-1].stageVar == "" {
			parts[n-1].lit += s
			return
		}
		parts = append(parts, uriPart{lit: s})
	}
	for uri != "" {
		i := strings.IndexAny(uri, "{$")
		if i < 0 {
			lit(uri)
			break
		}
		lit(uri[:i])
		uri = uri[i:]
		if strings.HasPrefix(uri, "${stageVariables.") {
			if end := strings.IndexByte(uri, '}'); end > 0 {
				parts = append(parts, uriPart{stageVar: uri[len("${stageVariables."):end]})
				uri = uri[end+1:]
				continue
			}
		}
		if uri[0] == '{' {
			if end := strings.IndexByte(uri, '}'); end > 1 {
				parts = append(parts, uriPart{pathVar: strings.TrimSuffix(uri[1:end], "+")})
				uri = uri[end+1:]
				continue
			}
		}
		lit(uri[:1])
		uri = uri[1:]
	}
	return parts
}

// compileSource parses a mapping source expression.
func compileSource(expr string) source {
	switch {
	case len(expr) >= 2 && expr[0] == '\'' && expr[len(expr)-1] == '\'':
		return source{kind: srcStatic, name: expr[1 : len(expr)-1]}
	case strings.HasPrefix(expr, "stageVariables."):
		return source{kind: srcStageVar, name: expr[len("stageVariables."):]}
	case strings.HasPrefix(expr, "context."):
		p := expr[len("context."):]
		return source{kind: srcContext, name: p, ctx: strings.Split(p, ".")}
	case expr == "method.request.body":
		return source{kind: srcMethodBody}
	case strings.HasPrefix(expr, "method.request.body."):
		return bodyPathSource(srcMethodBodyPath, expr[len("method.request.body."):])
	case expr == "integration.response.body":
		return source{kind: srcIntBody}
	case strings.HasPrefix(expr, "integration.response.body."):
		return bodyPathSource(srcIntBodyPath, expr[len("integration.response.body."):])
	}
	for prefix, kind := range map[string]srcKind{
		"method.request.path.":                   srcMethodPath,
		"method.request.querystring.":            srcMethodQuery,
		"method.request.multivaluequerystring.":  srcMethodMultiQuery,
		"method.request.header.":                 srcMethodHeader,
		"method.request.multivalueheader.":       srcMethodMultiHeader,
		"integration.response.header.":           srcIntHeader,
		"integration.response.multivalueheader.": srcIntMultiHeader,
	} {
		if name, ok := strings.CutPrefix(expr, prefix); ok {
			return source{kind: kind, name: name}
		}
	}
	return source{kind: srcInvalid, name: expr}
}

func bodyPathSource(kind srcKind, path string) source {
	x, err := jp.ParseString("$." + path)
	if err != nil {
		return source{kind: srcInvalid, name: path}
	}
	return source{kind: kind, name: path, path: x}
}

func sortMappings(ms []mapping) {
	sort.Slice(ms, func(i, j int) bool { return ms[i].target < ms[j].target })
}

// compileTemplates parses mapping templates, keyed by lower-case content
// type.
func compileTemplates(what string, src map[string]string, lg *slog.Logger) templates {
	var ts templates
	if len(src) == 0 {
		return ts
	}
	keys := make([]string, 0, len(src))
	for k := range src {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	ts.byType = make(map[string]*template, len(src))
	for _, ct := range keys {
		t := &template{contentType: ct}
		t.t, t.err = vtl.Parse(fmt.Sprintf("%s %s", what, ct), src[ct])
		if t.err != nil {
			lg.Warn("mapping template does not parse; requests using it fail", "template", what, "contentType", ct, "error", t.err)
		}
		ts.byType[strings.ToLower(ct)] = t
		if ts.first == nil {
			ts.first = t
		}
	}
	return ts
}
