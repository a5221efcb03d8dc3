// Command stagecraft runs a self-hosted Amazon API Gateway and AWS AppConfig
// on one port. Point any AWS SDK, the AWS CLI or Terraform at it with an
// endpoint override (AWS_ENDPOINT_URL=http://localhost:4566).
//
// Every flag has an environment variable twin; the flag wins.
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"runtime/debug"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/stagecraft/stagecraft/internal/app"
	"github.com/stagecraft/stagecraft/internal/server"
)

func env(name, def string) string {
	if v, ok := os.LookupEnv(name); ok {
		return v
	}
	return def
}

func main() {
	var (
		cfg       app.Config
		authKeys  string
		clockRate string
		logLevel  string
		showVer   bool
	)
	flag.StringVar(&cfg.Listen, "listen", env("STAGECRAFT_LISTEN", ":4566"), "address to serve on (STAGECRAFT_LISTEN)")
	flag.StringVar(&cfg.DataDir, "data-dir", env("STAGECRAFT_DATA_DIR", ".stagecraft"), "directory that holds the state (STAGECRAFT_DATA_DIR)")
	flag.StringVar(&cfg.Store, "store", env("STAGECRAFT_STORE", "wal"), "wal: in-memory state with a write-ahead log in {data-dir}/wal; bolt: the bbolt file {data-dir}/stagecraft.db (STAGECRAFT_STORE)")
	flag.StringVar(&cfg.Auth, "auth", env("STAGECRAFT_AUTH", "off"), "off: accept any credentials; strict: verify SigV4 against --auth-keys (STAGECRAFT_AUTH)")
	flag.StringVar(&authKeys, "auth-keys", env("STAGECRAFT_AUTH_KEYS", ""), "access keys for --auth strict, as AKID:SECRET[,AKID:SECRET...] (STAGECRAFT_AUTH_KEYS)")
	flag.StringVar(&cfg.DefaultAccount, "default-account", env("STAGECRAFT_DEFAULT_ACCOUNT", "000000000000"), "account id for access keys that are not 12-digit account ids (STAGECRAFT_DEFAULT_ACCOUNT)")
	flag.StringVar(&cfg.DefaultRegion, "default-region", env("STAGECRAFT_DEFAULT_REGION", "us-east-1"), "region for unsigned requests (STAGECRAFT_DEFAULT_REGION)")
	flag.StringVar(&cfg.AgentListen, "agent-listen", env("STAGECRAFT_AGENT_LISTEN", ""), "address of an AWS AppConfig Agent-compatible endpoint, e.g. 127.0.0.1:2772; empty: none (STAGECRAFT_AGENT_LISTEN)")
	flag.StringVar(&clockRate, "clock-rate", env("STAGECRAFT_CLOCK_RATE", "1"), "how many times faster than real time rollouts and expiries run (STAGECRAFT_CLOCK_RATE)")
	flag.StringVar(&logLevel, "log-level", env("STAGECRAFT_LOG_LEVEL", "info"), "debug, info, warn or error (STAGECRAFT_LOG_LEVEL)")
	flag.StringVar(&cfg.LambdaEndpoint, "lambda-endpoint", env("STAGECRAFT_LAMBDA_ENDPOINT", ""), "base URL of a Lambda Invoke API for Lambda integrations and authorizers; empty: they answer 500 (STAGECRAFT_LAMBDA_ENDPOINT)")
	flag.StringVar(&cfg.AccessLogFile, "access-log-file", env("STAGECRAFT_ACCESS_LOG_FILE", ""), "file that REST API stage access logs are appended to; empty: stdout (STAGECRAFT_ACCESS_LOG_FILE)")
	flag.StringVar(&cfg.CognitoIssuer, "cognito-issuer", env("STAGECRAFT_COGNITO_ISSUER", ""), "issuer of Cognito user pool tokens, with {region} and {poolId}; empty: AWS's (STAGECRAFT_COGNITO_ISSUER)")
	flag.StringVar(&cfg.CognitoJWKSURL, "cognito-jwks-url", env("STAGECRAFT_COGNITO_JWKS_URL", ""), "where Cognito user pool keys are fetched, with {region} and {poolId}; empty: {issuer}/.well-known/jwks.json (STAGECRAFT_COGNITO_JWKS_URL)")
	flag.StringVar(&cfg.HTTPEngine, "http-engine", env("STAGECRAFT_HTTP_ENGINE", "lean"), "lean: a lean HTTP/1.1 server that hands WebSocket, 100-continue, chunked uploads and anything unusual to net/http; nethttp: net/http for everything (STAGECRAFT_HTTP_ENGINE)")
	flag.BoolVar(&showVer, "version", false, "print the version and exit")
	flag.Parse()
	if showVer {
		fmt.Println("stagecraft", server.Version)
		return
	}
	tuneGC()
	if err := configure(&cfg, authKeys, clockRate, logLevel); err != nil {
		fmt.Fprintln(os.Stderr, "stagecraft:", err)
		os.Exit(2)
	}
	// Catch the signals before serving: once the port answers, a SIGTERM
	// must mean a graceful shutdown, never the default (immediate exit).
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
	node, err := app.Start(cfg)
	if err != nil {
		fmt.Fprintln(os.Stderr, "stagecraft:", err)
		os.Exit(1)
	}
	cfg.Log.Info("stagecraft listening", "addr", node.Addr, "data_dir", cfg.DataDir, "store", node.Store.Name(), "auth", cfg.Auth, "version", server.Version, "agent_addr", node.AgentAddr)

	s := <-sig
	cfg.Log.Info("shutting down", "signal", s.String())
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := node.Shutdown(ctx); err != nil {
		cfg.Log.Error("shutdown", "err", err)
		os.Exit(1)
	}
}

// defaultGCPercent is the GC target used unless GOGC is set. A control-plane
// call allocates tens of kilobytes that die with it while the live heap
// stays small, so at Go's default (100) the collector runs every few calls
// and its background workers take a tenth of the server's CPU; at 400 it
// runs a quarter as often for a few megabytes more heap.
const defaultGCPercent = 400

// tuneGC applies defaultGCPercent unless the environment sets GOGC (which
// the runtime has already applied, "off" included).
func tuneGC() {
	if _, ok := os.LookupEnv("GOGC"); !ok {
		debug.SetGCPercent(defaultGCPercent)
	}
}

func configure(cfg *app.Config, authKeys, clockRate, logLevel string) error {
	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(logLevel)); err != nil {
		return fmt.Errorf("--log-level: %w", err)
	}
	cfg.Log = slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: lvl}))
	switch cfg.Auth {
	case "off", "":
		cfg.Auth = "off"
	case "strict":
		if authKeys == "" {
			return fmt.Errorf("--auth strict needs --auth-keys AKID:SECRET[,...]")
		}
	default:
		return fmt.Errorf("--auth must be off or strict, not %q", cfg.Auth)
	}
	if authKeys != "" {
		cfg.AuthKeys = map[string]string{}
		for _, pair := range strings.Split(authKeys, ",") {
			ak, sk, ok := strings.Cut(strings.TrimSpace(pair), ":")
			if !ok || ak == "" || sk == "" {
				return fmt.Errorf("--auth-keys: %q is not AKID:SECRET", pair)
			}
			cfg.AuthKeys[ak] = sk
		}
	}
	if cfg.Store != "wal" && cfg.Store != "bolt" {
		return fmt.Errorf("--store must be wal or bolt, not %q", cfg.Store)
	}
	switch cfg.HTTPEngine {
	case "lean", "nethttp":
	default:
		return fmt.Errorf("--http-engine must be lean or nethttp, not %q", cfg.HTTPEngine)
	}
	rate, err := strconv.ParseFloat(clockRate, 64)
	if err != nil || rate <= 0 {
		return fmt.Errorf("--clock-rate must be a positive number, not %q", clockRate)
	}
	cfg.ClockRate = rate
	if len(cfg.DefaultAccount) != 12 || strings.Trim(cfg.DefaultAccount, "0123456789") != "" {
		return fmt.Errorf("--default-account must be 12 digits, not %q", cfg.DefaultAccount)
	}
	return nil
}
