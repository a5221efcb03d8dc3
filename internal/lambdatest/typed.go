package lambdatest

import (
	"context"

	"github.com/aws/aws-lambda-go/events"
)

// RegisterProxy registers a REST API (or HTTP API payload 1.0) Lambda
// proxy function.
func (s *Server) RegisterProxy(name string, fn func(events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error)) {
	Handle(s, name, func(_ context.Context, e events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
		return fn(e)
	})
}

// RegisterV2 registers an HTTP API payload format 2.0 function.
func (s *Server) RegisterV2(name string, fn func(events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error)) {
	Handle(s, name, func(_ context.Context, e events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
		return fn(e)
	})
}

// RegisterWebsocket registers a WebSocket API route function.
func (s *Server) RegisterWebsocket(name string, fn func(events.APIGatewayWebsocketProxyRequest) (events.APIGatewayProxyResponse, error)) {
	Handle(s, name, func(_ context.Context, e events.APIGatewayWebsocketProxyRequest) (events.APIGatewayProxyResponse, error) {
		return fn(e)
	})
}

// RegisterAuthorizer registers a REQUEST Lambda authorizer of a REST or
// WebSocket API (or an HTTP API authorizer with payload 1.0) that returns
// an IAM policy.
func (s *Server) RegisterAuthorizer(name string, fn func(events.APIGatewayCustomAuthorizerRequestTypeRequest) (events.APIGatewayCustomAuthorizerResponse, error)) {
	Handle(s, name, func(_ context.Context, e events.APIGatewayCustomAuthorizerRequestTypeRequest) (events.APIGatewayCustomAuthorizerResponse, error) {
		return fn(e)
	})
}

// RegisterTokenAuthorizer registers a TOKEN Lambda authorizer (REST).
func (s *Server) RegisterTokenAuthorizer(name string, fn func(events.APIGatewayCustomAuthorizerRequest) (events.APIGatewayCustomAuthorizerResponse, error)) {
	Handle(s, name, func(_ context.Context, e events.APIGatewayCustomAuthorizerRequest) (events.APIGatewayCustomAuthorizerResponse, error) {
		return fn(e)
	})
}

// RegisterSimpleAuthorizer registers an HTTP API Lambda authorizer with
// payload 2.0 and simple responses ({"isAuthorized": …, "context": …}).
func (s *Server) RegisterSimpleAuthorizer(name string, fn func(events.APIGatewayV2CustomAuthorizerV2Request) (events.APIGatewayV2CustomAuthorizerSimpleResponse, error)) {
	Handle(s, name, func(_ context.Context, e events.APIGatewayV2CustomAuthorizerV2Request) (events.APIGatewayV2CustomAuthorizerSimpleResponse, error) {
		return fn(e)
	})
}

// RegisterV2PolicyAuthorizer registers an HTTP API Lambda authorizer with
// payload 2.0 that returns an IAM policy.
func (s *Server) RegisterV2PolicyAuthorizer(name string, fn func(events.APIGatewayV2CustomAuthorizerV2Request) (events.APIGatewayV2CustomAuthorizerIAMPolicyResponse, error)) {
	Handle(s, name, func(_ context.Context, e events.APIGatewayV2CustomAuthorizerV2Request) (events.APIGatewayV2CustomAuthorizerIAMPolicyResponse, error) {
		return fn(e)
	})
}
