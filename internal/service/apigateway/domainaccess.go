package apigateway

import (
	"context"
	"strings"

	api "github.com/stagecraft/stagecraft/internal/api/apigateway"
	"github.com/stagecraft/stagecraft/internal/store"
)

// Domain name access associations: a VPC endpoint (the access association
// source) allowed to invoke a private custom domain name [D:
// apigateway-private-custom-domains]. Nothing is provisioned; the record
// is what the API shows.
//
// An association belongs to the account that created it (the VPC
// endpoint's owner) and is listed there with resourceOwner SELF; when the
// domain name belongs to another account, an index row in the domain
// owner's scope (tDomainAccessIn) lists it there with resourceOwner
// OTHER_ACCOUNTS and lets the owner reject it.
//
// ARN [D: CLI example create-domain-name-access-association]:
// arn:aws:apigateway:{region}:{account}:/domainnameaccessassociations/domainname/{domainName}+{domainNameId}/vpcesource/{vpceId},
// {account} being the association's owner.

func errNoAccessAssociation() error {
	return notFound("Invalid domain name access association identifier specified") // [?] wording
}

// acctPrivateDomainArn is a private domain name's ARN: unlike a public
// one it carries the account and the domainNameId [D].
func acctPrivateDomainArn(ctx context.Context, name, id string) string {
	return "arn:aws:apigateway:" + region(ctx) + ":" + account(ctx) + ":/domainnames/" + name + "+" + id
}

// acctParseDomainArn splits a private domain name's ARN into the owning
// account, the name and the domainNameId; ok is false for anything else
// in this region (a public domain name's ARN has no account and no id).
func acctParseDomainArn(ctx context.Context, arn string) (acct, name, id string, ok bool) {
	p := "arn:aws:apigateway:" + region(ctx) + ":"
	rest, found := strings.CutPrefix(arn, p)
	if !found {
		return "", "", "", false
	}
	acct, rest, found = strings.Cut(rest, ":/domainnames/")
	if !found {
		return "", "", "", false
	}
	name, id, found = strings.Cut(rest, "+")
	return acct, name, id, found && acct != "" && name != "" && id != "" && !strings.ContainsAny(name+id, "/+")
}

// acctAssocOwner is the account in an association ARN.
func acctAssocOwner(arn string) string {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 {
		return ""
	}
	return parts[4]
}

// acctAccessDomain loads the domain name an ARN names (in whichever
// account owns it) and checks that it is private.
func acctAccessDomain(ctx context.Context, tx store.Tx, arn string) (owner string, d *api.DomainName, err error) {
	owner, name, id, ok := acctParseDomainArn(ctx, arn)
	if !ok {
		// A public domain name's ARN: say why rather than "not found".
		if strings.HasPrefix(arn, "arn:aws:apigateway:"+region(ctx)+"::/domainnames/") {
			pub := strings.TrimPrefix(arn, "arn:aws:apigateway:"+region(ctx)+"::/domainnames/")
			if acctPlain(pub) {
				if found, err := exists(tx, tDomainNames, key(ctx, pub)); err != nil {
					return "", nil, err
				} else if found {
					return "", nil, errNotPrivateDomain()
				}
			}
		}
		return "", nil, acctErrNoDomain()
	}
	if !acctPlain(name) {
		return "", nil, acctErrNoDomain()
	}
	d, err = get[api.DomainName](tx, tDomainNames, store.Key(owner, region(ctx), name), acctErrNoDomain())
	if err != nil {
		return "", nil, err
	}
	if str(d.DomainNameId) != id {
		return "", nil, acctErrNoDomain()
	}
	return owner, d, nil
}

func errNotPrivateDomain() error {
	// [?] wording; AWS answers BadRequestException for a public domain.
	return badRequest("Domain name access associations can only be created for private custom domain names.")
}

func (s *Service) CreateDomainNameAccessAssociation(ctx context.Context, in *api.CreateDomainNameAccessAssociationRequest) (*api.DomainNameAccessAssociation, error) {
	if err := validateTags(in.Tags); err != nil {
		return nil, err
	}
	src := str(in.AccessAssociationSource)
	if !strings.HasPrefix(src, "vpce-") || len(src) <= len("vpce-") || strings.ContainsAny(src, "/+: ") {
		return nil, badRequest("Invalid VPC endpoint identifier specified: %s", src) // [?] wording
	}
	var out *api.DomainNameAccessAssociation
	err := s.st.Update(ctx, func(tx store.Tx) error {
		owner, d, err := acctAccessDomain(ctx, tx, str(in.DomainNameArn))
		if err != nil {
			return err
		}
		if !isPrivateDomain(d) {
			return errNotPrivateDomain()
		}
		arn := "arn:aws:apigateway:" + region(ctx) + ":" + account(ctx) + ":/domainnameaccessassociations/domainname/" +
			str(d.DomainName) + "+" + str(d.DomainNameId) + "/vpcesource/" + src
		taken, err := exists(tx, tDomainAccess, key(ctx, arn))
		if err != nil {
			return err
		}
		if taken {
			return conflict("Domain name access association already exists for this domain name and access association source") // [?] wording
		}
		out = &api.DomainNameAccessAssociation{
			DomainNameAccessAssociationArn: ptr(arn),
			DomainNameArn:                  d.DomainNameArn,
			AccessAssociationSourceType:    in.AccessAssociationSourceType,
			AccessAssociationSource:        ptr(src),
			Tags:                           acctTags(in.Tags),
		}
		if owner != account(ctx) {
			if err := store.PutJSON(tx, tDomainAccessIn, store.Key(owner, region(ctx), arn), out); err != nil {
				return err
			}
		}
		return store.PutJSON(tx, tDomainAccess, key(ctx, arn), out)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func isPrivateDomain(d *api.DomainName) bool {
	if d.DomainNameId == nil || d.EndpointConfiguration == nil {
		return false
	}
	for _, t := range d.EndpointConfiguration.Types {
		if t == "PRIVATE" {
			return true
		}
	}
	return false
}

// GetDomainNameAccessAssociations lists the caller's associations (SELF,
// the default) or those other accounts made with the caller's domain
// names (OTHER_ACCOUNTS), in ARN order.
func (s *Service) GetDomainNameAccessAssociations(ctx context.Context, in *api.GetDomainNameAccessAssociationsRequest) (*api.DomainNameAccessAssociations, error) {
	table := tDomainAccess
	switch str(in.ResourceOwner) {
	case "", "SELF":
	case "OTHER_ACCOUNTS":
		table = tDomainAccessIn
	default:
		return nil, badRequest("Invalid resourceOwner: %s. Valid values are SELF and OTHER_ACCOUNTS", str(in.ResourceOwner)) // [?] wording
	}
	var all []*api.DomainNameAccessAssociation
	err := s.st.View(ctx, func(tx store.Tx) (err error) {
		all, err = store.ScanJSON[api.DomainNameAccessAssociation](tx, table, prefix(ctx))
		return err
	})
	if err != nil {
		return nil, err
	}
	items, next, err := acctPage(all, func(a *api.DomainNameAccessAssociation) string { return str(a.DomainNameAccessAssociationArn) }, in.Position, in.Limit)
	if err != nil {
		return nil, err
	}
	out := &api.DomainNameAccessAssociations{Items: []api.DomainNameAccessAssociation{}, Position: next}
	for _, a := range items {
		out.Items = append(out.Items, *a)
	}
	return out, nil
}

// DeleteDomainNameAccessAssociation removes one of the caller's own
// associations (another account's is rejected instead).
func (s *Service) DeleteDomainNameAccessAssociation(ctx context.Context, in *api.DeleteDomainNameAccessAssociationRequest) error {
	arn := in.DomainNameAccessAssociationArn
	return s.st.Update(ctx, func(tx store.Tx) error {
		a, err := get[api.DomainNameAccessAssociation](tx, tDomainAccess, key(ctx, arn), errNoAccessAssociation())
		if err != nil {
			return err
		}
		if owner, _, _, ok := acctParseDomainArn(ctx, str(a.DomainNameArn)); ok && owner != account(ctx) {
			if err := tx.Delete(tDomainAccessIn, store.Key(owner, region(ctx), arn)); err != nil {
				return err
			}
		}
		return tx.Delete(tDomainAccess, key(ctx, arn))
	})
}

// RejectDomainNameAccessAssociation is the domain owner's removal of an
// association another account made with one of its domain names.
func (s *Service) RejectDomainNameAccessAssociation(ctx context.Context, in *api.RejectDomainNameAccessAssociationRequest) error {
	arn, domainArn := str(in.DomainNameAccessAssociationArn), str(in.DomainNameArn)
	return s.st.Update(ctx, func(tx store.Tx) error {
		a, err := get[api.DomainNameAccessAssociation](tx, tDomainAccessIn, key(ctx, arn), errNoAccessAssociation())
		if err != nil {
			return err
		}
		if str(a.DomainNameArn) != domainArn {
			return errNoAccessAssociation()
		}
		if err := tx.Delete(tDomainAccess, store.Key(acctAssocOwner(arn), region(ctx), arn)); err != nil {
			return err
		}
		return tx.Delete(tDomainAccessIn, key(ctx, arn))
	})
}
