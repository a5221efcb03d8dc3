package apigatewayv2_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	sdk "github.com/aws/aws-sdk-go-v2/service/apigatewayv2"
	"github.com/aws/aws-sdk-go-v2/service/apigatewayv2/types"
	"github.com/aws/smithy-go"

	"github.com/stagecraft/stagecraft/internal/clock"
	"github.com/stagecraft/stagecraft/internal/testenv"
)

var t0 = time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)

// start runs a node on a fake clock and returns an apigatewayv2 client.
func start(t *testing.T) (*testenv.Env, *sdk.Client) {
	t.Helper()
	env := testenv.Start(t, testenv.WithFakeClock(clock.NewFake(t0)))
	return env, env.APIGatewayV2()
}

var ctx = context.Background()

// apiErr asserts err is an AWS error with the given code and (unless
// empty) message.
func apiErr(t *testing.T, err error, code, msg string) {
	t.Helper()
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("want %s error, got %v", code, err)
	}
	if ae.ErrorCode() != code || (msg != "" && ae.ErrorMessage() != msg) {
		t.Fatalf("want %s %q,\n got %s %q", code, msg, ae.ErrorCode(), ae.ErrorMessage())
	}
}

// apiErrContains asserts the code and that the message contains part.
func apiErrContains(t *testing.T, err error, code, part string) {
	t.Helper()
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("want %s error, got %v", code, err)
	}
	if ae.ErrorCode() != code || !strings.Contains(ae.ErrorMessage(), part) {
		t.Fatalf("want %s containing %q,\n got %s %q", code, part, ae.ErrorCode(), ae.ErrorMessage())
	}
}

// res carries a call's result and error: do(c.Op(ctx, in)).must(t).
type res[T any] struct {
	v   T
	err error
}

func do[T any](v T, err error) res[T] { return res[T]{v, err} }

func (r res[T]) must(t *testing.T) T {
	t.Helper()
	if r.err != nil {
		t.Fatal(r.err)
	}
	return r.v
}

func httpAPI(t *testing.T, c *sdk.Client, name string) *sdk.CreateApiOutput {
	t.Helper()
	return do(c.CreateApi(ctx, &sdk.CreateApiInput{Name: aws.String(name), ProtocolType: types.ProtocolTypeHttp})).must(t)
}

func wsAPI(t *testing.T, c *sdk.Client, name string) *sdk.CreateApiOutput {
	t.Helper()
	return do(c.CreateApi(ctx, &sdk.CreateApiInput{Name: aws.String(name), ProtocolType: types.ProtocolTypeWebsocket,
		RouteSelectionExpression: aws.String("$request.body.action")})).must(t)
}

func httpProxy(t *testing.T, c *sdk.Client, apiID *string) *sdk.CreateIntegrationOutput {
	t.Helper()
	return do(c.CreateIntegration(ctx, &sdk.CreateIntegrationInput{ApiId: apiID, IntegrationType: types.IntegrationTypeHttpProxy,
		IntegrationMethod: aws.String("ANY"), IntegrationUri: aws.String("https://example.com/{proxy}"), PayloadFormatVersion: aws.String("1.0")})).must(t)
}

// raw sends a signed request to the node and returns status and body, for
// checks of the exact JSON on the wire.
func raw(t *testing.T, env *testenv.Env, method, path, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, env.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	cfg := env.AWSConfig()
	creds, _ := cfg.Credentials.Retrieve(ctx)
	h := sha256Hex(body)
	req.Header.Set("X-Amz-Content-Sha256", h)
	if err := v4.NewSigner().SignHTTP(ctx, creds, req, h, "apigateway", env.Region, time.Now()); err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func sha256Hex(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}
