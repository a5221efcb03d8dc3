package apigatewayv2

import (
	"context"
	"regexp"
	"sort"
	"strings"

	api "github.com/stagecraft/stagecraft/internal/api/apigatewayv2"
	"github.com/stagecraft/stagecraft/internal/ids"
	"github.com/stagecraft/stagecraft/internal/store"
)

// Routes and route responses.

// httpMethods are the methods an HTTP API route key may name [D].
var httpMethods = map[string]bool{
	"ANY": true, "GET": true, "POST": true, "PUT": true, "PATCH": true,
	"DELETE": true, "HEAD": true, "OPTIONS": true,
}

var (
	// A path variable is {name} or, as the last segment only, {name+} [D].
	pathVarRE = regexp.MustCompile(`^\{([A-Za-z0-9_.\-]+)(\+?)\}$`)
	// Literal segments: no braces, no whitespace.
	pathLiteralRE = regexp.MustCompile(`^[^{}\s/]+$`)
)

// validateRouteKey checks a route key against the API's protocol [D, S]:
//
//   - HTTP: "$default" or "METHOD /path", where METHOD is ANY or an HTTP
//     method, the path starts with "/", has no empty segments, and each
//     segment is a literal, a {variable}, or (last only) a greedy
//     {variable+}; a variable name appears once.
//   - WebSocket: "$connect", "$disconnect", "$default", or a custom key
//     that does not start with "$" (reserved).
//
// The error texts are not AWS's recorded wording [?].
func validateRouteKey(a *api.Api, k string) error {
	if k == "" {
		return badRequest("Route key is required") // [C] goldstack#42
	}
	if isWebSocket(a) {
		switch k {
		case "$connect", "$disconnect", "$default":
			return nil
		}
		if strings.HasPrefix(k, "$") {
			return badRequest("Invalid route key specified: %s. Route keys starting with $ are reserved; the predefined route keys are $connect, $disconnect and $default", k)
		}
		return nil
	}
	if k == "$default" {
		return nil
	}
	bad := func(why string) error {
		return badRequest("Invalid route key specified: %s. %s", k, why)
	}
	method, path, ok := strings.Cut(k, " ")
	if !ok {
		return bad("Route keys for HTTP APIs must be $default or an HTTP method and a resource path separated by a space, for example GET /pets")
	}
	if !httpMethods[method] {
		return bad("The HTTP method must be one of ANY, DELETE, GET, HEAD, OPTIONS, PATCH, POST or PUT")
	}
	if !strings.HasPrefix(path, "/") {
		return bad("The resource path must start with /")
	}
	if path == "/" {
		return nil
	}
	segs := strings.Split(path[1:], "/")
	seen := map[string]bool{}
	for i, seg := range segs {
		if seg == "" {
			return bad("The resource path must not contain empty segments or end with /")
		}
		if m := pathVarRE.FindStringSubmatch(seg); m != nil {
			if m[2] == "+" && i != len(segs)-1 {
				return bad("A greedy path variable must be the last segment of the resource path")
			}
			if seen[m[1]] {
				return bad("A path variable name can appear only once in the resource path")
			}
			seen[m[1]] = true
			continue
		}
		if !pathLiteralRE.MatchString(seg) {
			return bad("Invalid path segment " + seg)
		}
	}
	return nil
}

// ensureRouteKeyFree answers 409 when another route of the api (not
// exceptID) has the same key [C: "Route with key ANY /{proxy+} already
// exists for this API"], or, for HTTP APIs, a path that puts a
// differently named variable at the same level of the same path [C:
// "The provided route key \"GET /a/{x}/b\" has a conflicting variable on
// the same hierarchical level as \"GET /a/{y}/b\""].
func ensureRouteKeyFree(ctx context.Context, tx store.Tx, a *api.Api, k, exceptID string) error {
	routes, err := store.ScanJSON[api.Route](tx, tRoutes, prefix(ctx, *a.ApiId))
	if err != nil {
		return err
	}
	for _, r := range routes {
		if str(r.RouteId) == exceptID {
			continue
		}
		if str(r.RouteKey) == k {
			return conflict("Route with key %s already exists for this API", k)
		}
	}
	if isWebSocket(a) {
		return nil
	}
	for _, r := range routes {
		if str(r.RouteId) == exceptID {
			continue
		}
		if conflictingVariables(k, str(r.RouteKey)) {
			return conflict("The provided route key %q has a conflicting variable on the same hierarchical level as %q", k, str(r.RouteKey))
		}
	}
	return nil
}

// conflictingVariables reports whether two HTTP route keys place
// differently named variables of the same kind at the same depth under the
// same path.
func conflictingVariables(a, b string) bool {
	_, pa, ok1 := strings.Cut(a, " ")
	_, pb, ok2 := strings.Cut(b, " ")
	if !ok1 || !ok2 {
		return false
	}
	sa := strings.Split(strings.TrimPrefix(pa, "/"), "/")
	sb := strings.Split(strings.TrimPrefix(pb, "/"), "/")
	for i := 0; i < len(sa) && i < len(sb); i++ {
		ma, mb := pathVarRE.FindStringSubmatch(sa[i]), pathVarRE.FindStringSubmatch(sb[i])
		switch {
		case ma != nil && mb != nil:
			if ma[2] != mb[2] {
				return false // {x} and {y+} are different kinds of level
			}
			if ma[1] != mb[1] {
				return true
			}
		case ma == nil && mb == nil:
			if sa[i] != sb[i] {
				return false
			}
		default:
			return false
		}
	}
	return false
}

var routeParamRE = regexp.MustCompile(`^route\.request\.(header|querystring)\.[^\s.]+$`)

// checkRoute validates a whole route (after create defaults or an update
// merge) against its api, its authorizer and its target. Texts marked [C]
// are AWS's; the others are unverified [?].
func checkRoute(ctx context.Context, tx store.Tx, a *api.Api, r *api.Route) error {
	if err := validateRouteKey(a, str(r.RouteKey)); err != nil {
		return err
	}
	ws := isWebSocket(a)
	if !ws {
		// WebSocket-only members [M doc, S]. false/empty values are
		// accepted: Terraform always sends apiKeyRequired=false.
		switch {
		case boolv(r.ApiKeyRequired):
			return badRequest("apiKeyRequired is supported only for WebSocket APIs")
		case len(r.RequestModels) > 0:
			return badRequest("requestModels are supported only for WebSocket APIs")
		case len(r.RequestParameters) > 0:
			return badRequest("requestParameters are supported only for WebSocket APIs")
		case r.ModelSelectionExpression != nil:
			return badRequest("modelSelectionExpression is supported only for WebSocket APIs")
		case r.RouteResponseSelectionExpression != nil:
			return badRequest("routeResponseSelectionExpression is supported only for WebSocket APIs")
		}
	}
	auth := str(r.AuthorizationType)
	switch auth {
	case "NONE", "AWS_IAM":
		// An authorizer only means something for JWT and CUSTOM; switching
		// a route back to NONE/AWS_IAM drops it [?].
		r.AuthorizerId = nil
	case "JWT":
		if ws {
			return badRequest("Authorization type JWT is not supported for WebSocket APIs. Supported values are NONE, AWS_IAM and CUSTOM")
		}
	}
	if ws && auth != "NONE" && str(r.RouteKey) != "$connect" {
		// AWS authorizes only the connection [D].
		return badRequest("Currently, authorization is restricted to the $connect route only")
	}
	if auth == "JWT" || auth == "CUSTOM" {
		want := "REQUEST"
		if auth == "JWT" {
			want = "JWT"
		}
		var au *api.Authorizer
		if id := str(r.AuthorizerId); cleanKeyPart(id) {
			var err error
			au, err = get[api.Authorizer](tx, tAuthorizers, key(ctx, *a.ApiId, id), nil)
			if err != nil {
				return err
			}
		}
		if au == nil || str(au.AuthorizerType) != want {
			if auth == "CUSTOM" {
				// [C] terraform-provider-aws#17497
				return badRequest("Invalid authorizer ID specified. Setting the authorization type to CUSTOM or COGNITO_USER_POOLS requires a valid authorizer.")
			}
			return badRequest("Invalid authorizer ID specified. Setting the authorization type to JWT requires a valid JWT authorizer.")
		}
	}
	if len(r.AuthorizationScopes) > 0 && auth != "JWT" {
		// Scopes are matched against a JWT's scope claim [D, S].
		return badRequest("Authorization scopes are supported only for routes with authorization type JWT")
	}
	for _, sc := range r.AuthorizationScopes {
		if len(sc) < 1 || len(sc) > 64 {
			return badRequest("Authorization scope %q must be between 1 and 64 characters", sc)
		}
	}
	for k := range r.RequestParameters {
		if !routeParamRE.MatchString(k) {
			return badRequest("Invalid request parameter key specified: %s. Must match route.request.{header|querystring}.{name}", k)
		}
	}
	for _, m := range r.RequestModels {
		if err := modelExists(ctx, tx, *a.ApiId, m); err != nil {
			return err
		}
	}
	if t := str(r.Target); t != "" {
		id, ok := strings.CutPrefix(t, "integrations/")
		if !ok || id == "" || strings.Contains(id, "/") {
			return badRequest("Invalid target specified: %s. Target must be of the form integrations/{integrationId}", t)
		}
		found, err := exists(tx, tIntegrations, key(ctx, *a.ApiId, id))
		if err != nil {
			return err
		}
		if !found {
			return errNoChild("Integration", id)
		}
	}
	return nil
}

// modelExists checks that a model name used by a route or route response
// names a model of the api.
func modelExists(ctx context.Context, tx store.Tx, apiID, name string) error {
	models, err := store.ScanJSON[api.Model](tx, tModels, prefix(ctx, apiID))
	if err != nil {
		return err
	}
	for _, m := range models {
		if str(m.Name) == name {
			return nil
		}
	}
	return badRequest("Invalid model specified: %s. No model with that name exists in this API", name) // [?]
}

func putRoute(ctx context.Context, tx store.Tx, apiID string, r *api.Route) error {
	return store.PutJSON(tx, tRoutes, key(ctx, apiID, *r.RouteId), r)
}

func loadRoute(ctx context.Context, tx store.Tx, apiID, routeID string) (*api.Route, error) {
	return get[api.Route](tx, tRoutes, key(ctx, apiID, routeID), errNoChild("Route", routeID))
}

func checkScopes(op string, scopes []string) error {
	l := lengths{op: op}
	for _, s := range scopes {
		l.str("AuthorizationScopes.member", &s, 1, 64)
	}
	return l.err()
}

func (s *Service) CreateRoute(ctx context.Context, in *api.CreateRouteRequest) (*api.CreateRouteResult, error) {
	l := lengths{op: "createRouteInput"}
	l.str("OperationName", in.OperationName, 1, 64)
	l.str("Target", in.Target, 1, 128)
	if err := l.err(); err != nil {
		return nil, err
	}
	if err := checkScopes("createRouteInput", in.AuthorizationScopes); err != nil {
		return nil, err
	}
	r := &api.Route{
		RouteId:                          ptr(ids.Lower(7)),
		RouteKey:                         in.RouteKey,
		ApiKeyRequired:                   ptr(boolv(in.ApiKeyRequired)),
		AuthorizationType:                in.AuthorizationType,
		AuthorizationScopes:              nonEmpty(in.AuthorizationScopes),
		AuthorizerId:                     optional(in.AuthorizerId),
		ModelSelectionExpression:         optional(in.ModelSelectionExpression),
		OperationName:                    in.OperationName,
		RequestModels:                    nonEmptyMap(in.RequestModels),
		RequestParameters:                nonEmptyMap(in.RequestParameters),
		RouteResponseSelectionExpression: optional(in.RouteResponseSelectionExpression),
		Target:                           optional(in.Target),
	}
	if r.AuthorizationType == nil {
		r.AuthorizationType = ptr("NONE")
	}
	err := s.st.Update(ctx, func(tx store.Tx) error {
		a, err := loadAPI(ctx, tx, in.ApiId)
		if err != nil {
			return err
		}
		if err := checkRoute(ctx, tx, a, r); err != nil {
			return err
		}
		if err := ensureRouteKeyFree(ctx, tx, a, *r.RouteKey, ""); err != nil {
			return err
		}
		if err := putRoute(ctx, tx, in.ApiId, r); err != nil {
			return err
		}
		return s.autoDeploy(ctx, tx, a)
	})
	if err != nil {
		return nil, err
	}
	return (*api.CreateRouteResult)(r), nil
}

func (s *Service) GetRoute(ctx context.Context, in *api.GetRouteRequest) (*api.GetRouteResult, error) {
	var r *api.Route
	err := s.st.View(ctx, func(tx store.Tx) (err error) {
		if _, err := loadAPI(ctx, tx, in.ApiId); err != nil {
			return err
		}
		r, err = loadRoute(ctx, tx, in.ApiId, in.RouteId)
		return err
	})
	if err != nil {
		return nil, err
	}
	return (*api.GetRouteResult)(r), nil
}

func (s *Service) GetRoutes(ctx context.Context, in *api.GetRoutesRequest) (*api.GetRoutesResponse, error) {
	var all []*api.Route
	err := s.st.View(ctx, func(tx store.Tx) (err error) {
		if _, err := loadAPI(ctx, tx, in.ApiId); err != nil {
			return err
		}
		all, err = store.ScanJSON[api.Route](tx, tRoutes, prefix(ctx, in.ApiId))
		return err
	})
	if err != nil {
		return nil, err
	}
	items, next, err := page(all, func(r *api.Route) string { return *r.RouteId }, in.MaxResults, in.NextToken)
	if err != nil {
		return nil, err
	}
	return &api.GetRoutesResponse{Items: values(items), NextToken: next}, nil
}

func (s *Service) UpdateRoute(ctx context.Context, in *api.UpdateRouteRequest) (*api.UpdateRouteResult, error) {
	l := lengths{op: "updateRouteInput"}
	l.str("OperationName", in.OperationName, 0, 64) // "" clears it
	l.str("Target", in.Target, 0, 128)              // "" clears it
	if err := l.err(); err != nil {
		return nil, err
	}
	if err := checkScopes("updateRouteInput", in.AuthorizationScopes); err != nil {
		return nil, err
	}
	var r *api.Route
	err := s.st.Update(ctx, func(tx store.Tx) (err error) {
		a, err := loadAPI(ctx, tx, in.ApiId)
		if err != nil {
			return err
		}
		r, err = loadRoute(ctx, tx, in.ApiId, in.RouteId)
		if err != nil {
			return err
		}
		oldKey := str(r.RouteKey)
		if in.RouteKey != nil && *in.RouteKey != oldKey {
			if boolv(r.ApiGatewayManaged) {
				// The quick-create route key can't be changed here [M doc];
				// UpdateApi's routeKey changes it. Wording [?].
				return badRequest("Cannot update the route key of a route managed by API Gateway. Use UpdateApi to change it")
			}
			r.RouteKey = in.RouteKey
		}
		if in.ApiKeyRequired != nil {
			r.ApiKeyRequired = in.ApiKeyRequired
		}
		if in.AuthorizationScopes != nil {
			r.AuthorizationScopes = nonEmpty(in.AuthorizationScopes)
		}
		if in.AuthorizationType != nil {
			r.AuthorizationType = in.AuthorizationType
		}
		if in.AuthorizerId != nil {
			r.AuthorizerId = optional(in.AuthorizerId)
		}
		if in.ModelSelectionExpression != nil {
			r.ModelSelectionExpression = optional(in.ModelSelectionExpression)
		}
		if in.OperationName != nil {
			r.OperationName = optional(in.OperationName)
		}
		if in.RequestModels != nil {
			r.RequestModels = nonEmptyMap(in.RequestModels)
		}
		if in.RequestParameters != nil {
			// Merged: parameters not named keep their constraints.
			// Terraform removes the dropped ones with
			// DeleteRouteRequestParameter and sends the rest.
			if r.RequestParameters == nil {
				r.RequestParameters = map[string]api.ParameterConstraints{}
			}
			for k, v := range in.RequestParameters {
				r.RequestParameters[k] = v
			}
			r.RequestParameters = nonEmptyMap(r.RequestParameters)
		}
		if in.RouteResponseSelectionExpression != nil {
			r.RouteResponseSelectionExpression = optional(in.RouteResponseSelectionExpression)
		}
		if in.Target != nil {
			r.Target = optional(in.Target)
		}
		if err := checkRoute(ctx, tx, a, r); err != nil {
			return err
		}
		if str(r.RouteKey) != oldKey {
			if err := ensureRouteKeyFree(ctx, tx, a, *r.RouteKey, *r.RouteId); err != nil {
				return err
			}
		}
		if err := putRoute(ctx, tx, in.ApiId, r); err != nil {
			return err
		}
		return s.autoDeploy(ctx, tx, a)
	})
	if err != nil {
		return nil, err
	}
	return (*api.UpdateRouteResult)(r), nil
}

func (s *Service) DeleteRoute(ctx context.Context, in *api.DeleteRouteRequest) error {
	return s.st.Update(ctx, func(tx store.Tx) error {
		a, err := loadAPI(ctx, tx, in.ApiId)
		if err != nil {
			return err
		}
		if _, err := loadRoute(ctx, tx, in.ApiId, in.RouteId); err != nil {
			return err
		}
		if _, err := tx.DeletePrefix(tRouteResponses, prefix(ctx, in.ApiId, in.RouteId)); err != nil {
			return err
		}
		if err := tx.Delete(tRoutes, key(ctx, in.ApiId, in.RouteId)); err != nil {
			return err
		}
		return s.autoDeploy(ctx, tx, a)
	})
}

func (s *Service) DeleteRouteRequestParameter(ctx context.Context, in *api.DeleteRouteRequestParameterRequest) error {
	return s.st.Update(ctx, func(tx store.Tx) error {
		a, err := loadAPI(ctx, tx, in.ApiId)
		if err != nil {
			return err
		}
		r, err := loadRoute(ctx, tx, in.ApiId, in.RouteId)
		if err != nil {
			return err
		}
		if _, ok := r.RequestParameters[in.RequestParameterKey]; !ok {
			// Wording [?]; Terraform treats any 404 here as already gone.
			return notFound("Invalid request parameter key specified %s", in.RequestParameterKey)
		}
		delete(r.RequestParameters, in.RequestParameterKey)
		r.RequestParameters = nonEmptyMap(r.RequestParameters)
		if err := putRoute(ctx, tx, in.ApiId, r); err != nil {
			return err
		}
		return s.autoDeploy(ctx, tx, a)
	})
}

// Route responses (WebSocket two-way routes).

func putRouteResponse(ctx context.Context, tx store.Tx, apiID, routeID string, rr *api.RouteResponse) error {
	return store.PutJSON(tx, tRouteResponses, key(ctx, apiID, routeID, *rr.RouteResponseId), rr)
}

func loadRouteResponse(ctx context.Context, tx store.Tx, apiID, routeID, id string) (*api.RouteResponse, error) {
	return get[api.RouteResponse](tx, tRouteResponses, key(ctx, apiID, routeID, id), errNoChild("RouteResponse", id))
}

// checkRouteResponse validates a route response of a route: WebSocket
// only [D], a key, a unique key within the route, existing models.
func checkRouteResponse(ctx context.Context, tx store.Tx, a *api.Api, routeID string, rr *api.RouteResponse) error {
	if !isWebSocket(a) {
		return badRequest("Route responses are supported only for WebSocket APIs") // [?]
	}
	k := str(rr.RouteResponseKey)
	if k == "" {
		return badRequest("RouteResponseKey is required")
	}
	if strings.HasPrefix(k, "$") && k != "$default" {
		return badRequest("Invalid route response key specified: %s. The only predefined route response key is $default", k)
	}
	others, err := store.ScanJSON[api.RouteResponse](tx, tRouteResponses, prefix(ctx, *a.ApiId, routeID))
	if err != nil {
		return err
	}
	for _, o := range others {
		if str(o.RouteResponseId) != str(rr.RouteResponseId) && str(o.RouteResponseKey) == k {
			return conflict("Route response with key %s already exists for this route", k) // [?]
		}
	}
	for _, m := range rr.ResponseModels {
		if err := modelExists(ctx, tx, *a.ApiId, m); err != nil {
			return err
		}
	}
	return nil
}

func (s *Service) CreateRouteResponse(ctx context.Context, in *api.CreateRouteResponseRequest) (*api.CreateRouteResponseResponse, error) {
	rr := &api.RouteResponse{
		RouteResponseId:          ptr(ids.Lower(6)),
		RouteResponseKey:         in.RouteResponseKey,
		ModelSelectionExpression: optional(in.ModelSelectionExpression),
		ResponseModels:           nonEmptyMap(in.ResponseModels),
		ResponseParameters:       nonEmptyMap(in.ResponseParameters),
	}
	err := s.st.Update(ctx, func(tx store.Tx) error {
		a, err := loadAPI(ctx, tx, in.ApiId)
		if err != nil {
			return err
		}
		if _, err := loadRoute(ctx, tx, in.ApiId, in.RouteId); err != nil {
			return err
		}
		if err := checkRouteResponse(ctx, tx, a, in.RouteId, rr); err != nil {
			return err
		}
		if err := putRouteResponse(ctx, tx, in.ApiId, in.RouteId, rr); err != nil {
			return err
		}
		return s.autoDeploy(ctx, tx, a)
	})
	if err != nil {
		return nil, err
	}
	return (*api.CreateRouteResponseResponse)(rr), nil
}

func (s *Service) GetRouteResponse(ctx context.Context, in *api.GetRouteResponseRequest) (*api.GetRouteResponseResponse, error) {
	var rr *api.RouteResponse
	err := s.st.View(ctx, func(tx store.Tx) (err error) {
		if _, err := loadAPI(ctx, tx, in.ApiId); err != nil {
			return err
		}
		if _, err := loadRoute(ctx, tx, in.ApiId, in.RouteId); err != nil {
			return err
		}
		rr, err = loadRouteResponse(ctx, tx, in.ApiId, in.RouteId, in.RouteResponseId)
		return err
	})
	if err != nil {
		return nil, err
	}
	return (*api.GetRouteResponseResponse)(rr), nil
}

func (s *Service) GetRouteResponses(ctx context.Context, in *api.GetRouteResponsesRequest) (*api.GetRouteResponsesResponse, error) {
	var all []*api.RouteResponse
	err := s.st.View(ctx, func(tx store.Tx) (err error) {
		if _, err := loadAPI(ctx, tx, in.ApiId); err != nil {
			return err
		}
		if _, err := loadRoute(ctx, tx, in.ApiId, in.RouteId); err != nil {
			return err
		}
		all, err = store.ScanJSON[api.RouteResponse](tx, tRouteResponses, prefix(ctx, in.ApiId, in.RouteId))
		return err
	})
	if err != nil {
		return nil, err
	}
	items, next, err := page(all, func(r *api.RouteResponse) string { return *r.RouteResponseId }, in.MaxResults, in.NextToken)
	if err != nil {
		return nil, err
	}
	return &api.GetRouteResponsesResponse{Items: values(items), NextToken: next}, nil
}

func (s *Service) UpdateRouteResponse(ctx context.Context, in *api.UpdateRouteResponseRequest) (*api.UpdateRouteResponseResponse, error) {
	var rr *api.RouteResponse
	err := s.st.Update(ctx, func(tx store.Tx) (err error) {
		a, err := loadAPI(ctx, tx, in.ApiId)
		if err != nil {
			return err
		}
		if _, err := loadRoute(ctx, tx, in.ApiId, in.RouteId); err != nil {
			return err
		}
		rr, err = loadRouteResponse(ctx, tx, in.ApiId, in.RouteId, in.RouteResponseId)
		if err != nil {
			return err
		}
		if in.RouteResponseKey != nil {
			rr.RouteResponseKey = in.RouteResponseKey
		}
		if in.ModelSelectionExpression != nil {
			rr.ModelSelectionExpression = optional(in.ModelSelectionExpression)
		}
		if in.ResponseModels != nil {
			rr.ResponseModels = nonEmptyMap(in.ResponseModels)
		}
		if in.ResponseParameters != nil {
			rr.ResponseParameters = nonEmptyMap(in.ResponseParameters)
		}
		if err := checkRouteResponse(ctx, tx, a, in.RouteId, rr); err != nil {
			return err
		}
		if err := putRouteResponse(ctx, tx, in.ApiId, in.RouteId, rr); err != nil {
			return err
		}
		return s.autoDeploy(ctx, tx, a)
	})
	if err != nil {
		return nil, err
	}
	return (*api.UpdateRouteResponseResponse)(rr), nil
}

func (s *Service) DeleteRouteResponse(ctx context.Context, in *api.DeleteRouteResponseRequest) error {
	return s.st.Update(ctx, func(tx store.Tx) error {
		a, err := loadAPI(ctx, tx, in.ApiId)
		if err != nil {
			return err
		}
		if _, err := loadRoute(ctx, tx, in.ApiId, in.RouteId); err != nil {
			return err
		}
		if _, err := loadRouteResponse(ctx, tx, in.ApiId, in.RouteId, in.RouteResponseId); err != nil {
			return err
		}
		if err := tx.Delete(tRouteResponses, key(ctx, in.ApiId, in.RouteId, in.RouteResponseId)); err != nil {
			return err
		}
		return s.autoDeploy(ctx, tx, a)
	})
}

// nonEmpty turns an empty list into nil (clients clear a list by sending
// []); nonEmptyMap does the same for maps.
func nonEmpty(v []string) []string {
	if len(v) == 0 {
		return nil
	}
	return append([]string(nil), v...)
}

func nonEmptyMap[V any](m map[string]V) map[string]V {
	if len(m) == 0 {
		return nil
	}
	return cloneMap(m)
}

// sortedKeys returns a map's keys in order.
func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
