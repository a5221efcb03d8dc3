package app_test

import (
	"bufio"
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/apigateway"

	"github.com/stagecraft/stagecraft/internal/app"
	"github.com/stagecraft/stagecraft/internal/testenv"
)

// Both HTTP engines serve the control plane to the SDK, pipelined raw
// requests, and shut down cleanly.
func TestHTTPEngines(t *testing.T) {
	for _, engine := range []string{"lean", "nethttp"} {
		t.Run(engine, func(t *testing.T) {
			env := testenv.Start(t, testenv.WithConfig(func(c *app.Config) { c.HTTPEngine = engine }))
			ctx := context.Background()
			api, err := env.APIGateway().CreateRestApi(ctx, &apigateway.CreateRestApiInput{Name: aws.String("e-" + engine)})
			if err != nil {
				t.Fatal(err)
			}
			got, err := env.APIGateway().GetRestApi(ctx, &apigateway.GetRestApiInput{RestApiId: api.Id})
			if err != nil || *got.Name != "e-"+engine {
				t.Fatalf("%v %v", got, err)
			}
			c, err := net.Dial("tcp", strings.TrimPrefix(env.URL, "http://"))
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			c.SetDeadline(time.Now().Add(10 * time.Second))
			io.WriteString(c, "GET /nope HTTP/1.1\r\nHost: localhost\r\n\r\nGET /nope2 HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
			br := bufio.NewReader(c)
			for range 2 {
				resp, err := http.ReadResponse(br, nil)
				if err != nil {
					t.Fatal(err)
				}
				io.Copy(io.Discard, resp.Body)
				if resp.StatusCode < 400 {
					t.Fatalf("%s for an unknown path", resp.Status)
				}
			}
		})
	}
}

func TestHTTPEngineUnknown(t *testing.T) {
	_, err := app.Start(app.Config{Listen: "127.0.0.1:0", DataDir: t.TempDir(), HTTPEngine: "fast",
		Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err == nil || !strings.Contains(err.Error(), "http engine") {
		t.Fatalf("err = %v", err)
	}
}
