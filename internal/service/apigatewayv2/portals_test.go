package apigatewayv2_test

import (
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v1 "github.com/aws/aws-sdk-go-v2/service/apigateway"
	v1types "github.com/aws/aws-sdk-go-v2/service/apigateway/types"
	sdk "github.com/aws/aws-sdk-go-v2/service/apigatewayv2"
	"github.com/aws/aws-sdk-go-v2/service/apigatewayv2/types"

	"github.com/stagecraft/stagecraft/internal/app"
	"github.com/stagecraft/stagecraft/internal/clock"
	"github.com/stagecraft/stagecraft/internal/testenv"
)

var portalIDRE = regexp.MustCompile(`^[a-z0-9]{10}$`)

const acctA, acctB = "000000000000", "222222222222"

func colors() *types.CustomColors {
	return &types.CustomColors{AccentColor: aws.String("#ff9900"), BackgroundColor: aws.String("#ffffff"), ErrorValidationColor: aws.String("#d13212"),
		HeaderColor: aws.String("#232f3e"), NavigationColor: aws.String("#232f3e"), TextColor: aws.String("#000000")}
}

func content(name string) *types.PortalContent {
	return &types.PortalContent{DisplayName: aws.String(name), Description: aws.String("the " + name), Theme: &types.PortalTheme{CustomColors: colors()}}
}

var (
	noAuth     = &types.Authorization{None: &types.None{}}
	noEndpoint = &types.EndpointConfigurationRequest{None: &types.None{}}
)

func newPortal(t *testing.T, c *sdk.Client, name string, products ...string) *sdk.CreatePortalOutput {
	t.Helper()
	return do(c.CreatePortal(ctx, &sdk.CreatePortalInput{Authorization: noAuth, EndpointConfiguration: noEndpoint,
		PortalContent: content(name), IncludedPortalProductArns: products})).must(t)
}

func newProduct(t *testing.T, c *sdk.Client, name string) *sdk.CreatePortalProductOutput {
	t.Helper()
	return do(c.CreatePortalProduct(ctx, &sdk.CreatePortalProductInput{DisplayName: aws.String(name)})).must(t)
}

// petsAPI creates a REST API with GET /pets (MOCK), documented, deployed
// to prod.
func petsAPI(t *testing.T, c *v1.Client, endpointType v1types.EndpointType) string {
	t.Helper()
	in := &v1.CreateRestApiInput{Name: aws.String("pets")}
	if endpointType != "" {
		in.EndpointConfiguration = &v1types.EndpointConfiguration{Types: []v1types.EndpointType{endpointType}}
	}
	ra := do(c.CreateRestApi(ctx, in)).must(t)
	res := do(c.CreateResource(ctx, &v1.CreateResourceInput{RestApiId: ra.Id, ParentId: ra.RootResourceId, PathPart: aws.String("pets")})).must(t)
	do(c.PutMethod(ctx, &v1.PutMethodInput{RestApiId: ra.Id, ResourceId: res.Id, HttpMethod: aws.String("GET"), AuthorizationType: aws.String("NONE")})).must(t)
	do(c.PutIntegration(ctx, &v1.PutIntegrationInput{RestApiId: ra.Id, ResourceId: res.Id, HttpMethod: aws.String("GET"), Type: v1types.IntegrationTypeMock})).must(t)
	do(c.CreateDocumentationPart(ctx, &v1.CreateDocumentationPartInput{RestApiId: ra.Id,
		Location:   &v1types.DocumentationPartLocation{Type: v1types.DocumentationPartTypeMethod, Path: aws.String("/pets"), Method: aws.String("GET")},
		Properties: aws.String(`{"description":"Lists the pets."}`)})).must(t)
	do(c.CreateDeployment(ctx, &v1.CreateDeploymentInput{RestApiId: ra.Id, StageName: aws.String("prod")})).must(t)
	return *ra.Id
}

func endpoint(apiID, stage, method, path string) *types.RestEndpointIdentifier {
	return &types.RestEndpointIdentifier{IdentifierParts: &types.IdentifierParts{RestApiId: aws.String(apiID), Stage: aws.String(stage),
		Method: aws.String(method), Path: aws.String(path)}}
}

func TestPortalProducts(t *testing.T) {
	env, c := start(t)
	p := do(c.CreatePortalProduct(ctx, &sdk.CreatePortalProductInput{DisplayName: aws.String("Pet adoption"),
		Description: aws.String("Meet and adopt pets"), Tags: map[string]string{"team": "pets"}})).must(t)
	pid := *p.PortalProductId
	arn := "arn:aws:apigateway:us-east-1:" + acctA + ":/portalproducts/" + pid
	if !portalIDRE.MatchString(pid) || *p.PortalProductArn != arn || *p.DisplayName != "Pet adoption" || *p.Description != "Meet and adopt pets" ||
		!p.LastModified.Equal(t0) || p.Tags["team"] != "pets" || p.DisplayOrder == nil || p.DisplayOrder.Contents == nil ||
		p.DisplayOrder.ProductPageArns == nil || p.DisplayOrder.OverviewPageArn != nil {
		t.Fatalf("created product: %+v", p)
	}
	g := do(c.GetPortalProduct(ctx, &sdk.GetPortalProductInput{PortalProductId: &pid})).must(t)
	if *g.PortalProductArn != arn || *g.DisplayName != "Pet adoption" || g.Tags["team"] != "pets" {
		t.Fatalf("got product: %+v", g)
	}
	// Not found, and a bad owner account.
	_, err := c.GetPortalProduct(ctx, &sdk.GetPortalProductInput{PortalProductId: aws.String("zzzzzzzzzz")})
	apiErr(t, err, "NotFoundException", "Invalid PortalProduct identifier specified zzzzzzzzzz")
	_, err = c.GetPortalProduct(ctx, &sdk.GetPortalProductInput{PortalProductId: &pid, ResourceOwnerAccountId: aws.String("12")})
	apiErrContains(t, err, "BadRequestException", "Invalid resourceOwnerAccountId specified: 12")
	for _, e := range []error{
		do(c.UpdatePortalProduct(ctx, &sdk.UpdatePortalProductInput{PortalProductId: aws.String("zzzzzzzzzz"), DisplayName: aws.String("x")})).err,
		do(c.DeletePortalProduct(ctx, &sdk.DeletePortalProductInput{PortalProductId: aws.String("zzzzzzzzzz")})).err,
		do(c.CreateProductPage(ctx, &sdk.CreateProductPageInput{PortalProductId: aws.String("zzzzzzzzzz"),
			DisplayContent: &types.DisplayContent{Title: aws.String("t"), Body: aws.String("b")}})).err,
		do(c.ListProductPages(ctx, &sdk.ListProductPagesInput{PortalProductId: aws.String("zzzzzzzzzz")})).err,
		do(c.ListProductRestEndpointPages(ctx, &sdk.ListProductRestEndpointPagesInput{PortalProductId: aws.String("zzzzzzzzzz")})).err,
		do(c.CreateProductRestEndpointPage(ctx, &sdk.CreateProductRestEndpointPageInput{PortalProductId: aws.String("zzzzzzzzzz"),
			RestEndpointIdentifier: endpoint("a", "prod", "GET", "/pets")})).err,
		do(c.PutPortalProductSharingPolicy(ctx, &sdk.PutPortalProductSharingPolicyInput{PortalProductId: aws.String("zzzzzzzzzz"), PolicyDocument: aws.String(shareWith(acctB))})).err,
		do(c.GetPortalProductSharingPolicy(ctx, &sdk.GetPortalProductSharingPolicyInput{PortalProductId: aws.String("zzzzzzzzzz")})).err,
		do(c.DeletePortalProductSharingPolicy(ctx, &sdk.DeletePortalProductSharingPolicyInput{PortalProductId: aws.String("zzzzzzzzzz")})).err,
	} {
		apiErr(t, e, "NotFoundException", "Invalid PortalProduct identifier specified zzzzzzzzzz")
	}
	// Model validation comes first.
	_, err = c.CreatePortalProduct(ctx, &sdk.CreatePortalProductInput{DisplayName: aws.String("")})
	apiErrContains(t, err, "BadRequestException", "DisplayName")
	_, err = c.CreatePortalProduct(ctx, &sdk.CreatePortalProductInput{DisplayName: aws.String("x"), Tags: map[string]string{"aws:x": "y"}})
	apiErrContains(t, err, "BadRequestException", "aws:")

	// Update: the members given, lastModified from the clock.
	env.Clock.Advance(time.Minute)
	u := do(c.UpdatePortalProduct(ctx, &sdk.UpdatePortalProductInput{PortalProductId: &pid, DisplayName: aws.String("Pets")})).must(t)
	if *u.DisplayName != "Pets" || *u.Description != "Meet and adopt pets" || !u.LastModified.Equal(t0.Add(time.Minute)) || u.Tags["team"] != "pets" {
		t.Fatalf("updated product: %+v", u)
	}

	// List, paginated; a product created without a description lists "".
	for _, n := range []string{"b", "c"} {
		newProduct(t, c, n)
	}
	var names []string
	var tok *string
	pages := 0
	for {
		l := do(c.ListPortalProducts(ctx, &sdk.ListPortalProductsInput{MaxResults: aws.String("2"), NextToken: tok})).must(t)
		pages++
		for _, it := range l.Items {
			names = append(names, *it.DisplayName)
			if it.Description == nil || it.PortalProductArn == nil || it.LastModified == nil || it.Tags == nil {
				t.Fatalf("listed product: %+v", it)
			}
		}
		if tok = l.NextToken; tok == nil {
			break
		}
	}
	if len(names) != 3 || pages != 2 {
		t.Fatalf("listed %v in %d pages", names, pages)
	}
	_, err = c.ListPortalProducts(ctx, &sdk.ListPortalProductsInput{NextToken: aws.String("!!")})
	apiErr(t, err, "BadRequestException", "Invalid nextToken specified")
	_, err = c.ListPortalProducts(ctx, &sdk.ListPortalProductsInput{MaxResults: aws.String("0")})
	apiErrContains(t, err, "BadRequestException", "Invalid maxResults specified: 0")
	_, err = c.ListPortalProducts(ctx, &sdk.ListPortalProductsInput{ResourceOwner: aws.String("NOBODY")})
	apiErrContains(t, err, "BadRequestException", "Invalid resourceOwner specified: NOBODY")
	if l := do(c.ListPortalProducts(ctx, &sdk.ListPortalProductsInput{ResourceOwner: aws.String("SELF")})).must(t); len(l.Items) != 3 {
		t.Fatalf("SELF: %d products", len(l.Items))
	}

	// Tags through the product's ARN.
	do(c.TagResource(ctx, &sdk.TagResourceInput{ResourceArn: &arn, Tags: map[string]string{"env": "prod"}})).must(t)
	do(c.UntagResource(ctx, &sdk.UntagResourceInput{ResourceArn: &arn, TagKeys: []string{"team"}})).must(t)
	if tg := do(c.GetTags(ctx, &sdk.GetTagsInput{ResourceArn: &arn})).must(t); !reflect.DeepEqual(tg.Tags, map[string]string{"env": "prod"}) {
		t.Fatalf("product tags: %v", tg.Tags)
	}
	_, err = c.GetTags(ctx, &sdk.GetTagsInput{ResourceArn: aws.String("arn:aws:apigateway:us-east-1:" + acctB + ":/portalproducts/" + pid)})
	apiErrContains(t, err, "NotFoundException", "Invalid resource identifier specified")

	// Delete.
	do(c.DeletePortalProduct(ctx, &sdk.DeletePortalProductInput{PortalProductId: &pid})).must(t)
	_, err = c.GetPortalProduct(ctx, &sdk.GetPortalProductInput{PortalProductId: &pid})
	apiErr(t, err, "NotFoundException", "Invalid PortalProduct identifier specified "+pid)
}

func TestProductPagesAndDisplayOrder(t *testing.T) {
	env, c := start(t)
	pid := *newProduct(t, c, "Pets").PortalProductId
	pg := do(c.CreateProductPage(ctx, &sdk.CreateProductPageInput{PortalProductId: &pid,
		DisplayContent: &types.DisplayContent{Title: aws.String("Getting started"), Body: aws.String("# Hello\nAdopt a pet.")}})).must(t)
	id := *pg.ProductPageId
	pgARN := "arn:aws:apigateway:us-east-1:" + acctA + ":/portalproducts/" + pid + "/productpages/" + id
	if !portalIDRE.MatchString(id) || *pg.ProductPageArn != pgARN || *pg.DisplayContent.Title != "Getting started" ||
		*pg.DisplayContent.Body != "# Hello\nAdopt a pet." || !pg.LastModified.Equal(t0) {
		t.Fatalf("created page: %+v", pg)
	}
	g := do(c.GetProductPage(ctx, &sdk.GetProductPageInput{PortalProductId: &pid, ProductPageId: &id})).must(t)
	if *g.ProductPageArn != pgARN || *g.DisplayContent.Body != "# Hello\nAdopt a pet." {
		t.Fatalf("got page: %+v", g)
	}
	_, err := c.GetProductPage(ctx, &sdk.GetProductPageInput{PortalProductId: &pid, ProductPageId: aws.String("nope")})
	apiErr(t, err, "NotFoundException", "Invalid ProductPage identifier specified nope")
	_, err = c.UpdateProductPage(ctx, &sdk.UpdateProductPageInput{PortalProductId: &pid, ProductPageId: aws.String("nope"),
		DisplayContent: &types.DisplayContent{Title: aws.String("t"), Body: aws.String("b")}})
	apiErr(t, err, "NotFoundException", "Invalid ProductPage identifier specified nope")
	_, err = c.DeleteProductPage(ctx, &sdk.DeleteProductPageInput{PortalProductId: &pid, ProductPageId: aws.String("nope")})
	apiErr(t, err, "NotFoundException", "Invalid ProductPage identifier specified nope")
	if code, body := raw(t, env, "POST", "/v2/portalproducts/"+pid+"/productpages", `{"displayContent":{"title":"t"}}`); code != 400 || !strings.Contains(body, "Body") {
		t.Fatalf("page without a body: %d %s", code, body)
	}

	env.Clock.Advance(time.Hour)
	up := do(c.UpdateProductPage(ctx, &sdk.UpdateProductPageInput{PortalProductId: &pid, ProductPageId: &id,
		DisplayContent: &types.DisplayContent{Title: aws.String("Start here"), Body: aws.String("Adopt.")}})).must(t)
	if *up.DisplayContent.Title != "Start here" || !up.LastModified.Equal(t0.Add(time.Hour)) || *up.ProductPageArn != pgARN {
		t.Fatalf("updated page: %+v", up)
	}
	pg2 := do(c.CreateProductPage(ctx, &sdk.CreateProductPageInput{PortalProductId: &pid,
		DisplayContent: &types.DisplayContent{Title: aws.String("Terms"), Body: aws.String("Be kind.")}})).must(t)
	do(c.CreateProductPage(ctx, &sdk.CreateProductPageInput{PortalProductId: &pid,
		DisplayContent: &types.DisplayContent{Title: aws.String("FAQ"), Body: aws.String("?")}})).must(t)
	var titles []string
	var tok *string
	for {
		l := do(c.ListProductPages(ctx, &sdk.ListProductPagesInput{PortalProductId: &pid, MaxResults: aws.String("2"), NextToken: tok})).must(t)
		for _, it := range l.Items {
			titles = append(titles, *it.PageTitle)
			if it.ProductPageArn == nil || it.LastModified == nil || it.ProductPageId == nil {
				t.Fatalf("listed page: %+v", it)
			}
		}
		if tok = l.NextToken; tok == nil {
			break
		}
	}
	if len(titles) != 3 {
		t.Fatalf("listed pages %v", titles)
	}

	// REST endpoint pages document a REST API's method in a stage.
	rest := petsAPI(t, env.APIGateway(), "")
	rp := do(c.CreateProductRestEndpointPage(ctx, &sdk.CreateProductRestEndpointPageInput{PortalProductId: &pid,
		RestEndpointIdentifier: endpoint(rest, "prod", "get", "/pets")})).must(t)
	rid := *rp.ProductRestEndpointPageId
	rARN := "arn:aws:apigateway:us-east-1:" + acctA + ":/portalproducts/" + pid + "/productrestendpointpages/" + rid
	wantEndpoint := "http://" + rest + ".execute-api.localhost:" + env.URL[strings.LastIndex(env.URL, ":")+1:] + "/prod"
	if !portalIDRE.MatchString(rid) || *rp.ProductRestEndpointPageArn != rARN || rp.Status != types.StatusAvailable || rp.StatusException != nil ||
		rp.TryItState != types.TryItStateDisabled || *rp.DisplayContent.Endpoint != wantEndpoint || *rp.DisplayContent.OperationName != "/pets" ||
		aws.ToString(rp.DisplayContent.Body) != "Lists the pets." || *rp.RestEndpointIdentifier.IdentifierParts.Method != "GET" ||
		!reflect.DeepEqual(rp.RestEndpointIdentifier, endpoint(rest, "prod", "GET", "/pets")) {
		t.Fatalf("created REST endpoint page: %+v %+v", rp, rp.DisplayContent)
	}
	bad := []struct {
		in   *sdk.CreateProductRestEndpointPageInput
		part string
	}{
		{&sdk.CreateProductRestEndpointPageInput{RestEndpointIdentifier: endpoint(rest, "prod", "GET", "/pets")}, "already has product REST endpoint page " + rid},
		{&sdk.CreateProductRestEndpointPageInput{RestEndpointIdentifier: endpoint("nope", "prod", "GET", "/pets")}, "Invalid REST API identifier specified nope"},
		{&sdk.CreateProductRestEndpointPageInput{RestEndpointIdentifier: endpoint(rest, "beta", "GET", "/pets")}, "Invalid stage identifier specified beta"},
		{&sdk.CreateProductRestEndpointPageInput{RestEndpointIdentifier: endpoint(rest, "prod", "POST", "/pets")}, "no method POST /pets"},
		{&sdk.CreateProductRestEndpointPageInput{RestEndpointIdentifier: endpoint(rest, "prod", "GET", "/cats")}, "no method GET /cats"},
		{&sdk.CreateProductRestEndpointPageInput{RestEndpointIdentifier: endpoint(rest, "prod", "GET", "pets")}, "Invalid path specified: pets"},
		{&sdk.CreateProductRestEndpointPageInput{RestEndpointIdentifier: endpoint(rest, "prod", "GET", "/")}, "no method GET /"},
		{&sdk.CreateProductRestEndpointPageInput{RestEndpointIdentifier: &types.RestEndpointIdentifier{}}, "identifierParts"},
		{&sdk.CreateProductRestEndpointPageInput{RestEndpointIdentifier: endpoint(rest, "prod", "GET", "/pets"),
			DisplayContent: &types.EndpointDisplayContent{None: &types.None{}, Overrides: &types.DisplayContentOverrides{}}}, "Only one of none and overrides"},
	}
	for _, b := range bad {
		b.in.PortalProductId = &pid
		_, err := c.CreateProductRestEndpointPage(ctx, b.in)
		apiErrContains(t, err, "BadRequestException", b.part)
	}
	// Try it cannot be enabled for a private API.
	private := petsAPI(t, env.APIGateway(), v1types.EndpointTypePrivate)
	_, err = c.CreateProductRestEndpointPage(ctx, &sdk.CreateProductRestEndpointPageInput{PortalProductId: &pid,
		RestEndpointIdentifier: endpoint(private, "prod", "GET", "/pets"), TryItState: types.TryItStateEnabled})
	apiErrContains(t, err, "BadRequestException", "Try it is not supported for private REST APIs")
	pp := do(c.CreateProductRestEndpointPage(ctx, &sdk.CreateProductRestEndpointPageInput{PortalProductId: &pid,
		RestEndpointIdentifier: endpoint(private, "prod", "GET", "/pets"),
		DisplayContent: &types.EndpointDisplayContent{Overrides: &types.DisplayContentOverrides{OperationName: aws.String("List pets"),
			Body: aws.String("Private pets."), Endpoint: aws.String("https://pets.example.com")}}})).must(t)
	if *pp.DisplayContent.OperationName != "List pets" || *pp.DisplayContent.Body != "Private pets." || *pp.DisplayContent.Endpoint != "https://pets.example.com" {
		t.Fatalf("overridden page: %+v", pp.DisplayContent)
	}
	// Update: overrides, try it; none drops the overrides.
	env.Clock.Advance(time.Minute)
	ur := do(c.UpdateProductRestEndpointPage(ctx, &sdk.UpdateProductRestEndpointPageInput{PortalProductId: &pid, ProductRestEndpointPageId: &rid,
		TryItState: types.TryItStateEnabled, DisplayContent: &types.EndpointDisplayContent{Overrides: &types.DisplayContentOverrides{OperationName: aws.String("View pets")}}})).must(t)
	if ur.TryItState != types.TryItStateEnabled || *ur.DisplayContent.OperationName != "View pets" || *ur.DisplayContent.Body != "Lists the pets." ||
		*ur.DisplayContent.Endpoint != wantEndpoint || !ur.LastModified.Equal(t0.Add(time.Hour+time.Minute)) {
		t.Fatalf("updated REST endpoint page: %+v %+v", ur, ur.DisplayContent)
	}
	_, err = c.UpdateProductRestEndpointPage(ctx, &sdk.UpdateProductRestEndpointPageInput{PortalProductId: &pid,
		ProductRestEndpointPageId: pp.ProductRestEndpointPageId, TryItState: types.TryItStateEnabled})
	apiErrContains(t, err, "BadRequestException", "Try it is not supported for private REST APIs")
	gr := do(c.GetProductRestEndpointPage(ctx, &sdk.GetProductRestEndpointPageInput{PortalProductId: &pid, ProductRestEndpointPageId: &rid,
		IncludeRawDisplayContent: aws.String("true")})).must(t)
	if *gr.DisplayContent.OperationName != "View pets" || aws.ToString(gr.RawDisplayContent) != "Lists the pets." || gr.TryItState != types.TryItStateEnabled {
		t.Fatalf("got REST endpoint page: %+v", gr)
	}
	if gr := do(c.GetProductRestEndpointPage(ctx, &sdk.GetProductRestEndpointPageInput{PortalProductId: &pid, ProductRestEndpointPageId: &rid})).must(t); gr.RawDisplayContent != nil {
		t.Fatalf("raw display content without asking: %q", *gr.RawDisplayContent)
	}
	_, err = c.GetProductRestEndpointPage(ctx, &sdk.GetProductRestEndpointPageInput{PortalProductId: &pid, ProductRestEndpointPageId: &rid,
		IncludeRawDisplayContent: aws.String("maybe")})
	apiErrContains(t, err, "BadRequestException", "Invalid includeRawDisplayContent specified: maybe")
	ur = do(c.UpdateProductRestEndpointPage(ctx, &sdk.UpdateProductRestEndpointPageInput{PortalProductId: &pid, ProductRestEndpointPageId: &rid,
		DisplayContent: &types.EndpointDisplayContent{None: &types.None{}}})).must(t)
	if *ur.DisplayContent.OperationName != "/pets" || ur.TryItState != types.TryItStateEnabled {
		t.Fatalf("overrides dropped: %+v", ur.DisplayContent)
	}
	for _, e := range []error{
		do(c.GetProductRestEndpointPage(ctx, &sdk.GetProductRestEndpointPageInput{PortalProductId: &pid, ProductRestEndpointPageId: aws.String("nope")})).err,
		do(c.UpdateProductRestEndpointPage(ctx, &sdk.UpdateProductRestEndpointPageInput{PortalProductId: &pid, ProductRestEndpointPageId: aws.String("nope")})).err,
		do(c.DeleteProductRestEndpointPage(ctx, &sdk.DeleteProductRestEndpointPageInput{PortalProductId: &pid, ProductRestEndpointPageId: aws.String("nope")})).err,
	} {
		apiErr(t, e, "NotFoundException", "Invalid ProductRestEndpointPage identifier specified nope")
	}
	l := do(c.ListProductRestEndpointPages(ctx, &sdk.ListProductRestEndpointPagesInput{PortalProductId: &pid, MaxResults: aws.String("1")})).must(t)
	l2 := do(c.ListProductRestEndpointPages(ctx, &sdk.ListProductRestEndpointPagesInput{PortalProductId: &pid, NextToken: l.NextToken})).must(t)
	if len(l.Items) != 1 || l.NextToken == nil || len(l2.Items) != 1 || l2.NextToken != nil || *l.Items[0].ProductRestEndpointPageId == *l2.Items[0].ProductRestEndpointPageId {
		t.Fatalf("listed REST endpoint pages: %+v %+v", l.Items, l2.Items)
	}
	for _, it := range append(l.Items, l2.Items...) {
		if it.Endpoint == nil || it.OperationName == nil || it.Status != types.StatusAvailable || it.RestEndpointIdentifier == nil || it.TryItState == "" {
			t.Fatalf("listed REST endpoint page: %+v", it)
		}
	}

	// Display order: the product's own pages, each once.
	order := &types.DisplayOrder{OverviewPageArn: &pgARN, ProductPageArns: []string{*pg2.ProductPageArn},
		Contents: []types.Section{{SectionName: aws.String("Adopt"), ProductRestEndpointPageArns: []string{rARN}}}}
	uo := do(c.UpdatePortalProduct(ctx, &sdk.UpdatePortalProductInput{PortalProductId: &pid, DisplayOrder: order})).must(t)
	if !reflect.DeepEqual(uo.DisplayOrder, order) {
		t.Fatalf("display order: %+v", uo.DisplayOrder)
	}
	other := *newProduct(t, c, "Other").PortalProductId
	otherPage := do(c.CreateProductPage(ctx, &sdk.CreateProductPageInput{PortalProductId: &other,
		DisplayContent: &types.DisplayContent{Title: aws.String("x"), Body: aws.String("y")}})).must(t)
	badOrders := []struct {
		d    *types.DisplayOrder
		part string
	}{
		{&types.DisplayOrder{OverviewPageArn: otherPage.ProductPageArn}, "Invalid overviewPageArn specified"},
		{&types.DisplayOrder{ProductPageArns: []string{*otherPage.ProductPageArn}}, "is not a product page of portal product " + pid},
		{&types.DisplayOrder{ProductPageArns: []string{pgARN, pgARN}}, "listed more than once"},
		{&types.DisplayOrder{ProductPageArns: []string{rARN}}, "is not a product page"},
		{&types.DisplayOrder{Contents: []types.Section{{SectionName: aws.String("A"), ProductRestEndpointPageArns: []string{pgARN}}}}, "is not a product REST endpoint page"},
		{&types.DisplayOrder{Contents: []types.Section{{SectionName: aws.String("A"), ProductRestEndpointPageArns: []string{}},
			{SectionName: aws.String("A"), ProductRestEndpointPageArns: []string{}}}}, "section name A is used more than once"},
		{&types.DisplayOrder{Contents: []types.Section{{SectionName: aws.String(""), ProductRestEndpointPageArns: []string{}}}}, "section name must not be empty"},
	}
	for _, b := range badOrders {
		_, err := c.UpdatePortalProduct(ctx, &sdk.UpdatePortalProductInput{PortalProductId: &pid, DisplayOrder: b.d})
		apiErrContains(t, err, "BadRequestException", b.part)
	}
	// Pages the display order shows cannot be deleted.
	_, err = c.DeleteProductPage(ctx, &sdk.DeleteProductPageInput{PortalProductId: &pid, ProductPageId: &id})
	apiErrContains(t, err, "BadRequestException", "is in the display order of portal product "+pid)
	_, err = c.DeleteProductPage(ctx, &sdk.DeleteProductPageInput{PortalProductId: &pid, ProductPageId: pg2.ProductPageId})
	apiErrContains(t, err, "BadRequestException", "is in the display order")
	_, err = c.DeleteProductRestEndpointPage(ctx, &sdk.DeleteProductRestEndpointPageInput{PortalProductId: &pid, ProductRestEndpointPageId: &rid})
	apiErrContains(t, err, "BadRequestException", "is in section Adopt of the display order")
	do(c.UpdatePortalProduct(ctx, &sdk.UpdatePortalProductInput{PortalProductId: &pid, DisplayOrder: &types.DisplayOrder{ProductPageArns: []string{pgARN}}})).must(t)
	do(c.DeleteProductPage(ctx, &sdk.DeleteProductPageInput{PortalProductId: &pid, ProductPageId: pg2.ProductPageId})).must(t)
	do(c.DeleteProductRestEndpointPage(ctx, &sdk.DeleteProductRestEndpointPageInput{PortalProductId: &pid, ProductRestEndpointPageId: &rid})).must(t)
	_, err = c.GetProductRestEndpointPage(ctx, &sdk.GetProductRestEndpointPageInput{PortalProductId: &pid, ProductRestEndpointPageId: &rid})
	apiErr(t, err, "NotFoundException", "Invalid ProductRestEndpointPage identifier specified "+rid)
	_, err = c.GetProductPage(ctx, &sdk.GetProductPageInput{PortalProductId: &pid, ProductPageId: pg2.ProductPageId})
	apiErr(t, err, "NotFoundException", "")

	// A page whose REST API goes away reads as FAILED.
	do(env.APIGateway().DeleteStage(ctx, &v1.DeleteStageInput{RestApiId: &private, StageName: aws.String("prod")})).must(t)
	gp := do(c.GetProductRestEndpointPage(ctx, &sdk.GetProductRestEndpointPageInput{PortalProductId: &pid, ProductRestEndpointPageId: pp.ProductRestEndpointPageId})).must(t)
	if gp.Status != types.StatusFailed || gp.StatusException == nil || !strings.Contains(*gp.StatusException.Message, "Invalid stage identifier specified prod") {
		t.Fatalf("page of a deleted stage: %+v", gp)
	}

	// Deleting a product takes its pages along.
	do(c.UpdatePortalProduct(ctx, &sdk.UpdatePortalProductInput{PortalProductId: &pid, DisplayOrder: &types.DisplayOrder{}})).must(t)
	do(c.DeletePortalProduct(ctx, &sdk.DeletePortalProductInput{PortalProductId: &pid})).must(t)
	again := newProduct(t, c, "Again")
	if l := do(c.ListProductPages(ctx, &sdk.ListProductPagesInput{PortalProductId: again.PortalProductId})).must(t); len(l.Items) != 0 {
		t.Fatalf("pages of a new product: %+v", l.Items)
	}
}

// shareWith is a sharing policy allowing one account.
func shareWith(acct string) string {
	return `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":["arn:aws:iam::` + acct + `:root"]},"Action":["apigateway:GetPortalProduct"],"Resource":"*"}]}`
}

func TestPortalProductSharing(t *testing.T) {
	env, c := start(t)
	cb := sdk.NewFromConfig(env.AWSConfigFor(acctB, "secret"))
	p := newProduct(t, c, "Shared")
	pid := *p.PortalProductId
	pg := do(c.CreateProductPage(ctx, &sdk.CreateProductPageInput{PortalProductId: &pid,
		DisplayContent: &types.DisplayContent{Title: aws.String("Hello"), Body: aws.String("World")}})).must(t)
	rest := petsAPI(t, env.APIGateway(), "")
	rp := do(c.CreateProductRestEndpointPage(ctx, &sdk.CreateProductRestEndpointPageInput{PortalProductId: &pid,
		RestEndpointIdentifier: endpoint(rest, "prod", "GET", "/pets")})).must(t)

	// No policy yet.
	_, err := c.GetPortalProductSharingPolicy(ctx, &sdk.GetPortalProductSharingPolicyInput{PortalProductId: &pid})
	apiErr(t, err, "NotFoundException", "Portal product "+pid+" has no sharing policy")
	_, err = c.DeletePortalProductSharingPolicy(ctx, &sdk.DeletePortalProductSharingPolicyInput{PortalProductId: &pid})
	apiErr(t, err, "NotFoundException", "Portal product "+pid+" has no sharing policy")
	// Account B sees nothing of it: its own namespace, then 403 by owner.
	_, err = cb.GetPortalProduct(ctx, &sdk.GetPortalProductInput{PortalProductId: &pid})
	apiErr(t, err, "NotFoundException", "Invalid PortalProduct identifier specified "+pid)
	_, err = cb.GetPortalProduct(ctx, &sdk.GetPortalProductInput{PortalProductId: &pid, ResourceOwnerAccountId: aws.String(acctA)})
	apiErr(t, err, "AccessDeniedException", "Portal product "+pid+" of account "+acctA+" is not shared with account "+acctB)
	_, err = cb.ListProductPages(ctx, &sdk.ListProductPagesInput{PortalProductId: &pid, ResourceOwnerAccountId: aws.String(acctA)})
	apiErr(t, err, "AccessDeniedException", "")
	_, err = cb.CreatePortal(ctx, &sdk.CreatePortalInput{Authorization: noAuth, EndpointConfiguration: noEndpoint, PortalContent: content("B's"),
		IncludedPortalProductArns: []string{*p.PortalProductArn}})
	apiErr(t, err, "BadRequestException", "Portal product "+*p.PortalProductArn+" is not shared with account "+acctB)
	if l := do(cb.ListPortalProducts(ctx, &sdk.ListPortalProductsInput{ResourceOwner: aws.String("OTHER_ACCOUNTS")})).must(t); len(l.Items) != 0 {
		t.Fatalf("shared with B before sharing: %+v", l.Items)
	}

	// Invalid policies.
	for doc, part := range map[string]string{
		`[]`:                       "must be a JSON object",
		`{"Version":"2012-10-17"}`: "has no Statement",
		`{"Statement":[]}`:         "must not be empty",
		`{"Statement":{"Effect":"Maybe","Principal":"*"}}`:             `Effect of "Allow" or "Deny"`,
		`{"Statement":{"Effect":"Allow"}}`:                             "needs a Principal",
		`{"Statement":{"Effect":"Allow","Principal":{"Service":"x"}}}`: `Principal must be "*" or {"AWS": …}`,
		`{"Statement":{"Effect":"Allow","Principal":{"AWS":"bob"}}}`:   "invalid principal bob",
		`not json`: "must be a JSON object",
	} {
		_, err := c.PutPortalProductSharingPolicy(ctx, &sdk.PutPortalProductSharingPolicyInput{PortalProductId: &pid, PolicyDocument: aws.String(doc)})
		apiErrContains(t, err, "BadRequestException", "Invalid policy document: ")
		apiErrContains(t, err, "BadRequestException", part)
	}

	// Share with B.
	do(c.PutPortalProductSharingPolicy(ctx, &sdk.PutPortalProductSharingPolicyInput{PortalProductId: &pid, PolicyDocument: aws.String(shareWith(acctB))})).must(t)
	sp := do(c.GetPortalProductSharingPolicy(ctx, &sdk.GetPortalProductSharingPolicyInput{PortalProductId: &pid})).must(t)
	if *sp.PolicyDocument != shareWith(acctB) || *sp.PortalProductId != pid {
		t.Fatalf("sharing policy: %+v", sp)
	}
	g := do(cb.GetPortalProduct(ctx, &sdk.GetPortalProductInput{PortalProductId: &pid, ResourceOwnerAccountId: aws.String(acctA)})).must(t)
	if *g.PortalProductArn != *p.PortalProductArn {
		t.Fatalf("B reads A's product: %+v", g)
	}
	if l := do(cb.ListProductPages(ctx, &sdk.ListProductPagesInput{PortalProductId: &pid, ResourceOwnerAccountId: aws.String(acctA)})).must(t); len(l.Items) != 1 || *l.Items[0].PageTitle != "Hello" {
		t.Fatalf("B lists A's pages: %+v", l.Items)
	}
	if gp := do(cb.GetProductPage(ctx, &sdk.GetProductPageInput{PortalProductId: &pid, ProductPageId: pg.ProductPageId, ResourceOwnerAccountId: aws.String(acctA)})).must(t); *gp.DisplayContent.Body != "World" {
		t.Fatalf("B reads A's page: %+v", gp)
	}
	if l := do(cb.ListProductRestEndpointPages(ctx, &sdk.ListProductRestEndpointPagesInput{PortalProductId: &pid, ResourceOwnerAccountId: aws.String(acctA)})).must(t); len(l.Items) != 1 {
		t.Fatalf("B lists A's REST endpoint pages: %+v", l.Items)
	}
	if gr := do(cb.GetProductRestEndpointPage(ctx, &sdk.GetProductRestEndpointPageInput{PortalProductId: &pid, ProductRestEndpointPageId: rp.ProductRestEndpointPageId,
		ResourceOwnerAccountId: aws.String(acctA)})).must(t); aws.ToString(gr.DisplayContent.Body) != "Lists the pets." || gr.Status != types.StatusAvailable {
		t.Fatalf("B reads A's REST endpoint page: %+v", gr)
	}
	l := do(cb.ListPortalProducts(ctx, &sdk.ListPortalProductsInput{ResourceOwner: aws.String("OTHER_ACCOUNTS")})).must(t)
	if len(l.Items) != 1 || *l.Items[0].PortalProductArn != *p.PortalProductArn {
		t.Fatalf("shared with B: %+v", l.Items)
	}
	if l := do(cb.ListPortalProducts(ctx, &sdk.ListPortalProductsInput{})).must(t); len(l.Items) != 0 {
		t.Fatalf("B's own products: %+v", l.Items)
	}
	// B cannot change A's product: writes address the caller's own.
	_, err = cb.UpdatePortalProduct(ctx, &sdk.UpdatePortalProductInput{PortalProductId: &pid, DisplayName: aws.String("mine")})
	apiErr(t, err, "NotFoundException", "")

	// B's portal includes it, publishes; A cannot delete the product while
	// its own portal includes it, but B's use does not stop A.
	bp := do(cb.CreatePortal(ctx, &sdk.CreatePortalInput{Authorization: noAuth, EndpointConfiguration: noEndpoint, PortalContent: content("B's"),
		IncludedPortalProductArns: []string{*p.PortalProductArn}})).must(t)
	do(cb.PublishPortal(ctx, &sdk.PublishPortalInput{PortalId: bp.PortalId})).must(t)
	ap := newPortal(t, c, "A's", *p.PortalProductArn)
	_, err = c.DeletePortalProduct(ctx, &sdk.DeletePortalProductInput{PortalProductId: &pid})
	apiErr(t, err, "BadRequestException", "Portal product "+pid+" is included in portal "+*ap.PortalId+". Remove it from the portal before deleting it")

	// A Deny for B wins; once unshared, B can no longer publish or preview
	// until the portal drops the product.
	deny := `{"Statement":[{"Effect":"Allow","Principal":"*"},{"Effect":"Deny","Principal":{"AWS":"` + acctB + `"}}]}`
	do(c.PutPortalProductSharingPolicy(ctx, &sdk.PutPortalProductSharingPolicyInput{PortalProductId: &pid, PolicyDocument: aws.String(deny)})).must(t)
	_, err = cb.PublishPortal(ctx, &sdk.PublishPortalInput{PortalId: bp.PortalId})
	apiErrContains(t, err, "BadRequestException", "is not shared with account "+acctB)
	do(c.DeletePortalProductSharingPolicy(ctx, &sdk.DeletePortalProductSharingPolicyInput{PortalProductId: &pid})).must(t)
	_, err = cb.PreviewPortal(ctx, &sdk.PreviewPortalInput{PortalId: bp.PortalId})
	apiErrContains(t, err, "BadRequestException", "is not shared with account "+acctB)
	_, err = cb.GetPortalProduct(ctx, &sdk.GetPortalProductInput{PortalProductId: &pid, ResourceOwnerAccountId: aws.String(acctA)})
	apiErr(t, err, "AccessDeniedException", "")
	do(cb.UpdatePortal(ctx, &sdk.UpdatePortalInput{PortalId: bp.PortalId, IncludedPortalProductArns: []string{}})).must(t)
	do(cb.PreviewPortal(ctx, &sdk.PreviewPortalInput{PortalId: bp.PortalId})).must(t)

	// A conditional Allow allows nothing (conditions fail closed).
	cond := `{"Statement":{"Effect":"Allow","Principal":{"AWS":"` + acctB + `"},"Condition":{"StringEquals":{"aws:PrincipalOrgID":"o-1"}}}}`
	do(c.PutPortalProductSharingPolicy(ctx, &sdk.PutPortalProductSharingPolicyInput{PortalProductId: &pid, PolicyDocument: aws.String(cond)})).must(t)
	_, err = cb.GetPortalProduct(ctx, &sdk.GetPortalProductInput{PortalProductId: &pid, ResourceOwnerAccountId: aws.String(acctA)})
	apiErr(t, err, "AccessDeniedException", "")

	// Deleting the product (once no portal of A's includes it) takes the policy along.
	do(c.UpdatePortal(ctx, &sdk.UpdatePortalInput{PortalId: ap.PortalId, IncludedPortalProductArns: []string{}})).must(t)
	do(c.DeletePortalProduct(ctx, &sdk.DeletePortalProductInput{PortalProductId: &pid})).must(t)
	_, err = cb.GetPortalProduct(ctx, &sdk.GetPortalProductInput{PortalProductId: &pid, ResourceOwnerAccountId: aws.String(acctA)})
	apiErr(t, err, "NotFoundException", "Invalid PortalProduct identifier specified "+pid)
}

func TestPortals(t *testing.T) {
	env, c := start(t)
	prod := newProduct(t, c, "Pets")
	cognito := &types.Authorization{CognitoConfig: &types.CognitoConfig{AppClientId: aws.String("client1"),
		UserPoolArn:    aws.String("arn:aws:cognito-idp:us-east-1:000000000000:userpool/us-east-1_abc"),
		UserPoolDomain: aws.String("https://pets.auth.us-east-1.amazoncognito.com")}}
	cert := "arn:aws:acm:us-east-1:000000000000:certificate/abc"
	p := do(c.CreatePortal(ctx, &sdk.CreatePortalInput{Authorization: cognito,
		EndpointConfiguration: &types.EndpointConfigurationRequest{AcmManaged: &types.ACMManaged{DomainName: aws.String("Portal.Example.com"), CertificateArn: aws.String(cert)}},
		PortalContent:         content("Pet portal"), IncludedPortalProductArns: []string{*prod.PortalProductArn}, LogoUri: aws.String("s3://bucket/logo.png"),
		RumAppMonitorName: aws.String("pets-rum"), Tags: map[string]string{"team": "pets"}})).must(t)
	id := *p.PortalId
	arn := "arn:aws:apigateway:us-east-1:" + acctA + ":/portals/" + id
	ep := p.EndpointConfiguration
	if !portalIDRE.MatchString(id) || *p.PortalArn != arn || p.PublishStatus != types.PublishStatusDisabled || !p.LastModified.Equal(t0) ||
		p.LastPublished != nil || p.LastPublishedDescription != nil || p.StatusException != nil || *p.RumAppMonitorName != "pets-rum" ||
		!reflect.DeepEqual(p.IncludedPortalProductArns, []string{*prod.PortalProductArn}) || p.Tags["team"] != "pets" ||
		!reflect.DeepEqual(p.Authorization, cognito) || *p.PortalContent.DisplayName != "Pet portal" || *p.PortalContent.Description != "the Pet portal" ||
		!reflect.DeepEqual(p.PortalContent.Theme.CustomColors, colors()) || p.PortalContent.Theme.LogoLastUploaded == nil || !p.PortalContent.Theme.LogoLastUploaded.Equal(t0) ||
		*ep.PortalDefaultDomainName != "p-"+id+".apigw-portal.us-east-1.on.aws" || *ep.PortalDomainHostedZoneId != "Z2FDTNDATAQYW2" ||
		*ep.DomainName != "portal.example.com" || *ep.CertificateArn != cert {
		t.Fatalf("created portal: %+v\n%+v", p, ep)
	}
	g := do(c.GetPortal(ctx, &sdk.GetPortalInput{PortalId: &id})).must(t)
	if *g.PortalArn != arn || g.PublishStatus != types.PublishStatusDisabled || g.Preview != nil || *g.EndpointConfiguration.DomainName != "portal.example.com" {
		t.Fatalf("got portal: %+v", g)
	}

	// Invalid portals.
	other := "arn:aws:apigateway:us-west-2:" + acctA + ":/portalproducts/" + *prod.PortalProductId
	bad := []struct {
		in   *sdk.CreatePortalInput
		code string
		part string
	}{
		{&sdk.CreatePortalInput{Authorization: &types.Authorization{}}, "BadRequestException", "Exactly one of cognitoConfig and none"},
		{&sdk.CreatePortalInput{Authorization: &types.Authorization{None: &types.None{}, CognitoConfig: cognito.CognitoConfig}}, "BadRequestException", "Exactly one of cognitoConfig and none"},
		{&sdk.CreatePortalInput{Authorization: &types.Authorization{CognitoConfig: &types.CognitoConfig{AppClientId: aws.String("c"),
			UserPoolArn: aws.String("arn:aws:s3:::bucket/abcdefgh"), UserPoolDomain: aws.String("https://pets.auth.example.com")}}}, "BadRequestException", "Invalid userPoolArn specified"},
		{&sdk.CreatePortalInput{EndpointConfiguration: &types.EndpointConfigurationRequest{}}, "BadRequestException", "Exactly one of acmManaged and none"},
		{&sdk.CreatePortalInput{EndpointConfiguration: &types.EndpointConfigurationRequest{AcmManaged: &types.ACMManaged{DomainName: aws.String("x.example.com"),
			CertificateArn: aws.String("arn:aws:acm:eu-west-1:000000000000:certificate/abc")}}}, "BadRequestException", "must be an ACM certificate in us-east-1"},
		{&sdk.CreatePortalInput{EndpointConfiguration: &types.EndpointConfigurationRequest{AcmManaged: &types.ACMManaged{DomainName: aws.String("not a domain"),
			CertificateArn: aws.String(cert)}}}, "BadRequestException", "Invalid domain name specified: not a domain"},
		{&sdk.CreatePortalInput{EndpointConfiguration: &types.EndpointConfigurationRequest{AcmManaged: &types.ACMManaged{DomainName: aws.String("portal.example.com"),
			CertificateArn: aws.String(cert)}}}, "BadRequestException", "Domain name portal.example.com is already used by another portal"},
		{&sdk.CreatePortalInput{IncludedPortalProductArns: []string{"arn:aws:apigateway:us-east-1:000000000000:/portalproducts/nothere123"}}, "BadRequestException", "does not exist"},
		{&sdk.CreatePortalInput{IncludedPortalProductArns: []string{other}}, "BadRequestException", "a portal can only include portal products of its own region us-east-1"},
		{&sdk.CreatePortalInput{IncludedPortalProductArns: []string{"arn:aws:apigateway:us-east-1::/apis/abcdefghijkl"}}, "BadRequestException", "Invalid portal product ARN specified"},
		{&sdk.CreatePortalInput{IncludedPortalProductArns: []string{*prod.PortalProductArn, *prod.PortalProductArn}}, "BadRequestException", "included more than once"},
		{&sdk.CreatePortalInput{Tags: map[string]string{"aws:x": "y"}}, "BadRequestException", "aws:"},
		{&sdk.CreatePortalInput{PortalContent: &types.PortalContent{DisplayName: aws.String("ab"), Theme: &types.PortalTheme{CustomColors: colors()}}}, "BadRequestException", "DisplayName"},
	}
	for _, b := range bad {
		in := b.in
		if in.Authorization == nil {
			in.Authorization = noAuth
		}
		if in.EndpointConfiguration == nil {
			in.EndpointConfiguration = noEndpoint
		}
		if in.PortalContent == nil {
			in.PortalContent = content("bad")
		}
		_, err := c.CreatePortal(ctx, in)
		apiErrContains(t, err, b.code, b.part)
	}

	// Update.
	env.Clock.Advance(time.Minute)
	u := do(c.UpdatePortal(ctx, &sdk.UpdatePortalInput{PortalId: &id, Authorization: noAuth, EndpointConfiguration: noEndpoint,
		PortalContent: content("Pets portal"), IncludedPortalProductArns: []string{}, RumAppMonitorName: aws.String("")})).must(t)
	if u.PublishStatus != types.PublishStatusDisabled || !u.LastModified.Equal(t0.Add(time.Minute)) || u.Authorization.None == nil || u.Authorization.CognitoConfig != nil ||
		u.EndpointConfiguration.DomainName != nil || u.EndpointConfiguration.CertificateArn != nil || *u.PortalContent.DisplayName != "Pets portal" ||
		len(u.IncludedPortalProductArns) != 0 || u.IncludedPortalProductArns == nil || u.RumAppMonitorName != nil || u.Tags["team"] != "pets" ||
		u.PortalContent.Theme.LogoLastUploaded == nil || !u.PortalContent.Theme.LogoLastUploaded.Equal(t0) {
		t.Fatalf("updated portal: %+v", u)
	}
	env.Clock.Advance(time.Minute)
	u = do(c.UpdatePortal(ctx, &sdk.UpdatePortalInput{PortalId: &id, LogoUri: aws.String("s3://bucket/new.png")})).must(t)
	if !u.PortalContent.Theme.LogoLastUploaded.Equal(t0.Add(2 * time.Minute)) {
		t.Fatalf("logo uploaded: %v", u.PortalContent.Theme.LogoLastUploaded)
	}
	u = do(c.UpdatePortal(ctx, &sdk.UpdatePortalInput{PortalId: &id, LogoUri: aws.String(""), IncludedPortalProductArns: []string{*prod.PortalProductArn}})).must(t)
	if u.PortalContent.Theme.LogoLastUploaded != nil || len(u.IncludedPortalProductArns) != 1 {
		t.Fatalf("logo removed: %+v", u)
	}
	// The domain name freed by the update can be taken by another portal.
	do(c.CreatePortal(ctx, &sdk.CreatePortalInput{Authorization: noAuth, PortalContent: content("Second"),
		EndpointConfiguration: &types.EndpointConfigurationRequest{AcmManaged: &types.ACMManaged{DomainName: aws.String("portal.example.com"), CertificateArn: aws.String(cert)}}})).must(t)
	_, err := c.UpdatePortal(ctx, &sdk.UpdatePortalInput{PortalId: &id,
		EndpointConfiguration: &types.EndpointConfigurationRequest{AcmManaged: &types.ACMManaged{DomainName: aws.String("portal.example.com"), CertificateArn: aws.String(cert)}}})
	apiErrContains(t, err, "BadRequestException", "already used by another portal")
	_, err = c.UpdatePortal(ctx, &sdk.UpdatePortalInput{PortalId: &id, Authorization: &types.Authorization{}})
	apiErrContains(t, err, "BadRequestException", "Exactly one of cognitoConfig and none")
	_, err = c.UpdatePortal(ctx, &sdk.UpdatePortalInput{PortalId: &id, IncludedPortalProductArns: []string{"arn:aws:apigateway:us-east-1:000000000000:/portalproducts/nothere123"}})
	apiErrContains(t, err, "BadRequestException", "does not exist")

	// Preview, publish, disable, delete.
	code, body := raw(t, env, "POST", "/v2/portals/"+id+"/preview", "")
	if code != 202 || body != "{}" {
		t.Fatalf("PreviewPortal %d %q", code, body)
	}
	g = do(c.GetPortal(ctx, &sdk.GetPortalInput{PortalId: &id})).must(t)
	if g.Preview == nil || g.Preview.PreviewStatus != types.PreviewStatusPreviewReady ||
		!strings.HasPrefix(aws.ToString(g.Preview.PreviewUrl), "https://p-"+id+".apigw-portal.us-east-1.on.aws/preview/") || g.PublishStatus != types.PublishStatusDisabled {
		t.Fatalf("previewed portal: %+v %+v", g, g.Preview)
	}
	env.Clock.Advance(time.Hour)
	code, body = raw(t, env, "POST", "/v2/portals/"+id+"/publish", `{"description":"First release"}`)
	if code != 202 || body != "{}" {
		t.Fatalf("PublishPortal %d %q", code, body)
	}
	g = do(c.GetPortal(ctx, &sdk.GetPortalInput{PortalId: &id})).must(t)
	if g.PublishStatus != types.PublishStatusPublished || !g.LastPublished.Equal(t0.Add(2*time.Minute+time.Hour)) || *g.LastPublishedDescription != "First release" ||
		!g.LastModified.Equal(t0.Add(2*time.Minute)) {
		t.Fatalf("published portal: %+v", g)
	}
	// Republishing is fine; a published portal cannot be deleted.
	do(c.PublishPortal(ctx, &sdk.PublishPortalInput{PortalId: &id})).must(t)
	if g := do(c.GetPortal(ctx, &sdk.GetPortalInput{PortalId: &id})).must(t); g.LastPublishedDescription != nil || g.PublishStatus != types.PublishStatusPublished {
		t.Fatalf("republished: %+v", g)
	}
	_, err = c.DeletePortal(ctx, &sdk.DeletePortalInput{PortalId: &id})
	apiErr(t, err, "BadRequestException", "Portal "+id+" is published. Disable it before deleting it")
	// A published portal can still be updated; it stays published.
	if u := do(c.UpdatePortal(ctx, &sdk.UpdatePortalInput{PortalId: &id, PortalContent: content("Renamed")})).must(t); u.PublishStatus != types.PublishStatusPublished {
		t.Fatalf("updated published portal: %s", u.PublishStatus)
	}
	code, body = raw(t, env, "DELETE", "/v2/portals/"+id+"/publish", "")
	if code != 204 || body != "" {
		t.Fatalf("DisablePortal %d %q", code, body)
	}
	if g := do(c.GetPortal(ctx, &sdk.GetPortalInput{PortalId: &id})).must(t); g.PublishStatus != types.PublishStatusDisabled || g.LastPublished == nil {
		t.Fatalf("disabled portal: %+v", g)
	}
	_, err = c.DisablePortal(ctx, &sdk.DisablePortalInput{PortalId: &id})
	apiErr(t, err, "ConflictException", "Portal "+id+" is not published: its publish status is DISABLED")

	// Tags through the portal's ARN (with or without the account).
	do(c.TagResource(ctx, &sdk.TagResourceInput{ResourceArn: &arn, Tags: map[string]string{"env": "prod"}})).must(t)
	do(c.UntagResource(ctx, &sdk.UntagResourceInput{ResourceArn: aws.String("arn:aws:apigateway:us-east-1::/portals/" + id), TagKeys: []string{"team"}})).must(t)
	if tg := do(c.GetTags(ctx, &sdk.GetTagsInput{ResourceArn: &arn})).must(t); !reflect.DeepEqual(tg.Tags, map[string]string{"env": "prod"}) {
		t.Fatalf("portal tags: %v", tg.Tags)
	}
	if g := do(c.GetPortal(ctx, &sdk.GetPortalInput{PortalId: &id})).must(t); !reflect.DeepEqual(g.Tags, map[string]string{"env": "prod"}) {
		t.Fatalf("GetPortal tags: %v", g.Tags)
	}

	// List, paginated.
	newPortal(t, c, "Third")
	var ids []string
	var tok *string
	for {
		l := do(c.ListPortals(ctx, &sdk.ListPortalsInput{MaxResults: aws.String("2"), NextToken: tok})).must(t)
		for _, it := range l.Items {
			ids = append(ids, *it.PortalId)
			if it.PortalArn == nil || it.Authorization == nil || it.EndpointConfiguration == nil || it.IncludedPortalProductArns == nil ||
				it.LastModified == nil || it.PortalContent == nil || it.PublishStatus == "" || it.Tags == nil {
				t.Fatalf("listed portal: %+v", it)
			}
		}
		if tok = l.NextToken; tok == nil {
			break
		}
	}
	if len(ids) != 3 {
		t.Fatalf("listed portals %v", ids)
	}
	_, err = c.ListPortals(ctx, &sdk.ListPortalsInput{MaxResults: aws.String("x")})
	apiErrContains(t, err, "BadRequestException", "Invalid maxResults specified: x")

	// Unknown ids.
	nope := aws.String("nope")
	for _, e := range []error{
		do(c.GetPortal(ctx, &sdk.GetPortalInput{PortalId: nope})).err,
		do(c.UpdatePortal(ctx, &sdk.UpdatePortalInput{PortalId: nope})).err,
		do(c.DeletePortal(ctx, &sdk.DeletePortalInput{PortalId: nope})).err,
		do(c.PublishPortal(ctx, &sdk.PublishPortalInput{PortalId: nope})).err,
		do(c.DisablePortal(ctx, &sdk.DisablePortalInput{PortalId: nope})).err,
		do(c.PreviewPortal(ctx, &sdk.PreviewPortalInput{PortalId: nope})).err,
	} {
		apiErr(t, e, "NotFoundException", "Invalid Portal identifier specified nope")
	}
	_, err = c.GetTags(ctx, &sdk.GetTagsInput{ResourceArn: aws.String("arn:aws:apigateway:us-east-1:" + acctA + ":/portals/nope")})
	apiErr(t, err, "NotFoundException", "Invalid resource identifier specified arn:aws:apigateway:us-east-1:"+acctA+":/portals/nope")

	// Delete the disabled portal.
	code, _ = raw(t, env, "DELETE", "/v2/portals/"+id, "")
	if code != 204 {
		t.Fatalf("DeletePortal %d", code)
	}
	_, err = c.GetPortal(ctx, &sdk.GetPortalInput{PortalId: &id})
	apiErr(t, err, "NotFoundException", "Invalid Portal identifier specified "+id)
	// Its product is free to go now.
	do(c.DeletePortalProduct(ctx, &sdk.DeletePortalProductInput{PortalProductId: prod.PortalProductId})).must(t)
}

// Portals, products and pages survive a restart of the node.
func TestPortalsPersist(t *testing.T) {
	clk := clock.NewFake(t0)
	dir := t.TempDir()
	opts := []testenv.Option{testenv.WithFakeClock(clk), testenv.WithConfig(func(c *app.Config) { c.DataDir = dir })}
	var portalID, productID, pageID, restPageID string
	t.Run("first node", func(t *testing.T) {
		env := testenv.Start(t, opts...)
		c := env.APIGatewayV2()
		rest := petsAPI(t, env.APIGateway(), "")
		productID = *newProduct(t, c, "Kept").PortalProductId
		pageID = *do(c.CreateProductPage(ctx, &sdk.CreateProductPageInput{PortalProductId: &productID,
			DisplayContent: &types.DisplayContent{Title: aws.String("Kept page"), Body: aws.String("body")}})).must(t).ProductPageId
		restPageID = *do(c.CreateProductRestEndpointPage(ctx, &sdk.CreateProductRestEndpointPageInput{PortalProductId: &productID,
			RestEndpointIdentifier: endpoint(rest, "prod", "GET", "/pets"), TryItState: types.TryItStateEnabled,
			DisplayContent: &types.EndpointDisplayContent{Overrides: &types.DisplayContentOverrides{OperationName: aws.String("Kept op")}}})).must(t).ProductRestEndpointPageId
		do(c.PutPortalProductSharingPolicy(ctx, &sdk.PutPortalProductSharingPolicyInput{PortalProductId: &productID, PolicyDocument: aws.String(shareWith(acctB))})).must(t)
		portalID = *newPortal(t, c, "Kept portal", "arn:aws:apigateway:us-east-1:"+acctA+":/portalproducts/"+productID).PortalId
		do(c.PublishPortal(ctx, &sdk.PublishPortalInput{PortalId: &portalID, Description: aws.String("v1")})).must(t)
	})
	if t.Failed() {
		return
	}
	env := testenv.Start(t, opts...)
	c := env.APIGatewayV2()
	g := do(c.GetPortal(ctx, &sdk.GetPortalInput{PortalId: &portalID})).must(t)
	if g.PublishStatus != types.PublishStatusPublished || *g.LastPublishedDescription != "v1" || *g.PortalContent.DisplayName != "Kept portal" || len(g.IncludedPortalProductArns) != 1 {
		t.Fatalf("portal after restart: %+v", g)
	}
	if pg := do(c.GetProductPage(ctx, &sdk.GetProductPageInput{PortalProductId: &productID, ProductPageId: &pageID})).must(t); *pg.DisplayContent.Title != "Kept page" {
		t.Fatalf("page after restart: %+v", pg)
	}
	rp := do(c.GetProductRestEndpointPage(ctx, &sdk.GetProductRestEndpointPageInput{PortalProductId: &productID, ProductRestEndpointPageId: &restPageID})).must(t)
	if *rp.DisplayContent.OperationName != "Kept op" || rp.TryItState != types.TryItStateEnabled || rp.Status != types.StatusAvailable {
		t.Fatalf("REST endpoint page after restart: %+v", rp)
	}
	if sp := do(c.GetPortalProductSharingPolicy(ctx, &sdk.GetPortalProductSharingPolicyInput{PortalProductId: &productID})).must(t); *sp.PolicyDocument != shareWith(acctB) {
		t.Fatalf("sharing policy after restart: %+v", sp)
	}
}

// The portal family through boto3, as a Python user drives it.
func TestPortalsBoto3(t *testing.T) {
	env := testenv.StartBinary(t, "")
	out := env.Python(t, `
import boto3, os
c = boto3.client("apigatewayv2", endpoint_url=os.environ["STAGECRAFT_URL"], region_name="us-east-1")
colors = dict(AccentColor="#ff9900", BackgroundColor="#ffffff", ErrorValidationColor="#d13212", HeaderColor="#232f3e", NavigationColor="#232f3e", TextColor="#000000")
prod = c.create_portal_product(DisplayName="Pets", Description="Adopt pets", Tags={"team": "pets"})
assert prod["ResponseMetadata"]["HTTPStatusCode"] == 201, prod
pid = prod["PortalProductId"]
page = c.create_product_page(PortalProductId=pid, DisplayContent={"Title": "Start", "Body": "# Hello"})
c.update_portal_product(PortalProductId=pid, DisplayOrder={"OverviewPageArn": page["ProductPageArn"], "ProductPageArns": [], "Contents": []})
got = c.get_portal_product(PortalProductId=pid)
assert got["DisplayOrder"]["OverviewPageArn"] == page["ProductPageArn"] and got["LastModified"].tzinfo is not None, got
p = c.create_portal(Authorization={"None": {}}, EndpointConfiguration={"None": {}},
    PortalContent={"DisplayName": "Pet portal", "Theme": {"CustomColors": colors}}, IncludedPortalProductArns=[prod["PortalProductArn"]])
assert p["PublishStatus"] == "DISABLED" and p["EndpointConfiguration"]["PortalDefaultDomainName"] == "p-%s.apigw-portal.us-east-1.on.aws" % p["PortalId"], p
r = c.publish_portal(PortalId=p["PortalId"], Description="first")
assert r["ResponseMetadata"]["HTTPStatusCode"] == 202, r
g = c.get_portal(PortalId=p["PortalId"])
assert g["PublishStatus"] == "PUBLISHED" and g["LastPublishedDescription"] == "first", g
try:
    c.delete_portal(PortalId=p["PortalId"])
    raise SystemExit("deleted a published portal")
except c.exceptions.BadRequestException as e:
    assert "Disable it before deleting it" in e.response["Error"]["Message"], e.response
try:
    c.delete_product_page(PortalProductId=pid, ProductPageId=page["ProductPageId"])
    raise SystemExit("deleted a page in the display order")
except c.exceptions.BadRequestException as e:
    pass
c.disable_portal(PortalId=p["PortalId"])
try:
    c.disable_portal(PortalId=p["PortalId"])
    raise SystemExit("disabled twice")
except c.exceptions.ConflictException as e:
    pass
items = c.list_portals(MaxResults="1")["Items"]
assert len(items) == 1 and items[0]["PortalId"] == p["PortalId"], items
c.delete_portal(PortalId=p["PortalId"])
try:
    c.get_portal(PortalId=p["PortalId"])
    raise SystemExit("portal still there")
except c.exceptions.NotFoundException as e:
    assert e.response["Error"]["Message"] == "Invalid Portal identifier specified " + p["PortalId"], e.response
c.put_portal_product_sharing_policy(PortalProductId=pid, PolicyDocument='{"Statement":{"Effect":"Allow","Principal":"*"}}')
assert c.get_portal_product_sharing_policy(PortalProductId=pid)["PortalProductId"] == pid
c.delete_portal_product(PortalProductId=pid)
print("OK")
`)
	if strings.TrimSpace(out) != "OK" {
		t.Fatalf("boto3 scenario: %s", out)
	}
}
