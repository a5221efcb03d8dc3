package apigateway

// GetExport (GET /restapis/{id}/stages/{stage}/exports/{oas30|swagger}):
// the deployed snapshot behind a stage rendered as an OpenAPI 3.0.1 or
// Swagger 2.0 document, JSON or YAML by Accept, in the shape AWS exports
// [V: LocalStack snapshots of AWS exports of the PetStore API]:
//
//   - info.version is the API's version, or the deployment's creation time
//     ("2006-01-02T15:04:05Z") when the API has none;
//   - oas30 has servers[0] = https://{id}.execute-api.{region}.amazonaws.com/{basePath}
//     with variable basePath defaulting to the stage name; swagger has host,
//     basePath "/{stage}" and schemes [https];
//   - every method response is "{code} response" with its headers as string
//     parameters and its models as $refs to components.schemas/definitions;
//   - x-amazon-apigateway-integration is added only with extensions=integrations
//     or extensions=apigateway, with lower-case type and passthroughBehavior
//     and integration responses keyed by selection pattern or "default";
//   - the body is sent as application/octet-stream with Content-Disposition
//     attachment; filename="{exportType}_{version}.json".

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	api "github.com/stagecraft/stagecraft/internal/api/apigateway"
	"github.com/stagecraft/stagecraft/internal/store"
)

// oaExportOptions select the document's flavour and extensions.
type oaExportOptions struct {
	swagger      bool
	integrations bool // x-amazon-apigateway-integration
	authorizers  bool // x-amazon-apigateway-authorizer
	apigateway   bool // every x-amazon-apigateway-* extension
}

func (s *Service) GetExport(ctx context.Context, in *api.GetExportRequest) (*api.ExportResponse, error) {
	var opts oaExportOptions
	switch in.ExportType {
	case "oas30":
	case "swagger":
		opts.swagger = true
	default:
		// [?] AWS's wording for another export type is not recorded.
		return nil, badRequest("Invalid export type specified: %s. Valid values are oas30 and swagger", in.ExportType)
	}
	for _, e := range strings.Split(in.Parameters["extensions"], ",") {
		switch strings.ToLower(strings.TrimSpace(e)) {
		case "integrations":
			opts.integrations = true
		case "apigateway":
			opts.apigateway, opts.integrations, opts.authorizers = true, true, true
		case "authorizers":
			opts.authorizers = true
		}
		// "postman" adds Postman's own extensions, which are not modelled here.
	}
	yaml := strings.Contains(strings.ToLower(str(in.Accepts)), "yaml")

	var snap *Snapshot
	err := s.st.View(ctx, func(tx store.Tx) error {
		if err := requireAPI(ctx, tx, in.RestApiId); err != nil {
			return err
		}
		stage, err := LoadStage(ctx, tx, in.RestApiId, in.StageName)
		if errors.Is(err, store.ErrNotFound) {
			return notFound("Invalid Stage identifier specified")
		}
		if err != nil {
			return err
		}
		snap, err = LoadSnapshot(ctx, tx, in.RestApiId, str(stage.DeploymentId))
		if errors.Is(err, store.ErrNotFound) {
			return notFound("Invalid Deployment identifier specified")
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	doc, version := oaExportDoc(snap, in.StageName, region(ctx), opts)
	var body []byte
	ext := "json"
	if yaml {
		body, ext = oaYAMLBytes(doc), "yaml"
	} else {
		body = append(oaJSON(doc, true), '\n')
	}
	return &api.ExportResponse{
		Body: body,
		// [V] AWS answers application/octet-stream even when JSON was asked
		// for; YAML is assumed to be sent the same way [?].
		ContentType:        ptr("application/octet-stream"),
		ContentDisposition: ptr(`attachment; filename="` + in.ExportType + "_" + version + "." + ext + `"`),
	}, nil
}

var oaVerbOrder = []string{"GET", "PUT", "POST", "DELETE", "OPTIONS", "HEAD", "PATCH", "ANY"}

// oaExportDoc renders a snapshot; it returns the document and the version
// used for info.version (and the file name).
func oaExportDoc(snap *Snapshot, stage, region string, o oaExportOptions) (*oaMap, string) {
	ra := snap.RestApi
	version := str(ra.Version)
	if version == "" {
		version = snap.CreatedDate.UTC().Format(time.RFC3339)
	}
	schemaPrefix := "#/components/schemas/"
	if o.swagger {
		schemaPrefix = "#/definitions/"
	}
	authByID := map[string]api.Authorizer{}
	for id, a := range snap.Authorizers {
		authByID[id] = a
	}
	valByID := map[string]api.RequestValidator{}
	for id, v := range snap.RequestValidators {
		valByID[id] = v
	}

	doc := newOAMap()
	info := newOAMap()
	if o.swagger {
		doc.set("swagger", "2.0")
		if ra.Description != nil {
			info.set("description", *ra.Description)
		}
		info.set("version", version)
		info.set("title", str(ra.Name))
		doc.set("info", info)
		doc.set("host", str(ra.Id)+".execute-api."+region+".amazonaws.com")
		doc.set("basePath", "/"+stage)
		doc.set("schemes", []any{"https"})
	} else {
		doc.set("openapi", "3.0.1")
		info.set("title", str(ra.Name))
		if ra.Description != nil {
			info.set("description", *ra.Description)
		}
		info.set("version", version)
		doc.set("info", info)
		def := newOAMap()
		def.set("default", stage)
		vars := newOAMap()
		vars.set("basePath", def)
		srv := newOAMap()
		srv.set("url", "https://"+str(ra.Id)+".execute-api."+region+".amazonaws.com/{basePath}")
		srv.set("variables", vars)
		doc.set("servers", []any{srv})
	}

	usesAPIKey, usesIAM := false, false
	paths := newOAMap()
	for _, r := range snap.Resources {
		if len(r.Methods) == 0 {
			continue
		}
		item := newOAMap()
		for _, verb := range oaVerbOrder {
			m, ok := r.Methods[verb]
			if !ok {
				continue
			}
			op := oaExportOperation(m, schemaPrefix, authByID, valByID, o)
			if boolv(m.ApiKeyRequired) {
				usesAPIKey = true
			}
			if str(m.AuthorizationType) == "AWS_IAM" {
				usesIAM = true
			}
			key := strings.ToLower(verb)
			if verb == "ANY" {
				key = xAnyMethod
			}
			item.set(key, op)
		}
		paths.set(r.Path, item)
	}
	doc.set("paths", paths)

	// Security schemes: the authorizers, the API key and SigV4.
	schemes := newOAMap()
	if usesAPIKey {
		k := newOAMap()
		k.set("type", "apiKey")
		k.set("name", "x-api-key")
		k.set("in", "header")
		schemes.set("api_key", k)
	}
	if usesIAM {
		k := newOAMap()
		k.set("type", "apiKey")
		k.set("name", "Authorization")
		k.set("in", "header")
		k.set(xAuthType, "awsSigv4")
		schemes.set("sigv4", k)
	}
	authIDs := sortedKeys(authByID)
	sort.Slice(authIDs, func(i, j int) bool { return str(authByID[authIDs[i]].Name) < str(authByID[authIDs[j]].Name) })
	for _, id := range authIDs {
		a := authByID[id]
		schemes.set(str(a.Name), oaExportAuthorizer(a, o))
	}

	// Models.
	defs := newOAMap()
	for _, name := range sortedKeys(snap.Models) {
		m := snap.Models[name]
		v, err := oaDecode([]byte(str(m.Schema)))
		if err != nil {
			v = newOAMap()
		}
		defs.set(name, oaRewriteRefs(v, func(ref string) string {
			if i := strings.Index(ref, "/models/"); i >= 0 && strings.HasPrefix(ref, oaModelBase) {
				return schemaPrefix + ref[i+len("/models/"):]
			}
			return ref
		}, 0))
	}
	if o.swagger {
		if schemes.len() > 0 {
			doc.set("securityDefinitions", schemes)
		}
		if defs.len() > 0 {
			doc.set("definitions", defs)
		}
	} else {
		comps := newOAMap()
		if defs.len() > 0 {
			comps.set("schemas", defs)
		}
		if schemes.len() > 0 {
			comps.set("securitySchemes", schemes)
		}
		if comps.len() > 0 {
			doc.set("components", comps)
		}
	}
	if o.apigateway {
		oaExportAPIExtensions(doc, snap, valByID)
	}
	return doc, version
}

// oaExportParams lists a method's request parameters: path, then query,
// then header, each alphabetical.
func oaExportParams(m api.Method, swagger bool) []any {
	var out []any
	for _, loc := range []struct{ prefix, in string }{
		{"method.request.path.", "path"}, {"method.request.querystring.", "query"}, {"method.request.header.", "header"},
	} {
		var names []string
		for k := range m.RequestParameters {
			if strings.HasPrefix(k, loc.prefix) {
				names = append(names, k)
			}
		}
		sort.Strings(names)
		for _, k := range names {
			p := newOAMap()
			p.set("name", strings.TrimPrefix(k, loc.prefix))
			p.set("in", loc.in)
			required := m.RequestParameters[k]
			if swagger {
				p.set("required", required)
				p.set("type", "string")
			} else {
				if required {
					p.set("required", true)
				}
				sch := newOAMap()
				sch.set("type", "string")
				p.set("schema", sch)
			}
			out = append(out, p)
		}
	}
	return out
}

func oaRef(prefix, model string) *oaMap {
	r := newOAMap()
	r.set("$ref", prefix+model)
	return r
}

func oaExportOperation(m api.Method, schemaPrefix string, auths map[string]api.Authorizer,
	vals map[string]api.RequestValidator, o oaExportOptions) *oaMap {
	op := newOAMap()
	if m.OperationName != nil {
		op.set("operationId", *m.OperationName)
	}
	in := m.MethodIntegration
	if o.swagger {
		consumes := map[string]bool{}
		for ct := range m.RequestModels {
			consumes[ct] = true
		}
		produces := map[string]bool{}
		for _, mr := range m.MethodResponses {
			for ct := range mr.ResponseModels {
				produces[ct] = true
			}
		}
		if in != nil {
			for ct := range in.RequestTemplates {
				consumes[ct] = true
			}
			for _, ir := range in.IntegrationResponses {
				for ct := range ir.ResponseTemplates {
					produces[ct] = true
				}
			}
		}
		if len(consumes) > 0 {
			op.set("consumes", oaAnyList(sortedKeys(consumes)))
		}
		if len(produces) > 0 {
			op.set("produces", oaAnyList(sortedKeys(produces)))
		}
	}
	params := oaExportParams(m, o.swagger)
	if o.swagger && len(m.RequestModels) > 0 {
		model := m.RequestModels[sortedKeys(m.RequestModels)[0]]
		p := newOAMap()
		p.set("in", "body")
		p.set("name", model)
		p.set("required", true)
		p.set("schema", oaRef(schemaPrefix, model))
		params = append(params, p)
	}
	if len(params) > 0 {
		op.set("parameters", params)
	}
	if !o.swagger && len(m.RequestModels) > 0 {
		content := newOAMap()
		for _, ct := range sortedKeys(m.RequestModels) {
			mt := newOAMap()
			mt.set("schema", oaRef(schemaPrefix, m.RequestModels[ct]))
			content.set(ct, mt)
		}
		rb := newOAMap()
		rb.set("content", content)
		rb.set("required", true)
		op.set("requestBody", rb)
	}

	responses := newOAMap()
	codes := sortedKeys(m.MethodResponses)
	for _, code := range codes {
		mr := m.MethodResponses[code]
		r := newOAMap()
		r.set("description", code+" response")
		if o.swagger && len(mr.ResponseModels) > 0 {
			r.set("schema", oaRef(schemaPrefix, mr.ResponseModels[sortedKeys(mr.ResponseModels)[0]]))
		}
		hdrs := newOAMap()
		for _, k := range sortedKeys(mr.ResponseParameters) {
			if name, ok := strings.CutPrefix(k, "method.response.header."); ok {
				h := newOAMap()
				if o.swagger {
					h.set("type", "string")
				} else {
					sch := newOAMap()
					sch.set("type", "string")
					h.set("schema", sch)
				}
				hdrs.set(name, h)
			}
		}
		if hdrs.len() > 0 {
			r.set("headers", hdrs)
		}
		if !o.swagger {
			content := newOAMap()
			for _, ct := range sortedKeys(mr.ResponseModels) {
				mt := newOAMap()
				mt.set("schema", oaRef(schemaPrefix, mr.ResponseModels[ct]))
				content.set(ct, mt)
			}
			r.set("content", content)
		}
		responses.set(code, r)
	}
	op.set("responses", responses)

	var security []any
	switch str(m.AuthorizationType) {
	case "CUSTOM", "COGNITO_USER_POOLS":
		if a, ok := auths[str(m.AuthorizerId)]; ok {
			req := newOAMap()
			req.set(str(a.Name), oaAnyList(m.AuthorizationScopes))
			security = append(security, req)
		}
	case "AWS_IAM":
		req := newOAMap()
		req.set("sigv4", []any{})
		security = append(security, req)
	}
	if boolv(m.ApiKeyRequired) {
		req := newOAMap()
		req.set("api_key", []any{})
		security = append(security, req)
	}
	if len(security) > 0 {
		op.set("security", security)
	}
	if o.apigateway && m.RequestValidatorId != nil {
		if v, ok := vals[*m.RequestValidatorId]; ok {
			op.set(xRequestValidator, str(v.Name))
		}
	}
	if o.integrations && in != nil {
		op.set(xIntegration, oaExportIntegration(in))
	}
	return op
}

func oaAnyList(l []string) []any {
	out := make([]any, len(l))
	for i, s := range l {
		out[i] = s
	}
	return out
}

// oaExportIntegration writes x-amazon-apigateway-integration, leaving out
// values that are API Gateway's defaults.
func oaExportIntegration(in *api.Integration) *oaMap {
	x := newOAMap()
	x.set("type", strings.ToLower(str(in.Type)))
	if in.HttpMethod != nil {
		x.set("httpMethod", *in.HttpMethod)
	}
	if in.Uri != nil {
		x.set("uri", *in.Uri)
	}
	if in.ConnectionType != nil && *in.ConnectionType != "INTERNET" {
		x.set("connectionType", *in.ConnectionType)
	}
	if in.ConnectionId != nil {
		x.set("connectionId", *in.ConnectionId)
	}
	if in.Credentials != nil {
		x.set("credentials", *in.Credentials)
	}
	if len(in.IntegrationResponses) > 0 {
		rs := newOAMap()
		codes := sortedKeys(in.IntegrationResponses)
		sort.SliceStable(codes, func(i, j int) bool { // the default response last
			return in.IntegrationResponses[codes[i]].SelectionPattern != nil && in.IntegrationResponses[codes[j]].SelectionPattern == nil
		})
		for _, code := range codes {
			ir := in.IntegrationResponses[code]
			r := newOAMap()
			r.set("statusCode", code)
			if len(ir.ResponseParameters) > 0 {
				r.set("responseParameters", ir.ResponseParameters)
			}
			if len(ir.ResponseTemplates) > 0 {
				r.set("responseTemplates", ir.ResponseTemplates)
			}
			if ir.ContentHandling != nil {
				r.set("contentHandling", *ir.ContentHandling)
			}
			pattern := "default"
			if ir.SelectionPattern != nil && *ir.SelectionPattern != "" {
				pattern = *ir.SelectionPattern
			}
			rs.set(pattern, r)
		}
		x.set("responses", rs)
	}
	if len(in.RequestParameters) > 0 {
		x.set("requestParameters", in.RequestParameters)
	}
	if len(in.RequestTemplates) > 0 {
		x.set("requestTemplates", in.RequestTemplates)
	}
	if in.PassthroughBehavior != nil {
		x.set("passthroughBehavior", strings.ToLower(*in.PassthroughBehavior))
	}
	if in.ContentHandling != nil {
		x.set("contentHandling", *in.ContentHandling)
	}
	if in.TimeoutInMillis != nil && *in.TimeoutInMillis != 29000 {
		x.set("timeoutInMillis", int64(*in.TimeoutInMillis))
	}
	if len(in.CacheKeyParameters) > 0 {
		x.set("cacheNamespace", str(in.CacheNamespace))
		x.set("cacheKeyParameters", oaAnyList(in.CacheKeyParameters))
	}
	if in.TlsConfig != nil && in.TlsConfig.InsecureSkipVerification != nil {
		t := newOAMap()
		t.set("insecureSkipVerification", *in.TlsConfig.InsecureSkipVerification)
		x.set("tlsConfig", t)
	}
	return x
}

// oaExportAuthorizer writes an authorizer as an apiKey security scheme.
func oaExportAuthorizer(a api.Authorizer, o oaExportOptions) *oaMap {
	s := newOAMap()
	s.set("type", "apiKey")
	hdr := "Unused"
	if h, ok := strings.CutPrefix(str(a.IdentitySource), "method.request.header."); ok && !strings.Contains(h, ",") {
		hdr = h
	}
	s.set("name", hdr)
	s.set("in", "header")
	authType := str(a.AuthType)
	if authType == "" {
		authType = "custom"
		if str(a.Type) == "COGNITO_USER_POOLS" {
			authType = "cognito_user_pools"
		}
	}
	s.set(xAuthType, authType)
	if !o.authorizers {
		return s
	}
	x := newOAMap()
	x.set("type", strings.ToLower(str(a.Type)))
	if a.AuthorizerUri != nil {
		x.set("authorizerUri", *a.AuthorizerUri)
	}
	if a.AuthorizerCredentials != nil {
		x.set("authorizerCredentials", *a.AuthorizerCredentials)
	}
	if len(a.ProviderARNs) > 0 {
		x.set("providerARNs", oaAnyList(a.ProviderARNs))
	}
	if a.AuthorizerResultTtlInSeconds != nil {
		x.set("authorizerResultTtlInSeconds", int64(*a.AuthorizerResultTtlInSeconds))
	}
	if a.IdentitySource != nil && str(a.Type) != "TOKEN" {
		x.set("identitySource", *a.IdentitySource)
	}
	if a.IdentityValidationExpression != nil {
		x.set("identityValidationExpression", *a.IdentityValidationExpression)
	}
	s.set(xAuthorizer, x)
	return s
}

// oaExportAPIExtensions adds the API-level extensions of extensions=apigateway.
func oaExportAPIExtensions(doc *oaMap, snap *Snapshot, vals map[string]api.RequestValidator) {
	ra := snap.RestApi
	if len(snap.GatewayResponses) > 0 {
		grs := newOAMap()
		for _, typ := range sortedKeys(snap.GatewayResponses) {
			g := snap.GatewayResponses[typ]
			if boolv(g.DefaultResponse) {
				continue
			}
			r := newOAMap()
			if g.StatusCode != nil {
				r.set("statusCode", *g.StatusCode)
			}
			if len(g.ResponseParameters) > 0 {
				r.set("responseParameters", g.ResponseParameters)
			}
			if len(g.ResponseTemplates) > 0 {
				r.set("responseTemplates", g.ResponseTemplates)
			}
			grs.set(typ, r)
		}
		if grs.len() > 0 {
			doc.set(xGatewayResponses, grs)
		}
	}
	if len(vals) > 0 {
		vs := newOAMap()
		ids := sortedKeys(vals)
		sort.Slice(ids, func(i, j int) bool { return str(vals[ids[i]].Name) < str(vals[ids[j]].Name) })
		for _, id := range ids {
			v := vals[id]
			r := newOAMap()
			r.set("validateRequestBody", boolv(v.ValidateRequestBody))
			r.set("validateRequestParameters", boolv(v.ValidateRequestParameters))
			vs.set(str(v.Name), r)
		}
		doc.set(xRequestValidators, vs)
	}
	if len(ra.BinaryMediaTypes) > 0 {
		doc.set(xBinaryMediaTypes, oaAnyList(ra.BinaryMediaTypes))
	}
	if ra.MinimumCompressionSize != nil {
		doc.set(xMinCompressionSize, int64(*ra.MinimumCompressionSize))
	}
	if str(ra.ApiKeySource) == "AUTHORIZER" {
		doc.set(xAPIKeySource, "AUTHORIZER")
	}
	if ra.Policy != nil && *ra.Policy != "" {
		if v, err := oaDecodeJSON([]byte(*ra.Policy)); err == nil {
			doc.set(xPolicy, v)
		} else {
			doc.set(xPolicy, *ra.Policy)
		}
	}
	if ec := ra.EndpointConfiguration; ec != nil && (len(ec.VpcEndpointIds) > 0 || boolv(ra.DisableExecuteApiEndpoint)) {
		e := newOAMap()
		if len(ec.VpcEndpointIds) > 0 {
			e.set("vpcEndpointIds", oaAnyList(ec.VpcEndpointIds))
		}
		if boolv(ra.DisableExecuteApiEndpoint) {
			e.set("disableExecuteApiEndpoint", true)
		}
		doc.set(xEndpointConfig, e)
	}
}

// ---------------------------------------------------------------------------
// YAML writer: block style, strings double-quoted (as AWS's exports are),
// keys plain when they cannot be misread.

var oaPlainKeyRE = regexp.MustCompile(`^[A-Za-z_/$][A-Za-z0-9_./{}+$-]*$`)

func oaYAMLBytes(v any) []byte {
	var b bytes.Buffer
	oaWriteYAML(&b, v, 0, false)
	if b.Len() == 0 || b.Bytes()[b.Len()-1] != '\n' {
		b.WriteByte('\n')
	}
	return b.Bytes()
}

func oaYAMLKey(k string) string {
	if oaPlainKeyRE.MatchString(k) {
		if _, isScalar := oaResolvePlain(k).(string); isScalar {
			return k
		}
	}
	var b bytes.Buffer
	oaWriteJSONString(&b, k)
	return b.String()
}

// oaWriteYAML writes v at indentation ind. inline means the value follows
// "key: " or "- " on the current line.
func oaWriteYAML(b *bytes.Buffer, v any, ind int, inline bool) {
	pad := strings.Repeat("  ", ind)
	switch t := v.(type) {
	case *oaMap:
		if t.len() == 0 {
			b.WriteString("{}\n")
			return
		}
		for i, k := range t.keys {
			if !(inline && i == 0) {
				b.WriteString(pad)
			}
			b.WriteString(oaYAMLKey(k))
			b.WriteByte(':')
			oaWriteYAMLValue(b, t.vals[k], ind)
		}
	case []any:
		if len(t) == 0 {
			b.WriteString("[]\n")
			return
		}
		for i, e := range t {
			if !(inline && i == 0) {
				b.WriteString(pad)
			}
			b.WriteString("- ")
			switch e.(type) {
			case *oaMap, []any:
				if oaEmpty(e) {
					oaWriteYAMLScalar(b, e)
				} else {
					oaWriteYAML(b, e, ind+1, true)
				}
			default:
				oaWriteYAMLScalar(b, e)
			}
		}
	case map[string]string:
		m := newOAMap()
		for _, k := range sortedKeys(t) {
			m.set(k, t[k])
		}
		oaWriteYAML(b, m, ind, inline)
	default:
		oaWriteYAMLScalar(b, v)
	}
}

func oaEmpty(v any) bool {
	switch t := v.(type) {
	case *oaMap:
		return t.len() == 0
	case []any:
		return len(t) == 0
	case map[string]string:
		return len(t) == 0
	}
	return false
}

// oaWriteYAMLValue writes the value after "key:".
func oaWriteYAMLValue(b *bytes.Buffer, v any, ind int) {
	switch v.(type) {
	case *oaMap, map[string]string:
		if oaEmpty(v) {
			b.WriteString(" {}\n")
			return
		}
		b.WriteByte('\n')
		oaWriteYAML(b, v, ind+1, false)
	case []any:
		if oaEmpty(v) {
			b.WriteString(" []\n")
			return
		}
		b.WriteByte('\n')
		oaWriteYAML(b, v, ind, false) // "- " at the key's indentation
	default:
		b.WriteByte(' ')
		oaWriteYAMLScalar(b, v)
	}
}

func oaWriteYAMLScalar(b *bytes.Buffer, v any) {
	switch t := v.(type) {
	case nil:
		b.WriteString("null")
	case string:
		oaWriteJSONString(b, t)
	case bool:
		b.WriteString(strconv.FormatBool(t))
	case json.Number:
		b.WriteString(string(t))
	case int64:
		b.WriteString(strconv.FormatInt(t, 10))
	case *oaMap:
		b.WriteString("{}")
	case []any:
		b.WriteString("[]")
	default:
		b.Write(oaJSON(t, false))
	}
	b.WriteByte('\n')
}
