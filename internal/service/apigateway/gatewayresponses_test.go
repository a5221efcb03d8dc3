package apigateway_test

import (
	"context"
	"maps"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	sdk "github.com/aws/aws-sdk-go-v2/service/apigateway"
	"github.com/aws/aws-sdk-go-v2/service/apigateway/types"

	"github.com/stagecraft/stagecraft/internal/testenv"
)

const gwrTemplate = `{"message":$context.error.messageString}`

// gwrDefaults are the default status codes AWS lists [V].
var gwrDefaults = map[string]string{
	"ACCESS_DENIED": "403", "API_CONFIGURATION_ERROR": "500", "AUTHORIZER_CONFIGURATION_ERROR": "500",
	"AUTHORIZER_FAILURE": "500", "BAD_REQUEST_BODY": "400", "BAD_REQUEST_PARAMETERS": "400",
	"DEFAULT_4XX": "", "DEFAULT_5XX": "", "EXPIRED_TOKEN": "403", "INTEGRATION_FAILURE": "504",
	"INTEGRATION_TIMEOUT": "504", "INVALID_API_KEY": "403", "INVALID_SIGNATURE": "403",
	"MISSING_AUTHENTICATION_TOKEN": "403", "QUOTA_EXCEEDED": "429", "REQUEST_TOO_LARGE": "413",
	"RESOURCE_NOT_FOUND": "404", "THROTTLED": "429", "UNAUTHORIZED": "401", "UNSUPPORTED_MEDIA_TYPE": "415",
	"WAF_FILTERED": "403",
}

func gwrIsDefault(r types.GatewayResponse, status string) bool {
	return r.DefaultResponse && aws.ToString(r.StatusCode) == status && len(r.ResponseParameters) == 0 &&
		r.ResponseParameters != nil && maps.Equal(r.ResponseTemplates, map[string]string{"application/json": gwrTemplate})
}

func TestGatewayResponseDefaults(t *testing.T) {
	env := testenv.Start(t)
	c := env.APIGateway()
	ctx := context.Background()
	api, _ := mdlNewAPI(t, c)

	all, err := c.GetGatewayResponses(ctx, &sdk.GetGatewayResponsesInput{RestApiId: aws.String(api)})
	if err != nil {
		t.Fatal(err)
	}
	if len(all.Items) != 21 || all.Position != nil {
		t.Fatalf("want the 21 types on one page, got %d (position %v)", len(all.Items), all.Position)
	}
	prev := ""
	for _, r := range all.Items {
		typ := string(r.ResponseType)
		st, ok := gwrDefaults[typ]
		if !ok || !gwrIsDefault(r, st) || typ <= prev {
			t.Fatalf("unexpected or out-of-order default %+v", r)
		}
		prev = typ
	}
	one, err := c.GetGatewayResponse(ctx, &sdk.GetGatewayResponseInput{RestApiId: aws.String(api), ResponseType: "MISSING_AUTHENTICATION_TOKEN"})
	if err != nil || !gwrIsDefault(types.GatewayResponse{DefaultResponse: one.DefaultResponse, StatusCode: one.StatusCode,
		ResponseParameters: one.ResponseParameters, ResponseTemplates: one.ResponseTemplates}, "403") {
		t.Fatalf("get default: %v %+v", err, one)
	}
	// Pages of 10: 10, 10, 1.
	var n, pages int
	var pos *string
	for {
		out, err := c.GetGatewayResponses(ctx, &sdk.GetGatewayResponsesInput{RestApiId: aws.String(api), Limit: aws.Int32(10), Position: pos})
		if err != nil {
			t.Fatal(err)
		}
		n += len(out.Items)
		pages++
		if pos = out.Position; pos == nil {
			break
		}
	}
	if n != 21 || pages != 3 {
		t.Fatalf("paged %d responses in %d pages", n, pages)
	}
}

func TestPutGatewayResponse(t *testing.T) {
	env := testenv.Start(t)
	c := env.APIGateway()
	ctx := context.Background()
	api, _ := mdlNewAPI(t, c)
	custom := `{"message": $context.error.messageString, "type": "$context.error.responseType"}`
	put := func(in sdk.PutGatewayResponseInput) *sdk.PutGatewayResponseOutput {
		t.Helper()
		in.RestApiId = aws.String(api)
		out, err := c.PutGatewayResponse(ctx, &in)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	params := map[string]string{"gatewayresponse.header.Access-Control-Allow-Origin": "'a.b.c'"}
	full := put(sdk.PutGatewayResponseInput{ResponseType: "MISSING_AUTHENTICATION_TOKEN", StatusCode: aws.String("404"),
		ResponseParameters: params, ResponseTemplates: map[string]string{"application/json": custom}})
	if full.DefaultResponse || aws.ToString(full.StatusCode) != "404" || !maps.Equal(full.ResponseParameters, params) ||
		full.ResponseTemplates["application/json"] != custom {
		t.Fatalf("full put: %+v", full)
	}
	// [V] a put replaces the customization; what it leaves out falls back to
	// the type's defaults, not to the previous put.
	status := put(sdk.PutGatewayResponseInput{ResponseType: "MISSING_AUTHENTICATION_TOKEN", StatusCode: aws.String("404")})
	if status.DefaultResponse || aws.ToString(status.StatusCode) != "404" || status.ResponseParameters == nil ||
		len(status.ResponseParameters) != 0 || status.ResponseTemplates["application/json"] != gwrTemplate {
		t.Fatalf("status-only put: %+v", status)
	}
	tmpl := put(sdk.PutGatewayResponseInput{ResponseType: "MISSING_AUTHENTICATION_TOKEN", ResponseTemplates: map[string]string{"application/json": custom}})
	if aws.ToString(tmpl.StatusCode) != "403" || tmpl.ResponseTemplates["application/json"] != custom {
		t.Fatalf("template-only put: %+v", tmpl)
	}

	// [V] a customized DEFAULT_5XX shows through every 5XX type that is not
	// customized itself; those stay defaultResponse:true.
	five := map[string]string{"gatewayresponse.header.x-request-header": "method.request.header.Accept"}
	put(sdk.PutGatewayResponseInput{ResponseType: "DEFAULT_5XX", StatusCode: aws.String("599"), ResponseParameters: five,
		ResponseTemplates: map[string]string{"application/json": custom}})
	af := put(sdk.PutGatewayResponseInput{ResponseType: "AUTHORIZER_FAILURE", ResponseParameters: map[string]string{"gatewayresponse.header.foo": "'bar'"}})
	if aws.ToString(af.StatusCode) != "500" || af.ResponseTemplates["application/json"] != gwrTemplate {
		t.Fatalf("a put of a 5XX type ignores DEFAULT_5XX: %+v", af)
	}
	all, err := c.GetGatewayResponses(ctx, &sdk.GetGatewayResponsesInput{RestApiId: aws.String(api)})
	if err != nil {
		t.Fatal(err)
	}
	byType := map[string]types.GatewayResponse{}
	for _, r := range all.Items {
		byType[string(r.ResponseType)] = r
	}
	for _, typ := range []string{"API_CONFIGURATION_ERROR", "AUTHORIZER_CONFIGURATION_ERROR", "INTEGRATION_FAILURE", "INTEGRATION_TIMEOUT"} {
		r := byType[typ]
		if !r.DefaultResponse || aws.ToString(r.StatusCode) != "599" || !maps.Equal(r.ResponseParameters, five) ||
			r.ResponseTemplates["application/json"] != custom {
			t.Fatalf("%s does not inherit DEFAULT_5XX: %+v", typ, r)
		}
	}
	if r := byType["AUTHORIZER_FAILURE"]; r.DefaultResponse || aws.ToString(r.StatusCode) != "500" {
		t.Fatalf("customized AUTHORIZER_FAILURE: %+v", r)
	}
	if r := byType["ACCESS_DENIED"]; !gwrIsDefault(r, "403") {
		t.Fatalf("a 4XX type changed: %+v", r)
	}
	if r := byType["MISSING_AUTHENTICATION_TOKEN"]; r.DefaultResponse || aws.ToString(r.StatusCode) != "403" {
		t.Fatalf("MISSING_AUTHENTICATION_TOKEN: %+v", r)
	}

	// Delete puts the type back to its default; a second delete is a 404.
	if _, err := c.DeleteGatewayResponse(ctx, &sdk.DeleteGatewayResponseInput{RestApiId: aws.String(api), ResponseType: "MISSING_AUTHENTICATION_TOKEN"}); err != nil {
		t.Fatal(err)
	}
	back, err := c.GetGatewayResponse(ctx, &sdk.GetGatewayResponseInput{RestApiId: aws.String(api), ResponseType: "MISSING_AUTHENTICATION_TOKEN"})
	if err != nil || !back.DefaultResponse || aws.ToString(back.StatusCode) != "403" {
		t.Fatalf("after delete: %v %+v", err, back)
	}
	_, err = c.DeleteGatewayResponse(ctx, &sdk.DeleteGatewayResponseInput{RestApiId: aws.String(api), ResponseType: "MISSING_AUTHENTICATION_TOKEN"})
	apiErr(t, err, "NotFoundException", "Gateway response type not defined on api")
}

func TestUpdateGatewayResponse(t *testing.T) {
	env := testenv.Start(t)
	c := env.APIGateway()
	ctx := context.Background()
	api, _ := mdlNewAPI(t, c)
	upd := func(typ string, ops ...types.PatchOperation) (*sdk.UpdateGatewayResponseOutput, error) {
		return c.UpdateGatewayResponse(ctx, &sdk.UpdateGatewayResponseInput{RestApiId: aws.String(api), ResponseType: types.GatewayResponseType(typ), PatchOperations: ops})
	}
	// [V] updating a response that was never put customizes it from its defaults.
	up, err := upd("DEFAULT_4XX", mdlOp(types.OpReplace, "/statusCode", "444"))
	if err != nil || up.DefaultResponse || aws.ToString(up.StatusCode) != "444" || up.ResponseParameters == nil ||
		up.ResponseTemplates["application/json"] != gwrTemplate {
		t.Fatalf("update of a default: %v %+v", err, up)
	}
	// ... and DEFAULT_4XX now shows through the 4XX types.
	rnf, err := c.GetGatewayResponse(ctx, &sdk.GetGatewayResponseInput{RestApiId: aws.String(api), ResponseType: "RESOURCE_NOT_FOUND"})
	if err != nil || !rnf.DefaultResponse || aws.ToString(rnf.StatusCode) != "444" {
		t.Fatalf("RESOURCE_NOT_FOUND after DEFAULT_4XX update: %v %+v", err, rnf)
	}

	if _, err := c.PutGatewayResponse(ctx, &sdk.PutGatewayResponseInput{RestApiId: aws.String(api), ResponseType: "DEFAULT_4XX",
		StatusCode: aws.String("404"), ResponseParameters: map[string]string{"gatewayresponse.header.Access-Control-Allow-Origin": "'a.b.c'"}}); err != nil {
		t.Fatal(err)
	}
	xml := "<gatewayResponse><message>$context.error.messageString</message></gatewayResponse>"
	up, err = upd("DEFAULT_4XX",
		mdlOp(types.OpReplace, "/statusCode", "444"),
		mdlOp(types.OpReplace, "/responseParameters/gatewayresponse.header.Access-Control-Allow-Origin", "'example.com'"),
		mdlOp(types.OpAdd, "/responseTemplates/application~1xml", xml),
		mdlOp(types.OpRemove, "/responseTemplates/application~1json", ""))
	if err != nil || aws.ToString(up.StatusCode) != "444" || up.ResponseParameters["gatewayresponse.header.Access-Control-Allow-Origin"] != "'example.com'" ||
		!maps.Equal(up.ResponseTemplates, map[string]string{"application/xml": xml}) {
		t.Fatalf("update: %v %+v", err, up)
	}
	got, err := c.GetGatewayResponse(ctx, &sdk.GetGatewayResponseInput{RestApiId: aws.String(api), ResponseType: "DEFAULT_4XX"})
	if err != nil || aws.ToString(got.StatusCode) != "444" || got.ResponseTemplates["application/xml"] != xml {
		t.Fatalf("get after update: %v %+v", err, got)
	}

	for _, tc := range []struct {
		name, typ string
		op        types.PatchOperation
		code, msg string
	}{
		{"add statusCode", "DEFAULT_4XX", mdlOp(types.OpAdd, "/statusCode", "444"), "BadRequestException", "Invalid patch path /statusCode"},
		{"remove statusCode", "DEFAULT_4XX", types.PatchOperation{Op: types.OpRemove, Path: aws.String("/statusCode")}, "BadRequestException", "Invalid patch path /statusCode"},
		{"replace missing parameter", "DEFAULT_5XX", mdlOp(types.OpReplace, "/responseParameters/gatewayresponse.header.Access-Control-Allow-Origin", "'x'"),
			"NotFoundException", "Invalid parameter name specified"},
		{"no path", "DEFAULT_4XX", types.PatchOperation{Op: types.OpAdd, Value: aws.String("'example.com'")}, "BadRequestException", "Invalid patch path null"},
		{"wrong path", "DEFAULT_4XX", mdlOp(types.OpAdd, "/wrongPath", "'example.com'"), "BadRequestException", "Invalid patch path /wrongPath"},
		// AWS lists the set as [add, remove, move, test, replace, copy] [V]; the
		// generated check uses model order, so only the code is asserted here.
		{"wrong op", "DEFAULT_4XX", mdlOp("wrong-op", "/statusCode", "'example.com'"), "ValidationException", ""},
		{"null template", "DEFAULT_4XX", types.PatchOperation{Op: types.OpReplace, Path: aws.String("/responseTemplates/application~1xml")},
			"BadRequestException", "Invalid null or empty value in responseTemplates"},
		{"null parameter", "DEFAULT_4XX", types.PatchOperation{Op: types.OpReplace, Path: aws.String("/responseParameters/gatewayresponse.header.Access-Control-Allow-Origin")},
			"BadRequestException", "Invalid null or empty value in responseParameters"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := upd(tc.typ, tc.op)
			apiErr(t, err, tc.code, tc.msg)
		})
	}
	// A failed update changes nothing.
	if r, err := c.GetGatewayResponse(ctx, &sdk.GetGatewayResponseInput{RestApiId: aws.String(api), ResponseType: "DEFAULT_5XX"}); err != nil || !r.DefaultResponse {
		t.Fatalf("DEFAULT_5XX after a refused update: %v %+v", err, r)
	}
}

func TestGatewayResponseErrors(t *testing.T) {
	env := testenv.Start(t)
	c := env.APIGateway()
	ctx := context.Background()
	api, _ := mdlNewAPI(t, c)
	ghost := aws.String("fake-api-id")
	noAPI := "Invalid API identifier specified 000000000000:fake-api-id"

	_, err := c.GetGatewayResponses(ctx, &sdk.GetGatewayResponsesInput{RestApiId: ghost})
	apiErr(t, err, "NotFoundException", noAPI)
	_, err = c.GetGatewayResponse(ctx, &sdk.GetGatewayResponseInput{RestApiId: ghost, ResponseType: "DEFAULT_4XX"})
	apiErr(t, err, "NotFoundException", noAPI)
	_, err = c.PutGatewayResponse(ctx, &sdk.PutGatewayResponseInput{RestApiId: ghost, ResponseType: "DEFAULT_4XX"})
	apiErr(t, err, "NotFoundException", noAPI)
	_, err = c.UpdateGatewayResponse(ctx, &sdk.UpdateGatewayResponseInput{RestApiId: ghost, ResponseType: "DEFAULT_4XX"})
	apiErr(t, err, "NotFoundException", noAPI)
	_, err = c.DeleteGatewayResponse(ctx, &sdk.DeleteGatewayResponseInput{RestApiId: ghost, ResponseType: "DEFAULT_4XX"})
	apiErr(t, err, "NotFoundException", noAPI)
	_, err = c.DeleteGatewayResponse(ctx, &sdk.DeleteGatewayResponseInput{RestApiId: aws.String(api), ResponseType: "DEFAULT_4XX"})
	apiErr(t, err, "NotFoundException", "Gateway response type not defined on api")
	// Unknown types and bad status codes are refused by the model checks.
	_, err = c.GetGatewayResponse(ctx, &sdk.GetGatewayResponseInput{RestApiId: aws.String(api), ResponseType: "FAKE_RESPONSE_TYPE"})
	apiErr(t, err, "ValidationException", "")
	_, err = c.PutGatewayResponse(ctx, &sdk.PutGatewayResponseInput{RestApiId: aws.String(api), ResponseType: "DEFAULT_4XX", StatusCode: aws.String("99")})
	apiErr(t, err, "ValidationException", "")
}

// TestGatewayResponsesCLI lists the defaults and customizes one with AWS CLI v1.
func TestGatewayResponsesCLI(t *testing.T) {
	env := testenv.Start(t)
	api, _ := mdlNewAPI(t, env.APIGateway())

	out := env.MustCLI(t, "apigateway", "get-gateway-responses", "--rest-api-id", api)
	items, _ := out["items"].([]any)
	if len(items) != 21 {
		t.Fatalf("want 21 responses, got %d: %v", len(items), out)
	}
	for _, it := range items {
		r := it.(map[string]any)
		typ, _ := r["responseType"].(string)
		st, _ := r["statusCode"].(string)
		tm, _ := r["responseTemplates"].(map[string]any)
		if r["defaultResponse"] != true || st != gwrDefaults[typ] || tm["application/json"] != gwrTemplate {
			t.Fatalf("default %s: %v", typ, r)
		}
	}

	put := env.MustCLI(t, "apigateway", "put-gateway-response", "--rest-api-id", api, "--response-type", "UNAUTHORIZED",
		"--status-code", "401", "--response-parameters", `{"gatewayresponse.header.WWW-Authenticate":"'Basic'"}`,
		"--response-templates", `{"application/json":"{\"error\":\"$context.error.messageString\"}"}`)
	params, _ := put["responseParameters"].(map[string]any)
	tm, _ := put["responseTemplates"].(map[string]any)
	if put["defaultResponse"] != false || put["statusCode"] != "401" || params["gatewayresponse.header.WWW-Authenticate"] != "'Basic'" ||
		tm["application/json"] != `{"error":"$context.error.messageString"}` {
		t.Fatalf("put-gateway-response: %v", put)
	}
	got := env.MustCLI(t, "apigateway", "get-gateway-response", "--rest-api-id", api, "--response-type", "UNAUTHORIZED")
	if got["defaultResponse"] != false || got["statusCode"] != "401" {
		t.Fatalf("get-gateway-response: %v", got)
	}
	_, stderr, code := env.CLI(t, "apigateway", "delete-gateway-response", "--rest-api-id", api, "--response-type", "ACCESS_DENIED")
	if code == 0 || !strings.Contains(stderr, "NotFoundException") || !strings.Contains(stderr, "Gateway response type not defined on api") {
		t.Fatalf("delete of a default: exit %d\n%s", code, stderr)
	}
}
