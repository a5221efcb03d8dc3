package dataplane

import (
	"log/slog"
	"strconv"
	"strings"

	api "github.com/stagecraft/stagecraft/internal/api/apigateway"
	"github.com/stagecraft/stagecraft/internal/service/apigateway"
	"github.com/stagecraft/stagecraft/internal/vtl"
)

// gwType is what the runtime knows about a gateway response type: the
// status GetGatewayResponses shows by default, the x-amzn-ErrorType it
// sends, and the class default it inherits from.
type gwType struct {
	status  int
	errType string
}

// gatewayErrTypes is the x-amzn-ErrorType each gateway response type
// sends (spec §8.6). Values marked [V]/[C] in the spec are AWS's; the
// others follow AWS's naming for the same class of error [?]. The types
// themselves and their default status codes are the control plane's
// (apigateway.GatewayResponseTypes, GatewayResponseDefaultStatus).
var gatewayErrTypes = map[string]string{
	"ACCESS_DENIED":                  "AccessDeniedException",
	"API_CONFIGURATION_ERROR":        "InternalServerErrorException",
	"AUTHORIZER_CONFIGURATION_ERROR": "InternalServerErrorException",
	"AUTHORIZER_FAILURE":             "InternalServerErrorException",
	"BAD_REQUEST_BODY":               "BadRequestException",
	"BAD_REQUEST_PARAMETERS":         "BadRequestException",
	"DEFAULT_4XX":                    "BadRequestException",
	"DEFAULT_5XX":                    "InternalServerErrorException",
	"EXPIRED_TOKEN":                  "InvalidSignatureException",
	"INTEGRATION_FAILURE":            "InternalServerErrorException",
	"INTEGRATION_TIMEOUT":            "InternalServerErrorException",
	"INVALID_API_KEY":                "ForbiddenException",
	"INVALID_SIGNATURE":              "InvalidSignatureException",
	"MISSING_AUTHENTICATION_TOKEN":   "MissingAuthenticationTokenException",
	"QUOTA_EXCEEDED":                 "LimitExceededException",
	"REQUEST_TOO_LARGE":              "RequestTooLargeException",
	"RESOURCE_NOT_FOUND":             "NotFoundException",
	"THROTTLED":                      "TooManyRequestsException",
	"UNAUTHORIZED":                   "UnauthorizedException",
	"UNSUPPORTED_MEDIA_TYPE":         "BadRequestException",
	"WAF_FILTERED":                   "ForbiddenException",
}

// gatewayTypes lists the response types: the control plane's, with their
// default status (0 for the two class defaults) and gatewayErrTypes.
var gatewayTypes = func() map[string]gwType {
	m := make(map[string]gwType, len(apigateway.GatewayResponseTypes()))
	for _, typ := range apigateway.GatewayResponseTypes() {
		st, _ := apigateway.GatewayResponseDefaultStatus(typ)
		code, _ := strconv.Atoi(st)
		m[typ] = gwType{status: code, errType: gatewayErrTypes[typ]}
	}
	return m
}()

// gwErr is an error the gateway answers through a gateway response.
type gwErr struct {
	typ     string // gateway response type
	status  int    // the status the runtime sends unless the response sets one
	message string // $context.error.message
	// validation is $context.error.validationErrorString.
	validation string
	// null makes $context.error.messageString JSON null (REST authorizer
	// configuration errors answer {"message":null}).
	null bool
	// errType overrides the type's x-amzn-ErrorType.
	errType string
}

var (
	errMissingToken = gwErr{typ: "MISSING_AUTHENTICATION_TOKEN", status: 403, message: "Missing Authentication Token"}
	errInternal     = gwErr{typ: "DEFAULT_5XX", status: 500, message: "Internal server error"}
	errConfig       = gwErr{typ: "API_CONFIGURATION_ERROR", status: 500, message: "Internal server error"}
	errMediaType    = gwErr{typ: "UNSUPPORTED_MEDIA_TYPE", status: 415, message: "Unsupported Media Type"}
	errTimeout      = gwErr{typ: "INTEGRATION_TIMEOUT", status: 504, message: "Endpoint request timed out"}
	errTooLarge     = gwErr{typ: "REQUEST_TOO_LARGE", status: 413, message: "Request Too Long"}
)

var defaultGatewayTemplates = templates{
	byType: map[string]*template{"application/json": defaultTemplate},
	first:  defaultTemplate,
}

var defaultTemplate = &template{
	contentType: "application/json",
	t:           vtl.MustParse("gateway response application/json", apigateway.DefaultGatewayResponseTemplate),
}

// defaultGateway are AWS's defaults, used where no deployment is known.
var defaultGateway = func() map[string]*gatewayResponse {
	m := make(map[string]*gatewayResponse, len(gatewayTypes))
	for typ := range gatewayTypes {
		m[typ] = &gatewayResponse{typ: typ, templates: defaultGatewayTemplates}
	}
	return m
}()

// compileGatewayResponse compiles the response of one type as it takes
// effect (apigateway.EffectiveGatewayResponse of the snapshot). A response
// that is the type's plain default shares defaultGateway's compiled one.
func compileGatewayResponse(typ string, g api.GatewayResponse, lg *slog.Logger) *gatewayResponse {
	if isPlainDefault(typ, &g) {
		return defaultGateway[typ]
	}
	gr := &gatewayResponse{typ: typ}
	if code, err := strconv.Atoi(str(g.StatusCode)); err == nil {
		// A default response showing the type's CRUD default status
		// answers with the status of the error that occurred (AWS shows
		// INTEGRATION_FAILURE as 504 but answers 500/502 [V]).
		if !isDefault(&g) || code != gatewayTypes[typ].status {
			gr.status = code
		}
	}
	for target, src := range g.ResponseParameters {
		name, ok := strings.CutPrefix(target, "gatewayresponse.header.")
		if !ok {
			lg.Warn("ignoring gateway response parameter with an unknown target", "type", typ, "target", target)
			continue
		}
		gr.params = append(gr.params, mapping{loc: "header", name: name, target: target, src: compileSource(src)})
	}
	sortMappings(gr.params)
	gr.templates = compileTemplates("gateway response "+typ, g.ResponseTemplates, lg)
	if gr.templates.first == nil {
		gr.templates = defaultGatewayTemplates
	}
	return gr
}

// isPlainDefault reports whether g is typ's own default response, which
// compiles to defaultGateway[typ]: the default flag, the type's default
// status (or none), no parameters, and the default template alone.
func isPlainDefault(typ string, g *api.GatewayResponse) bool {
	if !isDefault(g) || len(g.ResponseParameters) != 0 || len(g.ResponseTemplates) != 1 ||
		g.ResponseTemplates["application/json"] != apigateway.DefaultGatewayResponseTemplate {
		return false
	}
	st, _ := apigateway.GatewayResponseDefaultStatus(typ)
	return str(g.StatusCode) == st
}

var ptrTrue = func() *bool { b := true; return &b }()

func isDefault(g *api.GatewayResponse) bool {
	return g.DefaultResponse != nil && *g.DefaultResponse
}
