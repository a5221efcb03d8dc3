// Package httpapi serves the deployed stages of API Gateway HTTP APIs
// (apigatewayv2, protocolType HTTP): stage and route selection, CORS,
// JWT, Lambda and IAM authorization, parameter mapping, and the
// HTTP_PROXY and AWS_PROXY (Lambda, payload 1.0 and 2.0) integrations.
//
// # Contract with the front door
//
// The front (internal/server via internal/dataplane) owns the listener and
// decides which data plane answers a request. For an execute-api request
// it extracts the API id ({apiId}.execute-api.… host, or the path form
// /_aws/execute-api/{apiId}/…) and asks each data plane:
//
//	if httpAPI.Lookup(apiID) {
//		httpAPI.ServeAPI(w, r, apiID, rest)
//	}
//
// Lookup(apiID) reports whether the id names an HTTP API in any account or
// region, as of the latest store revision (read-your-writes; it costs an
// atomic revision check and a map lookup). ServeAPI answers the request;
// rest is the escaped path after the API id: the whole path for the host
// form, what follows /_aws/execute-api/{apiId} for the path form. The
// first segment of rest selects a named stage; otherwise the $default
// stage serves rest as the route path.
//
// Custom domain names: LookupDomain(host) reports whether the Host is a
// custom domain name (apigatewayv2 CreateDomainName) with API mappings to
// HTTP APIs; ServeHTTP then answers it, routing by the longest matching
// API mapping key. ServeHTTP also accepts the execute-api forms, so a
// test or a standalone server can use the Handler as a whole.
//
// Every answer carries apigw-requestid. Errors are HTTP API style bare
// JSON: 404 {"message":"Not Found"} (no stage, no route), 401
// {"message":"Unauthorized"}, 403 {"message":"Forbidden"}, 429
// {"message":"Too Many Requests"}, 413
// {"message":"Request Entity Too Large"}, 500 {"message":"Internal Server
// Error"}, 503 {"message":"Service Unavailable"} (integration timeout).
//
// # Compiled state
//
// Nothing on the request path reads the store or parses configuration: a
// v2core.Registry keeps an immutable view of every HTTP API, its stages
// and compiled deployments (route trie, integrations with parsed URI
// templates and parameter mappings, authorizers, CORS), swapped atomically
// when the store changes (store.Watch in the background; store.Revision
// checked per request for read-your-writes). Compiled deployments are
// cached by deployment id, since snapshots are immutable.
//
// # Throttling and access logs
//
// Once the route is known, the stage's throttle for it
// (routeSettings[routeKey] over defaultRouteSettings, a token bucket per
// route on the injected clock, internal/quota) and, with
// Config.AccountThrottling (off by default, as in the REST plane), the
// account's throttle apply; a refused request answers 429 {"message":"Too
// Many Requests"} (throttle.go). A stage with accessLogSettings.format
// logs one line per request in that format, $context variables
// substituted, to Config.AccessLog: the REST plane's destination
// (accesslog.go).
//
// # Not implemented
//
// Private integrations (VPC_LINK) and AWS service integrations
// (integrationSubtype) answer 500 and log it. IAM authorization accepts
// any SigV4-signed request without verifying the signature. Mutual TLS is
// not done.
package httpapi
