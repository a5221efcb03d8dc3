package dataplane

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	api "github.com/stagecraft/stagecraft/internal/api/apigateway"
	"github.com/stagecraft/stagecraft/internal/clock"
	"github.com/stagecraft/stagecraft/internal/service/apigateway"
	"github.com/stagecraft/stagecraft/internal/store"
	"github.com/stagecraft/stagecraft/internal/wire"
)

// stagesTable is the control plane's stage table (apigateway/service.go):
// keys account/region/apiId/stageName, values api.Stage.
const stagesTable = "apigw.stages"

// Config is what the data plane needs besides the store.
type Config struct {
	// DefaultAccount and DefaultRegion break ties when one API id exists
	// in several accounts or regions and the URL does not name a region.
	DefaultAccount string
	DefaultRegion  string
	Clock          clock.Clock
	Log            *slog.Logger
	// Rand returns a number in [0, 1) for the canary split. nil uses
	// math/rand/v2; tests pass a seeded source. It is called under a
	// lock, so it need not be safe for concurrent use.
	Rand func() float64
	// Transport carries HTTP and HTTP_PROXY integration requests; nil
	// uses a tuned http.Transport with connection reuse.
	Transport http.RoundTripper
}

// Handler serves deployed REST API stages. It is an http.Handler for the
// requests internal/server routes to the data plane.
type Handler struct {
	st  store.Store
	cfg Config
	log *slog.Logger
	clk clock.Clock

	cur atomic.Pointer[compiled]

	mu   sync.Mutex             // serialises rebuilds (single flight)
	deps map[depKey]*deployment // compiled snapshots, guarded by mu
	rnd  func() float64         // canary source
	rmu  sync.Mutex             // guards rnd when it is the caller's
	rlck bool                   // whether rnd needs rmu
	http *http.Client           // verifying TLS
	ins  *http.Client           // tlsConfig.insecureSkipVerification
	stop context.CancelFunc
	done chan struct{}
}

type depKey struct{ account, region, apiID, deploymentID string }

// compiled is one immutable view of everything the data plane serves, as
// of store revision rev. Requests load it once and keep it to the end, so
// a swap never drops or mixes a request.
type compiled struct {
	rev   uint64
	apis  map[string][]*apiEntry // by API id; several only across accounts/regions
	byKey map[string]*stageEntry // by store key, to reuse unchanged stages
}

type apiEntry struct {
	account, region, id string
	stages              map[string]*stageEntry
}

// stageEntry is a stage's live settings with its compiled deployment(s).
type stageEntry struct {
	name string
	raw  []byte // the stored api.Stage, to detect changes cheaply
	dep  *deployment
	vars map[string]string

	hasCanary     bool
	canary        *deployment
	canaryPercent float64
	canaryVars    map[string]string // stage variables overlaid with stageVariableOverrides
}

// New returns the data plane over st. It compiles what the store holds
// now and keeps up with changes in the background until Close (or until
// the store is closed).
func New(st store.Store, cfg Config) *Handler {
	if cfg.DefaultAccount == "" {
		cfg.DefaultAccount = "000000000000"
	}
	if cfg.DefaultRegion == "" {
		cfg.DefaultRegion = "us-east-1"
	}
	if cfg.Clock == nil {
		cfg.Clock = clock.Wall{}
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	h := &Handler{st: st, cfg: cfg, log: cfg.Log.With("component", "dataplane"), clk: cfg.Clock, deps: map[depKey]*deployment{}}
	h.rnd = rand.Float64
	if cfg.Rand != nil {
		h.rnd, h.rlck = cfg.Rand, true
	}
	h.http, h.ins = newClients(cfg.Transport)
	h.cur.Store(&compiled{apis: map[string][]*apiEntry{}, byKey: map[string]*stageEntry{}})

	ctx, cancel := context.WithCancel(context.Background())
	h.stop, h.done = cancel, make(chan struct{})
	// Watch before the first build, so no change in between goes unseen.
	ch := st.Watch(ctx)
	h.mu.Lock()
	if err := h.buildLocked(ctx); err != nil {
		h.log.Error("initial data plane build failed; retrying on the next request", "error", err)
	}
	h.mu.Unlock()
	go func() {
		defer close(h.done)
		for rev := range ch {
			h.refresh(rev)
		}
	}()
	return h
}

// Close stops watching the store.
func (h *Handler) Close() {
	h.stop()
	<-h.done
}

// current returns the compiled view, rebuilding first when the store has
// moved on: a request that follows a CreateDeployment or UpdateStage sees
// its effect (read-your-writes). Revision is an atomic load in bolt.
func (h *Handler) current(ctx context.Context) *compiled {
	c := h.cur.Load()
	rev, err := h.st.Revision(ctx)
	if err != nil || rev <= c.rev {
		return c
	}
	return h.refresh(rev)
}

// refresh rebuilds unless another rebuild already reached want.
func (h *Handler) refresh(want uint64) *compiled {
	h.mu.Lock()
	defer h.mu.Unlock()
	if c := h.cur.Load(); c.rev >= want {
		return c
	}
	if err := h.buildLocked(context.Background()); err != nil {
		h.log.Error("data plane rebuild failed; serving the previous state", "error", err)
	}
	return h.cur.Load()
}

// buildLocked compiles a new view from the store and swaps it in. Stages
// whose stored bytes did not change are reused as they are; deployments
// are compiled once and shared until no stage points at them. h.mu must
// be held.
func (h *Handler) buildLocked(ctx context.Context) error {
	rev, err := h.st.Revision(ctx)
	if err != nil {
		return err
	}
	prev := h.cur.Load()
	next := &compiled{rev: rev, apis: map[string][]*apiEntry{}, byKey: map[string]*stageEntry{}}
	deps := map[depKey]*deployment{}
	keep := func(d *deployment) {
		if d != nil {
			deps[depKey{d.account, d.region, d.apiID, d.id}] = d
		}
	}
	apis := map[string]*apiEntry{} // account/region/apiId
	err = h.st.View(ctx, func(tx store.Tx) error {
		var scanErr error
		err := tx.Scan(stagesTable, "", func(k string, v []byte) bool {
			parts := strings.SplitN(k, "/", 4)
			if len(parts) != 4 {
				return true
			}
			se := prev.byKey[k]
			if se == nil || !bytes.Equal(se.raw, v) {
				se, scanErr = h.compileStage(ctx, tx, parts, v)
				if scanErr != nil {
					return false
				}
			}
			keep(se.dep)
			keep(se.canary)
			next.byKey[k] = se
			ak := parts[0] + "/" + parts[1] + "/" + parts[2]
			ae := apis[ak]
			if ae == nil {
				ae = &apiEntry{account: parts[0], region: parts[1], id: parts[2], stages: map[string]*stageEntry{}}
				apis[ak] = ae
				next.apis[ae.id] = append(next.apis[ae.id], ae)
			}
			ae.stages[parts[3]] = se
			return true
		})
		if err == nil {
			err = scanErr
		}
		return err
	})
	if err != nil {
		return err
	}
	for _, list := range next.apis {
		sort.Slice(list, func(i, j int) bool {
			if list[i].account != list[j].account {
				return list[i].account < list[j].account
			}
			return list[i].region < list[j].region
		})
	}
	h.deps = deps
	h.cur.Store(next)
	return nil
}

// compileStage compiles one stored stage (parts: account, region, apiId,
// stageName), reusing compiled deployments.
func (h *Handler) compileStage(ctx context.Context, tx store.Tx, parts []string, raw []byte) (*stageEntry, error) {
	var st api.Stage
	if err := json.Unmarshal(raw, &st); err != nil {
		return nil, fmt.Errorf("stage %s: %w", strings.Join(parts, "/"), err)
	}
	se := &stageEntry{name: parts[3], raw: bytes.Clone(raw), vars: st.Variables}
	if se.vars == nil {
		se.vars = map[string]string{}
	}
	var err error
	if se.dep, err = h.deployment(ctx, tx, parts, str(st.DeploymentId)); err != nil {
		return nil, err
	}
	if cs := st.CanarySettings; cs != nil {
		se.hasCanary = true
		if cs.PercentTraffic != nil {
			se.canaryPercent = *cs.PercentTraffic
		}
		// Canary requests see the stage variables overlaid with the
		// overrides; variables not overridden keep the stage values
		// (spec §7.2, recorded behaviour).
		se.canaryVars = make(map[string]string, len(se.vars)+len(cs.StageVariableOverrides))
		for k, v := range se.vars {
			se.canaryVars[k] = v
		}
		for k, v := range cs.StageVariableOverrides {
			se.canaryVars[k] = v
		}
		if id := str(cs.DeploymentId); id != "" {
			if se.canary, err = h.deployment(ctx, tx, parts, id); err != nil {
				return nil, err
			}
		}
		if se.canary == nil {
			se.canary = se.dep
		}
	}
	return se, nil
}

// deployment returns the compiled snapshot of one deployment, from the
// cache or compiled now. A missing snapshot is logged and yields nil
// (requests to the stage then answer 500).
func (h *Handler) deployment(ctx context.Context, tx store.Tx, parts []string, id string) (*deployment, error) {
	if id == "" {
		return nil, nil
	}
	k := depKey{parts[0], parts[1], parts[2], id}
	if d := h.deps[k]; d != nil {
		return d, nil
	}
	sctx := wire.WithScope(ctx, wire.Scope{Account: parts[0], Region: parts[1]})
	snap, err := apigateway.LoadSnapshot(sctx, tx, parts[2], id)
	if errors.Is(err, store.ErrNotFound) {
		h.log.Warn("stage points at a deployment without a snapshot", "account", parts[0], "region", parts[1], "api", parts[2], "stage", parts[3], "deployment", id)
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("snapshot %s/%s: %w", parts[2], id, err)
	}
	d := compileDeployment(parts[0], parts[1], parts[2], snap, h.log)
	h.deps[k] = d
	return d, nil
}

// lookup finds an API by id. The same id in several accounts or regions
// (only possible with imported state) is resolved by the region named in
// an AWS-shaped host, then by the default account and region.
func (c *compiled) lookup(id, hostRegion, defAccount, defRegion string) *apiEntry {
	list := c.apis[id]
	switch len(list) {
	case 0:
		return nil
	case 1:
		return list[0]
	}
	if hostRegion != "" {
		for _, ae := range list {
			if ae.region == hostRegion && ae.account == defAccount {
				return ae
			}
		}
		for _, ae := range list {
			if ae.region == hostRegion {
				return ae
			}
		}
	}
	for _, ae := range list {
		if ae.account == defAccount && ae.region == defRegion {
			return ae
		}
	}
	return list[0]
}

// pick resolves the stage to a deployment for one request (spec §7.2):
// percentTraffic % of requests go to the canary deployment with the
// overlaid variables.
func (h *Handler) pick(se *stageEntry) (d *deployment, vars map[string]string, canary bool) {
	if se.hasCanary && se.canaryPercent > 0 {
		if se.canaryPercent >= 100 || h.random()*100 < se.canaryPercent {
			return se.canary, se.canaryVars, true
		}
	}
	return se.dep, se.vars, false
}

func (h *Handler) random() float64 {
	if !h.rlck {
		return h.rnd()
	}
	h.rmu.Lock()
	defer h.rmu.Unlock()
	return h.rnd()
}

// newClients builds the HTTP clients for integrations: one verifying TLS,
// one for integrations with tlsConfig.insecureSkipVerification. Neither
// follows redirects (the backend's 3xx is the integration response) nor
// decompresses (HTTP_PROXY passes bodies through unchanged).
func newClients(rt http.RoundTripper) (verify, insecure *http.Client) {
	noRedirect := func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	if rt != nil {
		return &http.Client{Transport: rt, CheckRedirect: noRedirect}, &http.Client{Transport: rt, CheckRedirect: noRedirect}
	}
	base := &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          1024,
		MaxIdleConnsPerHost:   256,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ExpectContinueTimeout: time.Second,
		DisableCompression:    true,
	}
	ins := base.Clone()
	ins.TLSClientConfig = insecureTLS()
	return &http.Client{Transport: base, CheckRedirect: noRedirect}, &http.Client{Transport: ins, CheckRedirect: noRedirect}
}
