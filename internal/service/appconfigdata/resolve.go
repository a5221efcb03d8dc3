package appconfigdata

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash/maphash"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	api "github.com/stagecraft/stagecraft/internal/api/appconfigdata"
	"github.com/stagecraft/stagecraft/internal/clock"
	"github.com/stagecraft/stagecraft/internal/rollout"
	"github.com/stagecraft/stagecraft/internal/service/appconfig"
	"github.com/stagecraft/stagecraft/internal/store"
)

// The control plane's resource tables this package reads. They are not
// exported by internal/service/appconfig (only the deployment tables are);
// the records are decoded into the few members needed here, which are the
// generated api shapes' JSON names plus the records' "seq" creation order.
const (
	tApplications = "appconfig.applications"
	tEnvironments = "appconfig.environments"
	tProfiles     = "appconfig.profiles"
)

// Resource types of ResourceNotFoundException.
const (
	ResourceApplication          = "Application"
	ResourceEnvironment          = "Environment"
	ResourceConfigurationProfile = "ConfigurationProfile"
)

// TypeFeatureFlags is the configuration profile type of feature flags.
const TypeFeatureFlags = "AWS.AppConfig.FeatureFlags"

// namedRecord is what name resolution needs of an application,
// environment or profile record.
type namedRecord struct {
	Id   *string `json:"Id"`
	Name *string `json:"Name"`
	Type *string `json:"Type"`
	Seq  uint64  `json:"seq"`
}

// Target names one configuration: a profile deployed to an environment of
// an application, in an account and region, by IDs.
type Target struct {
	Account, Region, App, Env, Profile string
}

func (t Target) envKey() string { return store.Key(t.Account, t.Region, t.App, t.Env) }
func (t Target) String() string {
	return t.Account + "/" + t.Region + "/" + t.App + "/" + t.Env + "/" + t.Profile
}
func (t Target) usageKey() string { return t.String() }

// Served is one configuration version as clients receive it: the content
// snapshot a deployment captured. It is shared and must not be modified.
type Served struct {
	Deployment  int32
	Digest      uint64 // first 8 bytes of the deployment's content digest
	Version     string // the deployment's ConfigurationVersion (hosted version number)
	Label       string
	ContentType string
	Body        []byte

	flagsOnce sync.Once
	flags     map[string]json.RawMessage
	flagsErr  error
}

// Flags is the retrieval-time feature flag document as a map from flag
// key to the flag's JSON, parsed once per snapshot.
func (s *Served) Flags() (map[string]json.RawMessage, error) {
	s.flagsOnce.Do(func() {
		if len(bytes.TrimSpace(s.Body)) == 0 {
			s.flags = map[string]json.RawMessage{}
			return
		}
		s.flagsErr = json.Unmarshal(s.Body, &s.flags)
	})
	return s.flags, s.flagsErr
}

// candidate is the deployment of the profile that is rolling out: its
// content, the instants of its percentage steps and the salt that makes
// the bucket order of targets independent per deployment.
type candidate struct {
	served *Served
	steps  []step
	salt   [32]byte
}

type step struct {
	at  time.Time
	pct float64
}

// percentage is PercentageComplete at now: the last step reached (a step
// at exactly now has happened, as in rollout.Evaluate).
func (c *candidate) percentage(now time.Time) float64 {
	p := 0.0
	for _, s := range c.steps {
		if s.at.After(now) {
			break
		}
		p = s.pct
	}
	return p
}

// State is what one (application, environment, profile) serves, as of the
// store revision it was built from.
type State struct {
	Target      Target
	ProfileType string
	baseline    *Served
	cand        *candidate
	fp          uint64 // hash of the records it was built from
}

// Percentage is the rolling-out deployment's PercentageComplete at now
// and its number, or (0, 0) when nothing is rolling out.
func (st *State) Percentage(now time.Time) (float64, int32) {
	if st.cand == nil {
		return 0, 0
	}
	return st.cand.percentage(now), st.cand.served.Deployment
}

// Kinds of rollout targets.
const (
	// TargetSession is a configuration session (the data plane's rollout
	// unit, "session based" in AWS's words).
	TargetSession = "session"
	// TargetEntity is an Entity-Id given to the AppConfig Agent endpoint.
	TargetEntity = "entity"
)

// Pick says which version target (kind, key) receives at now; last is the
// deployment the target received before (0 if none), so that a target that
// has seen the rolling-out version keeps it. It returns nil when nothing is
// deployed for the target yet.
//
// Gradual rollout targeting. While a deployment is below 100 %, a target
// gets the new version iff its bucket — a number in [0, 100) derived from
// a SHA-256 over the deployment's salt and the target — is below
// PercentageComplete. PercentageComplete only grows during a healthy
// deployment, so a target that got the new version keeps it (and `last`
// makes that explicit); a rollback removes the candidate and everyone is
// back on the baseline; every deployment has its own salt, so the order in
// which targets join is independent per deployment.
func (st *State) Pick(now time.Time, kind, key string, last int32) *Served {
	c := st.cand
	if c == nil {
		return st.baseline
	}
	pct := c.percentage(now)
	switch {
	case pct >= 100, last == c.served.Deployment:
		return c.served
	case pct > 0 && Bucket(c.salt, kind, key) < pct:
		return c.served
	}
	return st.baseline
}

// deploymentSalt identifies a deployment for bucketing. For sessions it is
// the deployment number and start instant: session IDs are unique across
// profiles already, and leaving out the random resource IDs keeps bucket
// assignment reproducible for a fixed set of session IDs. Entities (the
// agent's Entity-Id) are shared across profiles, so the resource IDs are
// mixed in for them (see Bucket).
func deploymentSalt(number int32, started time.Time) [32]byte {
	h := sha256.New()
	fmt.Fprintf(h, "appconfig-rollout-v1\x00%d\x00%d", number, started.UnixMilli())
	var out [32]byte
	h.Sum(out[:0])
	return out
}

// Bucket is a target's position in [0, 100) for one deployment: the first
// 8 bytes of SHA-256(salt, kind, key) as a big-endian integer, mod 10000,
// over 100 — the same spread as AWS's documented 0–99 buckets, with two
// decimals.
func Bucket(salt [32]byte, kind, key string) float64 {
	var buf [256]byte
	b := append(buf[:0], salt[:]...)
	b = append(b, kind...)
	b = append(b, 0)
	b = append(b, key...)
	sum := sha256.Sum256(b)
	return float64(binary.BigEndian.Uint64(sum[:8])%10000) / 100
}

// EntityKey is the bucketing key of an agent Entity-Id for a target: the
// entity is combined with the resource IDs so that one entity is not the
// first to get every profile's new versions.
func EntityKey(t Target, entity string) string {
	return t.App + "\x00" + t.Env + "\x00" + t.Profile + "\x00" + entity
}

// Resolver reads what the control plane deployed and answers, per target,
// which version it receives. It caches per store revision: a view is
// valid while the store's revision (an atomic load) is unchanged, and is
// rebuilt lazily, entry by entry, after any write (a deployment, a stop, a
// deletion); an entry whose records did not change (same hash of their
// bytes) reuses the State built before. Schedule progress needs no
// rebuild: the cached step instants are compared with the injected clock
// on every request.
type Resolver struct {
	st  store.Store
	clk clock.Clock
	log *slog.Logger

	cur  atomic.Pointer[view]
	keys atomic.Pointer[tokenKeys] // derived from the store's secret

	// usage is the deletion-protection bookkeeping per target (RecordFetch).
	usageMu   sync.RWMutex
	usage     map[Target]*usageState
	usageWake chan struct{}

	// last is the newest State built per target, reused by a later view
	// when the target's records did not change (same fingerprint).
	lastMu sync.Mutex
	last   map[Target]*State
	seed   maphash.Seed
}

// NewResolver returns a Resolver over st.
func NewResolver(st store.Store, clk clock.Clock, log *slog.Logger) *Resolver {
	if clk == nil {
		clk = clock.Wall{}
	}
	if log == nil {
		log = slog.Default()
	}
	r := &Resolver{st: st, clk: clk, log: log, usage: map[Target]*usageState{}, usageWake: make(chan struct{}, 1),
		last: map[Target]*State{}, seed: maphash.MakeSeed()}
	go r.runUsage()
	return r
}

// view is the cache for one store revision.
type view struct {
	rev  uint64
	keys *tokenKeys // nil when the store has no secret yet

	mu     sync.RWMutex
	states map[Target]*stateEntry
	names  map[string]*nameEntry
}

type stateEntry struct {
	once sync.Once
	st   *State
	err  error
}

type nameEntry struct {
	once sync.Once
	t    Target
	typ  string
	err  error
}

func (r *Resolver) view(ctx context.Context) (*view, error) {
	rev, err := r.st.Revision(ctx)
	if err != nil {
		return nil, err
	}
	v := r.cur.Load()
	if v != nil && v.rev == rev {
		return v, nil
	}
	nv := &view{rev: rev, states: map[Target]*stateEntry{}, names: map[string]*nameEntry{}}
	if err := r.st.View(ctx, func(tx store.Tx) error {
		b, err := tx.Get(tSecret, secretKey)
		if errors.Is(err, store.ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		nv.keys = r.keysFor(b)
		return nil
	}); err != nil {
		return nil, err
	}
	r.cur.CompareAndSwap(v, nv)
	return nv, nil
}

// keysFor returns the token keys of secret, derived once per secret.
func (r *Resolver) keysFor(secret []byte) *tokenKeys {
	if k := r.keys.Load(); k != nil && bytes.Equal(k.secret, secret) {
		return k
	}
	k := newTokenKeys(append([]byte(nil), secret...))
	r.keys.Store(k)
	return k
}

// tokenKeys are the store's token keys; the secret is created on first use.
func (r *Resolver) tokenKeys(ctx context.Context) (*tokenKeys, error) {
	v, err := r.view(ctx)
	if err != nil {
		return nil, err
	}
	if v.keys != nil {
		return v.keys, nil
	}
	var secret []byte
	err = r.st.Update(ctx, func(tx store.Tx) error {
		b, err := tx.Get(tSecret, secretKey)
		if err == nil {
			secret = append([]byte(nil), b...)
			return nil
		}
		if !errors.Is(err, store.ErrNotFound) {
			return err
		}
		secret = randomBytes(32)
		return tx.Put(tSecret, secretKey, secret)
	})
	if err != nil {
		return nil, err
	}
	return r.keysFor(secret), nil
}

// keysIfAny are the token keys of the current view, nil when the store
// has no secret (then no token can be valid).
func (r *Resolver) keysIfAny(ctx context.Context) (*tokenKeys, error) {
	v, err := r.view(ctx)
	if err != nil {
		return nil, err
	}
	return v.keys, nil
}

// Resolve finds the application, environment and profile named by ID or
// name (exact ID match first, then name; of several resources sharing a
// name the oldest wins) and returns their IDs and the profile's type.
// Errors are ResourceNotFoundExceptions naming the request member
// (ReferencedBy), e.g. {"ApplicationIdentifier": "my-app"}.
func (r *Resolver) Resolve(ctx context.Context, account, region, app, env, profile string) (Target, string, error) {
	v, err := r.view(ctx)
	if err != nil {
		return Target{}, "", err
	}
	k := account + "\x00" + region + "\x00" + app + "\x00" + env + "\x00" + profile
	v.mu.RLock()
	e := v.names[k]
	v.mu.RUnlock()
	if e == nil {
		v.mu.Lock()
		if e = v.names[k]; e == nil {
			e = &nameEntry{}
			v.names[k] = e
		}
		v.mu.Unlock()
	}
	e.once.Do(func() {
		e.err = r.st.View(ctx, func(tx store.Tx) error {
			a, err := findNamed(tx, tApplications, []string{account, region}, app)
			if err != nil {
				return err
			}
			if a == nil {
				return notFound(ResourceApplication, "ApplicationIdentifier", app)
			}
			en, err := findNamed(tx, tEnvironments, []string{account, region, *a.Id}, env)
			if err != nil {
				return err
			}
			if en == nil {
				return notFound(ResourceEnvironment, "EnvironmentIdentifier", env)
			}
			p, err := findNamed(tx, tProfiles, []string{account, region, *a.Id}, profile)
			if err != nil {
				return err
			}
			if p == nil {
				return notFound(ResourceConfigurationProfile, "ConfigurationProfileIdentifier", profile)
			}
			e.t = Target{Account: account, Region: region, App: *a.Id, Env: *en.Id, Profile: *p.Id}
			e.typ = str(p.Type)
			return nil
		})
	})
	if e.err != nil && !isNotFound(e.err) {
		v.mu.Lock()
		delete(v.names, k) // a store failure is not cached
		v.mu.Unlock()
	}
	return e.t, e.typ, e.err
}

// findNamed looks ident up as an ID under parent, then as a name among
// parent's children (the oldest of equal names); nil when neither exists.
func findNamed(tx store.Tx, table string, parent []string, ident string) (*namedRecord, error) {
	if !strings.Contains(ident, "/") {
		rec, err := store.GetJSON[namedRecord](tx, table, store.Key(append(parent, ident)...))
		if err == nil && rec.Id != nil {
			return rec, nil
		}
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return nil, err
		}
	}
	var best *namedRecord
	var decErr error
	err := tx.Scan(table, store.Prefix(parent...), func(k string, b []byte) bool {
		rest := k[len(store.Prefix(parent...)):]
		if strings.Contains(rest, "/") {
			return true // a deeper key, not a direct child
		}
		var rec namedRecord
		if decErr = json.Unmarshal(b, &rec); decErr != nil {
			return false
		}
		if rec.Id != nil && str(rec.Name) == ident && (best == nil || rec.Seq < best.Seq) {
			best = &rec
		}
		return true
	})
	if err == nil {
		err = decErr
	}
	return best, err
}

// State is what target t serves as of the current store revision. It
// fails with a ResourceNotFoundException when the application, environment
// or profile no longer exists (ReferencedBy names the ID).
func (r *Resolver) State(ctx context.Context, t Target) (*State, error) {
	v, err := r.view(ctx)
	if err != nil {
		return nil, err
	}
	v.mu.RLock()
	e := v.states[t]
	v.mu.RUnlock()
	if e == nil {
		v.mu.Lock()
		if e = v.states[t]; e == nil {
			e = &stateEntry{}
			v.states[t] = e
		}
		v.mu.Unlock()
	}
	e.once.Do(func() { e.st, e.err = r.build(ctx, t) })
	if e.err != nil && !isNotFound(e.err) {
		v.mu.Lock()
		delete(v.states, t) // a store failure is not cached
		v.mu.Unlock()
	}
	return e.st, e.err
}

// build reads t's deployments: the baseline is the newest deployment of
// the profile that is COMPLETE now (rolled back and reverted ones are
// skipped, so after a rollback or revert "the previous configuration"
// falls out), the candidate the one still DEPLOYING or BAKING (at most one
// per environment). Deployments of other profiles never matter.
func (r *Resolver) build(ctx context.Context, t Target) (*State, error) {
	now := r.clk.Now()
	st := &State{Target: t}
	err := r.st.View(ctx, func(tx store.Tx) error {
		app, err := tx.Get(tApplications, store.Key(t.Account, t.Region, t.App))
		if err != nil {
			return missing(err, ResourceApplication, "ApplicationIdentifier", t.App)
		}
		env, err := tx.Get(tEnvironments, t.envKey())
		if err != nil {
			return missing(err, ResourceEnvironment, "EnvironmentIdentifier", t.Env)
		}
		prof, err := tx.Get(tProfiles, store.Key(t.Account, t.Region, t.App, t.Profile))
		if err != nil {
			return missing(err, ResourceConfigurationProfile, "ConfigurationProfileIdentifier", t.Profile)
		}
		// Any store write makes a new view; most writes (other targets,
		// session bookkeeping, fetch records, rollout leases) do not touch
		// this target's records, so the State built last time is reused
		// when their bytes hash the same.
		var h maphash.Hash
		h.SetSeed(r.seed)
		for _, b := range [][]byte{app, env, prof} {
			maphash.WriteComparable(&h, len(b))
			h.Write(b)
		}
		if err := tx.Scan(appconfig.TableDeployments, store.Prefix(t.Account, t.Region, t.App, t.Env), func(k string, b []byte) bool {
			h.WriteString(k)
			maphash.WriteComparable(&h, len(b))
			h.Write(b)
			return true
		}); err != nil {
			return err
		}
		st.fp = h.Sum64()
		r.lastMu.Lock()
		prev := r.last[t]
		r.lastMu.Unlock()
		if prev != nil && prev.fp == st.fp {
			st = prev
			return nil
		}
		var p namedRecord
		if err := json.Unmarshal(prof, &p); err != nil {
			return err
		}
		st.ProfileType = str(p.Type)
		var base, cand *appconfig.DeploymentRecord
		var decErr error
		err = tx.Scan(appconfig.TableDeployments, store.Prefix(t.Account, t.Region, t.App, t.Env), func(_ string, b []byte) bool {
			var d appconfig.DeploymentRecord
			if decErr = json.Unmarshal(b, &d); decErr != nil {
				return false
			}
			if d.ConfigurationProfileId != t.Profile {
				return true
			}
			s := d.Status(now)
			switch {
			case s.InProgress():
				cand = &d
			case s.State == rollout.StateComplete:
				if base == nil || d.DeploymentNumber > base.DeploymentNumber {
					base = &d
				}
			}
			return true
		})
		if err == nil {
			err = decErr
		}
		if err != nil {
			return err
		}
		if base != nil {
			if st.baseline, err = served(tx, t, base); err != nil {
				return err
			}
		}
		if cand != nil {
			c := &candidate{salt: deploymentSalt(cand.DeploymentNumber, cand.Schedule.StartedAt)}
			if c.served, err = served(tx, t, cand); err != nil {
				return err
			}
			for _, s := range rollout.Schedule(cand.Schedule.Strategy) {
				c.steps = append(c.steps, step{at: cand.Schedule.StartedAt.Add(s.Offset), pct: s.Percentage})
			}
			st.cand = c
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	r.lastMu.Lock()
	r.last[t] = st
	r.lastMu.Unlock()
	return st, nil
}

// served loads what deployment d captured. A deployment without a content
// snapshot (a configuration source Stagecraft does not read) serves an
// empty body.
func served(tx store.Tx, t Target, d *appconfig.DeploymentRecord) (*Served, error) {
	s := &Served{Deployment: d.DeploymentNumber, Version: d.ConfigurationVersion}
	if raw, err := hex.DecodeString(d.ContentDigest); err == nil && len(raw) >= 8 {
		s.Digest = binary.BigEndian.Uint64(raw[:8])
	}
	snap, err := store.GetJSON[appconfig.ContentSnapshot](tx, appconfig.TableDeploymentContent,
		store.Key(t.Account, t.Region, t.App, t.Env, fmt.Sprintf("%010d", d.DeploymentNumber)))
	if errors.Is(err, store.ErrNotFound) {
		return s, nil
	}
	if err != nil {
		return nil, err
	}
	s.ContentType, s.Label, s.Body = snap.ContentType, snap.VersionLabel, snap.Served
	if s.Body == nil {
		s.Body = []byte{}
	}
	return s, nil
}

// Deletion-protection records. A target's first fetch, and any fetch
// more than usageSyncAfter (clock time) after the last record, is written
// synchronously, so a delete that follows a fetch sees it. Fetches in
// between only mark the target; the usage flusher writes the newest mark
// of every marked target in one transaction, at most once per
// usageFlushEvery of wall time. The record therefore lags the last fetch
// by about a second at most (deletion protection periods are 15 minutes
// or more), and a fleet polling many profiles costs one store write a
// second instead of one per target per second.
const (
	usageSyncAfter  = time.Minute
	usageFlushEvery = time.Second
)

// usageState is one target's deletion-protection bookkeeping (clock
// UnixNano): the last record written and the newest fetch not yet written.
type usageState struct {
	recorded atomic.Int64
	pending  atomic.Int64
}

func (r *Resolver) usageOf(t Target) *usageState {
	r.usageMu.RLock()
	u := r.usage[t]
	r.usageMu.RUnlock()
	if u == nil {
		r.usageMu.Lock()
		if u = r.usage[t]; u == nil {
			u = new(usageState)
			r.usage[t] = u
		}
		r.usageMu.Unlock()
	}
	return u
}

// RecordFetch notes, for deletion protection, that t's configuration was
// fetched now (appconfig.RecordConfigurationFetch).
func (r *Resolver) RecordFetch(ctx context.Context, t Target, now time.Time) error {
	u := r.usageOf(t)
	prev, n := u.recorded.Load(), now.UnixNano()
	if prev != 0 && n >= prev && n-prev < int64(usageSyncAfter) {
		for {
			p := u.pending.Load()
			if p >= n || u.pending.CompareAndSwap(p, n) {
				break
			}
		}
		select {
		case r.usageWake <- struct{}{}:
		default:
		}
		return nil
	}
	if !u.recorded.CompareAndSwap(prev, n) {
		return nil // another request is recording this instant
	}
	err := r.st.Update(ctx, func(tx store.Tx) error {
		return appconfig.RecordConfigurationFetch(tx, t.Account, t.Region, t.App, t.Env, t.Profile, now)
	})
	if err != nil {
		u.recorded.CompareAndSwap(n, prev)
	}
	return err
}

// runUsage writes pending fetch marks until the store is closed.
func (r *Resolver) runUsage() {
	runPaced(r.st, r.usageWake, usageFlushEvery, r.FlushUsage, func(err error) {
		r.log.Warn("appconfigdata: recording configuration fetches failed", "err", err)
	})
}

// FlushUsage writes every pending fetch mark now.
func (r *Resolver) FlushUsage(ctx context.Context) error {
	type mark struct {
		t Target
		u *usageState
		n int64
	}
	var marks []mark
	r.usageMu.RLock()
	for t, u := range r.usage {
		if n := u.pending.Swap(0); n != 0 {
			marks = append(marks, mark{t, u, n})
		}
	}
	r.usageMu.RUnlock()
	if len(marks) == 0 {
		return nil
	}
	err := r.st.Update(ctx, func(tx store.Tx) error {
		for _, m := range marks {
			if err := appconfig.RecordConfigurationFetch(tx, m.t.Account, m.t.Region, m.t.App, m.t.Env, m.t.Profile, time.Unix(0, m.n)); err != nil {
				return err
			}
		}
		return nil
	})
	for _, m := range marks {
		if err != nil {
			// Put the mark back unless a newer one arrived.
			for {
				p := m.u.pending.Load()
				if p >= m.n || m.u.pending.CompareAndSwap(p, m.n) {
					break
				}
			}
			continue
		}
		for {
			p := m.u.recorded.Load()
			if p >= m.n || m.u.recorded.CompareAndSwap(p, m.n) {
				break
			}
		}
	}
	return err
}

func isNotFound(err error) bool {
	var nf *api.ResourceNotFoundException
	return errors.As(err, &nf)
}

func missing(err error, kind, member, value string) error {
	if errors.Is(err, store.ErrNotFound) {
		return notFound(kind, member, value)
	}
	return err
}

// notFound is the data plane's ResourceNotFoundException: ResourceType
// names the kind and ReferencedBy maps the request member to the value
// given. AWS's message text is not documented; ours names both.
func notFound(kind, member, value string) error {
	e := api.NewResourceNotFoundException("%s %s could not be found.", kind, value)
	e.ResourceType = &kind
	e.ReferencedBy = map[string]string{member: value}
	return e
}

func str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}
