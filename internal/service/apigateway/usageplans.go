package apigateway

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"

	api "github.com/stagecraft/stagecraft/internal/api/apigateway"
	"github.com/stagecraft/stagecraft/internal/ids"
	"github.com/stagecraft/stagecraft/internal/quota"
	"github.com/stagecraft/stagecraft/internal/store"
	"github.com/stagecraft/stagecraft/internal/wire"
)

// Usage plans, their keys, and usage.
//
// A plan is stored in apigw.usageplans; each key added to it is an
// api.UsagePlanKey in apigw.usageplankeys under planId/keyId. The name and
// value a plan key shows are the API key's current ones, read at answer
// time, so renaming a key shows everywhere.

func acctErrNoPlan() error { return notFound("Invalid Usage Plan ID specified") } // [L: moto, LocalStack]

// acctPlan loads a usage plan or answers AWS's 404.
func acctPlan(ctx context.Context, tx store.Tx, id string) (*api.UsagePlan, error) {
	if !acctPlain(id) {
		return nil, acctErrNoPlan()
	}
	return get[api.UsagePlan](tx, tUsagePlans, key(ctx, id), acctErrNoPlan())
}

// acctErrPlanStage is CreateUsagePlan's answer for an API stage that does
// not exist or is incomplete. AWS sends the format string unformatted, "%s"
// and all: "Invalid API Stage {api: %s, stage: %s} specified for usageplan
// %s" [C: aws/aws-sdk#354 (2022), aws/aws-cdk#6169 (2020)].
func acctErrPlanStage() error {
	return badRequest("%s", "Invalid API Stage {api: %s, stage: %s} specified for usageplan %s")
}

// acctErrPlanStageNotIn answers a stage a plan does not have (remove, or a
// throttle path naming it) [L: LocalStack's wording, formatted].
func acctErrPlanStageNotIn(apiID, stage, planID string) error {
	return notFound("Invalid API Stage {api: %s, stage: %s} specified for usageplan %s", apiID, stage, planID)
}

var acctQuotaPeriods = []string{"DAY", "WEEK", "MONTH"}

// acctNormQuota fills what AWS fills in a quota: offset 0 when absent
// [L: LocalStack adds it for parity].
func acctNormQuota(q *api.QuotaSettings) *api.QuotaSettings {
	if q == nil {
		return nil
	}
	c := *q
	if c.Offset == nil {
		c.Offset = ptr(int32(0))
	}
	return &c
}

func (s *Service) CreateUsagePlan(ctx context.Context, in *api.CreateUsagePlanRequest) (*api.UsagePlan, error) {
	if err := validateTags(in.Tags); err != nil {
		return nil, err
	}
	plan := &api.UsagePlan{
		Id:          ptr(ids.Lower(6)),
		Name:        in.Name,
		Description: in.Description,
		Throttle:    in.Throttle,
		Quota:       acctNormQuota(in.Quota),
		Tags:        acctTags(in.Tags),
	}
	err := s.st.Update(ctx, func(tx store.Tx) error {
		plan.ApiStages = []api.ApiStage{} // always present, [] when empty [V]
		for _, st := range in.ApiStages {
			apiID, stage := str(st.ApiId), str(st.Stage)
			ok, err := acctStageExists(ctx, tx, apiID, stage)
			if err != nil {
				return err
			}
			if !ok {
				return acctErrPlanStage()
			}
			if acctPlanStage(plan, apiID, stage) >= 0 {
				continue
			}
			plan.ApiStages = append(plan.ApiStages, api.ApiStage{ApiId: ptr(apiID), Stage: ptr(stage), Throttle: acctThrottleMap(st.Throttle)})
		}
		return store.PutJSON(tx, tUsagePlans, key(ctx, *plan.Id), plan)
	})
	if err != nil {
		return nil, err
	}
	return plan, nil
}

func acctThrottleMap(m map[string]api.ThrottleSettings) map[string]api.ThrottleSettings {
	if len(m) == 0 {
		return nil
	}
	return m
}

// acctPlanStage is the index of apiID:stage in plan.ApiStages, -1 if absent.
func acctPlanStage(plan *api.UsagePlan, apiID, stage string) int {
	for i, st := range plan.ApiStages {
		if str(st.ApiId) == apiID && str(st.Stage) == stage {
			return i
		}
	}
	return -1
}

func (s *Service) GetUsagePlan(ctx context.Context, in *api.GetUsagePlanRequest) (*api.UsagePlan, error) {
	var out *api.UsagePlan
	err := s.st.View(ctx, func(tx store.Tx) (err error) {
		out, err = acctPlan(ctx, tx, in.UsagePlanId)
		return err
	})
	return out, err
}

func (s *Service) GetUsagePlans(ctx context.Context, in *api.GetUsagePlansRequest) (*api.UsagePlans, error) {
	var all []*api.UsagePlan
	err := s.st.View(ctx, func(tx store.Tx) error {
		plans, err := store.ScanJSON[api.UsagePlan](tx, tUsagePlans, prefix(ctx))
		if err != nil {
			return err
		}
		for _, p := range plans {
			if in.KeyId != nil {
				if !acctPlain(*in.KeyId) {
					continue
				}
				ok, err := exists(tx, tUsagePlanKeys, key(ctx, str(p.Id), *in.KeyId))
				if err != nil {
					return err
				}
				if !ok {
					continue
				}
			}
			all = append(all, p)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	items, next, err := acctPage(all, func(p *api.UsagePlan) string { return str(p.Id) }, in.Position, in.Limit)
	if err != nil {
		return nil, err
	}
	out := &api.UsagePlans{Items: []api.UsagePlan{}, Position: next}
	for _, p := range items {
		out.Items = append(out.Items, *p)
	}
	return out, nil
}

// UpdateUsagePlan applies the documented usage plan patch paths [D, and the
// calls Terraform's aws_api_gateway_usage_plan makes]:
//
//	/name, /description                         replace
//	/productCode                                add, replace, remove
//	/throttle                                   remove
//	/throttle/burstLimit, /throttle/rateLimit   add, replace, remove
//	/quota                                      remove
//	/quota/limit, /quota/offset, /quota/period  add, replace, remove
//	/apiStages                                  add, remove; value "{apiId}:{stage}"
//	/apiStages/{apiId}:{stage}/throttle         remove
//	/apiStages/{apiId}:{stage}/throttle/{resourcePath}/{method}[/burstLimit|/rateLimit]
//	                                            add, replace (with a limit), remove
//
// The method throttle key is "{resourcePath}/{method}", e.g. "/pets/GET"
// (Terraform sends the path with its leading slash, so the patch path holds
// "throttle//pets/GET/rateLimit"; both forms are accepted). Operations apply
// in order; any failure leaves the plan unchanged.
func (s *Service) UpdateUsagePlan(ctx context.Context, in *api.UpdateUsagePlanRequest) (*api.UsagePlan, error) {
	var out *api.UsagePlan
	err := s.st.Update(ctx, func(tx store.Tx) error {
		plan, err := acctPlan(ctx, tx, in.UsagePlanId)
		if err != nil {
			return err
		}
		for _, o := range in.PatchOperations {
			if err := acctPatchPlan(ctx, tx, plan, str(o.Op), str(o.Path), o.Value); err != nil {
				return err
			}
		}
		if plan.ApiStages == nil {
			plan.ApiStages = []api.ApiStage{}
		}
		out = plan
		return store.PutJSON(tx, tUsagePlans, key(ctx, in.UsagePlanId), plan)
	})
	return out, err
}

func acctParseInt32(v string) (int32, error) {
	n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 32)
	if err != nil {
		return 0, badRequest("Invalid integer value: %s", v)
	}
	return int32(n), nil
}

func acctParseFloat(v string) (float64, error) {
	f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
	if err != nil {
		return 0, badRequest("Invalid number value: %s", v)
	}
	return f, nil
}

// acctSetLimit sets or clears one field of a ThrottleSettings.
func acctSetLimit(t *api.ThrottleSettings, field, op, val string) error {
	switch field {
	case "burstLimit":
		if op == "remove" {
			t.BurstLimit = nil
			return nil
		}
		n, err := acctParseInt32(val)
		if err != nil {
			return err
		}
		t.BurstLimit = &n
	case "rateLimit":
		if op == "remove" {
			t.RateLimit = nil
			return nil
		}
		f, err := acctParseFloat(val)
		if err != nil {
			return err
		}
		t.RateLimit = &f
	}
	return nil
}

func acctPatchPlan(ctx context.Context, tx store.Tx, plan *api.UsagePlan, op, path string, value *string) error {
	val := str(value)
	set := op == "add" || op == "replace"
	switch {
	case op == "replace" && path == "/name":
		plan.Name = ptr(val)
	case op == "replace" && path == "/description":
		plan.Description = ptr(val)
	case path == "/productCode" && (set || op == "remove"):
		plan.ProductCode = nil
		if set {
			plan.ProductCode = ptr(val)
		}
	case path == "/throttle" && op == "remove":
		plan.Throttle = nil
	case (path == "/throttle/burstLimit" || path == "/throttle/rateLimit") && (set || op == "remove"):
		if plan.Throttle == nil {
			if op == "remove" {
				return nil
			}
			plan.Throttle = &api.ThrottleSettings{}
		}
		return acctSetLimit(plan.Throttle, strings.TrimPrefix(path, "/throttle/"), op, val)
	case path == "/quota" && op == "remove":
		plan.Quota = nil
	case strings.HasPrefix(path, "/quota/") && (set || op == "remove"):
		if plan.Quota == nil {
			if op == "remove" {
				return nil
			}
			plan.Quota = &api.QuotaSettings{Offset: ptr(int32(0))}
		}
		switch path {
		case "/quota/limit", "/quota/offset":
			var n *int32
			if set {
				v, err := acctParseInt32(val)
				if err != nil {
					return err
				}
				n = &v
			}
			if path == "/quota/limit" {
				plan.Quota.Limit = n
			} else {
				plan.Quota.Offset = n
			}
		case "/quota/period":
			if op == "remove" {
				plan.Quota.Period = nil
				return nil
			}
			if !acctContains(acctQuotaPeriods, val) {
				// AWS's text for this is not recorded [?]; this mirrors the
				// model's enum validation message.
				return badRequest("Invalid quota period %s. Valid values are DAY, WEEK and MONTH", val)
			}
			plan.Quota.Period = ptr(val)
		default:
			return errInvalidPatch(op, path)
		}
	case path == "/apiStages" && (op == "add" || op == "remove"):
		apiID, stage, ok := strings.Cut(val, ":")
		if !ok || apiID == "" || stage == "" {
			return badRequest("Invalid API Stage specified") // [L]
		}
		i := acctPlanStage(plan, apiID, stage)
		if op == "remove" {
			if i < 0 {
				return acctErrPlanStageNotIn(apiID, stage, str(plan.Id))
			}
			plan.ApiStages = append(plan.ApiStages[:i], plan.ApiStages[i+1:]...)
			return nil
		}
		found, err := acctStageExists(ctx, tx, apiID, stage)
		if err != nil {
			return err
		}
		if !found {
			return acctErrPlanStage()
		}
		if i < 0 {
			plan.ApiStages = append(plan.ApiStages, api.ApiStage{ApiId: ptr(apiID), Stage: ptr(stage)})
		}
	case strings.HasPrefix(path, "/apiStages/"):
		return acctPatchStageThrottle(plan, op, path, val)
	default:
		return errInvalidPatch(op, path)
	}
	return nil
}

// acctPatchStageThrottle handles /apiStages/{apiId}:{stage}/throttle...
func acctPatchStageThrottle(plan *api.UsagePlan, op, path, val string) error {
	rest := strings.TrimPrefix(path, "/apiStages/")
	id, tail, _ := strings.Cut(rest, "/")
	apiID, stage, ok := strings.Cut(unescapePointer(id), ":")
	if !ok {
		return errInvalidPatch(op, path)
	}
	i := acctPlanStage(plan, apiID, stage)
	if i < 0 {
		return acctErrPlanStageNotIn(apiID, stage, str(plan.Id))
	}
	st := &plan.ApiStages[i]
	if tail == "throttle" && op == "remove" {
		st.Throttle = nil
		return nil
	}
	method, found := strings.CutPrefix(tail, "throttle/")
	if !found || method == "" {
		return errInvalidPatch(op, path)
	}
	field := ""
	if j := strings.LastIndex(method, "/"); j >= 0 {
		if f := method[j+1:]; f == "burstLimit" || f == "rateLimit" {
			field, method = f, method[:j]
		}
	}
	// The key is "{resourcePath}/{method}" with its leading slash; "~1" is
	// a slash, so the root's GET is "//GET" or "~1/GET".
	mkey := unescapePointer(method)
	if !strings.HasPrefix(mkey, "/") {
		mkey = "/" + mkey
	}
	if j := strings.LastIndex(mkey, "/"); j <= 0 || j == len(mkey)-1 {
		return errInvalidPatch(op, path)
	}
	switch {
	case op == "remove" && field == "":
		delete(st.Throttle, mkey)
	case op == "remove" || op == "add" || op == "replace":
		if field == "" {
			return errInvalidPatch(op, path)
		}
		t := st.Throttle[mkey]
		if err := acctSetLimit(&t, field, op, val); err != nil {
			return err
		}
		if st.Throttle == nil {
			st.Throttle = map[string]api.ThrottleSettings{}
		}
		if t.BurstLimit == nil && t.RateLimit == nil {
			delete(st.Throttle, mkey)
		} else {
			st.Throttle[mkey] = t
		}
	default:
		return errInvalidPatch(op, path)
	}
	st.Throttle = acctThrottleMap(st.Throttle)
	return nil
}

func (s *Service) DeleteUsagePlan(ctx context.Context, in *api.DeleteUsagePlanRequest) error {
	return s.st.Update(ctx, func(tx store.Tx) error {
		if _, err := acctPlan(ctx, tx, in.UsagePlanId); err != nil {
			return err
		}
		if _, err := tx.DeletePrefix(tUsagePlanKeys, prefix(ctx, in.UsagePlanId)); err != nil {
			return err
		}
		if err := quota.DeletePlan(tx, account(ctx), region(ctx), in.UsagePlanId); err != nil { // usage counted by the data plane
			return err
		}
		return tx.Delete(tUsagePlans, key(ctx, in.UsagePlanId))
	})
}

// Usage plan keys.

// acctPlanKeyView is a stored plan key with the API key's current name and
// value; nil when the API key is gone.
func acctPlanKeyView(ctx context.Context, tx store.Tx, k *api.UsagePlanKey) (*api.UsagePlanKey, *api.ApiKey, error) {
	ak, err := store.GetJSON[api.ApiKey](tx, tAPIKeys, key(ctx, str(k.Id)))
	if err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return nil, nil, nil
		}
		return nil, nil, err
	}
	return &api.UsagePlanKey{Id: k.Id, Type: k.Type, Name: ak.Name, Value: ak.Value}, ak, nil
}

func (s *Service) CreateUsagePlanKey(ctx context.Context, in *api.CreateUsagePlanKeyRequest) (*api.UsagePlanKey, error) {
	keyID := str(in.KeyId)
	var out *api.UsagePlanKey
	err := s.st.Update(ctx, func(tx store.Tx) error {
		plan, err := acctPlan(ctx, tx, in.UsagePlanId)
		if err != nil {
			return err
		}
		if str(in.KeyType) != "API_KEY" {
			// API_KEY is the only key type [M doc]; AWS's text is not recorded [?].
			return badRequest("Invalid key type specified: %s. Valid values are: [API_KEY]", str(in.KeyType))
		}
		ak, err := acctAPIKey(ctx, tx, keyID)
		if err != nil {
			return err
		}
		taken, err := exists(tx, tUsagePlanKeys, key(ctx, in.UsagePlanId, keyID))
		if err != nil {
			return err
		}
		if taken {
			return conflict("Usage Plan Key already exists") // [?] wording
		}
		if err := acctOneplanPerStage(ctx, tx, plan, keyID); err != nil {
			return err
		}
		out = &api.UsagePlanKey{Id: ak.Id, Type: ptr("API_KEY"), Name: ak.Name, Value: ak.Value}
		return store.PutJSON(tx, tUsagePlanKeys, key(ctx, in.UsagePlanId, keyID), out)
	})
	return out, err
}

// acctOneplanPerStage enforces "a given API key can be associated with only
// one usage plan for each API stage" [D: usage plans guide]. The message is
// the one AWS is reported to send [?].
func acctOneplanPerStage(ctx context.Context, tx store.Tx, plan *api.UsagePlan, keyID string) error {
	var others []string
	err := tx.Scan(tUsagePlanKeys, prefix(ctx), func(k string, _ []byte) bool {
		rest := strings.TrimPrefix(k, prefix(ctx))
		planID, kid, _ := strings.Cut(rest, "/")
		if kid == keyID && planID != str(plan.Id) {
			others = append(others, planID)
		}
		return true
	})
	if err != nil {
		return err
	}
	for _, id := range others {
		other, err := store.GetJSON[api.UsagePlan](tx, tUsagePlans, key(ctx, id))
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			return err
		}
		for _, st := range other.ApiStages {
			if acctPlanStage(plan, str(st.ApiId), str(st.Stage)) >= 0 {
				return badRequest("Usage Plan %s cannot be added because API Key %s cannot reference multiple Usage Plans with the same API Stage: %s:%s",
					str(plan.Id), keyID, str(st.ApiId), str(st.Stage))
			}
		}
	}
	return nil
}

func (s *Service) GetUsagePlanKey(ctx context.Context, in *api.GetUsagePlanKeyRequest) (*api.UsagePlanKey, error) {
	var out *api.UsagePlanKey
	err := s.st.View(ctx, func(tx store.Tx) error {
		if _, err := acctPlan(ctx, tx, in.UsagePlanId); err != nil {
			return err
		}
		if _, err := acctAPIKey(ctx, tx, in.KeyId); err != nil {
			return err
		}
		// A known key that is not in the plan: moto answers with the
		// plan's 404 [L].
		k, err := get[api.UsagePlanKey](tx, tUsagePlanKeys, key(ctx, in.UsagePlanId, in.KeyId), acctErrNoPlan())
		if err != nil {
			return err
		}
		out, _, err = acctPlanKeyView(ctx, tx, k)
		if err == nil && out == nil {
			err = acctErrNoKey()
		}
		return err
	})
	return out, err
}

func (s *Service) GetUsagePlanKeys(ctx context.Context, in *api.GetUsagePlanKeysRequest) (*api.UsagePlanKeys, error) {
	type row struct {
		k     *api.UsagePlanKey
		order string
	}
	var rows []row
	err := s.st.View(ctx, func(tx store.Tx) error {
		// An unknown plan id lists nothing: 200 {"item":[]} [V].
		if !acctPlain(in.UsagePlanId) {
			return nil
		}
		stored, err := store.ScanJSON[api.UsagePlanKey](tx, tUsagePlanKeys, prefix(ctx, in.UsagePlanId))
		if err != nil {
			return err
		}
		for _, k := range stored {
			v, ak, err := acctPlanKeyView(ctx, tx, k)
			if err != nil {
				return err
			}
			if v == nil {
				continue
			}
			// nameQuery is a case-sensitive prefix of the key name [V].
			if in.NameQuery != nil && !strings.HasPrefix(str(v.Name), *in.NameQuery) {
				continue
			}
			rows = append(rows, row{v, acctNewestFirst(ak.CreatedDate, str(v.Id))})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	// Newest key first, as recorded [V].
	sort.Slice(rows, func(i, j int) bool { return rows[i].order < rows[j].order })
	items, next, err := acctPage(rows, func(r row) string { return r.order }, in.Position, in.Limit)
	if err != nil {
		return nil, err
	}
	out := &api.UsagePlanKeys{Items: []api.UsagePlanKey{}, Position: next}
	for _, r := range items {
		out.Items = append(out.Items, *r.k)
	}
	return out, nil
}

func (s *Service) DeleteUsagePlanKey(ctx context.Context, in *api.DeleteUsagePlanKeyRequest) error {
	return s.st.Update(ctx, func(tx store.Tx) error {
		if _, err := acctPlan(ctx, tx, in.UsagePlanId); err != nil {
			return err
		}
		if !acctPlain(in.KeyId) {
			return acctErrNoKey()
		}
		ok, err := exists(tx, tUsagePlanKeys, key(ctx, in.UsagePlanId, in.KeyId))
		if err != nil {
			return err
		}
		if !ok {
			return acctErrNoKey() // [?] wording for a key not in the plan
		}
		if err := quota.DeleteKey(tx, account(ctx), region(ctx), in.UsagePlanId, in.KeyId); err != nil {
			return err
		}
		return tx.Delete(tUsagePlanKeys, key(ctx, in.UsagePlanId, in.KeyId))
	})
}

// GetUsage answers the plan's usage for [startDate, endDate]: for each
// API key of the plan (or only keyId), one [used, remaining] pair per day
// [D: "values": the daily logs of used and remaining quotas], from the
// counts the data plane's usage sync has written (quota.Usage; requests
// of the last few seconds may not be in yet). remaining is 0 for a plan
// without a quota [?]. Keys are listed in id order and paged by limit and
// position over the keys [?: AWS pages GetUsage but does not say by
// what]. Every key of the plan is listed, used or not [?].
func (s *Service) GetUsage(ctx context.Context, in *api.GetUsageRequest) (*api.Usage, error) {
	for _, d := range []*string{in.StartDate, in.EndDate} {
		if d != nil && !acctIsDate(*d) {
			return nil, badRequest("Invalid date format: %s. Expected yyyy-MM-dd", *d) // [?] wording
		}
	}
	out := &api.Usage{
		UsagePlanId: ptr(in.UsagePlanId),
		StartDate:   in.StartDate,
		EndDate:     in.EndDate,
		Items:       map[string][][]int64{},
	}
	err := s.st.View(ctx, func(tx store.Tx) error {
		plan, err := acctPlan(ctx, tx, in.UsagePlanId)
		if err != nil {
			return err
		}
		var keyIDs []string
		if in.KeyId != nil {
			ok := acctPlain(*in.KeyId)
			if ok {
				if ok, err = exists(tx, tUsagePlanKeys, key(ctx, in.UsagePlanId, *in.KeyId)); err != nil {
					return err
				}
			}
			if !ok {
				return acctErrNoKey() // [?] wording for a key not in the plan
			}
			keyIDs = []string{*in.KeyId}
		} else {
			err := tx.Scan(tUsagePlanKeys, prefix(ctx, in.UsagePlanId), func(k string, _ []byte) bool {
				keyIDs = append(keyIDs, k[strings.LastIndexByte(k, '/')+1:])
				return true
			})
			if err != nil {
				return err
			}
		}
		sort.Strings(keyIDs)
		page, next, err := acctPage(keyIDs, func(id string) string { return id }, in.Position, in.Limit)
		if err != nil {
			return err
		}
		out.Position = next
		if len(page) == 0 || in.StartDate == nil || in.EndDate == nil {
			return nil
		}
		sc := wire.ScopeFrom(ctx)
		vals, err := quota.Usage(tx, sc.Account, sc.Region, in.UsagePlanId, page, usageQuota(plan), *in.StartDate, *in.EndDate)
		if err != nil {
			return err
		}
		for id, rows := range vals {
			out.Items[id] = rows
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// usageQuota is a plan's quota in internal/quota's terms; nil when none.
func usageQuota(p *api.UsagePlan) *quota.Settings {
	q := p.Quota
	if q == nil || q.Limit == nil {
		return nil
	}
	out := &quota.Settings{Limit: int64(*q.Limit), Period: quota.Period(str(q.Period))}
	if q.Offset != nil {
		out.Offset = int(*q.Offset)
	}
	if out.Validate() != nil {
		return nil
	}
	return out
}

// UpdateUsage grants a temporary extension to what is left of an API
// key's quota in the current quota period [D]: the only operation is
// "replace /remaining" with the new number of remaining requests
// (quota.SetRemaining). The data plane applies it at its next usage sync.
// It answers the key's usage for the current period: startDate and
// endDate are the period's first and last day, and values holds the
// key's one [used, remaining] pair [?: AWS's exact shape is not
// documented].
func (s *Service) UpdateUsage(ctx context.Context, in *api.UpdateUsageRequest) (*api.Usage, error) {
	var remaining *int64
	for _, o := range in.PatchOperations {
		op, path := str(o.Op), str(o.Path)
		if op != "replace" || path != "/remaining" {
			return nil, errInvalidPatch(op, path)
		}
		n, err := strconv.ParseInt(str(o.Value), 10, 64)
		if err != nil || n < 0 {
			return nil, badRequest("Invalid remaining value: %s", str(o.Value)) // [?] wording
		}
		remaining = &n
	}
	out := &api.Usage{UsagePlanId: ptr(in.UsagePlanId), Items: map[string][][]int64{}}
	err := s.st.Update(ctx, func(tx store.Tx) error {
		plan, err := acctPlan(ctx, tx, in.UsagePlanId)
		if err != nil {
			return err
		}
		ok := acctPlain(in.KeyId)
		if ok {
			if ok, err = exists(tx, tUsagePlanKeys, key(ctx, in.UsagePlanId, in.KeyId)); err != nil {
				return err
			}
		}
		if !ok {
			return acctErrNoKey()
		}
		q := usageQuota(plan)
		if q == nil {
			return badRequest("Usage plan %s does not have a quota", in.UsagePlanId) // [?] wording
		}
		now := s.clk.Now()
		st, en := q.Window(now)
		out.StartDate = ptr(st.Format("2006-01-02"))
		out.EndDate = ptr(en.AddDate(0, 0, -1).Format("2006-01-02"))
		sc := wire.ScopeFrom(ctx)
		k := quota.Key{Account: sc.Account, Region: sc.Region, Plan: in.UsagePlanId, APIKey: in.KeyId}
		if remaining == nil {
			vals, err := quota.Usage(tx, sc.Account, sc.Region, in.UsagePlanId, []string{in.KeyId}, q, *out.StartDate, now.UTC().Format("2006-01-02"))
			if err != nil {
				return err
			}
			var used, rem int64 = 0, q.Limit
			for _, r := range vals[in.KeyId] {
				used += r[0]
				rem = r[1]
			}
			out.Items[in.KeyId] = [][]int64{{used, rem}}
			return nil
		}
		used, rem, err := quota.SetRemaining(tx, k, *q, now, *remaining)
		if err != nil {
			return err
		}
		out.Items[in.KeyId] = [][]int64{{used, rem}}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// acctIsDate reports whether s is a yyyy-MM-dd date.
func acctIsDate(s string) bool {
	var y, m, d int
	n, err := fmt.Sscanf(s, "%4d-%2d-%2d", &y, &m, &d)
	return err == nil && n == 3 && len(s) == 10 && m >= 1 && m <= 12 && d >= 1 && d <= 31
}
