// Package websocket serves the deployed stages of API Gateway WebSocket
// APIs (apigatewayv2, protocolType WEBSOCKET) and keeps the registry of
// open connections that the @connections management API
// (internal/service/apigatewaymanagementapi) sends to, describes and
// closes.
//
// # Contract with the front door
//
// The front owns the listener. For an execute-api request whose API id
// is a WebSocket API it calls:
//
//	if wsAPI.Lookup(apiID) {
//		wsAPI.ServeAPI(w, r, apiID, rest)
//	}
//
// rest is the escaped path after the API id ("/{stage}"): the whole path
// for the host form {apiId}.execute-api.…, what follows
// /_aws/execute-api/{apiId} for the path form. ServeAPI runs $connect and
// upgrades the connection (ws://{apiId}.execute-api.localhost:4566/{stage});
// the http.ResponseWriter must support hijacking (directly or through an
// Unwrap method), and ServeAPI returns only when the connection is over,
// after $disconnect. LookupDomain and ServeHTTP do the same for custom
// domain names with API mappings. The @connections requests
// (execute-api-signed, /{stage}/@connections/{id}) are not for this
// handler: the front routes them to the management service, which finds
// the connections through HubFor(store).
//
// # Behaviour
//
//   - $connect: the route's authorizer (Lambda REQUEST with
//     route.request.header/querystring identity sources and result
//     caching; AWS_IAM needs a signed handshake), then its integration; a
//     non-2xx answer refuses the upgrade with that status. No $connect
//     route accepts every connection.
//   - Messages: the routeSelectionExpression ($request.body.action,
//     ${request.body.a}/${request.body.b}, …) selects the route whose key
//     equals its value, else $default; nothing matching sends the client
//     {"message": "Forbidden", "connectionId":…, "requestId":…}, a failed
//     integration {"message": "Internal server error", …}. A two-way route
//     (routeResponseSelectionExpression and a route response) sends the
//     integration's answer back. Messages of one connection are handled in
//     order; the stage's current deployment serves each one.
//   - Integrations: MOCK, HTTP and AWS (Lambda) with request templates
//     (templateSelectionExpression, passthroughBehavior) and integration
//     responses (/pattern/ keys, response templates); HTTP_PROXY and
//     AWS_PROXY (the WebSocket Lambda event; ParseResponseWebSocket).
//   - $disconnect runs best effort when either side closes, with the
//     close code and reason.
//   - Quotas [D]: messages over 128 KB or frames over 32 KB close the
//     connection with 1009; a connection idle for 10 minutes or open for 2
//     hours is closed with 1001, checked against the injected clock by
//     Sweep (run every SweepInterval in the background).
//   - Connection ids are 16 base64-like characters ending in "=".
//   - API keys, usage plans and throttling (meter.go): a route with
//     apiKeyRequired admits the key apiKeySelectionExpression selects
//     ($request.header.x-api-key of the $connect request, or the $connect
//     authorizer's usageIdentifierKey) when a usage plan (the REST
//     control plane's tables) names the stage; $connect is refused 403
//     {"message":"Forbidden"} otherwise, a message gets a Forbidden error
//     frame. The plan's throttle and quota, the stage's route throttle
//     (routeSettings over defaultRouteSettings) and, with
//     Config.AccountThrottling, the account's throttle refuse with 429
//     ("Too Many Requests", "Limit Exceeded"). Quota counts sync to the
//     store (Sync) for GetUsage.
//   - Access logs (accesslog.go): one line per CONNECT, MESSAGE and
//     DISCONNECT of a stage with accessLogSettings.format, to
//     Config.AccessLog (the REST plane's destination).
//
// Not implemented: IAM signature verification, AWS service integrations
// other than Lambda, route request validation (requestModels), usage
// plans' per-method throttles, and client certificates.
package websocket
