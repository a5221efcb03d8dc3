package apigatewayv2

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"

	api "github.com/stagecraft/stagecraft/internal/api/apigatewayv2"
	"github.com/stagecraft/stagecraft/internal/ids"
	"github.com/stagecraft/stagecraft/internal/store"
)

// Routing rules of custom domain names (CreateRoutingRule and the rest).
// A rule sends the requests to a custom domain name that match its
// conditions to a stage of a REST API [D: rest-api-routing-rules]; the
// REST data plane compiles them from tRoutingRules (see
// internal/dataplane/domain.go).
//
// A custom domain name is one resource in AWS whichever API family created
// it; here the REST family's domain names (apigw.domainnames) and this
// family's (apigwv2.domainnames) are separate tables, so rules accept a
// domain name from either. Rules target REST APIs, so the api and stage of
// an action are looked up in the REST tables.

const (
	tRoutingRules = "apigwv2.routingrules" // domainName/routingRuleId → ruleRecord

	// The REST family's tables (internal/service/apigateway/service.go).
	tRESTDomainNames = "apigw.domainnames"
	tRESTAPIs        = "apigw.restapis"
	tRESTStages      = "apigw.stages"
)

// Routing modes [D: set-routing-mode]. The REST family spells the mapping
// modes with BASE_PATH_MAPPING.
const (
	modeMappingOnly     = "API_MAPPING_ONLY"
	modeRuleOnly        = "ROUTING_RULE_ONLY"
	modeRuleThenMapping = "ROUTING_RULE_THEN_API_MAPPING"
)

// ruleRecord is a routing rule and the domain name it belongs to.
type ruleRecord struct {
	api.RoutingRule
	Domain string `json:"domain"`
}

// domainMode is the part of either family's DomainName that rules need.
type domainMode struct {
	DomainName  *string `json:"domainName"`
	RoutingMode *string `json:"routingMode"`
}

// loadRuleDomain finds a custom domain name in either family and returns
// its stored name and routing mode in this family's spelling.
func loadRuleDomain(ctx context.Context, tx store.Tx, name string) (string, string, error) {
	if !cleanKeyPart(name) {
		return "", "", errNoDomain(name)
	}
	for _, n := range []string{name, strings.ToLower(name)} {
		for _, table := range []string{tDomainNames, tRESTDomainNames} {
			d, err := store.GetJSON[domainMode](tx, table, key(ctx, n))
			if errors.Is(err, store.ErrNotFound) {
				continue
			}
			if err != nil {
				return "", "", err
			}
			return n, normalMode(str(d.RoutingMode)), nil
		}
	}
	return "", "", errNoDomain(name)
}

// normalMode maps either family's routing mode to this family's values.
func normalMode(m string) string {
	switch m {
	case modeRuleOnly:
		return modeRuleOnly
	case modeRuleThenMapping, "ROUTING_RULE_THEN_BASE_PATH_MAPPING":
		return modeRuleThenMapping
	}
	return modeMappingOnly
}

func routingRuleARN(ctx context.Context, domain, id string) string {
	return "arn:aws:apigateway:" + region(ctx) + ":" + account(ctx) + ":/domainnames/" + domain + "/routingrules/" + id
}

func errNoRule(id string) error { return errNoChild("RoutingRule", id) }

func loadRule(ctx context.Context, tx store.Tx, domain, id string) (*ruleRecord, error) {
	if !cleanKeyPart(id) {
		return nil, errNoRule(id)
	}
	return get[ruleRecord](tx, tRoutingRules, key(ctx, domain, id), errNoRule(id))
}

// checkRule validates a rule's conditions and action and that its
// priority is free in its domain name; it fills the defaults AWS reports
// (stripBasePath false, conditions []). Wording of the errors [?].
func checkRule(ctx context.Context, tx store.Tx, r *ruleRecord) error {
	if r.Priority == nil || *r.Priority < 1 || *r.Priority > 1_000_000 {
		return badRequest("Priority must be between 1 and 1000000")
	}
	if len(r.Conditions) > 3 {
		return badRequest("A routing rule can have at most 3 conditions")
	}
	if r.Conditions == nil {
		r.Conditions = []api.RoutingRuleCondition{}
	}
	headers, paths := 0, 0
	for _, c := range r.Conditions {
		switch {
		case c.MatchHeaders != nil && c.MatchBasePaths != nil:
			return badRequest("A condition must have exactly one of matchHeaders and matchBasePaths")
		case c.MatchHeaders != nil:
			headers++
			if len(c.MatchHeaders.AnyOf) == 0 {
				return badRequest("matchHeaders.anyOf must have at least one header")
			}
			for _, h := range c.MatchHeaders.AnyOf {
				if !headerNameOK(str(h.Header)) {
					return badRequest("Invalid header name specified: %s", str(h.Header))
				}
				if !globOK(str(h.ValueGlob)) {
					return badRequest("Invalid header value glob specified: %s. A glob is a value with at most one leading and one trailing *", str(h.ValueGlob))
				}
			}
		case c.MatchBasePaths != nil:
			paths++
			if len(c.MatchBasePaths.AnyOf) == 0 {
				return badRequest("matchBasePaths.anyOf must have at least one base path")
			}
			for _, p := range c.MatchBasePaths.AnyOf {
				if !mappingKeyRE.MatchString(p) {
					return badRequest("Invalid base path specified: %s", p)
				}
			}
		default:
			return badRequest("A condition must have exactly one of matchHeaders and matchBasePaths")
		}
	}
	if headers > 2 || paths > 1 {
		return badRequest("A routing rule can have at most 2 matchHeaders conditions and 1 matchBasePaths condition")
	}
	if len(r.Actions) != 1 || r.Actions[0].InvokeApi == nil {
		return badRequest("A routing rule must have exactly one action")
	}
	inv := r.Actions[0].InvokeApi
	if inv.StripBasePath == nil {
		inv.StripBasePath = ptr(false)
	}
	apiID, stage := str(inv.ApiId), str(inv.Stage)
	if ok, err := cleanExists(tx, tRESTAPIs, ctx, apiID); err != nil {
		return err
	} else if !ok {
		return badRequest("Invalid REST API identifier specified") // as CreateBasePathMapping
	}
	if ok, err := cleanExists(tx, tRESTStages, ctx, apiID, stage); err != nil {
		return err
	} else if !ok {
		return badRequest("Invalid stage identifier specified")
	}
	others, err := store.ScanJSON[ruleRecord](tx, tRoutingRules, prefix(ctx, r.Domain))
	if err != nil {
		return err
	}
	for _, o := range others {
		if str(o.RoutingRuleId) != str(r.RoutingRuleId) && o.Priority != nil && *o.Priority == *r.Priority {
			return conflict("A routing rule with priority %d already exists for domain name %s", *r.Priority, r.Domain)
		}
	}
	return nil
}

// cleanExists is exists for a key built from request values.
func cleanExists(tx store.Tx, table string, ctx context.Context, parts ...string) (bool, error) {
	for _, p := range parts {
		if !cleanKeyPart(p) {
			return false, nil
		}
	}
	return exists(tx, table, key(ctx, parts...))
}

// headerNameOK accepts an HTTP token (RFC 9110 tchar).
func headerNameOK(s string) bool {
	if s == "" || len(s) > 256 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte(`"(),/:;<=>?@[\]{}`, c) >= 0 {
			return false
		}
	}
	return true
}

// globOK accepts a header value glob: a literal with optionally one "*"
// at its start and one at its end.
func globOK(g string) bool {
	if g == "" {
		return false
	}
	inner := strings.TrimSuffix(strings.TrimPrefix(g, "*"), "*")
	return !strings.Contains(inner, "*")
}

func ruleOut(r *ruleRecord) api.RoutingRule {
	out := r.RoutingRule
	if out.Conditions == nil {
		out.Conditions = []api.RoutingRuleCondition{}
	}
	return out
}

func (s *Service) CreateRoutingRule(ctx context.Context, in *api.CreateRoutingRuleRequest) (*api.CreateRoutingRuleResponse, error) {
	var r *ruleRecord
	err := s.st.Update(ctx, func(tx store.Tx) error {
		domain, mode, err := loadRuleDomain(ctx, tx, in.DomainName)
		if err != nil {
			return err
		}
		if mode == modeMappingOnly {
			// [D: set-routing-mode: "you can't create a routing rule"]; wording [?].
			return badRequest("Routing rules cannot be created for domain name %s: its routing mode is %s", domain, modeMappingOnly)
		}
		id := ids.Lower(6)
		r = &ruleRecord{Domain: domain, RoutingRule: api.RoutingRule{
			RoutingRuleId:  ptr(id),
			RoutingRuleArn: ptr(routingRuleARN(ctx, domain, id)),
			Priority:       in.Priority,
			Conditions:     in.Conditions,
			Actions:        in.Actions,
		}}
		if err := checkRule(ctx, tx, r); err != nil {
			return err
		}
		return store.PutJSON(tx, tRoutingRules, key(ctx, domain, id), r)
	})
	if err != nil {
		return nil, err
	}
	out := api.CreateRoutingRuleResponse(ruleOut(r))
	return &out, nil
}

func (s *Service) GetRoutingRule(ctx context.Context, in *api.GetRoutingRuleRequest) (*api.GetRoutingRuleResponse, error) {
	var r *ruleRecord
	err := s.st.View(ctx, func(tx store.Tx) error {
		domain, _, err := loadRuleDomain(ctx, tx, in.DomainName)
		if err != nil {
			return err
		}
		r, err = loadRule(ctx, tx, domain, in.RoutingRuleId)
		return err
	})
	if err != nil {
		return nil, err
	}
	out := api.GetRoutingRuleResponse(ruleOut(r))
	return &out, nil
}

// ListRoutingRules lists a domain name's rules in priority order.
func (s *Service) ListRoutingRules(ctx context.Context, in *api.ListRoutingRulesRequest) (*api.ListRoutingRulesResponse, error) {
	var all []*ruleRecord
	err := s.st.View(ctx, func(tx store.Tx) error {
		domain, _, err := loadRuleDomain(ctx, tx, in.DomainName)
		if err != nil {
			return err
		}
		all, err = store.ScanJSON[ruleRecord](tx, tRoutingRules, prefix(ctx, domain))
		return err
	})
	if err != nil {
		return nil, err
	}
	sort.Slice(all, func(i, j int) bool { return rulePos(all[i]) < rulePos(all[j]) })
	var maxResults *string
	if in.MaxResults != nil {
		maxResults = ptr(strconv.Itoa(int(*in.MaxResults)))
	}
	items, next, err := page(all, rulePos, maxResults, in.NextToken)
	if err != nil {
		return nil, err
	}
	out := &api.ListRoutingRulesResponse{RoutingRules: []api.RoutingRule{}, NextToken: next}
	for _, r := range items {
		out.RoutingRules = append(out.RoutingRules, ruleOut(r))
	}
	return out, nil
}

// rulePos orders rules by priority (unique within a domain name); it is
// also the page token's key.
func rulePos(r *ruleRecord) string {
	var p int32
	if r.Priority != nil {
		p = *r.Priority
	}
	return fmt.Sprintf("%07d", p)
}

// PutRoutingRule replaces a rule's priority, conditions and actions.
func (s *Service) PutRoutingRule(ctx context.Context, in *api.PutRoutingRuleRequest) (*api.PutRoutingRuleResponse, error) {
	var r *ruleRecord
	err := s.st.Update(ctx, func(tx store.Tx) error {
		domain, _, err := loadRuleDomain(ctx, tx, in.DomainName)
		if err != nil {
			return err
		}
		r, err = loadRule(ctx, tx, domain, in.RoutingRuleId)
		if err != nil {
			return err
		}
		r.Priority, r.Conditions, r.Actions = in.Priority, in.Conditions, in.Actions
		if err := checkRule(ctx, tx, r); err != nil {
			return err
		}
		return store.PutJSON(tx, tRoutingRules, key(ctx, domain, *r.RoutingRuleId), r)
	})
	if err != nil {
		return nil, err
	}
	out := api.PutRoutingRuleResponse(ruleOut(r))
	return &out, nil
}

func (s *Service) DeleteRoutingRule(ctx context.Context, in *api.DeleteRoutingRuleRequest) error {
	return s.st.Update(ctx, func(tx store.Tx) error {
		domain, _, err := loadRuleDomain(ctx, tx, in.DomainName)
		if err != nil {
			return err
		}
		if _, err := loadRule(ctx, tx, domain, in.RoutingRuleId); err != nil {
			return err
		}
		return tx.Delete(tRoutingRules, key(ctx, domain, in.RoutingRuleId))
	})
}

// deleteDomainRules drops a domain name's rules when it is deleted, unless
// the other family still holds a domain name of the same name.
func deleteDomainRules(ctx context.Context, tx store.Tx, name, otherTable string) error {
	if ok, err := exists(tx, otherTable, key(ctx, name)); err != nil || ok {
		return err
	}
	_, err := tx.DeletePrefix(tRoutingRules, prefix(ctx, name))
	return err
}
