package httpapi

import (
	"net/http"
	"strconv"
	"strings"

	api "github.com/stagecraft/stagecraft/internal/api/apigatewayv2"
)

// corsConfig is an API's compiled corsConfiguration [D: http-api-cors].
//
// With CORS configured, API Gateway answers preflight requests itself
// (OPTIONS with Origin and Access-Control-Request-Method), without
// routes, authorizers or integrations, and on every other request with an
// Origin header it adds the configured CORS headers to the integration's
// response, dropping the CORS headers the backend sent.
//
// Details the documentation leaves open, decided here [?]:
//   - A preflight is answered 204 with no body.
//   - An origin not in allowOrigins gets the response without any
//     access-control-* header (the browser then refuses it).
//   - allowOrigins "*" answers "*"; "https://*" and "http://*" allow any
//     origin with that scheme and echo it; a listed origin is echoed.
//     Origins compare case-insensitively.
//   - allowMethods / allowHeaders "*" echo what the preflight asked for
//     (Access-Control-Request-Method / -Headers), which browsers accept
//     also for credentialed requests; otherwise the configured lists are
//     sent joined with ",".
type corsConfig struct {
	anyOrigin   bool
	schemes     []string // "https://", "http://" wildcards
	origins     map[string]bool
	methods     string
	anyMethod   bool
	headers     string
	anyHeader   bool
	expose      string
	credentials bool
	maxAge      string
}

func compileCORS(c *api.Cors) *corsConfig {
	cc := &corsConfig{origins: map[string]bool{}, credentials: c.AllowCredentials != nil && *c.AllowCredentials}
	for _, o := range c.AllowOrigins {
		switch lo := strings.ToLower(strings.TrimSpace(o)); {
		case lo == "*":
			cc.anyOrigin = true
		case strings.HasSuffix(lo, "://*"):
			cc.schemes = append(cc.schemes, lo[:len(lo)-1])
		default:
			cc.origins[strings.TrimSuffix(lo, "/")] = true
		}
	}
	var ms []string
	for _, m := range c.AllowMethods {
		if strings.TrimSpace(m) == "*" {
			cc.anyMethod = true
		}
		ms = append(ms, strings.ToUpper(strings.TrimSpace(m)))
	}
	cc.methods = strings.Join(ms, ",")
	var hs []string
	for _, h := range c.AllowHeaders {
		if strings.TrimSpace(h) == "*" {
			cc.anyHeader = true
		}
		hs = append(hs, strings.ToLower(strings.TrimSpace(h)))
	}
	cc.headers = strings.Join(hs, ",")
	var es []string
	for _, h := range c.ExposeHeaders {
		es = append(es, strings.ToLower(strings.TrimSpace(h)))
	}
	cc.expose = strings.Join(es, ",")
	if c.MaxAge != nil && *c.MaxAge >= 0 {
		cc.maxAge = strconv.Itoa(int(*c.MaxAge))
	}
	return cc
}

// allowOrigin returns the Access-Control-Allow-Origin value for origin, or
// "" when the origin is not allowed.
func (cc *corsConfig) allowOrigin(origin string) string {
	if origin == "" {
		return ""
	}
	lo := strings.ToLower(origin)
	if cc.anyOrigin {
		if cc.credentials {
			return origin
		}
		return "*"
	}
	if cc.origins[lo] {
		return origin
	}
	for _, s := range cc.schemes {
		if strings.HasPrefix(lo, s) {
			return origin
		}
	}
	return ""
}

// isPreflight reports whether r is a CORS preflight request.
func isPreflight(r *http.Request) bool {
	return r.Method == http.MethodOptions && r.Header.Get("Origin") != "" && r.Header.Get("Access-Control-Request-Method") != ""
}

// preflight writes the CORS headers of a preflight answer.
func (cc *corsConfig) preflight(h http.Header, r *http.Request) {
	ao := cc.allowOrigin(r.Header.Get("Origin"))
	if ao == "" {
		return
	}
	h.Set("Access-Control-Allow-Origin", ao)
	if cc.credentials {
		h.Set("Access-Control-Allow-Credentials", "true")
	}
	if cc.anyMethod {
		h.Set("Access-Control-Allow-Methods", strings.ToUpper(r.Header.Get("Access-Control-Request-Method")))
	} else if cc.methods != "" {
		h.Set("Access-Control-Allow-Methods", cc.methods)
	}
	if cc.anyHeader {
		if rh := r.Header.Get("Access-Control-Request-Headers"); rh != "" {
			h.Set("Access-Control-Allow-Headers", strings.ToLower(rh))
		}
	} else if cc.headers != "" {
		h.Set("Access-Control-Allow-Headers", cc.headers)
	}
	if cc.expose != "" {
		h.Set("Access-Control-Expose-Headers", cc.expose)
	}
	if cc.maxAge != "" {
		h.Set("Access-Control-Max-Age", cc.maxAge)
	}
	if ao != "*" {
		h.Add("Vary", "Origin")
	}
}

// actual adds the CORS headers of an actual (non-preflight) response,
// after removing the backend's.
func (cc *corsConfig) actual(h http.Header, r *http.Request) {
	for k := range h {
		if strings.HasPrefix(strings.ToLower(k), "access-control-") {
			delete(h, k)
		}
	}
	ao := cc.allowOrigin(r.Header.Get("Origin"))
	if ao == "" {
		return
	}
	h.Set("Access-Control-Allow-Origin", ao)
	if cc.credentials {
		h.Set("Access-Control-Allow-Credentials", "true")
	}
	if cc.expose != "" {
		h.Set("Access-Control-Expose-Headers", cc.expose)
	}
	if ao != "*" {
		h.Add("Vary", "Origin")
	}
}
