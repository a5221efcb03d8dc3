package apigatewayv2_test

import (
	"reflect"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	v1 "github.com/aws/aws-sdk-go-v2/service/apigateway"
	v1types "github.com/aws/aws-sdk-go-v2/service/apigateway/types"
	sdk "github.com/aws/aws-sdk-go-v2/service/apigatewayv2"
	"github.com/aws/aws-sdk-go-v2/service/apigatewayv2/types"
)

// ruleRESTAPI creates a REST API with GET / (MOCK) deployed to stages.
func ruleRESTAPI(t *testing.T, c *v1.Client, stages ...string) string {
	t.Helper()
	ra := do(c.CreateRestApi(ctx, &v1.CreateRestApiInput{Name: aws.String("rules")})).must(t)
	do(c.PutMethod(ctx, &v1.PutMethodInput{RestApiId: ra.Id, ResourceId: ra.RootResourceId,
		HttpMethod: aws.String("GET"), AuthorizationType: aws.String("NONE")})).must(t)
	do(c.PutIntegration(ctx, &v1.PutIntegrationInput{RestApiId: ra.Id, ResourceId: ra.RootResourceId,
		HttpMethod: aws.String("GET"), Type: v1types.IntegrationTypeMock})).must(t)
	for _, st := range stages {
		do(c.CreateDeployment(ctx, &v1.CreateDeploymentInput{RestApiId: ra.Id, StageName: aws.String(st)})).must(t)
	}
	return *ra.Id
}

func invoke(apiID, stage string, strip bool) []types.RoutingRuleAction {
	return []types.RoutingRuleAction{{InvokeApi: &types.RoutingRuleActionInvokeApi{ApiId: aws.String(apiID), Stage: aws.String(stage), StripBasePath: aws.Bool(strip)}}}
}

func TestRoutingRules(t *testing.T) {
	env, c := start(t)
	rest := ruleRESTAPI(t, env.APIGateway(), "prod", "beta")
	dn := aws.String("rules.example.com")

	// The routing mode is stored and reported; API_MAPPING_ONLY takes no rules.
	d := do(c.CreateDomainName(ctx, &sdk.CreateDomainNameInput{DomainName: dn})).must(t)
	if d.RoutingMode != types.RoutingModeApiMappingOnly {
		t.Fatalf("default routing mode: %q", d.RoutingMode)
	}
	conds := []types.RoutingRuleCondition{
		{MatchHeaders: &types.RoutingRuleMatchHeaders{AnyOf: []types.RoutingRuleMatchHeaderValue{{Header: aws.String("X-Version"), ValueGlob: aws.String("beta*")}}}},
		{MatchHeaders: &types.RoutingRuleMatchHeaders{AnyOf: []types.RoutingRuleMatchHeaderValue{{Header: aws.String("Hello"), ValueGlob: aws.String("World")}}}},
		{MatchBasePaths: &types.RoutingRuleMatchBasePaths{AnyOf: []string{"orders", "shop/v2"}}},
	}
	_, err := c.CreateRoutingRule(ctx, &sdk.CreateRoutingRuleInput{DomainName: dn, Priority: aws.Int32(10), Conditions: conds, Actions: invoke(rest, "prod", true)})
	apiErrContains(t, err, "BadRequestException", "routing mode is API_MAPPING_ONLY")
	up := do(c.UpdateDomainName(ctx, &sdk.UpdateDomainNameInput{DomainName: dn, RoutingMode: types.RoutingModeRoutingRuleThenApiMapping})).must(t)
	if up.RoutingMode != types.RoutingModeRoutingRuleThenApiMapping {
		t.Fatalf("updated routing mode: %q", up.RoutingMode)
	}
	if g := do(c.GetDomainName(ctx, &sdk.GetDomainNameInput{DomainName: dn})).must(t); g.RoutingMode != types.RoutingModeRoutingRuleThenApiMapping {
		t.Fatalf("got routing mode: %q", g.RoutingMode)
	}

	// Create: every field round-trips.
	r := do(c.CreateRoutingRule(ctx, &sdk.CreateRoutingRuleInput{DomainName: dn, DomainNameId: aws.String("abc123"), Priority: aws.Int32(10),
		Conditions: conds, Actions: invoke(rest, "prod", true)})).must(t)
	id := *r.RoutingRuleId
	if len(id) != 6 || *r.RoutingRuleArn != "arn:aws:apigateway:us-east-1:000000000000:/domainnames/rules.example.com/routingrules/"+id ||
		*r.Priority != 10 || !reflect.DeepEqual(r.Conditions, conds) || !reflect.DeepEqual(r.Actions, invoke(rest, "prod", true)) {
		t.Fatalf("created rule: %+v", r)
	}
	g := do(c.GetRoutingRule(ctx, &sdk.GetRoutingRuleInput{DomainName: dn, RoutingRuleId: &id})).must(t)
	if *g.RoutingRuleId != id || *g.RoutingRuleArn != *r.RoutingRuleArn || *g.Priority != 10 ||
		!reflect.DeepEqual(g.Conditions, conds) || !reflect.DeepEqual(g.Actions, invoke(rest, "prod", true)) {
		t.Fatalf("got rule: %+v", g)
	}

	// stripBasePath defaults to false; a rule without conditions catches all.
	catch := do(c.CreateRoutingRule(ctx, &sdk.CreateRoutingRuleInput{DomainName: dn, Priority: aws.Int32(1000),
		Conditions: []types.RoutingRuleCondition{},
		Actions:    []types.RoutingRuleAction{{InvokeApi: &types.RoutingRuleActionInvokeApi{ApiId: aws.String(rest), Stage: aws.String("beta")}}}})).must(t)
	if catch.Actions[0].InvokeApi.StripBasePath == nil || *catch.Actions[0].InvokeApi.StripBasePath || catch.Conditions == nil || len(catch.Conditions) != 0 {
		t.Fatalf("catch-all rule: %+v", catch)
	}

	// Priorities are unique within a domain name.
	_, err = c.CreateRoutingRule(ctx, &sdk.CreateRoutingRuleInput{DomainName: dn, Priority: aws.Int32(10), Conditions: conds, Actions: invoke(rest, "prod", false)})
	apiErrContains(t, err, "ConflictException", "priority 10")
	_, err = c.PutRoutingRule(ctx, &sdk.PutRoutingRuleInput{DomainName: dn, RoutingRuleId: catch.RoutingRuleId, Priority: aws.Int32(10),
		Conditions: []types.RoutingRuleCondition{}, Actions: invoke(rest, "beta", false)})
	apiErrContains(t, err, "ConflictException", "priority 10")

	// Invalid conditions and actions.
	bad := []struct {
		name  string
		conds []types.RoutingRuleCondition
		acts  []types.RoutingRuleAction
		part  string
	}{
		{"four conditions", append(append([]types.RoutingRuleCondition{}, conds...), conds[0]), invoke(rest, "prod", false), "at most 3"},
		{"three header conditions", []types.RoutingRuleCondition{conds[0], conds[1], conds[0]}, invoke(rest, "prod", false), "at most 2 matchHeaders"},
		{"both kinds in one", []types.RoutingRuleCondition{{MatchHeaders: conds[0].MatchHeaders, MatchBasePaths: conds[2].MatchBasePaths}}, invoke(rest, "prod", false), "exactly one of"},
		{"empty condition", []types.RoutingRuleCondition{{}}, invoke(rest, "prod", false), "exactly one of"},
		{"glob", []types.RoutingRuleCondition{{MatchHeaders: &types.RoutingRuleMatchHeaders{AnyOf: []types.RoutingRuleMatchHeaderValue{{Header: aws.String("a"), ValueGlob: aws.String("a*b")}}}}}, invoke(rest, "prod", false), "glob"},
		{"base path", []types.RoutingRuleCondition{{MatchBasePaths: &types.RoutingRuleMatchBasePaths{AnyOf: []string{"/lead"}}}}, invoke(rest, "prod", false), "Invalid base path"},
		{"no action", conds, []types.RoutingRuleAction{}, "exactly one action"},
		{"unknown api", conds, invoke("nope", "prod", false), "Invalid REST API identifier"},
		{"unknown stage", conds, invoke(rest, "nope", false), "Invalid stage identifier"},
	}
	for _, b := range bad {
		_, err = c.CreateRoutingRule(ctx, &sdk.CreateRoutingRuleInput{DomainName: dn, Priority: aws.Int32(77), Conditions: b.conds, Actions: b.acts})
		if err == nil {
			t.Fatalf("%s: accepted", b.name)
		}
		apiErrContains(t, err, "BadRequestException", b.part)
	}
	_, err = c.CreateRoutingRule(ctx, &sdk.CreateRoutingRuleInput{DomainName: dn, Priority: aws.Int32(0), Conditions: conds, Actions: invoke(rest, "prod", false)})
	apiErrContains(t, err, "BadRequestException", "")

	// Not found: the domain name and the rule.
	_, err = c.GetRoutingRule(ctx, &sdk.GetRoutingRuleInput{DomainName: aws.String("nope.example.com"), RoutingRuleId: &id})
	apiErr(t, err, "NotFoundException", "Invalid DomainName identifier specified nope.example.com")
	_, err = c.ListRoutingRules(ctx, &sdk.ListRoutingRulesInput{DomainName: aws.String("nope.example.com")})
	apiErr(t, err, "NotFoundException", "")
	_, err = c.CreateRoutingRule(ctx, &sdk.CreateRoutingRuleInput{DomainName: aws.String("nope.example.com"), Priority: aws.Int32(5), Conditions: conds, Actions: invoke(rest, "prod", false)})
	apiErr(t, err, "NotFoundException", "")
	_, err = c.GetRoutingRule(ctx, &sdk.GetRoutingRuleInput{DomainName: dn, RoutingRuleId: aws.String("zzz999")})
	apiErr(t, err, "NotFoundException", "Invalid RoutingRule identifier specified zzz999")
	_, err = c.PutRoutingRule(ctx, &sdk.PutRoutingRuleInput{DomainName: dn, RoutingRuleId: aws.String("zzz999"), Priority: aws.Int32(5), Conditions: conds, Actions: invoke(rest, "prod", false)})
	apiErr(t, err, "NotFoundException", "")
	_, err = c.DeleteRoutingRule(ctx, &sdk.DeleteRoutingRuleInput{DomainName: dn, RoutingRuleId: aws.String("zzz999")})
	apiErr(t, err, "NotFoundException", "")

	// Put replaces the whole rule, keeping its id and ARN.
	p := do(c.PutRoutingRule(ctx, &sdk.PutRoutingRuleInput{DomainName: dn, RoutingRuleId: &id, Priority: aws.Int32(20),
		Conditions: conds[2:], Actions: invoke(rest, "beta", false)})).must(t)
	if *p.RoutingRuleId != id || *p.RoutingRuleArn != *r.RoutingRuleArn || *p.Priority != 20 ||
		!reflect.DeepEqual(p.Conditions, conds[2:]) || !reflect.DeepEqual(p.Actions, invoke(rest, "beta", false)) {
		t.Fatalf("put rule: %+v", p)
	}
	if g := do(c.GetRoutingRule(ctx, &sdk.GetRoutingRuleInput{DomainName: dn, RoutingRuleId: &id})).must(t); *g.Priority != 20 || len(g.Conditions) != 1 {
		t.Fatalf("rule after put: %+v", g)
	}

	// List in priority order, paginated.
	for _, pr := range []int32{500, 5, 300} {
		do(c.CreateRoutingRule(ctx, &sdk.CreateRoutingRuleInput{DomainName: dn, Priority: aws.Int32(pr), Conditions: conds[:1], Actions: invoke(rest, "prod", false)})).must(t)
	}
	var got []int32
	var tok *string
	pages := 0
	for {
		l := do(c.ListRoutingRules(ctx, &sdk.ListRoutingRulesInput{DomainName: dn, MaxResults: aws.Int32(2), NextToken: tok})).must(t)
		pages++
		for _, rr := range l.RoutingRules {
			got = append(got, *rr.Priority)
			if rr.RoutingRuleArn == nil || !strings.HasSuffix(*rr.RoutingRuleArn, "/"+*rr.RoutingRuleId) || len(rr.Actions) != 1 {
				t.Fatalf("listed rule: %+v", rr)
			}
		}
		if tok = l.NextToken; tok == nil {
			break
		}
	}
	if !reflect.DeepEqual(got, []int32{5, 20, 300, 500, 1000}) || pages != 3 {
		t.Fatalf("listed priorities %v in %d pages", got, pages)
	}
	all := do(c.ListRoutingRules(ctx, &sdk.ListRoutingRulesInput{DomainName: dn})).must(t)
	if len(all.RoutingRules) != 5 || all.NextToken != nil {
		t.Fatalf("list without maxResults: %d rules, token %v", len(all.RoutingRules), all.NextToken)
	}
	_, err = c.ListRoutingRules(ctx, &sdk.ListRoutingRulesInput{DomainName: dn, NextToken: aws.String("!!")})
	apiErr(t, err, "BadRequestException", "Invalid nextToken specified")

	// Delete.
	do(c.DeleteRoutingRule(ctx, &sdk.DeleteRoutingRuleInput{DomainName: dn, RoutingRuleId: &id})).must(t)
	_, err = c.GetRoutingRule(ctx, &sdk.GetRoutingRuleInput{DomainName: dn, RoutingRuleId: &id})
	apiErr(t, err, "NotFoundException", "")
	if l := do(c.ListRoutingRules(ctx, &sdk.ListRoutingRulesInput{DomainName: dn})).must(t); len(l.RoutingRules) != 4 {
		t.Fatalf("after delete: %d rules", len(l.RoutingRules))
	}

	// ROUTING_RULE_ONLY takes no API mappings.
	do(c.UpdateDomainName(ctx, &sdk.UpdateDomainNameInput{DomainName: dn, RoutingMode: types.RoutingModeRoutingRuleOnly})).must(t)
	h := httpAPI(t, c, "h")
	do(c.CreateStage(ctx, &sdk.CreateStageInput{ApiId: h.ApiId, StageName: aws.String("$default")})).must(t)
	_, err = c.CreateApiMapping(ctx, &sdk.CreateApiMappingInput{DomainName: dn, ApiId: h.ApiId, Stage: aws.String("$default")})
	apiErrContains(t, err, "BadRequestException", "ROUTING_RULE_ONLY")

	// Deleting the domain name deletes its rules.
	do(c.DeleteDomainName(ctx, &sdk.DeleteDomainNameInput{DomainName: dn})).must(t)
	do(c.CreateDomainName(ctx, &sdk.CreateDomainNameInput{DomainName: dn, RoutingMode: types.RoutingModeRoutingRuleOnly})).must(t)
	if l := do(c.ListRoutingRules(ctx, &sdk.ListRoutingRulesInput{DomainName: dn})).must(t); len(l.RoutingRules) != 0 {
		t.Fatalf("rules of a re-created domain name: %d", len(l.RoutingRules))
	}
}

// A REST API custom domain name (apigateway CreateDomainName) takes
// routing rules too: it is the same resource in AWS.
func TestRoutingRulesOnRESTDomainName(t *testing.T) {
	env, c := start(t)
	c1 := env.APIGateway()
	rest := ruleRESTAPI(t, c1, "prod")
	d := do(c1.CreateDomainName(ctx, &v1.CreateDomainNameInput{DomainName: aws.String("rest.example.com")})).must(t)
	if d.RoutingMode != v1types.RoutingModeBasePathMappingOnly {
		t.Fatalf("REST domain default routing mode: %q", d.RoutingMode)
	}
	_, err := c.CreateRoutingRule(ctx, &sdk.CreateRoutingRuleInput{DomainName: aws.String("rest.example.com"), Priority: aws.Int32(1),
		Conditions: []types.RoutingRuleCondition{}, Actions: invoke(rest, "prod", false)})
	apiErrContains(t, err, "BadRequestException", "routing mode")
	do(c1.UpdateDomainName(ctx, &v1.UpdateDomainNameInput{DomainName: aws.String("rest.example.com"),
		PatchOperations: []v1types.PatchOperation{{Op: v1types.OpReplace, Path: aws.String("/routingMode"), Value: aws.String("ROUTING_RULE_ONLY")}}})).must(t)
	_, err = c1.UpdateDomainName(ctx, &v1.UpdateDomainNameInput{DomainName: aws.String("rest.example.com"),
		PatchOperations: []v1types.PatchOperation{{Op: v1types.OpReplace, Path: aws.String("/routingMode"), Value: aws.String("SOMETIMES")}}})
	apiErrContains(t, err, "BadRequestException", "Invalid routing mode SOMETIMES")
	if g := do(c1.GetDomainName(ctx, &v1.GetDomainNameInput{DomainName: aws.String("rest.example.com")})).must(t); g.RoutingMode != v1types.RoutingModeRoutingRuleOnly {
		t.Fatalf("REST domain routing mode: %q", g.RoutingMode)
	}
	_, err = c1.CreateBasePathMapping(ctx, &v1.CreateBasePathMappingInput{DomainName: aws.String("rest.example.com"), RestApiId: &rest, Stage: aws.String("prod")})
	apiErrContains(t, err, "BadRequestException", "ROUTING_RULE_ONLY")
	r := do(c.CreateRoutingRule(ctx, &sdk.CreateRoutingRuleInput{DomainName: aws.String("rest.example.com"), Priority: aws.Int32(1),
		Conditions: []types.RoutingRuleCondition{}, Actions: invoke(rest, "prod", false)})).must(t)
	if *r.RoutingRuleArn != "arn:aws:apigateway:us-east-1:000000000000:/domainnames/rest.example.com/routingrules/"+*r.RoutingRuleId {
		t.Fatalf("rule on a REST domain name: %+v", r)
	}
	do(c1.DeleteDomainName(ctx, &v1.DeleteDomainNameInput{DomainName: aws.String("rest.example.com")})).must(t)
	_, err = c.ListRoutingRules(ctx, &sdk.ListRoutingRulesInput{DomainName: aws.String("rest.example.com")})
	apiErr(t, err, "NotFoundException", "")
}
