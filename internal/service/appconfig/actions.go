package appconfig

import (
	"context"
	"errors"
	"slices"

	"github.com/stagecraft/stagecraft/internal/rollout"
	"github.com/stagecraft/stagecraft/internal/store"
)

// ON_DEPLOYMENT_* extension actions, delivered by the rollout driver.
//
// StartDeployment snapshots the applied extensions' Lambda actions into
// the deployment (DeploymentRecord.Actions) and marks the deployment in
// appconfig.extpending. On every pass the driver (the lease holder of
// the deployment) compares the deployment's event log at now with the
// events already delivered, and starts one background delivery per
// deployment for the rest: in causal order, for each event, every action
// of its action point is invoked and the outcome (ActionInvocation, with
// ErrorCode/ErrorMessage on failure) is recorded under the event, which
// GetDeployment then reports in the event's ActionInvocations. Errors are
// logged and otherwise ignored, as AWS ignores errors of ON_* actions;
// each event is recorded as delivered right after its invocations, so a
// node that stops mid-delivery re-invokes at most that event's actions
// (at least once, never skipped). A deployment leaves extpending once it
// is finished (COMPLETE, ROLLED_BACK) and every event has been delivered.
//
//	DEPLOYMENT_STARTED   → ON_DEPLOYMENT_START
//	PERCENTAGE_UPDATED   → ON_DEPLOYMENT_STEP (each step)
//	BAKE_TIME_STARTED    → ON_DEPLOYMENT_BAKING
//	DEPLOYMENT_COMPLETED → ON_DEPLOYMENT_COMPLETE
//	ROLLBACK_COMPLETED   → ON_DEPLOYMENT_ROLLED_BACK
//
// A revert (REVERT_COMPLETED) has no action point.

var eventActionPoints = map[string]string{
	rollout.EventDeploymentStarted:   "ON_DEPLOYMENT_START",
	rollout.EventPercentageUpdated:   "ON_DEPLOYMENT_STEP",
	rollout.EventBakeTimeStarted:     "ON_DEPLOYMENT_BAKING",
	rollout.EventDeploymentCompleted: "ON_DEPLOYMENT_COMPLETE",
	rollout.EventRollbackCompleted:   "ON_DEPLOYMENT_ROLLED_BACK",
}

// actionsFor are d's actions at action point point.
func (d *DeploymentRecord) actionsFor(point string) []extAction {
	var out []extAction
	for _, a := range d.Actions {
		if a.Point == point {
			out = append(out, a)
		}
	}
	return out
}

// undelivered are the events of st (causal order) that have actions and
// have not been delivered.
func (d *DeploymentRecord) undelivered(st rollout.Status) []rollout.Event {
	var out []rollout.Event
	for i := len(st.Events) - 1; i >= 0; i-- {
		e := st.Events[i]
		if len(d.actionsFor(eventActionPoints[e.Type])) > 0 && !slices.Contains(d.Delivered, eventKey(e)) {
			out = append(out, e)
		}
	}
	return out
}

// deliverActions starts the delivery of the events of deployment d (a)
// up to st unless one is running; done reports that nothing is left to deliver
// and nothing ever will be (the deployment is finished or gone).
func (s *Service) deliverActions(ctx context.Context, leaseKey string, a activeRecord, d *DeploymentRecord, st rollout.Status) (done bool, err error) {
	s.mu.Lock()
	_, busy := s.inflight[leaseKey]
	s.mu.Unlock()
	if busy {
		return false, nil
	}
	pk := deploymentKey(ctx, a.App, a.Env, a.Number)
	var pending bool
	if err := s.st.View(ctx, func(tx store.Tx) (err error) {
		pending, err = exists(tx, tExtPending, pk)
		return err
	}); err != nil {
		return false, err
	}
	if !pending {
		return true, nil
	}
	if d == nil {
		return true, s.st.Update(ctx, func(tx store.Tx) error { return tx.Delete(tExtPending, pk) })
	}
	todo := d.undelivered(st)
	if len(todo) == 0 {
		if st.InProgress() {
			return false, nil
		}
		return true, s.st.Update(ctx, func(tx store.Tx) error { return tx.Delete(tExtPending, pk) })
	}
	ch := make(chan struct{})
	s.mu.Lock()
	s.inflight[leaseKey] = ch
	s.mu.Unlock()
	go func() {
		defer func() {
			s.mu.Lock()
			delete(s.inflight, leaseKey)
			s.mu.Unlock()
			close(ch)
		}()
		s.deliver(context.WithoutCancel(ctx), d, todo)
	}()
	return false, nil
}

// deliver invokes the actions of each event in order and records them.
func (s *Service) deliver(ctx context.Context, d *DeploymentRecord, events []rollout.Event) {
	ev := extensionEvent{Application: idRef{d.ApplicationId}, Environment: idRef{d.EnvironmentId},
		ConfigurationProfile: profileRef{d.ConfigurationProfileId, d.ConfigurationName}, DeploymentNumber: d.DeploymentNumber,
		Description: str(d.Description), ConfigurationVersion: d.ConfigurationVersion}
	k := deploymentKey(ctx, d.ApplicationId, d.EnvironmentId, d.DeploymentNumber)
	for _, e := range events {
		rec := eventInvocations{Event: eventKey(e)}
		for _, a := range d.actionsFor(eventActionPoints[e.Type]) {
			inv, _, err := s.invokeAction(ctx, a, ev)
			attrs := []any{"application", d.ApplicationId, "environment", d.EnvironmentId, "deployment", d.DeploymentNumber,
				"extension", a.ExtensionID, "action", a.Name, "point", a.Point, "uri", a.URI, "invocation", str(inv.InvocationId)}
			if err != nil {
				s.log.Warn("appconfig: extension action failed (ignored, as AWS ignores ON_* action errors)", append(attrs, "err", err)...)
			} else {
				s.log.Info("appconfig: extension action invoked", attrs...)
			}
			rec.Invocations = append(rec.Invocations, inv)
		}
		err := s.st.Update(ctx, func(tx store.Tx) error {
			cur, err := store.GetJSON[DeploymentRecord](tx, TableDeployments, k)
			if errors.Is(err, store.ErrNotFound) {
				return nil // deleted with its environment meanwhile
			}
			if err != nil || slices.Contains(cur.Delivered, rec.Event) {
				return err
			}
			cur.Delivered = append(cur.Delivered, rec.Event)
			cur.Invocations = append(cur.Invocations, rec)
			return store.PutJSON(tx, TableDeployments, k, cur)
		})
		if err != nil {
			s.log.Warn("appconfig: recording extension invocations failed", "deployment", d.DeploymentNumber, "err", err)
			return
		}
	}
}

// waitDeliveries waits until the deliveries running now have finished.
func (s *Service) waitDeliveries() {
	s.mu.Lock()
	chs := make([]chan struct{}, 0, len(s.inflight))
	for _, ch := range s.inflight {
		chs = append(chs, ch)
	}
	s.mu.Unlock()
	for _, ch := range chs {
		<-ch
	}
}
