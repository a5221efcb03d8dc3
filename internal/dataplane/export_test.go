package dataplane

import "net/http"

// SetTransport replaces the transport of h's integration clients: the
// benchmarks use it to measure the data plane without the HTTP client.
func SetTransport(h *Handler, rt http.RoundTripper) {
	h.http.Transport = rt
	h.ins.Transport = rt
}
