package apigateway_test

import (
	"context"
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	sdk "github.com/aws/aws-sdk-go-v2/service/apigateway"
	"github.com/aws/aws-sdk-go-v2/service/apigateway/types"

	"github.com/stagecraft/stagecraft/internal/testenv"
)

const (
	azURI  = "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:auth/invocations"
	azPool = "arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_AbCdEf123"
)

func TestAuthorizerLifecycle(t *testing.T) {
	env := testenv.Start(t)
	c := env.APIGateway()
	ctx := context.Background()
	api, root := mdlNewAPI(t, c)

	tok, err := c.CreateAuthorizer(ctx, &sdk.CreateAuthorizerInput{RestApiId: aws.String(api), Name: aws.String("tok"),
		Type: types.AuthorizerTypeToken, AuthorizerUri: aws.String(azURI), IdentitySource: aws.String("method.request.header.Authorization"),
		IdentityValidationExpression: aws.String("^Bearer .+$"), AuthorizerCredentials: aws.String("arn:aws:iam::123456789012:role/invoke")})
	if err != nil {
		t.Fatal(err)
	}
	if !rvIDRE.MatchString(aws.ToString(tok.Id)) || aws.ToInt32(tok.AuthorizerResultTtlInSeconds) != 300 || tok.Type != types.AuthorizerTypeToken ||
		aws.ToString(tok.AuthorizerUri) != azURI || aws.ToString(tok.IdentityValidationExpression) != "^Bearer .+$" || tok.ProviderARNs != nil {
		t.Fatalf("TOKEN: %+v", tok)
	}
	// REQUEST: several sources; without caching no source is needed.
	req, err := c.CreateAuthorizer(ctx, &sdk.CreateAuthorizerInput{RestApiId: aws.String(api), Name: aws.String("req"),
		Type: types.AuthorizerTypeRequest, AuthorizerUri: aws.String(azURI), AuthorizerResultTtlInSeconds: aws.Int32(0)})
	if err != nil || aws.ToInt32(req.AuthorizerResultTtlInSeconds) != 0 || req.IdentitySource != nil {
		t.Fatalf("REQUEST without caching: %v %+v", err, req)
	}
	if _, err := c.CreateAuthorizer(ctx, &sdk.CreateAuthorizerInput{RestApiId: aws.String(api), Name: aws.String("req2"),
		Type: types.AuthorizerTypeRequest, AuthorizerUri: aws.String(azURI),
		IdentitySource: aws.String("method.request.header.Auth, method.request.querystring.Name, stageVariables.s, context.path")}); err != nil {
		t.Fatal(err)
	}
	cog, err := c.CreateAuthorizer(ctx, &sdk.CreateAuthorizerInput{RestApiId: aws.String(api), Name: aws.String("cog"),
		Type: types.AuthorizerTypeCognitoUserPools, ProviderARNs: []string{azPool}, IdentitySource: aws.String("method.request.header.Authorization")})
	if err != nil || !slices.Equal(cog.ProviderARNs, []string{azPool}) || cog.AuthorizerUri != nil {
		t.Fatalf("COGNITO: %v %+v", err, cog)
	}

	var names []string
	var pos *string
	for pages := 0; ; pages++ {
		out, err := c.GetAuthorizers(ctx, &sdk.GetAuthorizersInput{RestApiId: aws.String(api), Limit: aws.Int32(3), Position: pos})
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range out.Items {
			names = append(names, aws.ToString(a.Name))
		}
		if pos = out.Position; pos == nil {
			if pages != 1 {
				t.Fatalf("4 authorizers in pages of 3 took %d pages", pages+1)
			}
			break
		}
	}
	slices.Sort(names)
	if !slices.Equal(names, []string{"cog", "req", "req2", "tok"}) {
		t.Fatalf("listed %v", names)
	}

	upd := func(id *string, ops ...types.PatchOperation) (*sdk.UpdateAuthorizerOutput, error) {
		return c.UpdateAuthorizer(ctx, &sdk.UpdateAuthorizerInput{RestApiId: aws.String(api), AuthorizerId: id, PatchOperations: ops})
	}
	up, err := upd(tok.Id, mdlOp(types.OpReplace, "/name", "token"), mdlOp(types.OpReplace, "/authorizerResultTtlInSeconds", "60"),
		mdlOp(types.OpReplace, "/authorizerCredentials", ""), mdlOp(types.OpReplace, "/identitySource", "method.request.header.X-Token"))
	if err != nil || aws.ToString(up.Name) != "token" || aws.ToInt32(up.AuthorizerResultTtlInSeconds) != 60 ||
		up.AuthorizerCredentials != nil || aws.ToString(up.IdentitySource) != "method.request.header.X-Token" {
		t.Fatalf("update TOKEN: %v %+v", err, up)
	}
	got, err := c.GetAuthorizer(ctx, &sdk.GetAuthorizerInput{RestApiId: aws.String(api), AuthorizerId: tok.Id})
	if err != nil || aws.ToString(got.Name) != "token" || aws.ToInt32(got.AuthorizerResultTtlInSeconds) != 60 {
		t.Fatalf("get after update: %v %+v", err, got)
	}
	// providerARNs: add then remove, the way Terraform sends them.
	pool2 := "arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_Other"
	up, err = upd(cog.Id, mdlOp(types.OpAdd, "/providerARNs", pool2), mdlOp(types.OpRemove, "/providerARNs", azPool))
	if err != nil || !slices.Equal(up.ProviderARNs, []string{pool2}) {
		t.Fatalf("providerARNs: %v %+v", err, up)
	}

	for _, tc := range []struct {
		name string
		id   *string
		ops  []types.PatchOperation
		code string
		msg  string
	}{
		{"unsupported path", tok.Id, []types.PatchOperation{mdlOp(types.OpReplace, "/id", "x")}, "BadRequestException",
			"Invalid patch path  '/id' specified for op 'replace'. Please choose supported operations"},
		{"ttl too big", tok.Id, []types.PatchOperation{mdlOp(types.OpReplace, "/authorizerResultTtlInSeconds", "3601")}, "BadRequestException",
			"Authorizer result TTL must be between 0 and 3600 seconds"},
		{"bad uri", tok.Id, []types.PatchOperation{mdlOp(types.OpReplace, "/authorizerUri", "arn:aws:lambda:us-east-1:123456789012:function:auth")}, "BadRequestException",
			"Invalid Authorizer URI: arn:aws:lambda:us-east-1:123456789012:function:auth. Authorizer URI should be a valid API Gateway ARN that represents a Lambda function invocation."},
		{"last provider", cog.Id, []types.PatchOperation{mdlOp(types.OpRemove, "/providerARNs", pool2)}, "BadRequestException",
			"ProviderARNs must be specified for a COGNITO_USER_POOLS authorizer"},
		{"unknown", aws.String("nope00"), []types.PatchOperation{mdlOp(types.OpReplace, "/name", "x")}, "NotFoundException",
			"Invalid Authorizer identifier specified"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := upd(tc.id, tc.ops...)
			apiErr(t, err, tc.code, tc.msg)
		})
	}

	// An authorizer a method uses cannot be deleted [C: "Cannot delete
	// authorizer 'xxxx', is referenced in method: GET//test"].
	res, err := c.CreateResource(ctx, &sdk.CreateResourceInput{RestApiId: aws.String(api), ParentId: aws.String(root), PathPart: aws.String("test")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.PutMethod(ctx, &sdk.PutMethodInput{RestApiId: aws.String(api), ResourceId: res.Id, HttpMethod: aws.String("GET"),
		AuthorizationType: aws.String("CUSTOM"), AuthorizerId: tok.Id}); err != nil {
		t.Fatal(err)
	}
	_, err = c.DeleteAuthorizer(ctx, &sdk.DeleteAuthorizerInput{RestApiId: aws.String(api), AuthorizerId: tok.Id})
	apiErr(t, err, "ConflictException", "Cannot delete authorizer 'token', is referenced in method: GET//test")
	if _, err := c.DeleteMethod(ctx, &sdk.DeleteMethodInput{RestApiId: aws.String(api), ResourceId: res.Id, HttpMethod: aws.String("GET")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DeleteAuthorizer(ctx, &sdk.DeleteAuthorizerInput{RestApiId: aws.String(api), AuthorizerId: tok.Id}); err != nil {
		t.Fatal(err)
	}
	_, err = c.GetAuthorizer(ctx, &sdk.GetAuthorizerInput{RestApiId: aws.String(api), AuthorizerId: tok.Id})
	apiErr(t, err, "NotFoundException", "Invalid Authorizer identifier specified")
	_, err = c.DeleteAuthorizer(ctx, &sdk.DeleteAuthorizerInput{RestApiId: aws.String(api), AuthorizerId: tok.Id})
	apiErr(t, err, "NotFoundException", "Invalid Authorizer identifier specified")
}

func TestCreateAuthorizerValidation(t *testing.T) {
	env := testenv.Start(t)
	c := env.APIGateway()
	ctx := context.Background()
	api, _ := mdlNewAPI(t, c)
	header := aws.String("method.request.header.Authorization")
	for _, tc := range []struct {
		name string
		in   sdk.CreateAuthorizerInput
		code string
		msg  string
	}{
		// [V] the odd 409 for an unknown API.
		{"unknown api", sdk.CreateAuthorizerInput{RestApiId: aws.String("test-fake-rest-id"), Type: types.AuthorizerTypeToken,
			AuthorizerUri: aws.String(azURI), IdentitySource: header},
			"ConflictException", "Unable to complete operation due to concurrent modification. Please try again later."},
		{"bad type", sdk.CreateAuthorizerInput{Type: "JWT"}, "ValidationException",
			"1 validation error detected: Value 'JWT' at 'createAuthorizerInput.type' failed to satisfy constraint: Member must satisfy enum value set: [TOKEN, REQUEST, COGNITO_USER_POOLS]"},
		{"token without uri", sdk.CreateAuthorizerInput{Type: types.AuthorizerTypeToken, IdentitySource: header}, "BadRequestException",
			"Invalid Authorizer URI: null. Authorizer URI should be a valid API Gateway ARN that represents a Lambda function invocation."},
		{"uri without region", sdk.CreateAuthorizerInput{Type: types.AuthorizerTypeToken, IdentitySource: header,
			AuthorizerUri: aws.String("arn:aws:apigateway:region:lambda:path/2015-03-31/functions/arn:aws:lambda:us-west-2:1:function:f/invocations")},
			"BadRequestException", "Invalid Authorizer URI: arn:aws:apigateway:region:lambda:path/2015-03-31/functions/arn:aws:lambda:us-west-2:1:function:f/invocations. Authorizer URI should be a valid API Gateway ARN that represents a Lambda function invocation."},
		{"token from query", sdk.CreateAuthorizerInput{Type: types.AuthorizerTypeToken, AuthorizerUri: aws.String(azURI),
			IdentitySource: aws.String("method.request.querystring.key")}, "BadRequestException",
			"Invalid token source expression: method.request.querystring.key. The source must be a method request header, matching 'method.request.header.[a-zA-Z0-9._-]+'."},
		{"token without source", sdk.CreateAuthorizerInput{Type: types.AuthorizerTypeToken, AuthorizerUri: aws.String(azURI)}, "BadRequestException",
			"Invalid token source expression: null. The source must be a method request header, matching 'method.request.header.[a-zA-Z0-9._-]+'."},
		{"request cached without source", sdk.CreateAuthorizerInput{Type: types.AuthorizerTypeRequest, AuthorizerUri: aws.String(azURI)},
			"BadRequestException", "Identity source must be specified when authorization caching is enabled"},
		{"request bad source", sdk.CreateAuthorizerInput{Type: types.AuthorizerTypeRequest, AuthorizerUri: aws.String(azURI),
			IdentitySource: aws.String("method.request.header.A, header.B")}, "BadRequestException", "Invalid identity source expression: header.B"},
		{"cognito without pools", sdk.CreateAuthorizerInput{Type: types.AuthorizerTypeCognitoUserPools, IdentitySource: header},
			"BadRequestException", "ProviderARNs must be specified for a COGNITO_USER_POOLS authorizer"},
		{"cognito identity pool", sdk.CreateAuthorizerInput{Type: types.AuthorizerTypeCognitoUserPools, IdentitySource: header,
			ProviderARNs: []string{"arn:aws:cognito-identity:us-east-1:123456789012:identitypool/us-east-1:abc"}}, "BadRequestException",
			"ProviderARNs need to be valid Cognito Userpools. Invalid ARNs- arn:aws:cognito-identity:us-east-1:123456789012:identitypool/us-east-1:abc"},
		{"ttl", sdk.CreateAuthorizerInput{Type: types.AuthorizerTypeToken, AuthorizerUri: aws.String(azURI), IdentitySource: header,
			AuthorizerResultTtlInSeconds: aws.Int32(3601)}, "BadRequestException", "Authorizer result TTL must be between 0 and 3600 seconds"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := tc.in
			if in.RestApiId == nil {
				in.RestApiId = aws.String(api)
			}
			in.Name = aws.String("a")
			_, err := c.CreateAuthorizer(ctx, &in)
			apiErr(t, err, tc.code, tc.msg)
		})
	}
	// Lookups against an unknown API get the usual 404 [V for GetAuthorizers].
	_, err := c.GetAuthorizers(ctx, &sdk.GetAuthorizersInput{RestApiId: aws.String("test-fake-rest-id")})
	apiErr(t, err, "NotFoundException", "Invalid API identifier specified 000000000000:test-fake-rest-id")
	_, err = c.GetAuthorizer(ctx, &sdk.GetAuthorizerInput{RestApiId: aws.String("test-fake-rest-id"), AuthorizerId: aws.String("abc123")})
	apiErr(t, err, "NotFoundException", "Invalid API identifier specified 000000000000:test-fake-rest-id")
	all, err := c.GetAuthorizers(ctx, &sdk.GetAuthorizersInput{RestApiId: aws.String(api)})
	if err != nil || len(all.Items) != 0 {
		t.Fatalf("a refused authorizer was stored: %v %+v", err, all)
	}
}
