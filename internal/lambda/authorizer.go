package lambda

import "strings"

// Lambda authorizers: the events API Gateway invokes them with. Their
// answers (an IAM policy, or an HTTP API "simple" response) are parsed and
// decided by internal/authz (ParseResult, Policy, LambdaAuthorizer), the
// one place where authorizer policies are evaluated.

// ExecuteAPIARN is the execute-api ARN of a request, the methodArn of REST
// and WebSocket authorizer events and the routeArn of HTTP API ones:
// arn:aws:execute-api:{region}:{account}:{apiId}/{stage}/{method}/{path
// without its leading slash} [D]. For a WebSocket route, method is the
// route key ("$connect") and path is empty.
func ExecuteAPIARN(region, account, apiID, stage, method, path string) string {
	arn := "arn:aws:execute-api:" + region + ":" + account + ":" + apiID + "/" + stage + "/" + method
	if method != "" && strings.HasPrefix(method, "$") && path == "" {
		return arn
	}
	return arn + "/" + strings.TrimPrefix(path, "/")
}

// TokenAuthorizerEvent is a REST TOKEN authorizer's event [D]:
// {"type":"TOKEN","authorizationToken":…,"methodArn":…}.
func TokenAuthorizerEvent(token, methodArn string) []byte {
	b := make([]byte, 0, 64+len(token)+len(methodArn))
	b = append(b, '{')
	b = appendKey(b, "type")
	b = append(b, `"TOKEN"`...)
	b = appendKey(b, "authorizationToken")
	b = appendString(b, token)
	b = appendKey(b, "methodArn")
	b = appendString(b, methodArn)
	return append(b, '}')
}

// RequestAuthorizerEvent is a REST REQUEST authorizer's event: the proxy
// event of the request (RESTEvent's layout) without body and
// isBase64Encoded, with "type":"REQUEST" and methodArn first [D].
func RequestAuthorizerEvent(r *Request, methodArn string) []byte {
	b := make([]byte, 0, eventSize(r))
	b = append(b, '{')
	b = appendKey(b, "type")
	b = append(b, `"REQUEST"`...)
	b = appendKey(b, "methodArn")
	b = appendString(b, methodArn)
	return appendV1Fields(b, r, false, false)
}

// HTTPAuthorizerEventV1 is an HTTP API Lambda authorizer's event with
// authorizerPayloadFormatVersion 1.0 [D]: the 1.0 proxy layout without
// body, plus version, type, methodArn, identitySource (the identity
// values joined with ",") and authorizationToken (the first identity
// value).
func HTTPAuthorizerEventV1(r *Request, routeArn string, identity []string) []byte {
	b := make([]byte, 0, eventSize(r))
	b = append(b, '{')
	b = appendKey(b, "version")
	b = append(b, `"1.0"`...)
	b = appendKey(b, "type")
	b = append(b, `"REQUEST"`...)
	b = appendKey(b, "methodArn")
	b = appendString(b, routeArn)
	b = appendKey(b, "identitySource")
	b = appendString(b, strings.Join(identity, ","))
	b = appendKey(b, "authorizationToken")
	if len(identity) > 0 {
		b = appendString(b, identity[0])
	} else {
		b = appendString(b, "")
	}
	return appendV1Fields(b, r, true, false)
}

// HTTPAuthorizerEventV2 is an HTTP API Lambda authorizer's event with
// authorizerPayloadFormatVersion 2.0 [D]: the 2.0 proxy event without body
// and isBase64Encoded, plus type, routeArn and identitySource (a list).
func HTTPAuthorizerEventV2(r *Request, routeArn string, identity []string) []byte {
	b := make([]byte, 0, eventSize(r))
	b = append(b, '{')
	b = appendKey(b, "type")
	b = append(b, `"REQUEST"`...)
	b = appendKey(b, "routeArn")
	b = appendString(b, routeArn)
	b = appendKey(b, "identitySource")
	b = appendAny(b, identityList(identity))
	return appendV2Fields(b, r, false)
}

func identityList(identity []string) []string {
	if identity == nil {
		return []string{}
	}
	return identity
}

// WebSocketAuthorizerEvent is a WebSocket API REQUEST authorizer's event
// on $connect [D]: the CONNECT event's headers, query parameters, stage
// variables and requestContext, with type and methodArn.
func WebSocketAuthorizerEvent(r *Request, ws *WebSocket, methodArn string) []byte {
	b := make([]byte, 0, eventSize(r))
	b = append(b, '{')
	b = appendKey(b, "type")
	b = append(b, `"REQUEST"`...)
	b = appendKey(b, "methodArn")
	b = appendString(b, methodArn)
	return appendWebSocketFields(b, r, ws, false)
}
