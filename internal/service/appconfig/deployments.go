package appconfig

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
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

// StartDeployment validates in the order of the spec (§3.2): the model's
// shape checks (generated, 400); existence of application, environment,
// profile, strategy and hosted version (404, in that order); a deployment
// already in progress in the environment (409); content validators and
// extension parameters (400). A rejected call allocates no deployment
// number and changes nothing.
func (s *Service) StartDeployment(ctx context.Context, in *api.StartDeploymentRequest) (*api.Deployment, error) {
	if err := validateTags(in.Tags); err != nil {
		return nil, err
	}
	now := s.now()
	var out *api.Deployment
	err := s.st.Update(ctx, func(tx store.Tx) error {
		app, envID := in.ApplicationId, in.EnvironmentId
		if _, err := application(ctx, tx, app); err != nil {
			return err
		}
		env, err := environment(ctx, tx, app, envID)
		if err != nil {
			return err
		}
		prof, err := profile(ctx, tx, app, str(in.ConfigurationProfileId))
		if err != nil {
			return err
		}
		strat, err := strategy(ctx, tx, str(in.DeploymentStrategyId))
		if err != nil {
			return err
		}
		var (
			version *hostedVersionRecord
			content []byte
			ref     = str(in.ConfigurationVersion)
		)
		if prof.hosted() {
			if version, content, err = resolveVersion(ctx, tx, prof, ref); err != nil {
				return err
			}
		}
		if err := s.settle(ctx, tx, app, envID, now); err != nil {
			return err
		}
		if act, err := activeDeployment(ctx, tx, app, envID); err != nil {
			return err
		} else if act != nil {
			return conflict("Environment %s already has a deployment in progress (deployment number %d). Only one deployment at a time is allowed per environment.", envID, act.Number)
		}
		snap := &ContentSnapshot{}
		if version != nil {
			if err := validateContent(prof, content); err != nil {
				return err
			}
			snap.ContentType, snap.VersionLabel, snap.Content, snap.Served = str(version.ContentType), str(version.VersionLabel), content, content
			if prof.featureFlags() {
				if snap.Served, err = renderFeatureFlags(content); err != nil {
					return badRequest("The feature flag configuration data could not be rendered: %s", err.Error())
				}
				snap.ContentType = "application/json"
			}
		}
		applied, err := appliedExtensions(ctx, tx, app, envID, str(prof.Id))
		if err != nil {
			return err
		}
		if err := checkDynamicParameters(ctx, tx, applied, in.DynamicExtensionParameters); err != nil {
			return err
		}
		n, err := tx.NextSequence(TableDeployments, key(ctx, app, envID))
		if err != nil {
			return err
		}
		d := &DeploymentRecord{
			Account: account(ctx), Region: region(ctx),
			ApplicationId: app, EnvironmentId: envID, ConfigurationProfileId: *prof.Id,
			DeploymentStrategyId: str(in.DeploymentStrategyId), DeploymentNumber: int32(n),
			ConfigurationName: str(prof.Name), ConfigurationLocationUri: str(prof.LocationUri), ConfigurationVersion: ref,
			Description: optStr(str(in.Description)), KmsKeyIdentifier: in.KmsKeyIdentifier,
			Schedule: rollout.Record{StartedAt: now, Strategy: rollout.Strategy{
				DurationMinutes: *strat.DeploymentDurationInMinutes, GrowthFactor: float64(*strat.GrowthFactor),
				GrowthType: str(strat.GrowthType), FinalBakeMinutes: *strat.FinalBakeTimeInMinutes,
			}},
		}
		if in.KmsKeyIdentifier != nil {
			d.KmsKeyArn = kmsKeyArn(ctx, *in.KmsKeyIdentifier)
		}
		if version != nil {
			d.ConfigurationVersion = strconv.Itoa(int(*version.VersionNumber))
			d.VersionLabel = version.VersionLabel
			sum := sha256.Sum256(snap.Served)
			d.ContentDigest = hex.EncodeToString(sum[:])
		}
		for _, a := range applied {
			x, _ := findExtension(ctx, tx, str(a.ExtensionArn), nil)
			ae := api.AppliedExtension{ExtensionAssociationId: a.Id, VersionNumber: a.ExtensionVersionNumber, Parameters: a.Parameters}
			if x != nil {
				ae.ExtensionId = x.Id
			} else {
				ae.ExtensionId = ptr(a.ExtensionID)
			}
			d.AppliedExtensions = append(d.AppliedExtensions, ae)
		}
		k := deploymentKey(ctx, app, envID, d.DeploymentNumber)
		if err := store.PutJSON(tx, TableDeployments, k, d); err != nil {
			return err
		}
		if version != nil {
			if err := store.PutJSON(tx, TableDeploymentContent, k, snap); err != nil {
				return err
			}
		}
		if err := store.PutJSON(tx, tActive, key(ctx, app, envID), activeRecord{
			Account: account(ctx), Region: region(ctx), App: app, Env: envID, Number: d.DeploymentNumber}); err != nil {
			return err
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
// extensions and the parameter is one it declares dynamic.
func checkDynamicParameters(ctx context.Context, tx store.Tx, applied []*associationRecord, params map[string]string) error {
	for k := range params {
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
			return badRequest("Dynamic extension parameter %s does not refer to an extension associated with this deployment.", k)
		}
		p, ok := found.Parameters[name]
		if !ok || p.Dynamic == nil || !*p.Dynamic {
			return badRequest("Parameter %s is not a dynamic parameter of extension %s.", name, str(found.Id))
		}
	}
	return nil
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
		acts, err := store.ScanJSON[activeRecord](tx, tActive, "")
		for _, a := range acts {
			jobs = append(jobs, rollout.Job{LeaseKey: store.Key(a.Account, a.Region, a.App, a.Env, num(a.Number)), Ref: *a})
		}
		return err
	})
	return jobs, err
}

// driveDeployment persists a completed deployment, or checks the
// environment's monitors and rolls back on alarm. done means the
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
		return true, s.st.Update(ctx, func(tx store.Tx) error { return tx.Delete(tActive, key(ctx, a.App, a.Env)) })
	}
	if err != nil {
		return false, err
	}
	if !d.Status(now).InProgress() {
		return true, s.st.Update(ctx, func(tx store.Tx) error { return s.settle(ctx, tx, a.App, a.Env, now) })
	}
	if s.alarms == nil || len(env.Monitors) == 0 {
		return false, nil
	}
	scope := rollout.MonitorScope{Account: a.Account, Region: a.Region, ApplicationID: a.App, Environment: a.Env, DeploymentNumber: a.Number}
	for _, m := range env.Monitors {
		scope.AlarmArns = append(scope.AlarmArns, str(m.AlarmArn))
		scope.AlarmRoleArns = append(scope.AlarmRoleArns, str(m.AlarmRoleArn))
	}
	alarm, err := s.alarms(ctx, scope)
	if err != nil || alarm == "" {
		return false, err
	}
	err = s.st.Update(ctx, func(tx store.Tx) error {
		d, err := deployment(ctx, tx, a.App, a.Env, a.Number)
		if err != nil {
			return err
		}
		if !d.Status(now).InProgress() {
			return s.settle(ctx, tx, a.App, a.Env, now)
		}
		rollbackAt(d, now, rollout.ByCloudWatchAlarm, rollout.DescRollbackByAlarm(alarm))
		return s.finish(ctx, tx, d, envRolledBack)
	})
	return err == nil, err
}
