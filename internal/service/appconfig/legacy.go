package appconfig

import (
	"context"

	api "github.com/stagecraft/stagecraft/internal/api/appconfig"
	"github.com/stagecraft/stagecraft/internal/wire"
)

// Served is what the deprecated GetConfiguration hands one client: the
// deployed content, its ConfigurationVersion and content type. Nil when
// nothing has been deployed for the target yet.
type Served struct {
	Version     string
	ContentType string
	Body        []byte
}

// ConfigurationSource answers GetConfiguration for the control plane:
// it resolves application, environment and profile (each by ID or name)
// and returns what client clientID receives now, with the same targeting
// as the data plane (a deployment rolling out reaches a client once its
// bucket is below PercentageComplete; clientVersion is the version the
// client holds, so that a client that got the new version keeps it).
// Not-found errors are this package's ResourceNotFoundExceptions. The
// data plane (internal/service/appconfigdata) implements it; it cannot be
// called from here directly because that package imports this one.
type ConfigurationSource func(ctx context.Context, app, env, profile, clientID, clientVersion string) (*Served, error)

// GetConfiguration is the deprecated configuration retrieval: the
// configuration deployed to the environment as client ClientId receives
// it. When ClientConfigurationVersion equals the version the client would
// receive, the body is empty (AWS sends no content then, so clients are
// not charged twice for the same version); Configuration-Version is still
// sent. Without a deployment the body is empty and no version is sent.
func (s *Service) GetConfiguration(ctx context.Context, in *api.GetConfigurationRequest) (*api.Configuration, error) {
	if s.configs == nil {
		return nil, wire.NotImplemented(api.ServiceName, "GetConfiguration")
	}
	have := ""
	if in.ClientConfigurationVersion != nil {
		have = *in.ClientConfigurationVersion
	}
	sv, err := s.configs(ctx, in.Application, in.Environment, in.Configuration, *in.ClientId, have)
	if err != nil {
		return nil, err
	}
	out := &api.Configuration{Content: []byte{}}
	if sv == nil {
		return out, nil
	}
	if sv.Version != "" {
		out.ConfigurationVersion = &sv.Version
	}
	if sv.ContentType != "" {
		out.ContentType = &sv.ContentType
	}
	if have == "" || have != sv.Version {
		out.Content = sv.Body
	}
	return out, nil
}

// ErrNotFound is the ResourceNotFoundException GetConfiguration answers
// for a missing application, environment or profile (kind is
// "Application", "Environment" or "ConfigurationProfile").
func ErrNotFound(kind, ident string) error {
	return notFound(kind, "%s with Id %s could not be found.", kind, ident)
}
