package apigatewayv2

import (
	"context"
	"regexp"
	"strings"

	api "github.com/stagecraft/stagecraft/internal/api/apigatewayv2"
	"github.com/stagecraft/stagecraft/internal/store"
	"github.com/stagecraft/stagecraft/internal/wire"
)

// Stages: CRUD, route settings, access logs, the authorizer cache reset.

var (
	// Stage names: letters, digits, "-" and "_", up to 128 characters,
	// or $default (served at the API's root) [D].
	stageNameRE = regexp.MustCompile(`^[A-Za-z0-9_-]{1,128}$`)
	// Stage variables [M doc]: names alphanumeric and underscore, values
	// from [A-Za-z0-9-._~:/?#&=,]+ and at most 2048 characters.
	stageVarNameRE  = regexp.MustCompile(`^[A-Za-z0-9_]+$`)
	stageVarValueRE = regexp.MustCompile(`^[A-Za-z0-9\-._~:/?#&=,]+$`)
)

func loadStage(ctx context.Context, tx store.Tx, apiID, name string) (*api.Stage, error) {
	// v1's text is "Invalid Stage identifier specified" [V]; v2 follows the
	// catalogue's "Invalid {Kind} identifier specified {id}" [?].
	return get[api.Stage](tx, tStages, key(ctx, apiID, name), errNoChild("Stage", name))
}

func putStage(ctx context.Context, tx store.Tx, apiID string, st *api.Stage) error {
	return store.PutJSON(tx, tStages, key(ctx, apiID, *st.StageName), st)
}

// newStage is a stage with the members AWS always returns [C]:
// defaultRouteSettings with detailedMetricsEnabled false, and empty
// routeSettings, stageVariables and tags.
func newStage(name string, now wire.ISOTime) *api.Stage {
	return &api.Stage{
		StageName:            ptr(name),
		CreatedDate:          now,
		LastUpdatedDate:      now,
		AutoDeploy:           ptr(false),
		DefaultRouteSettings: &api.RouteSettings{DetailedMetricsEnabled: ptr(false)},
		RouteSettings:        map[string]api.RouteSettings{},
		StageVariables:       map[string]string{},
		Tags:                 map[string]string{},
	}
}

// stageOut restores the always-present maps (a stored empty map may come
// back as nil).
func stageOut(st *api.Stage) *api.Stage {
	if st.RouteSettings == nil {
		st.RouteSettings = map[string]api.RouteSettings{}
	}
	if st.StageVariables == nil {
		st.StageVariables = map[string]string{}
	}
	if st.Tags == nil {
		st.Tags = map[string]string{}
	}
	if st.DefaultRouteSettings == nil {
		st.DefaultRouteSettings = &api.RouteSettings{DetailedMetricsEnabled: ptr(false)}
	}
	return st
}

func checkStageVariables(vars map[string]string) error {
	for k, v := range vars {
		if !stageVarNameRE.MatchString(k) {
			return badRequest("Invalid stage variable name specified: %s. Stage variable names can contain only alphanumeric and underscore characters", k)
		}
		if !stageVarValueRE.MatchString(v) || len(v) > 2048 {
			return badRequest("Invalid stage variable value specified for %s: %s. Values must match [A-Za-z0-9-._~:/?#&=,]+ and be at most 2048 characters", k, v)
		}
	}
	return nil
}

// checkRouteSettings: execution logs (logging level, data trace) exist
// only for WebSocket APIs [M doc; wording as seen from AWS for HTTP APIs].
func checkRouteSettings(a *api.Api, rs *api.RouteSettings) error {
	if rs == nil || isWebSocket(a) {
		return nil
	}
	if rs.LoggingLevel != nil || boolv(rs.DataTraceEnabled) {
		return badRequest("Execution logs are not supported on protocolType HTTP")
	}
	if rs.ThrottlingBurstLimit != nil && *rs.ThrottlingBurstLimit < 0 {
		return badRequest("Invalid throttling burst limit specified: %d", *rs.ThrottlingBurstLimit)
	}
	if rs.ThrottlingRateLimit != nil && *rs.ThrottlingRateLimit < 0 {
		return badRequest("Invalid throttling rate limit specified: %g", *rs.ThrottlingRateLimit)
	}
	return nil
}

// checkRouteSettingKeys: each key of routeSettings must be a route key of
// the api [C: "Unable to find Route by key GET /some-route within the
// provided RouteSettings", 404].
func checkRouteSettingKeys(ctx context.Context, tx store.Tx, a *api.Api, settings map[string]api.RouteSettings) error {
	if len(settings) == 0 {
		return nil
	}
	routes, err := store.ScanJSON[api.Route](tx, tRoutes, prefix(ctx, *a.ApiId))
	if err != nil {
		return err
	}
	keys := map[string]bool{}
	for _, r := range routes {
		keys[str(r.RouteKey)] = true
	}
	for _, k := range sortedKeys(settings) {
		if !keys[k] {
			return notFound("Unable to find Route by key %s within the provided RouteSettings", k)
		}
		rs := settings[k]
		if err := checkRouteSettings(a, &rs); err != nil {
			return err
		}
	}
	return nil
}

// checkAccessLog: a destination ARN (CloudWatch Logs log group or Kinesis
// Data Firehose stream) and a format, together [D]; wording [?].
func checkAccessLog(al *api.AccessLogSettings) error {
	if al == nil {
		return nil
	}
	if !strings.HasPrefix(str(al.DestinationArn), "arn:") {
		return badRequest("Invalid destination ARN specified for access logs: %s", str(al.DestinationArn))
	}
	if str(al.Format) == "" {
		return badRequest("Access log format must be specified along with the destination ARN")
	}
	return nil
}

func accessLogEmpty(al *api.AccessLogSettings) bool {
	return al == nil || (str(al.DestinationArn) == "" && str(al.Format) == "")
}

func (s *Service) CreateStage(ctx context.Context, in *api.CreateStageRequest) (*api.CreateStageResponse, error) {
	l := lengths{op: "createStageInput"}
	l.str("StageName", in.StageName, 1, 128)
	l.str("Description", in.Description, 0, 1024)
	if err := l.err(); err != nil {
		return nil, err
	}
	if err := validateTags(in.Tags); err != nil {
		return nil, err
	}
	if err := checkStageVariables(in.StageVariables); err != nil {
		return nil, err
	}
	var st *api.Stage
	err := s.st.Update(ctx, func(tx store.Tx) error {
		a, err := loadAPI(ctx, tx, in.ApiId)
		if err != nil {
			return err
		}
		name := *in.StageName
		switch {
		case name == "$default":
			if isWebSocket(a) {
				return badRequest("The $default stage is supported only for HTTP APIs") // [?]
			}
		case !stageNameRE.MatchString(name):
			// AWS's REST API text, with the hyphen now allowed [?].
			return badRequest("Stage name only allows a-zA-Z0-9_-")
		}
		if ok, err := exists(tx, tStages, key(ctx, in.ApiId, name)); err != nil {
			return err
		} else if ok {
			return conflict("Stage already exists") // [C] for REST APIs
		}
		if in.ClientCertificateId != nil && !isWebSocket(a) {
			return badRequest("Client certificates are supported only for WebSocket APIs") // [M doc]
		}
		if err := checkRouteSettings(a, in.DefaultRouteSettings); err != nil {
			return err
		}
		if err := checkRouteSettingKeys(ctx, tx, a, in.RouteSettings); err != nil {
			return err
		}
		if !accessLogEmpty(in.AccessLogSettings) {
			if err := checkAccessLog(in.AccessLogSettings); err != nil {
				return err
			}
		}
		now := s.now()
		st = newStage(name, now)
		st.AutoDeploy = ptr(boolv(in.AutoDeploy))
		st.Description = optional(in.Description)
		st.ClientCertificateId = optional(in.ClientCertificateId)
		if in.DefaultRouteSettings != nil {
			st.DefaultRouteSettings = mergeRouteSettings(st.DefaultRouteSettings, in.DefaultRouteSettings)
		}
		for k, v := range in.RouteSettings {
			st.RouteSettings[k] = v
		}
		for k, v := range in.StageVariables {
			st.StageVariables[k] = v
		}
		for k, v := range in.Tags {
			st.Tags[k] = v
		}
		if !accessLogEmpty(in.AccessLogSettings) {
			st.AccessLogSettings = in.AccessLogSettings
		}
		if id := str(in.DeploymentId); id != "" {
			if _, err := loadDeployment(ctx, tx, in.ApiId, id); err != nil {
				return err
			}
			st.DeploymentId = ptr(id)
		}
		if err := putStage(ctx, tx, in.ApiId, st); err != nil {
			return err
		}
		// A new autoDeploy stage without a given deployment is deployed at
		// once [?: AWS deploys within seconds]; with a given deployment it
		// serves that one until the next change.
		if boolv(st.AutoDeploy) && st.DeploymentId == nil {
			return s.autoDeployStage(ctx, tx, a, st)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return (*api.CreateStageResponse)(stageOut(st)), nil
}

// mergeRouteSettings applies the members given in upd over cur.
func mergeRouteSettings(cur, upd *api.RouteSettings) *api.RouteSettings {
	out := api.RouteSettings{}
	if cur != nil {
		out = *cur
	}
	if upd.DataTraceEnabled != nil {
		out.DataTraceEnabled = upd.DataTraceEnabled
	}
	if upd.DetailedMetricsEnabled != nil {
		out.DetailedMetricsEnabled = upd.DetailedMetricsEnabled
	}
	if upd.LoggingLevel != nil {
		out.LoggingLevel = upd.LoggingLevel
	}
	if upd.ThrottlingBurstLimit != nil {
		out.ThrottlingBurstLimit = upd.ThrottlingBurstLimit
	}
	if upd.ThrottlingRateLimit != nil {
		out.ThrottlingRateLimit = upd.ThrottlingRateLimit
	}
	return &out
}

func (s *Service) GetStage(ctx context.Context, in *api.GetStageRequest) (*api.GetStageResponse, error) {
	var st *api.Stage
	err := s.st.View(ctx, func(tx store.Tx) (err error) {
		if _, err := loadAPI(ctx, tx, in.ApiId); err != nil {
			return err
		}
		st, err = loadStage(ctx, tx, in.ApiId, in.StageName)
		return err
	})
	if err != nil {
		return nil, err
	}
	return (*api.GetStageResponse)(stageOut(st)), nil
}

func (s *Service) GetStages(ctx context.Context, in *api.GetStagesRequest) (*api.GetStagesResponse, error) {
	var all []*api.Stage
	err := s.st.View(ctx, func(tx store.Tx) (err error) {
		if _, err := loadAPI(ctx, tx, in.ApiId); err != nil {
			return err
		}
		all, err = store.ScanJSON[api.Stage](tx, tStages, prefix(ctx, in.ApiId))
		return err
	})
	if err != nil {
		return nil, err
	}
	items, next, err := page(all, func(st *api.Stage) string { return *st.StageName }, in.MaxResults, in.NextToken)
	if err != nil {
		return nil, err
	}
	out := &api.GetStagesResponse{Items: []api.Stage{}, NextToken: next}
	for _, st := range items {
		out.Items = append(out.Items, *stageOut(st))
	}
	return out, nil
}

func (s *Service) UpdateStage(ctx context.Context, in *api.UpdateStageRequest) (*api.UpdateStageResponse, error) {
	l := lengths{op: "updateStageInput"}
	l.str("Description", in.Description, 0, 1024)
	if err := l.err(); err != nil {
		return nil, err
	}
	var st *api.Stage
	err := s.st.Update(ctx, func(tx store.Tx) (err error) {
		a, err := loadAPI(ctx, tx, in.ApiId)
		if err != nil {
			return err
		}
		st, err = loadStage(ctx, tx, in.ApiId, in.StageName)
		if err != nil {
			return err
		}
		stageOut(st)
		wasAuto := boolv(st.AutoDeploy)
		if in.AutoDeploy != nil {
			st.AutoDeploy = in.AutoDeploy
		}
		if in.DeploymentId != nil {
			if boolv(st.AutoDeploy) {
				return errAutoDeployStage(ctx, in.ApiId)
			}
			if _, err := loadDeployment(ctx, tx, in.ApiId, *in.DeploymentId); err != nil {
				return err
			}
			st.DeploymentId = in.DeploymentId
		}
		if in.Description != nil {
			st.Description = optional(in.Description)
		}
		if in.ClientCertificateId != nil {
			if *in.ClientCertificateId != "" && !isWebSocket(a) {
				return badRequest("Client certificates are supported only for WebSocket APIs")
			}
			st.ClientCertificateId = optional(in.ClientCertificateId)
		}
		if in.StageVariables != nil {
			// Merged; a variable sent with "" is removed (Terraform's way
			// of dropping one).
			set := map[string]string{}
			for k, v := range in.StageVariables {
				if v == "" {
					delete(st.StageVariables, k)
				} else {
					set[k] = v
				}
			}
			if err := checkStageVariables(set); err != nil {
				return err
			}
			for k, v := range set {
				st.StageVariables[k] = v
			}
		}
		if in.DefaultRouteSettings != nil {
			if err := checkRouteSettings(a, in.DefaultRouteSettings); err != nil {
				return err
			}
			st.DefaultRouteSettings = mergeRouteSettings(st.DefaultRouteSettings, in.DefaultRouteSettings)
		}
		if in.RouteSettings != nil {
			// Merged by route key; DeleteRouteSettings removes one.
			if err := checkRouteSettingKeys(ctx, tx, a, in.RouteSettings); err != nil {
				return err
			}
			for k, v := range in.RouteSettings {
				st.RouteSettings[k] = v
			}
		}
		if in.AccessLogSettings != nil {
			if accessLogEmpty(in.AccessLogSettings) {
				st.AccessLogSettings = nil
			} else {
				if err := checkAccessLog(in.AccessLogSettings); err != nil {
					return err
				}
				st.AccessLogSettings = in.AccessLogSettings
			}
		}
		st.LastUpdatedDate = s.now()
		if err := putStage(ctx, tx, in.ApiId, st); err != nil {
			return err
		}
		// Turning autoDeploy on deploys the current configuration [?].
		if !wasAuto && boolv(st.AutoDeploy) {
			return s.autoDeployStage(ctx, tx, a, st)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return (*api.UpdateStageResponse)(stageOut(st)), nil
}

func (s *Service) DeleteStage(ctx context.Context, in *api.DeleteStageRequest) error {
	return s.st.Update(ctx, func(tx store.Tx) error {
		if _, err := loadAPI(ctx, tx, in.ApiId); err != nil {
			return err
		}
		if _, err := loadStage(ctx, tx, in.ApiId, in.StageName); err != nil {
			return err
		}
		if err := tx.Delete(tAuthCache, key(ctx, in.ApiId, in.StageName)); err != nil {
			return err
		}
		return tx.Delete(tStages, key(ctx, in.ApiId, in.StageName))
	})
}

// editStage loads a stage, applies f and stores it with a new
// lastUpdatedDate.
func (s *Service) editStage(ctx context.Context, apiID, name string, f func(st *api.Stage) error) error {
	return s.st.Update(ctx, func(tx store.Tx) error {
		if _, err := loadAPI(ctx, tx, apiID); err != nil {
			return err
		}
		st, err := loadStage(ctx, tx, apiID, name)
		if err != nil {
			return err
		}
		stageOut(st)
		if err := f(st); err != nil {
			return err
		}
		st.LastUpdatedDate = s.now()
		return putStage(ctx, tx, apiID, st)
	})
}

func (s *Service) DeleteRouteSettings(ctx context.Context, in *api.DeleteRouteSettingsRequest) error {
	return s.editStage(ctx, in.ApiId, in.StageName, func(st *api.Stage) error {
		if _, ok := st.RouteSettings[in.RouteKey]; !ok {
			// Wording [?]; Terraform treats any 404 here as already gone.
			return notFound("Unable to find route settings for route key %s in stage %s", in.RouteKey, in.StageName)
		}
		delete(st.RouteSettings, in.RouteKey)
		return nil
	})
}

func (s *Service) DeleteAccessLogSettings(ctx context.Context, in *api.DeleteAccessLogSettingsRequest) error {
	return s.editStage(ctx, in.ApiId, in.StageName, func(st *api.Stage) error {
		st.AccessLogSettings = nil
		return nil
	})
}

// ResetAuthorizersCache bumps the stage's authorizer cache epoch
// (AuthorizersCacheEpoch); a data plane caching authorizer results drops
// them when it changes.
func (s *Service) ResetAuthorizersCache(ctx context.Context, in *api.ResetAuthorizersCacheRequest) error {
	return s.st.Update(ctx, func(tx store.Tx) error {
		if _, err := loadAPI(ctx, tx, in.ApiId); err != nil {
			return err
		}
		if _, err := loadStage(ctx, tx, in.ApiId, in.StageName); err != nil {
			return err
		}
		k := key(ctx, in.ApiId, in.StageName)
		e, err := store.GetJSON[authCacheEpoch](tx, tAuthCache, k)
		if err != nil {
			if !isNotFound(err) {
				return err
			}
			e = &authCacheEpoch{}
		}
		e.Epoch++
		return store.PutJSON(tx, tAuthCache, k, e)
	})
}
