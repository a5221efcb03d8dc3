package apigatewayv2

import (
	"context"
	"sort"

	api "github.com/stagecraft/stagecraft/internal/api/apigatewayv2"
	"github.com/stagecraft/stagecraft/internal/store"
	"github.com/stagecraft/stagecraft/internal/wire"
)

// Snapshot is the immutable, self-contained copy of an HTTP or WebSocket
// API that a deployment freezes. The data plane serves a stage from the
// snapshot of the deployment the stage points to, never from the live
// configuration, so changes take effect only when deployed (by hand or by
// an autoDeploy stage).
//
// Snapshots are stored in table apigwv2.snapshots under apiId/deploymentId
// and are never modified after they are written; DeleteDeployment and
// DeleteApi remove them.
type Snapshot struct {
	DeploymentID string       `json:"deploymentId"`
	CreatedDate  wire.ISOTime `json:"createdDate"`

	// Api is the API as it was at deployment time: protocolType,
	// routeSelectionExpression, apiKeySelectionExpression,
	// corsConfiguration, disableExecuteApiEndpoint, disableSchemaValidation
	// and the rest. Its apiEndpoint is not set (it is derived per request).
	Api api.Api `json:"api"`

	// Routes holds every route with its route responses, ordered by route
	// key.
	Routes []SnapshotRoute `json:"routes"`

	// Integrations by integration id, each with its integration responses.
	Integrations map[string]SnapshotIntegration `json:"integrations,omitempty"`

	// Authorizers by authorizer id; Models by model name (routes name
	// their request and response models by name).
	Authorizers map[string]api.Authorizer `json:"authorizers,omitempty"`
	Models      map[string]api.Model      `json:"models,omitempty"`
}

// SnapshotRoute is a route and its route responses (ordered by key).
type SnapshotRoute struct {
	Route     api.Route           `json:"route"`
	Responses []api.RouteResponse `json:"responses,omitempty"`
}

// SnapshotIntegration is an integration and its integration responses
// (ordered by key).
type SnapshotIntegration struct {
	Integration api.Integration           `json:"integration"`
	Responses   []api.IntegrationResponse `json:"responses,omitempty"`
}

// Route returns the route with the given route key, or nil.
func (s *Snapshot) Route(routeKey string) *SnapshotRoute {
	for i := range s.Routes {
		if str(s.Routes[i].Route.RouteKey) == routeKey {
			return &s.Routes[i]
		}
	}
	return nil
}

// Target returns the integration a route targets ("integrations/{id}"),
// or nil when the route has no target.
func (s *Snapshot) Target(r *SnapshotRoute) *SnapshotIntegration {
	t := str(r.Route.Target)
	if len(t) <= len("integrations/") {
		return nil
	}
	si, ok := s.Integrations[t[len("integrations/"):]]
	if !ok {
		return nil
	}
	return &si
}

// Authorizer returns the authorizer a route uses, or nil.
func (s *Snapshot) Authorizer(r *SnapshotRoute) *api.Authorizer {
	a, ok := s.Authorizers[str(r.Route.AuthorizerId)]
	if !ok {
		return nil
	}
	return &a
}

// LoadSnapshot reads the snapshot of one deployment. ctx must carry the
// account and region scope (wire.WithScope) the API lives in; LocateAPI
// finds it from an api id. A missing snapshot returns an error that
// satisfies errors.Is(err, store.ErrNotFound).
func LoadSnapshot(ctx context.Context, tx store.Tx, apiID, deploymentID string) (*Snapshot, error) {
	return store.GetJSON[Snapshot](tx, tSnapshots, key(ctx, apiID, deploymentID))
}

// LoadStage reads one stage of an API as stored; the data plane resolves
// a stage to its deployment with it. A missing stage returns an error that
// satisfies errors.Is(err, store.ErrNotFound).
func LoadStage(ctx context.Context, tx store.Tx, apiID, stageName string) (*api.Stage, error) {
	return store.GetJSON[api.Stage](tx, tStages, key(ctx, apiID, stageName))
}

// LoadStages reads every stage of an API, ordered by name.
func LoadStages(ctx context.Context, tx store.Tx, apiID string) ([]*api.Stage, error) {
	return store.ScanJSON[api.Stage](tx, tStages, prefix(ctx, apiID))
}

// LoadAPI reads an API as stored (without apiEndpoint). A missing API
// returns an error that satisfies errors.Is(err, store.ErrNotFound).
func LoadAPI(ctx context.Context, tx store.Tx, apiID string) (*api.Api, error) {
	return store.GetJSON[api.Api](tx, tAPIs, key(ctx, apiID))
}

// LoadDomainMappings reads the API mappings of a custom domain name
// (lower case), ordered by mapping id; none when the domain name is
// unknown. ctx must carry the account and region scope.
func LoadDomainMappings(ctx context.Context, tx store.Tx, domainName string) ([]api.ApiMapping, error) {
	recs, err := store.ScanJSON[mappingRecord](tx, tAPIMappings, prefix(ctx, domainName))
	if err != nil {
		return nil, err
	}
	out := make([]api.ApiMapping, 0, len(recs))
	for _, r := range recs {
		out = append(out, r.ApiMapping)
	}
	return out, nil
}

// AuthorizersCacheEpoch is a counter that ResetAuthorizersCache bumps for
// a stage: a data plane that caches authorizer results drops the cache of
// a stage whose epoch changed. 0 until the first reset.
func AuthorizersCacheEpoch(ctx context.Context, tx store.Tx, apiID, stageName string) (uint64, error) {
	e, err := store.GetJSON[authCacheEpoch](tx, tAuthCache, key(ctx, apiID, stageName))
	if err != nil {
		if isNotFound(err) {
			return 0, nil
		}
		return 0, err
	}
	return e.Epoch, nil
}

type authCacheEpoch struct {
	Epoch uint64 `json:"epoch"`
}

// buildSnapshot freezes the current configuration of an api.
func buildSnapshot(ctx context.Context, tx store.Tx, a *api.Api, deploymentID string, now wire.ISOTime) (*Snapshot, error) {
	apiID := *a.ApiId
	snap := &Snapshot{DeploymentID: deploymentID, CreatedDate: now, Api: *a}
	snap.Api.ApiEndpoint = nil
	routes, err := store.ScanJSON[api.Route](tx, tRoutes, prefix(ctx, apiID))
	if err != nil {
		return nil, err
	}
	for _, r := range routes {
		rrs, err := store.ScanJSON[api.RouteResponse](tx, tRouteResponses, prefix(ctx, apiID, *r.RouteId))
		if err != nil {
			return nil, err
		}
		sr := SnapshotRoute{Route: *r, Responses: values(rrs)}
		sort.Slice(sr.Responses, func(i, j int) bool {
			return str(sr.Responses[i].RouteResponseKey) < str(sr.Responses[j].RouteResponseKey)
		})
		if len(sr.Responses) == 0 {
			sr.Responses = nil
		}
		snap.Routes = append(snap.Routes, sr)
	}
	sort.Slice(snap.Routes, func(i, j int) bool {
		return str(snap.Routes[i].Route.RouteKey) < str(snap.Routes[j].Route.RouteKey)
	})
	integs, err := store.ScanJSON[api.Integration](tx, tIntegrations, prefix(ctx, apiID))
	if err != nil {
		return nil, err
	}
	for _, in := range integs {
		irs, err := store.ScanJSON[api.IntegrationResponse](tx, tIntegrationResponses, prefix(ctx, apiID, *in.IntegrationId))
		if err != nil {
			return nil, err
		}
		si := SnapshotIntegration{Integration: *in, Responses: values(irs)}
		sort.Slice(si.Responses, func(i, j int) bool {
			return str(si.Responses[i].IntegrationResponseKey) < str(si.Responses[j].IntegrationResponseKey)
		})
		if len(si.Responses) == 0 {
			si.Responses = nil
		}
		if snap.Integrations == nil {
			snap.Integrations = map[string]SnapshotIntegration{}
		}
		snap.Integrations[*in.IntegrationId] = si
	}
	auths, err := store.ScanJSON[api.Authorizer](tx, tAuthorizers, prefix(ctx, apiID))
	if err != nil {
		return nil, err
	}
	for _, au := range auths {
		if snap.Authorizers == nil {
			snap.Authorizers = map[string]api.Authorizer{}
		}
		snap.Authorizers[*au.AuthorizerId] = *au
	}
	models, err := store.ScanJSON[api.Model](tx, tModels, prefix(ctx, apiID))
	if err != nil {
		return nil, err
	}
	for _, m := range models {
		if snap.Models == nil {
			snap.Models = map[string]api.Model{}
		}
		snap.Models[str(m.Name)] = *m
	}
	return snap, nil
}
