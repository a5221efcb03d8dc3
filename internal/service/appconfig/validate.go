package appconfig

import (
	"fmt"

	api "github.com/stagecraft/stagecraft/internal/api/appconfig"
	"github.com/stagecraft/stagecraft/internal/jsonschema"
)

// Content validation (validateContent), run when a hosted version is
// created, when a deployment starts and on ValidateConfiguration:
//
//   - feature-flag profiles: AWS's feature-flag schema (featureflags.go);
//   - freeform profiles: each JSON_SCHEMA validator (the content must be
//     JSON and satisfy the schema).
//
// LAMBDA validators (lambda.go) run only when a deployment starts and on
// ValidateConfiguration, as AWS documents, after the checks above; they
// are not invoked when a hosted version is created.
//
// A failure is a 400 BadRequestException with Reason "InvalidConfiguration"
// and one Details.InvalidConfiguration entry per problem: Location is the
// JSON pointer of the failing value, Constraint the failing schema
// keyword, Reason the explanation, Type the validator type, Value the
// failing value. (AWS documents the shape, not the content.)

const reasonInvalidConfiguration = "InvalidConfiguration"

func invalidConfiguration(msg, validatorType string, errs []configError) error {
	e := api.NewBadRequestException("%s", msg)
	e.Reason = ptr(reasonInvalidConfiguration)
	d := &api.BadRequestDetails{}
	for _, x := range errs {
		d.InvalidConfiguration = append(d.InvalidConfiguration, api.InvalidConfigurationDetail{
			Constraint: optStr(x.Keyword), Location: ptr(orSlash(x.Location)), Reason: ptr(x.Message),
			Type: ptr(validatorType), Value: optStr(x.Value),
		})
	}
	e.Details = d
	return e
}

func orSlash(s string) string {
	if s == "" {
		return "/"
	}
	return s
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// validateContent checks content against what profile p requires.
func validateContent(p *profileRecord, content []byte) error {
	if p.featureFlags() {
		if errs := validateFeatureFlags(content); len(errs) > 0 {
			return invalidConfiguration(fmt.Sprintf("The feature flag configuration data failed validation against the AWS.AppConfig.FeatureFlags schema: %d error%s found. First: %s",
				len(errs), plural(len(errs)), errs[0].String()), "JSON_SCHEMA", errs)
		}
		return nil
	}
	for _, v := range p.Validators {
		if str(v.Type) != "JSON_SCHEMA" {
			continue // LAMBDA: runLambdaValidators, outside the transaction
		}
		schema, err := compileValidator([]byte(str(v.Content)))
		if err != nil {
			return badRequest("The JSON Schema validator of configuration profile %s is invalid: %s", str(p.Id), err.Error())
		}
		doc, err := jsonschema.Parse(content)
		if err != nil {
			errs := []configError{{Keyword: "type", Message: "configuration data is not valid JSON: " + err.Error()}}
			return invalidConfiguration("The configuration data failed validation against the JSON Schema validator: configuration data is not valid JSON.", "JSON_SCHEMA", errs)
		}
		if errs := validateSchema(schema, doc); len(errs) > 0 {
			return invalidConfiguration(fmt.Sprintf("The configuration data failed validation against the JSON Schema validator: %d error%s found. First: %s",
				len(errs), plural(len(errs)), errs[0].String()), "JSON_SCHEMA", errs)
		}
	}
	return nil
}
