package websocket

import (
	"github.com/stagecraft/stagecraft/internal/dataplane/v2core"
	"github.com/stagecraft/stagecraft/internal/quota"
)

// API keys, usage plans and throttling of WebSocket APIs, through
// internal/quota as the REST plane does them (internal/dataplane
// usage.go):
//
//   - A route with apiKeyRequired needs the key the API's
//     apiKeySelectionExpression selects: $request.header.x-api-key (the
//     default) reads the $connect request's x-api-key header, which stays
//     the connection's for every later message; and
//     $context.authorizer.usageIdentifierKey takes the key the $connect
//     Lambda authorizer returned [D: the two values AWS accepts]. The key
//     must exist, be enabled and be in a usage plan (the REST control
//     plane's apigw.apikeys, apigw.usageplans, apigw.usageplankeys) that
//     names this API and stage; otherwise 403 Forbidden — the $connect
//     handshake is refused with {"message":"Forbidden"}, a message gets
//     the error frame {"message": "Forbidden", …}.
//   - Throttling, in AWS's order (internal/quota): the plan's throttle
//     for the key, the stage's route throttle (routeSettings[routeKey]
//     over defaultRouteSettings, a bucket per route, v2core.Stage.
//     RouteLimit), and with Config.AccountThrottling the account's
//     throttle. Refused: 429 "Too Many Requests".
//   - The plan's quota counts every $connect and message of a route that
//     requires the key [?: AWS counts WebSocket "requests" against quotas
//     without saying which; every routed event is the reading that fits
//     per-message billing]. Exhausted: 429 "Limit Exceeded".
//
// $disconnect is never refused (the connection is already gone). A plan's
// per-method throttles (apiStages[].throttle, keyed "/resource/METHOD")
// have no WebSocket form and are not applied.

// meter applies the API key, throttling and quota layers to an event of
// a route; nil lets it through.
func (e *event) meter(v *v2core.View[*deployment], st *v2core.Stage[*deployment], dep *deployment) *quota.Denial {
	h, c, rt := e.s.h, e.s.c, e.route
	var g *quota.Grant
	if rt.apiKey {
		value := e.s.usageKey
		if !dep.keyFromAuthorizer {
			value = dep.apiKeySel.Eval(e)
		}
		var err error
		if g, err = v.Usage.Keys(c.account, c.region).Lookup(c.apiID, c.stage, value); err != nil {
			return quota.InvalidAPIKey
		}
		e.apiKey, e.apiKeyID = value, g.KeyID
		e.ctxMap = nil // $context.identity.apiKey/apiKeyId from now on
	}
	check := quota.Check{Account: c.account, Region: c.region, API: c.apiID, Stage: c.stage,
		Method: rt.key, MethodLimit: st.RouteLimit(rt.key)}
	if h.cfg.AccountThrottling {
		l := v.Usage.AccountLimit(c.account, c.region)
		check.AccountLimit = &l
	}
	if g != nil {
		check.Plan, check.Key, check.PlanLimit = g.Plan.ID, g.KeyID, g.Plan.Throttle
	}
	if check.MethodLimit != nil || check.AccountLimit != nil || check.PlanLimit != nil {
		if h.throttle.Allow(&check) != nil {
			return quota.Throttled
		}
	}
	if g != nil && g.Plan.Quota != nil {
		k := quota.Key{Account: c.account, Region: c.region, Plan: g.Plan.ID, APIKey: g.KeyID}
		if _, err := h.counters.Take(k, *g.Plan.Quota); err != nil {
			return quota.QuotaExceeded
		}
	}
	return nil
}
