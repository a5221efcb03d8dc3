package apigateway

import (
	"context"
	"net/url"
	"regexp"
	"strings"

	api "github.com/stagecraft/stagecraft/internal/api/apigateway"
	"github.com/stagecraft/stagecraft/internal/store"
)

// Integrations and IntegrationResponses. The integration is stored inside
// its method (api.Method.MethodIntegration) and its responses inside the
// integration (Integration.IntegrationResponses), in the resource record;
// CreateDeployment snapshots exactly that.
//
// Which 404 a missing piece gives depends on the operation; the choices
// below follow AWS-validated LocalStack snapshots where they exist:
//   - GetIntegration, PutIntegration, PutIntegrationResponse,
//     GetIntegrationResponse: a missing method is "Invalid Method identifier
//     specified" [V].
//   - DeleteIntegrationResponse: a missing method or integration is "Invalid
//     Integration identifier specified" [V]; DeleteIntegration and
//     UpdateIntegration answer the same way [L].
//   - PutIntegrationResponse without an integration: "No integration defined
//     for method" [C: Terraform users quoting AWS].

func integrationsErrNone() error { return notFound("Invalid Integration identifier specified") }

const (
	integrationsDefaultTimeout = 29000
	integrationsMinTimeout     = 50
)

// integrationsErrTimeout is AWS's answer for a timeout outside 50..29000 ms
// [C: CloudFormation output quoting API Gateway]. Accounts can have the
// upper bound raised; Stagecraft keeps AWS's default quota.
func integrationsErrTimeout() error {
	return badRequest("Timeout should be between 50 ms and %d ms", integrationsDefaultTimeout)
}

var integrationsStageVarRE = regexp.MustCompile(`\$\{stageVariables\.[^}]*\}`)

// integrationsHTTPURI reports whether uri is a usable HTTP(S) endpoint.
// Stage variables may stand for any part of it, the host included, so each
// ${stageVariables.x} is replaced by a placeholder before parsing.
func integrationsHTTPURI(uri string) bool {
	u, err := url.Parse(integrationsStageVarRE.ReplaceAllString(uri, "stagevar"))
	if err != nil {
		return false
	}
	scheme := strings.ToLower(u.Scheme)
	return (scheme == "http" || scheme == "https") && u.Host != ""
}

// integrationsCheck validates an integration as PutIntegration and
// UpdateIntegration must [V unless noted].
func integrationsCheck(in *api.Integration) error {
	switch str(in.Type) {
	case "HTTP", "HTTP_PROXY":
		if str(in.HttpMethod) == "" {
			return badRequest("Enumeration value for HttpMethod must be non-empty")
		}
		if !integrationsHTTPURI(str(in.Uri)) {
			return badRequest("Invalid HTTP endpoint specified for URI")
		}
	case "AWS", "AWS_PROXY":
		if str(in.HttpMethod) == "" {
			return badRequest("Enumeration value for HttpMethod must be non-empty")
		}
		// arn:{partition}:apigateway:{region}:{service}:{path|action}/...
		parts := strings.SplitN(str(in.Uri), ":", 6)
		if len(parts) != 6 || parts[0] != "arn" || parts[1] == "" || parts[2] == "" {
			return badRequest("Invalid ARN specified in the request")
		}
		res := parts[5]
		if !strings.HasPrefix(res, "path") && !strings.HasPrefix(res, "action") {
			return badRequest("AWS ARN for integration must contain path or action")
		}
		// Despite the wording, only Lambda works for AWS_PROXY [L: validated
		// LocalStack parity notes that Firehose is not actually accepted].
		if str(in.Type) == "AWS_PROXY" && (parts[4] != "lambda" || !strings.HasPrefix(res, "path/2015-03-31/functions/")) {
			return badRequest("Integrations of type 'AWS_PROXY' currently only supports Lambda function and Firehose stream invocations.")
		}
	}
	if t := in.TimeoutInMillis; t != nil && (*t < integrationsMinTimeout || *t > integrationsDefaultTimeout) {
		return integrationsErrTimeout()
	}
	return nil
}

var (
	integrationsTargetRE = regexp.MustCompile(`^integration\.request\.(path|querystring|header|multivaluequerystring|multivalueheader)\.[^\s]+$`)
	integrationsSourceRE = regexp.MustCompile(`^method\.request\.(path|querystring|header)\.(.+)$`)
)

// integrationsCheckRequestParams validates integration request parameter
// mappings against the method: each target must be an integration request
// location, and a source naming a method request parameter must name one
// the method declares (the classic "{proxy+} needs
// method.request.path.proxy on the method") [C].
func integrationsCheckRequestParams(params map[string]string, m *api.Method) error {
	for _, k := range methodsSortedKeys(params) {
		if !integrationsTargetRE.MatchString(k) {
			return methodsMappingErr(k)
		}
		src := params[k]
		if integrationsSourceRE.MatchString(src) {
			if _, ok := m.RequestParameters[src]; !ok {
				return methodsMappingParamErr(src)
			}
		}
	}
	return nil
}

// integrationsFinish applies the defaults AWS echoes and drops empty
// values. cacheNamespace defaults to the resource id and
// cacheKeyParameters is always present, possibly empty [V]. connectionType
// INTERNET is filled in for the HTTP types, as the AWS developer guide's
// put-integration output shows [D]; for the other types AWS's own output
// (LocalStack snapshots) has no connectionType unless one was sent.
func integrationsFinish(in *api.Integration, resourceID string) {
	if in.PassthroughBehavior == nil {
		in.PassthroughBehavior = ptr("WHEN_NO_MATCH")
	}
	if in.TimeoutInMillis == nil {
		in.TimeoutInMillis = ptr(int32(integrationsDefaultTimeout))
	}
	if in.CacheNamespace == nil || *in.CacheNamespace == "" {
		in.CacheNamespace = ptr(resourceID)
	}
	if in.CacheKeyParameters == nil {
		in.CacheKeyParameters = []string{}
	}
	switch str(in.Type) {
	case "HTTP", "HTTP_PROXY":
		if in.ConnectionType == nil || *in.ConnectionType == "" {
			in.ConnectionType = ptr("INTERNET")
		}
	}
	for _, p := range []**string{&in.Credentials, &in.ContentHandling, &in.ConnectionId, &in.Uri, &in.HttpMethod} {
		if *p != nil && **p == "" {
			*p = nil
		}
	}
}

func (s *Service) PutIntegration(ctx context.Context, in *api.PutIntegrationRequest) (*api.Integration, error) {
	integ := api.Integration{
		Type:                 in.Type,
		HttpMethod:           in.IntegrationHttpMethod,
		Uri:                  in.Uri,
		ConnectionType:       in.ConnectionType,
		ConnectionId:         in.ConnectionId,
		Credentials:          in.Credentials,
		RequestParameters:    in.RequestParameters,
		RequestTemplates:     in.RequestTemplates,
		PassthroughBehavior:  in.PassthroughBehavior,
		CacheNamespace:       in.CacheNamespace,
		CacheKeyParameters:   in.CacheKeyParameters,
		ContentHandling:      in.ContentHandling,
		TimeoutInMillis:      in.TimeoutInMillis,
		TlsConfig:            in.TlsConfig,
		ResponseTransferMode: in.ResponseTransferMode,
		IntegrationTarget:    in.IntegrationTarget,
	}
	// The request is checked before the method is looked up, as AWS does
	// for the type-specific checks [L].
	if err := integrationsCheck(&integ); err != nil {
		return nil, err
	}
	if str(integ.Type) == "MOCK" {
		// A MOCK integration has no endpoint; AWS does not echo a uri for it [L].
		integ.Uri = nil
	}
	err := s.st.Update(ctx, func(tx store.Tx) error {
		rec, m, err := methodsLoad(ctx, tx, in.RestApiId, in.ResourceId, in.HttpMethod)
		if err != nil {
			return err
		}
		if err := integrationsCheckRequestParams(integ.RequestParameters, m); err != nil {
			return err
		}
		integrationsFinish(&integ, in.ResourceId)
		// A second put replaces the integration as a whole, its responses
		// included [?: moto and LocalStack do this; AWS is unconfirmed].
		m.MethodIntegration = &integ
		return methodsSave(ctx, tx, in.RestApiId, rec, in.HttpMethod, m)
	})
	if err != nil {
		return nil, err
	}
	return &integ, nil
}

func (s *Service) GetIntegration(ctx context.Context, in *api.GetIntegrationRequest) (*api.Integration, error) {
	var out *api.Integration
	err := s.st.View(ctx, func(tx store.Tx) error {
		_, m, err := methodsLoad(ctx, tx, in.RestApiId, in.ResourceId, in.HttpMethod)
		if err != nil {
			return err
		}
		if m.MethodIntegration == nil {
			return integrationsErrNone()
		}
		out = m.MethodIntegration
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// integrationsLoad reads the method and its integration, answering
// "Invalid Integration identifier specified" for a missing method too.
func integrationsLoad(ctx context.Context, tx store.Tx, apiID, resID, verb string) (*resourceRecord, *api.Method, error) {
	rec, m, err := methodsLoad(ctx, tx, apiID, resID, verb)
	if rec == nil {
		return nil, nil, err
	}
	if m == nil || m.MethodIntegration == nil {
		return nil, nil, integrationsErrNone()
	}
	return rec, m, nil
}

func (s *Service) DeleteIntegration(ctx context.Context, in *api.DeleteIntegrationRequest) error {
	return s.st.Update(ctx, func(tx store.Tx) error {
		rec, m, err := integrationsLoad(ctx, tx, in.RestApiId, in.ResourceId, in.HttpMethod)
		if err != nil {
			return err
		}
		// The integration responses live inside the integration and go with it.
		m.MethodIntegration = nil
		return methodsSave(ctx, tx, in.RestApiId, rec, in.HttpMethod, m)
	})
}

// integrationsUpdateRules are UpdateIntegration's (op, path) pairs as the
// API reference's patch-operation table lists them (and as Terraform's
// aws_api_gateway_integration sends them). /type is not updatable.
var integrationsUpdateRules = []patchRule{
	{Path: "/uri", Ops: "replace", Kind: kString},
	{Path: "/httpMethod", Ops: "replace", Kind: kString},
	{Path: "/credentials", Ops: "replace", Kind: kString},
	{Path: "/passthroughBehavior", Ops: "replace", Kind: kString},
	{Path: "/contentHandling", Ops: "replace", Kind: kString},
	{Path: "/timeoutInMillis", Ops: "replace", Kind: kInt},
	{Path: "/connectionType", Ops: "replace", Kind: kString},
	{Path: "/connectionId", Ops: "replace", Kind: kString},
	{Path: "/cacheNamespace", Ops: "replace", Kind: kString},
	{Path: "/cacheKeyParameters/*", Ops: "add,remove", Kind: kListInPath},
	{Path: "/requestParameters/*", Ops: "add,remove,replace", Kind: kMapString},
	{Path: "/requestTemplates/*", Ops: "add,remove,replace", Kind: kMapString},
	{Path: "/tlsConfig/insecureSkipVerification", Ops: "replace", Kind: kBool},
}

// UpdateIntegration's unsupported paths are worded like UpdateMethod's
// ("Invalid patch path /x"), the wording AWS uses across the method family
// [V for Method and MethodResponse; assumed for Integration].
func (s *Service) UpdateIntegration(ctx context.Context, in *api.UpdateIntegrationRequest) (*api.Integration, error) {
	var out api.Integration
	err := s.st.Update(ctx, func(tx store.Tx) error {
		rec, m, err := integrationsLoad(ctx, tx, in.RestApiId, in.ResourceId, in.HttpMethod)
		if err != nil {
			return err
		}
		integ := *m.MethodIntegration
		nParams, nTemplates := len(integ.RequestParameters), len(integ.RequestTemplates)
		err = methodsPatch(&integ, in.PatchOperations, integrationsUpdateRules, func(op string, segs []string, o *api.PatchOperation) error {
			switch segs[0] {
			case "tlsConfig":
				o.Value = ptr(methodsParseBool(o.Value))
			case "timeoutInMillis":
				n, err := parseValue(kInt, o.Value)
				if err != nil || n.(int64) < integrationsMinTimeout || n.(int64) > integrationsDefaultTimeout {
					return integrationsErrTimeout()
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
		integ.RequestParameters = methodsEmptied(nParams, integ.RequestParameters)
		integ.RequestTemplates = methodsEmptied(nTemplates, integ.RequestTemplates)
		if err := integrationsCheck(&integ); err != nil {
			return err
		}
		if err := integrationsCheckRequestParams(integ.RequestParameters, m); err != nil {
			return err
		}
		integrationsFinish(&integ, in.ResourceId)
		m.MethodIntegration = &integ
		out = integ
		return methodsSave(ctx, tx, in.RestApiId, rec, in.HttpMethod, m)
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// Integration responses.

var integrationsResponseParamRE = regexp.MustCompile(`^method\.response\.header\.[^.\s]+$`)

// integrationsCheckResponseParams validates an integration response's
// header mappings: each target must be a header the method response with
// the same status code declares [C: "Invalid mapping expression parameter
// specified: method.response.header.X" when it does not].
func integrationsCheckResponseParams(params map[string]string, m *api.Method, status string) error {
	declared := m.MethodResponses[status].ResponseParameters
	for _, k := range methodsSortedKeys(params) {
		if !integrationsResponseParamRE.MatchString(k) {
			return methodsMappingErr(k)
		}
		if _, ok := declared[k]; !ok {
			return methodsMappingParamErr(k)
		}
	}
	return nil
}

func (s *Service) PutIntegrationResponse(ctx context.Context, in *api.PutIntegrationResponseRequest) (*api.IntegrationResponse, error) {
	var out api.IntegrationResponse
	err := s.st.Update(ctx, func(tx store.Tx) error {
		rec, m, err := methodsLoad(ctx, tx, in.RestApiId, in.ResourceId, in.HttpMethod)
		if err != nil {
			return err
		}
		if m.MethodIntegration == nil {
			return notFound("No integration defined for method")
		}
		if err := integrationsCheckResponseParams(in.ResponseParameters, m, in.StatusCode); err != nil {
			return err
		}
		// Echoed as sent, selectionPattern "" included [V]. A second put on
		// the same status replaces the response [V].
		out = api.IntegrationResponse{
			StatusCode:         ptr(in.StatusCode),
			SelectionPattern:   in.SelectionPattern,
			ResponseParameters: in.ResponseParameters,
			ResponseTemplates:  in.ResponseTemplates,
			ContentHandling:    in.ContentHandling,
		}
		integ := *m.MethodIntegration
		irs := make(map[string]api.IntegrationResponse, len(integ.IntegrationResponses)+1)
		for k, v := range integ.IntegrationResponses {
			irs[k] = v
		}
		irs[in.StatusCode] = out
		integ.IntegrationResponses = irs
		m.MethodIntegration = &integ
		return methodsSave(ctx, tx, in.RestApiId, rec, in.HttpMethod, m)
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

func (s *Service) GetIntegrationResponse(ctx context.Context, in *api.GetIntegrationResponseRequest) (*api.IntegrationResponse, error) {
	var out api.IntegrationResponse
	err := s.st.View(ctx, func(tx store.Tx) error {
		_, m, err := methodsLoad(ctx, tx, in.RestApiId, in.ResourceId, in.HttpMethod)
		if err != nil {
			return err
		}
		if m.MethodIntegration == nil {
			return integrationsErrNone()
		}
		ir, ok := m.MethodIntegration.IntegrationResponses[in.StatusCode]
		if !ok {
			return methodsErrNoStatus()
		}
		out = ir
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

func (s *Service) DeleteIntegrationResponse(ctx context.Context, in *api.DeleteIntegrationResponseRequest) error {
	return s.st.Update(ctx, func(tx store.Tx) error {
		rec, m, err := integrationsLoad(ctx, tx, in.RestApiId, in.ResourceId, in.HttpMethod)
		if err != nil {
			return err
		}
		integ := *m.MethodIntegration
		if _, ok := integ.IntegrationResponses[in.StatusCode]; !ok {
			return methodsErrNoStatus()
		}
		irs := map[string]api.IntegrationResponse{}
		for k, v := range integ.IntegrationResponses {
			if k != in.StatusCode {
				irs[k] = v
			}
		}
		if len(irs) == 0 {
			irs = nil
		}
		integ.IntegrationResponses = irs
		m.MethodIntegration = &integ
		return methodsSave(ctx, tx, in.RestApiId, rec, in.HttpMethod, m)
	})
}

var integrationsResponseUpdateRules = []patchRule{
	{Path: "/selectionPattern", Ops: "replace", Kind: kString},
	{Path: "/contentHandling", Ops: "replace", Kind: kString},
	{Path: "/responseParameters/*", Ops: "add,remove,replace", Kind: kMapString},
	{Path: "/responseTemplates/*", Ops: "add,remove,replace", Kind: kMapString},
}

func (s *Service) UpdateIntegrationResponse(ctx context.Context, in *api.UpdateIntegrationResponseRequest) (*api.IntegrationResponse, error) {
	var out api.IntegrationResponse
	err := s.st.Update(ctx, func(tx store.Tx) error {
		rec, m, err := methodsLoad(ctx, tx, in.RestApiId, in.ResourceId, in.HttpMethod)
		if err != nil {
			return err
		}
		if m.MethodIntegration == nil {
			return integrationsErrNone()
		}
		integ := *m.MethodIntegration
		ir, ok := integ.IntegrationResponses[in.StatusCode]
		if !ok {
			return methodsErrNoStatus()
		}
		nParams, nTemplates := len(ir.ResponseParameters), len(ir.ResponseTemplates)
		// Replacing or removing a missing entry is a 404, as for method
		// responses [V there; assumed here].
		err = methodsPatch(&ir, in.PatchOperations, integrationsResponseUpdateRules, func(op string, segs []string, o *api.PatchOperation) error {
			return methodsCheckEntry(op, segs, func(field, name string) (ok bool) {
				switch field {
				case "responseParameters":
					_, ok = ir.ResponseParameters[name]
				case "responseTemplates":
					_, ok = ir.ResponseTemplates[name]
				default:
					ok = true
				}
				return ok
			})
		})
		if err != nil {
			return err
		}
		ir.ResponseParameters = methodsEmptied(nParams, ir.ResponseParameters)
		ir.ResponseTemplates = methodsEmptied(nTemplates, ir.ResponseTemplates)
		if ir.ContentHandling != nil && *ir.ContentHandling == "" {
			ir.ContentHandling = nil
		}
		if err := integrationsCheckResponseParams(ir.ResponseParameters, m, in.StatusCode); err != nil {
			return err
		}
		irs := make(map[string]api.IntegrationResponse, len(integ.IntegrationResponses))
		for k, v := range integ.IntegrationResponses {
			irs[k] = v
		}
		irs[in.StatusCode] = ir
		integ.IntegrationResponses = irs
		m.MethodIntegration = &integ
		out = ir
		return methodsSave(ctx, tx, in.RestApiId, rec, in.HttpMethod, m)
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}
