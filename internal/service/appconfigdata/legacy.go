package appconfigdata

import (
	"context"
	"errors"

	api "github.com/stagecraft/stagecraft/internal/api/appconfigdata"
	"github.com/stagecraft/stagecraft/internal/service/appconfig"
	"github.com/stagecraft/stagecraft/internal/wire"
)

// TargetClient is a ClientId of the control plane's deprecated
// GetConfiguration. Like an agent entity, a client ID is chosen by the
// caller and shared across profiles, so its bucketing key mixes in the
// resource IDs (EntityKey); its bucket is then fixed for a deployment, so
// a client keeps its place in a gradual rollout from call to call.
const TargetClient = "client"

// LegacyConfiguration serves appconfig's GetConfiguration (it is an
// appconfig.ConfigurationSource): the application, environment and
// profile are resolved by ID or name as for StartConfigurationSession,
// and the version is picked as for a session whose identity is clientID.
// clientVersion is the ConfigurationVersion the client last received: if
// it is the rolling-out deployment's, the client keeps that version. The
// fetch counts for deletion protection.
func (s *Service) LegacyConfiguration(ctx context.Context, app, env, profile, clientID, clientVersion string) (*appconfig.Served, error) {
	sc := wire.ScopeFrom(ctx)
	t, _, err := s.r.Resolve(ctx, sc.Account, sc.Region, app, env, profile)
	if err != nil {
		var nf *api.ResourceNotFoundException
		if errors.As(err, &nf) && nf.ResourceType != nil {
			ident := ""
			for _, v := range nf.ReferencedBy {
				ident = v
			}
			return nil, appconfig.ErrNotFound(*nf.ResourceType, ident)
		}
		return nil, err
	}
	st, err := s.r.State(ctx, t)
	if err != nil {
		return nil, err
	}
	now := s.clk.Now()
	var last int32
	if c := st.cand; c != nil && clientVersion != "" && clientVersion == c.served.Version {
		last = c.served.Deployment
	}
	sv := st.Pick(now, TargetClient, EntityKey(t, clientID), last)
	if err := s.r.RecordFetch(ctx, t, now); err != nil {
		return nil, err
	}
	if sv == nil {
		return nil, nil
	}
	return &appconfig.Served{Version: sv.Version, ContentType: sv.ContentType, Body: sv.Body}, nil
}
