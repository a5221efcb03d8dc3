package v2core

import "strconv"

// Trail is what a request (HTTP API) or an event (WebSocket) went through,
// for the access log's $context variables that both planes share.
type Trail struct {
	ErrMsg, ErrType string // $context.error.message, .responseType

	IntegRan     bool   // an integration was called
	IntegStatus  string // $context.integrationStatus (Lambda's own status for Lambda)
	IntegRespSt  string // $context.integration.status (the function's statusCode for Lambda)
	IntegLatency int64  // ms
	IntegErr     string // $context.integrationErrorMessage

	AuthErr string // $context.authorizer.error
}

// Var answers the access-log variables the trail holds; handled is false
// for any other name. responseType names an error answer that has no
// ErrType of its own.
func (t *Trail) Var(name string, responseType func() string) (v string, ok, handled bool) {
	switch name {
	case "integrationStatus", "integration.integrationStatus":
		return t.IntegStatus, t.IntegStatus != "", true
	case "integration.status":
		return t.IntegRespSt, t.IntegRespSt != "", true
	case "integrationLatency", "integration.latency":
		return strconv.FormatInt(t.IntegLatency, 10), t.IntegRan, true
	case "integrationErrorMessage", "integration.error":
		return t.IntegErr, t.IntegErr != "", true
	case "error.message":
		return t.ErrMsg, t.ErrMsg != "", true
	case "error.messageString":
		if t.ErrMsg == "" {
			return "", false, true
		}
		return strconv.Quote(t.ErrMsg), true, true
	case "error.responseType":
		if t.ErrMsg == "" {
			return "", false, true
		}
		if t.ErrType != "" {
			return t.ErrType, true, true
		}
		return responseType(), true, true
	case "authorizer.error":
		return t.AuthErr, t.AuthErr != "", true
	}
	return "", false, false
}
