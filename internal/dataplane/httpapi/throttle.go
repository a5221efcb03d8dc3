package httpapi

import (
	"net/http"

	"github.com/stagecraft/stagecraft/internal/quota"
)

// msgTooMany is the answer to a throttled request [D: "429 Too Many
// Requests"; HTTP APIs answer {"message": …} like their other errors].
const msgTooMany = "Too Many Requests"

// throttled applies the throttling layers of an HTTP API request once
// its route is known [D: http-api-throttling]: the stage's limit for the
// route (routeSettings[routeKey] over defaultRouteSettings, a bucket per
// route; see v2core.Stage.RouteLimit), then, with
// Config.AccountThrottling, the account's limit in the region. HTTP APIs
// have no API keys or usage plans, so these are the only layers. A
// throttled request answers 429 {"message":"Too Many Requests"} before
// its body is read, its authorizer runs or its integration is called
// [?: AWS does not document where throttling sits; before the authorizer
// spares the authorizer's Lambda the refused traffic]. It returns false
// when it answered.
func (c *call) throttled() bool {
	lim := c.stage.RouteLimit(c.route.key)
	var acct *quota.Limit
	if c.h.cfg.AccountThrottling {
		l := c.view.Usage.AccountLimit(c.api.Account, c.api.Region)
		acct = &l
	}
	if lim == nil && acct == nil {
		return true
	}
	check := quota.Check{Account: c.api.Account, Region: c.api.Region, API: c.api.APIID, Stage: c.stage.Name,
		Method: c.route.key, MethodLimit: lim, AccountLimit: acct}
	if err := c.h.throttle.Allow(&check); err != nil {
		c.failType(http.StatusTooManyRequests, msgTooMany, quota.Throttled.GatewayType)
		return false
	}
	return true
}
