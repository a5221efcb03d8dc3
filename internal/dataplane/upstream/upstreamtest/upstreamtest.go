// Package upstreamtest has test helpers for the data planes' integration
// transports.
package upstreamtest

import (
	"context"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/stagecraft/stagecraft/internal/dataplane/upstream"
)

// DeadlineTransport enforces the request context's deadline itself, the
// way a synchronous transport does with SetDeadline: it does not watch the
// context's Done channel. Saw receives, per request, whether it carried a
// deadline.
type DeadlineTransport struct {
	Base *http.Transport
	Saw  chan bool
}

// NewDeadlineTransport returns a DeadlineTransport over a fresh
// http.Transport, room for 16 unread Saw values.
func NewDeadlineTransport() *DeadlineTransport {
	return &DeadlineTransport{Base: &http.Transport{}, Saw: make(chan bool, 16)}
}

var _ upstream.DeadlineTransport = (*DeadlineTransport)(nil)

// HonoursContextDeadline implements upstream.DeadlineTransport.
func (d *DeadlineTransport) HonoursContextDeadline() bool { return true }

// RoundTrip implements http.RoundTripper.
func (d *DeadlineTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	dl, ok := req.Context().Deadline()
	d.Saw <- ok
	if !ok {
		return d.Base.RoundTrip(req)
	}
	ctx, cancel := context.WithDeadline(context.Background(), dl)
	resp, err := d.Base.RoundTrip(req.WithContext(ctx))
	if err != nil {
		cancel()
		return nil, err
	}
	// The body is read by the caller before the deadline matters here.
	go func() { time.Sleep(time.Until(dl) + time.Second); cancel() }()
	return resp, nil
}

// DiscardWriter is a ResponseWriter that keeps only the status and the
// body's length and reuses its header map, so handler benchmarks count the
// data plane's own allocations rather than a recorder's.
type DiscardWriter struct {
	H      http.Header
	Status int
	N      int
}

// NewDiscardWriter returns a DiscardWriter with an empty header map.
func NewDiscardWriter() *DiscardWriter { return &DiscardWriter{H: http.Header{}} }

func (w *DiscardWriter) Header() http.Header { return w.H }

func (w *DiscardWriter) WriteHeader(s int) {
	if w.Status == 0 {
		w.Status = s
	}
}

func (w *DiscardWriter) Write(p []byte) (int, error) {
	if w.Status == 0 {
		w.Status = 200
	}
	w.N += len(p)
	return len(p), nil
}

// Reset makes w ready for the next request, keeping the map's storage.
func (w *DiscardWriter) Reset() {
	clear(w.H)
	w.Status, w.N = 0, 0
}

// CannedTransport answers every request 200 {"ok":true} from memory, the
// way a client transport hands a response over (fresh Header map and
// body): 6 allocations of its own.
type CannedTransport struct{}

func (CannedTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body != nil {
		io.Copy(io.Discard, req.Body)
		req.Body.Close()
	}
	return &http.Response{StatusCode: 200, Status: "200 OK", Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: http.Header{"Content-Type": {"application/json"}, "Date": {"Sat, 21 Nov 2026 08:00:00 GMT"}, "Content-Length": {"11"}},
		Body:   io.NopCloser(strings.NewReader(`{"ok":true}`)), ContentLength: 11, Request: req}, nil
}

// DeadlineCannedTransport is CannedTransport declaring that it enforces
// the request context's deadline itself (upstream.DeadlineTransport).
type DeadlineCannedTransport struct{ CannedTransport }

func (DeadlineCannedTransport) HonoursContextDeadline() bool { return true }
