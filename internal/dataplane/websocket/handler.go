package websocket

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	ws "github.com/coder/websocket"

	"github.com/stagecraft/stagecraft/internal/authz"
	"github.com/stagecraft/stagecraft/internal/clock"
	"github.com/stagecraft/stagecraft/internal/dataplane"
	"github.com/stagecraft/stagecraft/internal/dataplane/v2core"
	"github.com/stagecraft/stagecraft/internal/h1client"
	"github.com/stagecraft/stagecraft/internal/lambda"
	"github.com/stagecraft/stagecraft/internal/quota"
	"github.com/stagecraft/stagecraft/internal/store"
)

// Invoker invokes Lambda functions synchronously; *lambda.Client is one.
type Invoker interface {
	Invoke(ctx context.Context, fn lambda.Function, payload []byte) (*lambda.Result, error)
}

// Config is what the WebSocket data plane needs besides the store.
type Config struct {
	DefaultAccount string
	DefaultRegion  string
	Clock          clock.Clock
	Log            *slog.Logger
	// Transport carries HTTP and HTTP_PROXY integration requests. nil or
	// an *h1client.Transport: http:// through h1client (sharing that
	// transport's connection pool), https:// through a tuned http.Transport.
	Transport http.RoundTripper
	// Lambda invokes AWS_PROXY / AWS (Lambda) integrations and Lambda
	// authorizers; nil answers them as integration failures and logs why.
	Lambda Invoker
	// IdleTimeout closes a connection whose client sent nothing for this
	// long (default 10 minutes); MaxDuration closes any connection this
	// old (default 2 hours) [D: WebSocket quotas]. Both are measured on
	// Clock.
	IdleTimeout time.Duration
	MaxDuration time.Duration
	// SweepInterval is how often (in real time) the timeouts are checked
	// against Clock; 0 means every 5 seconds, negative never (tests call
	// Sweep after moving a fake clock).
	SweepInterval time.Duration

	// AccessLog receives the access log lines of stages that have an
	// accessLogSettings.format (the REST plane's destination: stdout or
	// the --access-log-file); nil writes them to os.Stdout.
	AccessLog io.Writer
	// AccountThrottling applies the account-level throttle (the REST
	// control plane's GetAccount throttleSettings, rate 10000 and burst
	// 5000 by default) to $connect and messages, as AWS does. Off by
	// default, as in the REST plane.
	AccountThrottling bool
	// Throttler and Counters hold the token buckets and usage plan quota
	// counts. Pass the REST plane's (dataplane.Handler.Throttler and
	// Counters) to share an API key's plan throttle and quota across the
	// REST and WebSocket stages of its plans, as AWS does; the REST
	// plane's Sync then writes them. Nil uses the handler's own, which it
	// loads from the store at start and syncs every SyncInterval and on
	// Close.
	Throttler *quota.Throttler
	Counters  *quota.Counters
	// SyncInterval is how often (wall time) the handler's own usage plan
	// counters are written to the store and read back; 0 means every
	// 10 s, negative never (tests call Sync).
	SyncInterval time.Duration
}

// Defaults of the connection quotas [D].
const (
	DefaultIdleTimeout = 10 * time.Minute
	DefaultMaxDuration = 2 * time.Hour
)

// Handler serves the deployed stages of WebSocket APIs. See doc.go for
// the contract with the front door.
type Handler struct {
	reg    *v2core.Registry[*deployment]
	hub    *Hub
	cfg    Config
	log    *slog.Logger
	clk    clock.Clock
	client *http.Client
	cache  *authz.Cache
	st     store.Store

	throttle    *quota.Throttler
	counters    *quota.Counters
	ownCounters bool // counters are this handler's: it syncs them
	syncMu      sync.Mutex
	alog        *dataplane.AccessLogWriter

	mu     sync.Mutex
	conns  map[*Conn]struct{} // this handler's connections
	closed bool               // Close was called: no new connections
	stop   chan struct{}
	done   chan struct{}
	wg     sync.WaitGroup
}

// New returns the WebSocket data plane over st. Connections register in
// HubFor(st), where the @connections API finds them.
func New(st store.Store, cfg Config) *Handler {
	if cfg.Clock == nil {
		cfg.Clock = clock.Wall{}
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	if cfg.IdleTimeout <= 0 {
		cfg.IdleTimeout = DefaultIdleTimeout
	}
	if cfg.MaxDuration <= 0 {
		cfg.MaxDuration = DefaultMaxDuration
	}
	if cfg.SweepInterval == 0 {
		cfg.SweepInterval = 5 * time.Second
	}
	if cfg.SyncInterval == 0 {
		cfg.SyncInterval = 10 * time.Second
	}
	h := &Handler{cfg: cfg, clk: cfg.Clock, log: cfg.Log.With("component", "websocket"), hub: HubFor(st), st: st,
		conns: map[*Conn]struct{}{}, stop: make(chan struct{}), done: make(chan struct{})}
	h.client = newClient(cfg.Transport)
	h.cache = authz.NewCache(h.clk, 0)
	h.alog = dataplane.NewAccessLogWriter(cfg.AccessLog)
	h.throttle = cfg.Throttler
	if h.throttle == nil {
		h.throttle = quota.NewThrottler(h.clk)
	}
	h.counters = cfg.Counters
	if h.counters == nil {
		h.counters, h.ownCounters = quota.NewCounters(h.clk), true
		if err := h.counters.Load(context.Background(), st); err != nil {
			h.log.Error("loading usage plan counters failed; quotas start from zero", "error", err)
		}
	}
	h.reg = v2core.NewRegistry(st, v2core.Options[*deployment]{
		Protocol: "WEBSOCKET", Compile: compile, Log: h.log,
		DefaultAccount: cfg.DefaultAccount, DefaultRegion: cfg.DefaultRegion,
		// API keys and usage plans are the REST control plane's, shared
		// with WebSocket APIs [D: usage plans name API stages of either].
		Usage: true,
	})
	go h.sweeper()
	return h
}

// Sync writes the usage plan requests counted since the last Sync to the
// store and reads back every node's counts and UpdateUsage's extensions
// (what GetUsage reports); it also forgets full token buckets. With
// counters shared through Config.Counters their owner syncs them, and
// Sync only sweeps.
func (h *Handler) Sync(ctx context.Context) error {
	h.throttle.Sweep()
	if !h.ownCounters {
		return nil
	}
	h.syncMu.Lock()
	defer h.syncMu.Unlock()
	return h.counters.Sync(ctx, h.st)
}

// Hub is the connection registry this handler registers in.
func (h *Handler) Hub() *Hub { return h.hub }

// Close closes every connection of this handler (1001 going away), waits
// for their $disconnect routes and stops watching the store.
func (h *Handler) Close() {
	close(h.stop)
	<-h.done
	h.mu.Lock()
	h.closed = true
	list := make([]*Conn, 0, len(h.conns))
	for c := range h.conns {
		list = append(list, c)
	}
	h.mu.Unlock()
	for _, c := range list {
		c.Close(ws.StatusGoingAway, "Going away")
	}
	h.wg.Wait()
	if h.ownCounters {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		if err := h.Sync(ctx); err != nil {
			h.log.Warn("final sync of usage plan counters failed", "error", err)
		}
		cancel()
	}
	h.reg.Close()
}

func (h *Handler) sweeper() {
	defer close(h.done)
	var sweep, syncC <-chan time.Time
	if h.cfg.SweepInterval > 0 {
		t := time.NewTicker(h.cfg.SweepInterval)
		defer t.Stop()
		sweep = t.C
	}
	if h.cfg.SyncInterval > 0 && h.ownCounters {
		t := time.NewTicker(h.cfg.SyncInterval)
		defer t.Stop()
		syncC = t.C
	}
	for {
		select {
		case <-h.stop:
			return
		case <-sweep:
			h.Sweep()
		case <-syncC:
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			if err := h.Sync(ctx); err != nil {
				h.log.Warn("syncing usage plan counters failed; retrying at the next sync", "error", err)
			}
			cancel()
		}
	}
}

// Sweep closes, as of Clock's now, the connections idle for IdleTimeout
// and those open for MaxDuration, with 1001 "Going away" [?: the close
// code AWS uses is not documented]. It returns how many it closed.
func (h *Handler) Sweep() int {
	now := h.clk.Now()
	h.mu.Lock()
	list := make([]*Conn, 0, len(h.conns))
	for c := range h.conns {
		list = append(list, c)
	}
	h.mu.Unlock()
	n := 0
	for _, c := range list {
		idle := now.Sub(time.Unix(0, c.lastActive.Load())) >= h.cfg.IdleTimeout
		old := now.Sub(c.connectedAt) >= h.cfg.MaxDuration
		if (idle || old) && c.Close(ws.StatusGoingAway, "Going away") == nil {
			n++
		}
	}
	return n
}

// Lookup reports whether apiID names a WebSocket API (in any account or
// region), as of the latest store revision.
func (h *Handler) Lookup(apiID string) bool {
	return h.reg.Current(context.Background()).API(apiID, "") != nil
}

// LookupDomain reports whether host (with or without port) is a custom
// domain name with API mappings to WebSocket APIs.
func (h *Handler) LookupDomain(host string) bool {
	if hh, _, err := net.SplitHostPort(host); err == nil {
		host = hh
	}
	v := h.reg.Current(context.Background())
	d := v.Domain(strings.ToLower(host))
	if d == nil {
		return false
	}
	for _, m := range d.Mappings {
		if v.APIIn(d.Account, d.Region, m.APIID) != nil {
			return true
		}
	}
	return false
}

// ServeAPI answers a WebSocket handshake addressed to apiID through an
// execute-api form; rest is the escaped path after the API id ("/{stage}").
func (h *Handler) ServeAPI(w http.ResponseWriter, r *http.Request, apiID, rest string) {
	t := v2core.Target{APIID: apiID, Rest: rest, Host: v2core.HostOnly(r)}
	if pt, ok := v2core.ParseTarget(r); ok && pt.APIID == apiID {
		t = pt
		t.Rest = rest
	}
	v := h.reg.Current(r.Context())
	a := v.API(t.APIID, t.HostRegion)
	if a == nil {
		refuse(w, http.StatusForbidden, "Forbidden")
		return
	}
	stage, after := v2core.CutSegment(t.Rest)
	if after != "" && after != "/" {
		refuse(w, http.StatusForbidden, "Forbidden")
		return
	}
	h.serveStage(w, r, v, a, stage, t.Host)
}

// ServeHTTP answers WebSocket handshakes in every addressing form: the
// host form, the path form /_aws/execute-api/{apiId}/{stage}, and custom
// domain names through their API mappings.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if t, ok := v2core.ParseTarget(r); ok {
		h.ServeAPI(w, r, t.APIID, t.Rest)
		return
	}
	v := h.reg.Current(r.Context())
	d := v.Domain(v2core.HostOnly(r))
	if d == nil {
		refuse(w, http.StatusForbidden, "Forbidden")
		return
	}
	m, rest, ok := d.Match(r.URL.EscapedPath())
	if !ok || (rest != "" && rest != "/") {
		refuse(w, http.StatusForbidden, "Forbidden")
		return
	}
	a := v.APIIn(d.Account, d.Region, m.APIID)
	if a == nil {
		refuse(w, http.StatusForbidden, "Forbidden")
		return
	}
	h.serveStage(w, r, v, a, m.Stage, v2core.HostOnly(r))
}

// refuse answers a handshake that is not accepted. The body is
// {"message": …} like API Gateway's other data-plane errors.
func refuse(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	if msg != "" {
		io.WriteString(w, `{"message":"`+msg+`"}`)
	}
}

func isUpgrade(r *http.Request) bool {
	return headerHasToken(r.Header, "Connection", "upgrade") && headerHasToken(r.Header, "Upgrade", "websocket")
}

func headerHasToken(h http.Header, name, token string) bool {
	for _, v := range h.Values(name) {
		for _, t := range strings.Split(v, ",") {
			if strings.EqualFold(strings.TrimSpace(t), token) {
				return true
			}
		}
	}
	return false
}

// newClient builds the integration client. nil or an *h1client.Transport:
// http:// through h1client (sharing that transport's connection pool),
// https:// through a tuned http.Transport; any other rt carries everything.
func newClient(rt http.RoundTripper) *http.Client {
	if h1, ok := rt.(*h1client.Transport); rt == nil || ok {
		fallback := &http.Transport{
			Proxy:               http.ProxyFromEnvironment,
			DialContext:         (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
			MaxIdleConns:        512,
			MaxIdleConnsPerHost: 128,
			IdleConnTimeout:     90 * time.Second,
			DisableCompression:  true,
		}
		if h1 == nil {
			h1 = h1client.New(h1client.Options{MaxIdlePerHost: 128})
		}
		rt = h1.WithFallback(fallback)
	}
	return &http.Client{Transport: rt, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}
