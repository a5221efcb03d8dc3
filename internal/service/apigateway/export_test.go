package apigateway

import (
	"context"

	api "github.com/stagecraft/stagecraft/internal/api/apigateway"

	"github.com/stagecraft/stagecraft/internal/store"
	"github.com/stagecraft/stagecraft/internal/wire"
)

// BuildSnapshotForTest freezes an API's current state by decoding its
// documents (depBuildSnapshot below), to compare with the snapshot
// CreateDeployment wrote from the stored documents.
func BuildSnapshotForTest(ctx context.Context, tx store.Tx, apiID, deploymentID string, created wire.EpochTime) (*Snapshot, error) {
	ra, err := restAPI(ctx, tx, apiID)
	if err != nil {
		return nil, err
	}
	t, err := loadTree(ctx, tx, apiID)
	if err != nil {
		return nil, err
	}
	return depBuildSnapshot(ctx, tx, ra, t, deploymentID, created)
}

// depBuildSnapshot is the reference builder: it freezes the current state
// of an API (loaded in tx, whose tree t is already loaded) by decoding
// every document, where depSnapshotJSON copies the stored bytes.
func depBuildSnapshot(ctx context.Context, tx store.Tx, ra *api.RestApi, t *tree, deploymentID string, now wire.EpochTime) (*Snapshot, error) {
	apiID := str(ra.Id)
	snap := &Snapshot{DeploymentID: deploymentID, CreatedDate: now, RestApi: *ra}
	recs, paths := t.sortedPaths()
	for i, r := range recs {
		snap.Resources = append(snap.Resources, snapResource(r, paths[i]))
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
	// Only the customized gateway responses: the others are AWS's
	// defaults, which EffectiveGatewayResponse fills in.
	snap.GatewayResponses, err = gwrCustomized(ctx, tx, apiID)
	if err != nil {
		return nil, err
	}
	return snap, nil
}
