package appconfig

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"

	api "github.com/stagecraft/stagecraft/internal/api/appconfig"
	"github.com/stagecraft/stagecraft/internal/rollout"
	"github.com/stagecraft/stagecraft/internal/store"
	"github.com/stagecraft/stagecraft/internal/wire"
)

// DeploymentRecord is a deployment as stored (appconfig.deployments). Its
// state at any instant is Status(now): the schedule (strategy snapshot,
// start, interventions) is the source of truth. Final and CompletedAt
// persist the terminal transition once the driver or an API call has
// materialized it; they always agree with Status.
type DeploymentRecord struct {
	Account                  string                 `json:"account"`
	Region                   string                 `json:"region"`
	ApplicationId            string                 `json:"applicationId"`
	EnvironmentId            string                 `json:"environmentId"`
	ConfigurationProfileId   string                 `json:"configurationProfileId"`
	DeploymentStrategyId     string                 `json:"deploymentStrategyId"`
	DeploymentNumber         int32                  `json:"deploymentNumber"`
	ConfigurationName        string                 `json:"configurationName"`
	ConfigurationLocationUri string                 `json:"configurationLocationUri"`
	ConfigurationVersion     string                 `json:"configurationVersion"`
	VersionLabel             *string                `json:"versionLabel,omitempty"`
	Description              *string                `json:"description,omitempty"`
	KmsKeyIdentifier         *string                `json:"kmsKeyIdentifier,omitempty"`
	KmsKeyArn                *string                `json:"kmsKeyArn,omitempty"`
	AppliedExtensions        []api.AppliedExtension `json:"appliedExtensions,omitempty"`
	Schedule                 rollout.Record         `json:"schedule"`
	Final                    string                 `json:"final,omitempty"`
	CompletedAt              time.Time              `json:"completedAt,omitzero"`
	// ContentDigest identifies the captured content (hex SHA-256 of what
	// clients are served); "" when nothing was captured (not hosted).
	ContentDigest string `json:"contentDigest,omitempty"`
	// Actions are the ON_DEPLOYMENT_* Lambda actions of the applied
	// extensions (snapshot at StartDeployment), which the driver invokes
	// as the matching events happen; Delivered lists the events (eventKey)
	// whose actions have been invoked; Invocations what was invoked, by
	// event, for the event log's ActionInvocations (PRE_START_DEPLOYMENT
	// ones under DEPLOYMENT_STARTED).
	Actions     []extAction        `json:"actions,omitempty"`
	Delivered   []string           `json:"delivered,omitempty"`
	Invocations []eventInvocations `json:"invocations,omitempty"`
}

// eventInvocations are the extension actions invoked for one event.
type eventInvocations struct {
	Event       string                 `json:"event"`
	Invocations []api.ActionInvocation `json:"invocations"`
}

// eventKey identifies an event of a deployment's log: its type, instant
// and (for steps at one instant, with a zero duration) percentage.
func eventKey(e rollout.Event) string {
	return e.Type + "@" + strconv.FormatInt(e.At.UnixMilli(), 10) + "@" + strconv.FormatFloat(e.Percentage, 'f', -1, 64)
}

// invocationsOf are the recorded invocations of event e.
func (d *DeploymentRecord) invocationsOf(e rollout.Event) []api.ActionInvocation {
	k := eventKey(e)
	var out []api.ActionInvocation
	for _, ei := range d.Invocations {
		if ei.Event == k {
			out = append(out, ei.Invocations...)
		}
	}
	return out
}

// Status is the deployment as of now.
func (d *DeploymentRecord) Status(now time.Time) rollout.Status {
	return rollout.Evaluate(d.Schedule, now)
}

// ContentSnapshot is what a deployment captured at StartDeployment
// (appconfig.deploymentcontent, same key as the deployment): later changes
// to (or deletion of) the hosted version do not change what it serves.
type ContentSnapshot struct {
	ContentType  string `json:"contentType"`
	VersionLabel string `json:"versionLabel,omitempty"`
	// Content is the hosted version as stored; Served is what clients
	// receive: Content, or for feature flags the retrieval rendering.
	Content []byte `json:"content"`
	Served  []byte `json:"served"`
}

// activeRecord marks an environment's unfinished deployment.
type activeRecord struct {
	Account string `json:"account"`
	Region  string `json:"region"`
	App     string `json:"app"`
	Env     string `json:"env"`
	Number  int32  `json:"number"`
}

func deploymentKey(ctx context.Context, app, env string, n int32) string {
	return key(ctx, app, env, num(n))
}

func deployment(ctx context.Context, tx store.Tx, app, env string, n int32) (*DeploymentRecord, error) {
	return get[DeploymentRecord](tx, TableDeployments, deploymentKey(ctx, app, env, n), errNoDeployment(n))
}

func activeDeployment(ctx context.Context, tx store.Tx, app, env string) (*activeRecord, error) {
	a, err := store.GetJSON[activeRecord](tx, tActive, key(ctx, app, env))
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	return a, err
}

// envState is the environment's state at now: DEPLOYING while its
// deployment is in progress, READY_FOR_DEPLOYMENT once that deployment's
// schedule has completed (even before the completion is persisted), else
// the persisted state (READY_FOR_DEPLOYMENT, ROLLED_BACK, REVERTED).
func envState(ctx context.Context, tx store.Tx, rec *environmentRecord, now time.Time) (string, error) {
	act, err := activeDeployment(ctx, tx, *rec.ApplicationId, *rec.Id)
	if err != nil || act == nil {
		return str(rec.State), err
	}
	d, err := store.GetJSON[DeploymentRecord](tx, TableDeployments, deploymentKey(ctx, act.App, act.Env, act.Number))
	if errors.Is(err, store.ErrNotFound) {
		return str(rec.State), nil
	}
	if err != nil {
		return "", err
	}
	st := d.Status(now)
	switch {
	case st.InProgress():
		return envDeploying, nil
	case st.State == rollout.StateComplete:
		return envReady, nil
	}
	return str(rec.State), nil
}

// settle persists the completion of the environment's deployment if its
// schedule has completed by now. It is idempotent and writes only
// schedule-derived values, so the driver and API calls can both call it.
func (s *Service) settle(ctx context.Context, tx store.Tx, app, env string, now time.Time) error {
	act, err := activeDeployment(ctx, tx, app, env)
	if err != nil || act == nil {
		return err
	}
	d, err := store.GetJSON[DeploymentRecord](tx, TableDeployments, deploymentKey(ctx, app, env, act.Number))
	if errors.Is(err, store.ErrNotFound) {
		return tx.Delete(tActive, key(ctx, app, env))
	}
	if err != nil {
		return err
	}
	st := d.Status(now)
	if st.State != rollout.StateComplete {
		return nil
	}
	d.Final, d.CompletedAt = rollout.StateComplete, st.CompletedAt
	return s.finish(ctx, tx, d, envReady)
}

// finish persists a deployment's terminal transition and the environment
// state it leads to, and frees the environment.
func (s *Service) finish(ctx context.Context, tx store.Tx, d *DeploymentRecord, envStateAfter string) error {
	k := deploymentKey(ctx, d.ApplicationId, d.EnvironmentId, d.DeploymentNumber)
	if err := store.PutJSON(tx, TableDeployments, k, d); err != nil {
		return err
	}
	if e, err := store.GetJSON[environmentRecord](tx, tEnvironments, key(ctx, d.ApplicationId, d.EnvironmentId)); err == nil {
		e.State = &envStateAfter
		if err := store.PutJSON(tx, tEnvironments, key(ctx, d.ApplicationId, d.EnvironmentId), e); err != nil {
			return err
		}
	} else if !errors.Is(err, store.ErrNotFound) {
		return err
	}
	if act, err := activeDeployment(ctx, tx, d.ApplicationId, d.EnvironmentId); err != nil {
		return err
	} else if act != nil && act.Number == d.DeploymentNumber {
		if err := tx.Delete(tActive, key(ctx, d.ApplicationId, d.EnvironmentId)); err != nil {
			return err
		}
	}
	return tx.Delete(tLeases, k)
}

// toAPI renders a deployment with its status.
func toAPI(d *DeploymentRecord, st rollout.Status) *api.Deployment {
	s := d.Schedule.Strategy
	out := &api.Deployment{
		ApplicationId: &d.ApplicationId, EnvironmentId: &d.EnvironmentId, ConfigurationProfileId: &d.ConfigurationProfileId,
		DeploymentStrategyId: &d.DeploymentStrategyId, DeploymentNumber: ptr(d.DeploymentNumber),
		ConfigurationName: &d.ConfigurationName, ConfigurationLocationUri: &d.ConfigurationLocationUri,
		ConfigurationVersion: &d.ConfigurationVersion, VersionLabel: d.VersionLabel, Description: d.Description,
		DeploymentDurationInMinutes: ptr(s.DurationMinutes), GrowthType: ptr(s.GrowthType),
		GrowthFactor: ptr(float32(s.GrowthFactor)), FinalBakeTimeInMinutes: ptr(s.FinalBakeMinutes),
		State: ptr(st.State), PercentageComplete: ptr(float32(st.Percentage)),
		StartedAt: wire.ISO(d.Schedule.StartedAt), KmsKeyIdentifier: d.KmsKeyIdentifier, KmsKeyArn: d.KmsKeyArn,
		AppliedExtensions: d.AppliedExtensions,
		EventLog:          []api.DeploymentEvent{},
	}
	if !st.CompletedAt.IsZero() {
		out.CompletedAt = wire.ISO(st.CompletedAt)
	}
	for _, e := range st.Events {
		out.EventLog = append(out.EventLog, api.DeploymentEvent{
			EventType: ptr(e.Type), TriggeredBy: ptr(e.TriggeredBy), Description: ptr(e.Description), OccurredAt: wire.ISO(e.At),
			ActionInvocations: d.invocationsOf(e),
		})
	}
	return out
}

func toSummary(d *DeploymentRecord, st rollout.Status) api.DeploymentSummary {
	s := d.Schedule.Strategy
	out := api.DeploymentSummary{
		DeploymentNumber: ptr(d.DeploymentNumber), ConfigurationName: &d.ConfigurationName,
		ConfigurationVersion: &d.ConfigurationVersion, VersionLabel: d.VersionLabel,
		DeploymentDurationInMinutes: ptr(s.DurationMinutes), GrowthType: ptr(s.GrowthType),
		GrowthFactor: ptr(float32(s.GrowthFactor)), FinalBakeTimeInMinutes: ptr(s.FinalBakeMinutes),
		State: ptr(st.State), PercentageComplete: ptr(float32(st.Percentage)), StartedAt: wire.ISO(d.Schedule.StartedAt),
	}
	if !st.CompletedAt.IsZero() {
		out.CompletedAt = wire.ISO(st.CompletedAt)
	}
	return out
}

// deployPlan is what StartDeployment resolves and checks in a
// transaction: everything but the content checks that need invocations.
type deployPlan struct {
	prof    *profileRecord
	strat   *api.DeploymentStrategy
	version *hostedVersionRecord // nil for profiles not in the hosted store
	content []byte
	applied []*associationRecord
	extIDs  []string // the applied associations' extension IDs
	actions []extAction
	number  int32 // the number the deployment gets if nothing intervenes
}

// planDeployment runs the checks of StartDeployment that read the store,
// in the order of the spec (§3.2): existence of application, environment,
// profile, strategy and hosted version (404, in that order); a deployment
// in progress in the environment (409); the dynamic extension parameters
// (400).
func planDeployment(ctx context.Context, tx store.Tx, in *api.StartDeploymentRequest, now time.Time) (*deployPlan, error) {
	app, envID := in.ApplicationId, in.EnvironmentId
	if _, err := application(ctx, tx, app); err != nil {
		return nil, err
	}
	if _, err := environment(ctx, tx, app, envID); err != nil {
		return nil, err
	}
	prof, err := profile(ctx, tx, app, str(in.ConfigurationProfileId))
	if err != nil {
		return nil, err
	}
	strat, err := strategy(ctx, tx, str(in.DeploymentStrategyId))
	if err != nil {
		return nil, err
	}
	p := &deployPlan{prof: prof, strat: strat}
	if prof.hosted() {
		if p.version, p.content, err = resolveVersion(ctx, tx, prof, str(in.ConfigurationVersion)); err != nil {
			return nil, err
		}
	}
	if act, err := activeDeployment(ctx, tx, app, envID); err != nil {
		return nil, err
	} else if act != nil {
		d, err := store.GetJSON[DeploymentRecord](tx, TableDeployments, deploymentKey(ctx, app, envID, act.Number))
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return nil, err
		}
		if err != nil || d.Status(now).InProgress() {
			return nil, conflict("Environment %s already has a deployment in progress (deployment number %d). Only one deployment at a time is allowed per environment.", envID, act.Number)
		}
	}
	last, err := latestDeployment(ctx, tx, app, envID)
	if err != nil {
		return nil, err
	}
	p.number = last + 1
	if p.applied, err = appliedExtensions(ctx, tx, app, envID, str(prof.Id)); err != nil {
		return nil, err
	}
	dynamic, err := checkDynamicParameters(ctx, tx, p.applied, in.DynamicExtensionParameters)
	if err != nil {
		return nil, err
	}
	for _, a := range p.applied {
		x, err := findExtension(ctx, tx, str(a.ExtensionArn), nil)
		if err != nil {
			p.extIDs = append(p.extIDs, a.ExtensionID)
			continue
		}
		p.extIDs = append(p.extIDs, str(x.Id))
		p.actions = append(p.actions, lambdaActions(x, a, dynamic[str(x.Id)])...)
	}
	return p, nil
}

// lambdaActions are the invoked (Lambda) actions of extension x as
// associated by a, with the association's parameters and the dynamic
// ones of the deployment, in action-point order.
func lambdaActions(x *api.Extension, a *associationRecord, dynamic map[string]string) []extAction {
	var out []extAction
	for _, point := range []string{"PRE_START_DEPLOYMENT", "ON_DEPLOYMENT_START", "ON_DEPLOYMENT_STEP", "ON_DEPLOYMENT_BAKING",
		"ON_DEPLOYMENT_COMPLETE", "ON_DEPLOYMENT_ROLLED_BACK"} {
		for _, act := range x.Actions[point] {
			if !isLambdaURI(str(act.Uri)) {
				continue // SQS, SNS, EventBridge: not invoked (lambda.go)
			}
			params := map[string]string{}
			for k, v := range a.Parameters {
				params[k] = v
			}
			for k, v := range dynamic {
				params[k] = v
			}
			if len(params) == 0 {
				params = nil
			}
			out = append(out, extAction{Point: point, ExtensionID: str(x.Id), AssociationID: str(a.Id), Name: str(act.Name),
				URI: str(act.Uri), RoleArn: str(act.RoleArn), Parameters: params})
		}
	}
	return out
}

// samePlan reports whether nothing StartDeployment validated changed
// between its checking and its writing transaction.
func samePlan(a, b *deployPlan) bool {
	if (a.version == nil) != (b.version == nil) || (a.version != nil && *a.version.VersionNumber != *b.version.VersionNumber) {
		return false
	}
	if !slices.Equal(a.extIDs, b.extIDs) || len(a.applied) != len(b.applied) || len(a.actions) != len(b.actions) {
		return false
	}
	for i := range a.applied {
		if str(a.applied[i].Id) != str(b.applied[i].Id) {
			return false
		}
	}
	return slices.EqualFunc(a.prof.Validators, b.prof.Validators, func(x, y api.Validator) bool {
		return str(x.Type) == str(y.Type) && str(x.Content) == str(y.Content)
	})
}

// StartDeployment validates in the order of the spec (§3.2): the model's
// shape checks (generated, 400); existence of application, environment,
// profile, strategy and hosted version (404, in that order); a deployment
// already in progress in the environment (409); extension parameters,
// PRE_START_DEPLOYMENT extension actions, then the content validators —
// feature flag schema, JSON Schema, Lambda — (400). A rejected call
// allocates no deployment number and changes nothing.
//
// Lambda invocations happen between two transactions: the first checks
// and resolves, the second re-checks (a deployment started meanwhile is a
// 409; a version, validator or association changed meanwhile is a 409
// too) and writes. PRE_START_DEPLOYMENT actions run before the validators
// (AWS applies PRE_* actions before the activity itself, and an action may
// replace the content, which the validators must then see) [P].
func (s *Service) StartDeployment(ctx context.Context, in *api.StartDeploymentRequest) (*api.Deployment, error) {
	if err := validateTags(in.Tags); err != nil {
		return nil, err
	}
	now := s.now()
	var plan *deployPlan
	if err := s.st.View(ctx, func(tx store.Tx) (err error) {
		plan, err = planDeployment(ctx, tx, in, now)
		return err
	}); err != nil {
		return nil, err
	}
	prof := plan.prof
	content, contentType := plan.content, ""
	versionRef := str(in.ConfigurationVersion)
	if plan.version != nil {
		contentType = str(plan.version.ContentType)
		versionRef = strconv.Itoa(int(*plan.version.VersionNumber))
	}
	ev := extensionEvent{Application: idRef{in.ApplicationId}, Environment: idRef{in.EnvironmentId},
		ConfigurationProfile: profileRef{str(prof.Id), str(prof.Name)}, Description: str(in.Description), ConfigurationVersion: versionRef}
	// The number this deployment will get, unless another one is started
	// meanwhile (then this one fails with 409 anyway).
	ev.DeploymentNumber = plan.number
	preInvocations, content, contentType, err := s.preStartActions(ctx, plan.actions, ev, content, contentType)
	if err != nil {
		return nil, err
	}
	snap := &ContentSnapshot{}
	if plan.version != nil {
		if err := validateContent(prof, content); err != nil {
			return nil, err
		}
		if err := s.runLambdaValidators(ctx, prof, versionRef, content); err != nil {
			return nil, err
		}
		snap.ContentType, snap.VersionLabel, snap.Content, snap.Served = contentType, str(plan.version.VersionLabel), content, content
		if prof.featureFlags() {
			if snap.Served, err = renderFeatureFlags(content); err != nil {
				return nil, badRequest("The feature flag configuration data could not be rendered: %s", err.Error())
			}
			snap.ContentType = "application/json"
		}
	}
	var out *api.Deployment
	err = s.st.Update(ctx, func(tx store.Tx) error {
		app, envID := in.ApplicationId, in.EnvironmentId
		if err := s.settle(ctx, tx, app, envID, now); err != nil {
			return err
		}
		again, err := planDeployment(ctx, tx, in, now)
		if err != nil {
			return err
		}
		if !samePlan(plan, again) {
			return conflict("The configuration, its validators or the extensions of environment %s changed while the deployment was being validated. Start the deployment again.", envID)
		}
		env, err := environment(ctx, tx, app, envID)
		if err != nil {
			return err
		}
		n, err := tx.NextSequence(TableDeployments, key(ctx, app, envID))
		if err != nil {
			return err
		}
		if int32(n) != plan.number && len(preInvocations) > 0 {
			// The extensions were told another number; a concurrent
			// deployment took it (and has finished since).
			return conflict("Deployment number %d already exists.", ev.DeploymentNumber)
		}
		strat := plan.strat
		d := &DeploymentRecord{
			Account: account(ctx), Region: region(ctx),
			ApplicationId: app, EnvironmentId: envID, ConfigurationProfileId: *prof.Id,
			DeploymentStrategyId: str(in.DeploymentStrategyId), DeploymentNumber: int32(n),
			ConfigurationName: str(prof.Name), ConfigurationLocationUri: str(prof.LocationUri), ConfigurationVersion: versionRef,
			Description: optStr(str(in.Description)), KmsKeyIdentifier: in.KmsKeyIdentifier,
			Schedule: rollout.Record{StartedAt: now, Strategy: rollout.Strategy{
				DurationMinutes: *strat.DeploymentDurationInMinutes, GrowthFactor: float64(*strat.GrowthFactor),
				GrowthType: str(strat.GrowthType), FinalBakeMinutes: *strat.FinalBakeTimeInMinutes,
			}},
		}
		if in.KmsKeyIdentifier != nil {
			d.KmsKeyArn = kmsKeyArn(ctx, *in.KmsKeyIdentifier)
		}
		if plan.version != nil {
			d.VersionLabel = plan.version.VersionLabel
			sum := sha256.Sum256(snap.Served)
			d.ContentDigest = hex.EncodeToString(sum[:])
		}
		for i, a := range again.applied {
			d.AppliedExtensions = append(d.AppliedExtensions, api.AppliedExtension{ExtensionId: ptr(again.extIDs[i]),
				ExtensionAssociationId: a.Id, VersionNumber: a.ExtensionVersionNumber, Parameters: a.Parameters})
		}
		started := rollout.Initial(d.Schedule).Events[0]
		if len(preInvocations) > 0 {
			d.Invocations = append(d.Invocations, eventInvocations{Event: eventKey(started), Invocations: preInvocations})
		}
		for _, a := range plan.actions {
			if a.Point != "PRE_START_DEPLOYMENT" {
				d.Actions = append(d.Actions, a)
			}
		}
		k := deploymentKey(ctx, app, envID, d.DeploymentNumber)
		if err := store.PutJSON(tx, TableDeployments, k, d); err != nil {
			return err
		}
		if plan.version != nil {
			if err := store.PutJSON(tx, TableDeploymentContent, k, snap); err != nil {
				return err
			}
		}
		act := activeRecord{Account: account(ctx), Region: region(ctx), App: app, Env: envID, Number: d.DeploymentNumber}
		if err := store.PutJSON(tx, tActive, key(ctx, app, envID), act); err != nil {
			return err
		}
		if len(d.Actions) > 0 {
			if err := store.PutJSON(tx, tExtPending, k, act); err != nil {
				return err
			}
		}
		env.State = ptr(envDeploying)
		if err := store.PutJSON(tx, tEnvironments, key(ctx, app, envID), env); err != nil {
			return err
		}
		out = toAPI(d, rollout.Initial(d.Schedule))
		return putTags(tx, ctx, deploymentARN(ctx, app, envID, d.DeploymentNumber), in.Tags)
	})
	return out, err
}

// checkDynamicParameters: each key is "<extension>#<parameter>", where the
// extension (ID, name or ARN) is one of the deployment's applied
// extensions and the parameter is one it declares dynamic. It returns the
// values by extension ID.
func checkDynamicParameters(ctx context.Context, tx store.Tx, applied []*associationRecord, params map[string]string) (map[string]map[string]string, error) {
	out := map[string]map[string]string{}
	for k, v := range params {
		i := strings.LastIndex(k, "#")
		ref, name := k[:i], k[i+1:]
		var found *api.Extension
		for _, a := range applied {
			x, err := findExtension(ctx, tx, str(a.ExtensionArn), nil)
			if err != nil {
				continue
			}
			arnNoVersion := str(x.Arn)[:strings.LastIndex(str(x.Arn), "/")]
			if ref == str(x.Id) || ref == str(x.Name) || ref == str(x.Arn) || ref == arnNoVersion {
				found = x
				break
			}
		}
		if found == nil {
			return nil, badRequest("Dynamic extension parameter %s does not refer to an extension associated with this deployment.", k)
		}
		p, ok := found.Parameters[name]
		if !ok || p.Dynamic == nil || !*p.Dynamic {
			return nil, badRequest("Parameter %s is not a dynamic parameter of extension %s.", name, str(found.Id))
		}
		if out[*found.Id] == nil {
			out[*found.Id] = map[string]string{}
		}
		out[*found.Id][name] = v
	}
	return out, nil
}

func (s *Service) GetDeployment(ctx context.Context, in *api.GetDeploymentRequest) (*api.Deployment, error) {
	var out *api.Deployment
	now := s.now()
	err := s.st.View(ctx, func(tx store.Tx) error {
		if _, err := application(ctx, tx, in.ApplicationId); err != nil {
			return err
		}
		if _, err := environment(ctx, tx, in.ApplicationId, in.EnvironmentId); err != nil {
			return err
		}
		d, err := deployment(ctx, tx, in.ApplicationId, in.EnvironmentId, in.DeploymentNumber)
		if err != nil {
			return err
		}
		out = toAPI(d, d.Status(now))
		return nil
	})
	return out, err
}

// ListDeployments lists newest first (descending DeploymentNumber).
func (s *Service) ListDeployments(ctx context.Context, in *api.ListDeploymentsRequest) (*api.Deployments, error) {
	var out *api.Deployments
	now := s.now()
	err := s.st.View(ctx, func(tx store.Tx) error {
		if _, err := application(ctx, tx, in.ApplicationId); err != nil {
			return err
		}
		if _, err := environment(ctx, tx, in.ApplicationId, in.EnvironmentId); err != nil {
			return err
		}
		all, err := store.ScanJSON[DeploymentRecord](tx, TableDeployments, prefix(ctx, in.ApplicationId, in.EnvironmentId))
		if err != nil {
			return err
		}
		for i, j := 0, len(all)-1; i < j; i, j = i+1, j-1 {
			all[i], all[j] = all[j], all[i]
		}
		keyOf := func(d *DeploymentRecord) string { return num(1<<31 - 1 - d.DeploymentNumber) }
		items, next, err := page("deployments/"+in.ApplicationId+"/"+in.EnvironmentId, all, keyOf, in.NextToken, in.MaxResults)
		if err != nil {
			return err
		}
		out = &api.Deployments{Items: []api.DeploymentSummary{}, NextToken: next}
		for _, d := range items {
			out.Items = append(out.Items, toSummary(d, d.Status(now)))
		}
		return nil
	})
	return out, err
}

// revertWindow is how long after completion a deployment can be reverted.
const revertWindow = 72 * time.Hour

// StopDeployment rolls back a deployment in progress (DEPLOYING or
// BAKING), with or without Allow-Revert; with Allow-Revert it reverts a
// COMPLETE deployment completed at most 72 hours ago, if it is the newest
// deployment of its environment. Anything else is a 400.
func (s *Service) StopDeployment(ctx context.Context, in *api.StopDeploymentRequest) (*api.Deployment, error) {
	now := s.now()
	allowRevert := in.AllowRevert != nil && *in.AllowRevert
	var out *api.Deployment
	err := s.st.Update(ctx, func(tx store.Tx) error {
		if _, err := application(ctx, tx, in.ApplicationId); err != nil {
			return err
		}
		if _, err := environment(ctx, tx, in.ApplicationId, in.EnvironmentId); err != nil {
			return err
		}
		d, err := deployment(ctx, tx, in.ApplicationId, in.EnvironmentId, in.DeploymentNumber)
		if err != nil {
			return err
		}
		if err := s.settle(ctx, tx, in.ApplicationId, in.EnvironmentId, now); err != nil {
			return err
		}
		st := d.Status(now)
		switch {
		case st.InProgress():
			rollbackAt(d, now, rollout.ByUser, rollout.DescRollbackByUser(account(ctx)))
			if err := s.finish(ctx, tx, d, envRolledBack); err != nil {
				return err
			}
		case st.State == rollout.StateComplete:
			if !allowRevert {
				return badRequest("Deployment %d is already complete. To revert a completed deployment, set AllowRevert.", d.DeploymentNumber)
			}
			if now.Sub(st.CompletedAt) > revertWindow {
				return badRequest("Deployment %d completed more than 72 hours ago and can no longer be reverted.", d.DeploymentNumber)
			}
			latest, err := latestDeployment(ctx, tx, in.ApplicationId, in.EnvironmentId)
			if err != nil {
				return err
			}
			if latest != d.DeploymentNumber {
				return badRequest("Only the most recent deployment of an environment can be reverted; deployment %d is newer than deployment %d.", latest, d.DeploymentNumber)
			}
			d.Schedule.Revert = &rollout.Intervention{At: now, TriggeredBy: rollout.ByUser, Description: rollout.DescRevertCompleted}
			d.Final, d.CompletedAt = rollout.StateReverted, now
			if err := s.finish(ctx, tx, d, envReverted); err != nil {
				return err
			}
		default:
			return badRequest("Deployment %d is %s and cannot be stopped.", d.DeploymentNumber, st.State)
		}
		out = toAPI(d, d.Status(now))
		return nil
	})
	return out, err
}

func rollbackAt(d *DeploymentRecord, at time.Time, by, desc string) {
	d.Schedule.Rollback = &rollout.Intervention{At: at, TriggeredBy: by, Description: desc}
	d.Final, d.CompletedAt = rollout.StateRolledBack, at
}

// latestDeployment is the highest deployment number of an environment.
func latestDeployment(ctx context.Context, tx store.Tx, app, env string) (int32, error) {
	var last string
	err := tx.Scan(TableDeployments, prefix(ctx, app, env), func(k string, _ []byte) bool { last = k; return true })
	if err != nil || last == "" {
		return 0, err
	}
	n, err := strconv.Atoi(last[strings.LastIndex(last, "/")+1:])
	return int32(n), err
}

// The rollout driver's side (see rollout.Driver).

func (s *Service) driverJobs(ctx context.Context) ([]rollout.Job, error) {
	var jobs []rollout.Job
	err := s.st.View(ctx, func(tx store.Tx) error {
		seen := map[string]bool{}
		for _, table := range []string{tActive, tExtPending} {
			recs, err := store.ScanJSON[activeRecord](tx, table, "")
			if err != nil {
				return err
			}
			for _, a := range recs {
				k := store.Key(a.Account, a.Region, a.App, a.Env, num(a.Number))
				if !seen[k] {
					seen[k] = true
					jobs = append(jobs, rollout.Job{LeaseKey: k, Ref: *a})
				}
			}
		}
		return nil
	})
	return jobs, err
}

// driveDeployment persists a completed deployment, or checks the
// environment's monitors and rolls back on alarm, then delivers the
// extension actions of the events so far (actions.go). done means the
// deployment needs no more driving.
func (s *Service) driveDeployment(ctx context.Context, job rollout.Job, now time.Time) (bool, error) {
	a := job.Ref.(activeRecord)
	ctx = wire.WithScope(ctx, wire.Scope{Account: a.Account, Region: a.Region})
	now = now.UTC().Truncate(time.Millisecond)
	var (
		d   *DeploymentRecord
		env *environmentRecord
	)
	err := s.st.View(ctx, func(tx store.Tx) (err error) {
		if d, err = deployment(ctx, tx, a.App, a.Env, a.Number); err != nil {
			return err
		}
		env, err = environment(ctx, tx, a.App, a.Env)
		return err
	})
	var nf *api.ResourceNotFoundException
	if errors.As(err, &nf) {
		err = s.st.Update(ctx, func(tx store.Tx) error {
			if act, err := activeDeployment(ctx, tx, a.App, a.Env); err != nil {
				return err
			} else if act != nil && act.Number == a.Number {
				if err := tx.Delete(tActive, key(ctx, a.App, a.Env)); err != nil {
					return err
				}
			}
			return tx.Delete(tExtPending, deploymentKey(ctx, a.App, a.Env, a.Number))
		})
		return true, err
	}
	if err != nil {
		return false, err
	}
	if d.Status(now).InProgress() {
		if d, err = s.checkAlarms(ctx, a, d, env, now); err != nil {
			return false, err
		}
	} else if err := s.st.Update(ctx, func(tx store.Tx) error { return s.settle(ctx, tx, a.App, a.Env, now) }); err != nil {
		return false, err
	}
	st := d.Status(now)
	delivered, err := s.deliverActions(ctx, job.LeaseKey, a, d, st)
	return delivered && !st.InProgress(), err
}

// checkAlarms asks the monitors hook about the environment's alarms and
// rolls the deployment back when one fires; it returns the deployment as
// it is afterwards.
func (s *Service) checkAlarms(ctx context.Context, a activeRecord, d *DeploymentRecord, env *environmentRecord, now time.Time) (*DeploymentRecord, error) {
	if s.alarms == nil || len(env.Monitors) == 0 {
		return d, nil
	}
	scope := rollout.MonitorScope{Account: a.Account, Region: a.Region, ApplicationID: a.App, Environment: a.Env, DeploymentNumber: a.Number}
	for _, m := range env.Monitors {
		scope.AlarmArns = append(scope.AlarmArns, str(m.AlarmArn))
		scope.AlarmRoleArns = append(scope.AlarmRoleArns, str(m.AlarmRoleArn))
	}
	alarm, err := s.alarms(ctx, scope)
	if err != nil || alarm == "" {
		return d, err
	}
	rolledBack := false
	err = s.st.Update(ctx, func(tx store.Tx) error {
		cur, err := deployment(ctx, tx, a.App, a.Env, a.Number)
		if err != nil {
			return err
		}
		d, rolledBack = cur, false
		if !d.Status(now).InProgress() {
			return s.settle(ctx, tx, a.App, a.Env, now)
		}
		rollbackAt(d, now, rollout.ByCloudWatchAlarm, rollout.DescRollbackByAlarm(alarm))
		rolledBack = true
		return s.finish(ctx, tx, d, envRolledBack)
	})
	if err == nil && rolledBack {
		s.log.Info("appconfig: deployment rolled back by alarm", "application", a.App, "environment", a.Env, "deployment", a.Number, "alarm", alarm)
	}
	return d, err
}
