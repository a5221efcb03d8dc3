// Package upstreamtest has test helpers for the data planes' integration
// transports.
package upstreamtest

import (
	"context"
	"net/http"
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
