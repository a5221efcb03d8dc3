package apigatewayv2

import (
	"context"
	"encoding/json"
	"errors"
	"strings"

	api "github.com/stagecraft/stagecraft/internal/api/apigatewayv2"
	"github.com/stagecraft/stagecraft/internal/ids"
	"github.com/stagecraft/stagecraft/internal/store"
	"github.com/stagecraft/stagecraft/internal/wire"
)

// Product pages (markdown documentation of a portal product) and product
// REST endpoint pages (the documentation of one method of a REST API as
// deployed to a stage: restEndpointIdentifier.identifierParts restApiId,
// stage, method, path) [D: apigateway-portals-portal-product,
// apigateway-portals-create-product-rest-endpoint].
//
// A REST endpoint page stores only what its owner chose (the identifier,
// the overrides, try it); what it displays is derived on every read from
// the REST API as it is then, the way AWS keeps an imported page in sync
// with the API's documentation [D]: the endpoint is the stage's invoke URL
// (as apiEndpoint derives it), the operation name the path ("GET /pets"
// shows as /pets [D]), the body the description of the API's METHOD
// documentation part for that path and method [?]. An override replaces
// each of the three it sets. A page whose API, stage or method has gone
// reads as status FAILED with a statusException saying which [?]; pages
// are otherwise AVAILABLE at once (AWS passes through IN_PROGRESS while it
// imports the documentation).

const (
	tProductPages     = "apigwv2.productpages"     // portalProductId/productPageId → api.GetProductPageResponse
	tProductRESTPages = "apigwv2.productrestpages" // portalProductId/productRestEndpointPageId → restPageRecord

	// The REST family's resources and documentation parts
	// (internal/service/apigateway/service.go).
	tRESTResources = "apigw.resources"
	tRESTDocParts  = "apigw.docparts"
)

func errNoProductPage(id string) error { return errNoChild("ProductPage", id) }
func errNoRESTPage(id string) error    { return errNoChild("ProductRestEndpointPage", id) }

// restPageRecord is a product REST endpoint page as stored.
type restPageRecord struct {
	ID           string                       `json:"id"`
	ARN          string                       `json:"arn"`
	Identifier   api.IdentifierParts          `json:"identifier"`
	Overrides    *api.DisplayContentOverrides `json:"overrides,omitempty"` // nil: displayContent none
	TryItState   string                       `json:"tryItState"`
	LastModified wire.ISOTime                 `json:"lastModified"`
}

// Product pages.

func loadProductPage(ctx context.Context, tx store.Tx, productID, id string) (*api.GetProductPageResponse, error) {
	if !cleanKeyPart(id) {
		return nil, errNoProductPage(id)
	}
	return get[api.GetProductPageResponse](tx, tProductPages, key(ctx, productID, id), errNoProductPage(id))
}

func (s *Service) CreateProductPage(ctx context.Context, in *api.CreateProductPageRequest) (*api.CreateProductPageResponse, error) {
	var pg *api.GetProductPageResponse
	err := s.st.Update(ctx, func(tx store.Tx) error {
		if _, err := loadProduct(ctx, tx, in.PortalProductId); err != nil {
			return err
		}
		id := ids.Lower(10)
		pg = &api.GetProductPageResponse{
			DisplayContent: in.DisplayContent,
			LastModified:   s.now(),
			ProductPageArn: ptr(portalProductARN(ctx, in.PortalProductId) + "/productpages/" + id),
			ProductPageId:  ptr(id),
		}
		return store.PutJSON(tx, tProductPages, key(ctx, in.PortalProductId, id), pg)
	})
	if err != nil {
		return nil, err
	}
	out := api.CreateProductPageResponse(*pg)
	return &out, nil
}

func (s *Service) GetProductPage(ctx context.Context, in *api.GetProductPageRequest) (*api.GetProductPageResponse, error) {
	var pg *api.GetProductPageResponse
	err := s.st.View(ctx, func(tx store.Tx) error {
		octx, _, err := readableProduct(ctx, tx, in.ResourceOwnerAccountId, in.PortalProductId)
		if err != nil {
			return err
		}
		pg, err = loadProductPage(octx, tx, in.PortalProductId, in.ProductPageId)
		return err
	})
	if err != nil {
		return nil, err
	}
	return pg, nil
}

func (s *Service) ListProductPages(ctx context.Context, in *api.ListProductPagesRequest) (*api.ListProductPagesResponse, error) {
	var all []*api.GetProductPageResponse
	err := s.st.View(ctx, func(tx store.Tx) error {
		octx, _, err := readableProduct(ctx, tx, in.ResourceOwnerAccountId, in.PortalProductId)
		if err != nil {
			return err
		}
		all, err = store.ScanJSON[api.GetProductPageResponse](tx, tProductPages, prefix(octx, in.PortalProductId))
		return err
	})
	if err != nil {
		return nil, err
	}
	items, next, err := page(all, func(p *api.GetProductPageResponse) string { return *p.ProductPageId }, in.MaxResults, in.NextToken)
	if err != nil {
		return nil, err
	}
	out := &api.ListProductPagesResponse{Items: []api.ProductPageSummaryNoBody{}, NextToken: next}
	for _, p := range items {
		var title *string
		if p.DisplayContent != nil {
			title = p.DisplayContent.Title
		}
		out.Items = append(out.Items, api.ProductPageSummaryNoBody{LastModified: p.LastModified, PageTitle: title,
			ProductPageArn: p.ProductPageArn, ProductPageId: p.ProductPageId})
	}
	return out, nil
}

// UpdateProductPage replaces the page's content (title and body come
// together: the model requires both in displayContent).
func (s *Service) UpdateProductPage(ctx context.Context, in *api.UpdateProductPageRequest) (*api.UpdateProductPageResponse, error) {
	var pg *api.GetProductPageResponse
	err := s.st.Update(ctx, func(tx store.Tx) (err error) {
		if _, err := loadProduct(ctx, tx, in.PortalProductId); err != nil {
			return err
		}
		pg, err = loadProductPage(ctx, tx, in.PortalProductId, in.ProductPageId)
		if err != nil {
			return err
		}
		if in.DisplayContent != nil {
			pg.DisplayContent = in.DisplayContent
		}
		pg.LastModified = s.now()
		return store.PutJSON(tx, tProductPages, key(ctx, in.PortalProductId, in.ProductPageId), pg)
	})
	if err != nil {
		return nil, err
	}
	out := api.UpdateProductPageResponse(*pg)
	return &out, nil
}

// DeleteProductPage refuses a page the product's display order shows (as
// the overview or among productPageArns): the display order must drop it
// first. The model gives DeleteProductPage no ConflictException, so that
// is a 400 [?: wording].
func (s *Service) DeleteProductPage(ctx context.Context, in *api.DeleteProductPageRequest) error {
	return s.st.Update(ctx, func(tx store.Tx) error {
		p, err := loadProduct(ctx, tx, in.PortalProductId)
		if err != nil {
			return err
		}
		pg, err := loadProductPage(ctx, tx, in.PortalProductId, in.ProductPageId)
		if err != nil {
			return err
		}
		if d := p.DisplayOrder; d != nil {
			arn := str(pg.ProductPageArn)
			used := str(d.OverviewPageArn) == arn
			for _, a := range d.ProductPageArns {
				used = used || a == arn
			}
			if used {
				return badRequest("Product page %s is in the display order of portal product %s. Remove it from the display order before deleting it", in.ProductPageId, in.PortalProductId)
			}
		}
		return tx.Delete(tProductPages, key(ctx, in.PortalProductId, in.ProductPageId))
	})
}

// Product REST endpoint pages.

func loadRESTPage(ctx context.Context, tx store.Tx, productID, id string) (*restPageRecord, error) {
	if !cleanKeyPart(id) {
		return nil, errNoRESTPage(id)
	}
	return get[restPageRecord](tx, tProductRESTPages, key(ctx, productID, id), errNoRESTPage(id))
}

// restTarget is what a REST endpoint page documents, as found in the REST
// family's tables (in the product owner's account and region).
type restTarget struct {
	private     bool   // the REST API's endpoint type is PRIVATE
	description string // the METHOD documentation part's description
	missing     string // why the target does not exist; "" when it does
}

// The parts of the REST family's records read here.
type restAPIRecord struct {
	EndpointConfiguration *struct {
		Types []string `json:"types"`
	} `json:"endpointConfiguration"`
}

type restResourceRecord struct {
	ID       string                     `json:"id"`
	ParentID string                     `json:"parentId"`
	PathPart string                     `json:"pathPart"`
	Methods  map[string]json.RawMessage `json:"methods"`
}

type restDocPart struct {
	Location *struct {
		Type   *string `json:"type"`
		Path   *string `json:"path"`
		Method *string `json:"method"`
	} `json:"location"`
	Properties *string `json:"properties"`
}

// findRESTTarget looks up the REST API, stage and method an identifier
// names.
func findRESTTarget(ctx context.Context, tx store.Tx, p *api.IdentifierParts) (*restTarget, error) {
	apiID, stage, method, path := str(p.RestApiId), str(p.Stage), str(p.Method), str(p.Path)
	t := &restTarget{}
	if !cleanKeyPart(apiID) {
		t.missing = "Invalid REST API identifier specified " + apiID
		return t, nil
	}
	ra, err := store.GetJSON[restAPIRecord](tx, tRESTAPIs, key(ctx, apiID))
	if errors.Is(err, store.ErrNotFound) {
		t.missing = "Invalid REST API identifier specified " + apiID
		return t, nil
	}
	if err != nil {
		return nil, err
	}
	if ra.EndpointConfiguration != nil {
		for _, ty := range ra.EndpointConfiguration.Types {
			t.private = t.private || ty == "PRIVATE"
		}
	}
	if ok, err := cleanExists(tx, tRESTStages, ctx, apiID, stage); err != nil {
		return nil, err
	} else if !ok {
		t.missing = "Invalid stage identifier specified " + stage
		return t, nil
	}
	res, err := store.ScanJSON[restResourceRecord](tx, tRESTResources, prefix(ctx, apiID))
	if err != nil {
		return nil, err
	}
	byID := map[string]*restResourceRecord{}
	for _, r := range res {
		byID[r.ID] = r
	}
	var pathOf func(r *restResourceRecord, depth int) string
	pathOf = func(r *restResourceRecord, depth int) string {
		parent := byID[r.ParentID]
		if r.ParentID == "" || parent == nil || depth > 100 {
			return "/"
		}
		pp := pathOf(parent, depth+1)
		return strings.TrimSuffix(pp, "/") + "/" + r.PathPart
	}
	found := false
	for _, r := range res {
		if pathOf(r, 0) == path {
			_, found = r.Methods[method]
			break
		}
	}
	if !found {
		t.missing = "Invalid method identifier specified: no method " + method + " " + path + " in REST API " + apiID
		return t, nil
	}
	parts, err := store.ScanJSON[restDocPart](tx, tRESTDocParts, prefix(ctx, apiID))
	if err != nil {
		return nil, err
	}
	for _, dp := range parts {
		l := dp.Location
		if l == nil || str(l.Type) != "METHOD" || str(l.Path) != path || str(l.Method) != method {
			continue
		}
		var props struct {
			Description string `json:"description"`
		}
		if json.Unmarshal([]byte(str(dp.Properties)), &props) == nil {
			t.description = props.Description
		}
	}
	return t, nil
}

// restPageOut is a REST endpoint page as clients see it (see the file
// comment). ctx is scoped to the product owner.
func restPageOut(ctx context.Context, tx store.Tx, r *restPageRecord) (*api.GetProductRestEndpointPageResponse, error) {
	t, err := findRESTTarget(ctx, tx, &r.Identifier)
	if err != nil {
		return nil, err
	}
	id := r.Identifier
	dc := &api.EndpointDisplayContentResponse{
		Endpoint:      ptr(executeAPIURL(ctx, str(id.RestApiId), false) + "/" + str(id.Stage)),
		OperationName: id.Path,
	}
	if t.description != "" {
		dc.Body = ptr(t.description)
	}
	if o := r.Overrides; o != nil {
		if o.Body != nil {
			dc.Body = o.Body
		}
		if o.Endpoint != nil {
			dc.Endpoint = o.Endpoint
		}
		if o.OperationName != nil {
			dc.OperationName = o.OperationName
		}
	}
	out := &api.GetProductRestEndpointPageResponse{
		DisplayContent:             dc,
		LastModified:               r.LastModified,
		ProductRestEndpointPageArn: ptr(r.ARN),
		ProductRestEndpointPageId:  ptr(r.ID),
		RestEndpointIdentifier:     &api.RestEndpointIdentifier{IdentifierParts: &id},
		Status:                     ptr("AVAILABLE"),
		TryItState:                 ptr(r.TryItState),
	}
	if t.missing != "" {
		out.Status = ptr("FAILED")
		out.StatusException = &api.StatusException{Exception: ptr("NotFoundException"), Message: ptr(t.missing)}
	}
	return out, nil
}

// setRESTPageContent applies a displayContent and tryItState to a page.
// displayContent is a union: none (no overrides) or overrides.
func setRESTPageContent(r *restPageRecord, dc *api.EndpointDisplayContent, tryIt *string, t *restTarget) error {
	if err := checkEndpointDisplayContent(dc); err != nil {
		return err
	}
	if dc != nil {
		switch {
		case dc.Overrides != nil:
			o := *dc.Overrides
			r.Overrides = &o
		default:
			r.Overrides = nil
		}
	}
	if tryIt != nil {
		r.TryItState = *tryIt
	}
	// Try it cannot call private APIs [D: apigateway-portals-try-it]; the
	// console shows such a page's try it as unavailable, which the model
	// cannot express, so enabling it is refused [?].
	if r.TryItState == "ENABLED" && t.private {
		return badRequest("Try it is not supported for private REST APIs: %s", str(r.Identifier.RestApiId))
	}
	return nil
}

func checkEndpointDisplayContent(dc *api.EndpointDisplayContent) error {
	if dc != nil && dc.None != nil && dc.Overrides != nil {
		return badRequest("Only one of none and overrides can be specified for displayContent")
	}
	return nil
}

// CreateProductRestEndpointPage adds a page for a method of a REST API in
// the caller's account and region (portals document REST APIs of their
// own region only [D]). The method must exist at the path, the API be
// deployed to the stage, and the product have no page for the same
// endpoint yet. Try it is DISABLED unless asked for [?].
func (s *Service) CreateProductRestEndpointPage(ctx context.Context, in *api.CreateProductRestEndpointPageRequest) (*api.CreateProductRestEndpointPageResponse, error) {
	if in.RestEndpointIdentifier.IdentifierParts == nil {
		return nil, badRequest("restEndpointIdentifier must have identifierParts")
	}
	if err := checkEndpointDisplayContent(in.DisplayContent); err != nil {
		return nil, err
	}
	parts := *in.RestEndpointIdentifier.IdentifierParts
	parts.Method = ptr(strings.ToUpper(str(parts.Method)))
	if p := str(parts.Path); !strings.HasPrefix(p, "/") {
		return nil, badRequest("Invalid path specified: %s. A path starts with /", p)
	}
	var out *api.GetProductRestEndpointPageResponse
	err := s.st.Update(ctx, func(tx store.Tx) error {
		if _, err := loadProduct(ctx, tx, in.PortalProductId); err != nil {
			return err
		}
		t, err := findRESTTarget(ctx, tx, &parts)
		if err != nil {
			return err
		}
		if t.missing != "" {
			return badRequest("%s", t.missing)
		}
		others, err := store.ScanJSON[restPageRecord](tx, tProductRESTPages, prefix(ctx, in.PortalProductId))
		if err != nil {
			return err
		}
		for _, o := range others {
			if str(o.Identifier.RestApiId) == str(parts.RestApiId) && str(o.Identifier.Stage) == str(parts.Stage) &&
				str(o.Identifier.Method) == str(parts.Method) && str(o.Identifier.Path) == str(parts.Path) {
				// No ConflictException in the model for this operation [?: wording].
				return badRequest("Portal product %s already has product REST endpoint page %s for %s %s in stage %s of REST API %s",
					in.PortalProductId, o.ID, str(parts.Method), str(parts.Path), str(parts.Stage), str(parts.RestApiId))
			}
		}
		id := ids.Lower(10)
		r := &restPageRecord{ID: id, ARN: portalProductARN(ctx, in.PortalProductId) + "/productrestendpointpages/" + id,
			Identifier: parts, TryItState: "DISABLED", LastModified: s.now()}
		if err := setRESTPageContent(r, in.DisplayContent, in.TryItState, t); err != nil {
			return err
		}
		if err := store.PutJSON(tx, tProductRESTPages, key(ctx, in.PortalProductId, id), r); err != nil {
			return err
		}
		out, err = restPageOut(ctx, tx, r)
		return err
	})
	if err != nil {
		return nil, err
	}
	return &api.CreateProductRestEndpointPageResponse{DisplayContent: out.DisplayContent, LastModified: out.LastModified,
		ProductRestEndpointPageArn: out.ProductRestEndpointPageArn, ProductRestEndpointPageId: out.ProductRestEndpointPageId,
		RestEndpointIdentifier: out.RestEndpointIdentifier, Status: out.Status, StatusException: out.StatusException, TryItState: out.TryItState}, nil
}

// GetProductRestEndpointPage answers rawDisplayContent when
// includeRawDisplayContent is true: the page body as written, markdown
// unrendered (this emulator renders nothing, so it equals
// displayContent.body) [?].
func (s *Service) GetProductRestEndpointPage(ctx context.Context, in *api.GetProductRestEndpointPageRequest) (*api.GetProductRestEndpointPageResponse, error) {
	raw := false
	switch v := strings.ToLower(str(in.IncludeRawDisplayContent)); v {
	case "", "false":
	case "true":
		raw = true
	default:
		return nil, badRequest("Invalid includeRawDisplayContent specified: %s. Must be true or false", str(in.IncludeRawDisplayContent))
	}
	var out *api.GetProductRestEndpointPageResponse
	err := s.st.View(ctx, func(tx store.Tx) error {
		octx, _, err := readableProduct(ctx, tx, in.ResourceOwnerAccountId, in.PortalProductId)
		if err != nil {
			return err
		}
		r, err := loadRESTPage(octx, tx, in.PortalProductId, in.ProductRestEndpointPageId)
		if err != nil {
			return err
		}
		out, err = restPageOut(octx, tx, r)
		return err
	})
	if err != nil {
		return nil, err
	}
	if raw {
		out.RawDisplayContent = out.DisplayContent.Body
		if out.RawDisplayContent == nil {
			out.RawDisplayContent = ptr("")
		}
	}
	return out, nil
}

func (s *Service) ListProductRestEndpointPages(ctx context.Context, in *api.ListProductRestEndpointPagesRequest) (*api.ListProductRestEndpointPagesResponse, error) {
	out := &api.ListProductRestEndpointPagesResponse{Items: []api.ProductRestEndpointPageSummaryNoBody{}}
	err := s.st.View(ctx, func(tx store.Tx) error {
		octx, _, err := readableProduct(ctx, tx, in.ResourceOwnerAccountId, in.PortalProductId)
		if err != nil {
			return err
		}
		all, err := store.ScanJSON[restPageRecord](tx, tProductRESTPages, prefix(octx, in.PortalProductId))
		if err != nil {
			return err
		}
		items, next, err := page(all, func(r *restPageRecord) string { return r.ID }, in.MaxResults, in.NextToken)
		if err != nil {
			return err
		}
		out.NextToken = next
		for _, r := range items {
			p, err := restPageOut(octx, tx, r)
			if err != nil {
				return err
			}
			out.Items = append(out.Items, api.ProductRestEndpointPageSummaryNoBody{Endpoint: p.DisplayContent.Endpoint,
				LastModified: p.LastModified, OperationName: p.DisplayContent.OperationName, ProductRestEndpointPageArn: p.ProductRestEndpointPageArn,
				ProductRestEndpointPageId: p.ProductRestEndpointPageId, RestEndpointIdentifier: p.RestEndpointIdentifier, Status: p.Status,
				StatusException: p.StatusException, TryItState: p.TryItState})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// UpdateProductRestEndpointPage replaces the display content when given
// (none drops the overrides) and sets try it. The identifier is fixed.
func (s *Service) UpdateProductRestEndpointPage(ctx context.Context, in *api.UpdateProductRestEndpointPageRequest) (*api.UpdateProductRestEndpointPageResponse, error) {
	var out *api.GetProductRestEndpointPageResponse
	err := s.st.Update(ctx, func(tx store.Tx) error {
		if _, err := loadProduct(ctx, tx, in.PortalProductId); err != nil {
			return err
		}
		r, err := loadRESTPage(ctx, tx, in.PortalProductId, in.ProductRestEndpointPageId)
		if err != nil {
			return err
		}
		t, err := findRESTTarget(ctx, tx, &r.Identifier)
		if err != nil {
			return err
		}
		if err := setRESTPageContent(r, in.DisplayContent, in.TryItState, t); err != nil {
			return err
		}
		r.LastModified = s.now()
		if err := store.PutJSON(tx, tProductRESTPages, key(ctx, in.PortalProductId, r.ID), r); err != nil {
			return err
		}
		out, err = restPageOut(ctx, tx, r)
		return err
	})
	if err != nil {
		return nil, err
	}
	return &api.UpdateProductRestEndpointPageResponse{DisplayContent: out.DisplayContent, LastModified: out.LastModified,
		ProductRestEndpointPageArn: out.ProductRestEndpointPageArn, ProductRestEndpointPageId: out.ProductRestEndpointPageId,
		RestEndpointIdentifier: out.RestEndpointIdentifier, Status: out.Status, StatusException: out.StatusException, TryItState: out.TryItState}, nil
}

// DeleteProductRestEndpointPage refuses a page a section of the product's
// display order lists, as DeleteProductPage does.
func (s *Service) DeleteProductRestEndpointPage(ctx context.Context, in *api.DeleteProductRestEndpointPageRequest) error {
	return s.st.Update(ctx, func(tx store.Tx) error {
		p, err := loadProduct(ctx, tx, in.PortalProductId)
		if err != nil {
			return err
		}
		r, err := loadRESTPage(ctx, tx, in.PortalProductId, in.ProductRestEndpointPageId)
		if err != nil {
			return err
		}
		if d := p.DisplayOrder; d != nil {
			for _, sec := range d.Contents {
				for _, a := range sec.ProductRestEndpointPageArns {
					if a == r.ARN {
						return badRequest("Product REST endpoint page %s is in section %s of the display order of portal product %s. Remove it from the display order before deleting it",
							r.ID, str(sec.SectionName), in.PortalProductId)
					}
				}
			}
		}
		return tx.Delete(tProductRESTPages, key(ctx, in.PortalProductId, r.ID))
	})
}
