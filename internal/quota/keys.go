package quota

import (
	"sort"
	"strings"
)

// APIKey is an API key as the index needs it.
type APIKey struct {
	ID, Value string
	Enabled   bool
}

// Plan is a usage plan as the index needs it.
type Plan struct {
	ID       string
	Throttle *Limit    // the plan's per-key throttle, nil when none
	Quota    *Settings // nil when none
	Stages   []PlanStage
	KeyIDs   []string // the plan's keys (UsagePlanKeys of type API_KEY)
}

// PlanStage is one of a plan's API stages.
type PlanStage struct {
	API, Stage string
	// Throttle is the plan's per-method throttle for this stage, keyed
	// "{resourcePath}/{httpMethod}" ("/pets/GET", "/pets/{id}/ANY").
	Throttle map[string]Limit
}

// Grant is an API key admitted to an API stage by a usage plan.
type Grant struct {
	KeyID string
	Plan  *Plan
	Stage *PlanStage
}

// MethodLimit is the plan's per-method throttle for a method, looked up
// as resourcePath + "/" + httpMethod with the method's configured verb
// (ANY for an ANY method): it returns the throttle key and limit, or "" and
// nil.
func (g *Grant) MethodLimit(resourcePath, httpMethod string) (string, *Limit) {
	if g.Stage == nil || len(g.Stage.Throttle) == 0 {
		return "", nil
	}
	k := strings.TrimSuffix(resourcePath, "/") + "/" + httpMethod
	if resourcePath == "/" {
		k = "//" + httpMethod
	}
	if l, ok := g.Stage.Throttle[k]; ok {
		return k, &l
	}
	return "", nil
}

// KeyIndex answers which usage plan admits an API key value to an API
// stage. Build one per snapshot of keys and plans; it is read-only
// afterwards and safe for concurrent use.
type KeyIndex struct {
	byValue map[string]*indexedKey
}

type indexedKey struct {
	key    APIKey
	grants map[[2]string]*Grant // (apiId, stage) → grant
}

// NewKeyIndex indexes keys by value. A key in several plans for the same
// API stage (which CreateUsagePlanKey refuses) is granted by the plan with
// the smallest id.
func NewKeyIndex(keys []APIKey, plans []Plan) *KeyIndex {
	ix := &KeyIndex{byValue: make(map[string]*indexedKey, len(keys))}
	byID := make(map[string]*indexedKey, len(keys))
	for _, k := range keys {
		e := &indexedKey{key: k, grants: map[[2]string]*Grant{}}
		byID[k.ID] = e
		if k.Value != "" {
			ix.byValue[k.Value] = e
		}
	}
	sorted := make([]*Plan, len(plans))
	for i := range plans {
		sorted[i] = &plans[i]
	}
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].ID < sorted[j].ID })
	for _, p := range sorted {
		for _, kid := range p.KeyIDs {
			e := byID[kid]
			if e == nil {
				continue
			}
			for i := range p.Stages {
				st := &p.Stages[i]
				at := [2]string{st.API, st.Stage}
				if _, taken := e.grants[at]; !taken {
					e.grants[at] = &Grant{KeyID: kid, Plan: p, Stage: st}
				}
			}
		}
	}
	return ix
}

// Lookup admits the key value to apiID/stage, or answers InvalidAPIKey
// (403 Forbidden) when the value is empty, unknown, disabled, or in no
// usage plan of the stage [D: a method with apiKeyRequired needs a key
// that is enabled and associated with a usage plan of the stage].
func (ix *KeyIndex) Lookup(apiID, stage, value string) (*Grant, error) {
	if value == "" || ix == nil {
		return nil, InvalidAPIKey
	}
	e := ix.byValue[value]
	if e == nil || !e.key.Enabled {
		return nil, InvalidAPIKey
	}
	g := e.grants[[2]string{apiID, stage}]
	if g == nil {
		return nil, InvalidAPIKey
	}
	return g, nil
}
