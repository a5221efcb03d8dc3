package apigateway_test

import (
	"context"
	"regexp"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	sdk "github.com/aws/aws-sdk-go-v2/service/apigateway"
	"github.com/aws/aws-sdk-go-v2/service/apigateway/types"

	"github.com/stagecraft/stagecraft/internal/testenv"
)

var rvIDRE = regexp.MustCompile(`^[a-z0-9]{6}$`)

func TestRequestValidatorLifecycle(t *testing.T) {
	env := testenv.Start(t)
	c := env.APIGateway()
	ctx := context.Background()
	api, _ := mdlNewAPI(t, c)

	v, err := c.CreateRequestValidator(ctx, &sdk.CreateRequestValidatorInput{RestApiId: aws.String(api), Name: aws.String("params")})
	if err != nil {
		t.Fatal(err)
	}
	// [V] both flags are present and false by default.
	if !rvIDRE.MatchString(aws.ToString(v.Id)) || aws.ToString(v.Name) != "params" || v.ValidateRequestBody || v.ValidateRequestParameters {
		t.Fatalf("create: %+v", v)
	}
	got, err := c.GetRequestValidator(ctx, &sdk.GetRequestValidatorInput{RestApiId: aws.String(api), RequestValidatorId: v.Id})
	if err != nil || aws.ToString(got.Id) != aws.ToString(v.Id) {
		t.Fatalf("get: %v %+v", err, got)
	}

	upd := func(ops ...types.PatchOperation) (*sdk.UpdateRequestValidatorOutput, error) {
		return c.UpdateRequestValidator(ctx, &sdk.UpdateRequestValidatorInput{RestApiId: aws.String(api), RequestValidatorId: v.Id, PatchOperations: ops})
	}
	up, err := upd(mdlOp(types.OpReplace, "/validateRequestBody", "true"), mdlOp(types.OpReplace, "/name", "both"))
	if err != nil || !up.ValidateRequestBody || up.ValidateRequestParameters || aws.ToString(up.Name) != "both" {
		t.Fatalf("update: %v %+v", err, up)
	}
	// [V] no value means false.
	up, err = upd(types.PatchOperation{Op: types.OpReplace, Path: aws.String("/validateRequestBody")})
	if err != nil || up.ValidateRequestBody {
		t.Fatalf("update without value: %v %+v", err, up)
	}

	for _, tc := range []struct {
		name string
		ops  []types.PatchOperation
		msg  string
	}{
		{"add", []types.PatchOperation{mdlOp(types.OpAdd, "/validateRequestBody", "true")},
			"Invalid patch path  '/validateRequestBody' specified for op 'add'. Please choose supported operations"},
		{"remove", []types.PatchOperation{mdlOp(types.OpRemove, "/validateRequestBody", "")},
			"Invalid patch path  '/validateRequestBody' specified for op 'remove'. Please choose supported operations"},
		{"bad path", []types.PatchOperation{mdlOp(types.OpReplace, "/invalidPath", "x")},
			"Invalid patch path  '/invalidPath' specified for op 'replace'. Must be one of: [/name, /validateRequestParameters, /validateRequestBody]"},
		{"blank name", []types.PatchOperation{mdlOp(types.OpReplace, "/name", "")}, "Request Validator name cannot be blank"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := upd(tc.ops...)
			apiErr(t, err, "BadRequestException", tc.msg)
		})
	}

	// A second validator; the list is paginated.
	if _, err := c.CreateRequestValidator(ctx, &sdk.CreateRequestValidatorInput{RestApiId: aws.String(api), Name: aws.String("body"),
		ValidateRequestBody: true}); err != nil {
		t.Fatal(err)
	}
	first, err := c.GetRequestValidators(ctx, &sdk.GetRequestValidatorsInput{RestApiId: aws.String(api), Limit: aws.Int32(1)})
	if err != nil || len(first.Items) != 1 || first.Position == nil {
		t.Fatalf("page 1: %v %+v", err, first)
	}
	second, err := c.GetRequestValidators(ctx, &sdk.GetRequestValidatorsInput{RestApiId: aws.String(api), Limit: aws.Int32(1), Position: first.Position})
	if err != nil || len(second.Items) != 1 || second.Position != nil || aws.ToString(second.Items[0].Id) == aws.ToString(first.Items[0].Id) {
		t.Fatalf("page 2: %v %+v", err, second)
	}

	if _, err := c.DeleteRequestValidator(ctx, &sdk.DeleteRequestValidatorInput{RestApiId: aws.String(api), RequestValidatorId: v.Id}); err != nil {
		t.Fatal(err)
	}
	_, err = c.GetRequestValidator(ctx, &sdk.GetRequestValidatorInput{RestApiId: aws.String(api), RequestValidatorId: v.Id})
	apiErr(t, err, "NotFoundException", "Invalid Request Validator identifier specified")
	all, err := c.GetRequestValidators(ctx, &sdk.GetRequestValidatorsInput{RestApiId: aws.String(api)})
	if err != nil || len(all.Items) != 1 {
		t.Fatalf("after delete: %v %+v", err, all)
	}
}

func TestRequestValidatorErrors(t *testing.T) {
	env := testenv.Start(t)
	c := env.APIGateway()
	ctx := context.Background()
	api, _ := mdlNewAPI(t, c)
	ghost := aws.String("test-fake-rest-id")

	_, err := c.CreateRequestValidator(ctx, &sdk.CreateRequestValidatorInput{RestApiId: ghost, Name: aws.String("v")})
	apiErr(t, err, "BadRequestException", "Invalid REST API identifier specified") // [V] a 400, not a 404
	_, err = c.CreateRequestValidator(ctx, &sdk.CreateRequestValidatorInput{RestApiId: aws.String(api)})
	apiErr(t, err, "BadRequestException", "Request Validator name cannot be blank")
	_, err = c.GetRequestValidators(ctx, &sdk.GetRequestValidatorsInput{RestApiId: ghost})
	apiErr(t, err, "NotFoundException", "Invalid API identifier specified 000000000000:test-fake-rest-id")
	for _, id := range []struct{ api, v *string }{{ghost, aws.String("abc123")}, {aws.String(api), aws.String("abc123")}} {
		_, err = c.GetRequestValidator(ctx, &sdk.GetRequestValidatorInput{RestApiId: id.api, RequestValidatorId: id.v})
		apiErr(t, err, "NotFoundException", "Invalid Request Validator identifier specified")
		_, err = c.UpdateRequestValidator(ctx, &sdk.UpdateRequestValidatorInput{RestApiId: id.api, RequestValidatorId: id.v})
		apiErr(t, err, "NotFoundException", "Invalid Request Validator identifier specified")
		_, err = c.DeleteRequestValidator(ctx, &sdk.DeleteRequestValidatorInput{RestApiId: id.api, RequestValidatorId: id.v})
		apiErr(t, err, "NotFoundException", "Invalid Request Validator identifier specified")
	}
}
