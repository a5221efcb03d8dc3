package quota

// Denial is a request refused by throttling, a quota or the API key check,
// in the terms API Gateway answers with. REST APIs render it through the
// gateway response GatewayType; HTTP APIs answer Status with
// {"message": Message}.
type Denial struct {
	Status      int
	GatewayType string
	// ErrorType is the x-amzn-ErrorType header REST APIs send.
	ErrorType string
	Message   string
}

func (d *Denial) Error() string { return "quota: " + d.GatewayType + ": " + d.Message }

// The three answers [spec §8.6: THROTTLED and QUOTA_EXCEEDED default to
// 429; the messages are the ones clients report: "Too Many Requests" for a
// throttled request and "Limit Exceeded" for an exhausted quota; a missing
// or invalid API key is 403 {"message":"Forbidden"}]. The values are
// shared: never modify them.
var (
	Throttled     = &Denial{Status: 429, GatewayType: "THROTTLED", ErrorType: "TooManyRequestsException", Message: "Too Many Requests"}
	QuotaExceeded = &Denial{Status: 429, GatewayType: "QUOTA_EXCEEDED", ErrorType: "LimitExceededException", Message: "Limit Exceeded"}
	InvalidAPIKey = &Denial{Status: 403, GatewayType: "INVALID_API_KEY", ErrorType: "ForbiddenException", Message: "Forbidden"}
)
