package appconfig

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	api "github.com/stagecraft/stagecraft/internal/api/appconfig"
	"github.com/stagecraft/stagecraft/internal/ids"
	"github.com/stagecraft/stagecraft/internal/lambda"
)

// Lambda: LAMBDA validators and the Lambda actions of extensions.
//
// Validators [D: user guide "Understanding validators"]: AppConfig calls a
// LAMBDA validator when StartDeployment and ValidateConfiguration run —
// not when a hosted version is created — with the event
//
//	{"applicationId", "configurationProfileId", "configurationVersion",
//	 "content" (base64 of the configuration), "uri" (the profile's LocationUri)}
//
// (field names and the "hosted" uri also seen in a real invocation [O]),
// and the validation fails when Lambda answers with X-Amz-Function-Error
// (the function raised); what it returns otherwise is ignored. AWS limits
// the validator to 15 s. Stagecraft answers a failed validation with a
// BadRequestException, Reason InvalidConfiguration and one
// Details.InvalidConfiguration entry {Type: "LAMBDA", Reason: the
// function's errorMessage, Value: the function's error document} — the
// model says Value carries "details about an error with AWS Lambda". An
// invocation that cannot be made (unknown function, Lambda error answer,
// timeout) is a validation failure shaped alike, Value being the cause
// [P: AWS does not document it].
//
// Extensions [D: "Create a custom AWS AppConfig extension"]: PRE_* actions
// run synchronously with the request, receive the configuration content,
// may replace it and may refuse the request; ON_* actions run
// asynchronously, without content, and their errors are ignored. The
// event is the one seen in real invocations [O]:
//
//	{"InvocationId", "Parameters" (association parameters plus the
//	 deployment's DynamicExtensionParameters of that extension), "Type"
//	 ("PreStartDeployment", "OnDeploymentStart", "OnDeploymentStep",
//	 "OnDeploymentBaking", "OnDeploymentComplete", "OnDeploymentRolledBack"),
//	 "Application": {"Id"}, "Environment": {"Id"},
//	 "ConfigurationProfile": {"Id", "Name"}, "DeploymentNumber",
//	 "Description" (when the deployment has one), "ConfigurationVersion"}
//
// plus "Content" (base64) and "ContentType" for PRE_START_DEPLOYMENT
// [D]. A PRE_START_DEPLOYMENT action refuses the deployment by failing
// (X-Amz-Function-Error) or by returning AWS's error document
// {"Error": …, "Message": …, "Details": [{"Type", "Name", "Reason"}]}
// [P, from AWS's payload reference as we remember it]; it replaces the
// content by returning {"Content": base64, "ContentType"?}. A "Content"
// that is not a base64 string is a failure too (AWS answers such output
// with an error, [O] re:Post). The refusal is a BadRequestException with
// Reason InvalidConfiguration, one detail per returned Details entry
// (Type, Location = Name, Reason) or one {Type: "LAMBDA", Reason, Value}.
//
// Only actions whose Uri is a Lambda function ARN are invoked; SQS, SNS
// and EventBridge targets, the AWS-authored extensions (deployment
// notifications, Jira, feature flags as an extension) and the
// AT_DEPLOYMENT_TICK and PRE_CREATE_HOSTED_CONFIGURATION_VERSION action
// points are stored and reported (AppliedExtensions) but not invoked.
//
// Without a Lambda endpoint (Options.Lambda nil, no --lambda-endpoint) a
// LAMBDA validator or a Lambda PRE_START_DEPLOYMENT action cannot run, and
// skipping it would deploy what it exists to stop: StartDeployment and
// ValidateConfiguration answer a BadRequestException saying so
// (errNoLambda). ON_* actions are then recorded as failed invocations.

// Invoker invokes Lambda functions synchronously; *lambda.Client is one.
type Invoker interface {
	Invoke(ctx context.Context, fn lambda.Function, payload []byte) (*lambda.Result, error)
}

// validatorTimeout is AWS's limit on a validator's run time [D]; extension
// actions get the same.
const validatorTimeout = 15 * time.Second

func errNoLambda(what string) error {
	return badRequest("%s, but no Lambda endpoint is configured: start Stagecraft with --lambda-endpoint (STAGECRAFT_LAMBDA_ENDPOINT) to invoke Lambda functions.", what)
}

// isLambdaURI reports whether an extension action's Uri is a Lambda
// function (as opposed to an SQS queue, SNS topic or event bus).
func isLambdaURI(uri string) bool {
	return strings.HasPrefix(uri, "arn:") && strings.Contains(uri, ":lambda:") && strings.Contains(uri, ":function:")
}

// validatorEvent is what a LAMBDA validator receives.
type validatorEvent struct {
	ApplicationID          string `json:"applicationId"`
	ConfigurationProfileID string `json:"configurationProfileId"`
	ConfigurationVersion   string `json:"configurationVersion"`
	Content                string `json:"content"`
	URI                    string `json:"uri"`
}

// lambdaValidators lists a profile's LAMBDA validator functions.
func lambdaValidators(p *profileRecord) []string {
	var out []string
	for _, v := range p.Validators {
		if str(v.Type) == "LAMBDA" {
			out = append(out, str(v.Content))
		}
	}
	return out
}

// runLambdaValidators invokes each LAMBDA validator of p, in order, with
// version (the resolved version number) of the configuration content.
// It must not be called inside a store transaction.
func (s *Service) runLambdaValidators(ctx context.Context, p *profileRecord, version string, content []byte) error {
	fns := lambdaValidators(p)
	if len(fns) == 0 {
		return nil
	}
	if s.lambda == nil {
		return errNoLambda(fmt.Sprintf("Configuration profile %s has a LAMBDA validator (%s)", str(p.Id), fns[0]))
	}
	payload, err := json.Marshal(validatorEvent{ApplicationID: str(p.ApplicationId), ConfigurationProfileID: str(p.Id),
		ConfigurationVersion: version, Content: base64.StdEncoding.EncodeToString(content), URI: str(p.LocationUri)})
	if err != nil {
		return err
	}
	for _, arn := range fns {
		fn, err := lambda.ParseFunction(arn)
		if err != nil {
			return badRequest("The LAMBDA validator %s of configuration profile %s is not a valid Lambda function ARN.", arn, str(p.Id))
		}
		ictx, cancel := context.WithTimeout(ctx, validatorTimeout)
		_, err = s.lambda.Invoke(ictx, fn, payload)
		cancel()
		if err == nil {
			continue
		}
		var fe *lambda.FunctionError
		if errors.As(err, &fe) {
			reason := fe.ErrorMessage
			if reason == "" {
				reason = orDefault(fe.ErrorType, fe.Kind)
			}
			return lambdaInvalid(fmt.Sprintf("The configuration data failed validation against the Lambda validator %s: %s", arn, reason),
				api.InvalidConfigurationDetail{Type: ptr("LAMBDA"), Reason: ptr(reason), Value: optStr(string(fe.Payload))})
		}
		why := invokeFailure(err)
		return lambdaInvalid(fmt.Sprintf("The Lambda validator %s could not be invoked: %s", arn, why),
			api.InvalidConfigurationDetail{Type: ptr("LAMBDA"), Reason: ptr("The Lambda validator could not be invoked."), Value: ptr(why)})
	}
	return nil
}

// lambdaInvalid is a BadRequestException with Reason InvalidConfiguration.
func lambdaInvalid(msg string, details ...api.InvalidConfigurationDetail) error {
	e := api.NewBadRequestException("%s", msg)
	e.Reason = ptr(reasonInvalidConfiguration)
	e.Details = &api.BadRequestDetails{InvalidConfiguration: details}
	return e
}

// invokeFailure describes why an invocation did not reach the function's
// code: a Lambda error answer, a timeout, a transport failure.
func invokeFailure(err error) string {
	var se *lambda.ServiceError
	switch {
	case errors.As(err, &se):
		return se.Code + ": " + se.Message
	case errors.Is(err, lambda.ErrTimeout) || errors.Is(err, context.DeadlineExceeded):
		return "the invocation timed out"
	}
	return err.Error()
}

// invocationError is the ErrorCode/ErrorMessage of a failed invocation
// as ActionInvocation reports it.
func invocationError(err error) (code, msg string) {
	var fe *lambda.FunctionError
	var se *lambda.ServiceError
	switch {
	case errors.As(err, &fe):
		return orDefault(fe.ErrorType, fe.Kind), orDefault(fe.ErrorMessage, string(fe.Payload))
	case errors.As(err, &se):
		return se.Code, se.Message
	case errors.Is(err, lambda.ErrTimeout) || errors.Is(err, context.DeadlineExceeded):
		return "Timeout", "The extension's Lambda function did not answer in time."
	}
	return "InvocationFailed", err.Error()
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// Extension events.

// Action points that are invoked, and their event Type.
var actionEventTypes = map[string]string{
	"PRE_START_DEPLOYMENT":      "PreStartDeployment",
	"ON_DEPLOYMENT_START":       "OnDeploymentStart",
	"ON_DEPLOYMENT_STEP":        "OnDeploymentStep",
	"ON_DEPLOYMENT_BAKING":      "OnDeploymentBaking",
	"ON_DEPLOYMENT_COMPLETE":    "OnDeploymentComplete",
	"ON_DEPLOYMENT_ROLLED_BACK": "OnDeploymentRolledBack",
}

type idRef struct {
	ID string `json:"Id"`
}

type profileRef struct {
	ID   string `json:"Id"`
	Name string `json:"Name"`
}

// extensionEvent is what an extension's Lambda action receives.
type extensionEvent struct {
	InvocationID         string            `json:"InvocationId"`
	Parameters           map[string]string `json:"Parameters,omitempty"`
	Type                 string            `json:"Type"`
	Application          idRef             `json:"Application"`
	Environment          idRef             `json:"Environment"`
	ConfigurationProfile profileRef        `json:"ConfigurationProfile"`
	DeploymentNumber     int32             `json:"DeploymentNumber"`
	Description          string            `json:"Description,omitempty"`
	ConfigurationVersion string            `json:"ConfigurationVersion"`
	Content              string            `json:"Content,omitempty"`
	ContentType          string            `json:"ContentType,omitempty"`
}

// extAction is one Lambda action of an extension applied to a deployment,
// with the parameters it is invoked with.
type extAction struct {
	Point         string            `json:"point"`
	ExtensionID   string            `json:"extensionId"`
	AssociationID string            `json:"associationId"`
	Name          string            `json:"name"`
	URI           string            `json:"uri"`
	RoleArn       string            `json:"roleArn,omitempty"`
	Parameters    map[string]string `json:"parameters,omitempty"`
}

// extensionResponse is what a PRE_* action may return.
type extensionResponse struct {
	Content     json.RawMessage `json:"Content"`
	ContentType *string         `json:"ContentType"`
	Error       json.RawMessage `json:"Error"`
	Message     *string         `json:"Message"`
	Details     []struct {
		Type   *string `json:"Type"`
		Name   *string `json:"Name"`
		Reason *string `json:"Reason"`
	} `json:"Details"`
}

// invokeAction invokes one extension action with ev (InvocationId filled
// in here) and reports what ActionInvocations records; res is the
// function's output when it succeeded.
func (s *Service) invokeAction(ctx context.Context, a extAction, ev extensionEvent) (inv api.ActionInvocation, res []byte, err error) {
	ev.InvocationID = ids.Lower(7)
	ev.Type = actionEventTypes[a.Point]
	ev.Parameters = a.Parameters
	inv = api.ActionInvocation{ExtensionIdentifier: ptr(a.ExtensionID), ActionName: optStr(a.Name), Uri: ptr(a.URI),
		RoleArn: optStr(a.RoleArn), InvocationId: ptr(ev.InvocationID)}
	if s.lambda == nil {
		err = errors.New("no Lambda endpoint is configured")
		inv.ErrorCode, inv.ErrorMessage = ptr("LambdaNotConfigured"), ptr("No Lambda endpoint is configured; start Stagecraft with --lambda-endpoint.")
		return inv, nil, err
	}
	fn, err := lambda.ParseFunction(a.URI)
	if err != nil {
		inv.ErrorCode, inv.ErrorMessage = ptr("InvalidFunction"), ptr(err.Error())
		return inv, nil, err
	}
	payload, err := json.Marshal(ev)
	if err != nil {
		return inv, nil, err
	}
	ictx, cancel := context.WithTimeout(ctx, validatorTimeout)
	defer cancel()
	r, err := s.lambda.Invoke(ictx, fn, payload)
	if err != nil {
		code, msg := invocationError(err)
		inv.ErrorCode, inv.ErrorMessage = ptr(code), ptr(msg)
		return inv, nil, err
	}
	return inv, r.Payload, nil
}

// preStartActions runs the PRE_START_DEPLOYMENT Lambda actions of the
// applied extensions, in order, each on the content the previous one left.
// It returns the invocations and the (possibly replaced) content and
// content type, or the refusal. It must not be called inside a store
// transaction.
func (s *Service) preStartActions(ctx context.Context, actions []extAction, ev extensionEvent, content []byte, contentType string) ([]api.ActionInvocation, []byte, string, error) {
	var invs []api.ActionInvocation
	for _, a := range actions {
		if a.Point != "PRE_START_DEPLOYMENT" {
			continue
		}
		if s.lambda == nil {
			return nil, nil, "", errNoLambda(fmt.Sprintf("Extension %s has a PRE_START_DEPLOYMENT action (%s) that invokes %s", a.ExtensionID, a.Name, a.URI))
		}
		ev.Content, ev.ContentType = base64.StdEncoding.EncodeToString(content), contentType
		inv, out, err := s.invokeAction(ctx, a, ev)
		if err != nil {
			var fe *lambda.FunctionError
			if errors.As(err, &fe) {
				reason := orDefault(fe.ErrorMessage, orDefault(fe.ErrorType, fe.Kind))
				return nil, nil, "", lambdaInvalid(fmt.Sprintf("Extension %s refused the deployment: action %s (PRE_START_DEPLOYMENT) failed: %s", a.ExtensionID, a.Name, reason),
					api.InvalidConfigurationDetail{Type: ptr("LAMBDA"), Reason: ptr(reason), Value: optStr(string(fe.Payload))})
			}
			why := invokeFailure(err)
			return nil, nil, "", lambdaInvalid(fmt.Sprintf("Extension %s refused the deployment: action %s (PRE_START_DEPLOYMENT) could not be invoked: %s", a.ExtensionID, a.Name, why),
				api.InvalidConfigurationDetail{Type: ptr("LAMBDA"), Reason: ptr("The extension's Lambda function could not be invoked."), Value: ptr(why)})
		}
		invs = append(invs, inv)
		content, contentType, err = applyPreResponse(a, out, content, contentType)
		if err != nil {
			return nil, nil, "", err
		}
	}
	return invs, content, contentType, nil
}

// applyPreResponse reads a PRE_* action's output: an error document
// refuses, a Content replaces the content, anything else keeps it.
func applyPreResponse(a extAction, out, content []byte, contentType string) ([]byte, string, error) {
	var r extensionResponse
	if json.Unmarshal(out, &r) != nil {
		return content, contentType, nil // not an object: nothing to apply
	}
	if len(r.Error) > 0 && string(r.Error) != "null" {
		code := strings.Trim(string(r.Error), `"`)
		msg := orDefault(str(r.Message), code)
		var details []api.InvalidConfigurationDetail
		for _, d := range r.Details {
			details = append(details, api.InvalidConfigurationDetail{Type: d.Type, Location: d.Name, Reason: d.Reason})
		}
		if len(details) == 0 {
			details = []api.InvalidConfigurationDetail{{Type: ptr(code), Reason: ptr(msg)}}
		}
		return nil, "", lambdaInvalid(fmt.Sprintf("Extension %s refused the deployment: %s", a.ExtensionID, msg), details...)
	}
	if len(r.Content) > 0 && string(r.Content) != "null" {
		var b64 string
		if json.Unmarshal(r.Content, &b64) != nil {
			return nil, "", lambdaInvalid(fmt.Sprintf("Extension %s returned an invalid response: Content must be a base64-encoded string.", a.ExtensionID),
				api.InvalidConfigurationDetail{Type: ptr("LAMBDA"), Reason: ptr("Content must be a base64-encoded string."), Value: ptr(string(r.Content))})
		}
		dec, err := base64.StdEncoding.DecodeString(b64)
		if err != nil {
			return nil, "", lambdaInvalid(fmt.Sprintf("Extension %s returned an invalid response: Content is not valid base64.", a.ExtensionID),
				api.InvalidConfigurationDetail{Type: ptr("LAMBDA"), Reason: ptr("Content is not valid base64."), Value: ptr(err.Error())})
		}
		content = dec
		if r.ContentType != nil && *r.ContentType != "" {
			contentType = *r.ContentType
		}
	}
	return content, contentType, nil
}
