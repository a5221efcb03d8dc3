package lambda

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/stagecraft/stagecraft/internal/clock"
)

// Config configures a Client.
type Config struct {
	// Endpoint is the base URL of a server speaking Lambda's Invoke API:
	// LocalStack, a Lambda-compatible emulator, lambdatest, or Lambda
	// itself (https://lambda.{region}.amazonaws.com). Required unless
	// every function is in Functions.
	Endpoint string

	// Functions maps a function name to the endpoint of an AWS Lambda
	// Runtime Interface Emulator that serves only that function. RIE
	// answers only /2015-03-31/functions/function/invocations, so such a
	// function is invoked under the name "function".
	Functions map[string]string

	// SendARN puts the full function ARN (qualifier included) in the
	// invocation path, as API Gateway itself calls Lambda; LocalStack then
	// finds the function in the ARN's region and account whatever the
	// signature says. By default the path carries the bare name and the
	// qualifier goes in ?Qualifier=, which every Invoke implementation
	// takes (SAM's start-lambda knows functions by name only). A function
	// referenced without region and account is always sent by name.
	SendARN bool

	// Region signs requests for functions referenced without a region
	// (a bare name). Default us-east-1.
	Region string

	// Credentials, when set, SigV4-sign every request (service "lambda",
	// the function ARN's region). Nil sends unsigned requests, which is
	// what RIE and most local emulators take.
	Credentials aws.CredentialsProvider

	// Clock is the signing time source; nil means the wall clock.
	Clock clock.Clock

	// HTTPClient overrides the tuned default (keep-alive pool, no
	// compression, no client timeout: deadlines come from the context).
	HTTPClient *http.Client

	// MaxResponseBytes caps an invocation's response payload. Default
	// 16 MiB: API Gateway's 10 MB payload limit, base64 encoded, with room
	// for the JSON around it.
	MaxResponseBytes int64
}

// Client invokes Lambda functions synchronously (RequestResponse). It is
// safe for concurrent use; create one per process and share it so that
// connections are reused.
type Client struct {
	endpoint  *url.URL
	functions map[string]*url.URL
	region    string
	sendARN   bool
	creds     aws.CredentialsProvider
	signer    *v4.Signer
	clk       clock.Clock
	hc        *http.Client
	max       int64
}

// NewTransport is the connection-reusing transport a Client uses by
// default: a large idle pool per host (every integration of a gateway
// talks to the same one or few endpoints), no gzip (payloads are already
// in memory; compression only costs CPU on loopback), and no
// transport-level timeouts beyond dialing, since each invocation's
// deadline is its integration timeout, carried by the context.
func NewTransport() *http.Transport {
	d := &net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}
	return &http.Transport{
		Proxy:               nil,
		DialContext:         d.DialContext,
		MaxIdleConns:        1024,
		MaxIdleConnsPerHost: 256,
		IdleConnTimeout:     30 * time.Second,
		DisableCompression:  true,
		ForceAttemptHTTP2:   false,
		TLSHandshakeTimeout: 5 * time.Second,
		WriteBufferSize:     32 << 10,
		ReadBufferSize:      32 << 10,
	}
}

// New returns a Client for cfg.
func New(cfg Config) (*Client, error) {
	c := &Client{region: cfg.Region, sendARN: cfg.SendARN, creds: cfg.Credentials, clk: cfg.Clock, hc: cfg.HTTPClient, max: cfg.MaxResponseBytes}
	if cfg.Endpoint != "" {
		u, err := parseEndpoint(cfg.Endpoint)
		if err != nil {
			return nil, err
		}
		c.endpoint = u
	}
	if len(cfg.Functions) > 0 {
		c.functions = make(map[string]*url.URL, len(cfg.Functions))
		for name, ep := range cfg.Functions {
			u, err := parseEndpoint(ep)
			if err != nil {
				return nil, fmt.Errorf("lambda: function %s: %w", name, err)
			}
			c.functions[name] = u
		}
	}
	if c.endpoint == nil && c.functions == nil {
		return nil, errors.New("lambda: no endpoint configured")
	}
	if c.region == "" {
		c.region = "us-east-1"
	}
	if c.clk == nil {
		c.clk = clock.Wall{}
	}
	if c.hc == nil {
		c.hc = &http.Client{Transport: NewTransport()}
	}
	if c.max <= 0 {
		c.max = 16 << 20
	}
	if c.creds != nil {
		if _, cached := c.creds.(*aws.CredentialsCache); !cached {
			c.creds = aws.NewCredentialsCache(c.creds)
		}
		c.signer = v4.NewSigner()
	}
	return c, nil
}

func parseEndpoint(s string) (*url.URL, error) {
	u, err := url.Parse(strings.TrimRight(s, "/"))
	if err != nil {
		return nil, fmt.Errorf("lambda: endpoint %q: %w", s, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" || u.Host == "" {
		return nil, fmt.Errorf("lambda: endpoint %q: want http(s)://host[:port]", s)
	}
	return u, nil
}

// Invocation is one synchronous invocation.
type Invocation struct {
	Function Function
	Payload  []byte
	// TraceID, when set, is sent as X-Amzn-Trace-Id (API Gateway passes
	// its trace header on to Lambda).
	TraceID string
}

// Result is a successful invocation: the function returned (function
// errors are *FunctionError instead).
type Result struct {
	Payload []byte
	// ExecutedVersion is X-Amz-Executed-Version, when the server sends it.
	ExecutedVersion string
}

// FunctionError is an invocation whose function failed: Lambda answered
// 200 with X-Amz-Function-Error. API Gateway treats it as an integration
// failure on proxy integrations (502 on REST, 500 on HTTP APIs) and
// matches ErrorMessage against selection patterns on non-proxy ones.
type FunctionError struct {
	Function Function
	// Kind is the X-Amz-Function-Error value: "Unhandled" (the runtime
	// caught an exception, a timeout, a crash) or "Handled".
	Kind string
	// ErrorMessage and ErrorType are parsed from the payload
	// ({"errorMessage": …, "errorType": …}); empty when it had none.
	ErrorMessage string
	ErrorType    string
	// Payload is the raw error document.
	Payload []byte
}

func (e *FunctionError) Error() string {
	msg := "lambda: function " + e.Function.ARN() + " failed (" + e.Kind + ")"
	if e.ErrorType != "" {
		msg += ": " + e.ErrorType
	}
	if e.ErrorMessage != "" {
		msg += ": " + e.ErrorMessage
	}
	return msg
}

// ServiceError is a non-2xx answer of the Invoke API itself, for instance
// 404 ResourceNotFoundException for an unknown function, 403
// AccessDeniedException, 429 TooManyRequestsException.
type ServiceError struct {
	Function   Function
	StatusCode int
	// Code is the error type, from X-Amzn-ErrorType or the body.
	Code string
	// Message is the body's Message (or message).
	Message string
}

func (e *ServiceError) Error() string {
	return "lambda: invoke " + e.Function.ARN() + ": " + strconv.Itoa(e.StatusCode) + " " + e.Code + ": " + e.Message
}

// ErrTimeout is wrapped (together with context.DeadlineExceeded) when an
// invocation did not answer before the context's deadline, that is within
// the integration timeout. API Gateway answers 504 (REST).
var ErrTimeout = errors.New("lambda: invocation timed out")

// Invoke calls fn synchronously with payload. See Do.
func (c *Client) Invoke(ctx context.Context, fn Function, payload []byte) (*Result, error) {
	return c.Do(ctx, &Invocation{Function: fn, Payload: payload})
}

// Do performs one synchronous invocation. The context carries the
// integration timeout as its deadline. Errors: *FunctionError (the
// function failed), *ServiceError (Invoke answered non-2xx), an error
// wrapping ErrTimeout, or a transport error.
func (c *Client) Do(ctx context.Context, inv *Invocation) (*Result, error) {
	fn := inv.Function
	base, name, qualifier := c.endpoint, fn.Name, fn.Qualifier
	if u, ok := c.functions[fn.Name]; ok {
		base, name = u, "function"
	} else if c.sendARN && fn.Region != "" && fn.Account != "" {
		name, qualifier = fn.ARN(), ""
	}
	if base == nil {
		return nil, fmt.Errorf("lambda: no endpoint for function %s", fn.Name)
	}
	// See Config.SendARN for what goes in the path. The ARN's region
	// picks the signing region.
	u := url.URL{Scheme: base.Scheme, Host: base.Host}
	// FunctionName is a URI label: the SDKs escape everything but the
	// unreserved characters, ':' and '$' too.
	u.Path = base.Path + "/2015-03-31/functions/" + name + "/invocations"
	u.RawPath = base.Path + "/2015-03-31/functions/" + escapeLabel(name) + "/invocations"
	if qualifier != "" {
		u.RawQuery = "Qualifier=" + url.QueryEscape(qualifier)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base.Scheme+"://"+base.Host, bytes.NewReader(inv.Payload))
	if err != nil {
		return nil, fmt.Errorf("lambda: invoke %s: %w", fn.ARN(), err)
	}
	req.URL = &u
	h := req.Header
	h["Content-Type"] = contentTypeJSON
	h["X-Amz-Invocation-Type"] = invocationType
	h["User-Agent"] = userAgent
	if inv.TraceID != "" {
		h["X-Amzn-Trace-Id"] = []string{inv.TraceID}
	}
	if c.signer != nil {
		if err := c.sign(ctx, req, fn, inv.Payload); err != nil {
			return nil, err
		}
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return nil, c.transportError(ctx, fn, err)
	}
	body, err := c.readBody(resp)
	resp.Body.Close()
	if err != nil {
		return nil, c.transportError(ctx, fn, err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return nil, serviceError(fn, resp, body)
	}
	if kind := resp.Header.Get("X-Amz-Function-Error"); kind != "" {
		fe := &FunctionError{Function: fn, Kind: kind, Payload: body}
		var doc struct {
			ErrorMessage json.RawMessage `json:"errorMessage"`
			ErrorType    json.RawMessage `json:"errorType"`
		}
		if json.Unmarshal(body, &doc) == nil {
			fe.ErrorMessage = jsonText(doc.ErrorMessage)
			fe.ErrorType = jsonText(doc.ErrorType)
		}
		return nil, fe
	}
	return &Result{Payload: body, ExecutedVersion: resp.Header.Get("X-Amz-Executed-Version")}, nil
}

// escapeLabel percent-encodes all but A-Z a-z 0-9 - _ . ~, as the AWS
// SDKs encode URI labels.
func escapeLabel(s string) string {
	n := 0
	for i := 0; i < len(s); i++ {
		if !unreserved(s[i]) {
			n++
		}
	}
	if n == 0 {
		return s
	}
	b := make([]byte, 0, len(s)+2*n)
	for i := 0; i < len(s); i++ {
		if c := s[i]; unreserved(c) {
			b = append(b, c)
		} else {
			b = append(b, '%', "0123456789ABCDEF"[c>>4], "0123456789ABCDEF"[c&15])
		}
	}
	return string(b)
}

func unreserved(c byte) bool {
	return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.' || c == '~'
}

var (
	contentTypeJSON = []string{"application/json"}
	invocationType  = []string{"RequestResponse"}
	userAgent       = []string{"Stagecraft (API Gateway Lambda integration)"}
)

// jsonText renders a JSON value as text: a string's contents, anything
// else (numbers, objects) as its JSON source; null or absent as "".
func jsonText(raw json.RawMessage) string {
	if len(raw) == 0 || string(raw) == "null" {
		return ""
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	return string(raw)
}

func (c *Client) sign(ctx context.Context, req *http.Request, fn Function, payload []byte) error {
	creds, err := c.creds.Retrieve(ctx)
	if err != nil {
		return fmt.Errorf("lambda: credentials: %w", err)
	}
	region := fn.Region
	if region == "" {
		region = c.region
	}
	sum := sha256.Sum256(payload)
	return c.signer.SignHTTP(ctx, creds, req, hex.EncodeToString(sum[:]), "lambda", region, c.clk.Now().UTC())
}

func (c *Client) readBody(resp *http.Response) ([]byte, error) {
	if n := resp.ContentLength; n >= 0 {
		if n > c.max {
			return nil, fmt.Errorf("response payload of %d bytes exceeds %d", n, c.max)
		}
		b := make([]byte, n)
		if _, err := io.ReadFull(resp.Body, b); err != nil {
			return nil, err
		}
		return b, nil
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, c.max+1))
	if err == nil && int64(len(b)) > c.max {
		return nil, fmt.Errorf("response payload exceeds %d bytes", c.max)
	}
	return b, err
}

func (c *Client) transportError(ctx context.Context, fn Function, err error) error {
	if ctxErr := ctx.Err(); ctxErr != nil {
		if errors.Is(ctxErr, context.DeadlineExceeded) {
			return fmt.Errorf("lambda: invoke %s: %w (%w)", fn.ARN(), ErrTimeout, ctxErr)
		}
		return fmt.Errorf("lambda: invoke %s: %w", fn.ARN(), ctxErr)
	}
	return fmt.Errorf("lambda: invoke %s: %w", fn.ARN(), err)
}

func serviceError(fn Function, resp *http.Response, body []byte) *ServiceError {
	e := &ServiceError{Function: fn, StatusCode: resp.StatusCode}
	// X-Amzn-ErrorType may carry a ":{namespace URL}" suffix.
	code, _, _ := strings.Cut(resp.Header.Get("X-Amzn-ErrorType"), ":")
	// The body is {"Type":"User","Message":…} from Lambda; other servers
	// send __type, code or message. encoding/json matches keys
	// case-insensitively, so read them through a map.
	var m map[string]json.RawMessage
	json.Unmarshal(body, &m)
	if code == "" {
		code = jsonText(m["__type"])
		if i := strings.LastIndexByte(code, '#'); i >= 0 {
			code = code[i+1:]
		}
	}
	if code == "" {
		code = jsonText(m["code"])
	}
	if code == "" {
		code = http.StatusText(resp.StatusCode)
	}
	e.Code = code
	e.Message = jsonText(m["Message"])
	if e.Message == "" {
		e.Message = jsonText(m["message"])
	}
	return e
}
