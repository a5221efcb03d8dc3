package apigateway

import (
	"context"
	"sort"
	"strings"

	api "github.com/stagecraft/stagecraft/internal/api/apigateway"
	"github.com/stagecraft/stagecraft/internal/ids"
	"github.com/stagecraft/stagecraft/internal/store"
)

// Request validators: stored in tValidators under apiId/validatorId as
// api.RequestValidator, both flags always present.

func errNoValidator() error { return notFound("Invalid Request Validator identifier specified") } // [V]

func (s *Service) CreateRequestValidator(ctx context.Context, in *api.CreateRequestValidatorRequest) (*api.RequestValidator, error) {
	var out *api.RequestValidator
	err := s.st.Update(ctx, func(tx store.Tx) error {
		// [V] an unknown API is a 400 here, with its own wording.
		if _, err := get[api.RestApi](tx, tRestAPIs, key(ctx, in.RestApiId), badRequest("Invalid REST API identifier specified")); err != nil {
			return err
		}
		// [?] the model leaves name optional; AWS refuses a blank name on
		// update with this text [V], and the same rule is applied on create.
		if strings.TrimSpace(str(in.Name)) == "" {
			return badRequest("Request Validator name cannot be blank")
		}
		v := &api.RequestValidator{
			Id:                        ptr(ids.Lower(6)),
			Name:                      in.Name,
			ValidateRequestBody:       ptr(boolv(in.ValidateRequestBody)),
			ValidateRequestParameters: ptr(boolv(in.ValidateRequestParameters)),
		}
		out = v
		return store.PutJSON(tx, tValidators, key(ctx, in.RestApiId, *v.Id), v)
	})
	return out, err
}

func (s *Service) GetRequestValidator(ctx context.Context, in *api.GetRequestValidatorRequest) (*api.RequestValidator, error) {
	var out *api.RequestValidator
	err := s.st.View(ctx, func(tx store.Tx) (err error) {
		// [V] an unknown API answers like an unknown validator.
		out, err = get[api.RequestValidator](tx, tValidators, key(ctx, in.RestApiId, in.RequestValidatorId), errNoValidator())
		return err
	})
	return out, err
}

func (s *Service) GetRequestValidators(ctx context.Context, in *api.GetRequestValidatorsRequest) (*api.RequestValidators, error) {
	var all []*api.RequestValidator
	err := s.st.View(ctx, func(tx store.Tx) error {
		if err := requireAPI(ctx, tx, in.RestApiId); err != nil {
			return err
		}
		var err error
		all, err = store.ScanJSON[api.RequestValidator](tx, tValidators, prefix(ctx, in.RestApiId))
		return err
	})
	if err != nil {
		return nil, err
	}
	sort.Slice(all, func(i, j int) bool { return str(all[i].Id) < str(all[j].Id) })
	items, next, err := page(all, func(v *api.RequestValidator) string { return str(v.Id) }, in.Position, in.Limit)
	if err != nil {
		return nil, err
	}
	out := &api.RequestValidators{Position: next, Items: []api.RequestValidator{}}
	for _, v := range items {
		out.Items = append(out.Items, *v)
	}
	return out, nil
}

func (s *Service) UpdateRequestValidator(ctx context.Context, in *api.UpdateRequestValidatorRequest) (*api.RequestValidator, error) {
	var out *api.RequestValidator
	err := s.st.Update(ctx, func(tx store.Tx) error {
		k := key(ctx, in.RestApiId, in.RequestValidatorId)
		v, err := get[api.RequestValidator](tx, tValidators, k, errNoValidator())
		if err != nil {
			return err
		}
		for _, o := range in.PatchOperations {
			op, path, val := str(o.Op), str(o.Path), str(o.Value)
			// [V] all three refusals, in this order.
			if op != "replace" {
				return badRequest("Invalid patch path  '%s' specified for op '%s'. Please choose supported operations", path, op)
			}
			switch path {
			case "/name":
				if strings.TrimSpace(val) == "" {
					return badRequest("Request Validator name cannot be blank")
				}
				v.Name = ptr(val)
			case "/validateRequestBody":
				// [V] anything but "true" (including no value) is false.
				v.ValidateRequestBody = ptr(strings.EqualFold(val, "true"))
			case "/validateRequestParameters":
				v.ValidateRequestParameters = ptr(strings.EqualFold(val, "true"))
			default:
				return badRequest("Invalid patch path  '%s' specified for op 'replace'. Must be one of: [/name, /validateRequestParameters, /validateRequestBody]", path)
			}
		}
		out = v
		return store.PutJSON(tx, tValidators, k, v)
	})
	return out, err
}

func (s *Service) DeleteRequestValidator(ctx context.Context, in *api.DeleteRequestValidatorRequest) error {
	return s.st.Update(ctx, func(tx store.Tx) error {
		k := key(ctx, in.RestApiId, in.RequestValidatorId)
		// [V] an unknown API answers like an unknown validator.
		if _, err := get[api.RequestValidator](tx, tValidators, k, errNoValidator()); err != nil {
			return err
		}
		return tx.Delete(tValidators, k)
	})
}
