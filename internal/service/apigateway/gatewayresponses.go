package apigateway

import (
	"context"
	"errors"
	"sort"
	"strings"

	api "github.com/stagecraft/stagecraft/internal/api/apigateway"
	"github.com/stagecraft/stagecraft/internal/store"
)

// Gateway responses. Only customized responses are stored (tGatewayResponses,
// apiId/responseType → api.GatewayResponse, complete: statusCode,
// responseParameters and responseTemplates filled in, defaultResponse
// false); the others are computed from AWS's defaults.
//
// Recorded against AWS [V, LocalStack validated snapshots]:
//   - every type starts as defaultResponse:true, responseParameters:{},
//     responseTemplates {"application/json":"{\"message\":$context.error.messageString}"}
//     and the status below (DEFAULT_4XX and DEFAULT_5XX have none);
//   - PutGatewayResponse replaces the customization: members left out fall
//     back to the type's defaults (not to the previous customization);
//   - a customized DEFAULT_4XX / DEFAULT_5XX is inherited by every type of
//     that class that is not customized itself; those keep
//     defaultResponse:true but show DEFAULT_xXX's status, parameters and
//     templates;
//   - DeleteGatewayResponse of a type that is not customized is a 404.

const gwrDefaultTemplate = `{"message":$context.error.messageString}`

// gwrDefaultStatus is the default status code of each response type ("" for
// the two class defaults).
var gwrDefaultStatus = map[string]string{
	"ACCESS_DENIED":                  "403",
	"API_CONFIGURATION_ERROR":        "500",
	"AUTHORIZER_CONFIGURATION_ERROR": "500",
	"AUTHORIZER_FAILURE":             "500",
	"BAD_REQUEST_BODY":               "400",
	"BAD_REQUEST_PARAMETERS":         "400",
	"DEFAULT_4XX":                    "",
	"DEFAULT_5XX":                    "",
	"EXPIRED_TOKEN":                  "403",
	"INTEGRATION_FAILURE":            "504",
	"INTEGRATION_TIMEOUT":            "504",
	"INVALID_API_KEY":                "403",
	"INVALID_SIGNATURE":              "403",
	"MISSING_AUTHENTICATION_TOKEN":   "403",
	"QUOTA_EXCEEDED":                 "429",
	"REQUEST_TOO_LARGE":              "413",
	"RESOURCE_NOT_FOUND":             "404",
	"THROTTLED":                      "429",
	"UNAUTHORIZED":                   "401",
	"UNSUPPORTED_MEDIA_TYPE":         "415",
	"WAF_FILTERED":                   "403",
}

// gwrTypes are the response types in the order GetGatewayResponses lists them.
var gwrTypes = func() []string {
	t := make([]string, 0, len(gwrDefaultStatus))
	for k := range gwrDefaultStatus {
		t = append(t, k)
	}
	sort.Strings(t)
	return t
}()

// gwrParent is the class default a type inherits from.
func gwrParent(typ string) string {
	switch {
	case strings.HasPrefix(typ, "DEFAULT_"):
		return ""
	case strings.HasPrefix(gwrDefaultStatus[typ], "4"):
		return "DEFAULT_4XX"
	default:
		return "DEFAULT_5XX"
	}
}

// GatewayResponseTypes are the gateway response types in the order
// GetGatewayResponses lists them (sorted). The slice is shared: callers must
// not modify it.
func GatewayResponseTypes() []string { return gwrTypes }

// GatewayResponseDefaultStatus is the status code a type shows by default
// ("" for DEFAULT_4XX and DEFAULT_5XX); ok is false for an unknown type.
func GatewayResponseDefaultStatus(typ string) (status string, ok bool) {
	status, ok = gwrDefaultStatus[typ]
	return status, ok
}

// GatewayResponseParent is the class default a type inherits from:
// DEFAULT_4XX or DEFAULT_5XX, "" for those two.
func GatewayResponseParent(typ string) string { return gwrParent(typ) }

// DefaultGatewayResponseTemplate is every type's default application/json
// response template.
const DefaultGatewayResponseTemplate = gwrDefaultTemplate

// gwrDefault is a type's own default response (no inheritance).
func gwrDefault(typ string) *api.GatewayResponse {
	r := &api.GatewayResponse{
		ResponseType:       ptr(typ),
		DefaultResponse:    ptr(true),
		ResponseParameters: map[string]string{},
		ResponseTemplates:  map[string]string{"application/json": gwrDefaultTemplate},
	}
	if st := gwrDefaultStatus[typ]; st != "" {
		r.StatusCode = ptr(st)
	}
	return r
}

// EffectiveGatewayResponse is the response of type typ as it takes effect
// (what GetGatewayResponse shows and the data plane answers), given an
// API's customized responses by type: the customization itself, else the
// type's default with a customized DEFAULT_4XX/DEFAULT_5XX inherited
// (status, parameters and templates; defaultResponse stays true).
//
// custom may also hold every type already resolved, as the snapshots of
// earlier versions do (Snapshot.GatewayResponses): a type present is
// returned as it is. A parent that is present but marked defaultResponse
// (an inherited or default entry of such a snapshot) is not inherited from.
// The maps of the result may be shared with custom's entries.
func EffectiveGatewayResponse(typ string, custom map[string]api.GatewayResponse) api.GatewayResponse {
	if c, ok := custom[typ]; ok {
		return c
	}
	r := gwrDefault(typ)
	if p, ok := custom[gwrParent(typ)]; ok && (p.DefaultResponse == nil || !*p.DefaultResponse) {
		if p.StatusCode != nil {
			r.StatusCode = ptr(*p.StatusCode)
		}
		r.ResponseParameters = gwrCopy(p.ResponseParameters)
		r.ResponseTemplates = gwrCopy(p.ResponseTemplates)
	}
	return *r
}

// gwrStored loads the customization of one type, or nil.
func gwrStored(ctx context.Context, tx store.Tx, apiID, typ string) (*api.GatewayResponse, error) {
	r, err := store.GetJSON[api.GatewayResponse](tx, tGatewayResponses, key(ctx, apiID, typ))
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	return r, err
}

// gwrCustomized loads an API's customized responses by type (nil when there
// is none).
func gwrCustomized(ctx context.Context, tx store.Tx, apiID string) (map[string]api.GatewayResponse, error) {
	stored, err := store.ScanJSON[api.GatewayResponse](tx, tGatewayResponses, prefix(ctx, apiID))
	if err != nil || len(stored) == 0 {
		return nil, err
	}
	custom := make(map[string]api.GatewayResponse, len(stored))
	for _, r := range stored {
		custom[str(r.ResponseType)] = *r
	}
	return custom, nil
}

// gwrEffective computes what AWS shows (and the data plane answers) for
// every response type of an API, keyed by type.
func gwrEffective(ctx context.Context, tx store.Tx, apiID string) (map[string]*api.GatewayResponse, error) {
	custom, err := gwrCustomized(ctx, tx, apiID)
	if err != nil {
		return nil, err
	}
	out := make(map[string]*api.GatewayResponse, len(gwrTypes))
	for _, typ := range gwrTypes {
		r := EffectiveGatewayResponse(typ, custom)
		out[typ] = &r
	}
	return out, nil
}

func gwrCopy(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

func (s *Service) PutGatewayResponse(ctx context.Context, in *api.PutGatewayResponseRequest) (*api.GatewayResponse, error) {
	r := gwrDefault(in.ResponseType)
	r.DefaultResponse = ptr(false)
	if in.StatusCode != nil {
		r.StatusCode = in.StatusCode
	}
	if in.ResponseParameters != nil {
		r.ResponseParameters = in.ResponseParameters
	}
	if in.ResponseTemplates != nil {
		r.ResponseTemplates = in.ResponseTemplates
	}
	err := s.st.Update(ctx, func(tx store.Tx) error {
		if err := requireAPI(ctx, tx, in.RestApiId); err != nil { // [V] 404
			return err
		}
		return store.PutJSON(tx, tGatewayResponses, key(ctx, in.RestApiId, in.ResponseType), r)
	})
	if err != nil {
		return nil, err
	}
	return r, nil
}

func (s *Service) GetGatewayResponse(ctx context.Context, in *api.GetGatewayResponseRequest) (*api.GatewayResponse, error) {
	var out *api.GatewayResponse
	err := s.st.View(ctx, func(tx store.Tx) error {
		if err := requireAPI(ctx, tx, in.RestApiId); err != nil { // [V] 404
			return err
		}
		all, err := gwrEffective(ctx, tx, in.RestApiId)
		if err != nil {
			return err
		}
		out = all[in.ResponseType]
		return nil
	})
	return out, err
}

func (s *Service) GetGatewayResponses(ctx context.Context, in *api.GetGatewayResponsesRequest) (*api.GatewayResponses, error) {
	var all map[string]*api.GatewayResponse
	err := s.st.View(ctx, func(tx store.Tx) (err error) {
		if err := requireAPI(ctx, tx, in.RestApiId); err != nil { // [V] 404
			return err
		}
		all, err = gwrEffective(ctx, tx, in.RestApiId)
		return err
	})
	if err != nil {
		return nil, err
	}
	list := make([]*api.GatewayResponse, 0, len(gwrTypes))
	for _, typ := range gwrTypes {
		list = append(list, all[typ])
	}
	items, next, err := page(list, func(r *api.GatewayResponse) string { return str(r.ResponseType) }, in.Position, in.Limit)
	if err != nil {
		return nil, err
	}
	out := &api.GatewayResponses{Position: next, Items: []api.GatewayResponse{}}
	for _, r := range items {
		out.Items = append(out.Items, *r)
	}
	return out, nil
}

func (s *Service) UpdateGatewayResponse(ctx context.Context, in *api.UpdateGatewayResponseRequest) (*api.GatewayResponse, error) {
	var out *api.GatewayResponse
	err := s.st.Update(ctx, func(tx store.Tx) error {
		if err := requireAPI(ctx, tx, in.RestApiId); err != nil { // [V] 404
			return err
		}
		r, err := gwrStored(ctx, tx, in.RestApiId, in.ResponseType)
		if err != nil {
			return err
		}
		if r == nil {
			// [V] updating a response that is not customized starts from the
			// type's defaults and customizes it.
			r = gwrDefault(in.ResponseType)
		}
		r.DefaultResponse = ptr(false)
		if r.ResponseParameters == nil {
			r.ResponseParameters = map[string]string{}
		}
		if r.ResponseTemplates == nil {
			r.ResponseTemplates = map[string]string{}
		}
		for _, o := range in.PatchOperations {
			if err := gwrApply(r, o); err != nil {
				return err
			}
		}
		out = r
		return store.PutJSON(tx, tGatewayResponses, key(ctx, in.RestApiId, in.ResponseType), r)
	})
	return out, err
}

// gwrApply applies one patch operation [V: all the error texts below]:
// replace on /statusCode; add, replace and remove on
// /responseParameters/{name} and /responseTemplates/{contentType}.
func gwrApply(r *api.GatewayResponse, o api.PatchOperation) error {
	op := str(o.Op)
	if o.Path == nil {
		return badRequest("Invalid patch path null")
	}
	path := *o.Path
	if path == "/statusCode" {
		if op != "replace" {
			return badRequest("Invalid patch path %s", path)
		}
		if str(o.Value) == "" {
			return badRequest("Invalid null or empty value in statusCode") // [?]
		}
		r.StatusCode = ptr(str(o.Value))
		return nil
	}
	var m map[string]string
	var field string
	switch {
	case strings.HasPrefix(path, "/responseParameters/"):
		m, field = r.ResponseParameters, "responseParameters"
	case strings.HasPrefix(path, "/responseTemplates/"):
		m, field = r.ResponseTemplates, "responseTemplates"
	default:
		return badRequest("Invalid patch path %s", path)
	}
	name := unescapePointer(path[len(field)+2:])
	if name == "" {
		return badRequest("Invalid patch path %s", path)
	}
	switch op {
	case "add", "replace":
		if op == "replace" {
			if _, ok := m[name]; !ok {
				return notFound("Invalid parameter name specified")
			}
		}
		if o.Value == nil {
			return badRequest("Invalid null or empty value in %s", field)
		}
		m[name] = *o.Value
	case "remove":
		delete(m, name)
	default:
		return badRequest("Invalid patch path %s", path)
	}
	return nil
}

func (s *Service) DeleteGatewayResponse(ctx context.Context, in *api.DeleteGatewayResponseRequest) error {
	return s.st.Update(ctx, func(tx store.Tx) error {
		if err := requireAPI(ctx, tx, in.RestApiId); err != nil { // [V] 404
			return err
		}
		k := key(ctx, in.RestApiId, in.ResponseType)
		there, err := exists(tx, tGatewayResponses, k)
		if err != nil {
			return err
		}
		if !there {
			return notFound("Gateway response type not defined on api") // [V]
		}
		return tx.Delete(tGatewayResponses, k)
	})
}
