package apigateway

import (
	"context"
	"errors"
	"regexp"
	"slices"
	"strings"

	api "github.com/stagecraft/stagecraft/internal/api/apigateway"
	"github.com/stagecraft/stagecraft/internal/store"
	"github.com/stagecraft/stagecraft/internal/wire"
)

// Stages: CRUD, the UpdateStage patch language (scalar settings, stage
// variables, access logs, method settings, canary settings and canary
// promotion by copy), and the cache flush operations.

func stageErrNotFound() error { return notFound("Invalid Stage identifier specified") }

// stageGet reads a stage; a missing one is store.ErrNotFound.
func stageGet(ctx context.Context, tx store.Tx, apiID, name string) (*api.Stage, error) {
	return store.GetJSON[api.Stage](tx, tStages, key(ctx, apiID, name))
}

// stageLoad reads a stage or answers AWS's 404.
func stageLoad(ctx context.Context, tx store.Tx, apiID, name string) (*api.Stage, error) {
	st, err := stageGet(ctx, tx, apiID, name)
	if errors.Is(err, store.ErrNotFound) {
		return nil, stageErrNotFound() // made only when needed
	}
	return st, err
}

func stagePut(ctx context.Context, tx store.Tx, apiID string, st *api.Stage) error {
	return store.PutJSON(tx, tStages, key(ctx, apiID, str(st.StageName)), st)
}

// stageNew is a fresh stage with the fields AWS always returns.
func stageNew(name, deploymentID string, now wire.EpochTime) *api.Stage {
	st := &api.Stage{
		StageName:           ptr(name),
		DeploymentId:        ptr(deploymentID),
		CacheClusterEnabled: ptr(false),
		MethodSettings:      map[string]api.MethodSetting{},
		TracingEnabled:      ptr(false),
		CreatedDate:         now,
		LastUpdatedDate:     now,
	}
	stageNormalize(st)
	return st
}

// stageNormalize restores the always-present fields and derives the cache
// status: AVAILABLE when a cache cluster is enabled (AWS passes through
// CREATE_IN_PROGRESS first; there is no real cache here, so it is ready at
// once), NOT_AVAILABLE otherwise. An enabled cache without a size gets
// AWS's default size, 0.5 (GB).
func stageNormalize(st *api.Stage) {
	if st.CacheClusterEnabled == nil {
		st.CacheClusterEnabled = ptr(false)
	}
	if st.TracingEnabled == nil {
		st.TracingEnabled = ptr(false)
	}
	if st.MethodSettings == nil {
		st.MethodSettings = map[string]api.MethodSetting{}
	}
	if *st.CacheClusterEnabled {
		st.CacheClusterStatus = ptr("AVAILABLE")
		if st.CacheClusterSize == nil {
			st.CacheClusterSize = ptr("0.5")
		}
	} else {
		st.CacheClusterStatus = ptr("NOT_AVAILABLE")
	}
	if len(st.Variables) == 0 {
		st.Variables = nil
	}
	if len(st.Tags) == 0 {
		st.Tags = nil
	}
	if st.CanarySettings != nil && len(st.CanarySettings.StageVariableOverrides) == 0 {
		st.CanarySettings.StageVariableOverrides = nil
	}
	if st.AccessLogSettings != nil && st.AccessLogSettings.DestinationArn == nil && st.AccessLogSettings.Format == nil {
		st.AccessLogSettings = nil
	}
}

// Stage names: letters, digits, "-" and "_", at most 128 characters [M doc].
// AWS's historical error text was "Stage name only allows a-zA-Z0-9_",
// from before hyphens were allowed; the hyphen is added here to match the
// rule now documented. The current exact text is unverified.
var stageNameRE = regexp.MustCompile(`^[A-Za-z0-9_-]{1,128}$`)

func stageValidateName(name string) error {
	if !stageNameRE.MatchString(name) {
		return badRequest("Stage name only allows a-zA-Z0-9_-")
	}
	return nil
}

var stageCacheSizes = []string{"0.5", "1.6", "6.1", "13.5", "28.4", "58.2", "118", "237"}

func (s *Service) CreateStage(ctx context.Context, in *api.CreateStageRequest) (*api.Stage, error) {
	var out *api.Stage
	err := s.st.Update(ctx, func(tx store.Tx) error {
		if err := requireAPI(ctx, tx, in.RestApiId); err != nil {
			return err
		}
		name := str(in.StageName)
		if err := stageValidateName(name); err != nil {
			return err
		}
		// An unknown deploymentId is a 400 "Deployment id does not exist":
		// the same answer AWS gives for an unknown canary deployment [V],
		// and the one a Terraform aws_api_gateway_stage got from AWS's
		// CreateStage (aws/chalice#1839). Spec open question 4.
		depID := str(in.DeploymentId)
		if ok, err := depExists(ctx, tx, in.RestApiId, depID); err != nil {
			return err
		} else if !ok {
			return depErrUnknownID()
		}
		if err := depValidateVariables(in.Variables); err != nil {
			return err
		}
		if err := validateTags(in.Tags); err != nil {
			return err
		}
		now := s.now()
		st := stageNew(name, depID, now)
		if in.Description != nil && *in.Description != "" {
			st.Description = in.Description
		}
		if in.CacheClusterEnabled != nil {
			st.CacheClusterEnabled = in.CacheClusterEnabled
		}
		st.CacheClusterSize = in.CacheClusterSize
		st.Variables = in.Variables
		if in.DocumentationVersion != nil && *in.DocumentationVersion != "" {
			st.DocumentationVersion = in.DocumentationVersion
		}
		if in.TracingEnabled != nil {
			st.TracingEnabled = in.TracingEnabled
		}
		st.Tags = in.Tags
		if c := in.CanarySettings; c != nil {
			// Defaults: the stage's own deployment, 0% and no stage cache [L, V by
			// the UpdateStage auto-create that uses the same defaults].
			cs := &api.CanarySettings{
				DeploymentId:           c.DeploymentId,
				PercentTraffic:         c.PercentTraffic,
				StageVariableOverrides: c.StageVariableOverrides,
				UseStageCache:          c.UseStageCache,
			}
			if cs.DeploymentId == nil || *cs.DeploymentId == "" {
				cs.DeploymentId = ptr(depID)
			} else if ok, err := depExists(ctx, tx, in.RestApiId, *cs.DeploymentId); err != nil {
				return err
			} else if !ok {
				return depErrUnknownID()
			}
			if cs.PercentTraffic == nil {
				cs.PercentTraffic = ptr(0.0)
			}
			if err := depValidatePercent(cs.PercentTraffic); err != nil {
				return err
			}
			if err := depValidateVariables(cs.StageVariableOverrides); err != nil {
				return err
			}
			if cs.UseStageCache == nil {
				cs.UseStageCache = ptr(false)
			}
			st.CanarySettings = cs
		}
		stageNormalize(st)
		if ok, err := exists(tx, tStages, key(ctx, in.RestApiId, name)); err != nil {
			return err
		} else if ok {
			return conflict("Stage already exists")
		}
		out = st
		return stagePut(ctx, tx, in.RestApiId, st)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func (s *Service) GetStage(ctx context.Context, in *api.GetStageRequest) (*api.Stage, error) {
	var out *api.Stage
	err := s.st.View(ctx, func(tx store.Tx) error {
		if err := requireAPI(ctx, tx, in.RestApiId); err != nil {
			return err
		}
		st, err := stageLoad(ctx, tx, in.RestApiId, in.StageName)
		if err != nil {
			return err
		}
		stageNormalize(st)
		out = st
		return nil
	})
	return out, err
}

// GetStages is not paginated: {"item":[...]} with every stage, optionally
// only those whose deploymentId matches.
func (s *Service) GetStages(ctx context.Context, in *api.GetStagesRequest) (*api.Stages, error) {
	out := &api.Stages{Item: []api.Stage{}}
	err := s.st.View(ctx, func(tx store.Tx) error {
		if err := requireAPI(ctx, tx, in.RestApiId); err != nil {
			return err
		}
		all, err := store.ScanJSON[api.Stage](tx, tStages, prefix(ctx, in.RestApiId))
		if err != nil {
			return err
		}
		out.Item = out.Item[:0]
		for _, st := range all {
			if in.DeploymentId != nil && *in.DeploymentId != "" && str(st.DeploymentId) != *in.DeploymentId {
				continue
			}
			stageNormalize(st)
			out.Item = append(out.Item, *st)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func (s *Service) DeleteStage(ctx context.Context, in *api.DeleteStageRequest) error {
	return s.st.Update(ctx, func(tx store.Tx) error {
		if err := requireAPI(ctx, tx, in.RestApiId); err != nil {
			return err
		}
		if _, err := stageLoad(ctx, tx, in.RestApiId, in.StageName); err != nil {
			return err
		}
		return tx.Delete(tStages, key(ctx, in.RestApiId, in.StageName))
	})
}

// stageCheck answers 404 unless the API and the stage exist.
func (s *Service) stageCheck(ctx context.Context, apiID, name string) error {
	return s.st.View(ctx, func(tx store.Tx) error {
		if err := requireAPI(ctx, tx, apiID); err != nil {
			return err
		}
		_, err := stageLoad(ctx, tx, apiID, name)
		return err
	})
}

// FlushStageCache empties the stage's cache. There is no response cache
// here yet, so there is nothing to drop beyond checking the stage exists.
func (s *Service) FlushStageCache(ctx context.Context, in *api.FlushStageCacheRequest) error {
	return s.stageCheck(ctx, in.RestApiId, in.StageName)
}

// FlushStageAuthorizersCache empties the stage's authorizer result cache:
// it bumps the stage's epoch in apigw.authcache ({"epoch": n}), and the
// data plane (internal/dataplane) drops the stage's cached Lambda
// authorizer results when it sees the epoch change.
func (s *Service) FlushStageAuthorizersCache(ctx context.Context, in *api.FlushStageAuthorizersCacheRequest) error {
	return s.st.Update(ctx, func(tx store.Tx) error {
		if err := requireAPI(ctx, tx, in.RestApiId); err != nil {
			return err
		}
		if _, err := stageLoad(ctx, tx, in.RestApiId, in.StageName); err != nil {
			return err
		}
		type epoch struct {
			Epoch uint64 `json:"epoch"`
		}
		k := key(ctx, in.RestApiId, in.StageName)
		e, err := store.GetJSON[epoch](tx, tAuthCache, k)
		if errors.Is(err, store.ErrNotFound) {
			e, err = &epoch{}, nil
		}
		if err != nil {
			return err
		}
		e.Epoch++
		return store.PutJSON(tx, tAuthCache, k, e)
	})
}

// UpdateStage applies the operations in order to a copy of the stage and
// stores it only if every one succeeded.
func (s *Service) UpdateStage(ctx context.Context, in *api.UpdateStageRequest) (*api.Stage, error) {
	var out *api.Stage
	err := s.st.Update(ctx, func(tx store.Tx) error {
		if err := requireAPI(ctx, tx, in.RestApiId); err != nil {
			return err
		}
		st, err := stageLoad(ctx, tx, in.RestApiId, in.StageName)
		if err != nil {
			return err
		}
		stageNormalize(st)
		p := &stagePatcher{ctx: ctx, tx: tx, apiID: in.RestApiId, st: st}
		for _, o := range in.PatchOperations {
			if err := p.apply(str(o.Op), str(o.Path), o.Value, str(o.From)); err != nil {
				return err
			}
		}
		stageNormalize(st)
		st.LastUpdatedDate = s.now()
		out = st
		return stagePut(ctx, tx, in.RestApiId, st)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// stageErrInvalidPath is AWS's answer for a path UpdateStage does not know
// (verbatim, including the missing commas in the list) [V].
func stageErrInvalidPath(path string) error {
	return badRequest("Invalid method setting path: %s. Must be one of: [/deploymentId, /description, /cacheClusterEnabled, /cacheClusterSize, /clientCertificateId, /accessLogSettings, /accessLogSettings/destinationArn, /accessLogSettings/format, /{resourcePath}/{httpMethod}/metrics/enabled, /{resourcePath}/{httpMethod}/logging/dataTrace, /{resourcePath}/{httpMethod}/logging/loglevel, /{resourcePath}/{httpMethod}/throttling/burstLimit/{resourcePath}/{httpMethod}/throttling/rateLimit/{resourcePath}/{httpMethod}/caching/ttlInSeconds, /{resourcePath}/{httpMethod}/caching/enabled, /{resourcePath}/{httpMethod}/caching/dataEncrypted, /{resourcePath}/{httpMethod}/caching/requireAuthorizationForCacheControl, /{resourcePath}/{httpMethod}/caching/unauthorizedCacheControlHeaderStrategy, /*/*/metrics/enabled, /*/*/logging/dataTrace, /*/*/logging/loglevel, /*/*/throttling/burstLimit /*/*/throttling/rateLimit /*/*/caching/ttlInSeconds, /*/*/caching/enabled, /*/*/caching/dataEncrypted, /*/*/caching/requireAuthorizationForCacheControl, /*/*/caching/unauthorizedCacheControlHeaderStrategy, /variables/{variable_name}, /tracingEnabled]", path)
}

// stageErrCannotRemove is AWS's answer for a remove it cannot match to a
// method setting (or to anything else). The trailing space is AWS's [V].
func stageErrCannotRemove(path string) error {
	return badRequest("Cannot remove method setting %s because there is no method setting for this method ", strings.TrimPrefix(path, "/"))
}

// stageErrInvalidOp answers an op a known path does not support, in the
// form AWS uses for "add" on a canary path [V]; for other paths and ops
// the exact AWS text is unverified.
func stageErrInvalidOp(op, path string) error {
	return badRequest("Invalid %s operation with path: %s", op, path)
}

const stageErrInvalidCopy = "Invalid copy operation with path: /canarySettings/stageVariableOverrides and from /variables. Valid copy:path are [/deploymentId, /variables] and valid copy:from are [/canarySettings/deploymentId, /canarySettings/stageVariableOverrides]"

type stagePatcher struct {
	ctx   context.Context
	tx    store.Tx
	apiID string
	st    *api.Stage
}

// stageScalarPaths are the top-level settings set with "replace".
var stageScalarPaths = []string{"/description", "/cacheClusterEnabled", "/cacheClusterSize",
	"/clientCertificateId", "/tracingEnabled", "/documentationVersion", "/deploymentId"}

func (p *stagePatcher) apply(op, path string, value *string, from string) error {
	switch op {
	case "copy":
		return p.copyOp(path, from)
	case "add", "remove", "replace":
	default: // move, test
		return stageErrInvalidOp(op, path)
	}
	segs := splitPointer(path)
	if len(segs) == 0 {
		return stageErrInvalidPath(path)
	}
	switch {
	case segs[0] == "canarySettings" && len(segs) <= 3:
		return p.canary(op, path, segs, value)
	case segs[0] == "accessLogSettings" && len(segs) <= 3:
		return p.accessLog(op, path, segs, value)
	case segs[0] == "variables" && len(segs) <= 2:
		return p.variables(op, path, segs, value)
	case len(segs) == 1 && slices.Contains(stageScalarPaths, path):
		switch op {
		case "replace":
			return p.scalar(path, str(value))
		case "remove":
			return stageErrCannotRemove(path)
		}
		return stageErrInvalidOp(op, path)
	}
	switch op {
	case "remove":
		return p.removeMethodSetting(path, segs)
	case "replace":
		return p.methodSetting(path, segs, str(value))
	}
	return stageErrInvalidOp(op, path)
}

func (p *stagePatcher) scalar(path, v string) error {
	st := p.st
	switch path {
	case "/description":
		st.Description = stageOptional(v)
	case "/cacheClusterEnabled":
		b, err := parseValue(kBool, &v)
		if err != nil {
			return err
		}
		st.CacheClusterEnabled = ptr(b.(bool))
	case "/cacheClusterSize":
		// AWS's text for a bad size in a patch is unverified; the valid
		// values are the model's enum.
		if !slices.Contains(stageCacheSizes, v) {
			return badRequest("Invalid cache cluster size specified: %s. Valid values are [%s]", v, strings.Join(stageCacheSizes, ", "))
		}
		st.CacheClusterSize = ptr(v)
	case "/clientCertificateId":
		st.ClientCertificateId = stageOptional(v)
	case "/tracingEnabled":
		b, err := parseValue(kBool, &v)
		if err != nil {
			return err
		}
		st.TracingEnabled = ptr(b.(bool))
	case "/documentationVersion":
		st.DocumentationVersion = stageOptional(v)
	case "/deploymentId":
		if err := p.needDeployment(v); err != nil {
			return err
		}
		st.DeploymentId = ptr(v)
	}
	return nil
}

func stageOptional(v string) *string {
	if v == "" {
		return nil
	}
	return ptr(v)
}

func (p *stagePatcher) needDeployment(id string) error {
	ok, err := depExists(p.ctx, p.tx, p.apiID, id)
	if err != nil {
		return err
	}
	if !ok {
		return depErrUnknownID()
	}
	return nil
}

// variables: "replace /variables/{name}" upserts (so does "add", accepted
// as an alias since clients use both for stage variables), "remove
// /variables/{name}" deletes one, "remove /variables" deletes them all.
func (p *stagePatcher) variables(op, path string, segs []string, value *string) error {
	st := p.st
	if len(segs) == 1 {
		if op == "remove" {
			st.Variables = nil
			return nil
		}
		return stageErrInvalidPath(path)
	}
	name := segs[1]
	switch op {
	case "remove":
		delete(st.Variables, name)
		return nil
	default:
		v := str(value)
		if err := depValidateVariable(name, v); err != nil {
			return err
		}
		if st.Variables == nil {
			st.Variables = map[string]string{}
		}
		st.Variables[name] = v
		return nil
	}
}

func (p *stagePatcher) accessLog(op, path string, segs []string, value *string) error {
	st := p.st
	if len(segs) == 1 {
		if op == "remove" {
			st.AccessLogSettings = nil
			return nil
		}
		return stageErrInvalidOp(op, path)
	}
	field := segs[1]
	if len(segs) != 2 || (field != "destinationArn" && field != "format") {
		if op == "remove" {
			return stageErrCannotRemove(path)
		}
		return badRequest("Invalid accessLogSettings path. Must be one of : [/accessLogSettings/destinationArn, /accessLogSettings/format]")
	}
	if op == "remove" {
		return stageErrCannotRemove(path)
	}
	v := str(value)
	if v == "" {
		return badRequest("Access Log value must not be empty")
	}
	if st.AccessLogSettings == nil {
		st.AccessLogSettings = &api.AccessLogSettings{}
	}
	if field == "destinationArn" {
		st.AccessLogSettings.DestinationArn = ptr(v)
	} else {
		st.AccessLogSettings.Format = ptr(v)
	}
	return nil
}

// canary handles /canarySettings and its children. Only "replace" sets
// values ("add" is refused [V]); a replace on a stage without a canary
// first creates one with defaults: the stage's deployment, 0% traffic, no
// stage cache [V]. "remove /canarySettings" drops the canary [V];
// "remove /canarySettings/stageVariableOverrides/{name}" drops one
// override (what Terraform sends when an override is removed); any other
// remove falls through to the method-setting removal and its error [V].
func (p *stagePatcher) canary(op, path string, segs []string, value *string) error {
	st := p.st
	if op == "add" {
		return stageErrInvalidOp(op, path)
	}
	if op == "remove" {
		switch {
		case len(segs) == 1:
			st.CanarySettings = nil
			return nil
		case len(segs) == 3 && segs[1] == "stageVariableOverrides":
			if st.CanarySettings != nil {
				delete(st.CanarySettings.StageVariableOverrides, segs[2])
			}
			return nil
		}
		return stageErrCannotRemove(path)
	}
	// replace
	field := ""
	if len(segs) == 2 {
		field = segs[1]
	}
	isOverride := len(segs) == 3 && segs[1] == "stageVariableOverrides"
	if !isOverride && field != "percentTraffic" && field != "deploymentId" && field != "useStageCache" {
		return stageErrInvalidPath(path)
	}
	v := str(value)
	if field == "deploymentId" {
		if err := p.needDeployment(v); err != nil {
			return err
		}
	}
	if st.CanarySettings == nil {
		st.CanarySettings = &api.CanarySettings{
			DeploymentId:   ptr(str(st.DeploymentId)),
			PercentTraffic: ptr(0.0),
			UseStageCache:  ptr(false),
		}
	}
	cs := st.CanarySettings
	switch {
	case isOverride:
		if err := depValidateVariable(segs[2], v); err != nil {
			return err
		}
		if cs.StageVariableOverrides == nil {
			cs.StageVariableOverrides = map[string]string{}
		}
		cs.StageVariableOverrides[segs[2]] = v
	case field == "percentTraffic":
		f, err := parseValue(kFloat, &v)
		if err != nil {
			return err
		}
		pct := f.(float64)
		if err := depValidatePercent(&pct); err != nil {
			return err
		}
		cs.PercentTraffic = &pct
	case field == "deploymentId":
		cs.DeploymentId = ptr(v)
	case field == "useStageCache":
		b, err := parseValue(kBool, &v)
		if err != nil {
			return err
		}
		cs.UseStageCache = ptr(b.(bool))
	}
	return nil
}

// copyOp is canary promotion: copy /canarySettings/deploymentId to
// /deploymentId, and /canarySettings/stageVariableOverrides into
// /variables (merged: overrides win, other variables stay) [V]. The
// canary itself stays. Any other pair gets AWS's fixed text, whatever the
// paths were [V].
func (p *stagePatcher) copyOp(path, from string) error {
	st := p.st
	valid := (path == "/deploymentId" && from == "/canarySettings/deploymentId") ||
		(path == "/variables" && from == "/canarySettings/stageVariableOverrides")
	if !valid {
		return badRequest(stageErrInvalidCopy)
	}
	if st.CanarySettings == nil {
		return badRequest("Promotion not available. Canary does not exist.")
	}
	if path == "/deploymentId" {
		st.DeploymentId = ptr(str(st.CanarySettings.DeploymentId))
		return nil
	}
	if len(st.CanarySettings.StageVariableOverrides) > 0 && st.Variables == nil {
		st.Variables = map[string]string{}
	}
	for k, v := range st.CanarySettings.StageVariableOverrides {
		st.Variables[k] = v
	}
	return nil
}

// Method settings.

// stageSetting describes one settable method-setting field, addressed by
// the last two segments of the patch path.
type stageSetting struct {
	kind valueKind
	set  func(ms *api.MethodSetting, v any)
	enum []string
}

var stageSettings = map[string]stageSetting{
	"metrics/enabled":   {kind: kBool, set: func(ms *api.MethodSetting, v any) { ms.MetricsEnabled = ptr(v.(bool)) }},
	"logging/dataTrace": {kind: kBool, set: func(ms *api.MethodSetting, v any) { ms.DataTraceEnabled = ptr(v.(bool)) }},
	"logging/loglevel": {kind: kString, enum: []string{"OFF", "ERROR", "INFO"},
		set: func(ms *api.MethodSetting, v any) { ms.LoggingLevel = ptr(v.(string)) }},
	"throttling/burstLimit": {kind: kInt, set: func(ms *api.MethodSetting, v any) { ms.ThrottlingBurstLimit = ptr(int32(v.(int64))) }},
	"throttling/rateLimit":  {kind: kFloat, set: func(ms *api.MethodSetting, v any) { ms.ThrottlingRateLimit = ptr(v.(float64)) }},
	"caching/enabled":       {kind: kBool, set: func(ms *api.MethodSetting, v any) { ms.CachingEnabled = ptr(v.(bool)) }},
	"caching/ttlInSeconds":  {kind: kInt, set: func(ms *api.MethodSetting, v any) { ms.CacheTtlInSeconds = ptr(int32(v.(int64))) }},
	"caching/dataEncrypted": {kind: kBool, set: func(ms *api.MethodSetting, v any) { ms.CacheDataEncrypted = ptr(v.(bool)) }},
	"caching/requireAuthorizationForCacheControl": {kind: kBool,
		set: func(ms *api.MethodSetting, v any) { ms.RequireAuthorizationForCacheControl = ptr(v.(bool)) }},
	"caching/unauthorizedCacheControlHeaderStrategy": {kind: kString,
		enum: []string{"FAIL_WITH_403", "SUCCEED_WITH_RESPONSE_HEADER", "SUCCEED_WITHOUT_RESPONSE_HEADER"},
		set:  func(ms *api.MethodSetting, v any) { ms.UnauthorizedCacheControlHeaderStrategy = ptr(v.(string)) }},
}

// stageMethodSettingDefaults is what AWS fills in when a method-settings
// entry is created [V]; loggingLevel stays absent until set.
func stageMethodSettingDefaults() api.MethodSetting {
	return api.MethodSetting{
		MetricsEnabled:                         ptr(false),
		DataTraceEnabled:                       ptr(false),
		ThrottlingBurstLimit:                   ptr(int32(5000)),
		ThrottlingRateLimit:                    ptr(10000.0),
		CachingEnabled:                         ptr(false),
		CacheTtlInSeconds:                      ptr(int32(300)),
		CacheDataEncrypted:                     ptr(false),
		RequireAuthorizationForCacheControl:    ptr(true),
		UnauthorizedCacheControlHeaderStrategy: ptr("SUCCEED_WITH_RESPONSE_HEADER"),
	}
}

// stageMethodKey turns the resource-path segments and the method of a
// patch path into a methodSettings key, "{resourcePath}/{METHOD}" without
// the leading slash. The resource path may arrive with raw slashes
// (Terraform: /a/b/GET/metrics/enabled) or escaped (/a~1b/GET/... or
// /~1a~1b/GET/...); both give "a/b/GET". The root resource gives "/GET"
// (AWS's key for it is unverified, spec open question 7).
func stageMethodKey(resource []string, method string) string {
	return strings.TrimPrefix(strings.Join(resource, "/"), "/") + "/" + method
}

// methodSetting applies "replace /{resourcePath}/{METHOD}/{a}/{b}",
// parsing the path from the right: setting, method, then the resource.
func (p *stagePatcher) methodSetting(path string, segs []string, v string) error {
	n := len(segs)
	if n < 4 {
		return stageErrInvalidPath(path)
	}
	setting, ok := stageSettings[segs[n-2]+"/"+segs[n-1]]
	if !ok || segs[n-3] == "" {
		return stageErrInvalidPath(path)
	}
	msKey := stageMethodKey(segs[:n-3], segs[n-3])
	val, err := parseValue(setting.kind, &v)
	if err != nil {
		return err
	}
	if setting.enum != nil && !slices.Contains(setting.enum, v) {
		// AWS's text for a bad enum value here is unverified.
		return badRequest("Invalid value %s for %s. Must be one of: [%s]", v, segs[n-2]+"/"+segs[n-1], strings.Join(setting.enum, ", "))
	}
	st := p.st
	ms, ok := st.MethodSettings[msKey]
	if !ok {
		// A new per-method entry starts from the current */* values, if
		// there are any, else from the defaults [V].
		if base, has := st.MethodSettings["*/*"]; has && msKey != "*/*" {
			ms = base
		} else {
			ms = stageMethodSettingDefaults()
		}
	}
	setting.set(&ms, val)
	st.MethodSettings[msKey] = ms
	return nil
}

// removeMethodSetting applies "remove /{resourcePath}/{METHOD}" (or
// "/*/*"); anything it cannot find gets AWS's "Cannot remove method
// setting ..." answer [V].
func (p *stagePatcher) removeMethodSetting(path string, segs []string) error {
	n := len(segs)
	if n >= 2 {
		msKey := stageMethodKey(segs[:n-1], segs[n-1])
		if _, ok := p.st.MethodSettings[msKey]; ok {
			delete(p.st.MethodSettings, msKey)
			return nil
		}
	}
	return stageErrCannotRemove(path)
}
