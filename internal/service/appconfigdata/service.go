// Package appconfigdata is the hand-written logic of the AWS AppConfig data
// plane (service appconfigdata, 2021-11-11): StartConfigurationSession and
// GetLatestConfiguration. It implements the generated api.Service
// interface; routing, binding, model validation and error encoding are
// generated in internal/api/appconfigdata.
//
// What a client receives is decided by the control plane's deployments
// (internal/service/appconfig, scheduled by internal/rollout): per
// application, environment and profile, the newest COMPLETE deployment is
// the baseline and a deployment still DEPLOYING or BAKING is the
// candidate, which a session receives once its bucket is below the
// deployment's PercentageComplete (resolve.go). The Resolver is shared
// with the AppConfig Agent endpoint (internal/agent).
//
// Hot path. A poll (GetLatestConfiguration) reads nothing from disk and
// writes nothing synchronously: the session's state travels in its signed
// token (token.go); what the profile serves is cached per store revision
// (resolve.go); the single-use check is in memory and persisted behind the
// requests (sessions.go); the deletion-protection record is written at once
// only on a target's first fetch (or after a minute), otherwise batched
// once a second for all targets (resolve.go).
//
// Tables (keys start with account and region):
//
//	appconfigdata.secret    "hmac"                      → 32 random bytes, the secret token keys are derived from
//	appconfigdata.sessions  account/region/<session id> → sessionRecord (replay guard: next acceptable sequence, expiry)
//
// Read from the control plane: appconfig.applications, .environments,
// .profiles (name resolution, existence), appconfig.deployments and
// .deploymentcontent (what is served); written through
// appconfig.RecordConfigurationFetch: appconfig.usage.
package appconfigdata

import (
	"context"
	"log/slog"
	"sync"
	"time"

	api "github.com/stagecraft/stagecraft/internal/api/appconfigdata"
	"github.com/stagecraft/stagecraft/internal/clock"
	"github.com/stagecraft/stagecraft/internal/store"
	"github.com/stagecraft/stagecraft/internal/wire"
)

// Tables.
const (
	tSecret   = "appconfigdata.secret"
	tSessions = "appconfigdata.sessions"
	secretKey = "hmac"
)

// defaultPollInterval is the session's poll interval when
// RequiredMinimumPollIntervalInSeconds is omitted: 60 seconds, as observed
// on AWS (spec §5.1).
const defaultPollInterval = 60

// Service implements api.Service.
type Service struct {
	api.Unimplemented
	st  store.Store
	clk clock.Clock
	r   *Resolver
	g   *guard
}

var _ api.Service = (*Service)(nil)

// New returns the AppConfig data plane over st. Its session flusher stops
// when the store is closed.
func New(st store.Store, clk clock.Clock) *Service {
	if clk == nil {
		clk = clock.Wall{}
	}
	log := slog.Default()
	s := &Service{st: st, clk: clk, r: NewResolver(st, clk, log), g: newGuard(st, clk, log)}
	register(st, s)
	go func() {
		s.g.run()
		unregister(st, s)
	}()
	return s
}

// Resolver is the service's view of what is deployed (for the agent).
func (s *Service) Resolver() *Resolver { return s.r }

// registry maps a store to the data plane services running over it, so a
// node can flush their session state before it closes the store.
var registry struct {
	sync.Mutex
	m map[store.Store][]*Service
}

func register(st store.Store, s *Service) {
	registry.Lock()
	defer registry.Unlock()
	if registry.m == nil {
		registry.m = map[store.Store][]*Service{}
	}
	registry.m[st] = append(registry.m[st], s)
}

func unregister(st store.Store, s *Service) {
	registry.Lock()
	defer registry.Unlock()
	l := registry.m[st]
	for i, x := range l {
		if x == s {
			registry.m[st] = append(l[:i:i], l[i+1:]...)
			break
		}
	}
	if len(registry.m[st]) == 0 {
		delete(registry.m, st)
	}
}

// Flush persists the pending session state (and configuration fetch
// records) of every data plane service running over st. A node calls it on graceful shutdown, before closing
// the store, so that a restart forgets no consumed token.
func Flush(ctx context.Context, st store.Store) error {
	registry.Lock()
	l := append([]*Service(nil), registry.m[st]...)
	registry.Unlock()
	var first error
	for _, s := range l {
		if err := s.g.flush(ctx); err != nil && first == nil {
			first = err
		}
		if err := s.r.FlushUsage(ctx); err != nil && first == nil {
			first = err
		}
	}
	return first
}

func ptr[T any](v T) *T { return &v }

// StartConfigurationSession resolves the application, environment and
// profile (by ID or name) and returns the session's initial token. A
// session may be started before anything is deployed.
func (s *Service) StartConfigurationSession(ctx context.Context, in *api.StartConfigurationSessionRequest) (*api.StartConfigurationSessionResponse, error) {
	sc := wire.ScopeFrom(ctx)
	t, _, err := s.r.Resolve(ctx, sc.Account, sc.Region, *in.ApplicationIdentifier, *in.EnvironmentIdentifier, *in.ConfigurationProfileIdentifier)
	if err != nil {
		return nil, err
	}
	interval := int32(defaultPollInterval)
	if in.RequiredMinimumPollIntervalInSeconds != nil {
		interval = *in.RequiredMinimumPollIntervalInSeconds
	}
	keys, err := s.r.tokenKeys(ctx)
	if err != nil {
		return nil, err
	}
	now := s.clk.Now().Truncate(time.Millisecond)
	tok := &token{session: newSessionID(), seq: 0, issued: now, interval: interval, t: t}
	s.g.start(t, tok.session, now.Add(tokenLifetime))
	return &api.StartConfigurationSessionResponse{InitialConfigurationToken: ptr(tok.encode(keys))}, nil
}

// Token problems (BadRequestException Details.InvalidParameters
// ["ConfigurationToken"].Problem).
const (
	problemCorrupted     = "Corrupted"
	problemExpired       = "Expired"
	problemPollTooEarly  = "PollIntervalNotSatisfied"
	reasonInvalidParams  = "InvalidParameters"
	memberToken          = "ConfigurationToken"
	msgTokenNotValid     = "Token not valid"
	msgTokenExpired      = "Token expired"
	msgRequestTooEarly   = "Request too early"
	msgTokenAlreadyUsed  = "Token expired"
	msgTokenNotForCaller = "Token not valid"
)

// badToken is a BadRequestException about the configuration token:
// Reason InvalidParameters and Details {"InvalidParameters":
// {"ConfigurationToken": {"Problem": problem}}}.
//
// Messages: "Request too early" is what AWS answers a poll before the
// interval (observed); "Token expired" and "Token not valid" are
// reported by users for expired and unusable tokens. A token that was
// already used is answered like an expired one (Problem Expired): it has
// been replaced by the token issued in exchange.
func badToken(problem, msg string) error {
	e := api.NewBadRequestException("%s", msg)
	e.Reason = ptr(reasonInvalidParams)
	e.Details = &api.BadRequestDetails{InvalidParameters: map[string]api.InvalidParameterDetail{
		memberToken: {Problem: ptr(problem)},
	}}
	return e
}

// GetLatestConfiguration consumes the token and returns what the session
// should have now: the full content when it differs from what the session
// last received (or on its first poll), an empty body when it does not.
//
// Checks, in order: the token must decode and carry a valid signature for
// this account and region (Corrupted); it must be younger than 24 hours
// and not already used (Expired); a token other than the initial one must
// not come before the session's poll interval has passed since it was
// issued (PollIntervalNotSatisfied — the token stays usable). Then the
// application, environment and profile must still exist (404).
func (s *Service) GetLatestConfiguration(ctx context.Context, in *api.GetLatestConfigurationRequest) (*api.GetLatestConfigurationResponse, error) {
	keys, err := s.r.keysIfAny(ctx)
	if err != nil {
		return nil, err
	}
	tok, err := decodeToken(*in.ConfigurationToken, keys)
	if err != nil {
		return nil, badToken(problemCorrupted, msgTokenNotValid)
	}
	if sc := wire.ScopeFrom(ctx); sc.Account != tok.t.Account || sc.Region != tok.t.Region {
		return nil, badToken(problemCorrupted, msgTokenNotForCaller)
	}
	now := s.clk.Now().Truncate(time.Millisecond)
	if now.Sub(tok.issued) > tokenLifetime {
		return nil, badToken(problemExpired, msgTokenExpired)
	}
	used, err := s.g.used(ctx, tok)
	if err != nil {
		return nil, err
	}
	if used {
		return nil, badToken(problemExpired, msgTokenAlreadyUsed)
	}
	if tok.seq > 0 && now.Before(tok.issued.Add(time.Duration(tok.interval)*time.Second)) {
		return nil, badToken(problemPollTooEarly, msgRequestTooEarly)
	}
	st, err := s.r.State(ctx, tok.t)
	if err != nil {
		return nil, err
	}
	sv := st.Pick(now, TargetSession, string(tok.session[:]), tok.lastDep)
	if err := s.r.RecordFetch(ctx, tok.t, now); err != nil {
		return nil, err
	}
	next := *tok
	next.seq, next.issued = tok.seq+1, now
	out := &api.GetLatestConfigurationResponse{NextPollIntervalInSeconds: ptr(tok.interval), Configuration: []byte{}}
	switch {
	case sv == nil:
		next.lastDep, next.lastDig = 0, 0
	case sv.Deployment == tok.lastDep && sv.Digest == tok.lastDig:
		// Unchanged since the session's last configuration: empty body,
		// no Version-Label; the content type is still sent.
		if sv.ContentType != "" {
			out.ContentType = &sv.ContentType
		}
	default:
		next.lastDep, next.lastDig = sv.Deployment, sv.Digest
		out.Configuration = sv.Body
		if sv.ContentType != "" {
			out.ContentType = &sv.ContentType
		}
		if sv.Label != "" {
			out.VersionLabel = &sv.Label
		}
	}
	if !s.g.consume(tok, now.Add(tokenLifetime)) {
		return nil, badToken(problemExpired, msgTokenAlreadyUsed)
	}
	out.NextPollConfigurationToken = ptr(next.encode(keys))
	return out, nil
}
