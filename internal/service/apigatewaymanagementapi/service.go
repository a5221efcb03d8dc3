// Package apigatewaymanagementapi is the @connections API of WebSocket
// APIs (service apigatewaymanagementapi, 2018-11-29): PostToConnection,
// GetConnection and DeleteConnection on the connections the WebSocket
// data plane (internal/dataplane/websocket) holds open.
//
// State: none in the store. Connections are sockets of this process,
// registered in websocket.HubFor(store) by the data plane; a connection
// that is not there (never existed, closed, or opened on another node)
// is gone: 410 GoneException.
//
// Addressing. Clients use the stage URL as their endpoint
// (https://{apiId}.execute-api.{region}.amazonaws.com/{stage}, here
// http://{apiId}.execute-api.localhost:4566/{stage}), sign for
// execute-api, and the SDKs append /@connections/{connectionId}; "@" may
// arrive as %40 and "=" as %3D. Operations adds the stage-prefixed forms
// of the generated operation table, /{stage}/@connections/{connectionId}
// and /_aws/execute-api/{apiId}/{stage}/@connections/{connectionId}, and
// passes the API id (from the Host or the path) and stage to the
// operations, which only reach the connections of that API stage. Wire it
// as
//
//	wire.NewService(server.Management, mgmtsvc.Operations(mgmtapi.Operations), mgmtsvc.New(st, clk), log)
package apigatewaymanagementapi

import (
	"context"
	"errors"
	"strings"

	api "github.com/stagecraft/stagecraft/internal/api/apigatewaymanagementapi"
	"github.com/stagecraft/stagecraft/internal/clock"
	"github.com/stagecraft/stagecraft/internal/dataplane/v2core"
	"github.com/stagecraft/stagecraft/internal/dataplane/websocket"
	"github.com/stagecraft/stagecraft/internal/store"
	"github.com/stagecraft/stagecraft/internal/wire"

	ws "github.com/coder/websocket"
)

// Service implements api.Service.
type Service struct {
	api.Unimplemented
	st  store.Store
	clk clock.Clock
}

var _ api.Service = (*Service)(nil)

// New returns the @connections API over the connections of st's hub.
func New(st store.Store, clk clock.Clock) *Service {
	if clk == nil {
		clk = clock.Wall{}
	}
	return &Service{st: st, clk: clk}
}

// target is the API stage a request's endpoint names; empty parts are
// unknown (a custom domain, or a path without the stage).
type target struct{ apiID, stage string }

type targetKey struct{}

// Operations returns the generated operations plus their stage-prefixed
// forms, each passing the request's API id and stage on to the service.
// PostToConnection bodies over 128 KB answer 413 PayloadTooLargeException
// before the generated validation runs (which would say 400).
func Operations(ops []*wire.Operation) []*wire.Operation {
	var out []*wire.Operation
	for _, op := range ops {
		for _, prefix := range []string{"", "/{stage}", "/_aws/execute-api/{apiId}/{stage}"} {
			cp := &wire.Operation{Name: op.Name, Method: op.Method, Path: prefix + op.Path, Query: op.Query, Code: op.Code, Handle: wrap(op)}
			out = append(out, cp)
		}
	}
	return out
}

func wrap(op *wire.Operation) func(ctx context.Context, svc any, r *wire.Request) error {
	orig := op.Handle
	post := op.Name == "PostToConnection"
	return func(ctx context.Context, svc any, r *wire.Request) error {
		t := target{apiID: r.Label("apiId"), stage: r.Label("stage")}
		if t.apiID == "" && r.HTTP != nil {
			if pt, ok := v2core.ParseTarget(r.HTTP); ok && !pt.PathForm {
				t.apiID = pt.APIID
			}
		}
		if post && len(r.Body) > websocket.MaxPostSize {
			// The message quota [D: 128 KB]; the wording is AWS's for
			// oversized WebSocket messages [?].
			return api.NewPayloadTooLargeException("Message too long")
		}
		return orig(context.WithValue(ctx, targetKey{}, t), svc, r)
	}
}

// conn finds an open connection of the request's API stage.
func (s *Service) conn(ctx context.Context, id string) (*websocket.Conn, error) {
	c, ok := websocket.HubFor(s.st).Get(id)
	if !ok {
		return nil, api.NewGoneException()
	}
	t, _ := ctx.Value(targetKey{}).(target)
	// A connection id is only valid at the endpoint of its API stage [?:
	// AWS scopes the management endpoint to the stage URL]; elsewhere it
	// does not exist.
	if t.apiID != "" && !strings.EqualFold(t.apiID, c.APIID()) || t.stage != "" && t.stage != c.Stage() {
		return nil, api.NewGoneException()
	}
	return c, nil
}

// PostToConnection sends the request body to the client as one message.
func (s *Service) PostToConnection(ctx context.Context, in *api.PostToConnectionRequest) error {
	c, err := s.conn(ctx, in.ConnectionId)
	if err != nil {
		return err
	}
	if len(in.Data) > websocket.MaxPostSize {
		return api.NewPayloadTooLargeException("Message too long")
	}
	if err := c.Send(ctx, in.Data); err != nil {
		if errors.Is(err, websocket.ErrGone) {
			return api.NewGoneException()
		}
		return err
	}
	return nil
}

// GetConnection describes a connection: when it connected, the client's
// source IP and user agent, and when it last sent a message.
func (s *Service) GetConnection(ctx context.Context, in *api.GetConnectionRequest) (*api.GetConnectionResponse, error) {
	c, err := s.conn(ctx, in.ConnectionId)
	if err != nil {
		return nil, err
	}
	info := c.Info()
	return &api.GetConnectionResponse{
		ConnectedAt:  wire.ISO(info.ConnectedAt),
		LastActiveAt: wire.ISO(info.LastActiveAt),
		Identity:     &api.Identity{SourceIp: &info.SourceIP, UserAgent: &info.UserAgent},
	}, nil
}

// DeleteConnection closes a connection (1000, normal closure [?]); its
// $disconnect route runs.
func (s *Service) DeleteConnection(ctx context.Context, in *api.DeleteConnectionRequest) error {
	c, err := s.conn(ctx, in.ConnectionId)
	if err != nil {
		return err
	}
	if err := c.Close(ws.StatusNormalClosure, ""); err != nil {
		return api.NewGoneException()
	}
	return nil
}
