// Package apigatewayv2 is the hand-written control plane of API Gateway's
// HTTP and WebSocket APIs (service apigatewayv2, 2018-11-29). It implements
// the generated api.Service interface; routing, binding, model validation
// and error encoding are generated in internal/api/apigatewayv2.
//
// State lives in the store, one table per resource kind, keys scoped by
// account and region (store.Key(account, region, ...)):
//
//	apigwv2.apis                  apiId                          → api.Api (apiEndpoint is not stored: derived per request)
//	apigwv2.apiindex              apiId (NOT scoped)             → APILocation (which account/region owns an api id; the data plane only sees the id in the host)
//	apigwv2.routes                apiId/routeId                  → api.Route
//	apigwv2.routeresponses        apiId/routeId/routeResponseId  → api.RouteResponse
//	apigwv2.integrations          apiId/integrationId            → api.Integration
//	apigwv2.integrationresponses  apiId/integrationId/responseId → api.IntegrationResponse
//	apigwv2.authorizers           apiId/authorizerId             → api.Authorizer
//	apigwv2.models                apiId/modelId                  → api.Model
//	apigwv2.deployments           apiId/deploymentId             → deploymentRecord (api.Deployment + creation sequence)
//	apigwv2.snapshots             apiId/deploymentId             → Snapshot (immutable; what the data plane serves)
//	apigwv2.stages                apiId/stageName                → api.Stage
//	apigwv2.authcache             apiId/stageName                → authCacheEpoch (bumped by ResetAuthorizersCache)
//	apigwv2.domainnames           domainName                     → api.DomainName
//	apigwv2.apimappings           domainName/apiMappingId        → mappingRecord (api.ApiMapping + its domain name)
//	apigwv2.routingrules          domainName/routingRuleId       → ruleRecord (api.RoutingRule + its domain name; the domain may be the REST family's)
//	apigwv2.vpclinks              vpcLinkId                      → api.VpcLink
//	apigwv2.portals               portalId                       → portalRecord (api.PortalSummary + logo URI)
//	apigwv2.portalproducts        portalProductId                → api.GetPortalProductResponse
//	apigwv2.productsharing        portalProductId                → api.GetPortalProductSharingPolicyResponse
//	apigwv2.productpages          portalProductId/productPageId  → api.GetProductPageResponse
//	apigwv2.productrestpages      portalProductId/pageId         → restPageRecord (identifier, overrides, try it)
//
// Every operation reads, checks and writes in one store transaction, so it
// is atomic; an operation that changes an API's configuration also makes the
// automatic deployments of its autoDeploy stages inside that same
// transaction (see autodeploy.go).
package apigatewayv2

import (
	"context"
	"encoding/base64"
	"errors"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	api "github.com/stagecraft/stagecraft/internal/api/apigatewayv2"
	"github.com/stagecraft/stagecraft/internal/clock"
	"github.com/stagecraft/stagecraft/internal/store"
	"github.com/stagecraft/stagecraft/internal/wire"
)

// Tables (see the package comment for keys and values).
const (
	tAPIs                 = "apigwv2.apis"
	tAPIIndex             = "apigwv2.apiindex"
	tRoutes               = "apigwv2.routes"
	tRouteResponses       = "apigwv2.routeresponses"
	tIntegrations         = "apigwv2.integrations"
	tIntegrationResponses = "apigwv2.integrationresponses"
	tAuthorizers          = "apigwv2.authorizers"
	tModels               = "apigwv2.models"
	tDeployments          = "apigwv2.deployments"
	tSnapshots            = "apigwv2.snapshots"
	tStages               = "apigwv2.stages"
	tAuthCache            = "apigwv2.authcache"
	tDomainNames          = "apigwv2.domainnames"
	tAPIMappings          = "apigwv2.apimappings"
	tVpcLinks             = "apigwv2.vpclinks"
)

// apiTables are the tables whose keys start with an api id; DeleteApi
// clears the api's prefix in each.
var apiTables = []string{tRoutes, tRouteResponses, tIntegrations, tIntegrationResponses,
	tAuthorizers, tModels, tDeployments, tSnapshots, tStages, tAuthCache}

// Service implements api.Service.
type Service struct {
	api.Unimplemented
	st  store.Store
	clk clock.Clock
}

var _ api.Service = (*Service)(nil)

// New returns the HTTP/WebSocket API control plane over st.
func New(st store.Store, clk clock.Clock) *Service {
	if clk == nil {
		clk = clock.Wall{}
	}
	return &Service{st: st, clk: clk}
}

// now is the current time at AWS's precision (whole seconds).
func (s *Service) now() wire.ISOTime { return wire.ISO(s.clk.Now().Truncate(time.Second)) }

// key builds a store key in the request's account and region.
func key(ctx context.Context, parts ...string) string {
	sc := wire.ScopeFrom(ctx)
	return store.Key(append([]string{sc.Account, sc.Region}, parts...)...)
}

// prefix is key with a trailing "/" for scanning children.
func prefix(ctx context.Context, parts ...string) string {
	sc := wire.ScopeFrom(ctx)
	return store.Prefix(append([]string{sc.Account, sc.Region}, parts...)...)
}

func region(ctx context.Context) string  { return wire.ScopeFrom(ctx).Region }
func account(ctx context.Context) string { return wire.ScopeFrom(ctx).Account }

// Errors.

func badRequest(format string, args ...any) error { return api.NewBadRequestException(format, args...) }
func conflict(format string, args ...any) error   { return api.NewConflictException(format, args...) }

// notFound is a 404 with the modeled resourceType left out: AWS's v2
// answers seen in the wild carry only a message [C].
func notFound(format string, args ...any) error { return api.NewNotFoundException(format, args...) }

// errNoAPI is AWS's answer for an unknown api id [C]:
// "Invalid API identifier specified {accountId}:{apiId}".
func errNoAPI(ctx context.Context, id string) error {
	return notFound("Invalid API identifier specified %s:%s", account(ctx), id)
}

// The child-resource texts follow the catalogue in errors-and-ids.md
// ("Invalid Route identifier specified {id}", same pattern for the others)
// [L, moto]; AWS's exact wording for these is unverified.
func errNoChild(kind, id string) error {
	return notFound("Invalid %s identifier specified %s", kind, id)
}

// get reads one JSON record, mapping a missing key to notFoundErr.
func get[T any](tx store.Tx, table, k string, notFoundErr error) (*T, error) {
	v, err := store.GetJSON[T](tx, table, k)
	if errors.Is(err, store.ErrNotFound) {
		return nil, notFoundErr
	}
	return v, err
}

// exists reports whether key is present in table.
func exists(tx store.Tx, table, k string) (bool, error) {
	_, err := tx.Get(table, k)
	if errors.Is(err, store.ErrNotFound) {
		return false, nil
	}
	return err == nil, err
}

// loadAPI reads an api or answers AWS's 404.
func loadAPI(ctx context.Context, tx store.Tx, id string) (*api.Api, error) {
	return get[api.Api](tx, tAPIs, key(ctx, id), errNoAPI(ctx, id))
}

func isWebSocket(a *api.Api) bool { return str(a.ProtocolType) == "WEBSOCKET" }

// Pointer helpers.

func ptr[T any](v T) *T { return &v }

func str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

func boolv(p *bool) bool { return p != nil && *p }

// optional turns "" into nil: clients clear a string member by sending "".
func optional(p *string) *string {
	if p == nil || *p == "" {
		return nil
	}
	return p
}

func cloneMap[V any](m map[string]V) map[string]V {
	if m == nil {
		return nil
	}
	out := make(map[string]V, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// Length checks the model documents ("StringWithLengthBetween1And64" and
// so on) but does not constrain, so the generated layer cannot check them.
// They are answered in the same words as the generated model validation.

type lengths struct {
	op string // lowerCamel operation input, e.g. "createRouteInput"
	vs wire.Violations
}

func (l *lengths) str(member string, v *string, min, max int) {
	if v != nil {
		l.vs.Len(l.op, member, *v, min, max)
	}
}

func (l *lengths) err() error { return l.vs.Err(api.ValidationCode) }

// Pagination: maxResults (a string in the model) and an opaque nextToken,
// the base64 of the last key returned. Items come in key order, which is
// stable. Without maxResults every remaining item is returned [?]: AWS
// documents no default page size for apigatewayv2.

const maxPage = 500

func page[T any](items []T, keyOf func(T) string, maxResults, nextToken *string) ([]T, *string, error) {
	n := len(items)
	if maxResults != nil && *maxResults != "" {
		v, err := strconv.Atoi(*maxResults)
		if err != nil || v < 1 || v > maxPage {
			return nil, nil, badRequest("Invalid maxResults specified: %s. Must be between 1 and %d", *maxResults, maxPage)
		}
		n = v
	}
	start := 0
	if nextToken != nil && *nextToken != "" {
		after, err := base64.RawURLEncoding.DecodeString(*nextToken)
		if err != nil || len(after) == 0 {
			return nil, nil, badRequest("Invalid nextToken specified")
		}
		for start < len(items) && keyOf(items[start]) <= string(after) {
			start++
		}
	}
	end := min(start+n, len(items))
	out := items[start:end]
	if end < len(items) && len(out) > 0 {
		next := base64.RawURLEncoding.EncodeToString([]byte(keyOf(out[len(out)-1])))
		return out, &next, nil
	}
	return out, nil, nil
}

// values turns []*T into []T for list outputs; never nil, so `items` is
// always present.
func values[T any](in []*T) []T {
	out := make([]T, 0, len(in))
	for _, v := range in {
		out = append(out, *v)
	}
	return out
}

// Endpoints.
//
// apiEndpoint is derived on every read, never stored, so that it follows
// the address the node is reached on. A service method only sees the
// request context, not the Host header; the context does carry the local
// address of the connection (http.LocalAddrContextKey, set by net/http).
// When that is a loopback address, the node is being used locally and the
// endpoint is http://{apiId}.execute-api.localhost:{port} (ws:// for
// WebSocket): *.localhost resolves to the loopback address, and the front
// door sends any {id}.execute-api.* host to the data plane
// (server.IsExecuteAPIHost). Otherwise it is AWS's own form,
// https://{apiId}.execute-api.{region}.amazonaws.com (wss:// for
// WebSocket) [D]. A configurable public base URL can replace this later.
func apiEndpoint(ctx context.Context, a *api.Api) string {
	return executeAPIURL(ctx, str(a.ApiId), isWebSocket(a))
}

// executeAPIURL is the base URL of an API's data plane as apiEndpoint
// derives it (also for REST APIs, whose stages are served the same way).
func executeAPIURL(ctx context.Context, id string, websocket bool) string {
	if la, ok := ctx.Value(http.LocalAddrContextKey).(net.Addr); ok {
		if tcp, ok := la.(*net.TCPAddr); ok && tcp.IP.IsLoopback() {
			scheme := "http"
			if websocket {
				scheme = "ws"
			}
			return scheme + "://" + id + ".execute-api.localhost:" + strconv.Itoa(tcp.Port)
		}
	}
	scheme := "https"
	if websocket {
		scheme = "wss"
	}
	return scheme + "://" + id + ".execute-api." + region(ctx) + ".amazonaws.com"
}

// ARNs of taggable resources: the account field is empty [D].

func apiARN(ctx context.Context, apiID string) string {
	return "arn:aws:apigateway:" + region(ctx) + "::/apis/" + apiID
}

func stageARN(ctx context.Context, apiID, stage string) string {
	return apiARN(ctx, apiID) + "/stages/" + stage
}

// APILocation says which account and region own an api id.
type APILocation struct {
	Account string `json:"account"`
	Region  string `json:"region"`
}

// LocateAPI finds the account and region of an api id, for the data plane,
// which is addressed by host ({apiId}.execute-api.…) and therefore knows
// only the id. A missing id returns an error satisfying
// errors.Is(err, store.ErrNotFound). Use the result with
// wire.WithScope(ctx, wire.Scope{Account: …, Region: …}) before calling
// LoadAPI, LoadStage or LoadSnapshot.
func LocateAPI(tx store.Tx, apiID string) (*APILocation, error) {
	return store.GetJSON[APILocation](tx, tAPIIndex, apiID)
}

// cleanKeyPart rejects ids that would break a store key; such an id cannot
// name anything, so the caller answers 404.
func cleanKeyPart(s string) bool { return s != "" && !strings.Contains(s, "/") }
