// Package authz decides whether a data-plane request may reach its
// integration, the way API Gateway's authorizers do. It does not invoke
// Lambda functions or serve HTTP: the data planes (internal/dataplane) call
// it with what they extracted from the request and get back either a result
// to expose as $context.authorizer.* or a *Denial that names the gateway
// response AWS would send.
//
// What is here, in the order a request meets it:
//
//   - identity.go: identity sources ("method.request.header.Auth",
//     "$request.querystring.x", "context.x", "$stageVariables.x", …). A
//     missing or empty source answers 401 Unauthorized without invoking
//     anything; a TOKEN authorizer's identityValidationExpression is checked
//     here too.
//   - lambda.go: the whole Lambda authorizer flow (REST TOKEN/REQUEST, HTTP
//     API REQUEST with payload 1.0/2.0, simple responses) around an invoke
//     function the caller supplies: cache lookup, invoke, parse the output
//     (result.go), cache, evaluate the policy against the method ARN.
//   - policy.go: the IAM policy a Lambda authorizer returns, and its
//     evaluation for execute-api:Invoke on one method ARN (explicit Deny
//     wins, then any Allow, else implicit deny), with * and ? wildcards.
//   - cache.go: the authorizer result cache (per stage and authorizer, keyed
//     by identity values, TTL on the injected clock, bounded, LRU).
//   - jwt.go, jwks.go: JWT validation for HTTP API JWT authorizers and REST
//     COGNITO_USER_POOLS authorizers, standard library only: RS256/384/512
//     (and ES256/384/512 when allowed), JWKS fetched through OpenID
//     discovery or a configured URL, cached, refreshed on an unknown kid at
//     most once per refresh interval.
//
// Failures are *Denial values (denial.go): status, REST gateway response
// type, x-amzn-ErrorType, message, and for HTTP API JWT authorizers the
// www-authenticate header.
//
// Invoking the function is the caller's: LambdaAuthorizer.Authorize takes
// an InvokeFunc; with internal/lambda, a *lambda.FunctionError becomes
// Invocation{Payload: fe.Payload, FunctionError: fe.Kind} and any other
// error is returned as is.
//
// Everything time-dependent uses the clock.Clock it is given. Every type
// here is safe for concurrent use once built.
package authz
