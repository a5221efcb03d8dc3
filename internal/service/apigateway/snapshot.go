package apigateway

import (
	"bytes"
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
// what CreateDeployment stores, written from the stored documents instead
// of decoding and re-encoding them: the RestApi, each resource's record
// (its methods, integrations and responses inside) with its path added,
// and the authorizers, models, request validators and customized gateway
// responses as stored, keyed by the last part of their store keys. It
// decodes to the same Snapshot as decoding every document would
// (export_test.go's reference builder; members may come in another order
// and keep fields this version does not know).
//
// ra and t must be what tx holds (restAPIShared and loadTreeShared in the
// same transaction).
func depSnapshotJSON(ctx context.Context, tx store.Tx, ra *api.RestApi, t *tree, deploymentID string, now wire.EpochTime) ([]byte, error) {
	apiID := str(ra.Id)
	rawAPI, err := tx.Get(tRestAPIs, key(ctx, apiID))
	if err != nil {
		return nil, err
	}
	created, err := now.MarshalJSON()
	if err != nil {
		return nil, err
	}
	b := make([]byte, 0, 1024+len(rawAPI)+t.rawSize)
	b = append(b, `{"deploymentId":`...)
	b = snapAppendString(b, deploymentID)
	b = append(b, `,"createdDate":`...)
	b = append(b, created...)
	b = append(b, `,"restApi":`...)
	b = append(b, bytes.TrimSpace(rawAPI)...)
	b = append(b, `,"resources":`...)
	recs, paths := t.sortedPaths()
	if len(recs) == 0 {
		b = append(b, "null"...)
	}
	for i, r := range recs {
		if i == 0 {
			b = append(b, '[')
		} else {
			b = append(b, ',')
		}
		raw := bytes.TrimSpace(t.raw[r.ID])
		if len(raw) < 2 || raw[0] != '{' || raw[len(raw)-1] != '}' || len(bytes.TrimSpace(raw[1:len(raw)-1])) == 0 {
			// No stored document at hand (or not an object with
			// members): encode the decoded record.
			enc, err := json.Marshal(snapResource(r, paths[i]))
			if err != nil {
				return nil, err
			}
			b = append(b, enc...)
			continue
		}
		// The record's members, then its path (resourceRecord has none;
		// were one stored, the last member wins when decoding).
		b = append(b, raw[:len(raw)-1]...)
		b = append(b, `,"path":`...)
		b = snapAppendString(b, paths[i])
		b = append(b, '}')
	}
	if len(recs) > 0 {
		b = append(b, ']')
	}
	for _, m := range [...]struct{ table, member string }{
		{tAuthorizers, "authorizers"},
		{tModels, "models"},
		{tValidators, "requestValidators"},
		{tGatewayResponses, "gatewayResponses"},
	} {
		if b, err = snapAppendRawMap(b, tx, m.table, prefix(ctx, apiID), m.member); err != nil {
			return nil, err
		}
	}
	return append(b, '}'), nil
}

// snapAppendRawMap appends the member `,"member":{...}` holding the
// documents of table under p as stored, keyed by what follows p in their
// keys (in key order, as json.Marshal orders a map), or nothing when there
// is none (omitempty).
func snapAppendRawMap(b []byte, tx store.Tx, table, p, member string) ([]byte, error) {
	n := 0
	err := tx.Scan(table, p, func(k string, v []byte) bool {
		if n == 0 {
			b = append(b, ',', '"')
			b = append(b, member...)
			b = append(b, `":{`...)
		} else {
			b = append(b, ',')
		}
		b = snapAppendString(b, k[len(p):])
		b = append(b, ':')
		b = append(b, bytes.TrimSpace(v)...)
		n++
		return true
	})
	if n > 0 {
		b = append(b, '}')
	}
	return b, err
}

// snapAppendString appends s as json.Marshal encodes a string.
func snapAppendString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			enc, _ := json.Marshal(s) // a string always encodes
			return append(b, enc...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

func snapResource(r *resourceRecord, path string) SnapshotResource {
	sr := SnapshotResource{ID: r.ID, ParentID: r.ParentID, PathPart: r.PathPart, Path: path}
	if len(r.Methods) > 0 {
		sr.Methods = make(map[string]api.Method, len(r.Methods))
		for verb, m := range r.Methods {
			sr.Methods[verb] = m
		}
	}
	return sr
}
