package authz

import "fmt"

// Gateway response types (REST APIs) that an authorization failure maps to.
// HTTP APIs have no gateway responses; they answer Status with
// {"message": Message}.
const (
	TypeUnauthorized       = "UNAUTHORIZED"                   // 401
	TypeAccessDenied       = "ACCESS_DENIED"                  // 403
	TypeAuthorizerConfig   = "AUTHORIZER_CONFIGURATION_ERROR" // 500
	TypeAuthorizerFailure  = "AUTHORIZER_FAILURE"             // 500
	TypeMissingAuthToken   = "MISSING_AUTHENTICATION_TOKEN"   // 403
	TypeDefault4XX         = "DEFAULT_4XX"
	TypeDefault5XX         = "DEFAULT_5XX"
	headerWWWAuthenticate  = "WWW-Authenticate"
	messageUnauthorized    = "Unauthorized"
	messageForbidden       = "Forbidden"
	messageExplicitDeny    = "User is not authorized to access this resource with an explicit deny"
	messageImplicitDeny    = "User is not authorized to access this resource"
	messageHTTPInternal    = "Internal Server Error"
	messageCognitoExpired  = "The incoming token has expired"
	errorTypeUnauthorized  = "UnauthorizedException"
	errorTypeAccessDenied  = "AccessDeniedException"
	errorTypeAuthorizerCfg = "AuthorizerConfigurationException"
)

// Denial is a request authorization refused, in the terms API Gateway
// answers with. It is returned as an error; use errors.As to get it.
type Denial struct {
	// Status is the HTTP status AWS sends.
	Status int
	// GatewayType is the REST gateway response type that renders the
	// answer (UNAUTHORIZED, ACCESS_DENIED, AUTHORIZER_CONFIGURATION_ERROR).
	GatewayType string
	// ErrorType is the x-amzn-ErrorType header value REST APIs send.
	ErrorType string
	// Message is $context.error.message. Null means AWS sends JSON null
	// (REST authorizer configuration errors answer {"message":null}).
	Message string
	Null    bool
	// WWWAuthenticate is the www-authenticate header HTTP API JWT
	// authorizers add ("" for none).
	WWWAuthenticate string
	// Reason says what went wrong, for logs and $context.authorizer.error;
	// it is never sent to the client.
	Reason string
}

func (d *Denial) Error() string {
	msg := d.Message
	if d.Null {
		msg = "null"
	}
	if d.Reason != "" {
		return fmt.Sprintf("authz: %d %s: %s", d.Status, msg, d.Reason)
	}
	return fmt.Sprintf("authz: %d %s", d.Status, msg)
}

// MessageJSON is the default gateway response body for the denial:
// {"message":"..."} or {"message":null}.
func (d *Denial) MessageJSON() string {
	if d.Null {
		return `{"message":null}`
	}
	return `{"message":` + quoteJSON(d.Message) + `}`
}

// API flavours change the wording of the same failure.
type Flavor int

const (
	// REST is an API Gateway REST API (apigateway).
	REST Flavor = iota
	// HTTP is an HTTP API (apigatewayv2, protocol HTTP). WebSocket $connect
	// authorization answers the same way.
	HTTP
)

func unauthorized(reason string) *Denial {
	return &Denial{Status: 401, GatewayType: TypeUnauthorized, ErrorType: errorTypeUnauthorized,
		Message: messageUnauthorized, Reason: reason}
}

// accessDenied is a policy that does not allow the method. REST APIs say
// which kind of deny it was [D: knowledge-center article "troubleshoot
// HTTP 403 Forbidden errors when using a Lambda authorizer": "User is not
// authorized to access this resource with an explicit deny" / "... this
// resource"]; HTTP APIs answer 403 {"message":"Forbidden"}.
func accessDenied(f Flavor, explicit bool, reason string) *Denial {
	d := &Denial{Status: 403, GatewayType: TypeAccessDenied, ErrorType: errorTypeAccessDenied, Reason: reason}
	switch {
	case f == HTTP:
		d.Message = messageForbidden
	case explicit:
		d.Message = messageExplicitDeny
	default:
		d.Message = messageImplicitDeny
	}
	return d
}

// authorizerError is an authorizer that could not be run or answered
// something unusable: REST answers 500 {"message":null} with
// x-amzn-ErrorType AuthorizerConfigurationException [C: execution logs say
// "Execution failed due to configuration error"; the null message is the
// commonly reported body]; HTTP APIs answer 500 {"message":"Internal
// Server Error"} [D: http-api-lambda-authorizer troubleshooting].
func authorizerError(f Flavor, reason string) *Denial {
	d := &Denial{Status: 500, GatewayType: TypeAuthorizerConfig, ErrorType: errorTypeAuthorizerCfg, Reason: reason}
	if f == HTTP {
		d.Message = messageHTTPInternal
	} else {
		d.Null = true
	}
	return d
}

func quoteJSON(s string) string {
	b := make([]byte, 0, len(s)+2)
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			b = append(b, '\\', c)
		case c == '\n':
			b = append(b, '\\', 'n')
		case c == '\r':
			b = append(b, '\\', 'r')
		case c == '\t':
			b = append(b, '\\', 't')
		case c < 0x20:
			b = append(b, fmt.Sprintf(`\u%04x`, c)...)
		default:
			b = append(b, c)
		}
	}
	return string(append(b, '"'))
}
