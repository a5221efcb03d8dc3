package apigatewayv2

import (
	"context"
	"regexp"

	api "github.com/stagecraft/stagecraft/internal/api/apigatewayv2"
	"github.com/stagecraft/stagecraft/internal/ids"
	"github.com/stagecraft/stagecraft/internal/store"
)

// Authorizers: JWT (HTTP APIs) and REQUEST (Lambda) authorizers.

var (
	// HTTP API identity sources are selection expressions [M doc].
	httpIdentityRE = regexp.MustCompile(`^\$(request\.(header|querystring)\.[^\s]+|context\.[^\s]+|stageVariables\.[^\s]+)$`)
	// WebSocket identity sources are mapping expressions [M doc].
	wsIdentityRE = regexp.MustCompile(`^(route\.request\.(header|querystring)\.[^\s]+|stageVariables\.[^\s]+|context\.[^\s]+)$`)
)

// checkAuthorizer validates a whole authorizer against the api's protocol
// [M doc]. Wording is not AWS's recorded text [?].
func checkAuthorizer(a *api.Api, au *api.Authorizer) error {
	ws := isWebSocket(a)
	typ := str(au.AuthorizerType)
	switch typ {
	case "JWT":
		if ws {
			return badRequest("JWT authorizers are supported only for HTTP APIs")
		}
		if au.JwtConfiguration == nil || str(au.JwtConfiguration.Issuer) == "" {
			return badRequest("JwtConfiguration with an issuer is required for JWT authorizers")
		}
		if !httpURL(*au.JwtConfiguration.Issuer) {
			return badRequest("Invalid issuer specified: %s. The issuer must be a URL", *au.JwtConfiguration.Issuer)
		}
		if len(au.IdentitySource) != 1 {
			return badRequest("JWT authorizers require exactly one identity source, for example $request.header.Authorization")
		}
		switch {
		case au.AuthorizerUri != nil:
			return badRequest("authorizerUri is not supported for JWT authorizers")
		case au.AuthorizerCredentialsArn != nil:
			return badRequest("authorizerCredentialsArn is supported only for REQUEST authorizers")
		case au.AuthorizerPayloadFormatVersion != nil:
			return badRequest("authorizerPayloadFormatVersion is supported only for REQUEST authorizers")
		case boolv(au.EnableSimpleResponses):
			return badRequest("enableSimpleResponses is supported only for REQUEST authorizers")
		case au.AuthorizerResultTtlInSeconds != nil && *au.AuthorizerResultTtlInSeconds != 0:
			return badRequest("authorizerResultTtlInSeconds is supported only for REQUEST authorizers")
		}
	case "REQUEST":
		if au.JwtConfiguration != nil {
			return badRequest("jwtConfiguration is supported only for JWT authorizers")
		}
		if str(au.AuthorizerUri) == "" {
			return badRequest("authorizerUri is required for REQUEST authorizers")
		}
		if !lambdaURI(*au.AuthorizerUri) {
			return badRequest("Invalid authorizer URI specified: %s. It must be a Lambda function invocation URI", *au.AuthorizerUri)
		}
		if ws {
			switch {
			case au.AuthorizerPayloadFormatVersion != nil:
				return badRequest("authorizerPayloadFormatVersion is supported only for HTTP APIs")
			case boolv(au.EnableSimpleResponses):
				return badRequest("enableSimpleResponses is supported only for HTTP APIs")
			}
		} else {
			switch v := str(au.AuthorizerPayloadFormatVersion); v {
			case "1.0", "2.0":
			case "":
				return badRequest("authorizerPayloadFormatVersion is required for REQUEST authorizers of HTTP APIs")
			default:
				return badRequest("Invalid authorizer payload format version specified: %s. Supported values are 1.0 and 2.0", v)
			}
			if boolv(au.EnableSimpleResponses) && str(au.AuthorizerPayloadFormatVersion) != "2.0" {
				return badRequest("enableSimpleResponses is supported only with authorizerPayloadFormatVersion 2.0")
			}
			if au.AuthorizerResultTtlInSeconds != nil && *au.AuthorizerResultTtlInSeconds > 0 && len(au.IdentitySource) == 0 {
				return badRequest("identitySource is required when authorizer caching is enabled (authorizerResultTtlInSeconds greater than 0)")
			}
		}
	}
	re := httpIdentityRE
	if ws {
		re = wsIdentityRE
	}
	for _, src := range au.IdentitySource {
		if !re.MatchString(src) {
			if ws {
				return badRequest("Invalid identity source specified: %s. WebSocket identity sources look like route.request.header.Auth or route.request.querystring.Name", src)
			}
			return badRequest("Invalid identity source specified: %s. HTTP API identity sources look like $request.header.Authorization or $request.querystring.name", src)
		}
	}
	return nil
}

func putAuthorizer(ctx context.Context, tx store.Tx, apiID string, au *api.Authorizer) error {
	return store.PutJSON(tx, tAuthorizers, key(ctx, apiID, *au.AuthorizerId), au)
}

func loadAuthorizer(ctx context.Context, tx store.Tx, apiID, id string) (*api.Authorizer, error) {
	return get[api.Authorizer](tx, tAuthorizers, key(ctx, apiID, id), errNoChild("Authorizer", id))
}

func (s *Service) CreateAuthorizer(ctx context.Context, in *api.CreateAuthorizerRequest) (*api.CreateAuthorizerResponse, error) {
	l := lengths{op: "createAuthorizerInput"}
	l.str("Name", in.Name, 1, 128)
	l.str("AuthorizerUri", in.AuthorizerUri, 1, 2048)
	l.str("AuthorizerPayloadFormatVersion", in.AuthorizerPayloadFormatVersion, 1, 64)
	l.str("IdentityValidationExpression", in.IdentityValidationExpression, 0, 1024)
	if err := l.err(); err != nil {
		return nil, err
	}
	au := &api.Authorizer{
		AuthorizerId:                   ptr(ids.Lower(6)),
		Name:                           in.Name,
		AuthorizerType:                 in.AuthorizerType,
		AuthorizerCredentialsArn:       optional(in.AuthorizerCredentialsArn),
		AuthorizerPayloadFormatVersion: in.AuthorizerPayloadFormatVersion,
		AuthorizerResultTtlInSeconds:   in.AuthorizerResultTtlInSeconds,
		AuthorizerUri:                  in.AuthorizerUri,
		EnableSimpleResponses:          in.EnableSimpleResponses,
		IdentitySource:                 nonEmpty(in.IdentitySource),
		IdentityValidationExpression:   optional(in.IdentityValidationExpression),
		JwtConfiguration:               in.JwtConfiguration,
	}
	err := s.st.Update(ctx, func(tx store.Tx) error {
		a, err := loadAPI(ctx, tx, in.ApiId)
		if err != nil {
			return err
		}
		authorizerDefaults(a, au)
		if err := checkAuthorizer(a, au); err != nil {
			return err
		}
		if err := putAuthorizer(ctx, tx, in.ApiId, au); err != nil {
			return err
		}
		return s.autoDeploy(ctx, tx, a)
	})
	if err != nil {
		return nil, err
	}
	return (*api.CreateAuthorizerResponse)(au), nil
}

// authorizerDefaults: an HTTP API Lambda authorizer without a TTL does not
// cache (0) and returns IAM policies (enableSimpleResponses false) [?: the
// console proposes 300 seconds; the API's default is not documented].
func authorizerDefaults(a *api.Api, au *api.Authorizer) {
	if isWebSocket(a) || str(au.AuthorizerType) != "REQUEST" {
		return
	}
	if au.AuthorizerResultTtlInSeconds == nil {
		au.AuthorizerResultTtlInSeconds = ptr(int32(0))
	}
	if au.EnableSimpleResponses == nil {
		au.EnableSimpleResponses = ptr(false)
	}
}

func (s *Service) GetAuthorizer(ctx context.Context, in *api.GetAuthorizerRequest) (*api.GetAuthorizerResponse, error) {
	var au *api.Authorizer
	err := s.st.View(ctx, func(tx store.Tx) (err error) {
		if _, err := loadAPI(ctx, tx, in.ApiId); err != nil {
			return err
		}
		au, err = loadAuthorizer(ctx, tx, in.ApiId, in.AuthorizerId)
		return err
	})
	if err != nil {
		return nil, err
	}
	return (*api.GetAuthorizerResponse)(au), nil
}

func (s *Service) GetAuthorizers(ctx context.Context, in *api.GetAuthorizersRequest) (*api.GetAuthorizersResponse, error) {
	var all []*api.Authorizer
	err := s.st.View(ctx, func(tx store.Tx) (err error) {
		if _, err := loadAPI(ctx, tx, in.ApiId); err != nil {
			return err
		}
		all, err = store.ScanJSON[api.Authorizer](tx, tAuthorizers, prefix(ctx, in.ApiId))
		return err
	})
	if err != nil {
		return nil, err
	}
	items, next, err := page(all, func(a *api.Authorizer) string { return *a.AuthorizerId }, in.MaxResults, in.NextToken)
	if err != nil {
		return nil, err
	}
	return &api.GetAuthorizersResponse{Items: values(items), NextToken: next}, nil
}

func (s *Service) UpdateAuthorizer(ctx context.Context, in *api.UpdateAuthorizerRequest) (*api.UpdateAuthorizerResponse, error) {
	l := lengths{op: "updateAuthorizerInput"}
	l.str("Name", in.Name, 1, 128)
	l.str("AuthorizerUri", in.AuthorizerUri, 0, 2048)
	l.str("AuthorizerPayloadFormatVersion", in.AuthorizerPayloadFormatVersion, 0, 64)
	l.str("IdentityValidationExpression", in.IdentityValidationExpression, 0, 1024)
	if err := l.err(); err != nil {
		return nil, err
	}
	var au *api.Authorizer
	err := s.st.Update(ctx, func(tx store.Tx) (err error) {
		a, err := loadAPI(ctx, tx, in.ApiId)
		if err != nil {
			return err
		}
		au, err = loadAuthorizer(ctx, tx, in.ApiId, in.AuthorizerId)
		if err != nil {
			return err
		}
		if in.Name != nil {
			au.Name = in.Name
		}
		if in.AuthorizerType != nil {
			au.AuthorizerType = in.AuthorizerType
		}
		if in.AuthorizerCredentialsArn != nil {
			au.AuthorizerCredentialsArn = optional(in.AuthorizerCredentialsArn)
		}
		if in.AuthorizerPayloadFormatVersion != nil {
			au.AuthorizerPayloadFormatVersion = optional(in.AuthorizerPayloadFormatVersion)
		}
		if in.AuthorizerResultTtlInSeconds != nil {
			au.AuthorizerResultTtlInSeconds = in.AuthorizerResultTtlInSeconds
		}
		if in.AuthorizerUri != nil {
			au.AuthorizerUri = optional(in.AuthorizerUri)
		}
		if in.EnableSimpleResponses != nil {
			au.EnableSimpleResponses = in.EnableSimpleResponses
		}
		if in.IdentitySource != nil {
			au.IdentitySource = nonEmpty(in.IdentitySource)
		}
		if in.IdentityValidationExpression != nil {
			au.IdentityValidationExpression = optional(in.IdentityValidationExpression)
		}
		if in.JwtConfiguration != nil {
			au.JwtConfiguration = in.JwtConfiguration
		}
		authorizerDefaults(a, au)
		if err := checkAuthorizer(a, au); err != nil {
			return err
		}
		// A route whose authorization type no longer fits the authorizer
		// would be left broken.
		routes, err := store.ScanJSON[api.Route](tx, tRoutes, prefix(ctx, in.ApiId))
		if err != nil {
			return err
		}
		for _, r := range routes {
			if str(r.AuthorizerId) != in.AuthorizerId {
				continue
			}
			if (str(r.AuthorizationType) == "JWT") != (str(au.AuthorizerType) == "JWT") {
				return conflict("Unable to change the type of authorizer %s because route %s (%s) uses it with authorization type %s", in.AuthorizerId, str(r.RouteId), str(r.RouteKey), str(r.AuthorizationType))
			}
		}
		if err := putAuthorizer(ctx, tx, in.ApiId, au); err != nil {
			return err
		}
		return s.autoDeploy(ctx, tx, a)
	})
	if err != nil {
		return nil, err
	}
	return (*api.UpdateAuthorizerResponse)(au), nil
}

func (s *Service) DeleteAuthorizer(ctx context.Context, in *api.DeleteAuthorizerRequest) error {
	return s.st.Update(ctx, func(tx store.Tx) error {
		a, err := loadAPI(ctx, tx, in.ApiId)
		if err != nil {
			return err
		}
		if _, err := loadAuthorizer(ctx, tx, in.ApiId, in.AuthorizerId); err != nil {
			return err
		}
		// Terraform retries DeleteAuthorizer on ConflictException, which
		// AWS answers while routes still use the authorizer. Wording [?].
		routes, err := store.ScanJSON[api.Route](tx, tRoutes, prefix(ctx, in.ApiId))
		if err != nil {
			return err
		}
		for _, r := range routes {
			if str(r.AuthorizerId) == in.AuthorizerId {
				return conflict("Unable to delete authorizer %s because it is used by route %s (%s)", in.AuthorizerId, str(r.RouteId), str(r.RouteKey))
			}
		}
		if err := tx.Delete(tAuthorizers, key(ctx, in.ApiId, in.AuthorizerId)); err != nil {
			return err
		}
		return s.autoDeploy(ctx, tx, a)
	})
}
