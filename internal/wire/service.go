package wire

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"runtime/debug"
	"time"
)

// Scope is who a request acts for: every resource is isolated per account
// and region.
type Scope struct {
	Account   string
	Region    string
	AccessKey string
	RequestID string
	Service   string
	Operation string
}

type scopeKey struct{}

// WithScope returns ctx carrying s.
func WithScope(ctx context.Context, s Scope) context.Context {
	return context.WithValue(ctx, scopeKey{}, s)
}

// ScopeFrom returns the Scope of a request context.
func ScopeFrom(ctx context.Context) Scope {
	s, _ := ctx.Value(scopeKey{}).(Scope)
	return s
}

// MaxBody is the largest request body a control-plane operation accepts.
const MaxBody = 16 << 20

// Service serves one AWS service's operations through its generated table
// and its hand-written implementation.
type Service struct {
	Name   string
	Impl   any
	Router *Router
	Log    *slog.Logger
}

// NewService builds a Service from a generated operation table.
func NewService(name string, ops []*Operation, impl any, log *slog.Logger) *Service {
	if log == nil {
		log = slog.Default()
	}
	return &Service{Name: name, Impl: impl, Router: NewRouter(ops), Log: log}
}

// Serve answers one request. scope must carry account, region and request id.
func (s *Service) Serve(w http.ResponseWriter, hr *http.Request, scope Scope) {
	start := time.Now()
	scope.Service = s.Name
	// The canonical form of x-amzn-RequestId, set directly: Set would
	// canonicalize the key again (an allocation) on every call.
	w.Header()["X-Amzn-Requestid"] = []string{scope.RequestID}
	status, opName := s.serve(w, hr, &scope)
	// Checked here so that a disabled level costs neither the attributes
	// nor the escaped path.
	if !s.Log.Enabled(hr.Context(), slog.LevelInfo) {
		return
	}
	s.Log.LogAttrs(hr.Context(), slog.LevelInfo, "request",
		slog.String("request_id", scope.RequestID), slog.String("service", s.Name),
		slog.String("operation", opName), slog.String("method", hr.Method),
		slog.String("path", hr.URL.EscapedPath()), slog.Int("status", status),
		slog.String("account", scope.Account), slog.String("region", scope.Region),
		slog.Duration("duration", time.Since(start)))
}

func (s *Service) serve(w http.ResponseWriter, hr *http.Request, scope *Scope) (status int, opName string) {
	q := hr.URL.Query()
	op, labels, pathKnown := s.Router.route(hr.Method, hr.URL.EscapedPath(), q)
	if op == nil {
		msg := fmt.Sprintf("No %s operation matches %s %s", s.Name, hr.Method, hr.URL.EscapedPath())
		code := "UnknownOperationException"
		if pathKnown {
			msg = fmt.Sprintf("Method %s is not allowed on %s", hr.Method, hr.URL.EscapedPath())
		}
		st, _ := WriteError(w, scope.RequestID, &Error{Code: code, Status: http.StatusNotFound, Message: msg})
		return st, ""
	}
	scope.Operation = op.Name
	body, err := readBody(w, hr)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			st, _ := WriteError(w, scope.RequestID, &Error{Code: "RequestEntityTooLargeException", Status: http.StatusRequestEntityTooLarge, Message: "Request body is larger than the allowed maximum"})
			return st, op.Name
		}
		st, _ := WriteError(w, scope.RequestID, &Error{Code: "SerializationException", Status: http.StatusBadRequest, Message: "Could not read the request body"})
		return st, op.Name
	}
	rw := &statusWriter{ResponseWriter: w}
	r := &Request{HTTP: hr, W: rw, ID: scope.RequestID, Body: body, Op: op, labels: labels, query: q}
	ctx := WithScope(hr.Context(), *scope)
	err = s.call(ctx, op, r)
	if err != nil {
		if rw.wrote {
			// The answer was already on its way; nothing more can be said.
			s.Log.Error("error after response started", "request_id", scope.RequestID, "operation", op.Name, "err", err)
			return rw.status, op.Name
		}
		st, known := WriteError(rw, scope.RequestID, err)
		if !known {
			s.Log.Error("internal failure", "request_id", scope.RequestID, "operation", op.Name, "err", err)
		}
		return st, op.Name
	}
	return rw.status, op.Name
}

// readBody reads the request body up to MaxBody, as io.ReadAll would; a
// request without one (http.NoBody: GET, DELETE) costs nothing, and a known
// Content-Length is read into one buffer of that size instead of growing one.
func readBody(w http.ResponseWriter, hr *http.Request) ([]byte, error) {
	if hr.Body == nil || hr.Body == http.NoBody {
		return []byte{}, nil // empty, not nil, as ReadAll answers (blob members keep "")
	}
	r := http.MaxBytesReader(w, hr.Body, MaxBody)
	if hr.ContentLength <= 0 || hr.ContentLength > MaxBody {
		return io.ReadAll(r)
	}
	b := make([]byte, 0, hr.ContentLength+1) // +1: room to see EOF without growing
	for {
		n, err := r.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if err == io.EOF {
			return b, nil
		}
		if err != nil {
			return b, err
		}
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)]
		}
	}
}

// call runs the handler, turning a panic into an internal failure.
func (s *Service) call(ctx context.Context, op *Operation, r *Request) (err error) {
	defer func() {
		if p := recover(); p != nil {
			s.Log.Error("panic", "request_id", r.ID, "operation", op.Name, "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
			err = fmt.Errorf("panic: %v", p)
		}
	}()
	return op.Handle(ctx, s.Impl, r)
}

type statusWriter struct {
	http.ResponseWriter
	status int
	wrote  bool
}

func (w *statusWriter) WriteHeader(code int) {
	if !w.wrote {
		w.status, w.wrote = code, true
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if !w.wrote {
		w.status, w.wrote = http.StatusOK, true
	}
	return w.ResponseWriter.Write(b)
}
