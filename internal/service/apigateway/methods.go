package apigateway

import (
	"context"
	"regexp"
	"slices"
	"strings"

	api "github.com/stagecraft/stagecraft/internal/api/apigateway"
	"github.com/stagecraft/stagecraft/internal/store"
)

// Methods and MethodResponses. A method lives inside its resource's
// record (resourceRecord.Methods, keyed by verb) together with its
// integration, integration responses and method responses, so every
// operation here is one read-modify-write of one resource record.
//
// Evidence used for the wording and the order of checks: the AWS-validated
// LocalStack snapshot tests (test_apigateway_api.py: TestApiGatewayApiMethod,
// TestApigatewayMethodResponse) unless a comment says otherwise. Notably an
// unknown API answers "Invalid Resource identifier specified", not the
// API-identifier 404, for every method-level operation [V].

// methodsVerbs are the verbs a method can be put on.
var methodsVerbs = map[string]bool{
	"GET": true, "PUT": true, "POST": true, "DELETE": true,
	"PATCH": true, "OPTIONS": true, "HEAD": true, "ANY": true,
}

func methodsErrNoMethod() error { return notFound("Invalid Method identifier specified") }
func methodsErrNoStatus() error { return notFound("Invalid Response status code specified") }

// methodsLoad reads the resource record and the method a request names.
// A missing API is a missing resource, as AWS answers it [V].
func methodsLoad(ctx context.Context, tx store.Tx, apiID, resID, verb string) (*resourceRecord, *api.Method, error) {
	rec, err := getResourceRecord(ctx, tx, apiID, resID)
	if err != nil {
		return nil, nil, err
	}
	m, ok := rec.Methods[verb]
	if !ok {
		return rec, nil, methodsErrNoMethod()
	}
	return rec, &m, nil
}

// methodsSave writes m back into rec under verb and stores rec.
func methodsSave(ctx context.Context, tx store.Tx, apiID string, rec *resourceRecord, verb string, m *api.Method) error {
	if rec.Methods == nil {
		rec.Methods = map[string]api.Method{}
	}
	rec.Methods[verb] = *m
	return putResource(ctx, tx, apiID, rec)
}

// methodsParseBool reads a PATCH value as a boolean the way AWS (Java's
// Boolean.parseBoolean) does: "true" in any case is true, anything else
// false. AWS accepts replace /apiKeyRequired "whatever" and stores false [V].
func methodsParseBool(v *string) string {
	if strings.EqualFold(str(v), "true") {
		return "true"
	}
	return "false"
}

// methodsCheckModels verifies every model name in models exists in the
// API. mdlLookup (models.go) also answers the default Empty and Error
// models of an API whose defaults are not materialised yet.
func methodsCheckModels(ctx context.Context, tx store.Tx, apiID string, models map[string]string) error {
	for _, ct := range methodsSortedKeys(models) {
		name := models[ct]
		m, err := mdlLookup(ctx, tx, apiID, name)
		if err != nil {
			return err
		}
		if m == nil {
			return badRequest("Invalid model identifier specified: %s", name)
		}
	}
	return nil
}

// methodsMappingErr is AWS's answer for a malformed parameter key [V: PutMethod].
func methodsMappingErr(expr string) error {
	return badRequest("Invalid mapping expression specified: Validation Result: warnings : [], errors : [Invalid mapping expression specified: %s]", expr)
}

// methodsMappingParamErr is AWS's answer for a mapping that references a
// parameter the method does not declare [C: seen in CloudFormation and
// Terraform output quoting the API Gateway error].
func methodsMappingParamErr(expr string) error {
	return badRequest("Invalid mapping expression specified: Validation Result: warnings : [], errors : [Invalid mapping expression parameter specified: %s]", expr)
}

var methodsRequestParamRE = regexp.MustCompile(`^method\.request\.(path|querystring|header)\.(.+)$`)

// methodsCheckRequestParams validates method request parameter names:
// well-formed, and unique across locations [V].
func methodsCheckRequestParams(params map[string]bool) error {
	seen := map[string]bool{}
	for _, k := range methodsSortedKeys(params) {
		mm := methodsRequestParamRE.FindStringSubmatch(k)
		if mm == nil {
			return methodsMappingErr(k)
		}
		if seen[mm[2]] {
			return badRequest("Parameter names must be unique across querystring, header and path")
		}
		seen[mm[2]] = true
	}
	return nil
}

var methodsResponseParamRE = regexp.MustCompile(`^method\.response\.header\.[^.\s]+$`)

// methodsCheckResponseParams validates method response parameter names,
// which must be method.response.header.{name}. The wording is the one AWS
// uses for malformed method request parameters [?].
func methodsCheckResponseParams(params map[string]bool) error {
	for _, k := range methodsSortedKeys(params) {
		if !methodsResponseParamRE.MatchString(k) {
			return methodsMappingErr(k)
		}
	}
	return nil
}

// methodsFinish validates a method's references and normalises it the way
// AWS shows it: an authorizer only with CUSTOM or COGNITO_USER_POOLS (AWS
// ignores authorizerId otherwise [V: UpdateMethod]), no empty strings, no
// empty maps, apiKeyRequired always present.
func methodsFinish(ctx context.Context, tx store.Tx, apiID string, m *api.Method) error {
	if m.OperationName != nil && *m.OperationName == "" {
		m.OperationName = nil
	}
	if m.RequestValidatorId != nil && *m.RequestValidatorId == "" {
		m.RequestValidatorId = nil
	}
	if m.AuthorizerId != nil && *m.AuthorizerId == "" {
		m.AuthorizerId = nil
	}
	if m.ApiKeyRequired == nil {
		m.ApiKeyRequired = ptr(false)
	}
	switch str(m.AuthorizationType) {
	case "CUSTOM", "COGNITO_USER_POOLS":
		ok := false
		if m.AuthorizerId != nil {
			var err error
			if ok, err = exists(tx, tAuthorizers, key(ctx, apiID, *m.AuthorizerId)); err != nil {
				return err
			}
		}
		if !ok {
			return badRequest("Invalid authorizer ID specified. Setting the authorization type to CUSTOM or COGNITO_USER_POOLS requires a valid authorizer.")
		}
	default:
		m.AuthorizerId = nil
	}
	if m.RequestValidatorId != nil {
		ok, err := exists(tx, tValidators, key(ctx, apiID, *m.RequestValidatorId))
		if err != nil {
			return err
		}
		if !ok {
			return badRequest("Invalid Request Validator identifier specified")
		}
	}
	return methodsCheckModels(ctx, tx, apiID, m.RequestModels)
}

func (s *Service) PutMethod(ctx context.Context, in *api.PutMethodRequest) (*api.Method, error) {
	var out api.Method
	err := s.st.Update(ctx, func(tx store.Tx) error {
		rec, err := getResourceRecord(ctx, tx, in.RestApiId, in.ResourceId)
		if err != nil {
			return err
		}
		if !methodsVerbs[in.HttpMethod] {
			return badRequest("Invalid HttpMethod specified. Valid options are GET,PUT,POST,DELETE,PATCH,OPTIONS,HEAD,ANY")
		}
		if _, ok := rec.Methods[in.HttpMethod]; ok {
			return conflict("Method already exists for this resource")
		}
		if err := methodsCheckRequestParams(in.RequestParameters); err != nil {
			return err
		}
		m := api.Method{
			HttpMethod:          ptr(in.HttpMethod),
			AuthorizationType:   in.AuthorizationType,
			AuthorizerId:        in.AuthorizerId,
			ApiKeyRequired:      in.ApiKeyRequired,
			OperationName:       in.OperationName,
			RequestParameters:   in.RequestParameters,
			RequestModels:       in.RequestModels,
			RequestValidatorId:  in.RequestValidatorId,
			AuthorizationScopes: in.AuthorizationScopes,
		}
		if err := methodsFinish(ctx, tx, in.RestApiId, &m); err != nil {
			return err
		}
		out = m
		return methodsSave(ctx, tx, in.RestApiId, rec, in.HttpMethod, &m)
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

func (s *Service) GetMethod(ctx context.Context, in *api.GetMethodRequest) (*api.Method, error) {
	var out *api.Method
	err := s.st.View(ctx, func(tx store.Tx) (err error) {
		_, out, err = methodsLoad(ctx, tx, in.RestApiId, in.ResourceId, in.HttpMethod)
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func (s *Service) DeleteMethod(ctx context.Context, in *api.DeleteMethodRequest) error {
	return s.st.Update(ctx, func(tx store.Tx) error {
		rec, _, err := methodsLoad(ctx, tx, in.RestApiId, in.ResourceId, in.HttpMethod)
		if err != nil {
			return err
		}
		// The integration and all responses live inside the method and go with it.
		delete(rec.Methods, in.HttpMethod)
		if len(rec.Methods) == 0 {
			rec.Methods = nil
		}
		return putResource(ctx, tx, in.RestApiId, rec)
	})
}

// methodsUpdateRules are UpdateMethod's (op, path) pairs, as AWS documents
// them and LocalStack's AWS-validated tests exercise them.
var methodsUpdateRules = []patchRule{
	{Path: "/authorizationScopes", Ops: "add,remove", Kind: kListValue},
	{Path: "/authorizationType", Ops: "replace", Kind: kString},
	{Path: "/authorizerId", Ops: "replace", Kind: kString},
	{Path: "/apiKeyRequired", Ops: "replace", Kind: kBool},
	{Path: "/operationName", Ops: "replace", Kind: kString},
	{Path: "/requestParameters/*", Ops: "add,remove,replace", Kind: kMapBool},
	{Path: "/requestModels/*", Ops: "add,remove,replace", Kind: kMapString},
	{Path: "/requestValidatorId", Ops: "replace", Kind: kString},
}

// methodsCheckPatchPath answers AWS's errors for an (op, path) the rules do
// not allow. The method family words them differently from the rest of the
// API [V: UpdateMethod, UpdateMethodResponse]: an unknown path gives
// "Invalid patch path /x" (one space, no quotes) and a known path with the
// wrong op gives "Invalid patch operation specified. Must be one of: [replace]".
func methodsCheckPatchPath(rules []patchRule, op, path string) error {
	segs := splitPointer(path)
	for _, s := range segs {
		if s == "" {
			return badRequest("Invalid patch path %s", path)
		}
	}
	if len(segs) == 0 {
		return badRequest("Invalid patch path %s", path)
	}
	var allowed []string
	for _, r := range rules {
		for _, o := range strings.Split(r.Ops, ",") {
			if r.match(o, segs) {
				if o == op {
					return nil
				}
				allowed = append(allowed, o)
			}
		}
	}
	if len(allowed) == 0 {
		return badRequest("Invalid patch path %s", path)
	}
	return badRequest("Invalid patch operation specified. Must be one of: [%s]", strings.Join(allowed, ", "))
}

// methodsPatch applies ops one by one to v under rules. prep sees each op
// after its path was accepted and may check it against the current state
// or rewrite its value; it runs before the op is applied, so later ops see
// the effect of earlier ones. v is a working copy: on error nothing is stored.
func methodsPatch[T any](v *T, ops []api.PatchOperation, rules []patchRule, prep func(op string, segs []string, o *api.PatchOperation) error) error {
	for _, o := range ops {
		op, path := str(o.Op), str(o.Path)
		if err := methodsCheckPatchPath(rules, op, path); err != nil {
			return err
		}
		o := o
		if prep != nil {
			if err := prep(op, splitPointer(path), &o); err != nil {
				return err
			}
		}
		if err := applyPatch(v, []api.PatchOperation{o}, rules, func(op, path string) error {
			return methodsCheckPatchPath(rules, op, path)
		}); err != nil {
			return err
		}
	}
	return nil
}

func (s *Service) UpdateMethod(ctx context.Context, in *api.UpdateMethodRequest) (*api.Method, error) {
	var out api.Method
	err := s.st.Update(ctx, func(tx store.Tx) error {
		rec, m, err := methodsLoad(ctx, tx, in.RestApiId, in.ResourceId, in.HttpMethod)
		if err != nil {
			return err
		}
		nParams, nModels := len(m.RequestParameters), len(m.RequestModels)
		err = methodsPatch(m, in.PatchOperations, methodsUpdateRules, func(op string, segs []string, o *api.PatchOperation) error {
			switch segs[0] {
			case "apiKeyRequired", "requestParameters":
				if op != "remove" {
					o.Value = ptr(methodsParseBool(o.Value))
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
		m.RequestParameters = methodsEmptied(nParams, m.RequestParameters)
		m.RequestModels = methodsEmptied(nModels, m.RequestModels)
		if err := methodsCheckRequestParams(m.RequestParameters); err != nil {
			return err
		}
		if err := methodsFinish(ctx, tx, in.RestApiId, m); err != nil {
			return err
		}
		out = *m
		return methodsSave(ctx, tx, in.RestApiId, rec, in.HttpMethod, m)
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// Method responses.

func (s *Service) PutMethodResponse(ctx context.Context, in *api.PutMethodResponseRequest) (*api.MethodResponse, error) {
	var out api.MethodResponse
	err := s.st.Update(ctx, func(tx store.Tx) error {
		rec, m, err := methodsLoad(ctx, tx, in.RestApiId, in.ResourceId, in.HttpMethod)
		if err != nil {
			return err
		}
		if err := methodsCheckResponseParams(in.ResponseParameters); err != nil {
			return err
		}
		if err := methodsCheckModels(ctx, tx, in.RestApiId, in.ResponseModels); err != nil {
			return err
		}
		// Empty maps are kept: AWS echoes responseModels:{} and
		// responseParameters:{} when they were sent empty [V]. A second put
		// on the same status replaces the response.
		out = api.MethodResponse{
			StatusCode:         ptr(in.StatusCode),
			ResponseParameters: in.ResponseParameters,
			ResponseModels:     in.ResponseModels,
		}
		if m.MethodResponses == nil {
			m.MethodResponses = map[string]api.MethodResponse{}
		}
		m.MethodResponses[in.StatusCode] = out
		return methodsSave(ctx, tx, in.RestApiId, rec, in.HttpMethod, m)
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

func (s *Service) GetMethodResponse(ctx context.Context, in *api.GetMethodResponseRequest) (*api.MethodResponse, error) {
	var out api.MethodResponse
	err := s.st.View(ctx, func(tx store.Tx) error {
		_, m, err := methodsLoad(ctx, tx, in.RestApiId, in.ResourceId, in.HttpMethod)
		if err != nil {
			return err
		}
		mr, ok := m.MethodResponses[in.StatusCode]
		if !ok {
			return methodsErrNoStatus()
		}
		out = mr
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

func (s *Service) DeleteMethodResponse(ctx context.Context, in *api.DeleteMethodResponseRequest) error {
	return s.st.Update(ctx, func(tx store.Tx) error {
		rec, m, err := methodsLoad(ctx, tx, in.RestApiId, in.ResourceId, in.HttpMethod)
		if err != nil {
			return err
		}
		if _, ok := m.MethodResponses[in.StatusCode]; !ok {
			return methodsErrNoStatus()
		}
		delete(m.MethodResponses, in.StatusCode)
		if len(m.MethodResponses) == 0 {
			m.MethodResponses = nil
		}
		return methodsSave(ctx, tx, in.RestApiId, rec, in.HttpMethod, m)
	})
}

var methodsResponseUpdateRules = []patchRule{
	{Path: "/responseParameters/*", Ops: "add,remove,replace", Kind: kMapBool},
	{Path: "/responseModels/*", Ops: "add,remove,replace", Kind: kMapString},
}

// methodsCheckEntry is AWS's 404 for replacing or removing a response map
// entry that does not exist [V: UpdateMethodResponse]. present reports
// whether the entry named by segs exists.
func methodsCheckEntry(op string, segs []string, present func(field, name string) bool) error {
	if op == "add" || len(segs) != 2 || present(segs[0], segs[1]) {
		return nil
	}
	if segs[0] == "responseParameters" {
		return notFound("Invalid parameter name specified")
	}
	return notFound("Content-Type specified was not found")
}

// UpdateMethodResponse answers 201, not 200 (the generated handler knows).
func (s *Service) UpdateMethodResponse(ctx context.Context, in *api.UpdateMethodResponseRequest) (*api.MethodResponse, error) {
	var out api.MethodResponse
	err := s.st.Update(ctx, func(tx store.Tx) error {
		rec, m, err := methodsLoad(ctx, tx, in.RestApiId, in.ResourceId, in.HttpMethod)
		if err != nil {
			return err
		}
		mr, ok := m.MethodResponses[in.StatusCode]
		if !ok {
			return methodsErrNoStatus()
		}
		nParams, nModels := len(mr.ResponseParameters), len(mr.ResponseModels)
		err = methodsPatch(&mr, in.PatchOperations, methodsResponseUpdateRules, func(op string, segs []string, o *api.PatchOperation) error {
			err := methodsCheckEntry(op, segs, func(field, name string) (ok bool) {
				if field == "responseParameters" {
					_, ok = mr.ResponseParameters[name]
				} else {
					_, ok = mr.ResponseModels[name]
				}
				return ok
			})
			if err != nil {
				return err
			}
			if segs[0] == "responseParameters" && op != "remove" {
				o.Value = ptr(methodsParseBool(o.Value))
			}
			return nil
		})
		if err != nil {
			return err
		}
		mr.ResponseParameters = methodsEmptied(nParams, mr.ResponseParameters)
		mr.ResponseModels = methodsEmptied(nModels, mr.ResponseModels)
		if err := methodsCheckResponseParams(mr.ResponseParameters); err != nil {
			return err
		}
		if err := methodsCheckModels(ctx, tx, in.RestApiId, mr.ResponseModels); err != nil {
			return err
		}
		m.MethodResponses[in.StatusCode] = mr
		out = mr
		return methodsSave(ctx, tx, in.RestApiId, rec, in.HttpMethod, m)
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// methodsEmptied drops a map that an update emptied: AWS omits a map
// whose last entry a PATCH removed [V: UpdateMethod, UpdateMethodResponse],
// while a map that was stored empty ({} sent on put) stays {} [V: Get after
// PutMethodResponse]. before is the map's size before the update.
func methodsEmptied[V any](before int, m map[string]V) map[string]V {
	if before > 0 && len(m) == 0 {
		return nil
	}
	return m
}

// methodsSortedKeys returns a map's keys in order, so checks report the
// same offending key every time.
func methodsSortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
