package dataplane

import (
	"log/slog"
	"strconv"
	"strings"

	api "github.com/stagecraft/stagecraft/internal/api/apigateway"
	"github.com/stagecraft/stagecraft/internal/vtl"
)

// gwType is what the runtime knows about a gateway response type: the
// status GetGatewayResponses shows by default, the x-amzn-ErrorType it
// sends, and the class default it inherits from.
type gwType struct {
	status  int
	errType string
}

// gatewayTypes lists the response types (spec §8.6). errType values marked
// [V]/[C] in the spec are AWS's; the others follow AWS's naming for the
// same class of error [?].
var gatewayTypes = map[string]gwType{
	"ACCESS_DENIED":                  {403, "AccessDeniedException"},
	"API_CONFIGURATION_ERROR":        {500, "InternalServerErrorException"},
	"AUTHORIZER_CONFIGURATION_ERROR": {500, "InternalServerErrorException"},
	"AUTHORIZER_FAILURE":             {500, "InternalServerErrorException"},
	"BAD_REQUEST_BODY":               {400, "BadRequestException"},
	"BAD_REQUEST_PARAMETERS":         {400, "BadRequestException"},
	"DEFAULT_4XX":                    {0, "BadRequestException"},
	"DEFAULT_5XX":                    {0, "InternalServerErrorException"},
	"EXPIRED_TOKEN":                  {403, "InvalidSignatureException"},
	"INTEGRATION_FAILURE":            {504, "InternalServerErrorException"},
	"INTEGRATION_TIMEOUT":            {504, "InternalServerErrorException"},
	"INVALID_API_KEY":                {403, "ForbiddenException"},
	"INVALID_SIGNATURE":              {403, "InvalidSignatureException"},
	"MISSING_AUTHENTICATION_TOKEN":   {403, "MissingAuthenticationTokenException"},
	"QUOTA_EXCEEDED":                 {429, "LimitExceededException"},
	"REQUEST_TOO_LARGE":              {413, "RequestTooLargeException"},
	"RESOURCE_NOT_FOUND":             {404, "NotFoundException"},
	"THROTTLED":                      {429, "TooManyRequestsException"},
	"UNAUTHORIZED":                   {401, "UnauthorizedException"},
	"UNSUPPORTED_MEDIA_TYPE":         {415, "BadRequestException"},
	"WAF_FILTERED":                   {403, "ForbiddenException"},
}

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

const defaultGatewayTemplate = `{"message":$context.error.messageString}`

var defaultGatewayTemplates = templates{
	byType: map[string]*template{"application/json": defaultTemplate},
	first:  defaultTemplate,
}

var defaultTemplate = &template{
	contentType: "application/json",
	t:           vtl.MustParse("gateway response application/json", defaultGatewayTemplate),
}

// defaultGateway are AWS's defaults, used where no deployment is known.
var defaultGateway = func() map[string]*gatewayResponse {
	m := make(map[string]*gatewayResponse, len(gatewayTypes))
	for typ := range gatewayTypes {
		m[typ] = &gatewayResponse{typ: typ, templates: defaultGatewayTemplates}
	}
	return m
}()

// parentType is the class default a type inherits from.
func parentType(typ string) string {
	switch {
	case strings.HasPrefix(typ, "DEFAULT_"):
		return ""
	case gatewayTypes[typ].status < 500:
		return "DEFAULT_4XX"
	default:
		return "DEFAULT_5XX"
	}
}

// compileGatewayResponse compiles the response of one type from a
// snapshot. Snapshots may list every type (defaults applied) or only the
// customized ones; both are handled, with DEFAULT_4XX/DEFAULT_5XX
// inheritance for types that are not customized.
func compileGatewayResponse(typ string, snap map[string]api.GatewayResponse, lg *slog.Logger) *gatewayResponse {
	g, ok := snap[typ]
	if !ok {
		if p, pok := snap[parentType(typ)]; pok && !isDefault(&p) {
			g, ok = p, true
			g.DefaultResponse = ptrTrue
		}
	}
	if !ok {
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

var ptrTrue = func() *bool { b := true; return &b }()

func isDefault(g *api.GatewayResponse) bool {
	return g.DefaultResponse != nil && *g.DefaultResponse
}
