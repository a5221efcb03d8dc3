// Package lambdatest is a real, in-process server for Lambda's Invoke API
// (POST /2015-03-31/functions/{FunctionName}/invocations), for tests of
// anything that invokes Lambda functions: the API Gateway data planes'
// proxy integrations and authorizers, and internal/lambda itself.
//
//	srv := lambdatest.Start(t)
//	srv.RegisterProxy("hello", func(ctx context.Context, e events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
//		return events.APIGatewayProxyResponse{StatusCode: 200, Body: "hi " + e.Path}, nil
//	})
//	... point the code under test at srv.URL ...
//	got := srv.Last(t, "hello") // the payload and headers it received
//
// It answers the way Lambda does: 200 with the function's output; a
// function that returns an error gives 200 with X-Amz-Function-Error:
// Unhandled and {"errorMessage","errorType"}; an unknown function gives
// 404 with X-Amzn-ErrorType: ResourceNotFoundException and
// {"Type":"User","Message":"Function not found: arn:…"}. FunctionName may
// be a name, name:qualifier, a partial ARN ({account}:function:{name}) or a
// full function ARN, with the qualifier also accepted as ?Qualifier=.
//
// Every invocation is recorded (as it arrives, before the handler runs).
// Block holds a function's invocations until released, so timeout tests
// need no sleeps.
package lambdatest

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stagecraft/stagecraft/internal/ids"
	"github.com/stagecraft/stagecraft/internal/sigv4"
)

// Handler is a function's code: it gets the invocation payload and
// returns the output (any bytes: it is sent as it is, which lets tests
// return malformed output) or an error (a function error).
type Handler func(ctx context.Context, payload []byte) ([]byte, error)

// Invocation is one recorded invocation.
type Invocation struct {
	// Function is the resolved function name, Qualifier the version or
	// alias (from the path or ?Qualifier=), empty when unqualified.
	Function  string
	Qualifier string
	// FunctionName is the path label exactly as sent (a name or an ARN).
	FunctionName string
	Header       http.Header
	Payload      []byte
}

// Decode unmarshals the payload into v, failing the test on error.
func (inv Invocation) Decode(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(inv.Payload, v); err != nil {
		t.Fatalf("lambdatest: invocation of %s: payload does not decode into %T: %v\n%s", inv.Function, v, err, inv.Payload)
	}
}

// Server is a running Invoke-compatible server.
type Server struct {
	// URL is the endpoint, http://127.0.0.1:port (no trailing slash).
	URL string
	// Region and Account name functions in error messages
	// (arn:aws:lambda:{Region}:{Account}:function:{name}).
	Region  string
	Account string

	srv *httptest.Server

	mu       sync.Mutex
	fns      map[string]Handler
	calls    []Invocation
	gates    map[string]*Gate
	arrived  chan struct{} // closed and replaced on every invocation
	verifier *sigv4.Verifier
	conns    atomic.Int64
}

// Connections is how many TCP connections clients have opened so far
// (a client that reuses connections opens few).
func (s *Server) Connections() int { return int(s.conns.Load()) }

// Option configures Start.
type Option func(*Server)

// WithSigV4 makes the server require requests SigV4-signed (service
// "lambda") with this key pair, answering 403 like AWS otherwise.
func WithSigV4(accessKeyID, secret string) Option {
	return func(s *Server) {
		s.verifier = &sigv4.Verifier{
			Lookup: func(id string) (string, bool) {
				if id == accessKeyID {
					return secret, true
				}
				return "", false
			},
			Service: "lambda",
		}
	}
}

// WithRegion sets the region and account used in ARNs.
func WithRegion(region, account string) Option {
	return func(s *Server) { s.Region, s.Account = region, account }
}

// Start runs a server on a loopback port until the test ends.
func Start(t testing.TB, opts ...Option) *Server {
	t.Helper()
	s := &Server{
		Region:  "us-east-1",
		Account: "123456789012",
		fns:     map[string]Handler{},
		gates:   map[string]*Gate{},
		arrived: make(chan struct{}),
	}
	for _, o := range opts {
		o(s)
	}
	s.srv = httptest.NewUnstartedServer(http.HandlerFunc(s.serve))
	s.srv.Config.ConnState = func(_ net.Conn, st http.ConnState) {
		if st == http.StateNew {
			s.conns.Add(1)
		}
	}
	s.srv.Start()
	s.URL = s.srv.URL
	t.Cleanup(func() {
		// Release blocked invocations first: Close waits for them.
		s.mu.Lock()
		for _, g := range s.gates {
			g.Release()
		}
		s.mu.Unlock()
		s.srv.CloseClientConnections()
		s.srv.Close()
	})
	return s
}

// Register installs (or replaces) a function. name is a function name; it
// serves every qualifier unless a registration for "name:qualifier"
// exists, which then serves that qualifier.
func (s *Server) Register(name string, h Handler) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fns[name] = h
}

// Unregister removes a function: invoking it then answers 404.
func (s *Server) Unregister(name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.fns, name)
}

// Handle registers a function with typed input and output: the payload is
// decoded into In (a payload that does not decode is a function error, as
// in the Go runtime) and the result encoded as JSON.
func Handle[In, Out any](s *Server, name string, fn func(context.Context, In) (Out, error)) {
	s.Register(name, func(ctx context.Context, payload []byte) ([]byte, error) {
		var in In
		if err := json.Unmarshal(payload, &in); err != nil {
			return nil, err
		}
		out, err := fn(ctx, in)
		if err != nil {
			return nil, err
		}
		return json.Marshal(out)
	})
}

// Invocations returns every invocation so far, in arrival order.
func (s *Server) Invocations() []Invocation {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Invocation(nil), s.calls...)
}

// InvocationsOf returns the invocations of one function (by resolved
// name).
func (s *Server) InvocationsOf(name string) []Invocation {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Invocation
	for _, c := range s.calls {
		if c.Function == name {
			out = append(out, c)
		}
	}
	return out
}

// Last returns the latest invocation of name, failing the test if there
// was none.
func (s *Server) Last(t testing.TB, name string) Invocation {
	t.Helper()
	calls := s.InvocationsOf(name)
	if len(calls) == 0 {
		t.Fatalf("lambdatest: function %s was not invoked", name)
	}
	return calls[len(calls)-1]
}

// Reset forgets the recorded invocations.
func (s *Server) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = nil
}

// WaitInvocations waits until at least n invocations of name have
// arrived, or ctx ends (it fails the test then).
func (s *Server) WaitInvocations(ctx context.Context, t testing.TB, name string, n int) []Invocation {
	t.Helper()
	for {
		s.mu.Lock()
		ch := s.arrived
		var got []Invocation
		for _, c := range s.calls {
			if c.Function == name {
				got = append(got, c)
			}
		}
		s.mu.Unlock()
		if len(got) >= n {
			return got
		}
		select {
		case <-ch:
		case <-ctx.Done():
			t.Fatalf("lambdatest: waited for %d invocations of %s, got %d: %v", n, name, len(got), ctx.Err())
			return nil
		}
	}
}

// Gate holds a function's invocations: each waits at the gate until
// Release (or until its caller gives up, as a timed-out client does).
type Gate struct {
	entered     chan struct{}
	enterOnce   sync.Once
	released    chan struct{}
	releaseOnce sync.Once
}

// Block installs a gate in front of name (its resolved name). Every
// invocation of name from now on waits at the gate, after being recorded.
func (s *Server) Block(name string) *Gate {
	g := &Gate{entered: make(chan struct{}), released: make(chan struct{})}
	s.mu.Lock()
	defer s.mu.Unlock()
	if old := s.gates[name]; old != nil {
		old.Release()
	}
	s.gates[name] = g
	return g
}

// Entered is closed once an invocation is waiting at the gate.
func (g *Gate) Entered() <-chan struct{} { return g.entered }

// Release lets every waiting and future invocation through.
func (g *Gate) Release() { g.releaseOnce.Do(func() { close(g.released) }) }

func (g *Gate) wait(ctx context.Context) error {
	g.enterOnce.Do(func() { close(g.entered) })
	select {
	case <-g.released:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// FunctionError is an error a handler returns to control the function
// error Lambda reports: errorType, errorMessage and the
// X-Amz-Function-Error kind. Other errors are reported as the Go runtime
// does: errorType is the error's type name ("errorString" for
// errors.New), Unhandled.
type FunctionError struct {
	Type    string
	Message string
	// Handled reports X-Amz-Function-Error: Handled instead of Unhandled.
	Handled bool
}

func (e *FunctionError) Error() string { return e.Message }

const invocationsPrefix = "/2015-03-31/functions/"

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("x-amzn-RequestId", ids.UUID())
	rest, ok := strings.CutPrefix(r.URL.EscapedPath(), invocationsPrefix)
	label, ok2 := strings.CutSuffix(rest, "/invocations")
	if !ok || !ok2 || strings.Contains(label, "/") {
		writeError(w, http.StatusNotFound, "UnknownOperationException", "Unknown operation "+r.Method+" "+r.URL.Path)
		return
	}
	if r.Method != http.MethodPost {
		writeError(w, http.StatusMethodNotAllowed, "UnknownOperationException", "Unknown operation "+r.Method+" "+r.URL.Path)
		return
	}
	payload, err := io.ReadAll(r.Body)
	if err != nil {
		return
	}
	if s.verifier != nil {
		if err := s.verifier.Verify(r, payload); err != nil {
			e := err.(*sigv4.Error)
			writeError(w, e.Status, e.Code, e.Message)
			return
		}
	}
	if t := r.Header.Get("X-Amz-Invocation-Type"); t != "" && t != "RequestResponse" {
		writeError(w, http.StatusBadRequest, "InvalidParameterValueException", "lambdatest supports only RequestResponse invocations, got "+t)
		return
	}
	fnName, _ := url.PathUnescape(label)
	name, qual, arnRegion, arnAccount, why := resolve(fnName)
	if why != "" {
		writeError(w, http.StatusBadRequest, "ValidationException", why)
		return
	}
	if q := r.URL.Query().Get("Qualifier"); q != "" {
		if qual != "" && q != qual {
			writeError(w, http.StatusBadRequest, "InvalidParameterValueException", "The derived qualifier from the function name does not match the specified qualifier.")
			return
		}
		qual = q
	}

	s.mu.Lock()
	h := s.fns[name+":"+qual]
	if h == nil {
		h = s.fns[name]
	}
	inv := Invocation{Function: name, Qualifier: qual, FunctionName: fnName, Header: r.Header.Clone(), Payload: payload}
	gate := s.gates[name]
	if h != nil {
		s.calls = append(s.calls, inv)
		close(s.arrived)
		s.arrived = make(chan struct{})
	}
	s.mu.Unlock()

	if h == nil {
		region, account := s.Region, s.Account
		if arnRegion != "" {
			region = arnRegion
		}
		if arnAccount != "" {
			account = arnAccount
		}
		arn := "arn:aws:lambda:" + region + ":" + account + ":function:" + name
		if qual != "" {
			arn += ":" + qual
		}
		writeError(w, http.StatusNotFound, "ResourceNotFoundException", "Function not found: "+arn)
		return
	}
	if gate != nil {
		if gate.wait(r.Context()) != nil {
			return // the caller went away
		}
	}

	version := "$LATEST"
	if qual != "" && isDigits(qual) {
		version = qual
	}
	w.Header().Set("X-Amz-Executed-Version", version)
	w.Header().Set("Content-Type", "application/json")
	out, err := callHandler(r.Context(), h, payload)
	if err != nil {
		kind, errType, msg := "Unhandled", errorType(err), err.Error()
		if fe, ok := err.(*FunctionError); ok {
			errType, msg = fe.Type, fe.Message
			if fe.Handled {
				kind = "Handled"
			}
		}
		body, _ := json.Marshal(struct {
			ErrorMessage string `json:"errorMessage"`
			ErrorType    string `json:"errorType"`
		}{msg, errType})
		w.Header().Set("X-Amz-Function-Error", kind)
		w.WriteHeader(http.StatusOK)
		w.Write(body)
		return
	}
	w.WriteHeader(http.StatusOK)
	w.Write(out)
}

// callHandler runs h, turning a panic into a function error as the Go
// runtime does.
func callHandler(ctx context.Context, h Handler, payload []byte) (out []byte, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = &FunctionError{Type: typeName(p), Message: fmt.Sprint(p)}
		}
	}()
	return h(ctx, payload)
}

// errorType names an error's type the way aws-lambda-go does.
func errorType(err error) string { return typeName(err) }

func typeName(v any) string {
	t := reflect.TypeOf(v)
	if t.Kind() == reflect.Pointer {
		return t.Elem().Name()
	}
	return t.Name()
}

// writeError answers like Lambda's REST-JSON front end: the error code in
// X-Amzn-ErrorType and {"Type":"User","Message":…} [issue reports of real
// responses: {"Message":"Function not found: arn:…","Type":"User"}].
func writeError(w http.ResponseWriter, status int, code, msg string) {
	body, _ := json.Marshal(struct {
		Type    string `json:"Type"`
		Message string `json:"Message"`
	}{"User", msg})
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Amzn-ErrorType", code)
	w.WriteHeader(status)
	w.Write(body)
}

// resolve parses a FunctionName as Lambda accepts it: name, name:qualifier,
// {account}:function:name[:qualifier], or arn:…:lambda:{region}:{account}:function:name[:qualifier].
func resolve(fn string) (name, qual, region, account, why string) {
	parts := strings.Split(fn, ":")
	switch {
	case len(parts) >= 7 && parts[0] == "arn" && parts[2] == "lambda" && parts[5] == "function" && len(parts) <= 8:
		region, account, name = parts[3], parts[4], parts[6]
		if len(parts) == 8 {
			qual = parts[7]
		}
	case len(parts) >= 3 && len(parts) <= 4 && parts[1] == "function":
		account, name = parts[0], parts[2]
		if len(parts) == 4 {
			qual = parts[3]
		}
	case len(parts) <= 2:
		name = parts[0]
		if len(parts) == 2 {
			qual = parts[1]
		}
	default:
		return "", "", "", "", "1 validation error detected: Value '" + fn + "' at 'functionName' failed to satisfy constraint: Member must satisfy regular expression pattern: (arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}(-gov)?-[a-z]+-\\d{1}:)?(\\d{12}:)?(function:)?([a-zA-Z0-9-_\\.]+)(:(\\$LATEST|[a-zA-Z0-9-_]+))?"
	}
	if name == "" || strings.HasSuffix(fn, ":") {
		return "", "", "", "", "1 validation error detected: Value '" + fn + "' at 'functionName' failed to satisfy constraint: Member must satisfy regular expression pattern: (arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}(-gov)?-[a-z]+-\\d{1}:)?(\\d{12}:)?(function:)?([a-zA-Z0-9-_\\.]+)(:(\\$LATEST|[a-zA-Z0-9-_]+))?"
	}
	return name, qual, region, account, ""
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}
