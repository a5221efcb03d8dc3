package v2core

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	api "github.com/stagecraft/stagecraft/internal/api/apigatewayv2"
	"github.com/stagecraft/stagecraft/internal/dataplane"
	"github.com/stagecraft/stagecraft/internal/quota"
	"github.com/stagecraft/stagecraft/internal/service/apigatewayv2"
	"github.com/stagecraft/stagecraft/internal/store"
	"github.com/stagecraft/stagecraft/internal/wire"
)

// Control-plane tables the registry reads (internal/service/apigatewayv2,
// service.go documents them). Keys start with account/region.
const (
	tAPIs        = "apigwv2.apis"        // account/region/apiId → api.Api
	tStages      = "apigwv2.stages"      // account/region/apiId/stage → api.Stage
	tAuthCache   = "apigwv2.authcache"   // account/region/apiId/stage → {"epoch":n}
	tDomainNames = "apigwv2.domainnames" // account/region/domain → api.DomainName
	tAPIMappings = "apigwv2.apimappings" // account/region/domain/mappingId → api.ApiMapping + domain
)

// Location names an API: the account and region it lives in and its id.
type Location struct{ Account, Region, APIID string }

// Options configure a Registry.
type Options[D any] struct {
	// Protocol keeps only the APIs of this protocolType ("HTTP" or
	// "WEBSOCKET").
	Protocol string
	// Compile turns a deployment snapshot into what the data plane serves.
	// It is called once per deployment (snapshots are immutable) and its
	// result is shared by every stage pointing at the deployment.
	Compile func(loc Location, snap *apigatewayv2.Snapshot) (D, error)
	// DefaultAccount and DefaultRegion break ties when one API id exists
	// in several accounts or regions.
	DefaultAccount, DefaultRegion string
	Log                           *slog.Logger
	// Usage also reads API keys, usage plans and account throttles (the
	// REST control plane's tables, shared by WebSocket APIs) into
	// View.Usage.
	Usage bool
}

// Registry keeps a compiled, immutable View of every API of one protocol
// and its stages, swapped atomically when the store changes.
//
// It learns of changes two ways: store.Watch triggers a background
// rebuild, and Current compares store.Revision (an atomic load) with the
// view's revision and rebuilds first (single flight) when the store is
// newer, so a request that follows a control-plane write sees it
// (read-your-writes). A rebuild re-reads the small per-stage records but
// reuses stages whose stored bytes did not change and compiles only the
// deployments it has not seen.
type Registry[D any] struct {
	st   store.Store
	opts Options[D]
	log  *slog.Logger

	cur atomic.Pointer[View[D]]

	mu   sync.Mutex              // single flight for rebuilds
	deps map[depKey]*depEntry[D] // compiled deployments, guarded by mu

	stop context.CancelFunc
	done chan struct{}
}

type depKey struct{ account, region, apiID, deploymentID string }

type depEntry[D any] struct {
	d  D
	ok bool
}

// View is one immutable compiled state, as of store revision Rev.
type View[D any] struct {
	Rev     uint64
	apis    map[string][]*API[D] // by API id; several only across accounts/regions
	byKey   map[string]*Stage[D] // by store key, to reuse unchanged stages
	apiRaw  map[string][]byte    // stored api bytes by key, to reuse API entries
	domains map[string]*Domain   // by lower-case domain name
	// Usage is every API key, usage plan and account throttle (with
	// Options.Usage; nil otherwise).
	Usage   *dataplane.Usage
	defAcct string
	defReg  string
}

// API is one API and its stages.
type API[D any] struct {
	Location
	Protocol string
	// DisableExecuteAPIEndpoint is the live setting; the deployed one is
	// in the snapshot.
	Stages map[string]*Stage[D]
}

// Stage is a stage's live settings and its compiled deployment.
type Stage[D any] struct {
	Name         string
	DeploymentID string
	// Deployment is the compiled snapshot; Deployed is false when the
	// stage has no deployment or its snapshot could not be compiled.
	Deployment D
	Deployed   bool
	Vars       map[string]string
	// AuthEpoch is bumped by ResetAuthorizersCache: authorizer results
	// cached under an older epoch are stale.
	AuthEpoch uint64
	// RouteSettings and DefaultRouteSettings as stored.
	RouteSettings        map[string]api.RouteSettings
	DefaultRouteSettings *api.RouteSettings
	// AccessLog is the compiled accessLogSettings.format; nil when the
	// stage has no access logging.
	AccessLog *dataplane.AccessLogFormat

	defLimit    *quota.Limit            // throttle of defaultRouteSettings
	routeLimits map[string]*quota.Limit // throttle of routeSettings keys (merged over the default)

	raw   []byte
	epoch uint64
}

// Domain is a custom domain name with its API mappings, longest key first.
type Domain struct {
	Name            string
	Account, Region string
	Mappings        []Mapping
}

// Mapping is one API mapping: requests whose path starts with /Key go to
// the stage of the API, with /Key removed ("" maps the whole domain).
type Mapping struct {
	Key   string
	APIID string
	Stage string
}

// NewRegistry compiles what the store holds now and keeps up with changes
// until Close or until the store is closed.
func NewRegistry[D any](st store.Store, opts Options[D]) *Registry[D] {
	if opts.DefaultAccount == "" {
		opts.DefaultAccount = "000000000000"
	}
	if opts.DefaultRegion == "" {
		opts.DefaultRegion = "us-east-1"
	}
	if opts.Log == nil {
		opts.Log = slog.Default()
	}
	r := &Registry[D]{st: st, opts: opts, log: opts.Log, deps: map[depKey]*depEntry[D]{}}
	r.cur.Store(r.empty())
	ctx, cancel := context.WithCancel(context.Background())
	r.stop, r.done = cancel, make(chan struct{})
	// Watch before the first build, so no change in between goes unseen.
	ch := st.Watch(ctx)
	r.mu.Lock()
	if err := r.buildLocked(ctx); err != nil {
		r.log.Error("initial build failed; retrying on the next request", "error", err)
	}
	r.mu.Unlock()
	go func() {
		defer close(r.done)
		for rev := range ch {
			r.refresh(rev)
			if !dataplane.Pace(ctx) { // paced background rebuilds
				return
			}
		}
	}()
	return r
}

func (r *Registry[D]) empty() *View[D] {
	return &View[D]{apis: map[string][]*API[D]{}, byKey: map[string]*Stage[D]{}, apiRaw: map[string][]byte{},
		domains: map[string]*Domain{}, defAcct: r.opts.DefaultAccount, defReg: r.opts.DefaultRegion}
}

// Close stops watching the store.
func (r *Registry[D]) Close() {
	r.stop()
	<-r.done
}

// Current returns the compiled view, rebuilding first when the store has
// moved on since it was built.
func (r *Registry[D]) Current(ctx context.Context) *View[D] {
	v := r.cur.Load()
	rev, err := r.st.Revision(ctx)
	if err != nil || rev <= v.Rev {
		return v
	}
	return r.refresh(rev)
}

// Loaded returns the view as it is, without checking the store.
func (r *Registry[D]) Loaded() *View[D] { return r.cur.Load() }

func (r *Registry[D]) refresh(want uint64) *View[D] {
	r.mu.Lock()
	defer r.mu.Unlock()
	if v := r.cur.Load(); v.Rev >= want {
		return v
	}
	if err := r.buildLocked(context.Background()); err != nil {
		r.log.Error("rebuild failed; serving the previous state", "error", err)
	}
	return r.cur.Load()
}

// splitKey splits a store key into n parts (the last keeps any "/").
func splitKey(k string, n int) []string {
	p := strings.SplitN(k, "/", n)
	if len(p) != n {
		return nil
	}
	return p
}

type apiHead struct {
	ProtocolType string `json:"protocolType"`
}

func (r *Registry[D]) buildLocked(ctx context.Context) error {
	rev, err := r.st.Revision(ctx)
	if err != nil {
		return err
	}
	prev := r.cur.Load()
	next := r.empty()
	next.Rev = rev
	deps := map[depKey]*depEntry[D]{}
	apis := map[string]*API[D]{} // account/region/apiId
	err = r.st.View(ctx, func(tx store.Tx) error {
		// APIs of our protocol.
		err := tx.Scan(tAPIs, "", func(k string, v []byte) bool {
			p := splitKey(k, 3)
			if p == nil {
				return true
			}
			var h apiHead
			if json.Unmarshal(v, &h) != nil || h.ProtocolType != r.opts.Protocol {
				return true
			}
			a := &API[D]{Location: Location{p[0], p[1], p[2]}, Protocol: h.ProtocolType, Stages: map[string]*Stage[D]{}}
			apis[k] = a
			next.apis[a.APIID] = append(next.apis[a.APIID], a)
			return true
		})
		if err != nil {
			return err
		}
		// Authorizer cache epochs.
		epochs := map[string]uint64{}
		err = tx.Scan(tAuthCache, "", func(k string, v []byte) bool {
			var e struct {
				Epoch uint64 `json:"epoch"`
			}
			if json.Unmarshal(v, &e) == nil {
				epochs[k] = e.Epoch
			}
			return true
		})
		if err != nil {
			return err
		}
		// Stages.
		var stageErr error
		err = tx.Scan(tStages, "", func(k string, v []byte) bool {
			p := splitKey(k, 4)
			if p == nil {
				return true
			}
			a := apis[p[0]+"/"+p[1]+"/"+p[2]]
			if a == nil {
				return true
			}
			se := prev.byKey[k]
			if se == nil || !bytes.Equal(se.raw, v) || se.epoch != epochs[k] {
				se, stageErr = r.compileStage(ctx, tx, a.Location, p[3], v, epochs[k])
				if stageErr != nil {
					return false
				}
			}
			if se.Deployed {
				dk := depKey{a.Account, a.Region, a.APIID, se.DeploymentID}
				deps[dk] = r.deps[dk]
			}
			next.byKey[k] = se
			a.Stages[se.Name] = se
			return true
		})
		if err == nil {
			err = stageErr
		}
		if err != nil {
			return err
		}
		if r.opts.Usage {
			if next.Usage, err = dataplane.LoadUsage(tx, prev.Usage); err != nil {
				return err
			}
		}
		return r.loadDomains(tx, next)
	})
	if err != nil {
		return err
	}
	for _, list := range next.apis {
		sort.Slice(list, func(i, j int) bool {
			if list[i].Account != list[j].Account {
				return list[i].Account < list[j].Account
			}
			return list[i].Region < list[j].Region
		})
	}
	for k, d := range deps {
		if d == nil {
			delete(deps, k)
		}
	}
	r.deps = deps
	r.cur.Store(next)
	return nil
}

func (r *Registry[D]) compileStage(ctx context.Context, tx store.Tx, loc Location, name string, raw []byte, epoch uint64) (*Stage[D], error) {
	var st api.Stage
	if err := json.Unmarshal(raw, &st); err != nil {
		return nil, fmt.Errorf("stage %s/%s: %w", loc.APIID, name, err)
	}
	se := &Stage[D]{Name: name, DeploymentID: deref(st.DeploymentId), Vars: st.StageVariables, raw: bytes.Clone(raw),
		epoch: epoch, AuthEpoch: epoch, RouteSettings: st.RouteSettings, DefaultRouteSettings: st.DefaultRouteSettings}
	if se.Vars == nil {
		se.Vars = map[string]string{}
	}
	if al := st.AccessLogSettings; al != nil && deref(al.Format) != "" {
		se.AccessLog = dataplane.CompileAccessLogFormat(deref(al.Format))
	}
	se.defLimit, se.routeLimits = compileLimits(st.DefaultRouteSettings, st.RouteSettings)
	if se.DeploymentID == "" {
		return se, nil
	}
	dk := depKey{loc.Account, loc.Region, loc.APIID, se.DeploymentID}
	if e := r.deps[dk]; e != nil {
		se.Deployment, se.Deployed = e.d, e.ok
		return se, nil
	}
	sctx := wire.WithScope(ctx, wire.Scope{Account: loc.Account, Region: loc.Region})
	snap, err := apigatewayv2.LoadSnapshot(sctx, tx, loc.APIID, se.DeploymentID)
	if errors.Is(err, store.ErrNotFound) {
		r.log.Warn("stage points at a deployment without a snapshot", "api", loc.APIID, "stage", name, "deployment", se.DeploymentID)
		return se, nil
	}
	if err != nil {
		return nil, fmt.Errorf("snapshot %s/%s: %w", loc.APIID, se.DeploymentID, err)
	}
	d, err := r.opts.Compile(loc, snap)
	e := &depEntry[D]{d: d, ok: err == nil}
	if err != nil {
		// A snapshot that does not compile is the API's configuration
		// error: its requests answer 500, the rest keeps serving.
		r.log.Error("deployment does not compile", "api", loc.APIID, "deployment", se.DeploymentID, "error", err)
	}
	r.deps[dk] = e
	se.Deployment, se.Deployed = e.d, e.ok
	return se, nil
}

type mappingRecord struct {
	api.ApiMapping
	Domain string `json:"domain"`
}

func (r *Registry[D]) loadDomains(tx store.Tx, v *View[D]) error {
	err := tx.Scan(tDomainNames, "", func(k string, _ []byte) bool {
		p := splitKey(k, 3)
		if p == nil {
			return true
		}
		name := strings.ToLower(p[2])
		if _, dup := v.domains[name]; dup && !(p[0] == r.opts.DefaultAccount && p[1] == r.opts.DefaultRegion) {
			return true
		}
		v.domains[name] = &Domain{Name: name, Account: p[0], Region: p[1]}
		return true
	})
	if err != nil {
		return err
	}
	err = tx.Scan(tAPIMappings, "", func(k string, val []byte) bool {
		p := splitKey(k, 4)
		if p == nil {
			return true
		}
		d := v.domains[strings.ToLower(p[2])]
		if d == nil || d.Account != p[0] || d.Region != p[1] {
			return true
		}
		var m mappingRecord
		if json.Unmarshal(val, &m) != nil {
			return true
		}
		d.Mappings = append(d.Mappings, Mapping{Key: deref(m.ApiMappingKey), APIID: deref(m.ApiId), Stage: deref(m.Stage)})
		return true
	})
	if err != nil {
		return err
	}
	for _, d := range v.domains {
		sort.SliceStable(d.Mappings, func(i, j int) bool { return len(d.Mappings[i].Key) > len(d.Mappings[j].Key) })
	}
	return nil
}

// API finds an API by id. The same id in several accounts or regions
// (possible only with imported state) is resolved by the region an
// AWS-shaped host names, then by the default account and region.
func (v *View[D]) API(id, hostRegion string) *API[D] {
	list := v.apis[id]
	switch len(list) {
	case 0:
		return nil
	case 1:
		return list[0]
	}
	if hostRegion != "" {
		for _, a := range list {
			if a.Region == hostRegion && a.Account == v.defAcct {
				return a
			}
		}
		for _, a := range list {
			if a.Region == hostRegion {
				return a
			}
		}
	}
	for _, a := range list {
		if a.Account == v.defAcct && a.Region == v.defReg {
			return a
		}
	}
	return list[0]
}

// APIIn finds an API by id in one account and region.
func (v *View[D]) APIIn(account, region, id string) *API[D] {
	for _, a := range v.apis[id] {
		if a.Account == account && a.Region == region {
			return a
		}
	}
	return nil
}

// Domain returns the custom domain name serving host (lower case, no
// port): an exact name first, then a wildcard "*.parent" name.
func (v *View[D]) Domain(host string) *Domain {
	if len(v.domains) == 0 {
		return nil
	}
	if d := v.domains[host]; d != nil {
		return d
	}
	if i := strings.IndexByte(host, '.'); i > 0 {
		return v.domains["*"+host[i:]]
	}
	return nil
}

// Match picks the mapping for an escaped request path: the longest key
// that is the path's first segments. rest is the path after the key ("" or
// "/…").
func (d *Domain) Match(escapedPath string) (m *Mapping, rest string, ok bool) {
	p := strings.TrimPrefix(escapedPath, "/")
	for i := range d.Mappings {
		mp := &d.Mappings[i]
		if mp.Key == "" {
			return mp, "/" + p, true
		}
		if p == mp.Key || strings.HasPrefix(p, mp.Key+"/") {
			return mp, p[len(mp.Key):], true
		}
	}
	return nil, "", false
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}
