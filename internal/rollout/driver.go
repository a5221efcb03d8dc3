package rollout

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"time"

	"github.com/stagecraft/stagecraft/internal/clock"
	"github.com/stagecraft/stagecraft/internal/store"
)

// The Driver is the active half of the engine. The schedule itself needs
// no driving — Evaluate answers for any instant — but some things must
// happen once, by someone, as time passes:
//
//   - persisting the transitions that matter (a deployment reaching
//     COMPLETE frees its environment: the environment record and the
//     "active deployments" index are updated in the store);
//   - checking the environment's monitors while a deployment is DEPLOYING
//     or BAKING, and rolling it back when an alarm fires (AlarmChecker);
//   - later: invoking extensions at ON_DEPLOYMENT_STEP/BAKING/COMPLETE.
//
// Persisted transitions are schedule-derived (the completion is written
// with its scheduled instant, not with the moment the driver noticed), so
// whoever writes them — the driver, or an API call that touches the
// environment first — writes the same thing, and a restart changes
// nothing: the next node evaluates the same Record and continues.
//
// Single driver per deployment (several nodes sharing a store). Each job
// carries a lease key; before working on a job a node takes the lease in a
// store transaction: a Lease record {Holder, Expires} in LeaseTable. The
// lease is free when absent, expired on the injected clock, or already
// held by this node (then it is renewed). Transactions are serializable,
// so two nodes racing for one lease cannot both win. A node that dies
// simply stops renewing; after TTL another node takes over. Work done
// under a lease is idempotent (schedule-derived writes, and rollbacks that
// re-check the state in their own transaction), so the short window where
// a stalled holder's lease expired while it was still working cannot
// produce a second, different outcome. The holder deletes the lease when
// the job is finished.
type Driver struct {
	Store      store.Store
	Clock      clock.Clock
	LeaseTable string        // e.g. "appconfig.leases"
	Node       string        // this node's identity (random per process)
	TTL        time.Duration // lease lifetime on Clock (default 30s)
	Interval   time.Duration // wall-clock pause between passes (default 1s)
	Log        *slog.Logger

	// Jobs lists the deployments that still need driving.
	Jobs func(ctx context.Context) ([]Job, error)
	// Drive does the work for one job at now; it is called only while this
	// node holds the job's lease. It returns done=true when the job needs
	// no more driving (the lease is then released).
	Drive func(ctx context.Context, job Job, now time.Time) (done bool, err error)
}

// Job is one deployment that needs driving.
type Job struct {
	LeaseKey string // unique per deployment
	Ref      any    // the caller's handle, passed back to Drive
}

// Lease is a time-limited claim of one node on one job.
type Lease struct {
	Holder  string    `json:"holder"`
	Expires time.Time `json:"expires"`
}

// AlarmChecker is the monitors hook: it is asked, while a deployment is
// DEPLOYING or BAKING, whether any of the environment's monitors is in
// ALARM. It returns the ARN of the firing alarm, or "" when none fires.
// The engine then rolls the deployment back with TriggeredBy
// CLOUDWATCH_ALARM. Stagecraft has no CloudWatch yet, so no checker is
// installed by default (a later piece plugs one in).
type AlarmChecker func(ctx context.Context, m MonitorScope) (alarmArn string, err error)

// MonitorScope names the environment whose monitors are checked.
type MonitorScope struct {
	Account, Region            string
	ApplicationID, Environment string
	DeploymentNumber           int32
	AlarmArns                  []string
	AlarmRoleArns              []string
}

// AcquireLease takes or renews the lease on key for holder in tx and
// reports whether holder has it afterwards.
func AcquireLease(tx store.Tx, table, key, holder string, now time.Time, ttl time.Duration) (bool, error) {
	b, err := tx.Get(table, key)
	switch {
	case errors.Is(err, store.ErrNotFound):
	case err != nil:
		return false, err
	default:
		var l Lease
		if json.Unmarshal(b, &l) == nil && l.Holder != holder && now.Before(l.Expires) {
			return false, nil
		}
	}
	return true, store.PutJSON(tx, table, key, Lease{Holder: holder, Expires: now.Add(ttl)})
}

// ReleaseLease deletes the lease on key if holder has it.
func ReleaseLease(tx store.Tx, table, key, holder string) error {
	b, err := tx.Get(table, key)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	var l Lease
	if json.Unmarshal(b, &l) == nil && l.Holder != holder {
		return nil
	}
	return tx.Delete(table, key)
}

func (d *Driver) ttl() time.Duration {
	if d.TTL > 0 {
		return d.TTL
	}
	return 30 * time.Second
}

// RunOnce makes one pass over the jobs: for each, take the lease, drive
// it, release the lease when it is done.
func (d *Driver) RunOnce(ctx context.Context) error {
	jobs, err := d.Jobs(ctx)
	if err != nil {
		return err
	}
	var first error
	for _, j := range jobs {
		now := d.Clock.Now()
		var held bool
		err := d.Store.Update(ctx, func(tx store.Tx) (err error) {
			held, err = AcquireLease(tx, d.LeaseTable, j.LeaseKey, d.Node, now, d.ttl())
			return err
		})
		if err != nil {
			if first == nil {
				first = err
			}
			continue
		}
		if !held {
			continue
		}
		done, err := d.Drive(ctx, j, now)
		if err != nil {
			if first == nil {
				first = err
			}
			continue
		}
		if done {
			if err := d.Store.Update(ctx, func(tx store.Tx) error {
				return ReleaseLease(tx, d.LeaseTable, j.LeaseKey, d.Node)
			}); err != nil && first == nil {
				first = err
			}
		}
	}
	return first
}

// Run drives until ctx ends or the store is closed (its Watch channel
// closes), making a pass every Interval of wall time. (It does not wake on
// store changes: its own lease writes are changes.)
func (d *Driver) Run(ctx context.Context) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	changes := d.Store.Watch(ctx)
	iv := d.Interval
	if iv <= 0 {
		iv = time.Second
	}
	t := time.NewTicker(iv)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case _, ok := <-changes:
			if !ok {
				return
			}
			continue
		case <-t.C:
		}
		if err := d.RunOnce(ctx); err != nil && ctx.Err() == nil {
			// A pass that failed because the store was closed under it is
			// the normal way to stop: the watch channel says so.
			select {
			case _, ok := <-changes:
				if !ok {
					return
				}
			default:
			}
			if d.Log != nil {
				d.Log.Warn("rollout driver pass failed", "err", err)
			}
		}
	}
}
