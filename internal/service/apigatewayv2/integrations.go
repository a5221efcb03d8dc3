package apigatewayv2

import (
	"context"
	"net/url"
	"regexp"
	"strconv"
	"strings"

	api "github.com/stagecraft/stagecraft/internal/api/apigatewayv2"
	"github.com/stagecraft/stagecraft/internal/ids"
	"github.com/stagecraft/stagecraft/internal/store"
)

// Integrations and integration responses.

const (
	httpTimeoutMax = 30000 // HTTP APIs: 50..30000 ms, default 30000 [M doc]
	wsTimeoutMax   = 29000 // WebSocket APIs: 50..29000 ms, default 29000 [M doc]
	timeoutMin     = 50
)

var (
	// HTTP API parameter mapping keys [D]: append|overwrite|remove on a
	// header or query string parameter, or overwrite:path.
	httpRequestParamRE = regexp.MustCompile(`^((append|overwrite|remove):(header|querystring)\.[^\s]+|overwrite:path)$`)
	// Response mapping keys also allow overwrite:statuscode [D].
	httpResponseParamRE = regexp.MustCompile(`^((append|overwrite|remove):header\.[^\s]+|overwrite:statuscode)$`)
	// WebSocket integration request parameters [D].
	wsRequestParamRE = regexp.MustCompile(`^integration\.request\.(header|querystring|path)\.[^\s]+$`)
	// AWS service integration subtypes look like Service-Action [D].
	subtypeRE = regexp.MustCompile(`^[A-Za-z0-9]+-[A-Za-z0-9]+$`)
)

// lambdaURI reports whether uri names a Lambda function: a function ARN
// or the apigateway lambda:path invocation URI [M doc].
func lambdaURI(uri string) bool {
	return strings.HasPrefix(uri, "arn:") && (strings.Contains(uri, ":lambda:path/") || strings.Contains(uri, ":function:"))
}

func httpURL(uri string) bool {
	u, err := url.Parse(uri)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

// checkIntegration validates a whole integration (after create defaults
// or an update merge) against the api's protocol [M doc]. Wording is not
// AWS's recorded text [?] except where marked.
func checkIntegration(ctx context.Context, tx store.Tx, a *api.Api, in *api.Integration) error {
	ws := isWebSocket(a)
	typ := str(in.IntegrationType)
	uri := str(in.IntegrationUri)
	proto := "HTTP"
	if ws {
		proto = "WEBSOCKET"
	}
	if !ws && (typ == "AWS" || typ == "HTTP" || typ == "MOCK") {
		return badRequest("Integration type %s is not supported for HTTP APIs. Supported values are AWS_PROXY and HTTP_PROXY", typ)
	}
	// Payload format version: Lambda proxy on HTTP APIs takes 1.0 or 2.0,
	// everything else 1.0 [M doc].
	pfv := str(in.PayloadFormatVersion)
	switch {
	case !ws && typ == "AWS_PROXY":
		if pfv != "1.0" && pfv != "2.0" {
			return badRequest("Invalid payload format version specified: %s. Supported values for AWS_PROXY integrations are 1.0 and 2.0", pfv)
		}
	default:
		if pfv != "1.0" {
			return badRequest("Invalid payload format version specified: %s. Integrations of type %s on %s APIs support only 1.0", pfv, typ, proto)
		}
	}
	// Timeout range by protocol [M doc].
	if t := in.TimeoutInMillis; t != nil {
		hi := httpTimeoutMax
		if ws {
			hi = wsTimeoutMax
		}
		if *t < timeoutMin || int(*t) > hi {
			return badRequest("Invalid timeout specified: %d. The timeout must be between %d and %d milliseconds for %s APIs", *t, timeoutMin, hi, proto)
		}
	}
	if m := str(in.IntegrationMethod); m != "" && !httpMethods[strings.ToUpper(m)] {
		return badRequest("Invalid integration method specified: %s", m)
	}
	if str(in.IntegrationSubtype) != "" {
		if ws || typ != "AWS_PROXY" {
			return badRequest("integrationSubtype is supported only for AWS_PROXY integrations of HTTP APIs")
		}
		if !subtypeRE.MatchString(*in.IntegrationSubtype) {
			return badRequest("Invalid integration subtype specified: %s", *in.IntegrationSubtype)
		}
		if uri != "" {
			return badRequest("integrationUri cannot be specified for integrations with an integrationSubtype")
		}
		if len(in.RequestParameters) == 0 {
			return badRequest("requestParameters are required for integrations with an integrationSubtype")
		}
	}
	conn := str(in.ConnectionType)
	switch conn {
	case "VPC_LINK":
		if str(in.ConnectionId) == "" {
			return badRequest("connectionId is required when connectionType is VPC_LINK")
		}
		if !ws {
			// HTTP APIs use apigatewayv2 VPC links; WebSocket APIs use
			// REST API (v1) VPC links, which live in the other service.
			ok, err := exists(tx, tVpcLinks, key(ctx, *in.ConnectionId))
			if err != nil {
				return err
			}
			if !ok {
				return errNoChild("VpcLink", *in.ConnectionId)
			}
		}
	case "INTERNET":
		if str(in.ConnectionId) != "" {
			return badRequest("connectionId can be specified only when connectionType is VPC_LINK")
		}
	}
	switch typ {
	case "MOCK":
		if uri != "" {
			return badRequest("integrationUri cannot be specified for MOCK integrations")
		}
	case "AWS_PROXY", "AWS":
		if str(in.IntegrationSubtype) == "" {
			if uri == "" {
				return badRequest("integrationUri is required for %s integrations", typ)
			}
			if typ == "AWS_PROXY" && !lambdaURI(uri) {
				return badRequest("Invalid integration URI specified: %s. AWS_PROXY integrations require a Lambda function ARN or invocation URI", uri)
			}
			if typ == "AWS" && !strings.HasPrefix(uri, "arn:") {
				return badRequest("Invalid integration URI specified: %s. AWS integrations require an ARN", uri)
			}
		}
	case "HTTP_PROXY", "HTTP":
		if uri == "" {
			return badRequest("integrationUri is required for %s integrations", typ)
		}
		if str(in.IntegrationMethod) == "" {
			return badRequest("integrationMethod is required for %s integrations", typ)
		}
		// A private integration on an HTTP API names a load balancer
		// listener or Cloud Map service by ARN [M doc]; everything else
		// is a URL, possibly with stage variables or path variables.
		if conn == "VPC_LINK" && !ws {
			if !strings.HasPrefix(uri, "arn:") {
				return badRequest("Invalid integration URI specified: %s. Private integrations of HTTP APIs require a load balancer listener or Cloud Map service ARN", uri)
			}
		} else if !httpURL(uri) && !strings.Contains(uri, "${stageVariables.") {
			return badRequest("Invalid integration URI specified: %s. The URI must be a fully qualified URL", uri)
		}
	}
	if ws {
		switch {
		case len(in.ResponseParameters) > 0:
			return badRequest("responseParameters are supported only for HTTP APIs")
		case in.TlsConfig != nil:
			return badRequest("tlsConfig is supported only for HTTP APIs")
		}
		for k := range in.RequestParameters {
			if !wsRequestParamRE.MatchString(k) {
				return badRequest("Invalid mapping expression specified: %s. Keys must match integration.request.{header|querystring|path}.{name}", k)
			}
		}
	} else {
		switch {
		case len(in.RequestTemplates) > 0:
			return badRequest("requestTemplates are supported only for WebSocket APIs")
		case in.TemplateSelectionExpression != nil:
			return badRequest("templateSelectionExpression is supported only for WebSocket APIs")
		case in.ContentHandlingStrategy != nil:
			return badRequest("contentHandlingStrategy is supported only for WebSocket APIs")
		case in.TlsConfig != nil && conn != "VPC_LINK":
			return badRequest("tlsConfig is supported only for private integrations")
		}
		if str(in.IntegrationSubtype) == "" {
			for k := range in.RequestParameters {
				if !httpRequestParamRE.MatchString(k) {
					return badRequest("Invalid mapping expression specified: %s. Keys must be append|overwrite|remove:header.{name}, append|overwrite|remove:querystring.{name} or overwrite:path", k)
				}
			}
		}
		for code, mapping := range in.ResponseParameters {
			n, err := strconv.Atoi(code)
			if err != nil || n < 200 || n > 599 {
				return badRequest("Invalid response parameter selection key specified: %s. Must be an HTTP status code between 200 and 599", code)
			}
			for k := range mapping {
				if !httpResponseParamRE.MatchString(k) {
					return badRequest("Invalid mapping expression specified: %s. Keys must be append|overwrite|remove:header.{name} or overwrite:statuscode", k)
				}
			}
		}
	}
	return nil
}

// integrationDefaults fills what AWS fills [C: CLI examples]: connection
// type INTERNET, the protocol's timeout, POST for Lambda, payload format
// 1.0 where the API does not demand one, the WebSocket passthrough
// behaviour and integration response selection expression. HTTP APIs do
// not keep passthroughBehavior (Terraform sends WHEN_NO_MATCH to both and
// suppresses the diff because HTTP APIs never return it).
func integrationDefaults(a *api.Api, in *api.Integration) {
	ws := isWebSocket(a)
	typ := str(in.IntegrationType)
	if in.ConnectionType == nil {
		in.ConnectionType = ptr("INTERNET")
	}
	if in.TimeoutInMillis == nil {
		if ws {
			in.TimeoutInMillis = ptr(int32(wsTimeoutMax))
		} else {
			in.TimeoutInMillis = ptr(int32(httpTimeoutMax))
		}
	}
	if (typ == "AWS_PROXY" || typ == "AWS") && in.IntegrationMethod == nil && str(in.IntegrationSubtype) == "" {
		in.IntegrationMethod = ptr("POST")
	}
	if in.PayloadFormatVersion == nil && (ws || typ == "HTTP_PROXY") {
		in.PayloadFormatVersion = ptr("1.0")
	}
	if ws {
		if in.PassthroughBehavior == nil {
			in.PassthroughBehavior = ptr("WHEN_NO_MATCH")
		}
		switch typ {
		case "AWS":
			in.IntegrationResponseSelectionExpression = ptr("${integration.response.body.errorMessage}")
		case "HTTP", "MOCK":
			in.IntegrationResponseSelectionExpression = ptr("${integration.response.statuscode}")
		default:
			in.IntegrationResponseSelectionExpression = nil
		}
	} else {
		in.PassthroughBehavior = nil
	}
}

func putIntegration(ctx context.Context, tx store.Tx, apiID string, in *api.Integration) error {
	return store.PutJSON(tx, tIntegrations, key(ctx, apiID, *in.IntegrationId), in)
}

func loadIntegration(ctx context.Context, tx store.Tx, apiID, id string) (*api.Integration, error) {
	return get[api.Integration](tx, tIntegrations, key(ctx, apiID, id), errNoChild("Integration", id))
}

func tlsOut(t *api.TlsConfigInput) *api.TlsConfig {
	if t == nil || str(t.ServerNameToVerify) == "" {
		return nil
	}
	return &api.TlsConfig{ServerNameToVerify: t.ServerNameToVerify}
}

func (s *Service) CreateIntegration(ctx context.Context, in *api.CreateIntegrationRequest) (*api.CreateIntegrationResult, error) {
	l := lengths{op: "createIntegrationInput"}
	l.str("ConnectionId", in.ConnectionId, 1, 1024)
	l.str("Description", in.Description, 0, 1024)
	l.str("IntegrationMethod", in.IntegrationMethod, 1, 64)
	l.str("IntegrationSubtype", in.IntegrationSubtype, 1, 128)
	l.str("IntegrationUri", in.IntegrationUri, 1, 2048)
	l.str("PayloadFormatVersion", in.PayloadFormatVersion, 1, 64)
	if err := l.err(); err != nil {
		return nil, err
	}
	integ := &api.Integration{
		IntegrationId:               ptr(ids.Lower(7)),
		ConnectionId:                in.ConnectionId,
		ConnectionType:              in.ConnectionType,
		ContentHandlingStrategy:     in.ContentHandlingStrategy,
		CredentialsArn:              optional(in.CredentialsArn),
		Description:                 optional(in.Description),
		IntegrationMethod:           in.IntegrationMethod,
		IntegrationSubtype:          in.IntegrationSubtype,
		IntegrationType:             in.IntegrationType,
		IntegrationUri:              in.IntegrationUri,
		PassthroughBehavior:         in.PassthroughBehavior,
		PayloadFormatVersion:        in.PayloadFormatVersion,
		RequestParameters:           nonEmptyMap(in.RequestParameters),
		RequestTemplates:            nonEmptyMap(in.RequestTemplates),
		ResponseParameters:          nonEmptyMap(in.ResponseParameters),
		TemplateSelectionExpression: optional(in.TemplateSelectionExpression),
		TimeoutInMillis:             in.TimeoutInMillis,
		TlsConfig:                   tlsOut(in.TlsConfig),
	}
	if integ.IntegrationMethod != nil {
		integ.IntegrationMethod = ptr(strings.ToUpper(*integ.IntegrationMethod))
	}
	err := s.st.Update(ctx, func(tx store.Tx) error {
		a, err := loadAPI(ctx, tx, in.ApiId)
		if err != nil {
			return err
		}
		if !isWebSocket(a) && str(in.IntegrationType) == "AWS_PROXY" && in.PayloadFormatVersion == nil {
			// Required for HTTP APIs [M doc]; HTTP_PROXY defaults to 1.0,
			// the only value it takes. Wording [?].
			return badRequest("PayloadFormatVersion is required for AWS_PROXY integrations of HTTP APIs")
		}
		integrationDefaults(a, integ)
		if err := checkIntegration(ctx, tx, a, integ); err != nil {
			return err
		}
		if err := putIntegration(ctx, tx, in.ApiId, integ); err != nil {
			return err
		}
		return s.autoDeploy(ctx, tx, a)
	})
	if err != nil {
		return nil, err
	}
	return (*api.CreateIntegrationResult)(integ), nil
}

func (s *Service) GetIntegration(ctx context.Context, in *api.GetIntegrationRequest) (*api.GetIntegrationResult, error) {
	var integ *api.Integration
	err := s.st.View(ctx, func(tx store.Tx) (err error) {
		if _, err := loadAPI(ctx, tx, in.ApiId); err != nil {
			return err
		}
		integ, err = loadIntegration(ctx, tx, in.ApiId, in.IntegrationId)
		return err
	})
	if err != nil {
		return nil, err
	}
	return (*api.GetIntegrationResult)(integ), nil
}

func (s *Service) GetIntegrations(ctx context.Context, in *api.GetIntegrationsRequest) (*api.GetIntegrationsResponse, error) {
	var all []*api.Integration
	err := s.st.View(ctx, func(tx store.Tx) (err error) {
		if _, err := loadAPI(ctx, tx, in.ApiId); err != nil {
			return err
		}
		all, err = store.ScanJSON[api.Integration](tx, tIntegrations, prefix(ctx, in.ApiId))
		return err
	})
	if err != nil {
		return nil, err
	}
	items, next, err := page(all, func(i *api.Integration) string { return *i.IntegrationId }, in.MaxResults, in.NextToken)
	if err != nil {
		return nil, err
	}
	return &api.GetIntegrationsResponse{Items: values(items), NextToken: next}, nil
}

func (s *Service) UpdateIntegration(ctx context.Context, in *api.UpdateIntegrationRequest) (*api.UpdateIntegrationResult, error) {
	l := lengths{op: "updateIntegrationInput"}
	l.str("ConnectionId", in.ConnectionId, 0, 1024)
	l.str("Description", in.Description, 0, 1024)
	l.str("IntegrationMethod", in.IntegrationMethod, 0, 64)
	l.str("IntegrationSubtype", in.IntegrationSubtype, 1, 128)
	l.str("IntegrationUri", in.IntegrationUri, 0, 2048)
	l.str("PayloadFormatVersion", in.PayloadFormatVersion, 1, 64)
	if err := l.err(); err != nil {
		return nil, err
	}
	var integ *api.Integration
	err := s.st.Update(ctx, func(tx store.Tx) (err error) {
		a, err := loadAPI(ctx, tx, in.ApiId)
		if err != nil {
			return err
		}
		integ, err = loadIntegration(ctx, tx, in.ApiId, in.IntegrationId)
		if err != nil {
			return err
		}
		if in.IntegrationType != nil && *in.IntegrationType != str(integ.IntegrationType) {
			if boolv(integ.ApiGatewayManaged) {
				return badRequest("Cannot update the integration type of an integration managed by API Gateway. Use UpdateApi to change its target")
			}
			integ.IntegrationType = in.IntegrationType
		}
		if in.ConnectionId != nil {
			integ.ConnectionId = optional(in.ConnectionId)
		}
		if in.ConnectionType != nil {
			integ.ConnectionType = in.ConnectionType
		}
		if in.ContentHandlingStrategy != nil {
			integ.ContentHandlingStrategy = in.ContentHandlingStrategy
		}
		if in.CredentialsArn != nil {
			integ.CredentialsArn = optional(in.CredentialsArn)
		}
		if in.Description != nil {
			integ.Description = optional(in.Description)
		}
		if in.IntegrationMethod != nil {
			integ.IntegrationMethod = optional(ptr(strings.ToUpper(*in.IntegrationMethod)))
		}
		if in.IntegrationSubtype != nil {
			integ.IntegrationSubtype = in.IntegrationSubtype
		}
		if in.IntegrationUri != nil {
			integ.IntegrationUri = optional(in.IntegrationUri)
		}
		if in.PassthroughBehavior != nil {
			integ.PassthroughBehavior = in.PassthroughBehavior
		}
		if in.PayloadFormatVersion != nil {
			integ.PayloadFormatVersion = in.PayloadFormatVersion
		}
		if in.RequestParameters != nil {
			// Merged; a key sent with "" is removed (Terraform's way of
			// dropping one).
			m := cloneMap(integ.RequestParameters)
			if m == nil {
				m = map[string]string{}
			}
			for k, v := range in.RequestParameters {
				if v == "" {
					delete(m, k)
				} else {
					m[k] = v
				}
			}
			integ.RequestParameters = nonEmptyMap(m)
		}
		if in.RequestTemplates != nil {
			integ.RequestTemplates = nonEmptyMap(in.RequestTemplates)
		}
		if in.ResponseParameters != nil {
			// Merged by status code; a status code sent with {} is removed.
			m := cloneMap(integ.ResponseParameters)
			if m == nil {
				m = map[string]map[string]string{}
			}
			for code, mapping := range in.ResponseParameters {
				if len(mapping) == 0 {
					delete(m, code)
				} else {
					m[code] = mapping
				}
			}
			integ.ResponseParameters = nonEmptyMap(m)
		}
		if in.TemplateSelectionExpression != nil {
			integ.TemplateSelectionExpression = optional(in.TemplateSelectionExpression)
		}
		if in.TimeoutInMillis != nil {
			integ.TimeoutInMillis = in.TimeoutInMillis
		}
		if in.TlsConfig != nil {
			integ.TlsConfig = tlsOut(in.TlsConfig)
		}
		integrationDefaults(a, integ)
		if err := checkIntegration(ctx, tx, a, integ); err != nil {
			return err
		}
		if err := putIntegration(ctx, tx, in.ApiId, integ); err != nil {
			return err
		}
		return s.autoDeploy(ctx, tx, a)
	})
	if err != nil {
		return nil, err
	}
	return (*api.UpdateIntegrationResult)(integ), nil
}

func (s *Service) DeleteIntegration(ctx context.Context, in *api.DeleteIntegrationRequest) error {
	return s.st.Update(ctx, func(tx store.Tx) error {
		a, err := loadAPI(ctx, tx, in.ApiId)
		if err != nil {
			return err
		}
		if _, err := loadIntegration(ctx, tx, in.ApiId, in.IntegrationId); err != nil {
			return err
		}
		// A route still targeting the integration keeps it [?: wording;
		// Terraform destroys routes before their integration].
		routes, err := store.ScanJSON[api.Route](tx, tRoutes, prefix(ctx, in.ApiId))
		if err != nil {
			return err
		}
		for _, r := range routes {
			if str(r.Target) == "integrations/"+in.IntegrationId {
				return conflict("Unable to delete integration %s because it is the target of route %s (%s)", in.IntegrationId, str(r.RouteId), str(r.RouteKey))
			}
		}
		if _, err := tx.DeletePrefix(tIntegrationResponses, prefix(ctx, in.ApiId, in.IntegrationId)); err != nil {
			return err
		}
		if err := tx.Delete(tIntegrations, key(ctx, in.ApiId, in.IntegrationId)); err != nil {
			return err
		}
		return s.autoDeploy(ctx, tx, a)
	})
}

// Integration responses (WebSocket non-proxy integrations).

var irKeyRE = regexp.MustCompile(`^(\$default|/.+/)$`)

func putIntegrationResponse(ctx context.Context, tx store.Tx, apiID, integID string, ir *api.IntegrationResponse) error {
	return store.PutJSON(tx, tIntegrationResponses, key(ctx, apiID, integID, *ir.IntegrationResponseId), ir)
}

func loadIntegrationResponse(ctx context.Context, tx store.Tx, apiID, integID, id string) (*api.IntegrationResponse, error) {
	return get[api.IntegrationResponse](tx, tIntegrationResponses, key(ctx, apiID, integID, id), errNoChild("IntegrationResponse", id))
}

// checkIntegrationResponse: WebSocket only [M doc]; the key is $default or
// a /regex/ over the integration response selection value (e.g. /4\d\d/)
// [D]; keys are unique within the integration.
func checkIntegrationResponse(ctx context.Context, tx store.Tx, a *api.Api, integID string, ir *api.IntegrationResponse) error {
	if !isWebSocket(a) {
		return badRequest("Integration responses are supported only for WebSocket APIs")
	}
	k := str(ir.IntegrationResponseKey)
	if !irKeyRE.MatchString(k) {
		return badRequest("Invalid integration response key specified: %s. Must be $default or a regular expression enclosed in slashes, for example /4\\d\\d/", k)
	}
	if len(k) > 2 && k[0] == '/' {
		if _, err := regexp.Compile(k[1 : len(k)-1]); err != nil {
			return badRequest("Invalid integration response key specified: %s. The regular expression is not valid", k)
		}
	}
	others, err := store.ScanJSON[api.IntegrationResponse](tx, tIntegrationResponses, prefix(ctx, *a.ApiId, integID))
	if err != nil {
		return err
	}
	for _, o := range others {
		if str(o.IntegrationResponseId) != str(ir.IntegrationResponseId) && str(o.IntegrationResponseKey) == k {
			return conflict("Integration response with key %s already exists for this integration", k)
		}
	}
	return nil
}

func (s *Service) CreateIntegrationResponse(ctx context.Context, in *api.CreateIntegrationResponseRequest) (*api.CreateIntegrationResponseResponse, error) {
	ir := &api.IntegrationResponse{
		IntegrationResponseId:       ptr(ids.Lower(6)),
		IntegrationResponseKey:      in.IntegrationResponseKey,
		ContentHandlingStrategy:     in.ContentHandlingStrategy,
		ResponseParameters:          nonEmptyMap(in.ResponseParameters),
		ResponseTemplates:           nonEmptyMap(in.ResponseTemplates),
		TemplateSelectionExpression: optional(in.TemplateSelectionExpression),
	}
	err := s.st.Update(ctx, func(tx store.Tx) error {
		a, err := loadAPI(ctx, tx, in.ApiId)
		if err != nil {
			return err
		}
		if _, err := loadIntegration(ctx, tx, in.ApiId, in.IntegrationId); err != nil {
			return err
		}
		if err := checkIntegrationResponse(ctx, tx, a, in.IntegrationId, ir); err != nil {
			return err
		}
		if err := putIntegrationResponse(ctx, tx, in.ApiId, in.IntegrationId, ir); err != nil {
			return err
		}
		return s.autoDeploy(ctx, tx, a)
	})
	if err != nil {
		return nil, err
	}
	return (*api.CreateIntegrationResponseResponse)(ir), nil
}

func (s *Service) GetIntegrationResponse(ctx context.Context, in *api.GetIntegrationResponseRequest) (*api.GetIntegrationResponseResponse, error) {
	var ir *api.IntegrationResponse
	err := s.st.View(ctx, func(tx store.Tx) (err error) {
		if _, err := loadAPI(ctx, tx, in.ApiId); err != nil {
			return err
		}
		if _, err := loadIntegration(ctx, tx, in.ApiId, in.IntegrationId); err != nil {
			return err
		}
		ir, err = loadIntegrationResponse(ctx, tx, in.ApiId, in.IntegrationId, in.IntegrationResponseId)
		return err
	})
	if err != nil {
		return nil, err
	}
	return (*api.GetIntegrationResponseResponse)(ir), nil
}

func (s *Service) GetIntegrationResponses(ctx context.Context, in *api.GetIntegrationResponsesRequest) (*api.GetIntegrationResponsesResponse, error) {
	var all []*api.IntegrationResponse
	err := s.st.View(ctx, func(tx store.Tx) (err error) {
		if _, err := loadAPI(ctx, tx, in.ApiId); err != nil {
			return err
		}
		if _, err := loadIntegration(ctx, tx, in.ApiId, in.IntegrationId); err != nil {
			return err
		}
		all, err = store.ScanJSON[api.IntegrationResponse](tx, tIntegrationResponses, prefix(ctx, in.ApiId, in.IntegrationId))
		return err
	})
	if err != nil {
		return nil, err
	}
	items, next, err := page(all, func(i *api.IntegrationResponse) string { return *i.IntegrationResponseId }, in.MaxResults, in.NextToken)
	if err != nil {
		return nil, err
	}
	return &api.GetIntegrationResponsesResponse{Items: values(items), NextToken: next}, nil
}

func (s *Service) UpdateIntegrationResponse(ctx context.Context, in *api.UpdateIntegrationResponseRequest) (*api.UpdateIntegrationResponseResponse, error) {
	var ir *api.IntegrationResponse
	err := s.st.Update(ctx, func(tx store.Tx) (err error) {
		a, err := loadAPI(ctx, tx, in.ApiId)
		if err != nil {
			return err
		}
		if _, err := loadIntegration(ctx, tx, in.ApiId, in.IntegrationId); err != nil {
			return err
		}
		ir, err = loadIntegrationResponse(ctx, tx, in.ApiId, in.IntegrationId, in.IntegrationResponseId)
		if err != nil {
			return err
		}
		if in.IntegrationResponseKey != nil {
			ir.IntegrationResponseKey = in.IntegrationResponseKey
		}
		if in.ContentHandlingStrategy != nil {
			ir.ContentHandlingStrategy = in.ContentHandlingStrategy
		}
		if in.ResponseParameters != nil {
			ir.ResponseParameters = nonEmptyMap(in.ResponseParameters)
		}
		if in.ResponseTemplates != nil {
			ir.ResponseTemplates = nonEmptyMap(in.ResponseTemplates)
		}
		if in.TemplateSelectionExpression != nil {
			ir.TemplateSelectionExpression = optional(in.TemplateSelectionExpression)
		}
		if err := checkIntegrationResponse(ctx, tx, a, in.IntegrationId, ir); err != nil {
			return err
		}
		if err := putIntegrationResponse(ctx, tx, in.ApiId, in.IntegrationId, ir); err != nil {
			return err
		}
		return s.autoDeploy(ctx, tx, a)
	})
	if err != nil {
		return nil, err
	}
	return (*api.UpdateIntegrationResponseResponse)(ir), nil
}

func (s *Service) DeleteIntegrationResponse(ctx context.Context, in *api.DeleteIntegrationResponseRequest) error {
	return s.st.Update(ctx, func(tx store.Tx) error {
		a, err := loadAPI(ctx, tx, in.ApiId)
		if err != nil {
			return err
		}
		if _, err := loadIntegration(ctx, tx, in.ApiId, in.IntegrationId); err != nil {
			return err
		}
		if _, err := loadIntegrationResponse(ctx, tx, in.ApiId, in.IntegrationId, in.IntegrationResponseId); err != nil {
			return err
		}
		if err := tx.Delete(tIntegrationResponses, key(ctx, in.ApiId, in.IntegrationId, in.IntegrationResponseId)); err != nil {
			return err
		}
		return s.autoDeploy(ctx, tx, a)
	})
}
