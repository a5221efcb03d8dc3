package dataplane

import (
	"encoding/json"
	"io"
	"net/http"
	"net/textproto"
	"sort"
	"strings"

	"github.com/stagecraft/stagecraft/internal/store"
)

// Routing rules of custom domain names (apigatewayv2 CreateRoutingRule,
// internal/service/apigatewayv2/routingrules.go). A domain name whose
// routing mode is ROUTING_RULE_ONLY or ROUTING_RULE_THEN_API_MAPPING
// evaluates its rules in ascending priority; the first whose conditions
// all match invokes its REST API stage [D: rest-api-routing-rules]. They
// are compiled with the rest of the view, never read per request.

const (
	restDomainNamesTable = "apigw.domainnames"    // account/region/domainName → api.DomainName (routingMode)
	v2DomainNamesTable   = "apigwv2.domainnames"  // account/region/domainName → apigatewayv2 DomainName (routingMode)
	routingRulesTable    = "apigwv2.routingrules" // account/region/domainName/ruleId → routing rule + domain
)

type routingMode uint8

const (
	modeMappings          routingMode = iota // API_MAPPING_ONLY, BASE_PATH_MAPPING_ONLY, or unset
	modeRulesOnly                            // ROUTING_RULE_ONLY
	modeRulesThenMappings                    // ROUTING_RULE_THEN_API_MAPPING, ROUTING_RULE_THEN_BASE_PATH_MAPPING
)

func parseRoutingMode(s string) routingMode {
	switch s {
	case "ROUTING_RULE_ONLY":
		return modeRulesOnly
	case "ROUTING_RULE_THEN_API_MAPPING", "ROUTING_RULE_THEN_BASE_PATH_MAPPING":
		return modeRulesThenMappings
	}
	return modeMappings
}

type routingRule struct {
	priority  int32
	headers   [][]headerGlob // each condition: any of its globs
	basePaths []string       // nil without a base path condition
	apiID     string
	stage     string
	strip     bool
}

// headerGlob matches a header by name (case-insensitive) and value: the
// literal, with a leading "*" any prefix and a trailing "*" any suffix.
type headerGlob struct {
	name           string // canonical MIME form
	lit            string
	prefix, suffix bool // lit may be preceded / followed by anything
}

func (g headerGlob) match(h http.Header) bool {
	for _, v := range h[g.name] {
		switch {
		case g.prefix && g.suffix:
			if strings.Contains(v, g.lit) {
				return true
			}
		case g.prefix:
			if strings.HasSuffix(v, g.lit) {
				return true
			}
		case g.suffix:
			if strings.HasPrefix(v, g.lit) {
				return true
			}
		default:
			if v == g.lit {
				return true
			}
		}
	}
	return false
}

// The stored shape of a rule (apigatewayv2 RoutingRule plus its domain).
type storedRule struct {
	Priority   *int32 `json:"priority"`
	Conditions []struct {
		MatchHeaders *struct {
			AnyOf []struct {
				Header    string `json:"header"`
				ValueGlob string `json:"valueGlob"`
			} `json:"anyOf"`
		} `json:"matchHeaders"`
		MatchBasePaths *struct {
			AnyOf []string `json:"anyOf"`
		} `json:"matchBasePaths"`
	} `json:"conditions"`
	Actions []struct {
		InvokeApi *struct {
			ApiID         string `json:"apiId"`
			Stage         string `json:"stage"`
			StripBasePath bool   `json:"stripBasePath"`
		} `json:"invokeApi"`
	} `json:"actions"`
}

// loadRoutingRules adds the routing modes of both families' domain names
// and the rules of those that use them to domains (from loadDomains).
func loadRoutingRules(tx store.Tx, domains map[string]*domainEntry) error {
	// entry finds or makes a domain's entry in its owner's account and
	// region; nil if the name belongs to another account or region.
	entry := func(k string, parts int) (*domainEntry, []string) {
		p := strings.SplitN(k, "/", parts)
		if len(p) != parts {
			return nil, nil
		}
		name := strings.ToLower(p[2])
		d := domains[name]
		if d == nil {
			d = &domainEntry{account: p[0], region: p[1], name: name, mappings: map[string]basePath{}}
			domains[name] = d
		} else if d.account != p[0] || d.region != p[1] {
			return nil, nil
		}
		return d, p
	}
	for _, table := range []string{restDomainNamesTable, v2DomainNamesTable} {
		err := tx.Scan(table, "", func(k string, v []byte) bool {
			var dn struct {
				RoutingMode string `json:"routingMode"`
			}
			if json.Unmarshal(v, &dn) != nil {
				return true
			}
			m := parseRoutingMode(dn.RoutingMode)
			if m == modeMappings {
				return true
			}
			if d, _ := entry(k, 3); d != nil && d.mode == modeMappings {
				d.mode = m
			}
			return true
		})
		if err != nil {
			return err
		}
	}
	err := tx.Scan(routingRulesTable, "", func(k string, v []byte) bool {
		p := strings.SplitN(k, "/", 4)
		if len(p) != 4 {
			return true
		}
		d := domains[strings.ToLower(p[2])]
		if d == nil || d.mode == modeMappings || d.account != p[0] || d.region != p[1] {
			return true
		}
		var sr storedRule
		if json.Unmarshal(v, &sr) != nil || sr.Priority == nil || len(sr.Actions) != 1 || sr.Actions[0].InvokeApi == nil {
			return true
		}
		inv := sr.Actions[0].InvokeApi
		rl := &routingRule{priority: *sr.Priority, apiID: inv.ApiID, stage: inv.Stage, strip: inv.StripBasePath}
		for _, c := range sr.Conditions {
			switch {
			case c.MatchHeaders != nil:
				var alts []headerGlob
				for _, h := range c.MatchHeaders.AnyOf {
					g := headerGlob{name: textproto.CanonicalMIMEHeaderKey(h.Header), lit: h.ValueGlob}
					if len(g.lit) > 0 && g.lit[0] == '*' {
						g.prefix, g.lit = true, g.lit[1:]
					}
					if len(g.lit) > 0 && g.lit[len(g.lit)-1] == '*' {
						g.suffix, g.lit = true, g.lit[:len(g.lit)-1]
					}
					alts = append(alts, g)
				}
				rl.headers = append(rl.headers, alts)
			case c.MatchBasePaths != nil:
				rl.basePaths = append([]string{}, c.MatchBasePaths.AnyOf...)
			}
		}
		d.rules = append(d.rules, rl)
		return true
	})
	for _, d := range domains {
		sort.Slice(d.rules, func(i, j int) bool { return d.rules[i].priority < d.rules[j].priority })
	}
	return err
}

// matchRule finds the first rule, by priority, whose conditions all match
// r, and the escaped path after the base path it matched ("" or "/…"; the
// whole path when it has no base path condition).
func (d *domainEntry) matchRule(r *http.Request) (*routingRule, string) {
	path := r.URL.EscapedPath()
	p := strings.TrimPrefix(path, "/")
rules:
	for _, rl := range d.rules {
		for _, alts := range rl.headers {
			ok := false
			for _, g := range alts {
				if g.match(r.Header) {
					ok = true
					break
				}
			}
			if !ok {
				continue rules
			}
		}
		if rl.basePaths == nil {
			return rl, path
		}
		for _, bp := range rl.basePaths {
			if p == bp || strings.HasPrefix(p, bp) && p[len(bp)] == '/' {
				return rl, p[len(bp):]
			}
		}
	}
	return nil, ""
}

// serveRule invokes a matched rule's REST API stage. The stage sees the
// path after the matched base path when the rule strips it, the whole path
// otherwise [D: invokeApi stripBasePath]. A target gone since the rule was
// written answers 403 Forbidden, like an unmapped base path [?].
func (c *call) serveRule(d *domainEntry, rl *routingRule, path, rest string) {
	t := target{apiID: rl.apiID, stage: rl.stage, host: hostOnly(c.r.Host), domain: d.name, full: path, rest: path}
	if rl.strip {
		t.rest = rest
	}
	if t.rest == "/" {
		t.rest = ""
	}
	c.t = t
	c.api = c.cp.apiIn(d.account, d.region, rl.apiID)
	if c.api == nil {
		c.forbidden()
		return
	}
	se := c.api.stages[rl.stage]
	if se == nil {
		c.forbidden()
		return
	}
	c.serveStage(se, true)
}

// noRule answers a request to a ROUTING_RULE_ONLY domain name that no rule
// matches: 404 {"message":"Not Found"} [?: AWS's exact answer unverified].
func (c *call) noRule() {
	hdr := c.w.Header()
	hdr.Set("Content-Type", "application/json")
	hdr["x-amzn-ErrorType"] = []string{"NotFoundException"}
	c.w.WriteHeader(http.StatusNotFound)
	io.WriteString(c.w, `{"message":"Not Found"}`)
}
