// Package upstream holds what the REST and HTTP API data planes share to
// send integration requests cheaply: the backend request built from a
// parsed URL, a timer-free deadline context for transports that enforce
// the context deadline themselves, and allocation-free status strings.
package upstream

import (
	"bytes"
	"context"
	"errors"
	"github.com/stagecraft/stagecraft/internal/httptoken"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// DeadlineTransport is an http.RoundTripper that enforces the request
// context's Deadline on its own (e.g. with SetDeadline on the connection)
// rather than relying on the context's Done channel. The data planes give
// such a transport a timer-free context (Deadline) for the integration
// timeout; other transports get context.WithTimeout.
type DeadlineTransport interface {
	http.RoundTripper
	HonoursContextDeadline() bool
}

// HonoursDeadline reports whether rt is a DeadlineTransport that says so.
func HonoursDeadline(rt http.RoundTripper) bool {
	dt, ok := rt.(DeadlineTransport)
	return ok && dt.HonoursContextDeadline()
}

// Timeout is the context an integration request to rt runs under: d (the
// caller's per-request Deadline, so no allocation) set to parent with the
// deadline now+timeout when rt honours context deadlines itself, else
// context.WithTimeout. The caller calls cancel when the exchange is over.
func Timeout(d *Deadline, parent context.Context, rt http.RoundTripper, timeout time.Duration) (ctx context.Context, cancel context.CancelFunc) {
	if HonoursDeadline(rt) {
		*d = Deadline{Context: parent, D: time.Now().Add(timeout)}
		return d, noCancel
	}
	return context.WithTimeout(parent, timeout)
}

func noCancel() {}

// Deadline is a context with a deadline but no timer: Done is the
// parent's, and Err reports context.DeadlineExceeded once the deadline has
// passed, so a timed-out exchange is still recognised as a timeout. Embed
// it in per-request state to avoid an allocation.
type Deadline struct {
	context.Context
	D time.Time
}

// Deadline is the earlier of the parent's deadline and D.
func (c *Deadline) Deadline() (time.Time, bool) {
	if pd, ok := c.Context.Deadline(); ok && pd.Before(c.D) {
		return pd, true
	}
	return c.D, true
}

// Err is the parent's error, else DeadlineExceeded once D has passed.
func (c *Deadline) Err() error {
	if err := c.Context.Err(); err != nil {
		return err
	}
	if !time.Now().Before(c.D) {
		return context.DeadlineExceeded
	}
	return nil
}

// NewRequest makes the request http.NewRequestWithContext(ctx, method,
// u.String(), bytes.NewReader(body) or nil) would, without printing and
// parsing the URL again; ok is false for an invalid method. Like
// NewRequest, it drops an empty port from u.Host.
func NewRequest(ctx context.Context, method string, u *url.URL, hdr http.Header, body []byte) (*http.Request, bool) {
	if method == "" {
		method = "GET"
	}
	if !validMethod(method) {
		return nil, false
	}
	u.Host = removeEmptyPort(u.Host)
	req := (&http.Request{Method: method, URL: u, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: hdr, Host: u.Host}).WithContext(ctx)
	if len(body) > 0 {
		rd := bytes.NewReader(body)
		req.ContentLength = int64(len(body))
		req.Body = io.NopCloser(rd)
		snapshot := *rd
		req.GetBody = func() (io.ReadCloser, error) {
			r := snapshot
			return io.NopCloser(&r), nil
		}
	}
	return req, true
}

// RoundTrip sends req through rt as an http.Client without redirects and
// cookies would (the data planes' clients return a 3xx as it is): errors
// come back as the client's *url.Error, and a response always has a body.
// It saves the client's header copy and bookkeeping.
func RoundTrip(rt http.RoundTripper, req *http.Request) (*http.Response, error) {
	if rt == nil {
		rt = http.DefaultTransport
	}
	resp, err := rt.RoundTrip(req)
	if err == nil && resp == nil {
		err = errors.New("http: RoundTripper returned a nil *Response with a nil error")
	}
	if err != nil {
		if resp != nil && resp.Body != nil {
			resp.Body.Close()
		}
		return nil, &url.Error{Op: urlErrorOp(req.Method), URL: stripPassword(req.URL), Err: err}
	}
	if resp.Body == nil {
		resp.Body = http.NoBody
	}
	return resp, nil
}

// urlErrorOp is http.Client's Op for a method: "Get", "Post", …
func urlErrorOp(method string) string {
	if method == "" {
		return "Get"
	}
	if lower := strings.ToLower(method); method != lower {
		return method[:1] + lower[1:]
	}
	return method
}

// stripPassword is http.Client's URL for errors.
func stripPassword(u *url.URL) string {
	if _, passSet := u.User.Password(); passSet {
		return strings.Replace(u.String(), u.User.String()+"@", u.User.Username()+":***@", 1)
	}
	return u.String()
}

// ReadRequestBody reads an incoming request body up to limit bytes
// (http.MaxBytesReader), reading nothing for a request without a body.
func ReadRequestBody(w http.ResponseWriter, r *http.Request, limit int64) ([]byte, error) {
	if r.Body == nil || r.Body == http.NoBody {
		return nil, nil
	}
	return io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
}

// ReadResponseBody reads and closes a backend body, up to one byte over
// limit, in one exact allocation when its length is known.
func ReadResponseBody(resp *http.Response, limit int64) ([]byte, error) {
	if resp.Body == nil {
		return nil, nil
	}
	defer resp.Body.Close()
	if n := resp.ContentLength; n >= 0 && n <= limit {
		if n == 0 {
			return nil, nil
		}
		data := make([]byte, n)
		if _, err := io.ReadFull(resp.Body, data); err != nil {
			return nil, err
		}
		return data, nil
	}
	return io.ReadAll(io.LimitReader(resp.Body, limit+1))
}

// validMethod is net/http's check of a request method (a token).
func validMethod(m string) bool { return httptoken.Is(m) }

// removeEmptyPort strips an empty port ("host:") as net/http does.
func removeEmptyPort(host string) string {
	if strings.LastIndexByte(host, ':') > strings.LastIndexByte(host, ']') {
		return strings.TrimSuffix(host, ":")
	}
	return host
}

// statusStrings are the decimal forms of the status codes 100-599.
var statusStrings = func() (s [500]string) {
	for i := range s {
		s[i] = strconv.Itoa(100 + i)
	}
	return s
}()

// StatusString is strconv.Itoa for a status code, without allocating for
// 100-599.
func StatusString(code int) string {
	if code >= 100 && code < 600 {
		return statusStrings[code-100]
	}
	return strconv.Itoa(code)
}
