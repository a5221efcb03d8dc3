package apigateway

import (
	"context"
	"slices"
	"sort"
	"strings"

	api "github.com/stagecraft/stagecraft/internal/api/apigateway"
	"github.com/stagecraft/stagecraft/internal/ids"
	"github.com/stagecraft/stagecraft/internal/store"
)

// Custom domain names and their base path mappings.
//
// Nothing is provisioned: a domain name is AVAILABLE at once, with
// AWS-looking CloudFront (EDGE) and regional host names made up at create
// time. Certificate fields are stored as given (the private key and body of
// an uploaded certificate are not echoed, as AWS does not echo them).

func acctErrNoDomain() error { return notFound("Invalid domain name identifier specified") } // [L: moto]

func acctErrNoBasePath() error {
	return notFound("Invalid base path mapping identifier specified") // [L: moto]
}

// acctDomain loads a domain name or answers AWS's 404.
//
// id is the request's domainNameId. AWS requires it for a private custom
// domain name and supports it only for those [D: GetDomainName's
// domainNameId], so a private domain asked for without its id, or any
// domain asked for with an id that is not its own, is not found [?: that
// AWS answers these with its usual 404 rather than a 400].
func acctDomain(ctx context.Context, tx store.Tx, name string, id *string) (*api.DomainName, error) {
	if !acctPlain(name) {
		return nil, acctErrNoDomain()
	}
	d, err := get[api.DomainName](tx, tDomainNames, key(ctx, name), acctErrNoDomain())
	if err != nil {
		return nil, err
	}
	if str(id) != str(d.DomainNameId) {
		return nil, acctErrNoDomain()
	}
	return d, nil
}

// CloudFront's hosted zone, the alias target of every edge-optimized
// custom domain [D].
const acctCloudFrontZone = "Z2FDTNDATAQYW2"

// acctRegionalZones are the Route 53 hosted zones of API Gateway's regional
// endpoints [D: AWS general reference, API Gateway endpoints]; regions not
// listed fall back to us-east-1's [?].
var acctRegionalZones = map[string]string{
	"us-east-1":      "Z1UJRXOUMOOFQ8",
	"us-east-2":      "ZOJJZC49E0EPZ",
	"us-west-2":      "Z2OJLYMUO9EFXC",
	"eu-west-1":      "ZLY8HYME6SFDD",
	"eu-west-2":      "ZJ5UAJN8Y3Z2Q",
	"eu-central-1":   "Z1U9ULNL0V5AJ3",
	"ap-northeast-1": "Z1YSHQZHG15GKL",
	"ap-southeast-1": "ZL327KTPIQFUL",
	"ap-southeast-2": "Z2RPCDW04V8134",
}

func acctRegionalZone(region string) string {
	if z, ok := acctRegionalZones[region]; ok {
		return z
	}
	return acctRegionalZones["us-east-1"]
}

// acctDomainHosts makes up the host names AWS would assign for the
// endpoint types the domain has and does not have names for yet:
// d111111abcdef8.cloudfront.net for EDGE and
// d-abcdefghij.execute-api.{region}.amazonaws.com for REGIONAL.
func acctDomainHosts(ctx context.Context, d *api.DomainName) {
	for _, t := range d.EndpointConfiguration.Types {
		switch t {
		case "EDGE":
			if d.DistributionDomainName == nil {
				d.DistributionDomainName = ptr("d" + ids.Lower(13) + ".cloudfront.net")
				d.DistributionHostedZoneId = ptr(acctCloudFrontZone)
			}
		case "REGIONAL":
			if d.RegionalDomainName == nil {
				d.RegionalDomainName = ptr("d-" + ids.Lower(10) + ".execute-api." + region(ctx) + ".amazonaws.com")
				d.RegionalHostedZoneId = ptr(acctRegionalZone(region(ctx)))
			}
		}
	}
}

func acctDomainArn(ctx context.Context, name string) string {
	return "arn:aws:apigateway:" + region(ctx) + "::/domainnames/" + name
}

func (s *Service) CreateDomainName(ctx context.Context, in *api.CreateDomainNameRequest) (*api.DomainName, error) {
	name := str(in.DomainName)
	if name == "" {
		return nil, badRequest("No Domain Name specified") // [L: moto]
	}
	if err := validateTags(in.Tags); err != nil {
		return nil, err
	}
	ec := &api.EndpointConfiguration{}
	if in.EndpointConfiguration != nil {
		*ec = *in.EndpointConfiguration
	}
	if len(ec.Types) == 0 {
		ec.Types = []string{"EDGE"}
	}
	if ec.IpAddressType == nil {
		ec.IpAddressType = ptr("ipv4")
	}
	d := &api.DomainName{
		DomainName:                          ptr(name),
		DomainNameArn:                       ptr(acctDomainArn(ctx, name)),
		CertificateName:                     in.CertificateName,
		CertificateArn:                      in.CertificateArn,
		RegionalCertificateName:             in.RegionalCertificateName,
		RegionalCertificateArn:              in.RegionalCertificateArn,
		EndpointConfiguration:               ec,
		DomainNameStatus:                    ptr("AVAILABLE"),
		SecurityPolicy:                      in.SecurityPolicy,
		OwnershipVerificationCertificateArn: in.OwnershipVerificationCertificateArn,
		Policy:                              in.Policy,
		RoutingMode:                         in.RoutingMode,
		EndpointAccessMode:                  in.EndpointAccessMode,
		Tags:                                acctTags(in.Tags),
	}
	if d.SecurityPolicy == nil {
		d.SecurityPolicy = ptr("TLS_1_2") // [L]
	}
	if d.RoutingMode == nil {
		d.RoutingMode = ptr("BASE_PATH_MAPPING_ONLY") // [D: the default routing mode]
	}
	if slices.Contains(ec.Types, "PRIVATE") {
		// A private domain name has an ID and an ARN with the account and
		// "+{domainNameId}" [D: private custom domain names].
		d.DomainNameId = ptr(ids.Lower(10))
		d.DomainNameArn = ptr(acctPrivateDomainArn(ctx, name, *d.DomainNameId))
	}
	if m := in.MutualTlsAuthentication; m != nil && m.TruststoreUri != nil {
		d.MutualTlsAuthentication = &api.MutualTlsAuthentication{TruststoreUri: m.TruststoreUri, TruststoreVersion: m.TruststoreVersion}
	}
	if d.CertificateArn != nil || d.CertificateName != nil || in.CertificateBody != nil {
		d.CertificateUploadDate = s.now()
	}
	acctDomainHosts(ctx, d)
	err := s.st.Update(ctx, func(tx store.Tx) error {
		if !acctPlain(name) {
			return badRequest("Invalid domain name specified: %s", name)
		}
		taken, err := exists(tx, tDomainNames, key(ctx, name))
		if err != nil {
			return err
		}
		if taken {
			return conflict("The domain name you provided already exists.") // [?] wording
		}
		return store.PutJSON(tx, tDomainNames, key(ctx, name), d)
	})
	if err != nil {
		return nil, err
	}
	return d, nil
}

func (s *Service) GetDomainName(ctx context.Context, in *api.GetDomainNameRequest) (*api.DomainName, error) {
	var out *api.DomainName
	err := s.st.View(ctx, func(tx store.Tx) (err error) {
		out, err = acctDomain(ctx, tx, in.DomainName, in.DomainNameId)
		return err
	})
	return out, err
}

func (s *Service) GetDomainNames(ctx context.Context, in *api.GetDomainNamesRequest) (*api.DomainNames, error) {
	var all []*api.DomainName
	err := s.st.View(ctx, func(tx store.Tx) (err error) {
		all, err = store.ScanJSON[api.DomainName](tx, tDomainNames, prefix(ctx))
		return err
	})
	if err != nil {
		return nil, err
	}
	items, next, err := acctPage(all, func(d *api.DomainName) string { return str(d.DomainName) }, in.Position, in.Limit)
	if err != nil {
		return nil, err
	}
	out := &api.DomainNames{Items: []api.DomainName{}, Position: next}
	for _, d := range items {
		out.Items = append(out.Items, *d)
	}
	return out, nil
}

// acctDomainPatch are UpdateDomainName's paths [D: patch operations table].
var acctDomainPatch = []patchRule{
	{"/certificateName", "replace", kString},
	{"/certificateArn", "replace", kString},
	{"/regionalCertificateName", "replace", kString},
	{"/regionalCertificateArn", "replace", kString},
	{"/endpointConfiguration/types/*", "replace", kListInPath},
	{"/endpointConfiguration/ipAddressType", "replace", kString},
	{"/securityPolicy", "replace", kString},
	{"/mutualTlsAuthentication/truststoreUri", "replace", kString},
	{"/mutualTlsAuthentication/truststoreVersion", "replace", kString},
	{"/ownershipVerificationCertificateArn", "replace", kString},
	{"/policy", "replace", kString},
	{"/routingMode", "replace", kString},
	{"/endpointAccessMode", "replace", kString},
}

func (s *Service) UpdateDomainName(ctx context.Context, in *api.UpdateDomainNameRequest) (*api.DomainName, error) {
	var out *api.DomainName
	err := s.st.Update(ctx, func(tx store.Tx) error {
		d, err := acctDomain(ctx, tx, in.DomainName, in.DomainNameId)
		if err != nil {
			return err
		}
		if err := applyPatch(d, in.PatchOperations, acctDomainPatch, nil); err != nil {
			return err
		}
		if m := str(d.RoutingMode); !routingModes[m] {
			return badRequest("Invalid routing mode %s. Valid values are BASE_PATH_MAPPING_ONLY, ROUTING_RULE_ONLY and ROUTING_RULE_THEN_BASE_PATH_MAPPING", m) // [?] wording
		}
		for _, t := range d.EndpointConfiguration.Types {
			if t != "EDGE" && t != "REGIONAL" && t != "PRIVATE" {
				return badRequest("Invalid endpoint type %s. Valid values are EDGE, REGIONAL and PRIVATE", t) // [?] wording
			}
		}
		for _, o := range in.PatchOperations {
			if str(o.Path) == "/certificateArn" || str(o.Path) == "/certificateName" {
				d.CertificateUploadDate = s.now()
			}
		}
		acctDomainHosts(ctx, d)
		out = d
		return store.PutJSON(tx, tDomainNames, key(ctx, in.DomainName), d)
	})
	return out, err
}

func (s *Service) DeleteDomainName(ctx context.Context, in *api.DeleteDomainNameRequest) error {
	return s.st.Update(ctx, func(tx store.Tx) error {
		if _, err := acctDomain(ctx, tx, in.DomainName, in.DomainNameId); err != nil {
			return err
		}
		if _, err := tx.DeletePrefix(tBasePaths, prefix(ctx, in.DomainName)); err != nil {
			return err
		}
		// Routing rules (apigatewayv2's CreateRoutingRule) of this domain
		// name go with it, unless apigatewayv2 holds a domain name of the
		// same name.
		if ok, err := exists(tx, tV2DomainNames, key(ctx, in.DomainName)); err != nil {
			return err
		} else if !ok {
			if _, err := tx.DeletePrefix(tV2RoutingRules, prefix(ctx, in.DomainName)); err != nil {
				return err
			}
		}
		return tx.Delete(tDomainNames, key(ctx, in.DomainName))
	})
}

// Base path mappings. An empty base path is stored and reported as
// "(none)", the value AWS shows and accepts in the URI for it [D].

const acctNoBasePath = "(none)"

// routingModes are DomainName.routingMode's values [M]; a domain name
// stored before routing modes existed has none and means the first.
var routingModes = map[string]bool{"": true, "BASE_PATH_MAPPING_ONLY": true, "ROUTING_RULE_ONLY": true, "ROUTING_RULE_THEN_BASE_PATH_MAPPING": true}

// apigatewayv2's tables that hold routing rules of this family's domain
// names (internal/service/apigatewayv2/routingrules.go).
const (
	tV2DomainNames  = "apigwv2.domainnames"
	tV2RoutingRules = "apigwv2.routingrules"
)

// acctCheckMapping validates a mapping's target: the REST API must exist
// and so must the stage when one is given [L: moto's wording].
func acctCheckMapping(ctx context.Context, tx store.Tx, m *api.BasePathMapping) error {
	apiID := str(m.RestApiId)
	ok := acctPlain(apiID)
	if ok {
		var err error
		if ok, err = exists(tx, tRestAPIs, key(ctx, apiID)); err != nil {
			return err
		}
	}
	if !ok {
		return badRequest("Invalid REST API identifier specified")
	}
	if m.Stage != nil && *m.Stage != "" {
		ok, err := acctStageExists(ctx, tx, apiID, *m.Stage)
		if err != nil {
			return err
		}
		if !ok {
			return badRequest("Invalid stage identifier specified")
		}
	}
	return nil
}

// acctCheckBasePath rejects multi-level base paths, which only the v2 API
// can create [L: moto's wording, AWS-like].
func acctCheckBasePath(p string) error {
	if strings.Contains(p, "/") {
		return badRequest("API Gateway V1 doesn't support the slash character (/) in base path mappings. " +
			"To create a multi-level base path mapping, use API Gateway V2.")
	}
	return nil
}

func (s *Service) CreateBasePathMapping(ctx context.Context, in *api.CreateBasePathMappingRequest) (*api.BasePathMapping, error) {
	bp := str(in.BasePath)
	if bp == "" {
		bp = acctNoBasePath
	}
	if err := acctCheckBasePath(bp); err != nil {
		return nil, err
	}
	m := &api.BasePathMapping{BasePath: ptr(bp), RestApiId: in.RestApiId}
	if in.Stage != nil && *in.Stage != "" {
		m.Stage = in.Stage
	}
	err := s.st.Update(ctx, func(tx store.Tx) error {
		d, err := acctDomain(ctx, tx, in.DomainName, in.DomainNameId)
		if err != nil {
			return err
		}
		if str(d.RoutingMode) == "ROUTING_RULE_ONLY" {
			// [D: set-routing-mode: a ROUTING_RULE_ONLY domain name takes no
			// mappings]; wording [?].
			return badRequest("Base path mappings cannot be created for domain name %s: its routing mode is ROUTING_RULE_ONLY", in.DomainName)
		}
		if err := acctCheckMapping(ctx, tx, m); err != nil {
			return err
		}
		taken, err := exists(tx, tBasePaths, key(ctx, in.DomainName, bp))
		if err != nil {
			return err
		}
		if taken {
			return conflict("Base path already exists for this domain name") // [L: moto]
		}
		return store.PutJSON(tx, tBasePaths, key(ctx, in.DomainName, bp), m)
	})
	if err != nil {
		return nil, err
	}
	return m, nil
}

// acctBasePathLabel maps the URI's base path to the stored one: the empty
// base path is addressed as "(none)".
func acctBasePathLabel(p string) string {
	if p == "" {
		return acctNoBasePath
	}
	return p
}

func acctMapping(ctx context.Context, tx store.Tx, domain string, domainID *string, basePath string) (*api.BasePathMapping, error) {
	if _, err := acctDomain(ctx, tx, domain, domainID); err != nil {
		return nil, err
	}
	bp := acctBasePathLabel(basePath)
	if strings.Contains(bp, "/") {
		return nil, acctErrNoBasePath()
	}
	return get[api.BasePathMapping](tx, tBasePaths, key(ctx, domain, bp), acctErrNoBasePath())
}

func (s *Service) GetBasePathMapping(ctx context.Context, in *api.GetBasePathMappingRequest) (*api.BasePathMapping, error) {
	var out *api.BasePathMapping
	err := s.st.View(ctx, func(tx store.Tx) (err error) {
		out, err = acctMapping(ctx, tx, in.DomainName, in.DomainNameId, in.BasePath)
		return err
	})
	return out, err
}

// GetBasePathMappings of an unknown domain answers 404 like
// GetDomainName [?: moto and LocalStack list nothing instead].
func (s *Service) GetBasePathMappings(ctx context.Context, in *api.GetBasePathMappingsRequest) (*api.BasePathMappings, error) {
	var all []*api.BasePathMapping
	err := s.st.View(ctx, func(tx store.Tx) (err error) {
		if _, err := acctDomain(ctx, tx, in.DomainName, in.DomainNameId); err != nil {
			return err
		}
		all, err = store.ScanJSON[api.BasePathMapping](tx, tBasePaths, prefix(ctx, in.DomainName))
		return err
	})
	if err != nil {
		return nil, err
	}
	sort.Slice(all, func(i, j int) bool { return str(all[i].BasePath) < str(all[j].BasePath) })
	items, next, err := acctPage(all, func(m *api.BasePathMapping) string { return str(m.BasePath) }, in.Position, in.Limit)
	if err != nil {
		return nil, err
	}
	out := &api.BasePathMappings{Items: []api.BasePathMapping{}, Position: next}
	for _, m := range items {
		out.Items = append(out.Items, *m)
	}
	return out, nil
}

// UpdateBasePathMapping supports replace on /basePath, /restapiId (AWS's
// spelling, lower-case "api"; /restApiId is accepted too) and /stage [D].
// The new target is validated after all operations are applied.
func (s *Service) UpdateBasePathMapping(ctx context.Context, in *api.UpdateBasePathMappingRequest) (*api.BasePathMapping, error) {
	var out *api.BasePathMapping
	err := s.st.Update(ctx, func(tx store.Tx) error {
		m, err := acctMapping(ctx, tx, in.DomainName, in.DomainNameId, in.BasePath)
		if err != nil {
			return err
		}
		old := str(m.BasePath)
		for _, o := range in.PatchOperations {
			op, path, val := str(o.Op), str(o.Path), str(o.Value)
			if op != "replace" {
				return errInvalidPatch(op, path)
			}
			switch path {
			case "/basePath":
				if val == "" {
					val = acctNoBasePath
				}
				if err := acctCheckBasePath(val); err != nil {
					return err
				}
				m.BasePath = ptr(val)
			case "/restapiId", "/restApiId":
				m.RestApiId = ptr(val)
			case "/stage":
				m.Stage = nil
				if val != "" {
					m.Stage = ptr(val)
				}
			default:
				return errInvalidPatch(op, path)
			}
		}
		if err := acctCheckMapping(ctx, tx, m); err != nil {
			return err
		}
		if nbp := str(m.BasePath); nbp != old {
			taken, err := exists(tx, tBasePaths, key(ctx, in.DomainName, nbp))
			if err != nil {
				return err
			}
			if taken {
				return conflict("Base path already exists for this domain name")
			}
			if err := tx.Delete(tBasePaths, key(ctx, in.DomainName, old)); err != nil {
				return err
			}
		}
		out = m
		return store.PutJSON(tx, tBasePaths, key(ctx, in.DomainName, str(m.BasePath)), m)
	})
	return out, err
}

func (s *Service) DeleteBasePathMapping(ctx context.Context, in *api.DeleteBasePathMappingRequest) error {
	return s.st.Update(ctx, func(tx store.Tx) error {
		m, err := acctMapping(ctx, tx, in.DomainName, in.DomainNameId, in.BasePath)
		if err != nil {
			return err
		}
		return tx.Delete(tBasePaths, key(ctx, in.DomainName, str(m.BasePath)))
	})
}
