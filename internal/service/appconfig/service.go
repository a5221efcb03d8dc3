// Package appconfig is the hand-written logic of the AWS AppConfig control
// plane (service appconfig, 2019-10-09). It implements the generated
// api.Service interface; routing, binding, model validation and error
// encoding are generated in internal/api/appconfig.
//
// Deployments are scheduled by internal/rollout: a deployment stores its
// strategy snapshot, start instant and explicit interventions (rollback,
// revert), and every read computes its state at the injected clock's now.
// A background rollout.Driver (one per node, leased per deployment)
// persists completions, is where monitors (alarms) are checked, and
// invokes the ON_DEPLOYMENT_* Lambda actions of associated extensions
// (actions.go).
//
// Lambda (lambda.go): LAMBDA validators run at StartDeployment and
// ValidateConfiguration, PRE_START_DEPLOYMENT actions at StartDeployment,
// through Options.Lambda (*lambda.Client). Without it both answer a
// BadRequestException saying that no Lambda endpoint is configured.
//
// State lives in the store, one table per resource kind; keys start with
// account and region (store.Key(account, region, ...)):
//
//	appconfig.applications      appId                       → applicationRecord
//	appconfig.environments      appId/envId                 → environmentRecord
//	appconfig.profiles          appId/profileId             → profileRecord
//	appconfig.hostedversions    appId/profileId/%010d(ver)  → hostedVersionRecord (metadata)
//	appconfig.hostedcontent     appId/profileId/%010d(ver)  → raw content bytes
//	appconfig.strategies        strategyId                  → strategyRecord
//	appconfig.deployments       appId/envId/%010d(number)   → DeploymentRecord
//	appconfig.deploymentcontent appId/envId/%010d(number)   → ContentSnapshot (what the data plane serves)
//	appconfig.active            appId/envId                 → activeRecord (the environment's unfinished deployment)
//	appconfig.extensions        extId/%010d(version)        → extensionRecord
//	appconfig.associations      assocId                     → associationRecord
//	appconfig.tags              <resource ARN>              → map[string]string
//	appconfig.settings          "account"                   → api.AccountSettings
//	appconfig.usage             env|profile/appId/id        → usageRecord (last configuration fetch, for deletion protection)
//	appconfig.leases            appId/envId/%010d(number)   → rollout.Lease (which node drives a deployment)
//	appconfig.extpending        appId/envId/%010d(number)   → activeRecord (a deployment whose ON_* extension actions are not all delivered)
//
// Counters (store.NextSequence): "appconfig.order"/"seq" orders records by
// creation; "appconfig.hostedversions"/<profile key> numbers hosted
// versions; "appconfig.deployments"/<environment key> numbers deployments.
package appconfig

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	api "github.com/stagecraft/stagecraft/internal/api/appconfig"
	"github.com/stagecraft/stagecraft/internal/clock"
	"github.com/stagecraft/stagecraft/internal/ids"
	"github.com/stagecraft/stagecraft/internal/rollout"
	"github.com/stagecraft/stagecraft/internal/store"
	"github.com/stagecraft/stagecraft/internal/wire"
)

// Tables.
const (
	tApplications   = "appconfig.applications"
	tEnvironments   = "appconfig.environments"
	tProfiles       = "appconfig.profiles"
	tHostedVersions = "appconfig.hostedversions"
	tHostedContent  = "appconfig.hostedcontent"
	tStrategies     = "appconfig.strategies"
	// TableDeployments and TableDeploymentContent are exported for the data
	// plane (appconfigdata), which serves what deployments captured.
	TableDeployments       = "appconfig.deployments"
	TableDeploymentContent = "appconfig.deploymentcontent"
	tActive                = "appconfig.active"
	tExtensions            = "appconfig.extensions"
	tAssociations          = "appconfig.associations"
	tTags                  = "appconfig.tags"
	tSettings              = "appconfig.settings"
	TableUsage             = "appconfig.usage"
	tLeases                = "appconfig.leases"
	tExtPending            = "appconfig.extpending"
	tOrder                 = "appconfig.order"
)

// Service implements api.Service.
type Service struct {
	api.Unimplemented
	st  store.Store
	clk clock.Clock
	// alarms is the monitors hook the rollout driver calls while a
	// deployment is DEPLOYING or BAKING; nil means no alarm ever fires.
	alarms rollout.AlarmChecker
	driver *rollout.Driver
	// maxContentKB is the hosted configuration size limit.
	maxContentKB int
	// lambda invokes validators and extension actions; nil: none configured.
	lambda Invoker
	log    *slog.Logger
	// configs serves the deprecated GetConfiguration; nil: 501.
	configs ConfigurationSource

	// inflight are the extension deliveries running in the background,
	// by deployment lease key (at most one per deployment); the channel
	// is closed when the delivery has finished.
	mu       sync.Mutex
	inflight map[string]chan struct{}
}

var _ api.Service = (*Service)(nil)

// Options tune a Service; the zero value is the production setup.
type Options struct {
	// NoDriver does not start the background rollout driver (tests drive
	// it with DriveOnce).
	NoDriver bool
	// Alarms is the monitors hook (see rollout.AlarmChecker).
	Alarms rollout.AlarmChecker
	// MaxContentKB is the hosted configuration size limit (default 2048).
	MaxContentKB int
	// Node names this node in driver leases (default: random).
	Node string
	// Lambda invokes LAMBDA validators and the Lambda actions of
	// extensions (*lambda.Client is one). Nil: no Lambda endpoint is
	// configured; see lambda.go for what fails then.
	Lambda Invoker
	// Log receives the driver's warnings and the outcome of extension
	// actions (default slog.Default()).
	Log *slog.Logger
	// Ticks, when set, replaces the driver's wall-clock passes: the driver
	// makes one pass for every reply channel received, waits for the
	// extension actions that pass started, and sends the pass's error (nil
	// on success) on the reply channel. Tests on a fake clock use it to
	// drive a running node without sleeping.
	Ticks <-chan chan<- error
	// Configurations serves the deprecated GetConfiguration with the
	// data plane's targeting (appconfigdata.Service.LegacyConfiguration);
	// nil: GetConfiguration answers 501.
	Configurations ConfigurationSource
}

// New returns the AppConfig control plane over st and starts its rollout
// driver, which stops when the store is closed.
func New(st store.Store, clk clock.Clock) *Service { return NewWithOptions(st, clk, Options{}) }

// NewWithOptions is New with options.
func NewWithOptions(st store.Store, clk clock.Clock, o Options) *Service {
	if clk == nil {
		clk = clock.Wall{}
	}
	if o.MaxContentKB == 0 {
		o.MaxContentKB = 2048
	}
	if o.Node == "" {
		o.Node = ids.UUID()
	}
	if o.Log == nil {
		o.Log = slog.Default()
	}
	s := &Service{st: st, clk: clk, alarms: o.Alarms, maxContentKB: o.MaxContentKB, lambda: o.Lambda, log: o.Log, configs: o.Configurations,
		inflight: map[string]chan struct{}{}}
	s.driver = &rollout.Driver{
		Store: st, Clock: clk, LeaseTable: tLeases, Node: o.Node,
		TTL: 30 * time.Second, Interval: time.Second, Log: o.Log,
		Jobs: s.driverJobs, Drive: s.driveDeployment,
	}
	switch {
	case o.NoDriver:
	case o.Ticks != nil:
		go s.runOnTicks(o.Ticks)
	default:
		go s.driver.Run(context.Background())
	}
	return s
}

// DriveOnce makes one pass of the rollout driver: persist completed
// deployments, check alarms of running ones, invoke the extension actions
// of the events that happened; it returns once those invocations are done.
func (s *Service) DriveOnce(ctx context.Context) error {
	err := s.driver.RunOnce(ctx)
	s.waitDeliveries()
	return err
}

// runOnTicks is the driver loop of Options.Ticks: a pass per tick, until
// the store is closed.
func (s *Service) runOnTicks(ticks <-chan chan<- error) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	changes := s.st.Watch(ctx)
	for {
		select {
		case _, ok := <-changes:
			if !ok {
				return
			}
		case reply, ok := <-ticks:
			if !ok {
				return
			}
			reply <- s.DriveOnce(ctx)
		}
	}
}

func (s *Service) now() time.Time { return s.clk.Now().UTC().Truncate(time.Millisecond) }

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

func account(ctx context.Context) string { return wire.ScopeFrom(ctx).Account }
func region(ctx context.Context) string  { return wire.ScopeFrom(ctx).Region }

func num(n int32) string { return fmt.Sprintf("%010d", n) }

// partition is the ARN partition of a region.
func partition(region string) string {
	switch {
	case strings.HasPrefix(region, "cn-"):
		return "aws-cn"
	case strings.HasPrefix(region, "us-gov-"):
		return "aws-us-gov"
	case strings.HasPrefix(region, "us-iso-"):
		return "aws-iso"
	case strings.HasPrefix(region, "us-isob-"):
		return "aws-iso-b"
	case strings.HasPrefix(region, "eusc-"):
		return "aws-eusc"
	}
	return "aws"
}

// arn builds an AppConfig ARN in the request's account and region.
func arn(ctx context.Context, resource string) string {
	return "arn:" + partition(region(ctx)) + ":appconfig:" + region(ctx) + ":" + account(ctx) + ":" + resource
}

func appARN(ctx context.Context, app string) string { return arn(ctx, "application/"+app) }
func envARN(ctx context.Context, app, env string) string {
	return arn(ctx, "application/"+app+"/environment/"+env)
}
func profileARN(ctx context.Context, app, prof string) string {
	return arn(ctx, "application/"+app+"/configurationprofile/"+prof)
}
func strategyARN(ctx context.Context, id string) string { return arn(ctx, "deploymentstrategy/"+id) }
func deploymentARN(ctx context.Context, app, env string, n int32) string {
	return arn(ctx, "application/"+app+"/environment/"+env+"/deployment/"+strconv.Itoa(int(n)))
}
func extensionARN(ctx context.Context, id string, v int32) string {
	return arn(ctx, "extension/"+id+"/"+strconv.Itoa(int(v)))
}
func associationARN(ctx context.Context, id string) string {
	return arn(ctx, "extensionassociation/"+id)
}

// Errors with AWS's wording.

func badRequest(format string, args ...any) error { return api.NewBadRequestException(format, args...) }
func conflict(format string, args ...any) error   { return api.NewConflictException(format, args...) }

// notFound is a ResourceNotFoundException. ResourceName carries the kind
// of the missing resource ("Application", "Environment", …) — the model
// has the member but AWS does not document its content; the resource
// kind is the most useful reading.
func notFound(resource, format string, args ...any) error {
	e := api.NewResourceNotFoundException(format, args...)
	e.ResourceName = &resource
	return e
}

// The not-found messages follow AWS's "<Kind> with Id <id> could not be
// found." (observed for DeploymentStrategy; the others are worded alike).
func errNoApp(id string) error {
	return notFound("Application", "Application with Id %s could not be found.", id)
}
func errNoEnv(id string) error {
	return notFound("Environment", "Environment with Id %s could not be found.", id)
}
func errNoProfile(id string) error {
	return notFound("ConfigurationProfile", "ConfigurationProfile with Id %s could not be found.", id)
}
func errNoStrategy(id string) error {
	return notFound("DeploymentStrategy", "DeploymentStrategy with Id %s could not be found.", id)
}
func errNoDeployment(n int32) error {
	return notFound("Deployment", "Deployment with Id %d could not be found.", n)
}
func errNoVersion(v string) error {
	return notFound("HostedConfigurationVersion", "HostedConfigurationVersion with Id %s could not be found.", v)
}
func errNoExtension(id string) error {
	return notFound("Extension", "Extension with Id %s could not be found.", id)
}
func errNoAssociation(id string) error {
	return notFound("ExtensionAssociation", "ExtensionAssociation with Id %s could not be found.", id)
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

// hasChildren reports whether anything is stored under prefix p.
func hasChildren(tx store.Tx, table, p string) (bool, error) {
	found := false
	err := tx.Scan(table, p, func(string, []byte) bool { found = true; return false })
	return found, err
}

// newID returns a fresh 7-character id unused in table under the scope.
func newID(ctx context.Context, tx store.Tx, table string, parent ...string) (string, error) {
	for {
		id := ids.Lower(7)
		ok, err := exists(tx, table, key(ctx, append(parent, id)...))
		if err != nil || !ok {
			return id, err
		}
	}
}

// nextOrder is a creation-order sequence shared by all records.
func nextOrder(tx store.Tx) (uint64, error) { return tx.NextSequence(tOrder, "seq") }

// Pointer helpers.

func ptr[T any](v T) *T { return &v }

func str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// optStr is nil for "".
func optStr(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// Pagination: MaxResults (1..50, default 50) and an opaque NextToken that
// names the list it belongs to and the sort key of the last item returned.

const defaultPageSize = 50

func errBadToken() error { return badRequest("The next token is invalid.") }

// page returns one page of items (already sorted by keyOf, ascending) and
// the token of the next page, nil on the last page.
func page[T any](list string, items []T, keyOf func(T) string, token *string, maxResults *int32) ([]T, *string, error) {
	n := defaultPageSize
	if maxResults != nil {
		n = int(*maxResults)
		if n < 1 || n > 50 {
			return nil, nil, badRequest("MaxResults must be between 1 and 50.")
		}
	}
	start := 0
	if token != nil {
		raw, err := base64.RawURLEncoding.DecodeString(*token)
		l, after, ok := strings.Cut(string(raw), "\x00")
		if err != nil || !ok || l != list {
			return nil, nil, errBadToken()
		}
		for start < len(items) && keyOf(items[start]) <= after {
			start++
		}
	}
	end := min(start+n, len(items))
	out := items[start:end]
	if end < len(items) && len(out) > 0 {
		t := base64.RawURLEncoding.EncodeToString([]byte(list + "\x00" + keyOf(out[len(out)-1])))
		return out, &t, nil
	}
	return out, nil, nil
}

// orderKey is the sort key of a record created as the seq-th one.
func orderKey(seq uint64) string { return fmt.Sprintf("%020d", seq) }

// sortBySeq orders records by creation.
func sortBySeq[T any](items []*T, seq func(*T) uint64) {
	slices.SortFunc(items, func(a, b *T) int {
		x, y := seq(a), seq(b)
		switch {
		case x < y:
			return -1
		case x > y:
			return 1
		}
		return 0
	})
}

// Tags.

var tagKeyRE = regexp.MustCompile(`^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$`)

// validateTags enforces what the model's length checks do not: keys must
// not use the reserved aws: prefix. Characters are checked leniently.
func validateTags(tags map[string]string) error {
	for k := range tags {
		if strings.HasPrefix(strings.ToLower(k), "aws:") {
			return badRequest("Tag keys must not start with 'aws:'.")
		}
		if !tagKeyRE.MatchString(k) {
			return badRequest("Tag key %s contains invalid characters.", k)
		}
	}
	return nil
}

func putTags(tx store.Tx, ctx context.Context, resourceARN string, tags map[string]string) error {
	if len(tags) == 0 {
		return nil
	}
	return store.PutJSON(tx, tTags, key(ctx, resourceARN), tags)
}

func deleteTags(tx store.Tx, ctx context.Context, resourceARN string) error {
	return tx.Delete(tTags, key(ctx, resourceARN))
}
