// Package quota is API Gateway's request throttling and usage-plan quotas
// for the data planes (internal/dataplane).
//
//   - bucket.go: a token bucket (rate per second, burst capacity) kept in
//     one atomic word (GCRA), lock-free on the request path.
//   - throttle.go: AWS's throttling layers, each a family of buckets: the
//     usage plan's per-method limit for an API key, the usage plan's
//     per-key limit, the stage's per-method limit, and the account's limit
//     per region. A request must pass every layer that applies.
//   - period.go: quota windows (DAY, WEEK, MONTH with offset), in UTC.
//   - counters.go: per-key quota counters in memory, checked and counted
//     on the request path without touching the store.
//   - store.go: the durable side: counters are written to and merged from
//     the store by Sync (called periodically, never per request), so
//     several nodes share one quota and GetUsage can report per-day
//     [used, remaining] from the store.
//   - keys.go: API key lookup against usage plans (the 403 Forbidden for a
//     missing, unknown or disabled key, or one in no plan of the stage).
//
// A REST request to a method with apiKeyRequired goes, after its
// authorizer (which supplies the key when apiKeySource is AUTHORIZER):
//
//	g, err := keys.Lookup(apiID, stage, keyValue)     // 403 Forbidden
//	mk, ml := g.MethodLimit(resourcePath, methodVerb)
//	err = throttler.Allow(&quota.Check{..., Plan: g.Plan.ID, Key: g.KeyID,
//		PlanLimit: g.Plan.Throttle, PlanMethod: mk, PlanMethodLimit: ml})
//	                                                   // 429 Too Many Requests
//	if g.Plan.Quota != nil {
//		_, err = counters.Take(quota.Key{account, region, g.Plan.ID, g.KeyID}, *g.Plan.Quota)
//	}                                                  // 429 Limit Exceeded
//
// Methods without a key still go through throttler.Allow for the stage and
// account layers. Throttling comes before the quota so that a throttled
// request is not counted against it [?: AWS does not document the order].
//
// Time comes only from the clock.Clock each part is given.
package quota
