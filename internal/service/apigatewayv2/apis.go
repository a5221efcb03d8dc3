package apigatewayv2

import (
	"context"
	"net/url"
	"strings"

	api "github.com/stagecraft/stagecraft/internal/api/apigatewayv2"
	"github.com/stagecraft/stagecraft/internal/ids"
	"github.com/stagecraft/stagecraft/internal/store"
)

// Api: create (with quick create), get, list, update, delete, and the CORS
// configuration.

const (
	// httpRouteSelection is the only route selection expression HTTP APIs
	// take, and their default [M doc, C]. The documentation also spells it
	// with braces; both spellings are accepted and kept as given, since
	// Terraform sends the brace-less form and compares what it reads back.
	httpRouteSelection      = "$request.method $request.path"
	httpRouteSelectionBrace = "${request.method} ${request.path}"
	defaultAPIKeySelection  = "$request.header.x-api-key"
)

// apiOut is an api as clients see it: the endpoint derived for this
// request and tags always present [C].
func apiOut(ctx context.Context, a *api.Api) api.Api {
	out := *a
	out.ApiEndpoint = ptr(apiEndpoint(ctx, a))
	if out.Tags == nil {
		out.Tags = map[string]string{}
	}
	return out
}

// validateAPIKeySelection accepts the two expressions AWS knows [D].
func validateAPIKeySelection(v *string) error {
	if v == nil {
		return nil
	}
	switch *v {
	case "$request.header.x-api-key", "$context.authorizer.usageIdentifierKey":
		return nil
	}
	// Wording unverified [?].
	return badRequest("Invalid API Key Selection Expression specified: %s. Must be one of [$request.header.x-api-key, $context.authorizer.usageIdentifierKey]", *v)
}

// validateHTTPRouteSelection enforces the one expression HTTP APIs take.
func validateHTTPRouteSelection(v string) error {
	if v == httpRouteSelection || v == httpRouteSelectionBrace {
		return nil
	}
	// Wording unverified [?].
	return badRequest("Unsupported route selection expression for HTTP APIs: %s. Must be %s", v, httpRouteSelectionBrace)
}

// validateCORS checks a CORS configuration [D]: methods are HTTP methods
// or "*", and credentials cannot be allowed for any origin.
func validateCORS(c *api.Cors) error {
	if c == nil {
		return nil
	}
	for _, m := range c.AllowMethods {
		if m != "*" && !httpMethods[strings.ToUpper(m)] {
			return badRequest("Invalid HTTP method in CORS configuration: %s", m) // wording [?]
		}
	}
	if boolv(c.AllowCredentials) {
		for _, o := range c.AllowOrigins {
			if o == "*" {
				// AWS refuses this combination [D]; wording [?].
				return badRequest("CORS configuration is invalid: allowCredentials is not supported when allowOrigins contains '*'")
			}
		}
	}
	return nil
}

// validateTags checks tag keys and values against the documented limits
// for apigatewayv2 [M doc]: key 1..128 characters not starting with
// "aws:", value at most 1600 characters.
func validateTags(tags map[string]string) error {
	for k, v := range tags {
		if len(k) == 0 || len(k) > 128 {
			return badRequest("Tag key must be between 1 and 128 characters: %s", k)
		}
		if strings.HasPrefix(k, "aws:") {
			return badRequest("Tag keys cannot start with 'aws:': %s", k)
		}
		if len(v) > 1600 {
			return badRequest("Tag value must be at most 1600 characters: %s", v)
		}
	}
	return nil
}

// quickTarget classifies a quick-create target: a Lambda function ARN (or
// the apigateway lambda:path invocation URI) gives AWS_PROXY, a URL gives
// HTTP_PROXY [M doc].
func quickTarget(target string) (integrationType string, err error) {
	if strings.HasPrefix(target, "arn:") && strings.Contains(target, ":lambda:") {
		return "AWS_PROXY", nil
	}
	if u, perr := url.Parse(target); perr == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" {
		return "HTTP_PROXY", nil
	}
	// Wording unverified [?].
	return "", badRequest("Invalid target specified: %s. Target must be a fully qualified URL or a Lambda function ARN", target)
}

func (s *Service) CreateApi(ctx context.Context, in *api.CreateApiRequest) (*api.CreateApiResponse, error) {
	l := lengths{op: "createApiInput"}
	l.str("Name", in.Name, 1, 128)
	l.str("Description", in.Description, 0, 1024)
	l.str("Version", in.Version, 1, 64)
	l.str("Target", in.Target, 1, 2048)
	l.str("RouteKey", in.RouteKey, 1, 128)
	if err := l.err(); err != nil {
		return nil, err
	}
	if err := validateTags(in.Tags); err != nil {
		return nil, err
	}
	if err := validateAPIKeySelection(in.ApiKeySelectionExpression); err != nil {
		return nil, err
	}
	now := s.now()
	a := &api.Api{
		ApiId:                     ptr(ids.Lower(10)),
		Name:                      in.Name,
		ProtocolType:              in.ProtocolType,
		Description:               optional(in.Description),
		Version:                   in.Version,
		CreatedDate:               now,
		ApiKeySelectionExpression: in.ApiKeySelectionExpression,
		DisableExecuteApiEndpoint: ptr(boolv(in.DisableExecuteApiEndpoint)),
		IpAddressType:             in.IpAddressType,
		Tags:                      cloneMap(in.Tags),
	}
	if a.ApiKeySelectionExpression == nil {
		a.ApiKeySelectionExpression = ptr(defaultAPIKeySelection)
	}
	if a.IpAddressType == nil {
		a.IpAddressType = ptr("ipv4")
	}
	if a.Tags == nil {
		a.Tags = map[string]string{}
	}
	if isWebSocket(a) {
		// Quick create and CORS are HTTP-only [M doc]; wording [?].
		for name, set := range map[string]bool{
			"corsConfiguration": in.CorsConfiguration != nil,
			"target":            in.Target != nil,
			"routeKey":          in.RouteKey != nil,
			"credentialsArn":    in.CredentialsArn != nil,
		} {
			if set {
				return nil, badRequest("%s is not supported for WebSocket APIs", name)
			}
		}
		if str(in.RouteSelectionExpression) == "" {
			// Required for WebSocket APIs [M doc]; wording [?].
			return nil, badRequest("RouteSelectionExpression is required for WebSocket APIs")
		}
		a.RouteSelectionExpression = in.RouteSelectionExpression
		a.DisableSchemaValidation = in.DisableSchemaValidation
	} else {
		a.RouteSelectionExpression = ptr(httpRouteSelection)
		if in.RouteSelectionExpression != nil {
			if err := validateHTTPRouteSelection(*in.RouteSelectionExpression); err != nil {
				return nil, err
			}
			a.RouteSelectionExpression = in.RouteSelectionExpression
		}
		if boolv(in.DisableSchemaValidation) {
			return nil, badRequest("disableSchemaValidation is supported only for WebSocket APIs") // wording [?]
		}
		if err := validateCORS(in.CorsConfiguration); err != nil {
			return nil, err
		}
		a.CorsConfiguration = in.CorsConfiguration
		if in.Target == nil && (in.RouteKey != nil || in.CredentialsArn != nil) {
			// routeKey and credentialsArn only shape a quick create [M doc]; wording [?].
			return nil, badRequest("routeKey and credentialsArn can be specified only together with target (quick create)")
		}
	}
	err := s.st.Update(ctx, func(tx store.Tx) error {
		if err := store.PutJSON(tx, tAPIs, key(ctx, *a.ApiId), a); err != nil {
			return err
		}
		sc := APILocation{Account: account(ctx), Region: region(ctx)}
		if err := store.PutJSON(tx, tAPIIndex, *a.ApiId, sc); err != nil {
			return err
		}
		if in.Target != nil {
			return s.quickCreate(ctx, tx, a, *in.Target, in.RouteKey, in.CredentialsArn)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	out := apiOut(ctx, a)
	return (*api.CreateApiResponse)(&out), nil
}

// quickCreate makes what AWS's quick create makes [M doc, D]: an
// integration for the target, a route ($default unless routeKey is
// given) pointing at it, and a $default stage with autoDeploy that is
// deployed at once. All three are marked apiGatewayManaged [C for the
// stage; the terraform seed notes the route cannot be imported, which it
// refuses only for managed routes]. A Lambda target gets payload format
// 2.0 and method POST, a URL target 1.0 and method ANY [?].
func (s *Service) quickCreate(ctx context.Context, tx store.Tx, a *api.Api, target string, routeKey, credentialsArn *string) error {
	typ, err := quickTarget(target)
	if err != nil {
		return err
	}
	rk := "$default"
	if routeKey != nil {
		rk = *routeKey
		if err := validateRouteKey(a, rk); err != nil {
			return err
		}
	}
	integ := &api.Integration{
		IntegrationId:        ptr(ids.Lower(7)),
		ApiGatewayManaged:    ptr(true),
		ConnectionType:       ptr("INTERNET"),
		CredentialsArn:       optional(credentialsArn),
		IntegrationType:      ptr(typ),
		IntegrationUri:       ptr(target),
		PayloadFormatVersion: ptr("1.0"),
		IntegrationMethod:    ptr("ANY"),
		TimeoutInMillis:      ptr(int32(httpTimeoutMax)),
	}
	if typ == "AWS_PROXY" {
		integ.PayloadFormatVersion = ptr("2.0")
		integ.IntegrationMethod = ptr("POST")
	}
	if err := putIntegration(ctx, tx, *a.ApiId, integ); err != nil {
		return err
	}
	route := &api.Route{
		RouteId:           ptr(ids.Lower(7)),
		RouteKey:          ptr(rk),
		ApiGatewayManaged: ptr(true),
		ApiKeyRequired:    ptr(false),
		AuthorizationType: ptr("NONE"),
		Target:            ptr("integrations/" + *integ.IntegrationId),
	}
	if err := putRoute(ctx, tx, *a.ApiId, route); err != nil {
		return err
	}
	now := s.now()
	st := newStage("$default", now)
	st.AutoDeploy = ptr(true)
	st.ApiGatewayManaged = ptr(true)
	if err := putStage(ctx, tx, *a.ApiId, st); err != nil {
		return err
	}
	return s.autoDeployStage(ctx, tx, a, st)
}

// managed finds the quick-create integration and route of an api, if any.
func managed(ctx context.Context, tx store.Tx, apiID string) (*api.Integration, *api.Route, error) {
	var mi *api.Integration
	var mr *api.Route
	integs, err := store.ScanJSON[api.Integration](tx, tIntegrations, prefix(ctx, apiID))
	if err != nil {
		return nil, nil, err
	}
	for _, i := range integs {
		if boolv(i.ApiGatewayManaged) {
			mi = i
		}
	}
	routes, err := store.ScanJSON[api.Route](tx, tRoutes, prefix(ctx, apiID))
	if err != nil {
		return nil, nil, err
	}
	for _, r := range routes {
		if boolv(r.ApiGatewayManaged) {
			mr = r
		}
	}
	return mi, mr, nil
}

func (s *Service) GetApi(ctx context.Context, in *api.GetApiRequest) (*api.GetApiResponse, error) {
	var a *api.Api
	err := s.st.View(ctx, func(tx store.Tx) (err error) {
		a, err = loadAPI(ctx, tx, in.ApiId)
		return err
	})
	if err != nil {
		return nil, err
	}
	out := apiOut(ctx, a)
	return (*api.GetApiResponse)(&out), nil
}

func (s *Service) GetApis(ctx context.Context, in *api.GetApisRequest) (*api.GetApisResponse, error) {
	var all []*api.Api
	err := s.st.View(ctx, func(tx store.Tx) (err error) {
		all, err = store.ScanJSON[api.Api](tx, tAPIs, prefix(ctx))
		return err
	})
	if err != nil {
		return nil, err
	}
	items, next, err := page(all, func(a *api.Api) string { return *a.ApiId }, in.MaxResults, in.NextToken)
	if err != nil {
		return nil, err
	}
	out := &api.GetApisResponse{Items: []api.Api{}, NextToken: next}
	for _, a := range items {
		out.Items = append(out.Items, apiOut(ctx, a))
	}
	return out, nil
}

func (s *Service) UpdateApi(ctx context.Context, in *api.UpdateApiRequest) (*api.UpdateApiResponse, error) {
	l := lengths{op: "updateApiInput"}
	l.str("Name", in.Name, 1, 128)
	l.str("Description", in.Description, 0, 1024)
	l.str("Version", in.Version, 0, 64) // "" clears it
	l.str("Target", in.Target, 1, 2048)
	l.str("RouteKey", in.RouteKey, 1, 128)
	if err := l.err(); err != nil {
		return nil, err
	}
	if err := validateAPIKeySelection(in.ApiKeySelectionExpression); err != nil {
		return nil, err
	}
	var a *api.Api
	err := s.st.Update(ctx, func(tx store.Tx) (err error) {
		a, err = loadAPI(ctx, tx, in.ApiId)
		if err != nil {
			return err
		}
		ws := isWebSocket(a)
		if in.Name != nil {
			a.Name = in.Name
		}
		if in.Description != nil {
			a.Description = optional(in.Description)
		}
		if in.Version != nil {
			a.Version = optional(in.Version)
		}
		if in.ApiKeySelectionExpression != nil {
			a.ApiKeySelectionExpression = in.ApiKeySelectionExpression
		}
		if in.DisableExecuteApiEndpoint != nil {
			a.DisableExecuteApiEndpoint = in.DisableExecuteApiEndpoint
		}
		if in.IpAddressType != nil {
			a.IpAddressType = in.IpAddressType
		}
		if in.RouteSelectionExpression != nil {
			if ws {
				if *in.RouteSelectionExpression == "" {
					return badRequest("RouteSelectionExpression is required for WebSocket APIs")
				}
			} else if err := validateHTTPRouteSelection(*in.RouteSelectionExpression); err != nil {
				return err
			}
			a.RouteSelectionExpression = in.RouteSelectionExpression
		}
		if ws {
			for name, set := range map[string]bool{
				"corsConfiguration": in.CorsConfiguration != nil,
				"target":            in.Target != nil,
				"routeKey":          in.RouteKey != nil,
				"credentialsArn":    in.CredentialsArn != nil,
			} {
				if set {
					return badRequest("%s is not supported for WebSocket APIs", name)
				}
			}
			if in.DisableSchemaValidation != nil {
				a.DisableSchemaValidation = in.DisableSchemaValidation
			}
		} else {
			if boolv(in.DisableSchemaValidation) {
				return badRequest("disableSchemaValidation is supported only for WebSocket APIs")
			}
			if in.CorsConfiguration != nil {
				if err := validateCORS(in.CorsConfiguration); err != nil {
					return err
				}
				// The whole configuration is replaced; an empty one
				// (Terraform's expandCORS of nothing) removes it.
				if corsEmpty(in.CorsConfiguration) {
					a.CorsConfiguration = nil
				} else {
					a.CorsConfiguration = in.CorsConfiguration
				}
			}
			if err := s.updateQuickCreate(ctx, tx, a, in); err != nil {
				return err
			}
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
	return (*api.UpdateApiResponse)(&out), nil
}

func corsEmpty(c *api.Cors) bool {
	return c.AllowCredentials == nil && c.MaxAge == nil && len(c.AllowHeaders) == 0 &&
		len(c.AllowMethods) == 0 && len(c.AllowOrigins) == 0 && len(c.ExposeHeaders) == 0
}

// updateQuickCreate applies UpdateApi's quick-create members [M doc]:
// target replaces the managed integration's URI and type, routeKey the
// managed route's key, credentialsArn the integration's credentials. An
// api made without quick create gets the quick-create resources now.
func (s *Service) updateQuickCreate(ctx context.Context, tx store.Tx, a *api.Api, in *api.UpdateApiRequest) error {
	if in.Target == nil && in.RouteKey == nil && in.CredentialsArn == nil {
		return nil
	}
	mi, mr, err := managed(ctx, tx, *a.ApiId)
	if err != nil {
		return err
	}
	if mi == nil || mr == nil {
		if in.Target == nil {
			return badRequest("routeKey and credentialsArn can be specified only together with target (quick create)")
		}
		if err := ensureRouteKeyFree(ctx, tx, a, routeKeyOr(in.RouteKey, "$default"), ""); err != nil {
			return err
		}
		return s.quickCreate(ctx, tx, a, *in.Target, in.RouteKey, in.CredentialsArn)
	}
	if in.Target != nil {
		typ, err := quickTarget(*in.Target)
		if err != nil {
			return err
		}
		mi.IntegrationType, mi.IntegrationUri = ptr(typ), in.Target
		if typ == "AWS_PROXY" {
			mi.PayloadFormatVersion, mi.IntegrationMethod = ptr("2.0"), ptr("POST")
		} else {
			mi.PayloadFormatVersion, mi.IntegrationMethod = ptr("1.0"), ptr("ANY")
		}
	}
	if in.CredentialsArn != nil {
		mi.CredentialsArn = optional(in.CredentialsArn)
	}
	if err := putIntegration(ctx, tx, *a.ApiId, mi); err != nil {
		return err
	}
	if in.RouteKey != nil && *in.RouteKey != str(mr.RouteKey) {
		if err := validateRouteKey(a, *in.RouteKey); err != nil {
			return err
		}
		if err := ensureRouteKeyFree(ctx, tx, a, *in.RouteKey, *mr.RouteId); err != nil {
			return err
		}
		mr.RouteKey = in.RouteKey
		if err := putRoute(ctx, tx, *a.ApiId, mr); err != nil {
			return err
		}
	}
	return nil
}

func routeKeyOr(p *string, def string) string {
	if p == nil {
		return def
	}
	return *p
}

func (s *Service) DeleteCorsConfiguration(ctx context.Context, in *api.DeleteCorsConfigurationRequest) error {
	return s.st.Update(ctx, func(tx store.Tx) error {
		a, err := loadAPI(ctx, tx, in.ApiId)
		if err != nil {
			return err
		}
		a.CorsConfiguration = nil
		if err := store.PutJSON(tx, tAPIs, key(ctx, in.ApiId), a); err != nil {
			return err
		}
		return s.autoDeploy(ctx, tx, a)
	})
}

func (s *Service) DeleteApi(ctx context.Context, in *api.DeleteApiRequest) error {
	return s.st.Update(ctx, func(tx store.Tx) error {
		if _, err := loadAPI(ctx, tx, in.ApiId); err != nil {
			return err
		}
		for _, t := range apiTables {
			if _, err := tx.DeletePrefix(t, prefix(ctx, in.ApiId)); err != nil {
				return err
			}
		}
		// API mappings of custom domain names that pointed at the api go
		// with it.
		maps, err := store.ScanJSON[mappingRecord](tx, tAPIMappings, prefix(ctx))
		if err != nil {
			return err
		}
		for _, m := range maps {
			if str(m.ApiId) == in.ApiId {
				if err := tx.Delete(tAPIMappings, key(ctx, m.Domain, str(m.ApiMappingId))); err != nil {
					return err
				}
			}
		}
		if err := tx.Delete(tAPIIndex, in.ApiId); err != nil {
			return err
		}
		return tx.Delete(tAPIs, key(ctx, in.ApiId))
	})
}
