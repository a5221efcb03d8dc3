// Package agent serves an HTTP endpoint compatible with AWS AppConfig Agent
// (the sidecar / Lambda extension that applications query on
// localhost:2772), so applications written for the agent run unchanged
// against Stagecraft (--agent-listen).
//
//	GET /applications/{application}/environments/{environment}/configurations/{profile}
//
// Identifiers are IDs or names. The answer is the configuration the
// caller should have now, in full, with Content-Type, Configuration-Version
// (the deployed hosted version number) and Version-Label (when the version
// has one). For feature flag profiles, ?flag=KEY (repeatable) selects
// flags: one flag is answered with that flag's object alone (enabled and
// attribute values), several with an object of the selected flags — the
// agent's documented behaviour since version 2.0.45.
//
// Gradual rollouts. The real agent is one configuration session: every
// request it serves gets the version its session gets. An Entity-Id
// request header (up to 2 KB; agent 2.0.136060 and later) makes the rollout
// per entity instead: an entity receives the new version once its bucket
// is below PercentageComplete, keeps it for the rest of the deployment
// whichever agent serves it, and returns to the previous version on
// rollback. Both use the data plane's targeting (appconfigdata.Resolver).
//
// The real agent polls AWS AppConfig on an interval and serves from its
// cache; here the endpoint reads the store through the Resolver's cache,
// which is keyed by store revision, so a deployment or a rollback is
// visible to the next request. Every request counts as a configuration
// fetch for deletion protection (recorded at most once a second).
//
// Errors are plain text, with the agent's status codes: 400 for a bad
// request, 404 when the application, environment, profile or a requested
// flag does not exist, 500 for a server fault.
//
// Not implemented: evaluation of multi-variant flags against the Context
// header (a flag's _variants are passed through as the data plane returns
// them), local development mode, prefetch lists, and the agent's other
// endpoints.
package agent

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	api "github.com/stagecraft/stagecraft/internal/api/appconfigdata"
	"github.com/stagecraft/stagecraft/internal/clock"
	"github.com/stagecraft/stagecraft/internal/service/appconfigdata"
	"github.com/stagecraft/stagecraft/internal/store"
)

// DefaultPort is the real agent's port.
const DefaultPort = 2772

// maxEntityID is the largest Entity-Id the agent accepts (2 KB).
const maxEntityID = 2048

// agentKey is the rollout target of requests without Entity-Id: the agent
// is one session, the same for every request and across restarts.
const agentKey = "stagecraft-agent"

// Config says whose configuration the endpoint serves. Like the real agent
// (which uses its own credentials), it serves one account and region.
type Config struct {
	Account string // default "000000000000"
	Region  string // default "us-east-1"
	Clock   clock.Clock
	Log     *slog.Logger
}

// Handler is the agent endpoint.
type Handler struct {
	cfg Config
	r   *appconfigdata.Resolver
}

// New returns the endpoint over st.
func New(st store.Store, cfg Config) *Handler {
	if cfg.Account == "" {
		cfg.Account = "000000000000"
	}
	if cfg.Region == "" {
		cfg.Region = "us-east-1"
	}
	if cfg.Clock == nil {
		cfg.Clock = clock.Wall{}
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	return &Handler{cfg: cfg, r: appconfigdata.NewResolver(st, cfg.Clock, cfg.Log)}
}

// Listen serves the endpoint on addr in the background until st is
// closed, and returns the address actually listened on.
func Listen(addr string, st store.Store, cfg Config) (string, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", err
	}
	srv := &http.Server{Handler: New(st, cfg), ReadHeaderTimeout: 30 * time.Second}
	go srv.Serve(ln)
	go func() {
		// The node closes the store last when it shuts down; the endpoint
		// stops with it.
		for range st.Watch(context.Background()) {
		}
		srv.Close()
	}()
	return ln.Addr().String(), nil
}

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	app, env, prof, ok := parsePath(r.URL.EscapedPath())
	if !ok {
		plain(w, http.StatusNotFound, "Not found: "+r.URL.Path)
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		plain(w, http.StatusMethodNotAllowed, "Method not allowed: "+r.Method)
		return
	}
	entity := r.Header.Get("Entity-Id")
	if len(entity) > maxEntityID {
		plain(w, http.StatusBadRequest, "Entity-Id exceeds the maximum length of 2048 bytes")
		return
	}
	ctx := r.Context()
	t, typ, err := h.r.Resolve(ctx, h.cfg.Account, h.cfg.Region, app, env, prof)
	if err != nil {
		h.fail(w, err)
		return
	}
	st, err := h.r.State(ctx, t)
	if err != nil {
		h.fail(w, err)
		return
	}
	now := h.cfg.Clock.Now()
	var sv *appconfigdata.Served
	if entity != "" {
		sv = st.Pick(now, appconfigdata.TargetEntity, appconfigdata.EntityKey(t, entity), 0)
	} else {
		sv = st.Pick(now, appconfigdata.TargetSession, agentKey, 0)
	}
	if err := h.r.RecordFetch(ctx, t, now); err != nil {
		h.fail(w, err)
		return
	}
	flags := r.URL.Query()["flag"]
	body, contentType := []byte{}, ""
	if sv != nil {
		body, contentType = sv.Body, sv.ContentType
		hd := w.Header()
		if sv.Version != "" {
			hd.Set("Configuration-Version", sv.Version)
		}
		if sv.Label != "" {
			hd.Set("Version-Label", sv.Label)
		}
	}
	if len(flags) > 0 {
		if typ != appconfigdata.TypeFeatureFlags {
			plain(w, http.StatusBadRequest, "The flag query parameter can only be used with configuration profiles of type AWS.AppConfig.FeatureFlags")
			return
		}
		var all map[string]json.RawMessage
		if sv != nil {
			if all, err = sv.Flags(); err != nil {
				h.fail(w, err)
				return
			}
		}
		if body, err = selectFlags(all, flags); err != nil {
			plain(w, http.StatusNotFound, err.Error())
			return
		}
		contentType = "application/json"
	}
	if contentType != "" {
		w.Header().Set("Content-Type", contentType)
	} else {
		w.Header().Set("Content-Type", "application/octet-stream")
	}
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		w.Write(body)
	}
}

// selectFlags renders the requested flags: one flag as its own object,
// several as an object keyed by flag, in the order asked (duplicates
// once). A flag the configuration does not have is an error.
func selectFlags(all map[string]json.RawMessage, keys []string) ([]byte, error) {
	var uniq []string
	seen := map[string]bool{}
	for _, k := range keys {
		if _, ok := all[k]; !ok {
			return nil, errors.New("Flag not found: " + k)
		}
		if !seen[k] {
			seen[k] = true
			uniq = append(uniq, k)
		}
	}
	if len(uniq) == 1 {
		return all[uniq[0]], nil
	}
	var b bytes.Buffer
	b.WriteByte('{')
	for i, k := range uniq {
		if i > 0 {
			b.WriteByte(',')
		}
		kb, _ := json.Marshal(k)
		b.Write(kb)
		b.WriteByte(':')
		b.Write(all[k])
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// parsePath splits /applications/{a}/environments/{e}/configurations/{p}
// (segments percent-decoded).
func parsePath(p string) (app, env, prof string, ok bool) {
	seg := strings.Split(strings.TrimPrefix(p, "/"), "/")
	if len(seg) != 6 || seg[0] != "applications" || seg[2] != "environments" || seg[4] != "configurations" {
		return "", "", "", false
	}
	var err error
	dec := func(s string) string {
		v, e := url.PathUnescape(s)
		if e != nil {
			err = e
		}
		return v
	}
	app, env, prof = dec(seg[1]), dec(seg[3]), dec(seg[5])
	if err != nil || app == "" || env == "" || prof == "" {
		return "", "", "", false
	}
	return app, env, prof, true
}

func (h *Handler) fail(w http.ResponseWriter, err error) {
	var nf *api.ResourceNotFoundException
	if errors.As(err, &nf) {
		plain(w, http.StatusNotFound, "ResourceNotFoundException: "+*nf.Message)
		return
	}
	h.cfg.Log.Error("appconfig agent endpoint failure", "err", err)
	plain(w, http.StatusInternalServerError, "InternalServerException: the configuration could not be retrieved")
}

func plain(w http.ResponseWriter, code int, msg string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(code)
	w.Write([]byte(msg + "\n"))
}
