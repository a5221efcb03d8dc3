// Package apigateway is the hand-written logic of the API Gateway REST API
// control plane (service apigateway, 2015-07-09). It implements the
// generated api.Service interface; the wire layer (routing, binding,
// validation, error encoding) is generated in internal/api/apigateway.
//
// State lives in the store, one table per resource kind, keys scoped by
// account and region (see keys below). A Resource record carries its
// methods, and each method its integration and responses, so one prefix
// scan reads a whole API tree — which is what CreateDeployment freezes
// into a snapshot for the data plane.
package apigateway

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"strconv"
	"strings"
	"sync"
	"time"

	api "github.com/stagecraft/stagecraft/internal/api/apigateway"
	"github.com/stagecraft/stagecraft/internal/clock"
	"github.com/stagecraft/stagecraft/internal/store"
	"github.com/stagecraft/stagecraft/internal/wire"
)

// Tables. Keys are store.Key(account, region, ...) with the parts noted.
const (
	tRestAPIs         = "apigw.restapis"         // apiId → api.RestApi
	tResources        = "apigw.resources"        // apiId/resourceId → resourceRecord
	tDeployments      = "apigw.deployments"      // apiId/deploymentId → api.Deployment (with apiSummary)
	tSnapshots        = "apigw.snapshots"        // apiId/deploymentId → Snapshot
	tAPISummaries     = "apigw.apisummaries"     // apiId/deploymentId → the deployment's apiSummary
	tStages           = "apigw.stages"           // apiId/stageName → api.Stage
	tAuthorizers      = "apigw.authorizers"      // apiId/authorizerId → api.Authorizer
	tModels           = "apigw.models"           // apiId/modelName → api.Model
	tValidators       = "apigw.validators"       // apiId/validatorId → api.RequestValidator
	tGatewayResponses = "apigw.gatewayresponses" // apiId/responseType → api.GatewayResponse
	tDocParts         = "apigw.docparts"         // apiId/partId → api.DocumentationPart
	tDocVersions      = "apigw.docversions"      // apiId/version → api.DocumentationVersion
	tAPIKeys          = "apigw.apikeys"          // keyId → api.ApiKey
	tUsagePlans       = "apigw.usageplans"       // planId → api.UsagePlan
	tUsagePlanKeys    = "apigw.usageplankeys"    // planId/keyId → api.UsagePlanKey
	tDomainNames      = "apigw.domainnames"      // domainName → api.DomainName
	tBasePaths        = "apigw.basepaths"        // domainName/basePath → api.BasePathMapping
	tDomainAccess     = "apigw.domainaccess"     // associationArn → api.DomainNameAccessAssociation (the association's owner)
	tDomainAccessIn   = "apigw.domainaccessin"   // associationArn → api.DomainNameAccessAssociation (the domain's owner, other accounts' associations)
	tClientCerts      = "apigw.clientcerts"      // certId → api.ClientCertificate
	tVpcLinks         = "apigw.vpclinks"         // vpcLinkId → api.VpcLink
	tAccount          = "apigw.account"          // "account" → api.Account
	tAuthCache        = "apigw.authcache"        // apiId/stageName → {"epoch": n}, bumped by FlushStageAuthorizersCache
)

// Service implements api.Service.
type Service struct {
	api.Unimplemented
	st  store.Store
	clk clock.Clock

	// Decoded records for read-only uses (see docCache): GetDeployments'
	// page, and the API and resource tree CreateDeployment freezes.
	deployments docCache[api.Deployment]
	restAPIs    docCache[api.RestApi]
	resources   docCache[resourceRecord]

	invoker TestInvoker // runs TestInvokeMethod; nil answers 501
}

// docCache remembers decoded records by store key for as long as their
// stored bytes stay the same, so listing a page listed before (deployment
// records never change but for their description) compares bytes instead
// of decoding JSON again. The records it returns are shared by every
// caller: copy them, never modify them.
type docCache[T any] struct {
	mu sync.Mutex
	m  map[string]docEntry[T]
}

type docEntry[T any] struct {
	raw []byte
	v   *T
}

// docCacheMax bounds a docCache; when full it starts over.
const docCacheMax = 4096

// decode returns the record stored as raw under k.
func (c *docCache[T]) decode(k string, raw []byte) (*T, error) {
	v, _, err := c.decodeRaw(k, raw)
	return v, err
}

// decodeRaw is decode that also returns the cache's copy of raw, which
// stays valid (and unchanged) after the transaction raw came from.
func (c *docCache[T]) decodeRaw(k string, raw []byte) (*T, []byte, error) {
	c.mu.Lock()
	e, ok := c.m[k]
	c.mu.Unlock()
	if ok && bytes.Equal(e.raw, raw) {
		return e.v, e.raw, nil
	}
	v := new(T)
	if err := wire.Unmarshal(raw, v); err != nil { // the generated decoder when T has one
		return nil, nil, err
	}
	own := bytes.Clone(raw)
	c.mu.Lock()
	if c.m == nil || len(c.m) >= docCacheMax {
		c.m = make(map[string]docEntry[T])
	}
	c.m[k] = docEntry[T]{raw: own, v: v}
	c.mu.Unlock()
	return v, own, nil
}

var _ api.Service = (*Service)(nil)

// New returns the REST API control plane over st.
func New(st store.Store, clk clock.Clock) *Service {
	if clk == nil {
		clk = clock.Wall{}
	}
	return &Service{st: st, clk: clk}
}

func (s *Service) now() wire.EpochTime { return wire.Epoch(s.clk.Now().Truncate(time.Second)) }

// key builds a store key in the request's account and region.
// It is store.Key(account, region, parts...) built in one allocation.
func key(ctx context.Context, parts ...string) string {
	return scopedKey(ctx, parts, false)
}

// prefix is key with a trailing "/" for scanning children.
func prefix(ctx context.Context, parts ...string) string {
	return scopedKey(ctx, parts, true)
}

func scopedKey(ctx context.Context, parts []string, slash bool) string {
	sc := wire.ScopeFrom(ctx)
	n := len(sc.Account) + 1 + len(sc.Region) + len(parts)
	for _, p := range parts {
		n += len(p)
	}
	if slash {
		n++
	}
	var b strings.Builder
	b.Grow(n)
	b.WriteString(sc.Account)
	b.WriteByte('/')
	b.WriteString(sc.Region)
	for _, p := range parts {
		b.WriteByte('/')
		b.WriteString(p)
	}
	if slash {
		b.WriteByte('/')
	}
	return b.String()
}

func region(ctx context.Context) string  { return wire.ScopeFrom(ctx).Region }
func account(ctx context.Context) string { return wire.ScopeFrom(ctx).Account }

// Errors with AWS's wording.

func badRequest(format string, args ...any) error {
	return api.NewBadRequestException(format, args...)
}

func notFound(format string, args ...any) error {
	return api.NewNotFoundException(format, args...)
}

func conflict(format string, args ...any) error {
	return api.NewConflictException(format, args...)
}

func errNoAPI(ctx context.Context, id string) error {
	return notFound("Invalid API identifier specified %s:%s", account(ctx), id)
}

// get reads one JSON record, mapping a missing key to notFoundErr.
func get[T any](tx store.Tx, table, k string, notFoundErr error) (*T, error) {
	v, err := store.GetJSON[T](tx, table, k)
	if errors.Is(err, store.ErrNotFound) {
		return nil, notFoundErr
	}
	return v, err
}

// restAPIShared is restAPI for callers that only read the RestApi: it may
// come from s.restAPIs and must not be modified.
func (s *Service) restAPIShared(ctx context.Context, tx store.Tx, id string) (*api.RestApi, error) {
	k := key(ctx, id)
	b, err := tx.Get(tRestAPIs, k)
	if errors.Is(err, store.ErrNotFound) {
		return nil, errNoAPI(ctx, id)
	}
	if err != nil {
		return nil, err
	}
	return s.restAPIs.decode(k, b)
}

// restAPI loads a RestApi or answers AWS's 404.
func restAPI(ctx context.Context, tx store.Tx, id string) (*api.RestApi, error) {
	// Not get(): the error's message is only formatted when it is needed.
	ra, err := store.GetJSON[api.RestApi](tx, tRestAPIs, key(ctx, id))
	if errors.Is(err, store.ErrNotFound) {
		return nil, errNoAPI(ctx, id)
	}
	return ra, err
}

// exists reports whether key is present in table.
func exists(tx store.Tx, table, k string) (bool, error) {
	_, err := tx.Get(table, k)
	if errors.Is(err, store.ErrNotFound) {
		return false, nil
	}
	return err == nil, err
}

// Pointer helpers.

func ptr[T any](v T) *T { return &v }

func str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

func boolv(p *bool) bool { return p != nil && *p }

// Pagination (position/limit, items under "item").

const (
	defaultLimit = 25
	maxLimit     = 500
)

// page returns one page of items (already in key order) after position and
// the position of the next page, nil on the last page. The position is the
// opaque base64 of the last key returned.
func page[T any](items []T, keyOf func(T) string, position *string, limit *int32) ([]T, *string, error) {
	n := defaultLimit
	if limit != nil {
		n = int(*limit)
		if n <= 0 || n > maxLimit {
			return nil, nil, badRequest("Invalid limit parameter. Must be between 1 and %d", maxLimit)
		}
	}
	start := 0
	if position != nil && *position != "" {
		after, err := base64.RawURLEncoding.DecodeString(*position)
		if err != nil {
			return nil, nil, badRequest("Invalid position parameter")
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

func itoa(n int) string { return strconv.Itoa(n) }

// scanPage is page() for lists in key order that need no filtering: it
// decodes only the items of the requested page instead of the whole list.
// Positions are the same as page()'s with keyOf = the key after prefix.
func scanPage[T any](tx store.Tx, table, pfx string, position *string, limit *int32) ([]*T, *string, error) {
	return scanPageWith(tx, table, pfx, position, limit, func(_ string, v []byte) (*T, error) {
		item := new(T)
		if err := wire.Unmarshal(v, item); err != nil {
			return nil, err
		}
		return item, nil
	})
}

// scanPageWith is scanPage decoding with dec (key, stored bytes).
func scanPageWith[T any](tx store.Tx, table, pfx string, position *string, limit *int32, dec func(k string, v []byte) (*T, error)) ([]*T, *string, error) {
	n := defaultLimit
	if limit != nil {
		n = int(*limit)
		if n <= 0 || n > maxLimit {
			return nil, nil, badRequest("Invalid limit parameter. Must be between 1 and %d", maxLimit)
		}
	}
	after := ""
	if position != nil && *position != "" {
		b, err := base64.RawURLEncoding.DecodeString(*position)
		if err != nil {
			return nil, nil, badRequest("Invalid position parameter")
		}
		after = string(b)
	}
	var (
		out     []*T
		lastKey string
		more    bool
		decErr  error
	)
	err := tx.Scan(table, pfx, func(k string, v []byte) bool {
		rel := k[len(pfx):]
		if after != "" && rel <= after {
			return true
		}
		if len(out) == n {
			more = true
			return false
		}
		var item *T
		if item, decErr = dec(k, v); decErr != nil {
			return false
		}
		out, lastKey = append(out, item), rel
		return true
	})
	if err == nil {
		err = decErr
	}
	if err != nil || !more {
		return out, nil, err
	}
	next := base64.RawURLEncoding.EncodeToString([]byte(lastKey))
	return out, &next, nil
}

// requireAPI answers AWS's 404 unless the RestApi exists, without decoding
// it (most operations only need to know that it is there).
func requireAPI(ctx context.Context, tx store.Tx, id string) error {
	ok, err := exists(tx, tRestAPIs, key(ctx, id))
	if err != nil {
		return err
	}
	if !ok {
		return errNoAPI(ctx, id)
	}
	return nil
}
