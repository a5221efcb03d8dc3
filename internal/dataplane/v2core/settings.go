package v2core

import (
	"errors"
	"math"
	"net/url"
	"strings"

	api "github.com/stagecraft/stagecraft/internal/api/apigatewayv2"
	"github.com/stagecraft/stagecraft/internal/quota"
)

// Stage throttling [D: http-api-throttling "Route-level throttling"]: a
// stage's defaultRouteSettings throttlingBurstLimit/throttlingRateLimit
// apply to each route of the stage separately (every route has its own
// bucket), and routeSettings[routeKey] overrides them for one route.
//
// Choices where AWS does not say [?]:
//   - routeSettings override defaultRouteSettings field by field: a route
//     that sets only its burst keeps the default's rate (the control
//     plane stores route settings as given, and AWS's console always
//     sends both values).
//   - A throttle with only one of the two values takes the other from it,
//     as the REST plane does (internal/dataplane usage.go limitOf): burst
//     = rate rounded up (at least 1), rate = burst.
//   - 0 is a limit: burst 0 lets nothing through (AWS's documented way to
//     turn a route off is setting its limits to 0), rate 0 never refills.
//   - No throttle values at either level: the route is not throttled at
//     the stage level (only the account level applies).

// RouteLimit is the stage's throttle for a route key (its routeSettings
// entry over defaultRouteSettings), or nil when neither sets one.
func (s *Stage[D]) RouteLimit(routeKey string) *quota.Limit {
	if l, ok := s.routeLimits[routeKey]; ok {
		return l
	}
	return s.defLimit
}

func compileLimits(def *api.RouteSettings, routes map[string]api.RouteSettings) (*quota.Limit, map[string]*quota.Limit) {
	var burst *int32
	var rate *float64
	if def != nil {
		burst, rate = def.ThrottlingBurstLimit, def.ThrottlingRateLimit
	}
	defLimit := limitOf(burst, rate)
	var out map[string]*quota.Limit
	for k, rs := range routes {
		if rs.ThrottlingBurstLimit == nil && rs.ThrottlingRateLimit == nil {
			continue
		}
		b, r := burst, rate
		if rs.ThrottlingBurstLimit != nil {
			b = rs.ThrottlingBurstLimit
		}
		if rs.ThrottlingRateLimit != nil {
			r = rs.ThrottlingRateLimit
		}
		if out == nil {
			out = map[string]*quota.Limit{}
		}
		out[k] = limitOf(b, r)
	}
	return defLimit, out
}

// limitOf converts throttle values; nil when there are none or a value is
// negative (not a limit).
func limitOf(burst *int32, rate *float64) *quota.Limit {
	var l quota.Limit
	switch {
	case burst != nil && rate != nil:
		l = quota.Limit{Rate: *rate, Burst: int64(*burst)}
	case rate != nil:
		l = quota.Limit{Rate: *rate, Burst: max(int64(math.Ceil(*rate)), 1)}
	case burst != nil:
		l = quota.Limit{Rate: float64(*burst), Burst: int64(*burst)}
	default:
		return nil
	}
	if l.Rate < 0 || l.Burst < 0 || math.IsNaN(l.Rate) {
		return nil
	}
	return &l
}

// ErrorMessage is an integration failure as $context.integrationErrorMessage
// and $context.authorizer.error show it in access logs: the error's text,
// with a URL error spelled without Go's quoting and double quotes turned
// into single ones, so that the JSON formats AWS's examples use stay
// parseable [?: AWS's own messages are prose without double quotes].
func ErrorMessage(err error) string {
	if err == nil {
		return ""
	}
	msg := err.Error()
	var ue *url.Error
	if errors.As(err, &ue) {
		msg = strings.ToUpper(ue.Op) + " " + ue.URL + ": " + ue.Err.Error()
	}
	return strings.ReplaceAll(msg, `"`, `'`)
}
