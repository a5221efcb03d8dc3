package appconfig

import (
	"context"
	"time"

	api "github.com/stagecraft/stagecraft/internal/api/appconfig"
	"github.com/stagecraft/stagecraft/internal/store"
)

// Environment states.
const (
	envReady       = "READY_FOR_DEPLOYMENT"
	envDeploying   = "DEPLOYING"
	envRollingBack = "ROLLING_BACK"
	envRolledBack  = "ROLLED_BACK"
	envReverted    = "REVERTED"
)

// environmentRecord is an environment. State is the last persisted state;
// while a deployment is unfinished (appconfig.active) the state readers
// see is derived from that deployment's schedule (see envState).
type environmentRecord struct {
	api.Environment
	Seq     uint64    `json:"seq"`
	Created time.Time `json:"created"`
}

func environment(ctx context.Context, tx store.Tx, app, id string) (*environmentRecord, error) {
	return get[environmentRecord](tx, tEnvironments, key(ctx, app, id), errNoEnv(id))
}

func (s *Service) CreateEnvironment(ctx context.Context, in *api.CreateEnvironmentRequest) (*api.Environment, error) {
	if err := validateTags(in.Tags); err != nil {
		return nil, err
	}
	var out *api.Environment
	err := s.st.Update(ctx, func(tx store.Tx) error {
		if _, err := application(ctx, tx, in.ApplicationId); err != nil {
			return err
		}
		id, err := newID(ctx, tx, tEnvironments, in.ApplicationId)
		if err != nil {
			return err
		}
		seq, err := nextOrder(tx)
		if err != nil {
			return err
		}
		rec := &environmentRecord{Environment: api.Environment{
			ApplicationId: &in.ApplicationId, Id: &id, Name: in.Name, Description: in.Description,
			Monitors: in.Monitors, State: ptr(envReady),
		}, Seq: seq, Created: s.now()}
		if err := store.PutJSON(tx, tEnvironments, key(ctx, in.ApplicationId, id), rec); err != nil {
			return err
		}
		out = &rec.Environment
		return putTags(tx, ctx, envARN(ctx, in.ApplicationId, id), in.Tags)
	})
	return out, err
}

// view is an environment as readers see it at now.
func (s *Service) viewEnvironment(ctx context.Context, tx store.Tx, rec *environmentRecord, now time.Time) (*api.Environment, error) {
	st, err := envState(ctx, tx, rec, now)
	if err != nil {
		return nil, err
	}
	e := rec.Environment
	e.State = &st
	if len(e.Monitors) == 0 {
		e.Monitors = nil
	}
	return &e, nil
}

func (s *Service) GetEnvironment(ctx context.Context, in *api.GetEnvironmentRequest) (*api.Environment, error) {
	var out *api.Environment
	now := s.now()
	err := s.st.View(ctx, func(tx store.Tx) error {
		if _, err := application(ctx, tx, in.ApplicationId); err != nil {
			return err
		}
		rec, err := environment(ctx, tx, in.ApplicationId, in.EnvironmentId)
		if err != nil {
			return err
		}
		out, err = s.viewEnvironment(ctx, tx, rec, now)
		return err
	})
	return out, err
}

func (s *Service) ListEnvironments(ctx context.Context, in *api.ListEnvironmentsRequest) (*api.Environments, error) {
	var out *api.Environments
	now := s.now()
	err := s.st.View(ctx, func(tx store.Tx) error {
		if _, err := application(ctx, tx, in.ApplicationId); err != nil {
			return err
		}
		all, err := store.ScanJSON[environmentRecord](tx, tEnvironments, prefix(ctx, in.ApplicationId))
		if err != nil {
			return err
		}
		sortBySeq(all, func(r *environmentRecord) uint64 { return r.Seq })
		items, next, err := page("environments/"+in.ApplicationId, all, func(r *environmentRecord) string { return orderKey(r.Seq) }, in.NextToken, in.MaxResults)
		if err != nil {
			return err
		}
		out = &api.Environments{Items: []api.Environment{}, NextToken: next}
		for _, r := range items {
			e, err := s.viewEnvironment(ctx, tx, r, now)
			if err != nil {
				return err
			}
			out.Items = append(out.Items, *e)
		}
		return nil
	})
	return out, err
}

// UpdateEnvironment is a partial update; Monitors, when present, replaces
// the list (an empty list clears it).
func (s *Service) UpdateEnvironment(ctx context.Context, in *api.UpdateEnvironmentRequest) (*api.Environment, error) {
	var out *api.Environment
	now := s.now()
	err := s.st.Update(ctx, func(tx store.Tx) error {
		if _, err := application(ctx, tx, in.ApplicationId); err != nil {
			return err
		}
		rec, err := environment(ctx, tx, in.ApplicationId, in.EnvironmentId)
		if err != nil {
			return err
		}
		if in.Name != nil {
			rec.Name = in.Name
		}
		if in.Description != nil {
			rec.Description = in.Description
		}
		if in.Monitors != nil {
			rec.Monitors = in.Monitors
		}
		if err := store.PutJSON(tx, tEnvironments, key(ctx, in.ApplicationId, in.EnvironmentId), rec); err != nil {
			return err
		}
		out, err = s.viewEnvironment(ctx, tx, rec, now)
		return err
	})
	return out, err
}

// DeleteEnvironment deletes the environment with its deployments. It is
// refused (409) while a deployment is in progress, and (400) when
// deletion protection applies and configuration was fetched recently.
func (s *Service) DeleteEnvironment(ctx context.Context, in *api.DeleteEnvironmentRequest) error {
	now := s.now()
	return s.st.Update(ctx, func(tx store.Tx) error {
		if _, err := application(ctx, tx, in.ApplicationId); err != nil {
			return err
		}
		rec, err := environment(ctx, tx, in.ApplicationId, in.EnvironmentId)
		if err != nil {
			return err
		}
		if err := s.settle(ctx, tx, in.ApplicationId, in.EnvironmentId, now); err != nil {
			return err
		}
		if act, err := activeDeployment(ctx, tx, in.ApplicationId, in.EnvironmentId); err != nil {
			return err
		} else if act != nil {
			return conflict("Cannot delete environment %s because deployment %d is in progress.", in.EnvironmentId, act.Number)
		}
		if p, err := protected(ctx, tx, in.DeletionProtectionCheck, rec.Created, usageKey(ctx, "env", in.ApplicationId, in.EnvironmentId), now); err != nil {
			return err
		} else if p {
			return badRequest("Environment %s is actively being used in your application and cannot be deleted.", in.EnvironmentId)
		}
		p := prefix(ctx, in.ApplicationId, in.EnvironmentId)
		// The deployments' tags go with them.
		deps, err := store.ScanJSON[DeploymentRecord](tx, TableDeployments, p)
		if err != nil {
			return err
		}
		for _, d := range deps {
			if err := deleteTags(tx, ctx, deploymentARN(ctx, in.ApplicationId, in.EnvironmentId, d.DeploymentNumber)); err != nil {
				return err
			}
		}
		for _, t := range []string{TableDeployments, TableDeploymentContent, tLeases, tExtPending} {
			if _, err := tx.DeletePrefix(t, p); err != nil {
				return err
			}
		}
		if err := tx.Delete(TableUsage, usageKey(ctx, "env", in.ApplicationId, in.EnvironmentId)); err != nil {
			return err
		}
		if err := deleteAssociationsOf(ctx, tx, envARN(ctx, in.ApplicationId, in.EnvironmentId)); err != nil {
			return err
		}
		if err := deleteTags(tx, ctx, envARN(ctx, in.ApplicationId, in.EnvironmentId)); err != nil {
			return err
		}
		return tx.Delete(tEnvironments, key(ctx, in.ApplicationId, in.EnvironmentId))
	})
}
