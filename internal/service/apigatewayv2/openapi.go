package apigatewayv2

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	api "github.com/stagecraft/stagecraft/internal/api/apigatewayv2"
	"github.com/stagecraft/stagecraft/internal/ids"
	"github.com/stagecraft/stagecraft/internal/store"
)

// OpenAPI import (ImportApi, ReimportApi) and export (ExportApi) of HTTP
// APIs [D: "Working with OpenAPI definitions for HTTP APIs"]:
//
//   - paths and methods become routes ("GET /pets"); the
//     x-amazon-apigateway-any-method key is ANY, and /$default with it is
//     the $default route;
//   - x-amazon-apigateway-integration (type aws_proxy or http_proxy, uri,
//     httpMethod, payloadFormatVersion, connectionType, connectionId,
//     credentials, timeoutInMillis, requestParameters, responseParameters,
//     tlsConfig, integrationSubtype) becomes the route's integration;
//   - security schemes with x-amazon-apigateway-authorizer (type jwt or
//     request) become authorizers, and x-amazon-apigateway-authtype
//     awsSigv4 means AWS_IAM; an operation's security (or the document's)
//     picks the route's authorization and scopes;
//   - x-amazon-apigateway-cors is the CORS configuration;
//     x-amazon-apigateway-endpoint-configuration.disableExecuteApiEndpoint
//     the api's flag; info.title/description/version the api's fields.
//
// Documents are JSON or YAML (yaml.go), OpenAPI 3.x or Swagger 2.0.
// Errors and warnings are worded in the style of REST API imports
// ("Errors found during import:") [?: HTTP API wording unrecorded].

const importExportVersion = "1.0"

// importPlan is what a definition asks for.
type importPlan struct {
	title, description, version *string
	cors                        *api.Cors
	disableExecuteAPI           *bool
	authorizers                 []*api.Authorizer // named after their security scheme
	iamSchemes                  map[string]bool
	routes                      []plannedRoute
	warnings                    []string
}

type plannedRoute struct {
	route  api.Route
	integ  *api.Integration
	scheme string // security scheme of a JWT or CUSTOM route
}

func importErrors(errs []string) error {
	return badRequest("Errors found during import:\n\t%s", strings.Join(errs, "\n\t"))
}

// decodeDefinition reads a JSON or YAML OpenAPI document.
func decodeDefinition(body string) (map[string]any, error) {
	trim := strings.TrimSpace(body)
	var v any
	var err error
	if strings.HasPrefix(trim, "{") {
		err = json.Unmarshal([]byte(trim), &v)
	} else {
		v, err = parseYAML(body)
	}
	if err != nil {
		return nil, badRequest("Invalid OpenAPI input. The body must be an OpenAPI 3.0 or Swagger 2.0 definition in JSON or YAML: %s", err.Error())
	}
	doc, ok := v.(map[string]any)
	if !ok {
		return nil, badRequest("Invalid OpenAPI input. The body must be an OpenAPI 3.0 or Swagger 2.0 definition in JSON or YAML")
	}
	oas, swagger := text(doc["openapi"]), text(doc["swagger"])
	if !strings.HasPrefix(oas, "3.") && swagger != "2.0" {
		return nil, badRequest("Invalid OpenAPI input. Only OpenAPI 3.x and Swagger 2.0 definitions can be imported")
	}
	return doc, nil
}

// Generic tree helpers.

func obj(v any) map[string]any { m, _ := v.(map[string]any); return m }
func list(v any) []any         { l, _ := v.([]any); return l }

// text renders a scalar as a string: numbers such as YAML's 1.0 keep their
// decimal point when they had one.
func text(v any) string {
	switch t := v.(type) {
	case string:
		return t
	case float64:
		if t == float64(int64(t)) && t < 10 {
			return strconv.FormatFloat(t, 'f', 1, 64) // 1 → "1.0", 2 → "2.0"
		}
		return strconv.FormatFloat(t, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(t)
	}
	return ""
}

func strPtr(v any) *string {
	if s := text(v); s != "" {
		return &s
	}
	return nil
}

func strList(v any) []string {
	var out []string
	for _, e := range list(v) {
		if s := text(e); s != "" {
			out = append(out, s)
		}
	}
	return out
}

func strMap(v any) map[string]string {
	m := obj(v)
	if len(m) == 0 {
		return nil
	}
	out := map[string]string{}
	for k, e := range m {
		out[k] = text(e)
	}
	return out
}

func intPtr(v any) *int32 {
	switch t := v.(type) {
	case float64:
		n := int32(t)
		return &n
	case string:
		if n, err := strconv.Atoi(t); err == nil {
			n32 := int32(n)
			return &n32
		}
	}
	return nil
}

func boolPtr(v any) *bool {
	if b, ok := v.(bool); ok {
		return &b
	}
	return nil
}

var oaMethods = map[string]string{
	"get": "GET", "put": "PUT", "post": "POST", "delete": "DELETE", "options": "OPTIONS",
	"head": "HEAD", "patch": "PATCH", "x-amazon-apigateway-any-method": "ANY",
}

// supportedRootExtensions are the x-amazon-apigateway-* keys HTTP APIs
// read at the document root; others are reported as warnings.
var supportedRootExtensions = map[string]bool{
	"x-amazon-apigateway-cors":                   true,
	"x-amazon-apigateway-importexport-version":   true,
	"x-amazon-apigateway-endpoint-configuration": true,
	"x-amazon-apigateway-tag-value":              true,
}

// basePathOf is the base path a definition declares: Swagger's basePath
// or the path of OpenAPI's first server URL (with its basePath variable's
// default substituted).
func basePathOf(doc map[string]any) string {
	if bp := text(doc["basePath"]); bp != "" {
		return bp
	}
	servers := list(doc["servers"])
	if len(servers) == 0 {
		return ""
	}
	srv := obj(servers[0])
	raw := text(srv["url"])
	for name, v := range obj(srv["variables"]) {
		raw = strings.ReplaceAll(raw, "{"+name+"}", text(obj(v)["default"]))
	}
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	return u.Path
}

// buildPlan reads a definition into an importPlan. basepath is the
// ImportApi/ReimportApi query parameter: ignore (default), prepend or
// split [D].
func buildPlan(doc map[string]any, basepath string) (*importPlan, error) {
	p := &importPlan{iamSchemes: map[string]bool{}}
	var errs []string
	info := obj(doc["info"])
	p.title, p.description, p.version = strPtr(info["title"]), strPtr(info["description"]), strPtr(info["version"])

	prefix := ""
	switch bp := strings.Trim(basePathOf(doc), "/"); basepath {
	case "", "ignore":
	case "prepend":
		if bp != "" {
			prefix = "/" + bp
		}
	case "split":
		if _, rest, ok := strings.Cut(bp, "/"); ok && rest != "" {
			prefix = "/" + rest
		}
	default:
		return nil, badRequest("Invalid basepath specified: %s. Must be one of ignore, prepend or split", basepath)
	}

	for k := range doc {
		if strings.HasPrefix(k, "x-amazon-apigateway-") && !supportedRootExtensions[k] {
			p.warnings = append(p.warnings, "Unsupported extension for HTTP APIs ignored: "+k)
		}
	}
	if c := obj(doc["x-amazon-apigateway-cors"]); c != nil {
		p.cors = &api.Cors{
			AllowOrigins: strList(c["allowOrigins"]), AllowMethods: strList(c["allowMethods"]),
			AllowHeaders: strList(c["allowHeaders"]), ExposeHeaders: strList(c["exposeHeaders"]),
			AllowCredentials: boolPtr(c["allowCredentials"]), MaxAge: intPtr(c["maxAge"]),
		}
	}
	if ec := obj(doc["x-amazon-apigateway-endpoint-configuration"]); ec != nil {
		p.disableExecuteAPI = boolPtr(ec["disableExecuteApiEndpoint"])
	}

	schemes := obj(obj(doc["components"])["securitySchemes"])
	if schemes == nil {
		schemes = obj(doc["securityDefinitions"])
	}
	authByName := map[string]*api.Authorizer{}
	for _, name := range sortedKeys(schemes) {
		sc := obj(schemes[name])
		if ext := obj(sc["x-amazon-apigateway-authorizer"]); ext != nil {
			au := &api.Authorizer{Name: ptr(name)}
			switch strings.ToLower(text(ext["type"])) {
			case "jwt":
				au.AuthorizerType = ptr("JWT")
				jc := obj(ext["jwtConfiguration"])
				au.JwtConfiguration = &api.JWTConfiguration{Issuer: strPtr(jc["issuer"]), Audience: strList(jc["audience"])}
			case "request":
				au.AuthorizerType = ptr("REQUEST")
				au.AuthorizerUri = strPtr(ext["authorizerUri"])
				au.AuthorizerPayloadFormatVersion = strPtr(ext["authorizerPayloadFormatVersion"])
				au.AuthorizerResultTtlInSeconds = intPtr(ext["authorizerResultTtlInSeconds"])
				au.EnableSimpleResponses = boolPtr(ext["enableSimpleResponses"])
				au.AuthorizerCredentialsArn = strPtr(ext["authorizerCredentials"])
			default:
				errs = append(errs, fmt.Sprintf("Unsupported authorizer type %q in security scheme %s", text(ext["type"]), name))
				continue
			}
			switch src := ext["identitySource"].(type) {
			case string:
				for _, s := range strings.Split(src, ",") {
					if s = strings.TrimSpace(s); s != "" {
						au.IdentitySource = append(au.IdentitySource, s)
					}
				}
			case []any:
				au.IdentitySource = strList(src)
			}
			p.authorizers = append(p.authorizers, au)
			authByName[name] = au
			continue
		}
		if text(sc["x-amazon-apigateway-authtype"]) == "awsSigv4" {
			p.iamSchemes[name] = true
			continue
		}
		p.warnings = append(p.warnings, "Security scheme "+name+" has no x-amazon-apigateway-authorizer and is ignored")
	}

	global, hasGlobal := doc["security"]
	paths := obj(doc["paths"])
	for _, path := range sortedKeys(paths) {
		item := obj(paths[path])
		for _, method := range sortedKeys(item) {
			verb, ok := oaMethods[method]
			if !ok {
				switch method {
				case "parameters", "summary", "description", "servers", "$ref":
				default:
					p.warnings = append(p.warnings, fmt.Sprintf("Unsupported method %s on path %s ignored", strings.ToUpper(method), path))
				}
				continue
			}
			op := obj(item[method])
			key := verb + " " + prefix + path
			if path == "/$default" && verb == "ANY" {
				key = "$default"
			}
			pr := plannedRoute{route: api.Route{RouteKey: ptr(key), ApiKeyRequired: ptr(false), AuthorizationType: ptr("NONE"),
				OperationName: strPtr(op["operationId"])}}
			if ix := obj(op["x-amazon-apigateway-integration"]); ix != nil {
				in, err := planIntegration(ix)
				if err != "" {
					errs = append(errs, fmt.Sprintf("Unable to create integration for route %s: %s", key, err))
					continue
				}
				pr.integ = in
			}
			sec, has := op["security"]
			if !has && hasGlobal {
				sec = global
			}
			for _, req := range list(sec) {
				r := obj(req)
				if len(r) == 0 {
					continue // {} makes security optional: no authorization
				}
				name := sortedKeys(r)[0]
				switch {
				case authByName[name] != nil:
					au := authByName[name]
					if *au.AuthorizerType == "JWT" {
						pr.route.AuthorizationType = ptr("JWT")
						pr.route.AuthorizationScopes = strList(r[name])
					} else {
						pr.route.AuthorizationType = ptr("CUSTOM")
					}
					pr.scheme = name
				case p.iamSchemes[name]:
					pr.route.AuthorizationType = ptr("AWS_IAM")
				default:
					errs = append(errs, fmt.Sprintf("Unable to create route %s: security scheme %s is not defined or not supported", key, name))
				}
				break
			}
			p.routes = append(p.routes, pr)
		}
	}
	if len(errs) > 0 {
		return nil, importErrors(errs)
	}
	return p, nil
}

// planIntegration reads one x-amazon-apigateway-integration object.
func planIntegration(ix map[string]any) (*api.Integration, string) {
	typ := strings.ToUpper(text(ix["type"]))
	if typ != "AWS_PROXY" && typ != "HTTP_PROXY" {
		return nil, fmt.Sprintf("integration type %q is not supported for HTTP APIs", text(ix["type"]))
	}
	in := &api.Integration{
		IntegrationType:      ptr(typ),
		IntegrationUri:       strPtr(ix["uri"]),
		IntegrationMethod:    strPtr(ix["httpMethod"]),
		PayloadFormatVersion: strPtr(ix["payloadFormatVersion"]),
		ConnectionId:         strPtr(ix["connectionId"]),
		CredentialsArn:       strPtr(ix["credentials"]),
		TimeoutInMillis:      intPtr(ix["timeoutInMillis"]),
		RequestParameters:    strMap(ix["requestParameters"]),
		IntegrationSubtype:   strPtr(ix["integrationSubtype"]),
		Description:          strPtr(ix["description"]),
	}
	if ct := text(ix["connectionType"]); ct != "" {
		in.ConnectionType = ptr(strings.ToUpper(ct))
	}
	if in.IntegrationMethod != nil {
		in.IntegrationMethod = ptr(strings.ToUpper(*in.IntegrationMethod))
	}
	if in.PayloadFormatVersion == nil {
		// Missing in the document: 1.0, the version every integration
		// type takes [?].
		in.PayloadFormatVersion = ptr("1.0")
	}
	if rp := obj(ix["responseParameters"]); len(rp) > 0 {
		in.ResponseParameters = map[string]map[string]string{}
		for code, m := range rp {
			in.ResponseParameters[code] = strMap(m)
		}
	}
	if tc := obj(ix["tlsConfig"]); tc != nil {
		in.TlsConfig = &api.TlsConfig{ServerNameToVerify: strPtr(tc["serverNameToVerify"])}
	}
	return in, ""
}

// applyPlan writes a plan's authorizers, integrations and routes into an
// api inside tx, validating each as the single-resource operations do.
func applyPlan(ctx context.Context, tx store.Tx, a *api.Api, p *importPlan) error {
	var errs []string
	authIDs := map[string]string{}
	for _, au := range p.authorizers {
		au.AuthorizerId = ptr(ids.Lower(6))
		authorizerDefaults(a, au)
		if err := checkAuthorizer(a, au); err != nil {
			errs = append(errs, fmt.Sprintf("Unable to create authorizer %s: %s", str(au.Name), message(err)))
			continue
		}
		if err := putAuthorizer(ctx, tx, *a.ApiId, au); err != nil {
			return err
		}
		authIDs[str(au.Name)] = *au.AuthorizerId
	}
	for i := range p.routes {
		pr := &p.routes[i]
		r := &pr.route
		key := str(r.RouteKey)
		if pr.integ != nil {
			pr.integ.IntegrationId = ptr(ids.Lower(7))
			integrationDefaults(a, pr.integ)
			if err := checkIntegration(ctx, tx, a, pr.integ); err != nil {
				errs = append(errs, fmt.Sprintf("Unable to create integration for route %s: %s", key, message(err)))
				continue
			}
			if err := putIntegration(ctx, tx, *a.ApiId, pr.integ); err != nil {
				return err
			}
			r.Target = ptr("integrations/" + *pr.integ.IntegrationId)
		}
		if pr.scheme != "" {
			id, ok := authIDs[pr.scheme]
			if !ok {
				continue // its authorizer failed; already reported
			}
			r.AuthorizerId = &id
		}
		r.RouteId = ptr(ids.Lower(7))
		if err := checkRoute(ctx, tx, a, r); err != nil {
			errs = append(errs, fmt.Sprintf("Unable to create route %s: %s", key, message(err)))
			continue
		}
		if err := ensureRouteKeyFree(ctx, tx, a, key, ""); err != nil {
			errs = append(errs, fmt.Sprintf("Unable to create route %s: %s", key, message(err)))
			continue
		}
		if err := putRoute(ctx, tx, *a.ApiId, r); err != nil {
			return err
		}
	}
	if len(errs) > 0 {
		return importErrors(errs)
	}
	return nil
}

// message is an API error's message.
func message(err error) string {
	switch e := err.(type) {
	case *api.BadRequestException:
		return str(e.Message)
	case *api.NotFoundException:
		return str(e.Message)
	case *api.ConflictException:
		return str(e.Message)
	}
	return err.Error()
}

func checkWarnings(p *importPlan, failOnWarnings *bool) error {
	if boolv(failOnWarnings) && len(p.warnings) > 0 {
		return badRequest("Warnings found during import:\n\t%s", strings.Join(p.warnings, "\n\t"))
	}
	return nil
}

func (s *Service) ImportApi(ctx context.Context, in *api.ImportApiRequest) (*api.ImportApiResponse, error) {
	doc, err := decodeDefinition(str(in.Body))
	if err != nil {
		return nil, err
	}
	p, err := buildPlan(doc, str(in.Basepath))
	if err != nil {
		return nil, err
	}
	if err := checkWarnings(p, in.FailOnWarnings); err != nil {
		return nil, err
	}
	if p.title == nil {
		return nil, importErrors([]string{"The API title (info.title) is required"})
	}
	a := &api.Api{
		ApiId:                     ptr(ids.Lower(10)),
		Name:                      p.title,
		Description:               p.description,
		Version:                   p.version,
		ProtocolType:              ptr("HTTP"),
		CreatedDate:               s.now(),
		ApiKeySelectionExpression: ptr(defaultAPIKeySelection),
		RouteSelectionExpression:  ptr(httpRouteSelection),
		DisableExecuteApiEndpoint: ptr(boolv(p.disableExecuteAPI)),
		IpAddressType:             ptr("ipv4"),
		CorsConfiguration:         p.cors,
		Warnings:                  p.warnings,
		Tags:                      map[string]string{},
	}
	if err := validateCORS(a.CorsConfiguration); err != nil {
		return nil, importErrors([]string{message(err)})
	}
	err = s.st.Update(ctx, func(tx store.Tx) error {
		if err := store.PutJSON(tx, tAPIs, key(ctx, *a.ApiId), a); err != nil {
			return err
		}
		if err := store.PutJSON(tx, tAPIIndex, *a.ApiId, APILocation{Account: account(ctx), Region: region(ctx)}); err != nil {
			return err
		}
		return applyPlan(ctx, tx, a, p)
	})
	if err != nil {
		return nil, err
	}
	out := apiOut(ctx, a)
	return (*api.ImportApiResponse)(&out), nil
}

// ReimportApi replaces an HTTP API's routes, integrations, authorizers
// and models with a definition's; stages and deployments stay, and
// autoDeploy stages get the new configuration [D]. The name, description
// and version change only when the definition has them; the CORS
// configuration becomes the definition's (none if it has none).
func (s *Service) ReimportApi(ctx context.Context, in *api.ReimportApiRequest) (*api.ReimportApiResponse, error) {
	doc, err := decodeDefinition(str(in.Body))
	if err != nil {
		return nil, err
	}
	p, err := buildPlan(doc, str(in.Basepath))
	if err != nil {
		return nil, err
	}
	if err := checkWarnings(p, in.FailOnWarnings); err != nil {
		return nil, err
	}
	if err := validateCORS(p.cors); err != nil {
		return nil, importErrors([]string{message(err)})
	}
	var a *api.Api
	err = s.st.Update(ctx, func(tx store.Tx) (err error) {
		a, err = loadAPI(ctx, tx, in.ApiId)
		if err != nil {
			return err
		}
		if isWebSocket(a) {
			return badRequest("Import is supported only for HTTP APIs")
		}
		for _, t := range []string{tRoutes, tRouteResponses, tIntegrations, tIntegrationResponses, tAuthorizers, tModels} {
			if _, err := tx.DeletePrefix(t, prefix(ctx, in.ApiId)); err != nil {
				return err
			}
		}
		if p.title != nil {
			a.Name = p.title
		}
		if p.description != nil {
			a.Description = p.description
		}
		if p.version != nil {
			a.Version = p.version
		}
		if p.disableExecuteAPI != nil {
			a.DisableExecuteApiEndpoint = p.disableExecuteAPI
		}
		a.CorsConfiguration = p.cors
		a.Warnings = p.warnings
		if err := applyPlan(ctx, tx, a, p); err != nil {
			return err
		}
		if err := store.PutJSON(tx, tAPIs, key(ctx, in.ApiId), a); err != nil {
			return err
		}
		return s.autoDeploy(ctx, tx, a)
	})
	if err != nil {
		return nil, err
	}
	out := apiOut(ctx, a)
	return (*api.ReimportApiResponse)(&out), nil
}

// ExportApi writes an HTTP API as an OpenAPI 3.0 document: the current
// configuration, or with stageName the deployment that stage serves [M
// doc]. Routes, integrations, authorizers and CORS are exported with AWS's
// extensions unless includeExtensions is false.
func (s *Service) ExportApi(ctx context.Context, in *api.ExportApiRequest) (*api.ExportApiResponse, error) {
	if v := str(in.ExportVersion); v != "" && v != importExportVersion {
		return nil, badRequest("Invalid export version specified: %s. Supported versions are [%s]", v, importExportVersion)
	}
	var snap *Snapshot
	err := s.st.View(ctx, func(tx store.Tx) error {
		a, err := loadAPI(ctx, tx, in.ApiId)
		if err != nil {
			return err
		}
		if isWebSocket(a) {
			return badRequest("Export is supported only for HTTP APIs")
		}
		if in.StageName == nil {
			snap, err = buildSnapshot(ctx, tx, a, "", s.now())
			return err
		}
		st, err := loadStage(ctx, tx, in.ApiId, *in.StageName)
		if err != nil {
			return err
		}
		if st.DeploymentId == nil {
			return badRequest("Unable to export stage %s because it has no deployment", *in.StageName)
		}
		snap, err = LoadSnapshot(ctx, tx, in.ApiId, *st.DeploymentId)
		return err
	})
	if err != nil {
		return nil, err
	}
	doc := exportDoc(ctx, snap, str(in.StageName))
	if in.IncludeExtensions != nil && !*in.IncludeExtensions {
		doc = stripExtensions(doc).(map[string]any)
	}
	if str(in.OutputType) == "YAML" {
		return &api.ExportApiResponse{Body: []byte(writeYAML(doc))}, nil
	}
	b, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return nil, err
	}
	return &api.ExportApiResponse{Body: b}, nil
}

// exportDoc builds the OpenAPI 3.0.1 document of a snapshot, in the shape
// AWS exports: a server with a basePath variable, one path item per route
// path with "Default response for {routeKey}", generated path parameters,
// the integration under x-amazon-apigateway-integration, security schemes
// for authorizers, and x-amazon-apigateway-importexport-version.
func exportDoc(ctx context.Context, snap *Snapshot, stage string) map[string]any {
	a := snap.Api
	version := str(a.Version)
	if version == "" {
		// AWS exports the creation time when the api has no version [C].
		version = a.CreatedDate.UTC().Format("2006-01-02 15:04:05") + "UTC"
	}
	info := map[string]any{"title": str(a.Name), "version": version}
	if a.Description != nil {
		info["description"] = *a.Description
	}
	base := ""
	if stage != "" && stage != "$default" {
		base = stage
	}
	doc := map[string]any{
		"openapi": "3.0.1",
		"info":    info,
		"servers": []any{map[string]any{
			"url":       "https://" + str(a.ApiId) + ".execute-api." + region(ctx) + ".amazonaws.com/{basePath}",
			"variables": map[string]any{"basePath": map[string]any{"default": base}},
		}},
		"x-amazon-apigateway-importexport-version": importExportVersion,
	}
	if boolv(a.DisableExecuteApiEndpoint) {
		doc["x-amazon-apigateway-endpoint-configuration"] = map[string]any{"disableExecuteApiEndpoint": true}
	}
	if c := a.CorsConfiguration; c != nil {
		cors := map[string]any{}
		for k, v := range map[string][]string{"allowOrigins": c.AllowOrigins, "allowMethods": c.AllowMethods,
			"allowHeaders": c.AllowHeaders, "exposeHeaders": c.ExposeHeaders} {
			if len(v) > 0 {
				cors[k] = toAny(v)
			}
		}
		if c.AllowCredentials != nil {
			cors["allowCredentials"] = *c.AllowCredentials
		}
		if c.MaxAge != nil {
			cors["maxAge"] = float64(*c.MaxAge)
		}
		doc["x-amazon-apigateway-cors"] = cors
	}

	schemes := map[string]any{}
	schemeName := map[string]string{} // authorizer id → scheme name
	for _, id := range sortedKeys(snap.Authorizers) {
		au := snap.Authorizers[id]
		name := str(au.Name)
		schemeName[id] = name
		ext := map[string]any{"identitySource": strings.Join(au.IdentitySource, ",")}
		if str(au.AuthorizerType) == "JWT" {
			ext["type"] = "jwt"
			if jc := au.JwtConfiguration; jc != nil {
				j := map[string]any{"issuer": str(jc.Issuer)}
				if len(jc.Audience) > 0 {
					j["audience"] = toAny(jc.Audience)
				}
				ext["jwtConfiguration"] = j
			}
			schemes[name] = map[string]any{"type": "oauth2", "flows": map[string]any{}, "x-amazon-apigateway-authorizer": ext}
			continue
		}
		ext["type"] = "request"
		ext["authorizerUri"] = str(au.AuthorizerUri)
		if au.AuthorizerPayloadFormatVersion != nil {
			ext["authorizerPayloadFormatVersion"] = *au.AuthorizerPayloadFormatVersion
		}
		if au.AuthorizerResultTtlInSeconds != nil {
			ext["authorizerResultTtlInSeconds"] = float64(*au.AuthorizerResultTtlInSeconds)
		}
		if au.EnableSimpleResponses != nil {
			ext["enableSimpleResponses"] = *au.EnableSimpleResponses
		}
		if au.AuthorizerCredentialsArn != nil {
			ext["authorizerCredentials"] = *au.AuthorizerCredentialsArn
		}
		schemes[name] = map[string]any{"type": "apiKey", "name": "Authorization", "in": "header", "x-amazon-apigateway-authorizer": ext}
	}

	paths := map[string]any{}
	for i := range snap.Routes {
		sr := &snap.Routes[i]
		r := sr.Route
		key := str(r.RouteKey)
		method, path := "ANY", "/$default"
		if key != "$default" {
			method, path, _ = strings.Cut(key, " ")
		}
		verb := strings.ToLower(method)
		if method == "ANY" {
			verb = "x-amazon-apigateway-any-method"
		}
		item, _ := paths[path].(map[string]any)
		if item == nil {
			item = map[string]any{}
			paths[path] = item
			if params := pathParams(path); len(params) > 0 {
				item["parameters"] = params
			}
		}
		op := map[string]any{"responses": map[string]any{"default": map[string]any{"description": "Default response for " + method + " " + path}}}
		if key == "$default" {
			op["isDefaultRoute"] = true
		}
		if r.OperationName != nil {
			op["operationId"] = *r.OperationName
		}
		switch str(r.AuthorizationType) {
		case "JWT", "CUSTOM":
			if name, ok := schemeName[str(r.AuthorizerId)]; ok {
				op["security"] = []any{map[string]any{name: toAny(r.AuthorizationScopes)}}
			}
		case "AWS_IAM":
			op["security"] = []any{map[string]any{"sigv4": []any{}}}
			schemes["sigv4"] = map[string]any{"type": "apiKey", "name": "Authorization", "in": "header", "x-amazon-apigateway-authtype": "awsSigv4"}
		}
		if si := snap.Target(sr); si != nil {
			op["x-amazon-apigateway-integration"] = exportIntegration(&si.Integration)
		}
		item[verb] = op
	}
	doc["paths"] = paths
	if len(schemes) > 0 {
		doc["components"] = map[string]any{"securitySchemes": schemes}
	}
	return doc
}

func exportIntegration(in *api.Integration) map[string]any {
	x := map[string]any{
		"type":                 strings.ToLower(str(in.IntegrationType)),
		"payloadFormatVersion": str(in.PayloadFormatVersion),
		"connectionType":       str(in.ConnectionType),
	}
	set := func(k string, v *string) {
		if v != nil {
			x[k] = *v
		}
	}
	set("uri", in.IntegrationUri)
	set("httpMethod", in.IntegrationMethod)
	set("connectionId", in.ConnectionId)
	set("credentials", in.CredentialsArn)
	set("integrationSubtype", in.IntegrationSubtype)
	set("description", in.Description)
	if in.TimeoutInMillis != nil {
		x["timeoutInMillis"] = float64(*in.TimeoutInMillis)
	}
	if len(in.RequestParameters) > 0 {
		x["requestParameters"] = toAnyMap(in.RequestParameters)
	}
	if len(in.ResponseParameters) > 0 {
		rp := map[string]any{}
		for code, m := range in.ResponseParameters {
			rp[code] = toAnyMap(m)
		}
		x["responseParameters"] = rp
	}
	if in.TlsConfig != nil && in.TlsConfig.ServerNameToVerify != nil {
		x["tlsConfig"] = map[string]any{"serverNameToVerify": *in.TlsConfig.ServerNameToVerify}
	}
	return x
}

// pathParams are the generated path parameters of a route path [C: AWS
// exports "Generated path parameter for {name}"].
func pathParams(path string) []any {
	var out []any
	for _, seg := range strings.Split(path, "/") {
		if m := pathVarRE.FindStringSubmatch(seg); m != nil {
			name := m[1] + m[2]
			out = append(out, map[string]any{"name": name, "in": "path", "description": "Generated path parameter for " + name,
				"required": true, "schema": map[string]any{"type": "string"}})
		}
	}
	return out
}

func toAny(v []string) []any {
	out := make([]any, 0, len(v))
	for _, s := range v {
		out = append(out, s)
	}
	return out
}

func toAnyMap(m map[string]string) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// stripExtensions removes every x-amazon-apigateway-* member.
func stripExtensions(v any) any {
	switch t := v.(type) {
	case map[string]any:
		out := map[string]any{}
		for k, e := range t {
			if !strings.HasPrefix(k, "x-amazon-apigateway-") && k != "isDefaultRoute" {
				out[k] = stripExtensions(e)
			}
		}
		return out
	case []any:
		out := make([]any, 0, len(t))
		for _, e := range t {
			out = append(out, stripExtensions(e))
		}
		return out
	}
	return v
}
