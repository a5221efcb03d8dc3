package authz_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/stagecraft/stagecraft/internal/authz"
	"github.com/stagecraft/stagecraft/internal/lambda"
	"github.com/stagecraft/stagecraft/internal/lambdatest"
)

// TestAuthorizerThroughLambda: a TOKEN authorizer written with
// aws-lambda-go types, invoked through internal/lambda's client the way
// the data planes do (a *lambda.FunctionError becomes the Invocation's
// payload and kind), decided by LambdaAuthorizer.Authorize.
func TestAuthorizerThroughLambda(t *testing.T) {
	srv := lambdatest.Start(t)
	srv.RegisterTokenAuthorizer("auth", func(e events.APIGatewayCustomAuthorizerRequest) (events.APIGatewayCustomAuthorizerResponse, error) {
		switch e.AuthorizationToken {
		case "allow", "deny":
			effect := map[string]string{"allow": "Allow", "deny": "Deny"}[e.AuthorizationToken]
			return events.APIGatewayCustomAuthorizerResponse{PrincipalID: "user", PolicyDocument: events.APIGatewayCustomAuthorizerPolicy{
				Version:   "2012-10-17",
				Statement: []events.IAMPolicyStatement{{Action: []string{"execute-api:Invoke"}, Effect: effect, Resource: []string{e.MethodArn}}},
			}, Context: map[string]any{"tier": "gold", "n": 2}}, nil
		case "unauthorized":
			return events.APIGatewayCustomAuthorizerResponse{}, errors.New("Unauthorized")
		}
		return events.APIGatewayCustomAuthorizerResponse{}, errors.New("boom")
	})
	c, err := lambda.New(lambda.Config{Endpoint: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	fn, err := lambda.ParseFunction("arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:auth/invocations")
	if err != nil {
		t.Fatal(err)
	}
	a, err := authz.NewRESTLambda("auth", "TOKEN", "method.request.header.Authorization", "", 0)
	if err != nil {
		t.Fatal(err)
	}
	getPets := authz.MethodARN("us-east-1", "123456789012", "a1b2c3d4e5", "dev", "GET", "/pets")
	call := func(token string) (*authz.Result, error) {
		id, err := a.Identity(tokenRequest(token))
		if err != nil {
			t.Fatal(err)
		}
		invoke := func(ctx context.Context) (authz.Invocation, error) {
			res, err := c.Invoke(ctx, fn, lambda.TokenAuthorizerEvent(id.Token, getPets))
			var fe *lambda.FunctionError
			if errors.As(err, &fe) {
				return authz.Invocation{Payload: fe.Payload, FunctionError: fe.Kind}, nil
			}
			if err != nil {
				return authz.Invocation{}, err
			}
			return authz.Invocation{Payload: res.Payload}, nil
		}
		r, _, err := a.Authorize(context.Background(), nil, "scope", id, getPets, invoke)
		return r, err
	}

	r, err := call("allow")
	if err != nil || r.PrincipalID != "user" || r.Context["tier"] != "gold" || r.Context["n"] != json.Number("2") {
		t.Fatalf("allow: %+v %v", r, err)
	}
	// The policy names GET /pets only.
	postPets := authz.MethodARN("us-east-1", "123456789012", "a1b2c3d4e5", "dev", "POST", "/pets")
	wantDenial(t, r.Decide(authz.REST, postPets), 403, "ACCESS_DENIED", "User is not authorized to access this resource", false)

	_, err = call("deny")
	wantDenial(t, err, 403, "ACCESS_DENIED", "User is not authorized to access this resource with an explicit deny", false)
	_, err = call("unauthorized")
	wantDenial(t, err, 401, "UNAUTHORIZED", "Unauthorized", false)
	_, err = call("other")
	wantDenial(t, err, 500, "AUTHORIZER_CONFIGURATION_ERROR", "", true)
}
