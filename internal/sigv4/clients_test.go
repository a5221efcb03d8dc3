package sigv4

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/apigateway"
	agtypes "github.com/aws/aws-sdk-go-v2/service/apigateway/types"
	"github.com/aws/aws-sdk-go-v2/service/appconfig"
	"github.com/aws/smithy-go"
)

// The key pair the end-to-end servers know.
const (
	e2eKeyID  = "AKIDSTAGECRAFTTEST"
	e2eSecret = "stagecraft/Secret+Key/EXAMPLE0123456789abcd"
)

// verifyServer is a loopback HTTP server that verifies every request and
// answers 200 {} or the AWS error.
type verifyServer struct {
	*httptest.Server
	mu     sync.Mutex
	failed []*Error // verification failures, for diagnostics
}

// newVerifyServer starts a server whose clock runs offset from the real one.
func newVerifyServer(t *testing.T, offset time.Duration) *verifyServer {
	t.Helper()
	s := &verifyServer{}
	v := &Verifier{
		Lookup: func(id string) (string, bool) {
			if id == e2eKeyID {
				return e2eSecret, true
			}
			return "", false
		},
		Now: func() time.Time { return time.Now().Add(offset) },
	}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		if err := v.Verify(r, body); err != nil {
			e := err.(*Error)
			s.mu.Lock()
			s.failed = append(s.failed, e)
			s.mu.Unlock()
			e.Write(w)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte("{}"))
	}))
	t.Cleanup(s.Close)
	return s
}

// lastFailure describes the most recent verification failure.
func (s *verifyServer) lastFailure() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.failed) == 0 {
		return "(the server rejected nothing)"
	}
	e := s.failed[len(s.failed)-1]
	return e.Error() + "\ncanonical request:\n" + e.CanonicalRequest
}

// apiCode is the AWS error code of a client error, "" for nil.
func apiCode(err error) string {
	if err == nil {
		return ""
	}
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return "not an API error: " + err.Error()
}

func TestGoSDKClients(t *testing.T) {
	srv := newVerifyServer(t, 0)
	skewed := newVerifyServer(t, time.Hour)
	ctx := context.Background()

	apigw := func(s *verifyServer, key, secret, token string) *apigateway.Client {
		return apigateway.New(apigateway.Options{
			Region:           "us-east-1",
			BaseEndpoint:     aws.String(s.URL),
			Credentials:      credentials.NewStaticCredentialsProvider(key, secret, token),
			RetryMaxAttempts: 1,
			HTTPClient:       s.Client(),
		})
	}
	appcfg := func(s *verifyServer, key, secret string) *appconfig.Client {
		return appconfig.New(appconfig.Options{
			Region:           "eu-west-1",
			BaseEndpoint:     aws.String(s.URL),
			Credentials:      credentials.NewStaticCredentialsProvider(key, secret, ""),
			RetryMaxAttempts: 1,
			HTTPClient:       s.Client(),
		})
	}
	good := apigw(srv, e2eKeyID, e2eSecret, "")

	tests := []struct {
		name    string
		srv     *verifyServer
		call    func() error
		code    string
		message string // prefix of the error message, when set
	}{
		{name: "apigateway GetRestApis", srv: srv, call: func() error {
			_, err := good.GetRestApis(ctx, &apigateway.GetRestApisInput{})
			return err
		}},
		{name: "apigateway GetRestApis query", srv: srv, call: func() error {
			_, err := good.GetRestApis(ctx, &apigateway.GetRestApisInput{Limit: aws.Int32(5), Position: aws.String("a b/c+d ü")})
			return err
		}},
		{name: "apigateway GetTags encoded ARN", srv: srv, call: func() error {
			_, err := good.GetTags(ctx, &apigateway.GetTagsInput{ResourceArn: aws.String("arn:aws:apigateway:us-east-1::/restapis/abc")})
			return err
		}},
		{name: "apigateway GetStage $default", srv: srv, call: func() error {
			_, err := good.GetStage(ctx, &apigateway.GetStageInput{RestApiId: aws.String("abc"), StageName: aws.String("$default")})
			return err
		}},
		{name: "apigateway CreateRestApi unicode body", srv: srv, call: func() error {
			_, err := good.CreateRestApi(ctx, &apigateway.CreateRestApiInput{Name: aws.String("ünïcode api"), Description: aws.String("a  b")})
			return err
		}},
		{name: "apigateway PutRestApi binary body", srv: srv, call: func() error {
			_, err := good.PutRestApi(ctx, &apigateway.PutRestApiInput{
				RestApiId: aws.String("abc"), Mode: agtypes.PutModeOverwrite, Body: binaryBody,
				Parameters: map[string]string{"ignore": "documentation", "a b": "c/d"},
			})
			return err
		}},
		{name: "apigateway session token", srv: srv, call: func() error {
			_, err := apigw(srv, e2eKeyID, e2eSecret, "FwoGZXIvYXdzEXAMPLE/token+=").GetRestApis(ctx, nil)
			return err
		}},
		{name: "appconfig ListApplications", srv: srv, call: func() error {
			_, err := appcfg(srv, e2eKeyID, e2eSecret).ListApplications(ctx, &appconfig.ListApplicationsInput{MaxResults: aws.Int32(10), NextToken: aws.String("n t/1")})
			return err
		}},
		{name: "appconfig CreateHostedConfigurationVersion binary", srv: srv, call: func() error {
			_, err := appcfg(srv, e2eKeyID, e2eSecret).CreateHostedConfigurationVersion(ctx, &appconfig.CreateHostedConfigurationVersionInput{
				ApplicationId: aws.String("app1"), ConfigurationProfileId: aws.String("prof1"),
				Content: binaryBody, ContentType: aws.String("application/octet-stream"),
			})
			return err
		}},
		{name: "apigateway wrong secret", srv: srv, code: CodeInvalidSignature, message: MsgSignatureMismatch, call: func() error {
			_, err := apigw(srv, e2eKeyID, e2eSecret+"x", "").GetRestApis(ctx, nil)
			return err
		}},
		{name: "apigateway unknown key", srv: srv, code: CodeUnrecognizedClient, message: MsgUnrecognizedClient, call: func() error {
			_, err := apigw(srv, "AKIDUNKNOWN", e2eSecret, "").GetRestApis(ctx, nil)
			return err
		}},
		{name: "appconfig wrong secret", srv: srv, code: CodeInvalidSignature, message: MsgSignatureMismatch, call: func() error {
			_, err := appcfg(srv, e2eKeyID, "wrong").ListApplications(ctx, nil)
			return err
		}},
		{name: "apigateway clock skew", srv: skewed, code: CodeInvalidSignature, message: "Signature expired: ", call: func() error {
			_, err := apigw(skewed, e2eKeyID, e2eSecret, "").GetRestApis(ctx, nil)
			return err
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call()
			if got := apiCode(err); got != tt.code {
				t.Fatalf("got %q (%v), want %q\nserver: %s", got, err, tt.code, tt.srv.lastFailure())
			}
			var ae smithy.APIError
			if tt.message != "" && errors.As(err, &ae) && !strings.HasPrefix(ae.ErrorMessage(), tt.message) {
				t.Errorf("message %q, want prefix %q", ae.ErrorMessage(), tt.message)
			}
		})
	}
}

// TestGoPresignedURL presigns with aws-sdk-go-v2's signer and fetches the
// URL over loopback.
func TestGoPresignedURL(t *testing.T) {
	srv := newVerifyServer(t, 0)
	skewed := newVerifyServer(t, 10*time.Minute)
	req, err := http.NewRequest("GET", srv.URL+"/tags/arn%3Aaws%3Aapigateway%3Aus-east-1%3A%3A%2Frestapis%2Fabc?limit=5&position=a%20b", nil)
	if err != nil {
		t.Fatal(err)
	}
	q := req.URL.Query()
	q.Set("X-Amz-Expires", "300")
	req.URL.RawQuery = q.Encode()
	creds := aws.Credentials{AccessKeyID: e2eKeyID, SecretAccessKey: e2eSecret, SessionToken: "session/token+="}
	const emptySHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
	signed, _, err := v4.NewSigner().PresignHTTP(context.Background(), creds, req, emptySHA256, "apigateway", "us-east-1", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	checkPresigned(t, srv, skewed, signed)
}

// checkPresigned fetches a presigned URL as is (200), tampered (403
// InvalidSignatureException) and from a server whose clock is past
// X-Amz-Expires (403 "Signature expired").
func checkPresigned(t *testing.T, srv, late *verifyServer, signed string) {
	t.Helper()
	u, err := url.Parse(signed)
	if err != nil {
		t.Fatal(err)
	}
	tampered := *u
	tampered.RawQuery = strings.Replace(u.RawQuery, "limit=5", "limit=6", 1)
	if tampered.RawQuery == u.RawQuery {
		t.Fatalf("no limit=5 in %s", signed)
	}
	expired := *u
	expired.Host = strings.TrimPrefix(late.URL, "http://")
	for _, c := range []struct {
		name   string
		srv    *verifyServer
		url    string
		status int
		code   string
		msg    string
	}{
		{"as presigned", srv, u.String(), 200, "", ""},
		{"tampered query", srv, tampered.String(), 403, CodeInvalidSignature, MsgSignatureMismatch},
		{"past X-Amz-Expires", late, expired.String(), 403, CodeInvalidSignature, "Signature expired: "},
	} {
		resp, err := c.srv.Client().Get(c.url)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		var m struct{ Message string }
		_ = json.Unmarshal(body, &m)
		if resp.StatusCode != c.status || resp.Header.Get("x-amzn-ErrorType") != c.code || !strings.HasPrefix(m.Message, c.msg) {
			t.Errorf("%s: got %d %q %s, want %d %q %q\nserver: %s", c.name, resp.StatusCode, resp.Header.Get("x-amzn-ErrorType"), body,
				c.status, c.code, c.msg, c.srv.lastFailure())
		}
	}
}

// pythonEnv is the environment for boto3 and the AWS CLIs: no AWS_*
// variables or config files from the machine, only the given keys.
func pythonEnv(key, secret string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "AWS_") {
			env = append(env, kv)
		}
	}
	return append(env,
		"AWS_CONFIG_FILE=/dev/null",
		"AWS_SHARED_CREDENTIALS_FILE=/dev/null",
		"AWS_DEFAULT_REGION=us-east-1",
		"AWS_EC2_METADATA_DISABLED=true",
		"AWS_MAX_ATTEMPTS=1",
		"AWS_ACCESS_KEY_ID="+key,
		"AWS_SECRET_ACCESS_KEY="+secret,
	)
}

// requirePython skips the test unless python3 can import module.
func requirePython(t *testing.T, module string) {
	t.Helper()
	if _, err := exec.LookPath("python3"); err != nil {
		skipClient(t, "python3 is not on PATH")
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if out, err := exec.CommandContext(ctx, "python3", "-c", "import "+module).CombinedOutput(); err != nil {
		skipClient(t, "python3 cannot import %s: %v %s", module, err, bytes.TrimSpace(out))
	}
}

const boto3Script = `
import json, os
import boto3, botocore
from botocore.config import Config

ep, skewed = os.environ["SC_ENDPOINT"], os.environ["SC_SKEWED_ENDPOINT"]
key, secret = os.environ["SC_KEY"], os.environ["SC_SECRET"]
cfg = Config(retries={"max_attempts": 1, "mode": "standard"})

def client(svc, key=key, secret=secret, token=None, endpoint=ep):
    return boto3.client(svc, endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id=key,
                        aws_secret_access_key=secret, aws_session_token=token, config=cfg)

def run(name, fn):
    out = {"case": name, "code": "", "message": ""}
    try:
        fn()
    except botocore.exceptions.ClientError as e:
        out["code"] = e.response["Error"].get("Code", "")
        out["message"] = e.response["Error"].get("Message", "")
    except Exception as e:
        out["code"] = "python:" + type(e).__name__
        out["message"] = str(e)
    print(json.dumps(out), flush=True)

blob = bytes(range(256)) * 2
run("apigateway get_rest_apis", lambda: client("apigateway").get_rest_apis())
run("apigateway get_rest_apis query", lambda: client("apigateway").get_rest_apis(limit=5, position="a b/c+d \u00fc"))
run("apigateway get_tags encoded ARN", lambda: client("apigateway").get_tags(resourceArn="arn:aws:apigateway:us-east-1::/restapis/abc"))
run("apigateway get_stage $default", lambda: client("apigateway").get_stage(restApiId="abc", stageName="$default"))
run("apigateway create_rest_api unicode body", lambda: client("apigateway").create_rest_api(name="\u00fcn\u00efcode api", description="a  b"))
run("apigateway put_rest_api binary body", lambda: client("apigateway").put_rest_api(
    restApiId="abc", mode="overwrite", parameters={"ignore": "documentation", "a b": "c/d"}, body=blob))
run("apigateway session token", lambda: client("apigateway", token="FwoGZXIvYXdzEXAMPLE/token+=").get_rest_apis())
run("appconfig list_applications", lambda: client("appconfig").list_applications(MaxResults=10, NextToken="n t/1"))
run("appconfig create_hosted_configuration_version binary", lambda: client("appconfig").create_hosted_configuration_version(
    ApplicationId="app1", ConfigurationProfileId="prof1", Content=blob, ContentType="application/octet-stream"))
run("apigateway wrong secret", lambda: client("apigateway", secret=secret + "x").get_rest_apis())
run("appconfig wrong secret", lambda: client("appconfig", secret="wrong").list_applications())
run("apigateway unknown key", lambda: client("apigateway", key="AKIDUNKNOWN").get_rest_apis())
run("apigateway clock skew", lambda: client("apigateway", endpoint=skewed).get_rest_apis())
url = client("apigateway").generate_presigned_url("get_rest_apis", Params={"limit": 5, "position": "a b"}, ExpiresIn=300)
print(json.dumps({"case": "presigned url", "url": url}), flush=True)
`

func TestBoto3(t *testing.T) {
	requirePython(t, "boto3")
	srv := newVerifyServer(t, 0)
	skewed := newVerifyServer(t, time.Hour)
	late := newVerifyServer(t, 10*time.Minute)

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "python3", "-c", boto3Script)
	cmd.Env = append(pythonEnv(e2eKeyID, e2eSecret),
		"SC_ENDPOINT="+srv.URL, "SC_SKEWED_ENDPOINT="+skewed.URL, "SC_KEY="+e2eKeyID, "SC_SECRET="+e2eSecret)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("python3: %v\n%s\n%s", err, out, stderr.Bytes())
	}

	want := map[string]struct{ code, msg string }{
		"apigateway get_rest_apis":                             {},
		"apigateway get_rest_apis query":                       {},
		"apigateway get_tags encoded ARN":                      {},
		"apigateway get_stage $default":                        {},
		"apigateway create_rest_api unicode body":              {},
		"apigateway put_rest_api binary body":                  {},
		"apigateway session token":                             {},
		"appconfig list_applications":                          {},
		"appconfig create_hosted_configuration_version binary": {},
		"apigateway wrong secret":                              {CodeInvalidSignature, MsgSignatureMismatch},
		"appconfig wrong secret":                               {CodeInvalidSignature, MsgSignatureMismatch},
		"apigateway unknown key":                               {CodeUnrecognizedClient, MsgUnrecognizedClient},
		"apigateway clock skew":                                {CodeInvalidSignature, "Signature expired: "},
	}
	var presigned string
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		var r struct{ Case, Code, Message, URL string }
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatalf("bad line %q: %v", sc.Text(), err)
		}
		if r.Case == "presigned url" {
			presigned = r.URL
			continue
		}
		w, ok := want[r.Case]
		if !ok {
			t.Errorf("unexpected case %q", r.Case)
			continue
		}
		delete(want, r.Case)
		if r.Code != w.code || !strings.HasPrefix(r.Message, w.msg) {
			t.Errorf("%s: got %q %q, want %q %q\nserver: %s", r.Case, r.Code, r.Message, w.code, w.msg, srv.lastFailure())
		}
	}
	for name := range want {
		t.Errorf("case %q did not run\n%s", name, stderr.Bytes())
	}
	if presigned == "" {
		t.Fatal("boto3 printed no presigned URL")
	}
	t.Run("presigned URL", func(t *testing.T) { checkPresigned(t, srv, late, presigned) })
}

// cliCase is one AWS CLI invocation.
type cliCase struct {
	name   string
	args   []string
	key    string // default e2eKeyID
	secret string // default e2eSecret
	skewed bool   // against the server whose clock is an hour ahead
	code   string // error code expected in stderr, "" for success
}

var cliCases = []cliCase{
	{name: "get-rest-apis", args: []string{"apigateway", "get-rest-apis"}},
	{name: "get-rest-apis query", args: []string{"apigateway", "get-rest-apis", "--limit", "5", "--position", "a b/c+d ü"}},
	{name: "get-tags encoded ARN", args: []string{"apigateway", "get-tags", "--resource-arn", "arn:aws:apigateway:us-east-1::/restapis/abc"}},
	{name: "create-rest-api unicode body", args: []string{"apigateway", "create-rest-api", "--name", "ünïcode api", "--description", "a  b"}},
	{name: "put-rest-api binary body", args: []string{"apigateway", "put-rest-api", "--rest-api-id", "abc", "--mode", "overwrite", "--body", "fileb://BLOB"}},
	{name: "appconfig list-applications", args: []string{"appconfig", "list-applications", "--max-results", "10"}},
	{name: "wrong secret", args: []string{"apigateway", "get-rest-apis"}, secret: "wrong", code: CodeInvalidSignature},
	{name: "unknown key", args: []string{"apigateway", "get-rest-apis"}, key: "AKIDUNKNOWN", code: CodeUnrecognizedClient},
	{name: "appconfig wrong secret", args: []string{"appconfig", "list-applications"}, secret: "wrong", code: CodeInvalidSignature},
	{name: "clock skew", args: []string{"apigateway", "get-rest-apis"}, skewed: true, code: CodeInvalidSignature},
}

// runCLICases runs every cliCase with the CLI started by argv.
func runCLICases(t *testing.T, argv []string) {
	srv := newVerifyServer(t, 0)
	skewed := newVerifyServer(t, time.Hour)
	blob := filepath.Join(t.TempDir(), "blob.bin")
	if err := os.WriteFile(blob, binaryBody, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, c := range cliCases {
		t.Run(c.name, func(t *testing.T) {
			key, secret, s := e2eKeyID, e2eSecret, srv
			if c.key != "" {
				key = c.key
			}
			if c.secret != "" {
				secret = c.secret
			}
			if c.skewed {
				s = skewed
			}
			args := append(append([]string(nil), argv[1:]...), "--endpoint-url", s.URL, "--output", "json")
			for _, a := range c.args {
				args = append(args, strings.ReplaceAll(a, "BLOB", blob))
			}
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			cmd := exec.CommandContext(ctx, argv[0], args...)
			cmd.Env = pythonEnv(key, secret)
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			err := cmd.Run()
			if c.code == "" {
				if err != nil {
					t.Fatalf("%v: %v\n%s\nserver: %s", args, err, stderr.Bytes(), s.lastFailure())
				}
				return
			}
			if err == nil || !strings.Contains(stderr.String(), "("+c.code+")") {
				t.Fatalf("%v: got %v, stderr %q; want an error with (%s)", args, err, stderr.Bytes(), c.code)
			}
		})
	}
}

func TestAWSCLIv1(t *testing.T) {
	requirePython(t, "awscli")
	runCLICases(t, []string{"python3", "-m", "awscli"})
}

// TestAWSCLIv2 runs Debian's AWS CLI v2 (/usr/bin/aws from the awscli
// package) when it is installed.
func TestAWSCLIv2(t *testing.T) {
	const bin = "/usr/bin/aws"
	if _, err := os.Stat(bin); err != nil {
		skipClient(t, "AWS CLI v2 is not installed (%s from Debian's awscli package is absent)", bin)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, bin, "--version").CombinedOutput()
	if err != nil || !strings.HasPrefix(string(out), "aws-cli/2") {
		skipClient(t, "%s is not AWS CLI v2: %v %s", bin, err, bytes.TrimSpace(out))
	}
	t.Setenv("AWS_PAGER", "")
	runCLICases(t, []string{bin, "--no-cli-pager"})
}

// TestE2EClientsLoopbackOnly guards the tests above: every server they
// talk to listens on loopback.
func TestE2EClientsLoopbackOnly(t *testing.T) {
	s := newVerifyServer(t, 0)
	u, err := url.Parse(s.URL)
	if err != nil {
		t.Fatal(err)
	}
	if h := u.Hostname(); h != "127.0.0.1" && h != "::1" {
		t.Fatalf("test server on %s", h)
	}
	if _, err := strconv.Atoi(u.Port()); err != nil {
		t.Fatal(err)
	}
}

// skipClient skips a test whose outside client is missing, visibly; under
// STAGECRAFT_REQUIRE_CLIENTS=1 (CI) it fails instead. (testenv.SkipClient
// does the same, but this package cannot import testenv: testenv → server →
// sigv4.)
func skipClient(t testing.TB, format string, args ...any) {
	t.Helper()
	msg := "SKIP-CLIENT: " + fmt.Sprintf(format, args...)
	if os.Getenv("STAGECRAFT_REQUIRE_CLIENTS") == "1" {
		t.Fatal(msg + " (STAGECRAFT_REQUIRE_CLIENTS=1: clients must be installed)")
	}
	t.Skip(msg)
}
