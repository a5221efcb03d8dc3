package apigateway

import (
	"context"

	api "github.com/stagecraft/stagecraft/internal/api/apigateway"
	"github.com/stagecraft/stagecraft/internal/ids"
	"github.com/stagecraft/stagecraft/internal/store"
)

// VPC links (v1): a link to a Network Load Balancer that VPC_LINK
// integrations name as connectionId. AWS creates the link asynchronously
// (PENDING, then AVAILABLE, answering CreateVpcLink with 202); nothing needs
// provisioning here, so a link is AVAILABLE from the start.

func acctErrNoLink() error { return notFound("Invalid VPC link identifier specified") } // [?] wording

func acctLink(ctx context.Context, tx store.Tx, id string) (*api.VpcLink, error) {
	if !acctPlain(id) {
		return nil, acctErrNoLink()
	}
	return get[api.VpcLink](tx, tVpcLinks, key(ctx, id), acctErrNoLink())
}

func (s *Service) CreateVpcLink(ctx context.Context, in *api.CreateVpcLinkRequest) (*api.VpcLink, error) {
	if err := validateTags(in.Tags); err != nil {
		return nil, err
	}
	l := &api.VpcLink{
		Id:          ptr(ids.Lower(6)),
		Name:        in.Name,
		Description: in.Description,
		TargetArns:  in.TargetArns,
		Status:      ptr("AVAILABLE"),
		Tags:        acctTags(in.Tags),
	}
	err := s.st.Update(ctx, func(tx store.Tx) error {
		return store.PutJSON(tx, tVpcLinks, key(ctx, *l.Id), l)
	})
	if err != nil {
		return nil, err
	}
	return l, nil
}

func (s *Service) GetVpcLink(ctx context.Context, in *api.GetVpcLinkRequest) (*api.VpcLink, error) {
	var out *api.VpcLink
	err := s.st.View(ctx, func(tx store.Tx) (err error) {
		out, err = acctLink(ctx, tx, in.VpcLinkId)
		return err
	})
	return out, err
}

func (s *Service) GetVpcLinks(ctx context.Context, in *api.GetVpcLinksRequest) (*api.VpcLinks, error) {
	var all []*api.VpcLink
	err := s.st.View(ctx, func(tx store.Tx) (err error) {
		all, err = store.ScanJSON[api.VpcLink](tx, tVpcLinks, prefix(ctx))
		return err
	})
	if err != nil {
		return nil, err
	}
	items, next, err := acctPage(all, func(l *api.VpcLink) string { return str(l.Id) }, in.Position, in.Limit)
	if err != nil {
		return nil, err
	}
	out := &api.VpcLinks{Items: []api.VpcLink{}, Position: next}
	for _, l := range items {
		out.Items = append(out.Items, *l)
	}
	return out, nil
}

// UpdateVpcLink supports replace on /name and /description [D].
var acctLinkPatch = []patchRule{
	{"/name", "replace", kString},
	{"/description", "replace", kString},
}

func (s *Service) UpdateVpcLink(ctx context.Context, in *api.UpdateVpcLinkRequest) (*api.VpcLink, error) {
	var out *api.VpcLink
	err := s.st.Update(ctx, func(tx store.Tx) error {
		l, err := acctLink(ctx, tx, in.VpcLinkId)
		if err != nil {
			return err
		}
		if err := applyPatch(l, in.PatchOperations, acctLinkPatch, nil); err != nil {
			return err
		}
		out = l
		return store.PutJSON(tx, tVpcLinks, key(ctx, in.VpcLinkId), l)
	})
	return out, err
}

func (s *Service) DeleteVpcLink(ctx context.Context, in *api.DeleteVpcLinkRequest) error {
	return s.st.Update(ctx, func(tx store.Tx) error {
		if _, err := acctLink(ctx, tx, in.VpcLinkId); err != nil {
			return err
		}
		return tx.Delete(tVpcLinks, key(ctx, in.VpcLinkId))
	})
}
