package apigatewayv2

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"regexp"
	"strings"

	api "github.com/stagecraft/stagecraft/internal/api/apigatewayv2"
	"github.com/stagecraft/stagecraft/internal/ids"
	"github.com/stagecraft/stagecraft/internal/store"
	"github.com/stagecraft/stagecraft/internal/wire"
)

// Portal products (CreatePortalProduct and the rest) and their sharing
// policies. A portal product groups product pages (markdown documentation,
// productpages.go) and product REST endpoint pages (one REST API method in
// a stage each) [D: apigateway-portals-portal-product]; its display order
// arranges those pages; portals include products by ARN (portals.go).
//
// A product can be shared with other accounts: its sharing policy is a
// resource policy naming the accounts (Principal) that may read it and
// include it in their portals. Reads that take resourceOwnerAccountId
// (GetPortalProduct, GetProductPage, GetProductRestEndpointPage and the
// two page lists) and ListPortalProducts with resourceOwner=OTHER_ACCOUNTS
// see other accounts' products that way; changing a product is its
// owner's alone. AWS shares products through AWS RAM [D:
// apigateway-portals-share-products]; here the policy document is the
// whole mechanism [?].

const (
	tPortalProducts = "apigwv2.portalproducts" // portalProductId → api.GetPortalProductResponse
	tProductSharing = "apigwv2.productsharing" // portalProductId → api.GetPortalProductSharingPolicyResponse
)

// Values of ListPortalProducts' resourceOwner [?: the model documents the
// member but not its values].
const (
	ownerSelf   = "SELF"
	ownerOthers = "OTHER_ACCOUNTS"
)

// portalProductARN carries the owner's account, as AWS RAM's example
// resource ARN does (arn:aws:apigateway:us-west-2:111122223333:/portalproducts/p000000000)
// [D: apigateway-portals-share-products].
func portalProductARN(ctx context.Context, id string) string {
	return "arn:aws:apigateway:" + region(ctx) + ":" + account(ctx) + ":/portalproducts/" + id
}

var productARNRE = regexp.MustCompile(`^arn:aws:apigateway:([a-z0-9-]+):(\d{12}):/portalproducts/([a-z0-9]+)$`)

// parseProductARN splits a portal product ARN into region, account and id.
func parseProductARN(arn string) (reg, acct, id string, ok bool) {
	m := productARNRE.FindStringSubmatch(arn)
	if m == nil {
		return "", "", "", false
	}
	return m[1], m[2], m[3], true
}

func errNoProduct(id string) error { return errNoChild("PortalProduct", id) }

// asAccount is ctx with its account replaced, for reading another
// account's product in the same region.
func asAccount(ctx context.Context, acct string) context.Context {
	sc := wire.ScopeFrom(ctx)
	sc.Account = acct
	return wire.WithScope(ctx, sc)
}

// loadProduct reads one of the caller's portal products.
func loadProduct(ctx context.Context, tx store.Tx, id string) (*api.GetPortalProductResponse, error) {
	if !cleanKeyPart(id) {
		return nil, errNoProduct(id)
	}
	return get[api.GetPortalProductResponse](tx, tPortalProducts, key(ctx, id), errNoProduct(id))
}

var accountRE = regexp.MustCompile(`^\d{12}$`)

// readableProduct loads a product for a read that may name its owner
// (resourceOwnerAccountId). It returns the product and a context scoped to
// the owner's account, in which the product's pages are looked up. Another
// account's product is readable when its sharing policy allows the
// caller's account; otherwise the answer is 403 [?: AWS's answer to an
// unshared product is unverified].
func readableProduct(ctx context.Context, tx store.Tx, owner *string, id string) (context.Context, *api.GetPortalProductResponse, error) {
	o := str(owner)
	if o == "" || o == account(ctx) {
		p, err := loadProduct(ctx, tx, id)
		return ctx, p, err
	}
	if !accountRE.MatchString(o) {
		return nil, nil, badRequest("Invalid resourceOwnerAccountId specified: %s. Must be a 12-digit AWS account ID", o)
	}
	octx := asAccount(ctx, o)
	p, err := loadProduct(octx, tx, id)
	if err != nil {
		return nil, nil, err
	}
	ok, err := sharedWith(octx, tx, id, account(ctx))
	if err != nil {
		return nil, nil, err
	}
	if !ok {
		return nil, nil, api.NewAccessDeniedException("Portal product %s of account %s is not shared with account %s", id, o, account(ctx))
	}
	return octx, p, nil
}

// sharedWith reports whether the sharing policy of product id (in ctx's
// account) allows account acct.
func sharedWith(ctx context.Context, tx store.Tx, id, acct string) (bool, error) {
	sp, err := store.GetJSON[api.GetPortalProductSharingPolicyResponse](tx, tProductSharing, key(ctx, id))
	if errors.Is(err, store.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	pol, err := parseSharingPolicy(str(sp.PolicyDocument))
	if err != nil {
		return false, nil // stored policies were checked when put
	}
	return pol.allows(acct), nil
}

func productOut(p *api.GetPortalProductResponse) api.GetPortalProductResponse {
	out := *p
	if out.Tags == nil {
		out.Tags = map[string]string{}
	}
	if out.DisplayOrder == nil {
		out.DisplayOrder = &api.DisplayOrder{}
	}
	d := *out.DisplayOrder
	if d.Contents == nil {
		d.Contents = []api.Section{}
	}
	if d.ProductPageArns == nil {
		d.ProductPageArns = []string{}
	}
	out.DisplayOrder = &d
	return out
}

func productSummary(p *api.GetPortalProductResponse) api.PortalProductSummary {
	o := productOut(p)
	return api.PortalProductSummary{Description: o.Description, DisplayName: o.DisplayName, LastModified: o.LastModified,
		PortalProductArn: o.PortalProductArn, PortalProductId: o.PortalProductId, Tags: o.Tags}
}

func (s *Service) CreatePortalProduct(ctx context.Context, in *api.CreatePortalProductRequest) (*api.CreatePortalProductResponse, error) {
	if err := validateTags(in.Tags); err != nil {
		return nil, err
	}
	id := ids.Lower(10)
	desc := in.Description
	if desc == nil {
		// The summary in ListPortalProducts requires a description [M];
		// a product created without one has "" [?].
		desc = ptr("")
	}
	p := &api.GetPortalProductResponse{
		Description:      desc,
		DisplayName:      in.DisplayName,
		DisplayOrder:     &api.DisplayOrder{},
		LastModified:     s.now(),
		PortalProductArn: ptr(portalProductARN(ctx, id)),
		PortalProductId:  ptr(id),
		Tags:             cloneMap(in.Tags),
	}
	err := s.st.Update(ctx, func(tx store.Tx) error {
		return store.PutJSON(tx, tPortalProducts, key(ctx, id), p)
	})
	if err != nil {
		return nil, err
	}
	out := api.CreatePortalProductResponse(productOut(p))
	return &out, nil
}

func (s *Service) GetPortalProduct(ctx context.Context, in *api.GetPortalProductRequest) (*api.GetPortalProductResponse, error) {
	var p *api.GetPortalProductResponse
	err := s.st.View(ctx, func(tx store.Tx) (err error) {
		_, p, err = readableProduct(ctx, tx, in.ResourceOwnerAccountId, in.PortalProductId)
		return err
	})
	if err != nil {
		return nil, err
	}
	out := productOut(p)
	return &out, nil
}

// ListPortalProducts lists the caller's products, or with
// resourceOwner=OTHER_ACCOUNTS the products of other accounts in the
// region whose sharing policy allows the caller.
func (s *Service) ListPortalProducts(ctx context.Context, in *api.ListPortalProductsRequest) (*api.ListPortalProductsResponse, error) {
	owner := str(in.ResourceOwner)
	if owner == "" {
		owner = ownerSelf
	}
	if owner != ownerSelf && owner != ownerOthers {
		return nil, badRequest("Invalid resourceOwner specified: %s. Must be one of [%s, %s]", owner, ownerSelf, ownerOthers)
	}
	type listed struct {
		key, owner string
		p          *api.GetPortalProductResponse
	}
	var all []listed
	err := s.st.View(ctx, func(tx store.Tx) error {
		if owner == ownerSelf {
			ps, err := store.ScanJSON[api.GetPortalProductResponse](tx, tPortalProducts, prefix(ctx))
			for _, p := range ps {
				all = append(all, listed{str(p.PortalProductId), account(ctx), p})
			}
			return err
		}
		// Every account's products, in key order (account/region/id).
		var decErr error
		err := tx.Scan(tPortalProducts, "", func(k string, v []byte) bool {
			parts := strings.SplitN(k, "/", 3)
			if len(parts) != 3 || parts[0] == account(ctx) || parts[1] != region(ctx) {
				return true
			}
			p := new(api.GetPortalProductResponse)
			if decErr = json.Unmarshal(v, p); decErr != nil {
				return false
			}
			all = append(all, listed{parts[0] + "/" + parts[2], parts[0], p})
			return true
		})
		if err != nil || decErr != nil {
			return errors.Join(err, decErr)
		}
		shared := all[:0]
		for _, l := range all {
			ok, err := sharedWith(asAccount(ctx, l.owner), tx, str(l.p.PortalProductId), account(ctx))
			if err != nil {
				return err
			}
			if ok {
				shared = append(shared, l)
			}
		}
		all = shared
		return nil
	})
	if err != nil {
		return nil, err
	}
	items, next, err := page(all, func(l listed) string { return l.key }, in.MaxResults, in.NextToken)
	if err != nil {
		return nil, err
	}
	out := &api.ListPortalProductsResponse{Items: []api.PortalProductSummary{}, NextToken: next}
	for _, l := range items {
		out.Items = append(out.Items, productSummary(l.p))
	}
	return out, nil
}

func (s *Service) UpdatePortalProduct(ctx context.Context, in *api.UpdatePortalProductRequest) (*api.UpdatePortalProductResponse, error) {
	var p *api.GetPortalProductResponse
	err := s.st.Update(ctx, func(tx store.Tx) (err error) {
		p, err = loadProduct(ctx, tx, in.PortalProductId)
		if err != nil {
			return err
		}
		if in.DisplayName != nil {
			p.DisplayName = in.DisplayName
		}
		if in.Description != nil {
			p.Description = in.Description
		}
		if in.DisplayOrder != nil {
			if err := checkDisplayOrder(ctx, tx, in.PortalProductId, in.DisplayOrder); err != nil {
				return err
			}
			p.DisplayOrder = in.DisplayOrder
		}
		p.LastModified = s.now()
		return store.PutJSON(tx, tPortalProducts, key(ctx, in.PortalProductId), p)
	})
	if err != nil {
		return nil, err
	}
	out := api.UpdatePortalProductResponse(productOut(p))
	return &out, nil
}

// checkDisplayOrder accepts a display order whose ARNs name pages of this
// product, each page at most once: the overview page and productPageArns
// product pages, the sections product REST endpoint pages, the sections
// with distinct names. Wording of the errors [?].
func checkDisplayOrder(ctx context.Context, tx store.Tx, productID string, d *api.DisplayOrder) error {
	pages, err := store.ScanJSON[api.GetProductPageResponse](tx, tProductPages, prefix(ctx, productID))
	if err != nil {
		return err
	}
	isPage := map[string]bool{}
	for _, pg := range pages {
		isPage[str(pg.ProductPageArn)] = true
	}
	rests, err := store.ScanJSON[restPageRecord](tx, tProductRESTPages, prefix(ctx, productID))
	if err != nil {
		return err
	}
	isRest := map[string]bool{}
	for _, r := range rests {
		isRest[r.ARN] = true
	}
	if o := str(d.OverviewPageArn); d.OverviewPageArn != nil && !isPage[o] {
		return badRequest("Invalid overviewPageArn specified: %s is not a product page of portal product %s", o, productID)
	}
	seen := map[string]bool{}
	for _, a := range d.ProductPageArns {
		if !isPage[a] {
			return badRequest("Invalid productPageArns specified: %s is not a product page of portal product %s", a, productID)
		}
		if seen[a] {
			return badRequest("Invalid productPageArns specified: %s is listed more than once", a)
		}
		seen[a] = true
	}
	names := map[string]bool{}
	for _, sec := range d.Contents {
		n := str(sec.SectionName)
		if n == "" {
			return badRequest("Invalid display order: a section name must not be empty")
		}
		if names[n] {
			return badRequest("Invalid display order: section name %s is used more than once", n)
		}
		names[n] = true
		for _, a := range sec.ProductRestEndpointPageArns {
			if !isRest[a] {
				return badRequest("Invalid section %s: %s is not a product REST endpoint page of portal product %s", n, a, productID)
			}
			if seen[a] {
				return badRequest("Invalid section %s: %s is listed more than once", n, a)
			}
			seen[a] = true
		}
	}
	return nil
}

// DeletePortalProduct deletes a product with its pages and sharing
// policy. A product that one of the caller's portals includes stays: the
// portal must drop it first. The model gives DeletePortalProduct no
// ConflictException, so that is a 400 [?: wording].
func (s *Service) DeletePortalProduct(ctx context.Context, in *api.DeletePortalProductRequest) error {
	return s.st.Update(ctx, func(tx store.Tx) error {
		p, err := loadProduct(ctx, tx, in.PortalProductId)
		if err != nil {
			return err
		}
		portals, err := store.ScanJSON[portalRecord](tx, tPortals, prefix(ctx))
		if err != nil {
			return err
		}
		for _, pr := range portals {
			for _, a := range pr.Portal.IncludedPortalProductArns {
				if a == str(p.PortalProductArn) {
					return badRequest("Portal product %s is included in portal %s. Remove it from the portal before deleting it", in.PortalProductId, str(pr.Portal.PortalId))
				}
			}
		}
		for _, t := range []string{tProductPages, tProductRESTPages} {
			if _, err := tx.DeletePrefix(t, prefix(ctx, in.PortalProductId)); err != nil {
				return err
			}
		}
		if err := tx.Delete(tProductSharing, key(ctx, in.PortalProductId)); err != nil {
			return err
		}
		return tx.Delete(tPortalProducts, key(ctx, in.PortalProductId))
	})
}

// Sharing policies.

func errNoSharingPolicy(id string) error {
	// [?: AWS's answer for a product never shared is unverified]
	return notFound("Portal product %s has no sharing policy", id)
}

func (s *Service) PutPortalProductSharingPolicy(ctx context.Context, in *api.PutPortalProductSharingPolicyRequest) (*api.PutPortalProductSharingPolicyResponse, error) {
	if _, err := parseSharingPolicy(str(in.PolicyDocument)); err != nil {
		return nil, badRequest("Invalid policy document: %v", err)
	}
	err := s.st.Update(ctx, func(tx store.Tx) error {
		if _, err := loadProduct(ctx, tx, in.PortalProductId); err != nil {
			return err
		}
		return store.PutJSON(tx, tProductSharing, key(ctx, in.PortalProductId),
			&api.GetPortalProductSharingPolicyResponse{PolicyDocument: in.PolicyDocument, PortalProductId: ptr(in.PortalProductId)})
	})
	if err != nil {
		return nil, err
	}
	return &api.PutPortalProductSharingPolicyResponse{}, nil
}

func (s *Service) GetPortalProductSharingPolicy(ctx context.Context, in *api.GetPortalProductSharingPolicyRequest) (*api.GetPortalProductSharingPolicyResponse, error) {
	var sp *api.GetPortalProductSharingPolicyResponse
	err := s.st.View(ctx, func(tx store.Tx) (err error) {
		if _, err := loadProduct(ctx, tx, in.PortalProductId); err != nil {
			return err
		}
		sp, err = get[api.GetPortalProductSharingPolicyResponse](tx, tProductSharing, key(ctx, in.PortalProductId), errNoSharingPolicy(in.PortalProductId))
		return err
	})
	if err != nil {
		return nil, err
	}
	return sp, nil
}

func (s *Service) DeletePortalProductSharingPolicy(ctx context.Context, in *api.DeletePortalProductSharingPolicyRequest) error {
	return s.st.Update(ctx, func(tx store.Tx) error {
		if _, err := loadProduct(ctx, tx, in.PortalProductId); err != nil {
			return err
		}
		if ok, err := exists(tx, tProductSharing, key(ctx, in.PortalProductId)); err != nil {
			return err
		} else if !ok {
			return errNoSharingPolicy(in.PortalProductId)
		}
		return tx.Delete(tProductSharing, key(ctx, in.PortalProductId))
	})
}

// sharingPolicy is the part of a sharing policy that decides which
// accounts may use a product. The document is an IAM resource policy:
// Statement an object or a list; each statement an Effect of "Allow" or
// "Deny" and a Principal of "*" or {"AWS": …} naming account ids or IAM
// ARNs (arn:aws:iam::{account}:…), one or a list. Action and Resource are
// not consulted: sharing grants the product's read access as a whole
// [?]. As in internal/authz, conditions are not evaluated and fail
// closed: a conditional Allow allows nothing, a conditional Deny applies.
type sharingPolicy struct {
	stmts []sharingStatement
}

type sharingStatement struct {
	allow       bool
	conditional bool
	anyone      bool
	accounts    map[string]bool
}

var iamARNRE = regexp.MustCompile(`^arn:aws:iam::(\d{12}):\S+$`)

func parseSharingPolicy(doc string) (*sharingPolicy, error) {
	var top map[string]json.RawMessage
	if err := json.Unmarshal([]byte(doc), &top); err != nil || top == nil {
		return nil, errors.New("the policy must be a JSON object")
	}
	raw, ok := top["Statement"]
	if !ok {
		return nil, errors.New("the policy has no Statement")
	}
	var stmts []json.RawMessage
	if t := bytes.TrimSpace(raw); len(t) > 0 && t[0] == '[' {
		if err := json.Unmarshal(raw, &stmts); err != nil {
			return nil, errors.New("Statement must be an object or a list of objects")
		}
	} else {
		stmts = []json.RawMessage{raw}
	}
	if len(stmts) == 0 {
		return nil, errors.New("Statement must not be empty")
	}
	p := &sharingPolicy{}
	for _, r := range stmts {
		var st struct {
			Effect    *string         `json:"Effect"`
			Principal json.RawMessage `json:"Principal"`
			Condition json.RawMessage `json:"Condition"`
		}
		if err := json.Unmarshal(r, &st); err != nil {
			return nil, errors.New("Statement must be an object or a list of objects")
		}
		s := sharingStatement{conditional: len(st.Condition) > 0 && string(st.Condition) != "null", accounts: map[string]bool{}}
		switch str(st.Effect) {
		case "Allow":
			s.allow = true
		case "Deny":
		default:
			return nil, errors.New(`every statement needs an Effect of "Allow" or "Deny"`)
		}
		if len(st.Principal) == 0 {
			return nil, errors.New("every statement needs a Principal")
		}
		var star string
		if json.Unmarshal(st.Principal, &star) == nil {
			if star != "*" {
				return nil, errors.New(`Principal must be "*" or {"AWS": …}`)
			}
			s.anyone = true
		} else {
			var pr map[string]json.RawMessage
			if err := json.Unmarshal(st.Principal, &pr); err != nil || len(pr) != 1 || pr["AWS"] == nil {
				return nil, errors.New(`Principal must be "*" or {"AWS": …}`)
			}
			var list []string
			var one string
			if json.Unmarshal(pr["AWS"], &one) == nil {
				list = []string{one}
			} else if err := json.Unmarshal(pr["AWS"], &list); err != nil || len(list) == 0 {
				return nil, errors.New("Principal AWS must be a string or a list of strings")
			}
			for _, v := range list {
				switch m := iamARNRE.FindStringSubmatch(v); {
				case v == "*":
					s.anyone = true
				case accountRE.MatchString(v):
					s.accounts[v] = true
				case m != nil:
					s.accounts[m[1]] = true
				default:
					return nil, errors.New("invalid principal " + v + ": must be an account ID or an IAM ARN")
				}
			}
		}
		p.stmts = append(p.stmts, s)
	}
	return p, nil
}

// allows decides for account acct: a matching Deny wins over any Allow.
func (p *sharingPolicy) allows(acct string) bool {
	allowed := false
	for _, s := range p.stmts {
		if !s.anyone && !s.accounts[acct] {
			continue
		}
		if !s.allow {
			return false
		}
		if !s.conditional {
			allowed = true
		}
	}
	return allowed
}
