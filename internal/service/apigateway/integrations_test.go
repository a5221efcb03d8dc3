package apigateway_test

import (
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	sdk "github.com/aws/aws-sdk-go-v2/service/apigateway"
	"github.com/aws/aws-sdk-go-v2/service/apigateway/types"
)

const integrationsLambdaURI = "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:fn/invocations"

func (f *methodsFixture) putIntegration(t *testing.T, verb string, mod ...func(*sdk.PutIntegrationInput)) *sdk.PutIntegrationOutput {
	t.Helper()
	in := &sdk.PutIntegrationInput{RestApiId: f.api, ResourceId: f.res, HttpMethod: aws.String(verb), Type: types.IntegrationTypeMock}
	for _, m := range mod {
		m(in)
	}
	out, err := f.c.PutIntegration(f.ctx, in)
	if err != nil {
		t.Fatalf("PutIntegration: %v", err)
	}
	return out
}

func (f *methodsFixture) updateIntegration(verb string, ops ...types.PatchOperation) (*sdk.UpdateIntegrationOutput, error) {
	return f.c.UpdateIntegration(f.ctx, &sdk.UpdateIntegrationInput{RestApiId: f.api, ResourceId: f.res, HttpMethod: aws.String(verb), PatchOperations: ops})
}

func TestIntegrationLifecycle(t *testing.T) {
	f := methodsSetup(t)
	f.putMethod(t, "GET")

	// A MOCK integration needs neither uri nor httpMethod; AWS fills in its
	// defaults and echoes no uri [V].
	put := f.putIntegration(t, "GET", func(in *sdk.PutIntegrationInput) {
		in.RequestTemplates = map[string]string{"application/json": `{"statusCode": 200}`}
		in.Uri = aws.String("http://ignored.example")
	})
	if put.Type != types.IntegrationTypeMock || aws.ToString(put.PassthroughBehavior) != "WHEN_NO_MATCH" ||
		put.TimeoutInMillis != 29000 || aws.ToString(put.CacheNamespace) != *f.res ||
		put.CacheKeyParameters == nil || len(put.CacheKeyParameters) != 0 ||
		put.Uri != nil || put.HttpMethod != nil || put.ConnectionType != "" ||
		put.RequestTemplates["application/json"] != `{"statusCode": 200}` {
		t.Fatalf("PutIntegration MOCK: %+v", put)
	}

	get, err := f.c.GetIntegration(f.ctx, &sdk.GetIntegrationInput{RestApiId: f.api, ResourceId: f.res, HttpMethod: aws.String("GET")})
	if err != nil || get.Type != types.IntegrationTypeMock || aws.ToString(get.CacheNamespace) != *f.res || get.CacheKeyParameters == nil {
		t.Fatalf("GetIntegration: %v %+v", err, get)
	}

	m, err := f.c.GetMethod(f.ctx, &sdk.GetMethodInput{RestApiId: f.api, ResourceId: f.res, HttpMethod: aws.String("GET")})
	if err != nil || m.MethodIntegration == nil || m.MethodIntegration.Type != types.IntegrationTypeMock || m.MethodIntegration.TimeoutInMillis != 29000 {
		t.Fatalf("GetMethod methodIntegration: %v %+v", err, m)
	}

	// A second put replaces the integration.
	http := f.putIntegration(t, "GET", func(in *sdk.PutIntegrationInput) {
		in.Type = types.IntegrationTypeHttp
		in.IntegrationHttpMethod = aws.String("GET")
		in.Uri = aws.String("http://petstore-demo-endpoint.execute-api.com/petstore/pets")
		in.CacheNamespace = aws.String("ns")
		in.CacheKeyParameters = []string{"method.request.querystring.q"}
		in.TimeoutInMillis = aws.Int32(50)
		in.PassthroughBehavior = aws.String("NEVER")
		in.Credentials = aws.String("arn:aws:iam::123456789012:role/r")
		in.ContentHandling = types.ContentHandlingStrategyConvertToText
		in.TlsConfig = &types.TlsConfig{InsecureSkipVerification: true}
	})
	// HTTP integrations default connectionType to INTERNET [D].
	if http.Type != types.IntegrationTypeHttp || aws.ToString(http.HttpMethod) != "GET" || http.ConnectionType != types.ConnectionTypeInternet ||
		aws.ToString(http.CacheNamespace) != "ns" || !slices.Equal(http.CacheKeyParameters, []string{"method.request.querystring.q"}) ||
		http.TimeoutInMillis != 50 || aws.ToString(http.PassthroughBehavior) != "NEVER" || http.RequestTemplates != nil ||
		aws.ToString(http.Credentials) == "" || http.ContentHandling != types.ContentHandlingStrategyConvertToText ||
		http.TlsConfig == nil || !http.TlsConfig.InsecureSkipVerification {
		t.Fatalf("PutIntegration HTTP: %+v", http)
	}

	if _, err := f.c.DeleteIntegration(f.ctx, &sdk.DeleteIntegrationInput{RestApiId: f.api, ResourceId: f.res, HttpMethod: aws.String("GET")}); err != nil {
		t.Fatal(err)
	}
	_, err = f.c.GetIntegration(f.ctx, &sdk.GetIntegrationInput{RestApiId: f.api, ResourceId: f.res, HttpMethod: aws.String("GET")})
	apiErr(t, err, "NotFoundException", "Invalid Integration identifier specified")
	_, err = f.c.DeleteIntegration(f.ctx, &sdk.DeleteIntegrationInput{RestApiId: f.api, ResourceId: f.res, HttpMethod: aws.String("GET")})
	apiErr(t, err, "NotFoundException", "Invalid Integration identifier specified")
	// The method itself stays.
	if _, err := f.c.GetMethod(f.ctx, &sdk.GetMethodInput{RestApiId: f.api, ResourceId: f.res, HttpMethod: aws.String("GET")}); err != nil {
		t.Fatal(err)
	}
}

func TestPutIntegrationValidation(t *testing.T) {
	f := methodsSetup(t)
	f.putMethod(t, "GET", func(in *sdk.PutMethodInput) {
		in.RequestParameters = map[string]bool{"method.request.path.id": true}
	})
	const arnErr = "Invalid ARN specified in the request"
	cases := []struct {
		name      string
		api, res  *string
		verb      string
		in        sdk.PutIntegrationInput
		code, msg string
	}{
		{"unknown api", aws.String("nope"), f.res, "GET", sdk.PutIntegrationInput{Type: types.IntegrationTypeMock},
			"NotFoundException", "Invalid Resource identifier specified"},
		{"unknown resource", f.api, aws.String("badresource"), "GET", sdk.PutIntegrationInput{Type: types.IntegrationTypeMock},
			"NotFoundException", "Invalid Resource identifier specified"},
		{"unknown method", f.api, f.res, "POST", sdk.PutIntegrationInput{Type: types.IntegrationTypeMock},
			"NotFoundException", "Invalid Method identifier specified"},
		{"bad type", f.api, f.res, "GET", sdk.PutIntegrationInput{Type: types.IntegrationType("HTTPS_PROXY")}, "ValidationException", ""},
		{"HTTP without httpMethod", f.api, f.res, "GET", sdk.PutIntegrationInput{Type: types.IntegrationTypeHttp, Uri: aws.String("http://httpbin.org/robots.txt")},
			"BadRequestException", "Enumeration value for HttpMethod must be non-empty"},
		{"HTTP_PROXY without httpMethod", f.api, f.res, "GET", sdk.PutIntegrationInput{Type: types.IntegrationTypeHttpProxy, Uri: aws.String("http://httpbin.org/robots.txt")},
			"BadRequestException", "Enumeration value for HttpMethod must be non-empty"},
		{"AWS without httpMethod", f.api, f.res, "GET", sdk.PutIntegrationInput{Type: types.IntegrationTypeAws, Uri: aws.String(integrationsLambdaURI)},
			"BadRequestException", "Enumeration value for HttpMethod must be non-empty"},
		{"AWS_PROXY without httpMethod", f.api, f.res, "GET", sdk.PutIntegrationInput{Type: types.IntegrationTypeAwsProxy, Uri: aws.String(integrationsLambdaURI)},
			"BadRequestException", "Enumeration value for HttpMethod must be non-empty"},
		{"HTTP malformed uri", f.api, f.res, "GET", sdk.PutIntegrationInput{Type: types.IntegrationTypeHttpProxy, IntegrationHttpMethod: aws.String("GET"), Uri: aws.String("not a url")},
			"BadRequestException", "Invalid HTTP endpoint specified for URI"},
		{"HTTP without uri", f.api, f.res, "GET", sdk.PutIntegrationInput{Type: types.IntegrationTypeHttp, IntegrationHttpMethod: aws.String("GET")},
			"BadRequestException", "Invalid HTTP endpoint specified for URI"},
		{"HTTP ftp uri", f.api, f.res, "GET", sdk.PutIntegrationInput{Type: types.IntegrationTypeHttp, IntegrationHttpMethod: aws.String("GET"), Uri: aws.String("ftp://example.com/x")},
			"BadRequestException", "Invalid HTTP endpoint specified for URI"},
		{"AWS_PROXY not an ARN", f.api, f.res, "GET", sdk.PutIntegrationInput{Type: types.IntegrationTypeAwsProxy, IntegrationHttpMethod: aws.String("POST"), Uri: aws.String("hello")},
			"BadRequestException", arnErr},
		{"AWS without uri", f.api, f.res, "GET", sdk.PutIntegrationInput{Type: types.IntegrationTypeAws, IntegrationHttpMethod: aws.String("POST")},
			"BadRequestException", arnErr},
		{"AWS without path or action", f.api, f.res, "GET", sdk.PutIntegrationInput{Type: types.IntegrationTypeAws, IntegrationHttpMethod: aws.String("POST"), Uri: aws.String("arn:aws:apigateway:us-east-1:sqs:foo")},
			"BadRequestException", "AWS ARN for integration must contain path or action"},
		{"AWS_PROXY to something other than Lambda", f.api, f.res, "GET", sdk.PutIntegrationInput{Type: types.IntegrationTypeAwsProxy, IntegrationHttpMethod: aws.String("POST"), Uri: aws.String("arn:aws:apigateway:us-east-1:sqs:path/123456789012/queue")},
			"BadRequestException", "Integrations of type 'AWS_PROXY' currently only supports Lambda function and Firehose stream invocations."},
		{"timeout too small", f.api, f.res, "GET", sdk.PutIntegrationInput{Type: types.IntegrationTypeMock, TimeoutInMillis: aws.Int32(49)},
			"BadRequestException", "Timeout should be between 50 ms and 29000 ms"},
		{"timeout too large", f.api, f.res, "GET", sdk.PutIntegrationInput{Type: types.IntegrationTypeMock, TimeoutInMillis: aws.Int32(29001)},
			"BadRequestException", "Timeout should be between 50 ms and 29000 ms"},
		{"mapping from an undeclared method parameter", f.api, f.res, "GET", sdk.PutIntegrationInput{Type: types.IntegrationTypeMock,
			RequestParameters: map[string]string{"integration.request.path.proxy": "method.request.path.proxy"}},
			"BadRequestException", "Invalid mapping expression specified: Validation Result: warnings : [], errors : [Invalid mapping expression parameter specified: method.request.path.proxy]"},
		{"mapping to a bad target", f.api, f.res, "GET", sdk.PutIntegrationInput{Type: types.IntegrationTypeMock,
			RequestParameters: map[string]string{"method.request.path.id": "method.request.path.id"}},
			"BadRequestException", "Invalid mapping expression specified: Validation Result: warnings : [], errors : [Invalid mapping expression specified: method.request.path.id]"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			in := tc.in
			in.RestApiId, in.ResourceId, in.HttpMethod = tc.api, tc.res, aws.String(tc.verb)
			_, err := f.c.PutIntegration(f.ctx, &in)
			apiErr(t, err, tc.code, tc.msg)
		})
	}
	_, err := f.c.GetIntegration(f.ctx, &sdk.GetIntegrationInput{RestApiId: f.api, ResourceId: f.res, HttpMethod: aws.String("GET")})
	apiErr(t, err, "NotFoundException", "Invalid Integration identifier specified")

	// What is accepted.
	ok := []struct {
		name string
		in   sdk.PutIntegrationInput
	}{
		{"lambda proxy", sdk.PutIntegrationInput{Type: types.IntegrationTypeAwsProxy, IntegrationHttpMethod: aws.String("POST"), Uri: aws.String(integrationsLambdaURI)}},
		{"AWS action", sdk.PutIntegrationInput{Type: types.IntegrationTypeAws, IntegrationHttpMethod: aws.String("POST"),
			Uri: aws.String("arn:aws:apigateway:us-east-1:sqs:action/SendMessage"), Credentials: aws.String("arn:aws:iam::123456789012:role/r")}},
		{"stage variable host", sdk.PutIntegrationInput{Type: types.IntegrationTypeHttpProxy, IntegrationHttpMethod: aws.String("ANY"),
			Uri: aws.String("https://${stageVariables.host}/pets/{id}")}},
		{"declared path parameter mapping", sdk.PutIntegrationInput{Type: types.IntegrationTypeHttp, IntegrationHttpMethod: aws.String("GET"),
			Uri: aws.String("http://example.com/pets/{id}"), RequestParameters: map[string]string{
				"integration.request.path.id":       "method.request.path.id",
				"integration.request.header.x-src":  "'static'",
				"integration.request.querystring.r": "context.requestId",
			}}},
		{"VPC link", sdk.PutIntegrationInput{Type: types.IntegrationTypeHttpProxy, IntegrationHttpMethod: aws.String("GET"),
			Uri: aws.String("http://nlb.example.com"), ConnectionType: types.ConnectionTypeVpcLink, ConnectionId: aws.String("${stageVariables.vpcLinkId}")}},
	}
	for _, tc := range ok {
		t.Run("ok "+tc.name, func(t *testing.T) {
			in := tc.in
			in.RestApiId, in.ResourceId, in.HttpMethod = f.api, f.res, aws.String("GET")
			out, err := f.c.PutIntegration(f.ctx, &in)
			if err != nil {
				t.Fatal(err)
			}
			if out.Type != in.Type || aws.ToString(out.Uri) != aws.ToString(in.Uri) || aws.ToString(out.HttpMethod) != aws.ToString(in.IntegrationHttpMethod) {
				t.Fatalf("echo: %+v", out)
			}
			if in.ConnectionType == types.ConnectionTypeVpcLink && (out.ConnectionType != types.ConnectionTypeVpcLink || aws.ToString(out.ConnectionId) != "${stageVariables.vpcLinkId}") {
				t.Fatalf("vpc link echo: %+v", out)
			}
		})
	}
}

func TestUpdateIntegration(t *testing.T) {
	f := methodsSetup(t)
	f.putMethod(t, "GET", func(in *sdk.PutMethodInput) {
		in.RequestParameters = map[string]bool{"method.request.path.id": true, "method.request.querystring.q": false}
	})
	f.putIntegration(t, "GET", func(in *sdk.PutIntegrationInput) {
		in.Type = types.IntegrationTypeHttp
		in.IntegrationHttpMethod = aws.String("GET")
		in.Uri = aws.String("http://example.com/a")
	})

	up, err := f.updateIntegration("GET",
		patchOp(types.OpReplace, "/uri", "https://example.com/b/{id}"),
		patchOp(types.OpReplace, "/httpMethod", "POST"),
		patchOp(types.OpReplace, "/credentials", "arn:aws:iam::123456789012:role/r"),
		patchOp(types.OpReplace, "/passthroughBehavior", "WHEN_NO_TEMPLATES"),
		patchOp(types.OpReplace, "/contentHandling", "CONVERT_TO_BINARY"),
		patchOp(types.OpReplace, "/timeoutInMillis", "1000"),
		patchOp(types.OpReplace, "/connectionType", "VPC_LINK"),
		patchOp(types.OpReplace, "/connectionId", "abc123"),
		patchOp(types.OpReplace, "/cacheNamespace", "ns"),
		patchOp(types.OpAdd, "/cacheKeyParameters/method.request.querystring.q", ""),
		patchOp(types.OpAdd, "/cacheKeyParameters/method.request.path.id", ""),
		patchOp(types.OpAdd, "/requestParameters/integration.request.path.id", "method.request.path.id"),
		patchOp(types.OpAdd, "/requestTemplates/application~1json", `{"a":1}`),
		patchOp(types.OpReplace, "/tlsConfig/insecureSkipVerification", "true"),
	)
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(up.Uri) != "https://example.com/b/{id}" || aws.ToString(up.HttpMethod) != "POST" ||
		aws.ToString(up.Credentials) != "arn:aws:iam::123456789012:role/r" || aws.ToString(up.PassthroughBehavior) != "WHEN_NO_TEMPLATES" ||
		up.ContentHandling != types.ContentHandlingStrategyConvertToBinary || up.TimeoutInMillis != 1000 ||
		up.ConnectionType != types.ConnectionTypeVpcLink || aws.ToString(up.ConnectionId) != "abc123" || aws.ToString(up.CacheNamespace) != "ns" ||
		!slices.Equal(up.CacheKeyParameters, []string{"method.request.querystring.q", "method.request.path.id"}) ||
		up.RequestParameters["integration.request.path.id"] != "method.request.path.id" ||
		up.RequestTemplates["application/json"] != `{"a":1}` || up.TlsConfig == nil || !up.TlsConfig.InsecureSkipVerification {
		t.Fatalf("update: %+v", up)
	}

	up, err = f.updateIntegration("GET",
		patchOp(types.OpReplace, "/requestTemplates/application~1json", `{"a":2}`),
		patchOp(types.OpReplace, "/requestParameters/integration.request.path.id", "'fixed'"),
		patchOp(types.OpRemove, "/cacheKeyParameters/method.request.querystring.q"),
		types.PatchOperation{Op: types.OpReplace, Path: aws.String("/credentials")},
	)
	if err != nil || up.RequestTemplates["application/json"] != `{"a":2}` || up.RequestParameters["integration.request.path.id"] != "'fixed'" ||
		!slices.Equal(up.CacheKeyParameters, []string{"method.request.path.id"}) || up.Credentials != nil {
		t.Fatalf("replace: %v %+v", err, up)
	}

	// Removing the last entries drops the maps; cacheKeyParameters stays, empty.
	up, err = f.updateIntegration("GET",
		patchOp(types.OpRemove, "/requestTemplates/application~1json"),
		patchOp(types.OpRemove, "/requestParameters/integration.request.path.id"),
		patchOp(types.OpRemove, "/cacheKeyParameters/method.request.path.id"),
	)
	if err != nil || up.RequestTemplates != nil || up.RequestParameters != nil || up.CacheKeyParameters == nil || len(up.CacheKeyParameters) != 0 {
		t.Fatalf("remove: %v %+v", err, up)
	}

	got, err := f.c.GetIntegration(f.ctx, &sdk.GetIntegrationInput{RestApiId: f.api, ResourceId: f.res, HttpMethod: aws.String("GET")})
	if err != nil || aws.ToString(got.HttpMethod) != "POST" || got.TimeoutInMillis != 1000 {
		t.Fatalf("stored: %v %+v", err, got)
	}

	errCases := []struct {
		name      string
		verb      string
		ops       []types.PatchOperation
		code, msg string
	}{
		{"add on a replace-only path", "GET", []types.PatchOperation{patchOp(types.OpAdd, "/uri", "http://x.example")},
			"BadRequestException", "Invalid patch operation specified. Must be one of: [replace]"},
		{"replace cacheKeyParameters", "GET", []types.PatchOperation{patchOp(types.OpReplace, "/cacheKeyParameters/x", "y")},
			"BadRequestException", "Invalid patch operation specified. Must be one of: [add, remove]"},
		{"type is not updatable", "GET", []types.PatchOperation{patchOp(types.OpReplace, "/type", "MOCK")},
			"BadRequestException", "Invalid patch path /type"},
		{"unknown path", "GET", []types.PatchOperation{patchOp(types.OpReplace, "/nope", "x")},
			"BadRequestException", "Invalid patch path /nope"},
		{"timeout out of range", "GET", []types.PatchOperation{patchOp(types.OpReplace, "/timeoutInMillis", "30000")},
			"BadRequestException", "Timeout should be between 50 ms and 29000 ms"},
		{"timeout not a number", "GET", []types.PatchOperation{patchOp(types.OpReplace, "/timeoutInMillis", "soon")},
			"BadRequestException", "Timeout should be between 50 ms and 29000 ms"},
		{"bad uri for HTTP", "GET", []types.PatchOperation{patchOp(types.OpReplace, "/uri", "nope")},
			"BadRequestException", "Invalid HTTP endpoint specified for URI"},
		{"undeclared method parameter", "GET", []types.PatchOperation{patchOp(types.OpAdd, "/requestParameters/integration.request.header.h", "method.request.header.h")},
			"BadRequestException", "Invalid mapping expression specified: Validation Result: warnings : [], errors : [Invalid mapping expression parameter specified: method.request.header.h]"},
		{"method without integration", "PUT", nil, "NotFoundException", "Invalid Integration identifier specified"},
		{"unknown method", "POST", nil, "NotFoundException", "Invalid Integration identifier specified"},
	}
	f.putMethod(t, "PUT")
	for _, tc := range errCases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := f.updateIntegration(tc.verb, tc.ops...)
			apiErr(t, err, tc.code, tc.msg)
		})
	}
	_, err = f.c.UpdateIntegration(f.ctx, &sdk.UpdateIntegrationInput{RestApiId: f.api, ResourceId: aws.String("nope"), HttpMethod: aws.String("GET")})
	apiErr(t, err, "NotFoundException", "Invalid Resource identifier specified")
	_, err = f.c.GetIntegration(f.ctx, &sdk.GetIntegrationInput{RestApiId: aws.String("nope"), ResourceId: f.res, HttpMethod: aws.String("GET")})
	apiErr(t, err, "NotFoundException", "Invalid Resource identifier specified")
	_, err = f.c.GetIntegration(f.ctx, &sdk.GetIntegrationInput{RestApiId: f.api, ResourceId: f.res, HttpMethod: aws.String("POST")})
	apiErr(t, err, "NotFoundException", "Invalid Method identifier specified")
}

func TestIntegrationResponses(t *testing.T) {
	f := methodsSetup(t)
	f.putMethod(t, "GET")
	status := aws.String("200")
	putIR := func(in sdk.PutIntegrationResponseInput) (*sdk.PutIntegrationResponseOutput, error) {
		in.RestApiId, in.ResourceId, in.HttpMethod = f.api, f.res, aws.String("GET")
		if in.StatusCode == nil {
			in.StatusCode = status
		}
		return f.c.PutIntegrationResponse(f.ctx, &in)
	}

	_, err := putIR(sdk.PutIntegrationResponseInput{SelectionPattern: aws.String("")})
	apiErr(t, err, "NotFoundException", "No integration defined for method")
	_, err = f.c.GetIntegrationResponse(f.ctx, &sdk.GetIntegrationResponseInput{RestApiId: f.api, ResourceId: f.res, HttpMethod: aws.String("GET"), StatusCode: status})
	apiErr(t, err, "NotFoundException", "Invalid Integration identifier specified")

	f.putIntegration(t, "GET", func(in *sdk.PutIntegrationInput) {
		in.RequestTemplates = map[string]string{"application/json": `{"statusCode": 200}`}
	})

	put, err := putIR(sdk.PutIntegrationResponseInput{SelectionPattern: aws.String(""), ResponseTemplates: map[string]string{"application/json": `"created"`}})
	if err != nil || aws.ToString(put.StatusCode) != "200" || put.SelectionPattern == nil || *put.SelectionPattern != "" ||
		put.ResponseTemplates["application/json"] != `"created"` || put.ResponseParameters != nil {
		t.Fatalf("PutIntegrationResponse: %v %+v", err, put)
	}
	get, err := f.c.GetIntegrationResponse(f.ctx, &sdk.GetIntegrationResponseInput{RestApiId: f.api, ResourceId: f.res, HttpMethod: aws.String("GET"), StatusCode: status})
	if err != nil || get.SelectionPattern == nil || *get.SelectionPattern != "" {
		t.Fatalf("GetIntegrationResponse: %v %+v", err, get)
	}

	updIR := func(ops ...types.PatchOperation) (*sdk.UpdateIntegrationResponseOutput, error) {
		return f.c.UpdateIntegrationResponse(f.ctx, &sdk.UpdateIntegrationResponseInput{RestApiId: f.api, ResourceId: f.res, HttpMethod: aws.String("GET"), StatusCode: status, PatchOperations: ops})
	}
	up, err := updIR(patchOp(types.OpReplace, "/selectionPattern", "updated-pattern"),
		patchOp(types.OpReplace, "/contentHandling", "CONVERT_TO_TEXT"),
		patchOp(types.OpAdd, "/responseTemplates/application~1xml", "<a/>"),
		patchOp(types.OpReplace, "/responseTemplates/application~1json", "{}"))
	if err != nil || aws.ToString(up.SelectionPattern) != "updated-pattern" || up.ContentHandling != types.ContentHandlingStrategyConvertToText ||
		up.ResponseTemplates["application/xml"] != "<a/>" || up.ResponseTemplates["application/json"] != "{}" {
		t.Fatalf("UpdateIntegrationResponse: %v %+v", err, up)
	}

	// Header mappings need the header declared on the method response.
	_, err = updIR(patchOp(types.OpAdd, "/responseParameters/method.response.header.X-Origin", "'*'"))
	apiErr(t, err, "BadRequestException", "Invalid mapping expression specified: Validation Result: warnings : [], errors : [Invalid mapping expression parameter specified: method.response.header.X-Origin]")
	if _, err := f.c.PutMethodResponse(f.ctx, &sdk.PutMethodResponseInput{RestApiId: f.api, ResourceId: f.res, HttpMethod: aws.String("GET"), StatusCode: status,
		ResponseParameters: map[string]bool{"method.response.header.X-Origin": false}}); err != nil {
		t.Fatal(err)
	}
	up, err = updIR(patchOp(types.OpAdd, "/responseParameters/method.response.header.X-Origin", "'*'"),
		patchOp(types.OpRemove, "/responseTemplates/application~1xml"))
	if err != nil || up.ResponseParameters["method.response.header.X-Origin"] != "'*'" || len(up.ResponseTemplates) != 1 {
		t.Fatalf("add header mapping: %v %+v", err, up)
	}
	up, err = updIR(patchOp(types.OpRemove, "/responseParameters/method.response.header.X-Origin"),
		types.PatchOperation{Op: types.OpReplace, Path: aws.String("/contentHandling")})
	if err != nil || up.ResponseParameters != nil || up.ContentHandling != "" {
		t.Fatalf("remove header mapping: %v %+v", err, up)
	}

	// A second put replaces the response [V]; GetMethod embeds it.
	put, err = putIR(sdk.PutIntegrationResponseInput{SelectionPattern: aws.String("overwrite-pattern"), ResponseTemplates: map[string]string{"application/json": "overwrite"}})
	if err != nil || aws.ToString(put.SelectionPattern) != "overwrite-pattern" || put.ContentHandling != "" {
		t.Fatalf("overwrite: %v %+v", err, put)
	}
	if _, err := putIR(sdk.PutIntegrationResponseInput{StatusCode: aws.String("400"), SelectionPattern: aws.String("4\\d{2}")}); err != nil {
		t.Fatal(err)
	}
	m, err := f.c.GetMethod(f.ctx, &sdk.GetMethodInput{RestApiId: f.api, ResourceId: f.res, HttpMethod: aws.String("GET")})
	if err != nil || m.MethodIntegration == nil || len(m.MethodIntegration.IntegrationResponses) != 2 ||
		m.MethodIntegration.IntegrationResponses["200"].ResponseTemplates["application/json"] != "overwrite" ||
		aws.ToString(m.MethodIntegration.IntegrationResponses["400"].SelectionPattern) != "4\\d{2}" {
		t.Fatalf("GetMethod integrationResponses: %v %+v", err, m.MethodIntegration)
	}

	errCases := []struct {
		name      string
		do        func() error
		code, msg string
	}{
		{"put with undeclared header", func() error {
			_, err := putIR(sdk.PutIntegrationResponseInput{ResponseParameters: map[string]string{"method.response.header.Y": "'y'"}})
			return err
		}, "BadRequestException", "Invalid mapping expression specified: Validation Result: warnings : [], errors : [Invalid mapping expression parameter specified: method.response.header.Y]"},
		{"put invalid status", func() error {
			_, err := putIR(sdk.PutIntegrationResponseInput{StatusCode: aws.String("wrong")})
			return err
		}, "ValidationException", ""},
		{"put unknown method", func() error {
			_, err := f.c.PutIntegrationResponse(f.ctx, &sdk.PutIntegrationResponseInput{RestApiId: f.api, ResourceId: f.res, HttpMethod: aws.String("wrong-method"), StatusCode: status})
			return err
		}, "NotFoundException", "Invalid Method identifier specified"},
		{"put unknown resource", func() error {
			_, err := f.c.PutIntegrationResponse(f.ctx, &sdk.PutIntegrationResponseInput{RestApiId: f.api, ResourceId: aws.String("wrong-resource"), HttpMethod: aws.String("GET"), StatusCode: status})
			return err
		}, "NotFoundException", "Invalid Resource identifier specified"},
		{"put unknown api", func() error {
			_, err := f.c.PutIntegrationResponse(f.ctx, &sdk.PutIntegrationResponseInput{RestApiId: aws.String("wrong-api"), ResourceId: f.res, HttpMethod: aws.String("GET"), StatusCode: status})
			return err
		}, "NotFoundException", "Invalid Resource identifier specified"},
		{"get unknown status", func() error {
			_, err := f.c.GetIntegrationResponse(f.ctx, &sdk.GetIntegrationResponseInput{RestApiId: f.api, ResourceId: f.res, HttpMethod: aws.String("GET"), StatusCode: aws.String("201")})
			return err
		}, "NotFoundException", "Invalid Response status code specified"},
		{"get unknown method", func() error {
			_, err := f.c.GetIntegrationResponse(f.ctx, &sdk.GetIntegrationResponseInput{RestApiId: f.api, ResourceId: f.res, HttpMethod: aws.String("wrong-method"), StatusCode: status})
			return err
		}, "NotFoundException", "Invalid Method identifier specified"},
		{"update unknown status", func() error {
			_, err := f.c.UpdateIntegrationResponse(f.ctx, &sdk.UpdateIntegrationResponseInput{RestApiId: f.api, ResourceId: f.res, HttpMethod: aws.String("GET"), StatusCode: aws.String("201")})
			return err
		}, "NotFoundException", "Invalid Response status code specified"},
		{"update bad path", func() error {
			_, err := updIR(patchOp(types.OpReplace, "/statusCode", "201"))
			return err
		}, "BadRequestException", "Invalid patch path /statusCode"},
		{"update add selectionPattern", func() error {
			_, err := updIR(patchOp(types.OpAdd, "/selectionPattern", "x"))
			return err
		}, "BadRequestException", "Invalid patch operation specified. Must be one of: [replace]"},
		{"update replace missing template", func() error {
			_, err := updIR(patchOp(types.OpReplace, "/responseTemplates/text~1plain", "x"))
			return err
		}, "NotFoundException", "Content-Type specified was not found"},
		{"update remove missing parameter", func() error {
			_, err := updIR(patchOp(types.OpRemove, "/responseParameters/method.response.header.Z"))
			return err
		}, "NotFoundException", "Invalid parameter name specified"},
		{"delete unknown status", func() error {
			_, err := f.c.DeleteIntegrationResponse(f.ctx, &sdk.DeleteIntegrationResponseInput{RestApiId: f.api, ResourceId: f.res, HttpMethod: aws.String("GET"), StatusCode: aws.String("201")})
			return err
		}, "NotFoundException", "Invalid Response status code specified"},
		{"delete unknown method", func() error {
			_, err := f.c.DeleteIntegrationResponse(f.ctx, &sdk.DeleteIntegrationResponseInput{RestApiId: f.api, ResourceId: f.res, HttpMethod: aws.String("POST"), StatusCode: status})
			return err
		}, "NotFoundException", "Invalid Integration identifier specified"},
		{"delete unknown api", func() error {
			_, err := f.c.DeleteIntegrationResponse(f.ctx, &sdk.DeleteIntegrationResponseInput{RestApiId: aws.String("nope"), ResourceId: f.res, HttpMethod: aws.String("GET"), StatusCode: status})
			return err
		}, "NotFoundException", "Invalid Resource identifier specified"},
	}
	for _, tc := range errCases {
		t.Run(tc.name, func(t *testing.T) { apiErr(t, tc.do(), tc.code, tc.msg) })
	}

	if _, err := f.c.DeleteIntegrationResponse(f.ctx, &sdk.DeleteIntegrationResponseInput{RestApiId: f.api, ResourceId: f.res, HttpMethod: aws.String("GET"), StatusCode: status}); err != nil {
		t.Fatal(err)
	}
	_, err = f.c.GetIntegrationResponse(f.ctx, &sdk.GetIntegrationResponseInput{RestApiId: f.api, ResourceId: f.res, HttpMethod: aws.String("GET"), StatusCode: status})
	apiErr(t, err, "NotFoundException", "Invalid Response status code specified")
	if _, err := f.c.GetIntegrationResponse(f.ctx, &sdk.GetIntegrationResponseInput{RestApiId: f.api, ResourceId: f.res, HttpMethod: aws.String("GET"), StatusCode: aws.String("400")}); err != nil {
		t.Fatalf("other response survives: %v", err)
	}
}

// Deleting an integration clears its integration responses.
func TestDeleteIntegrationClearsResponses(t *testing.T) {
	f := methodsSetup(t)
	f.putMethod(t, "GET")
	f.putIntegration(t, "GET")
	if _, err := f.c.PutIntegrationResponse(f.ctx, &sdk.PutIntegrationResponseInput{RestApiId: f.api, ResourceId: f.res, HttpMethod: aws.String("GET"), StatusCode: aws.String("200")}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.c.DeleteIntegration(f.ctx, &sdk.DeleteIntegrationInput{RestApiId: f.api, ResourceId: f.res, HttpMethod: aws.String("GET")}); err != nil {
		t.Fatal(err)
	}
	_, err := f.c.GetIntegrationResponse(f.ctx, &sdk.GetIntegrationResponseInput{RestApiId: f.api, ResourceId: f.res, HttpMethod: aws.String("GET"), StatusCode: aws.String("200")})
	apiErr(t, err, "NotFoundException", "Invalid Integration identifier specified")
	f.putIntegration(t, "GET")
	_, err = f.c.GetIntegrationResponse(f.ctx, &sdk.GetIntegrationResponseInput{RestApiId: f.api, ResourceId: f.res, HttpMethod: aws.String("GET"), StatusCode: aws.String("200")})
	apiErr(t, err, "NotFoundException", "Invalid Response status code specified")
	m, err := f.c.GetMethod(f.ctx, &sdk.GetMethodInput{RestApiId: f.api, ResourceId: f.res, HttpMethod: aws.String("GET")})
	if err != nil || m.MethodIntegration == nil || m.MethodIntegration.IntegrationResponses != nil {
		t.Fatalf("integration responses after re-put: %v %+v", err, m.MethodIntegration)
	}
}
