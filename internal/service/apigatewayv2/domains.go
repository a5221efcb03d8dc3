package apigatewayv2

import (
	"context"
	"regexp"
	"strings"

	api "github.com/stagecraft/stagecraft/internal/api/apigatewayv2"
	"github.com/stagecraft/stagecraft/internal/ids"
	"github.com/stagecraft/stagecraft/internal/store"
)

// Custom domain names, their API mappings, and VPC links. Nothing here
// touches DNS or certificates: a domain name is stored with the endpoint
// AWS would give it, and mappings are what the data plane can consult.

var (
	domainNameRE = regexp.MustCompile(`^(\*\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$`)
	// API mapping keys: path segments without leading or trailing "/" [D].
	mappingKeyRE = regexp.MustCompile(`^[A-Za-z0-9._\-]+(/[A-Za-z0-9._\-]+)*$`)
)

// regionalZones are API Gateway's regional hosted zone ids for the
// regions most used [D, partial]; other regions get the us-east-1 id [?].
var regionalZones = map[string]string{
	"us-east-1": "Z1UJRXOUMOOFQ8",
	"us-east-2": "ZOJJZC49E0EPZ",
	"us-west-1": "Z2MUQ32089INYE",
	"us-west-2": "Z2OJLYMUO9EFXC",
	"eu-west-1": "ZLY8HYME6SFDD",
}

// mappingRecord is an API mapping and the domain name it belongs to.
type mappingRecord struct {
	api.ApiMapping
	Domain string `json:"domain"`
}

func domainARN(ctx context.Context, name string) string {
	return "arn:aws:apigateway:" + region(ctx) + "::/domainnames/" + name
}

func errNoDomain(name string) error {
	// REST APIs say "Invalid domain name identifier specified" [?]; v2
	// follows the catalogue's pattern.
	return errNoChild("DomainName", name)
}

func loadDomain(ctx context.Context, tx store.Tx, name string) (*api.DomainName, error) {
	if !cleanKeyPart(name) {
		return nil, errNoDomain(name)
	}
	return get[api.DomainName](tx, tDomainNames, key(ctx, name), errNoDomain(name))
}

func domainOut(d *api.DomainName) *api.DomainName {
	if d.Tags == nil {
		d.Tags = map[string]string{}
	}
	return d
}

// fillDomainConfigs completes each endpoint configuration the way AWS
// reports a ready regional domain: its API Gateway target name, hosted
// zone, AVAILABLE status, TLS 1.2 and ipv4 unless given.
func fillDomainConfigs(ctx context.Context, cfgs []api.DomainNameConfiguration) ([]api.DomainNameConfiguration, error) {
	out := make([]api.DomainNameConfiguration, 0, len(cfgs))
	zone, ok := regionalZones[region(ctx)]
	if !ok {
		zone = regionalZones["us-east-1"]
	}
	for _, c := range cfgs {
		if c.EndpointType == nil {
			c.EndpointType = ptr("REGIONAL")
		}
		if *c.EndpointType != "REGIONAL" {
			// HTTP and WebSocket APIs have regional custom domains only [D]; wording [?].
			return nil, badRequest("Only REGIONAL endpoint types are supported for custom domain names of HTTP and WebSocket APIs")
		}
		if c.ApiGatewayDomainName == nil {
			c.ApiGatewayDomainName = ptr("d-" + ids.Lower(10) + ".execute-api." + region(ctx) + ".amazonaws.com")
		}
		if c.HostedZoneId == nil {
			c.HostedZoneId = ptr(zone)
		}
		if c.SecurityPolicy == nil {
			c.SecurityPolicy = ptr("TLS_1_2")
		}
		if c.IpAddressType == nil {
			c.IpAddressType = ptr("ipv4")
		}
		c.DomainNameStatus = ptr("AVAILABLE")
		c.DomainNameStatusMessage = nil
		out = append(out, c)
	}
	return out, nil
}

func mtlsOut(in *api.MutualTlsAuthenticationInput) *api.MutualTlsAuthentication {
	if in == nil || str(in.TruststoreUri) == "" {
		return nil
	}
	return &api.MutualTlsAuthentication{TruststoreUri: in.TruststoreUri, TruststoreVersion: in.TruststoreVersion}
}

func (s *Service) CreateDomainName(ctx context.Context, in *api.CreateDomainNameRequest) (*api.CreateDomainNameResponse, error) {
	name := strings.ToLower(str(in.DomainName))
	if len(name) > 512 || !domainNameRE.MatchString(name) {
		return nil, badRequest("Invalid domain name specified: %s", str(in.DomainName))
	}
	if err := validateTags(in.Tags); err != nil {
		return nil, err
	}
	cfgs, err := fillDomainConfigs(ctx, in.DomainNameConfigurations)
	if err != nil {
		return nil, err
	}
	d := &api.DomainName{
		DomainName:                    ptr(name),
		DomainNameArn:                 ptr(domainARN(ctx, name)),
		ApiMappingSelectionExpression: ptr("$request.basepath"),
		DomainNameConfigurations:      cfgs,
		MutualTlsAuthentication:       mtlsOut(in.MutualTlsAuthentication),
		RoutingMode:                   in.RoutingMode,
		Tags:                          cloneMap(in.Tags),
	}
	if d.RoutingMode == nil {
		d.RoutingMode = ptr("API_MAPPING_ONLY")
	}
	err = s.st.Update(ctx, func(tx store.Tx) error {
		if ok, err := exists(tx, tDomainNames, key(ctx, name)); err != nil {
			return err
		} else if ok {
			return conflict("The domain name you provided already exists.") // REST API text [?]
		}
		return store.PutJSON(tx, tDomainNames, key(ctx, name), d)
	})
	if err != nil {
		return nil, err
	}
	return (*api.CreateDomainNameResponse)(domainOut(d)), nil
}

func (s *Service) GetDomainName(ctx context.Context, in *api.GetDomainNameRequest) (*api.GetDomainNameResponse, error) {
	var d *api.DomainName
	err := s.st.View(ctx, func(tx store.Tx) (err error) {
		d, err = loadDomain(ctx, tx, in.DomainName)
		return err
	})
	if err != nil {
		return nil, err
	}
	return (*api.GetDomainNameResponse)(domainOut(d)), nil
}

func (s *Service) GetDomainNames(ctx context.Context, in *api.GetDomainNamesRequest) (*api.GetDomainNamesResponse, error) {
	var all []*api.DomainName
	err := s.st.View(ctx, func(tx store.Tx) (err error) {
		all, err = store.ScanJSON[api.DomainName](tx, tDomainNames, prefix(ctx))
		return err
	})
	if err != nil {
		return nil, err
	}
	items, next, err := page(all, func(d *api.DomainName) string { return *d.DomainName }, in.MaxResults, in.NextToken)
	if err != nil {
		return nil, err
	}
	out := &api.GetDomainNamesResponse{Items: []api.DomainName{}, NextToken: next}
	for _, d := range items {
		out.Items = append(out.Items, *domainOut(d))
	}
	return out, nil
}

func (s *Service) UpdateDomainName(ctx context.Context, in *api.UpdateDomainNameRequest) (*api.UpdateDomainNameResponse, error) {
	var d *api.DomainName
	err := s.st.Update(ctx, func(tx store.Tx) (err error) {
		d, err = loadDomain(ctx, tx, in.DomainName)
		if err != nil {
			return err
		}
		if in.DomainNameConfigurations != nil {
			cfgs, err := fillDomainConfigs(ctx, in.DomainNameConfigurations)
			if err != nil {
				return err
			}
			// Keep the API Gateway target name of an unchanged endpoint.
			for i := range cfgs {
				if i < len(d.DomainNameConfigurations) && in.DomainNameConfigurations[i].ApiGatewayDomainName == nil {
					cfgs[i].ApiGatewayDomainName = d.DomainNameConfigurations[i].ApiGatewayDomainName
				}
			}
			d.DomainNameConfigurations = cfgs
		}
		if in.MutualTlsAuthentication != nil {
			d.MutualTlsAuthentication = mtlsOut(in.MutualTlsAuthentication)
		}
		if in.RoutingMode != nil {
			d.RoutingMode = in.RoutingMode
		}
		return store.PutJSON(tx, tDomainNames, key(ctx, *d.DomainName), d)
	})
	if err != nil {
		return nil, err
	}
	return (*api.UpdateDomainNameResponse)(domainOut(d)), nil
}

func (s *Service) DeleteDomainName(ctx context.Context, in *api.DeleteDomainNameRequest) error {
	return s.st.Update(ctx, func(tx store.Tx) error {
		d, err := loadDomain(ctx, tx, in.DomainName)
		if err != nil {
			return err
		}
		if _, err := tx.DeletePrefix(tAPIMappings, prefix(ctx, *d.DomainName)); err != nil {
			return err
		}
		if err := deleteDomainRules(ctx, tx, *d.DomainName, tRESTDomainNames); err != nil {
			return err
		}
		return tx.Delete(tDomainNames, key(ctx, *d.DomainName))
	})
}

// API mappings.

func loadMapping(ctx context.Context, tx store.Tx, domain, id string) (*mappingRecord, error) {
	return get[mappingRecord](tx, tAPIMappings, key(ctx, domain, id), errNoChild("ApiMapping", id))
}

// checkMapping validates a mapping: the api and its stage exist, and the
// key is a path unique within the domain name.
func checkMapping(ctx context.Context, tx store.Tx, m *mappingRecord) error {
	if _, err := loadAPI(ctx, tx, str(m.ApiId)); err != nil {
		return err
	}
	if ok, err := exists(tx, tStages, key(ctx, str(m.ApiId), str(m.Stage))); err != nil {
		return err
	} else if !ok {
		// REST API base path mappings answer this [C, 400].
		return badRequest("Invalid stage identifier specified")
	}
	k := str(m.ApiMappingKey)
	if k != "" && !mappingKeyRE.MatchString(k) {
		return badRequest("Invalid API mapping key specified: %s", k)
	}
	others, err := store.ScanJSON[mappingRecord](tx, tAPIMappings, prefix(ctx, m.Domain))
	if err != nil {
		return err
	}
	for _, o := range others {
		if str(o.ApiMappingId) != str(m.ApiMappingId) && str(o.ApiMappingKey) == k {
			return conflict("ApiMapping key already exists for this domain name: %s", k) // [?]
		}
	}
	return nil
}

func (s *Service) CreateApiMapping(ctx context.Context, in *api.CreateApiMappingRequest) (*api.CreateApiMappingResponse, error) {
	var m *mappingRecord
	err := s.st.Update(ctx, func(tx store.Tx) error {
		d, err := loadDomain(ctx, tx, in.DomainName)
		if err != nil {
			return err
		}
		if str(d.RoutingMode) == modeRuleOnly {
			// [D: set-routing-mode: "you can't create an API mapping"]; wording [?].
			return badRequest("API mappings cannot be created for domain name %s: its routing mode is %s", *d.DomainName, modeRuleOnly)
		}
		m = &mappingRecord{Domain: *d.DomainName, ApiMapping: api.ApiMapping{
			ApiMappingId:  ptr(ids.Lower(6)),
			ApiId:         in.ApiId,
			Stage:         in.Stage,
			ApiMappingKey: optional(in.ApiMappingKey),
		}}
		if err := checkMapping(ctx, tx, m); err != nil {
			return err
		}
		return store.PutJSON(tx, tAPIMappings, key(ctx, m.Domain, *m.ApiMappingId), m)
	})
	if err != nil {
		return nil, err
	}
	out := api.CreateApiMappingResponse(m.ApiMapping)
	return &out, nil
}

func (s *Service) GetApiMapping(ctx context.Context, in *api.GetApiMappingRequest) (*api.GetApiMappingResponse, error) {
	var m *mappingRecord
	err := s.st.View(ctx, func(tx store.Tx) error {
		d, err := loadDomain(ctx, tx, in.DomainName)
		if err != nil {
			return err
		}
		m, err = loadMapping(ctx, tx, *d.DomainName, in.ApiMappingId)
		return err
	})
	if err != nil {
		return nil, err
	}
	out := api.GetApiMappingResponse(m.ApiMapping)
	return &out, nil
}

func (s *Service) GetApiMappings(ctx context.Context, in *api.GetApiMappingsRequest) (*api.GetApiMappingsResponse, error) {
	var all []*mappingRecord
	err := s.st.View(ctx, func(tx store.Tx) error {
		d, err := loadDomain(ctx, tx, in.DomainName)
		if err != nil {
			return err
		}
		all, err = store.ScanJSON[mappingRecord](tx, tAPIMappings, prefix(ctx, *d.DomainName))
		return err
	})
	if err != nil {
		return nil, err
	}
	items, next, err := page(all, func(m *mappingRecord) string { return *m.ApiMappingId }, in.MaxResults, in.NextToken)
	if err != nil {
		return nil, err
	}
	out := &api.GetApiMappingsResponse{Items: []api.ApiMapping{}, NextToken: next}
	for _, m := range items {
		out.Items = append(out.Items, m.ApiMapping)
	}
	return out, nil
}

func (s *Service) UpdateApiMapping(ctx context.Context, in *api.UpdateApiMappingRequest) (*api.UpdateApiMappingResponse, error) {
	var m *mappingRecord
	err := s.st.Update(ctx, func(tx store.Tx) error {
		d, err := loadDomain(ctx, tx, in.DomainName)
		if err != nil {
			return err
		}
		m, err = loadMapping(ctx, tx, *d.DomainName, in.ApiMappingId)
		if err != nil {
			return err
		}
		if in.ApiId != nil {
			m.ApiId = in.ApiId
		}
		if in.Stage != nil {
			m.Stage = in.Stage
		}
		if in.ApiMappingKey != nil {
			m.ApiMappingKey = optional(in.ApiMappingKey)
		}
		if err := checkMapping(ctx, tx, m); err != nil {
			return err
		}
		return store.PutJSON(tx, tAPIMappings, key(ctx, m.Domain, *m.ApiMappingId), m)
	})
	if err != nil {
		return nil, err
	}
	out := api.UpdateApiMappingResponse(m.ApiMapping)
	return &out, nil
}

func (s *Service) DeleteApiMapping(ctx context.Context, in *api.DeleteApiMappingRequest) error {
	return s.st.Update(ctx, func(tx store.Tx) error {
		d, err := loadDomain(ctx, tx, in.DomainName)
		if err != nil {
			return err
		}
		if _, err := loadMapping(ctx, tx, *d.DomainName, in.ApiMappingId); err != nil {
			return err
		}
		return tx.Delete(tAPIMappings, key(ctx, *d.DomainName, in.ApiMappingId))
	})
}

// VPC links (for private integrations of HTTP APIs). Nothing is
// provisioned: a link is AVAILABLE as soon as it is created.

func vpcLinkARN(ctx context.Context, id string) string {
	return "arn:aws:apigateway:" + region(ctx) + "::/vpclinks/" + id
}

func loadVpcLink(ctx context.Context, tx store.Tx, id string) (*api.VpcLink, error) {
	if !cleanKeyPart(id) {
		return nil, errNoChild("VpcLink", id)
	}
	return get[api.VpcLink](tx, tVpcLinks, key(ctx, id), errNoChild("VpcLink", id))
}

func vpcLinkOut(v *api.VpcLink) *api.VpcLink {
	if v.Tags == nil {
		v.Tags = map[string]string{}
	}
	if v.SecurityGroupIds == nil {
		v.SecurityGroupIds = []string{}
	}
	return v
}

func (s *Service) CreateVpcLink(ctx context.Context, in *api.CreateVpcLinkRequest) (*api.CreateVpcLinkResponse, error) {
	l := lengths{op: "createVpcLinkInput"}
	l.str("Name", in.Name, 1, 128)
	if err := l.err(); err != nil {
		return nil, err
	}
	if err := validateTags(in.Tags); err != nil {
		return nil, err
	}
	if len(in.SubnetIds) == 0 {
		return nil, badRequest("At least one subnet ID must be specified") // [?]
	}
	v := &api.VpcLink{
		VpcLinkId:            ptr(ids.Lower(6)),
		Name:                 in.Name,
		SubnetIds:            append([]string(nil), in.SubnetIds...),
		SecurityGroupIds:     append([]string{}, in.SecurityGroupIds...),
		Tags:                 cloneMap(in.Tags),
		CreatedDate:          s.now(),
		VpcLinkStatus:        ptr("AVAILABLE"),
		VpcLinkStatusMessage: ptr("VPC link is ready to route traffic"),
		VpcLinkVersion:       ptr("V2"),
	}
	err := s.st.Update(ctx, func(tx store.Tx) error {
		return store.PutJSON(tx, tVpcLinks, key(ctx, *v.VpcLinkId), v)
	})
	if err != nil {
		return nil, err
	}
	return (*api.CreateVpcLinkResponse)(vpcLinkOut(v)), nil
}

func (s *Service) GetVpcLink(ctx context.Context, in *api.GetVpcLinkRequest) (*api.GetVpcLinkResponse, error) {
	var v *api.VpcLink
	err := s.st.View(ctx, func(tx store.Tx) (err error) {
		v, err = loadVpcLink(ctx, tx, in.VpcLinkId)
		return err
	})
	if err != nil {
		return nil, err
	}
	return (*api.GetVpcLinkResponse)(vpcLinkOut(v)), nil
}

func (s *Service) GetVpcLinks(ctx context.Context, in *api.GetVpcLinksRequest) (*api.GetVpcLinksResponse, error) {
	var all []*api.VpcLink
	err := s.st.View(ctx, func(tx store.Tx) (err error) {
		all, err = store.ScanJSON[api.VpcLink](tx, tVpcLinks, prefix(ctx))
		return err
	})
	if err != nil {
		return nil, err
	}
	items, next, err := page(all, func(v *api.VpcLink) string { return *v.VpcLinkId }, in.MaxResults, in.NextToken)
	if err != nil {
		return nil, err
	}
	out := &api.GetVpcLinksResponse{Items: []api.VpcLink{}, NextToken: next}
	for _, v := range items {
		out.Items = append(out.Items, *vpcLinkOut(v))
	}
	return out, nil
}

func (s *Service) UpdateVpcLink(ctx context.Context, in *api.UpdateVpcLinkRequest) (*api.UpdateVpcLinkResponse, error) {
	l := lengths{op: "updateVpcLinkInput"}
	l.str("Name", in.Name, 1, 128)
	if err := l.err(); err != nil {
		return nil, err
	}
	var v *api.VpcLink
	err := s.st.Update(ctx, func(tx store.Tx) (err error) {
		v, err = loadVpcLink(ctx, tx, in.VpcLinkId)
		if err != nil {
			return err
		}
		if in.Name != nil {
			v.Name = in.Name
		}
		return store.PutJSON(tx, tVpcLinks, key(ctx, in.VpcLinkId), v)
	})
	if err != nil {
		return nil, err
	}
	return (*api.UpdateVpcLinkResponse)(vpcLinkOut(v)), nil
}

// DeleteVpcLink answers 202 with {} [M]. A link still used by a private
// integration stays [?: AWS refuses; wording unverified].
func (s *Service) DeleteVpcLink(ctx context.Context, in *api.DeleteVpcLinkRequest) (*api.DeleteVpcLinkResponse, error) {
	err := s.st.Update(ctx, func(tx store.Tx) error {
		if _, err := loadVpcLink(ctx, tx, in.VpcLinkId); err != nil {
			return err
		}
		integs, err := store.ScanJSON[api.Integration](tx, tIntegrations, prefix(ctx))
		if err != nil {
			return err
		}
		for _, i := range integs {
			if str(i.ConnectionType) == "VPC_LINK" && str(i.ConnectionId) == in.VpcLinkId {
				return conflict("Unable to delete VPC link %s because integration %s uses it", in.VpcLinkId, str(i.IntegrationId))
			}
		}
		return tx.Delete(tVpcLinks, key(ctx, in.VpcLinkId))
	})
	if err != nil {
		return nil, err
	}
	return &api.DeleteVpcLinkResponse{}, nil
}
