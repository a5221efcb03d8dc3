package dataplane

import (
	"encoding/json"
	"hash/fnv"
	"math"
	"strings"

	api "github.com/stagecraft/stagecraft/internal/api/apigateway"
	"github.com/stagecraft/stagecraft/internal/quota"
	"github.com/stagecraft/stagecraft/internal/store"
)

// API keys, usage plans and throttling (spec §2 ApiKey/UsagePlan, §6
// MethodSetting throttling), enforced through internal/quota.

// Control-plane tables read here (internal/service/apigateway/service.go):
const (
	apiKeysTable   = "apigw.apikeys"       // account/region/keyId → api.ApiKey
	plansTable     = "apigw.usageplans"    // account/region/planId → api.UsagePlan
	planKeysTable  = "apigw.usageplankeys" // account/region/planId/keyId → api.UsagePlanKey
	accountTable   = "apigw.account"       // account/region/"account" → api.Account
	authCacheTable = "apigw.authcache"     // account/region/apiId/stage → {"epoch": n} (FlushStageAuthorizersCache)
)

type acctRegion struct{ account, region string }

// usageState is the compiled form of every API key, usage plan and
// account throttle. It is rebuilt only when the rows it comes from change.
type usageState struct {
	sum      uint64
	keys     map[acctRegion]*quota.KeyIndex
	accounts map[acctRegion]quota.Limit // set by UpdateAccount; defaultAccountLimit otherwise
	plans    map[acctRegion]map[string]*quota.Plan
}

var emptyUsage = &usageState{}

// defaultAccountLimit is the account throttle of a fresh account: rate
// 10000, burst 5000 [D: GetAccount example].
var defaultAccountLimit = quota.Limit{Rate: 10000, Burst: 5000}

// loadUsage reads the key, plan and account tables; when their rows are
// what prev was built from, prev is returned as it is.
func loadUsage(tx store.Tx, prev *usageState) (*usageState, error) {
	type row struct{ k, v []byte }
	h := fnv.New64a()
	rows := map[string][]row{}
	for _, t := range []string{apiKeysTable, plansTable, planKeysTable, accountTable} {
		err := tx.Scan(t, "", func(k string, v []byte) bool {
			h.Write([]byte(t))
			h.Write([]byte(k))
			h.Write([]byte{0})
			h.Write(v)
			rows[t] = append(rows[t], row{[]byte(k), v})
			return true
		})
		if err != nil {
			return nil, err
		}
	}
	sum := h.Sum64()
	if prev != nil && prev.sum == sum && prev.keys != nil {
		return prev, nil
	}
	u := &usageState{sum: sum, keys: map[acctRegion]*quota.KeyIndex{}, accounts: map[acctRegion]quota.Limit{},
		plans: map[acctRegion]map[string]*quota.Plan{}}
	split := func(k []byte, n int) ([]string, bool) {
		p := strings.SplitN(string(k), "/", n)
		return p, len(p) == n
	}
	keys := map[acctRegion][]quota.APIKey{}
	for _, r := range rows[apiKeysTable] {
		p, ok := split(r.k, 3)
		if !ok {
			continue
		}
		var k api.ApiKey
		if json.Unmarshal(r.v, &k) != nil {
			continue
		}
		ar := acctRegion{p[0], p[1]}
		keys[ar] = append(keys[ar], quota.APIKey{ID: p[2], Value: str(k.Value), Enabled: k.Enabled != nil && *k.Enabled})
	}
	for _, r := range rows[plansTable] {
		p, ok := split(r.k, 3)
		if !ok {
			continue
		}
		var up api.UsagePlan
		if json.Unmarshal(r.v, &up) != nil {
			continue
		}
		ar := acctRegion{p[0], p[1]}
		plan := &quota.Plan{ID: p[2], Throttle: limitOf(up.Throttle)}
		if q := up.Quota; q != nil && q.Limit != nil {
			s := quota.Settings{Limit: int64(*q.Limit), Period: quota.Period(str(q.Period))}
			if q.Offset != nil {
				s.Offset = int(*q.Offset)
			}
			if s.Validate() == nil {
				plan.Quota = &s
			}
		}
		for _, st := range up.ApiStages {
			ps := quota.PlanStage{API: str(st.ApiId), Stage: str(st.Stage)}
			for k, t := range st.Throttle {
				if l := limitOf(&t); l != nil {
					if ps.Throttle == nil {
						ps.Throttle = map[string]quota.Limit{}
					}
					ps.Throttle[k] = *l
				}
			}
			plan.Stages = append(plan.Stages, ps)
		}
		if u.plans[ar] == nil {
			u.plans[ar] = map[string]*quota.Plan{}
		}
		u.plans[ar][plan.ID] = plan
	}
	for _, r := range rows[planKeysTable] {
		p, ok := split(r.k, 4)
		if !ok {
			continue
		}
		if plan := u.plans[acctRegion{p[0], p[1]}][p[2]]; plan != nil {
			plan.KeyIDs = append(plan.KeyIDs, p[3])
		}
	}
	for ar, ks := range keys {
		var plans []quota.Plan
		for _, p := range u.plans[ar] {
			plans = append(plans, *p)
		}
		u.keys[ar] = quota.NewKeyIndex(ks, plans)
	}
	for _, r := range rows[accountTable] {
		p, ok := split(r.k, 3)
		if !ok {
			continue
		}
		var a api.Account
		if json.Unmarshal(r.v, &a) != nil {
			continue
		}
		if l := limitOf(a.ThrottleSettings); l != nil {
			u.accounts[acctRegion{p[0], p[1]}] = *l
		}
	}
	return u, nil
}

// limitOf converts throttle settings. Nil or empty settings, and negative
// values, mean no limit at this layer (AWS uses -1 for "not throttled"
// in usage plan method throttles [?]). A limit with only one of the two
// values takes the other from it: burst = rate rounded up (at least 1),
// rate = burst [?: AWS's consoles always send both].
func limitOf(t *api.ThrottleSettings) *quota.Limit {
	if t == nil || (t.BurstLimit == nil && t.RateLimit == nil) {
		return nil
	}
	var l quota.Limit
	switch {
	case t.BurstLimit != nil && t.RateLimit != nil:
		l = quota.Limit{Rate: *t.RateLimit, Burst: int64(*t.BurstLimit)}
	case t.RateLimit != nil:
		l = quota.Limit{Rate: *t.RateLimit, Burst: max(int64(math.Ceil(*t.RateLimit)), 1)}
	default:
		l = quota.Limit{Rate: float64(*t.BurstLimit), Burst: int64(*t.BurstLimit)}
	}
	if l.Rate < 0 || l.Burst < 0 {
		return nil
	}
	return &l
}

// stageThrottles compiles a stage's methodSettings throttles.
func stageThrottles(ms map[string]api.MethodSetting) map[string]quota.Limit {
	var out map[string]quota.Limit
	for k, s := range ms {
		l := limitOf(&api.ThrottleSettings{BurstLimit: s.ThrottlingBurstLimit, RateLimit: s.ThrottlingRateLimit})
		if l == nil {
			continue
		}
		if out == nil {
			out = map[string]quota.Limit{}
		}
		out[k] = *l
	}
	return out
}

// methodSettingsKey is the method's methodSettings key: its resource path
// without the leading slash, "/", and its verb ("pets/{id}/GET"; "/GET"
// for the root, as the control plane stores it).
func (c *call) methodSettingsKey() string {
	if c.m.settingsKey != "" {
		return c.m.settingsKey
	}
	return strings.TrimPrefix(c.res.path, "/") + "/" + c.m.verb
}

// meter applies API keys, throttling and quotas, in AWS's order (see
// internal/quota): the API key (403 Forbidden), then the throttling
// layers (429 Too Many Requests), then the usage plan quota (429 Limit
// Exceeded). It returns false when it answered.
func (c *call) meter() bool {
	u := c.cp.usage
	ar := acctRegion{c.account(), c.region()}
	var g *quota.Grant
	if c.m.apiKey {
		value := c.r.Header.Get("X-Api-Key")
		if c.dep.apiKeySource == "AUTHORIZER" {
			// The Lambda authorizer hands the key over as
			// usageIdentifierKey [D].
			value = c.usageKey
		}
		var err error
		if g, err = u.keys[ar].Lookup(c.t.apiID, c.t.stage, value); err != nil {
			c.quotaDenied(err)
			return false
		}
		c.apiKey, c.apiKeyID = value, g.KeyID
		id := c.contextMap()["identity"].(map[string]any)
		id["apiKey"], id["apiKeyId"] = value, g.KeyID
	}
	msKey := c.methodSettingsKey()
	c.check = quota.Check{Account: ar.account, Region: ar.region, API: c.t.apiID, Stage: c.t.stage, Method: msKey}
	check := &c.check
	if l, ok := c.se.throttles[msKey]; ok {
		c.mlimit = l
		check.MethodLimit = &c.mlimit
	} else if l, ok := c.se.throttles["*/*"]; ok {
		c.mlimit = l
		check.MethodLimit = &c.mlimit
	}
	if c.h.cfg.AccountThrottling {
		acct, ok := u.accounts[ar]
		if !ok {
			acct = defaultAccountLimit
		}
		check.AccountLimit = &acct
	}
	if g != nil {
		check.Plan, check.Key, check.PlanLimit = g.Plan.ID, g.KeyID, g.Plan.Throttle
		check.PlanMethod, check.PlanMethodLimit = g.MethodLimit(c.res.path, c.m.verb)
	}
	if err := c.h.throttle.Allow(check); err != nil {
		c.quotaDenied(err)
		return false
	}
	if g != nil && g.Plan.Quota != nil {
		k := quota.Key{Account: ar.account, Region: ar.region, Plan: g.Plan.ID, APIKey: g.KeyID}
		if _, err := c.h.counters.Take(k, *g.Plan.Quota); err != nil {
			c.quotaDenied(err)
			return false
		}
	}
	return true
}

func (c *call) quotaDenied(err error) {
	d, ok := err.(*quota.Denial)
	if !ok {
		c.fail(errInternal)
		return
	}
	c.fail(gwErr{typ: d.GatewayType, status: d.Status, message: d.Message, errType: d.ErrorType})
}

// loadEpochs reads the authorizer cache epochs FlushStageAuthorizersCache
// bumps, with a checksum of the table.
func loadEpochs(tx store.Tx) (map[string]uint64, uint64, error) {
	out := map[string]uint64{}
	h := fnv.New64a()
	err := tx.Scan(authCacheTable, "", func(k string, v []byte) bool {
		var rec struct {
			Epoch uint64 `json:"epoch"`
		}
		if json.Unmarshal(v, &rec) == nil {
			out[k] = rec.Epoch
			h.Write([]byte(k))
			h.Write(v)
		}
		return true
	})
	return out, h.Sum64(), err
}
