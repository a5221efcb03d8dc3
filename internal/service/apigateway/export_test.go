package apigateway

import (
	"context"

	"github.com/stagecraft/stagecraft/internal/store"
	"github.com/stagecraft/stagecraft/internal/wire"
)

// BuildSnapshotForTest freezes an API's current state by decoding its
// documents (depBuildSnapshot, which TestInvoke uses), to compare with the
// snapshot CreateDeployment wrote from the stored documents.
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
