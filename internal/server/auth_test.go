package server_test

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	sdk "github.com/aws/aws-sdk-go-v2/service/apigateway"
	appsdk "github.com/aws/aws-sdk-go-v2/service/appconfig"

	"github.com/stagecraft/stagecraft/internal/app"
	"github.com/stagecraft/stagecraft/internal/testenv"
)

const strictKey, strictSecret = "AKIDSTRICT", "s3cr3t/with+chars"

func strictEnv(t *testing.T) *testenv.Env {
	return testenv.Start(t, testenv.WithConfig(func(c *app.Config) {
		c.Auth = "strict"
		c.AuthKeys = map[string]string{strictKey: strictSecret, "123456789012": "acct-secret"}
	}))
}

// With --auth strict, the whole server (not just the verifier) accepts
// correctly signed requests from every client and refuses the rest with
// AWS's errors.
func TestStrictAuthGoSDK(t *testing.T) {
	env := strictEnv(t)
	ctx := context.Background()
	good := sdk.NewFromConfig(env.AWSConfigFor(strictKey, strictSecret))
	if _, err := good.CreateRestApi(ctx, &sdk.CreateRestApiInput{Name: aws.String("signed")}); err != nil {
		t.Fatal(err)
	}
	// A 12-digit access key id is the account.
	acct := sdk.NewFromConfig(env.AWSConfigFor("123456789012", "acct-secret"))
	_, err := acct.GetRestApi(ctx, &sdk.GetRestApiInput{RestApiId: aws.String("nope")})
	apiErrCode(t, err, "NotFoundException", "Invalid API identifier specified 123456789012:nope")

	_, err = sdk.NewFromConfig(env.AWSConfigFor(strictKey, "wrong")).GetRestApis(ctx, &sdk.GetRestApisInput{})
	apiErrCode(t, err, "InvalidSignatureException", "")
	_, err = sdk.NewFromConfig(env.AWSConfigFor("AKIDUNKNOWN", "x")).GetRestApis(ctx, &sdk.GetRestApisInput{})
	apiErrCode(t, err, "UnrecognizedClientException", "The security token included in the request is invalid.")
	_, err = appsdk.NewFromConfig(env.AWSConfigFor(strictKey, "wrong")).ListApplications(ctx, &appsdk.ListApplicationsInput{})
	apiErrCode(t, err, "InvalidSignatureException", "")
}

func TestStrictAuthPythonAndCLIs(t *testing.T) {
	env := strictEnv(t)
	testenv.RequireCLIv1(t)
	cliEnv := func(secret string) []string {
		return append(os.Environ(), "AWS_ACCESS_KEY_ID="+strictKey, "AWS_SECRET_ACCESS_KEY="+secret,
			"AWS_DEFAULT_REGION=us-east-1", "AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null", "AWS_MAX_ATTEMPTS=1")
	}
	run := func(bin string, args []string, secret string) (string, bool) {
		cmd := exec.Command(bin, append(args, "--endpoint-url", env.URL)...)
		cmd.Env = cliEnv(secret)
		out, err := cmd.CombinedOutput()
		return string(out), err == nil
	}
	cli1 := []string{"-m", "awscli", "apigateway", "create-rest-api", "--name", "from-cli"}
	if out, ok := run("python3", cli1, strictSecret); !ok {
		t.Fatalf("CLI v1 signed request refused: %s", out)
	}
	if out, ok := run("python3", cli1, "bad"); ok || !strings.Contains(out, "InvalidSignatureException") {
		t.Fatalf("CLI v1 bad signature: ok=%v %s", ok, out)
	}
	v2 := testenv.CLIv2(t)
	if out, ok := run(v2, []string{"apigateway", "get-rest-apis"}, strictSecret); !ok || !strings.Contains(out, "from-cli") {
		t.Fatalf("CLI v2 signed request: ok=%v %s", ok, out)
	}
	if out, ok := run(v2, []string{"apigateway", "get-rest-apis"}, "bad"); ok || !strings.Contains(out, "InvalidSignatureException") {
		t.Fatalf("CLI v2 bad signature: ok=%v %s", ok, out)
	}
	script := `
import boto3, botocore, os
def client(secret):
    return boto3.client("apigateway", endpoint_url=os.environ["STAGECRAFT_URL"], region_name="us-east-1",
        aws_access_key_id="` + strictKey + `", aws_secret_access_key=secret)
print(len(client("` + strictSecret + `").get_rest_apis()["items"]))
try:
    client("bad").get_rest_apis()
    print("accepted")
except botocore.exceptions.ClientError as e:
    print(e.response["Error"]["Code"], e.response["ResponseMetadata"]["HTTPStatusCode"])
`
	out := env.Python(t, script)
	if out != "1\nInvalidSignatureException 403\n" {
		t.Fatalf("boto3: %q", out)
	}
}
