package server_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"regexp"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	sdk "github.com/aws/aws-sdk-go-v2/service/apigateway"

	"github.com/stagecraft/stagecraft/internal/server"
	"github.com/stagecraft/stagecraft/internal/testenv"
)

func TestHealthAndReset(t *testing.T) {
	env := testenv.Start(t)
	c := env.APIGateway()
	ra, err := c.CreateRestApi(context.Background(), &sdk.CreateRestApiInput{Name: aws.String("gone-after-reset")})
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get(env.URL + "/_stagecraft/health")
	if err != nil {
		t.Fatal(err)
	}
	var h server.Health
	json.NewDecoder(resp.Body).Decode(&h)
	resp.Body.Close()
	if resp.StatusCode != 200 || h.Status != "ok" || h.Store != "wal" || h.Revision == 0 ||
		h.Services["apigateway"] != 124 || h.Services["appconfigdata"] != 2 || len(h.Services) != 5 {
		t.Fatalf("health: %d %+v", resp.StatusCode, h)
	}
	resp, err = http.Post(env.URL+"/_stagecraft/reset", "", nil)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("reset: %v %v", err, resp)
	}
	if _, err := c.GetRestApi(context.Background(), &sdk.GetRestApiInput{RestApiId: ra.Id}); err == nil {
		t.Fatal("API survived a reset")
	}
	resp, _ = http.Get(env.URL + "/_stagecraft/nope")
	if resp.StatusCode != 404 {
		t.Fatalf("unknown ops endpoint: %d", resp.StatusCode)
	}
}

func TestDispatch(t *testing.T) {
	env := testenv.Start(t)
	do := func(method, path, host, auth string) (int, string, string) {
		req, _ := http.NewRequest(method, env.URL+path, nil)
		if host != "" {
			req.Host = host
		}
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, resp.Header.Get("x-amzn-ErrorType"), string(b)
	}
	// Execute-api hosts and path forms go to the data plane.
	for _, c := range []struct{ path, host string }{
		{"/prod/pets", "abc123.execute-api.localhost:4566"},
		{"/prod/pets", "abc123.execute-api.us-east-1.amazonaws.com"},
		{"/_aws/execute-api/abc123/prod/pets", ""},
		{"/restapis/abc123/prod/_user_request_/pets", ""},
	} {
		// An API that does not exist: the data plane answers as API
		// Gateway does for an unknown API (403 Forbidden).
		st, code, body := do("GET", c.path, c.host, "")
		if st != 403 || code != "ForbiddenException" || body != `{"message":"Forbidden"}` {
			t.Errorf("%s %s: %d %s %s", c.host, c.path, st, code, body)
		}
	}
	// A control-plane path on a plain host is not the data plane.
	if st, code, _ := do("GET", "/restapis/nope", "", ""); st != 404 || code != "NotFoundException" {
		t.Errorf("control plane: %d %s", st, code)
	}
}

func apiErrCode(t *testing.T, err error, code, msg string) {
	t.Helper()
	var ae interface {
		ErrorCode() string
		ErrorMessage() string
	}
	if !errors.As(err, &ae) || ae.ErrorCode() != code || (msg != "" && ae.ErrorMessage() != msg) {
		t.Fatalf("want %s %q, got %v", code, msg, err)
	}
}

// Every control-plane answer carries a fresh request id in AWS's form (a
// lowercase version 4 UUID), also on errors, where the SDKs read it.
func TestRequestIDs(t *testing.T) {
	env := testenv.Start(t)
	re := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	seen := map[string]bool{}
	for _, path := range []string{"/restapis", "/restapis", "/restapis/nope"} {
		req, _ := http.NewRequest(http.MethodGet, env.URL+path, nil)
		req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=test/20261121/us-east-1/apigateway/aws4_request, SignedHeaders=host, Signature=00")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		id := resp.Header.Get("x-amzn-RequestId")
		if !re.MatchString(id) || seen[id] {
			t.Fatalf("%s: %d, request id %q: want a new lowercase version 4 UUID", path, resp.StatusCode, id)
		}
		seen[id] = true
	}
}
