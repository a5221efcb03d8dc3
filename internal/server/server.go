// Package server is Stagecraft's one HTTP front door. It decides, for every
// request on the single port, who answers it:
//
//	/_stagecraft/...                         operations endpoints (health, reset)
//	{id}.execute-api.<host>, /_aws/execute-api/..., /restapis/{id}/{stage}/_user_request_/...
//	                                         the data plane (deployed stages)
//	everything else                          a control-plane service, picked from the
//	                                         SigV4 credential scope plus the path
//
// and it establishes the request's scope (account, region, request id),
// verifying signatures first when --auth strict is on.
package server

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/stagecraft/stagecraft/internal/ids"
	"github.com/stagecraft/stagecraft/internal/sigv4"
	"github.com/stagecraft/stagecraft/internal/store"
	"github.com/stagecraft/stagecraft/internal/wire"
)

// Version is the build's version, set with -ldflags "-X ...server.Version=v1".
var Version = "dev"

// Config is what the server needs to know beyond its services.
type Config struct {
	DefaultAccount string
	DefaultRegion  string
	// Auth is "" / "off" (any credentials) or "strict" (SigV4 verified
	// against Keys).
	Auth    string
	Keys    map[string]string
	MaxSkew time.Duration
	Now     func() time.Time
	// CloudWatch answers the requests isCloudWatch picks (it speaks the
	// query and RPC v2 CBOR protocols, not restJson1); nil: none.
	CloudWatch interface {
		Serve(w http.ResponseWriter, r *http.Request, scope wire.Scope)
	}
}

// Server routes requests to services.
type Server struct {
	cfg       Config
	store     store.Store
	services  map[string]*wire.Service
	dataPlane http.Handler
	verifier  *sigv4.Verifier
	log       *slog.Logger
}

// Service names, as in the models.
const (
	APIGateway    = "apigateway"
	APIGatewayV2  = "apigatewayv2"
	AppConfig     = "appconfig"
	AppConfigData = "appconfigdata"
	Management    = "apigatewaymanagementapi"
)

// New builds a Server. services maps service names to their wire services;
// dataPlane may be nil until a data plane exists.
func New(cfg Config, st store.Store, services map[string]*wire.Service, dataPlane http.Handler, log *slog.Logger) *Server {
	if cfg.DefaultAccount == "" {
		cfg.DefaultAccount = "000000000000"
	}
	if cfg.DefaultRegion == "" {
		cfg.DefaultRegion = "us-east-1"
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if log == nil {
		log = slog.Default()
	}
	s := &Server{cfg: cfg, store: st, services: services, dataPlane: dataPlane, log: log}
	if cfg.Auth == "strict" {
		keys := cfg.Keys
		s.verifier = &sigv4.Verifier{
			Lookup:  func(ak string) (string, bool) { sk, ok := keys[ak]; return sk, ok },
			Now:     cfg.Now,
			MaxSkew: cfg.MaxSkew,
		}
	}
	return s
}

var userRequestPath = regexp.MustCompile(`^/restapis/[^/]+/[^/]+/_user_request_(/|$)`)

// IsExecuteAPIHost reports whether host names an API ({id}.execute-api.…).
func IsExecuteAPIHost(host string) bool {
	h := host
	if i := strings.LastIndexByte(h, ':'); i >= 0 && !strings.Contains(h[i:], "]") {
		h = h[:i]
	}
	dot := strings.IndexByte(h, '.')
	return dot > 0 && strings.HasPrefix(h[dot+1:], "execute-api.")
}

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	path := r.URL.Path
	if strings.HasPrefix(path, "/_stagecraft/") {
		s.serveOps(w, r)
		return
	}
	cred, signed := sigv4.Parse(r)
	isMgmt := strings.Contains(r.URL.EscapedPath(), "/@connections") || strings.Contains(r.URL.EscapedPath(), "/%40connections")
	// A signed @connections call is the management API in every form (host
	// or /_aws/execute-api/ path); anything else on those forms is API traffic.
	mgmtCall := isMgmt && signed && cred.Service == "execute-api"
	// Cheap checks first: the regexp only runs for /restapis/… paths.
	if !mgmtCall && (IsExecuteAPIHost(r.Host) || strings.HasPrefix(path, "/_aws/execute-api/") ||
		(strings.HasPrefix(path, "/restapis/") && userRequestPath.MatchString(path))) {
		s.serveDataPlane(w, r)
		return
	}
	name := pickService(cred, signed, path, isMgmt)
	svc := s.services[name]
	reqID := ids.UUID() // one allocation, no system call: every control-plane call makes one
	cw := s.cfg.CloudWatch != nil && isCloudWatch(r, cred, signed)
	if svc == nil && !cw {
		wire.WriteError(w, reqID, wire.Errorf(http.StatusNotFound, "UnknownOperationException", "No service answers %s %s", r.Method, r.URL.EscapedPath()))
		return
	}
	if s.verifier != nil {
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, wire.MaxBody))
		if err != nil {
			wire.WriteError(w, reqID, wire.Errorf(http.StatusRequestEntityTooLarge, "RequestEntityTooLargeException", "Request body is larger than the allowed maximum"))
			return
		}
		if err := s.verifier.Verify(r, body); err != nil {
			if ve, ok := err.(*sigv4.Error); ok {
				wire.WriteError(w, reqID, &wire.Error{Code: ve.Code, Status: ve.Status, Message: ve.Message})
			} else {
				wire.WriteError(w, reqID, err)
			}
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
	}
	scope := wire.Scope{Account: s.cfg.DefaultAccount, Region: s.cfg.DefaultRegion, RequestID: reqID}
	if signed {
		scope.AccessKey = cred.AccessKeyID
		if isAccountID(cred.AccessKeyID) {
			scope.Account = cred.AccessKeyID
		}
		if cred.Region != "" {
			scope.Region = cred.Region
		}
	}
	if cw {
		s.cfg.CloudWatch.Serve(w, r, scope)
		return
	}
	svc.Serve(w, r, scope)
}

// cloudWatchActions are the query-protocol actions that reach CloudWatch
// unsigned; signed requests are picked by their signing name.
var cloudWatchActions = map[string]bool{"PutMetricAlarm": true, "DescribeAlarms": true, "SetAlarmState": true, "DeleteAlarms": true}

// isCloudWatch reports whether r is for CloudWatch: signed for
// "monitoring", an RPC v2 CBOR path of its service shape, an AWS JSON 1.0
// X-Amz-Target of it (current botocore prefers that protocol), or an unsigned
// query-protocol form (POST / body or GET query) naming one of
// cloudWatchActions with Version 2010-08-01. Peeking at a form body reads
// it (up to wire.MaxBody) and puts it back.
func isCloudWatch(r *http.Request, cred sigv4.Credential, signed bool) bool {
	if signed {
		return cred.Service == "monitoring"
	}
	if strings.HasPrefix(r.URL.Path, "/service/GraniteServiceVersion20100801/operation/") ||
		strings.HasPrefix(r.Header.Get("X-Amz-Target"), "GraniteServiceVersion20100801.") {
		return true
	}
	if r.URL.Path != "/" {
		return false
	}
	form := r.URL.Query()
	if r.Method == http.MethodPost && strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") && r.Body != nil {
		body, err := io.ReadAll(io.LimitReader(r.Body, wire.MaxBody+1))
		r.Body = io.NopCloser(io.MultiReader(bytes.NewReader(body), r.Body))
		if err != nil {
			return false
		}
		form, _ = url.ParseQuery(string(body))
	}
	return cloudWatchActions[form.Get("Action")] && form.Get("Version") == "2010-08-01"
}

func isAccountID(s string) bool {
	if len(s) != 12 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// pickService chooses the control-plane service: the signing name narrows
// it (apigateway signs both API Gateway versions; appconfig signs both
// AppConfig services) and the path decides within it.
func pickService(cred sigv4.Credential, signed bool, path string, isMgmt bool) string {
	switch {
	case isMgmt && (!signed || cred.Service == "execute-api"):
		return Management
	case strings.HasPrefix(path, "/v2/"):
		return APIGatewayV2
	case path == "/configurationsessions" || path == "/configuration":
		return AppConfigData
	}
	if signed {
		switch cred.Service {
		case "appconfig", "appconfigdata":
			return AppConfig
		case "apigateway":
			return APIGateway
		}
	}
	for _, p := range []string{"/applications", "/deploymentstrategies", "/deployementstrategies", "/extensions", "/extensionassociations", "/settings"} {
		if path == p || strings.HasPrefix(path, p+"/") {
			return AppConfig
		}
	}
	return APIGateway
}

func (s *Server) serveDataPlane(w http.ResponseWriter, r *http.Request) {
	if s.dataPlane != nil {
		s.dataPlane.ServeHTTP(w, r)
		return
	}
	reqID := ids.UUID()
	wire.WriteError(w, reqID, wire.Errorf(http.StatusNotImplemented, "NotImplementedException",
		"Stagecraft does not serve deployed API stages yet (the execute-api data plane is not implemented)"))
}

// Health is the body of GET /_stagecraft/health.
type Health struct {
	Status   string         `json:"status"`
	Version  string         `json:"version"`
	Store    string         `json:"store"`
	Revision uint64         `json:"revision"`
	Services map[string]int `json:"services"` // name → routed operations
}

func (s *Server) serveOps(w http.ResponseWriter, r *http.Request) {
	reqID := ids.UUID()
	w.Header().Set("x-amzn-RequestId", reqID)
	switch {
	case r.URL.Path == "/_stagecraft/health" && (r.Method == http.MethodGet || r.Method == http.MethodHead):
		rev, err := s.store.Revision(r.Context())
		h := Health{Status: "ok", Version: Version, Store: s.store.Name(), Revision: rev, Services: map[string]int{}}
		code := http.StatusOK
		if err != nil {
			h.Status, code = "store unavailable: "+err.Error(), http.StatusServiceUnavailable
		}
		for name, svc := range s.services {
			h.Services[name] = svc.Router.Len()
		}
		writeJSON(w, code, h)
	case r.URL.Path == "/_stagecraft/reset" && r.Method == http.MethodPost:
		if err := s.store.Reset(r.Context()); err != nil {
			wire.WriteError(w, reqID, err)
			return
		}
		s.log.Info("state reset", "request_id", reqID)
		writeJSON(w, http.StatusOK, map[string]string{"status": "reset"})
	default:
		wire.WriteError(w, reqID, wire.Errorf(http.StatusNotFound, "NotFoundException", "No operations endpoint %s %s", r.Method, r.URL.Path))
	}
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	b, _ := json.Marshal(v)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	w.Write(b)
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }

// parseCred is sigv4.Parse, named for tests.
var parseCred = sigv4.Parse
