package dataplane

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"net/url"
	"strings"

	api "github.com/stagecraft/stagecraft/internal/api/apigateway"
	"github.com/stagecraft/stagecraft/internal/store"
)

// Custom domain names (CreateDomainName, CreateBasePathMapping): a request
// whose Host is a domain name with base path mappings is routed by its
// first path segment to the mapped API and stage; the "(none)" mapping
// (an empty base path) takes every path no other mapping claims.

const basePathsTable = "apigw.basepaths" // account/region/domainName/basePath → api.BasePathMapping

// noBasePath is how the control plane stores the empty base path.
const noBasePath = "(none)"

type domainEntry struct {
	account, region, name string
	mappings              map[string]basePath // by base path
	mode                  routingMode
	rules                 []*routingRule // by ascending priority; only when mode is not modeMappings
}

type basePath struct{ apiID, stage string }

// loadDomains reads every base path mapping. A domain name is global in
// AWS; should one exist in several accounts or regions here, the first in
// key order wins.
func loadDomains(tx store.Tx) (map[string]*domainEntry, error) {
	out := map[string]*domainEntry{}
	err := tx.Scan(basePathsTable, "", func(k string, v []byte) bool {
		p := strings.SplitN(k, "/", 4)
		if len(p) != 4 {
			return true
		}
		var m api.BasePathMapping
		if json.Unmarshal(v, &m) != nil {
			return true
		}
		name := strings.ToLower(p[2])
		d := out[name]
		if d == nil {
			d = &domainEntry{account: p[0], region: p[1], name: name, mappings: map[string]basePath{}}
			out[name] = d
		} else if d.account != p[0] || d.region != p[1] {
			return true
		}
		d.mappings[p[3]] = basePath{apiID: str(m.RestApiId), stage: str(m.Stage)}
		return true
	})
	if err != nil {
		return nil, err
	}
	return out, loadRoutingRules(tx, out)
}

func hostOnly(host string) string {
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	return strings.ToLower(strings.TrimSuffix(host, "."))
}

// LookupDomain reports whether host (with or without port) is a REST API
// custom domain name with base path mappings, as of the latest store
// revision.
func (h *Handler) LookupDomain(host string) bool {
	return h.current(context.Background()).domains[hostOnly(host)] != nil
}

// DomainFront returns a handler that answers requests addressed to REST
// API custom domain names (by Host) and passes every other request to
// next. The front door wraps itself in it, since a custom domain's Host
// says nothing about API Gateway.
//
// Hosts without a dot (localhost, how SDKs usually reach the control
// plane, or a bare service name), IP addresses and execute-api names never
// name a domain and skip the lookup; other hosts are looked up in the latest compiled view, so a
// base path mapping serves from the next request on.
func (h *Handler) DomainFront(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		host := hostOnly(r.Host)
		if strings.Contains(host, ".") && net.ParseIP(host) == nil &&
			!strings.Contains(host, ".execute-api.") && !strings.HasPrefix(r.URL.Path, "/_stagecraft/") {
			cp := h.current(r.Context())
			if d := cp.domains[host]; d != nil {
				c := h.newCall(w, r)
				defer c.finish()
				c.serveDomain(cp, d)
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

// ServeRoutingRules serves a request to a custom domain name whose routing
// mode puts routing rules first, when a rule matches it or the mode is
// ROUTING_RULE_ONLY, and reports whether it did. The front of the data
// planes asks it before the HTTP and WebSocket planes' API mappings, which
// routing rules precede [D: rest-api-routing-mode].
func (h *Handler) ServeRoutingRules(w http.ResponseWriter, r *http.Request) bool {
	cp := h.current(r.Context())
	d := cp.domains[hostOnly(r.Host)]
	if d == nil || d.mode == modeMappings {
		return false
	}
	rl, rest := d.matchRule(r)
	if rl == nil && d.mode != modeRulesOnly {
		return false
	}
	c := h.newCall(w, r)
	defer c.finish()
	if rl != nil { // matched once, served without matching again
		c.cp = cp
		c.serveRule(d, rl, r.URL.EscapedPath(), rest)
		return true
	}
	c.serveDomain(cp, d)
	return true
}

// serveDomain routes a custom domain request through its routing rules,
// then (as its routing mode says) its base path mappings. A path no
// mapping claims answers 403 Forbidden [C: AWS answers
// {"message":"Forbidden"} for a base path that is not mapped].
func (c *call) serveDomain(cp *compiled, d *domainEntry) {
	r := c.r
	c.cp = cp
	path := r.URL.EscapedPath()
	if d.mode != modeMappings {
		if rl, rest := d.matchRule(r); rl != nil {
			c.serveRule(d, rl, path, rest)
			return
		}
		if d.mode == modeRulesOnly {
			c.noRule()
			return
		}
	}
	first, rest := cutSeg(strings.TrimPrefix(path, "/"))
	bp, ok := d.mappings[first]
	if !ok && strings.IndexByte(first, '%') >= 0 {
		if u, err := url.PathUnescape(first); err == nil {
			bp, ok = d.mappings[u]
		}
	}
	if !ok || first == "" || first == noBasePath {
		bp, ok = d.mappings[noBasePath]
		rest = path
	}
	if !ok {
		c.forbidden()
		return
	}
	t := target{apiID: bp.apiID, host: hostOnly(r.Host), domain: d.name, full: path}
	if bp.stage != "" {
		t.stage, t.rest = bp.stage, rest
	} else {
		// A mapping without a stage takes the stage from the next path
		// segment [D: CreateBasePathMapping "stage": "the user must
		// include the stage name in the URL" when it is not set].
		t.stage, t.rest = cutSeg(strings.TrimPrefix(rest, "/"))
	}
	if t.rest != "" && t.rest[0] != '/' {
		t.rest = "/" + t.rest
	}
	if t.rest == "/" {
		t.rest = ""
	}
	c.t = t
	c.api = cp.apiIn(d.account, d.region, bp.apiID)
	if c.api == nil || t.stage == "" {
		c.forbidden()
		return
	}
	se := c.api.stages[t.stage]
	if se == nil {
		c.forbidden()
		return
	}
	c.serveStage(se, true)
}

// apiIn finds an API in one account and region.
func (c *compiled) apiIn(account, region, id string) *apiEntry {
	for _, ae := range c.apis[id] {
		if ae.account == account && ae.region == region {
			return ae
		}
	}
	return nil
}
