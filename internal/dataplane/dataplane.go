package dataplane

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
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
	"github.com/stagecraft/stagecraft/internal/authz"
	"github.com/stagecraft/stagecraft/internal/clock"
	"github.com/stagecraft/stagecraft/internal/h1client"
	"github.com/stagecraft/stagecraft/internal/lambda"
	"github.com/stagecraft/stagecraft/internal/quota"
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
	// Transport carries HTTP and HTTP_PROXY integration requests. nil or
	// an *h1client.Transport: http:// through h1client (sharing that
	// transport's connection pool), https:// through a tuned
	// http.Transport (verifying, or not for insecureSkipVerification).
	Transport http.RoundTripper

	// Lambda invokes Lambda integrations (AWS_PROXY and AWS) and Lambda
	// authorizers; *lambda.Client is one. Nil answers them 500 Internal
	// server error and logs that no Lambda endpoint is configured.
	Lambda Invoker
	// JWKSClient fetches the key sets of Cognito user pools; nil uses a
	// client with a 10 s timeout.
	JWKSClient *http.Client
	// CognitoIssuer is the issuer (iss) tokens of a user pool carry, with
	// {region} and {poolId} placeholders; "" is AWS's
	// https://cognito-idp.{region}.amazonaws.com/{poolId}. A local Cognito
	// emulator issues tokens under its own URL.
	CognitoIssuer string
	// CognitoJWKSURL, when set, is where a user pool's keys are fetched
	// from (same placeholders) instead of {issuer}/.well-known/jwks.json:
	// offline use and tests.
	CognitoJWKSURL string
	// IAMKeys returns the secret key of an access key id, to verify the
	// SigV4 signature of requests to AWS_IAM methods. Nil accepts any
	// well-formed signature without checking it (the node's --auth off).
	IAMKeys func(accessKeyID string) (secret string, ok bool)
	// AccessLog receives the access log lines of stages that have an
	// accessLogSettings.format; nil writes them to os.Stdout.
	AccessLog io.Writer
	// AccountThrottling applies the account-level throttle (GetAccount's
	// throttleSettings, rate 10000 and burst 5000 by default) to every
	// request, as AWS does. Off by default: it is a service quota AWS
	// raises on request, and it would cap local load tests.
	AccountThrottling bool
	// SyncInterval is how often (wall time) usage plan counters are
	// written to the store and read back (Sync). 0 means every 10 s;
	// negative never: tests call Sync.
	SyncInterval time.Duration
}

// Invoker invokes Lambda functions synchronously; *lambda.Client is one.
type Invoker interface {
	Invoke(ctx context.Context, fn lambda.Function, payload []byte) (*lambda.Result, error)
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

	authCache *authz.Cache     // Lambda authorizer results
	verifier  *authz.Verifier  // Cognito user pool tokens
	throttle  *quota.Throttler // account, stage and usage plan throttling
	counters  *quota.Counters  // usage plan quotas
	alog      *accessLogger
	syncMu    sync.Mutex // serialises Sync
	closeOnce sync.Once
}

type depKey struct{ account, region, apiID, deploymentID string }

// compiled is one immutable view of everything the data plane serves, as
// of store revision rev. Requests load it once and keep it to the end, so
// a swap never drops or mixes a request.
type compiled struct {
	rev   uint64
	apis  map[string][]*apiEntry // by API id; several only across accounts/regions
	byKey map[string]*stageEntry // by store key, to reuse unchanged stages

	usage    *usageState             // API keys, usage plans, account throttles
	domains  map[string]*domainEntry // custom domain names, by lower-case name
	epochs   map[string]uint64       // authorizer cache epochs by stage store key
	epochSum uint64
}

type apiEntry struct {
	account, region, id string
	stages              map[string]*stageEntry

	// Boxed once for $context: account, id, and the execute-api domain
	// name and prefix of the path forms.
	accountAny, idAny, domainAny, prefixAny any
}

func (a *apiEntry) box() {
	a.accountAny, a.idAny = a.account, a.id
	a.domainAny = a.id + ".execute-api." + a.region + ".amazonaws.com"
	a.prefixAny = a.id
}

// stageEntry is a stage's live settings with its compiled deployment(s).
type stageEntry struct {
	name    string
	nameAny any    // name boxed once for $context.stage
	raw     []byte // the stored api.Stage, to detect changes cheaply
	dep     *deployment
	vars    map[string]string

	hasCanary     bool
	canary        *deployment
	canaryPercent float64
	canaryVars    map[string]string // stage variables overlaid with stageVariableOverrides

	// throttles are the stage's methodSettings throttles by key
	// ("pets/GET", "*/*" for the stage default).
	throttles map[string]quota.Limit
	accessLog *accessLogFormat // nil: no access logging
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
	h.authCache = authz.NewCache(cfg.Clock, 0)
	h.verifier = newVerifier(cfg)
	h.throttle = quota.NewThrottler(cfg.Clock)
	h.counters = quota.NewCounters(cfg.Clock)
	h.alog = newAccessLogger(cfg.AccessLog)
	h.cur.Store(&compiled{apis: map[string][]*apiEntry{}, byKey: map[string]*stageEntry{}, usage: emptyUsage})
	if err := h.counters.Load(context.Background(), st); err != nil {
		h.log.Error("loading usage plan counters failed; quotas start from zero", "error", err)
	}

	ctx, cancel := context.WithCancel(context.Background())
	h.stop, h.done = cancel, make(chan struct{})
	// Watch before the first build, so no change in between goes unseen.
	ch := st.Watch(ctx)
	h.mu.Lock()
	if err := h.buildLocked(ctx); err != nil {
		h.log.Error("initial data plane build failed; retrying on the next request", "error", err)
	}
	h.mu.Unlock()
	var tick <-chan time.Time
	stopTick := func() {}
	if cfg.SyncInterval >= 0 {
		iv := cfg.SyncInterval
		if iv == 0 {
			iv = 10 * time.Second
		}
		t := time.NewTicker(iv)
		tick, stopTick = t.C, t.Stop
	}
	go func() {
		defer close(h.done)
		defer stopTick()
		for {
			select {
			case rev, ok := <-ch:
				if !ok {
					return
				}
				h.refresh(rev)
				if !Pace(ctx) {
					return
				}
			case <-tick:
				if err := h.Sync(ctx); err != nil && ctx.Err() == nil {
					h.log.Warn("syncing usage plan counters failed; retrying at the next sync", "error", err)
				}
			}
		}
	}()
	return h
}

// Close stops watching the store and writes the usage counted since the
// last Sync. Call it before closing the store.
func (h *Handler) Close() {
	h.closeOnce.Do(func() {
		h.stop()
		<-h.done
		if err := h.Sync(context.Background()); err != nil {
			h.log.Warn("final sync of usage plan counters failed", "error", err)
		}
	})
}

// Sync writes the usage plan requests counted since the last Sync to the
// store and reads back every key's totals (other nodes' requests, and
// UpdateUsage's quota extensions), and forgets idle throttling buckets.
// It runs every Config.SyncInterval and on Close; tests call it.
func (h *Handler) Sync(ctx context.Context) error {
	h.syncMu.Lock()
	defer h.syncMu.Unlock()
	h.throttle.Sweep()
	return h.counters.Sync(ctx, h.st)
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
				ae.box()
				apis[ak] = ae
				next.apis[ae.id] = append(next.apis[ae.id], ae)
			}
			ae.stages[parts[3]] = se
			return true
		})
		if err == nil {
			err = scanErr
		}
		if err != nil {
			return err
		}
		if next.usage, err = loadUsage(tx, prev.usage); err != nil {
			return err
		}
		if next.domains, err = loadDomains(tx); err != nil {
			return err
		}
		next.epochs, next.epochSum, err = loadEpochs(tx)
		return err
	})
	if err != nil {
		return err
	}
	if next.epochSum != prev.epochSum {
		// FlushStageAuthorizersCache bumped a stage's epoch: drop that
		// stage's cached authorizer results.
		for k, e := range next.epochs {
			if prev.epochs[k] != e {
				p := strings.SplitN(k, "/", 4)
				if len(p) == 4 {
					h.authCache.Flush(authz.StageScope(p[0], p[1], p[2], p[3]))
				}
			}
		}
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
	se.nameAny = se.name
	if se.vars == nil {
		se.vars = map[string]string{}
	}
	se.throttles = stageThrottles(st.MethodSettings)
	if als := st.AccessLogSettings; als != nil && str(als.Format) != "" {
		se.accessLog = compileAccessLog(str(als.Format))
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
//
// http:// goes through an h1client transport (rt when it is one, so the
// planes share its connection pool; a new one when rt is nil) and https://
// through a tuned http.Transport, the verifying or the insecure one. Any
// other rt carries everything for both clients.
func newClients(rt http.RoundTripper) (verify, insecure *http.Client) {
	noRedirect := func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	h1, ok := rt.(*h1client.Transport)
	if rt != nil && !ok {
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
	if h1 == nil {
		h1 = h1client.New(h1client.Options{})
	}
	return &http.Client{Transport: h1.WithFallback(base), CheckRedirect: noRedirect},
		&http.Client{Transport: h1.WithFallback(ins), CheckRedirect: noRedirect}
}

// BackgroundPace is the shortest time between two background rebuilds of
// a data plane (REST here, HTTP and WebSocket APIs in v2core). A burst of
// control-plane writes (say, a deployment per millisecond from a CI script)
// is compiled in the background at most this often instead of once per
// write; a request that finds its view stale still rebuilds at once, so
// read-your-writes does not depend on it.
const BackgroundPace = 50 * time.Millisecond

// Pace waits BackgroundPace, or until ctx ends (then it returns false). It
// paces resource use, not logic: no result depends on it.
func Pace(ctx context.Context) bool {
	t := time.NewTimer(BackgroundPace)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
