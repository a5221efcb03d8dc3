package httpapi

import (
	"context"
	"crypto/tls"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/stagecraft/stagecraft/internal/clock"
	"github.com/stagecraft/stagecraft/internal/dataplane"
	"github.com/stagecraft/stagecraft/internal/dataplane/v2core"
	"github.com/stagecraft/stagecraft/internal/h1client"
	"github.com/stagecraft/stagecraft/internal/quota"
	"github.com/stagecraft/stagecraft/internal/store"
)

// Config is what the HTTP API data plane needs besides the store.
type Config struct {
	// DefaultAccount and DefaultRegion break ties when one API id exists
	// in several accounts or regions.
	DefaultAccount string
	DefaultRegion  string
	Clock          clock.Clock
	Log            *slog.Logger
	// Transport carries HTTP_PROXY integration requests. nil or an
	// *h1client.Transport: http:// through h1client (sharing that
	// transport's connection pool), https:// through a tuned http.Transport.
	Transport http.RoundTripper
	// Lambda invokes AWS_PROXY integrations and Lambda authorizers; nil
	// answers them 500 and logs why.
	Lambda Invoker
	// JWKSClient fetches JWT authorizers' OpenID configuration and JWKS;
	// nil uses a client with a 10 s timeout.
	JWKSClient *http.Client
	// AccessLog receives the access log lines of stages that have an
	// accessLogSettings.format (the REST plane's destination: stdout or
	// the --access-log-file); nil writes them to os.Stdout.
	AccessLog io.Writer
	// AccountThrottling applies the account-level throttle (the REST
	// control plane's GetAccount throttleSettings, rate 10000 and burst
	// 5000 by default) to every routed request, as AWS does. Off by
	// default, as in the REST plane: it is a service quota AWS raises on
	// request, and it would cap local load tests.
	AccountThrottling bool
	// Throttler holds the token buckets; nil uses the handler's own. Pass
	// the REST plane's (dataplane.Handler.Throttler) to share account
	// buckets across API types, as AWS does.
	Throttler *quota.Throttler
}

// Handler serves the deployed stages of HTTP APIs. See doc.go for the
// contract with the front door.
type Handler struct {
	reg      *v2core.Registry[*deployment]
	cfg      Config
	log      *slog.Logger
	clk      clock.Clock
	client   *http.Client
	auth     *authState
	throttle *quota.Throttler
	alog     *dataplane.AccessLogWriter
}

// New returns the HTTP API data plane over st. It compiles what the store
// holds now and keeps up with changes until Close.
func New(st store.Store, cfg Config) *Handler {
	if cfg.Clock == nil {
		cfg.Clock = clock.Wall{}
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	h := &Handler{cfg: cfg, clk: cfg.Clock, log: cfg.Log.With("component", "httpapi")}
	h.client = newClient(cfg.Transport)
	h.auth = newAuthState(h)
	h.throttle = cfg.Throttler
	if h.throttle == nil {
		h.throttle = quota.NewThrottler(h.clk)
	}
	h.alog = dataplane.NewAccessLogWriter(cfg.AccessLog)
	h.reg = v2core.NewRegistry(st, v2core.Options[*deployment]{
		Protocol: "HTTP", Compile: compile, Log: h.log,
		DefaultAccount: cfg.DefaultAccount, DefaultRegion: cfg.DefaultRegion,
		// The account throttle's settings live with the REST control
		// plane's account (apigw.account).
		Usage: cfg.AccountThrottling,
	})
	return h
}

// Close stops watching the store.
func (h *Handler) Close() { h.reg.Close() }

// Lookup reports whether apiID names an HTTP API (in any account or
// region), as of the latest store revision.
func (h *Handler) Lookup(apiID string) bool {
	v := h.reg.Current(context.Background())
	return v.API(apiID, "") != nil
}

// LookupDomain reports whether host (with or without port) is a custom
// domain name that has API mappings to HTTP APIs.
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

// ServeAPI answers a request addressed to HTTP API apiID through an
// execute-api form; rest is the escaped path after the API id ("/{stage}/…"
// or, for the $default stage, the route path itself).
func (h *Handler) ServeAPI(w http.ResponseWriter, r *http.Request, apiID, rest string) {
	t := v2core.Target{APIID: apiID, Rest: rest, Host: v2core.HostOnly(r)}
	if pt, ok := v2core.ParseTarget(r); ok && pt.APIID == apiID {
		t = pt
		t.Rest = rest
	}
	h.serve(w, r, t, nil)
}

// ServeHTTP answers any request the HTTP API data plane can address: the
// host form {apiId}.execute-api.…, the path form
// /_aws/execute-api/{apiId}/…, and custom domain names with API mappings.
// Anything else is 404 {"message":"Not Found"}.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if t, ok := v2core.ParseTarget(r); ok {
		h.serve(w, r, t, nil)
		return
	}
	h.serveDomain(w, r)
}

func (h *Handler) serveDomain(w http.ResponseWriter, r *http.Request) {
	c := h.newCall(w, r)
	v := h.reg.Current(r.Context())
	d := v.Domain(v2core.HostOnly(r))
	if d == nil {
		c.fail(http.StatusNotFound, msgNotFound)
		return
	}
	m, rest, ok := d.Match(r.URL.EscapedPath())
	if !ok {
		c.fail(http.StatusNotFound, msgNotFound)
		return
	}
	a := v.APIIn(d.Account, d.Region, m.APIID)
	if a == nil {
		c.fail(http.StatusNotFound, msgNotFound)
		return
	}
	c.view = v
	st := a.Stages[m.Stage]
	if st == nil {
		c.fail(http.StatusNotFound, msgNotFound)
		return
	}
	c.domain = d
	c.serveStage(a, st, rest)
}

// newClient builds the integration client. nil or an *h1client.Transport:
// http:// through h1client (sharing that transport's connection pool),
// https:// through a tuned http.Transport; any other rt carries everything.
func newClient(rt http.RoundTripper) *http.Client {
	noRedirect := func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	if h1, ok := rt.(*h1client.Transport); rt == nil || ok {
		fallback := &http.Transport{
			Proxy:                 http.ProxyFromEnvironment,
			DialContext:           (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
			ForceAttemptHTTP2:     true,
			MaxIdleConns:          1024,
			MaxIdleConnsPerHost:   256,
			IdleConnTimeout:       90 * time.Second,
			TLSHandshakeTimeout:   10 * time.Second,
			ExpectContinueTimeout: time.Second,
			DisableCompression:    true,
			TLSClientConfig:       &tls.Config{MinVersion: tls.VersionTLS12},
		}
		if h1 == nil {
			h1 = h1client.New(h1client.Options{})
		}
		rt = h1.WithFallback(fallback)
	}
	return &http.Client{Transport: rt, CheckRedirect: noRedirect}
}
