package apigateway

import (
	"context"

	api "github.com/stagecraft/stagecraft/internal/api/apigateway"
	"github.com/stagecraft/stagecraft/internal/ids"
	"github.com/stagecraft/stagecraft/internal/store"
)

// RestApi: create, get, list, update, delete.

const maxCompression = 10485760

func (s *Service) CreateRestApi(ctx context.Context, in *api.CreateRestApiRequest) (*api.RestApi, error) {
	if in.Description != nil && *in.Description == "" {
		return nil, badRequest("Description cannot be an empty string")
	}
	if in.MinimumCompressionSize != nil && (*in.MinimumCompressionSize < 0 || *in.MinimumCompressionSize > maxCompression) {
		return nil, badRequest("Invalid minimum compression size, must be between 0 and %d", maxCompression)
	}
	if err := validateTags(in.Tags); err != nil {
		return nil, err
	}
	ra := &api.RestApi{
		Id:                        ptr(ids.Lower(10)),
		Name:                      in.Name,
		Description:               in.Description,
		Version:                   in.Version,
		CreatedDate:               s.now(),
		BinaryMediaTypes:          in.BinaryMediaTypes,
		MinimumCompressionSize:    in.MinimumCompressionSize,
		ApiKeySource:              in.ApiKeySource,
		EndpointConfiguration:     in.EndpointConfiguration,
		Policy:                    in.Policy,
		Tags:                      in.Tags,
		DisableExecuteApiEndpoint: in.DisableExecuteApiEndpoint,
		SecurityPolicy:            in.SecurityPolicy,
		EndpointAccessMode:        in.EndpointAccessMode,
	}
	if ra.ApiKeySource == nil {
		ra.ApiKeySource = ptr("HEADER")
	}
	if ra.DisableExecuteApiEndpoint == nil {
		ra.DisableExecuteApiEndpoint = ptr(false)
	}
	if ra.EndpointConfiguration == nil {
		ra.EndpointConfiguration = &api.EndpointConfiguration{}
	}
	if len(ra.EndpointConfiguration.Types) == 0 {
		ra.EndpointConfiguration.Types = []string{"EDGE"}
	}
	if ra.EndpointConfiguration.IpAddressType == nil {
		ra.EndpointConfiguration.IpAddressType = ptr("ipv4")
	}
	err := s.st.Update(ctx, func(tx store.Tx) error {
		root := &resourceRecord{ID: ids.Lower(10)}
		if in.CloneFrom != nil {
			src, err := restAPI(ctx, tx, *in.CloneFrom)
			if err != nil {
				return err
			}
			newRoot, err := cloneAPIContent(ctx, tx, *src.Id, *ra.Id)
			if err != nil {
				return err
			}
			ra.RootResourceId = &newRoot
			if ra.BinaryMediaTypes == nil {
				ra.BinaryMediaTypes = src.BinaryMediaTypes
			}
		} else {
			ra.RootResourceId = &root.ID
			if err := putResource(ctx, tx, *ra.Id, root); err != nil {
				return err
			}
		}
		// Every new REST API has the Empty and Error models (a clone
		// already copied the source's models, defaults included).
		if in.CloneFrom == nil {
			if err := mdlEnsureDefaults(ctx, tx, *ra.Id); err != nil {
				return err
			}
		} else if err := mdlSkipDefaults(ctx, tx, *ra.Id); err != nil {
			return err
		}
		return store.PutJSON(tx, tRestAPIs, key(ctx, *ra.Id), ra)
	})
	if err != nil {
		return nil, err
	}
	return ra, nil
}

// cloneAPIContent copies the resource tree (with methods) and the models of
// one API into another, with fresh resource ids, and returns the new root id.
func cloneAPIContent(ctx context.Context, tx store.Tx, from, to string) (string, error) {
	recs, err := store.ScanJSON[resourceRecord](tx, tResources, prefix(ctx, from))
	if err != nil {
		return "", err
	}
	newID := map[string]string{}
	for _, r := range recs {
		if r.ParentID == "" {
			newID[r.ID] = ids.Lower(10)
		} else {
			newID[r.ID] = ids.Lower(6)
		}
	}
	root := ""
	for _, r := range recs {
		r.ID = newID[r.ID]
		if r.ParentID != "" {
			r.ParentID = newID[r.ParentID]
		} else {
			root = r.ID
		}
		if err := putResource(ctx, tx, to, r); err != nil {
			return "", err
		}
	}
	var copyErr error
	err = tx.Scan(tModels, prefix(ctx, from), func(k string, v []byte) bool {
		copyErr = tx.Put(tModels, prefix(ctx, to)+k[len(prefix(ctx, from)):], append([]byte(nil), v...))
		return copyErr == nil
	})
	if err == nil {
		err = copyErr
	}
	return root, err
}

func (s *Service) GetRestApi(ctx context.Context, in *api.GetRestApiRequest) (*api.RestApi, error) {
	var out *api.RestApi
	err := s.st.View(ctx, func(tx store.Tx) (err error) {
		out, err = restAPI(ctx, tx, in.RestApiId)
		return err
	})
	return out, err
}

func (s *Service) GetRestApis(ctx context.Context, in *api.GetRestApisRequest) (*api.RestApis, error) {
	out := &api.RestApis{Items: []api.RestApi{}}
	err := s.st.View(ctx, func(tx store.Tx) error {
		items, next, err := scanPage[api.RestApi](tx, tRestAPIs, prefix(ctx), in.Position, in.Limit)
		for _, r := range items {
			out.Items = append(out.Items, *r)
		}
		out.Position = next
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

var restAPIPatch = []patchRule{
	{"/name", "replace", kString},
	{"/description", "replace", kString},
	{"/version", "replace", kString},
	{"/policy", "replace", kString},
	{"/apiKeySource", "replace", kString},
	{"/minimumCompressionSize", "replace,remove", kInt},
	{"/binaryMediaTypes/*", "add,remove,replace", kListInPath},
	{"/endpointConfiguration/types/*", "replace", kListInPath},
	{"/endpointConfiguration/ipAddressType", "replace", kString},
	{"/endpointConfiguration/vpcEndpointIds", "add,remove,replace", kListValue},
	{"/disableExecuteApiEndpoint", "replace", kBool},
	{"/securityPolicy", "replace", kString},
	{"/endpointAccessMode", "replace", kString},
}

func (s *Service) UpdateRestApi(ctx context.Context, in *api.UpdateRestApiRequest) (*api.RestApi, error) {
	var out *api.RestApi
	err := s.st.Update(ctx, func(tx store.Tx) error {
		ra, err := restAPI(ctx, tx, in.RestApiId)
		if err != nil {
			return err
		}
		ops := make([]api.PatchOperation, 0, len(in.PatchOperations))
		for _, o := range in.PatchOperations {
			// An empty minimumCompressionSize turns compression off.
			if str(o.Path) == "/minimumCompressionSize" && str(o.Op) == "replace" && str(o.Value) == "" {
				o.Op = ptr("remove")
			}
			ops = append(ops, o)
		}
		if err := applyPatch(ra, ops, restAPIPatch, nil); err != nil {
			return err
		}
		if ra.Name == nil || *ra.Name == "" {
			return badRequest("Invalid name")
		}
		if ra.MinimumCompressionSize != nil && (*ra.MinimumCompressionSize < 0 || *ra.MinimumCompressionSize > maxCompression) {
			return badRequest("Invalid minimum compression size, must be between 0 and %d", maxCompression)
		}
		if ra.ApiKeySource != nil && *ra.ApiKeySource != "HEADER" && *ra.ApiKeySource != "AUTHORIZER" {
			return badRequest("Invalid API Key source %s. Valid values are HEADER and AUTHORIZER", *ra.ApiKeySource)
		}
		out = ra
		return store.PutJSON(tx, tRestAPIs, key(ctx, in.RestApiId), ra)
	})
	return out, err
}

// apiTables are the tables whose keys start with an API id.
var apiTables = []string{tResources, tDeployments, tSnapshots, tAPISummaries, tStages, tAuthorizers, tModels,
	tModelDefaults, tValidators, tGatewayResponses, tDocParts, tDocVersions, tDocVersionParts, tAuthCache}

func (s *Service) DeleteRestApi(ctx context.Context, in *api.DeleteRestApiRequest) error {
	return s.st.Update(ctx, func(tx store.Tx) error {
		if err := requireAPI(ctx, tx, in.RestApiId); err != nil {
			return err
		}
		for _, t := range apiTables {
			if _, err := tx.DeletePrefix(t, prefix(ctx, in.RestApiId)); err != nil {
				return err
			}
		}
		return tx.Delete(tRestAPIs, key(ctx, in.RestApiId))
	})
}

// validateTags checks tag keys and values against API Gateway's limits.
func validateTags(tags map[string]string) error {
	for k, v := range tags {
		if len(k) == 0 || len(k) > 128 {
			return badRequest("Tag key must be between 1 and 128 characters: %s", k)
		}
		if len(k) >= 4 && k[:4] == "aws:" {
			return badRequest("Tag keys cannot start with 'aws:': %s", k)
		}
		if len(v) > 256 {
			return badRequest("Tag value must be at most 256 characters: %s", v)
		}
	}
	return nil
}
