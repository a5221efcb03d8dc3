// Package app assembles a Stagecraft node from its configuration: the
// store, the services and the HTTP front door. cmd/stagecraft parses flags
// into a Config and calls Run; tests call Start to get a node on a real
// loopback socket.
package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/stagecraft/stagecraft/internal/agent"
	apigwapi "github.com/stagecraft/stagecraft/internal/api/apigateway"
	mgmtapi "github.com/stagecraft/stagecraft/internal/api/apigatewaymanagementapi"
	apigwv2api "github.com/stagecraft/stagecraft/internal/api/apigatewayv2"
	appconfigapi "github.com/stagecraft/stagecraft/internal/api/appconfig"
	appconfigdataapi "github.com/stagecraft/stagecraft/internal/api/appconfigdata"
	"github.com/stagecraft/stagecraft/internal/clock"
	"github.com/stagecraft/stagecraft/internal/dataplane"
	"github.com/stagecraft/stagecraft/internal/dataplane/httpapi"
	"github.com/stagecraft/stagecraft/internal/dataplane/websocket"
	"github.com/stagecraft/stagecraft/internal/h1client"
	"github.com/stagecraft/stagecraft/internal/h1server"
	"github.com/stagecraft/stagecraft/internal/lambda"
	"github.com/stagecraft/stagecraft/internal/server"
	"github.com/stagecraft/stagecraft/internal/service/apigateway"
	mgmtsvc "github.com/stagecraft/stagecraft/internal/service/apigatewaymanagementapi"
	"github.com/stagecraft/stagecraft/internal/service/apigatewayv2"
	"github.com/stagecraft/stagecraft/internal/service/appconfig"
	"github.com/stagecraft/stagecraft/internal/service/appconfigdata"
	"github.com/stagecraft/stagecraft/internal/service/cloudwatch"
	"github.com/stagecraft/stagecraft/internal/store"
	"github.com/stagecraft/stagecraft/internal/store/bolt"
	"github.com/stagecraft/stagecraft/internal/store/wal"
	"github.com/stagecraft/stagecraft/internal/wire"
)

// Config is a node's configuration. Every field has a flag and an
// environment variable twin in cmd/stagecraft.
type Config struct {
	Listen         string            // --listen, STAGECRAFT_LISTEN (":4566")
	DataDir        string            // --data-dir, STAGECRAFT_DATA_DIR (".stagecraft")
	Store          string            // --store, STAGECRAFT_STORE ("wal" | "bolt"; "": "wal")
	Auth           string            // --auth, STAGECRAFT_AUTH ("off" | "strict")
	AuthKeys       map[string]string // --auth-keys, STAGECRAFT_AUTH_KEYS ("AKID:SECRET,...")
	DefaultAccount string            // --default-account, STAGECRAFT_DEFAULT_ACCOUNT
	DefaultRegion  string            // --default-region, STAGECRAFT_DEFAULT_REGION
	ClockRate      float64           // --clock-rate, STAGECRAFT_CLOCK_RATE (1)
	LambdaEndpoint string            // --lambda-endpoint, STAGECRAFT_LAMBDA_ENDPOINT ("": Lambda integrations answer 500)
	AccessLogFile  string            // --access-log-file, STAGECRAFT_ACCESS_LOG_FILE ("": stdout)
	CognitoIssuer  string            // --cognito-issuer, STAGECRAFT_COGNITO_ISSUER ("": AWS's issuer URL)
	CognitoJWKSURL string            // --cognito-jwks-url, STAGECRAFT_COGNITO_JWKS_URL ("": {issuer}/.well-known/jwks.json)
	AgentListen    string            // --agent-listen, STAGECRAFT_AGENT_LISTEN ("" = no AppConfig Agent endpoint)
	HTTPEngine     string            // --http-engine, STAGECRAFT_HTTP_ENGINE ("lean" (""), "nethttp")
	Log            *slog.Logger
	Clock          clock.Clock // tests inject a fake clock
}

// Node is a running Stagecraft.
type Node struct {
	Config   Config
	Store    store.Store
	Handler  http.Handler
	Addr     string // the address actually listened on
	listener net.Listener
	http     *http.Server     // serves everything (nethttp), or what lean hands off
	lean     *h1server.Server // nil with --http-engine nethttp
	done     chan error

	DataPlane *dataplane.Handler // serves deployed REST API stages; tests call its Sync
	planes    *dataPlanes
	h1        *h1client.Transport // the planes' shared integration connection pool
	accessLog *os.File

	AgentAddr string // where the AppConfig Agent endpoint listens ("" = off)
}

// Build opens the store and assembles the handler without listening.
func Build(cfg Config) (*Node, error) {
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.NewJSONHandler(os.Stderr, nil))
	}
	if cfg.Clock == nil {
		if cfg.ClockRate > 0 && cfg.ClockRate != 1 {
			cfg.Clock = clock.NewScaled(cfg.ClockRate)
		} else {
			cfg.Clock = clock.Wall{}
		}
	}
	if cfg.DataDir == "" {
		cfg.DataDir = ".stagecraft"
	}
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("data directory: %w", err)
	}
	// One HTTP/1.1 connection pool for the integrations of the three data
	// planes; each plane adds its own https fallback (TLS settings).
	h1 := h1client.New(h1client.Options{})
	dpCfg := dataplane.Config{Transport: h1, DefaultAccount: cfg.DefaultAccount, DefaultRegion: cfg.DefaultRegion, Clock: cfg.Clock, Log: cfg.Log,
		CognitoIssuer: cfg.CognitoIssuer, CognitoJWKSURL: cfg.CognitoJWKSURL}
	if cfg.LambdaEndpoint != "" {
		lc, err := lambda.New(lambda.Config{Endpoint: cfg.LambdaEndpoint, Region: cfg.DefaultRegion, Clock: cfg.Clock})
		if err != nil {
			return nil, fmt.Errorf("lambda endpoint: %w", err)
		}
		dpCfg.Lambda = lc
	}
	if cfg.Auth == "strict" {
		keys := cfg.AuthKeys
		dpCfg.IAMKeys = func(ak string) (string, bool) { sk, ok := keys[ak]; return sk, ok }
	}
	var accessLog *os.File
	if cfg.AccessLogFile != "" {
		f, err := os.OpenFile(cfg.AccessLogFile, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
		if err != nil {
			return nil, fmt.Errorf("access log file: %w", err)
		}
		accessLog, dpCfg.AccessLog = f, f
	}
	st, err := openStore(cfg)
	if err != nil {
		if accessLog != nil {
			accessLog.Close()
		}
		return nil, err
	}
	dp := dataplane.New(st, dpCfg)
	v2cfgLambda := dpCfg.Lambda
	planes := &dataPlanes{
		rest:  dp,
		rules: dp.ServeRoutingRules,
		http:  httpapi.New(st, httpapi.Config{Transport: h1, DefaultAccount: cfg.DefaultAccount, DefaultRegion: cfg.DefaultRegion, Clock: cfg.Clock, Log: cfg.Log, Lambda: v2cfgLambda, AccessLog: dpCfg.AccessLog, Throttler: dp.Throttler()}),
		ws:    websocket.New(st, websocket.Config{Transport: h1, DefaultAccount: cfg.DefaultAccount, DefaultRegion: cfg.DefaultRegion, Clock: cfg.Clock, Log: cfg.Log, Lambda: v2cfgLambda, AccessLog: dpCfg.AccessLog, Throttler: dp.Throttler(), Counters: dp.Counters()}),
	}
	apigw := apigateway.New(st, cfg.Clock)
	apigw.SetTestInvoker(dp) // TestInvokeMethod runs methods on the REST data plane
	acData := appconfigdata.New(st, cfg.Clock)
	svcs := map[string]*wire.Service{
		server.APIGateway:    wire.NewService(server.APIGateway, apigwapi.Operations, apigw, cfg.Log),
		server.APIGatewayV2:  wire.NewService(server.APIGatewayV2, apigwv2api.Operations, apigatewayv2.New(st, cfg.Clock), cfg.Log),
		server.AppConfig:     wire.NewService(server.AppConfig, appconfigapi.Operations, appconfig.NewWithOptions(st, cfg.Clock, appconfig.Options{Alarms: cloudwatch.MonitorChecker(st), Lambda: dpCfg.Lambda, Log: cfg.Log, Configurations: acData.LegacyConfiguration}), cfg.Log),
		server.AppConfigData: wire.NewService(server.AppConfigData, appconfigdataapi.Operations, acData, cfg.Log),
		server.Management:    wire.NewService(server.Management, mgmtsvc.Operations(mgmtapi.Operations), mgmtsvc.New(st, cfg.Clock), cfg.Log),
	}
	srv := server.New(server.Config{
		DefaultAccount: cfg.DefaultAccount,
		DefaultRegion:  cfg.DefaultRegion,
		Auth:           cfg.Auth,
		Keys:           cfg.AuthKeys,
		Now:            cfg.Clock.Now,
		CloudWatch:     cloudwatch.New(st, cfg.Clock).WithLogger(cfg.Log),
	}, st, svcs, planes, cfg.Log)
	return &Node{Config: cfg, Store: st, Handler: planes.DomainFront(dp.DomainFront(srv)), DataPlane: dp, planes: planes, h1: h1, accessLog: accessLog, done: make(chan error, 1)}, nil
}

// Start builds a node and serves it on cfg.Listen in the background.
func Start(cfg Config) (*Node, error) {
	n, err := Build(cfg)
	if err != nil {
		return nil, err
	}
	lean := false
	switch n.Config.HTTPEngine {
	case "", "lean":
		lean = true
	case "nethttp":
	default:
		n.Store.Close()
		return nil, fmt.Errorf("http engine must be lean or nethttp, not %q", n.Config.HTTPEngine)
	}
	addr := n.Config.Listen
	if addr == "" {
		addr = ":4566"
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		n.Store.Close()
		return nil, err
	}
	n.listener = ln
	n.Addr = ln.Addr().String()
	n.http = &http.Server{Handler: n.Handler, ReadHeaderTimeout: 30 * time.Second, IdleTimeout: 120 * time.Second}
	if lean {
		// The lean HTTP/1.1 server in front; WebSocket upgrades,
		// 100-continue, chunked uploads and anything unusual are handed
		// to n.http.
		n.lean = &h1server.Server{Fallback: n.http}
		go func() { n.done <- n.lean.Serve(ln) }()
	} else {
		go func() { n.done <- n.http.Serve(ln) }()
	}
	if n.Config.AgentListen != "" {
		// The agent endpoint stops when the store is closed.
		n.AgentAddr, err = agent.Listen(n.Config.AgentListen, n.Store, agent.Config{Account: n.Config.DefaultAccount,
			Region: n.Config.DefaultRegion, Clock: n.Config.Clock, Log: n.Config.Log})
		if err != nil {
			if n.lean != nil {
				n.lean.Close()
			}
			n.http.Close()
			n.Store.Close()
			return nil, fmt.Errorf("agent endpoint: %w", err)
		}
	}
	return n, nil
}

// URL is the node's base URL on loopback.
func (n *Node) URL() string {
	_, port, _ := net.SplitHostPort(n.Addr)
	return "http://127.0.0.1:" + port
}

// Shutdown stops accepting requests, waits for in-flight ones (up to ctx)
// and closes the store.
func (n *Node) Shutdown(ctx context.Context) error {
	var err error
	if n.lean != nil {
		// Shuts n.http down too; what is still running when ctx ends is
		// closed.
		if err = n.lean.Shutdown(ctx); err != nil {
			n.lean.Close()
		}
		if e := <-n.done; e != nil && !errors.Is(e, http.ErrServerClosed) && err == nil {
			err = e
		}
	} else if n.http != nil {
		err = n.http.Shutdown(ctx)
		if e := <-n.done; e != nil && !errors.Is(e, http.ErrServerClosed) && err == nil {
			err = e
		}
	}
	if e := appconfigdata.Flush(ctx, n.Store); e != nil && err == nil { // consumed configuration tokens
		err = e
	}
	n.DataPlane.Close() // writes the usage counted since the last sync
	n.planes.Close()    // HTTP API and WebSocket planes (closes open WebSocket connections)
	n.h1.CloseIdleConnections()
	if e := n.Store.Close(); e != nil && err == nil {
		err = e
	}
	if n.accessLog != nil {
		n.accessLog.Close()
	}
	return err
}

// Where the stores keep their state inside the data directory.
const (
	boltFile = "stagecraft.db"
	walDir   = "wal"
)

// openStore opens the store cfg.Store names in cfg.DataDir. The wal store
// first takes over a bolt file left by an earlier version (migrateBolt).
func openStore(cfg Config) (store.Store, error) {
	switch cfg.Store {
	case "bolt":
		return bolt.Open(filepath.Join(cfg.DataDir, boltFile))
	case "wal", "":
	default:
		return nil, fmt.Errorf("unknown store %q (want wal or bolt)", cfg.Store)
	}
	st, err := wal.Open(filepath.Join(cfg.DataDir, walDir))
	if err != nil {
		return nil, err
	}
	if err := migrateBolt(st, filepath.Join(cfg.DataDir, boltFile), cfg.Log); err != nil {
		st.Close()
		return nil, fmt.Errorf("migrating %s to the wal store: %w", boltFile, err)
	}
	return st, nil
}

// migrateBolt copies the bolt file at path, if there is one, into the
// empty wal store st (every table, key and value, the NextSequence counters
// and the revision, in one durable commit), then renames the file to
// path.migrated. Crash safety: until the copy is durable the wal store is
// still at revision 0 and the next start copies again; once it is, the wal
// store has the bolt file's revision, and a start that finds the file still
// there (the rename was interrupted) only renames it. A bolt file next to a
// wal store with other state (say, written by --store bolt later) is left
// alone, with a warning.
func migrateBolt(st *wal.Store, path string, log *slog.Logger) error {
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		return nil
	}
	ctx := context.Background()
	b, err := bolt.Open(path)
	if err != nil {
		return err
	}
	defer b.Close()
	walRev, err := st.Revision(ctx)
	if err != nil {
		return err
	}
	boltRev, err := b.Revision(ctx)
	if err != nil {
		return err
	}
	switch {
	case walRev == 0:
		var items, seqs int
		err = st.Import(ctx, boltRev, func(im wal.Importer) error {
			rev, err := b.Export(ctx, func(table, key string, v []byte) error {
				items++
				return im.Put(table, key, v)
			}, func(table, name string, n uint64) error {
				seqs++
				return im.SetSequence(table, name, n)
			})
			if err == nil && rev != boltRev {
				err = fmt.Errorf("revision changed from %d to %d during the export", boltRev, rev)
			}
			return err
		})
		if err != nil {
			return err
		}
		log.Info("migrated the bolt store to the wal store", "from", path, "to", st.Dir(), "items", items, "sequences", seqs, "revision", boltRev)
	case walRev == boltRev:
		// Migrated before; the rename did not happen.
	default:
		log.Warn("ignoring a bolt store next to a wal store that has other state", "bolt", path, "bolt_revision", boltRev, "wal", st.Dir(), "wal_revision", walRev)
		return nil
	}
	if err := b.Close(); err != nil {
		return err
	}
	if err := os.Rename(path, path+".migrated"); err != nil {
		return err
	}
	d, err := os.Open(filepath.Dir(path))
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
