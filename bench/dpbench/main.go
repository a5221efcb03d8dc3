// Command dpbench prepares a running Stagecraft for data-plane load tests
// (see wrk.sh) and can serve the upstream an HTTP_PROXY route points at.
//
//	dpbench upstream -listen 127.0.0.1:9001
//	dpbench setup -endpoint http://127.0.0.1:4566 -upstream http://127.0.0.1:9001
//
// setup creates a REST API with GET /ping (MOCK, mapping template) and
// ANY /proxy/{proxy+} (HTTP_PROXY to the upstream), deploys it to stage
// "bench" and prints shell assignments: API_ID, HOST_HEADER, MOCK_PATH,
// PROXY_PATH.
package main

import (
	"context"
	"flag"
	"fmt"
	"net/http"
	"os"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	sdk "github.com/aws/aws-sdk-go-v2/service/apigateway"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: dpbench setup|upstream [flags]")
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "setup":
		fs := flag.NewFlagSet("setup", flag.ExitOnError)
		endpoint := fs.String("endpoint", "http://127.0.0.1:4566", "Stagecraft URL")
		upstream := fs.String("upstream", "", "upstream URL for the HTTP_PROXY route (optional)")
		fs.Parse(os.Args[2:])
		err = setup(context.Background(), *endpoint, *upstream)
	case "upstream":
		fs := flag.NewFlagSet("upstream", flag.ExitOnError)
		listen := fs.String("listen", "127.0.0.1:9001", "address to serve on")
		fs.Parse(os.Args[2:])
		err = http.ListenAndServe(*listen, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprintf(w, `{"path":%q}`, r.URL.Path)
		}))
	default:
		err = fmt.Errorf("unknown command %q", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "dpbench:", err)
		os.Exit(1)
	}
}

func setup(ctx context.Context, endpoint, upstream string) error {
	c := sdk.NewFromConfig(aws.Config{
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider("test", "test", ""),
		BaseEndpoint: aws.String(endpoint),
	})
	ra, err := c.CreateRestApi(ctx, &sdk.CreateRestApiInput{Name: aws.String("dpbench")})
	if err != nil {
		return err
	}
	ping, err := c.CreateResource(ctx, &sdk.CreateResourceInput{RestApiId: ra.Id, ParentId: ra.RootResourceId, PathPart: aws.String("ping")})
	if err != nil {
		return err
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
				p, err := c.CreateResource(ctx, &sdk.CreateResourceInput{RestApiId: ra.Id, ParentId: ra.RootResourceId, PathPart: aws.String("proxy")})
				if err != nil {
					return err
				}
				g, err := c.CreateResource(ctx, &sdk.CreateResourceInput{RestApiId: ra.Id, ParentId: p.Id, PathPart: aws.String("{proxy+}")})
				proxyID = g.Id
				return err
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
			return err
		}
	}
	if _, err := c.CreateDeployment(ctx, &sdk.CreateDeploymentInput{RestApiId: ra.Id, StageName: aws.String("bench")}); err != nil {
		return err
	}
	fmt.Printf("API_ID=%s\nHOST_HEADER=%s.execute-api.localhost\nMOCK_PATH=/bench/ping\nPROXY_PATH=/bench/proxy/items/1\n", *ra.Id, *ra.Id)
	return nil
}
