package app

import (
	"net"
	"net/http"
	"strings"

	"github.com/stagecraft/stagecraft/internal/dataplane/httpapi"
	"github.com/stagecraft/stagecraft/internal/dataplane/v2core"
	"github.com/stagecraft/stagecraft/internal/dataplane/websocket"
)

// dataPlanes is the front of the three data planes. An execute-api request
// names its API by id (host or path form); WebSocket and HTTP APIs are
// looked up in their planes' compiled views, and everything else goes to
// the REST plane, which also answers 403 Forbidden for ids nobody knows.
// Custom domain names are routed before the control plane by DomainFront.
type dataPlanes struct {
	rest http.Handler
	http *httpapi.Handler
	ws   *websocket.Handler
	// rules serves the routing rules of custom domain names (REST API
	// targets), which precede every plane's API mappings; nil for none.
	rules func(w http.ResponseWriter, r *http.Request) bool
}

func (d *dataPlanes) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if t, ok := v2core.ParseTarget(r); ok {
		switch {
		case d.ws.Lookup(t.APIID):
			d.ws.ServeAPI(w, r, t.APIID, t.Rest)
			return
		case d.http.Lookup(t.APIID):
			d.http.ServeAPI(w, r, t.APIID, t.Rest)
			return
		}
		d.rest.ServeHTTP(w, r)
		return
	}
	d.rest.ServeHTTP(w, r)
}

// DomainFront sends requests for custom domain names of HTTP and
// WebSocket APIs to their planes and everything else to next (REST custom
// domains are the REST plane's own DomainFront, inside next). Routing rules
// come first: a domain name whose routing mode uses them is answered by
// the REST plane when a rule matches, or always under ROUTING_RULE_ONLY.
func (d *dataPlanes) DomainFront(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		host := v2core.HostOnly(r)
		if !mayBeCustomDomain(host) {
			// The control plane's own traffic (localhost, IPs, bare service
			// names): never pay a data-plane lookup, which may recompile.
			next.ServeHTTP(w, r)
			return
		}
		if d.rules != nil && d.rules(w, r) {
			return
		}
		switch {
		case d.ws.LookupDomain(host):
			d.ws.ServeHTTP(w, r)
		case d.http.LookupDomain(host):
			d.http.ServeHTTP(w, r)
		default:
			next.ServeHTTP(w, r)
		}
	})
}

func (d *dataPlanes) Close() {
	d.http.Close()
	d.ws.Close()
}

// mayBeCustomDomain says whether host could be a custom domain name: a
// dotted name that is not an IP literal or an execute-api host (names under
// .localhost qualify: they resolve to loopback, handy for local domains).
func mayBeCustomDomain(host string) bool {
	return strings.Contains(host, ".") && net.ParseIP(host) == nil && !strings.Contains(host, ".execute-api.")
}
