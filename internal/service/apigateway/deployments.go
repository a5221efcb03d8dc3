package apigateway

import (
	"context"
	"errors"
	"maps"
	"regexp"
	"slices"
	"strings"

	api "github.com/stagecraft/stagecraft/internal/api/apigateway"
	"github.com/stagecraft/stagecraft/internal/ids"
	"github.com/stagecraft/stagecraft/internal/store"
)

// Deployments: an immutable snapshot of a REST API (see snapshot.go) plus
// the apiSummary computed at creation. CreateDeployment may also create or
// update a stage, or set a stage's canary.

func depErrNotFound() error { return notFound("Invalid Deployment identifier specified") }

// depErrUnknownID is AWS's answer when a stage or canary names a
// deployment that does not exist [V for canary and UpdateStage; seen from
// AWS for CreateStage in a Terraform report (aws/chalice#1839)].
func depErrUnknownID() error { return badRequest("Deployment id does not exist") }

func depKey(ctx context.Context, apiID, depID string) string { return key(ctx, apiID, depID) }

func depExists(ctx context.Context, tx store.Tx, apiID, depID string) (bool, error) {
	if depID == "" {
		return false, nil
	}
	return exists(tx, tDeployments, depKey(ctx, apiID, depID))
}

// depView is a deployment as the API shows it: without apiSummary unless
// asked for (embed=apisummary on GetDeployment).
func depView(d *api.Deployment, summary bool) *api.Deployment {
	out := *d
	if !summary {
		out.ApiSummary = nil
	} else if out.ApiSummary == nil {
		out.ApiSummary = map[string]map[string]api.MethodSnapshot{}
	}
	return &out
}

// depAPISummary is {resourcePath: {HTTP_METHOD: {authorizationType,
// apiKeyRequired}}} over every method of the tree.
func depAPISummary(t *tree) map[string]map[string]api.MethodSnapshot {
	out := map[string]map[string]api.MethodSnapshot{}
	for _, r := range t.byID {
		if len(r.Methods) == 0 {
			continue
		}
		p := t.path(r)
		if out[p] == nil {
			out[p] = map[string]api.MethodSnapshot{}
		}
		for verb, m := range r.Methods {
			at := str(m.AuthorizationType)
			if at == "" {
				at = "NONE"
			}
			out[p][verb] = api.MethodSnapshot{AuthorizationType: ptr(at), ApiKeyRequired: ptr(boolv(m.ApiKeyRequired))}
		}
	}
	return out
}

// depCheckContent enforces that the API can be deployed: at least one
// method, and every method has an integration.
func depCheckContent(t *tree) error {
	methods := 0
	for _, r := range t.byID {
		for _, m := range r.Methods {
			methods++
			if m.MethodIntegration == nil {
				return badRequest("No integration defined for method")
			}
		}
	}
	if methods == 0 {
		return badRequest("The REST API doesn't contain any methods")
	}
	return nil
}

// Stage variables. The model documents names as alphanumeric plus "_" and
// values as [A-Za-z0-9-._~:/?#&=,]+. AWS's own error text for values
// lists ' ' (space) as allowed as well, and Terraform's documented stage
// example uses "normal value", so a space is accepted too. The messages
// are the ones AWS sends as quoted in public reports (including the
// odd "-'" in the symbol list); their exact current wording is not
// verified.
var (
	depVarNameRE  = regexp.MustCompile(`^[A-Za-z0-9_]+$`)
	depVarValueRE = regexp.MustCompile(`^[A-Za-z0-9 \-._~:/?#&=,]+$`)
)

func depValidateVariable(name, value string) error {
	if !depVarNameRE.MatchString(name) {
		return badRequest("Invalid stage variable name: %s. Please use names with only word characters.", name)
	}
	if !depVarValueRE.MatchString(value) {
		return badRequest("Invalid stage variable value of key %s.  Please use values with alphanumeric characters and the symbols ' ', -', '.', '_', ':', '/', '?', '&', '=', and ','.", name)
	}
	return nil
}

func depValidateVariables(vars map[string]string) error {
	// Check in name order so the reported variable is deterministic.
	for _, k := range slices.Sorted(maps.Keys(vars)) {
		if err := depValidateVariable(k, vars[k]); err != nil {
			return err
		}
	}
	return nil
}

// depValidatePercent checks a canary's percentTraffic. The model says
// 0.0-100.0; AWS's error text for a value outside is unknown, so this one
// is ours.
func depValidatePercent(p *float64) error {
	if p != nil && (*p < 0 || *p > 100) {
		return badRequest("Canary traffic percentage must be between 0.0 and 100.0")
	}
	return nil
}

func (s *Service) CreateDeployment(ctx context.Context, in *api.CreateDeploymentRequest) (*api.Deployment, error) {
	var out *api.Deployment
	err := s.st.Update(ctx, func(tx store.Tx) error {
		// 1. The API. It and the tree (3.) are only read here (frozen into
		// the snapshot), so they may come from the decode caches.
		ra, err := s.restAPIShared(ctx, tx, in.RestApiId)
		if err != nil {
			return err
		}
		stageName := str(in.StageName)

		// 2. A canary deployment needs an existing stage.
		var stage *api.Stage
		if in.CanarySettings != nil {
			if in.StageName == nil {
				return badRequest("Invalid deployment content specified.Non null and non empty stageName must be provided for canary deployment. Provided value is null")
			}
			if stageName == "" {
				return badRequest("Invalid deployment content specified.Non null and non empty stageName must be provided for canary deployment. Provided value is ")
			}
			stage, err = stageGet(ctx, tx, in.RestApiId, stageName)
			if err != nil {
				if errors.Is(err, store.ErrNotFound) {
					return badRequest("Invalid deployment content specified.Stage %s must already be created before making a canary release deployment", stageName)
				}
				return err
			}
		}

		// 3. Content: methods, each with an integration.
		t, err := s.loadTreeShared(ctx, tx, in.RestApiId)
		if err != nil {
			return err
		}
		if err := depCheckContent(t); err != nil {
			return err
		}

		// 4. The remaining input.
		if stageName != "" && in.CanarySettings == nil {
			if err := stageValidateName(stageName); err != nil {
				return err
			}
		}
		if err := depValidateVariables(in.Variables); err != nil {
			return err
		}
		if in.CanarySettings != nil {
			if err := depValidatePercent(in.CanarySettings.PercentTraffic); err != nil {
				return err
			}
			if err := depValidateVariables(in.CanarySettings.StageVariableOverrides); err != nil {
				return err
			}
		}

		// 5. The deployment, its snapshot and apiSummary.
		now := s.now()
		depID := ids.Lower(6)
		for {
			taken, err := depExists(ctx, tx, in.RestApiId, depID)
			if err != nil {
				return err
			}
			if !taken {
				break
			}
			depID = ids.Lower(6)
		}
		dep := &api.Deployment{Id: ptr(depID), CreatedDate: now, Description: in.Description}
		snap, err := depSnapshotJSON(ctx, tx, ra, t, depID, now)
		if err != nil {
			return err
		}
		if err := store.PutJSON(tx, tDeployments, depKey(ctx, in.RestApiId, depID), dep); err != nil {
			return err
		}
		// The summary is kept apart so listing deployments decodes only
		// the small records; GetDeployment reads it for embed=apisummary.
		if err := store.PutJSON(tx, tAPISummaries, depKey(ctx, in.RestApiId, depID), depAPISummary(t)); err != nil {
			return err
		}
		if err := tx.Put(tSnapshots, depKey(ctx, in.RestApiId, depID), snap); err != nil {
			return err
		}

		// 6. The stage.
		if stageName != "" {
			if stage == nil {
				stage, err = stageGet(ctx, tx, in.RestApiId, stageName)
				if err != nil && !errors.Is(err, store.ErrNotFound) {
					return err
				}
			}
			if stage == nil {
				stage = stageNew(stageName, depID, now)
			} else {
				stage.LastUpdatedDate = now
			}
			if in.CanarySettings != nil {
				// A canary deployment replaces any earlier canary and
				// leaves the stage's own deploymentId alone [V].
				cs := &api.CanarySettings{
					DeploymentId:           ptr(depID),
					PercentTraffic:         in.CanarySettings.PercentTraffic,
					StageVariableOverrides: in.CanarySettings.StageVariableOverrides,
					UseStageCache:          in.CanarySettings.UseStageCache,
				}
				if cs.PercentTraffic == nil {
					cs.PercentTraffic = ptr(0.0)
				}
				if cs.UseStageCache == nil {
					cs.UseStageCache = ptr(false)
				}
				stage.CanarySettings = cs
			} else {
				// A regular deployment moves the stage to it. An existing
				// canary is kept: AWS removes a canary only on
				// "remove /canarySettings" as far as documented, and
				// nothing shows CreateDeployment clearing it (LocalStack
				// clears it, unverified; spec open question 2).
				stage.DeploymentId = ptr(depID)
			}
			// The stage settings given with the deployment apply to the
			// stage in both cases (the model documents them as settings
			// "for the Stage resource specified in the input").
			// variables replace the stage's map wholesale, so a variable
			// dropped from a Terraform config disappears on redeploy.
			if in.StageDescription != nil {
				stage.Description = in.StageDescription
				if *in.StageDescription == "" {
					stage.Description = nil
				}
			}
			if in.Variables != nil {
				stage.Variables = in.Variables
				if len(in.Variables) == 0 {
					stage.Variables = nil
				}
			}
			if in.CacheClusterEnabled != nil {
				stage.CacheClusterEnabled = in.CacheClusterEnabled
			}
			if in.CacheClusterSize != nil {
				stage.CacheClusterSize = in.CacheClusterSize
			}
			if in.TracingEnabled != nil {
				stage.TracingEnabled = in.TracingEnabled
			}
			stageNormalize(stage)
			if err := stagePut(ctx, tx, in.RestApiId, stage); err != nil {
				return err
			}
		}
		out = depView(dep, false)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// depWantsSummary reports whether embed asks for the apiSummary; embed
// arrives as repeated query values, each possibly comma-separated.
func depWantsSummary(embed []string) bool {
	for _, e := range embed {
		for _, p := range strings.Split(e, ",") {
			if strings.EqualFold(strings.TrimSpace(p), "apisummary") {
				return true
			}
		}
	}
	return false
}

func (s *Service) GetDeployment(ctx context.Context, in *api.GetDeploymentRequest) (*api.Deployment, error) {
	var out *api.Deployment
	err := s.st.View(ctx, func(tx store.Tx) error {
		if err := requireAPI(ctx, tx, in.RestApiId); err != nil {
			return err
		}
		d, err := get[api.Deployment](tx, tDeployments, depKey(ctx, in.RestApiId, in.DeploymentId), depErrNotFound())
		if err != nil {
			return err
		}
		if depWantsSummary(in.Embed) {
			sum, err := store.GetJSON[map[string]map[string]api.MethodSnapshot](tx, tAPISummaries, depKey(ctx, in.RestApiId, in.DeploymentId))
			if err != nil && !errors.Is(err, store.ErrNotFound) {
				return err
			}
			if sum != nil {
				d.ApiSummary = *sum
			}
		}
		out = depView(d, depWantsSummary(in.Embed))
		return nil
	})
	return out, err
}

func (s *Service) GetDeployments(ctx context.Context, in *api.GetDeploymentsRequest) (*api.Deployments, error) {
	out := &api.Deployments{Items: []api.Deployment{}}
	err := s.st.View(ctx, func(tx store.Tx) error {
		if err := requireAPI(ctx, tx, in.RestApiId); err != nil {
			return err
		}
		// Listed in id order (the store's key order), which is stable; only
		// the page asked for is decoded, and records decoded before are
		// taken from s.deployments (depView copies them).
		items, next, err := scanPageWith(tx, tDeployments, prefix(ctx, in.RestApiId), in.Position, in.Limit, s.deployments.decode)
		out.Items = slices.Grow(out.Items, len(items))
		for _, d := range items {
			item := *d // depView(d, false) without its allocation
			item.ApiSummary = nil
			out.Items = append(out.Items, item)
		}
		out.Position = next
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// UpdateDeployment supports only "replace /description" [D patch table].
// Anything else gets the generic "Invalid patch path" answer the sibling
// resources give (AWS's exact text for deployments is unverified).
var depPatchRules = []patchRule{
	{"/description", "replace", kString},
}

func (s *Service) UpdateDeployment(ctx context.Context, in *api.UpdateDeploymentRequest) (*api.Deployment, error) {
	var out *api.Deployment
	err := s.st.Update(ctx, func(tx store.Tx) error {
		if err := requireAPI(ctx, tx, in.RestApiId); err != nil {
			return err
		}
		k := depKey(ctx, in.RestApiId, in.DeploymentId)
		d, err := get[api.Deployment](tx, tDeployments, k, depErrNotFound())
		if err != nil {
			return err
		}
		if err := applyPatch(d, in.PatchOperations, depPatchRules, nil); err != nil {
			return err
		}
		if d.Description != nil && *d.Description == "" {
			d.Description = nil
		}
		out = depView(d, false)
		return store.PutJSON(tx, tDeployments, k, d)
	})
	return out, err
}

func (s *Service) DeleteDeployment(ctx context.Context, in *api.DeleteDeploymentRequest) error {
	return s.st.Update(ctx, func(tx store.Tx) error {
		if err := requireAPI(ctx, tx, in.RestApiId); err != nil {
			return err
		}
		k := depKey(ctx, in.RestApiId, in.DeploymentId)
		if ok, err := exists(tx, tDeployments, k); err != nil {
			return err
		} else if !ok {
			return depErrNotFound()
		}
		stages, err := store.ScanJSON[api.Stage](tx, tStages, prefix(ctx, in.RestApiId))
		if err != nil {
			return err
		}
		for _, st := range stages {
			// A stage's own deployment blocks the delete [V]. So does a
			// canary pointing at it: AWS's behaviour there is untested
			// (spec open question 3), but deleting it would leave the
			// stage serving a part of its traffic from nothing, so it is
			// refused the same way.
			if str(st.DeploymentId) == in.DeploymentId ||
				(st.CanarySettings != nil && str(st.CanarySettings.DeploymentId) == in.DeploymentId) {
				return badRequest("Active stages pointing to this deployment must be moved or deleted")
			}
		}
		if err := tx.Delete(tSnapshots, k); err != nil {
			return err
		}
		if err := tx.Delete(tAPISummaries, k); err != nil {
			return err
		}
		return tx.Delete(tDeployments, k)
	})
}
