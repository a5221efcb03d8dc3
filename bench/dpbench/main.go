// Command dpbench measures the REST data plane (execute-api) against
// peers. bench/dpbench/run.sh builds everything and calls "dpbench run";
// the other subcommands are its parts, usable by hand:
//
//	dpbench run -bin DIR [flags]       the whole side-by-side benchmark (run.go)
//	dpbench setup -endpoint URL -upstream URL
//	dpbench goproxy -listen ADDR -upstream URL
//
// setup creates a REST API with GET /ping (MOCK with request and response
// mapping templates) and ANY /{proxy+} (HTTP_PROXY to upstream/{proxy}),
// deploys it to stage "bench" and prints shell assignments: API_ID,
// HOST_HEADER, MOCK_PATH, PROXY_PATH; with an upstream it also creates an
// HTTP API (apigatewayv2) with ANY /{proxy+} → HTTP_PROXY upstream/{proxy}
// on an auto-deployed stage "bench": HTTP_API_HOST, HTTP_API_PATH.
//
// goproxy is the "plain Go" reference row: net/http/httputil's
// ReverseProxy with a default transport, nothing else.
//
// Every address dpbench talks to or listens on must be loopback.
package main

import (
	"context"
	"flag"
	"fmt"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	sdk "github.com/aws/aws-sdk-go-v2/service/apigateway"
	v2 "github.com/aws/aws-sdk-go-v2/service/apigatewayv2"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: dpbench run|setup|goproxy [flags]")
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "run":
		os.Exit(runMain(os.Args[2:]))
	case "setup":
		fs := flag.NewFlagSet("setup", flag.ExitOnError)
		endpoint := fs.String("endpoint", "http://127.0.0.1:4566", "Stagecraft URL (loopback)")
		upstream := fs.String("upstream", "", "upstream URL for the HTTP_PROXY route (loopback; optional)")
		fs.Parse(os.Args[2:])
		var st setupResult
		if st, err = setup(context.Background(), *endpoint, *upstream); err == nil {
			fmt.Printf("API_ID=%s\nHOST_HEADER=%s\nMOCK_PATH=%s\nPROXY_PATH=%s\n", st.apiID, st.host, st.mockPath, st.proxyPath)
			if st.httpHost != "" {
				fmt.Printf("HTTP_API_HOST=%s\nHTTP_API_PATH=%s\n", st.httpHost, st.httpPath)
			}
		}
	case "goproxy":
		fs := flag.NewFlagSet("goproxy", flag.ExitOnError)
		listen := fs.String("listen", "127.0.0.1:18084", "loopback address to serve on")
		upstream := fs.String("upstream", "http://127.0.0.1:18080", "loopback upstream URL")
		fs.Parse(os.Args[2:])
		err = goproxy(*listen, *upstream)
	default:
		err = fmt.Errorf("unknown command %q", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "dpbench:", err)
		os.Exit(1)
	}
}

// checkLoopback refuses any address that is not on the loopback range.
func checkLoopback(hostport string) error {
	host, _, err := net.SplitHostPort(hostport)
	if err != nil {
		host = hostport
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("%q is not a loopback address: dpbench only talks to 127.0.0.1", hostport)
	}
	return nil
}

func checkLoopbackURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return err
	}
	return checkLoopback(u.Host)
}

func goproxy(listen, upstream string) error {
	if err := checkLoopback(listen); err != nil {
		return err
	}
	if err := checkLoopbackURL(upstream); err != nil {
		return err
	}
	u, _ := url.Parse(upstream)
	rp := httputil.NewSingleHostReverseProxy(u)
	// Keep as many idle upstream connections as wrk opens client ones,
	// as nginx's keepalive and Caddy's defaults do.
	rp.Transport = &http.Transport{MaxIdleConns: 1024, MaxIdleConnsPerHost: 256}
	return http.ListenAndServe(listen, rp)
}

type setupResult struct {
	apiID, host, mockPath, proxyPath string
	httpHost, httpPath               string // the HTTP API's, when an upstream was given
}

// setupHTTPAPI creates the HTTP API row: the same greedy HTTP_PROXY route
// as the REST API's, so the two planes are compared on equal work.
func setupHTTPAPI(ctx context.Context, endpoint, upstream string) (host, path string, err error) {
	c := v2.NewFromConfig(aws.Config{
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider("test", "test", ""),
		BaseEndpoint: aws.String(endpoint),
	})
	api, err := c.CreateApi(ctx, &v2.CreateApiInput{Name: aws.String("dpbench-http"), ProtocolType: "HTTP"})
	if err != nil {
		return "", "", err
	}
	in, err := c.CreateIntegration(ctx, &v2.CreateIntegrationInput{ApiId: api.ApiId, IntegrationType: "HTTP_PROXY",
		IntegrationMethod: aws.String("ANY"), IntegrationUri: aws.String(upstream + "/{proxy}"), PayloadFormatVersion: aws.String("1.0")})
	if err != nil {
		return "", "", err
	}
	if _, err := c.CreateRoute(ctx, &v2.CreateRouteInput{ApiId: api.ApiId, RouteKey: aws.String("ANY /{proxy+}"),
		Target: aws.String("integrations/" + *in.IntegrationId)}); err != nil {
		return "", "", err
	}
	if _, err := c.CreateStage(ctx, &v2.CreateStageInput{ApiId: api.ApiId, StageName: aws.String("bench"), AutoDeploy: aws.Bool(true)}); err != nil {
		return "", "", err
	}
	return *api.ApiId + ".execute-api.localhost", "/bench/items/1", nil
}

func setup(ctx context.Context, endpoint, upstream string) (setupResult, error) {
	if err := checkLoopbackURL(endpoint); err != nil {
		return setupResult{}, err
	}
	if upstream != "" {
		if err := checkLoopbackURL(upstream); err != nil {
			return setupResult{}, err
		}
	}
	c := sdk.NewFromConfig(aws.Config{
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider("test", "test", ""),
		BaseEndpoint: aws.String(endpoint),
	})
	ra, err := c.CreateRestApi(ctx, &sdk.CreateRestApiInput{Name: aws.String("dpbench")})
	if err != nil {
		return setupResult{}, err
	}
	ping, err := c.CreateResource(ctx, &sdk.CreateResourceInput{RestApiId: ra.Id, ParentId: ra.RootResourceId, PathPart: aws.String("ping")})
	if err != nil {
		return setupResult{}, err
	}
	get := aws.String("GET")
	steps := []func() error{
		func() error {
			_, err := c.PutMethod(ctx, &sdk.PutMethodInput{RestApiId: ra.Id, ResourceId: ping.Id, HttpMethod: get, AuthorizationType: aws.String("NONE")})
			return err
		},
		func() error {
			_, err := c.PutIntegration(ctx, &sdk.PutIntegrationInput{RestApiId: ra.Id, ResourceId: ping.Id, HttpMethod: get, Type: "MOCK",
				RequestTemplates: map[string]string{"application/json": `{"statusCode": 200}`}})
			return err
		},
		func() error {
			_, err := c.PutMethodResponse(ctx, &sdk.PutMethodResponseInput{RestApiId: ra.Id, ResourceId: ping.Id, HttpMethod: get, StatusCode: aws.String("200")})
			return err
		},
		func() error {
			_, err := c.PutIntegrationResponse(ctx, &sdk.PutIntegrationResponseInput{RestApiId: ra.Id, ResourceId: ping.Id, HttpMethod: get, StatusCode: aws.String("200"),
				ResponseTemplates: map[string]string{"application/json": `{"pong":true,"requestId":"$context.requestId","stage":"$context.stage"}`}})
			return err
		},
	}
	if upstream != "" {
		var proxyID *string
		steps = append(steps,
			func() error {
				g, err := c.CreateResource(ctx, &sdk.CreateResourceInput{RestApiId: ra.Id, ParentId: ra.RootResourceId, PathPart: aws.String("{proxy+}")})
				if err != nil {
					return err
				}
				proxyID = g.Id
				return nil
			},
			func() error {
				_, err := c.PutMethod(ctx, &sdk.PutMethodInput{RestApiId: ra.Id, ResourceId: proxyID, HttpMethod: aws.String("ANY"), AuthorizationType: aws.String("NONE"),
					RequestParameters: map[string]bool{"method.request.path.proxy": true}})
				return err
			},
			func() error {
				_, err := c.PutIntegration(ctx, &sdk.PutIntegrationInput{RestApiId: ra.Id, ResourceId: proxyID, HttpMethod: aws.String("ANY"), Type: "HTTP_PROXY",
					IntegrationHttpMethod: aws.String("ANY"), Uri: aws.String(upstream + "/{proxy}"),
					RequestParameters: map[string]string{"integration.request.path.proxy": "method.request.path.proxy"}})
				return err
			})
	}
	for _, s := range steps {
		if err := s(); err != nil {
			return setupResult{}, err
		}
	}
	if _, err := c.CreateDeployment(ctx, &sdk.CreateDeploymentInput{RestApiId: ra.Id, StageName: aws.String("bench")}); err != nil {
		return setupResult{}, err
	}
	res := setupResult{apiID: *ra.Id, host: *ra.Id + ".execute-api.localhost", mockPath: "/bench/ping", proxyPath: "/bench/items/1"}
	if upstream != "" {
		if res.httpHost, res.httpPath, err = setupHTTPAPI(ctx, endpoint, upstream); err != nil {
			return setupResult{}, fmt.Errorf("HTTP API: %w", err)
		}
	}
	return res, nil
}
