package apigateway

import (
	"context"
	"encoding/json"

	api "github.com/stagecraft/stagecraft/internal/api/apigateway"
	"github.com/stagecraft/stagecraft/internal/store"
	"github.com/stagecraft/stagecraft/internal/wire"
)

// Snapshot is the immutable, self-contained copy of a REST API that
// CreateDeployment freezes. The data plane serves a stage from the snapshot
// of its deployment (or of its canary deployment), never from the live
// tree, so later edits to the API only take effect after a redeploy.
//
// Snapshots are stored in table apigw.snapshots under apiId/deploymentId
// and are never modified after they are written; DeleteDeployment and
// DeleteRestApi remove them.
type Snapshot struct {
	DeploymentID string         `json:"deploymentId"`
	CreatedDate  wire.EpochTime `json:"createdDate"`

	// RestApi is the API as it was at deployment time: binaryMediaTypes,
	// minimumCompressionSize, apiKeySource, policy,
	// disableExecuteApiEndpoint, endpointConfiguration and the rest.
	RestApi api.RestApi `json:"restApi"`

	// Resources holds every resource of the tree ordered by Path, each
	// with its methods (integration, method responses and integration
	// responses inside).
	Resources []SnapshotResource `json:"resources"`

	// Authorizers by id, Models by name, RequestValidators by id, and
	// GatewayResponses by responseType: the API's customized responses
	// only (none for most APIs). The others take effect as AWS's defaults,
	// with DEFAULT_4XX/DEFAULT_5XX inheritance:
	// EffectiveGatewayResponse(typ, GatewayResponses) is what a type
	// answers. Snapshots written by earlier versions list every type
	// already resolved; EffectiveGatewayResponse gives the same result
	// for them.
	Authorizers       map[string]api.Authorizer       `json:"authorizers,omitempty"`
	Models            map[string]api.Model            `json:"models,omitempty"`
	RequestValidators map[string]api.RequestValidator `json:"requestValidators,omitempty"`
	GatewayResponses  map[string]api.GatewayResponse  `json:"gatewayResponses,omitempty"`
}

// SnapshotResource is one resource of a snapshot. The root has Path "/"
// and empty ParentID and PathPart.
type SnapshotResource struct {
	ID       string                `json:"id"`
	ParentID string                `json:"parentId,omitempty"`
	PathPart string                `json:"pathPart,omitempty"`
	Path     string                `json:"path"`
	Methods  map[string]api.Method `json:"methods,omitempty"`
}

// Resource returns the snapshot's resource with the given id, or nil.
func (s *Snapshot) Resource(id string) *SnapshotResource {
	for i := range s.Resources {
		if s.Resources[i].ID == id {
			return &s.Resources[i]
		}
	}
	return nil
}

// Children returns the resources whose parent is id, in path order.
func (s *Snapshot) Children(id string) []*SnapshotResource {
	var out []*SnapshotResource
	for i := range s.Resources {
		if s.Resources[i].ParentID == id {
			out = append(out, &s.Resources[i])
		}
	}
	return out
}

// Root returns the root resource ("/").
func (s *Snapshot) Root() *SnapshotResource {
	for i := range s.Resources {
		if s.Resources[i].ParentID == "" {
			return &s.Resources[i]
		}
	}
	return nil
}

// LoadSnapshot reads the snapshot of one deployment. ctx must carry the
// account and region scope (wire.WithScope) the API lives in. A missing
// snapshot returns an error that satisfies errors.Is(err, store.ErrNotFound).
func LoadSnapshot(ctx context.Context, tx store.Tx, apiID, deploymentID string) (*Snapshot, error) {
	return store.GetJSON[Snapshot](tx, tSnapshots, key(ctx, apiID, deploymentID))
}

// LoadStage reads one stage of an API as stored (the data plane resolves
// a stage to its deployment and canary with it). A missing stage returns
// an error that satisfies errors.Is(err, store.ErrNotFound).
func LoadStage(ctx context.Context, tx store.Tx, apiID, stageName string) (*api.Stage, error) {
	return store.GetJSON[api.Stage](tx, tStages, key(ctx, apiID, stageName))
}

// depSnapshotJSON is the encoding of depBuildSnapshot's snapshot, which is
// what CreateDeployment stores.
func depSnapshotJSON(ctx context.Context, tx store.Tx, ra *api.RestApi, t *tree, deploymentID string, now wire.EpochTime) ([]byte, error) {
	snap, err := depBuildSnapshot(ctx, tx, ra, t, deploymentID, now)
	if err != nil {
		return nil, err
	}
	return json.Marshal(snap)
}

// depBuildSnapshot freezes the current state of an API (loaded in tx,
// whose tree t is already loaded) into a Snapshot.
func depBuildSnapshot(ctx context.Context, tx store.Tx, ra *api.RestApi, t *tree, deploymentID string, now wire.EpochTime) (*Snapshot, error) {
	snap, err := depBuildSnapshotBase(ctx, tx, ra, t, deploymentID, now)
	if err != nil {
		return nil, err
	}
	// Only the customized gateway responses: the others are AWS's
	// defaults, which EffectiveGatewayResponse fills in.
	snap.GatewayResponses, err = gwrCustomized(ctx, tx, str(ra.Id))
	if err != nil {
		return nil, err
	}
	return snap, nil
}

// depBuildSnapshotBase is depBuildSnapshot without the gateway responses.
func depBuildSnapshotBase(ctx context.Context, tx store.Tx, ra *api.RestApi, t *tree, deploymentID string, now wire.EpochTime) (*Snapshot, error) {
	apiID := str(ra.Id)
	snap := &Snapshot{DeploymentID: deploymentID, CreatedDate: now, RestApi: *ra}
	for _, r := range t.sorted() {
		sr := SnapshotResource{ID: r.ID, ParentID: r.ParentID, PathPart: r.PathPart, Path: t.path(r)}
		if len(r.Methods) > 0 {
			sr.Methods = make(map[string]api.Method, len(r.Methods))
			for verb, m := range r.Methods {
				sr.Methods[verb] = m
			}
		}
		snap.Resources = append(snap.Resources, sr)
	}

	auths, err := store.ScanJSON[api.Authorizer](tx, tAuthorizers, prefix(ctx, apiID))
	if err != nil {
		return nil, err
	}
	for _, a := range auths {
		if snap.Authorizers == nil {
			snap.Authorizers = map[string]api.Authorizer{}
		}
		snap.Authorizers[str(a.Id)] = *a
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
	vals, err := store.ScanJSON[api.RequestValidator](tx, tValidators, prefix(ctx, apiID))
	if err != nil {
		return nil, err
	}
	for _, v := range vals {
		if snap.RequestValidators == nil {
			snap.RequestValidators = map[string]api.RequestValidator{}
		}
		snap.RequestValidators[str(v.Id)] = *v
	}
	return snap, nil
}
