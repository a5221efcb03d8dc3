package apigatewayv2

import (
	"context"
	"strings"

	api "github.com/stagecraft/stagecraft/internal/api/apigatewayv2"
	"github.com/stagecraft/stagecraft/internal/ids"
	"github.com/stagecraft/stagecraft/internal/store"
	"github.com/stagecraft/stagecraft/internal/wire"
)

// Portals (CreatePortal and the rest): a portal is a web site of portal
// products (portalproducts.go) with its authorization, domain and theme
// [D: apigateway-portals]. Nothing is served: a portal is the record AWS
// would report, with the default domain AWS would give it.
//
// Publishing is immediate [?: AWS publishes and disables asynchronously,
// "a few minutes", through PUBLISH_IN_PROGRESS and DISABLE_IN_PROGRESS]:
// PublishPortal answers 202 with the portal already PUBLISHED (lastPublished
// set, its description the lastPublishedDescription), DisablePortal with it
// DISABLED, PreviewPortal with preview PREVIEW_READY and a preview URL. A
// new portal is DISABLED [D: apigateway-portals-create-portal]; a portal
// must be disabled before it is deleted [D: apigateway-portals-delete-portal].

const tPortals = "apigwv2.portals" // portalId → portalRecord

// Publish statuses (PublishStatus) and preview statuses used here.
const (
	statusPublished = "PUBLISHED"
	statusDisabled  = "DISABLED"
	previewReady    = "PREVIEW_READY"
)

// cloudFrontZone is the hosted zone of CloudFront distributions, which
// serve portals (a custom domain gets a CloudFront distribution [D:
// apigateway-portals-create-portal]) [?: portalDomainHostedZoneId].
const cloudFrontZone = "Z2FDTNDATAQYW2"

// portalRecord is a portal as stored: what GetPortal answers and the logo
// URI, which no output carries.
type portalRecord struct {
	Portal  api.PortalSummary `json:"portal"`
	LogoURI string            `json:"logoUri,omitempty"`
}

// portalARN carries the account like the portal product ARNs do [?].
func portalARN(ctx context.Context, id string) string {
	return "arn:aws:apigateway:" + region(ctx) + ":" + account(ctx) + ":/portals/" + id
}

// portalDefaultDomain is https://p-{portalId}.apigw-portal.{region}.on.aws
// without the scheme [D: apigateway-portals-create-portal].
func portalDefaultDomain(ctx context.Context, id string) string {
	return "p-" + id + ".apigw-portal." + region(ctx) + ".on.aws"
}

func errNoPortal(id string) error { return errNoChild("Portal", id) }

func loadPortal(ctx context.Context, tx store.Tx, id string) (*portalRecord, error) {
	if !cleanKeyPart(id) {
		return nil, errNoPortal(id)
	}
	return get[portalRecord](tx, tPortals, key(ctx, id), errNoPortal(id))
}

// portalOut is a portal as clients see it: tags and included products
// always present.
func portalOut(r *portalRecord) api.PortalSummary {
	out := r.Portal
	if out.Tags == nil {
		out.Tags = map[string]string{}
	}
	if out.IncludedPortalProductArns == nil {
		out.IncludedPortalProductArns = []string{}
	}
	return out
}

// checkAuthorization accepts exactly one of cognitoConfig and none; a
// user pool is named by its ARN. Wording of the errors [?].
func checkAuthorization(a *api.Authorization) error {
	if (a.CognitoConfig == nil) == (a.None == nil) {
		return badRequest("Exactly one of cognitoConfig and none must be specified for authorization")
	}
	if c := a.CognitoConfig; c != nil {
		if arn := str(c.UserPoolArn); !strings.HasPrefix(arn, "arn:aws:cognito-idp:") || !strings.Contains(arn, ":userpool/") {
			return badRequest("Invalid userPoolArn specified: %s", arn)
		}
	}
	return nil
}

// portalEndpoint checks an endpoint configuration and gives the one the
// portal reports: its default domain always, the custom domain and
// certificate when acmManaged. A custom domain's certificate must be an
// ACM certificate in us-east-1 [D: apigateway-portals-create-portal].
func portalEndpoint(ctx context.Context, id string, e *api.EndpointConfigurationRequest) (*api.EndpointConfigurationResponse, error) {
	if (e.AcmManaged == nil) == (e.None == nil) {
		return nil, badRequest("Exactly one of acmManaged and none must be specified for endpointConfiguration")
	}
	out := &api.EndpointConfigurationResponse{
		PortalDefaultDomainName:  ptr(portalDefaultDomain(ctx, id)),
		PortalDomainHostedZoneId: ptr(cloudFrontZone),
	}
	if m := e.AcmManaged; m != nil {
		d := strings.ToLower(str(m.DomainName))
		if !domainNameRE.MatchString(d) || strings.HasPrefix(d, "*.") {
			return nil, badRequest("Invalid domain name specified: %s", str(m.DomainName))
		}
		if c := str(m.CertificateArn); !strings.HasPrefix(c, "arn:aws:acm:us-east-1:") || !strings.Contains(c, ":certificate/") {
			return nil, badRequest("Invalid certificateArn specified: %s. The certificate of a portal's domain name must be an ACM certificate in us-east-1", c)
		}
		out.DomainName, out.CertificateArn = ptr(d), m.CertificateArn
	}
	return out, nil
}

// checkPortalDomain refuses a custom domain name another portal (of any
// account: CloudFront aliases are global) already has [D: "must be
// unique"]. CreatePortal has no ConflictException, so 400 for both [?].
func checkPortalDomain(tx store.Tx, e *api.EndpointConfigurationResponse, selfARN string) error {
	if e.DomainName == nil {
		return nil
	}
	all, err := store.ScanJSON[portalRecord](tx, tPortals, "")
	if err != nil {
		return err
	}
	for _, o := range all {
		if oe := o.Portal.EndpointConfiguration; oe != nil && str(oe.DomainName) == *e.DomainName && str(o.Portal.PortalArn) != selfARN {
			return badRequest("Domain name %s is already used by another portal", *e.DomainName)
		}
	}
	return nil
}

// checkIncludedProducts accepts ARNs of portal products in the portal's
// region [D: apigateway-portals] that are the caller's own or shared with
// the caller, each once. 400s: CreatePortal has no NotFoundException.
func checkIncludedProducts(ctx context.Context, tx store.Tx, arns []string) error {
	seen := map[string]bool{}
	for _, a := range arns {
		reg, acct, id, ok := parseProductARN(a)
		if !ok {
			return badRequest("Invalid portal product ARN specified: %s", a)
		}
		if reg != region(ctx) {
			return badRequest("Portal product %s is in region %s: a portal can only include portal products of its own region %s", a, reg, region(ctx))
		}
		if seen[a] {
			return badRequest("Portal product %s is included more than once", a)
		}
		seen[a] = true
		octx := asAccount(ctx, acct)
		if ok, err := exists(tx, tPortalProducts, key(octx, id)); err != nil {
			return err
		} else if !ok {
			return badRequest("Portal product %s does not exist", a)
		}
		if acct != account(ctx) {
			if ok, err := sharedWith(octx, tx, id, account(ctx)); err != nil {
				return err
			} else if !ok {
				return badRequest("Portal product %s is not shared with account %s", a, account(ctx))
			}
		}
	}
	return nil
}

// setLogo records a logo URI; lastLogoUploaded follows it [?: the time
// AWS reports is its own too, not the client's].
func (s *Service) setLogo(r *portalRecord, uri *string) {
	if uri != nil {
		r.LogoURI = *uri
	}
	th := r.Portal.PortalContent.Theme
	if th == nil {
		th = &api.PortalTheme{}
		r.Portal.PortalContent.Theme = th
	}
	switch {
	case r.LogoURI == "":
		th.LogoLastUploaded = wire.ISOTime{}
	case uri != nil:
		th.LogoLastUploaded = s.now()
	}
}

func (s *Service) CreatePortal(ctx context.Context, in *api.CreatePortalRequest) (*api.CreatePortalResponse, error) {
	if err := checkAuthorization(in.Authorization); err != nil {
		return nil, err
	}
	if err := validateTags(in.Tags); err != nil {
		return nil, err
	}
	id := ids.Lower(10)
	ep, err := portalEndpoint(ctx, id, in.EndpointConfiguration)
	if err != nil {
		return nil, err
	}
	content := *in.PortalContent
	r := &portalRecord{Portal: api.PortalSummary{
		Authorization:             in.Authorization,
		EndpointConfiguration:     ep,
		IncludedPortalProductArns: append([]string{}, in.IncludedPortalProductArns...),
		LastModified:              s.now(),
		PortalArn:                 ptr(portalARN(ctx, id)),
		PortalContent:             &content,
		PortalId:                  ptr(id),
		PublishStatus:             ptr(statusDisabled),
		RumAppMonitorName:         optional(in.RumAppMonitorName),
		Tags:                      cloneMap(in.Tags),
	}}
	if in.PortalContent.Theme != nil {
		th := *in.PortalContent.Theme
		content.Theme = &th
	}
	s.setLogo(r, in.LogoUri)
	err = s.st.Update(ctx, func(tx store.Tx) error {
		if err := checkPortalDomain(tx, ep, ""); err != nil {
			return err
		}
		if err := checkIncludedProducts(ctx, tx, in.IncludedPortalProductArns); err != nil {
			return err
		}
		return store.PutJSON(tx, tPortals, key(ctx, id), r)
	})
	if err != nil {
		return nil, err
	}
	p := portalOut(r)
	return &api.CreatePortalResponse{Authorization: p.Authorization, EndpointConfiguration: p.EndpointConfiguration,
		IncludedPortalProductArns: p.IncludedPortalProductArns, LastModified: p.LastModified, LastPublished: p.LastPublished,
		LastPublishedDescription: p.LastPublishedDescription, PortalArn: p.PortalArn, PortalContent: p.PortalContent,
		PortalId: p.PortalId, PublishStatus: p.PublishStatus, RumAppMonitorName: p.RumAppMonitorName,
		StatusException: p.StatusException, Tags: p.Tags}, nil
}

func (s *Service) GetPortal(ctx context.Context, in *api.GetPortalRequest) (*api.GetPortalResponse, error) {
	var r *portalRecord
	err := s.st.View(ctx, func(tx store.Tx) (err error) {
		r, err = loadPortal(ctx, tx, in.PortalId)
		return err
	})
	if err != nil {
		return nil, err
	}
	out := api.GetPortalResponse(portalOut(r))
	return &out, nil
}

func (s *Service) ListPortals(ctx context.Context, in *api.ListPortalsRequest) (*api.ListPortalsResponse, error) {
	var all []*portalRecord
	err := s.st.View(ctx, func(tx store.Tx) (err error) {
		all, err = store.ScanJSON[portalRecord](tx, tPortals, prefix(ctx))
		return err
	})
	if err != nil {
		return nil, err
	}
	items, next, err := page(all, func(r *portalRecord) string { return str(r.Portal.PortalId) }, in.MaxResults, in.NextToken)
	if err != nil {
		return nil, err
	}
	out := &api.ListPortalsResponse{Items: []api.PortalSummary{}, NextToken: next}
	for _, r := range items {
		out.Items = append(out.Items, portalOut(r))
	}
	return out, nil
}

// UpdatePortal changes the members given: includedPortalProductArns
// replaces the list ([] empties it), "" clears logoUri and
// rumAppMonitorName. A published portal stays published; its visitors see
// the changes once it is published again [D: apigateway-portals-portal-product].
func (s *Service) UpdatePortal(ctx context.Context, in *api.UpdatePortalRequest) (*api.UpdatePortalResponse, error) {
	if in.Authorization != nil {
		if err := checkAuthorization(in.Authorization); err != nil {
			return nil, err
		}
	}
	var r *portalRecord
	err := s.st.Update(ctx, func(tx store.Tx) (err error) {
		r, err = loadPortal(ctx, tx, in.PortalId)
		if err != nil {
			return err
		}
		p := &r.Portal
		if in.Authorization != nil {
			p.Authorization = in.Authorization
		}
		if in.EndpointConfiguration != nil {
			ep, err := portalEndpoint(ctx, in.PortalId, in.EndpointConfiguration)
			if err != nil {
				return err
			}
			if err := checkPortalDomain(tx, ep, str(p.PortalArn)); err != nil {
				return err
			}
			p.EndpointConfiguration = ep
		}
		if in.IncludedPortalProductArns != nil {
			if err := checkIncludedProducts(ctx, tx, in.IncludedPortalProductArns); err != nil {
				return err
			}
			p.IncludedPortalProductArns = append([]string{}, in.IncludedPortalProductArns...)
		}
		if in.PortalContent != nil {
			last := wire.ISOTime{}
			if p.PortalContent != nil && p.PortalContent.Theme != nil {
				last = p.PortalContent.Theme.LogoLastUploaded
			}
			content := *in.PortalContent
			th := api.PortalTheme{}
			if content.Theme != nil {
				th = *content.Theme
			}
			th.LogoLastUploaded = last
			content.Theme = &th
			p.PortalContent = &content
		}
		if in.RumAppMonitorName != nil {
			p.RumAppMonitorName = optional(in.RumAppMonitorName)
		}
		s.setLogo(r, in.LogoUri)
		p.LastModified = s.now()
		return store.PutJSON(tx, tPortals, key(ctx, in.PortalId), r)
	})
	if err != nil {
		return nil, err
	}
	out := api.UpdatePortalResponse(portalOut(r))
	return &out, nil
}

// DeletePortal deletes a disabled portal. A published one answers 400
// (the model gives DeletePortal no ConflictException) [?: wording]; an
// unknown id 404 although the model lists no NotFoundException for
// DeletePortal [?].
func (s *Service) DeletePortal(ctx context.Context, in *api.DeletePortalRequest) error {
	return s.st.Update(ctx, func(tx store.Tx) error {
		r, err := loadPortal(ctx, tx, in.PortalId)
		if err != nil {
			return err
		}
		if str(r.Portal.PublishStatus) == statusPublished {
			return badRequest("Portal %s is published. Disable it before deleting it", in.PortalId)
		}
		return tx.Delete(tPortals, key(ctx, in.PortalId))
	})
}

// publishable checks that every product a portal includes still exists and
// is still shared with the portal's owner: an unshared product blocks
// publishing and previewing until the portal drops it [D:
// apigateway-portals-share-products].
func publishable(ctx context.Context, tx store.Tx, r *portalRecord) error {
	return checkIncludedProducts(ctx, tx, r.Portal.IncludedPortalProductArns)
}

// changePortal loads portal id, lets change modify it and stores it, in one
// transaction; change's error aborts.
func (s *Service) changePortal(ctx context.Context, id string, change func(tx store.Tx, r *portalRecord) error) error {
	return s.st.Update(ctx, func(tx store.Tx) error {
		r, err := loadPortal(ctx, tx, id)
		if err != nil {
			return err
		}
		if err := change(tx, r); err != nil {
			return err
		}
		return store.PutJSON(tx, tPortals, key(ctx, id), r)
	})
}

func (s *Service) PublishPortal(ctx context.Context, in *api.PublishPortalRequest) (*api.PublishPortalResponse, error) {
	err := s.changePortal(ctx, in.PortalId, func(tx store.Tx, r *portalRecord) error {
		if err := publishable(ctx, tx, r); err != nil {
			return err
		}
		p := &r.Portal
		p.PublishStatus = ptr(statusPublished)
		p.LastPublished = s.now()
		p.LastPublishedDescription = in.Description
		p.StatusException = nil
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &api.PublishPortalResponse{}, nil
}

// DisablePortal takes a published portal off the web. A portal that is
// not published answers 409 [?: wording, and whether AWS refuses it].
func (s *Service) DisablePortal(ctx context.Context, in *api.DisablePortalRequest) error {
	return s.changePortal(ctx, in.PortalId, func(_ store.Tx, r *portalRecord) error {
		if str(r.Portal.PublishStatus) != statusPublished {
			return conflict("Portal %s is not published: its publish status is %s", in.PortalId, str(r.Portal.PublishStatus))
		}
		r.Portal.PublishStatus = ptr(statusDisabled)
		return nil
	})
}

// PreviewPortal makes a preview at once: PREVIEW_READY with a URL on the
// portal's default domain, new for each preview (AWS's are short-lived)
// [?: URL form].
func (s *Service) PreviewPortal(ctx context.Context, in *api.PreviewPortalRequest) (*api.PreviewPortalResponse, error) {
	err := s.changePortal(ctx, in.PortalId, func(tx store.Tx, r *portalRecord) error {
		if err := publishable(ctx, tx, r); err != nil {
			return err
		}
		r.Portal.Preview = &api.Preview{
			PreviewStatus: ptr(previewReady),
			PreviewUrl:    ptr("https://" + portalDefaultDomain(ctx, in.PortalId) + "/preview/" + ids.Lower(16)),
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &api.PreviewPortalResponse{}, nil
}
