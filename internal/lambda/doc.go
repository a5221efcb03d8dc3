// Package lambda is what the API Gateway data planes (REST, HTTP API,
// WebSocket) use to run Lambda integrations and authorizers:
//
//   - ParseFunction turns an integration URI
//     (arn:aws:apigateway:{region}:lambda:path/2015-03-31/functions/{lambdaArn}/invocations,
//     a function ARN, possibly with a version or alias) into a Function,
//     after SubstituteStageVariables.
//   - Client invokes it through Lambda's Invoke API
//     (POST {endpoint}/2015-03-31/functions/{name}/invocations) against
//     LocalStack, the Runtime Interface Emulator, lambdatest or Lambda
//     itself, optionally SigV4-signed; the integration timeout is the
//     context deadline. It returns the payload, a *FunctionError
//     (X-Amz-Function-Error), a *ServiceError (non-2xx) or an error
//     wrapping ErrTimeout.
//   - The event builders (RESTEvent, HTTPEventV1, HTTPEventV2,
//     WebSocketEvent and their Append forms) format a Request as the
//     proxy event of each API type, field by field as AWS sends it.
//   - The response parsers (ParseResponseV1, ParseResponseV2,
//     ParseResponseWebSocket) apply each contract: 1.0 is strict (a
//     contract violation is an error wrapping ErrMalformedResponse, which
//     a REST API answers 502 {"message":"Internal server error"}), 2.0 is
//     lenient (output without statusCode becomes a 200 JSON body).
//   - Authorizers: TokenAuthorizerEvent, RequestAuthorizerEvent,
//     HTTPAuthorizerEventV1/V2 and WebSocketAuthorizerEvent build the
//     events (ExecuteAPIARN the methodArn/routeArn). Reading the answers
//     (policy or simple response, the "Unauthorized" function error that
//     means 401), evaluating the IAM policy and caching the result are
//     internal/authz's: the data plane hands it the invocation's payload
//     and *FunctionError kind.
//
// Everything but Client is a pure function over plain Go values.
//
// A REST AWS_PROXY integration, end to end:
//
//	fn, err := lambda.ParseFunction(lambda.SubstituteStageVariables(integ.URI, stageVars))
//	if err != nil { /* 500 Internal server error */ }
//	ctx, cancel := context.WithTimeout(ctx, integ.Timeout) // timeoutInMillis, default 29 s
//	defer cancel()
//	res, err := client.Do(ctx, &lambda.Invocation{Function: fn, Payload: lambda.RESTEvent(&req), TraceID: trace})
//	if err != nil { /* see the table below */ }
//	resp, err := lambda.ParseResponseV1(res.Payload)
//	if err != nil { /* 502 Internal server error */ }
//	body, err := resp.DecodeBody(acceptMatchesBinaryMediaTypes)
//
// Mapping to API Gateway answers (the data plane's job; listed here so
// the error types are used consistently):
//
//	                       REST (AWS_PROXY)               HTTP API
//	*FunctionError         502 Internal server error      500 Internal Server Error
//	ErrMalformedResponse   502 Internal server error      500 Internal Server Error
//	ErrTimeout             504 Endpoint request timed out 503 Service Unavailable [?]
//	*ServiceError, other   502 (500 if AccessDenied) [L]  500 Internal Server Error
//	ErrInvalidFunction     500 Internal server error      500 Internal Server Error
package lambda
