package authz

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"time"
)

// LambdaAuthorizer is a compiled Lambda authorizer: REST TOKEN or REQUEST,
// or HTTP API REQUEST. Build it once per deployment (NewRESTLambda,
// NewHTTPLambda) and use it for every request.
type LambdaAuthorizer struct {
	ID string
	// Token is set for REST TOKEN authorizers: one header, passed to the
	// function as authorizationToken.
	Token bool
	// Sources are the identity sources; for a TOKEN authorizer exactly one
	// header.
	Sources Sources
	// Validation is a TOKEN authorizer's compiled
	// identityValidationExpression (nil: none).
	Validation *regexp.Regexp
	// TTL is authorizerResultTtlInSeconds; 0 disables caching.
	TTL time.Duration
	// Format says how the function's output is read.
	Format Format
}

// DefaultTTLSeconds is authorizerResultTtlInSeconds when a REST authorizer
// does not set it [D: API reference, "If it is not specified, the default
// value is 300"].
const DefaultTTLSeconds = 300

// NewRESTLambda compiles a REST API TOKEN or REQUEST authorizer from its
// stored fields. ttlSeconds is the effective TTL (the caller applies
// DefaultTTLSeconds when the authorizer leaves it unset).
func NewRESTLambda(id, typ, identitySource, validationExpression string, ttlSeconds int) (*LambdaAuthorizer, error) {
	srcs, err := ParseRESTSources(identitySource)
	if err != nil {
		return nil, err
	}
	a := &LambdaAuthorizer{ID: id, Sources: srcs, TTL: time.Duration(ttlSeconds) * time.Second, Format: FormatREST}
	switch typ {
	case "TOKEN":
		a.Token = true
		if srcs.Len() != 1 || srcs.List[0].Kind != FromHeader {
			return nil, fmt.Errorf("a TOKEN authorizer needs one method.request.header identity source, not %q", identitySource)
		}
		if a.Validation, err = CompileValidation(validationExpression); err != nil {
			return nil, err
		}
	case "REQUEST":
	default:
		return nil, fmt.Errorf("authorizer type %q is not a Lambda authorizer", typ)
	}
	return a, nil
}

// NewHTTPLambda compiles an HTTP API (or WebSocket) REQUEST authorizer.
// payloadVersion is authorizerPayloadFormatVersion ("1.0" or "2.0";
// WebSocket authorizers have none and read like "1.0"); simple responses
// exist only with "2.0".
func NewHTTPLambda(id string, identitySource []string, payloadVersion string, simpleResponses bool, ttlSeconds int) (*LambdaAuthorizer, error) {
	srcs, err := ParseHTTPSources(identitySource)
	if err != nil {
		return nil, err
	}
	a := &LambdaAuthorizer{ID: id, Sources: srcs, TTL: time.Duration(ttlSeconds) * time.Second}
	switch payloadVersion {
	case "", "1.0":
		a.Format = FormatREST
		if simpleResponses {
			return nil, fmt.Errorf("simple responses need authorizer payload format 2.0")
		}
	case "2.0":
		a.Format = FormatHTTPPolicy
		if simpleResponses {
			a.Format = FormatHTTPSimple
		}
	default:
		return nil, fmt.Errorf("unsupported authorizer payload format version %q", payloadVersion)
	}
	return a, nil
}

func (a *LambdaAuthorizer) flavor() Flavor {
	if a.Format == FormatREST && a.Sources.join {
		return HTTP // an HTTP API authorizer with payload 1.0
	}
	return a.Format.flavor()
}

// Identity is what one request presents to an authorizer.
type Identity struct {
	// Values are the identity source values in order: the cache key, and
	// identitySource in HTTP API events.
	Values []string
	// Token is a TOKEN authorizer's authorizationToken.
	Token string
}

// Identity reads the request's identity. A missing or empty source, or a
// token that does not match identityValidationExpression, is a 401
// Unauthorized *Denial: the function must not be invoked [D].
func (a *LambdaAuthorizer) Identity(r *Request) (*Identity, error) {
	vals, err := a.Sources.Values(r)
	if err != nil {
		return nil, err
	}
	id := &Identity{Values: vals}
	if a.Token {
		id.Token = vals[0]
		if a.Validation != nil && !a.Validation.MatchString(id.Token) {
			return nil, unauthorized("token does not match identityValidationExpression")
		}
	}
	return id, nil
}

// Invocation is a finished Lambda invocation.
type Invocation struct {
	Payload []byte
	// FunctionError is Lambda's X-Amz-Function-Error ("Unhandled" or
	// "Handled"); when set, Payload is {"errorMessage": ..., ...}.
	FunctionError string
}

// InvokeFunc invokes the authorizer function with the event the caller
// built. An error means the function could not be invoked at all.
type InvokeFunc func(ctx context.Context) (Invocation, error)

// Authorize runs the authorizer for one request: the cached result for
// (scope, identity values) when there is a live one, else invoke, parse
// and cache; then the result is decided for methodARN (the REST methodArn
// or HTTP API routeArn, see MethodARN).
//
// It returns the result and nil when the request may proceed. Otherwise the
// error is a *Denial, and the result is returned too when there is one (a
// policy that denied), since gateway responses may use
// $context.authorizer.*. cached says the result came from the cache.
//
// Function errors: REST-format authorizers (REST, and HTTP payload 1.0 for
// REST compatibility) that fail with the error message "Unauthorized"
// answer 401 [D: REST Lambda authorizer examples raise "Unauthorized" to
// send 401]; any other failure, including an unusable output, is an
// authorizer error (500).
func (a *LambdaAuthorizer) Authorize(ctx context.Context, cache *Cache, scope string, id *Identity, methodARN string, invoke InvokeFunc) (r *Result, cached bool, err error) {
	cacheable := a.TTL > 0 && len(id.Values) > 0
	if cacheable {
		if r, ok := cache.Get(scope, id.Values); ok {
			return r, true, r.Decide(a.flavor(), methodARN)
		}
	}
	inv, err := invoke(ctx)
	if err != nil {
		return nil, false, authorizerError(a.flavor(), "invoking the authorizer: "+err.Error())
	}
	if inv.FunctionError != "" {
		var fe struct {
			ErrorMessage string `json:"errorMessage"`
		}
		_ = json.Unmarshal(inv.Payload, &fe)
		if a.Format == FormatREST && fe.ErrorMessage == messageUnauthorized {
			return nil, false, unauthorized("authorizer function answered Unauthorized")
		}
		return nil, false, authorizerError(a.flavor(), "authorizer function failed: "+strings.TrimSpace(fe.ErrorMessage))
	}
	r, err = ParseResult(inv.Payload, a.Format)
	if err != nil {
		return nil, false, authorizerError(a.flavor(), err.Error())
	}
	if cacheable {
		cache.Put(scope, id.Values, r, a.TTL)
	}
	if err := r.Decide(a.flavor(), methodARN); err != nil {
		return r, false, err
	}
	return r, false, nil
}

// MethodARN is the ARN an authorizer's policy is evaluated against, and the
// methodArn (REST) or routeArn (HTTP API) of its event:
// arn:{partition}:execute-api:{region}:{account}:{apiId}/{stage}/{METHOD}/{path},
// where path is the request path after the stage without its leading slash
// (empty for the root) [D: REST "Lambda authorizer input" and HTTP API
// payload examples].
func MethodARN(region, account, apiID, stage, method, path string) string {
	return "arn:" + Partition(region) + ":execute-api:" + region + ":" + account + ":" +
		apiID + "/" + stage + "/" + method + "/" + strings.TrimPrefix(path, "/")
}

// Partition is the ARN partition of a region.
func Partition(region string) string {
	switch {
	case strings.HasPrefix(region, "cn-"):
		return "aws-cn"
	case strings.HasPrefix(region, "us-gov-"):
		return "aws-us-gov"
	}
	return "aws"
}
