package apigateway

import (
	"context"
	"encoding/json"
	"errors"
	"sync"

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
	// GatewayResponses by responseType: every type as it takes effect
	// (the user's customizations, AWS's defaults for the rest, with
	// DEFAULT_4XX/DEFAULT_5XX inheritance applied), so the data plane
	// answers errors from the snapshot alone.
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

// depSnapshotJSON is json.Marshal of depBuildSnapshot's snapshot, which is
// what CreateDeployment stores. An API that customized no gateway response
// (the usual case) has the same gatewayResponses member as every other such
// API: that part is encoded once per process (gwrDefaultsJSON) and spliced
// in instead of being rebuilt (21 responses, 42 maps) and re-encoded on
// every deployment.
func depSnapshotJSON(ctx context.Context, tx store.Tx, ra *api.RestApi, t *tree, deploymentID string, now wire.EpochTime) ([]byte, error) {
	custom := false
	err := tx.Scan(tGatewayResponses, prefix(ctx, str(ra.Id)), func(string, []byte) bool {
		custom = true
		return false
	})
	if err != nil {
		return nil, err
	}
	if custom {
		snap, err := depBuildSnapshot(ctx, tx, ra, t, deploymentID, now)
		if err != nil {
			return nil, err
		}
		return json.Marshal(snap)
	}
	snap, err := depBuildSnapshotBase(ctx, tx, ra, t, deploymentID, now)
	if err != nil {
		return nil, err
	}
	return snapSpliceGatewayResponses(snap, gwrDefaultsJSON())
}

// snapSpliceGatewayResponses is json.Marshal(snap) for snap with
// GatewayResponses set to the map whose encoding is grs, given snap with
// GatewayResponses nil: the member is the struct's last, so it goes right
// before the closing brace.
func snapSpliceGatewayResponses(snap *Snapshot, grs []byte) ([]byte, error) {
	if snap.GatewayResponses != nil {
		return nil, errors.New("snapSpliceGatewayResponses: snapshot has its own gateway responses")
	}
	b, err := json.Marshal(snap)
	if err != nil {
		return nil, err
	}
	const member = `,"gatewayResponses":`
	out := make([]byte, 0, len(b)+len(member)+len(grs))
	out = append(out, b[:len(b)-1]...) // always has members: resources is not omitempty
	out = append(out, member...)
	out = append(out, grs...)
	return append(out, '}'), nil
}

// gwrDefaultsJSON is the encoding of an API's effective gateway responses
// when none is customized: every type's own default.
var gwrDefaultsJSON = sync.OnceValue(func() []byte {
	m := make(map[string]api.GatewayResponse, len(gwrTypes))
	for _, typ := range gwrTypes {
		m[typ] = *gwrDefault(typ)
	}
	b, err := json.Marshal(m)
	if err != nil {
		panic(err)
	}
	return b
})

// depBuildSnapshot freezes the current state of an API (loaded in tx,
// whose tree t is already loaded) into a Snapshot.
func depBuildSnapshot(ctx context.Context, tx store.Tx, ra *api.RestApi, t *tree, deploymentID string, now wire.EpochTime) (*Snapshot, error) {
	snap, err := depBuildSnapshotBase(ctx, tx, ra, t, deploymentID, now)
	if err != nil {
		return nil, err
	}
	// Gateway responses as they take effect: every type, customized or
	// AWS's default (with DEFAULT_4XX/5XX inheritance applied).
	grs, err := gwrEffective(ctx, tx, str(ra.Id))
	if err != nil {
		return nil, err
	}
	snap.GatewayResponses = make(map[string]api.GatewayResponse, len(grs))
	for typ, g := range grs {
		snap.GatewayResponses[typ] = *g
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
