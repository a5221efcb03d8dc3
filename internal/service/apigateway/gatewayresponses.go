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

// gwrStored loads the customization of one type, or nil.
func gwrStored(ctx context.Context, tx store.Tx, apiID, typ string) (*api.GatewayResponse, error) {
	r, err := store.GetJSON[api.GatewayResponse](tx, tGatewayResponses, key(ctx, apiID, typ))
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	return r, err
}

// gwrEffective computes what AWS shows (and the data plane answers) for
// every response type of an API, keyed by type.
func gwrEffective(ctx context.Context, tx store.Tx, apiID string) (map[string]*api.GatewayResponse, error) {
	stored, err := store.ScanJSON[api.GatewayResponse](tx, tGatewayResponses, prefix(ctx, apiID))
	if err != nil {
		return nil, err
	}
	custom := map[string]*api.GatewayResponse{}
	for _, r := range stored {
		custom[str(r.ResponseType)] = r
	}
	out := map[string]*api.GatewayResponse{}
	for _, typ := range gwrTypes {
		if c := custom[typ]; c != nil {
			out[typ] = c
			continue
		}
		r := gwrDefault(typ)
		if p := custom[gwrParent(typ)]; p != nil {
			if p.StatusCode != nil {
				r.StatusCode = ptr(*p.StatusCode)
			}
			r.ResponseParameters = gwrCopy(p.ResponseParameters)
			r.ResponseTemplates = gwrCopy(p.ResponseTemplates)
		}
		out[typ] = r
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
