package dataplane_test

import (
	"net/http"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	sdk "github.com/aws/aws-sdk-go-v2/service/apigateway"
	"github.com/aws/aws-sdk-go-v2/service/apigateway/types"
	v2 "github.com/aws/aws-sdk-go-v2/service/apigatewayv2"
	v2types "github.com/aws/aws-sdk-go-v2/service/apigatewayv2/types"

	"github.com/stagecraft/stagecraft/internal/testenv"
)

func ruleAction(apiID, stage string, strip bool) []v2types.RoutingRuleAction {
	return []v2types.RoutingRuleAction{{InvokeApi: &v2types.RoutingRuleActionInvokeApi{ApiId: aws.String(apiID), Stage: aws.String(stage), StripBasePath: aws.Bool(strip)}}}
}

func headerCond(name, glob string) v2types.RoutingRuleCondition {
	return v2types.RoutingRuleCondition{MatchHeaders: &v2types.RoutingRuleMatchHeaders{
		AnyOf: []v2types.RoutingRuleMatchHeaderValue{{Header: aws.String(name), ValueGlob: aws.String(glob)}}}}
}

func pathCond(paths ...string) v2types.RoutingRuleCondition {
	return v2types.RoutingRuleCondition{MatchBasePaths: &v2types.RoutingRuleMatchBasePaths{AnyOf: paths}}
}

// Routing rules of a custom domain name send requests to REST API stages
// by header and base path, in priority order, before base path mappings.
func TestRoutingRules(t *testing.T) {
	env := testenv.Start(t)
	const tpl = `$context.apiId $context.stage $context.domainName $context.path $context.resourcePath`
	a := newFixture(t, env, "rules-a")
	a.mock("/pets", "GET", tpl)
	a.mock("/keep/pets", "GET", tpl)
	a.deploy("prod", nil)
	b := newFixture(t, env, "rules-b")
	b.mock("/pets", "GET", tpl)
	b.mock("/orders/pets", "GET", tpl)
	b.deploy("beta", nil)
	c, c2, ctx := a.c, env.APIGatewayV2(), a.ctx

	const dn = "rules.example.com"
	if _, err := c.CreateDomainName(ctx, &sdk.CreateDomainNameInput{DomainName: aws.String(dn), RoutingMode: types.RoutingModeRoutingRuleThenBasePathMapping}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateBasePathMapping(ctx, &sdk.CreateBasePathMappingInput{DomainName: aws.String(dn), BasePath: aws.String("legacy"), RestApiId: &b.api, Stage: aws.String("beta")}); err != nil {
		t.Fatal(err)
	}
	mk := func(prio int32, conds []v2types.RoutingRuleCondition, acts []v2types.RoutingRuleAction) string {
		t.Helper()
		r, err := c2.CreateRoutingRule(ctx, &v2.CreateRoutingRuleInput{DomainName: aws.String(dn), Priority: aws.Int32(prio), Conditions: conds, Actions: acts})
		if err != nil {
			t.Fatal(err)
		}
		return *r.RoutingRuleId
	}
	headerRule := mk(10, []v2types.RoutingRuleCondition{headerCond("x-VERSION", "beta*")}, ruleAction(b.api, "beta", false))
	mk(20, []v2types.RoutingRuleCondition{pathCond("shop", "orders")}, ruleAction(a.api, "prod", true))
	mk(30, []v2types.RoutingRuleCondition{pathCond("keep")}, ruleAction(a.api, "prod", false))

	get := func(host, path string, hdr map[string]string) result {
		t.Helper()
		req, err := http.NewRequest("GET", env.URL+path, nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Host = host
		for k, v := range hdr {
			req.Header.Set(k, v)
		}
		return send(t, req)
	}
	beta := map[string]string{"X-Version": "beta-2"}
	type tc struct {
		path   string
		hdr    map[string]string
		status int
		body   string
	}
	check := func(host string, cases []tc) {
		t.Helper()
		for _, k := range cases {
			r := get(host, k.path, k.hdr)
			if r.status != k.status || r.body != k.body {
				t.Errorf("%s%s %v: %d %q, want %d %q", host, k.path, k.hdr, r.status, r.body, k.status, k.body)
			}
		}
	}
	check(dn, []tc{
		// The header rule (priority 10) wins over the base path rule (20).
		{"/pets", beta, 200, b.api + " beta " + dn + " /pets /pets"},
		{"/orders/pets", beta, 200, b.api + " beta " + dn + " /orders/pets /orders/pets"},
		// A value the glob does not match falls to the base path rules;
		// the matched base path is stripped, or kept.
		{"/orders/pets", map[string]string{"X-Version": "gamma"}, 200, a.api + " prod " + dn + " /orders/pets /pets"},
		{"/shop/pets", nil, 200, a.api + " prod " + dn + " /shop/pets /pets"},
		{"/keep/pets", nil, 200, a.api + " prod " + dn + " /keep/pets /keep/pets"},
		// A base path matches whole segments only.
		{"/ordersx/pets", nil, 403, forbidden},
		// No rule matches: the base path mappings answer.
		{"/legacy/pets", nil, 200, b.api + " beta " + dn + " /legacy/pets /pets"},
		{"/nothing", nil, 403, forbidden},
	})

	// Put moves the header rule behind the base path rules.
	if _, err := c2.PutRoutingRule(ctx, &v2.PutRoutingRuleInput{DomainName: aws.String(dn), RoutingRuleId: &headerRule, Priority: aws.Int32(40),
		Conditions: []v2types.RoutingRuleCondition{headerCond("X-Version", "beta*")}, Actions: ruleAction(b.api, "beta", false)}); err != nil {
		t.Fatal(err)
	}
	check(dn, []tc{
		{"/orders/pets", beta, 200, a.api + " prod " + dn + " /orders/pets /pets"},
		{"/pets", beta, 200, b.api + " beta " + dn + " /pets /pets"},
	})

	// ROUTING_RULE_ONLY: no base path mappings; no match is 404.
	if _, err := c.UpdateDomainName(ctx, &sdk.UpdateDomainNameInput{DomainName: aws.String(dn),
		PatchOperations: []types.PatchOperation{{Op: types.OpReplace, Path: aws.String("/routingMode"), Value: aws.String("ROUTING_RULE_ONLY")}}}); err != nil {
		t.Fatal(err)
	}
	r := get(dn, "/legacy/pets", nil)
	expect(t, r, 404, `{"message":"Not Found"}`, "NotFoundException")
	check(dn, []tc{{"/shop/pets", nil, 200, a.api + " prod " + dn + " /shop/pets /pets"}})

	// Deleting a rule stops it at once.
	l, err := c2.ListRoutingRules(ctx, &v2.ListRoutingRulesInput{DomainName: aws.String(dn)})
	if err != nil {
		t.Fatal(err)
	}
	for _, rr := range l.RoutingRules {
		if *rr.Priority == 20 {
			if _, err := c2.DeleteRoutingRule(ctx, &v2.DeleteRoutingRuleInput{DomainName: aws.String(dn), RoutingRuleId: rr.RoutingRuleId}); err != nil {
				t.Fatal(err)
			}
		}
	}
	check(dn, []tc{{"/shop/pets", nil, 404, `{"message":"Not Found"}`}})

	// Back to mappings only: rules are ignored.
	if _, err := c.UpdateDomainName(ctx, &sdk.UpdateDomainNameInput{DomainName: aws.String(dn),
		PatchOperations: []types.PatchOperation{{Op: types.OpReplace, Path: aws.String("/routingMode"), Value: aws.String("BASE_PATH_MAPPING_ONLY")}}}); err != nil {
		t.Fatal(err)
	}
	check(dn, []tc{
		{"/keep/pets", nil, 403, forbidden},
		{"/legacy/pets", nil, 200, b.api + " beta " + dn + " /legacy/pets /pets"},
	})
}

// On an apigatewayv2 domain name, routing rules come before the API
// mappings of HTTP APIs, which answer what no rule matches.
func TestRoutingRulesBeforeHTTPAPIMappings(t *testing.T) {
	env := testenv.Start(t)
	const tpl = `$context.apiId $context.stage $context.path $context.resourcePath`
	a := newFixture(t, env, "rules-v2")
	a.mock("/pets", "GET", tpl)
	a.deploy("prod", nil)
	c2, ctx := env.APIGatewayV2(), a.ctx
	const dn = "mixed.example.com"
	if _, err := c2.CreateDomainName(ctx, &v2.CreateDomainNameInput{DomainName: aws.String(dn), RoutingMode: v2types.RoutingModeRoutingRuleThenApiMapping}); err != nil {
		t.Fatal(err)
	}
	h, err := c2.CreateApi(ctx, &v2.CreateApiInput{Name: aws.String("h"), ProtocolType: v2types.ProtocolTypeHttp})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c2.CreateStage(ctx, &v2.CreateStageInput{ApiId: h.ApiId, StageName: aws.String("$default")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c2.CreateApiMapping(ctx, &v2.CreateApiMappingInput{DomainName: aws.String(dn), ApiId: h.ApiId, Stage: aws.String("$default")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c2.CreateRoutingRule(ctx, &v2.CreateRoutingRuleInput{DomainName: aws.String(dn), Priority: aws.Int32(5),
		Conditions: []v2types.RoutingRuleCondition{headerCond("X-Route", "*rest*")}, Actions: ruleAction(a.api, "prod", false)}); err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest("GET", env.URL+"/pets", nil)
	req.Host = dn
	req.Header.Set("X-Route", "to-rest-please")
	if r := send(t, req); r.status != 200 || r.body != a.api+" prod /pets /pets" {
		t.Errorf("rule: %d %q", r.status, r.body)
	}
	// No rule matches: the HTTP API mapping answers (the API has no
	// routes: the HTTP plane's 404; the REST plane, with no base path
	// mappings, would answer 403).
	req, _ = http.NewRequest("GET", env.URL+"/pets", nil)
	req.Host = dn
	r := send(t, req)
	if r.status != 404 || r.body != `{"message":"Not Found"}` {
		t.Errorf("mapping: %d %q %v", r.status, r.body, r.header)
	}
}
