package apigatewayv2

import (
	"context"
	"strings"

	api "github.com/stagecraft/stagecraft/internal/api/apigatewayv2"
	"github.com/stagecraft/stagecraft/internal/store"
)

// Tags: TagResource (POST → 201 {}), UntagResource (DELETE → 204) and
// GetTags on the taggable resources, addressed by ARNs without an account
// [D]:
//
//	arn:aws:apigateway:{region}::/apis/{apiId}
//	arn:aws:apigateway:{region}::/apis/{apiId}/stages/{stageName}
//	arn:aws:apigateway:{region}::/domainnames/{domainName}
//	arn:aws:apigateway:{region}::/vpclinks/{vpcLinkId}
//	arn:aws:apigateway:{region}:{account}:/portals/{portalId}
//	arn:aws:apigateway:{region}:{account}:/portalproducts/{portalProductId}
//
// (portals and portal products carry the account in their ARNs, see
// portalproducts.go; the empty account is accepted for them too [?]).
// The ARN travels as one percent-encoded path label that the router
// decodes. Tags live in the resource's own `tags` map, so GetApi and
// GetStage show them; each operation loads, changes and stores the
// resource in one transaction. An ARN naming nothing gets 404 [?: text].

func errNoTagged(arn string) error {
	return notFound("Invalid resource identifier specified %s", arn)
}

// tagged loads the resource an ARN names and gives access to its tags.
type tagged struct {
	tags  *map[string]string
	store func() error
}

func resolveTagged(ctx context.Context, tx store.Tx, arn string) (*tagged, error) {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || parts[2] != "apigateway" || parts[3] != region(ctx) ||
		!strings.HasPrefix(parts[5], "/") {
		return nil, errNoTagged(arn)
	}
	segs := strings.Split(parts[5][1:], "/")
	for _, s := range segs {
		if s == "" {
			return nil, errNoTagged(arn)
		}
	}
	portalFamily := segs[0] == "portals" || segs[0] == "portalproducts"
	if parts[4] != "" && !(portalFamily && parts[4] == account(ctx)) {
		return nil, errNoTagged(arn)
	}
	edit := func(table, k string, rec any, tags *map[string]string) *tagged {
		return &tagged{tags: tags, store: func() error { return store.PutJSON(tx, table, k, rec) }}
	}
	switch {
	case len(segs) == 2 && segs[0] == "apis":
		k := key(ctx, segs[1])
		a, err := get[api.Api](tx, tAPIs, k, errNoTagged(arn))
		if err != nil {
			return nil, err
		}
		return edit(tAPIs, k, a, &a.Tags), nil
	case len(segs) == 4 && segs[0] == "apis" && segs[2] == "stages":
		k := key(ctx, segs[1], segs[3])
		st, err := get[api.Stage](tx, tStages, k, errNoTagged(arn))
		if err != nil {
			return nil, err
		}
		return edit(tStages, k, st, &st.Tags), nil
	case len(segs) == 2 && segs[0] == "domainnames":
		k := key(ctx, segs[1])
		d, err := get[api.DomainName](tx, tDomainNames, k, errNoTagged(arn))
		if err != nil {
			return nil, err
		}
		return edit(tDomainNames, k, d, &d.Tags), nil
	case len(segs) == 2 && segs[0] == "vpclinks":
		k := key(ctx, segs[1])
		v, err := get[api.VpcLink](tx, tVpcLinks, k, errNoTagged(arn))
		if err != nil {
			return nil, err
		}
		return edit(tVpcLinks, k, v, &v.Tags), nil
	case len(segs) == 2 && segs[0] == "portals":
		k := key(ctx, segs[1])
		p, err := get[portalRecord](tx, tPortals, k, errNoTagged(arn))
		if err != nil {
			return nil, err
		}
		return edit(tPortals, k, p, &p.Portal.Tags), nil
	case len(segs) == 2 && segs[0] == "portalproducts":
		k := key(ctx, segs[1])
		p, err := get[api.GetPortalProductResponse](tx, tPortalProducts, k, errNoTagged(arn))
		if err != nil {
			return nil, err
		}
		return edit(tPortalProducts, k, p, &p.Tags), nil
	}
	return nil, errNoTagged(arn)
}

func (s *Service) TagResource(ctx context.Context, in *api.TagResourceRequest) (*api.TagResourceResponse, error) {
	if err := validateTags(in.Tags); err != nil {
		return nil, err
	}
	err := s.st.Update(ctx, func(tx store.Tx) error {
		t, err := resolveTagged(ctx, tx, in.ResourceArn)
		if err != nil {
			return err
		}
		if *t.tags == nil {
			*t.tags = map[string]string{}
		}
		for k, v := range in.Tags {
			(*t.tags)[k] = v
		}
		return t.store()
	})
	if err != nil {
		return nil, err
	}
	return &api.TagResourceResponse{}, nil
}

func (s *Service) UntagResource(ctx context.Context, in *api.UntagResourceRequest) error {
	return s.st.Update(ctx, func(tx store.Tx) error {
		t, err := resolveTagged(ctx, tx, in.ResourceArn)
		if err != nil {
			return err
		}
		for _, k := range in.TagKeys {
			delete(*t.tags, k)
		}
		return t.store()
	})
}

func (s *Service) GetTags(ctx context.Context, in *api.GetTagsRequest) (*api.GetTagsResponse, error) {
	out := &api.GetTagsResponse{Tags: map[string]string{}}
	err := s.st.View(ctx, func(tx store.Tx) error {
		t, err := resolveTagged(ctx, tx, in.ResourceArn)
		if err != nil {
			return err
		}
		for k, v := range *t.tags {
			out.Tags[k] = v
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
